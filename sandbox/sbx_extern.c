/*
 * sbx_extern.c - module imports and exports as protobuf messages.
 */
#include "sbx_extern.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

Wasmc__V1__ValType sbx_valtype(const rt_module *m, rt_valtype t)
{
	switch (t.kind) {
	case RT_I32:
		return WASMC__V1__VAL_TYPE__I32;
	case RT_I64:
		return WASMC__V1__VAL_TYPE__I64;
	case RT_F32:
		return WASMC__V1__VAL_TYPE__F32;
	case RT_F64:
		return WASMC__V1__VAL_TYPE__F64;
	case RT_V128:
		return WASMC__V1__VAL_TYPE__V128;
	case RT_REF:
		break;
	default:
		return WASMC__V1__VAL_TYPE__VALTYPE_UNSPECIFIED;
	}
	if (!RT_HT_IS_ABS(t.heap)) {
		if (m && t.heap < m->ntypes && m->types[t.heap].comp == RT_COMP_FUNC)
			return WASMC__V1__VAL_TYPE__FUNCREF;
		return WASMC__V1__VAL_TYPE__VALTYPE_UNSPECIFIED;
	}
	switch (RT_HT_CODE(t.heap)) {
	case RT_HT_FUNC:
	case RT_HT_NOFUNC:
		return WASMC__V1__VAL_TYPE__FUNCREF;
	case RT_HT_EXTERN:
	case RT_HT_NOEXTERN:
		return WASMC__V1__VAL_TYPE__EXTERNREF;
	default:
		return WASMC__V1__VAL_TYPE__VALTYPE_UNSPECIFIED;
	}
}

bool sbx_valtype_exact(rt_valtype t)
{
	if (t.kind != RT_REF)
		return rt_valtype_is_num(t) || t.kind == RT_V128;
	return t.nullable && RT_HT_IS_ABS(t.heap) &&
	       (RT_HT_CODE(t.heap) == RT_HT_FUNC || RT_HT_CODE(t.heap) == RT_HT_EXTERN);
}

/* ---------------------------------------------------------------------------
 * Text form, for types the protocol cannot describe
 */

typedef struct text {
	char buf[512];
	size_t len;
} text;

