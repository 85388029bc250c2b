/*
 * cm_validate_int.h - the component validator's own type model and state,
 * shared by its parts (internal to component/):
 *   cm_validate.c        the walk over a component's definitions
 *   cm_validate_types.c  defined types, component and instance types
 *   cm_validate_sub.c    subtyping ("expected ..., found ...")
 *   cm_validate_core.c   core modules, core instances, core types
 *   cm_validate_names.c  import/export names, kebab case, uniqueness
 *   cm_validate_canon.c  canon definitions and their options
 *   cm_validate_out.c    the cm_types table of imports and exports
 *
 * Every vt lives in the validator's arena and is immutable once built;
 * substitution (of resources, on instantiation and import) builds new
 * nodes where something changes and shares the rest.
 */
#ifndef CM_VALIDATE_INT_H
#define CM_VALIDATE_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "cm_component.h"
#include "cm_decode.h"
#include "cm_type.h"
#include "cm_validate.h"
#include "cmn_arena.h"
#include "cmn_error.h"
#include "rt_module.h"

typedef enum vt_kind {
	VT_PRIM,      /* prim: cm_kind or CM_VT_ERROR_CONTEXT */
	VT_RECORD,
	VT_VARIANT,
	VT_LIST,      /* a; len */
	VT_TUPLE,
	VT_FLAGS,
	VT_ENUM,
	VT_OPTION,
	VT_RESULT,    /* a, b (NULL when absent) */
	VT_OWN,       /* a = the resource */
	VT_BORROW,
	VT_STREAM,    /* a or NULL */
	VT_FUTURE,
	VT_MAP,
	VT_FUNC,      /* f = params; a = result or NULL */
	VT_RESOURCE,  /* rid */
	VT_INSTANCE,  /* exports */
	VT_COMPONENT, /* imports, exports */
	VT_CORE_FUNC,     /* core: params/results */
	VT_CORE_MODULE,   /* core: cimports, cexports */
	VT_CORE_INSTANCE, /* core: cexports */
	VT_CORE_OTHER,    /* a core GC type or a rec group member */
} vt_kind;

typedef struct vt vt;

typedef struct vt_field {
	const char *name; /* NULL for tuple elements */
	vt *t;            /* NULL: no payload */
} vt_field;

/* An import or export of an instance or component type. For sort TYPE,
 * t is the type itself (a resource, or a defined type). */
typedef struct vt_ext {
	const char *name;
	uint8_t sort; /* cm_sort */
	vt *t;
} vt_ext;

/* A core import or export. */
typedef struct vt_cext {
	const char *module; /* imports only */
	const char *name;
	uint8_t kind;       /* RT_EXTERN_* */
	vt *func;           /* func, tag: a VT_CORE_FUNC */
	cm_core_valtype val;/* table element, global */
	bool mut;
	cm_core_limits limits;
} vt_cext;

struct vt {
	uint8_t kind; /* vt_kind */
	bool async;
	bool inline_prim; /* VT_PRIM written in place, not through a type index */
	bool has_res;    /* refers to a resource somewhere */
	bool has_borrow; /* contains a borrow (value types) */
	uint32_t prim;
	uint32_t n;
	vt_field *f;
	vt *a, *b;
	uint32_t len;
	uint32_t rid;    /* VT_RESOURCE: identity */
	const char *res_name; /* VT_RESOURCE: name of the import/export that introduced it */
	bool local;      /* VT_RESOURCE: defined in this component with (resource ...) */
	uint8_t rep;     /* VT_RESOURCE local: core rep type */
	uint32_t nimports, nexports;
	vt_ext *imports, *exports;
	/* resources introduced by a component type's imports (abstract
	 * parameters) and by its or an instance type's exports (fresh on
	 * instantiation / import) */
	uint32_t nres_in, nres_out;
	uint32_t *res_in, *res_out;
	/* core */
	uint32_t nparams, nresults;
	cm_core_valtype *params, *results;
	uint32_t ncimports, ncexports;
	vt_cext *cimports, *cexports;
	uint32_t scope;  /* id of the scope that created it */
	bool in_type;    /* created inside a component or instance type */
	uint32_t inner_scope; /* VT_INSTANCE/VT_COMPONENT types: their declarations' scope */
	uint8_t named;   /* 0, NAMED_IMPORT, NAMED_EXPORT: created by an import or export */
	vt_cext *ce;     /* VT_CORE_OTHER for a core table, memory, global, tag */
	/* value types: flattened sizes for the ABI limits */
	uint64_t size;
	uint32_t align;
	uint32_t flat; /* number of core values when flattened (capped) */
};

