/*
 * test_mock.c - libwasmc end to end against a mock daemon: an nng REP
 * socket in a thread of the test process that speaks wasmc.v1 and plays a
 * tiny guest. It checks what the library sends (digest before upload,
 * import definitions, limits, host-call tokens, nested calls' parents) and
 * lets the tests check what the library makes of the replies.
 *
 * The mock guest: exports add(i32,i32)->i32; dbl(x) = env.twice(x) + 1;
 * rec(x) = x == 0 ? 0 : env.reenter(x) + 1 (the client's reenter calls
 * rec(x - 1) again: guest -> client -> guest ... to depth x); trap()
 * traps; dead() answers WORKER_DIED; hang() makes the mock close its
 * socket without answering.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <openssl/sha.h>

#include <wasmc/wasmc.h>

#include "wasmc/v1/wasmc.pb-c.h"

/* ---- the mock daemon ---- */

enum { F_DBL = 1, F_REC = 2 };

typedef struct frame {
	uint8_t token[16];
	int kind;
} frame;

static struct mock {
	nng_socket sock;
	pthread_t thread;
	atomic_bool stop;
	atomic_bool closed;
	char path[128];
	uint32_t protocol;          /* what Hello answers */
	atomic_int has_digest, uploads, instantiates, calls, host_returns, drops;
	bool known;                 /* the module was uploaded */
	uint8_t digest[32];
	int fid_twice, fid_reenter; /* -1: not defined by the client */
	size_t ndefs;
	int64_t fuel;
	uint64_t max_memory;
	frame stack[64];
	int depth, max_depth;
	char violation[256];        /* first protocol violation seen */
	uint32_t token_counter;
} M;

static void violation(const char *msg)
{
	if (M.violation[0] == '\0')
		snprintf(M.violation, sizeof M.violation, "%s", msg);
}

static Wasmc__V1__ValType T_I32[] = {WASMC__V1__VAL_TYPE__I32, WASMC__V1__VAL_TYPE__I32};

static Wasmc__V1__FuncType ft_ii_i = {PROTOBUF_C_MESSAGE_INIT(&wasmc__v1__func_type__descriptor),
                                      2, T_I32, 1, T_I32};
static Wasmc__V1__FuncType ft_i_i = {PROTOBUF_C_MESSAGE_INIT(&wasmc__v1__func_type__descriptor),
                                     1, T_I32, 1, T_I32};
static Wasmc__V1__FuncType ft_v_v = {PROTOBUF_C_MESSAGE_INIT(&wasmc__v1__func_type__descriptor),
                                     0, NULL, 0, NULL};

static Wasmc__V1__ExternType *func_type(Wasmc__V1__ExternType *t, Wasmc__V1__FuncType *f)
{
	wasmc__v1__extern_type__init(t);
	t->kind = WASMC__V1__EXTERN_KIND__EXTERN_FUNC;
	t->func = f;
	return t;
}

/* The guest's exports and imports, built into static storage. */
static Wasmc__V1__Export ex[7], *exp_[7];
static Wasmc__V1__ExternType ext[7];
static Wasmc__V1__Import im[2], *imp_[2];
static Wasmc__V1__ExternType imt[2];
static Wasmc__V1__Limits mem_limits;

static void guest_types(void)
{
	static const char *names[] = {"add", "dbl", "rec", "trap", "dead", "hang", "memory"};
	Wasmc__V1__FuncType *types[] = {&ft_ii_i, &ft_i_i, &ft_i_i, &ft_v_v, &ft_v_v, &ft_v_v};
	for (int i = 0; i < 7; i++) {
		wasmc__v1__export__init(&ex[i]);
		ex[i].name = (char *)names[i];
		if (i < 6) {
			ex[i].type = func_type(&ext[i], types[i]);
		} else {
			wasmc__v1__extern_type__init(&ext[i]);
			wasmc__v1__limits__init(&mem_limits);
			mem_limits.min = 1;
			ext[i].kind = WASMC__V1__EXTERN_KIND__EXTERN_MEMORY;
			ext[i].limits = &mem_limits;
			ex[i].type = &ext[i];
		}
		exp_[i] = &ex[i];
	}
	static const char *inames[] = {"twice", "reenter"};
	for (int i = 0; i < 2; i++) {
		wasmc__v1__import__init(&im[i]);
		im[i].module = "env";
		im[i].name = (char *)inames[i];
		im[i].type = func_type(&imt[i], &ft_i_i);
		imp_[i] = &im[i];
	}
}

static const uint8_t MODULE_HANDLE[16] = {0xA1, 0xA2};
static const uint8_t INSTANCE_HANDLE[16] = {0xB1, 0xB2, 0xB3};

typedef struct reply {
	Wasmc__V1__Response r;
	Wasmc__V1__Error err;
	Wasmc__V1__HelloReply hello;
	Wasmc__V1__Module module;
	Wasmc__V1__Instance instance;
	Wasmc__V1__CallReply call;
	Wasmc__V1__Results results;
	Wasmc__V1__Value val, *valp;
	Wasmc__V1__Trap trap;
	Wasmc__V1__HostCall hc;
	Wasmc__V1__Empty empty;
	Wasmc__V1__CacheListReply cl;
	Wasmc__V1__CacheEntry ce[2], *cep[2];
	Wasmc__V1__CacheGcReply gc;
	Wasmc__V1__CacheVerifyReply cv;
	char *problems[1];
	Wasmc__V1__ProcessListReply pl;
	Wasmc__V1__Process proc, *procp;
	Wasmc__V1__StatusReply st;
	uint8_t token[16];
} reply;

