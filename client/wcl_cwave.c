/*
 * wcl_cwave.c - WAVE text to component values, by type (wasmc/cwave.h),
 * and component calls 'name(args)'.
 *
 * A recursive-descent parser that follows the type: one type level per
 * value level, so its depth is bounded by the type's (checked when the
 * component's types arrive), never by the text. Floats reuse the core
 * WAVE parser (wasmc_wave_parse_val: nan, inf, hex floats, NaN payloads).
 *
 * Why component calls do not split their arguments with
 * wasmc_wave_call_parse: its splitter knows (), [] and "strings" but not
 * {records} nor 'c' chars, so `f({a: 1, b: 2})` or `f(',')` would be cut
 * at the wrong comma. The name is read by the same rules; the argument
 * list is parsed here as a sequence of typed values.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wasmc/cwave.h>
#include <wasmc/wave.h>

#include "wcl_comp.h"
#include "wcl_error.h"
#include "wcl_text.h"

typedef struct lex {
	const char *text;
	const char *p;
} lex;

static size_t col(const lex *l, const char *at)
{
	return (size_t)(at - l->text) + 1;
}

static void skip_ws(lex *l)
{
	for (;;) {
		char c = *l->p;
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			l->p++;
		} else if (c == '/' && l->p[1] == '/') {
			while (*l->p && *l->p != '\n')
				l->p++;
		} else {
			return;
		}
	}
}

/* A short quote of the text at `at` for messages. */
static void near(const char *at, char *buf, size_t len)
{
	if (*at == '\0') {
		snprintf(buf, len, "end of input");
		return;
	}
	size_t n = 0;
	while (at[n] && n < 16 && at[n] != '\n')
		n++;
	snprintf(buf, len, "\"%.*s\"%s", (int)n, at, at[n] && at[n] != '\n' ? "..." : "");
}

static wasmc_error *fail_at(lex *l, const char *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static wasmc_error *fail_at(lex *l, const char *at, const char *fmt, ...)
{
	char msg[256], got[48];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	near(at, got, sizeof got);
	return wcl_error(WASMC_ERR_SYNTAX, "column %zu: %s, got %s", col(l, at), msg, got);
}

static bool is_label_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-';
}

/* A label (optionally %-prefixed) at the current position: its start and
 * length (without the %), and whether it had the %. False when none. */
static bool read_label(lex *l, const char **ret_s, size_t *ret_n, bool *ret_pct)
{
	const char *p = l->p;
	bool pct = *p == '%';
	if (pct)
		p++;
	if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
		return false;
	const char *s = p;
	while (is_label_char(*p))
		p++;
	*ret_s = s;
	*ret_n = (size_t)(p - s);
	*ret_pct = pct;
	l->p = p;
	return true;
}

static bool label_is(const char *s, size_t n, bool pct, const char *kw)
{
	return !pct && strlen(kw) == n && strncmp(s, kw, n) == 0;
}

/* The case of `t` named s[0..n), or -1. */
static long find_case(const wasmc_ctype *t, const char *s, size_t n)
{
	for (uint32_t i = 0; i < t->ncases; i++)
		if (strlen(t->cases[i].name) == n && strncmp(t->cases[i].name, s, n) == 0)
			return (long)i;
	return -1;
}

static bool eat(lex *l, char c)
{
	skip_ws(l);
	if (*l->p != c)
		return false;
	l->p++;
	return true;
}

static wasmc_error *expect(lex *l, char c, const char *where)
{
	if (eat(l, c))
		return NULL;
	return fail_at(l, l->p, "expected '%c'%s", c, where);
}

/* The text type name of `t` for messages ("u8", "record rec"). */
static void tname(const wasmc_ctype *t, char *buf, size_t len)
{
	if (t->name)
		snprintf(buf, len, "%s %s", wasmc_ckind_name(t->kind), t->name);
	else
		snprintf(buf, len, "%s", wasmc_ckind_name(t->kind));
}

/* A quoted string or char starting at l->p (the quote `q`): its UTF-8
 * bytes into a new buffer (*ret, *ret_len). */
