/*
 * cm_validate_core.c - the core side of a component: nested core modules
 * (decoded and validated by wasm/, then described as module types), core
 * instances (instantiation against module imports, inline exports) and
 * core types (function types, module types).
 */
#include <stdio.h>
#include <string.h>

#include "cm_validate_int.h"
#include "rt_module.h"
#include "rt_types.h"
#include "wb_decode.h"
#include "wb_validate.h"

bool core_valtype_eq(const cm_core_valtype *a, const cm_core_valtype *b)
{
	if (a->kind != b->kind)
		return false;
	if (a->kind != RT_REF)
		return true;
	if (a->nullable != b->nullable)
		return false;
	if (RT_HT_IS_ABS(a->heap) || RT_HT_IS_ABS(b->heap))
		return a->heap == b->heap;
	return true; /* concrete types of different modules: not compared */
}

const char *core_valtype_name(const cm_core_valtype *v, char *buf, size_t n)
{
	switch (v->kind) {
	case RT_I32: return "i32";
	case RT_I64: return "i64";
	case RT_F32: return "f32";
	case RT_F64: return "f64";
	case RT_V128: return "v128";
	default:
		if (RT_HT_IS_ABS(v->heap)) {
			if (v->nullable)
				snprintf(buf, n, "%sref", rt_heap_abs_name(RT_HT_CODE(v->heap)));
			else
				snprintf(buf, n, "(ref %s)", rt_heap_abs_name(RT_HT_CODE(v->heap)));
		} else {
			snprintf(buf, n, "(ref %s%u)", v->nullable ? "null " : "", v->heap);
		}
		return buf;
	}
}

static cm_core_valtype from_rt(rt_valtype t)
{
	cm_core_valtype v = {.kind = t.kind, .nullable = t.nullable, .heap = t.heap};
	return v;
}

static vt *func_from_rt(cm_vstate *s, const rt_module *m, uint32_t type_idx)
{
	vt *f = vt_new(s, VT_CORE_FUNC);
	if (!f)
		return NULL;
	if (type_idx >= m->ntypes || m->types[type_idx].comp != RT_COMP_FUNC)
		return f;
	const rt_functype *ft = &m->types[type_idx].u.func;
	f->nparams = ft->nparams;
	f->nresults = ft->nresults;
	f->params = cmn_arena_alloc(&s->arena, ft->nparams + 1, sizeof(cm_core_valtype));
	f->results = cmn_arena_alloc(&s->arena, ft->nresults + 1, sizeof(cm_core_valtype));
	if (!f->params || !f->results) {
		cmn_fail(s->err, "out of memory");
		return NULL;
	}
	for (uint32_t i = 0; i < ft->nparams; i++)
		f->params[i] = from_rt(ft->params[i]);
	for (uint32_t i = 0; i < ft->nresults; i++)
		f->results[i] = from_rt(ft->results[i]);
	return f;
}

static cm_core_limits limits_from_rt(const rt_limits *l)
{
	cm_core_limits c = {.min = l->min, .max = l->max, .has_max = l->has_max, .is64 = l->is64, .shared = l->shared};
	return c;
}

/* The extern type of item `index` of `kind` in module `m`. */
static bool cext_of(cm_vstate *s, const rt_module *m, uint8_t kind, uint32_t index, vt_cext *e)
{
	e->kind = kind;
	switch (kind) {
	case RT_EXTERN_FUNC:
		e->func = func_from_rt(s, m, m->funcs[index].type);
		return e->func != NULL;
	case RT_EXTERN_TABLE:
		e->val = from_rt(m->tables[index].elem);
		e->limits = limits_from_rt(&m->tables[index].limits);
		return true;
	case RT_EXTERN_MEMORY:
		e->limits = limits_from_rt(&m->memories[index].limits);
		return true;
	case RT_EXTERN_GLOBAL:
		e->val = from_rt(m->globals[index].type);
		e->mut = m->globals[index].mut;
		return true;
	default:
		e->func = func_from_rt(s, m, m->tags[index].type);
		return e->func != NULL;
	}
}

static const char *name_dup(cm_vstate *s, rt_name n)
{
	char *d = cmn_arena_alloc(&s->arena, (size_t)n.len + 1, 1);
	if (!d)
		return NULL;
	memcpy(d, n.ptr, n.len);
	d[n.len] = 0;
	return d;
}

