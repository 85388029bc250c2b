/*
 * rt_table.c - tables of references. The element array is reallocated on
 * growth (compiled code reloads rt_table.elems after any call).
 */
#include <stdlib.h>
#include <string.h>

#include "rt_internal.h"

#define DEFAULT_MAX_ELEMS 10000000ull

static bool reserve(rt_tableobj *t, uint64_t n)
{
	if (n <= t->cap)
		return true;
	uint64_t cap = t->cap ? t->cap : 8;
	while (cap < n)
		cap *= 2;
	if (cap > t->max)
		cap = t->max > n ? t->max : n;
	void **e = realloc(t->pub.elems, (size_t)(cap ? cap : 1) * sizeof *e);
	if (!e)
		return false;
	t->pub.elems = e;
	t->cap = cap;
	return true;
}

rt_tableobj *rt_tableobj_create(rt_store *s, rt_valtype elem, const rt_limits *l,
                                void *init, cmn_error *err)
{
	uint64_t max = s->cfg.max_table_elems ? s->cfg.max_table_elems : DEFAULT_MAX_ELEMS;
	if (!l->is64 && max > UINT32_MAX)
		max = UINT32_MAX;
	if (l->has_max && l->max < max)
		max = l->max;
	if (l->min > max) {
		cmn_fail(err, "table size exceeds the limit");
		return NULL;
	}
	if (s->cfg.max_tables && s->ntables >= s->cfg.max_tables) {
		cmn_fail(err, "table limit reached");
		return NULL;
	}
	if (!rt_budget_take(s, l->min * 8)) {
		cmn_fail(err, "store memory budget exceeded");
		return NULL;
	}
	rt_tableobj *t = calloc(1, sizeof *t);
	if (!t) {
		rt_budget_give(s, l->min * 8);
		cmn_fail(err, "out of memory");
		return NULL;
	}
	t->store = s;
	t->max = max;
	t->elem = elem;
	t->limits = *l;
	if (!reserve(t, l->min ? l->min : 1)) {
		rt_budget_give(s, l->min * 8);
		free(t);
		cmn_fail(err, "out of memory");
		return NULL;
	}
	for (uint64_t i = 0; i < l->min; i++)
		t->pub.elems[i] = init;
	t->pub.size = l->min;
	t->next = s->tables;
	s->tables = t;
	s->ntables++;
	return t;
}

void rt_tableobj_destroy(rt_tableobj *t)
{
	free(t->pub.elems);
	free(t);
}

int64_t rt_tableobj_grow(rt_tableobj *t, uint64_t delta, void *init)
{
	uint64_t old = t->pub.size;
	if (delta > t->max || old > t->max - delta)
		return -1;
	if (!rt_budget_take(t->store, delta * 8))
		return -1;
	if (!reserve(t, old + delta)) {
		rt_budget_give(t->store, delta * 8);
		return -1;
	}
	for (uint64_t i = old; i < old + delta; i++)
		t->pub.elems[i] = init;
	t->pub.size = old + delta;
	return (int64_t)old;
}

rt_tableobj *rt_table_new(rt_store *s, rt_valtype elem, const rt_limits *limits,
                          void *init, cmn_error *err)
{
	return rt_tableobj_create(s, elem, limits, init, err);
}

rt_table *rt_tableobj_table(rt_tableobj *t)
{
	return &t->pub;
}
