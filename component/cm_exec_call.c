/*
 * cm_exec_call.c - calls across a running component's boundaries:
 *   - the host calls an export (canon lift): values lowered into the
 *     callee (its realloc), the core function, results lifted, borrows
 *     checked, post-return;
 *   - a guest calls a trampoline (canon lower): arguments lifted from the
 *     caller's memory, then either the host callback runs, or the callee
 *     component's lifted function (a component-to-component call: values
 *     lowered into the callee, strings transcoded between the two
 *     encodings, results back the same way);
 *   - a guest calls a resource built-in, or a built-in this runtime does
 *     not implement (which traps after the may_leave check).
 * The may_enter / may_leave rules and poisoning are described in
 * cm_exec.h. Everything runs on the caller's thread; nested calls (host
 * callbacks calling exports, trampolines inside trampolines) nest on the C
 * stack through rt_call.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cm_exec_int.h"

#define ENTER_TRAP "cannot enter component instance"
#define LEAVE_TRAP "cannot leave component instance"

/* ---- core values ------------------------------------------------------- */

static void to_rt(const uint8_t *types, uint32_t n, const uint64_t *flat, rt_val *v)
{
	for (uint32_t i = 0; i < n; i++) {
		memset(&v[i], 0, sizeof v[i]);
		switch (types[i]) {
		case CM_CORE_I32: v[i].i32 = (int32_t)(uint32_t)flat[i]; break;
		case CM_CORE_F32: v[i].f32_bits = (uint32_t)flat[i]; break;
		default: v[i].i64 = (int64_t)flat[i]; break;
		}
	}
}

static void from_rt(const uint8_t *types, uint32_t n, const rt_val *v, uint64_t *flat)
{
	for (uint32_t i = 0; i < n; i++) {
		switch (types[i]) {
		case CM_CORE_I32: flat[i] = (uint32_t)v[i].i32; break;
		case CM_CORE_F32: flat[i] = v[i].f32_bits; break;
		default: flat[i] = (uint64_t)v[i].i64; break;
		}
	}
}

/* ---- memories and realloc ------------------------------------------------- */

typedef struct mem_env {
	cm_exec *x;
	rt_memory *mem;
	rt_funcref *realloc;
} mem_env;

static bool realloc_cb(cm_mem *m, uint32_t old_ptr, uint32_t old_size, uint32_t align,
                       uint32_t new_size, uint32_t *ret_ptr, cm_trap *trap)
{
	mem_env *e = m->env;
	rt_val a[4];
	memset(a, 0, sizeof a);
	a[0].i32 = (int32_t)old_ptr;
	a[1].i32 = (int32_t)old_size;
	a[2].i32 = (int32_t)align;
	a[3].i32 = (int32_t)new_size;
	rt_outcome o;
	bool ok = rt_call(e->realloc, a, &o);
	m->base = e->mem->base;
	m->len = e->mem->size;
	if (!ok)
		return cm_trap_set(trap, "%s", o.msg);
	*ret_ptr = (uint32_t)a[0].i32;
	return true;
}

/* One side of a call: its canonical options made concrete. */
typedef struct side {
	cm_cx cx;
	cm_mem mem;
	mem_env env;
} side;

static bool side_init(cm_exec *x, side *s, const cm_plan_opts *o, cm_cinst *ci, cm_call *call,
                      bool host_values, cm_trap *t)
{
	memset(s, 0, sizeof *s);
	cm_cx_init(&s->cx, x->abi);
	s->cx.enc = (cm_strenc)o->enc;
	s->cx.handles = ci->handles;
	s->cx.call = call;
	s->cx.host = host_values ? x->host_table : NULL;
	s->cx.rtypes = x->rtypes;
	s->cx.nrtypes = x->plan->nresources;
	s->env.x = x;
	if (o->memory.kind) {
		rt_extern e;
		if (!cm_exec_resolve(x, &o->memory, NULL, &e, t))
			return false;
		if (e.kind != RT_EXTERN_MEMORY)
			return cm_trap_set(t, "the memory option is not a memory");
		s->env.mem = rt_memobj_memory(e.u.memory);
		s->mem.env = &s->env;
		s->cx.mem = &s->mem;
	}
	if (o->realloc.kind) {
		if (!s->env.mem)
			return cm_trap_set(t, "a realloc option without a memory option");
		if (!cm_exec_func(x, &o->realloc, x->tid_realloc, &s->env.realloc, t))
			return false;
		s->mem.realloc = realloc_cb;
	}
	return true;
}

