/*
 * cm_abi_lift.c - lifting (cm_abi.h): core values and a guest's linear
 * memory -> value nodes. load / lift_flat of CanonicalABI.md with their
 * trap conditions; strings are transcoded to UTF-8 and copied out, so the
 * nodes do not point into guest memory.
 *
 * Recursion follows the type's structure only, whose depth cm_abi bounds
 * (CM_ABI_MAX_TYPE_DEPTH); lists loop. Lifting never calls realloc, so
 * the memory's base and length stay put during a lift.
 */
#include <stdlib.h>

#include "cm_abi_int.h"
#include "cm_string.h"

static bool too_few(cm_cx *cx)
{
	return cm_trap_set(&cx->trap, "too few core values for the signature");
}

static bool need_mem(cm_cx *cx)
{
	if (cx->mem)
		return true;
	return cm_trap_set(&cx->trap, "the function has no memory option for its strings or lists");
}

static bool lift_string(cm_cx *cx, uint32_t ptr, uint32_t tagged, cm_vals *out)
{
	uint32_t align = 1;
	uint64_t bytes = tagged;
	cm_strenc enc = cx->enc;
	if (!need_mem(cx))
		return false;
	if (enc == CM_ENC_UTF16) {
		align = 2;
		bytes = 2 * (uint64_t)tagged;
	} else if (enc == CM_ENC_LATIN1_UTF16) {
		align = 2;
		if (tagged & CM_UTF16_TAG) {
			bytes = 2 * (uint64_t)(tagged ^ CM_UTF16_TAG);
			enc = CM_ENC_UTF16;
		}
	}
	if (bytes > CM_MAX_STRING_BYTES)
		return cm_trap_set(&cx->trap, "string too long: %llu bytes, at most %u "
		                   "(string content out-of-bounds)", (unsigned long long)bytes,
		                   CM_MAX_STRING_BYTES);
	if (ptr % align)
		return cm_trap_set(&cx->trap, "string pointer not aligned to 2 (unaligned pointer)");
	if (ptr + bytes > cx->mem->len)
		return cm_trap_set(&cx->trap, "string pointer/length out of bounds of memory "
		                   "(string content out-of-bounds)");
	const uint8_t *src = cx->mem->base + ptr;
	cm_val node = {.kind = CM_STRING};
	if (!cm_abi_reserve(cx, out, 1))
		return false;
	if (enc == CM_ENC_UTF8) {
		size_t off;
		cm_utf8_status st = cm_utf8_check(src, (size_t)bytes, &off);
		if (st == CM_UTF8_INVALID)
			return cm_trap_set(&cx->trap, "invalid utf-8 sequence at byte offset %zu", off);
		if (st == CM_UTF8_INCOMPLETE)
			return cm_trap_set(&cx->trap, "incomplete utf-8 byte sequence at byte offset %zu",
			                   off);
		if (cm_vals_push_bytes(out, &node, src, bytes) < 0)
			return cm_trap_set(&cx->trap, "out of memory for a lifted string");
		return true;
	}
	size_t n, units = (size_t)bytes / 2;
	if (enc == CM_ENC_UTF16) {
		size_t bad;
		if (!cm_utf16_utf8_len(src, units, &n, &bad))
			return cm_trap_set(&cx->trap, "invalid utf-16: unpaired surrogate at code unit %zu",
			                   bad);
	} else {
		n = cm_latin1_utf8_len(src, (size_t)bytes);
	}
	uint8_t *tmp = malloc(n ? n : 1);
	if (!tmp)
		return cm_trap_set(&cx->trap, "out of memory for a lifted string");
	if (enc == CM_ENC_UTF16)
		cm_utf16_to_utf8(src, units, tmp);
	else
		cm_latin1_to_utf8(src, (size_t)bytes, tmp);
	long r = cm_vals_push_bytes(out, &node, tmp, n);
	free(tmp);
	if (r < 0)
		return cm_trap_set(&cx->trap, "out of memory for a lifted string");
	return true;
}

/* A primitive scalar read from memory (not string). */
static bool prim_value(cm_cx *cx, cm_kind k, const uint8_t *p, uint64_t *ret)
{
	uint64_t u;
	switch (k) {
	case CM_BOOL: u = p[0] != 0; break;
	case CM_S8: u = (uint64_t)(int64_t)(int8_t)p[0]; break;
	case CM_U8: u = p[0]; break;
	case CM_S16: u = (uint64_t)(int64_t)(int16_t)cm_rd(p, 2); break;
	case CM_U16: u = cm_rd(p, 2); break;
	case CM_S32: u = (uint64_t)(int64_t)(int32_t)cm_rd(p, 4); break;
	case CM_U32: u = cm_rd(p, 4); break;
	case CM_S64:
	case CM_U64: u = cm_rd(p, 8); break;
	case CM_F32: u = cm_canon_f32(cm_rd(p, 4)); break;
	case CM_F64: u = cm_canon_f64(cm_rd(p, 8)); break;
	case CM_CHAR:
		u = cm_rd(p, 4);
		if (!cm_char_ok(u))
			return cm_trap_set(&cx->trap, "invalid `char` bit pattern: 0x%llx",
			                   (unsigned long long)u);
		break;
	default: return cm_trap_set(&cx->trap, "internal: %s is not a scalar", cm_kind_name(k));
	}
	*ret = u;
	return true;
}

