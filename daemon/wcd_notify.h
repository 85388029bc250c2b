/*
 * wcd_notify.h - the sd_notify protocol (READY=1, STOPPING=1) without
 * libsystemd: one datagram to $NOTIFY_SOCKET when it is set.
 *
 * Thread-safe; never blocks for long (a datagram send). A missing or
 * unreachable socket is not an error for the daemon (logged at debug).
 */
#ifndef WCD_NOTIFY_H
#define WCD_NOTIFY_H

/* Sends `state` ("READY=1", "STOPPING=1", ...) when NOTIFY_SOCKET is set. */
void wcd_notify(const char *state);

#endif
