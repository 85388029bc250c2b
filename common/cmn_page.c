/* cmn_page.c - the operating system's page size (cmn_page.h). */
#include "cmn_page.h"

#include <unistd.h>

size_t cmn_page_size(void)
{
	static size_t ps;

	if (!ps) {
		long v = sysconf(_SC_PAGESIZE);
		ps = v > 0 ? (size_t)v : 4096;
	}
	return ps;
}
