/*
 * test_cm_abi.c - the canonical ABI (component/cm_abi.h): layouts and
 * flattening checked against hand-derived expectations of the reference
 * definitions.py, round trips of every value type through lower then lift
 * with a simulated linear memory and realloc (which moves the memory on
 * every call, so stale pointers show), spilled signatures, string
 * transcoding with the spec's realloc sequences, and every trap with its
 * message.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cm_abi.h"
#include "cm_string.h"

/* --- a simulated guest memory ------------------------------------------ */

typedef struct sim {
	cm_mem mem;
	uint32_t next;    /* bump allocator */
	int calls;        /* realloc calls */
	uint32_t last[4]; /* arguments of the last call */
	uint32_t log[16][4];
	int forced;       /* 0: normal; 1: return `force` */
	uint32_t force;
	bool fail;        /* the guest traps */
} sim;

static bool sim_realloc(cm_mem *m, uint32_t old, uint32_t old_size, uint32_t align,
                        uint32_t new_size, uint32_t *ret, cm_trap *trap)
{
	sim *s = m->env;
	uint32_t a[4] = {old, old_size, align, new_size};
	memcpy(s->last, a, sizeof a);
	if (s->calls < 16)
		memcpy(s->log[s->calls], a, sizeof a);
	s->calls++;
	if (s->fail)
		return cm_trap_set(trap, "guest realloc trapped");
	if (s->forced) {
		*ret = s->force;
		return true;
	}
	uint32_t p = (s->next + align - 1) / align * align;
	if (p + (uint64_t)new_size > m->len) {
		/* grow: a new buffer, so the base moves */
		uint64_t len = (p + (uint64_t)new_size) * 2 + 65536;
		uint8_t *b = calloc(1, len);
		cr_assert(b);
		memcpy(b, m->base, m->len);
		memset(m->base, 0xEE, m->len);
		free(m->base);
		m->base = b;
		m->len = len;
	} else {
		/* move anyway: copy to a fresh buffer of the same size */
		uint8_t *b = malloc(m->len);
		cr_assert(b);
		memcpy(b, m->base, m->len);
		memset(m->base, 0xEE, m->len);
		free(m->base);
		m->base = b;
	}
	if (old && old_size)
		memmove(m->base + p, m->base + old, old_size < new_size ? old_size : new_size);
	s->next = p + new_size;
	*ret = p;
	return true;
}

static void sim_init(sim *s, uint32_t len)
{
	memset(s, 0, sizeof *s);
	s->mem.base = calloc(1, len ? len : 1);
	s->mem.len = len;
	s->mem.realloc = sim_realloc;
	s->mem.env = s;
	s->next = 16;
}

static void sim_free(sim *s)
{
	free(s->mem.base);
}

/* --- types --------------------------------------------------------------- */

static cm_types *T;
static cm_abi *A;

static void setup(void)
{
	T = cm_types_new();
	cr_assert(T);
}

static void teardown(void)
{
	cm_abi_free(A);
	A = NULL;
	cm_types_free(T);
	T = NULL;
}

static cm_tid add(cm_type ty)
{
	cm_tid id;
	/* 0 is no tid: unset elem/err mean "none" */
	if (!ty.elem)
		ty.elem = CM_TID_NONE;
	if (!ty.err)
		ty.err = CM_TID_NONE;
	cr_assert(cm_types_add(T, &ty, &id), "cm_types_add");
	return id;
}

static cm_tid list_of(cm_tid e)
{
	return add((cm_type){.kind = CM_LIST, .elem = e});
}

static cm_tid fixed_list(cm_tid e, uint32_t n)
{
	return add((cm_type){.kind = CM_LIST, .elem = e, .fixed_len = n});
}

static cm_tid option_of(cm_tid e)
{
	return add((cm_type){.kind = CM_OPTION, .elem = e});
}

static cm_tid result_of(cm_tid ok, cm_tid err)
{
	return add((cm_type){.kind = CM_RESULT, .elem = ok, .err = err});
}

static cm_tid record_of(uint32_t n, const cm_tid *fields)
{
	cm_case c[32];
	static const char *names[] = {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k",
	                              "l", "m", "n", "o", "p", "q", "r", "s", "t", "u", "v",
	                              "w", "x", "y", "z", "aa", "ab", "ac", "ad", "ae", "af"};
	for (uint32_t i = 0; i < n; i++)
		c[i] = (cm_case){.name = names[i], .type = fields[i]};
	return add((cm_type){.kind = CM_RECORD, .n = n, .cases = c});
}

static cm_tid tuple_of(uint32_t n, const cm_tid *fields)
{
	cm_case c[32];
	for (uint32_t i = 0; i < n; i++)
		c[i] = (cm_case){.name = NULL, .type = fields[i]};
	return add((cm_type){.kind = CM_TUPLE, .n = n, .cases = c});
}

static cm_tid variant_of(uint32_t n, const cm_tid *pay)
{
	cm_case *c = calloc(n, sizeof *c);
	char(*names)[12] = calloc(n, 12);
	for (uint32_t i = 0; i < n; i++) {
		snprintf(names[i], 12, "c%u", i);
		c[i] = (cm_case){.name = names[i], .type = pay ? pay[i] : CM_TID_NONE};
	}
	cm_tid id = add((cm_type){.kind = CM_VARIANT, .n = n, .cases = c});
	free(c);
	free(names);
	return id;
}

static cm_tid labels_of(cm_kind k, uint32_t n)
{
	cm_case *c = calloc(n ? n : 1, sizeof *c);
	char(*names)[12] = calloc(n ? n : 1, 12);
	for (uint32_t i = 0; i < n; i++) {
		snprintf(names[i], 12, "l%u", i);
		c[i] = (cm_case){.name = names[i], .type = CM_TID_NONE};
	}
	cm_tid id = add((cm_type){.kind = k, .n = n, .cases = c});
	free(c);
	free(names);
	return id;
}

static cm_tid resource(uint32_t id)
{
	return add((cm_type){.kind = CM_RESOURCE, .resource_id = id});
}

static cm_tid func_of(uint32_t np, const cm_tid *params, uint32_t nr, const cm_tid *results)
{
	cm_case p[64], r[64];
	for (uint32_t i = 0; i < np; i++)
		p[i] = (cm_case){.name = "p", .type = params[i]};
	for (uint32_t i = 0; i < nr; i++)
		r[i] = (cm_case){.name = NULL, .type = results[i]};
	return add((cm_type){.kind = CM_FUNC, .n = np, .cases = p, .nresults = nr, .results = r});
}

static void build(void)
{
	cm_abi_free(A);
	A = cm_abi_new(T);
	cr_assert(A);
}

static const cm_layout *lay(cm_tid t)
{
	const char *why = NULL;
	const cm_layout *l = cm_abi_layout(A, t, &why);
	cr_assert(l, "no layout: %s", why ? why : "?");
	return l;
}

/* "i32 i64 ..." of a layout's flat types */
static const char *flat_str(const cm_layout *l)
{
	static char buf[256];
	static const char *nm[] = {"?", "i32", "i64", "f32", "f64"};
	buf[0] = 0;
	if (l->nflat == CM_FLAT_MANY)
		return "many";
	for (uint32_t i = 0; i < l->nflat; i++) {
		if (i)
			strcat(buf, " ");
		strcat(buf, nm[l->flat[i]]);
	}
	return buf;
}

static void expect_layout(cm_tid t, uint32_t size, uint32_t align, const char *flat)
{
	const cm_layout *l = lay(t);
	cr_expect_eq(l->size, size, "tid %u: size %u, expected %u", t, l->size, size);
	cr_expect_eq(l->align, align, "tid %u: align %u, expected %u", t, l->align, align);
	cr_expect_str_eq(flat_str(l), flat, "tid %u: flat '%s', expected '%s'", t, flat_str(l),
	                 flat);
}

/* --- values -------------------------------------------------------------- */

static void push(cm_vals *vs, cm_kind k, uint32_t n, uint64_t u)
{
	cm_val v = {.kind = k, .n = n, .u = u};
	cr_assert(cm_vals_push(vs, &v) >= 0);
}

static void push_str(cm_vals *vs, const char *s, size_t len)
{
	cm_val v = {.kind = CM_STRING};
	cr_assert(cm_vals_push_bytes(vs, &v, s, len) >= 0);
}

static void push_flags(cm_vals *vs, uint32_t n, const uint8_t *bytes)
{
	cm_val v = {.kind = CM_FLAGS, .n = n};
	cr_assert(cm_vals_push_bytes(vs, &v, bytes, (n + 7) / 8) >= 0);
}

static void expect_same(const cm_vals *a, size_t ai, const cm_vals *b, size_t bi, size_t count)
{
	cr_assert(ai + count <= a->n && bi + count <= b->n, "lengths %zu %zu", a->n, b->n);
	for (size_t i = 0; i < count; i++) {
		const cm_val *x = &a->v[ai + i], *y = &b->v[bi + i];
		cr_assert_eq(x->kind, y->kind, "node %zu: kind %d vs %d", i, x->kind, y->kind);
		cr_assert_eq(x->u, y->u, "node %zu (%s): u %llx vs %llx", i, cm_kind_name(x->kind),
		             (unsigned long long)x->u, (unsigned long long)y->u);
		if (x->kind == CM_LIST || x->kind == CM_RECORD || x->kind == CM_TUPLE ||
		    x->kind == CM_FLAGS || x->kind == CM_VARIANT || x->kind == CM_OPTION ||
		    x->kind == CM_RESULT)
			cr_assert_eq(x->n, y->n, "node %zu: n %u vs %u", i, x->n, y->n);
		if (x->kind == CM_STRING || x->kind == CM_FLAGS) {
			cr_assert_eq(x->len, y->len, "node %zu: len %llu vs %llu", i,
			             (unsigned long long)x->len, (unsigned long long)y->len);
			cr_assert(x->len == 0 || memcmp(x->bytes, y->bytes, x->len) == 0,
			          "node %zu: bytes differ", i);
		}
	}
}

/* Lowers the value at node 0 of `in` as the one parameter of a function
 * (flat or spilled as the signature says), lifts it back, and checks the
 * nodes are the same; then the same through memory (store, load). */