static void set_error(reply *o, Wasmc__V1__ErrorCode code, const char *msg)
{
	wasmc__v1__error__init(&o->err);
	o->err.code = code;
	o->err.message = (char *)msg;
	o->r.body_case = WASMC__V1__RESPONSE__BODY_ERROR;
	o->r.error = &o->err;
}

static void set_results_i32(reply *o, int32_t v)
{
	wasmc__v1__call_reply__init(&o->call);
	wasmc__v1__results__init(&o->results);
	wasmc__v1__value__init(&o->val);
	o->val.type = WASMC__V1__VAL_TYPE__I32;
	o->val.bits = (uint32_t)v;
	o->valp = &o->val;
	o->results.n_values = 1;
	o->results.values = &o->valp;
	o->call.outcome_case = WASMC__V1__CALL_REPLY__OUTCOME_RESULTS;
	o->call.results = &o->results;
	o->r.body_case = WASMC__V1__RESPONSE__BODY_CALL;
	o->r.call = &o->call;
}

static void set_host_call(reply *o, int kind, int fid, int32_t arg)
{
	if (fid < 0) {
		set_error(o, WASMC__V1__ERROR_CODE__LINK_FAILED, "import not defined");
		return;
	}
	frame *f = &M.stack[M.depth++];
	memset(f->token, 0, 16);
	uint32_t t = ++M.token_counter;
	memcpy(f->token, &t, sizeof t);
	f->token[15] = 0x77;
	f->kind = kind;
	if (M.depth > M.max_depth)
		M.max_depth = M.depth;
	wasmc__v1__call_reply__init(&o->call);
	wasmc__v1__host_call__init(&o->hc);
	memcpy(o->token, f->token, 16);
	o->hc.token.data = o->token;
	o->hc.token.len = 16;
	o->hc.func_id = (uint32_t)fid;
	o->hc.depth = (uint32_t)M.depth;
	wasmc__v1__value__init(&o->val);
	o->val.type = WASMC__V1__VAL_TYPE__I32;
	o->val.bits = (uint32_t)arg;
	o->valp = &o->val;
	o->hc.n_args = 1;
	o->hc.args = &o->valp;
	o->call.outcome_case = WASMC__V1__CALL_REPLY__OUTCOME_HOST_CALL;
	o->call.host_call = &o->hc;
	o->r.body_case = WASMC__V1__RESPONSE__BODY_CALL;
	o->r.call = &o->call;
}

static bool handle_is(ProtobufCBinaryData h, const uint8_t *want)
{
	return h.len == 16 && memcmp(h.data, want, 16) == 0;
}

