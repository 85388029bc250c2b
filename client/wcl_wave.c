/*
 * wcl_wave.c - WAVE-style text for core values: splitting 'name(a, b)',
 * parsing each value by its type, printing values as wasmc-run does.
 * The syntax is documented in include/wasmc/wave.h.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <wasmc/wave.h>

#include "cmn_float.h"
#include "pb_util.h"
#include "wcl_error.h"
#include "wcl_text.h"

/* ---- splitting a call ---- */

static const char *skip_blanks(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

static size_t column(const char *text, const char *p)
{
	return (size_t)(p - text) + 1;
}

/* A "quoted string" starting at *pp (the opening quote). */
static wasmc_error *parse_quoted(const char *text, const char **pp, char **ret)
{
	const char *p = *pp + 1;
	char *out = malloc(4 * strlen(p) + 1);
	size_t o = 0;
	if (out == NULL)
		return wcl_error(WASMC_ERR_NO_MEMORY, "out of memory");
	for (;;) {
		unsigned char c = (unsigned char)*p;
		if (c == '\0') {
			free(out);
			return wcl_error(WASMC_ERR_SYNTAX,
			                 "unterminated string starting at column %zu",
			                 column(text, *pp));
		}
		if (c == '"') {
			p++;
			break;
		}
		if (c != '\\') {
			out[o++] = (char)c;
			p++;
			continue;
		}
		const char *esc = p;
		p++;
		switch (*p) {
		case '"': out[o++] = '"'; p++; break;
		case '\'': out[o++] = '\''; p++; break;
		case '\\': out[o++] = '\\'; p++; break;
		case 'n': out[o++] = '\n'; p++; break;
		case 't': out[o++] = '\t'; p++; break;
		case 'r': out[o++] = '\r'; p++; break;
		case 'u': {
			uint32_t cp = 0;
			int nd = 0;
			if (p[1] != '{')
				goto bad_escape;
			p += 2;
			while (wcl_hexval(*p) >= 0 && nd < 6) {
				cp = cp << 4 | (uint32_t)wcl_hexval(*p);
				p++;
				nd++;
			}
			if (*p != '}' || nd == 0 || cp > 0x10FFFF ||
			    (cp >= 0xD800 && cp <= 0xDFFF))
				goto bad_escape;
			p++;
			o += wcl_utf8_put(out + o, cp);
			break;
		}
		default:
		bad_escape:
			free(out);
			return wcl_error(WASMC_ERR_SYNTAX, "bad escape in string at column %zu",
			                 column(text, esc));
		}
	}
	out[o] = '\0';
	if (!pb_utf8_valid(out, o)) {
		free(out);
		return wcl_error(WASMC_ERR_SYNTAX, "string at column %zu is not valid UTF-8",
		                 column(text, *pp));
	}
	*pp = p;
	*ret = out;
	return NULL;
}

static char *dup_trimmed(const char *start, const char *end)
{
	while (start < end && (*start == ' ' || *start == '\t' || *start == '\n' || *start == '\r'))
		start++;
	while (end > start && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' ||
	                       end[-1] == '\r'))
		end--;
	return strndup(start, (size_t)(end - start));
}

void wasmc_wave_call_free(wasmc_wave_call *call)
{
	if (call == NULL)
		return;
	for (size_t i = 0; i < call->nargs; i++)
		free(call->args[i]);
	free(call->args);
	free(call->name);
	free(call);
}

/* One argument's extent: up to a ',' or ')' outside brackets and quotes. */
static wasmc_error *scan_arg(const char *text, const char **pp)
{
	const char *p = *pp;
	int depth = 0;
	for (;;) {
		char c = *p;
		if (c == '\0')
			return wcl_error(WASMC_ERR_SYNTAX, "expected ')' at end of input (column %zu)",
			                 column(text, p));
		if (c == '"') {
			const char *q = p + 1;
			while (*q && *q != '"')
				q += (*q == '\\' && q[1]) ? 2 : 1;
			if (*q != '"')
				return wcl_error(WASMC_ERR_SYNTAX,
				                 "unterminated string starting at column %zu",
				                 column(text, p));
			p = q + 1;
			continue;
		}
		if (c == '(' || c == '[')
			depth++;
		else if ((c == ')' || c == ']') && depth > 0)
			depth--;
		else if (c == ']')
			return wcl_error(WASMC_ERR_SYNTAX, "unbalanced ']' at column %zu",
			                 column(text, p));
		else if ((c == ',' || c == ')') && depth == 0)
			break;
		p++;
	}
	*pp = p;
	return NULL;
}

