/*
 * wcd_module.h - module handles: 16 random bytes naming (uid, digest) for
 * the uid that uploaded (or found) the module. One handle per (uid,
 * digest): uploading again returns the same handle. Another uid's handle
 * is not found. Handles of a digest that left the cache are forgotten
 * (wcd_modules_digest_gone); at most WCD_MODULES_PER_UID per uid (the
 * least recently used goes).
 *
 * Thread-safe (one lock; calls nothing else while holding it).
 */
#ifndef WCD_MODULE_H
#define WCD_MODULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wasmc/v1/wasmc.pb-c.h"
#include "wcd_util.h"

#define WCD_MODULES_PER_UID 4096

typedef struct wcd_modules wcd_modules;

bool wcd_modules_new(wcd_modules **ret);
void wcd_modules_free(wcd_modules *m);

/* The handle of (uid, digest), made when new; `tier` is the tier the uid
 * asked for last (instantiations follow it). False when out of memory or
 * randomness. */
bool wcd_modules_handle(wcd_modules *m, uint32_t uid, const uint8_t *digest, Wasmc__V1__Tier tier,
                        uint8_t ret_handle[WCD_HANDLE_LEN]);

/* The digest and tier of uid's handle; false when it is not one. */
bool wcd_modules_lookup(wcd_modules *m, uint32_t uid, const uint8_t *handle, size_t len,
                        uint8_t ret_digest[WCD_DIGEST_LEN], Wasmc__V1__Tier *ret_tier);

/* Forgets uid's handle; false when it is not one. */
bool wcd_modules_drop(wcd_modules *m, uint32_t uid, const uint8_t *handle, size_t len);

/* Forgets every handle of `digest`. */
void wcd_modules_digest_gone(wcd_modules *m, const uint8_t *digest);

#endif
