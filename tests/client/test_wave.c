/*
 * test_wave.c - WAVE text: splitting calls, parsing values by type,
 * printing them as wasmc-run does, round trips, error messages; value
 * constructors and accessors.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include <wasmc/wasmc.h>

static wasmc_val parse_ok(const char *text, wasmc_valkind k)
{
	wasmc_val v;
	memset(&v, 0xAB, sizeof v);
	wasmc_error *e = wasmc_wave_parse_val(text, k, &v);
	cr_assert_null(e, "parsing \"%s\" as %s: %s", text, wasmc_valkind_name(k),
	               wasmc_error_message(e));
	cr_assert_eq(v.kind, k);
	return v;
}

/* Parsing fails with a syntax error whose message contains `want`. */
static void parse_bad(const char *text, wasmc_valkind k, const char *want)
{
	wasmc_val v = wasmc_val_i32(77);
	wasmc_error *e = wasmc_wave_parse_val(text, k, &v);
	cr_assert_not_null(e, "\"%s\" as %s should not parse", text, wasmc_valkind_name(k));
	cr_assert_eq(wasmc_error_outcome(e), WASMC_ERROR);
	cr_assert_eq(wasmc_error_code(e), WASMC_ERR_SYNTAX);
	cr_assert(strstr(wasmc_error_message(e), want) != NULL,
	          "message \"%s\" lacks \"%s\"", wasmc_error_message(e), want);
	cr_assert_eq(v.of.i32, 77, "output written on failure");
	wasmc_error_free(e);
}

static const char *fmt(const wasmc_val *v)
{
	static char buf[WASMC_WAVE_VAL_MAX];
	size_t n = wasmc_wave_format_val(v, buf, sizeof buf);
	cr_assert_eq(n, strlen(buf));
	return buf;
}

Test(wave, integers)
{
	cr_assert_eq(parse_ok("42", WASMC_I32).of.i32, 42);
	cr_assert_eq(parse_ok("-2147483648", WASMC_I32).of.i32, INT32_MIN);
	cr_assert_eq(parse_ok("4294967295", WASMC_I32).of.i32, -1);
	cr_assert_eq(parse_ok("0xFFFFFFFF", WASMC_I32).of.i32, -1);
	cr_assert_eq(parse_ok("-0x10", WASMC_I32).of.i32, -16);
	cr_assert_eq(parse_ok("  7  ", WASMC_I32).of.i32, 7);
	cr_assert_eq(parse_ok("+7", WASMC_I32).of.i32, 7);
	cr_assert_eq(parse_ok("-9223372036854775808", WASMC_I64).of.i64, INT64_MIN);
	cr_assert_eq(parse_ok("18446744073709551615", WASMC_I64).of.i64, -1);
	cr_assert_eq(parse_ok("0x7fffffffffffffff", WASMC_I64).of.i64, INT64_MAX);
}

Test(wave, integer_errors)
{
	parse_bad("4294967296", WASMC_I32, "i32 out of range: 4294967296");
	parse_bad("-2147483649", WASMC_I32, "out of range");
	parse_bad("18446744073709551616", WASMC_I64, "i64 out of range");
	parse_bad("x", WASMC_I32, "expected an i32, got \"x\"");
	parse_bad("1.5", WASMC_I32, "expected an i32");
	parse_bad("", WASMC_I64, "expected an i64");
	parse_bad("--1", WASMC_I32, "expected an i32");
	parse_bad("0x", WASMC_I32, "expected an i32");
	parse_bad("12abc", WASMC_I64, "expected an i64");
}