static wasmc_error *read_quoted(lex *l, char q, char **ret, size_t *ret_len)
{
	const char *start = l->p;
	const char *p = l->p + 1;
	/* Every escape is longer than what it stands for: the text up to the
	 * closing quote bounds the output. */
	const char *end = p;
	while (*end && *end != q && *end != '\n')
		end += (*end == '\\' && end[1]) ? 2 : 1;
	char *out = malloc((size_t)(end - p) + 1);
	size_t o = 0;
	if (out == NULL)
		return wcl_error(WASMC_ERR_NO_MEMORY, "out of memory");
	for (;;) {
		char c = *p;
		if (c == '\0' || c == '\n') {
			free(out);
			return fail_at(l, start, "unterminated %s", q == '"' ? "string" : "char");
		}
		if (c == q) {
			p++;
			break;
		}
		if (c != '\\') {
			out[o++] = c;
			p++;
			continue;
		}
		const char *esc = p++;
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
			while (wcl_hexval(*p) >= 0 && nd < 7) {
				cp = cp << 4 | (uint32_t)wcl_hexval(*p);
				p++;
				nd++;
			}
			if (*p != '}' || nd == 0 || nd > 6 || cp > 0x10FFFF ||
			    (cp >= 0xD800 && cp <= 0xDFFF))
				goto bad_escape;
			p++;
			o += wcl_utf8_put(out + o, cp);
			break;
		}
		default:
		bad_escape:
			free(out);
			return fail_at(l, esc, "bad escape");
		}
	}
	size_t off;
	if (!wcl_utf8_check((const uint8_t *)out, o, &off)) {
		free(out);
		return fail_at(l, start, "not valid UTF-8 (byte %zu)", off);
	}
	out[o] = '\0';
	l->p = p;
	*ret = out;
	*ret_len = o;
	return NULL;
}

/* A number-like token: [-+]? then letters, digits, '.', ':', and '+'/'-'
 * after an exponent. */
static size_t number_token(const char *p)
{
	size_t n = 0;
	if (p[n] == '-' || p[n] == '+')
		n++;
	for (;;) {
		char c = p[n];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '.' || c == ':' || c == '_')
			n++;
		else if ((c == '+' || c == '-') && n && strchr("eEpP", p[n - 1]))
			n++;
		else
			return n;
	}
}

static wasmc_error *parse_int(lex *l, const wasmc_ctype *t, wasmc_cval *ret)
{
	const char *at = l->p;
	size_t n = number_token(at);
	char tok[72];
	if (n == 0 || n >= sizeof tok)
		return fail_at(l, at, "expected %s", wasmc_ckind_name(t->kind));
	memcpy(tok, at, n);
	tok[n] = '\0';
	const char *p = tok;
	bool neg = *p == '-';
	if (*p == '-' || *p == '+')
		p++;
	int base = 10;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	if (wcl_hexval(*p) < 0 || (base == 10 && !(*p >= '0' && *p <= '9')))
		return fail_at(l, at, "expected %s", wasmc_ckind_name(t->kind));
	uint64_t v = 0;
	bool over = false;
	for (; *p; p++) {
		int d = wcl_hexval(*p);
		if (d < 0 || d >= base)
			return fail_at(l, at, "expected %s", wasmc_ckind_name(t->kind));
		if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
			over = true;
		v = v * (uint64_t)base + (uint64_t)d;
	}
	static const struct { wasmc_ckind k; bool sig; int bits; } info[] = {
		{WASMC_CK_S8, true, 8},   {WASMC_CK_U8, false, 8},   {WASMC_CK_S16, true, 16},
		{WASMC_CK_U16, false, 16}, {WASMC_CK_S32, true, 32}, {WASMC_CK_U32, false, 32},
		{WASMC_CK_S64, true, 64}, {WASMC_CK_U64, false, 64}, {WASMC_CK_OWN, false, 64},
		{WASMC_CK_BORROW, false, 64},
	};
	bool sig = false;
	int bits = 64;
	for (size_t i = 0; i < sizeof info / sizeof info[0]; i++)
		if (info[i].k == t->kind)
			sig = info[i].sig, bits = info[i].bits;
	uint64_t pmax = sig ? ((uint64_t)1 << (bits - 1)) - 1
	                    : (bits == 64 ? UINT64_MAX : ((uint64_t)1 << bits) - 1);
	uint64_t nmax = sig ? (uint64_t)1 << (bits - 1) : 0;
	if (over || (neg ? v > nmax : v > pmax))
		return fail_at(l, at, "%s out of range", wasmc_ckind_name(t->kind));
	l->p = at + n;
	wasmc_cval out;
	memset(&out, 0, sizeof out);
	out.kind = t->kind;
	if (t->kind == WASMC_CK_OWN || t->kind == WASMC_CK_BORROW)
		out.of.handle = v;
	else if (sig)
		out.of.s = neg ? (int64_t)(0 - v) : (int64_t)v;
	else
		out.of.u = v;
	*ret = out;
	return NULL;
}

