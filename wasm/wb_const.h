/*
 * wb_const.h - lowering a validated module's constant expressions (wasm
 * bytes) into the runtime's pre-decoded op lists (rt_constexpr.h), so the
 * artifact can carry them and the runtime never parses wasm.
 */
#ifndef WB_CONST_H
#define WB_CONST_H

#include <stdbool.h>

#include "cmn_error.h"
#include "rt_constexpr.h"
#include "rt_module.h"

/* Lowers one expression (a validated byte range of mod->bytes, including
 * its `end`). The ops are allocated in mod->arena. Fails with
 * "unsupported constant expression" for instructions outside the
 * runtime's set (GC allocations, i31, extern/any conversions). */
bool wb_const_lower(rt_module *mod, rt_range expr, rt_constexpr *out,
                    cmn_error *err);

/* Lowers every constant expression of a validated module; the arrays live
 * in mod->arena (released with the module). */
bool wb_const_lower_module(rt_module *mod, rt_consts *out, cmn_error *err);

#endif
