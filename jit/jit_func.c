/*
 * jit_func.c - translation of one function body to LLVM IR: control flow,
 * locals and globals, calls, references, tables, memory accesses, bulk
 * memory and atomics. Numeric instructions are in jit_num.c, SIMD in
 * jit_simd.c.
 *
 * The body is read once with the shared instruction reader (wb_instr.h).
 * The validator has accepted it, so operand types and counts are trusted.
 * Operands live on a stack of LLVM values; locals are allocas (mem2reg makes
 * them SSA); control frames keep their merge blocks and phi nodes. Code
 * after an unconditional branch is skipped up to the end of its frame.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmn_vec.h"
#include "jit_int.h"
#include "wb_code.h"
#include "wb_types.h"

LLVMValueRef jit_pop(jit_fn *f)
{
	jit_unit *unit = f->u;
	if (f->sp == 0 || (f->nctl > 0 && f->sp <= f->ctl[f->nctl - 1].height &&
	                   !f->ctl[f->nctl - 1].unreachable)) {
		/* cannot happen for validated code */
		jit_fail(unit, "internal error: value stack underflow");
		return LLVMGetUndef(unit->t_i32);
	}
	return f->stack[--f->sp];
}

void jit_push(jit_fn *f, LLVMValueRef v)
{
	jit_unit *unit = f->u;
	if (!cmn_grow((void **)&f->stack, &f->capstack, f->sp + 1,
	          sizeof(*f->stack))) {
		jit_fail(unit, "out of memory");
		return;
	}
	f->stack[f->sp++] = v;
	if (f->sp > unit->max_height) {
		unit->max_height = f->sp;
		if (f->sp > JIT_MAX_STACK_HEIGHT)
			jit_fail(unit, "compile: function %u operand stack too deep (more than %u values)",
			         f->index, JIT_MAX_STACK_HEIGHT);
	}
}

/* ---------------------------------------------------------------------------
 * Invariant values (loaded once, in the entry block)
 */

static LLVMValueRef entry_load(jit_fn *f, LLVMValueRef p, uint64_t off,
                               LLVMTypeRef ty)
{
	jit_unit *unit = f->u;
	LLVMValueRef ld =
		LLVMBuildLoad2(unit->eb, ty, jit_gep_c(unit, unit->eb, p, off), "");

	jit_invariant(unit, ld);
	jit_tbaa(unit, ld, JT_VMCTX);
	return ld;
}

static LLVMValueRef vm_array_elem(jit_fn *f, jit_cache_ent *cache,
                                  size_t field, uint32_t i)
{
	jit_unit *unit = f->u;
	LLVMValueRef arr;

	if (cache[i].gen == unit->gen)
		return cache[i].v;
	arr = entry_load(f, f->vmctx, field, unit->t_ptr);
	cache[i].v = entry_load(f, arr, (uint64_t)i * 8, unit->t_ptr);
	cache[i].gen = unit->gen;
	return cache[i].v;
}

static LLVMValueRef get_memory(jit_fn *f, uint32_t m)
{
	jit_unit *unit = f->u;
	return vm_array_elem(f, unit->c_mem, offsetof(rt_vmctx, memories), m);
}

static LLVMValueRef get_table(jit_fn *f, uint32_t t)
{
	jit_unit *unit = f->u;
	return vm_array_elem(f, unit->c_table, offsetof(rt_vmctx, tables), t);
}

static LLVMValueRef get_global_cell(jit_fn *f, uint32_t g)
{
	jit_unit *unit = f->u;
	return vm_array_elem(f, unit->c_global, offsetof(rt_vmctx, globals), g);
}

static LLVMValueRef get_funcref(jit_fn *f, uint32_t i)
{
	jit_unit *unit = f->u;
	return vm_array_elem(f, unit->c_func, offsetof(rt_vmctx, funcs), i);
}

static LLVMValueRef get_type_id(jit_fn *f, uint32_t t)
{
	jit_unit *unit = f->u;
	LLVMValueRef arr;

	if (unit->c_type[t].gen == unit->gen)
		return unit->c_type[t].v;
	arr = entry_load(f, f->vmctx, offsetof(rt_vmctx, type_ids), unit->t_ptr);
	unit->c_type[t].v = entry_load(f, arr, (uint64_t)t * 4, unit->t_i32);
	unit->c_type[t].gen = unit->gen;
	return unit->c_type[t].v;
}

/* A service function pointer (rt_services field at `off`). */
static LLVMValueRef svc_fn(jit_fn *f, size_t off)
{
	jit_unit *unit = f->u;
	return entry_load(f, f->svc, off, unit->t_ptr);
}

static LLVMValueRef svc_call(jit_fn *f, size_t off, LLVMTypeRef ret,
                             LLVMTypeRef *ptys, LLVMValueRef *args,
                             unsigned n)
{
	jit_unit *unit = f->u;
	LLVMBuilderRef bld = unit->b;
	LLVMTypeRef fty = LLVMFunctionType(ret, ptys, n, 0);
	LLVMValueRef call =
		LLVMBuildCall2(bld, fty, svc_fn(f, off), args, n, "");

	LLVMAddCallSiteAttribute(call, LLVMAttributeFunctionIndex,
	                         unit->a_nounwind);
	return call;
}

/* ---------------------------------------------------------------------------
 * Traps
 */

static LLVMBasicBlockRef new_block(jit_fn *f, const char *name)
{
	jit_unit *unit = f->u;
	return LLVMAppendBasicBlockInContext(unit->ctx, f->fn, name);
}

static jit_ctl *top(jit_fn *f)
{
	return &f->ctl[f->nctl - 1];
}

/* The rest of the current frame is unreachable. */
static void set_unreachable(jit_fn *f)
{
	jit_ctl *c = top(f);

	c->unreachable = true;
	f->sp = c->height;
}

static LLVMBasicBlockRef trap_block(jit_fn *f, uint32_t code)
{
	jit_unit *unit = f->u;
	LLVMBuilderRef bld = unit->b;
	LLVMBasicBlockRef cur, bb;
	LLVMValueRef args[2], call, fnp;

	if (f->traps[code] != NULL)
		return f->traps[code];
	cur = LLVMGetInsertBlock(bld);
	bb = new_block(f, "trap");
	LLVMPositionBuilderAtEnd(bld, bb);
	args[0] = f->vmctx;
	args[1] = jit_i32c(unit, code);
	/* loaded here, on the cold path, not in the entry block */
	fnp = LLVMBuildLoad2(bld, unit->t_ptr, f->vmctx, "");
	fnp = LLVMBuildLoad2(bld, unit->t_ptr,
	                     jit_gep_c(unit, bld, fnp, offsetof(rt_services, trap)),
	                     "");
	call = LLVMBuildCall2(bld, unit->t_trap, fnp, args, 2, "");
	LLVMAddCallSiteAttribute(call, LLVMAttributeFunctionIndex,
	                         unit->a_noreturn);
	LLVMAddCallSiteAttribute(call, LLVMAttributeFunctionIndex,
	                         unit->a_nounwind);
	LLVMAddCallSiteAttribute(call, LLVMAttributeFunctionIndex, unit->a_cold);
	LLVMBuildUnreachable(bld);
	LLVMPositionBuilderAtEnd(bld, cur);
	f->traps[code] = bb;
	return bb;
}

void jit_trap_if(jit_fn *f, LLVMValueRef cond, uint32_t code)
{
	LLVMBuilderRef bld = f->u->b;
	LLVMBasicBlockRef cont;

	if (LLVMIsAConstantInt(cond) && LLVMConstIntGetZExtValue(cond) == 0)
		return;
	cont = new_block(f, "");
	LLVMBuildCondBr(bld, cond, trap_block(f, code), cont);
	LLVMPositionBuilderAtEnd(bld, cont);
}

void jit_trap(jit_fn *f, uint32_t code)
{
	LLVMBuilderRef bld = f->u->b;
	LLVMBuildBr(bld, trap_block(f, code));
	set_unreachable(f);
}

/* ---------------------------------------------------------------------------
 * Fuel and deadlines
 */

static void fuel_flush(jit_fn *f)
{
	jit_unit *unit = f->u;
	LLVMBuilderRef bld = unit->b;
	LLVMValueRef v, st;

	if (!unit->opt->fuel || f->fuel_pending == 0)
		return;
	v = LLVMBuildLoad2(bld, unit->t_i64, f->fuel_ptr, "");
	jit_tbaa(unit, v, JT_FUEL);
	v = LLVMBuildSub(bld, v, jit_i64c(unit, f->fuel_pending), "");
	st = LLVMBuildStore(bld, v, f->fuel_ptr);
	jit_tbaa(unit, st, JT_FUEL);
	f->fuel_pending = 0;
}

/* At function entry and loop headers. */
static void checkpoints(jit_fn *f)
{
	jit_unit *unit = f->u;
	LLVMBuilderRef bld = unit->b;
	LLVMBasicBlockRef slow, cont;
	LLVMValueRef v, args[1];

	if (unit->opt->fuel) {
		v = LLVMBuildLoad2(bld, unit->t_i64, f->fuel_ptr, "");
		jit_tbaa(unit, v, JT_FUEL);
		slow = new_block(f, "nofuel");
		cont = new_block(f, "");
		LLVMBuildCondBr(bld,
		                LLVMBuildICmp(bld, LLVMIntSLT, v, jit_i64c(unit, 0), ""),
		                slow, cont);
		LLVMPositionBuilderAtEnd(bld, slow);
		args[0] = f->vmctx;
		svc_call(f, offsetof(rt_services, out_of_fuel), unit->t_void,
		         &unit->t_ptr, args, 1);
		LLVMBuildBr(bld, cont);
		LLVMPositionBuilderAtEnd(bld, cont);
	}
	if (unit->opt->deadline) {
		v = LLVMBuildLoad2(bld, unit->t_i32, f->interrupt_ptr, "");
		LLVMSetVolatile(v, 1);
		slow = new_block(f, "interrupt");
		cont = new_block(f, "");
		LLVMBuildCondBr(bld,
		                LLVMBuildICmp(bld, LLVMIntNE, v, jit_i32c(unit, 0), ""),
		                slow, cont);
		LLVMPositionBuilderAtEnd(bld, slow);
		args[0] = f->vmctx;
		svc_call(f, offsetof(rt_services, interrupted), unit->t_void,
		         &unit->t_ptr, args, 1);
		LLVMBuildBr(bld, cont);
		LLVMPositionBuilderAtEnd(bld, cont);
	}
}

