/*
 * exw_chan.h - the exec worker's side of its channels: the daemon's (fd 3,
 * worker.proto) and the instance's direct channel to its owner (attached
 * by the daemon with ExecAttach; public wasmc.v1 frames, exw_direct.h).
 * One request in, one reply out, in cmn_frame.h's framing.
 *
 * The conversation is strictly nested on the channel a top-level request
 * came from (the "active" channel): while a call runs, only that channel
 * is read and every reply goes to it. Between top-level requests both are
 * waited on.
 *
 * Every failure of the daemon's channel ends the process with a status
 * the daemon can tell apart (EXW_EXIT_*); nothing returns an error to the
 * caller. A failure of the direct channel between calls only closes it
 * (the client broke its own channel); during a call it ends the process,
 * since the call can never complete. Requests are unpacked with an
 * allocation budget and checked for UTF-8; each request owns its own
 * budget, so requests may nest (a call served while a host call waits).
 * Single-threaded.
 */
#ifndef EXW_CHAN_H
#define EXW_CHAN_H

#include <stdarg.h>
#include <stdbool.h>

#include "pb_util.h"
#include "wasmc/v1/worker.pb-c.h"

/* Exit statuses of wasmc-exec (also in exw_main.c's header comment). */
enum {
	EXW_EXIT_EOF = 0,       /* the daemon closed the channel (or the
	                           client closed the direct channel mid-call) */
	EXW_EXIT_USAGE = 2,     /* bad command line */
	EXW_EXIT_SANDBOX = 3,   /* a sandbox layer failed (stderr is /dev/null
	                           by then, so nothing is printed) */
	EXW_EXIT_CHANNEL = 4,   /* channel I/O error, truncated or oversized
	                           frame */
	EXW_EXIT_MALFORMED = 5, /* a frame that is not a valid ExecRequest
	                           (protobuf, budget, UTF-8, empty body) */
	EXW_EXIT_NOMEM = 6,     /* out of memory outside guest code */
};

/* Largest request frame accepted (values of one call, an ExecLoad). */
#define EXW_FRAME_MAX ((size_t)16 << 20)

/* The daemon's channel descriptor (set once by main). */
void exw_chan_init(int fd);

/* Takes `fd` as the direct channel (closing any previous one). */
void exw_chan_attach(int fd);

/* Ends the process now with `status` (_exit: no atexit handlers, which
 * could make syscalls the filter forbids). */
void exw_exit(int status) __attribute__((noreturn));

/* A received request: the message, the budget its allocations are
 * charged to, and the descriptor that came with the frame (-1 when none;
 * a consumer that keeps it sets fd to -1). A request from the direct
 * channel keeps its wasmc.v1.Request in `public_msg` and builds `msg` in
 * `storage`. */
typedef struct exw_request {
	pb_budget budget;
	Wasmc__V1__Worker__ExecRequest *msg; /* body_case is set */
	int fd;
	Wasmc__V1__Request *public_msg;      /* direct channel only */
	struct {
		Wasmc__V1__Worker__ExecRequest req;
		Wasmc__V1__Worker__ExecCall call;
		Wasmc__V1__Worker__ExecHostReturn host_return;
	} storage;
} exw_request;

/* Waits for the next top-level request on either channel; it makes its
 * channel the active one. Exits on the daemon's EOF or any failure of the
 * daemon's channel. */
exw_request *exw_recv_top(void);
/* Waits for the next request on the active channel (inside a call). */
exw_request *exw_recv(void);
/* Frees the message and closes fd when still >= 0. Accepts NULL. */
void exw_request_free(exw_request *r);

/* Sends a reply on the active channel (exits when the channel fails). */
void exw_send(const Wasmc__V1__Worker__ExecReply *r);
/* Sends ExecReply{error{code, message}}. */
void exw_send_error(Wasmc__V1__ErrorCode code, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

/* Sends raw frame bytes on the direct channel (exw_direct). */
void exw_chan_send_direct(const uint8_t *buf, size_t len);

#endif
