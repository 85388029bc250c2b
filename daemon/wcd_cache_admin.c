/*
 * wcd_cache_admin.c - cache management requests: list, remove, pin, gc,
 * verify (wcd_cache.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../runtime/rt_artifact_hdr.h"
#include "wcd_cache_int.h"
#include "wcd_log.h"

/* ---------------------------------------------------------------------------
 * Management
 */

void wcd_cache_list(wcd_cache *c, uint32_t uid, bool root, Wasmc__V1__CacheListReply *out)
{
	pthread_mutex_lock(&c->mu);
	size_t n = 0;
	uint64_t total = 0;
	for (entry *e = c->entries; e; e = e->next)
		if (root || wcd_ce_has_owner(e, uid)) {
			total += e->size;
			n += !e->source;
		}
	out->n_entries = 0;
	out->entries = calloc(n ? n : 1, sizeof *out->entries);
	for (entry *e = c->entries; e && out->entries && out->n_entries < n; e = e->next) {
		if (e->source || !(root || wcd_ce_has_owner(e, uid)))
			continue;
		Wasmc__V1__CacheEntry *ce = malloc(sizeof *ce);
		if (!ce)
			break;
		wasmc__v1__cache_entry__init(ce);
		ce->digest.data = malloc(WCD_DIGEST_LEN);
		ce->fingerprint = strdup(e->fp);
		if (!ce->digest.data || !ce->fingerprint) {
			free(ce->digest.data);
			free(ce->fingerprint);
			free(ce);
			break;
		}
		memcpy(ce->digest.data, e->digest, WCD_DIGEST_LEN);
		ce->digest.len = WCD_DIGEST_LEN;
		ce->tier = e->tier;
		ce->size = e->size;
		ce->created = e->created;
		ce->last_used = e->last_used;
		ce->pins = e->pins;
		ce->owner = e->nowners ? e->owners[0] : 0;
		ce->fuel = e->fuel;
		out->entries[out->n_entries++] = ce;
	}
	out->total_bytes = total;
	out->budget_bytes = root ? c->budget : c->uid_quota;
	pthread_mutex_unlock(&c->mu);
}

void wcd_cache_list_free(Wasmc__V1__CacheListReply *out)
{
	for (size_t i = 0; out->entries && i < out->n_entries; i++) {
		free(out->entries[i]->digest.data);
		free(out->entries[i]->fingerprint);
		free(out->entries[i]);
	}
	free(out->entries);
	out->entries = NULL;
	out->n_entries = 0;
}

wcd_code wcd_cache_remove(wcd_cache *c, const uint8_t *digest, uint32_t uid, bool root,
                          cmn_error *err)
{
	gone_list gone = {.n = 0};
	bool found = false;
	pthread_mutex_lock(&c->mu);
	entry *e = c->entries;
	while (e) {
		entry *next = e->next;
		if (memcmp(e->digest, digest, WCD_DIGEST_LEN) == 0 &&
		    (root || wcd_ce_has_owner(e, uid))) {
			found = true;
			if (!root)
				wcd_ce_del_owner(e, uid);
			if (root || e->nowners == 0)
				wcd_ce_drop(c, e, &gone);
			else
				c->dirty = true;
		}
		e = next;
	}
	pthread_mutex_unlock(&c->mu);
	wcd_cache_report_gone(c, &gone);
	if (!found) {
		cmn_fail(err, "digest not in the cache");
		return WASMC__V1__ERROR_CODE__NOT_FOUND;
	}
	return WASMC__V1__ERROR_CODE__ERROR_NONE;
}

wcd_code wcd_cache_pin(wcd_cache *c, const uint8_t *digest, bool unpin, uint32_t uid, bool root,
                       cmn_error *err)
{
	bool found = false;
	pthread_mutex_lock(&c->mu);
	for (entry *e = c->entries; e; e = e->next)
		if (memcmp(e->digest, digest, WCD_DIGEST_LEN) == 0 &&
		    (root || wcd_ce_has_owner(e, uid))) {
			found = true;
			if (unpin && e->pins)
				e->pins--;
			else if (!unpin && e->pins < UINT32_MAX)
				e->pins++;
			c->dirty = true;
		}
	pthread_mutex_unlock(&c->mu);
	if (!found) {
		cmn_fail(err, "digest not in the cache");
		return WASMC__V1__ERROR_CODE__NOT_FOUND;
	}
	return WASMC__V1__ERROR_CODE__ERROR_NONE;
}

