/*
 * wcd_main.c - wasmcd: settings, startup (cache, compiler fingerprints,
 * exec pool, server), readiness, and an orderly stop on SIGTERM/SIGINT.
 *
 * Stop: stop accepting connections, answer new requests SHUTTING_DOWN,
 * give in-flight requests a moment, kill every worker (calls waiting on
 * them answer SHUTTING_DOWN), join the server threads, write the cache
 * index, exit 0.
 */
#include <errno.h>
#include <malloc.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "wcd_child.h"
#include "wcd_daemon.h"
#include "wcd_log.h"
#include "wcd_notify.h"
#include "wcd_server.h"

#define DRAIN_MS 2000

static void on_digest_gone(const uint8_t *digest, void *arg)
{
	wcd_modules_digest_gone(arg, digest);
}

/* The directory of the worker binaries: --libexec, else beside wasmcd. */
static bool libexec_dir(const wcd_config *cfg, char *out, size_t n, cmn_error *err)
{
	if (cfg->libexec) {
		snprintf(out, n, "%s", cfg->libexec);
		return true;
	}
	char self[PATH_MAX];
	ssize_t r = readlink("/proc/self/exe", self, sizeof self - 1);
	if (r <= 0)
		return cmn_fail(err, "cannot read /proc/self/exe (%s): give --libexec DIR",
		                strerror(errno));
	self[r] = 0;
	snprintf(out, n, "%s", dirname(self));
	return true;
}

static void wait_drained(wcd_daemon *d, int ms)
{
	for (int waited = 0; waited < ms && atomic_load(&d->in_flight) > 0; waited += 10) {
		struct timespec ts = {0, 10 * 1000000L};
		nanosleep(&ts, NULL);
	}
}

/* glibc keeps a per-thread cache of freed chunks (tcache, 7 per size
 * class): with 64 request threads freeing messages of every size that nng
 * allocated elsewhere, those caches alone grow the resident set by
 * megabytes under varied traffic (measured: +270 bytes per request of a
 * new size, up to ~15 MB). Tunables are read only when a program starts:
 * wasmcd runs itself again with the cache off, unless the environment
 * already sets tunables, and then drops the variable so the workers start
 * with glibc's defaults (LLVM allocates a lot). */
#define REEXEC_MARK "WASMCD_MALLOC_TUNED"
static void tune_malloc(char **argv)
{
	if (getenv(REEXEC_MARK)) {
		unsetenv(REEXEC_MARK);
		unsetenv("GLIBC_TUNABLES");
		return;
	}
	if (getenv("GLIBC_TUNABLES"))
		return;
	setenv("GLIBC_TUNABLES", "glibc.malloc.tcache_count=0", 1);
	setenv(REEXEC_MARK, "1", 1);
	execv("/proc/self/exe", argv);
	/* Not possible here: run with the defaults. */
	unsetenv(REEXEC_MARK);
	unsetenv("GLIBC_TUNABLES");
}

/* Every instance holds a channel and every client a connection: the
 * default soft limit of 1024 descriptors would be the first quota hit.
 * The soft limit goes up to the hard one (at most 65536). */
static void raise_fd_limit(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	rlim_t want = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > 65536 ? 65536 : rl.rlim_max;
	if (rl.rlim_cur >= want)
		return;
	rl.rlim_cur = want;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
		wcd_log(WCD_LOG_WARNING, "cannot raise the descriptor limit to %llu: %s",
		        (unsigned long long)want, strerror(errno));
}

