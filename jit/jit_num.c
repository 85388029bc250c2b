/*
 * jit_num.c - scalar numeric instructions: constants, comparisons, integer
 * and float arithmetic, conversions, sign extension, saturating
 * truncation, wide arithmetic.
 *
 * Exact wasm semantics: division and trapping truncation check their
 * operands and call the trap service; shift counts are masked; min/max are
 * lowered by hand (NaN propagation, -0 < +0) instead of llvm.minimum /
 * llvm.maximum; LLVM's identities that would drop the quieting of a
 * signalling NaN (x - 0, x * 1, x / 1, fptrunc(fpext x)) are kept from
 * firing by passing the constant through an opaque copy.
 */
#include <math.h>
#include <string.h>

#include "jit_int.h"

static LLVMValueRef cmp_result(jit_fn *f, LLVMValueRef c)
{
	jit_unit *unit = f->u;
	LLVMBuilderRef bld = unit->b;
	return LLVMBuildZExt(bld, c, unit->t_i32, "");
}

LLVMValueRef jit_opaque(jit_fn *f, LLVMValueRef v)
{
	LLVMBuilderRef bld = f->u->b;
	LLVMTypeRef ty = LLVMTypeOf(v);
	LLVMTypeRef fty = LLVMFunctionType(ty, &ty, 1, 0);
	LLVMValueRef asmv = LLVMGetInlineAsm(fty, "", 0, "=x,0", 4, 0, 0,
	                                     LLVMInlineAsmDialectATT, 0);

	return LLVMBuildCall2(bld, fty, asmv, &v, 1, "");
}

/* A float constant whose identities could hide a NaN's quieting. */
static bool risky_const(LLVMValueRef v)
{
	LLVMBool lossy;
	double d;

	if (!LLVMIsAConstantFP(v))
		return false;
	d = LLVMConstRealGetDouble(v, &lossy);
	return d == 0.0 || d == 1.0 || d == -1.0;
}

static LLVMValueRef fbin(jit_fn *f, LLVMOpcode op, LLVMValueRef a,
                         LLVMValueRef b)
{
	LLVMBuilderRef bld = f->u->b;
	if (risky_const(a))
		a = jit_opaque(f, a);
	if (risky_const(b))
		b = jit_opaque(f, b);
	return LLVMBuildBinOp(bld, op, a, b, "");
}

static LLVMTypeRef int_of(jit_fn *f, LLVMTypeRef t)
{
	jit_unit *unit = f->u;
	if (LLVMGetTypeKind(t) == LLVMVectorTypeKind) {
		LLVMTypeRef e = LLVMGetElementType(t);

		return LLVMVectorType(e == unit->t_f32 ? unit->t_i32 : unit->t_i64,
		                      LLVMGetVectorSize(t));
	}
	return t == unit->t_f32 ? unit->t_i32 : unit->t_i64;
}

LLVMValueRef jit_fminmax(jit_fn *f, LLVMValueRef a, LLVMValueRef b,
                         bool is_max)
{
	LLVMBuilderRef bld = f->u->b;
	LLVMTypeRef ty = LLVMTypeOf(a), it = int_of(f, ty);
	LLVMValueRef uno, nan, eq, ia, ib, eqv, lt, r;

	uno = LLVMBuildFCmp(bld, LLVMRealUNO, a, b, "");
	nan = LLVMBuildFAdd(bld, a, b, "");
	eq = LLVMBuildFCmp(bld, LLVMRealOEQ, a, b, "");
	ia = LLVMBuildBitCast(bld, a, it, "");
	ib = LLVMBuildBitCast(bld, b, it, "");
	eqv = is_max ? LLVMBuildAnd(bld, ia, ib, "") : LLVMBuildOr(bld, ia, ib, "");
	eqv = LLVMBuildBitCast(bld, eqv, ty, "");
	lt = LLVMBuildFCmp(bld, is_max ? LLVMRealOGT : LLVMRealOLT, a, b, "");
	r = LLVMBuildSelect(bld, lt, a, b, "");
	r = LLVMBuildSelect(bld, eq, eqv, r, "");
	return LLVMBuildSelect(bld, uno, nan, r, "");
}

