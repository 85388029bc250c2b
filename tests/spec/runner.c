/*
 * runner.c - the core spec conformance runner (build/bin/spec-runner).
 *
 *   spec-runner [--report PATH] [--known-failures PATH]
 *               [--record-failures PATH] [--no-exec] [--quiet] [--verbose]
 *               [--features LIST] JSON...
 *
 * Each JSON file is one converted .wast script in wast2json's shape (see
 * tests/spec/wast-split.mjs); module files are named relative to it and are
 * all binary ("text_error" marks a text module the text converter
 * rejected). The feature set comes from the script's path
 * ("source_filename", relative to ../shared/testsuite; a script from
 * elsewhere is named ext/ABSOLUTE-PATH by tests/spec/run.sh and gets what
 * wasmc-run accepts by default, WB_FEAT_DEFAULT). --features LIST (comma
 * separated: wasm3, threads, legacy-eh, custom-page-sizes,
 * wide-arithmetic, multi-memory, multi-table, default, all) replaces it
 * for every script.
 *
 * Every command ends as passed, failed, skipped, converter_rejected (the
 * text converter rejected the module text: wasmc never saw it), not_run
 * (--no-exec) or known_failure (listed in --known-failures; an entry whose
 * command passes is stale and fails the run). Decode and validate:
 *   module                  decode and validate succeed (and, executing,
 *                           it instantiates: exec.h)
 *   assert_malformed        passes when wasmc's decoder (wb_decode and
 *                           wb_code_decode_func on every body) rejects it
 *   assert_invalid          passes when the decoder accepts it and the
 *                           validator rejects it
 *   assert_malformed_custom, assert_invalid_custom
 *                           (custom-section annotations) pass when the
 *                           module decodes and validates (wasmc ignores
 *                           those custom sections), or it is rejected with
 *                           the expected message
 * Execution (exec.h): every module with both tiers, register,
 * assert_return, assert_trap, assert_exhaustion, action,
 * assert_unlinkable, assert_uninstantiable, module_instance; each script
 * in its own child process. One message rule everywhere: ours starts with
 * the script's expected text; traps and instantiation failures with
 * another message fail, rejections pass without counting as matched.
 * Commands carrying "skip_reason", all commands of scripts for an
 * unsupported proposal, and those needing a module the compiler refuses
 * as unsupported are skipped.
 *
 * Prints one line per file, failures, the message agreement per command
 * kind, and the closing line "N passed, M failed, K skipped, C
 * converter_rejected, R not_run, F known_failure"; writes the report of
 * DESIGN.md §10 with the same numbers per file, per kind and in total.
 * Exit status: 0 when nothing failed, 1 when something failed, 2 on usage
 * or I/O errors.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmn_error.h"
#include "exec.h"
#include "front.h"
#include "script.h"
#include "totals.h"
#include "wb_features.h"

/* ------------------------------------------------------------------------ */
/* Feature sets by folder. */

typedef struct folder_features {
	const char *folder;       /* path component sequence, with slashes */
	wb_features features;
	const char *unsupported;  /* non-NULL: skip every command, this reason */
} folder_features;

/* First match wins; a script outside every folder gets Wasm 3.0. */
static const folder_features FOLDERS[] = {
	/* The threads proposal is written against a base without multiple
	 * memories or tables (its tests expect a second one to be invalid). */
	{"/proposals/threads/", WB_FEAT_THREADS, NULL},
	{"/legacy/", WB_FEAT_WASM3 | WB_FEAT_LEGACY_EH, NULL},
	{"/proposals/custom-page-sizes/", WB_FEAT_WASM3 | WB_FEAT_CUSTOM_PAGE_SIZES, NULL},
	{"/proposals/wide-arithmetic/", WB_FEAT_WASM3 | WB_FEAT_WIDE_ARITH, NULL},
	{"/proposals/custom-descriptors/", WB_FEAT_WASM3,
	 "unsupported feature: custom-descriptors"},
};

