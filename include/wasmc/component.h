/*
 * wasmc/component.h - components: their imports and exports, a linker for
 * client-provided imports (functions and resources as callbacks),
 * instances and calls with component values.
 *
 *   wasmc_module *m;     wasmc_module_load_file(conn, "greet.wasm", 0, &m)
 *                        (any input; wasmc_module_is_component(m) tells)
 *   wasmc_linker *l = wasmc_linker_new();
 *   wasmc_linker_define_func(l, "", "name", name_cb, env);
 *   wasmc_instance *inst;
 *   wasmc_component_instance_new(m, l, NULL, &inst);
 *   char *s;  wasmc_component_call_string(inst, "greet", &s);
 *   ... free(s); wasmc_instance_free(inst); wasmc_linker_free(l);
 *
 * Names: an export is named "item" at the root or "interface#item" inside
 * an exported interface ("example:resources/counters#[method]counter.inc").
 * Linker definitions name the import's interface ("" at the root) and the
 * item; an interface with a version is matched semver-compatibly (a
 * definition of "x:y/z@0.2.3" satisfies an import of "x:y/z@0.2.0"; for
 * 0.x the minor, for 1.x and up the major must agree).
 *
 * Callbacks run on the thread that made the call, before it returns, as
 * for core imports (wasmc/imports.h): they may call the same instance
 * again (nested calls, carried by the running host call), and must not
 * free it.
 *
 * Client resources: define a resource type with a destructor; values of
 * it travel as own/borrow handles whose number is the client's own
 * representation ("rep", any uint64 the client chooses, e.g. an index in
 * its table). The guest drops an owned handle by calling the destructor
 * (on the calling thread, during a call).
 *
 * Thread-safety: as wasmc/instance.h (one call at a time per instance,
 * serialized by the library); a linker is read by wasmc_component_instance_new
 * and may be freed right afterwards; `env` pointers must outlive every
 * instance made with them.
 */
#ifndef WASMC_COMPONENT_H
#define WASMC_COMPONENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <wasmc/ctype.h>
#include <wasmc/cval.h>
#include <wasmc/error.h>
#include <wasmc/instance.h>
#include <wasmc/module.h>
#include <wasmc/visibility.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- a loaded component (a wasmc_module whose input is a component) ---- */

/* True when the module is a component (then the core import/export lists
 * are empty and these functions describe it). */
WASMC_API bool wasmc_module_is_component(const wasmc_module *module);

/* Imports and exports in the component's order (0 / NULL for a core
 * module or i out of range). Owned by the module. */
WASMC_API size_t wasmc_component_import_count(const wasmc_module *module);
WASMC_API const wasmc_citem *wasmc_component_import_get(const wasmc_module *module,
                                                        size_t i);
WASMC_API size_t wasmc_component_export_count(const wasmc_module *module);
WASMC_API const wasmc_citem *wasmc_component_export_get(const wasmc_module *module,
                                                        size_t i);
/* The export "item" or "interface#item", or NULL. */
WASMC_API const wasmc_citem *wasmc_component_export_find(const wasmc_module *module,
                                                         const char *name);

/* The component's imports and exports as a WIT world ("world root {
 * import name: func() -> string; export greet: func() -> string; }"),
 * interfaces grouped, named types declared, resources with their
 * methods. *ret_text is new (free()). WASMC_ERR_BAD_ARGUMENT for a core
 * module. */
WASMC_API wasmc_error *wasmc_component_wit(const wasmc_module *module,
                                           char **ret_text);

/* ---- the linker ---- */

typedef struct wasmc_linker wasmc_linker;

/* A client-provided component function. `args` (borrowed, valid during
 * the call) have the import's parameter types, already checked.
 * `results` has `nresults` slots of kind WASMC_CK_NONE: store one value
 * of the import's result type in each (the library takes them over and
 * drops them). Return NULL on success or a trap message (copied; never
 * freed by the library): the guest traps with WASMC_TRAP_HOST. Results
 * that do not match the types are a trap naming what is wrong. */
typedef const char *(*wasmc_cfunc_callback)(void *env, const wasmc_cval *args,
                                            size_t nargs, wasmc_cval *results,
                                            size_t nresults);

/* The destructor of a client resource: the guest dropped the owned
 * handle whose rep is `rep`. */
typedef void (*wasmc_resource_dtor)(void *env, uint64_t rep);

/* A new, empty linker (NULL when out of memory). */
WASMC_API wasmc_linker *wasmc_linker_new(void);
/* Accepts NULL. Instances made with the linker are not affected. */
WASMC_API void wasmc_linker_free(wasmc_linker *linker);

