/*
 * rt_typereg.c - the process-wide canonical type registry.
 *
 * A rec group is keyed by a byte string: each type's form, finality,
 * supertype and value types, where a reference to a type inside the group
 * is written relative to the group and one outside by its canonical id
 * (iso-recursive equivalence). Equal keys get the same ids.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "rt_internal.h"

typedef struct entry {
	uint8_t comp;
	bool final;
	uint32_t super; /* canonical id or RT_NO_SUPER */
	rt_functype ft; /* functions: heap types canonical */
} entry;

typedef struct group {
	uint8_t *key;
	size_t keylen;
	uint64_t hash;
	uint32_t first;
} group;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static entry *entries;
static uint32_t nentries, centries;
static group *table; /* open addressing */
static size_t tcap, tcount;

typedef struct kbuf {
	uint8_t *p;
	size_t len, cap;
	bool oom;
} kbuf;

static void kput(kbuf *k, const void *src, size_t n)
{
	if (k->oom)
		return;
	if (k->len + n > k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 256;
		while (cap < k->len + n)
			cap *= 2;
		uint8_t *np = realloc(k->p, cap);
		if (!np) {
			k->oom = true;
			return;
		}
		k->p = np;
		k->cap = cap;
	}
	memcpy(k->p + k->len, src, n);
	k->len += n;
}

static void kput32(kbuf *k, uint32_t v)
{
	kput(k, &v, 4);
}

/* A heap reference: abstract, inside the group (relative), or outside
 * (canonical id). */
static void kput_heap(kbuf *k, uint32_t heap, uint32_t g, uint32_t len,
                      const uint32_t *ids)
{
	if (RT_HT_IS_ABS(heap)) {
		kput32(k, heap);
	} else if (heap >= g && heap < g + len) {
		kput32(k, 0x40000000u | (heap - g));
	} else {
		kput32(k, 0x20000000u);
		kput32(k, ids[heap]);
	}
}

static void kput_val(kbuf *k, rt_valtype t, uint32_t g, uint32_t len,
                     const uint32_t *ids)
{
	uint8_t b[2] = {t.kind, t.nullable};
	kput(k, b, 2);
	if (t.kind == RT_REF)
		kput_heap(k, t.heap, g, len, ids);
}

static uint64_t hash_bytes(const uint8_t *p, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h;
}

static bool table_grow(void)
{
	size_t ncap = tcap ? tcap * 2 : 256;
	group *nt = calloc(ncap, sizeof *nt);
	if (!nt)
		return false;
	for (size_t i = 0; i < tcap; i++) {
		if (!table[i].key)
			continue;
		size_t j = table[i].hash & (ncap - 1);
		while (nt[j].key)
			j = (j + 1) & (ncap - 1);
		nt[j] = table[i];
	}
	free(table);
	table = nt;
	tcap = ncap;
	return true;
}

static rt_valtype canon_val(rt_valtype t, uint32_t g, uint32_t first,
                            const uint32_t *ids)
{
	(void)g;
	if (t.kind == RT_REF && !RT_HT_IS_ABS(t.heap)) {
		/* Inside the group: ids not assigned yet in `ids`; use the
		 * new ids computed from `first`. */
		if (ids == NULL)
			t.heap = first + (t.heap - g);
		else
			t.heap = ids[t.heap];
	}
	return t;
}

