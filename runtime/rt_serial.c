#include "rt_serial.h"

#include <stdlib.h>
#include <string.h>

#define SERIAL_MAGIC 0x44534d57u /* "WMSD" */

/* ---------------------------------------------------------------------------
 * Writer
 */

typedef struct wbuf {
	uint8_t *p;
	size_t len, cap;
	bool oom;
} wbuf;

static void put(wbuf *b, const void *src, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 1024;
		while (cap < b->len + n)
			cap *= 2;
		uint8_t *np = realloc(b->p, cap);
		if (!np) {
			b->oom = true;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	if (n)
		memcpy(b->p + b->len, src, n);
	b->len += n;
}

static void put_u8(wbuf *b, uint8_t v)
{
	put(b, &v, 1);
}

static void put_u32(wbuf *b, uint32_t v)
{
	uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
	put(b, x, 4);
}

static void put_u64(wbuf *b, uint64_t v)
{
	put_u32(b, (uint32_t)v);
	put_u32(b, (uint32_t)(v >> 32));
}

static void put_name(wbuf *b, rt_name n)
{
	put_u32(b, n.len);
	put(b, n.ptr, n.len);
}

static void put_valtype(wbuf *b, rt_valtype t)
{
	put_u8(b, t.kind);
	put_u8(b, t.nullable);
	put_u32(b, t.heap);
}

static void put_limits(wbuf *b, const rt_limits *l)
{
	put_u64(b, l->min);
	put_u64(b, l->max);
	put_u8(b, (uint8_t)((l->has_max ? 1 : 0) | (l->is64 ? 2 : 0) | (l->shared ? 4 : 0)));
	put_u8(b, l->page_log2);
}

static void put_expr(wbuf *b, const rt_constexpr *e)
{
	uint32_t n = e ? e->nops : 0;
	put_u32(b, n);
	for (uint32_t i = 0; i < n; i++) {
		put_u8(b, e->ops[i].op);
		put_u32(b, e->ops[i].index);
		put(b, e->ops[i].imm.v128, 16);
	}
}

bool rt_serial_write(const rt_module *mod, const rt_consts *c, uint8_t **out,
                     size_t *out_len, cmn_error *err)
{
	wbuf b = {0};

	put_u32(&b, SERIAL_MAGIC);
	put_u32(&b, RT_SERIAL_VERSION);

	put_u32(&b, mod->ntypes);
	for (uint32_t i = 0; i < mod->ntypes; i++) {
		const rt_subtype *t = &mod->types[i];
		put_u8(&b, t->comp);
		put_u8(&b, t->final);
		put_u32(&b, t->super);
		put_u32(&b, t->rec_start);
		put_u32(&b, t->rec_len);
		put_u32(&b, t->canon);
		if (t->comp == RT_COMP_FUNC) {
			put_u32(&b, t->u.func.nparams);
			for (uint32_t k = 0; k < t->u.func.nparams; k++)
				put_valtype(&b, t->u.func.params[k]);
			put_u32(&b, t->u.func.nresults);
			for (uint32_t k = 0; k < t->u.func.nresults; k++)
				put_valtype(&b, t->u.func.results[k]);
		} else if (t->comp == RT_COMP_STRUCT) {
			put_u32(&b, t->u.strct.nfields);
			for (uint32_t k = 0; k < t->u.strct.nfields; k++) {
				put_valtype(&b, t->u.strct.fields[k].type);
				put_u8(&b, t->u.strct.fields[k].mut);
			}
		} else {
			put_valtype(&b, t->u.array.type);
			put_u8(&b, t->u.array.mut);
		}
	}

	put_u32(&b, mod->nimports);
	for (uint32_t i = 0; i < mod->nimports; i++) {
		put_name(&b, mod->imports[i].module);
		put_name(&b, mod->imports[i].field);
		put_u8(&b, mod->imports[i].kind);
		put_u32(&b, mod->imports[i].index);
	}

	put_u32(&b, mod->nfuncs);
	put_u32(&b, mod->nfuncs_imported);
	for (uint32_t i = 0; i < mod->nfuncs; i++)
		put_u32(&b, mod->funcs[i].type);

	put_u32(&b, mod->ntables);
	put_u32(&b, mod->ntables_imported);
	for (uint32_t i = 0; i < mod->ntables; i++) {
		put_valtype(&b, mod->tables[i].elem);
		put_limits(&b, &mod->tables[i].limits);
		put_u8(&b, mod->tables[i].has_init);
		put_expr(&b, mod->tables[i].has_init && i >= mod->ntables_imported
		                 ? &c->tables[i] : NULL);
	}

	put_u32(&b, mod->nmemories);
	put_u32(&b, mod->nmemories_imported);
	for (uint32_t i = 0; i < mod->nmemories; i++)
		put_limits(&b, &mod->memories[i].limits);

	put_u32(&b, mod->nglobals);
	put_u32(&b, mod->nglobals_imported);
	for (uint32_t i = 0; i < mod->nglobals; i++) {
		put_valtype(&b, mod->globals[i].type);
		put_u8(&b, mod->globals[i].mut);
		put_expr(&b, i >= mod->nglobals_imported ? &c->globals[i] : NULL);
	}

	put_u32(&b, mod->ntags);
	put_u32(&b, mod->ntags_imported);
	for (uint32_t i = 0; i < mod->ntags; i++)
		put_u32(&b, mod->tags[i].type);

	put_u32(&b, mod->nexports);
	for (uint32_t i = 0; i < mod->nexports; i++) {
		put_name(&b, mod->exports[i].name);
		put_u8(&b, mod->exports[i].kind);
		put_u32(&b, mod->exports[i].index);
	}

	put_u32(&b, mod->start);

	put_u32(&b, mod->nelems);
	for (uint32_t i = 0; i < mod->nelems; i++) {
		const rt_elem *e = &mod->elems[i];
		put_u8(&b, e->mode);
		put_u32(&b, e->table);
		put_valtype(&b, e->type);
		put_u32(&b, e->count);
		put_expr(&b, e->mode == RT_SEG_ACTIVE ? &c->elem_offsets[i] : NULL);
		put_u8(&b, e->exprs ? 1 : 0);
		for (uint32_t k = 0; k < e->count; k++) {
			if (e->exprs)
				put_expr(&b, &c->elem_items[i][k]);
			else
				put_u32(&b, e->funcs[k]);
		}
	}

	put_u8(&b, mod->has_data_count);
	put_u32(&b, mod->data_count);
	put_u32(&b, mod->ndatas);
	for (uint32_t i = 0; i < mod->ndatas; i++) {
		const rt_data *d = &mod->datas[i];
		put_u8(&b, d->mode);
		put_u32(&b, d->memory);
		put_expr(&b, d->mode == RT_SEG_ACTIVE ? &c->data_offsets[i] : NULL);
		put_u32(&b, d->bytes.len);
		put(&b, mod->bytes + d->bytes.off, d->bytes.len);
	}

	put_u8(&b, mod->names.has_module);
	if (mod->names.has_module)
		put_name(&b, mod->names.module);
	put_u32(&b, mod->names.nfuncs);
	for (uint32_t i = 0; i < mod->names.nfuncs; i++) {
		put_u32(&b, mod->names.funcs[i].index);
		put_name(&b, mod->names.funcs[i].name);
	}
	put_u32(&b, SERIAL_MAGIC);

	if (b.oom) {
		free(b.p);
		return cmn_fail(err, "out of memory");
	}
	*out = b.p;
	*out_len = b.len;
	return true;
}

/* ---------------------------------------------------------------------------
 * Reader
 */

typedef struct rbuf {
	const uint8_t *p, *end;
	bool bad;
	rt_module *mod;
} rbuf;

static const uint8_t *take(rbuf *r, size_t n)
{
	if (r->bad || (size_t)(r->end - r->p) < n) {
		r->bad = true;
		return NULL;
	}
	const uint8_t *p = r->p;
	r->p += n;
	return p;
}

static uint8_t get_u8(rbuf *r)
{
	const uint8_t *p = take(r, 1);
	return p ? p[0] : 0;
}

static uint32_t get_u32(rbuf *r)
{
	const uint8_t *p = take(r, 4);
	return p ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	               (uint32_t)p[3] << 24
	         : 0;
}

static uint64_t get_u64(rbuf *r)
{
	uint64_t lo = get_u32(r);
	return lo | (uint64_t)get_u32(r) << 32;
}

/* An array of `n` elements each at least `minsize` serialised bytes. */
static void *get_array(rbuf *r, uint32_t n, size_t minsize, size_t elsize)
{
	if (r->bad)
		return NULL;
	if (minsize && (size_t)(r->end - r->p) / minsize < n) {
		r->bad = true;
		return NULL;
	}
	void *a = cmn_arena_alloc(&r->mod->arena, n ? n : 1, elsize);
	if (!a)
		r->bad = true;
	return a;
}

static rt_name get_name(rbuf *r)
{
	rt_name n = {"", 0};
	uint32_t len = get_u32(r);
	const uint8_t *p = take(r, len);
	if (!p)
		return n;
	char *s = cmn_arena_alloc(&r->mod->arena, len + 1, 1);
	if (!s) {
		r->bad = true;
		return n;
	}
	memcpy(s, p, len);
	n.ptr = s;
	n.len = len;
	return n;
}

static rt_valtype get_valtype(rbuf *r)
{
	rt_valtype t;
	memset(&t, 0, sizeof t);
	t.kind = get_u8(r);
	t.nullable = get_u8(r);
	t.heap = get_u32(r);
	/* Type indices must name a type of this module (the runtime
	 * indexes its type tables with them). */
	if (t.kind == RT_REF && !RT_HT_IS_ABS(t.heap) && t.heap >= r->mod->ntypes)
		r->bad = true;
	return t;
}

static rt_limits get_limits(rbuf *r)
{
	rt_limits l;
	memset(&l, 0, sizeof l);
	l.min = get_u64(r);
	l.max = get_u64(r);
	uint8_t f = get_u8(r);
	l.has_max = f & 1;
	l.is64 = (f & 2) != 0;
	l.shared = (f & 4) != 0;
	l.page_log2 = get_u8(r);
	if (f & ~7u)
		r->bad = true;
	return l;
}

static void get_expr(rbuf *r, rt_constexpr *e)
{
	e->nops = get_u32(r);
	e->ops = get_array(r, e->nops, 21, sizeof(rt_ceop));
	if (!e->ops) {
		e->nops = 0;
		return;
	}
	for (uint32_t i = 0; i < e->nops; i++) {
		e->ops[i].op = get_u8(r);
		e->ops[i].index = get_u32(r);
		const uint8_t *p = take(r, 16);
		if (p)
			memcpy(e->ops[i].imm.v128, p, 16);
		if (e->ops[i].op == 0 || e->ops[i].op >= RT_CE_OP_COUNT)
			r->bad = true;
	}
}

bool rt_serial_read(const uint8_t *p, size_t len, rt_module **ret_mod,
                    rt_consts **ret_consts, cmn_error *err)
{
	rt_module *mod = calloc(1, sizeof *mod);
	if (!mod)
		return cmn_fail(err, "out of memory");
	rbuf rb = {p, p + len, false, mod};
	rbuf *r = &rb;
	rt_consts *c = cmn_arena_alloc(&mod->arena, 1, sizeof *c);
	if (!c)
		goto bad;

	if (get_u32(r) != SERIAL_MAGIC || get_u32(r) != RT_SERIAL_VERSION) {
		rt_module_free(mod);
		return cmn_fail(err, "module description: bad magic or version");
	}

	mod->ntypes = get_u32(r);
	mod->types = get_array(r, mod->ntypes, 18, sizeof(rt_subtype));
	for (uint32_t i = 0; !r->bad && i < mod->ntypes; i++) {
		rt_subtype *t = &mod->types[i];
		t->comp = get_u8(r);
		t->final = get_u8(r) != 0;
		t->super = get_u32(r);
		t->rec_start = get_u32(r);
		t->rec_len = get_u32(r);
		t->canon = get_u32(r);
		if ((t->super != RT_NO_SUPER && t->super >= mod->ntypes) ||
		    t->rec_start > i || t->rec_len == 0 ||
		    t->rec_len > mod->ntypes - t->rec_start || i >= t->rec_start + t->rec_len)
			r->bad = true;
		if (t->comp == RT_COMP_FUNC) {
			rt_functype *f = &t->u.func;
			f->nparams = get_u32(r);
			f->params = get_array(r, f->nparams, 6, sizeof(rt_valtype));
			for (uint32_t k = 0; !r->bad && k < f->nparams; k++)
				f->params[k] = get_valtype(r);
			f->nresults = get_u32(r);
			f->results = get_array(r, f->nresults, 6, sizeof(rt_valtype));
			for (uint32_t k = 0; !r->bad && k < f->nresults; k++)
				f->results[k] = get_valtype(r);
		} else if (t->comp == RT_COMP_STRUCT) {
			t->u.strct.nfields = get_u32(r);
			t->u.strct.fields = get_array(r, t->u.strct.nfields, 7, sizeof(rt_fieldtype));
			for (uint32_t k = 0; !r->bad && k < t->u.strct.nfields; k++) {
				t->u.strct.fields[k].type = get_valtype(r);
				t->u.strct.fields[k].mut = get_u8(r) != 0;
			}
		} else if (t->comp == RT_COMP_ARRAY) {
			t->u.array.type = get_valtype(r);
			t->u.array.mut = get_u8(r) != 0;
		} else {
			r->bad = true;
		}
	}

	mod->nimports = get_u32(r);
	mod->imports = get_array(r, mod->nimports, 13, sizeof(rt_import));
	for (uint32_t i = 0; !r->bad && i < mod->nimports; i++) {
		mod->imports[i].module = get_name(r);
		mod->imports[i].field = get_name(r);
		mod->imports[i].kind = get_u8(r);
		mod->imports[i].index = get_u32(r);
	}

	mod->nfuncs = get_u32(r);
	mod->nfuncs_imported = get_u32(r);
	mod->funcs = get_array(r, mod->nfuncs, 4, sizeof(rt_func));
	for (uint32_t i = 0; !r->bad && i < mod->nfuncs; i++) {
		mod->funcs[i].type = get_u32(r);
		if (mod->funcs[i].type >= mod->ntypes ||
		    mod->types[mod->funcs[i].type].comp != RT_COMP_FUNC)
			r->bad = true;
	}

	mod->ntables = get_u32(r);
	mod->ntables_imported = get_u32(r);
	mod->tables = get_array(r, mod->ntables, 30, sizeof(rt_tabletype));
	c->tables = get_array(r, mod->ntables, 0, sizeof(rt_constexpr));
	for (uint32_t i = 0; !r->bad && i < mod->ntables; i++) {
		mod->tables[i].elem = get_valtype(r);
		mod->tables[i].limits = get_limits(r);
		mod->tables[i].has_init = get_u8(r) != 0;
		get_expr(r, &c->tables[i]);
	}

	mod->nmemories = get_u32(r);
	mod->nmemories_imported = get_u32(r);
	mod->memories = get_array(r, mod->nmemories, 18, sizeof(rt_memtype));
	for (uint32_t i = 0; !r->bad && i < mod->nmemories; i++)
		mod->memories[i].limits = get_limits(r);

	mod->nglobals = get_u32(r);
	mod->nglobals_imported = get_u32(r);
	mod->globals = get_array(r, mod->nglobals, 11, sizeof(rt_globaltype));
	c->globals = get_array(r, mod->nglobals, 0, sizeof(rt_constexpr));
	for (uint32_t i = 0; !r->bad && i < mod->nglobals; i++) {
		mod->globals[i].type = get_valtype(r);
		mod->globals[i].mut = get_u8(r) != 0;
		get_expr(r, &c->globals[i]);
	}

	mod->ntags = get_u32(r);
	mod->ntags_imported = get_u32(r);
	mod->tags = get_array(r, mod->ntags, 4, sizeof(rt_tag));
	for (uint32_t i = 0; !r->bad && i < mod->ntags; i++)
		mod->tags[i].type = get_u32(r);

	if (mod->nfuncs_imported > mod->nfuncs || mod->ntables_imported > mod->ntables ||
	    mod->nmemories_imported > mod->nmemories ||
	    mod->nglobals_imported > mod->nglobals || mod->ntags_imported > mod->ntags)
		r->bad = true;

	mod->nexports = get_u32(r);
	mod->exports = get_array(r, mod->nexports, 9, sizeof(rt_export));
	for (uint32_t i = 0; !r->bad && i < mod->nexports; i++) {
		mod->exports[i].name = get_name(r);
		mod->exports[i].kind = get_u8(r);
		mod->exports[i].index = get_u32(r);
	}

	mod->start = get_u32(r);

	mod->nelems = get_u32(r);
	mod->elems = get_array(r, mod->nelems, 20, sizeof(rt_elem));
	c->elem_offsets = get_array(r, mod->nelems, 0, sizeof(rt_constexpr));
	c->elem_items = get_array(r, mod->nelems, 0, sizeof(rt_constexpr *));
	for (uint32_t i = 0; !r->bad && i < mod->nelems; i++) {
		rt_elem *e = &mod->elems[i];
		e->mode = get_u8(r);
		e->table = get_u32(r);
		e->type = get_valtype(r);
		e->count = get_u32(r);
		get_expr(r, &c->elem_offsets[i]);
		uint8_t has_exprs = get_u8(r);
		if (has_exprs) {
			c->elem_items[i] = get_array(r, e->count, 4, sizeof(rt_constexpr));
			/* Keep a non-NULL exprs marker for users of the
			 * description; its ranges are empty. */
			e->exprs = get_array(r, e->count, 0, sizeof(rt_range));
			for (uint32_t k = 0; !r->bad && k < e->count; k++)
				get_expr(r, &c->elem_items[i][k]);
		} else {
			e->funcs = get_array(r, e->count, 4, sizeof(uint32_t));
			for (uint32_t k = 0; !r->bad && k < e->count; k++)
				e->funcs[k] = get_u32(r);
		}
	}

	mod->has_data_count = get_u8(r) != 0;
	mod->data_count = get_u32(r);
	mod->ndatas = get_u32(r);
	mod->datas = get_array(r, mod->ndatas, 13, sizeof(rt_data));
	c->data_offsets = get_array(r, mod->ndatas, 0, sizeof(rt_constexpr));
	/* Data payloads: first collect their positions, then copy them into
	 * one owned blob that becomes mod->bytes. */
	const uint8_t **src = NULL;
	size_t total = 0;
	if (!r->bad && mod->ndatas) {
		src = calloc(mod->ndatas, sizeof *src);
		if (!src)
			r->bad = true;
	}
	for (uint32_t i = 0; !r->bad && i < mod->ndatas; i++) {
		rt_data *d = &mod->datas[i];
		d->mode = get_u8(r);
		d->memory = get_u32(r);
		get_expr(r, &c->data_offsets[i]);
		d->bytes.len = get_u32(r);
		src[i] = take(r, d->bytes.len);
		if (total + d->bytes.len > UINT32_MAX)
			r->bad = true;
		d->bytes.off = (uint32_t)total;
		total += d->bytes.len;
	}
	if (!r->bad) {
		uint8_t *blob = cmn_arena_alloc(&mod->arena, total ? total : 1, 1);
		if (!blob)
			r->bad = true;
		for (uint32_t i = 0; !r->bad && i < mod->ndatas; i++)
			memcpy(blob + mod->datas[i].bytes.off, src[i], mod->datas[i].bytes.len);
		mod->bytes = blob;
		mod->size = total;
	}
	free(src);

	mod->names.has_module = get_u8(r) != 0;
	if (mod->names.has_module)
		mod->names.module = get_name(r);
	mod->names.nfuncs = get_u32(r);
	mod->names.funcs = get_array(r, mod->names.nfuncs, 8, sizeof(rt_naming));
	for (uint32_t i = 0; !r->bad && i < mod->names.nfuncs; i++) {
		mod->names.funcs[i].index = get_u32(r);
		mod->names.funcs[i].name = get_name(r);
	}
	if (get_u32(r) != SERIAL_MAGIC || r->p != r->end)
		r->bad = true;
	if (r->bad)
		goto bad;
	*ret_mod = mod;
	*ret_consts = c;
	return true;
bad:
	rt_module_free(mod);
	return cmn_fail(err, "module description is damaged");
}
