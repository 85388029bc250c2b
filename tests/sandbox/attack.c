/*
 * attack.c - forbidden actions from inside the exec worker's sandbox.
 *
 *   sandbox-attack [NAME...]     (all attacks when no name is given)
 *
 * Guest code cannot make syscalls, so this program enters the exec
 * worker's sandbox states through exactly the calls wasmc-exec's main
 * makes (sbx_exec_enter_waiting, then sbx_exec_enter_strict; with
 * namespaces, as in production) and then attempts one syscall. Each
 * attempt runs in its own forked process, whose channel (fd 3, as in the
 * worker) carries back what the syscall returned if it returned at all.
 *
 * Judged from outside: an attack passes when the process was killed by
 * SIGSYS (the seccomp filter) or the syscall failed with EPERM / EACCES /
 * ENOSYS; it fails when the syscall succeeded. Controls (syscalls a worker
 * needs) must succeed, so a harness that kills everything cannot pass.
 * Each attack runs in both states (waiting and strict), except those
 * only the strict state forbids (PROT_EXEC). Prints "N passed, M failed".
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/io_uring.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sbx_worker.h"

enum { WAITING = 1, STRICT = 2 };

typedef struct attack {
	const char *name;
	long (*run)(void);
	unsigned stages; /* WAITING | STRICT */
	bool control;    /* must succeed */
} attack;

/* ---------------------------------------------------------------------------
 * Attempts: each returns the syscall's result (-1 with errno on failure).
 */

static long a_open(void)
{
	return syscall(SYS_open, "/etc/passwd", O_RDONLY);
}

static long a_openat(void)
{
	return syscall(SYS_openat, AT_FDCWD, "/etc/passwd", O_RDONLY);
}

static long a_proc_self_mem(void)
{
	return syscall(SYS_openat, AT_FDCWD, "/proc/self/mem", O_RDWR);
}

static long a_socket(void)
{
	return syscall(SYS_socket, AF_INET, SOCK_STREAM, 0);
}

static long a_socketpair(void)
{
	int sv[2];
	return syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, sv);
}

static long a_connect(void)
{
	struct sockaddr_un sa;
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	strcpy(sa.sun_path + 1, "wasmc-attack");
	return syscall(SYS_connect, 3, &sa, sizeof sa);
}

static long a_execve(void)
{
	char *argv[] = {"/bin/true", NULL};
	char *envp[] = {NULL};
	return syscall(SYS_execve, "/bin/true", argv, envp);
}

static long a_execveat(void)
{
	char *argv[] = {"/bin/true", NULL};
	char *envp[] = {NULL};
	return syscall(SYS_execveat, AT_FDCWD, "/bin/true", argv, envp, 0);
}

static long a_fork(void)
{
	long r = syscall(SYS_fork);
	if (r == 0)
		_exit(0);
	return r;
}

static long a_vfork(void)
{
	/* a raw vfork would share our stack: clone with the same flags and
	 * a fresh one is the same request to the kernel's filter */
	long r = syscall(SYS_vfork);
	if (r == 0)
		_exit(0);
	return r;
}

static long a_clone(void)
{
	long r = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
	if (r == 0)
		_exit(0);
	return r;
}

static long a_clone_thread(void)
{
	/* a thread is a clone too: the exec worker makes none */
	static char stack[65536];
	long r = syscall(SYS_clone, CLONE_VM | CLONE_THREAD | CLONE_SIGHAND, stack + sizeof stack,
	                 0, 0, 0);
	if (r == 0)
		syscall(SYS_exit, 0);
	return r;
}

static long a_clone3(void)
{
	struct clone_args ca;
	memset(&ca, 0, sizeof ca);
	ca.exit_signal = SIGCHLD;
	long r = syscall(SYS_clone3, &ca, sizeof ca);
	if (r == 0)
		_exit(0);
	return r;
}

static long a_ptrace(void)
{
	return syscall(SYS_ptrace, PTRACE_ATTACH, getppid(), 0, 0);
}

static long a_kill_other(void)
{
	return syscall(SYS_kill, getppid(), 0);
}

static long a_tgkill_other(void)
{
	return syscall(SYS_tgkill, getppid(), getppid(), 0);
}

static long a_tkill_other(void)
{
	return syscall(SYS_tkill, getppid(), 0);
}

static long a_kill_all(void)
{
	return syscall(SYS_kill, -1, 0);
}

static long a_process_vm_readv(void)
{
	char buf[8], src[8] = "secret";
	struct iovec l = {buf, sizeof buf}, r = {src, sizeof src};
	return syscall(SYS_process_vm_readv, getpid(), &l, 1, &r, 1, 0);
}

static long a_mmap_exec(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? -1 : 0;
}

