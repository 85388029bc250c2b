/*
 * dt_client.c - raw wasmc.v1 client for the daemon tests (dt_client.h).
 */
#include "dt_client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>

struct dt_conn {
	nng_socket sock;
	char err[256];
};

dt_conn *dt_connect(const char *path, int timeout_ms)
{
	dt_conn *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	if (nng_req0_open(&c->sock) != 0) {
		free(c);
		return NULL;
	}
	/* A call may take longer than nng's default resend time (60 s): never
	 * resend a request. */
	nng_socket_set_ms(c->sock, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE);
	nng_socket_set_ms(c->sock, NNG_OPT_RECVTIMEO, 30000);
	nng_socket_set_size(c->sock, NNG_OPT_RECVMAXSZ, (size_t)256 << 20);
	char url[512];
	snprintf(url, sizeof url, "ipc://%s", path);
	for (int waited = 0;; waited += 20) {
		if (nng_dial(c->sock, url, NULL, 0) == 0)
			return c;
		if (waited >= timeout_ms)
			break;
		struct timespec ts = {0, 20 * 1000000L};
		nanosleep(&ts, NULL);
	}
	nng_close(c->sock);
	free(c);
	return NULL;
}

void dt_close(dt_conn *c)
{
	if (!c)
		return;
	nng_close(c->sock);
	free(c);
}

void dt_set_timeout(dt_conn *c, int ms)
{
	nng_socket_set_ms(c->sock, NNG_OPT_RECVTIMEO, ms);
}

const char *dt_last_error(const dt_conn *c)
{
	return c->err;
}

void dt_free(Wasmc__V1__Response *r)
{
	if (r)
		wasmc__v1__response__free_unpacked(r, NULL);
}

Wasmc__V1__Response *dt_raw(dt_conn *c, const void *buf, size_t len)
{
	int rv = nng_send(c->sock, (void *)buf, len, 0);
	if (rv != 0) {
		snprintf(c->err, sizeof c->err, "send: %s", nng_strerror(rv));
		return NULL;
	}
	void *rbuf = NULL;
	size_t rlen = 0;
	rv = nng_recv(c->sock, &rbuf, &rlen, NNG_FLAG_ALLOC);
	if (rv != 0) {
		snprintf(c->err, sizeof c->err, "recv: %s", nng_strerror(rv));
		return NULL;
	}
	Wasmc__V1__Response *r = wasmc__v1__response__unpack(NULL, rlen, rbuf);
	nng_free(rbuf, rlen);
	if (!r)
		snprintf(c->err, sizeof c->err, "the daemon sent %zu bytes that are not a Response",
		         rlen);
	return r;
}

uint8_t *dt_pack(const Wasmc__V1__Request *req, size_t *ret_len)
{
	size_t len = wasmc__v1__request__get_packed_size(req);
	uint8_t *buf = malloc(len ? len : 1);
	if (buf)
		wasmc__v1__request__pack(req, buf);
	*ret_len = len;
	return buf;
}

Wasmc__V1__Response *dt_rpc(dt_conn *c, const Wasmc__V1__Request *req)
{
	size_t len;
	uint8_t *buf = dt_pack(req, &len);
	if (!buf)
		return NULL;
	Wasmc__V1__Response *r = dt_raw(c, buf, len);
	free(buf);
	return r;
}

Wasmc__V1__Response *dt_hello(dt_conn *c, uint32_t protocol)
{
	Wasmc__V1__Hello h = WASMC__V1__HELLO__INIT;
	h.protocol = protocol;
	h.client = "daemon-test";
	Wasmc__V1__Request req = WASMC__V1__REQUEST__INIT;
	req.body_case = WASMC__V1__REQUEST__BODY_HELLO;
	req.hello = &h;
	return dt_rpc(c, &req);
}

Wasmc__V1__Response *dt_upload(dt_conn *c, const uint8_t *wasm, size_t len, Wasmc__V1__Tier tier)
{
	Wasmc__V1__Upload u = WASMC__V1__UPLOAD__INIT;
	u.wasm.data = (uint8_t *)wasm;
	u.wasm.len = len;
	u.tier = tier;
	Wasmc__V1__Request req = WASMC__V1__REQUEST__INIT;
	req.body_case = WASMC__V1__REQUEST__BODY_UPLOAD;
	req.upload = &u;
	return dt_rpc(c, &req);
}