wasmc_error *wasmc_wave_call_parse(const char *text, wasmc_wave_call **ret_call)
{
	wasmc_error *e = NULL;
	if (text == NULL || ret_call == NULL)
		return wcl_error(WASMC_ERR_BAD_ARGUMENT, "wasmc_wave_call_parse: NULL argument");
	wasmc_wave_call *call = calloc(1, sizeof *call);
	if (call == NULL)
		return wcl_error(WASMC_ERR_NO_MEMORY, "out of memory");
	const char *p = skip_blanks(text);
	if (*p == '"') {
		e = parse_quoted(text, &p, &call->name);
		if (e)
			goto fail;
	} else {
		const char *start = p;
		while (*p && *p != '(' && *p != ')' && *p != ' ' && *p != '\t' &&
		       *p != '\n' && *p != '\r' && *p != ',')
			p++;
		if (p == start) {
			e = wcl_error(WASMC_ERR_SYNTAX,
			              *p ? "expected an export name at column %zu, got '%c'"
			                 : "expected an export name at column %zu%c",
			              column(text, p), *p ? *p : ' ');
			goto fail;
		}
		call->name = strndup(start, (size_t)(p - start));
		if (call->name == NULL)
			goto oom;
		if (!pb_utf8_valid(call->name, strlen(call->name))) {
			e = wcl_error(WASMC_ERR_SYNTAX, "the export name is not valid UTF-8");
			goto fail;
		}
	}
	p = skip_blanks(p);
	if (*p == '\0')
		goto done;
	if (*p != '(') {
		e = wcl_error(WASMC_ERR_SYNTAX,
		              "expected '(' after the export name at column %zu, got '%c'",
		              column(text, p), *p);
		goto fail;
	}
	p = skip_blanks(p + 1);
	if (*p == ')') {
		p++;
	} else {
		size_t cap = 0;
		for (;;) {
			const char *start = p;
			e = scan_arg(text, &p);
			if (e)
				goto fail;
			char *arg = dup_trimmed(start, p);
			if (arg == NULL)
				goto oom;
			if (arg[0] == '\0') {
				free(arg);
				e = wcl_error(WASMC_ERR_SYNTAX, "missing argument at column %zu",
				              column(text, start));
				goto fail;
			}
			if (call->nargs == cap) {
				cap = cap ? 2 * cap : 4;
				char **a = realloc(call->args, cap * sizeof *a);
				if (a == NULL) {
					free(arg);
					goto oom;
				}
				call->args = a;
			}
			call->args[call->nargs++] = arg;
			if (*p++ == ')')
				break;
			p = skip_blanks(p);
		}
	}
	p = skip_blanks(p);
	if (*p) {
		e = wcl_error(WASMC_ERR_SYNTAX, "unexpected text after ')' at column %zu",
		              column(text, p));
		goto fail;
	}
done:
	*ret_call = call;
	return NULL;
oom:
	e = wcl_error(WASMC_ERR_NO_MEMORY, "out of memory");
fail:
	wasmc_wave_call_free(call);
	return e;
}

/* ---- values ---- */

/* Integer of `bits` (8, 16, 32, 64): sign, decimal or 0x hex. Accepts the
 * signed and the unsigned range. 1 ok, 0 syntax, -1 out of range. */
static int parse_int(const char *s, int bits, uint64_t *out)
{
	bool neg = false;
	const char *p = s;
	if (*p == '-' || *p == '+') {
		neg = *p == '-';
		p++;
	}
	if (!(*p >= '0' && *p <= '9'))
		return 0;
	int base = 10;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
		if (wcl_hexval(*p) < 0)
			return 0;
	}
	char *end;
	errno = 0;
	uint64_t v = strtoull(p, &end, base);
	if (*end)
		return 0;
	if (errno == ERANGE)
		return -1;
	uint64_t umax = bits == 64 ? UINT64_MAX : ((uint64_t)1 << bits) - 1;
	uint64_t nmax = (uint64_t)1 << (bits - 1);
	if (neg ? v > nmax : v > umax)
		return -1;
	v = neg ? (uint64_t)0 - v : v;
	*out = bits == 64 ? v : v & umax;
	return 1;
}

