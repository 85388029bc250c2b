/*
 * exw_direct.h - the instance's direct channel (wasmc.proto, "Direct
 * channel"): public wasmc.v1 Request/Response frames from the instance's
 * owner, translated to and from the worker conversation (ExecRequest /
 * ExecReply), so exw_inst serves them exactly like the daemon's.
 *
 * The client is not trusted more than any input: frames are size-limited,
 * unpacked with a budget and checked for UTF-8; only `call` and
 * `host_return` are served; host-call tokens and `parent` are checked
 * against the stack of pending host calls of this channel. A client can
 * break only its own instance. Single-threaded, like the worker.
 */
#ifndef EXW_DIRECT_H
#define EXW_DIRECT_H

#include <stdbool.h>

#include "exw_chan.h"

/* Converts a frame of `len` bytes read from the direct channel into a
 * request for exw_inst (r->msg points into r's own storage). Returns:
 *   1  *r is filled (free with exw_request_free);
 *   0  the request was refused and already answered with an Error
 *      Response (wrong body, bad token): read the next frame;
 *  -1  the frame is not a valid Request (protobuf, budget, UTF-8): the
 *      channel is broken. */
int exw_direct_decode(const uint8_t *buf, size_t len, exw_request *r);

/* Translates `reply` to a Response and packs it into a new malloc'd
 * buffer. A HostCall gets a fresh token, pushed on the pending stack.
 * Returns false when out of memory. */
bool exw_direct_encode(const Wasmc__V1__Worker__ExecReply *reply, uint8_t **ret_buf,
                       size_t *ret_len);

/* Sends an Error Response on the direct channel (exw_chan). */
void exw_direct_send_error(Wasmc__V1__ErrorCode code, const char *msg);

/* Forgets every pending host call (the channel was closed). */
void exw_direct_reset(void);

#endif
