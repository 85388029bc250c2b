/*
 * test_direct.c - the direct channel handout (wasmc.proto, "Direct
 * channel") against clients it must not trust: a bad request, an unknown
 * handle, another uid, a second handout; and the channel itself spoken raw:
 * a call, requests it does not serve, a host return with no host call,
 * garbage. The instance and the daemon go on serving through all of it.
 */
#include <criterion/criterion.h>

#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <wasmc/wasmc.h>

#include "it_check.h"
#include "it_daemon.h"
#include "wasmc/v1/wasmc.pb-c.h"

#define SECOND_USER "wasmc-it2"
#define SHARED_GROUP "wasmc-it"

/* Connects to `path`.chan with 3 s timeouts; -1 on failure. */
static int chan_connect(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s.chan", path);
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	struct timeval tv = {3, 0};
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	if (connect(s, (struct sockaddr *)&sa, sizeof sa) != 0) {
		close(s);
		return -1;
	}
	return s;
}

/* Sends `len` bytes of request and reads the status byte (and fd).
 * Returns the status, or -1 when the daemon closed without one. */
static int handout(const char *path, const void *req, size_t len, int *ret_fd)
{
	*ret_fd = -1;
	int s = chan_connect(path);
	if (s < 0)
		return -2;
	if (send(s, req, len, MSG_NOSIGNAL) != (ssize_t)len) {
		close(s);
		return -1;
	}
	if (len < 20)
		shutdown(s, SHUT_WR);
	uint8_t st;
	struct iovec iov = {.iov_base = &st, .iov_len = 1};
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} c;
	memset(&c, 0, sizeof c);
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = c.buf,
	                    .msg_controllen = sizeof c.buf};
	ssize_t n = recvmsg(s, &mh, 0);
	close(s);
	if (n != 1)
		return -1;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_type == SCM_RIGHTS)
			memcpy(ret_fd, CMSG_DATA(cm), sizeof(int));
	return st;
}

static void make_req(uint8_t req[20], const char *magic, const uint8_t handle[16])
{
	memcpy(req, magic, 4);
	memcpy(req + 4, handle, 16);
}

static bool unhex16(const char *hex, uint8_t out[16])
{
	if (strlen(hex) != 32)
		return false;
	for (int i = 0; i < 16; i++) {
		unsigned v;
		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return false;
		out[i] = (uint8_t)v;
	}
	return true;
}

/* One frame out, one frame in (u32 little-endian length + bytes). Returns
 * the reply's length in *ret_len and its bytes (caller frees), or NULL on
 * EOF or error. */
static uint8_t *frame_roundtrip(int fd, const uint8_t *buf, uint32_t len, uint32_t *ret_len)
{
	uint8_t hdr[4] = {len & 0xff, (len >> 8) & 0xff, (len >> 16) & 0xff, len >> 24};
	if (send(fd, hdr, 4, MSG_NOSIGNAL) != 4 ||
	    (len && send(fd, buf, len, MSG_NOSIGNAL) != (ssize_t)len))
		return NULL;
	if (recv(fd, hdr, 4, MSG_WAITALL) != 4)
		return NULL;
	uint32_t n = hdr[0] | hdr[1] << 8 | hdr[2] << 16 | (uint32_t)hdr[3] << 24;
	if (n > (1u << 24))
		return NULL;
	uint8_t *in = malloc(n + 1);
	if (n && recv(fd, in, n, MSG_WAITALL) != (ssize_t)n) {
		free(in);
		return NULL;
	}
	*ret_len = n;
	return in;
}

static Wasmc__V1__Response *request(int fd, const Wasmc__V1__Request *req)
{
	size_t len = wasmc__v1__request__get_packed_size(req);
	uint8_t *buf = malloc(len ? len : 1);
	wasmc__v1__request__pack(req, buf);
	uint32_t n = 0;
	uint8_t *in = frame_roundtrip(fd, buf, (uint32_t)len, &n);
	free(buf);
	if (!in)
		return NULL;
	Wasmc__V1__Response *r = wasmc__v1__response__unpack(NULL, n, in);
	free(in);
	return r;
}

/* Asks for the channel as the second user, in a child process that uses
 * raw sockets only. Returns the status it got. */
