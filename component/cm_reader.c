/*
 * cm_reader.c - reading helpers of the component decoder (cm_reader.h).
 */
#include "cm_reader.h"

#include <string.h>

void cm_rd_init(wb_reader *r, const uint8_t *bytes, size_t size)
{
	wb_reader_init(r, bytes, size);
	r->eof_msg = CM_EOF_MSG;
}

bool cm_rd_name(wb_reader *r, cmn_arena *arena, cm_str *ret, cmn_error *err)
{
	uint32_t len;
	const uint8_t *p;
	if (!wb_read_u32(r, &len, err))
		return false;
	size_t off = wb_reader_offset(r);
	if (len > wb_reader_left(r))
		return cmn_fail_at(err, off, CM_EOF_MSG);
	if (!wb_read_bytes(r, len, &p, err))
		return false;
	if (!wb_utf8_valid(p, len))
		return cmn_fail_at(err, off, "malformed UTF-8 encoding");
	char *s = cmn_arena_alloc(arena, (size_t)len + 1, 1);
	if (!s)
		return cmn_fail_at(err, off, "out of memory");
	memcpy(s, p, len);
	s[len] = 0;
	ret->s = s;
	ret->len = len;
	return true;
}

bool cm_rd_count(wb_reader *r, size_t min, uint32_t *ret, cmn_error *err)
{
	uint32_t n;
	if (!wb_read_u32(r, &n, err))
		return false;
	if (min && n > wb_reader_left(r) / min)
		return cmn_fail_at(err, wb_reader_offset(r), CM_EOF_MSG);
	*ret = n;
	return true;
}

bool cm_rd_bad_byte(cmn_error *err, size_t off, uint8_t b, const char *what)
{
	return cmn_fail_at(err, off, "invalid leading byte (0x%x) for %s", b, what);
}

void *cm_rd_alloc(cmn_arena *arena, size_t n, size_t size, wb_reader *r, cmn_error *err)
{
	void *p = cmn_arena_alloc(arena, n ? n : 1, size);
	if (!p) {
		cmn_fail_at(err, wb_reader_offset(r), "out of memory");
		return NULL;
	}
	memset(p, 0, (n ? n : 1) * size);
	return p;
}
