/*
 * runner.c - the core spec conformance runner (build/bin/spec-runner).
 *
 *   spec-runner [--report PATH] [--known-failures PATH]
 *               [--record-failures PATH] [--quiet] [--verbose] JSON...
 *
 * Each JSON file is one converted .wast script in wast2json's shape (see
 * tests/spec/wast-split.mjs); module files are named relative to it and are
 * all binary ("text_error" marks a text module the text converter
 * rejected). The feature set comes from the script's path
 * ("source_filename", relative to ../shared/testsuite).
 *
 * Decode and validate:
 *   module                  decode and validate succeed (and, with the
 *                           compiler, it instantiates: exec.h)
 *   assert_malformed        passes when the text converter rejected the
 *                           module, or decode or validate fails
 *   assert_invalid          passes when decode or validate fails
 *   assert_malformed_custom, assert_invalid_custom
 *                           (custom-section annotations) pass when the text
 *                           converter rejected the module, or it decodes and
 *                           validates (wasmc ignores those custom sections),
 *                           or it is rejected with the expected message
 * Execution (with jit/ in the build; exec.h): every module with both
 * tiers, register, assert_return, assert_trap, assert_exhaustion, action,
 * assert_unlinkable, assert_uninstantiable, module_instance; each script
 * in its own child process. Without the compiler they are counted as not
 * run. `messages_matched` counts our rejections and traps whose message
 * matches the script's expected text. Commands carrying "skip_reason",
 * all commands of scripts for an unsupported proposal, and those needing
 * a module the compiler refuses as unsupported are skipped; execution
 * failures listed in --known-failures are skipped with that reason.
 *
 * Prints one line per file, failures, and the closing line
 * "N passed, M failed, K skipped"; writes the report of DESIGN.md §10.
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
#include "cmn_file.h"
#include "rt_module.h"
#include "wb_decode.h"
#include "wb_features.h"
#include "wb_validate.h"

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

static const folder_features *folder_of(const char *file)
{
	static const folder_features core = {"", WB_FEAT_WASM3, NULL};
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

/* ------------------------------------------------------------------------ */
/* Options and totals. */

static bool opt_quiet;
static bool opt_verbose;

typedef enum outcome { PASSED, FAILED, SKIPPED, NOT_RUN } outcome;
static const char *const OUTCOME_KEYS[] = {"passed", "failed", "skipped", "not_run"};

typedef struct totals {
	long n[4];
} totals;

/* One file's state while its commands run. */
typedef struct file_run {
	const char *file;     /* relative to the test suite */
	const char *dir;      /* folder of the JSON file */
	wb_features features;
	const char *unsupported;
	json_t *commands;     /* {"type": {"passed": n, ...}} */
	json_t *skip_reasons; /* array of distinct strings */
	long messages_matched;
	totals t;
} file_run;

static void count(file_run *fr, const char *type, outcome o)
{
	json_t *c = json_object_get(fr->commands, type);
	if (!c) {
		c = json_pack("{s:i, s:i, s:i, s:i}", "passed", 0, "failed", 0,
		              "skipped", 0, "not_run", 0);
		json_object_set_new(fr->commands, type, c);
	}
	json_t *v = json_object_get(c, OUTCOME_KEYS[o]);
	json_integer_set(v, json_integer_value(v) + 1);
	fr->t.n[o]++;
}

static void add_skip_reason(file_run *fr, const char *reason)
{
	size_t i;
	json_t *v;
	json_array_foreach(fr->skip_reasons, i, v)
	{
		if (strcmp(json_string_value(v), reason) == 0)
			return;
	}
	json_array_append_new(fr->skip_reasons, json_string(reason));
}

/* ------------------------------------------------------------------------ */
/* Modules. */

static const char *str_field(json_t *cmd, const char *key)
{
	return json_string_value(json_object_get(cmd, key));
}

static uint8_t *read_file(const char *path, size_t *size, char *why, size_t whylen)
{
	cmn_error err;
	uint8_t *buf = cmn_read_file(path, size, &err);

	if (!buf)
		snprintf(why, whylen, "%s", err.msg);
	return buf;
}

typedef enum check {
	CHECK_OK,       /* decoded and validated */
	CHECK_REJECTED, /* decode or validate failed: msg holds why */
	CHECK_NO_FILE,  /* no binary to check (text converter rejected it, or
	                   the file is missing): msg holds why */
} check;

/* Decodes and validates the module of `cmd`. `msg` receives our error
 * message (or why nothing could be checked). `stage` names what failed. */
