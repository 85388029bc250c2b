/*
 * pb_util.c - budgeted protobuf-c allocation and UTF-8 checks.
 */
#include "pb_util.h"

#include <stdlib.h>
#include <string.h>

/* Each allocation carries its size in front, so free can credit it. */
typedef struct {
	size_t size;
	max_align_t align[];
} pb_hdr;

static void *budget_alloc(void *data, size_t size)
{
	pb_budget *b = data;
	if (size > b->limit || b->used > b->limit - size) {
		b->exceeded = true;
		return NULL;
	}
	pb_hdr *h = malloc(sizeof *h + size);
	if (!h)
		return NULL;
	h->size = size;
	b->used += size;
	return h->align;
}

static void budget_free(void *data, void *p)
{
	pb_budget *b = data;
	if (!p)
		return;
	pb_hdr *h = (pb_hdr *)((char *)p - offsetof(pb_hdr, align));
	b->used -= h->size;
	free(h);
}

void pb_budget_init(pb_budget *b, size_t limit)
{
	memset(b, 0, sizeof *b);
	b->alloc.alloc = budget_alloc;
	b->alloc.free = budget_free;
	b->alloc.allocator_data = b;
	b->limit = limit;
}

bool pb_utf8_check(const char *str, size_t len, size_t *ret_off)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	while (i < len) {
		unsigned c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t n;
		uint32_t cp, min;
		if ((c & 0xE0) == 0xC0) {
			n = 2, cp = c & 0x1F, min = 0x80;
		} else if ((c & 0xF0) == 0xE0) {
			n = 3, cp = c & 0x0F, min = 0x800;
		} else if ((c & 0xF8) == 0xF0) {
			n = 4, cp = c & 0x07, min = 0x10000;
		} else {
			goto bad;
		}
		if (len - i < n)
			goto bad;
		for (size_t k = 1; k < n; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				goto bad;
			cp = cp << 6 | (s[i + k] & 0x3F);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			goto bad;
		i += n;
	}
	return true;
bad:
	if (ret_off)
		*ret_off = i;
	return false;
}

bool pb_utf8_valid(const char *str, size_t len)
{
	return pb_utf8_check(str, len, NULL);
}

bool pb_message_utf8_valid(const ProtobufCMessage *msg, unsigned max_depth)
{
	if (!msg)
		return true;
	if (max_depth == 0)
		return false;
	const ProtobufCMessageDescriptor *d = msg->descriptor;
	const char *base = (const char *)msg;
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		if (f->type != PROTOBUF_C_TYPE_STRING &&
		    f->type != PROTOBUF_C_TYPE_MESSAGE)
			continue;
		/* A oneof member counts only when it is the case set. */
		if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
			uint32_t qcase;
			memcpy(&qcase, base + f->quantifier_offset, sizeof qcase);
			if (qcase != f->id)
				continue;
		}
		size_t count = 1;
		const char *const *items;
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			memcpy(&count, base + f->quantifier_offset, sizeof count);
			const void *arr;
			memcpy(&arr, base + f->offset, sizeof arr);
			items = arr;
		} else {
			items = (const char *const *)(base + f->offset);
		}
		for (size_t k = 0; k < count; k++) {
			const void *v = items[k];
			if (!v)
				continue;
			if (f->type == PROTOBUF_C_TYPE_STRING) {
				if (!pb_utf8_valid(v, strlen(v)))
					return false;
			} else if (!pb_message_utf8_valid(v, max_depth - 1)) {
				return false;
			}
		}
	}
	return true;
}
