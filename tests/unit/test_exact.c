/*
 * test_exact.c - exact traps: every load and store the program executes
 * happens, in program order relative to every other trap, call, load and
 * store, whatever the optimizer does (issue 13, item 1).
 *
 * The module (tests/unit/exact_wat.py writes its text; exact_wasm.h holds
 * its bytes, for a 32-bit and a 64-bit memory of one page) has:
 *   - dead_T / drop_T: a load of every kind (scalar, narrow, v128, splat,
 *     zero, lane, extend) whose value is never used, or dropped;
 *   - if_then, select, select_f64, splat_if, v128_if: a load whose value
 *     is used only on the side of an `if` or `select` not taken;
 *   - issue_dead, issue_order: the issue's reproducers;
 *   - load_OP / OP_load: a load, then an instruction that traps (and the
 *     reverse), for every other trapping kind: division and remainder by
 *     zero, signed overflow, float-to-int conversion of NaN and of a value
 *     out of range, unreachable, call_indirect (type mismatch, null entry,
 *     index out of range), table.get out of range, ref.as_non_null, an
 *     unaligned atomic, a call that traps, call stack exhaustion;
 *   - store_load, load_store, store_store, v128_store_load, store_fill,
 *     fill_store, copy_load: memory after a trap holds exactly the stores
 *     (and bulk operations) before it in program order;
 *   - copy, sum: loops that run off the end of memory; every element before
 *     the faulting one is copied.
 * Each runs with both tiers, for the 32-bit memory with the default guard
 * region, with guard_bytes 0 (explicit checks) and for the 64-bit memory.
 */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "exact_wasm.h"
#include "rt_instance.h"
#include "rt_store.h"
#include "wh_compile.h"

#define PAGE 65536u
#define OOB "out of bounds memory access"

typedef struct config {
	bool is64;
	bool guard;
	jit_tier tier;
} config;

typedef struct fixture {
	char name[96];
	rt_loaded *l;
	rt_store *s;
	rt_instance *inst;
	rt_memory *mem;
} fixture;

static fixture fx;

static void teardown(void)
{
	rt_store_free(fx.s);
	rt_loaded_free(fx.l);
	memset(&fx, 0, sizeof fx);
}

TestSuite(exact, .fini = teardown);

static void setup_config(const config *c)
{
	snprintf(fx.name, sizeof fx.name, "%s tier, %s memory, guard %s",
	         c->tier == JIT_TIER_FAST ? "fast" : "optimized", c->is64 ? "64-bit" : "32-bit",
	         c->guard ? "2 GiB" : "0 (explicit checks)");
	jit_options opt;
	jit_options_default(&opt);
	opt.tier = c->tier;
	opt.threads = 1;
	if (!c->guard)
		opt.guard_bytes = 0;
	cmn_error err;
	cmn_error_clear(&err);
	const uint8_t *bytes = c->is64 ? EXACT64 : EXACT32;
	size_t n = c->is64 ? sizeof EXACT64 : sizeof EXACT32;
	wh_stage st = wh_compile_load(bytes, n, WB_FEAT_DEFAULT, &opt, &fx.l, &err);
	cr_assert_eq(st, WH_OK, "%s: compile: %s", fx.name, err.msg);
	fx.s = rt_store_new(NULL);
	cr_assert_not_null(fx.s);
	rt_outcome out;
	cr_assert(rt_instantiate(fx.s, fx.l, NULL, 0, &fx.inst, &out), "%s: %s", fx.name, out.msg);
	rt_extern ex;
	cr_assert(rt_instance_export(fx.inst, "mem", 3, &ex));
	cr_assert_eq(ex.kind, RT_EXTERN_MEMORY);
	fx.mem = rt_memobj_memory(ex.u.memory);
	cr_assert_eq(fx.mem->size, PAGE);
}

/* Argument constructors: an address (i32 or i64 by the memory), an i32,
 * an f32. */
static rt_val A(uint64_t a)
{
	rt_val v;
	memset(&v, 0, sizeof v);
	v.i64 = (int64_t)a;
	return v;
}

static rt_val I(int32_t x)
{
	rt_val v;
	memset(&v, 0, sizeof v);
	v.i32 = x;
	return v;
}

