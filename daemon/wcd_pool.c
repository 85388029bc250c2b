/*
 * wcd_pool.c - pre-started exec workers (wcd_pool.h).
 */
#include "wcd_pool.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cmn_frame.h"
#include "pb_util.h"
#include "wasmc/v1/worker.pb-c.h"
#include "wcd_child.h"
#include "wcd_log.h"

#define READY_TIMEOUT_MS 10000
#define POOL_MAX 1024
#define REFILL_BATCH 4
#define SETTLE_MS 5
#define WATCH_PAGE 4096

struct wcd_pool {
	char *exe;
	bool no_namespaces;
	int log_level;
	unsigned target;
	pthread_mutex_t mu;
	pthread_cond_t cond; /* a worker was taken, or stop */
	wcd_worker idle[POOL_MAX];
	unsigned nidle;
	bool stopping;
	pthread_t thread;
	bool started;
	unsigned failures; /* consecutive start failures (back off) */
	struct timespec last_take; /* CLOCK_MONOTONIC */
};

void wcd_worker_end(wcd_worker *w)
{
	if (w->pid > 0)
		wcd_child_release(w->pid);
	if (w->sock >= 0)
		close(w->sock);
	if (w->direct >= 0)
		close(w->direct);
	if (w->watch)
		munmap((void *)w->watch, WATCH_PAGE);
	w->pid = 0;
	w->sock = -1;
	w->direct = -1;
	w->watch = NULL;
}

/* Starts one worker (its Ready not read yet). */
static bool spawn_worker(wcd_pool *p, wcd_worker *ret, cmn_error *err)
{
	char level[8];
	snprintf(level, sizeof level, "%d", p->log_level);
	char *argv[6];
	int n = 0;
	argv[n++] = p->exe;
	if (p->no_namespaces)
		argv[n++] = "--no-namespaces";
	argv[n++] = "--log-level";
	argv[n++] = level;
	argv[n] = NULL;
	ret->pid = 0;
	ret->sock = -1;
	ret->direct = -1;
	ret->watch = NULL;
	return wcd_child_spawn(p->exe, argv, &ret->pid, &ret->sock, err);
}

/* Reads the Ready of a worker just spawned; ends it on failure. */
static bool await_ready(wcd_pool *p, wcd_worker *w, cmn_error *err)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	cmn_error e;
	int r = cmn_frame_recv(w->sock, 1 << 20, READY_TIMEOUT_MS, &buf, &len, NULL, &e);
	if (r != CMN_FRAME_OK) {
		int st;
		char how[CMN_ERROR_MSG_MAX];
		if (r == CMN_FRAME_TIMEOUT)
			snprintf(how, sizeof how, "no Ready within %d ms", READY_TIMEOUT_MS);
		else if (wcd_child_wait(w->pid, 1000, &st)) {
			char s[48];
			wcd_child_describe(st, s, sizeof s);
			snprintf(how, sizeof how, "it ended before Ready (%s)", s);
		} else
			snprintf(how, sizeof how, "%s",
			         r == CMN_FRAME_EOF ? "it closed its channel" : e.msg);
		wcd_worker_end(w);
		return cmn_fail(err, "exec worker %s: %s", p->exe, how);
	}
	pb_budget b;
	pb_budget_init(&b, len * 4 + 65536);
	Wasmc__V1__Worker__ExecReply *rep =
	        wasmc__v1__worker__exec_reply__unpack(&b.alloc, len, buf);
	free(buf);
	bool ok = rep && rep->body_case == WASMC__V1__WORKER__EXEC_REPLY__BODY_READY &&
	          pb_message_utf8_valid(&rep->base, 4);
	if (ok)
		for (size_t i = 0; i < rep->ready->n_warnings; i++)
			wcd_log_once(WCD_LOG_WARNING, "exec worker: ", rep->ready->warnings[i]);
	if (rep)
		wasmc__v1__worker__exec_reply__free_unpacked(rep, &b.alloc);
	if (!ok) {
		wcd_worker_end(w);
		return cmn_fail(err, "exec worker %s: its first message is not Ready", p->exe);
	}
	return true;
}

/* Gives a ready worker its direct channel. A failure only leaves the
 * worker without one (its calls then go through the daemon). */
static void attach_direct(wcd_worker *w)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		return;
	Wasmc__V1__Worker__ExecAttach at = WASMC__V1__WORKER__EXEC_ATTACH__INIT;
	Wasmc__V1__Worker__ExecRequest req = WASMC__V1__WORKER__EXEC_REQUEST__INIT;
	req.body_case = WASMC__V1__WORKER__EXEC_REQUEST__BODY_ATTACH;
	req.attach = &at;
	uint8_t buf[16];
	size_t len = wasmc__v1__worker__exec_request__pack(&req, buf);
	cmn_error e;
	if (cmn_frame_send(w->sock, buf, len, sv[1], &e))
		w->direct = sv[0];
	else
		close(sv[0]);
	close(sv[1]);
}

/* Gives a ready worker its deadline page (ExecWatch). Without it the
 * daemon's deadline backstop does not cover the worker's direct calls. */
static void attach_watch(wcd_worker *w)
{
	int m = memfd_create("wasmc-watch", MFD_CLOEXEC);
	if (m < 0)
		return;
	void *page = MAP_FAILED;
	if (ftruncate(m, WATCH_PAGE) == 0)
		page = mmap(NULL, WATCH_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, m, 0);
	Wasmc__V1__Worker__ExecWatch wt = WASMC__V1__WORKER__EXEC_WATCH__INIT;
	Wasmc__V1__Worker__ExecRequest req = WASMC__V1__WORKER__EXEC_REQUEST__INIT;
	req.body_case = WASMC__V1__WORKER__EXEC_REQUEST__BODY_WATCH;
	req.watch = &wt;
	uint8_t buf[16];
	size_t len = wasmc__v1__worker__exec_request__pack(&req, buf);
	cmn_error e;
	if (page != MAP_FAILED && cmn_frame_send(w->sock, buf, len, m, &e))
		w->watch = page;
	else if (page != MAP_FAILED)
		munmap(page, WATCH_PAGE);
	close(m);
}

