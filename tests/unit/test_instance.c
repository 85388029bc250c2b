/*
 * test_instance.c - the instance runtime with a hand-assembled code image
 * (rt_testmod.h): instantiation (memory, data, globals), calls through the
 * trampoline, traps raised by svc->trap and by guard-page faults, host
 * functions, memory growth limits, tables and the type registry.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "rt_instance.h"
#include "rt_testmod.h"
#include "wb_const.h"
#include "wb_decode.h"
#include "wb_validate.h"

#define FP "test-engine fp=1"

static rt_loaded *load_testmod(void)
{
	cmn_error err;
	rt_module *mod;
	rt_consts consts;
	cr_assert(wb_decode(TESTMOD_WASM, TESTMOD_WASM_SIZE, WB_FEAT_DEFAULT, &mod, &err), "%s", err.msg);
	cr_assert(wb_validate(mod, WB_FEAT_DEFAULT, &err), "%s", err.msg);
	cr_assert(wb_const_lower_module(mod, &consts, &err), "%s", err.msg);
	rt_image *img = testmod_image(FP);
	rt_loaded *l = NULL;
	cr_assert(rt_loaded_from_image(mod, &consts, img, &l, &err), "%s", err.msg);
	rt_image_free(img);
	rt_module_free(mod);
	return l;
}

static rt_funcref *export_func(rt_instance *inst, const char *name)
{
	rt_extern ex;
	cr_assert(rt_instance_export(inst, name, strlen(name), &ex), "no export %s", name);
	cr_assert_eq(ex.kind, RT_EXTERN_FUNC);
	return ex.u.func;
}

Test(instance, instantiate_and_call)
{
	if (!TESTMOD_HAVE_CODE)
		cr_skip_test("x86-64 only");
	rt_loaded *l = load_testmod();
	rt_store *s = rt_store_new(NULL);
	rt_instance *inst;
	rt_outcome out;
	cr_assert(rt_instantiate(s, l, NULL, 0, &inst, &out), "%s", out.msg);

	rt_val v[1];
	memset(v, 0, sizeof v);
	cr_assert(rt_call(export_func(inst, "answer"), v, &out), "%s", out.msg);
	cr_assert_eq(v[0].i32, 42);

	rt_extern ex;
	cr_assert(rt_instance_export(inst, "oob", 3, &ex));
	rt_vmctx *vm = rt_instance_vmctx(inst);
	cr_assert_eq(vm->memories[0]->size, 65536);
	cr_assert(memcmp(vm->memories[0]->base, "hi", 2) == 0);
	cr_assert_eq(vm->globals[0]->val.i32, 7);
	cr_assert(vm->stack_limit != 0);
	rt_store_free(s);
	rt_loaded_free(l);
}

Test(instance, traps)
{
	if (!TESTMOD_HAVE_CODE)
		cr_skip_test("x86-64 only");
	rt_loaded *l = load_testmod();
	rt_store *s = rt_store_new(NULL);
	rt_instance *inst;
	rt_outcome out;
	cr_assert(rt_instantiate(s, l, NULL, 0, &inst, &out), "%s", out.msg);
	rt_val v[1];
	for (int round = 0; round < 3; round++) {
		cr_assert_not(rt_call(export_func(inst, "trap"), v, &out));
		cr_assert_eq(out.kind, RT_TRAPPED);
		cr_assert_eq(out.trap, RT_TRAP_UNREACHABLE);
		cr_assert_str_eq(out.msg, "unreachable");

		cr_assert_not(rt_call(export_func(inst, "oob"), v, &out));
		cr_assert_eq(out.kind, RT_TRAPPED);
		cr_assert_eq(out.trap, RT_TRAP_MEMORY_OOB);
		cr_assert_str_eq(out.msg, "out of bounds memory access");
	}
	/* Growing makes the faulting address valid. */
	rt_vmctx *vm = rt_instance_vmctx(inst);
	cr_assert_eq(vm->svc->memory_grow(vm, 0, 1), 1);
	vm->memories[0]->base[65536] = 9;
	cr_assert(rt_call(export_func(inst, "oob"), v, &out), "%s", out.msg);
	cr_assert_eq(v[0].i32, 9);
	/* Still callable after traps. */
	cr_assert(rt_call(export_func(inst, "answer"), v, &out));
	cr_assert_eq(v[0].i32, 42);
	rt_store_free(s);
	rt_loaded_free(l);
}

static const char *add_cb(void *env, rt_val *ar)
{
	(void)env;
	ar[0].i32 = ar[0].i32 + ar[1].i32;
	return NULL;
}

static const char *trap_cb(void *env, rt_val *ar)
{
	(void)env;
	(void)ar;
	return "host said no";
}

Test(instance, host_functions)
{
	rt_store *s = rt_store_new(NULL);
	rt_valtype i32 = rt_valtype_num(RT_I32);
	rt_valtype ps[2] = {i32, i32};
	rt_funcref *f = rt_host_func_new(s, 2, ps, 1, ps, add_cb, NULL);
	cr_assert_not_null(f);
	rt_val v[2];
	v[0].i32 = 40;
	v[1].i32 = 2;
	rt_outcome out;
	cr_assert(rt_call(f, v, &out), "%s", out.msg);
	cr_assert_eq(v[0].i32, 42);
	rt_funcref *t = rt_host_func_new(s, 0, NULL, 0, NULL, trap_cb, NULL);
	cr_assert_not(rt_call(t, v, &out));
	cr_assert_eq(out.trap, RT_TRAP_HOST);
	cr_assert_str_eq(out.msg, "host said no");
	/* Same signature, same canonical id. */
	rt_funcref *g = rt_host_func_new(s, 2, ps, 1, ps, add_cb, NULL);
	cr_assert_eq(f->type_id, g->type_id);
	cr_assert_neq(f->type_id, t->type_id);
	rt_store_free(s);
}

