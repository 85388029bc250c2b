/*
 * wcl_instance.h - the instance object behind wasmc_instance, shared by
 * core instances (wcl_instance.c) and component instances
 * (wcl_comp_call.c), and the one call loop both use.
 *
 * The loop (wcl_instance_run) owns what is common to every call: the
 * per-instance lock, nested calls from callbacks (Call.parent from the
 * thread's frame list), the direct channel to the worker, and the
 * Call / HostCall / HostReturn exchange. What differs - how arguments are
 * packed, how a host call's arguments become a callback's and its results
 * a HostReturn, how results are read - is the caller's and the
 * instance's `handler`.
 */
#ifndef WCL_INSTANCE_H
#define WCL_INSTANCE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <wasmc/instance.h>

#include "wcl_module.h"
#include "wcl_proto.h"
#include "wcl_transport.h"

/* What a host-call handler keeps alive until its HostReturn is sent. */
typedef struct wcl_hostout {
	void (*release)(struct wcl_hostout *o); /* NULL: nothing to release */
	void *data;
} wcl_hostout;

/* Runs host call `hc` of `inst` and fills `hr`'s outcome: results in
 * `res` (storage to keep in `out`) or a trap message (`trap_buf` may hold
 * it). Never fails otherwise: a problem is a trap. */
typedef void (*wcl_host_handler)(wasmc_instance *inst, const Wasmc__V1__HostCall *hc,
                                 Wasmc__V1__HostReturn *hr, Wasmc__V1__Results *res,
                                 wcl_hostout *out, char *trap_buf, size_t trap_len);

typedef struct wcl_hostfn wcl_hostfn;
typedef struct wcl_comp_inst wcl_comp_inst;

struct wasmc_instance {
	wasmc_conn *conn;           /* one reference */
	wcl_transport *channel;     /* the call path: `direct`, or the connection's */
	wcl_transport *direct;      /* the direct channel to the worker, or NULL */
	bool direct_tried;          /* asked for it (at the first top-level call) */
	uint8_t handle[WCL_HANDLE_LEN];
	char id[2 * WCL_HANDLE_LEN + 1];
	uint32_t pid;
	wcl_externs externs;        /* exports only */
	size_t nfuncs;
	wcl_hostfn *funcs;          /* core client functions, indexed by func_id */
	wcl_comp_inst *comp;        /* component instances: types and client imports */
	wcl_host_handler handler;   /* host calls: core or component */
	pthread_mutex_t lock;       /* held by the running top-level call */
};

/* Sends Instantiate for `module` with `ndefs` import definitions and
 * fills `inst` (handle, id, pid, exports, lock, connection, channel). On
 * failure `inst` holds nothing to release. */
wasmc_error *wcl_instantiate(wasmc_module *module, const wasmc_limits *limits,
                             Wasmc__V1__ImportDef **defs, size_t ndefs, wasmc_instance *inst);

/* Sends `call` (export and arguments set by the caller; instance and
 * parent are set here) and answers host calls with inst->handler until
 * the final outcome. A top-level call takes the instance's lock (and asks
 * for the direct channel once); a call from inside one of this
 * instance's callbacks on this thread is nested and carries the host
 * call's token. On success *ret_reply is the final reply, whose call
 * outcome is `results` (not NULL); a trap is returned as a WASMC_TRAP
 * error. */
wasmc_error *wcl_instance_run(wasmc_instance *inst, Wasmc__V1__Call *call,
                              wcl_reply **ret_reply);

/* Releases a component instance's part (wcl_comp_call.c). Accepts NULL. */
void wcl_comp_inst_free(wcl_comp_inst *c);

#endif
