/*
 * driver.c - the sandbox tests' protocol driver: spawns wasmc-compiler and
 * wasmc-exec on a socketpair as wasmcd does (fd 3), speaks worker.proto,
 * and checks what comes back and how the workers end (wait status).
 *
 *   sandbox-driver BIN_DIR WASM_DIR
 *
 * WASM_DIR holds the fixtures (tests/sandbox/ .wat files) encoded (run.sh).
 * Prints one line per failed check and a closing "N passed, M failed";
 * exit 1 when anything failed. Runs as root (CI) or as a user; the
 * unprivileged-worker checks are skipped when not root.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cmn_file.h"
#include "cmn_frame.h"
#include "rt_artifact_hdr.h"
#include "wasmc/v1/worker.pb-c.h"

typedef Wasmc__V1__Worker__ExecRequest Req;
typedef Wasmc__V1__Worker__ExecReply Rep;
typedef Wasmc__V1__Value Value;

static int passed, failed;
static const char *bindir, *wasmdir;

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (cond) {                                                                        \
			passed++;                                                                  \
		} else {                                                                           \
			failed++;                                                                  \
			fprintf(stderr, "FAIL %s:%d: ", __func__, __LINE__);                       \
			fprintf(stderr, __VA_ARGS__);                                              \
			fputc('\n', stderr);                                                       \
		}                                                                                  \
	} while (0)

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---------------------------------------------------------------------------
 * Workers
 */

typedef struct worker {
	pid_t pid;
	int fd; /* our end of the channel */
} worker;

/* fork + exec of BIN_DIR/name with the channel as fd 3, as the daemon
 * does; an extra inherited descriptor (fd 9) checks that the worker
 * closes what it did not ask for. */
static worker spawn(const char *name, const char *const *args, bool as_nobody)
{
	worker w = {-1, -1};
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		perror("socketpair");
		exit(2);
	}
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", bindir, name);
	pid_t pid = fork();
	if (pid == 0) {
		if (as_nobody && (setgroups(0, NULL) != 0 || setresgid(65534, 65534, 65534) != 0 ||
		                  setresuid(65534, 65534, 65534) != 0))
			_exit(120);
		if (sv[1] == 3)
			fcntl(3, F_SETFD, 0);
		else if (dup2(sv[1], 3) != 3)
			_exit(121);
		int extra = open("/dev/zero", O_RDONLY);
		if (extra >= 0 && extra != 9) {
			dup2(extra, 9);
			close(extra);
		}
		const char *argv[16] = {path};
		int n = 1;
		for (; args && args[n - 1] && n < 15; n++)
			argv[n] = args[n - 1];
		argv[n] = NULL;
		execv(path, (char *const *)argv);
		_exit(122);
	}
	close(sv[1]);
	w.pid = pid;
	w.fd = sv[0];
	return w;
}

/* Waits for the worker to end; its wait status. */
static int reap(worker *w)
{
	int st = -1;
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	if (w->pid > 0 && waitpid(w->pid, &st, 0) < 0)
		st = -1;
	w->pid = -1;
	return st;
}

static bool send_msg(int fd, const ProtobufCMessage *m, int pass_fd)
{
	size_t len = protobuf_c_message_get_packed_size(m);
	uint8_t *buf = malloc(len + 1);
	protobuf_c_message_pack(m, buf);
	bool ok = cmn_frame_send(fd, buf, len, pass_fd, NULL);
	free(buf);
	return ok;
}

static Rep *recv_rep(worker *w)
{
	uint8_t *buf;
	size_t len;
	cmn_error err;
	int rc = cmn_frame_recv(w->fd, CMN_FRAME_MAX, 20000, &buf, &len, NULL, &err);
	if (rc != CMN_FRAME_OK)
		return NULL;
	Rep *r = wasmc__v1__worker__exec_reply__unpack(NULL, len, buf);
	free(buf);
	return r;
}

static void rep_free(Rep *r)
{
	if (r)
		wasmc__v1__worker__exec_reply__free_unpacked(r, NULL);
}

/* Starts an exec worker and reads its Ready. */
static worker exec_start(bool namespaces, bool as_nobody)
{
	static const char *const no_ns[] = {"--no-namespaces", NULL};
	worker w = spawn("wasmc-exec", namespaces ? NULL : no_ns, as_nobody);
	Rep *r = recv_rep(&w);
	CHECK(r && r->body_case == WASMC__V1__WORKER__EXEC_REPLY__BODY_READY,
	      "no Ready from wasmc-exec");
	if (r && r->body_case == WASMC__V1__WORKER__EXEC_REPLY__BODY_READY) {
		CHECK(r->ready->pid == (uint32_t)w.pid, "Ready.pid %u, expected %d", r->ready->pid,
		      (int)w.pid);
		for (size_t i = 0; i < r->ready->n_warnings; i++)
			printf("   (worker warning: %s)\n", r->ready->warnings[i]);
	}
	rep_free(r);
	return w;
}

/* ---------------------------------------------------------------------------
 * Compile worker
 */

typedef struct compiled {
	uint8_t *art;
	size_t len;
	char *fp;
} compiled;

/* Compile options besides fuel: optimized tier on 4 threads; the worker
 * as uid/gid 65534. */
static bool opt_tier, compile_as_nobody;

static Wasmc__V1__Worker__CompileReply *compile_req(const uint8_t *wasm, size_t len, bool fuel,
                                                    bool fp_only, int *ret_status)
{
	worker w = spawn("wasmc-compiler", NULL, compile_as_nobody);
	Wasmc__V1__Worker__CompileRequest req = WASMC__V1__WORKER__COMPILE_REQUEST__INIT;
	req.wasm.data = (uint8_t *)wasm;
	req.wasm.len = len;
	req.tier = opt_tier ? WASMC__V1__TIER__TIER_OPTIMIZED : WASMC__V1__TIER__TIER_FAST;
	req.threads = opt_tier ? 4 : 0;
	req.fuel = fuel;
	req.fingerprint_only = fp_only;
	Wasmc__V1__Worker__CompileReply *rep = NULL;
	if (send_msg(w.fd, &req.base, -1)) {
		uint8_t *buf;
		size_t n;
		if (cmn_frame_recv(w.fd, CMN_FRAME_MAX, 60000, &buf, &n, NULL, NULL) ==
		    CMN_FRAME_OK) {
			rep = wasmc__v1__worker__compile_reply__unpack(NULL, n, buf);
			free(buf);
		}
	}
	*ret_status = reap(&w);
	return rep;
}

static uint8_t *fixture(const char *name, size_t *len)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s.wasm", wasmdir, name);
	cmn_error err;
	uint8_t *b = cmn_read_file(path, len, &err);
	if (!b) {
		fprintf(stderr, "driver: %s\n", err.msg);
		exit(2);
	}
	return b;
}

