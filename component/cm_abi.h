/*
 * cm_abi.h - the canonical ABI of the component model (CanonicalABI.md,
 * synchronous functions, 32-bit memories): the memory layout and the
 * flattening of every value type, and lifting and lowering between core
 * values + a guest's linear memory and the value node list (cm_val.h).
 *
 * Layouts. cm_abi_new computes, in one forward pass over a cm_types table
 * (a type only refers to earlier ones), every type's size, alignment and
 * flattened core types, with the spec's join rule for variant payloads.
 * A type deeper than CM_ABI_MAX_TYPE_DEPTH or larger than 4 GiB gets no
 * layout (cm_abi_layout returns NULL; lifting or lowering it traps), so
 * the recursion of lifting and lowering over a type's structure is
 * bounded. Flags of any count are laid out as the spec did before it
 * capped them at 32: no bytes for 0 labels, 1, 2 or 4 bytes up to 32,
 * then ceil(n / 32) i32s.
 *
 * Core values travel as uint64_t raw bits, one per flattened slot: i32 and
 * f32 in the low 32 bits (the high bits are ignored when read, written as
 * 0), i64 and f64 in all 64. Variant payload coercions of the spec are
 * then bit-identical (an f32 in an i64 slot is its bits, zero-extended).
 *
 * Memory. A cm_mem is the guest's linear memory as the worker sees it: a
 * base pointer and a byte length, and the guest's realloc (canon option).
 * Calling realloc runs guest code that may grow the memory: the callback
 * must leave base and len describing the memory as it is afterwards; this
 * code re-reads them after every call and never keeps a pointer into
 * memory across one. Lifting never calls realloc.
 *
 * Traps use the wording of the reference tests (the .wast files of values/, the
 * wasmtime host's and its adapters' messages joined where they differ,
 * e.g. "realloc return: beyond end of memory (list content
 * out-of-bounds)"), and CanonicalABI.md's trap conditions: unaligned and
 * out-of-bounds pointers, lengths over (1 << 28) - 1 bytes, invalid
 * variant discriminants, invalid chars, invalid UTF-8 / UTF-16, handle
 * errors (cm_handles.h). NaNs are canonicalised when lifted and when
 * lowered (the spec's deterministic profile).
 *
 * Values given to lowering must have passed cm_vals_check for their types
 * (the code still never reads past the list). Lifted values are checked
 * by construction: lifting writes a list cm_vals_check accepts.
 *
 * The sequence of a call into a guest export (canon lift), as the worker
 * runs it:
 *   1. cm_call_init(&call); a cm_cx for the callee (its encoding, memory,
 *      handle table, &call; `host` = the client's table).
 *   2. cm_abi_lower_params: the arguments become flat core values (over
 *      16: stored in memory from realloc, one i32 pointer).
 *   3. call the core function (trap -> cm_call_abort, poison).
 *   4. cm_abi_lift_results: the core result(s) become cm_vals; strings and
 *      lists are copied out, so the guest's memory may change afterwards.
 *   5. cm_call_end(&call, callee table): traps if the callee kept borrow
 *      handles.
 *   6. post-return, when the function has one, with the same core results;
 *      the instance may not leave (no imports, no realloc) during it.
 * A guest calling an import (canon lower): cm_abi_lift_params from the
 * caller (the flat arguments, a pointer to them when over 16, and a
 * return pointer last when the results take more than one core value),
 * the host or callee runs, cm_handles_end_host_borrows(host, &call),
 * cm_abi_lower_results into the caller (to the return pointer when
 * spilled), cm_call_end. A component-to-component call is the two
 * chained (lift from the caller, lower into the callee), which also
 * transcodes strings between their encodings.
 *
 * Ownership: cm_abi borrows its cm_types (which must outlive it) and owns
 * its layouts; cm_abi_free accepts NULL. A cm_abi is immutable once built
 * and may be shared by threads; a cm_cx belongs to one call. Nothing here
 * blocks except through the realloc callback.
 */
