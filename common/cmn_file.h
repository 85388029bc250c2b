/*
 * cmn_file.h - reading a whole file into memory.
 */
#ifndef CMN_FILE_H
#define CMN_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "cmn_error.h"

/* Reads the file at `path`. On success returns a malloc'd buffer the caller
 * frees (never NULL, even for an empty file) and stores its length in
 * *ret_size. On failure returns NULL and fills `err` ("cannot open PATH:
 * REASON", "cannot read PATH: REASON"). Blocking: file I/O. */
uint8_t *cmn_read_file(const char *path, size_t *ret_size, cmn_error *err);

#endif
