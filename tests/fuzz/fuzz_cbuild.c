/*
 * fuzz_cbuild.c - libFuzzer target: arbitrary bytes as a component; when
 * cm_decode and cm_validate accept it, it is flattened (cm_plan_build) and
 * the plan goes through its byte form and back. The builder must refuse
 * what it cannot flatten with a message, never crash; a plan it builds
 * must pass cm_plan_check and read back from its bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "cm_decode.h"
#include "cm_plan.h"
#include "cm_validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cm_component *c = NULL;
	cm_validated *info = NULL;
	cm_plan *p = NULL, *q = NULL;
	cmn_error err;
	uint8_t *buf = NULL;
	size_t len = 0;
	char msg[256];

	if (!cm_decode(data, size, &c, &err))
		return 0;
	if (cm_validate(c, &info, &err) && cm_plan_build(c, &p, &err)) {
		if (cm_plan_check(p))
			abort();
		if (cm_plan_serialize(p, &buf, &len) && !cm_plan_deserialize(buf, len, &q, msg, sizeof msg))
			abort();
	}
	free(buf);
	cm_plan_free(q);
	cm_plan_free(p);
	cm_validated_free(info);
	cm_component_free(c);
	return 0;
}
