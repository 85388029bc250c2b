/*
 * cm_handles.c - resource handle tables and call borrow scopes
 * (cm_handles.h).
 */
#include "cm_handles.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

enum { E_FREE = 0, E_OWN, E_BORROW };

typedef struct entry {
	uint64_t rep;
	cm_call *scope; /* borrow handles: the call they belong to */
	uint32_t rtype;
	uint32_t lends;
	uint8_t state;
} entry;

struct cm_handles {
	entry *e; /* e[0] is never used */
	uint32_t n, cap; /* entries in use or freed: indices 1 .. n-1 */
	uint32_t *free;  /* freed indices, last freed at the end */
	uint32_t nfree, capfree;
	uint32_t *impl; /* resource types this instance implements */
	uint32_t nimpl, capimpl;
	uint32_t live;
	bool host;
};

bool cm_trap_set(cm_trap *t, const char *fmt, ...)
{
	if (t) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(t->msg, sizeof t->msg, fmt, ap);
		va_end(ap);
	}
	return false;
}

/* Grows an array of `size`-byte elements to hold one more. */
static bool grow(void **p, uint32_t *cap, uint32_t n, size_t size)
{
	if (n < *cap)
		return true;
	uint32_t c = *cap ? *cap * 2 : 16;
	if (c < *cap)
		return false;
	void *q = realloc(*p, (size_t)c * size);
	if (!q)
		return false;
	*p = q;
	*cap = c;
	return true;
}

void cm_call_init(cm_call *c)
{
	c->num_borrows = 0;
	c->lends = NULL;
	c->nlends = c->caplends = 0;
}

static void give_back(cm_call *c)
{
	for (uint32_t i = 0; i < c->nlends; i++) {
		entry *e = &c->lends[i].table->e[c->lends[i].index];
		if (e->lends)
			e->lends--;
	}
	free(c->lends);
	c->lends = NULL;
	c->nlends = c->caplends = 0;
}


static void remove_entry(cm_handles *h, uint32_t i)
{
	h->e[i].state = E_FREE;
	h->e[i].scope = NULL;
	h->live--;
	/* room was reserved when the entry was added */
	h->free[h->nfree++] = i;
}

void cm_handles_end_host_borrows(cm_handles *h, cm_call *call)
{
	if (!h)
		return;
	for (uint32_t i = 1; i < h->n; i++) {
		if (h->e[i].state == E_BORROW && h->e[i].scope == call) {
			remove_entry(h, i);
			if (call->num_borrows)
				call->num_borrows--;
		}
	}
}

void cm_call_abort(cm_call *c, cm_handles *callee_table)
{
	cm_handles_end_host_borrows(callee_table, c);
	c->num_borrows = 0;
	give_back(c);
}

bool cm_call_end(cm_call *c, cm_handles *callee_table, cm_trap *trap)
{
	if (c->num_borrows == 0) {
		give_back(c);
		return true;
	}
	cm_call_abort(c, callee_table);
	return cm_trap_set(trap, "borrow handles still remain at the end of the call");
}

cm_handles *cm_handles_new(bool host)
{
	cm_handles *h = calloc(1, sizeof *h);
	if (!h)
		return NULL;
	h->host = host;
	h->n = 1;
	return h;
}

void cm_handles_free(cm_handles *h)
{
	if (!h)
		return;
	free(h->e);
	free(h->free);
	free(h->impl);
	free(h);
}

bool cm_handles_implement(cm_handles *h, uint32_t rtype)
{
	if (cm_handles_implements(h, rtype))
		return true;
	if (!grow((void **)&h->impl, &h->capimpl, h->nimpl, sizeof(uint32_t)))
		return false;
	h->impl[h->nimpl++] = rtype;
	return true;
}

bool cm_handles_implements(const cm_handles *h, uint32_t rtype)
{
	if (h->host && (rtype & CM_RTYPE_HOST))
		return true;
	for (uint32_t i = 0; i < h->nimpl; i++)
		if (h->impl[i] == rtype)
			return true;
	return false;
}

uint32_t cm_handles_count(const cm_handles *h)
{
	return h ? h->live : 0;
}

static bool add(cm_handles *h, uint32_t rtype, uint64_t rep, uint8_t state, cm_call *scope,
                uint32_t *ret_index, cm_trap *trap)
{
	uint32_t i;
	if (h->nfree) {
		i = h->free[--h->nfree];
	} else {
		if (h->n > CM_HANDLES_MAX)
			return cm_trap_set(trap, "resource handle table is full (%u handles)",
			                   CM_HANDLES_MAX);
		/* the free list can hold every index: reserve it now so that
		 * removing never fails */
		if (!grow((void **)&h->e, &h->cap, h->n, sizeof(entry)) ||
		    !grow((void **)&h->free, &h->capfree, h->n, sizeof(uint32_t)))
			return cm_trap_set(trap, "out of memory for the resource handle table");
		i = h->n++;
	}
	h->e[i] = (entry){.rep = rep, .scope = scope, .rtype = rtype, .lends = 0, .state = state};
	h->live++;
	*ret_index = i;
	return true;
}

