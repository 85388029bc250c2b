/*
 * bench_nng_echo.c - the floor under wasmcd's call latency: a bare nng
 * REQ/REP round trip over ipc:// between two processes (an echo server
 * forked here), with nothing else in the path. Prints result lines
 * (bench_common.h) for "call-empty" with runner "nng-echo", so the
 * daemon's own share of a call is visible beside it.
 *
 *   bench-nng-echo SOCKET_PATH [--quick]
 */
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>

#include "bench_common.h"

static int serve(const char *url)
{
	nng_socket s;
	if (nng_rep0_open(&s) != 0 || nng_listen(s, url, NULL, 0) != 0)
		return 1;
	for (;;) {
		nng_msg *m;
		if (nng_recvmsg(s, &m, 0) != 0)
			return 0;
		if (nng_sendmsg(s, m, 0) != 0)
			nng_msg_free(m);
	}
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: bench-nng-echo SOCKET_PATH [--quick]\n");
		return 2;
	}
	int quick = argc > 2 && strcmp(argv[2], "--quick") == 0;
	char url[512];
	snprintf(url, sizeof url, "ipc://%s", argv[1]);
	unlink(argv[1]);
	pid_t pid = fork();
	if (pid == 0)
		_exit(serve(url));
	nng_socket s;
	int rv = nng_req0_open(&s);
	for (int i = 0; i < 100 && rv == 0; i++) {
		if ((rv = nng_dial(s, url, NULL, 0)) == 0)
			break;
		usleep(20000);
		rv = 0;
	}
	size_t n = quick ? 2000 : 20000;
	double *t = calloc(n, sizeof *t);
	char buf[8] = "ping";
	int ok = t != NULL;
	for (size_t i = 0; ok && i < n + 100; i++) {
		double t0 = bench_now();
		void *r = NULL;
		size_t rl = 0;
		if (nng_send(s, buf, sizeof buf, 0) != 0 || nng_recv(s, &r, &rl, NNG_FLAG_ALLOC) != 0) {
			ok = 0;
			break;
		}
		nng_free(r, rl);
		if (i >= 100)
			t[i - 100] = bench_now() - t0;
	}
	nng_close(s);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	unlink(argv[1]);
	if (!ok) {
		fprintf(stderr, "bench-nng-echo: the echo round trip failed\n");
		return 1;
	}
	bench_emit("call-empty", "nng-echo", "p50", bench_pct(t, n, 50), "s");
	bench_emit("call-empty", "nng-echo", "p99", bench_pct(t, n, 99), "s");
	free(t);
	return 0;
}
