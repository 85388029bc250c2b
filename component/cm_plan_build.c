/*
 * cm_plan_build.c - flattening a validated component into a plan
 * (cm_plan.h): the component's definitions are interpreted at compile
 * time, frame by frame, the way a call graph is inlined. Instantiating a
 * nested component pushes a frame (its arguments are the values of the
 * parent's index spaces), and what comes back is the child's exports. Only
 * what has an effect at run time is emitted: core instantiations (steps),
 * lifts, lowers (trampolines), built-ins, resource types, host imports and
 * the root's exports.
 *
 * Ownership: the builder's frames and values live in a scratch arena
 * released when the build ends; the plan's arrays and strings are copied
 * into the plan's arena. Each distinct core module is decoded once more
 * (wb_decode) for its import list and freed at the end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cm_plan_build_int.h"
#include "wb_decode.h"

void *pb_push(pb *b, pb_vec *v, size_t size, const void *elem)
{
	if (v->n == v->cap) {
		uint32_t cap = v->cap ? v->cap * 2 : 8;
		if (cap < v->cap) {
			pb_oom(b);
			return NULL;
		}
		void *p = cmn_arena_alloc(&b->scratch, cap, size);
		if (!p) {
			pb_oom(b);
			return NULL;
		}
		if (v->n)
			memcpy(p, v->p, (size_t)v->n * size);
		v->p = p;
		v->cap = cap;
	}
	uint8_t *at = (uint8_t *)v->p + (size_t)v->n * size;
	if (elem)
		memcpy(at, elem, size);
	else
		memset(at, 0, size);
	v->n++;
	return at;
}

bool pb_oom(pb *b)
{
	return cmn_fail(b->err, "out of memory flattening the component");
}

const char *pb_str(pb *b, const char *s, size_t len)
{
	if (memchr(s, 0, len)) {
		cmn_fail(b->err, "a name with a NUL byte cannot be used at run time");
		return NULL;
	}
	char *p = cmn_arena_alloc(&b->plan->arena, len + 1, 1);
	if (!p) {
		pb_oom(b);
		return NULL;
	}
	memcpy(p, s, len);
	return p;
}

/* ---- index spaces ---------------------------------------------------- */

static pb_vec *core_space(pb_frame *f, uint8_t sort)
{
	switch (sort) {
	case CM_SORT_CORE_FUNC: return &f->core_funcs;
	case CM_SORT_CORE_TABLE: return &f->core_tables;
	case CM_SORT_CORE_MEMORY: return &f->core_memories;
	case CM_SORT_CORE_GLOBAL: return &f->core_globals;
	case CM_SORT_CORE_TAG: return &f->core_tags;
	default: return NULL;
	}
}

static bool core_item(pb *b, pb_frame *f, uint8_t sort, uint32_t idx, size_t off, cm_plan_ref *ret)
{
	pb_vec *v = core_space(f, sort);
	if (!v)
		return cmn_fail_at(b->err, off, "a core %s cannot be used here", cm_sort_name(sort));
	if (idx >= v->n)
		return cmn_fail_at(b->err, off, "unknown %s %u", cm_sort_name(sort), idx);
	*ret = PB_AT(*v, cm_plan_ref, idx);
	return true;
}

static bool item_of(pb *b, pb_frame *f, cm_sortidx si, size_t off, pb_item *ret)
{
	pb_vec *v;
	memset(ret, 0, sizeof *ret);
	ret->sort = si.sort;
	switch (si.sort) {
	case CM_SORT_FUNC: v = &f->funcs; break;
	case CM_SORT_TYPE: v = &f->ts.types; break;
	case CM_SORT_COMPONENT: v = &f->comps; break;
	case CM_SORT_INSTANCE: v = &f->insts; break;
	case CM_SORT_CORE_MODULE: v = &f->core_modules; break;
	case CM_SORT_VALUE:
		return cmn_fail_at(b->err, off, "component values are not supported");
	default:
		return cmn_fail_at(b->err, off, "a %s cannot be used here", cm_sort_name(si.sort));
	}
	if (si.idx >= v->n)
		return cmn_fail_at(b->err, off, "unknown %s %u", cm_sort_name(si.sort), si.idx);
	switch (si.sort) {
	case CM_SORT_FUNC: ret->u.f = PB_AT(*v, pb_func, si.idx); break;
	case CM_SORT_TYPE: ret->u.t = PB_AT(*v, pb_type, si.idx); break;
	case CM_SORT_COMPONENT: ret->u.c = PB_AT(*v, pb_comp, si.idx); break;
	case CM_SORT_INSTANCE: ret->u.i = PB_AT(*v, pb_inst *, si.idx); break;
	default: ret->u.module = PB_AT(*v, uint32_t, si.idx); break;
	}
	return true;
}

