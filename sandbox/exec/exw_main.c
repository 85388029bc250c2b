/*
 * wasmc-exec - the exec worker: runs one instance of one compiled module in
 * a sandboxed process, for wasmcd (DESIGN.md §1, §6). Contract with the
 * daemon: proto/wasmc/v1/worker.proto and what follows.
 *
 * Start: fork + exec by the daemon, with the channel (a unix stream
 * socket) as fd 3. Nothing else is inherited: fds other than 3 are
 * closed and 0, 1, 2 reopened on /dev/null (so the worker prints nothing
 * once it runs). No environment variable is read. The death signal
 * (PR_SET_PDEATHSIG) fires when the THREAD that forked the worker ends:
 * fork workers from threads that live as long as the daemon. Startup to
 * Ready takes about 3 ms with namespaces; idle RSS about 6 MiB.
 *
 *   wasmc-exec [--no-namespaces] [--log-level N] [--data-mb N]
 *
 *   --no-namespaces  skip the user/net/mount/IPC/UTS namespaces (tests;
 *                    a kernel refusing them only produces warnings anyway)
 *   --log-level N    accepted for symmetry with the daemon; the worker
 *                    has no log (stderr is /dev/null): it reports through
 *                    the channel (ExecReady.warnings, Error messages)
 *   --data-mb N      RLIMIT_DATA in MiB (default 4096): bounds the guest's
 *                    memories and the worker's heap
 *
 * Works as root and as an unprivileged user. Sandbox, in this order:
 * setsid; PR_SET_PDEATHSIG(SIGKILL) (exits 3 when the parent already
 * changed); not dumpable; fds; namespaces (refusals -> warnings); rlimits
 * (DATA, NOFILE 16, FSIZE 0, NPROC 0, CORE 0); the runtime's stack limit;
 * libcrypto warm-up; no_new_privs; Landlock with no file access (missing ->
 * warning); the waiting seccomp filter (sandbox/sbx_filter.h). Then the
 * worker sends ExecReply{ready{pid, warnings}} and waits.
 *
 * Conversation (one request at a time, strictly nested):
 *   ExecLoad (frame carries the artifact fd; key = HMAC key or empty for
 *     an unkeyed artifact; fingerprint = exactly the artifact's, or empty
 *     for any) -> Loaded{exports with types, memory_bytes}
 *       | Error: INVALID_MODULE (artifact refused: magic, version,
 *         fingerprint, MAC; the runtime's message), BAD_REQUEST ("a fuel
 *         limit needs an artifact compiled with fuel"), LINK_FAILED
 *         ("unknown import: \"m\" \"n\"" for any import not named in
 *         ExecLoad.imports or not a function), QUOTA_EXCEEDED (a memory
 *         or table minimum over the limits), BAD_REQUEST (no fd, second
 *         ExecLoad), INTERNAL
 *       | Trap with fatal=true (the start function trapped).
 *     A start function that calls an import sends HostCall first, exactly
 *     as a call does. Only ONE ExecLoad per worker, successful or not:
 *     after a failed load, kill the worker and take a fresh one.
 *     guard_bytes 0 means 2 GiB; a value below the guard the artifact was
 *     compiled for (its fingerprint says) is raised to it.
 *     Once the artifact is mapped the strict filter is installed (before
 *     instantiation): no PROT_EXEC, no open, no socket, no exec/fork/clone,
 *     no signals to other processes, ...
 *   ExecCall -> Results | Trap | HostCall | Error (NOT_FOUND: no such
 *     export or not a function; BAD_REQUEST: wrong argument count or
 *     types, before any load; INSTANCE_DEAD after a fatal trap).
 *     deadline_ms 0 means InstanceLimits.deadline_ms of the load (0: none).
 *     Deadline: trap TRAP_DEADLINE "deadline exceeded", fatal=false.
 *     CPU limit (InstanceLimits.cpu_ms, for the whole instance; RLIMIT_CPU
 *     whole seconds rounded up, hard limit 2 s later kills with SIGKILL):
 *     trap "deadline exceeded" with fatal=true. Out of fuel: trap
 *     TRAP_OUT_OF_FUEL "all fuel consumed", fatal=true. memory.grow past
 *     max_memory_bytes returns -1 (no trap).
 *   HostCall{func_id, args}: answer with ExecHostReturn{results | trap};
 *     ExecCall and ExecStats may come first (nested calls, any depth up to
 *     200 active calls) and are answered normally; the HostCall then still
 *     waits. A trap string makes the guest trap TRAP_HOST with it; results
 *     of the wrong count or types trap "host function returned bad
 *     results: ...".
 *   ExecStats -> Stats{memory_bytes, fuel_left (-1 without fuel)}.
 *   ExecWatch (frame carries a memfd page; not answered): the deadline of
 *     the calls in progress is kept there (u64 ns, CLOCK_MONOTONIC) for the
 *     daemon's watchdog.
 *   ExecAttach (frame carries a socket; not answered): the instance's
 *     direct channel. Between calls the worker waits on both channels;
 *     a call from either is served to its end (host calls included) on
 *     the channel it came from. On the direct channel the frames are
 *     the public wasmc.v1 Request (call, host_return) and Response
 *     (sandbox/exec/exw_direct.h).
 * Values: worker.proto / wasmc.proto Value; i32/f32 must fit in 32 bits;
 * externref tokens are the client's (2^64-1 refused); funcref tokens are
 * handed out by this worker (index into its table, stable per function).
 *
 * Exit statuses (anything else: a signal; SIGSYS = the seccomp filter
 * killed it, SIGKILL = CPU hard limit, death of the daemon, or the daemon):
 *   0  channel EOF (the daemon closed it)
 *   2  bad command line (printed to stderr, before the sandbox)
 *   3  a sandbox layer failed (or the parent died during startup)
 *   4  channel error: I/O error, truncated frame, frame over 16 MiB
 *   5  malformed request: not an ExecRequest, body not set, over the
 *      unpacking budget, invalid UTF-8, ExecAttach or ExecWatch without
 *      its descriptor
 *   6  out of memory outside guest code
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <link.h>
#include <sys/mman.h>
#include <unistd.h>

#include "exw_chan.h"
#include "exw_inst.h"
#include "sbx_worker.h"

static void usage(void)
{
	fprintf(stderr, "usage: wasmc-exec [--no-namespaces] [--log-level N] [--data-mb N]\n"
	                "(started by wasmcd with its channel as fd 3)\n");
}

/* One loaded object's executable segments: page tables filled now. */
static int prefault_object(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size, (void)data;
	long page = sysconf(_SC_PAGESIZE);
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X) || ph->p_memsz == 0)
			continue;
		uintptr_t start = (info->dlpi_addr + ph->p_vaddr) & ~(uintptr_t)(page - 1);
		uintptr_t end = info->dlpi_addr + ph->p_vaddr + ph->p_memsz;
		(void)madvise((void *)start, end - start, MADV_POPULATE_READ);
	}
	return 0;
}