static int handout_as_second_user(const char *path, const uint8_t req[20])
{
	struct passwd *pw = getpwnam(SECOND_USER);
	struct group *gr = getgrnam(SHARED_GROUP);
	cr_assert(pw && gr, "user %s / group %s missing: run.sh creates them as root",
	          SECOND_USER, SHARED_GROUP);
	pid_t pid = fork();
	if (pid == 0) {
		gid_t g = gr->gr_gid;
		if (setgroups(1, &g) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0)
			_exit(100);
		int fd;
		int st = handout(path, req, 20, &fd);
		_exit(st < 0 ? 101 - st : st);
	}
	int ws;
	waitpid(pid, &ws, 0);
	return WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
}

Test(direct, handout_and_raw_channel, .timeout = 120)
{
	it_daemon d;
	cr_assert(it_daemon_start(&d, "--pool 1 --socket-group " SHARED_GROUP));
	wasmc_conn_options o;
	wasmc_conn_options_init(&o);
	o.direct_calls = false; /* the library leaves the channel to this test */
	wasmc_conn *c = NULL;
	it_ok(wasmc_conn_open(d.socket, &o, &c), "connect");
	size_t len = 0;
	unsigned char *wasm = it_fixture("basic", &len);
	wasmc_module *m = NULL;
	it_ok(wasmc_module_load(c, wasm, len, WASMC_TIER_FAST, &m), "load");
	free(wasm);
	wasmc_instance *inst = NULL;
	it_ok(wasmc_instance_new(m, NULL, NULL, &inst), "instantiate");
	uint8_t handle[16], req[20];
	cr_assert(unhex16(wasmc_instance_id(inst), handle));

	/* Bad requests: wrong magic, too short, an unknown handle. */
	int fd;
	make_req(req, "XXXX", handle);
	cr_expect_eq(handout(d.socket, req, 20, &fd), 3, "wrong magic");
	cr_expect_eq(handout(d.socket, "WCD1", 4, &fd), -1, "short request: no answer");
	uint8_t other[16];
	memcpy(other, handle, 16);
	other[0] ^= 0x5a;
	make_req(req, "WCD1", other);
	cr_expect_eq(handout(d.socket, req, 20, &fd), 1, "unknown handle");
	cr_expect_eq(fd, -1);

	/* Another uid is told the instance does not exist. */
	make_req(req, "WCD1", handle);
	cr_expect_eq(handout_as_second_user(d.socket, req), 1, "second user");

	/* The owner gets it, once. */
	cr_assert_eq(handout(d.socket, req, 20, &fd), 0, "owner");
	cr_assert(fd >= 0, "no descriptor came with status 0");
	int fd2;
	cr_expect_eq(handout(d.socket, req, 20, &fd2), 2, "second handout");
	cr_expect_eq(fd2, -1);

	/* A call on it. */
	Wasmc__V1__Value v[2] = {WASMC__V1__VALUE__INIT, WASMC__V1__VALUE__INIT};
	Wasmc__V1__Value *vp[2] = {&v[0], &v[1]};
	v[0].type = v[1].type = WASMC__V1__VAL_TYPE__I32;
	v[0].bits = 40;
	v[1].bits = 2;
	Wasmc__V1__Call call = WASMC__V1__CALL__INIT;
	call.export = "add";
	call.n_args = 2;
	call.args = vp;
	Wasmc__V1__Request rq = WASMC__V1__REQUEST__INIT;
	rq.body_case = WASMC__V1__REQUEST__BODY_CALL;
	rq.call = &call;
	Wasmc__V1__Response *r = request(fd, &rq);
	cr_assert_not_null(r, "no reply to a call");
	cr_assert_eq(r->body_case, WASMC__V1__RESPONSE__BODY_CALL);
	cr_assert_eq(r->call->outcome_case, WASMC__V1__CALL_REPLY__OUTCOME_RESULTS);
	cr_assert_eq(r->call->results->n_values, 1);
	cr_expect_eq(r->call->results->values[0]->bits, 42);
	wasmc__v1__response__free_unpacked(r, NULL);

	/* Wrong argument types: an error reply, the channel goes on. */
	v[1].type = WASMC__V1__VAL_TYPE__F64;
	r = request(fd, &rq);
	cr_assert_not_null(r);
	cr_expect_eq(r->body_case, WASMC__V1__RESPONSE__BODY_ERROR);
	cr_expect_eq(r->error->code, WASMC__V1__ERROR_CODE__BAD_REQUEST, "%s", r->error->message);
	wasmc__v1__response__free_unpacked(r, NULL);

	/* A request it does not serve, and a host return with no host call. */
	Wasmc__V1__Request other_rq = WASMC__V1__REQUEST__INIT;
	Wasmc__V1__Status status = WASMC__V1__STATUS__INIT;
	other_rq.body_case = WASMC__V1__REQUEST__BODY_STATUS;
	other_rq.status = &status;
	r = request(fd, &other_rq);
	cr_assert_not_null(r);
	cr_expect_eq(r->body_case, WASMC__V1__RESPONSE__BODY_ERROR);
	cr_expect(strstr(r->error->message, "only call and host_return"), "%s",
	          r->error->message);
	wasmc__v1__response__free_unpacked(r, NULL);
	Wasmc__V1__HostReturn hr = WASMC__V1__HOST_RETURN__INIT;
	uint8_t tok[16] = {1};
	hr.token.data = tok;
	hr.token.len = 16;
	other_rq.body_case = WASMC__V1__REQUEST__BODY_HOST_RETURN;
	other_rq.host_return = &hr;
	r = request(fd, &other_rq);
	cr_assert_not_null(r);
	cr_expect_eq(r->body_case, WASMC__V1__RESPONSE__BODY_ERROR);
	cr_expect(strstr(r->error->message, "no host call waiting"), "%s", r->error->message);
	wasmc__v1__response__free_unpacked(r, NULL);

	/* Garbage: the worker closes the channel... */
	uint8_t junk[8] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	uint32_t n;
	uint8_t *in = frame_roundtrip(fd, junk, sizeof junk, &n);
	cr_expect_null(in, "garbage got a reply");
	free(in);
	close(fd);

	/* ...and the instance and the daemon go on, through the daemon. */
	wasmc_val a[2] = {wasmc_val_i32(1), wasmc_val_i32(2)}, res[1];
	it_ok(wasmc_instance_call(inst, "add", a, 2, res, 1), "add after the channel broke");
	cr_expect_eq(res[0].of.i32, 3);
	wasmc_instance_free(inst);
	wasmc_module_free(m);
	wasmc_conn_close(c);
	it_daemon_free(&d);
}