/* The memory as it is now (it may have grown since the last look). */
static void side_refresh(side *s)
{
	if (s->env.mem) {
		s->mem.base = s->env.mem->base;
		s->mem.len = s->env.mem->size;
	}
}

static uint32_t functype_core_id(const cm_core_sig *sig)
{
	rt_valtype p[CM_MAX_FLAT_CORE], r[CM_MAX_FLAT_RESULTS];
	cm_exec_sig_types(sig, p, r);
	return rt_types_func(sig->nparams, p, sig->nresults, r);
}

/* ---- calling a lifted function ------------------------------------------------ */

/* What a lift call needs from its caller: the values come from `args`
 * (nodes from `first`), or for a component-to-component call, from the
 * caller side. */
typedef struct lift_call {
	uint32_t lift;
	const cm_vals *args; /* parameter values */
	size_t first;
	bool host_values;    /* args and results at the host boundary */
	cm_call *call;       /* the call's borrow scope */
	cm_vals *results;
	cm_trap *trap;
	bool adapter;        /* a component-to-component call: ABI traps are the adapter's */
} lift_call;

/* "wasm trap: " + the adapter's wording of an ABI trap: cm_abi writes
 * "host wording (adapter wording)" where the two differ. */
static void adapter_trap(cm_trap *t, const char *msg)
{
	size_t n = strlen(msg);
	const char *open = n && msg[n - 1] == ')' ? strstr(msg, " (") : NULL;
	if (open)
		cm_trap_set(t, "wasm trap: %.*s (%.*s)", (int)(n - (size_t)(open - msg) - 3), open + 2,
		            (int)(open - msg), msg);
	else
		cm_trap_set(t, "wasm trap: %s", msg);
}

static bool abi_trap(const lift_call *lc, const cm_cx *cx)
{
	if (lc->adapter)
		adapter_trap(lc->trap, cx->trap.msg);
	else
		cm_trap_set(lc->trap, "%s", cx->trap.msg);
	return false;
}

/* Runs lift `lc->lift`: the callee's instance must be enterable; it is
 * poisoned (may_enter stays false) when anything traps. */
static bool call_lift_task(cm_exec *x, const lift_call *lc)
{
	const cm_plan_lift *l = &x->plan->lifts[lc->lift];
	cm_cinst *ci = &x->ci[l->instance];
	cm_core_sig sig;
	side s;
	rt_funcref *fn, *post = NULL;
	if (!ci->may_enter)
		return cm_trap_set(lc->trap, ENTER_TRAP);
	if (!cm_abi_core_sig(x->abi, l->type, false, &sig))
		return cm_trap_set(lc->trap, "the lifted function's type has no canonical ABI signature");
	if (!side_init(x, &s, &l->opts, ci, lc->call, lc->host_values, lc->trap) ||
	    !cm_exec_func(x, &l->func, functype_core_id(&sig), &fn, lc->trap))
		return false;
	if (l->opts.post_return.kind) {
		cm_core_sig ps = {.nparams = sig.nresults};
		memcpy(ps.params, sig.results, sig.nresults);
		if (!cm_exec_func(x, &l->opts.post_return, functype_core_id(&ps), &post, lc->trap))
			return false;
	}
	uint64_t flat[CM_MAX_FLAT_CORE];
	uint32_t nflat = 0;
	rt_val v[CM_MAX_FLAT_CORE + 1];
	rt_outcome o;
	ci->may_enter = false;
	ci->may_leave = false;
	side_refresh(&s);
	bool ok = cm_abi_lower_params(&s.cx, l->type, lc->args, lc->first, flat, &nflat);
	ci->may_leave = true;
	if (!ok)
		return abi_trap(lc, &s.cx);
	if (nflat != sig.nparams)
		return cm_trap_set(lc->trap, "internal: %u core arguments for %u parameters", nflat,
		                   sig.nparams);
	to_rt(sig.params, nflat, flat, v);
	if (!rt_call(fn, v, &o))
		return cm_trap_set(lc->trap, "%s", o.msg);
	uint64_t res[CM_MAX_FLAT_RESULTS + 1];
	from_rt(sig.results, sig.nresults, v, res);
	side_refresh(&s);
	if (!cm_abi_lift_results(&s.cx, l->type, res, sig.nresults, lc->results))
		return abi_trap(lc, &s.cx);
	if (!cm_call_end(lc->call, ci->handles, lc->trap))
		return false;
	if (post) {
		rt_val pv[CM_MAX_FLAT_RESULTS + 1];
		to_rt(sig.results, sig.nresults, res, pv);
		ci->may_leave = false;
		ok = rt_call(post, pv, &o);
		ci->may_leave = true;
		if (!ok)
			return cm_trap_set(lc->trap, "%s", o.msg);
	}
	ci->may_enter = true;
	return true;
}

