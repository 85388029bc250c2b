/*
 * wcl_nng.c - the nng transport: one REQ socket dialing ipc://PATH, one
 * nng context per request so that any number of threads share it.
 *
 * Resending is disabled (NNG_OPT_REQ_RESENDTIME infinite): a Call must
 * never run twice because its reply took longer than a resend interval.
 * With resending off, nng fails an outstanding request as soon as its pipe
 * closes, so a daemon that goes away is reported at once.
 *
 * nng would keep a new request waiting for a pipe until its timeout (the
 * dialer reconnects in the background). The transport counts live pipes
 * and notes a reset connection (nng reports the pipe's removal a moment
 * after the reset): with no live pipe, a request waits at most
 * WCL_NNG_RECONNECT_MS for the dialer to reconnect (a restarting daemon),
 * then fails, so that a client whose daemon has gone does not hang, e.g. in
 * every destructor's Drop. Handing a request to the pipe is bounded by
 * WCL_NNG_SEND_MS as well, whatever the reply's timeout.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>

#include "wcl_error.h"
#include "wcl_transport.h"

#define WCL_NNG_RECONNECT_MS 1000
#define WCL_NNG_SEND_MS 10000

typedef struct wcl_nng {
	wcl_transport base;
	nng_socket sock;
	char *path;
	atomic_int pipes;     /* live connections to the daemon */
	atomic_bool reset;    /* a request saw its connection reset */
} wcl_nng;

static void pipe_event(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	wcl_nng *t = arg;
	(void)p;
	if (ev == NNG_PIPE_EV_ADD_POST) {
		atomic_fetch_add(&t->pipes, 1);
		atomic_store(&t->reset, false);
	}
	else if (ev == NNG_PIPE_EV_REM_POST)
		atomic_fetch_sub(&t->pipes, 1);
}

