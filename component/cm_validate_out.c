/*
 * cm_validate_out.c - the validator's description of a component's
 * imports and exports (cm_validated): value, resource and function types
 * converted to a cm_types table (cm_type.h), instances with their exports.
 */
#include <string.h>

#include "cm_validate_int.h"

typedef struct memo {
	const vt **from;
	cm_tid *to;
	uint32_t n, cap;
} memo;

static bool memo_find(const memo *m, const vt *t, cm_tid *ret)
{
	for (uint32_t i = 0; i < m->n; i++)
		if (m->from[i] == t) {
			*ret = m->to[i];
			return true;
		}
	return false;
}

static bool memo_add(cm_vstate *s, memo *m, const vt *t, cm_tid tid)
{
	if (m->n == m->cap) {
		uint32_t nc = m->cap ? m->cap * 2 : 32;
		const vt **nf = cmn_arena_alloc(&s->arena, nc, sizeof(vt *));
		cm_tid *nt = cmn_arena_alloc(&s->arena, nc, sizeof(cm_tid));
		if (!nf || !nt)
			return cmn_fail(s->err, "out of memory");
		if (m->n) {
			memcpy(nf, m->from, m->n * sizeof(vt *));
			memcpy(nt, m->to, m->n * sizeof(cm_tid));
		}
		m->from = nf;
		m->to = nt;
		m->cap = nc;
	}
	m->from[m->n] = t;
	m->to[m->n] = tid;
	m->n++;
	return true;
}

static bool conv(cm_vstate *s, memo *m, const vt *t, cm_tid *ret, unsigned depth);

static bool conv_opt(cm_vstate *s, memo *m, const vt *t, cm_tid *ret, unsigned depth)
{
	if (!t) {
		*ret = CM_TID_NONE;
		return true;
	}
	return conv(s, m, t, ret, depth);
}

static bool conv(cm_vstate *s, memo *m, const vt *t, cm_tid *ret, unsigned depth)
{
	if (depth > 200)
		return cmn_fail(s->err, "type nesting too deep");
	if (t->kind == VT_PRIM && t->prim <= CM_STRING) {
		*ret = t->prim;
		return true;
	}
	if (memo_find(m, t, ret))
		return true;
	/* resources are one entry per identity */
	if (t->kind == VT_RESOURCE)
		for (uint32_t i = 0; i < m->n; i++)
			if (m->from[i]->kind == VT_RESOURCE && m->from[i]->rid == t->rid) {
				*ret = m->to[i];
				return true;
			}
	cm_type ty = {0};
	cm_case *cases = NULL;
	uint32_t n = t->n;
	if (n) {
		cases = cmn_arena_alloc(&s->arena, n, sizeof(cm_case));
		if (!cases)
			return cmn_fail(s->err, "out of memory");
		for (uint32_t i = 0; i < n; i++) {
			cases[i].name = t->f[i].name;
			if (!conv_opt(s, m, t->f[i].t, &cases[i].type, depth + 1))
				return false;
		}
	}
	ty.n = n;
	ty.cases = cases;
	ty.elem = ty.err = CM_TID_NONE;
	switch (t->kind) {
	case VT_RECORD: ty.kind = CM_RECORD; break;
	case VT_VARIANT: ty.kind = CM_VARIANT; break;
	case VT_TUPLE: ty.kind = CM_TUPLE; break;
	case VT_FLAGS: ty.kind = CM_FLAGS; break;
	case VT_ENUM: ty.kind = CM_ENUM; break;
	case VT_LIST:
		ty.kind = CM_LIST;
		ty.fixed_len = t->len;
		if (!conv(s, m, t->a, &ty.elem, depth + 1))
			return false;
		break;
	case VT_OPTION:
		ty.kind = CM_OPTION;
		if (!conv(s, m, t->a, &ty.elem, depth + 1))
			return false;
		break;
	case VT_RESULT:
		ty.kind = CM_RESULT;
		if (!conv_opt(s, m, t->a, &ty.elem, depth + 1) || !conv_opt(s, m, t->b, &ty.err, depth + 1))
			return false;
		break;
	case VT_OWN:
	case VT_BORROW:
		ty.kind = t->kind == VT_OWN ? CM_OWN : CM_BORROW;
		if (!conv(s, m, t->a, &ty.elem, depth + 1))
			return false;
		break;
	case VT_RESOURCE:
		ty.kind = CM_RESOURCE;
		ty.resource_id = t->rid;
		break;
	case VT_FUNC: {
		ty.kind = CM_FUNC;
		ty.async = t->async;
		if (t->a) {
			cm_case *r = cmn_arena_alloc(&s->arena, 1, sizeof(cm_case));
			if (!r)
				return cmn_fail(s->err, "out of memory");
			if (!conv(s, m, t->a, &r->type, depth + 1))
				return false;
			ty.results = r;
			ty.nresults = 1;
		}
		break;
	}
	default:
		/* streams, futures, maps, error-context: not in the cm_type
		 * model yet */
		*ret = CM_TID_NONE;
		return true;
	}
	cm_tid tid;
	if (!cm_types_add(s->out->types, &ty, &tid))
		return cmn_fail(s->err, "out of memory building the type table");
	*ret = tid;
	return memo_add(s, m, t, tid);
}

static bool conv_exts(cm_vstate *s, memo *m, const vt_ext *v, uint32_t n, cm_extern_info **ret, unsigned depth)
{
	cm_extern_info *out = cmn_arena_alloc(s->out->arena, n + 1, sizeof(cm_extern_info));
	if (!out)
		return cmn_fail(s->err, "out of memory");
	for (uint32_t i = 0; i < n; i++) {
		size_t len = strlen(v[i].name);
		char *name = cmn_arena_alloc(s->out->arena, len + 1, 1);
		if (!name)
			return cmn_fail(s->err, "out of memory");
		memcpy(name, v[i].name, len + 1);
		out[i].name = name;
		out[i].sort = v[i].sort;
		out[i].type = CM_TID_NONE;
		const vt *t = v[i].t;
		if (v[i].sort == CM_SORT_FUNC || (v[i].sort == CM_SORT_TYPE && (vt_is_defined(t) || t->kind == VT_RESOURCE)) ||
		    v[i].sort == CM_SORT_VALUE) {
			if (!conv(s, m, t, &out[i].type, 0))
				return false;
		} else if (v[i].sort == CM_SORT_INSTANCE && depth < 50) {
			out[i].n = t->nexports;
			if (!conv_exts(s, m, t->exports, t->nexports, &out[i].items, depth + 1))
				return false;
		}
	}
	*ret = out;
	return true;
}

bool cm_v_out(cm_vstate *s, const vt_ext_list *imports, const vt_ext_list *exports);

bool cm_v_out(cm_vstate *s, const vt_ext_list *imports, const vt_ext_list *exports)
{
	memo m = {0};
	if (!conv_exts(s, &m, imports->v, imports->n, &s->out->imports, 0) ||
	    !conv_exts(s, &m, exports->v, exports->n, &s->out->exports, 0))
		return false;
	s->out->nimports = imports->n;
	s->out->nexports = exports->n;
	return true;
}