/* Compiles a fixture with the compile worker (fails the run when it
 * cannot). */
static compiled compile_fixture(const char *name, bool fuel)
{
	size_t len;
	uint8_t *wasm = fixture(name, &len);
	int st;
	Wasmc__V1__Worker__CompileReply *r = compile_req(wasm, len, fuel, false, &st);
	free(wasm);
	compiled c = {0};
	if (!r || r->error || !r->artifact.len) {
		fprintf(stderr, "driver: cannot compile %s: %s\n", name,
		        r && r->error ? r->error->message : "no reply");
		exit(2);
	}
	c.len = r->artifact.len;
	c.art = malloc(c.len);
	memcpy(c.art, r->artifact.data, c.len);
	c.fp = strdup(r->fingerprint);
	wasmc__v1__worker__compile_reply__free_unpacked(r, NULL);
	return c;
}

static const uint8_t KEY[32] = "0123456789abcdef0123456789abcdef";

/* The artifact sealed with KEY, in a sealed memfd (what the daemon
 * passes: daemon/wcd_seal.h); `unsealed` leaves the memfd writable. */
static int artifact_fd_ex(const compiled *c, bool tamper, bool unsealed)
{
	uint8_t *copy = malloc(c->len);
	memcpy(copy, c->art, c->len);
	if (!rt_artifact_seal(copy, c->len, KEY, sizeof KEY, NULL)) {
		fprintf(stderr, "driver: cannot seal\n");
		exit(2);
	}
	if (tamper)
		copy[c->len / 2] ^= 1;
	int fd = memfd_create("artifact", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0 || write(fd, copy, c->len) != (ssize_t)c->len ||
	    (!unsealed &&
	     fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL) != 0)) {
		perror("memfd");
		exit(2);
	}
	free(copy);
	return fd;
}


/* ---------------------------------------------------------------------------
 * Requests
 */

typedef struct binding_def {
	const char *module, *name;
	uint32_t func_id;
} binding_def;

/* The next loads pass a writable (unsealed) memfd. */
static bool load_unsealed;

static Rep *load(worker *w, const compiled *c, const Wasmc__V1__InstanceLimits *lim,
                 const binding_def *b, size_t nb, bool tamper)
{
	Wasmc__V1__Worker__ImportBinding ib[4];
	Wasmc__V1__Worker__ImportBinding *ibp[4];
	for (size_t i = 0; i < nb; i++) {
		wasmc__v1__worker__import_binding__init(&ib[i]);
		ib[i].module = (char *)b[i].module;
		ib[i].name = (char *)b[i].name;
		ib[i].func_id = b[i].func_id;
		ibp[i] = &ib[i];
	}
	Wasmc__V1__Worker__ExecLoad ld = WASMC__V1__WORKER__EXEC_LOAD__INIT;
	ld.fingerprint = c->fp;
	ld.key.data = (uint8_t *)KEY;
	ld.key.len = sizeof KEY;
	ld.limits = (Wasmc__V1__InstanceLimits *)lim;
	ld.n_imports = nb;
	ld.imports = ibp;
	Req rq = WASMC__V1__WORKER__EXEC_REQUEST__INIT;
	rq.body_case = WASMC__V1__WORKER__EXEC_REQUEST__BODY_LOAD;
	rq.load = &ld;
	int fd = artifact_fd_ex(c, tamper, load_unsealed);
	bool ok = send_msg(w->fd, &rq.base, fd);
	close(fd);
	return ok ? recv_rep(w) : NULL;
}

static bool send_call(worker *w, const char *name, Value **args, size_t n, uint64_t deadline_ms)
{
	Wasmc__V1__Worker__ExecCall c = WASMC__V1__WORKER__EXEC_CALL__INIT;
	c.export = (char *)name;
	c.args = args;
	c.n_args = n;
	c.deadline_ms = deadline_ms;
	Req rq = WASMC__V1__WORKER__EXEC_REQUEST__INIT;
	rq.body_case = WASMC__V1__WORKER__EXEC_REQUEST__BODY_CALL;
	rq.call = &c;
	return send_msg(w->fd, &rq.base, -1);
}

static Rep *call(worker *w, const char *name, Value **args, size_t n, uint64_t deadline_ms)
{
	return send_call(w, name, args, n, deadline_ms) ? recv_rep(w) : NULL;
}

static Rep *host_return(worker *w, Value **vals, size_t n, const char *trap)
{
	Wasmc__V1__Results res = WASMC__V1__RESULTS__INIT;
	res.values = vals;
	res.n_values = n;
	Wasmc__V1__Worker__ExecHostReturn hr = WASMC__V1__WORKER__EXEC_HOST_RETURN__INIT;
	if (trap) {
		hr.outcome_case = WASMC__V1__WORKER__EXEC_HOST_RETURN__OUTCOME_TRAP;
		hr.trap = (char *)trap;
	} else {
		hr.outcome_case = WASMC__V1__WORKER__EXEC_HOST_RETURN__OUTCOME_RESULTS;
		hr.results = &res;
	}
	Req rq = WASMC__V1__WORKER__EXEC_REQUEST__INIT;
	rq.body_case = WASMC__V1__WORKER__EXEC_REQUEST__BODY_HOST_RETURN;
	rq.host_return = &hr;
	return send_msg(w->fd, &rq.base, -1) ? recv_rep(w) : NULL;
}

static Rep *stats(worker *w)
{
	Wasmc__V1__Worker__ExecStatsRequest s = WASMC__V1__WORKER__EXEC_STATS_REQUEST__INIT;
	Req rq = WASMC__V1__WORKER__EXEC_REQUEST__INIT;
	rq.body_case = WASMC__V1__WORKER__EXEC_REQUEST__BODY_STATS;
	rq.stats = &s;
	return send_msg(w->fd, &rq.base, -1) ? recv_rep(w) : NULL;
}

/* Values (a small pool, reset per test). */
static Value pool[64];
static unsigned npool;

static Value *val(Wasmc__V1__ValType t, uint64_t bits)
{
	Value *v = &pool[npool++ % 64];
	wasmc__v1__value__init(v);
	v->type = t;
	v->bits = bits;
	return v;
}

static Value *null_ref(Wasmc__V1__ValType t)
{
	Value *v = val(t, 0);
	v->is_null = true;
	return v;
}

#define I32 WASMC__V1__VAL_TYPE__I32
#define I64 WASMC__V1__VAL_TYPE__I64
#define F32 WASMC__V1__VAL_TYPE__F32
#define F64 WASMC__V1__VAL_TYPE__F64
#define V128 WASMC__V1__VAL_TYPE__V128
#define FUNCREF WASMC__V1__VAL_TYPE__FUNCREF
#define EXTERNREF WASMC__V1__VAL_TYPE__EXTERNREF

