/*
 * wb_code_ops.c - validation of reference, GC, table and fixed-signature
 * (numeric, vector, memory, atomic) instructions.
 */
#include <string.h>

#include "wb_code_int.h"

static rt_valtype ref_abs(bool nullable, uint8_t code)
{
	return rt_valtype_ref(nullable, RT_HT_MAKE_ABS(code));
}

static const rt_valtype I32 = {RT_I32, 0, 0, 0};

/* ---------------------------------------------------------------------------
 * Fixed signatures
 */

/* Checks the immediates of a fixed-signature instruction and returns the
 * address type its ADDR operands have. */
static bool check_sig_imm(wb_vctx *v, const wb_instr *in,
                          const wb_op_info *oi, rt_valtype *addr)
{
	const rt_memtype *m;
	uint32_t mem;
	unsigned i;

	switch (oi->imm) {
	case WB_IMM_MEMARG:
	case WB_IMM_MEMARG_LANE:
		mem = in->u.mem.mem;
		break;
	case WB_IMM_MEM:
		mem = in->u.idx;
		break;
	case WB_IMM_DATA_MEM:
		if (!wb_vc_datacount(v, in->u.pair.x, in->offset))
			return false;
		mem = in->u.pair.y;
		break;
	case WB_IMM_DATA:
		return wb_vc_datacount(v, in->u.idx, in->offset) &&
		       wb_vc_data(v, in->u.idx, in->offset);
	case WB_IMM_ELEM: {
		rt_valtype t;
		return wb_vc_elem(v, in->u.idx, in->offset, &t);
	}
	case WB_IMM_LANE:
		if (in->u.lane >= oi->arg)
			return cmn_fail_at(v->err, in->offset,
			                   "invalid lane index");
		return true;
	case WB_IMM_SHUFFLE:
		for (i = 0; i < 16; i++)
			if (in->u.bytes[i] >= 32)
				return cmn_fail_at(v->err, in->offset,
				                   "invalid lane index");
		return true;
	default:
		return true;
	}
	if (!wb_vc_memory(v, mem, in->offset, &m))
		return false;
	*addr = wb_vc_addr(m->limits.is64);
	if (oi->imm == WB_IMM_DATA_MEM)
		return wb_vc_data(v, in->u.pair.x, in->offset);
	if (oi->imm != WB_IMM_MEMARG && oi->imm != WB_IMM_MEMARG_LANE)
		return true;
	if (oi->prefix == 0xFE) {
		if (in->u.mem.align != oi->arg)
			return cmn_fail_at(v->err, in->offset,
			                   "atomic alignment must be natural");
	} else if (in->u.mem.align > oi->arg) {
		return cmn_fail_at(v->err, in->offset,
		                   "alignment must not be larger than natural");
	}
	if (!m->limits.is64 && in->u.mem.offset > UINT32_MAX)
		return cmn_fail_at(v->err, in->offset, "offset out of range");
	if (oi->imm == WB_IMM_MEMARG_LANE && in->u.mem.lane >= (16u >> oi->arg))
		return cmn_fail_at(v->err, in->offset, "invalid lane index");
	return true;
}

bool wb_vc_sig_op(wb_vctx *v, const wb_instr *in)
{
	const wb_op_info *oi = &wb_op_infos[in->op];
	const wb_sig_info *si = &wb_sig_infos[oi->sig];
	rt_valtype addr = I32;
	rt_valtype ts[4];
	unsigned i;

	if (oi->imm != WB_IMM_NONE && !check_sig_imm(v, in, oi, &addr))
		return false;
	for (i = 0; i < si->nin; i++)
		ts[i] = si->in[i] == WB_ADDR ? addr : rt_valtype_num(si->in[i]);
	if (!wb_vc_pop_n(v, ts, si->nin, in->offset))
		return false;
	for (i = 0; i < si->nout; i++)
		if (!wb_vc_push(v, si->out[i] == WB_ADDR
		                       ? addr
		                       : rt_valtype_num(si->out[i])))
			return false;
	return true;
}

/* ---------------------------------------------------------------------------
 * Tables and bulk memory with two indices
 */