Test(wave, floats)
{
	cr_assert_eq(parse_ok("1.5", WASMC_F32).of.f32, 1.5f);
	cr_assert_eq(parse_ok("-2e3", WASMC_F64).of.f64, -2000.0);
	cr_assert_eq(parse_ok("0x1.8p3", WASMC_F64).of.f64, 12.0);
	cr_assert_eq(parse_ok(".5", WASMC_F64).of.f64, 0.5);
	cr_assert(isinf(parse_ok("inf", WASMC_F32).of.f32));
	cr_assert(parse_ok("-Infinity", WASMC_F64).of.f64 < 0);
	cr_assert(isnan(parse_ok("nan", WASMC_F64).of.f64));
	cr_assert(isnan(parse_ok("NaN", WASMC_F32).of.f32));
	wasmc_val v = parse_ok("-0", WASMC_F64);
	cr_assert(v.of.f64 == 0 && signbit(v.of.f64));
	/* f32 is read directly, not through a double (no double rounding). */
	v = parse_ok("1.0000000596046447753906250000000001", WASMC_F32);
	cr_assert_eq(wasmc_val_get_f32_bits(&v), 0x3f800001u);
	/* NaN payloads. */
	v = parse_ok("nan:0x200000", WASMC_F32);
	cr_assert_eq(wasmc_val_get_f32_bits(&v), 0x7fa00000u);
	v = parse_ok("-nan:0x1", WASMC_F64);
	cr_assert_eq(wasmc_val_get_f64_bits(&v), 0xfff0000000000001ull);
}

Test(wave, float_errors)
{
	parse_bad("1e39", WASMC_F32, "f32 out of range");
	parse_bad("1e400", WASMC_F64, "f64 out of range");
	parse_bad("abc", WASMC_F64, "expected an f64, got \"abc\"");
	parse_bad("nan(123)", WASMC_F64, "expected an f64");
	parse_bad("nan:0x0", WASMC_F32, "bad NaN payload in \"nan:0x0\" (1 to 0x7fffff for f32)");
	parse_bad("nan:0x800000", WASMC_F32, "bad NaN payload");
	parse_bad("nan:0x10000000000000", WASMC_F64, "(1 to 0xfffffffffffff for f64)");
	parse_bad("1.5x", WASMC_F32, "expected an f32");
}

Test(wave, float_printing_matches_wasmc_run)
{
	struct { double d; bool single; const char *text; } cases[] = {
		{1.5, false, "1.5"},
		{0.1, false, "0.1"},
		{0.1f, true, "0.1"},
		{1e21, false, "1000000000000000000000"},
		{1e-7, false, "0.0000001"},
		{-0.0, false, "-0"},
		{123456789.0, true, "123456790"},
		{3.4028234663852886e38, true, "340282350000000000000000000000000000000"},
		{INFINITY, false, "inf"},
		{-INFINITY, true, "-inf"},
		{NAN, false, "NaN"},
		{-NAN, true, "-NaN"},
		{5e-324, false, "0.000000000000000000000000000000000000000000000000000000000000"
		               "000000000000000000000000000000000000000000000000000000000000"
		               "000000000000000000000000000000000000000000000000000000000000"
		               "000000000000000000000000000000000000000000000000000000000000"
		               "000000000000000000000000000000000000000000000000000000000000"
		               "000000000000000000000005"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		wasmc_val v = cases[i].single ? wasmc_val_f32((float)cases[i].d)
		                              : wasmc_val_f64(cases[i].d);
		cr_assert_str_eq(fmt(&v), cases[i].text, "case %zu", i);
	}
}

Test(wave, other_printing)
{
	wasmc_val v = wasmc_val_i32(-5);
	cr_assert_str_eq(fmt(&v), "-5");
	v = wasmc_val_i32((int32_t)0x80000000u);
	cr_assert_str_eq(fmt(&v), "-2147483648");
	v = wasmc_val_i64(INT64_MIN);
	cr_assert_str_eq(fmt(&v), "-9223372036854775808");
	uint8_t b[16];
	for (int i = 0; i < 16; i++)
		b[i] = (uint8_t)i;
	v = wasmc_val_v128(b);
	cr_assert_str_eq(fmt(&v), "0x0f0e0d0c0b0a09080706050403020100");
	v = wasmc_val_funcref_null();
	cr_assert_str_eq(fmt(&v), "null");
	v = wasmc_val_externref(9);
	cr_assert_str_eq(fmt(&v), "ref");
	/* Truncation like snprintf. */
	char small[4];
	v = wasmc_val_i32(123456);
	cr_assert_eq(wasmc_wave_format_val(&v, small, sizeof small), 6);
	cr_assert_str_eq(small, "123");
	cr_assert_eq(wasmc_wave_format_val(&v, NULL, 0), 6);
}

Test(wave, round_trips)
{
	wasmc_val vals[] = {
		wasmc_val_i32(0), wasmc_val_i32(INT32_MIN), wasmc_val_i32(INT32_MAX),
		wasmc_val_i64(INT64_MIN), wasmc_val_i64(INT64_MAX), wasmc_val_i64(-1),
		wasmc_val_f32(0.1f), wasmc_val_f32(-3.4028235e38f), wasmc_val_f32(1.4e-45f),
		wasmc_val_f32(-0.0f), wasmc_val_f64(0.1), wasmc_val_f64(5e-324),
		wasmc_val_f64(1.7976931348623157e308), wasmc_val_f64(-INFINITY),
		wasmc_val_f64(123.456), wasmc_val_funcref_null(), wasmc_val_externref_null(),
	};
	for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
		char text[WASMC_WAVE_VAL_MAX];
		wasmc_wave_format_val(&vals[i], text, sizeof text);
		wasmc_val back = parse_ok(text, vals[i].kind);
		switch (vals[i].kind) {
		case WASMC_F32:
			cr_assert_eq(wasmc_val_get_f32_bits(&back), wasmc_val_get_f32_bits(&vals[i]),
			             "f32 %s", text);
			break;
		case WASMC_F64:
			cr_assert_eq(wasmc_val_get_f64_bits(&back), wasmc_val_get_f64_bits(&vals[i]),
			             "f64 %s", text);
			break;
		case WASMC_FUNCREF:
		case WASMC_EXTERNREF:
			cr_assert(wasmc_val_is_null(&back));
			break;
		default:
			if (vals[i].kind == WASMC_I32)
				cr_assert_eq(back.of.i32, vals[i].of.i32, "%s", text);
			else
				cr_assert_eq(back.of.i64, vals[i].of.i64, "%s", text);
		}
	}
	/* NaN prints as NaN and reads back as a NaN of the same sign. */
	wasmc_val n = wasmc_val_f32_bits(0xffc00001u);
	char text[WASMC_WAVE_VAL_MAX];
	wasmc_wave_format_val(&n, text, sizeof text);
	cr_assert_str_eq(text, "-NaN");
	wasmc_val back = parse_ok(text, WASMC_F32);
	cr_assert(isnan(back.of.f32) && signbit(back.of.f32));
}

