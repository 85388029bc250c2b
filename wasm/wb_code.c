/*
 * wb_code.c - function body and constant expression validation: the
 * context and its stacks, messages, control instructions, variables, calls,
 * exceptions, and the per-body driver. Reference, GC, table and
 * fixed-signature instructions are in wb_code_ops.c.
 */
#include "wb_code.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmn_vec.h"
#include "wb_code_int.h"

#define BODY_EOF "unexpected end of section or function"

/* ---------------------------------------------------------------------------
 * Context and stacks
 */

static bool ensure_locals(wb_vctx *v, uint32_t n);

wb_code_ctx *wb_code_ctx_new(const rt_module *mod, wb_features features,
                             const uint8_t *declared_funcs)
{
	wb_code_ctx *v = calloc(1, sizeof(*v));

	if (v == NULL)
		return NULL;
	v->mod = mod;
	v->features = features;
	v->declared = declared_funcs;
	v->cfg.features = features;
	v->cfg.ntypes = mod->ntypes;
	/* Start with room for typical functions, so the stacks are never
	 * NULL. */
	if (!cmn_grow((void **)&v->vals, &v->capvals, 256, sizeof(*v->vals)) ||
	    !cmn_grow((void **)&v->ctrls, &v->capctrls, 32, sizeof(*v->ctrls)) ||
	    !cmn_grow((void **)&v->inits, &v->capinits, 16, sizeof(*v->inits)) ||
	    !cmn_grow((void **)&v->tmp, &v->captmp, 16, sizeof(*v->tmp)) ||
	    !ensure_locals(v, 64)) {
		wb_code_ctx_free(v);
		return NULL;
	}
	return v;
}

void wb_code_ctx_free(wb_code_ctx *v)
{
	if (v == NULL)
		return;
	free(v->vals);
	free(v->ctrls);
	free(v->locals);
	free(v->local_set);
	free(v->inits);
	free(v->tmp);
	free(v);
}

bool wb_vc_oom(wb_vctx *v)
{
	return cmn_fail(v->err, "out of memory");
}

bool wb_vc_grow_vals(wb_vctx *v, uint32_t extra)
{
	if (!cmn_grow((void **)&v->vals, &v->capvals, (uint64_t)v->nvals + extra,
	          sizeof(*v->vals)))
		return wb_vc_oom(v);
	return true;
}

bool wb_vc_grow_tmp(wb_vctx *v, uint32_t n)
{
	if (!cmn_grow((void **)&v->tmp, &v->captmp, n, sizeof(*v->tmp)))
		return wb_vc_oom(v);
	return true;
}

static bool push_ctrl(wb_vctx *v, uint8_t kind, const wb_blocktype *bt)
{
	wb_ctrl *c;

	if (v->nctrls == v->capctrls &&
	    !cmn_grow((void **)&v->ctrls, &v->capctrls, (uint64_t)v->nctrls + 1,
	          sizeof(*v->ctrls)))
		return wb_vc_oom(v);
	c = &v->ctrls[v->nctrls++];
	c->kind = kind;
	c->unreachable = false;
	c->height = v->nvals;
	c->init_height = v->ninits;
	c->bt = *bt;
	return true;
}

rt_valtype *wb_vc_concat(wb_vctx *v, const rt_valtype *a, uint32_t na,
                         const rt_valtype *b, uint32_t nb)
{
	if ((uint64_t)na + nb > v->captmp &&
	    !wb_vc_grow_tmp(v, (uint32_t)((uint64_t)na + nb)))
		return NULL;
	if (na)
		memmove(v->tmp, a, (size_t)na * sizeof(*a));
	if (nb)
		memmove(v->tmp + na, b, (size_t)nb * sizeof(*b));
	return v->tmp;
}

/* ---------------------------------------------------------------------------
 * Messages
 */

void wb_sb_add(wb_strbuf *sb, const char *str)
{
	size_t n = strlen(str);
	size_t room = sizeof(sb->s) - 1 - sb->len;

	if (n > room)
		n = room;
	memcpy(sb->s + sb->len, str, n);
	sb->len += n;
	sb->s[sb->len] = '\0';
}

void wb_sb_type(wb_strbuf *sb, rt_valtype t)
{
	char num[16];

	switch (t.kind) {
	case RT_I32:
		wb_sb_add(sb, "i32");
		return;
	case RT_I64:
		wb_sb_add(sb, "i64");
		return;
	case RT_F32:
		wb_sb_add(sb, "f32");
		return;
	case RT_F64:
		wb_sb_add(sb, "f64");
		return;
	case RT_V128:
		wb_sb_add(sb, "v128");
		return;
	case RT_I8:
		wb_sb_add(sb, "i8");
		return;
	case RT_I16:
		wb_sb_add(sb, "i16");
		return;
	case RT_REF:
		wb_sb_add(sb, t.nullable ? "(ref null " : "(ref ");
		if (RT_HT_IS_ABS(t.heap)) {
			wb_sb_add(sb, rt_heap_abs_name(RT_HT_CODE(t.heap)));
		} else {
			snprintf(num, sizeof(num), "%u", t.heap);
			wb_sb_add(sb, num);
		}
		wb_sb_add(sb, ")");
		return;
	default:
		wb_sb_add(sb, "bot");
		return;
	}
}

static void sb_types_rep(wb_strbuf *sb, const rt_valtype *ts, uint32_t n,
                         bool repeat)
{
	uint32_t i;

	wb_sb_add(sb, "[");
	for (i = 0; i < n && sb->len < sizeof(sb->s) - 1; i++) {
		if (i > 0)
			wb_sb_add(sb, " ");
		wb_sb_type(sb, repeat ? ts[0] : ts[i]);
	}
	wb_sb_add(sb, "]");
}

void wb_sb_types(wb_strbuf *sb, const rt_valtype *ts, uint32_t n)
{
	sb_types_rep(sb, ts, n, false);
}

/* "type mismatch: instruction requires [ts] but stack has [top of stack]",
 * the stack part as the reference shows it: the top min(n, avail) operands
 * of the frame, preceded by unknowns when the frame is unreachable. */
