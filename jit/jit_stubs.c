/*
 * jit_stubs.c - host -> wasm entry trampolines (one per function type) and
 * wasm -> host adapters (one per imported function's type), rt_abi.h.
 *
 * Their frames grow with the parameter count (an adapter's rt_val array,
 * a trampoline's outgoing arguments) and their first argument is not
 * always a vmctx, so they probe a frame of 4 KiB or more page by page
 * from the top: the thread's guard page faults before anything below it
 * is written, and the runtime reports "call stack exhausted".
 */
#include <stdlib.h>

#include "jit_int.h"

static LLVMValueRef slot(jit_unit *u, LLVMValueRef arr, uint32_t i)
{
	return jit_gep_c(u, u->b, arr, (uint64_t)i * sizeof(rt_val));
}

static LLVMValueRef load_slot(jit_unit *u, LLVMTypeRef ty, LLVMValueRef arr,
                              uint32_t i)
{
	LLVMValueRef ld = LLVMBuildLoad2(u->b, ty, slot(u, arr, i), "");

	LLVMSetAlignment(ld, 8);
	return ld;
}

static void store_slot(jit_unit *u, LLVMValueRef v, LLVMValueRef arr,
                       uint32_t i)
{
	LLVMSetAlignment(LLVMBuildStore(u->b, v, slot(u, arr, i)), 8);
}

bool jit_emit_trampoline(jit_unit *u, uint32_t typeidx, const char *name)
{
	const rt_functype *ft = rt_module_functype(u->mod, typeidx);
	LLVMTypeRef ps[3] = {u->t_ptr, u->t_ptr, u->t_ptr};
	LLVMTypeRef tty = LLVMFunctionType(u->t_void, ps, 3, 0);
	LLVMValueRef fn = LLVMAddFunction(u->m, name, tty), *args, call, arr;
	uint32_t i;

	LLVMSetVisibility(fn, LLVMHiddenVisibility);
	jit_set_fn_attrs(u, fn);
	LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex, u->a_probe_pages);
	LLVMPositionBuilderAtEnd(
		u->b, LLVMAppendBasicBlockInContext(u->ctx, fn, "entry"));
	args = malloc((ft->nparams + 1) * sizeof(*args));
	if (args == NULL)
		return jit_fail(u, "out of memory");
	arr = LLVMGetParam(fn, 2);
	args[0] = LLVMGetParam(fn, 0);
	for (i = 0; i < ft->nparams; i++)
		args[i + 1] = load_slot(u, jit_valtype(u, ft->params[i]), arr, i);
	call = LLVMBuildCall2(u->b, jit_functype(u, typeidx),
	                      LLVMGetParam(fn, 1), args, ft->nparams + 1, "");
	LLVMSetInstructionCallConv(call, JIT_CC_TAIL);
	free(args);
	if (ft->nresults == 1)
		store_slot(u, call, arr, 0);
	else
		for (i = 0; i < ft->nresults; i++)
			store_slot(u, LLVMBuildExtractValue(u->b, call, i, ""), arr,
			           i);
	LLVMBuildRetVoid(u->b);
	return true;
}

bool jit_emit_adapter(jit_unit *u, uint32_t typeidx, const char *name)
{
	const rt_functype *ft = rt_module_functype(u->mod, typeidx);
	LLVMValueRef fn = LLVMAddFunction(u->m, name, jit_functype(u, typeidx));
	uint32_t n = ft->nparams > ft->nresults ? ft->nparams : ft->nresults;
	LLVMTypeRef slots = LLVMArrayType(u->t_i8,
	                                  (n ? n : 1) * (unsigned)sizeof(rt_val));
	LLVMTypeRef ps[2] = {u->t_ptr, u->t_ptr};
	LLVMTypeRef ity = LLVMFunctionType(u->t_void, ps, 2, 0);
	LLVMValueRef arr, hf, inv, args[2], call, agg;
	uint32_t i;

	LLVMSetFunctionCallConv(fn, JIT_CC_TAIL);
	LLVMSetVisibility(fn, LLVMHiddenVisibility);
	jit_set_fn_attrs(u, fn);
	LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex, u->a_probe_pages);
	LLVMPositionBuilderAtEnd(
		u->b, LLVMAppendBasicBlockInContext(u->ctx, fn, "entry"));
	arr = LLVMBuildAlloca(u->b, slots, "");
	LLVMSetAlignment(arr, 16);
	hf = LLVMGetParam(fn, 0);
	for (i = 0; i < ft->nparams; i++)
		store_slot(u, LLVMGetParam(fn, i + 1), arr, i);
	inv = LLVMBuildLoad2(u->b, u->t_ptr,
	                     jit_gep_c(u, u->b, hf, offsetof(rt_hostfunc, invoke)),
	                     "");
	args[0] = hf;
	args[1] = arr;
	call = LLVMBuildCall2(u->b, ity, inv, args, 2, "");
	(void)call;
	if (ft->nresults == 0) {
		LLVMBuildRetVoid(u->b);
	} else if (ft->nresults == 1) {
		LLVMBuildRet(u->b, load_slot(u, jit_valtype(u, ft->results[0]),
		                             arr, 0));
	} else {
		agg = LLVMGetUndef(jit_restype(u, ft));
		for (i = 0; i < ft->nresults; i++)
			agg = LLVMBuildInsertValue(
				u->b, agg,
				load_slot(u, jit_valtype(u, ft->results[i]), arr, i),
				i, "");
		LLVMBuildRet(u->b, agg);
	}
	return true;
}
