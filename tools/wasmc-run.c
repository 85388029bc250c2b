/*
 * wasmc-run - compile (or load an artifact), instantiate and call one
 * export, for work on the engine and for benchmarks.
 *
 *   wasmc-run [--tier fast|optimized] [--fuel N] [--max-memory BYTES]
 *             [--deadline SECONDS] [--time] [--spectest]
 *             FILE.wasm|ARTIFACT --invoke NAME [ARG...]
 *
 * --max-memory: the memories and tables of the store together (a table
 * element counts 8 bytes): instantiation past it fails, memory.grow and
 * table.grow return -1. --deadline: the whole run; compiling longer is an
 * error (exit 2), a call still running traps "deadline exceeded".
 *
 * Results are printed one per line like `wasmtime run --invoke`: integers
 * in signed decimal, floats as the shortest decimal that reads back the
 * same (NaN, inf, -inf), v128 as a 128-bit hex number, references as
 * null / ref. Arguments: integers decimal or 0x hex, floats decimal, hex
 * float, nan, inf; v128 as i32x4:a,b,c,d (also i8x16, i16x8, i64x2, f32x4,
 * f64x2) or 0x hex.
 *
 * Exit status: 0 ok; 1 trap (the spec's message on stderr); 2 bad
 * arguments, unreadable or invalid file, link error, compile error
 * (including an implementation limit, the deadline, or LLVM failing).
 * --time prints "compile: X s", "instantiate: X s", "call: X s" to stderr.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmn_file.h"
#include "jit.h"
#include "rt_artifact.h"
#include "rt_instance.h"
#include "rt_store.h"
#include "wh_compile.h"
#include "wh_spectest.h"
#include "wh_trap.h"
#include "wh_value.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: wasmc-run [--tier fast|optimized] [--fuel N] [--max-memory BYTES]\n"
	           "                 [--deadline SECONDS] [--time] [--spectest]\n"
	           "                 FILE.wasm|ARTIFACT --invoke NAME [ARG...]\n");
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Prints "wasmc-run: MESSAGE" to stderr; returns the exit status 2. */
__attribute__((format(printf, 1, 2))) static int die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "wasmc-run: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	return 2;
}

/* The compile deadline: a thread that ends the process (exit 2) when the
 * compilation is still running at the deadline (LLVM cannot be stopped
 * half-way; nothing is written yet). */
static double compile_deadline;

static void *compile_watch(void *arg)
{
	(void)arg;
	struct timespec ts = {(time_t)compile_deadline,
	                      (long)((compile_deadline - (double)(time_t)compile_deadline) * 1e9)};
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) != 0)
		;
	fprintf(stderr, "wasmc-run: compile: deadline exceeded\n");
	_exit(2);
}

