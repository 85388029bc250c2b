/*
 * exw_comp.c - component values in the exec worker (exw_comp.h).
 */
#include "exw_comp.h"

#include <string.h>

#include "cm_type.h"

static bool kind_ok(int k)
{
	return (k >= CM_BOOL && k <= CM_STRING) || (k >= CM_LIST && k <= CM_BORROW);
}

bool exw_cvals_in(Wasmc__V1__CValue *const *in, size_t n, cm_vals *out, cmn_error *err)
{
	for (size_t i = 0; i < n; i++) {
		const Wasmc__V1__CValue *v = in[i];
		if (!kind_ok((int)v->kind))
			return cmn_fail(err, "value node %zu: unknown kind %d", i, (int)v->kind);
		cm_val node = {.kind = (cm_kind)v->kind, .n = v->n, .u = v->u};
		long at = v->bytes.len
		                  ? cm_vals_push_bytes(out, &node, v->bytes.data, v->bytes.len)
		                  : cm_vals_push(out, &node);
		if (at < 0)
			return cmn_fail(err, "out of memory for %zu value nodes", n);
	}
	return true;
}

bool exw_cvals_out(cmn_arena *a, const cm_vals *vs, size_t from, Wasmc__V1__CValue ***ret,
                   size_t *ret_n)
{
	size_t n = vs->n - from;
	Wasmc__V1__CValue **ptrs = cmn_arena_alloc(a, n ? n : 1, sizeof *ptrs);
	Wasmc__V1__CValue *nodes = cmn_arena_alloc(a, n ? n : 1, sizeof *nodes);
	if (!ptrs || !nodes)
		return false;
	for (size_t i = 0; i < n; i++) {
		const cm_val *v = &vs->v[from + i];
		wasmc__v1__cvalue__init(&nodes[i]);
		nodes[i].kind = (Wasmc__V1__CKind)v->kind;
		nodes[i].u = v->u;
		nodes[i].n = v->n;
		if (v->len) {
			nodes[i].bytes.data = (uint8_t *)v->bytes;
			nodes[i].bytes.len = (size_t)v->len;
		}
		ptrs[i] = &nodes[i];
	}
	*ret = ptrs;
	*ret_n = n;
	return true;
}
