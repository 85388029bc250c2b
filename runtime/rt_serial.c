/*
 * rt_serial.c - the module description's format, written once: every
 * section is one io_* function that both writes and reads (a `ser` in
 * writing or reading mode), so the writer and the reader cannot drift
 * apart. The reader's checks (counts against the bytes left, indices in
 * range) sit next to the fields they check.
 */
#include "rt_serial.h"

#include <stdlib.h>
#include <string.h>

#include "cmn_vec.h"

#define SERIAL_MAGIC 0x44534d57u /* "WMSD" */

/* One pass over the format. Writing: the fields are read from the module
 * and appended to `out`; reading: the fields are parsed from [p, end) into
 * `mod` (allocating in its arena). The io_* functions take pointers to
 * the fields either way; writing never modifies them. */
typedef struct ser {
	bool reading;
	bool bad; /* reading: damaged input; writing: out of memory */
	cmn_vec out;
	const uint8_t *p, *end;
	rt_module *mod;
} ser;

/* ---------------------------------------------------------------------------
 * Scalars
 */

/* Reading: the next n bytes (NULL and bad when there are fewer). */
static const uint8_t *take(ser *s, size_t n)
{
	if (s->bad || (size_t)(s->end - s->p) < n) {
		s->bad = true;
		return NULL;
	}
	const uint8_t *p = s->p;
	s->p += n;
	return p;
}

static void io_bytes(ser *s, void *data, size_t n)
{
	if (!s->reading) {
		if (!cmn_vec_append(&s->out, data, n))
			s->bad = true;
		return;
	}
	const uint8_t *p = take(s, n);
	if (p && n)
		memcpy(data, p, n);
}

static void io_u8(ser *s, uint8_t *v)
{
	io_bytes(s, v, 1);
}

static void io_bool(ser *s, bool *v)
{
	uint8_t b = *v ? 1 : 0;
	io_u8(s, &b);
	*v = b != 0;
}

static void io_u32(ser *s, uint32_t *v)
{
	uint8_t x[4] = {(uint8_t)*v, (uint8_t)(*v >> 8), (uint8_t)(*v >> 16), (uint8_t)(*v >> 24)};
	io_bytes(s, x, 4);
	*v = (uint32_t)x[0] | (uint32_t)x[1] << 8 | (uint32_t)x[2] << 16 | (uint32_t)x[3] << 24;
}

static void io_u64(ser *s, uint64_t *v)
{
	uint32_t lo = (uint32_t)*v, hi = (uint32_t)(*v >> 32);
	io_u32(s, &lo);
	io_u32(s, &hi);
	*v = (uint64_t)hi << 32 | lo;
}

/* Reading: allocates *arr, an array of `n` elements of `elsize` bytes in
 * the module's arena, after checking that the bytes left can hold `n`
 * serialised elements of at least `minsize` bytes each (0: no check, for
 * arrays parallel to one already checked). Writing: nothing. */
static void io_alloc(ser *s, uint32_t n, size_t minsize, void *arr, size_t elsize)
{
	if (!s->reading || s->bad)
		return;
	if (minsize && (size_t)(s->end - s->p) / minsize < n) {
		s->bad = true;
		return;
	}
	void *a = cmn_arena_alloc(&s->mod->arena, n ? n : 1, elsize);
	if (!a)
		s->bad = true;
	memcpy(arr, &a, sizeof a);
}

/* A count, then (reading) its array: see io_alloc. */
static void io_count(ser *s, uint32_t *n, void *arr, size_t minsize, size_t elsize)
{
	io_u32(s, n);
	io_alloc(s, *n, minsize, arr, elsize);
}

/* An index space: its count, its imported count, then (reading) its
 * array. */
static void io_space(ser *s, uint32_t *n, uint32_t *nimported, void *arr, size_t minsize,
                     size_t elsize)
{
	io_u32(s, n);
	io_u32(s, nimported);
	io_alloc(s, *n, minsize, arr, elsize);
}

static void io_name(ser *s, rt_name *n)
{
	io_u32(s, &n->len);
	if (!s->reading) {
		io_bytes(s, (void *)n->ptr, n->len);
		return;
	}
	const uint8_t *p = take(s, n->len);
	char *str = p ? cmn_arena_alloc(&s->mod->arena, (size_t)n->len + 1, 1) : NULL;
	if (!str) {
		s->bad = true;
		n->ptr = "";
		n->len = 0;
		return;
	}
	memcpy(str, p, n->len);
	n->ptr = str;
}