Test(instance, memory_limits)
{
	rt_store_config cfg;
	rt_store_config_default(&cfg);
	cfg.max_memory_bytes = 3 * 65536;
	rt_store *s = rt_store_new(&cfg);
	rt_limits lim = {.min = 1, .max = 10, .has_max = true, .page_log2 = 16};
	cmn_error err;
	rt_memobj *m = rt_memory_new(s, &lim, &err);
	cr_assert_not_null(m, "%s", err.msg);
	rt_memory *pm = rt_memobj_memory(m);
	pm->base[65535] = 1;
	rt_limits big = {.min = 4, .page_log2 = 16};
	cr_assert_null(rt_memory_new(s, &big, &err));
	rt_store_free(s);

	/* A fixed 3-byte memory (1-byte pages) ends at a page boundary. */
	s = rt_store_new(NULL);
	rt_limits tiny = {.min = 3, .max = 3, .has_max = true, .page_log2 = 0};
	m = rt_memory_new(s, &tiny, &err);
	cr_assert_not_null(m, "%s", err.msg);
	pm = rt_memobj_memory(m);
	cr_assert_eq(pm->size, 3);
	pm->base[2] = 7;
	cr_assert_eq(((uintptr_t)pm->base + 3) % 4096, 0);
	rt_store_free(s);

	s = rt_store_new(NULL);
	rt_limits l64 = {.min = 0, .max = 5, .has_max = true, .is64 = true, .page_log2 = 16};
	m = rt_memory_new(s, &l64, &err);
	cr_assert_not_null(m, "%s", err.msg);
	rt_store_free(s);
}

Test(instance, tables)
{
	rt_store *s = rt_store_new(NULL);
	rt_limits lim = {.min = 2, .max = 4, .has_max = true};
	cmn_error err;
	rt_tableobj *t = rt_table_new(s, rt_valtype_ref(true, RT_HT_MAKE_ABS(RT_HT_FUNC)), &lim, NULL, &err);
	cr_assert_not_null(t);
	rt_table *pt = rt_tableobj_table(t);
	cr_assert_eq(pt->size, 2);
	cr_assert_null(pt->elems[1]);
	rt_store_free(s);
}

Test(instance, type_registry)
{
	rt_valtype i32 = rt_valtype_num(RT_I32), i64 = rt_valtype_num(RT_I64);
	uint32_t a = rt_types_func(1, &i32, 1, &i64);
	uint32_t b = rt_types_func(1, &i32, 1, &i64);
	uint32_t c = rt_types_func(1, &i64, 1, &i32);
	cr_assert_eq(a, b);
	cr_assert_neq(a, c);
	cr_assert(rt_types_sub(a, a));
	cr_assert_not(rt_types_sub(a, c));
	const rt_functype *ft = rt_types_functype(a);
	cr_assert_eq(ft->nparams, 1);
	cr_assert_eq(ft->results[0].kind, RT_I64);
	rt_valtype fr = rt_valtype_ref(true, RT_HT_MAKE_ABS(RT_HT_FUNC));
	rt_valtype nf = rt_valtype_ref(false, RT_HT_MAKE_ABS(RT_HT_NOFUNC));
	cr_assert(rt_types_val_match(nf, fr));
	cr_assert_not(rt_types_val_match(fr, nf));
}

Test(instance, trap_messages)
{
	cr_assert_str_eq(rt_trap_message(RT_TRAP_INT_DIV_ZERO), "integer divide by zero");
	cr_assert_str_eq(rt_trap_message(RT_TRAP_STACK_EXHAUSTED), "call stack exhausted");
	cr_assert_str_eq(rt_trap_message(RT_TRAP_OUT_OF_FUEL), "all fuel consumed");
}

Test(instance, object_limits)
{
	rt_store_config cfg;
	rt_store_config_default(&cfg);
	cfg.max_memories = 1;
	cfg.max_tables = 1;
	rt_store *s = rt_store_new(&cfg);
	rt_limits ml = {.min = 0, .page_log2 = 16};
	rt_limits tl = {.min = 0};
	rt_valtype fr = rt_valtype_ref(true, RT_HT_MAKE_ABS(RT_HT_FUNC));
	cmn_error err;
	cr_assert_not_null(rt_memory_new(s, &ml, &err));
	cr_assert_null(rt_memory_new(s, &ml, &err));
	cr_assert_str_eq(err.msg, "memory limit reached");
	cr_assert_not_null(rt_table_new(s, fr, &tl, NULL, &err));
	cr_assert_null(rt_table_new(s, fr, &tl, NULL, &err));
	cr_assert_str_eq(err.msg, "table limit reached");
	rt_store_free(s);
}

Test(instance, instance_limit)
{
	if (!TESTMOD_HAVE_CODE)
		cr_skip_test("x86-64 only");
	rt_loaded *l = load_testmod();
	rt_store_config cfg;
	rt_store_config_default(&cfg);
	cfg.max_instances = 1;
	rt_store *s = rt_store_new(&cfg);
	rt_instance *inst;
	rt_outcome out;
	cr_assert(rt_instantiate(s, l, NULL, 0, &inst, &out), "%s", out.msg);
	cr_assert_not(rt_instantiate(s, l, NULL, 0, &inst, &out));
	cr_assert_str_eq(out.msg, "instance limit reached");
	rt_store_free(s);
	rt_loaded_free(l);
}
