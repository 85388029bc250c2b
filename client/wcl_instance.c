/*
 * wcl_instance.c - instances and calls: the Call / HostCall / HostReturn
 * loop every call goes through (core and component, wcl_instance.h),
 * core client callbacks, nested calls, per-instance serialization.
 *
 * Nested calls: while a callback runs, the thread keeps a frame (on its C
 * stack) naming the instance and the host call's token, in a thread-local
 * list. A call of an instance that has a frame on this thread is nested:
 * it carries the innermost such token as Call.parent and does not take the
 * instance's lock (the outer call on this same thread holds it). Every
 * other call takes the lock, so one instance runs one call at a time.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wasmc/instance.h>

#include "pb_util.h"
#include "wcl_error.h"
#include "wcl_imports.h"
#include "wcl_instance.h"
#include "wcl_module.h"

struct wcl_hostfn {
	char *module;
	char *name;
	wasmc_func_callback callback;
	void *env;
	wasmc_functype type;
	void *type_block;
};

typedef struct wcl_frame {
	wasmc_instance *inst;
	uint8_t token[WCL_HANDLE_LEN];
	struct wcl_frame *up;
} wcl_frame;

static _Thread_local wcl_frame *wcl_frames;

wasmc_instance *wasmc_caller_instance(void)
{
	return wcl_frames ? wcl_frames->inst : NULL;
}

static const wcl_frame *frame_of(const wasmc_instance *inst)
{
	for (const wcl_frame *f = wcl_frames; f; f = f->up)
		if (f->inst == inst)
			return f;
	return NULL;
}

static void hostfns_free(wcl_hostfn *funcs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(funcs[i].module);
		free(funcs[i].name);
		free(funcs[i].type_block);
	}
	free(funcs);
}

/* The client functions this module imports, numbered by func_id. */
static wasmc_error *collect_hostfns(const wasmc_module *module,
                                    const wasmc_imports *imports,
                                    wcl_hostfn **ret_funcs, size_t *ret_n)
{
	wcl_hostfn *funcs = NULL;
	size_t n = 0;
	wasmc_error *e = NULL;
	if (imports && imports->count && module->externs.nimports) {
		funcs = calloc(module->externs.nimports, sizeof *funcs);
		if (funcs == NULL)
			return wcl_error(WASMC_ERR_NO_MEMORY, "out of memory");
	}
	for (size_t i = 0; funcs && i < module->externs.nimports; i++) {
		const wasmc_import *im = &module->externs.imports[i];
		const wcl_import_def *d = wcl_imports_find(imports, im->module, im->name);
		if (d == NULL)
			continue;
		if (im->type.kind != WASMC_EXTERN_FUNC) {
			e = wcl_error(WASMC_ERR_LINK_FAILED,
			              "import %s.%s is a %s, but a function was defined for it",
			              im->module, im->name, wasmc_externkind_name(im->type.kind));
			goto fail;
		}
		wcl_hostfn *f = &funcs[n++];
		f->module = strdup(im->module);
		f->name = strdup(im->name);
		if (f->module == NULL || f->name == NULL) {
			e = wcl_error(WASMC_ERR_NO_MEMORY, "out of memory");
			goto fail;
		}
		e = wcl_functype_copy(&im->type.func, &f->type, &f->type_block);
		if (e)
			goto fail;
		f->callback = d->callback;
		f->env = d->env;
	}
	*ret_funcs = funcs;
	*ret_n = n;
	return NULL;
fail:
	hostfns_free(funcs, n);
	return e;
}

static wasmc_error *limits_check(const wasmc_limits *l)
{
	if (l && l->fuel < 0)
		return wcl_error(WASMC_ERR_BAD_ARGUMENT, "fuel must not be negative (%lld)",
		                 (long long)l->fuel);
	return NULL;
}

