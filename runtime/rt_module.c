#include "rt_module.h"

#include <stdlib.h>

void rt_module_free(rt_module *mod)
{
	if (mod == NULL)
		return;
	cmn_arena_free(&mod->arena);
	free(mod);
}