static bool fail_pop(wb_vctx *v, const rt_valtype *ts, uint32_t n,
                     bool repeat, size_t at)
{
	const wb_ctrl *c = wb_vc_top(v);
	uint32_t avail = v->nvals - c->height;
	uint32_t k = n < avail ? n : avail;
	uint32_t i, nbot = c->unreachable ? n - k : 0;
	wb_strbuf sb = {{0}, 0};

	wb_sb_add(&sb, "type mismatch: instruction requires ");
	sb_types_rep(&sb, ts, n, repeat);
	wb_sb_add(&sb, " but stack has [");
	for (i = 0; i < nbot + k && sb.len < sizeof(sb.s) - 1; i++) {
		if (i > 0)
			wb_sb_add(&sb, " ");
		if (i < nbot)
			wb_sb_add(&sb, "bot");
		else
			wb_sb_type(&sb, v->vals[v->nvals - k + (i - nbot)]);
	}
	wb_sb_add(&sb, "]");
	return cmn_fail_at(v->err, at, "%s", sb.s);
}

bool wb_vc_pop_slow(wb_vctx *v, const rt_valtype *ts, uint32_t n, size_t at)
{
	const wb_ctrl *c = wb_vc_top(v);
	uint32_t avail = v->nvals - c->height;
	uint32_t k = n < avail ? n : avail;
	uint32_t i;

	if (k < n && !c->unreachable)
		return fail_pop(v, ts, n, false, at);
	/* The top k operands match the last k types; the missing ones are
	 * unknown. */
	for (i = 0; i < k; i++)
		if (!wb_vc_match(v, v->vals[v->nvals - k + i], ts[n - k + i]))
			return fail_pop(v, ts, n, false, at);
	v->nvals -= k;
	return true;
}

bool wb_vc_pop_repeat(wb_vctx *v, rt_valtype t, uint32_t n, size_t at)
{
	const wb_ctrl *c = wb_vc_top(v);
	uint32_t avail = v->nvals - c->height;
	uint32_t k = n < avail ? n : avail;
	uint32_t i;

	if (k < n && !c->unreachable)
		return fail_pop(v, &t, n, true, at);
	for (i = 0; i < k; i++)
		if (!wb_vc_match(v, v->vals[v->nvals - k + i], t))
			return fail_pop(v, &t, n, true, at);
	v->nvals -= k;
	return true;
}

bool wb_vc_peek_ref(wb_vctx *v, rt_valtype *ret, size_t at)
{
	rt_valtype t = wb_vc_peek(v, 0);
	wb_strbuf sb = {{0}, 0};

	if (t.kind == RT_BOT) {
		*ret = rt_valtype_ref(false, RT_HT_MAKE_ABS(RT_HT_BOT));
		return true;
	}
	if (t.kind == RT_REF) {
		*ret = t;
		return true;
	}
	wb_sb_add(&sb, "type mismatch: instruction requires reference type "
	               "but stack has ");
	wb_sb_type(&sb, t);
	return cmn_fail_at(v->err, at, "%s", sb.s);
}

/* ---------------------------------------------------------------------------
 * Lookups
 */

bool wb_vc_functype(wb_vctx *v, uint32_t type, size_t at,
                    const rt_functype **ret)
{
	if (type >= v->mod->ntypes)
		return cmn_fail_at(v->err, at, "unknown type %u", type);
	if (v->mod->types[type].comp != RT_COMP_FUNC)
		return cmn_fail_at(v->err, at, "non-function type %u", type);
	*ret = &v->mod->types[type].u.func;
	return true;
}

bool wb_vc_table(wb_vctx *v, uint32_t x, size_t at, const rt_tabletype **ret)
{
	if (x >= v->mod->ntables)
		return cmn_fail_at(v->err, at, "unknown table %u", x);
	*ret = &v->mod->tables[x];
	return true;
}

bool wb_vc_memory(wb_vctx *v, uint32_t x, size_t at, const rt_memtype **ret)
{
	if (x >= v->mod->nmemories)
		return cmn_fail_at(v->err, at, "unknown memory %u", x);
	*ret = &v->mod->memories[x];
	return true;
}

bool wb_vc_elem(wb_vctx *v, uint32_t x, size_t at, rt_valtype *ret)
{
	if (x >= v->mod->nelems)
		return cmn_fail_at(v->err, at, "unknown elem segment %u", x);
	*ret = v->mod->elems[x].type;
	return true;
}

bool wb_vc_datacount(wb_vctx *v, uint32_t x, size_t at)
{
	/* The binary format needs the data count section before code that
	 * names data segments (a malformed module, reported before anything
	 * invalid about the instruction). An index beyond the data section
	 * is reported as unknown instead, as text modules (which the binary
	 * encoders write without the section when it seems unneeded) expect. */
	if (!v->mod->has_data_count && x < v->mod->ndatas)
		return cmn_fail_at(v->err, at, "data count section required");
	return true;
}

bool wb_vc_data(wb_vctx *v, uint32_t x, size_t at)
{
	uint32_t n = v->mod->has_data_count ? v->mod->data_count
	                                    : v->mod->ndatas;

	if (x >= n)
		return cmn_fail_at(v->err, at, "unknown data segment %u", x);
	return true;
}

bool wb_vc_tag(wb_vctx *v, uint32_t x, size_t at, const rt_functype **ret)
{
	if (x >= v->mod->ntags)
		return cmn_fail_at(v->err, at, "unknown tag %u", x);
	return wb_vc_functype(v, v->mod->tags[x].type, at, ret);
}

/* ---------------------------------------------------------------------------
 * Block types and labels
 */

void wb_vc_bt_params(const wb_vctx *v, const wb_blocktype *bt,
                     const rt_valtype **ts, uint32_t *n)
{
	if (bt->kind == WB_BT_TYPE) {
		const rt_functype *ft = &v->mod->types[bt->type].u.func;
		*ts = ft->params;
		*n = ft->nparams;
	} else {
		*ts = NULL;
		*n = 0;
	}
}

