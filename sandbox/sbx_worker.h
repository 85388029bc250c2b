/*
 * sbx_worker.h - the whole sandbox entry of each worker, as one call per
 * state (DESIGN.md §6). wasmc-exec, wasmc-compiler and the sandbox tests
 * (tests/sandbox/attack.c) call exactly these functions, so the tests
 * attack the same sandbox the workers run in.
 *
 * Exec worker:
 *   sbx_exec_enter_waiting   session, death signal, not dumpable; stdio on
 *                            /dev/null, every fd but the channel closed;
 *                            namespaces (optional); rlimits; the runtime's
 *                            stack limit (reads /proc/self/maps);
 *                            libcrypto initialised (it reads its config
 *                            file once); no_new_privs; Landlock; the
 *                            waiting filter (sbx_filter_exec_wait).
 *   sbx_exec_enter_strict    the strict filter, once the instance exists.
 * Compile worker:
 *   sbx_compile_enter        the same layers with the compiler's limits,
 *                            a hook to warm the compiler up before any
 *                            filter, libcrypto initialised, and
 *                            sbx_filter_compile.
 *
 * Refusals by the kernel that leave the worker safe (namespaces,
 * Landlock) become warnings; anything else fails with `err` and the
 * caller must exit. Single-threaded callers only.
 */
#ifndef SBX_WORKER_H
#define SBX_WORKER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cmn_error.h"
#include "sbx_layers.h"

/* The descriptor of the channel to the daemon in every worker. */
#define SBX_CHANNEL_FD 3

#define SBX_EXEC_DATA_DEFAULT (4ull << 30)
#define SBX_COMPILE_DATA_DEFAULT (8ull << 30)

typedef struct sbx_exec_config {
	pid_t ppid;          /* getppid() at the very start of main */
	int channel_fd;      /* SBX_CHANNEL_FD */
	bool namespaces;     /* false: --no-namespaces */
	uint64_t data_bytes; /* RLIMIT_DATA */
} sbx_exec_config;

void sbx_exec_config_default(sbx_exec_config *c);

/* A worker flag's number: decimal digits only (no sign, nothing after).
 * *out is written only on success. */
bool sbx_parse_u64(const char *s, uint64_t *out);
bool sbx_exec_enter_waiting(const sbx_exec_config *c, sbx_warnings *w, cmn_error *err);
bool sbx_exec_enter_strict(cmn_error *err);

typedef struct sbx_compile_config {
	pid_t ppid;
	int channel_fd;
	bool namespaces;
	uint64_t data_bytes;  /* RLIMIT_DATA */
	uint64_t cpu_seconds; /* RLIMIT_CPU; 0: none */
	/* Called after the layers and before no_new_privs, Landlock and the
	 * filter: whatever the compiler reads from files (CPU detection) is
	 * read here. May be NULL. */
	void (*warm_up)(void);
} sbx_compile_config;

void sbx_compile_config_default(sbx_compile_config *c);
bool sbx_compile_enter(const sbx_compile_config *c, sbx_warnings *w, cmn_error *err);

#endif
