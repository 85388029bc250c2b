/*
 * wcd_compile.c - the compile worker, deduplication and background
 * builds (wcd_compile.h).
 */
#include "wcd_compile.h"

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
#include "wcd_log.h"
#include "wcd_util.h"

#define QUEUE_MAX 64
#define FP_TIMEOUT_S 30

/* One compile in progress; waiters share it. */
typedef struct job {
	uint8_t digest[WCD_DIGEST_LEN];
	char *fp;
	bool done;
	wcd_code code;
	cmn_error err;
	double seconds;
	unsigned refs;
	struct job *next;
} job;

typedef struct queued {
	uint8_t digest[WCD_DIGEST_LEN];
	bool fuel;
	uint32_t uid;
} queued;

struct wcd_compiler {
	char *exe;
	wcd_cache *cache;
	unsigned timeout_s, memory_mb;
	/* [optimized][fuel]: set once (all four, or none), read without the
	 * lock (atomic loads), freed with the compiler. */
	char *fps[2][2];
	pthread_mutex_t fp_mu; /* one fingerprint refresh at a time */
	int64_t fp_tried_ms;   /* last attempt */
	char unavailable[CMN_ERROR_MSG_MAX];
	pthread_mutex_t mu;
	pthread_cond_t cond; /* a job finished, or the queue changed */
	job *jobs;
	bool stopping;
	uint32_t running;
	uint64_t total;
	queued queue[QUEUE_MAX];
	unsigned nqueued;
	pthread_t bg;
	bool bg_started;
	/* Compiles at once (fingerprint questions aside): the others wait
	 * for a slot before their timeout starts. */
	unsigned slots, slots_used;
};

/* ---------------------------------------------------------------------------
 * One compile worker run
 */

/* Runs the worker on `req`; on success *ret is its reply (free with
 * compile_reply__free_unpacked(*ret, &b->alloc)). */