/* True when a pipe is up, waiting up to WCL_NNG_RECONNECT_MS for one. */
static bool wait_for_pipe(wcl_nng *t)
{
	for (int waited = 0; atomic_load(&t->pipes) <= 0 || atomic_load(&t->reset);
	     waited += 10) {
		if (waited >= WCL_NNG_RECONNECT_MS)
			return false;
		struct timespec ts = {0, 10 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	return true;
}

static wasmc_error *nng_failure(wcl_nng *t, const char *what, int rv)
{
	switch (rv) {
	case NNG_ETIMEDOUT:
		return wcl_error(WASMC_ERR_TIMEOUT,
		                 "no reply from wasmcd at %s within the timeout", t->path);
	case NNG_ECONNRESET:
	case NNG_ECONNSHUT:
	case NNG_ECLOSED:
		atomic_store(&t->reset, true);
		return wcl_error(WASMC_ERR_TRANSPORT,
		                 "connection to wasmcd at %s lost while %s", t->path, what);
	case NNG_ENOMEM:
		return wcl_error(WASMC_ERR_NO_MEMORY, "out of memory while %s", what);
	default:
		break;
	}
	return wcl_error(WASMC_ERR_TRANSPORT, "%s (wasmcd at %s): %s", what,
	                 t->path, nng_strerror(rv));
}

static wasmc_error *nng_roundtrip(wcl_transport *base,
                                  const Wasmc__V1__Request *req,
                                  int timeout_ms, wcl_reply **ret_reply)
{
	wcl_nng *t = (wcl_nng *)base;
	wasmc_error *e;
	nng_ctx ctx;
	nng_aio *aio = NULL;
	nng_msg *msg = NULL;
	uint8_t *buf;
	size_t len;
	int rv;

	if (!wait_for_pipe(t))
		return wcl_error(WASMC_ERR_TRANSPORT,
		                 "connection to wasmcd at %s lost (it stopped or restarted)",
		                 t->path);
	e = wcl_request_pack(req, &buf, &len);
	if (e)
		return e;
	rv = nng_ctx_open(&ctx, t->sock);
	if (rv) {
		e = nng_failure(t, "opening a request context", rv);
		goto out_buf;
	}
	nng_ctx_set_ms(ctx, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE);
	rv = nng_aio_alloc(&aio, NULL, NULL);
	if (rv) {
		e = nng_failure(t, "allocating an aio", rv);
		goto out_ctx;
	}
	nng_aio_set_timeout(aio, timeout_ms >= 0 && timeout_ms < WCL_NNG_SEND_MS
	                                 ? (nng_duration)timeout_ms
	                                 : WCL_NNG_SEND_MS);
	rv = nng_msg_alloc(&msg, len);
	if (rv) {
		e = nng_failure(t, "allocating a message", rv);
		goto out_aio;
	}
	if (len)
		memcpy(nng_msg_body(msg), buf, len);
	nng_aio_set_msg(aio, msg);
	nng_ctx_send(ctx, aio);
	nng_aio_wait(aio);
	rv = nng_aio_result(aio);
	if (rv) {
		nng_msg_free(msg); /* not consumed on failure */
		e = nng_failure(t, "sending a request", rv);
		goto out_aio;
	}
	nng_aio_set_timeout(aio, timeout_ms < 0 ? NNG_DURATION_INFINITE
	                                        : (nng_duration)timeout_ms);
	nng_ctx_recv(ctx, aio);
	nng_aio_wait(aio);
	rv = nng_aio_result(aio);
	if (rv) {
		e = nng_failure(t, "waiting for a reply", rv);
		goto out_aio;
	}
	msg = nng_aio_get_msg(aio);
	e = wcl_reply_unpack(nng_msg_body(msg), nng_msg_len(msg), ret_reply);
	nng_msg_free(msg);
out_aio:
	nng_aio_free(aio);
out_ctx:
	nng_ctx_close(ctx);
out_buf:
	free(buf);
	return e;
}

static void nng_transport_close(wcl_transport *base)
{
	wcl_nng *t = (wcl_nng *)base;
	nng_close(t->sock);
	free(t->path);
	free(t);
}

static const wcl_transport_ops nng_ops = {
	.roundtrip = nng_roundtrip,
	.close = nng_transport_close,
};

wasmc_error *wcl_nng_open(const char *path, size_t recv_max,
                          wcl_transport **ret_transport)
{
	wasmc_error *e;
	char *url = NULL;
	int rv;
	wcl_nng *t = calloc(1, sizeof *t);
	if (t == NULL)
		return wcl_error(WASMC_ERR_NO_MEMORY, "out of memory");
	t->base.ops = &nng_ops;
	t->path = strdup(path);
	if (t->path == NULL || asprintf(&url, "ipc://%s", path) < 0) {
		url = NULL;
		e = wcl_error(WASMC_ERR_NO_MEMORY, "out of memory");
		goto fail_t;
	}
	rv = nng_req0_open(&t->sock);
	if (rv) {
		e = wcl_error(WASMC_ERR_TRANSPORT, "cannot open an nng REQ socket: %s",
		              nng_strerror(rv));
		goto fail_t;
	}
	if ((rv = nng_socket_set_size(t->sock, NNG_OPT_RECVMAXSZ, recv_max)) ||
	    (rv = nng_socket_set_ms(t->sock, NNG_OPT_REQ_RESENDTIME,
	                            NNG_DURATION_INFINITE)) ||
	    (rv = nng_socket_set_ms(t->sock, NNG_OPT_RECONNMINT, 10)) ||
	    (rv = nng_socket_set_ms(t->sock, NNG_OPT_RECONNMAXT, 500)) ||
	    (rv = nng_pipe_notify(t->sock, NNG_PIPE_EV_ADD_POST, pipe_event, t)) ||
	    (rv = nng_pipe_notify(t->sock, NNG_PIPE_EV_REM_POST, pipe_event, t))) {
		e = wcl_error(WASMC_ERR_TRANSPORT, "cannot set nng socket options: %s",
		              nng_strerror(rv));
		goto fail_sock;
	}
	rv = nng_dial(t->sock, url, NULL, 0);
	if (rv) {
		if (rv == NNG_ECONNREFUSED || rv == NNG_ENOENT || rv == NNG_EADDRINVAL)
			e = wcl_error(WASMC_ERR_UNREACHABLE,
			              "wasmcd is not running at %s (%s)", path,
			              nng_strerror(rv));
		else if (rv == NNG_EPERM)
			e = wcl_error(WASMC_ERR_UNREACHABLE,
			              "not allowed to connect to wasmcd at %s (%s)", path,
			              nng_strerror(rv));
		else
			e = wcl_error(WASMC_ERR_UNREACHABLE,
			              "cannot connect to wasmcd at %s: %s", path,
			              nng_strerror(rv));
		goto fail_sock;
	}
	free(url);
	*ret_transport = &t->base;
	return NULL;
fail_sock:
	nng_close(t->sock);
fail_t:
	free(url);
	free(t->path);
	free(t);
	return e;
}
