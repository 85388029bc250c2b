/*
 * wasmc/cval.h - component-model values (wasmc_cval): a tagged tree the
 * caller owns, for arguments and results of component functions and of
 * client callbacks.
 *
 * A wasmc_cval is a small struct; composite values point to heap memory
 * they own (string bytes, child arrays, a payload, flags bits). Rules:
 *   - A value owns everything reachable from it. wasmc_cval_drop releases
 *     it all and leaves the value as WASMC_CK_NONE; it accepts NULL and
 *     values of kind WASMC_CK_NONE (so a zeroed struct is always safe to
 *     drop).
 *   - Assigning a struct moves ownership: after `b = a` use and drop only
 *     one of them. wasmc_cval_copy makes an independent deep copy.
 *   - Constructors of scalars return the value (nothing to free).
 *     Constructors of strings and composites return a wasmc_error (NULL on
 *     success, WASMC_ERR_NO_MEMORY or WASMC_ERR_BAD_ARGUMENT) and write
 *     *ret only on success; a child or payload passed to them is moved
 *     into the new value on success and left to the caller on failure.
 *   - Record fields and tuple elements are positional (the type names
 *     them); variants and enums carry the case index.
 *
 * A value is checked against its type only when it is converted for the
 * wire (calls, callback results) or printed: the kinds, counts, case
 * indices, UTF-8, char scalar values, flags counts and the nesting depth
 * (WASMC_CVAL_MAX_DEPTH) are verified then, with a message naming the
 * place ("argument 1: field b: expected u32, found string").
 *
 * Thread-safety: values are plain data; distinct values may be used on
 * different threads freely. Drop and copy recurse as deep as the value
 * (values from the daemon are at most WASMC_CVAL_MAX_DEPTH deep).
 */
#ifndef WASMC_CVAL_H
#define WASMC_CVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <wasmc/error.h>
#include <wasmc/visibility.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Value and type kinds (wasmc.v1 CKind, same numbers). */
typedef enum wasmc_ckind {
	WASMC_CK_NONE = 0,      /* no value (a dropped or unset struct) */
	WASMC_CK_BOOL = 1,
	WASMC_CK_S8 = 2,
	WASMC_CK_U8 = 3,
	WASMC_CK_S16 = 4,
	WASMC_CK_U16 = 5,
	WASMC_CK_S32 = 6,
	WASMC_CK_U32 = 7,
	WASMC_CK_S64 = 8,
	WASMC_CK_U64 = 9,
	WASMC_CK_F32 = 10,
	WASMC_CK_F64 = 11,
	WASMC_CK_CHAR = 12,
	WASMC_CK_STRING = 13,
	WASMC_CK_LIST = 32,
	WASMC_CK_RECORD = 33,
	WASMC_CK_TUPLE = 34,
	WASMC_CK_VARIANT = 35,
	WASMC_CK_ENUM = 36,
	WASMC_CK_OPTION = 37,
	WASMC_CK_RESULT = 38,
	WASMC_CK_FLAGS = 39,
	WASMC_CK_OWN = 40,
	WASMC_CK_BORROW = 41,
	/* types only */
	WASMC_CK_RESOURCE = 48,
	WASMC_CK_FUNC = 49,
} wasmc_ckind;

/* Values nest at most this deep (the root counts 1); deeper values are
 * refused when converted. */
#define WASMC_CVAL_MAX_DEPTH 100

typedef struct wasmc_cval wasmc_cval;

struct wasmc_cval {
	wasmc_ckind kind;
	union {
		bool b;                 /* BOOL */
		int64_t s;              /* S8..S64 (in range of the kind) */
		uint64_t u;             /* U8..U64 (in range of the kind) */
		float f32;              /* F32 (bits kept: NaN payloads survive) */
		double f64;             /* F64 */
		uint32_t ch;            /* CHAR: a Unicode scalar value */
		struct {
			char *data;     /* UTF-8, NUL-terminated after len bytes */
			size_t len;
		} str;                  /* STRING */
		struct {
			wasmc_cval *items;
			size_t n;
		} seq;                  /* LIST, RECORD (fields in type order), TUPLE */
		struct {
			uint32_t index;     /* VARIANT/ENUM: case; OPTION: 0 none, 1 some;
			                     * RESULT: 0 ok, 1 err */
			wasmc_cval *payload; /* NULL when the case has no payload */
		} tag;                  /* VARIANT, ENUM, OPTION, RESULT */
		struct {
			uint8_t *bits;      /* label i: bit i % 8 of byte i / 8 */
			uint32_t n;         /* label count (the type's) */
		} flags;                /* FLAGS */
		uint64_t handle;        /* OWN, BORROW: a guest resource's handle,
		                         * or the rep of a client resource */
	} of;
};

/* ---- scalars (no memory to free) ---- */
WASMC_API wasmc_cval wasmc_cval_bool(bool v);
WASMC_API wasmc_cval wasmc_cval_s8(int8_t v);
WASMC_API wasmc_cval wasmc_cval_u8(uint8_t v);
WASMC_API wasmc_cval wasmc_cval_s16(int16_t v);
WASMC_API wasmc_cval wasmc_cval_u16(uint16_t v);
WASMC_API wasmc_cval wasmc_cval_s32(int32_t v);
WASMC_API wasmc_cval wasmc_cval_u32(uint32_t v);
WASMC_API wasmc_cval wasmc_cval_s64(int64_t v);
WASMC_API wasmc_cval wasmc_cval_u64(uint64_t v);
WASMC_API wasmc_cval wasmc_cval_f32(float v);
WASMC_API wasmc_cval wasmc_cval_f64(double v);
/* Any bits (the NaN payload kept). */
WASMC_API wasmc_cval wasmc_cval_f32_bits(uint32_t bits);
WASMC_API wasmc_cval wasmc_cval_f64_bits(uint64_t bits);
/* A Unicode scalar value (checked when converted). */
WASMC_API wasmc_cval wasmc_cval_char(uint32_t c);
WASMC_API wasmc_cval wasmc_cval_enum(uint32_t index);
WASMC_API wasmc_cval wasmc_cval_option_none(void);
WASMC_API wasmc_cval wasmc_cval_own(uint64_t handle);
WASMC_API wasmc_cval wasmc_cval_borrow(uint64_t handle);