/* A call of a lifted function is a task: its context slots start at 0
 * and the caller's come back when it ends. */
static bool call_lift(cm_exec *x, const lift_call *lc)
{
	uint32_t saved[CM_PLAN_CONTEXT_SLOTS];
	memcpy(saved, x->ctx, sizeof saved);
	memset(x->ctx, 0, sizeof x->ctx);
	bool ok = call_lift_task(x, lc);
	memcpy(x->ctx, saved, sizeof saved);
	return ok;
}

static void outcome_trap(cm_outcome *out, const char *msg)
{
	out->kind = CM_EXEC_TRAP;
	snprintf(out->msg, sizeof out->msg, "%s", msg);
}

/* Every own/borrow value the host passes for a guest resource must name
 * a handle of that resource in the host table: checked before the call,
 * so a bad handle from the host is the host's error and leaves the
 * instance usable (lowering it would trap inside the instance and poison
 * it). The values passed cm_vals_check already; the walk is iterative (a
 * frame per type still to read: the type, and how many values of it). */
#define HANDLE_WALK_MAX 256

typedef struct hwalk {
	cm_tid tid;
	uint64_t count;
} hwalk;

static const char *check_host_handles(cm_exec *x, const cm_vals *args, const cm_type *ft,
                                      char *buf, size_t len)
{
	hwalk st[HANDLE_WALK_MAX];
	unsigned sp = 0;
	for (uint32_t i = ft->n; i-- > 0;)
		if (sp < HANDLE_WALK_MAX)
			st[sp++] = (hwalk){ft->cases[i].type, 1};
	size_t pos = 0;
	while (sp) {
		if (st[sp - 1].count == 0) {
			sp--;
			continue;
		}
		st[sp - 1].count--;
		const cm_type *t = cm_types_get(x->plan->types, st[sp - 1].tid);
		if (!t || pos >= args->n)
			return NULL; /* cm_vals_check has judged the shape */
		const cm_val *v = &args->v[pos++];
		cm_tid push[2] = {CM_TID_NONE, CM_TID_NONE};
		uint64_t pcount = 1;
		switch (t->kind) {
		case CM_OWN:
		case CM_BORROW: {
			const cm_type *r = cm_types_get(x->plan->types, t->elem);
			uint32_t res = r ? r->resource_id : CM_PLAN_NONE;
			if (res >= x->plan->nresources || x->plan->resources[res].instance == CM_PLAN_NONE)
				break; /* a host resource: the host's own rep */
			uint64_t rep;
			cm_trap tr = {{0}};
			if (v->u > UINT32_MAX ||
			    !cm_handles_rep(x->host_table, (uint32_t)v->u, x->rtypes[res], &rep, &tr)) {
				snprintf(buf, len, "%s handle %llu: %s", t->kind == CM_OWN ? "own" : "borrow",
				         (unsigned long long)v->u, tr.msg[0] ? tr.msg : "unknown handle");
				return buf;
			}
			break;
		}
		case CM_LIST:
			push[0] = t->elem;
			pcount = v->n;
			break;
		case CM_OPTION:
			if (v->u == 1)
				push[0] = t->elem;
			break;
		case CM_RESULT:
			push[0] = v->u == 0 ? t->elem : t->err;
			break;
		case CM_VARIANT:
			if (v->u < t->n)
				push[0] = t->cases[v->u].type;
			break;
		case CM_RECORD:
		case CM_TUPLE:
			for (uint32_t k = t->n; k-- > 0;) {
				if (sp == HANDLE_WALK_MAX)
					return NULL;
				st[sp++] = (hwalk){t->cases[k].type, 1};
			}
			break;
		default:
			break;
		}
		if (push[0] != CM_TID_NONE && pcount) {
			if (sp == HANDLE_WALK_MAX)
				return NULL;
			st[sp++] = (hwalk){push[0], pcount};
		}
	}
	return NULL;
}

