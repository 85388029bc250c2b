/*
 * jit_simd.c - SIMD (0xFD) instructions, including relaxed SIMD, with LLVM
 * vector operations. A v128 on the operand stack is always <2 x i64>;
 * each instruction bitcasts to its lane shape and back (free in LLVM).
 *
 * Relaxed SIMD takes one deterministic choice everywhere: relaxed_swizzle =
 * swizzle, relaxed_trunc = trunc_sat, relaxed_madd/nmadd = unfused
 * multiply then add, laneselect = bitselect, relaxed_min/max = min/max,
 * relaxed_q15mulr = q15mulr_sat, relaxed_dot = signed*signed with i16
 * wrap-around.
 */
#include <string.h>

#include "jit_int.h"

LLVMValueRef jit_v128_to(jit_fn *f, LLVMValueRef v, LLVMTypeRef t)
{
	LLVMBuilderRef bld = f->u->b;
	if (LLVMTypeOf(v) == t)
		return v;
	return LLVMBuildBitCast(bld, v, t, "");
}

LLVMValueRef jit_v128_from(jit_fn *f, LLVMValueRef v)
{
	jit_unit *unit = f->u;
	return jit_v128_to(f, v, unit->t_v128);
}

/* Lane shapes. */
enum { S_I8, S_I16, S_I32, S_I64, S_F32, S_F64 };

static LLVMTypeRef shape(jit_fn *f, int s)
{
	jit_unit *unit = f->u;
	switch (s) {
	case S_I8: return unit->t_i8x16;
	case S_I16: return unit->t_i16x8;
	case S_I32: return unit->t_i32x4;
	case S_I64: return unit->t_v128;
	case S_F32: return unit->t_f32x4;
	default: return unit->t_f64x2;
	}
}

static LLVMValueRef pop_as(jit_fn *f, int s)
{
	return jit_v128_to(f, jit_pop(f), shape(f, s));
}

static void push_v(jit_fn *f, LLVMValueRef v)
{
	jit_push(f, jit_v128_from(f, v));
}

static LLVMValueRef splat(jit_fn *f, LLVMValueRef x, unsigned n)
{
	jit_unit *unit = f->u;
	LLVMBuilderRef bld = unit->b;
	LLVMTypeRef vt = LLVMVectorType(LLVMTypeOf(x), n);
	LLVMValueRef v = LLVMBuildInsertElement(bld, LLVMGetUndef(vt), x,
	                                        jit_i32c(unit, 0), "");
	LLVMValueRef mask = LLVMConstNull(LLVMVectorType(unit->t_i32, n));

	return LLVMBuildShuffleVector(bld, v, LLVMGetUndef(vt), mask, "");
}

/* shufflevector with constant lane indices */
static LLVMValueRef shuffle(jit_fn *f, LLVMValueRef a, LLVMValueRef b,
                            const unsigned *idx, unsigned n)
{
	jit_unit *unit = f->u;
	LLVMBuilderRef bld = unit->b;
	LLVMValueRef m[32];
	unsigned i;

	for (i = 0; i < n; i++)
		m[i] = jit_i32c(unit, idx[i]);
	return LLVMBuildShuffleVector(bld, a, b ? b : LLVMGetUndef(LLVMTypeOf(a)),
	                              LLVMConstVector(m, n), "");
}

/* Lanes [first, first + n) of v. */
static LLVMValueRef half(jit_fn *f, LLVMValueRef v, unsigned first,
                         unsigned n)
{
	unsigned idx[16] = {0}, i;

	for (i = 0; i < n; i++)
		idx[i] = first + i;
	return shuffle(f, v, NULL, idx, n);
}

/* Lanes first, first+2, ... (n of them). */
static LLVMValueRef strided(jit_fn *f, LLVMValueRef v, unsigned first,
                            unsigned n)
{
	unsigned idx[16] = {0}, i;

	for (i = 0; i < n; i++)
		idx[i] = first + 2 * i;
	return shuffle(f, v, NULL, idx, n);
}

static LLVMValueRef concat(jit_fn *f, LLVMValueRef a, LLVMValueRef b)
{
	unsigned n = LLVMGetVectorSize(LLVMTypeOf(a)), idx[32] = {0}, i;

	for (i = 0; i < 2 * n; i++)
		idx[i] = i;
	return shuffle(f, a, b, idx, 2 * n);
}

static LLVMTypeRef vec_of(jit_fn *f, LLVMTypeRef elem, unsigned n)
{
	(void)f;
	return LLVMVectorType(elem, n);
}

static LLVMValueRef ext(jit_fn *f, LLVMValueRef v, LLVMTypeRef t, bool s)
{
	LLVMBuilderRef bld = f->u->b;
	return s ? LLVMBuildSExt(bld, v, t, "") : LLVMBuildZExt(bld, v, t, "");
}

static LLVMValueRef intr(jit_fn *f, const char *name, LLVMValueRef *args,
                         unsigned n)
{
	jit_unit *unit = f->u;
	return jit_call_intr(unit, name, LLVMTypeOf(args[0]), args, n);
}

static LLVMValueRef intr1(jit_fn *f, const char *name, LLVMValueRef a)
{
	return intr(f, name, &a, 1);
}

static LLVMValueRef intr2(jit_fn *f, const char *name, LLVMValueRef a,
                          LLVMValueRef b)
{
	LLVMValueRef args[2] = {a, b};

	return intr(f, name, args, 2);
}

static LLVMValueRef vconst(jit_fn *f, LLVMTypeRef vt, uint64_t x)
{
	(void)f;
	return LLVMConstVector(
		(LLVMValueRef[]){LLVMConstInt(LLVMGetElementType(vt), x, 0),
		                 LLVMConstInt(LLVMGetElementType(vt), x, 0),
		                 LLVMConstInt(LLVMGetElementType(vt), x, 0),
		                 LLVMConstInt(LLVMGetElementType(vt), x, 0),
		                 LLVMConstInt(LLVMGetElementType(vt), x, 0),
		                 LLVMConstInt(LLVMGetElementType(vt), x, 0),
		                 LLVMConstInt(LLVMGetElementType(vt), x, 0),
		                 LLVMConstInt(LLVMGetElementType(vt), x, 0),
		                 LLVMConstInt(LLVMGetElementType(vt), x, 0),
		                 LLVMConstInt(LLVMGetElementType(vt), x, 0),
		                 LLVMConstInt(LLVMGetElementType(vt), x, 0),
		                 LLVMConstInt(LLVMGetElementType(vt), x, 0),
		                 LLVMConstInt(LLVMGetElementType(vt), x, 0),
		                 LLVMConstInt(LLVMGetElementType(vt), x, 0),
		                 LLVMConstInt(LLVMGetElementType(vt), x, 0),
		                 LLVMConstInt(LLVMGetElementType(vt), x, 0)},
		LLVMGetVectorSize(vt));
}

/* <n x i1> -> <n x iN> all ones / zeros */
static LLVMValueRef mask_to(jit_fn *f, LLVMValueRef m, LLVMTypeRef vt)
{
	LLVMBuilderRef bld = f->u->b;
	return LLVMBuildSExt(bld, m, vt, "");
}