#ifndef CM_ABI_H
#define CM_ABI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cm_handles.h"
#include "cm_type.h"
#include "cm_val.h"

#define CM_MAX_FLAT_PARAMS 16
#define CM_MAX_FLAT_RESULTS 1
/* Core values of a flattened signature: 16 params (or 1 pointer) plus a
 * return pointer. */
#define CM_MAX_FLAT_CORE (CM_MAX_FLAT_PARAMS + 1)
#define CM_MAX_STRING_BYTES ((1u << 28) - 1)
#define CM_MAX_LIST_BYTES ((1u << 28) - 1)
#define CM_ABI_MAX_TYPE_DEPTH 100
/* nflat of a type flattening to more values than any signature keeps. */
#define CM_FLAT_MANY (CM_MAX_FLAT_PARAMS + 1)
/* Default bound on the nodes one lift may produce (cm_cx.max_nodes). */
#define CM_ABI_MAX_NODES (1u << 26)

typedef enum cm_core {
	CM_CORE_I32 = 1,
	CM_CORE_I64,
	CM_CORE_F32,
	CM_CORE_F64,
} cm_core;

/* A value type's canonical-ABI layout. */
typedef struct cm_layout {
	uint32_t size, align;
	uint32_t nflat;           /* flattened core values; CM_FLAT_MANY = more than 16 */
	uint8_t flat[CM_MAX_FLAT_PARAMS]; /* cm_core each, when nflat <= 16 */
	uint32_t depth;           /* 1 for a primitive */
	uint32_t disc_size;       /* variant, enum, option, result: 1, 2 or 4 */
	uint32_t payload_off;     /* ... offset of the payload */
} cm_layout;

typedef struct cm_abi cm_abi;

/* The layouts of every type of `types`. NULL when out of memory. */
cm_abi *cm_abi_new(const cm_types *types);
void cm_abi_free(cm_abi *a);
const cm_types *cm_abi_types(const cm_abi *a);

/* The layout of `tid`, or NULL when it is unknown, not a value type, or
 * has no layout (then *ret_why, when not NULL, says why). */
const cm_layout *cm_abi_layout(const cm_abi *a, cm_tid tid, const char **ret_why);

/* The core signature of function type `func` for `canon lift` (lower =
 * false: params over 16 become one i32 pointer, results over 1 one i32
 * pointer result) or `canon lower` (lower = true: results over 1 become a
 * trailing i32 return-pointer parameter). False when a parameter or
 * result type has no layout, or the function is `async` (this library
 * implements the synchronous ABI only). */
typedef struct cm_core_sig {
	uint32_t nparams, nresults;
	uint8_t params[CM_MAX_FLAT_CORE]; /* cm_core */
	uint8_t results[CM_MAX_FLAT_RESULTS];
	bool params_spilled, results_spilled;
} cm_core_sig;
bool cm_abi_core_sig(const cm_abi *a, cm_tid func, bool lower, cm_core_sig *ret);

typedef struct cm_mem cm_mem;
/* The guest's realloc(old_ptr, old_size, align, new_size) -> ptr. On
 * return, m->base and m->len describe the memory as it is now. A trap of
 * the guest: return false with the message in *trap. */
typedef bool (*cm_realloc_fn)(cm_mem *m, uint32_t old_ptr, uint32_t old_size, uint32_t align,
                              uint32_t new_size, uint32_t *ret_ptr, cm_trap *trap);
struct cm_mem {
	uint8_t *base;
	uint64_t len;
	cm_realloc_fn realloc; /* NULL: the function has no realloc option */
	void *env;             /* for the callback */
};

typedef enum cm_strenc {
	CM_ENC_UTF8 = 0,
	CM_ENC_UTF16,
	CM_ENC_LATIN1_UTF16,
} cm_strenc;

