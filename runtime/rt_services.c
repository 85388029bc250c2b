/*
 * rt_services.c - the runtime services compiled code calls through
 * vmctx->svc (rt_abi.h): traps, memory and table operations, segments,
 * type checks, atomics' wait/notify, fuel and interruption.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "rt_internal.h"

#define INST(vm) ((rt_instance *)(vm))

static void svc_trap(rt_vmctx *vm, uint32_t code) __attribute__((noreturn));
static void svc_trap(rt_vmctx *vm, uint32_t code)
{
	(void)vm;
	/* the call's return address - 1: inside the calling function even
	 * when the call is its last instruction */
	rt_raise_at(code, NULL, (uintptr_t)__builtin_return_address(0) - 1);
}

static rt_memobj *mem_of(rt_vmctx *vm, uint32_t i)
{
	return (rt_memobj *)vm->memories[i];
}

static rt_tableobj *tab_of(rt_vmctx *vm, uint32_t i)
{
	return (rt_tableobj *)vm->tables[i];
}

/* start + n <= size, without overflow */
static bool in_range(uint64_t start, uint64_t n, uint64_t size)
{
	return start <= size && n <= size - start;
}

static int64_t svc_memory_grow(rt_vmctx *vm, uint32_t mem, uint64_t delta)
{
	return rt_memobj_grow(mem_of(vm, mem), delta);
}

static void svc_memory_fill(rt_vmctx *vm, uint32_t mem, uint64_t dst,
                            uint32_t value, uint64_t n)
{
	rt_memory *m = vm->memories[mem];
	if (!in_range(dst, n, m->size))
		rt_raise(RT_TRAP_MEMORY_OOB, NULL);
	memset(m->base + dst, (int)(uint8_t)value, n);
}

static void svc_memory_copy(rt_vmctx *vm, uint32_t dmem, uint32_t smem,
                            uint64_t dst, uint64_t src, uint64_t n)
{
	rt_memory *d = vm->memories[dmem], *s = vm->memories[smem];
	if (!in_range(dst, n, d->size) || !in_range(src, n, s->size))
		rt_raise(RT_TRAP_MEMORY_OOB, NULL);
	memmove(d->base + dst, s->base + src, n);
}

static void svc_memory_init(rt_vmctx *vm, uint32_t mem, uint32_t data,
                            uint64_t dst, uint32_t src, uint32_t n)
{
	rt_instance *inst = INST(vm);
	rt_memory *m = vm->memories[mem];
	uint32_t len = inst->data_len[data];
	if (!in_range(src, n, len) || !in_range(dst, n, m->size))
		rt_raise(RT_TRAP_MEMORY_OOB, NULL);
	const rt_module *mod = inst->mod->mod;
	memcpy(m->base + dst, mod->bytes + mod->datas[data].bytes.off + src, n);
}

static void svc_data_drop(rt_vmctx *vm, uint32_t data)
{
	INST(vm)->data_len[data] = 0;
}

static int64_t svc_table_grow(rt_vmctx *vm, uint32_t table, void *init,
                              uint64_t delta)
{
	return rt_tableobj_grow(tab_of(vm, table), delta, init);
}

static void svc_table_fill(rt_vmctx *vm, uint32_t table, uint64_t i,
                           void *value, uint64_t n)
{
	rt_table *t = vm->tables[table];
	if (!in_range(i, n, t->size))
		rt_raise(RT_TRAP_TABLE_OOB, NULL);
	for (uint64_t k = 0; k < n; k++)
		t->elems[i + k] = value;
}

static void svc_table_copy(rt_vmctx *vm, uint32_t dt, uint32_t st, uint64_t dst,
                           uint64_t src, uint64_t n)
{
	rt_table *d = vm->tables[dt], *s = vm->tables[st];
	if (!in_range(dst, n, d->size) || !in_range(src, n, s->size))
		rt_raise(RT_TRAP_TABLE_OOB, NULL);
	memmove(d->elems + dst, s->elems + src, n * sizeof(void *));
}

static void svc_table_init(rt_vmctx *vm, uint32_t table, uint32_t elem,
                           uint64_t dst, uint32_t src, uint32_t n)
{
	rt_instance *inst = INST(vm);
	rt_table *t = vm->tables[table];
	uint32_t len = inst->elem_len[elem];
	if (!in_range(src, n, len) || !in_range(dst, n, t->size))
		rt_raise(RT_TRAP_TABLE_OOB, NULL);
	if (n)
		memcpy(t->elems + dst, inst->elem_items[elem] + src, n * sizeof(void *));
}

static void svc_elem_drop(rt_vmctx *vm, uint32_t elem)
{
	INST(vm)->elem_len[elem] = 0;
}

static int svc_func_type_match(rt_vmctx *vm, uint32_t actual, uint32_t expected)
{
	(void)vm;
	return rt_types_sub(actual, expected) ? 1 : 0;
}

/* ---- wait / notify: one process-wide list of waiters ---- */

typedef struct waiter {
	const void *addr;
	bool woken;
	pthread_cond_t cond;
	struct waiter *next;
} waiter;

