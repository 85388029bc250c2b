/*
 * cm_plan_build_types.c - the plan builder's type conversion: a
 * component's type definitions (cm_deftype, relative to its type index
 * space) become entries of the plan's cm_types table, resource types
 * become plan resources (a new one per instantiation of the defining
 * component), and the instance types of host imports become the items the
 * host must provide.
 *
 * Types this runtime cannot run (stream, future, map, error-context) are
 * kept as TV_UNSUPPORTED with the reason, which becomes an error only when
 * a lifted or lowered function uses them: a component may define such a
 * type and never call with it.
 */
#include <string.h>

#include "cm_plan_build_int.h"

pb_scope *pb_scope_outer(pb *b, pb_scope *s, uint32_t count, size_t off)
{
	for (uint32_t i = 0; i < count && s; i++)
		s = s->outer;
	if (!s)
		cmn_fail_at(b->err, off, "outer alias count %u leaves the outermost component", count);
	return s;
}

bool pb_type_at(pb *b, pb_scope *s, uint32_t i, size_t off, pb_type *ret)
{
	if (i >= s->types.n)
		return cmn_fail_at(b->err, off, "unknown type %u: type index out of bounds", i);
	*ret = PB_AT(s->types, pb_type, i);
	return true;
}

/* ret->kind TV_UNSUPPORTED with `why`. */
static bool unsupported(pb_type *ret, const char *why)
{
	memset(ret, 0, sizeof *ret);
	ret->kind = TV_UNSUPPORTED;
	ret->why = why;
	return true;
}

/* A value type: *ret_tid, or *ret_why when it is unsupported. */
static bool valtype2(pb *b, pb_scope *s, cm_valtype vt, size_t off, cm_tid *ret_tid,
                     const char **ret_why)
{
	*ret_why = NULL;
	if (!vt.is_index) {
		if (vt.v == CM_VT_ERROR_CONTEXT) {
			*ret_why = "error-context values are not supported";
			return true;
		}
		if (!cm_tid_is_primitive(vt.v))
			return cmn_fail_at(b->err, off, "unknown primitive value type %u", vt.v);
		*ret_tid = vt.v;
		return true;
	}
	pb_type t;
	if (!pb_type_at(b, s, vt.v, off, &t))
		return false;
	if (t.kind == TV_UNSUPPORTED) {
		*ret_why = t.why;
		return true;
	}
	const cm_type *ct = t.kind == TV_VALUE ? cm_types_get(b->plan->types, t.tid) : NULL;
	if (!ct || ct->kind == CM_FUNC || ct->kind == CM_RESOURCE)
		return cmn_fail_at(b->err, off, "type %u is not a defined value type", vt.v);
	*ret_tid = t.tid;
	return true;
}

bool pb_valtype(pb *b, pb_scope *s, cm_valtype vt, size_t off, cm_tid *ret)
{
	const char *why;
	if (!valtype2(b, s, vt, off, ret, &why))
		return false;
	if (why)
		return cmn_fail_at(b->err, off, "%s", why);
	return true;
}

static bool add(pb *b, const cm_type *ty, pb_type *ret)
{
	memset(ret, 0, sizeof *ret);
	ret->kind = TV_VALUE;
	if (!cm_types_add(b->plan->types, ty, &ret->tid))
		return pb_oom(b);
	return true;
}

/* A new plan resource; its CM_RESOURCE entry to *ret. */
static bool new_resource(pb *b, uint32_t instance, uint32_t import, cm_plan_ref dtor, cm_tid *ret)
{
	if (b->resources.n >= PB_MAX_RESOURCES)
		return cmn_fail(b->err, "too many resource types (%u)", b->resources.n);
	cm_plan_resource r = {.instance = instance, .import = import, .dtor = dtor};
	cm_type ty = {.kind = CM_RESOURCE, .resource_id = b->resources.n, .elem = CM_TID_NONE,
	              .err = CM_TID_NONE};
	if (!pb_push(b, &b->resources, sizeof r, &r))
		return false;
	if (!cm_types_add(b->plan->types, &ty, ret))
		return pb_oom(b);
	return true;
}

