/*
 * wb_decode.c - the binary module decoder: header, sections, index spaces.
 *
 * Counts are checked against the bytes left before anything is allocated
 * (every entry takes at least one byte), so a header claiming a million
 * functions in a ten-byte section fails without allocating. Implementation
 * limits follow the common engines (wasmparser's), with "too many ..." errors.
 */
#include "wb_decode.h"

#include <stdlib.h>
#include <string.h>

#include "wb_code.h"
#include "wb_reader.h"
#include "wb_types.h"

#define MAX_TYPES 1000000u
#define MAX_FUNCS 1000000u
#define MAX_IMPORTS 1000000u
#define MAX_EXPORTS 1000000u
#define MAX_GLOBALS 1000000u
#define MAX_TAGS 1000000u
#define MAX_ELEMS 1000000u
#define MAX_DATAS 1000000u
#define MAX_TABLES 1000000u
#define MAX_MEMORIES 1000000u
#define MAX_FIELDS 10000u

#define SECTION_EOF "unexpected end of section or function"

enum {
	SEC_CUSTOM = 0,
	SEC_TYPE = 1,
	SEC_IMPORT = 2,
	SEC_FUNCTION = 3,
	SEC_TABLE = 4,
	SEC_MEMORY = 5,
	SEC_GLOBAL = 6,
	SEC_EXPORT = 7,
	SEC_START = 8,
	SEC_ELEMENT = 9,
	SEC_CODE = 10,
	SEC_DATA = 11,
	SEC_DATACOUNT = 12,
	SEC_TAG = 13,
};

/* Position of each known section id in the required order. */
static const uint8_t section_rank[14] = {
	[SEC_CUSTOM] = 0, [SEC_TYPE] = 1,     [SEC_IMPORT] = 2,
	[SEC_FUNCTION] = 3, [SEC_TABLE] = 4,  [SEC_MEMORY] = 5,
	[SEC_TAG] = 6,    [SEC_GLOBAL] = 7,   [SEC_EXPORT] = 8,
	[SEC_START] = 9,  [SEC_ELEMENT] = 10, [SEC_DATACOUNT] = 11,
	[SEC_CODE] = 12,  [SEC_DATA] = 13,
};

typedef struct decoder {
	rt_module *mod;
	wb_features features;
	cmn_error *err;
	uint32_t nfuncs_declared; /* function section count */
	uint32_t ncode;           /* code section count */
	bool has_code;
	/* Growable type array while reading the type section. */
	rt_subtype *types;
	uint32_t ntypes_cap;
	/* customs, growable */
	rt_custom *customs;
	uint32_t ncustoms_cap;
} decoder;

static void *arena_array(decoder *d, size_t n, size_t size)
{
	void *p = cmn_arena_alloc(&d->mod->arena, n, size);

	if (p == NULL)
		cmn_fail(d->err, "out of memory");
	return p;
}

/* Grows an index space from `old_n` to `new_n` entries (arena-allocated,
 * old entries copied). */
static bool grow_space(decoder *d, void **arr, uint32_t old_n, uint32_t new_n,
                       size_t size)
{
	void *p;

	if (new_n == old_n)
		return true;
	p = arena_array(d, new_n, size);
	if (p == NULL)
		return false;
	if (old_n != 0)
		memcpy(p, *arr, (size_t)old_n * size);
	*arr = p;
	return true;
}

static bool read_count_limited(decoder *d, wb_reader *r, size_t min_size,
                               uint32_t limit, const char *what,
                               uint32_t *ret)
{
	size_t at = wb_reader_offset(r);
	uint32_t n;

	if (!wb_read_count(r, min_size, &n, d->err))
		return false;
	if (n > limit)
		return cmn_fail_at(d->err, at, "too many %s", what);
	*ret = n;
	return true;
}

/* ---------------------------------------------------------------------------
 * Types
 */

static bool read_storage(decoder *d, wb_reader *r, uint32_t bound,
                         rt_fieldtype *ret)
{
	size_t at = wb_reader_offset(r);
	uint8_t mut;

	if (!wb_reader_done(r) && (*r->p == RT_I8 || *r->p == RT_I16)) {
		ret->type = rt_valtype_num(*r->p);
		r->p++;
	} else if (!wb_read_valtype(r, bound, &ret->type, d->err)) {
		if (strcmp(d->err->msg, "malformed value type") == 0)
			return cmn_fail_at(d->err, at, "malformed storage type");
		return false;
	}
	at = wb_reader_offset(r);
	if (!wb_read_u8(r, &mut, d->err))
		return false;
	if (mut > 1)
		return cmn_fail_at(d->err, at, "malformed mutability");
	ret->mut = mut == 1;
	return true;
}

