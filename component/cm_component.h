/*
 * cm_component.h - the decoded description of a component binary
 * (Binary.md of the component model, version 0x0d, layer 1): every section
 * item in the order of the binary, as cm_decode produces it and
 * cm_validate checks it.
 *
 * A component is an ordered list of definitions (cm_def): each section's
 * items appended in order, so index spaces are built by walking the list.
 * Nested core modules are kept as byte ranges of the input (validated with
 * wb_decode/wb_validate); nested components are decoded recursively.
 *
 * Ownership: everything reachable from a cm_component (arrays, strings,
 * nested components) lives in the arena of the outermost cm_component and
 * is released by cm_component_free, which accepts NULL. Names are copied
 * and NUL-terminated (a name with an embedded NUL is kept with its length).
 * The input bytes are borrowed: core module ranges point into them, so the
 * input must outlive the description. Immutable once decoded.
 */
#ifndef CM_COMPONENT_H
#define CM_COMPONENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmn_arena.h"

/* Sorts, one enumeration for core and component sorts. */
typedef enum cm_sort {
	CM_SORT_CORE_FUNC,
	CM_SORT_CORE_TABLE,
	CM_SORT_CORE_MEMORY,
	CM_SORT_CORE_GLOBAL,
	CM_SORT_CORE_TAG,
	CM_SORT_CORE_TYPE,
	CM_SORT_CORE_MODULE,
	CM_SORT_CORE_INSTANCE,
	CM_SORT_FUNC,
	CM_SORT_VALUE,
	CM_SORT_TYPE,
	CM_SORT_COMPONENT,
	CM_SORT_INSTANCE,
	CM_SORT_COUNT
} cm_sort;

/* The text spelling of a sort ("core func", "instance", ...). */
const char *cm_sort_name(cm_sort s);

typedef struct cm_str {
	const char *s; /* NUL-terminated copy */
	uint32_t len;
} cm_str;

typedef struct cm_sortidx {
	uint8_t sort; /* cm_sort */
	uint32_t idx;
} cm_sortidx;

/* A value type: a primitive (cm_kind CM_BOOL..CM_STRING, or
 * CM_VT_ERROR_CONTEXT) or a type index. */
#define CM_VT_ERROR_CONTEXT 20u
typedef struct cm_valtype {
	bool is_index;
	uint32_t v;
} cm_valtype;

/* ---- core types (the core type section and module types) ---- */

typedef struct cm_core_valtype {
	uint8_t kind;     /* RT_I32 .. RT_V128, RT_REF */
	bool nullable;
	uint32_t heap;    /* RT_HT_MAKE_ABS(code) or a core type index */
} cm_core_valtype;

typedef struct cm_core_limits {
	uint64_t min, max;
	bool has_max, is64, shared;
} cm_core_limits;

/* A core extern type (imports and exports of module types). */
typedef struct cm_core_extern {
	uint8_t kind; /* RT_EXTERN_FUNC .. RT_EXTERN_TAG */
	uint32_t type_idx;          /* func, tag: core type index */
	cm_core_valtype val;        /* table element, global type */
	bool mut;                   /* global */
	cm_core_limits limits;      /* table, memory */
} cm_core_extern;

typedef enum cm_core_decl_kind {
	CM_CDECL_IMPORT,
	CM_CDECL_TYPE,
	CM_CDECL_ALIAS_OUTER, /* core type outer alias */
	CM_CDECL_EXPORT,
} cm_core_decl_kind;

typedef struct cm_core_type cm_core_type;

typedef struct cm_core_decl {
	uint8_t kind; /* cm_core_decl_kind */
	size_t off;
	cm_str module, name;   /* import: module, name; export: name */
	cm_core_extern ext;
	cm_core_type *type;    /* CM_CDECL_TYPE */
	uint32_t count, idx;   /* CM_CDECL_ALIAS_OUTER */
} cm_core_decl;

typedef enum cm_core_type_kind {
	CM_CT_FUNC,
	CM_CT_STRUCT, /* GC types are decoded; only functions are used */
	CM_CT_ARRAY,
	CM_CT_MODULE,
} cm_core_type_kind;