static LLVMValueRef swizzle(jit_fn *f, LLVMValueRef a, LLVMValueRef s)
{
	jit_unit *unit = f->u;
	LLVMBuilderRef bld = unit->b;
	/* indices >= 16 select 0: saturating +0x70 sets bit 7 for them,
	 * which pshufb turns into 0 */
	LLVMValueRef s2 = intr2(f, "llvm.uadd.sat", s,
	                        vconst(f, unit->t_i8x16, 0x70));
	LLVMTypeRef fty;
	LLVMValueRef fn = jit_intrinsic(unit, "llvm.x86.ssse3.pshuf.b.128", NULL,
	                                0, &fty);
	LLVMValueRef args[2] = {a, s2};

	if (fn == NULL)
		return a;
	return LLVMBuildCall2(bld, fty, fn, args, 2, "");
}

static LLVMValueRef narrow(jit_fn *f, LLVMValueRef a, LLVMValueRef b,
                           bool is_signed)
{
	jit_unit *unit = f->u;
	LLVMBuilderRef bld = unit->b;
	LLVMTypeRef wt = LLVMGetElementType(LLVMTypeOf(a));
	unsigned w = LLVMGetIntTypeWidth(wt), n = LLVMGetVectorSize(LLVMTypeOf(a));
	LLVMTypeRef nt = LLVMIntTypeInContext(unit->ctx, w / 2);
	LLVMValueRef v = concat(f, a, b);
	LLVMTypeRef vt = LLVMTypeOf(v);
	uint64_t lo, hi;

	if (is_signed) {
		hi = (1ull << (w / 2 - 1)) - 1;
		lo = (uint64_t)-(int64_t)(1ull << (w / 2 - 1));
	} else {
		hi = (1ull << (w / 2)) - 1;
		lo = 0;
	}
	v = intr2(f, "llvm.smax", v, vconst(f, vt, lo));
	v = intr2(f, "llvm.smin", v, vconst(f, vt, hi));
	return LLVMBuildTrunc(bld, v, vec_of(f, nt, 2 * n), "");
}

static LLVMValueRef vshift(jit_fn *f, int s, LLVMOpcode op)
{
	jit_unit *unit = f->u;
	LLVMBuilderRef bld = unit->b;
	LLVMValueRef cnt = jit_pop(f), v = pop_as(f, s);
	LLVMTypeRef vt = LLVMTypeOf(v), et = LLVMGetElementType(vt);
	unsigned w = LLVMGetIntTypeWidth(et);

	cnt = LLVMBuildAnd(bld, cnt, jit_i32c(unit, w - 1), "");
	if (w < 32)
		cnt = LLVMBuildTrunc(bld, cnt, et, "");
	else if (w > 32)
		cnt = LLVMBuildZExt(bld, cnt, et, "");
	return LLVMBuildBinOp(bld, op, v, splat(f, cnt, LLVMGetVectorSize(vt)),
	                      "");
}

static LLVMValueRef extend(jit_fn *f, LLVMValueRef v, bool high, bool s)
{
	jit_unit *unit = f->u;
	LLVMTypeRef vt = LLVMTypeOf(v);
	unsigned n = LLVMGetVectorSize(vt) / 2;
	unsigned w = LLVMGetIntTypeWidth(LLVMGetElementType(vt));

	v = half(f, v, high ? n : 0, n);
	return ext(f, v, vec_of(f, LLVMIntTypeInContext(unit->ctx, 2 * w), n), s);
}

static LLVMValueRef extadd_pairwise(jit_fn *f, LLVMValueRef v, bool s)
{
	jit_unit *unit = f->u;
	LLVMBuilderRef bld = unit->b;
	LLVMTypeRef vt = LLVMTypeOf(v);
	unsigned n = LLVMGetVectorSize(vt) / 2;
	unsigned w = LLVMGetIntTypeWidth(LLVMGetElementType(vt));
	LLVMTypeRef wt = vec_of(f, LLVMIntTypeInContext(unit->ctx, 2 * w), n);

	return LLVMBuildAdd(bld, ext(f, strided(f, v, 0, n), wt, s),
	                    ext(f, strided(f, v, 1, n), wt, s), "");
}

static LLVMValueRef q15mulr(jit_fn *f, LLVMValueRef a, LLVMValueRef b)
{
	jit_unit *unit = f->u;
	LLVMBuilderRef bld = unit->b;
	LLVMTypeRef wt = unit->t_i32x4;
	LLVMTypeRef w8 = vec_of(f, unit->t_i32, 8);
	LLVMValueRef x, y, r;

	(void)wt;
	x = LLVMBuildSExt(bld, a, w8, "");
	y = LLVMBuildSExt(bld, b, w8, "");
	r = LLVMBuildMul(bld, x, y, "");
	r = LLVMBuildAdd(bld, r, vconst(f, w8, 0x4000), "");
	r = LLVMBuildAShr(bld, r, vconst(f, w8, 15), "");
	r = intr2(f, "llvm.smin", r, vconst(f, w8, 0x7fff));
	return LLVMBuildTrunc(bld, r, unit->t_i16x8, "");
}

/* relaxed dot: signed i8 * signed i8, adjacent pairs added in i16. */
static LLVMValueRef dot_i8(jit_fn *f, LLVMValueRef a, LLVMValueRef b)
{
	jit_unit *unit = f->u;
	LLVMBuilderRef bld = unit->b;
	LLVMTypeRef w16 = vec_of(f, unit->t_i16, 16);
	LLVMValueRef p = LLVMBuildMul(bld, LLVMBuildSExt(bld, a, w16, ""),
	                              LLVMBuildSExt(bld, b, w16, ""), "");

	return LLVMBuildAdd(bld, strided(f, p, 0, 8), strided(f, p, 1, 8), "");
}

static LLVMValueRef trunc_sat_v(jit_fn *f, LLVMValueRef v, LLVMTypeRef rt,
                                bool s)
{
	jit_unit *unit = f->u;
	LLVMTypeRef tys[2] = {rt, LLVMTypeOf(v)};

	return jit_call_intr2(unit, s ? "llvm.fptosi.sat" : "llvm.fptoui.sat",
	                      tys, 2, &v, 1);
}

static LLVMValueRef zero_extend_lanes(jit_fn *f, LLVMValueRef v2)
{
	/* <2 x T> -> <4 x T> with zero upper lanes */
	unsigned idx[4] = {0, 1, 2, 3};

	return shuffle(f, v2, LLVMConstNull(LLVMTypeOf(v2)), idx, 4);
}

