/*
 * example-hello - the smallest complete libwasmc program.
 *
 *   example-hello MODULE.wasm [EXPORT [I32...]]
 *
 * Connects to wasmcd (WASMC_SOCKET or the default socket), loads the module
 * (uploaded only when the daemon does not have it yet), defines one import,
 * `env.log(i32)`, that prints its argument, instantiates with a fuel budget,
 * calls EXPORT (default "main") with the given i32 arguments and prints the
 * results. A module that does not import env.log works too.
 *
 * A matching module, in the text format:
 *   (module
 *     (import "env" "log" (func $log (param i32)))
 *     (func (export "main") (param i32 i32) (result i32)
 *       (call $log (local.get 0))
 *       (i32.add (local.get 0) (local.get 1))))
 *
 * Exit status: 0 ok, 1 the guest trapped, 2 any other failure.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <wasmc/wasmc.h>

/* env.log: prints its argument. `env` is the program name (a borrowed
 * string that outlives the instance). */
static const char *log_callback(void *env, const wasmc_val *args, size_t nargs,
                                wasmc_val *results, size_t nresults)
{
	(void)results;
	if (nargs != 1 || nresults != 0 || args[0].kind != WASMC_I32)
		return "env.log expects (i32) -> ()";
	printf("%s: guest says %" PRId32 "\n", (const char *)env, wasmc_val_get_i32(&args[0]));
	return NULL;
}

/* Prints what went wrong and returns the exit status for it. */
static int report(const char *what, wasmc_error *e)
{
	int status = 2;
	if (wasmc_error_outcome(e) == WASMC_TRAP) {
		fprintf(stderr, "%s: trap (%s): %s\n", what,
		        wasmc_trapcode_name(wasmc_error_trap_code(e)), wasmc_error_message(e));
		if (wasmc_error_location(e)[0])
			fprintf(stderr, "    at %s\n", wasmc_error_location(e));
		status = 1;
	} else {
		fprintf(stderr, "%s: %s (%s)\n", what, wasmc_error_message(e),
		        wasmc_errcode_name(wasmc_error_code(e)));
	}
	wasmc_error_free(e);
	return status;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s MODULE.wasm [EXPORT [I32...]]\n", argv[0]);
		return 2;
	}
	const char *path = argv[1];
	const char *export_name = argc > 2 ? argv[2] : "main";
	int status = 2;
	wasmc_conn *conn = NULL;
	wasmc_module *module = NULL;
	wasmc_imports *imports = NULL;
	wasmc_instance *instance = NULL;
	wasmc_val *args = NULL, *results = NULL;
	wasmc_error *e;

	e = wasmc_conn_open(NULL, NULL, &conn);
	if (e) {
		status = report("connect", e);
		goto out;
	}
	printf("connected to wasmcd %s\n", wasmc_conn_daemon_version(conn));

	e = wasmc_module_load_file(conn, path, WASMC_TIER_DEFAULT, &module);
	if (e) {
		status = report(path, e);
		goto out;
	}
	printf("module %s (%s)\n", wasmc_module_digest_hex(module),
	       wasmc_module_cached(module) ? "cached" : "compiled");

	imports = wasmc_imports_new();
	if (imports == NULL) {
		fprintf(stderr, "out of memory\n");
		goto out;
	}
	e = wasmc_imports_define_func(imports, "env", "log", log_callback, argv[0]);
	if (e) {
		status = report("define env.log", e);
		goto out;
	}

	wasmc_limits limits = {.fuel = 100000000, .deadline_ms = 10000};
	e = wasmc_instance_new(module, imports, &limits, &instance);
	if (e) {
		status = report("instantiate", e);
		goto out;
	}

	const wasmc_export *ex = wasmc_instance_export_find(instance, export_name);
	if (ex == NULL || ex->type.kind != WASMC_EXTERN_FUNC) {
		fprintf(stderr, "%s: no exported function named %s\n", path, export_name);
		goto out;
	}
	const wasmc_functype *ft = &ex->type.func;
	if ((size_t)(argc - 3 > 0 ? argc - 3 : 0) != ft->nparams) {
		fprintf(stderr, "%s takes %zu argument(s)\n", export_name, ft->nparams);
		goto out;
	}
	args = calloc(ft->nparams + 1, sizeof *args);
	results = calloc(ft->nresults + 1, sizeof *results);
	if (args == NULL || results == NULL) {
		fprintf(stderr, "out of memory\n");
		goto out;
	}
	for (size_t i = 0; i < ft->nparams; i++) {
		/* Any value kind could be parsed from text with wasmc_wave_parse_val;
		 * here the arguments are i32 only, to show the constructors. */
		if (ft->params[i] != WASMC_I32) {
			fprintf(stderr, "%s: parameter %zu is not an i32\n", export_name, i + 1);
			goto out;
		}
		char *end;
		errno = 0;
		long v = strtol(argv[3 + i], &end, 0);
		if (errno || *end || v < INT32_MIN || v > INT32_MAX) {
			fprintf(stderr, "bad i32 argument '%s'\n", argv[3 + i]);
			goto out;
		}
		args[i] = wasmc_val_i32((int32_t)v);
	}

	e = wasmc_instance_call(instance, export_name, args, ft->nparams, results,
	                        ft->nresults);
	if (e) {
		status = report(export_name, e);
		goto out;
	}
	for (size_t i = 0; i < ft->nresults; i++) {
		char text[WASMC_WAVE_VAL_MAX];
		wasmc_wave_format_val(&results[i], text, sizeof text);
		printf("result %zu: %s %s\n", i + 1, wasmc_valkind_name(results[i].kind), text);
	}
	status = 0;
out:
	free(args);
	free(results);
	wasmc_instance_free(instance);
	wasmc_imports_free(imports);
	wasmc_module_free(module);
	wasmc_conn_close(conn);
	return status;
}