static bool read_valtypes(decoder *d, wb_reader *r, uint32_t bound,
                          uint32_t *ret_n, rt_valtype **ret_v)
{
	uint32_t n, i;
	rt_valtype *v;

	if (!wb_read_count(r, 1, &n, d->err))
		return false;
	v = arena_array(d, n, sizeof(*v));
	if (v == NULL)
		return false;
	for (i = 0; i < n; i++)
		if (!wb_read_valtype(r, bound, &v[i], d->err))
			return false;
	*ret_n = n;
	*ret_v = v;
	return true;
}

static bool read_comptype(decoder *d, wb_reader *r, uint32_t bound,
                          rt_subtype *st)
{
	size_t at = wb_reader_offset(r);
	uint32_t i;
	uint8_t form;

	int8_t sform;

	if (!wb_read_s7(r, &sform, d->err))
		return false;
	form = (uint8_t)(sform & 0x7F);
	st->comp = form;
	switch (form) {
	case RT_COMP_FUNC:
		return read_valtypes(d, r, bound, &st->u.func.nparams,
		                     &st->u.func.params) &&
		       read_valtypes(d, r, bound, &st->u.func.nresults,
		                     &st->u.func.results);
	case RT_COMP_STRUCT:
		if (!read_count_limited(d, r, 1, MAX_FIELDS, "fields",
		                        &st->u.strct.nfields))
			return false;
		st->u.strct.fields =
			arena_array(d, st->u.strct.nfields, sizeof(rt_fieldtype));
		if (st->u.strct.fields == NULL)
			return false;
		for (i = 0; i < st->u.strct.nfields; i++)
			if (!read_storage(d, r, bound, &st->u.strct.fields[i]))
				return false;
		return true;
	case RT_COMP_ARRAY:
		return read_storage(d, r, bound, &st->u.array);
	default:
		return cmn_fail_at(d->err, at, "malformed definition type");
	}
}

static bool push_type(decoder *d, rt_subtype **ret)
{
	rt_module *mod = d->mod;

	if (mod->ntypes >= MAX_TYPES)
		return cmn_fail(d->err, "too many types");
	if (mod->ntypes == d->ntypes_cap) {
		uint32_t cap = d->ntypes_cap ? d->ntypes_cap * 2 : 16;
		rt_subtype *t = realloc(d->types, (size_t)cap * sizeof(*t));
		if (t == NULL)
			return cmn_fail(d->err, "out of memory");
		d->types = t;
		d->ntypes_cap = cap;
	}
	*ret = &d->types[mod->ntypes++];
	memset(*ret, 0, sizeof(**ret));
	return true;
}

static bool read_subtype(decoder *d, wb_reader *r, uint32_t rec_start,
                         uint32_t rec_len)
{
	uint32_t bound = rec_start + rec_len;
	rt_subtype *st;
	uint8_t b;

	if (!push_type(d, &st))
		return false;
	st->rec_start = rec_start;
	st->rec_len = rec_len;
	st->super = RT_NO_SUPER;
	st->final = true;
	if (wb_reader_done(r))
		return cmn_fail_at(d->err, wb_reader_offset(r), SECTION_EOF);
	b = *r->p;
	if (b == 0x50 || b == 0x4F) {
		uint32_t nsup, sup;
		size_t at;
		r->p++;
		st->final = b == 0x4F;
		at = wb_reader_offset(r);
		if (!wb_read_u32(r, &nsup, d->err))
			return false;
		if (nsup > 1)
			return cmn_fail_at(d->err, at, "malformed definition type");
		if (nsup == 1) {
			at = wb_reader_offset(r);
			if (!wb_read_u32(r, &sup, d->err))
				return false;
			if (sup >= bound)
				return cmn_fail_at(d->err, at, "unknown type %u",
				                   sup);
			st->super = sup;
		}
	}
	/* `st` may move when the array grows, but read_comptype allocates
	 * nothing in it. */
	return read_comptype(d, r, bound, st);
}

