/*
 * cm_plan.h - the instantiation plan of a component: what the compile side
 * produces from a validated component (cm_plan_build) and stores in the
 * artifact (cm_plan_serialize), and what the exec side runs (cm_exec.h)
 * without any binary parser.
 *
 * A plan is the component flattened: nested components, component
 * instances, outer aliases and instance aliases are all resolved at compile
 * time (every component instantiation inlined, as a call is inlined), so
 * what remains is a list of items over core modules only:
 *
 *   modules    the distinct core modules, by index; the artifact carries
 *              one compiled module per entry (a module instantiated many
 *              times is compiled once)
 *   instances  the number of (inlined) component instances; 0 is the root.
 *              Each one has its own may_enter/may_leave flags and handle
 *              table at run time.
 *   steps      core instantiations in order: module M with one reference
 *              per import of M, in M's import order
 *   lifts      canon lift: a core function + canonical options, its
 *              component instance and its function type
 *   lowers     canon lower (trampolines): the caller's instance and
 *              options, and the callee: a lift (a component-to-component
 *              call) or a host import
 *   builtins   resource.new/drop/rep of a resource, context.get/set,
 *              backpressure.inc/dec, or a built-in this runtime does not
 *              implement (async, threads, error-context: it checks
 *              may_leave, then traps "unsupported: ..."; a function whose
 *              type or options cannot be run is lowered to one of these)
 *   resources  resource types: defined by an inlined component instance
 *              (a new one per instantiation, with its destructor) or
 *              imported from the host
 *   imports    host functions (func_imports) and host resource types
 *              (resource_imports), named (instance, item): instance "" for
 *              root-level names, else the interface name
 *              ("example:greet/iface@1.2.0"); item the function name
 *              ("greet", "[method]counter.inc")
 *   exports    lifted functions by (instance, item), and exported resource
 *              types; an instance exported inside an exported instance
 *              names its items by the path of instance names joined with
 *              '#' ("outer#inner")
 *
 * Core references (cm_plan_ref) name a core item: an export of an earlier
 * core instance (by name), a trampoline, or a built-in. Types are cm_tids
 * of the plan's own cm_types table; a CM_RESOURCE entry's resource_id is
 * the index of the plan's resource.
 *
 * Ownership: a cm_plan owns everything reachable from it (one arena and the
 * types table); cm_plan_free accepts NULL. Module bytes (`modules[i].bytes`)
 * are borrowed from the component input on the compile side and NULL in a
 * deserialised plan. A plan is immutable once built and may be read by any
 * number of threads. Nothing here blocks.
 */
#ifndef CM_PLAN_H
#define CM_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cm_type.h"
#include "cmn_arena.h"

#define CM_PLAN_NONE UINT32_MAX

/* String encodings of canonical options (the values of cm_strenc). */
enum { CM_PLAN_UTF8 = 0, CM_PLAN_UTF16 = 1, CM_PLAN_LATIN1_UTF16 = 2 };

typedef enum cm_plan_ref_kind {
	CM_PREF_EXPORT = 1, /* export `name` of core instance (step) `index` */
	CM_PREF_LOWER,      /* trampoline `index` (a function) */
	CM_PREF_BUILTIN,    /* built-in `index` (a function) */
} cm_plan_ref_kind;

typedef struct cm_plan_ref {
	uint8_t kind;     /* cm_plan_ref_kind */
	uint32_t index;
	const char *name; /* CM_PREF_EXPORT: NUL-terminated, no embedded NUL */
} cm_plan_ref;

/* Canonical options. A reference of kind 0 is absent. */
typedef struct cm_plan_opts {
	uint8_t enc; /* CM_PLAN_UTF8 ... */
	cm_plan_ref memory, realloc, post_return;
} cm_plan_opts;

typedef struct cm_plan_module {
	const uint8_t *bytes; /* compile side only (borrowed); NULL when deserialised */
	size_t size;
} cm_plan_module;

typedef struct cm_plan_step {
	uint32_t module;
	uint32_t nargs;    /* = the module's import count */
	cm_plan_ref *args;
} cm_plan_step;

typedef struct cm_plan_lift {
	uint32_t instance; /* component instance of the callee */
	cm_tid type;       /* a CM_FUNC entry */
	cm_plan_ref func;
	cm_plan_opts opts;
} cm_plan_lift;

enum { CM_CALLEE_LIFT = 1, CM_CALLEE_HOST };

