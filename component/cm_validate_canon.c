/*
 * cm_validate_canon.c - canon definitions: lift and lower against the
 * flattened core signature (MAX_FLAT_PARAMS 16, MAX_FLAT_RESULTS 1), their
 * options (string encoding, memory, realloc, post-return), resource.new,
 * resource.drop, resource.rep, and the async/thread built-ins (accepted
 * with an unchecked core signature: their execution is not supported).
 */
#include <stdio.h>
#include <string.h>

#include "cm_validate_int.h"
#include "rt_types.h"

#define MAX_FLAT_PARAMS 16
#define MAX_FLAT_RESULTS 1
#define FLAT_BUF 64

/* A core func type nobody checks (async and thread built-ins). */
#define WILDCARD(t) ((t)->inline_prim)

typedef struct flat {
	uint8_t v[FLAT_BUF];
	uint32_t n;
	bool overflow;
	bool needs_memory;  /* strings, lists, or spilled to memory */
	bool has_ptrs;      /* strings, lists: data allocated with realloc */
} flat;

static void push(flat *f, uint8_t k)
{
	if (f->n < FLAT_BUF)
		f->v[f->n] = k;
	else
		f->overflow = true;
	f->n++;
}

static uint8_t join(uint8_t a, uint8_t b)
{
	if (a == b)
		return a;
	if ((a == RT_I32 && b == RT_F32) || (a == RT_F32 && b == RT_I32))
		return RT_I32;
	return RT_I64;
}

static void flatten(const vt *t, flat *f, unsigned depth)
{
	if (depth > 100 || f->n > FLAT_BUF) {
		f->overflow = true;
		f->n = FLAT_BUF + 1;
		return;
	}
	switch (t->kind) {
	case VT_PRIM:
		switch (t->prim) {
		case CM_S64: case CM_U64: push(f, RT_I64); break;
		case CM_F32: push(f, RT_F32); break;
		case CM_F64: push(f, RT_F64); break;
		case CM_STRING: f->needs_memory = f->has_ptrs = true; push(f, RT_I32); push(f, RT_I32); break;
		default: push(f, RT_I32); break;
		}
		break;
	case VT_LIST:
		if (t->len) {
			for (uint32_t i = 0; i < t->len && f->n <= FLAT_BUF; i++)
				flatten(t->a, f, depth + 1);
			break;
		}
		/* fallthrough */
	case VT_MAP:
		f->needs_memory = f->has_ptrs = true;
		push(f, RT_I32);
		push(f, RT_I32);
		break;
	case VT_RECORD:
	case VT_TUPLE:
		for (uint32_t i = 0; i < t->n; i++)
			flatten(t->f[i].t, f, depth + 1);
		break;
	case VT_FLAGS:
		for (uint32_t i = 0; i < (t->n + 31) / 32; i++)
			push(f, RT_I32);
		break;
	case VT_VARIANT:
	case VT_OPTION:
	case VT_RESULT: {
		const vt *cases[2] = {0};
		const vt_field *fs = t->f;
		uint32_t n = t->n;
		vt_field tmp[2];
		if (t->kind == VT_OPTION) {
			tmp[0].t = NULL;
			tmp[1].t = t->a;
			fs = tmp;
			n = 2;
		} else if (t->kind == VT_RESULT) {
			tmp[0].t = t->a;
			tmp[1].t = t->b;
			fs = tmp;
			n = 2;
		}
		(void)cases;
		push(f, RT_I32);
		uint32_t start = f->n;
		uint8_t acc[FLAT_BUF];
		uint32_t nacc = 0;
		for (uint32_t i = 0; i < n; i++) {
			if (!fs[i].t)
				continue;
			flat sub = {0};
			flatten(fs[i].t, &sub, depth + 1);
			f->needs_memory |= sub.needs_memory;
			f->has_ptrs |= sub.has_ptrs;
			if (sub.overflow || sub.n > FLAT_BUF) {
				f->overflow = true;
				f->n = FLAT_BUF + 1;
				return;
			}
			for (uint32_t k = 0; k < sub.n; k++) {
				if (k < nacc)
					acc[k] = join(acc[k], sub.v[k]);
				else
					acc[nacc++] = sub.v[k];
			}
		}
		(void)start;
		for (uint32_t k = 0; k < nacc; k++)
			push(f, acc[k]);
		break;
	}
	default:
		push(f, RT_I32);
		break;
	}
}

