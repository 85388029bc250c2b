/*
 * test_comp_wave.c - WAVE text of component values (wasmc/cwave.h):
 * canonical text round trips for every type (text -> value -> the same
 * text), the other spellings WAVE allows (fields in any order, omitted
 * option fields, flat some/ok, %keywords, comments, trailing commas,
 * escapes), errors with columns, and component calls 'name(args)' with
 * names containing # / : @ [ ] . and arguments containing , ) ' {.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <wasmc/cwave.h>

#include "comp_fixture.h"

static tb B;
static wcl_component *C;
static uint32_t REC, SHAPE, COLOR, FL, OPT, RES, RES0, TUP, LIST, KW, NESTED, OWN, F_ECHO,
	F_MANY;

static void setup(void)
{
	tb_init(&B);
	REC = tb_add(&B, CK(RECORD), 0, 0, 4, "a", CK(U8), "b", CK(U64), "c", CK(STRING), "d",
	             CK(F32));
	uint32_t t2 = tb_add(&B, CK(TUPLE), 0, 0, 2, "", CK(U32), "", CK(U32));
	SHAPE = tb_add(&B, CK(VARIANT), 0, 0, 4, "none", TB_NONE, "circle", CK(F32), "rect", t2,
	               "label", CK(STRING));
	COLOR = tb_add(&B, CK(ENUM), 0, 0, 3, "red", TB_NONE, "green", TB_NONE, "blue", TB_NONE);
	FL = tb_add(&B, CK(FLAGS), 0, 0, 3, "read", TB_NONE, "write", TB_NONE, "exec", TB_NONE);
	OPT = tb_add(&B, CK(OPTION), CK(STRING), 0, 0);
	RES = tb_add(&B, CK(RESULT), CK(STRING), CK(U32), 0);
	RES0 = tb_add(&B, CK(RESULT), TB_NONE, TB_NONE, 0);
	TUP = tb_add(&B, CK(TUPLE), 0, 0, 3, "", CK(S8), "", CK(F64), "", CK(CHAR));
	LIST = tb_add(&B, CK(LIST), CK(S32), 0, 0);
	uint32_t optu8 = tb_add(&B, CK(OPTION), CK(U8), 0, 0);
	KW = tb_add(&B, CK(RECORD), 0, 0, 3, "true", CK(BOOL), "none", optu8, "ok", RES0);
	uint32_t lrec = tb_add(&B, CK(LIST), REC, 0, 0);
	NESTED = tb_add(&B, CK(OPTION), lrec, 0, 0);
	uint32_t rsc = tb_resource(&B, "counter", 1);
	OWN = tb_add(&B, CK(OWN), rsc, 0, 0);
	F_ECHO = tb_func(&B, 1, "x", REC, 1, "", REC);
	F_MANY = tb_func(&B, 3, "s", CK(STRING), "c", CK(CHAR), "r", REC, 0);
	tb_item(&B, false, "", "rec", WASMC__V1__CITEM_KIND__CITEM_TYPE, REC);
	tb_item(&B, false, "", "shape", WASMC__V1__CITEM_KIND__CITEM_TYPE, SHAPE);
	C = tb_build(&B);
}

static void teardown(void)
{
	wcl_component_unref(C);
}

TestSuite(cwave, .init = setup, .fini = teardown);

static wasmc_cval parse(const char *text, uint32_t tid)
{
	wasmc_cval v;
	wasmc_error *e = wasmc_cwave_parse(text, tb_type(C, tid), &v);
	cr_assert_null(e, "parse '%s': %s", text, wasmc_error_message(e));
	return v;
}

static char *format(const wasmc_cval *v, uint32_t tid)
{
	char *s;
	wasmc_error *e = wasmc_cwave_format(v, tb_type(C, tid), &s);
	cr_assert_null(e, "format: %s", wasmc_error_message(e));
	return s;
}

/* text -> value -> `want` (the canonical text). */
static void check(const char *text, uint32_t tid, const char *want)
{
	wasmc_cval v = parse(text, tid);
	char *s = format(&v, tid);
	cr_assert_str_eq(s, want, "'%s' printed as '%s', expected '%s'", text, s, want);
	/* and the printed text reads back to the same value */
	wasmc_cval again = parse(s, tid);
	cr_assert(wasmc_cval_equal(&v, &again), "'%s' does not read back", s);
	wasmc_cval_drop(&again);
	wasmc_cval_drop(&v);
	free(s);
}

static void same(const char *text, uint32_t tid)
{
	check(text, tid, text);
}

static void fails(const char *text, uint32_t tid, const char *needle)
{
	wasmc_cval v;
	wasmc_error *e = wasmc_cwave_parse(text, tb_type(C, tid), &v);
	cr_assert_not_null(e, "'%s' parsed", text);
	cr_assert_eq(wasmc_error_code(e), WASMC_ERR_SYNTAX);
	cr_assert(strstr(wasmc_error_message(e), needle), "'%s': message '%s' lacks '%s'", text,
	          wasmc_error_message(e), needle);
	wasmc_error_free(e);
}

