/*
 * wcd_child.c - spawning and reaping worker processes (wcd_child.h).
 */
#include "wcd_child.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "wcd_log.h"

extern char **environ;

typedef struct child {
	pid_t pid;
	bool exited;
	bool released; /* the owner is gone: drop the record when reaped */
	int status;
	struct child *next;
} child;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed; /* a child spawned or ended (CLOCK_MONOTONIC) */
static child *children;
static unsigned live;

static child *find(pid_t pid)
{
	for (child *c = children; c; c = c->next)
		if (c->pid == pid)
			return c;
	return NULL;
}

static void unlink_child(child *c)
{
	for (child **pp = &children; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			free(c);
			return;
		}
}

/* Waits for any child without reaping it, records its status, reaps it. */
static void *reaper(void *arg)
{
	(void)arg;
	for (;;) {
		siginfo_t si;
		memset(&si, 0, sizeof si);
		if (waitid(P_ALL, 0, &si, WEXITED | WNOWAIT) != 0) {
			if (errno == EINTR)
				continue;
			/* No children: sleep until one is spawned. */
			pthread_mutex_lock(&mu);
			while (live == 0)
				pthread_cond_wait(&changed, &mu);
			pthread_mutex_unlock(&mu);
			continue;
		}
		pthread_mutex_lock(&mu);
		int status = 0;
		pid_t r = waitpid(si.si_pid, &status, WNOHANG);
		if (r == si.si_pid) {
			child *c = find(r);
			if (live)
				live--;
			if (c && c->released)
				unlink_child(c);
			else if (c) {
				c->exited = true;
				c->status = status;
			}
			pthread_cond_broadcast(&changed);
		}
		pthread_mutex_unlock(&mu);
	}
	return NULL;
}

bool wcd_child_init(cmn_error *err)
{
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&changed, &ca);
	pthread_condattr_destroy(&ca);
	pthread_t t;
	int e = pthread_create(&t, NULL, reaper, NULL);
	if (e)
		return cmn_fail(err, "cannot start the reaper thread: %s", strerror(e));
	pthread_detach(t);
	return true;
}

bool wcd_child_spawn(const char *path, char *const argv[], pid_t *ret_pid, int *ret_sock,
                     cmn_error *err)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		return cmn_fail(err, "socketpair: %s", strerror(errno));
	/* dup2(3, 3) would keep close-on-exec: never hand over fd 3 itself. */
	if (sv[1] == 3) {
		int moved = fcntl(sv[1], F_DUPFD_CLOEXEC, 4);
		if (moved < 0) {
			cmn_fail(err, "fcntl: %s", strerror(errno));
			close(sv[0]);
			close(sv[1]);
			return false;
		}
		close(sv[1]);
		sv[1] = moved;
	}
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, sv[1], 3);
	posix_spawnattr_init(&at);
	sigset_t none, dfl;
	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE);
	sigaddset(&dfl, SIGTERM);
	sigaddset(&dfl, SIGINT);
	sigaddset(&dfl, SIGCHLD);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &dfl);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	child *c = calloc(1, sizeof *c);
	bool ok = false;
	if (!c) {
		cmn_fail(err, "out of memory");
		goto out;
	}
	/* Under the lock: the reaper cannot see the child before its record. */
	pthread_mutex_lock(&mu);
	pid_t pid;
	int e = posix_spawn(&pid, path, &fa, &at, argv, environ);
	if (e) {
		pthread_mutex_unlock(&mu);
		cmn_fail(err, "cannot start %s: %s", path, strerror(e));
		free(c);
		goto out;
	}
	c->pid = pid;
	c->next = children;
	children = c;
	live++;
	pthread_cond_broadcast(&changed);
	pthread_mutex_unlock(&mu);
	*ret_pid = pid;
	*ret_sock = sv[0];
	sv[0] = -1;
	ok = true;
out:
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	if (sv[0] >= 0)
		close(sv[0]);
	close(sv[1]);
	return ok;
}

static void deadline_after(struct timespec *ts, int ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

bool wcd_child_wait(pid_t pid, int timeout_ms, int *ret_status)
{
	struct timespec until;
	deadline_after(&until, timeout_ms < 0 ? 0 : timeout_ms);
	bool ok = false;
	pthread_mutex_lock(&mu);
	for (;;) {
		child *c = find(pid);
		if (!c)
			break;
		if (c->exited) {
			*ret_status = c->status;
			ok = true;
			break;
		}
		if (timeout_ms < 0)
			pthread_cond_wait(&changed, &mu);
		else if (pthread_cond_timedwait(&changed, &mu, &until) == ETIMEDOUT)
			break;
	}
	pthread_mutex_unlock(&mu);
	return ok;
}

bool wcd_child_exited(pid_t pid)
{
	pthread_mutex_lock(&mu);
	child *c = find(pid);
	bool r = !c || c->exited;
	pthread_mutex_unlock(&mu);
	return r;
}

void wcd_child_kill(pid_t pid)
{
	pthread_mutex_lock(&mu);
	child *c = find(pid);
	if (c && !c->exited)
		kill(pid, SIGKILL);
	pthread_mutex_unlock(&mu);
}

void wcd_child_release(pid_t pid)
{
	pthread_mutex_lock(&mu);
	child *c = find(pid);
	if (c) {
		if (c->exited)
			unlink_child(c);
		else {
			kill(pid, SIGKILL);
			c->released = true;
		}
	}
	pthread_mutex_unlock(&mu);
}

void wcd_child_kill_all(int timeout_ms)
{
	struct timespec until;
	deadline_after(&until, timeout_ms);
	pthread_mutex_lock(&mu);
	for (child *c = children; c; c = c->next)
		if (!c->exited)
			kill(c->pid, SIGKILL);
	while (live > 0)
		if (pthread_cond_timedwait(&changed, &mu, &until) == ETIMEDOUT)
			break;
	pthread_mutex_unlock(&mu);
}

unsigned wcd_child_count(void)
{
	pthread_mutex_lock(&mu);
	unsigned n = live;
	pthread_mutex_unlock(&mu);
	return n;
}

void wcd_child_describe(int status, char *buf, size_t n)
{
	if (WIFSIGNALED(status))
		snprintf(buf, n, "signal %d", WTERMSIG(status));
	else if (WIFEXITED(status))
		snprintf(buf, n, "exit status %d", WEXITSTATUS(status));
	else
		snprintf(buf, n, "status %d", status);
}