static void round_trip_enc(cm_tid t, const cm_vals *in, cm_strenc enc)
{
	size_t end;
	const char *err = cm_vals_check(in, 0, T, t, 100, &end);
	cr_assert_null(err, "check: %s", err);
	cr_assert_eq(end, in->n);

	sim s;
	sim_init(&s, 4096);
	cm_cx cx;
	cm_cx_init(&cx, A);
	cx.mem = &s.mem;
	cx.enc = enc;
	cm_case c = {.name = "x", .type = t};
	uint64_t flat[CM_MAX_FLAT_CORE];
	uint32_t nflat = 0;
	cr_assert(cm_abi_lower_values(&cx, CM_MAX_FLAT_PARAMS, &c, 1, in, 0, NULL, flat, &nflat),
	          "lower: %s", cx.trap.msg);
	cm_vals out;
	cm_vals_init(&out);
	cr_assert(cm_abi_lift_values(&cx, CM_MAX_FLAT_PARAMS, &c, 1, flat, nflat, &out),
	          "lift: %s", cx.trap.msg);
	err = cm_vals_check(&out, 0, T, t, 100, &end);
	cr_assert_null(err, "lifted value fails the check: %s", err);
	expect_same(in, 0, &out, 0, in->n);
	cr_assert_eq(out.n, in->n);
	cm_vals_free(&out);

	/* through memory at an aligned address */
	const cm_layout *l = lay(t);
	uint32_t ptr;
	cr_assert(s.mem.realloc(&s.mem, 0, 0, l->align, l->size, &ptr, &cx.trap));
	size_t pos = 0;
	cr_assert(cm_abi_store(&cx, t, in, &pos, ptr), "store: %s", cx.trap.msg);
	cr_assert_eq(pos, in->n);
	cm_vals_init(&out);
	cr_assert(cm_abi_load(&cx, t, ptr, &out), "load: %s", cx.trap.msg);
	expect_same(in, 0, &out, 0, in->n);
	cm_vals_free(&out);
	sim_free(&s);
}

static void round_trip(cm_tid t, const cm_vals *in)
{
	round_trip_enc(t, in, CM_ENC_UTF8);
	round_trip_enc(t, in, CM_ENC_UTF16);
	round_trip_enc(t, in, CM_ENC_LATIN1_UTF16);
}

/* Lowers a value and expects a trap containing `msg`. */
static void expect_lower_trap(cm_tid t, const cm_vals *in, sim *s, cm_strenc enc,
                              const char *msg)
{
	cm_cx cx;
	cm_cx_init(&cx, A);
	cx.mem = &s->mem;
	cx.enc = enc;
	cm_case c = {.name = "x", .type = t};
	uint64_t flat[CM_MAX_FLAT_CORE];
	uint32_t nflat = 0;
	cr_assert_not(cm_abi_lower_values(&cx, CM_MAX_FLAT_PARAMS, &c, 1, in, 0, NULL, flat,
	                                  &nflat),
	              "lowering should trap with '%s'", msg);
	cr_assert(strstr(cx.trap.msg, msg), "trap '%s' lacks '%s'", cx.trap.msg, msg);
}

/* Lifts one value of t from flat core values and expects a trap with msg. */
static void expect_lift_trap(cm_tid t, const uint64_t *flat, uint32_t nflat, sim *s,
                             cm_strenc enc, const char *msg)
{
	cm_cx cx;
	cm_cx_init(&cx, A);
	cx.mem = s ? &s->mem : NULL;
	cx.enc = enc;
	cm_case c = {.name = "x", .type = t};
	cm_vals out;
	cm_vals_init(&out);
	cr_assert_not(cm_abi_lift_values(&cx, CM_MAX_FLAT_PARAMS, &c, 1, flat, nflat, &out),
	              "lifting should trap with '%s'", msg);
	cr_assert(strstr(cx.trap.msg, msg), "trap '%s' lacks '%s'", cx.trap.msg, msg);
	cm_vals_free(&out);
}

/* Lifts a value of t from flat values into `out` (must succeed). */
static void lift_ok(cm_tid t, const uint64_t *flat, uint32_t nflat, sim *s, cm_strenc enc,
                    cm_vals *out)
{
	cm_cx cx;
	cm_cx_init(&cx, A);
	cx.mem = s ? &s->mem : NULL;
	cx.enc = enc;
	cm_case c = {.name = "x", .type = t};
	cm_vals_init(out);
	cr_assert(cm_abi_lift_values(&cx, CM_MAX_FLAT_PARAMS, &c, 1, flat, nflat, out), "lift: %s",
	          cx.trap.msg);
}

/* Lowers the value in `in` with `enc` into s, flat results to flat. */
static uint32_t lower_ok(cm_tid t, const cm_vals *in, sim *s, cm_strenc enc, uint64_t *flat)
{
	cm_cx cx;
	cm_cx_init(&cx, A);
	cx.mem = &s->mem;
	cx.enc = enc;
	cm_case c = {.name = "x", .type = t};
	uint32_t nflat = 0;
	cr_assert(cm_abi_lower_values(&cx, CM_MAX_FLAT_PARAMS, &c, 1, in, 0, NULL, flat, &nflat),
	          "lower: %s", cx.trap.msg);
	return nflat;
}

TestSuite(cm_abi, .init = setup, .fini = teardown);

/* ---- layouts: sizes, alignments, flattening vs definitions.py ---------- */

Test(cm_abi, primitive_layouts)
{
	build();
	expect_layout(CM_BOOL, 1, 1, "i32");
	expect_layout(CM_S8, 1, 1, "i32");
	expect_layout(CM_U8, 1, 1, "i32");
	expect_layout(CM_S16, 2, 2, "i32");
	expect_layout(CM_U16, 2, 2, "i32");
	expect_layout(CM_S32, 4, 4, "i32");
	expect_layout(CM_U32, 4, 4, "i32");
	expect_layout(CM_S64, 8, 8, "i64");
	expect_layout(CM_U64, 8, 8, "i64");
	expect_layout(CM_F32, 4, 4, "f32");
	expect_layout(CM_F64, 8, 8, "f64");
	expect_layout(CM_CHAR, 4, 4, "i32");
	expect_layout(CM_STRING, 8, 4, "i32 i32");
}

Test(cm_abi, composite_layouts)
{
	cm_tid r = resource(7);
	cm_tid lu8 = list_of(CM_U8);
	cm_tid lstr = list_of(CM_STRING);
	cm_tid f3 = fixed_list(CM_U16, 3);
	cm_tid f2s = fixed_list(CM_STRING, 2);
	cm_tid rec1 = record_of(3, (cm_tid[]){CM_U8, CM_U32, CM_U8});   /* 1+3pad+4+1 -> 12 */
	cm_tid rec2 = record_of(2, (cm_tid[]){CM_U8, CM_U64});          /* 16, align 8 */
	cm_tid rec3 = record_of(3, (cm_tid[]){CM_U16, CM_U8, CM_U16});  /* 2+1+pad+2 = 6 */
	cm_tid tup = tuple_of(2, (cm_tid[]){CM_F32, CM_STRING});       /* 12, f32 i32 i32 */
	cm_tid en2 = labels_of(CM_ENUM, 2);
	cm_tid en256 = labels_of(CM_ENUM, 256);
	cm_tid en257 = labels_of(CM_ENUM, 257);
	cm_tid fl0 = labels_of(CM_FLAGS, 0);
	cm_tid fl1 = labels_of(CM_FLAGS, 1);
	cm_tid fl8 = labels_of(CM_FLAGS, 8);
	cm_tid fl9 = labels_of(CM_FLAGS, 9);
	cm_tid fl16 = labels_of(CM_FLAGS, 16);
	cm_tid fl17 = labels_of(CM_FLAGS, 17);
	cm_tid fl32 = labels_of(CM_FLAGS, 32);
	cm_tid fl33 = labels_of(CM_FLAGS, 33);
	cm_tid fl65 = labels_of(CM_FLAGS, 65);
	cm_tid opt_u8 = option_of(CM_U8);
	cm_tid opt_u64 = option_of(CM_U64);
	cm_tid opt_str = option_of(CM_STRING);
	cm_tid res_e = result_of(CM_TID_NONE, CM_TID_NONE);
	cm_tid res_u32_str = result_of(CM_U32, CM_STRING);
	cm_tid res_f32_u32 = result_of(CM_F32, CM_U32);     /* join f32,i32 -> i32 */
	cm_tid res_f32_u64 = result_of(CM_F32, CM_U64);     /* join f32,i64 -> i64 */
	cm_tid res_f64_u32 = result_of(CM_F64, CM_U32);     /* join f64,i32 -> i64 */
	cm_tid var_mix = variant_of(3, (cm_tid[]){CM_F32, tup, CM_TID_NONE});
	cm_tid own = add((cm_type){.kind = CM_OWN, .elem = r});
	cm_tid borrow = add((cm_type){.kind = CM_BORROW, .elem = r});
	cm_tid var_u8_u16 = variant_of(2, (cm_tid[]){CM_U8, CM_U16});   /* 4, align 2 */
	cm_tid big_rec = record_of(17, (cm_tid[]){CM_U8, CM_U8, CM_U8, CM_U8, CM_U8, CM_U8,
	                                          CM_U8, CM_U8, CM_U8, CM_U8, CM_U8, CM_U8,
	                                          CM_U8, CM_U8, CM_U8, CM_U8, CM_U8});
	cm_tid f_many = fixed_list(CM_U64, 20);
	cm_tid nested_opt = option_of(opt_u8);
	build();
	expect_layout(lu8, 8, 4, "i32 i32");
	expect_layout(lstr, 8, 4, "i32 i32");
	expect_layout(f3, 6, 2, "i32 i32 i32");
	expect_layout(f2s, 16, 4, "i32 i32 i32 i32");
	expect_layout(rec1, 12, 4, "i32 i32 i32");
	expect_layout(rec2, 16, 8, "i32 i64");
	expect_layout(rec3, 6, 2, "i32 i32 i32");
	expect_layout(tup, 12, 4, "f32 i32 i32");
	expect_layout(en2, 1, 1, "i32");
	expect_layout(en256, 1, 1, "i32");
	expect_layout(en257, 2, 2, "i32");
	expect_layout(fl0, 0, 1, "");
	expect_layout(fl1, 1, 1, "i32");
	expect_layout(fl8, 1, 1, "i32");
	expect_layout(fl9, 2, 2, "i32");
	expect_layout(fl16, 2, 2, "i32");
	expect_layout(fl17, 4, 4, "i32");
	expect_layout(fl32, 4, 4, "i32");
	expect_layout(fl33, 8, 4, "i32 i32");
	expect_layout(fl65, 12, 4, "i32 i32 i32");
	expect_layout(opt_u8, 2, 1, "i32 i32");
	expect_layout(opt_u64, 16, 8, "i32 i64");
	expect_layout(opt_str, 12, 4, "i32 i32 i32");
	expect_layout(res_e, 1, 1, "i32");
	expect_layout(res_u32_str, 12, 4, "i32 i32 i32");
	expect_layout(res_f32_u32, 8, 4, "i32 i32");
	expect_layout(res_f32_u64, 16, 8, "i32 i64");
	expect_layout(res_f64_u32, 16, 8, "i32 i64");
	expect_layout(var_mix, 16, 4, "i32 f32 i32 i32"); /* join(f32, f32) = f32 */
	expect_layout(own, 4, 4, "i32");
	expect_layout(borrow, 4, 4, "i32");
	expect_layout(var_u8_u16, 4, 2, "i32 i32");
	expect_layout(big_rec, 17, 1, "many");
	expect_layout(f_many, 160, 8, "many");
	expect_layout(nested_opt, 3, 1, "i32 i32 i32");
	/* variant payload offset: disc 1 byte, payload aligned to 8 */
	cr_expect_eq(lay(opt_u64)->payload_off, 8);
	cr_expect_eq(lay(en257)->disc_size, 2);
	cr_expect_eq(lay(var_mix)->payload_off, 4);
}

