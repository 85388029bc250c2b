/*
 * ctl_admin.c - wasmctl ps, kill, cache ls|rm|gc|pin|unpin|verify, status.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ctl.h"

/* Commands here take no options but the global ones (handled in main). */
static int no_options(ctl *c, int argc, char **argv, int first, int want,
                      const char *usage)
{
	for (int i = first; i < argc; i++)
		if (argv[i][0] == '-' && argv[i][1])
			return ctl_usage(c, "%s: unknown option %s", argv[0], argv[i]);
	if (argc - first != want)
		return ctl_usage(c, "usage: wasmctl %s", usage);
	return CTL_EXIT_OK;
}

static bool is_hex_prefix(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n < 4 || n > max)
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') ||
		      (ch >= 'A' && ch <= 'F')))
			return false;
	}
	return true;
}

/* ---- ps / kill ---- */

int ctl_cmd_ps(ctl *c, int argc, char **argv)
{
	int rc = no_options(c, argc, argv, 1, 0, "ps");
	if (rc || (rc = ctl_connect(c)))
		return rc;
	wasmc_process_list *pl;
	wasmc_error *e = wasmc_process_list_get(c->conn, &pl);
	if (e)
		return ctl_fail(c, e, "ps");
	if (c->json) {
		json_t *arr = json_array();
		for (size_t i = 0; arr && i < pl->count; i++) {
			const wasmc_process *p = &pl->processes[i];
			json_array_append_new(
				arr, json_pack("{s:s,s:I,s:I,s:s,s:I,s:I,s:s,s:I}", "id", p->instance_hex,
				               "pid", (json_int_t)p->pid, "owner", (json_int_t)p->owner,
				               "digest", p->digest_hex, "memory_bytes",
				               (json_int_t)p->memory_bytes, "cpu_ns", (json_int_t)p->cpu_ns,
				               "state", p->state, "started", (json_int_t)p->started));
		}
		ctl_json_out(json_pack("{s:o}", "processes", arr));
	} else {
		printf("%-32s %7s %6s %-12s %10s %9s %s\n", "ID", "PID", "OWNER", "DIGEST", "MEMORY",
		       "CPU", "STATE");
		for (size_t i = 0; i < pl->count; i++) {
			const wasmc_process *p = &pl->processes[i];
			char mem[32];
			ctl_format_bytes(p->memory_bytes, mem, sizeof mem);
			printf("%-32s %7u %6u %-12.12s %10s %8.2fs %s\n", p->instance_hex, p->pid,
			       p->owner, p->digest_hex, mem, (double)p->cpu_ns / 1e9, p->state);
		}
	}
	wasmc_process_list_free(pl);
	return CTL_EXIT_OK;
}

