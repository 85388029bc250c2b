/*
 * cm_validate_sub.c - subtyping of component types (is the provided type
 * `a` usable where `b` is expected?), with wasm-tools' messages, and of
 * core extern and module types.
 */
#include <stdio.h>
#include <string.h>

#include "cm_validate_int.h"
#include "rt_types.h"

static bool sub(cm_vstate *s, const vt *a, const vt *b, size_t off, unsigned depth);

/* Wraps the error already in s->err with a context line in front. */
static bool ctx(cm_vstate *s, size_t off, const char *fmt, const char *arg)
{
	char head[CMN_ERROR_MSG_MAX];
	char tail[CMN_ERROR_MSG_MAX];
	snprintf(head, sizeof head, fmt, arg);
	snprintf(tail, sizeof tail, "%s", s->err ? s->err->msg : "");
	/* the innermost reason first: nested contexts stay within the
	 * message size */
	return cmn_fail_at(s->err, off, "%s (%s)", tail, head);
}

static bool ctx_u(cm_vstate *s, size_t off, const char *fmt, uint32_t arg)
{
	char buf[16];
	snprintf(buf, sizeof buf, "%u", arg);
	return ctx(s, off, fmt, buf);
}

static const char *prim_name(const vt *t)
{
	return t->prim == CM_VT_ERROR_CONTEXT ? "error-context" : cm_kind_name((cm_kind)t->prim);
}

static bool same_labels(const vt *a, const vt *b)
{
	if (a->n != b->n)
		return false;
	for (uint32_t i = 0; i < a->n; i++)
		if (strcmp(a->f[i].name, b->f[i].name) != 0)
			return false;
	return true;
}