static rt_val F(float x)
{
	rt_val v;
	memset(&v, 0, sizeof v);
	v.f32 = x;
	return v;
}

/* Calls export `fn`; returns NULL when it returned, else the trap message
 * (in a static buffer). *ret gets the first result. */
static const char *call(const char *fn, const rt_val *args, unsigned nargs, rt_val *ret)
{
	static rt_outcome out;
	rt_val slots[8];
	rt_extern ex;

	cr_assert(rt_instance_export(fx.inst, fn, strlen(fn), &ex), "no export %s", fn);
	cr_assert_eq(ex.kind, RT_EXTERN_FUNC);
	memset(slots, 0, sizeof slots);
	memcpy(slots, args, nargs * sizeof *args);
	bool ok = rt_call(ex.u.func, slots, &out);
	if (ok) {
		cr_assert_eq(out.kind, RT_OK);
		if (ret)
			*ret = slots[0];
		return NULL;
	}
	cr_assert_eq(out.kind, RT_TRAPPED, "%s: %s: %s", fx.name, fn, out.msg);
	return out.msg;
}

/* Expects `fn(args)` to trap with `msg`, or to return when msg is NULL. */
static void expect(const char *fn, const char *what, const char *msg, const rt_val *args,
                   unsigned nargs)
{
	const char *got = call(fn, args, nargs, NULL);
	if (msg == NULL)
		cr_expect_null(got, "%s: %s (%s) trapped \"%s\"; it must return", fx.name, fn, what,
		               got);
	else
		cr_expect(got != NULL && strcmp(got, msg) == 0,
		          "%s: %s (%s) %s%s%s; it must trap \"%s\"", fx.name, fn, what,
		          got ? "trapped \"" : "returned", got ? got : "", got ? "\"" : "", msg);
}

#define EXPECT(fn, what, msg, ...)                                                        \
	do {                                                                               \
		const rt_val args_[] = {__VA_ARGS__};                                      \
		expect(fn, what, msg, args_, sizeof args_ / sizeof args_[0]);              \
	} while (0)

/* ---------------------------------------------------------------------------
 * Loads whose value is never used, or used on the other side
 */

static const struct dead {
	const char *name;
	unsigned width;
} DEAD[] = {
	{"i32", 4}, {"i64", 8},  {"f32", 4},  {"f64", 8},  {"u8", 1},   {"s16", 2},
	{"u32", 4}, {"v128", 16}, {"splat", 4}, {"zero", 8}, {"lane", 2}, {"ext", 8},
};

static void dead_loads(void)
{
	for (size_t i = 0; i < sizeof DEAD / sizeof DEAD[0]; i++) {
		for (int d = 0; d < 2; d++) {
			char fn[32];
			unsigned w = DEAD[i].width;
			snprintf(fn, sizeof fn, "%s_%s", d ? "drop" : "dead", DEAD[i].name);
			EXPECT(fn, "last in-bounds address", NULL, A(PAGE - w));
			EXPECT(fn, "one byte past the end", OOB, A(PAGE - w + 1));
			EXPECT(fn, "at the end", OOB, A(PAGE));
			EXPECT(fn, "far past the end", OOB, A(0xFFFFFFF0u));
		}
	}
}

static void one_side(void)
{
	EXPECT("if_then", "in bounds, else taken", NULL, A(0), I(0));
	EXPECT("if_then", "out of bounds, else taken", OOB, A(PAGE), I(0));
	EXPECT("if_then", "out of bounds, then taken", OOB, A(PAGE), I(1));
	EXPECT("select", "in bounds, constant selected", NULL, A(0), I(0));
	EXPECT("select", "out of bounds, constant selected", OOB, A(PAGE), I(0));
	EXPECT("select", "out of bounds, load selected", OOB, A(PAGE - 3), I(1));
	EXPECT("select_f64", "out of bounds, constant selected", OOB, A(PAGE - 8), I(1));
	EXPECT("splat_if", "in bounds", NULL, A(PAGE - 4));
	EXPECT("splat_if", "out of bounds", OOB, A(PAGE));
	EXPECT("v128_if", "out of bounds, else taken", OOB, A(PAGE - 15), I(0));
}

