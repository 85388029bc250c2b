/* wh_trap.c - where a trap happened (wh_trap.h). */
#include "wh_trap.h"

#include "rt_artifact.h"

void wh_print_trap_location(FILE *f, const rt_outcome *out)
{
	const rt_loaded *l;
	uint32_t fi;

	if (out->kind != RT_TRAPPED || !out->pc || !rt_code_locate(out->pc, &l, &fi))
		return;
	fprintf(f, "    at wasm function %u", fi);
	const rt_names *n = &l->mod->names;
	for (uint32_t i = 0; i < n->nfuncs; i++)
		if (n->funcs[i].index == fi)
			fprintf(f, " $%.*s", (int)n->funcs[i].name.len, n->funcs[i].name.ptr);
	fprintf(f, "\n");
}
