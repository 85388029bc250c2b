/*
 * wcd_direct.c - the direct channel handout (wcd_direct.h).
 */
#include "wcd_direct.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "wcd_log.h"

#define THREADS 4
#define IO_TIMEOUT_MS 500
#define MAGIC "WCD1"
#define REQ_LEN (4 + WCD_HANDLE_LEN)

struct wcd_direct {
	wcd_insts *insts;
	int fd;
	char *path;
	bool listening;
	pthread_t threads[THREADS];
	unsigned nthreads;
};

static void set_timeouts(int fd)
{
	struct timeval tv = {0, IO_TIMEOUT_MS * 1000};
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

/* Sends the status byte, with `pass_fd` when >= 0. */
static void answer(int fd, uint8_t status, int pass_fd)
{
	struct iovec iov = {.iov_base = &status, .iov_len = 1};
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} c;
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	if (pass_fd >= 0) {
		memset(&c, 0, sizeof c);
		mh.msg_control = c.buf;
		mh.msg_controllen = sizeof c.buf;
		struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &pass_fd, sizeof(int));
	}
	(void)sendmsg(fd, &mh, MSG_NOSIGNAL);
}

static void serve_one(wcd_direct *d, int fd)
{
	set_timeouts(fd);
	uint8_t req[REQ_LEN];
	size_t got = 0;
	while (got < REQ_LEN) {
		ssize_t n = recv(fd, req + got, REQ_LEN - got, 0);
		if (n <= 0)
			return; /* EOF, timeout or error: nothing to answer */
		got += (size_t)n;
	}
	if (memcmp(req, MAGIC, 4) != 0) {
		answer(fd, WCD_DIRECT_BAD_REQUEST, -1);
		return;
	}
	struct ucred cred;
	socklen_t cl = sizeof cred;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) != 0) {
		answer(fd, WCD_DIRECT_BAD_REQUEST, -1);
		return;
	}
	int chan = -1;
	uint8_t st = wcd_inst_take_direct(d->insts, (uint32_t)cred.uid, req + 4, &chan);
	answer(fd, st, st == WCD_DIRECT_OK ? chan : -1);
	if (chan >= 0)
		close(chan);
}

static void *accept_loop(void *arg)
{
	wcd_direct *d = arg;
	for (;;) {
		int fd = accept4(d->fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE ||
			    errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
				if (errno != EINTR && errno != ECONNABORTED)
					usleep(10000); /* out of descriptors: let some close */
				continue;
			}
			return NULL; /* shut down */
		}
		serve_one(d, fd);
		close(fd);
	}
}

bool wcd_direct_start(wcd_insts *insts, const char *socket_path, gid_t gid, wcd_direct **ret,
                      cmn_error *err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(socket_path) + strlen(WCD_DIRECT_SUFFIX) >= sizeof sa.sun_path)
		return cmn_fail(err, "%s%s is too long for a unix socket", socket_path,
		                WCD_DIRECT_SUFFIX);
	wcd_direct *d = calloc(1, sizeof *d);
	if (!d)
		return cmn_fail(err, "out of memory");
	d->insts = insts;
	d->fd = -1;
	size_t plen = strlen(socket_path) + sizeof WCD_DIRECT_SUFFIX;
	if (!(d->path = malloc(plen))) {
		cmn_fail(err, "out of memory");
		goto fail_free;
	}
	snprintf(d->path, plen, "%s%s", socket_path, WCD_DIRECT_SUFFIX);
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", d->path);
	d->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (d->fd < 0) {
		cmn_fail(err, "socket: %s", strerror(errno));
		goto fail_free;
	}
	/* The nng socket beside it was checked for another daemon already:
	 * what is left here is stale. */
	(void)unlink(d->path);
	mode_t old = umask(0117);
	int rc = bind(d->fd, (struct sockaddr *)&sa, sizeof sa);
	umask(old);
	if (rc != 0 || listen(d->fd, 64) != 0) {
		cmn_fail(err, "cannot listen on %s: %s", d->path, strerror(errno));
		goto fail_close;
	}
	d->listening = true;
	if (gid != (gid_t)-1 && chown(d->path, (uid_t)-1, gid) != 0)
		wcd_log(WCD_LOG_WARNING, "cannot give %s to the socket group: %s", d->path,
		        strerror(errno));
	for (unsigned i = 0; i < THREADS; i++) {
		int e = pthread_create(&d->threads[i], NULL, accept_loop, d);
		if (e) {
			cmn_fail(err, "cannot start a direct channel thread: %s", strerror(e));
			goto fail_threads;
		}
		d->nthreads++;
	}
	*ret = d;
	return true;
fail_threads:
	shutdown(d->fd, SHUT_RDWR);
	for (unsigned i = 0; i < d->nthreads; i++)
		pthread_join(d->threads[i], NULL);
	unlink(d->path);
fail_close:
	close(d->fd);
fail_free:
	free(d->path);
	free(d);
	return false;
}

void wcd_direct_stop_listening(wcd_direct *d)
{
	if (d && d->listening) {
		unlink(d->path);
		d->listening = false;
	}
}

void wcd_direct_free(wcd_direct *d)
{
	if (!d)
		return;
	wcd_direct_stop_listening(d);
	/* shutdown wakes the threads blocked in accept. */
	shutdown(d->fd, SHUT_RDWR);
	for (unsigned i = 0; i < d->nthreads; i++)
		pthread_join(d->threads[i], NULL);
	close(d->fd);
	free(d->path);
	free(d);
}
