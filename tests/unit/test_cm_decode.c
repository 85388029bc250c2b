/*
 * test_cm_decode.c - the component decoder (cm_decode) and validator
 * (cm_validate) on hand-built binaries: preamble, truncated sections, bad
 * counts, bad names, nesting too deep, and the import/export type table.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cm_decode.h"
#include "cm_validate.h"

typedef struct bytes {
	uint8_t *p;
	size_t n, cap;
} bytes;

static void put(bytes *b, const void *p, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2 + 64;
		b->p = realloc(b->p, b->cap);
		cr_assert_not_null(b->p);
	}
	memcpy(b->p + b->n, p, n);
	b->n += n;
}

static void put_byte(bytes *b, uint8_t v)
{
	put(b, &v, 1);
}

static void put_u32(bytes *b, uint32_t v)
{
	do {
		uint8_t x = v & 0x7f;
		v >>= 7;
		put_byte(b, v ? x | 0x80 : x);
	} while (v);
}

static void put_name(bytes *b, const char *s)
{
	put_u32(b, (uint32_t)strlen(s));
	put(b, s, strlen(s));
}

static void preamble(bytes *b)
{
	put(b, "\0asm\x0d\x00\x01\x00", 8);
}

static void section(bytes *b, uint8_t id, const bytes *body)
{
	put_byte(b, id);
	put_u32(b, (uint32_t)body->n);
	put(b, body->p, body->n);
}

/* Decodes (and, when that works, validates); returns the message or NULL. */
static char msg[CMN_ERROR_MSG_MAX];
static const char *check(const bytes *b, bool validate)
{
	cm_component *c = NULL;
	cmn_error err = {0};
	if (!cm_decode(b->p, b->n, &c, &err)) {
		snprintf(msg, sizeof msg, "%s", err.msg);
		return msg;
	}
	cm_validated *info = NULL;
	bool ok = !validate || cm_validate(c, &info, &err);
	cm_validated_free(info);
	cm_component_free(c);
	if (!ok) {
		snprintf(msg, sizeof msg, "%s", err.msg);
		return msg;
	}
	return NULL;
}

Test(cm_decode, empty_component)
{
	bytes b = {0};
	preamble(&b);
	cr_assert_null(check(&b, true));
	free(b.p);
}

Test(cm_decode, preamble_errors)
{
	static const struct {
		const char *bytes;
		size_t n;
		const char *want;
	} cases[] = {
		{"\0asm\x0d\x00\x01", 7, "unexpected end-of-file"},
		{"\0asX\x0d\x00\x01\x00", 8, "magic header"},
		{"\0asm\x0c\x00\x01\x00", 8, "unknown binary version"},
		{"\0asm\x01\x00\x00\x00", 8, "expected a version header for a component"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		bytes b = {0};
		put(&b, cases[i].bytes, cases[i].n);
		const char *m = check(&b, false);
		cr_assert_not_null(m, "case %zu accepted", i);
		cr_assert(strstr(m, cases[i].want), "case %zu: %s", i, m);
		free(b.p);
	}
}

Test(cm_decode, truncated_section)
{
	bytes b = {0};
	preamble(&b);
	put(&b, "\x07\x05\x01", 3); /* type section of 5 bytes, only 1 given */
	const char *m = check(&b, false);
	cr_assert_not_null(m);
	cr_assert(strstr(m, "unexpected end-of-file"), "%s", m);
	free(b.p);
}

Test(cm_decode, huge_count_refused_before_allocating)
{
	bytes b = {0}, s = {0};
	preamble(&b);
	put_u32(&s, 0xfffffff0u); /* count far beyond the bytes left */
	put_byte(&s, 0x73);
	section(&b, 7, &s);
	const char *m = check(&b, false);
	cr_assert_not_null(m);
	cr_assert(strstr(m, "unexpected end-of-file"), "%s", m);
	free(b.p);
	free(s.p);
}

Test(cm_decode, bad_section_id_and_leading_byte)
{
	bytes b = {0};
	preamble(&b);
	put(&b, "\x0d\x00", 2);
	const char *m = check(&b, false);
	cr_assert(m && strstr(m, "malformed section id"), "%s", m ? m : "accepted");
	free(b.p);

	bytes c = {0}, s = {0};
	preamble(&c);
	put(&s, "\x01\x62", 2); /* 1 type, 0x62 is unallocated */
	section(&c, 7, &s);
	m = check(&c, false);
	cr_assert(m && strstr(m, "invalid leading byte (0x62) for component defined type"), "%s",
	          m ? m : "accepted");
	free(c.p);
	free(s.p);
}

Test(cm_decode, invalid_utf8_name)
{
	bytes b = {0}, s = {0};
	preamble(&b);
	put(&s, "\x02\xff\xfe", 3);
	section(&b, 0, &s);
	const char *m = check(&b, false);
	cr_assert(m && strstr(m, "malformed UTF-8 encoding"), "%s", m ? m : "accepted");
	free(b.p);
	free(s.p);
}

/* An import named `name` of a func type () -> u32. */
static void import_func(bytes *b, const char *name)
{
	bytes t = {0}, i = {0};
	put(&t, "\x01\x40\x00\x00\x79", 5); /* 1 type: (func (result u32)) */
	section(b, 7, &t);
	put_u32(&i, 1);
	put_byte(&i, 0x00);
	put_name(&i, name);
	put(&i, "\x01\x00", 2); /* func (type 0) */
	section(b, 10, &i);
	free(t.p);
	free(i.p);
}

Test(cm_decode, bad_names)
{
	static const struct {
		const char *name, *want;
	} cases[] = {
		{"aBc", "`aBc` is not in kebab case"},
		{"", "is not in kebab case"},
		{"a--b", "is not in kebab case"},
		{"foo:bar/baz/qux", "trailing characters found: `/qux`"},
		{"a:b/c@1.", "unexpected end of input"},
		{"[method]r", "failed to find `.` character"},
	};
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		bytes b = {0};
		preamble(&b);
		import_func(&b, cases[k].name);
		const char *m = check(&b, true);
		cr_assert(m && strstr(m, cases[k].want), "`%s`: %s", cases[k].name, m ? m : "accepted");
		free(b.p);
	}
}

