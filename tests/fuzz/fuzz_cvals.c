/*
 * fuzz_cvals.c - libFuzzer target for component values and the canonical
 * ABI (component/cm_val.h, cm_abi.h, cm_handles.h). From the input it
 * builds a small table of types, then:
 *   1. a hostile node list (any kinds, counts, values, bytes): skipped and
 *      checked against a type; never a crash;
 *   2. a value generated for a type from the input (with some invalid
 *      parts): when cm_vals_check accepts it, it is lowered into a
 *      simulated memory whose realloc moves the memory and sometimes
 *      misbehaves, then lifted back; without a trap the lifted nodes must
 *      equal the original (NaNs compared canonical) and pass the check;
 *   3. hostile memory and core values lifted as a type, in every string
 *      encoding, with a handle table: a lift that succeeds must produce a
 *      list cm_vals_check accepts.
 * Any crash, leak, sanitizer report or abort() is a bug.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cm_abi.h"
#include "cm_val.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct rd {
	const uint8_t *p;
	size_t n, i;
} rd;

static uint32_t r8(rd *r)
{
	return r->i < r->n ? r->p[r->i++] : 0;
}

static uint32_t r16(rd *r)
{
	return r8(r) | r8(r) << 8;
}

static uint32_t r32(rd *r)
{
	return r16(r) | r16(r) << 16;
}

static uint64_t r64(rd *r)
{
	return r32(r) | (uint64_t)r32(r) << 32;
}

/* --- types --------------------------------------------------------------- */

#define MAXT 12

typedef struct tset {
	cm_types *t;
	cm_tid ids[MAXT + 16];
	uint32_t n;
} tset;

static cm_tid pick(rd *r, const tset *ts)
{
	uint32_t k = r8(r) % (ts->n + 13);
	if (k < 13)
		return CM_BOOL + k; /* a primitive */
	return ts->ids[k - 13];
}

static const char *const names[] = {"a", "b", "c", "d", "e", "f", "g", "h"};

static void build_types(rd *r, tset *ts)
{
	cm_case cs[300];
	ts->t = cm_types_new();
	if (!ts->t)
		abort();
	/* one resource type for own/borrow */
	cm_type res = {.kind = CM_RESOURCE, .elem = CM_TID_NONE, .err = CM_TID_NONE,
	               .resource_id = 5};
	cm_tid rid;
	if (!cm_types_add(ts->t, &res, &rid))
		abort();
	uint32_t want = 1 + r8(r) % MAXT;
	for (uint32_t k = 0; k < want; k++) {
		cm_type ty = {.elem = CM_TID_NONE, .err = CM_TID_NONE};
		uint32_t m;
		switch (r8(r) % 11) {
		case 0:
			ty.kind = CM_LIST;
			ty.elem = pick(r, ts);
			break;
		case 1:
			ty.kind = CM_LIST;
			ty.elem = pick(r, ts);
			ty.fixed_len = 1 + r8(r) % 4;
			break;
		case 2:
		case 3:
			ty.kind = k % 2 ? CM_RECORD : CM_TUPLE;
			m = 1 + r8(r) % 4;
			for (uint32_t i = 0; i < m; i++)
				cs[i] = (cm_case){ty.kind == CM_RECORD ? names[i] : NULL, pick(r, ts)};
			ty.n = m;
			ty.cases = cs;
			break;
		case 4:
			ty.kind = CM_VARIANT;
			m = 1 + r8(r) % 5;
			for (uint32_t i = 0; i < m; i++)
				cs[i] = (cm_case){names[i], r8(r) % 3 ? pick(r, ts) : CM_TID_NONE};
			ty.n = m;
			ty.cases = cs;
			break;
		case 5:
			ty.kind = CM_ENUM;
			m = 1 + r16(r) % 300;
			for (uint32_t i = 0; i < m; i++)
				cs[i] = (cm_case){"l", CM_TID_NONE};
			ty.n = m;
			ty.cases = cs;
			break;
		case 6:
			ty.kind = CM_OPTION;
			ty.elem = pick(r, ts);
			break;
		case 7:
			ty.kind = CM_RESULT;
			ty.elem = r8(r) % 2 ? pick(r, ts) : CM_TID_NONE;
			ty.err = r8(r) % 2 ? pick(r, ts) : CM_TID_NONE;
			break;
		case 8:
			ty.kind = CM_FLAGS;
			m = r8(r) % 70;
			for (uint32_t i = 0; i < m; i++)
				cs[i] = (cm_case){"f", CM_TID_NONE};
			ty.n = m;
			ty.cases = m ? cs : NULL;
			break;
		case 9:
			ty.kind = r8(r) % 2 ? CM_OWN : CM_BORROW;
			ty.elem = rid;
			break;
		default:
			ty.kind = CM_LIST;
			ty.elem = CM_STRING;
			break;
		}
		cm_tid id;
		if (!cm_types_add(ts->t, &ty, &id))
			abort();
		ts->ids[ts->n++] = id;
	}
}

