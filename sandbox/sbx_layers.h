/*
 * sbx_layers.h - the process hardening layers a worker applies to itself
 * right after it starts (DESIGN.md §6), one function per layer, so the
 * exec worker, the compile worker and the sandbox tests apply exactly the
 * same code.
 *
 * Layers that the kernel may refuse without the worker being unsafe
 * (namespaces, Landlock) add a warning to an sbx_warnings list instead of
 * failing; the others fail with a cmn_error naming the call that failed.
 *
 * Every function acts on the calling process and is meant for a
 * single-threaded process before it starts any thread. Not thread-safe.
 */
#ifndef SBX_LAYERS_H
#define SBX_LAYERS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cmn_error.h"

/* 1 in AddressSanitizer builds (make SANITIZE=1, tests only), where two
 * layers must give way: RLIMIT_DATA is not set (ASan's shadow memory is
 * terabytes of writable mappings), and read-only open/openat pass the
 * filters with Landlock allowing reads under /proc only (ASan reads
 * /proc/self/maps whenever a trap unwinds from a signal handler). */
#if defined(__SANITIZE_ADDRESS__)
#define SBX_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SBX_ASAN 1
#endif
#endif
#ifndef SBX_ASAN
#define SBX_ASAN 0
#endif

#define SBX_MAX_WARNINGS 16
#define SBX_WARNING_LEN 160

/* What the kernel refused: "user namespace: Operation not permitted". */
typedef struct sbx_warnings {
	unsigned n;
	char msg[SBX_MAX_WARNINGS][SBX_WARNING_LEN];
} sbx_warnings;

void sbx_warnings_init(sbx_warnings *w);
/* Adds a printf-style warning (dropped when the list is full). */
void sbx_warn(sbx_warnings *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* New session (setsid), PR_SET_PDEATHSIG(SIGKILL), and PR_SET_DUMPABLE 0.
 * `ppid` is getppid() as the process saw it at its very start: when the
 * parent has changed since (the daemon died before the death signal was
 * armed) this fails with "parent exited". */
bool sbx_session(pid_t ppid, cmn_error *err);

/* Reopens 0, 1 and 2 on /dev/null and closes every other descriptor but
 * `keep` (the channel). */
bool sbx_close_fds(int keep, cmn_error *err);

/* Unshares the user, network, mount, IPC and UTS namespaces, one at a
 * time; each refusal becomes a warning. */
void sbx_namespaces(sbx_warnings *w);

/* Landlock: a ruleset handling every file-system right this kernel knows
 * (plus TCP bind/connect and abstract-socket/signal scoping where the ABI
 * has them) with no rule, so the process can open no file at all. Needs
 * PR_SET_NO_NEW_PRIVS (or CAP_SYS_ADMIN) first. Unavailable -> warning. */
void sbx_landlock(sbx_warnings *w);

/* Resource limits; a 0 field leaves that limit alone. */
typedef struct sbx_rlimits {
	uint64_t data_bytes;  /* RLIMIT_DATA (never RLIMIT_AS: guard regions);
	                         not applied under AddressSanitizer */
	uint64_t nofile;      /* RLIMIT_NOFILE */
	uint64_t cpu_seconds; /* RLIMIT_CPU soft; hard = soft + 2 */
	bool no_files;        /* RLIMIT_FSIZE 0 */
	bool no_procs;        /* RLIMIT_NPROC 0 (blocks threads too) */
	bool no_core;         /* RLIMIT_CORE 0 */
} sbx_rlimits;

bool sbx_rlimits_apply(const sbx_rlimits *rl, cmn_error *err);

/* PR_SET_NO_NEW_PRIVS. */
bool sbx_no_new_privs(cmn_error *err);

#endif
