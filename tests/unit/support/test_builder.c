/* test_builder.c - assembling small WebAssembly binaries (test_builder.h). */
#include "test_builder.h"

#include <criterion/criterion.h>

void put(buf *b, const void *src, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2 + 64;
		b->p = realloc(b->p, b->cap);
		cr_assert_not_null(b->p);
	}
	memcpy(b->p + b->n, src, n);
	b->n += n;
}

void put_byte(buf *b, uint8_t x)
{
	put(b, &x, 1);
}

void put_u32(buf *b, uint32_t v)
{
	do {
		uint8_t x = v & 0x7F;
		v >>= 7;
		put_byte(b, x | (v ? 0x80 : 0));
	} while (v);
}

void put_header(buf *b)
{
	put(b, "\0asm\1\0\0\0", 8);
}

void put_section(buf *b, uint8_t id, const void *content,
                               size_t n)
{
	put_byte(b, id);
	put_u32(b, (uint32_t)n);
	put(b, content, n);
}
