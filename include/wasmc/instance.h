/*
 * wasmc/instance.h - an instance of a module, running in its own worker
 * process of the daemon, and calls of its exports.
 *
 * Thread-safety: one instance runs one call at a time. Calls from several
 * threads are serialized by the library (a second thread waits until the
 * first call ends). The exception is a nested call made from inside an
 * import callback of this instance, on the thread running that callback:
 * it goes straight through, carried by the running host call.
 * wasmc_instance_free must not race with calls of the same instance.
 * Callbacks that call into another instance wait for it like any other
 * thread: two threads whose callbacks call each other's instance would
 * wait for each other forever, so keep such cycles on one thread.
 */
#ifndef WASMC_INSTANCE_H
#define WASMC_INSTANCE_H

#include <stddef.h>
#include <stdint.h>

#include <wasmc/error.h>
#include <wasmc/imports.h>
#include <wasmc/module.h>
#include <wasmc/types.h>
#include <wasmc/val.h>
#include <wasmc/visibility.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wasmc_instance wasmc_instance;

/* Per-instance limits; 0 everywhere means the daemon's defaults. */
typedef struct wasmc_limits {
	uint64_t max_memory_bytes;  /* per memory: memory.grow past it gives -1 */
	uint64_t max_table_elems;   /* per table */
	int64_t fuel;               /* > 0: fuel metering with this budget */
	uint64_t deadline_ms;       /* wall-clock limit of each call */
	uint64_t cpu_ms;            /* CPU time of the whole instance */
} wasmc_limits;

/* Instantiates `module` in a new worker. `imports` and `limits` may be NULL
 * (no client imports, default limits); both are only read during the call.
 * The instance keeps what it needs of `module`, which may be freed
 * afterwards. On success *ret_instance is new; free it with
 * wasmc_instance_free(). Errors: WASMC_ERR_LINK_FAILED (an import missing
 * or of the wrong type: the message names it), WASMC_ERR_QUOTA_EXCEEDED,
 * transport errors. Client imports cannot be called by the start function
 * (protocol v1 has no host calls during instantiation). */
WASMC_API wasmc_error *wasmc_instance_new(wasmc_module *module,
                                          const wasmc_imports *imports,
                                          const wasmc_limits *limits,
                                          wasmc_instance **ret_instance);

/* Drops the instance in the daemon (its worker ends; best effort) and
 * releases it. Accepts NULL. */
WASMC_API void wasmc_instance_free(wasmc_instance *instance);

/* Exports of the instance (owned by the instance; NULL when out of range
 * or not found). */
WASMC_API size_t wasmc_instance_export_count(const wasmc_instance *instance);
WASMC_API const wasmc_export *wasmc_instance_export_get(const wasmc_instance *instance,
                                                        size_t i);
WASMC_API const wasmc_export *wasmc_instance_export_find(const wasmc_instance *instance,
                                                         const char *name);

/* Calls the exported function `name` with `nargs` arguments (borrowed)
 * whose kinds must be the export's parameter types, and stores its
 * results into `results`, which must have exactly as many slots as the
 * function has results (`nresults`). Results are written only on WASMC_OK.
 * Returns NULL (WASMC_OK), a trap (WASMC_TRAP: code, message, location)
 * or an error (WASMC_ERROR: WASMC_ERR_NOT_FOUND for an unknown export,
 * WASMC_ERR_BAD_ARGUMENT for wrong counts or kinds, WASMC_ERR_WORKER_DIED,
 * WASMC_ERR_INSTANCE_DEAD, transport errors). Import callbacks run on this
 * thread during the call. Blocking: until the guest returns. */
WASMC_API wasmc_error *wasmc_instance_call(wasmc_instance *instance,
                                           const char *name,
                                           const wasmc_val *args, size_t nargs,
                                           wasmc_val *results,
                                           size_t nresults);

/* The worker's process id (0 when the daemon did not say). */
WASMC_API uint32_t wasmc_instance_pid(const wasmc_instance *instance);

/* The instance id as `wasmctl ps` shows it: 32 lowercase hex characters
 * (owned by the instance). */
WASMC_API const char *wasmc_instance_id(const wasmc_instance *instance);

/* The instance whose import callback is running on the calling thread (the
 * innermost one), or NULL outside callbacks. Borrowed. */
WASMC_API wasmc_instance *wasmc_caller_instance(void);

#ifdef __cplusplus
}
#endif

#endif
