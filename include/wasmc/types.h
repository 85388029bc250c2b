/*
 * wasmc/types.h - the types of a module's imports and exports.
 *
 * These are plain read-only structs owned by the object that returns them
 * (a wasmc_module or wasmc_instance); every pointer inside stays valid until
 * that object is freed. Never free or modify them.
 */
#ifndef WASMC_TYPES_H
#define WASMC_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <wasmc/val.h>
#include <wasmc/visibility.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Extern kinds (wasmc.v1 ExternKind, same numbers). */
typedef enum wasmc_externkind {
	WASMC_EXTERN_FUNC = 0,
	WASMC_EXTERN_TABLE = 1,
	WASMC_EXTERN_MEMORY = 2,
	WASMC_EXTERN_GLOBAL = 3,
	WASMC_EXTERN_TAG = 4,
} wasmc_externkind;

typedef struct wasmc_functype {
	size_t nparams;
	const wasmc_valkind *params;
	size_t nresults;
	const wasmc_valkind *results;
} wasmc_functype;

typedef struct wasmc_limits_type {
	uint64_t min;
	uint64_t max;        /* meaningful when has_max */
	bool has_max;
} wasmc_limits_type;

typedef struct wasmc_externtype {
	wasmc_externkind kind;
	wasmc_functype func;        /* FUNC, TAG */
	wasmc_valkind table_elem;   /* TABLE */
	wasmc_limits_type limits;   /* TABLE (elements), MEMORY (pages) */
	bool is64;                  /* MEMORY or TABLE with 64-bit indices */
	bool shared;                /* MEMORY */
	uint32_t page_size_log2;    /* MEMORY (16 unless custom page sizes) */
	wasmc_valkind global_type;  /* GLOBAL */
	bool global_mutable;        /* GLOBAL */
	/* Never NULL; "" unless the type is one the protocol cannot describe
	 * (then its text form, for display). */
	const char *text;
} wasmc_externtype;

typedef struct wasmc_import {
	const char *module;         /* UTF-8, never NULL */
	const char *name;
	wasmc_externtype type;
} wasmc_import;

typedef struct wasmc_export {
	const char *name;           /* UTF-8, never NULL */
	wasmc_externtype type;
} wasmc_export;

/* "func", "table", "memory", "global", "tag" ("unknown" otherwise). */
WASMC_API const char *wasmc_externkind_name(wasmc_externkind kind);

#ifdef __cplusplus
}
#endif

#endif
