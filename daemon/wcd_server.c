/*
 * wcd_server.c - nng REP server with one context per thread (wcd_server.h).
 */
#include "wcd_server.h"

#include <errno.h>
#include <malloc.h>
#include <grp.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>

#include "pb_util.h"
#include "wcd_decode.h"
#include "wcd_inst.h"
#include "wcd_direct.h"
#include "wcd_log.h"

/* Allocation budget of one request: protobuf-c's structures for n bytes of
 * input, with room for many small elements, capped. */

/* Requests at least this big are followed by malloc_trim. */
#define TRIM_AFTER_BYTES ((size_t)256 << 10)

/* The listener watchdog (see listen_watch): probe period, probe timeout,
 * failed probes in a row before the listener is replaced. */
#define WATCH_PERIOD_MS 2000
#define PROBE_TIMEOUT_MS 3000
#define PROBE_FAILURES 2

struct wcd_server {
	wcd_daemon *d;
	nng_socket sock;
	nng_listener listener;
	bool listening;
	char *path;
	gid_t gid; /* socket group, or (gid_t)-1 */
	wcd_direct *direct; /* the direct channel handout, or NULL */
	pthread_t *threads;
	unsigned nthreads;
	uid_t self;
	/* The watchdog thread and what it needs. */
	pthread_t watch;
	bool watching;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;
	unsigned replaced; /* listeners replaced so far */
	unsigned bound;    /* listeners created so far (names their paths) */
	/* Connections accepted by the current listener and by the one it
	 * replaced (kept open while it still has connections). */
	int cur_pipes;
	bool has_retired;
	nng_listener retired;
	int retired_pipes;
};

/* ---------------------------------------------------------------------------
 * One request
 */

static uint8_t *pack_response(const Wasmc__V1__Response *resp, size_t *ret_len)
{
	size_t len = wasmc__v1__response__get_packed_size(resp);
	uint8_t *buf = malloc(len ? len : 1);
	if (!buf)
		return NULL;
	wasmc__v1__response__pack(resp, buf);
	*ret_len = len;
	return buf;
}

/* Serves the request in `msg` (borrowed); returns the reply message. */
static nng_msg *serve_one(wcd_server *s, nng_msg *msg)
{
	wcd_daemon *d = s->d;
	nng_pipe p = nng_msg_get_pipe(msg);
	uint64_t uid64 = 0;
	wcd_req rq;
	int rv = nng_pipe_get_uint64(p, NNG_OPT_IPC_PEER_UID, &uid64);
	wcd_req_init(&rq, (uint32_t)uid64, (uint32_t)nng_pipe_id(p));
	rq.root = uid64 == 0 || uid64 == (uint64_t)s->self;
	size_t len = nng_msg_len(msg);
	const uint8_t *body = nng_msg_body(msg);
	atomic_fetch_add(&d->requests, 1);
	Wasmc__V1__Request *req = NULL;
	pb_budget b;
	char why[CMN_ERROR_MSG_MAX];
	Wasmc__V1__ErrorCode code;
	if (rv != 0 || uid64 > UINT32_MAX) {
		pb_budget_init(&b, 0);
		wcd_req_error(&rq, WASMC__V1__ERROR_CODE__PERMISSION_DENIED,
		              "cannot tell who is connected (%s)",
		              rv ? nng_strerror(rv) : "bad uid");
	} else if ((code = wcd_request_decode(body, len, d->cfg.max_request_bytes, &b, &req, why,
	                                      sizeof why)) != WASMC__V1__ERROR_CODE__ERROR_NONE) {
		wcd_req_error(&rq, code, "%s", why);
	} else {
		wcd_dispatch(d, &rq, req);
	}
	if (rq.resp.body_case == WASMC__V1__RESPONSE__BODY__NOT_SET)
		wcd_req_error(&rq, WASMC__V1__ERROR_CODE__INTERNAL, "internal: no response");
	if (rq.resp.body_case == WASMC__V1__RESPONSE__BODY_ERROR)
		wcd_log(rq.error.code == WASMC__V1__ERROR_CODE__INTERNAL ? WCD_LOG_ERR
		                                                         : WCD_LOG_DEBUG,
		        "uid %u: request %d: error %d: %s", rq.uid, req ? (int)req->body_case : -1,
		        (int)rq.error.code, rq.errmsg);
	size_t olen = 0;
	uint8_t *out = pack_response(&rq.resp, &olen);
	wcd_req_finish(&rq);
	if (req)
		wasmc__v1__request__free_unpacked(req, &b.alloc);
	/* A big request leaves many freed chunks (an upload's copy, or
	 * hundreds of thousands of small structures): hand the free pages
	 * back, so hostile traffic does not ratchet the resident set up. */
	if (len >= TRIM_AFTER_BYTES)
		malloc_trim(0);
	nng_msg *reply = NULL;
	if (!out || nng_msg_alloc(&reply, 0) != 0 || nng_msg_append(reply, out, olen) != 0) {
		if (reply)
			nng_msg_free(reply);
		reply = NULL;
		wcd_log(WCD_LOG_ERR, "out of memory packing a reply of %zu bytes", olen);
	}
	free(out);
	return reply;
}

