/*
 * wb_reader.h - a bounds-checked cursor over untrusted bytes, with the binary
 * format's LEB128 and name rules.
 *
 * Every read checks the remaining length first and fails with the spec test
 * suite's wording: "unexpected end" (or the reader's `eof_msg`, e.g.
 * "unexpected end of section or function" inside a sized section),
 * "integer representation too long" (more bytes than ceil(N/7)),
 * "integer too large" (unused bits of the last byte set wrongly),
 * "malformed UTF-8 encoding". Offsets in errors are absolute: `base` is the
 * offset of `p[0]` in the whole input. Nothing here allocates.
 */
#ifndef WB_READER_H
#define WB_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmn_error.h"

typedef struct wb_reader {
	const uint8_t *p;    /* current byte */
	const uint8_t *end;  /* one past the last readable byte */
	const uint8_t *start;/* first byte of the whole input (for offsets) */
	const char *eof_msg; /* message when reading past end */
} wb_reader;

/* A reader over [bytes, bytes + size) of an input starting at `bytes`. */
void wb_reader_init(wb_reader *r, const uint8_t *bytes, size_t size);

/* A reader over the next `size` bytes of `parent` (which must hold them);
 * advances `parent` past them. */
bool wb_reader_sub(wb_reader *parent, size_t size, wb_reader *ret_sub,
                   const char *eof_msg, cmn_error *err);

static inline size_t wb_reader_offset(const wb_reader *r)
{
	return (size_t)(r->p - r->start);
}

static inline size_t wb_reader_left(const wb_reader *r)
{
	return (size_t)(r->end - r->p);
}

static inline bool wb_reader_done(const wb_reader *r)
{
	return r->p >= r->end;
}

bool wb_read_u8_slow(wb_reader *r, uint8_t *ret, cmn_error *err);
bool wb_read_u32_slow(wb_reader *r, uint32_t *ret, cmn_error *err);

/* One byte; the common case inline. */
static inline bool wb_read_u8(wb_reader *r, uint8_t *ret, cmn_error *err)
{
	if (r->p < r->end) {
		*ret = *r->p++;
		return true;
	}
	return wb_read_u8_slow(r, ret, err);
}

/* Unsigned 32-bit LEB128; one-byte values inline. */
static inline bool wb_read_u32(wb_reader *r, uint32_t *ret, cmn_error *err)
{
	if (r->p < r->end && *r->p < 0x80) {
		*ret = *r->p++;
		return true;
	}
	return wb_read_u32_slow(r, ret, err);
}

bool wb_read_bytes(wb_reader *r, size_t n, const uint8_t **ret,
                   cmn_error *err);
bool wb_read_u64(wb_reader *r, uint64_t *ret, cmn_error *err);
bool wb_read_s32(wb_reader *r, int32_t *ret, cmn_error *err);
bool wb_read_s64(wb_reader *r, int64_t *ret, cmn_error *err);
/* Signed 7-bit LEB (type constructors: one byte, or "integer
 * representation too long"). */
bool wb_read_s7(wb_reader *r, int8_t *ret, cmn_error *err);
/* Signed 33-bit LEB (block types): returned in an int64_t. */
bool wb_read_s33(wb_reader *r, int64_t *ret, cmn_error *err);
bool wb_read_f32(wb_reader *r, uint32_t *ret_bits, cmn_error *err);
bool wb_read_f64(wb_reader *r, uint64_t *ret_bits, cmn_error *err);

/* A length-prefixed UTF-8 name; *ret_ptr points into the input. A length
 * beyond the input is "length out of bounds". */
bool wb_read_name(wb_reader *r, const char **ret_ptr, uint32_t *ret_len,
                  cmn_error *err);

/* A vector count, refused ("length out of bounds"... see below) when even
 * `min_elem_size` bytes per element cannot fit in what is left, so a huge
 * count never reaches an allocator. Message: "unexpected end" family. */
bool wb_read_count(wb_reader *r, size_t min_elem_size, uint32_t *ret,
                   cmn_error *err);

/* True when [s, s+n) is valid UTF-8 (no overlongs, no surrogates, <= U+10FFFF). */
bool wb_utf8_valid(const uint8_t *s, size_t n);

#endif
