/*
 * wcd_cache.c - the artifact cache on disk (wcd_cache.h).
 */
#include "wcd_cache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../runtime/rt_artifact_hdr.h"
#include "pb_util.h"
#include "wcd_log.h"

#define INDEX_MAX ((size_t)256 << 20)
#define META_MAX ((size_t)64 << 20)
#define GONE_MAX 64

typedef struct entry {
	uint8_t digest[WCD_DIGEST_LEN];
	bool source;
	char *fp; /* artifacts; "" for sources */
	Wasmc__V1__Tier tier;
	bool fuel;
	uint64_t size;
	int64_t created, last_used;
	uint32_t pins;
	uint32_t *owners;
	size_t nowners;
	unsigned in_use;
	/* The file version whose MAC was checked (acquire). */
	bool verified;
	dev_t v_dev;
	ino_t v_ino;
	struct timespec v_mtime;
	off_t v_size;
	struct entry *next;
} entry;

struct wcd_cache {
	pthread_mutex_t mu;
	char *dir;
	uint8_t key[WCD_KEY_LEN];
	uint64_t budget, uid_quota;
	entry *entries;
	uint64_t total;
	uint32_t count;
	bool dirty;
	void (*on_gone)(const uint8_t *, void *);
	void *on_gone_arg;
};

/* Digests whose last entry went away during one locked operation. */
typedef struct gone_list {
	uint8_t d[GONE_MAX][WCD_DIGEST_LEN];
	unsigned n;
} gone_list;

/* ---------------------------------------------------------------------------
 * Names
 */

static void fp_tag(const char *fp, char out[17])
{
	uint8_t h[WCD_DIGEST_LEN];
	if (!wcd_sha256(fp, strlen(fp), h))
		memset(h, 0, sizeof h);
	wcd_hex(h, 8, out);
}