void wb_vc_bt_results(const wb_vctx *v, const wb_blocktype *bt,
                      const rt_valtype **ts, uint32_t *n)
{
	switch (bt->kind) {
	case WB_BT_VAL:
		*ts = &bt->val;
		*n = 1;
		break;
	case WB_BT_TYPE: {
		const rt_functype *ft = &v->mod->types[bt->type].u.func;
		*ts = ft->results;
		*n = ft->nresults;
		break;
	}
	default:
		*ts = NULL;
		*n = 0;
		break;
	}
}

bool wb_vc_label(wb_vctx *v, uint32_t depth, const rt_valtype **ts,
                 uint32_t *n, size_t at)
{
	const wb_ctrl *c;

	if (depth >= v->nctrls)
		return cmn_fail_at(v->err, at, "unknown label %u", depth);
	c = &v->ctrls[v->nctrls - 1 - depth];
	if (c->kind == CK_LOOP)
		wb_vc_bt_params(v, &c->bt, ts, n);
	else
		wb_vc_bt_results(v, &c->bt, ts, n);
	return true;
}

static bool check_blocktype(wb_vctx *v, const wb_blocktype *bt, size_t at)
{
	const rt_functype *ft;

	if (bt->kind != WB_BT_TYPE)
		return true;
	return wb_vc_functype(v, bt->type, at, &ft);
}

/* ---------------------------------------------------------------------------
 * Control
 */

/* `else`, `catch`, `catch_all` or `delegate` where the frame has no such
 * part: the reference decoder ends the instruction sequence there and
 * expects the frame's `end`. */
static bool fail_structure(wb_vctx *v, size_t at)
{
	v->malformed = true;
	return cmn_fail_at(v->err, at, "END opcode expected");
}

/* Resets the locals set since the frame began to "unset". */
static void reset_inits(wb_vctx *v, uint32_t height)
{
	while (v->ninits > height)
		v->local_set[v->inits[--v->ninits]] = 0;
}

/* End of a frame's instruction sequence: its results must be exactly what
 * is left on its part of the stack. */
static bool check_frame_end(wb_vctx *v, size_t at)
{
	wb_ctrl *c = wb_vc_top(v);
	const rt_valtype *ts;
	uint32_t n, avail;
	wb_strbuf sb = {{0}, 0};

	wb_vc_bt_results(v, &c->bt, &ts, &n);
	avail = v->nvals - c->height;
	if (!wb_vc_pop_n(v, ts, n, at))
		return false;
	if (v->nvals == c->height)
		return true;
	wb_sb_add(&sb, "type mismatch: block requires ");
	wb_sb_types(&sb, ts, n);
	wb_sb_add(&sb, " but stack has ");
	wb_sb_types(&sb, v->vals + c->height, avail);
	return cmn_fail_at(v->err, at, "%s", sb.s);
}

static bool op_block(wb_vctx *v, const wb_instr *in, uint8_t kind)
{
	const rt_valtype *ps;
	uint32_t np;

	if (!check_blocktype(v, &in->u.block.bt, in->offset))
		return false;
	wb_vc_bt_params(v, &in->u.block.bt, &ps, &np);
	if (kind == CK_IF) {
		rt_valtype i32 = rt_valtype_num(RT_I32);
		const rt_valtype *all = wb_vc_concat(v, ps, np, &i32, 1);
		if (all == NULL || !wb_vc_pop_n(v, all, np + 1, in->offset))
			return false;
	} else if (!wb_vc_pop_n(v, ps, np, in->offset)) {
		return false;
	}
	if (!push_ctrl(v, kind, &in->u.block.bt))
		return false;
	return wb_vc_push_n(v, ps, np);
}

/* Checks that values of types `ts` (n of them) can be passed to `label`;
 * the message names the two sides as `needs` and `has` ("instruction
 * requires ... but stack has ...", "catch handler requires ... but label
 * has ..."). */
static bool check_label_types(wb_vctx *v, const rt_valtype *ts, uint32_t n,
                              uint32_t label, size_t at, const char *needs,
                              const char *has)
{
	const rt_valtype *ls;
	uint32_t nl, i;
	wb_strbuf sb = {{0}, 0};

	if (!wb_vc_label(v, label, &ls, &nl, at))
		return false;
	if (nl == n) {
		for (i = 0; i < n; i++)
			if (!wb_vc_match(v, ts[i], ls[i]))
				break;
		if (i == n)
			return true;
	}
	wb_sb_add(&sb, "type mismatch: ");
	wb_sb_add(&sb, needs);
	wb_sb_add(&sb, " requires ");
	wb_sb_types(&sb, ls, nl);
	wb_sb_add(&sb, " but ");
	wb_sb_add(&sb, has);
	wb_sb_add(&sb, " has ");
	wb_sb_types(&sb, ts, n);
	return cmn_fail_at(v->err, at, "%s", sb.s);
}

static bool check_catch_target(wb_vctx *v, const rt_valtype *ts, uint32_t n,
                               uint32_t label, size_t at)
{
	return check_label_types(v, ts, n, label, at, "catch handler", "label");
}

static bool op_try_table(wb_vctx *v, const wb_instr *in)
{
	rt_valtype exn = rt_valtype_ref(false, RT_HT_MAKE_ABS(RT_HT_EXN));
	wb_instr_iter it;
	wb_catch cc;

	if (!check_blocktype(v, &in->u.block.bt, in->offset))
		return false;
	wb_catches_begin(in, &it);
	while (wb_catches_next(&it, &cc)) {
		const rt_functype *ft;
		const rt_valtype *ts = NULL;
		uint32_t n = 0;

		if (cc.kind <= WB_CATCH_REF) {
			if (!wb_vc_tag(v, cc.tag, in->offset, &ft))
				return false;
			ts = ft->params;
			n = ft->nparams;
		}
		if (cc.kind == WB_CATCH_REF || cc.kind == WB_CATCH_ALL_REF) {
			ts = wb_vc_concat(v, ts, n, &exn, 1);
			if (ts == NULL)
				return false;
			n++;
		}
		if (!check_catch_target(v, ts, n, cc.label, in->offset))
			return false;
	}
	return op_block(v, in, CK_TRY_TABLE);
}

