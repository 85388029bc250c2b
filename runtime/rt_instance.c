/*
 * rt_instance.c - instantiation and exports. rt_instantiate runs one helper
 * per phase of the spec's instantiation order: the description checked,
 * the instance allocated, imports checked and bound, then functions,
 * memories, globals (in order), tables, tags and element items created;
 * then active element and data segments in order (they can trap), then
 * the start function.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt_constexpr.h"
#include "rt_internal.h"

/* Fills `out` with an outcome of `kind` (RT_LINK, RT_FAILED) and a
 * printf-style message; returns false. */
__attribute__((format(printf, 3, 4))) static bool fail(rt_outcome *out, int kind,
                                                       const char *fmt, ...)
{
	va_list ap;

	out->kind = kind;
	out->trap = 0;
	va_start(ap, fmt);
	vsnprintf(out->msg, sizeof out->msg, fmt, ap);
	va_end(ap);
	return false;
}

/* Import matching (the spec's extern type subtyping). */
static bool limits_match(uint64_t cur_min, const rt_limits *have,
                         bool have_max, uint64_t have_maxv, const rt_limits *want)
{
	if (have->is64 != want->is64)
		return false;
	if (cur_min < want->min)
		return false;
	if (want->has_max) {
		if (!have_max || have_maxv > want->max)
			return false;
	}
	return true;
}

static bool valtype_eq(rt_valtype a, rt_valtype b)
{
	return rt_types_val_match(a, b) && rt_types_val_match(b, a);
}

static bool check_import(rt_instance *inst, const rt_import *imp,
                         const rt_extern *ex, rt_outcome *out)
{
	const rt_module *mod = inst->mod->mod;
	if (ex->kind != imp->kind)
		return fail(out, RT_LINK, "incompatible import type");
	switch (imp->kind) {
	case RT_EXTERN_FUNC: {
		if (!ex->u.func)
			return fail(out, RT_LINK, "incompatible import type");
		uint32_t want = inst->type_ids[mod->funcs[imp->index].type];
		if (!rt_types_sub(ex->u.func->type_id, want))
			return fail(out, RT_LINK, "incompatible import type");
		return true;
	}
	case RT_EXTERN_TABLE: {
		const rt_tabletype *t = &mod->tables[imp->index];
		rt_tableobj *h = ex->u.table;
		if (!h || !valtype_eq(h->elem, rt_canon_valtype(t->elem, inst->type_ids)) ||
		    !limits_match(h->pub.size, &h->limits, h->limits.has_max, h->limits.max,
		                  &t->limits))
			return fail(out, RT_LINK, "incompatible import type");
		return true;
	}
	case RT_EXTERN_MEMORY: {
		const rt_memtype *m = &mod->memories[imp->index];
		rt_memobj *h = ex->u.memory;
		if (!h || h->shared != m->limits.shared || h->page_log2 != m->limits.page_log2 ||
		    !limits_match(h->pub.size >> h->page_log2, &h->limits, h->limits.has_max,
		                  h->limits.max, &m->limits))
			return fail(out, RT_LINK, "incompatible import type");
		return true;
	}
	case RT_EXTERN_GLOBAL: {
		const rt_globaltype *g = &mod->globals[imp->index];
		rt_globalobj *h = ex->u.global;
		rt_valtype want = rt_canon_valtype(g->type, inst->type_ids);
		if (!h || h->mut != g->mut)
			return fail(out, RT_LINK, "incompatible import type");
		if (g->mut ? !valtype_eq(h->type, want) : !rt_types_val_match(h->type, want))
			return fail(out, RT_LINK, "incompatible import type");
		return true;
	}
	case RT_EXTERN_TAG: {
		if (!ex->u.tag ||
		    ex->u.tag->type_id != inst->type_ids[mod->tags[imp->index].type])
			return fail(out, RT_LINK, "incompatible import type");
		return true;
	}
	}
	return fail(out, RT_LINK, "incompatible import type");
}

/* Checks every index the description uses, so a damaged one cannot make
 * the runtime index out of bounds. */
