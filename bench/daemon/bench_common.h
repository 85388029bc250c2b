/*
 * bench_common.h - what the daemon benchmarks share: a monotonic clock,
 * percentiles of a sample, and the result line format bench/run.mjs reads
 * (one JSON object per line: suite, name, runner, metric, value, unit).
 * Header-only helpers of a few lines each.
 */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static inline double bench_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline int bench_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* The p-th percentile (0..100) of n samples (sorts them). */
static inline double bench_pct(double *v, size_t n, double p)
{
	qsort(v, n, sizeof *v, bench_cmp);
	size_t i = (size_t)(p / 100.0 * (double)(n - 1) + 0.5);
	return v[i < n ? i : n - 1];
}

static inline void bench_emit(const char *name, const char *runner, const char *metric,
                              double value, const char *unit)
{
	printf("{\"suite\": \"daemon\", \"name\": \"%s\", \"runner\": \"%s\", "
	       "\"metric\": \"%s\", \"value\": %.9g, \"unit\": \"%s\"}\n",
	       name, runner, metric, value, unit);
	fflush(stdout);
}

#endif