int ctl_cmd_kill(ctl *c, int argc, char **argv)
{
	int rc = no_options(c, argc, argv, 1, 1, "kill ID");
	if (rc)
		return rc;
	const char *arg = argv[1];
	uint8_t id[16];
	bool full = wasmc_instance_id_parse(arg, id);
	if (!full && !is_hex_prefix(arg, 31))
		return ctl_usage(c, "kill: '%s' is not an instance id (32 hex digits, or a "
		                    "unique prefix of at least 4)", arg);
	if ((rc = ctl_connect(c)))
		return rc;
	if (!full) {
		/* A prefix: it must name exactly one process. */
		wasmc_process_list *pl;
		wasmc_error *e = wasmc_process_list_get(c->conn, &pl);
		if (e)
			return ctl_fail(c, e, "kill");
		size_t n = 0, len = strlen(arg);
		for (size_t i = 0; i < pl->count; i++) {
			if (strncasecmp(pl->processes[i].instance_hex, arg, len) == 0) {
				memcpy(id, pl->processes[i].instance, 16);
				n++;
			}
		}
		wasmc_process_list_free(pl);
		if (n == 0)
			return ctl_error(c, CTL_EXIT_NOT_FOUND, "not found",
			                 "kill: no instance id starts with %s", arg);
		if (n > 1)
			return ctl_usage(c, "kill: %zu instance ids start with %s; give more digits",
			                 n, arg);
	}
	wasmc_error *e = wasmc_process_kill(c->conn, id);
	if (e)
		return ctl_fail(c, e, "kill");
	char hex[33];
	for (int i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", id[i]);
	if (c->json)
		ctl_json_out(json_pack("{s:s}", "killed", hex));
	else
		printf("killed %s\n", hex);
	return CTL_EXIT_OK;
}

/* ---- cache ---- */

/* A digest, or a unique prefix of one in the cache. */
static int resolve_digest(ctl *c, const char *cmd, const char *arg, uint8_t out[32])
{
	if (wasmc_digest_parse(arg, out))
		return CTL_EXIT_OK;
	if (strncmp(arg, "sha256:", 7) == 0)
		arg += 7;
	if (!is_hex_prefix(arg, 63))
		return ctl_usage(c, "%s: '%s' is not a digest (64 hex digits, or a unique "
		                    "prefix of at least 4)", cmd, arg);
	wasmc_cache_list *cl;
	wasmc_error *e = wasmc_cache_list_get(c->conn, &cl);
	if (e)
		return ctl_fail(c, e, cmd);
	size_t len = strlen(arg), n = 0;
	const uint8_t *found = NULL;
	for (size_t i = 0; i < cl->count; i++) {
		if (strncasecmp(cl->entries[i].digest_hex, arg, len) != 0)
			continue;
		/* Several artifacts (tiers, fingerprints) of one module count once. */
		if (found == NULL || memcmp(found, cl->entries[i].digest, 32) != 0)
			n++;
		found = cl->entries[i].digest;
		memcpy(out, found, 32);
	}
	wasmc_cache_list_free(cl);
	if (n == 0)
		return ctl_error(c, CTL_EXIT_NOT_FOUND, "not found",
		                 "%s: no cached module's digest starts with %s", cmd, arg);
	if (n > 1)
		return ctl_usage(c, "%s: %zu cached modules' digests start with %s; give more digits",
		                 cmd, n, arg);
	return CTL_EXIT_OK;
}

static int cache_ls(ctl *c)
{
	wasmc_cache_list *cl;
	wasmc_error *e = wasmc_cache_list_get(c->conn, &cl);
	if (e)
		return ctl_fail(c, e, "cache ls");
	if (c->json) {
		json_t *arr = json_array();
		for (size_t i = 0; arr && i < cl->count; i++) {
			const wasmc_cache_entry *x = &cl->entries[i];
			json_array_append_new(
				arr, json_pack("{s:s,s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:b}", "digest",
				               x->digest_hex, "fingerprint", x->fingerprint, "tier",
				               ctl_tier_name(x->tier), "size", (json_int_t)x->size, "created",
				               (json_int_t)x->created, "last_used", (json_int_t)x->last_used,
				               "pins", (json_int_t)x->pins, "owner", (json_int_t)x->owner,
				               "fuel", x->fuel));
		}
		ctl_json_out(json_pack("{s:o,s:I,s:I}", "entries", arr, "total_bytes",
		                       (json_int_t)cl->total_bytes, "budget_bytes",
		                       (json_int_t)cl->budget_bytes));
	} else {
		printf("%-64s %-9s %10s %4s %6s %-16s %s\n", "DIGEST", "TIER", "SIZE", "PINS",
		       "OWNER", "LAST USED", "FUEL");
		for (size_t i = 0; i < cl->count; i++) {
			const wasmc_cache_entry *x = &cl->entries[i];
			char size[32], used[32];
			ctl_format_bytes(x->size, size, sizeof size);
			ctl_format_time(x->last_used, used, sizeof used);
			printf("%-64s %-9s %10s %4u %6u %-16s %s\n", x->digest_hex, ctl_tier_name(x->tier),
			       size, x->pins, x->owner, used, x->fuel ? "yes" : "no");
		}
		char total[32], budget[32];
		ctl_format_bytes(cl->total_bytes, total, sizeof total);
		ctl_format_bytes(cl->budget_bytes, budget, sizeof budget);
		printf("%zu entr%s, %s", cl->count, cl->count == 1 ? "y" : "ies", total);
		if (cl->budget_bytes)
			printf(" of a %s budget", budget);
		printf("\n");
	}
	wasmc_cache_list_free(cl);
	return CTL_EXIT_OK;
}

static int gc_args(ctl *c, int argc, char **argv, uint64_t *budget)
{
	*budget = 0;
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--budget") == 0 && i + 1 < argc) {
			if (!ctl_parse_bytes(argv[++i], budget))
				return ctl_usage(c, "cache gc: bad --budget '%s' (bytes, or with K, M, G)",
				                 argv[i]);
		} else if (strcmp(argv[i], "--budget") == 0) {
			return ctl_usage(c, "--budget needs a value");
		} else {
			return ctl_usage(c, "cache gc: unexpected argument '%s'", argv[i]);
		}
	}
	return CTL_EXIT_OK;
}

