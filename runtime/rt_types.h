/*
 * rt_types.h - WebAssembly value, reference, storage and composite types as
 * the module description, the validator, the compiler and the loader all see
 * them.
 *
 * Plain data, no allocation. Codes are the binary format's own bytes, so a
 * decoded byte maps to a type without a table.
 */
#ifndef RT_TYPES_H
#define RT_TYPES_H

#include <stdbool.h>
#include <stdint.h>

/* rt_valtype.kind: numeric, vector, reference and packed storage types. */
enum {
	RT_BOT = 0x00,  /* validator only: the unknown type of unreachable code */
	RT_I32 = 0x7F,
	RT_I64 = 0x7E,
	RT_F32 = 0x7D,
	RT_F64 = 0x7C,
	RT_V128 = 0x7B,
	RT_I8 = 0x78,   /* packed, storage types only */
	RT_I16 = 0x77,  /* packed, storage types only */
	RT_REF = 0x64,  /* (ref null? ht); see rt_valtype.nullable / heap */
};

/* Abstract heap types, by their binary codes. */
enum {
	RT_HT_NOEXN = 0x74,
	RT_HT_NOFUNC = 0x73,
	RT_HT_NOEXTERN = 0x72,
	RT_HT_NONE = 0x71,
	RT_HT_FUNC = 0x70,
	RT_HT_EXTERN = 0x6F,
	RT_HT_ANY = 0x6E,
	RT_HT_EQ = 0x6D,
	RT_HT_I31 = 0x6C,
	RT_HT_STRUCT = 0x6B,
	RT_HT_ARRAY = 0x6A,
	RT_HT_EXN = 0x69,
	/* validator only: the bottom heap type of an unknown reference */
	RT_HT_BOT = 0x01,
};

/* A heap type is either an abstract one (RT_HT_ABS bit set, low byte is the
 * code above) or a type index into the module's type section. */
#define RT_HT_ABS 0x80000000u
#define RT_HT_IS_ABS(h) (((h) & RT_HT_ABS) != 0)
#define RT_HT_CODE(h) ((uint8_t)((h) & 0xFF))
#define RT_HT_MAKE_ABS(code) (RT_HT_ABS | (uint32_t)(code))

/* The text name of an abstract heap type code ("func", "noextern", ...;
 * "bot" for RT_HT_BOT, "?" for a code that is none of them). Static
 * strings. Shared by the validator's messages and the workers' type text. */
const char *rt_heap_abs_name(uint8_t code);

/* Subtyping between abstract heap types (codes above, RT_HT_BOT excluded):
 * none <: i31, struct, array <: eq <: any; nofunc <: func;
 * noextern <: extern; noexn <: exn. Shared by the validator and the
 * runtime's type registry. */
static inline bool rt_heap_abs_match(uint8_t a, uint8_t b)
{
	if (a == b)
		return true;
	switch (b) {
	case RT_HT_ANY:
		return a == RT_HT_EQ || a == RT_HT_I31 || a == RT_HT_STRUCT ||
		       a == RT_HT_ARRAY || a == RT_HT_NONE;
	case RT_HT_EQ:
		return a == RT_HT_I31 || a == RT_HT_STRUCT ||
		       a == RT_HT_ARRAY || a == RT_HT_NONE;
	case RT_HT_I31:
	case RT_HT_STRUCT:
	case RT_HT_ARRAY:
		return a == RT_HT_NONE;
	case RT_HT_FUNC:
		return a == RT_HT_NOFUNC;
	case RT_HT_EXTERN:
		return a == RT_HT_NOEXTERN;
	case RT_HT_EXN:
		return a == RT_HT_NOEXN;
	default:
		return false;
	}
}

typedef struct rt_valtype {
	uint8_t kind;     /* RT_I32 ... RT_REF, RT_I8/RT_I16 in fields */
	uint8_t nullable; /* RT_REF only */
	uint16_t reserved;
	uint32_t heap;    /* RT_REF only: RT_HT_MAKE_ABS(code) or type index */
} rt_valtype;

static inline rt_valtype rt_valtype_num(uint8_t kind)
{
	rt_valtype t = {kind, 0, 0, 0};
	return t;
}

static inline rt_valtype rt_valtype_ref(bool nullable, uint32_t heap)
{
	rt_valtype t = {RT_REF, nullable ? 1 : 0, 0, heap};
	return t;
}

static inline bool rt_valtype_is_num(rt_valtype t)
{
	return t.kind == RT_I32 || t.kind == RT_I64 || t.kind == RT_F32 ||
	       t.kind == RT_F64;
}

static inline bool rt_valtype_eq_raw(rt_valtype a, rt_valtype b)
{
	return a.kind == b.kind && a.nullable == b.nullable && a.heap == b.heap;
}

/* Composite types. */
enum {
	RT_COMP_FUNC = 0x60,
	RT_COMP_STRUCT = 0x5F,
	RT_COMP_ARRAY = 0x5E,
};

#define RT_NO_SUPER UINT32_MAX

typedef struct rt_fieldtype {
	rt_valtype type; /* storage type: may be RT_I8 / RT_I16 */
	bool mut;
} rt_fieldtype;

typedef struct rt_functype {
	uint32_t nparams;
	uint32_t nresults;
	rt_valtype *params;  /* owned by the module (arena) */
	rt_valtype *results; /* owned by the module (arena) */
} rt_functype;

/* One entry of the type section: a sub type inside a rec group. */
typedef struct rt_subtype {
	uint8_t comp;       /* RT_COMP_* */
	bool final;
	uint32_t super;     /* supertype index or RT_NO_SUPER */
	uint32_t rec_start; /* first type index of its rec group */
	uint32_t rec_len;   /* number of types in its rec group */
	uint32_t canon;     /* canonical id of this type (set by validation):
	                       two type indices denote the same type iff equal */
	union {
		rt_functype func;
		struct {
			uint32_t nfields;
			rt_fieldtype *fields; /* owned by the module (arena) */
		} strct;
		rt_fieldtype array;
	} u;
} rt_subtype;

/* Limits of a memory or table. */
typedef struct rt_limits {
	uint64_t min;
	uint64_t max;
	bool has_max;
	bool is64;         /* address type i64 (memory64 / table64) */
	bool shared;       /* memories only (threads) */
	uint8_t page_log2; /* memories only: 16, or custom-page-sizes' value */
} rt_limits;

#endif