static LLVMValueRef intr1(jit_fn *f, const char *name, LLVMValueRef a)
{
	jit_unit *unit = f->u;
	return jit_call_intr(unit, name, LLVMTypeOf(a), &a, 1);
}

static LLVMValueRef bitcount(jit_fn *f, const char *name, LLVMValueRef a)
{
	jit_unit *unit = f->u;
	LLVMValueRef args[2] = {a, LLVMConstInt(unit->t_i1, 0, 0)};

	return jit_call_intr(unit, name, LLVMTypeOf(a), args, 2);
}

static LLVMValueRef rotate(jit_fn *f, const char *name, LLVMValueRef a,
                           LLVMValueRef b)
{
	jit_unit *unit = f->u;
	LLVMValueRef args[3] = {a, a, b};

	return jit_call_intr(unit, name, LLVMTypeOf(a), args, 3);
}

static LLVMValueRef shift_mask(jit_fn *f, LLVMValueRef b)
{
	LLVMBuilderRef bld = f->u->b;
	unsigned w = LLVMGetIntTypeWidth(LLVMTypeOf(b));

	return LLVMBuildAnd(bld, b, LLVMConstInt(LLVMTypeOf(b), w - 1, 0), "");
}

static bool is_const_int(LLVMValueRef v, int64_t *ret)
{
	if (!LLVMIsAConstantInt(v))
		return false;
	*ret = LLVMConstIntGetSExtValue(v);
	return true;
}

static LLVMValueRef int_div(jit_fn *f, LLVMValueRef a, LLVMValueRef b,
                            bool is_signed, bool is_rem)
{
	jit_unit *unit = f->u;
	LLVMBuilderRef bld = unit->b;
	LLVMTypeRef ty = LLVMTypeOf(a);
	unsigned w = LLVMGetIntTypeWidth(ty);
	LLVMValueRef zero = LLVMConstNull(ty);
	LLVMValueRef minus1 = LLVMConstAllOnes(ty);
	LLVMValueRef minv = LLVMConstInt(ty, 1ull << (w - 1), 0);
	int64_t cb;
	bool known = is_const_int(b, &cb);

	if (!known || cb == 0)
		jit_trap_if(f, LLVMBuildICmp(bld, LLVMIntEQ, b, zero, ""),
		            RT_TRAP_INT_DIV_ZERO);
	if (unit->failed || (known && cb == 0))
		return LLVMGetUndef(ty);
	if (!is_signed)
		return is_rem ? LLVMBuildURem(bld, a, b, "")
		              : LLVMBuildUDiv(bld, a, b, "");
	if (!is_rem) {
		if (!known || cb == -1)
			jit_trap_if(
				f,
				LLVMBuildAnd(bld,
				             LLVMBuildICmp(bld, LLVMIntEQ, a, minv, ""),
				             LLVMBuildICmp(bld, LLVMIntEQ, b, minus1, ""),
				             ""),
				RT_TRAP_INT_OVERFLOW);
		return LLVMBuildSDiv(bld, a, b, "");
	}
	/* x rem -1 = 0 (and INT_MIN srem -1 is undefined in LLVM): divide
	 * by 1 instead */
	if (!known || cb == -1)
		b = LLVMBuildSelect(bld, LLVMBuildICmp(bld, LLVMIntEQ, b, minus1, ""),
		                    LLVMConstInt(ty, 1, 0), b, "");
	return LLVMBuildSRem(bld, a, b, "");
}

static LLVMValueRef fconst(jit_fn *f, LLVMTypeRef ty, double d)
{
	(void)f;
	return LLVMConstReal(ty, d);
}