static bool val_sub(cm_vstate *s, const vt *a, const vt *b, size_t off, unsigned depth)
{
	if (a == b)
		return true;
	if (a->kind == VT_PRIM && b->kind == VT_PRIM) {
		if (a->prim != b->prim)
			return cmn_fail_at(s->err, off, "expected primitive `%s` found primitive `%s`", prim_name(b),
			                   prim_name(a));
		return true;
	}
	if (a->kind == VT_PRIM && a->inline_prim)
		return cmn_fail_at(s->err, off, "expected %s, found %s", vt_kind_desc(b), prim_name(a));
	if (b->kind == VT_PRIM && !b->inline_prim)
		return cmn_fail_at(s->err, off, "expected primitive, found %s", vt_kind_desc(a));
	if (a->kind != b->kind)
		return cmn_fail_at(s->err, off, "expected %s, found %s", vt_kind_desc(b), vt_kind_desc(a));
	switch (a->kind) {
	case VT_RECORD:
		if (a->n != b->n)
			return cmn_fail_at(s->err, off, "expected %u fields, found %u", b->n, a->n);
		for (uint32_t i = 0; i < a->n; i++) {
			if (strcmp(a->f[i].name, b->f[i].name) != 0)
				return cmn_fail_at(s->err, off, "expected field name `%s`, found `%s`", b->f[i].name,
				                   a->f[i].name);
			if (!sub(s, a->f[i].t, b->f[i].t, off, depth + 1))
				return ctx(s, off, "type mismatch in record field `%s`", a->f[i].name);
		}
		return true;
	case VT_VARIANT:
		if (a->n != b->n)
			return cmn_fail_at(s->err, off, "expected %u cases, found %u", b->n, a->n);
		for (uint32_t i = 0; i < a->n; i++) {
			if (strcmp(a->f[i].name, b->f[i].name) != 0)
				return cmn_fail_at(s->err, off, "expected case named `%s`, found `%s`", b->f[i].name,
				                   a->f[i].name);
			if (!a->f[i].t && b->f[i].t)
				return cmn_fail_at(s->err, off, "expected case `%s` to have a type, found none",
				                   a->f[i].name);
			if (a->f[i].t && !b->f[i].t)
				return cmn_fail_at(s->err, off, "expected case `%s` to have no type", a->f[i].name);
			if (a->f[i].t && !sub(s, a->f[i].t, b->f[i].t, off, depth + 1))
				return ctx(s, off, "type mismatch in variant case `%s`", a->f[i].name);
		}
		return true;
	case VT_TUPLE:
		if (a->n != b->n)
			return cmn_fail_at(s->err, off, "expected %u types, found %u", b->n, a->n);
		for (uint32_t i = 0; i < a->n; i++)
			if (!sub(s, a->f[i].t, b->f[i].t, off, depth + 1))
				return ctx_u(s, off, "type mismatch in tuple field %s", i);
		return true;
	case VT_FLAGS:
		if (!same_labels(a, b))
			return cmn_fail_at(s->err, off, "mismatch in flags elements");
		return true;
	case VT_ENUM:
		if (!same_labels(a, b))
			return cmn_fail_at(s->err, off, "mismatch in enum elements");
		return true;
	case VT_LIST:
		if (a->len != b->len)
			return cmn_fail_at(s->err, off, "expected list length %u, found %u", b->len, a->len);
		if (!sub(s, a->a, b->a, off, depth + 1))
			return ctx(s, off, "type mismatch in list%s", "");
		return true;
	case VT_OPTION:
		if (!sub(s, a->a, b->a, off, depth + 1))
			return ctx(s, off, "type mismatch in option%s", "");
		return true;
	case VT_MAP:
		if (!sub(s, a->a, b->a, off, depth + 1) || !sub(s, a->b, b->b, off, depth + 1))
			return ctx(s, off, "type mismatch in map%s", "");
		return true;
	case VT_RESULT:
		if (a->a && !b->a)
			return cmn_fail_at(s->err, off, "expected ok type to not be present");
		if (!a->a && b->a)
			return cmn_fail_at(s->err, off, "expected ok type, but found none");
		if (a->a && !sub(s, a->a, b->a, off, depth + 1))
			return ctx(s, off, "type mismatch in ok variant%s", "");
		if (a->b && !b->b)
			return cmn_fail_at(s->err, off, "expected err type to not be present");
		if (!a->b && b->b)
			return cmn_fail_at(s->err, off, "expected err type, but found none");
		if (a->b && !sub(s, a->b, b->b, off, depth + 1))
			return ctx(s, off, "type mismatch in err variant%s", "");
		return true;
	case VT_OWN:
	case VT_BORROW:
		if (a->a->rid != b->a->rid)
			return cmn_fail_at(s->err, off, "resource types are not the same");
		return true;
	case VT_STREAM:
	case VT_FUTURE:
		if (!a->a != !b->a)
			return cmn_fail_at(s->err, off, "expected %s element type to match", vt_kind_desc(b));
		return !a->a || sub(s, a->a, b->a, off, depth + 1);
	default:
		return true;
	}
}

static bool func_sub(cm_vstate *s, const vt *a, const vt *b, size_t off, unsigned depth)
{
	if (a->async != b->async)
		return cmn_fail_at(s->err, off, "expected %s function, found %s function", b->async ? "async" : "sync",
		                   a->async ? "async" : "sync");
	if (a->n != b->n)
		return cmn_fail_at(s->err, off, "expected %u parameters, found %u", b->n, a->n);
	for (uint32_t i = 0; i < a->n; i++) {
		if (strcmp(a->f[i].name, b->f[i].name) != 0)
			return cmn_fail_at(s->err, off, "expected parameter named `%s`, found `%s`", b->f[i].name,
			                   a->f[i].name);
		if (!sub(s, a->f[i].t, b->f[i].t, off, depth + 1))
			return ctx(s, off, "type mismatch in function parameter `%s`", a->f[i].name);
	}
	/* wasm-tools' wording, which names the provided side first */
	if (a->a && !b->a)
		return cmn_fail_at(s->err, off, "expected a result, found none");
	if (!a->a && b->a)
		return cmn_fail_at(s->err, off, "expected no result, found one");
	if (a->a && !sub(s, a->a, b->a, off, depth + 1))
		return ctx(s, off, "type mismatch with result type%s", "");
	return true;
}

