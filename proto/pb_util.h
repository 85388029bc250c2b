/*
 * pb_util.h - unpacking untrusted protobuf with a budget, and the checks
 * protobuf-c leaves to us (DESIGN.md §7).
 *
 * The generated code (wasmc/v1/wasmc.pb-c.h, worker.pb-c.h) is produced at
 * build time by protoc-c into build/gen/ and never committed.
 *
 * pb_budget: a ProtobufCAllocator that fails once `limit` bytes are
 * allocated, so a message declaring huge counts cannot make the unpacker
 * allocate more than the budget. One budget serves one unpack at a time
 * (not thread-safe); the message is freed with the same allocator.
 */
#ifndef PB_UTIL_H
#define PB_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

typedef struct pb_budget {
	ProtobufCAllocator alloc; /* pass &b->alloc to unpack and free_unpacked */
	size_t limit;             /* bytes that may be live at once */
	size_t used;              /* bytes live now */
	bool exceeded;            /* an allocation was refused */
} pb_budget;

/* Sets up `b` with `limit` bytes. */
void pb_budget_init(pb_budget *b, size_t limit);

/* True when s[0..len) is well-formed UTF-8 (no overlongs, no surrogates,
 * nothing above U+10FFFF). */
bool pb_utf8_valid(const char *s, size_t len);
/* The same, and on failure the offset of the first byte of the bad
 * sequence to *ret_off (may be NULL). */
bool pb_utf8_check(const char *s, size_t len, size_t *ret_off);

/* Checks every `string` field of `msg` and of the messages inside it, to
 * `max_depth` levels, for UTF-8. False on the first bad one (or when the
 * message nests deeper). */
bool pb_message_utf8_valid(const ProtobufCMessage *msg, unsigned max_depth);

#endif