static bool simd_mem(jit_fn *f, const wb_instr *in)
{
	jit_unit *unit = f->u;
	LLVMBuilderRef bld = unit->b;
	const wb_op_info *oi = wb_op_get(in->op);
	uint32_t size = 1u << oi->arg;
	LLVMValueRef v = NULL, p, x;
	LLVMTypeRef lt;
	unsigned lane = in->u.mem.lane;

	switch (in->op) {
	case WB_OP_V128_STORE:
		v = jit_pop(f);
		p = jit_mem_addr(f, &in->u.mem, jit_pop(f), 16, false);
		if (p == NULL)
			return true;
		jit_mem_store(f, v, p);
		return true;
	case WB_OP_V128_STORE8_LANE: case WB_OP_V128_STORE16_LANE:
	case WB_OP_V128_STORE32_LANE: case WB_OP_V128_STORE64_LANE:
		lt = LLVMIntTypeInContext(unit->ctx, size * 8);
		v = jit_v128_to(f, jit_pop(f), vec_of(f, lt, 16 / size));
		p = jit_mem_addr(f, &in->u.mem, jit_pop(f), size, false);
		if (p == NULL)
			return true;
		jit_mem_store(f,
		              LLVMBuildExtractElement(bld, v, jit_i32c(unit, lane), ""),
		              p);
		return true;
	case WB_OP_V128_LOAD8_LANE: case WB_OP_V128_LOAD16_LANE:
	case WB_OP_V128_LOAD32_LANE: case WB_OP_V128_LOAD64_LANE:
		v = jit_pop(f);
		break;
	default:
		break;
	}
	p = jit_mem_addr(f, &in->u.mem, jit_pop(f), size, false);
	if (p == NULL)
		return true;
	lt = in->op == WB_OP_V128_LOAD ? unit->t_v128
	     : (in->op >= WB_OP_V128_LOAD8X8_S && in->op <= WB_OP_V128_LOAD32X2_U)
	             ? unit->t_i64
	             : LLVMIntTypeInContext(unit->ctx, size * 8);
	x = jit_mem_load(f, lt, p);
	switch (in->op) {
	case WB_OP_V128_LOAD:
		jit_push(f, x);
		return true;
	case WB_OP_V128_LOAD8X8_S: case WB_OP_V128_LOAD8X8_U:
		x = jit_v128_to(f, x, vec_of(f, unit->t_i8, 8));
		x = ext(f, x, unit->t_i16x8, in->op == WB_OP_V128_LOAD8X8_S);
		break;
	case WB_OP_V128_LOAD16X4_S: case WB_OP_V128_LOAD16X4_U:
		x = jit_v128_to(f, x, vec_of(f, unit->t_i16, 4));
		x = ext(f, x, unit->t_i32x4, in->op == WB_OP_V128_LOAD16X4_S);
		break;
	case WB_OP_V128_LOAD32X2_S: case WB_OP_V128_LOAD32X2_U:
		x = jit_v128_to(f, x, vec_of(f, unit->t_i32, 2));
		x = ext(f, x, unit->t_v128, in->op == WB_OP_V128_LOAD32X2_S);
		break;
	case WB_OP_V128_LOAD8_SPLAT: case WB_OP_V128_LOAD16_SPLAT:
	case WB_OP_V128_LOAD32_SPLAT: case WB_OP_V128_LOAD64_SPLAT:
		x = splat(f, x, 16 / size);
		break;
	case WB_OP_V128_LOAD32_ZERO: case WB_OP_V128_LOAD64_ZERO:
		x = LLVMBuildInsertElement(bld, LLVMConstNull(vec_of(f, lt, 16 / size)),
		                           x, jit_i32c(unit, 0), "");
		break;
	case WB_OP_V128_LOAD8_LANE: case WB_OP_V128_LOAD16_LANE:
	case WB_OP_V128_LOAD32_LANE: case WB_OP_V128_LOAD64_LANE:
		v = jit_v128_to(f, v, vec_of(f, lt, 16 / size));
		x = LLVMBuildInsertElement(bld, v, x, jit_i32c(unit, lane), "");
		break;
	default:
		return false;
	}
	jit_push(f, jit_v128_from(f, x));
	return true;
}

static LLVMValueRef fcmp_v(jit_fn *f, int s, LLVMRealPredicate p)
{
	jit_unit *unit = f->u;
	LLVMBuilderRef bld = unit->b;
	LLVMValueRef b = pop_as(f, s), a = pop_as(f, s);

	return mask_to(f, LLVMBuildFCmp(bld, p, a, b, ""),
	               s == S_F32 ? unit->t_i32x4 : unit->t_v128);
}

static LLVMValueRef icmp_v(jit_fn *f, int s, LLVMIntPredicate p)
{
	LLVMBuilderRef bld = f->u->b;
	LLVMValueRef b = pop_as(f, s), a = pop_as(f, s);

	return mask_to(f, LLVMBuildICmp(bld, p, a, b, ""), shape(f, s));
}

static LLVMValueRef bin(jit_fn *f, int s, LLVMOpcode op)
{
	LLVMBuilderRef bld = f->u->b;
	LLVMValueRef b = pop_as(f, s), a = pop_as(f, s);

	return LLVMBuildBinOp(bld, op, a, b, "");
}

static LLVMValueRef bin_intr(jit_fn *f, int s, const char *name)
{
	LLVMValueRef b = pop_as(f, s), a = pop_as(f, s);

	return intr2(f, name, a, b);
}

static LLVMValueRef all_true(jit_fn *f, int s)
{
	jit_unit *unit = f->u;
	LLVMBuilderRef bld = unit->b;
	LLVMValueRef v = pop_as(f, s);
	unsigned n = LLVMGetVectorSize(LLVMTypeOf(v));
	LLVMValueRef m = LLVMBuildICmp(bld, LLVMIntNE, v,
	                               LLVMConstNull(LLVMTypeOf(v)), "");
	LLVMTypeRef it = LLVMIntTypeInContext(unit->ctx, n);

	m = LLVMBuildBitCast(bld, m, it, "");
	return LLVMBuildZExt(bld, LLVMBuildICmp(bld, LLVMIntEQ, m,
	                                      LLVMConstAllOnes(it), ""),
	                     unit->t_i32, "");
}

static LLVMValueRef bitmask(jit_fn *f, int s)
{
	jit_unit *unit = f->u;
	LLVMBuilderRef bld = unit->b;
	LLVMValueRef v = pop_as(f, s);
	unsigned n = LLVMGetVectorSize(LLVMTypeOf(v));
	LLVMValueRef m = LLVMBuildICmp(bld, LLVMIntSLT, v,
	                               LLVMConstNull(LLVMTypeOf(v)), "");

	m = LLVMBuildBitCast(bld, m, LLVMIntTypeInContext(unit->ctx, n), "");
	return LLVMBuildZExt(bld, m, unit->t_i32, "");
}

static LLVMValueRef extmul(jit_fn *f, int s, bool high, bool sg)
{
	LLVMBuilderRef bld = f->u->b;
	LLVMValueRef b = pop_as(f, s), a = pop_as(f, s);

	return LLVMBuildMul(bld, extend(f, a, high, sg), extend(f, b, high, sg),
	                    "");
}

static LLVMValueRef avgr(jit_fn *f, int s)
{
	jit_unit *unit = f->u;
	LLVMBuilderRef bld = unit->b;
	LLVMValueRef b = pop_as(f, s), a = pop_as(f, s);
	LLVMTypeRef vt = LLVMTypeOf(a);
	unsigned n = LLVMGetVectorSize(vt);
	unsigned w = LLVMGetIntTypeWidth(LLVMGetElementType(vt));
	LLVMTypeRef wt = vec_of(f, LLVMIntTypeInContext(unit->ctx, 2 * w), n);
	LLVMValueRef r;

	r = LLVMBuildAdd(bld, LLVMBuildZExt(bld, a, wt, ""),
	                 LLVMBuildZExt(bld, b, wt, ""), "");
	r = LLVMBuildAdd(bld, r, vconst(f, wt, 1), "");
	r = LLVMBuildLShr(bld, r, vconst(f, wt, 1), "");
	return LLVMBuildTrunc(bld, r, vt, "");
}

