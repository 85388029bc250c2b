/*
 * cm_val.c - the value node list (cm_val.h): building, skipping and
 * checking a list against a type.
 *
 * Neither the skip nor the check recurses: the skip keeps a count of
 * subtrees still to pass, the check an explicit stack (heap-allocated,
 * never deeper than max_depth nor than the list is long), so a hostile
 * list of any depth cannot exhaust the C stack.
 *
 * Variant, option and result nodes: the skip walks without types, so it
 * reads the payload presence from the node's `n` (1 when a payload subtree
 * follows, 0 otherwise); cm_vals_check requires n to agree with the type,
 * and the canonical ABI's lifting writes it so.
 *
 * cm_vals_check's messages are static strings or, when they name a node or
 * a number, formatted into a thread-local buffer that the next check on the
 * same thread overwrites.
 */
#include "cm_val.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cm_string.h"
#include "cmn_arena.h"

static const uint8_t empty_bytes[1];

void cm_vals_init(cm_vals *vs)
{
	vs->v = NULL;
	vs->n = vs->cap = 0;
	vs->arena = NULL;
}

void cm_vals_free(cm_vals *vs)
{
	if (!vs)
		return;
	free(vs->v);
	if (vs->arena) {
		cmn_arena_free(vs->arena);
		free(vs->arena);
	}
	cm_vals_init(vs);
}

long cm_vals_push(cm_vals *vs, const cm_val *node)
{
	if (vs->n == vs->cap) {
		size_t cap = vs->cap ? vs->cap * 2 : 16;
		if (cap > (size_t)LONG_MAX / 2 || cap > SIZE_MAX / sizeof(cm_val))
			return -1;
		cm_val *v = realloc(vs->v, cap * sizeof(cm_val));
		if (!v)
			return -1;
		vs->v = v;
		vs->cap = cap;
	}
	vs->v[vs->n] = *node;
	return (long)vs->n++;
}

long cm_vals_push_bytes(cm_vals *vs, const cm_val *node, const void *bytes, uint64_t len)
{
	cm_val c = *node;
	c.len = len;
	c.bytes = empty_bytes;
	if (len > 0) {
		if (len > SIZE_MAX / 2)
			return -1;
		if (!vs->arena) {
			vs->arena = calloc(1, sizeof(cmn_arena));
			if (!vs->arena)
				return -1;
		}
		uint8_t *p = cmn_arena_alloc(vs->arena, (size_t)len, 1);
		if (!p)
			return -1;
		memcpy(p, bytes, (size_t)len);
		c.bytes = p;
	}
	return cm_vals_push(vs, &c);
}

/* Number of subtrees that follow a node, read without its type. */
static uint64_t children(const cm_val *v)
{
	switch (v->kind) {
	case CM_LIST:
	case CM_RECORD:
	case CM_TUPLE:
	case CM_VARIANT:
	case CM_OPTION:
	case CM_RESULT:
		return v->n;
	default:
		return 0;
	}
}

size_t cm_vals_skip(const cm_vals *vs, size_t i)
{
	uint64_t pending = 1;
	while (pending) {
		if (i >= vs->n)
			return 0;
		pending += children(&vs->v[i]) - 1;
		i++;
		/* every pending subtree needs a node of its own */
		if (pending > vs->n - i)
			return 0;
	}
	return i;
}

static _Thread_local char check_msg[192];

__attribute__((format(printf, 1, 2))) static const char *fmt(const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	vsnprintf(check_msg, sizeof check_msg, f, ap);
	va_end(ap);
	return check_msg;
}

typedef struct frame {
	const cm_type *t; /* NULL for the root's pseudo-frame */
	cm_tid child;     /* list element, variant/option/result payload, root type */
	uint32_t next, count;
} frame;

/* The type of the next child of frame f. */
static cm_tid child_tid(const frame *f)
{
	if (f->t && (f->t->kind == CM_RECORD || f->t->kind == CM_TUPLE))
		return f->t->cases[f->next].type;
	return f->child;
}

static bool int_fits(cm_kind k, uint64_t u)
{
	int64_t s = (int64_t)u;
	switch (k) {
	case CM_BOOL: return u <= 1;
	case CM_S8: return s >= INT8_MIN && s <= INT8_MAX;
	case CM_U8: return u <= UINT8_MAX;
	case CM_S16: return s >= INT16_MIN && s <= INT16_MAX;
	case CM_U16: return u <= UINT16_MAX;
	case CM_S32: return s >= INT32_MIN && s <= INT32_MAX;
	case CM_U32: return u <= UINT32_MAX;
	case CM_F32: return u <= UINT32_MAX;
	default: return true;
	}
}

/* Checks node `v` (index i) against type `t`; on success writes the
 * number of subtrees that follow and the payload/element type. */
