/*
 * cw_component.c - the compile worker's component path: decode and
 * validate the component (component/cm_decode.h, cm_validate.h), flatten
 * it into an instantiation plan (cm_plan.h), compile each core
 * module the plan names with the jit, and answer with one container
 * artifact (runtime/rt_container.h: the serialised plan and the core
 * artifacts) and the component's imports, exports and types
 * (wasmc.v1.ComponentInfo, from the plan: the names and types the exec
 * worker and the client will use).
 */
#include "cw_component.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cm_decode.h"
#include "cm_plan.h"
#include "cm_validate.h"
#include "jit.h"
#include "rt_container.h"
#include "wb_const.h"
#include "wb_decode.h"
#include "wb_validate.h"

/* One core module of the plan compiled into a whole artifact. */
static bool compile_core(const uint8_t *bytes, size_t len, const jit_options *opt,
                         uint8_t **ret_art, size_t *ret_len, Wasmc__V1__ErrorCode *ret_code,
                         cmn_error *err)
{
	const wb_features feat = WB_FEAT_DEFAULT;
	rt_module *mod = NULL;
	rt_image *img = NULL;
	rt_consts consts;
	bool ok = false;
	*ret_code = WASMC__V1__ERROR_CODE__COMPILE_FAILED;
	if (!wb_decode(bytes, len, feat, &mod, err) || !wb_validate(mod, feat, err)) {
		*ret_code = WASMC__V1__ERROR_CODE__INVALID_MODULE;
		goto free_mod;
	}
	if (!wb_const_lower_module(mod, &consts, err) || !jit_compile(mod, feat, opt, &img, err)) {
		if (strstr(err->msg, "unsupported"))
			*ret_code = WASMC__V1__ERROR_CODE__UNSUPPORTED;
		goto free_mod;
	}
	ok = rt_artifact_build(mod, &consts, img, NULL, 0, ret_art, ret_len, err);
	rt_image_free(img);
free_mod:
	rt_module_free(mod);
	return ok;
}

/* The plan's imports, exports and types as protocol messages, allocated
 * in `a`. */
static bool describe(cmn_arena *a, const cm_plan *p, Wasmc__V1__ComponentInfo *info)
{
	uint32_t nt = cm_types_count(p->types);
	info->n_types = nt;
	info->types = cmn_arena_alloc(a, nt ? nt : 1, sizeof *info->types);
	Wasmc__V1__CType *ts = cmn_arena_alloc(a, nt ? nt : 1, sizeof *ts);
	if (!info->types || !ts)
		return false;
	for (uint32_t i = 0; i < nt; i++) {
		const cm_type *t = cm_types_get(p->types, CM_TID_FIRST + i);
		Wasmc__V1__CType *c = &ts[i];
		wasmc__v1__ctype__init(c);
		c->kind = (Wasmc__V1__CKind)t->kind;
		c->elem = t->elem;
		c->err = t->err;
		c->fixed_len = t->fixed_len;
		c->resource_id = t->resource_id;
		for (int part = 0; part < 2; part++) {
			uint32_t n = part ? t->nresults : t->n;
			const cm_case *src = part ? t->results : t->cases;
			Wasmc__V1__CCase **dst = cmn_arena_alloc(a, n ? n : 1, sizeof *dst);
			Wasmc__V1__CCase *cs = cmn_arena_alloc(a, n ? n : 1, sizeof *cs);
			if (!dst || !cs)
				return false;
			for (uint32_t k = 0; k < n; k++) {
				wasmc__v1__ccase__init(&cs[k]);
				cs[k].name = (char *)(src[k].name ? src[k].name : "");
				cs[k].type = src[k].type;
				dst[k] = &cs[k];
			}
			if (part) {
				c->n_results = n;
				c->results = dst;
			} else {
				c->n_cases = n;
				c->cases = dst;
			}
		}
		c->name = "";
		if (t->kind == CM_RESOURCE) {
			for (uint32_t k = 0; k < p->nresource_imports; k++)
				if (p->resource_imports[k].resource == t->resource_id)
					c->name = (char *)p->resource_imports[k].name;
			for (uint32_t k = 0; k < p->ntype_exports; k++)
				if (p->type_exports[k].resource == t->resource_id)
					c->name = (char *)p->type_exports[k].name;
		}
		info->types[i] = c;
	}
	/* Resource types by resource index, for the items below. */
	cm_tid *rtid = cmn_arena_alloc(a, p->nresources + 1, sizeof *rtid);
	if (!rtid)
		return false;
	for (uint32_t r = 0; r <= p->nresources; r++)
		rtid[r] = CM_TID_NONE;
	for (uint32_t i = 0; i < nt; i++) {
		const cm_type *t = cm_types_get(p->types, CM_TID_FIRST + i);
		if (t->kind == CM_RESOURCE && t->resource_id < p->nresources &&
		    rtid[t->resource_id] == CM_TID_NONE)
			rtid[t->resource_id] = CM_TID_FIRST + i;
	}
	size_t ni = (size_t)p->nfunc_imports + p->nresource_imports;
	size_t ne = (size_t)p->nexports + p->ntype_exports;
	Wasmc__V1__CItem *items = cmn_arena_alloc(a, ni + ne + 1, sizeof *items);
	info->imports = cmn_arena_alloc(a, ni + 1, sizeof *info->imports);
	info->exports = cmn_arena_alloc(a, ne + 1, sizeof *info->exports);
	if (!items || !info->imports || !info->exports)
		return false;
	size_t k = 0;
	for (uint32_t i = 0; i < p->nfunc_imports; i++, k++) {
		wasmc__v1__citem__init(&items[k]);
		items[k].instance = (char *)p->func_imports[i].instance;
		items[k].name = (char *)p->func_imports[i].name;
		items[k].kind = WASMC__V1__CITEM_KIND__CITEM_FUNC;
		items[k].type = p->func_imports[i].type;
		info->imports[info->n_imports++] = &items[k];
	}
	for (uint32_t i = 0; i < p->nresource_imports; i++, k++) {
		wasmc__v1__citem__init(&items[k]);
		items[k].instance = (char *)p->resource_imports[i].instance;
		items[k].name = (char *)p->resource_imports[i].name;
		items[k].kind = WASMC__V1__CITEM_KIND__CITEM_RESOURCE;
		uint32_t r = p->resource_imports[i].resource;
		items[k].type = r < p->nresources ? rtid[r] : CM_TID_NONE;
		info->imports[info->n_imports++] = &items[k];
	}
	for (uint32_t i = 0; i < p->nexports; i++, k++) {
		wasmc__v1__citem__init(&items[k]);
		items[k].instance = (char *)p->exports[i].instance;
		items[k].name = (char *)p->exports[i].name;
		items[k].kind = WASMC__V1__CITEM_KIND__CITEM_FUNC;
		uint32_t l = p->exports[i].lift;
		items[k].type = l < p->nlifts ? p->lifts[l].type : CM_TID_NONE;
		info->exports[info->n_exports++] = &items[k];
	}
	for (uint32_t i = 0; i < p->ntype_exports; i++, k++) {
		wasmc__v1__citem__init(&items[k]);
		items[k].instance = (char *)p->type_exports[i].instance;
		items[k].name = (char *)p->type_exports[i].name;
		items[k].kind = WASMC__V1__CITEM_KIND__CITEM_RESOURCE;
		uint32_t r = p->type_exports[i].resource;
		items[k].type = r < p->nresources ? rtid[r] : CM_TID_NONE;
		info->exports[info->n_exports++] = &items[k];
	}
	for (size_t i = 0; i < info->n_imports + info->n_exports; i++) {
		Wasmc__V1__CItem *it = i < info->n_imports ? info->imports[i]
		                                           : info->exports[i - info->n_imports];
		if (!it->instance)
			it->instance = "";
		if (!it->name)
			it->name = "";
	}
	return true;
}

