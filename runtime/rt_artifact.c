#include "rt_artifact.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "rt_internal.h"
#include "rt_serial.h"

#define DIGEST_LEN RT_ARTIFACT_DIGEST_LEN

static size_t pad8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

static void le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

/* ---------------------------------------------------------------------------
 * Writing
 */

static uint8_t *entry_table(const rt_image *img, size_t *len)
{
	size_t n = 12 + 8 * ((size_t)img->nfuncs + img->ntypes + img->nimports);
	uint8_t *t = malloc(n);
	if (!t)
		return NULL;
	uint8_t *p = t;
	le32(p, img->nfuncs);
	p += 4;
	for (uint32_t i = 0; i < img->nfuncs; i++, p += 8)
		le64(p, img->func_off[i]);
	le32(p, img->ntypes);
	p += 4;
	for (uint32_t i = 0; i < img->ntypes; i++, p += 8)
		le64(p, img->tramp_off[i]);
	le32(p, img->nimports);
	p += 4;
	for (uint32_t i = 0; i < img->nimports; i++, p += 8)
		le64(p, img->adapter_off[i]);
	*len = n;
	return t;
}

bool rt_artifact_build(const rt_module *mod, const rt_consts *consts,
                       const rt_image *img, const uint8_t *key, size_t keylen,
                       uint8_t **ret_buf, size_t *ret_len, cmn_error *err)
{
	const char *fp = img->fingerprint ? img->fingerprint : "";
	size_t fplen = strlen(fp);
	if (fplen == 0 || fplen > RT_ARTIFACT_MAX_FP)
		return cmn_fail(err, "artifact: fingerprint missing or too long");
	uint8_t *desc = NULL, *table = NULL, *file = NULL;
	size_t desc_len = 0, table_len = 0;
	rt_artifact_hdr *h = NULL;
	bool ok = false;
	if (!rt_serial_write(mod, consts, &desc, &desc_len, err))
		return false;
	table = entry_table(img, &table_len);
	h = calloc(1, sizeof *h);
	if (!table || !h) {
		cmn_fail(err, "out of memory");
		goto out;
	}
	size_t desc_off = rt_artifact_hdr_len(fplen);
	size_t table_off = pad8(desc_off + desc_len);
	size_t ps = rt_artifact_page_size();
	size_t text_off = (table_off + table_len + ps - 1) & ~(ps - 1);
	size_t size = text_off + img->text_size + DIGEST_LEN;
	file = calloc(1, size);
	if (!file) {
		cmn_fail(err, "out of memory");
		goto out;
	}
	h->version = RT_ARTIFACT_VERSION;
	memcpy(h->fingerprint, fp, fplen + 1);
	h->digest_kind = key ? RT_DIGEST_HMAC_SHA256 : RT_DIGEST_SHA256;
	h->size = size;
	h->desc_off = desc_off;
	h->desc_len = desc_len;
	h->table_off = table_off;
	h->table_len = table_len;
	h->text_off = text_off;
	h->text_len = img->text_size;
	rt_artifact_hdr_write(file, h);
	memcpy(file + desc_off, desc, desc_len);
	memcpy(file + table_off, table, table_len);
	if (img->text_size)
		memcpy(file + text_off, img->text, img->text_size);
	if (!rt_artifact_seal(file, size, key, keylen, err))
		goto out;
	*ret_buf = file;
	*ret_len = size;
	file = NULL;
	ok = true;
out:
	free(file);
	free(desc);
	free(table);
	free(h);
	return ok;
}