Test(direct, library_uses_the_channel, .timeout = 120)
{
	it_daemon d;
	cr_assert(it_daemon_start(&d, "--pool 1"));
	wasmc_conn *c = NULL;
	it_ok(wasmc_conn_open(d.socket, NULL, &c), "connect");
	size_t len = 0;
	unsigned char *wasm = it_fixture("basic", &len);
	wasmc_module *m = NULL;
	it_ok(wasmc_module_load(c, wasm, len, WASMC_TIER_FAST, &m), "load");
	free(wasm);
	wasmc_instance *inst = NULL;
	it_ok(wasmc_instance_new(m, NULL, NULL, &inst), "instantiate");
	wasmc_val a[2] = {wasmc_val_i32(20), wasmc_val_i32(22)}, res[1];
	it_ok(wasmc_instance_call(inst, "add", a, 2, res, 1), "add");
	cr_expect_eq(res[0].of.i32, 42);
	/* The library took the channel at the first call: nobody else can. */
	uint8_t handle[16], req[20];
	cr_assert(unhex16(wasmc_instance_id(inst), handle));
	make_req(req, "WCD1", handle);
	int fd;
	cr_expect_eq(handout(d.socket, req, 20, &fd), 2, "the channel was handed out already");
	/* Traps and errors arrive as they do through the daemon. */
	wasmc_error *e = wasmc_instance_call(inst, "trap", NULL, 0, NULL, 0);
	cr_expect_eq(wasmc_error_outcome(e), WASMC_TRAP);
	cr_expect_eq(wasmc_error_trap_code(e), WASMC_TRAP_UNREACHABLE);
	cr_expect_str_eq(wasmc_error_message(e), "unreachable");
	wasmc_error_free(e);
	wasmc_val z[2] = {wasmc_val_i32(1), wasmc_val_i32(0)};
	e = wasmc_instance_call(inst, "div", z, 2, res, 1);
	cr_expect_eq(wasmc_error_trap_code(e), WASMC_TRAP_DIV_ZERO);
	cr_expect_str_eq(wasmc_error_message(e), "integer divide by zero");
	wasmc_error_free(e);
	it_ok(wasmc_instance_call(inst, "add", a, 2, res, 1), "add after traps");
	cr_expect_eq(res[0].of.i32, 42);
	wasmc_instance_free(inst);
	wasmc_module_free(m);
	wasmc_conn_close(c);
	it_daemon_free(&d);
}

