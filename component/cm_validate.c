/*
 * cm_validate.c - the component validator's walk over a component's
 * definitions (cm_validate.h): index spaces in order, nested components,
 * instantiation, imports and exports.
 */
#include "cm_validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cm_validate_int.h"

bool cm_v_out(cm_vstate *s, const vt_ext_list *imports, const vt_ext_list *exports);

static bool validate_component(cm_vstate *s, scope *parent, const cm_component *c, vt **ret);
static vt *confer_names(cm_vstate *s, vt *inst, unsigned depth);

static const vt_ext *find_ext(const vt_ext *v, uint32_t n, const char *name)
{
	for (uint32_t i = 0; i < n; i++)
		if (strcmp(v[i].name, name) == 0)
			return &v[i];
	return NULL;
}

/* Resources of `expected` (an import's type) listed in `rids`, mapped to
 * those at the same place in `actual`. */
static bool map_arg(cm_vstate *s, rid_map *m, const vt *expected, const vt *actual, const uint32_t *rids,
                    uint32_t n, unsigned depth)
{
	if (!expected || !actual || depth > 100)
		return true;
	if (expected->kind == VT_RESOURCE) {
		for (uint32_t k = 0; k < n; k++)
			if (rids[k] == expected->rid && actual->kind == VT_RESOURCE)
				return rid_map_add(s, m, expected->rid, (vt *)actual);
		return true;
	}
	if (expected->kind == VT_INSTANCE && actual->kind == VT_INSTANCE) {
		for (uint32_t i = 0; i < expected->nexports; i++) {
			const vt_ext *y = find_ext(actual->exports, actual->nexports, expected->exports[i].name);
			if (y && y->sort == expected->exports[i].sort &&
			    !map_arg(s, m, expected->exports[i].t, y->t, rids, n, depth + 1))
				return false;
		}
	}
	return true;
}

static bool instantiate(cm_vstate *s, scope *sc, const cm_instance_def *in, size_t off)
{
	vt *ct = space_get(s, sc, CM_SORT_COMPONENT, in->target, off);
	if (!ct)
		return false;
	vt **args = cmn_arena_alloc(&s->arena, in->n + 1, sizeof(vt *));
	if (!args)
		return cmn_fail(s->err, "out of memory");
	for (uint32_t i = 0; i < in->n; i++) {
		const cm_instarg *a = &in->args[i];
		for (uint32_t j = 0; j < i; j++)
			if (strcmp(in->args[j].name.s, a->name.s) == 0)
				return cmn_fail_at(s->err, a->off, "instantiation argument `%s` conflicts with previous argument `%s`",
				                   a->name.s, in->args[j].name.s);
		if (!(args[i] = space_get(s, sc, a->item.sort, a->item.idx, a->off)))
			return false;
	}
	rid_map m = {0};
	for (uint32_t i = 0; i < ct->nimports; i++) {
		const vt_ext *im = &ct->imports[i];
		uint32_t k = 0;
		while (k < in->n && strcmp(in->args[k].name.s, im->name) != 0)
			k++;
		if (k == in->n)
			return cmn_fail_at(s->err, off, "missing import named `%s`", im->name);
		if (in->args[k].item.sort != im->sort)
			return cmn_fail_at(s->err, in->args[k].off, "expected %s, found %s", cm_sort_name((cm_sort)im->sort),
			                   cm_sort_name((cm_sort)in->args[k].item.sort));
		if (!map_arg(s, &m, im->t, args[k], ct->res_in, ct->nres_in, 0))
			return false;
		vt *want = vt_subst(s, im->t, &m);
		if (!want)
			return false;
		if (im->sort == CM_SORT_TYPE && want->kind == VT_RESOURCE && args[k]->kind != VT_RESOURCE)
			return cmn_fail_at(s->err, in->args[k].off, "expected resource, found defined type");
		if (!vt_sub(s, args[k], want, in->args[k].off)) {
			char tail[CMN_ERROR_MSG_MAX];
			snprintf(tail, sizeof tail, "%s", s->err->msg);
			return cmn_fail_at(s->err, in->args[k].off, "%s (type mismatch for instantiation argument `%s`)",
			                   tail, im->name);
		}
		/* the supplied type replaces a type import from here on */
		if (im->sort == CM_SORT_TYPE && im->t->kind != VT_RESOURCE && !ptr_map_add(s, &m, im->t, args[k]))
			return false;
	}
	if (!rid_map_fresh(s, &m, ct->res_out, ct->nres_out, ct))
		return false;
	vt *inst = vt_new(s, VT_INSTANCE);
	if (!inst)
		return false;
	inst->nexports = ct->nexports;
	inst->exports = cmn_arena_alloc(&s->arena, ct->nexports + 1, sizeof(vt_ext));
	if (!inst->exports)
		return cmn_fail(s->err, "out of memory");
	for (uint32_t i = 0; i < ct->nexports; i++) {
		inst->exports[i] = ct->exports[i];
		if (!(inst->exports[i].t = vt_subst(s, ct->exports[i].t, &m)))
			return false;
	}
	vt_finish(inst);
	return space_add(s, sc, CM_SORT_INSTANCE, inst);
}

