/*
 * wcl_comp_call.c - components on a loaded module (imports, exports),
 * component instances (Instantiate with the linker's definitions), calls
 * with component values through the shared call loop (wcl_instance.h),
 * the component host-call handler (client functions and resource
 * destructors) and the typed convenience calls.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pb_util.h"
#include "wcl_comp.h"
#include "wcl_error.h"
#include "wcl_instance.h"

/* One client-provided import of an instance, by func_id. */
typedef struct wcl_chost {
	const wasmc_citem *item;   /* in comp's arena */
	bool resource;
	wasmc_cfunc_callback callback;
	wasmc_resource_dtor dtor;
	void *env;
} wcl_chost;

struct wcl_comp_inst {
	wcl_component *comp;       /* one reference */
	size_t nfuncs;
	wcl_chost *funcs;
};

void wcl_comp_inst_free(wcl_comp_inst *c)
{
	if (c == NULL)
		return;
	wcl_component_unref(c->comp);
	free(c->funcs);
	free(c);
}

/* ---- the component of a module ---- */

bool wasmc_module_is_component(const wasmc_module *m)
{
	return m && m->comp;
}

size_t wasmc_component_import_count(const wasmc_module *m)
{
	return m && m->comp ? m->comp->nimports : 0;
}

const wasmc_citem *wasmc_component_import_get(const wasmc_module *m, size_t i)
{
	return m && m->comp && i < m->comp->nimports ? &m->comp->imports[i] : NULL;
}

size_t wasmc_component_export_count(const wasmc_module *m)
{
	return m && m->comp ? m->comp->nexports : 0;
}

const wasmc_citem *wasmc_component_export_get(const wasmc_module *m, size_t i)
{
	return m && m->comp && i < m->comp->nexports ? &m->comp->exports[i] : NULL;
}

const wasmc_citem *wasmc_component_export_find(const wasmc_module *m, const char *name)
{
	return m ? wcl_component_export_find(m->comp, name) : NULL;
}

const wasmc_citem *wasmc_component_instance_export_find(const wasmc_instance *inst,
                                                        const char *name)
{
	return inst && inst->comp ? wcl_component_export_find(inst->comp->comp, name) : NULL;
}

/* "iface#name" or "name" into buf. */
static void item_name(const wasmc_citem *it, char *buf, size_t len)
{
	if (it->instance[0])
		snprintf(buf, len, "%s#%s", it->instance, it->name);
	else
		snprintf(buf, len, "%s", it->name);
}

/* ---- host calls ---- */

typedef struct chost_out {
	wasmc_cval *results;
	size_t nresults;
	wcl_cnodes nodes;
} chost_out;

static void chost_release(wcl_hostout *o)
{
	chost_out *c = o->data;
	wcl_cnodes_free(&c->nodes);
	wasmc_cvals_free(c->results, c->nresults);
	free(c);
}

