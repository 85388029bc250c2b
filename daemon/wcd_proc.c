/*
 * wcd_proc.c - /proc/PID/statm and /proc/PID/stat (wcd_proc.h).
 */
#include "wcd_proc.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static ssize_t read_small(pid_t pid, const char *what, char *buf, size_t n)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, what);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t r = read(fd, buf, n - 1);
	close(fd);
	if (r < 0)
		return -1;
	buf[r] = 0;
	return r;
}

uint64_t wcd_proc_rss(pid_t pid)
{
	char buf[256];
	unsigned long long size, resident;
	if (read_small(pid, "statm", buf, sizeof buf) < 0 ||
	    sscanf(buf, "%llu %llu", &size, &resident) != 2)
		return 0;
	long ps = sysconf(_SC_PAGESIZE);
	return (uint64_t)resident * (uint64_t)(ps > 0 ? ps : 4096);
}

uint64_t wcd_proc_cpu_ns(pid_t pid)
{
	char buf[1024];
	if (read_small(pid, "stat", buf, sizeof buf) < 0)
		return 0;
	/* The command name may hold spaces and parentheses: fields follow
	 * the last ')'. utime and stime are fields 14 and 15 (12th and 13th
	 * after it). */
	char *p = strrchr(buf, ')');
	if (!p)
		return 0;
	p++;
	unsigned long long utime = 0, stime = 0;
	int field = 2;
	char *save = NULL;
	for (char *tok = strtok_r(p, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		field++;
		if (field == 14)
			utime = strtoull(tok, NULL, 10);
		else if (field == 15) {
			stime = strtoull(tok, NULL, 10);
			break;
		}
	}
	long hz = sysconf(_SC_CLK_TCK);
	if (hz <= 0)
		hz = 100;
	return (utime + stime) * (1000000000ULL / (uint64_t)hz);
}
