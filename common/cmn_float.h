/*
 * cmn_float.h - floats as text the way `wasmtime run --invoke` prints them
 * (Rust's Display): the shortest decimal that reads back as the same value,
 * written without an exponent; NaN as "NaN"/"-NaN", infinities as
 * "inf"/"-inf". One definition for wasmc-run (tools/lib) and libwasmc's
 * WAVE printer, whose outputs the tests compare.
 */
#ifndef CMN_FLOAT_H
#define CMN_FLOAT_H

#include <stdbool.h>
#include <stddef.h>

/* Longest text cmn_format_float writes, with the NUL (a double far from 1
 * takes up to about 330 characters). */
#define CMN_FLOAT_TEXT_MAX 400

/* Writes d (as a float when `single`) into buf (at most len bytes with the
 * NUL; truncated like snprintf). */
void cmn_format_float(char *buf, size_t len, double d, bool single);

#endif