static bool fail_seg_type(wb_vctx *v, size_t at, const char *what,
                          rt_valtype seg, const char *whose, rt_valtype t)
{
	wb_strbuf sb = {{0}, 0};

	wb_sb_add(&sb, "type mismatch: ");
	wb_sb_add(&sb, what);
	wb_sb_add(&sb, " type ");
	wb_sb_type(&sb, seg);
	wb_sb_add(&sb, " does not match ");
	wb_sb_add(&sb, whose);
	wb_sb_add(&sb, " type ");
	wb_sb_type(&sb, t);
	return cmn_fail_at(v->err, at, "%s", sb.s);
}

static bool op_table(wb_vctx *v, const wb_instr *in)
{
	const rt_tabletype *t, *t2;
	rt_valtype at, ts[3], et;

	switch (in->op) {
	case WB_OP_TABLE_COPY:
		if (!wb_vc_table(v, in->u.pair.x, in->offset, &t) ||
		    !wb_vc_table(v, in->u.pair.y, in->offset, &t2))
			return false;
		if (!wb_val_match(v->mod, t2->elem, t->elem))
			return fail_seg_type(v, in->offset, "source element",
			                     t2->elem, "destination element",
			                     t->elem);
		ts[0] = wb_vc_addr(t->limits.is64);
		ts[1] = wb_vc_addr(t2->limits.is64);
		ts[2] = wb_vc_addr(t->limits.is64 && t2->limits.is64);
		return wb_vc_pop_n(v, ts, 3, in->offset);
	case WB_OP_TABLE_INIT:
		if (!wb_vc_table(v, in->u.pair.y, in->offset, &t) ||
		    !wb_vc_elem(v, in->u.pair.x, in->offset, &et))
			return false;
		if (!wb_val_match(v->mod, et, t->elem))
			return fail_seg_type(v, in->offset, "element segment's",
			                     et, "table's element", t->elem);
		ts[0] = wb_vc_addr(t->limits.is64);
		ts[1] = I32;
		ts[2] = I32;
		return wb_vc_pop_n(v, ts, 3, in->offset);
	default:
		break;
	}
	if (!wb_vc_table(v, in->u.idx, in->offset, &t))
		return false;
	at = wb_vc_addr(t->limits.is64);
	switch (in->op) {
	case WB_OP_TABLE_GET:
		return wb_vc_pop1(v, at, in->offset) && wb_vc_push(v, t->elem);
	case WB_OP_TABLE_SET:
		ts[0] = at;
		ts[1] = t->elem;
		return wb_vc_pop_n(v, ts, 2, in->offset);
	case WB_OP_TABLE_SIZE:
		return wb_vc_push(v, at);
	case WB_OP_TABLE_GROW:
		ts[0] = t->elem;
		ts[1] = at;
		return wb_vc_pop_n(v, ts, 2, in->offset) && wb_vc_push(v, at);
	default: /* WB_OP_TABLE_FILL */
		ts[0] = at;
		ts[1] = t->elem;
		ts[2] = at;
		return wb_vc_pop_n(v, ts, 3, in->offset);
	}
}

static bool op_memory_copy(wb_vctx *v, const wb_instr *in)
{
	const rt_memtype *m1, *m2;
	rt_valtype ts[3];

	if (!wb_vc_memory(v, in->u.pair.x, in->offset, &m1) ||
	    !wb_vc_memory(v, in->u.pair.y, in->offset, &m2))
		return false;
	ts[0] = wb_vc_addr(m1->limits.is64);
	ts[1] = wb_vc_addr(m2->limits.is64);
	ts[2] = wb_vc_addr(m1->limits.is64 && m2->limits.is64);
	return wb_vc_pop_n(v, ts, 3, in->offset);
}

/* ---------------------------------------------------------------------------
 * References
 */

static bool op_ref_func(wb_vctx *v, const wb_instr *in)
{
	uint32_t f = in->u.idx;

	if (f >= v->mod->nfuncs)
		return cmn_fail_at(v->err, in->offset, "unknown function %u", f);
	if (!v->in_const &&
	    (v->declared == NULL || !(v->declared[f / 8] & (1u << (f % 8)))))
		return cmn_fail_at(v->err, in->offset,
		                   "undeclared function reference %u", f);
	return wb_vc_push(v, rt_valtype_ref(false, v->mod->funcs[f].type));
}

