/*
 * cm_abi_lower.c - lowering (cm_abi.h): value nodes -> core values and a
 * guest's linear memory, allocating with the guest's realloc. store /
 * lower_flat of CanonicalABI.md, with the realloc call sequences of
 * store_string_copy, store_utf8_to_utf16 and
 * store_string_to_latin1_or_utf16 for a UTF-8 source (cm_vals carry
 * UTF-8), and their traps.
 *
 * Every realloc may move or grow the memory: offsets are kept, and
 * cx->mem->base is re-read after each call. Recursion follows the type's
 * structure (bounded by cm_abi); the value list was checked against the
 * type, and the node index never passes its end.
 */
#include <stdlib.h>

#include "cm_abi_int.h"
#include "cm_string.h"

static bool need_mem(cm_cx *cx)
{
	if (cx->mem)
		return true;
	return cm_trap_set(&cx->trap, "the function has no memory option for its strings or lists");
}

/* realloc(old, old_size, align, new_size) with the checks of the spec's
 * callers: alignment, then bounds. `what` names the content ("list",
 * "string"). */
static bool mem_realloc(cm_cx *cx, uint32_t old, uint32_t old_size, uint32_t align,
                        uint32_t new_size, const char *what, uint32_t *ret)
{
	uint32_t p;
	if (!need_mem(cx))
		return false;
	if (!cx->mem->realloc)
		return cm_trap_set(&cx->trap, "the function has no realloc option to allocate a %s",
		                   what);
	if (!cx->mem->realloc(cx->mem, old, old_size, align, new_size, &p, &cx->trap))
		return false;
	if (p % align)
		return cm_trap_set(&cx->trap, "realloc return: result not aligned (unaligned pointer)");
	if ((uint64_t)p + new_size > cx->mem->len)
		return cm_trap_set(&cx->trap, "realloc return: beyond end of memory (%s content "
		                   "out-of-bounds)", what);
	*ret = p;
	return true;
}

/* The node at *pos, which must be of kind k; advances *pos. */
static const cm_val *take(cm_cx *cx, const cm_vals *vs, size_t *pos, cm_kind k)
{
	if (*pos >= vs->n) {
		cm_trap_set(&cx->trap, "value list ends before the value of type %s", cm_kind_name(k));
		return NULL;
	}
	const cm_val *v = &vs->v[(*pos)++];
	if (v->kind != k) {
		cm_trap_set(&cx->trap, "value node %zu: expected %s, found %s", *pos - 1,
		            cm_kind_name(k), cm_kind_name(v->kind));
		return NULL;
	}
	return v;
}

/* store_string_into_range for a UTF-8 source: the string's pointer and
 * (tagged) code units. */
static bool store_string(cm_cx *cx, const cm_val *v, uint32_t *ret_ptr, uint32_t *ret_units)
{
	if (v->len > CM_MAX_STRING_BYTES)
		return cm_trap_set(&cx->trap, "string too long: %llu bytes, at most %u",
		                   (unsigned long long)v->len, CM_MAX_STRING_BYTES);
	uint32_t len = (uint32_t)v->len, ptr;
	const uint8_t *s = v->bytes;
	switch (cx->enc) {
	case CM_ENC_UTF8:
		if (!mem_realloc(cx, 0, 0, 1, len, "string", &ptr))
			return false;
		if (len)
			memcpy(cx->mem->base + ptr, s, len);
		*ret_ptr = ptr;
		*ret_units = len;
		return true;
	case CM_ENC_UTF16: {
		uint32_t worst = 2 * len;
		if (!mem_realloc(cx, 0, 0, 2, worst, "string", &ptr))
			return false;
		uint32_t units = (uint32_t)cm_utf8_to_utf16(s, len, cx->mem->base + ptr);
		if (2 * units < worst && !mem_realloc(cx, ptr, worst, 2, 2 * units, "string", &ptr))
			return false;
		*ret_ptr = ptr;
		*ret_units = units;
		return true;
	}
	case CM_ENC_LATIN1_UTF16:
		break;
	}
	/* latin1+utf16: Latin-1 while every scalar value fits a byte */
	if (!mem_realloc(cx, 0, 0, 2, len, "string", &ptr))
		return false;
	size_t i = 0;
	uint32_t dst = 0;
	while (i < len) {
		size_t at = i;
		uint32_t c = cm_utf8_next(s, &i);
		if (c < 0x100) {
			cx->mem->base[ptr + dst++] = (uint8_t)c;
			continue;
		}
		/* inflate to UTF-16: worst case one code unit per source byte */
		uint32_t worst = 2 * len;
		if (!mem_realloc(cx, ptr, len, 2, worst, "string", &ptr))
			return false;
		uint8_t *m = cx->mem->base + ptr;
		for (uint32_t j = dst; j-- > 0;) {
			m[2 * j] = m[j];
			m[2 * j + 1] = 0;
		}
		uint32_t units = dst + (uint32_t)cm_utf8_to_utf16(s + at, len - at, m + 2 * dst);
		if (worst > 2 * units && !mem_realloc(cx, ptr, worst, 2, 2 * units, "string", &ptr))
			return false;
		*ret_ptr = ptr;
		*ret_units = units | CM_UTF16_TAG;
		return true;
	}
	if (dst < len && !mem_realloc(cx, ptr, len, 2, dst, "string", &ptr))
		return false;
	*ret_ptr = ptr;
	*ret_units = dst;
	return true;
}

