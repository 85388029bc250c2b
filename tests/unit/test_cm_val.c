/*
 * test_cm_val.c - the value node list (component/cm_val.h): building,
 * skipping malformed lists, and every check of cm_vals_check, including
 * hostile depth (a million nested lists must fail cleanly, not overflow
 * the C stack) and the UTF-8 rules (component/cm_string.h).
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "cm_string.h"
#include "cm_val.h"

static cm_types *T;

static void setup(void)
{
	T = cm_types_new();
	cr_assert(T);
}

static void teardown(void)
{
	cm_types_free(T);
	T = NULL;
}

TestSuite(cm_val, .init = setup, .fini = teardown);

static cm_tid add(cm_type ty)
{
	cm_tid id;
	if (!ty.elem)
		ty.elem = CM_TID_NONE;
	if (!ty.err)
		ty.err = CM_TID_NONE;
	cr_assert(cm_types_add(T, &ty, &id));
	return id;
}

static void push(cm_vals *vs, cm_kind k, uint32_t n, uint64_t u)
{
	cm_val v = {.kind = k, .n = n, .u = u};
	cr_assert(cm_vals_push(vs, &v) >= 0);
}

static void push_bytes(cm_vals *vs, cm_kind k, uint32_t n, const void *b, uint64_t len)
{
	cm_val v = {.kind = k, .n = n};
	cr_assert(cm_vals_push_bytes(vs, &v, b, len) >= 0);
}

/* check of the whole list; NULL or the message */
static const char *check(const cm_vals *vs, cm_tid t, unsigned depth)
{
	size_t end = 12345;
	const char *e = cm_vals_check(vs, 0, T, t, depth, &end);
	if (!e)
		cr_assert_eq(end, vs->n, "end %zu of %zu", end, vs->n);
	else
		cr_assert_eq(end, 12345, "ret_end written on failure");
	return e;
}

static void expect_err(const cm_vals *vs, cm_tid t, const char *part)
{
	const char *e = check(vs, t, 100);
	cr_assert(e, "expected an error with '%s'", part);
	cr_assert(strstr(e, part), "'%s' lacks '%s'", e, part);
}

Test(cm_val, push_copies_bytes_and_grows)
{
	cm_vals vs;
	cm_vals_init(&vs);
	char buf[8] = "abcdefg";
	for (int i = 0; i < 1000; i++) {
		cm_val v = {.kind = CM_STRING};
		cr_assert_eq(cm_vals_push_bytes(&vs, &v, buf, 7), i);
	}
	buf[0] = 'X';
	cr_assert_eq(vs.n, 1000);
	cr_assert(memcmp(vs.v[999].bytes, "abcdefg", 7) == 0);
	cr_assert_eq(vs.v[0].len, 7);
	/* an empty byte string still has a pointer */
	cm_val v = {.kind = CM_STRING};
	cr_assert(cm_vals_push_bytes(&vs, &v, NULL, 0) >= 0);
	cr_assert_not_null(vs.v[1000].bytes);
	cm_vals_free(&vs);
	cr_assert_eq(vs.n, 0);
	cr_assert_null(vs.v);
	cm_vals_free(&vs);
	cm_vals_free(NULL);
}

Test(cm_val, skip)
{
	cm_vals vs;
	cm_vals_init(&vs);
	/* record { list [1 2], option some "x", variant no payload } u8 */
	push(&vs, CM_RECORD, 3, 0);
	push(&vs, CM_LIST, 2, 0);
	push(&vs, CM_U8, 0, 1);
	push(&vs, CM_U8, 0, 2);
	push(&vs, CM_OPTION, 1, 1);
	push_bytes(&vs, CM_STRING, 0, "x", 1);
	push(&vs, CM_VARIANT, 0, 3);
	push(&vs, CM_U8, 0, 9);
	cr_assert_eq(cm_vals_skip(&vs, 0), 7);
	cr_assert_eq(cm_vals_skip(&vs, 1), 4);
	cr_assert_eq(cm_vals_skip(&vs, 4), 6);
	cr_assert_eq(cm_vals_skip(&vs, 7), 8);
	cr_assert_eq(cm_vals_skip(&vs, 8), 0);
	/* a count running past the end */
	vs.v[1].n = 1000000;
	cr_assert_eq(cm_vals_skip(&vs, 0), 0);
	vs.v[1].n = 4000000000u;
	cr_assert_eq(cm_vals_skip(&vs, 1), 0);
	cm_vals_free(&vs);
	cm_vals empty;
	cm_vals_init(&empty);
	cr_assert_eq(cm_vals_skip(&empty, 0), 0);
}

