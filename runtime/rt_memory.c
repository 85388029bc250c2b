/*
 * rt_memory.c - linear memories.
 *
 * 32-bit memories: one reservation of PRE_GUARD + 4 GiB + guard bytes,
 * PROT_NONE, of which [base, base + size) is read/write; compiled code
 * relies on the rest faulting (rt_trap.c turns the fault into a trap).
 * The base never moves.
 * 64-bit memories: explicitly bounds-checked by compiled code; reserved up
 * to their maximum (capped), never moved either, so shared memories and
 * importers see a stable base.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cmn_page.h"
#include "rt_internal.h"

#define PRE_GUARD (2ull << 30)
#define FOUR_GIB (4ull << 30)
#define MEM64_RESERVE_MAX (64ull << 30)

static uint64_t round_up(uint64_t n, uint64_t a)
{
	return (n + a - 1) & ~(a - 1);
}

/* Makes [0, bytes) of the memory read/write. */
static bool commit(rt_memobj *m, uint64_t bytes)
{
	uint64_t want = round_up(bytes, (uint64_t)cmn_page_size());
	if (want <= m->committed)
		return true;
	if (want > m->reserve_max)
		return false;
	if (mprotect(m->pub.base + m->committed, want - m->committed,
	             PROT_READ | PROT_WRITE) != 0)
		return false;
	m->committed = want;
	return true;
}

rt_memobj *rt_memobj_create(rt_store *s, const rt_limits *l, cmn_error *err)
{
	/* 16, or the custom-page-sizes proposal's log2 (0: 1-byte pages). */
	uint8_t pl = l->page_log2;
	if (pl > 16) {
		cmn_fail(err, "unsupported page size");
		return NULL;
	}
	uint64_t page = 1ull << pl;
	uint64_t max_pages;
	if (l->is64)
		max_pages = pl >= 64 ? 1 : (UINT64_MAX >> pl);
	else
		max_pages = FOUR_GIB >> pl;
	if (l->has_max && l->max < max_pages)
		max_pages = l->max;
	if (s->cfg.max_memory_bytes && s->cfg.max_memory_bytes / page < max_pages)
		max_pages = s->cfg.max_memory_bytes / page;
	if (l->min > max_pages) {
		cmn_fail(err, "memory size exceeds the limit");
		return NULL;
	}
	if (s->cfg.max_memories && s->nmemories >= s->cfg.max_memories) {
		cmn_fail(err, "memory limit reached");
		return NULL;
	}
	if (!rt_budget_take(s, l->min << pl)) {
		cmn_fail(err, "store memory budget exceeded");
		return NULL;
	}
	rt_memobj *m = calloc(1, sizeof *m);
	if (!m) {
		rt_budget_give(s, l->min << pl);
		cmn_fail(err, "out of memory");
		return NULL;
	}
	m->store = s;
	m->page_log2 = pl;
	m->is64 = l->is64;
	m->shared = l->shared;
	m->limits = *l;
	m->max_pages = max_pages;
	uint64_t pre = 0, usable, post = 0;
	if (!l->is64) {
		pre = PRE_GUARD;
		usable = FOUR_GIB;
		post = s->cfg.guard_bytes ? round_up(s->cfg.guard_bytes, (uint64_t)cmn_page_size())
		                          : (2ull << 30);
	} else {
		uint64_t maxb = max_pages > (MEM64_RESERVE_MAX >> pl) ? MEM64_RESERVE_MAX
		                                                      : max_pages << pl;
		usable = round_up(maxb ? maxb : (uint64_t)cmn_page_size(), (uint64_t)cmn_page_size());
		post = (uint64_t)cmn_page_size();
	}
	m->reserve_len = pre + usable + post;
	void *r = mmap(NULL, m->reserve_len, PROT_NONE,
	               MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (r == MAP_FAILED) {
		cmn_fail(err, "cannot reserve memory: %s", strerror(errno));
		rt_budget_give(s, l->min << pl);
		free(m);
		return NULL;
	}
	m->reserve = r;
	m->pub.base = m->reserve + pre;
	m->reserve_max = usable;
	uint64_t bytes = l->min << pl;
	/* A memory of fixed size that is not a whole number of OS pages
	 * (custom page sizes): end it exactly at a page boundary, so the
	 * first byte past it faults like any other out-of-bounds access. */
	uint64_t shift = 0;
	if (!l->is64 && max_pages == l->min && bytes % (uint64_t)cmn_page_size() != 0)
		shift = round_up(bytes, (uint64_t)cmn_page_size()) - bytes;
	if (!commit(m, bytes + shift)) {
		cmn_fail(err, "cannot commit memory");
		rt_budget_give(s, l->min << pl);
		munmap(m->reserve, m->reserve_len);
		free(m);
		return NULL;
	}
	m->pub.base += shift;
	m->pub.size = bytes;
	if (m->reserve_max >> pl < m->max_pages)
		m->max_pages = m->reserve_max >> pl;
	if (!rt_guard_register(m->reserve, m->reserve_len)) {
		cmn_fail(err, "too many memories in this process");
		rt_budget_give(s, l->min << pl);
		munmap(m->reserve, m->reserve_len);
		free(m);
		return NULL;
	}
	m->next = s->memories;
	s->memories = m;
	s->nmemories++;
	return m;
}

void rt_memobj_destroy(rt_memobj *m)
{
	if (m->reserve) {
		rt_guard_unregister(m->reserve);
		munmap(m->reserve, m->reserve_len);
	}
	free(m);
}

/* Growth of shared memories may race between threads. */
static pthread_mutex_t grow_lock = PTHREAD_MUTEX_INITIALIZER;

int64_t rt_memobj_grow(rt_memobj *m, uint64_t delta)
{
	if (m->shared)
		pthread_mutex_lock(&grow_lock);
	int64_t ret = -1;
	uint64_t old = m->pub.size >> m->page_log2;
	if (delta == 0) {
		ret = (int64_t)old;
	} else if (delta <= m->max_pages && old <= m->max_pages - delta &&
	           rt_budget_take(m->store, delta << m->page_log2)) {
		uint64_t bytes = (old + delta) << m->page_log2;
		if (commit(m, bytes)) {
			__atomic_store_n(&m->pub.size, bytes, __ATOMIC_SEQ_CST);
			ret = (int64_t)old;
		} else {
			rt_budget_give(m->store, delta << m->page_log2);
		}
	}
	if (m->shared)
		pthread_mutex_unlock(&grow_lock);
	return ret;
}

rt_memobj *rt_memory_new(rt_store *s, const rt_limits *limits, cmn_error *err)
{
	return rt_memobj_create(s, limits, err);
}

rt_memory *rt_memobj_memory(rt_memobj *m)
{
	return &m->pub;
}
