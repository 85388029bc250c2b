/*
 * wcd_pool.h - pre-started exec workers (wasmc-exec), so an instantiation
 * does not wait for a process start (DESIGN.md §6).
 *
 * A worker is started with its channel at fd 3; the first frame it sends
 * is ExecReply{ready{pid, warnings}}: each distinct warning is logged once.
 * Then the pool attaches the worker's direct channel (ExecAttach with one
 * end of a socketpair; the other end stays in the wcd_worker).
 * A background thread keeps `pool` ready workers and drops idle ones that
 * died. Thread-safe.
 */
#ifndef WCD_POOL_H
#define WCD_POOL_H

#include <stdbool.h>
#include <sys/types.h>

#include "cmn_error.h"
#include "wcd_config.h"

typedef struct wcd_worker {
	pid_t pid;
	int sock;   /* the daemon's end of the channel */
	int direct; /* the other end of the worker's direct channel (given to
	               the instance's owner, wasmc.proto "Direct channel"), or -1 */
	/* The worker's deadline page (worker.proto ExecWatch): the deadline
	 * of its calls in progress, CLOCK_MONOTONIC ns, 0 none; or NULL. */
	volatile uint64_t *watch;
} wcd_worker;

typedef struct wcd_pool wcd_pool;

/* `exe` is the wasmc-exec path. Starts the refill thread. */
bool wcd_pool_new(const char *exe, const wcd_config *cfg, wcd_pool **ret, cmn_error *err);

/* A ready worker: from the pool, or started now when the pool is empty
 * (waiting up to 10 s for its Ready). The caller owns it: end it with
 * wcd_worker_end. */
bool wcd_pool_take(wcd_pool *p, wcd_worker *ret, cmn_error *err);

/* Idle ready workers now. */
unsigned wcd_pool_idle(wcd_pool *p);

/* Stops refilling and ends the idle workers; then frees. Accepts NULL. */
void wcd_pool_free(wcd_pool *p);

/* Kills (if running) and forgets the worker, closes its channels. */
void wcd_worker_end(wcd_worker *w);

#endif
