/*
 * wcd_dispatch.c - one request to its handler (wcd_daemon.h): sessions,
 * modules (digest lookup, upload, inspect), instantiation, calls, cache
 * management, processes and status.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wcd_daemon.h"
#include "wcd_log.h"

#define PROTOCOL_VERSION 1

static const Wasmc__V1__Tier fast = WASMC__V1__TIER__TIER_FAST;
static const Wasmc__V1__Tier optimized = WASMC__V1__TIER__TIER_OPTIMIZED;

static bool digest_ok(wcd_req *rq, const ProtobufCBinaryData *d, const char *what)
{
	if (d->len == WCD_DIGEST_LEN)
		return true;
	wcd_req_error(rq, WASMC__V1__ERROR_CODE__BAD_REQUEST,
	              "%s: digest must be %d bytes, not %zu", what, WCD_DIGEST_LEN, d->len);
	return false;
}

static bool tier_ok(wcd_req *rq, Wasmc__V1__Tier t, const char *what)
{
	if (t == WASMC__V1__TIER__TIER_DEFAULT || t == fast || t == optimized)
		return true;
	wcd_req_error(rq, WASMC__V1__ERROR_CODE__BAD_REQUEST, "%s: unknown tier %d", what, (int)t);
	return false;
}

/* The tiers an instantiation may use, best first, for what the uid asked. */
static unsigned tier_order(Wasmc__V1__Tier req, Wasmc__V1__Tier out[2])
{
	if (req == fast) {
		out[0] = fast;
		return 1;
	}
	if (req == optimized) {
		out[0] = optimized;
		return 1;
	}
	out[0] = optimized;
	out[1] = fast;
	return 2;
}

/* The best stored tier of (digest, fuel) for `req`; false when none. */
static bool stored_tier(wcd_daemon *d, const uint8_t *digest, Wasmc__V1__Tier req, bool fuel,
                        Wasmc__V1__Tier *ret_tier, const char **ret_fp)
{
	Wasmc__V1__Tier order[2];
	unsigned n = tier_order(req, order);
	for (unsigned i = 0; i < n; i++) {
		const char *fp = wcd_compiler_fp(d->compiler, order[i], fuel);
		if (fp && wcd_cache_find(d->cache, digest, fp, NULL)) {
			*ret_tier = order[i];
			*ret_fp = fp;
			return true;
		}
	}
	return false;
}

/* ---------------------------------------------------------------------------
 * Module replies
 */

typedef struct module_reply {
	Wasmc__V1__Module msg;
	uint8_t handle[WCD_HANDLE_LEN];
	uint8_t digest[WCD_DIGEST_LEN];
	Wasmc__V1__Cache__Meta *meta;
} module_reply;

static void module_reply_free(void *p)
{
	module_reply *mr = p;
	wcd_meta_free(mr->meta);
	free(mr);
}

/* Replies Module for (uid, digest) whose artifact of tier `tier` is stored. */
static void reply_module(wcd_daemon *d, wcd_req *rq, const uint8_t *digest,
                         Wasmc__V1__Tier req_tier, Wasmc__V1__Tier tier, bool cached,
                         double seconds)
{
	module_reply *mr = calloc(1, sizeof *mr);
	if (!mr) {
		wcd_req_error(rq, WASMC__V1__ERROR_CODE__INTERNAL, "out of memory");
		return;
	}
	const char *fp = wcd_compiler_fp(d->compiler, tier, false);
	if (!fp || !wcd_cache_find(d->cache, digest, fp, &mr->meta)) {
		free(mr);
		wcd_req_error(rq, WASMC__V1__ERROR_CODE__NOT_FOUND,
		              "module not found (no longer in the cache)");
		return;
	}
	if (!wcd_modules_handle(d->modules, rq->uid, digest, req_tier, mr->handle)) {
		module_reply_free(mr);
		wcd_req_error(rq, WASMC__V1__ERROR_CODE__INTERNAL, "cannot make a handle");
		return;
	}
	memcpy(mr->digest, digest, WCD_DIGEST_LEN);
	wasmc__v1__module__init(&mr->msg);
	mr->msg.handle.data = mr->handle;
	mr->msg.handle.len = WCD_HANDLE_LEN;
	mr->msg.digest.data = mr->digest;
	mr->msg.digest.len = WCD_DIGEST_LEN;
	mr->msg.n_imports = mr->meta->n_imports;
	mr->msg.imports = mr->meta->imports;
	mr->msg.n_exports = mr->meta->n_exports;
	mr->msg.exports = mr->meta->exports;
	mr->msg.component = mr->meta->component;
	mr->msg.cached = cached;
	mr->msg.tier = tier;
	mr->msg.compile_seconds = seconds;
	if (wcd_req_defer(rq, module_reply_free, mr)) {
		rq->resp.body_case = WASMC__V1__RESPONSE__BODY_MODULE;
		rq->resp.module = &mr->msg;
	}
}

