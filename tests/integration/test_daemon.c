/*
 * test_daemon.c - wasmcd end to end, driven through libwasmc: a private
 * daemon per test (it_daemon.h) on a temporary socket and cache.
 *
 * Covers issue 10's "Done when": concurrent clients with a long call in
 * one of them, client imports with nested chains, a worker killed
 * mid-call, deadline / memory / fuel limits, compile-once and the cache
 * across restarts and corruption, a daemon killed during a compile.
 * Another uid and hostile input are in test_hostile.c.
 */
#include <criterion/criterion.h>

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <wasmc/wasmc.h>

#include "it_check.h"
#include "it_daemon.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Fails the test with the error's message. */
static wasmc_conn *connect_to(const it_daemon *d)
{
	wasmc_conn *c = NULL;
	it_ok(wasmc_conn_open(d->socket, NULL, &c), "connect");
	return c;
}

/* A connection whose calls go through the daemon (no direct channel). */
static wasmc_conn *connect_relayed(const it_daemon *d)
{
	wasmc_conn_options o;
	wasmc_conn_options_init(&o);
	o.direct_calls = false;
	wasmc_conn *c = NULL;
	it_ok(wasmc_conn_open(d->socket, &o, &c), "connect");
	return c;
}

static wasmc_module *load_fixture(wasmc_conn *c, const char *name,
                                  unsigned tag, wasmc_tier tier)
{
	size_t len = 0;
	unsigned char *wasm = it_fixture(name, &len);
	cr_assert_not_null(wasm, "fixture %s", name);
	unsigned char *bytes = wasm;
	if (tag) {
		bytes = it_with_tag(wasm, len, tag, &len);
		cr_assert_not_null(bytes);
	}
	wasmc_module *m = NULL;
	wasmc_error *e = wasmc_module_load(c, bytes, len, tier, &m);
	if (bytes != wasm)
		free(bytes);
	free(wasm);
	it_ok(e, "load");
	return m;
}

static wasmc_status *status_of(wasmc_conn *c)
{
	wasmc_status *st = NULL;
	it_ok(wasmc_status_get(c, &st), "status");
	return st;
}

/* Waits until the daemon runs no compile (background tiers included). */
static void wait_compiles_idle(wasmc_conn *c)
{
	for (int i = 0; i < 600; i++) {
		wasmc_status *st = status_of(c);
		uint32_t running = st->compiles_running;
		wasmc_status_free(st);
		if (running == 0)
			return;
		it_sleep_ms(100);
	}
	cr_assert_fail("compiles still running after 60 s");
}

static int32_t call_add(wasmc_instance *inst, int32_t a, int32_t b)
{
	wasmc_val args[2] = {wasmc_val_i32(a), wasmc_val_i32(b)};
	wasmc_val res[1];
	it_ok(wasmc_instance_call(inst, "add", args, 2, res, 1), "call add");
	cr_assert_eq(res[0].kind, WASMC_I32);
	return res[0].of.i32;
}

/* ---------------------------------------------------------------------------
 * 32 concurrent clients; a 10-second call in another does not delay them
 */

typedef struct client_job {
	const it_daemon *d;
	int id;
	int ok;
	double seconds;
	char err[256];
} client_job;