static bool check_desc(const rt_loaded *l, rt_outcome *out)
{
	const rt_module *m = l->mod;
	for (uint32_t i = 0; i < m->nimports; i++) {
		const rt_import *im = &m->imports[i];
		uint32_t n = im->kind == RT_EXTERN_FUNC     ? m->nfuncs_imported
		             : im->kind == RT_EXTERN_TABLE  ? m->ntables_imported
		             : im->kind == RT_EXTERN_MEMORY ? m->nmemories_imported
		             : im->kind == RT_EXTERN_GLOBAL ? m->nglobals_imported
		             : im->kind == RT_EXTERN_TAG    ? m->ntags_imported
		                                            : 0;
		if (im->index >= n)
			return fail(out, RT_FAILED, "module description: bad import");
	}
	for (uint32_t i = 0; i < m->nexports; i++) {
		const rt_export *e = &m->exports[i];
		uint32_t n = e->kind == RT_EXTERN_FUNC     ? m->nfuncs
		             : e->kind == RT_EXTERN_TABLE  ? m->ntables
		             : e->kind == RT_EXTERN_MEMORY ? m->nmemories
		             : e->kind == RT_EXTERN_GLOBAL ? m->nglobals
		             : e->kind == RT_EXTERN_TAG    ? m->ntags
		                                           : 0;
		if (e->index >= n)
			return fail(out, RT_FAILED, "module description: bad export");
	}
	for (uint32_t i = 0; i < m->nelems; i++) {
		const rt_elem *e = &m->elems[i];
		if (e->mode == RT_SEG_ACTIVE && e->table >= m->ntables)
			return fail(out, RT_FAILED, "module description: bad element segment");
		for (uint32_t k = 0; e->funcs && k < e->count; k++)
			if (e->funcs[k] >= m->nfuncs)
				return fail(out, RT_FAILED, "module description: bad element segment");
	}
	for (uint32_t i = 0; i < m->ndatas; i++)
		if (m->datas[i].mode == RT_SEG_ACTIVE && m->datas[i].memory >= m->nmemories)
			return fail(out, RT_FAILED, "module description: bad data segment");
	for (uint32_t i = 0; i < m->ntags; i++)
		if (m->tags[i].type >= m->ntypes)
			return fail(out, RT_FAILED, "module description: bad tag");
	if (m->start != RT_NO_START && m->start >= m->nfuncs)
		return fail(out, RT_FAILED, "module description: bad start function");
	return true;
}

static void *entry(const rt_loaded *l, uint64_t off)
{
	return off == RT_IMAGE_NONE ? NULL : (void *)(l->text + off);
}

static bool eval(rt_instance *inst, const rt_constexpr *e, rt_val *v, rt_outcome *out)
{
	cmn_error err;
	const rt_module *m = inst->mod->mod;
	if (!rt_constexpr_eval(e, inst->globs, m->nglobals, inst->funcs, m->nfuncs, v, &err))
		return fail(out, RT_FAILED, "%s", err.msg);
	return true;
}

static uint64_t offset_value(rt_val v, bool is64)
{
	return is64 ? (uint64_t)v.i64 : (uint64_t)(uint32_t)v.i32;
}

/* Runs the start function or a segment step under a trap catcher:
 * segment initialisation traps like an instruction would. */
typedef struct init_ctx {
	rt_instance *inst;
	uint32_t phase;
} init_ctx;

static const char *init_segments(void *env, rt_val *unused)
{
	(void)unused;
	init_ctx *c = env;
	rt_instance *inst = c->inst;
	const rt_module *m = inst->mod->mod;
	const rt_consts *cs = inst->mod->consts;
	/* Active element segments, then active data segments, in order. */
	for (uint32_t i = 0; i < m->nelems; i++) {
		const rt_elem *e = &m->elems[i];
		if (e->mode == RT_SEG_ACTIVE) {
			rt_val off;
			rt_outcome o;
			if (!eval(inst, &cs->elem_offsets[i], &off, &o))
				rt_raise(RT_TRAP_HOST, o.msg);
			rt_tableobj *t = inst->tabobjs[e->table];
			rt_services_impl.table_init(&inst->vm, e->table, i,
			                            offset_value(off, t->limits.is64), 0, e->count);
			inst->elem_len[i] = 0;
		} else if (e->mode == RT_SEG_DECLARATIVE) {
			inst->elem_len[i] = 0;
		}
	}
	for (uint32_t i = 0; i < m->ndatas; i++) {
		const rt_data *d = &m->datas[i];
		if (d->mode != RT_SEG_ACTIVE)
			continue;
		rt_val off;
		rt_outcome o;
		if (!eval(inst, &cs->data_offsets[i], &off, &o))
			rt_raise(RT_TRAP_HOST, o.msg);
		rt_memobj *mem = inst->memobjs[d->memory];
		rt_services_impl.memory_init(&inst->vm, d->memory, i,
		                             offset_value(off, mem->is64), 0, d->bytes.len);
		inst->data_len[i] = 0;
	}
	return NULL;
}

