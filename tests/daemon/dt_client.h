/*
 * dt_client.h - a raw wasmc.v1 client for the daemon tests: nng REQ +
 * protobuf-c, no libwasmc, so the tests see exactly what the daemon sends
 * and can send it anything (raw bytes included).
 *
 * A dt_conn is used by one thread at a time. Responses are unpacked with
 * the default allocator: free with dt_free.
 */
#ifndef DT_CLIENT_H
#define DT_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wasmc/v1/wasmc.pb-c.h"

typedef struct dt_conn dt_conn;

/* Connects to ipc://path (waits up to timeout_ms for the daemon). */
dt_conn *dt_connect(const char *path, int timeout_ms);
void dt_close(dt_conn *c);

/* Sends `req`, returns the response (NULL: transport failure or timeout,
 * see dt_last_error). */
Wasmc__V1__Response *dt_rpc(dt_conn *c, const Wasmc__V1__Request *req);
/* Sends raw bytes as a request. */
Wasmc__V1__Response *dt_raw(dt_conn *c, const void *buf, size_t len);
/* Receive timeout for the next calls (default 30 s). */
void dt_set_timeout(dt_conn *c, int ms);
const char *dt_last_error(const dt_conn *c);
void dt_free(Wasmc__V1__Response *r);

/* Shortcuts: build and send one request. */
Wasmc__V1__Response *dt_hello(dt_conn *c, uint32_t protocol);
Wasmc__V1__Response *dt_upload(dt_conn *c, const uint8_t *wasm, size_t len, Wasmc__V1__Tier tier);
Wasmc__V1__Response *dt_has_digest(dt_conn *c, const uint8_t *digest, size_t len);
/* imports: n (module, name, func_id) triples; limits may be NULL. */
Wasmc__V1__Response *dt_instantiate(dt_conn *c, const ProtobufCBinaryData *module,
                                    const Wasmc__V1__InstanceLimits *limits, size_t nimports,
                                    const char *const *modules, const char *const *names,
                                    const uint32_t *func_ids);
/* i32 arguments; parent may be NULL. */
Wasmc__V1__Response *dt_call(dt_conn *c, const ProtobufCBinaryData *inst, const char *export_name,
                             size_t nargs, const int32_t *args, const ProtobufCBinaryData *parent);
Wasmc__V1__Response *dt_host_return(dt_conn *c, const ProtobufCBinaryData *inst,
                                    const ProtobufCBinaryData *token, size_t nres,
                                    const int32_t *results, const char *trap);
Wasmc__V1__Response *dt_drop(dt_conn *c, const ProtobufCBinaryData *handle);
Wasmc__V1__Response *dt_simple(dt_conn *c, Wasmc__V1__Request__BodyCase which);
Wasmc__V1__Response *dt_digest_req(dt_conn *c, Wasmc__V1__Request__BodyCase which,
                                   const uint8_t *digest, bool flag);
Wasmc__V1__Response *dt_kill(dt_conn *c, const ProtobufCBinaryData *inst);

/* The error code of a response (ERROR_NONE when it is not an Error). */
Wasmc__V1__ErrorCode dt_code(const Wasmc__V1__Response *r);
const char *dt_errmsg(const Wasmc__V1__Response *r);

/* Packs a request into a malloc'd buffer. */
uint8_t *dt_pack(const Wasmc__V1__Request *req, size_t *ret_len);

#endif