static LLVMValueRef pminmax(jit_fn *f, int s, bool is_max)
{
	LLVMBuilderRef bld = f->u->b;
	LLVMValueRef b = pop_as(f, s), a = pop_as(f, s);
	/* pmin: b < a ? b : a;  pmax: a < b ? b : a */
	LLVMValueRef c = is_max ? LLVMBuildFCmp(bld, LLVMRealOLT, a, b, "")
	                        : LLVMBuildFCmp(bld, LLVMRealOLT, b, a, "");

	return LLVMBuildSelect(bld, c, b, a, "");
}

static LLVMValueRef bitselect(jit_fn *f)
{
	LLVMBuilderRef bld = f->u->b;
	LLVMValueRef c = jit_pop(f), b = jit_pop(f), a = jit_pop(f);

	return LLVMBuildOr(bld, LLVMBuildAnd(bld, a, c, ""),
	                   LLVMBuildAnd(bld, b, LLVMBuildNot(bld, c, ""), ""), "");
}

bool jit_simd(jit_fn *f, const wb_instr *in)
{
	jit_unit *unit = f->u;
	LLVMBuilderRef bld = unit->b;
	LLVMValueRef a, b, c, r;
	uint16_t op = in->op;
	uint8_t lane = in->u.lane;
	uint64_t lo, hi;

	if (wb_op_get(op)->imm == WB_IMM_MEMARG ||
	    wb_op_get(op)->imm == WB_IMM_MEMARG_LANE)
		return simd_mem(f, in);

	switch (op) {
	case WB_OP_V128_CONST:
		memcpy(&lo, in->u.bytes, 8);
		memcpy(&hi, in->u.bytes + 8, 8);
		jit_push(f, LLVMConstVector(
			            (LLVMValueRef[]){jit_i64c(unit, lo), jit_i64c(unit, hi)},
			            2));
		return true;
	case WB_OP_I8X16_SHUFFLE: {
		unsigned idx[16] = {0}, i;

		b = pop_as(f, S_I8);
		a = pop_as(f, S_I8);
		for (i = 0; i < 16; i++)
			idx[i] = in->u.bytes[i];
		push_v(f, shuffle(f, a, b, idx, 16));
		return true;
	}
	case WB_OP_I8X16_SWIZZLE:
	case WB_OP_I8X16_RELAXED_SWIZZLE:
		b = pop_as(f, S_I8);
		a = pop_as(f, S_I8);
		push_v(f, swizzle(f, a, b));
		return true;

	case WB_OP_I8X16_SPLAT:
		push_v(f, splat(f, LLVMBuildTrunc(bld, jit_pop(f), unit->t_i8, ""), 16));
		return true;
	case WB_OP_I16X8_SPLAT:
		push_v(f, splat(f, LLVMBuildTrunc(bld, jit_pop(f), unit->t_i16, ""), 8));
		return true;
	case WB_OP_I32X4_SPLAT: case WB_OP_F32X4_SPLAT:
		push_v(f, splat(f, jit_pop(f), 4));
		return true;
	case WB_OP_I64X2_SPLAT: case WB_OP_F64X2_SPLAT:
		push_v(f, splat(f, jit_pop(f), 2));
		return true;

	case WB_OP_I8X16_EXTRACT_LANE_S: case WB_OP_I8X16_EXTRACT_LANE_U:
		a = LLVMBuildExtractElement(bld, pop_as(f, S_I8), jit_i32c(unit, lane),
		                            "");
		jit_push(f, ext(f, a, unit->t_i32, op == WB_OP_I8X16_EXTRACT_LANE_S));
		return true;
	case WB_OP_I16X8_EXTRACT_LANE_S: case WB_OP_I16X8_EXTRACT_LANE_U:
		a = LLVMBuildExtractElement(bld, pop_as(f, S_I16), jit_i32c(unit, lane),
		                            "");
		jit_push(f, ext(f, a, unit->t_i32, op == WB_OP_I16X8_EXTRACT_LANE_S));
		return true;
	case WB_OP_I32X4_EXTRACT_LANE:
		jit_push(f, LLVMBuildExtractElement(bld, pop_as(f, S_I32),
		                                    jit_i32c(unit, lane), ""));
		return true;
	case WB_OP_I64X2_EXTRACT_LANE:
		jit_push(f, LLVMBuildExtractElement(bld, pop_as(f, S_I64),
		                                    jit_i32c(unit, lane), ""));
		return true;
	case WB_OP_F32X4_EXTRACT_LANE:
		jit_push(f, LLVMBuildExtractElement(bld, pop_as(f, S_F32),
		                                    jit_i32c(unit, lane), ""));
		return true;
	case WB_OP_F64X2_EXTRACT_LANE:
		jit_push(f, LLVMBuildExtractElement(bld, pop_as(f, S_F64),
		                                    jit_i32c(unit, lane), ""));
		return true;
	case WB_OP_I8X16_REPLACE_LANE:
		b = LLVMBuildTrunc(bld, jit_pop(f), unit->t_i8, "");
		a = pop_as(f, S_I8);
		push_v(f, LLVMBuildInsertElement(bld, a, b, jit_i32c(unit, lane), ""));
		return true;
	case WB_OP_I16X8_REPLACE_LANE:
		b = LLVMBuildTrunc(bld, jit_pop(f), unit->t_i16, "");
		a = pop_as(f, S_I16);
		push_v(f, LLVMBuildInsertElement(bld, a, b, jit_i32c(unit, lane), ""));
		return true;
	case WB_OP_I32X4_REPLACE_LANE: case WB_OP_I64X2_REPLACE_LANE:
	case WB_OP_F32X4_REPLACE_LANE: case WB_OP_F64X2_REPLACE_LANE: {
		int s = op == WB_OP_I32X4_REPLACE_LANE   ? S_I32
		        : op == WB_OP_I64X2_REPLACE_LANE ? S_I64
		        : op == WB_OP_F32X4_REPLACE_LANE ? S_F32
		                                         : S_F64;

		b = jit_pop(f);
		a = pop_as(f, s);
		push_v(f, LLVMBuildInsertElement(bld, a, b, jit_i32c(unit, lane), ""));
		return true;
	}

	/* comparisons */
	case WB_OP_I8X16_EQ: push_v(f, icmp_v(f, S_I8, LLVMIntEQ)); return true;
	case WB_OP_I8X16_NE: push_v(f, icmp_v(f, S_I8, LLVMIntNE)); return true;
	case WB_OP_I8X16_LT_S: push_v(f, icmp_v(f, S_I8, LLVMIntSLT)); return true;
	case WB_OP_I8X16_LT_U: push_v(f, icmp_v(f, S_I8, LLVMIntULT)); return true;
	case WB_OP_I8X16_GT_S: push_v(f, icmp_v(f, S_I8, LLVMIntSGT)); return true;
	case WB_OP_I8X16_GT_U: push_v(f, icmp_v(f, S_I8, LLVMIntUGT)); return true;
	case WB_OP_I8X16_LE_S: push_v(f, icmp_v(f, S_I8, LLVMIntSLE)); return true;
	case WB_OP_I8X16_LE_U: push_v(f, icmp_v(f, S_I8, LLVMIntULE)); return true;
	case WB_OP_I8X16_GE_S: push_v(f, icmp_v(f, S_I8, LLVMIntSGE)); return true;
	case WB_OP_I8X16_GE_U: push_v(f, icmp_v(f, S_I8, LLVMIntUGE)); return true;
	case WB_OP_I16X8_EQ: push_v(f, icmp_v(f, S_I16, LLVMIntEQ)); return true;
	case WB_OP_I16X8_NE: push_v(f, icmp_v(f, S_I16, LLVMIntNE)); return true;
	case WB_OP_I16X8_LT_S: push_v(f, icmp_v(f, S_I16, LLVMIntSLT)); return true;
	case WB_OP_I16X8_LT_U: push_v(f, icmp_v(f, S_I16, LLVMIntULT)); return true;
	case WB_OP_I16X8_GT_S: push_v(f, icmp_v(f, S_I16, LLVMIntSGT)); return true;
	case WB_OP_I16X8_GT_U: push_v(f, icmp_v(f, S_I16, LLVMIntUGT)); return true;
	case WB_OP_I16X8_LE_S: push_v(f, icmp_v(f, S_I16, LLVMIntSLE)); return true;
	case WB_OP_I16X8_LE_U: push_v(f, icmp_v(f, S_I16, LLVMIntULE)); return true;
	case WB_OP_I16X8_GE_S: push_v(f, icmp_v(f, S_I16, LLVMIntSGE)); return true;
	case WB_OP_I16X8_GE_U: push_v(f, icmp_v(f, S_I16, LLVMIntUGE)); return true;
	case WB_OP_I32X4_EQ: push_v(f, icmp_v(f, S_I32, LLVMIntEQ)); return true;
	case WB_OP_I32X4_NE: push_v(f, icmp_v(f, S_I32, LLVMIntNE)); return true;
	case WB_OP_I32X4_LT_S: push_v(f, icmp_v(f, S_I32, LLVMIntSLT)); return true;
	case WB_OP_I32X4_LT_U: push_v(f, icmp_v(f, S_I32, LLVMIntULT)); return true;
	case WB_OP_I32X4_GT_S: push_v(f, icmp_v(f, S_I32, LLVMIntSGT)); return true;
	case WB_OP_I32X4_GT_U: push_v(f, icmp_v(f, S_I32, LLVMIntUGT)); return true;
	case WB_OP_I32X4_LE_S: push_v(f, icmp_v(f, S_I32, LLVMIntSLE)); return true;
	case WB_OP_I32X4_LE_U: push_v(f, icmp_v(f, S_I32, LLVMIntULE)); return true;
	case WB_OP_I32X4_GE_S: push_v(f, icmp_v(f, S_I32, LLVMIntSGE)); return true;
	case WB_OP_I32X4_GE_U: push_v(f, icmp_v(f, S_I32, LLVMIntUGE)); return true;
	case WB_OP_I64X2_EQ: push_v(f, icmp_v(f, S_I64, LLVMIntEQ)); return true;
	case WB_OP_I64X2_NE: push_v(f, icmp_v(f, S_I64, LLVMIntNE)); return true;
	case WB_OP_I64X2_LT_S: push_v(f, icmp_v(f, S_I64, LLVMIntSLT)); return true;
	case WB_OP_I64X2_GT_S: push_v(f, icmp_v(f, S_I64, LLVMIntSGT)); return true;
	case WB_OP_I64X2_LE_S: push_v(f, icmp_v(f, S_I64, LLVMIntSLE)); return true;
	case WB_OP_I64X2_GE_S: push_v(f, icmp_v(f, S_I64, LLVMIntSGE)); return true;
	case WB_OP_F32X4_EQ: push_v(f, fcmp_v(f, S_F32, LLVMRealOEQ)); return true;
	case WB_OP_F32X4_NE: push_v(f, fcmp_v(f, S_F32, LLVMRealUNE)); return true;
	case WB_OP_F32X4_LT: push_v(f, fcmp_v(f, S_F32, LLVMRealOLT)); return true;
	case WB_OP_F32X4_GT: push_v(f, fcmp_v(f, S_F32, LLVMRealOGT)); return true;
	case WB_OP_F32X4_LE: push_v(f, fcmp_v(f, S_F32, LLVMRealOLE)); return true;
	case WB_OP_F32X4_GE: push_v(f, fcmp_v(f, S_F32, LLVMRealOGE)); return true;
	case WB_OP_F64X2_EQ: push_v(f, fcmp_v(f, S_F64, LLVMRealOEQ)); return true;
	case WB_OP_F64X2_NE: push_v(f, fcmp_v(f, S_F64, LLVMRealUNE)); return true;
	case WB_OP_F64X2_LT: push_v(f, fcmp_v(f, S_F64, LLVMRealOLT)); return true;
	case WB_OP_F64X2_GT: push_v(f, fcmp_v(f, S_F64, LLVMRealOGT)); return true;
	case WB_OP_F64X2_LE: push_v(f, fcmp_v(f, S_F64, LLVMRealOLE)); return true;
	case WB_OP_F64X2_GE: push_v(f, fcmp_v(f, S_F64, LLVMRealOGE)); return true;

	/* bitwise */
	case WB_OP_V128_NOT:
		jit_push(f, LLVMBuildNot(bld, jit_pop(f), ""));
		return true;
	case WB_OP_V128_AND:
		push_v(f, bin(f, S_I64, LLVMAnd));
		return true;
	case WB_OP_V128_ANDNOT:
		b = jit_pop(f);
		a = jit_pop(f);
		jit_push(f, LLVMBuildAnd(bld, a, LLVMBuildNot(bld, b, ""), ""));
		return true;
	case WB_OP_V128_OR:
		push_v(f, bin(f, S_I64, LLVMOr));
		return true;
	case WB_OP_V128_XOR:
		push_v(f, bin(f, S_I64, LLVMXor));
		return true;
	case WB_OP_V128_BITSELECT:
	case WB_OP_I8X16_RELAXED_LANESELECT:
	case WB_OP_I16X8_RELAXED_LANESELECT:
	case WB_OP_I32X4_RELAXED_LANESELECT:
	case WB_OP_I64X2_RELAXED_LANESELECT:
		jit_push(f, bitselect(f));
		return true;
	case WB_OP_V128_ANY_TRUE:
		a = LLVMBuildBitCast(bld, jit_pop(f), unit->t_i128, "");
		jit_push(f, LLVMBuildZExt(bld, LLVMBuildICmp(bld, LLVMIntNE, a,
		                                           LLVMConstNull(unit->t_i128),
		                                           ""),
		                          unit->t_i32, ""));
		return true;

	/* integer lanes */
	case WB_OP_I8X16_ABS: case WB_OP_I16X8_ABS: case WB_OP_I32X4_ABS:
	case WB_OP_I64X2_ABS: {
		int s = op == WB_OP_I8X16_ABS   ? S_I8
		        : op == WB_OP_I16X8_ABS ? S_I16
		        : op == WB_OP_I32X4_ABS ? S_I32
		                                : S_I64;
		LLVMValueRef args[2];

		args[0] = pop_as(f, s);
		args[1] = LLVMConstInt(unit->t_i1, 0, 0);
		push_v(f, intr(f, "llvm.abs", args, 2));
		return true;
	}
	case WB_OP_I8X16_NEG: case WB_OP_I16X8_NEG: case WB_OP_I32X4_NEG:
	case WB_OP_I64X2_NEG: {
		int s = op == WB_OP_I8X16_NEG   ? S_I8
		        : op == WB_OP_I16X8_NEG ? S_I16
		        : op == WB_OP_I32X4_NEG ? S_I32
		                                : S_I64;

		a = pop_as(f, s);
		push_v(f, LLVMBuildSub(bld, LLVMConstNull(LLVMTypeOf(a)), a, ""));
		return true;
	}
	case WB_OP_I8X16_POPCNT:
		push_v(f, intr1(f, "llvm.ctpop", pop_as(f, S_I8)));
		return true;
	case WB_OP_I8X16_ALL_TRUE: jit_push(f, all_true(f, S_I8)); return true;
	case WB_OP_I16X8_ALL_TRUE: jit_push(f, all_true(f, S_I16)); return true;
	case WB_OP_I32X4_ALL_TRUE: jit_push(f, all_true(f, S_I32)); return true;
	case WB_OP_I64X2_ALL_TRUE: jit_push(f, all_true(f, S_I64)); return true;
	case WB_OP_I8X16_BITMASK: jit_push(f, bitmask(f, S_I8)); return true;
	case WB_OP_I16X8_BITMASK: jit_push(f, bitmask(f, S_I16)); return true;
	case WB_OP_I32X4_BITMASK: jit_push(f, bitmask(f, S_I32)); return true;
	case WB_OP_I64X2_BITMASK: jit_push(f, bitmask(f, S_I64)); return true;
	case WB_OP_I8X16_NARROW_I16X8_S: case WB_OP_I8X16_NARROW_I16X8_U:
		b = pop_as(f, S_I16);
		a = pop_as(f, S_I16);
		push_v(f, narrow(f, a, b, op == WB_OP_I8X16_NARROW_I16X8_S));
		return true;
	case WB_OP_I16X8_NARROW_I32X4_S: case WB_OP_I16X8_NARROW_I32X4_U:
		b = pop_as(f, S_I32);
		a = pop_as(f, S_I32);
		push_v(f, narrow(f, a, b, op == WB_OP_I16X8_NARROW_I32X4_S));
		return true;
	case WB_OP_I8X16_SHL: push_v(f, vshift(f, S_I8, LLVMShl)); return true;
	case WB_OP_I8X16_SHR_S: push_v(f, vshift(f, S_I8, LLVMAShr)); return true;
	case WB_OP_I8X16_SHR_U: push_v(f, vshift(f, S_I8, LLVMLShr)); return true;
	case WB_OP_I16X8_SHL: push_v(f, vshift(f, S_I16, LLVMShl)); return true;
	case WB_OP_I16X8_SHR_S: push_v(f, vshift(f, S_I16, LLVMAShr)); return true;
	case WB_OP_I16X8_SHR_U: push_v(f, vshift(f, S_I16, LLVMLShr)); return true;
	case WB_OP_I32X4_SHL: push_v(f, vshift(f, S_I32, LLVMShl)); return true;
	case WB_OP_I32X4_SHR_S: push_v(f, vshift(f, S_I32, LLVMAShr)); return true;
	case WB_OP_I32X4_SHR_U: push_v(f, vshift(f, S_I32, LLVMLShr)); return true;
	case WB_OP_I64X2_SHL: push_v(f, vshift(f, S_I64, LLVMShl)); return true;
	case WB_OP_I64X2_SHR_S: push_v(f, vshift(f, S_I64, LLVMAShr)); return true;
	case WB_OP_I64X2_SHR_U: push_v(f, vshift(f, S_I64, LLVMLShr)); return true;
	case WB_OP_I8X16_ADD: push_v(f, bin(f, S_I8, LLVMAdd)); return true;
	case WB_OP_I8X16_SUB: push_v(f, bin(f, S_I8, LLVMSub)); return true;
	case WB_OP_I16X8_ADD: push_v(f, bin(f, S_I16, LLVMAdd)); return true;
	case WB_OP_I16X8_SUB: push_v(f, bin(f, S_I16, LLVMSub)); return true;
	case WB_OP_I16X8_MUL: push_v(f, bin(f, S_I16, LLVMMul)); return true;
	case WB_OP_I32X4_ADD: push_v(f, bin(f, S_I32, LLVMAdd)); return true;
	case WB_OP_I32X4_SUB: push_v(f, bin(f, S_I32, LLVMSub)); return true;
	case WB_OP_I32X4_MUL: push_v(f, bin(f, S_I32, LLVMMul)); return true;
	case WB_OP_I64X2_ADD: push_v(f, bin(f, S_I64, LLVMAdd)); return true;
	case WB_OP_I64X2_SUB: push_v(f, bin(f, S_I64, LLVMSub)); return true;
	case WB_OP_I64X2_MUL: push_v(f, bin(f, S_I64, LLVMMul)); return true;
	case WB_OP_I8X16_ADD_SAT_S: push_v(f, bin_intr(f, S_I8, "llvm.sadd.sat")); return true;
	case WB_OP_I8X16_ADD_SAT_U: push_v(f, bin_intr(f, S_I8, "llvm.uadd.sat")); return true;
	case WB_OP_I8X16_SUB_SAT_S: push_v(f, bin_intr(f, S_I8, "llvm.ssub.sat")); return true;
	case WB_OP_I8X16_SUB_SAT_U: push_v(f, bin_intr(f, S_I8, "llvm.usub.sat")); return true;
	case WB_OP_I16X8_ADD_SAT_S: push_v(f, bin_intr(f, S_I16, "llvm.sadd.sat")); return true;
	case WB_OP_I16X8_ADD_SAT_U: push_v(f, bin_intr(f, S_I16, "llvm.uadd.sat")); return true;
	case WB_OP_I16X8_SUB_SAT_S: push_v(f, bin_intr(f, S_I16, "llvm.ssub.sat")); return true;
	case WB_OP_I16X8_SUB_SAT_U: push_v(f, bin_intr(f, S_I16, "llvm.usub.sat")); return true;
	case WB_OP_I8X16_MIN_S: push_v(f, bin_intr(f, S_I8, "llvm.smin")); return true;
	case WB_OP_I8X16_MIN_U: push_v(f, bin_intr(f, S_I8, "llvm.umin")); return true;
	case WB_OP_I8X16_MAX_S: push_v(f, bin_intr(f, S_I8, "llvm.smax")); return true;
	case WB_OP_I8X16_MAX_U: push_v(f, bin_intr(f, S_I8, "llvm.umax")); return true;
	case WB_OP_I16X8_MIN_S: push_v(f, bin_intr(f, S_I16, "llvm.smin")); return true;
	case WB_OP_I16X8_MIN_U: push_v(f, bin_intr(f, S_I16, "llvm.umin")); return true;
	case WB_OP_I16X8_MAX_S: push_v(f, bin_intr(f, S_I16, "llvm.smax")); return true;
	case WB_OP_I16X8_MAX_U: push_v(f, bin_intr(f, S_I16, "llvm.umax")); return true;
	case WB_OP_I32X4_MIN_S: push_v(f, bin_intr(f, S_I32, "llvm.smin")); return true;
	case WB_OP_I32X4_MIN_U: push_v(f, bin_intr(f, S_I32, "llvm.umin")); return true;
	case WB_OP_I32X4_MAX_S: push_v(f, bin_intr(f, S_I32, "llvm.smax")); return true;
	case WB_OP_I32X4_MAX_U: push_v(f, bin_intr(f, S_I32, "llvm.umax")); return true;
	case WB_OP_I8X16_AVGR_U: push_v(f, avgr(f, S_I8)); return true;
	case WB_OP_I16X8_AVGR_U: push_v(f, avgr(f, S_I16)); return true;
	case WB_OP_I16X8_EXTADD_PAIRWISE_I8X16_S:
	case WB_OP_I16X8_EXTADD_PAIRWISE_I8X16_U:
		push_v(f, extadd_pairwise(f, pop_as(f, S_I8),
		                          op == WB_OP_I16X8_EXTADD_PAIRWISE_I8X16_S));
		return true;
	case WB_OP_I32X4_EXTADD_PAIRWISE_I16X8_S:
	case WB_OP_I32X4_EXTADD_PAIRWISE_I16X8_U:
		push_v(f, extadd_pairwise(f, pop_as(f, S_I16),
		                          op == WB_OP_I32X4_EXTADD_PAIRWISE_I16X8_S));
		return true;
	case WB_OP_I16X8_Q15MULR_SAT_S:
	case WB_OP_I16X8_RELAXED_Q15MULR_S:
		b = pop_as(f, S_I16);
		a = pop_as(f, S_I16);
		push_v(f, q15mulr(f, a, b));
		return true;
	case WB_OP_I16X8_EXTEND_LOW_I8X16_S:
		push_v(f, extend(f, pop_as(f, S_I8), false, true)); return true;
	case WB_OP_I16X8_EXTEND_HIGH_I8X16_S:
		push_v(f, extend(f, pop_as(f, S_I8), true, true)); return true;
	case WB_OP_I16X8_EXTEND_LOW_I8X16_U:
		push_v(f, extend(f, pop_as(f, S_I8), false, false)); return true;
	case WB_OP_I16X8_EXTEND_HIGH_I8X16_U:
		push_v(f, extend(f, pop_as(f, S_I8), true, false)); return true;
	case WB_OP_I32X4_EXTEND_LOW_I16X8_S:
		push_v(f, extend(f, pop_as(f, S_I16), false, true)); return true;
	case WB_OP_I32X4_EXTEND_HIGH_I16X8_S:
		push_v(f, extend(f, pop_as(f, S_I16), true, true)); return true;
	case WB_OP_I32X4_EXTEND_LOW_I16X8_U:
		push_v(f, extend(f, pop_as(f, S_I16), false, false)); return true;
	case WB_OP_I32X4_EXTEND_HIGH_I16X8_U:
		push_v(f, extend(f, pop_as(f, S_I16), true, false)); return true;
	case WB_OP_I64X2_EXTEND_LOW_I32X4_S:
		push_v(f, extend(f, pop_as(f, S_I32), false, true)); return true;
	case WB_OP_I64X2_EXTEND_HIGH_I32X4_S:
		push_v(f, extend(f, pop_as(f, S_I32), true, true)); return true;
	case WB_OP_I64X2_EXTEND_LOW_I32X4_U:
		push_v(f, extend(f, pop_as(f, S_I32), false, false)); return true;
	case WB_OP_I64X2_EXTEND_HIGH_I32X4_U:
		push_v(f, extend(f, pop_as(f, S_I32), true, false)); return true;
	case WB_OP_I16X8_EXTMUL_LOW_I8X16_S: push_v(f, extmul(f, S_I8, false, true)); return true;
	case WB_OP_I16X8_EXTMUL_HIGH_I8X16_S: push_v(f, extmul(f, S_I8, true, true)); return true;
	case WB_OP_I16X8_EXTMUL_LOW_I8X16_U: push_v(f, extmul(f, S_I8, false, false)); return true;
	case WB_OP_I16X8_EXTMUL_HIGH_I8X16_U: push_v(f, extmul(f, S_I8, true, false)); return true;
	case WB_OP_I32X4_EXTMUL_LOW_I16X8_S: push_v(f, extmul(f, S_I16, false, true)); return true;
	case WB_OP_I32X4_EXTMUL_HIGH_I16X8_S: push_v(f, extmul(f, S_I16, true, true)); return true;
	case WB_OP_I32X4_EXTMUL_LOW_I16X8_U: push_v(f, extmul(f, S_I16, false, false)); return true;
	case WB_OP_I32X4_EXTMUL_HIGH_I16X8_U: push_v(f, extmul(f, S_I16, true, false)); return true;
	case WB_OP_I64X2_EXTMUL_LOW_I32X4_S: push_v(f, extmul(f, S_I32, false, true)); return true;
	case WB_OP_I64X2_EXTMUL_HIGH_I32X4_S: push_v(f, extmul(f, S_I32, true, true)); return true;
	case WB_OP_I64X2_EXTMUL_LOW_I32X4_U: push_v(f, extmul(f, S_I32, false, false)); return true;
	case WB_OP_I64X2_EXTMUL_HIGH_I32X4_U: push_v(f, extmul(f, S_I32, true, false)); return true;
	case WB_OP_I32X4_DOT_I16X8_S: {
		LLVMTypeRef w8 = vec_of(f, unit->t_i32, 8);

		b = LLVMBuildSExt(bld, pop_as(f, S_I16), w8, "");
		a = LLVMBuildSExt(bld, pop_as(f, S_I16), w8, "");
		r = LLVMBuildMul(bld, a, b, "");
		push_v(f, LLVMBuildAdd(bld, strided(f, r, 0, 4), strided(f, r, 1, 4),
		                       ""));
		return true;
	}
	case WB_OP_I16X8_RELAXED_DOT_I8X16_I7X16_S:
		b = pop_as(f, S_I8);
		a = pop_as(f, S_I8);
		push_v(f, dot_i8(f, a, b));
		return true;
	case WB_OP_I32X4_RELAXED_DOT_I8X16_I7X16_ADD_S:
		c = pop_as(f, S_I32);
		b = pop_as(f, S_I8);
		a = pop_as(f, S_I8);
		r = extadd_pairwise(f, dot_i8(f, a, b), true);
		push_v(f, LLVMBuildAdd(bld, r, c, ""));
		return true;

	/* float lanes */
	case WB_OP_F32X4_ABS: push_v(f, intr1(f, "llvm.fabs", pop_as(f, S_F32))); return true;
	case WB_OP_F64X2_ABS: push_v(f, intr1(f, "llvm.fabs", pop_as(f, S_F64))); return true;
	case WB_OP_F32X4_NEG: push_v(f, LLVMBuildFNeg(bld, pop_as(f, S_F32), "")); return true;
	case WB_OP_F64X2_NEG: push_v(f, LLVMBuildFNeg(bld, pop_as(f, S_F64), "")); return true;
	case WB_OP_F32X4_SQRT: push_v(f, intr1(f, "llvm.sqrt", pop_as(f, S_F32))); return true;
	case WB_OP_F64X2_SQRT: push_v(f, intr1(f, "llvm.sqrt", pop_as(f, S_F64))); return true;
	case WB_OP_F32X4_CEIL: push_v(f, intr1(f, "llvm.ceil", pop_as(f, S_F32))); return true;
	case WB_OP_F64X2_CEIL: push_v(f, intr1(f, "llvm.ceil", pop_as(f, S_F64))); return true;
	case WB_OP_F32X4_FLOOR: push_v(f, intr1(f, "llvm.floor", pop_as(f, S_F32))); return true;
	case WB_OP_F64X2_FLOOR: push_v(f, intr1(f, "llvm.floor", pop_as(f, S_F64))); return true;
	case WB_OP_F32X4_TRUNC: push_v(f, intr1(f, "llvm.trunc", pop_as(f, S_F32))); return true;
	case WB_OP_F64X2_TRUNC: push_v(f, intr1(f, "llvm.trunc", pop_as(f, S_F64))); return true;
	case WB_OP_F32X4_NEAREST: push_v(f, intr1(f, "llvm.roundeven", pop_as(f, S_F32))); return true;
	case WB_OP_F64X2_NEAREST: push_v(f, intr1(f, "llvm.roundeven", pop_as(f, S_F64))); return true;
	case WB_OP_F32X4_ADD: push_v(f, bin(f, S_F32, LLVMFAdd)); return true;
	case WB_OP_F32X4_SUB: push_v(f, bin(f, S_F32, LLVMFSub)); return true;
	case WB_OP_F32X4_MUL: push_v(f, bin(f, S_F32, LLVMFMul)); return true;
	case WB_OP_F32X4_DIV: push_v(f, bin(f, S_F32, LLVMFDiv)); return true;
	case WB_OP_F64X2_ADD: push_v(f, bin(f, S_F64, LLVMFAdd)); return true;
	case WB_OP_F64X2_SUB: push_v(f, bin(f, S_F64, LLVMFSub)); return true;
	case WB_OP_F64X2_MUL: push_v(f, bin(f, S_F64, LLVMFMul)); return true;
	case WB_OP_F64X2_DIV: push_v(f, bin(f, S_F64, LLVMFDiv)); return true;
	case WB_OP_F32X4_MIN: case WB_OP_F32X4_RELAXED_MIN:
	case WB_OP_F32X4_MAX: case WB_OP_F32X4_RELAXED_MAX:
		b = pop_as(f, S_F32);
		a = pop_as(f, S_F32);
		push_v(f, jit_fminmax(f, a, b,
		                      op == WB_OP_F32X4_MAX ||
		                              op == WB_OP_F32X4_RELAXED_MAX));
		return true;
	case WB_OP_F64X2_MIN: case WB_OP_F64X2_RELAXED_MIN:
	case WB_OP_F64X2_MAX: case WB_OP_F64X2_RELAXED_MAX:
		b = pop_as(f, S_F64);
		a = pop_as(f, S_F64);
		push_v(f, jit_fminmax(f, a, b,
		                      op == WB_OP_F64X2_MAX ||
		                              op == WB_OP_F64X2_RELAXED_MAX));
		return true;
	case WB_OP_F32X4_PMIN: push_v(f, pminmax(f, S_F32, false)); return true;
	case WB_OP_F32X4_PMAX: push_v(f, pminmax(f, S_F32, true)); return true;
	case WB_OP_F64X2_PMIN: push_v(f, pminmax(f, S_F64, false)); return true;
	case WB_OP_F64X2_PMAX: push_v(f, pminmax(f, S_F64, true)); return true;
	case WB_OP_F32X4_RELAXED_MADD: case WB_OP_F32X4_RELAXED_NMADD:
	case WB_OP_F64X2_RELAXED_MADD: case WB_OP_F64X2_RELAXED_NMADD: {
		int s = op == WB_OP_F32X4_RELAXED_MADD ||
		                op == WB_OP_F32X4_RELAXED_NMADD
		        ? S_F32
		        : S_F64;

		c = pop_as(f, s);
		b = pop_as(f, s);
		a = pop_as(f, s);
		r = LLVMBuildFMul(bld, a, b, "");
		if (op == WB_OP_F32X4_RELAXED_NMADD ||
		    op == WB_OP_F64X2_RELAXED_NMADD)
			r = LLVMBuildFNeg(bld, r, "");
		push_v(f, LLVMBuildFAdd(bld, r, c, ""));
		return true;
	}

	/* conversions */
	case WB_OP_I32X4_TRUNC_SAT_F32X4_S:
	case WB_OP_I32X4_RELAXED_TRUNC_F32X4_S:
		push_v(f, trunc_sat_v(f, pop_as(f, S_F32), unit->t_i32x4, true));
		return true;
	case WB_OP_I32X4_TRUNC_SAT_F32X4_U:
	case WB_OP_I32X4_RELAXED_TRUNC_F32X4_U:
		push_v(f, trunc_sat_v(f, pop_as(f, S_F32), unit->t_i32x4, false));
		return true;
	case WB_OP_I32X4_TRUNC_SAT_F64X2_S_ZERO:
	case WB_OP_I32X4_RELAXED_TRUNC_F64X2_S_ZERO:
	case WB_OP_I32X4_TRUNC_SAT_F64X2_U_ZERO:
	case WB_OP_I32X4_RELAXED_TRUNC_F64X2_U_ZERO:
		r = trunc_sat_v(f, pop_as(f, S_F64), vec_of(f, unit->t_i32, 2),
		                op == WB_OP_I32X4_TRUNC_SAT_F64X2_S_ZERO ||
		                        op == WB_OP_I32X4_RELAXED_TRUNC_F64X2_S_ZERO);
		push_v(f, zero_extend_lanes(f, r));
		return true;
	case WB_OP_F32X4_CONVERT_I32X4_S:
		push_v(f, LLVMBuildSIToFP(bld, pop_as(f, S_I32), unit->t_f32x4, ""));
		return true;
	case WB_OP_F32X4_CONVERT_I32X4_U:
		push_v(f, LLVMBuildUIToFP(bld, pop_as(f, S_I32), unit->t_f32x4, ""));
		return true;
	case WB_OP_F64X2_CONVERT_LOW_I32X4_S:
		push_v(f, LLVMBuildSIToFP(bld, half(f, pop_as(f, S_I32), 0, 2),
		                          unit->t_f64x2, ""));
		return true;
	case WB_OP_F64X2_CONVERT_LOW_I32X4_U:
		push_v(f, LLVMBuildUIToFP(bld, half(f, pop_as(f, S_I32), 0, 2),
		                          unit->t_f64x2, ""));
		return true;
	case WB_OP_F32X4_DEMOTE_F64X2_ZERO:
		r = LLVMBuildFPTrunc(bld, pop_as(f, S_F64), vec_of(f, unit->t_f32, 2), "");
		push_v(f, zero_extend_lanes(f, r));
		return true;
	case WB_OP_F64X2_PROMOTE_LOW_F32X4:
		push_v(f, LLVMBuildFPExt(bld, half(f, pop_as(f, S_F32), 0, 2),
		                         unit->t_f64x2, ""));
		return true;
	default:
		return false;
	}
}
