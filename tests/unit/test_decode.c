/*
 * test_decode.c - decoder and module validator edge cases beyond the spec
 * suite: sizes and counts that must be refused before allocating, section
 * order, the name section, rec group canonicalisation, deep nesting.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "rt_module.h"
#include "test_builder.h"
#include "wb_decode.h"
#include "wb_validate.h"

static bool decode_validate(const buf *b, cmn_error *err)
{
	rt_module *mod = NULL;
	bool ok;

	if (!wb_decode(b->p, b->n, WB_FEAT_DEFAULT, &mod, err))
		return false;
	ok = wb_validate(mod, WB_FEAT_DEFAULT, err);
	rt_module_free(mod);
	return ok;
}

/* type section with one [] -> [] function type */
static void put_void_type(buf *m)
{
	buf s = {0};
	put_u32(&s, 1);
	put_byte(&s, 0x60);
	put_u32(&s, 0);
	put_u32(&s, 0);
	put_section(m, 1, s.p, s.n);
	free(s.p);
}

Test(decode, empty_module)
{
	buf m = {0};
	rt_module *mod = NULL;
	cmn_error err;

	put_header(&m);
	cr_assert(wb_decode(m.p, m.n, WB_FEAT_DEFAULT, &mod, &err), "%s", err.msg);
	cr_assert(wb_validate(mod, WB_FEAT_DEFAULT, &err));
	cr_assert_eq(mod->start, RT_NO_START);
	rt_module_free(mod);
	free(m.p);
}

Test(decode, bad_magic_version_and_truncation)
{
	cmn_error err;
	rt_module *mod = (rt_module *)0x1;

	cr_assert_not(wb_decode((const uint8_t *)"\0asn\1\0\0\0", 8, 0, &mod, &err));
	cr_assert_str_eq(err.msg, "magic header not detected");
	cr_assert_not(wb_decode((const uint8_t *)"\0asm\2\0\0\0", 8, 0, &mod, &err));
	cr_assert_str_eq(err.msg, "unknown binary version");
	cr_assert_not(wb_decode((const uint8_t *)"\0as", 3, 0, &mod, &err));
	cr_assert_str_eq(err.msg, "unexpected end");
	/* Outputs are written only on success. */
	cr_assert_eq(mod, (rt_module *)0x1);
}

Test(decode, four_gib_section_header_is_refused)
{
	buf m = {0};
	cmn_error err;

	put_header(&m);
	put_byte(&m, 1);
	put_u32(&m, 0xFFFFFFFFu);
	put_byte(&m, 0);
	cr_assert_not(decode_validate(&m, &err));
	cr_assert_str_eq(err.msg, "length out of bounds");
	free(m.p);
}

Test(decode, million_function_header_in_tiny_section)
{
	buf m = {0}, s = {0};
	cmn_error err;

	put_header(&m);
	put_void_type(&m);
	put_u32(&s, 1000000);
	put_byte(&s, 0);
	put_section(&m, 3, s.p, s.n);
	cr_assert_not(decode_validate(&m, &err));
	cr_assert_str_eq(err.msg, "unexpected end of section or function");
	free(m.p);
	free(s.p);
}

Test(decode, too_many_functions)
{
	buf m = {0}, s = {0};
	cmn_error err;
	uint32_t i;

	put_header(&m);
	put_void_type(&m);
	put_u32(&s, 1000001);
	for (i = 0; i < 1000001; i++)
		put_byte(&s, 0);
	put_section(&m, 3, s.p, s.n);
	cr_assert_not(decode_validate(&m, &err));
	cr_assert_str_eq(err.msg, "too many functions");
	free(m.p);
	free(s.p);
}

Test(decode, huge_type_count)
{
	buf m = {0}, s = {0};
	cmn_error err;

	put_header(&m);
	put_u32(&s, 0xFFFFFFFFu);
	put_section(&m, 1, s.p, s.n);
	cr_assert_not(decode_validate(&m, &err));
	/* Refused by the count check, before any allocation: the section
	 * ends right after the count (offset 8 + id + size + 5 LEB bytes). */
	cr_assert_str_eq(err.msg, "unexpected end of section or function");
	cr_assert(err.has_offset);
	cr_assert_eq(err.offset, 15);
	free(m.p);
	free(s.p);
}

Test(decode, huge_rec_group_count)
{
	buf m = {0}, s = {0};
	cmn_error err;

	put_header(&m);
	put_u32(&s, 1);
	put_byte(&s, 0x4E);
	put_u32(&s, 0x7FFFFFFFu);
	put_byte(&s, 0x60);
	put_section(&m, 1, s.p, s.n);
	cr_assert_not(decode_validate(&m, &err));
	/* The rec group's count is checked against the one byte left. */
	cr_assert_str_eq(err.msg, "unexpected end of section or function");
	cr_assert(err.has_offset);
	cr_assert_eq(err.offset, 17);
	free(m.p);
	free(s.p);
}

