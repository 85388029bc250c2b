/*
 * wcl_wit.c - the WIT text of a component's imports and exports
 * (wasmc_component_wit, `wasmctl inspect`):
 *
 *   package root:component;
 *
 *   world root {
 *     record rec { ... }                  named types of the world
 *     resource logger { log: func(...); } client resources with methods
 *     import name: func() -> string;
 *     import wasi:cli/environment@0.2.0;
 *
 *     export greet: func() -> string;
 *     export example:resources/counters;
 *   }
 *
 *   package example:resources {          interfaces, grouped by package
 *     interface counters {
 *       resource counter {
 *         constructor(start: u32);
 *         inc: func();
 *       }
 *       peek: func(c: borrow<counter>) -> u32;
 *     }
 *   }
 *
 * Interfaces whose name is a plain word are written inline
 * (`import logging: interface { ... }`). Methods lose their `self`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wcl_comp.h"
#include "wcl_error.h"
#include "wcl_module.h"

/* A resource function item: its resource name, kind and own name. */
typedef enum { RF_NONE, RF_CONSTRUCTOR, RF_METHOD, RF_STATIC } rf_kind;

static rf_kind resource_func(const char *name, const char **ret_res, size_t *ret_rlen,
                             const char **ret_fn)
{
	static const struct { const char *p; rf_kind k; } forms[] = {
		{"[constructor]", RF_CONSTRUCTOR}, {"[method]", RF_METHOD}, {"[static]", RF_STATIC}};
	for (size_t i = 0; i < 3; i++) {
		size_t pl = strlen(forms[i].p);
		if (strncmp(name, forms[i].p, pl) != 0)
			continue;
		const char *r = name + pl;
		if (forms[i].k == RF_CONSTRUCTOR) {
			*ret_res = r;
			*ret_rlen = strlen(r);
			*ret_fn = "";
		} else {
			const char *dot = strchr(r, '.');
			if (dot == NULL)
				return RF_NONE;
			*ret_res = r;
			*ret_rlen = (size_t)(dot - r);
			*ret_fn = dot + 1;
		}
		return forms[i].k;
	}
	return RF_NONE;
}

static void indent(wcl_buf *b, int n)
{
	for (int i = 0; i < n; i++)
		wcl_buf_add(b, "  ");
}

/* "(a: T, b: U) -> R" of a function, from parameter `first`. */
static void func_sig(wcl_buf *b, const wasmc_ctype *ft, uint32_t first, bool results)
{
	wcl_buf_add(b, "(");
	for (uint32_t i = first; i < ft->ncases; i++) {
		if (i > first)
			wcl_buf_add(b, ", ");
		wcl_wit_ident(b, ft->cases[i].name);
		wcl_buf_add(b, ": ");
		wcl_ctype_wit(b, ft->cases[i].type, false);
	}
	wcl_buf_add(b, ")");
	if (!results || ft->nresults == 0)
		return;
	if (ft->nresults == 1 && ft->results[0].name[0] == '\0') {
		wcl_buf_add(b, " -> ");
		wcl_ctype_wit(b, ft->results[0].type, false);
		return;
	}
	wcl_buf_add(b, " -> (");
	for (uint32_t i = 0; i < ft->nresults; i++) {
		if (i)
			wcl_buf_add(b, ", ");
		wcl_wit_ident(b, ft->results[i].name[0] ? ft->results[i].name : "r");
		wcl_buf_add(b, ": ");
		wcl_ctype_wit(b, ft->results[i].type, false);
	}
	wcl_buf_add(b, ")");
}

/* A named type's definition. */
static void def_type(wcl_buf *b, const char *name, const wasmc_ctype *t, int ind)
{
	indent(b, ind);
	switch (t->kind) {
	case WASMC_CK_RECORD:
	case WASMC_CK_VARIANT:
	case WASMC_CK_ENUM:
	case WASMC_CK_FLAGS:
		wcl_buf_add(b, wasmc_ckind_name(t->kind));
		wcl_buf_add(b, " ");
		wcl_wit_ident(b, name);
		wcl_buf_add(b, " {\n");
		for (uint32_t i = 0; i < t->ncases; i++) {
			indent(b, ind + 1);
			wcl_wit_ident(b, t->cases[i].name);
			if (t->cases[i].type) {
				wcl_buf_add(b, t->kind == WASMC_CK_RECORD ? ": " : "(");
				wcl_ctype_wit(b, t->cases[i].type, false);
				if (t->kind != WASMC_CK_RECORD)
					wcl_buf_add(b, ")");
			}
			wcl_buf_add(b, ",\n");
		}
		indent(b, ind);
		wcl_buf_add(b, "}\n");
		return;
	default:
		wcl_buf_add(b, "type ");
		wcl_wit_ident(b, name);
		wcl_buf_add(b, " = ");
		wcl_ctype_wit(b, t, t->name && strcmp(t->name, name) == 0);
		wcl_buf_add(b, ";\n");
		return;
	}
}