static wasmc_error *parse_float(lex *l, const wasmc_ctype *t, wasmc_cval *ret)
{
	const char *at = l->p;
	size_t n = number_token(at);
	char tok[400];
	if (n == 0 || n >= sizeof tok)
		return fail_at(l, at, "expected %s", wasmc_ckind_name(t->kind));
	memcpy(tok, at, n);
	tok[n] = '\0';
	wasmc_val v;
	wasmc_error *e = wasmc_wave_parse_val(tok, t->kind == WASMC_CK_F32 ? WASMC_F32 : WASMC_F64, &v);
	if (e) {
		wasmc_error *f = fail_at(l, at, "expected %s (%s)", wasmc_ckind_name(t->kind),
		                         wasmc_error_message(e));
		wasmc_error_free(e);
		return f;
	}
	l->p = at + n;
	*ret = t->kind == WASMC_CK_F32 ? wasmc_cval_f32_bits(wasmc_val_get_f32_bits(&v))
	                               : wasmc_cval_f64_bits(wasmc_val_get_f64_bits(&v));
	return NULL;
}

static wasmc_error *parse_value(lex *l, const wasmc_ctype *t, unsigned depth, wasmc_cval *ret);

/* `(` payload `)` of a variant case, option or result. */
static wasmc_error *parse_payload(lex *l, const wasmc_ctype *pt, unsigned depth,
                                  const char *label, wasmc_cval **ret)
{
	wasmc_error *e = expect(l, '(', "");
	if (e) {
		wasmc_error_free(e);
		return fail_at(l, l->p, "expected '(' and the payload of %s", label);
	}
	wasmc_cval *p = malloc(sizeof *p);
	if (p == NULL)
		return wcl_error(WASMC_ERR_NO_MEMORY, "out of memory");
	e = parse_value(l, pt, depth + 1, p);
	if (e == NULL)
		e = expect(l, ')', " after the payload");
	if (e) {
		if (e && p->kind)
			wasmc_cval_drop(p);
		free(p);
		return e;
	}
	*ret = p;
	return NULL;
}

/* Elements separated by commas up to `close`, with a trailing comma
 * allowed; for each, `one` is called. */
typedef wasmc_error *(*elem_fn)(lex *l, void *st, size_t i);

static wasmc_error *sequence(lex *l, char close, void *st, elem_fn one)
{
	size_t i = 0;
	for (;;) {
		if (eat(l, close))
			return NULL;
		wasmc_error *e = one(l, st, i++);
		if (e)
			return e;
		if (eat(l, ','))
			continue;
		if (eat(l, close))
			return NULL;
		return fail_at(l, l->p, "expected ',' or '%c'", close);
	}
}

typedef struct seq_st {
	const wasmc_ctype *t;
	unsigned depth;
	wasmc_cval *items;
	size_t n, cap;
	bool *seen;   /* records: field set */
} seq_st;

static wasmc_error *list_one(lex *l, void *vst, size_t i)
{
	seq_st *st = vst;
	(void)i;
	if (st->n == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 8;
		wasmc_cval *items = realloc(st->items, cap * sizeof *items);
		if (items == NULL)
			return wcl_error(WASMC_ERR_NO_MEMORY, "out of memory");
		st->items = items;
		st->cap = cap;
	}
	skip_ws(l);
	wasmc_error *e = parse_value(l, st->t->elem, st->depth + 1, &st->items[st->n]);
	if (e == NULL)
		st->n++;
	return e;
}

static wasmc_error *tuple_one(lex *l, void *vst, size_t i)
{
	seq_st *st = vst;
	skip_ws(l);
	if (i >= st->t->ncases)
		return fail_at(l, l->p, "a tuple of %u elements has no element %zu", st->t->ncases,
		               i + 1);
	wasmc_error *e = parse_value(l, st->t->cases[i].type, st->depth + 1, &st->items[i]);
	if (e == NULL)
		st->n = i + 1;
	return e;
}

