/*
 * cm_abi_layout.c - sizes, alignments and flattening of value types
 * (cm_abi.h: alignment, elem_size, flatten_type of CanonicalABI.md),
 * computed for a whole cm_types table in one forward pass, and the core
 * signatures of function types (flatten_functype).
 */
#include "cm_abi.h"

#include <stdlib.h>
#include <string.h>

struct cm_abi {
	const cm_types *types;
	cm_layout *lay;    /* one per table entry */
	const char **why;  /* NULL where the entry has a layout */
	uint32_t n;
};

#define PRIM(k, sz, c) [k] = {.size = sz, .align = sz, .nflat = 1, .flat = {c}, .depth = 1}
static const cm_layout prim[CM_STRING + 1] = {
	PRIM(CM_BOOL, 1, CM_CORE_I32), PRIM(CM_S8, 1, CM_CORE_I32),
	PRIM(CM_U8, 1, CM_CORE_I32),   PRIM(CM_S16, 2, CM_CORE_I32),
	PRIM(CM_U16, 2, CM_CORE_I32),  PRIM(CM_S32, 4, CM_CORE_I32),
	PRIM(CM_U32, 4, CM_CORE_I32),  PRIM(CM_S64, 8, CM_CORE_I64),
	PRIM(CM_U64, 8, CM_CORE_I64),  PRIM(CM_F32, 4, CM_CORE_F32),
	PRIM(CM_F64, 8, CM_CORE_F64),  PRIM(CM_CHAR, 4, CM_CORE_I32),
	[CM_STRING] = {.size = 8, .align = 4, .nflat = 2, .flat = {CM_CORE_I32, CM_CORE_I32},
	               .depth = 1},
};

static uint64_t align_to(uint64_t x, uint32_t a)
{
	return (x + a - 1) / a * a;
}

static uint8_t join(uint8_t a, uint8_t b)
{
	if (a == b)
		return a;
	if ((a == CM_CORE_I32 && b == CM_CORE_F32) || (a == CM_CORE_F32 && b == CM_CORE_I32))
		return CM_CORE_I32;
	return CM_CORE_I64;
}

/* Appends l's flat types to `to` (saturating at CM_FLAT_MANY). */
static void flat_append(cm_layout *to, const cm_layout *l)
{
	if (to->nflat + (uint64_t)l->nflat > CM_MAX_FLAT_PARAMS) {
		to->nflat = CM_FLAT_MANY;
		return;
	}
	memcpy(to->flat + to->nflat, l->flat, l->nflat);
	to->nflat += l->nflat;
}

typedef struct lay_cx {
	const cm_abi *a;
	uint32_t upto; /* entries before it are computed */
} lay_cx;

static const cm_layout *sub(const lay_cx *c, cm_tid tid)
{
	if (cm_tid_is_primitive(tid))
		return &prim[tid];
	if (tid < CM_TID_FIRST || tid - CM_TID_FIRST >= c->upto)
		return NULL;
	uint32_t i = tid - CM_TID_FIRST;
	return c->a->why[i] ? NULL : &c->a->lay[i];
}

static uint32_t disc_size(uint32_t ncases)
{
	if (ncases <= 256)
		return 1;
	if (ncases <= 65536)
		return 2;
	return 4;
}

