/*
 * exw_inst.h - the exec worker's one instance: ExecLoad, ExecCall and
 * ExecStats, each answered on the channel (exw_chan.h) before returning.
 *
 * Host functions: a function import named in ExecLoad.imports calls back
 * to the daemon (ExecReply.host_call) and serves requests until the
 * matching ExecHostReturn; calls arriving meanwhile are served by
 * exw_call (nesting to any depth up to EXW_MAX_DEPTH).
 *
 * Process-wide state (one instance per worker); single-threaded.
 */
#ifndef EXW_INST_H
#define EXW_INST_H

#include "exw_chan.h"

/* Guest calls active at once (a call, its host calls' nested calls...). */
#define EXW_MAX_DEPTH 200

/* Loads r's artifact (r->fd, taken), installs the strict filter,
 * instantiates. Answers Loaded, Error, or Trap (start function); host
 * calls of the start function come first. */
void exw_load(exw_request *r);

void exw_call(const Wasmc__V1__Worker__ExecCall *c);

/* Maps the deadline page of ExecWatch (`fd`, borrowed): from then on the
 * deadline of the calls in progress is kept there for the daemon. */
void exw_watch_attach(int fd);

void exw_stats(void);

/* Exercises the runtime's memory and table paths once (a 1-page memory,
 * a small table, then freed), so the first instantiation does not pay
 * their first-use cost. Called while the worker waits in the pool. */
void exw_warm_up(void);

#endif