/* A resource and the functions of `items` (in `instance`) that belong to
 * it. */
static void def_resource(wcl_buf *b, const char *name, const wasmc_citem *items, size_t n,
                         const char *instance, int ind)
{
	size_t nl = strlen(name), count = 0;
	for (size_t i = 0; i < n; i++) {
		const char *r, *fn;
		size_t rl;
		const wasmc_citem *it = &items[i];
		if (it->kind != WASMC_CITEM_FUNC || strcmp(it->instance, instance) != 0)
			continue;
		rf_kind k = resource_func(it->name, &r, &rl, &fn);
		if (k == RF_NONE || rl != nl || strncmp(r, name, nl) != 0)
			continue;
		if (count++ == 0) {
			indent(b, ind);
			wcl_buf_add(b, "resource ");
			wcl_wit_ident(b, name);
			wcl_buf_add(b, " {\n");
		}
		indent(b, ind + 1);
		if (k == RF_CONSTRUCTOR) {
			wcl_buf_add(b, "constructor");
			func_sig(b, it->type, 0, false);
		} else {
			wcl_wit_ident(b, fn);
			wcl_buf_add(b, k == RF_STATIC ? ": static func" : ": func");
			func_sig(b, it->type, k == RF_METHOD && it->type->ncases ? 1 : 0, true);
		}
		wcl_buf_add(b, ";\n");
	}
	if (count) {
		indent(b, ind);
		wcl_buf_add(b, "}\n");
	} else {
		indent(b, ind);
		wcl_buf_add(b, "resource ");
		wcl_wit_ident(b, name);
		wcl_buf_add(b, ";\n");
	}
}

/* Is this function a method etc. of a resource listed in the scope? */
static bool belongs_to_resource(const wasmc_citem *it, const wasmc_citem *items, size_t n)
{
	const char *r, *fn;
	size_t rl;
	if (resource_func(it->name, &r, &rl, &fn) == RF_NONE)
		return false;
	for (size_t i = 0; i < n; i++)
		if (items[i].kind == WASMC_CITEM_RESOURCE &&
		    strcmp(items[i].instance, it->instance) == 0 && strlen(items[i].name) == rl &&
		    strncmp(items[i].name, r, rl) == 0)
			return true;
	return false;
}

/* Types and resources of `instance` among `items`, then its functions
 * (with `kw` in front: "import ", "export " or ""). */
static void scope(wcl_buf *b, const wasmc_citem *items, size_t n, const char *instance,
                  const char *kw, int ind, bool defs, bool funcs)
{
	for (size_t i = 0; defs && i < n; i++) {
		const wasmc_citem *it = &items[i];
		if (strcmp(it->instance, instance) != 0)
			continue;
		if (it->kind == WASMC_CITEM_TYPE)
			def_type(b, it->name, it->type, ind);
		else if (it->kind == WASMC_CITEM_RESOURCE)
			def_resource(b, it->name, items, n, instance, ind);
	}
	for (size_t i = 0; funcs && i < n; i++) {
		const wasmc_citem *it = &items[i];
		if (strcmp(it->instance, instance) != 0 || it->kind != WASMC_CITEM_FUNC ||
		    belongs_to_resource(it, items, n))
			continue;
		indent(b, ind);
		wcl_buf_add(b, kw);
		wcl_wit_ident(b, it->name);
		wcl_buf_add(b, ": func");
		func_sig(b, it->type, 0, true);
		wcl_buf_add(b, ";\n");
	}
}

/* "ns:pkg/iface@v": the package ("ns:pkg@v", into pkg) and the interface
 * ("iface"). False for a plain name. */
static bool split_iface(const char *name, char *pkg, size_t plen, char *iface, size_t ilen)
{
	const char *colon = strchr(name, ':'), *slash = strchr(name, '/');
	if (colon == NULL || slash == NULL || slash < colon)
		return false;
	const char *at = strchr(slash, '@');
	size_t ifl = at ? (size_t)(at - slash - 1) : strlen(slash + 1);
	snprintf(pkg, plen, "%.*s%s", (int)(slash - name), name, at ? at : "");
	snprintf(iface, ilen, "%.*s", (int)ifl, slash + 1);
	return true;
}

/* The distinct instance names of both lists, in order. */
static size_t instances(const wcl_component *c, const char **out, size_t max)
{
	size_t n = 0;
	for (int side = 0; side < 2; side++) {
		const wasmc_citem *items = side ? c->exports : c->imports;
		size_t ni = side ? c->nexports : c->nimports;
		for (size_t i = 0; i < ni; i++) {
			const char *in = items[i].instance;
			bool seen = in[0] == '\0';
			for (size_t k = 0; k < n && !seen; k++)
				seen = strcmp(out[k], in) == 0;
			if (!seen && n < max)
				out[n++] = in;
		}
	}
	return n;
}