static void comp_handler(wasmc_instance *inst, const Wasmc__V1__HostCall *hc,
                         Wasmc__V1__HostReturn *hr, Wasmc__V1__Results *res,
                         wcl_hostout *out, char *trap_buf, size_t trap_len)
{
	const char *trap = NULL;
	wasmc_cval *args = NULL;
	size_t nargs = 0;
	chost_out *co = NULL;
	char name[512];
	wcl_comp_inst *ci = inst->comp;
	const wcl_chost *f = hc->func_id < ci->nfuncs ? &ci->funcs[hc->func_id] : NULL;
	if (f == NULL) {
		snprintf(trap_buf, trap_len, "host call of unknown client function %u", hc->func_id);
		trap = trap_buf;
		goto out;
	}
	item_name(f->item, name, sizeof name);
	if (hc->resource_drop || f->resource) {
		if (!hc->resource_drop || !f->resource || hc->n_cargs != 1 ||
		    (hc->cargs[0]->kind != WASMC__V1__CKIND__CK_OWN)) {
			snprintf(trap_buf, trap_len,
			         "host call of %s: a resource destructor needs resource_drop and one "
			         "own handle", name);
			trap = trap_buf;
			goto out;
		}
		if (f->dtor)
			f->dtor(f->env, hc->cargs[0]->u);
		hr->outcome_case = WASMC__V1__HOST_RETURN__OUTCOME_RESULTS;
		hr->results = res;
		return;
	}
	const wasmc_ctype *ft = f->item->type;
	char what[600];
	snprintf(what, sizeof what, "host call of %s: argument", name);
	wasmc_error *e = wcl_cvals_from_nodes(hc->cargs, hc->n_cargs, ft->cases, ft->ncases,
	                                      WASMC_ERR_PROTOCOL, what, &args);
	if (e) {
		snprintf(trap_buf, trap_len, "%s", wasmc_error_message(e));
		wasmc_error_free(e);
		trap = trap_buf;
		goto out;
	}
	nargs = ft->ncases;
	co = calloc(1, sizeof *co);
	if (co == NULL || (ft->nresults && (co->results = calloc(ft->nresults,
	                                                          sizeof *co->results)) == NULL)) {
		free(co);
		co = NULL;
		trap = "out of memory in the client";
		goto out;
	}
	co->nresults = ft->nresults;

	trap = f->callback(f->env, args, nargs, co->results, co->nresults);

	if (trap) {
		if (!pb_utf8_valid(trap, strlen(trap)))
			trap = "client callback trapped (its message is not valid UTF-8)";
		snprintf(trap_buf, trap_len, "%s", trap);
		trap = trap_buf;
		goto out;
	}
	for (size_t i = 0; i < co->nresults && trap == NULL; i++) {
		snprintf(what, sizeof what, "callback for %s: result %zu", name, i + 1);
		e = wcl_cval_to_nodes(&co->results[i], ft->results[i].type, what, &co->nodes);
		if (e == NULL)
			continue;
		snprintf(trap_buf, trap_len, "%s", wasmc_error_message(e));
		wasmc_error_free(e);
		trap = trap_buf;
	}
	if (trap == NULL && wcl_cnodes_finish(&co->nodes) != NULL)
		trap = "out of memory in the client";
	if (trap)
		goto out;
	out->data = co;
	out->release = chost_release;
	co = NULL;
	res->n_cvalues = ((chost_out *)out->data)->nodes.n;
	res->cvalues = ((chost_out *)out->data)->nodes.ptrs;
	hr->outcome_case = WASMC__V1__HOST_RETURN__OUTCOME_RESULTS;
	hr->results = res;
out:
	if (co) {
		wcl_hostout tmp = {.data = co};
		chost_release(&tmp);
	}
	if (trap) {
		hr->outcome_case = WASMC__V1__HOST_RETURN__OUTCOME_TRAP;
		hr->trap = (char *)trap;
	}
	wasmc_cvals_free(args, nargs);
}

/* ---- instantiation ---- */

static wasmc_error *collect(const wcl_component *comp, const wasmc_linker *l,
                            wcl_comp_inst *ci)
{
	if (comp->nimports == 0 || l == NULL || l->count == 0)
		return NULL;
	ci->funcs = calloc(comp->nimports, sizeof *ci->funcs);
	if (ci->funcs == NULL)
		return wcl_error(WASMC_ERR_NO_MEMORY, "out of memory");
	for (size_t i = 0; i < comp->nimports; i++) {
		const wasmc_citem *it = &comp->imports[i];
		if (it->kind != WASMC_CITEM_FUNC && it->kind != WASMC_CITEM_RESOURCE)
			continue;
		bool res = it->kind == WASMC_CITEM_RESOURCE;
		const wcl_cdef *d = wcl_linker_find(l, it->instance, it->name, res);
		if (d == NULL)
			continue;
		wcl_chost *h = &ci->funcs[ci->nfuncs++];
		h->item = it;
		h->resource = res;
		h->callback = d->callback;
		h->dtor = d->dtor;
		h->env = d->env;
	}
	return NULL;
}