static void *serve(void *arg)
{
	wcd_server *s = arg;
	nng_ctx ctx;
	nng_aio *aio;
	int rv = nng_ctx_open(&ctx, s->sock);
	if (rv != 0) {
		wcd_log(WCD_LOG_ERR, "nng_ctx_open: %s", nng_strerror(rv));
		return NULL;
	}
	if ((rv = nng_aio_alloc(&aio, NULL, NULL)) != 0) {
		wcd_log(WCD_LOG_ERR, "nng_aio_alloc: %s", nng_strerror(rv));
		nng_ctx_close(ctx);
		return NULL;
	}
	for (;;) {
		nng_ctx_recv(ctx, aio);
		nng_aio_wait(aio);
		rv = nng_aio_result(aio);
		if (rv == NNG_ECLOSED)
			break;
		if (rv != 0)
			continue;
		nng_msg *msg = nng_aio_get_msg(aio);
		atomic_fetch_add(&s->d->in_flight, 1);
		nng_msg *reply = serve_one(s, msg);
		nng_msg_free(msg);
		if (reply) {
			nng_aio_set_msg(aio, reply);
			nng_ctx_send(ctx, aio);
			nng_aio_wait(aio);
			if (nng_aio_result(aio) != 0)
				nng_msg_free(reply);
		}
		atomic_fetch_sub(&s->d->in_flight, 1);
	}
	nng_aio_free(aio);
	nng_ctx_close(ctx);
	return NULL;
}

/* ---------------------------------------------------------------------------
 * Connections
 */

static void pipe_event(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	wcd_server *s = arg;
	wcd_daemon *d = s->d;
	int delta = ev == NNG_PIPE_EV_ADD_POST ? 1 : ev == NNG_PIPE_EV_REM_POST ? -1 : 0;
	int lid = nng_listener_id(nng_pipe_listener(p));
	pthread_mutex_lock(&s->mu);
	if (lid == nng_listener_id(s->listener))
		s->cur_pipes += delta;
	else if (s->has_retired && lid == nng_listener_id(s->retired))
		s->retired_pipes += delta;
	pthread_mutex_unlock(&s->mu);
	if (ev == NNG_PIPE_EV_ADD_POST) {
		atomic_fetch_add(&d->connections, 1);
		wcd_insts_pipe_added(d->insts, (uint32_t)nng_pipe_id(p));
	} else if (ev == NNG_PIPE_EV_REM_POST) {
		atomic_fetch_sub(&d->connections, 1);
		wcd_insts_pipe_gone(d->insts, (uint32_t)nng_pipe_id(p));
	}
}

/* True when something accepts connections on `path`. */
static bool socket_alive(const char *path)
{
	struct sockaddr_un sa;
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sa.sun_path)
		return false;
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	bool alive = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
	close(fd);
	return alive;
}

