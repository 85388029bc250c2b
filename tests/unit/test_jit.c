/*
 * test_jit.c - the compiler (jit/): small modules compiled, mapped and run
 * against a minimal hand-made instance (vmctx, services, memory, table,
 * globals, funcrefs) in both tiers; the image's entry points; the static
 * linker's refusals (undefined symbols, unsupported relocations, writable
 * sections); GC and exception handling refused; many functions compiled in
 * chunks on several threads.
 */
#include <criterion/criterion.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <llvm-c/Core.h>

#include "jit.h"
#include "jit_int.h"
#include "jit_link.h"
#include "rt_abi.h"
#include "rt_module.h"
#include "test_builder.h"
#include "wb_decode.h"
#include "wb_validate.h"

/* ---------------------------------------------------------------------------
 * The test module (bytes from wat2wasm --enable-tail-call):
 *
 * (module
 *   (type $bin (func (param i32 i32) (result i32)))
 *   (import "env" "host" (func $host (param i32) (result i32)))
 *   (memory 1)
 *   (table 3 funcref)
 *   (global $g (mut i64) (i64.const 5))
 *   (elem (i32.const 0) $add $sub)
 *   (func $add (export "add") (type $bin) (i32.add (local.get 0) (local.get 1)))
 *   (func $sub (type $bin) (i32.sub (local.get 0) (local.get 1)))
 *   (func $sum (export "sum") (param $n i32) (result i32) (local $acc i32)
 *     (block $out
 *       (loop $l
 *         (br_if $out (i32.eqz (local.get $n)))
 *         (local.set $acc (i32.add (local.get $acc) (local.get $n)))
 *         (local.set $n (i32.sub (local.get $n) (i32.const 1)))
 *         (br $l)))
 *     (local.get $acc))
 *   (func $mem (export "mem") (param $a i32) (param $v i32) (result i32)
 *     (i32.store offset=4 (local.get $a) (local.get $v))
 *     (i32.load8_u offset=4 (local.get $a)))
 *   (func $div (export "div") (type $bin) (i32.div_s (local.get 0) (local.get 1)))
 *   (func $unreach (export "unreach") unreachable)
 *   (func $callhost (export "callhost") (param i32) (result i32)
 *     (i32.mul (call $host (local.get 0)) (i32.const 2)))
 *   (func $indirect (export "indirect") (param i32 i32 i32) (result i32)
 *     (call_indirect (type $bin) (local.get 1) (local.get 2) (local.get 0)))
 *   (func $recurse (export "recurse") (param i32) (result i32)
 *     (i32.add (call $recurse (local.get 0)) (i32.const 1)))
 *   (func $multi (export "multi") (param f64) (result i32 i64 f64)
 *     (global.set $g (i64.add (global.get $g) (i64.const 1)))
 *     (i32.const 7) (global.get $g) (f64.mul (local.get 0) (f64.const 0.5)))
 *   (func $count (export "count") (param $n i32) (result i32)
 *     (return_call $count2 (local.get $n) (i32.const 0)))
 *   (func $count2 (param $n i32) (param $acc i32) (result i32)
 *     (if (result i32) (i32.eqz (local.get $n))
 *       (then (local.get $acc))
 *       (else (return_call $count2 (i32.sub (local.get $n) (i32.const 1))
 *                                  (i32.add (local.get $acc) (i32.const 1))))))
 *   (func $fmin (export "fmin") (param f32 f32) (result f32) (f32.min (local.get 0) (local.get 1)))
 *   (func $trunc (export "trunc") (param f64) (result i32) (i32.trunc_f64_s (local.get 0)))
 *   (func $simd (export "simd") (param i32) (result i32)
 *     (i32x4.extract_lane 2 (i32x4.mul (i32x4.splat (local.get 0)) (v128.const i32x4 1 2 3 4))))
 *   (func $dropload (export "dropload") (param i32)
 *     (drop (i32.load offset=8 (local.get 0))))
 *   (func $countmany (export "countmany") (param $n i32) (result i32)
 *     (return_call $cm (local.get $n) (i32.const 0) (i32.const 1) (i32.const 2)
 *       (i32.const 3) (i32.const 4) (i32.const 5) (i32.const 6) (i32.const 7)
 *       (i64.const 8) (f64.const 9) (i32.const 10)))
 *   (func $cm (param $n i32) (param $acc i32) (param i32 i32 i32 i32 i32 i32 i32)
 *             (param i64 f64 i32) (result i32)
 *     (if (result i32) (i32.eqz (local.get $n))
 *       (then (i32.add (local.get $acc) (local.get 11)))
 *       (else (return_call $cm (i32.sub (local.get $n) (i32.const 1))
 *               (i32.add (local.get $acc) (local.get 2))
 *               (local.get 2) (local.get 3) (local.get 4) (local.get 5)
 *               (local.get 6) (local.get 7) (local.get 8) (local.get 9)
 *               (local.get 10) (local.get 11)))))
 *   (func $manyresults (export "manyresults") (param i32) (result i32)
 *     (call $mr (local.get 0))
 *     (drop) (drop) (i32.add) (i32.add) (i32.add) (i32.add))
 *   (func $mr (param i32) (result i32 i32 i32 i32 i32 f32 f64)
 *     (return_call $mr2 (local.get 0)))
 *   (func $mr2 (param i32) (result i32 i32 i32 i32 i32 f32 f64)
 *     (local.get 0) (i32.const 1) (i32.const 2) (i32.const 3) (i32.const 4)
 *     (f32.const 2) (f64.const 1))
 * )
 */
