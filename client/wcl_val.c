/*
 * wcl_val.c - wasmc_val constructors and accessors, kind names.
 */
#include <string.h>

#include <wasmc/types.h>
#include <wasmc/val.h>

wasmc_val wasmc_val_i32(int32_t v)
{
	wasmc_val r;
	memset(&r, 0, sizeof r);
	r.kind = WASMC_I32;
	r.of.i32 = v;
	return r;
}

wasmc_val wasmc_val_i64(int64_t v)
{
	wasmc_val r;
	memset(&r, 0, sizeof r);
	r.kind = WASMC_I64;
	r.of.i64 = v;
	return r;
}

wasmc_val wasmc_val_f32(float v)
{
	uint32_t bits;
	memcpy(&bits, &v, sizeof bits);
	return wasmc_val_f32_bits(bits);
}

wasmc_val wasmc_val_f64(double v)
{
	uint64_t bits;
	memcpy(&bits, &v, sizeof bits);
	return wasmc_val_f64_bits(bits);
}

wasmc_val wasmc_val_f32_bits(uint32_t bits)
{
	wasmc_val r;
	memset(&r, 0, sizeof r);
	r.kind = WASMC_F32;
	memcpy(&r.of.f32, &bits, sizeof bits);
	return r;
}

wasmc_val wasmc_val_f64_bits(uint64_t bits)
{
	wasmc_val r;
	memset(&r, 0, sizeof r);
	r.kind = WASMC_F64;
	memcpy(&r.of.f64, &bits, sizeof bits);
	return r;
}

wasmc_val wasmc_val_v128(const uint8_t bytes[16])
{
	wasmc_val r;
	memset(&r, 0, sizeof r);
	r.kind = WASMC_V128;
	memcpy(r.of.v128, bytes, 16);
	return r;
}

wasmc_val wasmc_val_funcref_null(void)
{
	wasmc_val r;
	memset(&r, 0, sizeof r);
	r.kind = WASMC_FUNCREF;
	r.of.ref.is_null = true;
	return r;
}

wasmc_val wasmc_val_externref(uint64_t token)
{
	wasmc_val r;
	memset(&r, 0, sizeof r);
	r.kind = WASMC_EXTERNREF;
	r.of.ref.token = token;
	return r;
}

wasmc_val wasmc_val_externref_null(void)
{
	wasmc_val r = wasmc_val_externref(0);
	r.of.ref.is_null = true;
	return r;
}

int32_t wasmc_val_get_i32(const wasmc_val *v)
{
	return v->kind == WASMC_I32 ? v->of.i32 : 0;
}

int64_t wasmc_val_get_i64(const wasmc_val *v)
{
	return v->kind == WASMC_I64 ? v->of.i64 : 0;
}

float wasmc_val_get_f32(const wasmc_val *v)
{
	return v->kind == WASMC_F32 ? v->of.f32 : 0.0f;
}

double wasmc_val_get_f64(const wasmc_val *v)
{
	return v->kind == WASMC_F64 ? v->of.f64 : 0.0;
}

uint32_t wasmc_val_get_f32_bits(const wasmc_val *v)
{
	uint32_t bits = 0;
	if (v->kind == WASMC_F32)
		memcpy(&bits, &v->of.f32, sizeof bits);
	return bits;
}

uint64_t wasmc_val_get_f64_bits(const wasmc_val *v)
{
	uint64_t bits = 0;
	if (v->kind == WASMC_F64)
		memcpy(&bits, &v->of.f64, sizeof bits);
	return bits;
}

void wasmc_val_get_v128(const wasmc_val *v, uint8_t out[16])
{
	if (v->kind == WASMC_V128)
		memcpy(out, v->of.v128, 16);
	else
		memset(out, 0, 16);
}

bool wasmc_val_is_null(const wasmc_val *v)
{
	if (v->kind != WASMC_FUNCREF && v->kind != WASMC_EXTERNREF)
		return true;
	return v->of.ref.is_null;
}

const char *wasmc_valkind_name(wasmc_valkind kind)
{
	switch (kind) {
	case WASMC_I32: return "i32";
	case WASMC_I64: return "i64";
	case WASMC_F32: return "f32";
	case WASMC_F64: return "f64";
	case WASMC_V128: return "v128";
	case WASMC_FUNCREF: return "funcref";
	case WASMC_EXTERNREF: return "externref";
	case WASMC_VALKIND_OTHER: break;
	}
	return "other";
}

const char *wasmc_externkind_name(wasmc_externkind kind)
{
	switch (kind) {
	case WASMC_EXTERN_FUNC: return "func";
	case WASMC_EXTERN_TABLE: return "table";
	case WASMC_EXTERN_MEMORY: return "memory";
	case WASMC_EXTERN_GLOBAL: return "global";
	case WASMC_EXTERN_TAG: return "tag";
	}
	return "unknown";
}
