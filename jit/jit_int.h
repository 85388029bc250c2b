/*
 * jit_int.h - the compiler's internals shared by the jit/ sources.
 *
 * One jit_unit per chunk of functions: its own LLVMContext and module
 * (units are compiled on different threads). One jit_fn while translating
 * one function body.
 */
#ifndef JIT_INT_H
#define JIT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <llvm-c/Core.h>
#include <llvm-c/TargetMachine.h>
#include <llvm/Config/llvm-config.h>

#include "cmn_error.h"
#include "jit.h"
#include "rt_abi.h"
#include "rt_module.h"
#include "wb_instr.h"

/* LLVM's `tailcc` (CallingConv::Tail): no named constant in the C API. */
#define JIT_CC_TAIL 18

/* TBAA access tags: classes of memory that never alias each other. */
enum {
	JT_WASM_MEM,  /* linear memory contents */
	JT_MEM_DESC,  /* rt_memory.base / size */
	JT_TABLE,     /* rt_table fields and elements */
	JT_GLOBAL,    /* rt_global cells */
	JT_VMCTX,     /* vmctx fields and the arrays it points to */
	JT_FUEL,      /* *vmctx->fuel */
	JT_COUNT
};

typedef struct jit_cache_ent {
	uint32_t gen;
	uint32_t wgen; /* c_local: == gen when the function writes the local */
	LLVMValueRef v;
} jit_cache_ent;

typedef struct jit_unit {
	const rt_module *mod;
	const jit_options *opt;

	LLVMContextRef ctx;
	LLVMModuleRef m;
	LLVMBuilderRef b;      /* body */
	LLVMBuilderRef eb;     /* entry block (allocas, invariant loads) */

	LLVMTypeRef t_i1, t_i8, t_i16, t_i32, t_i64, t_i128, t_f32, t_f64,
		t_ptr, t_void, t_v128;
	LLVMTypeRef t_i8x16, t_i16x8, t_i32x4, t_f32x4, t_f64x2;
	LLVMTypeRef *fnty;     /* per type index (NULL for non-func / lazy) */
	LLVMTypeRef **ptys, **rtys; /* per type index: LLVM param / result
	                               types (lazy) */
	LLVMTypeRef one[6];    /* i32 i64 f32 f64 v128 ptr, for block types */
	LLVMValueRef *fns;     /* per function index (declared lazily) */
	LLVMTypeRef t_trap;

	unsigned md_tbaa, md_invariant;
	LLVMValueRef tbaa[JT_COUNT];
	LLVMValueRef md_empty;
	LLVMAttributeRef a_nounwind, a_noreturn, a_cold, a_nobuiltins;
	LLVMAttributeRef a_returns_twice;
	LLVMAttributeRef a_probe; /* "probe-stack": the frame-size check */
	LLVMAttributeRef a_probe_pages; /* "probe-stack"="inline-asm": frames
	                                   touched page by page (stubs) */

	/* per-function caches (stamped with gen) */
	uint32_t gen;
	jit_cache_ent *c_mem, *c_table, *c_global, *c_func, *c_type;
	jit_cache_ent *c_membase; /* per memory: its base (entry block) */
	jit_cache_ent *c_local;  /* per local index: its alloca */
	uint32_t cap_local;

	bool tail_calls;       /* some function has a return_call */
	/* Fast tier (jit.h, "Fast tier calls"): per defined function, true
	 * when its body has a return_call*; NULL when bodies are not split
	 * (the optimized tier). Owned by the job. */
	const uint8_t *tail_funcs;
	LLVMValueRef *bodies;  /* per function index: its C-convention body */
	/* the deepest nesting of blocks and the highest operand stack of the
	 * functions translated (the large-function pipeline's signals) */
	uint32_t max_nesting, max_height, max_blocks, max_ifs;
	cmn_error *err;
	bool failed;
} jit_unit;

typedef struct jit_ctl {
	uint8_t kind;           /* JC_* */
	bool unreachable;       /* rest of the frame is dead code */
	bool else_seen;
	bool end_used;          /* a branch targets `end` */
	uint32_t height;        /* value stack height below the params */
	uint32_t nparams, nresults;
	LLVMTypeRef *ptypes, *rtypes; /* borrowed from the unit's cache */
	LLVMBasicBlockRef end;  /* continuation */
	LLVMBasicBlockRef header; /* loop header */
	LLVMBasicBlockRef else_bb; /* if */
	uint32_t phi_base;      /* index into jit_fn.phis: end phis (block,
	                           if) or header phis (loop) */
	uint32_t param_base;    /* if: saved param values in jit_fn.phis */
	LLVMValueRef eh_rec;    /* try_table: its rt_eh_frame (an alloca) */
} jit_ctl;