Test(cm_val, scalar_ranges)
{
	struct {
		cm_kind k;
		uint64_t u;
		bool ok;
	} c[] = {
		{CM_BOOL, 1, true}, {CM_BOOL, 2, false},
		{CM_S8, (uint64_t)-128, true}, {CM_S8, 128, false}, {CM_S8, (uint64_t)-129, false},
		{CM_U8, 255, true}, {CM_U8, 256, false},
		{CM_S16, (uint64_t)-32768, true}, {CM_S16, 32768, false},
		{CM_U16, 65535, true}, {CM_U16, 65536, false},
		{CM_S32, (uint64_t)(int64_t)INT32_MIN, true}, {CM_S32, 0x80000000u, false},
		{CM_U32, UINT32_MAX, true}, {CM_U32, 1ull << 32, false},
		{CM_S64, UINT64_MAX, true}, {CM_U64, UINT64_MAX, true},
		{CM_F32, 0xFFFFFFFF, true}, {CM_F32, 1ull << 32, false},
		{CM_F64, UINT64_MAX, true},
		{CM_CHAR, 0x10FFFF, true}, {CM_CHAR, 0x110000, false}, {CM_CHAR, 0xD800, false},
		{CM_CHAR, 0xDFFF, false}, {CM_CHAR, 0xE000, true},
	};
	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		cm_vals vs;
		cm_vals_init(&vs);
		push(&vs, c[i].k, 0, c[i].u);
		const char *e = check(&vs, c[i].k, 100);
		if (c[i].ok)
			cr_expect_null(e, "%s %llx: %s", cm_kind_name(c[i].k),
			               (unsigned long long)c[i].u, e);
		else
			cr_expect_not_null(e, "%s %llx accepted", cm_kind_name(c[i].k),
			                   (unsigned long long)c[i].u);
		cm_vals_free(&vs);
	}
}

Test(cm_val, kinds_and_messages)
{
	cm_vals vs;
	cm_vals_init(&vs);
	push_bytes(&vs, CM_STRING, 0, "x", 1);
	expect_err(&vs, CM_U32, "expected u32, found string");
	expect_err(&vs, 9999, "unknown type");
	cm_tid r = add((cm_type){.kind = CM_RESOURCE, .resource_id = 1});
	expect_err(&vs, r, "not a value type");
	cm_vals_free(&vs);
	/* nothing at all */
	cm_vals_init(&vs);
	expect_err(&vs, CM_U8, "value ends");
}