static bool is_results(const Rep *r, size_t n)
{
	return r && r->body_case == WASMC__V1__WORKER__EXEC_REPLY__BODY_RESULTS &&
	       r->results->n_values == n;
}

static bool is_error(const Rep *r, Wasmc__V1__ErrorCode code)
{
	return r && r->body_case == WASMC__V1__WORKER__EXEC_REPLY__BODY_ERROR &&
	       r->error->code == code;
}

static bool is_trap(const Rep *r, Wasmc__V1__TrapCode code, const char *msg)
{
	return r && r->body_case == WASMC__V1__WORKER__EXEC_REPLY__BODY_TRAP &&
	       r->trap->code == code && strcmp(r->trap->message, msg) == 0;
}

static const char *describe(const Rep *r)
{
	static char buf[600];
	if (!r)
		return "no reply (worker gone?)";
	switch (r->body_case) {
	case WASMC__V1__WORKER__EXEC_REPLY__BODY_ERROR:
		snprintf(buf, sizeof buf, "error %d: %s", r->error->code, r->error->message);
		break;
	case WASMC__V1__WORKER__EXEC_REPLY__BODY_TRAP:
		snprintf(buf, sizeof buf, "trap %d: %s (%s)%s", r->trap->code, r->trap->message,
		         r->trap->location, r->fatal ? " fatal" : "");
		break;
	case WASMC__V1__WORKER__EXEC_REPLY__BODY_RESULTS:
		snprintf(buf, sizeof buf, "%zu results, first 0x%llx", r->results->n_values,
		         r->results->n_values ? (unsigned long long)r->results->values[0]->bits
		                              : 0ull);
		break;
	default:
		snprintf(buf, sizeof buf, "reply kind %d", r->body_case);
	}
	return buf;
}

static const binding_def CB = {"env", "cb", 7};

/* A worker with basic.wasm loaded (host import bound to func_id 7). */
static worker basic_worker(const compiled *c, const Wasmc__V1__InstanceLimits *lim)
{
	worker w = exec_start(false, false);
	Rep *r = load(&w, c, lim, &CB, 1, false);
	CHECK(r && r->body_case == WASMC__V1__WORKER__EXEC_REPLY__BODY_LOADED, "load: %s",
	      describe(r));
	rep_free(r);
	return w;
}

/* ---------------------------------------------------------------------------
 * Tests
 */

static void test_compile_worker(void)
{
	int st;
	Wasmc__V1__Worker__CompileReply *r = compile_req(NULL, 0, false, true, &st);
	CHECK(r && !r->error && r->fingerprint[0], "fingerprint_only gives a fingerprint");
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "compiler exits 0 (status 0x%x)", st);
	char *fp_plain = r ? strdup(r->fingerprint) : NULL;
	if (r)
		wasmc__v1__worker__compile_reply__free_unpacked(r, NULL);
	r = compile_req(NULL, 0, true, true, &st);
	CHECK(r && fp_plain && strcmp(r->fingerprint, fp_plain) != 0,
	      "fuel changes the fingerprint");
	if (r)
		wasmc__v1__worker__compile_reply__free_unpacked(r, NULL);
	free(fp_plain);

	static const uint8_t junk[] = {0, 'a', 's', 'm', 1, 0, 0, 0, 1, 5};
	r = compile_req(junk, sizeof junk, false, false, &st);
	CHECK(r && r->error && r->error->code == WASMC__V1__ERROR_CODE__INVALID_MODULE &&
	              strstr(r->error->message, "offset"),
	      "truncated module: INVALID_MODULE with offset (%s)",
	      r && r->error ? r->error->message : "no error");
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "compiler exits 0 after an error reply");
	if (r)
		wasmc__v1__worker__compile_reply__free_unpacked(r, NULL);

	size_t len;
	uint8_t *wasm = fixture("basic", &len);
	compile_as_nobody = geteuid() == 0;
	r = compile_req(wasm, len, false, false, &st);
	compile_as_nobody = false;
	free(wasm);
	CHECK(r && !r->error && r->artifact.len > 64 &&
	              memcmp(r->artifact.data, RT_ARTIFACT_MAGIC, 8) == 0,
	      "basic.wasm compiles to an artifact (as an unprivileged user when root)");
	if (r && !r->error) {
		CHECK(rt_artifact_check(r->artifact.data, r->artifact.len, r->fingerprint, NULL, 0,
		                        NULL, NULL),
		      "artifact is unkeyed and checks with its fingerprint");
		CHECK(r->n_imports == 1 && strcmp(r->imports[0]->module, "env") == 0 &&
		              strcmp(r->imports[0]->name, "cb") == 0 &&
		              r->imports[0]->type->kind == WASMC__V1__EXTERN_KIND__EXTERN_FUNC &&
		              r->imports[0]->type->func->n_params == 1 &&
		              r->imports[0]->type->func->params[0] == I32,
		      "imports listed with their types");
		bool mem = false, ext = false;
		for (size_t i = 0; i < r->n_exports; i++) {
			const Wasmc__V1__Export *e = r->exports[i];
			if (strcmp(e->name, "mem") == 0)
				mem = e->type->kind == WASMC__V1__EXTERN_KIND__EXTERN_MEMORY &&
				      e->type->limits->min == 1 && e->type->page_size_log2 == 16;
			if (strcmp(e->name, "id_ext") == 0)
				ext = e->type->func->n_params == 1 &&
				      e->type->func->params[0] == EXTERNREF;
		}
		CHECK(mem && ext, "exports listed with their types");
	}
	if (r)
		wasmc__v1__worker__compile_reply__free_unpacked(r, NULL);
}

static size_t put_leb(uint8_t *p, uint32_t v)
{
	size_t n = 0;
	do {
		uint8_t b = v & 0x7f;
		v >>= 7;
		p[n++] = (uint8_t)(b | (v ? 0x80 : 0));
	} while (v);
	return n;
}

/* A module big enough for the compiler to split it into chunks compiled
 * on several threads: `nfuncs` functions of () -> () whose bodies are
 * `reps` times (i32.const 1, drop). */
