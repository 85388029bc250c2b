/*
 * fd_run.c - wasmc's side of the differential fuzzer (make fuzz-diff): runs
 * one module the way wabt's `wasm-interp --run-all-exports
 * --dummy-import-func` does, and prints a trace the driver (driver.mjs)
 * compares with wabt's and V8's.
 *
 *   fuzz-diff-run --tier fast|optimized FILE.wasm [--dump-memory OUT]

 * Every imported function is a host function that records its call and
 * returns zeros; any other import is a link error. After instantiation
 * every exported function without parameters is called, in export order,
 * on the same instance. Output, one event per line:
 *
 *   call NAME (PARAMS) -> (RESULTS)   types as i32 i64 f32 f64 v128 funcref externref
 *   import MODULE.FIELD T:HEX ...     an imported function was called
 *   result T:HEX ...                  the call returned (bits in hex; refs null/nonnull)
 *   trap MESSAGE                      the call trapped (the spec's message)
 *   memory SHA256                     the contents of the memory exported as "memory",
 *                                     after each call
 *
 * and `error STAGE: MESSAGE` (exit 2) when the module does not decode,
 * validate, compile, link or instantiate.
 */
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmn_file.h"
#include "jit.h"
#include "rt_instance.h"
#include "rt_store.h"
#include "wh_compile.h"
#include "wh_spectest.h"

typedef struct host_env {
	const rt_import *im;
	const rt_functype *ft;
} host_env;

static const char *type_name(rt_valtype t)
{
	switch (t.kind) {
	case RT_I32: return "i32";
	case RT_I64: return "i64";
	case RT_F32: return "f32";
	case RT_F64: return "f64";
	case RT_V128: return "v128";
	default:
		return RT_HT_IS_ABS(t.heap) && RT_HT_CODE(t.heap) == RT_HT_EXTERN ? "externref"
		                                                                   : "funcref";
	}
}

static void print_val(rt_valtype t, const rt_val *v)
{
	switch (t.kind) {
	case RT_I32:
		printf(" i32:%08x", (uint32_t)v->i32);
		break;
	case RT_I64:
		printf(" i64:%016llx", (unsigned long long)v->i64);
		break;
	case RT_F32:
		printf(" f32:%08x", v->f32_bits);
		break;
	case RT_F64:
		printf(" f64:%016llx", (unsigned long long)v->f64_bits);
		break;
	case RT_V128:
		printf(" v128:");
		for (int i = 15; i >= 0; i--)
			printf("%02x", v->v128[i]);
		break;
	default:
		printf(" %s:%s", type_name(t), v->ref ? "nonnull" : "null");
		break;
	}
}

static void print_types(uint32_t n, const rt_valtype *t)
{
	for (uint32_t i = 0; i < n; i++)
		printf("%s%s", i ? " " : "", type_name(t[i]));
}

static const char *host_call(void *env, rt_val *args)
{
	const host_env *h = env;
	printf("import %.*s.%.*s", (int)h->im->module.len, h->im->module.ptr, (int)h->im->field.len,
	       h->im->field.ptr);
	for (uint32_t i = 0; i < h->ft->nparams; i++)
		print_val(h->ft->params[i], &args[i]);
	printf("\n");
	memset(args, 0, sizeof(rt_val) * h->ft->nresults);
	return NULL;
}

static void print_memory(rt_instance *inst, const char *dump)
{
	rt_extern ex;
	if (!rt_instance_export(inst, "memory", 6, &ex) || ex.kind != RT_EXTERN_MEMORY)
		return;
	rt_memory *m = rt_memobj_memory(ex.u.memory);
	if (dump) {
		FILE *f = fopen(dump, "wb");
		if (!f || fwrite(m->base, 1, m->size, f) != m->size)
			fprintf(stderr, "fuzz-diff-run: cannot write %s\n", dump);
		if (f)
			fclose(f);
	}
	unsigned char md[SHA256_DIGEST_LENGTH];
	SHA256(m->base, m->size, md);
	printf("memory ");
	for (int i = 0; i < SHA256_DIGEST_LENGTH; i++)
		printf("%02x", md[i]);
	printf("\n");
}