static wcd_code run_worker(wcd_compiler *w, const Wasmc__V1__Worker__CompileRequest *req,
                           pb_budget *b, Wasmc__V1__Worker__CompileReply **ret, cmn_error *err)
{
	char mem[24], cpu[24];
	snprintf(mem, sizeof mem, "%u", w->memory_mb);
	/* A fingerprint question is quick; a compiler that hangs on it must
	 * not hold the daemon up for a whole compile timeout. */
	unsigned timeout_s =
	        req->fingerprint_only && w->timeout_s > FP_TIMEOUT_S ? FP_TIMEOUT_S : w->timeout_s;
	snprintf(cpu, sizeof cpu, "%u", timeout_s);
	char *argv[] = {w->exe, "--memory-mb", mem, "--cpu-seconds", cpu, NULL};
	pid_t pid;
	int sock;
	cmn_error e;
	bool slot = !req->fingerprint_only;
	if (slot) {
		pthread_mutex_lock(&w->mu);
		while (w->slots_used >= w->slots && !w->stopping)
			pthread_cond_wait(&w->cond, &w->mu);
		bool stopping = w->stopping;
		if (!stopping)
			w->slots_used++;
		pthread_mutex_unlock(&w->mu);
		if (stopping) {
			cmn_fail(err, "the daemon is stopping");
			return WASMC__V1__ERROR_CODE__SHUTTING_DOWN;
		}
	}
	if (!wcd_child_spawn(w->exe, argv, &pid, &sock, &e)) {
		cmn_fail(err, "cannot start the compiler: %s", e.msg);
		if (slot) {
			pthread_mutex_lock(&w->mu);
			w->slots_used--;
			pthread_cond_broadcast(&w->cond);
			pthread_mutex_unlock(&w->mu);
		}
		return WASMC__V1__ERROR_CODE__COMPILE_FAILED;
	}
	pthread_mutex_lock(&w->mu);
	w->running++;
	w->total++;
	pthread_mutex_unlock(&w->mu);
	wcd_code code = WASMC__V1__ERROR_CODE__COMPILE_FAILED;
	size_t len = wasmc__v1__worker__compile_request__get_packed_size(req);
	uint8_t *buf = malloc(len ? len : 1), *rbuf = NULL;
	size_t rlen = 0;
	if (!buf) {
		cmn_fail(err, "out of memory");
		code = WASMC__V1__ERROR_CODE__INTERNAL;
		goto out;
	}
	wasmc__v1__worker__compile_request__pack(req, buf);
	int64_t start = wcd_mono_ms();
	int r = CMN_FRAME_EOF;
	if (cmn_frame_send(sock, buf, len, -1, &e)) {
		int64_t left = (int64_t)timeout_s * 1000;
		r = cmn_frame_recv(sock, CMN_FRAME_MAX, (int)left, &rbuf, &rlen, NULL, &e);
		if (r == CMN_FRAME_OK && wcd_mono_ms() - start > left) {
			free(rbuf);
			rbuf = NULL;
			r = CMN_FRAME_TIMEOUT;
		}
	}
	if (r == CMN_FRAME_TIMEOUT) {
		wcd_child_kill(pid);
		cmn_fail(err, "compile timed out after %u s", timeout_s);
		goto out;
	}
	if (r != CMN_FRAME_OK) {
		int st;
		char how[CMN_ERROR_MSG_MAX];
		if (wcd_child_wait(pid, 2000, &st))
			wcd_child_describe(st, how, sizeof how);
		else
			snprintf(how, sizeof how, "%s",
			         r == CMN_FRAME_EOF ? "closed its channel" : e.msg);
		if (w->stopping) {
			cmn_fail(err, "the daemon is stopping");
			code = WASMC__V1__ERROR_CODE__SHUTTING_DOWN;
		} else
			cmn_fail(err, "compiler died (%s)", how);
		goto out;
	}
	pb_budget_init(b, rlen * 2 + ((size_t)16 << 20));
	Wasmc__V1__Worker__CompileReply *rep =
	        wasmc__v1__worker__compile_reply__unpack(&b->alloc, rlen, rbuf);
	if (!rep || !pb_message_utf8_valid(&rep->base, 8)) {
		if (rep)
			wasmc__v1__worker__compile_reply__free_unpacked(rep, &b->alloc);
		cmn_fail(err, "the compiler sent a malformed reply");
		goto out;
	}
	*ret = rep;
	code = WASMC__V1__ERROR_CODE__ERROR_NONE;
out:
	/* It exits after answering; it gets a moment, then SIGKILL. */
	int st;
	if (!wcd_child_wait(pid, 1000, &st))
		wcd_child_kill(pid);
	wcd_child_release(pid);
	close(sock);
	free(buf);
	free(rbuf);
	pthread_mutex_lock(&w->mu);
	w->running--;
	if (slot) {
		w->slots_used--;
		pthread_cond_broadcast(&w->cond);
	}
	pthread_mutex_unlock(&w->mu);
	return code;
}

static bool ask_fingerprint(wcd_compiler *w, Wasmc__V1__Tier tier, bool fuel, char **ret,
                            cmn_error *err)
{
	Wasmc__V1__Worker__CompileRequest req = WASMC__V1__WORKER__COMPILE_REQUEST__INIT;
	req.tier = tier;
	req.fuel = fuel;
	req.guard_bytes = WCD_GUARD_BYTES;
	req.fingerprint_only = true;
	pb_budget b;
	Wasmc__V1__Worker__CompileReply *rep = NULL;
	if (run_worker(w, &req, &b, &rep, err) != WASMC__V1__ERROR_CODE__ERROR_NONE)
		return false;
	bool ok = false;
	if (rep->error)
		cmn_fail(err, "%s", rep->error->message ? rep->error->message : "error");
	else if (!rep->fingerprint || !*rep->fingerprint ||
	         strlen(rep->fingerprint) > RT_ARTIFACT_MAX_FP)
		cmn_fail(err, "the compiler sent no fingerprint");
	else if (!(*ret = strdup(rep->fingerprint)))
		cmn_fail(err, "out of memory");
	else
		ok = true;
	wasmc__v1__worker__compile_reply__free_unpacked(rep, &b.alloc);
	return ok;
}

