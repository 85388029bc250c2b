/*
 * cm_string.h - the string encodings of the canonical ABI: UTF-8
 * validation with the position of the first bad sequence, and the
 * transcoders between UTF-8 (what cm_vals carry), UTF-16LE and Latin-1
 * (what a component's memory may hold: string-encoding=utf8, utf16 or
 * latin1+utf16).
 *
 * Pure functions over caller-provided buffers: no allocation, no state,
 * thread-safe. Lengths are in bytes for UTF-8 and Latin-1 and in 16-bit
 * code units for UTF-16 (as the canonical ABI counts them). Source buffers
 * may be unaligned (guest memory); UTF-16 is read and written byte-wise,
 * little-endian.
 */
#ifndef CM_STRING_H
#define CM_STRING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum cm_utf8_status {
	CM_UTF8_OK = 0,
	CM_UTF8_INVALID,    /* a byte that cannot start or continue a sequence here */
	CM_UTF8_INCOMPLETE, /* the input ends inside a sequence that was valid so far */
} cm_utf8_status;

/* Checks that s[0..len) is UTF-8 as Unicode defines it (no overlong forms,
 * no surrogates, nothing above U+10FFFF). On failure writes the byte
 * offset of the bad sequence's first byte to *ret_off. */
cm_utf8_status cm_utf8_check(const uint8_t *s, size_t len, size_t *ret_off);

/* The scalar value of the (valid) UTF-8 sequence at s[*i], advancing *i. */
uint32_t cm_utf8_next(const uint8_t *s, size_t *i);

/* Bytes of the UTF-8 form of scalar value `c` (1..4), written to out. */
size_t cm_utf8_put(uint8_t *out, uint32_t c);

/* UTF-16LE source of `units` code units: the UTF-8 length it converts to,
 * or false when it has an unpaired surrogate (its code unit index in
 * *ret_bad). */
bool cm_utf16_utf8_len(const uint8_t *src, size_t units, size_t *ret_len, size_t *ret_bad);
/* Converts a UTF-16LE source that cm_utf16_utf8_len accepted; dst has room
 * for the length it reported. Returns the bytes written. */
size_t cm_utf16_to_utf8(const uint8_t *src, size_t units, uint8_t *dst);

/* Latin-1 -> UTF-8: each byte >= 0x80 takes two. */
size_t cm_latin1_utf8_len(const uint8_t *src, size_t n);
size_t cm_latin1_to_utf8(const uint8_t *src, size_t n, uint8_t *dst);

/* Valid UTF-8 -> UTF-16LE. dst has room for `len` code units (never more
 * are needed). Returns the code units written. */
size_t cm_utf8_to_utf16(const uint8_t *s, size_t len, uint8_t *dst);

/* Valid UTF-8 -> Latin-1 when every scalar value is below 0x100: writes
 * the bytes to dst (room for `len`), their count to *ret_n, returns true.
 * Returns false (dst partly written) at the first scalar value >= 0x100. */
bool cm_utf8_to_latin1(const uint8_t *s, size_t len, uint8_t *dst, size_t *ret_n);

#endif
