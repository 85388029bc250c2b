/*
 * wcd_proc.h - what /proc says about a worker process: resident memory and
 * CPU time. Thread-safe; reads two small files.
 */
#ifndef WCD_PROC_H
#define WCD_PROC_H

#include <stdint.h>
#include <sys/types.h>

/* Resident set in bytes (/proc/PID/statm); 0 when unreadable. */
uint64_t wcd_proc_rss(pid_t pid);

/* User + system CPU time in ns (/proc/PID/stat); 0 when unreadable. */
uint64_t wcd_proc_cpu_ns(pid_t pid);

#endif
