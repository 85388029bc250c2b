/*
 * wb_types.c - reading value/reference/heap types, canonicalising rec groups
 * (iso-recursive type equivalence) and subtyping.
 *
 * Canonicalisation: each rec group is flattened into a token string in which
 * a reference to a type of the same group is written relative to the group
 * (rec.i) and a reference outside it by that type's canonical id. Groups with
 * equal strings are equal; the canonical id of a type is the index of the
 * type at the same position in the first group with that string.
 */
#include "wb_types.h"

#include <stdlib.h>
#include <string.h>

#include "wb_reader.h"

/* ---------------------------------------------------------------------------
 * Reading types
 */

static bool heap_code_known(uint8_t c)
{
	switch (c) {
	case RT_HT_NOEXN:
	case RT_HT_NOFUNC:
	case RT_HT_NOEXTERN:
	case RT_HT_NONE:
	case RT_HT_FUNC:
	case RT_HT_EXTERN:
	case RT_HT_ANY:
	case RT_HT_EQ:
	case RT_HT_I31:
	case RT_HT_STRUCT:
	case RT_HT_ARRAY:
	case RT_HT_EXN:
		return true;
	default:
		return false;
	}
}

bool wb_read_heaptype(wb_reader *r, uint32_t ntypes, uint32_t *ret,
                      cmn_error *err)
{
	size_t at = wb_reader_offset(r);
	int64_t v;

	if (!wb_read_s33(r, &v, err))
		return false;
	if (v < 0) {
		uint8_t code = (uint8_t)(v & 0x7F);
		if (v < -64 || !heap_code_known(code))
			return cmn_fail_at(err, at, "malformed heap type");
		*ret = RT_HT_MAKE_ABS(code);
		return true;
	}
	if ((uint64_t)v >= ntypes)
		return cmn_fail_at(err, at, "unknown type %u", (uint32_t)v);
	*ret = (uint32_t)v;
	return true;
}

static bool read_ref_or_short(wb_reader *r, uint8_t b, uint32_t ntypes,
                              rt_valtype *ret, cmn_error *err, bool *ret_ok)
{
	uint32_t heap;

	*ret_ok = false;
	if (b == 0x63 || b == 0x64) {
		r->p++;
		if (!wb_read_heaptype(r, ntypes, &heap, err))
			return false;
		*ret = rt_valtype_ref(b == 0x63, heap);
		*ret_ok = true;
		return true;
	}
	if (heap_code_known(b)) {
		r->p++;
		*ret = rt_valtype_ref(true, RT_HT_MAKE_ABS(b));
		*ret_ok = true;
	}
	return true;
}

bool wb_read_valtype(wb_reader *r, uint32_t ntypes, rt_valtype *ret,
                     cmn_error *err)
{
	size_t at = wb_reader_offset(r);
	bool ok;
	uint8_t b;

	if (wb_reader_done(r))
		return cmn_fail_at(err, at, "%s",
		                   r->eof_msg ? r->eof_msg : "unexpected end");
	b = *r->p;
	switch (b) {
	case RT_I32:
	case RT_I64:
	case RT_F32:
	case RT_F64:
	case RT_V128:
		r->p++;
		*ret = rt_valtype_num(b);
		return true;
	default:
		break;
	}
	if (!read_ref_or_short(r, b, ntypes, ret, err, &ok))
		return false;
	if (!ok)
		return cmn_fail_at(err, at, "malformed value type");
	return true;
}

bool wb_read_reftype(wb_reader *r, uint32_t ntypes, rt_valtype *ret,
                     cmn_error *err)
{
	size_t at = wb_reader_offset(r);
	bool ok;

	if (wb_reader_done(r))
		return cmn_fail_at(err, at, "%s",
		                   r->eof_msg ? r->eof_msg : "unexpected end");
	if (!read_ref_or_short(r, *r->p, ntypes, ret, err, &ok))
		return false;
	if (!ok)
		return cmn_fail_at(err, at, "malformed reference type");
	return true;
}

/* ---------------------------------------------------------------------------
 * Subtyping
 */

