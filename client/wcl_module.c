/*
 * wcl_module.c - loading modules (digest first, upload on a miss), their
 * imports and exports, digests.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "cmn_file.h"
#include "wcl_comp.h"
#include "wcl_error.h"
#include "wcl_module.h"

void wasmc_digest_compute(const uint8_t *data, size_t len, uint8_t out[32])
{
	SHA256(data, len, out);
}

void wasmc_digest_format(const uint8_t digest[32], char out[65])
{
	wcl_hex(digest, 32, out);
}

bool wasmc_digest_parse(const char *text, uint8_t out[32])
{
	if (text && strncmp(text, "sha256:", 7) == 0)
		text += 7;
	return wcl_unhex(text, out, 32);
}

void wcl_drop_handle(wasmc_conn *conn, const uint8_t handle[WCL_HANDLE_LEN])
{
	Wasmc__V1__Request req = WASMC__V1__REQUEST__INIT;
	Wasmc__V1__Drop drop = WASMC__V1__DROP__INIT;
	drop.handle.data = (uint8_t *)handle;
	drop.handle.len = WCL_HANDLE_LEN;
	req.body_case = WASMC__V1__REQUEST__BODY_DROP;
	req.drop = &drop;
	wcl_reply *r = NULL;
	wasmc_error *e = wcl_request(conn, conn->transport, &req, WCL_WAIT_SHORT,
	                             WASMC__V1__RESPONSE__BODY_OK, &r);
	wasmc_error_free(e);
	wcl_reply_free(r);
}

/* Builds a wasmc_module from a Module reply. */
static wasmc_error *module_from_reply(wasmc_conn *conn, const Wasmc__V1__Module *m,
                                      const uint8_t *expect_digest,
                                      wasmc_module **ret_module)
{
	wasmc_error *e;
	if (m == NULL || m->handle.len != WCL_HANDLE_LEN)
		return wcl_error(WASMC_ERR_PROTOCOL,
		                 "the daemon sent a module handle of %zu bytes (16 expected)",
		                 m ? m->handle.len : 0);
	if (m->digest.len != 32 ||
	    (expect_digest && memcmp(m->digest.data, expect_digest, 32) != 0))
		return wcl_error(WASMC_ERR_PROTOCOL,
		                 "the daemon sent a module whose digest is not the one asked for");
	wasmc_module *mod = calloc(1, sizeof *mod);
	if (mod == NULL)
		return wcl_error(WASMC_ERR_NO_MEMORY, "out of memory");
	memcpy(mod->handle, m->handle.data, WCL_HANDLE_LEN);
	memcpy(mod->digest, m->digest.data, 32);
	wcl_hex(mod->digest, 32, mod->digest_hex);
	e = wcl_externs_from_proto(m->imports, m->n_imports, m->exports,
	                           m->n_exports, &mod->externs);
	if (e) {
		free(mod);
		wcl_drop_handle(conn, m->handle.data);
		return e;
	}
	if (m->component) {
		e = wcl_component_from_proto(m->component, &mod->comp);
		if (e) {
			wcl_externs_free(&mod->externs);
			free(mod);
			wcl_drop_handle(conn, m->handle.data);
			return e;
		}
	}
	mod->cached = m->cached;
	mod->tier = (int)m->tier >= 0 && (int)m->tier <= 2 ? (wasmc_tier)m->tier
	                                                  : WASMC_TIER_DEFAULT;
	mod->compile_seconds = m->compile_seconds;
	wcl_conn_ref(conn);
	mod->conn = conn;
	*ret_module = mod;
	return NULL;
}

static wasmc_error *has_digest(wasmc_conn *conn, const uint8_t digest[32],
                               wasmc_module **ret_module)
{
	Wasmc__V1__Request req = WASMC__V1__REQUEST__INIT;
	Wasmc__V1__HasDigest hd = WASMC__V1__HAS_DIGEST__INIT;
	hd.digest.data = (uint8_t *)digest;
	hd.digest.len = 32;
	req.body_case = WASMC__V1__REQUEST__BODY_HAS_DIGEST;
	req.has_digest = &hd;
	wcl_reply *r;
	wasmc_error *e = wcl_request(conn, conn->transport, &req, WCL_WAIT_SHORT,
	                             WASMC__V1__RESPONSE__BODY_MODULE, &r);
	if (e)
		return e;
	e = module_from_reply(conn, r->msg->module, digest, ret_module);
	wcl_reply_free(r);
	return e;
}

