/*
 * rt_instance.h - instances of loaded modules (rt_artifact.h), their
 * imports and exports (rt_extern), host functions, and calls with traps.
 *
 * Ownership: instances and every object they create belong to their store
 * (rt_store.h) and are freed with it. The rt_loaded module must outlive the
 * store's instances of it.
 */
#ifndef RT_INSTANCE_H
#define RT_INSTANCE_H

#include <stdbool.h>
#include <stdint.h>

#include "rt_abi.h"
#include "rt_artifact.h"
#include "rt_store.h"

typedef struct rt_instance rt_instance;
typedef struct rt_memobj rt_memobj;
typedef struct rt_tableobj rt_tableobj;
typedef struct rt_globalobj rt_globalobj;
typedef struct rt_tagobj rt_tagobj;

/* An importable / exported entity. */
typedef struct rt_extern {
	uint8_t kind; /* RT_EXTERN_* (rt_module.h) */
	union {
		rt_funcref *func; /* wasm function, or a host function */
		rt_memobj *memory;
		rt_tableobj *table;
		rt_globalobj *global;
		rt_tagobj *tag;
	} u;
} rt_extern;

/* Outcome of instantiation and calls. */
enum {
	RT_OK = 0,
	RT_TRAPPED,  /* trap: code + message */
	RT_LINK,     /* "unknown import", "incompatible import type" */
	RT_FAILED,   /* anything else: message */
};

typedef struct rt_outcome {
	int kind;      /* RT_OK ... */
	uint32_t trap; /* RT_TRAP_* when RT_TRAPPED */
	uintptr_t pc;  /* the code address that trapped, when known (0) */
	char msg[256];
} rt_outcome;

/* The wasm function (index in its module) whose code holds `pc` (an
 * rt_outcome.pc), and its module. False when pc is not in compiled code
 * or not in a function. */
bool rt_code_locate(uintptr_t pc, const rt_loaded **ret_mod, uint32_t *ret_func);

/* The spec message of a trap code ("unreachable", ...). */
const char *rt_trap_message(uint32_t code);

/* ---------------------------------------------------------------------------
 * Host functions
 */

/* The embedder's callback: parameters in args_results[0..nparams),
 * results written to args_results[0..nresults). Returns NULL, or a trap
 * message (kept by the runtime as a copy) to trap RT_TRAP_HOST. */
typedef const char *(*rt_host_callback)(void *env, rt_val *args_results);

/* A host function of the given function type, as an rt_funcref to import.
 * Value types must be numeric, v128 or abstract references. */
rt_funcref *rt_host_func_new(rt_store *s, uint32_t nparams,
                             const rt_valtype *params, uint32_t nresults,
                             const rt_valtype *results, rt_host_callback cb,
                             void *env);

/* ---------------------------------------------------------------------------
 * Standalone objects (for host modules such as the spec's `spectest`)
 */

rt_memobj *rt_memory_new(rt_store *s, const rt_limits *limits, cmn_error *err);
rt_tableobj *rt_table_new(rt_store *s, rt_valtype elem, const rt_limits *limits,
                          void *init, cmn_error *err);
/* Value types: numeric, v128 or abstract references. */
rt_globalobj *rt_global_new(rt_store *s, rt_valtype type, bool mut, rt_val init);

rt_memory *rt_memobj_memory(rt_memobj *m);
rt_table *rt_tableobj_table(rt_tableobj *t);
rt_global *rt_globalobj_global(rt_globalobj *g);
rt_valtype rt_globalobj_type(const rt_globalobj *g);

/* ---------------------------------------------------------------------------
 * Instances
 */

/* Instantiates `mod` with `imports` (one per import, in the module's
 * import order; the caller resolves names). Runs element and data
 * segment initialisation and the start function. On failure *out says
 * why (link error, trap, other) and *ret is NULL; a trap during
 * initialisation leaves the writes made before it in imported memories
 * and tables, as the spec says. */
bool rt_instantiate(rt_store *s, const rt_loaded *mod, const rt_extern *imports,
                    uint32_t nimports, rt_instance **ret, rt_outcome *out);

const rt_loaded *rt_instance_module(const rt_instance *inst);
rt_vmctx *rt_instance_vmctx(rt_instance *inst);

/* Looks up an export by name (len bytes). */
bool rt_instance_export(rt_instance *inst, const char *name, size_t len,
                        rt_extern *ret);
/* The function type of an exported function (from the description). */
const rt_functype *rt_instance_func_type(const rt_instance *inst, uint32_t funcidx);

/* Calls `f` with parameters in args_results[0..nparams) and leaves its
 * results in args_results[0..nresults): the array must have room for the
 * larger count. Traps (and stack exhaustion, fuel, deadlines) come back
 * as RT_TRAPPED. Nested calls (from host callbacks) are allowed. */
bool rt_call(rt_funcref *f, rt_val *args_results, rt_outcome *out);

/* Makes signal `signo` (e.g. SIGALRM from a timer) stop compiled code
 * running on the thread that receives it: the call traps "deadline
 * exceeded". When the signal arrives outside compiled code (in the runtime
 * or a host function) an ITIMER_REAL timer is re-armed to try again
 * 20 ms later. For embedders that cannot compile with deadline checks. */
bool rt_trap_on_signal(int signo);

/* The native stack limit compiled code gets on this thread (computed once
 * per thread; the first rt_call or rt_instantiate does it). A sandboxed
 * process should call it before its syscall filter is installed, since
 * finding the main thread's stack reads /proc/self/maps. */
uintptr_t rt_thread_stack_limit(void);

/* Raises a trap from inside a host callback (does not return). */
void rt_host_trap(const char *msg) __attribute__((noreturn));

#endif