/* ---- strings and composites ---- */

/* A copy of `len` bytes at `s` (may contain NUL; NULL only when len is 0).
 * WASMC_ERR_BAD_ARGUMENT when they are not valid UTF-8. */
WASMC_API wasmc_error *wasmc_cval_string(const char *s, size_t len,
                                         wasmc_cval *ret);
/* The same for a NUL-terminated string. */
WASMC_API wasmc_error *wasmc_cval_string_z(const char *s, wasmc_cval *ret);

/* A list, record or tuple of `n` children, all WASMC_CK_NONE: set each
 * with wasmc_cval_set (or by assigning ret->of.seq.items[i]). */
WASMC_API wasmc_error *wasmc_cval_list(size_t n, wasmc_cval *ret);
WASMC_API wasmc_error *wasmc_cval_record(size_t n, wasmc_cval *ret);
WASMC_API wasmc_error *wasmc_cval_tuple(size_t n, wasmc_cval *ret);
/* Moves `child` into slot i of a list, record or tuple (the previous
 * child is dropped; `*child` becomes WASMC_CK_NONE). False when `v` has
 * no slot i (then nothing moves). */
WASMC_API bool wasmc_cval_set(wasmc_cval *v, size_t i, wasmc_cval *child);

/* A variant case; `payload` (moved in) is NULL for a case without one. */
WASMC_API wasmc_error *wasmc_cval_variant(uint32_t index, wasmc_cval *payload,
                                          wasmc_cval *ret);
/* some(payload): payload must not be NULL. */
WASMC_API wasmc_error *wasmc_cval_option_some(wasmc_cval *payload,
                                              wasmc_cval *ret);
/* ok(payload) / err(payload); payload NULL for a side without a type. */
WASMC_API wasmc_error *wasmc_cval_result_ok(wasmc_cval *payload, wasmc_cval *ret);
WASMC_API wasmc_error *wasmc_cval_result_err(wasmc_cval *payload, wasmc_cval *ret);
/* Flags of `n` labels (the type's label count), none set. */
WASMC_API wasmc_error *wasmc_cval_flags(uint32_t n, wasmc_cval *ret);
/* Sets or clears label i; false when `v` is not flags or i >= its count. */
WASMC_API bool wasmc_cval_flag_set(wasmc_cval *v, uint32_t i, bool on);

/* ---- accessors: 0 / false / NULL when `v` is not of that kind ---- */
WASMC_API wasmc_ckind wasmc_cval_kind(const wasmc_cval *v);
WASMC_API bool wasmc_cval_get_bool(const wasmc_cval *v);
/* Any signed integer kind. */
WASMC_API int64_t wasmc_cval_get_s64(const wasmc_cval *v);
/* Any unsigned integer kind. */
WASMC_API uint64_t wasmc_cval_get_u64(const wasmc_cval *v);
WASMC_API float wasmc_cval_get_f32(const wasmc_cval *v);
WASMC_API double wasmc_cval_get_f64(const wasmc_cval *v);
WASMC_API uint32_t wasmc_cval_get_char(const wasmc_cval *v);
/* The string's bytes (NUL-terminated, owned by `v`); *ret_len (may be
 * NULL) gets its length. NULL for other kinds. */
WASMC_API const char *wasmc_cval_get_string(const wasmc_cval *v, size_t *ret_len);
/* Children of a list, record or tuple; labels of flags. */
WASMC_API size_t wasmc_cval_count(const wasmc_cval *v);
/* Child i of a list, record or tuple (owned by `v`), or NULL. */
WASMC_API const wasmc_cval *wasmc_cval_item(const wasmc_cval *v, size_t i);
/* Variant/enum case index; option 0 (none) / 1 (some); result 0 (ok) /
 * 1 (err). */
WASMC_API uint32_t wasmc_cval_case(const wasmc_cval *v);
/* The payload of a variant, option or result (owned by `v`), or NULL. */
WASMC_API const wasmc_cval *wasmc_cval_payload(const wasmc_cval *v);
WASMC_API bool wasmc_cval_flag(const wasmc_cval *v, uint32_t i);
/* Own/borrow handle. */
WASMC_API uint64_t wasmc_cval_handle(const wasmc_cval *v);

/* ---- lifetime ---- */

/* Releases everything `v` owns (not `v` itself) and sets it to
 * WASMC_CK_NONE. Accepts NULL. */
WASMC_API void wasmc_cval_drop(wasmc_cval *v);
/* Drops `n` values of the array `vals` and frees the array (as returned
 * by wasmc_component_call). Accepts NULL. */
WASMC_API void wasmc_cvals_free(wasmc_cval *vals, size_t n);
/* A deep copy of `src` into *ret. */
WASMC_API wasmc_error *wasmc_cval_copy(const wasmc_cval *src, wasmc_cval *ret);
/* Deep equality (floats by their bits). */
WASMC_API bool wasmc_cval_equal(const wasmc_cval *a, const wasmc_cval *b);

/* "bool", "u32", "list", "own", ... ("none" for WASMC_CK_NONE, "unknown"
 * otherwise). Static strings. */
WASMC_API const char *wasmc_ckind_name(wasmc_ckind kind);

#ifdef __cplusplus
}
#endif

#endif