bool cm_exec_call(cm_exec *x, uint32_t index, const cm_vals *args, cm_vals *results,
                  cm_outcome *out)
{
	memset(out, 0, sizeof *out);
	if (index >= x->plan->nexports) {
		out->kind = CM_EXEC_ERROR;
		snprintf(out->msg, sizeof out->msg, "unknown export %u", index);
		return false;
	}
	const cm_plan_lift *l = &x->plan->lifts[x->plan->exports[index].lift];
	const cm_type *ft = cm_types_get(x->plan->types, l->type);
	size_t pos = 0;
	for (uint32_t i = 0; i < ft->n; i++) {
		const char *why = cm_vals_check(args, pos, x->plan->types, ft->cases[i].type,
		                                CM_EXEC_MAX_DEPTH, &pos);
		if (why) {
			out->kind = CM_EXEC_ERROR;
			snprintf(out->msg, sizeof out->msg, "argument %u (`%s`): %s", i,
			         ft->cases[i].name ? ft->cases[i].name : "?", why);
			return false;
		}
	}
	if (pos != args->n) {
		out->kind = CM_EXEC_ERROR;
		snprintf(out->msg, sizeof out->msg, "%zu value nodes after the %u arguments", args->n - pos,
		         ft->n);
		return false;
	}
	char hbuf[200];
	const char *bad = check_host_handles(x, args, ft, hbuf, sizeof hbuf);
	if (bad) {
		out->kind = CM_EXEC_ERROR;
		snprintf(out->msg, sizeof out->msg, "%s", bad);
		return false;
	}
	cm_vals res;
	cm_vals_init(&res);
	cm_call call;
	cm_trap t = {{0}};
	cm_call_init(&call);
	lift_call lc = {.lift = x->plan->exports[index].lift, .args = args, .host_values = true,
	                .call = &call, .results = &res, .trap = &t};
	if (!call_lift(x, &lc)) {
		cm_call_abort(&call, x->ci[l->instance].handles);
		outcome_trap(out, t.msg);
		cm_vals_free(&res);
		return false;
	}
	for (size_t i = 0; i < res.n; i++) {
		cm_val n = res.v[i];
		bool bytes = (n.kind == CM_STRING || n.kind == CM_FLAGS) && n.len;
		if (!bytes)
			n.bytes = NULL; /* nothing may point into res after it is freed */
		if (bytes ? cm_vals_push_bytes(results, &n, res.v[i].bytes, n.len) < 0
		          : cm_vals_push(results, &n) < 0) {
			cm_vals_free(&res);
			out->kind = CM_EXEC_ERROR;
			snprintf(out->msg, sizeof out->msg, "out of memory for the results");
			return false;
		}
	}
	cm_vals_free(&res);
	out->kind = CM_EXEC_OK;
	return true;
}

/* ---- trampolines --------------------------------------------------------------- */

/* The message a host callback returns (kept in the exec until the
 * runtime copied it). */
static const char *cb_trap(cm_exec *x, const cm_trap *t)
{
	snprintf(x->trapbuf, sizeof x->trapbuf, "%s", t->msg);
	return x->trapbuf;
}

