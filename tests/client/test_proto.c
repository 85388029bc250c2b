/*
 * test_proto.c - the client's protocol layer without a daemon: requests
 * pack and unpack to the same message, replies are unpacked with checks
 * (garbage, bad UTF-8, empty bodies refused), values and types convert
 * both ways with exact bits.
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "wcl_error.h"
#include "wcl_proto.h"

static uint8_t *pack_response(const Wasmc__V1__Response *r, size_t *len)
{
	*len = wasmc__v1__response__get_packed_size(r);
	uint8_t *buf = malloc(*len ? *len : 1);
	cr_assert_not_null(buf);
	cr_assert_eq(wasmc__v1__response__pack(r, buf), *len);
	return buf;
}

Test(proto, call_request_round_trip)
{
	wasmc_val vals[] = {
		wasmc_val_i32(-7), wasmc_val_i64(INT64_MIN), wasmc_val_f32_bits(0x7fa00001u),
		wasmc_val_f64_bits(0xfff8000000000123ull), wasmc_val_externref(99),
		wasmc_val_funcref_null(),
	};
	uint8_t b[16];
	for (int i = 0; i < 16; i++)
		b[i] = (uint8_t)(0xA0 + i);
	wasmc_val v128 = wasmc_val_v128(b);
	size_t n = sizeof vals / sizeof vals[0];
	Wasmc__V1__Value pv[8], *pp[8];
	uint8_t store[8][16];
	for (size_t i = 0; i < n; i++) {
		wcl_value_to_proto(&vals[i], &pv[i], store[i]);
		pp[i] = &pv[i];
	}
	wcl_value_to_proto(&v128, &pv[n], store[n]);
	pp[n] = &pv[n];

	uint8_t handle[16], parent[16];
	memset(handle, 0x11, 16);
	memset(parent, 0x22, 16);
	Wasmc__V1__Request req = WASMC__V1__REQUEST__INIT;
	Wasmc__V1__Call call = WASMC__V1__CALL__INIT;
	call.instance.data = handle;
	call.instance.len = 16;
	call.export = "f\xc3\xa9";
	call.n_args = n + 1;
	call.args = pp;
	call.parent.data = parent;
	call.parent.len = 16;
	req.body_case = WASMC__V1__REQUEST__BODY_CALL;
	req.call = &call;

	uint8_t *buf;
	size_t len;
	wasmc_error *e = wcl_request_pack(&req, &buf, &len);
	cr_assert_null(e, "%s", wasmc_error_message(e));
	Wasmc__V1__Request *back = wasmc__v1__request__unpack(NULL, len, buf);
	cr_assert_not_null(back);
	cr_assert_eq(back->body_case, WASMC__V1__REQUEST__BODY_CALL);
	cr_assert_str_eq(back->call->export, "f\xc3\xa9");
	cr_assert_eq(back->call->instance.len, 16);
	cr_assert_arr_eq(back->call->parent.data, parent, 16);
	cr_assert_eq(back->call->n_args, n + 1);
	for (size_t i = 0; i < n; i++) {
		wasmc_val v;
		e = wcl_value_from_proto(back->call->args[i], vals[i].kind, &v);
		cr_assert_null(e, "arg %zu: %s", i, wasmc_error_message(e));
		cr_assert_eq(v.kind, vals[i].kind);
		switch (v.kind) {
		case WASMC_F32:
			cr_assert_eq(wasmc_val_get_f32_bits(&v), 0x7fa00001u, "NaN payload kept");
			break;
		case WASMC_F64:
			cr_assert_eq(wasmc_val_get_f64_bits(&v), 0xfff8000000000123ull);
			break;
		case WASMC_EXTERNREF:
			cr_assert_eq(v.of.ref.token, 99);
			cr_assert(!v.of.ref.is_null);
			break;
		case WASMC_FUNCREF:
			cr_assert(v.of.ref.is_null);
			break;
		case WASMC_I32:
			cr_assert_eq(v.of.i32, -7);
			cr_assert_eq(back->call->args[i]->bits, 0xfffffff9u, "i32 in the low 32 bits");
			break;
		default:
			cr_assert_eq(v.of.i64, INT64_MIN);
		}
	}
	wasmc_val v;
	e = wcl_value_from_proto(back->call->args[n], WASMC_V128, &v);
	cr_assert_null(e);
	cr_assert_arr_eq(v.of.v128, b, 16);
	wasmc__v1__request__free_unpacked(back, NULL);
	free(buf);
}

Test(proto, value_kind_checks)
{
	Wasmc__V1__Value pv = WASMC__V1__VALUE__INIT;
	wasmc_val v = wasmc_val_i32(5);
	pv.type = WASMC__V1__VAL_TYPE__I64;
	wasmc_error *e = wcl_value_from_proto(&pv, WASMC_I32, &v);
	cr_assert_not_null(e);
	cr_assert_eq(wasmc_error_code(e), WASMC_ERR_PROTOCOL);
	cr_assert_str_eq(wasmc_error_message(e),
	                 "the daemon sent a value of type i64 where i32 was expected");
	cr_assert_eq(v.of.i32, 5, "output untouched on failure");
	wasmc_error_free(e);

	uint8_t short_v128[3] = {1, 2, 3};
	pv.type = WASMC__V1__VAL_TYPE__V128;
	pv.v128.data = short_v128;
	pv.v128.len = 3;
	e = wcl_value_from_proto(&pv, WASMC_V128, &v);
	cr_assert_not_null(e);
	cr_assert(strstr(wasmc_error_message(e), "v128 of 3 bytes"));
	wasmc_error_free(e);

	pv.type = (Wasmc__V1__ValType)42;
	e = wcl_value_from_proto(&pv, WASMC_I32, &v);
	cr_assert_not_null(e);
	cr_assert(strstr(wasmc_error_message(e), "type unknown"));
	wasmc_error_free(e);
}

Test(proto, module_reply_types)
{
	Wasmc__V1__ValType params[] = {WASMC__V1__VAL_TYPE__I32, WASMC__V1__VAL_TYPE__F64};
	Wasmc__V1__ValType results[] = {WASMC__V1__VAL_TYPE__I64};
	Wasmc__V1__FuncType ft = WASMC__V1__FUNC_TYPE__INIT;
	ft.n_params = 2;
	ft.params = params;
	ft.n_results = 1;
	ft.results = results;
	Wasmc__V1__ExternType fty = WASMC__V1__EXTERN_TYPE__INIT;
	fty.kind = WASMC__V1__EXTERN_KIND__EXTERN_FUNC;
	fty.func = &ft;
	Wasmc__V1__Limits lim = WASMC__V1__LIMITS__INIT;
	lim.min = 1;
	lim.max = 16;
	lim.has_max = true;
	Wasmc__V1__ExternType mty = WASMC__V1__EXTERN_TYPE__INIT;
	mty.kind = WASMC__V1__EXTERN_KIND__EXTERN_MEMORY;
	mty.limits = &lim;
	Wasmc__V1__ExternType gty = WASMC__V1__EXTERN_TYPE__INIT;
	gty.kind = WASMC__V1__EXTERN_KIND__EXTERN_GLOBAL;
	gty.global_type = WASMC__V1__VAL_TYPE__F32;
	gty.global_mutable = true;
	Wasmc__V1__ExternType oty = WASMC__V1__EXTERN_TYPE__INIT;
	oty.kind = WASMC__V1__EXTERN_KIND__EXTERN_GLOBAL;
	oty.text = "(ref null $t)";

	Wasmc__V1__Import im = WASMC__V1__IMPORT__INIT;
	im.module = "env";
	im.name = "f";
	im.type = &fty;
	Wasmc__V1__Import *imps[] = {&im};
	Wasmc__V1__Export e1 = WASMC__V1__EXPORT__INIT, e2 = WASMC__V1__EXPORT__INIT,
	                  e3 = WASMC__V1__EXPORT__INIT;
	e1.name = "memory";
	e1.type = &mty;
	e2.name = "g";
	e2.type = &gty;
	e3.name = "gc";
	e3.type = &oty;
	Wasmc__V1__Export *exps[] = {&e1, &e2, &e3};
	uint8_t handle[16] = {1}, digest[32] = {2};
	Wasmc__V1__Module m = WASMC__V1__MODULE__INIT;
	m.handle.data = handle;
	m.handle.len = 16;
	m.digest.data = digest;
	m.digest.len = 32;
	m.n_imports = 1;
	m.imports = imps;
	m.n_exports = 3;
	m.exports = exps;
	m.cached = true;
	Wasmc__V1__Response resp = WASMC__V1__RESPONSE__INIT;
	resp.body_case = WASMC__V1__RESPONSE__BODY_MODULE;
	resp.module = &m;

	size_t len;
	uint8_t *buf = pack_response(&resp, &len);
	wcl_reply *r;
	wasmc_error *e = wcl_reply_unpack(buf, len, &r);
	cr_assert_null(e, "%s", wasmc_error_message(e));
	cr_assert_eq(r->msg->body_case, WASMC__V1__RESPONSE__BODY_MODULE);
	wcl_externs ex;
	e = wcl_externs_from_proto(r->msg->module->imports, r->msg->module->n_imports,
	                           r->msg->module->exports, r->msg->module->n_exports, &ex);
	cr_assert_null(e, "%s", wasmc_error_message(e));
	wcl_reply_free(r);
	free(buf);

	cr_assert_eq(ex.nimports, 1);
	cr_assert_str_eq(ex.imports[0].module, "env");
	cr_assert_str_eq(ex.imports[0].name, "f");
	const wasmc_functype *f = &ex.imports[0].type.func;
	cr_assert_eq(ex.imports[0].type.kind, WASMC_EXTERN_FUNC);
	cr_assert_eq(f->nparams, 2);
	cr_assert_eq(f->params[1], WASMC_F64);
	cr_assert_eq(f->nresults, 1);
	cr_assert_eq(f->results[0], WASMC_I64);
	cr_assert_eq(ex.nexports, 3);
	cr_assert_eq(ex.exports[0].type.kind, WASMC_EXTERN_MEMORY);
	cr_assert_eq(ex.exports[0].type.limits.max, 16);
	cr_assert(ex.exports[0].type.limits.has_max);
	cr_assert_eq(ex.exports[0].type.page_size_log2, 16, "default page size");
	cr_assert_eq(ex.exports[1].type.global_type, WASMC_F32);
	cr_assert(ex.exports[1].type.global_mutable);
	cr_assert_str_eq(ex.exports[2].type.text, "(ref null $t)");
	cr_assert_eq(wcl_export_find(ex.exports, ex.nexports, "g"), &ex.exports[1]);
	cr_assert_null(wcl_export_find(ex.exports, ex.nexports, "nope"));

	wasmc_functype copy;
	void *block;
	e = wcl_functype_copy(f, &copy, &block);
	cr_assert_null(e);
	wcl_externs_free(&ex);
	cr_assert_eq(copy.nparams, 2);
	cr_assert_eq(copy.params[0], WASMC_I32);
	cr_assert_eq(copy.results[0], WASMC_I64);
	free(block);
}

Test(proto, bad_replies_are_refused)
{
	static const uint8_t garbage[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
	wcl_reply *r = (wcl_reply *)0x1;
	wasmc_error *e = wcl_reply_unpack(garbage, sizeof garbage, &r);
	cr_assert_not_null(e);
	cr_assert_eq(wasmc_error_code(e), WASMC_ERR_PROTOCOL);
	cr_assert(strstr(wasmc_error_message(e), "is not a wasmc.v1 Response"));
	cr_assert_eq(r, (wcl_reply *)0x1);
	wasmc_error_free(e);

	/* An empty message has no body. */
	e = wcl_reply_unpack((const uint8_t *)"", 0, &r);
	cr_assert_not_null(e);
	cr_assert_str_eq(wasmc_error_message(e), "the daemon's reply is empty");
	wasmc_error_free(e);

	/* A string that is not UTF-8. */
	Wasmc__V1__Error err = WASMC__V1__ERROR__INIT;
	err.code = WASMC__V1__ERROR_CODE__NOT_FOUND;
	err.message = "bad \xff byte";
	Wasmc__V1__Response resp = WASMC__V1__RESPONSE__INIT;
	resp.body_case = WASMC__V1__RESPONSE__BODY_ERROR;
	resp.error = &err;
	size_t len;
	uint8_t *buf = pack_response(&resp, &len);
	e = wcl_reply_unpack(buf, len, &r);
	cr_assert_not_null(e);
	cr_assert(strstr(wasmc_error_message(e), "not valid UTF-8"));
	wasmc_error_free(e);
	free(buf);

	/* A huge declared length is refused by the unpacker, not allocated. */
	static const uint8_t huge[] = {0x2a, 0xff, 0xff, 0xff, 0xff, 0x0f};
	e = wcl_reply_unpack(huge, sizeof huge, &r);
	cr_assert_not_null(e);
	cr_assert_eq(wasmc_error_code(e), WASMC_ERR_PROTOCOL);
	wasmc_error_free(e);
}