static void *client_main(void *arg)
{
	client_job *j = arg;
	double t0 = now_s();
	wasmc_conn *c = NULL;
	wasmc_module *m = NULL;
	wasmc_instance *inst = NULL;
	wasmc_error *e = wasmc_conn_open(j->d->socket, NULL, &c);
	if (e)
		goto fail;
	size_t len = 0;
	unsigned char *wasm = it_fixture("basic", &len);
	unsigned char *tagged = wasm ? it_with_tag(wasm, len, 1000u + (unsigned)j->id, &len) : NULL;
	free(wasm);
	if (!tagged) {
		snprintf(j->err, sizeof j->err, "no fixture");
		goto out;
	}
	e = wasmc_module_load(c, tagged, len, WASMC_TIER_FAST, &m);
	free(tagged);
	if (e)
		goto fail;
	e = wasmc_instance_new(m, NULL, NULL, &inst);
	if (e)
		goto fail;
	for (int k = 0; k < 20; k++) {
		wasmc_val args[2] = {wasmc_val_i32(j->id), wasmc_val_i32(k)};
		wasmc_val res[1];
		e = wasmc_instance_call(inst, "add", args, 2, res, 1);
		if (e)
			goto fail;
		if (res[0].of.i32 != j->id + k) {
			snprintf(j->err, sizeof j->err, "add(%d, %d) = %d", j->id, k,
			         res[0].of.i32);
			goto out;
		}
	}
	j->ok = 1;
	goto out;
fail:
	snprintf(j->err, sizeof j->err, "%s", wasmc_error_message(e));
	wasmc_error_free(e);
out:
	wasmc_instance_free(inst);
	wasmc_module_free(m);
	wasmc_conn_close(c);
	j->seconds = now_s() - t0;
	return NULL;
}

typedef struct spin_job {
	const it_daemon *d;
	uint64_t deadline_ms;
	wasmc_instance *inst; /* set by the thread before it calls */
	wasmc_conn *conn;
	volatile uint32_t pid; /* the worker's, set before the call */
	volatile int started;
	bool relayed; /* calls through the daemon, not the direct channel */
	wasmc_trapcode trap;
	wasmc_errcode code;
	char msg[256];
	double seconds;
	double ended;
} spin_job;

static void *spin_main(void *arg)
{
	spin_job *j = arg;
	wasmc_conn *c = NULL;
	wasmc_module *m = NULL;
	wasmc_conn_options o;
	wasmc_conn_options_init(&o);
	o.direct_calls = !j->relayed;
	wasmc_error *e = wasmc_conn_open(j->d->socket, &o, &c);
	if (!e) {
		size_t len = 0;
		unsigned char *wasm = it_fixture("basic", &len);
		e = wasmc_module_load(c, wasm, len, WASMC_TIER_FAST, &m);
		free(wasm);
	}
	wasmc_limits lim = {.deadline_ms = j->deadline_ms};
	if (!e)
		e = wasmc_instance_new(m, NULL, &lim, &j->inst);
	if (!e) {
		double t0 = now_s();
		j->pid = wasmc_instance_pid(j->inst);
		j->started = 1;
		e = wasmc_instance_call(j->inst, "spin", NULL, 0, NULL, 0);
		j->ended = now_s();
		j->seconds = j->ended - t0;
	}
	j->started = 1;
	j->trap = wasmc_error_trap_code(e);
	j->code = wasmc_error_code(e);
	snprintf(j->msg, sizeof j->msg, "%s", e ? wasmc_error_message(e) : "returned");
	wasmc_error_free(e);
	/* j->inst stays for the main thread (it frees it after the join). */
	wasmc_module_free(m);
	j->conn = c;
	return NULL;
}

static void spin_job_free(spin_job *j)
{
	wasmc_instance_free(j->inst);
	j->inst = NULL;
	wasmc_conn_close(j->conn);
	j->conn = NULL;
}

Test(daemon, concurrent_clients_and_a_long_call, .timeout = 240)
{
	it_daemon d;
	cr_assert(it_daemon_start(&d, "--pool 4"));
	spin_job spin = {.d = &d, .deadline_ms = 10000};
	pthread_t st;
	pthread_create(&st, NULL, spin_main, &spin);
	while (!spin.started)
		it_sleep_ms(10);
	it_sleep_ms(200);

	enum { N = 32 };
	client_job jobs[N];
	pthread_t th[N];
	double t0 = now_s();
	for (int i = 0; i < N; i++) {
		jobs[i] = (client_job){.d = &d, .id = i};
		pthread_create(&th[i], NULL, client_main, &jobs[i]);
	}
	for (int i = 0; i < N; i++)
		pthread_join(th[i], NULL);
	double all = now_s() - t0;
	for (int i = 0; i < N; i++)
		cr_expect(jobs[i].ok, "client %d: %s", i, jobs[i].err);
	/* All 32 finished while the 10-second call still ran. */
	cr_expect_eq(spin.ended, 0.0, "the long call ended before the clients (%.1f s)",
	             all);
	pthread_join(st, NULL);
	spin_job_free(&spin);
	cr_expect_eq(spin.trap, WASMC_TRAP_DEADLINE, "spin: %s", spin.msg);
	cr_expect_str_eq(spin.msg, "deadline exceeded");
	cr_expect(spin.seconds >= 9.5 && spin.seconds < 13.0, "spin took %.2f s",
	          spin.seconds);
	fprintf(stderr, "32 clients in %.2f s beside a %.2f s call\n", all,
	        spin.seconds);
	it_daemon_free(&d);
}

