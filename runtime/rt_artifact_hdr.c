/*
 * rt_artifact_hdr.c - artifact header, digest and seal (rt_artifact_hdr.h).
 */
#include "rt_artifact_hdr.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/params.h>

#include "cmn_file.h"

/* The fixed part after the fingerprint: kind, flags, size, 3 x (off, len),
 * the input digest. */
#define HDR2_LEN (64 + RT_ARTIFACT_DIGEST_LEN)

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
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

size_t rt_artifact_hdr_len(size_t fplen)
{
	return 16 + pad8(fplen) + HDR2_LEN;
}

size_t rt_artifact_page_size(void)
{
	long v = sysconf(_SC_PAGESIZE);
	return v > 0 ? (size_t)v : 4096;
}

void rt_artifact_hdr_write(uint8_t *buf, const rt_artifact_hdr *h)
{
	size_t fplen = strlen(h->fingerprint);
	size_t off = 16 + pad8(fplen);
	memset(buf, 0, off + HDR2_LEN);
	memcpy(buf, RT_ARTIFACT_MAGIC, 8);
	le32(buf + 8, h->version);
	le32(buf + 12, (uint32_t)fplen);
	memcpy(buf + 16, h->fingerprint, fplen);
	uint8_t *p = buf + off;
	le32(p, h->digest_kind);
	le32(p + 4, h->flags);
	le64(p + 8, h->size);
	le64(p + 16, h->desc_off);
	le64(p + 24, h->desc_len);
	le64(p + 32, h->table_off);
	le64(p + 40, h->table_len);
	le64(p + 48, h->text_off);
	le64(p + 56, h->text_len);
	memcpy(p + 64, h->input, RT_ARTIFACT_DIGEST_LEN);
}

/* The fingerprint mismatch message shows where the two differ: engine
 * fingerprints share long prefixes. */
static bool fp_mismatch(const char *fp, const char *want, cmn_error *err)
{
	size_t d = 0;
	while (fp[d] && fp[d] == want[d])
		d++;
	size_t from = d > 20 ? d - 20 : 0;
	return cmn_fail(err,
	                "artifact compiled for another engine (fingerprint \"%s%.60s\", expected "
	                "\"%s%.60s\")",
	                from ? "..." : "", fp + from, from ? "..." : "", want + from);
}

