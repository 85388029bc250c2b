/*
 * wcd_config.h - wasmcd's settings: built-in defaults, then the
 * configuration file (`--config FILE`: `key = value` lines, `#` comments),
 * then command-line flags, each overriding the one before.
 *
 * Keys (file) and flags (--key VALUE) share names: socket, socket-group, cache,
 * state-dir, libexec, pool, threads, max-instances, max-calls,
 * max-cache-bytes, max-request-bytes, compile-timeout, compile-memory-mb,
 * log-level, no-namespaces (file: true/false; flag: no value).
 * Flags only: --config FILE, --foreground (accepted; wasmcd never forks
 * into the background), --help, --version.
 *
 * The struct owns its strings (wcd_config_free). Not thread-safe; filled
 * once at startup and read-only afterwards.
 */
#ifndef WCD_CONFIG_H
#define WCD_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "cmn_error.h"

#define WCD_VERSION "0.1.0"

typedef struct wcd_config {
	char *socket;       /* path of the ipc socket */
	char *socket_group; /* group given the socket and its directory; NULL: unchanged */
	char *cache;        /* cache directory */
	char *state_dir;    /* where the key lives; NULL: the cache directory */
	char *libexec;      /* directory of wasmc-exec / wasmc-compiler; NULL: beside wasmcd */
	unsigned pool;      /* pre-started exec workers */
	unsigned threads;
	unsigned max_instances;   /* per uid */
	unsigned max_calls;       /* calls in flight per uid */
	uint64_t max_cache_bytes; /* per uid, and the cache's gc budget */
	uint64_t max_request_bytes;
	unsigned compile_timeout; /* seconds */
	unsigned compile_memory_mb;
	int log_level;
	bool no_namespaces;
	bool help, version;
} wcd_config;

/* Fills `c` with the defaults for this user (root: /run/wasmcd/wasmcd.sock
 * and /var/cache/wasmcd; others: $XDG_RUNTIME_DIR/wasmc/wasmcd.sock or
 * /tmp/wasmc-UID/wasmcd.sock, and $XDG_CACHE_HOME/wasmc or ~/.cache/wasmc),
 * then applies `--config FILE` if given and the other flags. Errors name
 * the file and line, or the flag. */
bool wcd_config_load(wcd_config *c, int argc, char **argv, cmn_error *err);

/* Applies one `key`, `value` pair (used by both the file and the flags);
 * `where` prefixes errors ("FILE:LINE" or "--flag"). */
bool wcd_config_set(wcd_config *c, const char *key, const char *value, const char *where,
                    cmn_error *err);

/* The --help text. */
const char *wcd_config_usage(void);

/* Frees the strings. Accepts NULL. */
void wcd_config_free(wcd_config *c);

#endif