static long a_mprotect_exec(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -2; /* the control part failed: not a pass */
	return syscall(SYS_mprotect, p, 4096, PROT_READ | PROT_EXEC);
}

static long a_pkey_mprotect(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -2;
	return syscall(SYS_pkey_mprotect, p, 4096, PROT_READ | PROT_EXEC, -1);
}

static long a_set_rlimit(void)
{
	struct rlimit rl = {64, 64};
	return syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, &rl, NULL);
}

static long c_get_rlimit(void)
{
	struct rlimit rl;
	return syscall(SYS_prlimit64, 0, RLIMIT_STACK, NULL, &rl);
}

static long a_memfd_create(void)
{
	return syscall(SYS_memfd_create, "x", 0);
}

static long a_io_uring_setup(void)
{
	struct io_uring_params p;
	memset(&p, 0, sizeof p);
	return syscall(SYS_io_uring_setup, 8, &p);
}

static long a_bpf(void)
{
	union bpf_attr attr;
	memset(&attr, 0, sizeof attr);
	attr.map_type = BPF_MAP_TYPE_ARRAY;
	attr.key_size = 4;
	attr.value_size = 4;
	attr.max_entries = 1;
	return syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof attr);
}

static long a_unshare(void)
{
	return syscall(SYS_unshare, CLONE_NEWUSER);
}

static long a_setns(void)
{
	return syscall(SYS_setns, 3, 0);
}

static long a_mount(void)
{
	return syscall(SYS_mount, "none", "/tmp", "tmpfs", 0, NULL);
}

static long a_seccomp_strict(void)
{
	/* SECCOMP_SET_MODE_STRICT would not widen anything, but the worker
	 * has no business calling seccomp in any mode but FILTER */
	return syscall(SYS_seccomp, 0 /* SET_MODE_STRICT */, 0, NULL);
}

static long a_prctl_dumpable(void)
{
	return syscall(SYS_prctl, PR_SET_DUMPABLE, 1, 0, 0, 0);
}

static long a_ioctl(void)
{
	int n;
	return syscall(SYS_ioctl, 3, FIONREAD, &n);
}

static long a_x32(void)
{
	/* x32 ABI getpid: bit 30 set on the syscall number */
	return syscall(39 | 0x40000000);
}

static long a_int80(void)
{
#if defined(__x86_64__)
	long r;
	/* i386 ABI getpid (20) through int 0x80 */
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(20L) : "memory", "rcx", "r11");
	if (r < 0) {
		errno = (int)-r;
		return -1;
	}
	return r;
#else
	errno = ENOSYS;
	return -1;
#endif
}

/* Controls */

static long c_getpid(void)
{
	return syscall(SYS_getpid);
}

static long c_mmap_rw(void)
{
	void *p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	memset(p, 1, 1 << 20);
	if (mprotect(p, 4096, PROT_READ) != 0)
		return -1;
	return munmap(p, 1 << 20);
}

static long c_kill_self(void)
{
	return syscall(SYS_kill, getpid(), 0);
}

static long c_clock(void)
{
	struct timespec ts;
	return syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
}

static const attack ATTACKS[] = {
	{"open", a_open, WAITING | STRICT, false},
	{"openat", a_openat, WAITING | STRICT, false},
	{"proc-self-mem", a_proc_self_mem, WAITING | STRICT, false},
	{"socket", a_socket, WAITING | STRICT, false},
	{"socketpair", a_socketpair, WAITING | STRICT, false},
	{"connect", a_connect, WAITING | STRICT, false},
	{"execve", a_execve, WAITING | STRICT, false},
	{"execveat", a_execveat, WAITING | STRICT, false},
	{"fork", a_fork, WAITING | STRICT, false},
	{"vfork", a_vfork, WAITING | STRICT, false},
	{"clone", a_clone, WAITING | STRICT, false},
	{"clone-thread", a_clone_thread, WAITING | STRICT, false},
	{"clone3", a_clone3, WAITING | STRICT, false},
	{"ptrace", a_ptrace, WAITING | STRICT, false},
	{"kill-other", a_kill_other, WAITING | STRICT, false},
	{"tgkill-other", a_tgkill_other, WAITING | STRICT, false},
	{"tkill-other", a_tkill_other, WAITING | STRICT, false},
	{"kill-all", a_kill_all, WAITING | STRICT, false},
	{"process-vm-readv", a_process_vm_readv, WAITING | STRICT, false},
	{"mmap-exec", a_mmap_exec, STRICT, false},
	{"mprotect-exec", a_mprotect_exec, STRICT, false},
	{"pkey-mprotect", a_pkey_mprotect, WAITING | STRICT, false},
	{"set-rlimit", a_set_rlimit, STRICT, false},
	{"memfd-create", a_memfd_create, WAITING | STRICT, false},
	{"io-uring-setup", a_io_uring_setup, WAITING | STRICT, false},
	{"bpf", a_bpf, WAITING | STRICT, false},
	{"unshare", a_unshare, WAITING | STRICT, false},
	{"setns", a_setns, WAITING | STRICT, false},
	{"mount", a_mount, WAITING | STRICT, false},
	{"seccomp-strict-mode", a_seccomp_strict, WAITING | STRICT, false},
	{"prctl-dumpable", a_prctl_dumpable, WAITING | STRICT, false},
	{"ioctl", a_ioctl, WAITING | STRICT, false},
	{"x32-syscall", a_x32, WAITING | STRICT, false},
	{"i386-int80", a_int80, WAITING | STRICT, false},
	/* the waiting state maps the artifact: PROT_EXEC is allowed there */
	{"control-mmap-exec", a_mmap_exec, WAITING, true},
	{"control-getpid", c_getpid, WAITING | STRICT, true},
	{"control-mmap-rw", c_mmap_rw, WAITING | STRICT, true},
	{"control-kill-self", c_kill_self, WAITING | STRICT, true},
	{"control-clock", c_clock, WAITING | STRICT, true},
	{"control-get-rlimit", c_get_rlimit, WAITING | STRICT, true},
};