Test(proto, errors_from_the_daemon)
{
	Wasmc__V1__Error err = WASMC__V1__ERROR__INIT;
	err.code = WASMC__V1__ERROR_CODE__LINK_FAILED;
	err.message = "missing import env.f";
	wasmc_error *e = wcl_error_from_proto(&err);
	cr_assert_eq(wasmc_error_outcome(e), WASMC_ERROR);
	cr_assert_eq(wasmc_error_code(e), WASMC_ERR_LINK_FAILED);
	cr_assert_str_eq(wasmc_error_message(e), "missing import env.f");
	wasmc_error_free(e);

	err.code = (Wasmc__V1__ErrorCode)77;
	err.message = "";
	e = wcl_error_from_proto(&err);
	cr_assert_eq(wasmc_error_code(e), WASMC_ERR_INTERNAL);
	cr_assert_str_eq(wasmc_error_message(e), "daemon: internal error");
	wasmc_error_free(e);

	e = wcl_trap(WASMC_TRAP_DIV_ZERO, "integer divide by zero", "function 2 (div)");
	cr_assert_eq(wasmc_error_outcome(e), WASMC_TRAP);
	cr_assert_eq(wasmc_error_code(e), WASMC_ERR_NONE);
	cr_assert_eq(wasmc_error_trap_code(e), WASMC_TRAP_DIV_ZERO);
	cr_assert_str_eq(wasmc_error_location(e), "function 2 (div)");
	wasmc_error_free(e);

	e = wcl_error_prefix(wcl_error(WASMC_ERR_IO, "cannot open"), "x.wasm");
	cr_assert_str_eq(wasmc_error_message(e), "x.wasm: cannot open");
	wasmc_error_free(e);
}