static const char *check_node(const cm_val *v, size_t i, const cm_type *t, uint32_t *ret_count,
                              cm_tid *ret_child)
{
	*ret_count = 0;
	*ret_child = CM_TID_NONE;
	if (t->kind >= CM_RESOURCE)
		return fmt("node %zu: %s is not a value type", i, cm_kind_name(t->kind));
	if (v->kind != t->kind)
		return fmt("node %zu: expected %s, found %s", i, cm_kind_name(t->kind),
		           cm_kind_name(v->kind));
	switch (t->kind) {
	case CM_BOOL:
	case CM_S8:
	case CM_U8:
	case CM_S16:
	case CM_U16:
	case CM_S32:
	case CM_U32:
	case CM_S64:
	case CM_U64:
	case CM_F32:
	case CM_F64:
		if (!int_fits(t->kind, v->u))
			return fmt("node %zu: %s value out of range", i, cm_kind_name(t->kind));
		return NULL;
	case CM_CHAR:
		if (v->u >= 0x110000 || (v->u >= 0xD800 && v->u <= 0xDFFF))
			return fmt("node %zu: invalid char: 0x%llx is not a Unicode scalar value", i,
			           (unsigned long long)v->u);
		return NULL;
	case CM_STRING: {
		if (v->len > 0 && !v->bytes)
			return fmt("node %zu: string without bytes", i);
		if (v->len > SIZE_MAX / 2)
			return fmt("node %zu: string too long", i);
		size_t off;
		cm_utf8_status st = cm_utf8_check(v->bytes, (size_t)v->len, &off);
		if (st == CM_UTF8_INVALID)
			return fmt("node %zu: invalid UTF-8 in string at byte offset %zu", i, off);
		if (st == CM_UTF8_INCOMPLETE)
			return fmt("node %zu: invalid UTF-8 in string: incomplete sequence at byte "
			           "offset %zu", i, off);
		return NULL;
	}
	case CM_LIST:
		if (t->fixed_len && v->n != t->fixed_len)
			return fmt("node %zu: list<_, %u> with %u elements", i, t->fixed_len, v->n);
		*ret_count = v->n;
		*ret_child = t->elem;
		return NULL;
	case CM_RECORD:
	case CM_TUPLE:
		if (v->n != t->n)
			return fmt("node %zu: %s of %u fields, found %u", i, cm_kind_name(t->kind),
			           t->n, v->n);
		*ret_count = v->n;
		return NULL;
	case CM_VARIANT:
	case CM_ENUM:
		if (v->u >= t->n)
			return fmt("node %zu: %s case %llu out of range (%u cases)", i,
			           cm_kind_name(t->kind), (unsigned long long)v->u, t->n);
		if (t->kind == CM_ENUM)
			return NULL;
		*ret_child = t->cases[v->u].type;
		break;
	case CM_OPTION:
		if (v->u > 1)
			return fmt("node %zu: option discriminant %llu is not 0 or 1", i,
			           (unsigned long long)v->u);
		*ret_child = v->u ? t->elem : CM_TID_NONE;
		break;
	case CM_RESULT:
		if (v->u > 1)
			return fmt("node %zu: result discriminant %llu is not 0 or 1", i,
			           (unsigned long long)v->u);
		*ret_child = v->u ? t->err : t->elem;
		break;
	case CM_FLAGS: {
		uint64_t nbytes = ((uint64_t)t->n + 7) / 8;
		if (v->n != t->n || v->len != nbytes || (nbytes && !v->bytes))
			return fmt("node %zu: flags of %u labels need n = %u and %llu bytes", i, t->n,
			           t->n, (unsigned long long)nbytes);
		if (t->n % 8 && (v->bytes[nbytes - 1] >> (t->n % 8)))
			return fmt("node %zu: flags bits set beyond the %u labels", i, t->n);
		return NULL;
	}
	case CM_OWN:
	case CM_BORROW:
		return NULL;
	default:
		return fmt("node %zu: unknown kind %d", i, (int)t->kind);
	}
	/* variant, option, result: n says whether the payload follows */
	uint32_t has = *ret_child != CM_TID_NONE;
	if (v->n != has)
		return fmt("node %zu: %s case %s a payload but n = %u", i, cm_kind_name(t->kind),
		           has ? "has" : "has no", v->n);
	*ret_count = has;
	return NULL;
}

const char *cm_vals_check(const cm_vals *vs, size_t i, const cm_types *types, cm_tid tid,
                          unsigned max_depth, size_t *ret_end)
{
	frame *st = malloc(16 * sizeof(frame));
	size_t cap = 16, depth = 0; /* st[depth] is the top frame */
	const char *err = NULL;
	size_t pos = i;

	if (!st)
		return "out of memory";
	st[0] = (frame){.t = NULL, .child = tid, .next = 0, .count = 1};
	for (;;) {
		frame *f = &st[depth];
		if (f->next == f->count) {
			if (depth == 0)
				break;
			depth--;
			continue;
		}
		cm_tid ct = child_tid(f);
		f->next++;
		if (pos >= vs->n) {
			err = fmt("value ends at node %zu, inside a %s", pos,
			          f->t ? cm_kind_name(f->t->kind) : "value");
			goto release_stack;
		}
		/* node depth: the root is at 1 */
		if (depth + 1 > max_depth) {
			err = fmt("value nesting deeper than %u", max_depth);
			goto release_stack;
		}
		const cm_type *t = cm_types_get(types, ct);
		if (!t) {
			err = fmt("node %zu: unknown type %u", pos, ct);
			goto release_stack;
		}
		uint32_t count;
		cm_tid child;
		err = check_node(&vs->v[pos], pos, t, &count, &child);
		if (err)
			goto release_stack;
		pos++;
		if (!count)
			continue;
		if (count > vs->n - pos) {
			err = fmt("node %zu: %u subtrees run past the end of the value", pos - 1, count);
			goto release_stack;
		}
		if (depth + 1 == cap) {
			frame *n = realloc(st, cap * 2 * sizeof(frame));
			if (!n) {
				err = "out of memory";
				goto release_stack;
			}
			st = n;
			cap *= 2;
		}
		st[++depth] = (frame){.t = t, .child = child, .next = 0, .count = count};
	}
	*ret_end = pos;
release_stack:
	free(st);
	return err;
}
