/*
 * wcl_comp_types.c - a component's type table and items from the daemon's
 * ComponentInfo (checked: it is untrusted input), the wasmc_ctype
 * accessors of wasmc/ctype.h, and the WIT spelling of types.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wcl_comp.h"
#include "wcl_error.h"

/* ---- primitives ---- */

#define PRIM(k) {.kind = (k), .tid = (k), .depth = 1, .resource_name = ""}
static const wasmc_ctype prims[] = {
	PRIM(WASMC_CK_NONE), PRIM(WASMC_CK_BOOL), PRIM(WASMC_CK_S8),  PRIM(WASMC_CK_U8),
	PRIM(WASMC_CK_S16),  PRIM(WASMC_CK_U16),  PRIM(WASMC_CK_S32), PRIM(WASMC_CK_U32),
	PRIM(WASMC_CK_S64),  PRIM(WASMC_CK_U64),  PRIM(WASMC_CK_F32), PRIM(WASMC_CK_F64),
	PRIM(WASMC_CK_CHAR), PRIM(WASMC_CK_STRING),
};

const wasmc_ctype *wcl_ctype_primitive(uint32_t kind)
{
	return kind >= WASMC_CK_BOOL && kind <= WASMC_CK_STRING ? &prims[kind] : NULL;
}

const wasmc_ctype *wasmc_ctype_primitive(wasmc_ckind kind)
{
	return wcl_ctype_primitive((uint32_t)kind);
}

/* ---- the table from the protocol ---- */

static bool is_value_kind(wasmc_ckind k)
{
	return (k >= WASMC_CK_BOOL && k <= WASMC_CK_STRING) ||
	       (k >= WASMC_CK_LIST && k <= WASMC_CK_BORROW);
}

typedef struct build {
	wcl_component *c;
	uint32_t i;       /* the entry being built */
	char what[96];    /* "type 70" / "import 3" for messages */
} build;

/* Resolves type id `tid` for the entry being built. `optional`: NONE
 * allowed (-> NULL). `value`: must be a value type. */
static wasmc_error *resolve(build *b, uint32_t tid, bool optional, bool value,
                            const char *role, const wasmc_ctype **ret)
{
	if (tid == WCL_TID_NONE) {
		if (!optional)
			return wcl_error(WASMC_ERR_PROTOCOL,
			                 "the daemon's component info: %s: %s has no type", b->what, role);
		*ret = NULL;
		return NULL;
	}
	const wasmc_ctype *t = wcl_ctype_primitive(tid);
	if (t == NULL) {
		if (tid < WCL_TID_FIRST || tid - WCL_TID_FIRST >= b->i)
			return wcl_error(WASMC_ERR_PROTOCOL,
			                 "the daemon's component info: %s: %s refers to type %u, "
			                 "which is not a primitive nor an earlier entry",
			                 b->what, role, tid);
		t = &b->c->types[tid - WCL_TID_FIRST];
	}
	if (value && !is_value_kind(t->kind))
		return wcl_error(WASMC_ERR_PROTOCOL,
		                 "the daemon's component info: %s: %s is a %s, not a value type",
		                 b->what, role, wasmc_ckind_name(t->kind));
	*ret = t;
	return NULL;
}

static const char *arena_str(cmn_arena *a, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	char *d = cmn_arena_alloc(a, n + 1, 1);
	if (d && n)
		memcpy(d, s, n);
	return d;
}

/* Converts cases; `types`: 0 none allowed, 1 optional, 2 required (value
 * types). Names must be non-empty when `named`. */