/* ---------------------------------------------------------------------------
 * Control frames
 */

static LLVMTypeRef *type_list(jit_fn *f, uint32_t typeidx, bool results)
{
	jit_unit *unit = f->u;
	LLVMTypeRef **cache = results ? unit->rtys : unit->ptys;
	const rt_functype *ft = rt_module_functype(unit->mod, typeidx);
	uint32_t n = results ? ft->nresults : ft->nparams, i;
	LLVMTypeRef *l;

	if (cache[typeidx] != NULL)
		return cache[typeidx];
	l = malloc((n ? n : 1) * sizeof(*l));
	if (l == NULL) {
		jit_fail(unit, "out of memory");
		return unit->one;
	}
	for (i = 0; i < n; i++)
		l[i] = jit_valtype(unit, results ? ft->results[i] : ft->params[i]);
	cache[typeidx] = l;
	return l;
}

static LLVMTypeRef *one_type(jit_fn *f, rt_valtype t)
{
	jit_unit *unit = f->u;
	switch (t.kind) {
	case RT_I32:
		return &unit->one[0];
	case RT_I64:
		return &unit->one[1];
	case RT_F32:
		return &unit->one[2];
	case RT_F64:
		return &unit->one[3];
	case RT_V128:
		return &unit->one[4];
	default:
		return &unit->one[5];
	}
}

static void block_sig(jit_fn *f, const wb_blocktype *bt, jit_ctl *c)
{
	jit_unit *unit = f->u;
	c->nparams = c->nresults = 0;
	c->ptypes = c->rtypes = NULL;
	if (bt->kind == WB_BT_VAL) {
		c->nresults = 1;
		c->rtypes = one_type(f, bt->val);
	} else if (bt->kind == WB_BT_TYPE) {
		const rt_functype *ft = rt_module_functype(unit->mod, bt->type);

		c->nparams = ft->nparams;
		c->nresults = ft->nresults;
		c->ptypes = type_list(f, bt->type, false);
		c->rtypes = type_list(f, bt->type, true);
	}
}

static uint32_t alloc_phis(jit_fn *f, uint32_t n)
{
	jit_unit *unit = f->u;
	uint32_t base = f->nphis;

	if (!cmn_grow((void **)&f->phis, &f->capphis, f->nphis + n,
	          sizeof(*f->phis))) {
		jit_fail(unit, "out of memory");
		return 0;
	}
	f->nphis += n;
	return base;
}

static jit_ctl *push_ctl(jit_fn *f, uint8_t kind, const wb_blocktype *bt)
{
	jit_unit *unit = f->u;
	jit_ctl *c;

	if (!cmn_grow((void **)&f->ctl, &f->capctl, f->nctl + 1, sizeof(*f->ctl))) {
		jit_fail(unit, "out of memory");
		return NULL;
	}
	if (f->nctl >= JIT_MAX_NESTING) {
		jit_fail(unit, "compile: function %u blocks nested too deep (more than %u)",
		         f->index, JIT_MAX_NESTING);
		return NULL;
	}
	c = &f->ctl[f->nctl++];
	if (f->nctl > unit->max_nesting)
		unit->max_nesting = f->nctl;
	if (++f->nblocks > unit->max_blocks)
		unit->max_blocks = f->nblocks;
	if (kind == JC_IF && ++f->nifs > unit->max_ifs)
		unit->max_ifs = f->nifs;
	memset(c, 0, sizeof(*c));
	c->kind = kind;
	if (bt)
		block_sig(f, bt, c);
	c->height = f->sp - c->nparams;
	return c;
}

static uint32_t label_arity(const jit_ctl *c)
{
	return c->kind == JC_LOOP ? c->nparams : c->nresults;
}

static LLVMBasicBlockRef label_block(jit_fn *f, jit_ctl *c)
{
	jit_unit *unit = f->u;
	LLVMBuilderRef bld = unit->b;
	uint32_t i;
	LLVMBasicBlockRef cur;

	if (c->kind == JC_LOOP)
		return c->header;
	if (c->end == NULL)
		c->end = new_block(f, "end");
	if (!c->end_used) {
		c->end_used = true;
		if (c->nresults > 0) {
			cur = LLVMGetInsertBlock(bld);
			c->phi_base = alloc_phis(f, c->nresults);
			LLVMPositionBuilderAtEnd(bld, c->end);
			for (i = 0; i < c->nresults && !unit->failed; i++)
				f->phis[c->phi_base + i] =
					LLVMBuildPhi(bld, c->rtypes[i], "");
			LLVMPositionBuilderAtEnd(bld, cur);
		}
	}
	return c->end;
}

/* Adds the top `arity` stack values as incoming values of c's label phis
 * from the current block. */
static void add_incoming(jit_fn *f, jit_ctl *c)
{
	jit_unit *unit = f->u;
	LLVMBuilderRef bld = unit->b;
	uint32_t n = label_arity(c), i;
	LLVMBasicBlockRef cur = LLVMGetInsertBlock(bld);

	label_block(f, c);
	if (unit->failed)
		return;
	for (i = 0; i < n; i++) {
		LLVMValueRef v = f->stack[f->sp - n + i];

		LLVMAddIncoming(f->phis[c->phi_base + i], &v, &cur, 1);
	}
}

static void br_label(jit_fn *f, uint32_t depth)
{
	LLVMBuilderRef bld = f->u->b;
	jit_ctl *c = &f->ctl[f->nctl - 1 - depth];

	fuel_flush(f);
	jit_eh_exit(f, f->nctl - 1 - depth);
	add_incoming(f, c);
	LLVMBuildBr(bld, label_block(f, c));
}

static LLVMValueRef to_bool(jit_fn *f, LLVMValueRef v)
{
	jit_unit *unit = f->u;
	LLVMBuilderRef bld = unit->b;
	/* a comparison's result: use its i1 directly */
	if (LLVMIsAZExtInst(v) &&
	    LLVMTypeOf(LLVMGetOperand(v, 0)) == unit->t_i1)
		return LLVMGetOperand(v, 0);
	return LLVMBuildICmp(bld, LLVMIntNE, v, jit_zero(unit, LLVMTypeOf(v)), "");
}

static void br_if_label(jit_fn *f, uint32_t depth, LLVMValueRef cond)
{
	LLVMBuilderRef bld = f->u->b;
	jit_ctl *c = &f->ctl[f->nctl - 1 - depth];
	LLVMBasicBlockRef cont;

	fuel_flush(f);
	cont = new_block(f, "");
	if (jit_eh_exits(f, f->nctl - 1 - depth)) {
		/* the taken edge leaves a try_table: its own block */
		LLVMBasicBlockRef out = new_block(f, "leave");
		LLVMBuildCondBr(bld, cond, out, cont);
		LLVMPositionBuilderAtEnd(bld, out);
		br_label(f, depth);
		LLVMPositionBuilderAtEnd(bld, cont);
		return;
	}
	add_incoming(f, c);
	LLVMBuildCondBr(bld, cond, label_block(f, c), cont);
	LLVMPositionBuilderAtEnd(bld, cont);
}

static void emit_return(jit_fn *f)
{
	LLVMBuilderRef bld = f->u->b;
	uint32_t n = f->ft->nresults, i;
	LLVMValueRef agg;

	fuel_flush(f);
	jit_eh_exit(f, 0);
	if (n == 0) {
		LLVMBuildRetVoid(bld);
	} else if (n == 1) {
		LLVMBuildRet(bld, f->stack[f->sp - 1]);
	} else {
		agg = LLVMGetUndef(LLVMGetReturnType(LLVMGlobalGetValueType(f->fn)));
		for (i = 0; i < n; i++)
			agg = LLVMBuildInsertValue(bld, agg, f->stack[f->sp - n + i],
			                           i, "");
		LLVMBuildRet(bld, agg);
	}
}

static void do_block(jit_fn *f, const wb_instr *in)
{
	push_ctl(f, JC_BLOCK, &in->u.block.bt);
}

static void do_loop(jit_fn *f, const wb_instr *in)
{
	jit_unit *unit = f->u;
	LLVMBuilderRef bld = unit->b;
	jit_ctl *c = push_ctl(f, JC_LOOP, &in->u.block.bt);
	LLVMBasicBlockRef cur = LLVMGetInsertBlock(bld);
	uint32_t i;

	if (c == NULL)
		return;
	c->header = new_block(f, "loop");
	fuel_flush(f);
	if (c->nparams > 0) {
		c->phi_base = alloc_phis(f, c->nparams);
		LLVMPositionBuilderAtEnd(bld, c->header);
		for (i = 0; i < c->nparams && !unit->failed; i++) {
			LLVMValueRef phi = LLVMBuildPhi(bld, c->ptypes[i], "");
			LLVMValueRef v = f->stack[c->height + i];

			LLVMAddIncoming(phi, &v, &cur, 1);
			f->phis[c->phi_base + i] = phi;
			f->stack[c->height + i] = phi;
		}
		LLVMPositionBuilderAtEnd(bld, cur);
	}
	LLVMBuildBr(bld, c->header);
	LLVMPositionBuilderAtEnd(bld, c->header);
	checkpoints(f);
}

