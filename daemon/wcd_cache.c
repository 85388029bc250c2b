/*
 * wcd_cache.c - the artifact cache on disk (wcd_cache.h): names, entries,
 * eviction, the key, storing and handing artifacts out.
 */
#include "wcd_cache.h"

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
#include "wcd_seal.h"

/* ---------------------------------------------------------------------------
 * Names
 */

void wcd_ce_fp_tag(const char *fp, char out[17])
{
	uint8_t h[WCD_DIGEST_LEN];
	if (!wcd_sha256(fp, strlen(fp), h))
		memset(h, 0, sizeof h);
	wcd_hex(h, 8, out);
}

/* dir/objects/ab/<hex>{.wasm | -<tag>.cwasm | -<tag>.meta} */
void wcd_ce_path(const wcd_cache *c, const uint8_t *digest, bool source, const char *fp,
                 const char *ext, char *out, size_t n)
{
	char hex[2 * WCD_DIGEST_LEN + 1];
	wcd_hex(digest, WCD_DIGEST_LEN, hex);
	if (source) {
		snprintf(out, n, "%s/objects/%.2s/%s.wasm", c->dir, hex, hex);
		return;
	}
	char tag[17];
	wcd_ce_fp_tag(fp, tag);
	snprintf(out, n, "%s/objects/%.2s/%s-%s.%s", c->dir, hex, hex, tag, ext);
}

static void obj_dir(const wcd_cache *c, const uint8_t *digest, char *out, size_t n)
{
	char hex[3];
	wcd_hex(digest, 1, hex);
	snprintf(out, n, "%s/objects/%s", c->dir, hex);
}

/* ---------------------------------------------------------------------------
 * Entries (lock held)
 */

entry *wcd_ce_find(wcd_cache *c, const uint8_t *digest, bool source, const char *fp)
{
	for (entry *e = c->entries; e; e = e->next)
		if (e->source == source && memcmp(e->digest, digest, WCD_DIGEST_LEN) == 0 &&
		    (source || strcmp(e->fp, fp) == 0))
			return e;
	return NULL;
}

bool wcd_ce_has_owner(const entry *e, uint32_t uid)
{
	for (size_t i = 0; i < e->nowners; i++)
		if (e->owners[i] == uid)
			return true;
	return false;
}

bool wcd_ce_add_owner(entry *e, uint32_t uid)
{
	if (wcd_ce_has_owner(e, uid))
		return true;
	uint32_t *o = realloc(e->owners, (e->nowners + 1) * sizeof *o);
	if (!o)
		return false;
	o[e->nowners++] = uid;
	e->owners = o;
	return true;
}

void wcd_ce_del_owner(entry *e, uint32_t uid)
{
	for (size_t i = 0; i < e->nowners; i++)
		if (e->owners[i] == uid) {
			memmove(e->owners + i, e->owners + i + 1,
			        (e->nowners - i - 1) * sizeof *e->owners);
			e->nowners--;
			return;
		}
}

void wcd_ce_free(entry *e)
{
	if (!e)
		return;
	if (e->sealed_fd >= 0)
		close(e->sealed_fd);
	free(e->fp);
	free(e->owners);
	free(e);
}

static bool digest_present(wcd_cache *c, const uint8_t *digest)
{
	for (entry *e = c->entries; e; e = e->next)
		if (memcmp(e->digest, digest, WCD_DIGEST_LEN) == 0)
			return true;
	return false;
}

/* Unlinks e's files, takes it out of the list and frees it. */
void wcd_ce_drop(wcd_cache *c, entry *e, gone_list *gone)
{
	char p[PATH_MAX];
	if (e->source) {
		wcd_ce_path(c, e->digest, true, NULL, NULL, p, sizeof p);
		unlink(p);
	} else {
		wcd_ce_path(c, e->digest, false, e->fp, "cwasm", p, sizeof p);
		unlink(p);
		wcd_ce_path(c, e->digest, false, e->fp, "meta", p, sizeof p);
		unlink(p);
	}
	for (entry **pp = &c->entries; *pp; pp = &(*pp)->next)
		if (*pp == e) {
			*pp = e->next;
			break;
		}
	c->total -= e->size;
	c->count--;
	c->dirty = true;
	if (gone && gone->n < GONE_MAX && !digest_present(c, e->digest))
		memcpy(gone->d[gone->n++], e->digest, WCD_DIGEST_LEN);
	wcd_ce_free(e);
}