static uint8_t *big_module(uint32_t nfuncs, uint32_t reps, size_t *ret_len)
{
	uint32_t body = 1 + 3 * reps + 1;
	size_t cap = 64 + (size_t)nfuncs * (body + 8);
	uint8_t *m = malloc(cap), *p = m;
	static const uint8_t head[] = {0, 'a', 's', 'm', 1, 0, 0, 0, 1, 4, 1, 0x60, 0, 0};
	memcpy(p, head, sizeof head);
	p += sizeof head;
	*p++ = 3;
	p += put_leb(p, 1 + nfuncs);
	*p++ = (uint8_t)nfuncs;
	for (uint32_t i = 0; i < nfuncs; i++)
		*p++ = 0;
	uint8_t tmp[8];
	size_t bl = put_leb(tmp, body);
	*p++ = 10;
	p += put_leb(p, (uint32_t)(1 + nfuncs * (bl + body)));
	*p++ = (uint8_t)nfuncs;
	for (uint32_t i = 0; i < nfuncs; i++) {
		p += put_leb(p, body);
		*p++ = 0; /* no locals */
		for (uint32_t k = 0; k < reps; k++) {
			*p++ = 0x41;
			*p++ = 1;
			*p++ = 0x1a;
		}
		*p++ = 0x0b;
	}
	*ret_len = (size_t)(p - m);
	return m;
}

static void test_compile_threads(void)
{
	size_t len;
	uint8_t *wasm = big_module(6, 30000, &len);
	opt_tier = true;
	int st;
	double t0 = now();
	Wasmc__V1__Worker__CompileReply *r = compile_req(wasm, len, false, false, &st);
	opt_tier = false;
	CHECK(r && !r->error && r->artifact.len > 0,
	      "%zu-byte module compiled on 4 threads (%.2f s): %s", len, now() - t0,
	      r && r->error ? r->error->message
	      : r           ? "ok"
	                    : "no reply");
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "compiler with threads exits 0 (0x%x)", st);
	if (r)
		wasmc__v1__worker__compile_reply__free_unpacked(r, NULL);
	free(wasm);
}

static void test_values(const compiled *c)
{
	worker w = basic_worker(c, NULL);
	Value *a[3];
	a[0] = val(I32, 2);
	a[1] = val(I32, 0xFFFFFFFFu);
	Rep *r = call(&w, "add", a, 2, 0);
	CHECK(is_results(r, 1) && r->results->values[0]->bits == 1 &&
	              r->results->values[0]->type == I32,
	      "add(2, -1): %s", describe(r));
	rep_free(r);
	a[0] = val(I64, 1ull << 40);
	a[1] = val(I64, 5);
	r = call(&w, "add64", a, 2, 0);
	CHECK(is_results(r, 1) && r->results->values[0]->bits == (1ull << 40) + 5, "add64: %s",
	      describe(r));
	rep_free(r);
	a[0] = val(F32, 0x7fc00001u); /* a NaN payload survives */
	r = call(&w, "id_f32", a, 1, 0);
	CHECK(is_results(r, 1) && r->results->values[0]->bits == 0x7fc00001u, "id_f32: %s",
	      describe(r));
	rep_free(r);
	a[0] = val(F64, 0xfff0000000000001ull);
	r = call(&w, "id_f64", a, 1, 0);
	CHECK(is_results(r, 1) && r->results->values[0]->bits == 0xfff0000000000001ull,
	      "id_f64: %s", describe(r));
	rep_free(r);
	uint8_t v[16];
	for (int i = 0; i < 16; i++)
		v[i] = (uint8_t)(i * 17);
	a[0] = val(V128, 0);
	a[0]->v128.data = v;
	a[0]->v128.len = 16;
	r = call(&w, "id_v128", a, 1, 0);
	CHECK(is_results(r, 1) && r->results->values[0]->v128.len == 16 &&
	              memcmp(r->results->values[0]->v128.data, v, 16) == 0,
	      "id_v128: %s", describe(r));
	rep_free(r);
	a[0] = val(EXTERNREF, 0);
	r = call(&w, "id_ext", a, 1, 0);
	CHECK(is_results(r, 1) && !r->results->values[0]->is_null &&
	              r->results->values[0]->bits == 0,
	      "externref token 0 round trip: %s", describe(r));
	rep_free(r);
	a[0] = val(EXTERNREF, 0xdeadbeefcafeull);
	r = call(&w, "id_ext", a, 1, 0);
	CHECK(is_results(r, 1) && r->results->values[0]->bits == 0xdeadbeefcafeull,
	      "externref token round trip: %s", describe(r));
	rep_free(r);
	a[0] = null_ref(EXTERNREF);
	r = call(&w, "id_ext", a, 1, 0);
	CHECK(is_results(r, 1) && r->results->values[0]->is_null, "null externref: %s",
	      describe(r));
	rep_free(r);

	/* funcref: a token out, the same token back in */
	r = call(&w, "get_fn", NULL, 0, 0);
	CHECK(is_results(r, 1) && r->results->values[0]->type == FUNCREF &&
	              !r->results->values[0]->is_null,
	      "get_fn: %s", describe(r));
	uint64_t tok = is_results(r, 1) ? r->results->values[0]->bits : 0;
	rep_free(r);
	r = call(&w, "get_fn", NULL, 0, 0);
	CHECK(is_results(r, 1) && r->results->values[0]->bits == tok, "same function, same token");
	rep_free(r);
	a[0] = val(FUNCREF, tok);
	a[1] = val(I32, 21);
	r = call(&w, "call_fn", a, 2, 0);
	CHECK(is_results(r, 1) && r->results->values[0]->bits == 42, "call_fn(token, 21): %s",
	      describe(r));
	rep_free(r);
	a[0] = val(FUNCREF, tok + 1000);
	r = call(&w, "call_fn", a, 2, 0);
	CHECK(is_error(r, WASMC__V1__ERROR_CODE__BAD_REQUEST), "unknown funcref token: %s",
	      describe(r));
	rep_free(r);
	a[0] = null_ref(FUNCREF);
	r = call(&w, "call_fn", a, 2, 0);
	CHECK(is_trap(r, WASMC__V1__TRAP_CODE__TRAP_INDIRECT_NULL, "uninitialized element") ||
	              (r && r->body_case == WASMC__V1__WORKER__EXEC_REPLY__BODY_TRAP),
	      "call_fn(null): %s", describe(r));
	rep_free(r);

	/* bad requests */
	a[0] = val(I32, 1);
	r = call(&w, "add", a, 1, 0);
	CHECK(is_error(r, WASMC__V1__ERROR_CODE__BAD_REQUEST), "wrong arg count: %s", describe(r));
	rep_free(r);
	a[0] = val(I64, 1);
	a[1] = val(I32, 1);
	r = call(&w, "add", a, 2, 0);
	CHECK(is_error(r, WASMC__V1__ERROR_CODE__BAD_REQUEST), "wrong arg type: %s", describe(r));
	rep_free(r);
	a[0] = val(I32, 1ull << 32);
	r = call(&w, "add", a, 2, 0);
	CHECK(is_error(r, WASMC__V1__ERROR_CODE__BAD_REQUEST), "i32 with high bits: %s",
	      describe(r));
	rep_free(r);
	r = call(&w, "nope", NULL, 0, 0);
	CHECK(is_error(r, WASMC__V1__ERROR_CODE__NOT_FOUND), "missing export: %s", describe(r));
	rep_free(r);
	r = call(&w, "mem", NULL, 0, 0);
	CHECK(is_error(r, WASMC__V1__ERROR_CODE__NOT_FOUND), "memory export: %s", describe(r));
	rep_free(r);

	/* traps, then the instance still works */
	r = call(&w, "unreachable", NULL, 0, 0);
	CHECK(is_trap(r, WASMC__V1__TRAP_CODE__TRAP_UNREACHABLE, "unreachable") && !r->fatal,
	      "unreachable: %s", describe(r));
	CHECK(r && r->body_case == WASMC__V1__WORKER__EXEC_REPLY__BODY_TRAP &&
	              strncmp(r->trap->location, "function ", 9) == 0,
	      "trap location: %s", describe(r));
	rep_free(r);
	r = call(&w, "div0", NULL, 0, 0);
	CHECK(is_trap(r, WASMC__V1__TRAP_CODE__TRAP_DIV_ZERO, "integer divide by zero"), "div0: %s",
	      describe(r));
	rep_free(r);
	r = call(&w, "rec", NULL, 0, 0);
	CHECK(is_trap(r, WASMC__V1__TRAP_CODE__TRAP_STACK_EXHAUSTED, "call stack exhausted"),
	      "unbounded recursion: %s", describe(r));
	rep_free(r);
	a[0] = val(I32, 65536);
	r = call(&w, "store", a, 1, 0);
	CHECK(is_trap(r, WASMC__V1__TRAP_CODE__TRAP_MEMORY_OOB, "out of bounds memory access"),
	      "store out of bounds: %s", describe(r));
	rep_free(r);
	a[0] = val(I32, 20);
	a[1] = val(I32, 22);
	r = call(&w, "add", a, 2, 0);
	CHECK(is_results(r, 1) && r->results->values[0]->bits == 42, "calls work after traps");
	rep_free(r);

	/* round trips (printed, not judged: a timing test would be flaky) */
	double t0 = now();
	int n = 0;
	for (; n < 2000; n++) {
		a[0] = val(I32, (uint64_t)n);
		a[1] = val(I32, 1);
		r = call(&w, "add", a, 2, 0);
		bool ok = is_results(r, 1) && r->results->values[0]->bits == (uint64_t)n + 1;
		rep_free(r);
		if (!ok)
			break;
	}
	CHECK(n == 2000, "2000 calls in a row");
	printf("   (%.1f us per call round trip)\n", (now() - t0) * 1e6 / 2000);

	int st = reap(&w);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "channel EOF: exit 0 (status 0x%x)", st);
}