/* One scope: a component, or a component or instance type being built. */
typedef enum scope_kind {
	SCOPE_COMPONENT,
	SCOPE_COMPONENT_TYPE,
	SCOPE_INSTANCE_TYPE,
} scope_kind;

typedef struct vt_list {
	vt **v;
	uint32_t n, cap;
} vt_list;

typedef struct vt_ext_list {
	vt_ext *v;
	uint32_t n, cap;
} vt_ext_list;

typedef struct vt_cext_list {
	vt_cext *v;
	uint32_t n, cap;
} vt_cext_list;

typedef struct name_set {
	const char **v; /* normalised (lower-case) names */
	const char **orig;
	uint32_t n, cap;
} name_set;

typedef struct u32_list {
	uint32_t *v;
	uint32_t n, cap;
} u32_list;

#define NAMED_IMPORT 1
#define NAMED_EXPORT 2

typedef struct scope scope;
struct scope {
	scope *parent;
	uint32_t id;
	uint8_t kind;
	vt_list space[CM_SORT_COUNT];
	vt_ext_list imports, exports;
	name_set import_names, export_names;
	u32_list res_in, res_out; /* see vt.res_in/res_out */
	/* type ids (rid of resources, pointers of named types) that have a
	 * name: imported, exported */
	vt_list named;     /* types given a name by an import or export */
	vt_list imported_named;
	u32_list local_rids; /* resources defined here */
	bool has_start;
};

typedef struct cm_vstate {
	cmn_arena arena;
	cmn_error *err;
	const cm_component *top;
	uint32_t next_rid;
	uint32_t next_scope, cur_scope;
	bool cur_in_type; /* cur_scope is a component or instance type */
	unsigned depth;
	cm_validated *out;
} cm_vstate;

/* ---- helpers (cm_validate_types.c) ---- */
vt *vt_new(cm_vstate *s, uint8_t kind);
const char *vt_strdup(cm_vstate *s, const char *p);
bool vt_push(cm_vstate *s, vt_list *l, vt *t);
bool ext_push(cm_vstate *s, vt_ext_list *l, vt_ext e);
bool cext_push(cm_vstate *s, vt_cext_list *l, vt_cext e);
bool u32_push(cm_vstate *s, u32_list *l, uint32_t v);
void vt_finish(vt *t); /* computes has_res, has_borrow, size/align/flat */
vt *vt_resource(cm_vstate *s, const char *name);
const char *vt_kind_desc(const vt *t); /* "record", "defined type" ... */
bool vt_is_defined(const vt *t);      /* a defined value type */

/* Index space access with the wasm-tools messages. */
vt *space_get(cm_vstate *s, scope *sc, uint8_t sort, uint32_t idx, size_t off);
bool space_add(cm_vstate *s, scope *sc, uint8_t sort, vt *t);
vt *type_get(cm_vstate *s, scope *sc, uint32_t idx, size_t off);
vt *valtype_get(cm_vstate *s, scope *sc, const cm_valtype *v, size_t off);

bool cm_v_deftype(cm_vstate *s, scope *sc, const cm_deftype *d, vt **ret);
bool cm_v_externtype(cm_vstate *s, scope *sc, const cm_externtype *e, const char *name, vt_ext *ret,
                     bool is_import);
