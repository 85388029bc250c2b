/*
 * wcd_req.h - one request being served: who sent it, and the response
 * being built, with what must be freed once the response is packed.
 *
 * Handlers fill `resp` (pointing into memory they own) and register that
 * memory with wcd_req_defer; the server packs the response and then runs
 * the deferred frees in reverse order. One request is served by one
 * thread: not thread-safe.
 */
#ifndef WCD_REQ_H
#define WCD_REQ_H

#include <stdbool.h>
#include <stdint.h>

#include "cmn_error.h"
#include "wasmc/v1/wasmc.pb-c.h"

#define WCD_REQ_DEFER_MAX 16

typedef Wasmc__V1__ErrorCode wcd_code;

typedef struct wcd_req {
	uint32_t uid;  /* the peer's uid (from the connection) */
	bool root;     /* uid 0 */
	uint32_t pipe; /* nng pipe id of the connection */
	Wasmc__V1__Response resp;
	Wasmc__V1__Error error;
	char errmsg[CMN_ERROR_MSG_MAX + 64];
	unsigned ndefer;
	void (*defer_fn[WCD_REQ_DEFER_MAX])(void *);
	void *defer_arg[WCD_REQ_DEFER_MAX];
} wcd_req;

/* Resets `rq` for a request from `uid` on `pipe`. */
void wcd_req_init(wcd_req *rq, uint32_t uid, uint32_t pipe);

/* Makes the response an Error with `code` and a printf-style message. */
void wcd_req_error(wcd_req *rq, wcd_code code, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* Calls fn(arg) after the response is packed. When the table is full, the
 * response becomes INTERNAL and fn(arg) runs at once (false). */
bool wcd_req_defer(wcd_req *rq, void (*fn)(void *), void *arg);

/* Runs the deferred calls (last first). */
void wcd_req_finish(wcd_req *rq);

#endif