Test(cwave, scalars)
{
	same("true", CK(BOOL));
	same("false", CK(BOOL));
	same("-128", CK(S8));
	same("255", CK(U8));
	same("-9223372036854775808", CK(S64));
	same("18446744073709551615", CK(U64));
	check("0xff", CK(U8), "255");
	check(" +7 ", CK(U32), "7");
	same("1.5", CK(F32));
	same("-0.1", CK(F64));
	same("nan", CK(F64));
	same("inf", CK(F32));
	same("-inf", CK(F64));
	check("1e3", CK(F64), "1000");
	same("'x'", CK(CHAR));
	same("'\\''", CK(CHAR));
	same("'\xf0\x9f\xa6\x80'", CK(CHAR));
	check("'\\u{1F980}'", CK(CHAR), "'\xf0\x9f\xa6\x80'");
	same("\"\"", CK(STRING));
	same("\"a\\\"b\\\\c\\nd\\te\\r\"", CK(STRING));
	check("\"\\u{0}\\u{7f}\"", CK(STRING), "\"\\u{0}\\u{7f}\"");
	same("\"Zo\xc3\xab \xf0\x9f\xa6\x80, ()[]{}'\"", CK(STRING));
	same("7", OWN);
}

Test(cwave, composites)
{
	same("{a: 1, b: 18446744073709551615, c: \"x\", d: 2.5}", REC);
	check("{ d: 2.5, c: \"x\", b: 0, a: 1, }", REC, "{a: 1, b: 0, c: \"x\", d: 2.5}");
	check("none", SHAPE, "%none"); /* a case named like a keyword */
	same("%none", SHAPE);
	same("circle(1.5)", SHAPE);
	same("rect((1, 2))", SHAPE);
	same("label(\"a\")", SHAPE);
	same("green", COLOR);
	same("{read, exec}", FL);
	check("{exec, read,}", FL, "{read, exec}");
	same("{}", FL);
	same("none", OPT);
	same("some(\"s\")", OPT);
	check("\"flat\"", OPT, "some(\"flat\")");
	same("ok(\"fine\")", RES);
	same("err(404)", RES);
	check("\"flat ok\"", RES, "ok(\"flat ok\")");
	same("ok", RES0);
	same("err", RES0);
	same("(-1, 0.5, 'c')", TUP);
	same("[]", LIST);
	same("[1, -2, 3]", LIST);
	check("[1, // one\n 2,]", LIST, "[1, 2]");
	same("{%true: true, %none: none, %ok: ok}", KW);
	check("{%true: false, %ok: err}", KW, "{%true: false, %none: none, %ok: err}");
	fails("{%true: false}", KW, "field 'ok' of record missing");
	same("some([{a: 1, b: 2, c: \"x\", d: 0}, {a: 2, b: 3, c: \"\", d: -1}])", NESTED);
	same("some([])", NESTED);
}

Test(cwave, errors_name_the_place)
{
	fails("256", CK(U8), "column 1: u8 out of range");
	fails("-1", CK(U32), "u32 out of range");
	fails("1.5", CK(U32), "expected u32");
	fails("x", CK(BOOL), "expected a bool");
	fails("'ab'", CK(CHAR), "exactly one Unicode scalar value");
	fails("\"abc", CK(STRING), "unterminated string");
	fails("\"\\q\"", CK(STRING), "column 2: bad escape");
	fails("\"\\u{d800}\"", CK(STRING), "bad escape");
	fails("{a: 1, b: 2, c: \"x\"}", REC, "field 'd' of record rec missing");
	fails("{a: 1, z: 2}", REC, "column 8: no field 'z' in record rec");
	fails("{a: 1, a: 2}", REC, "field 'a' given twice");
	fails("square", SHAPE, "no case 'square' in variant shape");
	fails("circle", SHAPE, "expected '(' and the payload of circle");
	fails("none(1)", SHAPE, "takes no payload");
	fails("{read, read}", FL, "flag 'read' given twice");
	fails("{all}", FL, "no flag 'all'");
	fails("(1, 2)", TUP, "a tuple of 3 elements, 2 given");
	fails("(1, 2, 'c', 4)", TUP, "has no element 4");
	fails("[1 2]", LIST, "column 4: expected ',' or ']'");
	fails("1 2", CK(U8), "column 3: expected the end of the value");
	fails("ok(1)", RES0, "takes no payload");
}

