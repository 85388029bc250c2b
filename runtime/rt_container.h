/*
 * rt_container.h - a component's artifact (DESIGN.md §4): its
 * instantiation plan and the artifacts of the core modules it
 * instantiates, in one file sealed like any artifact.
 *
 * Layout: an artifact header (rt_artifact_hdr.h) with the flag
 * RT_ARTIFACT_CONTAINER; its description is the plan (opaque bytes here:
 * component/cm_plan.h reads them), its entry table is u32 count followed by
 * count x (u64 offset, u64 length) of the core artifacts, and its text
 * region holds those artifacts, each starting at a page boundary of the
 * file, each a whole core artifact (header, description, code, digest)
 * sealed with SHA-256. The container's own digest (SHA-256 from the
 * compiler, HMAC-SHA-256 once the daemon seals it) covers everything.
 *
 * Loading checks the container's header and digest first, then loads each
 * core artifact in place (rt_artifact_load_fd_at: its code is mapped
 * read+execute straight from the container file). Nothing is mapped
 * executable before the container's digest matched.
 *
 * Ownership: a loaded container owns its plan bytes and its rt_loaded
 * modules (freed by rt_container_free, which accepts NULL, after the last
 * instance of them is gone). Reentrant.
 */
#ifndef RT_CONTAINER_H
#define RT_CONTAINER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmn_error.h"
#include "rt_artifact.h"

#define RT_CONTAINER_MAX_MODULES 100000

typedef struct rt_container {
	uint8_t *plan; /* malloc'd copy */
	size_t plan_len;
	uint32_t nmodules;
	rt_loaded **modules;
	char *fingerprint;
} rt_container;

/* Builds a container in memory from the plan and `n` whole core artifacts
 * (as rt_artifact_build makes them), with fingerprint `fp` (each core
 * artifact must carry the same), sealed with SHA-256. *ret_buf is malloc'd
 * (caller frees), *ret_len its size. */
bool rt_container_build(const char *fp, const uint8_t *plan, size_t plan_len,
                        const uint8_t *const *arts, const size_t *art_lens, uint32_t n,
                        uint8_t **ret_buf, size_t *ret_len, cmn_error *err);

/* Loads a container file: checks as rt_artifact_check_fd (expected
 * fingerprint, key), then loads every core artifact. */
bool rt_container_load_fd(int fd, const char *expected_fp, const uint8_t *key, size_t keylen,
                          rt_container **ret, cmn_error *err);

void rt_container_free(rt_container *c);

#endif
