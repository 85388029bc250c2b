/*
 * cm_validate_names.c - import and export names (Explainer.md "Import and
 * Export Definitions"): kebab-case labels, [constructor]/[method]/[static]
 * annotations, interface names with semver versions, url/integrity/dep
 * forms, attributes, and strongly-unique name sets.
 */
#include <stdio.h>
#include <string.h>

#include "cm_validate_int.h"

static bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
static bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* label ::= fragment ('-' fragment)*, first fragment starts with a
 * letter; a fragment is all lower-case+digits or all upper-case+digits. */
static bool label_ok(const char *p, size_t n)
{
	if (!n)
		return false;
	size_t i = 0;
	bool first = true;
	for (;;) {
		size_t st = i;
		if (i >= n)
			return false;
		if (first && !is_lower(p[i]) && !is_upper(p[i]))
			return false;
		bool up = false, low = false;
		while (i < n && p[i] != '-') {
			if (is_upper(p[i]))
				up = true;
			else if (is_lower(p[i]))
				low = true;
			else if (!is_digit(p[i]))
				return false;
			i++;
		}
		if (i == st || (up && low))
			return false;
		first = false;
		if (i == n)
			return true;
		i++; /* '-' */
	}
}

/* words ::= lower-case word ('-' word)*: namespaces and package names */
static bool words_ok(const char *p, size_t n)
{
	if (!n || !is_lower(p[0]))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '-') {
			if (i + 1 >= n || p[i + 1] == '-')
				return false;
		} else if (!is_lower(p[i]) && !is_digit(p[i])) {
			return false;
		}
	}
	return true;
}

bool cm_v_label(cm_vstate *s, const char *what, const char *name, size_t off)
{
	if (!label_ok(name, strlen(name)))
		return cmn_fail_at(s->err, off, "%s `%s` is not in kebab case", what, name);
	return true;
}

/* ---- semver ---- */

static bool semver_num(const char **pp, const char *end, char *msg, size_t mn)
{
	const char *p = *pp;
	if (p >= end) {
		snprintf(msg, mn, "unexpected end of input while parsing major version number");
		return false;
	}
	if (!is_digit(*p)) {
		snprintf(msg, mn, "unexpected character '%c' while parsing version number", *p);
		return false;
	}
	if (*p == '0' && p + 1 < end && is_digit(p[1])) {
		snprintf(msg, mn, "invalid leading zero in version number");
		return false;
	}
	while (p < end && is_digit(*p))
		p++;
	*pp = p;
	return true;
}

static bool semver_idents(const char **pp, const char *end, char *msg, size_t mn)
{
	const char *p = *pp;
	for (;;) {
		const char *st = p;
		while (p < end && (is_lower(*p) || is_upper(*p) || is_digit(*p) || *p == '-'))
			p++;
		if (p == st) {
			snprintf(msg, mn, "empty identifier segment");
			return false;
		}
		if (p < end && *p == '.') {
			p++;
			continue;
		}
		break;
	}
	*pp = p;
	return true;
}

static bool semver_ok(const char *p, size_t n, char *msg, size_t mn)
{
	const char *end = p + n;
	if (!n) {
		snprintf(msg, mn, "empty string, expected a semver version");
		return false;
	}
	for (int part = 0; part < 3; part++) {
		if (part) {
			if (p >= end) {
				snprintf(msg, mn, "unexpected end of input while parsing version number");
				return false;
			}
			if (*p != '.') {
				snprintf(msg, mn, "unexpected character '%c' after version number", *p);
				return false;
			}
			p++;
		}
		if (!semver_num(&p, end, msg, mn))
			return false;
	}
	if (p < end && *p == '-') {
		p++;
		if (!semver_idents(&p, end, msg, mn))
			return false;
	}
	if (p < end && *p == '+') {
		p++;
		if (!semver_idents(&p, end, msg, mn))
			return false;
	}
	if (p < end) {
		snprintf(msg, mn, "unexpected character '%c' after version", *p);
		return false;
	}
	return true;
}

/* ---- extern names ---- */

/* Fails with the name and the reason. */
static bool bad(cm_vstate *s, size_t off, const char *full, const char *fmt, const char *arg)
{
	char why[1024];
	snprintf(why, sizeof why, fmt, arg);
	return cmn_fail_at(s->err, off, "`%s` is not a valid extern name: %s", full, why);
}

