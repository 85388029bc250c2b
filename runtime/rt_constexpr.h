/*
 * rt_constexpr.h - constant expressions as the runtime evaluates them: a
 * small pre-decoded op list (no wasm bytes), lowered on the compile side
 * (wasm/wb_const.c) and carried in the artifact (rt_serial.h).
 *
 * Evaluation is a tiny stack machine over rt_val slots. The validator has
 * checked the original expression, so the list is well typed; the
 * evaluator still checks stack depth and indices so a corrupt list fails
 * instead of misbehaving.
 */
#ifndef RT_CONSTEXPR_H
#define RT_CONSTEXPR_H

#include <stdbool.h>
#include <stdint.h>

#include "cmn_error.h"
#include "rt_abi.h"

enum {
	RT_CE_I32_CONST = 1, /* imm.i32 */
	RT_CE_I64_CONST,     /* imm.i64 */
	RT_CE_F32_CONST,     /* imm.f32_bits */
	RT_CE_F64_CONST,     /* imm.f64_bits */
	RT_CE_V128_CONST,    /* imm.v128 */
	RT_CE_REF_NULL,      /* index = heap type (informational) */
	RT_CE_REF_FUNC,      /* index = function index */
	RT_CE_GLOBAL_GET,    /* index = global index */
	RT_CE_I32_ADD,
	RT_CE_I32_SUB,
	RT_CE_I32_MUL,
	RT_CE_I64_ADD,
	RT_CE_I64_SUB,
	RT_CE_I64_MUL,
	RT_CE_OP_COUNT
};

typedef struct rt_ceop {
	uint8_t op;    /* RT_CE_* */
	uint8_t pad[3];
	uint32_t index;
	rt_val imm;
} rt_ceop;

/* An expression; nops == 0 means "absent". */
typedef struct rt_constexpr {
	uint32_t nops;
	rt_ceop *ops;
} rt_constexpr;

/* Every constant expression of a module, indexed like the module
 * description's arrays. Entries that have no expression are empty. */
typedef struct rt_consts {
	rt_constexpr *globals;      /* [nglobals]: defined globals' inits */
	rt_constexpr *tables;       /* [ntables]: table initialisers */
	rt_constexpr *elem_offsets; /* [nelems]: active segments' offsets */
	rt_constexpr **elem_items;  /* [nelems]: NULL (funcs) or [count] */
	rt_constexpr *data_offsets; /* [ndatas]: active segments' offsets */
} rt_consts;

/* Evaluates `e` reading globals[] and funcs[] (an instance's index spaces,
 * of sizes nglobals / nfuncs). Fails on a malformed list. */
bool rt_constexpr_eval(const rt_constexpr *e, rt_global *const *globals,
                       uint32_t nglobals, rt_funcref *const *funcs,
                       uint32_t nfuncs, rt_val *out, cmn_error *err);

#endif