static bool push_item(pb *b, pb_frame *f, const pb_item *it, size_t off)
{
	switch (it->sort) {
	case CM_SORT_FUNC: return pb_push(b, &f->funcs, sizeof it->u.f, &it->u.f) != NULL;
	case CM_SORT_TYPE: return pb_push(b, &f->ts.types, sizeof it->u.t, &it->u.t) != NULL;
	case CM_SORT_COMPONENT: return pb_push(b, &f->comps, sizeof it->u.c, &it->u.c) != NULL;
	case CM_SORT_INSTANCE: return pb_push(b, &f->insts, sizeof it->u.i, &it->u.i) != NULL;
	case CM_SORT_CORE_MODULE:
		return pb_push(b, &f->core_modules, sizeof it->u.module, &it->u.module) != NULL;
	default:
		return cmn_fail_at(b->err, off, "a %s cannot be used here", cm_sort_name(it->sort));
	}
}

static const pb_item *inst_find(const pb_inst *in, const char *name)
{
	for (uint32_t i = 0; i < in->n; i++)
		if (strcmp(in->names[i], name) == 0)
			return &in->items[i];
	return NULL;
}

bool pb_inst_add(pb *b, pb_inst *in, const char *name, const pb_item *it)
{
	if (in->n == in->cap) {
		uint32_t cap = in->cap ? in->cap * 2 : 8;
		const char **names = cmn_arena_alloc(&b->scratch, cap, sizeof *names);
		pb_item *items = cmn_arena_alloc(&b->scratch, cap, sizeof *items);
		if (!names || !items)
			return pb_oom(b);
		if (in->n) {
			memcpy(names, in->names, in->n * sizeof *names);
			memcpy(items, in->items, in->n * sizeof *items);
		}
		in->names = names;
		in->items = items;
		in->cap = cap;
	}
	in->names[in->n] = name;
	in->items[in->n++] = *it;
	return true;
}

/* ---- core modules and instances --------------------------------------- */

static bool module_index(pb *b, const cm_component *c, const cm_def *d, uint32_t *ret)
{
	size_t off = d->u.module.off;
	for (uint32_t i = 0; i < b->module_offs.n; i++)
		if (PB_AT(b->module_offs, size_t, i) == off) {
			*ret = i;
			return true;
		}
	if ((size_t)d->u.module.off + d->u.module.len > c->size)
		return cmn_fail_at(b->err, d->off, "core module out of the input's bounds");
	const uint8_t *bytes = c->bytes + off;
	rt_module *m = NULL;
	cmn_error e = {0};
	if (!wb_decode(bytes, d->u.module.len, WB_FEAT_ALL, &m, &e))
		return cmn_fail_at(b->err, d->off, "core module: %s", e.msg);
	cm_plan_module pm = {bytes, d->u.module.len};
	if (!pb_push(b, &b->module_defs, sizeof m, &m)) {
		rt_module_free(m);
		return false;
	}
	if (!pb_push(b, &b->modules, sizeof pm, &pm) || !pb_push(b, &b->module_offs, sizeof off, &off))
		return false;
	*ret = b->modules.n - 1;
	return true;
}

static bool core_export(pb *b, const pb_core_inst *ci, const char *name, uint32_t len, size_t off,
                        cm_plan_ref *ret)
{
	if (ci->runtime) {
		const char *n = pb_str(b, name, len);
		if (!n)
			return false;
		*ret = (cm_plan_ref){CM_PREF_EXPORT, ci->step, n};
		return true;
	}
	for (uint32_t i = 0; i < ci->n; i++)
		if (strlen(ci->names[i]) == len && memcmp(ci->names[i], name, len) == 0) {
			*ret = ci->items[i];
			return true;
		}
	return cmn_fail_at(b->err, off, "core instance has no export `%.*s`", (int)len, name);
}

