/*
 * wcl_imports.c - client-provided import definitions.
 */
#include <stdlib.h>
#include <string.h>

#include "pb_util.h"
#include "wcl_error.h"
#include "wcl_imports.h"

wasmc_imports *wasmc_imports_new(void)
{
	return calloc(1, sizeof(wasmc_imports));
}

const wcl_import_def *wcl_imports_find(const wasmc_imports *imports,
                                       const char *module, const char *name)
{
	if (imports == NULL)
		return NULL;
	for (size_t i = 0; i < imports->count; i++)
		if (strcmp(imports->defs[i].module, module) == 0 &&
		    strcmp(imports->defs[i].name, name) == 0)
			return &imports->defs[i];
	return NULL;
}

wasmc_error *wasmc_imports_define_func(wasmc_imports *imports, const char *module,
                                       const char *name,
                                       wasmc_func_callback callback, void *env)
{
	if (imports == NULL || module == NULL || name == NULL || callback == NULL)
		return wcl_error(WASMC_ERR_BAD_ARGUMENT,
		                 "wasmc_imports_define_func: NULL imports, module, name or callback");
	if (!pb_utf8_valid(module, strlen(module)) || !pb_utf8_valid(name, strlen(name)))
		return wcl_error(WASMC_ERR_BAD_ARGUMENT,
		                 "wasmc_imports_define_func: module or name is not valid UTF-8");
	wcl_import_def *old = (wcl_import_def *)wcl_imports_find(imports, module, name);
	if (old) {
		old->callback = callback;
		old->env = env;
		return NULL;
	}
	if (imports->count == imports->cap) {
		size_t cap = imports->cap ? 2 * imports->cap : 8;
		wcl_import_def *d = realloc(imports->defs, cap * sizeof *d);
		if (d == NULL)
			return wcl_error(WASMC_ERR_NO_MEMORY, "out of memory");
		imports->defs = d;
		imports->cap = cap;
	}
	wcl_import_def *d = &imports->defs[imports->count];
	d->module = strdup(module);
	d->name = strdup(name);
	if (d->module == NULL || d->name == NULL) {
		free(d->module);
		free(d->name);
		return wcl_error(WASMC_ERR_NO_MEMORY, "out of memory");
	}
	d->callback = callback;
	d->env = env;
	imports->count++;
	return NULL;
}

void wasmc_imports_free(wasmc_imports *imports)
{
	if (imports == NULL)
		return;
	for (size_t i = 0; i < imports->count; i++) {
		free(imports->defs[i].module);
		free(imports->defs[i].name);
	}
	free(imports->defs);
	free(imports);
}
