/*
 * cm_abi_values.c - whole signatures (cm_abi.h): lower_flat_values and
 * lift_flat_values of CanonicalABI.md with the MAX_FLAT_PARAMS /
 * MAX_FLAT_RESULTS spilling, the four call-side entry points, and the
 * helpers the lift and lower files share (cm_abi_int.h).
 */
#include <stdlib.h>
#include <sys/mman.h>

#include "cm_abi_int.h"

void cm_cx_init(cm_cx *cx, const cm_abi *abi)
{
	memset(cx, 0, sizeof *cx);
	cx->abi = abi;
	cx->enc = CM_ENC_UTF8;
}

const cm_layout *cm_abi_lay(cm_cx *cx, cm_tid tid)
{
	const char *why = "unknown type";
	const cm_layout *l = cm_abi_layout(cx->abi, tid, &why);
	if (!l)
		cm_trap_set(&cx->trap, "type %u has no canonical ABI layout: %s", tid, why);
	return l;
}

const cm_type *cm_abi_ty(cm_cx *cx, cm_tid tid)
{
	const cm_type *t = cm_types_get(cm_abi_types(cx->abi), tid);
	if (!t)
		cm_trap_set(&cx->trap, "unknown type %u", tid);
	return t;
}

bool cm_abi_rtype(cm_cx *cx, const cm_type *handle_type, uint32_t *ret)
{
	const cm_type *r = cm_types_get(cm_abi_types(cx->abi), handle_type->elem);
	if (!r || r->kind != CM_RESOURCE)
		return cm_trap_set(&cx->trap, "%s of a type that is not a resource",
		                   cm_kind_name(handle_type->kind));
	uint32_t id = r->resource_id;
	if (cx->rtypes) {
		if (id >= cx->nrtypes)
			return cm_trap_set(&cx->trap, "resource id %u has no resource type here", id);
		id = cx->rtypes[id];
	}
	*ret = id;
	return true;
}

/* The node array grown to `cap` nodes (n in use). Arrays of 8 MiB and
 * more are 2 MiB-aligned and advised as huge pages: a lifted 1 MiB
 * list<u8> is 40 MiB of nodes, and faulting it in 4 KiB pages costs more
 * than filling it. The array stays free()-able (cm_vals_free). */
static cm_val *grow_nodes(cm_val *old, size_t n, size_t cap)
{
	size_t bytes = cap * sizeof(cm_val), huge = 2u << 20;
	if (bytes < (8u << 20))
		return realloc(old, bytes);
	bytes = (bytes + huge - 1) & ~(huge - 1);
	cm_val *v = aligned_alloc(huge, bytes);
	if (!v)
		return NULL;
	(void)madvise(v, bytes, MADV_HUGEPAGE); /* a hint: failure is fine */
	if (n)
		memcpy(v, old, n * sizeof(cm_val));
	free(old);
	return v;
}

void cm_abi_budget(cm_cx *cx)
{
	cx->nodes_left = cx->max_nodes ? cx->max_nodes : CM_ABI_MAX_NODES;
}

bool cm_abi_reserve(cm_cx *cx, cm_vals *out, uint64_t extra)
{
	if (extra > cx->nodes_left)
		return cm_trap_set(&cx->trap, "lifted value has more than %llu nodes",
		                   (unsigned long long)(cx->max_nodes ? cx->max_nodes
		                                                      : CM_ABI_MAX_NODES));
	if (out->cap - out->n < extra) {
		/* doubling, or exactly what a big list needs */
		size_t need = out->n + (size_t)extra;
		size_t cap = out->cap ? out->cap * 2 : 16;
		if (cap < need)
			cap = need;
		if (cap > SIZE_MAX / 2 / sizeof(cm_val))
			return cm_trap_set(&cx->trap, "out of memory for lifted values");
		cm_val *v = grow_nodes(out->v, out->n, cap);
		if (!v)
			return cm_trap_set(&cx->trap, "out of memory for lifted values");
		out->v = v;
		out->cap = cap;
	}
	cx->nodes_left -= extra;
	return true;
}

