/*
 * wcl_proto.c - packing requests, unpacking replies, converting values and
 * types between wasmc.v1 and the public structs.
 */
#include <stdlib.h>
#include <string.h>

#include "wcl_error.h"
#include "wcl_proto.h"
#include "wcl_text.h"

/* protobuf-c allocates a few times the wire size for repeated small
 * messages; the budget bounds what a reply may cost. */
#define WCL_BUDGET_FACTOR 32
#define WCL_BUDGET_BASE ((size_t)1 << 20)
/* Messages in a reply nest at most this deep (Response > CallReply >
 * HostCall > Value; Module > Export > ExternType > FuncType). */
#define WCL_MAX_DEPTH 8

wasmc_error *wcl_request_pack(const Wasmc__V1__Request *req, uint8_t **ret_buf,
                              size_t *ret_len)
{
	size_t len = wasmc__v1__request__get_packed_size(req);
	uint8_t *buf = malloc(len ? len : 1);
	if (buf == NULL)
		return wcl_error(WASMC_ERR_NO_MEMORY,
		                 "out of memory packing a %zu-byte request", len);
	size_t n = wasmc__v1__request__pack(req, buf);
	if (n != len) {
		free(buf);
		return wcl_error(WASMC_ERR_INTERNAL,
		                 "packing a request gave %zu bytes, expected %zu", n, len);
	}
	*ret_buf = buf;
	*ret_len = len;
	return NULL;
}

wasmc_error *wcl_reply_unpack(const uint8_t *buf, size_t len,
                              wcl_reply **ret_reply)
{
	wcl_reply *r = calloc(1, sizeof *r);
	if (r == NULL)
		return wcl_error(WASMC_ERR_NO_MEMORY, "out of memory");
	size_t limit = WCL_BUDGET_BASE;
	if (len > (SIZE_MAX - limit) / WCL_BUDGET_FACTOR)
		limit = SIZE_MAX;
	else
		limit += len * WCL_BUDGET_FACTOR;
	pb_budget_init(&r->budget, limit);
	r->msg = wasmc__v1__response__unpack(&r->budget.alloc, len, buf);
	if (r->msg == NULL) {
		bool over = r->budget.exceeded;
		free(r);
		return wcl_error(WASMC_ERR_PROTOCOL,
		                 over ? "the daemon's reply needs more memory than allowed (%zu bytes)"
		                      : "the daemon's reply (%zu bytes) is not a wasmc.v1 Response",
		                 len);
	}
	if (!pb_message_utf8_valid(&r->msg->base, WCL_MAX_DEPTH)) {
		wcl_reply_free(r);
		return wcl_error(WASMC_ERR_PROTOCOL,
		                 "the daemon's reply has a string that is not valid UTF-8");
	}
	if (r->msg->body_case == WASMC__V1__RESPONSE__BODY__NOT_SET) {
		wcl_reply_free(r);
		return wcl_error(WASMC_ERR_PROTOCOL, "the daemon's reply is empty");
	}
	*ret_reply = r;
	return NULL;
}

void wcl_reply_free(wcl_reply *reply)
{
	if (reply == NULL)
		return;
	if (reply->msg)
		wasmc__v1__response__free_unpacked(reply->msg, &reply->budget.alloc);
	free(reply);
}

const char *wcl_response_body_name(Wasmc__V1__Response__BodyCase c)
{
	switch (c) {
	case WASMC__V1__RESPONSE__BODY_ERROR: return "error";
	case WASMC__V1__RESPONSE__BODY_HELLO: return "hello";
	case WASMC__V1__RESPONSE__BODY_MODULE: return "module";
	case WASMC__V1__RESPONSE__BODY_INSTANCE: return "instance";
	case WASMC__V1__RESPONSE__BODY_CALL: return "call";
	case WASMC__V1__RESPONSE__BODY_OK: return "ok";
	case WASMC__V1__RESPONSE__BODY_CACHE_LIST: return "cache_list";
	case WASMC__V1__RESPONSE__BODY_CACHE_GC: return "cache_gc";
	case WASMC__V1__RESPONSE__BODY_CACHE_VERIFY: return "cache_verify";
	case WASMC__V1__RESPONSE__BODY_PROCESS_LIST: return "process_list";
	case WASMC__V1__RESPONSE__BODY_STATUS: return "status";
	default: break;
	}
	return "unknown";
}

wasmc_valkind wcl_valkind_from_proto(int t)
{
	if (t >= WASMC_I32 && t <= WASMC_EXTERNREF)
		return (wasmc_valkind)t;
	return WASMC_VALKIND_OTHER;
}

