/*
 * it_daemon.h - a real wasmcd for integration tests: started on a private
 * socket and cache under a temporary directory, stopped with SIGTERM (or
 * killed), restarted on the same cache; and what the tests measure of it
 * (RSS, open fds, child processes).
 *
 * Binaries come from $WASMC_BIN (default build/bin). Not thread-safe: one
 * test thread starts and stops daemons.
 */
#ifndef IT_DAEMON_H
#define IT_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct it_daemon {
	pid_t pid;
	char dir[256];    /* temporary directory (owned; removed by it_daemon_free) */
	char socket[320]; /* dir/run/wasmcd.sock */
	char cache[320];  /* dir/cache */
	char log[320];    /* dir/wasmcd.log: the daemon's stderr */
	char extra[512];  /* extra flags, space separated (set before start) */
} it_daemon;

/* Creates the directory and starts wasmcd; waits until it answers (up to
 * 20 s). False with a message on stderr when it does not come up. */
bool it_daemon_start(it_daemon *d, const char *extra_flags);
/* Starts it again on the same directory (after a stop or kill). */
bool it_daemon_restart(it_daemon *d);
/* SIGTERM and wait up to 20 s; returns the exit status as waitpid gives it,
 * or -1 when it had to be killed. */
int it_daemon_stop(it_daemon *d);
/* SIGKILL and reap. */
void it_daemon_kill(it_daemon *d);
/* Stops it if running and removes the directory (with WASMC_IT_KEEP set:
 * leaves both, for a look after a failure). Accepts NULL. */
void it_daemon_free(it_daemon *d);

/* Resident set (bytes), open descriptors and direct child processes of the
 * running daemon; -1 when not readable. */
long it_daemon_rss(const it_daemon *d);
int it_daemon_fds(const it_daemon *d);
int it_daemon_children(const it_daemon *d);
/* CPU time (user + system, seconds) the daemon has used so far; -1 when
 * not readable. */
double it_daemon_cpu(const it_daemon *d);

/* Pids of its children, up to max; returns the count. */
int it_daemon_child_pids(const it_daemon *d, pid_t *pids, int max);

/* Sleeps ms milliseconds. */
void it_sleep_ms(long ms);

/* Path of a built binary ($WASMC_BIN/name) in a static buffer. */
const char *it_bin(const char *name);

/* Runs a command line through /bin/sh, capturing stdout (and stderr when
 * `with_stderr`) into a malloc'd string (*ret_out, caller frees). Returns
 * the exit status (0..255), or -1 when it could not run. */
int it_run(const char *cmd, bool with_stderr, char **ret_out);

/* The fixture tests/integration/fixtures/NAME.wat, encoded by run.sh into
 * $WASMC_IT_FIXTURES/NAME.wasm (default build/it/fixtures). Returns
 * malloc'd bytes (caller frees) or NULL with a message on stderr. */
unsigned char *it_fixture(const char *name, size_t *ret_len);

/* A copy of a module with a custom section "it" holding `tag` appended:
 * the same code under another digest. Caller frees. */
unsigned char *it_with_tag(const unsigned char *wasm, size_t len,
                           unsigned tag, size_t *ret_len);

#endif