/* Starts one worker and waits for its Ready. */
static bool start_worker(wcd_pool *p, wcd_worker *ret, cmn_error *err)
{
	wcd_worker w;
	if (!spawn_worker(p, &w, err) || !await_ready(p, &w, err))
		return false;
	attach_direct(&w);
	attach_watch(&w);
	*ret = w;
	return true;
}

static void *refill(void *arg)
{
	wcd_pool *p = arg;
	pthread_mutex_lock(&p->mu);
	while (!p->stopping) {
		/* Idle workers that died are dropped. */
		for (unsigned i = 0; i < p->nidle;) {
			if (wcd_child_exited(p->idle[i].pid)) {
				wcd_worker_end(&p->idle[i]);
				p->idle[i] = p->idle[--p->nidle];
			} else
				i++;
		}
		/* A worker was just taken for an instantiation: while the pool
		 * still has one, let that instantiation finish before starting
		 * processes (a start costs milliseconds of CPU, and competes with
		 * the load on a small machine). */
		if (p->nidle > 0 && p->nidle < p->target) {
			struct timespec now, until = p->last_take;
			clock_gettime(CLOCK_MONOTONIC, &now);
			until.tv_nsec += SETTLE_MS * 1000000L;
			if (until.tv_nsec >= 1000000000L) {
				until.tv_sec++;
				until.tv_nsec -= 1000000000L;
			}
			if (now.tv_sec < until.tv_sec ||
			    (now.tv_sec == until.tv_sec && now.tv_nsec < until.tv_nsec)) {
				pthread_cond_timedwait(&p->cond, &p->mu, &until);
				continue;
			}
		}
		if (p->nidle < p->target && p->failures < 5) {
			/* Several at once: their sandbox set-up (namespaces) takes
			 * milliseconds each and overlaps. */
			unsigned want = p->target - p->nidle;
			if (want > REFILL_BATCH)
				want = REFILL_BATCH;
			pthread_mutex_unlock(&p->mu);
			wcd_worker ws[REFILL_BATCH];
			bool spawned[REFILL_BATCH];
			cmn_error err;
			for (unsigned i = 0; i < want; i++)
				spawned[i] = spawn_worker(p, &ws[i], &err);
			unsigned okcount = 0, bad = 0;
			for (unsigned i = 0; i < want; i++) {
				if (spawned[i] && await_ready(p, &ws[i], &err)) {
					attach_direct(&ws[i]);
					attach_watch(&ws[i]);
					ws[okcount++] = ws[i];
				}
				else
					bad++;
			}
			pthread_mutex_lock(&p->mu);
			if (bad) {
				/* Logged once per streak of failures. */
				if (++p->failures == 1)
					wcd_log(WCD_LOG_ERR, "%s", err.msg);
				if (p->failures == 5)
					wcd_log(WCD_LOG_WARNING,
					        "exec pool: workers failed to start 5 times in a row; refill "
					        "paused until an instantiation needs one");
			} else
				p->failures = 0;
			for (unsigned i = 0; i < okcount; i++) {
				if (p->stopping || p->nidle >= POOL_MAX)
					wcd_worker_end(&ws[i]);
				else
					p->idle[p->nidle++] = ws[i];
			}
			continue;
		}
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += 1;
		pthread_cond_timedwait(&p->cond, &p->mu, &ts);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

bool wcd_pool_new(const char *exe, const wcd_config *cfg, wcd_pool **ret, cmn_error *err)
{
	wcd_pool *p = calloc(1, sizeof *p);
	if (!p || !(p->exe = strdup(exe))) {
		free(p);
		return cmn_fail(err, "out of memory");
	}
	p->no_namespaces = cfg->no_namespaces;
	p->log_level = cfg->log_level;
	p->target = cfg->pool < POOL_MAX ? cfg->pool : POOL_MAX;
	pthread_mutex_init(&p->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&p->cond, &ca);
	pthread_condattr_destroy(&ca);
	int e = pthread_create(&p->thread, NULL, refill, p);
	if (e) {
		wcd_pool_free(p);
		return cmn_fail(err, "cannot start the pool thread: %s", strerror(e));
	}
	p->started = true;
	*ret = p;
	return true;
}

bool wcd_pool_take(wcd_pool *p, wcd_worker *ret, cmn_error *err)
{
	pthread_mutex_lock(&p->mu);
	while (p->nidle) {
		wcd_worker w = p->idle[--p->nidle];
		if (wcd_child_exited(w.pid)) {
			wcd_worker_end(&w);
			continue;
		}
		p->failures = 0;
		clock_gettime(CLOCK_MONOTONIC, &p->last_take);
		pthread_cond_broadcast(&p->cond);
		pthread_mutex_unlock(&p->mu);
		*ret = w;
		return true;
	}
	p->failures = 0; /* demand: let the refill thread try again */
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->mu);
	return start_worker(p, ret, err);
}

unsigned wcd_pool_idle(wcd_pool *p)
{
	pthread_mutex_lock(&p->mu);
	unsigned n = p->nidle;
	pthread_mutex_unlock(&p->mu);
	return n;
}

void wcd_pool_free(wcd_pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->stopping = true;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->mu);
	if (p->started)
		pthread_join(p->thread, NULL);
	for (unsigned i = 0; i < p->nidle; i++)
		wcd_worker_end(&p->idle[i]);
	free(p->exe);
	free(p);
}
