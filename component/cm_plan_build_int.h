/*
 * cm_plan_build_int.h - internals of the plan builder (cm_plan_build*.c):
 * the values a component's index spaces hold while it is inlined, the
 * frames of component instantiations, and the growing plan.
 *
 * Every value is self-contained (no index relative to a frame), so it can
 * move between frames as instantiation arguments and exports. Frames and
 * values live in the builder's scratch arena until the build ends (a
 * component closure keeps its defining frame for outer aliases, even after
 * that frame's instantiation finished).
 */
#ifndef CM_PLAN_BUILD_INT_H
#define CM_PLAN_BUILD_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "cm_component.h"
#include "cm_plan.h"
#include "cmn_error.h"
#include "rt_module.h"

/* Limits of flattening: a component that instantiates a child twice per
 * level doubles at every level. */
#define PB_MAX_DEPTH 64
#define PB_MAX_INSTANCES 20000u
#define PB_MAX_STEPS 100000u
#define PB_MAX_RESOURCES (1u << 20)

/* A component-level function. */
enum { FV_LIFT = 1, FV_HOST, FV_UNSUPPORTED };
typedef struct pb_func {
	uint8_t kind;
	uint32_t idx;    /* lift or func_imports index */
	const char *why; /* FV_UNSUPPORTED */
} pb_func;

/* A type in a component's type index space. */
enum {
	TV_VALUE = 1, /* tid: a value type, a CM_FUNC or a CM_RESOURCE entry */
	TV_DEF,       /* an instance or component type: def in scope */
	TV_UNSUPPORTED, /* why: a type this runtime cannot run (stream, ...) */
};
typedef struct pb_scope pb_scope;
typedef struct pb_type {
	uint8_t kind;
	cm_tid tid;
	const cm_deftype *def;
	pb_scope *scope;
	const char *why;
} pb_type;

typedef struct pb_frame pb_frame;
typedef struct pb_comp {
	const cm_component *def;
	pb_frame *outer; /* the frame it was defined in (NULL: none) */
} pb_comp;

typedef struct pb_inst pb_inst;
typedef struct pb_item {
	uint8_t sort; /* cm_sort: FUNC, TYPE, COMPONENT, INSTANCE, CORE_MODULE */
	union {
		pb_func f;
		pb_type t;
		pb_comp c;
		pb_inst *i;
		uint32_t module;
	} u;
} pb_item;

/* A component instance's exports (or an instance made of inline exports). */
struct pb_inst {
	uint32_t n, cap;
	const char **names;
	pb_item *items;
};

/* A core instance: a plan step, or a bag of core items (inline exports). */
typedef struct pb_core_inst {
	bool runtime;
	uint32_t step;
	uint32_t n;
	const char **names;
	cm_plan_ref *items;
} pb_core_inst;

/* A growable array of elements of one type, in the scratch arena (growth
 * copies; the old block stays until the build ends). */
typedef struct pb_vec {
	void *p;
	uint32_t n, cap;
} pb_vec;

/* The type index space and where outer aliases of types go. */
struct pb_scope {
	pb_scope *outer;
	pb_vec types; /* pb_type */
};

struct pb_frame {
	pb_scope ts;          /* first: a frame is a scope */
	pb_frame *outer;      /* lexically enclosing frame */
	const cm_component *c;
	uint32_t cinst;       /* component instance index */
	const pb_inst *args;  /* instantiation arguments; NULL for the root */
	pb_vec core_funcs, core_tables, core_memories, core_globals, core_tags; /* cm_plan_ref */
	pb_vec core_modules;  /* uint32_t */
	pb_vec core_insts;    /* pb_core_inst */
	pb_vec funcs;         /* pb_func */
	pb_vec comps;         /* pb_comp */
	pb_vec insts;         /* pb_inst * */
	pb_inst exports;
};

typedef struct pb {
	cm_plan *plan;
	cmn_arena scratch;
	cmn_error *err;
	/* growing plan arrays, copied into the plan's arena at the end */
	pb_vec modules, steps, lifts, lowers, builtins, resources;
	pb_vec func_imports, resource_imports, exports, type_exports;
	pb_vec module_defs; /* rt_module * per plan module (imports) */
	pb_vec module_offs; /* size_t: input offset per plan module (dedup) */
	uint32_t depth, depth_exports;
} pb;

/* Appends one element of `size` bytes to v (zeroed when elem is NULL);
 * returns its address or NULL when out of memory (err set). */
void *pb_push(pb *b, pb_vec *v, size_t size, const void *elem);
#define PB_AT(v, type, i) (((type *)(v).p)[i])

/* A copy of `len` bytes as a NUL-terminated string in the plan's arena. */
const char *pb_str(pb *b, const char *s, size_t len);
bool pb_oom(pb *b);

/* Adds an export (name borrowed: it lives as long as the build). */
bool pb_inst_add(pb *b, pb_inst *in, const char *name, const pb_item *it);

/* cm_plan_build_types.c */
bool pb_valtype(pb *b, pb_scope *s, cm_valtype vt, size_t off, cm_tid *ret);
/* Converts a type definition in scope s (frame f, for resources: NULL in
 * instance types). */
bool pb_deftype(pb *b, pb_scope *s, pb_frame *f, const cm_deftype *dt, pb_type *ret);
/* The i-th type of scope s. */
bool pb_type_at(pb *b, pb_scope *s, uint32_t i, size_t off, pb_type *ret);
/* The scope `count` levels out. */
pb_scope *pb_scope_outer(pb *b, pb_scope *s, uint32_t count, size_t off);
/* A host import of an instance of type `t` named `iname`: its exports. */
bool pb_host_instance(pb *b, const pb_type *t, const char *iname, size_t off, pb_inst **ret);
/* A new host resource imported as (iname, name). */
bool pb_host_resource(pb *b, const char *iname, const char *name, cm_tid *ret);
/* A function type's tid, or an error naming why it cannot be used. */
bool pb_functype(pb *b, const pb_type *t, size_t off, cm_tid *ret);

#endif
