/* editdist: Levenshtein distance by dynamic programming (two rows) between
 * pairs of 3000-character strings over a 4-letter alphabet, the second a
 * mutated copy of the first; n pairs. Checksum: the distances. */
#include "kernel.h"

#define BENCH_N 40
#define L 3000

static uint8_t sa[L], sb[L];
static uint32_t prev[L + 1], cur[L + 1];

static uint32_t distance(const uint8_t *x, uint32_t nx, const uint8_t *y, uint32_t ny)
{
	for (uint32_t j = 0; j <= ny; j++)
		prev[j] = j;
	for (uint32_t i = 1; i <= nx; i++) {
		cur[0] = i;
		uint8_t c = x[i - 1];
		for (uint32_t j = 1; j <= ny; j++) {
			uint32_t best = prev[j - 1] + (c != y[j - 1]);
			uint32_t del = prev[j] + 1, ins = cur[j - 1] + 1;
			if (del < best)
				best = del;
			if (ins < best)
				best = ins;
			cur[j] = best;
		}
		for (uint32_t j = 0; j <= ny; j++)
			prev[j] = cur[j];
	}
	return prev[ny];
}

uint64_t run(uint32_t n)
{
	uint64_t h = 0;
	uint32_t s = 0xabcdef01u;
	for (uint32_t r = 0; r < n; r++) {
		for (uint32_t i = 0; i < L; i++)
			sa[i] = (uint8_t)("ACGT"[k_rand(&s) & 3]);
		/* copy with about 1 in 8 positions substituted, deleted or doubled */
		uint32_t j = 0;
		for (uint32_t i = 0; i < L && j < L; i++) {
			uint32_t x = k_rand(&s) & 31;
			if (x == 0)
				continue; /* delete */
			if (x == 1 && j + 1 < L)
				sb[j++] = sa[i]; /* double */
			sb[j++] = x == 2 ? (uint8_t)'N' : sa[i];
		}
		uint32_t lb = j;
		uint32_t d = distance(sa, L, sb, lb - (r & 7));
		h = k_mix(h, d);
		h = k_mix(h, lb);
	}
	return h;
}