/* Compiles and stores (digest, tier, fuel) with fingerprint fp. */
static wcd_code compile_store(wcd_compiler *w, const uint8_t *digest, const uint8_t *wasm,
                              size_t len, Wasmc__V1__Tier tier, bool fuel, const char *fp,
                              uint32_t uid, double *ret_seconds, cmn_error *err)
{
	Wasmc__V1__Worker__CompileRequest req = WASMC__V1__WORKER__COMPILE_REQUEST__INIT;
	req.wasm.data = (uint8_t *)wasm;
	req.wasm.len = len;
	req.tier = tier;
	req.fuel = fuel;
	req.guard_bytes = WCD_GUARD_BYTES;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	req.threads = ncpu < 1 ? 1 : ncpu > 8 ? 8 : (uint32_t)ncpu;
	pb_budget b;
	Wasmc__V1__Worker__CompileReply *rep = NULL;
	int64_t start = wcd_mono_ms();
	wcd_code code = run_worker(w, &req, &b, &rep, err);
	if (code)
		return code;
	double seconds = (double)(wcd_mono_ms() - start) / 1000.0;
	cmn_error e;
	if (rep->error && rep->error->code != WASMC__V1__ERROR_CODE__ERROR_NONE) {
		code = rep->error->code;
		if (code != WASMC__V1__ERROR_CODE__INVALID_MODULE &&
		    code != WASMC__V1__ERROR_CODE__UNSUPPORTED)
			code = WASMC__V1__ERROR_CODE__COMPILE_FAILED;
		cmn_fail(err, "%s",
		         rep->error->message && *rep->error->message ? rep->error->message
		                                                     : "compile failed");
	} else if (!rep->fingerprint || strcmp(rep->fingerprint, fp) != 0) {
		code = WASMC__V1__ERROR_CODE__COMPILE_FAILED;
		cmn_fail(err,
		         "the compiler changed its fingerprint (restart wasmcd after updating it)");
	} else if (!rt_artifact_check(rep->artifact.data, rep->artifact.len, fp, NULL, 0, NULL,
	                              &e) ||
	           !rt_artifact_bind_input(rep->artifact.data, rep->artifact.len, digest, &e) ||
	           !rt_artifact_seal(rep->artifact.data, rep->artifact.len, wcd_cache_key(w->cache),
	                             WCD_KEY_LEN, &e)) {
		code = WASMC__V1__ERROR_CODE__COMPILE_FAILED;
		cmn_fail(err, "the compiler produced a bad artifact: %s", e.msg);
	} else {
		Wasmc__V1__Cache__Meta meta = WASMC__V1__CACHE__META__INIT;
		meta.fingerprint = (char *)fp;
		meta.tier = tier;
		meta.fuel = fuel;
		meta.n_imports = rep->n_imports;
		meta.imports = rep->imports;
		meta.n_exports = rep->n_exports;
		meta.exports = rep->exports;
		meta.component = rep->component;
		meta.compile_seconds = seconds;
		code = wcd_cache_put_artifact(w->cache, digest, &meta, rep->artifact.data,
		                              rep->artifact.len, uid, err);
	}
	wasmc__v1__worker__compile_reply__free_unpacked(rep, &b.alloc);
	if (!code) {
		char hex[2 * WCD_DIGEST_LEN + 1];
		wcd_hex(digest, WCD_DIGEST_LEN, hex);
		wcd_log(WCD_LOG_INFO, "compiled %s (%s tier%s) in %.3f s for uid %u", hex,
		        tier == WASMC__V1__TIER__TIER_OPTIMIZED ? "optimized" : "fast",
		        fuel ? ", fuel" : "", seconds, uid);
		*ret_seconds = seconds;
	}
	return code;
}