/* Trapping float -> int truncation. */
static LLVMValueRef trunc_trap(jit_fn *f, LLVMValueRef x, LLVMTypeRef rt,
                               bool is_signed)
{
	jit_unit *unit = f->u;
	LLVMBuilderRef bld = unit->b;
	LLVMTypeRef ft = LLVMTypeOf(x);
	bool r64 = rt == unit->t_i64, f64 = ft == unit->t_f64;
	double lo, hi;
	bool lo_incl;
	LLVMValueRef ok;

	jit_trap_if(f, LLVMBuildFCmp(bld, LLVMRealUNO, x, x, ""),
	            RT_TRAP_INVALID_CONVERSION);
	if (is_signed) {
		hi = r64 ? 9223372036854775808.0 : 2147483648.0;
		if (r64 || !f64) {
			lo = -hi;
			lo_incl = true;
		} else {
			lo = -2147483649.0;
			lo_incl = false;
		}
	} else {
		hi = r64 ? 18446744073709551616.0 : 4294967296.0;
		lo = -1.0;
		lo_incl = false;
	}
	ok = LLVMBuildAnd(
		bld,
		LLVMBuildFCmp(bld, lo_incl ? LLVMRealOGE : LLVMRealOGT, x,
		              fconst(f, ft, lo), ""),
		LLVMBuildFCmp(bld, LLVMRealOLT, x, fconst(f, ft, hi), ""), "");
	jit_trap_if(f, LLVMBuildNot(bld, ok, ""), RT_TRAP_INT_OVERFLOW);
	return is_signed ? LLVMBuildFPToSI(bld, x, rt, "")
	                 : LLVMBuildFPToUI(bld, x, rt, "");
}

static LLVMValueRef trunc_sat(jit_fn *f, LLVMValueRef x, LLVMTypeRef rt,
                              bool is_signed)
{
	jit_unit *unit = f->u;
	LLVMTypeRef tys[2] = {rt, LLVMTypeOf(x)};

	return jit_call_intr2(unit, is_signed ? "llvm.fptosi.sat"
	                                   : "llvm.fptoui.sat",
	                      tys, 2, &x, 1);
}

static LLVMValueRef to_i128(jit_fn *f, LLVMValueRef lo, LLVMValueRef hi)
{
	jit_unit *unit = f->u;
	LLVMBuilderRef bld = unit->b;
	LLVMValueRef l = LLVMBuildZExt(bld, lo, unit->t_i128, "");
	LLVMValueRef h = LLVMBuildZExt(bld, hi, unit->t_i128, "");

	h = LLVMBuildShl(bld, h, LLVMConstInt(unit->t_i128, 64, 0), "");
	return LLVMBuildOr(bld, l, h, "");
}

static void push_i128(jit_fn *f, LLVMValueRef v)
{
	jit_unit *unit = f->u;
	LLVMBuilderRef bld = unit->b;
	jit_push(f, LLVMBuildTrunc(bld, v, unit->t_i64, ""));
	jit_push(f, LLVMBuildTrunc(
		            bld, LLVMBuildLShr(bld, v, LLVMConstInt(unit->t_i128, 64, 0), ""),
		            unit->t_i64, ""));
}

static LLVMValueRef sext_from(jit_fn *f, LLVMValueRef v, LLVMTypeRef narrow)
{
	LLVMBuilderRef bld = f->u->b;
	return LLVMBuildSExt(bld, LLVMBuildTrunc(bld, v, narrow, ""), LLVMTypeOf(v),
	                     "");
}

