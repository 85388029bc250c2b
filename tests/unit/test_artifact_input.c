/*
 * test_artifact_input.c - an artifact bound to its input
 * (rt_artifact_bind_input): the header carries the input's SHA-256 under
 * the digest, so a valid artifact of one input cannot stand in for
 * another's; unbound artifacts carry zeros.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "rt_artifact.h"
#include "rt_testmod.h"
#include "wb_const.h"
#include "wb_decode.h"
#include "wb_validate.h"

#define FP "test-engine fp=1"

static uint8_t *build(size_t *ret_len)
{
	cmn_error err;
	rt_module *mod;
	rt_consts consts;
	cr_assert(wb_decode(TESTMOD_WASM, TESTMOD_WASM_SIZE, WB_FEAT_DEFAULT, &mod, &err), "%s",
	          err.msg);
	cr_assert(wb_validate(mod, WB_FEAT_DEFAULT, &err), "%s", err.msg);
	cr_assert(wb_const_lower_module(mod, &consts, &err), "%s", err.msg);
	rt_image *img = testmod_image(FP);
	uint8_t *art;
	cr_assert(rt_artifact_build(mod, &consts, img, NULL, 0, &art, ret_len, &err), "%s", err.msg);
	rt_image_free(img);
	rt_module_free(mod);
	return art;
}

Test(artifact_input, bound_and_checked)
{
	size_t len;
	uint8_t *art = build(&len);
	static const uint8_t zero[32], mine[32] = {1, 2, 3}, other[32] = {1, 2, 4};
	rt_artifact_hdr h;
	cmn_error err;
	cr_assert(rt_artifact_check(art, len, FP, NULL, 0, &h, &err), "%s", err.msg);
	cr_expect(memcmp(h.input, zero, 32) == 0, "an unbound artifact carries zeros");

	static const uint8_t key[32] = {9};
	cr_assert(rt_artifact_bind_input(art, len, mine, &err), "%s", err.msg);
	/* The binding is under the digest: it needs sealing again. */
	cr_expect(!rt_artifact_check(art, len, FP, NULL, 0, NULL, &err));
	cr_assert(rt_artifact_seal(art, len, key, sizeof key, &err), "%s", err.msg);
	cr_assert(rt_artifact_check(art, len, FP, key, sizeof key, &h, &err), "%s", err.msg);
	cr_expect(rt_artifact_input_matches(&h, mine, &err), "%s", err.msg);
	cr_expect(!rt_artifact_input_matches(&h, other, &err));
	cr_expect_str_eq(err.msg, "artifact compiled from another input");
	/* Changing the binding without the key breaks the MAC. */
	cr_assert(rt_artifact_bind_input(art, len, other, &err), "%s", err.msg);
	cr_expect(!rt_artifact_check(art, len, FP, key, sizeof key, NULL, &err));
	cr_expect(strstr(err.msg, "MAC mismatch"), "%s", err.msg);
	free(art);
}