enum { JC_FUNC, JC_BLOCK, JC_LOOP, JC_IF, JC_TRY };

typedef struct jit_fn {
	jit_unit *u;
	uint32_t index;        /* function index */
	const rt_functype *ft;
	LLVMValueRef fn;
	LLVMValueRef vmctx;
	LLVMBasicBlockRef entry;
	LLVMBasicBlockRef traps[RT_TRAP_COUNT];

	/* Locals are allocas created on first use (a body may declare 50,000
	 * locals and touch a few): declared groups after the parameters. */
	uint32_t nlocals;
	uint32_t ngroups, capgroups;
	struct jit_lgroup {
		uint32_t start;  /* first local index of the group */
		rt_valtype type;
	} *groups;

	LLVMValueRef *stack;
	uint32_t sp, capstack;
	jit_ctl *ctl;
	uint32_t nctl, capctl;
	LLVMValueRef *phis;    /* phi nodes and saved values of frames */
	uint32_t nphis, capphis;
	uint32_t dead_depth;   /* nested blocks inside unreachable code */
	LLVMValueRef *args;    /* call arguments */
	uint32_t capargs;

	/* invariant values loaded in the entry block */
	LLVMValueRef svc, fuel_ptr, interrupt_ptr;

	bool has_plain_call, has_tail_call;
	/* try_table: open JC_TRY frames; the function has one (its locals
	 * are then accessed volatile: a handler sees their values at the
	 * throw, not at the try_table's setjmp) */
	uint32_t ntry;
	bool has_try;
	uint32_t nblocks;      /* blocks, loops, ifs and try_tables so far */
	uint32_t nifs;         /* ifs open now */
	/* fuel: instructions since the last flush */
	uint32_t fuel_pending;
} jit_fn;

/* --- jit_llvm.c: unit setup and helpers */
bool jit_unit_init(jit_unit *u, const rt_module *mod, const jit_options *opt,
                   cmn_error *err);
void jit_unit_fini(jit_unit *u);
LLVMTypeRef jit_valtype(jit_unit *u, rt_valtype t);
LLVMTypeRef jit_functype(jit_unit *u, uint32_t typeidx);
/* The LLVM result type of a wasm function type (void/scalar/struct). */
LLVMTypeRef jit_restype(jit_unit *u, const rt_functype *ft);
LLVMValueRef jit_func_decl(jit_unit *u, uint32_t funcidx);
/* The function a direct call to defined function `funcidx` calls, and
 * its calling convention: its C-convention body "b<N>" when the unit
 * splits it, else its entry (jit_func_decl). */
LLVMValueRef jit_func_body(jit_unit *u, uint32_t funcidx, unsigned *ret_cc);
bool jit_func_split(const jit_unit *u, uint32_t funcidx);
void jit_set_fn_attrs(jit_unit *u, LLVMValueRef fn);
LLVMValueRef jit_intrinsic(jit_unit *u, const char *name, LLVMTypeRef *tys,
                           unsigned ntys, LLVMTypeRef *ret_fnty);
LLVMValueRef jit_call_intr(jit_unit *u, const char *name, LLVMTypeRef ty,
                           LLVMValueRef *args, unsigned nargs);
LLVMValueRef jit_call_intr2(jit_unit *u, const char *name, LLVMTypeRef *tys,
                            unsigned ntys, LLVMValueRef *args,
                            unsigned nargs);
/* Metadata for the optimizer (nothing in the fast tier). */
void jit_tbaa(jit_unit *u, LLVMValueRef inst, int kind);
void jit_invariant(jit_unit *u, LLVMValueRef load);
/* Pointer arithmetic: p + off bytes. */
LLVMValueRef jit_gep(jit_unit *u, LLVMBuilderRef b, LLVMValueRef p,
                     LLVMValueRef off);
LLVMValueRef jit_gep_c(jit_unit *u, LLVMBuilderRef b, LLVMValueRef p,
                       uint64_t off);