bool jit_numeric(jit_fn *f, const wb_instr *in)
{
	jit_unit *unit = f->u;
	LLVMBuilderRef bld = unit->b;
	LLVMValueRef a, b, r;
	LLVMIntPredicate ip;
	LLVMRealPredicate fp;
	uint16_t op = in->op;

	switch (op) {
	case WB_OP_I32_CONST:
		jit_push(f, LLVMConstInt(unit->t_i32, (uint32_t)in->u.i32, 0));
		return true;
	case WB_OP_I64_CONST:
		jit_push(f, LLVMConstInt(unit->t_i64, (uint64_t)in->u.i64, 0));
		return true;
	case WB_OP_F32_CONST:
		jit_push(f, LLVMConstBitCast(LLVMConstInt(unit->t_i32, in->u.f32, 0),
		                             unit->t_f32));
		return true;
	case WB_OP_F64_CONST:
		jit_push(f, LLVMConstBitCast(LLVMConstInt(unit->t_i64, in->u.f64, 0),
		                             unit->t_f64));
		return true;

	case WB_OP_I32_EQZ:
	case WB_OP_I64_EQZ:
		a = jit_pop(f);
		jit_push(f, cmp_result(f, LLVMBuildICmp(bld, LLVMIntEQ, a,
		                                        LLVMConstNull(LLVMTypeOf(a)),
		                                        "")));
		return true;
	case WB_OP_I32_EQ: case WB_OP_I64_EQ: ip = LLVMIntEQ; goto icmp;
	case WB_OP_I32_NE: case WB_OP_I64_NE: ip = LLVMIntNE; goto icmp;
	case WB_OP_I32_LT_S: case WB_OP_I64_LT_S: ip = LLVMIntSLT; goto icmp;
	case WB_OP_I32_LT_U: case WB_OP_I64_LT_U: ip = LLVMIntULT; goto icmp;
	case WB_OP_I32_GT_S: case WB_OP_I64_GT_S: ip = LLVMIntSGT; goto icmp;
	case WB_OP_I32_GT_U: case WB_OP_I64_GT_U: ip = LLVMIntUGT; goto icmp;
	case WB_OP_I32_LE_S: case WB_OP_I64_LE_S: ip = LLVMIntSLE; goto icmp;
	case WB_OP_I32_LE_U: case WB_OP_I64_LE_U: ip = LLVMIntULE; goto icmp;
	case WB_OP_I32_GE_S: case WB_OP_I64_GE_S: ip = LLVMIntSGE; goto icmp;
	case WB_OP_I32_GE_U: case WB_OP_I64_GE_U: ip = LLVMIntUGE; goto icmp;
	icmp:
		b = jit_pop(f);
		a = jit_pop(f);
		jit_push(f, cmp_result(f, LLVMBuildICmp(bld, ip, a, b, "")));
		return true;
	case WB_OP_F32_EQ: case WB_OP_F64_EQ: fp = LLVMRealOEQ; goto fcmp;
	case WB_OP_F32_NE: case WB_OP_F64_NE: fp = LLVMRealUNE; goto fcmp;
	case WB_OP_F32_LT: case WB_OP_F64_LT: fp = LLVMRealOLT; goto fcmp;
	case WB_OP_F32_GT: case WB_OP_F64_GT: fp = LLVMRealOGT; goto fcmp;
	case WB_OP_F32_LE: case WB_OP_F64_LE: fp = LLVMRealOLE; goto fcmp;
	case WB_OP_F32_GE: case WB_OP_F64_GE: fp = LLVMRealOGE; goto fcmp;
	fcmp:
		b = jit_pop(f);
		a = jit_pop(f);
		jit_push(f, cmp_result(f, LLVMBuildFCmp(bld, fp, a, b, "")));
		return true;

	case WB_OP_I32_CLZ: case WB_OP_I64_CLZ:
		jit_push(f, bitcount(f, "llvm.ctlz", jit_pop(f)));
		return true;
	case WB_OP_I32_CTZ: case WB_OP_I64_CTZ:
		jit_push(f, bitcount(f, "llvm.cttz", jit_pop(f)));
		return true;
	case WB_OP_I32_POPCNT: case WB_OP_I64_POPCNT:
		jit_push(f, intr1(f, "llvm.ctpop", jit_pop(f)));
		return true;

	case WB_OP_I32_ADD: case WB_OP_I32_SUB: case WB_OP_I32_MUL:
	case WB_OP_I32_DIV_S: case WB_OP_I32_DIV_U: case WB_OP_I32_REM_S:
	case WB_OP_I32_REM_U: case WB_OP_I32_AND: case WB_OP_I32_OR:
	case WB_OP_I32_XOR: case WB_OP_I32_SHL: case WB_OP_I32_SHR_S:
	case WB_OP_I32_SHR_U: case WB_OP_I32_ROTL: case WB_OP_I32_ROTR:
	case WB_OP_I64_ADD: case WB_OP_I64_SUB: case WB_OP_I64_MUL:
	case WB_OP_I64_DIV_S: case WB_OP_I64_DIV_U: case WB_OP_I64_REM_S:
	case WB_OP_I64_REM_U: case WB_OP_I64_AND: case WB_OP_I64_OR:
	case WB_OP_I64_XOR: case WB_OP_I64_SHL: case WB_OP_I64_SHR_S:
	case WB_OP_I64_SHR_U: case WB_OP_I64_ROTL: case WB_OP_I64_ROTR: {
		/* same order in both groups: offset from ADD */
		int k = op >= WB_OP_I64_ADD ? op - WB_OP_I64_ADD
		                            : op - WB_OP_I32_ADD;

		b = jit_pop(f);
		a = jit_pop(f);
		switch (k) {
		case 0: r = LLVMBuildAdd(bld, a, b, ""); break;
		case 1: r = LLVMBuildSub(bld, a, b, ""); break;
		case 2: r = LLVMBuildMul(bld, a, b, ""); break;
		case 3: r = int_div(f, a, b, true, false); break;
		case 4: r = int_div(f, a, b, false, false); break;
		case 5: r = int_div(f, a, b, true, true); break;
		case 6: r = int_div(f, a, b, false, true); break;
		case 7: r = LLVMBuildAnd(bld, a, b, ""); break;
		case 8: r = LLVMBuildOr(bld, a, b, ""); break;
		case 9: r = LLVMBuildXor(bld, a, b, ""); break;
		case 10: r = LLVMBuildShl(bld, a, shift_mask(f, b), ""); break;
		case 11: r = LLVMBuildAShr(bld, a, shift_mask(f, b), ""); break;
		case 12: r = LLVMBuildLShr(bld, a, shift_mask(f, b), ""); break;
		case 13: r = rotate(f, "llvm.fshl", a, b); break;
		default: r = rotate(f, "llvm.fshr", a, b); break;
		}
		jit_push(f, r);
		return true;
	}

	case WB_OP_F32_ABS: case WB_OP_F64_ABS:
		jit_push(f, intr1(f, "llvm.fabs", jit_pop(f)));
		return true;
	case WB_OP_F32_NEG: case WB_OP_F64_NEG:
		jit_push(f, LLVMBuildFNeg(bld, jit_pop(f), ""));
		return true;
	case WB_OP_F32_CEIL: case WB_OP_F64_CEIL:
		jit_push(f, intr1(f, "llvm.ceil", jit_pop(f)));
		return true;
	case WB_OP_F32_FLOOR: case WB_OP_F64_FLOOR:
		jit_push(f, intr1(f, "llvm.floor", jit_pop(f)));
		return true;
	case WB_OP_F32_TRUNC: case WB_OP_F64_TRUNC:
		jit_push(f, intr1(f, "llvm.trunc", jit_pop(f)));
		return true;
	case WB_OP_F32_NEAREST: case WB_OP_F64_NEAREST:
		jit_push(f, intr1(f, "llvm.roundeven", jit_pop(f)));
		return true;
	case WB_OP_F32_SQRT: case WB_OP_F64_SQRT:
		jit_push(f, intr1(f, "llvm.sqrt", jit_pop(f)));
		return true;
	case WB_OP_F32_ADD: case WB_OP_F64_ADD:
		b = jit_pop(f);
		a = jit_pop(f);
		jit_push(f, fbin(f, LLVMFAdd, a, b));
		return true;
	case WB_OP_F32_SUB: case WB_OP_F64_SUB:
		b = jit_pop(f);
		a = jit_pop(f);
		jit_push(f, fbin(f, LLVMFSub, a, b));
		return true;
	case WB_OP_F32_MUL: case WB_OP_F64_MUL:
		b = jit_pop(f);
		a = jit_pop(f);
		jit_push(f, fbin(f, LLVMFMul, a, b));
		return true;
	case WB_OP_F32_DIV: case WB_OP_F64_DIV:
		b = jit_pop(f);
		a = jit_pop(f);
		jit_push(f, fbin(f, LLVMFDiv, a, b));
		return true;
	case WB_OP_F32_MIN: case WB_OP_F64_MIN:
	case WB_OP_F32_MAX: case WB_OP_F64_MAX:
		b = jit_pop(f);
		a = jit_pop(f);
		jit_push(f, jit_fminmax(f, a, b,
		                        op == WB_OP_F32_MAX || op == WB_OP_F64_MAX));
		return true;
	case WB_OP_F32_COPYSIGN: case WB_OP_F64_COPYSIGN: {
		LLVMTypeRef ft, it;
		uint64_t sign;

		b = jit_pop(f);
		a = jit_pop(f);
		ft = LLVMTypeOf(a);
		it = ft == unit->t_f32 ? unit->t_i32 : unit->t_i64;
		sign = ft == unit->t_f32 ? 0x80000000u : 0x8000000000000000ull;
		a = LLVMBuildAnd(bld, LLVMBuildBitCast(bld, a, it, ""),
		                 LLVMConstInt(it, ~sign, 0), "");
		b = LLVMBuildAnd(bld, LLVMBuildBitCast(bld, b, it, ""),
		                 LLVMConstInt(it, sign, 0), "");
		jit_push(f, LLVMBuildBitCast(bld, LLVMBuildOr(bld, a, b, ""), ft, ""));
		return true;
	}

	case WB_OP_I32_WRAP_I64:
		jit_push(f, LLVMBuildTrunc(bld, jit_pop(f), unit->t_i32, ""));
		return true;
	case WB_OP_I32_TRUNC_F32_S: case WB_OP_I32_TRUNC_F64_S:
		jit_push(f, trunc_trap(f, jit_pop(f), unit->t_i32, true));
		return true;
	case WB_OP_I32_TRUNC_F32_U: case WB_OP_I32_TRUNC_F64_U:
		jit_push(f, trunc_trap(f, jit_pop(f), unit->t_i32, false));
		return true;
	case WB_OP_I64_TRUNC_F32_S: case WB_OP_I64_TRUNC_F64_S:
		jit_push(f, trunc_trap(f, jit_pop(f), unit->t_i64, true));
		return true;
	case WB_OP_I64_TRUNC_F32_U: case WB_OP_I64_TRUNC_F64_U:
		jit_push(f, trunc_trap(f, jit_pop(f), unit->t_i64, false));
		return true;
	case WB_OP_I32_TRUNC_SAT_F32_S: case WB_OP_I32_TRUNC_SAT_F64_S:
		jit_push(f, trunc_sat(f, jit_pop(f), unit->t_i32, true));
		return true;
	case WB_OP_I32_TRUNC_SAT_F32_U: case WB_OP_I32_TRUNC_SAT_F64_U:
		jit_push(f, trunc_sat(f, jit_pop(f), unit->t_i32, false));
		return true;
	case WB_OP_I64_TRUNC_SAT_F32_S: case WB_OP_I64_TRUNC_SAT_F64_S:
		jit_push(f, trunc_sat(f, jit_pop(f), unit->t_i64, true));
		return true;
	case WB_OP_I64_TRUNC_SAT_F32_U: case WB_OP_I64_TRUNC_SAT_F64_U:
		jit_push(f, trunc_sat(f, jit_pop(f), unit->t_i64, false));
		return true;
	case WB_OP_I64_EXTEND_I32_S:
		jit_push(f, LLVMBuildSExt(bld, jit_pop(f), unit->t_i64, ""));
		return true;
	case WB_OP_I64_EXTEND_I32_U:
		jit_push(f, LLVMBuildZExt(bld, jit_pop(f), unit->t_i64, ""));
		return true;
	case WB_OP_F32_CONVERT_I32_S: case WB_OP_F32_CONVERT_I64_S:
		jit_push(f, LLVMBuildSIToFP(bld, jit_pop(f), unit->t_f32, ""));
		return true;
	case WB_OP_F32_CONVERT_I32_U: case WB_OP_F32_CONVERT_I64_U:
		jit_push(f, LLVMBuildUIToFP(bld, jit_pop(f), unit->t_f32, ""));
		return true;
	case WB_OP_F64_CONVERT_I32_S: case WB_OP_F64_CONVERT_I64_S:
		jit_push(f, LLVMBuildSIToFP(bld, jit_pop(f), unit->t_f64, ""));
		return true;
	case WB_OP_F64_CONVERT_I32_U: case WB_OP_F64_CONVERT_I64_U:
		jit_push(f, LLVMBuildUIToFP(bld, jit_pop(f), unit->t_f64, ""));
		return true;
	case WB_OP_F32_DEMOTE_F64:
		a = jit_pop(f);
		if (LLVMIsAFPExtInst(a))
			a = jit_opaque(f, a);
		jit_push(f, LLVMBuildFPTrunc(bld, a, unit->t_f32, ""));
		return true;
	case WB_OP_F64_PROMOTE_F32:
		jit_push(f, LLVMBuildFPExt(bld, jit_pop(f), unit->t_f64, ""));
		return true;
	case WB_OP_I32_REINTERPRET_F32:
		jit_push(f, LLVMBuildBitCast(bld, jit_pop(f), unit->t_i32, ""));
		return true;
	case WB_OP_I64_REINTERPRET_F64:
		jit_push(f, LLVMBuildBitCast(bld, jit_pop(f), unit->t_i64, ""));
		return true;
	case WB_OP_F32_REINTERPRET_I32:
		jit_push(f, LLVMBuildBitCast(bld, jit_pop(f), unit->t_f32, ""));
		return true;
	case WB_OP_F64_REINTERPRET_I64:
		jit_push(f, LLVMBuildBitCast(bld, jit_pop(f), unit->t_f64, ""));
		return true;
	case WB_OP_I32_EXTEND8_S: case WB_OP_I64_EXTEND8_S:
		jit_push(f, sext_from(f, jit_pop(f), unit->t_i8));
		return true;
	case WB_OP_I32_EXTEND16_S: case WB_OP_I64_EXTEND16_S:
		jit_push(f, sext_from(f, jit_pop(f), unit->t_i16));
		return true;
	case WB_OP_I64_EXTEND32_S:
		jit_push(f, sext_from(f, jit_pop(f), unit->t_i32));
		return true;

	case WB_OP_I64_ADD128:
	case WB_OP_I64_SUB128: {
		LLVMValueRef bh = jit_pop(f), bl = jit_pop(f);
		LLVMValueRef ah = jit_pop(f), al = jit_pop(f);

		a = to_i128(f, al, ah);
		b = to_i128(f, bl, bh);
		push_i128(f, op == WB_OP_I64_ADD128 ? LLVMBuildAdd(bld, a, b, "")
		                                     : LLVMBuildSub(bld, a, b, ""));
		return true;
	}
	case WB_OP_I64_MUL_WIDE_S:
	case WB_OP_I64_MUL_WIDE_U:
		b = jit_pop(f);
		a = jit_pop(f);
		if (op == WB_OP_I64_MUL_WIDE_S) {
			a = LLVMBuildSExt(bld, a, unit->t_i128, "");
			b = LLVMBuildSExt(bld, b, unit->t_i128, "");
		} else {
			a = LLVMBuildZExt(bld, a, unit->t_i128, "");
			b = LLVMBuildZExt(bld, b, unit->t_i128, "");
		}
		push_i128(f, LLVMBuildMul(bld, a, b, ""));
		return true;
	default:
		return false;
	}
}
