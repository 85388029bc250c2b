/*
 * wcl_error.c - wasmc_error objects.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wcl_error.h"

static char wcl_empty[] = "";
static char wcl_oom_msg[] = "out of memory";
static struct wasmc_error wcl_oom = {
	.outcome = WASMC_ERROR,
	.code = WASMC_ERR_NO_MEMORY,
	.trap = WASMC_TRAP_NONE,
	.message = wcl_oom_msg,
	.location = wcl_empty,
};

static wasmc_error *wcl_error_alloc(void)
{
	wasmc_error *e = calloc(1, sizeof *e);
	return e;
}

wasmc_error *wcl_error(wasmc_errcode code, const char *fmt, ...)
{
	wasmc_error *e = wcl_error_alloc();
	if (e == NULL)
		return &wcl_oom;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&e->message, fmt, ap);
	va_end(ap);
	if (n < 0) {
		free(e);
		return &wcl_oom;
	}
	e->location = strdup("");
	if (e->location == NULL) {
		free(e->message);
		free(e);
		return &wcl_oom;
	}
	e->outcome = WASMC_ERROR;
	e->code = code;
	e->trap = WASMC_TRAP_NONE;
	return e;
}

wasmc_error *wcl_trap(wasmc_trapcode code, const char *message,
                      const char *location)
{
	wasmc_error *e = wcl_error_alloc();
	if (e == NULL)
		return &wcl_oom;
	e->message = strdup(message ? message : "");
	if (e->message == NULL)
		goto fail_message;
	e->location = strdup(location ? location : "");
	if (e->location == NULL)
		goto fail_location;
	e->outcome = WASMC_TRAP;
	e->code = WASMC_ERR_NONE;
	e->trap = code;
	return e;
fail_location:
	free(e->message);
fail_message:
	free(e);
	return &wcl_oom;
}

wasmc_error *wcl_error_prefix(wasmc_error *e, const char *prefix)
{
	if (e == NULL || e == &wcl_oom)
		return e;
	char *m;
	if (asprintf(&m, "%s: %s", prefix, e->message) < 0)
		return e;
	free(e->message);
	e->message = m;
	return e;
}

wasmc_outcome wasmc_error_outcome(const wasmc_error *e)
{
	return e == NULL ? WASMC_OK : e->outcome;
}

wasmc_errcode wasmc_error_code(const wasmc_error *e)
{
	return e == NULL ? WASMC_ERR_NONE : e->code;
}

wasmc_trapcode wasmc_error_trap_code(const wasmc_error *e)
{
	return e == NULL ? WASMC_TRAP_NONE : e->trap;
}

const char *wasmc_error_message(const wasmc_error *e)
{
	return e == NULL ? "" : e->message;
}

const char *wasmc_error_location(const wasmc_error *e)
{
	return e == NULL ? "" : e->location;
}

const char *wasmc_errcode_name(wasmc_errcode code)
{
	switch (code) {
	case WASMC_ERR_NONE: return "no error";
	case WASMC_ERR_BAD_REQUEST: return "bad request";
	case WASMC_ERR_NOT_FOUND: return "not found";
	case WASMC_ERR_PERMISSION_DENIED: return "permission denied";
	case WASMC_ERR_QUOTA_EXCEEDED: return "quota exceeded";
	case WASMC_ERR_TOO_LARGE: return "too large";
	case WASMC_ERR_INVALID_MODULE: return "invalid module";
	case WASMC_ERR_UNSUPPORTED: return "unsupported";
	case WASMC_ERR_COMPILE_FAILED: return "compile failed";
	case WASMC_ERR_LINK_FAILED: return "link failed";
	case WASMC_ERR_WORKER_DIED: return "worker died";
	case WASMC_ERR_BUSY: return "busy";
	case WASMC_ERR_VERSION_MISMATCH: return "version mismatch";
	case WASMC_ERR_SHUTTING_DOWN: return "shutting down";
	case WASMC_ERR_INTERNAL: return "internal error";
	case WASMC_ERR_INSTANCE_DEAD: return "instance dead";
	case WASMC_ERR_UNREACHABLE: return "daemon unreachable";
	case WASMC_ERR_TRANSPORT: return "transport error";
	case WASMC_ERR_TIMEOUT: return "timeout";
	case WASMC_ERR_PROTOCOL: return "protocol error";
	case WASMC_ERR_BAD_ARGUMENT: return "bad argument";
	case WASMC_ERR_IO: return "i/o error";
	case WASMC_ERR_NO_MEMORY: return "out of memory";
	case WASMC_ERR_SYNTAX: return "syntax error";
	}
	return "unknown";
}

const char *wasmc_trapcode_name(wasmc_trapcode code)
{
	switch (code) {
	case WASMC_TRAP_NONE: return "none";
	case WASMC_TRAP_UNREACHABLE: return "unreachable";
	case WASMC_TRAP_MEMORY_OOB: return "memory out of bounds";
	case WASMC_TRAP_TABLE_OOB: return "table out of bounds";
	case WASMC_TRAP_INDIRECT_NULL: return "indirect call to null";
	case WASMC_TRAP_INDIRECT_TYPE: return "indirect call type mismatch";
	case WASMC_TRAP_DIV_ZERO: return "integer divide by zero";
	case WASMC_TRAP_INT_OVERFLOW: return "integer overflow";
	case WASMC_TRAP_INVALID_CONVERSION: return "invalid conversion to integer";
	case WASMC_TRAP_STACK_EXHAUSTED: return "call stack exhausted";
	case WASMC_TRAP_OUT_OF_FUEL: return "out of fuel";
	case WASMC_TRAP_DEADLINE: return "deadline exceeded";
	case WASMC_TRAP_HOST: return "host trap";
	case WASMC_TRAP_OTHER: return "other";
	}
	return "unknown";
}

void wasmc_error_free(wasmc_error *e)
{
	if (e == NULL || e == &wcl_oom)
		return;
	free(e->message);
	free(e->location);
	free(e);
}