Test(wave, v128)
{
	wasmc_val v = parse_ok("i32x4(1, 2, 3, -1)", WASMC_V128);
	cr_assert_str_eq(fmt(&v), "0xffffffff000000030000000200000001");
	wasmc_val back = parse_ok(fmt(&v), WASMC_V128);
	cr_assert_arr_eq(back.of.v128, v.of.v128, 16);
	v = parse_ok("i8x16:1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,255", WASMC_V128);
	cr_assert_eq(v.of.v128[0], 1);
	cr_assert_eq(v.of.v128[15], 255);
	v = parse_ok("f64x2(1.5, -0)", WASMC_V128);
	cr_assert_str_eq(fmt(&v), "0x80000000000000003ff8000000000000");
	v = parse_ok("i64x2(-1, 0x10)", WASMC_V128);
	cr_assert_eq(v.of.v128[8], 0x10);
	cr_assert_eq(v.of.v128[0], 0xff);
	v = parse_ok("0x1", WASMC_V128);
	cr_assert_eq(v.of.v128[0], 1);
	cr_assert_eq(v.of.v128[1], 0);
	parse_bad("i32x4(1, 2, 3)", WASMC_V128, "i32x4 takes 4 lanes, 3 given");
	parse_bad("i32x4(1, 2, 3, 4, 5)", WASMC_V128, "i32x4 takes 4 lanes, more given");
	parse_bad("i8x16(256,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0)", WASMC_V128, "lane 1 out of range");
	parse_bad("0x" "123456789012345678901234567890123", WASMC_V128, "1 to 32 digits");
	parse_bad("0xg", WASMC_V128, "bad hex digit");
	parse_bad("7", WASMC_V128, "expected a v128");
	parse_bad("f32x4(1, 2, x, 4)", WASMC_V128, "f32x4 lane 3: expected a number");
}

Test(wave, references)
{
	wasmc_val v = parse_ok("null", WASMC_FUNCREF);
	cr_assert(wasmc_val_is_null(&v));
	v = parse_ok("ref(42)", WASMC_EXTERNREF);
	cr_assert(!wasmc_val_is_null(&v));
	cr_assert_eq(v.of.ref.token, 42);
	parse_bad("ref(1)", WASMC_FUNCREF, "expected a funcref (null)");
	parse_bad("ref(-1)", WASMC_EXTERNREF, "expected an externref");
	parse_bad("0", WASMC_EXTERNREF, "expected an externref (null or ref(N))");
}

