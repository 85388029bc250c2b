/*
 * wcd_module.c - module handles (wcd_module.h).
 */
#include "wcd_module.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct mod {
	uint8_t handle[WCD_HANDLE_LEN];
	uint8_t digest[WCD_DIGEST_LEN];
	uint32_t uid;
	Wasmc__V1__Tier tier;
	uint64_t used; /* recency counter */
	struct mod *next;
} mod;

struct wcd_modules {
	pthread_mutex_t mu;
	mod *list;
	uint64_t clock;
};

bool wcd_modules_new(wcd_modules **ret)
{
	wcd_modules *m = calloc(1, sizeof *m);
	if (!m)
		return false;
	pthread_mutex_init(&m->mu, NULL);
	*ret = m;
	return true;
}

void wcd_modules_free(wcd_modules *m)
{
	if (!m)
		return;
	while (m->list) {
		mod *x = m->list;
		m->list = x->next;
		free(x);
	}
	pthread_mutex_destroy(&m->mu);
	free(m);
}

static void unlink_mod(wcd_modules *m, mod *x)
{
	for (mod **pp = &m->list; *pp; pp = &(*pp)->next)
		if (*pp == x) {
			*pp = x->next;
			free(x);
			return;
		}
}

bool wcd_modules_handle(wcd_modules *m, uint32_t uid, const uint8_t *digest, Wasmc__V1__Tier tier,
                        uint8_t ret_handle[WCD_HANDLE_LEN])
{
	pthread_mutex_lock(&m->mu);
	mod *oldest = NULL;
	unsigned n = 0;
	for (mod *x = m->list; x; x = x->next) {
		if (x->uid != uid)
			continue;
		if (memcmp(x->digest, digest, WCD_DIGEST_LEN) == 0) {
			x->tier = tier;
			x->used = ++m->clock;
			memcpy(ret_handle, x->handle, WCD_HANDLE_LEN);
			pthread_mutex_unlock(&m->mu);
			return true;
		}
		n++;
		if (!oldest || x->used < oldest->used)
			oldest = x;
	}
	if (n >= WCD_MODULES_PER_UID && oldest)
		unlink_mod(m, oldest);
	mod *x = calloc(1, sizeof *x);
	if (!x || !wcd_random(x->handle, WCD_HANDLE_LEN)) {
		free(x);
		pthread_mutex_unlock(&m->mu);
		return false;
	}
	memcpy(x->digest, digest, WCD_DIGEST_LEN);
	x->uid = uid;
	x->tier = tier;
	x->used = ++m->clock;
	x->next = m->list;
	m->list = x;
	memcpy(ret_handle, x->handle, WCD_HANDLE_LEN);
	pthread_mutex_unlock(&m->mu);
	return true;
}

static mod *find(wcd_modules *m, uint32_t uid, const uint8_t *handle, size_t len)
{
	if (len != WCD_HANDLE_LEN)
		return NULL;
	for (mod *x = m->list; x; x = x->next)
		if (x->uid == uid && memcmp(x->handle, handle, WCD_HANDLE_LEN) == 0)
			return x;
	return NULL;
}

bool wcd_modules_lookup(wcd_modules *m, uint32_t uid, const uint8_t *handle, size_t len,
                        uint8_t ret_digest[WCD_DIGEST_LEN], Wasmc__V1__Tier *ret_tier)
{
	pthread_mutex_lock(&m->mu);
	mod *x = find(m, uid, handle, len);
	if (x) {
		x->used = ++m->clock;
		memcpy(ret_digest, x->digest, WCD_DIGEST_LEN);
		*ret_tier = x->tier;
	}
	pthread_mutex_unlock(&m->mu);
	return x != NULL;
}

bool wcd_modules_drop(wcd_modules *m, uint32_t uid, const uint8_t *handle, size_t len)
{
	pthread_mutex_lock(&m->mu);
	mod *x = find(m, uid, handle, len);
	if (x)
		unlink_mod(m, x);
	pthread_mutex_unlock(&m->mu);
	return x != NULL;
}

void wcd_modules_digest_gone(wcd_modules *m, const uint8_t *digest)
{
	pthread_mutex_lock(&m->mu);
	mod *x = m->list;
	while (x) {
		mod *next = x->next;
		if (memcmp(x->digest, digest, WCD_DIGEST_LEN) == 0)
			unlink_mod(m, x);
		x = next;
	}
	pthread_mutex_unlock(&m->mu);
}
