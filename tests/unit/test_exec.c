/*
 * test_exec.c - the instance runtime with code from the real compiler
: host function imports through the
 * compiled adapters, host traps, re-entrant calls, fuel, deadlines and
 * interrupts, asynchronous interruption by a signal, stack exhaustion,
 * guard-page traps, memory limits, artifacts with compiled code, and
 * faults outside compiled code keeping their default action.
 *
 * The module (wat2wasm of this text):
 *
 *   (module
 *     (import "host" "add" (func $add (param i32 i32) (result i32)))
 *     (import "host" "fail" (func $fail))
 *     (import "host" "reenter" (func $reenter (param i32) (result i32)))
 *     (memory (export "mem") 1)
 *     (func (export "call_add") (param i32 i32) (result i32)
 *       (call $add (local.get 0) (local.get 1)))
 *     (func (export "call_fail") (call $fail))
 *     (func (export "reenter") (param i32) (result i32) (call $reenter (local.get 0)))
 *     (func (export "double") (param i32) (result i32) (i32.mul (local.get 0) (i32.const 2)))
 *     (func (export "count") (param i32) (result i32) (local i32)
 *       (block (loop
 *         (br_if 1 (i32.eqz (local.get 0)))
 *         (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
 *         (local.set 1 (i32.add (local.get 1) (i32.const 1)))
 *         (br 0)))
 *       (local.get 1))
 *     (func (export "forever") (loop (br 0)))
 *     (func $rec (export "rec") (param i32) (result i32)
 *       (if (result i32) (i32.eqz (local.get 0))
 *         (then (i32.const 0))
 *         (else (i32.add (i32.const 1) (call $rec (i32.sub (local.get 0) (i32.const 1)))))))
 *     (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
 *     (func (export "load") (param i32) (result i32) (i32.load (local.get 0))))
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rt_artifact.h"
#include "rt_instance.h"
#include "rt_store.h"
#include "wh_compile.h"

static const uint8_t EXEC_WASM[] = {
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0f, 0x03, 0x60,
  0x02, 0x7f, 0x7f, 0x01, 0x7f, 0x60, 0x00, 0x00, 0x60, 0x01, 0x7f, 0x01,
  0x7f, 0x02, 0x27, 0x03, 0x04, 0x68, 0x6f, 0x73, 0x74, 0x03, 0x61, 0x64,
  0x64, 0x00, 0x00, 0x04, 0x68, 0x6f, 0x73, 0x74, 0x04, 0x66, 0x61, 0x69,
  0x6c, 0x00, 0x01, 0x04, 0x68, 0x6f, 0x73, 0x74, 0x07, 0x72, 0x65, 0x65,
  0x6e, 0x74, 0x65, 0x72, 0x00, 0x02, 0x03, 0x0a, 0x09, 0x00, 0x01, 0x02,
  0x02, 0x02, 0x01, 0x02, 0x02, 0x02, 0x05, 0x03, 0x01, 0x00, 0x01, 0x07,
  0x57, 0x0a, 0x03, 0x6d, 0x65, 0x6d, 0x02, 0x00, 0x08, 0x63, 0x61, 0x6c,
  0x6c, 0x5f, 0x61, 0x64, 0x64, 0x00, 0x03, 0x09, 0x63, 0x61, 0x6c, 0x6c,
  0x5f, 0x66, 0x61, 0x69, 0x6c, 0x00, 0x04, 0x07, 0x72, 0x65, 0x65, 0x6e,
  0x74, 0x65, 0x72, 0x00, 0x05, 0x06, 0x64, 0x6f, 0x75, 0x62, 0x6c, 0x65,
  0x00, 0x06, 0x05, 0x63, 0x6f, 0x75, 0x6e, 0x74, 0x00, 0x07, 0x07, 0x66,
  0x6f, 0x72, 0x65, 0x76, 0x65, 0x72, 0x00, 0x08, 0x03, 0x72, 0x65, 0x63,
  0x00, 0x09, 0x04, 0x67, 0x72, 0x6f, 0x77, 0x00, 0x0a, 0x04, 0x6c, 0x6f,
  0x61, 0x64, 0x00, 0x0b, 0x0a, 0x6d, 0x09, 0x08, 0x00, 0x20, 0x00, 0x20,
  0x01, 0x10, 0x00, 0x0b, 0x04, 0x00, 0x10, 0x01, 0x0b, 0x06, 0x00, 0x20,
  0x00, 0x10, 0x02, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x41, 0x02, 0x6c, 0x0b,
  0x21, 0x01, 0x01, 0x7f, 0x02, 0x40, 0x03, 0x40, 0x20, 0x00, 0x45, 0x0d,
  0x01, 0x20, 0x00, 0x41, 0x01, 0x6b, 0x21, 0x00, 0x20, 0x01, 0x41, 0x01,
  0x6a, 0x21, 0x01, 0x0c, 0x00, 0x0b, 0x0b, 0x20, 0x01, 0x0b, 0x07, 0x00,
  0x03, 0x40, 0x0c, 0x00, 0x0b, 0x0b, 0x15, 0x00, 0x20, 0x00, 0x45, 0x04,
  0x7f, 0x41, 0x00, 0x05, 0x41, 0x01, 0x20, 0x00, 0x41, 0x01, 0x6b, 0x10,
  0x09, 0x6a, 0x0b, 0x0b, 0x06, 0x00, 0x20, 0x00, 0x40, 0x00, 0x0b, 0x07,
  0x00, 0x20, 0x00, 0x28, 0x02, 0x00, 0x0b
};

typedef struct fixture {
	rt_loaded *l;
	rt_store *s;
	rt_instance *inst;
	rt_funcref *host[3];
} fixture;

static fixture fx;

static const char *host_add(void *env, rt_val *ar)
{
	(void)env;
	ar[0].i32 = ar[0].i32 + ar[1].i32;
	return NULL;
}

static const char *host_fail(void *env, rt_val *ar)
{
	(void)env;
	(void)ar;
	return "host says no";
}

static rt_funcref *export_func(const char *name)
{
	rt_extern ex;
	cr_assert(rt_instance_export(fx.inst, name, strlen(name), &ex), "no export %s", name);
	cr_assert_eq(ex.kind, RT_EXTERN_FUNC);
	return ex.u.func;
}

/* reenter(x): calls the export "double" from inside the host. */
static const char *host_reenter(void *env, rt_val *ar)
{
	(void)env;
	rt_outcome out;
	if (!rt_call(export_func("double"), ar, &out))
		return "nested call failed";
	ar[0].i32 += 1;
	return NULL;
}