static void io_valtype(ser *s, rt_valtype *t)
{
	io_u8(s, &t->kind);
	io_u8(s, &t->nullable);
	io_u32(s, &t->heap);
	/* Type indices must name a type of this module (the runtime indexes
	 * its type tables with them). */
	if (s->reading && t->kind == RT_REF && !RT_HT_IS_ABS(t->heap) && t->heap >= s->mod->ntypes)
		s->bad = true;
}

static void io_limits(ser *s, rt_limits *l)
{
	uint8_t f = (uint8_t)((l->has_max ? 1 : 0) | (l->is64 ? 2 : 0) | (l->shared ? 4 : 0));
	io_u64(s, &l->min);
	io_u64(s, &l->max);
	io_u8(s, &f);
	io_u8(s, &l->page_log2);
	l->has_max = f & 1;
	l->is64 = (f & 2) != 0;
	l->shared = (f & 4) != 0;
	if (f & ~7u)
		s->bad = true;
}

/* A constant expression; writing NULL writes an absent one. */
static void io_expr(ser *s, rt_constexpr *e)
{
	rt_constexpr none = {0, NULL};
	if (!e)
		e = &none;
	io_count(s, &e->nops, &e->ops, 21, sizeof(rt_ceop));
	for (uint32_t i = 0; !s->bad && i < e->nops; i++) {
		io_u8(s, &e->ops[i].op);
		io_u32(s, &e->ops[i].index);
		io_bytes(s, e->ops[i].imm.v128, 16);
		if (s->reading && (e->ops[i].op == 0 || e->ops[i].op >= RT_CE_OP_COUNT))
			s->bad = true;
	}
	if (s->bad)
		e->nops = 0;
}

/* ---------------------------------------------------------------------------
 * Sections, in the order of the format
 */

static void io_types(ser *s, rt_module *mod)
{
	io_count(s, &mod->ntypes, &mod->types, 18, sizeof(rt_subtype));
	for (uint32_t i = 0; !s->bad && i < mod->ntypes; i++) {
		rt_subtype *t = &mod->types[i];
		io_u8(s, &t->comp);
		io_bool(s, &t->final);
		io_u32(s, &t->super);
		io_u32(s, &t->rec_start);
		io_u32(s, &t->rec_len);
		io_u32(s, &t->canon);
		if (s->reading && ((t->super != RT_NO_SUPER && t->super >= mod->ntypes) ||
		                   t->rec_start > i || t->rec_len == 0 ||
		                   t->rec_len > mod->ntypes - t->rec_start ||
		                   i >= t->rec_start + t->rec_len))
			s->bad = true;
		if (t->comp == RT_COMP_FUNC) {
			rt_functype *f = &t->u.func;
			io_count(s, &f->nparams, &f->params, 6, sizeof(rt_valtype));
			for (uint32_t k = 0; !s->bad && k < f->nparams; k++)
				io_valtype(s, &f->params[k]);
			io_count(s, &f->nresults, &f->results, 6, sizeof(rt_valtype));
			for (uint32_t k = 0; !s->bad && k < f->nresults; k++)
				io_valtype(s, &f->results[k]);
		} else if (t->comp == RT_COMP_STRUCT) {
			io_count(s, &t->u.strct.nfields, &t->u.strct.fields, 7, sizeof(rt_fieldtype));
			for (uint32_t k = 0; !s->bad && k < t->u.strct.nfields; k++) {
				io_valtype(s, &t->u.strct.fields[k].type);
				io_bool(s, &t->u.strct.fields[k].mut);
			}
		} else if (t->comp == RT_COMP_ARRAY) {
			io_valtype(s, &t->u.array.type);
			io_bool(s, &t->u.array.mut);
		} else {
			s->bad = true;
		}
	}
}

static void io_imports(ser *s, rt_module *mod)
{
	io_count(s, &mod->nimports, &mod->imports, 13, sizeof(rt_import));
	for (uint32_t i = 0; !s->bad && i < mod->nimports; i++) {
		io_name(s, &mod->imports[i].module);
		io_name(s, &mod->imports[i].field);
		io_u8(s, &mod->imports[i].kind);
		io_u32(s, &mod->imports[i].index);
	}
}

static void io_funcs(ser *s, rt_module *mod)
{
	io_space(s, &mod->nfuncs, &mod->nfuncs_imported, &mod->funcs, 4, sizeof(rt_func));
	for (uint32_t i = 0; !s->bad && i < mod->nfuncs; i++) {
		io_u32(s, &mod->funcs[i].type);
		if (s->reading && (mod->funcs[i].type >= mod->ntypes ||
		                   mod->types[mod->funcs[i].type].comp != RT_COMP_FUNC))
			s->bad = true;
	}
}

