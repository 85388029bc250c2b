/*
 * cm_val.h - component values as a flat, pre-order list of nodes: the one
 * representation the canonical ABI lifts to and lowers from, the protocol
 * carries (wasmc.v1 ValueNode, DESIGN.md §7) and libwasmc's wasmc_val
 * converts to. There is no recursion anywhere: a value of any depth is an
 * array, and a walk needs no stack beyond a counter.
 *
 * Node layout (each node has the kind of its type; children follow their
 * parent immediately, each child a whole subtree):
 *   bool, s8..u64   u = the value (s* sign-extended to 64 bits; bool 0/1)
 *   f32, f64        u = the bits (f32 in the low 32 bits)
 *   char            u = the Unicode scalar value
 *   string          bytes/len = UTF-8, not NUL-terminated (len may be 0)
 *   list            n = element count; n element subtrees follow
 *   record, tuple   n = field count (equal to the type's); n subtrees follow
 *   variant         u = case index; one subtree follows when that case has
 *                   a payload type
 *   enum            u = case index
 *   option          u = 0 (none) or 1 (some: one subtree follows)
 *   result          u = 0 (ok) or 1 (err); one subtree follows when that
 *                   side has a type
 *                   (variant, option, result: n = 1 when a subtree follows,
 *                   else 0, so that cm_vals_skip needs no types)
 *   flags           n = label count; bytes/len = ceil(n/8) bytes, label i
 *                   set when bit (i % 8) of byte i / 8 is set; unused high
 *                   bits are 0
 *   own, borrow     u = the handle (index in the holder's handle table, or
 *                   the client's token for a host resource)
 *
 * Ownership: a cm_vals owns its node array and every byte array its nodes
 * point into (strings, flags), allocated from its arena, unless a node was
 * added with cm_vals_push_ref (then the caller keeps those bytes alive as
 * long as the list). cm_vals_free accepts NULL.
 */
#ifndef CM_VAL_H
#define CM_VAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cm_type.h"

typedef struct cm_val {
	cm_kind kind;
	uint32_t n;
	uint64_t u;
	const uint8_t *bytes;
	uint64_t len;
} cm_val;

typedef struct cm_vals {
	cm_val *v;
	size_t n, cap;
	struct cmn_arena *arena; /* bytes copied by cm_vals_push_bytes */
} cm_vals;

/* Initialises an empty list (no allocation yet). */
void cm_vals_init(cm_vals *vs);
/* Releases the nodes and copied bytes; the list is empty again. NULL ok. */
void cm_vals_free(cm_vals *vs);

/* Appends `node`; returns its index, or -1 when out of memory. */
long cm_vals_push(cm_vals *vs, const cm_val *node);
/* Appends `node` with a copy of `len` bytes at `bytes` as its bytes. */
long cm_vals_push_bytes(cm_vals *vs, const cm_val *node, const void *bytes, uint64_t len);

/* Index just past the subtree that starts at `i`, or 0 when the list is
 * malformed there (a count running past the end). Does not check types. */
size_t cm_vals_skip(const cm_vals *vs, size_t i);

/* Checks that the subtree at `i` is a value of type `tid` in `types`:
 * kinds, counts, case indices, payload presence, UTF-8 of strings, char
 * scalar values, flags bits, depth <= `max_depth`. On success writes the
 * index past the subtree to *ret_end and returns NULL; otherwise returns a
 * static message naming what was wrong ("expected u32, found string",
 * "invalid UTF-8 in string", "value nesting deeper than 100"). */
const char *cm_vals_check(const cm_vals *vs, size_t i, const cm_types *types, cm_tid tid,
                          unsigned max_depth, size_t *ret_end);

#endif