static wasmc_error *conv_cases(build *b, Wasmc__V1__CCase *const *in, size_t n, int types,
                               bool named, const char *role, const wcl_ccase **ret, uint32_t *ret_n)
{
	if (n > UINT32_MAX / 2)
		return wcl_error(WASMC_ERR_PROTOCOL, "the daemon's component info: %s: too many %ss",
		                 b->what, role);
	wcl_ccase *cs = cmn_arena_alloc(&b->c->arena, n, sizeof *cs);
	if (cs == NULL)
		return wcl_error(WASMC_ERR_NO_MEMORY, "out of memory");
	for (size_t k = 0; k < n; k++) {
		char r[64];
		snprintf(r, sizeof r, "%s %zu", role, k);
		const Wasmc__V1__CCase *cc = in[k];
		if (named && (cc->name == NULL || cc->name[0] == '\0'))
			return wcl_error(WASMC_ERR_PROTOCOL,
			                 "the daemon's component info: %s: %s has no name", b->what, r);
		cs[k].name = arena_str(&b->c->arena, cc->name);
		if (cs[k].name == NULL)
			return wcl_error(WASMC_ERR_NO_MEMORY, "out of memory");
		if (types == 0 && cc->type != WCL_TID_NONE)
			return wcl_error(WASMC_ERR_PROTOCOL,
			                 "the daemon's component info: %s: %s has a type", b->what, r);
		if (types) {
			wasmc_error *e = resolve(b, cc->type, types == 1, true, r, &cs[k].type);
			if (e)
				return e;
		}
	}
	*ret = cs;
	*ret_n = (uint32_t)n;
	return NULL;
}

static uint32_t max_depth(uint32_t d, const wasmc_ctype *t)
{
	return t && t->depth > d ? t->depth : d;
}

static wasmc_error *conv_type(build *b, const Wasmc__V1__CType *in, wasmc_ctype *t)
{
	wasmc_error *e = NULL;
	t->kind = (wasmc_ckind)in->kind;
	t->tid = WCL_TID_FIRST + b->i;
	t->resource_name = "";
	switch (t->kind) {
	case WASMC_CK_LIST:
		e = resolve(b, in->elem, false, true, "element", &t->elem);
		t->fixed_len = in->fixed_len;
		break;
	case WASMC_CK_OPTION:
		e = resolve(b, in->elem, false, true, "element", &t->elem);
		break;
	case WASMC_CK_RESULT:
		e = resolve(b, in->elem, true, true, "ok", &t->elem);
		if (e == NULL)
			e = resolve(b, in->err, true, true, "err", &t->err);
		break;
	case WASMC_CK_RECORD:
	case WASMC_CK_TUPLE:
	case WASMC_CK_VARIANT:
	case WASMC_CK_ENUM:
	case WASMC_CK_FLAGS: {
		bool named = t->kind != WASMC_CK_TUPLE;
		int types = t->kind == WASMC_CK_VARIANT ? 1
		            : (t->kind == WASMC_CK_ENUM || t->kind == WASMC_CK_FLAGS) ? 0 : 2;
		if (in->n_cases == 0 && t->kind != WASMC_CK_FLAGS)
			return wcl_error(WASMC_ERR_PROTOCOL, "the daemon's component info: %s: a %s "
			                 "without cases", b->what, wasmc_ckind_name(t->kind));
		e = conv_cases(b, in->cases, in->n_cases, types, named,
		               t->kind == WASMC_CK_RECORD ? "field" : "case", &t->cases, &t->ncases);
		break;
	}
	case WASMC_CK_OWN:
	case WASMC_CK_BORROW:
		e = resolve(b, in->elem, false, false, "resource", &t->elem);
		if (e == NULL && t->elem->kind != WASMC_CK_RESOURCE)
			e = wcl_error(WASMC_ERR_PROTOCOL,
			              "the daemon's component info: %s: %s of a %s, not a resource",
			              b->what, wasmc_ckind_name(t->kind), wasmc_ckind_name(t->elem->kind));
		break;
	case WASMC_CK_RESOURCE:
		t->resource_id = in->resource_id;
		t->resource_name = arena_str(&b->c->arena, in->name);
		if (t->resource_name == NULL)
			return wcl_error(WASMC_ERR_NO_MEMORY, "out of memory");
		break;
	case WASMC_CK_FUNC:
		e = conv_cases(b, in->cases, in->n_cases, 2, true, "parameter", &t->cases, &t->ncases);
		if (e == NULL)
			e = conv_cases(b, in->results, in->n_results, 2, false, "result", &t->results,
			               &t->nresults);
		break;
	default:
		return wcl_error(WASMC_ERR_PROTOCOL,
		                 "the daemon's component info: %s: kind %d is not a type entry",
		                 b->what, (int)in->kind);
	}
	if (e)
		return e;
	uint32_t d = 0;
	d = max_depth(d, t->elem);
	d = max_depth(d, t->err);
	for (uint32_t k = 0; k < t->ncases; k++)
		d = max_depth(d, t->cases[k].type);
	for (uint32_t k = 0; k < t->nresults; k++)
		d = max_depth(d, t->results[k].type);
	t->depth = d + 1;
	if (t->depth > WASMC_CVAL_MAX_DEPTH + 1)
		return wcl_error(WASMC_ERR_PROTOCOL,
		                 "the daemon's component info: %s nests deeper than %d", b->what,
		                 WASMC_CVAL_MAX_DEPTH);
	return NULL;
}

