/*
 * cmn_vec.h - growable arrays: the capacity rule for any array that grows
 * (cmn_grow), and a growable byte buffer (cmn_vec).
 *
 * Capacities double from 16 elements; sizes are checked for overflow (a
 * request that does not fit fails instead of wrapping). Memory is
 * malloc'd: the owner of the array frees it (free, or cmn_vec_free).
 * Not thread-safe; nothing is shared.
 */
#ifndef CMN_VEC_H
#define CMN_VEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Grows *p (an array of elements of `size` bytes, capacity *cap elements)
 * to hold at least `need` elements, at most UINT32_MAX. On failure *p and
 * *cap are unchanged (the array is still valid) and false is returned. */
bool cmn_grow(void **p, uint32_t *cap, uint64_t need, size_t size);

/* A byte buffer: `p` holds `len` bytes (room for `cap`). Zero-initialise
 * it: `cmn_vec v = {0};`. */
typedef struct cmn_vec {
	uint8_t *p;
	size_t len, cap;
} cmn_vec;

/* Appends n bytes of `data` (NULL only when n is 0); false when out of
 * memory (the buffer is unchanged). */
bool cmn_vec_append(cmn_vec *v, const void *data, size_t n);

/* Frees the bytes and empties the buffer. Accepts NULL. */
void cmn_vec_free(cmn_vec *v);

#endif