static wasmc_error *record_one(lex *l, void *vst, size_t i)
{
	seq_st *st = vst;
	const char *s;
	size_t n;
	bool pct;
	(void)i;
	skip_ws(l);
	const char *at = l->p;
	if (!read_label(l, &s, &n, &pct))
		return fail_at(l, at, "expected a field name");
	long k = find_case(st->t, s, n);
	char tn[128];
	tname(st->t, tn, sizeof tn);
	if (k < 0)
		return fail_at(l, at, "no field '%.*s' in %s", (int)n, s, tn);
	if (st->seen[k])
		return fail_at(l, at, "field '%.*s' given twice", (int)n, s);
	wasmc_error *e = expect(l, ':', " after the field name");
	if (e)
		return e;
	skip_ws(l);
	e = parse_value(l, st->t->cases[k].type, st->depth + 1, &st->items[k]);
	if (e == NULL)
		st->seen[k] = true;
	return e;
}

static wasmc_error *flags_one(lex *l, void *vst, size_t i)
{
	seq_st *st = vst;
	const char *s;
	size_t n;
	bool pct;
	(void)i;
	skip_ws(l);
	const char *at = l->p;
	if (!read_label(l, &s, &n, &pct))
		return fail_at(l, at, "expected a flag name");
	long k = find_case(st->t, s, n);
	char tn[128];
	tname(st->t, tn, sizeof tn);
	if (k < 0)
		return fail_at(l, at, "no flag '%.*s' in %s", (int)n, s, tn);
	if (wasmc_cval_flag(st->items, (uint32_t)k))
		return fail_at(l, at, "flag '%.*s' given twice", (int)n, s);
	wasmc_cval_flag_set(st->items, (uint32_t)k, true);
	return NULL;
}

static void seq_drop(seq_st *st, size_t n)
{
	for (size_t i = 0; i < n; i++)
		wasmc_cval_drop(&st->items[i]);
	free(st->items);
	free(st->seen);
}

static wasmc_error *parse_composite(lex *l, const wasmc_ctype *t, unsigned depth, wasmc_cval *ret)
{
	wasmc_error *e;
	const char *at = l->p;
	char tn[128];
	tname(t, tn, sizeof tn);
	seq_st st = {.t = t, .depth = depth};
	wasmc_cval v;
	memset(&v, 0, sizeof v);
	switch (t->kind) {
	case WASMC_CK_LIST:
		if (!eat(l, '['))
			return fail_at(l, at, "expected a list '[...]' of %s", tn);
		e = sequence(l, ']', &st, list_one);
		if (e == NULL && t->fixed_len && st.n != t->fixed_len)
			e = fail_at(l, at, "list<_, %u> with %zu elements", t->fixed_len, st.n);
		if (e) {
			seq_drop(&st, st.n);
			return e;
		}
		v.kind = WASMC_CK_LIST;
		v.of.seq.items = st.items;
		v.of.seq.n = st.n;
		break;
	case WASMC_CK_TUPLE:
		if (!eat(l, '('))
			return fail_at(l, at, "expected a tuple '(...)'");
		st.items = calloc(t->ncases, sizeof *st.items);
		if (st.items == NULL)
			return wcl_error(WASMC_ERR_NO_MEMORY, "out of memory");
		e = sequence(l, ')', &st, tuple_one);
		if (e == NULL && st.n != t->ncases)
			e = fail_at(l, at, "a tuple of %u elements, %zu given", t->ncases, st.n);
		if (e) {
			seq_drop(&st, t->ncases);
			return e;
		}
		v.kind = WASMC_CK_TUPLE;
		v.of.seq.items = st.items;
		v.of.seq.n = t->ncases;
		break;
	case WASMC_CK_RECORD:
		if (!eat(l, '{'))
			return fail_at(l, at, "expected a record '{...}' (%s)", tn);
		st.items = calloc(t->ncases, sizeof *st.items);
		st.seen = calloc(t->ncases, sizeof *st.seen);
		if (st.items == NULL || st.seen == NULL) {
			seq_drop(&st, 0);
			return wcl_error(WASMC_ERR_NO_MEMORY, "out of memory");
		}
		if (eat(l, ':')) /* {:} - every field left out */
			e = expect(l, '}', " after '{:'");
		else
			e = sequence(l, '}', &st, record_one);
		for (uint32_t k = 0; e == NULL && k < t->ncases; k++) {
			if (st.seen[k])
				continue;
			if (t->cases[k].type->kind == WASMC_CK_OPTION)
				st.items[k] = wasmc_cval_option_none();
			else
				e = fail_at(l, at, "field '%s' of %s missing", t->cases[k].name, tn);
		}
		if (e) {
			seq_drop(&st, t->ncases);
			return e;
		}
		free(st.seen);
		v.kind = WASMC_CK_RECORD;
		v.of.seq.items = st.items;
		v.of.seq.n = t->ncases;
		break;
	case WASMC_CK_FLAGS: {
		if (!eat(l, '{'))
			return fail_at(l, at, "expected flags '{...}' (%s)", tn);
		e = wasmc_cval_flags(t->ncases, &v);
		if (e)
			return e;
		st.items = &v;
		e = sequence(l, '}', &st, flags_one);
		if (e) {
			wasmc_cval_drop(&v);
			return e;
		}
		break;
	}
	default:
		return fail_at(l, at, "cannot parse a %s", tn);
	}
	*ret = v;
	return NULL;
}

