/*
 * wcl_cval.c - wasmc_cval (wasmc/cval.h): constructors, accessors, drop,
 * deep copy and equality, kind names. No type checks here: values meet
 * their types in wcl_cval_nodes.c (the wire) and wcl_cwave*.c (text).
 */
#include <stdlib.h>
#include <string.h>

#include <wasmc/cval.h>

#include "pb_util.h"
#include "wcl_error.h"

static wasmc_cval scalar(wasmc_ckind k)
{
	wasmc_cval v;
	memset(&v, 0, sizeof v);
	v.kind = k;
	return v;
}

wasmc_cval wasmc_cval_bool(bool b)
{
	wasmc_cval v = scalar(WASMC_CK_BOOL);
	v.of.b = b;
	return v;
}

#define SIGNED(NAME, KIND, T)            \
	wasmc_cval NAME(T x)                 \
	{                                    \
		wasmc_cval v = scalar(KIND);     \
		v.of.s = x;                      \
		return v;                        \
	}
#define UNSIGNED(NAME, KIND, T)          \
	wasmc_cval NAME(T x)                 \
	{                                    \
		wasmc_cval v = scalar(KIND);     \
		v.of.u = x;                      \
		return v;                        \
	}
SIGNED(wasmc_cval_s8, WASMC_CK_S8, int8_t)
SIGNED(wasmc_cval_s16, WASMC_CK_S16, int16_t)
SIGNED(wasmc_cval_s32, WASMC_CK_S32, int32_t)
SIGNED(wasmc_cval_s64, WASMC_CK_S64, int64_t)
UNSIGNED(wasmc_cval_u8, WASMC_CK_U8, uint8_t)
UNSIGNED(wasmc_cval_u16, WASMC_CK_U16, uint16_t)
UNSIGNED(wasmc_cval_u32, WASMC_CK_U32, uint32_t)
UNSIGNED(wasmc_cval_u64, WASMC_CK_U64, uint64_t)

wasmc_cval wasmc_cval_f32(float f)
{
	wasmc_cval v = scalar(WASMC_CK_F32);
	v.of.f32 = f;
	return v;
}

wasmc_cval wasmc_cval_f64(double f)
{
	wasmc_cval v = scalar(WASMC_CK_F64);
	v.of.f64 = f;
	return v;
}

wasmc_cval wasmc_cval_f32_bits(uint32_t bits)
{
	wasmc_cval v = scalar(WASMC_CK_F32);
	memcpy(&v.of.f32, &bits, sizeof bits);
	return v;
}

wasmc_cval wasmc_cval_f64_bits(uint64_t bits)
{
	wasmc_cval v = scalar(WASMC_CK_F64);
	memcpy(&v.of.f64, &bits, sizeof bits);
	return v;
}

wasmc_cval wasmc_cval_char(uint32_t c)
{
	wasmc_cval v = scalar(WASMC_CK_CHAR);
	v.of.ch = c;
	return v;
}

wasmc_cval wasmc_cval_enum(uint32_t index)
{
	wasmc_cval v = scalar(WASMC_CK_ENUM);
	v.of.tag.index = index;
	return v;
}

wasmc_cval wasmc_cval_option_none(void)
{
	return scalar(WASMC_CK_OPTION);
}

wasmc_cval wasmc_cval_own(uint64_t handle)
{
	wasmc_cval v = scalar(WASMC_CK_OWN);
	v.of.handle = handle;
	return v;
}

wasmc_cval wasmc_cval_borrow(uint64_t handle)
{
	wasmc_cval v = scalar(WASMC_CK_BORROW);
	v.of.handle = handle;
	return v;
}