bool cm_v_core_module(cm_vstate *s, scope *sc, const cm_component *c, const cm_def *d)
{
	const uint8_t *bytes = c->bytes + d->u.module.off;
	size_t len = d->u.module.len;
	rt_module *m = NULL;
	cmn_error cerr = {0};
	if (!wb_decode(bytes, len, WB_FEAT_DEFAULT, &m, &cerr) || !wb_validate(m, WB_FEAT_DEFAULT, &cerr)) {
		rt_module_free(m);
		return cmn_fail_at(s->err, d->off + (cerr.has_offset ? cerr.offset : 0), "%s", cerr.msg);
	}
	vt *t = vt_new(s, VT_CORE_MODULE);
	bool ok = t != NULL;
	vt_cext_list imps = {0}, exps = {0};
	uint32_t counters[5] = {0};
	for (uint32_t i = 0; ok && i < m->nimports; i++) {
		const rt_import *im = &m->imports[i];
		for (uint32_t j = 0; j < i; j++) {
			const rt_import *o = &m->imports[j];
			if (o->module.len == im->module.len && o->field.len == im->field.len &&
			    memcmp(o->module.ptr, im->module.ptr, im->module.len) == 0 &&
			    memcmp(o->field.ptr, im->field.ptr, im->field.len) == 0) {
				ok = cmn_fail_at(s->err, d->off, "duplicate import name `%.*s:%.*s`", (int)im->module.len,
				                 im->module.ptr, (int)im->field.len, im->field.ptr);
				break;
			}
		}
		if (!ok)
			break;
		vt_cext e = {0};
		uint32_t idx = im->kind < 5 ? counters[im->kind]++ : 0;
		e.module = name_dup(s, im->module);
		e.name = name_dup(s, im->field);
		ok = e.module && e.name && cext_of(s, m, im->kind, idx, &e) && cext_push(s, &imps, e);
	}
	for (uint32_t i = 0; ok && i < m->nexports; i++) {
		vt_cext e = {0};
		e.name = name_dup(s, m->exports[i].name);
		ok = e.name && cext_of(s, m, m->exports[i].kind, m->exports[i].index, &e) && cext_push(s, &exps, e);
	}
	rt_module_free(m);
	if (!ok)
		return false;
	t->ncimports = imps.n;
	t->cimports = imps.v;
	t->ncexports = exps.n;
	t->cexports = exps.v;
	return space_add(s, sc, CM_SORT_CORE_MODULE, t);
}

static const vt_cext *find_cexport(const vt *inst, const char *name)
{
	for (uint32_t i = 0; i < inst->ncexports; i++)
		if (strcmp(inst->cexports[i].name, name) == 0)
			return &inst->cexports[i];
	return NULL;
}

static uint8_t kind_of_sort(uint8_t sort)
{
	switch (sort) {
	case CM_SORT_CORE_FUNC: return RT_EXTERN_FUNC;
	case CM_SORT_CORE_TABLE: return RT_EXTERN_TABLE;
	case CM_SORT_CORE_MEMORY: return RT_EXTERN_MEMORY;
	case CM_SORT_CORE_GLOBAL: return RT_EXTERN_GLOBAL;
	default: return RT_EXTERN_TAG;
	}
}

