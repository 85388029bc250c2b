/*
 * wcl_cval_nodes.c - wasmc_cval trees to and from the protocol's flat
 * pre-order CValue node list (wasmc.proto "Components"), checked against
 * the component's types in both directions.
 *
 * Both walks follow the type, one type level per value level; a type's
 * depth is checked when the table is received (wcl_comp_types.c, at most
 * WASMC_CVAL_MAX_DEPTH + 1), so the recursion is bounded by that and never
 * by what a hostile node list declares. Counts are checked against the
 * nodes that remain before anything is allocated for them: a list that
 * claims 4 Gi elements in a short reply is refused, not allocated.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pb_util.h"
#include "wcl_comp.h"
#include "wcl_error.h"

bool wcl_utf8_check(const uint8_t *s, size_t len, size_t *ret_off)
{
	return pb_utf8_check((const char *)s, len, ret_off);
}

static bool char_valid(uint64_t c)
{
	return c < 0x110000 && !(c >= 0xD800 && c <= 0xDFFF);
}

/* Does `u` (as the node carries it) fit kind k? */
static bool int_fits(wasmc_ckind k, uint64_t u)
{
	int64_t s = (int64_t)u;
	switch (k) {
	case WASMC_CK_BOOL: return u <= 1;
	case WASMC_CK_S8: return s >= INT8_MIN && s <= INT8_MAX;
	case WASMC_CK_U8: return u <= UINT8_MAX;
	case WASMC_CK_S16: return s >= INT16_MIN && s <= INT16_MAX;
	case WASMC_CK_U16: return u <= UINT16_MAX;
	case WASMC_CK_S32: return s >= INT32_MIN && s <= INT32_MAX;
	case WASMC_CK_U32: return u <= UINT32_MAX;
	case WASMC_CK_F32: return u <= UINT32_MAX;
	default: return true;
	}
}

/* ---- a path inside a value, for messages ---- */

typedef struct path {
	char s[512];
	size_t len;
} path;

static size_t path_push(path *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static size_t path_push(path *p, const char *fmt, ...)
{
	size_t old = p->len;
	if (p->len + 2 < sizeof p->s) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(p->s + p->len, sizeof p->s - p->len, fmt, ap);
		va_end(ap);
		if (n > 0)
			p->len += (size_t)n < sizeof p->s - p->len ? (size_t)n : sizeof p->s - p->len - 1;
	}
	return old;
}

static void path_pop(path *p, size_t old)
{
	p->len = old;
	p->s[old] = '\0';
}

/* ---- values to nodes ---- */

typedef struct to_ctx {
	wcl_cnodes *ns;
	path p;
	const char *what;
} to_ctx;

