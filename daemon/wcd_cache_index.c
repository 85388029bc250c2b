/*
 * wcd_cache_index.c - the cache index file, sidecars, and rebuilding the
 * entries from the files at open (wcd_cache_int.h).
 */
#include <dirent.h>
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
 * Index
 */

bool wcd_cache_write_index(wcd_cache *c, cmn_error *err)
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
	bool ok = !c->dirty || wcd_cache_write_index(c, err);
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
			wcd_log(WCD_LOG_WARNING,
			        "cache: cannot open %s (%s): rebuilding it from the files", path,
			        strerror(errno));
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
		wcd_log(WCD_LOG_WARNING, "cache: %s is unreadable: rebuilding it from the files",
		        path);
	free(buf);
	close(fd);
	return idx;
}

static const Wasmc__V1__Cache__IndexEntry *
index_lookup(const Wasmc__V1__Cache__Index *idx, const uint8_t *digest, bool source, const char *fp)
{
	if (!idx)
		return NULL;
	for (size_t i = 0; i < idx->n_entries; i++) {
		const Wasmc__V1__Cache__IndexEntry *ie = idx->entries[i];
		bool is_src = ie->kind == WASMC__V1__CACHE__KIND__KIND_SOURCE;
		if (ie->digest.len == WCD_DIGEST_LEN &&
		    memcmp(ie->digest.data, digest, WCD_DIGEST_LEN) == 0 && is_src == source &&
		    (source || (ie->fingerprint && strcmp(ie->fingerprint, fp) == 0)))
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
			int d = ch >= '0' && ch <= '9'   ? ch - '0'
			        : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
			                                 : -1;
			if (d < 0)
				return false;
			v = v * 16 + d;
		}
		out[i] = (uint8_t)v;
	}
	return true;
}

Wasmc__V1__Cache__Meta *wcd_cache_read_meta(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	struct stat st;
	Wasmc__V1__Cache__Meta *m = NULL;
	uint8_t *buf = NULL;
	if (fstat(fd, &st) == 0 && st.st_size >= 0 && (size_t)st.st_size <= META_MAX &&
	    (buf = malloc((size_t)st.st_size + 1)) &&
	    read(fd, buf, (size_t)st.st_size) == st.st_size)
		m = wasmc__v1__cache__meta__unpack(NULL, (size_t)st.st_size, buf);
	free(buf);
	close(fd);
	if (m && (!m->fingerprint || !*m->fingerprint || !pb_message_utf8_valid(&m->base, 8))) {
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
	e->sealed_fd = -1;
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
			wcd_ce_add_owner(e, ie->owners[i]);
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
	Wasmc__V1__Cache__Meta *m = wcd_cache_read_meta(mpath);
	const char *why = NULL;
	cmn_error err;
	cmn_error_clear(&err);
	struct stat mst;
	char tag[17];
	if (!m)
		why = "missing or unreadable sidecar";
	else if (wcd_ce_fp_tag(m->fingerprint, tag), memcmp(tag, name + 65, 16) != 0)
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

bool wcd_cache_rebuild(wcd_cache *c, cmn_error *err)
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
	return wcd_cache_write_index(c, err);
fail:
	if (idx)
		wasmc__v1__cache__index__free_unpacked(idx, &b.alloc);
	return false;
}