static bool decode_types(decoder *d, wb_reader *r)
{
	uint32_t n, i, j;

	if (!read_count_limited(d, r, 1, MAX_TYPES, "types", &n))
		return false;
	for (i = 0; i < n; i++) {
		uint32_t start = d->mod->ntypes;
		if (!wb_reader_done(r) && *r->p == 0x4E) {
			uint32_t len;
			r->p++;
			if (!read_count_limited(d, r, 1, MAX_TYPES, "types",
			                        &len))
				return false;
			if (len > MAX_TYPES - start)
				return cmn_fail(d->err, "too many types");
			for (j = 0; j < len; j++)
				if (!read_subtype(d, r, start, len))
					return false;
		} else if (!read_subtype(d, r, start, 1)) {
			return false;
		}
	}
	d->mod->types = arena_array(d, d->mod->ntypes, sizeof(rt_subtype));
	if (d->mod->types == NULL)
		return false;
	if (d->mod->ntypes != 0)
		memcpy(d->mod->types, d->types,
		       (size_t)d->mod->ntypes * sizeof(rt_subtype));
	free(d->types);
	d->types = NULL;
	return true;
}

/* ---------------------------------------------------------------------------
 * Limits, tables, memories, globals
 */

static bool read_limits(decoder *d, wb_reader *r, bool memory,
                        rt_limits *ret)
{
	size_t at = wb_reader_offset(r);
	uint8_t flags, allowed;

	if (!wb_read_u8(r, &flags, d->err))
		return false;
	allowed = 0x01 | 0x04;
	if (memory) {
		if (d->features & WB_FEAT_THREADS)
			allowed |= 0x02;
		if (d->features & WB_FEAT_CUSTOM_PAGE_SIZES)
			allowed |= 0x08;
	}
	if (flags & ~allowed)
		return cmn_fail_at(d->err, at, "malformed limits flags");
	memset(ret, 0, sizeof(*ret));
	ret->has_max = flags & 0x01;
	ret->shared = flags & 0x02;
	ret->is64 = flags & 0x04;
	ret->page_log2 = 16;
	/* Sizes are read as u64 whatever the address type (as the reference
	 * interpreter does); validation bounds them. */
	if (!wb_read_u64(r, &ret->min, d->err))
		return false;
	if (ret->has_max && !wb_read_u64(r, &ret->max, d->err))
		return false;
	if (flags & 0x08) {
		uint32_t log2;
		at = wb_reader_offset(r);
		if (!wb_read_u32(r, &log2, d->err))
			return false;
		if (log2 > 64)
			return cmn_fail_at(d->err, at,
			                   "invalid custom page size");
		ret->page_log2 = (uint8_t)log2;
	}
	return true;
}

static bool read_tabletype(decoder *d, wb_reader *r, rt_tabletype *ret)
{
	return wb_read_reftype(r, d->mod->ntypes, &ret->elem, d->err) &&
	       read_limits(d, r, false, &ret->limits);
}

static bool read_globaltype(decoder *d, wb_reader *r, rt_globaltype *ret)
{
	size_t at;
	uint8_t mut;

	if (!wb_read_valtype(r, d->mod->ntypes, &ret->type, d->err))
		return false;
	at = wb_reader_offset(r);
	if (!wb_read_u8(r, &mut, d->err))
		return false;
	if (mut > 1)
		return cmn_fail_at(d->err, at, "malformed mutability");
	ret->mut = mut == 1;
	return true;
}

static bool read_tagtype(decoder *d, wb_reader *r, rt_tag *ret)
{
	size_t at = wb_reader_offset(r);
	uint8_t attr;

	if (!wb_read_u8(r, &attr, d->err))
		return false;
	if (attr != 0)
		return cmn_fail_at(d->err, at, "malformed tag attribute");
	return wb_read_u32(r, &ret->type, d->err);
}

/* ---------------------------------------------------------------------------
 * Imports
 */