/* Returns false when the mock must close instead of answering. */
static bool handle(const Wasmc__V1__Request *q, reply *o)
{
	wasmc__v1__response__init(&o->r);
	switch (q->body_case) {
	case WASMC__V1__REQUEST__BODY_HELLO:
		if (q->hello->protocol != 1)
			violation("hello: protocol is not 1");
		wasmc__v1__hello_reply__init(&o->hello);
		o->hello.protocol = M.protocol;
		o->hello.version = "mock 1";
		o->hello.uid = 1234;
		o->hello.fingerprint = "fp-mock";
		o->r.body_case = WASMC__V1__RESPONSE__BODY_HELLO;
		o->r.hello = &o->hello;
		return true;
	case WASMC__V1__REQUEST__BODY_HAS_DIGEST:
	case WASMC__V1__REQUEST__BODY_UPLOAD:
		if (q->body_case == WASMC__V1__REQUEST__BODY_HAS_DIGEST) {
			M.has_digest++;
			if (q->has_digest->digest.len != 32)
				violation("has_digest: digest is not 32 bytes");
			if (!M.known || memcmp(q->has_digest->digest.data, M.digest, 32) != 0) {
				set_error(o, WASMC__V1__ERROR_CODE__NOT_FOUND, "unknown digest");
				return true;
			}
		} else {
			M.uploads++;
			if (M.known)
				violation("upload of a module the daemon already has");
			SHA256(q->upload->wasm.data, q->upload->wasm.len, M.digest);
			M.known = true;
		}
		wasmc__v1__module__init(&o->module);
		o->module.handle.data = (uint8_t *)MODULE_HANDLE;
		o->module.handle.len = 16;
		o->module.digest.data = M.digest;
		o->module.digest.len = 32;
		o->module.n_imports = 2;
		o->module.imports = imp_;
		o->module.n_exports = 7;
		o->module.exports = exp_;
		o->module.cached = q->body_case == WASMC__V1__REQUEST__BODY_HAS_DIGEST;
		o->module.compile_seconds = o->module.cached ? 0 : 0.25;
		o->module.tier = WASMC__V1__TIER__TIER_FAST;
		o->r.body_case = WASMC__V1__RESPONSE__BODY_MODULE;
		o->r.module = &o->module;
		return true;
	case WASMC__V1__REQUEST__BODY_INSTANTIATE: {
		const Wasmc__V1__Instantiate *in = q->instantiate;
		M.instantiates++;
		if (!handle_is(in->module, MODULE_HANDLE)) {
			set_error(o, WASMC__V1__ERROR_CODE__NOT_FOUND, "unknown module");
			return true;
		}
		M.fid_twice = M.fid_reenter = -1;
		M.ndefs = in->n_imports;
		for (size_t i = 0; i < in->n_imports; i++) {
			if (strcmp(in->imports[i]->module, "env") != 0)
				violation("import def of a module the guest does not import");
			else if (strcmp(in->imports[i]->name, "twice") == 0)
				M.fid_twice = (int)in->imports[i]->func_id;
			else if (strcmp(in->imports[i]->name, "reenter") == 0)
				M.fid_reenter = (int)in->imports[i]->func_id;
			else
				violation("import def of a name the guest does not import");
		}
		M.fuel = in->limits ? in->limits->fuel : -1;
		M.max_memory = in->limits ? in->limits->max_memory_bytes : 0;
		wasmc__v1__instance__init(&o->instance);
		o->instance.handle.data = (uint8_t *)INSTANCE_HANDLE;
		o->instance.handle.len = 16;
		o->instance.n_exports = 7;
		o->instance.exports = exp_;
		o->instance.pid = 4242;
		o->r.body_case = WASMC__V1__RESPONSE__BODY_INSTANCE;
		o->r.instance = &o->instance;
		return true;
	}
	case WASMC__V1__REQUEST__BODY_CALL: {
		const Wasmc__V1__Call *c = q->call;
		M.calls++;
		if (!handle_is(c->instance, INSTANCE_HANDLE)) {
			set_error(o, WASMC__V1__ERROR_CODE__NOT_FOUND, "unknown instance");
			return true;
		}
		/* The parent must be the innermost host call, or none. */
		if (M.depth == 0 ? c->parent.len != 0
		                 : !handle_is(c->parent, M.stack[M.depth - 1].token)) {
			violation("call: wrong parent token");
			set_error(o, WASMC__V1__ERROR_CODE__BUSY, "instance busy (bad parent)");
			return true;
		}
		int32_t a0 = c->n_args > 0 ? (int32_t)(uint32_t)c->args[0]->bits : 0;
		if (strcmp(c->export, "add") == 0) {
			if (c->n_args != 2)
				violation("add: not 2 args");
			set_results_i32(o, a0 + (int32_t)(uint32_t)c->args[1]->bits);
		} else if (strcmp(c->export, "dbl") == 0) {
			set_host_call(o, F_DBL, M.fid_twice, a0);
		} else if (strcmp(c->export, "rec") == 0) {
			if (a0 == 0)
				set_results_i32(o, 0);
			else
				set_host_call(o, F_REC, M.fid_reenter, a0);
		} else if (strcmp(c->export, "trap") == 0) {
			wasmc__v1__call_reply__init(&o->call);
			wasmc__v1__trap__init(&o->trap);
			o->trap.code = WASMC__V1__TRAP_CODE__TRAP_UNREACHABLE;
			o->trap.message = "unreachable";
			o->trap.location = "function 3 (trap)";
			o->call.outcome_case = WASMC__V1__CALL_REPLY__OUTCOME_TRAP;
			o->call.trap = &o->trap;
			o->r.body_case = WASMC__V1__RESPONSE__BODY_CALL;
			o->r.call = &o->call;
		} else if (strcmp(c->export, "dead") == 0) {
			set_error(o, WASMC__V1__ERROR_CODE__WORKER_DIED, "the worker was killed by signal 9");
		} else if (strcmp(c->export, "hang") == 0) {
			return false;
		} else {
			set_error(o, WASMC__V1__ERROR_CODE__NOT_FOUND, "no such export");
		}
		return true;
	}
	case WASMC__V1__REQUEST__BODY_HOST_RETURN: {
		const Wasmc__V1__HostReturn *h = q->host_return;
		M.host_returns++;
		if (M.depth == 0 || !handle_is(h->token, M.stack[M.depth - 1].token)) {
			violation("host_return: wrong token");
			set_error(o, WASMC__V1__ERROR_CODE__BAD_REQUEST, "bad token");
			return true;
		}
		if (!handle_is(h->instance, INSTANCE_HANDLE))
			violation("host_return: wrong instance");
		frame f = M.stack[--M.depth];
		if (h->outcome_case == WASMC__V1__HOST_RETURN__OUTCOME_TRAP) {
			wasmc__v1__call_reply__init(&o->call);
			wasmc__v1__trap__init(&o->trap);
			o->trap.code = WASMC__V1__TRAP_CODE__TRAP_HOST;
			o->trap.message = h->trap;
			o->call.outcome_case = WASMC__V1__CALL_REPLY__OUTCOME_TRAP;
			o->call.trap = &o->trap;
			o->r.body_case = WASMC__V1__RESPONSE__BODY_CALL;
			o->r.call = &o->call;
			return true;
		}
		if (h->outcome_case != WASMC__V1__HOST_RETURN__OUTCOME_RESULTS ||
		    h->results->n_values != 1 ||
		    h->results->values[0]->type != WASMC__V1__VAL_TYPE__I32) {
			violation("host_return: not one i32 result");
			set_error(o, WASMC__V1__ERROR_CODE__BAD_REQUEST, "bad results");
			return true;
		}
		int32_t r = (int32_t)(uint32_t)h->results->values[0]->bits;
		(void)f;
		set_results_i32(o, r + 1);
		return true;
	}
	case WASMC__V1__REQUEST__BODY_DROP:
		M.drops++;
		wasmc__v1__empty__init(&o->empty);
		o->r.body_case = WASMC__V1__RESPONSE__BODY_OK;
		o->r.ok = &o->empty;
		return true;
	case WASMC__V1__REQUEST__BODY_CACHE_LIST:
		wasmc__v1__cache_list_reply__init(&o->cl);
		for (int i = 0; i < 2; i++) {
			wasmc__v1__cache_entry__init(&o->ce[i]);
			o->ce[i].digest.data = M.digest;
			o->ce[i].digest.len = 32;
			o->ce[i].fingerprint = i ? "fp-b" : "fp-a";
			o->ce[i].size = 1000u * (unsigned)(i + 1);
			o->ce[i].pins = (uint32_t)i;
			o->ce[i].tier = i ? WASMC__V1__TIER__TIER_OPTIMIZED : WASMC__V1__TIER__TIER_FAST;
			o->cep[i] = &o->ce[i];
		}
		o->cl.n_entries = 2;
		o->cl.entries = o->cep;
		o->cl.total_bytes = 3000;
		o->cl.budget_bytes = 1 << 20;
		o->r.body_case = WASMC__V1__RESPONSE__BODY_CACHE_LIST;
		o->r.cache_list = &o->cl;
		return true;
	case WASMC__V1__REQUEST__BODY_CACHE_GC:
		wasmc__v1__cache_gc_reply__init(&o->gc);
		o->gc.removed = 3;
		o->gc.freed_bytes = q->cache_gc->budget_bytes; /* echo for the test */
		o->gc.total_bytes = 10;
		o->r.body_case = WASMC__V1__RESPONSE__BODY_CACHE_GC;
		o->r.cache_gc = &o->gc;
		return true;
	case WASMC__V1__REQUEST__BODY_CACHE_PIN:
	case WASMC__V1__REQUEST__BODY_CACHE_REMOVE: {
		ProtobufCBinaryData d = q->body_case == WASMC__V1__REQUEST__BODY_CACHE_PIN
		                                ? q->cache_pin->digest
		                                : q->cache_remove->digest;
		if (d.len != 32 || memcmp(d.data, M.digest, 32) != 0) {
			set_error(o, WASMC__V1__ERROR_CODE__NOT_FOUND, "no such cache entry");
			return true;
		}
		wasmc__v1__empty__init(&o->empty);
		o->r.body_case = WASMC__V1__RESPONSE__BODY_OK;
		o->r.ok = &o->empty;
		return true;
	}
	case WASMC__V1__REQUEST__BODY_CACHE_VERIFY:
		wasmc__v1__cache_verify_reply__init(&o->cv);
		o->cv.checked = 5;
		o->cv.bad = 1;
		o->problems[0] = "abcd: bad MAC";
		o->cv.n_problems = 1;
		o->cv.problems = o->problems;
		o->r.body_case = WASMC__V1__RESPONSE__BODY_CACHE_VERIFY;
		o->r.cache_verify = &o->cv;
		return true;
	case WASMC__V1__REQUEST__BODY_PROCESS_LIST:
		wasmc__v1__process_list_reply__init(&o->pl);
		wasmc__v1__process__init(&o->proc);
		o->proc.instance.data = (uint8_t *)INSTANCE_HANDLE;
		o->proc.instance.len = 16;
		o->proc.pid = 4242;
		o->proc.owner = 1234;
		o->proc.digest.data = M.digest;
		o->proc.digest.len = 32;
		o->proc.memory_bytes = 65536;
		o->proc.cpu_ns = 1500000000;
		o->proc.state = "idle";
		o->procp = &o->proc;
		o->pl.n_processes = 1;
		o->pl.processes = &o->procp;
		o->r.body_case = WASMC__V1__RESPONSE__BODY_PROCESS_LIST;
		o->r.process_list = &o->pl;
		return true;
	case WASMC__V1__REQUEST__BODY_PROCESS_KILL:
		if (!handle_is(q->process_kill->instance, INSTANCE_HANDLE)) {
			set_error(o, WASMC__V1__ERROR_CODE__NOT_FOUND, "no such instance");
			return true;
		}
		wasmc__v1__empty__init(&o->empty);
		o->r.body_case = WASMC__V1__RESPONSE__BODY_OK;
		o->r.ok = &o->empty;
		return true;
	case WASMC__V1__REQUEST__BODY_STATUS:
		wasmc__v1__status_reply__init(&o->st);
		o->st.version = "mock 1";
		o->st.uptime_seconds = 12.5;
		o->st.instances = 1;
		o->st.cache_entries = 2;
		o->st.compiles_total = 7;
		o->st.fingerprint = "fp-mock";
		o->r.body_case = WASMC__V1__RESPONSE__BODY_STATUS;
		o->r.status = &o->st;
		return true;
	default:
		set_error(o, WASMC__V1__ERROR_CODE__BAD_REQUEST, "unexpected request");
		return true;
	}
}