static int cache_gc(ctl *c, uint64_t budget)
{
	wasmc_cache_gc_result r;
	wasmc_error *e = wasmc_cache_gc(c->conn, budget, &r);
	if (e)
		return ctl_fail(c, e, "cache gc");
	if (c->json) {
		ctl_json_out(json_pack("{s:I,s:I,s:I}", "removed", (json_int_t)r.removed,
		                       "freed_bytes", (json_int_t)r.freed_bytes, "total_bytes",
		                       (json_int_t)r.total_bytes));
	} else {
		char freed[32], total[32];
		ctl_format_bytes(r.freed_bytes, freed, sizeof freed);
		ctl_format_bytes(r.total_bytes, total, sizeof total);
		printf("removed %u entr%s, freed %s; cache now %s\n", r.removed,
		       r.removed == 1 ? "y" : "ies", freed, total);
	}
	return CTL_EXIT_OK;
}

static int cache_verify(ctl *c)
{
	wasmc_cache_verify_result *r;
	wasmc_error *e = wasmc_cache_verify(c->conn, &r);
	if (e)
		return ctl_fail(c, e, "cache verify");
	if (c->json) {
		json_t *arr = json_array();
		for (size_t i = 0; arr && i < r->nproblems; i++)
			json_array_append_new(arr, json_string(r->problems[i]));
		ctl_json_out(json_pack("{s:I,s:I,s:o}", "checked", (json_int_t)r->checked, "bad",
		                       (json_int_t)r->bad, "problems", arr));
	} else {
		for (size_t i = 0; i < r->nproblems; i++)
			printf("removed %s\n", r->problems[i]);
		printf("checked %u entr%s, %u bad\n", r->checked, r->checked == 1 ? "y" : "ies",
		       r->bad);
	}
	wasmc_cache_verify_result_free(r);
	return CTL_EXIT_OK;
}