static const uint8_t MODULE[] = {
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x47, 0x0a, 0x60,
	0x02, 0x7f, 0x7f, 0x01, 0x7f, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x60, 0x00,
	0x00, 0x60, 0x03, 0x7f, 0x7f, 0x7f, 0x01, 0x7f, 0x60, 0x01, 0x7c, 0x03,
	0x7f, 0x7e, 0x7c, 0x60, 0x02, 0x7d, 0x7d, 0x01, 0x7d, 0x60, 0x01, 0x7c,
	0x01, 0x7f, 0x60, 0x01, 0x7f, 0x00, 0x60, 0x0c, 0x7f, 0x7f, 0x7f, 0x7f,
	0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7e, 0x7c, 0x7f, 0x01, 0x7f, 0x60, 0x01,
	0x7f, 0x07, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7d, 0x7c, 0x02, 0x0c, 0x01,
	0x03, 0x65, 0x6e, 0x76, 0x04, 0x68, 0x6f, 0x73, 0x74, 0x00, 0x01, 0x03,
	0x16, 0x15, 0x00, 0x00, 0x01, 0x00, 0x00, 0x02, 0x01, 0x03, 0x01, 0x04,
	0x01, 0x00, 0x05, 0x06, 0x01, 0x07, 0x01, 0x08, 0x01, 0x09, 0x09, 0x04,
	0x04, 0x01, 0x70, 0x00, 0x03, 0x05, 0x03, 0x01, 0x00, 0x01, 0x06, 0x06,
	0x01, 0x7e, 0x01, 0x42, 0x05, 0x0b, 0x07, 0x8e, 0x01, 0x10, 0x03, 0x61,
	0x64, 0x64, 0x00, 0x01, 0x03, 0x73, 0x75, 0x6d, 0x00, 0x03, 0x03, 0x6d,
	0x65, 0x6d, 0x00, 0x04, 0x03, 0x64, 0x69, 0x76, 0x00, 0x05, 0x07, 0x75,
	0x6e, 0x72, 0x65, 0x61, 0x63, 0x68, 0x00, 0x06, 0x08, 0x63, 0x61, 0x6c,
	0x6c, 0x68, 0x6f, 0x73, 0x74, 0x00, 0x07, 0x08, 0x69, 0x6e, 0x64, 0x69,
	0x72, 0x65, 0x63, 0x74, 0x00, 0x08, 0x07, 0x72, 0x65, 0x63, 0x75, 0x72,
	0x73, 0x65, 0x00, 0x09, 0x05, 0x6d, 0x75, 0x6c, 0x74, 0x69, 0x00, 0x0a,
	0x05, 0x63, 0x6f, 0x75, 0x6e, 0x74, 0x00, 0x0b, 0x04, 0x66, 0x6d, 0x69,
	0x6e, 0x00, 0x0d, 0x05, 0x74, 0x72, 0x75, 0x6e, 0x63, 0x00, 0x0e, 0x04,
	0x73, 0x69, 0x6d, 0x64, 0x00, 0x0f, 0x08, 0x64, 0x72, 0x6f, 0x70, 0x6c,
	0x6f, 0x61, 0x64, 0x00, 0x10, 0x09, 0x63, 0x6f, 0x75, 0x6e, 0x74, 0x6d,
	0x61, 0x6e, 0x79, 0x00, 0x11, 0x0b, 0x6d, 0x61, 0x6e, 0x79, 0x72, 0x65,
	0x73, 0x75, 0x6c, 0x74, 0x73, 0x00, 0x13, 0x09, 0x08, 0x01, 0x00, 0x41,
	0x00, 0x0b, 0x02, 0x01, 0x02, 0x0a, 0xe1, 0x02, 0x15, 0x07, 0x00, 0x20,
	0x00, 0x20, 0x01, 0x6a, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6b,
	0x0b, 0x21, 0x01, 0x01, 0x7f, 0x02, 0x40, 0x03, 0x40, 0x20, 0x00, 0x45,
	0x0d, 0x01, 0x20, 0x01, 0x20, 0x00, 0x6a, 0x21, 0x01, 0x20, 0x00, 0x41,
	0x01, 0x6b, 0x21, 0x00, 0x0c, 0x00, 0x0b, 0x0b, 0x20, 0x01, 0x0b, 0x0e,
	0x00, 0x20, 0x00, 0x20, 0x01, 0x36, 0x02, 0x04, 0x20, 0x00, 0x2d, 0x00,
	0x04, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6d, 0x0b, 0x03, 0x00,
	0x00, 0x0b, 0x09, 0x00, 0x20, 0x00, 0x10, 0x00, 0x41, 0x02, 0x6c, 0x0b,
	0x0b, 0x00, 0x20, 0x01, 0x20, 0x02, 0x20, 0x00, 0x11, 0x00, 0x00, 0x0b,
	0x09, 0x00, 0x20, 0x00, 0x10, 0x09, 0x41, 0x01, 0x6a, 0x0b, 0x19, 0x00,
	0x23, 0x00, 0x42, 0x01, 0x7c, 0x24, 0x00, 0x41, 0x07, 0x23, 0x00, 0x20,
	0x00, 0x44, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xe0, 0x3f, 0xa2, 0x0b,
	0x08, 0x00, 0x20, 0x00, 0x41, 0x00, 0x12, 0x0c, 0x0b, 0x17, 0x00, 0x20,
	0x00, 0x45, 0x04, 0x7f, 0x20, 0x01, 0x05, 0x20, 0x00, 0x41, 0x01, 0x6b,
	0x20, 0x01, 0x41, 0x01, 0x6a, 0x12, 0x0c, 0x0b, 0x0b, 0x07, 0x00, 0x20,
	0x00, 0x20, 0x01, 0x96, 0x0b, 0x05, 0x00, 0x20, 0x00, 0xaa, 0x0b, 0x1e,
	0x00, 0x20, 0x00, 0xfd, 0x11, 0xfd, 0x0c, 0x01, 0x00, 0x00, 0x00, 0x02,
	0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0xfd,
	0xb5, 0x01, 0xfd, 0x1b, 0x02, 0x0b, 0x08, 0x00, 0x20, 0x00, 0x28, 0x02,
	0x08, 0x1a, 0x0b, 0x23, 0x00, 0x20, 0x00, 0x41, 0x00, 0x41, 0x01, 0x41,
	0x02, 0x41, 0x03, 0x41, 0x04, 0x41, 0x05, 0x41, 0x06, 0x41, 0x07, 0x42,
	0x08, 0x44, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x22, 0x40, 0x41, 0x0a,
	0x12, 0x12, 0x0b, 0x2e, 0x00, 0x20, 0x00, 0x45, 0x04, 0x7f, 0x20, 0x01,
	0x20, 0x0b, 0x6a, 0x05, 0x20, 0x00, 0x41, 0x01, 0x6b, 0x20, 0x01, 0x20,
	0x02, 0x6a, 0x20, 0x02, 0x20, 0x03, 0x20, 0x04, 0x20, 0x05, 0x20, 0x06,
	0x20, 0x07, 0x20, 0x08, 0x20, 0x09, 0x20, 0x0a, 0x20, 0x0b, 0x12, 0x12,
	0x0b, 0x0b, 0x0c, 0x00, 0x20, 0x00, 0x10, 0x14, 0x1a, 0x1a, 0x6a, 0x6a,
	0x6a, 0x6a, 0x0b, 0x06, 0x00, 0x20, 0x00, 0x12, 0x15, 0x0b, 0x1a, 0x00,
	0x20, 0x00, 0x41, 0x01, 0x41, 0x02, 0x41, 0x03, 0x41, 0x04, 0x43, 0x00,
	0x00, 0x00, 0x40, 0x44, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf0, 0x3f,
	0x0b,
};

