/*
 * wasmc/conn.h - a connection to the wasmc daemon (wasmcd).
 *
 * Socket path: the explicit `socket_path`, else $WASMC_SOCKET, else
 * /run/wasmcd/wasmcd.sock when it exists, else
 * $XDG_RUNTIME_DIR/wasmc/wasmcd.sock (when XDG_RUNTIME_DIR is set), else
 * /tmp/wasmc-UID/wasmcd.sock. wasmc_conn_open says Hello to the daemon and
 * checks the protocol version before it returns.
 *
 * Thread-safety: a connection may be used by any number of threads at once;
 * every request travels on its own nng context, so a long call on one
 * thread does not hold up requests of another.
 *
 * Lifetime: modules and instances keep their connection alive: the
 * connection is really closed when wasmc_conn_close() has been called and
 * the last module and instance made through it is freed.
 *
 * Daemon restarts: a request made while the connection is down waits up to
 * one second for nng to reconnect, then fails with WASMC_ERR_TRANSPORT;
 * handles made before the restart are gone (WASMC_ERR_NOT_FOUND).
 *
 * fork(): nng is not fork-safe; a child process must not use connections
 * (or modules, instances) of its parent: it opens its own.
 */
#ifndef WASMC_CONN_H
#define WASMC_CONN_H

#include <stddef.h>
#include <stdint.h>

#include <wasmc/error.h>
#include <wasmc/visibility.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wasmc_conn wasmc_conn;

/* Connection options. Always fill with wasmc_conn_options_init() first,
 * then change the fields you need (new fields may be added at the end). */
typedef struct wasmc_conn_options {
	/* Waiting for the daemon to accept the connection and answer Hello
	 * (default 5000 ms). */
	int connect_timeout_ms;
	/* Waiting for the reply of a short request: lookups, instantiate,
	 * drop, cache and process management (default 60000 ms). */
	int request_timeout_ms;
	/* Waiting for the reply of an upload (compile) or a call, which take
	 * as long as the guest or the compiler runs; -1 (the default) waits
	 * without limit: the daemon enforces compile limits and the
	 * instance's deadline_ms and cpu_ms. */
	int call_timeout_ms;
	/* Largest reply accepted (default 64 MiB). */
	size_t recv_max_bytes;
	/* Free text the daemon logs ("myapp 1.2"); NULL for "libwasmc". Copied. */
	const char *client_name;
	/* Calls of an instance go straight to its worker over a channel the
	 * daemon hands out at the instance's first call (default true; the
	 * daemon is then out of the call path). false, or a daemon that has no
	 * channel to give, sends every call through the daemon. Same results,
	 * traps and errors either way. */
	bool direct_calls;
} wasmc_conn_options;

/* Fills `opts` with the defaults above. */
WASMC_API void wasmc_conn_options_init(wasmc_conn_options *opts);

/* The path wasmc_conn_open(NULL, ...) would use, into buf (at most len
 * bytes including the NUL). Returns the length it needs (like snprintf). */
WASMC_API size_t wasmc_default_socket_path(char *buf, size_t len);

/* Connects. `socket_path` may be NULL (see above); `opts` may be NULL for
 * the defaults. On success *ret_conn is a new connection, released with
 * wasmc_conn_close(). Errors: WASMC_ERR_UNREACHABLE (no daemon listening at
 * the path: the message names it), WASMC_ERR_TIMEOUT,
 * WASMC_ERR_VERSION_MISMATCH. Blocking: up to connect_timeout_ms. */
WASMC_API wasmc_error *wasmc_conn_open(const char *socket_path,
                                       const wasmc_conn_options *opts,
                                       wasmc_conn **ret_conn);

/* Releases the caller's reference (see Lifetime). Must not be called while
 * other threads still use `conn`. Accepts NULL. */
WASMC_API void wasmc_conn_close(wasmc_conn *conn);

/* What the daemon said at Hello. Borrowed strings, valid while the
 * connection lives. */
WASMC_API const char *wasmc_conn_socket_path(const wasmc_conn *conn);
WASMC_API const char *wasmc_conn_daemon_version(const wasmc_conn *conn);
WASMC_API const char *wasmc_conn_fingerprint(const wasmc_conn *conn);
/* The uid the daemon sees for this connection. */
WASMC_API uint32_t wasmc_conn_uid(const wasmc_conn *conn);

/* The version of this library ("0.1.0"); static. */
WASMC_API const char *wasmc_version(void);

#ifdef __cplusplus
}
#endif

#endif
