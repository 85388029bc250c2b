/*
 * cm_decode_types.c - the component decoder's types: value types, defined
 * types, function, component, instance and resource types, and core types
 * (function and GC types, module types).
 */
#include <string.h>

#include "cm_decode_int.h"
#include "cm_type.h"
#include "rt_module.h"
#include "rt_types.h"

static bool prim_code(uint8_t b, uint32_t *ret)
{
	if (b >= 0x73 && b <= 0x7f) {
		*ret = CM_BOOL + (uint32_t)(0x7f - b); /* 0x7f bool ... 0x73 string */
		return true;
	}
	if (b == 0x64) {
		*ret = CM_VT_ERROR_CONTEXT;
		return true;
	}
	return false;
}

bool cm_dec_valtype(cm_dec *d, wb_reader *r, cm_valtype *ret)
{
	size_t off = wb_reader_offset(r);
	if (wb_reader_done(r))
		return cmn_fail_at(d->err, off, CM_EOF_MSG);
	uint8_t b = *r->p;
	if (prim_code(b, &ret->v)) {
		r->p++;
		ret->is_index = false;
		return true;
	}
	if (b >= 0x40 && b < 0x80)
		return cm_rd_bad_byte(d->err, off, b, "component value type");
	ret->is_index = true;
	return wb_read_u32(r, &ret->v, d->err);
}

static bool dec_opt_valtype(cm_dec *d, wb_reader *r, bool *has, cm_valtype *ret, const char *what)
{
	uint8_t b;
	size_t off = wb_reader_offset(r);
	if (!wb_read_u8(r, &b, d->err))
		return false;
	if (b == 0x00) {
		*has = false;
		return true;
	}
	if (b != 0x01)
		return cm_rd_bad_byte(d->err, off, b, what);
	*has = true;
	return cm_dec_valtype(d, r, ret);
}

static bool dec_labels(cm_dec *d, wb_reader *r, cm_deftype *t, int form)
{
	/* form 0: label + valtype; 1: case; 2: label only; 3: valtype only */
	uint32_t n;
	if (!cm_rd_count(r, 1, &n, d->err))
		return false;
	t->cases = cm_rd_alloc(&d->c->arena, n, sizeof(cm_label), r, d->err);
	if (!t->cases)
		return false;
	t->n = n;
	for (uint32_t i = 0; i < n; i++) {
		cm_label *l = &t->cases[i];
		l->off = wb_reader_offset(r);
		if (form != 3 && !cm_rd_name(r, &d->c->arena, &l->name, d->err))
			return false;
		if (form == 0 || form == 3) {
			l->has_type = true;
			if (!cm_dec_valtype(d, r, &l->type))
				return false;
		} else if (form == 1) {
			if (!dec_opt_valtype(d, r, &l->has_type, &l->type, "optional variant case type"))
				return false;
			uint8_t z;
			size_t zoff = wb_reader_offset(r);
			if (!wb_read_u8(r, &z, d->err))
				return false;
			if (z != 0x00)
				return cm_rd_bad_byte(d->err, zoff, z, "zero byte required");
		}
	}
	return true;
}

