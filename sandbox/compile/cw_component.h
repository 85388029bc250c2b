/*
 * cw_component.h - the compile worker's component path (cw_component.c).
 *
 * cw_compile_component decodes, validates, plans and compiles a component
 * into a container artifact (unkeyed, SHA-256; the daemon seals it) and
 * the component's description for the client. Blocking (compiles).
 */
#ifndef CW_COMPONENT_H
#define CW_COMPONENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cm_plan.h"
#include "cmn_arena.h"
#include "cmn_error.h"
#include "jit.h"
#include "wasmc/v1/wasmc.pb-c.h"

typedef struct cw_component_result {
	Wasmc__V1__ErrorCode code; /* on failure: what kind of error */
	uint8_t *artifact;         /* malloc'd container */
	size_t artifact_len;
	char *fingerprint;         /* malloc'd */
	Wasmc__V1__ComponentInfo info; /* points into `arena` and `plan` */
	cmn_arena arena;
	cm_plan *plan;
} cw_component_result;

/* On success fills *ret (release with cw_component_result_free); on
 * failure sets ret->code and err (with the byte offset when the input is
 * malformed or invalid). */
bool cw_compile_component(const uint8_t *bytes, size_t len, const jit_options *opt,
                          cw_component_result *ret, cmn_error *err);
void cw_component_result_free(cw_component_result *r);

#endif
