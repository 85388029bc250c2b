/*
 * it_daemon.c - start, stop and observe a wasmcd for integration tests.
 */
#include "it_daemon.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

const char *it_bin(const char *name)
{
	static char buf[512];
	const char *dir = getenv("WASMC_BIN");
	snprintf(buf, sizeof buf, "%s/%s", dir && *dir ? dir : "build/bin",
	         name);
	return buf;
}

void it_sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

int it_run(const char *cmd, bool with_stderr, char **ret_out)
{
	char *full = NULL;
	if (asprintf(&full, "%s%s", cmd, with_stderr ? " 2>&1" : "") < 0)
		return -1;
	FILE *p = popen(full, "r");
	free(full);
	if (!p)
		return -1;
	size_t cap = 4096, len = 0;
	char *out = malloc(cap);
	if (!out) {
		pclose(p);
		return -1;
	}
	size_t n;
	while ((n = fread(out + len, 1, cap - len - 1, p)) > 0) {
		len += n;
		if (cap - len < 2) {
			char *bigger = realloc(out, cap * 2);
			if (!bigger)
				break;
			out = bigger;
			cap *= 2;
		}
	}
	out[len] = 0;
	int st = pclose(p);
	if (ret_out)
		*ret_out = out;
	else
		free(out);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

unsigned char *it_fixture(const char *name, size_t *ret_len)
{
	const char *dir = getenv("WASMC_IT_FIXTURES");
	char path[512];
	snprintf(path, sizeof path, "%s/%s.wasm",
	         dir && *dir ? dir : "build/it/fixtures", name);
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "it_fixture: cannot open %s: %s\n", path,
		        strerror(errno));
		return NULL;
	}
	unsigned char *bytes = NULL;
	if (fseek(f, 0, SEEK_END) != 0)
		goto close_file;
	long sz = ftell(f);
	if (sz < 0 || fseek(f, 0, SEEK_SET) != 0)
		goto close_file;
	bytes = malloc(sz > 0 ? (size_t)sz : 1);
	if (bytes && fread(bytes, 1, (size_t)sz, f) != (size_t)sz) {
		free(bytes);
		bytes = NULL;
	}
	if (bytes)
		*ret_len = (size_t)sz;
close_file:
	fclose(f);
	return bytes;
}

unsigned char *it_with_tag(const unsigned char *wasm, size_t len,
                           unsigned tag, size_t *ret_len)
{
	/* custom section: id 0, size (1 byte LEB, < 128), name "it", 4 bytes */
	unsigned char sec[] = {0, 7, 2, 'i', 't', (unsigned char)tag,
	                       (unsigned char)(tag >> 8),
	                       (unsigned char)(tag >> 16),
	                       (unsigned char)(tag >> 24)};
	unsigned char *out = malloc(len + sizeof sec);
	if (!out)
		return NULL;
	memcpy(out, wasm, len);
	memcpy(out + len, sec, sizeof sec);
	*ret_len = len + sizeof sec;
	return out;
}