Wasmc__V1__Response *dt_has_digest(dt_conn *c, const uint8_t *digest, size_t len)
{
	Wasmc__V1__HasDigest h = WASMC__V1__HAS_DIGEST__INIT;
	h.digest.data = (uint8_t *)digest;
	h.digest.len = len;
	Wasmc__V1__Request req = WASMC__V1__REQUEST__INIT;
	req.body_case = WASMC__V1__REQUEST__BODY_HAS_DIGEST;
	req.has_digest = &h;
	return dt_rpc(c, &req);
}

Wasmc__V1__Response *dt_instantiate(dt_conn *c, const ProtobufCBinaryData *module,
                                    const Wasmc__V1__InstanceLimits *limits, size_t nimports,
                                    const char *const *modules, const char *const *names,
                                    const uint32_t *func_ids)
{
	Wasmc__V1__ImportDef defs[8], *ptrs[8];
	if (nimports > 8)
		return NULL;
	for (size_t i = 0; i < nimports; i++) {
		wasmc__v1__import_def__init(&defs[i]);
		defs[i].module = (char *)modules[i];
		defs[i].name = (char *)names[i];
		defs[i].func_id = func_ids[i];
		ptrs[i] = &defs[i];
	}
	Wasmc__V1__Instantiate in = WASMC__V1__INSTANTIATE__INIT;
	in.module = *module;
	in.limits = (Wasmc__V1__InstanceLimits *)limits;
	in.n_imports = nimports;
	in.imports = ptrs;
	Wasmc__V1__Request req = WASMC__V1__REQUEST__INIT;
	req.body_case = WASMC__V1__REQUEST__BODY_INSTANTIATE;
	req.instantiate = &in;
	return dt_rpc(c, &req);
}

static void i32_values(size_t n, const int32_t *v, Wasmc__V1__Value *vals, Wasmc__V1__Value **ptrs)
{
	for (size_t i = 0; i < n; i++) {
		wasmc__v1__value__init(&vals[i]);
		vals[i].type = WASMC__V1__VAL_TYPE__I32;
		vals[i].bits = (uint32_t)v[i];
		ptrs[i] = &vals[i];
	}
}

Wasmc__V1__Response *dt_call(dt_conn *c, const ProtobufCBinaryData *inst, const char *export_name,
                             size_t nargs, const int32_t *args, const ProtobufCBinaryData *parent)
{
	Wasmc__V1__Value vals[8], *ptrs[8];
	if (nargs > 8)
		return NULL;
	i32_values(nargs, args, vals, ptrs);
	Wasmc__V1__Call call = WASMC__V1__CALL__INIT;
	call.instance = *inst;
	call.export = (char *)export_name;
	call.n_args = nargs;
	call.args = ptrs;
	if (parent)
		call.parent = *parent;
	Wasmc__V1__Request req = WASMC__V1__REQUEST__INIT;
	req.body_case = WASMC__V1__REQUEST__BODY_CALL;
	req.call = &call;
	return dt_rpc(c, &req);
}

Wasmc__V1__Response *dt_host_return(dt_conn *c, const ProtobufCBinaryData *inst,
                                    const ProtobufCBinaryData *token, size_t nres,
                                    const int32_t *results, const char *trap)
{
	Wasmc__V1__Value vals[8], *ptrs[8];
	if (nres > 8)
		return NULL;
	i32_values(nres, results, vals, ptrs);
	Wasmc__V1__Results res = WASMC__V1__RESULTS__INIT;
	res.n_values = nres;
	res.values = ptrs;
	Wasmc__V1__HostReturn hr = WASMC__V1__HOST_RETURN__INIT;
	hr.instance = *inst;
	hr.token = *token;
	if (trap) {
		hr.outcome_case = WASMC__V1__HOST_RETURN__OUTCOME_TRAP;
		hr.trap = (char *)trap;
	} else {
		hr.outcome_case = WASMC__V1__HOST_RETURN__OUTCOME_RESULTS;
		hr.results = &res;
	}
	Wasmc__V1__Request req = WASMC__V1__REQUEST__INIT;
	req.body_case = WASMC__V1__REQUEST__BODY_HOST_RETURN;
	req.host_return = &hr;
	return dt_rpc(c, &req);
}

