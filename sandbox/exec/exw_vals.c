/*
 * exw_vals.c - value conversion and the funcref token table.
 */
#include "exw_vals.h"

#include <stdlib.h>
#include <string.h>

#include "rt_store.h"
#include "sbx_extern.h"

/* ---------------------------------------------------------------------------
 * Funcref tokens: tokens index `refs`; `slots` maps a pointer to its token
 * (open addressing, power-of-two size, 0 = empty, else token + 1).
 */

#define FUNCREF_MAX (1u << 22)

static rt_funcref **refs;
static uint32_t nrefs, caprefs;
static uint32_t *slots;
static uint32_t nslots;

static uint32_t hash_ptr(const void *p)
{
	uint64_t x = (uint64_t)(uintptr_t)p;
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return (uint32_t)x;
}

static bool rehash(uint32_t n)
{
	uint32_t *s = calloc(n, sizeof *s);
	if (!s)
		return false;
	for (uint32_t t = 0; t < nrefs; t++) {
		uint32_t i = hash_ptr(refs[t]) & (n - 1);
		while (s[i])
			i = (i + 1) & (n - 1);
		s[i] = t + 1;
	}
	free(slots);
	slots = s;
	nslots = n;
	return true;
}

/* The token of f (added when new); false when the table is full. */
static bool funcref_token(rt_funcref *f, uint64_t *ret)
{
	if (nslots) {
		uint32_t i = hash_ptr(f) & (nslots - 1);
		for (; slots[i]; i = (i + 1) & (nslots - 1)) {
			if (refs[slots[i] - 1] == f) {
				*ret = slots[i] - 1;
				return true;
			}
		}
	}
	if (nrefs >= FUNCREF_MAX)
		return false;
	if (nrefs == caprefs) {
		uint32_t cap = caprefs ? caprefs * 2 : 64;
		rt_funcref **r = realloc(refs, cap * sizeof *r);
		if (!r)
			return false;
		refs = r;
		caprefs = cap;
	}
	refs[nrefs++] = f;
	if ((uint64_t)nrefs * 2 > nslots) {
		/* rehash places every token, the new one included */
		if (!rehash(nslots ? nslots * 2 : 128)) {
			nrefs--;
			return false;
		}
	} else {
		uint32_t i = hash_ptr(f) & (nslots - 1);
		while (slots[i])
			i = (i + 1) & (nslots - 1);
		slots[i] = nrefs;
	}
	*ret = nrefs - 1;
	return true;
}

/* ---------------------------------------------------------------------------
 * Conversion
 */

static const char *type_name(Wasmc__V1__ValType t)
{
	switch (t) {
	case WASMC__V1__VAL_TYPE__I32:
		return "i32";
	case WASMC__V1__VAL_TYPE__I64:
		return "i64";
	case WASMC__V1__VAL_TYPE__F32:
		return "f32";
	case WASMC__V1__VAL_TYPE__F64:
		return "f64";
	case WASMC__V1__VAL_TYPE__V128:
		return "v128";
	case WASMC__V1__VAL_TYPE__FUNCREF:
		return "funcref";
	case WASMC__V1__VAL_TYPE__EXTERNREF:
		return "externref";
	default:
		return "unspecified";
	}
}

