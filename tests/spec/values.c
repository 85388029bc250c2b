/* values.c - the script's values (values.h). */
#include "values.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A number of the script: an unsigned decimal string (wast2json's shape)
 * of at most `bits` bits. false when it is anything else: the script is
 * wrong, and the command fails saying so. */
static bool num(json_t *v, int bits, uint64_t *ret)
{
	const char *s = json_string_value(v);
	if (!s || !(*s >= '0' && *s <= '9'))
		return false;
	char *end;
	errno = 0;
	unsigned long long u = strtoull(s, &end, 10);
	if (errno || *end || (bits < 64 && u >> bits))
		return false;
	*ret = u;
	return true;
}

static bool lane_info(const char *lt, int *bits)
{
	if (!lt)
		return false;
	*bits = strcmp(lt, "i8") == 0 ? 8 : strcmp(lt, "i16") == 0 ? 16
	      : strcmp(lt, "i32") == 0 || strcmp(lt, "f32") == 0 ? 32
	      : strcmp(lt, "i64") == 0 || strcmp(lt, "f64") == 0 ? 64 : 0;
	return *bits != 0;
}

static int num_bits(const char *type)
{
	return strcmp(type, "i32") == 0 || strcmp(type, "f32") == 0 ? 32
	       : strcmp(type, "i64") == 0 || strcmp(type, "f64") == 0 ? 64 : 0;
}

bool value_from_json(json_t *j, rt_val *out, char *why, size_t whylen)
{
	const char *type = json_string_value(json_object_get(j, "type"));
	json_t *value = json_object_get(j, "value");
	const char *vs = json_string_value(value);
	uint64_t u;
	memset(out, 0, sizeof *out);
	if (!type) {
		snprintf(why, whylen, "script error: argument without type");
		return false;
	}
	int bits = num_bits(type);
	if (bits) {
		if (!num(value, bits, &u)) {
			snprintf(why, whylen, "script error: %s argument \"%s\" is not a number",
			         type, vs ? vs : "?");
			return false;
		}
		if (bits == 32)
			out->i32 = (int32_t)(uint32_t)u;
		else
			out->i64 = (int64_t)u;
		return true;
	}
	if (strcmp(type, "v128") == 0) {
		if (!lane_info(json_string_value(json_object_get(j, "lane_type")), &bits) ||
		    json_array_size(value) != (size_t)(128 / bits)) {
			snprintf(why, whylen, "script error: bad v128 argument");
			return false;
		}
		for (int i = 0; i < 128 / bits; i++) {
			if (!num(json_array_get(value, (size_t)i), bits, &u)) {
				snprintf(why, whylen, "script error: v128 argument lane %d is not a number", i);
				return false;
			}
			for (int b = 0; b < bits / 8; b++)
				out->v128[i * bits / 8 + b] = (uint8_t)(u >> (8 * b));
		}
		return true;
	}
	if (vs && strcmp(vs, "null") == 0) {
		out->ref = NULL;
		return true;
	}
	if (strcmp(type, "externref") == 0 && vs) {
		/* (ref.extern N): a non-null opaque host reference */
		if (!num(value, 63, &u)) {
			snprintf(why, whylen, "script error: externref argument \"%s\"", vs);
			return false;
		}
		out->ref = (void *)(uintptr_t)(u + 1);
		return true;
	}
	snprintf(why, whylen, "unsupported argument type %s", type);
	return false;
}

static bool nan_ok(uint64_t bits, int width, const char *pat)
{
	if (width == 32) {
		uint32_t b = (uint32_t)bits;
		if (strcmp(pat, "nan:canonical") == 0)
			return (b & 0x7FFFFFFFu) == 0x7FC00000u;
		return (b & 0x7FC00000u) == 0x7FC00000u;
	}
	if (strcmp(pat, "nan:canonical") == 0)
		return (bits & 0x7FFFFFFFFFFFFFFFull) == 0x7FF8000000000000ull;
	return (bits & 0x7FF8000000000000ull) == 0x7FF8000000000000ull;
}

static bool is_nan_pattern(const char *s)
{
	return s && (strcmp(s, "nan:canonical") == 0 || strcmp(s, "nan:arithmetic") == 0);
}

void value_describe(char *buf, size_t len, const char *type, rt_val v)
{
	if (strcmp(type, "i32") == 0 || strcmp(type, "f32") == 0)
		snprintf(buf, len, "%s:%u", type, (uint32_t)v.i32);
	else if (strcmp(type, "i64") == 0 || strcmp(type, "f64") == 0)
		snprintf(buf, len, "%s:%llu", type, (unsigned long long)v.i64);
	else if (strcmp(type, "v128") == 0) {
		size_t o = (size_t)snprintf(buf, len, "v128:");
		for (int i = 15; i >= 0 && o + 3 < len; i--)
			o += (size_t)snprintf(buf + o, len - o, "%02x", v.v128[i]);
	} else
		snprintf(buf, len, "%s:%p", type, v.ref);
}