static void test_host_calls(const compiled *c)
{
	worker w = basic_worker(c, NULL);
	Value *a[2];
	a[0] = val(I32, 5);
	Rep *r = call(&w, "outer", a, 1, 0);
	CHECK(r && r->body_case == WASMC__V1__WORKER__EXEC_REPLY__BODY_HOST_CALL &&
	              r->host_call->func_id == 7 && r->host_call->n_args == 1 &&
	              r->host_call->args[0]->bits == 5,
	      "outer(5) -> HostCall(7, 5): %s", describe(r));
	rep_free(r);
	/* nested call while the host call waits, twice deep */
	a[0] = val(I32, 5);
	r = call(&w, "double", a, 1, 0);
	CHECK(is_results(r, 1) && r->results->values[0]->bits == 10, "nested double(5): %s",
	      describe(r));
	rep_free(r);
	a[0] = val(I32, 100);
	r = call(&w, "outer", a, 1, 0);
	CHECK(r && r->body_case == WASMC__V1__WORKER__EXEC_REPLY__BODY_HOST_CALL &&
	              r->host_call->args[0]->bits == 100,
	      "nested outer(100) -> HostCall: %s", describe(r));
	rep_free(r);
	r = stats(&w);
	CHECK(r && r->body_case == WASMC__V1__WORKER__EXEC_REPLY__BODY_STATS,
	      "stats inside a host call: %s", describe(r));
	rep_free(r);
	a[0] = val(I32, 1000);
	r = host_return(&w, a, 1, NULL);
	CHECK(is_results(r, 1) && r->results->values[0]->bits == 1001, "inner outer -> 1001: %s",
	      describe(r));
	rep_free(r);
	a[0] = val(I32, 10);
	r = host_return(&w, a, 1, NULL);
	CHECK(is_results(r, 1) && r->results->values[0]->bits == 11, "outer(5) -> 11: %s",
	      describe(r));
	rep_free(r);

	/* host trap */
	a[0] = val(I32, 1);
	r = call(&w, "outer", a, 1, 0);
	rep_free(r);
	r = host_return(&w, NULL, 0, "boom from the client");
	CHECK(is_trap(r, WASMC__V1__TRAP_CODE__TRAP_HOST, "boom from the client"), "host trap: %s",
	      describe(r));
	rep_free(r);
	/* wrong result type from the host */
	r = call(&w, "outer", a, 1, 0);
	rep_free(r);
	a[0] = val(I64, 1);
	r = host_return(&w, a, 1, NULL);
	CHECK(r && r->body_case == WASMC__V1__WORKER__EXEC_REPLY__BODY_TRAP &&
	              r->trap->code == WASMC__V1__TRAP_CODE__TRAP_HOST &&
	              strstr(r->trap->message, "bad results"),
	      "bad host results: %s", describe(r));
	rep_free(r);
	/* nesting limit: 200 active calls, then BAD_REQUEST; then unwind */
	int depth = 0;
	for (;;) {
		a[0] = val(I32, (uint64_t)depth);
		r = call(&w, "outer", a, 1, 0);
		bool host = r && r->body_case == WASMC__V1__WORKER__EXEC_REPLY__BODY_HOST_CALL;
		bool limit = is_error(r, WASMC__V1__ERROR_CODE__BAD_REQUEST);
		rep_free(r);
		if (!host) {
			CHECK(limit && depth == 200, "nesting stops at 200 active calls (%d)",
			      depth);
			break;
		}
		depth++;
	}
	bool unwound = true;
	for (int d = depth - 1; d >= 0; d--) {
		a[0] = val(I32, 1000);
		r = host_return(&w, a, 1, NULL);
		unwound = unwound && is_results(r, 1) && r->results->values[0]->bits == 1001;
		rep_free(r);
	}
	CHECK(unwound, "%d nested host calls unwind", depth);
	/* HostReturn with nothing waiting */
	r = host_return(&w, NULL, 0, "x");
	CHECK(is_error(r, WASMC__V1__ERROR_CODE__BAD_REQUEST), "stray HostReturn: %s", describe(r));
	rep_free(r);
	reap(&w);
}

