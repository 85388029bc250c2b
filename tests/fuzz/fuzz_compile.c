/*
 * fuzz_compile.c - libFuzzer target for the compiler and the instance
 * runtime: decode + validate arbitrary bytes (every feature on); when
 * valid, lower the constant expressions, compile (fast tier, or the
 * optimized tier for one input in four, chosen by a hash of the input),
 * load the image in memory, instantiate it in a store with small limits
 * and call every exported function whose parameters are all numeric
 * (i32/i64/f32/f64/v128) with zero arguments, with fuel so calls end.
 *
 * Traps, link errors, resource limits and "unsupported feature" refusals
 * are normal outcomes. Crashes, sanitizer reports, leaks, LLVM aborts and
 * timeouts are bugs. A compile failure other than "unsupported" on a valid
 * module is printed (it may be a bug; set FUZZ_COMPILE_STRICT=1 to abort on
 * it so libFuzzer saves the input).
 *
 * Imports are satisfied generically where that is easy: functions of
 * numeric / v128 / abstract reference types by a host function that
 * returns zeros, memories and tables by new objects of the import's limits,
 * globals by zero-initialised globals; anything else (tags, concrete
 * reference types) makes the module only compiled, not run.
 *
 * Modules with a shared memory are compiled and instantiated but their
 * exports are not called: memory.atomic.wait with no timeout on a shared
 * memory correctly blocks forever (no other thread will notify), which
 * fuel cannot stop.
 *
 * Sanitizer options (also set by tests/fuzz/run.sh): the runtime installs
 * its own SIGSEGV/SIGBUS handler on first use, which turns guard-page faults
 * of compiled code into traps and hands any other fault back to the
 * previous handler (libFuzzer's / ASan's), so ASan must let user code
 * install SEGV handlers (allow_user_segv_handler=1). Its 8 GiB PROT_NONE
 * reservations per 32-bit memory are plain mmaps outside ASan's shadow and
 * need nothing more.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jit.h"
#include "rt_artifact.h"
#include "rt_instance.h"
#include "rt_module.h"
#include "rt_store.h"
#include "wb_const.h"
#include "wb_decode.h"
#include "wb_validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__asan_default_options(void);

const char *__asan_default_options(void)
{
	return "allow_user_segv_handler=1:detect_leaks=1";
}

enum {
	MAX_CALLS = 64,          /* exported functions called per input */
	CALL_FUEL = 200000,      /* per call (and for instantiation) */
	MAX_MEMORY = 16u << 20,  /* bytes per memory */
	MAX_TABLE = 10000,       /* elements per table */
	MAX_OBJECTS = 16,        /* memories, tables */
};

/* Outcome counts, printed at exit when FUZZ_COMPILE_STATS is set. */
static struct {
	unsigned long inputs, valid, unsupported, failed, compiled, instantiated, calls,
		traps;
} st;

static void print_stats(void)
{
	fprintf(stderr,
	        "fuzz-compile: %lu inputs, %lu valid, %lu unsupported, %lu compile failures, "
	        "%lu compiled, %lu instantiated, %lu calls, %lu traps\n",
	        st.inputs, st.valid, st.unsupported, st.failed, st.compiled, st.instantiated,
	        st.calls, st.traps);
}

static const char *host_zero(void *env, rt_val *args_results)
{
	/* env: the result count */
	size_t n = (size_t)(uintptr_t)env;
	memset(args_results, 0, n * sizeof *args_results);
	return NULL;
}

/* Numeric, vector, or a nullable abstract reference (the host side's
 * value types). */
static bool host_type_ok(rt_valtype t, bool need_nullable)
{
	if (rt_valtype_is_num(t) || t.kind == RT_V128)
		return true;
	return t.kind == RT_REF && RT_HT_IS_ABS(t.heap) && (t.nullable || !need_nullable);
}

static bool make_imports(rt_store *s, const rt_module *mod, rt_extern *imps)
{
	cmn_error err;
	for (uint32_t i = 0; i < mod->nimports; i++) {
		const rt_import *im = &mod->imports[i];
		rt_extern *e = &imps[i];
		e->kind = im->kind;
		switch (im->kind) {
		case RT_EXTERN_FUNC: {
			const rt_functype *ft = rt_module_functype(mod, mod->funcs[im->index].type);
			if (mod->types[mod->funcs[im->index].type].comp != RT_COMP_FUNC)
				return false;
			for (uint32_t k = 0; k < ft->nparams; k++)
				if (!host_type_ok(ft->params[k], false))
					return false;
			for (uint32_t k = 0; k < ft->nresults; k++)
				if (!host_type_ok(ft->results[k], true))
					return false;
			e->u.func = rt_host_func_new(s, ft->nparams, ft->params, ft->nresults,
			                             ft->results, host_zero,
			                             (void *)(uintptr_t)ft->nresults);
			if (!e->u.func)
				return false;
			break;
		}
		case RT_EXTERN_MEMORY:
			e->u.memory = rt_memory_new(s, &mod->memories[im->index].limits, &err);
			if (!e->u.memory)
				return false;
			break;
		case RT_EXTERN_TABLE: {
			const rt_tabletype *tt = &mod->tables[im->index];
			if (!host_type_ok(tt->elem, true))
				return false;
			e->u.table = rt_table_new(s, tt->elem, &tt->limits, NULL, &err);
			if (!e->u.table)
				return false;
			break;
		}
		case RT_EXTERN_GLOBAL: {
			const rt_globaltype *gt = &mod->globals[im->index];
			if (!host_type_ok(gt->type, true))
				return false;
			rt_val zero;
			memset(&zero, 0, sizeof zero);
			e->u.global = rt_global_new(s, gt->type, gt->mut, zero);
			if (!e->u.global)
				return false;
			break;
		}
		default:
			return false; /* tags: the compiler refuses them anyway */
		}
	}
	return true;
}

