/* native_main.c - the native side of the kernels benchmark.
 *
 *     NAME.native N [--no-warmup]
 *
 * Calls run(N) once untimed (warm-up, as node's runner does), then times one
 * run(N) call. Prints the checksum on stdout as signed decimal and
 * `call: SECONDS s` on stderr, the same shapes as `wasmc-run --time`.
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

uint64_t run(uint32_t n);

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s N [--no-warmup]\n", argv[0]);
		return 2;
	}
	uint32_t n = (uint32_t)strtoul(argv[1], NULL, 0);
	int warmup = !(argc > 2 && strcmp(argv[2], "--no-warmup") == 0);
	if (warmup)
		(void)run(n);
	double t0 = now();
	uint64_t r = run(n);
	double t1 = now();
	printf("%" PRId64 "\n", (int64_t)r);
	fprintf(stderr, "call: %.6f s\n", t1 - t0);
	return 0;
}
