/*
 * wasmc-compiler - the compile worker: decodes, validates and compiles one
 * module into an artifact in a sandboxed process, for wasmcd (DESIGN.md
 * §1, §4, §6). Contract with the daemon: proto/wasmc/v1/worker.proto
 * (CompileRequest / CompileReply) and what follows.
 *
 * Start: fork + exec by the daemon with the channel (unix stream socket)
 * as fd 3; every other fd is closed, 0, 1, 2 reopened on /dev/null; no
 * environment variable is read (LLVM's own debugging variables aside).
 *
 *   wasmc-compiler [--memory-mb N] [--cpu-seconds N] [--no-namespaces]
 *                  [--log-level N]
 *
 *   --memory-mb N    RLIMIT_DATA in MiB (default 8192)
 *   --cpu-seconds N  RLIMIT_CPU (soft N: SIGXCPU kills, it is not
 *                    handled; hard N + 2: SIGKILL); default none
 *   --no-namespaces  skip the namespaces (refusals are harmless anyway)
 *   --log-level N    accepted and ignored (stderr is /dev/null)
 *
 * Sandbox: the exec worker's layers (sbx_worker.h) without RLIMIT_NPROC
 * (LLVM's threads count against it), LLVM initialised before the filter,
 * then sbx_filter_compile: threads only through clone(CLONE_THREAD), no
 * PROT_EXEC, no exec, no socket, no fork, every open fails with EACCES.
 *
 * Conversation: the worker reads ONE CompileRequest, answers ONE
 * CompileReply and exits 0. No Ready message is sent.
 *   - fingerprint_only: reply{fingerprint} for the requested tier / fuel /
 *     guard_bytes (nothing else is looked at; wasm may be empty).
 *   - otherwise reply{fingerprint, artifact (unkeyed: SHA-256; the daemon
 *     re-seals it with rt_artifact_seal), imports, exports (with types)}
 *     or reply{error}: INVALID_MODULE ("<message> at offset N" from the
 *     decoder or validator), UNSUPPORTED ("unsupported feature: ..."),
 *     COMPILE_FAILED (anything else the compiler or artifact writer
 *     reported).
 *   Tier: TIER_FAST or TIER_DEFAULT -> fast tier, TIER_OPTIMIZED ->
 *   optimized. guard_bytes 0 means the default (2 GiB), as in ExecLoad.
 *   threads 0 means 1 (at most 64). Features: Wasm 3.0 + threads (wasmc-run's).
 *
 * Exit statuses: 0 replied (success or error reply); 2 bad command line;
 * 3 a sandbox layer failed; 4 channel error or EOF before the request
 * (or frame over 1 GiB); 5 malformed request; 6 out of memory outside
 * LLVM. LLVM aborting (SIGABRT), running out of memory, the CPU limit
 * (SIGXCPU / SIGKILL) or a filter violation (SIGSYS) end the process by
 * signal: the daemon reports COMPILE_FAILED itself.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmn_arena.h"
#include "cmn_frame.h"
#include "jit.h"
#include "pb_util.h"
#include "rt_artifact.h"
#include "sbx_extern.h"
#include "sbx_worker.h"
#include "wasmc/v1/worker.pb-c.h"
#include "cm_decode.h"
#include "cw_component.h"
#include "wb_const.h"
#include "wb_decode.h"
#include "wb_validate.h"

enum {
	CW_EXIT_OK = 0,
	CW_EXIT_USAGE = 2,
	CW_EXIT_SANDBOX = 3,
	CW_EXIT_CHANNEL = 4,
	CW_EXIT_MALFORMED = 5,
	CW_EXIT_NOMEM = 6,
};

typedef Wasmc__V1__Worker__CompileReply Reply;

static int chan = SBX_CHANNEL_FD;

static void usage(void)
{
	fprintf(stderr, "usage: wasmc-compiler [--memory-mb N] [--cpu-seconds N] "
	                "[--no-namespaces] [--log-level N]\n"
	                "(started by wasmcd with its channel as fd 3)\n");
}

/* LLVM reads what it needs about the host before the filter is on. */
static void warm_up(void)
{
	jit_options o;
	jit_options_default(&o);
	free(jit_fingerprint(&o));
}

static void send_reply(const Reply *r)
{
	size_t len = wasmc__v1__worker__compile_reply__get_packed_size(r);
	uint8_t *buf = malloc(len ? len : 1);
	if (!buf)
		_exit(CW_EXIT_NOMEM);
	wasmc__v1__worker__compile_reply__pack(r, buf);
	cmn_error err;
	bool ok = cmn_frame_send(chan, buf, len, -1, &err);
	free(buf);
	if (!ok)
		_exit(CW_EXIT_CHANNEL);
}

static void send_error(Wasmc__V1__ErrorCode code, const char *msg)
{
	Wasmc__V1__Error e = WASMC__V1__ERROR__INIT;
	e.code = code;
	e.message = (char *)msg;
	Reply r = WASMC__V1__WORKER__COMPILE_REPLY__INIT;
	r.error = &e;
	send_reply(&r);
}

static void send_error_at(Wasmc__V1__ErrorCode code, const cmn_error *err)
{
	char msg[CMN_ERROR_MSG_MAX + 48];
	if (err->has_offset)
		snprintf(msg, sizeof msg, "%s at offset %zu", err->msg, err->offset);
	else
		snprintf(msg, sizeof msg, "%s", err->msg);
	send_error(code, msg);
}

