/*
 * test_reader.c - LEB128, UTF-8 and bounds edge cases of wb_reader that the
 * spec suite covers only partly.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "wb_reader.h"

static wb_reader reader_of(const uint8_t *b, size_t n)
{
	wb_reader r;
	wb_reader_init(&r, b, n);
	return r;
}

Test(leb128, u32_max_in_five_bytes)
{
	const uint8_t b[] = {0xFF, 0xFF, 0xFF, 0xFF, 0x0F};
	wb_reader r = reader_of(b, sizeof(b));
	uint32_t v;
	cmn_error err;

	cr_assert(wb_read_u32(&r, &v, &err));
	cr_assert_eq(v, UINT32_MAX);
	cr_assert(wb_reader_done(&r));
}

Test(leb128, u32_overflow_bits_are_too_large)
{
	const uint8_t b[] = {0xFF, 0xFF, 0xFF, 0xFF, 0x1F};
	wb_reader r = reader_of(b, sizeof(b));
	uint32_t v;
	cmn_error err;

	cr_assert_not(wb_read_u32(&r, &v, &err));
	cr_assert_str_eq(err.msg, "integer too large");
	cr_assert_eq(err.offset, 0);
}

Test(leb128, u32_sixth_byte_is_too_long)
{
	const uint8_t b[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
	wb_reader r = reader_of(b, sizeof(b));
	uint32_t v;
	cmn_error err;

	cr_assert_not(wb_read_u32(&r, &v, &err));
	cr_assert_str_eq(err.msg, "integer representation too long");
}

Test(leb128, overlong_zero_within_limit_is_accepted)
{
	const uint8_t b[] = {0x80, 0x80, 0x80, 0x80, 0x00};
	wb_reader r = reader_of(b, sizeof(b));
	uint32_t v = 7;
	cmn_error err;

	cr_assert(wb_read_u32(&r, &v, &err));
	cr_assert_eq(v, 0);
}

Test(leb128, truncated_is_unexpected_end)
{
	const uint8_t b[] = {0x80, 0x80};
	wb_reader r = reader_of(b, sizeof(b));
	uint64_t v;
	cmn_error err;

	cr_assert_not(wb_read_u64(&r, &v, &err));
	cr_assert_str_eq(err.msg, "unexpected end");
}

Test(leb128, s32_sign_bits_must_extend)
{
	/* -1 in five bytes: last byte's unused bits all ones (0x7F). */
	const uint8_t ok[] = {0xFF, 0xFF, 0xFF, 0xFF, 0x7F};
	/* Last byte 0x4F: sign bit (bit 3) 1 but bits 4..6 not all ones. */
	const uint8_t bad[] = {0xFF, 0xFF, 0xFF, 0xFF, 0x4F};
	/* Last byte 0x08: positive-looking bits with the sign bit set. */
	const uint8_t bad2[] = {0x80, 0x80, 0x80, 0x80, 0x08};
	wb_reader r = reader_of(ok, sizeof(ok));
	int32_t v;
	cmn_error err;

	cr_assert(wb_read_s32(&r, &v, &err));
	cr_assert_eq(v, -1);
	r = reader_of(bad, sizeof(bad));
	cr_assert_not(wb_read_s32(&r, &v, &err));
	cr_assert_str_eq(err.msg, "integer too large");
	r = reader_of(bad2, sizeof(bad2));
	cr_assert_not(wb_read_s32(&r, &v, &err));
	cr_assert_str_eq(err.msg, "integer too large");
}

Test(leb128, s64_min_and_max)
{
	const uint8_t min[] = {0x80, 0x80, 0x80, 0x80, 0x80,
	                       0x80, 0x80, 0x80, 0x80, 0x7F};
	const uint8_t max[] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
	                       0xFF, 0xFF, 0xFF, 0xFF, 0x00};
	const uint8_t bad[] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
	                       0xFF, 0xFF, 0xFF, 0xFF, 0x01};
	wb_reader r = reader_of(min, sizeof(min));
	int64_t v;
	cmn_error err;

	cr_assert(wb_read_s64(&r, &v, &err));
	cr_assert_eq(v, INT64_MIN);
	r = reader_of(max, sizeof(max));
	cr_assert(wb_read_s64(&r, &v, &err));
	cr_assert_eq(v, INT64_MAX);
	r = reader_of(bad, sizeof(bad));
	cr_assert_not(wb_read_s64(&r, &v, &err));
	cr_assert_str_eq(err.msg, "integer too large");
}

Test(leb128, s33_block_type_range)
{
	/* 2^32 - 1 as s33: five bytes, positive. */
	const uint8_t b[] = {0xFF, 0xFF, 0xFF, 0xFF, 0x0F};
	const uint8_t bad[] = {0xFF, 0xFF, 0xFF, 0xFF, 0x2F};
	wb_reader r = reader_of(b, sizeof(b));
	int64_t v;
	cmn_error err;

	cr_assert(wb_read_s33(&r, &v, &err));
	cr_assert_eq(v, 0xFFFFFFFFll);
	r = reader_of(bad, sizeof(bad));
	cr_assert_not(wb_read_s33(&r, &v, &err));
}

Test(utf8, rejects_overlong_surrogates_and_out_of_range)
{
	const uint8_t overlong[] = {0xC0, 0x80};
	const uint8_t surrogate[] = {0xED, 0xA0, 0x80};
	const uint8_t too_big[] = {0xF4, 0x90, 0x80, 0x80};
	const uint8_t truncated[] = {0xE2, 0x82};
	const uint8_t good[] = {0xE2, 0x82, 0xAC, 'a', 0xF0, 0x9F, 0x98, 0x80};

	cr_assert_not(wb_utf8_valid(overlong, sizeof(overlong)));
	cr_assert_not(wb_utf8_valid(surrogate, sizeof(surrogate)));
	cr_assert_not(wb_utf8_valid(too_big, sizeof(too_big)));
	cr_assert_not(wb_utf8_valid(truncated, sizeof(truncated)));
	cr_assert(wb_utf8_valid(good, sizeof(good)));
}

Test(count, huge_count_fails_before_allocation)
{
	/* A count of 2^32-1 with two bytes left. */
	const uint8_t b[] = {0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x00, 0x00};
	wb_reader r = reader_of(b, sizeof(b));
	uint32_t n;
	cmn_error err;

	cr_assert_not(wb_read_count(&r, 1, &n, &err));
	cr_assert_str_eq(err.msg, "unexpected end");
}

Test(reader, sub_reader_longer_than_input)
{
	const uint8_t b[] = {1, 2, 3};
	wb_reader r = reader_of(b, sizeof(b)), sub;
	cmn_error err;

	cr_assert_not(wb_reader_sub(&r, 4, &sub, NULL, &err));
	cr_assert_str_eq(err.msg, "length out of bounds");
	cr_assert(wb_reader_sub(&r, 3, &sub, "unexpected end of section or function", &err));
	cr_assert(wb_reader_done(&r));
}
