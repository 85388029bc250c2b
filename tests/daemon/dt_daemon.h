/*
 * dt_daemon.h - start and stop a real wasmcd for the daemon tests: a
 * private socket and cache under a temporary directory, stderr to a log
 * file, readiness through NOTIFY_SOCKET (as systemd would see it).
 */
#ifndef DT_DAEMON_H
#define DT_DAEMON_H

#include <stdbool.h>
#include <sys/types.h>

typedef struct dt_daemon {
	pid_t pid;
	char dir[128];
	char socket[256];
	char cache[256];
	char log[256];
	char notify[256];
	int notify_fd; /* datagram socket the daemon notifies */
	char flags[512];
} dt_daemon;

/* Makes the directory and starts `bin`/wasmcd with `flags` (space
 * separated); waits until READY=1 arrives (up to 30 s). */
bool dt_daemon_start(dt_daemon *d, const char *bin, const char *flags);
/* Starts it again on the same directory. */
bool dt_daemon_restart(dt_daemon *d, const char *bin);
/* SIGTERM; waits up to timeout_ms; returns the wait status, -1 on timeout
 * (then it is killed). */
int dt_daemon_stop(dt_daemon *d, int timeout_ms);
/* The next notification text within timeout_ms ("" when none). */
void dt_daemon_notified(dt_daemon *d, int timeout_ms, char *buf, size_t n);
/* True when the log contains `text`. */
bool dt_daemon_logged(const dt_daemon *d, const char *text);
/* Kills it if running and removes the directory. */
void dt_daemon_free(dt_daemon *d);

#endif