static void do_if(jit_fn *f, const wb_instr *in)
{
	jit_unit *unit = f->u;
	LLVMBuilderRef bld = unit->b;
	LLVMValueRef cond = to_bool(f, jit_pop(f));
	jit_ctl *c = push_ctl(f, JC_IF, &in->u.block.bt);
	LLVMBasicBlockRef then_bb;
	uint32_t i;

	if (c == NULL)
		return;
	fuel_flush(f);
	then_bb = new_block(f, "then");
	c->else_bb = new_block(f, "else");
	if (c->nparams > 0) {
		c->param_base = alloc_phis(f, c->nparams);
		for (i = 0; i < c->nparams && !unit->failed; i++)
			f->phis[c->param_base + i] = f->stack[c->height + i];
	}
	LLVMBuildCondBr(bld, cond, then_bb, c->else_bb);
	LLVMPositionBuilderAtEnd(bld, then_bb);
}

/* Ends the then-branch of `c` and starts its else-branch. */
static void begin_else(jit_fn *f, jit_ctl *c)
{
	LLVMBuilderRef bld = f->u->b;
	uint32_t i;

	if (!c->unreachable)
		br_label(f, 0);
	LLVMMoveBasicBlockAfter(c->else_bb, LLVMGetInsertBlock(bld));
	LLVMPositionBuilderAtEnd(bld, c->else_bb);
	f->sp = c->height;
	for (i = 0; i < c->nparams; i++)
		jit_push(f, f->phis[c->param_base + i]);
	c->unreachable = false;
	c->else_seen = true;
}

/* `end` of the top frame. Returns false at the end of the function. */
static bool do_end(jit_fn *f)
{
	LLVMBuilderRef bld = f->u->b;
	jit_ctl *c = top(f);
	jit_ctl saved;
	bool reachable;
	uint32_t i;

	if (c->kind == JC_IF && !c->else_seen) {
		begin_else(f, c);
		c = top(f);
	}
	if (!c->end_used || c->end == NULL) {
		/* Nothing branches to the end: continue in the current block
		 * (or stay unreachable). */
		reachable = !c->unreachable;
		if (reachable && c->kind == JC_TRY)
			jit_eh_exit(f, f->nctl - 1);
		if (c->end != NULL)
			LLVMDeleteBasicBlock(c->end);
		c->end = NULL;
	} else {
		if (!c->unreachable)
			br_label(f, 0);
		LLVMMoveBasicBlockAfter(c->end, LLVMGetLastBasicBlock(f->fn));
		LLVMPositionBuilderAtEnd(bld, c->end);
		f->sp = c->height;
		for (i = 0; i < c->nresults; i++)
			jit_push(f, f->phis[c->phi_base + i]);
		reachable = true;
	}
	saved = *c;
	f->nctl--;
	if (saved.kind == JC_TRY)
		f->ntry--;
	if (saved.kind == JC_IF)
		f->nifs--;
	if (saved.kind == JC_FUNC) {
		if (reachable)
			emit_return(f);
		return false;
	}
	if (!reachable) {
		/* the code after this frame is unreachable too */
		f->sp = saved.height;
		set_unreachable(f);
	}
	return true;
}

/* The block a br_table edge to label `depth` goes to (from the current
 * block): the label's, or, when the edge leaves a try_table, a block of
 * its own that unlinks the handler first. */
static LLVMBasicBlockRef table_target(jit_fn *f, uint32_t depth)
{
	LLVMBuilderRef bld = f->u->b;
	jit_ctl *c = &f->ctl[f->nctl - 1 - depth];
	LLVMBasicBlockRef cur, out;

	if (!jit_eh_exits(f, f->nctl - 1 - depth)) {
		add_incoming(f, c);
		return label_block(f, c);
	}
	cur = LLVMGetInsertBlock(bld);
	out = new_block(f, "leave");
	LLVMPositionBuilderAtEnd(bld, out);
	br_label(f, depth);
	LLVMPositionBuilderAtEnd(bld, cur);
	return out;
}

static void do_br_table(jit_fn *f, const wb_instr *in)
{
	jit_unit *unit = f->u;
	LLVMBuilderRef bld = unit->b;
	LLVMValueRef idx = jit_pop(f), sw;
	wb_instr_iter it;
	uint32_t label, k = 0;
	jit_ctl *d;

	fuel_flush(f);
	d = &f->ctl[f->nctl - 1 - in->u.br_table.deflt];
	sw = LLVMBuildSwitch(bld, idx, table_target(f, in->u.br_table.deflt),
	                     in->u.br_table.count);
	wb_br_table_begin(in, &it);
	while (wb_br_table_next(&it, &label) && !unit->failed) {
		LLVMAddCase(sw, jit_i32c(unit, k), table_target(f, label));
		k++;
	}
	(void)d;
	set_unreachable(f);
}

/* ---------------------------------------------------------------------------
 * Calls
 */

static LLVMValueRef *scratch_args(jit_fn *f, uint32_t n)
{
	jit_unit *unit = f->u;
	if (!cmn_grow((void **)&f->args, &f->capargs, n + 1, sizeof(*f->args))) {
		jit_fail(unit, "out of memory");
		return NULL;
	}
	return f->args;
}

static void emit_call_cc(jit_fn *f, uint32_t typeidx, LLVMValueRef callee,
                         unsigned cc, LLVMValueRef cvm, bool tail)
{
	jit_unit *unit = f->u;
	LLVMBuilderRef bld = unit->b;
	const rt_functype *ft = rt_module_functype(unit->mod, typeidx);
	LLVMTypeRef fty = jit_functype(unit, typeidx);
	LLVMValueRef *args = scratch_args(f, ft->nparams + 1), call;
	uint32_t n = ft->nparams, i;

	if (args == NULL)
		return;
	args[0] = cvm;
	for (i = 0; i < n; i++)
		args[i + 1] = f->stack[f->sp - n + i];
	f->sp -= n;
	fuel_flush(f);
	if (tail)
		jit_eh_exit(f, 0);
	call = LLVMBuildCall2(bld, fty, callee, args, n + 1, "");
	LLVMSetInstructionCallConv(call, cc);
	if (tail) {
		f->has_tail_call = true;
		unit->tail_calls = true;
		if (jit_results_in_regs(ft)) {
#if LLVM_VERSION_MAJOR >= 18
			LLVMSetTailCallKind(call, LLVMTailCallKindMustTail);
#else
			LLVMSetTailCall(call, 1);
#endif
		}
		if (ft->nresults == 0)
			LLVMBuildRetVoid(bld);
		else
			LLVMBuildRet(bld, call);
		set_unreachable(f);
		return;
	}
	/* Never turn recursion into a loop (tail recursion elimination):
	 * running out of stack is observable. */
#if LLVM_VERSION_MAJOR >= 18
	LLVMSetTailCallKind(call, LLVMTailCallKindNoTail);
#else
	f->has_plain_call = true;
#endif
	if (ft->nresults == 1) {
		jit_push(f, call);
	} else {
		for (i = 0; i < ft->nresults; i++)
			jit_push(f, LLVMBuildExtractValue(bld, call, i, ""));
	}
}

/* A call through the ABI (rt_abi.h): every wasm function's entry. */
static void emit_call(jit_fn *f, uint32_t typeidx, LLVMValueRef callee,
                      LLVMValueRef cvm, bool tail)
{
	emit_call_cc(f, typeidx, callee, JIT_CC_TAIL, cvm, tail);
}

static void do_call(jit_fn *f, uint32_t funcidx, bool tail)
{
	jit_unit *unit = f->u;
	const rt_module *mod = unit->mod;
	uint32_t typeidx = mod->funcs[funcidx].type;
	LLVMValueRef fr, code, cvm;
	unsigned cc;

	if (funcidx >= mod->nfuncs_imported && tail) {
		/* a tail call leaves through the callee's entry: this body
		 * is tailcc (it has a return_call), and so is every entry */
		emit_call(f, typeidx, jit_func_decl(unit, funcidx), f->vmctx, tail);
		return;
	}
	if (funcidx >= mod->nfuncs_imported) {
		code = jit_func_body(unit, funcidx, &cc);
		emit_call_cc(f, typeidx, code, cc, f->vmctx, false);
		return;
	}
	fr = get_funcref(f, funcidx);
	code = entry_load(f, fr, offsetof(rt_funcref, code), unit->t_ptr);
	cvm = entry_load(f, fr, offsetof(rt_funcref, vmctx), unit->t_ptr);
	emit_call(f, typeidx, code, cvm, tail);
}

/* Calls through a funcref `fr` (known non-null). */
static void call_funcref(jit_fn *f, uint32_t typeidx, LLVMValueRef fr,
                         bool tail)
{
	jit_unit *unit = f->u;
	LLVMBuilderRef bld = unit->b;
	LLVMValueRef code, cvm;

	code = LLVMBuildLoad2(bld, unit->t_ptr,
	                      jit_gep_c(unit, bld, fr, offsetof(rt_funcref, code)), "");
	jit_invariant(unit, code);
	jit_tbaa(unit, code, JT_VMCTX);
	cvm = LLVMBuildLoad2(bld, unit->t_ptr,
	                     jit_gep_c(unit, bld, fr, offsetof(rt_funcref, vmctx)),
	                     "");
	jit_invariant(unit, cvm);
	jit_tbaa(unit, cvm, JT_VMCTX);
	emit_call(f, typeidx, code, cvm, tail);
}

