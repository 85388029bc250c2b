/*
 * test_oob.c - out-of-bounds memory accesses at the edges, with code from
 * the real compiler.
 *
 * The matrix: memories of S pages (32-bit, S in {0, 1, 2}; and a 64-bit
 * memory of 1 page) x every access width (i32.load8_u, i32.load16_u,
 * i32.load, i64.load, f64.load, v128.load and the matching stores) x static
 * offsets O x dynamic indices I (edge values: 0, the last in-bounds index,
 * one past it, negative-looking i32 values, values near 2^32 and, for
 * memory64, near 2^64). An access traps "out of bounds memory access" iff
 * I + O + width > S * 65536 (computed in 128 bits); otherwise a load returns
 * the bytes of the memory's fill pattern and a store writes its value. A
 * trapping store must leave the whole memory unchanged, and a returning
 * one every byte but its own.
 *
 * One module per (memory, tier, guard): one exported function per
 * width x offset x {load, store}, the index (and stored value) being
 * parameters. Every module runs with both tiers and with two compilations
 * of bounds checks: the default 2 GiB guard region (offset + width <= guard:
 * no check, the guard pages fault; above: explicit checks) and guard 0
 * (explicit checks everywhere). Every mismatch is reported with its
 * configuration, width, offset and index.
 */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>

#include "rt_instance.h"
#include "rt_store.h"
#include "test_builder.h"
#include "wh_compile.h"

#define PAGE 65536u

enum { NWIDTHS = 6 };

static const struct width {
	const char *load_name, *store_name;
	unsigned bytes, align_log2;
	uint8_t load_op[2], store_op[2]; /* 0xFD prefix: two bytes */
	uint8_t valtype;                 /* loaded / stored value type */
} WIDTHS[NWIDTHS] = {
	{"i32.load8_u", "i32.store8", 1, 0, {0x2D}, {0x3A}, RT_I32},
	{"i32.load16_u", "i32.store16", 2, 1, {0x2F}, {0x3B}, RT_I32},
	{"i32.load", "i32.store", 4, 2, {0x28}, {0x36}, RT_I32},
	{"i64.load", "i64.store", 8, 3, {0x29}, {0x37}, RT_I64},
	{"f64.load", "f64.store", 8, 3, {0x2B}, {0x39}, RT_F64},
	{"v128.load", "v128.store", 16, 4, {0xFD, 0x00}, {0xFD, 0x0B}, RT_V128},
};

static const uint64_t OFFSETS32[] = {
	0, 1, 3, 0xFFFF, 0x10000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFF0, 0xFFFFFFFF,
};
/* memory64 offsets are u64: the same, and some past 2^32. */
static const uint64_t OFFSETS64[] = {
	0, 1, 3, 0xFFFF, 0x10000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFF0, 0xFFFFFFFF,
	0x100000000ull, 0x7FFFFFFFFFFFFFFFull, 0xFFFFFFFFFFFFFFF0ull, 0xFFFFFFFFFFFFFFFFull,
};
#define NOFF32 (sizeof OFFSETS32 / sizeof OFFSETS32[0])
#define NOFF64 (sizeof OFFSETS64 / sizeof OFFSETS64[0])
#define MAX_OFF NOFF64

typedef struct config {
	unsigned pages;
	bool is64;
	jit_tier tier;
	bool guard; /* default guard (true) or guard_bytes 0 */
} config;

static const char *config_name(const config *c, char *b, size_t n)
{
	snprintf(b, n, "%s tier, guard %s, %s memory of %u page(s)",
	         c->tier == JIT_TIER_FAST ? "fast" : "optimized",
	         c->guard ? "2 GiB" : "0 (explicit checks)", c->is64 ? "64-bit" : "32-bit",
	         c->pages);
	return b;
}

static void put_u64(buf *b, uint64_t v)
{
	do {
		uint8_t x = v & 0x7F;
		v >>= 7;
		put_byte(b, x | (v ? 0x80 : 0));
	} while (v);
}