Test(cm_abi, variant_join_rule)
{
	/* variant { a(f32), b(f64), c(tuple<u32, f32>), d(u64) }:
	 * slot 1: join(f32, f64, i32, i64) = i64; slot 2: f32 */
	cm_tid t2 = tuple_of(2, (cm_tid[]){CM_U32, CM_F32});
	cm_tid v = variant_of(4, (cm_tid[]){CM_F32, CM_F64, t2, CM_U64});
	cm_tid v2 = variant_of(2, (cm_tid[]){CM_F32, CM_F32}); /* f32 stays f32 */
	cm_tid v3 = variant_of(2, (cm_tid[]){CM_F32, CM_S8});  /* f32 + i32 -> i32 */
	build();
	expect_layout(v, 16, 8, "i32 i64 f32");
	expect_layout(v2, 8, 4, "i32 f32");
	expect_layout(v3, 8, 4, "i32 i32");

	/* case c: (7, 2.5f) -> slots [2, 7, bits(2.5f)] and back */
	cm_vals in;
	cm_vals_init(&in);
	push(&in, CM_VARIANT, 1, 2);
	push(&in, CM_TUPLE, 2, 0);
	push(&in, CM_U32, 0, 7);
	float f = 2.5f;
	uint32_t fb;
	memcpy(&fb, &f, 4);
	push(&in, CM_F32, 0, fb);
	sim s;
	sim_init(&s, 1024);
	uint64_t flat[CM_MAX_FLAT_CORE];
	uint32_t n = lower_ok(v, &in, &s, CM_ENC_UTF8, flat);
	cr_assert_eq(n, 3);
	cr_assert_eq(flat[0], 2);
	cr_assert_eq(flat[1], 7);
	cr_assert_eq(flat[2], fb);
	round_trip(v, &in);

	/* case b: f64 in the i64 slot, its bits unchanged; slot 2 padded 0 */
	cm_vals_free(&in);
	cm_vals_init(&in);
	double d = -1.25;
	uint64_t db;
	memcpy(&db, &d, 8);
	push(&in, CM_VARIANT, 1, 1);
	push(&in, CM_F64, 0, db);
	n = lower_ok(v, &in, &s, CM_ENC_UTF8, flat);
	cr_assert_eq(n, 3);
	cr_assert_eq(flat[1], db);
	cr_assert_eq(flat[2], 0);
	round_trip(v, &in);

	/* case a from an i64 slot with garbage high bits: the f32 is the low 32 */
	uint64_t raw[3] = {0, 0xDEADBEEF00000000ull | fb, 0};
	cm_vals out;
	lift_ok(v, raw, 3, NULL, CM_ENC_UTF8, &out);
	cr_assert_eq(out.n, 2);
	cr_assert_eq(out.v[1].kind, CM_F32);
	cr_assert_eq(out.v[1].u, fb);
	cm_vals_free(&out);
	cm_vals_free(&in);
	sim_free(&s);
}

Test(cm_abi, core_signatures_and_spilling)
{
	cm_tid p16[16], p17[17];
	for (int i = 0; i < 16; i++)
		p16[i] = CM_U32;
	for (int i = 0; i < 17; i++)
		p17[i] = CM_U32;
	cm_tid f16 = func_of(16, p16, 1, (cm_tid[]){CM_U32});
	cm_tid f17 = func_of(17, p17, 0, NULL);
	cm_tid fstr = func_of(1, (cm_tid[]){CM_STRING}, 1, (cm_tid[]){CM_STRING});
	cm_tid fu64 = func_of(2, (cm_tid[]){CM_U64, CM_F64}, 1, (cm_tid[]){CM_F32});
	cm_tid two = func_of(0, NULL, 2, (cm_tid[]){CM_U8, CM_U8});
	build();
	cm_core_sig s;
	cr_assert(cm_abi_core_sig(A, f16, false, &s));
	cr_expect_eq(s.nparams, 16);
	cr_expect_not(s.params_spilled);
	cr_expect_eq(s.nresults, 1);
	cr_assert(cm_abi_core_sig(A, f17, false, &s));
	cr_expect_eq(s.nparams, 1);
	cr_expect(s.params_spilled);
	cr_expect_eq(s.params[0], CM_CORE_I32);
	cr_expect_eq(s.nresults, 0);
	/* string result: lift returns a pointer, lower takes a return pointer */
	cr_assert(cm_abi_core_sig(A, fstr, false, &s));
	cr_expect_eq(s.nparams, 2);
	cr_expect_eq(s.nresults, 1);
	cr_expect(s.results_spilled);
	cr_assert(cm_abi_core_sig(A, fstr, true, &s));
	cr_expect_eq(s.nparams, 3);
	cr_expect_eq(s.nresults, 0);
	cr_assert(cm_abi_core_sig(A, fu64, true, &s));
	cr_expect_eq(s.nparams, 2);
	cr_expect_eq(s.params[0], CM_CORE_I64);
	cr_expect_eq(s.params[1], CM_CORE_F64);
	cr_expect_eq(s.results[0], CM_CORE_F32);
	cr_assert(cm_abi_core_sig(A, two, false, &s));
	cr_expect(s.results_spilled);
	cr_expect_eq(s.nresults, 1);
	cr_expect_not(cm_abi_core_sig(A, CM_U32, false, &s));
}

Test(cm_abi, deep_and_huge_types_have_no_layout)
{
	cm_tid t = CM_U8, t99 = 0, t100 = 0;
	for (int i = 0; i < 150; i++) {
		t = list_of(t);
		if (i == 98)
			t99 = t; /* depth 100 */
		if (i == 99)
			t100 = t;
	}
	cm_tid huge = fixed_list(fixed_list(CM_U64, 65536), 65536);
	build();
	const char *why = NULL;
	cr_assert_eq(lay(t99)->depth, 100);
	cr_assert_null(cm_abi_layout(A, t100, &why));
	cr_assert(why && strstr(why, "deeper than 100"), "%s", why);
	cr_assert_null(cm_abi_layout(A, t, &why));
	cr_assert(why && strstr(why, "no layout"), "%s", why);
	cr_assert_null(cm_abi_layout(A, huge, &why));
	cr_assert(strstr(why, "4 GiB"), "%s", why);
	cr_assert_null(cm_abi_layout(A, 9999, &why));
	/* lifting such a type traps instead of recursing */
	uint64_t flat[2] = {0, 0};
	sim s;
	sim_init(&s, 64);
	expect_lift_trap(t, flat, 2, &s, CM_ENC_UTF8, "no canonical ABI layout");
	sim_free(&s);
}

/* ---- round trips -------------------------------------------------------- */

Test(cm_abi, scalars_and_extremes)
{
	build();
	struct {
		cm_kind k;
		uint64_t u;
	} cases[] = {
		{CM_BOOL, 0}, {CM_BOOL, 1},
		{CM_S8, (uint64_t)-128}, {CM_S8, 127}, {CM_U8, 0}, {CM_U8, 255},
		{CM_S16, (uint64_t)-32768}, {CM_S16, 32767}, {CM_U16, 65535},
		{CM_S32, (uint64_t)(int64_t)INT32_MIN}, {CM_S32, INT32_MAX}, {CM_U32, UINT32_MAX},
		{CM_S64, (uint64_t)INT64_MIN}, {CM_S64, INT64_MAX}, {CM_S64, (uint64_t)-1},
		{CM_U64, 0}, {CM_U64, UINT64_MAX}, {CM_U64, 0x8000000000000000ull},
		{CM_F32, 0x3FC00000}, {CM_F32, 0x80000000}, {CM_F32, 0x7F800000},
		{CM_F64, 0x3FF8000000000000ull}, {CM_F64, 0xFFF0000000000000ull},
		{CM_CHAR, 0}, {CM_CHAR, 0xD7FF}, {CM_CHAR, 0xE000}, {CM_CHAR, 0x10FFFF},
		{CM_CHAR, 0x1F980},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cm_vals in;
		cm_vals_init(&in);
		push(&in, cases[i].k, 0, cases[i].u);
		round_trip(cases[i].k, &in);
		cm_vals_free(&in);
	}
	/* s32 -1 is the i32 0xFFFFFFFF, u64 max the i64 all ones */
	cm_vals in;
	cm_vals_init(&in);
	push(&in, CM_S32, 0, (uint64_t)-1);
	sim s;
	sim_init(&s, 64);
	uint64_t flat[CM_MAX_FLAT_CORE];
	cr_assert_eq(lower_ok(CM_S32, &in, &s, CM_ENC_UTF8, flat), 1);
	cr_assert_eq(flat[0], 0xFFFFFFFFull);
	cm_vals_free(&in);
	sim_free(&s);
}

