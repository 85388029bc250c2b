/*
 * wcd_notify.c - sd_notify over a datagram socket (wcd_notify.h).
 */
#include "wcd_notify.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "wcd_log.h"

void wcd_notify(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	if (!path || !*path)
		return;
	struct sockaddr_un sa;
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	size_t plen = strlen(path);
	if (plen >= sizeof sa.sun_path || (path[0] != '/' && path[0] != '@')) {
		wcd_log(WCD_LOG_WARNING, "NOTIFY_SOCKET %s: not a usable socket path", path);
		return;
	}
	memcpy(sa.sun_path, path, plen);
	if (path[0] == '@')
		sa.sun_path[0] = 0; /* abstract namespace */
	socklen_t salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + plen);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		wcd_log(WCD_LOG_WARNING, "sd_notify: socket: %s", strerror(errno));
		return;
	}
	if (sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sa, salen) < 0)
		wcd_log(WCD_LOG_WARNING, "sd_notify %s to %s: %s", state, path, strerror(errno));
	close(fd);
}
