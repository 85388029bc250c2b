/*
 * cm_reader.h - the component decoder's reading helpers on top of the core
 * cursor (wb_reader.h): names copied into an arena, counts checked against
 * the bytes left, and wasm-tools' "invalid leading byte" wording.
 *
 * End of input is "unexpected end-of-file" (the suite's wording). Names
 * are copied NUL-terminated into the arena; invalid UTF-8 is "malformed
 * UTF-8 encoding". Nothing allocates for a count before the count is known
 * to fit. Blocking: pure computation.
 */
#ifndef CM_READER_H
#define CM_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cm_component.h"
#include "cmn_arena.h"
#include "cmn_error.h"
#include "wb_reader.h"

#define CM_EOF_MSG "unexpected end-of-file"

/* A reader over the whole input. */
void cm_rd_init(wb_reader *r, const uint8_t *bytes, size_t size);

/* A length-prefixed UTF-8 name copied into `arena`. */
bool cm_rd_name(wb_reader *r, cmn_arena *arena, cm_str *ret, cmn_error *err);

/* A vector count whose elements take at least `min` bytes each; a count
 * that cannot fit in what is left is "unexpected end-of-file". */
bool cm_rd_count(wb_reader *r, size_t min, uint32_t *ret, cmn_error *err);

/* Fails with "invalid leading byte (0x%x) for WHAT" at `off`. */
bool cm_rd_bad_byte(cmn_error *err, size_t off, uint8_t b, const char *what);

/* An array of `n` elements of `size` bytes in the arena (zeroed); n == 0
 * gives a non-NULL pointer too. Fails with "out of memory". */
void *cm_rd_alloc(cmn_arena *arena, size_t n, size_t size, wb_reader *r, cmn_error *err);

#endif