Test(cm_abi, narrow_integers_from_wide_core_values)
{
	build();
	/* lift_flat_unsigned / lift_flat_signed take the low bits */
	uint64_t v = 0x1234FF80;
	cm_vals out;
	lift_ok(CM_U8, &v, 1, NULL, CM_ENC_UTF8, &out);
	cr_assert_eq(out.v[0].u, 0x80);
	cm_vals_free(&out);
	lift_ok(CM_S8, &v, 1, NULL, CM_ENC_UTF8, &out);
	cr_assert_eq(out.v[0].u, (uint64_t)-128);
	cm_vals_free(&out);
	lift_ok(CM_S16, &v, 1, NULL, CM_ENC_UTF8, &out);
	cr_assert_eq(out.v[0].u, (uint64_t)(int64_t)(int16_t)0xFF80);
	cm_vals_free(&out);
	lift_ok(CM_U16, &v, 1, NULL, CM_ENC_UTF8, &out);
	cr_assert_eq(out.v[0].u, 0xFF80);
	cm_vals_free(&out);
	v = 2; /* bool: any non-zero i32 */
	lift_ok(CM_BOOL, &v, 1, NULL, CM_ENC_UTF8, &out);
	cr_assert_eq(out.v[0].u, 1);
	cm_vals_free(&out);
	v = 0x100000000ull; /* bool from an i32 whose low bits are 0 */
	lift_ok(CM_BOOL, &v, 1, NULL, CM_ENC_UTF8, &out);
	cr_assert_eq(out.v[0].u, 0);
	cm_vals_free(&out);
	v = 0xFFFFFFFF80000000ull;
	lift_ok(CM_S32, &v, 1, NULL, CM_ENC_UTF8, &out);
	cr_assert_eq(out.v[0].u, (uint64_t)(int64_t)INT32_MIN);
	cm_vals_free(&out);
}

Test(cm_abi, nan_canonicalisation)
{
	build();
	/* lifting: any NaN becomes the canonical one */
	uint64_t v = 0x7F800001; /* signalling NaN */
	cm_vals out;
	lift_ok(CM_F32, &v, 1, NULL, CM_ENC_UTF8, &out);
	cr_assert_eq(out.v[0].u, 0x7FC00000);
	cm_vals_free(&out);
	v = 0xFFC12345;
	lift_ok(CM_F32, &v, 1, NULL, CM_ENC_UTF8, &out);
	cr_assert_eq(out.v[0].u, 0x7FC00000);
	cm_vals_free(&out);
	v = 0xFFF0000000000001ull;
	lift_ok(CM_F64, &v, 1, NULL, CM_ENC_UTF8, &out);
	cr_assert_eq(out.v[0].u, 0x7FF8000000000000ull);
	cm_vals_free(&out);
	/* infinities are not NaNs */
	v = 0xFF800000;
	lift_ok(CM_F32, &v, 1, NULL, CM_ENC_UTF8, &out);
	cr_assert_eq(out.v[0].u, 0xFF800000);
	cm_vals_free(&out);
	/* lowering (deterministic profile): canonical too, flat and stored */
	cm_tid l = list_of(CM_F64);
	build();
	cm_vals in;
	cm_vals_init(&in);
	push(&in, CM_F32, 0, 0x7FA00000);
	sim s;
	sim_init(&s, 256);
	uint64_t flat[CM_MAX_FLAT_CORE];
	lower_ok(CM_F32, &in, &s, CM_ENC_UTF8, flat);
	cr_assert_eq(flat[0], 0x7FC00000);
	cm_vals_free(&in);
	cm_vals_init(&in);
	push(&in, CM_LIST, 2, 0);
	push(&in, CM_F64, 0, 0xFFF8000000000123ull);
	push(&in, CM_F64, 0, 0x4000000000000000ull);
	lower_ok(l, &in, &s, CM_ENC_UTF8, flat);
	uint64_t stored;
	memcpy(&stored, s.mem.base + flat[0], 8);
	cr_assert_eq(stored, 0x7FF8000000000000ull);
	memcpy(&stored, s.mem.base + flat[0] + 8, 8);
	cr_assert_eq(stored, 0x4000000000000000ull);
	cm_vals_free(&in);
	sim_free(&s);
}

Test(cm_abi, strings_every_encoding)
{
	build();
	const char *samples[] = {"", "a", "hello", "grün", "hö☃🍰", "Zoë 🦀", "\xC3\xBF\xC3\xBF",
	                         "ÿĀ", "𐐷𐐷x"};
	for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
		cm_vals in;
		cm_vals_init(&in);
		push_str(&in, samples[i], strlen(samples[i]));
		round_trip(CM_STRING, &in);
		cm_vals_free(&in);
	}
}

Test(cm_abi, string_of_100000_bytes)
{
	build();
	size_t n = 100000;
	char *s = malloc(n);
	for (size_t i = 0; i < n; i++)
		s[i] = (char)('a' + i % 26);
	/* some multi-byte characters in the middle: 3-byte ☃ */
	memcpy(s + 50000, "\xE2\x98\x83", 3);
	cm_vals in;
	cm_vals_init(&in);
	push_str(&in, s, n);
	round_trip(CM_STRING, &in);
	cm_vals_free(&in);
	free(s);
}

Test(cm_abi, string_encodings_in_memory)
{
	build();
	sim s;
	sim_init(&s, 1024);
	uint64_t flat[CM_MAX_FLAT_CORE];
	cm_vals in;
	cm_vals_init(&in);
	/* "hö☃🍰": UTF-16 68 00 F6 00 03 26 3C D8 70 DF, 5 code units */
	push_str(&in, "hö☃🍰", strlen("hö☃🍰"));
	cr_assert_eq(lower_ok(CM_STRING, &in, &s, CM_ENC_UTF16, flat), 2);
	cr_assert_eq(flat[1], 5);
	static const uint8_t u16[] = {0x68, 0, 0xF6, 0, 0x03, 0x26, 0x3C, 0xD8, 0x70, 0xDF};
	cr_assert(memcmp(s.mem.base + flat[0], u16, sizeof u16) == 0);
	cr_assert_eq(flat[0] % 2, 0);
	/* realloc sequence of store_utf8_to_utf16 for 10 UTF-8 bytes:
	 * (0, 0, 2, 20), then shrink to the 10 bytes of 5 code units */
	cr_assert_eq(s.calls, 2);
	cr_assert(s.log[0][0] == 0 && s.log[0][1] == 0 && s.log[0][2] == 2 && s.log[0][3] == 20);
	cr_assert(s.log[1][1] == 20 && s.log[1][2] == 2 && s.log[1][3] == 10);

	/* latin1+utf16: the same string needs UTF-16, tagged */
	s.calls = 0;
	cr_assert_eq(lower_ok(CM_STRING, &in, &s, CM_ENC_LATIN1_UTF16, flat), 2);
	cr_assert_eq(flat[1], 5u | 0x80000000u);
	cr_assert(memcmp(s.mem.base + flat[0], u16, sizeof u16) == 0);
	/* allocate 10 (the UTF-8 length); 'ö' fits Latin-1, '☃' does not:
	 * grow to 20, then shrink to 10 */
	cr_assert_eq(s.calls, 3);
	cr_assert(s.log[0][2] == 2 && s.log[0][3] == 10);
	cr_assert(s.log[1][1] == 10 && s.log[1][3] == 20);
	cr_assert(s.log[2][1] == 20 && s.log[2][3] == 10);
	cm_vals_free(&in);

	/* "grün" is Latin-1: 67 72 FC 6E, untagged length 4, shrunk from 5 */
	cm_vals_init(&in);
	push_str(&in, "grün", strlen("grün"));
	s.calls = 0;
	cr_assert_eq(lower_ok(CM_STRING, &in, &s, CM_ENC_LATIN1_UTF16, flat), 2);
	cr_assert_eq(flat[1], 4);
	cr_assert(memcmp(s.mem.base + flat[0], "\x67\x72\xFC\x6E", 4) == 0);
	cr_assert_eq(s.calls, 2);
	cr_assert(s.log[0][3] == 5 && s.log[1][1] == 5 && s.log[1][3] == 4);
	cm_vals_free(&in);

	/* ASCII into latin1+utf16: one allocation, no shrink */
	cm_vals_init(&in);
	push_str(&in, "ok", 2);
	s.calls = 0;
	lower_ok(CM_STRING, &in, &s, CM_ENC_LATIN1_UTF16, flat);
	cr_assert_eq(flat[1], 2);
	cr_assert_eq(s.calls, 1);
	cm_vals_free(&in);

	/* an empty string still calls realloc (0, 0, 1, 0) */
	cm_vals_init(&in);
	push_str(&in, "", 0);
	s.calls = 0;
	lower_ok(CM_STRING, &in, &s, CM_ENC_UTF8, flat);
	cr_assert_eq(s.calls, 1);
	cr_assert(s.log[0][2] == 1 && s.log[0][3] == 0);
	cr_assert_eq(flat[1], 0);
	cm_vals_free(&in);
	sim_free(&s);
}

/* Lifts a string from `bytes` placed at offset 64 of a memory, in `enc`
 * with `units` (tagged) code units, and compares to the UTF-8 `want`. */
static void lift_string_as(const void *bytes, size_t nbytes, cm_strenc enc, uint32_t units,
                           const char *want)
{
	sim s;
	sim_init(&s, 4096);
	memcpy(s.mem.base + 64, bytes, nbytes);
	uint64_t flat[2] = {64, units};
	cm_vals out;
	lift_ok(CM_STRING, flat, 2, &s, enc, &out);
	cr_assert_eq(out.n, 1);
	cr_assert_eq(out.v[0].len, strlen(want), "len %llu, want %zu",
	             (unsigned long long)out.v[0].len, strlen(want));
	cr_assert(memcmp(out.v[0].bytes, want, strlen(want)) == 0);
	cm_vals_free(&out);
	sim_free(&s);
}

