/*
 * wb_validate.c - module-level validation: types, imports, index spaces,
 * limits, exports, start, segments, constant expressions; then every
 * function body through wb_code.
 */
#include "wb_validate.h"

#include <stdlib.h>
#include <string.h>

#include "wb_code.h"
#include "wb_reader.h"
#include "wb_types.h"

typedef struct validator {
	rt_module *mod;
	wb_features features;
	cmn_error *err;
	wb_code_ctx *code;
	uint8_t *refs; /* bitmap of declared function references (C.refs) */
} validator;

static const char *const kind_names[] = {"function", "table", "memory",
                                         "global", "tag"};

static uint32_t space_size(const rt_module *mod, uint8_t kind)
{
	switch (kind) {
	case RT_EXTERN_FUNC:
		return mod->nfuncs;
	case RT_EXTERN_TABLE:
		return mod->ntables;
	case RT_EXTERN_MEMORY:
		return mod->nmemories;
	case RT_EXTERN_GLOBAL:
		return mod->nglobals;
	default:
		return mod->ntags;
	}
}

static bool check_index(validator *v, uint8_t kind, uint32_t index)
{
	if (index >= space_size(v->mod, kind))
		return cmn_fail(v->err, "unknown %s %u", kind_names[kind],
		                index);
	return true;
}

static bool check_functype_index(validator *v, uint32_t type)
{
	if (type >= v->mod->ntypes)
		return cmn_fail(v->err, "unknown type %u", type);
	if (!wb_type_is_func(v->mod, type))
		return cmn_fail(v->err, "type mismatch: type %u is not a "
		                "function type", type);
	return true;
}

/* ---------------------------------------------------------------------------
 * Limits
 */

static bool check_memory(validator *v, const rt_memtype *m)
{
	const rt_limits *l = &m->limits;
	uint64_t max_pages;

	if (l->page_log2 != 16 && l->page_log2 != 0)
		return cmn_fail(v->err, "invalid custom page size");
	if (l->is64)
		max_pages = l->page_log2 == 16 ? (1ull << 48)
		                               : UINT64_MAX;
	else
		max_pages = l->page_log2 == 16 ? 65536 : 0xFFFFFFFFull;
	if (l->min > max_pages)
		return cmn_fail(v->err, l->is64 ?
		                "memory size must be at most 2^48 pages (256TiB)" :
		                "memory size must be at most 65536 pages (4GiB)");
	if (l->has_max && l->max > max_pages)
		return cmn_fail(v->err, l->is64 ?
		                "memory size must be at most 2^48 pages (256TiB)" :
		                "memory size must be at most 65536 pages (4GiB)");
	if (l->has_max && l->min > l->max)
		return cmn_fail(v->err,
		                "size minimum must not be greater than maximum");
	if (l->shared && !l->has_max)
		return cmn_fail(v->err, "shared memory must have maximum");
	return true;
}

static bool check_table_type(validator *v, const rt_tabletype *t)
{
	const rt_limits *l = &t->limits;

	if (!l->is64 && (l->min > 0xFFFFFFFFull ||
	                 (l->has_max && l->max > 0xFFFFFFFFull)))
		return cmn_fail(v->err, "table size must be at most 2^32-1");
	if (l->has_max && l->min > l->max)
		return cmn_fail(v->err,
		                "size minimum must not be greater than maximum");
	return true;
}

static bool check_tag_type(validator *v, const rt_tag *tag)
{
	if (!check_functype_index(v, tag->type))
		return false;
	if (rt_module_functype(v->mod, tag->type)->nresults != 0)
		return cmn_fail(v->err, "non-empty tag result type");
	return true;
}

/* ---------------------------------------------------------------------------
 * Declared function references
 */

static void mark_ref(validator *v, uint32_t f)
{
	if (f < v->mod->nfuncs)
		v->refs[f / 8] |= (uint8_t)(1u << (f % 8));
}

/* Marks every ref.func of a constant expression that already validated, so
 * it holds only constant instructions. */