static bool dec_decls(cm_dec *d, wb_reader *r, cm_deftype *t, bool component, unsigned depth)
{
	uint32_t n;
	if (!cm_rd_count(r, 2, &n, d->err))
		return false;
	t->decls = cm_rd_alloc(&d->c->arena, n, sizeof(cm_decl), r, d->err);
	if (!t->decls)
		return false;
	t->ndecls = n;
	for (uint32_t i = 0; i < n; i++) {
		cm_decl *dc = &t->decls[i];
		uint8_t b;
		dc->off = wb_reader_offset(r);
		if (!wb_read_u8(r, &b, d->err))
			return false;
		bool ok;
		switch (b) {
		case 0x00:
			dc->kind = CM_DECL_CORE_TYPE;
			ok = cm_dec_core_type(d, r, &dc->core_type, true, depth + 1);
			break;
		case 0x01:
			dc->kind = CM_DECL_TYPE;
			ok = cm_dec_deftype(d, r, &dc->type, depth + 1);
			break;
		case 0x02:
			dc->kind = CM_DECL_ALIAS;
			ok = cm_dec_alias(d, r, &dc->alias);
			break;
		case 0x03:
			if (!component)
				return cm_rd_bad_byte(d->err, dc->off, b, "component or instance type declaration");
			dc->kind = CM_DECL_IMPORT;
			ok = cm_dec_extname(d, r, &dc->name) && cm_dec_externtype(d, r, &dc->ext);
			break;
		case 0x04:
			dc->kind = CM_DECL_EXPORT;
			ok = cm_dec_extname(d, r, &dc->name) && cm_dec_externtype(d, r, &dc->ext);
			break;
		default:
			return cm_rd_bad_byte(d->err, dc->off, b, "component or instance type declaration");
		}
		if (!ok)
			return false;
	}
	return true;
}

bool cm_dec_deftype(cm_dec *d, wb_reader *r, cm_deftype **ret, unsigned depth)
{
	size_t off = wb_reader_offset(r);
	if (depth > CM_MAX_NESTING)
		return cmn_fail_at(d->err, off, "nesting too deep: types nested more than %d deep",
		                   CM_MAX_NESTING);
	cm_deftype *t = cm_rd_alloc(&d->c->arena, 1, sizeof(cm_deftype), r, d->err);
	if (!t)
		return false;
	t->off = off;
	uint8_t b;
	if (!wb_read_u8(r, &b, d->err))
		return false;
	*ret = t;
	if (prim_code(b, &t->prim)) {
		t->kind = CM_DT_PRIM;
		return true;
	}
	switch (b) {
	case 0x72: t->kind = CM_DT_RECORD; return dec_labels(d, r, t, 0);
	case 0x71: t->kind = CM_DT_VARIANT; return dec_labels(d, r, t, 1);
	case 0x70: t->kind = CM_DT_LIST; t->has_a = true; return cm_dec_valtype(d, r, &t->a);
	case 0x67:
		t->kind = CM_DT_LIST;
		t->has_a = true;
		if (!cm_dec_valtype(d, r, &t->a) || !wb_read_u32(r, &t->len, d->err))
			return false;
		if (!t->len)
			return cmn_fail_at(d->err, off, "fixed-length list must have a length larger than 0");
		return true;
	case 0x6f: t->kind = CM_DT_TUPLE; return dec_labels(d, r, t, 3);
	case 0x6e: t->kind = CM_DT_FLAGS; return dec_labels(d, r, t, 2);
	case 0x6d: t->kind = CM_DT_ENUM; return dec_labels(d, r, t, 2);
	case 0x6b: t->kind = CM_DT_OPTION; t->has_a = true; return cm_dec_valtype(d, r, &t->a);
	case 0x6a:
		t->kind = CM_DT_RESULT;
		return dec_opt_valtype(d, r, &t->has_a, &t->a, "optional result type") &&
		       dec_opt_valtype(d, r, &t->has_b, &t->b, "optional result type");
	case 0x69: t->kind = CM_DT_OWN; return wb_read_u32(r, &t->idx, d->err);
	case 0x68: t->kind = CM_DT_BORROW; return wb_read_u32(r, &t->idx, d->err);
	case 0x66: t->kind = CM_DT_STREAM; return dec_opt_valtype(d, r, &t->has_a, &t->a, "optional stream type");
	case 0x65: t->kind = CM_DT_FUTURE; return dec_opt_valtype(d, r, &t->has_a, &t->a, "optional future type");
	case 0x63:
		t->kind = CM_DT_MAP;
		t->has_a = t->has_b = true;
		return cm_dec_valtype(d, r, &t->a) && cm_dec_valtype(d, r, &t->b);
	case 0x40:
	case 0x43: {
		t->kind = CM_DT_FUNC;
		t->async = b == 0x43;
		if (!dec_labels(d, r, t, 0))
			return false;
		uint8_t k;
		size_t koff = wb_reader_offset(r);
		if (!wb_read_u8(r, &k, d->err))
			return false;
		if (k == 0x00) {
			t->has_a = true;
			return cm_dec_valtype(d, r, &t->a);
		}
		if (k != 0x01)
			return cm_rd_bad_byte(d->err, koff, k, "component function results");
		size_t zoff = wb_reader_offset(r);
		if (!wb_read_u8(r, &k, d->err))
			return false;
		if (k != 0x00)
			return cm_rd_bad_byte(d->err, zoff, k, "number of results");
		return true;
	}
	case 0x41: t->kind = CM_DT_COMPONENT; return dec_decls(d, r, t, true, depth);
	case 0x42: t->kind = CM_DT_INSTANCE; return dec_decls(d, r, t, false, depth);
	case 0x3f: {
		t->kind = CM_DT_RESOURCE;
		if (!wb_read_u8(r, &t->rep, d->err))
			return false;
		uint8_t k;
		size_t koff = wb_reader_offset(r);
		if (!wb_read_u8(r, &k, d->err))
			return false;
		if (k == 0x00)
			return true;
		if (k != 0x01)
			return cm_rd_bad_byte(d->err, koff, k, "optional resource destructor");
		t->has_dtor = true;
		return wb_read_u32(r, &t->dtor, d->err);
	}
	default:
		return cm_rd_bad_byte(d->err, off, b, "component defined type");
	}
}