/* The group of --socket-group, or (gid_t)-1 when none is configured. */
static bool socket_gid(const char *group, gid_t *ret, cmn_error *err)
{
	*ret = (gid_t)-1;
	if (!group)
		return true;
	struct group *g = getgrnam(group);
	if (!g)
		return cmn_fail(err, "socket-group: no group named \"%s\"", group);
	*ret = g->gr_gid;
	return true;
}

static bool prepare_path(const char *path, gid_t gid, cmn_error *err)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	if (path[0] != '/' || !slash)
		return cmn_fail(err, "socket path must be absolute: %s", path);
	if (strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return cmn_fail(err, "socket path is too long for a unix socket: %s", path);
	snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
	if (dir[0]) {
		struct stat st;
		bool existed = stat(dir, &st) == 0;
		if (!wcd_mkdirs(dir, 0750, err))
			return false;
		if (!existed && chmod(dir, 0750) != 0)
			return cmn_fail(err, "cannot chmod %s: %s", dir, strerror(errno));
		if (gid != (gid_t)-1 && chown(dir, (uid_t)-1, gid) != 0)
			return cmn_fail(err, "cannot give %s to the socket group: %s", dir,
			                strerror(errno));
	}
	struct stat st;
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return cmn_fail(err, "%s exists and is not a socket", path);
		if (socket_alive(path))
			return cmn_fail(err, "another daemon is listening on %s", path);
		if (unlink(path) != 0)
			return cmn_fail(err, "cannot remove the stale socket %s: %s", path,
			                strerror(errno));
	}
	return true;
}

/* Creates and starts a listener of s->sock bound to `path` (0660, the
 * socket group). */
static int listen_at(wcd_server *s, const char *path, nng_listener *ret)
{
	char url[PATH_MAX + 8];
	nng_listener l;
	int rv;
	snprintf(url, sizeof url, "ipc://%s", path);
	if ((rv = nng_listener_create(&l, s->sock, url)) != 0)
		return rv;
	if ((rv = nng_listener_set_int(l, NNG_OPT_IPC_PERMISSIONS, 0660)) != 0)
		wcd_log(WCD_LOG_WARNING, "ipc permissions: %s", nng_strerror(rv));
	if ((rv = nng_listener_start(l, 0)) != 0) {
		nng_listener_close(l);
		return rv;
	}
	(void)chmod(path, 0660);
	if (s->gid != (gid_t)-1 && chown(path, (uid_t)-1, s->gid) != 0)
		wcd_log(WCD_LOG_WARNING, "cannot give %s to the socket group: %s", path,
		        strerror(errno));
	*ret = l;
	return 0;
}

/* A new listener reachable at s->path: bound to a path of its own beside
 * it, then renamed over it. nng unlinks a listener's path when the
 * listener closes: with its own (already renamed) path, closing a listener
 * never removes the socket file another listener answers at. */
static int listen_fresh(wcd_server *s, nng_listener *ret)
{
	char tmp[PATH_MAX];
	snprintf(tmp, sizeof tmp, "%s.%ld.%u", s->path, (long)getpid(), ++s->bound);
	(void)unlink(tmp);
	nng_listener l;
	int rv = listen_at(s, tmp, &l);
	if (rv != 0)
		return rv;
	if (rename(tmp, s->path) != 0) {
		rv = NNG_ESYSERR + errno;
		nng_listener_close(l);
		return rv;
	}
	*ret = l;
	return 0;
}

/* One probe of the socket file as a client sees it: a new connection, a
 * Hello, its answer. */
