/*
 * runner.c - component-spec-runner: the static half of the component
 * conformance runner (tests/component/README.md).
 *
 *   component-spec-runner [--report PATH] [--verbose] [--quiet] JSON...
 *
 * Reads the command lists written by convert.mjs, decodes and validates
 * every component with cm_decode + cm_validate and judges module,
 * assert_invalid and assert_malformed commands; execution commands
 * (assert_return, assert_trap, action, ...) are counted as not_run
 * ("component execution not implemented yet"). Scripts of the suite's
 * async/ folder are skipped ("component-model async is not supported
 * yet"). Prints a line per script, a FAIL line per failure, and the
 * closing line `N passed, M failed, K skipped, J not_run`; writes the
 * report of DESIGN.md §10. Exit status 1 when anything failed.
 */
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cm_decode.h"
#include "cm_validate.h"
#include "cmn_error.h"
#include "cmn_file.h"
#include "exec.h"

enum { O_PASSED, O_FAILED, O_SKIPPED, O_NOT_RUN, O_COUNT };
static const char *const outcome_names[O_COUNT] = {"passed", "failed", "skipped", "not_run"};

#define EXEC_REASON "component execution not implemented yet"
#define ASYNC_REASON "component-model async is not supported yet"

typedef struct opts {
	const char *report;
	bool verbose, quiet;
} opts;

typedef struct totals {
	long n[O_COUNT];
	long matched, rejections;
} totals;

/* Per-kind counts of one script, kept in a JSON object as it goes. */
static void count(json_t *commands, const char *kind, int outcome)
{
	json_t *k = json_object_get(commands, kind);
	if (!k) {
		k = json_object();
		for (int i = 0; i < O_COUNT; i++)
			json_object_set_new(k, outcome_names[i], json_integer(0));
		json_object_set_new(commands, kind, k);
	}
	json_t *v = json_object_get(k, outcome_names[outcome]);
	json_integer_set(v, json_integer_value(v) + 1);
}

static void add_reason(json_t *reasons, const char *why)
{
	size_t i;
	json_t *v;
	json_array_foreach(reasons, i, v) {
		if (strcmp(json_string_value(v), why) == 0)
			return;
	}
	json_array_append_new(reasons, json_string(why));
}

/* Decodes and validates one component file; returns true when accepted,
 * otherwise fills `msg`. */
static bool check_component(const char *path, char *msg, size_t msg_len)
{
	uint8_t *bytes = NULL;
	size_t size = 0;
	cmn_error err = {0};
	if (!(bytes = cmn_read_file(path, &size, &err))) {
		snprintf(msg, msg_len, "cannot read the component: %s", err.msg);
		return false;
	}
	cm_component *c = NULL;
	cm_validated *info = NULL;
	bool ok = cm_decode(bytes, size, &c, &err) && cm_validate(c, &info, &err);
	if (!ok) {
		if (err.has_offset)
			snprintf(msg, msg_len, "%s (at byte %zu)", err.msg, err.offset);
		else
			snprintf(msg, msg_len, "%s", err.msg);
	}
	cm_validated_free(info);
	cm_component_free(c);
	free(bytes);
	return ok;
}

static const char *str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static void fail(const char *file, json_int_t line, const char *kind, const char *fmt, const char *a,
                 const char *b)
{
	printf("FAIL %s:%lld: %s: ", file, (long long)line, kind);
	printf(fmt, a, b);
	printf("\n");
}

/* The execution half (exec.c): runs the command, reports a failure,
 * records a skip's reason. */
static int run_exec(cx_state *cx, json_t *cmd, const char *dir, const char *file, json_int_t line,
                    const char *kind, json_t *reasons)
{
	char why[1024];
	int r = cx_run(cx, cmd, dir, why, sizeof why);
	if (r == CX_PASSED)
		return O_PASSED;
	if (r == CX_FAILED) {
		fail(file, line, kind, "%s%s", why, "");
		return O_FAILED;
	}
	add_reason(reasons, why);
	return r == CX_SKIPPED ? O_SKIPPED : O_NOT_RUN;
}

