/*
 * exw_vals.h - wasmc.v1.Value <-> rt_val at the exec worker's boundary.
 *
 * Numbers travel as their bits (i32/f32 in the low 32 bits; higher bits
 * set are refused), v128 as 16 bytes. An externref is the client's 64-bit
 * token, kept in the reference as token + 1 (so token 2^64-1 is refused:
 * it would be null). A funcref is a token the worker hands out: an index
 * into a per-worker table of rt_funcref pointers, the same token for the
 * same function every time; a token the worker never handed out is
 * refused. Null references are Value.is_null.
 *
 * Value types are the module's own (concrete heap types are type indices
 * of `types->mod`); a concrete function reference argument is checked
 * against its type through the canonical ids. Errors are the caller's
 * BAD_REQUEST messages. Single-threaded; the table lives as long as the
 * process.
 */
#ifndef EXW_VALS_H
#define EXW_VALS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmn_arena.h"
#include "cmn_error.h"
#include "rt_abi.h"
#include "rt_module.h"
#include "wasmc/v1/wasmc.pb-c.h"

typedef struct exw_types {
	const rt_module *mod;
	const uint32_t *canon; /* canonical id per type index */
} exw_types;

/* The protocol values vs[0..nv) as the types[0..n) of `what` ("argument",
 * "result"): counts and types must match. */
bool exw_vals_in(const exw_types *ty, uint32_t n, const rt_valtype *types, size_t nv,
                 Wasmc__V1__Value *const *vs, rt_val *out, const char *what, cmn_error *err);

/* vals[0..n) of types[0..n) as protocol values allocated in `a`. Fails
 * only when out of memory or the funcref table is full. */
bool exw_vals_out(cmn_arena *a, const exw_types *ty, uint32_t n, const rt_valtype *types,
                  const rt_val *vals, size_t *ret_n, Wasmc__V1__Value ***ret, cmn_error *err);

#endif