/* dir/objects/ab/<hex>{.wasm | -<tag>.cwasm | -<tag>.meta} */
static void entry_path(const wcd_cache *c, const uint8_t *digest, bool source,
                       const char *fp, const char *ext, char *out, size_t n)
{
	char hex[2 * WCD_DIGEST_LEN + 1];
	wcd_hex(digest, WCD_DIGEST_LEN, hex);
	if (source) {
		snprintf(out, n, "%s/objects/%.2s/%s.wasm", c->dir, hex, hex);
		return;
	}
	char tag[17];
	fp_tag(fp, tag);
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

static entry *find_entry(wcd_cache *c, const uint8_t *digest, bool source, const char *fp)
{
	for (entry *e = c->entries; e; e = e->next)
		if (e->source == source && memcmp(e->digest, digest, WCD_DIGEST_LEN) == 0 &&
		    (source || strcmp(e->fp, fp) == 0))
			return e;
	return NULL;
}

static bool has_owner(const entry *e, uint32_t uid)
{
	for (size_t i = 0; i < e->nowners; i++)
		if (e->owners[i] == uid)
			return true;
	return false;
}

static bool add_owner(entry *e, uint32_t uid)
{
	if (has_owner(e, uid))
		return true;
	uint32_t *o = realloc(e->owners, (e->nowners + 1) * sizeof *o);
	if (!o)
		return false;
	o[e->nowners++] = uid;
	e->owners = o;
	return true;
}

static void del_owner(entry *e, uint32_t uid)
{
	for (size_t i = 0; i < e->nowners; i++)
		if (e->owners[i] == uid) {
			memmove(e->owners + i, e->owners + i + 1, (e->nowners - i - 1) * sizeof *e->owners);
			e->nowners--;
			return;
		}
}

static void free_entry(entry *e)
{
	if (!e)
		return;
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
static void drop_entry(wcd_cache *c, entry *e, gone_list *gone)
{
	char p[PATH_MAX];
	if (e->source) {
		entry_path(c, e->digest, true, NULL, NULL, p, sizeof p);
		unlink(p);
	} else {
		entry_path(c, e->digest, false, e->fp, "cwasm", p, sizeof p);
		unlink(p);
		entry_path(c, e->digest, false, e->fp, "meta", p, sizeof p);
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
	free_entry(e);
}

static void report_gone(wcd_cache *c, const gone_list *gone)
{
	if (!c->on_gone)
		return;
	for (unsigned i = 0; i < gone->n; i++)
		c->on_gone(gone->d[i], c->on_gone_arg);
}

static uint64_t charged(wcd_cache *c, uint32_t uid)
{
	uint64_t n = 0;
	for (entry *e = c->entries; e; e = e->next)
		if (e->nowners && e->owners[0] == uid)
			n += e->size;
	return n;
}

/* Least recently used evictable entry (charged to `uid` unless any_uid). */
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
static void evict(wcd_cache *c, bool any_uid, uint32_t uid, uint64_t limit,
                  uint64_t incoming, uint32_t *removed, uint64_t *freed, gone_list *gone)
{
	for (;;) {
		uint64_t used = any_uid ? c->total : charged(c, uid);
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
		drop_entry(c, v, gone);
	}
}

/* Makes room for `size` more bytes charged to `uid` (lock held). */
static wcd_code make_room(wcd_cache *c, uint32_t uid, uint64_t size, gone_list *gone,
                          cmn_error *err)
{
	evict(c, false, uid, c->uid_quota, size, NULL, NULL, gone);
	uint64_t mine = charged(c, uid);
	if (mine + size > c->uid_quota) {
		cmn_fail(err, "cache quota exceeded: max-cache-bytes is %llu per uid; uid %u uses %llu and needs %llu more (pinned or in use)",
		         (unsigned long long)c->uid_quota, uid, (unsigned long long)mine,
		         (unsigned long long)size);
		return WASMC__V1__ERROR_CODE__QUOTA_EXCEEDED;
	}
	return WASMC__V1__ERROR_CODE__ERROR_NONE;
}

/* ---------------------------------------------------------------------------
 * Index
 */

static bool write_index(wcd_cache *c, cmn_error *err)
{
	Wasmc__V1__Cache__Index idx = WASMC__V1__CACHE__INDEX__INIT;
	idx.version = 1;
	idx.n_entries = c->count;
	idx.entries = calloc(c->count ? c->count : 1, sizeof *idx.entries);
	Wasmc__V1__Cache__IndexEntry *ies = calloc(c->count ? c->count : 1, sizeof *ies);
	bool ok = false;
	uint8_t *buf = NULL;
	if (!idx.entries || !ies) {
		cmn_fail(err, "out of memory");
		goto out;
	}
	size_t i = 0;
	for (entry *e = c->entries; e && i < c->count; e = e->next, i++) {
		Wasmc__V1__Cache__IndexEntry *ie = &ies[i];
		wasmc__v1__cache__index_entry__init(ie);
		ie->digest.data = e->digest;
		ie->digest.len = WCD_DIGEST_LEN;
		ie->kind = e->source ? WASMC__V1__CACHE__KIND__KIND_SOURCE
		                     : WASMC__V1__CACHE__KIND__KIND_ARTIFACT;
		ie->fingerprint = e->fp;
		ie->tier = e->tier;
		ie->fuel = e->fuel;
		ie->size = e->size;
		ie->created = e->created;
		ie->last_used = e->last_used;
		ie->pins = e->pins;
		ie->n_owners = e->nowners;
		ie->owners = e->owners;
		idx.entries[i] = ie;
	}
	idx.n_entries = i;
	size_t len = wasmc__v1__cache__index__get_packed_size(&idx);
	buf = malloc(len ? len : 1);
	if (!buf) {
		cmn_fail(err, "out of memory");
		goto out;
	}
	wasmc__v1__cache__index__pack(&idx, buf);
	char path[PATH_MAX];
	wcd_path(path, sizeof path, "%s/index", c->dir);
	ok = wcd_write_atomic(path, buf, len, 0640, err);
	if (ok)
		c->dirty = false;
out:
	free(buf);
	free(ies);
	free(idx.entries);
	return ok;
}

bool wcd_cache_flush(wcd_cache *c, cmn_error *err)
{
	pthread_mutex_lock(&c->mu);
	bool ok = !c->dirty || write_index(c, err);
	pthread_mutex_unlock(&c->mu);
	return ok;
}

/* Reads the old index (any failure: an empty one; the files decide). */
static Wasmc__V1__Cache__Index *read_index(const wcd_cache *c, pb_budget *b)
{
	char path[PATH_MAX];
	wcd_path(path, sizeof path, "%s/index", c->dir);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT)
			wcd_log(WCD_LOG_WARNING, "cache: cannot open %s (%s): rebuilding it from the files",
			        path, strerror(errno));
		return NULL;
	}
	struct stat st;
	Wasmc__V1__Cache__Index *idx = NULL;
	uint8_t *buf = NULL;
	if (fstat(fd, &st) != 0 || st.st_size < 0 || (size_t)st.st_size > INDEX_MAX)
		goto out;
	buf = malloc((size_t)st.st_size + 1);
	if (!buf || read(fd, buf, (size_t)st.st_size) != st.st_size)
		goto out;
	pb_budget_init(b, INDEX_MAX * 4);
	idx = wasmc__v1__cache__index__unpack(&b->alloc, (size_t)st.st_size, buf);
out:
	if (!idx)
		wcd_log(WCD_LOG_WARNING, "cache: %s is unreadable: rebuilding it from the files", path);
	free(buf);
	close(fd);
	return idx;
}

static const Wasmc__V1__Cache__IndexEntry *index_lookup(const Wasmc__V1__Cache__Index *idx,
                                                        const uint8_t *digest, bool source,
                                                        const char *fp)
{
	if (!idx)
		return NULL;
	for (size_t i = 0; i < idx->n_entries; i++) {
		const Wasmc__V1__Cache__IndexEntry *ie = idx->entries[i];
		bool is_src = ie->kind == WASMC__V1__CACHE__KIND__KIND_SOURCE;
		if (ie->digest.len == WCD_DIGEST_LEN && memcmp(ie->digest.data, digest, WCD_DIGEST_LEN) == 0 &&
		    is_src == source && (source || (ie->fingerprint && strcmp(ie->fingerprint, fp) == 0)))
			return ie;
	}
	return NULL;
}

static bool parse_hex(const char *s, size_t n, uint8_t *out)
{
	for (size_t i = 0; i < n; i++) {
		int v = 0;
		for (int k = 0; k < 2; k++) {
			char ch = s[2 * i + k];
			int d = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
			if (d < 0)
				return false;
			v = v * 16 + d;
		}
		out[i] = (uint8_t)v;
	}
	return true;
}

static Wasmc__V1__Cache__Meta *read_meta(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	struct stat st;
	Wasmc__V1__Cache__Meta *m = NULL;
	uint8_t *buf = NULL;
	if (fstat(fd, &st) == 0 && st.st_size >= 0 && (size_t)st.st_size <= META_MAX &&
	    (buf = malloc((size_t)st.st_size + 1)) && read(fd, buf, (size_t)st.st_size) == st.st_size)
		m = wasmc__v1__cache__meta__unpack(NULL, (size_t)st.st_size, buf);
	free(buf);
	close(fd);
	if (m && (!m->fingerprint || !*m->fingerprint ||
	          !pb_message_utf8_valid(&m->base, 8))) {
		wasmc__v1__cache__meta__free_unpacked(m, NULL);
		m = NULL;
	}
	return m;
}

void wcd_meta_free(Wasmc__V1__Cache__Meta *m)
{
	if (m)
		wasmc__v1__cache__meta__free_unpacked(m, NULL);
}

/* Adds an entry found on disk, with its metadata from the old index. */
static bool adopt(wcd_cache *c, const Wasmc__V1__Cache__Index *idx, const uint8_t *digest,
                  bool source, const char *fp, Wasmc__V1__Tier tier, bool fuel, uint64_t size,
                  int64_t mtime)
{
	entry *e = calloc(1, sizeof *e);
	if (!e || !(e->fp = strdup(source ? "" : fp))) {
		free(e);
		return false;
	}
	memcpy(e->digest, digest, WCD_DIGEST_LEN);
	e->source = source;
	e->tier = tier;
	e->fuel = fuel;
	e->size = size;
	e->created = e->last_used = mtime;
	const Wasmc__V1__Cache__IndexEntry *ie = index_lookup(idx, digest, source, fp);
	if (ie) {
		e->created = ie->created;
		e->last_used = ie->last_used;
		e->pins = ie->pins;
		for (size_t i = 0; i < ie->n_owners; i++)
			add_owner(e, ie->owners[i]);
	}
	e->next = c->entries;
	c->entries = e;
	c->total += size;
	c->count++;
	return true;
}

/* One file under objects/xx/. */
static void scan_file(wcd_cache *c, const Wasmc__V1__Cache__Index *idx, const char *sub,
                      const char *name, unsigned *bad)
{
	char path[PATH_MAX];
	wcd_path(path, sizeof path, "%s/%s", sub, name);
	size_t n = strlen(name);
	uint8_t digest[WCD_DIGEST_LEN];
	struct stat st;
	if (strncmp(name, ".tmp-", 5) == 0) {
		unlink(path); /* a write that never finished */
		return;
	}
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return;
	if (n == 64 + 5 && strcmp(name + 64, ".wasm") == 0 && parse_hex(name, 32, digest)) {
		adopt(c, idx, digest, true, NULL, WASMC__V1__TIER__TIER_DEFAULT, false,
		      (uint64_t)st.st_size, (int64_t)st.st_mtime);
		return;
	}
	if (n == 64 + 1 + 16 + 5 && strcmp(name + 81, ".meta") == 0) {
		/* An orphan sidecar (its artifact is gone) goes. */
		char art[PATH_MAX];
		wcd_path(art, sizeof art, "%s/%.81s.cwasm", sub, name);
		if (access(art, F_OK) != 0)
			unlink(path);
		return;
	}
	if (!(n == 64 + 1 + 16 + 6 && name[64] == '-' && strcmp(name + 81, ".cwasm") == 0 &&
	      parse_hex(name, 32, digest)))
		return;
	char mpath[PATH_MAX];
	wcd_path(mpath, sizeof mpath, "%s/%.81s.meta", sub, name);
	Wasmc__V1__Cache__Meta *m = read_meta(mpath);
	const char *why = NULL;
	cmn_error err;
	cmn_error_clear(&err);
	struct stat mst;
	char tag[17];
	if (!m)
		why = "missing or unreadable sidecar";
	else if (fp_tag(m->fingerprint, tag), memcmp(tag, name + 65, 16) != 0)
		why = "sidecar names another fingerprint";
	else {
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		rt_artifact_hdr *h = malloc(sizeof *h);
		if (fd < 0 || !h || !rt_artifact_hdr_read_fd(fd, m->fingerprint, h, &err))
			why = err.msg[0] ? err.msg : "cannot open";
		if (fd >= 0)
			close(fd);
		free(h);
	}
	if (why || stat(mpath, &mst) != 0) {
		wcd_log(WCD_LOG_WARNING, "cache: removing %s: %s", path, why ? why : "no sidecar");
		unlink(path);
		unlink(mpath);
		(*bad)++;
	} else {
		adopt(c, idx, digest, false, m->fingerprint, m->tier, m->fuel,
		      (uint64_t)st.st_size + (uint64_t)mst.st_size, (int64_t)st.st_mtime);
	}
	wcd_meta_free(m);
}

static bool rebuild(wcd_cache *c, cmn_error *err)
{
	pb_budget b;
	Wasmc__V1__Cache__Index *idx = read_index(c, &b);
	char objects[PATH_MAX];
	wcd_path(objects, sizeof objects, "%s/objects", c->dir);
	if (!wcd_mkdirs(objects, 0750, err))
		goto fail;
	DIR *d = opendir(objects);
	if (!d) {
		cmn_fail(err, "cannot read %s: %s", objects, strerror(errno));
		goto fail;
	}
	unsigned bad = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char sub[PATH_MAX];
		wcd_path(sub, sizeof sub, "%s/%s", objects, de->d_name);
		DIR *sd = opendir(sub);
		if (!sd)
			continue;
		struct dirent *fe;
		while ((fe = readdir(sd)))
			if (strcmp(fe->d_name, ".") != 0 && strcmp(fe->d_name, "..") != 0)
				scan_file(c, idx, sub, fe->d_name, &bad);
		closedir(sd);
	}
	closedir(d);
	/* Stale temporary files of the index and the key. */
	d = opendir(c->dir);
	while (d && (de = readdir(d))) {
		if (strncmp(de->d_name, ".tmp-", 5) == 0) {
			char p[PATH_MAX];
			wcd_path(p, sizeof p, "%s/%s", c->dir, de->d_name);
			unlink(p);
		}
	}
	if (d)
		closedir(d);
	if (idx)
		wasmc__v1__cache__index__free_unpacked(idx, &b.alloc);
	c->dirty = true;
	wcd_log(WCD_LOG_INFO, "cache %s: %u entries, %llu bytes%s", c->dir, c->count,
	        (unsigned long long)c->total, bad ? " (bad files removed)" : "");
	return write_index(c, err);
fail:
	if (idx)
		wasmc__v1__cache__index__free_unpacked(idx, &b.alloc);
	return false;
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
			return cmn_fail(err, "%s is not a %d-byte key (remove it to make a new one; the cache will be recompiled)",
			                path, WCD_KEY_LEN);
		if (st.st_mode & 077)
			wcd_log(WCD_LOG_WARNING, "%s is readable by others (mode %o): should be 0600", path,
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

bool wcd_cache_open(const char *dir, const char *state_dir, uint64_t budget,
                    uint64_t uid_quota, wcd_cache **ret, cmn_error *err)
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
	    !rebuild(c, err))
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
		if (!write_index(c, &err))
			wcd_log(WCD_LOG_ERR, "cache: cannot write the index: %s", err.msg);
	}
	while (c->entries) {
		entry *e = c->entries;
		c->entries = e->next;
		free_entry(e);
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
	entry *e = find_entry(c, digest, false, fp);
	if (e) {
		e->last_used = wcd_now();
		c->dirty = true;
	}
	pthread_mutex_unlock(&c->mu);
	if (!e || !ret_meta)
		return e != NULL;
	char p[PATH_MAX];
	entry_path(c, digest, false, fp, "meta", p, sizeof p);
	Wasmc__V1__Cache__Meta *m = read_meta(p);
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
		if (memcmp(e->digest, digest, WCD_DIGEST_LEN) == 0 && has_owner(e, uid))
			r = true;
	pthread_mutex_unlock(&c->mu);
	return r;
}

