/*
 * wcl_conn.h - the connection object behind wasmc_conn, and the one place
 * requests go through.
 *
 * A connection is reference-counted: the user's handle holds one
 * reference, each module and instance another. The transport is closed
 * when the last reference goes.
 */
#ifndef WCL_CONN_H
#define WCL_CONN_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <wasmc/conn.h>

#include "wcl_proto.h"
#include "wcl_transport.h"

struct wasmc_conn {
	atomic_uint refs;
	wcl_transport *transport;
	char *path;
	char *daemon_version;
	char *fingerprint;
	uint32_t uid;
	int connect_timeout_ms;
	int request_timeout_ms;
	int call_timeout_ms;
	size_t recv_max;
	bool direct_calls; /* instances ask for their direct channel */
};

/* How long a request may take: short requests or uploads/calls. */
typedef enum wcl_wait {
	WCL_WAIT_CONNECT,
	WCL_WAIT_SHORT,
	WCL_WAIT_LONG,
} wcl_wait;

void wcl_conn_ref(wasmc_conn *conn);
void wcl_conn_unref(wasmc_conn *conn);

int wcl_conn_timeout(const wasmc_conn *conn, wcl_wait wait);

/* Sends `req` over `transport` (the connection's, or an instance's
 * channel) and expects a reply with body `expect`. An Error reply becomes
 * the matching wasmc_error; another body is WASMC_ERR_PROTOCOL. On success
 * *ret_reply is the reply (free with wcl_reply_free). */
wasmc_error *wcl_request(wasmc_conn *conn, wcl_transport *transport,
                         const Wasmc__V1__Request *req, wcl_wait wait,
                         Wasmc__V1__Response__BodyCase expect,
                         wcl_reply **ret_reply);

#endif
