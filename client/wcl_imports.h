/*
 * wcl_imports.h - the definitions behind wasmc_imports.
 */
#ifndef WCL_IMPORTS_H
#define WCL_IMPORTS_H

#include <stddef.h>

#include <wasmc/imports.h>

typedef struct wcl_import_def {
	char *module;
	char *name;
	wasmc_func_callback callback;
	void *env;
} wcl_import_def;

struct wasmc_imports {
	size_t count;
	size_t cap;
	wcl_import_def *defs;
};

/* The definition of module.name, or NULL. */
const wcl_import_def *wcl_imports_find(const wasmc_imports *imports,
                                       const char *module, const char *name);

#endif