bool pb_host_resource(pb *b, const char *iname, const char *name, cm_tid *ret)
{
	cm_plan_resource_import ri = {.instance = iname, .name = name, .resource = b->resources.n};
	if (!new_resource(b, CM_PLAN_NONE, b->resource_imports.n, (cm_plan_ref){0}, ret))
		return false;
	return pb_push(b, &b->resource_imports, sizeof ri, &ri) != NULL;
}

/* Cases of a record, variant, tuple, flags or enum; *ret_why when a
 * payload is unsupported. */
static bool cases(pb *b, pb_scope *s, const cm_deftype *dt, cm_case **ret, const char **ret_why)
{
	cm_case *cs = cmn_arena_alloc(&b->scratch, dt->n ? dt->n : 1, sizeof *cs);
	if (!cs)
		return pb_oom(b);
	*ret_why = NULL;
	for (uint32_t i = 0; i < dt->n; i++) {
		const cm_label *l = &dt->cases[i];
		cs[i].name = l->name.len || dt->kind != CM_DT_TUPLE ? l->name.s : NULL;
		cs[i].type = CM_TID_NONE;
		if (!l->has_type)
			continue;
		if (!valtype2(b, s, l->type, l->off ? l->off : dt->off, &cs[i].type, ret_why))
			return false;
		if (*ret_why)
			return true;
	}
	*ret = cs;
	return true;
}

static bool opt_valtype(pb *b, pb_scope *s, bool has, cm_valtype vt, size_t off, cm_tid *ret,
                        const char **ret_why)
{
	*ret_why = NULL;
	*ret = CM_TID_NONE;
	return !has || valtype2(b, s, vt, off, ret, ret_why);
}

/* own/borrow: the resource entry of type index `idx`. */
static bool handle(pb *b, pb_scope *s, const cm_deftype *dt, pb_type *ret)
{
	pb_type r;
	if (!pb_type_at(b, s, dt->idx, dt->off, &r))
		return false;
	if (r.kind == TV_UNSUPPORTED)
		return unsupported(ret, r.why);
	const cm_type *rt = r.kind == TV_VALUE ? cm_types_get(b->plan->types, r.tid) : NULL;
	if (!rt || rt->kind != CM_RESOURCE)
		return cmn_fail_at(b->err, dt->off, "type %u is not a resource type", dt->idx);
	cm_type ty = {.kind = dt->kind == CM_DT_OWN ? CM_OWN : CM_BORROW, .elem = r.tid,
	              .err = CM_TID_NONE};
	return add(b, &ty, ret);
}