static bool inline_instance(cm_vstate *s, scope *sc, const cm_instance_def *in)
{
	vt_ext_list exps = {0};
	name_set names = {0};
	for (uint32_t i = 0; i < in->n; i++) {
		const cm_inline_export *e = &in->exports[i];
		parsed_name pn;
		if (!cm_v_extname(s, &e->name, false, &pn) ||
		    !name_set_add(s, &names, e->name.name.s, "export", e->off))
			return false;
		if (e->item.sort <= CM_SORT_CORE_INSTANCE && e->item.sort != CM_SORT_CORE_MODULE)
			return cmn_fail_at(s->err, e->off, "%s not valid to be used as export", cm_sort_name((cm_sort)e->item.sort));
		vt *t = space_get(s, sc, e->item.sort, e->item.idx, e->off);
		if (!t)
			return false;
		if (e->item.sort == CM_SORT_TYPE) {
			/* an exported type is a new type index (same resource) */
			vt *c = vt_new(s, t->kind);
			if (!c)
				return false;
			uint32_t id = c->scope;
			*c = *t;
			c->scope = id;
			c->named = t->named;
			t = c;
		}
		vt_ext x = {.name = e->name.name.s, .sort = e->item.sort, .t = t};
		if (!cm_v_implements_sort(s, &e->name, x.sort) || !cm_v_name_func_rules(s, &exps, &pn, x.sort, t, e->off) || !ext_push(s, &exps, x))
			return false;
	}
	vt *inst = vt_new(s, VT_INSTANCE);
	if (!inst)
		return false;
	inst->nexports = exps.n;
	inst->exports = exps.v;
	vt_finish(inst);
	return space_add(s, sc, CM_SORT_INSTANCE, inst);
}

static bool add_import_resources(cm_vstate *s, scope *sc, const vt_ext *e, const cm_externtype *ext)
{
	if (ext->sort == CM_SORT_TYPE && ext->bound == CM_BOUND_SUB_RESOURCE)
		return u32_push(s, &sc->res_in, e->t->rid);
	if (e->sort == CM_SORT_INSTANCE)
		for (uint32_t k = 0; k < e->t->nres_out; k++)
			if (!u32_push(s, &sc->res_in, e->t->res_out[k]))
				return false;
	return true;
}

static bool import_def(cm_vstate *s, scope *sc, const cm_def *d)
{
	const cm_import *im = &d->u.import;
	parsed_name pn;
	vt_ext e;
	if (!cm_v_extname(s, &im->name, true, &pn) ||
	    !name_set_add(s, &sc->import_names, im->name.name.s, "import", im->name.off) ||
	    !cm_v_externtype(s, sc, &im->ext, im->name.name.s, &e, true))
		return false;
	if (!cm_v_implements_sort(s, &im->name, e.sort))
		return false;
	if (!cm_v_name_func_rules(s, &sc->imports, &pn, e.sort, e.t, im->name.off) ||
	    !cm_v_visible(s, sc, e.sort, e.t, true, d->off) || !ext_push(s, &sc->imports, e) ||
	    !space_add(s, sc, e.sort, e.t))
		return false;
	return add_import_resources(s, sc, &e, &im->ext);
}