void wcl_value_to_proto(const wasmc_val *v, Wasmc__V1__Value *out,
                        uint8_t v128_storage[16])
{
	wasmc__v1__value__init(out);
	out->type = (Wasmc__V1__ValType)v->kind;
	switch (v->kind) {
	case WASMC_I32:
		out->bits = (uint32_t)v->of.i32;
		break;
	case WASMC_I64:
		out->bits = (uint64_t)v->of.i64;
		break;
	case WASMC_F32:
		out->bits = wasmc_val_get_f32_bits(v);
		break;
	case WASMC_F64:
		out->bits = wasmc_val_get_f64_bits(v);
		break;
	case WASMC_V128:
		memcpy(v128_storage, v->of.v128, 16);
		out->v128.data = v128_storage;
		out->v128.len = 16;
		break;
	case WASMC_FUNCREF:
	case WASMC_EXTERNREF:
		out->is_null = v->of.ref.is_null;
		out->bits = v->of.ref.is_null ? 0 : v->of.ref.token;
		break;
	case WASMC_VALKIND_OTHER:
		break;
	}
}

wasmc_error *wcl_value_from_proto(const Wasmc__V1__Value *in,
                                  wasmc_valkind expect, wasmc_val *ret_val)
{
	wasmc_valkind k = wcl_valkind_from_proto((int)in->type);
	if (k != expect || k == WASMC_VALKIND_OTHER)
		return wcl_error(WASMC_ERR_PROTOCOL,
		                 "the daemon sent a value of type %s where %s was expected",
		                 k == WASMC_VALKIND_OTHER ? "unknown" : wasmc_valkind_name(k),
		                 wasmc_valkind_name(expect));
	wasmc_val v;
	memset(&v, 0, sizeof v);
	switch (k) {
	case WASMC_I32:
		v = wasmc_val_i32((int32_t)(uint32_t)in->bits);
		break;
	case WASMC_I64:
		v = wasmc_val_i64((int64_t)in->bits);
		break;
	case WASMC_F32:
		v = wasmc_val_f32_bits((uint32_t)in->bits);
		break;
	case WASMC_F64:
		v = wasmc_val_f64_bits(in->bits);
		break;
	case WASMC_V128:
		if (in->v128.len != 16)
			return wcl_error(WASMC_ERR_PROTOCOL,
			                 "the daemon sent a v128 of %zu bytes (16 expected)",
			                 in->v128.len);
		v = wasmc_val_v128(in->v128.data);
		break;
	case WASMC_FUNCREF:
	case WASMC_EXTERNREF:
		v.kind = k;
		v.of.ref.is_null = in->is_null;
		v.of.ref.token = in->is_null ? 0 : in->bits;
		break;
	case WASMC_VALKIND_OTHER:
		break;
	}
	*ret_val = v;
	return NULL;
}

/* ---- types ---- */

static wasmc_error *kinds_from_proto(const Wasmc__V1__ValType *in, size_t n,
                                     const wasmc_valkind **ret)
{
	if (n == 0) {
		*ret = NULL;
		return NULL;
	}
	wasmc_valkind *k = malloc(n * sizeof *k);
	if (k == NULL)
		return wcl_error(WASMC_ERR_NO_MEMORY, "out of memory");
	for (size_t i = 0; i < n; i++)
		k[i] = wcl_valkind_from_proto((int)in[i]);
	*ret = k;
	return NULL;
}

static void externtype_free(wasmc_externtype *t)
{
	free((void *)t->func.params);
	free((void *)t->func.results);
	free((void *)t->text);
	memset(t, 0, sizeof *t);
}

static wasmc_error *externtype_from_proto(const Wasmc__V1__ExternType *in,
                                          wasmc_externtype *out)
{
	wasmc_error *e;
	memset(out, 0, sizeof *out);
	out->page_size_log2 = 16;
	if (in == NULL) {
		out->text = strdup("");
		return out->text ? NULL : wcl_error(WASMC_ERR_NO_MEMORY, "out of memory");
	}
	if ((int)in->kind < WASMC_EXTERN_FUNC || (int)in->kind > WASMC_EXTERN_TAG)
		return wcl_error(WASMC_ERR_PROTOCOL,
		                 "the daemon sent an unknown extern kind %d", (int)in->kind);
	out->kind = (wasmc_externkind)in->kind;
	out->text = strdup(in->text ? in->text : "");
	if (out->text == NULL)
		return wcl_error(WASMC_ERR_NO_MEMORY, "out of memory");
	if (in->func) {
		e = kinds_from_proto(in->func->params, in->func->n_params,
		                     &out->func.params);
		if (e)
			goto fail;
		out->func.nparams = in->func->n_params;
		e = kinds_from_proto(in->func->results, in->func->n_results,
		                     &out->func.results);
		if (e)
			goto fail;
		out->func.nresults = in->func->n_results;
	}
	out->table_elem = wcl_valkind_from_proto((int)in->table_elem);
	if (in->limits) {
		out->limits.min = in->limits->min;
		out->limits.max = in->limits->max;
		out->limits.has_max = in->limits->has_max;
	}
	out->is64 = in->memory64;
	out->shared = in->shared;
	if (in->page_size_log2)
		out->page_size_log2 = in->page_size_log2;
	out->global_type = wcl_valkind_from_proto((int)in->global_type);
	out->global_mutable = in->global_mutable;
	return NULL;
fail:
	externtype_free(out);
	return e;
}