static LLVMValueRef table_index(jit_fn *f, uint32_t t, LLVMValueRef i)
{
	jit_unit *unit = f->u;
	LLVMBuilderRef bld = unit->b;
	if (unit->mod->tables[t].limits.is64)
		return i;
	return LLVMBuildZExt(bld, i, unit->t_i64, "");
}

static LLVMValueRef load_tbaa(jit_fn *f, LLVMTypeRef ty, LLVMValueRef p,
                              uint64_t off, int kind)
{
	jit_unit *unit = f->u;
	LLVMBuilderRef bld = unit->b;
	LLVMValueRef ld = LLVMBuildLoad2(bld, ty, jit_gep_c(unit, bld, p, off), "");

	jit_tbaa(unit, ld, kind);
	return ld;
}

static void do_call_indirect(jit_fn *f, uint32_t typeidx, uint32_t t,
                             bool tail)
{
	jit_unit *unit = f->u;
	LLVMBuilderRef bld = unit->b;
	LLVMValueRef i = table_index(f, t, jit_pop(f));
	LLVMValueRef tab = get_table(f, t), size, elems, fr, tid, expected, ok;
	LLVMValueRef args[3];
	LLVMTypeRef ptys[3];
	LLVMBasicBlockRef slow, call_bb;

	size = load_tbaa(f, unit->t_i64, tab, offsetof(rt_table, size), JT_TABLE);
	jit_trap_if(f, LLVMBuildICmp(bld, LLVMIntUGE, i, size, ""),
	            RT_TRAP_UNDEFINED_ELEMENT);
	elems = load_tbaa(f, unit->t_ptr, tab, offsetof(rt_table, elems),
	                  JT_TABLE);
	fr = LLVMBuildLoad2(bld, unit->t_ptr,
	                    jit_gep(unit, bld, elems,
	                            LLVMBuildShl(bld, i, jit_i64c(unit, 3), "")),
	                    "");
	jit_tbaa(unit, fr, JT_TABLE);
	jit_trap_if(f, LLVMBuildIsNull(bld, fr, ""),
	            RT_TRAP_UNINITIALIZED_ELEMENT);
	tid = LLVMBuildLoad2(bld, unit->t_i32,
	                     jit_gep_c(unit, bld, fr, offsetof(rt_funcref, type_id)),
	                     "");
	jit_invariant(unit, tid);
	jit_tbaa(unit, tid, JT_VMCTX);
	expected = get_type_id(f, typeidx);
	ok = LLVMBuildICmp(bld, LLVMIntEQ, tid, expected, "");
	if (unit->mod->types[typeidx].final) {
		/* no subtypes: a different id is a mismatch */
		jit_trap_if(f, LLVMBuildNot(bld, ok, ""), RT_TRAP_INDIRECT_TYPE);
	} else {
		slow = new_block(f, "typecheck");
		call_bb = new_block(f, "");
		LLVMBuildCondBr(bld, ok, call_bb, slow);
		LLVMPositionBuilderAtEnd(bld, slow);
		args[0] = f->vmctx;
		args[1] = tid;
		args[2] = expected;
		ptys[0] = unit->t_ptr;
		ptys[1] = unit->t_i32;
		ptys[2] = unit->t_i32;
		ok = svc_call(f, offsetof(rt_services, func_type_match), unit->t_i32,
		              ptys, args, 3);
		jit_trap_if(f, LLVMBuildICmp(bld, LLVMIntEQ, ok, jit_i32c(unit, 0), ""),
		            RT_TRAP_INDIRECT_TYPE);
		LLVMBuildBr(bld, call_bb);
		LLVMPositionBuilderAtEnd(bld, call_bb);
	}
	call_funcref(f, typeidx, fr, tail);
}

static void do_call_ref(jit_fn *f, uint32_t typeidx, bool tail)
{
	LLVMBuilderRef bld = f->u->b;
	LLVMValueRef fr = jit_pop(f);

	jit_trap_if(f, LLVMBuildIsNull(bld, fr, ""), RT_TRAP_NULL_FUNC);
	call_funcref(f, typeidx, fr, tail);
}

/* ---------------------------------------------------------------------------
 * Variables
 */

static LLVMValueRef global_ptr(jit_fn *f, uint32_t g)
{
	return get_global_cell(f, g);
}

static void do_global_get(jit_fn *f, uint32_t g)
{
	jit_unit *unit = f->u;
	LLVMBuilderRef bld = unit->b;
	const rt_globaltype *gt = &unit->mod->globals[g];
	LLVMTypeRef ty = jit_valtype(unit, gt->type);
	LLVMValueRef ld = LLVMBuildLoad2(bld, ty, global_ptr(f, g), "");

	LLVMSetAlignment(ld, 8);
	jit_tbaa(unit, ld, JT_GLOBAL);
	if (!gt->mut)
		jit_invariant(unit, ld);
	jit_push(f, ld);
}

static void do_global_set(jit_fn *f, uint32_t g)
{
	jit_unit *unit = f->u;
	LLVMBuilderRef bld = unit->b;
	LLVMValueRef v = jit_pop(f);
	LLVMValueRef st = LLVMBuildStore(bld, v, global_ptr(f, g));

	LLVMSetAlignment(st, 8);
	jit_tbaa(unit, st, JT_GLOBAL);
	/* Volatile, like linear-memory accesses: a store to a global is seen
	 * by the host after a trap, so it keeps its place before a load that
	 * may fault (LLVM would otherwise keep a loop's global in a register
	 * and store it at the loop's exits only). Loads stay plain. */
	LLVMSetVolatile(st, 1);
}

/* ---------------------------------------------------------------------------
 * Memory
 */

static bool mem_is64(jit_fn *f, uint32_t m)
{
	jit_unit *unit = f->u;
	return unit->mod->memories[m].limits.is64;
}

/* A memory's base never moves (the runtime reserves its whole range up
 * front; memory.grow only commits pages), so it is loaded once, in the
 * entry block, like the other vmctx invariants. */
static LLVMValueRef mem_base(jit_fn *f, uint32_t m)
{
	jit_unit *unit = f->u;
	jit_cache_ent *e = &unit->c_membase[m];

	if (e->gen == unit->gen)
		return e->v;
	if (m == 0)
		e->v = entry_load(f, f->vmctx, offsetof(rt_vmctx, mem0_base), unit->t_ptr);
	else
		e->v = entry_load(f, get_memory(f, m), offsetof(rt_memory, base), unit->t_ptr);
	e->gen = unit->gen;
	return e->v;
}

static LLVMValueRef mem_size(jit_fn *f, uint32_t m)
{
	jit_unit *unit = f->u;
	return load_tbaa(f, unit->t_i64, get_memory(f, m),
	                 offsetof(rt_memory, size), JT_MEM_DESC);
}

static LLVMValueRef addr64(jit_fn *f, uint32_t m, LLVMValueRef idx)
{
	jit_unit *unit = f->u;
	LLVMBuilderRef bld = unit->b;
	if (mem_is64(f, m))
		return idx;
	return LLVMBuildZExt(bld, idx, unit->t_i64, "");
}

LLVMValueRef jit_mem_addr(jit_fn *f, const wb_memarg *ma, LLVMValueRef idx,
                          uint32_t size, bool atomic)
{
	jit_unit *unit = f->u;
	LLVMBuilderRef bld = unit->b;
	uint32_t m = ma->mem;
	bool is64 = mem_is64(f, m);
	uint64_t off = ma->offset, end;
	LLVMValueRef i64 = addr64(f, m, idx), ea, oob, msize;

	if (atomic && size > 1) {
		ea = LLVMBuildAdd(bld, i64, jit_i64c(unit, off), "");
		jit_trap_if(f,
		            LLVMBuildICmp(bld, LLVMIntNE,
		                          LLVMBuildAnd(bld, ea, jit_i64c(unit, size - 1),
		                                       ""),
		                          jit_i64c(unit, 0), ""),
		            RT_TRAP_UNALIGNED_ATOMIC);
	}
	if (off > UINT64_MAX - size) {
		jit_trap(f, RT_TRAP_MEMORY_OOB);
		return NULL;
	}
	end = off + size;
	if (is64 || unit->opt->guard_bytes == 0 || end > unit->opt->guard_bytes ||
	    unit->mod->memories[m].limits.page_log2 < 16) {
		msize = mem_size(f, m);
		if (!is64) {
			/* index < 2^32, end < 2^33: no overflow */
			oob = LLVMBuildICmp(bld, LLVMIntUGT,
			                    LLVMBuildAdd(bld, i64, jit_i64c(unit, end), ""),
			                    msize, "");
		} else {
			oob = LLVMBuildOr(
				bld,
				LLVMBuildICmp(bld, LLVMIntULT, msize, jit_i64c(unit, end),
				              ""),
				LLVMBuildICmp(bld, LLVMIntUGT, i64,
				              LLVMBuildSub(bld, msize, jit_i64c(unit, end),
				                           ""),
				              ""),
				"");
		}
		jit_trap_if(f, oob, RT_TRAP_MEMORY_OOB);
	}
	ea = off ? LLVMBuildAdd(bld, i64, jit_i64c(unit, off), "") : i64;
	return jit_gep(unit, bld, mem_base(f, m), ea);
}

/* Exact traps: every linear-memory load and store is volatile, so LLVM
 * neither deletes it (a dead load still faults in the guard region) nor
 * moves it past another trap, call, load or store (see jit.h). */
LLVMValueRef jit_mem_load(jit_fn *f, LLVMTypeRef ty, LLVMValueRef p)
{
	jit_unit *unit = f->u;
	LLVMBuilderRef bld = unit->b;
	LLVMValueRef ld = LLVMBuildLoad2(bld, ty, p, "");

	LLVMSetAlignment(ld, 1);
	LLVMSetVolatile(ld, 1);
	jit_tbaa(unit, ld, JT_WASM_MEM);
	return ld;
}

