/* wh_value.c - values as text (wh_value.h). */
#include "wh_value.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmn_float.h"

bool wh_parse_int(const char *s, int bits, uint64_t *out)
{
	bool neg = false;
	const char *p = s;
	if (*p == '-' || *p == '+') {
		neg = *p == '-';
		p++;
	}
	/* strtoull would take a second sign or leading blanks ("+-5", "- 5"). */
	if (!(*p >= '0' && *p <= '9'))
		return false;
	char *end;
	errno = 0;
	uint64_t v;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		v = strtoull(p + 2, &end, 16);
	else
		v = strtoull(p, &end, 10);
	if (errno || *end || end == p)
		return false;
	if (bits == 32) {
		if (neg ? v > 0x80000000ull : v > 0xFFFFFFFFull)
			return false;
		v &= 0xFFFFFFFFull;
	} else if (neg && v > 0x8000000000000000ull) {
		return false;
	}
	*out = neg ? (uint64_t)0 - v : v;
	if (bits == 32)
		*out &= 0xFFFFFFFFull;
	return true;
}

/* "nan", "inf" and "infinity" with an optional sign, in any case. */
static bool parse_nan_inf(const char *s, double *out)
{
	const char *p = s;
	bool neg = false;
	if (*p == '-' || *p == '+') {
		neg = *p == '-';
		p++;
	}
	if (strcasecmp(p, "nan") == 0) {
		*out = neg ? -NAN : NAN;
		return true;
	}
	if (strcasecmp(p, "inf") == 0 || strcasecmp(p, "infinity") == 0) {
		*out = neg ? -INFINITY : INFINITY;
		return true;
	}
	return false;
}

/* An f32 read directly (strtof): reading a double and then rounding it to
 * float can round twice ("1.0000000596046447753906250000000001" must be
 * 0x1.000002p+0, not 1). */
bool wh_parse_float32(const char *s, float *out)
{
	double special;
	if (parse_nan_inf(s, &special)) {
		*out = (float)special;
		return true;
	}
	char *end;
	float f = strtof(s, &end);
	if (*end || end == s)
		return false;
	*out = f;
	return true;
}

bool wh_parse_float(const char *s, double *out)
{
	if (parse_nan_inf(s, out))
		return true;
	char *end;
	errno = 0;
	double d = strtod(s, &end);
	if (*end || end == s)
		return false;
	*out = d;
	return true;
}

/* A v128 as "i32x4:a,b,c,d" (i8x16, i16x8, i32x4, i64x2, f32x4, f64x2) or
 * a 128-bit hex number "0x..." (little-endian value). */
bool wh_parse_v128(const char *s, uint8_t out[16])
{
	memset(out, 0, 16);
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		const char *h = s + 2;
		size_t n = strlen(h);
		if (n == 0 || n > 32)
			return false;
		for (size_t i = 0; i < n; i++) {
			char c = h[n - 1 - i];
			int d = c >= '0' && c <= '9' ? c - '0'
			        : c >= 'a' && c <= 'f' ? c - 'a' + 10
			        : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
			if (d < 0)
				return false;
			out[i / 2] |= (uint8_t)(d << (4 * (i % 2)));
		}
		return true;
	}
	static const struct { const char *p; int bits; bool fl; } S[] = {
		{"i8x16:", 8, false}, {"i16x8:", 16, false}, {"i32x4:", 32, false},
		{"i64x2:", 64, false}, {"f32x4:", 32, true}, {"f64x2:", 64, true},
	};
	for (size_t k = 0; k < sizeof S / sizeof S[0]; k++) {
		size_t pl = strlen(S[k].p);
		if (strncmp(s, S[k].p, pl) != 0)
			continue;
		int lanes = 128 / S[k].bits, bytes = S[k].bits / 8;
		char *copy = strdup(s + pl), *save = NULL;
		char *tok = strtok_r(copy, ",", &save);
		int i = 0;
		bool ok = true;
		for (; tok && ok; tok = strtok_r(NULL, ",", &save), i++) {
			if (i >= lanes) {
				ok = false;
				break;
			}
			uint64_t bitsv = 0;
			if (S[k].fl) {
				if (S[k].bits == 32) {
					float f = 0;
					ok = wh_parse_float32(tok, &f);
					uint32_t b;
					memcpy(&b, &f, 4);
					bitsv = b;
				} else {
					double d = 0;
					ok = wh_parse_float(tok, &d);
					memcpy(&bitsv, &d, 8);
				}
			} else {
				ok = wh_parse_int(tok, S[k].bits == 64 ? 64 : 32, &bitsv);
			}
			for (int b = 0; b < bytes; b++)
				out[i * bytes + b] = (uint8_t)(bitsv >> (8 * b));
		}
		free(copy);
		return ok && i == lanes;
	}
	return false;
}

bool wh_parse_val(const char *s, rt_valtype t, rt_val *v)
{
	uint64_t u;
	double d;
	float f;
	memset(v, 0, sizeof *v);
	switch (t.kind) {
	case RT_I32:
		if (!wh_parse_int(s, 32, &u))
			return false;
		v->i32 = (int32_t)(uint32_t)u;
		return true;
	case RT_I64:
		if (!wh_parse_int(s, 64, &u))
			return false;
		v->i64 = (int64_t)u;
		return true;
	case RT_F32:
		if (!wh_parse_float32(s, &f))
			return false;
		v->f32 = f;
		return true;
	case RT_F64:
		if (!wh_parse_float(s, &d))
			return false;
		v->f64 = d;
		return true;
	case RT_V128:
		return wh_parse_v128(s, v->v128);
	case RT_REF:
		if (strcmp(s, "null") == 0) {
			v->ref = NULL;
			return true;
		}
		return false;
	}
	return false;
}

void wh_print_val(FILE *f, rt_valtype t, rt_val v)
{
	char buf[CMN_FLOAT_TEXT_MAX];
	switch (t.kind) {
	case RT_I32:
		fprintf(f, "%" PRId32, v.i32);
		break;
	case RT_I64:
		fprintf(f, "%" PRId64, v.i64);
		break;
	case RT_F32:
		cmn_format_float(buf, sizeof buf, v.f32, true);
		fputs(buf, f);
		break;
	case RT_F64:
		cmn_format_float(buf, sizeof buf, v.f64, false);
		fputs(buf, f);
		break;
	case RT_V128:
		fputs("0x", f);
		for (int i = 15; i >= 0; i--)
			fprintf(f, "%02x", v.v128[i]);
		break;
	default:
		fputs(v.ref ? "ref" : "null", f);
		break;
	}
}
