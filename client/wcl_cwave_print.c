/*
 * wcl_cwave_print.c - component values as WAVE text (wasmc/cwave.h). The
 * walk follows the type (bounded by its checked depth) and checks the
 * value against it as it goes: what cannot be printed as the type is
 * WASMC_ERR_BAD_ARGUMENT naming the place.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wasmc/cwave.h>

#include "cmn_float.h"
#include "wcl_comp.h"
#include "wcl_error.h"
#include "wcl_text.h"

static const char *const keywords[] = {"true", "false", "some", "none", "ok", "err", "inf", "nan"};

static void label(wcl_buf *b, const char *s)
{
	for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
		if (strcmp(s, keywords[i]) == 0) {
			wcl_buf_add(b, "%");
			break;
		}
	wcl_buf_add(b, s);
}

/* Escapes for a char or string body; `q` is the enclosing quote. */
static void quoted(wcl_buf *b, const char *s, size_t n, char q)
{
	wcl_buf_addn(b, &q, 1);
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *esc = NULL;
		char tmp[16];
		if (c == (unsigned char)q || c == '\\')
			esc = c == '\\' ? "\\\\" : q == '"' ? "\\\"" : "\\'";
		else if (c == '\n')
			esc = "\\n";
		else if (c == '\t')
			esc = "\\t";
		else if (c == '\r')
			esc = "\\r";
		else if (c < 0x20 || c == 0x7F) {
			snprintf(tmp, sizeof tmp, "\\u{%x}", c);
			esc = tmp;
		}
		if (esc == NULL)
			continue;
		wcl_buf_addn(b, s + run, i - run);
		wcl_buf_add(b, esc);
		run = i + 1;
	}
	wcl_buf_addn(b, s + run, n - run);
	wcl_buf_addn(b, &q, 1);
}

static void put_float(wcl_buf *b, double d, bool single)
{
	char tmp[CMN_FLOAT_TEXT_MAX];
	if (isnan(d)) {
		wcl_buf_add(b, "nan");
		return;
	}
	cmn_format_float(tmp, sizeof tmp, d, single);
	wcl_buf_add(b, tmp);
}

typedef struct pctx {
	wcl_buf b;
	char path[256];
	wasmc_error *err;
} pctx;

static void bad(pctx *c, const char *fmt, const char *a, const char *bb)
{
	if (c->err)
		return;
	char msg[256];
	snprintf(msg, sizeof msg, fmt, a, bb);
	c->err = wcl_error(WASMC_ERR_BAD_ARGUMENT, "value%s%s: %s", c->path[0] ? " at " : "",
	                   c->path, msg);
}