int main(int argc, char **argv)
{
	jit_options opt;
	jit_options_default(&opt);
	if ((argc != 4 && !(argc == 6 && strcmp(argv[4], "--dump-memory") == 0)) ||
	    strcmp(argv[1], "--tier") != 0) {
		fprintf(stderr, "usage: fuzz-diff-run --tier fast|optimized FILE.wasm "
		                "[--dump-memory OUT]\n");
		return 2;
	}
	const char *dump = argc == 6 ? argv[5] : NULL;
	if (strcmp(argv[2], "fast") == 0)
		opt.tier = JIT_TIER_FAST;
	else if (strcmp(argv[2], "optimized") == 0)
		opt.tier = JIT_TIER_OPTIMIZED;
	else {
		fprintf(stderr, "fuzz-diff-run: unknown tier %s\n", argv[2]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	int status = 2;
	cmn_error err;
	cmn_error_clear(&err);
	size_t size;
	uint8_t *bytes = cmn_read_file(argv[3], &size, &err);
	if (!bytes) {
		printf("error read: %s\n", err.msg);
		return 2;
	}
	rt_loaded *l = NULL;
	wh_stage st = wh_compile_load(bytes, size, WB_FEAT_DEFAULT, &opt, &l, &err);
	free(bytes);
	if (st != WH_OK) {
		printf("error %s: %s\n", wh_stage_name(st), err.msg);
		return 2;
	}
	const rt_module *m = l->mod;
	rt_store *s = rt_store_new(NULL);
	rt_extern *imports = calloc(m->nimports + 1, sizeof *imports);
	host_env *envs = calloc(m->nimports + 1, sizeof *envs);
	rt_val *vals = NULL;
	if (!s || !imports || !envs) {
		printf("error setup: out of memory\n");
		goto out;
	}
	for (uint32_t i = 0; i < m->nimports; i++) {
		const rt_import *im = &m->imports[i];
		if (im->kind != RT_EXTERN_FUNC) {
			printf("error link: import %.*s.%.*s is not a function\n", (int)im->module.len,
			       im->module.ptr, (int)im->field.len, im->field.ptr);
			goto out;
		}
		const rt_functype *ft = rt_module_functype(m, m->funcs[im->index].type);
		envs[i].im = im;
		envs[i].ft = ft;
		imports[i].kind = RT_EXTERN_FUNC;
		imports[i].u.func = rt_host_func_new(s, ft->nparams, ft->params, ft->nresults,
		                                     ft->results, host_call, &envs[i]);
		if (!imports[i].u.func) {
			printf("error link: import %.*s.%.*s has a type the host cannot define\n",
			       (int)im->module.len, im->module.ptr, (int)im->field.len, im->field.ptr);
			goto out;
		}
	}
	rt_instance *inst;
	rt_outcome out;
	if (!rt_instantiate(s, l, imports, m->nimports, &inst, &out)) {
		printf("error instantiate: %s\n", out.msg);
		goto out;
	}
	vals = calloc(1024, sizeof *vals);
	for (uint32_t i = 0; vals && i < m->nexports; i++) {
		const rt_export *e = &m->exports[i];
		if (e->kind != RT_EXTERN_FUNC)
			continue;
		const rt_functype *ft = rt_instance_func_type(inst, e->index);
		if (ft->nparams > 0 || ft->nresults > 1024)
			continue;
		printf("call %.*s (", (int)e->name.len, e->name.ptr);
		print_types(ft->nparams, ft->params);
		printf(") -> (");
		print_types(ft->nresults, ft->results);
		printf(")\n");
		rt_extern ex;
		rt_instance_export(inst, e->name.ptr, e->name.len, &ex);
		memset(vals, 0, 1024 * sizeof *vals);
		if (rt_call(ex.u.func, vals, &out)) {
			printf("result");
			for (uint32_t k = 0; k < ft->nresults; k++)
				print_val(ft->results[k], &vals[k]);
			printf("\n");
		} else {
			printf("trap %s\n", out.msg);
		}
		print_memory(inst, NULL);
	}
	if (dump)
		print_memory(inst, dump);
	status = 0;
out:
	free(vals);
	free(envs);
	free(imports);
	rt_store_free(s);
	rt_loaded_free(l);
	return status;
}
