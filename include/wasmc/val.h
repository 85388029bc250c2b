/*
 * wasmc/val.h - core WebAssembly values and value types.
 *
 * A wasmc_val is a plain struct (no heap memory, copy freely). Numbers keep
 * their exact bits (NaN payloads survive a trip through the daemon).
 * References are null or an opaque 64-bit token: externref tokens are
 * chosen by the client, funcref tokens by the worker and meaningful only
 * for the instance that returned them.
 */
#ifndef WASMC_VAL_H
#define WASMC_VAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <wasmc/visibility.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Value types (wasmc.v1 ValType, same numbers). WASMC_VALKIND_OTHER is a
 * type the protocol cannot describe (e.g. a GC reference type): see the
 * extern type's `text` for its form. */
typedef enum wasmc_valkind {
	WASMC_VALKIND_OTHER = 0,
	WASMC_I32 = 1,
	WASMC_I64 = 2,
	WASMC_F32 = 3,
	WASMC_F64 = 4,
	WASMC_V128 = 5,
	WASMC_FUNCREF = 6,
	WASMC_EXTERNREF = 7,
} wasmc_valkind;

typedef struct wasmc_ref {
	uint64_t token;   /* meaningless when is_null */
	bool is_null;
} wasmc_ref;

typedef struct wasmc_val {
	wasmc_valkind kind;
	union {
		int32_t i32;
		int64_t i64;
		float f32;
		double f64;
		uint8_t v128[16]; /* little-endian: byte 0 is lane 0's low byte */
		wasmc_ref ref;    /* WASMC_FUNCREF, WASMC_EXTERNREF */
	} of;
} wasmc_val;

/* Constructors. */
WASMC_API wasmc_val wasmc_val_i32(int32_t v);
WASMC_API wasmc_val wasmc_val_i64(int64_t v);
WASMC_API wasmc_val wasmc_val_f32(float v);
WASMC_API wasmc_val wasmc_val_f64(double v);
/* From raw bits (any NaN payload kept). */
WASMC_API wasmc_val wasmc_val_f32_bits(uint32_t bits);
WASMC_API wasmc_val wasmc_val_f64_bits(uint64_t bits);
/* `bytes` points to 16 bytes, little-endian. */
WASMC_API wasmc_val wasmc_val_v128(const uint8_t bytes[16]);
WASMC_API wasmc_val wasmc_val_funcref_null(void);
WASMC_API wasmc_val wasmc_val_externref(uint64_t token);
WASMC_API wasmc_val wasmc_val_externref_null(void);

/* Accessors: the value when `v` has that kind, else 0 (0.0, all-zero
 * bytes, null). */
WASMC_API int32_t wasmc_val_get_i32(const wasmc_val *v);
WASMC_API int64_t wasmc_val_get_i64(const wasmc_val *v);
WASMC_API float wasmc_val_get_f32(const wasmc_val *v);
WASMC_API double wasmc_val_get_f64(const wasmc_val *v);
WASMC_API uint32_t wasmc_val_get_f32_bits(const wasmc_val *v);
WASMC_API uint64_t wasmc_val_get_f64_bits(const wasmc_val *v);
/* Copies the 16 bytes of a v128 into `out` (zeros for another kind). */
WASMC_API void wasmc_val_get_v128(const wasmc_val *v, uint8_t out[16]);
/* True for a null reference (and for anything not a reference). */
WASMC_API bool wasmc_val_is_null(const wasmc_val *v);

/* "i32", "i64", "f32", "f64", "v128", "funcref", "externref", "other".
 * Static strings. */
WASMC_API const char *wasmc_valkind_name(wasmc_valkind kind);

#ifdef __cplusplus
}
#endif

#endif