/* ---------------------------------------------------------------------------
 * Handlers
 */

static void hello(wcd_daemon *d, wcd_req *rq, const Wasmc__V1__Hello *h)
{
	if (h->protocol == 0) {
		wcd_req_error(rq, WASMC__V1__ERROR_CODE__BAD_REQUEST,
		              "hello: protocol version is required (1)");
		return;
	}
	if (h->protocol > PROTOCOL_VERSION) {
		wcd_req_error(rq, WASMC__V1__ERROR_CODE__VERSION_MISMATCH,
		              "protocol version %u is not supported: wasmcd %s speaks version %d",
		              h->protocol, WCD_VERSION, PROTOCOL_VERSION);
		return;
	}
	static _Thread_local Wasmc__V1__HelloReply r;
	wasmc__v1__hello_reply__init(&r);
	r.protocol = PROTOCOL_VERSION;
	r.version = (char *)WCD_VERSION;
	r.uid = rq->uid;
	const char *fp = wcd_compiler_fp_known(d->compiler, fast, false);
	r.fingerprint = (char *)(fp ? fp : "");
	wcd_log(WCD_LOG_DEBUG, "hello from uid %u: %s", rq->uid, h->client ? h->client : "");
	rq->resp.body_case = WASMC__V1__RESPONSE__BODY_HELLO;
	rq->resp.hello = &r;
}

static void has_digest(wcd_daemon *d, wcd_req *rq, const Wasmc__V1__HasDigest *h)
{
	if (!digest_ok(rq, &h->digest, "has_digest"))
		return;
	Wasmc__V1__Tier tier;
	const char *fp;
	if (!wcd_cache_is_owner(d->cache, h->digest.data, rq->uid) ||
	    !stored_tier(d, h->digest.data, WASMC__V1__TIER__TIER_DEFAULT, false, &tier, &fp)) {
		wcd_req_error(rq, WASMC__V1__ERROR_CODE__NOT_FOUND, "module not found");
		return;
	}
	atomic_fetch_add(&d->cache_hits, 1);
	reply_module(d, rq, h->digest.data, WASMC__V1__TIER__TIER_DEFAULT, tier, true, 0);
}

static void upload(wcd_daemon *d, wcd_req *rq, const Wasmc__V1__Upload *u)
{
	if (!tier_ok(rq, u->tier, "upload"))
		return;
	uint8_t digest[WCD_DIGEST_LEN];
	const uint8_t *wasm = u->wasm.data ? u->wasm.data : (const uint8_t *)"";
	if (!wcd_sha256(wasm, u->wasm.len, digest)) {
		wcd_req_error(rq, WASMC__V1__ERROR_CODE__INTERNAL, "sha-256 failed");
		return;
	}
	Wasmc__V1__Tier tier;
	const char *fp;
	cmn_error err;
	/* The input is kept beside its artifacts (other variants, fuel or
	 * optimized, compile from it); an input that does not compile is not
	 * kept. */
	if (stored_tier(d, digest, u->tier, false, &tier, &fp)) {
		wcd_cache_add_owner(d->cache, digest, rq->uid);
		if (wcd_cache_put_source(d->cache, digest, wasm, u->wasm.len, rq->uid, &err))
			wcd_log(WCD_LOG_DEBUG, "uid %u: input not kept: %s", rq->uid, err.msg);
		atomic_fetch_add(&d->cache_hits, 1);
		reply_module(d, rq, digest, u->tier, tier, true, 0);
		return;
	}
	tier = u->tier == optimized ? optimized : fast;
	bool cached = false;
	double secs = 0;
	wcd_code code = wcd_compile_ensure(d->compiler, digest, wasm, u->wasm.len, tier, false,
	                                   rq->uid, &cached, &secs, &err);
	if (!code)
		code = wcd_cache_put_source(d->cache, digest, wasm, u->wasm.len, rq->uid, &err);
	if (code) {
		wcd_req_error(rq, code, "%s", err.msg);
		return;
	}
	if (u->tier == WASMC__V1__TIER__TIER_DEFAULT)
		wcd_compile_background(d->compiler, digest, false, rq->uid);
	if (cached)
		atomic_fetch_add(&d->cache_hits, 1);
	reply_module(d, rq, digest, u->tier, tier, cached, secs);
}