static bool decode_imports(decoder *d, wb_reader *r)
{
	rt_module *mod = d->mod;
	uint32_t n, i, nf = 0, nt = 0, nm = 0, ng = 0, ntag = 0;
	/* Per-import descriptors, kept until the index spaces are sized. */
	struct desc {
		uint32_t functype;
		rt_tabletype table;
		rt_memtype memory;
		rt_globaltype global;
		rt_tag tag;
	} *descs;

	if (!read_count_limited(d, r, 1, MAX_IMPORTS, "imports", &n))
		return false;
	mod->imports = arena_array(d, n, sizeof(rt_import));
	descs = calloc(n ? n : 1, sizeof(*descs));
	if (mod->imports == NULL || descs == NULL) {
		free(descs);
		return cmn_fail(d->err, "out of memory");
	}
	for (i = 0; i < n; i++) {
		rt_import *im = &mod->imports[i];
		size_t at;
		bool ok = true;
		uint8_t kind;

		if (!wb_read_name(r, &im->module.ptr, &im->module.len, d->err) ||
		    !wb_read_name(r, &im->field.ptr, &im->field.len, d->err))
			goto fail_descs;
		at = wb_reader_offset(r);
		if (!wb_read_u8(r, &kind, d->err))
			goto fail_descs;
		im->kind = kind;
		switch (kind) {
		case RT_EXTERN_FUNC:
			im->index = nf++;
			ok = wb_read_u32(r, &descs[i].functype, d->err);
			break;
		case RT_EXTERN_TABLE:
			im->index = nt++;
			ok = read_tabletype(d, r, &descs[i].table);
			break;
		case RT_EXTERN_MEMORY:
			im->index = nm++;
			ok = read_limits(d, r, true, &descs[i].memory.limits);
			break;
		case RT_EXTERN_GLOBAL:
			im->index = ng++;
			ok = read_globaltype(d, r, &descs[i].global);
			break;
		case RT_EXTERN_TAG:
			im->index = ntag++;
			ok = read_tagtype(d, r, &descs[i].tag);
			break;
		default:
			cmn_fail_at(d->err, at, "malformed import kind");
			goto fail_descs;
		}
		if (!ok)
			goto fail_descs;
	}
	mod->nimports = n;
	if (nf > MAX_FUNCS || nt > MAX_TABLES || nm > MAX_MEMORIES ||
	    ng > MAX_GLOBALS || ntag > MAX_TAGS) {
		cmn_fail(d->err, "too many imports");
		goto fail_descs;
	}
	mod->funcs = arena_array(d, nf, sizeof(rt_func));
	mod->tables = arena_array(d, nt, sizeof(rt_tabletype));
	mod->memories = arena_array(d, nm, sizeof(rt_memtype));
	mod->globals = arena_array(d, ng, sizeof(rt_globaltype));
	mod->tags = arena_array(d, ntag, sizeof(rt_tag));
	if (!mod->funcs || !mod->tables || !mod->memories || !mod->globals ||
	    !mod->tags)
		goto fail_descs;
	for (i = 0; i < n; i++) {
		rt_import *im = &mod->imports[i];
		switch (im->kind) {
		case RT_EXTERN_FUNC:
			mod->funcs[im->index].type = descs[i].functype;
			break;
		case RT_EXTERN_TABLE:
			mod->tables[im->index] = descs[i].table;
			break;
		case RT_EXTERN_MEMORY:
			mod->memories[im->index] = descs[i].memory;
			break;
		case RT_EXTERN_GLOBAL:
			mod->globals[im->index] = descs[i].global;
			break;
		default:
			mod->tags[im->index] = descs[i].tag;
			break;
		}
	}
	mod->nfuncs = mod->nfuncs_imported = nf;
	mod->ntables = mod->ntables_imported = nt;
	mod->nmemories = mod->nmemories_imported = nm;
	mod->nglobals = mod->nglobals_imported = ng;
	mod->ntags = mod->ntags_imported = ntag;
	free(descs);
	return true;

fail_descs:
	free(descs);
	return false;
}

/* ---------------------------------------------------------------------------
 * Defined entities
 */

/* Reads the count of a section that extends an index space (imports come
 * first) and grows the space: `*arr` from `have` to `have + n` entries of
 * `size` bytes, refusing more than `limit` in all. */
static bool read_space(decoder *d, wb_reader *r, void **arr, uint32_t have,
                       uint32_t limit, const char *what, size_t size,
                       uint32_t *ret_n)
{
	uint32_t n;

	if (!read_count_limited(d, r, 1, limit, what, &n))
		return false;
	if (n > limit - have)
		return cmn_fail(d->err, "too many %s", what);
	if (!grow_space(d, arr, have, have + n, size))
		return false;
	*ret_n = n;
	return true;
}