static void put_name(buf *b, const char *s)
{
	put_u32(b, (uint32_t)strlen(s));
	put(b, s, strlen(s));
}

static void section(buf *m, uint8_t id, buf *content)
{
	put_section(m, id, content->p, content->n);
	free(content->p);
	memset(content, 0, sizeof *content);
}

/* Function index of (width, offset, store). */
static uint32_t func_index(unsigned w, unsigned k, bool store, unsigned noff)
{
	return (uint32_t)((w * noff + k) * 2 + (store ? 1 : 0));
}

/* Types 0..5: load (IT) -> V of width w; 6..11: store (IT, V) -> (). */
static buf build_module(const config *c)
{
	const uint64_t *offs = c->is64 ? OFFSETS64 : OFFSETS32;
	unsigned noff = c->is64 ? NOFF64 : NOFF32;
	uint8_t it = c->is64 ? RT_I64 : RT_I32;
	buf m = {0}, s = {0};
	put_header(&m);

	put_u32(&s, 2 * NWIDTHS);
	for (unsigned w = 0; w < NWIDTHS; w++) {
		put_byte(&s, 0x60);
		put_u32(&s, 1);
		put_byte(&s, it);
		put_u32(&s, 1);
		put_byte(&s, WIDTHS[w].valtype);
	}
	for (unsigned w = 0; w < NWIDTHS; w++) {
		put_byte(&s, 0x60);
		put_u32(&s, 2);
		put_byte(&s, it);
		put_byte(&s, WIDTHS[w].valtype);
		put_u32(&s, 0);
	}
	section(&m, 1, &s);

	uint32_t nfuncs = NWIDTHS * noff * 2;
	put_u32(&s, nfuncs);
	for (unsigned w = 0; w < NWIDTHS; w++)
		for (unsigned k = 0; k < noff; k++) {
			put_u32(&s, w);
			put_u32(&s, NWIDTHS + w);
		}
	section(&m, 3, &s);

	/* One memory, min = max = pages. */
	put_u32(&s, 1);
	if (c->is64) {
		put_byte(&s, 0x05);
		put_u64(&s, c->pages);
		put_u64(&s, c->pages);
	} else {
		put_byte(&s, 0x01);
		put_u32(&s, c->pages);
		put_u32(&s, c->pages);
	}
	section(&m, 5, &s);

	put_u32(&s, nfuncs + 1);
	put_name(&s, "mem");
	put_byte(&s, 0x02);
	put_u32(&s, 0);
	for (unsigned w = 0; w < NWIDTHS; w++)
		for (unsigned k = 0; k < noff; k++)
			for (int st = 0; st < 2; st++) {
				char name[32];
				snprintf(name, sizeof name, "%c%u_%u", st ? 's' : 'l', w, k);
				put_name(&s, name);
				put_byte(&s, 0x00);
				put_u32(&s, func_index(w, k, st, noff));
			}
	section(&m, 7, &s);

	put_u32(&s, nfuncs);
	for (unsigned w = 0; w < NWIDTHS; w++)
		for (unsigned k = 0; k < noff; k++)
			for (int st = 0; st < 2; st++) {
				buf body = {0};
				put_u32(&body, 0); /* no locals */
				put_byte(&body, 0x20); /* local.get 0 */
				put_u32(&body, 0);
				if (st) {
					put_byte(&body, 0x20);
					put_u32(&body, 1);
				}
				const uint8_t *op = st ? WIDTHS[w].store_op : WIDTHS[w].load_op;
				put_byte(&body, op[0]);
				if (op[0] == 0xFD)
					put_u32(&body, op[1]);
				put_u32(&body, WIDTHS[w].align_log2);
				put_u64(&body, offs[k]);
				put_byte(&body, 0x0B);
				put_u32(&s, (uint32_t)body.n);
				put(&s, body.p, body.n);
				free(body.p);
			}
	section(&m, 10, &s);
	return m;
}