Test(cm_val, strings_utf8)
{
	const char *good[] = {"", "ascii", "grün", "☃", "🦀", "\xF4\x8F\xBF\xBF", "\xEF\xBF\xBF"};
	const char *bad[] = {"\xFF", "\xC0\x80", "\xC1\xBF", "\xE0\x9F\xBF", "\xED\xA0\x80",
	                     "\xF0\x8F\xBF\xBF", "\xF4\x90\x80\x80", "\xF5\x80\x80\x80", "\x80",
	                     "a\xC3(", "\xE2\x28\xA1"};
	const char *incomplete[] = {"\xC3", "ab\xE2\x98", "\xF0\x9F\x8D"};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		cm_vals vs;
		cm_vals_init(&vs);
		push_bytes(&vs, CM_STRING, 0, good[i], strlen(good[i]));
		cr_expect_null(check(&vs, CM_STRING, 100), "good[%zu] rejected", i);
		cm_vals_free(&vs);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cm_vals vs;
		cm_vals_init(&vs);
		push_bytes(&vs, CM_STRING, 0, bad[i], strlen(bad[i]));
		expect_err(&vs, CM_STRING, "invalid UTF-8");
		cm_vals_free(&vs);
		size_t off;
		cr_expect_eq(cm_utf8_check((const uint8_t *)bad[i], strlen(bad[i]), &off),
		             CM_UTF8_INVALID, "bad[%zu]", i);
	}
	for (size_t i = 0; i < sizeof incomplete / sizeof incomplete[0]; i++) {
		size_t off;
		cr_expect_eq(cm_utf8_check((const uint8_t *)incomplete[i], strlen(incomplete[i]), &off),
		             CM_UTF8_INCOMPLETE, "incomplete[%zu]", i);
	}
	size_t off = 0;
	cr_assert_eq(cm_utf8_check((const uint8_t *)"0123456789\xFF", 11, &off), CM_UTF8_INVALID);
	cr_assert_eq(off, 10);
	cm_vals vs;
	cm_vals_init(&vs);
	push_bytes(&vs, CM_STRING, 0, "0123456789abc\xC3", 14);
	expect_err(&vs, CM_STRING, "byte offset 13");
	cm_vals_free(&vs);
	/* a string node claiming bytes it has not */
	cm_vals_init(&vs);
	cm_val v = {.kind = CM_STRING, .bytes = NULL, .len = 5};
	cr_assert(cm_vals_push(&vs, &v) >= 0);
	expect_err(&vs, CM_STRING, "without bytes");
	cm_vals_free(&vs);
}

Test(cm_val, composites)
{
	cm_tid lst = add((cm_type){.kind = CM_LIST, .elem = CM_U8});
	cm_tid fx = add((cm_type){.kind = CM_LIST, .elem = CM_U8, .fixed_len = 2});
	cm_case rc[2] = {{"a", CM_U8}, {"b", CM_STRING}};
	cm_tid rec = add((cm_type){.kind = CM_RECORD, .n = 2, .cases = rc});
	cm_case vc[2] = {{"none", CM_TID_NONE}, {"some", CM_U32}};
	cm_tid var = add((cm_type){.kind = CM_VARIANT, .n = 2, .cases = vc});
	cm_case ec[3] = {{"r", CM_TID_NONE}, {"g", CM_TID_NONE}, {"b", CM_TID_NONE}};
	cm_tid en = add((cm_type){.kind = CM_ENUM, .n = 3, .cases = ec});
	cm_tid opt = add((cm_type){.kind = CM_OPTION, .elem = CM_U8});
	cm_tid res = add((cm_type){.kind = CM_RESULT, .elem = CM_U8, .err = CM_TID_NONE});
	cm_vals vs;

	cm_vals_init(&vs);
	push(&vs, CM_LIST, 2, 0);
	push(&vs, CM_U8, 0, 1);
	push(&vs, CM_U8, 0, 2);
	cr_assert_null(check(&vs, lst, 100));
	cr_assert_null(check(&vs, fx, 100));
	vs.v[0].n = 3;
	expect_err(&vs, lst, "past the end");
	expect_err(&vs, fx, "list<_, 2> with 3 elements");
	vs.v[0].n = 2;
	vs.v[2].kind = CM_U16;
	expect_err(&vs, lst, "node 2: expected u8, found u16");
	cm_vals_free(&vs);

	cm_vals_init(&vs);
	push(&vs, CM_RECORD, 2, 0);
	push(&vs, CM_U8, 0, 1);
	push_bytes(&vs, CM_STRING, 0, "s", 1);
	cr_assert_null(check(&vs, rec, 100));
	vs.v[0].n = 1;
	expect_err(&vs, rec, "record of 2 fields, found 1");
	cm_vals_free(&vs);

	cm_vals_init(&vs);
	push(&vs, CM_VARIANT, 1, 1);
	push(&vs, CM_U32, 0, 5);
	cr_assert_null(check(&vs, var, 100));
	vs.v[0].u = 2;
	expect_err(&vs, var, "case 2 out of range");
	vs.v[0].u = 0; /* no payload but n = 1 */
	expect_err(&vs, var, "has no a payload but n = 1");
	cm_vals_free(&vs);
	cm_vals_init(&vs);
	push(&vs, CM_VARIANT, 0, 1); /* payload but n = 0 */
	expect_err(&vs, var, "has a payload but n = 0");
	cm_vals_free(&vs);

	cm_vals_init(&vs);
	push(&vs, CM_ENUM, 0, 2);
	cr_assert_null(check(&vs, en, 100));
	vs.v[0].u = 3;
	expect_err(&vs, en, "out of range");
	cm_vals_free(&vs);

	cm_vals_init(&vs);
	push(&vs, CM_OPTION, 0, 0);
	cr_assert_null(check(&vs, opt, 100));
	vs.v[0].u = 2;
	expect_err(&vs, opt, "not 0 or 1");
	cm_vals_free(&vs);
	cm_vals_init(&vs);
	push(&vs, CM_OPTION, 1, 1);
	push(&vs, CM_U8, 0, 7);
	cr_assert_null(check(&vs, opt, 100));
	cm_vals_free(&vs);

	cm_vals_init(&vs);
	push(&vs, CM_RESULT, 1, 0);
	push(&vs, CM_U8, 0, 7);
	cr_assert_null(check(&vs, res, 100));
	cm_vals_free(&vs);
	cm_vals_init(&vs);
	push(&vs, CM_RESULT, 0, 1);
	cr_assert_null(check(&vs, res, 100));
	vs.v[0].n = 1; /* err has no type */
	expect_err(&vs, res, "n = 1");
	cm_vals_free(&vs);
}