static bool ci_eq(const char *a, const char *b)
{
	return strcasecmp(a, b) == 0;
}

/* nan, inf, infinity, nan:0xPAYLOAD with an optional sign. `bits` is 32
 * or 64. 1 ok, 0 not such a form, -2 bad payload. */
static int parse_special(const char *s, int bits, uint64_t *ret_bits)
{
	const char *p = s;
	bool neg = false;
	if (*p == '-' || *p == '+') {
		neg = *p == '-';
		p++;
	}
	int mant = bits == 32 ? 23 : 52;
	uint64_t sign = (uint64_t)neg << (bits - 1);
	uint64_t expo = (bits == 32 ? (uint64_t)0xFF : (uint64_t)0x7FF) << mant;
	uint64_t quiet = (uint64_t)1 << (mant - 1);
	if (ci_eq(p, "nan")) {
		*ret_bits = sign | expo | quiet;
		return 1;
	}
	if (ci_eq(p, "inf") || ci_eq(p, "infinity")) {
		*ret_bits = sign | expo;
		return 1;
	}
	if (strncasecmp(p, "nan:0x", 6) == 0) {
		char *end;
		if (wcl_hexval(p[6]) < 0)
			return -2;
		errno = 0;
		uint64_t payload = strtoull(p + 6, &end, 16);
		if (*end || errno || payload == 0 || payload >> mant)
			return -2;
		*ret_bits = sign | expo | payload;
		return 1;
	}
	return 0;
}

/* 1 ok, 0 syntax, -1 out of range, -2 bad NaN payload. */
static int parse_float_bits(const char *s, int bits, uint64_t *ret_bits)
{
	int sp = parse_special(s, bits, ret_bits);
	if (sp)
		return sp;
	/* strtod also reads "nan(...)", "infinity" spelled other ways and
	 * leading blanks: none of those are ours. */
	const char *p = s;
	if (*p == '-' || *p == '+')
		p++;
	if (!(isdigit((unsigned char)*p) || (*p == '.' && isdigit((unsigned char)p[1]))))
		return 0;
	if (strpbrk(s, "nNiI"))
		return 0;
	char *end;
	errno = 0;
	if (bits == 32) {
		float f = strtof(s, &end);
		if (*end || end == s)
			return 0;
		if (isinf(f))
			return -1;
		uint32_t b;
		memcpy(&b, &f, 4);
		*ret_bits = b;
	} else {
		double d = strtod(s, &end);
		if (*end || end == s)
			return 0;
		if (isinf(d))
			return -1;
		memcpy(ret_bits, &d, 8);
	}
	return 1;
}

typedef struct lane_shape {
	const char *name;
	int bits;
	bool is_float;
} lane_shape;

static const lane_shape shapes[] = {
	{"i8x16", 8, false}, {"i16x8", 16, false}, {"i32x4", 32, false},
	{"i64x2", 64, false}, {"f32x4", 32, true}, {"f64x2", 64, true},
};

static wasmc_error *parse_lanes(const char *text, const lane_shape *sh,
                                char *list, uint8_t out[16])
{
	int lanes = 128 / sh->bits, bytes = sh->bits / 8, i = 0;
	char *save = NULL;
	for (char *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *lane = dup_trimmed(tok, tok + strlen(tok));
		if (lane == NULL)
			return wcl_error(WASMC_ERR_NO_MEMORY, "out of memory");
		if (i >= lanes) {
			free(lane);
			return wcl_error(WASMC_ERR_SYNTAX, "%s takes %d lanes, more given in \"%s\"",
			                 sh->name, lanes, text);
		}
		uint64_t v = 0;
		int rc = sh->is_float ? parse_float_bits(lane, sh->bits, &v)
		                      : parse_int(lane, sh->bits, &v);
		if (rc <= 0) {
			wasmc_error *e = wcl_error(WASMC_ERR_SYNTAX,
			                           rc == -1 ? "%s lane %d out of range: \"%s\""
			                                    : "%s lane %d: expected a number, got \"%s\"",
			                           sh->name, i + 1, lane);
			free(lane);
			return e;
		}
		free(lane);
		for (int b = 0; b < bytes; b++)
			out[i * bytes + b] = (uint8_t)(v >> (8 * b));
		i++;
	}
	if (i != lanes)
		return wcl_error(WASMC_ERR_SYNTAX, "%s takes %d lanes, %d given in \"%s\"",
		                 sh->name, lanes, i, text);
	return NULL;
}