bool rt_artifact_hdr_parse(const uint8_t *buf, size_t len, uint64_t file_size,
                           const char *expected_fp, rt_artifact_hdr *ret, cmn_error *err)
{
	if (len < 16 || memcmp(buf, RT_ARTIFACT_MAGIC, 8) != 0)
		return cmn_fail(err, "not a wasmc artifact (bad magic)");
	uint32_t version = rd32(buf + 8);
	if (version != RT_ARTIFACT_VERSION)
		return cmn_fail(err, "artifact format version %u, this engine reads version %u",
		                version, RT_ARTIFACT_VERSION);
	uint32_t fplen = rd32(buf + 12);
	if (fplen == 0 || fplen > RT_ARTIFACT_MAX_FP)
		return cmn_fail(err, "artifact: bad fingerprint length");
	size_t hdr_len = rt_artifact_hdr_len(fplen);
	if (len < hdr_len)
		return cmn_fail(err, "artifact is truncated (header)");
	if (memchr(buf + 16, 0, fplen))
		return cmn_fail(err, "artifact: bad fingerprint");
	char fp[RT_ARTIFACT_MAX_FP + 1];
	memcpy(fp, buf + 16, fplen);
	fp[fplen] = 0;
	if (expected_fp && strcmp(fp, expected_fp) != 0)
		return fp_mismatch(fp, expected_fp, err);

	const uint8_t *p = buf + 16 + pad8(fplen);
	uint32_t kind = rd32(p), flags = rd32(p + 4);
	uint64_t size = rd64(p + 8);
	uint64_t desc_off = rd64(p + 16), desc_len = rd64(p + 24);
	uint64_t tab_off = rd64(p + 32), tab_len = rd64(p + 40);
	uint64_t text_off = rd64(p + 48), text_len = rd64(p + 56);
	const uint64_t dl = RT_ARTIFACT_DIGEST_LEN;
	if (kind != RT_DIGEST_SHA256 && kind != RT_DIGEST_HMAC_SHA256)
		return cmn_fail(err, "artifact: unknown digest kind");
	if (flags & ~RT_ARTIFACT_CONTAINER)
		return cmn_fail(err, "artifact: unknown flags");
	if (file_size != size)
		return cmn_fail(err, "%s",
		                file_size < size ? "artifact is truncated"
		                                 : "artifact has trailing bytes");
	if (size < hdr_len + dl || desc_off < hdr_len || desc_len > size ||
	    desc_off > size - desc_len || tab_len > size || tab_off > size - tab_len ||
	    text_len > size - dl || text_off > size - dl - text_len ||
	    text_off % rt_artifact_page_size() != 0 || desc_off + desc_len > tab_off ||
	    tab_off + tab_len > text_off)
		return cmn_fail(err, "artifact: bad section offsets");

	ret->version = version;
	ret->digest_kind = kind;
	ret->flags = flags;
	ret->size = size;
	ret->desc_off = desc_off;
	ret->desc_len = desc_len;
	ret->table_off = tab_off;
	ret->table_len = tab_len;
	ret->text_off = text_off;
	ret->text_len = text_len;
	memcpy(ret->input, p + 64, RT_ARTIFACT_DIGEST_LEN);
	ret->hdr_len = hdr_len;
	memcpy(ret->fingerprint, fp, fplen + 1);
	return true;
}

bool rt_artifact_digest(const uint8_t *p, size_t n, const uint8_t *key, size_t keylen,
                        uint8_t out[RT_ARTIFACT_DIGEST_LEN])
{
	unsigned int len = RT_ARTIFACT_DIGEST_LEN;
	if (key)
		return HMAC(EVP_sha256(), key, (int)keylen, p, n, out, &len) != NULL &&
		       len == RT_ARTIFACT_DIGEST_LEN;
	return EVP_Digest(p, n, out, &len, EVP_sha256(), NULL) == 1 &&
	       len == RT_ARTIFACT_DIGEST_LEN;
}

/* The digest kind must agree with whether the reader holds a key. */
static bool kind_matches_key(uint32_t kind, const uint8_t *key, cmn_error *err)
{
	if (kind == RT_DIGEST_HMAC_SHA256 && !key)
		return cmn_fail(err, "artifact is keyed (MAC) but no key was given");
	if (kind == RT_DIGEST_SHA256 && key)
		return cmn_fail(err, "artifact has no MAC but a key was given");
	return true;
}

static bool digest_mismatch(uint32_t kind, cmn_error *err)
{
	return cmn_fail(err, "%s",
	                kind == RT_DIGEST_HMAC_SHA256
	                        ? "artifact MAC mismatch (damaged or tampered)"
	                        : "artifact checksum mismatch (damaged)");
}

bool rt_artifact_check(const uint8_t *file, size_t len, const char *expected_fp, const uint8_t *key,
                       size_t keylen, rt_artifact_hdr *ret, cmn_error *err)
{
	rt_artifact_hdr *h = malloc(sizeof *h);
	if (!h)
		return cmn_fail(err, "out of memory");
	bool ok = false;
	uint8_t d[RT_ARTIFACT_DIGEST_LEN];
	if (!rt_artifact_hdr_parse(file, len, len, expected_fp, h, err) ||
	    !kind_matches_key(h->digest_kind, key, err))
		goto out;
	if (!rt_artifact_digest(file, len - RT_ARTIFACT_DIGEST_LEN, key, keylen, d)) {
		cmn_fail(err, "artifact: digest failed");
		goto out;
	}
	if (CRYPTO_memcmp(d, file + len - RT_ARTIFACT_DIGEST_LEN, RT_ARTIFACT_DIGEST_LEN) != 0) {
		digest_mismatch(h->digest_kind, err);
		goto out;
	}
	if (ret)
		*ret = *h;
	ok = true;
out:
	free(h);
	return ok;
}