static wasmc_error *to_fail(to_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static wasmc_error *to_fail(to_ctx *c, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return wcl_error(WASMC_ERR_BAD_ARGUMENT, "%s%s%s: %s", c->what, c->p.len ? ": " : "",
	                 c->p.s, msg);
}

static Wasmc__V1__CValue *push(to_ctx *c, wasmc_ckind k)
{
	wcl_cnodes *ns = c->ns;
	if (ns->n == ns->cap) {
		size_t cap = ns->cap ? ns->cap * 2 : 16;
		Wasmc__V1__CValue *nodes = realloc(ns->nodes, cap * sizeof *nodes);
		if (nodes == NULL)
			return NULL;
		ns->nodes = nodes;
		ns->cap = cap;
	}
	Wasmc__V1__CValue *n = &ns->nodes[ns->n++];
	wasmc__v1__cvalue__init(n);
	n->kind = (Wasmc__V1__CKind)k;
	return n;
}

static wasmc_error *to_nodes(to_ctx *c, const wasmc_cval *v, const wasmc_ctype *t, unsigned depth)
{
	if (depth > WASMC_CVAL_MAX_DEPTH)
		return to_fail(c, "value nesting deeper than %d", WASMC_CVAL_MAX_DEPTH);
	if (v->kind != t->kind)
		return to_fail(c, "expected %s, found %s", wasmc_ckind_name(t->kind),
		               wasmc_ckind_name(v->kind));
	Wasmc__V1__CValue *n = push(c, t->kind);
	if (n == NULL)
		return wcl_error(WASMC_ERR_NO_MEMORY, "out of memory");
	wasmc_error *e;
	switch (t->kind) {
	case WASMC_CK_BOOL:
		n->u = v->of.b ? 1 : 0;
		return NULL;
	case WASMC_CK_S8:
	case WASMC_CK_S16:
	case WASMC_CK_S32:
	case WASMC_CK_S64:
		n->u = (uint64_t)v->of.s;
		if (!int_fits(t->kind, n->u))
			return to_fail(c, "%s out of range: %lld", wasmc_ckind_name(t->kind),
			               (long long)v->of.s);
		return NULL;
	case WASMC_CK_U8:
	case WASMC_CK_U16:
	case WASMC_CK_U32:
	case WASMC_CK_U64:
		n->u = v->of.u;
		if (!int_fits(t->kind, n->u))
			return to_fail(c, "%s out of range: %llu", wasmc_ckind_name(t->kind),
			               (unsigned long long)v->of.u);
		return NULL;
	case WASMC_CK_F32: {
		uint32_t bits;
		memcpy(&bits, &v->of.f32, sizeof bits);
		n->u = bits;
		return NULL;
	}
	case WASMC_CK_F64:
		memcpy(&n->u, &v->of.f64, sizeof n->u);
		return NULL;
	case WASMC_CK_CHAR:
		if (!char_valid(v->of.ch))
			return to_fail(c, "invalid char: 0x%x is not a Unicode scalar value", v->of.ch);
		n->u = v->of.ch;
		return NULL;
	case WASMC_CK_STRING: {
		size_t off;
		if (v->of.str.len && v->of.str.data == NULL)
			return to_fail(c, "string of %zu bytes without data", v->of.str.len);
		if (!wcl_utf8_check((const uint8_t *)v->of.str.data, v->of.str.len, &off))
			return to_fail(c, "invalid UTF-8 in string at byte offset %zu", off);
		n->bytes.data = (uint8_t *)v->of.str.data;
		n->bytes.len = v->of.str.len;
		return NULL;
	}
	case WASMC_CK_LIST:
	case WASMC_CK_RECORD:
	case WASMC_CK_TUPLE: {
		size_t cnt = v->of.seq.n;
		if (cnt && v->of.seq.items == NULL)
			return to_fail(c, "%s of %zu values without items", wasmc_ckind_name(t->kind), cnt);
		if (t->kind != WASMC_CK_LIST && cnt != t->ncases)
			return to_fail(c, "%s of %u fields, found %zu", wasmc_ckind_name(t->kind),
			               t->ncases, cnt);
		if (t->kind == WASMC_CK_LIST && t->fixed_len && cnt != t->fixed_len)
			return to_fail(c, "list<_, %u> with %zu elements", t->fixed_len, cnt);
		if (cnt > UINT32_MAX)
			return to_fail(c, "list of %zu elements (at most 4294967295)", cnt);
		n->n = (uint32_t)cnt;
		for (size_t i = 0; i < cnt; i++) {
			size_t mark;
			const wasmc_ctype *ct;
			if (t->kind == WASMC_CK_LIST) {
				mark = path_push(&c->p, "%selement %zu", c->p.len ? ": " : "", i);
				ct = t->elem;
			} else if (t->kind == WASMC_CK_RECORD) {
				mark = path_push(&c->p, "%sfield %s", c->p.len ? ": " : "", t->cases[i].name);
				ct = t->cases[i].type;
			} else {
				mark = path_push(&c->p, "%selement %zu", c->p.len ? ": " : "", i);
				ct = t->cases[i].type;
			}
			e = to_nodes(c, &v->of.seq.items[i], ct, depth + 1);
			if (e)
				return e;
			path_pop(&c->p, mark);
		}
		return NULL;
	}
	case WASMC_CK_ENUM:
		if (v->of.tag.index >= t->ncases)
			return to_fail(c, "enum case %u out of range (%u cases)", v->of.tag.index,
			               t->ncases);
		n->u = v->of.tag.index;
		return NULL;
	case WASMC_CK_VARIANT:
	case WASMC_CK_OPTION:
	case WASMC_CK_RESULT: {
		uint32_t idx = v->of.tag.index;
		const wasmc_ctype *pt;
		const char *label;
		if (t->kind == WASMC_CK_VARIANT) {
			if (idx >= t->ncases)
				return to_fail(c, "variant case %u out of range (%u cases)", idx, t->ncases);
			pt = t->cases[idx].type;
			label = t->cases[idx].name;
		} else if (idx > 1) {
			return to_fail(c, "%s discriminant %u is not 0 or 1", wasmc_ckind_name(t->kind), idx);
		} else if (t->kind == WASMC_CK_OPTION) {
			pt = idx ? t->elem : NULL;
			label = idx ? "some" : "none";
		} else {
			pt = idx ? t->err : t->elem;
			label = idx ? "err" : "ok";
		}
		n->u = idx;
		if ((pt != NULL) != (v->of.tag.payload != NULL))
			return to_fail(c, "case %s %s a payload", label,
			               pt ? "needs" : "takes no");
		if (pt == NULL)
			return NULL;
		n->n = 1;
		size_t mark = path_push(&c->p, "%s%s", c->p.len ? ": " : "", label);
		e = to_nodes(c, v->of.tag.payload, pt, depth + 1);
		if (e)
			return e;
		path_pop(&c->p, mark);
		return NULL;
	}
	case WASMC_CK_FLAGS: {
		uint32_t cnt = v->of.flags.n;
		size_t nbytes = ((size_t)cnt + 7) / 8;
		if (cnt != t->ncases)
			return to_fail(c, "flags of %u labels, found %u", t->ncases, cnt);
		if (cnt && v->of.flags.bits == NULL)
			return to_fail(c, "flags without bits");
		if (cnt % 8 && (v->of.flags.bits[nbytes - 1] >> (cnt % 8)))
			return to_fail(c, "flags bits set beyond the %u labels", cnt);
		n->n = cnt;
		n->bytes.data = v->of.flags.bits;
		n->bytes.len = nbytes;
		return NULL;
	}
	case WASMC_CK_OWN:
	case WASMC_CK_BORROW:
		n->u = v->of.handle;
		return NULL;
	default:
		return to_fail(c, "%s is not a value type", wasmc_ckind_name(t->kind));
	}
}

wasmc_error *wcl_cval_to_nodes(const wasmc_cval *v, const wasmc_ctype *t, const char *what,
                               wcl_cnodes *ns)
{
	to_ctx c = {.ns = ns, .what = what ? what : "value"};
	size_t start = ns->n;
	if (v == NULL || t == NULL)
		return wcl_error(WASMC_ERR_BAD_ARGUMENT, "%s: NULL value or type", c.what);
	wasmc_error *e = to_nodes(&c, v, t, 1);
	if (e)
		ns->n = start;
	return e;
}

wasmc_error *wcl_cnodes_finish(wcl_cnodes *ns)
{
	free(ns->ptrs);
	ns->ptrs = NULL;
	if (ns->n == 0)
		return NULL;
	ns->ptrs = malloc(ns->n * sizeof *ns->ptrs);
	if (ns->ptrs == NULL)
		return wcl_error(WASMC_ERR_NO_MEMORY, "out of memory");
	for (size_t i = 0; i < ns->n; i++)
		ns->ptrs[i] = &ns->nodes[i];
	return NULL;
}

void wcl_cnodes_free(wcl_cnodes *ns)
{
	free(ns->nodes);
	free(ns->ptrs);
	memset(ns, 0, sizeof *ns);
}

/* ---- nodes to values ---- */

typedef struct from_ctx {
	Wasmc__V1__CValue *const *nodes;
	size_t nnodes;
	size_t pos;
	wasmc_errcode code;
	const char *what;
} from_ctx;

static wasmc_error *from_fail(from_ctx *c, size_t node, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static wasmc_error *from_fail(from_ctx *c, size_t node, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return wcl_error(c->code, "%s: node %zu: %s", c->what, node, msg);
}

static wasmc_error *from_nodes(from_ctx *c, const wasmc_ctype *t, unsigned depth,
                               wasmc_cval *ret)
{
	size_t i = c->pos;
	wasmc_error *e;
	if (depth > WASMC_CVAL_MAX_DEPTH)
		return from_fail(c, i, "value nesting deeper than %d", WASMC_CVAL_MAX_DEPTH);
	if (i >= c->nnodes)
		return wcl_error(c->code, "%s: the value ends at node %zu, where a %s is expected",
		                 c->what, i, wasmc_ckind_name(t->kind));
	const Wasmc__V1__CValue *n = c->nodes[i];
	if ((int)n->kind != (int)t->kind)
		return from_fail(c, i, "expected %s, found %s", wasmc_ckind_name(t->kind),
		                 wasmc_ckind_name((wasmc_ckind)n->kind));
	c->pos++;
	wasmc_cval v;
	memset(&v, 0, sizeof v);
	v.kind = t->kind;
	switch (t->kind) {
	case WASMC_CK_BOOL:
	case WASMC_CK_S8:
	case WASMC_CK_U8:
	case WASMC_CK_S16:
	case WASMC_CK_U16:
	case WASMC_CK_S32:
	case WASMC_CK_U32:
	case WASMC_CK_S64:
	case WASMC_CK_U64:
	case WASMC_CK_F32:
	case WASMC_CK_F64:
		if (!int_fits(t->kind, n->u))
			return from_fail(c, i, "%s value out of range (0x%llx)", wasmc_ckind_name(t->kind),
			                 (unsigned long long)n->u);
		if (t->kind == WASMC_CK_BOOL)
			v.of.b = n->u != 0;
		else if (t->kind == WASMC_CK_F32)
			v = wasmc_cval_f32_bits((uint32_t)n->u);
		else if (t->kind == WASMC_CK_F64)
			v = wasmc_cval_f64_bits(n->u);
		else
			v.of.u = n->u; /* s*: the sign-extended bits are the int64 */
		break;
	case WASMC_CK_CHAR:
		if (!char_valid(n->u))
			return from_fail(c, i, "invalid char: 0x%llx is not a Unicode scalar value",
			                 (unsigned long long)n->u);
		v.of.ch = (uint32_t)n->u;
		break;
	case WASMC_CK_STRING: {
		size_t off;
		if (!wcl_utf8_check(n->bytes.data, n->bytes.len, &off))
			return from_fail(c, i, "invalid UTF-8 in string at byte offset %zu", off);
		e = wasmc_cval_string((const char *)n->bytes.data, n->bytes.len, &v);
		if (e)
			return e;
		break;
	}
	case WASMC_CK_LIST:
	case WASMC_CK_RECORD:
	case WASMC_CK_TUPLE: {
		uint32_t cnt = n->n;
		if (t->kind != WASMC_CK_LIST && cnt != t->ncases)
			return from_fail(c, i, "%s of %u fields, found %u", wasmc_ckind_name(t->kind),
			                 t->ncases, cnt);
		if (t->kind == WASMC_CK_LIST && t->fixed_len && cnt != t->fixed_len)
			return from_fail(c, i, "list<_, %u> with %u elements", t->fixed_len, cnt);
		if (cnt > c->nnodes - c->pos)
			return from_fail(c, i, "%s of %u values, but only %zu nodes follow",
			                 wasmc_ckind_name(t->kind), cnt, c->nnodes - c->pos);
		if (t->kind == WASMC_CK_LIST)
			e = wasmc_cval_list(cnt, &v);
		else
			e = t->kind == WASMC_CK_RECORD ? wasmc_cval_record(cnt, &v) : wasmc_cval_tuple(cnt, &v);
		if (e)
			return e;
		for (uint32_t k = 0; k < cnt; k++) {
			const wasmc_ctype *ct = t->kind == WASMC_CK_LIST ? t->elem : t->cases[k].type;
			e = from_nodes(c, ct, depth + 1, &v.of.seq.items[k]);
			if (e) {
				wasmc_cval_drop(&v);
				return e;
			}
		}
		break;
	}
	case WASMC_CK_ENUM:
		if (n->u >= t->ncases)
			return from_fail(c, i, "enum case %llu out of range (%u cases)",
			                 (unsigned long long)n->u, t->ncases);
		v.of.tag.index = (uint32_t)n->u;
		break;
	case WASMC_CK_VARIANT:
	case WASMC_CK_OPTION:
	case WASMC_CK_RESULT: {
		const wasmc_ctype *pt;
		if (t->kind == WASMC_CK_VARIANT) {
			if (n->u >= t->ncases)
				return from_fail(c, i, "variant case %llu out of range (%u cases)",
				                 (unsigned long long)n->u, t->ncases);
			pt = t->cases[n->u].type;
		} else if (n->u > 1) {
			return from_fail(c, i, "%s discriminant %llu is not 0 or 1",
			                 wasmc_ckind_name(t->kind), (unsigned long long)n->u);
		} else if (t->kind == WASMC_CK_OPTION) {
			pt = n->u ? t->elem : NULL;
		} else {
			pt = n->u ? t->err : t->elem;
		}
		if (n->n != (pt ? 1u : 0u))
			return from_fail(c, i, "%s case %llu %s but n = %u",
			                 wasmc_ckind_name(t->kind), (unsigned long long)n->u,
			                 pt ? "has a payload" : "has no payload", n->n);
		v.of.tag.index = (uint32_t)n->u;
		if (pt) {
			wasmc_cval p;
			e = from_nodes(c, pt, depth + 1, &p);
			if (e)
				return e;
			v.of.tag.payload = malloc(sizeof p);
			if (v.of.tag.payload == NULL) {
				wasmc_cval_drop(&p);
				return wcl_error(WASMC_ERR_NO_MEMORY, "out of memory");
			}
			*v.of.tag.payload = p;
		}
		break;
	}
	case WASMC_CK_FLAGS: {
		size_t nbytes = ((size_t)t->ncases + 7) / 8;
		if (n->n != t->ncases || n->bytes.len != nbytes)
			return from_fail(c, i, "flags of %u labels need n = %u and %zu bytes (found n = "
			                 "%u, %zu bytes)", t->ncases, t->ncases, nbytes, n->n,
			                 n->bytes.len);
		if (t->ncases % 8 && (n->bytes.data[nbytes - 1] >> (t->ncases % 8)))
			return from_fail(c, i, "flags bits set beyond the %u labels", t->ncases);
		e = wasmc_cval_flags(t->ncases, &v);
		if (e)
			return e;
		if (nbytes)
			memcpy(v.of.flags.bits, n->bytes.data, nbytes);
		break;
	}
	case WASMC_CK_OWN:
	case WASMC_CK_BORROW:
		v.of.handle = n->u;
		break;
	default:
		return from_fail(c, i, "%s is not a value type", wasmc_ckind_name(t->kind));
	}
	*ret = v;
	return NULL;
}

wasmc_error *wcl_cval_from_nodes(Wasmc__V1__CValue *const *nodes, size_t nnodes, size_t *pos,
                                 const wasmc_ctype *t, wasmc_errcode code, const char *what,
                                 wasmc_cval *ret)
{
	from_ctx c = {.nodes = nodes, .nnodes = nnodes, .pos = *pos, .code = code,
	              .what = what ? what : "value"};
	if (t == NULL)
		return wcl_error(code, "%s: no type", c.what);
	wasmc_error *e = from_nodes(&c, t, 1, ret);
	if (e == NULL)
		*pos = c.pos;
	return e;
}

wasmc_error *wcl_cvals_from_nodes(Wasmc__V1__CValue *const *nodes, size_t nnodes,
                                  const wcl_ccase *cases, size_t n, wasmc_errcode code,
                                  const char *what, wasmc_cval **ret_vals)
{
	wasmc_cval *vals = NULL;
	size_t pos = 0;
	if (n) {
		vals = calloc(n, sizeof *vals);
		if (vals == NULL)
			return wcl_error(WASMC_ERR_NO_MEMORY, "out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		char w[256];
		snprintf(w, sizeof w, "%s %zu%s%s%s", what, i + 1, cases[i].name[0] ? " (" : "",
		         cases[i].name, cases[i].name[0] ? ")" : "");
		wasmc_error *e = wcl_cval_from_nodes(nodes, nnodes, &pos, cases[i].type, code, w,
		                                     &vals[i]);
		if (e) {
			wasmc_cvals_free(vals, n);
			return e;
		}
	}
	if (pos != nnodes) {
		wasmc_cvals_free(vals, n);
		return wcl_error(code, "%ss: %zu nodes left over after %zu value(s)", what,
		                 nnodes - pos, n);
	}
	*ret_vals = vals;
	return NULL;
}