/* variant, enum, option, result, bool: a label, maybe with a payload. */
static wasmc_error *parse_cased(lex *l, const wasmc_ctype *t, unsigned depth, wasmc_cval *ret)
{
	const char *at = l->p;
	const char *s = NULL;
	size_t n = 0;
	bool pct = false;
	char tn[128];
	tname(t, tn, sizeof tn);
	bool has_label = read_label(l, &s, &n, &pct);
	wasmc_cval v;
	memset(&v, 0, sizeof v);
	v.kind = t->kind;
	wasmc_error *e = NULL;
	switch (t->kind) {
	case WASMC_CK_BOOL:
		if (has_label && label_is(s, n, pct, "true"))
			v.of.b = true;
		else if (!(has_label && label_is(s, n, pct, "false")))
			return fail_at(l, at, "expected a bool (true or false)");
		break;
	case WASMC_CK_ENUM:
	case WASMC_CK_VARIANT: {
		long k = has_label ? find_case(t, s, n) : -1;
		if (k < 0)
			return has_label ? fail_at(l, at, "no case '%.*s' in %s", (int)n, s, tn)
			                 : fail_at(l, at, "expected a case of %s", tn);
		v.of.tag.index = (uint32_t)k;
		if (t->kind == WASMC_CK_VARIANT && t->cases[k].type) {
			e = parse_payload(l, t->cases[k].type, depth, t->cases[k].name, &v.of.tag.payload);
		} else {
			skip_ws(l);
			if (*l->p == '(')
				e = fail_at(l, l->p, "case '%s' of %s takes no payload", t->cases[k].name, tn);
		}
		break;
	}
	case WASMC_CK_OPTION:
		if (has_label && label_is(s, n, pct, "none")) {
			v.of.tag.index = 0;
		} else if (has_label && label_is(s, n, pct, "some")) {
			v.of.tag.index = 1;
			e = parse_payload(l, t->elem, depth, "some", &v.of.tag.payload);
		} else {
			/* flat some */
			l->p = at;
			v.of.tag.index = 1;
			v.of.tag.payload = malloc(sizeof(wasmc_cval));
			if (v.of.tag.payload == NULL)
				return wcl_error(WASMC_ERR_NO_MEMORY, "out of memory");
			e = parse_value(l, t->elem, depth + 1, v.of.tag.payload);
			if (e) {
				free(v.of.tag.payload);
				return e;
			}
		}
		break;
	case WASMC_CK_RESULT: {
		bool ok = has_label && label_is(s, n, pct, "ok");
		bool er = has_label && label_is(s, n, pct, "err");
		if (ok || er) {
			const wasmc_ctype *pt = ok ? t->elem : t->err;
			v.of.tag.index = er;
			skip_ws(l);
			if (pt)
				e = parse_payload(l, pt, depth, ok ? "ok" : "err", &v.of.tag.payload);
			else if (*l->p == '(')
				e = fail_at(l, l->p, "%s of %s takes no payload", ok ? "ok" : "err", tn);
		} else if (t->elem) {
			/* flat ok */
			l->p = at;
			v.of.tag.payload = malloc(sizeof(wasmc_cval));
			if (v.of.tag.payload == NULL)
				return wcl_error(WASMC_ERR_NO_MEMORY, "out of memory");
			e = parse_value(l, t->elem, depth + 1, v.of.tag.payload);
			if (e) {
				free(v.of.tag.payload);
				return e;
			}
		} else {
			return fail_at(l, at, "expected ok or err");
		}
		break;
	}
	default:
		return fail_at(l, at, "cannot parse a %s", tn);
	}
	if (e) {
		wasmc_cval_drop(&v);
		return e;
	}
	*ret = v;
	return NULL;
}