/* ---------------------------------------------------------------------------
 * Client imports, nested to any depth
 */

typedef struct cb_state {
	int calls;
	int max_depth;
	int depth;
} cb_state;

/* cb(n): n > 0: calls the guest's depth(n - 1) and returns n + that;
 * n == 0: returns 1000. */
static const char *cb_func(void *env, const wasmc_val *args, size_t nargs,
                           wasmc_val *results, size_t nresults)
{
	cb_state *s = env;
	if (nargs != 1 || nresults != 1 || args[0].kind != WASMC_I32)
		return "cb: wrong signature";
	s->calls++;
	s->depth++;
	if (s->depth > s->max_depth)
		s->max_depth = s->depth;
	int32_t n = args[0].of.i32;
	int32_t r = 1000;
	if (n > 0) {
		wasmc_instance *inst = wasmc_caller_instance();
		if (!inst) {
			s->depth--;
			return "no caller instance";
		}
		wasmc_val a[1] = {wasmc_val_i32(n - 1)};
		wasmc_val res[1];
		wasmc_error *e = wasmc_instance_call(inst, "depth", a, 1, res, 1);
		if (e) {
			wasmc_error_free(e);
			s->depth--;
			return "nested call failed";
		}
		r = n + res[0].of.i32;
	}
	results[0] = wasmc_val_i32(r);
	s->depth--;
	return NULL;
}

static const char *log_func(void *env, const wasmc_val *args, size_t nargs,
                            wasmc_val *results, size_t nresults)
{
	(void)results, (void)nresults;
	if (nargs != 1 || args[0].kind != WASMC_I64)
		return "log: wrong signature";
	if (args[0].of.i64 < 0)
		return "negative value refused by the host";
	*(int64_t *)env = args[0].of.i64;
	return NULL;
}

static void imports_nested(bool relayed)
{
	it_daemon d;
	cr_assert(it_daemon_start(&d, "--pool 2"));
	wasmc_conn *c = relayed ? connect_relayed(&d) : connect_to(&d);
	wasmc_module *m = load_fixture(c, "imports", 0, WASMC_TIER_FAST);
	cb_state s = {0};
	int64_t logged = 0;
	wasmc_imports *imp = wasmc_imports_new();
	it_ok(wasmc_imports_define_func(imp, "host", "cb", cb_func, &s), "define");
	it_ok(wasmc_imports_define_func(imp, "host", "log", log_func, &logged), "define");
	wasmc_instance *inst = NULL;
	it_ok(wasmc_instance_new(m, imp, NULL, &inst), "instantiate");

	/* run(0) = cb(0) + 1 = 1001 */
	wasmc_val a[1] = {wasmc_val_i32(0)};
	wasmc_val r[1];
	it_ok(wasmc_instance_call(inst, "run", a, 1, r, 1), "run");
	cr_expect_eq(r[0].of.i32, 1001);

	/* depth(6): guest -> client -> guest -> client ... 7 host calls deep:
	 * 6 + 5 + ... + 1 + 1000 */
	s = (cb_state){0};
	a[0] = wasmc_val_i32(6);
	it_ok(wasmc_instance_call(inst, "depth", a, 1, r, 1), "depth");
	cr_expect_eq(r[0].of.i32, 1000 + 21);
	cr_expect_eq(s.calls, 7);
	cr_expect_eq(s.max_depth, 7);

	/* A callback's trap is the guest's trap. */
	wasmc_val l[1] = {wasmc_val_i64(-5)};
	wasmc_error *e = wasmc_instance_call(inst, "logs", l, 1, NULL, 0);
	cr_expect_eq(wasmc_error_outcome(e), WASMC_TRAP);
	cr_expect_eq(wasmc_error_trap_code(e), WASMC_TRAP_HOST);
	cr_expect(strstr(wasmc_error_message(e), "negative value refused"),
	          "message: %s", wasmc_error_message(e));
	wasmc_error_free(e);
	l[0] = wasmc_val_i64(77);
	it_ok(wasmc_instance_call(inst, "logs", l, 1, NULL, 0), "logs");
	cr_expect_eq(logged, 77);

	/* A missing import is a link error naming it. */
	wasmc_imports *partial = wasmc_imports_new();
	it_ok(wasmc_imports_define_func(partial, "host", "cb", cb_func, &s), "define");
	wasmc_instance *bad = NULL;
	e = wasmc_instance_new(m, partial, NULL, &bad);
	cr_expect_eq(wasmc_error_code(e), WASMC_ERR_LINK_FAILED);
	cr_expect(strstr(wasmc_error_message(e), "log"), "message: %s",
	          wasmc_error_message(e));
	wasmc_error_free(e);
	wasmc_imports_free(partial);

	wasmc_instance_free(inst);
	wasmc_imports_free(imp);
	wasmc_module_free(m);
	wasmc_conn_close(c);
	it_daemon_free(&d);
}