static bool decode_functions(decoder *d, wb_reader *r)
{
	rt_module *mod = d->mod;
	uint32_t n, i;

	if (!read_space(d, r, (void **)&mod->funcs, mod->nfuncs, MAX_FUNCS,
	                "functions", sizeof(rt_func), &n))
		return false;
	for (i = 0; i < n; i++)
		if (!wb_read_u32(r, &mod->funcs[mod->nfuncs + i].type, d->err))
			return false;
	mod->nfuncs += n;
	d->nfuncs_declared = n;
	return true;
}

static bool decode_tables(decoder *d, wb_reader *r)
{
	rt_module *mod = d->mod;
	uint32_t n, i;

	if (!read_space(d, r, (void **)&mod->tables, mod->ntables, MAX_TABLES,
	                "tables", sizeof(rt_tabletype), &n))
		return false;
	for (i = 0; i < n; i++) {
		rt_tabletype *t = &mod->tables[mod->ntables + i];
		if (!wb_reader_done(r) && *r->p == 0x40) {
			size_t at = wb_reader_offset(r);
			uint8_t zero;
			r->p++;
			if (!wb_read_u8(r, &zero, d->err))
				return false;
			if (zero != 0)
				return cmn_fail_at(d->err, at,
				                   "malformed table type");
			if (!read_tabletype(d, r, t) ||
			    !wb_code_skip_const(r, &t->init, d->err))
				return false;
			t->has_init = true;
		} else if (!read_tabletype(d, r, t)) {
			return false;
		}
	}
	mod->ntables += n;
	return true;
}

static bool decode_memories(decoder *d, wb_reader *r)
{
	rt_module *mod = d->mod;
	uint32_t n, i;

	if (!read_space(d, r, (void **)&mod->memories, mod->nmemories, MAX_MEMORIES,
	                "memories", sizeof(rt_memtype), &n))
		return false;
	for (i = 0; i < n; i++)
		if (!read_limits(d, r, true,
		                 &mod->memories[mod->nmemories + i].limits))
			return false;
	mod->nmemories += n;
	return true;
}

static bool decode_tags(decoder *d, wb_reader *r)
{
	rt_module *mod = d->mod;
	uint32_t n, i;

	if (!read_space(d, r, (void **)&mod->tags, mod->ntags, MAX_TAGS,
	                "tags", sizeof(rt_tag), &n))
		return false;
	for (i = 0; i < n; i++)
		if (!read_tagtype(d, r, &mod->tags[mod->ntags + i]))
			return false;
	mod->ntags += n;
	return true;
}

static bool decode_globals(decoder *d, wb_reader *r)
{
	rt_module *mod = d->mod;
	uint32_t n, i;

	if (!read_space(d, r, (void **)&mod->globals, mod->nglobals, MAX_GLOBALS,
	                "globals", sizeof(rt_globaltype), &n))
		return false;
	for (i = 0; i < n; i++) {
		rt_globaltype *g = &mod->globals[mod->nglobals + i];
		if (!read_globaltype(d, r, g) ||
		    !wb_code_skip_const(r, &g->init, d->err))
			return false;
	}
	mod->nglobals += n;
	return true;
}

static bool decode_exports(decoder *d, wb_reader *r)
{
	rt_module *mod = d->mod;
	uint32_t n, i;

	if (!read_count_limited(d, r, 1, MAX_EXPORTS, "exports", &n))
		return false;
	mod->exports = arena_array(d, n, sizeof(rt_export));
	if (mod->exports == NULL)
		return false;
	for (i = 0; i < n; i++) {
		rt_export *ex = &mod->exports[i];
		size_t at;
		uint8_t kind;

		if (!wb_read_name(r, &ex->name.ptr, &ex->name.len, d->err))
			return false;
		at = wb_reader_offset(r);
		if (!wb_read_u8(r, &kind, d->err))
			return false;
		if (kind > RT_EXTERN_TAG)
			return cmn_fail_at(d->err, at, "malformed export kind");
		ex->kind = kind;
		if (!wb_read_u32(r, &ex->index, d->err))
			return false;
	}
	mod->nexports = n;
	return true;
}

static bool decode_start(decoder *d, wb_reader *r)
{
	return wb_read_u32(r, &d->mod->start, d->err);
}