wasmc_error *wasmc_module_open_digest(wasmc_conn *conn, const uint8_t digest[32],
                                      wasmc_module **ret_module)
{
	if (conn == NULL || digest == NULL || ret_module == NULL)
		return wcl_error(WASMC_ERR_BAD_ARGUMENT,
		                 "wasmc_module_open_digest: NULL argument");
	wasmc_error *e = has_digest(conn, digest, ret_module);
	if (e && wasmc_error_code(e) == WASMC_ERR_NOT_FOUND) {
		char hex[65];
		wcl_hex(digest, 32, hex);
		wasmc_error_free(e);
		return wcl_error(WASMC_ERR_NOT_FOUND,
		                 "no module with digest %s in the daemon's cache", hex);
	}
	return e;
}

wasmc_error *wasmc_module_load(wasmc_conn *conn, const uint8_t *wasm, size_t len,
                               wasmc_tier tier, wasmc_module **ret_module)
{
	uint8_t digest[32];
	wasmc_error *e;
	if (conn == NULL || (wasm == NULL && len) || ret_module == NULL)
		return wcl_error(WASMC_ERR_BAD_ARGUMENT, "wasmc_module_load: NULL argument");
	if ((int)tier < WASMC_TIER_DEFAULT || (int)tier > WASMC_TIER_OPTIMIZED)
		return wcl_error(WASMC_ERR_BAD_ARGUMENT, "wasmc_module_load: unknown tier %d",
		                 (int)tier);
	wasmc_digest_compute(wasm ? wasm : (const uint8_t *)"", len, digest);
	e = has_digest(conn, digest, ret_module);
	if (e == NULL || wasmc_error_code(e) != WASMC_ERR_NOT_FOUND)
		return e;
	wasmc_error_free(e);

	Wasmc__V1__Request req = WASMC__V1__REQUEST__INIT;
	Wasmc__V1__Upload up = WASMC__V1__UPLOAD__INIT;
	up.wasm.data = (uint8_t *)wasm;
	up.wasm.len = len;
	up.tier = (Wasmc__V1__Tier)tier;
	req.body_case = WASMC__V1__REQUEST__BODY_UPLOAD;
	req.upload = &up;
	wcl_reply *r;
	e = wcl_request(conn, conn->transport, &req, WCL_WAIT_LONG,
	                WASMC__V1__RESPONSE__BODY_MODULE, &r);
	if (e)
		return e;
	e = module_from_reply(conn, r->msg->module, digest, ret_module);
	wcl_reply_free(r);
	return e;
}

wasmc_error *wasmc_module_load_file(wasmc_conn *conn, const char *path,
                                    wasmc_tier tier, wasmc_module **ret_module)
{
	cmn_error err;
	size_t len;
	if (path == NULL)
		return wcl_error(WASMC_ERR_BAD_ARGUMENT, "wasmc_module_load_file: NULL path");
	uint8_t *bytes = cmn_read_file(path, &len, &err);
	if (bytes == NULL)
		return wcl_error(WASMC_ERR_IO, "%s", err.msg);
	wasmc_error *e = wasmc_module_load(conn, bytes, len, tier, ret_module);
	free(bytes);
	if (e && wasmc_error_code(e) == WASMC_ERR_INVALID_MODULE)
		e = wcl_error_prefix(e, path);
	return e;
}

void wasmc_module_free(wasmc_module *module)
{
	if (module == NULL)
		return;
	wcl_drop_handle(module->conn, module->handle);
	wcl_externs_free(&module->externs);
	wcl_component_unref(module->comp);
	wcl_conn_unref(module->conn);
	free(module);
}

size_t wasmc_module_import_count(const wasmc_module *module)
{
	return module->externs.nimports;
}

const wasmc_import *wasmc_module_import_get(const wasmc_module *module, size_t i)
{
	return i < module->externs.nimports ? &module->externs.imports[i] : NULL;
}

size_t wasmc_module_export_count(const wasmc_module *module)
{
	return module->externs.nexports;
}

const wasmc_export *wasmc_module_export_get(const wasmc_module *module, size_t i)
{
	return i < module->externs.nexports ? &module->externs.exports[i] : NULL;
}

const wasmc_export *wasmc_module_export_find(const wasmc_module *module,
                                             const char *name)
{
	return wcl_export_find(module->externs.exports, module->externs.nexports, name);
}

const uint8_t *wasmc_module_digest(const wasmc_module *module)
{
	return module->digest;
}

const char *wasmc_module_digest_hex(const wasmc_module *module)
{
	return module->digest_hex;
}

bool wasmc_module_cached(const wasmc_module *module)
{
	return module->cached;
}

double wasmc_module_compile_seconds(const wasmc_module *module)
{
	return module->compile_seconds;
}

wasmc_tier wasmc_module_tier(const wasmc_module *module)
{
	return module->tier;
}