/* Calls on the instance's direct channel (the default) and through the
 * daemon. */
Test(daemon, client_imports_nested, .timeout = 120)
{
	imports_nested(false);
}

Test(daemon, client_imports_nested_relayed, .timeout = 120)
{
	imports_nested(true);
}

/* ---------------------------------------------------------------------------
 * A worker killed mid-call
 */

static void worker_killed(bool relayed)
{
	it_daemon d;
	cr_assert(it_daemon_start(&d, "--pool 2"));
	wasmc_conn *c = connect_to(&d);
	/* Baseline once the pool is full and one instance has come and gone. */
	wasmc_module *m = load_fixture(c, "basic", 0, WASMC_TIER_FAST);
	wasmc_instance *warm = NULL;
	it_ok(wasmc_instance_new(m, NULL, NULL, &warm), "instantiate");
	cr_expect_eq(call_add(warm, 2, 3), 5);
	wasmc_instance_free(warm);
	it_sleep_ms(1500);
	int fds0 = it_daemon_fds(&d), kids0 = it_daemon_children(&d);

	for (int round = 0; round < 3; round++) {
		spin_job spin = {.d = &d, .deadline_ms = 60000, .relayed = relayed};
		pthread_t st;
		pthread_create(&st, NULL, spin_main, &spin);
		while (!spin.started)
			it_sleep_ms(10);
		it_sleep_ms(300);
		uint32_t pid = spin.pid;
		cr_assert(pid > 1, "worker pid %u (%s)", pid, spin.msg);
		double killed = now_s();
		cr_assert_eq(kill((pid_t)pid, SIGKILL), 0);
		pthread_join(st, NULL);
		spin_job_free(&spin);
		cr_expect_eq(spin.code, WASMC_ERR_WORKER_DIED, "outcome: %s", spin.msg);
		cr_expect(spin.ended - killed < 1.0, "error came %.2f s after the kill",
		          spin.ended - killed);
		/* The daemon answers the next request. */
		wasmc_status *st2 = status_of(c);
		wasmc_status_free(st2);
	}
	/* No descriptor or process leaks once the pool has refilled. */
	int fds1 = -1, kids1 = -1;
	for (int i = 0; i < 50; i++) {
		it_sleep_ms(100);
		fds1 = it_daemon_fds(&d);
		kids1 = it_daemon_children(&d);
		if (fds1 == fds0 && kids1 == kids0)
			break;
	}
	cr_expect_eq(fds1, fds0, "daemon fds %d before, %d after", fds0, fds1);
	cr_expect_eq(kids1, kids0, "daemon children %d before, %d after", kids0, kids1);
	wasmc_module_free(m);
	wasmc_conn_close(c);
	it_daemon_free(&d);
}