/* ---------------------------------------------------------------------------
 * Deduplication
 */

wcd_code wcd_compile_ensure(wcd_compiler *w, const uint8_t *digest, const uint8_t *wasm, size_t len,
                            Wasmc__V1__Tier tier, bool fuel, uint32_t uid, bool *ret_cached,
                            double *ret_seconds, cmn_error *err)
{
	const char *fp = wcd_compiler_fp(w, tier, fuel);
	if (!fp) {
		pthread_mutex_lock(&w->mu);
		cmn_fail(err, "the compiler is unavailable: %s",
		         w->unavailable[0] ? w->unavailable : "it has not answered yet");
		pthread_mutex_unlock(&w->mu);
		return WASMC__V1__ERROR_CODE__COMPILE_FAILED;
	}
	if (wcd_cache_find(w->cache, digest, fp, NULL)) {
		*ret_cached = true;
		*ret_seconds = 0;
		return WASMC__V1__ERROR_CODE__ERROR_NONE;
	}
	pthread_mutex_lock(&w->mu);
	job *j;
	for (j = w->jobs; j; j = j->next)
		if (memcmp(j->digest, digest, WCD_DIGEST_LEN) == 0 && strcmp(j->fp, fp) == 0)
			break;
	if (j) {
		/* Someone compiles it: wait for that outcome. */
		j->refs++;
		while (!j->done)
			pthread_cond_wait(&w->cond, &w->mu);
		wcd_code code = j->code;
		if (code)
			cmn_fail(err, "%s", j->err.msg);
		else {
			*ret_cached = false;
			*ret_seconds = j->seconds;
		}
		if (--j->refs == 0) {
			free(j->fp);
			free(j);
		}
		pthread_mutex_unlock(&w->mu);
		if (!code)
			wcd_cache_add_owner(w->cache, digest, uid);
		return code;
	}
	if (w->stopping) {
		pthread_mutex_unlock(&w->mu);
		cmn_fail(err, "the daemon is stopping");
		return WASMC__V1__ERROR_CODE__SHUTTING_DOWN;
	}
	j = calloc(1, sizeof *j);
	if (!j || !(j->fp = strdup(fp))) {
		free(j);
		pthread_mutex_unlock(&w->mu);
		cmn_fail(err, "out of memory");
		return WASMC__V1__ERROR_CODE__INTERNAL;
	}
	memcpy(j->digest, digest, WCD_DIGEST_LEN);
	j->refs = 1;
	j->next = w->jobs;
	w->jobs = j;
	pthread_mutex_unlock(&w->mu);

	/* A compile that finished between the lookup and the job. */
	wcd_code code = WASMC__V1__ERROR_CODE__ERROR_NONE;
	double seconds = 0;
	bool cached = wcd_cache_find(w->cache, digest, fp, NULL);
	uint8_t *own = NULL;
	if (!cached && !wasm) {
		code = wcd_cache_read_source(w->cache, digest, &own, &len, err);
		wasm = own;
	}
	if (!cached && !code)
		code = compile_store(w, digest, wasm, len, tier, fuel, fp, uid, &seconds, err);
	free(own);

	pthread_mutex_lock(&w->mu);
	for (job **pp = &w->jobs; *pp; pp = &(*pp)->next)
		if (*pp == j) {
			*pp = j->next;
			break;
		}
	j->done = true;
	j->code = code;
	j->seconds = seconds;
	if (code)
		j->err = *err;
	pthread_cond_broadcast(&w->cond);
	if (--j->refs == 0) {
		free(j->fp);
		free(j);
	}
	pthread_mutex_unlock(&w->mu);
	if (!code) {
		*ret_cached = cached;
		*ret_seconds = seconds;
	}
	return code;
}

/* ---------------------------------------------------------------------------
 * Background builds
 */