static void io_tables(ser *s, rt_module *mod, rt_consts *c)
{
	io_space(s, &mod->ntables, &mod->ntables_imported, &mod->tables, 30,
	         sizeof(rt_tabletype));
	io_alloc(s, mod->ntables, 0, &c->tables, sizeof(rt_constexpr));
	for (uint32_t i = 0; !s->bad && i < mod->ntables; i++) {
		io_valtype(s, &mod->tables[i].elem);
		io_limits(s, &mod->tables[i].limits);
		io_bool(s, &mod->tables[i].has_init);
		bool defined = mod->tables[i].has_init && i >= mod->ntables_imported;
		io_expr(s, s->reading || defined ? &c->tables[i] : NULL);
	}
}

static void io_memories(ser *s, rt_module *mod)
{
	io_space(s, &mod->nmemories, &mod->nmemories_imported, &mod->memories, 18,
	         sizeof(rt_memtype));
	for (uint32_t i = 0; !s->bad && i < mod->nmemories; i++)
		io_limits(s, &mod->memories[i].limits);
}

static void io_globals(ser *s, rt_module *mod, rt_consts *c)
{
	io_space(s, &mod->nglobals, &mod->nglobals_imported, &mod->globals, 11,
	         sizeof(rt_globaltype));
	io_alloc(s, mod->nglobals, 0, &c->globals, sizeof(rt_constexpr));
	for (uint32_t i = 0; !s->bad && i < mod->nglobals; i++) {
		io_valtype(s, &mod->globals[i].type);
		io_bool(s, &mod->globals[i].mut);
		io_expr(s, s->reading || i >= mod->nglobals_imported ? &c->globals[i] : NULL);
	}
}

static void io_tags(ser *s, rt_module *mod)
{
	io_space(s, &mod->ntags, &mod->ntags_imported, &mod->tags, 4, sizeof(rt_tag));
	for (uint32_t i = 0; !s->bad && i < mod->ntags; i++)
		io_u32(s, &mod->tags[i].type);
	if (s->reading && (mod->nfuncs_imported > mod->nfuncs ||
	                   mod->ntables_imported > mod->ntables ||
	                   mod->nmemories_imported > mod->nmemories ||
	                   mod->nglobals_imported > mod->nglobals ||
	                   mod->ntags_imported > mod->ntags))
		s->bad = true;
}

static void io_exports(ser *s, rt_module *mod)
{
	io_count(s, &mod->nexports, &mod->exports, 9, sizeof(rt_export));
	for (uint32_t i = 0; !s->bad && i < mod->nexports; i++) {
		io_name(s, &mod->exports[i].name);
		io_u8(s, &mod->exports[i].kind);
		io_u32(s, &mod->exports[i].index);
	}
	io_u32(s, &mod->start);
}

static void io_elems(ser *s, rt_module *mod, rt_consts *c)
{
	io_count(s, &mod->nelems, &mod->elems, 20, sizeof(rt_elem));
	io_alloc(s, mod->nelems, 0, &c->elem_offsets, sizeof(rt_constexpr));
	io_alloc(s, mod->nelems, 0, &c->elem_items, sizeof(rt_constexpr *));
	for (uint32_t i = 0; !s->bad && i < mod->nelems; i++) {
		rt_elem *e = &mod->elems[i];
		io_u8(s, &e->mode);
		io_u32(s, &e->table);
		io_valtype(s, &e->type);
		io_u32(s, &e->count);
		io_expr(s, s->reading || e->mode == RT_SEG_ACTIVE ? &c->elem_offsets[i] : NULL);
		bool has_exprs = e->exprs != NULL;
		io_bool(s, &has_exprs);
		if (has_exprs) {
			io_alloc(s, e->count, 4, &c->elem_items[i], sizeof(rt_constexpr));
			/* Reading: a non-NULL exprs marker for users of the
			 * description; its ranges are empty. */
			io_alloc(s, e->count, 0, &e->exprs, sizeof(rt_range));
			for (uint32_t k = 0; !s->bad && k < e->count; k++)
				io_expr(s, &c->elem_items[i][k]);
		} else {
			io_alloc(s, e->count, 4, &e->funcs, sizeof(uint32_t));
			for (uint32_t k = 0; !s->bad && k < e->count; k++)
				io_u32(s, &e->funcs[k]);
		}
	}
}

/* Data segments. Writing: each payload from the module's bytes. Reading:
 * the payloads are copied into one owned blob that becomes mod->bytes
 * (each segment's range indexes it). */