void wcl_externs_free(wcl_externs *ex)
{
	for (size_t i = 0; i < ex->nimports; i++) {
		free((void *)ex->imports[i].module);
		free((void *)ex->imports[i].name);
		externtype_free(&ex->imports[i].type);
	}
	for (size_t i = 0; i < ex->nexports; i++) {
		free((void *)ex->exports[i].name);
		externtype_free(&ex->exports[i].type);
	}
	free(ex->imports);
	free(ex->exports);
	memset(ex, 0, sizeof *ex);
}

wasmc_error *wcl_externs_from_proto(Wasmc__V1__Import *const *imports,
                                    size_t nimports,
                                    Wasmc__V1__Export *const *exports,
                                    size_t nexports, wcl_externs *ret)
{
	wcl_externs ex;
	wasmc_error *e = NULL;
	memset(&ex, 0, sizeof ex);
	if (nimports) {
		ex.imports = calloc(nimports, sizeof *ex.imports);
		if (ex.imports == NULL)
			goto oom;
	}
	if (nexports) {
		ex.exports = calloc(nexports, sizeof *ex.exports);
		if (ex.exports == NULL)
			goto oom;
	}
	for (size_t i = 0; i < nimports; i++) {
		const Wasmc__V1__Import *im = imports[i];
		wasmc_import *out = &ex.imports[i];
		ex.nimports = i + 1;
		out->module = strdup(im->module ? im->module : "");
		out->name = strdup(im->name ? im->name : "");
		if (out->module == NULL || out->name == NULL)
			goto oom;
		e = externtype_from_proto(im->type, &out->type);
		if (e)
			goto fail;
	}
	for (size_t i = 0; i < nexports; i++) {
		const Wasmc__V1__Export *ex_in = exports[i];
		wasmc_export *out = &ex.exports[i];
		ex.nexports = i + 1;
		out->name = strdup(ex_in->name ? ex_in->name : "");
		if (out->name == NULL)
			goto oom;
		e = externtype_from_proto(ex_in->type, &out->type);
		if (e)
			goto fail;
	}
	*ret = ex;
	return NULL;
oom:
	e = wcl_error(WASMC_ERR_NO_MEMORY, "out of memory");
fail:
	/* Entries past the failing one are zeroed (calloc). */
	wcl_externs_free(&ex);
	return e;
}

wasmc_error *wcl_functype_copy(const wasmc_functype *src, wasmc_functype *dst,
                               void **ret_block)
{
	size_t n = src->nparams + src->nresults;
	wasmc_valkind *block = malloc((n ? n : 1) * sizeof *block);
	if (block == NULL)
		return wcl_error(WASMC_ERR_NO_MEMORY, "out of memory");
	if (src->nparams)
		memcpy(block, src->params, src->nparams * sizeof *block);
	if (src->nresults)
		memcpy(block + src->nparams, src->results,
		       src->nresults * sizeof *block);
	dst->nparams = src->nparams;
	dst->params = block;
	dst->nresults = src->nresults;
	dst->results = block + src->nparams;
	*ret_block = block;
	return NULL;
}

const wasmc_export *wcl_export_find(const wasmc_export *exports, size_t n,
                                    const char *name)
{
	if (name == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (strcmp(exports[i].name, name) == 0)
			return &exports[i];
	return NULL;
}

wasmc_error *wcl_error_from_proto(const Wasmc__V1__Error *err)
{
	int c = (int)err->code;
	wasmc_errcode code = c >= WASMC_ERR_BAD_REQUEST && c <= WASMC_ERR_INSTANCE_DEAD
	                             ? (wasmc_errcode)c
	                             : WASMC_ERR_INTERNAL;
	if (err->message == NULL || err->message[0] == '\0')
		return wcl_error(code, "daemon: %s", wasmc_errcode_name(code));
	return wcl_error(code, "%s", err->message);
}

void wcl_hex(const uint8_t *bytes, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[bytes[i] >> 4];
		out[2 * i + 1] = digits[bytes[i] & 15];
	}
	out[2 * n] = '\0';
}

bool wcl_unhex(const char *text, uint8_t *out, size_t n)
{
	if (text == NULL || strlen(text) != 2 * n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (wcl_hexval(text[2 * i]) < 0 || wcl_hexval(text[2 * i + 1]) < 0)
			return false;
	for (size_t i = 0; i < n; i++)
		out[i] = (uint8_t)(wcl_hexval(text[2 * i]) << 4 | wcl_hexval(text[2 * i + 1]));
	return true;
}
