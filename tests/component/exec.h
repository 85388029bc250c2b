/*
 * exec.h - the execution half of the component conformance runner
 * (tests/component/README.md): components instantiated in process (the
 * plan built with cm_plan_build, every core module compiled with the jit
 * and loaded in memory, cm_exec running the plan) and the execution
 * commands judged: module (instantiation), module_instance, assert_return,
 * assert_trap, action, assert_uninstantiable, assert_unlinkable.
 *
 * runner.c calls cx_run once per command (after its own decode + validate
 * check of the command's component, when it has one). State per script:
 * cx_new at the start, cx_free at the end. Blocking: compiles with the
 * jit. Not thread-safe.
 */
#ifndef TESTS_COMPONENT_EXEC_H
#define TESTS_COMPONENT_EXEC_H

#include <jansson.h>
#include <stddef.h>

enum { CX_PASSED, CX_FAILED, CX_SKIPPED, CX_NOT_RUN };

typedef struct cx_state cx_state;

cx_state *cx_new(void);
void cx_free(cx_state *s);

/* True when cx_run judges commands of this type. */
int cx_handles(const char *type);

/* Runs one command of the script whose files are in `dir`. Returns CX_*;
 * for CX_FAILED, CX_SKIPPED and CX_NOT_RUN writes why to `why`. */
int cx_run(cx_state *s, json_t *cmd, const char *dir, char *why, size_t why_len);

#endif
