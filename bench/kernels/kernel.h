/* kernel.h - what every benchmark kernel shares.
 *
 * Each kernel is one freestanding C file defining
 *
 *     uint64_t run(uint32_t n);
 *
 * which does deterministic work scaled by n and returns a checksum. The same
 * source is compiled to wasm32 (no imports; `run` is the only export besides
 * the memory) and natively, with the same flags, into a timing driver
 * (native_main.c). No libc: state lives in static arrays, and run()
 * initialises all of it, so calling it twice gives the same result.
 *
 * BENCH_N in each kernel is the n the benchmark uses (native -O2 about
 * 0.2-0.5 s on the development machine).
 */
#ifndef BENCH_KERNEL_H
#define BENCH_KERNEL_H

#include <stdint.h>

uint64_t run(uint32_t n);

/* xorshift32: small deterministic pseudo-random numbers. */
static inline uint32_t k_rand(uint32_t *state)
{
	uint32_t x = *state;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*state = x;
	return x;
}

/* Mixes a value into a running 64-bit checksum. */
static inline uint64_t k_mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	return h;
}

/* The bits of a double, so floating-point results are compared exactly. */
static inline uint64_t k_f64_bits(double d)
{
	union {
		double d;
		uint64_t u;
	} x;
	x.d = d;
	return x.u;
}

#endif