static bool call_host(cm_exec *x, const cm_plan_lower *lw, side *cs, cm_vals *params,
                      cm_vals *results, cm_trap *t)
{
	const char *msg = x->host.call(x->host.env, x, lw->callee, params, results);
	if (msg)
		return cm_trap_set(t, "%s", msg);
	const cm_type *ft = cm_types_get(x->plan->types, lw->type);
	size_t pos = 0;
	for (uint32_t i = 0; i < ft->nresults; i++) {
		const char *why = cm_vals_check(results, pos, x->plan->types, ft->results[i].type,
		                                CM_EXEC_MAX_DEPTH, &pos);
		if (why)
			return cm_trap_set(t, "host function `%s` returned a bad result: %s",
			                   x->plan->func_imports[lw->callee].name, why);
	}
	if (pos != results->n)
		return cm_trap_set(t, "host function `%s` returned too many values",
		                   x->plan->func_imports[lw->callee].name);
	cm_handles_end_host_borrows(x->host_table, cs->cx.call);
	return true;
}

const char *cm_exec_lower_cb(void *env, rt_val *ar)
{
	cm_fn_env *fe = env;
	cm_exec *x = fe->x;
	const cm_plan_lower *lw = &x->plan->lowers[fe->index];
	cm_cinst *caller = &x->ci[lw->instance];
	cm_trap t = {{0}};
	cm_core_sig sig;
	side cs;
	cm_call call;
	cm_vals params, results;
	uint64_t flat[CM_MAX_FLAT_CORE];
	uint32_t retptr = 0, nflat = 0;
	bool host = lw->callee_kind == CM_CALLEE_HOST;
	bool ok = false;
	if (!caller->may_leave)
		return LEAVE_TRAP;
	if (!cm_abi_core_sig(x->abi, lw->type, true, &sig)) {
		cm_trap_set(&t, "the lowered function's type has no canonical ABI signature");
		return cb_trap(x, &t);
	}
	cm_call_init(&call);
	cm_vals_init(&params);
	cm_vals_init(&results);
	if (!side_init(x, &cs, &lw->opts, caller, &call, false, &t))
		goto end_call;
	if (host)
		cs.cx.host = x->host_table;
	from_rt(sig.params, sig.nparams, ar, flat);
	side_refresh(&cs);
	if (!cm_abi_lift_params(&cs.cx, lw->type, flat, sig.nparams, &params, &retptr)) {
		adapter_trap(&t, cs.cx.trap.msg);
		goto end_call;
	}
	if (host) {
		if (!call_host(x, lw, &cs, &params, &results, &t))
			goto end_call;
	} else {
		lift_call lc = {.lift = lw->callee, .args = &params, .call = &call,
		                .results = &results, .trap = &t, .adapter = true};
		if (!call_lift(x, &lc))
			goto end_call;
	}
	caller->may_leave = false;
	side_refresh(&cs);
	ok = cm_abi_lower_results(&cs.cx, lw->type, &results, 0, retptr, flat, &nflat);
	caller->may_leave = true;
	if (!ok) {
		adapter_trap(&t, cs.cx.trap.msg);
		goto end_call;
	}
	if (host && !cm_call_end(&call, NULL, &t)) {
		ok = false;
		goto free_vals;
	}
	to_rt(sig.results, nflat, flat, ar);
	goto free_vals;
end_call:
	ok = false;
	cm_call_abort(&call, host ? NULL : x->ci[x->plan->lifts[lw->callee].instance].handles);
free_vals:
	cm_vals_free(&params);
	cm_vals_free(&results);
	return ok ? NULL : cb_trap(x, &t);
}

/* ---- resources ------------------------------------------------------------------ */

/* Runs the destructor of an own handle just dropped by instance `from`
 * (CM_PLAN_NONE: the host). */
static bool destroy(cm_exec *x, uint32_t from, const cm_dropped *d, cm_trap *t)
{
	uint32_t res = d->rtype & ~CM_RTYPE_HOST;
	if (res >= x->plan->nresources)
		return cm_trap_set(t, "internal: unknown resource type %u", d->rtype);
	const cm_plan_resource *r = &x->plan->resources[res];
	if (r->instance == CM_PLAN_NONE) {
		const char *msg = x->host.drop ? x->host.drop(x->host.env, x, r->import, d->rep) : NULL;
		return msg ? cm_trap_set(t, "%s", msg) : true;
	}
	cm_cinst *impl = &x->ci[r->instance];
	if (!r->dtor.kind) {
		/* nothing runs, but the implementation must not be on the stack */
		if (from != r->instance && !impl->may_enter)
			return cm_trap_set(t, ENTER_TRAP);
		return true;
	}
	rt_funcref *fn;
	if (!cm_exec_func(x, &r->dtor, x->tid_dtor, &fn, t))
		return false;
	rt_val v[1];
	memset(v, 0, sizeof v);
	v[0].i32 = (int32_t)(uint32_t)d->rep;
	rt_outcome o;
	if (from == r->instance)
		return rt_call(fn, v, &o) || cm_trap_set(t, "%s", o.msg);
	if (!impl->may_enter)
		return cm_trap_set(t, ENTER_TRAP);
	impl->may_enter = false;
	if (!rt_call(fn, v, &o))
		return cm_trap_set(t, "%s", o.msg);
	impl->may_enter = true;
	return true;
}

