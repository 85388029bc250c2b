/*
 * wcl_text: the small text helpers libwasmc's WAVE readers and printers
 * and its hex codec share. Pure functions: no allocation, no state.
 */
#ifndef WCL_TEXT_H
#define WCL_TEXT_H

#include <stddef.h>
#include <stdint.h>

/* The value of hex digit `c` (either case), or -1 when it is not one. */
int wcl_hexval(int c);

/* Writes the UTF-8 form of `cp` (1..4 bytes) to out, which has room for 4;
 * returns the count. `cp` is a scalar value; callers check that first. */
size_t wcl_utf8_put(char *out, uint32_t cp);

#endif
