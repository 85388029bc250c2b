/*
 * greet - the component model's hello world on libwasmc.
 *
 *   greet [--socket PATH] COMPONENT [NAME]
 *
 * COMPONENT implements the world
 *
 *   world root {
 *     import name: func() -> string;
 *     export greet: func() -> string;
 *   }
 *
 * (tests/fixtures/components/greet: greet-c.wasm, greet-js.wasm). The
 * program connects to wasmcd (--socket, else WASMC_SOCKET or the default
 * socket), loads the component, defines the root import `name` as a
 * callback returning NAME (default "Alice"), instantiates, calls `greet`
 * and prints the string it returns: "Hello, Alice!".
 *
 * Exit status: 0 ok, 1 the guest trapped, 2 any other failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wasmc/wasmc.h>

/* The import `name: func() -> string`: `env` is the NAME (a string that
 * outlives the instance); the result is a copy the library takes over. */
static const char *name_callback(void *env, const wasmc_cval *args, size_t nargs,
                                 wasmc_cval *results, size_t nresults)
{
	(void)args;
	if (nargs != 0 || nresults != 1)
		return "name: expected func() -> string";
	wasmc_error *e = wasmc_cval_string_z(env, &results[0]);
	if (e) {
		wasmc_error_free(e);
		return "name: out of memory";
	}
	return NULL;
}

static int report(const char *what, wasmc_error *e)
{
	int status = 2;
	if (wasmc_error_outcome(e) == WASMC_TRAP) {
		fprintf(stderr, "greet: %s: trap (%s): %s\n", what,
		        wasmc_trapcode_name(wasmc_error_trap_code(e)), wasmc_error_message(e));
		status = 1;
	} else {
		fprintf(stderr, "greet: %s: %s\n", what, wasmc_error_message(e));
	}
	wasmc_error_free(e);
	return status;
}

static void usage(void)
{
	fprintf(stderr, "usage: greet [--socket PATH] COMPONENT [NAME]\n");
}

int main(int argc, char **argv)
{
	const char *socket = NULL, *path = NULL, *name = "Alice";
	int npos = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--socket") == 0 && i + 1 < argc) {
			socket = argv[++i];
		} else if (strncmp(argv[i], "--socket=", 9) == 0) {
			socket = argv[i] + 9;
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage();
			return 0;
		} else if (argv[i][0] == '-' && argv[i][1] && npos == 0) {
			usage();
			return 2;
		} else if (npos == 0) {
			path = argv[i], npos++;
		} else if (npos == 1) {
			name = argv[i], npos++;
		} else {
			usage();
			return 2;
		}
	}
	if (path == NULL) {
		usage();
		return 2;
	}

	int status = 2;
	wasmc_conn *conn = NULL;
	wasmc_module *module = NULL;
	wasmc_linker *linker = NULL;
	wasmc_instance *inst = NULL;
	char *greeting = NULL;
	wasmc_error *e = wasmc_conn_open(socket, NULL, &conn);
	if (e) {
		status = report("connect", e);
		goto out;
	}
	e = wasmc_module_load_file(conn, path, WASMC_TIER_DEFAULT, &module);
	if (e) {
		status = report("load", e);
		goto out;
	}
	if (!wasmc_module_is_component(module)) {
		fprintf(stderr, "greet: %s is a core module, not a component\n", path);
		goto out;
	}
	linker = wasmc_linker_new();
	if (linker == NULL) {
		fprintf(stderr, "greet: out of memory\n");
		goto out;
	}
	e = wasmc_linker_define_func(linker, "", "name", name_callback, (void *)name);
	if (e) {
		status = report("define name", e);
		goto out;
	}
	e = wasmc_component_instance_new(module, linker, NULL, &inst);
	if (e) {
		status = report("instantiate", e);
		goto out;
	}
	e = wasmc_component_call_string(inst, "greet", &greeting);
	if (e) {
		status = report("greet", e);
		goto out;
	}
	printf("%s\n", greeting);
	status = 0;
out:
	free(greeting);
	wasmc_instance_free(inst);
	wasmc_linker_free(linker);
	wasmc_module_free(module);
	wasmc_conn_close(conn);
	return status;
}
