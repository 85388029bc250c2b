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
 * Every command ends as passed, failed, skipped, converter_rejected (the
 * text converter rejected the module text: wasmc never saw it), not_run
 * (--no-exec) or known_failure (listed in --known-failures; an entry no
 * failure matches is stale and fails the run). Decode and validate:
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
#include "cmn_file.h"
#include "rt_module.h"
#include "wb_code.h"
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
/* Options and outcomes. */

static bool opt_quiet;
static bool opt_verbose;

/* What became of one command. PASSED means wasmc decided as the script
 * expects; CONVERTER_REJECTED means the text converter (wabt or jco)
 * rejected the module text, so wasmc never saw it; KNOWN_FAILURE is a
 * failure listed in --known-failures. */
typedef enum outcome {
	PASSED,
	FAILED,
	SKIPPED,
	CONVERTER_REJECTED,
	NOT_RUN,
	KNOWN_FAILURE,
	NOUTCOMES
} outcome;
static const char *const OUTCOME_KEYS[NOUTCOMES] = {
	"passed", "failed", "skipped", "converter_rejected", "not_run", "known_failure",
};
/* Per command kind, next to the outcomes: passed rejections and traps whose
 * message starts with the script's expected text. */
#define MATCHED_KEY "messages_matched"

/* One file's state while its commands run. */
typedef struct file_run {
	const char *file;     /* relative to the test suite */
	const char *dir;      /* folder of the JSON file */
	wb_features features;
	const char *unsupported;
	json_t *commands;     /* {"type": {"passed": n, ..., "messages_matched": n}} */
	json_t *skip_reasons; /* array of distinct strings */
	json_t *known_hits;   /* indices of the known failures that failed */
	long messages_matched;
} file_run;

static json_t *kind_entry(json_t *commands, const char *type)
{
	json_t *c = json_object_get(commands, type);
	if (!c) {
		c = json_object();
		for (int k = 0; k < NOUTCOMES; k++)
			json_object_set_new(c, OUTCOME_KEYS[k], json_integer(0));
		json_object_set_new(c, MATCHED_KEY, json_integer(0));
		json_object_set_new(commands, type, c);
	}
	return c;
}

static void add_to(json_t *obj, const char *key, json_int_t n)
{
	json_t *v = json_object_get(obj, key);
	json_integer_set(v, json_integer_value(v) + n);
}

static void count(file_run *fr, const char *type, outcome o)
{
	add_to(kind_entry(fr->commands, type), OUTCOME_KEYS[o], 1);
}

/* A passed command whose message agreed with the script's. */
static void count_matched(file_run *fr, const char *type)
{
	add_to(kind_entry(fr->commands, type), MATCHED_KEY, 1);
	fr->messages_matched++;
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
	CHECK_REJECTED, /* decode or validate failed: msg holds why, stage
	                   says which ("decode" or "validate") */
	CHECK_NO_FILE,  /* no binary to check (text converter rejected it:
	                   stage "text", or the file is missing: stage
	                   "file"): msg holds why */
} check;

/* wasmc's decoder: the module structure (wb_decode), then every function
 * body's encoding (wb_code_decode_func: opcodes, immediates, locals, a
 * body's extent, the data count section), which wb_validate would
 * otherwise decode while it type-checks. A module rejected here is
 * malformed; one rejected only by wb_validate is invalid. */
static bool decode_all(const uint8_t *bytes, size_t size, wb_features features,
                       rt_module **ret_mod, cmn_error *err)
{
	rt_module *mod = NULL;
	if (!wb_decode(bytes, size, features, &mod, err))
		goto fail_mod;
	if (mod->nfuncs > mod->nfuncs_imported) {
		wb_code_ctx *ctx = wb_code_ctx_new(mod, features, NULL);
		if (!ctx) {
			cmn_fail(err, "out of memory");
			goto fail_mod;
		}
		bool ok = true;
		for (uint32_t f = mod->nfuncs_imported; ok && f < mod->nfuncs; f++)
			ok = wb_code_decode_func(ctx, f, err);
		wb_code_ctx_free(ctx);
		if (!ok)
			goto fail_mod;
	}
	*ret_mod = mod;
	return true;

fail_mod:
	rt_module_free(mod);
	return false;
}

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
	if (!decode_all(bytes, size, fr->features, &mod, &err)) {
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
	rt_module_free(mod);
	free(bytes);
	return ret;
}