static bool export_def(cm_vstate *s, scope *sc, const cm_def *d)
{
	const cm_export *ex = &d->u.export;
	parsed_name pn;
	if (!cm_v_extname(s, &ex->name, false, &pn) ||
	    !name_set_add(s, &sc->export_names, ex->name.name.s, "export", ex->name.off))
		return false;
	uint8_t sort = ex->item.sort;
	if (sort <= CM_SORT_CORE_INSTANCE && sort != CM_SORT_CORE_MODULE)
		return cmn_fail_at(s->err, d->off, "%s not valid to be used as export", cm_sort_name((cm_sort)sort));
	vt *t = space_get(s, sc, sort, ex->item.idx, d->off);
	if (!t)
		return false;
	if (!cm_v_implements_sort(s, &ex->name, sort))
		return false;
	if (ex->has_ext) {
		vt_ext asc;
		if (ex->ext.sort != sort)
			return cmn_fail_at(s->err, ex->ext.off, "ascribed type of export is not compatible: expected %s, found %s",
			                   cm_sort_name((cm_sort)ex->ext.sort), cm_sort_name((cm_sort)sort));
		if (!cm_v_externtype(s, sc, &ex->ext, ex->name.name.s, &asc, false))
			return false;
		if (sort == CM_SORT_TYPE && ex->ext.bound == CM_BOUND_SUB_RESOURCE) {
			if (t->kind != VT_RESOURCE)
				return cmn_fail_at(s->err, ex->ext.off, "ascribed type of export is not compatible: expected resource, found defined type");
			/* asc.t: a fresh abstract resource, unequal to the item's */
		} else if (!vt_sub(s, t, asc.t, ex->ext.off)) {
			char tail[CMN_ERROR_MSG_MAX];
			snprintf(tail, sizeof tail, "%s", s->err->msg);
			return cmn_fail_at(s->err, ex->ext.off, "ascribed type of export is not compatible with item's type: %s", tail);
		}
		t = asc.t;
	}
	if (sort == CM_SORT_TYPE) {
		vt *c = vt_new(s, t->kind);
		if (!c)
			return false;
		uint32_t id = c->scope;
		*c = *t;
		c->scope = id;
		c->named = NAMED_EXPORT;
		if (c->kind == VT_RESOURCE && !c->res_name)
			c->res_name = ex->name.name.s;
		t = c;
	}
	vt_ext e = {.name = ex->name.name.s, .sort = sort, .t = t};
	if (!cm_v_name_func_rules(s, &sc->exports, &pn, sort, t, ex->name.off) || !cm_v_visible(s, sc, sort, t, false, d->off))
		return false;
	if (sort == CM_SORT_INSTANCE && !(e.t = t = confer_names(s, t, 0)))
		return false;
	return ext_push(s, &sc->exports, e) && space_add(s, sc, sort, t);
}

/* Exporting an instance gives a name to the types it exports: the
 * exported instance is a new one whose type exports are named here, so
 * aliases out of it may appear in exported functions (aliases out of the
 * original may not). */
static vt *confer_names(cm_vstate *s, vt *inst, unsigned depth)
{
	if (depth > 50)
		return inst;
	vt *c = vt_new(s, VT_INSTANCE);
	if (!c)
		return NULL;
	uint32_t id = c->scope;
	bool in_type = c->in_type;
	*c = *inst;
	c->scope = id;
	c->in_type = in_type;
	c->exports = cmn_arena_alloc(&s->arena, inst->nexports + 1, sizeof(vt_ext));
	if (!c->exports) {
		cmn_fail(s->err, "out of memory");
		return NULL;
	}
	for (uint32_t i = 0; i < inst->nexports; i++) {
		vt_ext e = inst->exports[i];
		if (e.sort == CM_SORT_INSTANCE) {
			if (!(e.t = confer_names(s, e.t, depth + 1)))
				return NULL;
		} else if (e.sort == CM_SORT_TYPE && (vt_is_defined(e.t) || e.t->kind == VT_RESOURCE)) {
			vt *n = vt_new(s, e.t->kind);
			if (!n)
				return NULL;
			*n = *e.t;
			n->scope = id;
			n->in_type = in_type;
			n->named = NAMED_EXPORT;
			e.t = n;
		}
		c->exports[i] = e;
	}
	return c;
}

static void collect_out(const vt *t, const u32_list *in, u32_list *out, cm_vstate *s, unsigned depth)
{
	if (!t || !t->has_res || depth > 100)
		return;
	if (t->kind == VT_RESOURCE) {
		for (uint32_t i = 0; i < in->n; i++)
			if (in->v[i] == t->rid)
				return;
		for (uint32_t i = 0; i < out->n; i++)
			if (out->v[i] == t->rid)
				return;
		u32_push(s, out, t->rid);
		return;
	}
	for (uint32_t i = 0; i < t->n; i++)
		collect_out(t->f[i].t, in, out, s, depth + 1);
	collect_out(t->a, in, out, s, depth + 1);
	collect_out(t->b, in, out, s, depth + 1);
	for (uint32_t i = 0; i < t->nexports; i++)
		collect_out(t->exports[i].t, in, out, s, depth + 1);
}