void wcd_cache_add_owner(wcd_cache *c, const uint8_t *digest, uint32_t uid)
{
	pthread_mutex_lock(&c->mu);
	for (entry *e = c->entries; e; e = e->next)
		if (memcmp(e->digest, digest, WCD_DIGEST_LEN) == 0 && !has_owner(e, uid)) {
			add_owner(e, uid);
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
	entry *e = find_entry(c, digest, source, fp);
	if (e) { /* replaced in place (same name) */
		c->total -= e->size;
		e->size = size;
		c->total += size;
		e->tier = tier;
		e->verified = false;
		add_owner(e, uid);
		c->dirty = true;
		return WASMC__V1__ERROR_CODE__ERROR_NONE;
	}
	e = calloc(1, sizeof *e);
	if (!e || !(e->fp = strdup(source ? "" : fp))) {
		free(e);
		return WASMC__V1__ERROR_CODE__INTERNAL;
	}
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
				add_owner(e, o->owners[i]);
		}
	add_owner(e, uid);
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
	bool exists = find_entry(c, digest, source, fp) != NULL;
	wcd_code code = exists ? WASMC__V1__ERROR_CODE__ERROR_NONE : make_room(c, uid, size, &gone, err);
	pthread_mutex_unlock(&c->mu);
	report_gone(c, &gone);
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
		entry_path(c, digest, false, fp, "meta", p, sizeof p);
		if (!wcd_write_atomic(p, m, mlen, 0640, err))
			return WASMC__V1__ERROR_CODE__INTERNAL;
	}
	entry_path(c, digest, source, fp, "cwasm", p, sizeof p);
	if (!wcd_write_atomic(p, a, alen, 0640, err))
		return WASMC__V1__ERROR_CODE__INTERNAL;
	pthread_mutex_lock(&c->mu);
	code = insert(c, digest, source, fp, tier, fuel, size, uid);
	gone.n = 0;
	if (c->total > c->budget)
		evict(c, true, 0, c->budget, 0, NULL, NULL, &gone);
	cmn_error werr;
	if (!write_index(c, &werr))
		wcd_log(WCD_LOG_ERR, "cache: cannot write the index: %s", werr.msg);
	pthread_mutex_unlock(&c->mu);
	report_gone(c, &gone);
	if (code)
		cmn_fail(err, "out of memory");
	return code;
}

