/*
 * jit_eh.c - exception handling (the exception-handling proposal with
 * exnref): try_table, throw, throw_ref.
 *
 * Mechanism: setjmp/longjmp through the runtime, no unwind tables. A
 * try_table allocates an rt_eh_frame in its function's frame, links it as
 * the thread's innermost handler (svc eh_enter) and calls _setjmp on it
 * (svc eh_setjmp, a call site marked returns_twice). The body runs when
 * setjmp returns 0. A throw (svc eh_throw / eh_throw_ref) unlinks the
 * innermost handler, stores the exception in it and longjmps there; setjmp
 * then returns nonzero and the landing code tests the catch clauses in
 * order: a match branches to its label with the tag's values (and the
 * exnref for the _ref forms, captured by svc eh_capture); no match
 * rethrows to the next handler. Every other edge out of the body (its
 * end, a branch out of it, return, a tail call) unlinks the record with
 * svc eh_leave.
 *
 * What the landing code may read: values computed before the setjmp (the
 * operand stack below the try_table: SSA values, unchanged since), and
 * locals, which jit_eh_finish makes volatile in every function with a
 * try_table so that they live in the frame with the value the throw left
 * there. Linear memory, globals and tables are memory already.
 */
#include <stddef.h>

#include "jit_int.h"

static LLVMValueRef tag_identity(jit_fn *f, uint32_t tag)
{
	jit_unit *unit = f->u;
	LLVMValueRef arr = jit_entry_load(f, f->vmctx, offsetof(rt_vmctx, tags), unit->t_ptr);
	return jit_entry_load(f, arr, (uint64_t)tag * 8, unit->t_ptr);
}

static const rt_functype *tag_type(jit_fn *f, uint32_t tag)
{
	const rt_module *mod = f->u->mod;
	return rt_module_functype(mod, mod->tags[tag].type);
}

bool jit_eh_exits(jit_fn *f, uint32_t target)
{
	if (f->ntry == 0)
		return false;
	for (uint32_t i = target; i < f->nctl; i++)
		if (f->ctl[i].kind == JC_TRY)
			return true;
	return false;
}

void jit_eh_exit(jit_fn *f, uint32_t target)
{
	jit_unit *unit = f->u;

	if (f->ntry == 0)
		return;
	for (uint32_t i = target; i < f->nctl; i++) {
		if (f->ctl[i].kind != JC_TRY)
			continue;
		LLVMTypeRef pt[2] = {unit->t_ptr, unit->t_ptr};
		LLVMValueRef args[2] = {f->vmctx, f->ctl[i].eh_rec};
		jit_svc_call(f, offsetof(rt_services, eh_leave), unit->t_void, pt, args, 2);
		return;
	}
}

/* throw_ref of `exn` (never returns). */
static void rethrow(jit_fn *f, LLVMValueRef exn)
{
	jit_unit *unit = f->u;
	LLVMTypeRef pt[2] = {unit->t_ptr, unit->t_ptr};
	LLVMValueRef args[2] = {f->vmctx, exn};
	LLVMValueRef call =
		jit_svc_call(f, offsetof(rt_services, eh_throw_ref), unit->t_void, pt, args, 2);

	LLVMAddCallSiteAttribute(call, LLVMAttributeFunctionIndex, unit->a_noreturn);
	LLVMBuildUnreachable(unit->b);
}

static LLVMValueRef capture(jit_fn *f, LLVMValueRef exn)
{
	jit_unit *unit = f->u;
	LLVMTypeRef pt[2] = {unit->t_ptr, unit->t_ptr};
	LLVMValueRef args[2] = {f->vmctx, exn};
	return jit_svc_call(f, offsetof(rt_services, eh_capture), unit->t_ptr, pt, args, 2);
}

/* Pushes the tag's values out of the exception `exn`. */
static void push_values(jit_fn *f, LLVMValueRef exn, uint32_t tag)
{
	jit_unit *unit = f->u;
	const rt_functype *ft = tag_type(f, tag);

	for (uint32_t i = 0; i < ft->nparams; i++) {
		LLVMTypeRef ty = jit_valtype(unit, ft->params[i]);
		LLVMValueRef p = jit_gep_c(unit, unit->b, exn,
		                           offsetof(rt_exn, vals) + (uint64_t)i * sizeof(rt_val));
		LLVMValueRef v = LLVMBuildLoad2(unit->b, ty, p, "");
		/* a captured exception's values are only 8-aligned */
		LLVMSetAlignment(v, 8);
		jit_push(f, v);
	}
}

/* The landing code of a try_table (builder in the landing block, the
 * try_table's frame not pushed yet, so labels resolve as in its context). */
