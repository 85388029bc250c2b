/*
 * cmn_page.h - the operating system's page size.
 *
 * Read once (sysconf) and cached; 4096 when the system does not say.
 * Thread-safe (a benign race on first use writes the same value).
 */
#ifndef CMN_PAGE_H
#define CMN_PAGE_H

#include <stddef.h>

/* The page size in bytes, a power of two. */
size_t cmn_page_size(void);

#endif