static bool core_instantiate(pb *b, pb_frame *f, const cm_def *d)
{
	const cm_instance_def *id = &d->u.inst;
	if (id->target >= f->core_modules.n)
		return cmn_fail_at(b->err, d->off, "unknown core module %u", id->target);
	uint32_t mi = PB_AT(f->core_modules, uint32_t, id->target);
	const rt_module *m = PB_AT(b->module_defs, rt_module *, mi);
	if (b->steps.n >= PB_MAX_STEPS)
		return cmn_fail_at(b->err, d->off, "more than %u core instances once flattened", PB_MAX_STEPS);
	cm_plan_ref *args = cmn_arena_alloc(&b->scratch, m->nimports ? m->nimports : 1, sizeof *args);
	if (!args)
		return pb_oom(b);
	for (uint32_t i = 0; i < m->nimports; i++) {
		const rt_import *im = &m->imports[i];
		const cm_instarg *a = NULL;
		for (uint32_t k = 0; k < id->n && !a; k++)
			if (id->args[k].name.len == im->module.len &&
			    memcmp(id->args[k].name.s, im->module.ptr, im->module.len) == 0)
				a = &id->args[k];
		if (!a)
			return cmn_fail_at(b->err, d->off, "missing module instantiation argument named `%.*s`",
			                   (int)im->module.len, im->module.ptr);
		if (a->item.sort != CM_SORT_CORE_INSTANCE || a->item.idx >= f->core_insts.n)
			return cmn_fail_at(b->err, a->off, "instantiation argument `%s` is not a core instance",
			                   a->name.s);
		const pb_core_inst *ci = &PB_AT(f->core_insts, pb_core_inst, a->item.idx);
		if (!core_export(b, ci, im->field.ptr, im->field.len, a->off, &args[i]))
			return false;
	}
	cm_plan_step st = {mi, m->nimports, args};
	pb_core_inst ci = {.runtime = true, .step = b->steps.n};
	return pb_push(b, &b->steps, sizeof st, &st) && pb_push(b, &f->core_insts, sizeof ci, &ci);
}

static bool core_inline(pb *b, pb_frame *f, const cm_def *d)
{
	const cm_instance_def *id = &d->u.inst;
	pb_core_inst ci = {.runtime = false, .n = id->n};
	ci.names = cmn_arena_alloc(&b->scratch, id->n ? id->n : 1, sizeof *ci.names);
	ci.items = cmn_arena_alloc(&b->scratch, id->n ? id->n : 1, sizeof *ci.items);
	if (!ci.names || !ci.items)
		return pb_oom(b);
	for (uint32_t i = 0; i < id->n; i++) {
		const cm_inline_export *e = &id->exports[i];
		ci.names[i] = e->name.name.s;
		if (!core_item(b, f, e->item.sort, e->item.idx, e->off, &ci.items[i]))
			return false;
	}
	return pb_push(b, &f->core_insts, sizeof ci, &ci) != NULL;
}

/* ---- component instances ---------------------------------------------- */

static bool run_frame(pb *b, pb_frame *f);

static bool instantiate(pb *b, pb_frame *f, const cm_def *d)
{
	const cm_instance_def *id = &d->u.inst;
	if (id->target >= f->comps.n)
		return cmn_fail_at(b->err, d->off, "unknown component %u", id->target);
	pb_comp comp = PB_AT(f->comps, pb_comp, id->target);
	pb_inst *args = cmn_arena_alloc(&b->scratch, 1, sizeof *args);
	pb_frame *child = cmn_arena_alloc(&b->scratch, 1, sizeof *child);
	if (!args || !child)
		return pb_oom(b);
	for (uint32_t i = 0; i < id->n; i++) {
		pb_item it;
		if (!item_of(b, f, id->args[i].item, id->args[i].off, &it) ||
		    !pb_inst_add(b, args, id->args[i].name.s, &it))
			return false;
	}
	if (b->plan->ninstances >= PB_MAX_INSTANCES)
		return cmn_fail_at(b->err, d->off, "more than %u component instances once flattened",
		                   PB_MAX_INSTANCES);
	if (b->depth >= PB_MAX_DEPTH)
		return cmn_fail_at(b->err, d->off, "component instantiations nested deeper than %d",
		                   PB_MAX_DEPTH);
	child->outer = comp.outer;
	child->ts.outer = comp.outer ? &comp.outer->ts : NULL;
	child->c = comp.def;
	child->cinst = b->plan->ninstances++;
	child->args = args;
	b->depth++;
	bool ok = run_frame(b, child);
	b->depth--;
	if (!ok)
		return false;
	pb_inst *res = &child->exports;
	return pb_push(b, &f->insts, sizeof res, &res) != NULL;
}