/* ---- core types ---- */

static bool dec_heap(cm_dec *d, wb_reader *r, uint32_t *ret)
{
	int64_t v;
	size_t off = wb_reader_offset(r);
	if (!wb_read_s33(r, &v, d->err))
		return false;
	if (v >= 0) {
		*ret = (uint32_t)v;
		return true;
	}
	uint8_t code = (uint8_t)(v & 0x7f);
	if (code < RT_HT_EXN || code > RT_HT_NOEXN)
		return cm_rd_bad_byte(d->err, off, code, "heap type");
	*ret = RT_HT_MAKE_ABS(code);
	return true;
}

static bool dec_core_valtype(cm_dec *d, wb_reader *r, cm_core_valtype *ret)
{
	uint8_t b;
	size_t off = wb_reader_offset(r);
	if (!wb_read_u8(r, &b, d->err))
		return false;
	memset(ret, 0, sizeof *ret);
	switch (b) {
	case RT_I32:
	case RT_I64:
	case RT_F32:
	case RT_F64:
	case RT_V128:
		ret->kind = b;
		return true;
	case 0x63:
	case 0x64:
		ret->kind = RT_REF;
		ret->nullable = b == 0x63;
		return dec_heap(d, r, &ret->heap);
	default:
		if (b >= RT_HT_EXN && b <= RT_HT_NOEXN) {
			ret->kind = RT_REF;
			ret->nullable = true;
			ret->heap = RT_HT_MAKE_ABS(b);
			return true;
		}
		return cm_rd_bad_byte(d->err, off, b, "value type");
	}
}

static bool dec_limits(cm_dec *d, wb_reader *r, cm_core_limits *l)
{
	uint8_t f;
	size_t off = wb_reader_offset(r);
	if (!wb_read_u8(r, &f, d->err))
		return false;
	if (f & ~0x07u)
		return cm_rd_bad_byte(d->err, off, f, "limits");
	l->has_max = f & 1;
	l->shared = (f & 2) != 0;
	l->is64 = (f & 4) != 0;
	if (l->is64) {
		if (!wb_read_u64(r, &l->min, d->err) || (l->has_max && !wb_read_u64(r, &l->max, d->err)))
			return false;
		return true;
	}
	uint32_t a, b = 0;
	if (!wb_read_u32(r, &a, d->err) || (l->has_max && !wb_read_u32(r, &b, d->err)))
		return false;
	l->min = a;
	l->max = b;
	return true;
}