wasmc_error *wasmc_cval_string(const char *s, size_t len, wasmc_cval *ret)
{
	if (ret == NULL || (s == NULL && len))
		return wcl_error(WASMC_ERR_BAD_ARGUMENT, "wasmc_cval_string: NULL argument");
	if (len && !pb_utf8_valid(s, len))
		return wcl_error(WASMC_ERR_BAD_ARGUMENT, "wasmc_cval_string: not valid UTF-8");
	if (len == SIZE_MAX)
		return wcl_error(WASMC_ERR_NO_MEMORY, "out of memory");
	char *d = malloc(len + 1);
	if (d == NULL)
		return wcl_error(WASMC_ERR_NO_MEMORY, "out of memory (a %zu-byte string)", len);
	if (len)
		memcpy(d, s, len);
	d[len] = '\0';
	*ret = scalar(WASMC_CK_STRING);
	ret->of.str.data = d;
	ret->of.str.len = len;
	return NULL;
}

wasmc_error *wasmc_cval_string_z(const char *s, wasmc_cval *ret)
{
	if (s == NULL)
		return wcl_error(WASMC_ERR_BAD_ARGUMENT, "wasmc_cval_string_z: NULL string");
	return wasmc_cval_string(s, strlen(s), ret);
}

static wasmc_error *seq(wasmc_ckind k, size_t n, wasmc_cval *ret)
{
	if (ret == NULL)
		return wcl_error(WASMC_ERR_BAD_ARGUMENT, "wasmc_cval_%s: NULL argument",
		                 wasmc_ckind_name(k));
	wasmc_cval *items = NULL;
	if (n) {
		items = calloc(n, sizeof *items);
		if (items == NULL)
			return wcl_error(WASMC_ERR_NO_MEMORY, "out of memory (a %s of %zu values)",
			                 wasmc_ckind_name(k), n);
	}
	*ret = scalar(k);
	ret->of.seq.items = items;
	ret->of.seq.n = n;
	return NULL;
}

wasmc_error *wasmc_cval_list(size_t n, wasmc_cval *ret)
{
	return seq(WASMC_CK_LIST, n, ret);
}

wasmc_error *wasmc_cval_record(size_t n, wasmc_cval *ret)
{
	return seq(WASMC_CK_RECORD, n, ret);
}

wasmc_error *wasmc_cval_tuple(size_t n, wasmc_cval *ret)
{
	return seq(WASMC_CK_TUPLE, n, ret);
}

static bool is_seq(const wasmc_cval *v)
{
	return v && (v->kind == WASMC_CK_LIST || v->kind == WASMC_CK_RECORD ||
	             v->kind == WASMC_CK_TUPLE);
}

bool wasmc_cval_set(wasmc_cval *v, size_t i, wasmc_cval *child)
{
	if (!is_seq(v) || i >= v->of.seq.n || child == NULL || child == &v->of.seq.items[i])
		return false;
	wasmc_cval_drop(&v->of.seq.items[i]);
	v->of.seq.items[i] = *child;
	*child = scalar(WASMC_CK_NONE);
	return true;
}

static wasmc_error *tagged(wasmc_ckind k, uint32_t index, wasmc_cval *payload, wasmc_cval *ret)
{
	if (ret == NULL)
		return wcl_error(WASMC_ERR_BAD_ARGUMENT, "wasmc_cval_%s: NULL argument",
		                 wasmc_ckind_name(k));
	wasmc_cval *p = NULL;
	if (payload) {
		p = malloc(sizeof *p);
		if (p == NULL)
			return wcl_error(WASMC_ERR_NO_MEMORY, "out of memory");
		*p = *payload;
		*payload = scalar(WASMC_CK_NONE);
	}
	*ret = scalar(k);
	ret->of.tag.index = index;
	ret->of.tag.payload = p;
	return NULL;
}

wasmc_error *wasmc_cval_variant(uint32_t index, wasmc_cval *payload, wasmc_cval *ret)
{
	return tagged(WASMC_CK_VARIANT, index, payload, ret);
}

wasmc_error *wasmc_cval_option_some(wasmc_cval *payload, wasmc_cval *ret)
{
	if (payload == NULL)
		return wcl_error(WASMC_ERR_BAD_ARGUMENT, "wasmc_cval_option_some: NULL payload");
	return tagged(WASMC_CK_OPTION, 1, payload, ret);
}