static bool probe(const char *path)
{
	nng_socket q;
	if (nng_req0_open(&q) != 0)
		return true; /* cannot tell: not the listener's fault */
	char url[PATH_MAX + 8];
	snprintf(url, sizeof url, "ipc://%s", path);
	nng_socket_set_ms(q, NNG_OPT_RECVTIMEO, PROBE_TIMEOUT_MS);
	nng_socket_set_ms(q, NNG_OPT_SENDTIMEO, PROBE_TIMEOUT_MS);
	nng_socket_set_ms(q, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE);
	Wasmc__V1__Request req = WASMC__V1__REQUEST__INIT;
	Wasmc__V1__Hello hello = WASMC__V1__HELLO__INIT;
	hello.protocol = 1;
	hello.client = "wasmcd listener probe";
	req.body_case = WASMC__V1__REQUEST__BODY_HELLO;
	req.hello = &hello;
	uint8_t buf[64];
	size_t n = wasmc__v1__request__get_packed_size(&req);
	bool ok = false;
	if (n <= sizeof buf && nng_dial(q, url, NULL, NNG_FLAG_NONBLOCK) == 0) {
		wasmc__v1__request__pack(&req, buf);
		void *reply = NULL;
		size_t rlen = 0;
		if (nng_send(q, buf, n, 0) == 0 && nng_recv(q, &reply, &rlen, NNG_FLAG_ALLOC) == 0) {
			ok = true;
			nng_free(reply, rlen);
		}
	}
	nng_close(q);
	return ok;
}

/* Replaces a listener that stopped accepting (s->mu held): a new one
 * takes over the socket file; the old one keeps the connections it
 * accepted and is closed (with the handshakes stuck in it) once they are
 * gone. A second failure while one is still kept closes that one at once.
 * Returns a listener to close after unlocking, or a zero id. */
static nng_listener replace_listener(wcd_server *s)
{
	nng_listener drop = NNG_LISTENER_INITIALIZER;
	nng_listener l;
	int rv = listen_fresh(s, &l);
	if (rv != 0) {
		wcd_log(WCD_LOG_ERR, "cannot start a new listener on %s: %s", s->path,
		        nng_strerror(rv));
		return drop;
	}
	if (s->has_retired) {
		drop = s->retired;
		wcd_log(WCD_LOG_WARNING, "closing an older stuck listener with %d connections",
		        s->retired_pipes);
	}
	s->retired = s->listener;
	s->retired_pipes = s->cur_pipes;
	s->has_retired = true;
	s->listener = l;
	s->cur_pipes = 0;
	s->replaced++;
	wcd_log(WCD_LOG_WARNING,
	        "the listener on %s stopped accepting connections (nng 1.5.2: a peer that "
	        "disconnects during the handshake, nng issue #1518); replaced it (%u so far)",
	        s->path, s->replaced);
	return drop;
}

/* Watchdog (it also trims the malloc arenas when no request is in
 * flight): nng 1.5.2's ipc listener stops accepting after some
 * disconnects during the handshake. Every WATCH_PERIOD_MS the daemon
 * connects to its own socket; after PROBE_FAILURES failed probes in a row
 * the listener is replaced. */