bool wb_type_is_func(const rt_module *mod, uint32_t t)
{
	return t < mod->ntypes && mod->types[t].comp == RT_COMP_FUNC;
}

bool wb_type_is_struct(const rt_module *mod, uint32_t t)
{
	return t < mod->ntypes && mod->types[t].comp == RT_COMP_STRUCT;
}

bool wb_type_is_array(const rt_module *mod, uint32_t t)
{
	return t < mod->ntypes && mod->types[t].comp == RT_COMP_ARRAY;
}

bool wb_typeidx_match(const rt_module *mod, uint32_t a, uint32_t b)
{
	uint32_t want = mod->types[b].canon;
	uint32_t t = a;

	while (t != RT_NO_SUPER) {
		if (mod->types[t].canon == want)
			return true;
		t = mod->types[t].super;
	}
	return false;
}

uint32_t wb_heap_top(const rt_module *mod, uint32_t heap)
{
	if (!RT_HT_IS_ABS(heap)) {
		if (mod->types[heap].comp == RT_COMP_FUNC)
			return RT_HT_MAKE_ABS(RT_HT_FUNC);
		return RT_HT_MAKE_ABS(RT_HT_ANY);
	}
	switch (RT_HT_CODE(heap)) {
	case RT_HT_FUNC:
	case RT_HT_NOFUNC:
		return RT_HT_MAKE_ABS(RT_HT_FUNC);
	case RT_HT_EXTERN:
	case RT_HT_NOEXTERN:
		return RT_HT_MAKE_ABS(RT_HT_EXTERN);
	case RT_HT_EXN:
	case RT_HT_NOEXN:
		return RT_HT_MAKE_ABS(RT_HT_EXN);
	case RT_HT_BOT:
		return RT_HT_MAKE_ABS(RT_HT_BOT);
	default:
		return RT_HT_MAKE_ABS(RT_HT_ANY);
	}
}

uint32_t wb_heap_bottom(const rt_module *mod, uint32_t heap)
{
	switch (RT_HT_CODE(wb_heap_top(mod, heap))) {
	case RT_HT_FUNC:
		return RT_HT_MAKE_ABS(RT_HT_NOFUNC);
	case RT_HT_EXTERN:
		return RT_HT_MAKE_ABS(RT_HT_NOEXTERN);
	case RT_HT_EXN:
		return RT_HT_MAKE_ABS(RT_HT_NOEXN);
	case RT_HT_BOT:
		return RT_HT_MAKE_ABS(RT_HT_BOT);
	default:
		return RT_HT_MAKE_ABS(RT_HT_NONE);
	}
}

/* Abstract `a` <: abstract `b`; the validator's bottom type matches all. */
static bool abs_match(uint8_t a, uint8_t b)
{
	return a == RT_HT_BOT || rt_heap_abs_match(a, b);
}

bool wb_heap_match(const rt_module *mod, uint32_t a, uint32_t b)
{
	if (a == b)
		return true;
	if (RT_HT_IS_ABS(a) && RT_HT_IS_ABS(b))
		return abs_match(RT_HT_CODE(a), RT_HT_CODE(b));
	if (RT_HT_IS_ABS(a)) {
		/* Only a bottom type is below a defined type. */
		uint8_t c = RT_HT_CODE(a);
		if (c == RT_HT_BOT)
			return true;
		return a == wb_heap_bottom(mod, b);
	}
	if (RT_HT_IS_ABS(b)) {
		uint8_t c = RT_HT_CODE(b);
		switch (mod->types[a].comp) {
		case RT_COMP_FUNC:
			return c == RT_HT_FUNC;
		case RT_COMP_STRUCT:
			return c == RT_HT_STRUCT || c == RT_HT_EQ ||
			       c == RT_HT_ANY;
		case RT_COMP_ARRAY:
			return c == RT_HT_ARRAY || c == RT_HT_EQ ||
			       c == RT_HT_ANY;
		default:
			return false;
		}
	}
	return wb_typeidx_match(mod, a, b);
}