void jit_mem_store(jit_fn *f, LLVMValueRef v, LLVMValueRef p)
{
	jit_unit *unit = f->u;
	LLVMBuilderRef bld = unit->b;
	LLVMValueRef st = LLVMBuildStore(bld, v, p);

	LLVMSetAlignment(st, 1);
	LLVMSetVolatile(st, 1);
	jit_tbaa(unit, st, JT_WASM_MEM);
}

static bool do_load(jit_fn *f, const wb_instr *in)
{
	jit_unit *unit = f->u;
	LLVMBuilderRef bld = unit->b;
	LLVMTypeRef mt, rt;
	int ext = 0; /* 0 none, 1 sext, 2 zext */
	uint32_t size;
	LLVMValueRef p, v;

	switch (in->op) {
	case WB_OP_I32_LOAD: mt = rt = unit->t_i32; break;
	case WB_OP_I64_LOAD: mt = rt = unit->t_i64; break;
	case WB_OP_F32_LOAD: mt = rt = unit->t_f32; break;
	case WB_OP_F64_LOAD: mt = rt = unit->t_f64; break;
	case WB_OP_I32_LOAD8_S: mt = unit->t_i8; rt = unit->t_i32; ext = 1; break;
	case WB_OP_I32_LOAD8_U: mt = unit->t_i8; rt = unit->t_i32; ext = 2; break;
	case WB_OP_I32_LOAD16_S: mt = unit->t_i16; rt = unit->t_i32; ext = 1; break;
	case WB_OP_I32_LOAD16_U: mt = unit->t_i16; rt = unit->t_i32; ext = 2; break;
	case WB_OP_I64_LOAD8_S: mt = unit->t_i8; rt = unit->t_i64; ext = 1; break;
	case WB_OP_I64_LOAD8_U: mt = unit->t_i8; rt = unit->t_i64; ext = 2; break;
	case WB_OP_I64_LOAD16_S: mt = unit->t_i16; rt = unit->t_i64; ext = 1; break;
	case WB_OP_I64_LOAD16_U: mt = unit->t_i16; rt = unit->t_i64; ext = 2; break;
	case WB_OP_I64_LOAD32_S: mt = unit->t_i32; rt = unit->t_i64; ext = 1; break;
	case WB_OP_I64_LOAD32_U: mt = unit->t_i32; rt = unit->t_i64; ext = 2; break;
	default:
		return false;
	}
	size = 1u << wb_op_get(in->op)->arg;
	p = jit_mem_addr(f, &in->u.mem, jit_pop(f), size, false);
	if (p == NULL)
		return true;
	v = jit_mem_load(f, mt, p);
	if (ext == 1)
		v = LLVMBuildSExt(bld, v, rt, "");
	else if (ext == 2)
		v = LLVMBuildZExt(bld, v, rt, "");
	jit_push(f, v);
	return true;
}

static bool do_store(jit_fn *f, const wb_instr *in)
{
	jit_unit *unit = f->u;
	LLVMBuilderRef bld = unit->b;
	LLVMTypeRef mt;
	LLVMValueRef v, p;
	uint32_t size;

	switch (in->op) {
	case WB_OP_I32_STORE: mt = unit->t_i32; break;
	case WB_OP_I64_STORE: mt = unit->t_i64; break;
	case WB_OP_F32_STORE: mt = unit->t_f32; break;
	case WB_OP_F64_STORE: mt = unit->t_f64; break;
	case WB_OP_I32_STORE8: case WB_OP_I64_STORE8: mt = unit->t_i8; break;
	case WB_OP_I32_STORE16: case WB_OP_I64_STORE16: mt = unit->t_i16; break;
	case WB_OP_I64_STORE32: mt = unit->t_i32; break;
	default:
		return false;
	}
	size = 1u << wb_op_get(in->op)->arg;
	v = jit_pop(f);
	p = jit_mem_addr(f, &in->u.mem, jit_pop(f), size, false);
	if (p == NULL)
		return true;
	if (LLVMTypeOf(v) != mt)
		v = LLVMBuildTrunc(bld, v, mt, "");
	jit_mem_store(f, v, p);
	return true;
}

static LLVMValueRef zext64(jit_fn *f, LLVMValueRef v)
{
	jit_unit *unit = f->u;
	LLVMBuilderRef bld = unit->b;
	if (LLVMTypeOf(v) == unit->t_i64)
		return v;
	return LLVMBuildZExt(bld, v, unit->t_i64, "");
}

static void do_memory_size(jit_fn *f, uint32_t m)
{
	jit_unit *unit = f->u;
	LLVMBuilderRef bld = unit->b;
	LLVMValueRef v = mem_size(f, m);

	v = LLVMBuildLShr(bld, v,
	                  jit_i64c(unit, unit->mod->memories[m].limits.page_log2), "");
	if (!mem_is64(f, m))
		v = LLVMBuildTrunc(bld, v, unit->t_i32, "");
	jit_push(f, v);
}

static void do_memory_grow(jit_fn *f, uint32_t m)
{
	jit_unit *unit = f->u;
	LLVMBuilderRef bld = unit->b;
	LLVMValueRef delta = zext64(f, jit_pop(f)), args[3], r;
	LLVMTypeRef ptys[3] = {unit->t_ptr, unit->t_i32, unit->t_i64};

	args[0] = f->vmctx;
	args[1] = jit_i32c(unit, m);
	args[2] = delta;
	r = svc_call(f, offsetof(rt_services, memory_grow), unit->t_i64, ptys,
	             args, 3);
	if (!mem_is64(f, m))
		r = LLVMBuildTrunc(bld, r, unit->t_i32, "");
	jit_push(f, r);
}

/* ---------------------------------------------------------------------------
 * Atomics
 */

static bool do_atomic(jit_fn *f, const wb_instr *in)
{
	jit_unit *unit = f->u;
	LLVMBuilderRef bld = unit->b;
	const wb_op_info *oi = wb_op_get(in->op);
	uint32_t size = 1u << oi->arg;
	LLVMTypeRef mt = LLVMIntTypeInContext(unit->ctx, size * 8);
	LLVMTypeRef rt;
	LLVMValueRef p, v, e, r, args[5];
	LLVMTypeRef ptys[5];
	LLVMAtomicRMWBinOp op;
	const LLVMAtomicOrdering sc = LLVMAtomicOrderingSequentiallyConsistent;
	const char *name = oi->name;

	if (in->op == WB_OP_ATOMIC_FENCE) {
		LLVMBuildFence(bld, sc, 0, "");
		return true;
	}
	rt = name[1] == '3' ? unit->t_i32 : unit->t_i64;
	switch (in->op) {
	case WB_OP_MEMORY_ATOMIC_NOTIFY:
	case WB_OP_MEMORY_ATOMIC_WAIT32:
	case WB_OP_MEMORY_ATOMIC_WAIT64: {
		LLVMValueRef timeout = NULL, expected = NULL, count = NULL, ea,
			     i64;
		bool is64 = mem_is64(f, in->u.mem.mem);

		if (in->op == WB_OP_MEMORY_ATOMIC_NOTIFY) {
			count = jit_pop(f);
		} else {
			timeout = jit_pop(f);
			expected = jit_pop(f);
		}
		i64 = addr64(f, in->u.mem.mem, jit_pop(f));
		ea = LLVMBuildAdd(bld, i64, jit_i64c(unit, in->u.mem.offset), "");
		jit_trap_if(f,
		            LLVMBuildICmp(bld, LLVMIntNE,
		                          LLVMBuildAnd(bld, ea, jit_i64c(unit, size - 1),
		                                       ""),
		                          jit_i64c(unit, 0), ""),
		            RT_TRAP_UNALIGNED_ATOMIC);
		if (is64)
			jit_trap_if(f, LLVMBuildICmp(bld, LLVMIntULT, ea, i64, ""),
			            RT_TRAP_MEMORY_OOB);
		fuel_flush(f);
		args[0] = f->vmctx;
		args[1] = jit_i32c(unit, in->u.mem.mem);
		args[2] = ea;
		ptys[0] = unit->t_ptr;
		ptys[1] = unit->t_i32;
		ptys[2] = unit->t_i64;
		if (count) {
			args[3] = count;
			ptys[3] = unit->t_i32;
			r = svc_call(f, offsetof(rt_services, atomic_notify),
			             unit->t_i32, ptys, args, 4);
		} else {
			args[3] = expected;
			ptys[3] = LLVMTypeOf(expected);
			args[4] = timeout;
			ptys[4] = unit->t_i64;
			r = svc_call(f,
			             in->op == WB_OP_MEMORY_ATOMIC_WAIT32
			                     ? offsetof(rt_services, atomic_wait32)
			                     : offsetof(rt_services, atomic_wait64),
			             unit->t_i32, ptys, args, 5);
		}
		jit_push(f, r);
		return true;
	}
	case WB_OP_I32_ATOMIC_LOAD: case WB_OP_I64_ATOMIC_LOAD:
	case WB_OP_I32_ATOMIC_LOAD8_U: case WB_OP_I32_ATOMIC_LOAD16_U:
	case WB_OP_I64_ATOMIC_LOAD8_U: case WB_OP_I64_ATOMIC_LOAD16_U:
	case WB_OP_I64_ATOMIC_LOAD32_U:
		p = jit_mem_addr(f, &in->u.mem, jit_pop(f), size, true);
		if (p == NULL)
			return true;
		v = LLVMBuildLoad2(bld, mt, p, "");
		LLVMSetOrdering(v, sc);
		LLVMSetAlignment(v, size);
		jit_tbaa(unit, v, JT_WASM_MEM);
		if (mt != rt)
			v = LLVMBuildZExt(bld, v, rt, "");
		jit_push(f, v);
		return true;
	case WB_OP_I32_ATOMIC_STORE: case WB_OP_I64_ATOMIC_STORE:
	case WB_OP_I32_ATOMIC_STORE8: case WB_OP_I32_ATOMIC_STORE16:
	case WB_OP_I64_ATOMIC_STORE8: case WB_OP_I64_ATOMIC_STORE16:
	case WB_OP_I64_ATOMIC_STORE32:
		v = jit_pop(f);
		p = jit_mem_addr(f, &in->u.mem, jit_pop(f), size, true);
		if (p == NULL)
			return true;
		if (LLVMTypeOf(v) != mt)
			v = LLVMBuildTrunc(bld, v, mt, "");
		v = LLVMBuildStore(bld, v, p);
		LLVMSetOrdering(v, sc);
		LLVMSetAlignment(v, size);
		jit_tbaa(unit, v, JT_WASM_MEM);
		return true;
	default:
		break;
	}
	if (strstr(name, "cmpxchg") != NULL) {
		LLVMValueRef repl = jit_pop(f);

		e = jit_pop(f);
		p = jit_mem_addr(f, &in->u.mem, jit_pop(f), size, true);
		if (p == NULL)
			return true;
		if (mt != rt) {
			e = LLVMBuildTrunc(bld, e, mt, "");
			repl = LLVMBuildTrunc(bld, repl, mt, "");
		}
		r = LLVMBuildAtomicCmpXchg(bld, p, e, repl, sc, sc, 0);
		jit_tbaa(unit, r, JT_WASM_MEM);
		v = LLVMBuildExtractValue(bld, r, 0, "");
		if (mt != rt)
			v = LLVMBuildZExt(bld, v, rt, "");
		jit_push(f, v);
		return true;
	}
	if (strstr(name, ".add"))
		op = LLVMAtomicRMWBinOpAdd;
	else if (strstr(name, ".sub"))
		op = LLVMAtomicRMWBinOpSub;
	else if (strstr(name, ".and"))
		op = LLVMAtomicRMWBinOpAnd;
	else if (strstr(name, ".or"))
		op = LLVMAtomicRMWBinOpOr;
	else if (strstr(name, ".xor"))
		op = LLVMAtomicRMWBinOpXor;
	else if (strstr(name, ".xchg"))
		op = LLVMAtomicRMWBinOpXchg;
	else
		return false;
	v = jit_pop(f);
	p = jit_mem_addr(f, &in->u.mem, jit_pop(f), size, true);
	if (p == NULL)
		return true;
	if (mt != rt)
		v = LLVMBuildTrunc(bld, v, mt, "");
	r = LLVMBuildAtomicRMW(bld, op, p, v, sc, 0);
	jit_tbaa(unit, r, JT_WASM_MEM);
	if (mt != rt)
		r = LLVMBuildZExt(bld, r, rt, "");
	jit_push(f, r);
	return true;
}