bool cm_v_alias(cm_vstate *s, scope *sc, const cm_alias *a, bool in_type);
bool cm_v_scope_init(cm_vstate *s, scope *sc, scope *parent, uint8_t kind);

/* Substitution of resource ids: map[i] = (from, to). */
typedef struct rid_map {
	uint32_t n;
	uint32_t *from;
	vt **to;
	/* type imports (eq bounds) replaced by the supplied types */
	uint32_t nptr;
	const vt **pfrom;
	vt **pto;
} rid_map;
bool ptr_map_add(cm_vstate *s, rid_map *m, const vt *from, vt *to);
vt *vt_subst(cm_vstate *s, vt *t, const rid_map *m);
/* Fresh resources for `rids`, appended to `m`. */
bool rid_map_fresh(cm_vstate *s, rid_map *m, const uint32_t *rids, uint32_t n, const vt *within);
bool rid_map_add(cm_vstate *s, rid_map *m, uint32_t from, vt *to);

/* ---- subtyping (cm_validate_sub.c) ---- */
/* Is `a` (provided) a subtype of `b` (expected)? Fills err. */
bool vt_sub(cm_vstate *s, const vt *a, const vt *b, size_t off);
bool vt_ext_sub(cm_vstate *s, uint8_t sort, const vt *a, const vt *b, size_t off);
bool vt_core_module_sub(cm_vstate *s, const vt *a, const vt *b, size_t off);
bool vt_cext_sub(cm_vstate *s, const vt_cext *a, const vt_cext *b, size_t off);

/* ---- core (cm_validate_core.c) ---- */
bool cm_v_core_module(cm_vstate *s, scope *sc, const cm_component *c, const cm_def *d);
bool cm_v_core_instance(cm_vstate *s, scope *sc, const cm_instance_def *in, size_t off);
bool cm_v_core_type(cm_vstate *s, scope *sc, const cm_core_type *t, vt **ret);
bool core_valtype_eq(const cm_core_valtype *a, const cm_core_valtype *b);
const char *core_valtype_name(const cm_core_valtype *v, char *buf, size_t n);

/* ---- names (cm_validate_names.c) ---- */
typedef enum name_kind {
	NAME_PLAIN,
	NAME_CONSTRUCTOR,
	NAME_METHOD,
	NAME_STATIC,
	NAME_INTERFACE,
	NAME_URL,
	NAME_HASH,
	NAME_DEP,
	NAME_OTHER,
} name_kind;
typedef struct parsed_name {
	uint8_t kind;
	char resource[256]; /* constructor/method/static: the resource label */
	char method[256];   /* method/static: the function label */
} parsed_name;
bool cm_v_label(cm_vstate *s, const char *what, const char *name, size_t off);
bool cm_v_extname(cm_vstate *s, const cm_extname *n, bool is_import, parsed_name *ret);
/* An `implements` attribute only on instances. */
bool cm_v_implements_sort(cm_vstate *s, const cm_extname *n, uint8_t sort);
/* Adds `name` (strongly-unique check) to `set`; `what` is "import" or
 * "export". */
bool name_set_add(cm_vstate *s, name_set *set, const char *name, const char *what, size_t off);
bool name_set_has(const name_set *set, const char *name);
/* The typing rules of [constructor], [method] and [static] names; `ns` is
 * the namespace the name lives in (the scope's imports or exports). */
bool cm_v_name_func_rules(cm_vstate *s, const vt_ext_list *ns, const parsed_name *pn, uint8_t sort, const vt *t,
                          size_t off);

/* ---- canon (cm_validate_canon.c) ---- */
bool cm_v_canon(cm_vstate *s, scope *sc, const cm_canon *c);

/* ---- visibility (cm_validate_types.c) ---- */
bool cm_v_visible(cm_vstate *s, scope *sc, uint8_t sort, const vt *t, bool is_import, size_t off);
void cm_v_name_type(cm_vstate *s, scope *sc, vt *t, bool is_import);

#endif
