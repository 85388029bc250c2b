/*
 * cm_string.c - UTF-8 validation and the UTF-8 / UTF-16LE / Latin-1
 * transcoders of the canonical ABI (cm_string.h).
 */
#include "cm_string.h"

#include <string.h>

/* True when the 8 bytes at p are all ASCII. */
static bool ascii8(const uint8_t *p)
{
	uint64_t w;
	memcpy(&w, p, 8);
	return (w & 0x8080808080808080ull) == 0;
}

cm_utf8_status cm_utf8_check(const uint8_t *s, size_t len, size_t *ret_off)
{
	size_t i = 0;
	while (i < len) {
		if (i + 8 <= len && ascii8(s + i)) {
			i += 8;
			continue;
		}
		uint8_t b = s[i];
		if (b < 0x80) {
			i++;
			continue;
		}
		size_t need;
		uint8_t lo = 0x80, hi = 0xBF; /* range of the second byte */
		if (b >= 0xC2 && b <= 0xDF) {
			need = 2;
		} else if (b >= 0xE0 && b <= 0xEF) {
			need = 3;
			if (b == 0xE0)
				lo = 0xA0; /* overlong */
			else if (b == 0xED)
				hi = 0x9F; /* surrogates */
		} else if (b >= 0xF0 && b <= 0xF4) {
			need = 4;
			if (b == 0xF0)
				lo = 0x90; /* overlong */
			else if (b == 0xF4)
				hi = 0x8F; /* above U+10FFFF */
		} else {
			*ret_off = i;
			return CM_UTF8_INVALID;
		}
		for (size_t k = 1; k < need; k++) {
			if (i + k >= len) {
				*ret_off = i;
				return CM_UTF8_INCOMPLETE;
			}
			uint8_t c = s[i + k];
			uint8_t l = k == 1 ? lo : 0x80, h = k == 1 ? hi : 0xBF;
			if (c < l || c > h) {
				*ret_off = i;
				return CM_UTF8_INVALID;
			}
		}
		i += need;
	}
	return CM_UTF8_OK;
}

uint32_t cm_utf8_next(const uint8_t *s, size_t *i)
{
	size_t p = *i;
	uint8_t b = s[p];
	if (b < 0x80) {
		*i = p + 1;
		return b;
	}
	if (b < 0xE0) {
		*i = p + 2;
		return (uint32_t)(b & 0x1F) << 6 | (s[p + 1] & 0x3F);
	}
	if (b < 0xF0) {
		*i = p + 3;
		return (uint32_t)(b & 0x0F) << 12 | (uint32_t)(s[p + 1] & 0x3F) << 6 |
		       (s[p + 2] & 0x3F);
	}
	*i = p + 4;
	return (uint32_t)(b & 0x07) << 18 | (uint32_t)(s[p + 1] & 0x3F) << 12 |
	       (uint32_t)(s[p + 2] & 0x3F) << 6 | (s[p + 3] & 0x3F);
}

size_t cm_utf8_put(uint8_t *out, uint32_t c)
{
	if (c < 0x80) {
		out[0] = (uint8_t)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (uint8_t)(0xC0 | c >> 6);
		out[1] = (uint8_t)(0x80 | (c & 0x3F));
		return 2;
	}
	if (c < 0x10000) {
		out[0] = (uint8_t)(0xE0 | c >> 12);
		out[1] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
		out[2] = (uint8_t)(0x80 | (c & 0x3F));
		return 3;
	}
	out[0] = (uint8_t)(0xF0 | c >> 18);
	out[1] = (uint8_t)(0x80 | ((c >> 12) & 0x3F));
	out[2] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
	out[3] = (uint8_t)(0x80 | (c & 0x3F));
	return 4;
}

static uint32_t unit(const uint8_t *src, size_t i)
{
	return (uint32_t)src[2 * i] | (uint32_t)src[2 * i + 1] << 8;
}

bool cm_utf16_utf8_len(const uint8_t *src, size_t units, size_t *ret_len, size_t *ret_bad)
{
	size_t n = 0;
	for (size_t i = 0; i < units; i++) {
		uint32_t u = unit(src, i);
		if (u < 0x80) {
			n += 1;
		} else if (u < 0x800) {
			n += 2;
		} else if (u >= 0xD800 && u <= 0xDBFF) {
			if (i + 1 >= units || unit(src, i + 1) < 0xDC00 || unit(src, i + 1) > 0xDFFF) {
				*ret_bad = i;
				return false;
			}
			i++;
			n += 4;
		} else if (u >= 0xDC00 && u <= 0xDFFF) {
			*ret_bad = i;
			return false;
		} else {
			n += 3;
		}
	}
	*ret_len = n;
	return true;
}

size_t cm_utf16_to_utf8(const uint8_t *src, size_t units, uint8_t *dst)
{
	size_t o = 0;
	for (size_t i = 0; i < units; i++) {
		uint32_t u = unit(src, i);
		if (u >= 0xD800 && u <= 0xDBFF) {
			uint32_t l = unit(src, ++i);
			u = 0x10000 + ((u - 0xD800) << 10) + (l - 0xDC00);
		}
		o += cm_utf8_put(dst + o, u);
	}
	return o;
}

size_t cm_latin1_utf8_len(const uint8_t *src, size_t n)
{
	size_t len = n;
	for (size_t i = 0; i < n; i++)
		len += src[i] >> 7;
	return len;
}

size_t cm_latin1_to_utf8(const uint8_t *src, size_t n, uint8_t *dst)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++)
		o += cm_utf8_put(dst + o, src[i]);
	return o;
}

size_t cm_utf8_to_utf16(const uint8_t *s, size_t len, uint8_t *dst)
{
	size_t i = 0, o = 0;
	while (i < len) {
		uint32_t c = cm_utf8_next(s, &i);
		if (c >= 0x10000) {
			c -= 0x10000;
			uint32_t h = 0xD800 + (c >> 10), l = 0xDC00 + (c & 0x3FF);
			dst[2 * o] = (uint8_t)h;
			dst[2 * o + 1] = (uint8_t)(h >> 8);
			o++;
			c = l;
		}
		dst[2 * o] = (uint8_t)c;
		dst[2 * o + 1] = (uint8_t)(c >> 8);
		o++;
	}
	return o;
}

bool cm_utf8_to_latin1(const uint8_t *s, size_t len, uint8_t *dst, size_t *ret_n)
{
	size_t i = 0, o = 0;
	while (i < len) {
		uint32_t c = cm_utf8_next(s, &i);
		if (c >= 0x100)
			return false;
		dst[o++] = (uint8_t)c;
	}
	*ret_n = o;
	return true;
}
