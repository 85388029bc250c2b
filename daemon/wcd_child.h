/*
 * wcd_child.h - worker processes: started with a channel at fd 3, reaped
 * by one reaper thread, and their exit status kept until the owner asks.
 *
 * A child is spawned with posix_spawn; its fd 3 is the worker end of an
 * AF_UNIX SOCK_STREAM socketpair (the daemon keeps the other end, close-on-
 * exec). Signals are unblocked and SIGPIPE is default in the child.
 *
 * The reaper waits for any child (waitid WNOWAIT), records the status and
 * only then reaps it, all under the table's lock, so wcd_child_kill never
 * signals a pid that was reaped and reused.
 *
 * Every spawned pid must end with wcd_child_release (which kills it if it
 * is still running): the table holds one small record per live child.
 * Thread-safe.
 */
#ifndef WCD_CHILD_H
#define WCD_CHILD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "cmn_error.h"

/* Starts the reaper thread. */
bool wcd_child_init(cmn_error *err);

/* Spawns `path` with `argv` (argv[0] included, NULL-terminated). On
 * success *ret_pid is the child and *ret_sock the daemon's end of the
 * channel (caller closes). */
bool wcd_child_spawn(const char *path, char *const argv[], pid_t *ret_pid, int *ret_sock,
                     cmn_error *err);

/* Waits up to timeout_ms (-1: forever) for `pid` to end; true with its
 * wait status in *ret_status. */
bool wcd_child_wait(pid_t pid, int timeout_ms, int *ret_status);

/* True when `pid` has ended. */
bool wcd_child_exited(pid_t pid);

/* SIGKILL to `pid` unless it has ended already. */
void wcd_child_kill(pid_t pid);

/* Kills `pid` (if still running) and forgets it. */
void wcd_child_release(pid_t pid);

/* SIGKILL to every child, then waits up to timeout_ms for them all. */
void wcd_child_kill_all(int timeout_ms);

/* Number of children not yet reaped. */
unsigned wcd_child_count(void);

/* "signal 9", "exit status 1" for a wait status. */
void wcd_child_describe(int status, char *buf, size_t n);

#endif
