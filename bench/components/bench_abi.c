/*
 * bench_abi.c - canonical ABI throughput (suite `components`): a 1 MiB
 * list<u8> and a 1 MiB UTF-8 string lowered into a linear memory (through
 * a bump-allocating realloc) and lifted back into a fresh value node list,
 * as a call's argument and its result would be (runner `wasmc`), beside a
 * plain memcpy of the same bytes (runner `native-memcpy`). Throughput is
 * the value's bytes (1 MiB) over the time of one lower + lift, in MB/s
 * (10^6 bytes); the median of the rounds.
 *
 * Prints one JSON line per figure on stdout:
 *   {"suite":"components","name":"list-u8-1mib","runner":"wasmc",
 *    "metric":"throughput","value":123.4,"unit":"MB/s"}
 *
 *   bench-abi [--rounds N]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cm_abi.h"

#define MIB (1u << 20)

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void die(const char *what, const char *msg)
{
	fprintf(stderr, "bench-abi: %s: %s\n", what, msg);
	exit(1);
}

/* A linear memory of 4 MiB whose realloc bumps a pointer; reset per round. */
typedef struct bump {
	cm_mem mem;
	uint32_t next;
} bump;

static bool bump_realloc(cm_mem *m, uint32_t old, uint32_t old_size, uint32_t align,
                         uint32_t new_size, uint32_t *ret, cm_trap *trap)
{
	bump *b = m->env;
	uint32_t p = (b->next + align - 1) / align * align;
	if ((uint64_t)p + new_size > m->len)
		return cm_trap_set(trap, "bench memory exhausted");
	if (old)
		memmove(m->base + p, m->base + old, old_size < new_size ? old_size : new_size);
	b->next = p + new_size;
	*ret = p;
	return true;
}

static void print(const char *name, const char *runner, double mbps)
{
	printf("{\"suite\":\"components\",\"name\":\"%s\",\"runner\":\"%s\",\"metric\":"
	       "\"throughput\",\"value\":%.1f,\"unit\":\"MB/s\"}\n",
	       name, runner, mbps);
	fflush(stdout);
}

/* Median MB/s of `rounds` lower+lift rounds of the value in `in`. */
static double measure(const cm_abi *abi, cm_tid t, const cm_vals *in, bump *b, int rounds)
{
	double *secs = malloc((size_t)rounds * sizeof(double));
	cm_case c = {.name = "x", .type = t};
	for (int r = 0; r < rounds; r++) {
		cm_cx cx;
		cm_cx_init(&cx, abi);
		cx.mem = &b->mem;
		b->next = 8;
		uint64_t flat[CM_MAX_FLAT_CORE];
		uint32_t nflat;
		cm_vals out;
		cm_vals_init(&out);
		double t0 = now();
		if (!cm_abi_lower_values(&cx, CM_MAX_FLAT_PARAMS, &c, 1, in, 0, NULL, flat, &nflat))
			die("lower", cx.trap.msg);
		if (!cm_abi_lift_values(&cx, CM_MAX_FLAT_PARAMS, &c, 1, flat, nflat, &out))
			die("lift", cx.trap.msg);
		secs[r] = now() - t0;
		if (out.n != in->n)
			die("lift", "node count differs");
		cm_vals_free(&out);
	}
	qsort(secs, (size_t)rounds, sizeof(double), cmp_double);
	double mbps = MIB / secs[rounds / 2] / 1e6;
	free(secs);
	return mbps;
}

static double measure_memcpy(const uint8_t *src, int rounds)
{
	uint8_t *dst = malloc(MIB);
	double *secs = malloc((size_t)rounds * sizeof(double));
	memset(dst, 0, MIB);
	for (int r = 0; r < rounds; r++) {
		double t0 = now();
		memcpy(dst, src, MIB);
		__asm__ volatile("" : : "r"(dst) : "memory");
		secs[r] = now() - t0;
	}
	qsort(secs, (size_t)rounds, sizeof(double), cmp_double);
	double mbps = MIB / secs[rounds / 2] / 1e6;
	free(secs);
	free(dst);
	return mbps;
}

int main(int argc, char **argv)
{
	int rounds = 31;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--rounds") && i + 1 < argc)
			rounds = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--quick"))
			rounds = 5;
		else
			die("usage", "bench-abi [--rounds N] [--quick]");
	}
	if (rounds < 1)
		rounds = 1;

	cm_types *types = cm_types_new();
	cm_type lt = {.kind = CM_LIST, .elem = CM_U8, .err = CM_TID_NONE};
	cm_tid lu8;
	if (!types || !cm_types_add(types, &lt, &lu8))
		die("types", "out of memory");
	cm_abi *abi = cm_abi_new(types);
	if (!abi)
		die("abi", "out of memory");
	bump b = {.mem = {.len = 4 * MIB, .realloc = bump_realloc}};
	b.mem.base = calloc(1, b.mem.len);
	b.mem.env = &b;

	/* the bytes: text with some multi-byte characters, valid UTF-8 */
	uint8_t *bytes = malloc(MIB);
	static const char text[] = "The quick brown fox jumps over the lazy dog; Zoë 🦀 ☃ ";
	size_t tl = sizeof text - 1;
	size_t pos = 0;
	while (pos + tl <= MIB) {
		memcpy(bytes + pos, text, tl);
		pos += tl;
	}
	memset(bytes + pos, 'x', MIB - pos);

	cm_vals list, str;
	cm_vals_init(&list);
	cm_vals_init(&str);
	if (cm_vals_push(&list, &(cm_val){.kind = CM_LIST, .n = MIB}) < 0)
		die("values", "out of memory");
	for (uint32_t i = 0; i < MIB; i++)
		if (cm_vals_push(&list, &(cm_val){.kind = CM_U8, .u = bytes[i]}) < 0)
			die("values", "out of memory");
	if (cm_vals_push_bytes(&str, &(cm_val){.kind = CM_STRING}, bytes, MIB) < 0)
		die("values", "out of memory");

	double l = measure(abi, lu8, &list, &b, rounds);
	double s = measure(abi, CM_STRING, &str, &b, rounds);
	double m = measure_memcpy(bytes, rounds);
	print("list-u8-1mib", "wasmc", l);
	print("list-u8-1mib", "native-memcpy", m);
	print("string-1mib", "wasmc", s);
	print("string-1mib", "native-memcpy", m);
	fprintf(stderr, "bench-abi: %d rounds: list<u8> %.1f MB/s, string %.1f MB/s, memcpy %.1f MB/s\n",
	        rounds, l, s, m);

	cm_vals_free(&list);
	cm_vals_free(&str);
	free(bytes);
	free(b.mem.base);
	cm_abi_free(abi);
	cm_types_free(types);
	return 0;
}
