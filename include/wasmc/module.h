/*
 * wasmc/module.h - a compiled module held by the daemon.
 *
 * Loading computes the SHA-256 of the bytes, asks the daemon whether it
 * already has that module (HasDigest) and uploads the bytes only when it
 * does not; the daemon compiles on a miss (or finds the artifact in its
 * cache). The module handle is bound to the connection's uid.
 *
 * Thread-safety: a module is immutable once loaded; any number of threads
 * may inspect it and instantiate it at once. wasmc_module_free must not
 * race with other uses of the same module.
 */
#ifndef WASMC_MODULE_H
#define WASMC_MODULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <wasmc/conn.h>
#include <wasmc/error.h>
#include <wasmc/types.h>
#include <wasmc/visibility.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wasmc_module wasmc_module;

/* Compilation tiers (wasmc.v1 Tier, same numbers). */
typedef enum wasmc_tier {
	WASMC_TIER_DEFAULT = 0,   /* fast first, optimized in the background */
	WASMC_TIER_FAST = 1,
	WASMC_TIER_OPTIMIZED = 2,
} wasmc_tier;

/* Loads a module from `len` bytes at `wasm` (borrowed: only read during
 * the call). On success *ret_module is new; free it with
 * wasmc_module_free(). Errors: WASMC_ERR_INVALID_MODULE (the message says
 * what is wrong), WASMC_ERR_COMPILE_FAILED, WASMC_ERR_TOO_LARGE, transport
 * errors. Blocking: as long as the daemon compiles (call_timeout_ms). */
WASMC_API wasmc_error *wasmc_module_load(wasmc_conn *conn, const uint8_t *wasm,
                                         size_t len, wasmc_tier tier,
                                         wasmc_module **ret_module);

/* Same, reading the file at `path` (WASMC_ERR_IO when it cannot be read). */
WASMC_API wasmc_error *wasmc_module_load_file(wasmc_conn *conn,
                                              const char *path,
                                              wasmc_tier tier,
                                              wasmc_module **ret_module);

/* A module the daemon already has for this uid, by its SHA-256 (32 bytes).
 * WASMC_ERR_NOT_FOUND when it has none. */
WASMC_API wasmc_error *wasmc_module_open_digest(wasmc_conn *conn,
                                                const uint8_t digest[32],
                                                wasmc_module **ret_module);

/* Tells the daemon the handle is no longer needed (best effort: a failure
 * to reach the daemon is ignored) and releases the module. Instances made
 * from it stay usable. Accepts NULL. */
WASMC_API void wasmc_module_free(wasmc_module *module);

/* Imports and exports, in the module's order. _get returns NULL when `i`
 * is out of range; the pointer is owned by the module. */
WASMC_API size_t wasmc_module_import_count(const wasmc_module *module);
WASMC_API const wasmc_import *wasmc_module_import_get(const wasmc_module *module,
                                                      size_t i);
WASMC_API size_t wasmc_module_export_count(const wasmc_module *module);
WASMC_API const wasmc_export *wasmc_module_export_get(const wasmc_module *module,
                                                      size_t i);
/* The export named `name`, or NULL. */
WASMC_API const wasmc_export *wasmc_module_export_find(const wasmc_module *module,
                                                       const char *name);

/* The SHA-256 of the module's bytes (32 bytes, owned by the module) and
 * its 64-character lowercase hex form (owned by the module). */
WASMC_API const uint8_t *wasmc_module_digest(const wasmc_module *module);
WASMC_API const char *wasmc_module_digest_hex(const wasmc_module *module);
/* True when the daemon needed no compile for this load. */
WASMC_API bool wasmc_module_cached(const wasmc_module *module);
/* Wall time of the compile this load caused (0 when cached). */
WASMC_API double wasmc_module_compile_seconds(const wasmc_module *module);
WASMC_API wasmc_tier wasmc_module_tier(const wasmc_module *module);

/* Helpers for digests: writes 64 hex characters and a NUL into `out`. */
WASMC_API void wasmc_digest_format(const uint8_t digest[32], char out[65]);
/* Parses 64 hex characters (either case, an optional "sha256:" prefix);
 * false when `text` is not exactly that. */
WASMC_API bool wasmc_digest_parse(const char *text, uint8_t out[32]);
/* SHA-256 of `len` bytes at `data`, computed locally. */
WASMC_API void wasmc_digest_compute(const uint8_t *data, size_t len,
                                    uint8_t out[32]);

#ifdef __cplusplus
}
#endif

#endif
