/*
 * jit.h - the compiler: a validated module description (rt_module) to one
 * flat, position-independent, fully relocated code image (rt_image) through
 * LLVM (C API only).
 *
 * The code follows runtime/rt_abi.h exactly: every defined wasm function is
 * an LLVM `tailcc` function R f(ptr vmctx, P1..Pn); one host -> wasm
 * trampoline per function type index; one wasm -> host adapter per imported
 * function. Compiled code reaches the runtime only through vmctx fields and
 * the function pointers of vmctx->svc; the image has no undefined symbols
 * and no absolute relocations (jit_link.c checks both).
 *
 * ---------------------------------------------------------------------------
 * What the runtime must provide (the assumptions compiled code makes)
 *
 * Linear memories.
 *   - 32-bit memories (rt_limits.is64 == false, shared or not) are RESERVED
 *     as 4 GiB + guard_bytes of address space starting at rt_memory.base:
 *     bytes [0, size) are accessible, every byte of [size, 4 GiB +
 *     guard_bytes) is inaccessible (PROT_NONE) and stays inside that
 *     reservation. base never moves (memory.grow only commits pages), so
 *     compiled code reads it once per function: memory 0's from
 *     vmctx->mem0_base, which the runtime sets once the memories exist,
 *     the others' from their rt_memory; size is read at each use.
 *     An access at base + zext(i32 index) + offset of n bytes with
 *     offset + n <= guard_bytes is emitted WITHOUT a bounds check: it either
 *     hits accessible memory or faults (SIGSEGV/SIGBUS) inside the
 *     reservation. The runtime's signal handler must turn such a fault whose
 *     PC lies inside the image's text into RT_TRAP_MEMORY_OOB.
 *     guard_bytes is part of the engine fingerprint (default 2 GiB).
 *   - Accesses with offset + n > guard_bytes, all accesses when guard_bytes
 *     is 0, every access to a 64-bit memory and every access to a memory
 *     with a custom page size below 64 KiB (its size need not be a multiple
 *     of the OS page) are checked explicitly
 *     (index + offset + n > size, computed without overflow ->
 *     svc->trap(RT_TRAP_MEMORY_OOB)); those memories need no reservation.
 *   - Exact traps: every non-atomic load and store of linear memory is
 *     volatile (atomics are seq_cst), in both tiers, so LLVM keeps each
 *     one, in program order relative to every other load, store, call and
 *     trap branch: a load whose value dies still faults, and the first
 *     trap in program order is the one reported. Two code generator
 *     behaviours that move a volatile access are off: X86's cmov
 *     converter (a cmov with a load operand becomes a branch around the
 *     load) and AVX-512 (masked moves suppress faults; the CPU features
 *     end with -avx512f). docs/ARCHITECTURE.md has the reasoning and cost.
 *   - rt_memory.size is in bytes; memory.size returns size >> page_log2.
 *   - Atomic accesses check natural alignment of index + offset first
 *     (RT_TRAP_UNALIGNED_ATOMIC), then bounds as above.
 *   - memory.atomic.wait32/64 and notify pass the effective address
 *     (index + offset, as u64; its alignment already checked) to the
 *     services, which check bounds and sharedness.
 *
 * Tables: rt_table.elems/size are read inline for table.get, table.set,
 *   table.size and call_indirect (reloaded on every use); everything else
 *   goes through the services. Funcref tables hold rt_funcref pointers.
 *
 * Native stack: a wasm function whose frame is 4 KiB or more calls
 *   __wasmc_probe from its prologue (X86 "probe-stack"; module asm in each
 *   object), which compares rsp minus the frame size with
 *   vmctx->stack_limit BEFORE the frame is allocated and tail-jumps to
 *   svc->trap(vmctx, RT_TRAP_STACK_EXHAUSTED) when below; every wasm
 *   function also compares its stack pointer, after its frame is
 *   allocated, with the limit (the fast tier: the address of a stack
 *   slot). Trampolines and host adapters (frames grow with the parameter
 *   count) touch a frame of 4 KiB or more page by page from the top, so
 *   the thread's guard page faults first. The runtime must leave room
 *   below stack_limit for svc->trap, runtime services, host functions and
 *   a frame under 4 KiB (rt_trap.c keeps at least 32 KiB).
 *
 * Fuel (jit_options.fuel): every executed wasm instruction costs one unit.
 *   The count of a straight-line run is subtracted from *vmctx->fuel before
 *   the branch, call or return that ends it; at function entry and at every
 *   loop header the code checks *vmctx->fuel < 0 and then calls
 *   svc->out_of_fuel (which traps, or refuels and returns).
 * Deadlines (jit_options.deadline): at function entry and every loop header
 *   a volatile load of *vmctx->interrupt; nonzero calls svc->interrupted.
 *
 * call_indirect compares the element's rt_funcref.type_id with
 *   vmctx->type_ids[typeidx]; on a difference it calls
 *   svc->func_type_match only when the expected type is not final (a final
 *   type has no subtypes, so a different id traps at once).
 * Traps call svc->trap(vmctx, code), which must not return.
 * rt_image.tramp_off[t] exists for every type t that is the type of a
 *   function of the module (imported or defined) and of any type
 *   equivalent to it; other type indices get RT_IMAGE_NONE (a type section
 *   may declare far more types than functions use).
 * Host adapters store parameters into an on-stack rt_val array and call
 *   hostfunc->invoke(hostfunc, array) (C convention).
 *
 * Multi-value results are literal LLVM structs. Very wide result lists
 *   (more than 4 integer/reference or 4 float/vector results) are returned
 *   through memory by LLVM's own lowering; return_call to such a function
 *   is compiled as a call followed by a return (it may grow the stack).
 *
 * Tiers: JIT_TIER_FAST runs mem2reg + simplifycfg and LLVM's -O0 code
 *   generator (FastISel, fast register allocator); JIT_TIER_OPTIMIZED runs
 *   default<O2> and the -O2 code generator. Both implement the same
 *   semantics.
 *
 * Fast tier calls. X86 FastISel selects no `tailcc` call, argument or
 *   return: each one fell back to SelectionDAG (a whole block for a
 *   return), which made calls the fast tier's largest compile cost. So
 *   the fast tier splits every defined function without return_call*
 *   (found by a scan of the bodies before translation) into its body,
 *   "b<N>", a C-convention function that FastISel selects whole, and its
 *   entry "f<N>", the tailcc function of the ABI above, which only calls
 *   the body. Direct calls from the same module call the body; indirect
 *   calls, funcrefs, exports and other instances use the entry. A
 *   function with a return_call* keeps a tailcc body (its tail calls
 *   need one) and is called through its entry. The optimized tier does
 *   not split (its -O2 code generator is SelectionDAG anyway). Functions carry "no-builtins", so no pass turns loops into
 *   calls to memset/memcpy; the linker refuses any undefined symbol.
 *
 * Environment (debugging only, never changes code): WASMC_JIT_VERIFY=1
 *   runs LLVM's IR verifier in the fast tier too (always on in the
 *   optimized tier); WASMC_JIT_DUMP=FILE writes each chunk's final IR;
 *   WASMC_JIT_VERBOSE=1 names each function given the linear pipeline;
 *   WASMC_LLVM_ARGS="-opt ..." passes options to LLVM once per process
 *   (e.g. "-fast-isel-report-on-fallback -pass-remarks-missed=sdagisel"
 *   lists what FastISel leaves to SelectionDAG).
 *
 * Sources: jit.c (driver, options, chunks and threads, emission),
 * jit_func.c (control flow, variables, calls, memory, tables, atomics),
 * jit_num.c (scalar numerics), jit_simd.c (SIMD), jit_stubs.c
 * (trampolines, adapters), jit_eh.c (try_table, throw, throw_ref),
 * jit_llvm.c (LLVM context and helpers), jit_link.c (the ELF64 static
 * linker).
 *
 * Not translated: GC (struct/array types, any/eq/i31/struct/array heap
 * types, 0xFB instructions, ref.eq) -> "unsupported feature: gc"; the
 * legacy exception instructions (try, catch, catch_all, delegate,
 * rethrow) -> "unsupported feature: legacy exception handling".
 */
