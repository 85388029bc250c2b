/*
 * cm_plan_serial.c - the plan's byte form (stored in the artifact), its
 * consistency check, lookups and release. Links with the exec side: no
 * wasm/ or jit/ header here.
 *
 * Format (version 1). Integers are unsigned LEB128 (u32 at most 5 bytes,
 * CM_TID_NONE and CM_PLAN_NONE written as 0xffffffff); `str` is a u32
 * length and that many bytes (no NUL byte inside); `ref` is a kind byte
 * (0: none, 1 export, 2 lower, 3 built-in), then for a kind other than 0
 * the index, and for an export the name (str).
 *
 *   "CMPLAN" 0x01
 *   u32 ntypes, each: u8 kind, then by kind
 *       list: elem, fixed_len; option, own, borrow: elem; result: ok, err;
 *       record, tuple, variant, enum, flags: n, n x (u8 has_name, [str], type);
 *       resource: resource_id;
 *       func: u8 async, n, n x case, nresults, nresults x case
 *   u32 ninstances
 *   u32 nmodules
 *   u32 nsteps, each: module, nargs, nargs x ref
 *   u32 nlifts, each: instance, type, ref func, opts
 *       (opts: u8 encoding, ref memory, ref realloc, ref post_return)
 *   u32 nlowers, each: instance, type, opts, u8 callee_kind, callee
 *   u32 nbuiltins, each: u8 kind, instance, resource, [str name: unsupported]
 *   u32 nresources, each: instance, import, ref dtor
 *   u32 nfunc_imports, each: str instance, str name, type
 *   u32 nresource_imports, each: str instance, str name, resource
 *   u32 nexports, each: str instance, str name, lift
 *   u32 ntype_exports, each: str instance, str name, resource
 *
 * Reading treats the bytes as untrusted: each count is checked against the
 * bytes left before anything is allocated, type references against the
 * table (cm_types_add), and the whole plan with cm_plan_check.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cm_plan.h"
#include "cmn_vec.h"

#define MAGIC "CMPLAN\x01"
#define MAGIC_LEN 7
#define MAX_INSTANCES (1u << 20)

void cm_plan_free(cm_plan *p)
{
	if (!p)
		return;
	cm_types_free(p->types);
	cmn_arena_free(&p->arena);
	free(p);
}

uint32_t cm_plan_find_export(const cm_plan *p, const char *instance, const char *name)
{
	if (!instance)
		instance = "";
	for (uint32_t i = 0; i < p->nexports; i++)
		if (strcmp(p->exports[i].instance, instance) == 0 && strcmp(p->exports[i].name, name) == 0)
			return i;
	return CM_PLAN_NONE;
}

/* ---- check ------------------------------------------------------------- */

/* `nsteps_before`: export references must name a step below it. */
static const char *check_ref(const cm_plan *p, const cm_plan_ref *r, uint32_t nsteps_before,
                             bool optional)
{
	switch (r->kind) {
	case 0:
		return optional ? NULL : "a core reference is missing";
	case CM_PREF_EXPORT:
		if (r->index >= nsteps_before)
			return "a core reference names a core instance not instantiated yet";
		if (!r->name)
			return "a core export reference has no name";
		return NULL;
	case CM_PREF_LOWER:
		return r->index < p->nlowers ? NULL : "a core reference names an unknown trampoline";
	case CM_PREF_BUILTIN:
		return r->index < p->nbuiltins ? NULL : "a core reference names an unknown built-in";
	default:
		return "a core reference has an unknown kind";
	}
}

static const char *check_opts(const cm_plan *p, const cm_plan_opts *o)
{
	const char *why;
	if (o->enc > CM_PLAN_LATIN1_UTF16)
		return "unknown string encoding";
	if (o->memory.kind && o->memory.kind != CM_PREF_EXPORT)
		return "a memory option that is not a core instance's export";
	if ((why = check_ref(p, &o->memory, p->nsteps, true)) ||
	    (why = check_ref(p, &o->realloc, p->nsteps, true)) ||
	    (why = check_ref(p, &o->post_return, p->nsteps, true)))
		return why;
	return NULL;
}

static bool is_kind(const cm_plan *p, cm_tid t, cm_kind k)
{
	const cm_type *ty = cm_types_get(p->types, t);
	return ty && ty->kind == k;
}