/* ref.is_null, ref.as_non_null, any.convert_extern, extern.convert_any */
static bool op_ref_unary(wb_vctx *v, const wb_instr *in)
{
	rt_valtype t;

	if (!wb_vc_peek_ref(v, &t, in->offset))
		return false;
	switch (in->op) {
	case WB_OP_REF_IS_NULL:
		return wb_vc_pop1(v, rt_valtype_ref(true, t.heap), in->offset) &&
		       wb_vc_push(v, I32);
	case WB_OP_REF_AS_NON_NULL:
		return wb_vc_pop1(v, rt_valtype_ref(true, t.heap), in->offset) &&
		       wb_vc_push(v, rt_valtype_ref(false, t.heap));
	case WB_OP_ANY_CONVERT_EXTERN:
		return wb_vc_pop1(v, ref_abs(t.nullable, RT_HT_EXTERN),
		                  in->offset) &&
		       wb_vc_push(v, ref_abs(t.nullable, RT_HT_ANY));
	default: /* WB_OP_EXTERN_CONVERT_ANY */
		return wb_vc_pop1(v, ref_abs(t.nullable, RT_HT_ANY),
		                  in->offset) &&
		       wb_vc_push(v, ref_abs(t.nullable, RT_HT_EXTERN));
	}
}

/* ref.test, ref.cast (both nullabilities) */
static bool op_ref_test_cast(wb_vctx *v, const wb_instr *in)
{
	uint32_t heap = in->u.heap;
	rt_valtype from = rt_valtype_ref(true, wb_heap_top(v->mod, heap));

	if (!wb_vc_pop1(v, from, in->offset))
		return false;
	switch (in->op) {
	case WB_OP_REF_TEST:
	case WB_OP_REF_TEST_NULL:
		return wb_vc_push(v, I32);
	case WB_OP_REF_CAST:
		return wb_vc_push(v, rt_valtype_ref(false, heap));
	default: /* WB_OP_REF_CAST_NULL */
		return wb_vc_push(v, rt_valtype_ref(true, heap));
	}
}

/* Pops `pre` (n types) followed by `last`, pushes `pre` followed by
 * `push_last` (when `push_it`). */
static bool pop_push_label(wb_vctx *v, const rt_valtype *pre, uint32_t n,
                           rt_valtype last, bool push_it,
                           rt_valtype push_last, size_t at)
{
	const rt_valtype *all = wb_vc_concat(v, pre, n, &last, 1);

	if (all == NULL || !wb_vc_pop_n(v, all, n + 1, at))
		return false;
	/* `pre` may live in the scratch list: push from the copy. */
	if (!wb_vc_push_n(v, all, n))
		return false;
	return !push_it || wb_vc_push(v, push_last);
}

static bool op_br_on_null(wb_vctx *v, const wb_instr *in)
{
	const rt_valtype *ls;
	uint32_t nl;
	rt_valtype t;

	if (!wb_vc_label(v, in->u.idx, &ls, &nl, in->offset) ||
	    !wb_vc_peek_ref(v, &t, in->offset))
		return false;
	return pop_push_label(v, ls, nl, rt_valtype_ref(true, t.heap), true,
	                      rt_valtype_ref(false, t.heap), in->offset);
}

static bool fail_label_ref(wb_vctx *v, size_t at, const char *want,
                           const rt_valtype *want_t, const rt_valtype *ls,
                           uint32_t nl)
{
	wb_strbuf sb = {{0}, 0};

	wb_sb_add(&sb, "type mismatch: instruction requires ");
	wb_sb_add(&sb, want);
	if (want_t != NULL)
		wb_sb_type(&sb, *want_t);
	wb_sb_add(&sb, " but label has ");
	wb_sb_types(&sb, ls, nl);
	return cmn_fail_at(v->err, at, "%s", sb.s);
}

static bool op_br_on_non_null(wb_vctx *v, const wb_instr *in)
{
	const rt_valtype *ls;
	uint32_t nl;

	if (!wb_vc_label(v, in->u.idx, &ls, &nl, in->offset))
		return false;
	if (nl == 0 || ls[nl - 1].kind != RT_REF)
		return fail_label_ref(v, in->offset, "reference type", NULL, ls,
		                      nl);
	return pop_push_label(v, ls, nl - 1,
	                      rt_valtype_ref(true, ls[nl - 1].heap), false,
	                      I32, in->offset);
}

