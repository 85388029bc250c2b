/*
 * exw_comp.h - component values between the protocol (wasmc.v1.CValue,
 * a flat pre-order node list) and the canonical ABI's node list
 * (component/cm_val.h), for the exec worker's component instance.
 *
 * Values from the client are untrusted: kinds are checked here, and
 * cm_exec checks each value against its type (cm_vals_check) before it
 * reaches the guest. Strings and flags bytes are copied into the list.
 */
#ifndef EXW_COMP_H
#define EXW_COMP_H

#include <stdbool.h>
#include <stddef.h>

#include "cm_val.h"
#include "cmn_arena.h"
#include "cmn_error.h"
#include "wasmc/v1/wasmc.pb-c.h"

/* Appends the n nodes of `in` to `out`. False (err set) for a node of an
 * unknown kind, or out of memory. */
bool exw_cvals_in(Wasmc__V1__CValue *const *in, size_t n, cm_vals *out, cmn_error *err);

/* Nodes [from, vs->n) of `vs` as protocol messages allocated in `a`
 * (they point into vs: keep it alive until they are sent). */
bool exw_cvals_out(cmn_arena *a, const cm_vals *vs, size_t from, Wasmc__V1__CValue ***ret,
                   size_t *ret_n);

#endif