static void inspect(wcd_daemon *d, wcd_req *rq, const Wasmc__V1__Inspect *in)
{
	uint8_t digest[WCD_DIGEST_LEN];
	Wasmc__V1__Tier req_tier, tier;
	const char *fp;
	if (!wcd_modules_lookup(d->modules, rq->uid, in->module.data, in->module.len, digest,
	                        &req_tier)) {
		wcd_req_error(rq, WASMC__V1__ERROR_CODE__NOT_FOUND, "module not found");
		return;
	}
	if (!stored_tier(d, digest, req_tier, false, &tier, &fp) &&
	    !stored_tier(d, digest, WASMC__V1__TIER__TIER_DEFAULT, false, &tier, &fp)) {
		wcd_req_error(rq, WASMC__V1__ERROR_CODE__NOT_FOUND,
		              "module not found (no longer in the cache)");
		return;
	}
	reply_module(d, rq, digest, req_tier, tier, true, 0);
}

static void instantiate(wcd_daemon *d, wcd_req *rq, const Wasmc__V1__Instantiate *in)
{
	uint8_t digest[WCD_DIGEST_LEN];
	Wasmc__V1__Tier req_tier, tier;
	const char *fp = NULL;
	if (!wcd_modules_lookup(d->modules, rq->uid, in->module.data, in->module.len, digest,
	                        &req_tier)) {
		wcd_req_error(rq, WASMC__V1__ERROR_CODE__NOT_FOUND, "module not found");
		return;
	}
	if (in->limits && in->limits->fuel < 0) {
		wcd_req_error(rq, WASMC__V1__ERROR_CODE__BAD_REQUEST,
		              "instantiate: fuel must not be negative");
		return;
	}
	bool fuel = in->limits && in->limits->fuel > 0;
	cmn_error err;
	int fd = -1;
	/* Twice at most: a stored artifact that fails its check is removed,
	 * then compiled again. */
	for (int attempt = 0; attempt < 2 && fd < 0; attempt++) {
		if (!stored_tier(d, digest, req_tier, fuel, &tier, &fp)) {
			tier = req_tier == optimized ? optimized : fast;
			bool cached;
			double secs;
			wcd_code code = wcd_compile_ensure(d->compiler, digest, NULL, 0, tier, fuel,
			                                   rq->uid, &cached, &secs, &err);
			if (code) {
				wcd_req_error(rq, code, "%s", err.msg);
				return;
			}
			if (req_tier == WASMC__V1__TIER__TIER_DEFAULT)
				wcd_compile_background(d->compiler, digest, fuel, rq->uid);
			fp = wcd_compiler_fp(d->compiler, tier, fuel);
		}
		wcd_code code = wcd_cache_acquire(d->cache, digest, fp, &fd, &err);
		if (code && code != WASMC__V1__ERROR_CODE__NOT_FOUND) {
			wcd_req_error(rq, code, "%s", err.msg);
			return;
		}
	}
	if (fd < 0) {
		wcd_req_error(rq, WASMC__V1__ERROR_CODE__INTERNAL,
		              "the artifact could not be stored or read back");
		return;
	}
	wcd_inst_instantiate(d->insts, rq, digest, fp, fd, in);
	close(fd);
}

