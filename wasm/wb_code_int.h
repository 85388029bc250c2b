/*
 * wb_code_int.h - internals shared by the wb_code*.c files: the validation
 * context, its stacks, and the typing primitives every instruction handler
 * uses. Not a public interface.
 */
#ifndef WB_CODE_INT_H
#define WB_CODE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmn_error.h"
#include "rt_module.h"
#include "wb_code.h"
#include "wb_instr.h"
#include "wb_types.h"

/* Control frame kinds. */
enum {
	CK_FUNC,      /* the function body (or a constant expression) */
	CK_BLOCK,
	CK_LOOP,
	CK_IF,
	CK_ELSE,
	CK_TRY_TABLE,
	CK_TRY,       /* legacy exception handling */
	CK_CATCH,     /* legacy: after `catch x` */
	CK_CATCH_ALL, /* legacy: after `catch_all` */
};

typedef struct wb_ctrl {
	uint8_t kind;         /* CK_* */
	bool unreachable;     /* rest of the frame is unreachable */
	uint32_t height;      /* operand stack height at entry */
	uint32_t init_height; /* height of the set-locals stack at entry */
	wb_blocktype bt;      /* parameters and results */
} wb_ctrl;

struct wb_code_ctx {
	const rt_module *mod;
	wb_features features;
	const uint8_t *declared; /* bitmap of ref.func-declared functions */
	wb_instr_cfg cfg;
	cmn_error *err;

	/* Operand stack: value types; RT_BOT for unknown. */
	rt_valtype *vals;
	uint32_t nvals, capvals;

	/* Control stack. */
	wb_ctrl *ctrls;
	uint32_t nctrls, capctrls;

	/* Locals of the current function: type and "is set". */
	rt_valtype *locals;
	uint8_t *local_set;
	uint32_t nlocals, caplocals;

	/* Indices of non-defaultable locals set since function entry, in
	 * order; a frame resets the ones above its init_height at its end. */
	uint32_t *inits;
	uint32_t ninits, capinits;

	/* Scratch list of value types for composite pops/pushes. */
	rt_valtype *tmp;
	uint32_t captmp;

	/* Current function's results (return, return_call*). */
	const rt_valtype *results;
	uint32_t nresults;

	bool in_const;            /* validating a constant expression */
	bool malformed;           /* the error is a decoding one */
	uint32_t nglobals_const;  /* globals visible to it */
	uint32_t func_index;      /* function being validated */
};

typedef struct wb_code_ctx wb_vctx;

/* ---------------------------------------------------------------------------
 * Stacks (wb_code.c)
 */

bool wb_vc_grow_vals(wb_vctx *v, uint32_t extra);
bool wb_vc_grow_tmp(wb_vctx *v, uint32_t n);
bool wb_vc_oom(wb_vctx *v);

static inline wb_ctrl *wb_vc_top(wb_vctx *v)
{
	return &v->ctrls[v->nctrls - 1];
}

static inline bool wb_vc_push(wb_vctx *v, rt_valtype t)
{
	if (v->nvals == v->capvals && !wb_vc_grow_vals(v, 1))
		return false;
	v->vals[v->nvals++] = t;
	return true;
}

static inline bool wb_vc_push_n(wb_vctx *v, const rt_valtype *ts, uint32_t n)
{
	uint32_t i;

	if (v->capvals - v->nvals < n && !wb_vc_grow_vals(v, n))
		return false;
	for (i = 0; i < n; i++)
		v->vals[v->nvals++] = ts[i];
	return true;
}

/* Value subtyping with the common cases inline: `a` (actual) <: `b`
 * (expected). RT_BOT on either side matches. */
static inline bool wb_vc_match(const wb_vctx *v, rt_valtype a, rt_valtype b)
{
	if (a.kind != b.kind)
		return a.kind == RT_BOT || b.kind == RT_BOT;
	if (a.kind != RT_REF)
		return true;
	if (a.heap == b.heap)
		return a.nullable <= b.nullable;
	return wb_val_match(v->mod, a, b);
}

/* Pops operands matching ts[0..n) (ts[n-1] on top) or fails with
 * "type mismatch: instruction requires [...] but stack has [...]". */
bool wb_vc_pop_slow(wb_vctx *v, const rt_valtype *ts, uint32_t n,
                    size_t at);