static wasmc_error *parse_value(lex *l, const wasmc_ctype *t, unsigned depth, wasmc_cval *ret)
{
	wasmc_error *e;
	if (depth > WASMC_CVAL_MAX_DEPTH)
		return fail_at(l, l->p, "value nesting deeper than %d", WASMC_CVAL_MAX_DEPTH);
	skip_ws(l);
	const char *at = l->p;
	switch (t->kind) {
	case WASMC_CK_S8:
	case WASMC_CK_U8:
	case WASMC_CK_S16:
	case WASMC_CK_U16:
	case WASMC_CK_S32:
	case WASMC_CK_U32:
	case WASMC_CK_S64:
	case WASMC_CK_U64:
	case WASMC_CK_OWN:
	case WASMC_CK_BORROW:
		return parse_int(l, t, ret);
	case WASMC_CK_F32:
	case WASMC_CK_F64:
		return parse_float(l, t, ret);
	case WASMC_CK_CHAR: {
		if (*at != '\'')
			return fail_at(l, at, "expected a char 'c'");
		char *s;
		size_t n;
		e = read_quoted(l, '\'', &s, &n);
		if (e)
			return e;
		/* exactly one scalar value */
		const unsigned char *u = (const unsigned char *)s;
		size_t len = n == 0 ? 0 : u[0] < 0x80 ? 1 : u[0] < 0xE0 ? 2 : u[0] < 0xF0 ? 3 : 4;
		if (n == 0 || len != n) {
			free(s);
			return fail_at(l, at, "a char holds exactly one Unicode scalar value");
		}
		uint32_t cp = len == 1 ? u[0]
		              : len == 2 ? (uint32_t)(u[0] & 0x1F) << 6 | (u[1] & 0x3F)
		              : len == 3 ? (uint32_t)(u[0] & 0x0F) << 12 | (uint32_t)(u[1] & 0x3F) << 6 |
		                               (u[2] & 0x3F)
		                         : (uint32_t)(u[0] & 0x07) << 18 | (uint32_t)(u[1] & 0x3F) << 12 |
		                               (uint32_t)(u[2] & 0x3F) << 6 | (u[3] & 0x3F);
		free(s);
		*ret = wasmc_cval_char(cp);
		return NULL;
	}
	case WASMC_CK_STRING: {
		if (*at != '"')
			return fail_at(l, at, "expected a string \"...\"");
		char *s;
		size_t n;
		e = read_quoted(l, '"', &s, &n);
		if (e)
			return e;
		wasmc_cval v = {.kind = WASMC_CK_STRING};
		v.of.str.data = s;
		v.of.str.len = n;
		*ret = v;
		return NULL;
	}
	case WASMC_CK_LIST:
	case WASMC_CK_TUPLE:
	case WASMC_CK_RECORD:
	case WASMC_CK_FLAGS:
		return parse_composite(l, t, depth, ret);
	case WASMC_CK_BOOL:
	case WASMC_CK_ENUM:
	case WASMC_CK_VARIANT:
	case WASMC_CK_OPTION:
	case WASMC_CK_RESULT:
		return parse_cased(l, t, depth, ret);
	default:
		return fail_at(l, at, "%s is not a value type", wasmc_ckind_name(t->kind));
	}
}