/* --features: the feature set of every script instead of its folder's. */
static wb_features opt_features;
static bool opt_features_set;

static const folder_features *folder_of(const char *file)
{
	static const folder_features core = {"", WB_FEAT_WASM3, NULL};
	static const folder_features ext = {"ext/", WB_FEAT_DEFAULT, NULL};
	if (strncmp(file, ext.folder, strlen(ext.folder)) == 0)
		return &ext;
	/* Match on "/folder/" with a leading slash added to the path. */
	size_t n = strlen(file);
	char *p = malloc(n + 2);
	if (!p)
		return &core;
	p[0] = '/';
	memcpy(p + 1, file, n + 1);
	const folder_features *ret = &core;
	for (size_t i = 0; i < sizeof FOLDERS / sizeof FOLDERS[0]; i++) {
		if (strstr(p, FOLDERS[i].folder)) {
			ret = &FOLDERS[i];
			break;
		}
	}
	free(p);
	return ret;
}

/* Without --no-exec every script runs in its own child process and
 * executes; with it, decode + validate only, the execution commands
 * counted as not run (the front end's own report). */
static bool executing = true;

static void run_commands(file_run *fr, json_t *commands);

static void run_command(file_run *fr, json_t *cmd)
{
	const char *type = str_field(cmd, "type");
	if (!type)
		type = "(no type)";
	const char *skip_reason = str_field(cmd, "skip_reason");
	if (skip_reason) {
		skip_cmd(fr, cmd, type, skip_reason);
		return;
	}
	if (fr->unsupported) {
		skip_cmd(fr, cmd, type, fr->unsupported);
		return;
	}

	char msg[CMN_ERROR_MSG_MAX + 4096];
	const char *stage;

	if (strcmp(type, "module") == 0) {
		check c = front_check_module(fr, cmd, msg, sizeof msg, &stage);
		bool definition = json_is_true(json_object_get(cmd, "definition"));
		if (c == CHECK_OK && executing) {
			exec_module(fr, cmd);
		} else if (c == CHECK_OK) {
			pass_cmd(fr, cmd, type, false, NULL);
		} else if (c == CHECK_NO_FILE && strcmp(stage, "text") == 0) {
			char reason[512];
			snprintf(reason, sizeof reason, "text converter rejected a module: %.400s", msg);
			if (executing && !definition)
				exec_module_failed(str_field(cmd, "name"), reason);
			converter_rejected(fr, cmd, type, msg);
		} else {
			if (executing && !definition)
				exec_module_failed(str_field(cmd, "name"), NULL);
			char what[sizeof msg + 64];
			snprintf(what, sizeof what, "%s failed: %s", stage, msg);
			fail_cmd(fr, cmd, type, what);
		}
		return;
	}

	if (strcmp(type, "assert_malformed") == 0 || strcmp(type, "assert_invalid") == 0) {
		front_assert_module(fr, cmd, type, strcmp(type, "assert_malformed") == 0);
		return;
	}

	if (strcmp(type, "assert_malformed_custom") == 0 ||
	    strcmp(type, "assert_invalid_custom") == 0) {
		front_assert_custom(fr, cmd, type);
		return;
	}

	if (executing) {
		if (strcmp(type, "assert_return") == 0 || strcmp(type, "assert_trap") == 0 ||
		    strcmp(type, "assert_exhaustion") == 0 || strcmp(type, "assert_exception") == 0 ||
		    strcmp(type, "action") == 0) {
			exec_action(fr, cmd, type);
			return;
		}
		if (strcmp(type, "register") == 0) {
			exec_register(fr, cmd);
			return;
		}
		if (strcmp(type, "module_instance") == 0) {
			exec_module_instance(fr, cmd, type);
			return;
		}
		if (strcmp(type, "assert_unlinkable") == 0 ||
		    strcmp(type, "assert_uninstantiable") == 0) {
			exec_assert_instantiate(fr, cmd, type, strcmp(type, "assert_unlinkable") == 0);
			return;
		}
		if (strcmp(type, "thread") == 0) {
			exec_thread(fr, cmd, run_commands);
			return;
		}
		if (strcmp(type, "wait") == 0) {
			exec_wait(fr, cmd);
			return;
		}
	}
	/* Execution commands: not run. A thread's own commands are
	 * counted under their own types (its modules are checked). */
	count(fr, type, NOT_RUN);
	verbose_line(fr, cmd, type, "not run", NULL);
	if (strcmp(type, "thread") == 0)
		run_commands(fr, json_object_get(cmd, "commands"));
}