static long status_field(pid_t pid, const char *name);

static void test_load_errors(const compiled *basic, const compiled *start_trap,
                             const compiled *start_host)
{
	worker w = exec_start(false, false);
	Rep *r = load(&w, basic, NULL, NULL, 0, false);
	CHECK(is_error(r, WASMC__V1__ERROR_CODE__LINK_FAILED) &&
	              strcmp(r->error->message, "unknown import: \"env\" \"cb\"") == 0,
	      "unbound import: %s", describe(r));
	rep_free(r);
	reap(&w);

	w = exec_start(false, false);
	r = load(&w, basic, NULL, &CB, 1, true);
	CHECK(is_error(r, WASMC__V1__ERROR_CODE__INVALID_MODULE) &&
	              strstr(r->error->message, "MAC"),
	      "tampered artifact refused: %s", describe(r));
	rep_free(r);
	reap(&w);

	/* An artifact someone could still write to is refused before it is
	 * checked: the checked bytes must be the bytes that run. */
	w = exec_start(false, false);
	load_unsealed = true;
	r = load(&w, basic, NULL, &CB, 1, false);
	load_unsealed = false;
	CHECK(is_error(r, WASMC__V1__ERROR_CODE__BAD_REQUEST) && strstr(r->error->message, "sealed"),
	      "unsealed artifact refused: %s", describe(r));
	rep_free(r);
	reap(&w);

	w = exec_start(false, false);
	compiled wrong = *basic;
	wrong.fp = "not the fingerprint";
	r = load(&w, &wrong, NULL, &CB, 1, false);
	CHECK(is_error(r, WASMC__V1__ERROR_CODE__INVALID_MODULE), "fingerprint mismatch: %s",
	      describe(r));
	rep_free(r);
	reap(&w);

	w = exec_start(false, false);
	Wasmc__V1__InstanceLimits flim = WASMC__V1__INSTANCE_LIMITS__INIT;
	flim.fuel = 1000;
	r = load(&w, basic, &flim, &CB, 1, false);
	CHECK(is_error(r, WASMC__V1__ERROR_CODE__BAD_REQUEST) && strstr(r->error->message, "fuel"),
	      "fuel limit on an artifact without fuel: %s", describe(r));
	rep_free(r);
	reap(&w);

	w = exec_start(false, false);
	r = load(&w, start_trap, NULL, NULL, 0, false);
	CHECK(is_trap(r, WASMC__V1__TRAP_CODE__TRAP_UNREACHABLE, "unreachable") && r->fatal,
	      "start function trap: %s", describe(r));
	rep_free(r);
	reap(&w);

	w = exec_start(false, false);
	binding_def hello = {"env", "hello", 3};
	r = load(&w, start_host, NULL, &hello, 1, false);
	CHECK(r && r->body_case == WASMC__V1__WORKER__EXEC_REPLY__BODY_HOST_CALL &&
	              r->host_call->func_id == 3 && r->host_call->args[0]->bits == 42,
	      "start function's host call: %s", describe(r));
	rep_free(r);
	/* The start function is guest code: it runs under the strict filter. */
	CHECK(status_field(w.pid, "Seccomp_filters") == 2,
	      "start function runs under the strict filter (%ld filters)",
	      status_field(w.pid, "Seccomp_filters"));
	r = host_return(&w, NULL, 0, NULL);
	CHECK(r && r->body_case == WASMC__V1__WORKER__EXEC_REPLY__BODY_LOADED,
	      "loaded after the start's host call: %s", describe(r));
	rep_free(r);
	r = load(&w, start_host, NULL, &hello, 1, false);
	CHECK(is_error(r, WASMC__V1__ERROR_CODE__BAD_REQUEST), "second ExecLoad: %s", describe(r));
	rep_free(r);
	reap(&w);
}

static void test_limits(const compiled *basic, const compiled *fuel)
{
	/* deadline on an infinite loop: a trap, not fatal */
	worker w = basic_worker(basic, NULL);
	double t0 = now();
	Rep *r = call(&w, "spin", NULL, 0, 200);
	double dt = now() - t0;
	CHECK(is_trap(r, WASMC__V1__TRAP_CODE__TRAP_DEADLINE, "deadline exceeded") && !r->fatal,
	      "spin with a deadline: %s", describe(r));
	CHECK(dt > 0.15 && dt < 3.0, "deadline took %.3f s", dt);
	rep_free(r);
	Value *a[2];
	a[0] = val(I32, 1);
	a[1] = val(I32, 2);
	r = call(&w, "add", a, 2, 0);
	CHECK(is_results(r, 1) && r->results->values[0]->bits == 3, "calls work after a deadline");
	rep_free(r);

	/* SIGKILL mid-call: the daemon sees EOF */
	CHECK(send_call(&w, "spin", NULL, 0, 0), "call sent");
	usleep(100000);
	kill(w.pid, SIGKILL);
	uint8_t *buf;
	size_t len;
	int rc = cmn_frame_recv(w.fd, CMN_FRAME_MAX, 5000, &buf, &len, NULL, NULL);
	CHECK(rc == CMN_FRAME_EOF, "SIGKILL mid-call is EOF on the channel (rc %d)", rc);
	int st = reap(&w);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "killed by SIGKILL (0x%x)", st);

	/* memory.grow past max_memory_bytes returns -1 */
	Wasmc__V1__InstanceLimits lim = WASMC__V1__INSTANCE_LIMITS__INIT;
	lim.max_memory_bytes = 2 * 65536;
	w = basic_worker(basic, &lim);
	a[0] = val(I32, 1);
	r = call(&w, "grow", a, 1, 0);
	CHECK(is_results(r, 1) && r->results->values[0]->bits == 1, "grow(1) -> 1: %s",
	      describe(r));
	rep_free(r);
	r = call(&w, "grow", a, 1, 0);
	CHECK(is_results(r, 1) && r->results->values[0]->bits == 0xFFFFFFFFu,
	      "grow past the limit -> -1: %s", describe(r));
	rep_free(r);
	r = stats(&w);
	CHECK(r && r->body_case == WASMC__V1__WORKER__EXEC_REPLY__BODY_STATS &&
	              r->stats->memory_bytes == 2 * 65536 && r->stats->fuel_left == -1,
	      "stats: %s", describe(r));
	rep_free(r);
	reap(&w);

	/* fuel: runs out with the spec-style message; fatal */
	Wasmc__V1__InstanceLimits flim = WASMC__V1__INSTANCE_LIMITS__INIT;
	flim.fuel = 100000;
	w = basic_worker(fuel, &flim);
	a[0] = val(I32, 1);
	a[1] = val(I32, 2);
	r = call(&w, "add", a, 2, 0);
	CHECK(is_results(r, 1) && r->results->values[0]->bits == 3, "add with fuel: %s",
	      describe(r));
	rep_free(r);
	r = stats(&w);
	CHECK(r && r->body_case == WASMC__V1__WORKER__EXEC_REPLY__BODY_STATS &&
	              r->stats->fuel_left > 0 && r->stats->fuel_left < 100000,
	      "fuel_left after a call: %s", describe(r));
	rep_free(r);
	r = call(&w, "spin", NULL, 0, 0);
	CHECK(is_trap(r, WASMC__V1__TRAP_CODE__TRAP_OUT_OF_FUEL, "all fuel consumed") && r->fatal,
	      "spin out of fuel: %s", describe(r));
	rep_free(r);
	r = call(&w, "add", a, 2, 0);
	CHECK(is_error(r, WASMC__V1__ERROR_CODE__INSTANCE_DEAD), "dead after fuel: %s",
	      describe(r));
	rep_free(r);
	reap(&w);

	/* CPU limit: fatal "deadline exceeded" */
	Wasmc__V1__InstanceLimits clim = WASMC__V1__INSTANCE_LIMITS__INIT;
	clim.cpu_ms = 300;
	w = basic_worker(basic, &clim);
	t0 = now();
	r = call(&w, "spin", NULL, 0, 0);
	dt = now() - t0;
	CHECK(is_trap(r, WASMC__V1__TRAP_CODE__TRAP_DEADLINE, "deadline exceeded") && r->fatal,
	      "spin past the CPU limit: %s", describe(r));
	CHECK(dt < 3.0, "CPU limit took %.3f s", dt);
	rep_free(r);
	reap(&w);
}