/* Structural equality of type `ta` of table `a` and `tb` of table `b`
 * (the validator's and the plan's: two tables, one component). Resources
 * have no structure to compare: never equal here. */
static bool same_type(const cm_types *a, cm_tid ta, const cm_types *b, cm_tid tb, int depth)
{
	if (ta == CM_TID_NONE || tb == CM_TID_NONE || cm_tid_is_primitive(ta) ||
	    cm_tid_is_primitive(tb))
		return ta == tb;
	const cm_type *x = cm_types_get(a, ta), *y = cm_types_get(b, tb);
	if (depth > 64 || !x || !y || x->kind != y->kind || x->n != y->n ||
	    x->nresults != y->nresults || x->fixed_len != y->fixed_len || x->kind == CM_RESOURCE)
		return false;
	for (uint32_t i = 0; i < x->n; i++) {
		const char *na = x->cases[i].name, *nb = y->cases[i].name;
		if ((na == NULL) != (nb == NULL) || (na && strcmp(na, nb) != 0) ||
		    !same_type(a, x->cases[i].type, b, y->cases[i].type, depth + 1))
			return false;
	}
	for (uint32_t i = 0; i < x->nresults; i++)
		if (!same_type(a, x->results[i].type, b, y->results[i].type, depth + 1))
			return false;
	return same_type(a, x->elem, b, y->elem, depth + 1) &&
	       same_type(a, x->err, b, y->err, depth + 1);
}

/* Appends to `list` (the info's imports or exports) an item CITEM_TYPE for
 * each named value type among `ext` (and inside its instances) that the
 * plan's types contain: so a client can name them (WIT's `record rec`). */