/* Replies are untrusted: mutated copies of a valid reply either unpack
 * (and then convert without trouble) or are refused; never a crash. */
Test(proto, mutated_replies_never_crash)
{
	Wasmc__V1__ValType k[] = {WASMC__V1__VAL_TYPE__I32, WASMC__V1__VAL_TYPE__V128};
	Wasmc__V1__FuncType ft = WASMC__V1__FUNC_TYPE__INIT;
	ft.n_params = 2;
	ft.params = k;
	ft.n_results = 1;
	ft.results = k;
	Wasmc__V1__ExternType ty = WASMC__V1__EXTERN_TYPE__INIT;
	ty.func = &ft;
	Wasmc__V1__Export ex = WASMC__V1__EXPORT__INIT;
	ex.name = "exported-function";
	ex.type = &ty;
	Wasmc__V1__Export *exps[] = {&ex, &ex, &ex};
	uint8_t h[16] = {1};
	Wasmc__V1__Instance inst = WASMC__V1__INSTANCE__INIT;
	inst.handle.data = h;
	inst.handle.len = 16;
	inst.n_exports = 3;
	inst.exports = exps;
	Wasmc__V1__Response resp = WASMC__V1__RESPONSE__INIT;
	resp.body_case = WASMC__V1__RESPONSE__BODY_INSTANCE;
	resp.instance = &inst;
	size_t len;
	uint8_t *good = pack_response(&resp, &len);
	uint8_t *buf = malloc(len);
	uint64_t seed = 0x243f6a8885a308d3ull;
	unsigned unpacked = 0;
	for (int round = 0; round < 20000; round++) {
		memcpy(buf, good, len);
		int flips = 1 + round % 4;
		for (int f = 0; f < flips; f++) {
			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			buf[(seed >> 33) % len] = (uint8_t)(seed >> 17);
		}
		size_t n = round % 7 == 0 ? (size_t)((seed >> 40) % (len + 1)) : len;
		wcl_reply *r = NULL;
		wasmc_error *e = wcl_reply_unpack(buf, n, &r);
		if (e) {
			cr_assert_eq(wasmc_error_code(e), WASMC_ERR_PROTOCOL);
			wasmc_error_free(e);
			continue;
		}
		unpacked++;
		if (r->msg->body_case == WASMC__V1__RESPONSE__BODY_INSTANCE && r->msg->instance) {
			wcl_externs exs;
			e = wcl_externs_from_proto(NULL, 0, r->msg->instance->exports,
			                           r->msg->instance->n_exports, &exs);
			if (e == NULL)
				wcl_externs_free(&exs);
			wasmc_error_free(e);
		}
		wcl_reply_free(r);
	}
	cr_assert_gt(unpacked, 100, "the mutations should not all be refused");
	free(buf);
	free(good);
}
