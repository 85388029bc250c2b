/*
 * exw_inst.c - loading, linking, calls, host calls, limits and statistics
 * of the exec worker's instance.
 */
#include "exw_inst.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "cm_exec.h"
#include "cm_plan.h"
#include "cmn_arena.h"
#include "exw_comp.h"
#include "exw_vals.h"
#include "rt_artifact.h"
#include "rt_container.h"
#include "rt_instance.h"
#include "rt_store.h"
#include "sbx_extern.h"
#include "sbx_layers.h"
#include "sbx_worker.h"

typedef Wasmc__V1__Worker__ExecReply Reply;

/* An imported function the daemon provides. */
typedef struct binding {
	uint32_t func_id;
	uint32_t type; /* the import's type index */
} binding;

static struct {
	bool load_seen; /* one ExecLoad per worker */
	bool dead;      /* a fatal trap happened */
	rt_loaded *loaded;
	rt_store *store;
	rt_instance *inst; /* NULL until instantiation returns */
	uint32_t *canon;   /* canonical id per type index */
	exw_types types;
	binding *bindings;                /* per import (func imports only are used) */
	uint64_t cpu_ms;                  /* instance CPU limit; 0: none */
	uint64_t call_deadline_ms;        /* default per call; 0: none */
	bool fuel;                        /* fuel metering on */
	unsigned depth;                   /* guest calls active */
	bool wall_passed;                 /* a wall deadline had passed when the last
	                                     guest call ended */
	uint64_t deadline[EXW_MAX_DEPTH]; /* CLOCK_MONOTONIC ns; 0: none */
	/* A component instead of a module (ExecLoad.component). */
	rt_container *cont;
	cm_plan *plan;
	cm_exec *cx;
	uint32_t *func_ids; /* per plan func import: the client's func_id */
	uint32_t *res_ids;  /* per plan resource import: the client's func_id */
} W;

/* ---------------------------------------------------------------------------
 * Time limits
 */

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ITIMER_REAL for the soonest deadline of the active calls (or off). Its
 * SIGALRM makes compiled code trap "deadline exceeded" (rt_trap_on_signal);
 * outside compiled code the runtime re-arms it to try again. */
static volatile uint64_t *watch_page; /* ExecWatch: the daemon reads it */

void exw_watch_attach(int fd)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p != MAP_FAILED)
		watch_page = p;
}

static uint64_t soonest_deadline(void)
{
	uint64_t soonest = 0;
	for (unsigned i = 0; i < W.depth; i++)
		if (W.deadline[i] && (!soonest || W.deadline[i] < soonest))
			soonest = W.deadline[i];
	return soonest;
}

/* The daemon kills this worker if it is still past `deadline` a second
 * later (its backstop for calls it does not see); 0 while no guest code
 * runs (none, or waiting for the client's host return: a slow callback
 * is the client's time, as on the daemon's path). */
static void watch_publish(uint64_t deadline)
{
	if (watch_page)
		__atomic_store_n(watch_page, deadline, __ATOMIC_RELAXED);
}

static void arm_deadline(void)
{
	uint64_t soonest = soonest_deadline();
	watch_publish(soonest);
	/* No deadline before and none now: the timer is off already (a
	 * call without deadline costs no timer syscalls). */
	static bool armed;
	if (!soonest && !armed)
		return;
	armed = soonest != 0;
	struct itimerval it;
	memset(&it, 0, sizeof it);
	if (soonest) {
		uint64_t now = now_ns();
		uint64_t left = soonest > now ? soonest - now : 0;
		it.it_value.tv_sec = (time_t)(left / 1000000000ull);
		it.it_value.tv_usec = (suseconds_t)(left % 1000000000ull / 1000);
		if (it.it_value.tv_sec == 0 && it.it_value.tv_usec == 0)
			it.it_value.tv_usec = 1;
	}
	setitimer(ITIMER_REAL, &it, NULL);
}

static bool enter_guest(uint64_t deadline_ms)
{
	if (W.depth >= EXW_MAX_DEPTH)
		return false;
	uint64_t ns =
	        deadline_ms > UINT64_MAX / 2000000ull ? UINT64_MAX / 2 : deadline_ms * 1000000ull;
	W.deadline[W.depth++] = deadline_ms ? now_ns() + ns : 0;
	arm_deadline();
	return true;
}

static void leave_guest(void)
{
	uint64_t now = now_ns();
	W.wall_passed = false;
	for (unsigned i = 0; i < W.depth; i++)
		if (W.deadline[i] && W.deadline[i] <= now)
			W.wall_passed = true;
	W.depth--;
	arm_deadline();
}

