/*
 * rt_store.h - the store: the owner of instances and of everything they
 * create or share (memories, tables, globals, tags, host functions), with
 * the per-store limits, fuel and interruption state; and the process-wide
 * canonical type registry.
 *
 * Everything created in a store lives until rt_store_free. A store and its
 * instances are used by one thread at a time (the exec worker's thread, or
 * the embedder's); rt_store_interrupt may be called from any thread or a
 * signal handler.
 */
#ifndef RT_STORE_H
#define RT_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "cmn_error.h"
#include "rt_abi.h"
#include "rt_types.h"

typedef struct rt_store rt_store;

typedef struct rt_store_config {
	/* Per memory: growth past this many bytes fails (-1). 0: no limit
	 * beyond the type's (and the 4 GiB of a 32-bit memory). */
	uint64_t max_memory_bytes;
	/* Per table: growth past this many elements fails. 0: 10,000,000. */
	uint64_t max_table_elems;
	/* All memories and tables of the store together, in bytes (a table
	 * element counts 8): creating or growing one past it fails (a
	 * creation with "store memory budget exceeded", memory.grow and
	 * table.grow with -1). 0: no limit. */
	uint64_t max_total_bytes;
	/* Address space reserved after a 32-bit memory's 4 GiB (must be at
	 * least the guard size the code was compiled for). 0: 2 GiB. */
	uint64_t guard_bytes;
	/* Initial fuel, for code compiled with fuel; < 0: unlimited. */
	int64_t fuel;
	/* Instances, memories and tables a store may create. 0: no limit. */
	uint32_t max_instances, max_memories, max_tables;
} rt_store_config;

void rt_store_config_default(rt_store_config *cfg);

/* NULL cfg: defaults. Returns NULL when out of memory. */
rt_store *rt_store_new(const rt_store_config *cfg);
/* Frees every instance and object of the store. Accepts NULL. */
void rt_store_free(rt_store *s);

/* Fuel of code compiled with fuel checks. */
void rt_store_set_fuel(rt_store *s, int64_t fuel);
int64_t rt_store_get_fuel(const rt_store *s);

/* Bytes of every linear memory created in the store, at their current
 * sizes (imported ones counted where they were created). */
uint64_t rt_store_memory_bytes(const rt_store *s);

/* Asks running code (compiled with deadline checks) to stop: it traps
 * "deadline exceeded" at its next check. Async-signal-safe. */
void rt_store_interrupt(rt_store *s);
/* Sets (ns > 0) or clears (0) a deadline ns nanoseconds from now, enforced
 * by a timer thread that raises the interrupt flag. */
bool rt_store_set_deadline(rt_store *s, uint64_t ns);
/* Clears a pending interrupt request. */
void rt_store_clear_interrupt(rt_store *s);

/* ---------------------------------------------------------------------------
 * Canonical types (process-wide): structurally identical types of any
 * modules get the same id; ids are never reused.
 */

/* Canonical ids of every type of a validated module (ids[ntypes]). */
bool rt_types_register(uint32_t ntypes, const rt_subtype *types,
                       uint32_t *ids, cmn_error *err);
/* The id of a final function type with no supertype whose value types
 * are numeric, vector or abstract references. */
uint32_t rt_types_func(uint32_t nparams, const rt_valtype *params,
                       uint32_t nresults, const rt_valtype *results);
/* The function type of id (NULL when it is not a function type). Value
 * types' concrete heap types are canonical ids. */
const rt_functype *rt_types_functype(uint32_t id);
/* Declared-supertype subtyping of canonical ids (reflexive). */
bool rt_types_sub(uint32_t a, uint32_t b);
/* Value type subtyping where concrete heap types are canonical ids. */
bool rt_types_val_match(rt_valtype a, rt_valtype b);

#endif