/* ---------------------------------------------------------------------------
 * Hostile component values, straight to the worker: each gets an error
 * reply naming what is wrong, and the instance goes on.
 */

static Wasmc__V1__Response *ccall(int fd, const char *export, Wasmc__V1__CValue **vals, size_t n)
{
	Wasmc__V1__Call call = WASMC__V1__CALL__INIT;
	call.export = (char *)export;
	call.n_cargs = n;
	call.cargs = vals;
	Wasmc__V1__Request rq = WASMC__V1__REQUEST__INIT;
	rq.body_case = WASMC__V1__REQUEST__BODY_CALL;
	rq.call = &call;
	return request(fd, &rq);
}

static void expect_refused(int fd, const char *export, Wasmc__V1__CValue **vals, size_t n,
                           const char *why)
{
	Wasmc__V1__Response *r = ccall(fd, export, vals, n);
	cr_assert_not_null(r, "%s: no reply (worker gone?)", why);
	cr_expect_eq(r->body_case, WASMC__V1__RESPONSE__BODY_ERROR, "%s: not refused", why);
	if (r->body_case == WASMC__V1__RESPONSE__BODY_ERROR)
		cr_expect_eq(r->error->code, WASMC__V1__ERROR_CODE__BAD_REQUEST, "%s: %s", why,
		             r->error->message);
	wasmc__v1__response__free_unpacked(r, NULL);
}

static void expect_u8_echo(int fd)
{
	Wasmc__V1__CValue v = WASMC__V1__CVALUE__INIT, *vp = &v;
	v.kind = WASMC__V1__CKIND__CK_U8;
	v.u = 7;
	Wasmc__V1__Response *r = ccall(fd, "echo-u8", &vp, 1);
	cr_assert_not_null(r, "no reply to a good call");
	cr_assert_eq(r->body_case, WASMC__V1__RESPONSE__BODY_CALL, "good call refused");
	cr_expect_eq(r->call->results->n_cvalues, 1);
	cr_expect_eq(r->call->results->cvalues[0]->u, 7);
	wasmc__v1__response__free_unpacked(r, NULL);
}