static wasmc_error *conv_items(build *b, Wasmc__V1__CItem *const *in, size_t n,
                               const char *role, wasmc_citem **ret)
{
	wasmc_citem *items = cmn_arena_alloc(&b->c->arena, n, sizeof *items);
	if (items == NULL)
		return wcl_error(WASMC_ERR_NO_MEMORY, "out of memory");
	b->i = b->c->ntypes;
	for (size_t k = 0; k < n; k++) {
		const Wasmc__V1__CItem *ci = in[k];
		wasmc_citem *it = &items[k];
		wasmc_error *e = NULL;
		snprintf(b->what, sizeof b->what, "%s %zu", role, k);
		it->instance = arena_str(&b->c->arena, ci->instance);
		it->name = arena_str(&b->c->arena, ci->name);
		if (it->instance == NULL || it->name == NULL)
			return wcl_error(WASMC_ERR_NO_MEMORY, "out of memory");
		if (it->name[0] == '\0')
			return wcl_error(WASMC_ERR_PROTOCOL,
			                 "the daemon's component info: %s has no name", b->what);
		switch (ci->kind) {
		case WASMC__V1__CITEM_KIND__CITEM_FUNC:
			it->kind = WASMC_CITEM_FUNC;
			e = resolve(b, ci->type, false, false, "its type", &it->type);
			if (e == NULL && it->type->kind != WASMC_CK_FUNC)
				e = wcl_error(WASMC_ERR_PROTOCOL,
				              "the daemon's component info: %s is a function of type %s",
				              b->what, wasmc_ckind_name(it->type->kind));
			break;
		case WASMC__V1__CITEM_KIND__CITEM_RESOURCE:
			it->kind = WASMC_CITEM_RESOURCE;
			e = resolve(b, ci->type, false, false, "its type", &it->type);
			if (e == NULL && it->type->kind != WASMC_CK_RESOURCE)
				e = wcl_error(WASMC_ERR_PROTOCOL,
				              "the daemon's component info: %s is a resource of type %s",
				              b->what, wasmc_ckind_name(it->type->kind));
			break;
		case WASMC__V1__CITEM_KIND__CITEM_TYPE:
			it->kind = WASMC_CITEM_TYPE;
			e = resolve(b, ci->type, false, true, "its type", &it->type);
			break;
		default:
			it->kind = WASMC_CITEM_OTHER;
			it->type = NULL;
			break;
		}
		if (e)
			return e;
		/* The first item naming a table entry gives it its name. */
		if ((it->kind == WASMC_CITEM_TYPE || it->kind == WASMC_CITEM_RESOURCE) &&
		    it->type->tid >= WCL_TID_FIRST) {
			wasmc_ctype *t = &b->c->types[it->type->tid - WCL_TID_FIRST];
			if (t->name == NULL) {
				t->name = it->name;
				t->name_instance = it->instance;
			}
			if (t->kind == WASMC_CK_RESOURCE && t->resource_name[0] == '\0')
				t->resource_name = it->name;
		}
	}
	*ret = items;
	return NULL;
}