int main(int argc, char **argv)
{
	jit_options opt;
	jit_options_default(&opt);
	opt.tier = JIT_TIER_OPTIMIZED;
	rt_store_config cfg;
	rt_store_config_default(&cfg);
	bool timing = false, spectest = false;
	double deadline_s = 0;
	const char *file = NULL, *invoke = NULL;
	int first_arg = argc;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--tier") == 0 && i + 1 < argc) {
			const char *t = argv[++i];
			if (strcmp(t, "fast") == 0)
				opt.tier = JIT_TIER_FAST;
			else if (strcmp(t, "optimized") == 0)
				opt.tier = JIT_TIER_OPTIMIZED;
			else
				return die("unknown tier %s", t);
		} else if (strcmp(a, "--fuel") == 0 && i + 1 < argc) {
			uint64_t n;
			if (!wh_parse_int(argv[++i], 64, &n) || (int64_t)n < 0)
				return die("bad fuel %s", argv[i]);
			opt.fuel = true;
			cfg.fuel = (int64_t)n;
		} else if (strcmp(a, "--max-memory") == 0 && i + 1 < argc) {
			uint64_t n;
			if (!wh_parse_int(argv[++i], 64, &n) || n == 0)
				return die("bad memory limit %s", argv[i]);
			cfg.max_total_bytes = n;
		} else if (strcmp(a, "--deadline") == 0 && i + 1 < argc) {
			char *end;
			deadline_s = strtod(argv[++i], &end);
			if (*end || !(deadline_s > 0) || deadline_s > 1e9)
				return die("bad deadline %s (seconds, more than 0)", argv[i]);
			opt.deadline = true;
		} else if (strcmp(a, "--time") == 0) {
			timing = true;
		} else if (strcmp(a, "--spectest") == 0) {
			spectest = true;
		} else if (strcmp(a, "--invoke") == 0 && i + 1 < argc) {
			invoke = argv[++i];
			first_arg = i + 1;
			break;
		} else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (i + 1 == argc && (strcmp(a, "--tier") == 0 || strcmp(a, "--fuel") == 0 ||
		                             strcmp(a, "--max-memory") == 0 ||
		                             strcmp(a, "--deadline") == 0 ||
		                             strcmp(a, "--invoke") == 0)) {
			usage(stderr);
			return die("%s needs a value", a);
		} else if (a[0] == '-' && a[1]) {
			usage(stderr);
			return die("unknown option %s", a);
		} else if (!file) {
			file = a;
		} else {
			usage(stderr);
			return die("unexpected argument %s (arguments of the export follow "
			           "--invoke NAME)", a);
		}
	}
	if (!file || !invoke) {
		usage(stderr);
		return die("%s", !file ? "no module file given" : "no --invoke NAME given");
	}

	cmn_error err;
	cmn_error_clear(&err);
	rt_loaded *l = NULL;
	double t0 = now();
	if (rt_artifact_sniff(file)) {
		/* An artifact: it must be for this engine with these options
		 * (either tier). */
		jit_options o2 = opt;
		o2.tier = JIT_TIER_FAST;
		char *fp_fast = jit_fingerprint(&o2);
		o2.tier = JIT_TIER_OPTIMIZED;
		char *fp_opt = jit_fingerprint(&o2);
		bool ok = rt_artifact_load(file, fp_fast, &l, &err);
		if (!ok && strstr(err.msg, "another engine"))
			ok = rt_artifact_load(file, fp_opt, &l, &err);
		free(fp_fast);
		free(fp_opt);
		if (!ok)
			return die("%s: %s", file, err.msg);
	} else {
		size_t size;
		uint8_t *bytes = cmn_read_file(file, &size, &err);
		if (!bytes)
			return die("%s", err.msg);
		pthread_t watch;
		bool watching = false;
		if (deadline_s > 0) {
			compile_deadline = t0 + deadline_s;
			watching = pthread_create(&watch, NULL, compile_watch, NULL) == 0;
		}
		wh_compile_abort_guard(true, "wasmc-run");
		wh_stage st = wh_compile_load(bytes, size, WB_FEAT_DEFAULT, &opt, &l, &err);
		wh_compile_abort_guard(false, NULL);
		if (watching) {
			pthread_cancel(watch);
			pthread_join(watch, NULL);
		}
		free(bytes);
		if (st != WH_OK) {
			return die("%s: %s: %s", file, wh_stage_name(st), err.msg);
		}
	}
	double t1 = now();

	/* From here on every exit goes through the labels below, which
	 * release what was acquired in reverse order. */
	int status = 2;
	rt_extern *imports = NULL;
	rt_val *vals = NULL;
	rt_store *s = rt_store_new(&cfg);
	wh_spectest sp;
	if (!s || (spectest && !wh_spectest_init(&sp, s, false))) {
		die("out of memory");
		goto out_store;
	}
	if (deadline_s > 0) {
		double left = t0 + deadline_s - now();
		if (left <= 0) {
			die("deadline exceeded before the call");
			goto out_store;
		}
		rt_store_set_deadline(s, (uint64_t)(left * 1e9));
	}
	const rt_module *m = l->mod;
	imports = calloc(m->nimports + 1, sizeof *imports);
	if (imports == NULL) {
		die("out of memory");
		goto out_store;
	}
	for (uint32_t i = 0; i < m->nimports; i++) {
		const rt_import *im = &m->imports[i];
		if (!(spectest && wh_name_is(im->module, "spectest") &&
		      wh_spectest_lookup(&sp, im->field, &imports[i]))) {
			fprintf(stderr, "wasmc-run: unknown import: %.*s::%.*s\n", (int)im->module.len,
			        im->module.ptr, (int)im->field.len, im->field.ptr);
			goto out_imports;
		}
	}
	rt_instance *inst;
	rt_outcome out;
	if (!rt_instantiate(s, l, imports, m->nimports, &inst, &out)) {
		if (out.kind == RT_TRAPPED) {
			fprintf(stderr, "%s\n", out.msg);
			wh_print_trap_location(stderr, &out);
		} else
			fprintf(stderr, "wasmc-run: %s: %s\n",
			        out.kind == RT_LINK ? "link error" : "instantiation failed", out.msg);
		status = out.kind == RT_TRAPPED ? 1 : 2;
		goto out_imports;
	}
	double t2 = now();

	/* The export and its type. */
	uint32_t fidx = UINT32_MAX;
	for (uint32_t i = 0; i < m->nexports; i++)
		if (m->exports[i].kind == RT_EXTERN_FUNC && wh_name_is(m->exports[i].name, invoke))
			fidx = m->exports[i].index;
	if (fidx == UINT32_MAX) {
		die("no exported function named %s", invoke);
		goto out_imports;
	}
	const rt_functype *ft = rt_instance_func_type(inst, fidx);
	uint32_t nargs = (uint32_t)(argc - first_arg);
	if (nargs != ft->nparams) {
		fprintf(stderr, "wasmc-run: %s takes %u argument(s), %u given\n", invoke,
		        ft->nparams, nargs);
		goto out_imports;
	}
	uint32_t slots = ft->nparams > ft->nresults ? ft->nparams : ft->nresults;
	vals = calloc(slots + 1, sizeof *vals);
	if (vals == NULL) {
		die("out of memory");
		goto out_imports;
	}
	for (uint32_t i = 0; i < nargs; i++) {
		if (!wh_parse_val(argv[first_arg + (int)i], ft->params[i], &vals[i])) {
			die("bad argument %s", argv[first_arg + (int)i]);
			goto out_vals;
		}
	}
	rt_extern ex;
	rt_instance_export(inst, invoke, strlen(invoke), &ex);
	double t3 = now();
	bool ok = rt_call(ex.u.func, vals, &out);
	double t4 = now();
	if (timing) {
		fprintf(stderr, "compile: %.6f s\n", t1 - t0);
		fprintf(stderr, "instantiate: %.6f s\n", t2 - t1);
		fprintf(stderr, "call: %.6f s\n", t4 - t3);
	}
	if (!ok) {
		fprintf(stderr, "%s\n", out.msg);
		wh_print_trap_location(stderr, &out);
		status = out.kind == RT_TRAPPED ? 1 : 2;
		goto out_vals;
	}
	for (uint32_t i = 0; i < ft->nresults; i++) {
		wh_print_val(stdout, ft->results[i], vals[i]);
		putchar('\n');
	}
	fflush(stdout);
	status = 0;
out_vals:
	free(vals);
out_imports:
	free(imports);
out_store:
	rt_store_free(s);
	rt_loaded_free(l);
	return status;
}