/* `else`, `catch`, `catch_all`: close the current sequence of the frame
 * and start the next one with `ts` on the stack. */
static bool next_sequence(wb_vctx *v, uint8_t kind, const rt_valtype *ts,
                          uint32_t n, size_t at)
{
	wb_ctrl *c;

	if (!check_frame_end(v, at))
		return false;
	c = wb_vc_top(v);
	reset_inits(v, c->init_height);
	c->kind = kind;
	c->unreachable = false;
	v->nvals = c->height;
	return wb_vc_push_n(v, ts, n);
}

static bool op_else(wb_vctx *v, const wb_instr *in)
{
	const rt_valtype *ps;
	uint32_t np;
	wb_ctrl *c = wb_vc_top(v);

	if (c->kind != CK_IF)
		return fail_structure(v, in->offset);
	wb_vc_bt_params(v, &c->bt, &ps, &np);
	return next_sequence(v, CK_ELSE, ps, np, in->offset);
}

static bool op_catch(wb_vctx *v, const wb_instr *in)
{
	const rt_functype *ft;
	wb_ctrl *c = wb_vc_top(v);

	if (c->kind != CK_TRY && c->kind != CK_CATCH)
		return fail_structure(v, in->offset);
	if (!wb_vc_tag(v, in->u.idx, in->offset, &ft))
		return false;
	return next_sequence(v, CK_CATCH, ft->params, ft->nparams,
	                     in->offset);
}

static bool op_catch_all(wb_vctx *v, const wb_instr *in)
{
	wb_ctrl *c = wb_vc_top(v);

	if (c->kind != CK_TRY && c->kind != CK_CATCH)
		return fail_structure(v, in->offset);
	return next_sequence(v, CK_CATCH_ALL, NULL, 0, in->offset);
}

/* Pops the finished frame and pushes its results onto the enclosing one. */
static bool close_frame(wb_vctx *v)
{
	wb_ctrl *c = wb_vc_top(v);
	wb_blocktype bt = c->bt;
	const rt_valtype *rs;
	uint32_t nr;

	reset_inits(v, c->init_height);
	v->nvals = c->height;
	v->nctrls--;
	if (v->nctrls == 0)
		return true;
	wb_vc_bt_results(v, &bt, &rs, &nr);
	return wb_vc_push_n(v, rs, nr);
}

static bool op_end(wb_vctx *v, const wb_instr *in)
{
	wb_ctrl *c = wb_vc_top(v);

	if (c->kind == CK_IF) {
		/* No else: the implicit one passes the parameters through. */
		const rt_valtype *ps;
		uint32_t np;
		if (!next_sequence(v, CK_ELSE, NULL, 0, in->offset))
			return false;
		c = wb_vc_top(v);
		wb_vc_bt_params(v, &c->bt, &ps, &np);
		if (!wb_vc_push_n(v, ps, np))
			return false;
	}
	if (!check_frame_end(v, in->offset))
		return false;
	return close_frame(v);
}

static bool op_delegate(wb_vctx *v, const wb_instr *in)
{
	if (wb_vc_top(v)->kind != CK_TRY)
		return fail_structure(v, in->offset);
	if (!check_frame_end(v, in->offset))
		return false;
	/* The label is counted from the frame around the try. */
	if (in->u.idx >= v->nctrls - 1)
		return cmn_fail_at(v->err, in->offset, "unknown label %u",
		                   in->u.idx);
	return close_frame(v);
}

static bool op_rethrow(wb_vctx *v, const wb_instr *in)
{
	const wb_ctrl *c;

	if (in->u.idx >= v->nctrls)
		return cmn_fail_at(v->err, in->offset, "unknown label %u",
		                   in->u.idx);
	c = &v->ctrls[v->nctrls - 1 - in->u.idx];
	if (c->kind != CK_CATCH && c->kind != CK_CATCH_ALL)
		return cmn_fail_at(v->err, in->offset, "invalid rethrow label");
	wb_vc_unreachable(v);
	return true;
}

static bool op_br(wb_vctx *v, const wb_instr *in)
{
	const rt_valtype *ts;
	uint32_t n;

	if (!wb_vc_label(v, in->u.idx, &ts, &n, in->offset) ||
	    !wb_vc_pop_n(v, ts, n, in->offset))
		return false;
	wb_vc_unreachable(v);
	return true;
}

static bool op_br_if(wb_vctx *v, const wb_instr *in)
{
	rt_valtype i32 = rt_valtype_num(RT_I32);
	const rt_valtype *ts, *all;
	uint32_t n;

	if (!wb_vc_label(v, in->u.idx, &ts, &n, in->offset))
		return false;
	all = wb_vc_concat(v, ts, n, &i32, 1);
	if (all == NULL || !wb_vc_pop_n(v, all, n + 1, in->offset))
		return false;
	return wb_vc_push_n(v, ts, n);
}

/* Checks that the operands `ts` (n of them) can be passed to `label`. */
static bool check_br_table_label(wb_vctx *v, const rt_valtype *ts,
                                 uint32_t n, uint32_t label, size_t at)
{
	return check_label_types(v, ts, n, label, at, "instruction", "stack");
}

static bool op_br_table(wb_vctx *v, const wb_instr *in)
{
	const rt_valtype *ls;
	rt_valtype *ts;
	uint32_t n, i, label;
	wb_instr_iter it;

	/* The operands as the default label sees them, below the index. */
	if (!wb_vc_label(v, in->u.br_table.deflt, &ls, &n, in->offset))
		return false;
	if (n + 1 > v->captmp && !wb_vc_grow_tmp(v, n + 1))
		return false;
	ts = v->tmp;
	for (i = 0; i < n; i++)
		ts[i] = wb_vc_peek(v, n - i);
	ts[n] = rt_valtype_num(RT_I32);
	if (!check_br_table_label(v, ts, n, in->u.br_table.deflt, in->offset))
		return false;
	wb_br_table_begin(in, &it);
	while (wb_br_table_next(&it, &label))
		if (!check_br_table_label(v, ts, n, label, in->offset))
			return false;
	if (!wb_vc_pop_n(v, ts, n + 1, in->offset))
		return false;
	wb_vc_unreachable(v);
	return true;
}

