/*
 * fuzz_direct.c - libFuzzer target for the exec worker's direct channel
 * (sandbox/exec/exw_direct.h): arbitrary bytes as a frame from the
 * instance's owner. Each input runs in two states: no host call pending,
 * and one host call pending (its token then at the start of the input's
 * second half is not guessable, so the state mostly checks that token
 * checks refuse). A request that decodes must be a call or a host return
 * whose fields are readable; nothing may crash, leak or overrun the
 * budget. Error replies go to a stub channel that counts them.
 *
 * Seeds: with WASMC_FUZZ_SEED_DIR set, LLVMFuzzerInitialize writes a
 * valid call, host return and status request there (tests/fuzz/run.sh).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exw_direct.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static size_t replies;

/* The channel, as exw_direct sees it. */
void exw_chan_send_direct(const uint8_t *buf, size_t len)
{
	Wasmc__V1__Response *r = wasmc__v1__response__unpack(NULL, len, buf);
	if (!r || r->body_case != WASMC__V1__RESPONSE__BODY_ERROR || !r->error->message[0])
		abort(); /* every refusal is an Error with a message */
	wasmc__v1__response__free_unpacked(r, NULL);
	replies++;
}

void exw_exit(int status)
{
	fprintf(stderr, "exw_exit(%d)\n", status);
	abort();
}

static void write_seed(const char *dir, const char *name, const Wasmc__V1__Request *req)
{
	size_t n = wasmc__v1__request__get_packed_size(req);
	uint8_t *buf = malloc(n ? n : 1);
	if (!buf)
		return;
	wasmc__v1__request__pack(req, buf);
	char path[512];
	snprintf(path, sizeof path, "%s/%s.pb", dir, name);
	FILE *f = fopen(path, "wb");
	if (f) {
		fwrite(buf, 1, n, f);
		fclose(f);
	}
	free(buf);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	const char *dir = getenv("WASMC_FUZZ_SEED_DIR");
	if (!dir)
		return 0;
	Wasmc__V1__Value v = WASMC__V1__VALUE__INIT;
	Wasmc__V1__Value *vp[1] = {&v};
	v.type = WASMC__V1__VAL_TYPE__I32;
	v.bits = 7;
	Wasmc__V1__Call call = WASMC__V1__CALL__INIT;
	call.export = "add";
	call.n_args = 1;
	call.args = vp;
	Wasmc__V1__Request rq = WASMC__V1__REQUEST__INIT;
	rq.body_case = WASMC__V1__REQUEST__BODY_CALL;
	rq.call = &call;
	write_seed(dir, "call", &rq);
	uint8_t tok[16] = {1};
	call.parent.data = tok;
	call.parent.len = 16;
	write_seed(dir, "nested-call", &rq);
	Wasmc__V1__Results res = WASMC__V1__RESULTS__INIT;
	res.n_values = 1;
	res.values = vp;
	Wasmc__V1__HostReturn hr = WASMC__V1__HOST_RETURN__INIT;
	hr.token.data = tok;
	hr.token.len = 16;
	hr.outcome_case = WASMC__V1__HOST_RETURN__OUTCOME_RESULTS;
	hr.results = &res;
	rq.body_case = WASMC__V1__REQUEST__BODY_HOST_RETURN;
	rq.host_return = &hr;
	write_seed(dir, "host-return", &rq);
	hr.outcome_case = WASMC__V1__HOST_RETURN__OUTCOME_TRAP;
	hr.trap = "callback trapped";
	write_seed(dir, "host-trap", &rq);
	Wasmc__V1__Status st = WASMC__V1__STATUS__INIT;
	rq.body_case = WASMC__V1__REQUEST__BODY_STATUS;
	rq.status = &st;
	write_seed(dir, "status", &rq);
	return 0;
}

static void one(const uint8_t *data, size_t size)
{
	exw_request r;
	memset(&r, 0, sizeof r);
	r.fd = -1;
	size_t before = replies;
	int x = exw_direct_decode(data, size, &r);
	if (x == 0 && replies != before + 1)
		abort(); /* a refusal is answered exactly once */
	if (x == 1) {
		const Wasmc__V1__Worker__ExecRequest *q = r.msg;
		if (q->body_case == WASMC__V1__WORKER__EXEC_REQUEST__BODY_CALL) {
			volatile size_t n = strlen(q->call->export);
			for (size_t i = 0; i < q->call->n_args; i++)
				n += q->call->args[i]->bits;
			(void)n;
		} else if (q->body_case != WASMC__V1__WORKER__EXEC_REQUEST__BODY_HOST_RETURN) {
			abort();
		}
	}
	if (r.public_msg)
		wasmc__v1__request__free_unpacked(r.public_msg, &r.budget.alloc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	exw_direct_reset();
	one(data, size);
	/* Again with a host call pending. */
	Wasmc__V1__Worker__ExecHostCall hc = WASMC__V1__WORKER__EXEC_HOST_CALL__INIT;
	Wasmc__V1__Worker__ExecReply rep = WASMC__V1__WORKER__EXEC_REPLY__INIT;
	rep.body_case = WASMC__V1__WORKER__EXEC_REPLY__BODY_HOST_CALL;
	rep.host_call = &hc;
	uint8_t *buf;
	size_t len;
	if (!exw_direct_encode(&rep, &buf, &len))
		abort();
	free(buf);
	one(data, size);
	exw_direct_reset();
	return 0;
}