Test(direct, hostile_component_values, .timeout = 120)
{
	it_daemon d;
	cr_assert(it_daemon_start(&d, "--pool 1"));
	wasmc_conn_options o;
	wasmc_conn_options_init(&o);
	o.direct_calls = false;
	wasmc_conn *c = NULL;
	it_ok(wasmc_conn_open(d.socket, &o, &c), "connect");
	const char *dir = getenv("WASMC_IT_COMPONENTS");
	char path[512];
	snprintf(path, sizeof path, "%s/values-c.wasm", dir && *dir ? dir : "build/fixtures/components");
	wasmc_module *m = NULL;
	it_ok(wasmc_module_load_file(c, path, WASMC_TIER_FAST, &m), "load");
	wasmc_instance *inst = NULL;
	it_ok(wasmc_component_instance_new(m, NULL, NULL, &inst), "instantiate");
	uint8_t handle[16], req[20];
	cr_assert(unhex16(wasmc_instance_id(inst), handle));
	make_req(req, "WCD1", handle);
	int fd;
	cr_assert_eq(handout(d.socket, req, 20, &fd), 0);
	expect_u8_echo(fd);

	Wasmc__V1__CValue v[4];
	Wasmc__V1__CValue *vp[4] = {&v[0], &v[1], &v[2], &v[3]};
	for (int i = 0; i < 4; i++)
		wasmc__v1__cvalue__init(&v[i]);

	/* wrong type */
	v[0].kind = WASMC__V1__CKIND__CK_STRING;
	v[0].bytes.data = (uint8_t *)"x";
	v[0].bytes.len = 1;
	expect_refused(fd, "echo-u8", vp, 1, "a string for a u8");
	/* a u8 out of range */
	v[0].kind = WASMC__V1__CKIND__CK_U8;
	v[0].bytes.len = 0;
	v[0].u = 256;
	expect_refused(fd, "echo-u8", vp, 1, "u8 256");
	/* invalid UTF-8 */
	v[0].kind = WASMC__V1__CKIND__CK_STRING;
	v[0].bytes.data = (uint8_t *)"\xc3\x28";
	v[0].bytes.len = 2;
	expect_refused(fd, "echo-string", vp, 1, "invalid UTF-8");
	/* a list declaring 4 Gi elements and carrying none */
	v[0].kind = WASMC__V1__CKIND__CK_LIST;
	v[0].bytes.len = 0;
	v[0].n = UINT32_MAX;
	expect_refused(fd, "echo-list-u8", vp, 1, "4 GiB declared length");
	/* deeper than the type (and than any limit): lists in lists */
	size_t deep = 100000;
	Wasmc__V1__CValue *dv = calloc(deep, sizeof *dv);
	Wasmc__V1__CValue **dp = calloc(deep, sizeof *dp);
	for (size_t i = 0; i < deep; i++) {
		wasmc__v1__cvalue__init(&dv[i]);
		dv[i].kind = WASMC__V1__CKIND__CK_LIST;
		dv[i].n = i + 1 < deep;
		dp[i] = &dv[i];
	}
	expect_refused(fd, "echo-list-string", dp, deep, "100,000 nested lists");
	free(dv);
	free(dp);
	/* an unknown kind, a char that is a surrogate, a bad enum case */
	v[0].kind = (Wasmc__V1__CKind)99;
	expect_refused(fd, "echo-u8", vp, 1, "unknown kind");
	v[0].kind = WASMC__V1__CKIND__CK_CHAR;
	v[0].u = 0xD800;
	expect_refused(fd, "echo-char", vp, 1, "surrogate char");
	v[0].kind = WASMC__V1__CKIND__CK_ENUM;
	v[0].u = 3;
	expect_refused(fd, "echo-enum", vp, 1, "enum case 3 of 3");
	/* too many and too few arguments */
	v[0].kind = v[1].kind = WASMC__V1__CKIND__CK_U8;
	v[0].u = v[1].u = 1;
	expect_refused(fd, "echo-u8", vp, 2, "two arguments for one");
	expect_refused(fd, "echo-u8", vp, 0, "no argument for one");

	/* The instance, its channel and the daemon are all still fine. */
	expect_u8_echo(fd);
	close(fd);
	wasmc_status *st = NULL;
	it_ok(wasmc_status_get(c, &st), "status");
	wasmc_status_free(st);
	wasmc_instance_free(inst);
	wasmc_module_free(m);
	wasmc_conn_close(c);
	it_daemon_free(&d);
}

/* ---------------------------------------------------------------------------
 * The deadline backstop of direct calls: a worker that does not stop at
 * its deadline (here: stopped with SIGSTOP, so not even its own timer can
 * end the call) is killed by the daemon's watchdog about a second later,
 * and the caller hears "worker died" instead of waiting for ever.
 */

typedef struct stuck_call {
	wasmc_instance *inst;
	wasmc_errcode code;
	double seconds;
} stuck_call;

static double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *stuck_main(void *arg)
{
	stuck_call *s = arg;
	double t0 = mono_s();
	wasmc_error *e = wasmc_instance_call(s->inst, "spin", NULL, 0, NULL, 0);
	s->seconds = mono_s() - t0;
	s->code = wasmc_error_code(e);
	wasmc_error_free(e);
	return NULL;
}

