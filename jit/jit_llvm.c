/*
 * jit_llvm.c - a translation unit's LLVM context, module, types, function
 * declarations, intrinsics and metadata.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jit_int.h"

bool jit_fail(jit_unit *u, const char *fmt, ...)
{
	va_list ap;

	if (!u->failed && u->err != NULL) {
		va_start(ap, fmt);
		vsnprintf(u->err->msg, sizeof(u->err->msg), fmt, ap);
		va_end(ap);
		u->err->has_offset = false;
		u->err->offset = 0;
	}
	u->failed = true;
	return false;
}

static LLVMMetadataRef md_str(jit_unit *u, const char *s)
{
	return LLVMMDStringInContext2(u->ctx, s, strlen(s));
}

static LLVMMetadataRef md_i64(jit_unit *u, uint64_t v)
{
	return LLVMValueAsMetadata(LLVMConstInt(u->t_i64, v, 0));
}

static void init_tbaa(jit_unit *u)
{
	static const char *names[JT_COUNT] = {
		"wasm memory", "memory descriptor", "table", "global",
		"vmctx", "fuel",
	};
	LLVMMetadataRef root_ops[1] = {md_str(u, "wasmc tbaa")};
	LLVMMetadataRef root = LLVMMDNodeInContext2(u->ctx, root_ops, 1);
	int k;

	for (k = 0; k < JT_COUNT; k++) {
		LLVMMetadataRef tops[3] = {md_str(u, names[k]), root,
		                           md_i64(u, 0)};
		LLVMMetadataRef ty = LLVMMDNodeInContext2(u->ctx, tops, 3);
		LLVMMetadataRef aops[3] = {ty, ty, md_i64(u, 0)};

		u->tbaa[k] = LLVMMetadataAsValue(
			u->ctx, LLVMMDNodeInContext2(u->ctx, aops, 3));
	}
}

static LLVMAttributeRef enum_attr(jit_unit *u, const char *name)
{
	unsigned kind = LLVMGetEnumAttributeKindForName(name, strlen(name));

	return LLVMCreateEnumAttribute(u->ctx, kind, 0);
}

/*
 * The stack probe of every wasm function whose frame is 4 KiB or more
 * ("probe-stack"): X86's prologue calls it with the frame size in %rax
 * before it lowers %rsp by %rax. %rdi is still the function's first
 * argument, its vmctx. When the frame would end below vmctx->stack_limit
 * it tail-jumps to svc->trap(vmctx, RT_TRAP_STACK_EXHAUSTED) as if from
 * the function's prologue (the return address names the function; the
 * stack is aligned as at a call), before one byte of the frame is
 * written. It preserves every register but the flags. A local symbol in
 * each object (module asm); frames below 4 KiB are checked after the
 * prologue (jit_func.c), within the runtime's reserve below the limit.
 */
#define PROBE_NAME "__wasmc_probe"

static void add_probe(jit_unit *u)
{
	char text[1024];

	snprintf(text, sizeof(text),
	         "\t.text\n"
	         "\t.p2align 4\n"
	         "\t.type " PROBE_NAME ",@function\n"
	         PROBE_NAME ":\n"
	         "\tpushq %%rcx\n"
	         "\tleaq 16(%%rsp), %%rcx\n"  /* %%rsp of the caller's prologue */
	         "\tsubq %%rax, %%rcx\n"      /* ... after its allocation */
	         "\tjb 1f\n"
	         "\tcmpq %zu(%%rdi), %%rcx\n"
	         "\tjb 1f\n"
	         "\tpopq %%rcx\n"
	         "\tretq\n"
	         "1:\tpopq %%rcx\n"
	         "\ttestq $15, %%rsp\n"       /* at a call: %%rsp = 8 mod 16 */
	         "\tjnz 2f\n"
	         "\tpushq (%%rsp)\n"
	         "2:\tmovl $%u, %%esi\n"
	         "\tmovq %zu(%%rdi), %%rax\n"
	         "\tjmpq *%zu(%%rax)\n"
	         "\t.size " PROBE_NAME ", .-" PROBE_NAME "\n",
	         offsetof(rt_vmctx, stack_limit), (unsigned)RT_TRAP_STACK_EXHAUSTED,
	         offsetof(rt_vmctx, svc), offsetof(rt_services, trap));
	LLVMSetModuleInlineAsm2(u->m, text, strlen(text));
}

