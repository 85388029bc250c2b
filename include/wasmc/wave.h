/*
 * wasmc/wave.h - core values as text, in the style of WAVE (the WebAssembly
 * Value Encoding that `wasmtime run --invoke 'add(1, 2)'` uses), for
 * command lines and logs.
 *
 * Call syntax:   NAME(ARG, ARG, ...)   or just NAME (no arguments).
 *   NAME is a bare word (any characters but blanks, '(' and ')') or a
 *   "quoted string" with the escapes \" \\ \n \t \r \' \u{HEX}.
 * Values, by the parameter's type:
 *   i32, i64  decimal with an optional sign, or 0x hex (either case); i32
 *             accepts -2147483648..4294967295 (above 2^31-1 wraps, as the
 *             unsigned view of the same bits), i64 likewise for 64 bits.
 *   f32, f64  decimal or hex float (1.5, -2e10, 0x1.8p3), nan, inf,
 *             infinity with an optional sign in any case, and nan:0xBITS
 *             for a NaN with that payload (mantissa bits).
 *   v128      0x followed by 1..32 hex digits (the 128-bit little-endian
 *             number, as printed), or lanes: i8x16(...), i16x8(...),
 *             i32x4(a, b, c, d), i64x2(...), f32x4(...), f64x2(...)
 *             (also written i32x4:a,b,c,d).
 *   funcref   null
 *   externref null, or ref(N) for the client token N.
 * Printing (wasmc_wave_format_val) matches `wasmc-run`: integers in signed
 * decimal; floats as the shortest decimal that reads back the same, without
 * exponent (NaN, -NaN, inf, -inf); v128 as 0x and 32 hex digits; references
 * as null / ref. Every printed value parses back to the same value (NaN
 * payloads aside).
 *
 * Thread-safety: all functions are reentrant.
 */
#ifndef WASMC_WAVE_H
#define WASMC_WAVE_H

#include <stddef.h>

#include <wasmc/error.h>
#include <wasmc/types.h>
#include <wasmc/val.h>
#include <wasmc/visibility.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A call split into its name and the text of each argument. */
typedef struct wasmc_wave_call {
	char *name;        /* the export name, unquoted */
	size_t nargs;
	char **args;       /* each argument's text, blanks trimmed */
} wasmc_wave_call;

/* Splits `text` (NUL-terminated). On success *ret_call is new (free it with
 * wasmc_wave_call_free). Errors: WASMC_ERR_SYNTAX with a message naming the
 * problem and its column ("expected ')' at column 9"). */
WASMC_API wasmc_error *wasmc_wave_call_parse(const char *text,
                                             wasmc_wave_call **ret_call);
WASMC_API void wasmc_wave_call_free(wasmc_wave_call *call);

/* Parses one value of kind `kind` from `text` (NUL-terminated, blanks
 * around it allowed). Errors: WASMC_ERR_SYNTAX ("expected an i32, got
 * \"x\"", "i32 out of range: 4294967296"). */
WASMC_API wasmc_error *wasmc_wave_parse_val(const char *text,
                                            wasmc_valkind kind,
                                            wasmc_val *ret_val);

/* Parses every argument of `call` by the parameter types of `type` into
 * `ret_args` (type->nparams slots). Errors: WASMC_ERR_SYNTAX naming the
 * function and the argument ("add: argument 2: expected an i32, got
 * \"x\"") or the count ("add takes 2 arguments, 3 given"). */
WASMC_API wasmc_error *wasmc_wave_parse_args(const wasmc_wave_call *call,
                                             const wasmc_functype *type,
                                             wasmc_val *ret_args);

/* Writes `v` as text into `buf` (at most `len` bytes with the NUL; `buf`
 * may be NULL when len is 0). Returns the length the full text needs,
 * like snprintf. 64 bytes always suffice except for f64 values far from 1
 * (up to 330 bytes): WASMC_WAVE_VAL_MAX is always enough. */
#define WASMC_WAVE_VAL_MAX 400
WASMC_API size_t wasmc_wave_format_val(const wasmc_val *v, char *buf,
                                       size_t len);

#ifdef __cplusplus
}
#endif

#endif