static void run_commands(file_run *fr, json_t *commands)
{
	size_t i;
	json_t *cmd;
	if (!json_is_array(commands))
		return;
	json_array_foreach(commands, i, cmd)
	{
		run_command(fr, cmd);
	}
}

/* ------------------------------------------------------------------------ */
/* Files. */

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

/* Runs one JSON file in this process; returns its report entry (NULL
 * only on allocation failure). */
static json_t *run_file_here(const char *json_path)
{
	file_run fr = {0};
	fr.commands = json_object();
	fr.skip_reasons = json_array();
	fr.known_hits = json_array();
	fr.known_passed = json_array();
	char *dir = dir_of(json_path);
	fr.dir = dir;

	json_error_t jerr;
	json_t *root = json_load_file(json_path, JSON_ALLOW_NUL, &jerr);
	const char *file = root ? json_string_value(json_object_get(root, "source_filename")) : NULL;
	fr.file = file ? file : json_path;
	if (!root || !json_is_array(json_object_get(root, "commands"))) {
		printf("FAIL %s: cannot read converted script: %s\n", json_path,
		       root ? "no \"commands\" array" : jerr.text);
		count(&fr, "script", FAILED);
	} else {
		const folder_features *ff = folder_of(fr.file);
		fr.features = opt_features_set ? opt_features : ff->features;
		fr.unsupported = ff->unsupported;
		run_commands(&fr, json_object_get(root, "commands"));
	}

	json_t *entry = json_pack("{s:s, s:o, s:I, s:o, s:o, s:o}", "file", fr.file,
	                          "commands", fr.commands,
	                          "messages_matched", (json_int_t)fr.messages_matched,
	                          "skip_reasons", fr.skip_reasons,
	                          "known_failures_hit", fr.known_hits,
	                          "known_failures_passed", fr.known_passed);
	json_decref(root);
	free(dir);
	return entry;
}

/* CPU seconds a script may use before its process is killed (each call
 * also has its own timeout, see exec.h). */
#define FILE_TIMEOUT 600

