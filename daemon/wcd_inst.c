/*
 * wcd_inst.c - instances, calls and host calls (wcd_inst.h).
 */
#include "wcd_inst.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../runtime/rt_artifact_hdr.h"
#include "cmn_frame.h"
#include "pb_util.h"
#include "wasmc/v1/worker.pb-c.h"
#include "wcd_child.h"
#include "wcd_compile.h"
#include "wcd_log.h"
#include "wcd_proc.h"

/* Awake waits for a worker's reply (exchange): an instantiation's load
 * answers in ~200-400 us, a short relayed call in tens. */
#define WCD_LOAD_SPIN_US 600
#define WCD_CALL_SPIN_US 50

#define GONE_PIPES 4096

typedef struct inst {
	uint8_t handle[WCD_HANDLE_LEN];
	uint32_t owner, pipe;
	wcd_worker w;
	uint8_t digest[WCD_DIGEST_LEN];
	char *fp;
	unsigned refs; /* the registry's (while listed) + each request using it */
	bool listed;
	bool busy; /* a request is waiting on the worker */
	bool dead;
	bool killed; /* the daemon ended the worker on purpose */
	char reason[CMN_ERROR_MSG_MAX];
	uint8_t tokens[WCD_MAX_HOST_DEPTH][WCD_HANDLE_LEN]; /* pending host calls */
	unsigned depth;
	uint64_t deadline_ms;
	int64_t started;
	struct inst *next;
} inst;

typedef struct uidstat {
	uint32_t uid;
	unsigned instances; /* live + being created */
	unsigned calls;     /* requests waiting on a worker */
	struct uidstat *next;
} uidstat;

struct wcd_insts {
	pthread_mutex_t mu;
	wcd_pool *pool;
	wcd_cache *cache;
	unsigned max_instances, max_calls;
	size_t max_frame;
	inst *list;
	uidstat *uids;
	uint32_t ninst;
	uint32_t died;
	bool stopping;
	/* Connections open now: an instance whose client left while it was
	 * being made is ended at once, not kept without an owner. */
	uint32_t *pipes;
	size_t npipes, cap_pipes;
	/* Connections that went away lately: a request can be served before
	 * nng reports its connection (the pipe notification runs on another
	 * thread), so "not known yet" must not read as "gone". */
	uint32_t gone[GONE_PIPES];
	unsigned ngone, gone_at;
	/* The deadline watchdog (watch_main). */
	pthread_t watchdog;
	bool watching, watch_stop;
	pthread_cond_t watch_cv;
};

/* An unpacked worker reply and the budget it was allocated from. */
typedef struct owned_reply {
	pb_budget b;
	Wasmc__V1__Worker__ExecReply *rep;
} owned_reply;

static void owned_reply_free(void *p)
{
	owned_reply *o = p;
	if (!o)
		return;
	if (o->rep)
		wasmc__v1__worker__exec_reply__free_unpacked(o->rep, &o->b.alloc);
	free(o);
}

/* ---------------------------------------------------------------------------
 * Registry (lock held)
 */

static uidstat *uid_stat(wcd_insts *r, uint32_t uid, bool create)
{
	for (uidstat *u = r->uids; u; u = u->next)
		if (u->uid == uid)
			return u;
	if (!create)
		return NULL;
	uidstat *u = calloc(1, sizeof *u);
	if (!u)
		return NULL;
	u->uid = uid;
	u->next = r->uids;
	r->uids = u;
	return u;
}

static void uid_stat_trim(wcd_insts *r, uidstat *u)
{
	if (!u || u->instances || u->calls)
		return;
	for (uidstat **pp = &r->uids; *pp; pp = &(*pp)->next)
		if (*pp == u) {
			*pp = u->next;
			free(u);
			return;
		}
}

static inst *find_inst(wcd_insts *r, const uint8_t *h, size_t len)
{
	if (len != WCD_HANDLE_LEN)
		return NULL;
	for (inst *in = r->list; in; in = in->next)
		if (memcmp(in->handle, h, WCD_HANDLE_LEN) == 0)
			return in;
	return NULL;
}

static void free_inst(wcd_insts *r, inst *in)
{
	wcd_worker_end(&in->w);
	wcd_cache_release(r->cache, in->digest, in->fp);
	free(in->fp);
	free(in);
}

static void unref(wcd_insts *r, inst *in)
{
	if (--in->refs == 0)
		free_inst(r, in);
}

/* Takes `in` out of the registry (the registry's reference goes). */
static void unlist(wcd_insts *r, inst *in)
{
	if (!in->listed)
		return;
	for (inst **pp = &r->list; *pp; pp = &(*pp)->next)
		if (*pp == in) {
			*pp = in->next;
			break;
		}
	in->listed = false;
	r->ninst--;
	uidstat *u = uid_stat(r, in->owner, false);
	if (u && u->instances)
		u->instances--;
	uid_stat_trim(r, u);
	unref(r, in);
}

/* Ends the worker on purpose; the instance is dead with `reason`. */
static void kill_inst(inst *in, const char *reason)
{
	if (!in->dead) {
		in->dead = true;
		in->killed = true;
		snprintf(in->reason, sizeof in->reason, "%s", reason);
	}
	in->depth = 0;
	wcd_child_kill(in->w.pid);
}

/* ---------------------------------------------------------------------------
 * Talking to a worker
 */