static bool op_br_on_cast(wb_vctx *v, const wb_instr *in)
{
	rt_valtype rt1 = in->u.cast.from, rt2 = in->u.cast.to;
	rt_valtype diff = rt1, need, push;
	const rt_valtype *ls;
	uint32_t nl;
	bool fail = in->op == WB_OP_BR_ON_CAST_FAIL;

	/* rt1 \ rt2: what is left when the cast fails. */
	if (rt2.nullable)
		diff.nullable = 0;
	if (!wb_val_match(v->mod, rt2, rt1)) {
		wb_strbuf sb = {{0}, 0};
		wb_sb_add(&sb, "type mismatch on cast: type ");
		wb_sb_type(&sb, rt2);
		wb_sb_add(&sb, " does not match ");
		wb_sb_type(&sb, rt1);
		return cmn_fail_at(v->err, in->offset, "%s", sb.s);
	}
	if (!wb_vc_label(v, in->u.cast.label, &ls, &nl, in->offset))
		return false;
	need = fail ? diff : rt2;
	if (nl == 0 || !wb_val_match(v->mod, need, ls[nl - 1]))
		return fail_label_ref(v, in->offset, "type ", &need, ls, nl);
	push = fail ? rt2 : diff;
	return pop_push_label(v, ls, nl - 1, rt1, true, push, in->offset);
}

/* ---------------------------------------------------------------------------
 * GC
 */

static bool struct_type(wb_vctx *v, uint32_t x, size_t at,
                        const rt_subtype **ret)
{
	if (x >= v->mod->ntypes)
		return cmn_fail_at(v->err, at, "unknown type %u", x);
	if (v->mod->types[x].comp != RT_COMP_STRUCT)
		return cmn_fail_at(v->err, at, "non-structure type %u", x);
	*ret = &v->mod->types[x];
	return true;
}

static bool array_type(wb_vctx *v, uint32_t x, size_t at,
                       const rt_fieldtype **ret)
{
	if (x >= v->mod->ntypes)
		return cmn_fail_at(v->err, at, "unknown type %u", x);
	if (v->mod->types[x].comp != RT_COMP_ARRAY)
		return cmn_fail_at(v->err, at, "non-array type %u", x);
	*ret = &v->mod->types[x].u.array;
	return true;
}

static bool is_packed(rt_valtype t)
{
	return t.kind == RT_I8 || t.kind == RT_I16;
}

static rt_valtype unpacked(rt_valtype t)
{
	return is_packed(t) ? I32 : t;
}

static bool defaultable(rt_valtype t)
{
	return t.kind != RT_REF || t.nullable;
}

static bool op_struct(wb_vctx *v, const wb_instr *in)
{
	uint32_t x = in->op == WB_OP_STRUCT_NEW || in->op == WB_OP_STRUCT_NEW_DEFAULT
	                     ? in->u.idx
	                     : in->u.pair.x;
	const rt_subtype *st;
	const rt_fieldtype *f;
	rt_valtype ts[2];
	uint32_t i, n;

	if (!struct_type(v, x, in->offset, &st))
		return false;
	n = st->u.strct.nfields;
	switch (in->op) {
	case WB_OP_STRUCT_NEW:
		if (!wb_vc_grow_tmp(v, n))
			return false;
		for (i = 0; i < n; i++)
			v->tmp[i] = unpacked(st->u.strct.fields[i].type);
		return wb_vc_pop_n(v, v->tmp, n, in->offset) &&
		       wb_vc_push(v, rt_valtype_ref(false, x));
	case WB_OP_STRUCT_NEW_DEFAULT:
		for (i = 0; i < n; i++)
			if (!defaultable(st->u.strct.fields[i].type))
				return cmn_fail_at(v->err, in->offset,
				                   "field type is not defaultable");
		return wb_vc_push(v, rt_valtype_ref(false, x));
	default:
		break;
	}
	if (in->u.pair.y >= n)
		return cmn_fail_at(v->err, in->offset, "unknown field %u",
		                   in->u.pair.y);
	f = &st->u.strct.fields[in->u.pair.y];
	switch (in->op) {
	case WB_OP_STRUCT_GET:
		if (is_packed(f->type))
			return cmn_fail_at(v->err, in->offset, "field is packed");
		break;
	case WB_OP_STRUCT_GET_S:
	case WB_OP_STRUCT_GET_U:
		if (!is_packed(f->type))
			return cmn_fail_at(v->err, in->offset,
			                   "field is unpacked");
		break;
	default: /* WB_OP_STRUCT_SET */
		if (!f->mut)
			return cmn_fail_at(v->err, in->offset, "immutable field");
		ts[0] = rt_valtype_ref(true, x);
		ts[1] = unpacked(f->type);
		return wb_vc_pop_n(v, ts, 2, in->offset);
	}
	return wb_vc_pop1(v, rt_valtype_ref(true, x), in->offset) &&
	       wb_vc_push(v, unpacked(f->type));
}