static void issue_cases(void)
{
	EXPECT("issue_dead", "", OOB, A(0));
	EXPECT("issue_order", "load out of bounds, NaN", OOB, A(PAGE), F(NAN));
	EXPECT("issue_order", "load in bounds, NaN", "invalid conversion to integer", A(0), F(NAN));
}

/* ---------------------------------------------------------------------------
 * Order against every other trapping instruction
 */

static const struct order {
	const char *op;
	int32_t p, q;
	float f;
	const char *msg;
} ORDER[] = {
	{"div", 1, 0, 1, "integer divide by zero"},
	{"div", INT32_MIN, -1, 1, "integer overflow"},
	{"rem", 1, 0, 1, "integer divide by zero"},
	{"trunc", 0, 1, NAN, "invalid conversion to integer"},
	{"trunc", 0, 1, 3e9f, "integer overflow"},
	{"unreach", 1, 1, 1, "unreachable"},
	{"callind", 1, 1, 1, "indirect call type mismatch"},
	{"callind", 2, 1, 1, "uninitialized element"},
	{"callind", 5, 1, 1, "undefined element"},
	{"tableget", 5, 1, 1, "out of bounds table access"},
	{"nonnull", 2, 1, 1, "null reference"},
	{"atomic", 1, 1, 1, "unaligned atomic"},
	{"calltrap", 1, 1, 1, "unreachable"},
	{"stack", 1, 1, 1, "call stack exhausted"},
};

static void trap_order(void)
{
	for (size_t i = 0; i < sizeof ORDER / sizeof ORDER[0]; i++) {
		const struct order *o = &ORDER[i];
		char lo[32], ol[32], what[96];
		snprintf(lo, sizeof lo, "load_%s", o->op);
		snprintf(ol, sizeof ol, "%s_load", o->op);
		snprintf(what, sizeof what, "p=%d q=%d f=%g", o->p, o->q, (double)o->f);
		/* benign arguments: nothing traps */
		EXPECT(lo, "all in range", NULL, A(0), I(0), I(1), F(1));
		EXPECT(ol, "all in range", NULL, A(0), I(0), I(1), F(1));
		/* only the other instruction traps */
		EXPECT(lo, what, o->msg, A(0), I(o->p), I(o->q), F(o->f));
		/* only the load traps */
		EXPECT(ol, "load out of bounds", OOB, A(PAGE), I(0), I(1), F(1));
		/* both trap: the first in program order wins */
		EXPECT(lo, what, OOB, A(PAGE), I(o->p), I(o->q), F(o->f));
		EXPECT(ol, what, o->msg, A(PAGE), I(o->p), I(o->q), F(o->f));
	}
}

/* ---------------------------------------------------------------------------
 * Memory after a trap
 */

static uint8_t pattern(uint64_t a)
{
	return (uint8_t)(a * 131 + (a >> 8) * 7 + 0x5B);
}

static void fill(void)
{
	for (uint64_t a = 0; a < fx.mem->size; a++)
		fx.mem->base[a] = pattern(a);
}

/* Checks that every byte outside [at, at + n) still holds the pattern and
 * that [at, at + n) holds `want` (NULL: the pattern too). */
static void check_memory(const char *what, uint64_t at, const uint8_t *want, size_t n)
{
	for (uint64_t a = 0; a < fx.mem->size; a++) {
		uint8_t expected = a >= at && a - at < n && want ? want[a - at] : pattern(a);
		if (fx.mem->base[a] != expected) {
			cr_expect_fail("%s: %s: byte %" PRIu64 " is 0x%02x, expected 0x%02x", fx.name,
			               what, a, fx.mem->base[a], expected);
			return;
		}
	}
}

