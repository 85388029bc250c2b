/*
 * wcd_log.c - priority-prefixed lines on stderr (wcd_log.h).
 */
#include "wcd_log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int log_level = WCD_LOG_INFO;

/* Texts wcd_log_once has printed (bounded: beyond ONCE_MAX, more repeat). */
#define ONCE_MAX 64
static char *once_seen[ONCE_MAX];
static int once_count;
static pthread_mutex_t once_mu = PTHREAD_MUTEX_INITIALIZER;

void wcd_log_set_level(int level)
{
	log_level = level;
}

int wcd_log_level(void)
{
	return log_level;
}

bool wcd_log_parse_level(const char *s, int *ret_level)
{
	static const char *const names[] = {"err", "warning", "notice", "info", "debug"};
	for (int i = 0; i < 5; i++)
		if (strcmp(s, names[i]) == 0) {
			*ret_level = WCD_LOG_ERR + i;
			return true;
		}
	if (s[0] >= '3' && s[0] <= '7' && s[1] == 0) {
		*ret_level = s[0] - '0';
		return true;
	}
	return false;
}

void wcd_log(int prio, const char *fmt, ...)
{
	if (prio > log_level)
		return;
	char line[1024];
	int n = snprintf(line, sizeof line, "<%d>", prio);
	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
	va_end(ap);
	size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
	if (len > sizeof line - 2)
		len = sizeof line - 2;
	/* One line per event: no newline inside. */
	for (size_t i = (size_t)n; i < len; i++)
		if (line[i] == '\n')
			line[i] = ' ';
	line[len++] = '\n';
	ssize_t w = write(STDERR_FILENO, line, len);
	(void)w;
}

void wcd_log_once(int prio, const char *prefix, const char *text)
{
	pthread_mutex_lock(&once_mu);
	for (int i = 0; i < once_count; i++)
		if (strcmp(once_seen[i], text) == 0) {
			pthread_mutex_unlock(&once_mu);
			return;
		}
	if (once_count < ONCE_MAX) {
		char *copy = strdup(text);
		if (copy)
			once_seen[once_count++] = copy;
	}
	pthread_mutex_unlock(&once_mu);
	wcd_log(prio, "%s%s", prefix, text);
}