/* ---------------------------------------------------------------------------
 * Tables and bulk operations
 */

static bool table_is64(jit_fn *f, uint32_t t)
{
	jit_unit *unit = f->u;
	return unit->mod->tables[t].limits.is64;
}

/* elems + i*8 after a bounds check (RT_TRAP_TABLE_OOB). */
static LLVMValueRef table_slot(jit_fn *f, uint32_t t, LLVMValueRef i)
{
	jit_unit *unit = f->u;
	LLVMBuilderRef bld = unit->b;
	LLVMValueRef tab = get_table(f, t), size, elems;

	i = table_index(f, t, i);
	size = load_tbaa(f, unit->t_i64, tab, offsetof(rt_table, size), JT_TABLE);
	jit_trap_if(f, LLVMBuildICmp(bld, LLVMIntUGE, i, size, ""),
	            RT_TRAP_TABLE_OOB);
	elems = load_tbaa(f, unit->t_ptr, tab, offsetof(rt_table, elems),
	                  JT_TABLE);
	return jit_gep(unit, bld, elems, LLVMBuildShl(bld, i, jit_i64c(unit, 3), ""));
}

static void void_svc(jit_fn *f, size_t off, LLVMValueRef *args,
                     LLVMTypeRef *ptys, unsigned n)
{
	jit_unit *unit = f->u;
	fuel_flush(f);
	svc_call(f, off, unit->t_void, ptys, args, n);
}

static bool do_bulk(jit_fn *f, const wb_instr *in)
{
	jit_unit *unit = f->u;
	LLVMBuilderRef bld = unit->b;
	LLVMValueRef a[6], x, y, z, v;
	LLVMTypeRef p[6];
	unsigned k;

	a[0] = f->vmctx;
	p[0] = unit->t_ptr;
	for (k = 1; k < 6; k++)
		p[k] = unit->t_i64;
	switch (in->op) {
	case WB_OP_MEMORY_INIT: /* dst src n */
		z = jit_pop(f);
		y = jit_pop(f);
		x = zext64(f, jit_pop(f));
		a[1] = jit_i32c(unit, in->u.pair.y);
		a[2] = jit_i32c(unit, in->u.pair.x);
		a[3] = x;
		a[4] = y;
		a[5] = z;
		p[1] = p[2] = p[4] = p[5] = unit->t_i32;
		void_svc(f, offsetof(rt_services, memory_init), a, p, 6);
		return true;
	case WB_OP_DATA_DROP:
		a[1] = jit_i32c(unit, in->u.idx);
		p[1] = unit->t_i32;
		void_svc(f, offsetof(rt_services, data_drop), a, p, 2);
		return true;
	case WB_OP_MEMORY_COPY: /* dst src n */
		z = zext64(f, jit_pop(f));
		y = zext64(f, jit_pop(f));
		x = zext64(f, jit_pop(f));
		a[1] = jit_i32c(unit, in->u.pair.x);
		a[2] = jit_i32c(unit, in->u.pair.y);
		a[3] = x;
		a[4] = y;
		a[5] = z;
		p[1] = p[2] = unit->t_i32;
		void_svc(f, offsetof(rt_services, memory_copy), a, p, 6);
		return true;
	case WB_OP_MEMORY_FILL: /* dst val n */
		z = zext64(f, jit_pop(f));
		y = jit_pop(f);
		x = zext64(f, jit_pop(f));
		a[1] = jit_i32c(unit, in->u.idx);
		a[2] = x;
		a[3] = y;
		a[4] = z;
		p[1] = p[3] = unit->t_i32;
		void_svc(f, offsetof(rt_services, memory_fill), a, p, 5);
		return true;
	case WB_OP_TABLE_INIT: /* elem y=table; dst src n */
		z = jit_pop(f);
		y = jit_pop(f);
		x = zext64(f, jit_pop(f));
		a[1] = jit_i32c(unit, in->u.pair.y);
		a[2] = jit_i32c(unit, in->u.pair.x);
		a[3] = x;
		a[4] = y;
		a[5] = z;
		p[1] = p[2] = p[4] = p[5] = unit->t_i32;
		void_svc(f, offsetof(rt_services, table_init), a, p, 6);
		return true;
	case WB_OP_ELEM_DROP:
		a[1] = jit_i32c(unit, in->u.idx);
		p[1] = unit->t_i32;
		void_svc(f, offsetof(rt_services, elem_drop), a, p, 2);
		return true;
	case WB_OP_TABLE_COPY:
		z = zext64(f, jit_pop(f));
		y = zext64(f, jit_pop(f));
		x = zext64(f, jit_pop(f));
		a[1] = jit_i32c(unit, in->u.pair.x);
		a[2] = jit_i32c(unit, in->u.pair.y);
		a[3] = x;
		a[4] = y;
		a[5] = z;
		p[1] = p[2] = unit->t_i32;
		void_svc(f, offsetof(rt_services, table_copy), a, p, 6);
		return true;
	case WB_OP_TABLE_FILL: /* i val n */
		z = zext64(f, jit_pop(f));
		v = jit_pop(f);
		x = zext64(f, jit_pop(f));
		a[1] = jit_i32c(unit, in->u.idx);
		a[2] = x;
		a[3] = v;
		a[4] = z;
		p[1] = unit->t_i32;
		p[3] = unit->t_ptr;
		void_svc(f, offsetof(rt_services, table_fill), a, p, 5);
		return true;
	case WB_OP_TABLE_GROW: /* init delta */
		z = zext64(f, jit_pop(f));
		v = jit_pop(f);
		a[1] = jit_i32c(unit, in->u.idx);
		a[2] = v;
		a[3] = z;
		fuel_flush(f);
		x = svc_call(f, offsetof(rt_services, table_grow), unit->t_i64,
		             (LLVMTypeRef[]){unit->t_ptr, unit->t_i32, unit->t_ptr,
		                             unit->t_i64},
		             a, 4);
		if (!table_is64(f, in->u.idx))
			x = LLVMBuildTrunc(bld, x, unit->t_i32, "");
		jit_push(f, x);
		return true;
	case WB_OP_TABLE_SIZE:
		x = load_tbaa(f, unit->t_i64, get_table(f, in->u.idx),
		              offsetof(rt_table, size), JT_TABLE);
		if (!table_is64(f, in->u.idx))
			x = LLVMBuildTrunc(bld, x, unit->t_i32, "");
		jit_push(f, x);
		return true;
	default:
		return false;
	}
}

/* ---------------------------------------------------------------------------
 * Feature checks
 */

static bool heap_gc_or_eh(jit_unit *u, rt_valtype t)
{
	if (t.kind != RT_REF)
		return false;
	if (!RT_HT_IS_ABS(t.heap)) {
		if (u->mod->types[t.heap].comp != RT_COMP_FUNC) {
			jit_fail(u, "unsupported feature: gc");
			return true;
		}
		return false;
	}
	switch (RT_HT_CODE(t.heap)) {
	case RT_HT_ANY: case RT_HT_EQ: case RT_HT_I31: case RT_HT_STRUCT:
	case RT_HT_ARRAY: case RT_HT_NONE:
		jit_fail(u, "unsupported feature: gc");
		return true;
	default:
		return false;
	}
}