static bool inline_instance(pb *b, pb_frame *f, const cm_def *d)
{
	const cm_instance_def *id = &d->u.inst;
	pb_inst *in = cmn_arena_alloc(&b->scratch, 1, sizeof *in);
	if (!in)
		return pb_oom(b);
	for (uint32_t i = 0; i < id->n; i++) {
		pb_item it;
		if (!item_of(b, f, id->exports[i].item, id->exports[i].off, &it) ||
		    !pb_inst_add(b, in, id->exports[i].name.name.s, &it))
			return false;
	}
	return pb_push(b, &f->insts, sizeof in, &in) != NULL;
}

/* ---- aliases ---------------------------------------------------------- */

static bool alias(pb *b, pb_frame *f, const cm_def *d)
{
	const cm_alias *a = &d->u.alias;
	if (a->kind == CM_ALIAS_CORE_EXPORT) {
		if (a->instance >= f->core_insts.n)
			return cmn_fail_at(b->err, d->off, "unknown core instance %u", a->instance);
		cm_plan_ref r;
		pb_vec *v = core_space(f, a->sort);
		if (!v)
			return cmn_fail_at(b->err, d->off, "core export alias of a %s", cm_sort_name(a->sort));
		const pb_core_inst *ci = &PB_AT(f->core_insts, pb_core_inst, a->instance);
		return core_export(b, ci, a->name.s, a->name.len, d->off, &r) &&
		       pb_push(b, v, sizeof r, &r);
	}
	if (a->kind == CM_ALIAS_EXPORT) {
		if (a->instance >= f->insts.n)
			return cmn_fail_at(b->err, d->off, "unknown instance %u", a->instance);
		const pb_item *it = inst_find(PB_AT(f->insts, pb_inst *, a->instance), a->name.s);
		if (!it || it->sort != a->sort)
			return cmn_fail_at(b->err, d->off, "instance %u has no %s export `%s`", a->instance,
			                   cm_sort_name(a->sort), a->name.s);
		return push_item(b, f, it, d->off);
	}
	/* outer */
	if (a->sort == CM_SORT_CORE_TYPE)
		return true;
	pb_frame *o = f;
	for (uint32_t i = 0; i < a->count && o; i++)
		o = o->outer;
	if (!o)
		return cmn_fail_at(b->err, d->off, "outer alias count %u leaves the outermost component",
		                   a->count);
	pb_item it;
	if (!item_of(b, o, (cm_sortidx){a->sort, a->idx}, d->off, &it))
		return false;
	return push_item(b, f, &it, d->off);
}

/* ---- canon ------------------------------------------------------------ */

static bool opts(pb *b, pb_frame *f, const cm_canon_opts *o, size_t off, cm_plan_opts *ret)
{
	memset(ret, 0, sizeof *ret);
	ret->enc = o->encoding;
	if (o->has_memory && !core_item(b, f, CM_SORT_CORE_MEMORY, o->memory, off, &ret->memory))
		return false;
	if (o->has_realloc && !core_item(b, f, CM_SORT_CORE_FUNC, o->realloc, off, &ret->realloc))
		return false;
	if (o->has_post_return &&
	    !core_item(b, f, CM_SORT_CORE_FUNC, o->post_return, off, &ret->post_return))
		return false;
	return true;
}