static wasmc_wave_call *call_ok(const char *text)
{
	wasmc_wave_call *c = NULL;
	wasmc_error *e = wasmc_wave_call_parse(text, &c);
	cr_assert_null(e, "\"%s\": %s", text, wasmc_error_message(e));
	return c;
}

static void call_bad(const char *text, const char *want)
{
	wasmc_wave_call *c = (wasmc_wave_call *)0x1;
	wasmc_error *e = wasmc_wave_call_parse(text, &c);
	cr_assert_not_null(e, "\"%s\" should not parse", text);
	cr_assert_eq(wasmc_error_code(e), WASMC_ERR_SYNTAX);
	cr_assert(strstr(wasmc_error_message(e), want),
	          "message \"%s\" lacks \"%s\"", wasmc_error_message(e), want);
	cr_assert_eq(c, (wasmc_wave_call *)0x1, "output written on failure");
	wasmc_error_free(e);
}

Test(wave, calls)
{
	wasmc_wave_call *c = call_ok("add(1, 2)");
	cr_assert_str_eq(c->name, "add");
	cr_assert_eq(c->nargs, 2);
	cr_assert_str_eq(c->args[0], "1");
	cr_assert_str_eq(c->args[1], "2");
	wasmc_wave_call_free(c);

	c = call_ok("  run  ");
	cr_assert_str_eq(c->name, "run");
	cr_assert_eq(c->nargs, 0);
	wasmc_wave_call_free(c);

	c = call_ok("f()");
	cr_assert_eq(c->nargs, 0);
	wasmc_wave_call_free(c);

	c = call_ok("mix( i32x4(1, 2, 3, 4) , -0x5,nan )");
	cr_assert_eq(c->nargs, 3);
	cr_assert_str_eq(c->args[0], "i32x4(1, 2, 3, 4)");
	cr_assert_str_eq(c->args[1], "-0x5");
	cr_assert_str_eq(c->args[2], "nan");
	wasmc_wave_call_free(c);

	c = call_ok("\"my func\\u{e9}\\\"\"(1)");
	cr_assert_str_eq(c->name, "my func\xc3\xa9\"");
	cr_assert_eq(c->nargs, 1);
	wasmc_wave_call_free(c);

	c = call_ok("kebab-name.x(1)");
	cr_assert_str_eq(c->name, "kebab-name.x");
	wasmc_wave_call_free(c);
}

Test(wave, call_errors)
{
	call_bad("add(1, 2", "expected ')' at end of input");
	call_bad("add(1,)", "missing argument at column 7");
	call_bad("add(,1)", "missing argument at column 5");
	call_bad("add(1) x", "unexpected text after ')' at column 8");
	call_bad("(1)", "expected an export name at column 1");
	call_bad("", "expected an export name");
	call_bad("add 1", "expected '(' after the export name at column 5");
	call_bad("\"abc(1)", "unterminated string");
	call_bad("\"a\\qb\"()", "bad escape in string at column 3");
	call_bad("\"\\u{d800}\"()", "bad escape");
	call_bad("f(i32x4(1, 2)", "expected ')'");
	call_bad("f(1])", "unbalanced ']'");
}

Test(wave, args_by_type)
{
	wasmc_valkind params[] = {WASMC_I32, WASMC_F64, WASMC_V128};
	wasmc_functype ft = {3, params, 0, NULL};
	wasmc_wave_call *c = call_ok("f(-1, 2.5, 0xff)");
	wasmc_val args[3];
	wasmc_error *e = wasmc_wave_parse_args(c, &ft, args);
	cr_assert_null(e, "%s", wasmc_error_message(e));
	cr_assert_eq(args[0].kind, WASMC_I32);
	cr_assert_eq(args[0].of.i32, -1);
	cr_assert_eq(args[1].of.f64, 2.5);
	cr_assert_eq(args[2].of.v128[0], 0xff);
	wasmc_wave_call_free(c);

	c = call_ok("f(1, x, 0)");
	e = wasmc_wave_parse_args(c, &ft, args);
	cr_assert_not_null(e);
	cr_assert_str_eq(wasmc_error_message(e), "f: argument 2: expected an f64, got \"x\"");
	wasmc_error_free(e);
	wasmc_wave_call_free(c);

	c = call_ok("f(1)");
	e = wasmc_wave_parse_args(c, &ft, args);
	cr_assert_not_null(e);
	cr_assert_str_eq(wasmc_error_message(e), "f takes 3 arguments, 1 given");
	wasmc_error_free(e);
	wasmc_wave_call_free(c);
}