/* What the attacking process reports through its channel. */
typedef struct report {
	long ret;
	int err;
	int stage_ok; /* the sandbox was entered */
} report;

/* Runs one attack in a fresh process in `stage`; true when judged as
 * expected. */
static bool run_one(const attack *a, unsigned stage)
{
	const char *sname = stage == STRICT ? "strict" : "waiting";
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		perror("socketpair");
		exit(2);
	}
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		if (sv[1] == 3)
			fcntl(3, F_SETFD, 0);
		else if (dup2(sv[1], 3) != 3)
			_exit(121);
		sbx_exec_config cfg;
		sbx_exec_config_default(&cfg);
		sbx_warnings w;
		sbx_warnings_init(&w);
		cmn_error err;
		if (!sbx_exec_enter_waiting(&cfg, &w, &err))
			_exit(3);
		if (stage == STRICT && !sbx_exec_enter_strict(&err))
			_exit(3);
		report rep = {0, 0, 1};
		errno = 0;
		rep.ret = a->run();
		rep.err = errno;
		if (write(3, &rep, sizeof rep) != (ssize_t)sizeof rep)
			_exit(4);
		_exit(0);
	}
	close(sv[1]);
	report rep;
	memset(&rep, 0, sizeof rep);
	ssize_t n = read(sv[0], &rep, sizeof rep);
	bool got = n == (ssize_t)sizeof rep;
	close(sv[0]);
	int st;
	waitpid(pid, &st, 0);
	bool sigsys = WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS;
	bool ok;
	char how[128];
	if (a->control) {
		ok = got && rep.ret >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0;
		snprintf(how, sizeof how, "%s", ok ? "allowed" : "");
		if (!ok)
			snprintf(how, sizeof how, "control failed: ret %ld errno %d status 0x%x", rep.ret,
			         rep.err, st);
	} else if (sigsys) {
		ok = true;
		snprintf(how, sizeof how, "killed by SIGSYS");
	} else if (got && rep.ret == -1 &&
	           (rep.err == EPERM || rep.err == EACCES || rep.err == ENOSYS)) {
		ok = true;
		snprintf(how, sizeof how, "failed with %s", strerror(rep.err));
	} else {
		ok = false;
		if (got)
			snprintf(how, sizeof how, "NOT BLOCKED: returned %ld (%s)", rep.ret,
			         rep.err ? strerror(rep.err) : "no error");
		else
			snprintf(how, sizeof how, "NOT BLOCKED as expected: wait status 0x%x", st);
	}
	printf("%s %s/%s: %s\n", ok ? "ok  " : "FAIL", sname, a->name, how);
	return ok;
}

int main(int argc, char **argv)
{
	int passed = 0, failed = 0;
	signal(SIGPIPE, SIG_IGN);
	for (size_t i = 0; i < sizeof ATTACKS / sizeof ATTACKS[0]; i++) {
		const attack *a = &ATTACKS[i];
		bool chosen = argc < 2;
		for (int k = 1; k < argc; k++)
			chosen = chosen || strcmp(argv[k], a->name) == 0;
		if (!chosen)
			continue;
		for (unsigned stage = WAITING; stage <= STRICT; stage <<= 1) {
			if (!(a->stages & stage))
				continue;
			if (run_one(a, stage))
				passed++;
			else
				failed++;
		}
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
