/*
 * bench_greet.c - the seed example's costs through a running wasmcd
 * (bench/components.mjs starts one on a temporary socket), with libwasmc:
 *   instantiate-greet  p50/p99 of wasmc_component_instance_new +
 *                      wasmc_instance_free of the cached greet component
 *                      (20 ms between rounds, so the worker pool keeps up)
 *   call-greet         p50/p99 of one call of `greet`, the client's `name`
 *                      callback included: client -> worker -> client
 *                      (host call) -> worker -> client, on the instance's
 *                      direct channel
 * Result lines (suite components, runner wasmcd) on stdout.
 *
 *   bench-greet --socket PATH GREET.wasm [--quick]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <wasmc/wasmc.h>

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double pct(double *v, size_t n, double p)
{
	qsort(v, n, sizeof *v, cmp);
	size_t i = (size_t)(p / 100.0 * (double)(n - 1) + 0.5);
	return v[i < n ? i : n - 1];
}

static void emit(const char *name, const char *metric, double value)
{
	printf("{\"suite\": \"components\", \"name\": \"%s\", \"runner\": \"wasmcd\", "
	       "\"metric\": \"%s\", \"value\": %.9g, \"unit\": \"s\"}\n",
	       name, metric, value);
	fflush(stdout);
}

static void die(const char *what, wasmc_error *e)
{
	fprintf(stderr, "bench-greet: %s: %s\n", what, e ? wasmc_error_message(e) : "failed");
	exit(1);
}

static const char *name_cb(void *env, const wasmc_cval *args, size_t nargs,
                           wasmc_cval *results, size_t nresults)
{
	(void)env, (void)args, (void)nargs;
	if (nresults != 1)
		return "name: one result expected";
	wasmc_error *e = wasmc_cval_string_z("Alice", &results[0]);
	if (e) {
		wasmc_error_free(e);
		return "out of memory";
	}
	return NULL;
}

int main(int argc, char **argv)
{
	const char *sock = NULL, *path = NULL;
	bool quick = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--socket") == 0 && i + 1 < argc)
			sock = argv[++i];
		else if (strcmp(argv[i], "--quick") == 0)
			quick = true;
		else
			path = argv[i];
	}
	if (!sock || !path) {
		fprintf(stderr, "usage: bench-greet --socket PATH GREET.wasm [--quick]\n");
		return 2;
	}
	wasmc_conn *c = NULL;
	wasmc_error *e = wasmc_conn_open(sock, NULL, &c);
	if (e)
		die("connect", e);
	wasmc_module *m = NULL;
	if ((e = wasmc_module_load_file(c, path, WASMC_TIER_FAST, &m)))
		die("load", e);
	wasmc_linker *l = wasmc_linker_new();
	if ((e = wasmc_linker_define_func(l, "", "name", name_cb, NULL)))
		die("define", e);

	size_t n = quick ? 50 : 300;
	double *t = calloc(20000, sizeof *t);
	for (size_t i = 0; i < n + 5; i++) {
		wasmc_instance *inst = NULL;
		double t0 = now_s();
		if ((e = wasmc_component_instance_new(m, l, NULL, &inst)))
			die("instantiate", e);
		double t1 = now_s();
		wasmc_instance_free(inst);
		if (i >= 5)
			t[i - 5] = t1 - t0;
		usleep(20000);
	}
	emit("instantiate-greet", "p50", pct(t, n, 50));
	emit("instantiate-greet", "p99", pct(t, n, 99));

	wasmc_instance *inst = NULL;
	if ((e = wasmc_component_instance_new(m, l, NULL, &inst)))
		die("instantiate", e);
	n = quick ? 2000 : 20000;
	for (size_t i = 0; i < n + 100; i++) {
		char *s = NULL;
		double t0 = now_s();
		if ((e = wasmc_component_call_string(inst, "greet", &s)))
			die("greet", e);
		double dt = now_s() - t0;
		if (i == 0 && strcmp(s, "Hello, Alice!") != 0) {
			fprintf(stderr, "bench-greet: greet returned \"%s\"\n", s);
			return 1;
		}
		free(s);
		if (i >= 100)
			t[i - 100] = dt;
	}
	emit("call-greet", "p50", pct(t, n, 50));
	emit("call-greet", "p99", pct(t, n, 99));
	wasmc_instance_free(inst);
	wasmc_linker_free(l);
	wasmc_module_free(m);
	wasmc_conn_close(c);
	free(t);
	return 0;
}