Test(daemon, worker_killed_mid_call, .timeout = 120)
{
	worker_killed(false);
}

Test(daemon, worker_killed_mid_call_relayed, .timeout = 120)
{
	worker_killed(true);
}

/* ---------------------------------------------------------------------------
 * Limits: deadline, memory.grow, fuel
 */

Test(daemon, limits, .timeout = 120)
{
	it_daemon d;
	cr_assert(it_daemon_start(&d, "--pool 2"));
	wasmc_conn *c = connect_to(&d);
	wasmc_module *m = load_fixture(c, "basic", 0, WASMC_TIER_FAST);

	/* An infinite loop hits its deadline; the instance serves the next call. */
	wasmc_limits lim = {.deadline_ms = 300, .max_memory_bytes = 2 * 65536};
	wasmc_instance *inst = NULL;
	it_ok(wasmc_instance_new(m, NULL, &lim, &inst), "instantiate");
	double t0 = now_s();
	wasmc_error *e = wasmc_instance_call(inst, "spin", NULL, 0, NULL, 0);
	double took = now_s() - t0;
	cr_expect_eq(wasmc_error_outcome(e), WASMC_TRAP, "spin: %s", wasmc_error_message(e));
	cr_expect_eq(wasmc_error_trap_code(e), WASMC_TRAP_DEADLINE);
	cr_expect_str_eq(wasmc_error_message(e), "deadline exceeded");
	cr_expect(took >= 0.25 && took < 2.5, "deadline of 0.3 s took %.2f s", took);
	wasmc_error_free(e);
	cr_expect_eq(call_add(inst, 40, 2), 42);

	/* memory.grow past the limit returns -1. */
	wasmc_val a[1] = {wasmc_val_i32(1)};
	wasmc_val r[1];
	it_ok(wasmc_instance_call(inst, "grow", a, 1, r, 1), "grow");
	cr_expect_eq(r[0].of.i32, 1);
	it_ok(wasmc_instance_call(inst, "grow", a, 1, r, 1), "grow");
	cr_expect_eq(r[0].of.i32, -1);
	it_ok(wasmc_instance_call(inst, "size", NULL, 0, r, 1), "size");
	cr_expect_eq(r[0].of.i32, 2);

	/* Traps keep the spec's words. */
	a[0] = wasmc_val_i32(7);
	wasmc_val dz[2] = {wasmc_val_i32(7), wasmc_val_i32(0)};
	e = wasmc_instance_call(inst, "div", dz, 2, r, 1);
	cr_expect_eq(wasmc_error_trap_code(e), WASMC_TRAP_DIV_ZERO);
	cr_expect_str_eq(wasmc_error_message(e), "integer divide by zero");
	wasmc_error_free(e);
	e = wasmc_instance_call(inst, "trap", NULL, 0, NULL, 0);
	cr_expect_eq(wasmc_error_trap_code(e), WASMC_TRAP_UNREACHABLE);
	cr_expect_str_eq(wasmc_error_message(e), "unreachable");
	wasmc_error_free(e);
	wasmc_instance_free(inst);

	/* Fuel exhaustion traps. */
	wasmc_limits fuel = {.fuel = 100000};
	it_ok(wasmc_instance_new(m, NULL, &fuel, &inst), "instantiate with fuel");
	wasmc_val n[1] = {wasmc_val_i32(10)};
	it_ok(wasmc_instance_call(inst, "sum", n, 1, r, 1), "sum");
	cr_expect_eq(r[0].of.i64, 45);
	e = wasmc_instance_call(inst, "spin", NULL, 0, NULL, 0);
	cr_expect_eq(wasmc_error_trap_code(e), WASMC_TRAP_OUT_OF_FUEL, "spin: %s",
	             wasmc_error_message(e));
	cr_expect_str_eq(wasmc_error_message(e), "all fuel consumed");
	wasmc_error_free(e);
	wasmc_instance_free(inst);

	wasmc_module_free(m);
	wasmc_conn_close(c);
	it_daemon_free(&d);
}