void wcd_cache_report_gone(wcd_cache *c, const gone_list *gone)
{
	if (!c->on_gone)
		return;
	for (unsigned i = 0; i < gone->n; i++)
		c->on_gone(gone->d[i], c->on_gone_arg);
}

uint64_t wcd_cache_charged(wcd_cache *c, uint32_t uid)
{
	uint64_t n = 0;
	for (entry *e = c->entries; e; e = e->next)
		if (e->nowners && e->owners[0] == uid)
			n += e->size;
	return n;
}

/* Least recently used evictable entry (wcd_cache_charged to `uid` unless any_uid). */
static entry *lru_victim(wcd_cache *c, bool any_uid, uint32_t uid)
{
	entry *best = NULL;
	for (entry *e = c->entries; e; e = e->next) {
		if (e->pins || e->in_use)
			continue;
		if (!any_uid && !(e->nowners && e->owners[0] == uid))
			continue;
		if (!best || e->last_used < best->last_used)
			best = e;
	}
	return best;
}

/* Evicts until the total (or uid's charge) plus `incoming` fits `limit`. */
void wcd_cache_evict(wcd_cache *c, bool any_uid, uint32_t uid, uint64_t limit, uint64_t incoming,
                     uint32_t *removed, uint64_t *freed, gone_list *gone)
{
	for (;;) {
		uint64_t used = any_uid ? c->total : wcd_cache_charged(c, uid);
		if (used + incoming <= limit)
			return;
		entry *v = lru_victim(c, any_uid, uid);
		if (!v)
			return;
		if (removed)
			(*removed)++;
		if (freed)
			*freed += v->size;
		char hex[2 * WCD_DIGEST_LEN + 1];
		wcd_hex(v->digest, WCD_DIGEST_LEN, hex);
		wcd_log(WCD_LOG_INFO, "cache: evicting %s%s%s (%llu bytes, last used %lld)", hex,
		        v->source ? " input" : " fingerprint ", v->source ? "" : v->fp,
		        (unsigned long long)v->size, (long long)v->last_used);
		wcd_ce_drop(c, v, gone);
	}
}

/* Makes room for `size` more bytes wcd_cache_charged to `uid` (lock held). */
static wcd_code make_room(wcd_cache *c, uint32_t uid, uint64_t size, gone_list *gone,
                          cmn_error *err)
{
	wcd_cache_evict(c, false, uid, c->uid_quota, size, NULL, NULL, gone);
	uint64_t mine = wcd_cache_charged(c, uid);
	if (mine + size > c->uid_quota) {
		cmn_fail(err,
		         "cache quota exceeded: max-cache-bytes is %llu per uid; uid %u uses %llu "
		         "and needs %llu more (pinned or in use)",
		         (unsigned long long)c->uid_quota, uid, (unsigned long long)mine,
		         (unsigned long long)size);
		return WASMC__V1__ERROR_CODE__QUOTA_EXCEEDED;
	}
	return WASMC__V1__ERROR_CODE__ERROR_NONE;
}

/* ---------------------------------------------------------------------------
 * Key
 */

static bool load_key(wcd_cache *c, const char *state_dir, cmn_error *err)
{
	if (!wcd_mkdirs(state_dir, 0700, err))
		return false;
	char path[PATH_MAX];
	wcd_path(path, sizeof path, "%s/key", state_dir);
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd >= 0) {
		struct stat st;
		bool ok = fstat(fd, &st) == 0 && st.st_size == WCD_KEY_LEN &&
		          read(fd, c->key, WCD_KEY_LEN) == WCD_KEY_LEN;
		close(fd);
		if (!ok)
			return cmn_fail(err,
			                "%s is not a %d-byte key (remove it to make a new one; the "
			                "cache will be recompiled)",
			                path, WCD_KEY_LEN);
		if (st.st_mode & 077)
			wcd_log(WCD_LOG_WARNING,
			        "%s is readable by others (mode %o): should be 0600", path,
			        (unsigned)(st.st_mode & 0777));
		return true;
	}
	if (errno != ENOENT)
		return cmn_fail(err, "cannot open %s: %s", path, strerror(errno));
	if (!wcd_random(c->key, WCD_KEY_LEN))
		return cmn_fail(err, "getrandom failed: %s", strerror(errno));
	if (!wcd_write_atomic(path, c->key, WCD_KEY_LEN, 0600, err))
		return false;
	wcd_log(WCD_LOG_NOTICE, "created the daemon key %s", path);
	return true;
}