const char *cm_plan_check(const cm_plan *p)
{
	const char *why;
	if (!p->types)
		return "no type table";
	if (p->ninstances == 0 || p->ninstances > MAX_INSTANCES)
		return "component instance count out of range";
	for (uint32_t i = 0; i < cm_types_count(p->types); i++) {
		const cm_type *t = cm_types_get(p->types, CM_TID_FIRST + i);
		if (t->kind == CM_RESOURCE && t->resource_id >= p->nresources)
			return "a resource type names an unknown resource";
	}
	for (uint32_t i = 0; i < p->nsteps; i++) {
		const cm_plan_step *s = &p->steps[i];
		if (s->module >= p->nmodules)
			return "a core instantiation names an unknown module";
		for (uint32_t k = 0; k < s->nargs; k++)
			if ((why = check_ref(p, &s->args[k], i, false)))
				return why;
	}
	for (uint32_t i = 0; i < p->nlifts; i++) {
		const cm_plan_lift *l = &p->lifts[i];
		if (l->instance >= p->ninstances)
			return "a lift names an unknown component instance";
		if (!is_kind(p, l->type, CM_FUNC))
			return "a lift's type is not a function type";
		if ((why = check_ref(p, &l->func, p->nsteps, false)) || (why = check_opts(p, &l->opts)))
			return why;
	}
	for (uint32_t i = 0; i < p->nlowers; i++) {
		const cm_plan_lower *l = &p->lowers[i];
		if (l->instance >= p->ninstances)
			return "a lower names an unknown component instance";
		if (!is_kind(p, l->type, CM_FUNC))
			return "a lower's type is not a function type";
		if ((why = check_opts(p, &l->opts)))
			return why;
		if (l->callee_kind == CM_CALLEE_LIFT) {
			if (l->callee >= p->nlifts || p->lifts[l->callee].type != l->type)
				return "a lower names an unknown lift or one of another type";
		} else if (l->callee_kind == CM_CALLEE_HOST) {
			if (l->callee >= p->nfunc_imports || p->func_imports[l->callee].type != l->type)
				return "a lower names an unknown host import or one of another type";
		} else {
			return "a lower has an unknown callee kind";
		}
	}
	for (uint32_t i = 0; i < p->nbuiltins; i++) {
		const cm_plan_builtin *b = &p->builtins[i];
		if (b->instance >= p->ninstances)
			return "a built-in names an unknown component instance";
		if (b->kind == CM_BUILTIN_UNSUPPORTED) {
			if (!b->name)
				return "an unsupported built-in has no name";
		} else if (b->kind == CM_BUILTIN_CONTEXT_GET || b->kind == CM_BUILTIN_CONTEXT_SET) {
			if (b->resource >= CM_PLAN_CONTEXT_SLOTS)
				return "a context built-in names an unknown slot";
		} else if (b->kind == CM_BUILTIN_BACKPRESSURE_INC || b->kind == CM_BUILTIN_BACKPRESSURE_DEC) {
			continue;
		} else if (b->kind < CM_BUILTIN_RESOURCE_NEW || b->kind > CM_BUILTIN_RESOURCE_REP) {
			return "a built-in has an unknown kind";
		} else if (b->resource >= p->nresources) {
			return "a resource built-in names an unknown resource";
		}
	}
	for (uint32_t i = 0; i < p->nresources; i++) {
		const cm_plan_resource *r = &p->resources[i];
		if (r->instance == CM_PLAN_NONE) {
			if (r->import >= p->nresource_imports || p->resource_imports[r->import].resource != i)
				return "a host resource names an unknown resource import";
			if (r->dtor.kind)
				return "a host resource has a guest destructor";
		} else if (r->instance >= p->ninstances) {
			return "a resource names an unknown component instance";
		}
		if ((why = check_ref(p, &r->dtor, p->nsteps, true)))
			return why;
	}
	for (uint32_t i = 0; i < p->nfunc_imports; i++) {
		if (!p->func_imports[i].instance || !p->func_imports[i].name)
			return "a host import has no name";
		if (!is_kind(p, p->func_imports[i].type, CM_FUNC))
			return "a host import's type is not a function type";
	}
	for (uint32_t i = 0; i < p->nresource_imports; i++) {
		const cm_plan_resource_import *r = &p->resource_imports[i];
		if (!r->instance || !r->name)
			return "a resource import has no name";
		if (r->resource >= p->nresources || p->resources[r->resource].instance != CM_PLAN_NONE ||
		    p->resources[r->resource].import != i)
			return "a resource import names a resource that is not imported";
	}
	for (uint32_t i = 0; i < p->nexports; i++) {
		if (!p->exports[i].instance || !p->exports[i].name)
			return "an export has no name";
		if (p->exports[i].lift >= p->nlifts)
			return "an export names an unknown lift";
	}
	for (uint32_t i = 0; i < p->ntype_exports; i++) {
		if (!p->type_exports[i].instance || !p->type_exports[i].name)
			return "a type export has no name";
		if (p->type_exports[i].resource >= p->nresources)
			return "a type export names an unknown resource";
	}
	return NULL;
}

