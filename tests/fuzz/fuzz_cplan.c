/*
 * fuzz_cplan.c - libFuzzer target: arbitrary bytes read as an
 * instantiation plan (cm_plan_deserialize). Plan bytes come from an
 * artifact file, so they are untrusted: any crash, leak or sanitizer
 * report is a bug. A plan that is accepted must pass cm_plan_check, and
 * its byte form must read back and serialize to the same bytes (the input
 * itself may differ: LEB128 has longer spellings of a number).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cm_plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cm_plan *p = NULL;
	char msg[256];
	if (!cm_plan_deserialize(data, size, &p, msg, sizeof msg))
		return 0;
	if (cm_plan_check(p))
		abort();
	uint8_t *buf = NULL, *buf2 = NULL;
	size_t len = 0, len2 = 0;
	cm_plan *q = NULL;
	if (cm_plan_serialize(p, &buf, &len)) {
		if (!cm_plan_deserialize(buf, len, &q, msg, sizeof msg))
			abort();
		if (cm_plan_serialize(q, &buf2, &len2) && (len2 != len || memcmp(buf, buf2, len) != 0))
			abort();
	}
	free(buf);
	free(buf2);
	cm_plan_free(q);
	for (uint32_t i = 0; i < p->nexports; i++)
		(void)cm_plan_find_export(p, p->exports[i].instance, p->exports[i].name);
	cm_plan_free(p);
	return 0;
}