static const char *core_name(uint8_t k)
{
	switch (k) {
	case RT_I32: return "I32";
	case RT_I64: return "I64";
	case RT_F32: return "F32";
	case RT_F64: return "F64";
	default: return "V128";
	}
}

static void list_text(const uint8_t *v, uint32_t n, char *buf, size_t bn)
{
	size_t o = (size_t)snprintf(buf, bn, "[");
	for (uint32_t i = 0; i < n && o < bn; i++)
		o += (size_t)snprintf(buf + o, bn - o, "%s%s", i ? ", " : "", core_name(v[i]));
	if (o < bn)
		snprintf(buf + o, bn - o, "]");
}

static void vt_list_text(const cm_core_valtype *v, uint32_t n, char *buf, size_t bn)
{
	uint8_t k[FLAT_BUF];
	uint32_t m = n < FLAT_BUF ? n : FLAT_BUF;
	for (uint32_t i = 0; i < m; i++)
		k[i] = v[i].kind;
	list_text(k, m, buf, bn);
}

static bool same(const uint8_t *v, uint32_t n, const cm_core_valtype *c, uint32_t cn)
{
	if (n != cn)
		return false;
	for (uint32_t i = 0; i < n; i++)
		if (c[i].kind != v[i])
			return false;
	return true;
}

/* The core signature of `ft` lifted (lower=false) or lowered. */
static void signature(const vt *ft, bool lower, flat *params, flat *results)
{
	memset(params, 0, sizeof *params);
	memset(results, 0, sizeof *results);
	for (uint32_t i = 0; i < ft->n; i++)
		flatten(ft->f[i].t, params, 0);
	if (ft->a)
		flatten(ft->a, results, 0);
	if (params->n > MAX_FLAT_PARAMS) {
		params->n = 1;
		params->v[0] = RT_I32;
		params->needs_memory = true;
		/* a lift receives spilled parameters in memory it allocates */
		if (!lower)
			params->has_ptrs = true;
		params->overflow = false;
	}
	if (results->n > MAX_FLAT_RESULTS) {
		results->needs_memory = true;
		if (lower) {
			push(params, RT_I32);
			results->n = 0;
		} else {
			results->n = 1;
			results->v[0] = RT_I32;
		}
		results->overflow = false;
	}
}

static bool core_func_is(const vt *f, const uint8_t *p, uint32_t np, const uint8_t *r, uint32_t nr)
{
	return f->kind == VT_CORE_FUNC && (WILDCARD(f) || (same(p, np, f->params, f->nparams) &&
	                                                   same(r, nr, f->results, f->nresults)));
}

static vt *new_core_func(cm_vstate *s, const uint8_t *p, uint32_t np, const uint8_t *r, uint32_t nr)
{
	vt *f = vt_new(s, VT_CORE_FUNC);
	if (!f)
		return NULL;
	f->params = cmn_arena_alloc(&s->arena, np + 1, sizeof(cm_core_valtype));
	f->results = cmn_arena_alloc(&s->arena, nr + 1, sizeof(cm_core_valtype));
	if (!f->params || !f->results) {
		cmn_fail(s->err, "out of memory");
		return NULL;
	}
	for (uint32_t i = 0; i < np; i++)
		f->params[i].kind = p[i];
	for (uint32_t i = 0; i < nr; i++)
		f->results[i].kind = r[i];
	f->nparams = np;
	f->nresults = nr;
	return f;
}

