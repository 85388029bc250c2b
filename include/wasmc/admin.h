/*
 * wasmc/admin.h - managing the daemon: its cache, its worker processes,
 * its status (what `wasmctl` uses).
 *
 * Each query returns a plain struct allocated by the library; the caller
 * releases it with the one _free function named next to it (accepts NULL).
 * Strings inside are UTF-8, never NULL, owned by the struct. Outputs are
 * written only on success. Thread-safety: like every request on a
 * connection, these may run from many threads at once.
 */
#ifndef WASMC_ADMIN_H
#define WASMC_ADMIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <wasmc/conn.h>
#include <wasmc/error.h>
#include <wasmc/module.h>
#include <wasmc/visibility.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- cache ---- */

typedef struct wasmc_cache_entry {
	uint8_t digest[32];
	char digest_hex[65];
	const char *fingerprint;  /* engine fingerprint of the artifact */
	wasmc_tier tier;
	uint64_t size;            /* bytes on disk */
	int64_t created;          /* unix seconds */
	int64_t last_used;        /* unix seconds */
	uint32_t pins;
	uint32_t owner;           /* uid that first uploaded it */
	bool fuel;                /* compiled with fuel metering */
} wasmc_cache_entry;

typedef struct wasmc_cache_list {
	size_t count;
	wasmc_cache_entry *entries;
	uint64_t total_bytes;
	uint64_t budget_bytes;    /* 0: no budget configured */
} wasmc_cache_list;

WASMC_API wasmc_error *wasmc_cache_list_get(wasmc_conn *conn,
                                            wasmc_cache_list **ret_list);
WASMC_API void wasmc_cache_list_free(wasmc_cache_list *list);

/* Removes every artifact of the module with this digest
 * (WASMC_ERR_NOT_FOUND when there is none). */
WASMC_API wasmc_error *wasmc_cache_remove(wasmc_conn *conn,
                                          const uint8_t digest[32]);

typedef struct wasmc_cache_gc_result {
	uint32_t removed;
	uint64_t freed_bytes;
	uint64_t total_bytes;     /* after the collection */
} wasmc_cache_gc_result;

/* Removes least-recently-used unpinned entries until the cache fits
 * `budget_bytes` (0: the daemon's configured budget). `ret_result` may be
 * NULL; it is a plain struct (nothing to free). */
WASMC_API wasmc_error *wasmc_cache_gc(wasmc_conn *conn, uint64_t budget_bytes,
                                      wasmc_cache_gc_result *ret_result);

/* Pins (pin = true) or unpins a module: pinned entries survive gc. */
WASMC_API wasmc_error *wasmc_cache_pin(wasmc_conn *conn,
                                       const uint8_t digest[32], bool pin);

typedef struct wasmc_cache_verify_result {
	uint32_t checked;
	uint32_t bad;             /* removed because they failed the check */
	size_t nproblems;
	const char **problems;    /* "<digest>: <reason>" per removed entry */
} wasmc_cache_verify_result;

WASMC_API wasmc_error *wasmc_cache_verify(wasmc_conn *conn,
                                          wasmc_cache_verify_result **ret_result);
WASMC_API void wasmc_cache_verify_result_free(wasmc_cache_verify_result *result);

/* ---- processes ---- */

typedef struct wasmc_process {
	uint8_t instance[16];
	char instance_hex[33];    /* as wasmc_instance_id() prints it */
	uint32_t pid;
	uint32_t owner;           /* uid */
	uint8_t digest[32];
	char digest_hex[65];
	uint64_t memory_bytes;    /* resident set of the worker */
	uint64_t cpu_ns;
	const char *state;        /* "idle", "running", "host-call", "dead" */
	int64_t started;          /* unix seconds */
} wasmc_process;

typedef struct wasmc_process_list {
	size_t count;
	wasmc_process *processes;
} wasmc_process_list;

WASMC_API wasmc_error *wasmc_process_list_get(wasmc_conn *conn,
                                              wasmc_process_list **ret_list);
WASMC_API void wasmc_process_list_free(wasmc_process_list *list);

/* Kills the worker of the instance with this 16-byte id (as in
 * wasmc_process.instance). The instance's owner sees WASMC_ERR_INSTANCE_DEAD
 * or WASMC_ERR_WORKER_DIED on its next call. */
WASMC_API wasmc_error *wasmc_process_kill(wasmc_conn *conn,
                                          const uint8_t instance[16]);

/* Parses a 32-hex-character instance id; false when `text` is not one. */
WASMC_API bool wasmc_instance_id_parse(const char *text, uint8_t out[16]);

/* ---- status ---- */

typedef struct wasmc_status {
	const char *version;
	double uptime_seconds;
	uint32_t instances;
	uint32_t idle_workers;
	uint32_t cache_entries;
	uint64_t cache_bytes;
	uint64_t requests;
	uint32_t compiles_running;
	const char *fingerprint;
	uint32_t connections;
	uint64_t compiles_total;  /* compile workers run since start */
	uint64_t cache_hits;      /* loads answered from the cache */
	uint32_t workers_died;    /* exec workers that ended unexpectedly */
} wasmc_status;

WASMC_API wasmc_error *wasmc_status_get(wasmc_conn *conn,
                                        wasmc_status **ret_status);
WASMC_API void wasmc_status_free(wasmc_status *status);

#ifdef __cplusplus
}
#endif

#endif
