/*
 * wcl_direct.c - the direct channel transport (wcl_transport.h): an
 * instance's calls go straight to its worker over a unix socket that the
 * daemon handed out (wasmc.proto, "Direct channel"), one frame per
 * Request and per Response (cmn_frame.h), no daemon in between.
 *
 * The socket is strictly request/reply; the instance's call lock (and the
 * nesting rule of wcl_instance.c) keeps one conversation at a time, and a
 * mutex here keeps each roundtrip whole. Any failure (EOF: the worker
 * ended; a timeout; a malformed reply) leaves the conversation out of
 * step, so the transport is broken from then on: every later roundtrip
 * fails with the same kind of error, and the caller drops the instance.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cmn_frame.h"
#include "wcl_error.h"
#include "wcl_transport.h"

#define HANDOUT_TIMEOUT_MS 2000
#define WCL_DIRECT_SPIN_US 50

typedef struct wcl_direct {
	wcl_transport base;
	int fd;
	size_t recv_max;
	pthread_mutex_t mu;
	wasmc_errcode broken;  /* 0 while usable */
	char why[160];
} wcl_direct;

static wasmc_error *broken_error(wcl_direct *t)
{
	return wcl_error(t->broken, "%s", t->why);
}

static wasmc_error *breaks(wcl_direct *t, wasmc_errcode code, const char *why)
{
	t->broken = code;
	snprintf(t->why, sizeof t->why, "%s", why);
	return broken_error(t);
}

static wasmc_error *direct_roundtrip(wcl_transport *base, const Wasmc__V1__Request *req,
                                     int timeout_ms, wcl_reply **ret_reply)
{
	wcl_direct *t = (wcl_direct *)base;
	uint8_t *buf = NULL, *in = NULL;
	size_t len = 0, inlen = 0;
	wasmc_error *e = wcl_request_pack(req, &buf, &len);
	if (e)
		return e;
	pthread_mutex_lock(&t->mu);
	if (t->broken) {
		e = broken_error(t);
		goto unlock;
	}
	cmn_error err;
	if (!cmn_frame_send(t->fd, buf, len, -1, &err)) {
		e = breaks(t, WASMC_ERR_WORKER_DIED,
		           "worker died: the instance's direct channel closed while sending");
		goto unlock;
	}
	/* An empty call comes back in ~20 us: wait for it awake. */
	(void)cmn_frame_spin(t->fd, WCL_DIRECT_SPIN_US);
	int rc = cmn_frame_recv(t->fd, t->recv_max, timeout_ms, &in, &inlen, NULL, &err);
	if (rc == CMN_FRAME_TIMEOUT) {
		e = breaks(t, WASMC_ERR_TIMEOUT,
		           "no reply from the instance's worker within the timeout");
		goto unlock;
	}
	if (rc != CMN_FRAME_OK) {
		e = breaks(t, WASMC_ERR_WORKER_DIED,
		           rc == CMN_FRAME_EOF
		                   ? "worker died: the instance's direct channel closed"
		                   : "worker died: the instance's direct channel failed");
		goto unlock;
	}
	e = wcl_reply_unpack(in, inlen, ret_reply);
	if (e) {
		wasmc_error_free(e);
		e = breaks(t, WASMC_ERR_PROTOCOL, "the worker sent a malformed reply");
	}
unlock:
	pthread_mutex_unlock(&t->mu);
	free(in);
	free(buf);
	return e;
}

static void direct_close(wcl_transport *base)
{
	wcl_direct *t = (wcl_direct *)base;
	if (t == NULL)
		return;
	close(t->fd);
	pthread_mutex_destroy(&t->mu);
	free(t);
}

static const wcl_transport_ops direct_ops = {
	.roundtrip = direct_roundtrip,
	.close = direct_close,
};

/* Reads the status byte and, with status 0, the descriptor. */
static int recv_handout(int s, uint8_t *ret_status)
{
	uint8_t st;
	struct iovec iov = {.iov_base = &st, .iov_len = 1};
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} c;
	memset(&c, 0, sizeof c);
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = c.buf,
	                    .msg_controllen = sizeof c.buf};
	ssize_t n;
	do
		n = recvmsg(s, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		return -2;
	int fd = -1;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS &&
		    cm->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	*ret_status = st;
	return fd;
}

wasmc_error *wcl_direct_open(const char *daemon_path, const uint8_t handle[16], size_t recv_max,
                             wcl_transport **ret_transport)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if ((size_t)snprintf(sa.sun_path, sizeof sa.sun_path, "%s.chan", daemon_path) >=
	    sizeof sa.sun_path)
		return wcl_error(WASMC_ERR_UNSUPPORTED, "%s.chan is too long for a unix socket",
		                 daemon_path);
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return wcl_error(WASMC_ERR_TRANSPORT, "socket: %s", strerror(errno));
	wasmc_error *e = NULL;
	struct timeval tv = {HANDOUT_TIMEOUT_MS / 1000, (HANDOUT_TIMEOUT_MS % 1000) * 1000};
	(void)setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	(void)setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	if (connect(s, (struct sockaddr *)&sa, sizeof sa) != 0) {
		e = wcl_error(WASMC_ERR_UNREACHABLE, "no direct channel service at %s: %s",
		              sa.sun_path, strerror(errno));
		goto close_s;
	}
	uint8_t req[20];
	memcpy(req, "WCD1", 4);
	memcpy(req + 4, handle, 16);
	if (send(s, req, sizeof req, MSG_NOSIGNAL) != (ssize_t)sizeof req) {
		e = wcl_error(WASMC_ERR_TRANSPORT, "direct channel request: %s", strerror(errno));
		goto close_s;
	}
	uint8_t st = 0xff;
	int fd = recv_handout(s, &st);
	if (fd < 0) {
		e = wcl_error(st == 1 ? WASMC_ERR_NOT_FOUND : WASMC_ERR_UNSUPPORTED,
		              "the daemon gave no direct channel (status %s)",
		              fd == -2 ? "missing" : st == 1 ? "not found" : st == 2 ? "unavailable"
		                                                                     : "refused");
		goto close_s;
	}
	wcl_direct *t = calloc(1, sizeof *t);
	if (t == NULL || pthread_mutex_init(&t->mu, NULL) != 0) {
		free(t);
		close(fd);
		e = wcl_error(WASMC_ERR_NO_MEMORY, "out of memory");
		goto close_s;
	}
	t->base.ops = &direct_ops;
	t->fd = fd;
	t->recv_max = recv_max;
	*ret_transport = &t->base;
close_s:
	close(s);
	return e;
}