bool cm_v_core_instance(cm_vstate *s, scope *sc, const cm_instance_def *in, size_t off)
{
	vt *t = vt_new(s, VT_CORE_INSTANCE);
	if (!t)
		return false;
	if (in->instantiate) {
		vt *mod = space_get(s, sc, CM_SORT_CORE_MODULE, in->target, off);
		if (!mod)
			return false;
		vt **args = cmn_arena_alloc(&s->arena, in->n + 1, sizeof(vt *));
		if (!args)
			return cmn_fail(s->err, "out of memory");
		for (uint32_t i = 0; i < in->n; i++) {
			for (uint32_t j = 0; j < i; j++)
				if (strcmp(in->args[j].name.s, in->args[i].name.s) == 0)
					return cmn_fail_at(s->err, in->args[i].off,
					                   "duplicate module instantiation argument named `%s`", in->args[i].name.s);
			if (!(args[i] = space_get(s, sc, CM_SORT_CORE_INSTANCE, in->args[i].item.idx, in->args[i].off)))
				return false;
		}
		for (uint32_t i = 0; i < mod->ncimports; i++) {
			const vt_cext *im = &mod->cimports[i];
			const vt *arg = NULL;
			for (uint32_t j = 0; j < in->n && !arg; j++)
				if (strcmp(in->args[j].name.s, im->module) == 0)
					arg = args[j];
			if (!arg)
				return cmn_fail_at(s->err, off, "missing module instantiation argument named `%s`", im->module);
			const vt_cext *ex = find_cexport(arg, im->name);
			if (!ex)
				return cmn_fail_at(s->err, off, "module instantiation argument `%s` does not export an item named `%s`",
				                   im->module, im->name);
			if (!vt_cext_sub(s, ex, im, off)) {
				char tail[CMN_ERROR_MSG_MAX];
				snprintf(tail, sizeof tail, "%s", s->err ? s->err->msg : "");
				return cmn_fail_at(s->err, off, "type mismatch for export `%s` of module instantiation argument `%s`: %s",
				                   im->name, im->module, tail);
			}
		}
		t->ncexports = mod->ncexports;
		t->cexports = mod->cexports;
		return space_add(s, sc, CM_SORT_CORE_INSTANCE, t);
	}
	vt_cext_list exps = {0};
	for (uint32_t i = 0; i < in->n; i++) {
		const cm_inline_export *e = &in->exports[i];
		for (uint32_t j = 0; j < i; j++)
			if (strcmp(in->exports[j].name.name.s, e->name.name.s) == 0)
				return cmn_fail_at(s->err, e->off, "export name `%s` already defined", e->name.name.s);
		uint8_t sort = e->item.sort;
		if (sort > CM_SORT_CORE_TAG)
			return cmn_fail_at(s->err, e->off, "invalid core export sort");
		vt *item = space_get(s, sc, sort, e->item.idx, e->off);
		if (!item)
			return false;
		vt_cext c = {0};
		c.name = e->name.name.s;
		c.kind = kind_of_sort(sort);
		if (sort == CM_SORT_CORE_FUNC)
			c.func = item;
		else if (item->ce)
			c = *item->ce, c.name = e->name.name.s, c.module = NULL;
		if (!cext_push(s, &exps, c))
			return false;
	}
	t->ncexports = exps.n;
	t->cexports = exps.v;
	return space_add(s, sc, CM_SORT_CORE_INSTANCE, t);
}

/* ---- core types ---- */

static bool func_type(cm_vstate *s, const cm_core_type *ct, vt **ret)
{
	vt *f = vt_new(s, VT_CORE_FUNC);
	if (!f)
		return false;
	f->nparams = ct->nparams;
	f->params = ct->params;
	f->nresults = ct->nresults;
	f->results = ct->results;
	*ret = f;
	return true;
}

static bool check_refs(cm_vstate *s, const cm_core_valtype *v, uint32_t n, uint32_t ntypes, size_t off)
{
	for (uint32_t i = 0; i < n; i++)
		if (v[i].kind == RT_REF && !RT_HT_IS_ABS(v[i].heap) && v[i].heap >= ntypes)
			return cmn_fail_at(s->err, off, "unknown type %u: type index out of bounds", v[i].heap);
	return true;
}

static bool limits_ok(cm_vstate *s, const cm_core_extern *e, size_t off)
{
	const cm_core_limits *l = &e->limits;
	if (l->has_max && l->max < l->min)
		return cmn_fail_at(s->err, off, "size minimum must not be greater than maximum");
	if (e->kind == RT_EXTERN_MEMORY) {
		uint64_t cap = l->is64 ? (1ull << 48) : 65536;
		if (l->min > cap || (l->has_max && l->max > cap))
			return cmn_fail_at(s->err, off, "memory size must be at most %llu pages (%s)",
			                   (unsigned long long)cap, l->is64 ? "16 EiB" : "4GiB");
	} else if (!l->is64 && (l->min > UINT32_MAX || l->max > UINT32_MAX)) {
		return cmn_fail_at(s->err, off, "table size must be at most %u elements", UINT32_MAX);
	}
	return true;
}