static void memory_after_trap(void)
{
	static const uint8_t word[4] = {0x44, 0x33, 0x22, 0x11};
	static const uint8_t byte77[1] = {0x77};
	static const uint8_t vec[16] = {1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0};

	fill();
	EXPECT("store_load", "store, then load out of bounds", OOB, A(100), A(PAGE));
	check_memory("store_load: the store before the trap", 100, word, 4);

	fill();
	EXPECT("load_store", "load out of bounds, then store", OOB, A(200), A(PAGE - 2));
	check_memory("load_store: no store after the trap", 0, NULL, 0);

	fill();
	EXPECT("store_store", "store, then store out of bounds", OOB, A(300), A(PAGE - 3));
	check_memory("store_store: the first store only", 300, byte77, 1);

	fill();
	EXPECT("v128_store_load", "v128 store, then load out of bounds", OOB, A(400),
	       A(PAGE - 3));
	check_memory("v128_store_load: the store before the trap", 400, vec, 16);

	fill();
	EXPECT("store_fill", "store, then memory.fill out of bounds", OOB, A(500), A(PAGE - 4));
	check_memory("store_fill: the store before the trap, nothing filled", 500, word, 4);

	fill();
	EXPECT("fill_store", "memory.fill out of bounds, then store", OOB, A(600), A(PAGE - 4));
	check_memory("fill_store: nothing filled, no store", 0, NULL, 0);

	fill();
	uint8_t first4[4];
	memcpy(first4, fx.mem->base, 4);
	EXPECT("copy_load", "memory.copy, then load out of bounds", OOB, A(700), A(PAGE - 1));
	check_memory("copy_load: the copy before the trap", 700, first4, 4);

	/* copy loops: element k of the source is the first out of bounds */
	static const unsigned KS[] = {0, 1, 5, 37};
	for (size_t i = 0; i < sizeof KS / sizeof KS[0]; i++) {
		unsigned k = KS[i], n = 64;
		uint64_t dst = 1024, src = PAGE - 4 * k;
		uint8_t want[4 * 64];
		char what[64];

		fill();
		for (unsigned e = 0; e < k; e++) {
			uint32_t x;
			memcpy(&x, fx.mem->base + src + 4 * e, 4);
			x += 1;
			memcpy(want + 4 * e, &x, 4);
		}
		snprintf(what, sizeof what, "copy of %u elements, element %u out of bounds", n, k);
		EXPECT("copy", what, OOB, A(dst), A(src), I((int32_t)n));
		check_memory(what, dst, want, 4 * k);

		fill();
		snprintf(what, sizeof what, "copy of %u elements, all in bounds", k);
		for (unsigned e = 0; e < k; e++) {
			uint32_t x;
			memcpy(&x, fx.mem->base + src + 4 * e, 4);
			x += 1;
			memcpy(want + 4 * e, &x, 4);
		}
		EXPECT("copy", what, NULL, A(dst), A(src), I((int32_t)k));
		check_memory(what, dst, want, 4 * k);
	}

	fill();
	rt_val r;
	const rt_val sargs[] = {A(PAGE - 10), I(10)};
	cr_expect_null(call("sum", sargs, 2, &r), "%s: sum of the last 10 bytes trapped", fx.name);
	uint32_t s = 0;
	for (uint64_t a = PAGE - 10; a < PAGE; a++)
		s += fx.mem->base[a];
	cr_expect_eq((uint32_t)r.i32, s, "%s: sum of the last 10 bytes", fx.name);
	EXPECT("sum", "sum running off the end", OOB, A(PAGE - 10), I(64));
}

static void run_all(bool is64, bool guard, jit_tier tier)
{
	config c = {is64, guard, tier};
	setup_config(&c);
	dead_loads();
	one_side();
	issue_cases();
	trap_order();
	memory_after_trap();
}

Test(exact, fast_guard_region)
{
	run_all(false, true, JIT_TIER_FAST);
}

Test(exact, optimized_guard_region)
{
	run_all(false, true, JIT_TIER_OPTIMIZED);
}

Test(exact, fast_explicit_checks)
{
	run_all(false, false, JIT_TIER_FAST);
}

Test(exact, optimized_explicit_checks)
{
	run_all(false, false, JIT_TIER_OPTIMIZED);
}

Test(exact, fast_memory64)
{
	run_all(true, true, JIT_TIER_FAST);
}

Test(exact, optimized_memory64)
{
	run_all(true, true, JIT_TIER_OPTIMIZED);
}
