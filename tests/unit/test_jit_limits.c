/*
 * test_jit_limits.c - the compiler's implementation limits (jit.h): a
 * function body over JIT_MAX_BODY_BYTES is refused with a clear message,
 * quickly, instead of reaching LLVM (a 50 MB body ended in LLVM's
 * out-of-memory abort: issue 13, "bounded compile cost"); so are blocks
 * nested deeper than JIT_MAX_NESTING and an operand stack higher than
 * JIT_MAX_STACK_HEIGHT; a large function of a costly shape compiles.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jit.h"
#include "wb_decode.h"
#include "wb_validate.h"

static size_t leb(uint8_t *out, uint32_t n)
{
	size_t k = 0;
	do {
		uint8_t b = n & 0x7f;
		n >>= 7;
		out[k++] = n ? (uint8_t)(b | 0x80) : b;
	} while (n);
	return k;
}

/* (module (func (export "f") BODY)) with the instructions `ins` (`n`
 * bytes, without the final end). */
static uint8_t *body_module(const uint8_t *ins, uint32_t nins, size_t *ret_len)
{
	uint32_t body_len = 1 + nins + 1, code_len = 1 + 5 + body_len;
	uint8_t *m = malloc(64 + code_len);
	size_t k = 0;
	static const uint8_t head[] = {0, 'a', 's', 'm', 1, 0, 0, 0,
	                               1, 4, 1, 0x60, 0, 0,      /* type () -> () */
	                               3, 2, 1, 0,               /* func 0: type 0 */
	                               7, 5, 1, 1, 'f', 0, 0};   /* export "f" */
	memcpy(m, head, sizeof head);
	k = sizeof head;
	m[k++] = 10;
	uint8_t tmp[16];
	size_t n = leb(tmp, 1), nb = leb(tmp + n, body_len);
	k += leb(m + k, (uint32_t)(n + nb + body_len));
	memcpy(m + k, tmp, n + nb);
	k += n + nb;
	m[k++] = 0; /* no locals */
	memcpy(m + k, ins, nins);
	k += nins;
	m[k++] = 0x0b;
	*ret_len = k;
	return m;
}

/* (module (func (export "f") nop ... nop)) with `nops` nops. */
static uint8_t *nop_module(uint32_t nops, size_t *ret_len)
{
	uint8_t *ins = malloc(nops + 1);
	memset(ins, 0x01, nops);
	uint8_t *m = body_module(ins, nops, ret_len);
	free(ins);
	return m;
}

static bool compile_tier(const uint8_t *wasm, size_t len, jit_tier tier, cmn_error *err)
{
	rt_module *mod = NULL;
	rt_image *img = NULL;
	cr_assert(wb_decode(wasm, len, WB_FEAT_DEFAULT, &mod, err), "%s", err->msg);
	cr_assert(wb_validate(mod, WB_FEAT_DEFAULT, err), "%s", err->msg);
	jit_options o;
	jit_options_default(&o);
	o.tier = tier;
	bool ok = jit_compile(mod, WB_FEAT_DEFAULT, &o, &img, err);
	rt_image_free(img);
	rt_module_free(mod);
	return ok;
}

static bool compile(const uint8_t *wasm, size_t len, cmn_error *err)
{
	return compile_tier(wasm, len, JIT_TIER_FAST, err);
}

Test(jit_limits, body_over_the_limit_is_refused_quickly)
{
	size_t len;
	uint8_t *wasm = nop_module(JIT_MAX_BODY_BYTES, &len);
	cmn_error err;
	clock_t t0 = clock();
	cr_expect(!compile(wasm, len, &err), "an oversized body compiled");
	cr_expect(strstr(err.msg, "compile: function 0 body too large"), "%s", err.msg);
	cr_expect((double)(clock() - t0) / CLOCKS_PER_SEC < 5.0, "refusing took long");
	free(wasm);
}

Test(jit_limits, body_under_the_limit_compiles)
{
	size_t len;
	uint8_t *wasm = nop_module(1000, &len);
	cmn_error err;
	cr_expect(compile(wasm, len, &err), "%s", err.msg);
	free(wasm);
}

/* `n` blocks nested, then their ends. */
static uint8_t *nested_blocks(uint32_t n, size_t *ret_len)
{
	uint8_t *ins = malloc(3 * (size_t)n);
	for (uint32_t i = 0; i < n; i++)
		ins[2 * i] = 0x02, ins[2 * i + 1] = 0x40;
	memset(ins + 2 * (size_t)n, 0x0b, n);
	uint8_t *m = body_module(ins, 3 * n, ret_len);
	free(ins);
	return m;
}

Test(jit_limits, nesting_over_the_limit_is_refused)
{
	size_t len;
	uint8_t *wasm = nested_blocks(JIT_MAX_NESTING + 1, &len);
	cmn_error err;
	cr_expect(!compile(wasm, len, &err), "blocks nested too deep compiled");
	cr_expect(strstr(err.msg, "compile: function 0 blocks nested too deep"), "%s", err.msg);
	free(wasm);
}

Test(jit_limits, operand_stack_over_the_limit_is_refused, .timeout = 120)
{
	uint32_t n = JIT_MAX_STACK_HEIGHT + 1;
	uint8_t *ins = malloc(3 * (size_t)n);
	for (uint32_t i = 0; i < n; i++)
		ins[2 * i] = 0x41, ins[2 * i + 1] = 0x00; /* i32.const 0 */
	memset(ins + 2 * (size_t)n, 0x1a, n);             /* drop */
	size_t len;
	uint8_t *wasm = body_module(ins, 3 * n, &len);
	cmn_error err;
	cr_expect(!compile(wasm, len, &err), "an operand stack too deep compiled");
	cr_expect(strstr(err.msg, "compile: function 0 operand stack too deep"), "%s", err.msg);
	free(ins);
	free(wasm);
}

/* Ifs nested 30,000 deep (about 300 KB): in the optimized tier LLVM's
 * InstCombine, ConstraintElimination and SimplifyCFG took minutes on this
 * shape; the function now goes through the linear pipeline (jit.h,
 * JIT_LARGE_BODY_BYTES) and compiles in both tiers. (Compile time itself is
 * measured by `make bench-shapes`, not here.) */
Test(jit_limits, deeply_nested_ifs_compile_in_both_tiers, .timeout = 300)
{
	uint32_t n = 30000;
	uint8_t *ins = malloc(11 * (size_t)n + 16), *p = ins;
	for (uint32_t i = 0; i < n; i++) {
		/* (if (result i32) (i32.gt_s (i32.const i) (i32.const 7)) */
		*p++ = 0x41, *p++ = (uint8_t)(i & 0x3f);
		*p++ = 0x41, *p++ = 7, *p++ = 0x4a, *p++ = 0x04, *p++ = 0x7f;
	}
	*p++ = 0x41, *p++ = 1;
	for (uint32_t i = 0; i < n; i++)
		*p++ = 0x05, *p++ = 0x41, *p++ = (uint8_t)(i & 0x3f), *p++ = 0x0b;
	*p++ = 0x1a; /* drop */
	size_t len;
	uint8_t *wasm = body_module(ins, (uint32_t)(p - ins), &len);
	cmn_error err;
	cr_expect(compile_tier(wasm, len, JIT_TIER_FAST, &err), "fast: %s", err.msg);
	cr_expect(compile_tier(wasm, len, JIT_TIER_OPTIMIZED, &err), "optimized: %s", err.msg);
	free(ins);
	free(wasm);
}
