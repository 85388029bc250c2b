/*
 * wcl_transport.h - the internal interface that carries one request to the
 * daemon and brings back its reply.
 *
 * Everything above it (connection, modules, instances, calls) speaks in
 * wasmc.v1 Request/Response messages and never sees the medium. Today the
 * only implementation is nng REQ over ipc:// (wcl_nng.c). A later
 * shared-memory channel per instance (DESIGN.md §7) implements the same ops
 * for Call/HostReturn and is installed as the instance's `channel`
 * (wcl_instance.c) without any change to the public API.
 *
 * Thread-safety: roundtrip may be called by many threads at once; close
 * must be called once, when no roundtrip is running.
 */
#ifndef WCL_TRANSPORT_H
#define WCL_TRANSPORT_H

#include <stddef.h>

#include <wasmc/error.h>

#include "wcl_proto.h"

typedef struct wcl_transport wcl_transport;

typedef struct wcl_transport_ops {
	/* Sends `req` and waits up to `timeout_ms` (-1: forever) for its
	 * reply. On success *ret_reply is the unpacked, checked reply (free
	 * with wcl_reply_free). A reply carrying an Error is still a
	 * success here: the caller interprets it. */
	wasmc_error *(*roundtrip)(wcl_transport *t, const Wasmc__V1__Request *req,
	                          int timeout_ms, wcl_reply **ret_reply);
	/* Releases the transport. */
	void (*close)(wcl_transport *t);
} wcl_transport_ops;

struct wcl_transport {
	const wcl_transport_ops *ops;
};

/* nng REQ socket dialing ipc://`path`. The dial is synchronous: when nobody
 * listens at `path` this fails with WASMC_ERR_UNREACHABLE naming the path.
 * Replies larger than `recv_max` are dropped by nng (the request then times
 * out). */
wasmc_error *wcl_nng_open(const char *path, size_t recv_max,
                          wcl_transport **ret_transport);

/* The direct channel of instance `handle` (16 bytes), asked of the daemon
 * listening at `daemon_path` (its nng socket path; the handout is at
 * `daemon_path`.chan). Errors: WASMC_ERR_UNREACHABLE (no such service: an
 * older daemon), WASMC_ERR_NOT_FOUND, WASMC_ERR_UNSUPPORTED (the daemon
 * has none to give). Blocks up to 2 s. The transport serves Call and
 * HostReturn only; once a roundtrip fails it stays failed. */
wasmc_error *wcl_direct_open(const char *daemon_path, const uint8_t handle[16], size_t recv_max,
                             wcl_transport **ret_transport);

#endif