static bool seg_label(cm_vstate *s, size_t off, const char *full, const char *p, size_t n)
{
	char seg[256];
	snprintf(seg, sizeof seg, "%.*s", (int)(n > 200 ? 200 : n), p);
	if (!label_ok(p, n))
		return cmn_fail_at(s->err, off, "`%s` is not in kebab case (in `%s`, not a valid extern name)", seg, full);
	return true;
}

static bool interface_name(cm_vstate *s, const char *full, const char *p, size_t n, size_t off)
{
	const char *end = p + n;
	const char *at = memchr(p, '@', n);
	const char *body_end = at ? at : end;
	/* namespace(s): words ':' ... then package, '/' iface */
	const char *colon = memchr(p, ':', (size_t)(body_end - p));
	if (!colon)
		return bad(s, off, full, "expected `:` in `%s`", full);
	const char *q = p;
	char seg[256];
	while (colon) {
		snprintf(seg, sizeof seg, "%.*s", (int)(colon - q > 200 ? 200 : colon - q), q);
		if (!label_ok(q, (size_t)(colon - q)))
			return cmn_fail_at(s->err, off, "`%s` is not in kebab case (`%s` is not a valid extern name)", seg, full);
		if (!words_ok(q, (size_t)(colon - q)))
			return bad(s, off, full, "`%s` is not a valid namespace", seg);
		q = colon + 1;
		const char *slash = memchr(q, '/', (size_t)(body_end - q));
		const char *next = memchr(q, ':', (size_t)(body_end - q));
		if (next && (!slash || next < slash)) {
			return bad(s, off, full, "expected `/` after package name%s", "");
		}
		colon = NULL;
	}
	const char *slash = memchr(q, '/', (size_t)(body_end - q));
	size_t pkg_len = slash ? (size_t)(slash - q) : (size_t)(body_end - q);
	snprintf(seg, sizeof seg, "%.*s", (int)(pkg_len > 200 ? 200 : pkg_len), q);
	if (!label_ok(q, pkg_len))
		return cmn_fail_at(s->err, off, "`%s` is not in kebab case (`%s` is not a valid extern name)", seg, full);
	if (!words_ok(q, pkg_len))
		return bad(s, off, full, "`%s` is not a valid package name", seg);
	if (!slash)
		return bad(s, off, full, "expected `/` after package name%s", "");
	q = slash + 1;
	const char *slash2 = memchr(q, '/', (size_t)(body_end - q));
	size_t il = slash2 ? (size_t)(slash2 - q) : (size_t)(body_end - q);
	if (!seg_label(s, off, full, q, il))
		return false;
	if (slash2) {
		snprintf(seg, sizeof seg, "%.*s", (int)((body_end - slash2) > 200 ? 200 : (body_end - slash2)), slash2);
		return bad(s, off, full, "trailing characters found: `%s`", seg);
	}
	if (at) {
		char msg[160];
		if (!semver_ok(at + 1, (size_t)(end - at - 1), msg, sizeof msg))
			return bad(s, off, full, "%s", msg);
	}
	return true;
}

static bool plain_name(cm_vstate *s, const char *full, size_t off, parsed_name *pn)
{
	size_t n = strlen(full);
	static const struct {
		const char *prefix;
		uint8_t kind;
	} ann[] = {
		{"[constructor]", NAME_CONSTRUCTOR}, {"[method]", NAME_METHOD}, {"[static]", NAME_STATIC},
		{"[async]", NAME_PLAIN}, {"[async method]", NAME_METHOD}, {"[async static]", NAME_STATIC},
	};
	for (size_t i = 0; i < sizeof ann / sizeof ann[0]; i++) {
		size_t pl = strlen(ann[i].prefix);
		if (n < pl || strncmp(full, ann[i].prefix, pl) != 0)
			continue;
		const char *rest = full + pl;
		pn->kind = ann[i].kind;
		if (ann[i].kind == NAME_CONSTRUCTOR || (ann[i].kind == NAME_PLAIN)) {
			if (!label_ok(rest, strlen(rest)))
				return cmn_fail_at(s->err, off, "`%s` is not in kebab case", rest);
			snprintf(pn->resource, sizeof pn->resource, "%s", rest);
			return true;
		}
		const char *dot = strchr(rest, '.');
		if (!dot)
			return cmn_fail_at(s->err, off, "failed to find `.` character in `%s`", full);
		if (!label_ok(rest, (size_t)(dot - rest))) {
			return cmn_fail_at(s->err, off, "`%.*s` is not in kebab case", (int)(dot - rest), rest);
		}
		if (!label_ok(dot + 1, strlen(dot + 1)))
			return cmn_fail_at(s->err, off, "`%s` is not in kebab case", dot + 1);
		snprintf(pn->resource, sizeof pn->resource, "%.*s", (int)(dot - rest > 250 ? 250 : dot - rest), rest);
		snprintf(pn->method, sizeof pn->method, "%s", dot + 1);
		return true;
	}
	if (full[0] == '[')
		return cmn_fail_at(s->err, off, "`%s` is not in kebab case (unknown annotation)", full);
	pn->kind = NAME_PLAIN;
	if (!label_ok(full, n))
		return cmn_fail_at(s->err, off, "`%s` is not in kebab case (`%s` is not a valid extern name)", full, full);
	return true;
}

