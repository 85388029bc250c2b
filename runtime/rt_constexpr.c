#include "rt_constexpr.h"

#include <stdlib.h>
#include <string.h>

bool rt_constexpr_eval(const rt_constexpr *e, rt_global *const *globals,
                       uint32_t nglobals, rt_funcref *const *funcs,
                       uint32_t nfuncs, rt_val *out, cmn_error *err)
{
	rt_val small[16];
	rt_val *st = small;
	uint32_t sp = 0;
	bool ok = false;

	if (e == NULL || e->nops == 0)
		return cmn_fail(err, "constant expression missing");
	if (e->nops > 16) {
		st = calloc(e->nops, sizeof *st);
		if (!st)
			return cmn_fail(err, "out of memory");
	}
	for (uint32_t i = 0; i < e->nops; i++) {
		const rt_ceop *o = &e->ops[i];
		rt_val v;
		memset(&v, 0, sizeof v);
		switch (o->op) {
		case RT_CE_I32_CONST:
		case RT_CE_I64_CONST:
		case RT_CE_F32_CONST:
		case RT_CE_F64_CONST:
		case RT_CE_V128_CONST:
			st[sp++] = o->imm;
			continue;
		case RT_CE_REF_NULL:
			st[sp++] = v;
			continue;
		case RT_CE_REF_FUNC:
			if (o->index >= nfuncs) {
				cmn_fail(err, "constant expression: unknown function %u", o->index);
				goto out;
			}
			v.ref = funcs[o->index];
			st[sp++] = v;
			continue;
		case RT_CE_GLOBAL_GET:
			if (o->index >= nglobals || globals[o->index] == NULL) {
				cmn_fail(err, "constant expression: unknown global %u", o->index);
				goto out;
			}
			st[sp++] = globals[o->index]->val;
			continue;
		default:
			break;
		}
		if (sp < 2 || o->op >= RT_CE_OP_COUNT || o->op < RT_CE_I32_ADD) {
			cmn_fail(err, "malformed constant expression");
			goto out;
		}
		rt_val *a = &st[sp - 2], *b = &st[sp - 1];
		switch (o->op) {
		case RT_CE_I32_ADD:
			a->i32 = (int32_t)((uint32_t)a->i32 + (uint32_t)b->i32);
			break;
		case RT_CE_I32_SUB:
			a->i32 = (int32_t)((uint32_t)a->i32 - (uint32_t)b->i32);
			break;
		case RT_CE_I32_MUL:
			a->i32 = (int32_t)((uint32_t)a->i32 * (uint32_t)b->i32);
			break;
		case RT_CE_I64_ADD:
			a->i64 = (int64_t)((uint64_t)a->i64 + (uint64_t)b->i64);
			break;
		case RT_CE_I64_SUB:
			a->i64 = (int64_t)((uint64_t)a->i64 - (uint64_t)b->i64);
			break;
		case RT_CE_I64_MUL:
			a->i64 = (int64_t)((uint64_t)a->i64 * (uint64_t)b->i64);
			break;
		}
		sp--;
	}
	if (sp != 1) {
		cmn_fail(err, "malformed constant expression");
		goto out;
	}
	*out = st[0];
	ok = true;
out:
	if (st != small)
		free(st);
	return ok;
}