static rt_loaded *compile(const jit_options *opt)
{
	rt_loaded *l = NULL;
	cmn_error err;
	cmn_error_clear(&err);
	wh_stage st = wh_compile_load(EXEC_WASM, sizeof EXEC_WASM, WB_FEAT_DEFAULT, opt, &l, &err);
	cr_assert_eq(st, WH_OK, "compile: %s", err.msg);
	return l;
}

static void instantiate(rt_loaded *l, const rt_store_config *cfg)
{
	fx.l = l;
	fx.s = rt_store_new(cfg);
	rt_valtype i32 = rt_valtype_num(RT_I32);
	rt_valtype p2[2] = {i32, i32};
	fx.host[0] = rt_host_func_new(fx.s, 2, p2, 1, p2, host_add, NULL);
	fx.host[1] = rt_host_func_new(fx.s, 0, NULL, 0, NULL, host_fail, NULL);
	fx.host[2] = rt_host_func_new(fx.s, 1, p2, 1, p2, host_reenter, NULL);
	rt_extern imps[3];
	for (int i = 0; i < 3; i++) {
		imps[i].kind = RT_EXTERN_FUNC;
		imps[i].u.func = fx.host[i];
	}
	rt_outcome out;
	cr_assert(rt_instantiate(fx.s, l, imps, 3, &fx.inst, &out), "%s", out.msg);
}

static void setup_with(jit_tier tier, bool fuel, bool deadline, const rt_store_config *cfg)
{
	jit_options opt;
	jit_options_default(&opt);
	opt.tier = tier;
	opt.fuel = fuel;
	opt.deadline = deadline;
	opt.threads = 1;
	instantiate(compile(&opt), cfg);
}