bool cm_abi_push(cm_cx *cx, cm_vals *out, const cm_val *node)
{
	if (!cm_abi_reserve(cx, out, 1))
		return false;
	out->v[out->n++] = *node;
	return true;
}

/* Flat count (saturating), alignment and size of the tuple of cs. */
static bool tuple_layout(cm_cx *cx, const cm_case *cs, uint32_t n, uint32_t *ret_nflat,
                         uint32_t *ret_align, uint64_t *ret_size)
{
	uint64_t nflat = 0, size = 0;
	uint32_t align = 1;
	for (uint32_t i = 0; i < n; i++) {
		const cm_layout *l = cm_abi_lay(cx, cs[i].type);
		if (!l)
			return false;
		nflat += l->nflat;
		size = cm_align_to(size, l->align) + l->size;
		if (l->align > align)
			align = l->align;
	}
	*ret_nflat = nflat > CM_MAX_FLAT_PARAMS ? CM_FLAT_MANY : (uint32_t)nflat;
	*ret_align = align;
	*ret_size = cm_align_to(size, align);
	return true;
}

static bool check_tuple_ptr(cm_cx *cx, uint32_t ptr, uint32_t align, uint64_t size)
{
	if (!cx->mem)
		return cm_trap_set(&cx->trap, "the function has no memory option for its spilled "
		                   "values");
	if (ptr % align)
		return cm_trap_set(&cx->trap, "unaligned pointer");
	if (ptr + size > cx->mem->len)
		return cm_trap_set(&cx->trap, "pointer out of bounds of memory");
	return true;
}

bool cm_abi_lower_values(cm_cx *cx, uint32_t max_flat, const cm_case *cs, uint32_t n,
                         const cm_vals *vs, size_t first, const uint32_t *out_ptr,
                         uint64_t *flat, uint32_t *ret_nflat)
{
	uint32_t nflat, align, ptr;
	uint64_t size;
	size_t pos = first;
	if (!tuple_layout(cx, cs, n, &nflat, &align, &size))
		return false;
	if (nflat <= max_flat) {
		uint32_t k = 0;
		for (uint32_t i = 0; i < n; i++)
			if (!cm_lower_flat(cx, cs[i].type, vs, &pos, flat, &k))
				return false;
		*ret_nflat = k;
		return true;
	}
	if (size > UINT32_MAX)
		return cm_trap_set(&cx->trap, "spilled values larger than 4 GiB");
	uint32_t k = 0;
	if (out_ptr) {
		ptr = *out_ptr;
	} else {
		if (!cx->mem || !cx->mem->realloc)
			return cm_trap_set(&cx->trap, "the function has no realloc option for its "
			                   "spilled values");
		if (!cx->mem->realloc(cx->mem, 0, 0, align, (uint32_t)size, &ptr, &cx->trap))
			return false;
		if (ptr % align)
			return cm_trap_set(&cx->trap, "realloc return: result not aligned (unaligned "
			                   "pointer)");
		if (ptr + size > cx->mem->len)
			return cm_trap_set(&cx->trap, "realloc return: beyond end of memory (pointer "
			                   "out of bounds of memory)");
		flat[k++] = ptr;
	}
	if (!check_tuple_ptr(cx, ptr, align, size))
		return false;
	uint64_t off = 0;
	for (uint32_t i = 0; i < n; i++) {
		const cm_layout *l = cm_abi_lay(cx, cs[i].type);
		off = cm_align_to(off, l->align);
		if (!cm_store(cx, cs[i].type, vs, &pos, ptr + (uint32_t)off))
			return false;
		off += l->size;
	}
	*ret_nflat = k;
	return true;
}