wasmc_error *wcl_component_from_proto(const Wasmc__V1__ComponentInfo *ci, wcl_component **ret)
{
	wasmc_error *e;
	if (ci->n_types > UINT32_MAX - WCL_TID_FIRST - 1)
		return wcl_error(WASMC_ERR_PROTOCOL, "the daemon's component info has too many types");
	wcl_component *c = calloc(1, sizeof *c);
	if (c == NULL)
		return wcl_error(WASMC_ERR_NO_MEMORY, "out of memory");
	atomic_init(&c->refs, 1);
	build b = {.c = c};
	c->types = cmn_arena_alloc(&c->arena, ci->n_types, sizeof *c->types);
	if (c->types == NULL) {
		e = wcl_error(WASMC_ERR_NO_MEMORY, "out of memory");
		goto fail;
	}
	for (b.i = 0; b.i < ci->n_types; b.i++) {
		snprintf(b.what, sizeof b.what, "type %u", WCL_TID_FIRST + b.i);
		e = conv_type(&b, ci->types[b.i], &c->types[b.i]);
		if (e)
			goto fail;
		c->ntypes = b.i + 1;
	}
	c->ntypes = (uint32_t)ci->n_types;
	e = conv_items(&b, ci->imports, ci->n_imports, "import", &c->imports);
	if (e)
		goto fail;
	c->nimports = ci->n_imports;
	e = conv_items(&b, ci->exports, ci->n_exports, "export", &c->exports);
	if (e)
		goto fail;
	c->nexports = ci->n_exports;
	*ret = c;
	return NULL;
fail:
	cmn_arena_free(&c->arena);
	free(c);
	return e;
}

void wcl_component_ref(wcl_component *c)
{
	atomic_fetch_add(&c->refs, 1);
}

void wcl_component_unref(wcl_component *c)
{
	if (c == NULL || atomic_fetch_sub(&c->refs, 1) != 1)
		return;
	cmn_arena_free(&c->arena);
	free(c);
}

const wasmc_citem *wcl_component_export_find(const wcl_component *c, const char *name)
{
	if (c == NULL || name == NULL)
		return NULL;
	const char *hash = strchr(name, '#');
	size_t ilen = hash ? (size_t)(hash - name) : 0;
	const char *item = hash ? hash + 1 : name;
	for (size_t i = 0; i < c->nexports; i++) {
		const wasmc_citem *it = &c->exports[i];
		if (strlen(it->instance) == ilen && strncmp(it->instance, name, ilen) == 0 &&
		    strcmp(it->name, item) == 0)
			return it;
	}
	return NULL;
}

/* ---- accessors ---- */

wasmc_ckind wasmc_ctype_kind(const wasmc_ctype *t)
{
	return t ? t->kind : WASMC_CK_NONE;
}

size_t wasmc_ctype_case_count(const wasmc_ctype *t)
{
	return t ? t->ncases : 0;
}

const char *wasmc_ctype_case_name(const wasmc_ctype *t, size_t i)
{
	return t && i < t->ncases ? t->cases[i].name : NULL;
}

const wasmc_ctype *wasmc_ctype_case_type(const wasmc_ctype *t, size_t i)
{
	return t && i < t->ncases ? t->cases[i].type : NULL;
}

long wasmc_ctype_case_find(const wasmc_ctype *t, const char *name)
{
	if (t == NULL || name == NULL)
		return -1;
	for (uint32_t i = 0; i < t->ncases; i++)
		if (strcmp(t->cases[i].name, name) == 0)
			return (long)i;
	return -1;
}

const wasmc_ctype *wasmc_ctype_elem(const wasmc_ctype *t)
{
	if (t && (t->kind == WASMC_CK_LIST || t->kind == WASMC_CK_OPTION ||
	          t->kind == WASMC_CK_OWN || t->kind == WASMC_CK_BORROW))
		return t->elem;
	return NULL;
}

const wasmc_ctype *wasmc_ctype_ok(const wasmc_ctype *t)
{
	return t && t->kind == WASMC_CK_RESULT ? t->elem : NULL;
}

const wasmc_ctype *wasmc_ctype_err(const wasmc_ctype *t)
{
	return t && t->kind == WASMC_CK_RESULT ? t->err : NULL;
}

uint32_t wasmc_ctype_fixed_len(const wasmc_ctype *t)
{
	return t && t->kind == WASMC_CK_LIST ? t->fixed_len : 0;
}

size_t wasmc_ctype_result_count(const wasmc_ctype *t)
{
	return t ? t->nresults : 0;
}

