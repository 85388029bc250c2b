/* quicksort: sorts 1,000,000 pseudo-random 32-bit keys with a quicksort of
 * our own (median of three, Hoare partition, recursion on the smaller part,
 * insertion sort below 16 elements), n times with different keys. Checksum:
 * a position-weighted sum of each sorted array and its order check. */
#include "kernel.h"

#define BENCH_N 5
#define COUNT 1000000u

static uint32_t a[COUNT];

static void insertion(uint32_t *v, int32_t lo, int32_t hi)
{
	for (int32_t i = lo + 1; i <= hi; i++) {
		uint32_t x = v[i];
		int32_t j = i - 1;
		while (j >= lo && v[j] > x) {
			v[j + 1] = v[j];
			j--;
		}
		v[j + 1] = x;
	}
}

static inline void swap(uint32_t *v, int32_t i, int32_t j)
{
	uint32_t t = v[i];
	v[i] = v[j];
	v[j] = t;
}

static void quicksort(uint32_t *v, int32_t lo, int32_t hi)
{
	while (hi - lo >= 16) {
		int32_t mid = lo + (hi - lo) / 2;
		if (v[mid] < v[lo])
			swap(v, mid, lo);
		if (v[hi] < v[lo])
			swap(v, hi, lo);
		if (v[hi] < v[mid])
			swap(v, hi, mid);
		uint32_t pivot = v[mid];
		int32_t i = lo - 1, j = hi + 1;
		for (;;) {
			do
				i++;
			while (v[i] < pivot);
			do
				j--;
			while (v[j] > pivot);
			if (i >= j)
				break;
			swap(v, i, j);
		}
		/* [lo, j] and [j+1, hi]: recurse on the smaller one. */
		if (j - lo < hi - j) {
			quicksort(v, lo, j);
			lo = j + 1;
		} else {
			quicksort(v, j + 1, hi);
			hi = j;
		}
	}
	insertion(v, lo, hi);
}

uint64_t run(uint32_t n)
{
	uint64_t h = 0;
	for (uint32_t r = 0; r < n; r++) {
		uint32_t s = 0x1234567u + r * 0x10001u;
		for (uint32_t i = 0; i < COUNT; i++) {
			uint32_t x = k_rand(&s);
			/* every fourth key from a small range: many duplicates */
			a[i] = (i & 3) == 0 ? x % 1000 : x;
		}
		quicksort(a, 0, (int32_t)COUNT - 1);
		uint64_t sum = 0;
		uint32_t unordered = 0;
		for (uint32_t i = 0; i < COUNT; i++) {
			sum += (uint64_t)a[i] * (i + 1);
			unordered += i > 0 && a[i - 1] > a[i];
		}
		h = k_mix(h, sum);
		h = k_mix(h, unordered);
	}
	return h;
}