static bool lift_list(cm_cx *cx, cm_tid elem, uint32_t ptr, uint32_t len, cm_vals *out)
{
	const cm_layout *el = cm_abi_lay(cx, elem);
	if (!el || !need_mem(cx))
		return false;
	uint64_t bytes = (uint64_t)len * el->size;
	if (bytes > CM_MAX_LIST_BYTES)
		return cm_trap_set(&cx->trap, "list too long: %llu bytes, at most %u "
		                   "(list content out-of-bounds)", (unsigned long long)bytes,
		                   CM_MAX_LIST_BYTES);
	if (ptr % el->align)
		return cm_trap_set(&cx->trap, "list pointer is not aligned (unaligned pointer)");
	if (ptr + bytes > cx->mem->len)
		return cm_trap_set(&cx->trap, "list pointer/length out of bounds of memory "
		                   "(list content out-of-bounds)");
	bool scalars = cm_tid_is_primitive(elem) && elem != CM_STRING;
	/* every element takes a node: a hostile length fails here, at once */
	if (len >= cx->nodes_left)
		return cm_abi_reserve(cx, out, 1 + (uint64_t)len);
	if (!cm_abi_reserve(cx, out, scalars ? 1 + (uint64_t)len : 1))
		return false;
	out->v[out->n++] = (cm_val){.kind = CM_LIST, .n = len};
	if (scalars) {
		/* scalars: room is reserved, fill the nodes in place */
		const uint8_t *p = cx->mem->base + ptr;
		cm_val *v = out->v + out->n;
		if (elem == CM_U8) {
			for (uint32_t i = 0; i < len; i++)
				v[i] = (cm_val){.kind = CM_U8, .u = p[i]};
		} else if (elem == CM_S8) {
			for (uint32_t i = 0; i < len; i++)
				v[i] = (cm_val){.kind = CM_S8, .u = (uint64_t)(int64_t)(int8_t)p[i]};
		} else {
			for (uint32_t i = 0; i < len; i++, p += el->size) {
				uint64_t u;
				if (!prim_value(cx, (cm_kind)elem, p, &u))
					return false;
				v[i] = (cm_val){.kind = (cm_kind)elem, .u = u};
			}
		}
		out->n += len;
		return true;
	}
	for (uint32_t i = 0; i < len; i++)
		if (!cm_load(cx, elem, ptr + i * el->size, out))
			return false;
	return true;
}

static bool lift_handle(cm_cx *cx, const cm_type *t, uint32_t idx, uint64_t *ret)
{
	uint32_t rtype;
	uint64_t rep;
	if (!cm_abi_rtype(cx, t, &rtype))
		return false;
	if (!cx->handles)
		return cm_trap_set(&cx->trap, "unknown handle index %u (no handle table)", idx);
	bool ok = t->kind == CM_OWN
	                  ? cm_handles_lift_own(cx->handles, idx, rtype, &rep, &cx->trap)
	                  : cm_handles_lift_borrow(cx->handles, idx, rtype, cx->call, &rep,
	                                           &cx->trap);
	if (!ok)
		return false;
	if (!cx->host || cm_handles_implements(cx->host, rtype)) {
		*ret = rep;
		return true;
	}
	uint32_t i;
	if (t->kind == CM_OWN)
		ok = cm_handles_lower_own(cx->host, rtype, rep, &i, &cx->trap);
	else
		ok = cm_handles_lower_borrow(cx->host, rtype, rep, cx->call, &i, &cx->trap);
	if (!ok)
		return false;
	*ret = i;
	return true;
}

/* Number of cases and the payload type of case `c` of a variant-like type. */
static uint32_t ncases(const cm_type *t)
{
	return t->kind == CM_OPTION || t->kind == CM_RESULT ? 2 : t->n;
}

static cm_tid payload(const cm_type *t, uint32_t c)
{
	switch (t->kind) {
	case CM_VARIANT: return t->cases[c].type;
	case CM_OPTION: return c ? t->elem : CM_TID_NONE;
	case CM_RESULT: return c ? t->err : t->elem;
	default: return CM_TID_NONE;
	}
}

