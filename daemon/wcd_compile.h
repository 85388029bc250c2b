/*
 * wcd_compile.h - compiling through the compile worker (wasmc-compiler):
 * one process per compile, one CompileRequest -> one CompileReply, under a
 * wall-clock timeout; the artifact it returns (sealed with plain SHA-256)
 * is checked (magic, version, fingerprint, sizes, SHA-256), re-sealed with
 * the daemon's key and stored in the cache.
 *
 * Engine fingerprints are asked once per (tier, fuel) at startup
 * (fingerprint_only), and again later while the compiler does not answer. Concurrent requests for
 * one (digest, fingerprint) compile once: the others wait for the same compile. Optimized builds
 * after a fast one run in the background, one at a time, from the input
 * kept in the cache.
 *
 * At most one compile per CPU (at least 2) runs at once; the others wait
 * for a slot before their timeout starts.
 *
 * Thread-safe. wcd_compile_ensure blocks for the compile (up to the
 * configured timeout, after a slot is free).
 */
#ifndef WCD_COMPILE_H
#define WCD_COMPILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmn_error.h"
#include "wcd_cache.h"
#include "wcd_config.h"

/* Guard region after 32-bit memories: asked of the compiler (it is part
 * of the fingerprint) and of the exec worker (what it reserves); the
 * engine's default. */
#define WCD_GUARD_BYTES ((uint64_t)2 << 30)

typedef struct wcd_compiler wcd_compiler;

/* `exe` is the wasmc-compiler path. Asks the fingerprints; a compiler that
 * cannot answer is logged, and every compile then fails with its reason
 * (the daemon still serves everything else). The cache is borrowed. */
bool wcd_compiler_new(const char *exe, const wcd_config *cfg, wcd_cache *cache, wcd_compiler **ret,
                      cmn_error *err);

/* Stops the background thread and frees. Accepts NULL. Compile workers
 * still running are killed by the caller (wcd_child_kill_all) first. */
void wcd_compiler_free(wcd_compiler *w);

/* The fingerprint of (tier FAST or OPTIMIZED, fuel); NULL when the
 * compiler did not answer (asked again at most every second: this may then
 * block for the compiler's answers). Owned by the compiler. */
const char *wcd_compiler_fp(wcd_compiler *w, Wasmc__V1__Tier tier, bool fuel);
/* The same, never asking the compiler (for Hello and Status, which must
 * not wait on it): NULL when not known yet. */
const char *wcd_compiler_fp_known(wcd_compiler *w, Wasmc__V1__Tier tier, bool fuel);

/* Makes sure the artifact (digest, tier, fuel) is in the cache, compiling
 * `wasm` (NULL: the input stored in the cache) when it is not. On success
 * *ret_cached tells whether it was there already and *ret_seconds is the
 * compile's wall time. `uid` is charged for what is stored. */
wcd_code wcd_compile_ensure(wcd_compiler *w, const uint8_t *digest, const uint8_t *wasm, size_t len,
                            Wasmc__V1__Tier tier, bool fuel, uint32_t uid, bool *ret_cached,
                            double *ret_seconds, cmn_error *err);

/* Queues an optimized build of (digest, fuel) in the background (nothing
 * when it is cached, queued or the queue is full). */
void wcd_compile_background(wcd_compiler *w, const uint8_t *digest, bool fuel, uint32_t uid);

/* From now on, new compiles fail with SHUTTING_DOWN. */
void wcd_compiler_stop(wcd_compiler *w);

/* Compiles running now, and compile workers run since start. */
void wcd_compiler_stats(wcd_compiler *w, uint32_t *ret_running, uint64_t *ret_total);

#endif
