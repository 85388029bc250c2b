/*
 * exw_chan.c - framing, budgeted unpacking and replies of the exec worker,
 * on the daemon's channel and the direct channel (exw_chan.h).
 */
#include "exw_chan.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmn_frame.h"
#include "exw_direct.h"

#define EXW_HOST_SPIN_US 50

static int chan = -1;   /* the daemon's */
static int direct = -1; /* the client's, or -1 */
static bool active_direct;

void exw_chan_init(int fd)
{
	chan = fd;
}

static void direct_close(void)
{
	if (direct >= 0)
		close(direct);
	direct = -1;
	active_direct = false;
	exw_direct_reset();
}

void exw_chan_attach(int fd)
{
	direct_close();
	direct = fd;
}

void exw_exit(int status)
{
	_exit(status);
}

static exw_request *request_new(void)
{
	exw_request *r = calloc(1, sizeof *r);
	if (!r)
		exw_exit(EXW_EXIT_NOMEM);
	r->fd = -1;
	return r;
}

/* A frame of the daemon's channel (exits on any failure). */
static exw_request *recv_daemon(void)
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
	exw_request *r = request_new();
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

/* A request of the direct channel, or NULL when the channel broke (then
 * it is closed) or the frame was answered already (refused). */
static exw_request *recv_direct(bool *ret_broken)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	cmn_error err;
	*ret_broken = false;
	int rc = cmn_frame_recv(direct, EXW_FRAME_MAX, -1, &buf, &len, NULL, &err);
	if (rc != CMN_FRAME_OK) {
		*ret_broken = true;
		return NULL;
	}
	exw_request *r = request_new();
	int x = exw_direct_decode(buf, len, r);
	free(buf);
	if (x == 1)
		return r;
	exw_request_free(r);
	*ret_broken = x < 0;
	return NULL;
}

exw_request *exw_recv_top(void)
{
	for (;;) {
		active_direct = false;
		if (direct < 0)
			return recv_daemon();
		struct pollfd p[2] = {{.fd = chan, .events = POLLIN}, {.fd = direct, .events = POLLIN}};
		if (poll(p, 2, -1) < 0)
			continue; /* EINTR: a timer signal between calls */
		/* The daemon first: its EOF or ExecAttach must not wait behind a
		 * busy client. */
		if (p[0].revents)
			return recv_daemon();
		if (!p[1].revents)
			continue;
		active_direct = true;
		bool broken;
		exw_request *r = recv_direct(&broken);
		if (r)
			return r;
		if (broken)
			direct_close();
	}
}

exw_request *exw_recv(void)
{
	if (!active_direct)
		return recv_daemon();
	for (;;) {
		/* Inside a call, waiting for the client's host return: it comes
		 * within tens of microseconds; waiting awake avoids a wake-up. */
		(void)cmn_frame_spin(direct, EXW_HOST_SPIN_US);
		bool broken;
		exw_request *r = recv_direct(&broken);
		if (r)
			return r;
		/* The call in progress can never complete. */
		if (broken)
			exw_exit(EXW_EXIT_EOF);
	}
}

void exw_request_free(exw_request *r)
{
	if (!r)
		return;
	if (r->fd >= 0)
		close(r->fd);
	if (r->public_msg)
		wasmc__v1__request__free_unpacked(r->public_msg, &r->budget.alloc);
	else if (r->msg)
		wasmc__v1__worker__exec_request__free_unpacked(r->msg, &r->budget.alloc);
	free(r);
}

void exw_chan_send_direct(const uint8_t *buf, size_t len)
{
	cmn_error err;
	if (cmn_frame_send(direct, buf, len, -1, &err))
		return;
	/* The client is gone: a call in progress can never complete. */
	exw_exit(EXW_EXIT_EOF);
}

void exw_send(const Wasmc__V1__Worker__ExecReply *r)
{
	uint8_t *buf;
	size_t len;
	if (active_direct) {
		if (!exw_direct_encode(r, &buf, &len))
			exw_exit(EXW_EXIT_NOMEM);
		exw_chan_send_direct(buf, len);
		free(buf);
		return;
	}
	len = wasmc__v1__worker__exec_reply__get_packed_size(r);
	buf = malloc(len ? len : 1);
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