static json_t *run_script(const char *json_path, const opts *o, totals *t, int *ret_counts)
{
	json_error_t jerr;
	json_t *doc = json_load_file(json_path, 0, &jerr);
	json_t *out = json_object();
	json_t *commands = json_object();
	json_t *reasons = json_array();
	long matched = 0;
	int counts[O_COUNT] = {0};
	const char *file = json_path;
	cx_state *cx = NULL;
	json_object_set_new(out, "commands", commands);
	json_object_set_new(out, "skip_reasons", reasons);
	if (!doc) {
		printf("FAIL %s: cannot read: %s\n", json_path, jerr.text);
		json_object_set_new(out, "file", json_string(json_path));
		count(commands, "script", O_FAILED);
		counts[O_FAILED]++;
		goto done;
	}
	json_object_set_new(out, "file",
	                    json_string(str(doc, "source_filename") ? str(doc, "source_filename") : json_path));
	file = str(out, "file");
	bool async = strncmp(file, "component-model/async/", 22) == 0;
	char dir[4096];
	snprintf(dir, sizeof dir, "%s", json_path);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = 0;
	else
		snprintf(dir, sizeof dir, ".");
	size_t i;
	json_t *cmd;
	cx = cx_new();
	json_array_foreach(json_object_get(doc, "commands"), i, cmd) {
		const char *kind = str(cmd, "type");
		json_int_t line = json_integer_value(json_object_get(cmd, "line"));
		const char *fname = str(cmd, "filename");
		const char *text_error = str(cmd, "text_error");
		const char *skip = str(cmd, "skip_reason");
		bool is_module = strcmp(kind, "module") == 0;
		bool is_reject = strcmp(kind, "assert_invalid") == 0 || strcmp(kind, "assert_malformed") == 0;
		bool is_link = strcmp(kind, "assert_unlinkable") == 0 || strcmp(kind, "assert_uninstantiable") == 0;
		int outcome;
		char why[512];
		if (async) {
			outcome = O_SKIPPED;
			add_reason(reasons, ASYNC_REASON);
		} else if (skip) {
			outcome = O_SKIPPED;
			add_reason(reasons, skip);
		} else if (cx_handles(kind) && !is_module && !is_link) {
			outcome = run_exec(cx, cmd, dir, file, line, kind, reasons);
		} else if (!(is_module || is_reject || is_link)) {
			outcome = O_NOT_RUN;
			add_reason(reasons, EXEC_REASON);
		} else if (text_error) {
			outcome = O_SKIPPED;
			snprintf(why, sizeof why, "%s: the text parser (jco) rejected the component text, wasmc never saw it",
			         is_reject ? "text-format test" : "converter");
			add_reason(reasons, why);
			if (o->verbose)
				printf("SKIP %s:%lld: %s: text parser: %s\n", file, (long long)line, kind, text_error);
		} else {
			char path[8192], msg[CMN_ERROR_MSG_MAX + 64];
			snprintf(path, sizeof path, "%s/%s", dir, fname ? fname : "?");
			bool ok = check_component(path, msg, sizeof msg);
			if (is_module || is_link) {
				outcome = ok ? (is_link ? O_NOT_RUN : O_PASSED) : O_FAILED;
				if (ok && is_link && !cx_handles(kind))
					add_reason(reasons, EXEC_REASON);
				if (!ok)
					fail(file, line, kind, "expected a valid component: %s%s", msg, "");
				else if (cx_handles(kind))
					outcome = run_exec(cx, cmd, dir, file, line, kind, reasons);
			} else {
				const char *expect = str(cmd, "text") ? str(cmd, "text") : "";
				outcome = ok ? O_FAILED : O_PASSED;
				if (ok) {
					fail(file, line, kind, "expected \"%s\", the component was accepted%s", expect, "");
				} else {
					t->rejections++;
					if (strstr(msg, expect)) {
						matched++;
						t->matched++;
					} else if (o->verbose) {
						printf("MESSAGE %s:%lld: %s: expected \"%s\", got \"%s\"\n", file, (long long)line,
						       kind, expect, msg);
					}
				}
			}
		}
		count(commands, kind, outcome);
		counts[outcome]++;
	}
	json_decref(doc);
done:
	cx_free(cx);
	json_object_set_new(out, "messages_matched", json_integer(matched));
	for (int k = 0; k < O_COUNT; k++) {
		t->n[k] += counts[k];
		ret_counts[k] = counts[k];
	}
	if (!o->quiet)
		printf("%s: %d passed, %d failed, %d skipped, %d not_run\n", file, counts[O_PASSED],
		       counts[O_FAILED], counts[O_SKIPPED], counts[O_NOT_RUN]);
	return out;
}

int main(int argc, char **argv)
{
	opts o = {0};
	int first = 1;
	for (; first < argc; first++) {
		if (strcmp(argv[first], "--report") == 0 && first + 1 < argc)
			o.report = argv[++first];
		else if (strcmp(argv[first], "--verbose") == 0)
			o.verbose = true;
		else if (strcmp(argv[first], "--quiet") == 0)
			o.quiet = true;
		else if (strcmp(argv[first], "--") == 0) {
			first++;
			break;
		} else if (argv[first][0] == '-') {
			fprintf(stderr, "usage: %s [--report PATH] [--verbose] [--quiet] JSON...\n", argv[0]);
			return 2;
		} else
			break;
	}
	totals t = {0};
	json_t *files = json_array();
	for (int i = first; i < argc; i++) {
		int counts[O_COUNT];
		json_array_append_new(files, run_script(argv[i], &o, &t, counts));
	}
	printf("messages matched: %ld/%ld rejections\n", t.matched, t.rejections);
	printf("%ld passed, %ld failed, %ld skipped, %ld not_run\n", t.n[O_PASSED], t.n[O_FAILED], t.n[O_SKIPPED],
	       t.n[O_NOT_RUN]);
	if (o.report) {
		json_t *rep = json_object();
		json_t *tot = json_object();
		for (int k = 0; k < O_COUNT; k++)
			json_object_set_new(tot, outcome_names[k], json_integer(t.n[k]));
		json_object_set_new(tot, "messages_matched", json_integer(t.matched));
		json_object_set_new(rep, "files", files);
		json_object_set_new(rep, "totals", tot);
		if (json_dump_file(rep, o.report, JSON_INDENT(1)) != 0) {
			fprintf(stderr, "component-spec: cannot write %s\n", o.report);
			json_decref(rep);
			return 2;
		}
		json_decref(rep);
	} else {
		json_decref(files);
	}
	return t.n[O_FAILED] ? 1 : 0;
}
