/*
 * ctl_out.c - error reporting, exit codes and formatting for wasmctl.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"

int ctl_exit_code(const wasmc_error *e)
{
	switch (wasmc_error_outcome(e)) {
	case WASMC_OK: return CTL_EXIT_OK;
	case WASMC_TRAP: return CTL_EXIT_TRAP;
	case WASMC_ERROR: break;
	}
	switch (wasmc_error_code(e)) {
	case WASMC_ERR_UNREACHABLE:
	case WASMC_ERR_TRANSPORT:
	case WASMC_ERR_TIMEOUT:
		return CTL_EXIT_UNREACHABLE;
	case WASMC_ERR_NOT_FOUND:
		return CTL_EXIT_NOT_FOUND;
	case WASMC_ERR_BAD_ARGUMENT:
	case WASMC_ERR_SYNTAX:
	case WASMC_ERR_IO:
	case WASMC_ERR_INVALID_MODULE:
	case WASMC_ERR_LINK_FAILED:
	case WASMC_ERR_TOO_LARGE:
	case WASMC_ERR_UNSUPPORTED:
		return CTL_EXIT_USAGE;
	default:
		break;
	}
	return CTL_EXIT_DAEMON;
}

void ctl_json_out(json_t *j)
{
	if (j == NULL) {
		fprintf(stderr, "wasmctl: out of memory building JSON\n");
		return;
	}
	char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
	if (s) {
		puts(s);
		free(s);
	}
	json_decref(j);
	fflush(stdout);
}

int ctl_fail(ctl *c, wasmc_error *e, const char *what)
{
	int code = ctl_exit_code(e);
	const char *msg = wasmc_error_message(e);
	const char *loc = wasmc_error_location(e);
	if (c->json) {
		json_t *o;
		if (wasmc_error_outcome(e) == WASMC_TRAP) {
			o = json_pack("{s:{s:s,s:s,s:s}}", "trap", "code",
			              wasmc_trapcode_name(wasmc_error_trap_code(e)), "message",
			              msg, "location", loc);
		} else {
			char *full = NULL;
			if (what == NULL || asprintf(&full, "%s: %s", what, msg) < 0)
				full = NULL;
			o = json_pack("{s:{s:s,s:s,s:i}}", "error", "code",
			              wasmc_errcode_name(wasmc_error_code(e)), "message",
			              full ? full : msg, "exit", code);
			free(full);
		}
		ctl_json_out(o);
	} else if (wasmc_error_outcome(e) == WASMC_TRAP) {
		/* As wasmc-run prints a trap. */
		fprintf(stderr, "%s\n", msg);
		if (loc[0])
			fprintf(stderr, "    at wasm %s\n", loc);
	} else if (what) {
		fprintf(stderr, "wasmctl: %s: %s\n", what, msg);
	} else {
		fprintf(stderr, "wasmctl: %s\n", msg);
	}
	wasmc_error_free(e);
	return code;
}

static int report(ctl *c, int exit, const char *code, const char *fmt, va_list ap)
{
	char msg[1024];
	vsnprintf(msg, sizeof msg, fmt, ap);
	if (c && c->json)
		ctl_json_out(json_pack("{s:{s:s,s:s,s:i}}", "error", "code", code, "message",
		                       msg, "exit", exit));
	else
		fprintf(stderr, "wasmctl: %s\n", msg);
	return exit;
}

int ctl_error(ctl *c, int exit, const char *code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	report(c, exit, code, fmt, ap);
	va_end(ap);
	return exit;
}

int ctl_usage(ctl *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	report(c, CTL_EXIT_USAGE, "usage", fmt, ap);
	va_end(ap);
	if (!c || !c->json)
		fprintf(stderr, "Try 'wasmctl --help'.\n");
	return CTL_EXIT_USAGE;
}

int ctl_connect(ctl *c)
{
	if (c->conn)
		return CTL_EXIT_OK;
	wasmc_conn_options o;
	wasmc_conn_options_init(&o);
	o.client_name = "wasmctl";
	wasmc_error *e = wasmc_conn_open(c->socket, &o, &c->conn);
	if (e)
		return ctl_fail(c, e, NULL);
	return CTL_EXIT_OK;
}

bool ctl_parse_u64(const char *s, uint64_t *ret)
{
	if (s == NULL || !(*s >= '0' && *s <= '9'))
		return false;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end)
		return false;
	*ret = v;
	return true;
}

