/*
 * wh_trap.h - where a trap happened, for the tools' messages.
 *
 * Reads the runtime's code registry (rt_code_locate); thread-safe as that
 * is. Writes to `f` only.
 */
#ifndef WH_TRAP_H
#define WH_TRAP_H

#include <stdio.h>

#include "rt_instance.h"

/* Prints "    at wasm function 3 $name" (the name when the module's name
 * section has one) when `out` is a trap whose code address the runtime
 * knows; prints nothing otherwise. */
void wh_print_trap_location(FILE *f, const rt_outcome *out);

#endif