static check check_module(file_run *fr, json_t *cmd, char *msg, size_t msglen,
                          const char **stage)
{
	*stage = "";
	const char *text_error = str_field(cmd, "text_error");
	const char *type = str_field(cmd, "module_type");
	const char *name = str_field(cmd, "filename");
	if (text_error || (type && strcmp(type, "binary") != 0) || !name) {
		snprintf(msg, msglen, "%s", text_error ? text_error : "no binary module");
		*stage = "text";
		return CHECK_NO_FILE;
	}
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", fr->dir, name);
	size_t size = 0;
	uint8_t *bytes = read_file(path, &size, msg, msglen);
	if (!bytes) {
		*stage = "file";
		return CHECK_NO_FILE;
	}
	cmn_error err;
	cmn_error_clear(&err);
	rt_module *mod = NULL;
	check ret = CHECK_OK;
	if (!wb_decode(bytes, size, fr->features, &mod, &err)) {
		*stage = "decode";
		ret = CHECK_REJECTED;
	} else if (!wb_validate(mod, fr->features, &err)) {
		*stage = "validate";
		ret = CHECK_REJECTED;
	}
	if (ret == CHECK_REJECTED) {
		if (err.has_offset)
			snprintf(msg, msglen, "%s (at byte %zu)", err.msg, err.offset);
		else
			snprintf(msg, msglen, "%s", err.msg);
	}
	if (mod)
		rt_module_free(mod);
	free(bytes);
	return ret;
}

/* The spec's convention: the actual message starts with the expected one. */
static bool message_matches(const char *ours, const char *expected)
{
	return expected && strncmp(ours, expected, strlen(expected)) == 0;
}

/* ------------------------------------------------------------------------ */
/* Commands. */

static void report_failure(file_run *fr, json_t *cmd, const char *type,
                           const char *what)
{
	long line = (long)json_integer_value(json_object_get(cmd, "line"));
	const char *text = str_field(cmd, "text");
	if (text)
		printf("FAIL %s:%ld: %s: expected \"%s\": %s\n", fr->file, line, type, text, what);
	else
		printf("FAIL %s:%ld: %s: %s\n", fr->file, line, type, what);
}

static void verbose_line(file_run *fr, json_t *cmd, const char *type,
                         const char *status, const char *detail)
{
	if (!opt_verbose)
		return;
	long line = (long)json_integer_value(json_object_get(cmd, "line"));
	printf("  %s:%ld: %s: %s%s%s\n", fr->file, line, type, status,
	       detail && *detail ? ": " : "", detail ? detail : "");
}

static void skip(file_run *fr, json_t *cmd, const char *type, const char *reason)
{
	count(fr, type, SKIPPED);
	add_skip_reason(fr, reason);
	verbose_line(fr, cmd, type, "skipped", reason);
}

/* ------------------------------------------------------------------------ */
/* Known failures: execution commands listed as "FILE:LINE", or all of a
 * script's as "FILE" (FILE relative to the test suite, anything after
 * whitespace is a comment), are counted
 * as skipped with that reason instead of failed; --record-failures PATH
 * appends every execution failure in that format. */

static char **known_list;
static size_t nknown;
static long known_passed; /* listed, but passed: the list is stale */
static FILE *record_file;

static bool load_known_failures(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	char line[4096];
	while (fgets(line, sizeof line, f)) {
		size_t n = strcspn(line, " \t\r\n#");
		if (n == 0)
			continue;
		line[n] = '\0';
		char **nl = realloc(known_list, (nknown + 1) * sizeof *nl);
		if (!nl)
			break;
		known_list = nl;
		known_list[nknown++] = strdup(line);
	}
	fclose(f);
	return true;
}

/* "FILE:LINE" names one command, "FILE" every command of the script. */
static bool is_known_failure(const char *file, long line)
{
	char key[4200];
	snprintf(key, sizeof key, "%s:%ld", file, line);
	for (size_t i = 0; i < nknown; i++)
		if (strcmp(known_list[i], key) == 0 || strcmp(known_list[i], file) == 0)
			return true;
	return false;
}

#include "exec.h"

/* Without the compiler, or with --no-exec: decode + validate only, the
 * execution commands counted as not run (the validator's own report). */
#if WASMC_HAVE_JIT
static bool executing = true;
#else
static bool executing = false;
#endif

static void run_commands(file_run *fr, json_t *commands);

