/*
 * wcd_cache.h - the artifact cache on disk (DESIGN.md §4): artifacts keyed
 * by (SHA-256 of the input, engine fingerprint), their .meta sidecars, the
 * inputs themselves (to compile other variants later), the index (size,
 * created, last used, pins, owner uids) and the daemon's key.
 *
 * Files are written to temporary files, fsynced and renamed (the directory
 * fsynced too); temporary files left by a killed daemon are removed at
 * open. The index is rebuilt from the files when missing or unreadable;
 * every artifact's header is checked against its sidecar at open and its
 * MAC before an exec worker gets it (wcd_cache_acquire): a bad file is
 * removed and reported as missing, so the caller compiles it again.
 *
 * Quotas: the first uid that stored an entry is charged for it; storing
 * past `uid_quota` bytes first evicts that uid's least recently used
 * entries, then fails with QUOTA_EXCEEDED. The whole cache is kept under
 * `budget` bytes by least-recent-use gc. Pinned entries and entries in use
 * by an instance are never evicted.
 *
 * Digests are WCD_DIGEST_LEN bytes. Functions returning an error code return
 * WASMC__V1__ERROR_CODE__ERROR_NONE on success, else a code with `err` filled (messages are for
 * clients). Thread-safe: one lock; file checks and writes happen outside it.
 */
#ifndef WCD_CACHE_H
#define WCD_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cmn_error.h"
#include "wasmc/v1/cache.pb-c.h"
#include "wasmc/v1/wasmc.pb-c.h"
#include "wcd_util.h"

#define WCD_KEY_LEN 32

typedef struct wcd_cache wcd_cache;
typedef Wasmc__V1__ErrorCode wcd_code;

/* Opens (creating) the cache in `dir` and the key in `state_dir`
 * ("key", 32 random bytes, 0600, created once). */
bool wcd_cache_open(const char *dir, const char *state_dir, uint64_t budget, uint64_t uid_quota,
                    wcd_cache **ret, cmn_error *err);

/* Writes the index and frees everything. Accepts NULL. */
void wcd_cache_close(wcd_cache *c);

/* Writes the index if anything changed since the last write. */
bool wcd_cache_flush(wcd_cache *c, cmn_error *err);

/* The daemon's secret (WCD_KEY_LEN bytes, owned by the cache). */
const uint8_t *wcd_cache_key(const wcd_cache *c);

/* True when the artifact (digest, fp) is stored; with ret_meta, its
 * sidecar (caller frees with wcd_meta_free). Marks it used now. */
bool wcd_cache_find(wcd_cache *c, const uint8_t *digest, const char *fp,
                    Wasmc__V1__Cache__Meta **ret_meta);
void wcd_meta_free(Wasmc__V1__Cache__Meta *m);

/* True when `uid` is among the owners of an entry of `digest`. */
bool wcd_cache_is_owner(wcd_cache *c, const uint8_t *digest, uint32_t uid);
/* Adds `uid` to the owners of every entry of `digest`. */
void wcd_cache_add_owner(wcd_cache *c, const uint8_t *digest, uint32_t uid);

/* Stores the input bytes of `digest` (nothing when already stored). */
wcd_code wcd_cache_put_source(wcd_cache *c, const uint8_t *digest, const uint8_t *wasm, size_t len,
                              uint32_t uid, cmn_error *err);
/* Reads them back (malloc'd, caller frees); NOT_FOUND when gone. */
wcd_code wcd_cache_read_source(wcd_cache *c, const uint8_t *digest, uint8_t **ret_buf,
                               size_t *ret_len, cmn_error *err);

/* Stores a sealed artifact and its sidecar (meta->fingerprint names it). */
wcd_code wcd_cache_put_artifact(wcd_cache *c, const uint8_t *digest,
                                const Wasmc__V1__Cache__Meta *meta, const uint8_t *artifact,
                                size_t len, uint32_t uid, cmn_error *err);

/* Opens the artifact for an exec worker: a read-only descriptor (caller
 * closes) whose header and MAC were checked (once per file version), and
 * marks the entry in use until wcd_cache_release. NOT_FOUND when absent,
 * or when the file was bad (then it is removed and logged). */
wcd_code wcd_cache_acquire(wcd_cache *c, const uint8_t *digest, const char *fp, int *ret_fd,
                           cmn_error *err);
void wcd_cache_release(wcd_cache *c, const uint8_t *digest, const char *fp);

/* Cache management requests (`root`: the caller is uid 0, who sees and
 * manages every entry; others only entries they own). The list reply's
 * arrays are malloc'd: free with wcd_cache_list_free. */
void wcd_cache_list(wcd_cache *c, uint32_t uid, bool root, Wasmc__V1__CacheListReply *out);
void wcd_cache_list_free(Wasmc__V1__CacheListReply *out);
wcd_code wcd_cache_remove(wcd_cache *c, const uint8_t *digest, uint32_t uid, bool root,
                          cmn_error *err);
wcd_code wcd_cache_pin(wcd_cache *c, const uint8_t *digest, bool unpin, uint32_t uid, bool root,
                       cmn_error *err);
/* gc to `budget` bytes (0: the configured budget). Non-root callers gc
 * only entries charged to them. */
void wcd_cache_gc(wcd_cache *c, uint64_t budget, uint32_t uid, bool root,
                  Wasmc__V1__CacheGcReply *out);
/* Checks every MAC (and every input's SHA-256) of the entries `uid` owns
 * (root: all), removing bad entries.
 * `problems` strings are malloc'd: free with wcd_cache_verify_free. */
void wcd_cache_verify(wcd_cache *c, uint32_t uid, bool root, Wasmc__V1__CacheVerifyReply *out);
void wcd_cache_verify_free(Wasmc__V1__CacheVerifyReply *out);

/* Called with each digest whose last entry was removed (module handles of
 * it become useless). Set once at startup. */
void wcd_cache_on_gone(wcd_cache *c, void (*fn)(const uint8_t *digest, void *), void *arg);

/* Entries (artifacts and inputs) and their bytes. */
void wcd_cache_stats(wcd_cache *c, uint32_t *ret_entries, uint64_t *ret_bytes);

#endif
