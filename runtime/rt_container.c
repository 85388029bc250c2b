/*
 * rt_container.c - component artifacts (rt_container.h).
 */
#include "rt_container.h"

#include "cmn_file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmn_file.h"

static uint64_t round_up(uint64_t n, uint64_t to)
{
	return (n + to - 1) / to * to;
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

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

bool rt_container_build(const char *fp, const uint8_t *plan, size_t plan_len,
                        const uint8_t *const *arts, const size_t *art_lens, uint32_t n,
                        uint8_t **ret_buf, size_t *ret_len, cmn_error *err)
{
	size_t fplen = strlen(fp);
	if (fplen == 0 || fplen > RT_ARTIFACT_MAX_FP)
		return cmn_fail(err, "container: bad fingerprint");
	if (n > RT_CONTAINER_MAX_MODULES)
		return cmn_fail(err, "container: too many modules (%u)", n);
	uint64_t page = rt_artifact_page_size();
	rt_artifact_hdr h;
	memset(&h, 0, sizeof h);
	h.version = RT_ARTIFACT_VERSION;
	h.digest_kind = RT_DIGEST_SHA256;
	h.flags = RT_ARTIFACT_CONTAINER;
	memcpy(h.fingerprint, fp, fplen + 1);
	uint64_t hdr_len = rt_artifact_hdr_len(fplen);
	h.desc_off = hdr_len;
	h.desc_len = plan_len;
	h.table_off = hdr_len + plan_len;
	h.table_len = 4 + 16 * (uint64_t)n;
	h.text_off = round_up(h.table_off + h.table_len, page);
	uint64_t at = h.text_off;
	for (uint32_t i = 0; i < n; i++)
		at = round_up(at + art_lens[i], page);
	h.text_len = at - h.text_off;
	h.size = at + RT_ARTIFACT_DIGEST_LEN;
	uint8_t *buf = calloc(1, h.size);
	if (!buf)
		return cmn_fail(err, "out of memory (container of %llu bytes)",
		                (unsigned long long)h.size);
	rt_artifact_hdr_write(buf, &h);
	if (plan_len)
		memcpy(buf + h.desc_off, plan, plan_len);
	uint8_t *tab = buf + h.table_off;
	le32(tab, n);
	at = h.text_off;
	for (uint32_t i = 0; i < n; i++) {
		le64(tab + 4 + 16 * i, at);
		le64(tab + 4 + 16 * i + 8, art_lens[i]);
		memcpy(buf + at, arts[i], art_lens[i]);
		at = round_up(at + art_lens[i], page);
	}
	if (!rt_artifact_seal(buf, h.size, NULL, 0, err)) {
		free(buf);
		return false;
	}
	*ret_buf = buf;
	*ret_len = h.size;
	return true;
}


void rt_container_free(rt_container *c)
{
	if (!c)
		return;
	for (uint32_t i = 0; i < c->nmodules; i++)
		rt_loaded_free(c->modules[i]);
	free(c->modules);
	free(c->plan);
	free(c->fingerprint);
	free(c);
}

bool rt_container_load_fd(int fd, const char *expected_fp, const uint8_t *key, size_t keylen,
                          rt_container **ret, cmn_error *err)
{
	rt_artifact_hdr *h = malloc(sizeof *h);
	if (!h)
		return cmn_fail(err, "out of memory");
	rt_container *c = NULL;
	uint8_t *tab = NULL;
	bool ok = false;
	if (!rt_artifact_check_fd(fd, expected_fp, key, keylen, h, err))
		goto out;
	if (!(h->flags & RT_ARTIFACT_CONTAINER)) {
		cmn_fail(err, "artifact is a core module, not a component");
		goto out;
	}
	c = calloc(1, sizeof *c);
	if (!c || !(c->fingerprint = strdup(h->fingerprint))) {
		cmn_fail(err, "out of memory");
		goto out;
	}
	c->plan_len = h->desc_len;
	c->plan = malloc(h->desc_len ? h->desc_len : 1);
	tab = malloc(h->table_len ? h->table_len : 1);
	if (!c->plan || !tab) {
		cmn_fail(err, "out of memory");
		goto out;
	}
	if (!cmn_pread_full(fd, c->plan, h->desc_len, h->desc_off) ||
	    !cmn_pread_full(fd, tab, h->table_len, h->table_off)) {
		cmn_fail(err, "container: cannot read: %s", strerror(errno));
		goto out;
	}
	uint32_t n = h->table_len >= 4 ? (uint32_t)tab[0] | (uint32_t)tab[1] << 8 |
	                                         (uint32_t)tab[2] << 16 | (uint32_t)tab[3] << 24
	                               : 0;
	if (h->table_len < 4 || n > RT_CONTAINER_MAX_MODULES || h->table_len != 4 + 16 * (uint64_t)n) {
		cmn_fail(err, "container: bad module table");
		goto out;
	}
	c->modules = calloc(n ? n : 1, sizeof *c->modules);
	if (!c->modules) {
		cmn_fail(err, "out of memory");
		goto out;
	}
	for (uint32_t i = 0; i < n; i++) {
		uint64_t off = rd64(tab + 4 + 16 * i), len = rd64(tab + 4 + 16 * i + 8);
		if (off < h->text_off || len > h->text_len || off - h->text_off > h->text_len - len) {
			cmn_fail(err, "container: module %u lies outside the container", i);
			goto out;
		}
		if (!rt_artifact_load_fd_at(fd, off, len, h->fingerprint, NULL, 0, &c->modules[i],
		                            err))
			goto out;
		c->nmodules++;
	}
	*ret = c;
	c = NULL;
	ok = true;
out:
	free(tab);
	rt_container_free(c);
	free(h);
	return ok;
}
