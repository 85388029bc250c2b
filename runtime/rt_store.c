/*
 * rt_store.c - stores: configuration, fuel, interruption and deadlines,
 * standalone globals, tags and host functions, and freeing it all.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rt_internal.h"

void rt_store_config_default(rt_store_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->fuel = -1;
}

rt_store *rt_store_new(const rt_store_config *cfg)
{
	rt_store *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	if (cfg)
		s->cfg = *cfg;
	else
		rt_store_config_default(&s->cfg);
	s->fuel = s->cfg.fuel < 0 ? INT64_MAX : s->cfg.fuel;
	pthread_mutex_init(&s->timer_lock, NULL);
	pthread_cond_init(&s->timer_cond, NULL);
	return s;
}

static void stop_timer(rt_store *s)
{
	if (!s->timer_running)
		return;
	pthread_mutex_lock(&s->timer_lock);
	s->timer_stop = true;
	pthread_cond_broadcast(&s->timer_cond);
	pthread_mutex_unlock(&s->timer_lock);
	pthread_join(s->timer, NULL);
	s->timer_running = false;
	s->timer_stop = false;
}

void rt_store_free(rt_store *s)
{
	if (!s)
		return;
	stop_timer(s);
	for (rt_instance *i = s->instances, *n; i; i = n) {
		n = i->next;
		free(i->mems);
		free(i->tabs);
		free(i->globs);
		free(i->funcs);
		free(i->type_ids);
		free(i->tags);
		free(i->own);
		free(i->globobjs);
		free(i->memobjs);
		free(i->tabobjs);
		free(i->tagobjs);
		if (i->elem_items) {
			for (uint32_t k = 0; k < i->mod->mod->nelems; k++)
				free(i->elem_items[k]);
			free(i->elem_items);
		}
		free(i->elem_len);
		free(i->data_len);
		free(i);
	}
	for (rt_memobj *m = s->memories, *n; m; m = n) {
		n = m->next;
		rt_memobj_destroy(m);
	}
	for (rt_tableobj *t = s->tables, *n; t; t = n) {
		n = t->next;
		rt_tableobj_destroy(t);
	}
	for (rt_globalobj *g = s->globals, *n; g; g = n) {
		n = g->next;
		free(g);
	}
	for (rt_tagobj *t = s->tags, *n; t; t = n) {
		n = t->next;
		free(t);
	}
	rt_exns_free(s);
	for (rt_hostobj *h = s->hosts, *n; h; h = n) {
		n = h->next;
		free(h);
	}
	pthread_mutex_destroy(&s->timer_lock);
	pthread_cond_destroy(&s->timer_cond);
	free(s);
}

bool rt_budget_take(rt_store *s, uint64_t bytes)
{
	uint64_t max = s->cfg.max_total_bytes;
	if (!max)
		return true;
	uint64_t cur = atomic_load(&s->total_bytes);
	do {
		if (bytes > max || cur > max - bytes)
			return false;
	} while (!atomic_compare_exchange_weak(&s->total_bytes, &cur, cur + bytes));
	return true;
}

void rt_budget_give(rt_store *s, uint64_t bytes)
{
	if (s->cfg.max_total_bytes)
		atomic_fetch_sub(&s->total_bytes, bytes);
}

void rt_store_set_fuel(rt_store *s, int64_t fuel)
{
	s->fuel = fuel < 0 ? INT64_MAX : fuel;
}

int64_t rt_store_get_fuel(const rt_store *s)
{
	return s->fuel;
}

void rt_store_interrupt(rt_store *s)
{
	__atomic_store_n(&s->interrupt_requested, 1, __ATOMIC_SEQ_CST);
	__atomic_store_n(&s->interrupt, 1, __ATOMIC_SEQ_CST);
}

void rt_store_clear_interrupt(rt_store *s)
{
	__atomic_store_n(&s->interrupt_requested, 0, __ATOMIC_SEQ_CST);
	__atomic_store_n(&s->interrupt, 0, __ATOMIC_SEQ_CST);
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void *timer_main(void *arg)
{
	rt_store *s = arg;
	pthread_mutex_lock(&s->timer_lock);
	while (!s->timer_stop) {
		uint64_t d = s->deadline_ns;
		if (d == 0) {
			pthread_cond_wait(&s->timer_cond, &s->timer_lock);
			continue;
		}
		uint64_t now = now_ns();
		if (now >= d) {
			__atomic_store_n(&s->interrupt, 1, __ATOMIC_SEQ_CST);
			s->deadline_ns = 0;
			continue;
		}
		/* pthread_cond_timedwait uses CLOCK_REALTIME by default: wait
		 * in short slices measured against the monotonic clock. */
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		uint64_t wait = d - now;
		if (wait > 100000000ull)
			wait = 100000000ull;
		uint64_t ns = (uint64_t)ts.tv_nsec + wait;
		ts.tv_sec += (time_t)(ns / 1000000000ull);
		ts.tv_nsec = (long)(ns % 1000000000ull);
		pthread_cond_timedwait(&s->timer_cond, &s->timer_lock, &ts);
	}
	pthread_mutex_unlock(&s->timer_lock);
	return NULL;
}

bool rt_store_set_deadline(rt_store *s, uint64_t ns)
{
	if (!s->timer_running && ns) {
		if (pthread_create(&s->timer, NULL, timer_main, s) != 0)
			return false;
		s->timer_running = true;
	}
	pthread_mutex_lock(&s->timer_lock);
	s->deadline_ns = ns ? now_ns() + ns : 0;
	pthread_cond_broadcast(&s->timer_cond);
	pthread_mutex_unlock(&s->timer_lock);
	return true;
}

/* ---------------------------------------------------------------------------
 * Standalone objects
 */

rt_globalobj *rt_global_new(rt_store *s, rt_valtype type, bool mut, rt_val init)
{
	rt_globalobj *g = calloc(1, sizeof *g);
	if (!g)
		return NULL;
	g->pub.val = init;
	g->type = type;
	g->mut = mut;
	g->next = s->globals;
	s->globals = g;
	return g;
}

rt_global *rt_globalobj_global(rt_globalobj *g)
{
	return &g->pub;
}

rt_valtype rt_globalobj_type(const rt_globalobj *g)
{
	return g->type;
}

void rt_host_invoke(rt_hostfunc *self, rt_val *args_results)
{
	rt_hostobj *h = (rt_hostobj *)self;
	const char *msg = h->cb(h->env, args_results);
	if (msg)
		rt_raise(RT_TRAP_HOST, msg);
}

rt_funcref *rt_host_func_new(rt_store *s, uint32_t nparams, const rt_valtype *params,
                             uint32_t nresults, const rt_valtype *results,
                             rt_host_callback cb, void *env)
{
	uint32_t id = rt_types_func(nparams, params, nresults, results);
	if (id == UINT32_MAX)
		return NULL;
	rt_hostobj *h = calloc(1, sizeof *h);
	if (!h)
		return NULL;
	h->hf.invoke = rt_host_invoke;
	h->hf.env = h;
	h->cb = cb;
	h->env = env;
	h->nparams = nparams;
	h->nresults = nresults;
	h->ref.code = NULL;
	h->ref.vmctx = &h->hf;
	h->ref.tramp = NULL;
	h->ref.type_id = id;
	h->ref.reserved = RT_FUNCREF_HOST;
	h->next = s->hosts;
	s->hosts = h;
	return &h->ref;
}

uint64_t rt_store_memory_bytes(const rt_store *s)
{
	uint64_t sum = 0;
	for (const rt_memobj *m = s->memories; m; m = m->next)
		sum += m->pub.size;
	return sum;
}