static void mark_refs_in_const(validator *v, rt_range expr)
{
	wb_reader r;
	cmn_error scratch;

	wb_reader_init(&r, v->mod->bytes, v->mod->size);
	r.p = v->mod->bytes + expr.off;
	r.end = r.p + expr.len;
	while (!wb_reader_done(&r)) {
		uint8_t op;
		uint32_t u, sub;
		int64_t s;
		const uint8_t *p;

		if (!wb_read_u8(&r, &op, &scratch))
			return;
		switch (op) {
		case 0x41: /* i32.const */
		case 0x42: /* i64.const */
			if (!wb_read_s64(&r, &s, &scratch))
				return;
			break;
		case 0x43:
			if (!wb_read_bytes(&r, 4, &p, &scratch))
				return;
			break;
		case 0x44:
			if (!wb_read_bytes(&r, 8, &p, &scratch))
				return;
			break;
		case 0xD0: /* ref.null ht */
			if (!wb_read_s33(&r, &s, &scratch))
				return;
			break;
		case 0xD2: /* ref.func */
			if (!wb_read_u32(&r, &u, &scratch))
				return;
			mark_ref(v, u);
			break;
		case 0x23: /* global.get */
			if (!wb_read_u32(&r, &u, &scratch))
				return;
			break;
		case 0xFD: /* v128.const */
			if (!wb_read_u32(&r, &sub, &scratch) ||
			    !wb_read_bytes(&r, 16, &p, &scratch))
				return;
			break;
		case 0xFB:
			if (!wb_read_u32(&r, &sub, &scratch))
				return;
			/* struct.new(_default) 0/1, array.new(_default) 6/7
			 * take a type index; array.new_fixed 8 two. */
			if (sub == 0 || sub == 1 || sub == 6 || sub == 7 ||
			    sub == 8) {
				if (!wb_read_u32(&r, &u, &scratch))
					return;
				if (sub == 8 && !wb_read_u32(&r, &u, &scratch))
					return;
			}
			break;
		default: /* end, numeric ops without immediates */
			break;
		}
	}
}

/* ---------------------------------------------------------------------------
 * Module
 */

static int export_name_cmp(const void *a, const void *b)
{
	const rt_export *x = *(const rt_export *const *)a;
	const rt_export *y = *(const rt_export *const *)b;
	uint32_t n = x->name.len < y->name.len ? x->name.len : y->name.len;
	int c = memcmp(x->name.ptr, y->name.ptr, n);

	if (c != 0)
		return c;
	return x->name.len < y->name.len ? -1 : x->name.len > y->name.len;
}

static bool names_unique(validator *v)
{
	rt_module *mod = v->mod;
	const rt_export **sorted;
	uint32_t i;
	bool ok = true;

	sorted = malloc((size_t)mod->nexports * sizeof(*sorted));
	if (sorted == NULL)
		return cmn_fail(v->err, "out of memory");
	for (i = 0; i < mod->nexports; i++)
		sorted[i] = &mod->exports[i];
	qsort(sorted, mod->nexports, sizeof(*sorted), export_name_cmp);
	for (i = 1; i < mod->nexports && ok; i++)
		if (export_name_cmp(&sorted[i - 1], &sorted[i]) == 0)
			ok = cmn_fail(v->err, "duplicate export name");
	free(sorted);
	return ok;
}

static rt_valtype addr_type(bool is64)
{
	return rt_valtype_num(is64 ? RT_I64 : RT_I32);
}

static bool validate_imports(validator *v)
{
	rt_module *mod = v->mod;
	uint32_t i;

	for (i = 0; i < mod->nfuncs_imported; i++)
		if (!check_functype_index(v, mod->funcs[i].type))
			return false;
	for (i = 0; i < mod->ntables_imported; i++)
		if (!check_table_type(v, &mod->tables[i]))
			return false;
	for (i = 0; i < mod->nmemories_imported; i++)
		if (!check_memory(v, &mod->memories[i]))
			return false;
	for (i = 0; i < mod->ntags_imported; i++)
		if (!check_tag_type(v, &mod->tags[i]))
			return false;
	return true;
}

static bool validate_definitions(validator *v)
{
	rt_module *mod = v->mod;
	uint32_t i;

	for (i = mod->nfuncs_imported; i < mod->nfuncs; i++)
		if (!check_functype_index(v, mod->funcs[i].type))
			return false;
	if (mod->ntables > 1 && !(v->features & WB_FEAT_MULTI_TABLE))
		return cmn_fail(v->err, "multiple tables");
	for (i = mod->ntables_imported; i < mod->ntables; i++) {
		rt_tabletype *t = &mod->tables[i];
		if (!check_table_type(v, t))
			return false;
		if (t->has_init) {
			/* Table initialisers see only imported globals. */
			if (!wb_code_validate_const(v->code, t->init, t->elem,
			                            mod->nglobals_imported,
			                            v->err))
				return false;
			mark_refs_in_const(v, t->init);
		} else if (!t->elem.nullable) {
			return cmn_fail(v->err, "type mismatch: non-defaultable "
			                "table element type needs an initializer");
		}
	}
	if (mod->nmemories > 1 && !(v->features & WB_FEAT_MULTI_MEMORY))
		return cmn_fail(v->err, "multiple memories");
	for (i = mod->nmemories_imported; i < mod->nmemories; i++)
		if (!check_memory(v, &mod->memories[i]))
			return false;
	for (i = mod->ntags_imported; i < mod->ntags; i++)
		if (!check_tag_type(v, &mod->tags[i]))
			return false;
	for (i = mod->nglobals_imported; i < mod->nglobals; i++) {
		rt_globaltype *g = &mod->globals[i];
		if (!wb_code_validate_const(v->code, g->init, g->type, i,
		                            v->err))
			return false;
		mark_refs_in_const(v, g->init);
	}
	return true;
}