bool cm_abi_lift_values(cm_cx *cx, uint32_t max_flat, const cm_case *cs, uint32_t n,
                        const uint64_t *flat, uint32_t nflat, cm_vals *out)
{
	uint32_t want, align;
	uint64_t size;
	cm_abi_budget(cx);
	if (!tuple_layout(cx, cs, n, &want, &align, &size))
		return false;
	if (want <= max_flat) {
		uint32_t pos = 0;
		for (uint32_t i = 0; i < n; i++)
			if (!cm_lift_flat(cx, cs[i].type, flat, nflat, &pos, out))
				return false;
		return true;
	}
	if (nflat < 1)
		return cm_trap_set(&cx->trap, "too few core values for the signature");
	uint32_t ptr = (uint32_t)flat[0];
	if (!check_tuple_ptr(cx, ptr, align, size))
		return false;
	uint64_t off = 0;
	for (uint32_t i = 0; i < n; i++) {
		const cm_layout *l = cm_abi_lay(cx, cs[i].type);
		off = cm_align_to(off, l->align);
		if (!cm_load(cx, cs[i].type, ptr + (uint32_t)off, out))
			return false;
		off += l->size;
	}
	return true;
}

static const cm_type *func(cm_cx *cx, cm_tid f)
{
	const cm_type *t = cm_abi_ty(cx, f);
	if (t && t->kind != CM_FUNC) {
		cm_trap_set(&cx->trap, "type %u is a %s, not a function", f, cm_kind_name(t->kind));
		return NULL;
	}
	return t;
}

bool cm_abi_lower_params(cm_cx *cx, cm_tid f, const cm_vals *vs, size_t first, uint64_t *flat,
                         uint32_t *ret_nflat)
{
	const cm_type *t = func(cx, f);
	return t && cm_abi_lower_values(cx, CM_MAX_FLAT_PARAMS, t->cases, t->n, vs, first, NULL,
	                                flat, ret_nflat);
}

bool cm_abi_lift_results(cm_cx *cx, cm_tid f, const uint64_t *flat, uint32_t nflat,
                         cm_vals *out)
{
	const cm_type *t = func(cx, f);
	return t && cm_abi_lift_values(cx, CM_MAX_FLAT_RESULTS, t->results, t->nresults, flat,
	                               nflat, out);
}

/* Whether the results of t take more than MAX_FLAT_RESULTS core values. */
static bool results_spilled(cm_cx *cx, const cm_type *t, bool *ret)
{
	uint32_t nflat, align;
	uint64_t size;
	if (!tuple_layout(cx, t->results, t->nresults, &nflat, &align, &size))
		return false;
	*ret = nflat > CM_MAX_FLAT_RESULTS;
	return true;
}

bool cm_abi_lift_params(cm_cx *cx, cm_tid f, const uint64_t *flat, uint32_t nflat,
                        cm_vals *out, uint32_t *ret_retptr)
{
	const cm_type *t = func(cx, f);
	bool spilled;
	if (!t || !results_spilled(cx, t, &spilled))
		return false;
	uint32_t retptr = 0;
	if (spilled) {
		if (nflat < 1)
			return cm_trap_set(&cx->trap, "too few core values for the signature");
		retptr = (uint32_t)flat[--nflat];
	}
	if (!cm_abi_lift_values(cx, CM_MAX_FLAT_PARAMS, t->cases, t->n, flat, nflat, out))
		return false;
	*ret_retptr = retptr;
	return true;
}

bool cm_abi_lower_results(cm_cx *cx, cm_tid f, const cm_vals *vs, size_t first, uint32_t retptr,
                          uint64_t *flat, uint32_t *ret_nflat)
{
	const cm_type *t = func(cx, f);
	bool spilled;
	if (!t || !results_spilled(cx, t, &spilled))
		return false;
	return cm_abi_lower_values(cx, CM_MAX_FLAT_RESULTS, t->results, t->nresults, vs, first,
	                           spilled ? &retptr : NULL, flat, ret_nflat);
}