static bool starts(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

static bool bracketed(const char *s, const char *prefix, const char **ret_after)
{
	if (!starts(s, prefix))
		return false;
	const char *close = strchr(s + strlen(prefix), '>');
	if (!close)
		return false;
	*ret_after = close + 1;
	return true;
}

bool cm_v_extname(cm_vstate *s, const cm_extname *n, bool is_import, parsed_name *ret)
{
	const char *full = n->name.s;
	size_t len = n->name.len;
	memset(ret, 0, sizeof *ret);
	if (strlen(full) != len)
		return cmn_fail_at(s->err, n->off, "name contains a NUL character");
	if (is_import) {
		const char *after;
		if (bracketed(full, "url=<", &after) || bracketed(full, "locked-dep=<", &after)) {
			ret->kind = starts(full, "url") ? NAME_URL : NAME_DEP;
			if (*after && !(after[0] == ',' && bracketed(after + 1, "integrity=<", &after) && !*after))
				return cmn_fail_at(s->err, n->off, "`%s` is not a valid extern name", full);
			return true;
		}
		if (bracketed(full, "unlocked-dep=<", &after) || bracketed(full, "integrity=<", &after)) {
			ret->kind = starts(full, "integrity") ? NAME_HASH : NAME_DEP;
			if (*after)
				return cmn_fail_at(s->err, n->off, "`%s` is not a valid extern name", full);
			return true;
		}
	}
	if (strchr(full, ':') || strchr(full, '/') || strchr(full, '@')) {
		if (!strchr(full, ':'))
			return cmn_fail_at(s->err, n->off, "`%s` is not in kebab case", full);
		ret->kind = NAME_INTERFACE;
		if (!interface_name(s, full, full, len, n->off))
			return false;
	} else if (!plain_name(s, full, n->off, ret)) {
		return false;
	}
	if (n->has_implements) {
		if (ret->kind != NAME_PLAIN)
			return cmn_fail_at(s->err, n->off, "name `%s` is not valid with `implements`", full);
		const char *im = n->implements.s;
		if (!*im)
			return cmn_fail_at(s->err, n->off, "`implements` name `` is not a valid name: it must be an interface");
		if (!strchr(im, ':') || strchr(im, '@') != NULL)
			if (!strchr(im, ':'))
				return cmn_fail_at(s->err, n->off, "`implements` name `%s` must be an interface", im);
		parsed_name tmp;
		cmn_error saved = *s->err;
		if (!interface_name(s, im, im, strlen(im), n->off)) {
			char why[CMN_ERROR_MSG_MAX];
			snprintf(why, sizeof why, "%s", s->err->msg);
			*s->err = saved;
			return cmn_fail_at(s->err, n->off, "`implements` name `%s` must be an interface: %s", im, why);
		}
		(void)tmp;
	}
	if (n->has_version_suffix) {
		const char *at = strchr(full, '@');
		if (ret->kind != NAME_INTERFACE || !at)
			return cmn_fail_at(s->err, n->off, "`versionsuffix` requires an interface name with a version");
	}
	return true;
}

/* ---- strongly-unique sets ---- */

static const char *canon(cm_vstate *s, const char *name)
{
	char buf[1024];
	size_t n = strlen(name);
	if (n >= sizeof buf)
		n = sizeof buf - 1;
	for (size_t i = 0; i < n; i++)
		buf[i] = is_upper(name[i]) ? (char)(name[i] + 32) : name[i];
	buf[n] = 0;
	char *p = buf;
	const char *prefixes[] = {"[method]", "[static]", "[async method]", "[async static]", "[async]"};
	for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
		size_t pl = strlen(prefixes[i]);
		if (strncmp(p, prefixes[i], pl) == 0) {
			p += pl;
			char *dot = strchr(p, '.');
			if (dot && strcmp(dot + 1, "") != 0) {
				size_t ll = (size_t)(dot - p);
				if (strlen(dot + 1) == ll && strncmp(p, dot + 1, ll) == 0)
					*dot = 0;
			}
			break;
		}
	}
	return vt_strdup(s, p);
}

