/*
 * rt_module.h - the module description: everything a decoded WebAssembly
 * module declares, in index spaces, as the decoder (wasm/) fills it and the
 * compiler (jit/) and the loader (runtime/) read it.
 *
 * Ownership: an rt_module owns every array reachable from it through its
 * arena (rt_module_free releases them all at once). Byte ranges (rt_range)
 * point into the input bytes the module was decoded from, which the caller
 * keeps alive and unchanged for the module's lifetime: function bodies,
 * constant expressions and data segments are not copied, so decoding a large
 * module costs little more memory than the module itself.
 *
 * Index spaces follow the spec: imports come first in the function, table,
 * memory, global and tag spaces.
 */
#ifndef RT_MODULE_H
#define RT_MODULE_H

#include <stddef.h>
#include <stdint.h>

#include "cmn_arena.h"
#include "rt_types.h"

/* A byte range of the module's input: [off, off + len). */
typedef struct rt_range {
	uint32_t off;
	uint32_t len;
} rt_range;

/* A length-counted UTF-8 name pointing into the input (not NUL-terminated). */
typedef struct rt_name {
	const char *ptr;
	uint32_t len;
} rt_name;

enum {
	RT_EXTERN_FUNC = 0,
	RT_EXTERN_TABLE = 1,
	RT_EXTERN_MEMORY = 2,
	RT_EXTERN_GLOBAL = 3,
	RT_EXTERN_TAG = 4,
};

typedef struct rt_tabletype {
	rt_valtype elem; /* a reference type */
	rt_limits limits;
	bool has_init;   /* table with an explicit initialiser expression */
	rt_range init;   /* constant expression, including its final `end` */
} rt_tabletype;

typedef struct rt_memtype {
	rt_limits limits;
} rt_memtype;

typedef struct rt_globaltype {
	rt_valtype type;
	bool mut;
	rt_range init; /* constant expression (defined globals only) */
} rt_globaltype;

typedef struct rt_tag {
	uint32_t type; /* index of a function type with no results */
} rt_tag;

typedef struct rt_func {
	uint32_t type; /* type index */
	rt_range body; /* defined functions: the code entry after its size */
} rt_func;

typedef struct rt_import {
	rt_name module;
	rt_name field;
	uint8_t kind;   /* RT_EXTERN_* */
	uint32_t index; /* index in the space of its kind */
} rt_import;

typedef struct rt_export {
	rt_name name;
	uint8_t kind;   /* RT_EXTERN_* */
	uint32_t index;
} rt_export;

enum {
	RT_SEG_ACTIVE = 0,
	RT_SEG_PASSIVE = 1,
	RT_SEG_DECLARATIVE = 2,
};

typedef struct rt_elem {
	uint8_t mode;     /* RT_SEG_* */
	uint32_t table;   /* active only */
	rt_range offset;  /* active only: constant expression */
	rt_valtype type;  /* element reference type */
	uint32_t count;
	/* Exactly one of these is set: function indices, or one constant
	 * expression per element. */
	uint32_t *funcs;
	rt_range *exprs;
} rt_elem;

typedef struct rt_data {
	uint8_t mode;     /* RT_SEG_ACTIVE or RT_SEG_PASSIVE */
	uint32_t memory;  /* active only */
	rt_range offset;  /* active only: constant expression */
	rt_range bytes;
} rt_data;

typedef struct rt_custom {
	rt_name name;
	rt_range payload;
} rt_custom;

/* One entry of a name map from the `name` section. */
typedef struct rt_naming {
	uint32_t index;
	rt_name name;
} rt_naming;

typedef struct rt_names {
	bool has_module;
	rt_name module;
	uint32_t nfuncs;
	rt_naming *funcs; /* sorted by index */
} rt_names;

#define RT_NO_START UINT32_MAX

typedef struct rt_module {
	cmn_arena arena; /* owns every array below */

	const uint8_t *bytes; /* input, borrowed */
	size_t size;

	uint32_t ntypes;
	rt_subtype *types;

	uint32_t nimports;
	rt_import *imports;

	/* Index spaces; the first n*_imported entries are imports. */
	uint32_t nfuncs, nfuncs_imported;
	rt_func *funcs;
	uint32_t ntables, ntables_imported;
	rt_tabletype *tables;
	uint32_t nmemories, nmemories_imported;
	rt_memtype *memories;
	uint32_t nglobals, nglobals_imported;
	rt_globaltype *globals;
	uint32_t ntags, ntags_imported;
	rt_tag *tags;

	uint32_t nexports;
	rt_export *exports;

	uint32_t start; /* RT_NO_START when absent */

	uint32_t nelems;
	rt_elem *elems;

	bool has_data_count;
	uint32_t data_count;
	uint32_t ndatas;
	rt_data *datas;

	uint32_t ncustoms;
	rt_custom *customs;

	rt_names names;
} rt_module;

/* Releases everything the module owns, and the module itself. Accepts NULL. */
void rt_module_free(rt_module *mod);

/* The function type of a type index that the validator has checked to be a
 * function type. */
static inline const rt_functype *rt_module_functype(const rt_module *mod,
                                                    uint32_t type_index)
{
	return &mod->types[type_index].u.func;
}

#endif