static bool validate_component(cm_vstate *s, scope *parent, const cm_component *c, vt **ret)
{
	scope sc;
	cm_v_scope_init(s, &sc, parent, SCOPE_COMPONENT);
	uint32_t saved = s->cur_scope;
	bool saved_in_type = s->cur_in_type;
	s->cur_scope = sc.id;
	s->cur_in_type = false;
	bool ok = true;
	for (uint32_t i = 0; ok && i < c->ndefs; i++) {
		const cm_def *d = &c->defs[i];
		switch (d->kind) {
		case CM_DEF_CORE_MODULE:
			ok = cm_v_core_module(s, &sc, s->top, d);
			break;
		case CM_DEF_CORE_INSTANCE:
			ok = cm_v_core_instance(s, &sc, &d->u.inst, d->off);
			break;
		case CM_DEF_CORE_TYPE: {
			vt *t;
			ok = cm_v_core_type(s, &sc, d->u.core_type, &t) && space_add(s, &sc, CM_SORT_CORE_TYPE, t);
			break;
		}
		case CM_DEF_COMPONENT: {
			vt *t;
			ok = validate_component(s, &sc, d->u.component, &t) && space_add(s, &sc, CM_SORT_COMPONENT, t);
			break;
		}
		case CM_DEF_INSTANCE:
			ok = d->u.inst.instantiate ? instantiate(s, &sc, &d->u.inst, d->off)
			                           : inline_instance(s, &sc, &d->u.inst);
			break;
		case CM_DEF_ALIAS:
			ok = cm_v_alias(s, &sc, &d->u.alias, false);
			break;
		case CM_DEF_TYPE: {
			vt *t;
			ok = cm_v_deftype(s, &sc, d->u.type, &t) && space_add(s, &sc, CM_SORT_TYPE, t);
			break;
		}
		case CM_DEF_CANON:
			ok = cm_v_canon(s, &sc, &d->u.canon);
			break;
		case CM_DEF_START: {
			vt *f = space_get(s, &sc, CM_SORT_FUNC, d->u.start.func, d->off);
			ok = f != NULL;
			for (uint32_t k = 0; ok && k < d->u.start.nargs; k++)
				ok = space_get(s, &sc, CM_SORT_VALUE, d->u.start.args[k], d->off) != NULL;
			if (ok && f->kind == VT_FUNC && (f->n != d->u.start.nargs || (f->a ? 1u : 0u) != d->u.start.nresults))
				ok = cmn_fail_at(s->err, d->off, "component start function has a mismatched signature");
			break;
		}
		case CM_DEF_IMPORT:
			ok = import_def(s, &sc, d);
			break;
		case CM_DEF_EXPORT:
			ok = export_def(s, &sc, d);
			break;
		}
	}
	s->cur_scope = saved;
	s->cur_in_type = saved_in_type;
	if (!ok)
		return false;
	if (!parent && s->out && !cm_v_out(s, &sc.imports, &sc.exports))
		return false;
	vt *t = vt_new(s, VT_COMPONENT);
	if (!t)
		return false;
	t->nimports = sc.imports.n;
	t->imports = sc.imports.v;
	t->nexports = sc.exports.n;
	t->exports = sc.exports.v;
	t->nres_in = sc.res_in.n;
	t->res_in = sc.res_in.v;
	u32_list out = {0};
	for (uint32_t i = 0; i < sc.exports.n; i++)
		collect_out(sc.exports.v[i].t, &sc.res_in, &out, s, 0);
	t->nres_out = out.n;
	t->res_out = out.v;
	vt_finish(t);
	*ret = t;
	return true;
}

bool cm_validate(const cm_component *c, cm_validated **ret_info, cmn_error *err)
{
	cmn_error scratch;
	cm_vstate s = {.err = err ? err : &scratch, .top = c};
	cm_validated *out = NULL;
	if (ret_info) {
		out = calloc(1, sizeof *out);
		if (!out)
			return cmn_fail(err, "out of memory");
		out->arena = calloc(1, sizeof(cmn_arena));
		out->types = cm_types_new();
		if (!out->arena || !out->types) {
			cm_validated_free(out);
			return cmn_fail(err, "out of memory");
		}
		s.out = out;
	}
	vt *t;
	bool ok = validate_component(&s, NULL, c, &t);
	cmn_arena_free(&s.arena);
	if (!ok) {
		cm_validated_free(out);
		return false;
	}
	if (ret_info)
		*ret_info = out;
	return true;
}

void cm_validated_free(cm_validated *v)
{
	if (!v)
		return;
	cm_types_free(v->types);
	if (v->arena) {
		cmn_arena_free(v->arena);
		free(v->arena);
	}
	free(v);
}
