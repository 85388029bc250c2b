#include "cmn_error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void error_vset(cmn_error *err, const char *fmt, va_list ap)
{
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
}

bool cmn_fail(cmn_error *err, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return false;
	va_start(ap, fmt);
	error_vset(err, fmt, ap);
	va_end(ap);
	err->has_offset = false;
	err->offset = 0;
	return false;
}

bool cmn_fail_at(cmn_error *err, size_t offset, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return false;
	va_start(ap, fmt);
	error_vset(err, fmt, ap);
	va_end(ap);
	err->has_offset = true;
	err->offset = offset;
	return false;
}

void cmn_error_clear(cmn_error *err)
{
	if (err == NULL)
		return;
	memset(err, 0, sizeof(*err));
}
