/* wh_spectest.c - the spec test suite's `spectest` host module. */
#include "wh_spectest.h"

#include <stddef.h>
#include <stdio.h>

#include "wh_value.h"

/* The print functions' host callback. env: a static descriptor of the
 * parameter kinds, 0-terminated; 0xFF first: quiet. */
static const char *spectest_print(void *env, rt_val *args)
{
	const uint8_t *kinds = env;

	if (kinds[0] == 0xFF)
		return NULL;
	for (int i = 0; kinds[i]; i++) {
		if (i)
			printf(" ");
		wh_print_val(stdout, rt_valtype_num(kinds[i]), args[i]);
		printf(" : %s", kinds[i] == RT_I32   ? "i32"
		                : kinds[i] == RT_I64 ? "i64"
		                : kinds[i] == RT_F32 ? "f32"
		                                     : "f64");
	}
	printf("\n");
	fflush(stdout);
	return NULL;
}

static rt_globalobj *global(rt_store *s, uint8_t kind, rt_val v)
{
	return rt_global_new(s, rt_valtype_num(kind), false, v);
}

bool wh_spectest_init(wh_spectest *sp, rt_store *s, bool quiet)
{
	static const uint8_t K_NONE[] = {0}, K_I32[] = {RT_I32, 0}, K_I64[] = {RT_I64, 0},
	                     K_F32[] = {RT_F32, 0}, K_F64[] = {RT_F64, 0},
	                     K_I32F32[] = {RT_I32, RT_F32, 0}, K_F64F64[] = {RT_F64, RT_F64, 0},
	                     K_QUIET[] = {0xFF, 0};
	const rt_valtype i32 = rt_valtype_num(RT_I32), i64 = rt_valtype_num(RT_I64),
	                 f32 = rt_valtype_num(RT_F32), f64 = rt_valtype_num(RT_F64);
	rt_valtype p_i32f32[2] = {i32, f32}, p_f64f64[2] = {f64, f64};
	const struct {
		rt_funcref **slot;
		uint32_t nparams;
		const rt_valtype *params;
		const uint8_t *kinds;
	} PRINTS[] = {
		{&sp->print, 0, NULL, K_NONE},
		{&sp->print_i32, 1, &i32, K_I32},
		{&sp->print_i64, 1, &i64, K_I64},
		{&sp->print_f32, 1, &f32, K_F32},
		{&sp->print_f64, 1, &f64, K_F64},
		{&sp->print_i32_f32, 2, p_i32f32, K_I32F32},
		{&sp->print_f64_f64, 2, p_f64f64, K_F64F64},
	};
	rt_val v;
	cmn_error err;

	memset(sp, 0, sizeof *sp);
	sp->quiet = quiet;
	for (size_t i = 0; i < sizeof PRINTS / sizeof PRINTS[0]; i++) {
		*PRINTS[i].slot = rt_host_func_new(s, PRINTS[i].nparams, PRINTS[i].params, 0, NULL,
		                                   spectest_print,
		                                   (void *)(quiet ? K_QUIET : PRINTS[i].kinds));
		if (!*PRINTS[i].slot)
			return false;
	}

	memset(&v, 0, sizeof v);
	v.i32 = 666;
	sp->global_i32 = global(s, RT_I32, v);
	v.i64 = 666;
	sp->global_i64 = global(s, RT_I64, v);
	memset(&v, 0, sizeof v);
	v.f32 = 666.6f;
	sp->global_f32 = global(s, RT_F32, v);
	v.f64 = 666.6;
	sp->global_f64 = global(s, RT_F64, v);

	rt_valtype funcref = rt_valtype_ref(true, RT_HT_MAKE_ABS(RT_HT_FUNC));
	rt_limits tl = {.min = 10, .max = 20, .has_max = true};
	sp->table = rt_table_new(s, funcref, &tl, NULL, &err);
	rt_limits tl64 = {.min = 10, .max = 20, .has_max = true, .is64 = true};
	sp->table64 = rt_table_new(s, funcref, &tl64, NULL, &err);
	rt_limits ml = {.min = 1, .max = 2, .has_max = true, .page_log2 = 16};
	sp->memory = rt_memory_new(s, &ml, &err);
	rt_limits sml = {.min = 1, .max = 2, .has_max = true, .shared = true, .page_log2 = 16};
	sp->shared_memory = rt_memory_new(s, &sml, &err);
	return sp->global_i32 && sp->global_i64 && sp->global_f32 && sp->global_f64 &&
	       sp->table && sp->table64 && sp->memory && sp->shared_memory;
}

bool wh_spectest_lookup(const wh_spectest *sp, rt_name field, rt_extern *ret)
{
	static const struct {
		const char *name;
		uint8_t kind;
		size_t off;
	} T[] = {
		{"print", RT_EXTERN_FUNC, offsetof(wh_spectest, print)},
		{"print_i32", RT_EXTERN_FUNC, offsetof(wh_spectest, print_i32)},
		{"print_i64", RT_EXTERN_FUNC, offsetof(wh_spectest, print_i64)},
		{"print_f32", RT_EXTERN_FUNC, offsetof(wh_spectest, print_f32)},
		{"print_f64", RT_EXTERN_FUNC, offsetof(wh_spectest, print_f64)},
		{"print_i32_f32", RT_EXTERN_FUNC, offsetof(wh_spectest, print_i32_f32)},
		{"print_f64_f64", RT_EXTERN_FUNC, offsetof(wh_spectest, print_f64_f64)},
		{"global_i32", RT_EXTERN_GLOBAL, offsetof(wh_spectest, global_i32)},
		{"global_i64", RT_EXTERN_GLOBAL, offsetof(wh_spectest, global_i64)},
		{"global_f32", RT_EXTERN_GLOBAL, offsetof(wh_spectest, global_f32)},
		{"global_f64", RT_EXTERN_GLOBAL, offsetof(wh_spectest, global_f64)},
		{"table", RT_EXTERN_TABLE, offsetof(wh_spectest, table)},
		{"table64", RT_EXTERN_TABLE, offsetof(wh_spectest, table64)},
		{"memory", RT_EXTERN_MEMORY, offsetof(wh_spectest, memory)},
		{"shared_memory", RT_EXTERN_MEMORY, offsetof(wh_spectest, shared_memory)},
	};

	for (size_t i = 0; i < sizeof T / sizeof T[0]; i++) {
		if (!wh_name_is(field, T[i].name))
			continue;
		void *p = *(void *const *)((const char *)sp + T[i].off);
		ret->kind = T[i].kind;
		switch (T[i].kind) {
		case RT_EXTERN_FUNC:
			ret->u.func = p;
			break;
		case RT_EXTERN_GLOBAL:
			ret->u.global = p;
			break;
		case RT_EXTERN_TABLE:
			ret->u.table = p;
			break;
		default:
			ret->u.memory = p;
			break;
		}
		return true;
	}
	return false;
}