Test(cm_val, flags)
{
	cm_case lc[33];
	for (int i = 0; i < 33; i++)
		lc[i] = (cm_case){"f", CM_TID_NONE};
	cm_tid f0 = add((cm_type){.kind = CM_FLAGS, .n = 0});
	cm_tid f3 = add((cm_type){.kind = CM_FLAGS, .n = 3, .cases = lc});
	cm_tid f33 = add((cm_type){.kind = CM_FLAGS, .n = 33, .cases = lc});
	cm_vals vs;
	cm_vals_init(&vs);
	push_bytes(&vs, CM_FLAGS, 0, NULL, 0);
	cr_assert_null(check(&vs, f0, 100));
	cm_vals_free(&vs);
	cm_vals_init(&vs);
	push_bytes(&vs, CM_FLAGS, 3, "\x05", 1);
	cr_assert_null(check(&vs, f3, 100));
	expect_err(&vs, f33, "flags of 33 labels");
	cm_vals_free(&vs);
	cm_vals_init(&vs);
	push_bytes(&vs, CM_FLAGS, 3, "\x08", 1);
	expect_err(&vs, f3, "bits set beyond the 3 labels");
	cm_vals_free(&vs);
	cm_vals_init(&vs);
	push_bytes(&vs, CM_FLAGS, 33, "\xFF\xFF\xFF\xFF\x01", 5);
	cr_assert_null(check(&vs, f33, 100));
	vs.v[0].len = 4;
	expect_err(&vs, f33, "5 bytes");
	cm_vals_free(&vs);
}

Test(cm_val, depth_limit)
{
	/* list<list<...<u8>>> 5 deep; a value 5 deep passes 5, fails 4 */
	cm_tid t = CM_U8;
	for (int i = 0; i < 4; i++)
		t = add((cm_type){.kind = CM_LIST, .elem = t});
	cm_vals vs;
	cm_vals_init(&vs);
	for (int i = 0; i < 4; i++)
		push(&vs, CM_LIST, 1, 0);
	push(&vs, CM_U8, 0, 1);
	size_t end;
	cr_assert_null(cm_vals_check(&vs, 0, T, t, 5, &end));
	const char *e = cm_vals_check(&vs, 0, T, t, 4, &end);
	cr_assert(e && strcmp(e, "value nesting deeper than 4") == 0, "%s", e);
	e = cm_vals_check(&vs, 0, T, t, 100, &end);
	cr_assert_null(e);
	cm_vals_free(&vs);
}