static wasmc_error *parse_v128(const char *s, uint8_t out[16])
{
	memset(out, 0, 16);
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		const char *h = s + 2;
		size_t n = strlen(h);
		if (n == 0 || n > 32)
			return wcl_error(WASMC_ERR_SYNTAX,
			                 "v128 hex needs 1 to 32 digits, got \"%s\"", s);
		for (size_t i = 0; i < n; i++) {
			int d = wcl_hexval(h[n - 1 - i]);
			if (d < 0)
				return wcl_error(WASMC_ERR_SYNTAX, "bad hex digit in v128 \"%s\"", s);
			out[i / 2] |= (uint8_t)(d << (4 * (i % 2)));
		}
		return NULL;
	}
	for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++) {
		size_t nl = strlen(shapes[k].name);
		if (strncasecmp(s, shapes[k].name, nl) != 0)
			continue;
		const char *p = s + nl;
		char *list;
		if (*p == ':') {
			list = strdup(p + 1);
		} else {
			p = skip_blanks(p);
			size_t len = strlen(p);
			if (*p != '(' || len < 2 || p[len - 1] != ')')
				return wcl_error(WASMC_ERR_SYNTAX,
				                 "expected %s(lane, ...) or %s:lane,..., got \"%s\"",
				                 shapes[k].name, shapes[k].name, s);
			list = strndup(p + 1, len - 2);
		}
		if (list == NULL)
			return wcl_error(WASMC_ERR_NO_MEMORY, "out of memory");
		wasmc_error *e = parse_lanes(s, &shapes[k], list, out);
		free(list);
		return e;
	}
	return wcl_error(WASMC_ERR_SYNTAX,
	                 "expected a v128 (0x hex or i32x4(a, b, c, d)), got \"%s\"", s);
}

static wasmc_error *parse_ref(const char *s, wasmc_valkind kind, wasmc_val *v)
{
	memset(v, 0, sizeof *v);
	v->kind = kind;
	if (strcmp(s, "null") == 0) {
		v->of.ref.is_null = true;
		return NULL;
	}
	if (kind == WASMC_EXTERNREF && strncmp(s, "ref(", 4) == 0) {
		size_t len = strlen(s);
		char *inner = len > 5 && s[len - 1] == ')' ? strndup(s + 4, len - 5) : NULL;
		uint64_t tok;
		int rc = inner ? parse_int(inner, 64, &tok) : 0;
		bool neg = inner && inner[0] == '-';
		free(inner);
		if (rc == 1 && !neg) {
			v->of.ref.token = tok;
			return NULL;
		}
	}
	return wcl_error(WASMC_ERR_SYNTAX,
	                 kind == WASMC_EXTERNREF ? "expected an externref (null or ref(N)), got \"%s\""
	                                         : "expected a funcref (null), got \"%s\"",
	                 s);
}