Test(cm_abi, transcoding_on_lift)
{
	build();
	/* UTF-16 with a surrogate pair (🍰 = D83C DF70) */
	static const uint8_t u16[] = {0x68, 0, 0xF6, 0, 0x03, 0x26, 0x3C, 0xD8, 0x70, 0xDF};
	lift_string_as(u16, sizeof u16, CM_ENC_UTF16, 5, "hö☃🍰");
	lift_string_as(u16, sizeof u16, CM_ENC_LATIN1_UTF16, 5 | 0x80000000u, "hö☃🍰");
	/* Latin-1: FC is ü, FF is ÿ */
	lift_string_as("\x67\x72\xFC\x6E\xFF", 5, CM_ENC_LATIN1_UTF16, 5, "grünÿ");
	lift_string_as("", 0, CM_ENC_UTF16, 0, "");
	lift_string_as("", 0, CM_ENC_LATIN1_UTF16, 0x80000000u, "");
}

Test(cm_abi, transcoding_between_components)
{
	/* a utf16 component's string, lifted then lowered into a latin1+utf16
	 * one, and a latin1 one lowered into utf8 */
	build();
	sim a, b;
	sim_init(&a, 1024);
	sim_init(&b, 1024);
	static const uint8_t u16[] = {'A', 0, 0xE9, 0, 'Z', 0}; /* "AéZ" */
	memcpy(a.mem.base + 128, u16, sizeof u16);
	uint64_t flat[CM_MAX_FLAT_CORE] = {128, 3};
	cm_vals v;
	lift_ok(CM_STRING, flat, 2, &a, CM_ENC_UTF16, &v);
	cr_assert_eq(lower_ok(CM_STRING, &v, &b, CM_ENC_LATIN1_UTF16, flat), 2);
	cr_assert_eq(flat[1], 3);
	cr_assert(memcmp(b.mem.base + flat[0], "A\xE9Z", 3) == 0);
	cm_vals_free(&v);
	lift_ok(CM_STRING, flat, 2, &b, CM_ENC_LATIN1_UTF16, &v);
	cr_assert_eq(lower_ok(CM_STRING, &v, &a, CM_ENC_UTF8, flat), 2);
	cr_assert_eq(flat[1], 4);
	cr_assert(memcmp(a.mem.base + flat[0], "A\xC3\xA9Z", 4) == 0);
	cm_vals_free(&v);
	sim_free(&a);
	sim_free(&b);
}

Test(cm_abi, lists_including_empty_and_fixed)
{
	cm_tid lu8 = list_of(CM_U8);
	cm_tid lstr = list_of(CM_STRING);
	cm_tid lls = list_of(lstr);
	cm_tid fx = fixed_list(CM_S16, 3);
	cm_tid fxs = fixed_list(CM_STRING, 2);
	cm_tid lfx = list_of(fx);
	build();
	cm_vals in;
	cm_vals_init(&in);
	push(&in, CM_LIST, 0, 0);
	round_trip(lu8, &in);
	cm_vals_free(&in);

	cm_vals_init(&in);
	push(&in, CM_LIST, 3, 0);
	push(&in, CM_U8, 0, 1);
	push(&in, CM_U8, 0, 0);
	push(&in, CM_U8, 0, 255);
	round_trip(lu8, &in);
	cm_vals_free(&in);

	cm_vals_init(&in);
	push(&in, CM_LIST, 3, 0);
	push(&in, CM_LIST, 2, 0);
	push_str(&in, "x", 1);
	push_str(&in, "", 0);
	push(&in, CM_LIST, 0, 0);
	push(&in, CM_LIST, 1, 0);
	push_str(&in, "☃☃", 6);
	round_trip(lls, &in);
	cm_vals_free(&in);

	cm_vals_init(&in);
	push(&in, CM_LIST, 3, 0);
	push(&in, CM_S16, 0, (uint64_t)-1);
	push(&in, CM_S16, 0, 2);
	push(&in, CM_S16, 0, (uint64_t)-32768);
	round_trip(fx, &in);
	cm_vals_free(&in);

	cm_vals_init(&in);
	push(&in, CM_LIST, 2, 0);
	push_str(&in, "ab", 2);
	push_str(&in, "🦀", 4);
	round_trip(fxs, &in);
	cm_vals_free(&in);

	cm_vals_init(&in);
	push(&in, CM_LIST, 2, 0);
	for (int k = 0; k < 2; k++) {
		push(&in, CM_LIST, 3, 0);
		for (int j = 0; j < 3; j++)
			push(&in, CM_S16, 0, (uint64_t)(k * 10 + j));
	}
	round_trip(lfx, &in);
	cm_vals_free(&in);
}

Test(cm_abi, records_tuples_variants_enums_options_results)
{
	cm_tid rec = record_of(4, (cm_tid[]){CM_U8, CM_STRING, CM_F64, CM_BOOL});
	cm_tid tup = tuple_of(3, (cm_tid[]){CM_CHAR, CM_S64, CM_U16});
	cm_tid en = labels_of(CM_ENUM, 3);
	cm_tid en300 = labels_of(CM_ENUM, 300);
	cm_tid opt = option_of(CM_STRING);
	cm_tid res = result_of(CM_U32, CM_STRING);
	cm_tid res0 = result_of(CM_TID_NONE, CM_TID_NONE);
	cm_tid var = variant_of(3, (cm_tid[]){CM_TID_NONE, rec, CM_F32});
	build();
	cm_vals in;

	cm_vals_init(&in);
	push(&in, CM_RECORD, 4, 0);
	push(&in, CM_U8, 0, 200);
	push_str(&in, "field", 5);
	push(&in, CM_F64, 0, 0x400921FB54442D18ull);
	push(&in, CM_BOOL, 0, 1);
	round_trip(rec, &in);
	cm_vals_free(&in);

	cm_vals_init(&in);
	push(&in, CM_TUPLE, 3, 0);
	push(&in, CM_CHAR, 0, 0x1F980);
	push(&in, CM_S64, 0, (uint64_t)INT64_MIN);
	push(&in, CM_U16, 0, 9);
	round_trip(tup, &in);
	cm_vals_free(&in);

	for (uint64_t c = 0; c < 3; c++) {
		cm_vals_init(&in);
		push(&in, CM_ENUM, 0, c);
		round_trip(en, &in);
		cm_vals_free(&in);
	}
	cm_vals_init(&in);
	push(&in, CM_ENUM, 0, 299);
	round_trip(en300, &in);
	cm_vals_free(&in);

	cm_vals_init(&in);
	push(&in, CM_OPTION, 0, 0);
	round_trip(opt, &in);
	cm_vals_free(&in);
	cm_vals_init(&in);
	push(&in, CM_OPTION, 1, 1);
	push_str(&in, "some", 4);
	round_trip(opt, &in);
	cm_vals_free(&in);

	cm_vals_init(&in);
	push(&in, CM_RESULT, 1, 0);
	push(&in, CM_U32, 0, 42);
	round_trip(res, &in);
	cm_vals_free(&in);
	cm_vals_init(&in);
	push(&in, CM_RESULT, 1, 1);
	push_str(&in, "error text", 10);
	round_trip(res, &in);
	cm_vals_free(&in);
	for (uint64_t c = 0; c < 2; c++) {
		cm_vals_init(&in);
		push(&in, CM_RESULT, 0, c);
		round_trip(res0, &in);
		cm_vals_free(&in);
	}

	cm_vals_init(&in);
	push(&in, CM_VARIANT, 0, 0);
	round_trip(var, &in);
	cm_vals_free(&in);
	cm_vals_init(&in);
	push(&in, CM_VARIANT, 1, 1);
	push(&in, CM_RECORD, 4, 0);
	push(&in, CM_U8, 0, 1);
	push_str(&in, "in a variant", 12);
	push(&in, CM_F64, 0, 0);
	push(&in, CM_BOOL, 0, 0);
	round_trip(var, &in);
	cm_vals_free(&in);
	cm_vals_init(&in);
	push(&in, CM_VARIANT, 1, 2);
	push(&in, CM_F32, 0, 0x3F800000);
	round_trip(var, &in);
	cm_vals_free(&in);
}

static void flags_round_trip(uint32_t n)
{
	cm_tid t = labels_of(CM_FLAGS, n);
	build();
	uint32_t nbytes = (n + 7) / 8;
	uint8_t bytes[16] = {0};
	/* every other label, and the last one */
	for (uint32_t i = 0; i < n; i += 2)
		bytes[i / 8] |= (uint8_t)(1u << (i % 8));
	if (n)
		bytes[(n - 1) / 8] |= (uint8_t)(1u << ((n - 1) % 8));
	cm_vals in;
	cm_vals_init(&in);
	push_flags(&in, n, bytes);
	round_trip(t, &in);
	/* all set, none set */
	cm_vals_free(&in);
	memset(bytes, 0, sizeof bytes);
	for (uint32_t i = 0; i < n; i++)
		bytes[i / 8] |= (uint8_t)(1u << (i % 8));
	cm_vals_init(&in);
	push_flags(&in, n, bytes);
	round_trip(t, &in);
	cm_vals_free(&in);
	memset(bytes, 0, sizeof bytes);
	cm_vals_init(&in);
	push_flags(&in, n, bytes);
	round_trip(t, &in);
	cm_vals_free(&in);
	(void)nbytes;
}

Test(cm_abi, flags_0_1_32_33_labels)
{
	flags_round_trip(0);
	flags_round_trip(1);
	flags_round_trip(8);
	flags_round_trip(9);
	flags_round_trip(32);
	flags_round_trip(33);
	flags_round_trip(64);
	flags_round_trip(100);
}

Test(cm_abi, flags_upper_bits_masked_on_lift)
{
	cm_tid f3 = labels_of(CM_FLAGS, 3);
	cm_tid f33 = labels_of(CM_FLAGS, 33);
	build();
	uint64_t flat[2] = {0xFFFFFFFF, 0xFFFFFFFF};
	cm_vals out;
	lift_ok(f3, flat, 1, NULL, CM_ENC_UTF8, &out);
	cr_assert_eq(out.v[0].len, 1);
	cr_assert_eq(out.v[0].bytes[0], 0x07);
	cm_vals_free(&out);
	lift_ok(f33, flat, 2, NULL, CM_ENC_UTF8, &out);
	cr_assert_eq(out.v[0].len, 5);
	cr_assert_eq(out.v[0].bytes[3], 0xFF);
	cr_assert_eq(out.v[0].bytes[4], 0x01);
	cm_vals_free(&out);
	/* 33 flags flatten to two i32s: label 32 is bit 0 of the second */
	cm_vals in;
	cm_vals_init(&in);
	uint8_t b[5] = {0x01, 0, 0, 0x80, 0x01};
	push_flags(&in, 33, b);
	sim s;
	sim_init(&s, 64);
	uint64_t lf[CM_MAX_FLAT_CORE];
	cr_assert_eq(lower_ok(f33, &in, &s, CM_ENC_UTF8, lf), 2);
	cr_assert_eq(lf[0], 0x80000001u);
	cr_assert_eq(lf[1], 1);
	cm_vals_free(&in);
	sim_free(&s);
}