/* Reference result types of the script (wast-split.mjs): without a value
 * any non-null reference of the type, with "null" a null one. */
static const char *const REF_TYPES[] = {
	"funcref", "externref", "anyref", "eqref", "i31ref", "structref", "arrayref",
	"exnref", "contref", "i31refshared",
};
/* The bottom types: every value of them is null. */
static const char *const NULL_REF_TYPES[] = {
	"refnull", "nullref", "nullfuncref", "nullexternref", "nullexnref", "nullcontref",
};

static bool in_list(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return true;
	return false;
}

rcheck value_check(json_t *e, rt_val got, char *why, size_t whylen)
{
	const char *type = json_string_value(json_object_get(e, "type"));
	json_t *value = json_object_get(e, "value");
	const char *vs = json_string_value(value);
	uint64_t u;
	if (!type) {
		snprintf(why, whylen, "script error: expected value without type");
		return R_SCRIPT_ERROR;
	}
	if (strcmp(type, "either") == 0) {
		size_t i;
		json_t *alt;
		rcheck r = R_MISMATCH;
		json_array_foreach(json_object_get(e, "values"), i, alt)
		{
			rcheck a = value_check(alt, got, why, whylen);
			if (a == R_MATCH)
				return R_MATCH;
			if (a == R_SCRIPT_ERROR)
				r = R_SCRIPT_ERROR;
		}
		return r;
	}
	int bits = num_bits(type);
	if (bits) {
		uint64_t g = bits == 32 ? (uint32_t)got.i32 : (uint64_t)got.i64;
		if (type[0] == 'f' && is_nan_pattern(vs))
			return nan_ok(g, bits, vs) ? R_MATCH : R_MISMATCH;
		if (!num(value, bits, &u)) {
			snprintf(why, whylen, "script error: expected %s \"%s\" is not a number", type,
			         vs ? vs : "?");
			return R_SCRIPT_ERROR;
		}
		return g == u ? R_MATCH : R_MISMATCH;
	}
	if (strcmp(type, "v128") == 0) {
		const char *lt = json_string_value(json_object_get(e, "lane_type"));
		if (!lane_info(lt, &bits) || json_array_size(value) != (size_t)(128 / bits)) {
			snprintf(why, whylen, "script error: bad expected v128");
			return R_SCRIPT_ERROR;
		}
		rcheck r = R_MATCH;
		for (int i = 0; i < 128 / bits; i++) {
			uint64_t lane = 0;
			for (int b = 0; b < bits / 8; b++)
				lane |= (uint64_t)got.v128[i * bits / 8 + b] << (8 * b);
			json_t *lv = json_array_get(value, (size_t)i);
			const char *ls = json_string_value(lv);
			if (lt[0] == 'f' && is_nan_pattern(ls)) {
				if (!nan_ok(lane, bits, ls))
					r = R_MISMATCH;
			} else if (!num(lv, bits, &u)) {
				snprintf(why, whylen, "script error: expected v128 lane %d \"%s\"", i,
				         ls ? ls : "?");
				return R_SCRIPT_ERROR;
			} else if (lane != u) {
				r = R_MISMATCH;
			}
		}
		return r;
	}
	/* References. */
	bool bottom = in_list(type, NULL_REF_TYPES, sizeof NULL_REF_TYPES / sizeof NULL_REF_TYPES[0]);
	if (!bottom && !in_list(type, REF_TYPES, sizeof REF_TYPES / sizeof REF_TYPES[0])) {
		snprintf(why, whylen, "script error: unknown result type %s", type);
		return R_SCRIPT_ERROR;
	}
	if (bottom || (vs && strcmp(vs, "null") == 0))
		return got.ref == NULL ? R_MATCH : R_MISMATCH;
	if (!value) /* (ref.func), (ref.extern), ...: any non-null */
		return got.ref != NULL ? R_MATCH : R_MISMATCH;
	if (strcmp(type, "externref") == 0) {
		if (!num(value, 63, &u)) {
			snprintf(why, whylen, "script error: expected externref \"%s\"", vs ? vs : "?");
			return R_SCRIPT_ERROR;
		}
		return got.ref == (void *)(uintptr_t)(u + 1) ? R_MATCH : R_MISMATCH;
	}
	/* (ref.host N), (ref.func N): no way to compare here. */
	snprintf(why, whylen, "cannot check an expected %s with value \"%s\"", type, vs ? vs : "?");
	return R_SCRIPT_ERROR;
}
