/*
 * sbx_extern.h - a module's imports and exports with their types, as the
 * protocol describes them (wasmc.v1.Import / Export / ExternType). Both
 * workers answer with these: the compile worker for the daemon's module
 * record, the exec worker for the instance's exports.
 *
 * Every message, array and string is allocated in the caller's arena
 * (freed with it; nothing to free one by one). Reads the module only.
 */
#ifndef SBX_EXTERN_H
#define SBX_EXTERN_H

#include <stdbool.h>
#include <stddef.h>

#include "cmn_arena.h"
#include "rt_module.h"
#include "wasmc/v1/wasmc.pb-c.h"

/* The protocol's value type: numbers, v128, FUNCREF for any function
 * reference (abstract or concrete, nullable or not), EXTERNREF for extern
 * references; VALTYPE_UNSPECIFIED for anything else (GC types). */
Wasmc__V1__ValType sbx_valtype(const rt_module *m, rt_valtype t);

/* True when sbx_valtype describes `t` exactly (funcref/externref are
 * nullable abstract references; numbers and v128). */
bool sbx_valtype_exact(rt_valtype t);

/* The type of entity `index` of kind RT_EXTERN_* in `m`. NULL when out of
 * memory. A type with a component sbx_valtype cannot describe exactly also
 * gets its text form ("(func (param (ref 3)))"). */
Wasmc__V1__ExternType *sbx_extern_type(cmn_arena *a, const rt_module *m, uint8_t kind,
                                       uint32_t index);

bool sbx_describe_imports(cmn_arena *a, const rt_module *m, size_t *ret_n,
                          Wasmc__V1__Import ***ret);
bool sbx_describe_exports(cmn_arena *a, const rt_module *m, size_t *ret_n,
                          Wasmc__V1__Export ***ret);

#endif