wasmc_error *wasmc_cval_result_ok(wasmc_cval *payload, wasmc_cval *ret)
{
	return tagged(WASMC_CK_RESULT, 0, payload, ret);
}

wasmc_error *wasmc_cval_result_err(wasmc_cval *payload, wasmc_cval *ret)
{
	return tagged(WASMC_CK_RESULT, 1, payload, ret);
}

wasmc_error *wasmc_cval_flags(uint32_t n, wasmc_cval *ret)
{
	if (ret == NULL)
		return wcl_error(WASMC_ERR_BAD_ARGUMENT, "wasmc_cval_flags: NULL argument");
	uint8_t *bits = NULL;
	if (n) {
		bits = calloc(((size_t)n + 7) / 8, 1);
		if (bits == NULL)
			return wcl_error(WASMC_ERR_NO_MEMORY, "out of memory");
	}
	*ret = scalar(WASMC_CK_FLAGS);
	ret->of.flags.bits = bits;
	ret->of.flags.n = n;
	return NULL;
}

bool wasmc_cval_flag_set(wasmc_cval *v, uint32_t i, bool on)
{
	if (v == NULL || v->kind != WASMC_CK_FLAGS || i >= v->of.flags.n)
		return false;
	if (on)
		v->of.flags.bits[i / 8] |= (uint8_t)(1u << (i % 8));
	else
		v->of.flags.bits[i / 8] &= (uint8_t) ~(1u << (i % 8));
	return true;
}

/* ---- accessors ---- */

wasmc_ckind wasmc_cval_kind(const wasmc_cval *v)
{
	return v ? v->kind : WASMC_CK_NONE;
}

bool wasmc_cval_get_bool(const wasmc_cval *v)
{
	return v && v->kind == WASMC_CK_BOOL && v->of.b;
}

int64_t wasmc_cval_get_s64(const wasmc_cval *v)
{
	if (v && (v->kind == WASMC_CK_S8 || v->kind == WASMC_CK_S16 || v->kind == WASMC_CK_S32 ||
	          v->kind == WASMC_CK_S64))
		return v->of.s;
	return 0;
}

uint64_t wasmc_cval_get_u64(const wasmc_cval *v)
{
	if (v && (v->kind == WASMC_CK_U8 || v->kind == WASMC_CK_U16 || v->kind == WASMC_CK_U32 ||
	          v->kind == WASMC_CK_U64))
		return v->of.u;
	return 0;
}

float wasmc_cval_get_f32(const wasmc_cval *v)
{
	return v && v->kind == WASMC_CK_F32 ? v->of.f32 : 0.0f;
}

double wasmc_cval_get_f64(const wasmc_cval *v)
{
	return v && v->kind == WASMC_CK_F64 ? v->of.f64 : 0.0;
}

uint32_t wasmc_cval_get_char(const wasmc_cval *v)
{
	return v && v->kind == WASMC_CK_CHAR ? v->of.ch : 0;
}

const char *wasmc_cval_get_string(const wasmc_cval *v, size_t *ret_len)
{
	if (v == NULL || v->kind != WASMC_CK_STRING)
		return NULL;
	if (ret_len)
		*ret_len = v->of.str.len;
	return v->of.str.data ? v->of.str.data : "";
}

size_t wasmc_cval_count(const wasmc_cval *v)
{
	if (is_seq(v))
		return v->of.seq.n;
	if (v && v->kind == WASMC_CK_FLAGS)
		return v->of.flags.n;
	return 0;
}

const wasmc_cval *wasmc_cval_item(const wasmc_cval *v, size_t i)
{
	return is_seq(v) && i < v->of.seq.n ? &v->of.seq.items[i] : NULL;
}

