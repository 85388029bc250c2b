/*
 * script.h - one converted script being run: its commands' fields and
 * module files, and how each command's outcome is counted (the six
 * outcomes, messages matched, skip reasons, known failures).
 *
 * Every command ends in exactly one outcome, through one of pass_cmd,
 * fail_cmd, skip_cmd, converter_rejected or count(.., NOT_RUN). Failures go
 * through fail_cmd, which records them (--record-failures) and counts a
 * listed one as a known failure. The options and the known-failure list
 * are process-wide; the counting functions may be called from the threads
 * of a script's `thread` commands (they are serialised).
 */
#ifndef SPEC_SCRIPT_H
#define SPEC_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "wb_features.h"

/* What became of one command. PASSED: wasmc decided as the script expects;
 * CONVERTER_REJECTED: the text converter (wabt or jco) rejected the module
 * text, so wasmc never saw it; KNOWN_FAILURE: a failure listed in
 * --known-failures. */
typedef enum outcome {
	PASSED,
	FAILED,
	SKIPPED,
	CONVERTER_REJECTED,
	NOT_RUN,
	KNOWN_FAILURE,
	NOUTCOMES
} outcome;

/* "passed", "failed", "skipped", "converter_rejected", "not_run",
 * "known_failure": the report's keys. */
extern const char *const OUTCOME_KEYS[NOUTCOMES];
/* Per command kind, next to the outcomes: passed rejections and traps whose
 * message starts with the script's expected text. */
#define MATCHED_KEY "messages_matched"

/* Printing options (set once by main). */
extern bool opt_quiet;
extern bool opt_verbose;

/* One script's state while its commands run. */
typedef struct file_run {
	const char *file;     /* relative to the test suite (borrowed) */
	const char *dir;      /* folder of the JSON file (borrowed) */
	wb_features features;
	const char *unsupported; /* non-NULL: every command skips, this reason */
	json_t *commands;     /* {"type": {"passed": n, ..., "messages_matched": n}} */
	json_t *skip_reasons; /* array of distinct strings */
	json_t *known_hits;   /* indices of the known failures that failed */
	json_t *known_passed; /* indices of the known failures that passed */
	long messages_matched;
} file_run;

/* A string field of a command, or NULL. */
const char *str_field(json_t *cmd, const char *key);

/* The bytes of the module file named by the command's "filename"
 * (relative to fr->dir), malloc'd (caller frees); NULL with `why` filled
 * when there is none or it cannot be read. */
uint8_t *cmd_module_bytes(const file_run *fr, json_t *cmd, size_t *ret_size, char *why,
                          size_t whylen);

/* The one message rule, for rejections, traps and instantiation failures
 * alike (the reference interpreter's): our message starts with the
 * script's expected text. false when there is no expected text. */
bool message_matches(const char *ours, const char *expected);

/* The report entry of `type` in `commands` ({"type": {...}}), created with
 * every outcome 0 when missing. */
json_t *kind_entry(json_t *commands, const char *type);
/* Adds n to the integer obj[key]. */
void add_to(json_t *obj, const char *key, json_int_t n);

/* Counts one outcome of a command of `type`. */
void count(file_run *fr, const char *type, outcome o);

/* A verbose-mode line about one command (nothing without --verbose). */
void verbose_line(file_run *fr, json_t *cmd, const char *type, const char *status,
                  const char *detail);

/* The outcomes. `matched`: the passed command's message agreed with the
 * script's. `what`, `reason`, `why`, `detail`: what the line says. */
void pass_cmd(file_run *fr, json_t *cmd, const char *type, bool matched, const char *detail);
void fail_cmd(file_run *fr, json_t *cmd, const char *type, const char *what);
void skip_cmd(file_run *fr, json_t *cmd, const char *type, const char *reason);
void converter_rejected(file_run *fr, json_t *cmd, const char *type, const char *why);

/* Known failures: commands listed as "FILE:LINE", or all of a script's as
 * "FILE" (FILE relative to the test suite, anything after whitespace is a
 * comment). false when `path` cannot be read. */
bool known_failures_load(const char *path);
/* Marks entry `index` as matched by a failure, or by a command that
 * passed (reported by a child process). */
void known_failures_hit(long index);
void known_failures_passed(long index);
/* Stale entries: a command they name passed and none failed (a command
 * not run, as with --no-exec, makes no entry stale). Printed as failures,
 * appended to `ret_list`; returns their number. */
long known_failures_stale(json_t *ret_list);

/* --record-failures: every failure is appended to `f` in the known-failures
 * format. NULL: not recorded. */
void record_failures_to(FILE *f);

#endif