bool jit_unit_init(jit_unit *u, const rt_module *mod, const jit_options *opt,
                   cmn_error *err)
{
	LLVMTypeRef p2[2];

	u->mod = mod;
	u->opt = opt;
	u->err = err;
	u->ctx = LLVMContextCreate();
	/* names of instructions and blocks cost time and are only read in a
	 * dump (WASMC_JIT_DUMP); functions keep theirs */
	LLVMContextSetDiscardValueNames(u->ctx, getenv("WASMC_JIT_DUMP") == NULL);
	u->m = LLVMModuleCreateWithNameInContext("wasm", u->ctx);
	u->b = LLVMCreateBuilderInContext(u->ctx);
	u->eb = LLVMCreateBuilderInContext(u->ctx);
	u->t_i1 = LLVMInt1TypeInContext(u->ctx);
	u->t_i8 = LLVMInt8TypeInContext(u->ctx);
	u->t_i16 = LLVMInt16TypeInContext(u->ctx);
	u->t_i32 = LLVMInt32TypeInContext(u->ctx);
	u->t_i64 = LLVMInt64TypeInContext(u->ctx);
	u->t_i128 = LLVMIntTypeInContext(u->ctx, 128);
	u->t_f32 = LLVMFloatTypeInContext(u->ctx);
	u->t_f64 = LLVMDoubleTypeInContext(u->ctx);
	u->t_ptr = LLVMPointerTypeInContext(u->ctx, 0);
	u->t_void = LLVMVoidTypeInContext(u->ctx);
	u->t_v128 = LLVMVectorType(u->t_i64, 2);
	u->t_i8x16 = LLVMVectorType(u->t_i8, 16);
	u->t_i16x8 = LLVMVectorType(u->t_i16, 8);
	u->t_i32x4 = LLVMVectorType(u->t_i32, 4);
	u->t_f32x4 = LLVMVectorType(u->t_f32, 4);
	u->t_f64x2 = LLVMVectorType(u->t_f64, 2);

	p2[0] = u->t_ptr;
	p2[1] = u->t_i32;
	u->t_trap = LLVMFunctionType(u->t_void, p2, 2, 0);

	u->md_tbaa = LLVMGetMDKindIDInContext(u->ctx, "tbaa", 4);
	u->md_invariant =
		LLVMGetMDKindIDInContext(u->ctx, "invariant.load", 14);
	u->md_empty = LLVMMetadataAsValue(
		u->ctx, LLVMMDNodeInContext2(u->ctx, NULL, 0));
	init_tbaa(u);
	u->a_nounwind = enum_attr(u, "nounwind");
	u->a_noreturn = enum_attr(u, "noreturn");
	u->a_returns_twice = enum_attr(u, "returns_twice");
	u->a_cold = enum_attr(u, "cold");
	u->a_nobuiltins =
		LLVMCreateStringAttribute(u->ctx, "no-builtins", 11, "", 0);
	u->a_probe = LLVMCreateStringAttribute(u->ctx, "probe-stack", 11, PROBE_NAME,
	                                       sizeof(PROBE_NAME) - 1);
	u->a_probe_pages = LLVMCreateStringAttribute(u->ctx, "probe-stack", 11, "inline-asm", 10);
	add_probe(u);

	u->one[0] = u->t_i32;
	u->one[1] = u->t_i64;
	u->one[2] = u->t_f32;
	u->one[3] = u->t_f64;
	u->one[4] = u->t_v128;
	u->one[5] = u->t_ptr;
	u->fnty = calloc(mod->ntypes + 1, sizeof(*u->fnty));
	u->ptys = calloc(mod->ntypes + 1, sizeof(*u->ptys));
	u->rtys = calloc(mod->ntypes + 1, sizeof(*u->rtys));
	u->fns = calloc(mod->nfuncs + 1, sizeof(*u->fns));
	u->bodies = calloc(mod->nfuncs + 1, sizeof(*u->bodies));
	u->c_mem = calloc(mod->nmemories + 1, sizeof(jit_cache_ent));
	u->c_membase = calloc(mod->nmemories + 1, sizeof(jit_cache_ent));
	u->c_table = calloc(mod->ntables + 1, sizeof(jit_cache_ent));
	u->c_global = calloc(mod->nglobals + 1, sizeof(jit_cache_ent));
	u->c_func = calloc(mod->nfuncs + 1, sizeof(jit_cache_ent));
	u->c_type = calloc(mod->ntypes + 1, sizeof(jit_cache_ent));
	if (!u->fnty || !u->ptys || !u->rtys || !u->fns || !u->bodies || !u->c_mem || !u->c_membase || !u->c_table ||
	    !u->c_global || !u->c_func || !u->c_type)
		return jit_fail(u, "out of memory");
	return true;
}

