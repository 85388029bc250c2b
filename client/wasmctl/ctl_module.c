/*
 * ctl_module.c - wasmctl compile, call and inspect.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "ctl.h"
#include "ctl_progress.h"

static bool parse_tier(const char *s, wasmc_tier *ret)
{
	if (strcmp(s, "default") == 0)
		*ret = WASMC_TIER_DEFAULT;
	else if (strcmp(s, "fast") == 0)
		*ret = WASMC_TIER_FAST;
	else if (strcmp(s, "optimized") == 0)
		*ret = WASMC_TIER_OPTIMIZED;
	else
		return false;
	return true;
}

wasmc_error *ctl_load(ctl *c, const char *arg, wasmc_tier tier, bool allow_digest,
                      wasmc_module **ret_module, double *ret_seconds)
{
	struct stat st;
	uint8_t digest[32];
	if (allow_digest && stat(arg, &st) != 0 && wasmc_digest_parse(arg, digest))
		return wasmc_module_open_digest(c->conn, digest, ret_module);
	char what[4096 + 16];
	snprintf(what, sizeof what, "compiling %s", arg);
	ctl_progress p;
	ctl_progress_start(&p, what);
	wasmc_error *e = wasmc_module_load_file(c->conn, arg, tier, ret_module);
	double secs = ctl_progress_stop(&p);
	if (ret_seconds)
		*ret_seconds = secs;
	return e;
}

/* Splits argv into options (handled by `opt`, which returns how many
 * arguments it used, 0 for unknown, -1 after reporting an error) and up
 * to `maxpos` positional arguments. Returns CTL_EXIT_OK or an exit code. */
typedef int (*opt_fn)(ctl *c, void *st, int argc, char **argv, int i);

static int split_args(ctl *c, int argc, char **argv, opt_fn opt, void *st,
                      const char **pos, int maxpos, int *ret_npos)
{
	int npos = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (a[0] == '-' && a[1] && !(a[1] >= '0' && a[1] <= '9')) {
			int used = opt ? opt(c, st, argc, argv, i) : 0;
			if (used < 0)
				return CTL_EXIT_USAGE;
			if (used == 0)
				return ctl_usage(c, "%s: unknown option %s", argv[0], a);
			i += used - 1;
			continue;
		}
		if (npos == maxpos)
			return ctl_usage(c, "%s: unexpected argument '%s'", argv[0], a);
		pos[npos++] = a;
	}
	*ret_npos = npos;
	return CTL_EXIT_OK;
}

/* Value of option argv[i] (argv[i+1]), or NULL after reporting. */
static const char *opt_value(ctl *c, int argc, char **argv, int i)
{
	if (i + 1 >= argc) {
		ctl_usage(c, "%s needs a value", argv[i]);
		return NULL;
	}
	return argv[i + 1];
}

/* ---- compile ---- */

static int compile_opt(ctl *c, void *st, int argc, char **argv, int i)
{
	wasmc_tier *tier = st;
	if (strcmp(argv[i], "--tier") != 0)
		return 0;
	const char *v = opt_value(c, argc, argv, i);
	if (v == NULL)
		return -1;
	if (!parse_tier(v, tier)) {
		ctl_usage(c, "unknown tier '%s' (default, fast or optimized)", v);
		return -1;
	}
	return 2;
}

int ctl_cmd_compile(ctl *c, int argc, char **argv)
{
	wasmc_tier tier = WASMC_TIER_DEFAULT;
	const char *file;
	int npos, rc = split_args(c, argc, argv, compile_opt, &tier, &file, 1, &npos);
	if (rc)
		return rc;
	if (npos != 1)
		return ctl_usage(c, "compile: no module file given");
	rc = ctl_connect(c);
	if (rc)
		return rc;
	wasmc_module *m;
	double secs = 0;
	wasmc_error *e = ctl_load(c, file, tier, false, &m, &secs);
	if (e)
		return ctl_fail(c, e, NULL);
	if (c->json) {
		ctl_json_out(json_pack("{s:s,s:s,s:b,s:s,s:f,s:f,s:i,s:i}", "file", file,
		                       "digest", wasmc_module_digest_hex(m), "cached",
		                       wasmc_module_cached(m), "tier",
		                       ctl_tier_name(wasmc_module_tier(m)), "compile_seconds",
		                       wasmc_module_compile_seconds(m), "seconds", secs,
		                       "imports", (int)wasmc_module_import_count(m),
		                       "exports", (int)wasmc_module_export_count(m)));
	} else if (wasmc_module_cached(m)) {
		printf("%s  %s: cached (tier %s)\n", wasmc_module_digest_hex(m), file,
		       ctl_tier_name(wasmc_module_tier(m)));
	} else {
		printf("%s  %s: compiled in %.3f s (tier %s)\n", wasmc_module_digest_hex(m),
		       file, wasmc_module_compile_seconds(m), ctl_tier_name(wasmc_module_tier(m)));
	}
	wasmc_module_free(m);
	return CTL_EXIT_OK;
}