static uint8_t pattern(uint64_t a)
{
	return (uint8_t)(a * 131 + (a >> 8) * 7 + 0x5B);
}

static void fill(rt_memory *mem)
{
	for (uint64_t a = 0; a < mem->size; a++)
		mem->base[a] = pattern(a);
}

/* The first address in [0, size) outside [skip, skip + nskip) whose byte
 * is not the fill pattern's, or UINT64_MAX. */
static uint64_t first_changed(const rt_memory *mem, uint64_t skip, uint64_t nskip)
{
	for (uint64_t a = 0; a < mem->size; a++)
		if ((a < skip || a - skip >= nskip) && mem->base[a] != pattern(a))
			return a;
	return UINT64_MAX;
}

/* The stored values and their little-endian bytes. */
static void store_value(unsigned w, rt_val *v, uint8_t bytes[16])
{
	memset(v, 0, sizeof *v);
	switch (WIDTHS[w].valtype) {
	case RT_I32:
		v->i32 = (int32_t)0xC3B2A190u;
		break;
	case RT_I64:
		v->i64 = (int64_t)0x8877665544332211ull;
		break;
	case RT_F64:
		v->f64_bits = 0x3FF123456789ABCDull;
		break;
	default:
		for (int i = 0; i < 16; i++)
			v->v128[i] = (uint8_t)(0xE0 + i);
	}
	memcpy(bytes, v->v128, 16);
}

typedef struct fixture {
	rt_loaded *l;
	rt_store *s;
	rt_instance *inst;
} fixture;

static fixture fx;

static void teardown(void)
{
	rt_store_free(fx.s);
	rt_loaded_free(fx.l);
	memset(&fx, 0, sizeof fx);
}

TestSuite(oob, .fini = teardown);

static rt_funcref *export_func(const char *name)
{
	rt_extern ex;
	cr_assert(rt_instance_export(fx.inst, name, strlen(name), &ex), "no export %s", name);
	cr_assert_eq(ex.kind, RT_EXTERN_FUNC);
	return ex.u.func;
}

/* Reports one mismatch (at most MAX_REPORTS of them in full). */
enum { MAX_REPORTS = 200 };

static unsigned mismatches;

#define MISMATCH(cfgname, w, store, off, idx, fmt, ...)                                    \
	do {                                                                               \
		if (mismatches++ < MAX_REPORTS)                                            \
			cr_expect_fail("%s: %s offset=0x%" PRIx64 " index=0x%" PRIx64        \
			               " (width %u): " fmt,                                      \
			               cfgname, (store) ? WIDTHS[w].store_name : WIDTHS[w].load_name, \
			               (uint64_t)(off), (uint64_t)(idx), WIDTHS[w].bytes,       \
			               __VA_ARGS__);                                              \
	} while (0)

