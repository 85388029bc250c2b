/*
 * exw_direct.c - wasmc.v1 Request/Response on the direct channel,
 * translated to the worker conversation (exw_direct.h).
 */
#include "exw_direct.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOKEN_LEN 16
#define MAX_PENDING 256 /* above exw_inst's call depth limit */

/* Tokens of the host calls sent on the direct channel and not yet
 * answered, innermost last. A token is the pending depth and a sequence
 * number: unique within the channel, which is all a client needs. */
static uint8_t pending[MAX_PENDING][TOKEN_LEN];
static unsigned npending;
static uint64_t seq;

void exw_direct_reset(void)
{
	npending = 0;
}

static bool is_top(const ProtobufCBinaryData *t)
{
	return npending && t->len == TOKEN_LEN &&
	       memcmp(t->data, pending[npending - 1], TOKEN_LEN) == 0;
}

void exw_direct_send_error(Wasmc__V1__ErrorCode code, const char *msg)
{
	Wasmc__V1__Error e = WASMC__V1__ERROR__INIT;
	e.code = code;
	e.message = (char *)msg;
	Wasmc__V1__Response resp = WASMC__V1__RESPONSE__INIT;
	resp.body_case = WASMC__V1__RESPONSE__BODY_ERROR;
	resp.error = &e;
	size_t len = wasmc__v1__response__get_packed_size(&resp);
	uint8_t *buf = malloc(len ? len : 1);
	if (!buf)
		exw_exit(EXW_EXIT_NOMEM);
	wasmc__v1__response__pack(&resp, buf);
	exw_chan_send_direct(buf, len);
	free(buf);
}

int exw_direct_decode(const uint8_t *buf, size_t len, exw_request *r)
{
	pb_budget_init(&r->budget, 32 * len + (1u << 20));
	Wasmc__V1__Request *m = wasmc__v1__request__unpack(&r->budget.alloc, len, buf);
	if (!m)
		return -1;
	r->public_msg = m;
	if (!pb_message_utf8_valid(&m->base, 8))
		return -1;
	Wasmc__V1__Worker__ExecRequest *q = &r->storage.req;
	wasmc__v1__worker__exec_request__init(q);
	if (m->body_case == WASMC__V1__REQUEST__BODY_CALL && m->call) {
		const Wasmc__V1__Call *c = m->call;
		if (c->parent.len ? !is_top(&c->parent) : npending != 0) {
			exw_direct_send_error(
			        WASMC__V1__ERROR_CODE__BUSY,
			        c->parent.len ? "parent is not the instance's innermost pending host call"
			                      : "the instance is running another call (a call from a "
			                        "callback must name its host call as parent)");
			return 0;
		}
		Wasmc__V1__Worker__ExecCall *ec = &r->storage.call;
		wasmc__v1__worker__exec_call__init(ec);
		ec->export = c->export;
		ec->n_args = c->n_args;
		ec->args = c->args;
		ec->n_cargs = c->n_cargs;
		ec->cargs = c->cargs;
		q->body_case = WASMC__V1__WORKER__EXEC_REQUEST__BODY_CALL;
		q->call = ec;
	} else if (m->body_case == WASMC__V1__REQUEST__BODY_HOST_RETURN && m->host_return) {
		const Wasmc__V1__HostReturn *h = m->host_return;
		if (!is_top(&h->token)) {
			exw_direct_send_error(WASMC__V1__ERROR_CODE__BAD_REQUEST,
			                      npending ? "host return token is not the innermost "
			                                 "pending host call's"
			                               : "host return with no host call waiting");
			return 0;
		}
		Wasmc__V1__Worker__ExecHostReturn *er = &r->storage.host_return;
		wasmc__v1__worker__exec_host_return__init(er);
		if (h->outcome_case == WASMC__V1__HOST_RETURN__OUTCOME_TRAP) {
			er->outcome_case = WASMC__V1__WORKER__EXEC_HOST_RETURN__OUTCOME_TRAP;
			er->trap = h->trap;
		} else if (h->outcome_case == WASMC__V1__HOST_RETURN__OUTCOME_RESULTS) {
			er->outcome_case = WASMC__V1__WORKER__EXEC_HOST_RETURN__OUTCOME_RESULTS;
			er->results = h->results;
		}
		npending--;
		q->body_case = WASMC__V1__WORKER__EXEC_REQUEST__BODY_HOST_RETURN;
		q->host_return = er;
	} else {
		exw_direct_send_error(WASMC__V1__ERROR_CODE__BAD_REQUEST,
		                      "only call and host_return requests are served on an "
		                      "instance's direct channel");
		return 0;
	}
	r->msg = q;
	return 1;
}