/* The i32 of a handle node lowered into the guest's table. */
static bool lower_handle(cm_cx *cx, const cm_type *t, uint64_t u, uint32_t *ret)
{
	uint32_t rtype;
	uint64_t rep = u;
	bool ok;
	if (!cm_abi_rtype(cx, t, &rtype))
		return false;
	if (cx->host && !cm_handles_implements(cx->host, rtype)) {
		if (u > UINT32_MAX)
			return cm_trap_set(&cx->trap, "unknown handle index %llu",
			                   (unsigned long long)u);
		ok = t->kind == CM_OWN
		             ? cm_handles_lift_own(cx->host, (uint32_t)u, rtype, &rep, &cx->trap)
		             : cm_handles_lift_borrow(cx->host, (uint32_t)u, rtype, cx->call, &rep,
		                                      &cx->trap);
		if (!ok)
			return false;
	}
	if (!cx->handles)
		return cm_trap_set(&cx->trap, "no handle table to lower a %s handle into",
		                   cm_kind_name(t->kind));
	if (t->kind == CM_OWN)
		return cm_handles_lower_own(cx->handles, rtype, rep, ret, &cx->trap);
	return cm_handles_lower_borrow(cx->handles, rtype, rep, cx->call, ret, &cx->trap);
}

/* The variant-like node's case count and payload type. */
static cm_tid payload(const cm_type *t, uint64_t c)
{
	switch (t->kind) {
	case CM_VARIANT: return t->cases[c].type;
	case CM_OPTION: return c ? t->elem : CM_TID_NONE;
	case CM_RESULT: return c ? t->err : t->elem;
	default: return CM_TID_NONE;
	}
}

static bool disc_ok(cm_cx *cx, const cm_type *t, uint64_t d)
{
	uint32_t n = t->kind == CM_OPTION || t->kind == CM_RESULT ? 2 : t->n;
	if (d < n)
		return true;
	return cm_trap_set(&cx->trap, "invalid variant discriminant %llu", (unsigned long long)d);
}

/* Scalar bits as stored (NaNs canonical); false for a bad char. */
static bool scalar(cm_cx *cx, cm_kind k, uint64_t u, uint64_t *ret)
{
	if (k == CM_F32)
		u = cm_canon_f32(u);
	else if (k == CM_F64)
		u = cm_canon_f64(u);
	else if (k == CM_CHAR && !cm_char_ok(u))
		return cm_trap_set(&cx->trap, "invalid `char` bit pattern: 0x%llx",
		                   (unsigned long long)u);
	else if (k == CM_BOOL)
		u = u != 0;
	*ret = u;
	return true;
}