/* The code of the worker and its libraries mapped into the page tables
 * while the worker waits in the pool: an instantiation then takes no page
 * fault on code it runs for the first time (~50 us of the load here).
 * Only code: its pages are the page cache's, shared by every worker, so
 * the worker's own memory does not grow. Best effort (old kernels lack
 * MADV_POPULATE_READ). */
static void prefault_code(void)
{
	dl_iterate_phdr(prefault_object, NULL);
}

static void send_ready(const sbx_warnings *w)
{
	char *msgs[SBX_MAX_WARNINGS];
	for (unsigned i = 0; i < w->n; i++)
		msgs[i] = (char *)w->msg[i];
	Wasmc__V1__Worker__ExecReady ready = WASMC__V1__WORKER__EXEC_READY__INIT;
	ready.pid = (uint32_t)getpid();
	ready.n_warnings = w->n;
	ready.warnings = msgs;
	Wasmc__V1__Worker__ExecReply r = WASMC__V1__WORKER__EXEC_REPLY__INIT;
	r.body_case = WASMC__V1__WORKER__EXEC_REPLY__BODY_READY;
	r.ready = &ready;
	exw_send(&r);
}

int main(int argc, char **argv)
{
	sbx_exec_config cfg;
	sbx_exec_config_default(&cfg); /* records getppid() first */
	for (int i = 1; i < argc; i++) {
		uint64_t n;
		if (strcmp(argv[i], "--no-namespaces") == 0) {
			cfg.namespaces = false;
		} else if (strcmp(argv[i], "--log-level") == 0 && i + 1 < argc) {
			i++; /* any value: the worker has no log */
		} else if (strcmp(argv[i], "--data-mb") == 0 && i + 1 < argc &&
		           sbx_parse_u64(argv[i + 1], &n) && n > 0 && n < (1ull << 40)) {
			cfg.data_bytes = n << 20;
			i++;
		} else {
			usage();
			return EXW_EXIT_USAGE;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	prefault_code();
	sbx_warnings w;
	sbx_warnings_init(&w);
	cmn_error err;
	if (!sbx_exec_enter_waiting(&cfg, &w, &err)) {
		/* stderr may already be /dev/null */
		fprintf(stderr, "wasmc-exec: %s\n", err.msg);
		exw_exit(EXW_EXIT_SANDBOX);
	}
	exw_chan_init(cfg.channel_fd);
	exw_warm_up();
	send_ready(&w);
	for (;;) {
		exw_request *r = exw_recv_top();
		switch (r->msg->body_case) {
		/* Not answered; without their descriptor they are malformed. */
		case WASMC__V1__WORKER__EXEC_REQUEST__BODY_WATCH:
			if (r->fd < 0)
				exw_exit(EXW_EXIT_MALFORMED);
			exw_watch_attach(r->fd);
			break;
		case WASMC__V1__WORKER__EXEC_REQUEST__BODY_ATTACH:
			if (r->fd < 0)
				exw_exit(EXW_EXIT_MALFORMED);
			exw_chan_attach(r->fd);
			r->fd = -1;
			break;
		case WASMC__V1__WORKER__EXEC_REQUEST__BODY_LOAD:
			exw_load(r);
			break;
		case WASMC__V1__WORKER__EXEC_REQUEST__BODY_CALL:
			exw_call(r->msg->call);
			break;
		case WASMC__V1__WORKER__EXEC_REQUEST__BODY_STATS:
			exw_stats();
			break;
		default:
			exw_send_error(WASMC__V1__ERROR_CODE__BAD_REQUEST,
			               "ExecHostReturn with no host call waiting");
			break;
		}
		exw_request_free(r);
	}
}
