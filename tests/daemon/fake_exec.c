/*
 * fake_exec.c - a misbehaving exec worker for the daemon tests: it speaks
 * just enough of worker.proto (Ready, Loaded) to get an instance made,
 * then misbehaves as the file "fake-mode" beside it says (read when the
 * choice is made):
 *
 *   hang     never answers a call (the daemon's deadline backstop)
 *   garbage  answers a call with bytes that are not an ExecReply
 *   noready  sends something else than Ready first
 *
 * The channel is fd 3 (common/cmn_frame.h framing).
 */
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmn_frame.h"
#include "wasmc/v1/worker.pb-c.h"

static void send_reply(const Wasmc__V1__Worker__ExecReply *r)
{
	size_t n = wasmc__v1__worker__exec_reply__get_packed_size(r);
	uint8_t *buf = malloc(n ? n : 1);
	wasmc__v1__worker__exec_reply__pack(r, buf);
	cmn_error err;
	if (!cmn_frame_send(3, buf, n, -1, &err))
		exit(3);
	free(buf);
}

static void recv_frame(void)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int fd = -1;
	cmn_error err;
	if (cmn_frame_recv(3, CMN_FRAME_MAX, -1, &buf, &len, &fd, &err) != CMN_FRAME_OK)
		exit(4);
	if (fd >= 0)
		close(fd);
	free(buf);
}

static char mode_path[4096];

static const char *mode(void)
{
	static char m[32];
	FILE *f = fopen(mode_path, "r");
	if (!f || !fgets(m, sizeof m, f))
		snprintf(m, sizeof m, "hang");
	if (f)
		fclose(f);
	m[strcspn(m, "\n")] = 0;
	return m;
}

int main(int argc, char **argv)
{
	(void)argc;
	char self[4096];
	snprintf(self, sizeof self, "%s", argv[0]);
	snprintf(mode_path, sizeof mode_path, "%s/fake-mode", dirname(self));
	Wasmc__V1__Worker__ExecReply r = WASMC__V1__WORKER__EXEC_REPLY__INIT;
	if (strcmp(mode(), "noready") == 0) {
		Wasmc__V1__Worker__ExecStats st = WASMC__V1__WORKER__EXEC_STATS__INIT;
		r.body_case = WASMC__V1__WORKER__EXEC_REPLY__BODY_STATS;
		r.stats = &st;
		send_reply(&r);
		pause();
		return 0;
	}
	Wasmc__V1__Worker__ExecReady ready = WASMC__V1__WORKER__EXEC_READY__INIT;
	char *warnings[] = {"fake worker: no sandbox at all"};
	ready.pid = (uint32_t)getpid();
	ready.n_warnings = 1;
	ready.warnings = warnings;
	r.body_case = WASMC__V1__WORKER__EXEC_REPLY__BODY_READY;
	r.ready = &ready;
	send_reply(&r);
	recv_frame(); /* ExecLoad */
	Wasmc__V1__Worker__ExecLoaded loaded = WASMC__V1__WORKER__EXEC_LOADED__INIT;
	r.body_case = WASMC__V1__WORKER__EXEC_REPLY__BODY_LOADED;
	r.loaded = &loaded;
	send_reply(&r);
	recv_frame(); /* a call */
	if (strcmp(mode(), "garbage") == 0) {
		static const uint8_t junk[] = {0xff, 0xff, 0xff, 0x01, 0x02};
		cmn_error err;
		cmn_frame_send(3, junk, sizeof junk, -1, &err);
	}
	for (;;)
		pause();
}