static void test_channel_abuse(void)
{
	/* garbage frame: exit 5 */
	worker w = exec_start(false, false);
	static const uint8_t junk[] = {0xff, 0xff, 0xff, 0xff, 0x0f};
	cmn_frame_send(w.fd, junk, sizeof junk, -1, NULL);
	int st = reap(&w);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 5, "malformed frame: exit 5 (0x%x)", st);

	/* frame over the limit: exit 4 */
	w = exec_start(false, false);
	uint8_t hdr[4] = {0xff, 0xff, 0xff, 0x7f};
	if (write(w.fd, hdr, 4) != 4)
		perror("write");
	st = reap(&w);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 4, "oversized frame: exit 4 (0x%x)", st);

	/* empty request body: exit 5 */
	w = exec_start(false, false);
	cmn_frame_send(w.fd, "", 0, -1, NULL);
	st = reap(&w);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 5, "empty request: exit 5 (0x%x)", st);
}

/* Requests with random bytes flipped: the worker answers them or exits
 * with a status (5: malformed), never by a signal. Fixed seed. */
static void test_mutations(const compiled *basic)
{
	srand(12345);
	Value *a[2] = {val(I32, 3), val(I32, 4)};
	Wasmc__V1__Worker__ExecCall c = WASMC__V1__WORKER__EXEC_CALL__INIT;
	c.export = "add";
	c.args = a;
	c.n_args = 2;
	c.deadline_ms = 1000;
	Req rq = WASMC__V1__WORKER__EXEC_REQUEST__INIT;
	rq.body_case = WASMC__V1__WORKER__EXEC_REQUEST__BODY_CALL;
	rq.call = &c;
	uint8_t good[256];
	size_t len = protobuf_c_message_pack(&rq.base, good);
	int replies = 0, exits = 0, bad = 0;
	worker w = {-1, -1};
	for (int i = 0; i < 150; i++) {
		if (w.pid < 0)
			w = basic_worker(basic, NULL);
		uint8_t m[256];
		memcpy(m, good, len);
		int flips = 1 + rand() % 3;
		for (int k = 0; k < flips; k++)
			m[rand() % len] ^= (uint8_t)(1u << (rand() % 8));
		cmn_frame_send(w.fd, m, len, -1, NULL);
		Rep *r = recv_rep(&w);
		if (r) {
			replies++;
			rep_free(r);
			continue;
		}
		int st = reap(&w);
		if (WIFEXITED(st) && WEXITSTATUS(st) == 5) {
			exits++;
		} else {
			bad++;
			fprintf(stderr, "   mutation %d: worker ended with status 0x%x\n", i, st);
		}
	}
	if (w.pid > 0)
		reap(&w);
	CHECK(bad == 0 && replies > 0 && exits > 0,
	      "150 mutated calls: %d replies, %d exits 5, %d other ends", replies, exits, bad);
}

/* /proc/PID/fd holds exactly 0, 1, 2 (/dev/null) and 3 (a socket). */
static void check_fds(pid_t pid, const char *when)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
	DIR *d = opendir(path);
	if (!d && errno == EACCES && geteuid() != 0) {
		/* same uid, yet refused: the worker is not dumpable */
		CHECK(true, "not dumpable");
		printf("   (%s: not root; the worker's fds are hidden from its own uid: "
		       "not dumpable)\n",
		       when);
		return;
	}
	CHECK(d != NULL, "%s: cannot list %s: %s", when, path, strerror(errno));
	if (!d)
		return;
	int seen = 0, bad = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char link[512], target[256];
		snprintf(link, sizeof link, "%s/%s", path, e->d_name);
		ssize_t n = readlink(link, target, sizeof target - 1);
		target[n > 0 ? n : 0] = '\0';
		int fd = atoi(e->d_name);
		if (fd <= 2 && strcmp(target, "/dev/null") == 0)
			seen |= 1 << fd;
		else if (fd == 3 && strncmp(target, "socket:", 7) == 0)
			seen |= 8;
		else {
			bad++;
			fprintf(stderr, "   %s: unexpected fd %d -> %s\n", when, fd, target);
		}
	}
	closedir(d);
	CHECK(seen == 15 && bad == 0, "%s: fds are 0-2 on /dev/null and 3 only", when);
}

/* A numeric field of /proc/PID/status ("Seccomp_filters"), or -1. */
static long status_field(pid_t pid, const char *name)
{
	char path[64], line[256];
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	long v = -1;
	size_t n = strlen(name);
	while (f && fgets(line, sizeof line, f))
		if (strncmp(line, name, n) == 0 && line[n] == ':')
			v = strtol(line + n + 1, NULL, 10);
	if (f)
		fclose(f);
	return v;
}

/* The daemon dies: its worker dies with it (PR_SET_PDEATHSIG). A middle
 * process plays the daemon: it starts the worker and is then killed. */
