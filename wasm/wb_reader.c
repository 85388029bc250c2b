#include "wb_reader.h"

#include <string.h>

static bool reader_eof(const wb_reader *r, cmn_error *err)
{
	return cmn_fail_at(err, wb_reader_offset(r), "%s",
	                   r->eof_msg ? r->eof_msg : "unexpected end");
}

void wb_reader_init(wb_reader *r, const uint8_t *bytes, size_t size)
{
	r->p = bytes;
	r->end = bytes + size;
	r->start = bytes;
	r->eof_msg = "unexpected end";
}

bool wb_reader_sub(wb_reader *parent, size_t size, wb_reader *ret_sub,
                   const char *eof_msg, cmn_error *err)
{
	if (size > wb_reader_left(parent))
		return cmn_fail_at(err, wb_reader_offset(parent),
		                   "length out of bounds");
	ret_sub->p = parent->p;
	ret_sub->end = parent->p + size;
	ret_sub->start = parent->start;
	ret_sub->eof_msg = eof_msg;
	parent->p += size;
	return true;
}

bool wb_read_u8_slow(wb_reader *r, uint8_t *ret, cmn_error *err)
{
	if (r->p >= r->end)
		return reader_eof(r, err);
	*ret = *r->p++;
	return true;
}

bool wb_read_bytes(wb_reader *r, size_t n, const uint8_t **ret,
                   cmn_error *err)
{
	if (n > wb_reader_left(r))
		return reader_eof(r, err);
	*ret = r->p;
	r->p += n;
	return true;
}

/* Reads an unsigned LEB128 of at most `bits` bits. */
static bool read_uleb(wb_reader *r, unsigned bits, uint64_t *ret,
                      cmn_error *err)
{
	uint64_t result = 0;
	unsigned shift = 0;
	size_t start = wb_reader_offset(r);
	uint8_t b;

	for (;;) {
		if (r->p >= r->end)
			return reader_eof(r, err);
		b = *r->p++;
		if (shift + 7 >= bits) {
			/* Last byte permitted: no continuation, and the bits
			 * beyond `bits` must be zero. */
			if (b & 0x80)
				return cmn_fail_at(err, start,
				                   "integer representation too long");
			if (bits - shift < 7 && (b >> (bits - shift)) != 0)
				return cmn_fail_at(err, start, "integer too large");
			result |= (uint64_t)b << shift;
			break;
		}
		result |= (uint64_t)(b & 0x7F) << shift;
		shift += 7;
		if (!(b & 0x80))
			break;
	}
	*ret = result;
	return true;
}

/* Reads a signed LEB128 of at most `bits` bits. */
static bool read_sleb(wb_reader *r, unsigned bits, int64_t *ret,
                      cmn_error *err)
{
	uint64_t result = 0;
	unsigned shift = 0;
	size_t start = wb_reader_offset(r);
	uint8_t b;

	for (;;) {
		if (r->p >= r->end)
			return reader_eof(r, err);
		b = *r->p++;
		if (shift + 7 >= bits) {
			unsigned used = bits - shift; /* 1..7 value bits here */
			if (b & 0x80)
				return cmn_fail_at(err, start,
				                   "integer representation too long");
			if (used < 7) {
				/* Bits from the sign bit up must all be equal. */
				uint8_t top = (uint8_t)(b & 0x7F) >> (used - 1);
				uint8_t ones = (uint8_t)(0x7F >> (used - 1));
				if (top != 0 && top != ones)
					return cmn_fail_at(err, start,
					                   "integer too large");
			}
			result |= (uint64_t)(b & 0x7F) << shift;
			shift += 7;
			break;
		}
		result |= (uint64_t)(b & 0x7F) << shift;
		shift += 7;
		if (!(b & 0x80))
			break;
	}
	if (shift < 64 && (b & 0x40))
		result |= ~(uint64_t)0 << shift;
	*ret = (int64_t)result;
	return true;
}

bool wb_read_u32_slow(wb_reader *r, uint32_t *ret, cmn_error *err)
{
	uint64_t v;

	if (!read_uleb(r, 32, &v, err))
		return false;
	*ret = (uint32_t)v;
	return true;
}

bool wb_read_u64(wb_reader *r, uint64_t *ret, cmn_error *err)
{
	return read_uleb(r, 64, ret, err);
}

bool wb_read_s32(wb_reader *r, int32_t *ret, cmn_error *err)
{
	int64_t v;

	if (!read_sleb(r, 32, &v, err))
		return false;
	*ret = (int32_t)v;
	return true;
}

bool wb_read_s64(wb_reader *r, int64_t *ret, cmn_error *err)
{
	return read_sleb(r, 64, ret, err);
}

bool wb_read_s33(wb_reader *r, int64_t *ret, cmn_error *err)
{
	return read_sleb(r, 33, ret, err);
}

bool wb_read_s7(wb_reader *r, int8_t *ret, cmn_error *err)
{
	int64_t v;

	if (!read_sleb(r, 7, &v, err))
		return false;
	*ret = (int8_t)v;
	return true;
}

bool wb_read_f32(wb_reader *r, uint32_t *ret_bits, cmn_error *err)
{
	const uint8_t *p;

	if (!wb_read_bytes(r, 4, &p, err))
		return false;
	*ret_bits = (uint32_t)p[0] | (uint32_t)p[1] << 8 |
	            (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
	return true;
}

bool wb_read_f64(wb_reader *r, uint64_t *ret_bits, cmn_error *err)
{
	const uint8_t *p;
	uint64_t v = 0;
	int i;

	if (!wb_read_bytes(r, 8, &p, err))
		return false;
	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	*ret_bits = v;
	return true;
}

bool wb_utf8_valid(const uint8_t *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint8_t c = s[i];
		uint32_t cp;
		size_t len, k;

		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xE0) == 0xC0) {
			len = 2;
			cp = c & 0x1F;
		} else if ((c & 0xF0) == 0xE0) {
			len = 3;
			cp = c & 0x0F;
		} else if ((c & 0xF8) == 0xF0) {
			len = 4;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (n - i < len)
			return false;
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3F);
		}
		if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
		    (len == 4 && cp < 0x10000))
			return false; /* overlong */
		if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		i += len;
	}
	return true;
}

bool wb_read_name(wb_reader *r, const char **ret_ptr, uint32_t *ret_len,
                  cmn_error *err)
{
	uint32_t len;
	const uint8_t *p;
	size_t at = wb_reader_offset(r);

	if (!wb_read_u32(r, &len, err))
		return false;
	if (len > wb_reader_left(r))
		return cmn_fail_at(err, at, "length out of bounds");
	if (!wb_read_bytes(r, len, &p, err))
		return false;
	if (!wb_utf8_valid(p, len))
		return cmn_fail_at(err, at, "malformed UTF-8 encoding");
	*ret_ptr = (const char *)p;
	*ret_len = len;
	return true;
}

bool wb_read_count(wb_reader *r, size_t min_elem_size, uint32_t *ret,
                   cmn_error *err)
{
	uint32_t n;

	if (!wb_read_u32(r, &n, err))
		return false;
	if (min_elem_size != 0 && n > wb_reader_left(r) / min_elem_size)
		return reader_eof(r, err);
	*ret = n;
	return true;
}