static const char *kind_of(uint32_t rtype)
{
	return rtype & CM_RTYPE_HOST ? "host-defined resource" : "guest-defined resource";
}

/* The live entry `index` of type `rtype`, or NULL with a trap. */
static entry *get(const cm_handles *h, uint32_t index, uint32_t rtype, cm_trap *trap)
{
	if (index == 0 || index >= h->n || h->e[index].state == E_FREE) {
		cm_trap_set(trap, "unknown handle index %u", index);
		return NULL;
	}
	entry *e = &h->e[index];
	if (e->rtype != rtype) {
		bool same = (e->rtype & CM_RTYPE_HOST) == (rtype & CM_RTYPE_HOST);
		cm_trap_set(trap, "handle index %u used with the wrong type, expected %s but found %s%s",
		            index, kind_of(rtype), same ? "a different " : "", kind_of(e->rtype));
		return NULL;
	}
	return e;
}

bool cm_handles_new_own(cm_handles *h, uint32_t rtype, uint64_t rep, uint32_t *ret_index,
                        cm_trap *trap)
{
	return add(h, rtype, rep, E_OWN, NULL, ret_index, trap);
}

bool cm_handles_rep(const cm_handles *h, uint32_t index, uint32_t rtype, uint64_t *ret_rep,
                    cm_trap *trap)
{
	entry *e = get(h, index, rtype, trap);
	if (!e)
		return false;
	*ret_rep = e->rep;
	return true;
}

bool cm_handles_drop(cm_handles *h, uint32_t index, uint32_t rtype, cm_dropped *ret,
                     cm_trap *trap)
{
	entry *e = get(h, index, rtype, trap);
	if (!e)
		return false;
	if (e->lends)
		return cm_trap_set(trap, "cannot remove owned resource while borrowed");
	cm_dropped d = {.rtype = e->rtype, .rep = e->rep, .own = e->state == E_OWN};
	if (e->state == E_BORROW && e->scope && e->scope->num_borrows)
		e->scope->num_borrows--;
	remove_entry(h, index);
	*ret = d;
	return true;
}

bool cm_handles_lift_own(cm_handles *h, uint32_t index, uint32_t rtype, uint64_t *ret_rep,
                         cm_trap *trap)
{
	entry *e = get(h, index, rtype, trap);
	if (!e)
		return false;
	if (e->state != E_OWN)
		return cm_trap_set(trap, "handle index %u is a borrow handle, an own handle was "
		                   "expected", index);
	if (e->lends)
		return cm_trap_set(trap, "cannot remove owned resource while borrowed");
	uint64_t rep = e->rep;
	remove_entry(h, index);
	*ret_rep = rep;
	return true;
}

bool cm_handles_lift_borrow(cm_handles *h, uint32_t index, uint32_t rtype, cm_call *call,
                            uint64_t *ret_rep, cm_trap *trap)
{
	entry *e = get(h, index, rtype, trap);
	if (!e)
		return false;
	if (call) {
		if (e->lends == UINT32_MAX)
			return cm_trap_set(trap, "handle index %u lent too many times", index);
		if (!grow((void **)&call->lends, &call->caplends, call->nlends, sizeof(cm_lend)))
			return cm_trap_set(trap, "out of memory for a call's borrows");
		call->lends[call->nlends++] = (cm_lend){.table = h, .index = index};
		e->lends++;
	}
	*ret_rep = e->rep;
	return true;
}

bool cm_handles_lower_own(cm_handles *h, uint32_t rtype, uint64_t rep, uint32_t *ret_index,
                          cm_trap *trap)
{
	return add(h, rtype, rep, E_OWN, NULL, ret_index, trap);
}

bool cm_handles_lower_borrow(cm_handles *h, uint32_t rtype, uint64_t rep, cm_call *call,
                             uint32_t *ret_value, cm_trap *trap)
{
	if (cm_handles_implements(h, rtype)) {
		if (rep > UINT32_MAX)
			return cm_trap_set(trap, "resource rep %llu does not fit in an i32",
			                   (unsigned long long)rep);
		*ret_value = (uint32_t)rep;
		return true;
	}
	uint32_t i;
	if (!add(h, rtype, rep, E_BORROW, call, &i, trap))
		return false;
	if (call)
		call->num_borrows++;
	*ret_value = i;
	return true;
}
