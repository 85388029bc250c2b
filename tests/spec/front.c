/* front.c - decode and validate commands (front.h). */
#include "front.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmn_error.h"
#include "rt_module.h"
#include "wb_code.h"
#include "wb_decode.h"
#include "wb_validate.h"

/* wasmc's decoder: the module structure (wb_decode), then every function
 * body's encoding (wb_code_decode_func: opcodes, immediates, locals, a
 * body's extent, the data count section), which wb_validate would
 * otherwise decode while it type-checks. A module rejected here is
 * malformed; one rejected only by wb_validate is invalid. */
static bool decode_all(const uint8_t *bytes, size_t size, wb_features features,
                       rt_module **ret_mod, cmn_error *err)
{
	rt_module *mod = NULL;
	if (!wb_decode(bytes, size, features, &mod, err))
		goto fail_mod;
	if (mod->nfuncs > mod->nfuncs_imported) {
		wb_code_ctx *ctx = wb_code_ctx_new(mod, features, NULL);
		if (!ctx) {
			cmn_fail(err, "out of memory");
			goto fail_mod;
		}
		bool ok = true;
		for (uint32_t f = mod->nfuncs_imported; ok && f < mod->nfuncs; f++)
			ok = wb_code_decode_func(ctx, f, err);
		wb_code_ctx_free(ctx);
		if (!ok)
			goto fail_mod;
	}
	*ret_mod = mod;
	return true;

fail_mod:
	rt_module_free(mod);
	return false;
}

check front_check_module(file_run *fr, json_t *cmd, char *msg, size_t msglen,
                         const char **stage)
{
	*stage = "";
	const char *text_error = str_field(cmd, "text_error");
	const char *type = str_field(cmd, "module_type");
	const char *name = str_field(cmd, "filename");
	if (text_error || (type && strcmp(type, "binary") != 0) || !name) {
		snprintf(msg, msglen, "%s", text_error ? text_error : "no binary module");
		*stage = "text";
		return CHECK_NO_FILE;
	}
	size_t size = 0;
	uint8_t *bytes = cmd_module_bytes(fr, cmd, &size, msg, msglen);
	if (!bytes) {
		*stage = "file";
		return CHECK_NO_FILE;
	}
	cmn_error err;
	cmn_error_clear(&err);
	rt_module *mod = NULL;
	check ret = CHECK_OK;
	if (!decode_all(bytes, size, fr->features, &mod, &err)) {
		*stage = "decode";
		ret = CHECK_REJECTED;
	} else if (!wb_validate(mod, fr->features, &err)) {
		*stage = "validate";
		ret = CHECK_REJECTED;
	}
	if (ret == CHECK_REJECTED) {
		if (err.has_offset)
			snprintf(msg, msglen, "%s (at byte %zu)", err.msg, err.offset);
		else
			snprintf(msg, msglen, "%s", err.msg);
	}
	rt_module_free(mod);
	free(bytes);
	return ret;
}

/* assert_malformed passes when wasmc's decoder rejects the bytes,
 * assert_invalid when the decoder accepts them and the validator rejects
 * them. */
void front_assert_module(file_run *fr, json_t *cmd, const char *type, bool malformed)
{
	char msg[CMN_ERROR_MSG_MAX + 4096];
	char what[sizeof msg + 128];
	const char *stage;
	const char *expected = str_field(cmd, "text");
	check c = front_check_module(fr, cmd, msg, sizeof msg, &stage);
	const char *want = malformed ? "decode" : "validate";
	if (c == CHECK_NO_FILE && strcmp(stage, "text") == 0) {
		converter_rejected(fr, cmd, type, msg);
	} else if (c == CHECK_NO_FILE) {
		fail_cmd(fr, cmd, type, msg);
	} else if (c == CHECK_OK) {
		fail_cmd(fr, cmd, type, "the module was accepted");
	} else if (strcmp(stage, want) != 0) {
		snprintf(what, sizeof what, "rejected by the %s, not the %s: %s",
		         malformed ? "validator" : "decoder",
		         malformed ? "decoder" : "validator", msg);
		fail_cmd(fr, cmd, type, what);
	} else {
		bool matched = message_matches(msg, expected);
		snprintf(what, sizeof what, "%s: %s", stage, msg);
		pass_cmd(fr, cmd, type, matched, what);
	}
}

void front_assert_custom(file_run *fr, json_t *cmd, const char *type)
{
	char msg[CMN_ERROR_MSG_MAX + 4096];
	const char *stage;
	const char *expected = str_field(cmd, "text");
	check c = front_check_module(fr, cmd, msg, sizeof msg, &stage);
	if (c == CHECK_NO_FILE && strcmp(stage, "text") == 0) {
		converter_rejected(fr, cmd, type, msg);
	} else if (c == CHECK_OK) {
		pass_cmd(fr, cmd, type, false, "custom section ignored");
	} else if (c == CHECK_REJECTED && message_matches(msg, expected)) {
		pass_cmd(fr, cmd, type, true, msg);
	} else {
		char what[sizeof msg + 64];
		snprintf(what, sizeof what, "%s failed: %s", stage, msg);
		fail_cmd(fr, cmd, type, what);
	}
}