/* Variant-like layout over `n` payload types (CM_TID_NONE: none). */
static const char *variant(const lay_cx *c, uint32_t n, const cm_tid *pay, cm_layout *l)
{
	uint32_t ds = disc_size(n), maxa = 1, depth = 0;
	uint64_t maxs = 0;
	cm_layout joined = {0};
	bool many = false;
	for (uint32_t i = 0; i < n; i++) {
		if (pay[i] == CM_TID_NONE)
			continue;
		const cm_layout *p = sub(c, pay[i]);
		if (!p)
			return "a case type has no layout";
		if (p->align > maxa)
			maxa = p->align;
		if (p->size > maxs)
			maxs = p->size;
		if (p->depth > depth)
			depth = p->depth;
		if (p->nflat == CM_FLAT_MANY || p->nflat + 1 > CM_MAX_FLAT_PARAMS) {
			many = true;
			continue;
		}
		for (uint32_t k = 0; k < p->nflat; k++) {
			if (k < joined.nflat)
				joined.flat[k] = join(joined.flat[k], p->flat[k]);
			else
				joined.flat[joined.nflat++] = p->flat[k];
		}
	}
	l->disc_size = ds;
	l->align = ds > maxa ? ds : maxa;
	l->payload_off = (uint32_t)align_to(ds, maxa);
	uint64_t size = align_to(l->payload_off + maxs, l->align);
	if (size > UINT32_MAX)
		return "type larger than 4 GiB";
	l->size = (uint32_t)size;
	l->depth = depth + 1;
	l->flat[0] = CM_CORE_I32;
	l->nflat = 1;
	if (many)
		l->nflat = CM_FLAT_MANY;
	else
		flat_append(l, &joined);
	return NULL;
}

static const char *compute(const lay_cx *c, const cm_type *t, cm_layout *l)
{
	memset(l, 0, sizeof *l);
	switch (t->kind) {
	case CM_LIST: {
		const cm_layout *e = sub(c, t->elem);
		if (!e)
			return "the element type has no layout";
		l->depth = e->depth + 1;
		if (!t->fixed_len) {
			l->size = 8;
			l->align = 4;
			l->nflat = 2;
			l->flat[0] = l->flat[1] = CM_CORE_I32;
			break;
		}
		uint64_t size = (uint64_t)t->fixed_len * e->size;
		if (size > UINT32_MAX)
			return "type larger than 4 GiB";
		l->size = (uint32_t)size;
		l->align = e->align;
		for (uint32_t i = 0; i < t->fixed_len && l->nflat != CM_FLAT_MANY; i++)
			flat_append(l, e);
		break;
	}
	case CM_RECORD:
	case CM_TUPLE: {
		uint64_t s = 0;
		uint32_t a = 1, depth = 0;
		for (uint32_t i = 0; i < t->n; i++) {
			const cm_layout *f = sub(c, t->cases[i].type);
			if (!f)
				return "a field type has no layout";
			s = align_to(s, f->align) + f->size;
			if (s > UINT32_MAX)
				return "type larger than 4 GiB";
			if (f->align > a)
				a = f->align;
			if (f->depth > depth)
				depth = f->depth;
			if (l->nflat != CM_FLAT_MANY)
				flat_append(l, f);
		}
		s = align_to(s, a);
		if (s > UINT32_MAX)
			return "type larger than 4 GiB";
		l->size = (uint32_t)s;
		l->align = a;
		l->depth = depth + 1;
		break;
	}
	case CM_VARIANT:
	case CM_ENUM: {
		if (t->n == 0)
			return "a variant without cases";
		cm_tid *pay = malloc((size_t)t->n * sizeof(cm_tid));
		if (!pay)
			return "out of memory";
		for (uint32_t i = 0; i < t->n; i++)
			pay[i] = t->kind == CM_ENUM ? CM_TID_NONE : t->cases[i].type;
		const char *why = variant(c, t->n, pay, l);
		free(pay);
		return why;
	}
	case CM_OPTION: {
		cm_tid pay[2] = {CM_TID_NONE, t->elem};
		return variant(c, 2, pay, l);
	}
	case CM_RESULT: {
		cm_tid pay[2] = {t->elem, t->err};
		return variant(c, 2, pay, l);
	}
	case CM_FLAGS: {
		uint32_t n = t->n;
		l->depth = 1;
		l->align = n <= 8 ? 1 : n <= 16 ? 2 : 4;
		l->size = n == 0 ? 0 : n <= 8 ? 1 : n <= 16 ? 2 : 4 * ((n + 31) / 32);
		uint32_t k = (n + 31) / 32;
		l->nflat = k > CM_MAX_FLAT_PARAMS ? CM_FLAT_MANY : k;
		for (uint32_t i = 0; i < k && i < CM_MAX_FLAT_PARAMS; i++)
			l->flat[i] = CM_CORE_I32;
		break;
	}
	case CM_OWN:
	case CM_BORROW:
		l->size = l->align = 4;
		l->nflat = 1;
		l->flat[0] = CM_CORE_I32;
		l->depth = 1;
		break;
	default:
		return "not a value type";
	}
	if (l->depth > CM_ABI_MAX_TYPE_DEPTH)
		return "type nesting deeper than 100";
	return NULL;
}