static unsigned run_matrix(const config *c)
{
	char cfgname[128];
	config_name(c, cfgname, sizeof cfgname);
	buf m = build_module(c);

	jit_options opt;
	jit_options_default(&opt);
	opt.tier = c->tier;
	opt.threads = 1;
	if (!c->guard)
		opt.guard_bytes = 0;
	cmn_error err;
	cmn_error_clear(&err);
	wh_stage st = wh_compile_load(m.p, m.n, WB_FEAT_DEFAULT, &opt, &fx.l, &err);
	cr_assert_eq(st, WH_OK, "%s: compile: %s", cfgname, err.msg);
	free(m.p);

	fx.s = rt_store_new(NULL);
	cr_assert_not_null(fx.s);
	rt_outcome out;
	cr_assert(rt_instantiate(fx.s, fx.l, NULL, 0, &fx.inst, &out), "%s: %s", cfgname,
	          out.msg);
	rt_extern ex;
	cr_assert(rt_instance_export(fx.inst, "mem", 3, &ex));
	cr_assert_eq(ex.kind, RT_EXTERN_MEMORY);
	rt_memory *mem = rt_memobj_memory(ex.u.memory);
	const uint64_t size = (uint64_t)c->pages * PAGE;
	cr_assert_eq(mem->size, size, "%s: memory size %" PRIu64, cfgname, mem->size);
	fill(mem);

	const uint64_t *offs = c->is64 ? OFFSETS64 : OFFSETS32;
	unsigned noff = c->is64 ? NOFF64 : NOFF32;
	unsigned cases = 0;
	mismatches = 0;
	for (unsigned w = 0; w < NWIDTHS; w++) {
		const uint64_t n = WIDTHS[w].bytes;
		/* Indices, as the index type's bit pattern. */
		uint64_t idx[24];
		unsigned nidx = 0;
		const uint64_t base_idx[] = {
			0, 1, size - n, size - n + 1, size - 1, size,
			0x7FFFFFFF, 0x80000000, 0xFFFFFFF0, 0xFFFFFFFF,
		};
		for (unsigned i = 0; i < sizeof base_idx / sizeof base_idx[0]; i++)
			idx[nidx++] = c->is64 ? base_idx[i] : (uint32_t)base_idx[i];
		if (c->is64) {
			const uint64_t more[] = {
				0x100000000ull, 0x100000000ull + size - n, 0x7FFFFFFFFFFFFFFFull,
				0x8000000000000000ull, 0xFFFFFFFFFFFFFFF0ull, 0xFFFFFFFFFFFFFFFFull,
				0 - n, 0 - (uint64_t)PAGE,
			};
			for (unsigned i = 0; i < sizeof more / sizeof more[0]; i++)
				idx[nidx++] = more[i];
		}
		for (unsigned k = 0; k < noff; k++) {
			char lname[32], sname[32];
			snprintf(lname, sizeof lname, "l%u_%u", w, k);
			snprintf(sname, sizeof sname, "s%u_%u", w, k);
			rt_funcref *lf = export_func(lname), *sf = export_func(sname);
			for (unsigned i = 0; i < nidx; i++) {
				const uint64_t I = idx[i], O = offs[k];
				const unsigned __int128 end = (unsigned __int128)I + O + n;
				const bool oob = end > size;
				const uint64_t ea = oob ? 0 : I + O;

				/* Load. */
				rt_val v[2];
				memset(v, 0, sizeof v);
				v[0].i64 = (int64_t)I;
				if (!c->is64)
					v[0].i64 = (uint32_t)I; /* upper half irrelevant */
				cases++;
				rt_call(lf, v, &out);
				if (oob) {
					if (out.kind != RT_TRAPPED || out.trap != RT_TRAP_MEMORY_OOB ||
					    strcmp(out.msg, "out of bounds memory access") != 0)
						MISMATCH(cfgname, w, false, O, I,
						         "expected trap \"out of bounds memory access\", got "
						         "kind %d trap %u \"%s\"",
						         out.kind, out.trap, out.kind == RT_OK ? "" : out.msg);
				} else if (out.kind != RT_OK) {
					MISMATCH(cfgname, w, false, O, I,
					         "expected a value, got kind %d trap %u \"%s\"", out.kind,
					         out.trap, out.msg);
				} else {
					uint8_t expect[16] = {0};
					for (unsigned b = 0; b < n; b++)
						expect[b] = pattern(ea + b);
					uint8_t got[16] = {0};
					memcpy(got, v[0].v128, n);
					if (memcmp(got, expect, n) != 0) {
						uint64_t g, e;
						memcpy(&g, got, 8);
						memcpy(&e, expect, 8);
						MISMATCH(cfgname, w, false, O, I,
						         "loaded 0x%016" PRIx64 ", expected 0x%016" PRIx64
						         " (low 8 bytes)", g, e);
					}
				}

				/* Store. A trapping store must leave all of the
				 * memory unchanged, a returning one all but its
				 * own bytes. */
				uint8_t sbytes[16];
				memset(v, 0, sizeof v);
				v[0].i64 = c->is64 ? (int64_t)I : (int64_t)(uint32_t)I;
				store_value(w, &v[1], sbytes);
				cases++;
				rt_call(sf, v, &out);
				uint64_t changed = oob ? first_changed(mem, 0, 0) : first_changed(mem, ea, n);
				if (changed != UINT64_MAX)
					MISMATCH(cfgname, w, true, O, I,
					         "%s store changed the memory at 0x%" PRIx64,
					         oob ? "a trapping" : "a returning", changed);
				if (oob) {
					if (out.kind != RT_TRAPPED || out.trap != RT_TRAP_MEMORY_OOB ||
					    strcmp(out.msg, "out of bounds memory access") != 0)
						MISMATCH(cfgname, w, true, O, I,
						         "expected trap \"out of bounds memory access\", got "
						         "kind %d trap %u \"%s\"",
						         out.kind, out.trap, out.kind == RT_OK ? "" : out.msg);
				} else if (out.kind != RT_OK) {
					MISMATCH(cfgname, w, true, O, I,
					         "expected success, got kind %d trap %u \"%s\"", out.kind,
					         out.trap, out.msg);
				} else if (memcmp(mem->base + ea, sbytes, n) != 0) {
					MISMATCH(cfgname, w, true, O, I, "%s",
					         "stored bytes differ from the value");
				}
				/* Whatever happened, restore the pattern. */
				if (changed != UINT64_MAX)
					fill(mem);
				else if (!oob)
					for (unsigned b = 0; b < n; b++)
						mem->base[ea + b] = pattern(ea + b);
			}
		}
	}
	cr_log_info("%s: %u accesses, %u mismatches", cfgname, cases, mismatches);
	return mismatches;
}

