/*
 * test_comp_mock.c - component instances and calls of libwasmc against a
 * mock daemon (an nng REP socket in a thread of the test) that plays a
 * component guest, until the real worker runs components:
 *
 *   world {
 *     import name: func() -> string;
 *     resource logger { log: func(msg: string); }     (root imports)
 *     export greet: func() -> string;                  "Hello, " + name() + "!"
 *     export log-with: func(l: borrow<logger>, msg: string) -> u32;   calls l.log(msg), 7
 *     export consume: func(l: logger);                 drops l (the client's destructor)
 *     export echo: func(x: list<string>) -> list<string>;
 *     export boom: func();                             traps
 *     export bad: func() -> string;                    answers invalid UTF-8
 *   }
 *
 * It checks what the library sends (import definitions with the resource
 * flag, component arguments as nodes, host-call tokens and the parents
 * of nested calls) and what it makes of the replies; then runs
 * build/bin/greet and wasmctl (inspect, call) against the same mock.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <openssl/sha.h>
#include <wasmc/wasmc.h>

#include "comp_fixture.h"

enum { K_GREET = 1, K_LOG, K_DROP };

static struct mock {
	nng_socket sock;
	pthread_t thread;
	atomic_bool stop;
	char path[128];
	tb b;
	int fid_name, fid_log, fid_logger;
	size_t ndefs;
	bool logger_is_resource;
	struct { uint8_t token[16]; int kind; } stack[32];
	int depth, max_depth;
	uint32_t tokens;
	atomic_int calls;
	atomic_bool lenient;        /* instantiate without the client's imports */
	char violation[256];
} M;

static void violation(const char *msg)
{
	if (M.violation[0] == '\0')
		snprintf(M.violation, sizeof M.violation, "%s", msg);
}

static void guest_types(void)
{
	tb *b = &M.b;
	tb_init(b);
	uint32_t fstr = tb_func(b, 0, 1, "", CK(STRING));
	uint32_t logger = tb_resource(b, "logger", 1);
	uint32_t bl = tb_add(b, CK(BORROW), logger, 0, 0);
	uint32_t ol = tb_add(b, CK(OWN), logger, 0, 0);
	uint32_t flog = tb_func(b, 2, "self", bl, "msg", CK(STRING), 0);
	uint32_t flogw = tb_func(b, 2, "l", bl, "msg", CK(STRING), 1, "", CK(U32));
	uint32_t fcons = tb_func(b, 1, "l", ol, 0);
	uint32_t ls = tb_add(b, CK(LIST), CK(STRING), 0, 0);
	uint32_t fecho = tb_func(b, 1, "x", ls, 1, "", ls);
	uint32_t fvoid = tb_func(b, 0, 0);
	tb_item(b, true, "", "name", WASMC__V1__CITEM_KIND__CITEM_FUNC, fstr);
	tb_item(b, true, "", "logger", WASMC__V1__CITEM_KIND__CITEM_RESOURCE, logger);
	tb_item(b, true, "", "[method]logger.log", WASMC__V1__CITEM_KIND__CITEM_FUNC, flog);
	tb_item(b, false, "", "greet", WASMC__V1__CITEM_KIND__CITEM_FUNC, fstr);
	tb_item(b, false, "", "log-with", WASMC__V1__CITEM_KIND__CITEM_FUNC, flogw);
	tb_item(b, false, "", "consume", WASMC__V1__CITEM_KIND__CITEM_FUNC, fcons);
	tb_item(b, false, "", "echo", WASMC__V1__CITEM_KIND__CITEM_FUNC, fecho);
	tb_item(b, false, "", "boom", WASMC__V1__CITEM_KIND__CITEM_FUNC, fvoid);
	tb_item(b, false, "", "bad", WASMC__V1__CITEM_KIND__CITEM_FUNC, fstr);
}

static const uint8_t MODULE_HANDLE[16] = {0xC1, 0xC2};
static const uint8_t INSTANCE_HANDLE[16] = {0xD1, 0xD2, 0xD3};

