/*
 * sbx_worker.c - the order in which a worker puts its layers on, and the
 * parsing of the workers' numeric flags.
 */
#include "sbx_worker.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "rt_instance.h"
#include "sbx_filter.h"

/* libcrypto reads its configuration file on first use: make that happen
 * while files can still be opened (the artifact MAC is checked later). */
static bool crypto_warm_up(cmn_error *err)
{
	static const uint8_t key[32];
	uint8_t out[EVP_MAX_MD_SIZE];
	unsigned int len = sizeof out;
	if (!HMAC(EVP_sha256(), key, sizeof key, key, sizeof key, out, &len) ||
	    EVP_Digest(key, sizeof key, out, &len, EVP_sha256(), NULL) != 1)
		return cmn_fail(err, "libcrypto: SHA-256 unavailable");
	return true;
}

void sbx_exec_config_default(sbx_exec_config *c)
{
	memset(c, 0, sizeof *c);
	c->ppid = getppid();
	c->channel_fd = SBX_CHANNEL_FD;
	c->namespaces = true;
	c->data_bytes = SBX_EXEC_DATA_DEFAULT;
}

bool sbx_parse_u64(const char *s, uint64_t *out)
{
	char *end;
	if (!s || !*s || *s == '-')
		return false;
	unsigned long long v = strtoull(s, &end, 10);
	if (*end)
		return false;
	*out = v;
	return true;
}

bool sbx_exec_enter_waiting(const sbx_exec_config *c, sbx_warnings *w, cmn_error *err)
{
	if (!sbx_session(c->ppid, err) || !sbx_close_fds(c->channel_fd, err))
		return false;
	if (c->namespaces)
		sbx_namespaces(w);
	sbx_rlimits rl = {
	        .data_bytes = c->data_bytes,
	        .nofile = 16,
	        .no_files = true,
	        .no_procs = true,
	        .no_core = true,
	};
	if (!sbx_rlimits_apply(&rl, err))
		return false;
	(void)rt_thread_stack_limit();
	if (!crypto_warm_up(err) || !sbx_no_new_privs(err))
		return false;
	sbx_landlock(w);
	return sbx_filter_exec_strict_prepare(err) && sbx_filter_exec_wait(err);
}

bool sbx_exec_enter_strict(cmn_error *err)
{
	return sbx_filter_exec_strict(err);
}

void sbx_compile_config_default(sbx_compile_config *c)
{
	memset(c, 0, sizeof *c);
	c->ppid = getppid();
	c->channel_fd = SBX_CHANNEL_FD;
	c->namespaces = true;
	c->data_bytes = SBX_COMPILE_DATA_DEFAULT;
}

bool sbx_compile_enter(const sbx_compile_config *c, sbx_warnings *w, cmn_error *err)
{
	if (!sbx_session(c->ppid, err) || !sbx_close_fds(c->channel_fd, err))
		return false;
	if (c->namespaces)
		sbx_namespaces(w);
	sbx_rlimits rl = {
	        .data_bytes = c->data_bytes,
	        .nofile = 16,
	        .cpu_seconds = c->cpu_seconds,
	        .no_files = true,
	        .no_core = true,
	};
	if (!sbx_rlimits_apply(&rl, err))
		return false;
	if (c->warm_up)
		c->warm_up();
	if (!crypto_warm_up(err) || !sbx_no_new_privs(err))
		return false;
	sbx_landlock(w);
	return sbx_filter_compile(err);
}