enum {
	F_HOST, F_ADD, F_SUB, F_SUM, F_MEM, F_DIV, F_UNREACH, F_CALLHOST,
	F_INDIRECT, F_RECURSE, F_MULTI, F_COUNT, F_COUNT2, F_FMIN, F_TRUNC,
	F_SIMD, F_DROPLOAD, F_COUNT_ALL
};

/* ---------------------------------------------------------------------------
 * A minimal instance
 */

static sigjmp_buf trap_env;

/* The fast tier verifies its IR only on request: always in these tests. */
__attribute__((constructor)) static void verify_ir(void)
{
	setenv("WASMC_JIT_VERIFY", "1", 1);
}

__attribute__((noreturn)) static void t_trap(rt_vmctx *vm, uint32_t code)
{
	(void)vm;
	siglongjmp(trap_env, (int)code);
}

__attribute__((noreturn)) static void t_out_of_fuel(rt_vmctx *vm)
{
	(void)vm;
	siglongjmp(trap_env, RT_TRAP_OUT_OF_FUEL);
}

static int64_t t_memory_grow(rt_vmctx *vm, uint32_t mem, uint64_t delta)
{
	(void)vm;
	(void)mem;
	(void)delta;
	return -1;
}

typedef struct inst {
	rt_vmctx vm;
	rt_services svc;
	rt_memory mem;
	rt_memory *mems[1];
	rt_table tab;
	rt_table *tabs[1];
	void *elems[3];
	rt_global glob;
	rt_global *globs[1];
	rt_funcref *fr;
	rt_funcref **funcs;
	uint32_t type_ids[16];
	rt_hostfunc host;
	uint8_t *code;
	size_t code_size;
	rt_module *mod;
	rt_image *img;
	int64_t fuel;
	uint32_t interrupt;
} inst;

static void host_invoke(rt_hostfunc *self, rt_val *args)
{
	(void)self;
	args[0].i32 = args[0].i32 + 100;
}

static rt_module *decode_with(const uint8_t *bytes, size_t n, wb_features feat)
{
	rt_module *mod = NULL;
	cmn_error err = {0};

	cr_assert(wb_decode(bytes, n, feat, &mod, &err), "%s", err.msg);
	cr_assert(wb_validate(mod, feat, &err), "%s", err.msg);
	return mod;
}

static rt_module *decode(const uint8_t *bytes, size_t n)
{
	return decode_with(bytes, n, WB_FEAT_DEFAULT);
}

static void image_sane(const rt_module *mod, const rt_image *img)
{
	uint32_t i;

	cr_assert_gt(img->text_size, 0);
	cr_assert_eq(img->nfuncs, mod->nfuncs - mod->nfuncs_imported);
	cr_assert_eq(img->ntypes, mod->ntypes);
	cr_assert_eq(img->nimports, mod->nfuncs_imported);
	for (i = 0; i < img->nfuncs; i++)
		cr_assert_lt(img->func_off[i], img->text_size);
	for (i = 0; i < mod->nfuncs; i++)
		cr_assert_lt(img->tramp_off[mod->funcs[i].type], img->text_size);
	for (i = 0; i < img->nimports; i++)
		cr_assert_lt(img->adapter_off[i], img->text_size);
	cr_assert_not_null(img->fingerprint);
}

/* Compiles and maps `bytes`; memory of one page (malloc'd: the tests
 * compile with guard_bytes = 0, so every access is checked). */
