/*
 * cm_exec.h - running a component: the instantiation plan (cm_plan.h)
 * executed over core modules that are already loaded, and calls of its
 * exports with component values (cm_val.h), in the exec worker or in any
 * process that has the runtime.
 *
 * Dependencies: runtime/ (rt_store, rt_instance, rt_artifact) and the
 * canonical ABI (cm_abi, cm_handles, cm_val, cm_type, cm_plan_serial.c).
 * No binary parser: cm_exec*.c include no wasm/, jit/, cm_decode or
 * cm_validate header (mk/cexec.mk's link check builds them with runtime/
 * and common/ only).
 *
 * What the caller provides:
 *   - the plan (cm_plan_deserialize of the artifact's plan bytes, or
 *     cm_plan_build in process);
 *   - one rt_loaded per plan module (plan->nmodules, in plan order),
 *     mapped by the caller (rt_artifact_load_fd in the worker,
 *     wh_compile_load in process); each is checked against its step
 *     (import count and kinds; rt_instantiate checks the types);
 *   - a store (rt_store_new, with the instance's limits): every core
 *     instance, memory, table and host function the component creates
 *     lives in it;
 *   - a cm_host: the callbacks for the component's host imports
 *     (plan->func_imports, plan->resource_imports). NULL (or a NULL
 *     `call`) is refused when the plan has function imports.
 * Ownership: cm_exec_new copies the cm_host struct and borrows the plan,
 * the module array and its modules, the store and host->env: all must
 * outlive the cm_exec. Free the cm_exec first, then the store, then the
 * modules (rt_loaded_free needs the store's instances gone) and the
 * plan.

 * Component instances: each inlined component instance has its own
 * may_enter / may_leave flags and resource handle table. A call into an
 * instance (an export called by the host, a component-to-component call,
 * a destructor called from another instance) traps "cannot enter
 * component instance" while that instance is already on the call stack
 * (the component model forbids re-entering it) and for ever after a trap
 * unwound through it (the instance is poisoned). Calling an import, or a
 * resource built-in, while the instance may not leave (during its
 * post-return function, or its realloc lowering values into it) traps
 * "cannot leave component instance".
 *
 * Handles at the host boundary: own/borrow values the host passes or
 * receives are indices into the host table (cm_exec_host_handles) for
 * resources defined by the guest, and the host's own token (the rep) for
 * host resources (plan->resources[i].instance == CM_PLAN_NONE). The host
 * gives an owned guest resource back with cm_exec_drop_handle (which runs
 * its destructor) or by passing it as an own argument.
 *
 * Re-entrancy: a host callback may call cm_exec_call and
 * cm_exec_drop_handle again (nested calls run on the same thread, inside
 * the outer call, through rt_call); calls into an instance already on the
 * stack trap as said above; a nested call's trap comes back to the
 * callback as its outcome, and poisons only the instances it unwound.
 * Threading: a cm_exec, like its store, is used by one thread at a time
 * (the thread's signal handling is the runtime's: rt_call). Nothing here
 * blocks except through the host's callbacks. Guest code may run for as
 * long as the store's fuel and deadline allow.
 *
 * Outcomes: CM_EXEC_OK; CM_EXEC_TRAP (the guest, or the canonical ABI on
 * its behalf, trapped: msg is the trap message, spec wording; a trap in a
 * component-to-component call's adapter reads "wasm trap: ..."; a call
 * reaching a feature this runtime does not run - an async or thread
 * built-in, a function with an async or error-context type - traps
 * "unsupported: ..."); and
 * CM_EXEC_ERROR (the caller's fault or a link failure: an unknown export,
 * arguments of the wrong type, an inconsistent plan or module set, out of
 * memory). Outputs (ret_*, results) are written only on CM_EXEC_OK.
 */
#ifndef CM_EXEC_H
#define CM_EXEC_H

#include <stdbool.h>
#include <stdint.h>

#include "cm_handles.h"
#include "cm_plan.h"
#include "cm_val.h"
#include "rt_artifact.h"
#include "rt_store.h"

typedef struct cm_exec cm_exec;

enum { CM_EXEC_OK = 0, CM_EXEC_TRAP, CM_EXEC_ERROR };

typedef struct cm_outcome {
	int kind; /* CM_EXEC_OK ... */
	char msg[CM_TRAP_MAX];
} cm_outcome;

/* Depth limit of values crossing the host boundary (cm_vals_check). */
#define CM_EXEC_MAX_DEPTH 100

typedef struct cm_host {
	void *env;
	/* The guest called host import `index` (plan->func_imports[index])
	 * with `args`: one value subtree per parameter, already checked
	 * against the parameter types (own/borrow as described above). The
	 * callback appends one subtree per result to `results` (empty on
	 * entry); they are checked against the result types before they are
	 * lowered (a mismatch traps). Returns NULL, or a trap message (copied
	 * before the callback's next use). May call cm_exec_call. */
	const char *(*call)(void *env, cm_exec *x, uint32_t index, const cm_vals *args,
	                    cm_vals *results);
	/* The guest dropped an own handle of host resource type
	 * plan->resource_imports[import] whose rep (the host's token) is
	 * `rep`. NULL or a trap message. May be NULL (nothing to do). */
	const char *(*drop)(void *env, cm_exec *x, uint32_t import, uint64_t rep);
} cm_host;

/* Instantiates the plan: every core instantiation step in order (start
 * functions run; they may call imports and other components). On failure
 * (a trap: CM_EXEC_TRAP; a link or consistency error: CM_EXEC_ERROR)
 * returns false with *out filled; nothing is left to free but the store's
 * contents. */
bool cm_exec_new(const cm_plan *plan, rt_store *store, rt_loaded *const *modules,
                 const cm_host *host, cm_exec **ret, cm_outcome *out);
/* Releases the component state (handle tables, trampolines' bookkeeping).
 * Runs no destructors. Accepts NULL. */
void cm_exec_free(cm_exec *x);

const cm_plan *cm_exec_plan(const cm_exec *x);

/* Calls export `index` (plan->exports[index]; cm_plan_find_export) with
 * `args` (one value subtree per parameter, from node 0). On CM_EXEC_OK
 * the results (one subtree per result) are appended to `results`. The
 * post-return function has run when this returns. */
bool cm_exec_call(cm_exec *x, uint32_t index, const cm_vals *args, cm_vals *results,
                  cm_outcome *out);

/* The host's handle table (guest resources the host holds). */
cm_handles *cm_exec_host_handles(cm_exec *x);

/* The host drops own handle `handle` of its table, a guest resource of
 * plan resource `resource` (the resource_id of the own type's CM_RESOURCE
 * entry): its destructor runs in the defining instance. */
bool cm_exec_drop_handle(cm_exec *x, uint32_t resource, uint32_t handle, cm_outcome *out);

#endif