static bool op_return(wb_vctx *v, const wb_instr *in)
{
	if (!wb_vc_pop_n(v, v->results, v->nresults, in->offset))
		return false;
	wb_vc_unreachable(v);
	return true;
}

/* ---------------------------------------------------------------------------
 * Calls and exceptions
 */

/* Pops `ft`'s parameters followed by `extra` (if not NULL), then pushes its
 * results, or for a tail call checks them against the caller's and ends
 * the frame. */
static bool do_call(wb_vctx *v, const rt_functype *ft,
                    const rt_valtype *extra, bool tail, size_t at)
{
	const rt_valtype *ins = ft->params;
	uint32_t nin = ft->nparams;

	if (tail) {
		uint32_t i;
		bool ok = ft->nresults == v->nresults;
		for (i = 0; ok && i < ft->nresults; i++)
			ok = wb_vc_match(v, ft->results[i], v->results[i]);
		if (!ok) {
			wb_strbuf sb = {{0}, 0};
			wb_sb_add(&sb, "type mismatch: current function "
			               "requires result type ");
			wb_sb_types(&sb, v->results, v->nresults);
			wb_sb_add(&sb, " but callee returns ");
			wb_sb_types(&sb, ft->results, ft->nresults);
			return cmn_fail_at(v->err, at, "%s", sb.s);
		}
	}
	if (extra != NULL) {
		ins = wb_vc_concat(v, ft->params, ft->nparams, extra, 1);
		if (ins == NULL)
			return false;
		nin++;
	}
	if (!wb_vc_pop_n(v, ins, nin, at))
		return false;
	if (tail) {
		wb_vc_unreachable(v);
		return true;
	}
	return wb_vc_push_n(v, ft->results, ft->nresults);
}

static bool op_call(wb_vctx *v, const wb_instr *in, bool tail)
{
	const rt_functype *ft;
	uint32_t f = in->u.idx;

	if (f >= v->mod->nfuncs)
		return cmn_fail_at(v->err, in->offset, "unknown function %u", f);
	if (!wb_vc_functype(v, v->mod->funcs[f].type, in->offset, &ft))
		return false;
	return do_call(v, ft, NULL, tail, in->offset);
}

static bool op_call_indirect(wb_vctx *v, const wb_instr *in, bool tail)
{
	const rt_tabletype *t;
	const rt_functype *ft;
	rt_valtype addr;

	if (!wb_vc_table(v, in->u.pair.y, in->offset, &t) ||
	    !wb_vc_functype(v, in->u.pair.x, in->offset, &ft))
		return false;
	if (!wb_val_match(v->mod, t->elem,
	                  rt_valtype_ref(true, RT_HT_MAKE_ABS(RT_HT_FUNC)))) {
		wb_strbuf sb = {{0}, 0};
		wb_sb_add(&sb, "type mismatch: instruction requires table of "
		               "function type but table has element type ");
		wb_sb_type(&sb, t->elem);
		return cmn_fail_at(v->err, in->offset, "%s", sb.s);
	}
	addr = wb_vc_addr(t->limits.is64);
	return do_call(v, ft, &addr, tail, in->offset);
}

static bool op_call_ref(wb_vctx *v, const wb_instr *in, bool tail)
{
	const rt_functype *ft;
	rt_valtype ref;

	if (!wb_vc_functype(v, in->u.idx, in->offset, &ft))
		return false;
	ref = rt_valtype_ref(true, in->u.idx);
	return do_call(v, ft, &ref, tail, in->offset);
}

static bool op_throw(wb_vctx *v, const wb_instr *in)
{
	const rt_functype *ft;

	if (!wb_vc_tag(v, in->u.idx, in->offset, &ft) ||
	    !wb_vc_pop_n(v, ft->params, ft->nparams, in->offset))
		return false;
	wb_vc_unreachable(v);
	return true;
}

static bool op_throw_ref(wb_vctx *v, const wb_instr *in)
{
	if (!wb_vc_pop1(v, rt_valtype_ref(true, RT_HT_MAKE_ABS(RT_HT_EXN)),
	                in->offset))
		return false;
	wb_vc_unreachable(v);
	return true;
}

/* ---------------------------------------------------------------------------
 * Parametric instructions and variables
 */

static bool op_drop(wb_vctx *v, const wb_instr *in)
{
	rt_valtype t = wb_vc_peek(v, 0);

	return wb_vc_pop_n(v, &t, 1, in->offset);
}

static bool op_select(wb_vctx *v, const wb_instr *in)
{
	rt_valtype ts[3];
	rt_valtype t;

	if (in->op == WB_OP_SELECT_T) {
		if (in->u.select.count != 1)
			return cmn_fail_at(v->err, in->offset,
			                   "invalid result arity");
		t = in->u.select.type;
	} else {
		t = wb_vc_peek(v, 1);
		if (t.kind == RT_REF) {
			wb_strbuf sb = {{0}, 0};
			wb_sb_add(&sb, "type mismatch: instruction requires "
			               "numeric or vector type but stack has ");
			wb_sb_type(&sb, t);
			return cmn_fail_at(v->err, in->offset, "%s", sb.s);
		}
	}
	ts[0] = t;
	ts[1] = t;
	ts[2] = rt_valtype_num(RT_I32);
	if (!wb_vc_pop_n(v, ts, 3, in->offset))
		return false;
	return wb_vc_push(v, t);
}

