/*
 * wcl_proto.h - the wasmc.v1 messages as libwasmc uses them: packing
 * requests, unpacking and checking replies, converting values and types
 * between the protocol and the public structs.
 *
 * Replies are untrusted input: they are unpacked with an allocation budget
 * and every string is checked for UTF-8 before the library hands anything
 * to the user. No function here does I/O; the unit tests drive them
 * without a daemon.
 */
#ifndef WCL_PROTO_H
#define WCL_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <wasmc/error.h>
#include <wasmc/types.h>
#include <wasmc/val.h>

#include "pb_util.h"
#include "wasmc/v1/wasmc.pb-c.h"

/* The protocol version this library speaks. */
#define WCL_PROTOCOL 1

/* An unpacked reply and the budget its memory came from. */
typedef struct wcl_reply {
	pb_budget budget;
	Wasmc__V1__Response *msg;
} wcl_reply;

/* Packs `req` into a new malloc'd buffer (*ret_buf, *ret_len). */
wasmc_error *wcl_request_pack(const Wasmc__V1__Request *req, uint8_t **ret_buf,
                              size_t *ret_len);

/* Unpacks and checks a reply of `len` bytes. WASMC_ERR_PROTOCOL when the
 * bytes are not a Response, exceed the allocation budget, carry invalid
 * UTF-8 or no body. */
wasmc_error *wcl_reply_unpack(const uint8_t *buf, size_t len,
                              wcl_reply **ret_reply);
/* Accepts NULL. */
void wcl_reply_free(wcl_reply *reply);

/* "error", "hello", "module", ... for messages about unexpected replies. */
const char *wcl_response_body_name(Wasmc__V1__Response__BodyCase c);

/* The public kind of a protocol value type (OTHER for unknown numbers). */
wasmc_valkind wcl_valkind_from_proto(int t);

/* Fills `out` (whose storage the caller provides, including `v128` when
 * the kind is V128: point out->v128.data at 16 bytes) from `v`. */
void wcl_value_to_proto(const wasmc_val *v, Wasmc__V1__Value *out,
                        uint8_t v128_storage[16]);

/* Converts `in`, which must be of kind `expect`. WASMC_ERR_PROTOCOL when
 * it is not (or a v128 is not 16 bytes). */
wasmc_error *wcl_value_from_proto(const Wasmc__V1__Value *in,
                                  wasmc_valkind expect, wasmc_val *ret_val);

/* Imports and exports converted to the public structs, all memory owned
 * here. */
typedef struct wcl_externs {
	size_t nimports;
	wasmc_import *imports;
	size_t nexports;
	wasmc_export *exports;
} wcl_externs;

/* Converts the lists (either may be empty). */
wasmc_error *wcl_externs_from_proto(Wasmc__V1__Import *const *imports,
                                    size_t nimports,
                                    Wasmc__V1__Export *const *exports,
                                    size_t nexports, wcl_externs *ret);
/* Releases what `ex` holds (not `ex` itself); zeroes it. */
void wcl_externs_free(wcl_externs *ex);

/* Deep copy of a function type into one malloc'd block (*ret_block, which
 * holds both kind arrays; free it alone). */
wasmc_error *wcl_functype_copy(const wasmc_functype *src, wasmc_functype *dst,
                               void **ret_block);

/* The export named `name` among `n`, or NULL. */
const wasmc_export *wcl_export_find(const wasmc_export *exports, size_t n,
                                    const char *name);

/* Maps a protocol error to a wasmc_error ("daemon: " context added when
 * the daemon sent no message). */
wasmc_error *wcl_error_from_proto(const Wasmc__V1__Error *err);

/* Hex helpers: `n` bytes -> 2n lowercase characters + NUL; and back
 * (exactly 2n hex digits of either case, else false and `out` untouched). */
void wcl_hex(const uint8_t *bytes, size_t n, char *out);
bool wcl_unhex(const char *text, uint8_t *out, size_t n);

#endif