wcd_code wcd_cache_put_source(wcd_cache *c, const uint8_t *digest, const uint8_t *wasm,
                              size_t len, uint32_t uid, cmn_error *err)
{
	return store_files(c, digest, true, "", WASMC__V1__TIER__TIER_DEFAULT, false, wasm, len,
	                   NULL, 0, uid, err);
}

wcd_code wcd_cache_read_source(wcd_cache *c, const uint8_t *digest, uint8_t **ret_buf,
                               size_t *ret_len, cmn_error *err)
{
	char p[PATH_MAX];
	entry_path(c, digest, true, NULL, NULL, p, sizeof p);
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
		entry *e = find_entry(c, digest, true, "");
		gone_list gone = {.n = 0};
		if (e)
			drop_entry(c, e, &gone);
		else
			unlink(p);
		pthread_mutex_unlock(&c->mu);
		report_gone(c, &gone);
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
	entry *e = find_entry(c, digest, false, fp);
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
	pthread_mutex_unlock(&c->mu);

	char p[PATH_MAX];
	entry_path(c, digest, false, fp, "cwasm", p, sizeof p);
	int fd = open(p, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	cmn_error why;
	cmn_error_clear(&why);
	bool ok = fd >= 0 && fstat(fd, &st) == 0;
	if (!ok)
		cmn_fail(&why, "cannot open: %s", strerror(errno));
	bool same = ok && verified && st.st_dev == vdev && st.st_ino == vino &&
	            st.st_mtim.tv_sec == vm.tv_sec && st.st_mtim.tv_nsec == vm.tv_nsec &&
	            st.st_size == vsize;
	if (ok && !same)
		ok = rt_artifact_check_fd(fd, fp, c->key, WCD_KEY_LEN, NULL, &why);
	pthread_mutex_lock(&c->mu);
	e = find_entry(c, digest, false, fp);
	gone_list gone = {.n = 0};
	if (ok && e && !same) {
		e->verified = true;
		e->v_dev = st.st_dev;
		e->v_ino = st.st_ino;
		e->v_mtime = st.st_mtim;
		e->v_size = st.st_size;
	} else if (!ok && e) {
		wcd_log(WCD_LOG_WARNING, "cache: refusing %s: %s (removed; it will be compiled again)", p,
		        why.msg);
		e->in_use--;
		drop_entry(c, e, &gone);
	}
	pthread_mutex_unlock(&c->mu);
	report_gone(c, &gone);
	if (!ok || !e) {
		if (fd >= 0)
			close(fd);
		cmn_fail(err, "artifact not in the cache");
		return WASMC__V1__ERROR_CODE__NOT_FOUND;
	}
	*ret_fd = fd;
	return WASMC__V1__ERROR_CODE__ERROR_NONE;
}

void wcd_cache_release(wcd_cache *c, const uint8_t *digest, const char *fp)
{
	pthread_mutex_lock(&c->mu);
	entry *e = find_entry(c, digest, false, fp);
	if (e && e->in_use)
		e->in_use--;
	pthread_mutex_unlock(&c->mu);
}

/* ---------------------------------------------------------------------------
 * Management
 */

void wcd_cache_list(wcd_cache *c, uint32_t uid, bool root, Wasmc__V1__CacheListReply *out)
{
	pthread_mutex_lock(&c->mu);
	size_t n = 0;
	uint64_t total = 0;
	for (entry *e = c->entries; e; e = e->next)
		if (root || has_owner(e, uid)) {
			total += e->size;
			n += !e->source;
		}
	out->n_entries = 0;
	out->entries = calloc(n ? n : 1, sizeof *out->entries);
	for (entry *e = c->entries; e && out->entries && out->n_entries < n; e = e->next) {
		if (e->source || !(root || has_owner(e, uid)))
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
		if (memcmp(e->digest, digest, WCD_DIGEST_LEN) == 0 && (root || has_owner(e, uid))) {
			found = true;
			if (!root)
				del_owner(e, uid);
			if (root || e->nowners == 0)
				drop_entry(c, e, &gone);
			else
				c->dirty = true;
		}
		e = next;
	}
	pthread_mutex_unlock(&c->mu);
	report_gone(c, &gone);
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
		if (memcmp(e->digest, digest, WCD_DIGEST_LEN) == 0 && (root || has_owner(e, uid))) {
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
		evict(c, true, 0, budget ? budget : c->budget, 0, &removed, &freed, &gone);
	else
		evict(c, false, uid, budget ? budget : c->uid_quota, 0, &removed, &freed, &gone);
	out->removed = removed;
	out->freed_bytes = freed;
	out->total_bytes = root ? c->total : charged(c, uid);
	pthread_mutex_unlock(&c->mu);
	report_gone(c, &gone);
}

void wcd_cache_verify(wcd_cache *c, Wasmc__V1__CacheVerifyReply *out)
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
			entry_path(c, items[i].digest, false, items[i].fp, "cwasm", p, sizeof p);
			int fd = open(p, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
			ok = fd >= 0 && rt_artifact_check_fd(fd, items[i].fp, c->key, WCD_KEY_LEN, NULL, &why);
			if (fd < 0)
				snprintf(why.msg, sizeof why.msg, "cannot open: %s", strerror(errno));
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
			entry *e = find_entry(c, items[i].digest, false, items[i].fp);
			if (e)
				drop_entry(c, e, &gone);
			pthread_mutex_unlock(&c->mu);
			report_gone(c, &gone);
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
