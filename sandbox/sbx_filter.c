/*
 * sbx_filter.c - the workers' seccomp filters. The lists were found with
 * strace on real runs of both workers (tests/sandbox/ exercises them).
 */
#include "sbx_filter.h"
#include "sbx_layers.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>

/* A filter under construction; the first failure is kept. */
typedef struct fbuild {
	scmp_filter_ctx ctx;
	const char *failed; /* syscall name of the first failing rule */
	int rc;
} fbuild;

static bool fb_init(fbuild *b, uint32_t def, cmn_error *err)
{
	memset(b, 0, sizeof *b);
	b->ctx = seccomp_init(def);
	if (!b->ctx)
		return cmn_fail(err, "seccomp_init failed");
	/* Native architecture only; a foreign ABI kills the whole process. */
	if (seccomp_attr_set(b->ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS) != 0 ||
	    seccomp_attr_set(b->ctx, SCMP_FLTATR_CTL_NNP, 0) != 0 ||
	    seccomp_attr_set(b->ctx, SCMP_FLTATR_CTL_TSYNC, 1) != 0) {
		seccomp_release(b->ctx);
		return cmn_fail(err, "seccomp: cannot set filter attributes");
	}
	return true;
}

/* Adds one rule with up to two argument comparisons (n of them). */
static void fb_rule(fbuild *b, uint32_t action, const char *name, unsigned n,
                    struct scmp_arg_cmp a0, struct scmp_arg_cmp a1)
{
	if (b->failed)
		return;
	int nr = seccomp_syscall_resolve_name(name);
	if (nr == __NR_SCMP_ERROR) {
		b->failed = name;
		b->rc = -EINVAL;
		return;
	}
	struct scmp_arg_cmp args[2] = {a0, a1};
	int rc = seccomp_rule_add_array(b->ctx, action, nr, n, args);
	if (rc != 0) {
		b->failed = name;
		b->rc = rc;
	}
}

static const struct scmp_arg_cmp NOARG = {0, SCMP_CMP_EQ, 0, 0};

static void fb_allow(fbuild *b, const char *name)
{
	fb_rule(b, SCMP_ACT_ALLOW, name, 0, NOARG, NOARG);
}

static void fb_allow_list(fbuild *b, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fb_allow(b, names[i]);
}

static bool fb_load(fbuild *b, const char *what, cmn_error *err)
{
	bool ok = false;
	if (b->failed) {
		cmn_fail(err, "seccomp (%s): rule for %s: %s", what, b->failed,
		         strerror(-b->rc));
		goto release;
	}
	int rc = seccomp_load(b->ctx);
	if (rc != 0) {
		cmn_fail(err, "seccomp (%s): load: %s", what, strerror(-rc));
		goto release;
	}
	ok = true;
release:
	seccomp_release(b->ctx);
	return ok;
}

/* What every worker needs to run, talk on its channel and end. */
static const char *const BASE[] = {
	"read", "write", "pread64", "close",
	"recvmsg", "sendmsg", "poll", "ppoll",
	"munmap", "mremap", "madvise", "brk",
	"futex", "restart_syscall", "exit", "exit_group",
	"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sigaltstack",
	"setitimer", "getrusage", "clock_gettime", "gettimeofday",
	"getpid", "gettid", "getppid", "getrandom", "fstat",
	/* glibc's pthread_getattr_np (the runtime's stack bounds) */
	"sched_getaffinity",
};

/* Syscalls on the process itself only (the pid is known when the filter
 * is built and never changes: no pid namespace is entered). */
static void fb_self_only(fbuild *b, pid_t pid)
{
	struct scmp_arg_cmp self = SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)pid);
	struct scmp_arg_cmp zero = SCMP_A0(SCMP_CMP_EQ, 0);
	fb_rule(b, SCMP_ACT_ALLOW, "kill", 1, self, NOARG);
	fb_rule(b, SCMP_ACT_ALLOW, "tgkill", 1, self, NOARG);
	fb_rule(b, SCMP_ACT_ALLOW, "tkill", 1, self, NOARG);
	/* getrlimit/setrlimit are prlimit64(0, ...) in glibc */
	fb_rule(b, SCMP_ACT_ALLOW, "prlimit64", 1, zero, NOARG);
	fb_rule(b, SCMP_ACT_ALLOW, "prlimit64", 1, self, NOARG);
	/* fstat(fd) is newfstatat(fd, "", st, AT_EMPTY_PATH) in glibc */
	fb_rule(b, SCMP_ACT_ALLOW, "newfstatat", 1,
	        SCMP_A3(SCMP_CMP_EQ, AT_EMPTY_PATH), NOARG);
}