static void test_parent_death(void)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		return;
	char path[4096];
	snprintf(path, sizeof path, "%s/wasmc-exec", bindir);
	pid_t middle = fork();
	if (middle == 0) {
		pid_t pid = fork();
		if (pid == 0) {
			if (dup2(sv[1], 3) != 3)
				_exit(121);
			execl(path, path, "--no-namespaces", (char *)NULL);
			_exit(122);
		}
		pause();
		_exit(0);
	}
	close(sv[1]);
	worker w = {middle, sv[0]};
	Rep *r = recv_rep(&w);
	CHECK(r && r->body_case == WASMC__V1__WORKER__EXEC_REPLY__BODY_READY,
	      "Ready through the middle process");
	uint32_t wpid =
	        r && r->body_case == WASMC__V1__WORKER__EXEC_REPLY__BODY_READY ? r->ready->pid : 0;
	rep_free(r);
	kill(middle, SIGKILL);
	waitpid(middle, NULL, 0);
	w.pid = -1;
	uint8_t *buf;
	size_t len;
	int rc = cmn_frame_recv(w.fd, CMN_FRAME_MAX, 5000, &buf, &len, NULL, NULL);
	CHECK(rc == CMN_FRAME_EOF, "the worker dies with its parent (rc %d)", rc);
	/* it was reparented and reaped by init, or is a zombie: not running */
	usleep(50000);
	char st_path[64], line[256] = "";
	snprintf(st_path, sizeof st_path, "/proc/%u/stat", wpid);
	FILE *f = wpid ? fopen(st_path, "r") : NULL;
	bool gone = !f || !fgets(line, sizeof line, f) || strstr(line, ") Z ") != NULL;
	if (f)
		fclose(f);
	CHECK(gone, "worker %u is gone after its parent died (%s)", wpid, line);
	reap(&w);
}

/* Namespaces: the worker's network namespace is not ours. */
static void check_namespaces(pid_t pid)
{
	char a[128], b[128], path[64];
	snprintf(path, sizeof path, "/proc/%d/ns/net", (int)pid);
	ssize_t na = readlink(path, a, sizeof a - 1),
	        nb = readlink("/proc/self/ns/net", b, sizeof b - 1);
	if (na < 0 && errno == EACCES && geteuid() != 0) {
		printf("   (not root: the worker's namespaces are hidden: not dumpable)\n");
		return;
	}
	a[na > 0 ? na : 0] = '\0';
	b[nb > 0 ? nb : 0] = '\0';
	CHECK(na > 0 && nb > 0 && strcmp(a, b) != 0, "worker net namespace %s, ours %s", a, b);
}

static void test_process(const compiled *basic)
{
	test_parent_death();
	worker w = exec_start(true, false);
	check_namespaces(w.pid);
	check_fds(w.pid, "waiting");
	CHECK(status_field(w.pid, "NoNewPrivs") == 1, "waiting worker has no_new_privs");
	CHECK(status_field(w.pid, "Seccomp") == 2 && status_field(w.pid, "Seccomp_filters") == 1,
	      "waiting worker: one seccomp filter (%ld)", status_field(w.pid, "Seccomp_filters"));
	Rep *r = load(&w, basic, NULL, &CB, 1, false);
	CHECK(r && r->body_case == WASMC__V1__WORKER__EXEC_REPLY__BODY_LOADED,
	      "load with namespaces: %s", describe(r));
	rep_free(r);
	check_fds(w.pid, "loaded");
	/* Without a start function the strict filter goes on just after the
	 * Loaded reply, before the worker reads its next request: once that
	 * request is answered, it is there. */
	r = stats(&w);
	CHECK(r && r->body_case == WASMC__V1__WORKER__EXEC_REPLY__BODY_STATS,
	      "stats after the load: %s", describe(r));
	rep_free(r);
	CHECK(status_field(w.pid, "Seccomp_filters") == 2,
	      "loaded worker: two seccomp filters (%ld)", status_field(w.pid, "Seccomp_filters"));
	reap(&w);

	if (geteuid() != 0) {
		printf("   (not root: unprivileged-worker checks skipped)\n");
		return;
	}
	/* An unprivileged worker: it works, and it is not dumpable, which
	 * /proc shows from outside: its files belong to root, not to it. */
	w = exec_start(true, true);
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/status", (int)w.pid);
	FILE *f = fopen(path, "r");
	char line[256];
	unsigned uid = 0;
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "Uid: %u", &uid) == 1)
			break;
	if (f)
		fclose(f);
	struct stat st;
	snprintf(path, sizeof path, "/proc/%d/fd", (int)w.pid);
	CHECK(uid == 65534 && stat(path, &st) == 0 && st.st_uid == 0,
	      "worker (uid %u) is not dumpable: /proc/PID/fd owned by uid %u", uid,
	      (unsigned)st.st_uid);
	r = load(&w, basic, NULL, &CB, 1, false);
	CHECK(r && r->body_case == WASMC__V1__WORKER__EXEC_REPLY__BODY_LOADED,
	      "load as an unprivileged user: %s", describe(r));
	rep_free(r);
	Value *a[2] = {val(I32, 40), val(I32, 2)};
	r = call(&w, "add", a, 2, 0);
	CHECK(is_results(r, 1) && r->results->values[0]->bits == 42,
	      "call as an unprivileged user: %s", describe(r));
	rep_free(r);
	reap(&w);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: sandbox-driver BIN_DIR WASM_DIR\n");
		return 2;
	}
	bindir = argv[1];
	wasmdir = argv[2];
	signal(SIGPIPE, SIG_IGN);
	printf("== compile worker\n");
	test_compile_worker();
	compiled basic = compile_fixture("basic", false);
	compiled fuel = compile_fixture("basic", true);
	compiled start_trap = compile_fixture("start-trap", false);
	compiled start_host = compile_fixture("start-host", false);
	printf("== values, traps, errors\n");
	test_values(&basic);
	printf("== host calls\n");
	test_host_calls(&basic);
	printf("== load errors\n");
	test_load_errors(&basic, &start_trap, &start_host);
	printf("== limits\n");
	test_limits(&basic, &fuel);
	printf("== optimized tier on 4 threads\n");
	opt_tier = true;
	compiled optc = compile_fixture("basic", false);
	opt_tier = false;
	CHECK(strcmp(optc.fp, basic.fp) != 0, "tiers have different fingerprints");
	test_values(&optc);
	test_compile_threads();
	printf("== channel abuse\n");
	test_channel_abuse();
	printf("== mutated requests\n");
	test_mutations(&basic);
	printf("== process\n");
	test_process(&basic);
	compiled *all[] = {&basic, &fuel, &start_trap, &start_host, &optc};
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
		free(all[i]->art);
		free(all[i]->fp);
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