/* ---- writing ------------------------------------------------------------ */

typedef struct wr {
	cmn_vec v;
	bool oom;
} wr;

static void w_bytes(wr *w, const void *p, size_t n)
{
	if (!w->oom && !cmn_vec_append(&w->v, p, n))
		w->oom = true;
}

static void w_u32(wr *w, uint32_t x)
{
	uint8_t b[5];
	size_t n = 0;
	do {
		b[n] = x & 0x7f;
		x >>= 7;
		if (x)
			b[n] |= 0x80;
		n++;
	} while (x);
	w_bytes(w, b, n);
}

static void w_u8(wr *w, uint8_t x)
{
	w_bytes(w, &x, 1);
}

static void w_str(wr *w, const char *s)
{
	size_t n = strlen(s);
	w_u32(w, (uint32_t)n);
	w_bytes(w, s, n);
}

static void w_ref(wr *w, const cm_plan_ref *r)
{
	w_u8(w, r->kind);
	if (!r->kind)
		return;
	w_u32(w, r->index);
	if (r->kind == CM_PREF_EXPORT)
		w_str(w, r->name);
}

static void w_opts(wr *w, const cm_plan_opts *o)
{
	w_u8(w, o->enc);
	w_ref(w, &o->memory);
	w_ref(w, &o->realloc);
	w_ref(w, &o->post_return);
}

static void w_case(wr *w, const cm_case *c)
{
	w_u8(w, c->name != NULL);
	if (c->name)
		w_str(w, c->name);
	w_u32(w, c->type);
}

static void w_type(wr *w, const cm_type *t)
{
	w_u8(w, (uint8_t)t->kind);
	switch (t->kind) {
	case CM_LIST:
		w_u32(w, t->elem);
		w_u32(w, t->fixed_len);
		break;
	case CM_OPTION:
	case CM_OWN:
	case CM_BORROW:
		w_u32(w, t->elem);
		break;
	case CM_RESULT:
		w_u32(w, t->elem);
		w_u32(w, t->err);
		break;
	case CM_RESOURCE:
		w_u32(w, t->resource_id);
		break;
	case CM_FUNC:
		w_u8(w, t->async);
		w_u32(w, t->n);
		for (uint32_t i = 0; i < t->n; i++)
			w_case(w, &t->cases[i]);
		w_u32(w, t->nresults);
		for (uint32_t i = 0; i < t->nresults; i++)
			w_case(w, &t->results[i]);
		break;
	default: /* record, tuple, variant, enum, flags */
		w_u32(w, t->n);
		for (uint32_t i = 0; i < t->n; i++)
			w_case(w, &t->cases[i]);
	}
}