static void *mock_main(void *arg)
{
	(void)arg;
	while (!atomic_load(&M.stop)) {
		nng_msg *msg;
		int rv = nng_recvmsg(M.sock, &msg, 0);
		if (rv == NNG_ETIMEDOUT)
			continue;
		if (rv)
			break;
		Wasmc__V1__Request *q = wasmc__v1__request__unpack(NULL, nng_msg_len(msg),
		                                                    nng_msg_body(msg));
		nng_msg_free(msg);
		if (q == NULL) {
			violation("a request that does not unpack");
			continue;
		}
		reply *o = calloc(1, sizeof *o);
		bool answer = handle(q, o);
		if (!answer) {
			wasmc__v1__request__free_unpacked(q, NULL);
			free(o);
			atomic_store(&M.closed, true);
			nng_close(M.sock);
			return NULL;
		}
		size_t len = wasmc__v1__response__get_packed_size(&o->r);
		nng_msg *out;
		nng_msg_alloc(&out, len);
		wasmc__v1__response__pack(&o->r, nng_msg_body(out));
		wasmc__v1__request__free_unpacked(q, NULL);
		free(o);
		if (nng_sendmsg(M.sock, out, 0) != 0)
			nng_msg_free(out);
	}
	return NULL;
}

static void mock_start(void)
{
	memset(&M, 0, sizeof M);
	M.protocol = 1;
	M.fid_twice = M.fid_reenter = -1;
	guest_types();
	snprintf(M.path, sizeof M.path, "/tmp/wasmc-client-test-%d.sock", (int)getpid());
	unlink(M.path);
	char url[160];
	snprintf(url, sizeof url, "ipc://%s", M.path);
	cr_assert_eq(nng_rep0_open(&M.sock), 0);
	nng_socket_set_ms(M.sock, NNG_OPT_RECVTIMEO, 50);
	cr_assert_eq(nng_listen(M.sock, url, NULL, 0), 0, "listen on %s", url);
	cr_assert_eq(pthread_create(&M.thread, NULL, mock_main, NULL), 0);
}

