/*
 * rt_abi.h - the binary contract between compiled code (jit/) and the
 * instance runtime (runtime/): value slots, function references, the
 * instance context (vmctx) layout, runtime services and trap codes.
 *
 * Compiled code reaches the runtime ONLY through this header: it reads
 * vmctx fields at their offsetof() positions and calls the function
 * pointers of rt_services; it never references a symbol. The artifact's
 * code image therefore has no undefined symbols and can be mapped by a
 * worker process that did not compile it.
 *
 * Wasm function ABI (every compiled wasm function, defined or adapter):
 *   LLVM calling convention `tailcc` (guaranteed tail calls with musttail),
 *   signature  R f(ptr vmctx, P1 ... Pn)
 *   where vmctx is the callee's context (rt_vmctx * for wasm functions,
 *   rt_hostfunc * for host adapters), Pi are the wasm parameters and
 *   R is void (no result), the single result type, or a literal struct of
 *   the result types (multi-value).
 *   Type mapping: i32 -> i32, i64 -> i64, f32 -> float, f64 -> double,
 *   v128 -> <2 x i64>, every reference type -> ptr (NULL is null).
 *   A funcref value is an `rt_funcref *`; an externref is an opaque pointer.
 *
 * Host -> wasm entry: per function type the compiler emits a trampoline
 *   void tramp(void *vmctx, void *code, rt_val *args_results)
 *   (C calling convention) that loads the parameters from args_results[0..n),
 *   calls `code` with the wasm ABI, and stores the results into
 *   args_results[0..m). Every rt_funcref carries the trampoline of its type,
 *   so the runtime can call any function reference without knowing its type
 *   at compile time.
 *
 * Wasm -> host: an imported function provided by the host is an rt_funcref
 *   whose code is a compiler-emitted adapter of the import's type (wasm ABI)
 *   and whose vmctx is an rt_hostfunc; the adapter stores its parameters
 *   into an on-stack rt_val array, calls hostfunc->invoke(hostfunc, array)
 *   and returns the results the callback left in the array.
 */
#ifndef RT_ABI_H
#define RT_ABI_H

#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>

/* One value at the host boundary: 16 bytes, whatever its type. */
typedef union rt_val {
	int32_t i32;
	int64_t i64;
	uint32_t f32_bits;
	uint64_t f64_bits;
	float f32;
	double f64;
	uint8_t v128[16];
	void *ref;
} rt_val;

_Static_assert(sizeof(rt_val) == 16, "rt_val is one 16-byte slot");

typedef void (*rt_tramp_fn)(void *vmctx, void *code, rt_val *args_results);

/* A function reference: what ref.func yields, tables hold and imports bind.
 * Allocated by the runtime; identity matters (ref.eq, table identity). */
typedef struct rt_funcref {
	void *code;        /* entry with the wasm ABI */
	void *vmctx;       /* callee context: rt_vmctx * or rt_hostfunc * */
	rt_tramp_fn tramp; /* host -> wasm entry for this function's type */
	uint32_t type_id;  /* process-wide canonical type id */
	uint32_t reserved; /* runtime-private flags: compiled code never
	                      reads or writes it */
} rt_funcref;

/* A host function as an import (its rt_funcref's vmctx). */
typedef struct rt_hostfunc {
	/* Called by the compiled adapter: parameters in args_results[0..n);
	 * the callee writes results to args_results[0..m). To trap, it calls
	 * the runtime's trap function (it does not return then). */
	void (*invoke)(struct rt_hostfunc *self, rt_val *args_results);
	void *env; /* the embedder's data for the callback */
} rt_hostfunc;

/* A linear memory. Shared by every instance that imports it; base and
 * size change only in memory.grow (a runtime service). */
typedef struct rt_memory {
	uint8_t *base;
	uint64_t size;  /* in bytes */
} rt_memory;

/* A table of references (funcref tables hold rt_funcref *). */
typedef struct rt_table {
	void **elems;
	uint64_t size;  /* in elements */
} rt_table;

/* A global's storage cell: shared between exporter and importers. */
typedef struct rt_global {
	rt_val val;
} rt_global;

struct rt_vmctx;