static bool is_numvec(rt_valtype t)
{
	return t.kind != RT_REF;
}

static bool op_array(wb_vctx *v, const wb_instr *in)
{
	const rt_fieldtype *f, *f2;
	uint32_t x;
	rt_valtype ts[5], t, et;

	switch (wb_op_infos[in->op].imm) {
	case WB_IMM_TYPE:
		x = in->u.idx;
		break;
	case WB_IMM_TYPE_DATA:
		if (!wb_vc_datacount(v, in->u.pair.y, in->offset))
			return false;
		x = in->u.pair.x;
		break;
	default:
		x = in->u.pair.x;
		break;
	}
	if (!array_type(v, x, in->offset, &f))
		return false;
	t = unpacked(f->type);
	switch (in->op) {
	case WB_OP_ARRAY_NEW:
		ts[0] = t;
		ts[1] = I32;
		return wb_vc_pop_n(v, ts, 2, in->offset) &&
		       wb_vc_push(v, rt_valtype_ref(false, x));
	case WB_OP_ARRAY_NEW_DEFAULT:
		if (!defaultable(f->type))
			return cmn_fail_at(v->err, in->offset,
			                   "array type is not defaultable");
		return wb_vc_pop1(v, I32, in->offset) &&
		       wb_vc_push(v, rt_valtype_ref(false, x));
	case WB_OP_ARRAY_NEW_FIXED:
		return wb_vc_pop_repeat(v, t, in->u.pair.y, in->offset) &&
		       wb_vc_push(v, rt_valtype_ref(false, x));
	case WB_OP_ARRAY_NEW_DATA:
		if (!wb_vc_data(v, in->u.pair.y, in->offset))
			return false;
		if (!is_numvec(t))
			return cmn_fail_at(v->err, in->offset,
			                   "array type is not numeric or vector");
		ts[0] = I32;
		ts[1] = I32;
		return wb_vc_pop_n(v, ts, 2, in->offset) &&
		       wb_vc_push(v, rt_valtype_ref(false, x));
	case WB_OP_ARRAY_NEW_ELEM:
		if (!wb_vc_elem(v, in->u.pair.y, in->offset, &et))
			return false;
		if (!wb_val_match(v->mod, et, t))
			return fail_seg_type(v, in->offset, "element segment's",
			                     et, "array's field", f->type);
		ts[0] = I32;
		ts[1] = I32;
		return wb_vc_pop_n(v, ts, 2, in->offset) &&
		       wb_vc_push(v, rt_valtype_ref(false, x));
	case WB_OP_ARRAY_GET:
		if (is_packed(f->type))
			return cmn_fail_at(v->err, in->offset, "array is packed");
		goto get;
	case WB_OP_ARRAY_GET_S:
	case WB_OP_ARRAY_GET_U:
		if (!is_packed(f->type))
			return cmn_fail_at(v->err, in->offset,
			                   "array is unpacked");
	get:
		ts[0] = rt_valtype_ref(true, x);
		ts[1] = I32;
		return wb_vc_pop_n(v, ts, 2, in->offset) && wb_vc_push(v, t);
	default:
		break;
	}
	/* The rest write to the array. */
	if (!f->mut)
		return cmn_fail_at(v->err, in->offset, "immutable array");
	ts[0] = rt_valtype_ref(true, x);
	ts[1] = I32;
	switch (in->op) {
	case WB_OP_ARRAY_SET:
		ts[2] = t;
		return wb_vc_pop_n(v, ts, 3, in->offset);
	case WB_OP_ARRAY_FILL:
		ts[2] = t;
		ts[3] = I32;
		return wb_vc_pop_n(v, ts, 4, in->offset);
	case WB_OP_ARRAY_COPY:
		if (!array_type(v, in->u.pair.y, in->offset, &f2))
			return false;
		if (!(f2->type.kind == f->type.kind &&
		      (is_packed(f->type) ||
		       wb_val_match(v->mod, f2->type, f->type))))
			return cmn_fail_at(v->err, in->offset,
			                   "array types do not match");
		ts[2] = rt_valtype_ref(true, in->u.pair.y);
		ts[3] = I32;
		ts[4] = I32;
		return wb_vc_pop_n(v, ts, 5, in->offset);
	case WB_OP_ARRAY_INIT_DATA:
		if (!wb_vc_data(v, in->u.pair.y, in->offset))
			return false;
		if (!is_numvec(t))
			return cmn_fail_at(v->err, in->offset,
			                   "array type is not numeric or vector");
		break;
	default: /* WB_OP_ARRAY_INIT_ELEM */
		if (!wb_vc_elem(v, in->u.pair.y, in->offset, &et))
			return false;
		if (!wb_val_match(v->mod, et, t))
			return fail_seg_type(v, in->offset, "element segment's",
			                     et, "array's field", f->type);
		break;
	}
	ts[2] = I32;
	ts[3] = I32;
	return wb_vc_pop_n(v, ts, 4, in->offset);
}