#define OOB_TEST(name, P, IS64, TIER, GUARD)                                           \
	Test(oob, name)                                                                \
	{                                                                              \
		config c = {P, IS64, TIER, GUARD};                                      \
		unsigned bad = run_matrix(&c);                                         \
		char b[128];                                                           \
		cr_assert_eq(bad, 0, "%s: %u mismatches (first %d reported above)",   \
		             config_name(&c, b, sizeof b), bad, MAX_REPORTS);          \
	}

OOB_TEST(mem32_0pages_fast, 0, false, JIT_TIER_FAST, true)
OOB_TEST(mem32_1page_fast, 1, false, JIT_TIER_FAST, true)
OOB_TEST(mem32_2pages_fast, 2, false, JIT_TIER_FAST, true)
OOB_TEST(mem64_1page_fast, 1, true, JIT_TIER_FAST, true)
OOB_TEST(mem32_0pages_optimized, 0, false, JIT_TIER_OPTIMIZED, true)
OOB_TEST(mem32_1page_optimized, 1, false, JIT_TIER_OPTIMIZED, true)
OOB_TEST(mem32_2pages_optimized, 2, false, JIT_TIER_OPTIMIZED, true)
OOB_TEST(mem64_1page_optimized, 1, true, JIT_TIER_OPTIMIZED, true)
/* Explicit checks for every access (guard_bytes 0). */
OOB_TEST(mem32_0pages_fast_noguard, 0, false, JIT_TIER_FAST, false)
OOB_TEST(mem32_1page_fast_noguard, 1, false, JIT_TIER_FAST, false)
OOB_TEST(mem32_2pages_fast_noguard, 2, false, JIT_TIER_FAST, false)
OOB_TEST(mem64_1page_fast_noguard, 1, true, JIT_TIER_FAST, false)
OOB_TEST(mem32_0pages_optimized_noguard, 0, false, JIT_TIER_OPTIMIZED, false)
OOB_TEST(mem32_1page_optimized_noguard, 1, false, JIT_TIER_OPTIMIZED, false)
OOB_TEST(mem32_2pages_optimized_noguard, 2, false, JIT_TIER_OPTIMIZED, false)
OOB_TEST(mem64_1page_optimized_noguard, 1, true, JIT_TIER_OPTIMIZED, false)
