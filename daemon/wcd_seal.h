/*
 * wcd_seal.h - artifacts handed to exec workers as sealed memfds: the
 * bytes the worker verifies are the bytes it runs, whatever happens to
 * the cache file afterwards (a process that can write the file cannot
 * change running code, or code about to be mapped, after the MAC check).
 *
 * wcd_seal_copy copies a file into a new memfd and seals it against
 * writes, growing and shrinking (F_SEAL_WRITE, F_SEAL_GROW,
 * F_SEAL_SHRINK, then F_SEAL_SEAL). The exec worker refuses an artifact
 * descriptor without those seals. Blocking (reads the whole file).
 */
#ifndef WCD_SEAL_H
#define WCD_SEAL_H

#include "cmn_error.h"

/* A sealed memfd with the contents of `fd` (read from offset 0 to its
 * size), or -1 with `err` set. The caller owns the descriptor. */
int wcd_seal_copy(int fd, cmn_error *err);

#endif
