/*
 * values.h - the script's values (wast2json's JSON shape, see
 * wast-split.mjs): arguments to rt_val, results compared with the expected
 * ones.
 *
 * Numbers are unsigned decimal strings of the value's bits (floats too);
 * "nan:canonical" / "nan:arithmetic" for float results; v128 as
 * {"type":"v128","lane_type":T,"value":[lanes]}; references by type name
 * with "value" "null", a number ((ref.extern N)) or no value (any non-null).
 * A value that does not parse, or a result type this runner does not know,
 * is an error of the script, never a default. Pure functions.
 */
#ifndef SPEC_VALUES_H
#define SPEC_VALUES_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "rt_abi.h"

/* An argument into *out; false with `why` ("script error: ...") when it
 * cannot be read. */
bool value_from_json(json_t *j, rt_val *out, char *why, size_t whylen);

typedef enum rcheck { R_MATCH, R_MISMATCH, R_SCRIPT_ERROR } rcheck;

/* Compares one result with the expected value `e`; R_SCRIPT_ERROR (why)
 * when `e` cannot be read or names a type this runner cannot check. */
rcheck value_check(json_t *e, rt_val got, char *why, size_t whylen);

/* "TYPE:bits" of a result, for failure messages ("either": as i64). */
void value_describe(char *buf, size_t len, const char *type, rt_val v);

#endif
