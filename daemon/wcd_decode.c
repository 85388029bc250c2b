/*
 * wcd_decode.c - decoding one client request (see wcd_decode.h).
 */
#include "wcd_decode.h"

#include <stdio.h>

#define BUDGET_PER_BYTE 16
#define BUDGET_MAX ((size_t)1 << 30)
#define UTF8_DEPTH 8

Wasmc__V1__ErrorCode wcd_request_decode(const uint8_t *buf, size_t len, uint64_t max_len,
                                        pb_budget *b, Wasmc__V1__Request **ret_req,
                                        char *msg, size_t msglen)
{
	size_t limit = len > (BUDGET_MAX - (1 << 20)) / BUDGET_PER_BYTE
	                       ? BUDGET_MAX
	                       : len * BUDGET_PER_BYTE + (1 << 20);
	pb_budget_init(b, limit);
	if (len > max_len) {
		snprintf(msg, msglen,
		         "request of %zu bytes is over the limit (max-request-bytes = %llu)", len,
		         (unsigned long long)max_len);
		return WASMC__V1__ERROR_CODE__TOO_LARGE;
	}
	Wasmc__V1__Request *req = wasmc__v1__request__unpack(&b->alloc, len, buf);
	if (!req) {
		if (b->exceeded) {
			snprintf(msg, msglen,
			         "request needs more than %zu bytes of memory to decode (too many elements)",
			         limit);
			return WASMC__V1__ERROR_CODE__TOO_LARGE;
		}
		snprintf(msg, msglen, "malformed request: %zu bytes that are not a wasmc.v1.Request",
		         len);
		return WASMC__V1__ERROR_CODE__BAD_REQUEST;
	}
	Wasmc__V1__ErrorCode code = WASMC__V1__ERROR_CODE__ERROR_NONE;
	if (!pb_message_utf8_valid(&req->base, UTF8_DEPTH)) {
		snprintf(msg, msglen, "malformed request: a string is not valid UTF-8");
		code = WASMC__V1__ERROR_CODE__BAD_REQUEST;
	} else if (req->body_case == WASMC__V1__REQUEST__BODY__NOT_SET) {
		snprintf(msg, msglen, "malformed request: no request body (unknown request kind?)");
		code = WASMC__V1__ERROR_CODE__BAD_REQUEST;
	}
	if (code != WASMC__V1__ERROR_CODE__ERROR_NONE) {
		wasmc__v1__request__free_unpacked(req, &b->alloc);
		return code;
	}
	*ret_req = req;
	return code;
}
