/*
 * example-nested - guest -> client -> guest -> client ... with libwasmc.
 *
 *   example-nested MODULE.wasm [N]
 *
 * The module imports env.reenter(i32) -> i32 (and may import env.log(i32))
 * and exports rec(i32) -> i32 that, for x > 0, returns reenter(x) + 1. The
 * client's reenter calls rec(x - 1) on the same instance from inside the
 * callback: each level is a nested call carried by the host call that is
 * running, so rec(N) returns N after N round trips through this process.
 *
 *   (module
 *     (import "env" "reenter" (func $reenter (param i32) (result i32)))
 *     (func (export "rec") (param i32) (result i32)
 *       (if (result i32) (i32.eqz (local.get 0))
 *         (then (i32.const 0))
 *         (else (i32.add (call $reenter (local.get 0)) (i32.const 1))))))
 *
 * Exit status: 0 ok, 1 trap, 2 other failure.
 */
#include <stdio.h>
#include <stdlib.h>

#include <wasmc/wasmc.h>

static int depth, max_depth;

/* env.reenter(x): calls rec(x - 1) of the instance the guest runs in. */
static const char *reenter(void *env, const wasmc_val *args, size_t nargs,
                           wasmc_val *results, size_t nresults)
{
	static _Thread_local char msg[256];
	(void)env;
	(void)nargs;
	(void)nresults;
	wasmc_instance *self = wasmc_caller_instance();
	wasmc_val arg = wasmc_val_i32(wasmc_val_get_i32(&args[0]) - 1);
	if (++depth > max_depth)
		max_depth = depth;
	wasmc_error *e = wasmc_instance_call(self, "rec", &arg, 1, results, 1);
	depth--;
	if (e) {
		snprintf(msg, sizeof msg, "nested rec failed: %s", wasmc_error_message(e));
		wasmc_error_free(e);
		return msg;
	}
	return NULL;
}

static const char *log_i32(void *env, const wasmc_val *args, size_t nargs,
                           wasmc_val *results, size_t nresults)
{
	(void)env;
	(void)nargs;
	(void)results;
	(void)nresults;
	printf("log %d\n", wasmc_val_get_i32(&args[0]));
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s MODULE.wasm [N]\n", argv[0]);
		return 2;
	}
	int n = argc > 2 ? atoi(argv[2]) : 10;
	int status = 2;
	wasmc_conn *conn = NULL;
	wasmc_module *module = NULL;
	wasmc_imports *imports = NULL;
	wasmc_instance *inst = NULL;
	wasmc_error *e = wasmc_conn_open(NULL, NULL, &conn);
	if (e)
		goto fail;
	e = wasmc_module_load_file(conn, argv[1], WASMC_TIER_DEFAULT, &module);
	if (e)
		goto fail;
	imports = wasmc_imports_new();
	if (imports == NULL)
		goto out;
	if ((e = wasmc_imports_define_func(imports, "env", "reenter", reenter, NULL)) ||
	    (e = wasmc_imports_define_func(imports, "env", "log", log_i32, NULL)))
		goto fail;
	e = wasmc_instance_new(module, imports, NULL, &inst);
	if (e)
		goto fail;
	wasmc_val arg = wasmc_val_i32(n), res;
	e = wasmc_instance_call(inst, "rec", &arg, 1, &res, 1);
	if (e)
		goto fail;
	printf("rec(%d) = %d, %d nested levels\n", n, wasmc_val_get_i32(&res), max_depth);
	status = 0;
	goto out;
fail:
	fprintf(stderr, "%s: %s\n", wasmc_error_outcome(e) == WASMC_TRAP ? "trap" : "error",
	        wasmc_error_message(e));
	status = wasmc_error_outcome(e) == WASMC_TRAP ? 1 : 2;
	wasmc_error_free(e);
out:
	wasmc_instance_free(inst);
	wasmc_imports_free(imports);
	wasmc_module_free(module);
	wasmc_conn_close(conn);
	return status;
}