static const vt_ext *find_ext(const vt_ext *v, uint32_t n, const char *name)
{
	for (uint32_t i = 0; i < n; i++)
		if (strcmp(v[i].name, name) == 0)
			return &v[i];
	return NULL;
}

/* Maps the abstract resources `rids` of `b` (found among b's extern
 * entries) to the resources at the same names in `a`. */
static bool map_resources(cm_vstate *s, rid_map *m, const vt_ext *be, uint32_t bn, const vt_ext *ae,
                          uint32_t an, const uint32_t *rids, uint32_t nrids, unsigned depth)
{
	if (depth > 100)
		return true;
	for (uint32_t i = 0; i < bn; i++) {
		const vt_ext *x = &be[i];
		const vt_ext *y = find_ext(ae, an, x->name);
		if (!y || y->sort != x->sort)
			continue;
		if (x->sort == CM_SORT_TYPE && x->t->kind == VT_RESOURCE && y->t->kind == VT_RESOURCE) {
			for (uint32_t k = 0; k < nrids; k++)
				if (rids[k] == x->t->rid && x->t->rid != y->t->rid && !rid_map_add(s, m, x->t->rid, y->t))
					return false;
		} else if (x->sort == CM_SORT_INSTANCE && x->t->kind == VT_INSTANCE && y->t->kind == VT_INSTANCE) {
			if (!map_resources(s, m, x->t->exports, x->t->nexports, y->t->exports, y->t->nexports, rids,
			                   nrids, depth + 1))
				return false;
		}
	}
	return true;
}

bool vt_ext_sub(cm_vstate *s, uint8_t sort, const vt *a, const vt *b, size_t off)
{
	(void)sort;
	return sub(s, a, b, off, 0);
}

static bool ext_list_sub(cm_vstate *s, const vt_ext *ae, uint32_t an, const vt_ext *be, uint32_t bn,
                         const char *what, size_t off, unsigned depth)
{
	/* every entry of b must be in a */
	for (uint32_t i = 0; i < bn; i++) {
		const vt_ext *y = find_ext(ae, an, be[i].name);
		if (!y)
			return cmn_fail_at(s->err, off, "missing expected export `%s`", be[i].name);
		if (y->sort != be[i].sort)
			return cmn_fail_at(s->err, off, "type mismatch in %s `%s`: expected %s, found %s", what, be[i].name,
			                   cm_sort_name((cm_sort)be[i].sort), cm_sort_name((cm_sort)y->sort));
		if (!sub(s, y->t, be[i].t, off, depth + 1)) {
			char head[CMN_ERROR_MSG_MAX];
			snprintf(head, sizeof head, "type mismatch in %s `%s`", what, be[i].name);
			return ctx(s, off, "%s", head);
		}
	}
	return true;
}