static bool has_shared_memory(const rt_module *mod)
{
	for (uint32_t i = 0; i < mod->nmemories; i++)
		if (mod->memories[i].limits.shared)
			return true;
	return false;
}

static void run(const rt_loaded *l, const rt_module *mod)
{
	rt_store_config cfg;
	rt_store_config_default(&cfg);
	cfg.max_memory_bytes = MAX_MEMORY;
	cfg.max_table_elems = MAX_TABLE;
	cfg.max_memories = MAX_OBJECTS;
	cfg.max_tables = MAX_OBJECTS;
	cfg.max_instances = 1;
	cfg.fuel = CALL_FUEL;
	rt_store *s = rt_store_new(&cfg);
	if (!s)
		return;
	rt_extern *imps = calloc(mod->nimports ? mod->nimports : 1, sizeof *imps);
	rt_instance *inst = NULL;
	rt_outcome out;
	if (imps && make_imports(s, mod, imps) &&
	    rt_instantiate(s, l, imps, mod->nimports, &inst, &out) && !has_shared_memory(mod)) {
		st.instantiated++;
		unsigned calls = 0;
		for (uint32_t i = 0; i < mod->nexports && calls < MAX_CALLS; i++) {
			const rt_export *ex = &mod->exports[i];
			if (ex->kind != RT_EXTERN_FUNC)
				continue;
			const rt_functype *ft = rt_instance_func_type(inst, ex->index);
			if (!ft)
				continue;
			bool numeric = true;
			for (uint32_t k = 0; k < ft->nparams; k++)
				if (!rt_valtype_is_num(ft->params[k]) && ft->params[k].kind != RT_V128)
					numeric = false;
			if (!numeric)
				continue;
			rt_extern e;
			if (!rt_instance_export(inst, (const char *)ex->name.ptr, ex->name.len, &e) ||
			    e.kind != RT_EXTERN_FUNC)
				continue;
			uint32_t n = ft->nparams > ft->nresults ? ft->nparams : ft->nresults;
			rt_val *args = calloc(n ? n : 1, sizeof *args);
			if (!args)
				break;
			rt_store_set_fuel(s, CALL_FUEL);
			if (!rt_call(e.u.func, args, &out))
				st.traps++;
			st.calls++;
			free(args);
			calls++;
		}
	}
	free(imps);
	rt_store_free(s);
}

static uint32_t hash(const uint8_t *data, size_t size)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < size; i++)
		h = (h ^ data[i]) * 16777619u;
	return h;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned reported;
	const wb_features feat = WB_FEAT_ALL;
	rt_module *mod = NULL;
	cmn_error err;
	cmn_error_clear(&err);
	if (st.inputs++ == 0 && getenv("FUZZ_COMPILE_STATS"))
		atexit(print_stats);

	if (!wb_decode(data, size, feat, &mod, &err) || !wb_validate(mod, feat, &err)) {
		rt_module_free(mod);
		return 0;
	}
	st.valid++;
	rt_consts consts;
	if (!wb_const_lower_module(mod, &consts, &err)) {
		st.unsupported++;
		rt_module_free(mod);
		return 0;
	}
	jit_options opt;
	jit_options_default(&opt);
	opt.tier = (hash(data, size) & 3) == 0 ? JIT_TIER_OPTIMIZED : JIT_TIER_FAST;
	opt.fuel = true;
	opt.threads = 1;
	rt_image *img = NULL;
	if (!jit_compile(mod, feat, &opt, &img, &err)) {
		if (strstr(err.msg, "unsupported")) {
			st.unsupported++;
		} else {
			st.failed++;
			if (getenv("FUZZ_COMPILE_STRICT")) {
				fprintf(stderr, "fuzz-compile: compile failed: %s\n", err.msg);
				abort();
			}
			if (reported++ < 20)
				fprintf(stderr, "fuzz-compile: valid module not compiled: %s\n", err.msg);
		}
		rt_module_free(mod);
		return 0;
	}
	st.compiled++;
	rt_loaded *l = NULL;
	bool ok = rt_loaded_from_image(mod, &consts, img, &l, &err);
	rt_image_free(img);
	if (ok)
		run(l, l->mod);
	rt_loaded_free(l);
	rt_module_free(mod);
	return 0;
}
