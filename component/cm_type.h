/*
 * cm_type.h - component-model value and function types, as the rest of
 * wasmc sees them: the canonical ABI (cm_abi), the instantiation plan, the
 * worker and the protocol all speak in these. The component decoder and
 * validator fill a cm_types table for every component; its own, richer
 * structures for instance, component and resource type checking stay
 * private to it.
 *
 * A type is named by a cm_tid. The primitive types need no table entry:
 * their tid is their kind (CM_BOOL ... CM_STRING, all < CM_TID_FIRST).
 * Every other type is an entry of a cm_types table, tid = CM_TID_FIRST +
 * its position. A tid refers only to entries before it (types are acyclic
 * in the component model), so a walk over a type always ends.
 *
 * Ownership: a cm_types owns its entries, their case arrays and their
 * label strings (one cmn_arena). cm_types_free releases everything and
 * accepts NULL. Tables are immutable once built and may be read by many
 * threads at once.
 */
#ifndef CM_TYPE_H
#define CM_TYPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint32_t cm_tid;

#define CM_TID_NONE UINT32_MAX /* "no type": a case without payload, a result without ok/err */
#define CM_TID_FIRST 64u       /* first tid of a table entry */

typedef enum cm_kind {
	/* primitive value types; tid == kind */
	CM_BOOL = 1,
	CM_S8,
	CM_U8,
	CM_S16,
	CM_U16,
	CM_S32,
	CM_U32,
	CM_S64,
	CM_U64,
	CM_F32,
	CM_F64,
	CM_CHAR,
	CM_STRING,
	/* composite value types (table entries) */
	CM_LIST = 32,  /* elem; fixed_len > 0: list<T, N> (feature "fixed-length-lists") */
	CM_RECORD,     /* cases = fields (name, type), n >= 1 */
	CM_TUPLE,      /* cases = elements (name NULL), n >= 1 */
	CM_VARIANT,    /* cases (name, type or CM_TID_NONE), n >= 1 */
	CM_ENUM,       /* cases = labels (type CM_TID_NONE), n >= 1 */
	CM_OPTION,     /* elem */
	CM_RESULT,     /* elem = ok, err; each may be CM_TID_NONE */
	CM_FLAGS,      /* cases = labels, n >= 0 (any count) */
	CM_OWN,        /* elem = the resource type (a CM_RESOURCE entry) */
	CM_BORROW,     /* elem = the resource type */
	/* non-value types */
	CM_RESOURCE = 48, /* resource_id: identity (two entries with one id are one type) */
	CM_FUNC,          /* cases = params (name, type); results (name NULL when unnamed) */
} cm_kind;

/* One record field, tuple element, variant case, enum or flags label,
 * function parameter or result. */
typedef struct cm_case {
	const char *name; /* NUL-terminated label; NULL for tuple elements, an unnamed result */
	cm_tid type;      /* CM_TID_NONE for no payload, enum and flags labels */
} cm_case;

typedef struct cm_type {
	cm_kind kind;
	uint32_t n;        /* number of cases */
	const cm_case *cases;
	cm_tid elem;       /* list and option element; result ok; own/borrow resource */
	cm_tid err;        /* result err */
	uint32_t fixed_len;   /* CM_LIST: 0 for list<T>, N for list<T, N> */
	uint32_t nresults;    /* CM_FUNC */
	const cm_case *results;
	uint32_t resource_id; /* CM_RESOURCE */
	bool async;           /* CM_FUNC: declared `async` */
} cm_type;

typedef struct cm_types cm_types;

/* An empty table. Returns NULL when out of memory. */
cm_types *cm_types_new(void);
void cm_types_free(cm_types *t);

/* Appends a copy of `ty` (unused tid fields must be CM_TID_NONE, not 0) (its case arrays and labels are copied into the
 * table's arena) and writes its tid to *ret_tid. Every tid inside `ty` must
 * be a primitive or an entry already in `t`. Returns false when out of
 * memory or when `ty` refers to a tid that does not exist (then nothing is
 * added). */
bool cm_types_add(cm_types *t, const cm_type *ty, cm_tid *ret_tid);

/* The type named by `tid`: a static entry for a primitive, the table's
 * entry otherwise; NULL for CM_TID_NONE or a tid out of range. The pointer
 * lives as long as `t`. */
const cm_type *cm_types_get(const cm_types *t, cm_tid tid);

/* Number of entries (tids CM_TID_FIRST .. CM_TID_FIRST + count - 1). */
uint32_t cm_types_count(const cm_types *t);

static inline bool cm_tid_is_primitive(cm_tid tid)
{
	return tid >= CM_BOOL && tid <= CM_STRING;
}

/* The WIT spelling of a kind ("u32", "list", "own", ...). */
const char *cm_kind_name(cm_kind k);

#endif