static bool validate_exports(validator *v)
{
	rt_module *mod = v->mod;
	uint32_t i;

	for (i = 0; i < mod->nexports; i++) {
		rt_export *ex = &mod->exports[i];
		if (!check_index(v, ex->kind, ex->index))
			return false;
		if (ex->kind == RT_EXTERN_FUNC)
			mark_ref(v, ex->index);
	}
	return names_unique(v);
}

static bool validate_start(validator *v)
{
	const rt_functype *ft;

	if (v->mod->start == RT_NO_START)
		return true;
	if (!check_index(v, RT_EXTERN_FUNC, v->mod->start))
		return false;
	ft = rt_module_functype(v->mod, v->mod->funcs[v->mod->start].type);
	if (ft->nparams != 0 || ft->nresults != 0)
		return cmn_fail(v->err, "start function");
	return true;
}

static bool validate_elems(validator *v)
{
	rt_module *mod = v->mod;
	uint32_t i, k;

	for (i = 0; i < mod->nelems; i++) {
		rt_elem *e = &mod->elems[i];
		if (e->mode == RT_SEG_ACTIVE) {
			rt_tabletype *t;
			if (!check_index(v, RT_EXTERN_TABLE, e->table))
				return false;
			t = &mod->tables[e->table];
			if (!wb_code_validate_const(v->code, e->offset,
			                            addr_type(t->limits.is64),
			                            mod->nglobals, v->err))
				return false;
			if (!wb_val_match(mod, e->type, t->elem))
				return cmn_fail(v->err, "type mismatch");
		}
		for (k = 0; k < e->count; k++) {
			if (e->funcs != NULL) {
				if (!check_index(v, RT_EXTERN_FUNC, e->funcs[k]))
					return false;
				mark_ref(v, e->funcs[k]);
			} else {
				if (!wb_code_validate_const(v->code,
				                            e->exprs[k], e->type,
				                            mod->nglobals, v->err))
					return false;
				mark_refs_in_const(v, e->exprs[k]);
			}
		}
	}
	return true;
}

static bool validate_datas(validator *v)
{
	rt_module *mod = v->mod;
	uint32_t i;

	for (i = 0; i < mod->ndatas; i++) {
		rt_data *d = &mod->datas[i];
		if (d->mode != RT_SEG_ACTIVE)
			continue;
		if (!check_index(v, RT_EXTERN_MEMORY, d->memory))
			return false;
		if (!wb_code_validate_const(
			    v->code, d->offset,
			    addr_type(mod->memories[d->memory].limits.is64),
			    mod->nglobals, v->err))
			return false;
	}
	return true;
}

static bool validate_bodies(validator *v)
{
	uint32_t i;

	for (i = v->mod->nfuncs_imported; i < v->mod->nfuncs; i++)
		if (!wb_code_validate_func(v->code, i, v->err))
			return false;
	return true;
}

bool wb_validate(rt_module *mod, wb_features features, cmn_error *err)
{
	cmn_error local_err;
	validator v = {0};
	bool ok = false;

	if (err == NULL)
		err = &local_err;
	v.mod = mod;
	v.features = features;
	v.err = err;
	v.refs = calloc((size_t)mod->nfuncs / 8 + 1, 1);
	if (v.refs == NULL)
		return cmn_fail(err, "out of memory");
	if (!wb_types_validate(mod, err))
		goto out_refs;
	v.code = wb_code_ctx_new(mod, features, v.refs);
	if (v.code == NULL) {
		cmn_fail(err, "out of memory");
		goto out_refs;
	}
	ok = validate_imports(&v) && validate_definitions(&v) &&
	     validate_exports(&v) && validate_start(&v) &&
	     validate_elems(&v) && validate_datas(&v) && validate_bodies(&v);
	wb_code_ctx_free(v.code);
out_refs:
	free(v.refs);
	return ok;
}