Test(cm_abi, nested_list_of_records_of_variants_of_lists)
{
	/* list<record { name: string, v: variant { a(list<u32>), b(list<string>), c } }> */
	cm_tid lu32 = list_of(CM_U32);
	cm_tid lstr = list_of(CM_STRING);
	cm_tid var = variant_of(3, (cm_tid[]){lu32, lstr, CM_TID_NONE});
	cm_tid rec = record_of(2, (cm_tid[]){CM_STRING, var});
	cm_tid top = list_of(rec);
	build();
	cm_vals in;
	cm_vals_init(&in);
	push(&in, CM_LIST, 4, 0);
	/* 1 */
	push(&in, CM_RECORD, 2, 0);
	push_str(&in, "first", 5);
	push(&in, CM_VARIANT, 1, 0);
	push(&in, CM_LIST, 3, 0);
	push(&in, CM_U32, 0, 1);
	push(&in, CM_U32, 0, UINT32_MAX);
	push(&in, CM_U32, 0, 3);
	/* 2 */
	push(&in, CM_RECORD, 2, 0);
	push_str(&in, "", 0);
	push(&in, CM_VARIANT, 1, 1);
	push(&in, CM_LIST, 2, 0);
	push_str(&in, "né", 3);
	push_str(&in, "🦀🦀", 8);
	/* 3 */
	push(&in, CM_RECORD, 2, 0);
	push_str(&in, "third", 5);
	push(&in, CM_VARIANT, 0, 2);
	/* 4: empty lists */
	push(&in, CM_RECORD, 2, 0);
	push_str(&in, "x", 1);
	push(&in, CM_VARIANT, 1, 1);
	push(&in, CM_LIST, 0, 0);
	round_trip(top, &in);
	cm_vals_free(&in);
}

Test(cm_abi, spilled_params_and_results)
{
	/* 17 params: stored through realloc as a tuple, one pointer */
	cm_tid p[17];
	for (int i = 0; i < 17; i++)
		p[i] = i % 2 ? CM_U8 : CM_U64;
	cm_tid f = func_of(17, p, 2, (cm_tid[]){CM_STRING, CM_U16});
	build();
	const cm_type *ft = cm_types_get(T, f);
	cm_vals in;
	cm_vals_init(&in);
	for (int i = 0; i < 17; i++)
		push(&in, i % 2 ? CM_U8 : CM_U64, 0, i % 2 ? (uint64_t)i : UINT64_MAX - (uint64_t)i);
	sim s;
	sim_init(&s, 1024);
	cm_cx cx;
	cm_cx_init(&cx, A);
	cx.mem = &s.mem;
	uint64_t flat[CM_MAX_FLAT_CORE];
	uint32_t nflat;
	cr_assert(cm_abi_lower_params(&cx, f, &in, 0, flat, &nflat), "%s", cx.trap.msg);
	cr_assert_eq(nflat, 1);
	cr_assert_eq(s.calls, 1);
	/* tuple<u64, u8, u64, ...>: 9 u64 + 8 u8, each u8 padded to 8: size 17*8 = 136 */
	cr_assert_eq(s.last[2], 8);
	cr_assert_eq(s.last[3], 136);
	cr_assert_eq(flat[0] % 8, 0);
	uint64_t first;
	memcpy(&first, s.mem.base + flat[0], 8);
	cr_assert_eq(first, UINT64_MAX);
	cr_assert_eq(s.mem.base[flat[0] + 8], 1);
	/* the callee side: lift_params reads them back from the pointer */
	cm_vals out;
	cm_vals_init(&out);
	uint64_t args[2] = {flat[0], 512}; /* + return pointer (results spill) */
	uint32_t retptr = 0;
	cr_assert(cm_abi_lift_params(&cx, f, args, 2, &out, &retptr), "%s", cx.trap.msg);
	cr_assert_eq(retptr, 512);
	expect_same(&in, 0, &out, 0, 17);
	cm_vals_free(&out);

	/* results: two values spill; lower_results writes them at retptr */
	cm_vals res;
	cm_vals_init(&res);
	push_str(&res, "result", 6);
	push(&res, CM_U16, 0, 65535);
	cr_assert(cm_abi_lower_results(&cx, f, &res, 0, 512, flat, &nflat), "%s", cx.trap.msg);
	cr_assert_eq(nflat, 0);
	/* canon lift side: lift_results from the returned pointer */
	uint64_t rp = 512;
	cm_vals_init(&out);
	cr_assert(cm_abi_lift_results(&cx, f, &rp, 1, &out), "%s", cx.trap.msg);
	expect_same(&res, 0, &out, 0, 2);
	cm_vals_free(&out);

	/* a misaligned or out-of-bounds return pointer traps */
	cr_assert_not(cm_abi_lower_results(&cx, f, &res, 0, 513, flat, &nflat));
	cr_assert_str_eq(cx.trap.msg, "unaligned pointer");
	cr_assert_not(cm_abi_lower_results(&cx, f, &res, 0, (uint32_t)s.mem.len - 8, flat, &nflat));
	cr_assert_str_eq(cx.trap.msg, "pointer out of bounds of memory");
	rp = 2;
	cm_vals_init(&out);
	cr_assert_not(cm_abi_lift_results(&cx, f, &rp, 1, &out));
	cr_assert_str_eq(cx.trap.msg, "unaligned pointer");
	cm_vals_free(&out);
	args[0] = 4;
	cm_vals_init(&out);
	cr_assert_not(cm_abi_lift_params(&cx, f, args, 2, &out, &retptr));
	cr_assert_str_eq(cx.trap.msg, "unaligned pointer");
	cm_vals_free(&out);
	args[0] = s.mem.len - 128;
	cm_vals_init(&out);
	cr_assert_not(cm_abi_lift_params(&cx, f, args, 2, &out, &retptr));
	cr_assert_str_eq(cx.trap.msg, "pointer out of bounds of memory");
	cm_vals_free(&out);

	/* spilled params whose realloc returns a misaligned pointer */
	s.forced = 1;
	s.force = 4;
	cr_assert_not(cm_abi_lower_params(&cx, f, &in, 0, flat, &nflat));
	cr_assert(strstr(cx.trap.msg, "unaligned pointer"), "%s", cx.trap.msg);
	cm_vals_free(&res);
	cm_vals_free(&in);
	sim_free(&s);
	(void)ft;
}

Test(cm_abi, sixteen_flat_params_stay_flat)
{
	cm_tid p[16];
	for (int i = 0; i < 16; i++)
		p[i] = CM_F32;
	cm_tid f = func_of(16, p, 1, (cm_tid[]){CM_U64});
	build();
	cm_vals in;
	cm_vals_init(&in);
	for (int i = 0; i < 16; i++)
		push(&in, CM_F32, 0, 0x3F800000u + (uint64_t)i);
	cm_cx cx;
	cm_cx_init(&cx, A);
	uint64_t flat[CM_MAX_FLAT_CORE];
	uint32_t nflat;
	cr_assert(cm_abi_lower_params(&cx, f, &in, 0, flat, &nflat), "%s", cx.trap.msg);
	cr_assert_eq(nflat, 16);
	cr_assert_eq(flat[15], 0x3F80000Fu);
	cm_vals out;
	cm_vals_init(&out);
	uint32_t retptr = 99;
	cr_assert(cm_abi_lift_params(&cx, f, flat, 16, &out, &retptr));
	cr_assert_eq(retptr, 0);
	expect_same(&in, 0, &out, 0, 16);
	cm_vals_free(&out);
	cm_vals_free(&in);
	/* one flat result: u64 */
	uint64_t r = UINT64_MAX;
	cm_vals_init(&out);
	cr_assert(cm_abi_lift_results(&cx, f, &r, 1, &out));
	cr_assert_eq(out.v[0].u, UINT64_MAX);
	cm_vals_free(&out);
}

/* ---- traps --------------------------------------------------------------- */

