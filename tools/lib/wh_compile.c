/* wh_compile.c - decode, validate, lower and compile; the in-memory load. */
#include "wh_compile.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wb_const.h"
#include "wb_decode.h"
#include "wb_validate.h"

wh_stage wh_compile(const uint8_t *bytes, size_t size, wb_features feat,
                    const jit_options *opt, rt_module **ret_mod,
                    rt_consts *ret_consts, rt_image **ret_img, cmn_error *err)
{
	rt_module *mod = NULL;
	rt_consts consts;
	rt_image *img = NULL;
	wh_stage st;

	if (!wb_decode(bytes, size, feat, &mod, err)) {
		st = WH_DECODE;
		goto fail_mod;
	}
	if (!wb_validate(mod, feat, err)) {
		st = WH_VALIDATE;
		goto fail_mod;
	}
	if (!wb_const_lower_module(mod, &consts, err)) {
		st = strstr(err->msg, "unsupported") ? WH_UNSUPPORTED : WH_COMPILE;
		goto fail_mod;
	}
	if (!jit_compile(mod, feat, opt, &img, err)) {
		st = strstr(err->msg, "unsupported feature") ? WH_UNSUPPORTED : WH_COMPILE;
		goto fail_mod;
	}
	*ret_mod = mod;
	*ret_consts = consts;
	*ret_img = img;
	return WH_OK;

fail_mod:
	rt_module_free(mod);
	return st;
}

/* Loads the result of wh_compile: in memory (path NULL) or through an
 * artifact file at `path`. Frees the module and the image. */
static wh_stage load(rt_module *mod, rt_consts *consts, rt_image *img, const jit_options *opt,
                     const char *path, rt_loaded **ret, cmn_error *err)
{
	wh_stage st = WH_LOAD;

	if (!path) {
		if (rt_loaded_from_image(mod, consts, img, ret, err))
			st = WH_OK;
	} else {
		char *fp = jit_fingerprint(opt);
		if (!fp)
			cmn_fail(err, "out of memory");
		else if (rt_artifact_write(path, mod, consts, img, err) &&
		         rt_artifact_load(path, fp, ret, err))
			st = WH_OK;
		unlink(path);
		free(fp);
	}
	rt_image_free(img);
	rt_module_free(mod);
	return st;
}

/* wh_compile, then load (see load). */
static wh_stage compile_and_load(const uint8_t *bytes, size_t size, wb_features feat,
                                 const jit_options *opt, const char *path, rt_loaded **ret,
                                 cmn_error *err)
{
	rt_module *mod;
	rt_consts consts;
	rt_image *img;
	wh_stage st = wh_compile(bytes, size, feat, opt, &mod, &consts, &img, err);

	if (st != WH_OK)
		return st;
	return load(mod, &consts, img, opt, path, ret, err);
}

wh_stage wh_compile_load(const uint8_t *bytes, size_t size, wb_features feat,
                         const jit_options *opt, rt_loaded **ret, cmn_error *err)
{
	return compile_and_load(bytes, size, feat, opt, NULL, ret, err);
}

wh_stage wh_compile_via_artifact(const uint8_t *bytes, size_t size, wb_features feat,
                                 const jit_options *opt, const char *path, rt_loaded **ret,
                                 cmn_error *err)
{
	return compile_and_load(bytes, size, feat, opt, path, ret, err);
}

static char abort_msg[160];
static struct sigaction old_abrt;

static void on_compile_abort(int sig)
{
	(void)sig;
	if (write(2, abort_msg, strlen(abort_msg)) < 0) {
	}
	_exit(2);
}

void wh_compile_abort_guard(bool on, const char *prog)
{
	if (on) {
		snprintf(abort_msg, sizeof abort_msg, "%s: compile: LLVM failed (out of memory?)\n",
		         prog);
		struct sigaction sa = {.sa_handler = on_compile_abort};
		sigaction(SIGABRT, &sa, &old_abrt);
	} else {
		sigaction(SIGABRT, &old_abrt, NULL);
	}
}

const char *wh_stage_name(wh_stage st)
{
	switch (st) {
	case WH_OK:
		return "ok";
	case WH_DECODE:
		return "malformed module";
	case WH_VALIDATE:
		return "invalid module";
	case WH_UNSUPPORTED:
		return "unsupported module";
	case WH_COMPILE:
		return "compilation failed";
	case WH_LOAD:
		return "load failed";
	}
	return "failed";
}