bool sbx_filter_exec_wait(cmn_error *err)
{
	fbuild b;
	if (!fb_init(&b, SCMP_ACT_KILL_PROCESS, err))
		return false;
	fb_allow_list(&b, BASE, sizeof BASE / sizeof BASE[0]);
	fb_allow(&b, "mmap");
	fb_allow(&b, "mprotect");
	fb_self_only(&b, getpid());
	/* The artifact descriptor's seals (it must be a sealed memfd). */
	fb_rule(&b, SCMP_ACT_ALLOW, "fcntl", 1, SCMP_A1(SCMP_CMP_EQ, F_GET_SEALS), NOARG);
	/* Only to stack the strict filter. */
	fb_rule(&b, SCMP_ACT_ALLOW, "seccomp", 1,
	        SCMP_A0(SCMP_CMP_EQ, SECCOMP_SET_MODE_FILTER), NOARG);
	if (SBX_ASAN) { /* read-only opens: see sbx_layers.h */
		fb_rule(&b, SCMP_ACT_ALLOW, "open", 1,
		        SCMP_A1(SCMP_CMP_MASKED_EQ, O_ACCMODE, O_RDONLY), NOARG);
		fb_rule(&b, SCMP_ACT_ALLOW, "openat", 1,
		        SCMP_A2(SCMP_CMP_MASKED_EQ, O_ACCMODE, O_RDONLY), NOARG);
	}
	return fb_load(&b, "exec worker", err);
}

/* The strict filter's rules into `b` (initialised here). */
static bool build_strict(fbuild *b, cmn_error *err)
{
	static const char *const DENY[] = {
		"open", "openat", "openat2", "creat", "socket", "socketpair",
		"connect", "bind", "listen", "accept", "accept4", "execve",
		"execveat", "fork", "vfork", "clone", "clone3", "ptrace",
		"process_vm_readv", "process_vm_writev", "io_uring_setup",
		"io_uring_enter", "io_uring_register", "bpf", "unshare",
		"setns", "mount", "umount2", "pivot_root", "memfd_create",
		"seccomp", "prctl", "setrlimit", "pkey_mprotect", "userfaultfd",
		"perf_event_open", "ioctl", "personality", "keyctl", "add_key",
		"request_key",
	};
	if (!fb_init(b, SCMP_ACT_ALLOW, err))
		return false;
	for (size_t i = 0; i < sizeof DENY / sizeof DENY[0]; i++) {
		if (SBX_ASAN && (strcmp(DENY[i], "open") == 0 || strcmp(DENY[i], "openat") == 0)) {
			/* only writable opens die: see sbx_layers.h */
			unsigned a = strcmp(DENY[i], "open") == 0 ? 1 : 2;
			for (scmp_datum_t mode = O_WRONLY; mode <= O_ACCMODE; mode++)
				fb_rule(b, SCMP_ACT_KILL_PROCESS, DENY[i], 1,
				        (struct scmp_arg_cmp){a, SCMP_CMP_MASKED_EQ, O_ACCMODE, mode},
				        NOARG);
			continue;
		}
		fb_rule(b, SCMP_ACT_KILL_PROCESS, DENY[i], 0, NOARG, NOARG);
	}
	struct scmp_arg_cmp exec = SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, PROT_EXEC);
	fb_rule(b, SCMP_ACT_KILL_PROCESS, "mmap", 1, exec, NOARG);
	fb_rule(b, SCMP_ACT_KILL_PROCESS, "mprotect", 1, exec, NOARG);
	/* limits may be read (glibc's pthread_getattr_np does), not set */
	fb_rule(b, SCMP_ACT_KILL_PROCESS, "prlimit64", 1, SCMP_A2(SCMP_CMP_NE, 0), NOARG);
	struct scmp_arg_cmp other = SCMP_A0(SCMP_CMP_NE, (scmp_datum_t)getpid());
	fb_rule(b, SCMP_ACT_KILL_PROCESS, "kill", 1, other, NOARG);
	fb_rule(b, SCMP_ACT_KILL_PROCESS, "tkill", 1, other, NOARG);
	fb_rule(b, SCMP_ACT_KILL_PROCESS, "tgkill", 1, other, NOARG);
	if (b->failed) {
		cmn_fail(err, "seccomp (exec worker, strict): rule for %s: %s", b->failed,
		         strerror(-b->rc));
		seccomp_release(b->ctx);
		return false;
	}
	return true;
}