bool name_set_has(const name_set *set, const char *name)
{
	for (uint32_t i = 0; i < set->n; i++)
		if (strcmp(set->orig[i], name) == 0)
			return true;
	return false;
}

bool name_set_add(cm_vstate *s, name_set *set, const char *name, const char *what, size_t off)
{
	const char *c = canon(s, name);
	if (!c)
		return cmn_fail(s->err, "out of memory");
	for (uint32_t i = 0; i < set->n; i++)
		if (strcmp(set->v[i], c) == 0)
			return cmn_fail_at(s->err, off, "%s name `%s` conflicts with previous name `%s`", what, name,
			                   set->orig[i]);
	if (set->n == set->cap) {
		uint32_t nc = set->cap ? set->cap * 2 : 8;
		const char **nv = cmn_arena_alloc(&s->arena, nc, sizeof(char *));
		const char **no = cmn_arena_alloc(&s->arena, nc, sizeof(char *));
		if (!nv || !no)
			return cmn_fail(s->err, "out of memory");
		if (set->n) {
			memcpy(nv, set->v, set->n * sizeof(char *));
			memcpy(no, set->orig, set->n * sizeof(char *));
		}
		set->v = nv;
		set->orig = no;
		set->cap = nc;
	}
	set->v[set->n] = c;
	set->orig[set->n] = name;
	set->n++;
	return true;
}

/* ---- [constructor], [method], [static] typing rules ---- */

/* The name under which the resource `res` is imported or exported in the
 * namespace `ns` (a scope's imports, or its exports), or NULL. */
static const char *resource_name(const vt_ext_list *ns, const vt *res)
{
	/* by type identity: the index an import or export introduced */
	for (uint32_t i = 0; i < ns->n; i++)
		if (ns->v[i].sort == CM_SORT_TYPE && ns->v[i].t == res)
			return ns->v[i].name;
	return NULL;
}

static bool resource_named(const vt_ext_list *ns, const char *label)
{
	for (uint32_t i = 0; i < ns->n; i++)
		if (ns->v[i].sort == CM_SORT_TYPE && ns->v[i].t->kind == VT_RESOURCE && strcmp(ns->v[i].name, label) == 0)
			return true;
	return false;
}

static bool expect_resource(cm_vstate *s, const vt_ext_list *ns, const vt *res, const char *want, size_t off)
{
	const char *have = resource_name(ns, res);
	if (!have)
		return cmn_fail_at(s->err, off, "resource used in function does not have a name in this context");
	if (strcmp(have, want) != 0)
		return cmn_fail_at(s->err, off, "function does not match expected resource name `%s`", have);
	return true;
}

bool cm_v_name_func_rules(cm_vstate *s, const vt_ext_list *ns, const parsed_name *pn, uint8_t sort, const vt *t,
                          size_t off)
{
	if (pn->kind != NAME_CONSTRUCTOR && pn->kind != NAME_METHOD && pn->kind != NAME_STATIC)
		return true;
	if (sort != CM_SORT_FUNC)
		return cmn_fail_at(s->err, off, "item is not a func");
	switch (pn->kind) {
	case NAME_CONSTRUCTOR: {
		const vt *res = t->a;
		if (!res)
			return cmn_fail_at(s->err, off, "function should return one value");
		if (res->kind == VT_RESULT && res->a)
			res = res->a;
		if (res->kind != VT_OWN)
			return cmn_fail_at(s->err, off, "function should return `(own $T)` or `(result (own $T))`");
		return expect_resource(s, ns, res->a, pn->resource, off);
	}
	case NAME_METHOD: {
		if (!t->n)
			return cmn_fail_at(s->err, off, "function should have at least one argument");
		if (strcmp(t->f[0].name, "self") != 0)
			return cmn_fail_at(s->err, off, "function should have a first argument called `self`");
		const vt *p = t->f[0].t;
		if (p->kind != VT_BORROW)
			return cmn_fail_at(s->err, off, "function should take a first argument of `(borrow $T)`");
		return expect_resource(s, ns, p->a, pn->resource, off);
	}
	default:
		if (!resource_named(ns, pn->resource))
			return cmn_fail_at(s->err, off, "static resource name is not known in this context");
		return true;
	}
}

bool cm_v_implements_sort(cm_vstate *s, const cm_extname *n, uint8_t sort)
{
	if (n->has_implements && sort != CM_SORT_INSTANCE)
		return cmn_fail_at(s->err, n->off, "only instances can have an `implements`");
	return true;
}
