/*
 * test_values.c - value parsing and printing of the engine tools
 * (tools/lib/wh_value.h, common/cmn_float.h): wasmtime-style results,
 * argument syntax.
 */
#include <criterion/criterion.h>
#include <math.h>

#include "cmn_float.h"
#include "wh_value.h"

static const char *fmt(double d, bool single)
{
	static char buf[CMN_FLOAT_TEXT_MAX];
	cmn_format_float(buf, sizeof buf, d, single);
	return buf;
}

Test(values, floats_shortest_round_trip)
{
	cr_assert_str_eq(fmt(0.1, false), "0.1");
	cr_assert_str_eq(fmt(1.0, false), "1");
	cr_assert_str_eq(fmt(-2.5, false), "-2.5");
	cr_assert_str_eq(fmt(1e21, false), "1000000000000000000000");
	cr_assert_str_eq(fmt(1.5e-7, false), "0.00000015");
	cr_assert_str_eq(fmt(0.0, false), "0");
	cr_assert_str_eq(fmt(-0.0, false), "-0");
	cr_assert_str_eq(fmt((double)0.1f, true), "0.1");
	cr_assert_str_eq(fmt((double)3.4028235e38f, true), "340282350000000000000000000000000000000");
	cr_assert_str_eq(fmt(NAN, false), "NaN");
	cr_assert_str_eq(fmt(INFINITY, false), "inf");
	cr_assert_str_eq(fmt(-INFINITY, true), "-inf");
	cr_assert_str_eq(fmt(123456.789, false), "123456.789");
}

Test(values, integers)
{
	uint64_t v;
	cr_assert(wh_parse_int("42", 32, &v) && v == 42);
	cr_assert(wh_parse_int("-1", 32, &v) && v == 0xFFFFFFFFu);
	cr_assert(wh_parse_int("4294967295", 32, &v) && v == 0xFFFFFFFFu);
	cr_assert_not(wh_parse_int("4294967296", 32, &v));
	cr_assert(wh_parse_int("0x10", 64, &v) && v == 16);
	cr_assert(wh_parse_int("-9223372036854775808", 64, &v) && v == 0x8000000000000000ull);
	cr_assert_not(wh_parse_int("12a", 64, &v));
	cr_assert_not(wh_parse_int("", 64, &v));
}

Test(values, typed_values)
{
	rt_val v;
	cr_assert(wh_parse_val("1.5", rt_valtype_num(RT_F32), &v) && v.f32 == 1.5f);
	cr_assert(wh_parse_val("0x1p-2", rt_valtype_num(RT_F64), &v) && v.f64 == 0.25);
	cr_assert(wh_parse_val("-inf", rt_valtype_num(RT_F64), &v) && isinf(v.f64) && v.f64 < 0);
	cr_assert(wh_parse_val("nan", rt_valtype_num(RT_F32), &v) && isnan(v.f32));
	cr_assert(wh_parse_val("i32x4:1,2,3,-1", rt_valtype_num(RT_V128), &v));
	cr_assert_eq(v.v128[0], 1);
	cr_assert_eq(v.v128[4], 2);
	cr_assert_eq(v.v128[15], 0xFF);
	cr_assert_not(wh_parse_val("i32x4:1,2,3", rt_valtype_num(RT_V128), &v));
	cr_assert(wh_parse_val("0x0102", rt_valtype_num(RT_V128), &v));
	cr_assert(v.v128[0] == 2 && v.v128[1] == 1 && v.v128[2] == 0);
	cr_assert(wh_parse_val("-5", rt_valtype_num(RT_I64), &v) && v.i64 == -5);
}