enum { XCH_OK, XCH_DIED, XCH_TIMEOUT };

/* Allocation budget for unpacking a worker reply of n bytes: a value
 * costs protobuf-c ~60 bytes of structures for as little as 2 bytes of
 * input. */
static size_t reply_budget(size_t n)
{
	const size_t cap = (size_t)1 << 30;
	return n > (cap - 65536) / 32 ? cap : n * 32 + 65536;
}

/* Sends `req` (with `fd` when >= 0) and waits up to timeout_ms for one
 * well-formed reply. */
/* Sends `req` (with `fd` when >= 0) and waits for the worker's reply, at
 * most timeout_ms; awake (spinning) for the first spin_us microseconds,
 * since waking up from a sleep costs tens of microseconds on a virtual
 * machine and a load or a short call answers within a few hundred. */
static int exchange(wcd_insts *r, const wcd_worker *w, const Wasmc__V1__Worker__ExecRequest *req,
                    int fd, int64_t timeout_ms, unsigned spin_us, owned_reply **ret,
                    cmn_error *err)
{
	size_t len = wasmc__v1__worker__exec_request__get_packed_size(req);
	uint8_t *buf = malloc(len ? len : 1);
	if (!buf) {
		cmn_fail(err, "out of memory");
		return XCH_DIED;
	}
	wasmc__v1__worker__exec_request__pack(req, buf);
	bool sent = cmn_frame_send(w->sock, buf, len, fd, err);
	free(buf);
	if (!sent)
		return XCH_DIED;
	uint8_t *rbuf = NULL;
	size_t rlen = 0;
	int64_t until = wcd_mono_ms() + timeout_ms;
	int rc;
	(void)cmn_frame_spin(w->sock, spin_us);
	for (;;) {
		int64_t left = until - wcd_mono_ms();
		if (left <= 0)
			return XCH_TIMEOUT;
		/* Wait in slices so a very long deadline never overflows. */
		int slice = left > 60000 ? 60000 : (int)left;
		rc = cmn_frame_recv(w->sock, r->max_frame, slice, &rbuf, &rlen, NULL, err);
		if (rc != CMN_FRAME_TIMEOUT)
			break;
	}
	if (rc != CMN_FRAME_OK)
		return XCH_DIED;
	owned_reply *o = calloc(1, sizeof *o);
	if (!o) {
		free(rbuf);
		cmn_fail(err, "out of memory");
		return XCH_DIED;
	}
	pb_budget_init(&o->b, reply_budget(rlen));
	o->rep = wasmc__v1__worker__exec_reply__unpack(&o->b.alloc, rlen, rbuf);
	free(rbuf);
	if (!o->rep || !pb_message_utf8_valid(&o->rep->base, 8)) {
		owned_reply_free(o);
		cmn_fail(err, "worker sent a malformed reply");
		return XCH_DIED;
	}
	*ret = o;
	return XCH_OK;
}

/* How the worker ended (its wait status), waiting up to 1 s for it; a
 * worker that is alive but silent or garbled is killed. No lock held. */
static void worker_end_status(const inst *in, char *how, size_t n)
{
	int st;
	if (wcd_child_wait(in->w.pid, 1000, &st))
		wcd_child_describe(st, how, n);
	else {
		wcd_child_kill(in->w.pid);
		snprintf(how, n, "broken channel");
	}
}

/* The message for a worker that ended, with why the daemon ended it when
 * it did (registry lock held, or the instance not listed). */
static void died_message(const inst *in, const char *how, char *buf, size_t n)
{
	if (in->killed && in->reason[0])
		snprintf(buf, n, "worker died (%.60s): %.160s", how, in->reason);
	else
		snprintf(buf, n, "worker died (%.60s)", how);
}

/* ---------------------------------------------------------------------------
 * Instantiation
 */

typedef struct inst_reply {
	Wasmc__V1__Instance msg;
	uint8_t handle[WCD_HANDLE_LEN];
	owned_reply *o;
} inst_reply;

static void inst_reply_free(void *p)
{
	inst_reply *ir = p;
	owned_reply_free(ir->o);
	free(ir);
}

static wcd_code worker_error_code(const Wasmc__V1__Error *e)
{
	wcd_code c = e ? e->code : WASMC__V1__ERROR_CODE__INTERNAL;
	return c == WASMC__V1__ERROR_CODE__ERROR_NONE ? WASMC__V1__ERROR_CODE__INTERNAL : c;
}

static const char *worker_error_msg(const Wasmc__V1__Error *e)
{
	return e && e->message && *e->message ? e->message : "the worker failed";
}

static bool pipe_note(wcd_insts *r, uint32_t pipe);
static bool pipe_went(const wcd_insts *r, uint32_t pipe);