static void mock_stop(void)
{
	atomic_store(&M.stop, true);
	pthread_join(M.thread, NULL);
	if (!atomic_load(&M.closed))
		nng_close(M.sock);
	unlink(M.path);
}

TestSuite(mock, .init = mock_start, .fini = mock_stop, .timeout = 20);

/* ---- helpers ---- */

static const uint8_t WASM[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};

static wasmc_conn *connect_ok(void)
{
	wasmc_conn *c = NULL;
	wasmc_error *e = wasmc_conn_open(M.path, NULL, &c);
	cr_assert_null(e, "connect: %s", wasmc_error_message(e));
	return c;
}

static wasmc_module *load_ok(wasmc_conn *c)
{
	wasmc_module *m = NULL;
	wasmc_error *e = wasmc_module_load(c, WASM, sizeof WASM, WASMC_TIER_DEFAULT, &m);
	cr_assert_null(e, "load: %s", wasmc_error_message(e));
	return m;
}

typedef struct env {
	wasmc_instance *inst;
	int reenter_calls;
	int wrong_caller;
} env;

static const char *cb_twice(void *envp, const wasmc_val *args, size_t nargs,
                            wasmc_val *results, size_t nresults)
{
	(void)envp;
	if (nargs != 1 || nresults != 1 || args[0].kind != WASMC_I32 ||
	    results[0].kind != WASMC_I32)
		return "twice: unexpected signature";
	if (args[0].of.i32 == 13)
		return "boom: unlucky number";
	if (args[0].of.i32 == 14) {
		results[0] = wasmc_val_f64(1.0); /* wrong kind */
		return NULL;
	}
	results[0] = wasmc_val_i32(2 * args[0].of.i32);
	return NULL;
}

static const char *cb_reenter(void *envp, const wasmc_val *args, size_t nargs,
                              wasmc_val *results, size_t nresults)
{
	env *en = envp;
	(void)nargs;
	(void)nresults;
	en->reenter_calls++;
	if (wasmc_caller_instance() != en->inst)
		en->wrong_caller++;
	wasmc_val arg = wasmc_val_i32(args[0].of.i32 - 1), res;
	wasmc_error *e = wasmc_instance_call(en->inst, "rec", &arg, 1, &res, 1);
	if (e) {
		static _Thread_local char msg[256];
		snprintf(msg, sizeof msg, "nested call failed: %s", wasmc_error_message(e));
		wasmc_error_free(e);
		return msg;
	}
	results[0] = res;
	return NULL;
}

static wasmc_instance *instantiate_ok(wasmc_module *m, env *en)
{
	wasmc_imports *imp = wasmc_imports_new();
	cr_assert_not_null(imp);
	cr_assert_null(wasmc_imports_define_func(imp, "env", "twice", cb_twice, en));
	cr_assert_null(wasmc_imports_define_func(imp, "env", "reenter", cb_reenter, en));
	/* Defined but not imported by the module: not sent. */
	cr_assert_null(wasmc_imports_define_func(imp, "other", "x", cb_twice, en));
	wasmc_limits lim = {.fuel = 5000, .max_memory_bytes = 1 << 20};
	wasmc_instance *inst = NULL;
	wasmc_error *e = wasmc_instance_new(m, imp, &lim, &inst);
	cr_assert_null(e, "instantiate: %s", wasmc_error_message(e));
	wasmc_imports_free(imp); /* the instance keeps what it needs */
	if (en)
		en->inst = inst;
	return inst;
}

static int32_t call1(wasmc_instance *inst, const char *name, int32_t x, wasmc_error **ret_e)
{
	wasmc_val arg = wasmc_val_i32(x), res = wasmc_val_i32(-12345);
	*ret_e = wasmc_instance_call(inst, name, &arg, 1, &res, 1);
	return res.of.i32;
}

/* ---- tests ---- */

Test(mock, connect_hello)
{
	wasmc_conn *c = connect_ok();
	cr_assert_str_eq(wasmc_conn_daemon_version(c), "mock 1");
	cr_assert_str_eq(wasmc_conn_fingerprint(c), "fp-mock");
	cr_assert_eq(wasmc_conn_uid(c), 1234);
	cr_assert_str_eq(wasmc_conn_socket_path(c), M.path);
	wasmc_conn_close(c);
	wasmc_conn_close(NULL);
	cr_assert_str_eq(M.violation, "");
}

Test(mock, socket_from_environment)
{
	setenv("WASMC_SOCKET", M.path, 1);
	char buf[256];
	size_t n = wasmc_default_socket_path(buf, sizeof buf);
	cr_assert_eq(n, strlen(M.path));
	cr_assert_str_eq(buf, M.path);
	wasmc_conn *c = NULL;
	wasmc_error *e = wasmc_conn_open(NULL, NULL, &c);
	cr_assert_null(e, "%s", wasmc_error_message(e));
	wasmc_conn_close(c);
	unsetenv("WASMC_SOCKET");
	setenv("XDG_RUNTIME_DIR", "/run/user/77", 1);
	wasmc_default_socket_path(buf, sizeof buf);
	if (access("/run/wasmcd/wasmcd.sock", F_OK) != 0)
		cr_assert_str_eq(buf, "/run/user/77/wasmc/wasmcd.sock");
}

Test(mock, version_mismatch)
{
	M.protocol = 2;
	wasmc_conn *c = NULL;
	wasmc_error *e = wasmc_conn_open(M.path, NULL, &c);
	cr_assert_eq(wasmc_error_code(e), WASMC_ERR_VERSION_MISMATCH);
	cr_assert(strstr(wasmc_error_message(e), "speaks protocol 2"), "%s",
	          wasmc_error_message(e));
	cr_assert_null(c);
	wasmc_error_free(e);
}

