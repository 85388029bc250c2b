/*
 * wcl_comp_link.c - the component linker (wasmc_linker): client-defined
 * functions and resource types by interface and name, matched to a
 * component's imports with semver-compatible interface versions.
 */
#include <stdlib.h>
#include <string.h>

#include "pb_util.h"
#include "wcl_comp.h"
#include "wcl_error.h"

wasmc_linker *wasmc_linker_new(void)
{
	return calloc(1, sizeof(wasmc_linker));
}

void wasmc_linker_free(wasmc_linker *l)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < l->count; i++) {
		free(l->defs[i].instance);
		free(l->defs[i].name);
	}
	free(l->defs);
	free(l);
}

static wcl_cdef *find_exact(wasmc_linker *l, const char *instance, const char *name,
                            bool resource)
{
	for (size_t i = 0; i < l->count; i++)
		if (l->defs[i].resource == resource && strcmp(l->defs[i].instance, instance) == 0 &&
		    strcmp(l->defs[i].name, name) == 0)
			return &l->defs[i];
	return NULL;
}

static wasmc_error *define(wasmc_linker *l, const char *instance, const char *name,
                           bool resource, wasmc_cfunc_callback cb, wasmc_resource_dtor dtor,
                           void *env, const char *fn)
{
	if (l == NULL || name == NULL || name[0] == '\0' || (!resource && cb == NULL))
		return wcl_error(WASMC_ERR_BAD_ARGUMENT, "%s: NULL linker, name or callback", fn);
	if (instance == NULL)
		instance = "";
	if (!pb_utf8_valid(instance, strlen(instance)) || !pb_utf8_valid(name, strlen(name)))
		return wcl_error(WASMC_ERR_BAD_ARGUMENT, "%s: instance or name is not valid UTF-8", fn);
	if (strchr(instance, '#') || strchr(name, '#'))
		return wcl_error(WASMC_ERR_BAD_ARGUMENT, "%s: '#' in an instance or item name", fn);
	wcl_cdef *d = find_exact(l, instance, name, resource);
	if (d == NULL) {
		if (l->count == l->cap) {
			size_t cap = l->cap ? 2 * l->cap : 8;
			wcl_cdef *nd = realloc(l->defs, cap * sizeof *nd);
			if (nd == NULL)
				return wcl_error(WASMC_ERR_NO_MEMORY, "out of memory");
			l->defs = nd;
			l->cap = cap;
		}
		d = &l->defs[l->count];
		memset(d, 0, sizeof *d);
		d->instance = strdup(instance);
		d->name = strdup(name);
		if (d->instance == NULL || d->name == NULL) {
			free(d->instance);
			free(d->name);
			return wcl_error(WASMC_ERR_NO_MEMORY, "out of memory");
		}
		d->resource = resource;
		l->count++;
	}
	d->callback = cb;
	d->dtor = dtor;
	d->env = env;
	return NULL;
}

wasmc_error *wasmc_linker_define_func(wasmc_linker *l, const char *instance, const char *name,
                                      wasmc_cfunc_callback callback, void *env)
{
	return define(l, instance, name, false, callback, NULL, env, "wasmc_linker_define_func");
}

wasmc_error *wasmc_linker_define_resource(wasmc_linker *l, const char *instance,
                                          const char *name, wasmc_resource_dtor dtor, void *env)
{
	return define(l, instance, name, true, NULL, dtor, env, "wasmc_linker_define_resource");
}

/* major.minor.patch (pre-release and build suffixes kept apart). */
typedef struct semver {
	unsigned long v[3];
	const char *rest; /* "-pre" / "+build" or "" */
} semver;

static bool parse_semver(const char *s, semver *out)
{
	for (int k = 0; k < 3; k++) {
		if (!(*s >= '0' && *s <= '9'))
			return false;
		char *end;
		out->v[k] = strtoul(s, &end, 10);
		s = end;
		if (k < 2) {
			if (*s != '.')
				return false;
			s++;
		}
	}
	if (*s && *s != '-' && *s != '+')
		return false;
	out->rest = s;
	return true;
}

bool wcl_iface_compatible(const char *def, const char *want)
{
	if (strcmp(def, want) == 0)
		return true;
	const char *da = strrchr(def, '@'), *wa = strrchr(want, '@');
	if (da == NULL || wa == NULL || da - def != wa - want || strncmp(def, want, (size_t)(da - def)))
		return false;
	semver d, w;
	if (!parse_semver(da + 1, &d) || !parse_semver(wa + 1, &w))
		return false;
	/* pre-releases only match exactly (handled by strcmp above) */
	if (d.rest[0] == '-' || w.rest[0] == '-')
		return false;
	if (d.v[0] != w.v[0])
		return false;
	if (d.v[0] == 0) {
		if (d.v[1] != w.v[1])
			return false;
		if (d.v[1] == 0)
			return d.v[2] == w.v[2];
		return d.v[2] >= w.v[2];
	}
	return d.v[1] > w.v[1] || (d.v[1] == w.v[1] && d.v[2] >= w.v[2]);
}

const wcl_cdef *wcl_linker_find(const wasmc_linker *l, const char *instance, const char *name,
                                bool resource)
{
	if (l == NULL)
		return NULL;
	const wcl_cdef *best = NULL;
	for (size_t i = 0; i < l->count; i++) {
		const wcl_cdef *d = &l->defs[i];
		if (d->resource != resource || strcmp(d->name, name) != 0)
			continue;
		if (strcmp(d->instance, instance) == 0)
			return d;
		if (best == NULL && wcl_iface_compatible(d->instance, instance))
			best = d;
	}
	return best;
}
