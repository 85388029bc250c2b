/*
 * wcd_cache_int.h - the cache's insides, shared by its files:
 * wcd_cache.c (names, entries, eviction, the key, storing, handing out),
 * wcd_cache_index.c (the index file and rebuilding it from the files) and
 * wcd_cache_admin.c (list, remove, pin, gc, verify).
 *
 * Functions taking a wcd_cache without "(no lock)" expect c->mu held.
 */
#ifndef WCD_CACHE_INT_H
#define WCD_CACHE_INT_H

#include <pthread.h>
#include <sys/stat.h>
#include <time.h>

#include "pb_util.h"
#include "wcd_cache.h"

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
	/* A sealed memfd copy of that version (wcd_seal.h), or -1: what
	 * exec workers get, so the bytes checked are the bytes run. */
	int sealed_fd;
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

/* Names: dir/objects/ab/<hex>{.wasm | -<tag>.cwasm | -<tag>.meta}; the tag
 * is 16 hex digits of sha256(fingerprint). */
void wcd_ce_fp_tag(const char *fp, char out[17]);
void wcd_ce_path(const wcd_cache *c, const uint8_t *digest, bool source, const char *fp,
                 const char *ext, char *out, size_t n);

/* Entries. */
entry *wcd_ce_find(wcd_cache *c, const uint8_t *digest, bool source, const char *fp);
bool wcd_ce_has_owner(const entry *e, uint32_t uid);
bool wcd_ce_add_owner(entry *e, uint32_t uid);
void wcd_ce_del_owner(entry *e, uint32_t uid);
void wcd_ce_free(entry *e);
/* Unlinks e's files, unlists and frees it; notes its digest in `gone`
 * (may be NULL) when it was the digest's last entry. */
void wcd_ce_drop(wcd_cache *c, entry *e, gone_list *gone);
/* Calls the on_gone callback for each digest (no lock). */
void wcd_cache_report_gone(wcd_cache *c, const gone_list *gone);

/* Bytes charged to uid; least-recent-use eviction down to `limit` (of
 * the whole cache, or of uid's charge) with `incoming` bytes to come. */
uint64_t wcd_cache_charged(wcd_cache *c, uint32_t uid);
void wcd_cache_evict(wcd_cache *c, bool any_uid, uint32_t uid, uint64_t limit, uint64_t incoming,
                     uint32_t *removed, uint64_t *freed, gone_list *gone);

/* The index file. */
bool wcd_cache_write_index(wcd_cache *c, cmn_error *err);
/* Reads the entries from the files (the old index gives created, last
 * used, pins and owners), removes temporary and bad files, writes the
 * index. At open, before any other thread. */
bool wcd_cache_rebuild(wcd_cache *c, cmn_error *err);
/* A sidecar; NULL when missing or unreadable (no lock). */
Wasmc__V1__Cache__Meta *wcd_cache_read_meta(const char *path);

#endif
