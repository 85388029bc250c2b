/*
 * rt_artifact_hdr.h - the artifact's header and digest trailer at byte
 * level: the one definition of that layout (DESIGN.md §4), shared by the
 * artifact writer/loader (rt_artifact.c), the compile worker and wasmcd.
 *
 * Nothing here maps memory, parses the module description or runs code:
 * the daemon links only this file of runtime/ to check what a compile
 * worker produced, seal it with its key, and verify cached files before an
 * exec worker gets them.
 *
 * Layout (all integers little-endian):
 *
 *   offset 0   magic "WASMCART" (8 bytes)
 *          8   u32 format version (RT_ARTIFACT_VERSION)
 *         12   u32 fingerprint length F (1..RT_ARTIFACT_MAX_FP)
 *         16   fingerprint bytes (F, no NUL inside), zero-padded to a
 *              multiple of 8
 *   16+pad(F)  u32 digest kind, u32 flags (0, or RT_ARTIFACT_CONTAINER),
 *              u64 file size,
 *              u64 description offset, u64 description length,
 *              u64 entry table offset, u64 entry table length,
 *              u64 text offset (page-aligned), u64 text length,
 *              the input's SHA-256 (32 bytes; all zero: not bound to an
 *              input, e.g. a compile in process)
 *   size-32    the digest (32 bytes) over every byte before it: SHA-256,
 *              or HMAC-SHA-256 keyed by the daemon's secret
 *
 * Checks happen in this order: magic, version, fingerprint (and the
 * expected one), digest kind and flags, file size, offsets, digest.
 *
 * Thread-safety: every function is reentrant. Errors go to `err`.
 */
#ifndef RT_ARTIFACT_HDR_H
#define RT_ARTIFACT_HDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmn_error.h"

#define RT_ARTIFACT_MAGIC "WASMCART"
#define RT_ARTIFACT_VERSION 2
#define RT_ARTIFACT_MAX_FP 4096
#define RT_ARTIFACT_DIGEST_LEN 32

/* Header flags. A container (rt_container.h) is a component's artifact:
 * its description is the instantiation plan, its entry table the
 * positions of the core artifacts it holds, its text those artifacts. */
#define RT_ARTIFACT_CONTAINER 1u

enum {
	RT_DIGEST_SHA256 = 1,      /* integrity only */
	RT_DIGEST_HMAC_SHA256 = 2, /* keyed: the daemon's secret */
};

/* The header's fields. `fingerprint` is NUL-terminated. */
typedef struct rt_artifact_hdr {
	uint32_t version;
	uint32_t digest_kind;
	uint32_t flags;
	uint64_t size; /* whole file, digest included */
	uint64_t desc_off, desc_len;
	uint64_t table_off, table_len;
	uint64_t text_off, text_len;
	uint8_t input[RT_ARTIFACT_DIGEST_LEN]; /* SHA-256 of what it was compiled from */
	size_t hdr_len; /* bytes of header: the description starts here or later */
	char fingerprint[RT_ARTIFACT_MAX_FP + 1];
} rt_artifact_hdr;

/* Bytes of header for a fingerprint of `fplen` bytes. */
size_t rt_artifact_hdr_len(size_t fplen);

/* The system page size, the text's alignment. */
size_t rt_artifact_page_size(void);

/* Writes magic, version, fingerprint and the fields of `h` (its version,
 * fingerprint, digest_kind, flags, sizes and offsets) into `buf`, which
 * has rt_artifact_hdr_len(strlen(h->fingerprint)) bytes. */
void rt_artifact_hdr_write(uint8_t *buf, const rt_artifact_hdr *h);

/* Parses and checks the header of a file of `file_size` bytes whose first
 * `len` bytes are `buf` (len may be less than the file: the header only).
 * `expected_fp` (NULL: any) must equal the fingerprint. Checks magic,
 * version, fingerprint, digest kind, flags, the recorded size against
 * `file_size`, and that the sections lie inside the file in order.
 * Does not check the digest. *ret is written only on success. */
bool rt_artifact_hdr_parse(const uint8_t *buf, size_t len, uint64_t file_size,
                           const char *expected_fp, rt_artifact_hdr *ret, cmn_error *err);

/* The digest of p[0..n): HMAC-SHA-256 with `key` (keylen bytes) when key is
 * not NULL, else SHA-256. */
bool rt_artifact_digest(const uint8_t *p, size_t n, const uint8_t *key, size_t keylen,
                        uint8_t out[RT_ARTIFACT_DIGEST_LEN]);

/* Checks a whole artifact in memory: the header (as rt_artifact_hdr_parse
 * with file_size = len) and the digest. The digest kind must match `key`:
 * a keyed (HMAC) artifact needs the key, an unkeyed one is refused when a
 * key is given. *ret (may be NULL) is written only on success. */
bool rt_artifact_check(const uint8_t *file, size_t len, const char *expected_fp, const uint8_t *key,
                       size_t keylen, rt_artifact_hdr *ret, cmn_error *err);

/* Binds a whole artifact in memory to the input it was compiled from:
 * writes `input` (its SHA-256) into the header. The digest trailer is then
 * stale: seal afterwards. One valid artifact then cannot stand in for
 * another (a copy under another input's name fails the comparison of
 * rt_artifact_input_matches). */
bool rt_artifact_bind_input(uint8_t *file, size_t len, const uint8_t input[RT_ARTIFACT_DIGEST_LEN],
                            cmn_error *err);

/* True when the header's input digest equals `input`; false with a
 * message otherwise ("artifact compiled from another input"). */
bool rt_artifact_input_matches(const rt_artifact_hdr *h, const uint8_t input[RT_ARTIFACT_DIGEST_LEN],
                               cmn_error *err);

/* Re-seals a whole artifact in memory that rt_artifact_check accepted (or
 * that was just built): sets the digest kind (HMAC-SHA-256 with `key`,
 * plain SHA-256 when key is NULL) and rewrites the trailing digest. */
bool rt_artifact_seal(uint8_t *file, size_t len, const uint8_t *key, size_t keylen, cmn_error *err);

/* Checks an artifact file by descriptor, reading it (pread; no mapping):
 * header, size (fstat), digest, as rt_artifact_check. The file offset is
 * not used. *ret (may be NULL) is written only on success. */
bool rt_artifact_check_fd(int fd, const char *expected_fp, const uint8_t *key, size_t keylen,
                          rt_artifact_hdr *ret, cmn_error *err);

/* Reads and checks only the header of an artifact file by descriptor (as
 * rt_artifact_hdr_parse, with the file's size from fstat). */
bool rt_artifact_hdr_read_fd(int fd, const char *expected_fp, rt_artifact_hdr *ret, cmn_error *err);

/* The same for an artifact of `len` bytes at offset `off` of the file (an
 * artifact inside a container). */
bool rt_artifact_hdr_read_fd_at(int fd, uint64_t off, uint64_t len, const char *expected_fp,
                                rt_artifact_hdr *ret, cmn_error *err);

#endif
