/*
 * wcd_decode.h - turning the bytes of one client request into a
 * wasmc.v1.Request, or an error reply, before anything else looks at it.
 *
 * The checks, in order: size against max-request-bytes (TOO_LARGE);
 * protobuf-c unpacking within a memory budget proportional to the size
 * (16 bytes per input byte + 1 MiB, at most 1 GiB), so declared counts
 * cannot make it allocate more (TOO_LARGE); well-formed protobuf
 * (BAD_REQUEST); every string valid UTF-8 (BAD_REQUEST); a body set
 * (BAD_REQUEST). The fuzz target tests/fuzz/fuzz_request.c drives this.
 * Thread-safe (no shared state).
 */
#ifndef WCD_DECODE_H
#define WCD_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "pb_util.h"
#include "wasmc/v1/wasmc.pb-c.h"

/* Decodes `len` bytes at `buf` (borrowed). `b` is set up here; on success
 * *ret_req is the message, freed by the caller with
 * wasmc__v1__request__free_unpacked(*ret_req, &b->alloc), and the result is
 * WASMC__V1__ERROR_CODE__ERROR_NONE. Otherwise the result is the error code
 * and `msg` (msglen bytes) says what was wrong. */
Wasmc__V1__ErrorCode wcd_request_decode(const uint8_t *buf, size_t len, uint64_t max_len,
                                        pb_budget *b, Wasmc__V1__Request **ret_req,
                                        char *msg, size_t msglen);

#endif
