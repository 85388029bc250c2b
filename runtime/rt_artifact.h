/*
 * rt_artifact.h - the compiled-module artifact (DESIGN.md §4): what the
 * compile side writes and an exec worker maps.
 *
 * The header and digest trailer are defined in rt_artifact_hdr.h; after
 * the header come the description (rt_serial), the entry table (u32
 * nfuncs, u64 func_off[], u32 ntypes, u64 tramp_off[], u32 nimports, u64
 * adapter_off[]), padding, the text on its own page, and the digest.
 *
 * Loading checks, in this order and before anything is mapped executable:
 * magic, version, fingerprint, header, file size, offsets, digest; then it
 * parses the description and the entry table, and maps the text read+execute
 * straight from the file (never writable and executable at once).
 */
#ifndef RT_ARTIFACT_H
#define RT_ARTIFACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmn_error.h"
#include "rt_artifact_hdr.h"
#include "rt_constexpr.h"
#include "rt_image.h"
#include "rt_module.h"

/* A module ready to instantiate: description + mapped code. Immutable and
 * shareable by any number of instances; freed with rt_loaded_free after
 * the last instance. */
typedef struct rt_loaded {
	rt_module *mod;     /* owned; no wasm bytes (see rt_serial.h) */
	rt_consts *consts;  /* in mod's arena */
	const uint8_t *text;/* read+execute */
	size_t text_size;
	void *map;          /* the mapping holding text (munmap) */
	size_t map_size;
	uint32_t nfuncs;    /* defined functions */
	uint64_t *func_off;
	uint32_t ntypes;
	uint64_t *tramp_off;
	uint32_t nimports;  /* imported functions */
	uint64_t *adapter_off;
	char *fingerprint;
} rt_loaded;

/* Writes an artifact for `mod` (validated, with its constant expressions
 * lowered: wb_const_lower_module) and its compiled image: to a temporary
 * file beside `path`, fsynced, then renamed over `path`. With `key` the
 * digest is an HMAC-SHA-256 keyed by it; without, a plain SHA-256. */
bool rt_artifact_write(const char *path, const rt_module *mod,
                       const rt_consts *consts, const rt_image *img,
                       cmn_error *err);
bool rt_artifact_write_keyed(const char *path, const rt_module *mod,
                             const rt_consts *consts, const rt_image *img,
                             const uint8_t *key, size_t keylen,
                             cmn_error *err);

/* Builds the whole artifact in memory (what rt_artifact_write_keyed
 * writes): *ret_buf is malloc'd (caller frees), *ret_len its size. */
bool rt_artifact_build(const rt_module *mod, const rt_consts *consts,
                       const rt_image *img, const uint8_t *key, size_t keylen,
                       uint8_t **ret_buf, size_t *ret_len, cmn_error *err);

/* Loads an artifact. `expected_fingerprint` (NULL: accept any) must equal
 * the artifact's. A keyed artifact needs the key (and an unkeyed one is
 * refused when a key is given). */
bool rt_artifact_load(const char *path, const char *expected_fingerprint,
                      rt_loaded **ret, cmn_error *err);
bool rt_artifact_load_fd(int fd, const char *expected_fingerprint,
                         const uint8_t *key, size_t keylen, rt_loaded **ret,
                         cmn_error *err);

/* The same for an artifact of `avail` bytes at offset `base` (a multiple
 * of the page size) of the file: a core artifact inside a component
 * container (rt_container.h). Refuses a container. */
bool rt_artifact_load_fd_at(int fd, uint64_t base, uint64_t avail, const char *expected_fp,
                            const uint8_t *key, size_t keylen, rt_loaded **ret, cmn_error *err);

/* Reads only the header: true when `path` starts with the artifact magic
 * (used by tools to tell an artifact from a .wasm file). */
bool rt_artifact_sniff(const char *path);

/* The in-memory path: a module and its image just compiled in this
 * process. The description is serialised and read back (the loaded module
 * owns its copy; `mod` may be freed afterwards), the text is copied into an
 * anonymous mapping that is then made read+execute. */
bool rt_loaded_from_image(const rt_module *mod, const rt_consts *consts,
                          const rt_image *img, rt_loaded **ret,
                          cmn_error *err);

/* Unmaps the code and frees the description. Accepts NULL. No instance of
 * it may be alive. */
void rt_loaded_free(rt_loaded *l);

#endif
