/*
 * wasmc/error.h - the error and trap object every fallible libwasmc call
 * returns.
 *
 * Convention: a function that can fail returns `wasmc_error *`: NULL on
 * success, otherwise an object the caller owns and releases with
 * wasmc_error_free(). Outputs (`ret_*` parameters) are written only on
 * success. A call of a guest function has three outcomes
 * (wasmc_error_outcome): WASMC_OK (NULL, results written), WASMC_TRAP (the
 * guest trapped: trap code, message and, when known, location) and
 * WASMC_ERROR (transport, limits, bad arguments, worker died, ...: an error
 * code and message).
 *
 * Error objects are independent of the connection that produced them and
 * may be used and freed on any thread. When memory runs out while creating
 * one, a static "out of memory" object is returned instead; wasmc_error_free
 * accepts it (and NULL) like any other.
 */
#ifndef WASMC_ERROR_H
#define WASMC_ERROR_H

#include <stdint.h>

#include <wasmc/visibility.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wasmc_error wasmc_error;

/* The three outcomes of a call. */
typedef enum wasmc_outcome {
	WASMC_OK = 0,
	WASMC_TRAP = 1,
	WASMC_ERROR = 2,
} wasmc_outcome;

/* Error codes. 1..15 are the daemon's codes (wasmc.v1 ErrorCode, same
 * numbers); 100 and up are detected by the library itself. */
typedef enum wasmc_errcode {
	WASMC_ERR_NONE = 0,
	WASMC_ERR_BAD_REQUEST = 1,       /* the daemon refused the request */
	WASMC_ERR_NOT_FOUND = 2,         /* unknown handle, digest, export */
	WASMC_ERR_PERMISSION_DENIED = 3,
	WASMC_ERR_QUOTA_EXCEEDED = 4,
	WASMC_ERR_TOO_LARGE = 5,
	WASMC_ERR_INVALID_MODULE = 6,    /* does not decode or validate */
	WASMC_ERR_UNSUPPORTED = 7,
	WASMC_ERR_COMPILE_FAILED = 8,
	WASMC_ERR_LINK_FAILED = 9,       /* missing or mistyped import */
	WASMC_ERR_WORKER_DIED = 10,
	WASMC_ERR_BUSY = 11,
	WASMC_ERR_VERSION_MISMATCH = 12,
	WASMC_ERR_SHUTTING_DOWN = 13,
	WASMC_ERR_INTERNAL = 14,
	WASMC_ERR_INSTANCE_DEAD = 15,
	WASMC_ERR_UNREACHABLE = 100,     /* cannot connect to the daemon */
	WASMC_ERR_TRANSPORT = 101,       /* sending or receiving failed */
	WASMC_ERR_TIMEOUT = 102,         /* no reply within the timeout */
	WASMC_ERR_PROTOCOL = 103,        /* the daemon's reply makes no sense */
	WASMC_ERR_BAD_ARGUMENT = 104,    /* the caller passed something wrong */
	WASMC_ERR_IO = 105,              /* reading a local file failed */
	WASMC_ERR_NO_MEMORY = 106,
	WASMC_ERR_SYNTAX = 107,          /* WAVE text that does not parse */
} wasmc_errcode;

/* Trap codes (wasmc.v1 TrapCode, same numbers). */
typedef enum wasmc_trapcode {
	WASMC_TRAP_NONE = 0,
	WASMC_TRAP_UNREACHABLE = 1,
	WASMC_TRAP_MEMORY_OOB = 2,
	WASMC_TRAP_TABLE_OOB = 3,
	WASMC_TRAP_INDIRECT_NULL = 4,
	WASMC_TRAP_INDIRECT_TYPE = 5,
	WASMC_TRAP_DIV_ZERO = 6,
	WASMC_TRAP_INT_OVERFLOW = 7,
	WASMC_TRAP_INVALID_CONVERSION = 8,
	WASMC_TRAP_STACK_EXHAUSTED = 9,
	WASMC_TRAP_OUT_OF_FUEL = 10,
	WASMC_TRAP_DEADLINE = 11,
	WASMC_TRAP_HOST = 12,            /* a host function or callback trapped */
	WASMC_TRAP_OTHER = 13,
} wasmc_trapcode;

/* WASMC_OK for NULL, WASMC_TRAP for a trap, WASMC_ERROR otherwise. */
WASMC_API wasmc_outcome wasmc_error_outcome(const wasmc_error *e);

/* The error code; WASMC_ERR_NONE for a trap or NULL. */
WASMC_API wasmc_errcode wasmc_error_code(const wasmc_error *e);

/* The trap code; WASMC_TRAP_NONE for an error or NULL. */
WASMC_API wasmc_trapcode wasmc_error_trap_code(const wasmc_error *e);

/* The message (never NULL; "" for NULL). Borrowed: valid until
 * wasmc_error_free(e). For a trap it is the spec's wording
 * ("unreachable", "integer divide by zero", ...). */
WASMC_API const char *wasmc_error_message(const wasmc_error *e);

/* Where a trap happened ("function 3 (name)") or "" when unknown.
 * Borrowed like the message. */
WASMC_API const char *wasmc_error_location(const wasmc_error *e);

/* Short names: "not found", "daemon unreachable", ...; "out of fuel", ...
 * Static strings; "unknown" for values outside the enums. */
WASMC_API const char *wasmc_errcode_name(wasmc_errcode code);
WASMC_API const char *wasmc_trapcode_name(wasmc_trapcode code);

/* Releases `e`. Accepts NULL. */
WASMC_API void wasmc_error_free(wasmc_error *e);

#ifdef __cplusplus
}
#endif

#endif