typedef struct cm_plan_lower {
	uint32_t instance; /* the caller's component instance */
	cm_tid type;       /* a CM_FUNC entry */
	cm_plan_opts opts; /* the caller's */
	uint8_t callee_kind;
	uint32_t callee;   /* lift index or func_imports index */
} cm_plan_lower;

typedef enum cm_builtin_kind {
	CM_BUILTIN_RESOURCE_NEW = 1,
	CM_BUILTIN_RESOURCE_DROP,
	CM_BUILTIN_RESOURCE_REP,
	CM_BUILTIN_UNSUPPORTED, /* checks may_leave, then traps "unsupported: <name>" */
	CM_BUILTIN_CONTEXT_GET, /* context.get i32 slot (`resource` = the slot, < 2) */
	CM_BUILTIN_CONTEXT_SET, /* context.set i32 slot */
	CM_BUILTIN_BACKPRESSURE_INC,
	CM_BUILTIN_BACKPRESSURE_DEC,
} cm_builtin_kind;

#define CM_PLAN_CONTEXT_SLOTS 2

typedef struct cm_plan_builtin {
	uint8_t kind;      /* cm_builtin_kind */
	uint32_t instance; /* the component instance whose table is used */
	uint32_t resource; /* resource.*: the resource index; context.*: the slot */
	const char *name;  /* CM_BUILTIN_UNSUPPORTED: what is not supported */
} cm_plan_builtin;

typedef struct cm_plan_resource {
	uint32_t instance; /* defining component instance; CM_PLAN_NONE: a host resource */
	uint32_t import;   /* host resource: index in resource_imports */
	cm_plan_ref dtor;  /* kind 0: no destructor */
} cm_plan_resource;

typedef struct cm_plan_func_import {
	const char *instance, *name;
	cm_tid type; /* a CM_FUNC entry */
} cm_plan_func_import;

typedef struct cm_plan_resource_import {
	const char *instance, *name;
	uint32_t resource;
} cm_plan_resource_import;

typedef struct cm_plan_export {
	const char *instance, *name;
	uint32_t lift;
} cm_plan_export;

typedef struct cm_plan_type_export {
	const char *instance, *name;
	uint32_t resource;
} cm_plan_type_export;

typedef struct cm_plan {
	cm_types *types;
	uint32_t ninstances;
	uint32_t nmodules, nsteps, nlifts, nlowers, nbuiltins, nresources;
	uint32_t nfunc_imports, nresource_imports, nexports, ntype_exports;
	cm_plan_module *modules;
	cm_plan_step *steps;
	cm_plan_lift *lifts;
	cm_plan_lower *lowers;
	cm_plan_builtin *builtins;
	cm_plan_resource *resources;
	cm_plan_func_import *func_imports;
	cm_plan_resource_import *resource_imports;
	cm_plan_export *exports;
	cm_plan_type_export *type_exports;
	cmn_arena arena;
} cm_plan;

void cm_plan_free(cm_plan *p);

struct cm_component;
struct cmn_error;
/* Flattens a component that cm_validate accepted into a plan (compile
 * side; cm_plan_build*.c, which decode each core module once more with
 * wasm/ to read its imports). On failure fills err (with the offset of
 * the item that cannot be flattened: a component start function, value
 * imports, host imports of modules or components, ...) and returns false.
 * The plan borrows c's input bytes (modules[i].bytes). */
bool cm_plan_build(const struct cm_component *c, cm_plan **ret, struct cmn_error *err);

/* Checks a plan's internal consistency: every index in range, references
 * to core instances only to earlier steps (or any step, for options and
 * destructors, which are resolved when used), types of the right kinds,
 * names present. Returns NULL or a static message. cm_plan_deserialize
 * runs it; the builder's output always passes. */
const char *cm_plan_check(const cm_plan *p);

/* The plan as bytes (format: cm_plan_serial.c). *ret_buf is malloc'd
 * (caller frees). False when out of memory. */
bool cm_plan_serialize(const cm_plan *p, uint8_t **ret_buf, size_t *ret_len);

/* Reads a plan from untrusted bytes: every count, index, type and string is
 * checked (cm_plan_check included). On failure returns false and writes a
 * message naming what was wrong, with its byte offset, to err_msg (room
 * for err_len bytes). */
bool cm_plan_deserialize(const uint8_t *buf, size_t len, cm_plan **ret, char *err_msg,
                         size_t err_len);

/* Looks up an export by (instance, name): instance NULL or "" for a root
 * name. Returns its index in p->exports, or CM_PLAN_NONE. */
uint32_t cm_plan_find_export(const cm_plan *p, const char *instance, const char *name);

#endif