typedef struct reply {
	Wasmc__V1__Response r;
	Wasmc__V1__Error err;
	Wasmc__V1__HelloReply hello;
	Wasmc__V1__Module module;
	Wasmc__V1__Instance instance;
	Wasmc__V1__CallReply call;
	Wasmc__V1__Results results;
	Wasmc__V1__HostCall hc;
	Wasmc__V1__Trap trap;
	Wasmc__V1__Empty empty;
	Wasmc__V1__CValue nodes[8], *np[8];
	char text[512];
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

static Wasmc__V1__CValue *node(reply *o, size_t i, uint32_t kind, uint64_t u, uint32_t n,
                               const void *bytes, size_t len)
{
	Wasmc__V1__CValue *v = &o->nodes[i];
	wasmc__v1__cvalue__init(v);
	v->kind = (Wasmc__V1__CKind)kind;
	v->u = u;
	v->n = n;
	v->bytes.data = (uint8_t *)bytes;
	v->bytes.len = len;
	o->np[i] = v;
	return v;
}

static void set_results(reply *o, Wasmc__V1__CValue **nodes, size_t n)
{
	wasmc__v1__call_reply__init(&o->call);
	wasmc__v1__results__init(&o->results);
	o->results.n_cvalues = n;
	o->results.cvalues = nodes;
	o->call.outcome_case = WASMC__V1__CALL_REPLY__OUTCOME_RESULTS;
	o->call.results = &o->results;
	o->r.body_case = WASMC__V1__RESPONSE__BODY_CALL;
	o->r.call = &o->call;
}

static void set_host_call(reply *o, int kind, int fid, bool drop, size_t nargs)
{
	if (fid < 0) {
		set_error(o, WASMC__V1__ERROR_CODE__LINK_FAILED, "import not defined");
		return;
	}
	uint32_t t = ++M.tokens;
	memset(M.stack[M.depth].token, 0x5A, 16);
	memcpy(M.stack[M.depth].token, &t, sizeof t);
	M.stack[M.depth].kind = kind;
	memcpy(o->token, M.stack[M.depth].token, 16);
	M.depth++;
	if (M.depth > M.max_depth)
		M.max_depth = M.depth;
	wasmc__v1__call_reply__init(&o->call);
	wasmc__v1__host_call__init(&o->hc);
	o->hc.token.data = o->token;
	o->hc.token.len = 16;
	o->hc.func_id = (uint32_t)fid;
	o->hc.depth = (uint32_t)M.depth;
	o->hc.resource_drop = drop;
	o->hc.n_cargs = nargs;
	o->hc.cargs = o->np;
	o->call.outcome_case = WASMC__V1__CALL_REPLY__OUTCOME_HOST_CALL;
	o->call.host_call = &o->hc;
	o->r.body_case = WASMC__V1__RESPONSE__BODY_CALL;
	o->r.call = &o->call;
}

static bool handle_is(ProtobufCBinaryData h, const uint8_t *want)
{
	return h.len == 16 && memcmp(h.data, want, 16) == 0;
}

static void handle_call(const Wasmc__V1__Call *c, reply *o)
{
	atomic_fetch_add(&M.calls, 1);
	if (M.depth == 0 ? c->parent.len != 0 : !handle_is(c->parent, M.stack[M.depth - 1].token)) {
		violation("call: wrong parent token");
		set_error(o, WASMC__V1__ERROR_CODE__BUSY, "bad parent");
		return;
	}
	if (c->n_args)
		violation("component call with core args");
	if (strcmp(c->export, "greet") == 0) {
		set_host_call(o, K_GREET, M.fid_name, false, 0);
	} else if (strcmp(c->export, "log-with") == 0) {
		if (c->n_cargs != 2 || c->cargs[0]->kind != WASMC__V1__CKIND__CK_BORROW ||
		    c->cargs[1]->kind != WASMC__V1__CKIND__CK_STRING) {
			violation("log-with: args are not (borrow, string)");
			set_error(o, WASMC__V1__ERROR_CODE__BAD_REQUEST, "bad args");
			return;
		}
		size_t len = c->cargs[1]->bytes.len < 100 ? c->cargs[1]->bytes.len : 100;
		memcpy(o->text, c->cargs[1]->bytes.data, len);
		node(o, 0, CK(BORROW), c->cargs[0]->u, 0, NULL, 0);
		node(o, 1, CK(STRING), 0, 0, o->text, len);
		set_host_call(o, K_LOG, M.fid_log, false, 2);
	} else if (strcmp(c->export, "consume") == 0) {
		node(o, 0, CK(OWN), c->n_cargs ? c->cargs[0]->u : 0, 0, NULL, 0);
		set_host_call(o, K_DROP, M.fid_logger, true, 1);
	} else if (strcmp(c->export, "echo") == 0) {
		/* the nodes as they came: the reply owns copies */
		size_t n = c->n_cargs < 8 ? c->n_cargs : 8;
		size_t off = 0;
		for (size_t i = 0; i < n; i++) {
			size_t len = c->cargs[i]->bytes.len;
			if (off + len > sizeof o->text)
				len = 0;
			if (len)
				memcpy(o->text + off, c->cargs[i]->bytes.data, len);
			node(o, i, c->cargs[i]->kind, c->cargs[i]->u, c->cargs[i]->n, o->text + off, len);
			off += len;
		}
		set_results(o, o->np, n);
	} else if (strcmp(c->export, "boom") == 0) {
		wasmc__v1__call_reply__init(&o->call);
		wasmc__v1__trap__init(&o->trap);
		o->trap.code = WASMC__V1__TRAP_CODE__TRAP_UNREACHABLE;
		o->trap.message = "unreachable";
		o->call.outcome_case = WASMC__V1__CALL_REPLY__OUTCOME_TRAP;
		o->call.trap = &o->trap;
		o->r.body_case = WASMC__V1__RESPONSE__BODY_CALL;
		o->r.call = &o->call;
	} else if (strcmp(c->export, "bad") == 0) {
		node(o, 0, CK(STRING), 0, 0, "ok\xc3", 3);
		set_results(o, o->np, 1);
	} else {
		set_error(o, WASMC__V1__ERROR_CODE__NOT_FOUND, "no such export");
	}
}

static void handle_host_return(const Wasmc__V1__HostReturn *h, reply *o)
{
	if (M.depth == 0 || !handle_is(h->token, M.stack[M.depth - 1].token)) {
		violation("host_return: wrong token");
		set_error(o, WASMC__V1__ERROR_CODE__BAD_REQUEST, "bad token");
		return;
	}
	int kind = M.stack[--M.depth].kind;
	if (h->outcome_case == WASMC__V1__HOST_RETURN__OUTCOME_TRAP) {
		wasmc__v1__call_reply__init(&o->call);
		wasmc__v1__trap__init(&o->trap);
		o->trap.code = WASMC__V1__TRAP_CODE__TRAP_HOST;
		snprintf(o->text, sizeof o->text, "%s", h->trap);
		o->trap.message = o->text;
		o->call.outcome_case = WASMC__V1__CALL_REPLY__OUTCOME_TRAP;
		o->call.trap = &o->trap;
		o->r.body_case = WASMC__V1__RESPONSE__BODY_CALL;
		o->r.call = &o->call;
		return;
	}
	const Wasmc__V1__Results *r = h->results;
	if (r == NULL || r->n_values) {
		violation("host_return: no results or core values");
		set_error(o, WASMC__V1__ERROR_CODE__BAD_REQUEST, "bad results");
		return;
	}
	if (kind == K_GREET) {
		if (r->n_cvalues != 1 || r->cvalues[0]->kind != WASMC__V1__CKIND__CK_STRING) {
			violation("name returned no string");
			set_error(o, WASMC__V1__ERROR_CODE__BAD_REQUEST, "bad results");
			return;
		}
		int n = snprintf(o->text, sizeof o->text, "Hello, %.*s!",
		                 (int)r->cvalues[0]->bytes.len, (const char *)r->cvalues[0]->bytes.data);
		node(o, 0, CK(STRING), 0, 0, o->text, (size_t)n < sizeof o->text ? (size_t)n : 0);
		set_results(o, o->np, 1);
	} else if (kind == K_LOG) {
		if (r->n_cvalues != 0)
			violation("log returned values");
		node(o, 0, CK(U32), 7, 0, NULL, 0);
		set_results(o, o->np, 1);
	} else {
		if (r->n_cvalues != 0)
			violation("a destructor returned values");
		set_results(o, NULL, 0);
	}
}

static void handle(const Wasmc__V1__Request *q, reply *o)
{
	wasmc__v1__response__init(&o->r);
	switch (q->body_case) {
	case WASMC__V1__REQUEST__BODY_HELLO:
		wasmc__v1__hello_reply__init(&o->hello);
		o->hello.protocol = 1;
		o->hello.version = "mock-comp 1";
		o->hello.fingerprint = "fp";
		o->r.body_case = WASMC__V1__RESPONSE__BODY_HELLO;
		o->r.hello = &o->hello;
		return;
	case WASMC__V1__REQUEST__BODY_HAS_DIGEST:
		set_error(o, WASMC__V1__ERROR_CODE__NOT_FOUND, "unknown digest");
		return;
	case WASMC__V1__REQUEST__BODY_UPLOAD:
		wasmc__v1__module__init(&o->module);
		o->module.handle.data = (uint8_t *)MODULE_HANDLE;
		o->module.handle.len = 16;
		SHA256(q->upload->wasm.data, q->upload->wasm.len, (uint8_t *)o->text);
		o->module.digest.data = (uint8_t *)o->text;
		o->module.digest.len = 32;
		o->module.component = &M.b.ci;
		o->r.body_case = WASMC__V1__RESPONSE__BODY_MODULE;
		o->r.module = &o->module;
		return;
	case WASMC__V1__REQUEST__BODY_INSTANTIATE: {
		const Wasmc__V1__Instantiate *in = q->instantiate;
		M.fid_name = M.fid_log = M.fid_logger = -1;
		M.ndefs = in->n_imports;
		for (size_t i = 0; i < in->n_imports; i++) {
			const Wasmc__V1__ImportDef *d = in->imports[i];
			if (strcmp(d->module, "") != 0)
				violation("import def of an interface the guest does not import");
			if (strcmp(d->name, "name") == 0 && !d->resource)
				M.fid_name = (int)d->func_id;
			else if (strcmp(d->name, "[method]logger.log") == 0 && !d->resource)
				M.fid_log = (int)d->func_id;
			else if (strcmp(d->name, "logger") == 0 && d->resource)
				M.fid_logger = (int)d->func_id;
			else
				violation("unexpected import def");
		}
		if (M.fid_name < 0 && !atomic_load(&M.lenient)) {
			set_error(o, WASMC__V1__ERROR_CODE__LINK_FAILED, "import 'name' is not satisfied");
			return;
		}
		wasmc__v1__instance__init(&o->instance);
		o->instance.handle.data = (uint8_t *)INSTANCE_HANDLE;
		o->instance.handle.len = 16;
		o->instance.pid = 77;
		o->r.body_case = WASMC__V1__RESPONSE__BODY_INSTANCE;
		o->r.instance = &o->instance;
		return;
	}
	case WASMC__V1__REQUEST__BODY_CALL:
		handle_call(q->call, o);
		return;
	case WASMC__V1__REQUEST__BODY_HOST_RETURN:
		handle_host_return(q->host_return, o);
		return;
	case WASMC__V1__REQUEST__BODY_DROP:
		wasmc__v1__empty__init(&o->empty);
		o->r.body_case = WASMC__V1__RESPONSE__BODY_OK;
		o->r.ok = &o->empty;
		return;
	default:
		set_error(o, WASMC__V1__ERROR_CODE__BAD_REQUEST, "not in this mock");
		return;
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
		Wasmc__V1__Request *q =
			wasmc__v1__request__unpack(NULL, nng_msg_len(msg), nng_msg_body(msg));
		nng_msg_free(msg);
		if (q == NULL) {
			violation("a request that does not unpack");
			continue;
		}
		reply *o = calloc(1, sizeof *o);
		handle(q, o);
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
	guest_types();
	snprintf(M.path, sizeof M.path, "/tmp/wasmc-comp-test-%d.sock", (int)getpid());
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
	nng_close(M.sock);
	unlink(M.path);
	cr_expect_str_empty(M.violation, "protocol violation: %s", M.violation);
}

TestSuite(cmock, .init = mock_start, .fini = mock_stop, .timeout = 30);

/* ---- the client side ---- */

static const uint8_t BYTES[] = {0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00, 0x42};

typedef struct env {
	const char *name;
	bool nest;               /* name() calls greet again (once) */
	bool wrong_result;       /* name() returns a u32 */
	uint64_t logged_rep;
	char logged[64];
	uint64_t dropped;
	int drops;
} env;

static const char *cb_name(void *envp, const wasmc_cval *args, size_t nargs, wasmc_cval *results,
                           size_t nresults)
{
	env *en = envp;
	(void)args;
	if (nargs != 0 || nresults != 1)
		return "name: bad arity";
	if (en->wrong_result) {
		results[0] = wasmc_cval_u32(5);
		return NULL;
	}
	if (en->nest) {
		en->nest = false;
		char *inner = NULL;
		wasmc_error *e = wasmc_component_call_string(wasmc_caller_instance(), "greet", &inner);
		if (e) {
			static _Thread_local char msg[256];
			snprintf(msg, sizeof msg, "nested greet failed: %s", wasmc_error_message(e));
			wasmc_error_free(e);
			return msg;
		}
		e = wasmc_cval_string_z(inner, &results[0]);
		free(inner);
		wasmc_error_free(e);
		return NULL;
	}
	if (strcmp(en->name, "TRAP") == 0)
		return "the client says no";
	wasmc_error *e = wasmc_cval_string_z(en->name, &results[0]);
	wasmc_error_free(e);
	return NULL;
}

static const char *cb_log(void *envp, const wasmc_cval *args, size_t nargs, wasmc_cval *results,
                          size_t nresults)
{
	env *en = envp;
	(void)results;
	if (nargs != 2 || nresults != 0 || wasmc_cval_kind(&args[0]) != WASMC_CK_BORROW)
		return "log: bad arguments";
	en->logged_rep = wasmc_cval_handle(&args[0]);
	snprintf(en->logged, sizeof en->logged, "%s", wasmc_cval_get_string(&args[1], NULL));
	return NULL;
}

static void dtor_logger(void *envp, uint64_t rep)
{
	env *en = envp;
	en->dropped = rep;
	en->drops++;
}

static wasmc_instance *start(env *en, wasmc_conn **ret_conn, wasmc_module **ret_m)
{
	wasmc_conn *conn;
	wasmc_error *e = wasmc_conn_open(M.path, NULL, &conn);
	cr_assert_null(e, "connect: %s", wasmc_error_message(e));
	wasmc_module *m;
	e = wasmc_module_load(conn, BYTES, sizeof BYTES, WASMC_TIER_DEFAULT, &m);
	cr_assert_null(e, "load: %s", wasmc_error_message(e));
	cr_assert(wasmc_module_is_component(m));
	cr_assert_eq(wasmc_component_import_count(m), 3);
	cr_assert_eq(wasmc_component_export_count(m), 6);
	wasmc_linker *l = wasmc_linker_new();
	cr_assert_null(wasmc_linker_define_func(l, "", "name", cb_name, en));
	cr_assert_null(wasmc_linker_define_func(l, "", "[method]logger.log", cb_log, en));
	cr_assert_null(wasmc_linker_define_resource(l, "", "logger", dtor_logger, en));
	cr_assert_null(wasmc_linker_define_func(l, "x:y/unused", "f", cb_name, en));
	wasmc_instance *inst;
	e = wasmc_component_instance_new(m, l, NULL, &inst);
	cr_assert_null(e, "instantiate: %s", wasmc_error_message(e));
	wasmc_linker_free(l);
	cr_assert_eq(M.ndefs, 3, "three definitions sent (the unused one is not)");
	*ret_conn = conn;
	*ret_m = m;
	return inst;
}

static void stop(wasmc_instance *inst, wasmc_conn *conn, wasmc_module *m)
{
	wasmc_instance_free(inst);
	wasmc_module_free(m);
	wasmc_conn_close(conn);
}

Test(cmock, greet_with_a_client_import)
{
	env en = {.name = "Zo\xc3\xab \xf0\x9f\xa6\x80"};
	wasmc_conn *conn;
	wasmc_module *m;
	wasmc_instance *inst = start(&en, &conn, &m);
	wasmc_module_free(m); /* the instance keeps the types */
	m = NULL;
	char *s = NULL;
	wasmc_error *e = wasmc_component_call_string(inst, "greet", &s);
	cr_assert_null(e, "%s", wasmc_error_message(e));
	cr_assert_str_eq(s, "Hello, Zo\xc3\xab \xf0\x9f\xa6\x80!");
	free(s);
	/* the dynamic form */
	wasmc_cval *res;
	size_t n;
	en.name = "Alice";
	cr_assert_null(wasmc_component_call(inst, "greet", NULL, 0, &res, &n));
	cr_assert_eq(n, 1);
	cr_assert_str_eq(wasmc_cval_get_string(&res[0], NULL), "Hello, Alice!");
	wasmc_cvals_free(res, n);
	cr_assert_eq(M.max_depth, 1);
	stop(inst, conn, m);
}

Test(cmock, host_resources_borrow_and_drop)
{
	env en = {.name = "x"};
	wasmc_conn *conn;
	wasmc_module *m;
	wasmc_instance *inst = start(&en, &conn, &m);
	wasmc_cval args[2];
	args[0] = wasmc_cval_borrow(42);
	cr_assert_null(wasmc_cval_string_z("to the log", &args[1]));
	wasmc_cval *res;
	size_t n;
	wasmc_error *e = wasmc_component_call(inst, "log-with", args, 2, &res, &n);
	cr_assert_null(e, "%s", wasmc_error_message(e));
	cr_assert_eq(en.logged_rep, 42);
	cr_assert_str_eq(en.logged, "to the log");
	cr_assert_eq(wasmc_cval_get_u64(&res[0]), 7);
	wasmc_cvals_free(res, n);
	wasmc_cval_drop(&args[1]);

	args[0] = wasmc_cval_own(9);
	e = wasmc_component_call(inst, "consume", args, 1, &res, &n);
	cr_assert_null(e, "%s", wasmc_error_message(e));
	cr_assert_eq(n, 0);
	cr_assert_eq(en.drops, 1);
	cr_assert_eq(en.dropped, 9);
	wasmc_cvals_free(res, n);
	stop(inst, conn, m);
}

Test(cmock, nested_call_from_a_callback)
{
	env en = {.name = "Bob", .nest = true};
	wasmc_conn *conn;
	wasmc_module *m;
	wasmc_instance *inst = start(&en, &conn, &m);
	char *s = NULL;
	wasmc_error *e = wasmc_component_call_string(inst, "greet", &s);
	cr_assert_null(e, "%s", wasmc_error_message(e));
	cr_assert_str_eq(s, "Hello, Hello, Bob!!");
	cr_assert_eq(M.max_depth, 2, "the inner greet ran inside the outer host call");
	free(s);
	stop(inst, conn, m);
}

Test(cmock, traps_errors_and_bad_replies)
{
	env en = {.name = "TRAP"};
	wasmc_conn *conn;
	wasmc_module *m;
	wasmc_instance *inst = start(&en, &conn, &m);
	char *s = NULL;
	wasmc_error *e = wasmc_component_call_string(inst, "greet", &s);
	cr_assert_eq(wasmc_error_outcome(e), WASMC_TRAP);
	cr_assert_eq(wasmc_error_trap_code(e), WASMC_TRAP_HOST);
	cr_assert_str_eq(wasmc_error_message(e), "the client says no");
	wasmc_error_free(e);

	en.wrong_result = true;
	e = wasmc_component_call_string(inst, "greet", &s);
	cr_assert_eq(wasmc_error_outcome(e), WASMC_TRAP);
	cr_assert(strstr(wasmc_error_message(e),
	                 "callback for name: result 1: expected string, found u32"),
	          "%s", wasmc_error_message(e));
	wasmc_error_free(e);

	e = wasmc_component_call_void(inst, "boom");
	cr_assert_eq(wasmc_error_outcome(e), WASMC_TRAP);
	cr_assert_eq(wasmc_error_trap_code(e), WASMC_TRAP_UNREACHABLE);
	wasmc_error_free(e);

	e = wasmc_component_call_string(inst, "bad", &s);
	cr_assert_eq(wasmc_error_code(e), WASMC_ERR_PROTOCOL);
	cr_assert(strstr(wasmc_error_message(e), "bad: result 1: node 0: invalid UTF-8 in string"),
	          "%s", wasmc_error_message(e));
	wasmc_error_free(e);

	/* arguments checked before anything is sent */
	int before = atomic_load(&M.calls);
	wasmc_cval a = wasmc_cval_u32(1);
	wasmc_cval *res;
	size_t n;
	e = wasmc_component_call(inst, "echo", &a, 1, &res, &n);
	cr_assert_eq(wasmc_error_code(e), WASMC_ERR_BAD_ARGUMENT);
	cr_assert_str_eq(wasmc_error_message(e), "echo: argument 1 (x): expected list, found u32");
	wasmc_error_free(e);
	e = wasmc_component_call(inst, "echo", NULL, 0, &res, &n);
	cr_assert_str_eq(wasmc_error_message(e), "echo takes 1 argument(s), 0 given");
	wasmc_error_free(e);
	e = wasmc_component_call(inst, "nope", NULL, 0, &res, &n);
	cr_assert_eq(wasmc_error_code(e), WASMC_ERR_NOT_FOUND);
	wasmc_error_free(e);
	e = wasmc_component_call_string(inst, "echo", &s);
	cr_assert(strstr(wasmc_error_message(e),
	                 "echo has type func(x: list<string>) -> list<string>, not func() -> string"),
	          "%s", wasmc_error_message(e));
	wasmc_error_free(e);
	wasmc_val core[1];
	e = wasmc_instance_call(inst, "greet", NULL, 0, core, 0);
	cr_assert_eq(wasmc_error_code(e), WASMC_ERR_BAD_ARGUMENT);
	wasmc_error_free(e);
	cr_assert_eq(atomic_load(&M.calls), before, "nothing was sent");

	/* a list of strings goes out and comes back */
	wasmc_cval list;
	cr_assert_null(wasmc_cval_list(3, &list));
	cr_assert_null(wasmc_cval_string_z("a", &list.of.seq.items[0]));
	cr_assert_null(wasmc_cval_string_z("", &list.of.seq.items[1]));
	cr_assert_null(wasmc_cval_string_z("\xc3\xa9", &list.of.seq.items[2]));
	e = wasmc_component_call(inst, "echo", &list, 1, &res, &n);
	cr_assert_null(e, "%s", wasmc_error_message(e));
	cr_assert(wasmc_cval_equal(&res[0], &list));
	wasmc_cvals_free(res, n);
	wasmc_cval_drop(&list);
	stop(inst, conn, m);
}

Test(cmock, missing_imports_are_named)
{
	wasmc_conn *conn;
	cr_assert_null(wasmc_conn_open(M.path, NULL, &conn));
	wasmc_module *m;
	cr_assert_null(wasmc_module_load(conn, BYTES, sizeof BYTES, WASMC_TIER_DEFAULT, &m));
	wasmc_instance *inst = NULL;
	wasmc_error *e = wasmc_component_instance_new(m, NULL, NULL, &inst);
	cr_assert_eq(wasmc_error_code(e), WASMC_ERR_LINK_FAILED);
	cr_assert_str_eq(wasmc_error_message(e),
	                 "import 'name' is not satisfied (imports the client did not define: "
	                 "name (func() -> string), logger (resource), [method]logger.log "
	                 "(func(self: borrow<logger>, msg: string)))");
	cr_assert_null(inst);
	wasmc_error_free(e);
	e = wasmc_instance_new(m, NULL, NULL, &inst);
	cr_assert_eq(wasmc_error_code(e), WASMC_ERR_BAD_ARGUMENT, "a component is not a core module");
	wasmc_error_free(e);
	char *wit;
	cr_assert_null(wasmc_component_wit(m, &wit));
	cr_assert(strstr(wit, "  resource logger {\n    log: func(msg: string);\n  }\n"), "%s", wit);
	cr_assert(strstr(wit, "  import name: func() -> string;\n"), "%s", wit);
	cr_assert(strstr(wit, "  export consume: func(l: logger);\n"), "%s", wit);
	free(wit);
	wasmc_module_free(m);
	wasmc_conn_close(conn);
}

/* ---- the programs ---- */

static void bin_dir(char *out, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", out, len - 1);
	cr_assert_gt(n, 0);
	out[n] = '\0';
	char *slash = strrchr(out, '/');
	cr_assert_not_null(slash);
	*slash = '\0';
}

static char *run(const char *cmd, int *ret_status)
{
	FILE *p = popen(cmd, "r");
	cr_assert_not_null(p, "popen %s", cmd);
	static char out[8192];
	size_t n = fread(out, 1, sizeof out - 1, p);
	out[n] = '\0';
	*ret_status = pclose(p);
	return out;
}

static void write_component(char *path, size_t len)
{
	snprintf(path, len, "/tmp/wasmc-comp-test-%d.wasm", (int)getpid());
	FILE *f = fopen(path, "wb");
	cr_assert_not_null(f);
	cr_assert_eq(fwrite(BYTES, 1, sizeof BYTES, f), sizeof BYTES);
	fclose(f);
}

Test(cmock, greet_example_and_wasmctl)
{
	char dir[4096], file[256], cmd[8192];
	bin_dir(dir, sizeof dir);
	write_component(file, sizeof file);
	int st;
	snprintf(cmd, sizeof cmd, "%s/greet --socket %s %s 2>&1", dir, M.path, file);
	char *out = run(cmd, &st);
	cr_assert_eq(st, 0, "greet: %s", out);
	cr_assert_str_eq(out, "Hello, Alice!\n");
	snprintf(cmd, sizeof cmd, "%s/greet --socket %s %s 'Zo\xc3\xab \xf0\x9f\xa6\x80' 2>&1", dir,
	         M.path, file);
	out = run(cmd, &st);
	cr_assert_eq(st, 0, "greet: %s", out);
	cr_assert_str_eq(out, "Hello, Zo\xc3\xab \xf0\x9f\xa6\x80!\n");

	snprintf(cmd, sizeof cmd, "%s/wasmctl --socket %s inspect %s 2>&1", dir, M.path, file);
	out = run(cmd, &st);
	cr_assert_eq(st, 0, "wasmctl inspect: %s", out);
	cr_assert(strstr(out, "world root {\n  resource logger {\n"), "%s", out);
	cr_assert(strstr(out, "  export echo: func(x: list<string>) -> list<string>;\n"), "%s", out);

	snprintf(cmd, sizeof cmd, "%s/wasmctl --socket %s --json inspect %s 2>&1", dir, M.path, file);
	out = run(cmd, &st);
	cr_assert_eq(st, 0, "wasmctl inspect --json: %s", out);
	cr_assert(strstr(out, "\"kind\": \"resource\""), "%s", out);
	cr_assert(strstr(out, "\"type\": \"func() -> string\""), "%s", out);

	/* wasmctl defines no imports: the mock refuses, the error names them */
	snprintf(cmd, sizeof cmd, "%s/wasmctl --socket %s call %s 'echo([\"a,b\", \"\"])' 2>&1", dir,
	         M.path, file);
	out = run(cmd, &st);
	cr_assert_eq(WEXITSTATUS(st), 2, "link failure is exit 2: %s", out);
	cr_assert(strstr(out, "wasmctl: instantiate: import 'name' is not satisfied (imports the "
	                      "client did not define: name (func() -> string)"),
	          "%s", out);
	snprintf(cmd, sizeof cmd, "%s/wasmctl --socket %s call %s 'echo(1)' 2>&1", dir, M.path, file);
	out = run(cmd, &st);
	cr_assert_eq(WEXITSTATUS(st), 2, "%s", out);
	cr_assert(strstr(out, "echo: argument 1 (x): column 6: expected a list"), "%s", out);
	snprintf(cmd, sizeof cmd, "%s/wasmctl --socket %s call %s 'nope()' 2>&1", dir, M.path, file);
	out = run(cmd, &st);
	cr_assert_eq(WEXITSTATUS(st), 5, "%s", out);

	/* a worker that needs nothing from the client: WAVE in and out */
	atomic_store(&M.lenient, true);
	snprintf(cmd, sizeof cmd, "%s/wasmctl --socket %s call %s 'echo([\"a,b)\", \"\", \"\\u{e9}\"])' 2>&1",
	         dir, M.path, file);
	out = run(cmd, &st);
	cr_assert_eq(st, 0, "%s", out);
	cr_assert_str_eq(out, "[\"a,b)\", \"\", \"\xc3\xa9\"]\n");
	snprintf(cmd, sizeof cmd, "%s/wasmctl --socket %s --json call %s 'echo([\"x\"])' 2>&1", dir,
	         M.path, file);
	out = run(cmd, &st);
	cr_assert_eq(st, 0, "%s", out);
	cr_assert(strstr(out, "\"type\": \"list<string>\""), "%s", out);
	cr_assert(strstr(out, "\"wave\": \"[\\\"x\\\"]\""), "%s", out);
	snprintf(cmd, sizeof cmd, "%s/wasmctl --socket %s call %s 'boom()' 2>&1", dir, M.path, file);
	out = run(cmd, &st);
	cr_assert_eq(WEXITSTATUS(st), 1, "a trap is exit 1: %s", out);
	cr_assert_str_eq(out, "unreachable\n");
	unlink(file);
}
