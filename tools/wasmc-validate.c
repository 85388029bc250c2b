/*
 * wasmc-validate - decode and validate WebAssembly binaries from the command
 * line, for people working on the engine and for the validation benchmark.
 *
 *   wasmc-validate [--features LIST] [--repeat N] [--json] FILE...
 *
 * LIST is a comma-separated set of: default, all, threads, legacy-eh,
 * custom-page-sizes, wide-arithmetic, no-multi-memory, no-multi-table.
 * Prints "FILE: ok" or "FILE: error at offset N: MESSAGE" per file; with
 * --json, one JSON object per file with the best time of N repetitions and
 * the process's peak RSS. Exit status: 0 all valid, 1 some invalid, 2 usage
 * or I/O error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <jansson.h>

#include "cmn_file.h"
#include "rt_module.h"
#include "wb_decode.h"
#include "wb_validate.h"

static int usage(void)
{
	fprintf(stderr, "usage: wasmc-validate [--features LIST] [--repeat N] "
	                "[--json] FILE...\n");
	return 2;
}

static bool parse_features(const char *list, wb_features *ret)
{
	wb_features f = WB_FEAT_DEFAULT;
	char *copy = strdup(list), *tok, *save = NULL;
	bool ok = true;

	if (copy == NULL)
		return false;
	for (tok = strtok_r(copy, ",", &save); tok && ok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (strcmp(tok, "default") == 0)
			f = WB_FEAT_DEFAULT;
		else if (strcmp(tok, "all") == 0)
			f = WB_FEAT_ALL;
		else if (strcmp(tok, "threads") == 0)
			f |= WB_FEAT_THREADS;
		else if (strcmp(tok, "legacy-eh") == 0)
			f |= WB_FEAT_LEGACY_EH;
		else if (strcmp(tok, "custom-page-sizes") == 0)
			f |= WB_FEAT_CUSTOM_PAGE_SIZES;
		else if (strcmp(tok, "wide-arithmetic") == 0)
			f |= WB_FEAT_WIDE_ARITH;
		else if (strcmp(tok, "no-multi-memory") == 0)
			f &= ~(wb_features)WB_FEAT_MULTI_MEMORY;
		else if (strcmp(tok, "no-multi-table") == 0)
			f &= ~(wb_features)WB_FEAT_MULTI_TABLE;
		else {
			fprintf(stderr, "wasmc-validate: unknown feature '%s'\n",
			        tok);
			ok = false;
		}
	}
	free(copy);
	*ret = f;
	return ok;
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Decodes and validates once; returns true when valid. */
static bool check_once(const uint8_t *bytes, size_t size, wb_features feat,
                       cmn_error *err)
{
	rt_module *mod = NULL;
	bool ok;

	if (!wb_decode(bytes, size, feat, &mod, err))
		return false;
	ok = wb_validate(mod, feat, err);
	rt_module_free(mod);
	return ok;
}

int main(int argc, char **argv)
{
	wb_features feat = WB_FEAT_DEFAULT;
	int repeat = 1, status = 0, i, k;
	bool json = false;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--features") == 0 && i + 1 < argc) {
			if (!parse_features(argv[++i], &feat))
				return 2;
		} else if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc) {
			repeat = atoi(argv[++i]);
			if (repeat < 1)
				return usage();
		} else if (strcmp(argv[i], "--json") == 0) {
			json = true;
		} else {
			return usage();
		}
	}
	if (i == argc)
		return usage();

	for (; i < argc; i++) {
		double best = 0;
		struct rusage ru;
		cmn_error err = {0};
		uint8_t *bytes;
		size_t size;
		bool ok = true;

		bytes = cmn_read_file(argv[i], &size, &err);
		if (bytes == NULL) {
			fprintf(stderr, "wasmc-validate: %s\n", err.msg);
			return 2;
		}
		for (k = 0; k < repeat; k++) {
			double t0 = now_seconds(), dt;
			ok = check_once(bytes, size, feat, &err);
			dt = now_seconds() - t0;
			if (k == 0 || dt < best)
				best = dt;
		}
		getrusage(RUSAGE_SELF, &ru);
		if (json) {
			json_t *o = json_pack(
				"{s:s, s:b, s:I, s:f, s:I, s:s}", "file", argv[i],
				"valid", ok, "bytes", (json_int_t)size, "time", best,
				"peak_rss", (json_int_t)ru.ru_maxrss * 1024, "error",
				ok ? "" : err.msg);
			if (o != NULL)
				json_dumpf(o, stdout, JSON_COMPACT);
			putchar('\n');
			json_decref(o);
		} else if (ok) {
			printf("%s: ok\n", argv[i]);
		} else if (err.has_offset) {
			printf("%s: error at offset %zu: %s\n", argv[i],
			       err.offset, err.msg);
		} else {
			printf("%s: error: %s\n", argv[i], err.msg);
		}
		if (!ok)
			status = 1;
		free(bytes);
	}
	return status;
}