bool wb_val_match(const rt_module *mod, rt_valtype a, rt_valtype b)
{
	if (a.kind == RT_BOT)
		return true;
	if (a.kind != b.kind)
		return false;
	if (a.kind != RT_REF)
		return true;
	if (a.nullable && !b.nullable)
		return false;
	return wb_heap_match(mod, a.heap, b.heap);
}

bool wb_val_eq(const rt_module *mod, rt_valtype a, rt_valtype b)
{
	return wb_val_match(mod, a, b) && wb_val_match(mod, b, a);
}

/* ---------------------------------------------------------------------------
 * Canonicalisation
 */

typedef struct tokbuf {
	uint32_t *v;
	size_t n, cap;
} tokbuf;

static bool tok_push(tokbuf *t, uint32_t x)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 256;
		uint32_t *v = realloc(t->v, cap * sizeof(*v));
		if (v == NULL)
			return false;
		t->v = v;
		t->cap = cap;
	}
	t->v[t->n++] = x;
	return true;
}

enum { TOK_REC = 1, TOK_CANON = 2, TOK_NONE = 3, TOK_ABS = 4 };

static bool tok_typeref(tokbuf *t, const rt_module *mod,
                        const rt_subtype *st, uint32_t idx)
{
	if (idx >= st->rec_start && idx < st->rec_start + st->rec_len)
		return tok_push(t, TOK_REC) &&
		       tok_push(t, idx - st->rec_start);
	return tok_push(t, TOK_CANON) && tok_push(t, mod->types[idx].canon);
}

static bool tok_valtype(tokbuf *t, const rt_module *mod,
                        const rt_subtype *st, rt_valtype v)
{
	if (!tok_push(t, (uint32_t)v.kind << 8 | v.nullable))
		return false;
	if (v.kind != RT_REF)
		return true;
	if (RT_HT_IS_ABS(v.heap))
		return tok_push(t, TOK_ABS) && tok_push(t, RT_HT_CODE(v.heap));
	return tok_typeref(t, mod, st, v.heap);
}

static bool tok_field(tokbuf *t, const rt_module *mod, const rt_subtype *st,
                      const rt_fieldtype *f)
{
	return tok_valtype(t, mod, st, f->type) && tok_push(t, f->mut);
}

static bool tok_subtype(tokbuf *t, const rt_module *mod,
                        const rt_subtype *st)
{
	uint32_t i;

	if (!tok_push(t, st->comp) || !tok_push(t, st->final))
		return false;
	if (st->super == RT_NO_SUPER) {
		if (!tok_push(t, TOK_NONE) || !tok_push(t, 0))
			return false;
	} else if (!tok_typeref(t, mod, st, st->super)) {
		return false;
	}
	switch (st->comp) {
	case RT_COMP_FUNC:
		if (!tok_push(t, st->u.func.nparams))
			return false;
		for (i = 0; i < st->u.func.nparams; i++)
			if (!tok_valtype(t, mod, st, st->u.func.params[i]))
				return false;
		if (!tok_push(t, st->u.func.nresults))
			return false;
		for (i = 0; i < st->u.func.nresults; i++)
			if (!tok_valtype(t, mod, st, st->u.func.results[i]))
				return false;
		return true;
	case RT_COMP_STRUCT:
		if (!tok_push(t, st->u.strct.nfields))
			return false;
		for (i = 0; i < st->u.strct.nfields; i++)
			if (!tok_field(t, mod, st, &st->u.strct.fields[i]))
				return false;
		return true;
	default:
		return tok_field(t, mod, st, &st->u.array);
	}
}

/* One canonical group: where its tokens are in the buffer and which type
 * index starts it. */
typedef struct canon_group {
	size_t tok_off, tok_len;
	uint32_t first;
	uint32_t hash;
	bool used;
} canon_group;

static uint32_t hash_tokens(const uint32_t *v, size_t n)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= v[i];
		h *= 16777619u;
	}
	return h;
}

static bool field_match(const rt_module *mod, const rt_fieldtype *a,
                        const rt_fieldtype *b)
{
	if (a->mut != b->mut)
		return false;
	if (a->type.kind == RT_I8 || a->type.kind == RT_I16 ||
	    b->type.kind == RT_I8 || b->type.kind == RT_I16)
		return a->type.kind == b->type.kind;
	if (a->mut)
		return wb_val_eq(mod, a->type, b->type);
	return wb_val_match(mod, a->type, b->type);
}