static void put(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(text *t, const char *fmt, ...)
{
	if (t->len >= sizeof t->buf - 1)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(t->buf + t->len, sizeof t->buf - t->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		t->len += (size_t)n;
	if (t->len >= sizeof t->buf)
		t->len = sizeof t->buf - 1;
}

static void put_valtype(text *t, rt_valtype v)
{
	switch (v.kind) {
	case RT_I32:
		put(t, "i32");
		return;
	case RT_I64:
		put(t, "i64");
		return;
	case RT_F32:
		put(t, "f32");
		return;
	case RT_F64:
		put(t, "f64");
		return;
	case RT_V128:
		put(t, "v128");
		return;
	case RT_REF:
		break;
	default:
		put(t, "?");
		return;
	}
	if (RT_HT_IS_ABS(v.heap) && v.nullable)
		put(t, "%sref", rt_heap_abs_name(RT_HT_CODE(v.heap)));
	else if (RT_HT_IS_ABS(v.heap))
		put(t, "(ref %s)", rt_heap_abs_name(RT_HT_CODE(v.heap)));
	else
		put(t, "(ref %s%u)", v.nullable ? "null " : "", v.heap);
}

static void put_functype(text *t, const rt_functype *f)
{
	put(t, "(func");
	if (f->nparams) {
		put(t, " (param");
		for (uint32_t i = 0; i < f->nparams; i++) {
			put(t, " ");
			put_valtype(t, f->params[i]);
		}
		put(t, ")");
	}
	if (f->nresults) {
		put(t, " (result");
		for (uint32_t i = 0; i < f->nresults; i++) {
			put(t, " ");
			put_valtype(t, f->results[i]);
		}
		put(t, ")");
	}
	put(t, ")");
}

/* ---------------------------------------------------------------------------
 * Messages
 */

static char *arena_strndup(cmn_arena *a, const char *s, size_t n)
{
	char *p = cmn_arena_alloc(a, n + 1, 1);
	if (p && n)
		memcpy(p, s, n);
	return p;
}

static Wasmc__V1__FuncType *func_type(cmn_arena *a, const rt_module *m, const rt_functype *f,
                                      bool *exact)
{
	Wasmc__V1__FuncType *ft = cmn_arena_alloc(a, 1, sizeof *ft);
	if (!ft)
		return NULL;
	wasmc__v1__func_type__init(ft);
	ft->params = cmn_arena_alloc(a, f->nparams, sizeof *ft->params);
	ft->results = cmn_arena_alloc(a, f->nresults, sizeof *ft->results);
	if (!ft->params || !ft->results)
		return NULL;
	ft->n_params = f->nparams;
	ft->n_results = f->nresults;
	for (uint32_t i = 0; i < f->nparams; i++) {
		ft->params[i] = sbx_valtype(m, f->params[i]);
		*exact = *exact && sbx_valtype_exact(f->params[i]);
	}
	for (uint32_t i = 0; i < f->nresults; i++) {
		ft->results[i] = sbx_valtype(m, f->results[i]);
		*exact = *exact && sbx_valtype_exact(f->results[i]);
	}
	return ft;
}

static Wasmc__V1__Limits *limits(cmn_arena *a, const rt_limits *l)
{
	Wasmc__V1__Limits *lm = cmn_arena_alloc(a, 1, sizeof *lm);
	if (!lm)
		return NULL;
	wasmc__v1__limits__init(lm);
	lm->min = l->min;
	lm->max = l->has_max ? l->max : 0;
	lm->has_max = l->has_max;
	return lm;
}

Wasmc__V1__ExternType *sbx_extern_type(cmn_arena *a, const rt_module *m, uint8_t kind,
                                       uint32_t index)
{
	Wasmc__V1__ExternType *et = cmn_arena_alloc(a, 1, sizeof *et);
	if (!et)
		return NULL;
	wasmc__v1__extern_type__init(et);
	bool exact = true;
	text t = {.len = 0};
	switch (kind) {
	case RT_EXTERN_FUNC:
	case RT_EXTERN_TAG: {
		uint32_t ty = kind == RT_EXTERN_FUNC ? m->funcs[index].type : m->tags[index].type;
		const rt_functype *f = rt_module_functype(m, ty);
		et->kind = kind == RT_EXTERN_FUNC ? WASMC__V1__EXTERN_KIND__EXTERN_FUNC
		                                  : WASMC__V1__EXTERN_KIND__EXTERN_TAG;
		et->func = func_type(a, m, f, &exact);
		if (!et->func)
			return NULL;
		if (!exact) {
			if (kind == RT_EXTERN_TAG)
				put(&t, "(tag ");
			put_functype(&t, f);
			if (kind == RT_EXTERN_TAG)
				put(&t, ")");
		}
		break;
	}
	case RT_EXTERN_TABLE: {
		const rt_tabletype *tt = &m->tables[index];
		et->kind = WASMC__V1__EXTERN_KIND__EXTERN_TABLE;
		et->table_elem = sbx_valtype(m, tt->elem);
		et->limits = limits(a, &tt->limits);
		et->memory64 = tt->limits.is64;
		if (!et->limits)
			return NULL;
		if (!sbx_valtype_exact(tt->elem)) {
			put(&t, "(table %s%" PRIu64 " ", tt->limits.is64 ? "i64 " : "",
			    tt->limits.min);
			if (tt->limits.has_max)
				put(&t, "%" PRIu64 " ", tt->limits.max);
			put_valtype(&t, tt->elem);
			put(&t, ")");
		}
		break;
	}
	case RT_EXTERN_MEMORY: {
		const rt_memtype *mt = &m->memories[index];
		et->kind = WASMC__V1__EXTERN_KIND__EXTERN_MEMORY;
		et->limits = limits(a, &mt->limits);
		if (!et->limits)
			return NULL;
		et->memory64 = mt->limits.is64;
		et->shared = mt->limits.shared;
		et->page_size_log2 = mt->limits.page_log2 ? mt->limits.page_log2 : 16;
		break;
	}
	case RT_EXTERN_GLOBAL: {
		const rt_globaltype *g = &m->globals[index];
		et->kind = WASMC__V1__EXTERN_KIND__EXTERN_GLOBAL;
		et->global_type = sbx_valtype(m, g->type);
		et->global_mutable = g->mut;
		if (!sbx_valtype_exact(g->type)) {
			put(&t, "(global %s", g->mut ? "(mut " : "");
			put_valtype(&t, g->type);
			put(&t, "%s)", g->mut ? ")" : "");
		}
		break;
	}
	default:
		break;
	}
	if (t.len) {
		et->text = arena_strndup(a, t.buf, t.len);
		if (!et->text)
			return NULL;
	}
	return et;
}

bool sbx_describe_imports(cmn_arena *a, const rt_module *m, size_t *ret_n, Wasmc__V1__Import ***ret)
{
	Wasmc__V1__Import **v = cmn_arena_alloc(a, m->nimports, sizeof *v);
	if (!v)
		return false;
	for (uint32_t i = 0; i < m->nimports; i++) {
		const rt_import *im = &m->imports[i];
		Wasmc__V1__Import *x = cmn_arena_alloc(a, 1, sizeof *x);
		if (!x)
			return false;
		wasmc__v1__import__init(x);
		x->module = arena_strndup(a, im->module.ptr, im->module.len);
		x->name = arena_strndup(a, im->field.ptr, im->field.len);
		x->type = sbx_extern_type(a, m, im->kind, im->index);
		if (!x->module || !x->name || !x->type)
			return false;
		v[i] = x;
	}
	*ret_n = m->nimports;
	*ret = v;
	return true;
}

bool sbx_describe_exports(cmn_arena *a, const rt_module *m, size_t *ret_n, Wasmc__V1__Export ***ret)
{
	Wasmc__V1__Export **v = cmn_arena_alloc(a, m->nexports, sizeof *v);
	if (!v)
		return false;
	for (uint32_t i = 0; i < m->nexports; i++) {
		const rt_export *ex = &m->exports[i];
		Wasmc__V1__Export *x = cmn_arena_alloc(a, 1, sizeof *x);
		if (!x)
			return false;
		wasmc__v1__export__init(x);
		x->name = arena_strndup(a, ex->name.ptr, ex->name.len);
		x->type = sbx_extern_type(a, m, ex->kind, ex->index);
		if (!x->name || !x->type)
			return false;
		v[i] = x;
	}
	*ret_n = m->nexports;
	*ret = v;
	return true;
}