static inline bool wb_vc_pop_n(wb_vctx *v, const rt_valtype *ts, uint32_t n,
                               size_t at)
{
	const wb_ctrl *c = wb_vc_top(v);
	const rt_valtype *s;
	uint32_t i;

	if (n == 0)
		return true;
	if (v->nvals - c->height < n)
		return wb_vc_pop_slow(v, ts, n, at);
	s = v->vals + v->nvals - n;
	for (i = 0; i < n; i++)
		if (!wb_vc_match(v, s[i], ts[i]))
			return wb_vc_pop_slow(v, ts, n, at);
	v->nvals -= n;
	return true;
}

static inline bool wb_vc_pop1(wb_vctx *v, rt_valtype t, size_t at)
{
	return wb_vc_pop_n(v, &t, 1, at);
}

/* Pops `n` operands all matching `t` (array.new_fixed). */
bool wb_vc_pop_repeat(wb_vctx *v, rt_valtype t, uint32_t n, size_t at);

/* The type `i` entries below the top of the current frame (0 = top), or
 * RT_BOT when the frame holds fewer. */
static inline rt_valtype wb_vc_peek(const wb_vctx *v, uint32_t i)
{
	const wb_ctrl *c = &v->ctrls[v->nctrls - 1];

	if (v->nvals - c->height > i)
		return v->vals[v->nvals - 1 - i];
	return rt_valtype_num(RT_BOT);
}

/* The reference type on top: fails when it is not a reference; an unknown
 * operand gives (ref bot). */
bool wb_vc_peek_ref(wb_vctx *v, rt_valtype *ret, size_t at);

/* Marks the rest of the current frame unreachable. */
static inline void wb_vc_unreachable(wb_vctx *v)
{
	wb_ctrl *c = wb_vc_top(v);

	v->nvals = c->height;
	c->unreachable = true;
}

/* Block type accessors. */
void wb_vc_bt_params(const wb_vctx *v, const wb_blocktype *bt,
                     const rt_valtype **ts, uint32_t *n);
void wb_vc_bt_results(const wb_vctx *v, const wb_blocktype *bt,
                      const rt_valtype **ts, uint32_t *n);

/* The types a branch to `depth` carries; fails "unknown label N". */
bool wb_vc_label(wb_vctx *v, uint32_t depth, const rt_valtype **ts,
                 uint32_t *n, size_t at);

/* Two lists into the scratch list: a[0..na) then b[0..nb). */
rt_valtype *wb_vc_concat(wb_vctx *v, const rt_valtype *a, uint32_t na,
                         const rt_valtype *b, uint32_t nb);

/* ---------------------------------------------------------------------------
 * Messages (wb_code.c)
 */

/* Appends the reference interpreter's text of a type / result type. */
typedef struct wb_strbuf {
	char s[CMN_ERROR_MSG_MAX];
	size_t len;
} wb_strbuf;

void wb_sb_add(wb_strbuf *sb, const char *str);
void wb_sb_type(wb_strbuf *sb, rt_valtype t);
void wb_sb_types(wb_strbuf *sb, const rt_valtype *ts, uint32_t n);

/* ---------------------------------------------------------------------------
 * Index lookups with the reference's messages (wb_code.c)
 */

bool wb_vc_functype(wb_vctx *v, uint32_t type, size_t at,
                    const rt_functype **ret);
bool wb_vc_table(wb_vctx *v, uint32_t x, size_t at, const rt_tabletype **ret);
bool wb_vc_memory(wb_vctx *v, uint32_t x, size_t at, const rt_memtype **ret);
bool wb_vc_elem(wb_vctx *v, uint32_t x, size_t at, rt_valtype *ret);
bool wb_vc_datacount(wb_vctx *v, uint32_t x, size_t at);
bool wb_vc_data(wb_vctx *v, uint32_t x, size_t at);
bool wb_vc_tag(wb_vctx *v, uint32_t x, size_t at, const rt_functype **ret);

static inline rt_valtype wb_vc_addr(bool is64)
{
	return rt_valtype_num(is64 ? RT_I64 : RT_I32);
}

/* ---------------------------------------------------------------------------
 * Instruction groups (wb_code_ops.c): each validates one decoded
 * instruction against the current state.
 */

/* References, GC, tables, calls through references, casts. */
bool wb_vc_ref_op(wb_vctx *v, const wb_instr *in);

/* Instructions with a fixed signature (numeric, vector, memory, atomics,
 * bulk memory with fixed operands). */
bool wb_vc_sig_op(wb_vctx *v, const wb_instr *in);

#endif