/* ---------------------------------------------------------------------------
 * Open / close
 */

bool wcd_cache_open(const char *dir, const char *state_dir, uint64_t budget, uint64_t uid_quota,
                    wcd_cache **ret, cmn_error *err)
{
	wcd_cache *c = calloc(1, sizeof *c);
	if (!c)
		return cmn_fail(err, "out of memory");
	pthread_mutex_init(&c->mu, NULL);
	c->budget = budget;
	c->uid_quota = uid_quota;
	c->dir = strdup(dir);
	if (!c->dir) {
		cmn_fail(err, "out of memory");
		goto fail;
	}
	if (!wcd_mkdirs(dir, 0750, err) || !load_key(c, state_dir ? state_dir : dir, err) ||
	    !wcd_cache_rebuild(c, err))
		goto fail;
	*ret = c;
	return true;
fail:
	wcd_cache_close(c);
	return false;
}

void wcd_cache_close(wcd_cache *c)
{
	if (!c)
		return;
	if (c->dirty && c->dir) {
		cmn_error err;
		if (!wcd_cache_write_index(c, &err))
			wcd_log(WCD_LOG_ERR, "cache: cannot write the index: %s", err.msg);
	}
	while (c->entries) {
		entry *e = c->entries;
		c->entries = e->next;
		wcd_ce_free(e);
	}
	pthread_mutex_destroy(&c->mu);
	memset(c->key, 0, sizeof c->key);
	free(c->dir);
	free(c);
}

const uint8_t *wcd_cache_key(const wcd_cache *c)
{
	return c->key;
}

void wcd_cache_on_gone(wcd_cache *c, void (*fn)(const uint8_t *, void *), void *arg)
{
	c->on_gone = fn;
	c->on_gone_arg = arg;
}

void wcd_cache_stats(wcd_cache *c, uint32_t *ret_entries, uint64_t *ret_bytes)
{
	pthread_mutex_lock(&c->mu);
	*ret_entries = c->count;
	*ret_bytes = c->total;
	pthread_mutex_unlock(&c->mu);
}

/* ---------------------------------------------------------------------------
 * Lookups and owners
 */

bool wcd_cache_find(wcd_cache *c, const uint8_t *digest, const char *fp,
                    Wasmc__V1__Cache__Meta **ret_meta)
{
	pthread_mutex_lock(&c->mu);
	entry *e = wcd_ce_find(c, digest, false, fp);
	if (e) {
		e->last_used = wcd_now();
		c->dirty = true;
	}
	pthread_mutex_unlock(&c->mu);
	if (!e || !ret_meta)
		return e != NULL;
	char p[PATH_MAX];
	wcd_ce_path(c, digest, false, fp, "meta", p, sizeof p);
	Wasmc__V1__Cache__Meta *m = wcd_cache_read_meta(p);
	if (!m)
		return false;
	*ret_meta = m;
	return true;
}

bool wcd_cache_is_owner(wcd_cache *c, const uint8_t *digest, uint32_t uid)
{
	bool r = false;
	pthread_mutex_lock(&c->mu);
	for (entry *e = c->entries; e && !r; e = e->next)
		if (memcmp(e->digest, digest, WCD_DIGEST_LEN) == 0 && wcd_ce_has_owner(e, uid))
			r = true;
	pthread_mutex_unlock(&c->mu);
	return r;
}

