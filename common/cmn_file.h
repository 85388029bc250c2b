/*
 * cmn_file.h - reading a whole file into memory.
 */
#ifndef CMN_FILE_H
#define CMN_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmn_error.h"

/* Reads the file at `path`. On success returns a malloc'd buffer the caller
 * frees (never NULL, even for an empty file) and stores its length in
 * *ret_size. On failure returns NULL and fills `err` ("cannot open PATH:
 * REASON", "cannot read PATH: REASON"). Blocking: file I/O. */
uint8_t *cmn_read_file(const char *path, size_t *ret_size, cmn_error *err);

/* Reads exactly `n` bytes at offset `off` of `fd` (pread, retried on
 * EINTR and short reads). False on an error or the end of the file
 * (errno tells which, 0 for the end). */
bool cmn_pread_full(int fd, void *buf, size_t n, uint64_t off);

#endif