struct cm_core_type {
	uint8_t kind; /* cm_core_type_kind */
	size_t off;
	bool in_rec;  /* part of a rec group of more than one type, or sub */
	uint32_t nparams, nresults;
	cm_core_valtype *params, *results;
	uint32_t ndecls; /* CM_CT_MODULE */
	cm_core_decl *decls;
};

/* ---- component types ---- */

typedef enum cm_dt_kind {
	CM_DT_PRIM,      /* prim = the cm_kind, or CM_VT_ERROR_CONTEXT */
	CM_DT_RECORD,    /* cases = fields */
	CM_DT_VARIANT,   /* cases, type optional */
	CM_DT_LIST,      /* a; len > 0 for list<T, N> */
	CM_DT_TUPLE,     /* cases (no names) */
	CM_DT_FLAGS,     /* cases = labels */
	CM_DT_ENUM,      /* cases = labels */
	CM_DT_OPTION,    /* a */
	CM_DT_RESULT,    /* a = ok, b = err, each optional */
	CM_DT_OWN,       /* idx */
	CM_DT_BORROW,    /* idx */
	CM_DT_STREAM,    /* a optional */
	CM_DT_FUTURE,    /* a optional */
	CM_DT_MAP,       /* a = key, b = value */
	CM_DT_FUNC,      /* cases = params; a = result (optional) */
	CM_DT_COMPONENT, /* decls */
	CM_DT_INSTANCE,  /* decls */
	CM_DT_RESOURCE,  /* rep, dtor */
} cm_dt_kind;

typedef struct cm_label {
	cm_str name;     /* empty for tuple elements */
	bool has_type;
	cm_valtype type;
	size_t off;
} cm_label;

typedef struct cm_decl cm_decl;

typedef struct cm_deftype {
	uint8_t kind; /* cm_dt_kind */
	size_t off;
	uint32_t prim;
	uint32_t n;
	cm_label *cases;
	bool has_a, has_b;
	cm_valtype a, b;
	uint32_t idx;   /* own, borrow */
	uint32_t len;   /* fixed-length list */
	bool async;     /* func */
	uint8_t rep;    /* resource: core value type code */
	bool has_dtor;
	uint32_t dtor;  /* core func index */
	uint32_t ndecls;
	cm_decl *decls; /* component and instance types */
} cm_deftype;

/* An import or export name with its attributes. */
typedef struct cm_extname {
	cm_str name;
	size_t off;
	uint8_t form;         /* 0, 1 or 2 (with attributes) */
	bool has_implements, has_version_suffix, has_external_id;
	cm_str implements, version_suffix, external_id;
} cm_extname;

typedef enum cm_bound {
	CM_BOUND_EQ,           /* type (eq i), value (eq i) */
	CM_BOUND_SUB_RESOURCE, /* type (sub resource) */
	CM_BOUND_VALTYPE,      /* value: a value type */
} cm_bound;

typedef struct cm_externtype {
	uint8_t sort;  /* CM_SORT_CORE_MODULE, FUNC, VALUE, TYPE, COMPONENT, INSTANCE */
	uint8_t bound; /* cm_bound: type and value */
	uint32_t idx;  /* the type index (core type for modules), or eq index */
	cm_valtype vt; /* value with a value type */
	size_t off;
} cm_externtype;

typedef enum cm_alias_kind {
	CM_ALIAS_EXPORT,
	CM_ALIAS_CORE_EXPORT,
	CM_ALIAS_OUTER,
} cm_alias_kind;

typedef struct cm_alias {
	uint8_t sort;  /* cm_sort */
	uint8_t kind;  /* cm_alias_kind */
	uint32_t instance; /* export forms */
	cm_str name;
	uint32_t count, idx; /* outer */
	size_t off;
} cm_alias;

typedef enum cm_decl_kind {
	CM_DECL_CORE_TYPE,
	CM_DECL_TYPE,
	CM_DECL_ALIAS,
	CM_DECL_IMPORT,
	CM_DECL_EXPORT,
} cm_decl_kind;