/* Defines the function `name` of interface `instance` ("" or NULL for a
 * root import): plain functions, and resource functions by their
 * component names ("[constructor]logger", "[method]logger.log",
 * "[static]logger.open"). Strings are copied; redefining replaces.
 * WASMC_ERR_BAD_ARGUMENT for NULL name or callback or invalid UTF-8. */
WASMC_API wasmc_error *wasmc_linker_define_func(wasmc_linker *linker,
                                                const char *instance,
                                                const char *name,
                                                wasmc_cfunc_callback callback,
                                                void *env);

/* Defines the resource type `name` of `instance` ("" or NULL: root);
 * `dtor` (may be NULL) runs when the guest drops an owned handle. */
WASMC_API wasmc_error *wasmc_linker_define_resource(wasmc_linker *linker,
                                                    const char *instance,
                                                    const char *name,
                                                    wasmc_resource_dtor dtor,
                                                    void *env);

/* ---- instances and calls ---- */

/* Instantiates the component `module` in a new worker. Every function and
 * resource import the linker defines is provided by this client; the
 * others must be provided by the daemon's worker (built-in interfaces),
 * else WASMC_ERR_LINK_FAILED naming the import. `linker` and `limits` may
 * be NULL; both are only read during the call. The instance keeps the
 * component's types (the module may be freed). Free the instance with
 * wasmc_instance_free(). WASMC_ERR_BAD_ARGUMENT for a core module. */
WASMC_API wasmc_error *wasmc_component_instance_new(wasmc_module *module,
                                                    const wasmc_linker *linker,
                                                    const wasmc_limits *limits,
                                                    wasmc_instance **ret_instance);

/* The export `name` of a component instance ("item" or
 * "interface#item"), or NULL. Owned by the instance. */
WASMC_API const wasmc_citem *wasmc_component_instance_export_find(
	const wasmc_instance *instance, const char *name);

/* Calls the exported function `name` with `nargs` arguments (borrowed;
 * checked against the parameter types). On success *ret_results is a new
 * array of *ret_nresults values (free with wasmc_cvals_free; NULL when
 * there are none). The three outcomes of wasmc_instance_call: NULL (OK),
 * a trap (WASMC_TRAP: code, message) or an error (WASMC_ERROR:
 * WASMC_ERR_NOT_FOUND for an unknown export, WASMC_ERR_BAD_ARGUMENT
 * naming a wrong argument, WASMC_ERR_PROTOCOL for results that do not
 * match the type, worker and transport errors). */
WASMC_API wasmc_error *wasmc_component_call(wasmc_instance *instance,
                                            const char *name,
                                            const wasmc_cval *args, size_t nargs,
                                            wasmc_cval **ret_results,
                                            size_t *ret_nresults);

/* Gives back the owned handle `handle` of the guest resource type
 * `resource` ("counter" at the root, "interface#counter" inside an
 * exported interface): its destructor runs in the guest, and the handle
 * is gone. The three outcomes of wasmc_component_call (an unknown handle,
 * or one lent to a call in progress, is a trap). */
WASMC_API wasmc_error *wasmc_component_resource_drop(wasmc_instance *instance,
                                                     const char *resource, uint64_t handle);

/* Typed convenience calls; WASMC_ERR_BAD_ARGUMENT when the export's type
 * is not the one named. */
/* func() -> string: *ret_string is new (free()), NUL-terminated. */
WASMC_API wasmc_error *wasmc_component_call_string(wasmc_instance *instance,
                                                   const char *name,
                                                   char **ret_string);
/* func(string) -> string. */
WASMC_API wasmc_error *wasmc_component_call_string_string(wasmc_instance *instance,
                                                          const char *name,
                                                          const char *arg,
                                                          char **ret_string);
/* func() (no parameters, no results). */
WASMC_API wasmc_error *wasmc_component_call_void(wasmc_instance *instance,
                                                 const char *name);
/* func(u32...) -> u32 style: every parameter and the one result of an
 * integer kind (s8..u64; bool too); arguments are converted with range
 * checks (WASMC_ERR_BAD_ARGUMENT when one does not fit; a u64 parameter
 * takes the argument's bits). A u64 result above INT64_MAX is returned
 * as its bits (cast to uint64_t to read it). */
WASMC_API wasmc_error *wasmc_component_call_int(wasmc_instance *instance,
                                                const char *name,
                                                const int64_t *args, size_t nargs,
                                                int64_t *ret_result);

#ifdef __cplusplus
}
#endif

#endif
