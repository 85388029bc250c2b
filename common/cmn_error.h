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

/* Fills `err` (if not NULL) with a printf-style message and no offset.
 * Always returns false, so a failing function can `return cmn_fail(...)`. */
bool cmn_fail(cmn_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Same, recording the byte offset the error refers to. */
bool cmn_fail_at(cmn_error *err, size_t offset, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Resets `err` to "no error". Accepts NULL. */
void cmn_error_clear(cmn_error *err);

#endif
