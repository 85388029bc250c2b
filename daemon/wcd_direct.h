/*
 * wcd_direct.h - hands each instance's direct channel to its owner
 * (wasmc.proto, "Direct channel"; DESIGN.md §7): a unix stream listener at
 * `<socket>.chan` beside the nng socket, with its mode and group.
 *
 * A client connects, sends "WCD1" + a 16-byte instance handle and gets one
 * status byte, with the channel's socket (SCM_RIGHTS) when it is 0. The
 * peer's uid (SO_PEERCRED) must own the instance; each channel is handed
 * out once. Every connection is bounded in time (500 ms per read or
 * write), so a client that sends nothing delays others by that much at
 * most; a few threads accept at once. The daemon never reads a call from
 * the channel: after the handout it is out of the call path.
 *
 * Thread-safe. wcd_direct_free stops the threads, removes the path and
 * accepts NULL.
 */
#ifndef WCD_DIRECT_H
#define WCD_DIRECT_H

#include <stdbool.h>
#include <sys/types.h>

#include "cmn_error.h"
#include "wcd_inst.h"

#define WCD_DIRECT_SUFFIX ".chan"

typedef struct wcd_direct wcd_direct;

/* Listens at `socket_path` + WCD_DIRECT_SUFFIX (mode 0660, group `gid`
 * unless (gid_t)-1); `insts` is borrowed and must outlive the listener. */
bool wcd_direct_start(wcd_insts *insts, const char *socket_path, gid_t gid, wcd_direct **ret,
                      cmn_error *err);

/* New clients find no socket file; connections being served finish. */
void wcd_direct_stop_listening(wcd_direct *d);

void wcd_direct_free(wcd_direct *d);

#endif
