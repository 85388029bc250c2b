/*
 * wcd_server.h - the IPC server: an nng REP socket on ipc://PATH served by
 * a pool of threads, each with its own nng context (recv -> handle ->
 * send), so a long call never blocks other clients (DESIGN.md §7).
 *
 * Every request: the peer's uid from its pipe, the size limit
 * (max-request-bytes: TOO_LARGE; nng drops a connection sending more than
 * that + 1 MiB), a budgeted unpack, a UTF-8 check of every string, then
 * wcd_dispatch. A connection that closes kills the instances it created.
 *
 * Thread-safety: start and stop are called by main only.
 */
#ifndef WCD_SERVER_H
#define WCD_SERVER_H

#include <stdbool.h>

#include "cmn_error.h"
#include "wcd_daemon.h"

typedef struct wcd_server wcd_server;

/* Creates the socket's directory (0750) when missing, refuses to start
 * when another daemon answers on the path, listens, starts the threads. */
bool wcd_server_start(wcd_daemon *d, wcd_server **ret, cmn_error *err);

/* Stops accepting connections: removes the socket file (requests on open
 * connections still get answers: SHUTTING_DOWN once d->stopping is set). */
void wcd_server_stop_listening(wcd_server *s);

/* Closes the socket, joins the threads, removes the socket file, frees.
 * Accepts NULL. */
void wcd_server_free(wcd_server *s);

#endif