bool cm_plan_serialize(const cm_plan *p, uint8_t **ret_buf, size_t *ret_len)
{
	wr w = {0};
	w_bytes(&w, MAGIC, MAGIC_LEN);
	uint32_t nt = cm_types_count(p->types);
	w_u32(&w, nt);
	for (uint32_t i = 0; i < nt; i++)
		w_type(&w, cm_types_get(p->types, CM_TID_FIRST + i));
	w_u32(&w, p->ninstances);
	w_u32(&w, p->nmodules);
	w_u32(&w, p->nsteps);
	for (uint32_t i = 0; i < p->nsteps; i++) {
		w_u32(&w, p->steps[i].module);
		w_u32(&w, p->steps[i].nargs);
		for (uint32_t k = 0; k < p->steps[i].nargs; k++)
			w_ref(&w, &p->steps[i].args[k]);
	}
	w_u32(&w, p->nlifts);
	for (uint32_t i = 0; i < p->nlifts; i++) {
		w_u32(&w, p->lifts[i].instance);
		w_u32(&w, p->lifts[i].type);
		w_ref(&w, &p->lifts[i].func);
		w_opts(&w, &p->lifts[i].opts);
	}
	w_u32(&w, p->nlowers);
	for (uint32_t i = 0; i < p->nlowers; i++) {
		w_u32(&w, p->lowers[i].instance);
		w_u32(&w, p->lowers[i].type);
		w_opts(&w, &p->lowers[i].opts);
		w_u8(&w, p->lowers[i].callee_kind);
		w_u32(&w, p->lowers[i].callee);
	}
	w_u32(&w, p->nbuiltins);
	for (uint32_t i = 0; i < p->nbuiltins; i++) {
		w_u8(&w, p->builtins[i].kind);
		w_u32(&w, p->builtins[i].instance);
		w_u32(&w, p->builtins[i].resource);
		if (p->builtins[i].kind == CM_BUILTIN_UNSUPPORTED)
			w_str(&w, p->builtins[i].name);
	}
	w_u32(&w, p->nresources);
	for (uint32_t i = 0; i < p->nresources; i++) {
		w_u32(&w, p->resources[i].instance);
		w_u32(&w, p->resources[i].import);
		w_ref(&w, &p->resources[i].dtor);
	}
	w_u32(&w, p->nfunc_imports);
	for (uint32_t i = 0; i < p->nfunc_imports; i++) {
		w_str(&w, p->func_imports[i].instance);
		w_str(&w, p->func_imports[i].name);
		w_u32(&w, p->func_imports[i].type);
	}
	w_u32(&w, p->nresource_imports);
	for (uint32_t i = 0; i < p->nresource_imports; i++) {
		w_str(&w, p->resource_imports[i].instance);
		w_str(&w, p->resource_imports[i].name);
		w_u32(&w, p->resource_imports[i].resource);
	}
	w_u32(&w, p->nexports);
	for (uint32_t i = 0; i < p->nexports; i++) {
		w_str(&w, p->exports[i].instance);
		w_str(&w, p->exports[i].name);
		w_u32(&w, p->exports[i].lift);
	}
	w_u32(&w, p->ntype_exports);
	for (uint32_t i = 0; i < p->ntype_exports; i++) {
		w_str(&w, p->type_exports[i].instance);
		w_str(&w, p->type_exports[i].name);
		w_u32(&w, p->type_exports[i].resource);
	}
	if (w.oom) {
		cmn_vec_free(&w.v);
		return false;
	}
	*ret_buf = w.v.p;
	*ret_len = w.v.len;
	return true;
}

/* ---- reading ------------------------------------------------------------ */

typedef struct rd {
	const uint8_t *p;
	size_t len, pos;
	cm_plan *plan;
	char *msg;
	size_t msg_len;
	bool failed;
} rd;