wasmc_error *wcl_instantiate(wasmc_module *module, const wasmc_limits *limits,
                             Wasmc__V1__ImportDef **defs, size_t ndefs, wasmc_instance *inst)
{
	wasmc_error *e = limits_check(limits);
	if (e)
		return e;
	Wasmc__V1__Request req = WASMC__V1__REQUEST__INIT;
	Wasmc__V1__Instantiate in = WASMC__V1__INSTANTIATE__INIT;
	Wasmc__V1__InstanceLimits lim = WASMC__V1__INSTANCE_LIMITS__INIT;
	if (limits) {
		lim.max_memory_bytes = limits->max_memory_bytes;
		lim.max_table_elems = limits->max_table_elems;
		lim.fuel = limits->fuel;
		lim.deadline_ms = limits->deadline_ms;
		lim.cpu_ms = limits->cpu_ms;
	}
	in.module.data = module->handle;
	in.module.len = WCL_HANDLE_LEN;
	in.limits = &lim;
	in.n_imports = ndefs;
	in.imports = defs;
	req.body_case = WASMC__V1__REQUEST__BODY_INSTANTIATE;
	req.instantiate = &in;
	wcl_reply *r;
	e = wcl_request(module->conn, module->conn->transport, &req, WCL_WAIT_LONG,
	                WASMC__V1__RESPONSE__BODY_INSTANCE, &r);
	if (e)
		return e;
	const Wasmc__V1__Instance *ri = r->msg->instance;
	if (ri == NULL || ri->handle.len != WCL_HANDLE_LEN) {
		e = wcl_error(WASMC_ERR_PROTOCOL,
		              "the daemon sent an instance handle of %zu bytes (16 expected)",
		              ri ? ri->handle.len : 0);
		goto fail_reply;
	}
	memcpy(inst->handle, ri->handle.data, WCL_HANDLE_LEN);
	wcl_hex(inst->handle, WCL_HANDLE_LEN, inst->id);
	inst->pid = ri->pid;
	e = wcl_externs_from_proto(NULL, 0, ri->exports, ri->n_exports, &inst->externs);
	if (e) {
		wcl_drop_handle(module->conn, inst->handle);
		goto fail_reply;
	}
	if (pthread_mutex_init(&inst->lock, NULL) != 0) {
		e = wcl_error(WASMC_ERR_NO_MEMORY, "cannot create a mutex");
		wcl_drop_handle(module->conn, inst->handle);
		wcl_externs_free(&inst->externs);
		goto fail_reply;
	}
	wcl_reply_free(r);
	wcl_conn_ref(module->conn);
	inst->conn = module->conn;
	inst->channel = module->conn->transport;
	return NULL;
fail_reply:
	wcl_reply_free(r);
	return e;
}

static void run_callback(wasmc_instance *inst, const Wasmc__V1__HostCall *hc,
                         Wasmc__V1__HostReturn *hr, Wasmc__V1__Results *res,
                         wcl_hostout *out, char *trap_buf, size_t trap_len);