static bool sub(cm_vstate *s, const vt *a, const vt *b, size_t off, unsigned depth)
{
	if (a == b)
		return true;
	if (depth > 200)
		return cmn_fail_at(s->err, off, "type nesting too deep");
	if (vt_is_defined(a) && vt_is_defined(b))
		return val_sub(s, a, b, off, depth);
	if (a->kind == VT_RESOURCE && b->kind == VT_RESOURCE) {
		if (a->rid != b->rid)
			return cmn_fail_at(s->err, off, "resource types are not the same");
		return true;
	}
	if (a->kind != b->kind) {
		const char *an = vt_is_defined(a) ? "defined type" : vt_kind_desc(a);
		const char *bn = vt_is_defined(b) ? "defined type" : vt_kind_desc(b);
		if (a->kind == VT_RESOURCE || b->kind == VT_RESOURCE)
			return cmn_fail_at(s->err, off, "expected %s, found %s", bn, an);
		return cmn_fail_at(s->err, off, "expected %s, found %s", bn, an);
	}
	switch (a->kind) {
	case VT_FUNC:
		return func_sub(s, a, b, off, depth);
	case VT_INSTANCE: {
		rid_map m = {0};
		if (!map_resources(s, &m, b->exports, b->nexports, a->exports, a->nexports, b->res_out, b->nres_out, 0))
			return false;
		vt *bb = vt_subst(s, (vt *)b, &m);
		if (!bb)
			return false;
		return ext_list_sub(s, a->exports, a->nexports, bb->exports, bb->nexports, "instance export", off, depth);
	}
	case VT_COMPONENT: {
		/* a's imports must be satisfiable by b's; b's exports in a's */
		rid_map m = {0};
		if (!map_resources(s, &m, a->imports, a->nimports, b->imports, b->nimports, a->res_in, a->nres_in, 0))
			return false;
		vt *aa = vt_subst(s, (vt *)a, &m);
		if (!aa)
			return false;
		for (uint32_t i = 0; i < aa->nimports; i++) {
			const vt_ext *y = find_ext(b->imports, b->nimports, aa->imports[i].name);
			if (!y)
				return cmn_fail_at(s->err, off, "missing expected import `%s`", aa->imports[i].name);
			if (!sub(s, y->t, aa->imports[i].t, off, depth + 1))
				return ctx(s, off, "type mismatch in import `%s`", aa->imports[i].name);
		}
		rid_map m2 = {0};
		if (!map_resources(s, &m2, b->exports, b->nexports, aa->exports, aa->nexports, b->res_out, b->nres_out,
		                   0))
			return false;
		vt *bb = vt_subst(s, (vt *)b, &m2);
		if (!bb)
			return false;
		for (uint32_t i = 0; i < bb->nexports; i++) {
			const vt_ext *y = find_ext(aa->exports, aa->nexports, bb->exports[i].name);
			if (!y)
				return cmn_fail_at(s->err, off, "missing expected export `%s`", bb->exports[i].name);
			if (!sub(s, y->t, bb->exports[i].t, off, depth + 1))
				return ctx(s, off, "type mismatch in export `%s`", bb->exports[i].name);
		}
		return true;
	}
	case VT_CORE_MODULE:
		return vt_core_module_sub(s, a, b, off);
	case VT_CORE_FUNC: {
		vt_cext x = {.kind = RT_EXTERN_FUNC, .func = (vt *)a};
		vt_cext y = {.kind = RT_EXTERN_FUNC, .func = (vt *)b};
		return vt_cext_sub(s, &x, &y, off);
	}
	default:
		return true;
	}
}

bool vt_sub(cm_vstate *s, const vt *a, const vt *b, size_t off)
{
	return sub(s, a, b, off, 0);
}

/* ---- core ---- */

static void func_text(const vt *f, char *buf, size_t n)
{
	size_t o = (size_t)snprintf(buf, n, "(func");
	char vb[48];
	if (f->nparams && o < n) {
		o += (size_t)snprintf(buf + o, n - o, " (param");
		for (uint32_t i = 0; i < f->nparams && o < n; i++)
			o += (size_t)snprintf(buf + o, n - o, " %s", core_valtype_name(&f->params[i], vb, sizeof vb));
		if (o < n)
			o += (size_t)snprintf(buf + o, n - o, ")");
	}
	if (f->nresults && o < n) {
		o += (size_t)snprintf(buf + o, n - o, " (result");
		for (uint32_t i = 0; i < f->nresults && o < n; i++)
			o += (size_t)snprintf(buf + o, n - o, " %s", core_valtype_name(&f->results[i], vb, sizeof vb));
		if (o < n)
			o += (size_t)snprintf(buf + o, n - o, ")");
	}
	if (o < n)
		snprintf(buf + o, n - o, ")");
}

static bool func_eq(const vt *a, const vt *b)
{
	if (a->nparams != b->nparams || a->nresults != b->nresults)
		return false;
	for (uint32_t i = 0; i < a->nparams; i++)
		if (!core_valtype_eq(&a->params[i], &b->params[i]))
			return false;
	for (uint32_t i = 0; i < a->nresults; i++)
		if (!core_valtype_eq(&a->results[i], &b->results[i]))
			return false;
	return true;
}

static bool limits_sub(const cm_core_limits *a, const cm_core_limits *b)
{
	if (a->is64 != b->is64 || a->min < b->min)
		return false;
	if (b->has_max && (!a->has_max || a->max > b->max))
		return false;
	return true;
}