bool cm_exec_drop_handle(cm_exec *x, uint32_t resource, uint32_t handle, cm_outcome *out)
{
	memset(out, 0, sizeof *out);
	cm_trap t = {{0}};
	cm_dropped d;
	if (resource >= x->plan->nresources || x->plan->resources[resource].instance == CM_PLAN_NONE) {
		out->kind = CM_EXEC_ERROR;
		snprintf(out->msg, sizeof out->msg, "resource %u is not a guest resource type", resource);
		return false;
	}
	if (!cm_handles_drop(x->host_table, handle, x->rtypes[resource], &d, &t)) {
		out->kind = CM_EXEC_ERROR;
		snprintf(out->msg, sizeof out->msg, "%s", t.msg);
		return false;
	}
	if (d.own && !destroy(x, CM_PLAN_NONE, &d, &t)) {
		outcome_trap(out, t.msg);
		return false;
	}
	out->kind = CM_EXEC_OK;
	return true;
}

const char *cm_exec_builtin_cb(void *env, rt_val *ar)
{
	cm_fn_env *fe = env;
	cm_exec *x = fe->x;
	const cm_plan_builtin *b = &x->plan->builtins[fe->index];
	cm_cinst *ci = &x->ci[b->instance];
	cm_trap t = {{0}};
	bool res = b->kind >= CM_BUILTIN_RESOURCE_NEW && b->kind <= CM_BUILTIN_RESOURCE_REP;
	uint32_t rtype = res ? x->rtypes[b->resource] : 0;
	uint32_t idx;
	uint64_t rep;
	cm_dropped d;
	switch (b->kind) {
	case CM_BUILTIN_RESOURCE_NEW:
		if (!ci->may_leave)
			return LEAVE_TRAP;
		if (!cm_handles_new_own(ci->handles, rtype, (uint32_t)ar[0].i32, &idx, &t))
			return cb_trap(x, &t);
		ar[0].i32 = (int32_t)idx;
		return NULL;
	case CM_BUILTIN_RESOURCE_REP:
		if (!cm_handles_rep(ci->handles, (uint32_t)ar[0].i32, rtype, &rep, &t))
			return cb_trap(x, &t);
		ar[0].i32 = (int32_t)(uint32_t)rep;
		return NULL;
	case CM_BUILTIN_RESOURCE_DROP:
		if (!ci->may_leave)
			return LEAVE_TRAP;
		if (!cm_handles_drop(ci->handles, (uint32_t)ar[0].i32, rtype, &d, &t))
			return cb_trap(x, &t);
		if (d.own && !destroy(x, b->instance, &d, &t))
			return cb_trap(x, &t);
		return NULL;
	case CM_BUILTIN_CONTEXT_GET:
		ar[0].i32 = (int32_t)x->ctx[b->resource];
		return NULL;
	case CM_BUILTIN_CONTEXT_SET:
		x->ctx[b->resource] = (uint32_t)ar[0].i32;
		return NULL;
	case CM_BUILTIN_BACKPRESSURE_INC:
		if (ci->backpressure == UINT16_MAX)
			return "backpressure counter overflow";
		ci->backpressure++;
		return NULL;
	case CM_BUILTIN_BACKPRESSURE_DEC:
		if (ci->backpressure == 0)
			return "backpressure counter underflow";
		ci->backpressure--;
		return NULL;
	default:
		if (!ci->may_leave)
			return LEAVE_TRAP;
		cm_trap_set(&t, "unsupported: %s", b->name);
		return cb_trap(x, &t);
	}
}