bool pb_deftype(pb *b, pb_scope *s, pb_frame *f, const cm_deftype *dt, pb_type *ret)
{
	cm_type ty = {.elem = CM_TID_NONE, .err = CM_TID_NONE};
	const char *why = NULL;
	cm_case *cs = NULL;
	switch (dt->kind) {
	case CM_DT_PRIM: {
		cm_valtype vt = {false, dt->prim};
		cm_tid tid;
		if (!valtype2(b, s, vt, dt->off, &tid, &why))
			return false;
		if (why)
			return unsupported(ret, why);
		memset(ret, 0, sizeof *ret);
		ret->kind = TV_VALUE;
		ret->tid = tid;
		return true;
	}
	case CM_DT_RECORD:
	case CM_DT_VARIANT:
	case CM_DT_TUPLE:
	case CM_DT_FLAGS:
	case CM_DT_ENUM:
		if (!cases(b, s, dt, &cs, &why))
			return false;
		if (why)
			return unsupported(ret, why);
		ty.kind = dt->kind == CM_DT_RECORD    ? CM_RECORD
		          : dt->kind == CM_DT_VARIANT ? CM_VARIANT
		          : dt->kind == CM_DT_TUPLE   ? CM_TUPLE
		          : dt->kind == CM_DT_FLAGS   ? CM_FLAGS
		                                      : CM_ENUM;
		ty.n = dt->n;
		ty.cases = cs;
		return add(b, &ty, ret);
	case CM_DT_LIST:
	case CM_DT_OPTION:
		if (!valtype2(b, s, dt->a, dt->off, &ty.elem, &why))
			return false;
		if (why)
			return unsupported(ret, why);
		ty.kind = dt->kind == CM_DT_LIST ? CM_LIST : CM_OPTION;
		ty.fixed_len = dt->kind == CM_DT_LIST ? dt->len : 0;
		return add(b, &ty, ret);
	case CM_DT_RESULT: {
		const char *why2 = NULL;
		if (!opt_valtype(b, s, dt->has_a, dt->a, dt->off, &ty.elem, &why) ||
		    !opt_valtype(b, s, dt->has_b, dt->b, dt->off, &ty.err, &why2))
			return false;
		if (why || why2)
			return unsupported(ret, why ? why : why2);
		ty.kind = CM_RESULT;
		return add(b, &ty, ret);
	}
	case CM_DT_OWN:
	case CM_DT_BORROW:
		return handle(b, s, dt, ret);
	case CM_DT_STREAM:
		return unsupported(ret, "stream types are not supported (component-model async)");
	case CM_DT_FUTURE:
		return unsupported(ret, "future types are not supported (component-model async)");
	case CM_DT_MAP: {
		/* map<K, V> has the canonical ABI of list<tuple<K, V>>, and is
		 * carried as that */
		const char *why2 = NULL;
		cm_case *kv = cmn_arena_alloc(&b->scratch, 2, sizeof *kv);
		if (!kv)
			return pb_oom(b);
		if (!valtype2(b, s, dt->a, dt->off, &kv[0].type, &why) ||
		    !valtype2(b, s, dt->b, dt->off, &kv[1].type, &why2))
			return false;
		if (why || why2)
			return unsupported(ret, why ? why : why2);
		cm_type tup = {.kind = CM_TUPLE, .n = 2, .cases = kv, .elem = CM_TID_NONE,
		               .err = CM_TID_NONE};
		pb_type tt;
		if (!add(b, &tup, &tt))
			return false;
		ty.kind = CM_LIST;
		ty.elem = tt.tid;
		return add(b, &ty, ret);
	}
	case CM_DT_FUNC: {
		cm_case *res = NULL;
		if (!cases(b, s, dt, &cs, &why))
			return false;
		if (why)
			return unsupported(ret, why);
		if (dt->has_a) {
			if (!(res = cmn_arena_alloc(&b->scratch, 1, sizeof *res)))
				return pb_oom(b);
			if (!valtype2(b, s, dt->a, dt->off, &res->type, &why))
				return false;
			if (why)
				return unsupported(ret, why);
		}
		if (dt->async)
			return unsupported(ret, "async functions are not supported (component-model async)");
		ty.kind = CM_FUNC;
		ty.n = dt->n;
		ty.cases = cs;
		ty.nresults = dt->has_a ? 1 : 0;
		ty.results = res;
		return add(b, &ty, ret);
	}
	case CM_DT_COMPONENT:
	case CM_DT_INSTANCE:
		memset(ret, 0, sizeof *ret);
		ret->kind = TV_DEF;
		ret->def = dt;
		ret->scope = s;
		return true;
	case CM_DT_RESOURCE: {
		cm_plan_ref dtor = {0};
		if (!f)
			return cmn_fail_at(b->err, dt->off, "a resource type outside a component");
		if (dt->rep != 0x7f)
			return cmn_fail_at(b->err, dt->off, "resource representations other than i32 are not supported");
		if (dt->has_dtor) {
			if (dt->dtor >= f->core_funcs.n)
				return cmn_fail_at(b->err, dt->off, "unknown core func %u", dt->dtor);
			dtor = PB_AT(f->core_funcs, cm_plan_ref, dt->dtor);
		}
		memset(ret, 0, sizeof *ret);
		ret->kind = TV_VALUE;
		return new_resource(b, f->cinst, CM_PLAN_NONE, dtor, &ret->tid);
	}
	default:
		return cmn_fail_at(b->err, dt->off, "unknown type definition kind %u", dt->kind);
	}
}

