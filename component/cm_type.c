/*
 * cm_type.c - the table of component-model types (cm_type.h).
 */
#include "cm_type.h"

#include <stdlib.h>
#include <string.h>

#include "cmn_arena.h"

struct cm_types {
	cmn_arena arena; /* case arrays and labels */
	cm_type *v;
	uint32_t n, cap;
};

static const cm_type prim[CM_STRING + 1] = {
	[CM_BOOL] = {.kind = CM_BOOL},     [CM_S8] = {.kind = CM_S8},
	[CM_U8] = {.kind = CM_U8},         [CM_S16] = {.kind = CM_S16},
	[CM_U16] = {.kind = CM_U16},       [CM_S32] = {.kind = CM_S32},
	[CM_U32] = {.kind = CM_U32},       [CM_S64] = {.kind = CM_S64},
	[CM_U64] = {.kind = CM_U64},       [CM_F32] = {.kind = CM_F32},
	[CM_F64] = {.kind = CM_F64},       [CM_CHAR] = {.kind = CM_CHAR},
	[CM_STRING] = {.kind = CM_STRING},
};

cm_types *cm_types_new(void)
{
	return calloc(1, sizeof(cm_types));
}

void cm_types_free(cm_types *t)
{
	if (!t)
		return;
	cmn_arena_free(&t->arena);
	free(t->v);
	free(t);
}

static bool tid_ok(const cm_types *t, cm_tid tid, bool none_ok)
{
	if (tid == CM_TID_NONE)
		return none_ok;
	if (cm_tid_is_primitive(tid))
		return true;
	return tid >= CM_TID_FIRST && tid - CM_TID_FIRST < t->n;
}

static bool copy_cases(cm_types *t, const cm_case *src, uint32_t n, const cm_case **ret)
{
	if (!n) {
		*ret = NULL;
		return true;
	}
	cm_case *c = cmn_arena_alloc(&t->arena, n, sizeof(cm_case));
	if (!c)
		return false;
	for (uint32_t i = 0; i < n; i++) {
		if (!tid_ok(t, src[i].type, true))
			return false;
		c[i].type = src[i].type;
		c[i].name = NULL;
		if (src[i].name) {
			size_t len = strlen(src[i].name);
			char *s = cmn_arena_alloc(&t->arena, len + 1, 1);
			if (!s)
				return false;
			memcpy(s, src[i].name, len + 1);
			c[i].name = s;
		}
	}
	*ret = c;
	return true;
}

bool cm_types_add(cm_types *t, const cm_type *ty, cm_tid *ret_tid)
{
	if (t->n >= UINT32_MAX - CM_TID_FIRST - 1)
		return false;
	if (!tid_ok(t, ty->elem, true) || !tid_ok(t, ty->err, true))
		return false;
	if (t->n == t->cap) {
		uint32_t cap = t->cap ? t->cap * 2 : 16;
		cm_type *v = realloc(t->v, (size_t)cap * sizeof(cm_type));
		if (!v)
			return false;
		t->v = v;
		t->cap = cap;
	}
	cm_type e = *ty;
	if (!copy_cases(t, ty->cases, ty->n, &e.cases) ||
	    !copy_cases(t, ty->results, ty->nresults, &e.results))
		return false; /* arena bytes stay until the table is freed */
	t->v[t->n] = e;
	*ret_tid = CM_TID_FIRST + t->n++;
	return true;
}

const cm_type *cm_types_get(const cm_types *t, cm_tid tid)
{
	if (cm_tid_is_primitive(tid))
		return &prim[tid];
	if (!t || tid == CM_TID_NONE || tid < CM_TID_FIRST || tid - CM_TID_FIRST >= t->n)
		return NULL;
	return &t->v[tid - CM_TID_FIRST];
}

uint32_t cm_types_count(const cm_types *t)
{
	return t ? t->n : 0;
}

const char *cm_kind_name(cm_kind k)
{
	switch (k) {
	case CM_BOOL: return "bool";
	case CM_S8: return "s8";
	case CM_U8: return "u8";
	case CM_S16: return "s16";
	case CM_U16: return "u16";
	case CM_S32: return "s32";
	case CM_U32: return "u32";
	case CM_S64: return "s64";
	case CM_U64: return "u64";
	case CM_F32: return "f32";
	case CM_F64: return "f64";
	case CM_CHAR: return "char";
	case CM_STRING: return "string";
	case CM_LIST: return "list";
	case CM_RECORD: return "record";
	case CM_TUPLE: return "tuple";
	case CM_VARIANT: return "variant";
	case CM_ENUM: return "enum";
	case CM_OPTION: return "option";
	case CM_RESULT: return "result";
	case CM_FLAGS: return "flags";
	case CM_OWN: return "own";
	case CM_BORROW: return "borrow";
	case CM_RESOURCE: return "resource";
	case CM_FUNC: return "func";
	}
	return "?";
}
