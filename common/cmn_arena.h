/*
 * cmn_arena.h - a bump allocator whose blocks are all released together.
 *
 * Used for data structures with one owner and one lifetime (a decoded module,
 * a validator's scratch state). Sizes are checked for overflow: a request
 * whose byte size does not fit in size_t fails instead of wrapping.
 * Memory returned is zeroed and aligned to 16 bytes. Not thread-safe.
 */
#ifndef CMN_ARENA_H
#define CMN_ARENA_H

#include <stddef.h>

typedef struct cmn_arena_block cmn_arena_block;

typedef struct cmn_arena {
	cmn_arena_block *head; /* owned list of blocks */
	size_t used;           /* bytes handed out, for statistics */
} cmn_arena;

/* An empty arena needs no setup beyond zeroing: `cmn_arena a = {0};` */

/* Returns `count * size` zeroed bytes, or NULL when the product overflows or
 * memory is exhausted. A zero-sized request returns a valid unique pointer. */
void *cmn_arena_alloc(cmn_arena *arena, size_t count, size_t size);

/* Releases every block. The arena is empty and reusable afterwards.
 * Accepts NULL. */
void cmn_arena_free(cmn_arena *arena);

#endif