Test(values, constructors_and_accessors)
{
	wasmc_val v = wasmc_val_i32(-3);
	cr_assert_eq(v.kind, WASMC_I32);
	cr_assert_eq(wasmc_val_get_i32(&v), -3);
	cr_assert_eq(wasmc_val_get_i64(&v), 0, "wrong kind reads 0");
	v = wasmc_val_i64(INT64_MAX);
	cr_assert_eq(wasmc_val_get_i64(&v), INT64_MAX);
	v = wasmc_val_f32(2.5f);
	cr_assert_eq(wasmc_val_get_f32(&v), 2.5f);
	cr_assert_eq(wasmc_val_get_f32_bits(&v), 0x40200000u);
	cr_assert_eq(wasmc_val_get_f64(&v), 0.0);
	v = wasmc_val_f64_bits(0x7ff0000000000001ull); /* signalling NaN kept */
	cr_assert_eq(wasmc_val_get_f64_bits(&v), 0x7ff0000000000001ull);
	v = wasmc_val_f32_bits(0x7f800001u);
	cr_assert_eq(wasmc_val_get_f32_bits(&v), 0x7f800001u);
	uint8_t b[16], out[16];
	memset(b, 0x5a, sizeof b);
	v = wasmc_val_v128(b);
	wasmc_val_get_v128(&v, out);
	cr_assert_arr_eq(out, b, 16);
	v = wasmc_val_i32(1);
	wasmc_val_get_v128(&v, out);
	cr_assert_eq(out[0], 0);
	v = wasmc_val_externref(7);
	cr_assert(!wasmc_val_is_null(&v));
	cr_assert_eq(v.of.ref.token, 7);
	v = wasmc_val_externref_null();
	cr_assert(wasmc_val_is_null(&v));
	cr_assert_eq(v.kind, WASMC_EXTERNREF);
	v = wasmc_val_funcref_null();
	cr_assert(wasmc_val_is_null(&v));
	cr_assert_eq(v.kind, WASMC_FUNCREF);
	cr_assert_str_eq(wasmc_valkind_name(WASMC_V128), "v128");
	cr_assert_str_eq(wasmc_valkind_name((wasmc_valkind)99), "other");
	cr_assert_str_eq(wasmc_externkind_name(WASMC_EXTERN_MEMORY), "memory");
}

Test(values, digests)
{
	uint8_t d[32], back[32];
	char hex[65];
	wasmc_digest_compute((const uint8_t *)"abc", 3, d);
	wasmc_digest_format(d, hex);
	cr_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	cr_assert(wasmc_digest_parse(hex, back));
	cr_assert_arr_eq(back, d, 32);
	cr_assert(wasmc_digest_parse("sha256:BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD", back));
	cr_assert_arr_eq(back, d, 32);
	cr_assert(!wasmc_digest_parse("ba78", back));
	cr_assert(!wasmc_digest_parse("zz7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", back));
	uint8_t id[16];
	cr_assert(wasmc_instance_id_parse("00112233445566778899aabbccddeeff", id));
	cr_assert_eq(id[15], 0xff);
	cr_assert(!wasmc_instance_id_parse("0011", id));
}

Test(errors, names_and_null)
{
	cr_assert_eq(wasmc_error_outcome(NULL), WASMC_OK);
	cr_assert_str_eq(wasmc_error_message(NULL), "");
	cr_assert_str_eq(wasmc_errcode_name(WASMC_ERR_UNREACHABLE), "daemon unreachable");
	cr_assert_str_eq(wasmc_trapcode_name(WASMC_TRAP_OUT_OF_FUEL), "out of fuel");
	cr_assert_str_eq(wasmc_errcode_name((wasmc_errcode)999), "unknown");
	wasmc_error_free(NULL);
}