static bool is_tagged(const wasmc_cval *v)
{
	return v && (v->kind == WASMC_CK_VARIANT || v->kind == WASMC_CK_ENUM ||
	             v->kind == WASMC_CK_OPTION || v->kind == WASMC_CK_RESULT);
}

uint32_t wasmc_cval_case(const wasmc_cval *v)
{
	return is_tagged(v) ? v->of.tag.index : 0;
}

const wasmc_cval *wasmc_cval_payload(const wasmc_cval *v)
{
	return is_tagged(v) && v->kind != WASMC_CK_ENUM ? v->of.tag.payload : NULL;
}

bool wasmc_cval_flag(const wasmc_cval *v, uint32_t i)
{
	if (v == NULL || v->kind != WASMC_CK_FLAGS || i >= v->of.flags.n)
		return false;
	return (v->of.flags.bits[i / 8] >> (i % 8)) & 1;
}

uint64_t wasmc_cval_handle(const wasmc_cval *v)
{
	return v && (v->kind == WASMC_CK_OWN || v->kind == WASMC_CK_BORROW) ? v->of.handle : 0;
}

/* ---- lifetime ---- */

void wasmc_cval_drop(wasmc_cval *v)
{
	if (v == NULL)
		return;
	switch (v->kind) {
	case WASMC_CK_STRING:
		free(v->of.str.data);
		break;
	case WASMC_CK_LIST:
	case WASMC_CK_RECORD:
	case WASMC_CK_TUPLE:
		for (size_t i = 0; i < v->of.seq.n; i++)
			wasmc_cval_drop(&v->of.seq.items[i]);
		free(v->of.seq.items);
		break;
	case WASMC_CK_VARIANT:
	case WASMC_CK_OPTION:
	case WASMC_CK_RESULT:
		if (v->of.tag.payload) {
			wasmc_cval_drop(v->of.tag.payload);
			free(v->of.tag.payload);
		}
		break;
	case WASMC_CK_FLAGS:
		free(v->of.flags.bits);
		break;
	default:
		break;
	}
	*v = scalar(WASMC_CK_NONE);
}

