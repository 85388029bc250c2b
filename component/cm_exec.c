/*
 * cm_exec.c - a component instance's state and its instantiation: the
 * plan's core instantiation steps run in order, each import bound to an
 * earlier instance's export, a trampoline or a built-in (host functions
 * made when first needed), and the handle tables of every inlined
 * component instance set up with the resource types it implements.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cm_exec_int.h"

static bool fail(cm_outcome *out, int kind, const char *msg)
{
	out->kind = kind;
	snprintf(out->msg, sizeof out->msg, "%s", msg);
	return false;
}

const cm_plan *cm_exec_plan(const cm_exec *x)
{
	return x->plan;
}

cm_handles *cm_exec_host_handles(cm_exec *x)
{
	return x->host_table;
}

void cm_exec_sig_types(const cm_core_sig *s, rt_valtype *params, rt_valtype *results)
{
	static const uint8_t kinds[] = {[CM_CORE_I32] = RT_I32, [CM_CORE_I64] = RT_I64,
	                                [CM_CORE_F32] = RT_F32, [CM_CORE_F64] = RT_F64};
	for (uint32_t i = 0; i < s->nparams; i++)
		params[i] = (rt_valtype){kinds[s->params[i]], 0, 0, 0};
	for (uint32_t i = 0; i < s->nresults; i++)
		results[i] = (rt_valtype){kinds[s->results[i]], 0, 0, 0};
}

static rt_funcref *make_lower(cm_exec *x, uint32_t i, cm_trap *t)
{
	if (x->lower_fn[i])
		return x->lower_fn[i];
	cm_core_sig sig;
	if (!cm_abi_core_sig(x->abi, x->plan->lowers[i].type, true, &sig)) {
		cm_trap_set(t, "trampoline %u: its function type has no canonical ABI signature", i);
		return NULL;
	}
	rt_valtype p[CM_MAX_FLAT_CORE], r[CM_MAX_FLAT_RESULTS];
	cm_exec_sig_types(&sig, p, r);
	x->lower_env[i] = (cm_fn_env){x, i};
	x->lower_fn[i] = rt_host_func_new(x->store, sig.nparams, p, sig.nresults, r, cm_exec_lower_cb,
	                                  &x->lower_env[i]);
	if (!x->lower_fn[i])
		cm_trap_set(t, "out of memory for a trampoline");
	return x->lower_fn[i];
}

static rt_funcref *make_builtin(cm_exec *x, uint32_t i, const rt_functype *want, cm_trap *t)
{
	if (x->builtin_fn[i])
		return x->builtin_fn[i];
	const cm_plan_builtin *b = &x->plan->builtins[i];
	rt_valtype i32 = {RT_I32, 0, 0, 0};
	rt_valtype p[1] = {i32}, r[1] = {i32};
	uint32_t np = 1, nr = 1;
	switch (b->kind) {
	case CM_BUILTIN_RESOURCE_DROP:
	case CM_BUILTIN_CONTEXT_SET: nr = 0; break;
	case CM_BUILTIN_CONTEXT_GET: np = 0; break;
	case CM_BUILTIN_BACKPRESSURE_INC:
	case CM_BUILTIN_BACKPRESSURE_DEC: np = nr = 0; break;
	default: break;
	}
	const rt_valtype *pp = p, *rp = r;
	if (b->kind == CM_BUILTIN_UNSUPPORTED) {
		/* it only traps: its signature is the importer's */
		if (!want) {
			cm_trap_set(t, "unsupported: %s", b->name);
			return NULL;
		}
		np = want->nparams;
		nr = want->nresults;
		pp = want->params;
		rp = want->results;
		for (uint32_t k = 0; k < np + nr; k++)
			if (!rt_valtype_is_num(k < np ? pp[k] : rp[k - np])) {
				cm_trap_set(t, "unsupported: %s", b->name);
				return NULL;
			}
	}
	x->builtin_env[i] = (cm_fn_env){x, i};
	x->builtin_fn[i] = rt_host_func_new(x->store, np, pp, nr, rp, cm_exec_builtin_cb, &x->builtin_env[i]);
	if (!x->builtin_fn[i])
		cm_trap_set(t, "out of memory for a built-in");
	return x->builtin_fn[i];
}