wasmc_error *wasmc_cwave_parse(const char *text, const wasmc_ctype *type, wasmc_cval *ret_val)
{
	if (text == NULL || type == NULL || ret_val == NULL)
		return wcl_error(WASMC_ERR_BAD_ARGUMENT, "wasmc_cwave_parse: NULL argument");
	lex l = {.text = text, .p = text};
	wasmc_cval v;
	wasmc_error *e = parse_value(&l, type, 1, &v);
	if (e)
		return e;
	skip_ws(&l);
	if (*l.p) {
		wasmc_cval_drop(&v);
		return fail_at(&l, l.p, "expected the end of the value");
	}
	*ret_val = v;
	return NULL;
}

/* ---- calls ---- */

/* The name: a "quoted string" (the core call parser reads it) or a bare
 * word up to blanks, '(' or ')'. */
static wasmc_error *call_name(lex *l, char **ret)
{
	skip_ws(l);
	const char *start = l->p;
	if (*start == '"') {
		char *s;
		size_t n;
		wasmc_error *e = read_quoted(l, '"', &s, &n);
		if (e)
			return e;
		if (strlen(s) != n) {
			free(s);
			return fail_at(l, start, "the export name contains a NUL");
		}
		*ret = s;
		return NULL;
	}
	while (*l->p && *l->p != '(' && *l->p != ')' && *l->p != ' ' && *l->p != '\t' &&
	       *l->p != '\n' && *l->p != '\r' && *l->p != ',')
		l->p++;
	if (l->p == start)
		return fail_at(l, start, "expected an export name");
	char *s = strndup(start, (size_t)(l->p - start));
	if (s == NULL)
		return wcl_error(WASMC_ERR_NO_MEMORY, "out of memory");
	size_t off;
	if (!wcl_utf8_check((const uint8_t *)s, strlen(s), &off)) {
		free(s);
		return fail_at(l, start, "the export name is not valid UTF-8");
	}
	*ret = s;
	return NULL;
}

wasmc_error *wasmc_cwave_call_parse(const char *text, const wasmc_ctype *ft, char **ret_name,
                                    wasmc_cval **ret_args, size_t *ret_nargs)
{
	if (text == NULL || ret_name == NULL || ret_args == NULL || ret_nargs == NULL)
		return wcl_error(WASMC_ERR_BAD_ARGUMENT, "wasmc_cwave_call_parse: NULL argument");
	if (ft && ft->kind != WASMC_CK_FUNC)
		return wcl_error(WASMC_ERR_BAD_ARGUMENT, "wasmc_cwave_call_parse: not a function type");
	lex l = {.text = text, .p = text};
	char *name = NULL;
	wasmc_error *e = call_name(&l, &name);
	if (e)
		return e;
	if (ft == NULL) {
		*ret_name = name;
		*ret_args = NULL;
		*ret_nargs = 0;
		return NULL;
	}
	wasmc_cval *args = calloc(ft->ncases + 1, sizeof *args);
	size_t n = 0;
	if (args == NULL) {
		free(name);
		return wcl_error(WASMC_ERR_NO_MEMORY, "out of memory");
	}
	skip_ws(&l);
	if (*l.p == '(') {
		l.p++;
		for (;;) {
			if (eat(&l, ')'))
				break;
			skip_ws(&l);
			if (n == ft->ncases) {
				e = fail_at(&l, l.p, "%s takes %u argument(s), more given", name, ft->ncases);
				goto fail;
			}
			e = parse_value(&l, ft->cases[n].type, 1, &args[n]);
			if (e) {
				wasmc_error *w = wcl_error(WASMC_ERR_SYNTAX, "%s: argument %zu (%s): %s", name,
				                           n + 1, ft->cases[n].name, wasmc_error_message(e));
				wasmc_error_free(e);
				e = w;
				goto fail;
			}
			n++;
			if (eat(&l, ','))
				continue;
			if (eat(&l, ')'))
				break;
			e = fail_at(&l, l.p, "expected ',' or ')' after argument %zu", n);
			goto fail;
		}
	}
	skip_ws(&l);
	if (*l.p) {
		e = fail_at(&l, l.p, "expected the end of the call");
		goto fail;
	}
	if (n != ft->ncases) {
		e = wcl_error(WASMC_ERR_SYNTAX, "%s takes %u argument(s), %zu given", name, ft->ncases,
		              n);
		goto fail;
	}
	*ret_name = name;
	*ret_args = args;
	*ret_nargs = n;
	return NULL;
fail:
	wasmc_cvals_free(args, n);
	free(name);
	return e;
}