static bool store_list(cm_cx *cx, cm_tid elem, const cm_val *v, const cm_vals *vs, size_t *pos,
                       uint32_t *ret_ptr)
{
	const cm_layout *el = cm_abi_lay(cx, elem);
	if (!el)
		return false;
	uint64_t bytes = (uint64_t)v->n * el->size;
	if (bytes > UINT32_MAX)
		return cm_trap_set(&cx->trap, "list too long: %llu bytes", (unsigned long long)bytes);
	if (v->n > vs->n - *pos)
		return cm_trap_set(&cx->trap, "value list ends inside a list");
	uint32_t ptr;
	if (!mem_realloc(cx, 0, 0, el->align, (uint32_t)bytes, "list", &ptr))
		return false;
	if (elem == CM_U8 || elem == CM_S8) {
		/* bytes: the checked list holds values that fit */
		uint8_t *m = cx->mem->base + ptr;
		const cm_val *e = vs->v + *pos;
		for (uint32_t i = 0; i < v->n; i++) {
			if (e[i].kind != (cm_kind)elem)
				return cm_trap_set(&cx->trap, "value node %zu: expected %s, found %s",
				                   *pos + i, cm_kind_name((cm_kind)elem),
				                   cm_kind_name(e[i].kind));
			m[i] = (uint8_t)e[i].u;
		}
		*pos += v->n;
	} else if (cm_tid_is_primitive(elem) && elem != CM_STRING) {
		uint8_t *m = cx->mem->base + ptr;
		const cm_val *e = vs->v + *pos;
		for (uint32_t i = 0; i < v->n; i++, m += el->size) {
			uint64_t u;
			if (e[i].kind != (cm_kind)elem)
				return cm_trap_set(&cx->trap, "value node %zu: expected %s, found %s",
				                   *pos + i, cm_kind_name((cm_kind)elem),
				                   cm_kind_name(e[i].kind));
			if (!scalar(cx, (cm_kind)elem, e[i].u, &u))
				return false;
			cm_wr(m, u, el->size);
		}
		*pos += v->n;
	} else {
		for (uint32_t i = 0; i < v->n; i++)
			if (!cm_store(cx, elem, vs, pos, ptr + i * el->size))
				return false;
	}
	*ret_ptr = ptr;
	return true;
}

/* Flags node -> `size` bytes (little-endian words for more than 32). */
static void flag_bytes(const cm_type *t, const cm_val *v, uint8_t *out, uint32_t size)
{
	uint32_t nbytes = (t->n + 7) / 8;
	memset(out, 0, size);
	if (nbytes && v->bytes && v->len >= nbytes)
		memcpy(out, v->bytes, nbytes);
}

bool cm_store(cm_cx *cx, cm_tid tid, const cm_vals *vs, size_t *pos, uint32_t ptr)
{
	const cm_type *t = cm_abi_ty(cx, tid);
	const cm_layout *l = cm_abi_lay(cx, tid);
	if (!t || !l || !need_mem(cx))
		return false;
	const cm_val *v = take(cx, vs, pos, t->kind);
	if (!v)
		return false;
	if (ptr % l->align || ptr + (uint64_t)l->size > cx->mem->len)
		return cm_trap_set(&cx->trap, "internal: store of %s outside its checked range",
		                   cm_kind_name(t->kind));
	uint32_t a, b;
	switch (t->kind) {
	case CM_STRING:
		if (!store_string(cx, v, &a, &b))
			return false;
		cm_wr(cx->mem->base + ptr, a, 4);
		cm_wr(cx->mem->base + ptr + 4, b, 4);
		return true;
	case CM_LIST:
		if (t->fixed_len) {
			const cm_layout *el = cm_abi_lay(cx, t->elem);
			for (uint32_t i = 0; i < t->fixed_len; i++)
				if (!cm_store(cx, t->elem, vs, pos, ptr + i * el->size))
					return false;
			return true;
		}
		if (!store_list(cx, t->elem, v, vs, pos, &a))
			return false;
		cm_wr(cx->mem->base + ptr, a, 4);
		cm_wr(cx->mem->base + ptr + 4, v->n, 4);
		return true;
	case CM_RECORD:
	case CM_TUPLE: {
		uint64_t off = 0;
		for (uint32_t i = 0; i < t->n; i++) {
			const cm_layout *f = cm_abi_lay(cx, t->cases[i].type);
			off = cm_align_to(off, f->align);
			if (!cm_store(cx, t->cases[i].type, vs, pos, ptr + (uint32_t)off))
				return false;
			off += f->size;
		}
		return true;
	}
	case CM_VARIANT:
	case CM_ENUM:
	case CM_OPTION:
	case CM_RESULT: {
		if (!disc_ok(cx, t, v->u))
			return false;
		cm_wr(cx->mem->base + ptr, v->u, l->disc_size);
		cm_tid pt = payload(t, v->u);
		return pt == CM_TID_NONE || cm_store(cx, pt, vs, pos, ptr + l->payload_off);
	}
	case CM_FLAGS: {
		uint8_t small[16], *buf = l->size <= sizeof small ? small : malloc(l->size);
		if (!buf)
			return cm_trap_set(&cx->trap, "out of memory for flags");
		flag_bytes(t, v, buf, l->size);
		memcpy(cx->mem->base + ptr, buf, l->size);
		if (buf != small)
			free(buf);
		return true;
	}
	case CM_OWN:
	case CM_BORROW:
		if (!lower_handle(cx, t, v->u, &a))
			return false;
		cm_wr(cx->mem->base + ptr, a, 4);
		return true;
	default: {
		uint64_t u;
		if (!scalar(cx, t->kind, v->u, &u))
			return false;
		cm_wr(cx->mem->base + ptr, u, l->size);
		return true;
	}
	}
}