static pthread_mutex_t wait_lock = PTHREAD_MUTEX_INITIALIZER;
static waiter *waiters;

static void check_atomic(rt_memory *m, uint64_t addr, uint64_t size)
{
	if (!in_range(addr, size, m->size))
		rt_raise(RT_TRAP_MEMORY_OOB, NULL);
	if (addr % size)
		rt_raise(RT_TRAP_UNALIGNED_ATOMIC, NULL);
}

static uint32_t svc_atomic_notify(rt_vmctx *vm, uint32_t mem, uint64_t addr,
                                  uint32_t count)
{
	rt_memobj *m = mem_of(vm, mem);
	check_atomic(&m->pub, addr, 4);
	if (!m->shared)
		return 0;
	const void *p = m->pub.base + addr;
	uint32_t woken = 0;
	pthread_mutex_lock(&wait_lock);
	for (waiter *w = waiters; w && woken < count; w = w->next) {
		if (w->addr == p && !w->woken) {
			w->woken = true;
			pthread_cond_signal(&w->cond);
			woken++;
		}
	}
	pthread_mutex_unlock(&wait_lock);
	return woken;
}

static uint32_t do_wait(rt_memobj *m, uint64_t addr, uint64_t expected,
                        unsigned size, int64_t timeout_ns)
{
	check_atomic(&m->pub, addr, size);
	if (!m->shared)
		rt_raise(RT_TRAP_EXPECTED_SHARED, NULL);
	const void *p = m->pub.base + addr;
	pthread_mutex_lock(&wait_lock);
	uint64_t cur = size == 4 ? __atomic_load_n((const uint32_t *)p, __ATOMIC_SEQ_CST)
	                         : __atomic_load_n((const uint64_t *)p, __ATOMIC_SEQ_CST);
	if (cur != expected) {
		pthread_mutex_unlock(&wait_lock);
		return 1; /* not-equal */
	}
	waiter w = {p, false, PTHREAD_COND_INITIALIZER, waiters};
	waiters = &w;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	if (timeout_ns >= 0) {
		uint64_t ns = (uint64_t)ts.tv_nsec + (uint64_t)timeout_ns;
		ts.tv_sec += (time_t)(ns / 1000000000ull);
		ts.tv_nsec = (long)(ns % 1000000000ull);
	}
	int rc = 0;
	while (!w.woken && rc != ETIMEDOUT) {
		if (timeout_ns >= 0)
			rc = pthread_cond_timedwait(&w.cond, &wait_lock, &ts);
		else
			rc = pthread_cond_wait(&w.cond, &wait_lock);
	}
	for (waiter **pp = &waiters; *pp; pp = &(*pp)->next) {
		if (*pp == &w) {
			*pp = w.next;
			break;
		}
	}
	bool woken = w.woken;
	pthread_mutex_unlock(&wait_lock);
	pthread_cond_destroy(&w.cond);
	return woken ? 0 : 2; /* ok / timed-out */
}

static uint32_t svc_atomic_wait32(rt_vmctx *vm, uint32_t mem, uint64_t addr,
                                  uint32_t expected, int64_t timeout_ns)
{
	return do_wait(mem_of(vm, mem), addr, expected, 4, timeout_ns);
}

static uint32_t svc_atomic_wait64(rt_vmctx *vm, uint32_t mem, uint64_t addr,
                                  uint64_t expected, int64_t timeout_ns)
{
	return do_wait(mem_of(vm, mem), addr, expected, 8, timeout_ns);
}

static void svc_out_of_fuel(rt_vmctx *vm)
{
	(void)vm;
	rt_raise(RT_TRAP_OUT_OF_FUEL, NULL);
}

static void svc_interrupted(rt_vmctx *vm)
{
	rt_store *s = INST(vm)->store;
	if (__atomic_load_n(&s->interrupt, __ATOMIC_SEQ_CST)) {
		__atomic_store_n(&s->interrupt, 0, __ATOMIC_SEQ_CST);
		rt_raise(RT_TRAP_DEADLINE, NULL);
	}
}

const rt_services rt_services_impl = {
	.trap = svc_trap,
	.memory_grow = svc_memory_grow,
	.memory_fill = svc_memory_fill,
	.memory_copy = svc_memory_copy,
	.memory_init = svc_memory_init,
	.data_drop = svc_data_drop,
	.table_grow = svc_table_grow,
	.table_fill = svc_table_fill,
	.table_copy = svc_table_copy,
	.table_init = svc_table_init,
	.elem_drop = svc_elem_drop,
	.func_type_match = svc_func_type_match,
	.atomic_notify = svc_atomic_notify,
	.atomic_wait32 = svc_atomic_wait32,
	.atomic_wait64 = svc_atomic_wait64,
	.out_of_fuel = svc_out_of_fuel,
	.interrupted = svc_interrupted,
	.eh_enter = rt_eh_enter,
	.eh_leave = rt_eh_leave,
	.eh_setjmp = _setjmp,
	.eh_throw = rt_eh_throw,
	.eh_throw_ref = rt_eh_throw_ref,
	.eh_capture = rt_eh_capture,
};