static bool read_elem_funcs(decoder *d, wb_reader *r, rt_elem *e)
{
	uint32_t i;

	if (!wb_read_count(r, 1, &e->count, d->err))
		return false;
	e->funcs = arena_array(d, e->count, sizeof(uint32_t));
	if (e->funcs == NULL)
		return false;
	for (i = 0; i < e->count; i++)
		if (!wb_read_u32(r, &e->funcs[i], d->err))
			return false;
	return true;
}

static bool read_elem_exprs(decoder *d, wb_reader *r, rt_elem *e)
{
	uint32_t i;

	if (!wb_read_count(r, 1, &e->count, d->err))
		return false;
	e->exprs = arena_array(d, e->count, sizeof(rt_range));
	if (e->exprs == NULL)
		return false;
	for (i = 0; i < e->count; i++)
		if (!wb_code_skip_const(r, &e->exprs[i], d->err))
			return false;
	return true;
}

static bool read_elemkind(decoder *d, wb_reader *r)
{
	size_t at = wb_reader_offset(r);
	uint8_t k;

	if (!wb_read_u8(r, &k, d->err))
		return false;
	if (k != 0)
		return cmn_fail_at(d->err, at, "malformed element kind");
	return true;
}

static bool decode_elems(decoder *d, wb_reader *r)
{
	rt_module *mod = d->mod;
	uint32_t n, i;

	if (!read_count_limited(d, r, 1, MAX_ELEMS, "element segments", &n))
		return false;
	mod->elems = arena_array(d, n, sizeof(rt_elem));
	if (mod->elems == NULL)
		return false;
	for (i = 0; i < n; i++) {
		rt_elem *e = &mod->elems[i];
		size_t at = wb_reader_offset(r);
		uint32_t flags;
		bool exprs;

		if (!wb_read_u32(r, &flags, d->err))
			return false;
		if (flags > 7)
			return cmn_fail_at(d->err, at,
			                   "malformed elements segment kind");
		exprs = flags & 4;
		if (flags & 1)
			e->mode = (flags & 2) ? RT_SEG_DECLARATIVE
			                      : RT_SEG_PASSIVE;
		else
			e->mode = RT_SEG_ACTIVE;
		if (e->mode == RT_SEG_ACTIVE) {
			if ((flags & 2) && !wb_read_u32(r, &e->table, d->err))
				return false;
			if (!wb_code_skip_const(r, &e->offset, d->err))
				return false;
		}
		/* Element type: funcref forms without an explicit type. */
		e->type = rt_valtype_ref(exprs, RT_HT_MAKE_ABS(RT_HT_FUNC));
		if (flags & 3) {
			if (exprs) {
				if (!wb_read_reftype(r, mod->ntypes, &e->type,
				                     d->err))
					return false;
			} else if (!read_elemkind(d, r)) {
				return false;
			}
		}
		if (exprs ? !read_elem_exprs(d, r, e)
		          : !read_elem_funcs(d, r, e))
			return false;
	}
	mod->nelems = n;
	return true;
}

static bool decode_datacount(decoder *d, wb_reader *r)
{
	d->mod->has_data_count = true;
	return wb_read_u32(r, &d->mod->data_count, d->err);
}

static bool decode_code(decoder *d, wb_reader *r)
{
	rt_module *mod = d->mod;
	uint32_t n, i;

	/* A count that differs from the function section's is reported after
	 * the last section, as the reference interpreter does. */
	if (!wb_read_count(r, 1, &n, d->err))
		return false;
	for (i = 0; i < n; i++) {
		uint32_t size;
		size_t body_at;

		if (!wb_read_u32(r, &size, d->err))
			return false;
		body_at = wb_reader_offset(r);
		if (size > wb_reader_left(r))
			return cmn_fail_at(d->err, body_at, SECTION_EOF);
		if (i < d->nfuncs_declared) {
			rt_func *f = &mod->funcs[mod->nfuncs_imported + i];
			f->body.off = (uint32_t)body_at;
			f->body.len = size;
		}
		r->p += size;
	}
	d->has_code = true;
	d->ncode = n;
	return true;
}

