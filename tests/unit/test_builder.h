/*
 * test_builder.h - assembling small WebAssembly binaries in unit tests.
 * A `buf` grows with realloc; tests free `buf.p` themselves.
 */
#ifndef TEST_BUILDER_H
#define TEST_BUILDER_H

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct buf {
	uint8_t *p;
	size_t n, cap;
} buf;

static inline void put(buf *b, const void *src, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2 + 64;
		b->p = realloc(b->p, b->cap);
		cr_assert_not_null(b->p);
	}
	memcpy(b->p + b->n, src, n);
	b->n += n;
}

static inline void put_byte(buf *b, uint8_t x)
{
	put(b, &x, 1);
}

/* Unsigned LEB128. */
static inline void put_u32(buf *b, uint32_t v)
{
	do {
		uint8_t x = v & 0x7F;
		v >>= 7;
		put_byte(b, x | (v ? 0x80 : 0));
	} while (v);
}

static inline void put_header(buf *b)
{
	put(b, "\0asm\1\0\0\0", 8);
}

/* A section: id, size, content. */
static inline void put_section(buf *b, uint8_t id, const void *content,
                               size_t n)
{
	put_byte(b, id);
	put_u32(b, (uint32_t)n);
	put(b, content, n);
}

#endif