void wcd_cache_add_owner(wcd_cache *c, const uint8_t *digest, uint32_t uid)
{
	pthread_mutex_lock(&c->mu);
	for (entry *e = c->entries; e; e = e->next)
		if (memcmp(e->digest, digest, WCD_DIGEST_LEN) == 0 && !wcd_ce_has_owner(e, uid)) {
			wcd_ce_add_owner(e, uid);
			c->dirty = true;
		}
	pthread_mutex_unlock(&c->mu);
}

/* ---------------------------------------------------------------------------
 * Storing
 */

static wcd_code insert(wcd_cache *c, const uint8_t *digest, bool source, const char *fp,
                       Wasmc__V1__Tier tier, bool fuel, uint64_t size, uint32_t uid)
{
	entry *e = wcd_ce_find(c, digest, source, fp);
	if (e) { /* replaced in place (same name) */
		c->total -= e->size;
		e->size = size;
		c->total += size;
		e->tier = tier;
		e->verified = false;
		wcd_ce_add_owner(e, uid);
		c->dirty = true;
		return WASMC__V1__ERROR_CODE__ERROR_NONE;
	}
	e = calloc(1, sizeof *e);
	if (!e || !(e->fp = strdup(source ? "" : fp))) {
		free(e);
		return WASMC__V1__ERROR_CODE__INTERNAL;
	}
	e->sealed_fd = -1;
	memcpy(e->digest, digest, WCD_DIGEST_LEN);
	e->source = source;
	e->tier = tier;
	e->fuel = fuel;
	e->size = size;
	e->created = e->last_used = wcd_now();
	/* Pins and owners of the digest carry over to a new variant. */
	for (entry *o = c->entries; o; o = o->next)
		if (memcmp(o->digest, digest, WCD_DIGEST_LEN) == 0) {
			e->pins = o->pins > e->pins ? o->pins : e->pins;
			for (size_t i = 0; i < o->nowners; i++)
				wcd_ce_add_owner(e, o->owners[i]);
		}
	wcd_ce_add_owner(e, uid);
	e->next = c->entries;
	c->entries = e;
	c->total += size;
	c->count++;
	c->dirty = true;
	return WASMC__V1__ERROR_CODE__ERROR_NONE;
}

static wcd_code store_files(wcd_cache *c, const uint8_t *digest, bool source, const char *fp,
                            Wasmc__V1__Tier tier, bool fuel, const uint8_t *a, size_t alen,
                            const uint8_t *m, size_t mlen, uint32_t uid, cmn_error *err)
{
	gone_list gone = {.n = 0};
	uint64_t size = alen + mlen;
	pthread_mutex_lock(&c->mu);
	bool exists = wcd_ce_find(c, digest, source, fp) != NULL;
	wcd_code code =
	        exists ? WASMC__V1__ERROR_CODE__ERROR_NONE : make_room(c, uid, size, &gone, err);
	pthread_mutex_unlock(&c->mu);
	wcd_cache_report_gone(c, &gone);
	if (code || exists) {
		if (exists)
			wcd_cache_add_owner(c, digest, uid);
		return code;
	}
	char dir[PATH_MAX], p[PATH_MAX];
	obj_dir(c, digest, dir, sizeof dir);
	if (!wcd_mkdirs(dir, 0750, err))
		return WASMC__V1__ERROR_CODE__INTERNAL;
	/* The sidecar first: an artifact without one is discarded at open. */
	if (!source) {
		wcd_ce_path(c, digest, false, fp, "meta", p, sizeof p);
		if (!wcd_write_atomic(p, m, mlen, 0640, err))
			return WASMC__V1__ERROR_CODE__INTERNAL;
	}
	wcd_ce_path(c, digest, source, fp, "cwasm", p, sizeof p);
	if (!wcd_write_atomic(p, a, alen, 0640, err))
		return WASMC__V1__ERROR_CODE__INTERNAL;
	pthread_mutex_lock(&c->mu);
	code = insert(c, digest, source, fp, tier, fuel, size, uid);
	gone.n = 0;
	if (c->total > c->budget)
		wcd_cache_evict(c, true, 0, c->budget, 0, NULL, NULL, &gone);
	cmn_error werr;
	if (!wcd_cache_write_index(c, &werr))
		wcd_log(WCD_LOG_ERR, "cache: cannot write the index: %s", werr.msg);
	pthread_mutex_unlock(&c->mu);
	wcd_cache_report_gone(c, &gone);
	if (code)
		cmn_fail(err, "out of memory");
	return code;
}

