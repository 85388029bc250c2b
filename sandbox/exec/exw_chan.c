/*
 * exw_chan.c - framing, budgeted unpacking and replies of the exec worker.
 */
#include "exw_chan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmn_frame.h"

static int chan = -1;

void exw_chan_init(int fd)
{
	chan = fd;
}

void exw_exit(int status)
{
	_exit(status);
}

exw_request *exw_recv(void)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int fd = -1;
	cmn_error err;
	int rc = cmn_frame_recv(chan, EXW_FRAME_MAX, -1, &buf, &len, &fd, &err);
	if (rc == CMN_FRAME_EOF)
		exw_exit(EXW_EXIT_EOF);
	if (rc != CMN_FRAME_OK)
		exw_exit(EXW_EXIT_CHANNEL);
	exw_request *r = malloc(sizeof *r);
	if (!r)
		exw_exit(EXW_EXIT_NOMEM);
	r->fd = fd;
	/* Unpacked messages cost a few times their encoding (one struct per
	 * Value); the budget stops a frame of forged counts. */
	pb_budget_init(&r->budget, 32 * len + (1u << 20));
	r->msg = wasmc__v1__worker__exec_request__unpack(&r->budget.alloc, len, buf);
	/* The frame may hold the artifact key: wipe it with the buffer. */
	explicit_bzero(buf, len);
	free(buf);
	if (!r->msg || r->msg->body_case == WASMC__V1__WORKER__EXEC_REQUEST__BODY__NOT_SET ||
	    !pb_message_utf8_valid(&r->msg->base, 8))
		exw_exit(EXW_EXIT_MALFORMED);
	return r;
}

void exw_request_free(exw_request *r)
{
	if (!r)
		return;
	if (r->fd >= 0)
		close(r->fd);
	wasmc__v1__worker__exec_request__free_unpacked(r->msg, &r->budget.alloc);
	free(r);
}

void exw_send(const Wasmc__V1__Worker__ExecReply *r)
{
	size_t len = wasmc__v1__worker__exec_reply__get_packed_size(r);
	uint8_t *buf = malloc(len ? len : 1);
	if (!buf)
		exw_exit(EXW_EXIT_NOMEM);
	wasmc__v1__worker__exec_reply__pack(r, buf);
	cmn_error err;
	bool ok = cmn_frame_send(chan, buf, len, -1, &err);
	free(buf);
	if (!ok)
		exw_exit(EXW_EXIT_CHANNEL);
}

void exw_send_error(Wasmc__V1__ErrorCode code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	Wasmc__V1__Error e = WASMC__V1__ERROR__INIT;
	e.code = code;
	e.message = msg;
	Wasmc__V1__Worker__ExecReply r = WASMC__V1__WORKER__EXEC_REPLY__INIT;
	r.body_case = WASMC__V1__WORKER__EXEC_REPLY__BODY_ERROR;
	r.error = &e;
	exw_send(&r);
}