static void teardown(void)
{
	rt_store_free(fx.s);
	rt_loaded_free(fx.l);
	memset(&fx, 0, sizeof fx);
}

/* Calls export `name` with one i32; returns the outcome, and the i32
 * result in *result only when the call returned. */
static rt_outcome call1(const char *name, int32_t arg, int32_t *result)
{
	rt_val v[2];
	memset(v, 0, sizeof v);
	v[0].i32 = arg;
	rt_outcome out;
	rt_call(export_func(name), v, &out);
	if (result && out.kind == RT_OK)
		*result = v[0].i32;
	return out;
}

/* Calls export `name` with one i32, which must return: a trap or failure
 * fails the test (a trapping call leaves the argument in the slot, which
 * would otherwise read as the result). */
static int32_t call_ok(const char *name, int32_t arg)
{
	int32_t r = 0;
	rt_outcome out = call1(name, arg, &r);
	cr_assert_eq(out.kind, RT_OK, "%s(%d): %s", name, arg, out.msg);
	return r;
}

TestSuite(exec, .fini = teardown);

Test(exec, host_functions_and_traps)
{
	for (int t = 0; t < 2; t++) {
		setup_with(t ? JIT_TIER_OPTIMIZED : JIT_TIER_FAST, false, false, NULL);
		rt_val v[2];
		v[0].i32 = 40;
		v[1].i32 = 2;
		rt_outcome out;
		cr_assert(rt_call(export_func("call_add"), v, &out), "%s", out.msg);
		cr_assert_eq(v[0].i32, 42);

		cr_assert_not(rt_call(export_func("call_fail"), v, &out));
		cr_assert_eq(out.trap, RT_TRAP_HOST);
		cr_assert_str_eq(out.msg, "host says no");

		int32_t r;
		out = call1("reenter", 5, &r);
		cr_assert_eq(out.kind, RT_OK, "%s", out.msg);
		cr_assert_eq(r, 11);
		teardown();
	}
}

Test(exec, stack_exhaustion_and_guard_pages)
{
	setup_with(JIT_TIER_FAST, false, false, NULL);
	int32_t r;
	rt_outcome out = call1("rec", 100000000, &r);
	cr_assert_eq(out.kind, RT_TRAPPED);
	cr_assert_str_eq(out.msg, "call stack exhausted");
	out = call1("rec", 1000, &r);
	cr_assert_eq(out.kind, RT_OK, "%s", out.msg);
	cr_assert_eq(r, 1000);
	out = call1("load", 65536, &r);
	cr_assert_eq(out.trap, RT_TRAP_MEMORY_OOB, "%s", out.msg);
	out = call1("load", 65532, &r);
	cr_assert_eq(out.kind, RT_OK, "%s", out.msg);
}

Test(exec, memory_limit)
{
	rt_store_config cfg;
	rt_store_config_default(&cfg);
	cfg.max_memory_bytes = 2 * 65536;
	setup_with(JIT_TIER_FAST, false, false, &cfg);
	cr_assert_eq(call_ok("grow", 1), 1);
	cr_assert_eq(call_ok("grow", 1), -1);
	cr_assert_eq(call_ok("grow", 0), 2);
}

Test(exec, fuel)
{
	rt_store_config cfg;
	rt_store_config_default(&cfg);
	cfg.fuel = 100;
	setup_with(JIT_TIER_FAST, true, false, &cfg);
	int32_t r;
	rt_outcome out = call1("count", 1000, &r);
	cr_assert_eq(out.trap, RT_TRAP_OUT_OF_FUEL, "%s", out.msg);
	cr_assert_str_eq(out.msg, "all fuel consumed");
	rt_store_set_fuel(fx.s, 1000000);
	out = call1("count", 1000, &r);
	cr_assert_eq(out.kind, RT_OK, "%s", out.msg);
	cr_assert_eq(r, 1000);
	int64_t left = rt_store_get_fuel(fx.s);
	cr_assert(left < 1000000 - 1000 && left > 0, "fuel left %lld", (long long)left);
}