static void *background(void *arg)
{
	wcd_compiler *w = arg;
	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->stopping && w->nqueued == 0)
			pthread_cond_wait(&w->cond, &w->mu);
		if (w->stopping)
			break;
		queued q = w->queue[0];
		memmove(w->queue, w->queue + 1, --w->nqueued * sizeof w->queue[0]);
		pthread_mutex_unlock(&w->mu);
		bool cached;
		double secs;
		cmn_error err;
		char hex[2 * WCD_DIGEST_LEN + 1];
		wcd_hex(q.digest, WCD_DIGEST_LEN, hex);
		wcd_code code =
		        wcd_compile_ensure(w, q.digest, NULL, 0, WASMC__V1__TIER__TIER_OPTIMIZED,
		                           q.fuel, q.uid, &cached, &secs, &err);
		if (code && code != WASMC__V1__ERROR_CODE__SHUTTING_DOWN)
			wcd_log(WCD_LOG_WARNING, "background optimized compile of %s failed: %s",
			        hex, err.msg);
		pthread_mutex_lock(&w->mu);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

void wcd_compile_background(wcd_compiler *w, const uint8_t *digest, bool fuel, uint32_t uid)
{
	const char *fp = wcd_compiler_fp(w, WASMC__V1__TIER__TIER_OPTIMIZED, fuel);
	if (!fp || wcd_cache_find(w->cache, digest, fp, NULL))
		return;
	pthread_mutex_lock(&w->mu);
	bool dup = false;
	for (unsigned i = 0; i < w->nqueued; i++)
		if (memcmp(w->queue[i].digest, digest, WCD_DIGEST_LEN) == 0 &&
		    w->queue[i].fuel == fuel)
			dup = true;
	if (!dup && !w->stopping && w->nqueued < QUEUE_MAX) {
		queued *q = &w->queue[w->nqueued++];
		memcpy(q->digest, digest, WCD_DIGEST_LEN);
		q->fuel = fuel;
		q->uid = uid;
		pthread_cond_broadcast(&w->cond);
	}
	pthread_mutex_unlock(&w->mu);
}

/* ---------------------------------------------------------------------------
 * Life cycle
 */

/* Asks the compiler for the four fingerprints; they are published only
 * when all four arrived. Retried at most every FP_RETRY_MS while missing
 * (a compiler being replaced during an upgrade, a transient failure). */
#define FP_RETRY_MS 1000
static void refresh_fps(wcd_compiler *w)
{
	/* Someone is asking already: do not wait for that (the caller sees
	 * the compiler as unavailable for now). */
	if (pthread_mutex_trylock(&w->fp_mu) != 0)
		return;
	int64_t now = wcd_mono_ms();
	if (__atomic_load_n(&w->fps[0][0], __ATOMIC_ACQUIRE) ||
	    (w->fp_tried_ms && now - w->fp_tried_ms < FP_RETRY_MS)) {
		pthread_mutex_unlock(&w->fp_mu);
		return;
	}
	w->fp_tried_ms = now;
	char *got[2][2] = {{NULL, NULL}, {NULL, NULL}};
	cmn_error e;
	bool ok = true;
	for (int opt = 0; opt < 2 && ok; opt++)
		for (int fuel = 0; fuel < 2 && ok; fuel++) {
			Wasmc__V1__Tier t =
			        opt ? WASMC__V1__TIER__TIER_OPTIMIZED : WASMC__V1__TIER__TIER_FAST;
			ok = ask_fingerprint(w, t, fuel, &got[opt][fuel], &e);
		}
	if (!ok) {
		for (int opt = 0; opt < 2; opt++)
			for (int fuel = 0; fuel < 2; fuel++)
				free(got[opt][fuel]);
		/* Logged when the reason is new, not at every retry. */
		pthread_mutex_lock(&w->mu);
		bool fresh = strcmp(w->unavailable, e.msg) != 0;
		snprintf(w->unavailable, sizeof w->unavailable, "%s", e.msg);
		pthread_mutex_unlock(&w->mu);
		if (fresh)
			wcd_log(WCD_LOG_ERR,
			        "compiler %s does not answer (%s): uploads fail until it does "
			        "(asked "
			        "again at most every %d s)",
			        w->exe, e.msg, FP_RETRY_MS / 1000);
	} else {
		/* fps[0][0] last: it is the "published" flag readers test. */
		__atomic_store_n(&w->fps[1][1], got[1][1], __ATOMIC_RELEASE);
		__atomic_store_n(&w->fps[1][0], got[1][0], __ATOMIC_RELEASE);
		__atomic_store_n(&w->fps[0][1], got[0][1], __ATOMIC_RELEASE);
		__atomic_store_n(&w->fps[0][0], got[0][0], __ATOMIC_RELEASE);
		pthread_mutex_lock(&w->mu);
		bool was_down = w->unavailable[0] != 0;
		w->unavailable[0] = 0;
		pthread_mutex_unlock(&w->mu);
		if (was_down)
			wcd_log(WCD_LOG_NOTICE, "compiler %s answers again", w->exe);
	}
	pthread_mutex_unlock(&w->fp_mu);
}