Test(cm_abi, lift_traps)
{
	cm_tid lu32 = list_of(CM_U32);
	cm_tid en = labels_of(CM_ENUM, 2);
	cm_tid var = variant_of(3, NULL);
	cm_tid opt = option_of(CM_U8);
	cm_tid res = result_of(CM_U8, CM_TID_NONE);
	build();
	sim s;
	sim_init(&s, 65536);
	uint64_t f[2];

	/* strings: bounds, alignment, length, encoding */
	f[0] = 65530; f[1] = 10;
	expect_lift_trap(CM_STRING, f, 2, &s, CM_ENC_UTF8,
	                 "string pointer/length out of bounds of memory");
	expect_lift_trap(CM_STRING, f, 2, &s, CM_ENC_UTF8, "string content out-of-bounds");
	f[0] = 0xFFFFFFFF; f[1] = 1;
	expect_lift_trap(CM_STRING, f, 2, &s, CM_ENC_UTF8, "out of bounds");
	f[0] = 3; f[1] = 1;
	expect_lift_trap(CM_STRING, f, 2, &s, CM_ENC_UTF16, "unaligned pointer");
	f[0] = 3; f[1] = 0;
	expect_lift_trap(CM_STRING, f, 2, &s, CM_ENC_UTF16, "unaligned pointer");
	expect_lift_trap(CM_STRING, f, 2, &s, CM_ENC_LATIN1_UTF16, "unaligned pointer");
	f[1] = 0x80000000u;
	expect_lift_trap(CM_STRING, f, 2, &s, CM_ENC_LATIN1_UTF16, "unaligned pointer");
	f[0] = 0; f[1] = 1u << 28;
	expect_lift_trap(CM_STRING, f, 2, &s, CM_ENC_UTF8, "string too long");
	f[1] = 1u << 27;
	expect_lift_trap(CM_STRING, f, 2, &s, CM_ENC_UTF16, "string too long");
	memcpy(s.mem.base + 100, "ab\xFF", 3);
	f[0] = 100; f[1] = 3;
	expect_lift_trap(CM_STRING, f, 2, &s, CM_ENC_UTF8, "invalid utf-8");
	expect_lift_trap(CM_STRING, f, 2, &s, CM_ENC_UTF8, "byte offset 2");
	memcpy(s.mem.base + 100, "ab\xC3", 3);
	expect_lift_trap(CM_STRING, f, 2, &s, CM_ENC_UTF8, "incomplete utf-8 byte sequence");
	memcpy(s.mem.base + 100, "\xED\xA0\x80", 3); /* an encoded surrogate */
	expect_lift_trap(CM_STRING, f, 2, &s, CM_ENC_UTF8, "invalid utf-8");
	memcpy(s.mem.base + 100, "\xC0\xAF", 2); /* overlong */
	f[1] = 2;
	expect_lift_trap(CM_STRING, f, 2, &s, CM_ENC_UTF8, "invalid utf-8");
	/* UTF-16: a lone high surrogate, a lone low one, a reversed pair */
	memcpy(s.mem.base + 100, "\x3C\xD8" "a\0", 4);
	f[1] = 2;
	expect_lift_trap(CM_STRING, f, 2, &s, CM_ENC_UTF16, "invalid utf-16");
	memcpy(s.mem.base + 100, "\x70\xDF", 2);
	f[1] = 1;
	expect_lift_trap(CM_STRING, f, 2, &s, CM_ENC_UTF16, "unpaired surrogate at code unit 0");
	memcpy(s.mem.base + 100, "\x70\xDF\x3C\xD8", 4);
	f[1] = 2 | 0x80000000u;
	expect_lift_trap(CM_STRING, f, 2, &s, CM_ENC_LATIN1_UTF16, "invalid utf-16");
	memcpy(s.mem.base + 100, "\x3C\xD8", 2); /* high surrogate at the end */
	f[1] = 1;
	expect_lift_trap(CM_STRING, f, 2, &s, CM_ENC_UTF16, "invalid utf-16");

	/* lists */
	f[0] = 2; f[1] = 1;
	expect_lift_trap(lu32, f, 2, &s, CM_ENC_UTF8, "unaligned pointer");
	f[0] = 65532; f[1] = 2;
	expect_lift_trap(lu32, f, 2, &s, CM_ENC_UTF8, "list content out-of-bounds");
	f[0] = 0; f[1] = 1u << 27;
	expect_lift_trap(lu32, f, 2, &s, CM_ENC_UTF8, "list too long");
	f[0] = 0; f[1] = 0xFFFFFFFF;
	expect_lift_trap(lu32, f, 2, &s, CM_ENC_UTF8, "list too long");

	/* discriminants */
	f[0] = 2;
	expect_lift_trap(en, f, 1, &s, CM_ENC_UTF8, "invalid variant discriminant");
	f[0] = 3;
	expect_lift_trap(var, f, 1, &s, CM_ENC_UTF8, "invalid variant discriminant");
	f[0] = 2; f[1] = 0;
	expect_lift_trap(opt, f, 2, &s, CM_ENC_UTF8, "invalid variant discriminant");
	f[0] = 0xFFFFFFFF;
	expect_lift_trap(res, f, 2, &s, CM_ENC_UTF8, "invalid variant discriminant");
	/* in memory: a list of options whose second discriminant is 7 */
	cm_tid lopt = list_of(opt);
	build();
	memcpy(s.mem.base + 200, "\x01\x05\x07\x00", 4);
	f[0] = 200; f[1] = 2;
	expect_lift_trap(lopt, f, 2, &s, CM_ENC_UTF8, "invalid variant discriminant");

	/* chars */
	f[0] = 0xD800;
	expect_lift_trap(CM_CHAR, f, 1, &s, CM_ENC_UTF8, "invalid `char` bit pattern");
	f[0] = 0xDFFF;
	expect_lift_trap(CM_CHAR, f, 1, &s, CM_ENC_UTF8, "invalid `char` bit pattern");
	f[0] = 0x110000;
	expect_lift_trap(CM_CHAR, f, 1, &s, CM_ENC_UTF8, "invalid `char` bit pattern");
	cm_tid lch = list_of(CM_CHAR);
	build();
	memcpy(s.mem.base + 300, "\x41\0\0\0\x00\xD8\0\0", 8);
	f[0] = 300; f[1] = 2;
	expect_lift_trap(lch, f, 2, &s, CM_ENC_UTF8, "invalid `char` bit pattern");

	/* too few core values */
	expect_lift_trap(CM_STRING, f, 1, &s, CM_ENC_UTF8, "too few core values");
	/* no memory option */
	f[0] = 0; f[1] = 0;
	expect_lift_trap(CM_STRING, f, 2, NULL, CM_ENC_UTF8, "no memory option");
	sim_free(&s);
}

Test(cm_abi, lower_traps)
{
	cm_tid lu32 = list_of(CM_U32);
	cm_tid lu8 = list_of(CM_U8);
	build();
	sim s;
	sim_init(&s, 1024);
	cm_vals in;
	cm_vals_init(&in);
	push(&in, CM_LIST, 2, 0);
	push(&in, CM_U32, 0, 1);
	push(&in, CM_U32, 0, 2);
	/* realloc returning -1: alignment fails before bounds */
	s.forced = 1;
	s.force = 0xFFFFFFFF;
	expect_lower_trap(lu32, &in, &s, CM_ENC_UTF8, "realloc return: result not aligned");
	expect_lower_trap(lu32, &in, &s, CM_ENC_UTF8, "unaligned pointer");
	/* -4: aligned, beyond the end */
	s.force = 0xFFFFFFFC;
	expect_lower_trap(lu32, &in, &s, CM_ENC_UTF8, "realloc return: beyond end of memory");
	expect_lower_trap(lu32, &in, &s, CM_ENC_UTF8, "list content out-of-bounds");
	/* even for an empty list: realloc is called and its pointer checked */
	cm_vals empty;
	cm_vals_init(&empty);
	push(&empty, CM_LIST, 0, 0);
	s.calls = 0;
	expect_lower_trap(lu32, &empty, &s, CM_ENC_UTF8, "realloc return: beyond end of memory");
	cr_assert_eq(s.calls, 1);
	cr_assert(s.last[0] == 0 && s.last[1] == 0 && s.last[2] == 4 && s.last[3] == 0);
	s.force = 2;
	expect_lower_trap(lu32, &in, &s, CM_ENC_UTF8, "unaligned pointer");
	s.force = 1024; /* exactly the end: fine for 0 bytes, not for 8 */
	expect_lower_trap(lu32, &in, &s, CM_ENC_UTF8, "beyond end of memory");
	uint64_t flat[CM_MAX_FLAT_CORE];
	cr_assert_eq(lower_ok(lu8, &empty, &s, CM_ENC_UTF8, flat), 2);
	cr_assert_eq(flat[0], 1024);
	/* strings: the realloc checks of every encoding */
	cm_vals str;
	cm_vals_init(&str);
	push_str(&str, "abc☃", 6);
	s.force = 0xFFFFFFFF;
	expect_lower_trap(CM_STRING, &str, &s, CM_ENC_UTF8, "realloc return: beyond end of memory");
	expect_lower_trap(CM_STRING, &str, &s, CM_ENC_UTF8, "string content out-of-bounds");
	expect_lower_trap(CM_STRING, &str, &s, CM_ENC_UTF16, "realloc return: result not aligned");
	expect_lower_trap(CM_STRING, &str, &s, CM_ENC_LATIN1_UTF16, "realloc return: result not aligned");
	/* the guest's realloc traps */
	s.forced = 0;
	s.fail = true;
	expect_lower_trap(CM_STRING, &str, &s, CM_ENC_UTF8, "guest realloc trapped");
	s.fail = false;
	/* no realloc option */
	s.mem.realloc = NULL;
	expect_lower_trap(CM_STRING, &str, &s, CM_ENC_UTF8, "no realloc option");
	s.mem.realloc = sim_realloc;
	/* a char that is not a scalar value (an unchecked list) */
	cm_vals bad;
	cm_vals_init(&bad);
	push(&bad, CM_CHAR, 0, 0xD800);
	expect_lower_trap(CM_CHAR, &bad, &s, CM_ENC_UTF8, "invalid `char` bit pattern");
	cm_vals_free(&bad);
	/* a string over the ABI's limit */
	cm_vals big;
	cm_vals_init(&big);
	cm_val node = {.kind = CM_STRING, .bytes = (const uint8_t *)"", .len = 1u << 28};
	cr_assert(cm_vals_push(&big, &node) >= 0);
	expect_lower_trap(CM_STRING, &big, &s, CM_ENC_UTF8, "string too long");
	cm_vals_free(&big);
	/* a value list shorter than its type needs */
	cm_vals shortl;
	cm_vals_init(&shortl);
	push(&shortl, CM_LIST, 3, 0);
	push(&shortl, CM_U32, 0, 1);
	expect_lower_trap(lu32, &shortl, &s, CM_ENC_UTF8, "value list ends");
	cm_vals_free(&shortl);
	cm_vals_free(&str);
	cm_vals_free(&empty);
	cm_vals_free(&in);
	sim_free(&s);
}

Test(cm_abi, node_budget_bounds_a_hostile_lift)
{
	/* a list of 2^32-1 zero-sized elements fits in memory; the budget
	 * stops it at once */
	cm_tid f0 = labels_of(CM_FLAGS, 0);
	cm_tid l = list_of(f0);
	build();
	sim s;
	sim_init(&s, 64);
	cm_cx cx;
	cm_cx_init(&cx, A);
	cx.mem = &s.mem;
	cx.max_nodes = 1000;
	cm_case c = {.name = "x", .type = l};
	uint64_t flat[2] = {0, 0xFFFFFFFF};
	cm_vals out;
	cm_vals_init(&out);
	cr_assert_not(cm_abi_lift_values(&cx, 16, &c, 1, flat, 2, &out));
	cr_assert(strstr(cx.trap.msg, "more than 1000 nodes"), "%s", cx.trap.msg);
	cm_vals_free(&out);
	flat[1] = 999;
	cm_vals_init(&out);
	cr_assert(cm_abi_lift_values(&cx, 16, &c, 1, flat, 2, &out), "%s", cx.trap.msg);
	cr_assert_eq(out.n, 1000);
	cm_vals_free(&out);
	sim_free(&s);
}

