/*
 * wasmc/ctype.h - component-model types (wasmc_ctype) and the imports and
 * exports of a component (wasmc_citem), read-only.
 *
 * A wasmc_ctype is an opaque handle into a component's type table (or a
 * static primitive from wasmc_ctype_primitive). Handles and every string
 * they return are owned by the module (or instance) they came from and
 * stay valid until it is freed; primitives live forever. Never free them.
 * Types are immutable: any number of threads may read them at once.
 *
 * Functions are types of kind WASMC_CK_FUNC: their parameters are its
 * cases (name + type) and its results its results (one unnamed result for
 * `func(...) -> T`, none for `func(...)`).
 */
#ifndef WASMC_CTYPE_H
#define WASMC_CTYPE_H

#include <stddef.h>
#include <stdint.h>

#include <wasmc/cval.h>
#include <wasmc/error.h>
#include <wasmc/visibility.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wasmc_ctype wasmc_ctype;

/* The static type of a primitive kind (BOOL ... STRING), or NULL. */
WASMC_API const wasmc_ctype *wasmc_ctype_primitive(wasmc_ckind kind);

WASMC_API wasmc_ckind wasmc_ctype_kind(const wasmc_ctype *t);

/* Record fields, tuple elements, variant cases, enum and flags labels,
 * function parameters. */
WASMC_API size_t wasmc_ctype_case_count(const wasmc_ctype *t);
/* The label ("" for a tuple element), or NULL when i is out of range. */
WASMC_API const char *wasmc_ctype_case_name(const wasmc_ctype *t, size_t i);
/* The case's type; NULL for a case without payload, an enum or flags
 * label, or i out of range. */
WASMC_API const wasmc_ctype *wasmc_ctype_case_type(const wasmc_ctype *t, size_t i);
/* The index of the case named `name`, or -1. */
WASMC_API long wasmc_ctype_case_find(const wasmc_ctype *t, const char *name);

/* List and option element; own/borrow: the resource type. NULL otherwise. */
WASMC_API const wasmc_ctype *wasmc_ctype_elem(const wasmc_ctype *t);
/* Result: the ok and err types (NULL when that side has none). */
WASMC_API const wasmc_ctype *wasmc_ctype_ok(const wasmc_ctype *t);
WASMC_API const wasmc_ctype *wasmc_ctype_err(const wasmc_ctype *t);
/* list<T, N>: N; 0 for a list of any length. */
WASMC_API uint32_t wasmc_ctype_fixed_len(const wasmc_ctype *t);

/* Function results: count, name ("" when unnamed), type. */
WASMC_API size_t wasmc_ctype_result_count(const wasmc_ctype *t);
WASMC_API const char *wasmc_ctype_result_name(const wasmc_ctype *t, size_t i);
WASMC_API const wasmc_ctype *wasmc_ctype_result_type(const wasmc_ctype *t, size_t i);

/* A resource type's name ("counter") and its identity in the component
 * (two handles with one id are the same resource). */
WASMC_API const char *wasmc_ctype_resource_name(const wasmc_ctype *t);
WASMC_API uint32_t wasmc_ctype_resource_id(const wasmc_ctype *t);

/* The name the component gives this type (a named record, variant ...:
 * "rec"), or NULL when it has none. */
WASMC_API const char *wasmc_ctype_name(const wasmc_ctype *t);

/* The type as WIT writes it ("list<tuple<u32, string>>", a named type by
 * its name, a function as "func(a: u32) -> string"). *ret_text is new
 * (free()). */
WASMC_API wasmc_error *wasmc_ctype_text(const wasmc_ctype *t, char **ret_text);

/* ---- imports and exports ---- */

typedef enum wasmc_citem_kind {
	WASMC_CITEM_FUNC = 0,      /* a function: `type` is its func type */
	WASMC_CITEM_RESOURCE = 1,  /* a resource type: `type` is the resource */
	WASMC_CITEM_TYPE = 2,      /* a named value type (nothing to provide) */
	WASMC_CITEM_OTHER = 3,     /* module, component, value: not usable */
} wasmc_citem_kind;

/* An import or export. Items of an interface carry its name in
 * `instance`; root items have "". */
typedef struct wasmc_citem {
	const char *instance;      /* "" or "ns:pkg/iface@1.2.3"; never NULL */
	const char *name;          /* "greet", "[method]counter.inc", "counter" */
	wasmc_citem_kind kind;
	const wasmc_ctype *type;   /* NULL for WASMC_CITEM_OTHER */
} wasmc_citem;

#ifdef __cplusplus
}
#endif

#endif