wasmc_error *wasmc_wave_parse_val(const char *text, wasmc_valkind kind,
                                  wasmc_val *ret_val)
{
	if (text == NULL || ret_val == NULL)
		return wcl_error(WASMC_ERR_BAD_ARGUMENT, "wasmc_wave_parse_val: NULL argument");
	char *s = dup_trimmed(text, text + strlen(text));
	if (s == NULL)
		return wcl_error(WASMC_ERR_NO_MEMORY, "out of memory");
	wasmc_error *e = NULL;
	wasmc_val v;
	memset(&v, 0, sizeof v);
	uint64_t bits = 0;
	int rc;
	switch (kind) {
	case WASMC_I32:
	case WASMC_I64:
		rc = parse_int(s, kind == WASMC_I32 ? 32 : 64, &bits);
		if (rc < 0)
			e = wcl_error(WASMC_ERR_SYNTAX, "%s out of range: %s",
			              wasmc_valkind_name(kind), s);
		else if (rc == 0)
			e = wcl_error(WASMC_ERR_SYNTAX, "expected an %s, got \"%s\"",
			              wasmc_valkind_name(kind), s);
		else
			v = kind == WASMC_I32 ? wasmc_val_i32((int32_t)(uint32_t)bits)
			                      : wasmc_val_i64((int64_t)bits);
		break;
	case WASMC_F32:
	case WASMC_F64:
		rc = parse_float_bits(s, kind == WASMC_F32 ? 32 : 64, &bits);
		if (rc == -2)
			e = wcl_error(WASMC_ERR_SYNTAX, "bad NaN payload in \"%s\" (1 to %s for %s)", s,
			              kind == WASMC_F32 ? "0x7fffff" : "0xfffffffffffff",
			              wasmc_valkind_name(kind));
		else if (rc < 0)
			e = wcl_error(WASMC_ERR_SYNTAX, "%s out of range: %s",
			              wasmc_valkind_name(kind), s);
		else if (rc == 0)
			e = wcl_error(WASMC_ERR_SYNTAX, "expected an %s, got \"%s\"",
			              wasmc_valkind_name(kind), s);
		else
			v = kind == WASMC_F32 ? wasmc_val_f32_bits((uint32_t)bits)
			                      : wasmc_val_f64_bits(bits);
		break;
	case WASMC_V128:
		v.kind = WASMC_V128;
		e = parse_v128(s, v.of.v128);
		break;
	case WASMC_FUNCREF:
	case WASMC_EXTERNREF:
		e = parse_ref(s, kind, &v);
		break;
	case WASMC_VALKIND_OTHER:
	default:
		e = wcl_error(WASMC_ERR_UNSUPPORTED,
		              "values of this type cannot be written as text");
		break;
	}
	free(s);
	if (e == NULL)
		*ret_val = v;
	return e;
}

wasmc_error *wasmc_wave_parse_args(const wasmc_wave_call *call,
                                   const wasmc_functype *type, wasmc_val *ret_args)
{
	if (call == NULL || type == NULL || (ret_args == NULL && type->nparams))
		return wcl_error(WASMC_ERR_BAD_ARGUMENT, "wasmc_wave_parse_args: NULL argument");
	if (call->nargs != type->nparams)
		return wcl_error(WASMC_ERR_SYNTAX, "%s takes %zu argument%s, %zu given",
		                 call->name, type->nparams, type->nparams == 1 ? "" : "s",
		                 call->nargs);
	wasmc_val *tmp = calloc(type->nparams + 1, sizeof *tmp);
	if (tmp == NULL)
		return wcl_error(WASMC_ERR_NO_MEMORY, "out of memory");
	for (size_t i = 0; i < call->nargs; i++) {
		wasmc_error *e = wasmc_wave_parse_val(call->args[i], type->params[i], &tmp[i]);
		if (e) {
			char prefix[300];
			snprintf(prefix, sizeof prefix, "%s: argument %zu", call->name, i + 1);
			free(tmp);
			return wcl_error_prefix(e, prefix);
		}
	}
	if (type->nparams)
		memcpy(ret_args, tmp, type->nparams * sizeof *tmp);
	free(tmp);
	return NULL;
}

/* ---- printing ---- */

size_t wasmc_wave_format_val(const wasmc_val *v, char *buf, size_t len)
{
	char tmp[WASMC_WAVE_VAL_MAX];
	switch (v->kind) {
	case WASMC_I32:
		snprintf(tmp, sizeof tmp, "%" PRId32, v->of.i32);
		break;
	case WASMC_I64:
		snprintf(tmp, sizeof tmp, "%" PRId64, v->of.i64);
		break;
	case WASMC_F32:
		cmn_format_float(tmp, sizeof tmp, v->of.f32, true);
		break;
	case WASMC_F64:
		cmn_format_float(tmp, sizeof tmp, v->of.f64, false);
		break;
	case WASMC_V128: {
		size_t o = 0;
		tmp[o++] = '0';
		tmp[o++] = 'x';
		for (int i = 15; i >= 0; i--)
			o += (size_t)snprintf(tmp + o, sizeof tmp - o, "%02x", v->of.v128[i]);
		break;
	}
	case WASMC_FUNCREF:
	case WASMC_EXTERNREF:
		snprintf(tmp, sizeof tmp, "%s", v->of.ref.is_null ? "null" : "ref");
		break;
	default:
		snprintf(tmp, sizeof tmp, "?");
		break;
	}
	size_t n = strlen(tmp);
	if (len) {
		size_t c = n < len - 1 ? n : len - 1;
		memcpy(buf, tmp, c);
		buf[c] = '\0';
	}
	return n;
}