static bool check_opts(cm_vstate *s, scope *sc, const cm_canon *c, bool lift, const flat *params,
                       const flat *results, const vt *ft)
{
	const cm_canon_opts *o = &c->opts;
	size_t off = c->off;
	bool need_mem = params->needs_memory || results->needs_memory;
	/* realloc: a lift receives lists/strings in its parameters; a lower
	 * receives them in its results */
	bool need_realloc = lift ? params->has_ptrs : results->has_ptrs;
	(void)ft;
	if (o->has_memory) {
		vt *m = space_get(s, sc, CM_SORT_CORE_MEMORY, o->memory, off);
		if (!m)
			return false;
	}
	if (o->has_realloc && !o->has_memory)
		return cmn_fail_at(s->err, off, "canonical option `realloc` requires `memory` to also be specified");
	if (need_mem && !o->has_memory)
		return cmn_fail_at(s->err, off, "canonical option `memory` is required");
	if (need_realloc && !o->has_realloc)
		return cmn_fail_at(s->err, off, "canonical option `realloc` is required");
	if (o->has_realloc) {
		vt *f = space_get(s, sc, CM_SORT_CORE_FUNC, o->realloc, off);
		static const uint8_t p4[4] = {RT_I32, RT_I32, RT_I32, RT_I32}, r1[1] = {RT_I32};
		if (!f)
			return false;
		if (!core_func_is(f, p4, 4, r1, 1))
			return cmn_fail_at(s->err, off, "canonical option `realloc` uses a core function with an incorrect signature");
	}
	if (o->has_post_return) {
		if (!lift)
			return cmn_fail_at(s->err, off, "canonical option `post-return` cannot be specified for lowerings");
		vt *f = space_get(s, sc, CM_SORT_CORE_FUNC, o->post_return, off);
		if (!f)
			return false;
		if (!core_func_is(f, results->v, results->n, NULL, 0))
			return cmn_fail_at(s->err, off, "canonical option `post-return` uses a core function with an incorrect signature");
	}
	if (o->has_callback) {
		if (!lift || !o->async)
			return cmn_fail_at(s->err, off, "canonical option `callback` requires `async` on a lift");
		if (!space_get(s, sc, CM_SORT_CORE_FUNC, o->callback, off))
			return false;
	}
	return true;
}

static vt *wildcard(cm_vstate *s)
{
	vt *f = vt_new(s, VT_CORE_FUNC);
	if (f)
		WILDCARD(f) = true;
	return f;
}

static vt *resource_arg(cm_vstate *s, scope *sc, uint32_t idx, size_t off)
{
	vt *r = type_get(s, sc, idx, off);
	if (!r)
		return NULL;
	if (r->kind != VT_RESOURCE) {
		cmn_fail_at(s->err, off, "type index %u is not a resource type", idx);
		return NULL;
	}
	return r;
}

static bool is_local(scope *sc, uint32_t rid)
{
	for (uint32_t i = 0; i < sc->local_rids.n; i++)
		if (sc->local_rids.v[i] == rid)
			return true;
	return false;
}

