/*
 * wcl_conn.c - connecting to wasmcd: the socket path, Hello, the request
 * helper every other file uses.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wcl_conn.h"
#include "wcl_error.h"

#define WCL_VERSION "0.1.0"
#define WCL_SYSTEM_SOCKET "/run/wasmcd/wasmcd.sock"

const char *wasmc_version(void)
{
	return WCL_VERSION;
}

void wasmc_conn_options_init(wasmc_conn_options *opts)
{
	memset(opts, 0, sizeof *opts);
	opts->connect_timeout_ms = 5000;
	opts->request_timeout_ms = 60000;
	opts->call_timeout_ms = -1;
	opts->recv_max_bytes = (size_t)64 << 20;
	opts->client_name = NULL;
	opts->direct_calls = true;
}

size_t wasmc_default_socket_path(char *buf, size_t len)
{
	const char *env = getenv("WASMC_SOCKET");
	struct stat st;
	int n;
	if (env && env[0])
		n = snprintf(buf, len, "%s", env);
	else if (stat(WCL_SYSTEM_SOCKET, &st) == 0)
		n = snprintf(buf, len, "%s", WCL_SYSTEM_SOCKET);
	else if ((env = getenv("XDG_RUNTIME_DIR")) && env[0])
		n = snprintf(buf, len, "%s/wasmc/wasmcd.sock", env);
	else
		n = snprintf(buf, len, "/tmp/wasmc-%u/wasmcd.sock", (unsigned)getuid());
	return n < 0 ? 0 : (size_t)n;
}

void wcl_conn_ref(wasmc_conn *conn)
{
	atomic_fetch_add(&conn->refs, 1);
}

void wcl_conn_unref(wasmc_conn *conn)
{
	if (atomic_fetch_sub(&conn->refs, 1) != 1)
		return;
	if (conn->transport)
		conn->transport->ops->close(conn->transport);
	free(conn->path);
	free(conn->daemon_version);
	free(conn->fingerprint);
	free(conn);
}

int wcl_conn_timeout(const wasmc_conn *conn, wcl_wait wait)
{
	switch (wait) {
	case WCL_WAIT_CONNECT: return conn->connect_timeout_ms;
	case WCL_WAIT_SHORT: return conn->request_timeout_ms;
	case WCL_WAIT_LONG: return conn->call_timeout_ms;
	}
	return -1;
}

wasmc_error *wcl_request(wasmc_conn *conn, wcl_transport *transport,
                         const Wasmc__V1__Request *req, wcl_wait wait,
                         Wasmc__V1__Response__BodyCase expect,
                         wcl_reply **ret_reply)
{
	wcl_reply *r;
	wasmc_error *e = transport->ops->roundtrip(transport, req,
	                                           wcl_conn_timeout(conn, wait), &r);
	if (e)
		return e;
	Wasmc__V1__Response__BodyCase got = r->msg->body_case;
	if (got == WASMC__V1__RESPONSE__BODY_ERROR && expect != got) {
		e = r->msg->error ? wcl_error_from_proto(r->msg->error)
		                  : wcl_error(WASMC_ERR_PROTOCOL, "the daemon sent an empty error");
		wcl_reply_free(r);
		return e;
	}
	if (got != expect) {
		e = wcl_error(WASMC_ERR_PROTOCOL,
		              "the daemon answered with '%s' where '%s' was expected",
		              wcl_response_body_name(got), wcl_response_body_name(expect));
		wcl_reply_free(r);
		return e;
	}
	*ret_reply = r;
	return NULL;
}

static wasmc_error *conn_hello(wasmc_conn *conn, const char *client_name)
{
	Wasmc__V1__Request req = WASMC__V1__REQUEST__INIT;
	Wasmc__V1__Hello hello = WASMC__V1__HELLO__INIT;
	char name[128];
	snprintf(name, sizeof name, "%s", client_name ? client_name : "libwasmc " WCL_VERSION);
	hello.protocol = WCL_PROTOCOL;
	hello.client = name;
	req.body_case = WASMC__V1__REQUEST__BODY_HELLO;
	req.hello = &hello;
	wcl_reply *r;
	wasmc_error *e = wcl_request(conn, conn->transport, &req, WCL_WAIT_CONNECT,
	                             WASMC__V1__RESPONSE__BODY_HELLO, &r);
	if (e)
		return e;
	const Wasmc__V1__HelloReply *h = r->msg->hello;
	if (h == NULL || h->protocol != WCL_PROTOCOL) {
		e = wcl_error(WASMC_ERR_VERSION_MISMATCH,
		              "wasmcd at %s speaks protocol %u, libwasmc %s speaks %u",
		              conn->path, h ? h->protocol : 0, WCL_VERSION, WCL_PROTOCOL);
		goto out;
	}
	conn->daemon_version = strdup(h->version ? h->version : "");
	conn->fingerprint = strdup(h->fingerprint ? h->fingerprint : "");
	if (conn->daemon_version == NULL || conn->fingerprint == NULL) {
		e = wcl_error(WASMC_ERR_NO_MEMORY, "out of memory");
		goto out;
	}
	conn->uid = h->uid;
out:
	wcl_reply_free(r);
	return e;
}

wasmc_error *wasmc_conn_open(const char *socket_path,
                             const wasmc_conn_options *opts,
                             wasmc_conn **ret_conn)
{
	wasmc_conn_options defaults;
	wasmc_error *e;
	if (opts == NULL) {
		wasmc_conn_options_init(&defaults);
		opts = &defaults;
	}
	if (ret_conn == NULL)
		return wcl_error(WASMC_ERR_BAD_ARGUMENT, "wasmc_conn_open: ret_conn is NULL");
	wasmc_conn *conn = calloc(1, sizeof *conn);
	if (conn == NULL)
		return wcl_error(WASMC_ERR_NO_MEMORY, "out of memory");
	atomic_init(&conn->refs, 1);
	conn->connect_timeout_ms = opts->connect_timeout_ms;
	conn->request_timeout_ms = opts->request_timeout_ms;
	conn->call_timeout_ms = opts->call_timeout_ms;
	conn->recv_max = opts->recv_max_bytes ? opts->recv_max_bytes : (size_t)64 << 20;
	conn->direct_calls = opts->direct_calls;
	if (socket_path && socket_path[0]) {
		conn->path = strdup(socket_path);
	} else {
		size_t n = wasmc_default_socket_path(NULL, 0);
		conn->path = malloc(n + 1);
		if (conn->path)
			wasmc_default_socket_path(conn->path, n + 1);
	}
	if (conn->path == NULL) {
		e = wcl_error(WASMC_ERR_NO_MEMORY, "out of memory");
		goto fail;
	}
	e = wcl_nng_open(conn->path, conn->recv_max, &conn->transport);
	if (e)
		goto fail;
	e = conn_hello(conn, opts->client_name);
	if (e)
		goto fail;
	*ret_conn = conn;
	return NULL;
fail:
	wcl_conn_unref(conn);
	return e;
}

void wasmc_conn_close(wasmc_conn *conn)
{
	if (conn)
		wcl_conn_unref(conn);
}

const char *wasmc_conn_socket_path(const wasmc_conn *conn)
{
	return conn->path;
}

const char *wasmc_conn_daemon_version(const wasmc_conn *conn)
{
	return conn->daemon_version ? conn->daemon_version : "";
}

const char *wasmc_conn_fingerprint(const wasmc_conn *conn)
{
	return conn->fingerprint ? conn->fingerprint : "";
}

uint32_t wasmc_conn_uid(const wasmc_conn *conn)
{
	return conn->uid;
}