bool pb_functype(pb *b, const pb_type *t, size_t off, cm_tid *ret)
{
	if (t->kind == TV_UNSUPPORTED)
		return cmn_fail_at(b->err, off, "%s", t->why);
	const cm_type *ct = t->kind == TV_VALUE ? cm_types_get(b->plan->types, t->tid) : NULL;
	if (!ct || ct->kind != CM_FUNC)
		return cmn_fail_at(b->err, off, "not a function type");
	*ret = t->tid;
	return true;
}

bool pb_host_instance(pb *b, const pb_type *t, const char *iname, size_t off, pb_inst **ret)
{
	if (t->kind != TV_DEF || t->def->kind != CM_DT_INSTANCE)
		return cmn_fail_at(b->err, off, "instance import of a type that is not an instance type");
	pb_scope *scp = cmn_arena_alloc(&b->scratch, 1, sizeof *scp);
	pb_inst *in = cmn_arena_alloc(&b->scratch, 1, sizeof *in);
	if (!in || !scp)
		return pb_oom(b);
	scp->outer = t->scope;
#define sc (*scp)
	for (uint32_t i = 0; i < t->def->ndecls; i++) {
		const cm_decl *d = &t->def->decls[i];
		pb_type ty;
		switch (d->kind) {
		case CM_DECL_CORE_TYPE:
			continue;
		case CM_DECL_TYPE:
			if (!pb_deftype(b, &sc, NULL, d->type, &ty) ||
			    !pb_push(b, &sc.types, sizeof ty, &ty))
				return false;
			continue;
		case CM_DECL_ALIAS: {
			pb_scope *o;
			if (d->alias.kind != CM_ALIAS_OUTER || d->alias.sort != CM_SORT_TYPE) {
				if (d->alias.sort == CM_SORT_CORE_TYPE)
					continue;
				cmn_fail_at(b->err, d->off, "alias of a %s in an instance type is not supported",
				            cm_sort_name(d->alias.sort));
				return false;
			}
			if (!(o = pb_scope_outer(b, &sc, d->alias.count, d->off)) ||
			    !pb_type_at(b, o, d->alias.idx, d->off, &ty) ||
			    !pb_push(b, &sc.types, sizeof ty, &ty))
				return false;
			continue;
		}
		case CM_DECL_EXPORT:
			break;
		default:
			cmn_fail_at(b->err, d->off, "unexpected declaration in an instance type");
			return false;
		}
		const char *name = d->name.name.s;
		pb_item it = {.sort = d->ext.sort};
		switch (d->ext.sort) {
		case CM_SORT_FUNC: {
			cm_tid ft;
			if (!pb_type_at(b, &sc, d->ext.idx, d->off, &ty) || !pb_functype(b, &ty, d->off, &ft))
				return false;
			cm_plan_func_import fi = {.instance = iname, .name = pb_str(b, name, d->name.name.len),
			                          .type = ft};
			if (!fi.name)
				return false;
			it.u.f = (pb_func){FV_HOST, b->func_imports.n, NULL};
			if (!pb_push(b, &b->func_imports, sizeof fi, &fi))
				return false;
			break;
		}
		case CM_SORT_TYPE:
			if (d->ext.bound == CM_BOUND_SUB_RESOURCE) {
				memset(&ty, 0, sizeof ty);
				ty.kind = TV_VALUE;
				const char *n = pb_str(b, name, d->name.name.len);
				if (!n || !pb_host_resource(b, iname, n, &ty.tid))
					return false;
			} else if (!pb_type_at(b, &sc, d->ext.idx, d->off, &ty)) {
				return false;
			}
			if (!pb_push(b, &sc.types, sizeof ty, &ty))
				return false;
			it.u.t = ty;
			break;
		default:
			cmn_fail_at(b->err, d->off, "a host import of an instance exporting a %s is not supported",
			            cm_sort_name(d->ext.sort));
			return false;
		}
		if (!pb_inst_add(b, in, name, &it))
			return false;
	}
#undef sc
	*ret = in;
	return true;
}
