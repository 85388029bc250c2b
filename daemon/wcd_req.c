/*
 * wcd_req.c - the request being served (wcd_req.h).
 */
#include "wcd_req.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void wcd_req_init(wcd_req *rq, uint32_t uid, uint32_t pipe)
{
	memset(rq, 0, sizeof *rq);
	rq->uid = uid;
	rq->root = uid == 0;
	rq->pipe = pipe;
	wasmc__v1__response__init(&rq->resp);
	wasmc__v1__error__init(&rq->error);
}

void wcd_req_error(wcd_req *rq, wcd_code code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(rq->errmsg, sizeof rq->errmsg, fmt, ap);
	va_end(ap);
	wasmc__v1__error__init(&rq->error);
	rq->error.code = code;
	rq->error.message = rq->errmsg;
	wasmc__v1__response__init(&rq->resp);
	rq->resp.body_case = WASMC__V1__RESPONSE__BODY_ERROR;
	rq->resp.error = &rq->error;
}

bool wcd_req_defer(wcd_req *rq, void (*fn)(void *), void *arg)
{
	if (rq->ndefer == WCD_REQ_DEFER_MAX) {
		fn(arg);
		wcd_req_error(rq, WASMC__V1__ERROR_CODE__INTERNAL,
		              "internal: too many deferred frees");
		return false;
	}
	rq->defer_fn[rq->ndefer] = fn;
	rq->defer_arg[rq->ndefer] = arg;
	rq->ndefer++;
	return true;
}

void wcd_req_finish(wcd_req *rq)
{
	while (rq->ndefer) {
		rq->ndefer--;
		rq->defer_fn[rq->ndefer](rq->defer_arg[rq->ndefer]);
	}
}
