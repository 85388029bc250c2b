/*
 * wcd_daemon.h - the daemon's parts, shared by the server threads: the
 * configuration, the cache, the compiler, the exec pool, instances and
 * module handles, and the counters Status reports.
 *
 * Built once by main (wcd_main.c) and torn down after the server threads
 * are joined. The parts are thread-safe; the counters are atomics.
 */
#ifndef WCD_DAEMON_H
#define WCD_DAEMON_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "wcd_cache.h"
#include "wcd_compile.h"
#include "wcd_config.h"
#include "wcd_inst.h"
#include "wcd_module.h"
#include "wcd_pool.h"
#include "wcd_req.h"

typedef struct wcd_daemon {
	wcd_config cfg;
	wcd_cache *cache;
	wcd_compiler *compiler;
	wcd_pool *pool;
	wcd_insts *insts;
	wcd_modules *modules;
	int64_t started_ms;
	atomic_bool stopping;
	atomic_uint_fast64_t requests;
	atomic_uint_fast64_t cache_hits;
	atomic_uint connections;
	atomic_uint in_flight; /* requests being handled now */
} wcd_daemon;

/* Serves one unpacked, checked request: fills rq->resp. */
void wcd_dispatch(wcd_daemon *d, wcd_req *rq, const Wasmc__V1__Request *req);

#endif
