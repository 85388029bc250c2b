/*
 * wasmc/imports.h - client-provided imports: functions the guest calls that
 * run in this process, as callbacks.
 *
 * Define (module, name) -> callback pairs in a wasmc_imports object and pass
 * it to wasmc_instance_new(). Only definitions matching a function import
 * of the module are used; imports left undefined are satisfied by the
 * daemon (WASI, built-in interfaces) or instantiation fails with
 * WASMC_ERR_LINK_FAILED.
 *
 * When the guest calls such an import during wasmc_instance_call(), the
 * callback runs on the thread that made that call, before the call
 * returns. The callback may call exports of the same instance (or of any
 * other instance): such nested calls are carried by the host call that is
 * running, to any depth. It must not free the instance it runs in.
 *
 * Thread-safety: a wasmc_imports object may be read by many threads at once
 * (instantiating), but defining must not race with any other use.
 * Instances copy what they need: the object may be freed right after
 * wasmc_instance_new(). `env` pointers are borrowed and must stay valid as
 * long as any instance created with them lives.
 */
#ifndef WASMC_IMPORTS_H
#define WASMC_IMPORTS_H

#include <stddef.h>

#include <wasmc/error.h>
#include <wasmc/val.h>
#include <wasmc/visibility.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wasmc_imports wasmc_imports;

/* A client-provided function. `args` has the import's parameter types
 * (borrowed, valid during the call). `results` has `nresults` slots whose
 * `kind` is already set to the import's result types: write the values
 * (keep the kinds). Return NULL on success, or a trap message: the guest
 * traps with WASMC_TRAP_HOST and that message. The library copies the
 * message before the callback's caller continues and never frees it (use a
 * static string or one `env` owns). A result of the wrong kind is a trap. */
typedef const char *(*wasmc_func_callback)(void *env, const wasmc_val *args,
                                            size_t nargs, wasmc_val *results,
                                            size_t nresults);

/* A new, empty set of imports (NULL when out of memory). */
WASMC_API wasmc_imports *wasmc_imports_new(void);

/* Defines `module`.`name` (UTF-8, copied) as `callback` with `env`.
 * Redefining a pair replaces it. WASMC_ERR_BAD_ARGUMENT for NULL or
 * invalid UTF-8 strings or a NULL callback. */
WASMC_API wasmc_error *wasmc_imports_define_func(wasmc_imports *imports,
                                                 const char *module,
                                                 const char *name,
                                                 wasmc_func_callback callback,
                                                 void *env);

/* Releases the set (instances made with it are not affected). Accepts
 * NULL. */
WASMC_API void wasmc_imports_free(wasmc_imports *imports);

#ifdef __cplusplus
}
#endif

#endif
