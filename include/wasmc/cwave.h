/*
 * wasmc/cwave.h - component values as WAVE text (the WebAssembly Value
 * Encoding of `wasmtime run --invoke`), parsed by their type and printed.
 *
 *   bool      true, false
 *   integers  123, -9 (decimal; 0x hex accepted on input)
 *   floats    3.5, -2e10, nan, inf, -inf
 *   char      'x', '\'', '\u{1F980}'
 *   string    "abc\t\"q\"\u{0}" (escapes \" \' \\ \n \t \r \u{HEX})
 *   list      [1, 2, 3]            tuple  ("a", 1)
 *   record    {a: 1, b: "x"}       (fields in any order; option fields
 *                                   may be left out: none; {:} when all
 *                                   are left out)
 *   variant   circle(1.5), none-case
 *   enum      red
 *   option    some(x), none, or x alone ("flat some", when unambiguous)
 *   result    ok(x), err(e), ok, err, or x alone ("flat ok")
 *   flags     {read, write}, {}
 *   own/borrow  the handle number, e.g. 7 (wasmc's extension: resources
 *             have no WAVE form)
 * Labels that collide with the keywords true, false, some, none, ok, err,
 * inf, nan are written with a leading %; any label may be. Blanks and
 * `//` comments may appear between tokens; a trailing comma is allowed
 * in lists, tuples, records and flags.
 *
 * Printing uses the same syntax: options as some(..)/none, results as
 * ok(..)/err(..), floats as the shortest decimal that reads back the same
 * (nan, inf, -inf), strings and chars with the escapes above for quotes,
 * backslashes and control characters.
 *
 * Thread-safety: reentrant. Nesting is limited to WASMC_CVAL_MAX_DEPTH.
 */
#ifndef WASMC_CWAVE_H
#define WASMC_CWAVE_H

#include <stddef.h>

#include <wasmc/ctype.h>
#include <wasmc/cval.h>
#include <wasmc/error.h>
#include <wasmc/visibility.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Parses one value of type `type` from the NUL-terminated `text` (blanks
 * around it allowed). Errors: WASMC_ERR_SYNTAX with the column and what
 * was expected ("column 7: expected u8, got \"x\"", "column 3: unknown
 * field 'z' of record rec"). */
WASMC_API wasmc_error *wasmc_cwave_parse(const char *text, const wasmc_ctype *type,
                                         wasmc_cval *ret_val);

/* Prints `v` as a value of `type`. *ret_text is new (free()).
 * WASMC_ERR_BAD_ARGUMENT when `v` is not a value of `type`. */
WASMC_API wasmc_error *wasmc_cwave_format(const wasmc_cval *v, const wasmc_ctype *type,
                                          char **ret_text);

/* Parses a call 'name(arg, ...)' (or a bare name) of a component function:
 * the name as wasmc_wave_call_parse reads it (a word that may contain
 * '#', '/', ':', '@', '[', ']', '.', or a "quoted string"), then the
 * arguments by the parameters of `functype` (WASMC_CK_FUNC). On success
 * *ret_name is new (free()) and *ret_args a new array of
 * *ret_nargs values (wasmc_cvals_free). `functype` may be NULL to read
 * only the name (then *ret_args is NULL). Errors: WASMC_ERR_SYNTAX naming
 * the argument ("greet: argument 1 (x): column 9: ...") or the count. */
WASMC_API wasmc_error *wasmc_cwave_call_parse(const char *text,
                                              const wasmc_ctype *functype,
                                              char **ret_name,
                                              wasmc_cval **ret_args,
                                              size_t *ret_nargs);

#ifdef __cplusplus
}
#endif

#endif