bool ctl_parse_bytes(const char *s, uint64_t *ret)
{
	if (s == NULL || !(*s >= '0' && *s <= '9'))
		return false;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno)
		return false;
	static const struct { const char *suffix[3]; int shift; } units[] = {
		{{"", "B", NULL}, 0},
		{{"K", "KiB", "k"}, 10},
		{{"M", "MiB", NULL}, 20},
		{{"G", "GiB", NULL}, 30},
		{{"T", "TiB", NULL}, 40},
	};
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		for (int k = 0; k < 3; k++) {
			const char *u = units[i].suffix[k];
			if (u == NULL || strcmp(end, u) != 0)
				continue;
			int sh = units[i].shift;
			if (sh && v > (UINT64_MAX >> sh))
				return false;
			*ret = (uint64_t)v << sh;
			return true;
		}
	}
	return false;
}

const char *ctl_tier_name(wasmc_tier t)
{
	switch (t) {
	case WASMC_TIER_FAST: return "fast";
	case WASMC_TIER_OPTIMIZED: return "optimized";
	case WASMC_TIER_DEFAULT: break;
	}
	return "default";
}

void ctl_format_bytes(uint64_t n, char *buf, size_t len)
{
	static const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	double d = (double)n;
	int u = 0;
	while (d >= 1024 && u < 4) {
		d /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%" PRIu64 " B", n);
	else
		snprintf(buf, len, "%.1f %s", d, units[u]);
}

void ctl_format_time(int64_t t, char *buf, size_t len)
{
	if (t <= 0) {
		snprintf(buf, len, "-");
		return;
	}
	time_t tt = (time_t)t;
	struct tm tm;
	if (localtime_r(&tt, &tm) == NULL || strftime(buf, len, "%Y-%m-%d %H:%M", &tm) == 0)
		snprintf(buf, len, "%" PRId64, t);
}

static void append(char *buf, size_t len, size_t *pos, const char *s)
{
	size_t n = strlen(s);
	if (*pos + n + 1 > len)
		n = *pos + 1 < len ? len - *pos - 1 : 0;
	memcpy(buf + *pos, s, n);
	*pos += n;
	buf[*pos] = '\0';
}

void ctl_format_functype(const wasmc_functype *ft, char *buf, size_t len)
{
	size_t pos = 0;
	buf[0] = '\0';
	append(buf, len, &pos, "func(");
	for (size_t i = 0; i < ft->nparams; i++) {
		if (i)
			append(buf, len, &pos, ", ");
		append(buf, len, &pos, wasmc_valkind_name(ft->params[i]));
	}
	append(buf, len, &pos, ")");
	if (ft->nresults == 0)
		return;
	append(buf, len, &pos, " -> ");
	if (ft->nresults > 1)
		append(buf, len, &pos, "(");
	for (size_t i = 0; i < ft->nresults; i++) {
		if (i)
			append(buf, len, &pos, ", ");
		append(buf, len, &pos, wasmc_valkind_name(ft->results[i]));
	}
	if (ft->nresults > 1)
		append(buf, len, &pos, ")");
}

static void format_limits(const wasmc_limits_type *l, char *buf, size_t len)
{
	if (l->has_max)
		snprintf(buf, len, "%" PRIu64 "..%" PRIu64, l->min, l->max);
	else
		snprintf(buf, len, "%" PRIu64 "..", l->min);
}

void ctl_format_externtype(const wasmc_externtype *t, char *buf, size_t len)
{
	char lim[64];
	if (t->text && t->text[0]) {
		snprintf(buf, len, "%s", t->text);
		return;
	}
	switch (t->kind) {
	case WASMC_EXTERN_FUNC:
		ctl_format_functype(&t->func, buf, len);
		return;
	case WASMC_EXTERN_TAG: {
		char f[512];
		ctl_format_functype(&t->func, f, sizeof f);
		snprintf(buf, len, "tag %s", f + 4); /* "tag (i32)" */
		return;
	}
	case WASMC_EXTERN_TABLE:
		format_limits(&t->limits, lim, sizeof lim);
		snprintf(buf, len, "table%s %s %s", t->is64 ? " i64" : "", lim,
		         wasmc_valkind_name(t->table_elem));
		return;
	case WASMC_EXTERN_MEMORY:
		format_limits(&t->limits, lim, sizeof lim);
		if (t->page_size_log2 != 16)
			snprintf(buf, len, "memory%s%s %s pages of %u bytes", t->is64 ? " i64" : "",
			         t->shared ? " shared" : "", lim, 1u << (t->page_size_log2 & 31));
		else
			snprintf(buf, len, "memory%s%s %s pages", t->is64 ? " i64" : "",
			         t->shared ? " shared" : "", lim);
		return;
	case WASMC_EXTERN_GLOBAL:
		snprintf(buf, len, "global %s%s", t->global_mutable ? "mut " : "",
		         wasmc_valkind_name(t->global_type));
		return;
	}
	snprintf(buf, len, "unknown");
}

json_t *ctl_json_kinds(const wasmc_valkind *k, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < n; i++)
		json_array_append_new(a, json_string(wasmc_valkind_name(k[i])));
	return a;
}
