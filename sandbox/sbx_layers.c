/*
 * sbx_layers.c - session, descriptors, namespaces, Landlock, rlimits and
 * no_new_privs for a worker process.
 */
#include "sbx_layers.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/landlock.h>

void sbx_warnings_init(sbx_warnings *w)
{
	memset(w, 0, sizeof *w);
}

void sbx_warn(sbx_warnings *w, const char *fmt, ...)
{
	if (!w || w->n >= SBX_MAX_WARNINGS)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(w->msg[w->n], SBX_WARNING_LEN, fmt, ap);
	va_end(ap);
	w->n++;
}

bool sbx_session(pid_t ppid, cmn_error *err)
{
	/* Fails only when we already lead a group (started by hand from a
	 * shell without fork): then we keep the session we have. */
	if (setsid() < 0 && errno != EPERM)
		return cmn_fail(err, "setsid: %s", strerror(errno));
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0)
		return cmn_fail(err, "PR_SET_PDEATHSIG: %s", strerror(errno));
	if (getppid() != ppid)
		return cmn_fail(err, "parent exited");
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		return cmn_fail(err, "PR_SET_DUMPABLE: %s", strerror(errno));
	return true;
}

bool sbx_close_fds(int keep, cmn_error *err)
{
	if (keep < 3)
		return cmn_fail(err, "channel descriptor %d collides with stdio", keep);
	if (fcntl(keep, F_GETFD) < 0)
		return cmn_fail(err, "channel descriptor %d is not open", keep);
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0)
		return cmn_fail(err, "cannot open /dev/null: %s", strerror(errno));
	for (int fd = 0; fd < 3; fd++) {
		if (fd != null && dup2(null, fd) < 0)
			return cmn_fail(err, "dup2 on %d: %s", fd, strerror(errno));
	}
	/* dup2 copies never carry FD_CLOEXEC; the original (when above 2) is
	 * closed by close_range. */
	if (keep > 3 && close_range(3, (unsigned)keep - 1, 0) != 0)
		return cmn_fail(err, "close_range: %s", strerror(errno));
	if (close_range((unsigned)keep + 1, ~0u, 0) != 0)
		return cmn_fail(err, "close_range: %s", strerror(errno));
	return true;
}

void sbx_namespaces(sbx_warnings *w)
{
	static const struct {
		int flag;
		const char *name;
	} NS[] = {
	        {CLONE_NEWUSER, "user namespace"}, {CLONE_NEWNET, "network namespace"},
	        {CLONE_NEWNS, "mount namespace"},  {CLONE_NEWIPC, "IPC namespace"},
	        {CLONE_NEWUTS, "UTS namespace"},
	};
	for (size_t i = 0; i < sizeof NS / sizeof NS[0]; i++)
		if (unshare(NS[i].flag) != 0)
			sbx_warn(w, "%s: %s", NS[i].name, strerror(errno));
}

/* struct landlock_ruleset_attr as of ABI 6; older kernels take a prefix
 * (the size we pass tells them which). The system header may be older. */
struct sbx_ll_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;
	uint64_t scoped;
};

void sbx_landlock(sbx_warnings *w)
{
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	if (abi < 0) {
		sbx_warn(w, "landlock: %s", strerror(errno));
		return;
	}
	struct sbx_ll_attr attr;
	memset(&attr, 0, sizeof attr);
	size_t size = sizeof attr.handled_access_fs;
	/* ABI 1: bits 0..12; 2: REFER (13); 3: TRUNCATE (14); 5: IOCTL_DEV
	 * (15). */
	attr.handled_access_fs = (1ull << 13) - 1;
	if (abi >= 2)
		attr.handled_access_fs |= 1ull << 13;
	if (abi >= 3)
		attr.handled_access_fs |= 1ull << 14;
	if (abi >= 5)
		attr.handled_access_fs |= 1ull << 15;
	if (abi >= 4) {
		attr.handled_access_net = 3; /* BIND_TCP | CONNECT_TCP */
		size = offsetof(struct sbx_ll_attr, scoped);
	}
	if (abi >= 6) {
		attr.scoped = 3; /* ABSTRACT_UNIX_SOCKET | SIGNAL */
		size = sizeof attr;
	}
	long fd = syscall(SYS_landlock_create_ruleset, &attr, size, 0);
	if (fd < 0) {
		sbx_warn(w, "landlock: create ruleset: %s", strerror(errno));
		return;
	}
	if (SBX_ASAN) {
		/* AddressSanitizer reads /proc/self/maps (sbx_layers.h) */
		struct landlock_path_beneath_attr pb = {
		        .allowed_access = LANDLOCK_ACCESS_FS_READ_FILE,
		        .parent_fd = open("/proc", O_PATH | O_CLOEXEC),
		};
		if (pb.parent_fd < 0 || syscall(SYS_landlock_add_rule, (int)fd,
		                                LANDLOCK_RULE_PATH_BENEATH, &pb, 0) != 0)
			sbx_warn(w, "landlock: /proc rule: %s", strerror(errno));
		if (pb.parent_fd >= 0)
			close(pb.parent_fd);
	}
	if (syscall(SYS_landlock_restrict_self, (int)fd, 0) != 0)
		sbx_warn(w, "landlock: restrict self: %s", strerror(errno));
	close((int)fd);
}

static bool set_limit(int res, const char *name, rlim_t soft, rlim_t hard, cmn_error *err)
{
	struct rlimit cur;
	if (getrlimit(res, &cur) != 0)
		return cmn_fail(err, "getrlimit %s: %s", name, strerror(errno));
	/* Never raise a hard limit we were given (only root may). */
	if (cur.rlim_max != RLIM_INFINITY && hard > cur.rlim_max)
		hard = cur.rlim_max;
	if (soft > hard)
		soft = hard;
	struct rlimit rl = {.rlim_cur = soft, .rlim_max = hard};
	if (setrlimit(res, &rl) != 0)
		return cmn_fail(err, "setrlimit %s: %s", name, strerror(errno));
	return true;
}

/* AddressSanitizer's shadow memory is terabytes of private writable
 * mappings: under it no RLIMIT_DATA can hold (sanitizer builds are for
 * tests only). */
bool sbx_rlimits_apply(const sbx_rlimits *rl, cmn_error *err)
{
	if (!SBX_ASAN && rl->data_bytes &&
	    !set_limit(RLIMIT_DATA, "RLIMIT_DATA", rl->data_bytes, rl->data_bytes, err))
		return false;
	if (rl->nofile && !set_limit(RLIMIT_NOFILE, "RLIMIT_NOFILE", rl->nofile, rl->nofile, err))
		return false;
	if (rl->cpu_seconds &&
	    !set_limit(RLIMIT_CPU, "RLIMIT_CPU", rl->cpu_seconds, rl->cpu_seconds + 2, err))
		return false;
	if (rl->no_files && !set_limit(RLIMIT_FSIZE, "RLIMIT_FSIZE", 0, 0, err))
		return false;
	if (rl->no_procs && !set_limit(RLIMIT_NPROC, "RLIMIT_NPROC", 0, 0, err))
		return false;
	if (rl->no_core && !set_limit(RLIMIT_CORE, "RLIMIT_CORE", 0, 0, err))
		return false;
	return true;
}

bool sbx_no_new_privs(cmn_error *err)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return cmn_fail(err, "PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
	return true;
}
