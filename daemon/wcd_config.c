/*
 * wcd_config.c - defaults, configuration file and flags (wcd_config.h).
 */
#include "wcd_config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wcd_log.h"

/* asprintf that leaves NULL on failure. */
static char *str_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *str_printf(const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

static bool defaults(wcd_config *c, cmn_error *err)
{
	memset(c, 0, sizeof *c);
	c->pool = 4;
	c->threads = 64;
	c->max_instances = 64;
	c->max_calls = 32;
	c->max_cache_bytes = (uint64_t)4 << 30;
	c->max_request_bytes = (uint64_t)64 << 20;
	c->compile_timeout = 300;
	c->compile_memory_mb = 8192;
	c->log_level = WCD_LOG_INFO;
	uid_t uid = getuid();
	if (uid == 0) {
		c->socket = strdup("/run/wasmcd/wasmcd.sock");
		c->cache = strdup("/var/cache/wasmcd");
	} else {
		const char *rt = getenv("XDG_RUNTIME_DIR");
		if (rt && rt[0] == '/')
			c->socket = str_printf("%s/wasmc/wasmcd.sock", rt);
		else
			c->socket = str_printf("/tmp/wasmc-%lu/wasmcd.sock", (unsigned long)uid);
		const char *xc = getenv("XDG_CACHE_HOME");
		const char *home = getenv("HOME");
		if (!home || home[0] != '/') {
			struct passwd *pw = getpwuid(uid);
			home = pw ? pw->pw_dir : "/tmp";
		}
		if (xc && xc[0] == '/')
			c->cache = str_printf("%s/wasmc", xc);
		else
			c->cache = str_printf("%s/.cache/wasmc", home);
	}
	if (!c->socket || !c->cache)
		return cmn_fail(err, "out of memory");
	return true;
}

static bool parse_u64(const char *v, uint64_t min, uint64_t max, uint64_t *ret)
{
	if (!*v || !isdigit((unsigned char)*v))
		return false;
	errno = 0;
	char *end;
	unsigned long long n = strtoull(v, &end, 10);
	if (errno || *end || n < min || n > max)
		return false;
	*ret = n;
	return true;
}

static bool set_str(char **slot, const char *v, const char *where, const char *key, cmn_error *err)
{
	if (!*v)
		return cmn_fail(err, "%s: %s needs a value", where, key);
	char *s = strdup(v);
	if (!s)
		return cmn_fail(err, "out of memory");
	free(*slot);
	*slot = s;
	return true;
}

bool wcd_config_set(wcd_config *c, const char *key, const char *v, const char *where,
                    cmn_error *err)
{
	static const struct {
		const char *key;
		size_t off;
		uint64_t min, max;
		bool wide;
	} nums[] = {
	        {"pool", offsetof(wcd_config, pool), 0, 1024, false},
	        {"threads", offsetof(wcd_config, threads), 1, 4096, false},
	        {"max-instances", offsetof(wcd_config, max_instances), 0, 1000000, false},
	        {"max-calls", offsetof(wcd_config, max_calls), 1, 1000000, false},
	        {"max-cache-bytes", offsetof(wcd_config, max_cache_bytes), 0, UINT64_MAX, true},
	        {"max-request-bytes", offsetof(wcd_config, max_request_bytes), 1024,
	         (uint64_t)1 << 30, true},
	        {"compile-timeout", offsetof(wcd_config, compile_timeout), 1, 86400, false},
	        {"compile-memory-mb", offsetof(wcd_config, compile_memory_mb), 64, 1 << 20, false},
	};
	for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
		if (strcmp(key, nums[i].key) != 0)
			continue;
		uint64_t n;
		if (!parse_u64(v, nums[i].min, nums[i].max, &n))
			return cmn_fail(err,
			                "%s: %s must be a number from %llu to %llu, not \"%s\"",
			                where, key, (unsigned long long)nums[i].min,
			                (unsigned long long)nums[i].max, v);
		char *slot = (char *)c + nums[i].off;
		if (nums[i].wide)
			memcpy(slot, &n, sizeof n);
		else {
			unsigned u = (unsigned)n;
			memcpy(slot, &u, sizeof u);
		}
		return true;
	}
	if (strcmp(key, "socket") == 0)
		return set_str(&c->socket, v, where, key, err);
	if (strcmp(key, "socket-group") == 0)
		return set_str(&c->socket_group, v, where, key, err);
	if (strcmp(key, "cache") == 0)
		return set_str(&c->cache, v, where, key, err);
	if (strcmp(key, "state-dir") == 0)
		return set_str(&c->state_dir, v, where, key, err);
	if (strcmp(key, "libexec") == 0)
		return set_str(&c->libexec, v, where, key, err);
	if (strcmp(key, "log-level") == 0) {
		if (!wcd_log_parse_level(v, &c->log_level))
			return cmn_fail(err,
			                "%s: log-level must be err, warning, notice, info or "
			                "debug, not \"%s\"",
			                where, v);
		return true;
	}
	if (strcmp(key, "no-namespaces") == 0) {
		if (strcmp(v, "true") == 0 || strcmp(v, "yes") == 0 || strcmp(v, "1") == 0)
			c->no_namespaces = true;
		else if (strcmp(v, "false") == 0 || strcmp(v, "no") == 0 || strcmp(v, "0") == 0)
			c->no_namespaces = false;
		else
			return cmn_fail(err, "%s: no-namespaces must be true or false, not \"%s\"",
			                where, v);
		return true;
	}
	return cmn_fail(err, "%s: unknown setting \"%s\"", where, key);
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = 0;
	return s;
}

