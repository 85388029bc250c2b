/*
 * cmn_frame.c - length-prefixed frames with an optional descriptor.
 */
#include "cmn_frame.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* Sends iov fully; the descriptor (if any) goes with the first byte. */
static bool send_all(int sock, const uint8_t *p, size_t n, int pass_fd,
                     cmn_error *err)
{
	while (n > 0) {
		struct iovec iov = {.iov_base = (void *)p, .iov_len = n};
		struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
		union {
			struct cmsghdr align;
			char buf[CMSG_SPACE(sizeof(int))];
		} ctl;
		if (pass_fd >= 0) {
			memset(&ctl, 0, sizeof ctl);
			mh.msg_control = ctl.buf;
			mh.msg_controllen = sizeof ctl.buf;
			struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_RIGHTS;
			c->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
		}
		ssize_t w = sendmsg(sock, &mh, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return cmn_fail(err, "frame: send failed: %s",
			                w < 0 ? strerror(errno) : "closed");
		pass_fd = -1;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

bool cmn_frame_send(int sock, const void *buf, size_t len, int pass_fd,
                    cmn_error *err)
{
	if (len > UINT32_MAX)
		return cmn_fail(err, "frame: %zu bytes is too large", len);
	uint8_t hdr[4];
	put_le32(hdr, (uint32_t)len);
	if (!send_all(sock, hdr, sizeof hdr, pass_fd, err))
		return false;
	return send_all(sock, buf, len, -1, err);
}

/* Waits until sock is readable. 1: ready, 0: timeout, -1: error. */
static int wait_readable(int sock, int timeout_ms)
{
	struct pollfd pfd = {.fd = sock, .events = POLLIN};
	for (;;) {
		int r = poll(&pfd, 1, timeout_ms);
		if (r < 0 && errno == EINTR)
			continue;
		return r < 0 ? -1 : r;
	}
}

static void close_fds(struct msghdr *mh, int *keep)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
			if (keep && *keep < 0)
				*keep = fd;
			else
				close(fd);
		}
	}
}

/* Reads exactly n bytes. Returns CMN_FRAME_OK, EOF (only when nothing was
 * read and eof_ok), TIMEOUT or ERROR. */
static int recv_all(int sock, uint8_t *p, size_t n, int timeout_ms,
                    bool eof_ok, int *ret_fd, cmn_error *err)
{
	size_t got = 0;
	while (got < n) {
		int r = wait_readable(sock, timeout_ms);
		if (r == 0) {
			if (got == 0 && eof_ok)
				return CMN_FRAME_TIMEOUT;
			cmn_fail(err, "frame: timed out inside a frame");
			return CMN_FRAME_ERROR;
		}
		if (r < 0) {
			cmn_fail(err, "frame: poll failed: %s", strerror(errno));
			return CMN_FRAME_ERROR;
		}
		struct iovec iov = {.iov_base = p + got, .iov_len = n - got};
		union {
			struct cmsghdr align;
			char buf[CMSG_SPACE(4 * sizeof(int))];
		} ctl;
		struct msghdr mh = {.msg_iov = &iov,
		                    .msg_iovlen = 1,
		                    .msg_control = ctl.buf,
		                    .msg_controllen = sizeof ctl.buf};
		ssize_t rd = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
		if (rd < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (rd < 0) {
			cmn_fail(err, "frame: receive failed: %s", strerror(errno));
			return CMN_FRAME_ERROR;
		}
		close_fds(&mh, ret_fd);
		if (rd == 0) {
			if (got == 0 && eof_ok)
				return CMN_FRAME_EOF;
			cmn_fail(err, "frame: truncated (peer closed)");
			return CMN_FRAME_ERROR;
		}
		got += (size_t)rd;
	}
	return CMN_FRAME_OK;
}

int cmn_frame_recv(int sock, size_t max, int timeout_ms, uint8_t **ret_buf,
                   size_t *ret_len, int *ret_fd, cmn_error *err)
{
	uint8_t hdr[4];
	int fd = -1;
	int rc = recv_all(sock, hdr, sizeof hdr, timeout_ms, true,
	                  ret_fd ? &fd : NULL, err);
	if (rc != CMN_FRAME_OK)
		goto close_fd;
	uint32_t len = get_le32(hdr);
	if (len > max) {
		cmn_fail(err, "frame: %u bytes is over the limit of %zu", len,
		         max);
		rc = CMN_FRAME_ERROR;
		goto close_fd;
	}
	uint8_t *buf = malloc(len ? len : 1);
	if (!buf) {
		cmn_fail(err, "frame: out of memory for %u bytes", len);
		rc = CMN_FRAME_ERROR;
		goto close_fd;
	}
	rc = recv_all(sock, buf, len, timeout_ms, false, NULL, err);
	if (rc != CMN_FRAME_OK) {
		free(buf);
		goto close_fd;
	}
	*ret_buf = buf;
	*ret_len = len;
	if (ret_fd)
		*ret_fd = fd;
	return CMN_FRAME_OK;
close_fd:
	if (fd >= 0)
		close(fd);
	return rc;
}

bool cmn_frame_spin(int sock, unsigned usec)
{
	struct timespec t0, now;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd p = {.fd = sock, .events = POLLIN};
		if (poll(&p, 1, 0) > 0)
			return true;
		clock_gettime(CLOCK_MONOTONIC, &now);
		long us = (now.tv_sec - t0.tv_sec) * 1000000L + (now.tv_nsec - t0.tv_nsec) / 1000;
		if (us >= (long)usec)
			return false;
	}
}