static const char *ext_word(uint8_t k)
{
	switch (k) {
	case RT_EXTERN_FUNC: return "func";
	case RT_EXTERN_TABLE: return "table";
	case RT_EXTERN_MEMORY: return "memory";
	case RT_EXTERN_GLOBAL: return "global";
	default: return "tag";
	}
}

bool vt_cext_sub(cm_vstate *s, const vt_cext *a, const vt_cext *b, size_t off)
{
	char x[96], y[96];
	if (a->kind != b->kind)
		return cmn_fail_at(s->err, off, "expected %s, found %s", ext_word(b->kind), ext_word(a->kind));
	switch (a->kind) {
	case RT_EXTERN_FUNC:
	case RT_EXTERN_TAG:
		/* inline_prim marks the unchecked signature of a built-in */
		if (a->func && b->func && a->func->kind == VT_CORE_FUNC && b->func->kind == VT_CORE_FUNC &&
		    !a->func->inline_prim && !b->func->inline_prim && !func_eq(a->func, b->func)) {
			func_text(b->func, x, sizeof x);
			func_text(a->func, y, sizeof y);
			return cmn_fail_at(s->err, off, "type mismatch: expected: %s, found: %s", x, y);
		}
		return true;
	case RT_EXTERN_GLOBAL:
		if (a->mut != b->mut)
			return cmn_fail_at(s->err, off, "global types differ in mutability");
		if (!core_valtype_eq(&a->val, &b->val))
			return cmn_fail_at(s->err, off, "expected global type %s, found %s",
			                   core_valtype_name(&b->val, x, sizeof x), core_valtype_name(&a->val, y, sizeof y));
		return true;
	case RT_EXTERN_TABLE:
		if (!core_valtype_eq(&a->val, &b->val))
			return cmn_fail_at(s->err, off, "expected table element type %s, found %s",
			                   core_valtype_name(&b->val, x, sizeof x), core_valtype_name(&a->val, y, sizeof y));
		if (!limits_sub(&a->limits, &b->limits))
			return cmn_fail_at(s->err, off, "mismatch in table limits");
		return true;
	default:
		if (a->limits.shared != b->limits.shared)
			return cmn_fail_at(s->err, off, "mismatch in the shared flag for memories");
		if (!limits_sub(&a->limits, &b->limits))
			return cmn_fail_at(s->err, off, "mismatch in memory limits");
		return true;
	}
}

bool vt_core_module_sub(cm_vstate *s, const vt *a, const vt *b, size_t off)
{
	/* a's imports must all be provided by b's imports; b's exports in a */
	for (uint32_t i = 0; i < a->ncimports; i++) {
		const vt_cext *x = &a->cimports[i];
		const vt_cext *y = NULL;
		for (uint32_t j = 0; j < b->ncimports && !y; j++)
			if (strcmp(b->cimports[j].module, x->module) == 0 && strcmp(b->cimports[j].name, x->name) == 0)
				y = &b->cimports[j];
		if (!y)
			return cmn_fail_at(s->err, off, "missing expected import `%s::%s`", x->module, x->name);
		if (!vt_cext_sub(s, y, x, off)) {
			char head[CMN_ERROR_MSG_MAX];
			snprintf(head, sizeof head, "type mismatch in import `%s::%s`", x->module, x->name);
			return ctx(s, off, "%s", head);
		}
	}
	for (uint32_t i = 0; i < b->ncexports; i++) {
		const vt_cext *y = &b->cexports[i];
		const vt_cext *x = NULL;
		for (uint32_t j = 0; j < a->ncexports && !x; j++)
			if (strcmp(a->cexports[j].name, y->name) == 0)
				x = &a->cexports[j];
		if (!x)
			return cmn_fail_at(s->err, off, "missing expected export `%s`", y->name);
		if (!vt_cext_sub(s, x, y, off))
			return ctx(s, off, "type mismatch in export `%s`", y->name);
	}
	return true;
}