static bool has_instance(const wasmc_citem *items, size_t n, const char *in)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(items[i].instance, in) == 0)
			return true;
	return false;
}

/* The interface body of `in`: from the side that has it (imports first). */
static void iface_body(wcl_buf *b, const wcl_component *c, const char *in, int ind)
{
	if (has_instance(c->imports, c->nimports, in))
		scope(b, c->imports, c->nimports, in, "", ind, true, true);
	else
		scope(b, c->exports, c->nexports, in, "", ind, true, true);
}

static char *wit_text(const wcl_component *c)
{
	wcl_buf b = {0};
	const char **ins = calloc(c->nimports + c->nexports + 1, sizeof *ins);
	if (ins == NULL)
		return NULL;
	size_t nin = instances(c, ins, c->nimports + c->nexports);
	char pkg[512], iface[512];

	wcl_buf_add(&b, "package root:component;\n\nworld root {\n");
	size_t mark = b.len;
	scope(&b, c->imports, c->nimports, "", "", 1, true, false);
	scope(&b, c->exports, c->nexports, "", "", 1, true, false);
	scope(&b, c->imports, c->nimports, "", "import ", 1, false, true);
	for (size_t k = 0; k < nin; k++) {
		if (!has_instance(c->imports, c->nimports, ins[k]))
			continue;
		if (split_iface(ins[k], pkg, sizeof pkg, iface, sizeof iface)) {
			wcl_buf_printf(&b, "  import %s;\n", ins[k]);
		} else {
			wcl_buf_add(&b, "  import ");
			wcl_wit_ident(&b, ins[k]);
			wcl_buf_add(&b, ": interface {\n");
			scope(&b, c->imports, c->nimports, ins[k], "", 2, true, true);
			wcl_buf_add(&b, "  }\n");
		}
	}
	bool any_export = c->nexports > 0;
	if (any_export && b.len > mark)
		wcl_buf_add(&b, "\n");
	scope(&b, c->exports, c->nexports, "", "export ", 1, false, true);
	for (size_t k = 0; k < nin; k++) {
		if (!has_instance(c->exports, c->nexports, ins[k]))
			continue;
		if (split_iface(ins[k], pkg, sizeof pkg, iface, sizeof iface)) {
			wcl_buf_printf(&b, "  export %s;\n", ins[k]);
		} else {
			wcl_buf_add(&b, "  export ");
			wcl_wit_ident(&b, ins[k]);
			wcl_buf_add(&b, ": interface {\n");
			scope(&b, c->exports, c->nexports, ins[k], "", 2, true, true);
			wcl_buf_add(&b, "  }\n");
		}
	}
	wcl_buf_add(&b, "}\n");

	/* Qualified interfaces, grouped by package. */
	bool *done = calloc(nin + 1, sizeof *done);
	if (done == NULL) {
		free(ins);
		wcl_buf_free(&b);
		return NULL;
	}
	for (size_t k = 0; k < nin; k++) {
		if (done[k] || !split_iface(ins[k], pkg, sizeof pkg, iface, sizeof iface))
			continue;
		wcl_buf_printf(&b, "\npackage %s {\n", pkg);
		for (size_t j = k; j < nin; j++) {
			char pkg2[512], iface2[512];
			if (done[j] || !split_iface(ins[j], pkg2, sizeof pkg2, iface2, sizeof iface2) ||
			    strcmp(pkg2, pkg) != 0)
				continue;
			done[j] = true;
			wcl_buf_add(&b, "  interface ");
			wcl_wit_ident(&b, iface2);
			wcl_buf_add(&b, " {\n");
			iface_body(&b, c, ins[j], 2);
			wcl_buf_add(&b, "  }\n");
		}
		wcl_buf_add(&b, "}\n");
	}
	free(done);
	free(ins);
	return wcl_buf_take(&b);
}

wasmc_error *wcl_wit_format(const wcl_component *c, char **ret_text)
{
	char *s = wit_text(c);
	if (s == NULL)
		return wcl_error(WASMC_ERR_NO_MEMORY, "out of memory");
	*ret_text = s;
	return NULL;
}

wasmc_error *wasmc_component_wit(const wasmc_module *module, char **ret_text)
{
	if (module == NULL || ret_text == NULL)
		return wcl_error(WASMC_ERR_BAD_ARGUMENT, "wasmc_component_wit: NULL argument");
	if (module->comp == NULL)
		return wcl_error(WASMC_ERR_BAD_ARGUMENT, "wasmc_component_wit: not a component");
	return wcl_wit_format(module->comp, ret_text);
}