/* ---- call ---- */

typedef struct call_opts {
	wasmc_limits limits;
	wasmc_tier tier;
} call_opts;

static int call_opt(ctl *c, void *st, int argc, char **argv, int i)
{
	call_opts *o = st;
	const char *name = argv[i];
	uint64_t n;
	if (strcmp(name, "--tier") == 0)
		return compile_opt(c, &o->tier, argc, argv, i);
	if (strcmp(name, "--fuel") != 0 && strcmp(name, "--deadline-ms") != 0 &&
	    strcmp(name, "--max-memory") != 0 && strcmp(name, "--cpu-ms") != 0 &&
	    strcmp(name, "--max-table") != 0)
		return 0;
	const char *v = opt_value(c, argc, argv, i);
	if (v == NULL)
		return -1;
	bool ok = strcmp(name, "--max-memory") == 0 ? ctl_parse_bytes(v, &n)
	                                            : ctl_parse_u64(v, &n);
	if (!ok || (strcmp(name, "--fuel") == 0 && n > INT64_MAX)) {
		ctl_usage(c, "%s: bad value '%s'", name, v);
		return -1;
	}
	if (strcmp(name, "--fuel") == 0) {
		if (n == 0) {
			ctl_usage(c, "--fuel must be at least 1");
			return -1;
		}
		o->limits.fuel = (int64_t)n;
	} else if (strcmp(name, "--deadline-ms") == 0) {
		o->limits.deadline_ms = n;
	} else if (strcmp(name, "--max-memory") == 0) {
		o->limits.max_memory_bytes = n;
	} else if (strcmp(name, "--cpu-ms") == 0) {
		o->limits.cpu_ms = n;
	} else {
		o->limits.max_table_elems = n;
	}
	return 2;
}

static int call_print(ctl *c, const wasmc_functype *ft, const wasmc_val *res,
                      double secs)
{
	char buf[WASMC_WAVE_VAL_MAX];
	if (c->json) {
		json_t *arr = json_array();
		for (size_t i = 0; arr && i < ft->nresults; i++) {
			wasmc_wave_format_val(&res[i], buf, sizeof buf);
			json_array_append_new(arr, json_pack("{s:s,s:s}", "type",
			                                     wasmc_valkind_name(res[i].kind),
			                                     "value", buf));
		}
		ctl_json_out(json_pack("{s:o,s:f}", "results", arr, "seconds", secs));
		return CTL_EXIT_OK;
	}
	for (size_t i = 0; i < ft->nresults; i++) {
		wasmc_wave_format_val(&res[i], buf, sizeof buf);
		puts(buf);
	}
	fflush(stdout);
	return CTL_EXIT_OK;
}

int ctl_cmd_call(ctl *c, int argc, char **argv)
{
	call_opts o;
	memset(&o, 0, sizeof o);
	const char *pos[2];
	int npos, rc = split_args(c, argc, argv, call_opt, &o, pos, 2, &npos);
	if (rc)
		return rc;
	if (npos != 2)
		return ctl_usage(c, "call: usage: wasmctl call [OPTIONS] FILE 'EXPORT(ARGS)'");
	wasmc_wave_call *wc = NULL;
	/* A component's arguments are parsed by its types (ctl_comp.c): the
	 * core splitter's error waits until the module turns out to be core. */
	struct stat st;
	uint8_t digest[32];
	bool maybe_comp = ctl_file_is_component(pos[0]) ||
	                  (stat(pos[0], &st) != 0 && wasmc_digest_parse(pos[0], digest));
	wasmc_error *e = wasmc_wave_call_parse(pos[1], &wc);
	if (e && !maybe_comp)
		return ctl_fail(c, e, NULL);
	wasmc_error *core_syntax = e;
	wasmc_module *m = NULL;
	wasmc_instance *inst = NULL;
	wasmc_val *args = NULL, *res = NULL;
	rc = ctl_connect(c);
	if (rc)
		goto out;
	e = ctl_load(c, pos[0], o.tier, true, &m, NULL);
	if (e) {
		rc = ctl_fail(c, e, NULL);
		goto out;
	}
	if (wasmc_module_is_component(m)) {
		rc = ctl_comp_call(c, m, pos[0], pos[1], &o.limits);
		goto out;
	}
	if (core_syntax) {
		rc = ctl_fail(c, core_syntax, NULL);
		core_syntax = NULL;
		goto out;
	}
	const wasmc_export *ex = wasmc_module_export_find(m, wc->name);
	if (ex == NULL) {
		rc = ctl_error(c, CTL_EXIT_NOT_FOUND, "not found", "%s has no export named '%s'",
		               pos[0], wc->name);
		goto out;
	}
	if (ex->type.kind != WASMC_EXTERN_FUNC) {
		rc = ctl_usage(c, "export '%s' of %s is a %s, not a function", wc->name, pos[0],
		               wasmc_externkind_name(ex->type.kind));
		goto out;
	}
	const wasmc_functype *ft = &ex->type.func;
	args = calloc(ft->nparams + 1, sizeof *args);
	res = calloc(ft->nresults + 1, sizeof *res);
	if (args == NULL || res == NULL) {
		rc = ctl_usage(c, "out of memory");
		goto out;
	}
	e = wasmc_wave_parse_args(wc, ft, args);
	if (e) {
		rc = ctl_fail(c, e, NULL);
		goto out;
	}
	e = wasmc_instance_new(m, NULL, &o.limits, &inst);
	if (e) {
		rc = ctl_fail(c, e, "instantiate");
		goto out;
	}
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	e = wasmc_instance_call(inst, wc->name, args, ft->nparams, res, ft->nresults);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (e) {
		rc = ctl_fail(c, e, NULL);
		goto out;
	}
	rc = call_print(c, ft, res,
	                (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9);
out:
	wasmc_error_free(core_syntax);
	free(args);
	free(res);
	wasmc_instance_free(inst);
	wasmc_module_free(m);
	wasmc_wave_call_free(wc);
	return rc;
}

/* ---- inspect ---- */

/* A name as WIT would need it: bare when it is made of letters, digits,
 * '-', '_', '.', '$', else quoted with JSON escapes. */
static void print_name(const char *s)
{
	bool bare = s[0] != '\0';
	for (const char *p = s; *p; p++) {
		char ch = *p;
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.' ||
		      ch == '$'))
			bare = false;
	}
	if (bare) {
		fputs(s, stdout);
		return;
	}
	json_t *j = json_string(s);
	char *q = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;
	fputs(q ? q : "\"?\"", stdout);
	free(q);
	json_decref(j);
}