static void io_datas(ser *s, rt_module *mod, rt_consts *c)
{
	const uint8_t **src = NULL;
	size_t total = 0;

	io_bool(s, &mod->has_data_count);
	io_u32(s, &mod->data_count);
	io_count(s, &mod->ndatas, &mod->datas, 13, sizeof(rt_data));
	io_alloc(s, mod->ndatas, 0, &c->data_offsets, sizeof(rt_constexpr));
	if (s->reading && !s->bad && mod->ndatas) {
		src = calloc(mod->ndatas, sizeof *src);
		if (!src)
			s->bad = true;
	}
	for (uint32_t i = 0; !s->bad && i < mod->ndatas; i++) {
		rt_data *d = &mod->datas[i];
		io_u8(s, &d->mode);
		io_u32(s, &d->memory);
		io_expr(s, s->reading || d->mode == RT_SEG_ACTIVE ? &c->data_offsets[i] : NULL);
		io_u32(s, &d->bytes.len);
		if (!s->reading) {
			io_bytes(s, (void *)(mod->bytes + d->bytes.off), d->bytes.len);
			continue;
		}
		src[i] = take(s, d->bytes.len);
		if (total + d->bytes.len > UINT32_MAX)
			s->bad = true;
		d->bytes.off = (uint32_t)total;
		total += d->bytes.len;
	}
	if (s->reading && !s->bad) {
		uint8_t *blob = cmn_arena_alloc(&mod->arena, total ? total : 1, 1);
		if (!blob)
			s->bad = true;
		for (uint32_t i = 0; !s->bad && i < mod->ndatas; i++)
			memcpy(blob + mod->datas[i].bytes.off, src[i], mod->datas[i].bytes.len);
		mod->bytes = blob;
		mod->size = total;
	}
	free(src);
}

static void io_names(ser *s, rt_module *mod)
{
	io_bool(s, &mod->names.has_module);
	if (mod->names.has_module)
		io_name(s, &mod->names.module);
	io_count(s, &mod->names.nfuncs, &mod->names.funcs, 8, sizeof(rt_naming));
	for (uint32_t i = 0; !s->bad && i < mod->names.nfuncs; i++) {
		io_u32(s, &mod->names.funcs[i].index);
		io_name(s, &mod->names.funcs[i].name);
	}
}

/* The whole description: magic and version, the sections, magic. */
static void io_module(ser *s, rt_module *mod, rt_consts *c)
{
	uint32_t magic = SERIAL_MAGIC, version = RT_SERIAL_VERSION;

	io_u32(s, &magic);
	io_u32(s, &version);
	if (magic != SERIAL_MAGIC || version != RT_SERIAL_VERSION) {
		s->bad = true;
		return;
	}
	io_types(s, mod);
	io_imports(s, mod);
	io_funcs(s, mod);
	io_tables(s, mod, c);
	io_memories(s, mod);
	io_globals(s, mod, c);
	io_tags(s, mod);
	io_exports(s, mod);
	io_elems(s, mod, c);
	io_datas(s, mod, c);
	io_names(s, mod);
	magic = SERIAL_MAGIC;
	io_u32(s, &magic);
	if (magic != SERIAL_MAGIC)
		s->bad = true;
}

bool rt_serial_write(const rt_module *mod, const rt_consts *consts, uint8_t **out,
                     size_t *out_len, cmn_error *err)
{
	ser s;

	memset(&s, 0, sizeof s);
	/* Writing reads the fields only (see ser). */
	io_module(&s, (rt_module *)mod, (rt_consts *)consts);
	if (s.bad) {
		cmn_vec_free(&s.out);
		return cmn_fail(err, "out of memory");
	}
	*out = s.out.p;
	*out_len = s.out.len;
	return true;
}

bool rt_serial_read(const uint8_t *p, size_t len, rt_module **ret_mod, rt_consts **ret_consts,
                    cmn_error *err)
{
	ser s;
	rt_module *mod = calloc(1, sizeof *mod);

	if (!mod)
		return cmn_fail(err, "out of memory");
	memset(&s, 0, sizeof s);
	s.reading = true;
	s.p = p;
	s.end = p + len;
	s.mod = mod;
	rt_consts *c = cmn_arena_alloc(&mod->arena, 1, sizeof *c);
	if (!c)
		goto fail_mod;
	io_module(&s, mod, c);
	if (s.bad || s.p != s.end)
		goto fail_mod;
	*ret_mod = mod;
	*ret_consts = c;
	return true;

fail_mod:
	rt_module_free(mod);
	return cmn_fail(err, "module description is damaged");
}