bool exw_direct_encode(const Wasmc__V1__Worker__ExecReply *reply, uint8_t **ret_buf,
                       size_t *ret_len)
{
	Wasmc__V1__Response resp = WASMC__V1__RESPONSE__INIT;
	Wasmc__V1__CallReply cr = WASMC__V1__CALL_REPLY__INIT;
	Wasmc__V1__HostCall hc = WASMC__V1__HOST_CALL__INIT;
	Wasmc__V1__Error internal = WASMC__V1__ERROR__INIT;
	switch (reply->body_case) {
	case WASMC__V1__WORKER__EXEC_REPLY__BODY_RESULTS:
		cr.outcome_case = WASMC__V1__CALL_REPLY__OUTCOME_RESULTS;
		cr.results = reply->results;
		break;
	case WASMC__V1__WORKER__EXEC_REPLY__BODY_TRAP:
		cr.outcome_case = WASMC__V1__CALL_REPLY__OUTCOME_TRAP;
		cr.trap = reply->trap;
		break;
	case WASMC__V1__WORKER__EXEC_REPLY__BODY_HOST_CALL:
		if (npending == MAX_PENDING) {
			/* exw_inst stops nesting long before. */
			internal.code = WASMC__V1__ERROR_CODE__INTERNAL;
			internal.message = "too many nested host calls";
			resp.body_case = WASMC__V1__RESPONSE__BODY_ERROR;
			resp.error = &internal;
			goto pack;
		}
		seq++;
		memset(pending[npending], 0, TOKEN_LEN);
		memcpy(pending[npending], &seq, sizeof seq);
		pending[npending][8] = (uint8_t)npending;
		hc.token.data = pending[npending];
		hc.token.len = TOKEN_LEN;
		npending++;
		hc.func_id = reply->host_call->func_id;
		hc.n_args = reply->host_call->n_args;
		hc.args = reply->host_call->args;
		hc.n_cargs = reply->host_call->n_cargs;
		hc.cargs = reply->host_call->cargs;
		hc.resource_drop = reply->host_call->resource_drop;
		hc.depth = npending;
		cr.outcome_case = WASMC__V1__CALL_REPLY__OUTCOME_HOST_CALL;
		cr.host_call = &hc;
		break;
	case WASMC__V1__WORKER__EXEC_REPLY__BODY_ERROR:
		resp.body_case = WASMC__V1__RESPONSE__BODY_ERROR;
		resp.error = reply->error;
		goto pack;
	default:
		internal.code = WASMC__V1__ERROR_CODE__INTERNAL;
		internal.message = "the worker has no answer of this kind for a client";
		resp.body_case = WASMC__V1__RESPONSE__BODY_ERROR;
		resp.error = &internal;
		goto pack;
	}
	resp.body_case = WASMC__V1__RESPONSE__BODY_CALL;
	resp.call = &cr;
pack:;
	size_t len = wasmc__v1__response__get_packed_size(&resp);
	uint8_t *buf = malloc(len ? len : 1);
	if (!buf)
		return false;
	wasmc__v1__response__pack(&resp, buf);
	*ret_buf = buf;
	*ret_len = len;
	return true;
}