Test(cwave, format_checks_the_value)
{
	wasmc_cval v = wasmc_cval_u32(1);
	char *s;
	wasmc_error *e = wasmc_cwave_format(&v, tb_type(C, REC), &s);
	cr_assert_not_null(e);
	cr_assert(strstr(wasmc_error_message(e), "expected record, found u32"), "%s",
	          wasmc_error_message(e));
	wasmc_error_free(e);
	v = parse("{a: 1, b: 2, c: \"x\", d: 0}", REC);
	v.of.seq.items[2].of.str.data[0] = (char)0xff;
	e = wasmc_cwave_format(&v, tb_type(C, REC), &s);
	cr_assert_not_null(e);
	cr_assert(strstr(wasmc_error_message(e), "value at .c: invalid UTF-8"), "%s",
	          wasmc_error_message(e));
	wasmc_error_free(e);
	wasmc_cval_drop(&v);
}

Test(cwave, calls)
{
	char *name;
	wasmc_cval *args;
	size_t n;
	const wasmc_ctype *many = tb_type(C, F_MANY);
	wasmc_error *e = wasmc_cwave_call_parse(
		"example:pkg/iface@1.2.3#[method]thing.do-it(\"a,b)\", ',', {d: 1, c: \"}\", b: 2, a: 3})",
		many, &name, &args, &n);
	cr_assert_null(e, "%s", wasmc_error_message(e));
	cr_assert_str_eq(name, "example:pkg/iface@1.2.3#[method]thing.do-it");
	cr_assert_eq(n, 3);
	cr_assert_str_eq(wasmc_cval_get_string(&args[0], NULL), "a,b)");
	cr_assert_eq(wasmc_cval_get_char(&args[1]), ',');
	cr_assert_str_eq(wasmc_cval_get_string(wasmc_cval_item(&args[2], 2), NULL), "}");
	cr_assert_eq(wasmc_cval_get_u64(wasmc_cval_item(&args[2], 0)), 3);
	wasmc_cvals_free(args, n);
	free(name);

	/* name only */
	e = wasmc_cwave_call_parse("  greet  ", NULL, &name, &args, &n);
	cr_assert_null(e);
	cr_assert_str_eq(name, "greet");
	cr_assert_null(args);
	free(name);
	e = wasmc_cwave_call_parse("\"my func\"()", NULL, &name, &args, &n);
	cr_assert_null(e);
	cr_assert_str_eq(name, "my func");
	free(name);

	/* a function without parameters: bare name or () */
	const wasmc_ctype *none = NULL;
	tb b;
	tb_init(&b);
	uint32_t f0 = tb_func(&b, 0, 1, "", CK(STRING));
	wcl_component *c = tb_build(&b);
	none = tb_type(c, f0);
	cr_assert_null(wasmc_cwave_call_parse("greet", none, &name, &args, &n));
	cr_assert_eq(n, 0);
	wasmc_cvals_free(args, n);
	free(name);
	cr_assert_null(wasmc_cwave_call_parse("greet()", none, &name, &args, &n));
	wasmc_cvals_free(args, n);
	free(name);

	e = wasmc_cwave_call_parse("greet(1)", none, &name, &args, &n);
	cr_assert_not_null(e);
	cr_assert(strstr(wasmc_error_message(e), "greet takes 0 argument(s), more given"), "%s",
	          wasmc_error_message(e));
	wasmc_error_free(e);
	wcl_component_unref(c);

	e = wasmc_cwave_call_parse("f(\"x\")", many, &name, &args, &n);
	cr_assert_not_null(e);
	cr_assert(strstr(wasmc_error_message(e), "f takes 3 argument(s), 1 given"), "%s",
	          wasmc_error_message(e));
	wasmc_error_free(e);
	e = wasmc_cwave_call_parse("f(\"x\", 'y', {a: 300})", many, &name, &args, &n);
	cr_assert_not_null(e);
	cr_assert(strstr(wasmc_error_message(e), "f: argument 3 (r): column 17: u8 out of range"),
	          "%s", wasmc_error_message(e));
	wasmc_error_free(e);
	e = wasmc_cwave_call_parse("f(\"x\"", many, &name, &args, &n);
	cr_assert_not_null(e);
	wasmc_error_free(e);
	e = wasmc_cwave_call_parse("echo({a: 1, b: 2, c: \"\", d: 1}) x", tb_type(C, F_ECHO), &name,
	                           &args, &n);
	cr_assert_not_null(e);
	cr_assert(strstr(wasmc_error_message(e), "expected the end of the call"), "%s",
	          wasmc_error_message(e));
	wasmc_error_free(e);
}

/* 100,000-byte strings and long lists print and parse back. */
Test(cwave, large_values)
{
	char *text = malloc(100000 + 3);
	text[0] = '"';
	memset(text + 1, 'z', 100000);
	text[100001] = '"';
	text[100002] = '\0';
	check(text, CK(STRING), text);
	free(text);
	size_t cap = 10000 * 8 + 3, o = 0;
	char *list = malloc(cap);
	list[o++] = '[';
	for (int i = 0; i < 10000; i++)
		o += (size_t)snprintf(list + o, cap - o, "%s%d", i ? ", " : "", i - 5000);
	list[o++] = ']';
	list[o] = '\0';
	check(list, LIST, list);
	free(list);
}