/* One lift or lower: the guest side's canonical options and tables. */
typedef struct cm_cx {
	const cm_abi *abi;
	cm_strenc enc;
	cm_mem *mem;          /* NULL: no memory option */
	cm_handles *handles;  /* the guest instance's table; NULL: no handles in the signature */
	cm_call *call;        /* the call's borrow scope; NULL: borrows are not tracked */
	cm_handles *host;     /* the value side's table (the client's holdings); NULL: own and
	                       * borrow nodes carry the rep itself */
	const uint32_t *rtypes; /* resource_id -> rtype; NULL: rtype = resource_id */
	uint32_t nrtypes;
	uint64_t max_nodes;   /* bound on the nodes one lift adds; 0: CM_ABI_MAX_NODES */
	cm_trap trap;         /* the message after a function returned false */
	uint64_t nodes_left;  /* internal */
} cm_cx;

/* A context with the defaults: utf8, no memory, no handles. */
void cm_cx_init(cm_cx *cx, const cm_abi *abi);

/* --- whole signatures ------------------------------------------------ */

/* Lowers the `n` values of types cs[i].type that start at node `first` of
 * vs into core values (lower_flat_values): flat when they take at most
 * max_flat, else stored as a tuple in memory, at *out_ptr when out_ptr is
 * not NULL (a return pointer; nothing is added to flat) or at memory from
 * realloc (its pointer becomes the one core value). flat has room for
 * max(max_flat, 1) values; the count to *ret_nflat. */
bool cm_abi_lower_values(cm_cx *cx, uint32_t max_flat, const cm_case *cs, uint32_t n,
                         const cm_vals *vs, size_t first, const uint32_t *out_ptr,
                         uint64_t *flat, uint32_t *ret_nflat);
/* Lifts `n` values of types cs[i].type from nflat core values
 * (lift_flat_values; over max_flat: flat[0] points to the tuple) and
 * appends their nodes to `out`. On a trap `out` may hold part of them. */
bool cm_abi_lift_values(cm_cx *cx, uint32_t max_flat, const cm_case *cs, uint32_t n,
                        const uint64_t *flat, uint32_t nflat, cm_vals *out);

/* canon lift: the export's parameters (vs from `first`) -> core args. */
bool cm_abi_lower_params(cm_cx *cx, cm_tid func, const cm_vals *vs, size_t first,
                         uint64_t *flat, uint32_t *ret_nflat);
/* canon lift: the export's core result(s) -> result values. */
bool cm_abi_lift_results(cm_cx *cx, cm_tid func, const uint64_t *flat, uint32_t nflat,
                         cm_vals *out);
/* canon lower: the caller's core args -> parameter values, and the return
 * pointer (when the results are spilled; else 0) to *ret_retptr. */
bool cm_abi_lift_params(cm_cx *cx, cm_tid func, const uint64_t *flat, uint32_t nflat,
                        cm_vals *out, uint32_t *ret_retptr);
/* canon lower: result values -> the caller's core result (or stored at
 * retptr when spilled; *ret_nflat is then 0). */
bool cm_abi_lower_results(cm_cx *cx, cm_tid func, const cm_vals *vs, size_t first,
                          uint32_t retptr, uint64_t *flat, uint32_t *ret_nflat);

/* --- single values ----------------------------------------------------- */

/* lift_flat: one value of `tid` from flat[*pos ..], advancing *pos. */
bool cm_abi_lift_flat(cm_cx *cx, cm_tid tid, const uint64_t *flat, uint32_t nflat,
                      uint32_t *pos, cm_vals *out);
/* load: one value of `tid` stored at `ptr` (checked: aligned, in bounds). */
bool cm_abi_load(cm_cx *cx, cm_tid tid, uint32_t ptr, cm_vals *out);
/* lower_flat: the value at node *pos of vs, advancing *pos past it;
 * appends its core values at flat[*nflat ..] (room for its layout's
 * nflat), advancing *nflat. */
bool cm_abi_lower_flat(cm_cx *cx, cm_tid tid, const cm_vals *vs, size_t *pos, uint64_t *flat,
                       uint32_t *nflat);
/* store: the value at node *pos of vs to `ptr` (checked). */
bool cm_abi_store(cm_cx *cx, cm_tid tid, const cm_vals *vs, size_t *pos, uint32_t ptr);

#endif
