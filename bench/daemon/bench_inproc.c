/*
 * bench_inproc.c - the same figures as bench_daemon.c, with the engine in
 * this process (no daemon, no worker, no IPC): the floor the daemon's
 * costs are measured against. The module is compiled once (fast tier, as
 * the daemon's first artifact); then
 *   instantiate   p50/p99 of a new store + rt_instantiate + rt_store_free
 *   call-empty    p50/p99 of rt_call of the export "empty"
 *   throughput-N  calls per second of N threads, each with its own store
 *                 and instance, calling it for 2 s
 * Prints result lines (bench_common.h) with runner "in-process".
 *
 *   bench-inproc MODULE.wasm [--quick]
 */
#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#include "cmn_file.h"
#include "rt_instance.h"
#include "rt_store.h"
#include "wh_compile.h"

#include "bench_common.h"

static rt_loaded *loaded;

static void die(const char *what, const char *msg)
{
	fprintf(stderr, "bench-inproc: %s: %s\n", what, msg);
	exit(1);
}

static rt_instance *instantiate(rt_store **ret_store)
{
	rt_store *s = rt_store_new(NULL);
	rt_instance *inst = NULL;
	rt_outcome out;
	if (!s || !rt_instantiate(s, loaded, NULL, 0, &inst, &out))
		die("instantiate", s ? out.msg : "out of memory");
	*ret_store = s;
	return inst;
}

static rt_funcref *export_func(rt_instance *inst, const char *name)
{
	rt_extern ex;
	if (!rt_instance_export(inst, name, strlen(name), &ex) || ex.kind != RT_EXTERN_FUNC)
		die("export", name);
	return ex.u.func;
}

typedef struct worker {
	double seconds;
	unsigned long calls;
} worker;

static void *throughput_main(void *arg)
{
	worker *w = arg;
	rt_store *s;
	rt_instance *inst = instantiate(&s);
	rt_funcref *f = export_func(inst, "empty");
	rt_val v[1];
	rt_outcome out;
	double end = bench_now() + w->seconds;
	unsigned long n = 0;
	while (bench_now() < end) {
		for (int k = 0; k < 1024; k++)
			if (!rt_call(f, v, &out))
				die("call", out.msg);
		n += 1024;
	}
	w->calls = n;
	rt_store_free(s);
	return NULL;
}

int main(int argc, char **argv)
{
	const char *path = NULL;
	bool quick = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--quick") == 0)
			quick = true;
		else
			path = argv[i];
	}
	if (!path) {
		fprintf(stderr, "usage: bench-inproc MODULE.wasm [--quick]\n");
		return 2;
	}
	size_t size = 0;
	cmn_error err;
	uint8_t *bytes = cmn_read_file(path, &size, &err);
	if (!bytes)
		die(path, err.msg);
	jit_options opt;
	jit_options_default(&opt);
	opt.tier = JIT_TIER_FAST;
	if (wh_compile_load(bytes, size, WB_FEAT_DEFAULT, &opt, &loaded, &err) != WH_OK)
		die("compile", err.msg);

	size_t n = quick ? 50 : 300;
	double *t = calloc(20000, sizeof *t);
	for (size_t i = 0; i < n + 5; i++) {
		double t0 = bench_now();
		rt_store *s;
		instantiate(&s);
		rt_store_free(s);
		if (i >= 5)
			t[i - 5] = bench_now() - t0;
	}
	bench_emit("instantiate", "in-process", "p50", bench_pct(t, n, 50), "s");
	bench_emit("instantiate", "in-process", "p99", bench_pct(t, n, 99), "s");

	rt_store *s;
	rt_instance *inst = instantiate(&s);
	rt_funcref *f = export_func(inst, "empty");
	n = quick ? 2000 : 20000;
	rt_val v[1];
	rt_outcome out;
	for (size_t i = 0; i < n + 100; i++) {
		double t0 = bench_now();
		if (!rt_call(f, v, &out))
			die("call", out.msg);
		if (i >= 100)
			t[i - 100] = bench_now() - t0;
	}
	bench_emit("call-empty", "in-process", "p50", bench_pct(t, n, 50), "s");
	bench_emit("call-empty", "in-process", "p99", bench_pct(t, n, 99), "s");
	rt_store_free(s);

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
		bench_emit(name, "in-process", "calls_per_s", (double)total / ws[0].seconds, "1/s");
	}
	free(t);
	rt_loaded_free(loaded);
	free(bytes);
	return 0;
}