/* --- values -------------------------------------------------------------- */

#define MAXNODES 4096

static void push(cm_vals *vs, cm_val v)
{
	if (cm_vals_push(vs, &v) < 0)
		abort();
}

static uint64_t scalar_for(rd *r, cm_kind k)
{
	uint64_t u = r64(r);
	if (r8(r) % 16 == 0)
		return u; /* sometimes out of range */
	switch (k) {
	case CM_BOOL: return u & 1;
	case CM_S8: return (uint64_t)(int64_t)(int8_t)u;
	case CM_U8: return u & 0xFF;
	case CM_S16: return (uint64_t)(int64_t)(int16_t)u;
	case CM_U16: return u & 0xFFFF;
	case CM_S32: return (uint64_t)(int64_t)(int32_t)u;
	case CM_U32:
	case CM_F32: return u & 0xFFFFFFFF;
	case CM_CHAR: return (u & 0x1FFFFF) % 0x110000;
	default: return u;
	}
}

/* A value of type `tid` (mostly valid); depth-bounded by the type table. */
static void gen(rd *r, const tset *ts, cm_tid tid, cm_vals *vs)
{
	if (vs->n > MAXNODES)
		return;
	const cm_type *t = cm_types_get(ts->t, tid);
	switch (t->kind) {
	case CM_STRING: {
		uint32_t len = r8(r) % 24;
		uint8_t b[24];
		for (uint32_t i = 0; i < len; i++) {
			b[i] = (uint8_t)r8(r);
			if (r8(r) % 4)
				b[i] &= 0x7F; /* mostly ASCII */
		}
		if (cm_vals_push_bytes(vs, &(cm_val){.kind = CM_STRING}, b, len) < 0)
			abort();
		return;
	}
	case CM_LIST: {
		uint32_t n = t->fixed_len ? t->fixed_len : r8(r) % 5;
		push(vs, (cm_val){.kind = CM_LIST, .n = n});
		for (uint32_t i = 0; i < n; i++)
			gen(r, ts, t->elem, vs);
		return;
	}
	case CM_RECORD:
	case CM_TUPLE:
		push(vs, (cm_val){.kind = t->kind, .n = t->n});
		for (uint32_t i = 0; i < t->n; i++)
			gen(r, ts, t->cases[i].type, vs);
		return;
	case CM_VARIANT: {
		uint32_t c = r8(r) % t->n;
		cm_tid p = t->cases[c].type;
		push(vs, (cm_val){.kind = CM_VARIANT, .u = c, .n = p != CM_TID_NONE});
		if (p != CM_TID_NONE)
			gen(r, ts, p, vs);
		return;
	}
	case CM_ENUM:
		push(vs, (cm_val){.kind = CM_ENUM, .u = r16(r) % (t->n + 1)});
		return;
	case CM_OPTION: {
		uint32_t c = r8(r) % 2;
		push(vs, (cm_val){.kind = CM_OPTION, .u = c, .n = c});
		if (c)
			gen(r, ts, t->elem, vs);
		return;
	}
	case CM_RESULT: {
		uint32_t c = r8(r) % 2;
		cm_tid p = c ? t->err : t->elem;
		push(vs, (cm_val){.kind = CM_RESULT, .u = c, .n = p != CM_TID_NONE});
		if (p != CM_TID_NONE)
			gen(r, ts, p, vs);
		return;
	}
	case CM_FLAGS: {
		uint8_t b[16];
		uint32_t nb = (t->n + 7) / 8;
		for (uint32_t i = 0; i < nb; i++)
			b[i] = (uint8_t)r8(r);
		if (t->n % 8 && r8(r) % 8)
			b[nb - 1] &= (uint8_t)((1u << (t->n % 8)) - 1);
		if (cm_vals_push_bytes(vs, &(cm_val){.kind = CM_FLAGS, .n = t->n}, b, nb) < 0)
			abort();
		return;
	}
	case CM_OWN:
	case CM_BORROW:
		push(vs, (cm_val){.kind = t->kind, .u = r8(r)});
		return;
	default:
		push(vs, (cm_val){.kind = t->kind, .u = scalar_for(r, t->kind)});
		return;
	}
}

