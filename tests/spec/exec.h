/*
 * exec.h - the execution commands of a script: every module compiled with
 * both tiers (fast, optimized) and instantiated in two parallel worlds,
 * one store per tier, each with its own spectest host module and
 * registrations.
 *
 * A command passes only when it passes in both worlds; a failure in either
 * fails it (and names the tier), even when the other skipped; a module the
 * compiler refuses with "unsupported feature" (GC, exception handling)
 * makes every command that needs it skipped with that reason. Compiled
 * modules are cached by SHA-256 of their bytes within a process (one
 * script per process: see runner.c). Each call and instantiation is
 * stopped after EXEC_CALL_TIMEOUT seconds ("deadline exceeded", through
 * SIGALRM). Process-wide state; a `thread` command's commands run on
 * their own OS thread with their own state (exec_thread).
 */
#ifndef SPEC_EXEC_H
#define SPEC_EXEC_H

#include <jansson.h>

#include "script.h"

/* Seconds one call (or one instantiation with its start function) may run
 * before it is stopped as "deadline exceeded". */
#define EXEC_CALL_TIMEOUT 10

/* A `module` command whose binary decoded and validated: compiles,
 * instantiates (or, with "definition": true, keeps the definition) and
 * counts the outcome. */
void exec_module(file_run *fr, json_t *cmd);

/* A module that never got that far (rejected, or its text rejected by the
 * converter): later commands naming it fail, or skip with `skip_reason`
 * when not NULL. */
void exec_module_failed(const char *name, const char *skip_reason);

/* assert_return, assert_trap, assert_exhaustion, action. */
void exec_action(file_run *fr, json_t *cmd, const char *type);
/* register. */
void exec_register(file_run *fr, json_t *cmd);
/* module_instance: instantiates a module definition. */
void exec_module_instance(file_run *fr, json_t *cmd, const char *type);
/* assert_unlinkable (`link`) or assert_uninstantiable. */
void exec_assert_instantiate(file_run *fr, json_t *cmd, const char *type, bool link);

/* thread: runs the thread's commands with `run` on a new OS thread, with
 * its own stores (one per tier) and registrations, sharing only the
 * module named by "shared_module" (its instance, so its shared memories).
 * The thread's calls are not timed (the process's timer is the main
 * thread's); the `wait` joining it waits at most 120 s. */
void exec_thread(file_run *fr, json_t *cmd, void (*run)(file_run *, json_t *));
/* wait: joins the named thread. */
void exec_wait(file_run *fr, json_t *cmd);

/* Removes the artifact folder of this process (call before exiting). */
void exec_cleanup(void);

#endif