static void run_command(file_run *fr, json_t *cmd)
{
	const char *type = str_field(cmd, "type");
	if (!type)
		type = "(no type)";
	const char *skip_reason = str_field(cmd, "skip_reason");
	if (skip_reason) {
		skip(fr, cmd, type, skip_reason);
		return;
	}
	if (fr->unsupported) {
		skip(fr, cmd, type, fr->unsupported);
		return;
	}

	char msg[CMN_ERROR_MSG_MAX + 4096];
	const char *stage;
	bool is_module = strcmp(type, "module") == 0;
	bool is_malformed = strcmp(type, "assert_malformed") == 0;
	bool is_invalid = strcmp(type, "assert_invalid") == 0;

	if (is_module) {
		check c = check_module(fr, cmd, msg, sizeof msg, &stage);
		if (c == CHECK_OK && executing) {
			exec_module(fr, cmd);
		} else if (c == CHECK_OK) {
			count(fr, type, PASSED);
			verbose_line(fr, cmd, type, "passed", NULL);
		} else if (c == CHECK_NO_FILE && strcmp(stage, "text") == 0) {
			char reason[512];
			snprintf(reason, sizeof reason, "text converter rejected a module: %.400s", msg);
			if (executing) {
				modslot *ms = new_slot(es_get(), str_field(cmd, "name"));
				ms->skip = strdup(reason);
			}
			skip(fr, cmd, type, reason);
		} else {
			if (executing && !json_is_true(json_object_get(cmd, "definition")))
				new_slot(es_get(), str_field(cmd, "name"));
			char what[sizeof msg + 64];
			snprintf(what, sizeof what, "%s failed: %s", stage, msg);
			count(fr, type, FAILED);
			report_failure(fr, cmd, type, what);
		}
		return;
	}

	if (is_malformed || is_invalid) {
		const char *expected = str_field(cmd, "text");
		check c = check_module(fr, cmd, msg, sizeof msg, &stage);
		if (c == CHECK_NO_FILE && strcmp(stage, "text") == 0) {
			if (is_malformed) {
				/* The text converter rejected it: malformed text. */
				count(fr, type, PASSED);
				verbose_line(fr, cmd, type, "passed (text converter)", msg);
			} else {
				char reason[512];
				snprintf(reason, sizeof reason,
				         "text converter rejected an assert_invalid module: %.380s", msg);
				skip(fr, cmd, type, reason);
			}
		} else if (c == CHECK_NO_FILE) {
			count(fr, type, FAILED);
			report_failure(fr, cmd, type, msg);
		} else if (c == CHECK_REJECTED) {
			count(fr, type, PASSED);
			bool matched = message_matches(msg, expected);
			if (matched)
				fr->messages_matched++;
			if (opt_verbose) {
				char detail[sizeof msg + 64];
				snprintf(detail, sizeof detail, "%s: %s%s", stage, msg,
				         matched ? "" : " (message differs)");
				verbose_line(fr, cmd, type, "passed", detail);
			}
		} else {
			count(fr, type, FAILED);
			report_failure(fr, cmd, type, "the module was accepted");
		}
		return;
	}

	if (strcmp(type, "assert_malformed_custom") == 0 ||
	    strcmp(type, "assert_invalid_custom") == 0) {
		/* A custom section (annotation) is malformed or invalid; the
		 * module is otherwise valid. wasmc does not interpret these
		 * custom sections, so accepting the module is right; rejecting
		 * it is right only with the expected message. */
		const char *expected = str_field(cmd, "text");
		check c = check_module(fr, cmd, msg, sizeof msg, &stage);
		if (c == CHECK_NO_FILE && strcmp(stage, "text") == 0) {
			count(fr, type, PASSED);
			verbose_line(fr, cmd, type, "passed (text converter)", msg);
		} else if (c == CHECK_OK) {
			count(fr, type, PASSED);
			verbose_line(fr, cmd, type, "passed (custom section ignored)", NULL);
		} else if (c == CHECK_REJECTED && message_matches(msg, expected)) {
			count(fr, type, PASSED);
			fr->messages_matched++;
			verbose_line(fr, cmd, type, "passed", msg);
		} else {
			char what[sizeof msg + 64];
			snprintf(what, sizeof what, "%s failed: %s", stage, msg);
			count(fr, type, FAILED);
			report_failure(fr, cmd, type, what);
		}
		return;
	}

	if (executing) {
		if (strcmp(type, "assert_return") == 0 || strcmp(type, "assert_trap") == 0 ||
		    strcmp(type, "assert_exhaustion") == 0 || strcmp(type, "action") == 0) {
			exec_action_cmd(fr, cmd, type);
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
		if (strcmp(type, "assert_exception") == 0) {
			skip(fr, cmd, type, "unsupported feature: exception handling");
			return;
		}
		if (strcmp(type, "thread") == 0 || strcmp(type, "wait") == 0) {
			skip(fr, cmd, type, "threads (thread/wait commands) are not run");
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
 * only on allocation failure) and adds to `all`. */
static json_t *run_file_here(const char *json_path, totals *all)
{
	file_run fr = {0};
	fr.commands = json_object();
	fr.skip_reasons = json_array();
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
		fr.features = ff->features;
		fr.unsupported = ff->unsupported;
		run_commands(&fr, json_object_get(root, "commands"));
	}

	if (!opt_quiet)
		printf("%s: %ld passed, %ld failed, %ld skipped, %ld not run\n", fr.file,
		       fr.t.n[PASSED], fr.t.n[FAILED], fr.t.n[SKIPPED], fr.t.n[NOT_RUN]);
	for (int k = 0; k < 4; k++)
		all->n[k] += fr.t.n[k];

	json_t *entry = json_pack("{s:s, s:o, s:I, s:o}", "file", fr.file,
	                          "commands", fr.commands,
	                          "messages_matched", (json_int_t)fr.messages_matched,
	                          "skip_reasons", fr.skip_reasons);
	json_decref(root);
	free(dir);
	return entry;
}

/* CPU seconds a script may use before its process is killed (each call
 * also has its own timeout, see exec.h). */
#define FILE_TIMEOUT 600

/* Runs one JSON file in a child process, so that a crash or a hang of
 * compiled code costs that file only; returns its report entry and adds
 * to `all`. */
static json_t *run_file(const char *json_path, totals *all)
{
	if (!executing)
		return run_file_here(json_path, all);
	int fds[2];
	fflush(stdout);
	fflush(stderr);
	if (pipe(fds) != 0)
		return run_file_here(json_path, all);
	pid_t pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return run_file_here(json_path, all);
	}
	if (pid == 0) {
		close(fds[0]);
		struct rlimit rl = {FILE_TIMEOUT, FILE_TIMEOUT + 5};
		setrlimit(RLIMIT_CPU, &rl);
		totals mine = {0};
		known_passed = 0; /* count this script's only */
		json_t *entry = run_file_here(json_path, &mine);
		remove_artifact_dir();
		json_t *msg = json_pack("{s:o, s:[I,I,I,I], s:I}", "entry", entry, "n",
		                        (json_int_t)mine.n[0], (json_int_t)mine.n[1],
		                        (json_int_t)mine.n[2], (json_int_t)mine.n[3],
		                        "known_passed", (json_int_t)known_passed);
		char *text = json_dumps(msg, JSON_COMPACT);
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
	json_t *msg = len ? json_loads(buf, 0, &jerr) : NULL;
	free(buf);
	json_t *entry = msg ? json_incref(json_object_get(msg, "entry")) : NULL;
	if (!entry) {
		/* The child died: report the file as one failure. */
		file_run fr = {0};
		fr.commands = json_object();
		fr.skip_reasons = json_array();
		fr.file = json_path;
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
		for (int k = 0; k < 4; k++)
			all->n[k] += fr.t.n[k];
		entry = json_pack("{s:s, s:o, s:I, s:o}", "file", fr.file, "commands", fr.commands,
		                  "messages_matched", (json_int_t)0, "skip_reasons", fr.skip_reasons);
		json_decref(root);
	} else {
		json_t *n = json_object_get(msg, "n");
		known_passed += (long)json_integer_value(json_object_get(msg, "known_passed"));
		for (int k = 0; k < 4; k++)
			all->n[k] += (long)json_integer_value(json_array_get(n, (size_t)k));
	}
	json_decref(msg);
	return entry;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: spec-runner [--report PATH] [--known-failures PATH] [--record-failures PATH]\n"
	           "                   [--no-exec] [--quiet] [--verbose] JSON...\n");
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
			if (!load_known_failures(argv[++i])) {
				fprintf(stderr, "spec-runner: cannot read %s\n", argv[i]);
				return 2;
			}
		} else if (strcmp(argv[i], "--record-failures") == 0 && i + 1 < argc) {
			record_file = fopen(argv[++i], "a");
			if (!record_file) {
				fprintf(stderr, "spec-runner: cannot write %s\n", argv[i]);
				return 2;
			}
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
	totals all = {0};
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
		json_t *entry = run_file(argv[i], &all);
		if (!entry) {
			fprintf(stderr, "spec-runner: out of memory\n");
			return 2;
		}
		json_array_append_new(files, entry);
		fflush(stdout);
	}

	int status = all.n[FAILED] > 0 ? 1 : 0;
	if (report) {
		json_t *root = json_pack("{s:o}", "files", files);
		if (json_dump_file(root, report, JSON_INDENT(1) | JSON_PRESERVE_ORDER) != 0) {
			fprintf(stderr, "spec-runner: cannot write %s\n", report);
			status = 2;
		}
		json_decref(root);
	} else {
		json_decref(files);
	}
	if (known_passed > 0)
		printf("note: %ld command(s) listed as known failures passed; "
		       "update tests/spec/known-failures.txt\n", known_passed);
	printf("%ld passed, %ld failed, %ld skipped\n", all.n[PASSED], all.n[FAILED],
	       all.n[SKIPPED]);
	printf("%ld not run (execution commands)\n", all.n[NOT_RUN]);
	return status;
}
