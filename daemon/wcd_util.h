/*
 * wcd_util.h - small helpers of the daemon: random tokens, hex, clocks,
 * directories and durable file writes.
 *
 * All functions are thread-safe and block only on file I/O.
 */
#ifndef WCD_UTIL_H
#define WCD_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cmn_error.h"

#define WCD_HANDLE_LEN 16
#define WCD_DIGEST_LEN 32

/* Fills buf with n bytes from getrandom(2). False only when the kernel
 * refuses (then the caller must not use buf). */
bool wcd_random(void *buf, size_t n);

/* Lower-case hex of n bytes into out (2n+1 bytes, NUL-terminated). */
void wcd_hex(const uint8_t *p, size_t n, char *out);

/* SHA-256 of p[0..n). */
bool wcd_sha256(const void *p, size_t n, uint8_t out[WCD_DIGEST_LEN]);

/* Seconds since the epoch / a monotonic clock in milliseconds. */
int64_t wcd_now(void);
int64_t wcd_mono_ms(void);

/* Creates `path` and missing parents with `mode` (existing ones are left
 * as they are). */
bool wcd_mkdirs(const char *path, mode_t mode, cmn_error *err);

/* Writes n bytes to `path` durably and atomically: a temporary file
 * beside it (".tmp-" prefix, cleaned at startup), fsync, rename, fsync of
 * the directory. `mode` is the file's mode. */
bool wcd_write_atomic(const char *path, const void *buf, size_t n, mode_t mode, cmn_error *err);

/* snprintf into a path buffer; false when it did not fit (out is then
 * truncated and must not be used). */
bool wcd_path(char *out, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Writes all n bytes to fd (EINTR retried). */
bool wcd_write_all(int fd, const void *buf, size_t n);

#endif