wasmc_error *wasmc_instance_new(wasmc_module *module, const wasmc_imports *imports,
                                const wasmc_limits *limits,
                                wasmc_instance **ret_instance)
{
	wasmc_error *e;
	if (module == NULL || ret_instance == NULL)
		return wcl_error(WASMC_ERR_BAD_ARGUMENT, "wasmc_instance_new: NULL argument");
	if (module->comp)
		return wcl_error(WASMC_ERR_BAD_ARGUMENT,
		                 "wasmc_instance_new: the module is a component "
		                 "(use wasmc_component_instance_new)");
	e = limits_check(limits);
	if (e)
		return e;
	wasmc_instance *inst = calloc(1, sizeof *inst);
	if (inst == NULL)
		return wcl_error(WASMC_ERR_NO_MEMORY, "out of memory");
	e = collect_hostfns(module, imports, &inst->funcs, &inst->nfuncs);
	if (e)
		goto fail_inst;

	Wasmc__V1__ImportDef *defs = NULL, **defp = NULL;
	if (inst->nfuncs) {
		defs = calloc(inst->nfuncs, sizeof *defs);
		defp = calloc(inst->nfuncs, sizeof *defp);
		if (defs == NULL || defp == NULL) {
			e = wcl_error(WASMC_ERR_NO_MEMORY, "out of memory");
			goto fail_defs;
		}
	}
	for (size_t i = 0; i < inst->nfuncs; i++) {
		wasmc__v1__import_def__init(&defs[i]);
		defs[i].module = inst->funcs[i].module;
		defs[i].name = inst->funcs[i].name;
		defs[i].func_id = (uint32_t)i;
		defp[i] = &defs[i];
	}
	e = wcl_instantiate(module, limits, defp, inst->nfuncs, inst);
	if (e)
		goto fail_defs;
	free(defs);
	free(defp);
	inst->handler = run_callback;
	*ret_instance = inst;
	return NULL;
fail_defs:
	free(defs);
	free(defp);
	hostfns_free(inst->funcs, inst->nfuncs);
fail_inst:
	free(inst);
	return e;
}

void wasmc_instance_free(wasmc_instance *instance)
{
	if (instance == NULL)
		return;
	if (instance->direct)
		instance->direct->ops->close(instance->direct);
	wcl_drop_handle(instance->conn, instance->handle);
	pthread_mutex_destroy(&instance->lock);
	wcl_externs_free(&instance->externs);
	hostfns_free(instance->funcs, instance->nfuncs);
	wcl_comp_inst_free(instance->comp);
	wcl_conn_unref(instance->conn);
	free(instance);
}

size_t wasmc_instance_export_count(const wasmc_instance *instance)
{
	return instance->externs.nexports;
}

const wasmc_export *wasmc_instance_export_get(const wasmc_instance *instance,
                                              size_t i)
{
	return i < instance->externs.nexports ? &instance->externs.exports[i] : NULL;
}

const wasmc_export *wasmc_instance_export_find(const wasmc_instance *instance,
                                               const char *name)
{
	return wcl_export_find(instance->externs.exports, instance->externs.nexports,
	                       name);
}

uint32_t wasmc_instance_pid(const wasmc_instance *instance)
{
	return instance->pid;
}

const char *wasmc_instance_id(const wasmc_instance *instance)
{
	return instance->id;
}

/* ---- core values ---- */

/* Values to send: proto messages and pointers in one allocation. */
typedef struct wcl_values {
	size_t n;
	Wasmc__V1__Value *vals;
	Wasmc__V1__Value **ptrs;
	uint8_t (*v128)[16];
} wcl_values;

