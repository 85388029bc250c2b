/*
 * wb_code.h - validate function bodies and constant expressions.
 *
 * Implements the spec's validation algorithm (appendix "Validation
 * Algorithm") for the whole Wasm 3.0 instruction set plus the optional
 * features of wb_features.h: an operand stack whose entries may be the
 * unknown type of unreachable code, a stack of control frames with an
 * unreachable flag, and initialisation tracking for non-defaultable locals
 * (a local set inside a block counts as set only until the block's end).
 *
 * Decoding and validation happen in one pass over a body (instructions come
 * from wb_instr.h). When a body is invalid, the rest of it is still decoded,
 * so a malformed encoding further on is reported instead, as the reference
 * interpreter (which decodes before it validates) does.
 *
 * Messages follow the reference interpreter, whose wording the spec test
 * suite checks by prefix: "type mismatch: instruction requires [i32] but
 * stack has [i64]", "unknown local 4", "unknown label 2", "uninitialized
 * local", "alignment must not be larger than natural", "invalid lane index",
 * "undeclared function reference", "constant expression required", ...
 * Every error carries the byte offset of the instruction (or immediate) it
 * is about.
 *
 * Cost: no allocation per instruction; the stacks of a context grow to the
 * largest function and are reused. Not thread-safe: one context per thread.
 */
#ifndef WB_CODE_H
#define WB_CODE_H

#include <stdbool.h>
#include <stdint.h>

#include "cmn_error.h"
#include "rt_module.h"
#include "wb_features.h"
#include "wb_reader.h"

/* Largest number of locals (parameters included) of one function, as
 * wasmparser; beyond it: "too many locals". */
#define WB_CODE_MAX_LOCALS 50000u

typedef struct wb_code_ctx wb_code_ctx; /* opaque: scratch stacks reused
                                           across functions */

/* A context for validating the bodies and constant expressions of `mod`,
 * whose types must have been validated (wb_types_validate) and whose
 * function, table, memory, global, tag, element and data declarations are
 * read as they are (the caller validates them).
 * `declared_funcs`: bitmap (bit i of byte i/8) of the function indices that
 * may appear in ref.func inside bodies (C.refs); borrowed, must outlive the
 * context. NULL when out of memory. */
wb_code_ctx *wb_code_ctx_new(const rt_module *mod, wb_features features,
                             const uint8_t *declared_funcs);

/* Accepts NULL. */
void wb_code_ctx_free(wb_code_ctx *ctx);

/* Validates defined function `func_index` (>= mod->nfuncs_imported): its
 * locals ("too many locals" beyond WB_CODE_MAX_LOCALS, parameters included,
 * counted before anything is allocated) and its body, which must end
 * exactly at the end of its code entry ("section size mismatch" when bytes
 * follow the final `end`; "unexpected end of section or function" or "END
 * opcode expected" when the entry ends first). */
bool wb_code_validate_func(wb_code_ctx *ctx, uint32_t func_index,
                           cmn_error *err);

/* Decodes defined function `func_index` without validating it: reports
 * only what makes the module malformed (illegal opcodes, LEB128 limits,
 * "too many locals", a body that ends early or runs on, "data count
 * section required"). The reference interpreter decodes a whole module
 * before validating any of it, so after a validation error, calling this
 * for the bodies not validated yet finds the encoding error it would
 * report instead. */
bool wb_code_decode_func(wb_code_ctx *ctx, uint32_t func_index,
                         cmn_error *err);

/* Validates the constant expression at `expr` (bytes up to and including
 * its `end`) producing a value of type `expected`. Allowed: i32/i64/f32/
 * f64/v128.const, ref.null, ref.func (of any function: every ref.func in a
 * constant expression is a declaration, which the caller records),
 * global.get of an immutable global with index < nglobals_visible ("unknown
 * global N" beyond, "constant expression required" when mutable),
 * i32/i64.add/sub/mul, struct.new(_default), array.new(_default),
 * array.new_fixed, any.convert_extern, extern.convert_any, ref.i31.
 * Anything else: "constant expression required". */
bool wb_code_validate_const(wb_code_ctx *ctx, rt_range expr,
                            rt_valtype expected, uint32_t nglobals_visible,
                            cmn_error *err);

/* Finds a constant expression's extent: reads instructions from r (any
 * known opcode of any feature, without type checking) up to the `end`
 * that closes it, and returns the range including that `end`, r positioned
 * after it. Fails on unknown opcodes ("illegal opcode XX") and truncated
 * input (r's eof message, "unexpected end" by default). */
bool wb_code_skip_const(wb_reader *r, rt_range *ret_expr, cmn_error *err);

#endif