void wcd_inst_instantiate(wcd_insts *r, wcd_req *rq, const uint8_t *digest, const char *fp, int fd,
                          const Wasmc__V1__Instantiate *in)
{
	cmn_error err;
	inst *ni = calloc(1, sizeof *ni);
	if (!ni || !(ni->fp = strdup(fp))) {
		free(ni);
		wcd_cache_release(r->cache, digest, fp);
		wcd_req_error(rq, WASMC__V1__ERROR_CODE__INTERNAL, "out of memory");
		return;
	}
	memcpy(ni->digest, digest, WCD_DIGEST_LEN);
	ni->owner = rq->uid;
	ni->pipe = rq->pipe;
	ni->w.pid = 0;
	ni->w.sock = -1;
	ni->w.direct = -1;
	ni->w.watch = NULL;
	ni->refs = 1;
	ni->started = wcd_now();

	/* Quota: the slot is taken now, so concurrent instantiations count. */
	pthread_mutex_lock(&r->mu);
	uidstat *u = uid_stat(r, rq->uid, true);
	if (r->stopping || !u || u->instances >= r->max_instances) {
		bool stopping = r->stopping;
		uid_stat_trim(r, u);
		pthread_mutex_unlock(&r->mu);
		free_inst(r, ni);
		if (stopping)
			wcd_req_error(rq, WASMC__V1__ERROR_CODE__SHUTTING_DOWN,
			              "the daemon is stopping");
		else
			wcd_req_error(rq, WASMC__V1__ERROR_CODE__QUOTA_EXCEEDED,
			              "instance quota exceeded: max-instances is %u per uid",
			              r->max_instances);
		return;
	}
	u->instances++;
	pthread_mutex_unlock(&r->mu);

	owned_reply *o = NULL;
	Wasmc__V1__Worker__ImportBinding *binds = NULL, **bindp = NULL;
	wcd_code code = WASMC__V1__ERROR_CODE__ERROR_NONE;
	if (!wcd_pool_take(r->pool, &ni->w, &err)) {
		wcd_log(WCD_LOG_ERR, "%s", err.msg);
		wcd_req_error(rq, WASMC__V1__ERROR_CODE__INTERNAL,
		              "cannot start an exec worker: %s", err.msg);
		code = WASMC__V1__ERROR_CODE__INTERNAL;
		goto fail;
	}
	Wasmc__V1__InstanceLimits lim = WASMC__V1__INSTANCE_LIMITS__INIT;
	if (in->limits)
		lim = *in->limits;
	if (!lim.max_memory_bytes)
		lim.max_memory_bytes = WCD_DEFAULT_MAX_MEMORY;
	if (!lim.max_table_elems)
		lim.max_table_elems = WCD_DEFAULT_MAX_TABLE;
	if (!lim.deadline_ms)
		lim.deadline_ms = WCD_DEFAULT_DEADLINE_MS;
	ni->deadline_ms = lim.deadline_ms;
	binds = calloc(in->n_imports ? in->n_imports : 1, sizeof *binds);
	bindp = calloc(in->n_imports ? in->n_imports : 1, sizeof *bindp);
	if (!binds || !bindp) {
		wcd_req_error(rq, WASMC__V1__ERROR_CODE__INTERNAL, "out of memory");
		code = WASMC__V1__ERROR_CODE__INTERNAL;
		goto fail;
	}
	for (size_t i = 0; i < in->n_imports; i++) {
		wasmc__v1__worker__import_binding__init(&binds[i]);
		binds[i].module = in->imports[i]->module;
		binds[i].name = in->imports[i]->name;
		binds[i].func_id = in->imports[i]->func_id;
		binds[i].resource = in->imports[i]->resource;
		bindp[i] = &binds[i];
	}
	Wasmc__V1__Worker__ExecLoad load = WASMC__V1__WORKER__EXEC_LOAD__INIT;
	load.fingerprint = (char *)fp;
	load.key.data = (uint8_t *)wcd_cache_key(r->cache);
	load.key.len = WCD_KEY_LEN;
	load.limits = &lim;
	load.n_imports = in->n_imports;
	load.imports = bindp;
	load.guard_bytes = WCD_GUARD_BYTES;
	load.input_digest.data = (uint8_t *)digest;
	load.input_digest.len = WCD_DIGEST_LEN;
	/* A component's artifact is a container (runtime/rt_container.h). */
	rt_artifact_hdr *hdr = malloc(sizeof *hdr);
	load.component = hdr && rt_artifact_hdr_read_fd(fd, NULL, hdr, &err) &&
	                 (hdr->flags & RT_ARTIFACT_CONTAINER);
	free(hdr);
	Wasmc__V1__Worker__ExecRequest req = WASMC__V1__WORKER__EXEC_REQUEST__INIT;
	req.body_case = WASMC__V1__WORKER__EXEC_REQUEST__BODY_LOAD;
	req.load = &load;
	int x = exchange(r, &ni->w, &req, fd, WCD_LOAD_TIMEOUT_MS, WCD_LOAD_SPIN_US, &o, &err);
	if (x == XCH_TIMEOUT) {
		wcd_child_kill(ni->w.pid);
		wcd_req_error(rq, WASMC__V1__ERROR_CODE__WORKER_DIED,
		              "worker did not load the module within %d s (killed)",
		              WCD_LOAD_TIMEOUT_MS / 1000);
		code = WASMC__V1__ERROR_CODE__WORKER_DIED;
		goto fail;
	}
	if (x == XCH_DIED) {
		char msg[CMN_ERROR_MSG_MAX + 64], how[CMN_ERROR_MSG_MAX];
		worker_end_status(ni, how, sizeof how);
		died_message(ni, how, msg, sizeof msg);
		wcd_req_error(rq,
		              r->stopping ? WASMC__V1__ERROR_CODE__SHUTTING_DOWN
		                          : WASMC__V1__ERROR_CODE__WORKER_DIED,
		              "%s while loading the module", msg);
		code = WASMC__V1__ERROR_CODE__WORKER_DIED;
		goto fail;
	}
	if (o->rep->body_case == WASMC__V1__WORKER__EXEC_REPLY__BODY_ERROR) {
		code = worker_error_code(o->rep->error);
		wcd_req_error(rq, code, "%s", worker_error_msg(o->rep->error));
		goto fail;
	}
	if (o->rep->body_case != WASMC__V1__WORKER__EXEC_REPLY__BODY_LOADED) {
		code = WASMC__V1__ERROR_CODE__INTERNAL;
		wcd_req_error(rq, code, "the worker answered the load with something else");
		goto fail;
	}
	inst_reply *ir = calloc(1, sizeof *ir);
	if (!ir || !wcd_random(ni->handle, WCD_HANDLE_LEN)) {
		free(ir);
		code = WASMC__V1__ERROR_CODE__INTERNAL;
		wcd_req_error(rq, code, "cannot make a handle");
		goto fail;
	}
	free(binds);
	free(bindp);
	binds = NULL;
	bindp = NULL;
	wasmc__v1__instance__init(&ir->msg);
	memcpy(ir->handle, ni->handle, WCD_HANDLE_LEN);
	ir->msg.handle.data = ir->handle;
	ir->msg.handle.len = WCD_HANDLE_LEN;
	ir->msg.n_exports = o->rep->loaded->n_exports;
	ir->msg.exports = o->rep->loaded->exports;
	ir->msg.pid = (uint32_t)ni->w.pid;
	ir->o = o;
	pthread_mutex_lock(&r->mu);
	if (r->stopping) {
		pthread_mutex_unlock(&r->mu);
		inst_reply_free(ir);
		o = NULL;
		code = WASMC__V1__ERROR_CODE__SHUTTING_DOWN;
		wcd_req_error(rq, code, "the daemon is stopping");
		goto fail;
	}
	/* The client is here unless its connection went away (a connection
	 * nng has not reported yet is noted now, so that its end reaps). */
	bool client_here = !pipe_went(r, rq->pipe) && pipe_note(r, rq->pipe);
	if (!client_here) {
		pthread_mutex_unlock(&r->mu);
		inst_reply_free(ir);
		o = NULL;
		code = WASMC__V1__ERROR_CODE__WORKER_DIED;
		wcd_req_error(rq, code, "the client went away");
		goto fail;
	}
	ni->listed = true;
	ni->next = r->list;
	r->list = ni;
	r->ninst++;
	pthread_mutex_unlock(&r->mu);
	if (!wcd_req_defer(rq, inst_reply_free, ir))
		return;
	rq->resp.body_case = WASMC__V1__RESPONSE__BODY_INSTANCE;
	rq->resp.instance = &ir->msg;
	return;
fail:
	(void)code;
	free(binds);
	free(bindp);
	owned_reply_free(o);
	pthread_mutex_lock(&r->mu);
	u = uid_stat(r, rq->uid, false);
	if (u && u->instances)
		u->instances--;
	uid_stat_trim(r, u);
	pthread_mutex_unlock(&r->mu);
	free_inst(r, ni);
}