static bool bad_disc(cm_cx *cx, uint64_t d)
{
	return cm_trap_set(&cx->trap, "invalid variant discriminant %llu", (unsigned long long)d);
}

/* Flags from `k` 32-bit words (little-endian bytes at p, or words). */
static bool push_flags(cm_cx *cx, const cm_type *t, const uint8_t *bytes, cm_vals *out)
{
	uint32_t nbytes = (t->n + 7) / 8;
	uint8_t small[16], *b = nbytes <= sizeof small ? small : malloc(nbytes);
	if (!b)
		return cm_trap_set(&cx->trap, "out of memory for flags");
	memcpy(b, bytes, nbytes);
	if (t->n % 8)
		b[nbytes - 1] &= (uint8_t)((1u << (t->n % 8)) - 1);
	cm_val node = {.kind = CM_FLAGS, .n = t->n};
	bool ok = cm_abi_reserve(cx, out, 1);
	if (ok && cm_vals_push_bytes(out, &node, b, nbytes) < 0)
		ok = cm_trap_set(&cx->trap, "out of memory for flags");
	if (b != small)
		free(b);
	return ok;
}

bool cm_load(cm_cx *cx, cm_tid tid, uint32_t ptr, cm_vals *out)
{
	const cm_type *t = cm_abi_ty(cx, tid);
	const cm_layout *l = cm_abi_lay(cx, tid);
	if (!t || !l || !need_mem(cx))
		return false;
	/* callers checked the value's range; this guards the recursion */
	if (ptr % l->align || ptr + (uint64_t)l->size > cx->mem->len)
		return cm_trap_set(&cx->trap, "internal: load of %s outside its checked range",
		                   cm_kind_name(t->kind));
	const uint8_t *p = cx->mem->base + ptr;
	switch (t->kind) {
	case CM_STRING:
		return lift_string(cx, (uint32_t)cm_rd(p, 4), (uint32_t)cm_rd(p + 4, 4), out);
	case CM_LIST:
		if (!t->fixed_len)
			return lift_list(cx, t->elem, (uint32_t)cm_rd(p, 4), (uint32_t)cm_rd(p + 4, 4),
			                 out);
		if (!cm_abi_push(cx, out, &(cm_val){.kind = CM_LIST, .n = t->fixed_len}))
			return false;
		{
			const cm_layout *el = cm_abi_lay(cx, t->elem);
			for (uint32_t i = 0; i < t->fixed_len; i++)
				if (!cm_load(cx, t->elem, ptr + i * el->size, out))
					return false;
		}
		return true;
	case CM_RECORD:
	case CM_TUPLE: {
		if (!cm_abi_push(cx, out, &(cm_val){.kind = t->kind, .n = t->n}))
			return false;
		uint64_t off = 0;
		for (uint32_t i = 0; i < t->n; i++) {
			const cm_layout *f = cm_abi_lay(cx, t->cases[i].type);
			off = cm_align_to(off, f->align);
			if (!cm_load(cx, t->cases[i].type, ptr + (uint32_t)off, out))
				return false;
			off += f->size;
		}
		return true;
	}
	case CM_VARIANT:
	case CM_ENUM:
	case CM_OPTION:
	case CM_RESULT: {
		uint64_t d = cm_rd(p, l->disc_size);
		if (d >= ncases(t))
			return bad_disc(cx, d);
		cm_tid pt = payload(t, (uint32_t)d);
		cm_val node = {.kind = t->kind, .u = d, .n = pt != CM_TID_NONE};
		if (!cm_abi_push(cx, out, &node))
			return false;
		return pt == CM_TID_NONE || cm_load(cx, pt, ptr + l->payload_off, out);
	}
	case CM_FLAGS:
		return push_flags(cx, t, p, out);
	case CM_OWN:
	case CM_BORROW: {
		uint64_t u;
		if (!lift_handle(cx, t, (uint32_t)cm_rd(p, 4), &u))
			return false;
		return cm_abi_push(cx, out, &(cm_val){.kind = t->kind, .u = u});
	}
	default: {
		uint64_t u;
		if (!prim_value(cx, t->kind, p, &u))
			return false;
		return cm_abi_push(cx, out, &(cm_val){.kind = t->kind, .u = u});
	}
	}
}

/* The next core value's low 32 bits / all 64. */
static bool next(cm_cx *cx, const uint64_t *flat, uint32_t nflat, uint32_t *pos, uint64_t *ret)
{
	if (*pos >= nflat)
		return too_few(cx);
	*ret = flat[(*pos)++];
	return true;
}