/* Registers group [g, g+len) of types; ids of earlier types are known. */
static bool register_group(const rt_subtype *types, uint32_t g, uint32_t len,
                           uint32_t *ids)
{
	kbuf k = {0};
	kput32(&k, len);
	for (uint32_t i = g; i < g + len; i++) {
		const rt_subtype *t = &types[i];
		uint8_t b[2] = {t->comp, t->final};
		kput(&k, b, 2);
		if (t->super == RT_NO_SUPER)
			kput32(&k, 0xFFFFFFFFu);
		else
			kput_heap(&k, t->super, g, len, ids);
		if (t->comp == RT_COMP_FUNC) {
			kput32(&k, t->u.func.nparams);
			for (uint32_t j = 0; j < t->u.func.nparams; j++)
				kput_val(&k, t->u.func.params[j], g, len, ids);
			kput32(&k, t->u.func.nresults);
			for (uint32_t j = 0; j < t->u.func.nresults; j++)
				kput_val(&k, t->u.func.results[j], g, len, ids);
		} else if (t->comp == RT_COMP_STRUCT) {
			kput32(&k, t->u.strct.nfields);
			for (uint32_t j = 0; j < t->u.strct.nfields; j++) {
				kput_val(&k, t->u.strct.fields[j].type, g, len, ids);
				uint8_t m = t->u.strct.fields[j].mut;
				kput(&k, &m, 1);
			}
		} else {
			kput_val(&k, t->u.array.type, g, len, ids);
			uint8_t m = t->u.array.mut;
			kput(&k, &m, 1);
		}
	}
	if (k.oom)
		return false;
	uint64_t h = hash_bytes(k.p, k.len);
	if (tcount * 2 >= tcap && !table_grow()) {
		free(k.p);
		return false;
	}
	size_t j = h & (tcap - 1);
	while (table[j].key) {
		if (table[j].hash == h && table[j].keylen == k.len &&
		    memcmp(table[j].key, k.p, k.len) == 0) {
			for (uint32_t i = 0; i < len; i++)
				ids[g + i] = table[j].first + i;
			free(k.p);
			return true;
		}
		j = (j + 1) & (tcap - 1);
	}
	/* New group. */
	if (nentries + len > centries) {
		uint32_t nc = centries ? centries * 2 : 256;
		while (nc < nentries + len)
			nc *= 2;
		entry *ne = realloc(entries, nc * sizeof *ne);
		if (!ne) {
			free(k.p);
			return false;
		}
		entries = ne;
		centries = nc;
	}
	uint32_t first = nentries;
	for (uint32_t i = 0; i < len; i++)
		ids[g + i] = first + i;
	for (uint32_t i = 0; i < len; i++) {
		const rt_subtype *t = &types[g + i];
		entry *e = &entries[first + i];
		memset(e, 0, sizeof *e);
		e->comp = t->comp;
		e->final = t->final;
		e->super = t->super == RT_NO_SUPER ? RT_NO_SUPER : ids[t->super];
		if (t->comp == RT_COMP_FUNC) {
			const rt_functype *f = &t->u.func;
			e->ft.nparams = f->nparams;
			e->ft.nresults = f->nresults;
			e->ft.params = calloc(f->nparams + 1, sizeof(rt_valtype));
			e->ft.results = calloc(f->nresults + 1, sizeof(rt_valtype));
			if (!e->ft.params || !e->ft.results) {
				free(e->ft.params);
				free(e->ft.results);
				free(k.p);
				return false;
			}
			for (uint32_t p = 0; p < f->nparams; p++)
				e->ft.params[p] = canon_val(f->params[p], g, first, ids);
			for (uint32_t p = 0; p < f->nresults; p++)
				e->ft.results[p] = canon_val(f->results[p], g, first, ids);
		}
	}
	nentries += len;
	table[j].key = k.p;
	table[j].keylen = k.len;
	table[j].hash = h;
	table[j].first = first;
	tcount++;
	return true;
}

bool rt_types_register(uint32_t ntypes, const rt_subtype *types, uint32_t *ids,
                       cmn_error *err)
{
	pthread_mutex_lock(&lock);
	bool ok = true;
	for (uint32_t i = 0; ok && i < ntypes;) {
		uint32_t len = types[i].rec_len;
		if (types[i].rec_start != i || len == 0 || len > ntypes - i) {
			ok = cmn_fail(err, "bad rec group");
			break;
		}
		ok = register_group(types, i, len, ids);
		if (!ok)
			cmn_fail(err, "out of memory");
		i += len;
	}
	pthread_mutex_unlock(&lock);
	return ok;
}

