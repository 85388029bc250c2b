/*
 * cm_exec_int.h - internals of cm_exec*.c: the running component's state
 * and the helpers the instantiation (cm_exec.c) and the calls
 * (cm_exec_call.c) share. Exec side: runtime/ and the canonical ABI only.
 */
#ifndef CM_EXEC_INT_H
#define CM_EXEC_INT_H

#include "cm_abi.h"
#include "cm_exec.h"
#include "rt_instance.h"

/* One inlined component instance at run time. */
typedef struct cm_cinst {
	bool may_enter, may_leave;
	uint32_t backpressure;
	cm_handles *handles;
} cm_cinst;

/* The env of a host function made for a trampoline or a built-in. */
typedef struct cm_fn_env {
	cm_exec *x;
	uint32_t index;
} cm_fn_env;

struct cm_exec {
	const cm_plan *plan;
	rt_store *store;
	rt_loaded *const *mods;
	cm_host host;
	cm_abi *abi;
	uint32_t *rtypes;      /* resource index -> rtype (CM_RTYPE_HOST for host ones) */
	cm_cinst *ci;          /* plan->ninstances */
	rt_instance **cores;   /* plan->nsteps; ncores made so far */
	uint32_t ncores;
	rt_funcref **lower_fn; /* made when first needed */
	cm_fn_env *lower_env;
	rt_funcref **builtin_fn;
	cm_fn_env *builtin_env;
	cm_handles *host_table;
	uint32_t tid_realloc, tid_dtor; /* canonical core type ids */
	uint32_t ctx[CM_PLAN_CONTEXT_SLOTS]; /* the current task's context.get/set slots */
	char trapbuf[CM_TRAP_MAX];      /* a host callback's trap message */
};

/* A core reference as an extern; `want` is the function type an import
 * expects (NULL: unknown), used for built-ins whose signature is the
 * importer's. False with the message in *t. */
bool cm_exec_resolve(cm_exec *x, const cm_plan_ref *r, const rt_functype *want, rt_extern *ret,
                     cm_trap *t);
/* A core reference that must be a function of canonical type `type_id`. */
bool cm_exec_func(cm_exec *x, const cm_plan_ref *r, uint32_t type_id, rt_funcref **ret,
                  cm_trap *t);

/* cm_exec_call.c: the callbacks of trampolines and built-ins. */
const char *cm_exec_lower_cb(void *env, rt_val *args_results);
const char *cm_exec_builtin_cb(void *env, rt_val *args_results);

/* The core signature of a function type as rt_valtypes. */
void cm_exec_sig_types(const cm_core_sig *s, rt_valtype *params, rt_valtype *results);

#endif
