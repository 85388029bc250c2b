#include "cmn_error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void cmn_error_set(cmn_error *err, bool has_offset, size_t offset,
                   const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	err->has_offset = has_offset;
	err->offset = has_offset ? offset : 0;
}

void cmn_error_clear(cmn_error *err)
{
	if (err == NULL)
		return;
	memset(err, 0, sizeof(*err));
}