wcd_code wcd_cache_put_source(wcd_cache *c, const uint8_t *digest, const uint8_t *wasm, size_t len,
                              uint32_t uid, cmn_error *err)
{
	return store_files(c, digest, true, "", WASMC__V1__TIER__TIER_DEFAULT, false, wasm, len,
	                   NULL, 0, uid, err);
}

wcd_code wcd_cache_read_source(wcd_cache *c, const uint8_t *digest, uint8_t **ret_buf,
                               size_t *ret_len, cmn_error *err)
{
	char p[PATH_MAX];
	wcd_ce_path(c, digest, true, NULL, NULL, p, sizeof p);
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		cmn_fail(err, "module input is no longer in the cache: upload it again");
		return WASMC__V1__ERROR_CODE__NOT_FOUND;
	}
	struct stat st;
	uint8_t *buf = NULL;
	wcd_code code = WASMC__V1__ERROR_CODE__INTERNAL;
	uint8_t d[WCD_DIGEST_LEN];
	if (fstat(fd, &st) != 0 || st.st_size < 0 || !(buf = malloc((size_t)st.st_size + 1))) {
		cmn_fail(err, "cannot read %s", p);
		goto out;
	}
	size_t done = 0;
	while (done < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + done, (size_t)st.st_size - done);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		done += (size_t)r;
	}
	if (done != (size_t)st.st_size || !wcd_sha256(buf, done, d) ||
	    memcmp(d, digest, WCD_DIGEST_LEN) != 0) {
		wcd_log(WCD_LOG_WARNING, "cache: %s is damaged: removed", p);
		pthread_mutex_lock(&c->mu);
		entry *e = wcd_ce_find(c, digest, true, "");
		gone_list gone = {.n = 0};
		if (e)
			wcd_ce_drop(c, e, &gone);
		else
			unlink(p);
		pthread_mutex_unlock(&c->mu);
		wcd_cache_report_gone(c, &gone);
		cmn_fail(err, "module input in the cache was damaged: upload it again");
		code = WASMC__V1__ERROR_CODE__NOT_FOUND;
		goto out;
	}
	*ret_buf = buf;
	*ret_len = done;
	buf = NULL;
	code = WASMC__V1__ERROR_CODE__ERROR_NONE;
out:
	free(buf);
	close(fd);
	return code;
}

wcd_code wcd_cache_put_artifact(wcd_cache *c, const uint8_t *digest,
                                const Wasmc__V1__Cache__Meta *meta, const uint8_t *artifact,
                                size_t len, uint32_t uid, cmn_error *err)
{
	size_t mlen = wasmc__v1__cache__meta__get_packed_size(meta);
	uint8_t *m = malloc(mlen ? mlen : 1);
	if (!m) {
		cmn_fail(err, "out of memory");
		return WASMC__V1__ERROR_CODE__INTERNAL;
	}
	wasmc__v1__cache__meta__pack(meta, m);
	wcd_code code = store_files(c, digest, false, meta->fingerprint, meta->tier, meta->fuel,
	                            artifact, len, m, mlen, uid, err);
	free(m);
	return code;
}

/* ---------------------------------------------------------------------------
 * Handing artifacts to workers
 */