static void drop(wcd_daemon *d, wcd_req *rq, const Wasmc__V1__Drop *dr)
{
	if (wcd_inst_drop(d->insts, rq, dr->handle.data, dr->handle.len))
		return;
	if (!wcd_modules_drop(d->modules, rq->uid, dr->handle.data, dr->handle.len)) {
		wcd_req_error(rq, WASMC__V1__ERROR_CODE__NOT_FOUND, "handle not found");
		return;
	}
	static Wasmc__V1__Empty empty = WASMC__V1__EMPTY__INIT;
	rq->resp.body_case = WASMC__V1__RESPONSE__BODY_OK;
	rq->resp.ok = &empty;
}

/* ---------------------------------------------------------------------------
 * Cache management
 */

typedef struct list_reply {
	Wasmc__V1__CacheListReply msg;
} list_reply;

static void list_reply_free(void *p)
{
	list_reply *lr = p;
	wcd_cache_list_free(&lr->msg);
	free(lr);
}

typedef struct verify_reply {
	Wasmc__V1__CacheVerifyReply msg;
} verify_reply;

static void verify_reply_free(void *p)
{
	verify_reply *vr = p;
	wcd_cache_verify_free(&vr->msg);
	free(vr);
}

static void reply_ok(wcd_req *rq)
{
	static Wasmc__V1__Empty empty = WASMC__V1__EMPTY__INIT;
	rq->resp.body_case = WASMC__V1__RESPONSE__BODY_OK;
	rq->resp.ok = &empty;
}

static void cache_request(wcd_daemon *d, wcd_req *rq, const Wasmc__V1__Request *req)
{
	cmn_error err;
	wcd_code code;
	switch (req->body_case) {
	case WASMC__V1__REQUEST__BODY_CACHE_LIST: {
		list_reply *lr = calloc(1, sizeof *lr);
		if (!lr) {
			wcd_req_error(rq, WASMC__V1__ERROR_CODE__INTERNAL, "out of memory");
			return;
		}
		wasmc__v1__cache_list_reply__init(&lr->msg);
		wcd_cache_list(d->cache, rq->uid, rq->root, &lr->msg);
		if (wcd_req_defer(rq, list_reply_free, lr)) {
			rq->resp.body_case = WASMC__V1__RESPONSE__BODY_CACHE_LIST;
			rq->resp.cache_list = &lr->msg;
		}
		return;
	}
	case WASMC__V1__REQUEST__BODY_CACHE_REMOVE:
		if (!digest_ok(rq, &req->cache_remove->digest, "cache_remove"))
			return;
		code = wcd_cache_remove(d->cache, req->cache_remove->digest.data, rq->uid, rq->root,
		                        &err);
		if (code)
			wcd_req_error(rq, code, "%s", err.msg);
		else
			reply_ok(rq);
		return;
	case WASMC__V1__REQUEST__BODY_CACHE_PIN:
		if (!digest_ok(rq, &req->cache_pin->digest, "cache_pin"))
			return;
		code = wcd_cache_pin(d->cache, req->cache_pin->digest.data, req->cache_pin->unpin,
		                     rq->uid, rq->root, &err);
		if (code)
			wcd_req_error(rq, code, "%s", err.msg);
		else
			reply_ok(rq);
		return;
	case WASMC__V1__REQUEST__BODY_CACHE_GC: {
		static _Thread_local Wasmc__V1__CacheGcReply gr;
		wasmc__v1__cache_gc_reply__init(&gr);
		wcd_cache_gc(d->cache, req->cache_gc->budget_bytes, rq->uid, rq->root, &gr);
		rq->resp.body_case = WASMC__V1__RESPONSE__BODY_CACHE_GC;
		rq->resp.cache_gc = &gr;
		return;
	}
	case WASMC__V1__REQUEST__BODY_CACHE_VERIFY: {
		verify_reply *vr = calloc(1, sizeof *vr);
		if (!vr) {
			wcd_req_error(rq, WASMC__V1__ERROR_CODE__INTERNAL, "out of memory");
			return;
		}
		wasmc__v1__cache_verify_reply__init(&vr->msg);
		wcd_cache_verify(d->cache, rq->uid, rq->root, &vr->msg);
		if (wcd_req_defer(rq, verify_reply_free, vr)) {
			rq->resp.body_case = WASMC__V1__RESPONSE__BODY_CACHE_VERIFY;
			rq->resp.cache_verify = &vr->msg;
		}
		return;
	}
	default:
		wcd_req_error(rq, WASMC__V1__ERROR_CODE__BAD_REQUEST, "unknown request type");
		return;
	}
}

