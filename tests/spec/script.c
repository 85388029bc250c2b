/* script.c - one script's commands and the counting of their outcomes
 * (script.h). */
#include "script.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "cmn_error.h"
#include "cmn_file.h"

const char *const OUTCOME_KEYS[NOUTCOMES] = {
	"passed", "failed", "skipped", "converter_rejected", "not_run", "known_failure",
};

bool opt_quiet;
bool opt_verbose;

const char *str_field(json_t *cmd, const char *key)
{
	return json_string_value(json_object_get(cmd, key));
}

uint8_t *cmd_module_bytes(const file_run *fr, json_t *cmd, size_t *ret_size, char *why,
                          size_t whylen)
{
	const char *name = str_field(cmd, "filename");
	char path[4096];
	cmn_error err;
	uint8_t *buf;

	if (!name) {
		snprintf(why, whylen, "no module file");
		return NULL;
	}
	snprintf(path, sizeof path, "%s/%s", fr->dir, name);
	buf = cmn_read_file(path, ret_size, &err);
	if (!buf)
		snprintf(why, whylen, "%s", err.msg);
	return buf;
}

bool message_matches(const char *ours, const char *expected)
{
	return expected && strncmp(ours, expected, strlen(expected)) == 0;
}

json_t *kind_entry(json_t *commands, const char *type)
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

void add_to(json_t *obj, const char *key, json_int_t n)
{
	json_t *v = json_object_get(obj, key);
	json_integer_set(v, json_integer_value(v) + n);
}

/* The commands of a script's `thread`s run on their own threads: counting
 * and printing are serialised (recursive: one counting function calls
 * another). */
static pthread_mutex_t count_lock = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;

void count(file_run *fr, const char *type, outcome o)
{
	pthread_mutex_lock(&count_lock);
	add_to(kind_entry(fr->commands, type), OUTCOME_KEYS[o], 1);
	pthread_mutex_unlock(&count_lock);
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

static long cmd_line(json_t *cmd)
{
	return (long)json_integer_value(json_object_get(cmd, "line"));
}

static void report_failure(file_run *fr, json_t *cmd, const char *type, const char *what)
{
	const char *text = str_field(cmd, "text");
	if (text)
		printf("FAIL %s:%ld: %s: expected \"%s\": %s\n", fr->file, cmd_line(cmd), type,
		       text, what);
	else
		printf("FAIL %s:%ld: %s: %s\n", fr->file, cmd_line(cmd), type, what);
}

void verbose_line(file_run *fr, json_t *cmd, const char *type, const char *status,
                  const char *detail)
{
	if (!opt_verbose)
		return;
	printf("  %s:%ld: %s: %s%s%s\n", fr->file, cmd_line(cmd), type, status,
	       detail && *detail ? ": " : "", detail ? detail : "");
}

void skip_cmd(file_run *fr, json_t *cmd, const char *type, const char *reason)
{
	pthread_mutex_lock(&count_lock);
	count(fr, type, SKIPPED);
	add_skip_reason(fr, reason);
	verbose_line(fr, cmd, type, "skipped", reason);
	pthread_mutex_unlock(&count_lock);
}

void converter_rejected(file_run *fr, json_t *cmd, const char *type, const char *why)
{
	pthread_mutex_lock(&count_lock);
	count(fr, type, CONVERTER_REJECTED);
	verbose_line(fr, cmd, type, "converter rejected", why);
	pthread_mutex_unlock(&count_lock);
}

/* ------------------------------------------------------------------------ */
/* Known failures. An entry that no failure of the files run matches is
 * stale, and fails the run. */

typedef struct known_entry {
	char *key;  /* "FILE:LINE" or "FILE" */
	char *file; /* the FILE part */
	bool hit;    /* a failure matched it */
	bool passed; /* a command it names passed */
} known_entry;

static known_entry *known_list;
static size_t nknown;
static FILE *record_file;

void record_failures_to(FILE *f)
{
	record_file = f;
}

bool known_failures_load(const char *path)
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
		bool has_line = colon && colon[1] &&
		                strspn(colon + 1, "0123456789") == strlen(colon + 1);
		known_list[nknown].key = strdup(line);
		known_list[nknown].file =
			has_line ? strndup(line, (size_t)(colon - line)) : strdup(line);
		known_list[nknown].hit = false;
		known_list[nknown].passed = false;
		nknown++;
	}
	fclose(f);
	return true;
}

void known_failures_hit(long index)
{
	if (index >= 0 && (size_t)index < nknown)
		known_list[index].hit = true;
}

void known_failures_passed(long index)
{
	if (index >= 0 && (size_t)index < nknown)
		known_list[index].passed = true;
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

long known_failures_stale(json_t *ret_list)
{
	long n = 0;
	for (size_t i = 0; i < nknown; i++) {
		if (known_list[i].hit || !known_list[i].passed)
			continue;
		printf("FAIL known failure %s: it passes; remove the entry (stale)\n",
		       known_list[i].key);
		json_array_append_new(ret_list, json_string(known_list[i].key));
		n++;
	}
	return n;
}

static void fail_cmd_locked(file_run *fr, json_t *cmd, const char *type, const char *what);

void fail_cmd(file_run *fr, json_t *cmd, const char *type, const char *what)
{
	pthread_mutex_lock(&count_lock);
	fail_cmd_locked(fr, cmd, type, what);
	pthread_mutex_unlock(&count_lock);
}

static void fail_cmd_locked(file_run *fr, json_t *cmd, const char *type, const char *what)
{
	long line = cmd_line(cmd);
	if (record_file) {
		fprintf(record_file, "%s:%ld\t# %s: %.300s\n", fr->file, line, type, what);
		fflush(record_file);
	}
	long k = known_failure_index(fr->file, line);
	if (k >= 0) {
		known_failures_hit(k);
		json_array_append_new(fr->known_hits, json_integer(k));
		count(fr, type, KNOWN_FAILURE);
		verbose_line(fr, cmd, type, "known failure", what);
		return;
	}
	count(fr, type, FAILED);
	report_failure(fr, cmd, type, what);
}

static void pass_cmd_locked(file_run *fr, json_t *cmd, const char *type, bool matched,
                            const char *detail);

void pass_cmd(file_run *fr, json_t *cmd, const char *type, bool matched, const char *detail)
{
	pthread_mutex_lock(&count_lock);
	pass_cmd_locked(fr, cmd, type, matched, detail);
	pthread_mutex_unlock(&count_lock);
}

static void pass_cmd_locked(file_run *fr, json_t *cmd, const char *type, bool matched,
                            const char *detail)
{
	long line = cmd_line(cmd);
	long k = known_failure_index(fr->file, line);
	if (k >= 0) {
		known_failures_passed(k);
		json_array_append_new(fr->known_passed, json_integer(k));
		if (opt_verbose)
			printf("NOTE %s:%ld: %s: listed as a known failure, passes now\n", fr->file,
			       line, type);
	}
	count(fr, type, PASSED);
	if (matched) {
		add_to(kind_entry(fr->commands, type), MATCHED_KEY, 1);
		fr->messages_matched++;
	}
	verbose_line(fr, cmd, type, matched ? "passed (message matched)" : "passed", detail);
}