/* Adds the imports nobody defined to a LINK_FAILED message. */
static wasmc_error *link_failed(wasmc_error *e, const wcl_component *comp,
                                const wcl_comp_inst *ci)
{
	wcl_buf b = {0};
	size_t missing = 0;
	for (size_t i = 0; i < comp->nimports; i++) {
		const wasmc_citem *it = &comp->imports[i];
		if (it->kind != WASMC_CITEM_FUNC && it->kind != WASMC_CITEM_RESOURCE)
			continue;
		bool defined = false;
		for (size_t k = 0; k < ci->nfuncs; k++)
			defined |= ci->funcs[k].item == it;
		if (defined)
			continue;
		wcl_buf_add(&b, missing++ ? ", " : "");
		if (it->instance[0]) {
			wcl_buf_add(&b, it->instance);
			wcl_buf_add(&b, "#");
		}
		wcl_buf_add(&b, it->name);
		wcl_buf_add(&b, it->kind == WASMC_CITEM_RESOURCE ? " (resource)" : " (");
		if (it->kind == WASMC_CITEM_FUNC) {
			wcl_ctype_wit(&b, it->type, false);
			wcl_buf_add(&b, ")");
		}
	}
	char *list = wcl_buf_take(&b);
	if (missing == 0 || list == NULL) {
		free(list);
		return e;
	}
	wasmc_error *n = wcl_error(WASMC_ERR_LINK_FAILED, "%s (imports the client did not define: %s)",
	                           wasmc_error_message(e), list);
	free(list);
	wasmc_error_free(e);
	return n;
}

wasmc_error *wasmc_component_instance_new(wasmc_module *module, const wasmc_linker *linker,
                                          const wasmc_limits *limits,
                                          wasmc_instance **ret_instance)
{
	wasmc_error *e;
	if (module == NULL || ret_instance == NULL)
		return wcl_error(WASMC_ERR_BAD_ARGUMENT,
		                 "wasmc_component_instance_new: NULL argument");
	if (module->comp == NULL)
		return wcl_error(WASMC_ERR_BAD_ARGUMENT,
		                 "wasmc_component_instance_new: the module is not a component "
		                 "(use wasmc_instance_new)");
	wasmc_instance *inst = calloc(1, sizeof *inst);
	wcl_comp_inst *ci = calloc(1, sizeof *ci);
	if (inst == NULL || ci == NULL) {
		e = wcl_error(WASMC_ERR_NO_MEMORY, "out of memory");
		goto fail_alloc;
	}
	wcl_component_ref(module->comp);
	ci->comp = module->comp;
	e = collect(module->comp, linker, ci);
	if (e)
		goto fail_alloc;
	Wasmc__V1__ImportDef *defs = NULL, **defp = NULL;
	if (ci->nfuncs) {
		defs = calloc(ci->nfuncs, sizeof *defs);
		defp = calloc(ci->nfuncs, sizeof *defp);
		if (defs == NULL || defp == NULL) {
			e = wcl_error(WASMC_ERR_NO_MEMORY, "out of memory");
			goto fail_defs;
		}
	}
	for (size_t i = 0; i < ci->nfuncs; i++) {
		wasmc__v1__import_def__init(&defs[i]);
		defs[i].module = (char *)ci->funcs[i].item->instance;
		defs[i].name = (char *)ci->funcs[i].item->name;
		defs[i].func_id = (uint32_t)i;
		defs[i].resource = ci->funcs[i].resource;
		defp[i] = &defs[i];
	}
	e = wcl_instantiate(module, limits, defp, ci->nfuncs, inst);
	if (e) {
		if (wasmc_error_code(e) == WASMC_ERR_LINK_FAILED)
			e = link_failed(e, module->comp, ci);
		goto fail_defs;
	}
	free(defs);
	free(defp);
	inst->comp = ci;
	inst->handler = comp_handler;
	*ret_instance = inst;
	return NULL;
fail_defs:
	free(defs);
	free(defp);
fail_alloc:
	wcl_comp_inst_free(ci);
	free(inst);
	return e;
}

/* ---- calls ---- */