static bool decode_datas(decoder *d, wb_reader *r)
{
	rt_module *mod = d->mod;
	size_t at = wb_reader_offset(r);
	uint32_t n, i;

	if (!read_count_limited(d, r, 1, MAX_DATAS, "data segments", &n))
		return false;
	if (mod->has_data_count && n != mod->data_count)
		return cmn_fail_at(d->err, at,
		                   "data count and data section have "
		                   "inconsistent lengths");
	mod->datas = arena_array(d, n, sizeof(rt_data));
	if (mod->datas == NULL)
		return false;
	for (i = 0; i < n; i++) {
		rt_data *seg = &mod->datas[i];
		const uint8_t *p;
		uint32_t flags, len;

		at = wb_reader_offset(r);
		if (!wb_read_u32(r, &flags, d->err))
			return false;
		if (flags > 2)
			return cmn_fail_at(d->err, at,
			                   "malformed data segment kind");
		seg->mode = flags == 1 ? RT_SEG_PASSIVE : RT_SEG_ACTIVE;
		if (flags == 2 && !wb_read_u32(r, &seg->memory, d->err))
			return false;
		if (flags != 1 && !wb_code_skip_const(r, &seg->offset, d->err))
			return false;
		if (!wb_read_u32(r, &len, d->err))
			return false;
		at = wb_reader_offset(r);
		if (!wb_read_bytes(r, len, &p, d->err))
			return false;
		seg->bytes.off = (uint32_t)at;
		seg->bytes.len = len;
	}
	mod->ndatas = n;
	return true;
}

/* ---------------------------------------------------------------------------
 * Custom sections and the name section
 */

/* Parses the `name` section's module and function names. Errors in it are
 * not errors of the module (custom sections are not validated): the names
 * are then simply dropped. */
static void decode_names(decoder *d, wb_reader *r)
{
	rt_names names = {0};
	cmn_error scratch;

	while (!wb_reader_done(r)) {
		wb_reader sub;
		uint8_t id;
		uint32_t size, n, i;

		if (!wb_read_u8(r, &id, &scratch) ||
		    !wb_read_u32(r, &size, &scratch) ||
		    !wb_reader_sub(r, size, &sub, SECTION_EOF, &scratch))
			return;
		if (id == 0) {
			if (!wb_read_name(&sub, &names.module.ptr,
			                  &names.module.len, &scratch))
				return;
			names.has_module = true;
		} else if (id == 1) {
			if (!wb_read_count(&sub, 2, &n, &scratch))
				return;
			names.funcs = cmn_arena_alloc(&d->mod->arena, n,
			                              sizeof(rt_naming));
			if (names.funcs == NULL)
				return;
			for (i = 0; i < n; i++) {
				rt_naming *nm = &names.funcs[i];
				if (!wb_read_u32(&sub, &nm->index, &scratch) ||
				    !wb_read_name(&sub, &nm->name.ptr,
				                  &nm->name.len, &scratch))
					return;
				if (i > 0 && nm->index <= names.funcs[i - 1].index)
					return; /* must be sorted, unique */
			}
			names.nfuncs = n;
		}
	}
	d->mod->names = names;
}

static bool decode_custom(decoder *d, wb_reader *r)
{
	rt_custom *c;

	if (d->mod->ncustoms == d->ncustoms_cap) {
		uint32_t cap = d->ncustoms_cap ? d->ncustoms_cap * 2 : 4;
		rt_custom *v = realloc(d->customs, (size_t)cap * sizeof(*v));
		if (v == NULL)
			return cmn_fail(d->err, "out of memory");
		d->customs = v;
		d->ncustoms_cap = cap;
	}
	c = &d->customs[d->mod->ncustoms];
	if (!wb_read_name(r, &c->name.ptr, &c->name.len, d->err))
		return false;
	c->payload.off = (uint32_t)wb_reader_offset(r);
	c->payload.len = (uint32_t)wb_reader_left(r);
	d->mod->ncustoms++;
	if (c->name.len == 4 && memcmp(c->name.ptr, "name", 4) == 0)
		decode_names(d, r);
	r->p = r->end;
	return true;
}

/* ---------------------------------------------------------------------------
 * Module
 */

static bool decode_section(decoder *d, uint8_t id, wb_reader *r)
{
	switch (id) {
	case SEC_CUSTOM:
		return decode_custom(d, r);
	case SEC_TYPE:
		return decode_types(d, r);
	case SEC_IMPORT:
		return decode_imports(d, r);
	case SEC_FUNCTION:
		return decode_functions(d, r);
	case SEC_TABLE:
		return decode_tables(d, r);
	case SEC_MEMORY:
		return decode_memories(d, r);
	case SEC_TAG:
		return decode_tags(d, r);
	case SEC_GLOBAL:
		return decode_globals(d, r);
	case SEC_EXPORT:
		return decode_exports(d, r);
	case SEC_START:
		return decode_start(d, r);
	case SEC_ELEMENT:
		return decode_elems(d, r);
	case SEC_DATACOUNT:
		return decode_datacount(d, r);
	case SEC_CODE:
		return decode_code(d, r);
	default:
		return decode_datas(d, r);
	}
}

