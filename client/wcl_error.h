/*
 * wcl_error.h - making wasmc_error objects (the public type of
 * wasmc/error.h) inside libwasmc.
 *
 * Every constructor returns a new object the caller passes on to the user
 * (who frees it), or the static out-of-memory object when allocation fails;
 * never NULL.
 */
#ifndef WCL_ERROR_H
#define WCL_ERROR_H

#include <wasmc/error.h>

struct wasmc_error {
	wasmc_outcome outcome;  /* WASMC_TRAP or WASMC_ERROR */
	wasmc_errcode code;
	wasmc_trapcode trap;
	char *message;          /* never NULL */
	char *location;         /* never NULL */
};

/* An error with a printf-style message. */
wasmc_error *wcl_error(wasmc_errcode code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A trap; `message` and `location` are copied (NULL counts as ""). */
wasmc_error *wcl_trap(wasmc_trapcode code, const char *message,
                      const char *location);

/* The same error with "PREFIX: " put in front of its message (for context
 * such as a file name). Consumes `e`; returns the new object. */
wasmc_error *wcl_error_prefix(wasmc_error *e, const char *prefix);

#endif