static wasmc_error *find_func(wasmc_instance *inst, const char *name, const wasmc_citem **ret)
{
	if (inst == NULL || name == NULL)
		return wcl_error(WASMC_ERR_BAD_ARGUMENT, "wasmc_component_call: NULL argument");
	if (inst->comp == NULL)
		return wcl_error(WASMC_ERR_BAD_ARGUMENT,
		                 "wasmc_component_call: not a component instance "
		                 "(use wasmc_instance_call)");
	const wasmc_citem *it = wcl_component_export_find(inst->comp->comp, name);
	if (it == NULL)
		return wcl_error(WASMC_ERR_NOT_FOUND, "no export named '%s'", name);
	if (it->kind != WASMC_CITEM_FUNC)
		return wcl_error(WASMC_ERR_BAD_ARGUMENT, "export '%s' is not a function", name);
	*ret = it;
	return NULL;
}

static wasmc_error *call_item(wasmc_instance *inst, const wasmc_citem *it, const wasmc_cval *args,
                              size_t nargs, wasmc_cval **ret_results, size_t *ret_nresults)
{
	const wasmc_ctype *ft = it->type;
	char name[512], what[600];
	item_name(it, name, sizeof name);
	if (nargs != ft->ncases)
		return wcl_error(WASMC_ERR_BAD_ARGUMENT, "%s takes %u argument(s), %zu given", name,
		                 ft->ncases, nargs);
	if (args == NULL && nargs)
		return wcl_error(WASMC_ERR_BAD_ARGUMENT, "wasmc_component_call: NULL arguments");
	wcl_cnodes ns = {0};
	wasmc_error *e = NULL;
	for (size_t i = 0; i < nargs && e == NULL; i++) {
		snprintf(what, sizeof what, "%s: argument %zu (%s)", name, i + 1, ft->cases[i].name);
		e = wcl_cval_to_nodes(&args[i], ft->cases[i].type, what, &ns);
	}
	if (e == NULL)
		e = wcl_cnodes_finish(&ns);
	if (e)
		goto out_nodes;
	Wasmc__V1__Call call = WASMC__V1__CALL__INIT;
	call.export = name;
	call.n_cargs = ns.n;
	call.cargs = ns.ptrs;
	wcl_reply *r = NULL;
	e = wcl_instance_run(inst, &call, &r);
	if (e)
		goto out_nodes;
	const Wasmc__V1__Results *res = r->msg->call->results;
	snprintf(what, sizeof what, "%s: result", name);
	wasmc_cval *vals;
	e = wcl_cvals_from_nodes(res->cvalues, res->n_cvalues, ft->results, ft->nresults,
	                         WASMC_ERR_PROTOCOL, what, &vals);
	wcl_reply_free(r);
	if (e == NULL) {
		*ret_results = vals;
		*ret_nresults = ft->nresults;
	}
out_nodes:
	wcl_cnodes_free(&ns);
	return e;
}

wasmc_error *wasmc_component_call(wasmc_instance *inst, const char *name, const wasmc_cval *args,
                                  size_t nargs, wasmc_cval **ret_results, size_t *ret_nresults)
{
	const wasmc_citem *it;
	if (ret_results == NULL || ret_nresults == NULL)
		return wcl_error(WASMC_ERR_BAD_ARGUMENT, "wasmc_component_call: NULL argument");
	wasmc_error *e = find_func(inst, name, &it);
	if (e)
		return e;
	return call_item(inst, it, args, nargs, ret_results, ret_nresults);
}

/* ---- typed convenience ---- */

static bool is_int_kind(wasmc_ckind k)
{
	return k >= WASMC_CK_BOOL && k <= WASMC_CK_U64;
}

/* Checks the export's shape: `nparams` parameters of kind `pk` (0: any
 * integer kind) and `nres` results of kind `rk` (0: any integer). */
