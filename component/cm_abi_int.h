/*
 * cm_abi_int.h - what the canonical ABI's source files share (cm_abi_*.c):
 * little-endian memory access, the node budget of a lift, resource type
 * mapping, layouts with a trap. Internal to component/cm_abi*.c.
 */
#ifndef CM_ABI_INT_H
#define CM_ABI_INT_H

#include <string.h>

#include "cm_abi.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "cm_abi reads and writes guest memory as a little-endian host"
#endif

#define CM_UTF16_TAG (1u << 31)

static inline uint64_t cm_rd(const uint8_t *p, uint32_t nbytes)
{
	uint64_t v = 0;
	memcpy(&v, p, nbytes);
	return v;
}

static inline void cm_wr(uint8_t *p, uint64_t v, uint32_t nbytes)
{
	memcpy(p, &v, nbytes);
}

static inline uint64_t cm_align_to(uint64_t x, uint32_t a)
{
	return (x + a - 1) / a * a;
}

/* NaN canonicalisation (CANONICAL_FLOAT32_NAN / CANONICAL_FLOAT64_NAN). */
static inline uint64_t cm_canon_f32(uint64_t bits)
{
	uint32_t b = (uint32_t)bits;
	if ((b & 0x7F800000u) == 0x7F800000u && (b & 0x007FFFFFu))
		return 0x7FC00000u;
	return b;
}

static inline uint64_t cm_canon_f64(uint64_t b)
{
	if ((b & 0x7FF0000000000000ull) == 0x7FF0000000000000ull && (b & 0x000FFFFFFFFFFFFFull))
		return 0x7FF8000000000000ull;
	return b;
}

static inline bool cm_char_ok(uint64_t c)
{
	return c < 0x110000 && !(c >= 0xD800 && c <= 0xDFFF);
}

/* The layout of tid, or NULL with a trap. */
const cm_layout *cm_abi_lay(cm_cx *cx, cm_tid tid);
/* The type of tid, or NULL with a trap. */
const cm_type *cm_abi_ty(cm_cx *cx, cm_tid tid);
/* The rtype of an own/borrow type. */
bool cm_abi_rtype(cm_cx *cx, const cm_type *handle_type, uint32_t *ret);
/* Room for `extra` more nodes in out, within the lift's node budget. */
bool cm_abi_reserve(cm_cx *cx, cm_vals *out, uint64_t extra);
/* Appends a node (budget and room checked by cm_abi_reserve first or
 * here). */
bool cm_abi_push(cm_cx *cx, cm_vals *out, const cm_val *node);
/* Starts a lift's node budget. */
void cm_abi_budget(cm_cx *cx);

/* Internal forms of cm_abi_lift_flat / load / lower_flat / store that do
 * not restart the budget. */
bool cm_lift_flat(cm_cx *cx, cm_tid tid, const uint64_t *flat, uint32_t nflat, uint32_t *pos,
                  cm_vals *out);
bool cm_load(cm_cx *cx, cm_tid tid, uint32_t ptr, cm_vals *out);
bool cm_lower_flat(cm_cx *cx, cm_tid tid, const cm_vals *vs, size_t *pos, uint64_t *flat,
                   uint32_t *nflat);
bool cm_store(cm_cx *cx, cm_tid tid, const cm_vals *vs, size_t *pos, uint32_t ptr);

#endif