static void landing(jit_fn *f, const wb_instr *in, LLVMValueRef rec)
{
	jit_unit *unit = f->u;
	LLVMBuilderRef bld = unit->b;
	LLVMValueRef exn = LLVMBuildLoad2(bld, unit->t_ptr,
	                                  jit_gep_c(unit, bld, rec, offsetof(rt_eh_frame, exn)), "");
	LLVMValueRef tag = NULL;
	uint32_t sp0 = f->sp, pending = f->fuel_pending;
	wb_instr_iter it;
	wb_catch k;

	f->fuel_pending = 0;
	wb_catches_begin(in, &it);
	while (wb_catches_next(&it, &k) && !unit->failed) {
		bool all = k.kind == WB_CATCH_ALL || k.kind == WB_CATCH_ALL_REF;
		bool ref = k.kind == WB_CATCH_REF || k.kind == WB_CATCH_ALL_REF;
		LLVMBasicBlockRef next = NULL;

		if (!all) {
			LLVMBasicBlockRef hit = jit_new_block(f, "catch");
			if (!tag)
				tag = LLVMBuildLoad2(bld, unit->t_ptr,
				                     jit_gep_c(unit, bld, exn, offsetof(rt_exn, tag)), "");
			next = jit_new_block(f, "nocatch");
			LLVMBuildCondBr(bld,
			                LLVMBuildICmp(bld, LLVMIntEQ, tag, tag_identity(f, k.tag), ""),
			                hit, next);
			LLVMPositionBuilderAtEnd(bld, hit);
			push_values(f, exn, k.tag);
		}
		if (ref)
			jit_push(f, capture(f, exn));
		jit_br_label(f, k.label);
		f->sp = sp0;
		if (all) {
			f->fuel_pending = pending;
			return; /* later clauses never match */
		}
		LLVMPositionBuilderAtEnd(bld, next);
	}
	rethrow(f, exn);
	f->fuel_pending = pending;
}

void jit_eh_try_table(jit_fn *f, const wb_instr *in)
{
	jit_unit *unit = f->u;
	LLVMBuilderRef bld = unit->b;
	LLVMTypeRef rect = LLVMArrayType(unit->t_i8, sizeof(rt_eh_frame));
	LLVMValueRef rec, r, call;
	LLVMBasicBlockRef body, land;
	jit_ctl *c;

	jit_fuel_flush(f);
	rec = LLVMBuildAlloca(unit->eb, rect, "eh");
	LLVMSetAlignment(rec, 16);
	{
		LLVMTypeRef pt[2] = {unit->t_ptr, unit->t_ptr};
		LLVMValueRef args[2] = {f->vmctx, rec};
		jit_svc_call(f, offsetof(rt_services, eh_enter), unit->t_void, pt, args, 2);
	}
	{
		LLVMValueRef jb = jit_gep_c(unit, bld, rec, offsetof(rt_eh_frame, jb));
		call = jit_svc_call(f, offsetof(rt_services, eh_setjmp), unit->t_i32, &unit->t_ptr,
		                    &jb, 1);
		LLVMAddCallSiteAttribute(call, LLVMAttributeFunctionIndex, unit->a_returns_twice);
	}
	r = LLVMBuildICmp(bld, LLVMIntEQ, call, jit_i32c(unit, 0), "");
	body = jit_new_block(f, "try");
	land = jit_new_block(f, "landing");
	LLVMBuildCondBr(bld, r, body, land);
	LLVMPositionBuilderAtEnd(bld, land);
	landing(f, in, rec);
	LLVMPositionBuilderAtEnd(bld, body);
	c = jit_push_ctl(f, JC_TRY, &in->u.block.bt);
	if (c == NULL)
		return;
	c->eh_rec = rec;
	f->ntry++;
	f->has_try = true;
}

void jit_eh_throw(jit_fn *f, uint32_t tag)
{
	jit_unit *unit = f->u;
	LLVMBuilderRef bld = unit->b;
	const rt_functype *ft = tag_type(f, tag);
	uint32_t n = ft->nparams;
	LLVMValueRef buf, call;

	if (n > 0) {
		buf = LLVMBuildAlloca(unit->eb, LLVMArrayType(unit->t_i8, n * sizeof(rt_val)), "exn");
		LLVMSetAlignment(buf, 16);
		for (uint32_t i = n; i-- > 0;)
			LLVMBuildStore(bld, jit_pop(f),
			               jit_gep_c(unit, bld, buf, (uint64_t)i * sizeof(rt_val)));
	} else {
		buf = LLVMConstNull(unit->t_ptr);
	}
	jit_fuel_flush(f);
	LLVMTypeRef pt[4] = {unit->t_ptr, unit->t_ptr, unit->t_ptr, unit->t_i32};
	LLVMValueRef args[4] = {f->vmctx, tag_identity(f, tag), buf, jit_i32c(unit, n)};
	call = jit_svc_call(f, offsetof(rt_services, eh_throw), unit->t_void, pt, args, 4);
	LLVMAddCallSiteAttribute(call, LLVMAttributeFunctionIndex, unit->a_noreturn);
	LLVMBuildUnreachable(bld);
	jit_set_unreachable(f);
}

void jit_eh_throw_ref(jit_fn *f)
{
	LLVMValueRef exn = jit_pop(f);

	jit_fuel_flush(f);
	rethrow(f, exn);
	jit_set_unreachable(f);
}

void jit_eh_finish(jit_fn *f)
{
	jit_unit *unit = f->u;

	if (!f->has_try)
		return;
	for (uint32_t i = 0; i < f->nlocals; i++) {
		jit_cache_ent *e = &unit->c_local[i];
		if (e->gen != unit->gen)
			continue;
		for (LLVMUseRef u = LLVMGetFirstUse(e->v); u; u = LLVMGetNextUse(u)) {
			LLVMValueRef user = LLVMGetUser(u);
			if (LLVMIsALoadInst(user) || LLVMIsAStoreInst(user))
				LLVMSetVolatile(user, 1);
		}
	}
}