cm_abi *cm_abi_new(const cm_types *types)
{
	cm_abi *a = calloc(1, sizeof *a);
	if (!a)
		return NULL;
	a->types = types;
	a->n = cm_types_count(types);
	if (a->n) {
		a->lay = calloc(a->n, sizeof(cm_layout));
		a->why = calloc(a->n, sizeof(char *));
		if (!a->lay || !a->why) {
			cm_abi_free(a);
			return NULL;
		}
	}
	lay_cx c = {.a = a, .upto = 0};
	for (uint32_t i = 0; i < a->n; i++) {
		const cm_type *t = cm_types_get(types, CM_TID_FIRST + i);
		a->why[i] = compute(&c, t, &a->lay[i]);
		c.upto = i + 1;
	}
	return a;
}

void cm_abi_free(cm_abi *a)
{
	if (!a)
		return;
	free(a->lay);
	free((void *)a->why);
	free(a);
}

const cm_types *cm_abi_types(const cm_abi *a)
{
	return a->types;
}

const cm_layout *cm_abi_layout(const cm_abi *a, cm_tid tid, const char **ret_why)
{
	const char *why = "unknown type";
	if (cm_tid_is_primitive(tid))
		return &prim[tid];
	if (tid >= CM_TID_FIRST && tid - CM_TID_FIRST < a->n) {
		uint32_t i = tid - CM_TID_FIRST;
		if (!a->why[i])
			return &a->lay[i];
		why = a->why[i];
	}
	if (ret_why)
		*ret_why = why;
	return NULL;
}

/* Flattens a list of types (a function's params or results) into sig
 * slots: returns false when a type has no layout; *ret_n saturates at
 * CM_FLAT_MANY. */
static bool flatten_list(const cm_abi *a, const cm_case *cs, uint32_t n, uint8_t *out,
                         uint32_t *ret_n)
{
	cm_layout acc = {0};
	for (uint32_t i = 0; i < n; i++) {
		const cm_layout *l = cm_abi_layout(a, cs[i].type, NULL);
		if (!l)
			return false;
		if (acc.nflat != CM_FLAT_MANY)
			flat_append(&acc, l);
	}
	if (acc.nflat != CM_FLAT_MANY)
		memcpy(out, acc.flat, acc.nflat);
	*ret_n = acc.nflat;
	return true;
}

bool cm_abi_core_sig(const cm_abi *a, cm_tid func, bool lower, cm_core_sig *ret)
{
	const cm_type *ft = cm_types_get(a->types, func);
	if (!ft || ft->kind != CM_FUNC || ft->async)
		return false;
	cm_core_sig s;
	memset(&s, 0, sizeof s);
	uint8_t res[CM_MAX_FLAT_PARAMS];
	uint32_t np, nr;
	if (!flatten_list(a, ft->cases, ft->n, s.params, &np) ||
	    !flatten_list(a, ft->results, ft->nresults, res, &nr))
		return false;
	if (np > CM_MAX_FLAT_PARAMS) {
		s.params_spilled = true;
		s.params[0] = CM_CORE_I32;
		np = 1;
	}
	s.nparams = np;
	if (nr > CM_MAX_FLAT_RESULTS) {
		s.results_spilled = true;
		if (lower) {
			s.params[s.nparams++] = CM_CORE_I32;
			s.nresults = 0;
		} else {
			s.results[0] = CM_CORE_I32;
			s.nresults = 1;
		}
	} else {
		memcpy(s.results, res, nr);
		s.nresults = nr;
	}
	*ret = s;
	return true;
}