/* ---------------------------------------------------------------------------
 * The cache: compiled once, reused after a restart, corruption refused
 */

typedef struct upload_job {
	const it_daemon *d;
	int ok;
	char err[256];
} upload_job;

static void *upload_main(void *arg)
{
	upload_job *j = arg;
	wasmc_conn *c = NULL;
	wasmc_module *m = NULL;
	wasmc_error *e = wasmc_conn_open(j->d->socket, NULL, &c);
	if (!e) {
		size_t len = 0;
		unsigned char *wasm = it_fixture("basic", &len);
		unsigned char *t = it_with_tag(wasm, len, 77, &len);
		free(wasm);
		e = wasmc_module_load(c, t, len, WASMC_TIER_FAST, &m);
		free(t);
	}
	if (e) {
		snprintf(j->err, sizeof j->err, "%s", wasmc_error_message(e));
		wasmc_error_free(e);
	} else {
		j->ok = 1;
	}
	wasmc_module_free(m);
	wasmc_conn_close(c);
	return NULL;
}

Test(daemon, one_upload_by_eight_clients_compiles_once, .timeout = 120)
{
	it_daemon d;
	cr_assert(it_daemon_start(&d, "--pool 1"));
	wasmc_conn *c = connect_to(&d);
	wasmc_status *st = status_of(c);
	uint64_t before = st->compiles_total;
	wasmc_status_free(st);
	upload_job jobs[8];
	pthread_t th[8];
	for (int i = 0; i < 8; i++) {
		jobs[i] = (upload_job){.d = &d};
		pthread_create(&th[i], NULL, upload_main, &jobs[i]);
	}
	for (int i = 0; i < 8; i++) {
		pthread_join(th[i], NULL);
		cr_expect(jobs[i].ok, "upload %d: %s", i, jobs[i].err);
	}
	wait_compiles_idle(c);
	st = status_of(c);
	cr_expect_eq(st->compiles_total - before, 1, "%llu compiles",
	             (unsigned long long)(st->compiles_total - before));
	wasmc_status_free(st);
	wasmc_conn_close(c);
	it_daemon_free(&d);
}

/* Every artifact file under the cache (objects/ * / *.cwasm). */
static int artifact_paths(const it_daemon *d, char paths[][512], int max)
{
	char cmd[600];
	snprintf(cmd, sizeof cmd, "find '%s' -name '*.cwasm' -type f | sort", d->cache);
	char *out = NULL;
	if (it_run(cmd, false, &out) != 0) {
		free(out);
		return -1;
	}
	int n = 0;
	for (char *line = strtok(out, "\n"); line && n < max; line = strtok(NULL, "\n"))
		snprintf(paths[n++], 512, "%s", line);
	free(out);
	return n;
}

static uint64_t compiles_since_start(wasmc_conn *c)
{
	wasmc_status *st = status_of(c);
	uint64_t n = st->compiles_total;
	wasmc_status_free(st);
	return n;
}

/* Loads basic (fast tier), instantiates and checks add. */
static bool load_and_call(wasmc_conn *c, bool *ret_cached)
{
	wasmc_module *m = load_fixture(c, "basic", 0, WASMC_TIER_FAST);
	*ret_cached = wasmc_module_cached(m);
	wasmc_instance *inst = NULL;
	it_ok(wasmc_instance_new(m, NULL, NULL, &inst), "instantiate");
	bool ok = call_add(inst, 20, 22) == 42;
	wasmc_instance_free(inst);
	wasmc_module_free(m);
	return ok;
}

static void corrupt(const char *path, int how)
{
	FILE *f = fopen(path, "r+b");
	cr_assert_not_null(f, "open %s: %s", path, strerror(errno));
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	if (how == 0) { /* flip one bit in the middle */
		fseek(f, size / 2, SEEK_SET);
		int ch = fgetc(f);
		fseek(f, size / 2, SEEK_SET);
		fputc(ch ^ 0x10, f);
		fclose(f);
	} else if (how == 1) { /* truncate */
		fclose(f);
		cr_assert_eq(truncate(path, size / 3), 0);
	} else { /* another fingerprint: change a character of it */
		fseek(f, 20, SEEK_SET);
		int ch = fgetc(f);
		fseek(f, 20, SEEK_SET);
		fputc(ch == 'x' ? 'y' : 'x', f);
		fclose(f);
	}
}

