/*
 * wcd_log.h - the daemon's log: one line per event on stderr, each with an
 * sd-daemon priority prefix ("<3>" err ... "<7>" debug) so journald files
 * it at the right level.
 *
 * Thread-safe (one write(2) per line). The level is set once at startup.
 */
#ifndef WCD_LOG_H
#define WCD_LOG_H

#include <stdbool.h>

enum {
	WCD_LOG_ERR = 3,
	WCD_LOG_WARNING = 4,
	WCD_LOG_NOTICE = 5,
	WCD_LOG_INFO = 6,
	WCD_LOG_DEBUG = 7,
};

/* Lines above `level` are dropped (default WCD_LOG_INFO). */
void wcd_log_set_level(int level);
int wcd_log_level(void);

/* Parses "err", "warning", "notice", "info", "debug" (or 3..7). */
bool wcd_log_parse_level(const char *s, int *ret_level);

void wcd_log(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Logs `text` (with `prefix`) only the first time this text is seen (a
 * small bounded set of texts is remembered). */
void wcd_log_once(int prio, const char *prefix, const char *text);

#endif