void wcd_cache_gc(wcd_cache *c, uint64_t budget, uint32_t uid, bool root,
                  Wasmc__V1__CacheGcReply *out)
{
	gone_list gone = {.n = 0};
	uint32_t removed = 0;
	uint64_t freed = 0;
	pthread_mutex_lock(&c->mu);
	if (root)
		wcd_cache_evict(c, true, 0, budget ? budget : c->budget, 0, &removed, &freed,
		                &gone);
	else
		wcd_cache_evict(c, false, uid, budget ? budget : c->uid_quota, 0, &removed, &freed,
		                &gone);
	out->removed = removed;
	out->freed_bytes = freed;
	out->total_bytes = root ? c->total : wcd_cache_charged(c, uid);
	pthread_mutex_unlock(&c->mu);
	wcd_cache_report_gone(c, &gone);
}

void wcd_cache_verify(wcd_cache *c, uint32_t uid, bool root, Wasmc__V1__CacheVerifyReply *out)
{
	/* Snapshot the names, check outside the lock. */
	typedef struct {
		uint8_t digest[WCD_DIGEST_LEN];
		bool source;
		char *fp;
	} item;
	pthread_mutex_lock(&c->mu);
	size_t n = c->count;
	item *items = calloc(n ? n : 1, sizeof *items);
	size_t k = 0;
	for (entry *e = c->entries; e && items && k < n; e = e->next) {
		if (!root && !wcd_ce_has_owner(e, uid))
			continue;
		memcpy(items[k].digest, e->digest, WCD_DIGEST_LEN);
		items[k].source = e->source;
		items[k].fp = strdup(e->fp);
		if (items[k].fp)
			k++;
	}
	pthread_mutex_unlock(&c->mu);
	out->problems = calloc(k ? k : 1, sizeof *out->problems);
	for (size_t i = 0; i < k; i++) {
		char p[PATH_MAX];
		cmn_error why;
		cmn_error_clear(&why);
		bool ok;
		if (items[i].source) {
			uint8_t *buf = NULL;
			size_t len = 0;
			ok = wcd_cache_read_source(c, items[i].digest, &buf, &len, &why) ==
			     WASMC__V1__ERROR_CODE__ERROR_NONE;
			free(buf);
			if (!ok)
				snprintf(why.msg, sizeof why.msg, "input damaged or unreadable");
		} else {
			wcd_ce_path(c, items[i].digest, false, items[i].fp, "cwasm", p, sizeof p);
			int fd = open(p, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
			ok = fd >= 0 &&
			     rt_artifact_check_fd(fd, items[i].fp, c->key, WCD_KEY_LEN, NULL, &why);
			if (fd < 0)
				snprintf(why.msg, sizeof why.msg, "cannot open: %s",
				         strerror(errno));
			if (fd >= 0)
				close(fd);
		}
		out->checked++;
		if (ok)
			continue;
		out->bad++;
		char hex[2 * WCD_DIGEST_LEN + 1];
		wcd_hex(items[i].digest, WCD_DIGEST_LEN, hex);
		char *msg = NULL;
		if (asprintf(&msg, "%s: %s", hex, why.msg) >= 0 && out->problems)
			out->problems[out->n_problems++] = msg;
		wcd_log(WCD_LOG_WARNING, "cache verify: %s: %s (removed)", hex, why.msg);
		if (!items[i].source) {
			gone_list gone = {.n = 0};
			pthread_mutex_lock(&c->mu);
			entry *e = wcd_ce_find(c, items[i].digest, false, items[i].fp);
			if (e)
				wcd_ce_drop(c, e, &gone);
			pthread_mutex_unlock(&c->mu);
			wcd_cache_report_gone(c, &gone);
		}
	}
	for (size_t i = 0; i < k; i++)
		free(items[i].fp);
	free(items);
}

void wcd_cache_verify_free(Wasmc__V1__CacheVerifyReply *out)
{
	for (size_t i = 0; i < out->n_problems; i++)
		free(out->problems[i]);
	free(out->problems);
	out->problems = NULL;
	out->n_problems = 0;
}