static bool dec_core_extern(cm_dec *d, wb_reader *r, cm_core_extern *e)
{
	uint8_t k;
	size_t off = wb_reader_offset(r);
	if (!wb_read_u8(r, &k, d->err))
		return false;
	e->kind = k;
	switch (k) {
	case RT_EXTERN_FUNC:
		return wb_read_u32(r, &e->type_idx, d->err);
	case RT_EXTERN_TABLE:
		return dec_core_valtype(d, r, &e->val) && dec_limits(d, r, &e->limits);
	case RT_EXTERN_MEMORY:
		return dec_limits(d, r, &e->limits);
	case RT_EXTERN_GLOBAL: {
		uint8_t m;
		if (!dec_core_valtype(d, r, &e->val) || !wb_read_u8(r, &m, d->err))
			return false;
		if (m > 1)
			return cmn_fail_at(d->err, off, "malformed mutability");
		e->mut = m;
		return true;
	}
	case RT_EXTERN_TAG: {
		uint8_t z;
		if (!wb_read_u8(r, &z, d->err))
			return false;
		if (z != 0)
			return cm_rd_bad_byte(d->err, off + 1, z, "tag attribute");
		return wb_read_u32(r, &e->type_idx, d->err);
	}
	default:
		return cm_rd_bad_byte(d->err, off, k, "external kind");
	}
}

static bool dec_valtypes(cm_dec *d, wb_reader *r, uint32_t *n, cm_core_valtype **ret)
{
	if (!cm_rd_count(r, 1, n, d->err))
		return false;
	*ret = cm_rd_alloc(&d->c->arena, *n, sizeof(cm_core_valtype), r, d->err);
	if (!*ret)
		return false;
	for (uint32_t i = 0; i < *n; i++)
		if (!dec_core_valtype(d, r, &(*ret)[i]))
			return false;
	return true;
}

static bool dec_comptype(cm_dec *d, wb_reader *r, cm_core_type *t)
{
	uint8_t b;
	size_t off = wb_reader_offset(r);
	if (!wb_read_u8(r, &b, d->err))
		return false;
	switch (b) {
	case RT_COMP_FUNC:
		t->kind = CM_CT_FUNC;
		return dec_valtypes(d, r, &t->nparams, &t->params) &&
		       dec_valtypes(d, r, &t->nresults, &t->results);
	case RT_COMP_STRUCT:
	case RT_COMP_ARRAY: {
		t->kind = b == RT_COMP_STRUCT ? CM_CT_STRUCT : CM_CT_ARRAY;
		uint32_t n = 1;
		if (b == RT_COMP_STRUCT && !cm_rd_count(r, 2, &n, d->err))
			return false;
		for (uint32_t i = 0; i < n; i++) {
			uint8_t st, m;
			if (wb_reader_done(r))
				return cmn_fail_at(d->err, wb_reader_offset(r), CM_EOF_MSG);
			st = *r->p;
			if (st == RT_I8 || st == RT_I16) {
				r->p++;
			} else {
				cm_core_valtype vt;
				if (!dec_core_valtype(d, r, &vt))
					return false;
			}
			if (!wb_read_u8(r, &m, d->err))
				return false;
			if (m > 1)
				return cmn_fail_at(d->err, wb_reader_offset(r) - 1, "malformed mutability");
		}
		return true;
	}
	default:
		return cm_rd_bad_byte(d->err, off, b, "type definition");
	}
}

static bool dec_subtype(cm_dec *d, wb_reader *r, cm_core_type *t, uint8_t b)
{
	/* b: 0x50 / 0x4f (already read), or 0 for a bare comptype */
	if (b == 0x50 || b == 0x4f) {
		uint32_t n, x;
		t->in_rec = true;
		if (!cm_rd_count(r, 1, &n, d->err))
			return false;
		for (uint32_t i = 0; i < n; i++)
			if (!wb_read_u32(r, &x, d->err))
				return false;
	}
	return dec_comptype(d, r, t);
}