/* ---- handles through lift and lower ------------------------------------ */

Test(cm_abi, own_and_borrow_through_tables)
{
	cm_tid r = resource(3);
	cm_tid own = add((cm_type){.kind = CM_OWN, .elem = r});
	cm_tid bor = add((cm_type){.kind = CM_BORROW, .elem = r});
	build();
	cm_handles *guest = cm_handles_new(false);
	cm_handles *host = cm_handles_new(true);
	cm_trap trap;
	uint32_t h;
	cr_assert(cm_handles_new_own(guest, 3, 0x41, &h, &trap));
	cr_assert_eq(h, 1);
	cm_call call;
	cm_call_init(&call);
	cm_cx cx;
	cm_cx_init(&cx, A);
	cx.handles = guest;
	cx.host = host;
	cx.call = &call;
	/* lifting own<R> from the guest moves it into the host table */
	uint64_t flat[CM_MAX_FLAT_CORE] = {1};
	uint32_t pos = 0;
	cm_vals v;
	cm_vals_init(&v);
	cr_assert(cm_abi_lift_flat(&cx, own, flat, 1, &pos, &v), "%s", cx.trap.msg);
	cr_assert_eq(cm_handles_count(guest), 0);
	cr_assert_eq(cm_handles_count(host), 1);
	uint64_t hidx = v.v[0].u;
	uint64_t rep;
	cr_assert(cm_handles_rep(host, (uint32_t)hidx, 3, &rep, &trap));
	cr_assert_eq(rep, 0x41);
	/* lowering it back creates a new guest handle, index 1 reused */
	size_t vp = 0;
	uint32_t nf = 0;
	cr_assert(cm_abi_lower_flat(&cx, own, &v, &vp, flat, &nf), "%s", cx.trap.msg);
	cr_assert_eq(flat[0], 1);
	cr_assert_eq(cm_handles_count(host), 0);
	cm_vals_free(&v);
	/* borrow<R> lifted: the guest handle is lent, the host gets a borrow */
	flat[0] = 1;
	pos = 0;
	cm_vals_init(&v);
	cr_assert(cm_abi_lift_flat(&cx, bor, flat, 1, &pos, &v), "%s", cx.trap.msg);
	cm_dropped d;
	cr_assert_not(cm_handles_drop(guest, 1, 3, &d, &trap));
	cr_assert_str_eq(trap.msg, "cannot remove owned resource while borrowed");
	/* the host call ends: its borrows go, then the call's lends */
	cm_handles_end_host_borrows(host, &call);
	cr_assert(cm_call_end(&call, guest, &trap), "%s", trap.msg);
	cr_assert(cm_handles_drop(guest, 1, 3, &d, &trap), "%s", trap.msg);
	cr_assert(d.own);
	cr_assert_eq(d.rep, 0x41);
	cm_vals_free(&v);
	/* a wrong handle index traps with the spec's message */
	cm_call_init(&call);
	flat[0] = 5;
	pos = 0;
	cm_vals_init(&v);
	cr_assert_not(cm_abi_lift_flat(&cx, own, flat, 1, &pos, &v));
	cr_assert_str_eq(cx.trap.msg, "unknown handle index 5");
	cm_vals_free(&v);
	cm_call_abort(&call, NULL);
	cm_handles_free(guest);
	cm_handles_free(host);
}

Test(cm_abi, host_resources_pass_their_token)
{
	cm_tid r = resource(CM_RTYPE_HOST | 9);
	cm_tid own = add((cm_type){.kind = CM_OWN, .elem = r});
	cm_tid bor = add((cm_type){.kind = CM_BORROW, .elem = r});
	build();
	cm_handles *guest = cm_handles_new(false);
	cm_handles *host = cm_handles_new(true);
	cm_call call;
	cm_call_init(&call);
	cm_cx cx;
	cm_cx_init(&cx, A);
	cx.handles = guest;
	cx.host = host;
	cx.call = &call;
	/* the client's token 0xABCDEF0123 as own<R>: a guest handle holding it */
	cm_vals v;
	cm_vals_init(&v);
	push(&v, CM_OWN, 0, 0xABCDEF0123ull);
	push(&v, CM_BORROW, 0, 0x77);
	size_t vp = 0;
	uint32_t nf = 0;
	uint64_t flat[CM_MAX_FLAT_CORE];
	cr_assert(cm_abi_lower_flat(&cx, own, &v, &vp, flat, &nf), "%s", cx.trap.msg);
	cr_assert(cm_abi_lower_flat(&cx, bor, &v, &vp, flat, &nf), "%s", cx.trap.msg);
	cr_assert_eq(nf, 2);
	cr_assert_eq(flat[0], 1);
	cr_assert_eq(flat[1], 2);
	cr_assert_eq(call.num_borrows, 1);
	cr_assert_eq(cm_handles_count(host), 0);
	/* the callee returns without dropping the borrow: trap at the end */
	cm_trap trap;
	cr_assert_not(cm_call_end(&call, guest, &trap));
	cr_assert_str_eq(trap.msg, "borrow handles still remain at the end of the call");
	/* own lifted back out gives the token itself */
	uint32_t pos = 0;
	cm_vals out;
	cm_vals_init(&out);
	cm_call_init(&call);
	cr_assert(cm_abi_lift_flat(&cx, own, flat, 1, &pos, &out), "%s", cx.trap.msg);
	cr_assert_eq(out.v[0].u, 0xABCDEF0123ull);
	cm_vals_free(&out);
	cm_call_abort(&call, guest);
	cm_vals_free(&v);
	cm_handles_free(guest);
	cm_handles_free(host);
}

Test(cm_abi, borrow_into_the_implementing_instance_is_the_rep)
{
	cm_tid r = resource(4);
	cm_tid bor = add((cm_type){.kind = CM_BORROW, .elem = r});
	build();
	cm_handles *impl = cm_handles_new(false);
	cr_assert(cm_handles_implement(impl, 4));
	cm_call call;
	cm_call_init(&call);
	cm_cx cx;
	cm_cx_init(&cx, A);
	cx.handles = impl;
	cx.call = &call;
	cm_vals v;
	cm_vals_init(&v);
	push(&v, CM_BORROW, 0, 0x41);
	size_t vp = 0;
	uint32_t nf = 0;
	uint64_t flat[1];
	cr_assert(cm_abi_lower_flat(&cx, bor, &v, &vp, flat, &nf), "%s", cx.trap.msg);
	cr_assert_eq(flat[0], 0x41);
	cr_assert_eq(call.num_borrows, 0);
	cm_trap trap;
	cr_assert(cm_call_end(&call, impl, &trap));
	cm_vals_free(&v);
	cm_handles_free(impl);
}

Test(cm_abi, lend_trap_borrow_and_own_of_one_handle)
{
	/* borrows.wast "lend-trap": D calls borrow-and-take(h, h); lifting the
	 * borrow lends h, lifting the own of the same h then traps */
	cm_tid r = resource(2);
	cm_tid bor = add((cm_type){.kind = CM_BORROW, .elem = r});
	cm_tid own = add((cm_type){.kind = CM_OWN, .elem = r});
	cm_tid f = func_of(2, (cm_tid[]){bor, own}, 1, (cm_tid[]){CM_U32});
	build();
	cm_handles *d = cm_handles_new(false);
	cm_trap trap;
	uint32_t h;
	cr_assert(cm_handles_new_own(d, 2, 0x41, &h, &trap));
	cm_call call;
	cm_call_init(&call);
	cm_cx cx;
	cm_cx_init(&cx, A);
	cx.handles = d;
	cx.call = &call;
	uint64_t flat[2] = {h, h};
	cm_vals args;
	cm_vals_init(&args);
	uint32_t retptr;
	cr_assert_not(cm_abi_lift_params(&cx, f, flat, 2, &args, &retptr));
	cr_assert_str_eq(cx.trap.msg, "cannot remove owned resource while borrowed");
	cm_call_abort(&call, NULL);
	cm_vals_free(&args);
	/* after the aborted call the handle is no longer lent: it can go */
	cm_dropped dr;
	cr_assert(cm_handles_drop(d, h, 2, &dr, &trap), "%s", trap.msg);
	cm_handles_free(d);
}

Test(cm_abi, borrow_passed_through_a_component)
{
	/* D holds own h of C's resource; D calls C.get-rep(borrow h): lifted
	 * from D (lent), lowered into C, which implements it (the rep); at the
	 * end of the call the lend is given back and D can drop h */
	cm_tid r = resource(2);
	cm_tid bor = add((cm_type){.kind = CM_BORROW, .elem = r});
	cm_tid f = func_of(1, (cm_tid[]){bor}, 1, (cm_tid[]){CM_U32});
	build();
	cm_handles *c = cm_handles_new(false), *d = cm_handles_new(false);
	cr_assert(cm_handles_implement(c, 2));
	cm_trap trap;
	uint32_t h;
	cr_assert(cm_handles_new_own(d, 2, 0x41, &h, &trap));
	cm_call call;
	cm_call_init(&call);
	cm_cx from, to;
	cm_cx_init(&from, A);
	from.handles = d;
	from.call = &call;
	cm_cx_init(&to, A);
	to.handles = c;
	to.call = &call;
	uint64_t flat[CM_MAX_FLAT_CORE] = {h};
	cm_vals args;
	cm_vals_init(&args);
	uint32_t retptr;
	cr_assert(cm_abi_lift_params(&from, f, flat, 1, &args, &retptr), "%s", from.trap.msg);
	cr_assert_eq(args.v[0].u, 0x41);
	uint32_t n;
	cr_assert(cm_abi_lower_params(&to, f, &args, 0, flat, &n), "%s", to.trap.msg);
	cr_assert_eq(n, 1);
	cr_assert_eq(flat[0], 0x41);
	cm_dropped dr;
	cr_assert_not(cm_handles_drop(d, h, 2, &dr, &trap));
	cr_assert(cm_call_end(&call, c, &trap), "%s", trap.msg);
	cr_assert(cm_handles_drop(d, h, 2, &dr, &trap), "%s", trap.msg);
	cr_assert(dr.own);
	cm_vals_free(&args);
	cm_handles_free(c);
	cm_handles_free(d);
}