static bool module_type(cm_vstate *s, scope *sc, const cm_core_type *ct, vt **ret)
{
	vt_list types = {0};
	vt_cext_list imps = {0}, exps = {0};
	for (uint32_t i = 0; i < ct->ndecls; i++) {
		const cm_core_decl *d = &ct->decls[i];
		switch (d->kind) {
		case CM_CDECL_TYPE: {
			vt *t;
			if (d->type->kind == CM_CT_MODULE)
				return cmn_fail_at(s->err, d->off, "invalid leading byte (0x50) for type definition");
			if (d->type->kind == CM_CT_FUNC &&
			    (!check_refs(s, d->type->params, d->type->nparams, types.n + 1, d->off) ||
			     !check_refs(s, d->type->results, d->type->nresults, types.n + 1, d->off)))
				return false;
			if (d->type->kind == CM_CT_FUNC) {
				if (!func_type(s, d->type, &t))
					return false;
			} else if (!(t = vt_new(s, VT_CORE_OTHER))) {
				return false;
			}
			if (!vt_push(s, &types, t))
				return false;
			break;
		}
		case CM_CDECL_ALIAS_OUTER: {
			if (d->count == 0) {
				if (d->idx >= types.n)
					return cmn_fail_at(s->err, d->off, "unknown type %u: type index out of bounds", d->idx);
				if (!vt_push(s, &types, types.v[d->idx]))
					return false;
				break;
			}
			scope *target = sc;
			for (uint32_t k = 1; k < d->count; k++) {
				if (!target->parent)
					return cmn_fail_at(s->err, d->off, "invalid outer alias count of %u", d->count);
				target = target->parent;
			}
			vt *t = space_get(s, target, CM_SORT_CORE_TYPE, d->idx, d->off);
			if (!t)
				return false;
			if (t->kind == VT_CORE_MODULE)
				return cmn_fail_at(s->err, d->off, "cannot alias a module type into a module type");
			if (!vt_push(s, &types, t))
				return false;
			break;
		}
		case CM_CDECL_IMPORT:
		case CM_CDECL_EXPORT: {
			bool imp = d->kind == CM_CDECL_IMPORT;
			vt_cext e = {0};
			e.module = imp ? d->module.s : NULL;
			e.name = d->name.s;
			e.kind = d->ext.kind;
			e.val = d->ext.val;
			e.mut = d->ext.mut;
			e.limits = d->ext.limits;
			if (e.kind == RT_EXTERN_FUNC || e.kind == RT_EXTERN_TAG) {
				if (d->ext.type_idx >= types.n)
					return cmn_fail_at(s->err, d->off, "unknown type %u: type index out of bounds",
					                   d->ext.type_idx);
				e.func = types.v[d->ext.type_idx];
				if (e.func->kind != VT_CORE_FUNC)
					return cmn_fail_at(s->err, d->off, "type index %u is not a function type", d->ext.type_idx);
			} else if ((e.kind == RT_EXTERN_TABLE || e.kind == RT_EXTERN_GLOBAL) &&
			           !check_refs(s, &e.val, 1, types.n, d->off)) {
				return false;
			}
			if ((e.kind == RT_EXTERN_TABLE || e.kind == RT_EXTERN_MEMORY) && !limits_ok(s, &d->ext, d->off))
				return false;
			vt_cext_list *l = imp ? &imps : &exps;
			for (uint32_t k = 0; k < l->n; k++) {
				if (imp && strcmp(l->v[k].module, e.module) == 0 && strcmp(l->v[k].name, e.name) == 0)
					return cmn_fail_at(s->err, d->off, "duplicate import name `%s:%s`", e.module, e.name);
				if (!imp && strcmp(l->v[k].name, e.name) == 0)
					return cmn_fail_at(s->err, d->off, "export name `%s` already defined", e.name);
			}
			if (!cext_push(s, l, e))
				return false;
			break;
		}
		}
	}
	vt *t = vt_new(s, VT_CORE_MODULE);
	if (!t)
		return false;
	t->ncimports = imps.n;
	t->cimports = imps.v;
	t->ncexports = exps.n;
	t->cexports = exps.v;
	*ret = t;
	return true;
}

bool cm_v_core_type(cm_vstate *s, scope *sc, const cm_core_type *t, vt **ret)
{
	switch (t->kind) {
	case CM_CT_FUNC:
		if (!check_refs(s, t->params, t->nparams, sc->space[CM_SORT_CORE_TYPE].n + 1, t->off) ||
		    !check_refs(s, t->results, t->nresults, sc->space[CM_SORT_CORE_TYPE].n + 1, t->off))
			return false;
		return func_type(s, t, ret);
	case CM_CT_MODULE:
		return module_type(s, sc, t, ret);
	default:
		*ret = vt_new(s, VT_CORE_OTHER);
		return *ret != NULL;
	}
}