wcd_code wcd_cache_acquire(wcd_cache *c, const uint8_t *digest, const char *fp, int *ret_fd,
                           cmn_error *err)
{
	pthread_mutex_lock(&c->mu);
	entry *e = wcd_ce_find(c, digest, false, fp);
	if (!e) {
		pthread_mutex_unlock(&c->mu);
		cmn_fail(err, "artifact not in the cache");
		return WASMC__V1__ERROR_CODE__NOT_FOUND;
	}
	e->in_use++;
	e->last_used = wcd_now();
	c->dirty = true;
	bool verified = e->verified;
	dev_t vdev = e->v_dev;
	ino_t vino = e->v_ino;
	struct timespec vm = e->v_mtime;
	off_t vsize = e->v_size;
	int sealed = e->sealed_fd >= 0 ? fcntl(e->sealed_fd, F_DUPFD_CLOEXEC, 0) : -1;
	pthread_mutex_unlock(&c->mu);

	/* The file as it is now: when it is the version checked before, its
	 * sealed copy serves; otherwise a new copy is sealed and checked (the
	 * check runs on the sealed bytes, which are the ones workers map). */
	char p[PATH_MAX];
	wcd_ce_path(c, digest, false, fp, "cwasm", p, sizeof p);
	int fd = open(p, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	cmn_error why;
	cmn_error_clear(&why);
	bool ok = fd >= 0 && fstat(fd, &st) == 0;
	if (!ok)
		cmn_fail(&why, "cannot open: %s", strerror(errno));
	bool same = ok && verified && sealed >= 0 && st.st_dev == vdev && st.st_ino == vino &&
	            st.st_mtim.tv_sec == vm.tv_sec && st.st_mtim.tv_nsec == vm.tv_nsec &&
	            st.st_size == vsize;
	if (ok && !same) {
		if (sealed >= 0)
			close(sealed);
		sealed = wcd_seal_copy(fd, &why);
		rt_artifact_hdr *h = malloc(sizeof *h);
		/* ...and must have been compiled from this input: a valid
		 * artifact of another one copied here is refused. */
		ok = sealed >= 0 && h &&
		     rt_artifact_check_fd(sealed, fp, c->key, WCD_KEY_LEN, h, &why) &&
		     rt_artifact_input_matches(h, digest, &why);
		free(h);
	}
	if (fd >= 0)
		close(fd);
	pthread_mutex_lock(&c->mu);
	e = wcd_ce_find(c, digest, false, fp);
	gone_list gone = {.n = 0};
	if (ok && e && !same) {
		e->verified = true;
		e->v_dev = st.st_dev;
		e->v_ino = st.st_ino;
		e->v_mtime = st.st_mtim;
		e->v_size = st.st_size;
		if (e->sealed_fd >= 0)
			close(e->sealed_fd);
		e->sealed_fd = fcntl(sealed, F_DUPFD_CLOEXEC, 0);
	} else if (!ok && e) {
		wcd_log(WCD_LOG_WARNING,
		        "cache: refusing %s: %s (removed; it will be compiled again)", p, why.msg);
		e->in_use--;
		wcd_ce_drop(c, e, &gone);
	}
	pthread_mutex_unlock(&c->mu);
	wcd_cache_report_gone(c, &gone);
	if (!ok || !e) {
		if (sealed >= 0)
			close(sealed);
		cmn_fail(err, "artifact not in the cache");
		return WASMC__V1__ERROR_CODE__NOT_FOUND;
	}
	*ret_fd = sealed;
	return WASMC__V1__ERROR_CODE__ERROR_NONE;
}

/* Sealed copies kept for entries no instance uses (the least recently
 * used beyond this are closed): each is a descriptor and a copy of the
 * artifact in memory. One in use is always kept. */
#define SEALED_IDLE_MAX 64

static void trim_sealed(wcd_cache *c)
{
	for (;;) {
		unsigned idle = 0;
		entry *oldest = NULL;
		for (entry *x = c->entries; x; x = x->next) {
			if (x->in_use || x->sealed_fd < 0)
				continue;
			idle++;
			if (!oldest || x->last_used < oldest->last_used)
				oldest = x;
		}
		if (idle <= SEALED_IDLE_MAX || !oldest)
			return;
		close(oldest->sealed_fd);
		oldest->sealed_fd = -1;
	}
}

void wcd_cache_release(wcd_cache *c, const uint8_t *digest, const char *fp)
{
	pthread_mutex_lock(&c->mu);
	entry *e = wcd_ce_find(c, digest, false, fp);
	if (e && e->in_use)
		e->in_use--;
	if (e && !e->in_use && e->sealed_fd >= 0)
		trim_sealed(c);
	pthread_mutex_unlock(&c->mu);
}