/* The report entry of a script whose child process died. */
static json_t *died_entry(const char *json_path, int status)
{
	file_run fr = {0};
	fr.commands = json_object();
	fr.file = json_path;
	json_error_t jerr;
	json_t *root = json_load_file(json_path, JSON_ALLOW_NUL, &jerr);
	const char *file = root ? json_string_value(json_object_get(root, "source_filename")) : NULL;
	if (file)
		fr.file = file;
	if (WIFSIGNALED(status))
		printf("FAIL %s: the runner died (signal %d%s)\n", fr.file, WTERMSIG(status),
		       WTERMSIG(status) == SIGXCPU ? ": timeout" : "");
	else
		printf("FAIL %s: the runner exited with status %d\n", fr.file,
		       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	count(&fr, "script", FAILED);
	json_t *entry = json_pack("{s:s, s:o, s:I, s:[], s:[]}", "file", fr.file, "commands",
	                          fr.commands, "messages_matched", (json_int_t)0,
	                          "skip_reasons", "known_failures_hit");
	json_decref(root);
	return entry;
}

/* Runs one JSON file in a child process, so that a crash or a hang of
 * compiled code costs that file only; returns its report entry. */
static json_t *run_file(const char *json_path)
{
	if (!executing)
		return run_file_here(json_path);
	int fds[2];
	fflush(stdout);
	fflush(stderr);
	if (pipe(fds) != 0)
		return run_file_here(json_path);
	pid_t pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return run_file_here(json_path);
	}
	if (pid == 0) {
		close(fds[0]);
		struct rlimit rl = {FILE_TIMEOUT, FILE_TIMEOUT + 5};
		setrlimit(RLIMIT_CPU, &rl);
		json_t *entry = run_file_here(json_path);
		exec_cleanup();
		char *text = json_dumps(entry, JSON_COMPACT);
		fflush(stdout);
		size_t len = text ? strlen(text) : 0, done = 0;
		while (done < len) {
			ssize_t w = write(fds[1], text + done, len - done);
			if (w <= 0)
				break;
			done += (size_t)w;
		}
		_exit(0);
	}
	close(fds[1]);
	size_t cap = 65536, len = 0;
	char *buf = malloc(cap);
	for (;;) {
		if (len + 1 >= cap) {
			cap *= 2;
			buf = realloc(buf, cap);
		}
		ssize_t r = read(fds[0], buf + len, cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	buf[len] = '\0';
	close(fds[0]);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	json_error_t jerr;
	json_t *entry = len ? json_loads(buf, 0, &jerr) : NULL;
	free(buf);
	if (!entry)
		return died_entry(json_path, status);
	size_t i;
	json_t *k;
	json_array_foreach(json_object_get(entry, "known_failures_passed"), i, k)
	{
		known_failures_passed((long)json_integer_value(k));
	}
	json_array_foreach(json_object_get(entry, "known_failures_hit"), i, k)
	{
		json_int_t n = json_integer_value(k);
		known_failures_hit((long)n);
	}
	return entry;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: spec-runner [--report PATH] [--known-failures PATH] [--record-failures PATH]\n"
	           "                   [--no-exec] [--quiet] [--verbose] [--features LIST] JSON...\n");
}

/* --features LIST: a comma-separated list of names; false on a name that
 * is none. */
static bool parse_features(const char *list, wb_features *ret)
{
	static const struct {
		const char *name;
		wb_features f;
	} NAMES[] = {
		{"wasm3", WB_FEAT_WASM3},
		{"threads", WB_FEAT_THREADS},
		{"legacy-eh", WB_FEAT_LEGACY_EH},
		{"custom-page-sizes", WB_FEAT_CUSTOM_PAGE_SIZES},
		{"wide-arithmetic", WB_FEAT_WIDE_ARITH},
		{"multi-memory", WB_FEAT_MULTI_MEMORY},
		{"multi-table", WB_FEAT_MULTI_TABLE},
		{"default", WB_FEAT_DEFAULT},
		{"all", WB_FEAT_ALL},
	};
	wb_features f = 0;
	const char *p = list;
	while (*p) {
		size_t n = strcspn(p, ","), i;
		for (i = 0; i < sizeof NAMES / sizeof NAMES[0]; i++)
			if (strlen(NAMES[i].name) == n && strncmp(p, NAMES[i].name, n) == 0)
				break;
		if (n > 0 && i == sizeof NAMES / sizeof NAMES[0]) {
			fprintf(stderr,
			        "spec-runner: unknown feature \"%.*s\" in --features (known: wasm3, "
			        "threads, legacy-eh, custom-page-sizes, wide-arithmetic, multi-memory, "
			        "multi-table, default, all)\n",
			        (int)n, p);
			return false;
		}
		if (n > 0)
			f |= NAMES[i].f;
		p += n;
		if (*p == ',')
			p++;
	}
	*ret = f;
	return true;
}

int main(int argc, char **argv)
{
	const char *report = NULL;
	int first = argc;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--report") == 0 && i + 1 < argc) {
			report = argv[++i];
		} else if (strncmp(argv[i], "--report=", 9) == 0) {
			report = argv[i] + 9;
		} else if (strcmp(argv[i], "--known-failures") == 0 && i + 1 < argc) {
			if (!known_failures_load(argv[++i])) {
				fprintf(stderr, "spec-runner: cannot read %s\n", argv[i]);
				return 2;
			}
		} else if (strcmp(argv[i], "--record-failures") == 0 && i + 1 < argc) {
			FILE *rf = fopen(argv[++i], "a");
			record_failures_to(rf);
			if (!rf) {
				fprintf(stderr, "spec-runner: cannot write %s\n", argv[i]);
				return 2;
			}
		} else if (strcmp(argv[i], "--features") == 0 && i + 1 < argc) {
			if (!parse_features(argv[++i], &opt_features))
				return 2;
			opt_features_set = true;
		} else if (strcmp(argv[i], "--no-exec") == 0) {
			executing = false;
		} else if (strcmp(argv[i], "--quiet") == 0) {
			opt_quiet = true;
		} else if (strcmp(argv[i], "--verbose") == 0) {
			opt_verbose = true;
		} else if (strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--") == 0) {
			first = i + 1;
			break;
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			fprintf(stderr, "spec-runner: unknown option %s\n", argv[i]);
			usage(stderr);
			return 2;
		} else {
			first = i;
			break;
		}
	}
	if (opt_quiet && opt_verbose)
		opt_quiet = false;
	if (first >= argc) {
		usage(stderr);
		return 2;
	}
	/* Options may also follow the files. */
	json_t *files = json_array();
	json_t *all = json_object();
	char line[512];
	for (int i = first; i < argc; i++) {
		if (strcmp(argv[i], "--quiet") == 0) {
			opt_quiet = !opt_verbose;
			continue;
		}
		if (strcmp(argv[i], "--verbose") == 0) {
			opt_verbose = true;
			opt_quiet = false;
			continue;
		}
		if (strcmp(argv[i], "--report") == 0 && i + 1 < argc) {
			report = argv[++i];
			continue;
		}
		json_t *entry = run_file(argv[i]);
		if (!entry) {
			fprintf(stderr, "spec-runner: out of memory\n");
			return 2;
		}
		json_t *commands = json_object_get(entry, "commands");
		json_t *ft = outcome_totals(commands);
		format_totals(ft, line, sizeof line);
		json_decref(ft);
		if (!opt_quiet)
			printf("%s: %s\n", json_string_value(json_object_get(entry, "file")), line);
		add_commands(all, commands);
		json_object_del(entry, "known_failures_hit");
		json_object_del(entry, "known_failures_passed");
		json_array_append_new(files, entry);
		fflush(stdout);
	}

	json_t *stale = json_array();
	long nstale = known_failures_stale(stale);
	json_t *totals = outcome_totals(all);
	add_to(totals, "failed", nstale);
	json_t *agreement = message_agreement(all);
	json_object_set_new(totals, "stale_known_failures", stale);
	json_object_set_new(totals, "messages_matched", agreement);
	json_object_set_new(totals, "commands", all);
	long failed = (long)json_integer_value(json_object_get(totals, "failed"));
	int status = failed > 0 ? 1 : 0;
	if (report) {
		json_t *root = json_pack("{s:o, s:O}", "files", files, "totals", totals);
		if (json_dump_file(root, report, JSON_INDENT(1) | JSON_PRESERVE_ORDER) != 0) {
			fprintf(stderr, "spec-runner: cannot write %s\n", report);
			status = 2;
		}
		json_decref(root);
	} else {
		json_decref(files);
	}
	/* The closing line: "N passed, M failed, ..." over the whole run. */
	format_totals(totals, line, sizeof line);
	if (nstale > 0)
		printf("%ld stale known-failure entries (counted as failed)\n", nstale);
	printf("%s\n", line);
	json_decref(totals);
	return status;
}