bool cm_exec_resolve(cm_exec *x, const cm_plan_ref *r, const rt_functype *want, rt_extern *ret,
                     cm_trap *t)
{
	memset(ret, 0, sizeof *ret);
	switch (r->kind) {
	case CM_PREF_EXPORT:
		if (r->index >= x->ncores)
			return cm_trap_set(t, "core instance %u is not instantiated yet", r->index);
		if (!rt_instance_export(x->cores[r->index], r->name, strlen(r->name), ret))
			return cm_trap_set(t, "core instance %u has no export `%s`", r->index, r->name);
		return true;
	case CM_PREF_LOWER:
		ret->kind = RT_EXTERN_FUNC;
		return (ret->u.func = make_lower(x, r->index, t)) != NULL;
	case CM_PREF_BUILTIN:
		ret->kind = RT_EXTERN_FUNC;
		return (ret->u.func = make_builtin(x, r->index, want, t)) != NULL;
	default:
		return cm_trap_set(t, "missing core reference");
	}
}

bool cm_exec_func(cm_exec *x, const cm_plan_ref *r, uint32_t type_id, rt_funcref **ret, cm_trap *t)
{
	rt_extern e;
	if (!cm_exec_resolve(x, r, rt_types_functype(type_id), &e, t))
		return false;
	if (e.kind != RT_EXTERN_FUNC || !e.u.func)
		return cm_trap_set(t, "a canonical option or destructor is not a function");
	if (e.u.func->type_id != type_id)
		return cm_trap_set(t, "core function type mismatch with its canonical signature");
	*ret = e.u.func;
	return true;
}

/* The function type import `k` of module `m` expects (NULL when not a
 * function import). */
static const rt_functype *import_type(const rt_module *m, uint32_t k)
{
	const rt_import *im = &m->imports[k];
	if (im->kind != RT_EXTERN_FUNC || im->index >= m->nfuncs)
		return NULL;
	uint32_t ti = m->funcs[im->index].type;
	if (ti >= m->ntypes || m->types[ti].comp != RT_COMP_FUNC)
		return NULL;
	return &m->types[ti].u.func;
}

static bool run_step(cm_exec *x, uint32_t i, cm_outcome *out)
{
	const cm_plan_step *s = &x->plan->steps[i];
	const rt_loaded *l = x->mods[s->module];
	cm_trap t;
	if (!l || s->nargs != l->mod->nimports) {
		snprintf(out->msg, sizeof out->msg,
		         "core instance %u: module %u takes %u imports, the plan gives %u", i, s->module,
		         l ? l->mod->nimports : 0, s->nargs);
		out->kind = CM_EXEC_ERROR;
		return false;
	}
	rt_extern *imports = calloc(s->nargs ? s->nargs : 1, sizeof *imports);
	if (!imports)
		return fail(out, CM_EXEC_ERROR, "out of memory");
	bool ok = false;
	for (uint32_t k = 0; k < s->nargs; k++) {
		if (!cm_exec_resolve(x, &s->args[k], import_type(l->mod, k), &imports[k], &t)) {
			snprintf(out->msg, sizeof out->msg, "core instance %u, import %u: %.200s", i, k, t.msg);
			out->kind = CM_EXEC_ERROR;
			goto free_imports;
		}
		if (imports[k].kind != l->mod->imports[k].kind) {
			snprintf(out->msg, sizeof out->msg,
			         "core instance %u, import %u: incompatible import type (wrong kind)", i, k);
			out->kind = CM_EXEC_ERROR;
			goto free_imports;
		}
	}
	rt_outcome ro;
	if (!rt_instantiate(x->store, l, imports, s->nargs, &x->cores[i], &ro)) {
		out->kind = ro.kind == RT_TRAPPED ? CM_EXEC_TRAP : CM_EXEC_ERROR;
		snprintf(out->msg, sizeof out->msg, "%s", ro.msg);
		goto free_imports;
	}
	x->ncores = i + 1;
	ok = true;
free_imports:
	free(imports);
	return ok;
}

