/*
 * cmn_float.c - shortest round-trip decimal text of floats (cmn_float.h).
 */
#include "cmn_float.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

void cmn_format_float(char *buf, size_t len, double d, bool single)
{
	if (isnan(d)) {
		snprintf(buf, len, "%sNaN", signbit(d) ? "-" : "");
		return;
	}
	if (isinf(d)) {
		snprintf(buf, len, "%sinf", d < 0 ? "-" : "");
		return;
	}
	/* The shortest %.*e form that reads back the same... */
	char sci[64];
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(sci, sizeof sci, "%.*e", prec - 1, d);
		if (single ? strtof(sci, NULL) == (float)d : strtod(sci, NULL) == d)
			break;
	}
	/* ...[-]D.DDDDe[+-]XX, its digits placed positionally. */
	char digits[32];
	int nd = 0;
	const char *p = sci;
	bool neg = *p == '-';
	if (neg)
		p++;
	for (; *p && *p != 'e'; p++)
		if (*p >= '0' && *p <= '9' && nd < (int)sizeof digits)
			digits[nd++] = *p;
	int exp10 = atoi(p + 1);
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	char out[CMN_FLOAT_TEXT_MAX];
	size_t o = 0;
	if (neg)
		out[o++] = '-';
	int point = exp10 + 1; /* digits before the decimal point */
	if (point <= 0) {
		out[o++] = '0';
		out[o++] = '.';
		for (int i = 0; i < -point; i++)
			out[o++] = '0';
		for (int i = 0; i < nd; i++)
			out[o++] = digits[i];
	} else {
		for (int i = 0; i < point || i < nd; i++) {
			if (i == point)
				out[o++] = '.';
			out[o++] = i < nd ? digits[i] : '0';
		}
	}
	out[o] = '\0';
	snprintf(buf, len, "%s", out);
}