static bool unsupported_op(jit_fn *f, const wb_instr *in)
{
	jit_unit *unit = f->u;
	const wb_op_info *oi = wb_op_get(in->op);

	if (oi->prefix == 0xFB || in->op == WB_OP_REF_EQ)
		return jit_fail(unit, "unsupported feature: gc"), true;
	switch (in->op) {
	case WB_OP_TRY: case WB_OP_CATCH: case WB_OP_RETHROW:
	case WB_OP_DELEGATE: case WB_OP_CATCH_ALL:
		return jit_fail(unit, "unsupported feature: legacy exception handling"),
		       true;
	case WB_OP_SELECT_T:
		return heap_gc_or_eh(unit, in->u.select.type);
	case WB_OP_REF_NULL:
		return heap_gc_or_eh(unit, rt_valtype_ref(true, in->u.heap));
	case WB_OP_BLOCK: case WB_OP_LOOP: case WB_OP_IF: case WB_OP_TRY_TABLE:
		if (in->u.block.bt.kind == WB_BT_VAL)
			return heap_gc_or_eh(unit, in->u.block.bt.val);
		return false;
	default:
		return false;
	}
}

/* ---------------------------------------------------------------------------
 * One instruction
 */

static LLVMValueRef local_ptr(jit_fn *f, uint32_t i);
static LLVMValueRef local_init(jit_fn *f, uint32_t i);

static bool translate(jit_fn *f, const wb_instr *in)
{
	jit_unit *unit = f->u;
	LLVMBuilderRef bld = unit->b;
	LLVMValueRef a, b, c;

	switch (in->op) {
	case WB_OP_UNREACHABLE:
		jit_trap(f, RT_TRAP_UNREACHABLE);
		return true;
	case WB_OP_NOP:
		return true;
	case WB_OP_BLOCK:
		do_block(f, in);
		return true;
	case WB_OP_LOOP:
		do_loop(f, in);
		return true;
	case WB_OP_IF:
		do_if(f, in);
		return true;
	case WB_OP_ELSE:
		begin_else(f, top(f));
		return true;
	case WB_OP_END:
		return do_end(f);
	case WB_OP_TRY_TABLE:
		jit_eh_try_table(f, in);
		return true;
	case WB_OP_THROW:
		jit_eh_throw(f, in->u.idx);
		return true;
	case WB_OP_THROW_REF:
		jit_eh_throw_ref(f);
		return true;
	case WB_OP_BR:
		br_label(f, in->u.idx);
		set_unreachable(f);
		return true;
	case WB_OP_BR_IF:
		br_if_label(f, in->u.idx, to_bool(f, jit_pop(f)));
		return true;
	case WB_OP_BR_TABLE:
		do_br_table(f, in);
		return true;
	case WB_OP_RETURN:
		emit_return(f);
		set_unreachable(f);
		return true;
	case WB_OP_CALL:
		do_call(f, in->u.idx, false);
		return true;
	case WB_OP_RETURN_CALL:
		do_call(f, in->u.idx, true);
		return true;
	case WB_OP_CALL_INDIRECT:
		do_call_indirect(f, in->u.pair.x, in->u.pair.y, false);
		return true;
	case WB_OP_RETURN_CALL_INDIRECT:
		do_call_indirect(f, in->u.pair.x, in->u.pair.y, true);
		return true;
	case WB_OP_CALL_REF:
		do_call_ref(f, in->u.idx, false);
		return true;
	case WB_OP_RETURN_CALL_REF:
		do_call_ref(f, in->u.idx, true);
		return true;
	case WB_OP_DROP:
		jit_pop(f);
		return true;
	case WB_OP_SELECT:
	case WB_OP_SELECT_T:
		c = to_bool(f, jit_pop(f));
		b = jit_pop(f);
		a = jit_pop(f);
		jit_push(f, LLVMBuildSelect(bld, c, a, b, ""));
		return true;
	case WB_OP_LOCAL_GET:
		if (f->u->c_local[in->u.idx].wgen != f->u->gen) {
			jit_push(f, local_init(f, in->u.idx));
			return true;
		}
		a = local_ptr(f, in->u.idx);
		jit_push(f, LLVMBuildLoad2(bld, LLVMGetAllocatedType(a), a, ""));
		return true;
	case WB_OP_LOCAL_SET:
		LLVMBuildStore(bld, jit_pop(f), local_ptr(f, in->u.idx));
		return true;
	case WB_OP_LOCAL_TEE:
		LLVMBuildStore(bld, f->stack[f->sp - 1], local_ptr(f, in->u.idx));
		return true;
	case WB_OP_GLOBAL_GET:
		do_global_get(f, in->u.idx);
		return true;
	case WB_OP_GLOBAL_SET:
		do_global_set(f, in->u.idx);
		return true;
	case WB_OP_TABLE_GET:
		a = table_slot(f, in->u.idx, jit_pop(f));
		b = LLVMBuildLoad2(bld, unit->t_ptr, a, "");
		jit_tbaa(unit, b, JT_TABLE);
		jit_push(f, b);
		return true;
	case WB_OP_TABLE_SET:
		b = jit_pop(f);
		a = table_slot(f, in->u.idx, jit_pop(f));
		/* volatile: in place before a faulting load (see global.set) */
		c = LLVMBuildStore(bld, b, a);
		jit_tbaa(unit, c, JT_TABLE);
		LLVMSetVolatile(c, 1);
		return true;
	case WB_OP_MEMORY_SIZE:
		do_memory_size(f, in->u.idx);
		return true;
	case WB_OP_MEMORY_GROW:
		fuel_flush(f);
		do_memory_grow(f, in->u.idx);
		return true;
	case WB_OP_REF_NULL:
		jit_push(f, LLVMConstNull(unit->t_ptr));
		return true;
	case WB_OP_REF_IS_NULL:
		a = LLVMBuildIsNull(bld, jit_pop(f), "");
		jit_push(f, LLVMBuildZExt(bld, a, unit->t_i32, ""));
		return true;
	case WB_OP_REF_FUNC:
		jit_push(f, get_funcref(f, in->u.idx));
		return true;
	case WB_OP_REF_AS_NON_NULL:
		a = f->stack[f->sp - 1];
		jit_trap_if(f, LLVMBuildIsNull(bld, a, ""), RT_TRAP_NULL_REF);
		return true;
	case WB_OP_BR_ON_NULL:
		a = jit_pop(f);
		br_if_label(f, in->u.idx, LLVMBuildIsNull(bld, a, ""));
		jit_push(f, a);
		return true;
	case WB_OP_BR_ON_NON_NULL:
		a = f->stack[f->sp - 1];
		br_if_label(f, in->u.idx, LLVMBuildIsNotNull(bld, a, ""));
		jit_pop(f);
		return true;
	default:
		break;
	}
	if (do_load(f, in) || do_store(f, in) || do_bulk(f, in))
		return true;
	if (wb_op_get(in->op)->prefix == 0xFE)
		return do_atomic(f, in) ||
		       jit_fail(unit, "internal error: %s not translated",
		                wb_op_name(in->op));
	if (wb_op_get(in->op)->prefix == 0xFD)
		return jit_simd(f, in) ||
		       jit_fail(unit, "internal error: %s not translated",
		                wb_op_name(in->op));
	if (jit_numeric(f, in))
		return true;
	return jit_fail(unit, "internal error: %s not translated",
	                wb_op_name(in->op));
}

/* ---------------------------------------------------------------------------
 * For jit_eh.c
 */

LLVMBasicBlockRef jit_new_block(jit_fn *f, const char *name)
{
	return new_block(f, name);
}

LLVMValueRef jit_entry_load(jit_fn *f, LLVMValueRef p, uint64_t off, LLVMTypeRef ty)
{
	return entry_load(f, p, off, ty);
}

LLVMValueRef jit_svc_call(jit_fn *f, size_t off, LLVMTypeRef ret, LLVMTypeRef *ptys,
                          LLVMValueRef *args, unsigned n)
{
	return svc_call(f, off, ret, ptys, args, n);
}

void jit_br_label(jit_fn *f, uint32_t depth)
{
	br_label(f, depth);
}

jit_ctl *jit_push_ctl(jit_fn *f, uint8_t kind, const wb_blocktype *bt)
{
	return push_ctl(f, kind, bt);
}

void jit_set_unreachable(jit_fn *f)
{
	set_unreachable(f);
}

void jit_fuel_flush(jit_fn *f)
{
	fuel_flush(f);
}

/* ---------------------------------------------------------------------------
 * A function
 */

/* The initial value of local `i`: its parameter, or zero. */
static LLVMValueRef local_init(jit_fn *f, uint32_t i)
{
	uint32_t lo = 0, hi = f->ngroups;

	if (i < f->ft->nparams)
		return LLVMGetParam(f->fn, i + 1);
	while (hi - lo > 1) { /* last group with start <= i */
		uint32_t mid = (lo + hi) / 2;

		if (f->groups[mid].start <= i)
			lo = mid;
		else
			hi = mid;
	}
	return LLVMConstNull(jit_valtype(f->u, f->groups[lo].type));
}

/* The alloca of local `i`, created (in the entry block, initialised with
 * the parameter or zero) on first use. */
static LLVMValueRef local_ptr(jit_fn *f, uint32_t i)
{
	jit_unit *unit = f->u;
	jit_cache_ent *e = &unit->c_local[i];
	LLVMValueRef init;

	if (e->gen == unit->gen)
		return e->v;
	init = local_init(f, i);
	e->v = LLVMBuildAlloca(unit->eb, LLVMTypeOf(init), "");
	LLVMBuildStore(unit->eb, init, e->v);
	e->gen = unit->gen;
	return e->v;
}

