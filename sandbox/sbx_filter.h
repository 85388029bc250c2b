/*
 * sbx_filter.h - the seccomp filters of the workers (libseccomp).
 *
 * Every filter is for the native architecture only: a syscall made through
 * another ABI (i386 `int 0x80`, x32 numbers with bit 30 set) kills the
 * process, as does any syscall an allow-list does not name
 * (SCMP_ACT_KILL_PROCESS). Filters stack: once installed they stay for the
 * life of the process, and a later filter can only take more away.
 *
 * The caller must have set PR_SET_NO_NEW_PRIVS (sbx_layers.h); loading
 * does not set it. Each function installs its filter on the calling
 * process (all threads: SECCOMP_FILTER_FLAG_TSYNC) or fails with a
 * message.
 */
#ifndef SBX_FILTER_H
#define SBX_FILTER_H

#include <stdbool.h>

#include "cmn_error.h"

/* The exec worker while it waits for and loads its instance: channel I/O
 * (recvmsg, sendmsg, poll, read, write), memory (mmap and mprotect, with
 * PROT_EXEC to map the artifact's code; munmap, mremap, madvise, brk),
 * futex, fstat / pread of the artifact descriptor, signals (rt_sigaction,
 * rt_sigreturn, sigaltstack, setitimer; kill/tgkill/tkill of itself only),
 * rlimits of itself (the CPU limit comes with the instance), seccomp
 * (SET_MODE_FILTER only, for the strict filter), exit. */
bool sbx_filter_exec_wait(cmn_error *err);

/* The exec worker once its instance exists (stacked on the one above):
 * no mmap/mprotect with PROT_EXEC (pkey_mprotect at all), no open/openat,
 * socket, connect, execve(at), fork/vfork/clone/clone3, ptrace,
 * kill/tkill/tgkill of any other process, process_vm_*, io_uring_*, bpf,
 * unshare, setns, mount, memfd_create, seccomp, setting rlimits (reading
 * them stays allowed). */
bool sbx_filter_exec_strict(cmn_error *err);
/* Compiles the strict filter to BPF ahead of time (before the waiting
 * filter: it needs a pipe); sbx_filter_exec_strict then only installs it.
 * Without it, sbx_filter_exec_strict compiles at install time. */
bool sbx_filter_exec_strict_prepare(cmn_error *err);

/* The compile worker (LLVM): the exec waiting list without PROT_EXEC and
 * seccomp, plus threads (clone with CLONE_THREAD only; clone3 fails with
 * ENOSYS so the C library falls back to clone), their bookkeeping
 * (set_robust_list, rseq, sched_getaffinity, sched_yield), and every
 * open/openat failing with EACCES (LLVM probes a few files and copes).
 * No exec, no socket, no fork. */
bool sbx_filter_compile(cmn_error *err);

#endif