const char *wcd_compiler_fp_known(wcd_compiler *w, Wasmc__V1__Tier tier, bool fuel)
{
	if (!__atomic_load_n(&w->fps[0][0], __ATOMIC_ACQUIRE))
		return NULL;
	return __atomic_load_n(&w->fps[tier == WASMC__V1__TIER__TIER_OPTIMIZED][fuel],
	                       __ATOMIC_ACQUIRE);
}

const char *wcd_compiler_fp(wcd_compiler *w, Wasmc__V1__Tier tier, bool fuel)
{
	if (!__atomic_load_n(&w->fps[0][0], __ATOMIC_ACQUIRE))
		refresh_fps(w);
	if (!__atomic_load_n(&w->fps[0][0], __ATOMIC_ACQUIRE))
		return NULL;
	return __atomic_load_n(&w->fps[tier == WASMC__V1__TIER__TIER_OPTIMIZED][fuel],
	                       __ATOMIC_ACQUIRE);
}

bool wcd_compiler_new(const char *exe, const wcd_config *cfg, wcd_cache *cache, wcd_compiler **ret,
                      cmn_error *err)
{
	wcd_compiler *w = calloc(1, sizeof *w);
	if (!w || !(w->exe = strdup(exe))) {
		free(w);
		return cmn_fail(err, "out of memory");
	}
	w->cache = cache;
	w->timeout_s = cfg->compile_timeout;
	w->memory_mb = cfg->compile_memory_mb;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	w->slots = ncpu < 2 ? 2 : ncpu > 64 ? 64 : (unsigned)ncpu;
	pthread_mutex_init(&w->mu, NULL);
	pthread_mutex_init(&w->fp_mu, NULL);
	pthread_cond_init(&w->cond, NULL);
	refresh_fps(w);
	int e = pthread_create(&w->bg, NULL, background, w);
	if (e) {
		wcd_compiler_free(w);
		return cmn_fail(err, "cannot start the background compile thread: %s", strerror(e));
	}
	w->bg_started = true;
	*ret = w;
	return true;
}

void wcd_compiler_stop(wcd_compiler *w)
{
	pthread_mutex_lock(&w->mu);
	w->stopping = true;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->mu);
}

void wcd_compiler_free(wcd_compiler *w)
{
	if (!w)
		return;
	wcd_compiler_stop(w);
	if (w->bg_started)
		pthread_join(w->bg, NULL);
	for (int opt = 0; opt < 2; opt++)
		for (int fuel = 0; fuel < 2; fuel++)
			free(w->fps[opt][fuel]);
	free(w->exe);
	free(w);
}

void wcd_compiler_stats(wcd_compiler *w, uint32_t *ret_running, uint64_t *ret_total)
{
	pthread_mutex_lock(&w->mu);
	*ret_running = w->running;
	*ret_total = w->total;
	pthread_mutex_unlock(&w->mu);
}