bool cm_v_canon(cm_vstate *s, scope *sc, const cm_canon *c)
{
	size_t off = c->off;
	char x[200], y[200];
	switch (c->kind) {
	case CM_CANON_LIFT: {
		vt *cf = space_get(s, sc, CM_SORT_CORE_FUNC, c->func, off);
		vt *ft = type_get(s, sc, c->type, off);
		if (!cf || !ft)
			return false;
		if (ft->kind != VT_FUNC)
			return cmn_fail_at(s->err, off, "type index %u is not a function type", c->type);
		flat p, r;
		signature(ft, false, &p, &r);
		if (c->opts.async)
			memset(&r, 0, sizeof r); /* results go through task.return */
		if (!check_opts(s, sc, c, true, &p, &r, ft))
			return false;
		if (!c->opts.async && !WILDCARD(cf)) {
			if (cf->kind != VT_CORE_FUNC)
				return cmn_fail_at(s->err, off, "core function %u is not a function", c->func);
			if (!same(p.v, p.n, cf->params, cf->nparams)) {
				list_text(p.v, p.n, x, sizeof x);
				vt_list_text(cf->params, cf->nparams, y, sizeof y);
				return cmn_fail_at(s->err, off, "lowered parameter types `%s` do not match parameter types `%s` of core function %u",
				                   x, y, c->func);
			}
			if (!same(r.v, r.n, cf->results, cf->nresults)) {
				list_text(r.v, r.n, x, sizeof x);
				vt_list_text(cf->results, cf->nresults, y, sizeof y);
				return cmn_fail_at(s->err, off, "lowered result types `%s` do not match result types `%s` of core function %u",
				                   x, y, c->func);
			}
		}
		return space_add(s, sc, CM_SORT_FUNC, ft);
	}
	case CM_CANON_LOWER: {
		vt *ft = space_get(s, sc, CM_SORT_FUNC, c->func, off);
		if (!ft)
			return false;
		if (ft->kind != VT_FUNC)
			return cmn_fail_at(s->err, off, "not a function type");
		flat p, r;
		signature(ft, true, &p, &r);
		if (!check_opts(s, sc, c, false, &p, &r, ft))
			return false;
		vt *cf = c->opts.async ? wildcard(s) : new_core_func(s, p.v, p.n, r.v, r.n);
		return cf && space_add(s, sc, CM_SORT_CORE_FUNC, cf);
	}
	case CM_CANON_RESOURCE_NEW:
	case CM_CANON_RESOURCE_DROP:
	case CM_CANON_RESOURCE_REP: {
		vt *r = resource_arg(s, sc, c->type, off);
		if (!r)
			return false;
		static const uint8_t i32[1] = {RT_I32};
		vt *cf;
		if (c->kind == CM_CANON_RESOURCE_DROP) {
			cf = new_core_func(s, i32, 1, NULL, 0);
		} else {
			if (!is_local(sc, r->rid))
				return cmn_fail_at(s->err, off, "type index %u is not a local resource", c->type);
			cf = new_core_func(s, i32, 1, i32, 1);
		}
		return cf && space_add(s, sc, CM_SORT_CORE_FUNC, cf);
	}
	default: {
		/* async, thread and error-context built-ins: decoded, their
		 * immediates checked; the core signature is not */
		switch (c->op) {
		case 0x0e: case 0x0f: case 0x10: case 0x11: case 0x12: case 0x13: case 0x14:
		case 0x15: case 0x16: case 0x17: case 0x18: case 0x19: case 0x1a: case 0x1b: {
			vt *t = type_get(s, sc, c->type, off);
			if (!t)
				return false;
			bool stream = c->op <= 0x14;
			if (t->kind != (stream ? VT_STREAM : VT_FUTURE))
				return cmn_fail_at(s->err, off, "type index %u is not a %s type", c->type,
				                   stream ? "stream" : "future");
			break;
		}
		case 0x20: case 0x21:
			if (!space_get(s, sc, CM_SORT_CORE_MEMORY, c->index, off))
				return false;
			break;
		case 0x27: case 0x41:
			if (!space_get(s, sc, CM_SORT_CORE_TYPE, c->type, off) ||
			    !space_get(s, sc, CM_SORT_CORE_TABLE, c->index, off))
				return false;
			break;
		case 0x40:
			if (!space_get(s, sc, CM_SORT_CORE_TYPE, c->type, off))
				return false;
			break;
		case 0x09:
			if (c->has_result && !valtype_get(s, sc, &c->result, off))
				return false;
			if (c->opts.has_memory && !space_get(s, sc, CM_SORT_CORE_MEMORY, c->opts.memory, off))
				return false;
			break;
		default:
			break;
		}
		vt *cf = wildcard(s);
		return cf && space_add(s, sc, CM_SORT_CORE_FUNC, cf);
	}
	}
}