/* An exception (exception handling proposal): the identity of its tag and
 * the tag's parameter values. An exnref is a `const rt_exn *`. The
 * exception being thrown lives in a per-thread buffer until a handler
 * takes it; catch_ref / catch_all_ref turn it into a store-owned object
 * (eh_capture) that lives as long as the store. */
typedef struct rt_exn {
	void *tag;         /* vmctx->tags[i] of the throwing instance */
	uint32_t nvals;
	uint32_t captured; /* runtime-private: a store-owned copy */
	rt_val vals[];     /* at offset 16 */
} rt_exn;

_Static_assert(offsetof(rt_exn, vals) == 16, "rt_exn.vals at 16");

/* A try_table's handler record, in the frame of the function that runs the
 * try_table (compiled code allocates it, 16-aligned). eh_enter links it as
 * this thread's innermost handler, compiled code then calls eh_setjmp on
 * `jb`; a throw unlinks it, stores the exception in `exn` and jumps back
 * to it (eh_setjmp returns nonzero). Leaving the try_table by any other
 * edge (its end, a branch out, return) calls eh_leave. */
typedef struct rt_eh_frame {
	struct rt_eh_frame *prev;
	const rt_exn *exn;
	jmp_buf jb;
} rt_eh_frame;

/* Runtime services reachable from compiled code (all through vmctx->svc).
 * Indices and sizes are already validated by the compiler's types;
 * bounds are checked here and violations trap. */
typedef struct rt_services {
	/* Raises trap `code` (RT_TRAP_*): unwinds to the entry, never returns. */
	void (*trap)(struct rt_vmctx *vm, uint32_t code)
		__attribute__((noreturn));
	/* memory.grow: old size in pages, or -1 */
	int64_t (*memory_grow)(struct rt_vmctx *vm, uint32_t mem,
	                       uint64_t delta_pages);
	void (*memory_fill)(struct rt_vmctx *vm, uint32_t mem, uint64_t dst,
	                    uint32_t value, uint64_t n);
	void (*memory_copy)(struct rt_vmctx *vm, uint32_t dst_mem,
	                    uint32_t src_mem, uint64_t dst, uint64_t src,
	                    uint64_t n);
	void (*memory_init)(struct rt_vmctx *vm, uint32_t mem, uint32_t data,
	                    uint64_t dst, uint32_t src, uint32_t n);
	void (*data_drop)(struct rt_vmctx *vm, uint32_t data);
	/* table.grow: old size, or -1 */
	int64_t (*table_grow)(struct rt_vmctx *vm, uint32_t table, void *init,
	                      uint64_t delta);
	void (*table_fill)(struct rt_vmctx *vm, uint32_t table, uint64_t i,
	                   void *value, uint64_t n);
	void (*table_copy)(struct rt_vmctx *vm, uint32_t dst_table,
	                   uint32_t src_table, uint64_t dst, uint64_t src,
	                   uint64_t n);
	void (*table_init)(struct rt_vmctx *vm, uint32_t table, uint32_t elem,
	                   uint64_t dst, uint32_t src, uint32_t n);
	void (*elem_drop)(struct rt_vmctx *vm, uint32_t elem);
	/* call_indirect / call_ref slow path: nonzero when the function type
	 * `actual` is a subtype of `expected` (ids differ). */
	int (*func_type_match)(struct rt_vmctx *vm, uint32_t actual,
	                       uint32_t expected);
	/* threads */
	uint32_t (*atomic_notify)(struct rt_vmctx *vm, uint32_t mem,
	                          uint64_t addr, uint32_t count);
	uint32_t (*atomic_wait32)(struct rt_vmctx *vm, uint32_t mem,
	                          uint64_t addr, uint32_t expected,
	                          int64_t timeout_ns);
	uint32_t (*atomic_wait64)(struct rt_vmctx *vm, uint32_t mem,
	                          uint64_t addr, uint64_t expected,
	                          int64_t timeout_ns);
	/* Fuel ran out (*vm->fuel < 0): traps "all fuel consumed". */
	void (*out_of_fuel)(struct rt_vmctx *vm);
	/* *vm->interrupt was nonzero: traps when the deadline has passed. */
	void (*interrupted)(struct rt_vmctx *vm);
	/* Exception handling (see rt_eh_frame). eh_setjmp is _setjmp: the
	 * call site carries "returns_twice". */
	void (*eh_enter)(struct rt_vmctx *vm, rt_eh_frame *h);
	void (*eh_leave)(struct rt_vmctx *vm, rt_eh_frame *h);
	int (*eh_setjmp)(struct __jmp_buf_tag *jb);
	/* throw: `n` values of tag `tag` (a vmctx->tags[] identity); jumps to
	 * the innermost handler, or ends the call with "uncaught exception". */
	void (*eh_throw)(struct rt_vmctx *vm, void *tag, const rt_val *vals,
	                 uint32_t n) __attribute__((noreturn));
	/* throw_ref: rethrows `exn`; NULL traps "null exception reference". */
	void (*eh_throw_ref)(struct rt_vmctx *vm, const rt_exn *exn)
		__attribute__((noreturn));
	/* The exnref of a caught exception (store-owned; `exn` itself when it
	 * already is one). */
	const rt_exn *(*eh_capture)(struct rt_vmctx *vm, const rt_exn *exn);
} rt_services;