static bool op_local(wb_vctx *v, const wb_instr *in)
{
	uint32_t x = in->u.idx;
	rt_valtype t;

	if (x >= v->nlocals)
		return cmn_fail_at(v->err, in->offset, "unknown local %u", x);
	t = v->locals[x];
	if (in->op == WB_OP_LOCAL_GET) {
		if (!v->local_set[x])
			return cmn_fail_at(v->err, in->offset,
			                   "uninitialized local");
		return wb_vc_push(v, t);
	}
	if (!wb_vc_pop1(v, t, in->offset))
		return false;
	if (!v->local_set[x]) {
		if (v->ninits == v->capinits &&
		    !cmn_grow((void **)&v->inits, &v->capinits,
		          (uint64_t)v->ninits + 1, sizeof(*v->inits)))
			return wb_vc_oom(v);
		v->inits[v->ninits++] = x;
		v->local_set[x] = 1;
	}
	if (in->op == WB_OP_LOCAL_TEE)
		return wb_vc_push(v, t);
	return true;
}

static bool op_global(wb_vctx *v, const wb_instr *in)
{
	uint32_t x = in->u.idx;
	uint32_t n = v->in_const ? v->nglobals_const : v->mod->nglobals;
	const rt_globaltype *g;

	if (x >= n)
		return cmn_fail_at(v->err, in->offset, "unknown global %u", x);
	g = &v->mod->globals[x];
	if (in->op == WB_OP_GLOBAL_GET)
		return wb_vc_push(v, g->type);
	if (!g->mut)
		return cmn_fail_at(v->err, in->offset, "immutable global");
	return wb_vc_pop1(v, g->type, in->offset);
}

/* ---------------------------------------------------------------------------
 * Dispatch
 */

static bool validate_instr(wb_vctx *v, const wb_instr *in)
{
	switch (in->op) {
	case WB_OP_UNREACHABLE:
		wb_vc_unreachable(v);
		return true;
	case WB_OP_NOP:
		return true;
	case WB_OP_BLOCK:
		return op_block(v, in, CK_BLOCK);
	case WB_OP_LOOP:
		return op_block(v, in, CK_LOOP);
	case WB_OP_IF:
		return op_block(v, in, CK_IF);
	case WB_OP_TRY:
		return op_block(v, in, CK_TRY);
	case WB_OP_TRY_TABLE:
		return op_try_table(v, in);
	case WB_OP_ELSE:
		return op_else(v, in);
	case WB_OP_CATCH:
		return op_catch(v, in);
	case WB_OP_CATCH_ALL:
		return op_catch_all(v, in);
	case WB_OP_DELEGATE:
		return op_delegate(v, in);
	case WB_OP_END:
		return op_end(v, in);
	case WB_OP_RETHROW:
		return op_rethrow(v, in);
	case WB_OP_THROW:
		return op_throw(v, in);
	case WB_OP_THROW_REF:
		return op_throw_ref(v, in);
	case WB_OP_BR:
		return op_br(v, in);
	case WB_OP_BR_IF:
		return op_br_if(v, in);
	case WB_OP_BR_TABLE:
		return op_br_table(v, in);
	case WB_OP_RETURN:
		return op_return(v, in);
	case WB_OP_CALL:
		return op_call(v, in, false);
	case WB_OP_RETURN_CALL:
		return op_call(v, in, true);
	case WB_OP_CALL_INDIRECT:
		return op_call_indirect(v, in, false);
	case WB_OP_RETURN_CALL_INDIRECT:
		return op_call_indirect(v, in, true);
	case WB_OP_CALL_REF:
		return op_call_ref(v, in, false);
	case WB_OP_RETURN_CALL_REF:
		return op_call_ref(v, in, true);
	case WB_OP_DROP:
		return op_drop(v, in);
	case WB_OP_SELECT:
	case WB_OP_SELECT_T:
		return op_select(v, in);
	case WB_OP_LOCAL_GET:
	case WB_OP_LOCAL_SET:
	case WB_OP_LOCAL_TEE:
		return op_local(v, in);
	case WB_OP_GLOBAL_GET:
	case WB_OP_GLOBAL_SET:
		return op_global(v, in);
	default:
		if (wb_op_infos[in->op].sig != WB_SIG_sp)
			return wb_vc_sig_op(v, in);
		return wb_vc_ref_op(v, in);
	}
}

/* Depth of the control stack after `op` completes, from the depth before
 * it (for decoding the rest of an invalid body). */
static uint32_t depth_after(unsigned op, uint32_t depth)
{
	switch (op) {
	case WB_OP_BLOCK:
	case WB_OP_LOOP:
	case WB_OP_IF:
	case WB_OP_TRY:
	case WB_OP_TRY_TABLE:
		return depth + 1;
	case WB_OP_END:
	case WB_OP_DELEGATE:
		return depth > 0 ? depth - 1 : 0;
	default:
		return depth;
	}
}

/* The entry ended at an instruction boundary with `depth` frames open.
 * The reference decoder reads on into whatever follows the entry; mimic
 * its message: inside the section it finds a byte that is not `end`
 * ("END opcode expected"), at the section's end it runs out, or takes the
 * next section's id 0x0B for the missing `end` ("section size mismatch"). */
static bool fail_entry_end(wb_vctx *v, const wb_reader *r, uint32_t depth,
                           cmn_error *err)
{
	size_t at = wb_reader_offset(r);
	const rt_module *mod = v->mod;
	bool last = v->func_index + 1 >= mod->nfuncs;

	if (!last)
		return cmn_fail_at(err, at, "END opcode expected");
	if (at < mod->size && mod->bytes[at] == 0x0B && depth == 1)
		return cmn_fail_at(err, at, "section size mismatch");
	return cmn_fail_at(err, at, "%s", BODY_EOF);
}

/* The data segment index an instruction names, or UINT32_MAX. */
static uint32_t data_index(const wb_instr *in)
{
	switch (in->op) {
	case WB_OP_MEMORY_INIT:
		return in->u.pair.x;
	case WB_OP_DATA_DROP:
		return in->u.idx;
	case WB_OP_ARRAY_NEW_DATA:
	case WB_OP_ARRAY_INIT_DATA:
		return in->u.pair.y;
	default:
		return UINT32_MAX;
	}
}

/* Decodes instructions from r without validating them, starting with
 * `depth` frames open, up to the end of the body. Returns false with `out`
 * filled at the first encoding error (which includes a body that ends
 * early or runs on, and code naming a data segment without the data count
 * section). */
