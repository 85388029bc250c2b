/*
 * fuzz_component.c - libFuzzer target: decode and validate arbitrary bytes
 * as a component (cm_decode + cm_validate, nested core modules included,
 * with the import/export type table built). Any crash, leak or sanitizer
 * report is a bug: component binaries are untrusted input.
 */
#include <stddef.h>
#include <stdint.h>

#include "cm_decode.h"
#include "cm_validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cm_component *c = NULL;
	cm_validated *info = NULL;
	cmn_error err;

	if (cm_decode(data, size, &c, &err)) {
		if (cm_validate(c, &info, &err))
			cm_validated_free(info);
		cm_component_free(c);
	}
	return 0;
}