int main(int argc, char **argv)
{
	tune_malloc(argv);
	wcd_daemon d;
	memset(&d, 0, sizeof d);
	cmn_error err;
	/* Request threads are many (one per nng context); glibc would give
	 * each its own malloc arena, which keeps the peak of every thread's
	 * largest request (a 64 MiB upload) resident. A few shared arenas keep
	 * the daemon's RSS flat under hostile load (tests/integration). */
	mallopt(M_ARENA_MAX, 2);
	/* Blocks of 128 KiB or more (uploads, big values, nng messages) are
	 * mapped and unmapped on their own, always: a fixed threshold stops
	 * glibc from raising it after the first big free and keeping later
	 * big blocks on the heap. */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	if (!wcd_config_load(&d.cfg, argc, argv, &err)) {
		fprintf(stderr, "wasmcd: %s\n%s", err.msg, wcd_config_usage());
		wcd_config_free(&d.cfg);
		return 2;
	}
	if (d.cfg.help || d.cfg.version) {
		fputs(d.cfg.help ? wcd_config_usage() : "wasmcd " WCD_VERSION "\n", stdout);
		wcd_config_free(&d.cfg);
		return 0;
	}
	wcd_log_set_level(d.cfg.log_level);
	raise_fd_limit();
	d.started_ms = wcd_mono_ms();

	/* Signals: SIGTERM/SIGINT are taken by sigtimedwait below (blocked in
	 * every thread); a closed stderr or channel must not kill us. */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);

	int status = 1;
	wcd_server *server = NULL;
	char libexec[PATH_MAX], exec_path[PATH_MAX + 16], compiler_path[PATH_MAX + 16];
	if (!libexec_dir(&d.cfg, libexec, sizeof libexec, &err))
		goto fail;
	snprintf(exec_path, sizeof exec_path, "%s/wasmc-exec", libexec);
	snprintf(compiler_path, sizeof compiler_path, "%s/wasmc-compiler", libexec);
	if (access(exec_path, X_OK) != 0)
		wcd_log(WCD_LOG_ERR, "exec worker %s: %s (instantiations will fail)", exec_path,
		        strerror(errno));
	if (access(compiler_path, X_OK) != 0)
		wcd_log(WCD_LOG_ERR, "compile worker %s: %s (uploads will fail)", compiler_path,
		        strerror(errno));
	const char *state = d.cfg.state_dir ? d.cfg.state_dir : d.cfg.cache;
	wcd_log(WCD_LOG_INFO, "wasmcd %s (uid %u): socket %s, cache %s, state %s, workers from %s",
	        WCD_VERSION, (unsigned)getuid(), d.cfg.socket, d.cfg.cache, state, libexec);

	if (!wcd_child_init(&err) || !wcd_cache_open(d.cfg.cache, state, d.cfg.max_cache_bytes,
	                                             d.cfg.max_cache_bytes, &d.cache, &err))
		goto fail;
	if (!wcd_modules_new(&d.modules)) {
		cmn_fail(&err, "out of memory");
		goto fail;
	}
	wcd_cache_on_gone(d.cache, on_digest_gone, d.modules);
	if (!wcd_compiler_new(compiler_path, &d.cfg, d.cache, &d.compiler, &err) ||
	    !wcd_pool_new(exec_path, &d.cfg, &d.pool, &err) ||
	    !wcd_insts_new(&d.cfg, d.pool, d.cache, &d.insts, &err) ||
	    !wcd_server_start(&d, &server, &err))
		goto fail;
	const char *fp = wcd_compiler_fp_known(d.compiler, WASMC__V1__TIER__TIER_FAST, false);
	wcd_log(WCD_LOG_NOTICE,
	        "listening on ipc://%s (%u threads, %u pre-started workers, engine %s)",
	        d.cfg.socket, d.cfg.threads, d.cfg.pool, fp ? fp : "unavailable");
	wcd_notify("READY=1");

	int sig;
	for (;;) {
		struct timespec tick = {5, 0};
		siginfo_t si;
		sig = sigtimedwait(&stop, &si, &tick);
		if (sig == SIGTERM || sig == SIGINT)
			break;
		if (sig == SIGHUP)
			wcd_log(WCD_LOG_INFO,
			        "SIGHUP ignored (restart wasmcd to change its settings)");
		if (!wcd_cache_flush(d.cache, &err))
			wcd_log(WCD_LOG_ERR, "cache: cannot write the index: %s", err.msg);
	}
	wcd_log(WCD_LOG_NOTICE, "%s: stopping", strsignal(sig));
	wcd_notify("STOPPING=1");
	atomic_store(&d.stopping, true);
	wcd_server_stop_listening(server);
	wcd_compiler_stop(d.compiler);
	wait_drained(&d, DRAIN_MS);
	wcd_insts_stop(d.insts);
	wcd_child_kill_all(2000);
	wait_drained(&d, DRAIN_MS);
	wcd_server_free(server);
	server = NULL;
	status = 0;
	goto out;
fail:
	wcd_log(WCD_LOG_ERR, "%s", err.msg);
	atomic_store(&d.stopping, true);
	if (d.compiler)
		wcd_compiler_stop(d.compiler);
	if (d.insts)
		wcd_insts_stop(d.insts);
	wcd_child_kill_all(2000);
out:
	wcd_server_free(server);
	wcd_insts_free(d.insts);
	wcd_pool_free(d.pool);
	wcd_compiler_free(d.compiler);
	wcd_child_kill_all(2000);
	wcd_cache_close(d.cache);
	wcd_modules_free(d.modules);
	wcd_config_free(&d.cfg);
	if (status == 0)
		wcd_log(WCD_LOG_INFO, "stopped");
	return status;
}
