/*
 * cmn_frame.h - length-prefixed frames over a unix stream socket, with an
 * optional file descriptor: the channel between wasmcd and its workers.
 *
 * A frame is a u32 little-endian payload length followed by the payload.
 * A descriptor, when sent, travels as SCM_RIGHTS with the length's first
 * byte, so the receiver gets it together with the frame it belongs to.
 *
 * Blocking: both calls block (the receiver up to `timeout_ms`, -1 forever);
 * EINTR is retried. Not thread-safe per socket: one sender and one receiver
 * at a time.
 */
#ifndef CMN_FRAME_H
#define CMN_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmn_error.h"

/* Largest payload either side accepts by default (1 GiB). */
#define CMN_FRAME_MAX ((size_t)1 << 30)

/* Outcome of cmn_frame_recv besides success. */
enum {
	CMN_FRAME_OK = 0,
	CMN_FRAME_EOF,     /* the peer closed the socket before a frame began */
	CMN_FRAME_TIMEOUT, /* nothing arrived within timeout_ms */
	CMN_FRAME_ERROR,   /* I/O error, truncated frame, or over max: see err */
};

/* Sends `len` bytes as one frame; with `pass_fd` >= 0 the descriptor goes
 * with it (the caller keeps its own copy). Returns false with `err` filled
 * when the socket fails (EPIPE included: callers ignore SIGPIPE or use
 * MSG_NOSIGNAL semantics, which this function does). */
bool cmn_frame_send(int sock, const void *buf, size_t len, int pass_fd,
                    cmn_error *err);

/* Receives one frame of at most `max` bytes. On CMN_FRAME_OK *ret_buf is a
 * malloc'd copy of the payload (caller frees; non-NULL even for an empty
 * payload) and *ret_len its length; *ret_fd (when ret_fd is not NULL) is a
 * descriptor that came with the frame (the caller owns it) or -1. A
 * descriptor that arrives when ret_fd is NULL is closed. Extra descriptors
 * beyond one are closed. `timeout_ms` bounds the wait for the frame to
 * begin and for each later read; -1 waits forever. */
int cmn_frame_recv(int sock, size_t max, int timeout_ms, uint8_t **ret_buf,
                   size_t *ret_len, int *ret_fd, cmn_error *err);

/* Busy-waits up to `usec` microseconds for `sock` to become readable
 * (poll with a zero timeout, in a loop): a reply that comes within a few
 * tens of microseconds is then read without the sleep and wake-up of a
 * blocking read, which costs about as much again on a virtual machine.
 * Returns true when readable (or closed); false when the time passed.
 * Burns CPU while it waits: call it only where a reply is imminent. */
bool cmn_frame_spin(int sock, unsigned usec);

#endif