bool rt_artifact_bind_input(uint8_t *file, size_t len, const uint8_t input[RT_ARTIFACT_DIGEST_LEN],
                            cmn_error *err)
{
	if (len < 16 || memcmp(file, RT_ARTIFACT_MAGIC, 8) != 0)
		return cmn_fail(err, "not a wasmc artifact (bad magic)");
	uint32_t fplen = rd32(file + 12);
	if (fplen == 0 || fplen > RT_ARTIFACT_MAX_FP ||
	    len < rt_artifact_hdr_len(fplen) + RT_ARTIFACT_DIGEST_LEN)
		return cmn_fail(err, "artifact is truncated (header)");
	memcpy(file + 16 + pad8(fplen) + 64, input, RT_ARTIFACT_DIGEST_LEN);
	return true;
}

bool rt_artifact_input_matches(const rt_artifact_hdr *h, const uint8_t input[RT_ARTIFACT_DIGEST_LEN],
                               cmn_error *err)
{
	if (CRYPTO_memcmp(h->input, input, RT_ARTIFACT_DIGEST_LEN) != 0)
		return cmn_fail(err, "artifact compiled from another input");
	return true;
}

bool rt_artifact_seal(uint8_t *file, size_t len, const uint8_t *key, size_t keylen, cmn_error *err)
{
	if (len < 16 || memcmp(file, RT_ARTIFACT_MAGIC, 8) != 0)
		return cmn_fail(err, "not a wasmc artifact (bad magic)");
	uint32_t fplen = rd32(file + 12);
	if (fplen == 0 || fplen > RT_ARTIFACT_MAX_FP ||
	    len < rt_artifact_hdr_len(fplen) + RT_ARTIFACT_DIGEST_LEN)
		return cmn_fail(err, "artifact is truncated (header)");
	le32(file + 16 + pad8(fplen), key ? RT_DIGEST_HMAC_SHA256 : RT_DIGEST_SHA256);
	if (!rt_artifact_digest(file, len - RT_ARTIFACT_DIGEST_LEN, key, keylen,
	                        file + len - RT_ARTIFACT_DIGEST_LEN))
		return cmn_fail(err, "artifact: digest failed");
	return true;
}


bool rt_artifact_hdr_read_fd_at(int fd, uint64_t off, uint64_t len, const char *expected_fp,
                                rt_artifact_hdr *ret, cmn_error *err)
{
	uint8_t head[16];
	if (len < sizeof head || !cmn_pread_full(fd, head, sizeof head, off))
		return cmn_fail(err, "not a wasmc artifact (bad magic)");
	uint32_t fplen = rd32(head + 12);
	size_t want = sizeof head;
	if (memcmp(head, RT_ARTIFACT_MAGIC, 8) == 0 && rd32(head + 8) == RT_ARTIFACT_VERSION &&
	    fplen > 0 && fplen <= RT_ARTIFACT_MAX_FP)
		want = rt_artifact_hdr_len(fplen);
	if (len < want)
		want = (size_t)len;
	uint8_t *buf = malloc(want);
	if (!buf)
		return cmn_fail(err, "out of memory");
	bool ok = cmn_pread_full(fd, buf, want, off)
	                  ? rt_artifact_hdr_parse(buf, want, len, expected_fp, ret, err)
	                  : cmn_fail(err, "artifact: cannot read: %s", strerror(errno));
	free(buf);
	return ok;
}