static void *listen_watch(void *arg)
{
	wcd_server *s = arg;
	unsigned failures = 0;
	pthread_mutex_lock(&s->mu);
	while (!s->stop) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += WATCH_PERIOD_MS / 1000;
		until.tv_nsec += (long)(WATCH_PERIOD_MS % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&s->cv, &s->mu, &until);
		if (s->stop || !s->listening || atomic_load(&s->d->stopping))
			continue;
		pthread_mutex_unlock(&s->mu);
		bool ok = probe(s->path);
		/* At rest the daemon gives freed memory back (a burst of large
		 * requests leaves free blocks in the malloc arenas). */
		if (atomic_load(&s->d->in_flight) == 0)
			malloc_trim(0);
		pthread_mutex_lock(&s->mu);
		failures = ok ? 0 : failures + 1;
		nng_listener drop = NNG_LISTENER_INITIALIZER;
		if (failures >= PROBE_FAILURES && !s->stop && s->listening) {
			drop = replace_listener(s);
			failures = 0;
		} else if (s->has_retired && s->retired_pipes <= 0) {
			drop = s->retired;
			s->has_retired = false;
			wcd_log(WCD_LOG_INFO, "closed the replaced listener (no connections left)");
		}
		if (nng_listener_id(drop) > 0) {
			/* Closing calls back into pipe_event: not under s->mu. */
			pthread_mutex_unlock(&s->mu);
			nng_listener_close(drop);
			pthread_mutex_lock(&s->mu);
		}
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

bool wcd_server_start(wcd_daemon *d, wcd_server **ret, cmn_error *err)
{
	wcd_server *s = calloc(1, sizeof *s);
	if (!s || !(s->path = strdup(d->cfg.socket))) {
		free(s);
		return cmn_fail(err, "out of memory");
	}
	s->d = d;
	s->self = getuid();
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	int rv;
	gid_t gid;
	if (!socket_gid(d->cfg.socket_group, &gid, err) || !prepare_path(s->path, gid, err))
		goto fail_free;
	if ((rv = nng_rep0_open(&s->sock)) != 0) {
		cmn_fail(err, "nng_rep0_open: %s", nng_strerror(rv));
		goto fail_free;
	}
	size_t maxsz = (size_t)d->cfg.max_request_bytes + ((size_t)1 << 20);
	if ((rv = nng_socket_set_size(s->sock, NNG_OPT_RECVMAXSZ, maxsz)) != 0 ||
	    (rv = nng_pipe_notify(s->sock, NNG_PIPE_EV_ADD_POST, pipe_event, s)) != 0 ||
	    (rv = nng_pipe_notify(s->sock, NNG_PIPE_EV_REM_POST, pipe_event, s)) != 0) {
		cmn_fail(err, "nng socket options: %s", nng_strerror(rv));
		goto fail_close;
	}
	s->gid = gid;
	if ((rv = listen_fresh(s, &s->listener)) != 0) {
		cmn_fail(err, "cannot listen on ipc://%s: %s", s->path, nng_strerror(rv));
		goto fail_close;
	}
	s->listening = true;
	/* Without it calls still work, through the daemon. */
	cmn_error derr;
	if (!wcd_direct_start(d->insts, s->path, gid, &s->direct, &derr))
		wcd_log(WCD_LOG_WARNING, "no direct call channels: %s", derr.msg);
	s->nthreads = d->cfg.threads;
	s->threads = calloc(s->nthreads, sizeof *s->threads);
	if (!s->threads) {
		cmn_fail(err, "out of memory");
		goto fail_close;
	}
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, (size_t)1 << 20);
	for (unsigned i = 0; i < s->nthreads; i++) {
		int e = pthread_create(&s->threads[i], &attr, serve, s);
		if (e) {
			pthread_attr_destroy(&attr);
			s->nthreads = i;
			cmn_fail(err, "cannot start server thread %u: %s", i, strerror(e));
			goto fail_close;
		}
	}
	pthread_attr_destroy(&attr);
	int e = pthread_create(&s->watch, NULL, listen_watch, s);
	if (e)
		wcd_log(WCD_LOG_WARNING, "no listener watchdog: %s", strerror(e));
	s->watching = e == 0;
	*ret = s;
	return true;
fail_close:
	nng_close(s->sock);
	for (unsigned i = 0; i < s->nthreads; i++)
		pthread_join(s->threads[i], NULL);
	wcd_direct_free(s->direct);
	unlink(s->path);
fail_free:
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
	free(s->threads);
	free(s->path);
	free(s);
	return false;
}

void wcd_server_stop_listening(wcd_server *s)
{
	/* Closing the nng listener would close the connections it accepted
	 * (and lose the answers in flight): new clients find no socket file,
	 * open connections get their answers. */
	if (s && s->listening) {
		pthread_mutex_lock(&s->mu);
		unlink(s->path);
		s->listening = false;
		pthread_mutex_unlock(&s->mu);
	}
	if (s)
		wcd_direct_stop_listening(s->direct);
}

void wcd_server_free(wcd_server *s)
{
	if (!s)
		return;
	if (s->watching) {
		pthread_mutex_lock(&s->mu);
		s->stop = true;
		pthread_cond_signal(&s->cv);
		pthread_mutex_unlock(&s->mu);
		pthread_join(s->watch, NULL);
	}
	wcd_direct_free(s->direct);
	nng_close(s->sock);
	for (unsigned i = 0; i < s->nthreads; i++)
		pthread_join(s->threads[i], NULL);
	unlink(s->path);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
	free(s->threads);
	free(s->path);
	free(s);
}
