/*
 * wb_types.h - type equivalence and subtyping of a decoded module's types
 * (Wasm 3.0 GC: iso-recursive rec groups, declared supertypes, abstract
 * heap type hierarchies func/extern/any/exn).
 *
 * wb_types_validate must have run (it fills rt_subtype.canon) before any of
 * the matching functions is used. Type indices given to them must be < ntypes.
 */
#ifndef WB_TYPES_H
#define WB_TYPES_H

#include <stdbool.h>
#include <stdint.h>

#include "cmn_error.h"
#include "rt_module.h"

/* Validates the type section: references to types are in range (and only
 * forward within their own rec group), declared supertypes exist, are not
 * final, precede the type, and the type matches them; assigns each type its
 * canonical id so that equal ids mean equal types. */
bool wb_types_validate(rt_module *mod, cmn_error *err);

/* True when the type index `a` is a subtype of (or the same type as) `b`. */
bool wb_typeidx_match(const rt_module *mod, uint32_t a, uint32_t b);

/* Heap type subtyping (RT_HT_* abstract or type index; RT_HT_BOT matches
 * everything). */
bool wb_heap_match(const rt_module *mod, uint32_t a, uint32_t b);

/* Value type subtyping: numeric types match themselves, references by
 * nullability and heap type. RT_BOT matches every type. */
bool wb_val_match(const rt_module *mod, rt_valtype a, rt_valtype b);

/* Value type equality (both directions of matching). */
bool wb_val_eq(const rt_module *mod, rt_valtype a, rt_valtype b);

/* The top of `heap`'s hierarchy: RT_HT_FUNC, RT_HT_EXTERN, RT_HT_ANY or
 * RT_HT_EXN (as RT_HT_MAKE_ABS values). */
uint32_t wb_heap_top(const rt_module *mod, uint32_t heap);

/* The bottom of `heap`'s hierarchy: NOFUNC, NOEXTERN, NONE or NOEXN. */
uint32_t wb_heap_bottom(const rt_module *mod, uint32_t heap);

/* True when type index `t` is a function / struct / array type. */
bool wb_type_is_func(const rt_module *mod, uint32_t t);
bool wb_type_is_struct(const rt_module *mod, uint32_t t);
bool wb_type_is_array(const rt_module *mod, uint32_t t);

/* Reads a value type / reference type / heap type in the binary encoding
 * (abstract shorthand codes or 0x63/0x64 followed by a heap type) and checks
 * that type indices are < `ntypes`. Malformed encodings fail with
 * "malformed value type" / "malformed reference type"; a type index out of
 * range with "unknown type". Shared by the decoder and the code validator. */
struct wb_reader;
bool wb_read_valtype(struct wb_reader *r, uint32_t ntypes,
                     rt_valtype *ret, cmn_error *err);
bool wb_read_reftype(struct wb_reader *r, uint32_t ntypes,
                     rt_valtype *ret, cmn_error *err);
bool wb_read_heaptype(struct wb_reader *r, uint32_t ntypes,
                      uint32_t *ret, cmn_error *err);

#endif
