/*
 * rt_exn.c - exception handling services: this thread's chain of try_table
 * handlers, throw and throw_ref (a jump to the innermost handler), and the
 * exnrefs that catch_ref / catch_all_ref capture.
 *
 * The chain is per thread and per activation: rt_call starts each call
 * from the host with an empty chain (rt_eh_swap) and puts the caller's
 * back when the call ends, returns or traps, so a throw never jumps over
 * a host frame; with no handler left a throw ends the call with trap
 * RT_TRAP_EXCEPTION ("uncaught exception").
 *
 * The exception in flight is written to a per-thread buffer (no
 * allocation per throw once it is large enough); the handler reads its
 * values before anything else can throw. Only catch_ref / catch_all_ref
 * copy it to a store-owned object, freed with the store.
 */
#include <setjmp.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "rt_internal.h"

static _Thread_local rt_eh_frame *eh_head;
static _Thread_local rt_exn *inflight;
static _Thread_local uint32_t inflight_cap;

rt_eh_frame *rt_eh_swap(rt_eh_frame *head)
{
	rt_eh_frame *old = eh_head;
	eh_head = head;
	return old;
}

void rt_eh_enter(rt_vmctx *vm, rt_eh_frame *h)
{
	(void)vm;
	h->prev = eh_head;
	h->exn = NULL;
	eh_head = h;
}

void rt_eh_leave(rt_vmctx *vm, rt_eh_frame *h)
{
	(void)vm;
	eh_head = h->prev;
}

static _Noreturn void unwind_to_handler(const rt_exn *exn)
{
	rt_eh_frame *h = eh_head;
	if (!h)
		rt_raise(RT_TRAP_EXCEPTION, NULL);
	eh_head = h->prev;
	h->exn = exn;
	longjmp(h->jb, 1);
}

_Noreturn void rt_eh_throw(rt_vmctx *vm, void *tag, const rt_val *vals, uint32_t n)
{
	(void)vm;
	if (!eh_head)
		rt_raise(RT_TRAP_EXCEPTION, NULL);
	if (n > inflight_cap || !inflight) {
		uint32_t cap = n < 8 ? 8 : n;
		rt_exn *e = realloc(inflight, sizeof(rt_exn) + (size_t)cap * sizeof(rt_val));
		if (!e)
			rt_raise(RT_TRAP_HOST, "out of memory for an exception");
		inflight = e;
		inflight_cap = cap;
	}
	inflight->tag = tag;
	inflight->nvals = n;
	inflight->captured = 0;
	if (n)
		memcpy(inflight->vals, vals, (size_t)n * sizeof(rt_val));
	unwind_to_handler(inflight);
}

_Noreturn void rt_eh_throw_ref(rt_vmctx *vm, const rt_exn *exn)
{
	(void)vm;
	if (!exn)
		rt_raise(RT_TRAP_NULL_EXN, NULL);
	unwind_to_handler(exn);
}

/* Store-owned exnrefs: pushed without a lock (threads of one store may
 * capture at once), freed by rt_store_free. */
const rt_exn *rt_eh_capture(rt_vmctx *vm, const rt_exn *exn)
{
	if (exn->captured)
		return exn;
	rt_store *s = ((rt_instance *)vm)->store;
	size_t sz = sizeof(rt_exnobj) + (size_t)exn->nvals * sizeof(rt_val);
	rt_exnobj *o = malloc(sz);
	if (!o)
		rt_raise(RT_TRAP_HOST, "out of memory for an exception reference");
	o->exn.tag = exn->tag;
	o->exn.nvals = exn->nvals;
	o->exn.captured = 1;
	if (exn->nvals)
		memcpy(o->exn.vals, exn->vals, (size_t)exn->nvals * sizeof(rt_val));
	o->next = atomic_load(&s->exns);
	while (!atomic_compare_exchange_weak(&s->exns, &o->next, o))
		;
	return &o->exn;
}

void rt_exns_free(rt_store *s)
{
	for (rt_exnobj *o = atomic_load(&s->exns), *n; o; o = n) {
		n = o->next;
		free(o);
	}
	atomic_store(&s->exns, NULL);
}
