/*
 * cm_decode_int.h - what the parts of the component decoder share
 * (cm_decode.c: sections and items; cm_decode_types.c: types). Internal
 * to component/.
 */
#ifndef CM_DECODE_INT_H
#define CM_DECODE_INT_H

#include <stdbool.h>

#include "cm_component.h"
#include "cm_decode.h"
#include "cm_reader.h"
#include "cmn_error.h"

typedef struct cm_dec {
	cm_component *c; /* outermost: owns the arena */
	const uint8_t *bytes;
	size_t size;
	cmn_error *err;
} cm_dec;

bool cm_dec_component(cm_dec *d, wb_reader *r, cm_component *c, unsigned depth);
bool cm_dec_core_sort(cm_dec *d, wb_reader *r, const char *what, uint8_t *ret);
bool cm_dec_sort(cm_dec *d, wb_reader *r, const char *what, uint8_t *ret);
bool cm_dec_extname(cm_dec *d, wb_reader *r, cm_extname *ret);
bool cm_dec_externtype(cm_dec *d, wb_reader *r, cm_externtype *ret);
bool cm_dec_alias(cm_dec *d, wb_reader *r, cm_alias *ret);
bool cm_dec_valtype(cm_dec *d, wb_reader *r, cm_valtype *ret);
bool cm_dec_deftype(cm_dec *d, wb_reader *r, cm_deftype **ret, unsigned depth);
/* top: in a core type section or a component/instance type, where 0x50 is
 * a module type (a sub type is 0x00 0x50); inside a module type 0x50 is a
 * sub type. */
bool cm_dec_core_type(cm_dec *d, wb_reader *r, cm_core_type **ret, bool top, unsigned depth);

#endif