static wasmc_error *typed(wasmc_instance *inst, const char *name, size_t nparams,
                          wasmc_ckind pk, size_t nres, wasmc_ckind rk, const char *shape,
                          const wasmc_citem **ret)
{
	wasmc_error *e = find_func(inst, name, ret);
	if (e)
		return e;
	const wasmc_ctype *ft = (*ret)->type;
	bool ok = ft->ncases == nparams && ft->nresults == nres;
	for (uint32_t i = 0; ok && i < ft->ncases; i++)
		ok = pk ? ft->cases[i].type->kind == pk : is_int_kind(ft->cases[i].type->kind);
	for (uint32_t i = 0; ok && i < ft->nresults; i++)
		ok = rk ? ft->results[i].type->kind == rk : is_int_kind(ft->results[i].type->kind);
	if (!ok) {
		wcl_buf b = {0};
		wcl_ctype_wit(&b, ft, false);
		char *t = wcl_buf_take(&b);
		e = wcl_error(WASMC_ERR_BAD_ARGUMENT, "%s has type %s, not %s", name, t ? t : "?",
		              shape);
		free(t);
	}
	return e;
}

static wasmc_error *take_string(wasmc_cval *res, size_t n, char **ret_string)
{
	char *s = res[0].of.str.data;
	res[0].of.str.data = NULL;
	res[0].kind = WASMC_CK_NONE;
	wasmc_cvals_free(res, n);
	if (s == NULL)
		s = strdup("");
	if (s == NULL)
		return wcl_error(WASMC_ERR_NO_MEMORY, "out of memory");
	*ret_string = s;
	return NULL;
}

wasmc_error *wasmc_component_call_string(wasmc_instance *inst, const char *name,
                                         char **ret_string)
{
	const wasmc_citem *it;
	if (ret_string == NULL)
		return wcl_error(WASMC_ERR_BAD_ARGUMENT, "wasmc_component_call_string: NULL argument");
	wasmc_error *e = typed(inst, name, 0, 0, 1, WASMC_CK_STRING, "func() -> string", &it);
	if (e)
		return e;
	wasmc_cval *res;
	size_t n;
	e = call_item(inst, it, NULL, 0, &res, &n);
	if (e)
		return e;
	return take_string(res, n, ret_string);
}

wasmc_error *wasmc_component_call_string_string(wasmc_instance *inst, const char *name,
                                                const char *arg, char **ret_string)
{
	const wasmc_citem *it;
	if (ret_string == NULL || arg == NULL)
		return wcl_error(WASMC_ERR_BAD_ARGUMENT,
		                 "wasmc_component_call_string_string: NULL argument");
	wasmc_error *e = typed(inst, name, 1, WASMC_CK_STRING, 1, WASMC_CK_STRING,
	                       "func(string) -> string", &it);
	if (e)
		return e;
	/* borrowed: the argument is only read */
	wasmc_cval a = {.kind = WASMC_CK_STRING};
	a.of.str.data = (char *)arg;
	a.of.str.len = strlen(arg);
	wasmc_cval *res;
	size_t n;
	e = call_item(inst, it, &a, 1, &res, &n);
	if (e)
		return e;
	return take_string(res, n, ret_string);
}

wasmc_error *wasmc_component_call_void(wasmc_instance *inst, const char *name)
{
	const wasmc_citem *it;
	wasmc_error *e = typed(inst, name, 0, 0, 0, 0, "func()", &it);
	if (e)
		return e;
	wasmc_cval *res;
	size_t n;
	e = call_item(inst, it, NULL, 0, &res, &n);
	if (e == NULL)
		wasmc_cvals_free(res, n);
	return e;
}

