/*
 * rt_internal.h - the instance runtime's private structures, shared by
 * runtime sources only.
 */
#ifndef RT_INTERNAL_H
#define RT_INTERNAL_H

#include <pthread.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rt_abi.h"
#include "rt_artifact.h"
#include "rt_instance.h"
#include "rt_module.h"
#include "rt_store.h"

/* rt_funcref.reserved flags (runtime-private; compiled code ignores it). */
#define RT_FUNCREF_HOST 1u /* vmctx is an rt_hostobj, code is NULL until
                              an importing module binds its adapter */
#define RT_FUNCREF_BOUND 2u /* a host function bound with an adapter:
                              vmctx is an rt_hostobj, not an rt_vmctx */

/* ---- code ranges, for the fault handler ---- */
void rt_code_register(const void *start, size_t len, const rt_loaded *owner);
void rt_code_unregister(const void *start, size_t len);
bool rt_code_contains(uintptr_t pc);
/* ---- linear memory reservations: a fault of compiled code inside one is
 * an out-of-bounds access (rt_trap.c; rt_memory.c registers them) ---- */
bool rt_guard_register(const void *start, size_t len); /* false: too many */
void rt_guard_unregister(const void *start);

/* ---- objects ---- */

struct rt_memobj {
	rt_memory pub;      /* first: vmctx->memories[i] points here */
	uint8_t *reserve;   /* whole reservation (incl. guards) */
	size_t reserve_len;
	uint64_t committed; /* bytes made read/write from base */
	uint64_t reserve_max; /* bytes usable without moving */
	uint64_t max_pages; /* effective maximum (type, 4 GiB, store limit) */
	uint8_t page_log2;
	bool is64, shared;
	rt_limits limits;   /* the type it was created with */
	rt_store *store;
	struct rt_memobj *next;
};

struct rt_tableobj {
	rt_table pub;       /* first */
	uint64_t cap;
	uint64_t max;       /* effective maximum */
	rt_valtype elem;    /* canonical heap ids */
	rt_limits limits;
	rt_store *store;
	struct rt_tableobj *next;
};

struct rt_globalobj {
	rt_global pub;      /* first */
	rt_valtype type;    /* canonical heap ids */
	bool mut;
	struct rt_globalobj *next;
};

/* A captured exception (an exnref's target), owned by its store. */
typedef struct rt_exnobj {
	struct rt_exnobj *next;
	rt_exn exn; /* last: its values follow */
} rt_exnobj;

struct rt_tagobj {
	uint32_t type_id;
	struct rt_tagobj *next;
};

typedef struct rt_hostobj {
	rt_hostfunc hf;     /* first: the adapter's vmctx */
	rt_funcref ref;     /* the unbound reference handed to the embedder */
	rt_host_callback cb;
	void *env;
	uint32_t nparams, nresults;
	struct rt_hostobj *next;
} rt_hostobj;

struct rt_instance {
	rt_vmctx vm;        /* first: compiled code's context */
	rt_store *store;
	const rt_loaded *mod;
	rt_memory **mems;
	rt_table **tabs;
	rt_global **globs;
	rt_funcref **funcs;
	uint32_t *type_ids;
	void **tags;
	rt_funcref *own;    /* funcrefs of defined functions + bound hosts */
	rt_globalobj **globobjs;
	rt_memobj **memobjs;
	rt_tableobj **tabobjs;
	rt_tagobj **tagobjs;
	/* Segments: evaluated element items (NULL when dropped) and data
	 * lengths (0 when dropped). */
	void ***elem_items;
	uint32_t *elem_len;
	uint32_t *data_len;
	struct rt_instance *next;
};

struct rt_store {
	rt_store_config cfg;
	int64_t fuel;
	volatile uint32_t interrupt;
	volatile uint32_t interrupt_requested;
	uint64_t deadline_ns;   /* CLOCK_MONOTONIC; 0 none */
	pthread_t timer;
	bool timer_running;
	pthread_mutex_t timer_lock;
	pthread_cond_t timer_cond;
	bool timer_stop;
	uint32_t ninstances, nmemories, ntables;
	rt_instance *instances;
	rt_memobj *memories;
	rt_tableobj *tables;
	/* bytes of memories and tables (cfg.max_total_bytes) */
	_Atomic uint64_t total_bytes;
	rt_globalobj *globals;
	rt_tagobj *tags;
	rt_hostobj *hosts;
	rt_exnobj *_Atomic exns;
};

extern const rt_services rt_services_impl;

/* ---- traps and calls ---- */

typedef struct rt_activation {
	sigjmp_buf env;
	struct rt_activation *prev;
	volatile uint32_t code;
	uintptr_t pc; /* where compiled code trapped, or 0 */
	char msg[200];
} rt_activation;

/* The invoke of every rt_hostobj: runs its callback, traps on a message. */
void rt_host_invoke(rt_hostfunc *self, rt_val *args_results);
/* Raises a trap in the current activation (never returns). */
void rt_raise(uint32_t code, const char *msg) __attribute__((noreturn));
/* The same, recording the code address the trap comes from. */
void rt_raise_at(uint32_t code, const char *msg, uintptr_t pc) __attribute__((noreturn));
/* Exception handling (rt_exn.c): the services, this thread's handler
 * chain (rt_eh_swap installs `head` and returns the previous one) and the
 * store's captured exceptions. */
void rt_eh_enter(rt_vmctx *vm, rt_eh_frame *h);
void rt_eh_leave(rt_vmctx *vm, rt_eh_frame *h);
void rt_eh_throw(rt_vmctx *vm, void *tag, const rt_val *vals, uint32_t n)
	__attribute__((noreturn));
void rt_eh_throw_ref(rt_vmctx *vm, const rt_exn *exn) __attribute__((noreturn));
const rt_exn *rt_eh_capture(rt_vmctx *vm, const rt_exn *exn);
rt_eh_frame *rt_eh_swap(rt_eh_frame *head);
void rt_exns_free(rt_store *s);
/* Signal handlers and this thread's alternate stack. */
void rt_signals_init(void);

/* memories / tables (rt_memory.c, rt_table.c) */
rt_memobj *rt_memobj_create(rt_store *s, const rt_limits *l, cmn_error *err);
void rt_memobj_destroy(rt_memobj *m);
int64_t rt_memobj_grow(rt_memobj *m, uint64_t delta_pages);
rt_tableobj *rt_tableobj_create(rt_store *s, rt_valtype elem, const rt_limits *l,
                                void *init, cmn_error *err);
void rt_tableobj_destroy(rt_tableobj *t);
int64_t rt_tableobj_grow(rt_tableobj *t, uint64_t delta, void *init);

/* The store's budget of memory and table bytes (cfg.max_total_bytes):
 * takes `bytes` from it, false (nothing taken) when it would be exceeded;
 * rt_budget_give returns them. */
bool rt_budget_take(rt_store *s, uint64_t bytes);
void rt_budget_give(rt_store *s, uint64_t bytes);

/* Canonical form of a module value type (heap index -> canonical id). */
rt_valtype rt_canon_valtype(rt_valtype t, const uint32_t *type_ids);

#endif
