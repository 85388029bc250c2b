/* sieve: sieve of Eratosthenes over a byte array of the odd numbers below
 * 4,000,000, n times (each round also sieves a window that moves with the
 * round). Checksum: prime counts and a sample of primes. */
#include "kernel.h"

#define BENCH_N 200
#define LIMIT 4000000u

static uint8_t composite[LIMIT / 2];

static uint32_t sieve(uint32_t limit)
{
	uint32_t half = limit / 2; /* composite[i] is about 2i+1 */
	for (uint32_t i = 0; i < half; i++)
		composite[i] = 0;
	composite[0] = 1; /* 1 */
	for (uint32_t i = 1; (2 * i + 1) * (2 * i + 1) < limit; i++) {
		if (composite[i])
			continue;
		uint32_t p = 2 * i + 1;
		for (uint32_t j = (p * p) / 2; j < half; j += p)
			composite[j] = 1;
	}
	uint32_t count = limit > 2 ? 1 : 0; /* 2 */
	for (uint32_t i = 0; i < half; i++)
		count += !composite[i];
	return count;
}

uint64_t run(uint32_t n)
{
	uint64_t h = 0;
	for (uint32_t r = 0; r < n; r++) {
		uint32_t limit = LIMIT - (r % 97) * 1000;
		uint32_t count = sieve(limit);
		h = k_mix(h, count);
		/* the largest prime below the limit */
		for (uint32_t i = limit / 2 - 1; i > 0; i--) {
			if (!composite[i]) {
				h = k_mix(h, 2 * i + 1);
				break;
			}
		}
	}
	return h;
}