/* The strict filter compiled to BPF while the worker waits: libseccomp's
 * compilation costs 0.3-3 ms here, installing a ready program a few
 * microseconds, and the strict filter goes on during every instantiation. */
static struct sock_filter *strict_insns;
static unsigned short strict_len;

bool sbx_filter_exec_strict_prepare(cmn_error *err)
{
	fbuild b;
	if (!build_strict(&b, err))
		return false;
	bool ok = false;
	int p[2];
	if (pipe2(p, O_CLOEXEC) != 0) {
		cmn_fail(err, "seccomp (exec worker, strict): pipe: %s", strerror(errno));
		goto release;
	}
	/* A program is at most BPF_MAXINSNS (4096) instructions of 8 bytes:
	 * it fits in the pipe's buffer before anything reads it. */
	int rc = seccomp_export_bpf(b.ctx, p[1]);
	close(p[1]);
	size_t cap = 4096 * sizeof(struct sock_filter), len = 0;
	uint8_t *buf = rc == 0 ? malloc(cap) : NULL;
	while (buf && len < cap) {
		ssize_t n = read(p[0], buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(p[0]);
	if (rc != 0 || !buf || len == 0 || len % sizeof(struct sock_filter) != 0 || len == cap) {
		free(buf);
		cmn_fail(err, "seccomp (exec worker, strict): cannot export the program (%s)",
		         rc ? strerror(-rc) : "bad length");
		goto release;
	}
	free(strict_insns);
	strict_insns = (struct sock_filter *)buf;
	strict_len = (unsigned short)(len / sizeof(struct sock_filter));
	ok = true;
release:
	seccomp_release(b.ctx);
	return ok;
}

bool sbx_filter_exec_strict(cmn_error *err)
{
	if (strict_insns) {
		struct sock_fprog prog = {.len = strict_len, .filter = strict_insns};
		if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC,
		            &prog) != 0)
			return cmn_fail(err, "seccomp (exec worker, strict): load: %s",
			                strerror(errno));
		return true;
	}
	fbuild b;
	if (!build_strict(&b, err))
		return false;
	return fb_load(&b, "exec worker, strict", err);
}



bool sbx_filter_compile(cmn_error *err)
{
	static const char *const THREADS[] = {
		"set_robust_list", "rseq", "sched_yield",
		"clock_nanosleep", "nanosleep", "membarrier", "sysinfo",
	};
	fbuild b;
	if (!fb_init(&b, SCMP_ACT_KILL_PROCESS, err))
		return false;
	fb_allow_list(&b, BASE, sizeof BASE / sizeof BASE[0]);
	fb_allow_list(&b, THREADS, sizeof THREADS / sizeof THREADS[0]);
	fb_self_only(&b, getpid());
	struct scmp_arg_cmp noexec = SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0);
	fb_rule(&b, SCMP_ACT_ALLOW, "mmap", 1, noexec, NOARG);
	fb_rule(&b, SCMP_ACT_ALLOW, "mprotect", 1, noexec, NOARG);
	/* Threads only: a clone without CLONE_THREAD would be a process. */
	fb_rule(&b, SCMP_ACT_ALLOW, "clone", 1,
	        SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD), NOARG);
	fb_rule(&b, SCMP_ACT_ERRNO(ENOSYS), "clone3", 0, NOARG, NOARG);
	fb_rule(&b, SCMP_ACT_ERRNO(EACCES), "open", 0, NOARG, NOARG);
	fb_rule(&b, SCMP_ACT_ERRNO(EACCES), "openat", 0, NOARG, NOARG);
	return fb_load(&b, "compile worker", err);
}