Test(mock, unreachable)
{
	wasmc_conn *c = NULL;
	wasmc_error *e = wasmc_conn_open("/tmp/wasmc-client-test-nobody.sock", NULL, &c);
	cr_assert_eq(wasmc_error_outcome(e), WASMC_ERROR);
	cr_assert_eq(wasmc_error_code(e), WASMC_ERR_UNREACHABLE);
	cr_assert(strstr(wasmc_error_message(e), "/tmp/wasmc-client-test-nobody.sock"));
	wasmc_error_free(e);
}

Test(mock, load_uploads_only_on_a_miss)
{
	wasmc_conn *c = connect_ok();
	wasmc_module *m = load_ok(c);
	cr_assert_eq(M.has_digest, 1);
	cr_assert_eq(M.uploads, 1);
	cr_assert(!wasmc_module_cached(m));
	cr_assert_eq(wasmc_module_compile_seconds(m), 0.25);
	cr_assert_eq(wasmc_module_tier(m), WASMC_TIER_FAST);
	uint8_t d[32];
	wasmc_digest_compute(WASM, sizeof WASM, d);
	cr_assert_arr_eq(wasmc_module_digest(m), d, 32);
	cr_assert_eq(strlen(wasmc_module_digest_hex(m)), 64);

	wasmc_module *m2 = load_ok(c);
	cr_assert_eq(M.has_digest, 2);
	cr_assert_eq(M.uploads, 1, "second load must not upload");
	cr_assert(wasmc_module_cached(m2));

	cr_assert_eq(wasmc_module_import_count(m), 2);
	const wasmc_import *im0 = wasmc_module_import_get(m, 0);
	cr_assert_str_eq(im0->module, "env");
	cr_assert_str_eq(im0->name, "twice");
	cr_assert_eq(im0->type.func.nparams, 1);
	cr_assert_null(wasmc_module_import_get(m, 2));
	cr_assert_eq(wasmc_module_export_count(m), 7);
	const wasmc_export *add = wasmc_module_export_find(m, "add");
	cr_assert_not_null(add);
	cr_assert_eq(add->type.func.nparams, 2);
	cr_assert_eq(wasmc_module_export_find(m, "memory")->type.kind, WASMC_EXTERN_MEMORY);
	cr_assert_null(wasmc_module_export_find(m, "nope"));

	wasmc_module *m3 = NULL;
	cr_assert_null(wasmc_module_open_digest(c, d, &m3));
	cr_assert_not_null(m3);
	uint8_t other[32] = {9};
	wasmc_module *m4 = NULL;
	wasmc_error *e = wasmc_module_open_digest(c, other, &m4);
	cr_assert_eq(wasmc_error_code(e), WASMC_ERR_NOT_FOUND);
	cr_assert(strstr(wasmc_error_message(e), "no module with digest 09"));
	cr_assert_null(m4);
	wasmc_error_free(e);

	int drops = M.drops;
	wasmc_module_free(m);
	wasmc_module_free(m2);
	wasmc_module_free(m3);
	wasmc_module_free(NULL);
	cr_assert_eq(M.drops, drops + 3);
	wasmc_conn_close(c);
	cr_assert_str_eq(M.violation, "");
}

Test(mock, load_file_errors)
{
	wasmc_conn *c = connect_ok();
	wasmc_module *m = NULL;
	wasmc_error *e = wasmc_module_load_file(c, "/nonexistent/x.wasm", 0, &m);
	cr_assert_eq(wasmc_error_code(e), WASMC_ERR_IO);
	cr_assert(strstr(wasmc_error_message(e), "/nonexistent/x.wasm"));
	cr_assert_null(m);
	wasmc_error_free(e);
	wasmc_conn_close(c);
}

Test(mock, instantiate_and_call)
{
	wasmc_conn *c = connect_ok();
	wasmc_module *m = load_ok(c);
	env en = {0};
	wasmc_instance *inst = instantiate_ok(m, &en);
	wasmc_module_free(m); /* the instance outlives its module */
	cr_assert_eq(M.ndefs, 2, "only imported functions are defined");
	cr_assert_eq(M.fuel, 5000);
	cr_assert_eq(M.max_memory, 1 << 20);
	cr_assert_eq(wasmc_instance_pid(inst), 4242);
	cr_assert_str_eq(wasmc_instance_id(inst), "b1b2b300000000000000000000000000");
	cr_assert_eq(wasmc_instance_export_count(inst), 7);

	wasmc_val args[2] = {wasmc_val_i32(40), wasmc_val_i32(2)}, res[1];
	wasmc_error *e = wasmc_instance_call(inst, "add", args, 2, res, 1);
	cr_assert_null(e, "%s", wasmc_error_message(e));
	cr_assert_eq(res[0].kind, WASMC_I32);
	cr_assert_eq(res[0].of.i32, 42);

	/* Checked before anything is sent. */
	int calls = M.calls;
	e = wasmc_instance_call(inst, "add", args, 1, res, 1);
	cr_assert_eq(wasmc_error_code(e), WASMC_ERR_BAD_ARGUMENT);
	cr_assert_str_eq(wasmc_error_message(e), "add takes 2 argument(s), 1 given");
	wasmc_error_free(e);
	args[1] = wasmc_val_i64(2);
	e = wasmc_instance_call(inst, "add", args, 2, res, 1);
	cr_assert_str_eq(wasmc_error_message(e), "add: argument 2 is a i64, expected i32");
	wasmc_error_free(e);
	e = wasmc_instance_call(inst, "add", args, 2, res, 0);
	cr_assert_eq(wasmc_error_code(e), WASMC_ERR_BAD_ARGUMENT);
	wasmc_error_free(e);
	e = wasmc_instance_call(inst, "nope", NULL, 0, NULL, 0);
	cr_assert_eq(wasmc_error_code(e), WASMC_ERR_NOT_FOUND);
	cr_assert_str_eq(wasmc_error_message(e), "no export named 'nope'");
	wasmc_error_free(e);
	e = wasmc_instance_call(inst, "memory", NULL, 0, NULL, 0);
	cr_assert_eq(wasmc_error_code(e), WASMC_ERR_BAD_ARGUMENT);
	wasmc_error_free(e);
	cr_assert_eq(M.calls, calls, "bad calls reached the daemon");

	int drops = M.drops;
	wasmc_instance_free(inst);
	cr_assert_eq(M.drops, drops + 1);
	wasmc_conn_close(c);
	cr_assert_str_eq(M.violation, "");
}

