/*
 * cm_handles.h - resource handle tables of the component model: one table
 * per component instance (and one for the host side of an exec worker, the
 * client's holdings), with own/borrow semantics as CanonicalABI.md defines
 * them (sync calls).
 *
 * A handle is an index into its instance's table: indices start at 1 (0 is
 * never valid), freed indices are reused last-freed-first, at most
 * CM_HANDLES_MAX entries. An entry remembers its resource type (`rtype`),
 * the representation (`rep`: the i32 a guest gave resource.new, or the
 * client's token for a host-defined resource), whether it owns the
 * resource, how many calls borrow it right now (its lend count), and for a
 * borrow handle the call (cm_call) it is scoped to.
 *
 * Resource types are numbers chosen by the caller (the worker gives every
 * resource type of a running composition its own number; a type defined by
 * a component gets a new number per instantiation). Host-defined resource
 * types have the bit CM_RTYPE_HOST set. A table knows which types its
 * instance implements (cm_handles_implement); the host table implements
 * every host-defined type.
 *
 * A call is a cm_call (on the caller's stack): lifting borrows out of a
 * table lends those handles for the call; lowering borrows into a table
 * that does not implement the type creates borrow handles scoped to the
 * call, which the callee must drop (resource.drop) before it returns.
 * cm_call_end checks that and gives the lent handles back.
 *
 * Destructors: dropping an own handle only reports what the caller must do
 * (cm_dropped: run the destructor of rtype with rep, or tell the client
 * its host resource was dropped); nothing here calls into a guest.
 *
 * Errors are traps: functions return false and write the spec's message
 * ("unknown handle index 5", ...) into the caller's cm_trap. Outputs
 * (ret_*) are written only on success. Not thread-safe: a table belongs to
 * the thread running its instance. Never blocks.
 */
#ifndef CM_HANDLES_H
#define CM_HANDLES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CM_HANDLES_MAX ((1u << 28) - 1) /* Table.MAX_LENGTH */
#define CM_RTYPE_HOST 0x80000000u       /* rtype bit: a host-defined resource type */
#define CM_TRAP_MAX 256

/* A trap message (NUL-terminated, truncated to fit). */
typedef struct cm_trap {
	char msg[CM_TRAP_MAX];
} cm_trap;

/* Writes a formatted message into t (t may be NULL); returns false, so a
 * trap site reads `return cm_trap_set(t, "...")`. */
bool cm_trap_set(cm_trap *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

typedef struct cm_handles cm_handles;
typedef struct cm_call cm_call;

/* One handle a call has lent (internal to cm_call). */
typedef struct cm_lend {
	cm_handles *table;
	uint32_t index;
} cm_lend;

/* The borrow scope of one synchronous call: initialise with cm_call_init
 * before lifting/lowering its arguments, end with cm_call_end (or
 * cm_call_abort after a trap). */
struct cm_call {
	uint32_t num_borrows; /* borrow handles created for the callee, not yet dropped */
	cm_lend *lends;       /* handles the caller lent to this call */
	uint32_t nlends, caplends;
};

void cm_call_init(cm_call *c);
/* The call returns: traps "borrow handles still remain at the end of the
 * call" when the callee left borrow handles in `callee_table` (then they
 * are removed, as after cm_call_abort: no entry keeps pointing at the
 * ended call); the lent handles' lend counts go down either way. Releases
 * the call's memory either way. */
bool cm_call_end(cm_call *c, cm_handles *callee_table, cm_trap *trap);
/* After a trap: gives the lends back and removes any borrow handle scoped
 * to this call from `callee_table` (may be NULL). Releases the call's
 * memory. */
void cm_call_abort(cm_call *c, cm_handles *callee_table);

/* An empty table; `host` marks the host side's table (it implements every
 * host-defined type). NULL when out of memory. */
cm_handles *cm_handles_new(bool host);
void cm_handles_free(cm_handles *h);

/* Records that the table's instance implements resource type `rtype`
 * (lowering a borrow of it passes the rep; resource.new/rep/drop may use
 * it). False when out of memory. */
bool cm_handles_implement(cm_handles *h, uint32_t rtype);
bool cm_handles_implements(const cm_handles *h, uint32_t rtype);

/* Live entries (for tests and limits). */
uint32_t cm_handles_count(const cm_handles *h);

/* What dropping or moving out an own handle leaves to the caller. */
typedef struct cm_dropped {
	uint32_t rtype;
	uint64_t rep;
	bool own; /* false: a borrow handle was dropped; nothing to destroy */
} cm_dropped;

/* resource.new: a new own handle of `rtype` with `rep`; its index to
 * *ret_index. Traps when the table is full. */
bool cm_handles_new_own(cm_handles *h, uint32_t rtype, uint64_t rep, uint32_t *ret_index,
                        cm_trap *trap);
/* resource.rep: the rep of handle `index`, which must be of `rtype`. */
bool cm_handles_rep(const cm_handles *h, uint32_t index, uint32_t rtype, uint64_t *ret_rep,
                    cm_trap *trap);
/* resource.drop: removes handle `index` of `rtype`. Traps on an unknown
 * index, a wrong type, or a handle lent to a call in progress ("cannot
 * remove owned resource while borrowed"). An own handle: *ret says whose
 * destructor to run (own = true). A borrow handle: its call's count goes
 * down (own = false). */
bool cm_handles_drop(cm_handles *h, uint32_t index, uint32_t rtype, cm_dropped *ret,
                     cm_trap *trap);

/* Lifting an own<rtype> (ownership moves out): removes the own handle and
 * returns its rep. Traps on unknown index, wrong type, a borrow handle, or
 * a lent handle. */
bool cm_handles_lift_own(cm_handles *h, uint32_t index, uint32_t rtype, uint64_t *ret_rep,
                         cm_trap *trap);
/* Lifting a borrow<rtype> for `call`: the handle (own or borrow) is lent
 * until the call ends; returns its rep. */
bool cm_handles_lift_borrow(cm_handles *h, uint32_t index, uint32_t rtype, cm_call *call,
                            uint64_t *ret_rep, cm_trap *trap);
/* Lowering an own<rtype>: a new own handle (same as resource.new). */
bool cm_handles_lower_own(cm_handles *h, uint32_t rtype, uint64_t rep, uint32_t *ret_index,
                          cm_trap *trap);
/* Lowering a borrow<rtype> for `call`: when the table implements rtype the
 * rep itself is the value; otherwise a borrow handle scoped to the call. */
bool cm_handles_lower_borrow(cm_handles *h, uint32_t rtype, uint64_t rep, cm_call *call,
                             uint32_t *ret_value, cm_trap *trap);

/* Removes every borrow handle of the host table scoped to `call` (the host
 * side never drops its borrows itself; they end with the host call). */
void cm_handles_end_host_borrows(cm_handles *h, cm_call *call);

#endif