/* The instance context: the hidden first argument of every compiled wasm
 * function. Compiled code reads these fields by offsetof(); the runtime's
 * private state follows in a larger struct that embeds this one first. */
typedef struct rt_vmctx {
	const rt_services *svc;
	/* Lowest native stack address compiled code may use: a function whose
	 * frame would go below it traps "call stack exhausted". */
	uintptr_t stack_limit;
	/* Remaining fuel (artifacts compiled with fuel); shared by the
	 * instances of one store. */
	int64_t *fuel;
	/* Nonzero when a deadline may have passed (artifacts compiled with
	 * deadline checks at function entries and loop headers). */
	volatile uint32_t *interrupt;
	rt_memory **memories;      /* per memory index */
	rt_table **tables;         /* per table index */
	rt_global **globals;       /* per global index */
	rt_funcref **funcs;        /* per function index */
	const uint32_t *type_ids;  /* per type index: canonical type id */
	void **tags;               /* per tag index: identity of the tag */
	/* memories[0]->base (NULL without memories), set once the memories
	 * exist: a base never moves, so compiled code reads memory 0's base
	 * with one load instead of three dependent ones. */
	uint8_t *mem0_base;
} rt_vmctx;

/* Trap codes, with the spec test suite's messages (rt_trap_message). */
enum {
	RT_TRAP_UNREACHABLE = 1,        /* "unreachable" */
	RT_TRAP_MEMORY_OOB,             /* "out of bounds memory access" */
	RT_TRAP_TABLE_OOB,              /* "out of bounds table access" */
	RT_TRAP_INDIRECT_TYPE,          /* "indirect call type mismatch" */
	RT_TRAP_UNDEFINED_ELEMENT,      /* "undefined element" */
	RT_TRAP_UNINITIALIZED_ELEMENT,  /* "uninitialized element" */
	RT_TRAP_INT_DIV_ZERO,           /* "integer divide by zero" */
	RT_TRAP_INT_OVERFLOW,           /* "integer overflow" */
	RT_TRAP_INVALID_CONVERSION,     /* "invalid conversion to integer" */
	RT_TRAP_STACK_EXHAUSTED,        /* "call stack exhausted" */
	RT_TRAP_NULL_FUNC,              /* "null function reference" */
	RT_TRAP_NULL_REF,               /* "null reference" */
	RT_TRAP_UNALIGNED_ATOMIC,       /* "unaligned atomic" */
	RT_TRAP_OUT_OF_FUEL,            /* "all fuel consumed" */
	RT_TRAP_DEADLINE,               /* "deadline exceeded" */
	RT_TRAP_DATA_OOB,               /* "out of bounds memory access" */
	RT_TRAP_HOST,                   /* a host function's own trap */
	RT_TRAP_EXPECTED_SHARED,        /* "expected shared memory" */
	RT_TRAP_EXCEPTION,              /* "uncaught exception" */
	RT_TRAP_NULL_EXN,               /* "null exception reference" */
	RT_TRAP_COUNT
};

#endif
