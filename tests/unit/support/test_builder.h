/*
 * test_builder.h - assembling small WebAssembly binaries in unit tests.
 * A `buf` grows with realloc; tests free `buf.p` themselves. Running out
 * of memory fails the test (criterion). Defined in test_builder.c.
 */
#ifndef TEST_BUILDER_H
#define TEST_BUILDER_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct buf {
	uint8_t *p;
	size_t n, cap;
} buf;

/* Appends n bytes. */
void put(buf *b, const void *src, size_t n);
void put_byte(buf *b, uint8_t x);
/* Unsigned LEB128. */
void put_u32(buf *b, uint32_t v);
/* "\0asm" and version 1. */
void put_header(buf *b);
/* A section: id, size, content. */
void put_section(buf *b, uint8_t id, const void *content, size_t n);

#endif
