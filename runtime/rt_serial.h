/*
 * rt_serial.h - the module description as the artifact carries it: the
 * rt_module without its wasm bytes (no function bodies, no custom
 * sections), plus the pre-decoded constant expressions (rt_constexpr.h)
 * and the payload bytes of data segments.
 *
 * The format is private to this file pair: little-endian fixed-width
 * integers, counts before arrays, names as length + bytes. The artifact's
 * format version covers it (bump RT_SERIAL_VERSION on any change).
 * The reader checks every count and length against the bytes left, so a
 * damaged description fails with an error instead of misbehaving (the
 * artifact's checksum is checked before, this is defence in depth).
 */
#ifndef RT_SERIAL_H
#define RT_SERIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmn_error.h"
#include "rt_constexpr.h"
#include "rt_module.h"

#define RT_SERIAL_VERSION 1

/* Serialises `mod` with its lowered constant expressions into a malloc'd
 * buffer (*out, *out_len; the caller frees it). */
bool rt_serial_write(const rt_module *mod, const rt_consts *consts,
                     uint8_t **out, size_t *out_len, cmn_error *err);

/* Reads a description written by rt_serial_write. On success *ret_mod owns
 * everything (its arena), including *ret_consts; mod->bytes points to an
 * owned copy of the data segments' payloads (rt_data.bytes ranges index
 * it), names point into owned copies, function bodies are empty ranges. */
bool rt_serial_read(const uint8_t *p, size_t len, rt_module **ret_mod,
                    rt_consts **ret_consts, cmn_error *err);

#endif
