/*
 * rt_testmod.h - a tiny module and a hand-assembled x86-64 code image for
 * the runtime's unit tests (no compiler needed); defined in rt_testmod.c.
 *
 *   (module
 *     (memory 1)
 *     (global i32 (i32.const 7))
 *     (func (export "answer") (result i32) i32.const 42)
 *     (func (export "trap") (result i32) unreachable)
 *     (func (export "oob") (result i32) (i32.load (i32.const 65536)))
 *     (data (i32.const 0) "hi"))
 */
#ifndef RT_TESTMOD_H
#define RT_TESTMOD_H

#include <stddef.h>
#include <stdint.h>

#include "rt_image.h"

/* The module's bytes. */
extern const uint8_t TESTMOD_WASM[];
extern const size_t TESTMOD_WASM_SIZE;
/* Its code for x86-64 (functions at 0, 6, 20; the trampoline at 37); one
 * byte elsewhere, and TESTMOD_HAVE_CODE is 0. */
extern const uint8_t TESTMOD_TEXT[];
extern const size_t TESTMOD_TEXT_SIZE;
#if defined(__x86_64__)
#define TESTMOD_HAVE_CODE 1
#else
#define TESTMOD_HAVE_CODE 0
#endif

/* A malloc'd image of that code with `fingerprint` (rt_image_free). */
rt_image *testmod_image(const char *fingerprint);

#endif