uint32_t rt_types_func(uint32_t nparams, const rt_valtype *params,
                       uint32_t nresults, const rt_valtype *results)
{
	rt_subtype t;
	memset(&t, 0, sizeof t);
	t.comp = RT_COMP_FUNC;
	t.final = true;
	t.super = RT_NO_SUPER;
	t.rec_start = 0;
	t.rec_len = 1;
	t.u.func.nparams = nparams;
	t.u.func.nresults = nresults;
	t.u.func.params = (rt_valtype *)params;
	t.u.func.results = (rt_valtype *)results;
	uint32_t id = UINT32_MAX;
	cmn_error err;
	if (!rt_types_register(1, &t, &id, &err))
		return UINT32_MAX;
	return id;
}

const rt_functype *rt_types_functype(uint32_t id)
{
	const rt_functype *f = NULL;
	pthread_mutex_lock(&lock);
	if (id < nentries && entries[id].comp == RT_COMP_FUNC)
		f = &entries[id].ft;
	pthread_mutex_unlock(&lock);
	return f;
}

bool rt_types_sub(uint32_t a, uint32_t b)
{
	bool ok = false;
	pthread_mutex_lock(&lock);
	for (uint32_t depth = 0; a < nentries && depth < 1000000; depth++) {
		if (a == b) {
			ok = true;
			break;
		}
		a = entries[a].super;
	}
	pthread_mutex_unlock(&lock);
	return ok;
}

static uint8_t comp_of(uint32_t id)
{
	uint8_t c = 0;
	pthread_mutex_lock(&lock);
	if (id < nentries)
		c = entries[id].comp;
	pthread_mutex_unlock(&lock);
	return c;
}

static bool heap_match(uint32_t a, uint32_t b)
{
	if (a == b)
		return true;
	bool aa = RT_HT_IS_ABS(a), ba = RT_HT_IS_ABS(b);
	if (aa && ba)
		return rt_heap_abs_match(RT_HT_CODE(a), RT_HT_CODE(b));
	if (!aa && ba) {
		uint8_t c = comp_of(a);
		uint8_t code = RT_HT_CODE(b);
		if (c == RT_COMP_FUNC)
			return code == RT_HT_FUNC;
		if (c == RT_COMP_STRUCT)
			return code == RT_HT_STRUCT || code == RT_HT_EQ || code == RT_HT_ANY;
		return code == RT_HT_ARRAY || code == RT_HT_EQ || code == RT_HT_ANY;
	}
	if (aa && !ba) {
		uint8_t c = comp_of(b);
		uint8_t code = RT_HT_CODE(a);
		if (c == RT_COMP_FUNC)
			return code == RT_HT_NOFUNC;
		return code == RT_HT_NONE;
	}
	return rt_types_sub(a, b);
}

bool rt_types_val_match(rt_valtype a, rt_valtype b)
{
	if (a.kind != b.kind)
		return false;
	if (a.kind != RT_REF)
		return true;
	if (a.nullable && !b.nullable)
		return false;
	return heap_match(a.heap, b.heap);
}

rt_valtype rt_canon_valtype(rt_valtype t, const uint32_t *type_ids)
{
	if (t.kind == RT_REF && !RT_HT_IS_ABS(t.heap))
		t.heap = type_ids[t.heap];
	return t;
}

const char *rt_heap_abs_name(uint8_t code)
{
	switch (code) {
	case RT_HT_NOEXN:
		return "noexn";
	case RT_HT_NOFUNC:
		return "nofunc";
	case RT_HT_NOEXTERN:
		return "noextern";
	case RT_HT_NONE:
		return "none";
	case RT_HT_FUNC:
		return "func";
	case RT_HT_EXTERN:
		return "extern";
	case RT_HT_ANY:
		return "any";
	case RT_HT_EQ:
		return "eq";
	case RT_HT_I31:
		return "i31";
	case RT_HT_STRUCT:
		return "struct";
	case RT_HT_ARRAY:
		return "array";
	case RT_HT_EXN:
		return "exn";
	case RT_HT_BOT:
		return "bot";
	default:
		return "?";
	}
}