static bool decode_module(decoder *d, wb_reader *r)
{
	static const uint8_t magic[4] = {0x00, 0x61, 0x73, 0x6D};
	static const uint8_t version[4] = {0x01, 0x00, 0x00, 0x00};
	rt_module *mod = d->mod;
	const uint8_t *p;
	int last_rank = 0;

	if (!wb_read_bytes(r, 4, &p, d->err))
		return false;
	if (memcmp(p, magic, 4) != 0)
		return cmn_fail_at(d->err, 0, "magic header not detected");
	if (!wb_read_bytes(r, 4, &p, d->err))
		return false;
	if (memcmp(p, version, 4) != 0)
		return cmn_fail_at(d->err, 4, "unknown binary version");

	while (!wb_reader_done(r)) {
		size_t at = wb_reader_offset(r);
		wb_reader sec;
		uint32_t size;
		uint8_t id;

		if (!wb_read_u8(r, &id, d->err))
			return false;
		if (id > SEC_TAG)
			return cmn_fail_at(d->err, at, "malformed section id");
		if (id != SEC_CUSTOM) {
			if (section_rank[id] <= last_rank)
				return cmn_fail_at(d->err, at,
				                   "unexpected content after last "
				                   "section");
			last_rank = section_rank[id];
		}
		if (!wb_read_u32(r, &size, d->err))
			return false;
		/* Like the reference interpreter, read a section's content
		 * up to the end of the input and compare the extent with
		 * its size afterwards: an entry that runs over reports what
		 * is wrong with it, not just the size. Custom sections are
		 * bounded by their size. */
		if (size > wb_reader_left(r))
			return cmn_fail_at(d->err, wb_reader_offset(r),
			                   "length out of bounds");
		sec = *r;
		sec.eof_msg = SECTION_EOF;
		if (id == SEC_CUSTOM &&
		    !wb_reader_sub(r, size, &sec, SECTION_EOF, d->err))
			return false;
		if (!decode_section(d, id, &sec))
			return false;
		if (id != SEC_CUSTOM) {
			if ((size_t)(sec.p - r->p) != size)
				return cmn_fail_at(d->err, wb_reader_offset(&sec),
				                   "section size mismatch");
			r->p = sec.p;
		}
	}
	if (d->ncode != d->nfuncs_declared)
		return cmn_fail_at(d->err, wb_reader_offset(r),
		                   "function and code section have inconsistent "
		                   "lengths");
	if (mod->has_data_count && mod->data_count != mod->ndatas)
		return cmn_fail_at(d->err, wb_reader_offset(r),
		                   "data count and data section have inconsistent "
		                   "lengths");
	if (mod->ncustoms != 0) {
		mod->customs = arena_array(d, mod->ncustoms, sizeof(rt_custom));
		if (mod->customs == NULL)
			return false;
		memcpy(mod->customs, d->customs,
		       (size_t)mod->ncustoms * sizeof(rt_custom));
	}
	return true;
}

bool wb_decode(const uint8_t *bytes, size_t size, wb_features features,
               rt_module **ret_mod, cmn_error *err)
{
	cmn_error local_err;
	decoder d = {0};
	wb_reader r;
	rt_module *mod;

	if (err == NULL)
		err = &local_err;
	if (size > UINT32_MAX)
		return cmn_fail(err, "module too large");
	mod = calloc(1, sizeof(*mod));
	if (mod == NULL)
		return cmn_fail(err, "out of memory");
	mod->bytes = bytes;
	mod->size = size;
	mod->start = RT_NO_START;
	d.mod = mod;
	d.features = features;
	d.err = err;
	wb_reader_init(&r, bytes, size);
	if (!decode_module(&d, &r))
		goto fail_module;
	free(d.types);
	free(d.customs);
	*ret_mod = mod;
	return true;

fail_module:
	free(d.types);
	free(d.customs);
	rt_module_free(mod);
	return false;
}
