/*
 * wh_value.h - values as text, in `wasmtime run --invoke` style: reading
 * arguments and printing results.
 *
 * Reading: integers decimal or 0x hex with an optional sign, in range for
 * their width; floats decimal or hex float, nan, inf, infinity (any case,
 * optional sign), f32 read directly as float (no double rounding); v128 as
 * "i32x4:a,b,c,d" (i8x16, i16x8, i32x4, i64x2, f32x4, f64x2) or a 128-bit
 * hex number "0x..." (little-endian value); references only "null".
 * Outputs are written only on success... except *v of wh_parse_val, which
 * is zeroed first. Pure functions; thread-safe.
 */
#ifndef WH_VALUE_H
#define WH_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "rt_abi.h"
#include "rt_types.h"

/* An integer of `bits` (32 or 64) bits; *out holds its bit pattern (for
 * 32 bits in the low half). */
bool wh_parse_int(const char *s, int bits, uint64_t *out);
bool wh_parse_float32(const char *s, float *out);
bool wh_parse_float(const char *s, double *out);
bool wh_parse_v128(const char *s, uint8_t out[16]);
/* A value of type `t` (a reference only as "null"). */
bool wh_parse_val(const char *s, rt_valtype t, rt_val *v);

/* Prints a value: integers signed decimal, floats by cmn_format_float
 * (common/cmn_float.h, shared with libwasmc's WAVE printer), v128
 * as 0x and 32 hex digits, references as "null" or "ref". */
void wh_print_val(FILE *f, rt_valtype t, rt_val v);

#endif