static void hostile_nodes(rd *r, cm_vals *vs)
{
	static const cm_kind kinds[] = {CM_BOOL,   CM_S8,     CM_U8,     CM_S16,     CM_U16,
	                                CM_S32,    CM_U32,    CM_S64,    CM_U64,     CM_F32,
	                                CM_F64,    CM_CHAR,   CM_STRING, CM_LIST,    CM_RECORD,
	                                CM_TUPLE,  CM_VARIANT, CM_ENUM,  CM_OPTION,  CM_RESULT,
	                                CM_FLAGS,  CM_OWN,    CM_BORROW, CM_RESOURCE, CM_FUNC};
	uint32_t n = r8(r) % 64;
	for (uint32_t i = 0; i < n; i++) {
		cm_val v = {.kind = kinds[r8(r) % (sizeof kinds / sizeof kinds[0])]};
		uint32_t c = r8(r);
		v.n = c < 200 ? c % 4 : r32(r);
		v.u = r8(r) % 2 ? r8(r) % 4 : r64(r);
		if (v.kind == CM_STRING || v.kind == CM_FLAGS) {
			uint8_t b[16];
			uint32_t len = r8(r) % 16;
			for (uint32_t k = 0; k < len; k++)
				b[k] = (uint8_t)r8(r);
			if (cm_vals_push_bytes(vs, &v, b, len) < 0)
				abort();
			continue;
		}
		push(vs, v);
	}
}

/* --- simulated memory ------------------------------------------------------ */

typedef struct sim {
	cm_mem mem;
	uint32_t next;
	rd *r;
	int calls;
	bool wild; /* realloc returned an arbitrary pointer: data may overlap */
} sim;

static bool sim_realloc(cm_mem *m, uint32_t old, uint32_t old_size, uint32_t align,
                        uint32_t new_size, uint32_t *ret, cm_trap *trap)
{
	sim *s = m->env;
	if (++s->calls > 10000)
		return cm_trap_set(trap, "too many reallocs");
	uint32_t mode = r8(s->r) % 32;
	if (mode == 0)
		return cm_trap_set(trap, "guest realloc trapped");
	if (mode == 1) {
		*ret = r32(s->r); /* anything: the checks must catch it */
		s->wild = true;
		return true;
	}
	uint64_t p = ((uint64_t)s->next + align - 1) / align * align;
	if (align == 0 || p + new_size > (64u << 20))
		return cm_trap_set(trap, "out of simulated memory");
	if (p + new_size > m->len) {
		uint64_t len = p + new_size + 4096;
		uint8_t *b = calloc(1, len);
		if (!b)
			abort();
		memcpy(b, m->base, m->len);
		free(m->base);
		m->base = b;
		m->len = len;
	}
	if (old && old_size && (uint64_t)old + old_size <= m->len)
		memmove(m->base + p, m->base + old, old_size < new_size ? old_size : new_size);
	s->next = (uint32_t)(p + new_size);
	*ret = (uint32_t)p;
	return true;
}

static bool is_nan(cm_kind k, uint64_t u)
{
	if (k == CM_F32)
		return (u & 0x7F800000u) == 0x7F800000u && (u & 0x7FFFFFu);
	if (k == CM_F64)
		return (u & 0x7FF0000000000000ull) == 0x7FF0000000000000ull &&
		       (u & 0xFFFFFFFFFFFFFull);
	return false;
}