Test(daemon, cache_survives_restart_and_refuses_corruption, .timeout = 240)
{
	it_daemon d;
	cr_assert(it_daemon_start(&d, "--pool 1"));
	wasmc_conn *c = connect_to(&d);
	bool cached = true;
	cr_expect(load_and_call(c, &cached));
	cr_expect(!cached, "the first load compiled");
	wait_compiles_idle(c);
	wasmc_conn_close(c);

	/* A restarted daemon reuses the cache with no compile. */
	cr_assert(it_daemon_restart(&d));
	c = connect_to(&d);
	uint64_t before = compiles_since_start(c);
	cr_expect(load_and_call(c, &cached));
	cr_expect(cached, "the load after a restart was not cached");
	cr_expect_eq(compiles_since_start(c) - before, 0);
	wasmc_conn_close(c);

	const char *names[] = {"bit-flipped", "truncated", "foreign fingerprint"};
	for (int how = 0; how < 3; how++) {
		it_daemon_stop(&d);
		char paths[8][512];
		int n = artifact_paths(&d, paths, 8);
		cr_assert(n >= 1, "no artifact in %s", d.cache);
		for (int i = 0; i < n; i++)
			corrupt(paths[i], how);
		cr_assert(it_daemon_restart(&d));
		c = connect_to(&d);
		before = compiles_since_start(c);
		cr_expect(load_and_call(c, &cached), "%s artifact: call", names[how]);
		cr_expect(compiles_since_start(c) - before >= 1,
		          "%s artifact was used instead of recompiled", names[how]);
		wait_compiles_idle(c);
		wasmc_conn_close(c);
	}
	it_daemon_free(&d);
}

Test(daemon, daemon_killed_during_compile, .timeout = 300)
{
	const char *big = "node_modules/@bytecodealliance/componentize-js/lib/"
	                  "starlingmonkey_embedding.wasm";
	struct stat sb;
	cr_assert_eq(stat(big, &sb), 0, "%s missing (make deps)", big);
	it_daemon d;
	cr_assert(it_daemon_start(&d, "--pool 1"));
	/* The upload runs in another process (nng is not fork-safe: exec). */
	pid_t child = fork();
	if (child == 0) {
		execl(it_bin("wasmctl"), "wasmctl", "--socket", d.socket, "compile",
		      "--tier", "fast", big, (char *)NULL);
		_exit(127);
	}
	/* Kill the daemon while the compile worker runs. */
	wasmc_conn *c = connect_to(&d);
	bool seen = false;
	for (int i = 0; i < 300 && !seen; i++) {
		wasmc_status *st = status_of(c);
		seen = st->compiles_running > 0;
		wasmc_status_free(st);
		it_sleep_ms(20);
	}
	cr_expect(seen, "no compile was seen running");
	it_sleep_ms(500);
	wasmc_conn_close(c);
	it_daemon_kill(&d);
	waitpid(child, NULL, 0);
	/* The compiler dies with its daemon (no orphan keeps writing). */
	it_sleep_ms(300);
	char *out = NULL;

	/* Nothing half-written is used: the restarted daemon verifies clean and
	 * the module loads (recompiled) and runs. */
	cr_assert(it_daemon_restart(&d));
	c = connect_to(&d);
	wasmc_cache_verify_result *v = NULL;
	it_ok(wasmc_cache_verify(c, &v), "verify");
	cr_expect_eq(v->bad, 0, "verify found %u bad entries", v->bad);
	wasmc_cache_verify_result_free(v);
	char cmd[600];
	snprintf(cmd, sizeof cmd, "find '%s' -name '*tmp*' | wc -l", d.cache);
	it_run(cmd, false, &out);
	cr_expect_eq(atoi(out), 0, "temporary files left in the cache: %s", out);
	free(out);
	bool cached;
	cr_expect(load_and_call(c, &cached));
	wasmc_conn_close(c);
	it_daemon_free(&d);
}

