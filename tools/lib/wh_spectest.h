/*
 * wh_spectest.h - the spec test suite's `spectest` host module: print
 * functions, the globals global_i32/i64/f32/f64 (666, 666.6), a funcref
 * table of 10..20 (and a 64-bit one, table64), a memory of 1..2 pages and a
 * shared one.
 *
 * Ownership: every object belongs to the store given to wh_spectest_init
 * and lives until rt_store_free; wh_spectest only points at them (no
 * destructor). Not thread-safe beyond what the store allows.
 */
#ifndef WH_SPECTEST_H
#define WH_SPECTEST_H

#include <stdbool.h>
#include <string.h>

#include "rt_module.h"
#include "rt_instance.h"
#include "rt_store.h"

typedef struct wh_spectest {
	rt_funcref *print, *print_i32, *print_i64, *print_f32, *print_f64,
		*print_i32_f32, *print_f64_f64;
	rt_globalobj *global_i32, *global_i64, *global_f32, *global_f64;
	rt_tableobj *table, *table64;
	rt_memobj *memory, *shared_memory;
	bool quiet;
} wh_spectest;

/* Creates the module's objects in `s`. With `quiet` the print functions
 * print nothing; otherwise they print their arguments to stdout ("42 :
 * i32"). false when the store refuses an object (out of memory or a
 * limit). */
bool wh_spectest_init(wh_spectest *sp, rt_store *s, bool quiet);

/* Resolves spectest.<field> into *ret; false when there is no such
 * export. */
bool wh_spectest_lookup(const wh_spectest *sp, rt_name field, rt_extern *ret);

/* Whether a name (of an import or export) equals the C string `s`. */
static inline bool wh_name_is(rt_name n, const char *s)
{
	return n.len == strlen(s) && memcmp(n.ptr, s, n.len) == 0;
}

#endif