/* The one message rule, for rejections, traps and instantiation failures
 * alike (the reference interpreter's): our message starts with the
 * script's expected text. */
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
/* Known failures: commands listed as "FILE:LINE", or all of a script's as
 * "FILE" (FILE relative to the test suite, anything after whitespace is a
 * comment), are counted as known failures instead of failed. An entry
 * that no failure of the files run matches is stale, and fails the run.
 * --record-failures PATH appends every failure in that format. */

typedef struct known_entry {
	char *key;  /* "FILE:LINE" or "FILE" */
	char *file; /* the FILE part */
	bool hit;   /* a failure matched it */
} known_entry;

static known_entry *known_list;
static size_t nknown;
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
		known_entry *nl = realloc(known_list, (nknown + 1) * sizeof *nl);
		if (!nl)
			break;
		known_list = nl;
		char *colon = strrchr(line, ':');
		bool has_line = colon && colon[1] && strspn(colon + 1, "0123456789") == strlen(colon + 1);
		known_list[nknown].key = strdup(line);
		known_list[nknown].file = has_line ? strndup(line, (size_t)(colon - line)) : strdup(line);
		known_list[nknown].hit = false;
		nknown++;
	}
	fclose(f);
	return true;
}

/* The index of the entry naming this command, or -1. */
static long known_failure_index(const char *file, long line)
{
	char key[4200];
	snprintf(key, sizeof key, "%s:%ld", file, line);
	for (size_t i = 0; i < nknown; i++)
		if (strcmp(known_list[i].key, key) == 0 || strcmp(known_list[i].key, file) == 0)
			return (long)i;
	return -1;
}

/* A command that failed: recorded (--record-failures), then counted as a
 * known failure when listed, else as failed and printed. */
static void fail_cmd(file_run *fr, json_t *cmd, const char *type, const char *what)
{
	long line = (long)json_integer_value(json_object_get(cmd, "line"));
	if (record_file) {
		fprintf(record_file, "%s:%ld\t# %s: %.300s\n", fr->file, line, type, what);
		fflush(record_file);
	}
	long k = known_failure_index(fr->file, line);
	if (k >= 0) {
		known_list[k].hit = true;
		json_array_append_new(fr->known_hits, json_integer(k));
		count(fr, type, KNOWN_FAILURE);
		verbose_line(fr, cmd, type, "known failure", what);
		return;
	}
	count(fr, type, FAILED);
	report_failure(fr, cmd, type, what);
}

/* A command that passed; `matched`: its message agreed with the script's. */
static void pass_cmd(file_run *fr, json_t *cmd, const char *type, bool matched,
                     const char *detail)
{
	long line = (long)json_integer_value(json_object_get(cmd, "line"));
	if (opt_verbose && known_failure_index(fr->file, line) >= 0)
		printf("NOTE %s:%ld: %s: listed as a known failure, passes now\n", fr->file,
		       line, type);
	count(fr, type, PASSED);
	if (matched)
		count_matched(fr, type);
	verbose_line(fr, cmd, type, matched ? "passed (message matched)" : "passed", detail);
}