static bool val_in(const exw_types *ty, rt_valtype t, const Wasmc__V1__Value *v, rt_val *out,
                   const char *what, uint32_t i, cmn_error *err)
{
	Wasmc__V1__ValType want = sbx_valtype(ty->mod, t);
	memset(out, 0, sizeof *out);
	if (want == WASMC__V1__VAL_TYPE__VALTYPE_UNSPECIFIED)
		return cmn_fail(err, "%s %u: its type cannot travel in this protocol", what, i + 1);
	if (v->type != want)
		return cmn_fail(err, "%s %u: expected %s, got %s", what, i + 1, type_name(want),
		                type_name(v->type));
	switch (want) {
	case WASMC__V1__VAL_TYPE__I32:
	case WASMC__V1__VAL_TYPE__F32:
		if (v->bits > UINT32_MAX)
			return cmn_fail(err, "%s %u: %s value has bits above bit 31", what, i + 1,
			                type_name(want));
		out->f32_bits = (uint32_t)v->bits;
		return true;
	case WASMC__V1__VAL_TYPE__I64:
	case WASMC__V1__VAL_TYPE__F64:
		out->f64_bits = v->bits;
		return true;
	case WASMC__V1__VAL_TYPE__V128:
		if (v->v128.len != 16)
			return cmn_fail(err, "%s %u: v128 needs 16 bytes, got %zu", what, i + 1,
			                v->v128.len);
		memcpy(out->v128, v->v128.data, 16);
		return true;
	default:
		break;
	}
	if (v->is_null) {
		if (!t.nullable)
			return cmn_fail(err, "%s %u: null for a non-nullable reference", what,
			                i + 1);
		out->ref = NULL;
		return true;
	}
	if (want == WASMC__V1__VAL_TYPE__EXTERNREF) {
		if (RT_HT_IS_ABS(t.heap) && RT_HT_CODE(t.heap) == RT_HT_NOEXTERN)
			return cmn_fail(err, "%s %u: only null is a noextern reference", what,
			                i + 1);
		if (v->bits == UINT64_MAX)
			return cmn_fail(err, "%s %u: externref token 2^64-1 is reserved", what,
			                i + 1);
		out->ref = (void *)(uintptr_t)(v->bits + 1);
		return true;
	}
	if (v->bits >= nrefs)
		return cmn_fail(err, "%s %u: unknown funcref token %llu", what, i + 1,
		                (unsigned long long)v->bits);
	rt_funcref *f = refs[v->bits];
	if (RT_HT_IS_ABS(t.heap) && RT_HT_CODE(t.heap) == RT_HT_NOFUNC)
		return cmn_fail(err, "%s %u: only null is a nofunc reference", what, i + 1);
	if (!RT_HT_IS_ABS(t.heap) && !rt_types_sub(f->type_id, ty->canon[t.heap]))
		return cmn_fail(err, "%s %u: function reference of the wrong type", what, i + 1);
	out->ref = f;
	return true;
}

bool exw_vals_in(const exw_types *ty, uint32_t n, const rt_valtype *types, size_t nv,
                 Wasmc__V1__Value *const *vs, rt_val *out, const char *what, cmn_error *err)
{
	if (nv != n)
		return cmn_fail(err, "%u %s%s expected, %zu given", n, what, n == 1 ? "" : "s", nv);
	for (uint32_t i = 0; i < n; i++)
		if (!val_in(ty, types[i], vs[i], &out[i], what, i, err))
			return false;
	return true;
}

bool exw_vals_out(cmn_arena *a, const exw_types *ty, uint32_t n, const rt_valtype *types,
                  const rt_val *vals, size_t *ret_n, Wasmc__V1__Value ***ret, cmn_error *err)
{
	Wasmc__V1__Value **vs = cmn_arena_alloc(a, n, sizeof *vs);
	if (!vs)
		return cmn_fail(err, "out of memory");
	for (uint32_t i = 0; i < n; i++) {
		Wasmc__V1__Value *v = cmn_arena_alloc(a, 1, sizeof *v);
		if (!v)
			return cmn_fail(err, "out of memory");
		wasmc__v1__value__init(v);
		v->type = sbx_valtype(ty->mod, types[i]);
		switch (types[i].kind) {
		case RT_I32:
		case RT_F32:
			v->bits = vals[i].f32_bits;
			break;
		case RT_I64:
		case RT_F64:
			v->bits = vals[i].f64_bits;
			break;
		case RT_V128: {
			uint8_t *b = cmn_arena_alloc(a, 16, 1);
			if (!b)
				return cmn_fail(err, "out of memory");
			memcpy(b, vals[i].v128, 16);
			v->v128.data = b;
			v->v128.len = 16;
			break;
		}
		default:
			if (!vals[i].ref) {
				v->is_null = true;
			} else if (v->type == WASMC__V1__VAL_TYPE__EXTERNREF) {
				v->bits = (uint64_t)(uintptr_t)vals[i].ref - 1;
			} else if (v->type == WASMC__V1__VAL_TYPE__FUNCREF) {
				if (!funcref_token(vals[i].ref, &v->bits))
					return cmn_fail(err,
					                "too many distinct function references");
			}
			break;
		}
		vs[i] = v;
	}
	*ret_n = n;
	*ret = vs;
	return true;
}