/* Phase: the instance, owned by the store from here on (freed with it,
 * even when a later phase fails), with its index spaces allocated and
 * the module's types registered. */
static rt_instance *alloc_instance(rt_store *s, const rt_loaded *l, rt_outcome *out)
{
	const rt_module *m = l->mod;
	cmn_error err;

	if (s->cfg.max_instances && s->ninstances >= s->cfg.max_instances) {
		fail(out, RT_FAILED, "instance limit reached");
		return NULL;
	}
	rt_instance *inst = calloc(1, sizeof *inst);
	if (!inst) {
		fail(out, RT_FAILED, "out of memory");
		return NULL;
	}
	s->ninstances++;
	inst->store = s;
	inst->mod = l;
	inst->next = s->instances;
	s->instances = inst;

	inst->type_ids = calloc(m->ntypes + 1, sizeof *inst->type_ids);
	inst->mems = calloc(m->nmemories + 1, sizeof *inst->mems);
	inst->memobjs = calloc(m->nmemories + 1, sizeof *inst->memobjs);
	inst->tabs = calloc(m->ntables + 1, sizeof *inst->tabs);
	inst->tabobjs = calloc(m->ntables + 1, sizeof *inst->tabobjs);
	inst->globs = calloc(m->nglobals + 1, sizeof *inst->globs);
	inst->globobjs = calloc(m->nglobals + 1, sizeof *inst->globobjs);
	inst->funcs = calloc(m->nfuncs + 1, sizeof *inst->funcs);
	inst->own = calloc(m->nfuncs + 1, sizeof *inst->own);
	inst->tags = calloc(m->ntags + 1, sizeof *inst->tags);
	inst->tagobjs = calloc(m->ntags + 1, sizeof *inst->tagobjs);
	inst->elem_items = calloc(m->nelems + 1, sizeof *inst->elem_items);
	inst->elem_len = calloc(m->nelems + 1, sizeof *inst->elem_len);
	inst->data_len = calloc(m->ndatas + 1, sizeof *inst->data_len);
	if (!inst->type_ids || !inst->mems || !inst->memobjs || !inst->tabs ||
	    !inst->tabobjs || !inst->globs || !inst->globobjs || !inst->funcs ||
	    !inst->own || !inst->tags || !inst->tagobjs || !inst->elem_items ||
	    !inst->elem_len || !inst->data_len) {
		fail(out, RT_FAILED, "out of memory");
		return NULL;
	}
	if (!rt_types_register(m->ntypes, m->types, inst->type_ids, &err)) {
		fail(out, RT_FAILED, "%s", err.msg);
		return NULL;
	}

	rt_vmctx *vm = &inst->vm;
	vm->svc = &rt_services_impl;
	vm->stack_limit = rt_thread_stack_limit();
	vm->fuel = &s->fuel;
	vm->interrupt = &s->interrupt;
	vm->memories = inst->mems;
	vm->tables = inst->tabs;
	vm->globals = inst->globs;
	vm->funcs = inst->funcs;
	vm->type_ids = inst->type_ids;
	vm->tags = inst->tags;
	return inst;
}

/* Phase: imports checked against the module's types, then bound (a host
 * function through this module's adapter of the import's type). */
static bool bind_imports(rt_instance *inst, const rt_extern *imports, rt_outcome *out)
{
	const rt_loaded *l = inst->mod;
	const rt_module *m = l->mod;

	for (uint32_t i = 0; i < m->nimports; i++) {
		const rt_import *imp = &m->imports[i];
		const rt_extern *ex = &imports[i];
		if (!check_import(inst, imp, ex, out))
			return false;
		switch (imp->kind) {
		case RT_EXTERN_FUNC: {
			rt_funcref *f = ex->u.func;
			if (!(f->reserved & RT_FUNCREF_HOST)) {
				inst->funcs[imp->index] = f;
				break;
			}
			rt_funcref *b = &inst->own[imp->index];
			uint32_t ti = m->funcs[imp->index].type;
			b->code = entry(l, l->adapter_off[imp->index]);
			b->vmctx = f->vmctx;
			b->tramp = (rt_tramp_fn)entry(l, l->tramp_off[ti]);
			b->type_id = f->type_id;
			b->reserved = RT_FUNCREF_BOUND;
			if (!b->code)
				return fail(out, RT_FAILED, "no host adapter for an import");
			inst->funcs[imp->index] = b;
			break;
		}
		case RT_EXTERN_TABLE:
			inst->tabobjs[imp->index] = ex->u.table;
			inst->tabs[imp->index] = &ex->u.table->pub;
			break;
		case RT_EXTERN_MEMORY:
			inst->memobjs[imp->index] = ex->u.memory;
			inst->mems[imp->index] = &ex->u.memory->pub;
			break;
		case RT_EXTERN_GLOBAL:
			inst->globobjs[imp->index] = ex->u.global;
			inst->globs[imp->index] = &ex->u.global->pub;
			break;
		case RT_EXTERN_TAG:
			inst->tagobjs[imp->index] = ex->u.tag;
			inst->tags[imp->index] = ex->u.tag;
			break;
		}
	}
	return true;
}