Wasmc__V1__Response *dt_drop(dt_conn *c, const ProtobufCBinaryData *handle)
{
	Wasmc__V1__Drop d = WASMC__V1__DROP__INIT;
	d.handle = *handle;
	Wasmc__V1__Request req = WASMC__V1__REQUEST__INIT;
	req.body_case = WASMC__V1__REQUEST__BODY_DROP;
	req.drop = &d;
	return dt_rpc(c, &req);
}

Wasmc__V1__Response *dt_kill(dt_conn *c, const ProtobufCBinaryData *inst)
{
	Wasmc__V1__ProcessKill k = WASMC__V1__PROCESS_KILL__INIT;
	k.instance = *inst;
	Wasmc__V1__Request req = WASMC__V1__REQUEST__INIT;
	req.body_case = WASMC__V1__REQUEST__BODY_PROCESS_KILL;
	req.process_kill = &k;
	return dt_rpc(c, &req);
}

Wasmc__V1__Response *dt_simple(dt_conn *c, Wasmc__V1__Request__BodyCase which)
{
	Wasmc__V1__Request req = WASMC__V1__REQUEST__INIT;
	Wasmc__V1__Status st = WASMC__V1__STATUS__INIT;
	Wasmc__V1__CacheList cl = WASMC__V1__CACHE_LIST__INIT;
	Wasmc__V1__CacheVerify cv = WASMC__V1__CACHE_VERIFY__INIT;
	Wasmc__V1__ProcessList pl = WASMC__V1__PROCESS_LIST__INIT;
	Wasmc__V1__CacheGc gc = WASMC__V1__CACHE_GC__INIT;
	req.body_case = which;
	switch (which) {
	case WASMC__V1__REQUEST__BODY_STATUS:
		req.status = &st;
		break;
	case WASMC__V1__REQUEST__BODY_CACHE_LIST:
		req.cache_list = &cl;
		break;
	case WASMC__V1__REQUEST__BODY_CACHE_VERIFY:
		req.cache_verify = &cv;
		break;
	case WASMC__V1__REQUEST__BODY_PROCESS_LIST:
		req.process_list = &pl;
		break;
	case WASMC__V1__REQUEST__BODY_CACHE_GC:
		gc.budget_bytes = 1; /* everything that may go */
		req.cache_gc = &gc;
		break;
	default:
		return NULL;
	}
	return dt_rpc(c, &req);
}

Wasmc__V1__Response *dt_digest_req(dt_conn *c, Wasmc__V1__Request__BodyCase which,
                                   const uint8_t *digest, bool flag)
{
	Wasmc__V1__Request req = WASMC__V1__REQUEST__INIT;
	Wasmc__V1__CacheRemove rm = WASMC__V1__CACHE_REMOVE__INIT;
	Wasmc__V1__CachePin pin = WASMC__V1__CACHE_PIN__INIT;
	req.body_case = which;
	if (which == WASMC__V1__REQUEST__BODY_CACHE_REMOVE) {
		rm.digest.data = (uint8_t *)digest;
		rm.digest.len = 32;
		req.cache_remove = &rm;
	} else if (which == WASMC__V1__REQUEST__BODY_CACHE_PIN) {
		pin.digest.data = (uint8_t *)digest;
		pin.digest.len = 32;
		pin.unpin = flag;
		req.cache_pin = &pin;
	} else
		return NULL;
	return dt_rpc(c, &req);
}

Wasmc__V1__ErrorCode dt_code(const Wasmc__V1__Response *r)
{
	if (!r || r->body_case != WASMC__V1__RESPONSE__BODY_ERROR)
		return WASMC__V1__ERROR_CODE__ERROR_NONE;
	return r->error->code;
}

const char *dt_errmsg(const Wasmc__V1__Response *r)
{
	if (!r)
		return "(no response)";
	if (r->body_case != WASMC__V1__RESPONSE__BODY_ERROR)
		return "(not an error)";
	return r->error->message ? r->error->message : "";
}