/* {"module"?, "name", "kind", "type", "params"?, "results"?} */
static json_t *extern_json(const char *module, const char *name, const wasmc_externtype *t)
{
	char text[1024];
	ctl_format_externtype(t, text, sizeof text);
	json_t *o = json_object();
	if (o == NULL)
		return NULL;
	if (module)
		json_object_set_new(o, "module", json_string(module));
	json_object_set_new(o, "name", json_string(name));
	json_object_set_new(o, "kind", json_string(wasmc_externkind_name(t->kind)));
	json_object_set_new(o, "type", json_string(text));
	if (t->kind == WASMC_EXTERN_FUNC || t->kind == WASMC_EXTERN_TAG) {
		json_object_set_new(o, "params", ctl_json_kinds(t->func.params, t->func.nparams));
		json_object_set_new(o, "results",
		                    ctl_json_kinds(t->func.results, t->func.nresults));
	}
	return o;
}

int ctl_cmd_inspect(ctl *c, int argc, char **argv)
{
	const char *what;
	int npos, rc = split_args(c, argc, argv, NULL, NULL, &what, 1, &npos);
	if (rc)
		return rc;
	if (npos != 1)
		return ctl_usage(c, "inspect: usage: wasmctl inspect FILE|DIGEST");
	rc = ctl_connect(c);
	if (rc)
		return rc;
	wasmc_module *m;
	wasmc_error *e = ctl_load(c, what, WASMC_TIER_DEFAULT, true, &m, NULL);
	if (e)
		return ctl_fail(c, e, NULL);
	if (wasmc_module_is_component(m)) {
		rc = ctl_comp_inspect(c, m);
		wasmc_module_free(m);
		return rc;
	}
	size_t ni = wasmc_module_import_count(m), ne = wasmc_module_export_count(m);
	char text[1024];
	if (c->json) {
		json_t *imps = json_array(), *exps = json_array();
		for (size_t i = 0; i < ni; i++) {
			const wasmc_import *im = wasmc_module_import_get(m, i);
			json_array_append_new(imps, extern_json(im->module, im->name, &im->type));
		}
		for (size_t i = 0; i < ne; i++) {
			const wasmc_export *ex = wasmc_module_export_get(m, i);
			json_array_append_new(exps, extern_json(NULL, ex->name, &ex->type));
		}
		ctl_json_out(json_pack("{s:s,s:s,s:o,s:o}", "digest", wasmc_module_digest_hex(m),
		                       "tier", ctl_tier_name(wasmc_module_tier(m)), "imports", imps,
		                       "exports", exps));
	} else {
		printf("module sha256:%s {\n", wasmc_module_digest_hex(m));
		for (size_t i = 0; i < ni; i++) {
			const wasmc_import *im = wasmc_module_import_get(m, i);
			ctl_format_externtype(&im->type, text, sizeof text);
			fputs("  import ", stdout);
			print_name(im->module);
			fputs("::", stdout);
			print_name(im->name);
			printf(": %s;\n", text);
		}
		if (ni && ne)
			putchar('\n');
		for (size_t i = 0; i < ne; i++) {
			const wasmc_export *ex = wasmc_module_export_get(m, i);
			ctl_format_externtype(&ex->type, text, sizeof text);
			fputs("  export ", stdout);
			print_name(ex->name);
			printf(": %s;\n", text);
		}
		printf("}\n");
	}
	wasmc_module_free(m);
	return CTL_EXIT_OK;
}
