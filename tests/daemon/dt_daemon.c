/*
 * dt_daemon.c - a real wasmcd for the daemon tests (dt_daemon.h).
 */
#include "dt_daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static bool spawn(dt_daemon *d, const char *bin)
{
	char exe[512];
	snprintf(exe, sizeof exe, "%s/wasmcd", bin);
	char *argv[64];
	int n = 0;
	argv[n++] = exe;
	argv[n++] = "--socket";
	argv[n++] = d->socket;
	argv[n++] = "--cache";
	argv[n++] = d->cache;
	/* DT_EXTRA: flags for every daemon of the run (e.g. --libexec DIR
	 * when wasmcd is a sanitizer build beside no workers); a test's own
	 * flags come after them and win. */
	char flags[1024];
	const char *extra = getenv("DT_EXTRA");
	snprintf(flags, sizeof flags, "%s %s", extra ? extra : "", d->flags);
	char *save = NULL;
	for (char *t = strtok_r(flags, " ", &save); t && n < 62; t = strtok_r(NULL, " ", &save))
		argv[n++] = t;
	argv[n] = NULL;
	pid_t pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		int fd = open(d->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd >= 0) {
			dup2(fd, 2);
			close(fd);
		}
		setenv("NOTIFY_SOCKET", d->notify, 1);
		execv(exe, argv);
		_exit(127);
	}
	d->pid = pid;
	char buf[64];
	dt_daemon_notified(d, 30000, buf, sizeof buf);
	if (strcmp(buf, "READY=1") != 0) {
		fprintf(stderr, "wasmcd did not become ready (got \"%s\"); log %s\n", buf, d->log);
		return false;
	}
	return true;
}

bool dt_daemon_start(dt_daemon *d, const char *bin, const char *flags)
{
	memset(d, 0, sizeof *d);
	d->notify_fd = -1;
	snprintf(d->dir, sizeof d->dir, "/tmp/wasmcd-test.XXXXXX");
	if (!mkdtemp(d->dir))
		return false;
	snprintf(d->socket, sizeof d->socket, "%s/run/wasmcd.sock", d->dir);
	snprintf(d->cache, sizeof d->cache, "%s/cache", d->dir);
	snprintf(d->log, sizeof d->log, "%s/wasmcd.log", d->dir);
	snprintf(d->notify, sizeof d->notify, "%s/notify", d->dir);
	snprintf(d->flags, sizeof d->flags, "%s", flags ? flags : "");
	d->notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un sa;
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	if (snprintf(sa.sun_path, sizeof sa.sun_path, "%s", d->notify) >= (int)sizeof sa.sun_path)
		return false;
	if (d->notify_fd < 0 || bind(d->notify_fd, (struct sockaddr *)&sa, sizeof sa) != 0)
		return false;
	return spawn(d, bin);
}

bool dt_daemon_restart(dt_daemon *d, const char *bin)
{
	return spawn(d, bin);
}

void dt_daemon_notified(dt_daemon *d, int timeout_ms, char *buf, size_t n)
{
	buf[0] = 0;
	struct pollfd p = {.fd = d->notify_fd, .events = POLLIN};
	if (poll(&p, 1, timeout_ms) <= 0)
		return;
	ssize_t r = recv(d->notify_fd, buf, n - 1, 0);
	buf[r > 0 ? r : 0] = 0;
}

int dt_daemon_stop(dt_daemon *d, int timeout_ms)
{
	if (d->pid <= 0)
		return -1;
	kill(d->pid, SIGTERM);
	for (int waited = 0; waited <= timeout_ms; waited += 10) {
		int st;
		if (waitpid(d->pid, &st, WNOHANG) == d->pid) {
			d->pid = 0;
			return st;
		}
		struct timespec ts = {0, 10 * 1000000L};
		nanosleep(&ts, NULL);
	}
	kill(d->pid, SIGKILL);
	waitpid(d->pid, NULL, 0);
	d->pid = 0;
	return -1;
}

bool dt_daemon_logged(const dt_daemon *d, const char *text)
{
	FILE *f = fopen(d->log, "r");
	if (!f)
		return false;
	char line[4096];
	bool found = false;
	while (!found && fgets(line, sizeof line, f))
		found = strstr(line, text) != NULL;
	fclose(f);
	return found;
}

void dt_daemon_free(dt_daemon *d)
{
	if (d->pid > 0) {
		kill(d->pid, SIGKILL);
		waitpid(d->pid, NULL, 0);
		d->pid = 0;
	}
	if (d->notify_fd >= 0)
		close(d->notify_fd);
	d->notify_fd = -1;
	if (d->dir[0] && !getenv("DT_KEEP")) {
		char cmd[300];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", d->dir);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", d->dir);
	}
}