static bool add_type_items(cmn_arena *a, const cm_validated *v, const cm_plan *p,
                           const cm_extern_info *ext, uint32_t n, const char *instance,
                           Wasmc__V1__CItem ***list, size_t *count)
{
	for (uint32_t i = 0; i < n; i++) {
		const cm_extern_info *e = &ext[i];
		if (e->sort == CM_SORT_INSTANCE && !instance) {
			if (!add_type_items(a, v, p, e->items, e->n, e->name, list, count))
				return false;
			continue;
		}
		const cm_type *t = cm_types_get(v->types, e->type);
		if (e->sort != CM_SORT_TYPE || !t || cm_tid_is_primitive(e->type) ||
		    t->kind == CM_RESOURCE)
			continue;
		cm_tid found = CM_TID_NONE;
		for (uint32_t k = 0; k < cm_types_count(p->types) && found == CM_TID_NONE; k++)
			if (same_type(v->types, e->type, p->types, CM_TID_FIRST + k, 0))
				found = CM_TID_FIRST + k;
		if (found == CM_TID_NONE)
			continue; /* no function uses it */
		Wasmc__V1__CItem *it = cmn_arena_alloc(a, 1, sizeof *it);
		Wasmc__V1__CItem **grown = cmn_arena_alloc(a, *count + 1, sizeof *grown);
		/* names are copied: `v` is freed before the reply is sent */
		const char *inst = instance ? instance : "";
		char *iname = cmn_arena_alloc(a, strlen(inst) + 1, 1);
		char *name = cmn_arena_alloc(a, strlen(e->name) + 1, 1);
		if (!it || !grown || !iname || !name)
			return false;
		memcpy(iname, inst, strlen(inst) + 1);
		memcpy(name, e->name, strlen(e->name) + 1);
		wasmc__v1__citem__init(it);
		it->instance = iname;
		it->name = name;
		it->kind = WASMC__V1__CITEM_KIND__CITEM_TYPE;
		it->type = found;
		memcpy(grown, *list, *count * sizeof *grown);
		grown[(*count)++] = it;
		*list = grown;
	}
	return true;
}

bool cw_compile_component(const uint8_t *bytes, size_t len, const jit_options *opt,
                          cw_component_result *ret, cmn_error *err)
{
	cm_component *c = NULL;
	cm_validated *v = NULL;
	cm_plan *p = NULL;
	uint8_t *plan_bytes = NULL;
	size_t plan_len = 0;
	uint8_t **arts = NULL;
	size_t *lens = NULL;
	uint32_t narts = 0;
	char *fp = NULL;
	bool ok = false;
	memset(ret, 0, sizeof *ret);
	ret->code = WASMC__V1__ERROR_CODE__INVALID_MODULE;
	if (!cm_decode(bytes, len, &c, err) || !cm_validate(c, &v, err))
		goto out;
	ret->code = WASMC__V1__ERROR_CODE__UNSUPPORTED;
	if (!cm_plan_build(c, &p, err))
		goto out;
	ret->code = WASMC__V1__ERROR_CODE__COMPILE_FAILED;
	narts = p->nmodules;
	arts = calloc(p->nmodules + 1, sizeof *arts);
	lens = calloc(p->nmodules + 1, sizeof *lens);
	if (!arts || !lens) {
		cmn_fail(err, "out of memory");
		goto out;
	}
	for (uint32_t i = 0; i < p->nmodules; i++) {
		Wasmc__V1__ErrorCode code;
		if (!compile_core(p->modules[i].bytes, p->modules[i].size, opt, &arts[i], &lens[i],
		                  &code, err)) {
			char msg[CMN_ERROR_MSG_MAX];
			snprintf(msg, sizeof msg, "%s", err->msg);
			cmn_fail(err, "core module %u: %s", i, msg);
			ret->code = code;
			goto out;
		}
	}
	fp = jit_fingerprint(opt);
	if (!fp || !cm_plan_serialize(p, &plan_bytes, &plan_len)) {
		cmn_fail(err, "out of memory");
		goto out;
	}
	if (!rt_container_build(fp, plan_bytes, plan_len, (const uint8_t *const *)arts, lens,
	                        p->nmodules, &ret->artifact, &ret->artifact_len, err))
		goto out;
	wasmc__v1__component_info__init(&ret->info);
	if (!describe(&ret->arena, p, &ret->info) ||
	    !add_type_items(&ret->arena, v, p, v->imports, v->nimports, NULL, &ret->info.imports,
	                    &ret->info.n_imports) ||
	    !add_type_items(&ret->arena, v, p, v->exports, v->nexports, NULL, &ret->info.exports,
	                    &ret->info.n_exports)) {
		cmn_fail(err, "out of memory");
		goto out;
	}
	ret->fingerprint = fp;
	fp = NULL;
	ret->plan = p;
	p = NULL;
	ret->code = WASMC__V1__ERROR_CODE__ERROR_NONE;
	ok = true;
out:
	for (uint32_t i = 0; arts && i < narts; i++)
		free(arts[i]);
	free(arts);
	free(lens);
	free(plan_bytes);
	free(fp);
	cm_plan_free(p);
	cm_validated_free(v);
	cm_component_free(c);
	return ok;
}

void cw_component_result_free(cw_component_result *r)
{
	free(r->artifact);
	free(r->fingerprint);
	cm_plan_free(r->plan);
	cmn_arena_free(&r->arena);
	memset(r, 0, sizeof *r);
}