static bool scan_encoding(wb_vctx *v, wb_reader *r, uint32_t depth,
                          cmn_error *out)
{
	wb_instr_cfg cfg = {v->features, UINT32_MAX};
	size_t need_dc = SIZE_MAX;
	wb_instr in;

	for (;;) {
		if (depth == 0) {
			if (!wb_reader_done(r))
				return cmn_fail_at(out, wb_reader_offset(r),
				                   "section size mismatch");
			break;
		}
		if (wb_reader_done(r))
			return fail_entry_end(v, r, depth, out);
		if (!wb_instr_read(r, &cfg, &in, out))
			return false;
		if (need_dc == SIZE_MAX && !v->mod->has_data_count &&
		    data_index(&in) < v->mod->ndatas)
			need_dc = in.offset;
		depth = depth_after(in.op, depth);
	}
	if (need_dc != SIZE_MAX)
		return cmn_fail_at(out, need_dc, "data count section required");
	return true;
}

/* After the body proved invalid: decodes the rest of it, starting with
 * `depth` frames open, and reports an encoding error there instead of the
 * validation error (which stays in place when there is none), as the
 * reference interpreter, which decodes a module before validating it,
 * does. */
static void check_rest_malformed(wb_vctx *v, wb_reader *r, uint32_t depth)
{
	cmn_error e2;

	if (v->malformed)
		return;
	if (!scan_encoding(v, r, depth, &e2) && v->err != NULL)
		*v->err = e2;
}

/* Validates instructions from r with the frames already pushed, until the
 * outermost frame's `end`, which must be the last byte of r. */
static bool run(wb_vctx *v, wb_reader *r)
{
	wb_instr in;
	uint32_t before;

	for (;;) {
		if (wb_reader_done(r))
			return fail_entry_end(v, r, v->nctrls, v->err);
		if (!wb_instr_read(r, &v->cfg, &in, v->err))
			return false;
		before = v->nctrls;
		if (!validate_instr(v, &in)) {
			check_rest_malformed(v, r, depth_after(in.op, before));
			return false;
		}
		if (v->nctrls == 0)
			break;
	}
	if (!wb_reader_done(r))
		return cmn_fail_at(v->err, wb_reader_offset(r),
		                   "section size mismatch");
	return true;
}

static void reset_state(wb_vctx *v, cmn_error *err)
{
	v->err = err;
	v->malformed = false;
	v->nvals = 0;
	v->nctrls = 0;
	v->ninits = 0;
}

/* ---------------------------------------------------------------------------
 * Functions
 */

static bool ensure_locals(wb_vctx *v, uint32_t n)
{
	uint32_t cap = v->caplocals;
	void *p;

	if (n <= cap)
		return true;
	if (!cmn_grow((void **)&v->locals, &cap, n, sizeof(*v->locals)))
		return wb_vc_oom(v);
	p = realloc(v->local_set, cap);
	if (p == NULL)
		return wb_vc_oom(v);
	v->local_set = p;
	v->caplocals = cap;
	return true;
}

static bool is_defaultable(rt_valtype t)
{
	return t.kind != RT_REF || t.nullable;
}

static bool read_locals(wb_vctx *v, wb_reader *r, const rt_functype *ft)
{
	size_t at = wb_reader_offset(r);
	uint64_t total = ft->nparams;
	uint32_t ngroups, g, i, count;
	rt_valtype t;

	if (total > WB_CODE_MAX_LOCALS)
		return cmn_fail_at(v->err, at, "too many locals");
	if (!ensure_locals(v, (uint32_t)total))
		return false;
	for (i = 0; i < ft->nparams; i++) {
		v->locals[i] = ft->params[i];
		v->local_set[i] = 1;
	}
	if (!wb_read_u32(r, &ngroups, v->err))
		return false;
	for (g = 0; g < ngroups; g++) {
		if (!wb_read_u32(r, &count, v->err))
			return false;
		if (total + count > WB_CODE_MAX_LOCALS)
			return cmn_fail_at(v->err, at, "too many locals");
		if (!wb_read_valtype(r, v->mod->ntypes, &t, v->err))
			return false;
		if (!ensure_locals(v, (uint32_t)(total + count)))
			return false;
		for (i = 0; i < count; i++) {
			v->locals[total + i] = t;
			v->local_set[total + i] = is_defaultable(t);
		}
		total += count;
	}
	v->nlocals = (uint32_t)total;
	return true;
}

bool wb_code_validate_func(wb_code_ctx *v, uint32_t func_index,
                           cmn_error *err)
{
	const rt_module *mod = v->mod;
	const rt_func *f;
	const rt_functype *ft;
	wb_blocktype bt;
	wb_reader r;

	reset_state(v, err);
	if (func_index >= mod->nfuncs || func_index < mod->nfuncs_imported)
		return cmn_fail(err, "unknown function %u", func_index);
	f = &mod->funcs[func_index];
	if (!wb_vc_functype(v, f->type, f->body.off, &ft))
		return false;
	if ((uint64_t)f->body.off + f->body.len > mod->size)
		return cmn_fail_at(err, f->body.off, "%s", BODY_EOF);
	v->func_index = func_index;
	v->in_const = false;
	v->results = ft->results;
	v->nresults = ft->nresults;

	wb_reader_init(&r, mod->bytes, mod->size);
	r.p = mod->bytes + f->body.off;
	r.end = r.p + f->body.len;
	r.eof_msg = BODY_EOF;
	if (!read_locals(v, &r, ft))
		return false;

	bt.kind = WB_BT_TYPE;
	bt.type = f->type;
	if (!push_ctrl(v, CK_FUNC, &bt))
		return false;
	return run(v, &r);
}