void cm_exec_free(cm_exec *x)
{
	if (!x)
		return;
	if (x->ci)
		for (uint32_t i = 0; i < x->plan->ninstances; i++)
			cm_handles_free(x->ci[i].handles);
	cm_handles_free(x->host_table);
	cm_abi_free(x->abi);
	free(x->rtypes);
	free(x->ci);
	free(x->cores);
	free(x->lower_fn);
	free(x->lower_env);
	free(x->builtin_fn);
	free(x->builtin_env);
	free(x);
}

static bool setup(cm_exec *x)
{
	const cm_plan *p = x->plan;
	x->abi = cm_abi_new(p->types);
	x->rtypes = calloc(p->nresources ? p->nresources : 1, sizeof *x->rtypes);
	x->ci = calloc(p->ninstances, sizeof *x->ci);
	x->cores = calloc(p->nsteps ? p->nsteps : 1, sizeof *x->cores);
	x->lower_fn = calloc(p->nlowers ? p->nlowers : 1, sizeof *x->lower_fn);
	x->lower_env = calloc(p->nlowers ? p->nlowers : 1, sizeof *x->lower_env);
	x->builtin_fn = calloc(p->nbuiltins ? p->nbuiltins : 1, sizeof *x->builtin_fn);
	x->builtin_env = calloc(p->nbuiltins ? p->nbuiltins : 1, sizeof *x->builtin_env);
	x->host_table = cm_handles_new(true);
	if (!x->abi || !x->rtypes || !x->ci || !x->cores || !x->lower_fn || !x->lower_env ||
	    !x->builtin_fn || !x->builtin_env || !x->host_table)
		return false;
	for (uint32_t i = 0; i < p->ninstances; i++) {
		x->ci[i].may_enter = x->ci[i].may_leave = true;
		if (!(x->ci[i].handles = cm_handles_new(false)))
			return false;
	}
	for (uint32_t i = 0; i < p->nresources; i++) {
		bool host = p->resources[i].instance == CM_PLAN_NONE;
		x->rtypes[i] = i | (host ? CM_RTYPE_HOST : 0);
		if (!host && !cm_handles_implement(x->ci[p->resources[i].instance].handles, x->rtypes[i]))
			return false;
	}
	rt_valtype i32 = {RT_I32, 0, 0, 0};
	rt_valtype four[4] = {i32, i32, i32, i32};
	x->tid_realloc = rt_types_func(4, four, 1, four);
	x->tid_dtor = rt_types_func(1, four, 0, NULL);
	return true;
}

bool cm_exec_new(const cm_plan *plan, rt_store *store, rt_loaded *const *modules,
                 const cm_host *host, cm_exec **ret, cm_outcome *out)
{
	memset(out, 0, sizeof *out);
	cm_exec *x = calloc(1, sizeof *x);
	if (!x)
		return fail(out, CM_EXEC_ERROR, "out of memory");
	x->plan = plan;
	x->store = store;
	x->mods = modules;
	if (host)
		x->host = *host;
	if (!setup(x)) {
		cm_exec_free(x);
		return fail(out, CM_EXEC_ERROR, "out of memory setting up the component instance");
	}
	for (uint32_t i = 0; i < plan->nfunc_imports; i++)
		if (!x->host.call) {
			snprintf(out->msg, sizeof out->msg, "unknown import: no host function for `%s%s%s`",
			         plan->func_imports[i].instance, *plan->func_imports[i].instance ? "#" : "",
			         plan->func_imports[i].name);
			out->kind = CM_EXEC_ERROR;
			cm_exec_free(x);
			return false;
		}
	for (uint32_t i = 0; i < plan->nsteps; i++)
		if (!run_step(x, i, out)) {
			cm_exec_free(x);
			return false;
		}
	*ret = x;
	out->kind = CM_EXEC_OK;
	return true;
}
