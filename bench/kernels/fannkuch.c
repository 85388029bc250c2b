/* fannkuch: for every permutation of 0..n-1 (generated with Heap's
 * algorithm), count the prefix reversals needed until 0 comes first; keep the
 * largest count and an alternating-sign sum of the counts. n is the
 * permutation length (at most 12). Checksum: both numbers. */
#include "kernel.h"

#define BENCH_N 10
#define BENCH_N_QUICK 8
#define MAXN 12

static uint8_t perm[MAXN], work[MAXN];
static uint32_t ctr[MAXN];

static uint32_t flips(uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		work[i] = perm[i];
	uint32_t count = 0;
	uint32_t k = work[0];
	while (k != 0) {
		for (uint32_t lo = 0, hi = k; lo < hi; lo++, hi--) {
			uint8_t t = work[lo];
			work[lo] = work[hi];
			work[hi] = t;
		}
		count++;
		k = work[0];
	}
	return count;
}

uint64_t run(uint32_t n)
{
	if (n > MAXN)
		n = MAXN;
	if (n == 0)
		return 0;
	for (uint32_t i = 0; i < n; i++) {
		perm[i] = (uint8_t)i;
		ctr[i] = 0;
	}
	uint64_t index = 0;
	int64_t sum = 0;
	uint32_t maxflips = 0;
	uint32_t f = flips(n);
	sum += f;
	maxflips = f;
	index++;
	uint32_t i = 1;
	while (i < n) {
		if (ctr[i] < i) {
			uint32_t j = (i & 1) ? ctr[i] : 0;
			uint8_t t = perm[j];
			perm[j] = perm[i];
			perm[i] = t;
			f = flips(n);
			sum += (index & 1) ? -(int64_t)f : (int64_t)f;
			if (f > maxflips)
				maxflips = f;
			index++;
			ctr[i]++;
			i = 1;
		} else {
			ctr[i] = 0;
			i++;
		}
	}
	return k_mix(k_mix(k_mix(0, (uint64_t)sum), maxflips), index);
}