wasmc_error *wasmc_component_call_int(wasmc_instance *inst, const char *name,
                                      const int64_t *args, size_t nargs, int64_t *ret_result)
{
	const wasmc_citem *it;
	if (ret_result == NULL || (args == NULL && nargs))
		return wcl_error(WASMC_ERR_BAD_ARGUMENT, "wasmc_component_call_int: NULL argument");
	wasmc_error *e = find_func(inst, name, &it);
	if (e)
		return e;
	e = typed(inst, name, it->type->ncases, 0, 1, 0, "func(integers...) -> integer", &it);
	if (e)
		return e;
	const wasmc_ctype *ft = it->type;
	if (nargs != ft->ncases)
		return wcl_error(WASMC_ERR_BAD_ARGUMENT, "%s takes %u argument(s), %zu given", name,
		                 ft->ncases, nargs);
	wasmc_cval *vals = calloc(nargs + 1, sizeof *vals);
	if (vals == NULL)
		return wcl_error(WASMC_ERR_NO_MEMORY, "out of memory");
	for (size_t i = 0; i < nargs; i++) {
		wasmc_ckind k = ft->cases[i].type->kind;
		int64_t a = args[i];
		bool fits;
		switch (k) {
		case WASMC_CK_BOOL: fits = a == 0 || a == 1; break;
		case WASMC_CK_S8: fits = a >= INT8_MIN && a <= INT8_MAX; break;
		case WASMC_CK_U8: fits = a >= 0 && a <= UINT8_MAX; break;
		case WASMC_CK_S16: fits = a >= INT16_MIN && a <= INT16_MAX; break;
		case WASMC_CK_U16: fits = a >= 0 && a <= UINT16_MAX; break;
		case WASMC_CK_S32: fits = a >= INT32_MIN && a <= INT32_MAX; break;
		case WASMC_CK_U32: fits = a >= 0 && a <= (int64_t)UINT32_MAX; break;
		default: fits = true; break; /* s64; u64 takes the bits */
		}
		if (!fits) {
			free(vals);
			return wcl_error(WASMC_ERR_BAD_ARGUMENT, "%s: argument %zu (%s): %lld does not "
			                 "fit %s", name, i + 1, ft->cases[i].name, (long long)a,
			                 wasmc_ckind_name(k));
		}
		vals[i].kind = k;
		if (k == WASMC_CK_BOOL)
			vals[i].of.b = a != 0;
		else
			vals[i].of.s = a;
	}
	wasmc_cval *res;
	size_t n;
	e = call_item(inst, it, vals, nargs, &res, &n);
	free(vals);
	if (e)
		return e;
	*ret_result = res[0].kind == WASMC_CK_BOOL ? (int64_t)res[0].of.b : res[0].of.s;
	wasmc_cvals_free(res, n);
	return NULL;
}

/* ---- giving back an owned guest resource ---- */

/* A Call of "[resource-drop]R" (instance-qualified) with the own handle:
 * the worker runs the resource's destructor. */
wasmc_error *wasmc_component_resource_drop(wasmc_instance *inst, const char *resource,
                                           uint64_t handle)
{
	if (inst == NULL || resource == NULL)
		return wcl_error(WASMC_ERR_BAD_ARGUMENT, "wasmc_component_resource_drop: NULL argument");
	if (inst->comp == NULL)
		return wcl_error(WASMC_ERR_BAD_ARGUMENT,
		                 "wasmc_component_resource_drop: not a component instance");
	const wasmc_citem *it = wcl_component_export_find(inst->comp->comp, resource);
	if (it == NULL || it->kind != WASMC_CITEM_RESOURCE)
		return wcl_error(WASMC_ERR_NOT_FOUND, "no exported resource type named '%s'", resource);
	char name[512];
	int n = snprintf(name, sizeof name, "%s%s[resource-drop]%s", it->instance,
	                 it->instance[0] ? "#" : "", it->name);
	if (n < 0 || (size_t)n >= sizeof name)
		return wcl_error(WASMC_ERR_BAD_ARGUMENT, "resource name too long: '%s'", resource);
	Wasmc__V1__CValue own = WASMC__V1__CVALUE__INIT, *ownp = &own;
	own.kind = WASMC__V1__CKIND__CK_OWN;
	own.u = handle;
	Wasmc__V1__Call call = WASMC__V1__CALL__INIT;
	call.export = name;
	call.n_cargs = 1;
	call.cargs = &ownp;
	wcl_reply *r = NULL;
	wasmc_error *e = wcl_instance_run(inst, &call, &r);
	wcl_reply_free(r);
	return e;
}