static uint64_t cpu_used_ms(void)
{
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return 0;
	return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000ull +
	       (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000ull;
}

/* getrusage may lag the interval timer's count by a tick: 10 ms slack. */
static bool cpu_exceeded(void)
{
	return W.cpu_ms && cpu_used_ms() + 10 >= W.cpu_ms;
}

/* RLIMIT_CPU (whole seconds, rounded up; SIGXCPU, and SIGKILL two
 * seconds later) and ITIMER_PROF for the exact milliseconds (SIGPROF):
 * both signals stop compiled code like a deadline. */
static bool set_cpu_limit(uint64_t ms, cmn_error *err)
{
	sbx_rlimits rl;
	memset(&rl, 0, sizeof rl);
	rl.cpu_seconds = (ms + 999) / 1000;
	if (!sbx_rlimits_apply(&rl, err))
		return false;
	struct itimerval it;
	memset(&it, 0, sizeof it);
	uint64_t used = cpu_used_ms();
	uint64_t left = ms > used ? ms - used : 1;
	it.it_value.tv_sec = (time_t)(left / 1000);
	it.it_value.tv_usec = (suseconds_t)(left % 1000 * 1000);
	if (setitimer(ITIMER_PROF, &it, NULL) != 0)
		return cmn_fail(err, "setitimer: %s", strerror(errno));
	return true;
}

/* ---------------------------------------------------------------------------
 * Replies
 */

static Wasmc__V1__TrapCode trap_code(uint32_t code)
{
	switch (code) {
	case RT_TRAP_UNREACHABLE:
		return WASMC__V1__TRAP_CODE__TRAP_UNREACHABLE;
	case RT_TRAP_MEMORY_OOB:
	case RT_TRAP_DATA_OOB:
		return WASMC__V1__TRAP_CODE__TRAP_MEMORY_OOB;
	case RT_TRAP_TABLE_OOB:
	case RT_TRAP_UNDEFINED_ELEMENT:
		return WASMC__V1__TRAP_CODE__TRAP_TABLE_OOB;
	case RT_TRAP_UNINITIALIZED_ELEMENT:
	case RT_TRAP_NULL_FUNC:
		return WASMC__V1__TRAP_CODE__TRAP_INDIRECT_NULL;
	case RT_TRAP_INDIRECT_TYPE:
		return WASMC__V1__TRAP_CODE__TRAP_INDIRECT_TYPE;
	case RT_TRAP_INT_DIV_ZERO:
		return WASMC__V1__TRAP_CODE__TRAP_DIV_ZERO;
	case RT_TRAP_INT_OVERFLOW:
		return WASMC__V1__TRAP_CODE__TRAP_INT_OVERFLOW;
	case RT_TRAP_INVALID_CONVERSION:
		return WASMC__V1__TRAP_CODE__TRAP_INVALID_CONVERSION;
	case RT_TRAP_STACK_EXHAUSTED:
		return WASMC__V1__TRAP_CODE__TRAP_STACK_EXHAUSTED;
	case RT_TRAP_OUT_OF_FUEL:
		return WASMC__V1__TRAP_CODE__TRAP_OUT_OF_FUEL;
	case RT_TRAP_DEADLINE:
		return WASMC__V1__TRAP_CODE__TRAP_DEADLINE;
	case RT_TRAP_HOST:
		return WASMC__V1__TRAP_CODE__TRAP_HOST;
	default:
		return WASMC__V1__TRAP_CODE__TRAP_OTHER;
	}
}

/* "function 3 (name)" for the code address a trap came from, or "". */
static void trap_location(const rt_outcome *out, char *buf, size_t len)
{
	const rt_loaded *l;
	uint32_t fi;
	buf[0] = '\0';
	if (!out->pc || !rt_code_locate(out->pc, &l, &fi))
		return;
	int n = snprintf(buf, len, "function %u", fi);
	const rt_names *nm = &l->mod->names;
	for (uint32_t i = 0; i < nm->nfuncs && n > 0 && (size_t)n < len; i++)
		if (nm->funcs[i].index == fi)
			snprintf(buf + n, len - (size_t)n, " (%.*s)", (int)nm->funcs[i].name.len,
			         nm->funcs[i].name.ptr);
}

/* Trap reply. Out of fuel and the CPU limit are fatal: the instance is
 * dead from then on (fuel cannot be refilled, the CPU time is spent). A
 * "deadline exceeded" trap with no wall deadline passed came from the CPU
 * limit's signals (SIGPROF, SIGXCPU). */
static void send_trap(const rt_outcome *out, bool fatal)
{
	char loc[256];
	trap_location(out, loc, sizeof loc);
	if (out->trap == RT_TRAP_OUT_OF_FUEL ||
	    (out->trap == RT_TRAP_DEADLINE && W.cpu_ms && (!W.wall_passed || cpu_exceeded())))
		fatal = true;
	if (fatal)
		W.dead = true;
	Wasmc__V1__Trap t = WASMC__V1__TRAP__INIT;
	t.code = trap_code(out->trap);
	t.message = (char *)out->msg;
	t.location = loc;
	Reply r = WASMC__V1__WORKER__EXEC_REPLY__INIT;
	r.body_case = WASMC__V1__WORKER__EXEC_REPLY__BODY_TRAP;
	r.trap = &t;
	r.fatal = fatal;
	exw_send(&r);
}

static uint64_t memory_bytes(void)
{
	if (W.cx)
		return rt_store_memory_bytes(W.store);
	if (!W.inst)
		return 0;
	const rt_module *m = W.loaded->mod;
	rt_vmctx *vm = rt_instance_vmctx(W.inst);
	uint64_t sum = 0;
	for (uint32_t i = 0; i < m->nmemories; i++)
		if (vm->memories[i])
			sum += vm->memories[i]->size;
	return sum;
}

/* ---------------------------------------------------------------------------
 * Host functions
 */

/* The trap message a host function hands back to the runtime, which
 * copies it before anything else can run. */
static char host_trap[512];

static const char *host_fail(const char *fmt, const char *a, const char *b)
{
	snprintf(host_trap, sizeof host_trap, fmt, a, b);
	return host_trap;
}

/* Waits for the ExecHostReturn of the host call just sent, serving what
 * comes meanwhile (nested calls, stats). Returns the request holding it
 * (caller frees). */
static exw_request *await_host_return(void)
{
	for (;;) {
		watch_publish(0);
		exw_request *r = exw_recv();
		watch_publish(soonest_deadline());
		Wasmc__V1__Worker__ExecRequest *m = r->msg;
		switch (m->body_case) {
		case WASMC__V1__WORKER__EXEC_REQUEST__BODY_HOST_RETURN:
			return r;
		case WASMC__V1__WORKER__EXEC_REQUEST__BODY_CALL:
			exw_call(m->call);
			break;
		case WASMC__V1__WORKER__EXEC_REQUEST__BODY_STATS:
			exw_stats();
			break;
		default:
			exw_send_error(WASMC__V1__ERROR_CODE__BAD_REQUEST,
			               "ExecLoad while a host call waits for its result");
			break;
		}
		exw_request_free(r);
	}
}

/* NULL (results stored) or a trap message. */
static const char *await_return(const binding *b, rt_val *args_results)
{
	const rt_functype *ft = rt_module_functype(W.loaded->mod, b->type);
	{
		exw_request *r = await_host_return();
		Wasmc__V1__Worker__ExecRequest *m = r->msg;
		{
			Wasmc__V1__Worker__ExecHostReturn *hr = m->host_return;
			const char *trap = NULL;
			if (hr->outcome_case == WASMC__V1__WORKER__EXEC_HOST_RETURN__OUTCOME_TRAP) {
				trap = host_fail("%s%s", hr->trap, "");
			} else {
				size_t nv = 0;
				Wasmc__V1__Value **vs = NULL;
				if (hr->outcome_case ==
				    WASMC__V1__WORKER__EXEC_HOST_RETURN__OUTCOME_RESULTS) {
					nv = hr->results->n_values;
					vs = hr->results->values;
				}
				rt_val tmp[ft->nresults + 1];
				cmn_error err;
				if (exw_vals_in(&W.types, ft->nresults, ft->results, nv, vs, tmp,
				                "result", &err))
					memcpy(args_results, tmp, ft->nresults * sizeof *tmp);
				else
					trap = host_fail("host function returned bad results: %s%s",
					                 err.msg, "");
			}
			exw_request_free(r);
			return trap;
		}
	}
}

static const char *host_callback(void *env, rt_val *args_results)
{
	const binding *b = env;
	const rt_functype *ft = rt_module_functype(W.loaded->mod, b->type);
	cmn_arena a = {0};
	cmn_error err;
	Wasmc__V1__Worker__ExecHostCall hc = WASMC__V1__WORKER__EXEC_HOST_CALL__INIT;
	hc.func_id = b->func_id;
	if (!exw_vals_out(&a, &W.types, ft->nparams, ft->params, args_results, &hc.n_args, &hc.args,
	                  &err)) {
		cmn_arena_free(&a);
		return host_fail("host call: %s%s", err.msg, "");
	}
	Reply r = WASMC__V1__WORKER__EXEC_REPLY__INIT;
	r.body_case = WASMC__V1__WORKER__EXEC_REPLY__BODY_HOST_CALL;
	r.host_call = &hc;
	exw_send(&r);
	cmn_arena_free(&a);
	return await_return(b, args_results);
}

/* ---------------------------------------------------------------------------
 * Loading
 */

static bool name_eq(rt_name n, const char *s)
{
	size_t len = strlen(s);
	return n.len == len && (len == 0 || memcmp(n.ptr, s, len) == 0);
}

static bool host_type_ok(const rt_functype *ft)
{
	for (uint32_t i = 0; i < ft->nparams; i++)
		if (ft->params[i].kind == RT_REF && !RT_HT_IS_ABS(ft->params[i].heap))
			return false;
	for (uint32_t i = 0; i < ft->nresults; i++)
		if (ft->results[i].kind == RT_REF && !RT_HT_IS_ABS(ft->results[i].heap))
			return false;
	return true;
}

/* The imports of the module, resolved against ExecLoad.imports. False
 * after answering LINK_FAILED (or an error). */
static bool link_imports(const Wasmc__V1__Worker__ExecLoad *ld, rt_extern *ext)
{
	const rt_module *m = W.loaded->mod;
	for (uint32_t i = 0; i < m->nimports; i++) {
		const rt_import *im = &m->imports[i];
		const Wasmc__V1__Worker__ImportBinding *ib = NULL;
		for (size_t k = 0; k < ld->n_imports && !ib; k++)
			if (name_eq(im->module, ld->imports[k]->module) &&
			    name_eq(im->field, ld->imports[k]->name))
				ib = ld->imports[k];
		if (im->kind != RT_EXTERN_FUNC || !ib) {
			exw_send_error(WASMC__V1__ERROR_CODE__LINK_FAILED,
			               "unknown import: \"%.*s\" \"%.*s\"", (int)im->module.len,
			               im->module.ptr, (int)im->field.len, im->field.ptr);
			return false;
		}
		uint32_t ty = m->funcs[im->index].type;
		const rt_functype *ft = rt_module_functype(m, ty);
		if (!host_type_ok(ft)) {
			exw_send_error(WASMC__V1__ERROR_CODE__LINK_FAILED,
			               "import \"%.*s\" \"%.*s\": a client function cannot take or "
			               "return typed function references",
			               (int)im->module.len, im->module.ptr, (int)im->field.len,
			               im->field.ptr);
			return false;
		}
		W.bindings[i].func_id = ib->func_id;
		W.bindings[i].type = ty;
		ext[i].kind = RT_EXTERN_FUNC;
		ext[i].u.func = rt_host_func_new(W.store, ft->nparams, ft->params, ft->nresults,
		                                 ft->results, host_callback, &W.bindings[i]);
		if (!ext[i].u.func) {
			exw_send_error(WASMC__V1__ERROR_CODE__INTERNAL,
			               "out of memory for host function imports");
			return false;
		}
	}
	return true;
}

/* A "; NAME N" field of the engine fingerprint (jit_fingerprint: "...;
 * fuel 1; deadline 0; guard 2147483648"), or -1 when absent. */
static long long fp_field(const char *fp, const char *name)
{
	char key[32];
	snprintf(key, sizeof key, "; %s ", name);
	const char *p = fp ? strstr(fp, key) : NULL;
	if (!p)
		return -1;
	char *end;
	long long v = strtoll(p + strlen(key), &end, 10);
	return end == p + strlen(key) ? -1 : v;
}

static void send_loaded(void)
{
	cmn_arena a = {0};
	Wasmc__V1__Worker__ExecLoaded ld = WASMC__V1__WORKER__EXEC_LOADED__INIT;
	if (!sbx_describe_exports(&a, W.loaded->mod, &ld.n_exports, &ld.exports))
		exw_exit(EXW_EXIT_NOMEM);
	ld.memory_bytes = memory_bytes();
	Reply r = WASMC__V1__WORKER__EXEC_REPLY__INIT;
	r.body_case = WASMC__V1__WORKER__EXEC_REPLY__BODY_LOADED;
	r.loaded = &ld;
	exw_send(&r);
	cmn_arena_free(&a);
}

void exw_warm_up(void)
{
	/* The first memory of a process costs ~150 us more than later ones
	 * (first use of the reservation and fault paths, malloc arenas):
	 * pay it while the worker waits in the pool, not in instantiation. */
	rt_store_config cfg;
	rt_store_config_default(&cfg);
	rt_store *s = rt_store_new(&cfg);
	if (!s)
		return;
	rt_limits one = {.min = 1, .max = 1, .has_max = true, .page_log2 = 16};
	cmn_error err;
	rt_memobj *m = rt_memory_new(s, &one, &err);
	if (m) {
		rt_memory *mem = rt_memobj_memory(m);
		((volatile uint8_t *)mem->base)[0] = 1;
	}
	rt_valtype funcref = {.kind = RT_REF, .nullable = true, .heap = RT_HT_ABS | RT_HT_FUNC};
	(void)rt_table_new(s, funcref, &one, NULL, &err);
	rt_store_free(s);
}

/* Limits and the signals that enforce them, into *cfg. The guard region
 * is never smaller than the one the code was compiled for (it relies on
 * it for unchecked accesses), whatever ExecLoad says. False after
 * answering an error. */
static bool setup_limits(const Wasmc__V1__Worker__ExecLoad *ld, const char *fingerprint,
                         rt_store_config *cfg)
{
	cmn_error err;
	rt_store_config_default(cfg);
	cfg->guard_bytes = ld->guard_bytes;
	long long guard = fp_field(fingerprint, "guard");
	uint64_t eff = cfg->guard_bytes ? cfg->guard_bytes : (uint64_t)2 << 30;
	if (guard > 0 && (uint64_t)guard > eff)
		cfg->guard_bytes = (uint64_t)guard;
	if (ld->limits && ld->limits->fuel > 0 && fp_field(fingerprint, "fuel") == 0) {
		exw_send_error(WASMC__V1__ERROR_CODE__BAD_REQUEST,
		               "a fuel limit needs an artifact compiled with fuel");
		return false;
	}
	if (ld->limits) {
		cfg->max_memory_bytes = ld->limits->max_memory_bytes;
		cfg->max_table_elems = ld->limits->max_table_elems;
		if (ld->limits->fuel > 0) {
			cfg->fuel = ld->limits->fuel;
			W.fuel = true;
		}
		W.call_deadline_ms = ld->limits->deadline_ms;
		W.cpu_ms = ld->limits->cpu_ms;
	}
	if (!rt_trap_on_signal(SIGALRM) || !rt_trap_on_signal(SIGXCPU) ||
	    !rt_trap_on_signal(SIGPROF)) {
		exw_send_error(WASMC__V1__ERROR_CODE__INTERNAL, "cannot install signal handlers");
		return false;
	}
	if (W.cpu_ms && !set_cpu_limit(W.cpu_ms, &err)) {
		exw_send_error(WASMC__V1__ERROR_CODE__INTERNAL, "CPU limit: %s", err.msg);
		return false;
	}
	return true;
}

static void load_component(exw_request *req);

/* The artifact comes as a sealed memfd (daemon/wcd_seal.h): sealed
 * against writes, growing and shrinking, so the bytes checked below are
 * the bytes that run, whoever holds the cache file. */
static bool artifact_sealed(int fd)
{
	int seals = fcntl(fd, F_GET_SEALS);
	int need = F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK;
	return seals >= 0 && (seals & need) == need;
}

/* The strict filter (no new executable mappings, no open, no socket, ...),
 * once. Exits when the kernel refuses it. */
static void strict_on(void)
{
	static bool on;
	cmn_error err;
	if (on)
		return;
	if (!sbx_exec_enter_strict(&err))
		exw_exit(EXW_EXIT_SANDBOX);
	on = true;
}

static void load_core(exw_request *req);

void exw_load(exw_request *req)
{
	load_core(req);
	/* Once code is mapped, never read another request without the strict
	 * filter (load_core may have put it on before the reply already). */
	if (W.loaded || W.cont)
		strict_on();
}

static void load_core(exw_request *req)
{
	Wasmc__V1__Worker__ExecLoad *ld = req->msg->load;
	cmn_error err;
	cmn_error_clear(&err);
	if (W.load_seen) {
		explicit_bzero(ld->key.data, ld->key.len);
		exw_send_error(WASMC__V1__ERROR_CODE__BAD_REQUEST,
		               "this worker already had its ExecLoad (one per worker)");
		return;
	}
	W.load_seen = true;
	if (req->fd < 0) {
		explicit_bzero(ld->key.data, ld->key.len);
		exw_send_error(WASMC__V1__ERROR_CODE__BAD_REQUEST,
		               "ExecLoad came without the artifact descriptor");
		return;
	}
	if (!artifact_sealed(req->fd)) {
		explicit_bzero(ld->key.data, ld->key.len);
		exw_send_error(WASMC__V1__ERROR_CODE__BAD_REQUEST,
		               "the artifact descriptor is not a sealed memfd (F_SEAL_WRITE, "
		               "F_SEAL_GROW, F_SEAL_SHRINK)");
		return;
	}
	if (ld->input_digest.len) {
		/* Bound to the input the daemon instantiates (the header is
		 * MAC-checked with the rest below). */
		rt_artifact_hdr *h = malloc(sizeof *h);
		bool bound = h && ld->input_digest.len == RT_ARTIFACT_DIGEST_LEN &&
		             rt_artifact_hdr_read_fd(req->fd, NULL, h, &err) &&
		             rt_artifact_input_matches(h, ld->input_digest.data, &err);
		free(h);
		if (!bound) {
			explicit_bzero(ld->key.data, ld->key.len);
			exw_send_error(WASMC__V1__ERROR_CODE__INVALID_MODULE, "%s",
			               err.msg[0] ? err.msg : "bad input digest");
			return;
		}
	}
	if (ld->component) {
		load_component(req);
		return;
	}
	const char *fp = ld->fingerprint[0] ? ld->fingerprint : NULL;
	const uint8_t *key = ld->key.len ? ld->key.data : NULL;
	bool ok = rt_artifact_load_fd(req->fd, fp, key, ld->key.len, &W.loaded, &err);
	explicit_bzero(ld->key.data, ld->key.len);
	close(req->fd);
	req->fd = -1;
	if (!ok) {
		exw_send_error(WASMC__V1__ERROR_CODE__INVALID_MODULE, "%s", err.msg);
		return;
	}
	const rt_module *m = W.loaded->mod;

	rt_store_config cfg;
	if (!setup_limits(ld, W.loaded->fingerprint, &cfg))
		return;
	W.canon = calloc(m->ntypes + 1, sizeof *W.canon);
	W.bindings = calloc(m->nimports + 1, sizeof *W.bindings);
	rt_extern *ext = calloc(m->nimports + 1, sizeof *ext);
	W.store = rt_store_new(&cfg);
	if (!W.canon || !W.bindings || !ext || !W.store)
		exw_exit(EXW_EXIT_NOMEM);
	if (!rt_types_register(m->ntypes, m->types, W.canon, &err)) {
		exw_send_error(WASMC__V1__ERROR_CODE__INVALID_MODULE, "%s", err.msg);
		goto free_ext;
	}
	W.types.mod = m;
	W.types.canon = W.canon;

	/* The code is mapped: nothing may be made executable any more. A start
	 * function is guest code, so the strict filter goes on before
	 * instantiation. Without one, instantiation runs only the runtime's own
	 * code (constant expressions, segments), so the filter goes on right
	 * after the reply (exw_load), before any other request is read: its
	 * installation (~150 us here, the kernel compiles the program) is then
	 * not part of the instantiation's latency. */
	if (m->start != RT_NO_START)
		strict_on();

	if (!link_imports(ld, ext))
		goto free_ext;
	rt_outcome out;
	rt_instance *inst = NULL;
	if (!enter_guest(W.call_deadline_ms))
		exw_exit(EXW_EXIT_NOMEM);
	ok = rt_instantiate(W.store, W.loaded, ext, m->nimports, &inst, &out);
	leave_guest();
	if (!ok) {
		if (out.kind == RT_TRAPPED)
			send_trap(&out, true);
		else if (out.kind == RT_LINK)
			exw_send_error(WASMC__V1__ERROR_CODE__LINK_FAILED, "%s", out.msg);
		else
			exw_send_error(strstr(out.msg, "limit")
			                       ? WASMC__V1__ERROR_CODE__QUOTA_EXCEEDED
			                       : WASMC__V1__ERROR_CODE__INTERNAL,
			               "%s", out.msg);
		W.dead = true;
		goto free_ext;
	}
	W.inst = inst;
	send_loaded();
free_ext:
	free(ext);
}

/* ---------------------------------------------------------------------------
 * Calls
 */

static void comp_call(const Wasmc__V1__Worker__ExecCall *c);

void exw_call(const Wasmc__V1__Worker__ExecCall *c)
{
	if (W.cx && !W.dead && !cpu_exceeded()) {
		comp_call(c);
		return;
	}
	if (!W.inst && !W.cx) {
		exw_send_error(W.load_seen ? WASMC__V1__ERROR_CODE__INSTANCE_DEAD
		                           : WASMC__V1__ERROR_CODE__BAD_REQUEST,
		               W.load_seen ? "the instance did not load or is still starting"
		                           : "no instance loaded yet");
		return;
	}
	if (W.dead) {
		exw_send_error(WASMC__V1__ERROR_CODE__INSTANCE_DEAD,
		               "the instance trapped fatally before");
		return;
	}
	if (cpu_exceeded()) {
		rt_outcome out;
		memset(&out, 0, sizeof out);
		out.kind = RT_TRAPPED;
		out.trap = RT_TRAP_DEADLINE;
		snprintf(out.msg, sizeof out.msg, "%s", rt_trap_message(RT_TRAP_DEADLINE));
		send_trap(&out, true);
		return;
	}
	if (W.cx) { /* a component: dead or out of CPU time (above) */
		comp_call(c);
		return;
	}
	const rt_module *m = W.loaded->mod;
	const rt_export *ex = NULL;
	for (uint32_t i = 0; i < m->nexports && !ex; i++)
		if (name_eq(m->exports[i].name, c->export))
			ex = &m->exports[i];
	if (!ex || ex->kind != RT_EXTERN_FUNC) {
		exw_send_error(WASMC__V1__ERROR_CODE__NOT_FOUND,
		               ex ? "export \"%s\" is not a function" : "no export named \"%s\"",
		               c->export);
		return;
	}
	rt_extern fn;
	if (!rt_instance_export(W.inst, ex->name.ptr, ex->name.len, &fn)) {
		exw_send_error(WASMC__V1__ERROR_CODE__NOT_FOUND, "no export named \"%s\"",
		               c->export);
		return;
	}
	const rt_functype *ft = rt_module_functype(m, m->funcs[ex->index].type);
	uint32_t slots = ft->nparams > ft->nresults ? ft->nparams : ft->nresults;
	rt_val *vals = calloc(slots + 1, sizeof *vals);
	if (!vals)
		exw_exit(EXW_EXIT_NOMEM);
	cmn_error err;
	if (!exw_vals_in(&W.types, ft->nparams, ft->params, c->n_args, c->args, vals, "argument",
	                 &err)) {
		exw_send_error(WASMC__V1__ERROR_CODE__BAD_REQUEST, "%s: %s", c->export, err.msg);
		goto free_vals;
	}
	if (!enter_guest(c->deadline_ms ? c->deadline_ms : W.call_deadline_ms)) {
		exw_send_error(WASMC__V1__ERROR_CODE__BAD_REQUEST, "calls nested more than %d deep",
		               EXW_MAX_DEPTH);
		goto free_vals;
	}
	rt_outcome out;
	bool ok = rt_call(fn.u.func, vals, &out);
	leave_guest();
	if (!ok) {
		if (out.kind == RT_TRAPPED)
			send_trap(&out, false);
		else
			exw_send_error(WASMC__V1__ERROR_CODE__INTERNAL, "%s", out.msg);
		goto free_vals;
	}
	cmn_arena a = {0};
	Wasmc__V1__Results res = WASMC__V1__RESULTS__INIT;
	if (!exw_vals_out(&a, &W.types, ft->nresults, ft->results, vals, &res.n_values, &res.values,
	                  &err)) {
		exw_send_error(WASMC__V1__ERROR_CODE__INTERNAL, "%s", err.msg);
	} else {
		Reply r = WASMC__V1__WORKER__EXEC_REPLY__INIT;
		r.body_case = WASMC__V1__WORKER__EXEC_REPLY__BODY_RESULTS;
		r.results = &res;
		exw_send(&r);
	}
	cmn_arena_free(&a);
free_vals:
	free(vals);
}

void exw_stats(void)
{
	Wasmc__V1__Worker__ExecStats st = WASMC__V1__WORKER__EXEC_STATS__INIT;
	st.memory_bytes = memory_bytes();
	st.fuel_left = W.store && W.fuel ? rt_store_get_fuel(W.store) : -1;
	Reply r = WASMC__V1__WORKER__EXEC_REPLY__INIT;
	r.body_case = WASMC__V1__WORKER__EXEC_REPLY__BODY_STATS;
	r.stats = &st;
	exw_send(&r);
}

/* ---------------------------------------------------------------------------
 * Components (ExecLoad.component): the artifact is a container
 * (runtime/rt_container.h) holding the instantiation plan and the core
 * modules; component/cm_exec.h runs it.
 */

/* The trap code a component trap message stands for. */
static uint32_t comp_trap_code(const char *msg)
{
	for (uint32_t c = RT_TRAP_UNREACHABLE; c <= RT_TRAP_DEADLINE; c++) {
		const char *m = rt_trap_message(c);
		if (m && strstr(msg, m))
			return c;
	}
	return RT_TRAP_HOST + 100; /* TRAP_OTHER */
}

static void comp_send_trap(const cm_outcome *o, bool fatal)
{
	rt_outcome out;
	memset(&out, 0, sizeof out);
	out.kind = RT_TRAPPED;
	out.trap = comp_trap_code(o->msg);
	snprintf(out.msg, sizeof out.msg, "%s", o->msg);
	send_trap(&out, fatal);
}

/* A HostCall to the client with component arguments `args` (a resource
 * destructor when `drop`), answered by its HostReturn: NULL, or a trap
 * message. The results go to `results` (NULL: none expected). */
static const char *client_host_call(uint32_t func_id, bool drop, const cm_vals *args,
                                    cm_vals *results)
{
	static char trap[512];
	cmn_arena a = {0};
	Wasmc__V1__Worker__ExecHostCall hc = WASMC__V1__WORKER__EXEC_HOST_CALL__INIT;
	hc.func_id = func_id;
	hc.resource_drop = drop;
	if (!exw_cvals_out(&a, args, 0, &hc.cargs, &hc.n_cargs)) {
		cmn_arena_free(&a);
		return "out of memory in the worker";
	}
	Reply r = WASMC__V1__WORKER__EXEC_REPLY__INIT;
	r.body_case = WASMC__V1__WORKER__EXEC_REPLY__BODY_HOST_CALL;
	r.host_call = &hc;
	exw_send(&r);
	cmn_arena_free(&a);
	exw_request *req = await_host_return();
	const Wasmc__V1__Worker__ExecHostReturn *hr = req->msg->host_return;
	const char *ret = NULL;
	cmn_error err;
	if (hr->outcome_case == WASMC__V1__WORKER__EXEC_HOST_RETURN__OUTCOME_TRAP) {
		snprintf(trap, sizeof trap, "%s", hr->trap);
		ret = trap;
	} else if (results &&
	           hr->outcome_case == WASMC__V1__WORKER__EXEC_HOST_RETURN__OUTCOME_RESULTS &&
	           !exw_cvals_in(hr->results->cvalues, hr->results->n_cvalues, results, &err)) {
		snprintf(trap, sizeof trap, "host function returned bad results: %s", err.msg);
		ret = trap;
	}
	exw_request_free(req);
	return ret;
}

/* The guest called host import `index`: forwarded to the client. */
static const char *comp_host_call(void *env, cm_exec *x, uint32_t index, const cm_vals *args,
                                  cm_vals *results)
{
	(void)env, (void)x;
	return client_host_call(W.func_ids[index], false, args, results);
}

/* The guest dropped an own handle of client resource `import`: the
 * client's destructor runs (HostCall with resource_drop, the rep). */
static const char *comp_host_drop(void *env, cm_exec *x, uint32_t import, uint64_t rep)
{
	(void)env, (void)x;
	cm_vals v;
	cm_vals_init(&v);
	cm_val node = {.kind = CM_OWN, .u = rep};
	const char *ret = cm_vals_push(&v, &node) < 0
	                          ? "out of memory in the worker"
	                          : client_host_call(W.res_ids[import], true, &v, NULL);
	cm_vals_free(&v);
	return ret;
}

static const Wasmc__V1__Worker__ImportBinding *
find_binding(const Wasmc__V1__Worker__ExecLoad *ld, const char *instance, const char *name,
             bool resource)
{
	for (size_t k = 0; k < ld->n_imports; k++) {
		const Wasmc__V1__Worker__ImportBinding *ib = ld->imports[k];
		if (ib->resource == resource && strcmp(ib->module, instance ? instance : "") == 0 &&
		    strcmp(ib->name, name) == 0)
			return ib;
	}
	return NULL;
}

static void load_component(exw_request *req)
{
	Wasmc__V1__Worker__ExecLoad *ld = req->msg->load;
	cmn_error err;
	const char *fp = ld->fingerprint[0] ? ld->fingerprint : NULL;
	const uint8_t *key = ld->key.len ? ld->key.data : NULL;
	bool ok = rt_container_load_fd(req->fd, fp, key, ld->key.len, &W.cont, &err);
	explicit_bzero(ld->key.data, ld->key.len);
	close(req->fd);
	req->fd = -1;
	if (!ok) {
		exw_send_error(WASMC__V1__ERROR_CODE__INVALID_MODULE, "%s", err.msg);
		return;
	}
	char msg[256];
	if (!cm_plan_deserialize(W.cont->plan, W.cont->plan_len, &W.plan, msg, sizeof msg)) {
		exw_send_error(WASMC__V1__ERROR_CODE__INVALID_MODULE, "component plan: %s", msg);
		return;
	}
	if (W.plan->nmodules != W.cont->nmodules) {
		exw_send_error(WASMC__V1__ERROR_CODE__INVALID_MODULE,
		               "component plan names %u core modules, the artifact holds %u",
		               W.plan->nmodules, W.cont->nmodules);
		return;
	}
	rt_store_config cfg;
	if (!setup_limits(ld, W.cont->fingerprint, &cfg))
		return;
	W.store = rt_store_new(&cfg);
	W.func_ids = calloc(W.plan->nfunc_imports + 1, sizeof *W.func_ids);
	W.res_ids = calloc(W.plan->nresource_imports + 1, sizeof *W.res_ids);
	if (!W.store || !W.func_ids || !W.res_ids)
		exw_exit(EXW_EXIT_NOMEM);

	/* The code is mapped: nothing may be made executable any more.
	 * Instantiating a component runs start functions and its own
	 * trampolines: the strict filter goes on first. */
	strict_on();

	for (uint32_t i = 0; i < W.plan->nfunc_imports; i++) {
		const cm_plan_func_import *fi = &W.plan->func_imports[i];
		const Wasmc__V1__Worker__ImportBinding *ib =
		        find_binding(ld, fi->instance, fi->name, false);
		if (!ib) {
			exw_send_error(WASMC__V1__ERROR_CODE__LINK_FAILED,
			               "component import %s%s%s (a function) is not provided",
			               fi->instance && *fi->instance ? fi->instance : "",
			               fi->instance && *fi->instance ? "#" : "", fi->name);
			return;
		}
		W.func_ids[i] = ib->func_id;
	}
	for (uint32_t i = 0; i < W.plan->nresource_imports; i++) {
		const cm_plan_resource_import *ri = &W.plan->resource_imports[i];
		const Wasmc__V1__Worker__ImportBinding *ib =
		        find_binding(ld, ri->instance, ri->name, true);
		if (!ib) {
			exw_send_error(WASMC__V1__ERROR_CODE__LINK_FAILED,
			               "component import %s%s%s (a resource type) is not provided",
			               ri->instance && *ri->instance ? ri->instance : "",
			               ri->instance && *ri->instance ? "#" : "", ri->name);
			return;
		}
		W.res_ids[i] = ib->func_id;
	}
	static cm_host host = {.call = comp_host_call, .drop = comp_host_drop};
	cm_outcome out;
	if (!enter_guest(W.call_deadline_ms))
		exw_exit(EXW_EXIT_NOMEM);
	ok = cm_exec_new(W.plan, W.store, W.cont->modules, &host, &W.cx, &out);
	leave_guest();
	if (!ok) {
		W.cx = NULL;
		if (out.kind == CM_EXEC_TRAP)
			comp_send_trap(&out, true);
		else
			exw_send_error(WASMC__V1__ERROR_CODE__LINK_FAILED, "%s", out.msg);
		W.dead = true;
		return;
	}
	Wasmc__V1__Worker__ExecLoaded lded = WASMC__V1__WORKER__EXEC_LOADED__INIT;
	lded.memory_bytes = memory_bytes();
	Reply r = WASMC__V1__WORKER__EXEC_REPLY__INIT;
	r.body_case = WASMC__V1__WORKER__EXEC_REPLY__BODY_LOADED;
	r.loaded = &lded;
	exw_send(&r);
}

#define DROP_PREFIX "[resource-drop]"

/* A call of a component export: "name" at the root, "instance#name"
 * inside an exported interface; "[resource-drop]R" (one own argument)
 * drops a guest resource the client holds. */
static void comp_call(const Wasmc__V1__Worker__ExecCall *c)
{
	char inst[512];
	const char *name = c->export;
	const char *hash = strchr(c->export, '#');
	inst[0] = '\0';
	if (hash) {
		snprintf(inst, sizeof inst, "%.*s", (int)(hash - c->export), c->export);
		name = hash + 1;
	}
	cm_vals args, results;
	cm_vals_init(&args);
	cm_vals_init(&results);
	cmn_arena a = {0};
	cmn_error err;
	cm_outcome out;
	if (!exw_cvals_in(c->cargs, c->n_cargs, &args, &err)) {
		exw_send_error(WASMC__V1__ERROR_CODE__BAD_REQUEST, "%s: %s", c->export, err.msg);
		goto free_vals;
	}
	if (strncmp(name, DROP_PREFIX, strlen(DROP_PREFIX)) == 0) {
		const char *rname = name + strlen(DROP_PREFIX);
		uint32_t res = CM_PLAN_NONE;
		for (uint32_t i = 0; i < W.plan->ntype_exports; i++)
			if (strcmp(W.plan->type_exports[i].instance ? W.plan->type_exports[i].instance
			                                            : "",
			           inst) == 0 &&
			    strcmp(W.plan->type_exports[i].name, rname) == 0)
				res = W.plan->type_exports[i].resource;
		if (res == CM_PLAN_NONE || args.n != 1 || args.v[0].kind != CM_OWN) {
			exw_send_error(res == CM_PLAN_NONE ? WASMC__V1__ERROR_CODE__NOT_FOUND
			                                   : WASMC__V1__ERROR_CODE__BAD_REQUEST,
			               res == CM_PLAN_NONE ? "no exported resource type named \"%s\""
			                                   : "%s takes one own handle",
			               c->export);
			goto free_vals;
		}
		if (!enter_guest(c->deadline_ms ? c->deadline_ms : W.call_deadline_ms)) {
			exw_send_error(WASMC__V1__ERROR_CODE__BAD_REQUEST,
			               "calls nested more than %d deep", EXW_MAX_DEPTH);
			goto free_vals;
		}
		bool ok = cm_exec_drop_handle(W.cx, res, (uint32_t)args.v[0].u, &out);
		leave_guest();
		if (!ok)
			goto outcome;
		goto reply;
	}
	uint32_t ex = cm_plan_find_export(W.plan, inst, name);
	if (ex == CM_PLAN_NONE) {
		exw_send_error(WASMC__V1__ERROR_CODE__NOT_FOUND, "no export named \"%s\"", c->export);
		goto free_vals;
	}
	/* cm_exec_call checks the arguments against the export's types: a
	 * mismatch is an error (answered below), not a trap. */
	if (!enter_guest(c->deadline_ms ? c->deadline_ms : W.call_deadline_ms)) {
		exw_send_error(WASMC__V1__ERROR_CODE__BAD_REQUEST, "calls nested more than %d deep",
		               EXW_MAX_DEPTH);
		goto free_vals;
	}
	bool ok = cm_exec_call(W.cx, ex, &args, &results, &out);
	leave_guest();
	if (!ok)
		goto outcome;
reply:;
	Wasmc__V1__Results res = WASMC__V1__RESULTS__INIT;
	if (!exw_cvals_out(&a, &results, 0, &res.cvalues, &res.n_cvalues))
		exw_exit(EXW_EXIT_NOMEM);
	Reply r = WASMC__V1__WORKER__EXEC_REPLY__INIT;
	r.body_case = WASMC__V1__WORKER__EXEC_REPLY__BODY_RESULTS;
	r.results = &res;
	exw_send(&r);
	goto free_vals;
outcome:
	if (out.kind == CM_EXEC_TRAP)
		comp_send_trap(&out, false);
	else
		exw_send_error(WASMC__V1__ERROR_CODE__BAD_REQUEST, "%s: %s", c->export, out.msg);
free_vals:
	cmn_arena_free(&a);
	cm_vals_free(&args);
	cm_vals_free(&results);
}