static wasmc_error *values_pack(const wasmc_val *vals, size_t n, wcl_values *out)
{
	memset(out, 0, sizeof *out);
	if (n == 0)
		return NULL;
	out->vals = calloc(n, sizeof *out->vals);
	out->ptrs = calloc(n, sizeof *out->ptrs);
	out->v128 = calloc(n, sizeof *out->v128);
	if (out->vals == NULL || out->ptrs == NULL || out->v128 == NULL) {
		free(out->vals);
		free(out->ptrs);
		free(out->v128);
		return wcl_error(WASMC_ERR_NO_MEMORY, "out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		wcl_value_to_proto(&vals[i], &out->vals[i], out->v128[i]);
		out->ptrs[i] = &out->vals[i];
	}
	out->n = n;
	return NULL;
}

static void values_free(wcl_values *v)
{
	free(v->vals);
	free(v->ptrs);
	free(v->v128);
}

static void values_release(wcl_hostout *o)
{
	values_free(o->data);
	free(o->data);
}

/* The core host-call handler: runs the callback of host call `hc` and
 * fills the HostReturn outcome. `trap_buf` holds a trap message the
 * library makes up. */
static void run_callback(wasmc_instance *inst, const Wasmc__V1__HostCall *hc,
                         Wasmc__V1__HostReturn *hr, Wasmc__V1__Results *res,
                         wcl_hostout *out, char *trap_buf, size_t trap_len)
{
	wasmc_val *args = NULL, *results = NULL;
	const char *trap = NULL;
	wcl_values *packed = NULL;
	const wcl_hostfn *f = hc->func_id < inst->nfuncs ? &inst->funcs[hc->func_id] : NULL;
	if (f == NULL) {
		snprintf(trap_buf, trap_len, "host call of unknown client function %u",
		         hc->func_id);
		trap = trap_buf;
		goto out;
	}
	if (hc->n_args != f->type.nparams) {
		snprintf(trap_buf, trap_len, "host call of %s.%s with %zu arguments (%zu expected)",
		         f->module, f->name, hc->n_args, f->type.nparams);
		trap = trap_buf;
		goto out;
	}
	size_t nargs = f->type.nparams, nres = f->type.nresults;
	args = calloc(nargs + 1, sizeof *args);
	results = calloc(nres + 1, sizeof *results);
	if (args == NULL || results == NULL) {
		trap = "out of memory in the client";
		goto out;
	}
	for (size_t i = 0; i < nargs; i++) {
		wasmc_error *e = wcl_value_from_proto(hc->args[i], f->type.params[i], &args[i]);
		if (e) {
			snprintf(trap_buf, trap_len, "host call of %s.%s: argument %zu: %s",
			         f->module, f->name, i + 1, wasmc_error_message(e));
			wasmc_error_free(e);
			trap = trap_buf;
			goto out;
		}
	}
	for (size_t i = 0; i < nres; i++)
		results[i].kind = f->type.results[i];

	trap = f->callback(f->env, args, nargs, results, nres);

	if (trap) {
		if (!pb_utf8_valid(trap, strlen(trap)))
			trap = "client callback trapped (its message is not valid UTF-8)";
		snprintf(trap_buf, trap_len, "%s", trap);
		trap = trap_buf;
		goto out;
	}
	for (size_t i = 0; i < nres; i++) {
		if (results[i].kind != f->type.results[i]) {
			snprintf(trap_buf, trap_len,
			         "callback for %s.%s returned a %s as result %zu, expected %s",
			         f->module, f->name, wasmc_valkind_name(results[i].kind), i + 1,
			         wasmc_valkind_name(f->type.results[i]));
			trap = trap_buf;
			goto out;
		}
	}
	packed = malloc(sizeof *packed);
	if (packed == NULL || values_pack(results, nres, packed) != NULL) {
		free(packed);
		trap = "out of memory in the client";
		goto out;
	}
	out->data = packed;
	out->release = values_release;
	res->n_values = packed->n;
	res->values = packed->ptrs;
	hr->outcome_case = WASMC__V1__HOST_RETURN__OUTCOME_RESULTS;
	hr->results = res;
out:
	if (trap) {
		hr->outcome_case = WASMC__V1__HOST_RETURN__OUTCOME_TRAP;
		hr->trap = (char *)trap;
	}
	free(args);
	free(results);
}

/* ---- the call loop ---- */

/* Answers host call `hc` of `inst` (its handler runs with a frame for
 * nested calls) and returns the next CallReply. */
static wasmc_error *host_return(wasmc_instance *inst, const Wasmc__V1__HostCall *hc,
                                wcl_reply **ret_reply)
{
	if (hc->token.len != WCL_HANDLE_LEN)
		return wcl_error(WASMC_ERR_PROTOCOL,
		                 "the daemon sent a host-call token of %zu bytes (16 expected)",
		                 hc->token.len);
	Wasmc__V1__Request req = WASMC__V1__REQUEST__INIT;
	Wasmc__V1__HostReturn hr = WASMC__V1__HOST_RETURN__INIT;
	Wasmc__V1__Results res = WASMC__V1__RESULTS__INIT;
	wcl_hostout out = {0};
	char trap_buf[512];

	wcl_frame frame = {.inst = inst, .up = wcl_frames};
	memcpy(frame.token, hc->token.data, WCL_HANDLE_LEN);
	wcl_frames = &frame;
	inst->handler(inst, hc, &hr, &res, &out, trap_buf, sizeof trap_buf);
	wcl_frames = frame.up;

	hr.instance.data = inst->handle;
	hr.instance.len = WCL_HANDLE_LEN;
	hr.token = hc->token;
	req.body_case = WASMC__V1__REQUEST__BODY_HOST_RETURN;
	req.host_return = &hr;
	wasmc_error *e = wcl_request(inst->conn, inst->channel, &req, WCL_WAIT_LONG,
	                             WASMC__V1__RESPONSE__BODY_CALL, ret_reply);
	if (out.release)
		out.release(&out);
	return e;
}

static wasmc_trapcode trapcode_from_proto(int c)
{
	return c >= WASMC_TRAP_UNREACHABLE && c <= WASMC_TRAP_OTHER ? (wasmc_trapcode)c
	                                                            : WASMC_TRAP_OTHER;
}

/* Sends Call and loops over host calls until the final outcome. */
static wasmc_error *call_loop(wasmc_instance *inst, Wasmc__V1__Call *call,
                              const uint8_t *parent, wcl_reply **ret_reply)
{
	wasmc_error *e;
	Wasmc__V1__Request req = WASMC__V1__REQUEST__INIT;
	call->instance.data = inst->handle;
	call->instance.len = WCL_HANDLE_LEN;
	call->parent.data = (uint8_t *)parent;
	call->parent.len = parent ? WCL_HANDLE_LEN : 0;
	req.body_case = WASMC__V1__REQUEST__BODY_CALL;
	req.call = call;
	wcl_reply *r = NULL;
	e = wcl_request(inst->conn, inst->channel, &req, WCL_WAIT_LONG,
	                WASMC__V1__RESPONSE__BODY_CALL, &r);
	while (e == NULL) {
		const Wasmc__V1__CallReply *cr = r->msg->call;
		if (cr == NULL) {
			e = wcl_error(WASMC_ERR_PROTOCOL, "the daemon sent an empty call reply");
			break;
		}
		if (cr->outcome_case == WASMC__V1__CALL_REPLY__OUTCOME_HOST_CALL &&
		    cr->host_call) {
			wcl_reply *next = NULL;
			e = host_return(inst, cr->host_call, &next);
			wcl_reply_free(r);
			r = next;
			continue;
		}
		if (cr->outcome_case == WASMC__V1__CALL_REPLY__OUTCOME_TRAP && cr->trap) {
			e = wcl_trap(trapcode_from_proto((int)cr->trap->code),
			             cr->trap->message, cr->trap->location);
			break;
		}
		if (cr->outcome_case != WASMC__V1__CALL_REPLY__OUTCOME_RESULTS ||
		    cr->results == NULL) {
			e = wcl_error(WASMC_ERR_PROTOCOL,
			              "the daemon's call reply has no outcome");
			break;
		}
		*ret_reply = r;
		return NULL;
	}
	wcl_reply_free(r);
	return e;
}

wasmc_error *wcl_instance_run(wasmc_instance *inst, Wasmc__V1__Call *call,
                              wcl_reply **ret_reply)
{
	const wcl_frame *f = frame_of(inst);
	if (f)
		return call_loop(inst, call, f->token, ret_reply);
	pthread_mutex_lock(&inst->lock);
	if (!inst->direct_tried) {
		/* Once, under the lock, before any call is in progress: a channel
		 * the daemon cannot give only leaves the calls on the daemon. */
		inst->direct_tried = true;
		wcl_transport *t;
		wasmc_error *de = NULL;
		if (inst->conn->direct_calls) {
			de = wcl_direct_open(inst->conn->path, inst->handle,
			                     inst->conn->recv_max, &t);
			if (de == NULL) {
				inst->direct = t;
				inst->channel = t;
			}
		}
		wasmc_error_free(de);
	}
	wasmc_error *e = call_loop(inst, call, NULL, ret_reply);
	pthread_mutex_unlock(&inst->lock);
	return e;
}

wasmc_error *wasmc_instance_call(wasmc_instance *instance, const char *name,
                                 const wasmc_val *args, size_t nargs,
                                 wasmc_val *results, size_t nresults)
{
	if (instance == NULL || name == NULL || (args == NULL && nargs) ||
	    (results == NULL && nresults))
		return wcl_error(WASMC_ERR_BAD_ARGUMENT, "wasmc_instance_call: NULL argument");
	const wasmc_export *ex = wasmc_instance_export_find(instance, name);
	if (ex == NULL) {
		if (instance->comp)
			return wcl_error(WASMC_ERR_BAD_ARGUMENT,
			                 "wasmc_instance_call: the instance is a component's "
			                 "(use wasmc_component_call)");
		return wcl_error(WASMC_ERR_NOT_FOUND, "no export named '%s'", name);
	}
	if (ex->type.kind != WASMC_EXTERN_FUNC)
		return wcl_error(WASMC_ERR_BAD_ARGUMENT, "export '%s' is a %s, not a function",
		                 name, wasmc_externkind_name(ex->type.kind));
	const wasmc_functype *ft = &ex->type.func;
	if (nargs != ft->nparams)
		return wcl_error(WASMC_ERR_BAD_ARGUMENT, "%s takes %zu argument(s), %zu given",
		                 name, ft->nparams, nargs);
	if (nresults != ft->nresults)
		return wcl_error(WASMC_ERR_BAD_ARGUMENT,
		                 "%s has %zu result(s), room for %zu given", name,
		                 ft->nresults, nresults);
	for (size_t i = 0; i < nargs; i++)
		if (args[i].kind != ft->params[i])
			return wcl_error(WASMC_ERR_BAD_ARGUMENT,
			                 "%s: argument %zu is a %s, expected %s", name, i + 1,
			                 wasmc_valkind_name(args[i].kind),
			                 wasmc_valkind_name(ft->params[i]));
	for (size_t i = 0; i < nresults; i++)
		if (ft->results[i] == WASMC_VALKIND_OTHER)
			return wcl_error(WASMC_ERR_UNSUPPORTED,
			                 "%s returns a type libwasmc cannot represent (%s)",
			                 name, ex->type.text);

	wcl_values packed;
	wasmc_error *e = values_pack(args, nargs, &packed);
	if (e)
		return e;
	Wasmc__V1__Call call = WASMC__V1__CALL__INIT;
	call.export = (char *)ex->name;
	call.n_args = packed.n;
	call.args = packed.ptrs;
	wcl_reply *r = NULL;
	e = wcl_instance_run(instance, &call, &r);
	values_free(&packed);
	if (e)
		return e;
	const Wasmc__V1__Results *res = r->msg->call->results;
	if (res->n_values != nresults) {
		e = wcl_error(WASMC_ERR_PROTOCOL,
		              "the daemon returned %zu results for %s, which has %zu",
		              res->n_values, ex->name, nresults);
		goto out;
	}
	/* Convert everything first: results are written only on success. */
	wasmc_val *tmp = calloc(nresults + 1, sizeof *tmp);
	if (tmp == NULL) {
		e = wcl_error(WASMC_ERR_NO_MEMORY, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < nresults && e == NULL; i++)
		e = wcl_value_from_proto(res->values[i], ft->results[i], &tmp[i]);
	if (e == NULL && nresults)
		memcpy(results, tmp, nresults * sizeof *tmp);
	free(tmp);
out:
	wcl_reply_free(r);
	return e;
}
