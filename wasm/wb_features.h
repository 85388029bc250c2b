/*
 * wb_features.h - which WebAssembly features the decoder and validator accept.
 *
 * Wasm 3.0 core (MVP, sign-extension, non-trapping float-to-int, multi-value,
 * bulk memory, reference types, SIMD, relaxed SIMD, tail calls, extended-const,
 * multi-memory, memory64/table64, typed function references, GC, exception
 * handling) is on with WB_FEAT_WASM3. The other flags turn on what lies
 * outside it.
 */
#ifndef WB_FEATURES_H
#define WB_FEATURES_H

#include <stdint.h>

enum {
	WB_FEAT_THREADS = 1u << 0,           /* shared memories, atomics */
	WB_FEAT_LEGACY_EH = 1u << 1,         /* try/catch/delegate/rethrow */
	WB_FEAT_CUSTOM_PAGE_SIZES = 1u << 2, /* memory page size immediates */
	WB_FEAT_WIDE_ARITH = 1u << 3,        /* i64.add128 and friends */
	/* Parts of Wasm 3.0 that can be turned off, for scripts written
	 * against an older base (the threads proposal's tests expect a
	 * second memory or table to be invalid). */
	WB_FEAT_MULTI_MEMORY = 1u << 4,
	WB_FEAT_MULTI_TABLE = 1u << 5,
};

#define WB_FEAT_WASM3 (WB_FEAT_MULTI_MEMORY | WB_FEAT_MULTI_TABLE)

/* What wasmc runs by default: Wasm 3.0 plus threads. */
#define WB_FEAT_DEFAULT (WB_FEAT_WASM3 | WB_FEAT_THREADS)
#define WB_FEAT_ALL                                                      \
	(WB_FEAT_WASM3 | WB_FEAT_THREADS | WB_FEAT_LEGACY_EH | WB_FEAT_CUSTOM_PAGE_SIZES | \
	 WB_FEAT_WIDE_ARITH)

typedef uint32_t wb_features;

#endif
