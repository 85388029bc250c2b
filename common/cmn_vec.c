/* cmn_vec.c - growable arrays (cmn_vec.h). */
#include "cmn_vec.h"

#include <stdlib.h>
#include <string.h>

bool cmn_grow(void **p, uint32_t *cap, uint64_t need, size_t size)
{
	uint64_t n = *cap ? *cap : 16;
	void *q;

	if (need <= *cap)
		return true;
	while (n < need)
		n *= 2;
	if (n > UINT32_MAX)
		n = UINT32_MAX;
	if (n < need || n > SIZE_MAX / size)
		return false;
	q = realloc(*p, (size_t)n * size);
	if (q == NULL)
		return false;
	*p = q;
	*cap = (uint32_t)n;
	return true;
}

bool cmn_vec_append(cmn_vec *v, const void *data, size_t n)
{
	if (n > SIZE_MAX - v->len)
		return false;
	if (v->len + n > v->cap) {
		size_t cap = v->cap ? v->cap : 1024;
		while (cap < v->len + n)
			cap = cap <= SIZE_MAX / 2 ? cap * 2 : SIZE_MAX;
		uint8_t *np = realloc(v->p, cap);
		if (np == NULL)
			return false;
		v->p = np;
		v->cap = cap;
	}
	if (n)
		memcpy(v->p + v->len, data, n);
	v->len += n;
	return true;
}

void cmn_vec_free(cmn_vec *v)
{
	if (v == NULL)
		return;
	free(v->p);
	v->p = NULL;
	v->len = 0;
	v->cap = 0;
}