Test(mock, host_call)
{
	wasmc_conn *c = connect_ok();
	wasmc_module *m = load_ok(c);
	env en = {0};
	wasmc_instance *inst = instantiate_ok(m, &en);
	wasmc_error *e;
	cr_assert_eq(call1(inst, "dbl", 5, &e), 11);
	cr_assert_null(e);
	cr_assert_eq(M.host_returns, 1);
	cr_assert_null(wasmc_caller_instance(), "no frame left behind");
	wasmc_instance_free(inst);
	wasmc_module_free(m);
	wasmc_conn_close(c);
	cr_assert_str_eq(M.violation, "");
}

Test(mock, nested_calls)
{
	wasmc_conn *c = connect_ok();
	wasmc_module *m = load_ok(c);
	env en = {0};
	wasmc_instance *inst = instantiate_ok(m, &en);
	wasmc_error *e;
	cr_assert_eq(call1(inst, "rec", 6, &e), 6);
	cr_assert_null(e, "%s", wasmc_error_message(e));
	cr_assert_eq(en.reenter_calls, 6);
	cr_assert_eq(en.wrong_caller, 0);
	cr_assert_eq(M.max_depth, 6, "guest -> client -> guest to depth 6");
	cr_assert_eq(M.depth, 0);
	/* Again, after unwinding: the token stack is clean. */
	cr_assert_eq(call1(inst, "rec", 2, &e), 2);
	cr_assert_null(e);
	wasmc_instance_free(inst);
	wasmc_module_free(m);
	wasmc_conn_close(c);
	cr_assert_str_eq(M.violation, "");
}

Test(mock, callback_traps)
{
	wasmc_conn *c = connect_ok();
	wasmc_module *m = load_ok(c);
	env en = {0};
	wasmc_instance *inst = instantiate_ok(m, &en);
	wasmc_error *e;
	int32_t r = call1(inst, "dbl", 13, &e);
	cr_assert_eq(r, -12345, "results written on a trap");
	cr_assert_eq(wasmc_error_outcome(e), WASMC_TRAP);
	cr_assert_eq(wasmc_error_trap_code(e), WASMC_TRAP_HOST);
	cr_assert_str_eq(wasmc_error_message(e), "boom: unlucky number");
	wasmc_error_free(e);
	call1(inst, "dbl", 14, &e);
	cr_assert_eq(wasmc_error_outcome(e), WASMC_TRAP);
	cr_assert_str_eq(wasmc_error_message(e),
	                 "callback for env.twice returned a f64 as result 1, expected i32");
	wasmc_error_free(e);
	wasmc_instance_free(inst);
	wasmc_module_free(m);
	wasmc_conn_close(c);
	cr_assert_str_eq(M.violation, "");
}

Test(mock, guest_trap_and_daemon_errors)
{
	wasmc_conn *c = connect_ok();
	wasmc_module *m = load_ok(c);
	wasmc_instance *inst = instantiate_ok(m, NULL);
	wasmc_error *e = wasmc_instance_call(inst, "trap", NULL, 0, NULL, 0);
	cr_assert_eq(wasmc_error_outcome(e), WASMC_TRAP);
	cr_assert_eq(wasmc_error_trap_code(e), WASMC_TRAP_UNREACHABLE);
	cr_assert_str_eq(wasmc_error_message(e), "unreachable");
	cr_assert_str_eq(wasmc_error_location(e), "function 3 (trap)");
	wasmc_error_free(e);
	e = wasmc_instance_call(inst, "dead", NULL, 0, NULL, 0);
	cr_assert_eq(wasmc_error_outcome(e), WASMC_ERROR);
	cr_assert_eq(wasmc_error_code(e), WASMC_ERR_WORKER_DIED);
	cr_assert_str_eq(wasmc_error_message(e), "the worker was killed by signal 9");
	wasmc_error_free(e);
	wasmc_instance_free(inst);
	wasmc_module_free(m);
	wasmc_conn_close(c);
}

Test(mock, daemon_goes_away_during_a_call)
{
	wasmc_conn *c = connect_ok();
	wasmc_module *m = load_ok(c);
	wasmc_instance *inst = instantiate_ok(m, NULL);
	wasmc_error *e = wasmc_instance_call(inst, "hang", NULL, 0, NULL, 0);
	cr_assert_eq(wasmc_error_outcome(e), WASMC_ERROR);
	cr_assert_eq(wasmc_error_code(e), WASMC_ERR_TRANSPORT, "%s", wasmc_error_message(e));
	cr_assert(strstr(wasmc_error_message(e), "lost"), "%s", wasmc_error_message(e));
	wasmc_error_free(e);
	/* Freeing with the daemon gone must not hang: no connection, no wait
	 * beyond the reconnect grace. */
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	wasmc_instance_free(inst);
	wasmc_module_free(m);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	cr_assert_lt(t1.tv_sec - t0.tv_sec, 5, "destructors took %ld s", (long)(t1.tv_sec - t0.tv_sec));
	wasmc_conn_close(c);
}

