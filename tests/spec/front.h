/*
 * front.h - the front-end commands of a script: a module's decode and
 * validate check, assert_malformed, assert_invalid and the custom-section
 * asserts.
 *
 * "wasmc's decoder" is wb_decode plus wb_code_decode_func over every
 * function body (opcodes, immediates, locals, a body's extent, the data
 * count section), which wb_validate would otherwise decode while it
 * type-checks; "its validator" is wb_validate. assert_malformed passes
 * only when the decoder rejects the bytes, assert_invalid only when the
 * decoder accepts them and the validator rejects them. Single-threaded.
 */
#ifndef SPEC_FRONT_H
#define SPEC_FRONT_H

#include <stddef.h>

#include <jansson.h>

#include "script.h"

typedef enum check {
	CHECK_OK,       /* decoded and validated */
	CHECK_REJECTED, /* decode or validate failed: stage "decode" or
	                   "validate" */
	CHECK_NO_FILE,  /* nothing to check: the text converter rejected it
	                   (stage "text") or the file is missing ("file") */
} check;

/* Decodes and validates the module of `cmd`. `msg` receives our error
 * message (or why nothing could be checked), *stage names what failed
 * ("" on CHECK_OK). */
check front_check_module(file_run *fr, json_t *cmd, char *msg, size_t msglen,
                         const char **stage);

/* assert_malformed (`malformed`) or assert_invalid: counts the outcome. */
void front_assert_module(file_run *fr, json_t *cmd, const char *type, bool malformed);

/* assert_malformed_custom, assert_invalid_custom: a custom section
 * (annotation) is malformed or invalid, the module otherwise valid.
 * wasmc does not interpret those custom sections, so accepting the module
 * passes; rejecting it passes only with the expected message. */
void front_assert_custom(file_run *fr, json_t *cmd, const char *type);

#endif
