/*
 * cmn_error.h - the error record every wasmc library fills when it fails.
 *
 * A library function that can fail takes a `cmn_error *err` (may be NULL when
 * the caller only wants the status) and returns false / NULL on failure after
 * filling it. The message uses the WebAssembly spec test suite's wording where
 * one exists ("type mismatch", "unexpected end", ...); `offset` is the byte
 * offset in the input the error refers to, when `has_offset` is set.
 * Nothing here allocates: the message lives in the record.
 */
#ifndef CMN_ERROR_H
#define CMN_ERROR_H

#include <stdbool.h>
#include <stddef.h>

#define CMN_ERROR_MSG_MAX 240

typedef struct cmn_error {
	size_t offset;
	bool has_offset;
	char msg[CMN_ERROR_MSG_MAX];
} cmn_error;

/* Fills `err` (if not NULL) with a printf-style message, and the byte offset
 * when `has_offset`. */
void cmn_error_set(cmn_error *err, bool has_offset, size_t offset,
                   const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* cmn_fail(err, fmt, ...) and cmn_fail_at(err, offset, fmt, ...) fill `err`
 * and evaluate to false, so a failing function can `return cmn_fail(...)`.
 * They are expressions, not statements: visible to the compiler as false,
 * which keeps its flow analysis (and -Werror) exact. */
static inline bool cmn_false(void)
{
	return false;
}
#define cmn_fail(err, ...) \
	(cmn_error_set((err), false, 0, __VA_ARGS__), cmn_false())
#define cmn_fail_at(err, offset, ...) \
	(cmn_error_set((err), true, (offset), __VA_ARGS__), cmn_false())

/* Resets `err` to "no error". Accepts NULL. */
void cmn_error_clear(cmn_error *err);

#endif
