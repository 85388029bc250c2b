/*
 * wh_compile.h - compile and load in one process, for the engine tools and
 * tests: decode, validate, lower constant expressions and compile with the
 * jit, then (optionally) load the code in memory.
 *
 * Ownership: `bytes` is borrowed; the returned module borrows it too (its
 * byte ranges point into it), so the caller keeps `bytes` alive while the
 * module lives. Outputs are written only on WH_OK. Blocking: compiles on
 * opt->threads threads. Thread-safe (no shared state).
 */
#ifndef WH_COMPILE_H
#define WH_COMPILE_H

#include <stddef.h>
#include <stdint.h>

#include "cmn_error.h"
#include "jit.h"
#include "rt_artifact.h"
#include "rt_constexpr.h"
#include "rt_image.h"
#include "rt_module.h"
#include "wb_features.h"

/* Where a failure happened (exit codes and messages depend on it). */
typedef enum wh_stage {
	WH_OK,
	WH_DECODE,
	WH_VALIDATE,
	WH_UNSUPPORTED, /* the compiler refused an unsupported feature */
	WH_COMPILE,
	WH_LOAD,
} wh_stage;

/* Decodes, validates, lowers and compiles `bytes`; on success *ret_mod is
 * the decoded module (owned by the caller: rt_module_free), *ret_consts
 * its lowered constant expressions (in the module's arena), *ret_img the
 * compiled code (rt_image_free). */
wh_stage wh_compile(const uint8_t *bytes, size_t size, wb_features feat,
                    const jit_options *opt, rt_module **ret_mod,
                    rt_consts *ret_consts, rt_image **ret_img, cmn_error *err);

/* wh_compile, then the in-memory load; *ret is owned by the caller
 * (rt_loaded_free) and does not borrow `bytes`. */
wh_stage wh_compile_load(const uint8_t *bytes, size_t size, wb_features feat,
                         const jit_options *opt, rt_loaded **ret, cmn_error *err);

/* wh_compile, then through an artifact file at `path` (written, loaded
 * back with the fingerprint and digest checks and the file-backed code
 * mapping, then unlinked); *ret as for wh_compile_load. */
wh_stage wh_compile_via_artifact(const uint8_t *bytes, size_t size, wb_features feat,
                                 const jit_options *opt, const char *path, rt_loaded **ret,
                                 cmn_error *err);

/* What a stage means, for messages: "malformed module", "invalid
 * module", "unsupported module", "compilation failed", "load failed". */
const char *wh_stage_name(wh_stage st);

/* LLVM reports out of memory (and its other fatal errors) by aborting:
 * between wh_compile_abort_guard(true, "PROG") and (false, NULL), an abort
 * prints "PROG: compile: LLVM failed (out of memory?)" and exits with
 * status 2 (a compile error, not a crash). For the tools' main thread. */
void wh_compile_abort_guard(bool on, const char *prog);

#endif