/* Phase: one function reference per defined function. */
static void create_functions(rt_instance *inst)
{
	const rt_loaded *l = inst->mod;
	const rt_module *m = l->mod;

	for (uint32_t i = m->nfuncs_imported; i < m->nfuncs; i++) {
		rt_funcref *f = &inst->own[i];
		uint32_t ti = m->funcs[i].type;
		f->code = entry(l, l->func_off[i - m->nfuncs_imported]);
		f->vmctx = &inst->vm;
		f->tramp = (rt_tramp_fn)entry(l, l->tramp_off[ti]);
		f->type_id = inst->type_ids[ti];
		inst->funcs[i] = f;
	}
}

/* Phase: the defined memories. */
static bool create_memories(rt_instance *inst, rt_outcome *out)
{
	const rt_module *m = inst->mod->mod;
	cmn_error err;

	for (uint32_t i = m->nmemories_imported; i < m->nmemories; i++) {
		rt_memobj *mo = rt_memobj_create(inst->store, &m->memories[i].limits, &err);
		if (!mo)
			return fail(out, RT_FAILED, "%s", err.msg);
		inst->memobjs[i] = mo;
		inst->mems[i] = &mo->pub;
	}
	return true;
}

/* Phase: the defined globals, in order (an initialiser may read earlier
 * ones). */
static bool create_globals(rt_instance *inst, rt_outcome *out)
{
	const rt_module *m = inst->mod->mod;
	const rt_consts *cs = inst->mod->consts;

	for (uint32_t i = m->nglobals_imported; i < m->nglobals; i++) {
		rt_val v;
		if (!eval(inst, &cs->globals[i], &v, out))
			return false;
		rt_globalobj *g = rt_global_new(inst->store,
		                                rt_canon_valtype(m->globals[i].type, inst->type_ids),
		                                m->globals[i].mut, v);
		if (!g)
			return fail(out, RT_FAILED, "out of memory");
		inst->globobjs[i] = g;
		inst->globs[i] = &g->pub;
	}
	return true;
}

/* Phase: the defined tables (an initialiser may read globals). */
static bool create_tables(rt_instance *inst, rt_outcome *out)
{
	const rt_module *m = inst->mod->mod;
	const rt_consts *cs = inst->mod->consts;
	cmn_error err;

	for (uint32_t i = m->ntables_imported; i < m->ntables; i++) {
		const rt_tabletype *t = &m->tables[i];
		rt_val init;
		memset(&init, 0, sizeof init);
		if (t->has_init && !eval(inst, &cs->tables[i], &init, out))
			return false;
		rt_tableobj *to = rt_tableobj_create(inst->store,
		                                     rt_canon_valtype(t->elem, inst->type_ids),
		                                     &t->limits, init.ref, &err);
		if (!to)
			return fail(out, RT_FAILED, "%s", err.msg);
		inst->tabobjs[i] = to;
		inst->tabs[i] = &to->pub;
	}
	return true;
}

/* Phase: the defined tags (owned by the store). */
static bool create_tags(rt_instance *inst, rt_outcome *out)
{
	const rt_module *m = inst->mod->mod;

	for (uint32_t i = m->ntags_imported; i < m->ntags; i++) {
		rt_tagobj *t = calloc(1, sizeof *t);
		if (!t)
			return fail(out, RT_FAILED, "out of memory");
		t->type_id = inst->type_ids[m->tags[i].type];
		t->next = inst->store->tags;
		inst->store->tags = t;
		inst->tagobjs[i] = t;
		inst->tags[i] = t;
	}
	return true;
}

/* Phase: every element segment's items evaluated; data segments' lengths
 * (dropped segments become empty). */
