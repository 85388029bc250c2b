/*
 * wcd_inst.h - instances: one exec worker each, bound to the uid (and the
 * connection) that created them, and the calls into them, host calls
 * included (DESIGN.md §1, §7).
 *
 * A call: the daemon forwards ExecCall and waits for the worker's answer
 * (at most the call's deadline + 1 s: then the worker is killed and the
 * call traps "deadline exceeded"). Results and traps end the call; a host
 * call goes back to the client with a fresh 16-byte token and is kept on
 * the instance's stack of pending host calls; HostReturn (the innermost
 * token only) is forwarded and waited for like a call; a Call whose
 * `parent` is the innermost token is a nested call. Any other call while
 * the instance is busy is BUSY. A worker that ends is WORKER_DIED for the
 * call waiting on it (its wait status in the message) and the instance is
 * dead from then on (INSTANCE_DEAD) until dropped.
 *
 * Quotas per uid: instances (instantiations in progress count) and calls
 * in flight (requests waiting on a worker).
 *
 * Thread-safe: one registry lock, never held while talking to a worker.
 */
#ifndef WCD_INST_H
#define WCD_INST_H

#include <stdbool.h>
#include <stdint.h>

#include "wcd_cache.h"
#include "wcd_config.h"
#include "wcd_pool.h"
#include "wcd_req.h"
#include "wcd_util.h"

/* Per-instance defaults applied when a limit is 0. */
#define WCD_DEFAULT_DEADLINE_MS ((uint64_t)10 * 60 * 1000) /* 10 minutes per call */
#define WCD_DEFAULT_MAX_MEMORY ((uint64_t)4 << 30)         /* per memory */
#define WCD_DEFAULT_MAX_TABLE ((uint64_t)10000000)         /* elements per table */
#define WCD_LOAD_TIMEOUT_MS 30000
#define WCD_MAX_HOST_DEPTH 64

typedef struct wcd_insts wcd_insts;

/* The pool and cache are borrowed. */
bool wcd_insts_new(const wcd_config *cfg, wcd_pool *pool, wcd_cache *cache, wcd_insts **ret,
                   cmn_error *err);
/* Kills every worker and frees. Accepts NULL. No request may be running. */
void wcd_insts_free(wcd_insts *r);

/* Instantiates the artifact (digest, fp), open on `fd` (borrowed; already
 * acquired from the cache: released when the instance ends, or here on
 * failure). Fills the response (Instance or Error). */
void wcd_inst_instantiate(wcd_insts *r, wcd_req *rq, const uint8_t *digest, const char *fp, int fd,
                          const Wasmc__V1__Instantiate *in);

void wcd_inst_call(wcd_insts *r, wcd_req *rq, const Wasmc__V1__Call *in);
void wcd_inst_host_return(wcd_insts *r, wcd_req *rq, const Wasmc__V1__HostReturn *in);

/* Status bytes of the direct channel handout (wasmc.proto). */
enum {
	WCD_DIRECT_OK = 0,
	WCD_DIRECT_NOT_FOUND = 1,   /* no instance `handle` of `uid` */
	WCD_DIRECT_UNAVAILABLE = 2, /* handed out already, or none, or dead */
	WCD_DIRECT_BAD_REQUEST = 3,
};

/* Hands the direct channel of instance `handle` (WCD_HANDLE_LEN bytes) to
 * `uid`, its owner: on WCD_DIRECT_OK *ret_fd is the daemon's end, now the
 * caller's to send and close; the instance keeps none. */
uint8_t wcd_inst_take_direct(wcd_insts *r, uint32_t uid, const uint8_t *handle, int *ret_fd);

/* Drop of an instance handle: true when it was one (response filled). */
bool wcd_inst_drop(wcd_insts *r, wcd_req *rq, const uint8_t *handle, size_t len);

void wcd_inst_list(wcd_insts *r, wcd_req *rq);
void wcd_inst_kill(wcd_insts *r, wcd_req *rq, const Wasmc__V1__ProcessKill *in);

/* A client connected on nng pipe `pipe`. Instances are made only for
 * requests of connected pipes. Does not block. */
void wcd_insts_pipe_added(wcd_insts *r, uint32_t pipe);
/* The client on nng pipe `pipe` went away: its instances are killed and
 * forgotten. Does not block. */
void wcd_insts_pipe_gone(wcd_insts *r, uint32_t pipe);

/* From now on, calls and instantiations fail with SHUTTING_DOWN; then
 * every worker is killed (calls waiting on them answer SHUTTING_DOWN). */
void wcd_insts_stop(wcd_insts *r);

/* Live instances, and workers that ended unexpectedly since start. */
void wcd_insts_stats(wcd_insts *r, uint32_t *ret_instances, uint32_t *ret_died);

#endif