int ctl_cmd_cache(ctl *c, int argc, char **argv)
{
	static const char *usage = "cache ls|rm DIGEST|gc [--budget BYTES]|pin DIGEST|"
	                           "unpin DIGEST|verify";
	if (argc < 2)
		return ctl_usage(c, "usage: wasmctl %s", usage);
	const char *sub = argv[1];
	uint64_t budget = 0;
	int rc;
	bool digest_cmd = strcmp(sub, "rm") == 0 || strcmp(sub, "pin") == 0 ||
	                  strcmp(sub, "unpin") == 0;
	if (strcmp(sub, "ls") == 0 || strcmp(sub, "verify") == 0) {
		rc = no_options(c, argc, argv, 2, 0, usage);
	} else if (digest_cmd) {
		rc = no_options(c, argc, argv, 2, 1, usage);
	} else if (strcmp(sub, "gc") == 0) {
		rc = gc_args(c, argc, argv, &budget);
	} else {
		return ctl_usage(c, "cache: unknown subcommand '%s' (ls, rm, gc, pin, unpin, verify)",
		                 sub);
	}
	if (rc || (rc = ctl_connect(c)))
		return rc;
	if (strcmp(sub, "ls") == 0)
		return cache_ls(c);
	if (strcmp(sub, "verify") == 0)
		return cache_verify(c);
	if (strcmp(sub, "gc") == 0)
		return cache_gc(c, budget);

	char what[32];
	snprintf(what, sizeof what, "cache %s", sub);
	uint8_t digest[32];
	rc = resolve_digest(c, what, argv[2], digest);
	if (rc)
		return rc;
	wasmc_error *e = strcmp(sub, "rm") == 0 ? wasmc_cache_remove(c->conn, digest)
	                                        : wasmc_cache_pin(c->conn, digest,
	                                                          strcmp(sub, "pin") == 0);
	if (e)
		return ctl_fail(c, e, what);
	char hex[65];
	wasmc_digest_format(digest, hex);
	const char *done = strcmp(sub, "rm") == 0 ? "removed" : strcmp(sub, "pin") == 0 ? "pinned"
	                                                                            : "unpinned";
	if (c->json)
		ctl_json_out(json_pack("{s:s,s:s}", done, hex, "digest", hex));
	else
		printf("%s %s\n", done, hex);
	return CTL_EXIT_OK;
}

/* ---- status ---- */

int ctl_cmd_status(ctl *c, int argc, char **argv)
{
	int rc = no_options(c, argc, argv, 1, 0, "status");
	if (rc || (rc = ctl_connect(c)))
		return rc;
	wasmc_status *s;
	wasmc_error *e = wasmc_status_get(c->conn, &s);
	if (e)
		return ctl_fail(c, e, "status");
	if (c->json) {
		ctl_json_out(json_pack(
			"{s:s,s:s,s:s,s:f,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:s,s:I}",
			"socket", wasmc_conn_socket_path(c->conn), "version", s->version,
			"client_version", wasmc_version(), "uptime_seconds", s->uptime_seconds,
			"instances", (json_int_t)s->instances, "idle_workers",
			(json_int_t)s->idle_workers, "cache_entries", (json_int_t)s->cache_entries,
			"cache_bytes", (json_int_t)s->cache_bytes, "requests", (json_int_t)s->requests,
			"compiles_running", (json_int_t)s->compiles_running, "compiles_total",
			(json_int_t)s->compiles_total, "cache_hits", (json_int_t)s->cache_hits,
			"workers_died", (json_int_t)s->workers_died, "connections",
			(json_int_t)s->connections, "fingerprint", s->fingerprint, "uid",
			(json_int_t)wasmc_conn_uid(c->conn)));
	} else {
		char cache[32];
		ctl_format_bytes(s->cache_bytes, cache, sizeof cache);
		printf("socket:            %s\n", wasmc_conn_socket_path(c->conn));
		printf("daemon version:    %s\n", s->version);
		printf("client version:    %s\n", wasmc_version());
		printf("uptime:            %.0f s\n", s->uptime_seconds);
		printf("instances:         %u\n", s->instances);
		printf("idle workers:      %u\n", s->idle_workers);
		printf("connections:       %u\n", s->connections);
		printf("requests:          %" PRIu64 "\n", s->requests);
		printf("cache:             %u entries, %s\n", s->cache_entries, cache);
		printf("cache hits:        %" PRIu64 "\n", s->cache_hits);
		printf("compiles:          %u running, %" PRIu64 " total\n", s->compiles_running,
		       s->compiles_total);
		printf("workers died:      %u\n", s->workers_died);
		printf("fingerprint:       %s\n", s->fingerprint);
		printf("your uid:          %u\n", wasmc_conn_uid(c->conn));
	}
	wasmc_status_free(s);
	return CTL_EXIT_OK;
}