bool rt_artifact_write_keyed(const char *path, const rt_module *mod,
                             const rt_consts *consts, const rt_image *img,
                             const uint8_t *key, size_t keylen,
                             cmn_error *err)
{
	size_t size = 0;
	uint8_t *file = NULL;
	if (!rt_artifact_build(mod, consts, img, key, keylen, &file, &size, err))
		return false;
	size_t plen = strlen(path);
	char *tmp = malloc(plen + 16);
	if (!tmp) {
		free(file);
		return cmn_fail(err, "out of memory");
	}
	snprintf(tmp, plen + 16, "%s.tmp.XXXXXX", path);
	int fd = mkstemp(tmp);
	if (fd < 0) {
		cmn_fail(err, "cannot create %s: %s", tmp, strerror(errno));
		free(tmp);
		free(file);
		return false;
	}
	bool ok = true;
	size_t done = 0;
	while (done < size) {
		ssize_t w = write(fd, file + done, size - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			ok = cmn_fail(err, "cannot write %s: %s", tmp, strerror(errno));
			break;
		}
		done += (size_t)w;
	}
	if (ok && fchmod(fd, 0644) != 0)
		ok = cmn_fail(err, "cannot chmod %s: %s", tmp, strerror(errno));
	if (ok && fsync(fd) != 0)
		ok = cmn_fail(err, "cannot fsync %s: %s", tmp, strerror(errno));
	if (close(fd) != 0 && ok)
		ok = cmn_fail(err, "cannot close %s: %s", tmp, strerror(errno));
	if (ok && rename(tmp, path) != 0)
		ok = cmn_fail(err, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
	if (!ok)
		unlink(tmp);
	else {
		/* Make the rename durable. */
		char *d = strdup(path);
		if (d) {
			int dfd = open(dirname(d), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (dfd >= 0) {
				(void)fsync(dfd);
				close(dfd);
			}
			free(d);
		}
	}
	free(tmp);
	free(file);
	return ok;
}

bool rt_artifact_write(const char *path, const rt_module *mod,
                       const rt_consts *consts, const rt_image *img,
                       cmn_error *err)
{
	return rt_artifact_write_keyed(path, mod, consts, img, NULL, 0, err);
}

/* ---------------------------------------------------------------------------
 * Loading
 */

void rt_loaded_free(rt_loaded *l)
{
	if (!l)
		return;
	if (l->map) {
		rt_code_unregister(l->text, l->text_size);
		munmap(l->map, l->map_size);
	}
	rt_module_free(l->mod);
	free(l->func_off);
	free(l->tramp_off);
	free(l->adapter_off);
	free(l->fingerprint);
	free(l);
}

/* Reads the entry table and checks every offset lies in the text. */
static bool read_table(rt_loaded *l, const uint8_t *p, size_t len, cmn_error *err)
{
	const uint8_t *end = p + len;
	uint32_t *counts[3] = {&l->nfuncs, &l->ntypes, &l->nimports};
	uint64_t **arrays[3] = {&l->func_off, &l->tramp_off, &l->adapter_off};
	for (int k = 0; k < 3; k++) {
		if (end - p < 4)
			return cmn_fail(err, "artifact: entry table truncated");
		uint32_t n = rd32(p);
		p += 4;
		if ((size_t)(end - p) / 8 < n)
			return cmn_fail(err, "artifact: entry table truncated");
		uint64_t *a = malloc(((size_t)n + 1) * sizeof *a);
		if (!a)
			return cmn_fail(err, "out of memory");
		for (uint32_t i = 0; i < n; i++, p += 8) {
			a[i] = rd64(p);
			if (a[i] != RT_IMAGE_NONE && a[i] >= l->text_size) {
				free(a);
				return cmn_fail(err, "artifact: entry offset outside the code");
			}
		}
		*counts[k] = n;
		*arrays[k] = a;
	}
	if (p != end)
		return cmn_fail(err, "artifact: entry table has trailing bytes");
	return true;
}

/* Checks the image's counts against the description. */
static bool check_counts(const rt_loaded *l, cmn_error *err)
{
	const rt_module *m = l->mod;
	if (l->nfuncs != m->nfuncs - m->nfuncs_imported || l->ntypes != m->ntypes ||
	    l->nimports != m->nfuncs_imported)
		return cmn_fail(err, "artifact: code does not match its description");
	for (uint32_t i = 0; i < l->nfuncs; i++)
		if (l->func_off[i] == RT_IMAGE_NONE)
			return cmn_fail(err, "artifact: function %u has no code", i);
	return true;
}

bool rt_artifact_load_fd(int fd, const char *expected_fp, const uint8_t *key,
                         size_t keylen, rt_loaded **ret, cmn_error *err)
{
	struct stat st;
	if (fstat(fd, &st) != 0)
		return cmn_fail(err, "artifact: cannot stat: %s", strerror(errno));
	if (!S_ISREG(st.st_mode))
		return cmn_fail(err, "artifact: not a regular file");
	return rt_artifact_load_fd_at(fd, 0, (uint64_t)st.st_size, expected_fp, key, keylen, ret,
	                              err);
}

bool rt_artifact_load_fd_at(int fd, uint64_t base, uint64_t avail, const char *expected_fp,
                            const uint8_t *key, size_t keylen, rt_loaded **ret, cmn_error *err)
{
	if (base % rt_artifact_page_size() != 0)
		return cmn_fail(err, "artifact: not at a page boundary of its file");
	rt_artifact_hdr *hdr = malloc(sizeof *hdr);
	if (!hdr)
		return cmn_fail(err, "out of memory");
	if (!rt_artifact_hdr_read_fd_at(fd, base, avail, expected_fp, hdr, err)) {
		free(hdr);
		return false;
	}
	if (hdr->flags & RT_ARTIFACT_CONTAINER) {
		free(hdr);
		return cmn_fail(err, "artifact is a component (load it as a container)");
	}
	uint32_t kind = hdr->digest_kind;
	uint64_t size = hdr->size;
	uint64_t desc_off = hdr->desc_off, desc_len = hdr->desc_len;
	uint64_t tab_off = hdr->table_off, tab_len = hdr->table_len;
	uint64_t text_off = hdr->text_off, text_len = hdr->text_len;
	char *fp = strdup(hdr->fingerprint);
	free(hdr);
	if (!fp)
		return cmn_fail(err, "out of memory");
	bool ok = false;
	rt_loaded *l = NULL;
	uint8_t *file = MAP_FAILED;

	if (kind == RT_DIGEST_HMAC_SHA256 && !key) {
		free(fp);
		return cmn_fail(err, "artifact is keyed (MAC) but no key was given");
	}
	if (kind == RT_DIGEST_SHA256 && key) {
		free(fp);
		return cmn_fail(err, "artifact has no MAC but a key was given");
	}

	/* Read-only view of the whole file: checksum first. */
	file = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, (off_t)base);
	if (file == MAP_FAILED) {
		free(fp);
		return cmn_fail(err, "artifact: cannot map: %s", strerror(errno));
	}
	uint8_t d[DIGEST_LEN];
	if (!rt_artifact_digest(file, size - DIGEST_LEN, key, keylen, d)) {
		cmn_fail(err, "artifact: digest failed");
		goto out;
	}
	if (CRYPTO_memcmp(d, file + size - DIGEST_LEN, DIGEST_LEN) != 0) {
		cmn_fail(err, kind == RT_DIGEST_HMAC_SHA256
		                  ? "artifact MAC mismatch (damaged or tampered)"
		                  : "artifact checksum mismatch (damaged)");
		goto out;
	}
	l = calloc(1, sizeof *l);
	if (!l) {
		cmn_fail(err, "out of memory");
		goto out;
	}
	l->fingerprint = fp;
	fp = NULL;
	l->text_size = text_len;
	if (!rt_serial_read(file + desc_off, desc_len, &l->mod, &l->consts, err))
		goto out;
	if (!read_table(l, file + tab_off, tab_len, err) || !check_counts(l, err))
		goto out;
	/* Code: mapped read+execute straight from the file. */
	size_t map_len = text_len ? text_len : 1;
	void *text = mmap(NULL, map_len, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd,
	                  (off_t)(base + text_off));
	if (text == MAP_FAILED) {
		cmn_fail(err, "artifact: cannot map code: %s", strerror(errno));
		goto out;
	}
	l->map = text;
	l->map_size = map_len;
	l->text = text;
	rt_code_register(l->text, l->text_size, l);
	ok = true;
out:
	if (file != MAP_FAILED)
		munmap(file, size);
	free(fp);
	if (!ok) {
		rt_loaded_free(l);
		return false;
	}
	*ret = l;
	return true;
}

bool rt_artifact_load(const char *path, const char *expected_fp, rt_loaded **ret,
                      cmn_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return cmn_fail(err, "cannot open %s: %s", path, strerror(errno));
	bool ok = rt_artifact_load_fd(fd, expected_fp, NULL, 0, ret, err);
	close(fd);
	return ok;
}

bool rt_artifact_sniff(const char *path)
{
	uint8_t head[8];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	bool ok = read(fd, head, 8) == 8 && memcmp(head, RT_ARTIFACT_MAGIC, 8) == 0;
	close(fd);
	return ok;
}

static uint64_t *dup_offs(const uint64_t *a, uint32_t n)
{
	uint64_t *r = malloc(((size_t)n + 1) * sizeof *r);
	if (r && n)
		memcpy(r, a, n * sizeof *r);
	return r;
}

bool rt_loaded_from_image(const rt_module *mod, const rt_consts *consts,
                          const rt_image *img, rt_loaded **ret, cmn_error *err)
{
	uint8_t *desc = NULL;
	size_t desc_len = 0;
	if (!rt_serial_write(mod, consts, &desc, &desc_len, err))
		return false;
	rt_loaded *l = calloc(1, sizeof *l);
	if (!l) {
		free(desc);
		return cmn_fail(err, "out of memory");
	}
	bool ok = rt_serial_read(desc, desc_len, &l->mod, &l->consts, err);
	free(desc);
	if (!ok)
		goto fail;
	l->fingerprint = strdup(img->fingerprint ? img->fingerprint : "");
	l->nfuncs = img->nfuncs;
	l->ntypes = img->ntypes;
	l->nimports = img->nimports;
	l->func_off = dup_offs(img->func_off, img->nfuncs);
	l->tramp_off = dup_offs(img->tramp_off, img->ntypes);
	l->adapter_off = dup_offs(img->adapter_off, img->nimports);
	if (!l->fingerprint || !l->func_off || !l->tramp_off || !l->adapter_off) {
		cmn_fail(err, "out of memory");
		goto fail;
	}
	l->text_size = img->text_size;
	for (uint32_t i = 0; i < l->nfuncs; i++)
		if (l->func_off[i] != RT_IMAGE_NONE && l->func_off[i] >= l->text_size) {
			cmn_fail(err, "image: entry offset outside the code");
			goto fail;
		}
	if (!check_counts(l, err))
		goto fail;
	size_t ps = rt_artifact_page_size();
	size_t map_len = (img->text_size + ps - 1) & ~(ps - 1);
	if (!map_len)
		map_len = ps;
	void *m = mmap(NULL, map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED) {
		cmn_fail(err, "cannot map code: %s", strerror(errno));
		goto fail;
	}
	if (img->text_size)
		memcpy(m, img->text, img->text_size);
	if (mprotect(m, map_len, PROT_READ | PROT_EXEC) != 0) {
		cmn_fail(err, "cannot protect code: %s", strerror(errno));
		munmap(m, map_len);
		goto fail;
	}
	l->map = m;
	l->map_size = map_len;
	l->text = m;
	rt_code_register(l->text, l->text_size, l);
	*ret = l;
	return true;
fail:
	rt_loaded_free(l);
	return false;
}