LLVMValueRef jit_i32c(jit_unit *u, uint32_t v);
LLVMValueRef jit_i64c(jit_unit *u, uint64_t v);
LLVMValueRef jit_zero(jit_unit *u, LLVMTypeRef t);
bool jit_fail(jit_unit *u, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* --- jit_func.c */
bool jit_translate_func(jit_unit *u, uint32_t funcidx);
/* pops / pushes on the value stack */
LLVMValueRef jit_pop(jit_fn *f);
void jit_push(jit_fn *f, LLVMValueRef v);
/* Emits a conditional trap: if `cond` then trap `code`. */
void jit_trap_if(jit_fn *f, LLVMValueRef cond, uint32_t code);
void jit_trap(jit_fn *f, uint32_t code);
/* Effective address of a memory access (after bounds checks); NULL on a
 * static out-of-bounds offset (trap emitted). */
LLVMValueRef jit_mem_addr(jit_fn *f, const wb_memarg *ma, LLVMValueRef idx,
                          uint32_t size, bool atomic);
/* A non-atomic linear-memory load / store at p (from jit_mem_addr):
 * volatile, alignment 1 (exact traps, see jit.h). */
LLVMValueRef jit_mem_load(jit_fn *f, LLVMTypeRef ty, LLVMValueRef p);
void jit_mem_store(jit_fn *f, LLVMValueRef v, LLVMValueRef p);

/* Helpers of jit_func.c for jit_eh.c. */
LLVMBasicBlockRef jit_new_block(jit_fn *f, const char *name);
/* A load in the entry block, invariant for the whole call (vmctx fields). */
LLVMValueRef jit_entry_load(jit_fn *f, LLVMValueRef p, uint64_t off,
                            LLVMTypeRef ty);
/* A call of the rt_services function at `off`. */
LLVMValueRef jit_svc_call(jit_fn *f, size_t off, LLVMTypeRef ret,
                          LLVMTypeRef *ptys, LLVMValueRef *args, unsigned n);
/* br to the label `depth` frames up, with the top values of the stack
 * (leaving every try_table on the way, see jit_eh_exit). */
void jit_br_label(jit_fn *f, uint32_t depth);
jit_ctl *jit_push_ctl(jit_fn *f, uint8_t kind, const wb_blocktype *bt);
void jit_set_unreachable(jit_fn *f);
void jit_fuel_flush(jit_fn *f);

/* --- jit_eh.c: exception handling (try_table, throw, throw_ref) */
void jit_eh_try_table(jit_fn *f, const wb_instr *in);
void jit_eh_throw(jit_fn *f, uint32_t tag);
void jit_eh_throw_ref(jit_fn *f);
/* A branch to frame `target` (an index into f->ctl; 0 for return) leaves
 * every try_table frame at index >= target: true when there is one. */
bool jit_eh_exits(jit_fn *f, uint32_t target);
/* Emits the eh_leave of the outermost such frame (nothing when none). */
void jit_eh_exit(jit_fn *f, uint32_t target);
/* After a body with try_table: its locals' loads and stores volatile. */
void jit_eh_finish(jit_fn *f);

/* --- jit_num.c: scalar numeric instructions; false when `op` is not one */
bool jit_numeric(jit_fn *f, const wb_instr *in);
/* An opaque copy of v (LLVM cannot fold through it). */
LLVMValueRef jit_opaque(jit_fn *f, LLVMValueRef v);
/* wasm fmin/fmax on scalars or vectors. */
LLVMValueRef jit_fminmax(jit_fn *f, LLVMValueRef a, LLVMValueRef b,
                         bool is_max);

/* --- jit_simd.c: SIMD instructions (0xFD); false when not one */
bool jit_simd(jit_fn *f, const wb_instr *in);
LLVMValueRef jit_v128_to(jit_fn *f, LLVMValueRef v, LLVMTypeRef t);
LLVMValueRef jit_v128_from(jit_fn *f, LLVMValueRef v);

/* --- jit_stubs.c: trampolines and host adapters */
bool jit_emit_trampoline(jit_unit *u, uint32_t typeidx, const char *name);
bool jit_emit_adapter(jit_unit *u, uint32_t typeidx, const char *name);

/* --- jit.c */
LLVMTargetMachineRef jit_target_machine(const jit_options *opt,
                                        cmn_error *err);
/* Runs the tier's passes and emits an ELF object into a malloc'd buffer. */
bool jit_emit_object(LLVMModuleRef m, LLVMTargetMachineRef tm,
                     const jit_options *opt, uint8_t **ret, size_t *ret_size,
                     cmn_error *err);
/* True when the result list of `ft` is small enough for a musttail. */
bool jit_results_in_regs(const rt_functype *ft);

#endif