void wasmc_cvals_free(wasmc_cval *vals, size_t n)
{
	if (vals == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		wasmc_cval_drop(&vals[i]);
	free(vals);
}

wasmc_error *wasmc_cval_copy(const wasmc_cval *src, wasmc_cval *ret)
{
	wasmc_error *e = NULL;
	if (src == NULL || ret == NULL)
		return wcl_error(WASMC_ERR_BAD_ARGUMENT, "wasmc_cval_copy: NULL argument");
	wasmc_cval out = *src;
	switch (src->kind) {
	case WASMC_CK_STRING:
		return wasmc_cval_string(src->of.str.data, src->of.str.len, ret);
	case WASMC_CK_LIST:
	case WASMC_CK_RECORD:
	case WASMC_CK_TUPLE:
		e = seq(src->kind, src->of.seq.n, &out);
		if (e)
			return e;
		for (size_t i = 0; i < src->of.seq.n; i++) {
			e = wasmc_cval_copy(&src->of.seq.items[i], &out.of.seq.items[i]);
			if (e) {
				wasmc_cval_drop(&out);
				return e;
			}
		}
		break;
	case WASMC_CK_VARIANT:
	case WASMC_CK_OPTION:
	case WASMC_CK_RESULT:
		if (src->of.tag.payload) {
			wasmc_cval p;
			e = wasmc_cval_copy(src->of.tag.payload, &p);
			if (e)
				return e;
			e = tagged(src->kind, src->of.tag.index, &p, &out);
			if (e) {
				wasmc_cval_drop(&p);
				return e;
			}
		}
		break;
	case WASMC_CK_FLAGS:
		e = wasmc_cval_flags(src->of.flags.n, &out);
		if (e)
			return e;
		if (src->of.flags.n)
			memcpy(out.of.flags.bits, src->of.flags.bits, ((size_t)src->of.flags.n + 7) / 8);
		break;
	default:
		break;
	}
	*ret = out;
	return NULL;
}

bool wasmc_cval_equal(const wasmc_cval *a, const wasmc_cval *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	if (a->kind != b->kind)
		return false;
	switch (a->kind) {
	case WASMC_CK_NONE: return true;
	case WASMC_CK_BOOL: return a->of.b == b->of.b;
	case WASMC_CK_S8:
	case WASMC_CK_S16:
	case WASMC_CK_S32:
	case WASMC_CK_S64: return a->of.s == b->of.s;
	case WASMC_CK_U8:
	case WASMC_CK_U16:
	case WASMC_CK_U32:
	case WASMC_CK_U64: return a->of.u == b->of.u;
	case WASMC_CK_F32: return memcmp(&a->of.f32, &b->of.f32, sizeof(float)) == 0;
	case WASMC_CK_F64: return memcmp(&a->of.f64, &b->of.f64, sizeof(double)) == 0;
	case WASMC_CK_CHAR: return a->of.ch == b->of.ch;
	case WASMC_CK_STRING:
		return a->of.str.len == b->of.str.len &&
		       (a->of.str.len == 0 || memcmp(a->of.str.data, b->of.str.data, a->of.str.len) == 0);
	case WASMC_CK_LIST:
	case WASMC_CK_RECORD:
	case WASMC_CK_TUPLE:
		if (a->of.seq.n != b->of.seq.n)
			return false;
		for (size_t i = 0; i < a->of.seq.n; i++)
			if (!wasmc_cval_equal(&a->of.seq.items[i], &b->of.seq.items[i]))
				return false;
		return true;
	case WASMC_CK_ENUM: return a->of.tag.index == b->of.tag.index;
	case WASMC_CK_VARIANT:
	case WASMC_CK_OPTION:
	case WASMC_CK_RESULT:
		if (a->of.tag.index != b->of.tag.index)
			return false;
		if ((a->of.tag.payload == NULL) != (b->of.tag.payload == NULL))
			return false;
		return a->of.tag.payload == NULL ||
		       wasmc_cval_equal(a->of.tag.payload, b->of.tag.payload);
	case WASMC_CK_FLAGS:
		return a->of.flags.n == b->of.flags.n &&
		       (a->of.flags.n == 0 ||
		        memcmp(a->of.flags.bits, b->of.flags.bits, ((size_t)a->of.flags.n + 7) / 8) == 0);
	case WASMC_CK_OWN:
	case WASMC_CK_BORROW: return a->of.handle == b->of.handle;
	default: return false;
	}
}

const char *wasmc_ckind_name(wasmc_ckind k)
{
	switch (k) {
	case WASMC_CK_NONE: return "none";
	case WASMC_CK_BOOL: return "bool";
	case WASMC_CK_S8: return "s8";
	case WASMC_CK_U8: return "u8";
	case WASMC_CK_S16: return "s16";
	case WASMC_CK_U16: return "u16";
	case WASMC_CK_S32: return "s32";
	case WASMC_CK_U32: return "u32";
	case WASMC_CK_S64: return "s64";
	case WASMC_CK_U64: return "u64";
	case WASMC_CK_F32: return "f32";
	case WASMC_CK_F64: return "f64";
	case WASMC_CK_CHAR: return "char";
	case WASMC_CK_STRING: return "string";
	case WASMC_CK_LIST: return "list";
	case WASMC_CK_RECORD: return "record";
	case WASMC_CK_TUPLE: return "tuple";
	case WASMC_CK_VARIANT: return "variant";
	case WASMC_CK_ENUM: return "enum";
	case WASMC_CK_OPTION: return "option";
	case WASMC_CK_RESULT: return "result";
	case WASMC_CK_FLAGS: return "flags";
	case WASMC_CK_OWN: return "own";
	case WASMC_CK_BORROW: return "borrow";
	case WASMC_CK_RESOURCE: return "resource";
	case WASMC_CK_FUNC: return "func";
	}
	return "unknown";
}