bool cm_lift_flat(cm_cx *cx, cm_tid tid, const uint64_t *flat, uint32_t nflat, uint32_t *pos,
                  cm_vals *out)
{
	const cm_type *t = cm_abi_ty(cx, tid);
	const cm_layout *l = cm_abi_lay(cx, tid);
	uint64_t a = 0, b = 0;
	if (!t || !l)
		return false;
	if (l->nflat == CM_FLAT_MANY)
		return cm_trap_set(&cx->trap, "internal: lift_flat of a type of more than %d core "
		                   "values", CM_MAX_FLAT_PARAMS);
	switch (t->kind) {
	case CM_STRING:
		if (!next(cx, flat, nflat, pos, &a) || !next(cx, flat, nflat, pos, &b))
			return false;
		return lift_string(cx, (uint32_t)a, (uint32_t)b, out);
	case CM_LIST:
		if (t->fixed_len) {
			if (!cm_abi_push(cx, out, &(cm_val){.kind = CM_LIST, .n = t->fixed_len}))
				return false;
			for (uint32_t i = 0; i < t->fixed_len; i++)
				if (!cm_lift_flat(cx, t->elem, flat, nflat, pos, out))
					return false;
			return true;
		}
		if (!next(cx, flat, nflat, pos, &a) || !next(cx, flat, nflat, pos, &b))
			return false;
		return lift_list(cx, t->elem, (uint32_t)a, (uint32_t)b, out);
	case CM_RECORD:
	case CM_TUPLE:
		if (!cm_abi_push(cx, out, &(cm_val){.kind = t->kind, .n = t->n}))
			return false;
		for (uint32_t i = 0; i < t->n; i++)
			if (!cm_lift_flat(cx, t->cases[i].type, flat, nflat, pos, out))
				return false;
		return true;
	case CM_VARIANT:
	case CM_ENUM:
	case CM_OPTION:
	case CM_RESULT: {
		uint32_t start = *pos;
		if (!next(cx, flat, nflat, pos, &a))
			return false;
		uint32_t d = (uint32_t)a;
		if (d >= ncases(t))
			return bad_disc(cx, d);
		cm_tid pt = payload(t, d);
		cm_val node = {.kind = t->kind, .u = d, .n = pt != CM_TID_NONE};
		if (!cm_abi_push(cx, out, &node))
			return false;
		/* the payload reads its own types' bits out of the joined slots:
		 * an i32 or f32 from an i64 slot is its low 32 bits */
		if (pt != CM_TID_NONE && !cm_lift_flat(cx, pt, flat, nflat, pos, out))
			return false;
		if (start + l->nflat > nflat)
			return too_few(cx);
		*pos = start + l->nflat;
		return true;
	}
	case CM_FLAGS: {
		uint32_t k = (t->n + 31) / 32;
		uint8_t words[4 * CM_MAX_FLAT_PARAMS];
		for (uint32_t i = 0; i < k; i++) {
			if (!next(cx, flat, nflat, pos, &a))
				return false;
			cm_wr(words + 4 * i, (uint32_t)a, 4);
		}
		return push_flags(cx, t, words, out);
	}
	case CM_OWN:
	case CM_BORROW: {
		uint64_t u;
		if (!next(cx, flat, nflat, pos, &a) || !lift_handle(cx, t, (uint32_t)a, &u))
			return false;
		return cm_abi_push(cx, out, &(cm_val){.kind = t->kind, .u = u});
	}
	default: {
		uint8_t bytes[8];
		if (!next(cx, flat, nflat, pos, &a))
			return false;
		/* a core value narrowed to the type's width, as lift_flat_unsigned /
		 * lift_flat_signed: the scalar read of its low bytes does the same
		 * (bool: any non-zero i32 is true) */
		if (t->kind == CM_BOOL)
			a = (uint32_t)a != 0;
		cm_wr(bytes, a, 8);
		uint64_t u;
		if (!prim_value(cx, t->kind, bytes, &u))
			return false;
		return cm_abi_push(cx, out, &(cm_val){.kind = t->kind, .u = u});
	}
	}
}

bool cm_abi_lift_flat(cm_cx *cx, cm_tid tid, const uint64_t *flat, uint32_t nflat,
                      uint32_t *pos, cm_vals *out)
{
	cm_abi_budget(cx);
	return cm_lift_flat(cx, tid, flat, nflat, pos, out);
}

bool cm_abi_load(cm_cx *cx, cm_tid tid, uint32_t ptr, cm_vals *out)
{
	const cm_layout *l = cm_abi_lay(cx, tid);
	if (!l || !need_mem(cx))
		return false;
	if (ptr % l->align)
		return cm_trap_set(&cx->trap, "unaligned pointer");
	if (ptr + (uint64_t)l->size > cx->mem->len)
		return cm_trap_set(&cx->trap, "pointer out of bounds of memory");
	cm_abi_budget(cx);
	return cm_load(cx, tid, ptr, out);
}
