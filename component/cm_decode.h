/*
 * cm_decode.h - decode a component binary into its description
 * (cm_component.h).
 *
 * Decoding checks what the binary format says: preamble (magic, version
 * 0x0d 0x00, layer 0x01 0x00), section ids and sizes, LEB128 limits, UTF-8
 * names, leading bytes of every production, vector counts that fit in the
 * bytes left (checked before anything is allocated), nesting depth of
 * components and types (CM_MAX_NESTING). Messages follow wasm-tools' (the
 * component-model test suite's) wording, with the byte offset of the
 * offending construct. Nested core modules are only located here: their
 * preamble is checked, their contents are checked by cm_validate with the
 * core decoder and validator. The async and thread built-ins of `canon`
 * are refused with "... not supported".
 *
 * Blocking: pure computation. Thread-safe for distinct inputs.
 */
#ifndef CM_DECODE_H
#define CM_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cm_component.h"
#include "cmn_error.h"

/* Components nested in components, and types nested in types, deeper than
 * this are refused ("nesting too deep"). */
#define CM_MAX_NESTING 64

/* True when `bytes` start with the component preamble's magic and layer
 * (a component, as opposed to a core module). */
bool cm_is_component(const uint8_t *bytes, size_t size);

/* Decodes `size` bytes at `bytes`. On success *ret is a new description
 * the caller frees with cm_component_free; it borrows `bytes`. On failure
 * returns false, fills `err` (may be NULL) and leaves *ret untouched. */
bool cm_decode(const uint8_t *bytes, size_t size, cm_component **ret, cmn_error *err);

#endif