Test(cm_decode, duplicate_names_are_strongly_unique)
{
	bytes b = {0}, t = {0}, i = {0};
	preamble(&b);
	put(&t, "\x01\x40\x00\x01\x00", 5);
	section(&b, 7, &t);
	put_u32(&i, 2);
	put_byte(&i, 0);
	put_name(&i, "foo-bar");
	put(&i, "\x01\x00", 2);
	put_byte(&i, 0);
	put_name(&i, "FOO-bar");
	put(&i, "\x01\x00", 2);
	section(&b, 10, &i);
	const char *m = check(&b, true);
	cr_assert(m && strstr(m, "import name `FOO-bar` conflicts with previous name `foo-bar`"), "%s",
	          m ? m : "accepted");
	free(b.p);
	free(t.p);
	free(i.p);
}

/* `depth` components nested inside each other. */
static void nested(bytes *out, unsigned depth)
{
	bytes inner = {0};
	preamble(&inner);
	if (depth) {
		bytes sub = {0};
		nested(&sub, depth - 1);
		section(&inner, 4, &sub);
		free(sub.p);
	}
	put(out, inner.p, inner.n);
	free(inner.p);
}

Test(cm_decode, nesting_depth_bounded)
{
	bytes ok = {0}, deep = {0};
	nested(&ok, CM_MAX_NESTING);
	cr_assert_null(check(&ok, true));
	nested(&deep, CM_MAX_NESTING + 1);
	const char *m = check(&deep, false);
	cr_assert(m && strstr(m, "nesting too deep"), "%s", m ? m : "accepted");
	free(ok.p);
	free(deep.p);
}

Test(cm_decode, type_nesting_bounded)
{
	/* instance types nested inside instance types, deeper than allowed */
	bytes b = {0}, t = {0};
	preamble(&b);
	put_u32(&t, 1);
	for (unsigned i = 0; i < CM_MAX_NESTING + 2; i++)
		put(&t, "\x42\x01\x01", 3); /* instance type, 1 decl: a type */
	put_byte(&t, 0x73);
	section(&b, 7, &t);
	const char *m = check(&b, false);
	cr_assert(m && strstr(m, "nesting too deep"), "%s", m ? m : "accepted");
	free(b.p);
	free(t.p);
}

Test(cm_decode, import_types_in_the_table)
{
	bytes b = {0};
	preamble(&b);
	import_func(&b, "answer");
	cm_component *c = NULL;
	cm_validated *info = NULL;
	cmn_error err = {0};
	cr_assert(cm_decode(b.p, b.n, &c, &err), "%s", err.msg);
	cr_assert(cm_validate(c, &info, &err), "%s", err.msg);
	cr_assert_eq(info->nimports, 1);
	cr_assert_str_eq(info->imports[0].name, "answer");
	const cm_type *f = cm_types_get(info->types, info->imports[0].type);
	cr_assert_not_null(f);
	cr_assert_eq(f->kind, CM_FUNC);
	cr_assert_eq(f->n, 0);
	cr_assert_eq(f->nresults, 1);
	cr_assert_eq(f->results[0].type, (cm_tid)CM_U32);
	cm_validated_free(info);
	cm_component_free(c);
	free(b.p);
}

Test(cm_decode, section_size_mismatch)
{
	bytes b = {0};
	preamble(&b);
	put(&b, "\x07\x03\x01\x73\x73", 5); /* 1 type in a 3-byte section */
	const char *m = check(&b, false);
	cr_assert(m && strstr(m, "section size mismatch"), "%s", m ? m : "accepted");
	free(b.p);
}