/* ---------------------------------------------------------------------------
 * Dispatch
 */

bool wb_vc_ref_op(wb_vctx *v, const wb_instr *in)
{
	rt_valtype ts[2];

	switch (in->op) {
	case WB_OP_REF_NULL:
		return wb_vc_push(v, rt_valtype_ref(true, in->u.heap));
	case WB_OP_REF_FUNC:
		return op_ref_func(v, in);
	case WB_OP_REF_IS_NULL:
	case WB_OP_REF_AS_NON_NULL:
	case WB_OP_ANY_CONVERT_EXTERN:
	case WB_OP_EXTERN_CONVERT_ANY:
		return op_ref_unary(v, in);
	case WB_OP_REF_EQ:
		ts[0] = ref_abs(true, RT_HT_EQ);
		ts[1] = ts[0];
		return wb_vc_pop_n(v, ts, 2, in->offset) && wb_vc_push(v, I32);
	case WB_OP_REF_TEST:
	case WB_OP_REF_TEST_NULL:
	case WB_OP_REF_CAST:
	case WB_OP_REF_CAST_NULL:
		return op_ref_test_cast(v, in);
	case WB_OP_REF_I31:
		return wb_vc_pop1(v, I32, in->offset) &&
		       wb_vc_push(v, ref_abs(false, RT_HT_I31));
	case WB_OP_I31_GET_S:
	case WB_OP_I31_GET_U:
		return wb_vc_pop1(v, ref_abs(true, RT_HT_I31), in->offset) &&
		       wb_vc_push(v, I32);
	case WB_OP_BR_ON_NULL:
		return op_br_on_null(v, in);
	case WB_OP_BR_ON_NON_NULL:
		return op_br_on_non_null(v, in);
	case WB_OP_BR_ON_CAST:
	case WB_OP_BR_ON_CAST_FAIL:
		return op_br_on_cast(v, in);
	case WB_OP_TABLE_GET:
	case WB_OP_TABLE_SET:
	case WB_OP_TABLE_SIZE:
	case WB_OP_TABLE_GROW:
	case WB_OP_TABLE_FILL:
	case WB_OP_TABLE_COPY:
	case WB_OP_TABLE_INIT:
		return op_table(v, in);
	case WB_OP_MEMORY_COPY:
		return op_memory_copy(v, in);
	case WB_OP_STRUCT_NEW:
	case WB_OP_STRUCT_NEW_DEFAULT:
	case WB_OP_STRUCT_GET:
	case WB_OP_STRUCT_GET_S:
	case WB_OP_STRUCT_GET_U:
	case WB_OP_STRUCT_SET:
		return op_struct(v, in);
	case WB_OP_ARRAY_NEW:
	case WB_OP_ARRAY_NEW_DEFAULT:
	case WB_OP_ARRAY_NEW_FIXED:
	case WB_OP_ARRAY_NEW_DATA:
	case WB_OP_ARRAY_NEW_ELEM:
	case WB_OP_ARRAY_GET:
	case WB_OP_ARRAY_GET_S:
	case WB_OP_ARRAY_GET_U:
	case WB_OP_ARRAY_SET:
	case WB_OP_ARRAY_FILL:
	case WB_OP_ARRAY_COPY:
	case WB_OP_ARRAY_INIT_DATA:
	case WB_OP_ARRAY_INIT_ELEM:
		return op_array(v, in);
	case WB_OP_ARRAY_LEN:
		return wb_vc_pop1(v, ref_abs(true, RT_HT_ARRAY), in->offset) &&
		       wb_vc_push(v, I32);
	default:
		return cmn_fail_at(v->err, in->offset,
		                   "internal error: no rule for %s",
		                   wb_op_name(in->op));
	}
}
