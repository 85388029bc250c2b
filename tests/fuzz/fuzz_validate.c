/*
 * fuzz_validate.c - libFuzzer target: decode and validate arbitrary bytes
 * with every feature on. Any crash, leak or sanitizer report is a bug: the
 * decoder and validator face untrusted input.
 */
#include <stddef.h>
#include <stdint.h>

#include "rt_module.h"
#include "wb_decode.h"
#include "wb_validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	rt_module *mod = NULL;
	cmn_error err;

	if (wb_decode(data, size, WB_FEAT_ALL, &mod, &err)) {
		(void)wb_validate(mod, WB_FEAT_ALL, &err);
		rt_module_free(mod);
	}
	return 0;
}