static bool load_file(wcd_config *c, const char *path, cmn_error *err)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return cmn_fail(err, "cannot open %s: %s", path, strerror(errno));
	char line[4096];
	unsigned lineno = 0;
	bool ok = true;
	while (ok && fgets(line, sizeof line, f)) {
		lineno++;
		char where[PATH_MAX + 32];
		snprintf(where, sizeof where, "%s:%u", path, lineno);
		if (!strchr(line, '\n') && !feof(f)) {
			ok = cmn_fail(err, "%s: line too long", where);
			break;
		}
		char *hash = strchr(line, '#');
		if (hash)
			*hash = 0;
		char *s = trim(line);
		if (!*s)
			continue;
		char *eq = strchr(s, '=');
		if (!eq) {
			ok = cmn_fail(err, "%s: expected \"key = value\"", where);
			break;
		}
		*eq = 0;
		ok = wcd_config_set(c, trim(s), trim(eq + 1), where, err);
	}
	if (ok && ferror(f))
		ok = cmn_fail(err, "cannot read %s: %s", path, strerror(errno));
	fclose(f);
	return ok;
}

const char *wcd_config_usage(void)
{
	return "usage: wasmcd [--config FILE] [--socket PATH] [--socket-group GROUP] [--cache "
	       "DIR]\n"
	       "              [--state-dir DIR]"
	       "              [--libexec DIR] [--pool N] [--threads N] [--max-instances N]\n"
	       "              [--max-calls N] [--max-cache-bytes N] [--max-request-bytes N]\n"
	       "              [--compile-timeout SECONDS] [--compile-memory-mb N]\n"
	       "              [--log-level err|warning|notice|info|debug] [--no-namespaces]\n"
	       "              [--foreground] [--version]\n";
}

bool wcd_config_load(wcd_config *c, int argc, char **argv, cmn_error *err)
{
	if (!defaults(c, err))
		return false;
	/* The file first, wherever --config appears, so flags override it. */
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--config") == 0) {
			if (i + 1 >= argc)
				return cmn_fail(err, "--config needs a file");
			if (!load_file(c, argv[i + 1], err))
				return false;
			i++;
		} else if (strncmp(argv[i], "--config=", 9) == 0 && !load_file(c, argv[i] + 9, err))
			return false;
	}
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strncmp(a, "--", 2) != 0)
			return cmn_fail(err, "unexpected argument \"%s\"", a);
		const char *key = a + 2;
		if (strcmp(key, "foreground") == 0)
			continue;
		if (strcmp(key, "help") == 0) {
			c->help = true;
			continue;
		}
		if (strcmp(key, "version") == 0) {
			c->version = true;
			continue;
		}
		if (strcmp(key, "no-namespaces") == 0) {
			c->no_namespaces = true;
			continue;
		}
		char name[64];
		const char *val;
		const char *eq = strchr(key, '=');
		if (eq) {
			snprintf(name, sizeof name, "%.*s", (int)(eq - key), key);
			val = eq + 1;
		} else {
			snprintf(name, sizeof name, "%s", key);
			if (i + 1 >= argc)
				return cmn_fail(err, "%s needs a value", a);
			val = argv[++i];
		}
		if (strcmp(name, "config") == 0)
			continue;
		char where[80];
		snprintf(where, sizeof where, "--%s", name);
		if (!wcd_config_set(c, name, val, where, err))
			return false;
	}
	return true;
}

void wcd_config_free(wcd_config *c)
{
	if (!c)
		return;
	free(c->socket);
	free(c->socket_group);
	free(c->cache);
	free(c->state_dir);
	free(c->libexec);
	c->socket = c->cache = c->state_dir = c->libexec = NULL;
}
