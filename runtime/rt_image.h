/*
 * rt_image.h - a module's compiled code as the compiler hands it to the
 * artifact writer and the loader maps it: one flat, position-independent,
 * fully relocated text image plus the offsets of its entry points.
 *
 * The image references nothing outside itself (see rt_abi.h): mapping it
 * read+execute at any address makes it runnable. Offsets are from the start
 * of `text`. RT_IMAGE_NONE marks "no such entry".
 *
 * Ownership: every array is owned by the rt_image (rt_image_free).
 */
#ifndef RT_IMAGE_H
#define RT_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#define RT_IMAGE_NONE UINT64_MAX

typedef struct rt_image {
	uint8_t *text;       /* machine code, relocated */
	size_t text_size;

	/* Defined function i (function index nfuncs_imported + i): entry
	 * with the wasm ABI. */
	uint32_t nfuncs;
	uint64_t *func_off;

	/* Per type index: the host -> wasm entry trampoline of that function
	 * type (RT_IMAGE_NONE for non-function types). */
	uint32_t ntypes;
	uint64_t *tramp_off;

	/* Per imported function i: the wasm -> host adapter of its type
	 * (used when the import is bound to a host function). */
	uint32_t nimports;
	uint64_t *adapter_off;

	/* Engine fingerprint this code was compiled for (NUL-terminated,
	 * owned): compiler version, LLVM major, target CPU and features,
	 * tier, and every tunable that changes code. */
	char *fingerprint;
} rt_image;

/* Releases the image and everything it owns. Accepts NULL. */
void rt_image_free(rt_image *img);

#endif