Test(direct, a_worker_that_does_not_stop_is_killed, .timeout = 120)
{
	it_daemon d;
	cr_assert(it_daemon_start(&d, "--pool 1"));
	wasmc_conn *c = NULL;
	it_ok(wasmc_conn_open(d.socket, NULL, &c), "connect");
	size_t len = 0;
	unsigned char *wasm = it_fixture("basic", &len);
	wasmc_module *m = NULL;
	it_ok(wasmc_module_load(c, wasm, len, WASMC_TIER_FAST, &m), "load");
	free(wasm);
	wasmc_limits lim = {.deadline_ms = 500};
	wasmc_instance *inst = NULL;
	it_ok(wasmc_instance_new(m, NULL, &lim, &inst), "instantiate");
	/* The direct channel is set up by a first call. */
	wasmc_val a[2] = {wasmc_val_i32(1), wasmc_val_i32(2)}, r[1];
	it_ok(wasmc_instance_call(inst, "add", a, 2, r, 1), "add");
	stuck_call s = {.inst = inst};
	pthread_t t;
	pthread_create(&t, NULL, stuck_main, &s);
	it_sleep_ms(150);
	pid_t pid = (pid_t)wasmc_instance_pid(inst);
	cr_assert_eq(kill(pid, SIGSTOP), 0);
	pthread_join(t, NULL);
	cr_expect_eq(s.code, WASMC_ERR_WORKER_DIED, "outcome code %d", (int)s.code);
	/* deadline 0.5 s + grace 1 s + the watchdog's period */
	cr_expect(s.seconds > 1.3 && s.seconds < 3.5, "the call ended after %.2f s", s.seconds);
	wasmc_status *st = NULL;
	it_ok(wasmc_status_get(c, &st), "status");
	wasmc_status_free(st);
	wasmc_instance_free(inst);
	wasmc_module_free(m);
	wasmc_conn_close(c);
	it_daemon_free(&d);
}

/* A slow client callback is the client's time: the watchdog does not kill
 * a worker that waits for a host return past its deadline (the call ends
 * as on the daemon's path: its deadline is checked when guest code runs
 * again). */
static const char *slow_cb(void *env, const wasmc_val *args, size_t nargs, wasmc_val *results,
                           size_t nresults)
{
	(void)env, (void)args, (void)nargs;
	it_sleep_ms(1800);
	for (size_t i = 0; i < nresults; i++)
		results[i] = wasmc_val_i32(7);
	return NULL;
}

static const char *log_cb(void *env, const wasmc_val *args, size_t nargs, wasmc_val *results,
                          size_t nresults)
{
	(void)env, (void)args, (void)nargs, (void)results, (void)nresults;
	return NULL;
}

Test(direct, a_slow_callback_is_not_killed, .timeout = 120)
{
	it_daemon d;
	cr_assert(it_daemon_start(&d, "--pool 1"));
	wasmc_conn *c = NULL;
	it_ok(wasmc_conn_open(d.socket, NULL, &c), "connect");
	size_t len = 0;
	unsigned char *wasm = it_fixture("imports", &len);
	wasmc_module *m = NULL;
	it_ok(wasmc_module_load(c, wasm, len, WASMC_TIER_FAST, &m), "load");
	free(wasm);
	wasmc_imports *imp = wasmc_imports_new();
	it_ok(wasmc_imports_define_func(imp, "host", "cb", slow_cb, NULL), "define");
	it_ok(wasmc_imports_define_func(imp, "host", "log", log_cb, NULL), "define");
	wasmc_limits lim = {.deadline_ms = 300};
	wasmc_instance *inst = NULL;
	it_ok(wasmc_instance_new(m, imp, &lim, &inst), "instantiate");
	wasmc_val a[1] = {wasmc_val_i32(0)}, r[1];
	wasmc_error *e = wasmc_instance_call(inst, "run", a, 1, r, 1);
	cr_expect(e == NULL || wasmc_error_outcome(e) == WASMC_TRAP,
	          "the slow callback's call ended with an error: %s",
	          e ? wasmc_error_message(e) : "");
	wasmc_error_free(e);
	/* The worker is alive: the next call answers. */
	wasmc_imports_free(imp);
	wasmc_val z[1] = {wasmc_val_i32(0)};
	e = wasmc_instance_call(inst, "run", z, 1, r, 1);
	cr_expect(e == NULL || wasmc_error_outcome(e) == WASMC_TRAP, "%s",
	          e ? wasmc_error_message(e) : "");
	wasmc_error_free(e);
	wasmc_instance_free(inst);
	wasmc_module_free(m);
	wasmc_conn_close(c);
	it_daemon_free(&d);
}