const char *wasmc_ctype_result_name(const wasmc_ctype *t, size_t i)
{
	return t && i < t->nresults ? t->results[i].name : NULL;
}

const wasmc_ctype *wasmc_ctype_result_type(const wasmc_ctype *t, size_t i)
{
	return t && i < t->nresults ? t->results[i].type : NULL;
}

const char *wasmc_ctype_resource_name(const wasmc_ctype *t)
{
	return t && t->kind == WASMC_CK_RESOURCE ? t->resource_name : NULL;
}

uint32_t wasmc_ctype_resource_id(const wasmc_ctype *t)
{
	return t && t->kind == WASMC_CK_RESOURCE ? t->resource_id : 0;
}

const char *wasmc_ctype_name(const wasmc_ctype *t)
{
	return t ? t->name : NULL;
}

/* ---- text ---- */

static void buf_grow(wcl_buf *b, size_t more)
{
	if (b->failed)
		return;
	if (b->len + more + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < b->len + more + 1) {
		if (cap > SIZE_MAX / 2) {
			b->failed = true;
			return;
		}
		cap *= 2;
	}
	char *s = realloc(b->s, cap);
	if (s == NULL) {
		b->failed = true;
		return;
	}
	b->s = s;
	b->cap = cap;
}

void wcl_buf_addn(wcl_buf *b, const char *s, size_t n)
{
	buf_grow(b, n);
	if (b->failed)
		return;
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void wcl_buf_add(wcl_buf *b, const char *s)
{
	wcl_buf_addn(b, s, strlen(s));
}

void wcl_buf_printf(wcl_buf *b, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->failed = true;
		return;
	}
	if ((size_t)n < sizeof tmp) {
		wcl_buf_addn(b, tmp, (size_t)n);
		return;
	}
	buf_grow(b, (size_t)n);
	if (b->failed)
		return;
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

char *wcl_buf_take(wcl_buf *b)
{
	if (b->failed) {
		wcl_buf_free(b);
		return NULL;
	}
	buf_grow(b, 0);
	if (b->failed) {
		wcl_buf_free(b);
		return NULL;
	}
	char *s = b->s;
	s[b->len] = '\0';
	memset(b, 0, sizeof *b);
	return s;
}

void wcl_buf_free(wcl_buf *b)
{
	free(b->s);
	memset(b, 0, sizeof *b);
}

static bool is_word(const char *s)
{
	/* kebab-case words: [a-z][a-z0-9]* or [A-Z][A-Z0-9]*, joined by '-' */
	if (*s == '\0')
		return false;
	while (*s) {
		char c = *s;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
			return false;
		s++;
		while ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9'))
			s++;
		if (*s == '-')
			s++;
		else if (*s)
			return false;
	}
	return s[-1] != '-';
}

static const char *const wit_keywords[] = {
	"as", "async", "bool", "borrow", "char", "constructor", "enum", "export", "f32", "f64",
	"flags", "from", "func", "future", "import", "include", "interface", "list", "option",
	"own", "package", "record", "resource", "result", "s16", "s32", "s64", "s8", "static",
	"stream", "string", "tuple", "type", "u16", "u32", "u64", "u8", "use", "variant", "with",
	"world", "error-context",
};

void wcl_wit_ident(wcl_buf *b, const char *name)
{
	bool kw = false;
	for (size_t i = 0; i < sizeof wit_keywords / sizeof wit_keywords[0]; i++)
		if (strcmp(name, wit_keywords[i]) == 0)
			kw = true;
	if (kw || !is_word(name))
		wcl_buf_add(b, "%");
	wcl_buf_add(b, name);
}

void wcl_ctype_wit(wcl_buf *b, const wasmc_ctype *t, bool expand)
{
	if (t == NULL) {
		wcl_buf_add(b, "_");
		return;
	}
	if (t->name && !expand) {
		wcl_wit_ident(b, t->name);
		return;
	}
	switch (t->kind) {
	case WASMC_CK_LIST:
		wcl_buf_add(b, "list<");
		wcl_ctype_wit(b, t->elem, false);
		if (t->fixed_len)
			wcl_buf_printf(b, ", %u", t->fixed_len);
		wcl_buf_add(b, ">");
		return;
	case WASMC_CK_OPTION:
		wcl_buf_add(b, "option<");
		wcl_ctype_wit(b, t->elem, false);
		wcl_buf_add(b, ">");
		return;
	case WASMC_CK_RESULT:
		wcl_buf_add(b, "result");
		if (t->elem == NULL && t->err == NULL)
			return;
		wcl_buf_add(b, "<");
		wcl_ctype_wit(b, t->elem, false);
		if (t->err) {
			wcl_buf_add(b, ", ");
			wcl_ctype_wit(b, t->err, false);
		}
		wcl_buf_add(b, ">");
		return;
	case WASMC_CK_TUPLE:
		wcl_buf_add(b, "tuple<");
		for (uint32_t i = 0; i < t->ncases; i++) {
			if (i)
				wcl_buf_add(b, ", ");
			wcl_ctype_wit(b, t->cases[i].type, false);
		}
		wcl_buf_add(b, ">");
		return;
	case WASMC_CK_OWN:
		wcl_ctype_wit(b, t->elem, false);
		return;
	case WASMC_CK_BORROW:
		wcl_buf_add(b, "borrow<");
		wcl_ctype_wit(b, t->elem, false);
		wcl_buf_add(b, ">");
		return;
	case WASMC_CK_RESOURCE:
		wcl_wit_ident(b, t->name ? t->name : t->resource_name[0] ? t->resource_name
		                                                         : "resource");
		return;
	case WASMC_CK_FUNC:
		wcl_buf_add(b, "func(");
		for (uint32_t i = 0; i < t->ncases; i++) {
			if (i)
				wcl_buf_add(b, ", ");
			wcl_wit_ident(b, t->cases[i].name);
			wcl_buf_add(b, ": ");
			wcl_ctype_wit(b, t->cases[i].type, false);
		}
		wcl_buf_add(b, ")");
		if (t->nresults == 1 && t->results[0].name[0] == '\0') {
			wcl_buf_add(b, " -> ");
			wcl_ctype_wit(b, t->results[0].type, false);
		} else if (t->nresults) {
			wcl_buf_add(b, " -> (");
			for (uint32_t i = 0; i < t->nresults; i++) {
				if (i)
					wcl_buf_add(b, ", ");
				wcl_wit_ident(b, t->results[i].name[0] ? t->results[i].name : "r");
				wcl_buf_add(b, ": ");
				wcl_ctype_wit(b, t->results[i].type, false);
			}
			wcl_buf_add(b, ")");
		}
		return;
	case WASMC_CK_RECORD:
	case WASMC_CK_VARIANT:
	case WASMC_CK_ENUM:
	case WASMC_CK_FLAGS:
		/* anonymous (WIT has no inline form): the structure, WIT-like */
		wcl_buf_add(b, wasmc_ckind_name(t->kind));
		wcl_buf_add(b, " { ");
		for (uint32_t i = 0; i < t->ncases; i++) {
			if (i)
				wcl_buf_add(b, ", ");
			wcl_wit_ident(b, t->cases[i].name);
			if (t->cases[i].type) {
				wcl_buf_add(b, t->kind == WASMC_CK_RECORD ? ": " : "(");
				wcl_ctype_wit(b, t->cases[i].type, false);
				if (t->kind != WASMC_CK_RECORD)
					wcl_buf_add(b, ")");
			}
		}
		wcl_buf_add(b, " }");
		return;
	default:
		wcl_buf_add(b, wasmc_ckind_name(t->kind));
		return;
	}
}

wasmc_error *wasmc_ctype_text(const wasmc_ctype *t, char **ret_text)
{
	if (t == NULL || ret_text == NULL)
		return wcl_error(WASMC_ERR_BAD_ARGUMENT, "wasmc_ctype_text: NULL argument");
	wcl_buf b = {0};
	wcl_ctype_wit(&b, t, false);
	char *s = wcl_buf_take(&b);
	if (s == NULL)
		return wcl_error(WASMC_ERR_NO_MEMORY, "out of memory");
	*ret_text = s;
	return NULL;
}