bool rt_artifact_hdr_read_fd(int fd, const char *expected_fp, rt_artifact_hdr *ret, cmn_error *err)
{
	struct stat st;
	if (fstat(fd, &st) != 0)
		return cmn_fail(err, "artifact: cannot stat: %s", strerror(errno));
	if (!S_ISREG(st.st_mode))
		return cmn_fail(err, "artifact: not a regular file");
	return rt_artifact_hdr_read_fd_at(fd, 0, (uint64_t)st.st_size, expected_fp, ret, err);
}

/* Streams [0, n) of the file through the digest. */
static bool digest_fd(int fd, uint64_t n, const uint8_t *key, size_t keylen,
                      uint8_t out[RT_ARTIFACT_DIGEST_LEN], cmn_error *err)
{
	enum { CHUNK = 1 << 16 };
	uint8_t *buf = malloc(CHUNK);
	EVP_MAC *mac = NULL;
	EVP_MAC_CTX *mctx = NULL;
	EVP_MD_CTX *md = NULL;
	bool ok = false;
	if (!buf) {
		cmn_fail(err, "out of memory");
		goto out;
	}
	if (key) {
		OSSL_PARAM params[2] = {
		        OSSL_PARAM_construct_utf8_string("digest", (char *)"SHA256", 0),
		        OSSL_PARAM_construct_end(),
		};
		mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
		mctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
		if (!mctx || !EVP_MAC_init(mctx, key, keylen, params)) {
			cmn_fail(err, "artifact: digest failed");
			goto out;
		}
	} else {
		md = EVP_MD_CTX_new();
		if (!md || !EVP_DigestInit_ex(md, EVP_sha256(), NULL)) {
			cmn_fail(err, "artifact: digest failed");
			goto out;
		}
	}
	for (uint64_t off = 0; off < n;) {
		size_t k = n - off < CHUNK ? (size_t)(n - off) : CHUNK;
		if (!cmn_pread_full(fd, buf, k, off)) {
			cmn_fail(err, "artifact is truncated");
			goto out;
		}
		if (key ? !EVP_MAC_update(mctx, buf, k) : !EVP_DigestUpdate(md, buf, k)) {
			cmn_fail(err, "artifact: digest failed");
			goto out;
		}
		off += k;
	}
	size_t outlen = 0;
	unsigned int mdlen = 0;
	if (key ? !EVP_MAC_final(mctx, out, &outlen, RT_ARTIFACT_DIGEST_LEN) ||
	                    outlen != RT_ARTIFACT_DIGEST_LEN
	        : !EVP_DigestFinal_ex(md, out, &mdlen) || mdlen != RT_ARTIFACT_DIGEST_LEN) {
		cmn_fail(err, "artifact: digest failed");
		goto out;
	}
	ok = true;
out:
	EVP_MD_CTX_free(md);
	EVP_MAC_CTX_free(mctx);
	EVP_MAC_free(mac);
	free(buf);
	return ok;
}

bool rt_artifact_check_fd(int fd, const char *expected_fp, const uint8_t *key, size_t keylen,
                          rt_artifact_hdr *ret, cmn_error *err)
{
	rt_artifact_hdr *h = malloc(sizeof *h);
	if (!h)
		return cmn_fail(err, "out of memory");
	bool ok = false;
	uint8_t d[RT_ARTIFACT_DIGEST_LEN], stored[RT_ARTIFACT_DIGEST_LEN];
	if (!rt_artifact_hdr_read_fd(fd, expected_fp, h, err) ||
	    !kind_matches_key(h->digest_kind, key, err) ||
	    !digest_fd(fd, h->size - RT_ARTIFACT_DIGEST_LEN, key, keylen, d, err))
		goto out;
	if (!cmn_pread_full(fd, stored, sizeof stored, h->size - RT_ARTIFACT_DIGEST_LEN)) {
		cmn_fail(err, "artifact is truncated");
		goto out;
	}
	if (CRYPTO_memcmp(d, stored, sizeof d) != 0) {
		digest_mismatch(h->digest_kind, err);
		goto out;
	}
	if (ret)
		*ret = *h;
	ok = true;
out:
	free(h);
	return ok;
}