Test(cm_val, hostile_depth_does_not_recurse)
{
	/* a type 200 deep and a value of a million nested lists: the check
	 * fails at the type's end or the depth limit, without recursion */
	cm_tid t = CM_U8;
	for (int i = 0; i < 200; i++)
		t = add((cm_type){.kind = CM_LIST, .elem = t});
	cm_vals vs;
	cm_vals_init(&vs);
	for (int i = 0; i < 1000000; i++)
		push(&vs, CM_LIST, 1, 0);
	push(&vs, CM_U8, 0, 0);
	size_t end;
	const char *e = cm_vals_check(&vs, 0, T, t, 100, &end);
	cr_assert(e && strstr(e, "value nesting deeper than 100"), "%s", e);
	e = cm_vals_check(&vs, 0, T, t, 1u << 30, &end);
	cr_assert(e && strstr(e, "expected u8, found list"), "%s", e);
	/* the skip walks it all */
	cr_assert_eq(cm_vals_skip(&vs, 0), vs.n);
	cm_vals_free(&vs);
}

Test(cm_val, check_from_an_offset)
{
	cm_vals vs;
	cm_vals_init(&vs);
	push(&vs, CM_U32, 0, 1);
	push_bytes(&vs, CM_STRING, 0, "two", 3);
	push(&vs, CM_U64, 0, 3);
	size_t end;
	cr_assert_null(cm_vals_check(&vs, 1, T, CM_STRING, 10, &end));
	cr_assert_eq(end, 2);
	cr_assert_null(cm_vals_check(&vs, 2, T, CM_U64, 10, &end));
	cr_assert_eq(end, 3);
	cr_assert_not_null(cm_vals_check(&vs, 3, T, CM_U64, 10, &end));
	cm_vals_free(&vs);
}

Test(cm_val, transcoders)
{
	/* UTF-8 <-> UTF-16LE with a surrogate pair; Latin-1 */
	const char *s = "hö☃🍰";
	uint8_t u16[64];
	size_t units = cm_utf8_to_utf16((const uint8_t *)s, strlen(s), u16);
	cr_assert_eq(units, 5);
	static const uint8_t want[] = {0x68, 0, 0xF6, 0, 0x03, 0x26, 0x3C, 0xD8, 0x70, 0xDF};
	cr_assert(memcmp(u16, want, sizeof want) == 0);
	size_t len, bad;
	cr_assert(cm_utf16_utf8_len(u16, units, &len, &bad));
	cr_assert_eq(len, strlen(s));
	uint8_t back[64];
	cr_assert_eq(cm_utf16_to_utf8(u16, units, back), len);
	cr_assert(memcmp(back, s, len) == 0);
	/* unpaired: low first, high at the end */
	static const uint8_t lone[] = {'a', 0, 0x70, 0xDF};
	cr_assert_not(cm_utf16_utf8_len(lone, 2, &len, &bad));
	cr_assert_eq(bad, 1);
	static const uint8_t tail[] = {'a', 0, 0x3C, 0xD8};
	cr_assert_not(cm_utf16_utf8_len(tail, 2, &len, &bad));
	cr_assert_eq(bad, 1);
	uint8_t l1[8];
	size_t n;
	cr_assert(cm_utf8_to_latin1((const uint8_t *)"grün", 5, l1, &n));
	cr_assert_eq(n, 4);
	cr_assert_eq(l1[2], 0xFC);
	cr_assert_not(cm_utf8_to_latin1((const uint8_t *)"a☃", 4, l1, &n));
	cr_assert(cm_utf8_to_latin1((const uint8_t *)"grün", 5, l1, &n));
	cr_assert_eq(cm_latin1_utf8_len(l1, 4), 5);
	cr_assert_eq(cm_latin1_to_utf8(l1, 4, back), 5);
	cr_assert(memcmp(back, "grün", 5) == 0);
}