bool wb_code_decode_func(wb_code_ctx *v, uint32_t func_index,
                         cmn_error *err)
{
	const rt_module *mod = v->mod;
	const rt_func *f;
	const rt_functype *ft;
	uint64_t total;
	uint32_t ngroups, g, count;
	size_t at;
	rt_valtype t;
	wb_reader r;

	reset_state(v, err);
	if (func_index >= mod->nfuncs || func_index < mod->nfuncs_imported)
		return cmn_fail(err, "unknown function %u", func_index);
	f = &mod->funcs[func_index];
	if ((uint64_t)f->body.off + f->body.len > mod->size)
		return cmn_fail_at(err, f->body.off, "%s", BODY_EOF);
	total = 0;
	if (f->type < mod->ntypes && mod->types[f->type].comp == RT_COMP_FUNC) {
		ft = &mod->types[f->type].u.func;
		total = ft->nparams;
	}
	v->func_index = func_index;
	wb_reader_init(&r, mod->bytes, mod->size);
	r.p = mod->bytes + f->body.off;
	r.end = r.p + f->body.len;
	r.eof_msg = BODY_EOF;
	at = wb_reader_offset(&r);
	if (!wb_read_u32(&r, &ngroups, err))
		return false;
	for (g = 0; g < ngroups; g++) {
		if (!wb_read_u32(&r, &count, err) ||
		    !wb_read_valtype(&r, UINT32_MAX, &t, err))
			return false;
		total += count;
	}
	if (total > WB_CODE_MAX_LOCALS)
		return cmn_fail_at(err, at, "too many locals");
	return scan_encoding(v, &r, 1, err);
}

/* ---------------------------------------------------------------------------
 * Constant expressions
 */

static bool is_const_op(unsigned op)
{
	switch (op) {
	case WB_OP_I32_CONST:
	case WB_OP_I64_CONST:
	case WB_OP_F32_CONST:
	case WB_OP_F64_CONST:
	case WB_OP_V128_CONST:
	case WB_OP_REF_NULL:
	case WB_OP_REF_FUNC:
	case WB_OP_GLOBAL_GET:
	case WB_OP_I32_ADD:
	case WB_OP_I32_SUB:
	case WB_OP_I32_MUL:
	case WB_OP_I64_ADD:
	case WB_OP_I64_SUB:
	case WB_OP_I64_MUL:
	case WB_OP_STRUCT_NEW:
	case WB_OP_STRUCT_NEW_DEFAULT:
	case WB_OP_ARRAY_NEW:
	case WB_OP_ARRAY_NEW_DEFAULT:
	case WB_OP_ARRAY_NEW_FIXED:
	case WB_OP_ANY_CONVERT_EXTERN:
	case WB_OP_EXTERN_CONVERT_ANY:
	case WB_OP_REF_I31:
		return true;
	default:
		return false;
	}
}

static void const_reader(const wb_vctx *v, rt_range expr, wb_reader *r)
{
	wb_reader_init(r, v->mod->bytes, v->mod->size);
	r->p = v->mod->bytes + expr.off;
	r->end = r->p + expr.len;
}

bool wb_code_validate_const(wb_code_ctx *v, rt_range expr,
                            rt_valtype expected, uint32_t nglobals_visible,
                            cmn_error *err)
{
	const rt_module *mod = v->mod;
	wb_blocktype bt;
	wb_instr in;
	wb_reader r;

	reset_state(v, err);
	if ((uint64_t)expr.off + expr.len > mod->size)
		return cmn_fail_at(err, expr.off, "unexpected end");
	v->in_const = true;
	v->nglobals_const = nglobals_visible;
	if (v->nglobals_const > mod->nglobals)
		v->nglobals_const = mod->nglobals;
	v->results = NULL;
	v->nresults = 0;
	v->nlocals = 0;
	v->func_index = UINT32_MAX;

	/* First every instruction must be constant (as the reference checks
	 * before typing). */
	const_reader(v, expr, &r);
	while (!wb_reader_done(&r)) {
		if (!wb_instr_read(&r, &v->cfg, &in, err))
			return false;
		if (in.op == WB_OP_END)
			break;
		if (!is_const_op(in.op))
			return cmn_fail_at(err, in.offset,
			                   "constant expression required");
		if (in.op == WB_OP_GLOBAL_GET) {
			if (in.u.idx >= v->nglobals_const)
				return cmn_fail_at(err, in.offset,
				                   "unknown global %u", in.u.idx);
			if (mod->globals[in.u.idx].mut)
				return cmn_fail_at(err, in.offset,
				                   "constant expression required");
		}
	}

	const_reader(v, expr, &r);
	r.eof_msg = "unexpected end";
	bt.kind = WB_BT_VAL;
	bt.val = expected;
	if (!push_ctrl(v, CK_FUNC, &bt))
		return false;
	for (;;) {
		if (wb_reader_done(&r))
			return cmn_fail_at(err, wb_reader_offset(&r),
			                   "unexpected end");
		if (!wb_instr_read(&r, &v->cfg, &in, err))
			return false;
		if (in.op == WB_OP_END) {
			if (!check_frame_end(v, in.offset))
				return false;
			break;
		}
		if (!validate_instr(v, &in))
			return false;
	}
	if (!wb_reader_done(&r))
		return cmn_fail_at(err, wb_reader_offset(&r),
		                   "section size mismatch");
	v->in_const = false;
	return true;
}

bool wb_code_skip_const(wb_reader *r, rt_range *ret_expr, cmn_error *err)
{
	static const wb_instr_cfg cfg = {WB_FEAT_ALL, UINT32_MAX};
	size_t start = wb_reader_offset(r);
	uint32_t depth = 0;
	wb_instr in;

	for (;;) {
		if (!wb_instr_read(r, &cfg, &in, err))
			return false;
		switch (in.op) {
		case WB_OP_END:
			if (depth == 0)
				goto done;
			depth--;
			break;
		case WB_OP_DELEGATE:
		case WB_OP_ELSE:
		case WB_OP_CATCH:
		case WB_OP_CATCH_ALL:
			/* Ends a sequence that a constant expression does not
			 * have open. */
			if (depth == 0)
				return cmn_fail_at(err, in.offset,
				                   "END opcode expected");
			if (in.op == WB_OP_DELEGATE)
				depth--;
			break;
		default:
			depth = depth_after(in.op, depth);
			break;
		}
	}
done:
	ret_expr->off = (uint32_t)start;
	ret_expr->len = (uint32_t)(wb_reader_offset(r) - start);
	return true;
}
