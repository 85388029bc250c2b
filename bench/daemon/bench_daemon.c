/*
 * bench_daemon.c - the daemon's costs, measured through libwasmc against a
 * running wasmcd (bench/run.mjs starts one on a temporary socket):
 *   instantiate   p50/p99 of wasmc_instance_new + wasmc_instance_free of a
 *                 cached module, the pool kept warm: 20 ms between rounds (a
 *                 worker takes 3-5 ms to start here; back-to-back
 *                 instantiations faster than that wait for a fresh one)
 *   call-empty    p50/p99 of one call of an export with no parameters and
 *                 no results: client -> worker -> client on the
 *                 instance's direct channel (the daemon handed it out
 *                 at the first call, which is not counted)
 *   throughput-N  calls per second of N clients (threads, each with its own
 *                 connection and instance) calling that export for 2 s
 * Prints result lines (bench_common.h) with runner "wasmcd".
 *
 *   bench-daemon --socket PATH MODULE.wasm [--quick]
 */
#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include <wasmc/wasmc.h>

#include "bench_common.h"

static const char *sock_path;
static wasmc_module *shared_module;

static void die(const char *what, wasmc_error *e)
{
	fprintf(stderr, "bench-daemon: %s: %s\n", what, e ? wasmc_error_message(e) : "failed");
	exit(1);
}

typedef struct worker {
	double seconds;
	unsigned long calls;
} worker;

static void *throughput_main(void *arg)
{
	worker *w = arg;
	wasmc_conn *c = NULL;
	wasmc_module *m = NULL;
	wasmc_instance *inst = NULL;
	wasmc_error *e = wasmc_conn_open(sock_path, NULL, &c);
	if (!e)
		e = wasmc_module_open_digest(c, wasmc_module_digest(shared_module), &m);
	if (!e)
		e = wasmc_instance_new(m, NULL, NULL, &inst);
	if (e)
		die("throughput setup", e);
	double end = bench_now() + w->seconds;
	unsigned long n = 0;
	while (bench_now() < end) {
		for (int k = 0; k < 64; k++) {
			e = wasmc_instance_call(inst, "empty", NULL, 0, NULL, 0);
			if (e)
				die("call", e);
		}
		n += 64;
	}
	w->calls = n;
	wasmc_instance_free(inst);
	wasmc_module_free(m);
	wasmc_conn_close(c);
	return NULL;
}

int main(int argc, char **argv)
{
	const char *path = NULL;
	bool quick = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--socket") == 0 && i + 1 < argc)
			sock_path = argv[++i];
		else if (strcmp(argv[i], "--quick") == 0)
			quick = true;
		else
			path = argv[i];
	}
	if (!path) {
		fprintf(stderr, "usage: bench-daemon --socket PATH MODULE.wasm [--quick]\n");
		return 2;
	}
	wasmc_conn *c = NULL;
	wasmc_error *e = wasmc_conn_open(sock_path, NULL, &c);
	if (e)
		die("connect", e);
	if ((e = wasmc_module_load_file(c, path, WASMC_TIER_FAST, &shared_module)))
		die("load", e);

	/* instantiate */
	size_t n = quick ? 50 : 300;
	double *t = calloc(n > 20000 ? n : 20000, sizeof *t);
	for (size_t i = 0; i < n + 5; i++) {
		wasmc_instance *inst = NULL;
		double t0 = bench_now();
		if ((e = wasmc_instance_new(shared_module, NULL, NULL, &inst)))
			die("instantiate", e);
		double t1 = bench_now();
		wasmc_instance_free(inst);
		if (i >= 5)
			t[i - 5] = t1 - t0;
		usleep(20000);
	}
	double p50 = bench_pct(t, n, 50), p99 = bench_pct(t, n, 99);
	bench_emit("instantiate", "wasmcd", "p50", p50, "s");
	bench_emit("instantiate", "wasmcd", "p99", p99, "s");

	/* call-empty */
	wasmc_instance *inst = NULL;
	if ((e = wasmc_instance_new(shared_module, NULL, NULL, &inst)))
		die("instantiate", e);
	n = quick ? 2000 : 20000;
	for (size_t i = 0; i < n + 100; i++) {
		double t0 = bench_now();
		if ((e = wasmc_instance_call(inst, "empty", NULL, 0, NULL, 0)))
			die("call", e);
		if (i >= 100)
			t[i - 100] = bench_now() - t0;
	}
	bench_emit("call-empty", "wasmcd", "p50", bench_pct(t, n, 50), "s");
	bench_emit("call-empty", "wasmcd", "p99", bench_pct(t, n, 99), "s");
	wasmc_instance_free(inst);

	/* throughput with 1, 4, 16 clients */
	int counts[] = {1, 4, 16};
	for (int k = 0; k < 3; k++) {
		int nt = counts[k];
		worker ws[16];
		pthread_t th[16];
		for (int i = 0; i < nt; i++) {
			ws[i] = (worker){.seconds = quick ? 0.5 : 2.0};
			pthread_create(&th[i], NULL, throughput_main, &ws[i]);
		}
		unsigned long total = 0;
		for (int i = 0; i < nt; i++) {
			pthread_join(th[i], NULL);
			total += ws[i].calls;
		}
		char name[32];
		snprintf(name, sizeof name, "throughput-%d", nt);
		bench_emit(name, "wasmcd", "calls_per_s", (double)total / ws[0].seconds, "1/s");
	}
	free(t);
	wasmc_module_free(shared_module);
	wasmc_conn_close(c);
	return 0;
}
