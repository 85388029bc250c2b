/*
 * wb_validate.h - validate a decoded module against the spec's typing rules.
 *
 * Checks types (rec groups, subtyping, canonicalisation), imports, tables,
 * memories, globals, tags, exports, start, element and data segments,
 * constant expressions and every function body. Messages use the spec test
 * suite's wording ("type mismatch", "unknown local 4", ...), with the byte
 * offset of the offending construct. Body decoding errors ("illegal opcode",
 * "unexpected end", ...) are reported here too.
 *
 * On success the module's rt_subtype.canon fields are filled; the module is
 * otherwise unchanged. Blocking: pure computation.
 */
#ifndef WB_VALIDATE_H
#define WB_VALIDATE_H

#include <stdbool.h>

#include "cmn_error.h"
#include "rt_module.h"
#include "wb_features.h"

bool wb_validate(rt_module *mod, wb_features features, cmn_error *err);

#endif
