/*
 * fuzz_request.c - libFuzzer target for wasmcd's request decoding
 * (daemon/wcd_decode.h): arbitrary bytes as a client request. Anything
 * that decodes is packed again and, when that decodes, must be the same kind
 * of request; nothing may crash, leak or allocate past the budget, and
 * every refusal carries a message.
 *
 * Seeds: with WASMC_FUZZ_SEED_DIR set, LLVMFuzzerInitialize writes one
 * valid request of every kind there (tests/fuzz/run.sh does this), so the
 * fuzzer starts from the protocol's shapes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wcd_decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static void write_seed(const char *dir, const char *name, const Wasmc__V1__Request *req)
{
	size_t n = wasmc__v1__request__get_packed_size(req);
	uint8_t *buf = malloc(n ? n : 1);
	if (!buf)
		return;
	wasmc__v1__request__pack(req, buf);
	char path[512];
	snprintf(path, sizeof path, "%s/%s.pb", dir, name);
	FILE *f = fopen(path, "wb");
	if (f) {
		fwrite(buf, 1, n, f);
		fclose(f);
	}
	free(buf);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	const char *dir = getenv("WASMC_FUZZ_SEED_DIR");
	if (!dir)
		return 0;
	uint8_t handle[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
	uint8_t digest[32] = {0xab};
	uint8_t wasm[] = {0, 'a', 's', 'm', 1, 0, 0, 0};
	Wasmc__V1__Request req = WASMC__V1__REQUEST__INIT;

	Wasmc__V1__Hello hello = WASMC__V1__HELLO__INIT;
	hello.protocol = 1;
	hello.client = "fuzz";
	req.body_case = WASMC__V1__REQUEST__BODY_HELLO;
	req.hello = &hello;
	write_seed(dir, "hello", &req);

	Wasmc__V1__HasDigest hd = WASMC__V1__HAS_DIGEST__INIT;
	hd.digest.data = digest;
	hd.digest.len = 32;
	req.body_case = WASMC__V1__REQUEST__BODY_HAS_DIGEST;
	req.has_digest = &hd;
	write_seed(dir, "has-digest", &req);

	Wasmc__V1__Upload up = WASMC__V1__UPLOAD__INIT;
	up.wasm.data = wasm;
	up.wasm.len = sizeof wasm;
	req.body_case = WASMC__V1__REQUEST__BODY_UPLOAD;
	req.upload = &up;
	write_seed(dir, "upload", &req);

	Wasmc__V1__Instantiate in = WASMC__V1__INSTANTIATE__INIT;
	Wasmc__V1__InstanceLimits lim = WASMC__V1__INSTANCE_LIMITS__INIT;
	Wasmc__V1__ImportDef def = WASMC__V1__IMPORT_DEF__INIT, *defs[1] = {&def};
	lim.fuel = 1000;
	lim.deadline_ms = 50;
	def.module = "host";
	def.name = "cb";
	def.func_id = 3;
	in.module.data = handle;
	in.module.len = 16;
	in.limits = &lim;
	in.n_imports = 1;
	in.imports = defs;
	req.body_case = WASMC__V1__REQUEST__BODY_INSTANTIATE;
	req.instantiate = &in;
	write_seed(dir, "instantiate", &req);

	Wasmc__V1__Call call = WASMC__V1__CALL__INIT;
	Wasmc__V1__Value v[3] = {WASMC__V1__VALUE__INIT, WASMC__V1__VALUE__INIT,
	                         WASMC__V1__VALUE__INIT};
	Wasmc__V1__Value *vp[3] = {&v[0], &v[1], &v[2]};
	uint8_t lanes[16] = {0};
	v[0].type = WASMC__V1__VAL_TYPE__I32;
	v[0].bits = 7;
	v[1].type = WASMC__V1__VAL_TYPE__V128;
	v[1].v128.data = lanes;
	v[1].v128.len = 16;
	v[2].type = WASMC__V1__VAL_TYPE__EXTERNREF;
	v[2].is_null = 1;
	call.instance.data = handle;
	call.instance.len = 16;
	call.export = "add";
	call.n_args = 3;
	call.args = vp;
	req.body_case = WASMC__V1__REQUEST__BODY_CALL;
	req.call = &call;
	write_seed(dir, "call", &req);

	Wasmc__V1__HostReturn hr = WASMC__V1__HOST_RETURN__INIT;
	Wasmc__V1__Results res = WASMC__V1__RESULTS__INIT;
	res.n_values = 1;
	res.values = vp;
	hr.instance.data = handle;
	hr.instance.len = 16;
	hr.token.data = handle;
	hr.token.len = 16;
	hr.outcome_case = WASMC__V1__HOST_RETURN__OUTCOME_RESULTS;
	hr.results = &res;
	req.body_case = WASMC__V1__REQUEST__BODY_HOST_RETURN;
	req.host_return = &hr;
	write_seed(dir, "host-return", &req);

	Wasmc__V1__CacheGc gc = WASMC__V1__CACHE_GC__INIT;
	gc.budget_bytes = 1 << 20;
	req.body_case = WASMC__V1__REQUEST__BODY_CACHE_GC;
	req.cache_gc = &gc;
	write_seed(dir, "cache-gc", &req);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pb_budget b;
	Wasmc__V1__Request *req = NULL;
	char msg[256];
	Wasmc__V1__ErrorCode code =
		wcd_request_decode(data, size, 1u << 20, &b, &req, msg, sizeof msg);
	if (code != WASMC__V1__ERROR_CODE__ERROR_NONE) {
		if (!msg[0])
			abort(); /* every refusal says why */
		return 0;
	}
	/* Pack it again: when that decodes, it is the same request kind.
	 * (It may not decode: protobuf-c keeps unknown fields, even ones with
	 * the invalid field number 0, and packs them back verbatim.) */
	size_t n = wasmc__v1__request__get_packed_size(req);
	uint8_t *buf = malloc(n ? n : 1);
	if (buf) {
		wasmc__v1__request__pack(req, buf);
		pb_budget b2;
		Wasmc__V1__Request *again = NULL;
		if (wcd_request_decode(buf, n, 1u << 21, &b2, &again, msg, sizeof msg) ==
		    WASMC__V1__ERROR_CODE__ERROR_NONE) {
			if (again->body_case != req->body_case)
				abort();
			wasmc__v1__request__free_unpacked(again, &b2.alloc);
		}
		if (b2.used != 0)
			abort(); /* the budget must balance */
		free(buf);
	}
	wasmc__v1__request__free_unpacked(req, &b.alloc);
	if (b.used != 0)
		abort();
	return 0;
}