static bool dec_module_type(cm_dec *d, wb_reader *r, cm_core_type *t, unsigned depth)
{
	uint32_t n;
	t->kind = CM_CT_MODULE;
	if (!cm_rd_count(r, 2, &n, d->err))
		return false;
	t->decls = cm_rd_alloc(&d->c->arena, n, sizeof(cm_core_decl), r, d->err);
	if (!t->decls)
		return false;
	t->ndecls = n;
	for (uint32_t i = 0; i < n; i++) {
		cm_core_decl *dc = &t->decls[i];
		uint8_t b;
		dc->off = wb_reader_offset(r);
		if (!wb_read_u8(r, &b, d->err))
			return false;
		switch (b) {
		case 0x00:
			dc->kind = CM_CDECL_IMPORT;
			if (!cm_rd_name(r, &d->c->arena, &dc->module, d->err) ||
			    !cm_rd_name(r, &d->c->arena, &dc->name, d->err) || !dec_core_extern(d, r, &dc->ext))
				return false;
			break;
		case 0x01:
			dc->kind = CM_CDECL_TYPE;
			if (!cm_dec_core_type(d, r, &dc->type, false, depth + 1))
				return false;
			break;
		case 0x02: {
			uint8_t k;
			size_t koff = wb_reader_offset(r);
			dc->kind = CM_CDECL_ALIAS_OUTER;
			if (!wb_read_u8(r, &k, d->err))
				return false;
			if (k != 0x10)
				return cm_rd_bad_byte(d->err, koff, k, "outer alias kind");
			koff = wb_reader_offset(r);
			if (!wb_read_u8(r, &k, d->err))
				return false;
			if (k != 0x01)
				return cm_rd_bad_byte(d->err, koff, k, "outer alias target");
			if (!wb_read_u32(r, &dc->count, d->err) || !wb_read_u32(r, &dc->idx, d->err))
				return false;
			break;
		}
		case 0x03:
			dc->kind = CM_CDECL_EXPORT;
			if (!cm_rd_name(r, &d->c->arena, &dc->name, d->err) || !dec_core_extern(d, r, &dc->ext))
				return false;
			break;
		default:
			return cm_rd_bad_byte(d->err, dc->off, b, "type definition");
		}
	}
	return true;
}

bool cm_dec_core_type(cm_dec *d, wb_reader *r, cm_core_type **ret, bool top, unsigned depth)
{
	size_t off = wb_reader_offset(r);
	if (depth > CM_MAX_NESTING)
		return cmn_fail_at(d->err, off, "nesting too deep: types nested more than %d deep",
		                   CM_MAX_NESTING);
	cm_core_type *t = cm_rd_alloc(&d->c->arena, 1, sizeof(cm_core_type), r, d->err);
	if (!t)
		return false;
	t->off = off;
	*ret = t;
	uint8_t b;
	if (!wb_read_u8(r, &b, d->err))
		return false;
	if (top && b == 0x50)
		return dec_module_type(d, r, t, depth);
	if (top && b == 0x00) {
		size_t o2 = wb_reader_offset(r);
		if (!wb_read_u8(r, &b, d->err))
			return false;
		if (b != 0x50)
			return cm_rd_bad_byte(d->err, o2, b, "type definition");
		return dec_subtype(d, r, t, b);
	}
	if (b == 0x4e) {
		/* A rec group: only a group of one type is described; bigger
		 * groups are decoded and marked. */
		uint32_t n;
		if (!cm_rd_count(r, 1, &n, d->err))
			return false;
		t->in_rec = n != 1;
		for (uint32_t i = 0; i < n; i++) {
			uint8_t s;
			cm_core_type tmp = {0};
			if (!wb_read_u8(r, &s, d->err))
				return false;
			if (s != 0x50 && s != 0x4f)
				r->p--;
			if (!dec_subtype(d, r, i == 0 ? t : &tmp, s == 0x50 || s == 0x4f ? s : 0))
				return false;
		}
		if (n != 1)
			t->in_rec = true;
		return true;
	}
	if (b == 0x50 || b == 0x4f)
		return dec_subtype(d, r, t, b);
	r->p--;
	return dec_comptype(d, r, t);
}