Test(decode, sections_out_of_order)
{
	buf m = {0}, s = {0};
	cmn_error err;

	put_header(&m);
	put_u32(&s, 0);
	put_section(&m, 3, s.p, s.n); /* function */
	put_section(&m, 1, s.p, s.n); /* type after function */
	cr_assert_not(decode_validate(&m, &err));
	cr_assert_str_eq(err.msg, "unexpected content after last section");
	free(m.p);
	free(s.p);
}

Test(decode, function_without_code_section)
{
	buf m = {0}, s = {0};
	cmn_error err;

	put_header(&m);
	put_void_type(&m);
	put_u32(&s, 1);
	put_u32(&s, 0);
	put_section(&m, 3, s.p, s.n);
	cr_assert_not(decode_validate(&m, &err));
	cr_assert_str_eq(err.msg,
	                 "function and code section have inconsistent lengths");
	free(m.p);
	free(s.p);
}

Test(decode, custom_section_name_must_be_utf8)
{
	buf m = {0}, s = {0};
	cmn_error err;

	put_header(&m);
	put_u32(&s, 2);
	put_byte(&s, 0xC0);
	put_byte(&s, 0x80);
	put_section(&m, 0, s.p, s.n);
	cr_assert_not(decode_validate(&m, &err));
	cr_assert_str_eq(err.msg, "malformed UTF-8 encoding");
	free(m.p);
	free(s.p);
}

Test(decode, name_section_module_and_function_names)
{
	buf m = {0}, s = {0}, sub = {0}, code = {0}, fn = {0};
	rt_module *mod = NULL;
	cmn_error err;

	put_header(&m);
	put_void_type(&m);
	put_u32(&fn, 1);
	put_u32(&fn, 0);
	put_section(&m, 3, fn.p, fn.n);
	put_u32(&code, 1);
	put_u32(&code, 2);
	put_byte(&code, 0); /* no locals */
	put_byte(&code, 0x0B);
	put_section(&m, 10, code.p, code.n);
	put_u32(&s, 4);
	put(&s, "name", 4);
	put_u32(&sub, 3);
	put(&sub, "mod", 3);
	put_byte(&s, 0);
	put_u32(&s, (uint32_t)sub.n);
	put(&s, sub.p, sub.n);
	sub.n = 0;
	put_u32(&sub, 1);
	put_u32(&sub, 0);
	put_u32(&sub, 4);
	put(&sub, "main", 4);
	put_byte(&s, 1);
	put_u32(&s, (uint32_t)sub.n);
	put(&s, sub.p, sub.n);
	put_section(&m, 0, s.p, s.n);

	cr_assert(wb_decode(m.p, m.n, WB_FEAT_DEFAULT, &mod, &err), "%s", err.msg);
	cr_assert(mod->names.has_module);
	cr_assert_eq(mod->names.module.len, 3);
	cr_assert_eq(memcmp(mod->names.module.ptr, "mod", 3), 0);
	cr_assert_eq(mod->names.nfuncs, 1);
	cr_assert_eq(memcmp(mod->names.funcs[0].name.ptr, "main", 4), 0);
	cr_assert_eq(mod->ncustoms, 1);
	rt_module_free(mod);
	free(m.p);
	free(s.p);
	free(sub.p);
	free(code.p);
	free(fn.p);
}

Test(decode, malformed_name_section_is_ignored)
{
	buf m = {0}, s = {0};
	rt_module *mod = NULL;
	cmn_error err;

	put_header(&m);
	put_u32(&s, 4);
	put(&s, "name", 4);
	put_byte(&s, 1);
	put_u32(&s, 100); /* subsection longer than the section */
	put_section(&m, 0, s.p, s.n);
	cr_assert(wb_decode(m.p, m.n, WB_FEAT_DEFAULT, &mod, &err), "%s", err.msg);
	cr_assert_not(mod->names.has_module);
	cr_assert_eq(mod->names.nfuncs, 0);
	rt_module_free(mod);
	free(m.p);
	free(s.p);
}

/* Two rec groups { struct (ref null 0) } are the same type; a third with
 * an i32 field is not. */