struct cm_decl {
	uint8_t kind; /* cm_decl_kind */
	size_t off;
	cm_core_type *core_type;
	cm_deftype *type;
	cm_alias alias;
	cm_extname name;
	cm_externtype ext;
};

/* ---- definitions ---- */

typedef struct cm_instarg {
	cm_str name;
	cm_sortidx item;
	size_t off;
} cm_instarg;

typedef struct cm_inline_export {
	cm_extname name; /* core: only name.name */
	cm_sortidx item;
	size_t off;
} cm_inline_export;

typedef struct cm_instance_def {
	bool instantiate;     /* else: inline exports */
	uint32_t target;      /* module or component index */
	uint32_t n;
	cm_instarg *args;
	cm_inline_export *exports;
} cm_instance_def;

typedef enum cm_canon_kind {
	CM_CANON_LIFT,
	CM_CANON_LOWER,
	CM_CANON_RESOURCE_NEW,
	CM_CANON_RESOURCE_DROP,
	CM_CANON_RESOURCE_REP,
	CM_CANON_BUILTIN, /* an async, thread or error-context built-in: op */
} cm_canon_kind;

typedef enum cm_string_enc {
	CM_ENC_UTF8,
	CM_ENC_UTF16,
	CM_ENC_LATIN1_UTF16,
} cm_string_enc;

typedef struct cm_canon_opts {
	uint8_t encoding; /* cm_string_enc */
	bool has_encoding, has_memory, has_realloc, has_post_return;
	uint32_t memory, realloc, post_return;
	bool async, has_callback;
	uint32_t callback;
} cm_canon_opts;

typedef struct cm_canon {
	uint8_t kind;    /* cm_canon_kind */
	uint8_t op;      /* the opcode byte (0x00 lift ... 0x42) */
	uint32_t func;   /* lift: core func; lower: func */
	uint32_t type;   /* lift: func type; resource.*, stream.*, future.*:
	                    the type; thread.new-indirect: core type */
	uint32_t index;  /* context.get/set: slot; thread tables; waitable-set
	                    memory */
	uint8_t core_valtype; /* context.get/set */
	bool flag;       /* async?, cancel?, shared? immediates */
	bool has_result; /* task.return */
	cm_valtype result;
	cm_canon_opts opts;
	size_t off;
} cm_canon;

typedef struct cm_start {
	uint32_t func;
	uint32_t nargs;
	uint32_t *args;
	uint32_t nresults;
} cm_start;

typedef struct cm_import {
	cm_extname name;
	cm_externtype ext;
} cm_import;

typedef struct cm_export {
	cm_extname name;
	cm_sortidx item;
	bool has_ext;
	cm_externtype ext;
} cm_export;

typedef struct cm_component cm_component;

typedef enum cm_def_kind {
	CM_DEF_CORE_MODULE,
	CM_DEF_CORE_INSTANCE,
	CM_DEF_CORE_TYPE,
	CM_DEF_COMPONENT,
	CM_DEF_INSTANCE,
	CM_DEF_ALIAS,
	CM_DEF_TYPE,
	CM_DEF_CANON,
	CM_DEF_START,
	CM_DEF_IMPORT,
	CM_DEF_EXPORT,
} cm_def_kind;

typedef struct cm_def {
	uint8_t kind; /* cm_def_kind */
	size_t off;   /* offset of the item in the outermost input */
	union {
		struct {
			uint32_t off, len; /* the core module's bytes in the input */
		} module;
		cm_instance_def inst; /* core and component instances */
		cm_core_type *core_type;
		cm_component *component;
		cm_alias alias;
		cm_deftype *type;
		cm_canon canon;
		cm_start start;
		cm_import import;
		cm_export export;
	} u;
} cm_def;

struct cm_component {
	cmn_arena arena;  /* used in the outermost component only */
	const uint8_t *bytes; /* the whole input (borrowed) */
	size_t size;
	size_t off, len;  /* this component's range of the input */
	uint32_t ndefs;
	cm_def *defs;
};

void cm_component_free(cm_component *c);

#endif