void jit_unit_fini(jit_unit *u)
{
	if (u->b)
		LLVMDisposeBuilder(u->b);
	if (u->eb)
		LLVMDisposeBuilder(u->eb);
	if (u->m)
		LLVMDisposeModule(u->m);
	if (u->ctx)
		LLVMContextDispose(u->ctx);
	if (u->ptys != NULL && u->mod != NULL) {
		uint32_t i;

		for (i = 0; i < u->mod->ntypes; i++) {
			free(u->ptys[i]);
			free(u->rtys[i]);
		}
	}
	free(u->fnty);
	free(u->ptys);
	free(u->rtys);
	free(u->fns);
	free(u->bodies);
	free(u->c_mem);
	free(u->c_membase);
	free(u->c_table);
	free(u->c_global);
	free(u->c_func);
	free(u->c_type);
	free(u->c_local);
	memset(u, 0, sizeof(*u));
}

LLVMTypeRef jit_valtype(jit_unit *u, rt_valtype t)
{
	switch (t.kind) {
	case RT_I32:
		return u->t_i32;
	case RT_I64:
		return u->t_i64;
	case RT_F32:
		return u->t_f32;
	case RT_F64:
		return u->t_f64;
	case RT_V128:
		return u->t_v128;
	default:
		return u->t_ptr;
	}
}

LLVMTypeRef jit_restype(jit_unit *u, const rt_functype *ft)
{
	LLVMTypeRef small[8], *tys = small, rt;
	uint32_t i;

	if (ft->nresults == 0)
		return u->t_void;
	if (ft->nresults == 1)
		return jit_valtype(u, ft->results[0]);
	if (ft->nresults > 8) {
		tys = malloc(ft->nresults * sizeof(*tys));
		if (tys == NULL)
			return NULL;
	}
	for (i = 0; i < ft->nresults; i++)
		tys[i] = jit_valtype(u, ft->results[i]);
	rt = LLVMStructTypeInContext(u->ctx, tys, ft->nresults, 0);
	if (tys != small)
		free(tys);
	return rt;
}

LLVMTypeRef jit_functype(jit_unit *u, uint32_t typeidx)
{
	const rt_functype *ft;
	LLVMTypeRef small[16], *ps = small, rt;
	uint32_t i;

	if (u->fnty[typeidx] != NULL)
		return u->fnty[typeidx];
	ft = rt_module_functype(u->mod, typeidx);
	if (ft->nparams + 1 > 16) {
		ps = malloc((ft->nparams + 1) * sizeof(*ps));
		if (ps == NULL)
			return NULL;
	}
	ps[0] = u->t_ptr;
	for (i = 0; i < ft->nparams; i++)
		ps[i + 1] = jit_valtype(u, ft->params[i]);
	rt = LLVMFunctionType(jit_restype(u, ft), ps, ft->nparams + 1, 0);
	if (ps != small)
		free(ps);
	u->fnty[typeidx] = rt;
	return rt;
}

void jit_set_fn_attrs(jit_unit *u, LLVMValueRef fn)
{
	LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex, u->a_nounwind);
	/* no library calls: loops must not become memset/memcpy calls */
	LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex,
	                        u->a_nobuiltins);
}

/* Declares function `funcidx`: its entry "f<N>" and, when split, its body
 * "b<N>" right after it. Functions are emitted in the order they are
 * declared, so a body follows its own entry in the code, and a code
 * address inside it belongs to the nearest entry below it (rt_code_locate
 * names the function a trap came from that way). */