static void setup(inst *t, const uint8_t *bytes, size_t n,
                  const jit_options *opt)
{
	cmn_error err = {0};
	uint32_t i;
	uint8_t here;

	memset(t, 0, sizeof(*t));
	t->mod = decode(bytes, n);
	cr_assert(jit_compile(t->mod, WB_FEAT_DEFAULT, opt, &t->img, &err),
	          "%s", err.msg);
	image_sane(t->mod, t->img);
	t->code_size = (t->img->text_size + 4095) & ~(size_t)4095;
	t->code = mmap(NULL, t->code_size, PROT_READ | PROT_WRITE,
	               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(t->code, MAP_FAILED);
	memcpy(t->code, t->img->text, t->img->text_size);
	cr_assert_eq(mprotect(t->code, t->code_size, PROT_READ | PROT_EXEC), 0);

	t->svc.trap = t_trap;
	t->svc.memory_grow = t_memory_grow;
	t->vm.svc = &t->svc;
	t->vm.stack_limit = (uintptr_t)&here - (1u << 20);
	t->fuel = INT64_MAX / 2;
	t->vm.fuel = &t->fuel;
	t->vm.interrupt = &t->interrupt;
	t->mem.size = 65536;
	t->mem.base = calloc(1, 65536);
	t->mems[0] = &t->mem;
	t->vm.memories = t->mems;
	t->vm.mem0_base = t->mem.base;
	t->tab.elems = t->elems;
	t->tab.size = 3;
	t->tabs[0] = &t->tab;
	t->vm.tables = t->tabs;
	t->glob.val.i64 = 5;
	t->globs[0] = &t->glob;
	t->vm.globals = t->globs;
	for (i = 0; i < t->mod->ntypes && i < 16; i++)
		t->type_ids[i] = t->mod->types[i].canon + 1;
	t->vm.type_ids = t->type_ids;
	t->host.invoke = host_invoke;
	t->fr = calloc(t->mod->nfuncs + 1, sizeof(*t->fr));
	t->funcs = calloc(t->mod->nfuncs + 1, sizeof(*t->funcs));
	cr_assert(t->fr && t->funcs);
	for (i = 0; i < t->mod->nfuncs; i++) {
		uint32_t ty = t->mod->funcs[i].type;

		if (i < t->mod->nfuncs_imported) {
			t->fr[i].code = t->code + t->img->adapter_off[i];
			t->fr[i].vmctx = &t->host;
		} else {
			t->fr[i].code =
				t->code + t->img->func_off[i - t->mod->nfuncs_imported];
			t->fr[i].vmctx = &t->vm;
		}
		t->fr[i].tramp =
			(rt_tramp_fn)(void *)(t->code + t->img->tramp_off[ty]);
		t->fr[i].type_id = t->type_ids[ty];
		t->funcs[i] = &t->fr[i];
	}
	t->vm.funcs = t->funcs;
	if (t->mod->nfuncs > F_SUB) {
		t->elems[0] = &t->fr[F_ADD];
		t->elems[1] = &t->fr[F_SUB];
	}
}

static void teardown(inst *t)
{
	munmap(t->code, t->code_size);
	free(t->mem.base);
	free(t->fr);
	free(t->funcs);
	rt_image_free(t->img);
	rt_module_free(t->mod);
}

/* Calls function `fi` through its trampoline; 0 or the trap code. */
static int invoke(inst *t, uint32_t fi, rt_val *args)
{
	int code = sigsetjmp(trap_env, 1);

	if (code != 0)
		return code;
	t->fr[fi].tramp(t->fr[fi].vmctx, t->fr[fi].code, args);
	return 0;
}

static int32_t call_i32(inst *t, uint32_t fi, int32_t a, int32_t b,
                        int32_t c)
{
	rt_val v[3];

	memset(v, 0, sizeof(v));
	v[0].i32 = a;
	v[1].i32 = b;
	v[2].i32 = c;
	cr_assert_eq(invoke(t, fi, v), 0, "function %u trapped", fi);
	return v[0].i32;
}

static int trap_of(inst *t, uint32_t fi, int32_t a, int32_t b)
{
	rt_val v[3];

	memset(v, 0, sizeof(v));
	v[0].i32 = a;
	v[1].i32 = b;
	return invoke(t, fi, v);
}

static void run_module(const jit_options *opt)
{
	inst t;
	rt_val v[3];
	uint32_t bits;

	setup(&t, MODULE, sizeof(MODULE), opt);

	cr_expect_eq(call_i32(&t, F_ADD, 2, 40, 0), 42);
	cr_expect_eq(call_i32(&t, F_ADD, -1, 1, 0), 0);
	cr_expect_eq(call_i32(&t, F_SUM, 100, 0, 0), 5050);
	cr_expect_eq(call_i32(&t, F_SUM, 0, 0, 0), 0);

	/* memory: store at a+4, load8_u back; bounds */
	cr_expect_eq(call_i32(&t, F_MEM, 100, 0x1234, 0), 0x34);
	cr_expect_eq(t.mem.base[104], 0x34);
	cr_expect_eq(t.mem.base[105], 0x12);
	cr_expect_eq(call_i32(&t, F_MEM, 65532 - 4, 7, 0), 7);
	cr_expect_eq(trap_of(&t, F_MEM, 65533 - 4, 7), RT_TRAP_MEMORY_OOB);
	cr_expect_eq(trap_of(&t, F_MEM, -1, 7), RT_TRAP_MEMORY_OOB);

	/* traps */
	cr_expect_eq(call_i32(&t, F_DIV, -9, 2, 0), -4);
	cr_expect_eq(trap_of(&t, F_DIV, 1, 0), RT_TRAP_INT_DIV_ZERO);
	cr_expect_eq(trap_of(&t, F_DIV, INT32_MIN, -1), RT_TRAP_INT_OVERFLOW);
	cr_expect_eq(trap_of(&t, F_UNREACH, 0, 0), RT_TRAP_UNREACHABLE);
	cr_expect_eq(trap_of(&t, F_RECURSE, 0, 0), RT_TRAP_STACK_EXHAUSTED);

	/* host import through the adapter */
	cr_expect_eq(call_i32(&t, F_CALLHOST, 5, 0, 0), 210);

	/* call_indirect: add, sub, undefined, uninitialized */
	cr_expect_eq(call_i32(&t, F_INDIRECT, 0, 9, 4), 13);
	cr_expect_eq(call_i32(&t, F_INDIRECT, 1, 9, 4), 5);
	memset(v, 0, sizeof(v));
	v[0].i32 = 2;
	cr_expect_eq(invoke(&t, F_INDIRECT, v), RT_TRAP_UNINITIALIZED_ELEMENT);
	v[0].i32 = 3;
	cr_expect_eq(invoke(&t, F_INDIRECT, v), RT_TRAP_UNDEFINED_ELEMENT);
	t.elems[2] = &t.fr[F_SUM]; /* wrong type */
	v[0].i32 = 2;
	cr_expect_eq(invoke(&t, F_INDIRECT, v), RT_TRAP_INDIRECT_TYPE);

	/* multi-value results and a mutable global */
	memset(v, 0, sizeof(v));
	v[0].f64 = 3.0;
	cr_expect_eq(invoke(&t, F_MULTI, v), 0);
	cr_expect_eq(v[0].i32, 7);
	cr_expect_eq(v[1].i64, 6);
	cr_expect_eq(v[2].f64, 1.5);
	cr_expect_eq(t.glob.val.i64, 6);

	/* return_call a million times: no stack growth */
	cr_expect_eq(call_i32(&t, F_COUNT, 1000000, 0, 0), 1000000);

	/* float min: -0 < +0, NaN propagates */
	memset(v, 0, sizeof(v));
	v[0].f32 = 0.0f;
	v[1].f32 = -0.0f;
	cr_expect_eq(invoke(&t, F_FMIN, v), 0);
	memcpy(&bits, &v[0].f32, 4);
	cr_expect_eq(bits, 0x80000000u);
	v[0].f32_bits = 0x7fc00001u;
	v[1].f32 = 1.0f;
	cr_expect_eq(invoke(&t, F_FMIN, v), 0);
	cr_expect_eq(v[0].f32_bits & 0x7fc00000u, 0x7fc00000u);

	/* trapping truncation */
	memset(v, 0, sizeof(v));
	v[0].f64 = -7.9;
	cr_expect_eq(invoke(&t, F_TRUNC, v), 0);
	cr_expect_eq(v[0].i32, -7);
	v[0].f64 = 2147483648.0;
	cr_expect_eq(invoke(&t, F_TRUNC, v), RT_TRAP_INT_OVERFLOW);
	v[0].f64_bits = 0x7ff8000000000000ull;
	cr_expect_eq(invoke(&t, F_TRUNC, v), RT_TRAP_INVALID_CONVERSION);

	/* SIMD */
	cr_expect_eq(call_i32(&t, F_SIMD, 5, 0, 0), 15);

	teardown(&t);
}

static jit_options checked(jit_tier tier)
{
	jit_options o;

	jit_options_default(&o);
	o.tier = tier;
	o.guard_bytes = 0;
	o.threads = 1;
	return o;
}

Test(jit, runs_optimized)
{
	jit_options o = checked(JIT_TIER_OPTIMIZED);

	run_module(&o);
}

Test(jit, runs_fast)
{
	jit_options o = checked(JIT_TIER_FAST);

	run_module(&o);
}

Test(jit, runs_with_fuel_and_deadline_checks)
{
	jit_options o = checked(JIT_TIER_FAST);
	inst t;
	int code;

	o.fuel = true;
	o.deadline = true;
	run_module(&o);

	/* fuel runs out in a loop; the service traps */
	setup(&t, MODULE, sizeof(MODULE), &o);
	t.svc.out_of_fuel = t_out_of_fuel;
	t.fuel = 1000;
	code = trap_of(&t, F_SUM, 100000, 0);
	cr_expect_eq(code, RT_TRAP_OUT_OF_FUEL);
	cr_expect_lt(t.fuel, 0);
	/* The instruction count is exact. sum(0) is charged 9: block, loop,
	 * local.get, i32.eqz, br_if, then the exit's end (loop), end (block),
	 * local.get, end (function); every further iteration 12: local.get,
	 * i32.eqz, br_if, local.get, local.get, i32.add, local.set,
	 * local.get, i32.const, i32.sub, local.set, br. */
	static const struct { int32_t n, sum; int64_t fuel; } RUNS[] = {
		{0, 0, 9}, {1, 1, 9 + 12}, {5, 15, 9 + 5 * 12},
	};
	for (size_t i = 0; i < sizeof RUNS / sizeof RUNS[0]; i++) {
		t.fuel = 1000;
		cr_expect_eq(call_i32(&t, F_SUM, RUNS[i].n, 0, 0), RUNS[i].sum);
		cr_expect_eq(1000 - t.fuel, RUNS[i].fuel, "sum(%d) used %lld fuel, expected %lld",
		             RUNS[i].n, (long long)(1000 - t.fuel), (long long)RUNS[i].fuel);
	}
	teardown(&t);
}

static void on_segv(int sig)
{
	(void)sig;
	siglongjmp(trap_env, RT_TRAP_MEMORY_OOB);
}

static void run_guarded(jit_tier tier)
{
	/* default options: accesses rely on a 4 GiB + 2 GiB reservation */
	jit_options o;
	inst t;
	uint8_t *res;
	size_t len = ((size_t)6 << 30) + 65536;

	jit_options_default(&o);
	o.threads = 1;
	o.tier = tier;
	setup(&t, MODULE, sizeof(MODULE), &o);
	res = mmap(NULL, len, PROT_NONE,
	           MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	cr_assert_neq(res, MAP_FAILED);
	cr_assert_eq(mprotect(res, 65536, PROT_READ | PROT_WRITE), 0);
	free(t.mem.base);
	t.mem.base = res;
	t.vm.mem0_base = res;
	cr_expect_eq(call_i32(&t, F_MEM, 65532 - 4, 0x55, 0), 0x55);
	cr_expect_eq(res[65532], 0x55);
	cr_expect_eq(call_i32(&t, F_ADD, 1, 2, 0), 3);
	/* a dropped load still faults in the guard region */
	{
		struct sigaction sa, old_segv;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_segv;
		sa.sa_flags = SA_NODEFER;
		sigaction(SIGSEGV, &sa, &old_segv);
		cr_expect_eq(trap_of(&t, F_DROPLOAD, 65536 - 12, 0), 0);
		cr_expect_eq(trap_of(&t, F_DROPLOAD, 65536 - 11, 0),
		             RT_TRAP_MEMORY_OOB);
		cr_expect_eq(trap_of(&t, F_DROPLOAD, -1, 0), RT_TRAP_MEMORY_OOB);
		sigaction(SIGSEGV, &old_segv, NULL);
	}
	t.mem.base = NULL;
	munmap(res, len);
	teardown(&t);
}

Test(jit, runs_with_guard_region)
{
	run_guarded(JIT_TIER_OPTIMIZED);
	run_guarded(JIT_TIER_FAST);
}

Test(jit, fingerprint)
{
	jit_options o;
	char *a, *b, *c;

	jit_options_default(&o);
	cr_expect_eq(o.tier, JIT_TIER_OPTIMIZED);
	cr_expect_eq(o.guard_bytes, (uint64_t)2 << 30);
	a = jit_fingerprint(&o);
	o.tier = JIT_TIER_FAST;
	b = jit_fingerprint(&o);
	o.cpu = "x86-64-v2";
	c = jit_fingerprint(&o);
	cr_assert(a && b && c);
	cr_expect(strstr(a, "llvm ") != NULL);
	cr_expect(strstr(a, "tier optimized") != NULL);
	cr_expect(strstr(b, "tier fast") != NULL);
	cr_expect(strstr(c, "cpu x86-64-v2") != NULL);
	cr_expect_neq(strcmp(a, b), 0);
	free(a);
	free(b);
	free(c);
}

Test(jit, portable_cpu)
{
	jit_options o = checked(JIT_TIER_OPTIMIZED);

	o.cpu = "x86-64-v2";
	run_module(&o);
}

/* ---------------------------------------------------------------------------
 * Refused features
 */

static void expect_refused(const uint8_t *bytes, size_t n, const char *msg)
{
	rt_module *mod = decode(bytes, n);
	rt_image *img = NULL;
	cmn_error err = {0};
	jit_options o;

	jit_options_default(&o);
	cr_expect_not(jit_compile(mod, WB_FEAT_DEFAULT, &o, &img, &err));
	cr_expect_str_eq(err.msg, msg);
	cr_expect_null(img);
	rt_module_free(mod);
}

Test(jit, gc_refused)
{
	/* (type (struct (field i32))) */
	static const uint8_t m1[] = {
		0, 'a', 's', 'm', 1, 0, 0, 0,
		1, 5, 1, 0x5f, 1, 0x7f, 0,
	};
	/* (func (drop (ref.i31 (i32.const 0)))) */
	static const uint8_t m2[] = {
		0, 'a', 's', 'm', 1, 0, 0, 0,
		1, 4, 1, 0x60, 0, 0,
		3, 2, 1, 0,
		10, 9, 1, 7, 0, 0x41, 0, 0xfb, 0x1c, 0x1a, 0x0b,
	};

	expect_refused(m1, sizeof(m1), "unsupported feature: gc");
	expect_refused(m2, sizeof(m2), "unsupported feature: gc");
}

static void expect_compiled(const uint8_t *bytes, size_t n)
{
	rt_module *mod = decode(bytes, n);
	rt_image *img = NULL;
	cmn_error err = {0};
	jit_options o;

	jit_options_default(&o);
	cr_expect(jit_compile(mod, WB_FEAT_DEFAULT, &o, &img, &err), "%s", err.msg);
	rt_image_free(img);
	rt_module_free(mod);
}

/* The exnref proposal compiles (tests/wast/exceptions.wast runs it); the
 * legacy instructions (try, catch, delegate, rethrow) are refused. */
Test(jit, legacy_exception_handling_refused)
{
	/* (tag (param i32)) */
	static const uint8_t m1[] = {
		0, 'a', 's', 'm', 1, 0, 0, 0,
		1, 5, 1, 0x60, 1, 0x7f, 0,
		13, 3, 1, 0, 0,
	};
	/* (func (local exnref)) */
	static const uint8_t m2[] = {
		0, 'a', 's', 'm', 1, 0, 0, 0,
		1, 4, 1, 0x60, 0, 0,
		3, 2, 1, 0,
		10, 6, 1, 4, 1, 1, 0x69, 0x0b,
	};
	/* (func try end) */
	static const uint8_t m3[] = {
		0, 'a', 's', 'm', 1, 0, 0, 0,
		1, 4, 1, 0x60, 0, 0,
		3, 2, 1, 0,
		10, 7, 1, 5, 0, 0x06, 0x40, 0x0b, 0x0b,
	};

	expect_compiled(m1, sizeof(m1));
	expect_compiled(m2, sizeof(m2));
	rt_module *mod = decode_with(m3, sizeof(m3), WB_FEAT_DEFAULT | WB_FEAT_LEGACY_EH);
	rt_image *img = NULL;
	cmn_error err = {0};
	jit_options o;
	jit_options_default(&o);
	cr_expect_not(jit_compile(mod, WB_FEAT_DEFAULT | WB_FEAT_LEGACY_EH, &o, &img, &err));
	cr_expect_str_eq(err.msg, "unsupported feature: legacy exception handling");
	cr_expect_null(img);
	rt_module_free(mod);
}

/* ---------------------------------------------------------------------------
 * The linker
 */

typedef struct obj {
	uint8_t *p;
	size_t n;
} obj;

/* An object from an LLVM module built by `build`. */
static obj emit(void (*build)(LLVMContextRef, LLVMModuleRef))
{
	jit_options o = checked(JIT_TIER_FAST);
	cmn_error err = {0};
	LLVMTargetMachineRef tm = jit_target_machine(&o, &err);
	LLVMContextRef ctx = LLVMContextCreate();
	LLVMModuleRef m = LLVMModuleCreateWithNameInContext("t", ctx);
	LLVMTargetDataRef dl;
	char *triple;
	obj r = {0};

	cr_assert_not_null(tm, "%s", err.msg);
	triple = LLVMGetTargetMachineTriple(tm);
	LLVMSetTarget(m, triple);
	LLVMDisposeMessage(triple);
	dl = LLVMCreateTargetDataLayout(tm);
	LLVMSetModuleDataLayout(m, dl);
	LLVMDisposeTargetData(dl);
	build(ctx, m);
	cr_assert(jit_emit_object(m, tm, &o, &r.p, &r.n, &err), "%s", err.msg);
	LLVMDisposeModule(m);
	LLVMContextDispose(ctx);
	LLVMDisposeTargetMachine(tm);
	return r;
}

static LLVMValueRef add_fn(LLVMContextRef ctx, LLVMModuleRef m,
                           const char *name, bool hidden)
{
	LLVMTypeRef i32 = LLVMInt32TypeInContext(ctx);
	LLVMValueRef fn = LLVMAddFunction(m, name, LLVMFunctionType(i32, NULL, 0, 0));

	if (hidden)
		LLVMSetVisibility(fn, LLVMHiddenVisibility);
	return fn;
}

/* f() = 42 */
static void build_f_vis(LLVMContextRef ctx, LLVMModuleRef m, bool hidden)
{
	LLVMValueRef fn = add_fn(ctx, m, "f", hidden);
	LLVMBuilderRef b = LLVMCreateBuilderInContext(ctx);

	LLVMPositionBuilderAtEnd(b, LLVMAppendBasicBlockInContext(ctx, fn, ""));
	LLVMBuildRet(b, LLVMConstInt(LLVMInt32TypeInContext(ctx), 42, 0));
	LLVMDisposeBuilder(b);
}

static void build_f(LLVMContextRef ctx, LLVMModuleRef m)
{
	build_f_vis(ctx, m, true);
}

/* g() = f() + 1, f external */
static void build_g_with(LLVMContextRef ctx, LLVMModuleRef m, const char *callee,
                         bool hidden)
{
	LLVMValueRef g = add_fn(ctx, m, "g", true);
	LLVMValueRef f = LLVMGetNamedFunction(m, callee);
	LLVMBuilderRef b = LLVMCreateBuilderInContext(ctx);
	LLVMTypeRef i32 = LLVMInt32TypeInContext(ctx);
	LLVMValueRef r;

	if (f == NULL)
		f = add_fn(ctx, m, callee, hidden);

	LLVMPositionBuilderAtEnd(b, LLVMAppendBasicBlockInContext(ctx, g, ""));
	r = LLVMBuildCall2(b, LLVMFunctionType(i32, NULL, 0, 0), f, NULL, 0, "");
	LLVMBuildRet(b, LLVMBuildAdd(b, r, LLVMConstInt(i32, 1, 0), ""));
	LLVMDisposeBuilder(b);
}

static void build_g(LLVMContextRef ctx, LLVMModuleRef m)
{
	build_g_with(ctx, m, "f", true);
}

static void build_g_memcpy(LLVMContextRef ctx, LLVMModuleRef m)
{
	build_g_with(ctx, m, "memcpy", false);
}

/* f and g in one object, g calling f with a default-visibility (PLT)
 * reference */
static void build_fg(LLVMContextRef ctx, LLVMModuleRef m)
{
	build_f_vis(ctx, m, false);
	build_g(ctx, m);
}

/* a writable global */
static void build_data(LLVMContextRef ctx, LLVMModuleRef m)
{
	LLVMTypeRef i32 = LLVMInt32TypeInContext(ctx);
	LLVMValueRef gv = LLVMAddGlobal(m, i32, "counter");
	LLVMValueRef fn = add_fn(ctx, m, "h", true);
	LLVMBuilderRef b = LLVMCreateBuilderInContext(ctx);

	LLVMSetInitializer(gv, LLVMConstInt(i32, 0, 0));
	LLVMSetVisibility(gv, LLVMHiddenVisibility);
	LLVMPositionBuilderAtEnd(b, LLVMAppendBasicBlockInContext(ctx, fn, ""));
	LLVMBuildStore(b, LLVMConstInt(i32, 1, 0), gv);
	LLVMBuildRet(b, LLVMConstInt(i32, 0, 0));
	LLVMDisposeBuilder(b);
}

static int32_t run_linked(const jit_linked *l, const char *sym)
{
	size_t sz = (l->size + 4095) & ~(size_t)4095;
	uint8_t *code = mmap(NULL, sz, PROT_READ | PROT_WRITE,
	                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t off;
	int32_t r;

	cr_assert(jit_linked_lookup(l, sym, &off));
	memcpy(code, l->text, l->size);
	cr_assert_eq(mprotect(code, sz, PROT_READ | PROT_EXEC), 0);
	r = ((int32_t (*)(void))(void *)(code + off))();
	munmap(code, sz);
	return r;
}

Test(jit_link, resolves_across_objects)
{
	obj f = emit(build_f), g = emit(build_g);
	jit_object objs[2] = {{g.p, g.n}, {f.p, f.n}};
	jit_linked l = {0};
	cmn_error err = {0};
	uint64_t off;

	cr_assert(jit_link(objs, 2, &l, &err), "%s", err.msg);
	cr_expect(jit_linked_lookup(&l, "f", &off));
	cr_expect_lt(off, l.size);
	cr_expect_not(jit_linked_lookup(&l, "nothing", &off));
	cr_expect_eq(run_linked(&l, "g"), 43);
	cr_expect_eq(run_linked(&l, "f"), 42);
	jit_linked_free(&l);
	free(f.p);
	free(g.p);
}

Test(jit_link, undefined_symbol)
{
	obj g = emit(build_g_memcpy), g2 = emit(build_g);
	jit_object o1 = {g.p, g.n}, o2 = {g2.p, g2.n};
	jit_linked l = {0};
	cmn_error err = {0};

	cr_expect_not(jit_link(&o1, 1, &l, &err));
	cr_expect_str_eq(err.msg, "undefined symbol memcpy");
	cr_expect_not(jit_link(&o2, 1, &l, &err));
	cr_expect_str_eq(err.msg, "undefined symbol f");
	free(g.p);
	free(g2.p);
}

Test(jit_link, duplicate_symbol)
{
	obj f = emit(build_f);
	jit_object objs[2] = {{f.p, f.n}, {f.p, f.n}};
	jit_linked l = {0};
	cmn_error err = {0};

	cr_expect_not(jit_link(objs, 2, &l, &err));
	cr_expect_str_eq(err.msg, "duplicate symbol f");
	free(f.p);
}

Test(jit_link, writable_section)
{
	obj d = emit(build_data);
	jit_object o = {d.p, d.n};
	jit_linked l = {0};
	cmn_error err = {0};

	cr_expect_not(jit_link(&o, 1, &l, &err));
	cr_expect(strncmp(err.msg, "writable section .", 18) == 0, "%s",
	          err.msg);
	cr_expect(strstr(err.msg, "not supported") != NULL);
	free(d.p);
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

Test(jit_link, unsupported_relocation)
{
	obj o = emit(build_fg);
	jit_object jo = {o.p, o.n};
	jit_linked l = {0};
	cmn_error err = {0};
	uint64_t shoff = rd64(o.p + 40);
	uint16_t shnum;
	uint32_t i;
	bool patched = false;

	/* the PLT32 call links and runs */
	cr_assert(jit_link(&jo, 1, &l, &err), "%s", err.msg);
	cr_expect_eq(run_linked(&l, "g"), 43);
	jit_linked_free(&l);

	/* turn the first relocation into R_X86_64_64 (absolute) */
	memcpy(&shnum, o.p + 60, 2);
	for (i = 0; i < shnum && !patched; i++) {
		const uint8_t *sh = o.p + shoff + (size_t)i * 64;

		const uint8_t *target =
			o.p + shoff + (size_t)rd32(sh + 44) * 64;

		/* SHT_RELA for an executable section (not .eh_frame) */
		if (rd32(sh + 4) == 4 && rd64(sh + 32) >= 24 &&
		    (rd64(target + 8) & 4)) {
			uint8_t *rel = o.p + rd64(sh + 24);
			uint64_t info = rd64(rel + 8);

			info = (info & ~0xffffffffull) | 1;
			memcpy(rel + 8, &info, 8);
			patched = true;
		}
	}
	cr_assert(patched);
	cr_expect_not(jit_link(&jo, 1, &l, &err));
	cr_expect_str_eq(err.msg, "relocation type 1 not supported");
	free(o.p);
}

/* a read-only global in another object, reached through the GOT */
static void build_ro_def(LLVMContextRef ctx, LLVMModuleRef m)
{
	LLVMTypeRef i32 = LLVMInt32TypeInContext(ctx);
	LLVMValueRef gv = LLVMAddGlobal(m, i32, "answer");

	LLVMSetInitializer(gv, LLVMConstInt(i32, 42, 0));
	LLVMSetGlobalConstant(gv, 1);
}

static void build_ro_use(LLVMContextRef ctx, LLVMModuleRef m)
{
	LLVMTypeRef i32 = LLVMInt32TypeInContext(ctx);
	LLVMValueRef gv = LLVMAddGlobal(m, i32, "answer");
	LLVMValueRef fn = add_fn(ctx, m, "get", true);
	LLVMBuilderRef b = LLVMCreateBuilderInContext(ctx);

	LLVMSetGlobalConstant(gv, 1);
	LLVMPositionBuilderAtEnd(b, LLVMAppendBasicBlockInContext(ctx, fn, ""));
	LLVMBuildRet(b, LLVMBuildLoad2(b, i32, gv, ""));
	LLVMDisposeBuilder(b);
}

Test(jit_link, gotpcrelx_relaxed)
{
	obj d = emit(build_ro_def), u = emit(build_ro_use);
	jit_object objs[2] = {{u.p, u.n}, {d.p, d.n}};
	jit_linked l = {0};
	cmn_error err = {0};

	cr_assert(jit_link(objs, 2, &l, &err), "%s", err.msg);
	cr_expect_eq(run_linked(&l, "get"), 42);
	jit_linked_free(&l);
	free(d.p);
	free(u.p);
}

Test(jit_link, malformed)
{
	static const uint8_t junk[64] = {0x7f, 'E', 'L', 'F'};
	jit_object o = {junk, sizeof(junk)};
	jit_linked l = {0};
	cmn_error err = {0};

	cr_expect_not(jit_link(&o, 1, &l, &err));
	cr_expect(strncmp(err.msg, "malformed object", 16) == 0, "%s", err.msg);
}

/* ---------------------------------------------------------------------------
 * Many functions: chunks on threads, calls across chunks
 */

Test(jit, chunks_on_threads)
{
	enum { N = 3000, ADDS = 40 };
	buf m = {0}, code = {0}, body = {0};
	jit_options o = checked(JIT_TIER_FAST);
	inst t;
	rt_module *mod;
	rt_image *img = NULL;
	cmn_error err = {0};
	uint32_t i, k;
	rt_val v[1];
	static const uint8_t types[] = {1, 0x60, 1, 0x7f, 1, 0x7f};

	put_header(&m);
	put_section(&m, 1, types, sizeof(types));
	{
		buf fs = {0};

		put_u32(&fs, N);
		for (i = 0; i < N; i++)
			put_byte(&fs, 0);
		put_section(&m, 3, fs.p, fs.n);
		free(fs.p);
	}
	{
		/* export "last" = function N-1 */
		buf ex = {0};

		put_u32(&ex, 1);
		put_u32(&ex, 4);
		put(&ex, "last", 4);
		put_byte(&ex, 0);
		put_u32(&ex, N - 1);
		put_section(&m, 7, ex.p, ex.n);
		free(ex.p);
	}
	put_u32(&code, N);
	for (i = 0; i < N; i++) {
		body.n = 0;
		put_byte(&body, 0); /* no locals */
		put_byte(&body, 0x20);
		put_byte(&body, 0);
		if (i > 0) {
			put_byte(&body, 0x10);
			put_u32(&body, i - 1);
			for (k = 0; k < ADDS; k++) {
				put_byte(&body, 0x41);
				put_byte(&body, 1);
				put_byte(&body, 0x6a);
			}
		}
		put_byte(&body, 0x0b);
		put_u32(&code, (uint32_t)body.n);
		put(&code, body.p, body.n);
	}
	put_section(&m, 10, code.p, code.n);

	/* several chunks on four threads give the same image shape */
	mod = decode(m.p, m.n);
	o.threads = 4;
	cr_assert(jit_compile(mod, WB_FEAT_DEFAULT, &o, &img, &err), "%s",
	          err.msg);
	image_sane(mod, img);
	rt_image_free(img);
	rt_module_free(mod);

	/* and run: f(N-1)(x) = x + ADDS*(N-1), through N calls */
	setup(&t, m.p, m.n, &o);
	memset(v, 0, sizeof(v));
	v[0].i32 = 1;
	t.fr[0].tramp = (rt_tramp_fn)(void *)(t.code + t.img->tramp_off[0]);
	{
		int code_ = sigsetjmp(trap_env, 1);

		cr_assert_eq(code_, 0);
		t.fr[0].tramp(&t.vm, t.code + t.img->func_off[N - 1], v);
	}
	cr_expect_eq(v[0].i32, 1 + ADDS * (N - 1));
	teardown(&t);
	free(m.p);
	free(code.p);
	free(body.p);
}