Test(types, identical_rec_groups_canonicalise_together)
{
	buf m = {0}, s = {0};
	rt_module *mod = NULL;
	cmn_error err;
	int i;

	put_header(&m);
	put_u32(&s, 3);
	for (i = 0; i < 2; i++) {
		put_byte(&s, 0x4E);
		put_u32(&s, 1);
		put_byte(&s, 0x5F);
		put_u32(&s, 1);
		put_byte(&s, 0x63);
		put_u32(&s, (uint32_t)i); /* self reference */
		put_byte(&s, 0);
	}
	put_byte(&s, 0x5F);
	put_u32(&s, 1);
	put_byte(&s, 0x7F);
	put_byte(&s, 0);
	put_section(&m, 1, s.p, s.n);
	cr_assert(wb_decode(m.p, m.n, WB_FEAT_DEFAULT, &mod, &err), "%s", err.msg);
	cr_assert(wb_validate(mod, WB_FEAT_DEFAULT, &err), "%s", err.msg);
	cr_assert_eq(mod->types[0].canon, mod->types[1].canon);
	cr_assert_neq(mod->types[0].canon, mod->types[2].canon);
	rt_module_free(mod);
	free(m.p);
	free(s.p);
}

Test(types, subtype_must_match_its_supertype)
{
	buf m = {0}, s = {0};
	cmn_error err;

	put_header(&m);
	put_u32(&s, 2);
	put_byte(&s, 0x50); /* sub (open), no supertypes */
	put_u32(&s, 0);
	put_byte(&s, 0x5F);
	put_u32(&s, 1);
	put_byte(&s, 0x7F); /* i32 */
	put_byte(&s, 0);
	put_byte(&s, 0x50); /* sub 0 with an i64 first field */
	put_u32(&s, 1);
	put_u32(&s, 0);
	put_byte(&s, 0x5F);
	put_u32(&s, 1);
	put_byte(&s, 0x7E);
	put_byte(&s, 0);
	put_section(&m, 1, s.p, s.n);
	cr_assert_not(decode_validate(&m, &err));
	cr_assert_str_eq(err.msg, "sub type 1 does not match super type 0");
	free(m.p);
	free(s.p);
}

/* A function nesting 100000 blocks validates without exhausting the
 * native stack, and one missing its last `end` is refused. */
Test(code, deeply_nested_blocks)
{
	const uint32_t depth = 100000;
	buf m = {0}, fn = {0}, code = {0}, body = {0};
	cmn_error err;
	uint32_t i;

	put_header(&m);
	put_void_type(&m);
	put_u32(&fn, 1);
	put_u32(&fn, 0);
	put_section(&m, 3, fn.p, fn.n);
	put_byte(&body, 0); /* no locals */
	for (i = 0; i < depth; i++) {
		put_byte(&body, 0x02);
		put_byte(&body, 0x40);
	}
	for (i = 0; i < depth; i++)
		put_byte(&body, 0x0B);
	put_byte(&body, 0x0B);
	put_u32(&code, 1);
	put_u32(&code, (uint32_t)body.n);
	put(&code, body.p, body.n);
	put_section(&m, 10, code.p, code.n);
	cr_assert(decode_validate(&m, &err), "%s", err.msg);

	/* Drop the function's final `end`: the body ends inside a block. */
	m.n = 0;
	code.n = 0;
	put_header(&m);
	put_void_type(&m);
	put_section(&m, 3, fn.p, fn.n);
	put_u32(&code, 1);
	put_u32(&code, (uint32_t)body.n - 1);
	put(&code, body.p, body.n - 1);
	put_section(&m, 10, code.p, code.n);
	cr_assert_not(decode_validate(&m, &err));
	free(m.p);
	free(fn.p);
	free(code.p);
	free(body.p);
}

/* Regression: a table initialiser may read only imported globals (spec
 * global.wast:675); it was validated with every global visible. */
Test(validate, table_init_cannot_read_defined_global)
{
	buf m = {0}, s = {0};
	cmn_error err;

	put_header(&m);
	/* table section: (table 1 funcref (global.get 0)) */
	put_u32(&s, 1);
	put_byte(&s, 0x40);
	put_byte(&s, 0x00);
	put_byte(&s, 0x70);
	put_byte(&s, 0x00);
	put_u32(&s, 1);
	put_byte(&s, 0x23);
	put_u32(&s, 0);
	put_byte(&s, 0x0B);
	put_section(&m, 4, s.p, s.n);
	/* global section: (global funcref (ref.null func)) */
	s.n = 0;
	put_u32(&s, 1);
	put_byte(&s, 0x70);
	put_byte(&s, 0x00);
	put_byte(&s, 0xD0);
	put_byte(&s, 0x70);
	put_byte(&s, 0x0B);
	put_section(&m, 6, s.p, s.n);
	cr_assert_not(decode_validate(&m, &err));
	cr_assert_str_eq(err.msg, "unknown global 0");
	free(m.p);
	free(s.p);
}