/* ---------------------------------------------------------------------------
 * The bytes verified are the bytes run (workers map sealed memfd copies,
 * daemon/wcd_seal.h): overwriting the cache file in place while an
 * instance runs changes none of its code; the next instantiation finds
 * the file changed, refuses it and compiles again.
 */

Test(daemon, overwritten_artifact_file_changes_no_running_code, .timeout = 120)
{
	it_daemon d;
	cr_assert(it_daemon_start(&d, "--pool 1"));
	wasmc_conn *c = connect_to(&d);
	wasmc_module *m = load_fixture(c, "basic", 0, WASMC_TIER_FAST);
	wasmc_instance *inst = NULL;
	it_ok(wasmc_instance_new(m, NULL, NULL, &inst), "instantiate");
	cr_expect_eq(call_add(inst, 2, 3), 5);

	/* Every byte of every artifact file zeroed, in place (same inode). */
	char paths[8][512];
	int n = artifact_paths(&d, paths, 8);
	cr_assert(n >= 1, "no artifact file");
	for (int i = 0; i < n; i++) {
		FILE *f = fopen(paths[i], "r+b");
		cr_assert_not_null(f, "open %s", paths[i]);
		fseek(f, 0, SEEK_END);
		long size = ftell(f);
		fseek(f, 0, SEEK_SET);
		for (long k = 0; k < size; k++)
			fputc(0, f);
		fclose(f);
	}
	/* The running instance's code did not change. */
	for (int i = 0; i < 100; i++)
		cr_expect_eq(call_add(inst, i, 1000), i + 1000);
	wasmc_instance_free(inst);

	/* A new instance: the damaged file is refused, compiled again. */
	wasmc_instance *again = NULL;
	it_ok(wasmc_instance_new(m, NULL, NULL, &again), "instantiate after the overwrite");
	cr_expect_eq(call_add(again, 20, 22), 42);
	wasmc_instance_free(again);
	wasmc_module_free(m);
	wasmc_conn_close(c);
	it_daemon_free(&d);
}

/* A valid artifact of another input, copied over this input's artifact
 * file (same engine, same daemon key, a correct MAC): refused, since the
 * artifact names the input it was compiled from; compiled again. */
Test(daemon, artifact_of_another_input_is_refused, .timeout = 120)
{
	it_daemon d;
	cr_assert(it_daemon_start(&d, "--pool 1"));
	wasmc_conn *c = connect_to(&d);
	wasmc_module *mine = load_fixture(c, "basic", 0, WASMC_TIER_FAST);
	wasmc_module *other = load_fixture(c, "other", 0, WASMC_TIER_FAST);
	wait_compiles_idle(c);
	char paths[8][512];
	int n = artifact_paths(&d, paths, 8);
	cr_assert(n >= 2, "%d artifact files", n);
	const char *dm = wasmc_module_digest_hex(mine), *dother = wasmc_module_digest_hex(other);
	int im = -1, io = -1;
	for (int i = 0; i < n; i++) {
		if (strstr(paths[i], dm))
			im = i;
		if (strstr(paths[i], dother))
			io = i;
	}
	cr_assert(im >= 0 && io >= 0, "artifact files of both modules");
	char cmd[1200], *out = NULL;
	snprintf(cmd, sizeof cmd, "cp '%s' '%s'", paths[io], paths[im]);
	cr_assert_eq(it_run(cmd, true, &out), 0, "%s", out);
	free(out);
	wasmc_instance *inst = NULL;
	it_ok(wasmc_instance_new(mine, NULL, NULL, &inst), "instantiate");
	cr_expect_eq(call_add(inst, 5, 3), 8, "the other module's code ran");
	wasmc_instance_free(inst);
	wasmc_module_free(other);
	wasmc_module_free(mine);
	wasmc_conn_close(c);
	it_daemon_free(&d);
}
