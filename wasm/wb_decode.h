/*
 * wb_decode.h - decode a WebAssembly binary module into its description.
 *
 * Decoding checks everything the binary format itself says (magic, version,
 * section order and sizes, LEB128 limits, UTF-8 names, vector counts that
 * fit in what is left, known opcodes and encodings in constant expressions)
 * and fails with the spec test suite's wording for malformed modules.
 * Function bodies are located but not decoded: wb_validate decodes and
 * checks them. Nothing is allocated for a count before the count is known to
 * fit in the remaining bytes.
 *
 * Blocking: pure computation. Thread-safe for distinct inputs.
 */
#ifndef WB_DECODE_H
#define WB_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmn_error.h"
#include "rt_module.h"
#include "wb_features.h"

/* Decodes `size` bytes at `bytes`. On success *ret_mod is a new module the
 * caller frees with rt_module_free; it borrows `bytes`, which must stay
 * alive and unchanged until then. On failure returns false, fills `err`
 * (may be NULL) and leaves *ret_mod untouched. */
bool wb_decode(const uint8_t *bytes, size_t size, wb_features features,
               rt_module **ret_mod, cmn_error *err);

#endif