typedef struct thread_arg {
	wasmc_instance *inst;
	int base;
	int bad;
} thread_arg;

static void *hammer(void *p)
{
	thread_arg *a = p;
	for (int i = 0; i < 40; i++) {
		wasmc_error *e;
		/* dbl makes a host call: an unserialized second call would reach
		 * the mock in the middle of it and be refused. */
		int32_t r = call1(a->inst, i % 2 ? "dbl" : "rec", a->base + i % 3, &e);
		int32_t want = i % 2 ? 2 * (a->base + i % 3) + 1 : a->base + i % 3;
		if (e || r != want)
			a->bad++;
		wasmc_error_free(e);
	}
	return NULL;
}

Test(mock, threads_share_a_connection_and_an_instance)
{
	wasmc_conn *c = connect_ok();
	wasmc_module *m = load_ok(c);
	env en = {0};
	wasmc_instance *inst = instantiate_ok(m, &en);
	pthread_t th[4];
	thread_arg args[4];
	for (int i = 0; i < 4; i++) {
		args[i] = (thread_arg){inst, 3 * i + 1, 0};
		cr_assert_eq(pthread_create(&th[i], NULL, hammer, &args[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		cr_assert_eq(args[i].bad, 0, "thread %d: %d bad calls", i, args[i].bad);
	}
	cr_assert_eq(M.depth, 0);
	wasmc_instance_free(inst);
	wasmc_module_free(m);
	wasmc_conn_close(c);
	cr_assert_str_eq(M.violation, "");
}

Test(mock, admin)
{
	wasmc_conn *c = connect_ok();
	wasmc_module *m = load_ok(c);
	wasmc_cache_list *cl = NULL;
	wasmc_error *e = wasmc_cache_list_get(c, &cl);
	cr_assert_null(e, "%s", wasmc_error_message(e));
	cr_assert_eq(cl->count, 2);
	cr_assert_str_eq(cl->entries[1].fingerprint, "fp-b");
	cr_assert_eq(cl->entries[1].tier, WASMC_TIER_OPTIMIZED);
	cr_assert_eq(cl->entries[1].size, 2000);
	cr_assert_str_eq(cl->entries[0].digest_hex, wasmc_module_digest_hex(m));
	cr_assert_eq(cl->total_bytes, 3000);
	wasmc_cache_list_free(cl);

	wasmc_cache_gc_result gc;
	cr_assert_null(wasmc_cache_gc(c, 777, &gc));
	cr_assert_eq(gc.removed, 3);
	cr_assert_eq(gc.freed_bytes, 777, "budget sent");
	cr_assert_null(wasmc_cache_pin(c, wasmc_module_digest(m), true));
	cr_assert_null(wasmc_cache_pin(c, wasmc_module_digest(m), false));
	uint8_t other[32] = {0xEE};
	e = wasmc_cache_remove(c, other);
	cr_assert_eq(wasmc_error_code(e), WASMC_ERR_NOT_FOUND);
	cr_assert(strstr(wasmc_error_message(e), "ee000000"), "%s", wasmc_error_message(e));
	wasmc_error_free(e);
	cr_assert_null(wasmc_cache_remove(c, wasmc_module_digest(m)));

	wasmc_cache_verify_result *v = NULL;
	cr_assert_null(wasmc_cache_verify(c, &v));
	cr_assert_eq(v->checked, 5);
	cr_assert_eq(v->nproblems, 1);
	cr_assert_str_eq(v->problems[0], "abcd: bad MAC");
	wasmc_cache_verify_result_free(v);

	wasmc_process_list *pl = NULL;
	cr_assert_null(wasmc_process_list_get(c, &pl));
	cr_assert_eq(pl->count, 1);
	cr_assert_eq(pl->processes[0].pid, 4242);
	cr_assert_str_eq(pl->processes[0].state, "idle");
	cr_assert_str_eq(pl->processes[0].instance_hex, "b1b2b300000000000000000000000000");
	cr_assert_null(wasmc_process_kill(c, pl->processes[0].instance));
	wasmc_process_list_free(pl);
	uint8_t nobody[16] = {1};
	e = wasmc_process_kill(c, nobody);
	cr_assert_eq(wasmc_error_code(e), WASMC_ERR_NOT_FOUND);
	wasmc_error_free(e);

	wasmc_status *st = NULL;
	cr_assert_null(wasmc_status_get(c, &st));
	cr_assert_str_eq(st->version, "mock 1");
	cr_assert_eq(st->uptime_seconds, 12.5);
	cr_assert_eq(st->compiles_total, 7);
	wasmc_status_free(st);
	wasmc_cache_list_free(NULL);
	wasmc_process_list_free(NULL);
	wasmc_status_free(NULL);
	wasmc_module_free(m);
	wasmc_conn_close(c);
	cr_assert_str_eq(M.violation, "");
}

Test(mock, conn_outlives_close_while_objects_live)
{
	wasmc_conn *c = connect_ok();
	wasmc_module *m = load_ok(c);
	wasmc_instance *inst = instantiate_ok(m, NULL);
	wasmc_conn_close(c); /* modules and instances keep it alive */
	wasmc_val args[2] = {wasmc_val_i32(1), wasmc_val_i32(2)}, res[1];
	wasmc_error *e = wasmc_instance_call(inst, "add", args, 2, res, 1);
	cr_assert_null(e, "%s", wasmc_error_message(e));
	cr_assert_eq(res[0].of.i32, 3);
	wasmc_instance_free(inst);
	wasmc_module_free(m);
}
