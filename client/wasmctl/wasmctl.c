/*
 * wasmctl - the command-line client of wasmcd: compile and call modules,
 * inspect them, list and kill instances, manage the cache, show status.
 * Built only on libwasmc's public headers (include/wasmc/).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

static void help(FILE *f)
{
	fprintf(f,
"usage: wasmctl [--socket PATH] [--json] COMMAND [ARGS]\n"
"\n"
"Commands:\n"
"  compile [--tier T] FILE        compile FILE in the daemon (or find it cached)\n"
"  call [OPTIONS] FILE 'EXPORT(ARGS)'\n"
"                                 instantiate FILE (a path, or the digest of a\n"
"                                 cached module) and call EXPORT; results are\n"
"                                 printed one per line\n"
"      --fuel N                   fuel budget (deterministic interruption)\n"
"      --deadline-ms N            wall-clock limit of the call\n"
"      --cpu-ms N                 CPU-time limit of the instance\n"
"      --max-memory BYTES         limit of each memory (K, M, G suffixes)\n"
"      --max-table N              limit of each table, in elements\n"
"      --tier default|fast|optimized\n"
"  inspect FILE|DIGEST            imports and exports with their types (a\n"
"                                 component: its WIT world)\n"
"  ps                             running instances: id, pid, owner, module,\n"
"                                 memory, CPU time, state\n"
"  kill ID                        kill an instance's worker (ID or a unique prefix)\n"
"  cache ls                       cached artifacts\n"
"  cache rm DIGEST                remove a module's artifacts (DIGEST or a prefix)\n"
"  cache gc [--budget BYTES]      evict least recently used entries down to BYTES\n"
"                                 (default: the daemon's budget)\n"
"  cache pin DIGEST | unpin DIGEST\n"
"                                 keep (or stop keeping) a module through gc\n"
"  cache verify                   check every artifact, remove the bad ones\n"
"  status                         daemon version, uptime, counters\n"
"\n"
"Options:\n"
"  --socket PATH   the daemon's socket (default: $WASMC_SOCKET, else\n"
"                  /run/wasmcd/wasmcd.sock when it exists, else\n"
"                  $XDG_RUNTIME_DIR/wasmc/wasmcd.sock or /tmp/wasmc-UID/wasmcd.sock)\n"
"  --json          machine-readable output on stdout (errors as {\"error\": ...},\n"
"                  traps as {\"trap\": ...})\n"
"  --help          this text;  --version  the client library's version\n"
"\n"
"Call arguments (WAVE style): integers in decimal or 0x hex, optionally\n"
"negative; floats as decimals, hex floats, nan, inf, -inf, nan:0xPAYLOAD;\n"
"v128 as 0x followed by up to 32 hex digits or i32x4(1, 2, 3, 4) (also i8x16,\n"
"i16x8, i64x2, f32x4, f64x2); references as null (externref also ref(N)).\n"
"An export whose name is not a plain word can be quoted: '\"my func\"(1)'.\n"
"Components: EXPORT is 'name' or 'interface#name'; arguments and results in\n"
"WAVE by the export's types: 42, 1.5, nan, 'c', \"str\", [1, 2], (1, \"a\"),\n"
"{field: 1, other: \"x\"}, case(payload), enum-case, some(x), none, ok(x),\n"
"err(e), {flag-a, flag-b}; resource handles as numbers. wasmctl defines no\n"
"imports: those the daemon's worker does not provide make the call fail with\n"
"an error naming them. --json prints each result with its WIT type, a JSON\n"
"value and its WAVE text.\n"
"Results: integers signed, floats as the shortest decimal that reads back the\n"
"same (NaN, inf), v128 as 0x + 32 hex digits, references as null / ref.\n"
"\n"
"Exit status:\n"
"  0  success\n"
"  1  the guest trapped (the trap message on stderr)\n"
"  2  usage or bad input (bad arguments, unreadable or invalid module,\n"
"     missing imports)\n"
"  3  the daemon is unreachable (or the connection was lost)\n"
"  4  the daemon reported an error (compile failed, worker died, limits, ...)\n"
"  5  not found (module, export, instance, cache entry)\n");
}

static const struct {
	const char *name;
	ctl_cmd_fn fn;
} commands[] = {
	{"compile", ctl_cmd_compile}, {"call", ctl_cmd_call}, {"inspect", ctl_cmd_inspect},
	{"ps", ctl_cmd_ps}, {"kill", ctl_cmd_kill}, {"cache", ctl_cmd_cache},
	{"status", ctl_cmd_status},
};

int main(int argc, char **argv)
{
	ctl c = {0};
	/* Global options may appear anywhere; the rest is the command line. */
	char **rest = calloc((size_t)argc + 1, sizeof *rest);
	int nrest = 0;
	if (rest == NULL) {
		fprintf(stderr, "wasmctl: out of memory\n");
		return CTL_EXIT_DAEMON;
	}
	bool want_help = false, want_version = false;
	int rc = CTL_EXIT_OK;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--json") == 0) {
			c.json = true;
		} else if (strcmp(a, "--socket") == 0) {
			if (i + 1 >= argc) {
				rc = ctl_usage(&c, "--socket needs a path");
				goto out;
			}
			c.socket = argv[++i];
		} else if (strncmp(a, "--socket=", 9) == 0) {
			c.socket = a + 9;
		} else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0 ||
		           (nrest == 0 && strcmp(a, "help") == 0)) {
			want_help = true;
		} else if (strcmp(a, "--version") == 0) {
			want_version = true;
		} else {
			rest[nrest++] = argv[i];
		}
	}
	if (want_help) {
		help(stdout);
		goto out;
	}
	if (want_version) {
		if (c.json)
			ctl_json_out(json_pack("{s:s}", "version", wasmc_version()));
		else
			printf("wasmctl %s\n", wasmc_version());
		goto out;
	}
	if (nrest == 0) {
		help(stderr);
		rc = CTL_EXIT_USAGE;
		goto out;
	}
	if (c.socket && c.socket[0] == '\0') {
		rc = ctl_usage(&c, "--socket: empty path");
		goto out;
	}
	for (size_t k = 0; k < sizeof commands / sizeof commands[0]; k++) {
		if (strcmp(rest[0], commands[k].name) == 0) {
			rc = commands[k].fn(&c, nrest, rest);
			goto out;
		}
	}
	rc = ctl_usage(&c, "unknown command '%s'", rest[0]);
out:
	wasmc_conn_close(c.conn);
	free(rest);
	return rc;
}
