/*
 * cm_validate.h - validate a decoded component (cm_component.h) against the
 * component model's rules, and describe its imports and exports with
 * cm_type.h types.
 *
 * Checks index spaces per sort, every nested core module (wb_decode +
 * wb_validate), core instantiation (imports against the arguments' exports),
 * component instantiation (subtyping of value, func, instance, component
 * and resource types, resource generativity), aliases (export, core
 * export, outer with its resource rule), defined types, canon definitions
 * and their options, import/export names (kebab case, interface names,
 * [constructor]/[method]/[static], strongly-unique names, attributes) and
 * the type visibility rules of imports and exports. Messages follow
 * wasm-tools' wording (the component-model test suite's), with the byte
 * offset of the offending item.
 *
 * Ownership: *ret_info (on success) is the caller's, released with
 * cm_validated_free (NULL ok); it does not borrow the component.
 * Blocking: pure computation (core validation included).
 */
#ifndef CM_VALIDATE_H
#define CM_VALIDATE_H

#include <stdbool.h>
#include <stdint.h>

#include "cm_component.h"
#include "cm_type.h"
#include "cmn_error.h"

/* One import or export of the component, or an export of an instance. */
typedef struct cm_extern_info {
	const char *name;
	uint8_t sort;  /* cm_sort */
	cm_tid type;   /* func: a CM_FUNC entry; type: the value type or
	                  CM_RESOURCE entry; other sorts: CM_TID_NONE */
	uint32_t n;    /* instance: its exports */
	struct cm_extern_info *items;
} cm_extern_info;

typedef struct cm_validated {
	cm_types *types;
	uint32_t nimports, nexports;
	cm_extern_info *imports, *exports;
	struct cmn_arena *arena; /* names and arrays above */
} cm_validated;

/* Validates `c`. On success writes the description of its imports and
 * exports to *ret_info when ret_info is not NULL. On failure fills `err`
 * and returns false. */
bool cm_validate(const cm_component *c, cm_validated **ret_info, cmn_error *err);
void cm_validated_free(cm_validated *v);

#endif