/* The text converter rejected the module's text: wasmc never saw it. */
static void converter_rejected(file_run *fr, json_t *cmd, const char *type, const char *why)
{
	count(fr, type, CONVERTER_REJECTED);
	verbose_line(fr, cmd, type, "converter rejected", why);
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

/* assert_malformed passes when wasmc's decoder rejects the bytes,
 * assert_invalid when the decoder accepts them and the validator rejects
 * them. */
static void run_assert_module(file_run *fr, json_t *cmd, const char *type, bool malformed)
{
	char msg[CMN_ERROR_MSG_MAX + 4096];
	char what[sizeof msg + 128];
	const char *stage;
	const char *expected = str_field(cmd, "text");
	check c = check_module(fr, cmd, msg, sizeof msg, &stage);
	const char *want = malformed ? "decode" : "validate";
	if (c == CHECK_NO_FILE && strcmp(stage, "text") == 0) {
		converter_rejected(fr, cmd, type, msg);
	} else if (c == CHECK_NO_FILE) {
		fail_cmd(fr, cmd, type, msg);
	} else if (c == CHECK_OK) {
		fail_cmd(fr, cmd, type, "the module was accepted");
	} else if (strcmp(stage, want) != 0) {
		snprintf(what, sizeof what, "rejected by the %s, not the %s: %s",
		         malformed ? "validator" : "decoder",
		         malformed ? "decoder" : "validator", msg);
		fail_cmd(fr, cmd, type, what);
	} else {
		bool matched = message_matches(msg, expected);
		snprintf(what, sizeof what, "%s: %s", stage, msg);
		pass_cmd(fr, cmd, type, matched, what);
	}
}

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

	if (strcmp(type, "module") == 0) {
		check c = check_module(fr, cmd, msg, sizeof msg, &stage);
		if (c == CHECK_OK && executing) {
			exec_module(fr, cmd);
		} else if (c == CHECK_OK) {
			pass_cmd(fr, cmd, type, false, NULL);
		} else if (c == CHECK_NO_FILE && strcmp(stage, "text") == 0) {
			char reason[512];
			snprintf(reason, sizeof reason, "text converter rejected a module: %.400s", msg);
			if (executing) {
				modslot *ms = new_slot(es_get(), str_field(cmd, "name"));
				ms->skip = strdup(reason);
			}
			converter_rejected(fr, cmd, type, msg);
		} else {
			if (executing && !json_is_true(json_object_get(cmd, "definition")))
				new_slot(es_get(), str_field(cmd, "name"));
			char what[sizeof msg + 64];
			snprintf(what, sizeof what, "%s failed: %s", stage, msg);
			fail_cmd(fr, cmd, type, what);
		}
		return;
	}

	if (strcmp(type, "assert_malformed") == 0 || strcmp(type, "assert_invalid") == 0) {
		run_assert_module(fr, cmd, type, strcmp(type, "assert_malformed") == 0);
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
			converter_rejected(fr, cmd, type, msg);
		} else if (c == CHECK_OK) {
			pass_cmd(fr, cmd, type, false, "custom section ignored");
		} else if (c == CHECK_REJECTED && message_matches(msg, expected)) {
			pass_cmd(fr, cmd, type, true, msg);
		} else {
			char what[sizeof msg + 64];
			snprintf(what, sizeof what, "%s failed: %s", stage, msg);
			fail_cmd(fr, cmd, type, what);
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
 * only on allocation failure). */
static json_t *run_file_here(const char *json_path)
{
	file_run fr = {0};
	fr.commands = json_object();
	fr.skip_reasons = json_array();
	fr.known_hits = json_array();
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

	json_t *entry = json_pack("{s:s, s:o, s:I, s:o, s:o}", "file", fr.file,
	                          "commands", fr.commands,
	                          "messages_matched", (json_int_t)fr.messages_matched,
	                          "skip_reasons", fr.skip_reasons,
	                          "known_failures_hit", fr.known_hits);
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
		remove_artifact_dir();
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
	json_array_foreach(json_object_get(entry, "known_failures_hit"), i, k)
	{
		json_int_t n = json_integer_value(k);
		if (n >= 0 && (size_t)n < nknown)
			known_list[n].hit = true;
	}
	return entry;
}

/* ------------------------------------------------------------------------ */
/* Totals. */

/* Adds every number of `from` ({"kind": {"outcome": n}}) into `into`. */
static void add_commands(json_t *into, json_t *from)
{
	const char *type;
	json_t *c;
	json_object_foreach(from, type, c)
	{
		json_t *dst = kind_entry(into, type);
		const char *key;
		json_t *v;
		json_object_foreach(c, key, v)
		{
			if (!json_object_get(dst, key))
				json_object_set_new(dst, key, json_integer(0));
			add_to(dst, key, json_integer_value(v));
		}
	}
}

/* Sums one outcome over all command kinds. */
static long sum_outcome(json_t *commands, const char *key)
{
	const char *type;
	json_t *c;
	long n = 0;
	json_object_foreach(commands, type, c)
	{
		n += (long)json_integer_value(json_object_get(c, key));
	}
	return n;
}

/* {"passed": n, "failed": n, ...} summed over the kinds of `commands`. */
static json_t *outcome_totals(json_t *commands)
{
	json_t *t = json_object();
	for (int k = 0; k < NOUTCOMES; k++)
		json_object_set_new(t, OUTCOME_KEYS[k],
		                    json_integer(sum_outcome(commands, OUTCOME_KEYS[k])));
	return t;
}

/* "N passed, M failed, K skipped, C converter_rejected, R not_run,
 * F known_failure" from outcome totals. */
static void format_totals(json_t *t, char *out, size_t outlen)
{
	size_t o = 0;
	out[0] = '\0';
	for (int k = 0; k < NOUTCOMES && o < outlen; k++)
		o += (size_t)snprintf(out + o, outlen - o, "%s%lld %s", k ? ", " : "",
		                      (long long)json_integer_value(json_object_get(t, OUTCOME_KEYS[k])),
		                      OUTCOME_KEYS[k]);
}

/* The command kinds whose passes carry a message to compare. */
static const char *const MESSAGE_KINDS[] = {
	"assert_malformed", "assert_invalid", "assert_trap", "assert_exhaustion",
	"assert_unlinkable", "assert_uninstantiable", "assert_malformed_custom",
	"assert_invalid_custom",
};

/* Prints "messages matched: KIND m/p, ..." (m of the p passed) and
 * returns them as {"KIND": {"matched": m, "passed": p}}. */
static json_t *message_agreement(json_t *commands)
{
	json_t *ret = json_object();
	printf("messages matched:");
	bool first = true;
	for (size_t i = 0; i < sizeof MESSAGE_KINDS / sizeof MESSAGE_KINDS[0]; i++) {
		json_t *c = json_object_get(commands, MESSAGE_KINDS[i]);
		if (!c)
			continue;
		json_int_t m = json_integer_value(json_object_get(c, MATCHED_KEY));
		json_int_t p = json_integer_value(json_object_get(c, "passed"));
		printf("%s %s %lld/%lld", first ? "" : ",", MESSAGE_KINDS[i], (long long)m,
		       (long long)p);
		first = false;
		json_object_set_new(ret, MESSAGE_KINDS[i],
		                    json_pack("{s:I, s:I}", "matched", m, "passed", p));
	}
	printf("%s\n", first ? " (no assertions with messages)" : "");
	return ret;
}

/* Entries of the known-failures list that matched no failure of a file
 * that ran: printed as failures, and counted. */
static long stale_known_failures(json_t *files, json_t *ret_list)
{
	long n = 0;
	for (size_t i = 0; i < nknown; i++) {
		if (known_list[i].hit)
			continue;
		size_t j;
		json_t *f;
		bool ran = false;
		json_array_foreach(files, j, f)
		{
			const char *file = json_string_value(json_object_get(f, "file"));
			if (file && strcmp(file, known_list[i].file) == 0)
				ran = true;
		}
		if (!ran)
			continue;
		printf("FAIL known failure %s: nothing failed there; remove the entry "
		       "(stale)\n", known_list[i].key);
		json_array_append_new(ret_list, json_string(known_list[i].key));
		n++;
	}
	return n;
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
		json_array_append_new(files, entry);
		fflush(stdout);
	}

	json_t *stale = json_array();
	long nstale = stale_known_failures(files, stale);
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