static bool r_fail(rd *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool r_fail(rd *r, const char *fmt, ...)
{
	if (r->failed)
		return false;
	r->failed = true;
	char m[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m, sizeof m, fmt, ap);
	va_end(ap);
	if (r->msg_len)
		snprintf(r->msg, r->msg_len, "instantiation plan: %s (at byte %zu)", m, r->pos);
	return false;
}

static bool r_u8(rd *r, uint8_t *ret)
{
	if (r->pos >= r->len)
		return r_fail(r, "unexpected end");
	*ret = r->p[r->pos++];
	return true;
}

static bool r_u32(rd *r, uint32_t *ret)
{
	uint32_t x = 0;
	for (unsigned shift = 0;; shift += 7) {
		uint8_t b = 0;
		if (!r_u8(r, &b))
			return false;
		if (shift == 28 && (b & 0xf0))
			return r_fail(r, "integer too large");
		x |= (uint32_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			break;
	}
	*ret = x;
	return true;
}

/* A count of elements taking at least `min_bytes` each: checked against
 * the bytes left. */
static bool r_count(rd *r, size_t min_bytes, uint32_t *ret)
{
	if (!r_u32(r, ret))
		return false;
	if ((uint64_t)*ret * min_bytes > r->len - r->pos)
		return r_fail(r, "count %u larger than the bytes left", *ret);
	return true;
}

static void *r_alloc(rd *r, uint32_t n, size_t size)
{
	void *p = cmn_arena_alloc(&r->plan->arena, n ? n : 1, size);
	if (!p)
		r_fail(r, "out of memory");
	return p;
}

static bool r_str(rd *r, const char **ret)
{
	uint32_t n;
	if (!r_count(r, 1, &n))
		return false;
	if (memchr(r->p + r->pos, 0, n))
		return r_fail(r, "name with a NUL byte");
	char *s = r_alloc(r, n + 1, 1);
	if (!s)
		return false;
	memcpy(s, r->p + r->pos, n);
	r->pos += n;
	*ret = s;
	return true;
}

static bool r_ref(rd *r, cm_plan_ref *ret)
{
	memset(ret, 0, sizeof *ret);
	if (!r_u8(r, &ret->kind))
		return false;
	if (!ret->kind)
		return true;
	if (ret->kind > CM_PREF_BUILTIN)
		return r_fail(r, "unknown reference kind %u", ret->kind);
	if (!r_u32(r, &ret->index))
		return false;
	return ret->kind != CM_PREF_EXPORT || r_str(r, &ret->name);
}

static bool r_opts(rd *r, cm_plan_opts *o)
{
	return r_u8(r, &o->enc) && r_ref(r, &o->memory) && r_ref(r, &o->realloc) &&
	       r_ref(r, &o->post_return);
}

static bool r_cases(rd *r, uint32_t n, cm_case **ret)
{
	cm_case *cs = r_alloc(r, n, sizeof *cs);
	if (!cs)
		return false;
	for (uint32_t i = 0; i < n; i++) {
		uint8_t has = 0;
		if (!r_u8(r, &has))
			return false;
		if (has > 1)
			return r_fail(r, "bad case name flag");
		if (has && !r_str(r, &cs[i].name))
			return false;
		if (!r_u32(r, &cs[i].type))
			return false;
	}
	*ret = cs;
	return true;
}

static bool r_type(rd *r)
{
	cm_type t = {.elem = CM_TID_NONE, .err = CM_TID_NONE};
	uint8_t kind = 0, async = 0;
	cm_case *cs = NULL, *res = NULL;
	if (!r_u8(r, &kind))
		return false;
	t.kind = kind;
	switch (kind) {
	case CM_LIST:
		if (!r_u32(r, &t.elem) || !r_u32(r, &t.fixed_len))
			return false;
		break;
	case CM_OPTION:
	case CM_OWN:
	case CM_BORROW:
		if (!r_u32(r, &t.elem))
			return false;
		break;
	case CM_RESULT:
		if (!r_u32(r, &t.elem) || !r_u32(r, &t.err))
			return false;
		break;
	case CM_RESOURCE:
		if (!r_u32(r, &t.resource_id))
			return false;
		break;
	case CM_FUNC:
		if (!r_u8(r, &async) || !r_count(r, 2, &t.n) || !r_cases(r, t.n, &cs) ||
		    !r_count(r, 2, &t.nresults) || !r_cases(r, t.nresults, &res))
			return false;
		t.async = async != 0;
		t.cases = cs;
		t.results = res;
		break;
	case CM_RECORD:
	case CM_TUPLE:
	case CM_VARIANT:
	case CM_ENUM:
	case CM_FLAGS:
		if (!r_count(r, 2, &t.n) || !r_cases(r, t.n, &cs))
			return false;
		t.cases = cs;
		break;
	default:
		return r_fail(r, "unknown type kind %u", kind);
	}
	/* kinds of referenced types: cm_types_add checks they exist; the
	 * canonical ABI refuses any that have no layout when used */
	cm_tid tid;
	if (!cm_types_add(r->plan->types, &t, &tid))
		return r_fail(r, "type refers to an unknown type (or out of memory)");
	if ((kind == CM_OWN || kind == CM_BORROW) && !is_kind(r->plan, t.elem, CM_RESOURCE))
		return r_fail(r, "handle of a type that is not a resource");
	return true;
}

#define R_ARRAY(count, field, min)                                            \
	(r_count(&r, (min), &p->count) && (p->field = r_alloc(&r, p->count, sizeof *p->field)))

bool cm_plan_deserialize(const uint8_t *buf, size_t len, cm_plan **ret, char *err_msg,
                         size_t err_len)
{
	rd r = {.p = buf, .len = len, .msg = err_msg, .msg_len = err_len};
	cm_plan *p = calloc(1, sizeof *p);
	bool ok = false;
	uint32_t nt;
	if (!p || !(p->types = cm_types_new())) {
		r.plan = p;
		r_fail(&r, "out of memory");
		goto free_plan;
	}
	r.plan = p;
	if (len < MAGIC_LEN || memcmp(buf, MAGIC, MAGIC_LEN) != 0) {
		r_fail(&r, "bad magic or version");
		goto free_plan;
	}
	r.pos = MAGIC_LEN;
	if (!r_count(&r, 2, &nt))
		goto free_plan;
	for (uint32_t i = 0; i < nt; i++)
		if (!r_type(&r))
			goto free_plan;
	if (!r_u32(&r, &p->ninstances) || !r_u32(&r, &p->nmodules))
		goto free_plan;
	if (p->ninstances > MAX_INSTANCES || p->nmodules > MAX_INSTANCES * 16u) {
		r_fail(&r, "too many instances or modules");
		goto free_plan;
	}
	if (!(p->modules = r_alloc(&r, p->nmodules, sizeof *p->modules)))
		goto free_plan;
	if (!R_ARRAY(nsteps, steps, 2))
		goto free_plan;
	for (uint32_t i = 0; i < p->nsteps; i++) {
		cm_plan_step *s = &p->steps[i];
		if (!r_u32(&r, &s->module) || !r_count(&r, 1, &s->nargs) ||
		    !(s->args = r_alloc(&r, s->nargs, sizeof *s->args)))
			goto free_plan;
		for (uint32_t k = 0; k < s->nargs; k++)
			if (!r_ref(&r, &s->args[k]))
				goto free_plan;
	}
	if (!R_ARRAY(nlifts, lifts, 7))
		goto free_plan;
	for (uint32_t i = 0; i < p->nlifts; i++) {
		cm_plan_lift *l = &p->lifts[i];
		if (!r_u32(&r, &l->instance) || !r_u32(&r, &l->type) || !r_ref(&r, &l->func) ||
		    !r_opts(&r, &l->opts))
			goto free_plan;
	}
	if (!R_ARRAY(nlowers, lowers, 8))
		goto free_plan;
	for (uint32_t i = 0; i < p->nlowers; i++) {
		cm_plan_lower *l = &p->lowers[i];
		if (!r_u32(&r, &l->instance) || !r_u32(&r, &l->type) || !r_opts(&r, &l->opts) ||
		    !r_u8(&r, &l->callee_kind) || !r_u32(&r, &l->callee))
			goto free_plan;
	}
	if (!R_ARRAY(nbuiltins, builtins, 3))
		goto free_plan;
	for (uint32_t i = 0; i < p->nbuiltins; i++) {
		cm_plan_builtin *b = &p->builtins[i];
		if (!r_u8(&r, &b->kind) || !r_u32(&r, &b->instance) || !r_u32(&r, &b->resource))
			goto free_plan;
		if (b->kind == CM_BUILTIN_UNSUPPORTED && !r_str(&r, &b->name))
			goto free_plan;
	}
	if (!R_ARRAY(nresources, resources, 3))
		goto free_plan;
	for (uint32_t i = 0; i < p->nresources; i++) {
		cm_plan_resource *res = &p->resources[i];
		if (!r_u32(&r, &res->instance) || !r_u32(&r, &res->import) || !r_ref(&r, &res->dtor))
			goto free_plan;
	}
	if (!R_ARRAY(nfunc_imports, func_imports, 3))
		goto free_plan;
	for (uint32_t i = 0; i < p->nfunc_imports; i++) {
		cm_plan_func_import *f = &p->func_imports[i];
		if (!r_str(&r, &f->instance) || !r_str(&r, &f->name) || !r_u32(&r, &f->type))
			goto free_plan;
	}
	if (!R_ARRAY(nresource_imports, resource_imports, 3))
		goto free_plan;
	for (uint32_t i = 0; i < p->nresource_imports; i++) {
		cm_plan_resource_import *f = &p->resource_imports[i];
		if (!r_str(&r, &f->instance) || !r_str(&r, &f->name) || !r_u32(&r, &f->resource))
			goto free_plan;
	}
	if (!R_ARRAY(nexports, exports, 3))
		goto free_plan;
	for (uint32_t i = 0; i < p->nexports; i++) {
		cm_plan_export *e = &p->exports[i];
		if (!r_str(&r, &e->instance) || !r_str(&r, &e->name) || !r_u32(&r, &e->lift))
			goto free_plan;
	}
	if (!R_ARRAY(ntype_exports, type_exports, 3))
		goto free_plan;
	for (uint32_t i = 0; i < p->ntype_exports; i++) {
		cm_plan_type_export *e = &p->type_exports[i];
		if (!r_str(&r, &e->instance) || !r_str(&r, &e->name) || !r_u32(&r, &e->resource))
			goto free_plan;
	}
	if (r.pos != r.len) {
		r_fail(&r, "%zu bytes after the plan", r.len - r.pos);
		goto free_plan;
	}
	const char *why = cm_plan_check(p);
	if (why) {
		r_fail(&r, "%s", why);
		goto free_plan;
	}
	*ret = p;
	p = NULL;
	ok = true;
free_plan:
	cm_plan_free(p);
	return ok;
}