/* Which locals the body writes (local.set, local.tee): a local it never
 * writes is its initial value everywhere, with no alloca for mem2reg to
 * promote. `r` is past the local declarations; not moved. */
static bool scan_writes(jit_fn *f, const wb_reader *r, cmn_error *err)
{
	jit_unit *unit = f->u;
	wb_instr_cfg cfg = {WB_FEAT_ALL, unit->mod->ntypes};
	wb_reader s = *r;
	wb_instr in;

	while (s.p < s.end) {
		if (!wb_instr_read(&s, &cfg, &in, err))
			return false;
		if ((in.op == WB_OP_LOCAL_SET || in.op == WB_OP_LOCAL_TEE) && in.u.idx < f->nlocals)
			unit->c_local[in.u.idx].wgen = unit->gen;
	}
	return true;
}

static bool read_locals(jit_fn *f, wb_reader *r, cmn_error *err)
{
	jit_unit *unit = f->u;
	const rt_module *mod = unit->mod;
	uint32_t ngroups, g, count, i;
	uint64_t total = f->ft->nparams;
	rt_valtype t;

	for (i = 0; i < f->ft->nparams; i++)
		if (heap_gc_or_eh(unit, f->ft->params[i]))
			return false;
	if (!wb_read_u32(r, &ngroups, err))
		return jit_fail(unit, "internal error: %s", err->msg);
	for (g = 0; g < ngroups; g++) {
		if (!wb_read_u32(r, &count, err) ||
		    !wb_read_valtype(r, mod->ntypes, &t, err))
			return jit_fail(unit, "internal error: %s", err->msg);
		if (heap_gc_or_eh(unit, t))
			return false;
		if (count == 0)
			continue;
		if (!cmn_grow((void **)&f->groups, &f->capgroups, f->ngroups + 1,
		          sizeof(*f->groups)))
			return jit_fail(unit, "out of memory");
		f->groups[f->ngroups].start = (uint32_t)total;
		f->groups[f->ngroups].type = t;
		f->ngroups++;
		total += count;
	}
	if (total > WB_CODE_MAX_LOCALS + (uint64_t)f->ft->nparams)
		return jit_fail(unit, "internal error: too many locals");
	f->nlocals = (uint32_t)total;
	if (f->nlocals + 1 > unit->cap_local) {
		uint32_t old = unit->cap_local;

		if (!cmn_grow((void **)&unit->c_local, &unit->cap_local, f->nlocals + 1,
		          sizeof(*unit->c_local)))
			return jit_fail(unit, "out of memory");
		memset(unit->c_local + old, 0,
		       (unit->cap_local - old) * sizeof(*unit->c_local));
	}
	return true;
}

static void free_fn(jit_fn *f)
{
	free(f->groups);
	free(f->stack);
	free(f->ctl);
	free(f->phis);
	free(f->args);
}

/* The tailcc entry "f<N>" of a split function: calls its body "b<N>"
 * (C convention), which FastISel selects whole (jit.h, "Fast tier
 * calls"). */
static void emit_entry(jit_unit *u, uint32_t funcidx)
{
	LLVMValueRef fn = jit_func_decl(u, funcidx), body = u->bodies[funcidx];
	LLVMValueRef small[8], *args = small, call;
	unsigned n = LLVMCountParams(fn), i;

	if (n > 8 && (args = malloc(n * sizeof(*args))) == NULL) {
		jit_fail(u, "out of memory");
		return;
	}
	LLVMPositionBuilderAtEnd(u->b, LLVMAppendBasicBlockInContext(u->ctx, fn, "entry"));
	for (i = 0; i < n; i++)
		args[i] = LLVMGetParam(fn, i);
	call = LLVMBuildCall2(u->b, LLVMGlobalGetValueType(body), body, args, n, "");
	LLVMSetInstructionCallConv(call, LLVMCCallConv);
#if LLVM_VERSION_MAJOR >= 18
	LLVMSetTailCallKind(call, LLVMTailCallKindNoTail);
#endif
	if (LLVMGetTypeKind(LLVMGetReturnType(LLVMGlobalGetValueType(body))) == LLVMVoidTypeKind)
		LLVMBuildRetVoid(u->b);
	else
		LLVMBuildRet(u->b, call);
	if (args != small)
		free(args);
}

bool jit_translate_func(jit_unit *u, uint32_t funcidx)
{
	const rt_module *mod = u->mod;
	const rt_func *rf = &mod->funcs[funcidx];
	jit_fn fs = {0}, *f = &fs;
	wb_instr_cfg cfg = {WB_FEAT_ALL, mod->ntypes};
	wb_reader r;
	wb_instr in;
	wb_blocktype bt;
	LLVMBasicBlockRef body;
	cmn_error err;
	uint32_t i;
	unsigned cc;
	jit_ctl *c;

	f->u = u;
	f->index = funcidx;
	f->ft = rt_module_functype(mod, rf->type);
	f->fn = jit_func_body(u, funcidx, &cc);
	u->gen++;
	f->entry = LLVMAppendBasicBlockInContext(u->ctx, f->fn, "entry");
	LLVMPositionBuilderAtEnd(u->eb, f->entry);
	f->vmctx = LLVMGetParam(f->fn, 0);
	f->svc = entry_load(f, f->vmctx, offsetof(rt_vmctx, svc), u->t_ptr);
	if (u->opt->fuel)
		f->fuel_ptr = entry_load(f, f->vmctx, offsetof(rt_vmctx, fuel),
		                         u->t_ptr);
	if (u->opt->deadline)
		f->interrupt_ptr = entry_load(
			f, f->vmctx, offsetof(rt_vmctx, interrupt), u->t_ptr);

	wb_reader_init(&r, mod->bytes, mod->size);
	r.p = mod->bytes + rf->body.off;
	r.end = r.p + rf->body.len;
	if (!read_locals(f, &r, &err))
		goto fail;
	if (!scan_writes(f, &r, &err))
		goto bad;

	body = new_block(f, "body");
	LLVMPositionBuilderAtEnd(u->b, body);
	/* stack limit: the stack pointer (a stack slot's address in the fast
	 * tier, where FastISel cannot select llvm.read_register) against
	 * vmctx->stack_limit */
	{
		LLVMValueRef sp, lim;

		if (u->opt->tier == JIT_TIER_FAST) {
			sp = LLVMBuildPtrToInt(u->b, LLVMBuildAlloca(u->eb, u->t_i8, ""),
			                       u->t_i64, "");
		} else {
			LLVMTypeRef fty;
			LLVMMetadataRef rsp = LLVMMDStringInContext2(u->ctx, "rsp", 3);
			LLVMValueRef md = LLVMMetadataAsValue(
				u->ctx, LLVMMDNodeInContext2(u->ctx, &rsp, 1));
			LLVMValueRef rr = jit_intrinsic(u, "llvm.read_register",
			                                &u->t_i64, 1, &fty);

			sp = LLVMBuildCall2(u->b, fty, rr, &md, 1, "");
		}
		lim = LLVMBuildLoad2(u->b, u->t_i64,
		                     jit_gep_c(u, u->b, f->vmctx,
		                               offsetof(rt_vmctx, stack_limit)),
		                     "");
		jit_tbaa(u, lim, JT_VMCTX);
		jit_trap_if(f, LLVMBuildICmp(u->b, LLVMIntULT, sp, lim, ""),
		            RT_TRAP_STACK_EXHAUSTED);
	}
	checkpoints(f);

	bt.kind = WB_BT_TYPE;
	bt.type = rf->type;
	c = push_ctl(f, JC_FUNC, &bt);
	if (c == NULL)
		goto fail;
	c->height = 0;

	while (f->nctl > 0 && !u->failed) {
		if (!wb_instr_read(&r, &cfg, &in, &err))
			goto bad;
		if (unsupported_op(f, &in))
			goto fail;
		if (top(f)->unreachable) {
			switch (in.op) {
			case WB_OP_BLOCK: case WB_OP_LOOP: case WB_OP_IF:
			case WB_OP_TRY_TABLE:
				f->dead_depth++;
				continue;
			case WB_OP_ELSE:
				if (f->dead_depth > 0)
					continue;
				break;
			case WB_OP_END:
				if (f->dead_depth > 0) {
					f->dead_depth--;
					continue;
				}
				break;
			default:
				continue;
			}
		}
		f->fuel_pending++;
		translate(f, &in);
	}
	if (u->failed)
		goto fail;
	jit_eh_finish(f);
	/* traps last */
	for (i = 0; i < RT_TRAP_COUNT; i++)
		if (f->traps[i] != NULL)
			LLVMMoveBasicBlockAfter(f->traps[i],
			                        LLVMGetLastBasicBlock(f->fn));
	LLVMPositionBuilderAtEnd(u->eb, f->entry);
	LLVMBuildBr(u->eb, body);
#if LLVM_VERSION_MAJOR < 18
	/* no `notail` in the C API: keep tail recursion elimination away
	 * from functions whose calls must all grow the stack */
	if (f->has_plain_call && !f->has_tail_call)
		LLVMAddAttributeAtIndex(
			f->fn, LLVMAttributeFunctionIndex,
			LLVMCreateStringAttribute(u->ctx, "disable-tail-calls", 18,
			                          "true", 4));
#endif
	free_fn(f);
	if (jit_func_split(u, funcidx))
		emit_entry(u, funcidx);
	return true;
bad:
	jit_fail(u, "internal error: function %u: %s", funcidx, err.msg);
fail:
	free_fn(f);
	return false;
}