#ifndef JIT_H
#define JIT_H

#include <stdbool.h>
#include <stdint.h>

#include "cmn_error.h"
#include "rt_image.h"
#include "rt_module.h"
#include "wb_features.h"

/* Part of the fingerprint: bumped when compiled code changes meaning, so
 * that artifacts cached by an older compiler are compiled again (0.2.0:
 * exceptions, volatile global and table stores, the linear pipeline;
 * 0.2.1: split fast-tier functions; 0.2.2: memory 0's base read from
 * rt_vmctx.mem0_base). */
#define JIT_VERSION "0.2.2"

/* Implementation limit: a function body larger than this (bytes of code,
 * as V8's kV8MaxWasmFunctionSize) is refused with "compile: function N
 * body too large", never handed to LLVM (a 50 MB body ended in LLVM's
 * out-of-memory abort). */
#define JIT_MAX_BODY_BYTES 7654321u

/* Implementation limits inside a body: operand stack height and nesting
 * of blocks (checked while translating: "compile: function N operand
 * stack too deep" / "... blocks nested too deep"). */
#define JIT_MAX_STACK_HEIGHT 1000000u
#define JIT_MAX_NESTING 100000u

/* Bounded compile cost. LLVM's optimizing passes and code generator have
 * costs that grow faster than the code for some shapes (InstCombine and
 * ConstraintElimination on deep dominator trees, SimplifyCFG on deeply
 * nested ifs, the machine scheduler, the greedy allocator and the
 * two-address pass on huge blocks with many live values). A function
 * whose body is larger than JIT_LARGE_BODY_BYTES is compiled alone, and
 * in either tier with the linear pipeline (mem2reg, then LLVM's -O0 code
 * generator: FastISel and the fast register allocator) when it is larger
 * than JIT_HUGE_BODY_BYTES or has one of those shapes: ifs nested deeper
 * than JIT_DEEP_IFS (a deep dominator tree), any blocks nested deeper than
 * JIT_DEEP_NESTING (a switch's br_table nests one block per case, which
 * costs little), more than JIT_DEEP_STACK values on the
 * operand stack at once, or more than JIT_MANY_BLOCKS blocks, loops and
 * ifs. Such a function runs as fast-tier code. */