/* ---------------------------------------------------------------------------
 * Calls
 */

typedef struct call_reply {
	Wasmc__V1__CallReply msg;
	Wasmc__V1__HostCall host;
	uint8_t token[WCD_HANDLE_LEN];
	owned_reply *o;
} call_reply;

static void call_reply_free(void *p)
{
	call_reply *cr = p;
	owned_reply_free(cr->o);
	free(cr);
}

/* Finds the caller's instance and makes it busy (lock taken and released
 * here). NULL with the response filled when it cannot be used. */
static inst *begin(wcd_insts *r, wcd_req *rq, const ProtobufCBinaryData *handle,
                   const ProtobufCBinaryData *parent, const ProtobufCBinaryData *token)
{
	pthread_mutex_lock(&r->mu);
	inst *in = find_inst(r, handle->data, handle->len);
	uidstat *u = NULL;
	if (!in || in->owner != rq->uid) {
		wcd_req_error(rq, WASMC__V1__ERROR_CODE__NOT_FOUND, "instance not found");
		goto refuse;
	}
	if (r->stopping) {
		wcd_req_error(rq, WASMC__V1__ERROR_CODE__SHUTTING_DOWN, "the daemon is stopping");
		goto refuse;
	}
	if (in->dead) {
		wcd_req_error(rq, WASMC__V1__ERROR_CODE__INSTANCE_DEAD, "instance is dead: %s",
		              in->reason);
		goto refuse;
	}
	if (in->busy) {
		wcd_req_error(rq, WASMC__V1__ERROR_CODE__BUSY, "instance is running another call");
		goto refuse;
	}
	const uint8_t *top = in->depth ? in->tokens[in->depth - 1] : NULL;
	if (token) { /* HostReturn */
		if (!top || token->len != WCD_HANDLE_LEN ||
		    memcmp(token->data, top, WCD_HANDLE_LEN) != 0) {
			wcd_req_error(
			        rq, WASMC__V1__ERROR_CODE__NOT_FOUND,
			        top ? "host call not found: the token is not the innermost pending "
			              "host call"
			            : "host call not found: the instance has no pending host call");
			goto refuse;
		}
	} else if (parent && parent->len) { /* nested call */
		if (!top || parent->len != WCD_HANDLE_LEN ||
		    memcmp(parent->data, top, WCD_HANDLE_LEN) != 0) {
			wcd_req_error(rq, WASMC__V1__ERROR_CODE__BUSY,
			              "parent is not the instance's innermost pending host call");
			goto refuse;
		}
	} else if (top) {
		wcd_req_error(rq, WASMC__V1__ERROR_CODE__BUSY,
		              "instance is waiting for the result of a host call");
		goto refuse;
	}
	u = uid_stat(r, rq->uid, true);
	if (!u || u->calls >= r->max_calls) {
		uid_stat_trim(r, u);
		wcd_req_error(rq, WASMC__V1__ERROR_CODE__QUOTA_EXCEEDED,
		              "call quota exceeded: max-calls is %u calls in flight per uid",
		              r->max_calls);
		goto refuse;
	}
	u->calls++;
	if (token)
		in->depth--;
	in->busy = true;
	in->refs++;
	pthread_mutex_unlock(&r->mu);
	return in;
refuse:
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

/* Waits for the worker's answer to what was just sent and turns it into
 * the response; the instance stops being busy. */
static void finish(wcd_insts *r, wcd_req *rq, inst *in, int x, owned_reply *o, int64_t t0,
                   cmn_error *err)
{
	double secs = (double)(wcd_mono_ms() - t0) / 1000.0;
	call_reply *cr = NULL;
	char msg[CMN_ERROR_MSG_MAX + 64], how[CMN_ERROR_MSG_MAX];
	if (x == XCH_DIED)
		worker_end_status(in, how, sizeof how);
	else if (x == XCH_TIMEOUT) {
		wcd_child_kill(in->w.pid);
		int st;
		(void)wcd_child_wait(in->w.pid, 1000, &st);
	}
	pthread_mutex_lock(&r->mu);
	if (x == XCH_DIED) {
		died_message(in, how, msg, sizeof msg);
		bool unexpected = !in->killed && !r->stopping;
		if (unexpected) {
			r->died++;
			wcd_log(WCD_LOG_NOTICE, "instance of uid %u (pid %d): %s", in->owner,
			        (int)in->w.pid, msg);
		}
		in->dead = true;
		in->depth = 0;
		if (!in->reason[0])
			snprintf(in->reason, sizeof in->reason, "%.200s", msg);
		if (r->stopping)
			wcd_req_error(rq, WASMC__V1__ERROR_CODE__SHUTTING_DOWN,
			              "the daemon is stopping (%s)", msg);
		else
			wcd_req_error(rq, WASMC__V1__ERROR_CODE__WORKER_DIED, "%s", msg);
		(void)err;
		goto out;
	}
	cr = calloc(1, sizeof *cr);
	if (!cr) {
		wcd_req_error(rq, WASMC__V1__ERROR_CODE__INTERNAL, "out of memory");
		goto out;
	}
	wasmc__v1__call_reply__init(&cr->msg);
	cr->msg.worker_seconds = secs;
	static Wasmc__V1__Trap deadline_trap = WASMC__V1__TRAP__INIT;
	if (x == XCH_TIMEOUT) {
		kill_inst(in, "deadline exceeded");
		deadline_trap.code = WASMC__V1__TRAP_CODE__TRAP_DEADLINE;
		deadline_trap.message = "deadline exceeded";
		cr->msg.outcome_case = WASMC__V1__CALL_REPLY__OUTCOME_TRAP;
		cr->msg.trap = &deadline_trap;
		goto reply;
	}
	cr->o = o;
	o = NULL;
	Wasmc__V1__Worker__ExecReply *rep = cr->o->rep;
	switch (rep->body_case) {
	case WASMC__V1__WORKER__EXEC_REPLY__BODY_RESULTS:
		cr->msg.outcome_case = WASMC__V1__CALL_REPLY__OUTCOME_RESULTS;
		cr->msg.results = rep->results;
		break;
	case WASMC__V1__WORKER__EXEC_REPLY__BODY_TRAP:
		cr->msg.outcome_case = WASMC__V1__CALL_REPLY__OUTCOME_TRAP;
		cr->msg.trap = rep->trap;
		break;
	case WASMC__V1__WORKER__EXEC_REPLY__BODY_HOST_CALL:
		if (in->depth >= WCD_MAX_HOST_DEPTH || !wcd_random(cr->token, WCD_HANDLE_LEN)) {
			kill_inst(in, "host calls nested too deeply");
			call_reply_free(cr);
			cr = NULL;
			wcd_req_error(rq, WASMC__V1__ERROR_CODE__INSTANCE_DEAD,
			              "host calls nested deeper than %d: instance killed",
			              WCD_MAX_HOST_DEPTH);
			goto out;
		}
		memcpy(in->tokens[in->depth++], cr->token, WCD_HANDLE_LEN);
		wasmc__v1__host_call__init(&cr->host);
		cr->host.token.data = cr->token;
		cr->host.token.len = WCD_HANDLE_LEN;
		cr->host.func_id = rep->host_call->func_id;
		cr->host.n_args = rep->host_call->n_args;
		cr->host.args = rep->host_call->args;
		cr->host.n_cargs = rep->host_call->n_cargs;
		cr->host.cargs = rep->host_call->cargs;
		cr->host.resource_drop = rep->host_call->resource_drop;
		cr->host.depth = in->depth;
		cr->msg.outcome_case = WASMC__V1__CALL_REPLY__OUTCOME_HOST_CALL;
		cr->msg.host_call = &cr->host;
		break;
	case WASMC__V1__WORKER__EXEC_REPLY__BODY_ERROR:
		wcd_req_error(rq, worker_error_code(rep->error), "%s",
		              worker_error_msg(rep->error));
		call_reply_free(cr);
		cr = NULL;
		goto out;
	default:
		kill_inst(in, "the worker answered a call with something else");
		call_reply_free(cr);
		cr = NULL;
		wcd_req_error(rq, WASMC__V1__ERROR_CODE__INTERNAL,
		              "the worker answered a call with something else (instance killed)");
		goto out;
	}
	if (rep->fatal) {
		char why[CMN_ERROR_MSG_MAX];
		snprintf(why, sizeof why, "fatal trap: %s",
		         rep->trap && rep->trap->message ? rep->trap->message : "(no message)");
		kill_inst(in, why);
	}
reply:
	if (wcd_req_defer(rq, call_reply_free, cr)) {
		rq->resp.body_case = WASMC__V1__RESPONSE__BODY_CALL;
		rq->resp.call = &cr->msg;
	}
	cr = NULL;
out:
	owned_reply_free(o);
	in->busy = false;
	uidstat *u = uid_stat(r, in->owner, false);
	if (u && u->calls)
		u->calls--;
	uid_stat_trim(r, u);
	unref(r, in);
	pthread_mutex_unlock(&r->mu);
}

void wcd_inst_call(wcd_insts *r, wcd_req *rq, const Wasmc__V1__Call *c)
{
	inst *in = begin(r, rq, &c->instance, &c->parent, NULL);
	if (!in)
		return;
	Wasmc__V1__Worker__ExecCall call = WASMC__V1__WORKER__EXEC_CALL__INIT;
	call.export = c->export;
	call.n_args = c->n_args;
	call.args = c->args;
	call.n_cargs = c->n_cargs;
	call.cargs = c->cargs;
	call.deadline_ms = in->deadline_ms;
	Wasmc__V1__Worker__ExecRequest req = WASMC__V1__WORKER__EXEC_REQUEST__INIT;
	req.body_case = WASMC__V1__WORKER__EXEC_REQUEST__BODY_CALL;
	req.call = &call;
	owned_reply *o = NULL;
	cmn_error err;
	int64_t t0 = wcd_mono_ms();
	int x = exchange(r, &in->w, &req, -1, (int64_t)in->deadline_ms + 1000, WCD_CALL_SPIN_US, &o,
	                 &err);
	finish(r, rq, in, x, o, t0, &err);
}

void wcd_inst_host_return(wcd_insts *r, wcd_req *rq, const Wasmc__V1__HostReturn *h)
{
	if (h->outcome_case != WASMC__V1__HOST_RETURN__OUTCOME_RESULTS &&
	    h->outcome_case != WASMC__V1__HOST_RETURN__OUTCOME_TRAP) {
		wcd_req_error(rq, WASMC__V1__ERROR_CODE__BAD_REQUEST,
		              "host_return: results or trap is required");
		return;
	}
	inst *in = begin(r, rq, &h->instance, NULL, &h->token);
	if (!in)
		return;
	Wasmc__V1__Worker__ExecHostReturn hr = WASMC__V1__WORKER__EXEC_HOST_RETURN__INIT;
	if (h->outcome_case == WASMC__V1__HOST_RETURN__OUTCOME_RESULTS) {
		hr.outcome_case = WASMC__V1__WORKER__EXEC_HOST_RETURN__OUTCOME_RESULTS;
		hr.results = h->results;
	} else {
		hr.outcome_case = WASMC__V1__WORKER__EXEC_HOST_RETURN__OUTCOME_TRAP;
		hr.trap = h->trap;
	}
	Wasmc__V1__Worker__ExecRequest req = WASMC__V1__WORKER__EXEC_REQUEST__INIT;
	req.body_case = WASMC__V1__WORKER__EXEC_REQUEST__BODY_HOST_RETURN;
	req.host_return = &hr;
	owned_reply *o = NULL;
	cmn_error err;
	int64_t t0 = wcd_mono_ms();
	int x = exchange(r, &in->w, &req, -1, (int64_t)in->deadline_ms + 1000, WCD_CALL_SPIN_US, &o,
	                 &err);
	finish(r, rq, in, x, o, t0, &err);
}

/* ---------------------------------------------------------------------------
 * Drop, list, kill
 */

uint8_t wcd_inst_take_direct(wcd_insts *r, uint32_t uid, const uint8_t *handle, int *ret_fd)
{
	pthread_mutex_lock(&r->mu);
	inst *in = find_inst(r, handle, WCD_HANDLE_LEN);
	uint8_t st = WCD_DIRECT_NOT_FOUND;
	if (in && in->owner == uid) {
		st = WCD_DIRECT_UNAVAILABLE;
		if (!in->dead && in->w.direct >= 0) {
			*ret_fd = in->w.direct;
			in->w.direct = -1;
			st = WCD_DIRECT_OK;
		}
	}
	pthread_mutex_unlock(&r->mu);
	return st;
}

bool wcd_inst_drop(wcd_insts *r, wcd_req *rq, const uint8_t *handle, size_t len)
{
	pthread_mutex_lock(&r->mu);
	inst *in = find_inst(r, handle, len);
	if (!in || in->owner != rq->uid) {
		pthread_mutex_unlock(&r->mu);
		return false;
	}
	kill_inst(in, "dropped");
	unlist(r, in);
	pthread_mutex_unlock(&r->mu);
	rq->resp.body_case = WASMC__V1__RESPONSE__BODY_OK;
	static Wasmc__V1__Empty empty = WASMC__V1__EMPTY__INIT;
	rq->resp.ok = &empty;
	return true;
}

typedef struct proc_reply {
	Wasmc__V1__ProcessListReply msg;
	Wasmc__V1__Process *procs;
	Wasmc__V1__Process **ptrs;
	uint8_t (*handles)[WCD_HANDLE_LEN];
	uint8_t (*digests)[WCD_DIGEST_LEN];
} proc_reply;

static void proc_reply_free(void *p)
{
	proc_reply *pr = p;
	free(pr->procs);
	free(pr->ptrs);
	free(pr->handles);
	free(pr->digests);
	free(pr);
}

static const char *state_name(const inst *in)
{
	if (in->dead)
		return "dead";
	if (in->busy)
		return "running";
	if (in->depth)
		return "host-call";
	return "idle";
}

void wcd_inst_list(wcd_insts *r, wcd_req *rq)
{
	proc_reply *pr = calloc(1, sizeof *pr);
	if (!pr) {
		wcd_req_error(rq, WASMC__V1__ERROR_CODE__INTERNAL, "out of memory");
		return;
	}
	wasmc__v1__process_list_reply__init(&pr->msg);
	pthread_mutex_lock(&r->mu);
	size_t n = 0;
	for (inst *in = r->list; in; in = in->next)
		n += rq->root || in->owner == rq->uid;
	size_t cap = n ? n : 1;
	pr->procs = calloc(cap, sizeof *pr->procs);
	pr->ptrs = calloc(cap, sizeof *pr->ptrs);
	pr->handles = calloc(cap, sizeof *pr->handles);
	pr->digests = calloc(cap, sizeof *pr->digests);
	size_t i = 0;
	if (pr->procs && pr->ptrs && pr->handles && pr->digests)
		for (inst *in = r->list; in && i < n; in = in->next) {
			if (!(rq->root || in->owner == rq->uid))
				continue;
			Wasmc__V1__Process *p = &pr->procs[i];
			wasmc__v1__process__init(p);
			memcpy(pr->handles[i], in->handle, WCD_HANDLE_LEN);
			memcpy(pr->digests[i], in->digest, WCD_DIGEST_LEN);
			p->instance.data = pr->handles[i];
			p->instance.len = WCD_HANDLE_LEN;
			p->digest.data = pr->digests[i];
			p->digest.len = WCD_DIGEST_LEN;
			p->pid = (uint32_t)in->w.pid;
			p->owner = in->owner;
			p->state = (char *)state_name(in);
			p->started = in->started;
			pr->ptrs[i++] = p;
		}
	pthread_mutex_unlock(&r->mu);
	if (!pr->procs || !pr->ptrs || !pr->handles || !pr->digests) {
		proc_reply_free(pr);
		wcd_req_error(rq, WASMC__V1__ERROR_CODE__INTERNAL, "out of memory");
		return;
	}
	for (size_t k = 0; k < i; k++) {
		Wasmc__V1__Process *p = &pr->procs[k];
		if (strcmp(p->state, "dead") != 0) {
			p->memory_bytes = wcd_proc_rss((pid_t)p->pid);
			p->cpu_ns = wcd_proc_cpu_ns((pid_t)p->pid);
		}
	}
	pr->msg.n_processes = i;
	pr->msg.processes = pr->ptrs;
	if (wcd_req_defer(rq, proc_reply_free, pr)) {
		rq->resp.body_case = WASMC__V1__RESPONSE__BODY_PROCESS_LIST;
		rq->resp.process_list = &pr->msg;
	}
}

void wcd_inst_kill(wcd_insts *r, wcd_req *rq, const Wasmc__V1__ProcessKill *k)
{
	pthread_mutex_lock(&r->mu);
	inst *in = find_inst(r, k->instance.data, k->instance.len);
	if (!in || !(rq->root || in->owner == rq->uid)) {
		pthread_mutex_unlock(&r->mu);
		wcd_req_error(rq, WASMC__V1__ERROR_CODE__NOT_FOUND, "instance not found");
		return;
	}
	char why[64];
	snprintf(why, sizeof why, "killed by uid %u", rq->uid);
	kill_inst(in, why);
	wcd_log(WCD_LOG_INFO, "instance of uid %u (pid %d) %s", in->owner, (int)in->w.pid, why);
	pthread_mutex_unlock(&r->mu);
	static Wasmc__V1__Empty empty = WASMC__V1__EMPTY__INIT;
	rq->resp.body_case = WASMC__V1__RESPONSE__BODY_OK;
	rq->resp.ok = &empty;
}

/* Records `pipe` as connected (once); r->mu held. False when out of
 * memory. */
static bool pipe_note(wcd_insts *r, uint32_t pipe)
{
	for (size_t i = 0; i < r->npipes; i++)
		if (r->pipes[i] == pipe)
			return true;
	if (r->npipes == r->cap_pipes) {
		size_t cap = r->cap_pipes ? 2 * r->cap_pipes : 64;
		uint32_t *p = realloc(r->pipes, cap * sizeof *p);
		if (!p)
			return false;
		r->pipes = p;
		r->cap_pipes = cap;
	}
	r->pipes[r->npipes++] = pipe;
	return true;
}

static bool pipe_went(const wcd_insts *r, uint32_t pipe)
{
	for (unsigned i = 0; i < r->ngone; i++)
		if (r->gone[i] == pipe)
			return true;
	return false;
}

void wcd_insts_pipe_added(wcd_insts *r, uint32_t pipe)
{
	pthread_mutex_lock(&r->mu);
	bool ok = pipe_note(r, pipe);
	pthread_mutex_unlock(&r->mu);
	if (!ok)
		wcd_log(WCD_LOG_ERR, "out of memory recording a connection");
}

void wcd_insts_pipe_gone(wcd_insts *r, uint32_t pipe)
{
	pthread_mutex_lock(&r->mu);
	for (size_t i = 0; i < r->npipes; i++)
		if (r->pipes[i] == pipe) {
			r->pipes[i] = r->pipes[--r->npipes];
			break;
		}
	r->gone[r->gone_at] = pipe;
	r->gone_at = (r->gone_at + 1) % GONE_PIPES;
	if (r->ngone < GONE_PIPES)
		r->ngone++;
	inst *in = r->list;
	while (in) {
		inst *next = in->next;
		if (in->pipe == pipe) {
			kill_inst(in, "the client went away");
			unlist(r, in);
		}
		in = next;
	}
	pthread_mutex_unlock(&r->mu);
}

/* ---------------------------------------------------------------------------
 * Life cycle
 */

/* Every WATCH_MS: a worker still past the deadline of its calls (its
 * deadline page, ExecWatch) WATCH_GRACE_MS later is killed. Calls through
 * the daemon have the same backstop in exchange(); this one covers the
 * direct channel, where the daemon sees no call. */
#define WATCH_MS 200
#define WATCH_GRACE_MS 1000

static void *watch_main(void *arg)
{
	wcd_insts *r = arg;
	pthread_mutex_lock(&r->mu);
	while (!r->watch_stop) {
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		uint64_t ns = (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
		for (inst *in = r->list; in; in = in->next) {
			uint64_t d = in->w.watch ? __atomic_load_n(in->w.watch, __ATOMIC_RELAXED) : 0;
			if (!in->dead && d && ns > d + (uint64_t)WATCH_GRACE_MS * 1000000ull) {
				wcd_log(WCD_LOG_WARNING,
				        "instance of uid %u: its worker %d did not stop at its deadline: killed",
				        in->owner, (int)in->w.pid);
				kill_inst(in, "deadline exceeded (the worker did not stop: killed)");
			}
		}
		struct timespec until = now;
		until.tv_nsec += WATCH_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&r->watch_cv, &r->mu, &until);
	}
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

bool wcd_insts_new(const wcd_config *cfg, wcd_pool *pool, wcd_cache *cache, wcd_insts **ret,
                   cmn_error *err)
{
	wcd_insts *r = calloc(1, sizeof *r);
	if (!r)
		return cmn_fail(err, "out of memory");
	pthread_mutex_init(&r->mu, NULL);
	r->pool = pool;
	r->cache = cache;
	r->max_instances = cfg->max_instances;
	r->max_calls = cfg->max_calls;
	r->max_frame = cfg->max_request_bytes + ((size_t)1 << 20);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&r->watch_cv, &ca);
	pthread_condattr_destroy(&ca);
	int e = pthread_create(&r->watchdog, NULL, watch_main, r);
	if (e)
		wcd_log(WCD_LOG_WARNING, "no deadline watchdog: %s", strerror(e));
	r->watching = e == 0;
	*ret = r;
	return true;
}

void wcd_insts_stop(wcd_insts *r)
{
	pthread_mutex_lock(&r->mu);
	r->stopping = true;
	for (inst *in = r->list; in; in = in->next)
		kill_inst(in, "the daemon is stopping");
	pthread_mutex_unlock(&r->mu);
}

void wcd_insts_free(wcd_insts *r)
{
	if (!r)
		return;
	if (r->watching) {
		pthread_mutex_lock(&r->mu);
		r->watch_stop = true;
		pthread_cond_signal(&r->watch_cv);
		pthread_mutex_unlock(&r->mu);
		pthread_join(r->watchdog, NULL);
		r->watching = false;
	}
	pthread_mutex_lock(&r->mu);
	while (r->list) {
		inst *in = r->list;
		kill_inst(in, "the daemon is stopping");
		unlist(r, in);
	}
	while (r->uids) {
		uidstat *u = r->uids;
		r->uids = u->next;
		free(u);
	}
	free(r->pipes);
	pthread_mutex_unlock(&r->mu);
	pthread_mutex_destroy(&r->mu);
	pthread_cond_destroy(&r->watch_cv);
	free(r);
}

void wcd_insts_stats(wcd_insts *r, uint32_t *ret_instances, uint32_t *ret_died)
{
	pthread_mutex_lock(&r->mu);
	*ret_instances = r->ninst;
	*ret_died = r->died;
	pthread_mutex_unlock(&r->mu);
}