static bool spawn(it_daemon *d)
{
	char cmd[2048];
	snprintf(cmd, sizeof cmd,
	         "exec %s --foreground --socket %s --cache %s --log-level debug %s",
	         it_bin("wasmcd"), d->socket, d->cache, d->extra);
	pid_t pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		int lf = open(d->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (lf >= 0) {
			dup2(lf, 2);
			dup2(lf, 1);
		}
		/* Nothing of the test process (criterion's arenas) leaks into
		 * the daemon, so its fd counts are its own. */
		close_range(3, ~0u, 0);
		/* A test process that dies (timeout, crash) takes its daemon
		 * with it. */
		if (!getenv("WASMC_IT_KEEP"))
			prctl(PR_SET_PDEATHSIG, SIGKILL);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	d->pid = pid;
	/* Up when `wasmctl status` answers. */
	char probe[1024];
	snprintf(probe, sizeof probe, "%s --socket %s status >/dev/null 2>&1",
	         it_bin("wasmctl"), d->socket);
	for (int i = 0; i < 400; i++) {
		int st;
		if (waitpid(pid, &st, WNOHANG) == pid) {
			d->pid = 0;
			fprintf(stderr, "it_daemon: wasmcd exited early (see %s)\n",
			        d->log);
			return false;
		}
		struct stat sb;
		if (stat(d->socket, &sb) == 0 && it_run(probe, false, NULL) == 0)
			return true;
		it_sleep_ms(50);
	}
	fprintf(stderr, "it_daemon: wasmcd did not answer in 20 s (see %s)\n",
	        d->log);
	it_daemon_kill(d);
	return false;
}

bool it_daemon_start(it_daemon *d, const char *extra_flags)
{
	memset(d, 0, sizeof *d);
	snprintf(d->dir, sizeof d->dir, "/tmp/wasmc-it-XXXXXX");
	if (!mkdtemp(d->dir))
		return false;
	chmod(d->dir, 0755);
	snprintf(d->socket, sizeof d->socket, "%s/run/wasmcd.sock", d->dir);
	snprintf(d->cache, sizeof d->cache, "%s/cache", d->dir);
	snprintf(d->log, sizeof d->log, "%s/wasmcd.log", d->dir);
	snprintf(d->extra, sizeof d->extra, "%s", extra_flags ? extra_flags : "");
	return spawn(d);
}

bool it_daemon_restart(it_daemon *d)
{
	if (d->pid > 0)
		it_daemon_stop(d);
	return spawn(d);
}

int it_daemon_stop(it_daemon *d)
{
	if (d->pid <= 0)
		return -1;
	kill(d->pid, SIGTERM);
	for (int i = 0; i < 400; i++) {
		int st;
		if (waitpid(d->pid, &st, WNOHANG) == d->pid) {
			d->pid = 0;
			return st;
		}
		it_sleep_ms(50);
	}
	it_daemon_kill(d);
	return -1;
}

void it_daemon_kill(it_daemon *d)
{
	if (d->pid <= 0)
		return;
	kill(d->pid, SIGKILL);
	waitpid(d->pid, NULL, 0);
	d->pid = 0;
}

void it_daemon_free(it_daemon *d)
{
	if (!d)
		return;
	if (getenv("WASMC_IT_KEEP") && d->pid > 0) {
		fprintf(stderr, "it_daemon: kept pid %d in %s\n", (int)d->pid, d->dir);
		return;
	}
	it_daemon_stop(d);
	if (d->dir[0] && !getenv("WASMC_IT_KEEP")) {
		char cmd[512];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", d->dir);
		it_run(cmd, false, NULL);
	}
	d->dir[0] = 0;
}

long it_daemon_rss(const it_daemon *d)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/statm", (int)d->pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	long size, res;
	int n = fscanf(f, "%ld %ld", &size, &res);
	fclose(f);
	return n == 2 ? res * sysconf(_SC_PAGESIZE) : -1;
}

int it_daemon_fds(const it_daemon *d)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/fd", (int)d->pid);
	DIR *dir = opendir(path);
	if (!dir)
		return -1;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(dir)))
		if (e->d_name[0] != '.')
			n++;
	closedir(dir);
	return n;
}

int it_daemon_child_pids(const it_daemon *d, pid_t *pids, int max)
{
	/* Children of every thread of the daemon. */
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/task", (int)d->pid);
	DIR *dir = opendir(path);
	if (!dir)
		return -1;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(dir))) {
		if (e->d_name[0] == '.')
			continue;
		char cp[320];
		snprintf(cp, sizeof cp, "/proc/%d/task/%s/children", (int)d->pid,
		         e->d_name);
		FILE *f = fopen(cp, "r");
		if (!f)
			continue;
		int p;
		while (fscanf(f, "%d", &p) == 1) {
			if (n < max && pids)
				pids[n] = p;
			n++;
		}
		fclose(f);
	}
	closedir(dir);
	return n;
}

int it_daemon_children(const it_daemon *d)
{
	return it_daemon_child_pids(d, NULL, 0);
}

double it_daemon_cpu(const it_daemon *d)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)d->pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	char buf[2048];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	/* Fields after the command name (which may hold spaces): state is
	 * field 3, utime 14, stime 15. */
	char *p = strrchr(buf, ')');
	if (!p)
		return -1;
	unsigned long ut = 0, st = 0;
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}