static bool push_builtin(pb *b, pb_frame *f, const cm_plan_builtin *bi)
{
	cm_plan_ref r = {CM_PREF_BUILTIN, b->builtins.n, NULL};
	return pb_push(b, &b->builtins, sizeof *bi, bi) && pb_push(b, &f->core_funcs, sizeof r, &r);
}

static bool unsupported_builtin(pb *b, pb_frame *f, const char *why)
{
	cm_plan_builtin bi = {.kind = CM_BUILTIN_UNSUPPORTED, .instance = f->cinst,
	                      .resource = CM_PLAN_NONE, .name = pb_str(b, why, strlen(why))};
	return bi.name && push_builtin(b, f, &bi);
}

/* The names of the canon built-ins this runtime does not run, by opcode
 * (cm_decode.c's list). */
static const char *builtin_name(uint8_t op)
{
	static const struct {
		uint8_t op;
		const char *name;
	} names[] = {
		{0x05, "task.cancel"}, {0x06, "subtask.cancel"}, {0x07, "resource.drop async"},
		{0x08, "backpressure.set"}, {0x09, "task.return"}, {0x0a, "context.get"},
		{0x0b, "context.set"}, {0x0c, "thread.yield"}, {0x0d, "subtask.drop"},
		{0x0e, "stream.new"}, {0x0f, "stream.read"}, {0x10, "stream.write"},
		{0x11, "stream.cancel-read"}, {0x12, "stream.cancel-write"},
		{0x13, "stream.drop-readable"}, {0x14, "stream.drop-writable"}, {0x15, "future.new"},
		{0x16, "future.read"}, {0x17, "future.write"}, {0x18, "future.cancel-read"},
		{0x19, "future.cancel-write"}, {0x1a, "future.drop-readable"},
		{0x1b, "future.drop-writable"}, {0x1c, "error-context.new"},
		{0x1d, "error-context.debug-message"}, {0x1e, "error-context.drop"},
		{0x1f, "waitable-set.new"}, {0x20, "waitable-set.wait"}, {0x21, "waitable-set.poll"},
		{0x22, "waitable-set.drop"}, {0x23, "waitable.join"}, {0x26, "thread.index"},
		{0x27, "thread.new-indirect"},
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (names[i].op == op)
			return names[i].name;
	return "thread";
}

/* A built-in of the async and thread proposals: the few with a meaning in
 * synchronous calls run, the others trap when called. */
static bool async_builtin(pb *b, pb_frame *f, const cm_canon *c)
{
	cm_plan_builtin bi = {.instance = f->cinst};
	char why[96];
	switch (c->op) {
	case 0x0a:
	case 0x0b:
		if (c->core_valtype != 0x7f || c->index >= CM_PLAN_CONTEXT_SLOTS)
			break;
		bi.kind = c->op == 0x0a ? CM_BUILTIN_CONTEXT_GET : CM_BUILTIN_CONTEXT_SET;
		bi.resource = c->index;
		return push_builtin(b, f, &bi);
	case 0x24:
	case 0x25:
		bi.kind = c->op == 0x24 ? CM_BUILTIN_BACKPRESSURE_INC : CM_BUILTIN_BACKPRESSURE_DEC;
		return push_builtin(b, f, &bi);
	default:
		break;
	}
	snprintf(why, sizeof why, "the %s built-in is not supported (component-model async and threads)",
	         builtin_name(c->op));
	return unsupported_builtin(b, f, why);
}

static bool canon(pb *b, pb_frame *f, const cm_def *d)
{
	const cm_canon *c = &d->u.canon;
	switch (c->kind) {
	case CM_CANON_LIFT: {
		pb_type t;
		pb_func fv = {FV_LIFT, b->lifts.n, NULL};
		if (!pb_type_at(b, &f->ts, c->type, d->off, &t))
			return false;
		if (t.kind == TV_UNSUPPORTED || c->opts.async) {
			/* kept so that the component instantiates; lowering or
			 * exporting it is refused */
			fv = (pb_func){FV_UNSUPPORTED, 0, t.kind == TV_UNSUPPORTED
			                                       ? t.why
			                                       : "async lifted functions are not supported"};
			return pb_push(b, &f->funcs, sizeof fv, &fv) != NULL;
		}
		cm_plan_lift l = {.instance = f->cinst};
		if (!pb_functype(b, &t, d->off, &l.type) ||
		    !core_item(b, f, CM_SORT_CORE_FUNC, c->func, d->off, &l.func) ||
		    !opts(b, f, &c->opts, d->off, &l.opts))
			return false;
		return pb_push(b, &b->lifts, sizeof l, &l) && pb_push(b, &f->funcs, sizeof fv, &fv);
	}
	case CM_CANON_LOWER: {
		if (c->func >= f->funcs.n)
			return cmn_fail_at(b->err, d->off, "unknown func %u", c->func);
		pb_func fv = PB_AT(f->funcs, pb_func, c->func);
		if (fv.kind == FV_UNSUPPORTED)
			return unsupported_builtin(b, f, fv.why);
		if (c->opts.async)
			return unsupported_builtin(b, f, "async lowered functions are not supported");
		cm_plan_lower l = {.instance = f->cinst};
		l.callee_kind = fv.kind == FV_LIFT ? CM_CALLEE_LIFT : CM_CALLEE_HOST;
		l.callee = fv.idx;
		l.type = fv.kind == FV_LIFT ? PB_AT(b->lifts, cm_plan_lift, fv.idx).type
		                            : PB_AT(b->func_imports, cm_plan_func_import, fv.idx).type;
		if (!opts(b, f, &c->opts, d->off, &l.opts))
			return false;
		cm_plan_ref r = {CM_PREF_LOWER, b->lowers.n, NULL};
		return pb_push(b, &b->lowers, sizeof l, &l) && pb_push(b, &f->core_funcs, sizeof r, &r);
	}
	case CM_CANON_RESOURCE_NEW:
	case CM_CANON_RESOURCE_DROP:
	case CM_CANON_RESOURCE_REP: {
		pb_type t;
		if (!pb_type_at(b, &f->ts, c->type, d->off, &t))
			return false;
		const cm_type *ct = t.kind == TV_VALUE ? cm_types_get(b->plan->types, t.tid) : NULL;
		if (!ct || ct->kind != CM_RESOURCE)
			return cmn_fail_at(b->err, d->off, "type %u is not a resource type", c->type);
		cm_plan_builtin bi = {.instance = f->cinst, .resource = ct->resource_id};
		bi.kind = c->kind == CM_CANON_RESOURCE_NEW    ? CM_BUILTIN_RESOURCE_NEW
		          : c->kind == CM_CANON_RESOURCE_DROP ? CM_BUILTIN_RESOURCE_DROP
		                                              : CM_BUILTIN_RESOURCE_REP;
		return push_builtin(b, f, &bi);
	}
	default:
		return async_builtin(b, f, c);
	}
}

/* ---- imports and exports ------------------------------------------------ */

static bool host_import(pb *b, pb_frame *f, const cm_def *d, pb_item *it)
{
	const cm_import *im = &d->u.import;
	const char *name = pb_str(b, im->name.name.s, im->name.name.len);
	if (!name)
		return false;
	pb_type t;
	switch (im->ext.sort) {
	case CM_SORT_FUNC: {
		cm_plan_func_import fi = {.instance = "", .name = name};
		if (!pb_type_at(b, &f->ts, im->ext.idx, d->off, &t) ||
		    !pb_functype(b, &t, d->off, &fi.type))
			return false;
		it->u.f = (pb_func){FV_HOST, b->func_imports.n, NULL};
		return pb_push(b, &b->func_imports, sizeof fi, &fi) != NULL;
	}
	case CM_SORT_INSTANCE:
		return pb_type_at(b, &f->ts, im->ext.idx, d->off, &t) &&
		       pb_host_instance(b, &t, name, d->off, &it->u.i);
	case CM_SORT_TYPE:
		if (im->ext.bound == CM_BOUND_SUB_RESOURCE) {
			memset(&it->u.t, 0, sizeof it->u.t);
			it->u.t.kind = TV_VALUE;
			return pb_host_resource(b, "", name, &it->u.t.tid);
		}
		return pb_type_at(b, &f->ts, im->ext.idx, d->off, &it->u.t);
	default:
		return cmn_fail_at(b->err, d->off, "a host import of a %s is not supported",
		                   cm_sort_name(im->ext.sort));
	}
}

static bool import(pb *b, pb_frame *f, const cm_def *d)
{
	const cm_import *im = &d->u.import;
	pb_item it = {.sort = im->ext.sort};
	if (!f->args) {
		if (!host_import(b, f, d, &it))
			return false;
	} else {
		const pb_item *a = inst_find(f->args, im->name.name.s);
		if (a) {
			it = *a;
		} else if (im->ext.sort == CM_SORT_TYPE && im->ext.bound == CM_BOUND_EQ) {
			if (!pb_type_at(b, &f->ts, im->ext.idx, d->off, &it.u.t))
				return false;
		} else {
			return cmn_fail_at(b->err, d->off, "missing instantiation argument `%s`",
			                   im->name.name.s);
		}
		if (it.sort != im->ext.sort)
			return cmn_fail_at(b->err, d->off, "instantiation argument `%s` is a %s, expected a %s",
			                   im->name.name.s, cm_sort_name(it.sort), cm_sort_name(im->ext.sort));
	}
	return push_item(b, f, &it, d->off);
}

/* A root export: its functions (and those of an exported instance) and
 * resource types become the plan's exports. */
static bool root_export(pb *b, const char *iname, const char *name, const pb_item *it, size_t off)
{
	if (it->sort == CM_SORT_FUNC) {
		if (it->u.f.kind != FV_LIFT)
			return true; /* a re-exported host import or an unsupported
			                function: nothing a caller could call here */
		cm_plan_export e = {iname, pb_str(b, name, strlen(name)), it->u.f.idx};
		return e.name && pb_push(b, &b->exports, sizeof e, &e);
	}
	if (it->sort == CM_SORT_TYPE) {
		const cm_type *ct =
		        it->u.t.kind == TV_VALUE ? cm_types_get(b->plan->types, it->u.t.tid) : NULL;
		if (!ct || ct->kind != CM_RESOURCE)
			return true;
		cm_plan_type_export e = {iname, pb_str(b, name, strlen(name)), ct->resource_id};
		return e.name && pb_push(b, &b->type_exports, sizeof e, &e);
	}
	if (it->sort == CM_SORT_INSTANCE) {
		/* an instance inside an exported instance: its items are named
		 * by the path of instance names joined with '#' */
		size_t il = strlen(iname), nl = strlen(name);
		char *path = cmn_arena_alloc(&b->scratch, il + nl + 2, 1);
		if (!path)
			return pb_oom(b);
		if (il)
			memcpy(path, iname, il);
		if (il)
			path[il++] = '#';
		memcpy(path + il, name, nl);
		const char *in = pb_str(b, path, il + nl);
		if (!in)
			return false;
		if (b->depth_exports++ >= PB_MAX_DEPTH)
			return cmn_fail_at(b->err, off, "exported instances nested deeper than %d", PB_MAX_DEPTH);
		for (uint32_t i = 0; i < it->u.i->n; i++)
			if (!root_export(b, in, it->u.i->names[i], &it->u.i->items[i], off))
				return false;
		b->depth_exports--;
	}
	return true;
}

static bool export(pb *b, pb_frame *f, const cm_def *d)
{
	const cm_export *e = &d->u.export;
	pb_item it;
	if (!item_of(b, f, e->item, d->off, &it) || !push_item(b, f, &it, d->off))
		return false;
	if (!pb_inst_add(b, &f->exports, e->name.name.s, &it))
		return false;
	return f->args || root_export(b, "", e->name.name.s, &it, d->off);
}

/* ---- frames ----------------------------------------------------------- */

static bool run_frame(pb *b, pb_frame *f)
{
	const cm_component *c = f->c;
	for (uint32_t i = 0; i < c->ndefs; i++) {
		const cm_def *d = &c->defs[i];
		bool ok = true;
		switch (d->kind) {
		case CM_DEF_CORE_MODULE: {
			uint32_t mi;
			ok = module_index(b, c, d, &mi) && pb_push(b, &f->core_modules, sizeof mi, &mi);
			break;
		}
		case CM_DEF_CORE_INSTANCE:
			ok = d->u.inst.instantiate ? core_instantiate(b, f, d) : core_inline(b, f, d);
			break;
		case CM_DEF_CORE_TYPE:
			break;
		case CM_DEF_COMPONENT: {
			pb_comp comp = {d->u.component, f};
			ok = pb_push(b, &f->comps, sizeof comp, &comp) != NULL;
			break;
		}
		case CM_DEF_INSTANCE:
			ok = d->u.inst.instantiate ? instantiate(b, f, d) : inline_instance(b, f, d);
			break;
		case CM_DEF_ALIAS:
			ok = alias(b, f, d);
			break;
		case CM_DEF_TYPE: {
			pb_type t;
			ok = pb_deftype(b, &f->ts, f, d->u.type, &t) && pb_push(b, &f->ts.types, sizeof t, &t);
			break;
		}
		case CM_DEF_CANON:
			ok = canon(b, f, d);
			break;
		case CM_DEF_START:
			ok = cmn_fail_at(b->err, d->off, "component start functions are not supported");
			break;
		case CM_DEF_IMPORT:
			ok = import(b, f, d);
			break;
		case CM_DEF_EXPORT:
			ok = export(b, f, d);
			break;
		default:
			ok = cmn_fail_at(b->err, d->off, "unknown definition kind %u", d->kind);
		}
		if (!ok)
			return false;
	}
	return true;
}

/* ---- the plan ------------------------------------------------------------ */

/* Copies a scratch vector into the plan's arena. */
static bool finish(pb *b, const pb_vec *v, size_t size, void **ret, uint32_t *ret_n)
{
	void *p = cmn_arena_alloc(&b->plan->arena, v->n ? v->n : 1, size);
	if (!p)
		return pb_oom(b);
	if (v->n)
		memcpy(p, v->p, (size_t)v->n * size);
	*ret = p;
	*ret_n = v->n;
	return true;
}

static bool finish_steps(pb *b)
{
	cm_plan *p = b->plan;
	for (uint32_t i = 0; i < p->nsteps; i++) {
		cm_plan_step *s = &p->steps[i];
		cm_plan_ref *args = cmn_arena_alloc(&p->arena, s->nargs ? s->nargs : 1, sizeof *args);
		if (!args)
			return pb_oom(b);
		memcpy(args, s->args, s->nargs * sizeof *args);
		s->args = args;
	}
	return true;
}

bool cm_plan_build(const cm_component *c, cm_plan **ret, cmn_error *err)
{
	pb b = {.err = err};
	bool ok = false;
	if (!(b.plan = calloc(1, sizeof *b.plan)) || !(b.plan->types = cm_types_new())) {
		pb_oom(&b);
		goto free_plan;
	}
	pb_frame *root = cmn_arena_alloc(&b.scratch, 1, sizeof *root);
	if (!root) {
		pb_oom(&b);
		goto free_plan;
	}
	root->c = c;
	root->cinst = b.plan->ninstances++;
	if (!run_frame(&b, root))
		goto free_plan;
	cm_plan *p = b.plan;
#define FINISH(vec, field, count) finish(&b, &b.vec, sizeof *p->field, (void **)&p->field, &p->count)
	if (!FINISH(modules, modules, nmodules) || !FINISH(steps, steps, nsteps) ||
	    !FINISH(lifts, lifts, nlifts) || !FINISH(lowers, lowers, nlowers) ||
	    !FINISH(builtins, builtins, nbuiltins) || !FINISH(resources, resources, nresources) ||
	    !FINISH(func_imports, func_imports, nfunc_imports) ||
	    !FINISH(resource_imports, resource_imports, nresource_imports) ||
	    !FINISH(exports, exports, nexports) || !FINISH(type_exports, type_exports, ntype_exports) ||
	    !finish_steps(&b))
		goto free_plan;
#undef FINISH
	const char *why = cm_plan_check(p);
	if (why) {
		cmn_fail(err, "internal: the flattened plan is inconsistent: %s", why);
		goto free_plan;
	}
	*ret = p;
	b.plan = NULL;
	ok = true;
free_plan:
	for (uint32_t i = 0; i < b.module_defs.n; i++)
		rt_module_free(PB_AT(b.module_defs, rt_module *, i));
	cmn_arena_free(&b.scratch);
	cm_plan_free(b.plan);
	return ok;
}