static void compile_component(const Wasmc__V1__Worker__CompileRequest *req,
                              const jit_options *opt)
{
	cw_component_result res;
	cmn_error err;
	cmn_error_clear(&err);
	if (!cw_compile_component(req->wasm.data, req->wasm.len, opt, &res, &err)) {
		send_error_at(res.code, &err);
		return;
	}
	Reply r = WASMC__V1__WORKER__COMPILE_REPLY__INIT;
	r.fingerprint = res.fingerprint;
	r.artifact.data = res.artifact;
	r.artifact.len = res.artifact_len;
	r.component = &res.info;
	send_reply(&r);
	cw_component_result_free(&res);
}

static void compile(const Wasmc__V1__Worker__CompileRequest *req, const jit_options *opt)
{
	if (cm_is_component(req->wasm.data, req->wasm.len)) {
		compile_component(req, opt);
		return;
	}
	cmn_error err;
	cmn_error_clear(&err);
	const wb_features feat = WB_FEAT_DEFAULT;
	rt_module *mod = NULL;
	rt_image *img = NULL;
	rt_consts consts;
	uint8_t *art = NULL;
	size_t art_len = 0;
	char *fp = NULL;
	cmn_arena a = {0};
	if (!wb_decode(req->wasm.data, req->wasm.len, feat, &mod, &err) ||
	    !wb_validate(mod, feat, &err)) {
		send_error_at(WASMC__V1__ERROR_CODE__INVALID_MODULE, &err);
		goto free_mod;
	}
	if (!wb_const_lower_module(mod, &consts, &err) ||
	    !jit_compile(mod, feat, opt, &img, &err)) {
		send_error_at(strstr(err.msg, "unsupported")
		                      ? WASMC__V1__ERROR_CODE__UNSUPPORTED
		                      : WASMC__V1__ERROR_CODE__COMPILE_FAILED,
		              &err);
		goto free_mod;
	}
	if (!rt_artifact_build(mod, &consts, img, NULL, 0, &art, &art_len, &err)) {
		send_error_at(WASMC__V1__ERROR_CODE__COMPILE_FAILED, &err);
		goto free_img;
	}
	fp = jit_fingerprint(opt);
	if (!fp)
		_exit(CW_EXIT_NOMEM);
	Reply r = WASMC__V1__WORKER__COMPILE_REPLY__INIT;
	r.fingerprint = fp;
	r.artifact.data = art;
	r.artifact.len = art_len;
	if (!sbx_describe_imports(&a, mod, &r.n_imports, &r.imports) ||
	    !sbx_describe_exports(&a, mod, &r.n_exports, &r.exports))
		_exit(CW_EXIT_NOMEM);
	send_reply(&r);
	cmn_arena_free(&a);
	free(fp);
	free(art);
free_img:
	rt_image_free(img);
free_mod:
	rt_module_free(mod);
}

int main(int argc, char **argv)
{
	sbx_compile_config cfg;
	sbx_compile_config_default(&cfg); /* records getppid() first */
	cfg.warm_up = warm_up;
	for (int i = 1; i < argc; i++) {
		uint64_t n;
		if (strcmp(argv[i], "--no-namespaces") == 0) {
			cfg.namespaces = false;
		} else if (strcmp(argv[i], "--log-level") == 0 && i + 1 < argc) {
			i++; /* any value: the worker has no log */
		} else if (strcmp(argv[i], "--memory-mb") == 0 && i + 1 < argc &&
		           sbx_parse_u64(argv[i + 1], &n) && n > 0 && n < (1ull << 40)) {
			cfg.data_bytes = n << 20;
			i++;
		} else if (strcmp(argv[i], "--cpu-seconds") == 0 && i + 1 < argc &&
		           sbx_parse_u64(argv[i + 1], &n) && n < (1ull << 32)) {
			cfg.cpu_seconds = n;
			i++;
		} else {
			usage();
			return CW_EXIT_USAGE;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	sbx_warnings w;
	sbx_warnings_init(&w);
	cmn_error err;
	if (!sbx_compile_enter(&cfg, &w, &err)) {
		fprintf(stderr, "wasmc-compiler: %s\n", err.msg);
		_exit(CW_EXIT_SANDBOX);
	}
	chan = cfg.channel_fd;

	uint8_t *buf = NULL;
	size_t len = 0;
	int rc = cmn_frame_recv(chan, CMN_FRAME_MAX, -1, &buf, &len, NULL, &err);
	if (rc != CMN_FRAME_OK)
		_exit(CW_EXIT_CHANNEL);
	pb_budget budget;
	pb_budget_init(&budget, 2 * len + (1u << 20));
	Wasmc__V1__Worker__CompileRequest *req =
	        wasmc__v1__worker__compile_request__unpack(&budget.alloc, len, buf);
	free(buf);
	if (!req || !pb_message_utf8_valid(&req->base, 4))
		_exit(CW_EXIT_MALFORMED);

	jit_options opt;
	jit_options_default(&opt);
	opt.tier =
	        req->tier == WASMC__V1__TIER__TIER_OPTIMIZED ? JIT_TIER_OPTIMIZED : JIT_TIER_FAST;
	opt.fuel = req->fuel;
	if (req->guard_bytes)
		opt.guard_bytes = req->guard_bytes;
	/* each thread has a 16 MiB stack inside RLIMIT_DATA */
	opt.threads = req->threads == 0 ? 1 : req->threads > 64 ? 64 : req->threads;
	if (req->fingerprint_only) {
		char *fp = jit_fingerprint(&opt);
		if (!fp)
			_exit(CW_EXIT_NOMEM);
		Reply r = WASMC__V1__WORKER__COMPILE_REPLY__INIT;
		r.fingerprint = fp;
		send_reply(&r);
		free(fp);
	} else {
		compile(req, &opt);
	}
	wasmc__v1__worker__compile_request__free_unpacked(req, &budget.alloc);
	_exit(CW_EXIT_OK);
}