static void expect_same(const cm_vals *a, const cm_vals *b)
{
	if (a->n != b->n)
		abort();
	for (size_t i = 0; i < a->n; i++) {
		const cm_val *x = &a->v[i], *y = &b->v[i];
		if (x->kind != y->kind)
			abort();
		if (x->u != y->u && !(is_nan(x->kind, x->u) && is_nan(y->kind, y->u)))
			abort();
		if ((x->kind == CM_STRING || x->kind == CM_FLAGS) &&
		    (x->len != y->len || (x->len && memcmp(x->bytes, y->bytes, x->len))))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	rd r = {.p = data, .n = size, .i = 0};
	tset ts = {0};
	build_types(&r, &ts);
	cm_abi *abi = cm_abi_new(ts.t);
	if (!abi)
		abort();
	cm_tid tid = ts.ids[r8(&r) % ts.n];
	cm_strenc enc = (cm_strenc)(r8(&r) % 3);
	size_t end;

	/* 1. hostile nodes */
	cm_vals hv;
	cm_vals_init(&hv);
	hostile_nodes(&r, &hv);
	size_t sk = cm_vals_skip(&hv, 0);
	if (sk > hv.n)
		abort();
	(void)cm_vals_check(&hv, 0, ts.t, tid, 1 + r8(&r) % 100, &end);
	cm_vals_free(&hv);

	/* 2. generated value: check, lower, lift, compare */
	cm_vals in;
	cm_vals_init(&in);
	gen(&r, &ts, tid, &in);
	if (in.n <= MAXNODES && !cm_vals_check(&in, 0, ts.t, tid, 100, &end) && end == in.n) {
		sim s = {.mem = {.len = 4096, .realloc = sim_realloc}, .next = 8, .r = &r};
		s.mem.base = calloc(1, s.mem.len);
		s.mem.env = &s;
		cm_handles *guest = cm_handles_new(false);
		cm_call call;
		cm_call_init(&call);
		cm_cx cx;
		cm_cx_init(&cx, abi);
		cx.mem = &s.mem;
		cx.enc = enc;
		cx.handles = guest;
		cx.call = &call;
		cm_case c = {.name = "x", .type = tid};
		uint64_t flat[CM_MAX_FLAT_CORE];
		uint32_t nflat = 0;
		if (cm_abi_lower_values(&cx, CM_MAX_FLAT_PARAMS, &c, 1, &in, 0, NULL, flat, &nflat)) {
			cm_vals out;
			cm_vals_init(&out);
			bool ok = cm_abi_lift_values(&cx, CM_MAX_FLAT_PARAMS, &c, 1, flat, nflat,
			                             &out);
			/* what was lowered lifts back the same, unless realloc
			 * handed out memory that overlaps what was stored */
			if (!s.wild) {
				if (!ok)
					abort();
				expect_same(&in, &out);
			}
			if (ok && cm_vals_check(&out, 0, ts.t, tid, 100, &end))
				abort();
			cm_vals_free(&out);
		}
		cm_call_abort(&call, guest);
		cm_handles_free(guest);
		free(s.mem.base);
	}
	cm_vals_free(&in);

	/* 3. hostile memory lifted */
	{
		sim s = {.mem = {.len = 1024 + r8(&r) * 16, .realloc = NULL}, .r = &r};
		s.mem.base = calloc(1, s.mem.len);
		for (uint32_t i = 0; i < s.mem.len && r.i < r.n; i++)
			s.mem.base[i] = (uint8_t)r8(&r);
		cm_handles *guest = cm_handles_new(false);
		cm_trap trap;
		uint32_t h;
		for (uint32_t i = 0; i < 3; i++)
			if (!cm_handles_new_own(guest, 5, i, &h, &trap))
				abort();
		cm_call call;
		cm_call_init(&call);
		cm_cx cx;
		cm_cx_init(&cx, abi);
		cx.mem = &s.mem;
		cx.enc = (cm_strenc)(r8(&r) % 3);
		cx.handles = guest;
		cx.call = &call;
		cx.max_nodes = 1u << 16;
		uint64_t flat[CM_MAX_FLAT_CORE];
		for (int i = 0; i < CM_MAX_FLAT_CORE; i++)
			flat[i] = r8(&r) % 2 ? r16(&r) : r64(&r);
		cm_case c = {.name = "x", .type = tid};
		cm_vals out;
		cm_vals_init(&out);
		if (cm_abi_lift_values(&cx, CM_MAX_FLAT_PARAMS, &c, 1, flat, CM_MAX_FLAT_CORE, &out) &&
		    cm_vals_check(&out, 0, ts.t, tid, 200, &end))
			abort();
		cm_vals_free(&out);
		cm_call_abort(&call, guest);
		cm_handles_free(guest);
		free(s.mem.base);
	}

	cm_abi_free(abi);
	cm_types_free(ts.t);
	return 0;
}