static bool eval_segment_items(rt_instance *inst, rt_outcome *out)
{
	const rt_module *m = inst->mod->mod;
	const rt_consts *cs = inst->mod->consts;

	for (uint32_t i = 0; i < m->nelems; i++) {
		const rt_elem *e = &m->elems[i];
		void **items = calloc(e->count + 1, sizeof *items);
		if (!items)
			return fail(out, RT_FAILED, "out of memory");
		inst->elem_items[i] = items;
		inst->elem_len[i] = e->count;
		for (uint32_t k = 0; k < e->count; k++) {
			if (e->funcs) {
				items[k] = inst->funcs[e->funcs[k]];
				continue;
			}
			rt_val v;
			if (!cs->elem_items[i] || !eval(inst, &cs->elem_items[i][k], &v, out))
				return false;
			items[k] = v.ref;
		}
	}
	for (uint32_t i = 0; i < m->ndatas; i++)
		inst->data_len[i] = m->datas[i].bytes.len;
	return true;
}

/* Phase: active element and data segments, run like a call (they can
 * trap). */
static bool run_segments(rt_instance *inst, rt_outcome *out)
{
	init_ctx ic = {inst, 0};
	rt_hostobj h;
	rt_funcref f;
	rt_val dummy[1];

	memset(&h, 0, sizeof h);
	memset(&f, 0, sizeof f);
	h.hf.invoke = rt_host_invoke;
	h.cb = init_segments;
	h.env = &ic;
	f.vmctx = &h.hf;
	f.reserved = RT_FUNCREF_HOST;
	return rt_call(&f, dummy, out);
}

/* Phase: the start function, if any. */
static bool run_start(rt_instance *inst, rt_outcome *out)
{
	const rt_module *m = inst->mod->mod;
	rt_val args[1];

	if (m->start == RT_NO_START)
		return true;
	return rt_call(inst->funcs[m->start], args, out);
}

bool rt_instantiate(rt_store *s, const rt_loaded *l, const rt_extern *imports,
                    uint32_t nimports, rt_instance **ret, rt_outcome *out)
{
	rt_instance *inst;

	memset(out, 0, sizeof *out);
	*ret = NULL;
	if (!check_desc(l, out))
		return false;
	if (nimports != l->mod->nimports)
		return fail(out, RT_LINK, "unknown import (wrong number of imports)");
	inst = alloc_instance(s, l, out);
	if (!inst)
		return false;
	if (!bind_imports(inst, imports, out))
		return false;
	create_functions(inst);
	if (!create_memories(inst, out))
		return false;
	inst->vm.mem0_base = l->mod->nmemories > 0 ? inst->mems[0]->base : NULL;
	if (!create_globals(inst, out) ||
	    !create_tables(inst, out) || !create_tags(inst, out) ||
	    !eval_segment_items(inst, out) || !run_segments(inst, out) || !run_start(inst, out))
		return false;
	*ret = inst;
	return true;
}

const rt_loaded *rt_instance_module(const rt_instance *inst)
{
	return inst->mod;
}

rt_vmctx *rt_instance_vmctx(rt_instance *inst)
{
	return &inst->vm;
}

bool rt_instance_export(rt_instance *inst, const char *name, size_t len,
                        rt_extern *ret)
{
	const rt_module *m = inst->mod->mod;
	for (uint32_t i = 0; i < m->nexports; i++) {
		const rt_export *e = &m->exports[i];
		if (e->name.len != len || memcmp(e->name.ptr, name, len) != 0)
			continue;
		ret->kind = e->kind;
		switch (e->kind) {
		case RT_EXTERN_FUNC: ret->u.func = inst->funcs[e->index]; break;
		case RT_EXTERN_TABLE: ret->u.table = inst->tabobjs[e->index]; break;
		case RT_EXTERN_MEMORY: ret->u.memory = inst->memobjs[e->index]; break;
		case RT_EXTERN_GLOBAL: ret->u.global = inst->globobjs[e->index]; break;
		case RT_EXTERN_TAG: ret->u.tag = inst->tagobjs[e->index]; break;
		default: return false;
		}
		return true;
	}
	return false;
}

const rt_functype *rt_instance_func_type(const rt_instance *inst, uint32_t funcidx)
{
	const rt_module *m = inst->mod->mod;
	if (funcidx >= m->nfuncs)
		return NULL;
	return rt_module_functype(m, m->funcs[funcidx].type);
}