static void declare(jit_unit *u, uint32_t funcidx)
{
	LLVMTypeRef fty = jit_functype(u, u->mod->funcs[funcidx].type);
	char name[32];
	LLVMValueRef fn;

	snprintf(name, sizeof(name), "f%u", funcidx);
	fn = LLVMAddFunction(u->m, name, fty);
	LLVMSetFunctionCallConv(fn, JIT_CC_TAIL);
	LLVMSetVisibility(fn, LLVMHiddenVisibility);
	jit_set_fn_attrs(u, fn);
	/* only wasm functions: their first argument is a vmctx */
	LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex, u->a_probe);
	u->fns[funcidx] = fn;
	if (!jit_func_split(u, funcidx))
		return;
	snprintf(name, sizeof(name), "b%u", funcidx);
	fn = LLVMAddFunction(u->m, name, fty);
	LLVMSetVisibility(fn, LLVMHiddenVisibility);
	jit_set_fn_attrs(u, fn);
	LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex, u->a_probe);
	u->bodies[funcidx] = fn;
}

LLVMValueRef jit_func_decl(jit_unit *u, uint32_t funcidx)
{
	if (u->fns[funcidx] == NULL)
		declare(u, funcidx);
	return u->fns[funcidx];
}

bool jit_func_split(const jit_unit *u, uint32_t funcidx)
{
	return u->tail_funcs != NULL && funcidx >= u->mod->nfuncs_imported &&
	       !u->tail_funcs[funcidx - u->mod->nfuncs_imported];
}

LLVMValueRef jit_func_body(jit_unit *u, uint32_t funcidx, unsigned *ret_cc)
{
	if (u->fns[funcidx] == NULL)
		declare(u, funcidx);
	if (!jit_func_split(u, funcidx)) {
		*ret_cc = JIT_CC_TAIL;
		return u->fns[funcidx];
	}
	*ret_cc = LLVMCCallConv;
	return u->bodies[funcidx];
}

LLVMValueRef jit_intrinsic(jit_unit *u, const char *name, LLVMTypeRef *tys,
                           unsigned ntys, LLVMTypeRef *ret_fnty)
{
	unsigned id = LLVMLookupIntrinsicID(name, strlen(name));
	LLVMValueRef fn;

	if (id == 0) {
		jit_fail(u, "internal error: no intrinsic %s", name);
		return NULL;
	}
	if (!LLVMIntrinsicIsOverloaded(id))
		ntys = 0;
	fn = LLVMGetIntrinsicDeclaration(u->m, id, tys, ntys);
	if (ret_fnty)
		*ret_fnty = LLVMGlobalGetValueType(fn);
	return fn;
}

LLVMValueRef jit_call_intr2(jit_unit *u, const char *name, LLVMTypeRef *tys,
                            unsigned ntys, LLVMValueRef *args,
                            unsigned nargs)
{
	LLVMTypeRef fty;
	LLVMValueRef fn = jit_intrinsic(u, name, tys, ntys, &fty);

	if (fn == NULL)
		return LLVMGetUndef(tys[0]);
	return LLVMBuildCall2(u->b, fty, fn, args, nargs, "");
}

LLVMValueRef jit_call_intr(jit_unit *u, const char *name, LLVMTypeRef ty,
                           LLVMValueRef *args, unsigned nargs)
{
	return jit_call_intr2(u, name, &ty, 1, args, nargs);
}

void jit_tbaa(jit_unit *u, LLVMValueRef inst, int kind)
{
	if (u->opt->tier != JIT_TIER_FAST)
		LLVMSetMetadata(inst, u->md_tbaa, u->tbaa[kind]);
}

void jit_invariant(jit_unit *u, LLVMValueRef load)
{
	if (u->opt->tier != JIT_TIER_FAST)
		LLVMSetMetadata(load, u->md_invariant, u->md_empty);
}

LLVMValueRef jit_gep(jit_unit *u, LLVMBuilderRef b, LLVMValueRef p,
                     LLVMValueRef off)
{
	return LLVMBuildGEP2(b, u->t_i8, p, &off, 1, "");
}

LLVMValueRef jit_gep_c(jit_unit *u, LLVMBuilderRef b, LLVMValueRef p,
                       uint64_t off)
{
	if (off == 0)
		return p;
	return jit_gep(u, b, p, LLVMConstInt(u->t_i64, off, 0));
}

LLVMValueRef jit_i32c(jit_unit *u, uint32_t v)
{
	return LLVMConstInt(u->t_i32, v, 0);
}

LLVMValueRef jit_i64c(jit_unit *u, uint64_t v)
{
	return LLVMConstInt(u->t_i64, v, 0);
}

LLVMValueRef jit_zero(jit_unit *u, LLVMTypeRef t)
{
	(void)u;
	return LLVMConstNull(t);
}