static bool subtype_matches(const rt_module *mod, const rt_subtype *sub,
                            const rt_subtype *sup)
{
	uint32_t i;

	if (sub->comp != sup->comp)
		return false;
	switch (sub->comp) {
	case RT_COMP_FUNC:
		if (sub->u.func.nparams != sup->u.func.nparams ||
		    sub->u.func.nresults != sup->u.func.nresults)
			return false;
		for (i = 0; i < sub->u.func.nparams; i++)
			if (!wb_val_match(mod, sup->u.func.params[i],
			                  sub->u.func.params[i]))
				return false;
		for (i = 0; i < sub->u.func.nresults; i++)
			if (!wb_val_match(mod, sub->u.func.results[i],
			                  sup->u.func.results[i]))
				return false;
		return true;
	case RT_COMP_STRUCT:
		if (sub->u.strct.nfields < sup->u.strct.nfields)
			return false;
		for (i = 0; i < sup->u.strct.nfields; i++)
			if (!field_match(mod, &sub->u.strct.fields[i],
			                 &sup->u.strct.fields[i]))
				return false;
		return true;
	default:
		return field_match(mod, &sub->u.array, &sup->u.array);
	}
}

bool wb_types_validate(rt_module *mod, cmn_error *err)
{
	tokbuf toks = {0};
	canon_group *table = NULL;
	size_t cap, mask, ngroups = 0;
	uint32_t i, g;
	bool ok = false;

	/* Hash table sized for one entry per type at load <= 1/2. */
	cap = 16;
	while (cap < (size_t)mod->ntypes * 2)
		cap *= 2;
	mask = cap - 1;
	table = calloc(cap, sizeof(*table));
	if (table == NULL) {
		cmn_fail(err, "out of memory");
		goto out_free;
	}

	for (g = 0; g < mod->ntypes; g += mod->types[g].rec_len) {
		rt_subtype *first = &mod->types[g];
		uint32_t len = first->rec_len;
		size_t off = toks.n, h;
		canon_group *slot;

		/* References outside the group must point backwards (the
		 * decoder checked the range); supertypes must be earlier. */
		for (i = g; i < g + len; i++) {
			rt_subtype *st = &mod->types[i];
			if (st->super != RT_NO_SUPER && st->super >= i) {
				cmn_fail(err, "unknown type %u", st->super);
				goto out_free;
			}
			if (!tok_subtype(&toks, mod, st)) {
				cmn_fail(err, "out of memory");
				goto out_free;
			}
		}
		h = hash_tokens(toks.v + off, toks.n - off);
		for (slot = &table[h & mask];; slot = &table[(slot - table + 1) & mask]) {
			if (!slot->used) {
				slot->used = true;
				slot->tok_off = off;
				slot->tok_len = toks.n - off;
				slot->first = g;
				slot->hash = (uint32_t)h;
				ngroups++;
				break;
			}
			if (slot->hash == (uint32_t)h &&
			    slot->tok_len == toks.n - off &&
			    memcmp(toks.v + slot->tok_off, toks.v + off,
			           (toks.n - off) * sizeof(uint32_t)) == 0) {
				toks.n = off; /* duplicate: drop its tokens */
				break;
			}
		}
		for (i = 0; i < len; i++)
			mod->types[g + i].canon = slot->first + i;

		/* Now that the group's own types are canonical, check the
		 * declared supertypes. */
		for (i = g; i < g + len; i++) {
			rt_subtype *st = &mod->types[i];
			rt_subtype *sup;
			if (st->super == RT_NO_SUPER)
				continue;
			sup = &mod->types[st->super];
			if (sup->final || !subtype_matches(mod, st, sup)) {
				cmn_fail(err,
				         "sub type %u does not match super type %u",
				         i, st->super);
				goto out_free;
			}
		}
	}
	(void)ngroups;
	ok = true;
out_free:
	free(table);
	free(toks.v);
	return ok;
}