bool cm_lower_flat(cm_cx *cx, cm_tid tid, const cm_vals *vs, size_t *pos, uint64_t *flat,
                   uint32_t *nflat)
{
	const cm_type *t = cm_abi_ty(cx, tid);
	const cm_layout *l = cm_abi_lay(cx, tid);
	if (!t || !l)
		return false;
	if (l->nflat == CM_FLAT_MANY)
		return cm_trap_set(&cx->trap, "internal: lower_flat of a type of more than %d core "
		                   "values", CM_MAX_FLAT_PARAMS);
	const cm_val *v = take(cx, vs, pos, t->kind);
	if (!v)
		return false;
	uint32_t a, b;
	switch (t->kind) {
	case CM_STRING:
		if (!store_string(cx, v, &a, &b))
			return false;
		flat[(*nflat)++] = a;
		flat[(*nflat)++] = b;
		return true;
	case CM_LIST:
		if (t->fixed_len) {
			for (uint32_t i = 0; i < t->fixed_len; i++)
				if (!cm_lower_flat(cx, t->elem, vs, pos, flat, nflat))
					return false;
			return true;
		}
		if (!store_list(cx, t->elem, v, vs, pos, &a))
			return false;
		flat[(*nflat)++] = a;
		flat[(*nflat)++] = v->n;
		return true;
	case CM_RECORD:
	case CM_TUPLE:
		for (uint32_t i = 0; i < t->n; i++)
			if (!cm_lower_flat(cx, t->cases[i].type, vs, pos, flat, nflat))
				return false;
		return true;
	case CM_VARIANT:
	case CM_ENUM:
	case CM_OPTION:
	case CM_RESULT: {
		uint32_t start = *nflat;
		if (!disc_ok(cx, t, v->u))
			return false;
		flat[(*nflat)++] = v->u;
		cm_tid pt = payload(t, v->u);
		/* payload bits in the joined slots: the coercions of
		 * lower_flat_variant leave raw bits as they are */
		if (pt != CM_TID_NONE && !cm_lower_flat(cx, pt, vs, pos, flat, nflat))
			return false;
		while (*nflat < start + l->nflat)
			flat[(*nflat)++] = 0;
		return true;
	}
	case CM_FLAGS: {
		uint32_t k = l->nflat;
		uint8_t words[4 * CM_MAX_FLAT_PARAMS];
		flag_bytes(t, v, words, 4 * k);
		for (uint32_t i = 0; i < k; i++)
			flat[(*nflat)++] = cm_rd(words + 4 * i, 4);
		return true;
	}
	case CM_OWN:
	case CM_BORROW:
		if (!lower_handle(cx, t, v->u, &a))
			return false;
		flat[(*nflat)++] = a;
		return true;
	default: {
		uint64_t u;
		if (!scalar(cx, t->kind, v->u, &u))
			return false;
		if (l->flat[0] != CM_CORE_I64 && l->flat[0] != CM_CORE_F64)
			u = (uint32_t)u;
		flat[(*nflat)++] = u;
		return true;
	}
	}
}

bool cm_abi_lower_flat(cm_cx *cx, cm_tid tid, const cm_vals *vs, size_t *pos, uint64_t *flat,
                       uint32_t *nflat)
{
	return cm_lower_flat(cx, tid, vs, pos, flat, nflat);
}

bool cm_abi_store(cm_cx *cx, cm_tid tid, const cm_vals *vs, size_t *pos, uint32_t ptr)
{
	const cm_layout *l = cm_abi_lay(cx, tid);
	if (!l || !need_mem(cx))
		return false;
	if (ptr % l->align)
		return cm_trap_set(&cx->trap, "unaligned pointer");
	if (ptr + (uint64_t)l->size > cx->mem->len)
		return cm_trap_set(&cx->trap, "pointer out of bounds of memory");
	return cm_store(cx, tid, vs, pos, ptr);
}