#define JIT_LARGE_BODY_BYTES (64u * 1024)
#define JIT_HUGE_BODY_BYTES (256u * 1024)
#define JIT_DEEP_IFS 256u
#define JIT_DEEP_NESTING 2048u
#define JIT_DEEP_STACK 1024u
#define JIT_MANY_BLOCKS 8192u

typedef enum { JIT_TIER_FAST, JIT_TIER_OPTIMIZED } jit_tier;

typedef struct jit_options {
	jit_tier tier;
	/* Fuel metering (see above). */
	bool fuel;
	/* Interrupt checks at function entry and loop headers. */
	bool deadline;
	/* Bytes of inaccessible guard region after a 32-bit memory's 4 GiB
	 * reservation; 0 = always check bounds explicitly. Default 2 GiB. */
	uint64_t guard_bytes;
	/* NULL = host CPU and features; "x86-64-v2" = portable. */
	const char *cpu;
	/* Compile chunks of functions on this many threads; 0 = cores. */
	unsigned threads;
} jit_options;

void jit_options_default(jit_options *opt);

/* The engine fingerprint for these options: wasmc version, LLVM major, CPU
 * name + features, tier, fuel, deadline, guard_bytes. Caller frees. NULL
 * when out of memory. */
char *jit_fingerprint(const jit_options *opt);

/* Compiles `mod` (borrowed; its input bytes alive; validated with
 * `features`). On success *ret_img is a new image (rt_image_free).
 * GC types or instructions and legacy exception instructions fail with
 * "unsupported feature: gc" / "unsupported feature: legacy exception
 * handling".
 * Thread-safe: any number of compilations may run at once. */
bool jit_compile(const rt_module *mod, wb_features features,
                 const jit_options *opt, rt_image **ret_img, cmn_error *err);

#endif
