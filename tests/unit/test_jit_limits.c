/*
 * test_jit_limits.c - the compiler's implementation limits (jit.h): a
 * function body over JIT_MAX_BODY_BYTES is refused with a clear message,
 * quickly, instead of reaching LLVM (a 50 MB body ended in LLVM's
 * out-of-memory abort: issue 13, "bounded compile cost").
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

/* (module (func (export "f") nop ... nop)) with `nops` nops. */
static uint8_t *nop_module(uint32_t nops, size_t *ret_len)
{
	uint32_t body_len = 1 + nops + 1, code_len = 1 + 5 + body_len;
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
	memset(m + k, 0x01, nops);
	k += nops;
	m[k++] = 0x0b;
	*ret_len = k;
	return m;
}

static bool compile(const uint8_t *wasm, size_t len, cmn_error *err)
{
	rt_module *mod = NULL;
	rt_image *img = NULL;
	cr_assert(wb_decode(wasm, len, WB_FEAT_DEFAULT, &mod, err), "%s", err->msg);
	cr_assert(wb_validate(mod, WB_FEAT_DEFAULT, err), "%s", err->msg);
	jit_options o;
	jit_options_default(&o);
	bool ok = jit_compile(mod, WB_FEAT_DEFAULT, &o, &img, err);
	rt_image_free(img);
	rt_module_free(mod);
	return ok;
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
