#include "cmn_arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_ALIGN 16
#define ARENA_BLOCK_MIN (64 * 1024)

struct cmn_arena_block {
	cmn_arena_block *next;
	size_t cap;
	size_t pos;
	_Alignas(ARENA_ALIGN) unsigned char data[];
};

void *cmn_arena_alloc(cmn_arena *arena, size_t count, size_t size)
{
	cmn_arena_block *b;
	size_t bytes, cap;
	void *p;

	if (size != 0 && count > SIZE_MAX / size)
		return NULL;
	bytes = count * size;
	if (bytes > SIZE_MAX - 2 * ARENA_ALIGN - sizeof(cmn_arena_block))
		return NULL;
	bytes = (bytes + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	if (bytes == 0)
		bytes = ARENA_ALIGN;

	b = arena->head;
	if (b == NULL || b->cap - b->pos < bytes) {
		cap = bytes > ARENA_BLOCK_MIN ? bytes : ARENA_BLOCK_MIN;
		b = malloc(sizeof(*b) + cap);
		if (b == NULL)
			return NULL;
		b->cap = cap;
		b->pos = 0;
		/* A big one-off request gets its own block behind the current
		 * one, so the current block's free space is not abandoned. */
		if (arena->head != NULL && bytes > ARENA_BLOCK_MIN) {
			b->next = arena->head->next;
			arena->head->next = b;
		} else {
			b->next = arena->head;
			arena->head = b;
		}
	}
	p = b->data + b->pos;
	b->pos += bytes;
	arena->used += bytes;
	memset(p, 0, bytes);
	return p;
}

void cmn_arena_free(cmn_arena *arena)
{
	cmn_arena_block *b, *next;

	if (arena == NULL)
		return;
	for (b = arena->head; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	arena->head = NULL;
	arena->used = 0;
}