Test(exec, deadline)
{
	setup_with(JIT_TIER_OPTIMIZED, false, true, NULL);
	cr_assert(rt_store_set_deadline(fx.s, 50 * 1000000ull));
	rt_outcome out = call1("forever", 0, NULL);
	cr_assert_eq(out.trap, RT_TRAP_DEADLINE, "%s", out.msg);
	/* Still usable afterwards. */
	int32_t r;
	out = call1("double", 4, &r);
	cr_assert_eq(out.kind, RT_OK, "%s", out.msg);
	cr_assert_eq(r, 8);
}

static void *interrupter(void *arg)
{
	usleep(50000);
	rt_store_interrupt(arg);
	return NULL;
}

Test(exec, interrupt_from_another_thread)
{
	setup_with(JIT_TIER_FAST, false, true, NULL);
	pthread_t th;
	pthread_create(&th, NULL, interrupter, fx.s);
	rt_outcome out = call1("forever", 0, NULL);
	pthread_join(th, NULL);
	cr_assert_eq(out.trap, RT_TRAP_DEADLINE, "%s", out.msg);
}

Test(exec, signal_stops_code_without_checks)
{
	setup_with(JIT_TIER_OPTIMIZED, false, false, NULL);
	cr_assert(rt_trap_on_signal(SIGALRM));
	struct itimerval it;
	memset(&it, 0, sizeof it);
	it.it_value.tv_usec = 50000;
	setitimer(ITIMER_REAL, &it, NULL);
	rt_outcome out = call1("forever", 0, NULL);
	cr_assert_eq(out.trap, RT_TRAP_DEADLINE, "%s", out.msg);
}

Test(exec, artifact_with_compiled_code)
{
	char path[] = "/tmp/wasmc-test-exec.XXXXXX";
	int fd = mkstemp(path);
	cr_assert(fd >= 0);
	close(fd);
	jit_options opt;
	jit_options_default(&opt);
	opt.tier = JIT_TIER_FAST;
	opt.threads = 1;
	rt_module *mod;
	rt_consts consts;
	rt_image *img;
	cmn_error err;
	cr_assert_eq(wh_compile(EXEC_WASM, sizeof EXEC_WASM, WB_FEAT_DEFAULT, &opt, &mod, &consts,
	                        &img, &err), WH_OK, "%s", err.msg);
	cr_assert(rt_artifact_write(path, mod, &consts, img, &err), "%s", err.msg);
	char *fp = jit_fingerprint(&opt);
	cr_assert_str_eq(img->fingerprint, fp);
	rt_image_free(img);
	rt_module_free(mod);
	rt_loaded *l = NULL;
	cr_assert(rt_artifact_load(path, fp, &l, &err), "%s", err.msg);
	free(fp);
	unlink(path);
	instantiate(l, NULL);
	int32_t r;
	rt_outcome out = call1("double", 21, &r);
	cr_assert_eq(out.kind, RT_OK, "%s", out.msg);
	cr_assert_eq(r, 42);
	out = call1("load", 1 << 20, &r);
	cr_assert_eq(out.trap, RT_TRAP_MEMORY_OOB, "%s", out.msg);
}

/* A fault outside compiled code is not a trap: the previous disposition
 * applies (the default kills the process; under AddressSanitizer its own
 * handler reports and exits). */
Test(exec, foreign_fault_keeps_default_action)
{
	fflush(NULL);
	pid_t pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		/* Any call installs the runtime's handlers. */
		rt_store *s = rt_store_new(NULL);
		rt_funcref *f = rt_host_func_new(s, 0, NULL, 0, NULL, host_add, NULL);
		rt_val v[2];
		rt_outcome out;
		if (!rt_call(f, v, &out))
			_exit(3);
		volatile int *p = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			_exit(4);
		*p = 1;
		_exit(0);
	}
	int status;
	cr_assert(waitpid(pid, &status, 0) == pid);
#if defined(__SANITIZE_ADDRESS__)
	cr_assert(WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) == 1),
	          "status %d", status);
#else
	cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV, "status %d", status);
#endif
}