static void print(pctx *c, const wasmc_cval *v, const wasmc_ctype *t, unsigned depth)
{
	if (c->err)
		return;
	if (depth > WASMC_CVAL_MAX_DEPTH) {
		bad(c, "nesting deeper than the limit%s%s", "", "");
		return;
	}
	if (v->kind != t->kind) {
		bad(c, "expected %s, found %s", wasmc_ckind_name(t->kind), wasmc_ckind_name(v->kind));
		return;
	}
	wcl_buf *b = &c->b;
	switch (t->kind) {
	case WASMC_CK_BOOL:
		wcl_buf_add(b, v->of.b ? "true" : "false");
		return;
	case WASMC_CK_S8:
	case WASMC_CK_S16:
	case WASMC_CK_S32:
	case WASMC_CK_S64:
		wcl_buf_printf(b, "%" PRId64, v->of.s);
		return;
	case WASMC_CK_U8:
	case WASMC_CK_U16:
	case WASMC_CK_U32:
	case WASMC_CK_U64:
		wcl_buf_printf(b, "%" PRIu64, v->of.u);
		return;
	case WASMC_CK_OWN:
	case WASMC_CK_BORROW:
		wcl_buf_printf(b, "%" PRIu64, v->of.handle);
		return;
	case WASMC_CK_F32:
		put_float(b, v->of.f32, true);
		return;
	case WASMC_CK_F64:
		put_float(b, v->of.f64, false);
		return;
	case WASMC_CK_CHAR: {
		uint32_t cp = v->of.ch;
		if (cp >= 0x110000 || (cp >= 0xD800 && cp <= 0xDFFF)) {
			bad(c, "invalid char%s%s", "", "");
			return;
		}
		char u[4];
		size_t n = wcl_utf8_put(u, cp);
		quoted(b, u, n, '\'');
		return;
	}
	case WASMC_CK_STRING: {
		size_t off;
		if (!wcl_utf8_check((const uint8_t *)v->of.str.data, v->of.str.len, &off)) {
			bad(c, "invalid UTF-8 in string%s%s", "", "");
			return;
		}
		quoted(b, v->of.str.data ? v->of.str.data : "", v->of.str.len, '"');
		return;
	}
	case WASMC_CK_LIST:
	case WASMC_CK_TUPLE:
	case WASMC_CK_RECORD: {
		size_t n = v->of.seq.n;
		if (t->kind != WASMC_CK_LIST && n != t->ncases) {
			bad(c, "%s with the wrong number of fields%s", wasmc_ckind_name(t->kind), "");
			return;
		}
		wcl_buf_add(b, t->kind == WASMC_CK_LIST ? "[" : t->kind == WASMC_CK_TUPLE ? "(" : "{");
		size_t plen = strlen(c->path);
		for (size_t i = 0; i < n && !c->err; i++) {
			if (i)
				wcl_buf_add(b, ", ");
			const wasmc_ctype *ct = t->kind == WASMC_CK_LIST ? t->elem : t->cases[i].type;
			if (t->kind == WASMC_CK_RECORD) {
				label(b, t->cases[i].name);
				wcl_buf_add(b, ": ");
				snprintf(c->path + plen, sizeof c->path - plen, ".%s", t->cases[i].name);
			} else {
				snprintf(c->path + plen, sizeof c->path - plen, "[%zu]", i);
			}
			print(c, &v->of.seq.items[i], ct, depth + 1);
		}
		if (!c->err)
			c->path[plen] = '\0';
		wcl_buf_add(b, t->kind == WASMC_CK_LIST ? "]" : t->kind == WASMC_CK_TUPLE ? ")" : "}");
		return;
	}
	case WASMC_CK_ENUM:
		if (v->of.tag.index >= t->ncases) {
			bad(c, "enum case out of range%s%s", "", "");
			return;
		}
		label(b, t->cases[v->of.tag.index].name);
		return;
	case WASMC_CK_VARIANT:
	case WASMC_CK_OPTION:
	case WASMC_CK_RESULT: {
		uint32_t idx = v->of.tag.index;
		const wasmc_ctype *pt;
		const char *name;
		if (t->kind == WASMC_CK_VARIANT) {
			if (idx >= t->ncases) {
				bad(c, "variant case out of range%s%s", "", "");
				return;
			}
			pt = t->cases[idx].type;
			name = t->cases[idx].name;
		} else if (idx > 1) {
			bad(c, "%s discriminant is not 0 or 1%s", wasmc_ckind_name(t->kind), "");
			return;
		} else if (t->kind == WASMC_CK_OPTION) {
			pt = idx ? t->elem : NULL;
			name = idx ? "some" : "none";
		} else {
			pt = idx ? t->err : t->elem;
			name = idx ? "err" : "ok";
		}
		if ((pt != NULL) != (v->of.tag.payload != NULL)) {
			bad(c, "case %s %s a payload", name, pt ? "needs" : "takes no");
			return;
		}
		if (t->kind == WASMC_CK_VARIANT)
			label(b, name);
		else
			wcl_buf_add(b, name);
		if (pt) {
			wcl_buf_add(b, "(");
			print(c, v->of.tag.payload, pt, depth + 1);
			wcl_buf_add(b, ")");
		}
		return;
	}
	case WASMC_CK_FLAGS: {
		if (v->of.flags.n != t->ncases) {
			bad(c, "flags with the wrong number of labels%s%s", "", "");
			return;
		}
		wcl_buf_add(b, "{");
		bool first = true;
		for (uint32_t i = 0; i < t->ncases; i++) {
			if (!wasmc_cval_flag(v, i))
				continue;
			if (!first)
				wcl_buf_add(b, ", ");
			first = false;
			label(b, t->cases[i].name);
		}
		wcl_buf_add(b, "}");
		return;
	}
	default:
		bad(c, "%s is not a value type%s", wasmc_ckind_name(t->kind), "");
		return;
	}
}

wasmc_error *wasmc_cwave_format(const wasmc_cval *v, const wasmc_ctype *type, char **ret_text)
{
	if (v == NULL || type == NULL || ret_text == NULL)
		return wcl_error(WASMC_ERR_BAD_ARGUMENT, "wasmc_cwave_format: NULL argument");
	pctx c;
	memset(&c, 0, sizeof c);
	print(&c, v, type, 1);
	if (c.err) {
		wcl_buf_free(&c.b);
		return c.err;
	}
	char *s = wcl_buf_take(&c.b);
	if (s == NULL)
		return wcl_error(WASMC_ERR_NO_MEMORY, "out of memory");
	*ret_text = s;
	return NULL;
}