static void status(wcd_daemon *d, wcd_req *rq)
{
	static _Thread_local Wasmc__V1__StatusReply s;
	wasmc__v1__status_reply__init(&s);
	s.version = (char *)WCD_VERSION;
	s.uptime_seconds = (double)(wcd_mono_ms() - d->started_ms) / 1000.0;
	uint32_t died = 0;
	wcd_insts_stats(d->insts, &s.instances, &died);
	s.workers_died = died;
	s.idle_workers = wcd_pool_idle(d->pool);
	wcd_cache_stats(d->cache, &s.cache_entries, &s.cache_bytes);
	s.requests = atomic_load(&d->requests);
	wcd_compiler_stats(d->compiler, &s.compiles_running, &s.compiles_total);
	const char *fp = wcd_compiler_fp_known(d->compiler, fast, false);
	s.fingerprint = (char *)(fp ? fp : "");
	s.connections = atomic_load(&d->connections);
	s.cache_hits = atomic_load(&d->cache_hits);
	rq->resp.body_case = WASMC__V1__RESPONSE__BODY_STATUS;
	rq->resp.status = &s;
}

void wcd_dispatch(wcd_daemon *d, wcd_req *rq, const Wasmc__V1__Request *req)
{
	if (atomic_load(&d->stopping)) {
		wcd_req_error(rq, WASMC__V1__ERROR_CODE__SHUTTING_DOWN, "the daemon is stopping");
		return;
	}
	switch (req->body_case) {
	case WASMC__V1__REQUEST__BODY_HELLO:
		hello(d, rq, req->hello);
		return;
	case WASMC__V1__REQUEST__BODY_HAS_DIGEST:
		has_digest(d, rq, req->has_digest);
		return;
	case WASMC__V1__REQUEST__BODY_UPLOAD:
		upload(d, rq, req->upload);
		return;
	case WASMC__V1__REQUEST__BODY_INSPECT:
		inspect(d, rq, req->inspect);
		return;
	case WASMC__V1__REQUEST__BODY_INSTANTIATE:
		instantiate(d, rq, req->instantiate);
		return;
	case WASMC__V1__REQUEST__BODY_CALL:
		wcd_inst_call(d->insts, rq, req->call);
		return;
	case WASMC__V1__REQUEST__BODY_HOST_RETURN:
		wcd_inst_host_return(d->insts, rq, req->host_return);
		return;
	case WASMC__V1__REQUEST__BODY_DROP:
		drop(d, rq, req->drop);
		return;
	case WASMC__V1__REQUEST__BODY_CACHE_LIST:
	case WASMC__V1__REQUEST__BODY_CACHE_REMOVE:
	case WASMC__V1__REQUEST__BODY_CACHE_GC:
	case WASMC__V1__REQUEST__BODY_CACHE_PIN:
	case WASMC__V1__REQUEST__BODY_CACHE_VERIFY:
		cache_request(d, rq, req);
		return;
	case WASMC__V1__REQUEST__BODY_PROCESS_LIST:
		wcd_inst_list(d->insts, rq);
		return;
	case WASMC__V1__REQUEST__BODY_PROCESS_KILL:
		wcd_inst_kill(d->insts, rq, req->process_kill);
		return;
	case WASMC__V1__REQUEST__BODY_STATUS:
		status(d, rq);
		return;
	default:
		wcd_req_error(rq, WASMC__V1__ERROR_CODE__BAD_REQUEST,
		              "request has no body, or one this daemon does not know (field %d)",
		              (int)req->body_case);
		return;
	}
}
