/*
 * ctl.h - what the wasmctl commands share: the command-line context, exit
 * codes, error reporting, output helpers. wasmctl uses only the public
 * headers of libwasmc (include/wasmc/).
 */
#ifndef CTL_H
#define CTL_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>
#include <wasmc/wasmc.h>

/* Exit codes (documented in --help). */
enum {
	CTL_EXIT_OK = 0,
	CTL_EXIT_TRAP = 1,        /* the guest trapped */
	CTL_EXIT_USAGE = 2,       /* usage or bad input */
	CTL_EXIT_UNREACHABLE = 3, /* daemon unreachable (or connection lost) */
	CTL_EXIT_DAEMON = 4,      /* the daemon reported an error */
	CTL_EXIT_NOT_FOUND = 5,   /* no such module, instance, export, entry */
};

typedef struct ctl {
	const char *socket;       /* --socket, or NULL */
	bool json;                /* --json */
	wasmc_conn *conn;         /* after ctl_connect */
} ctl;

/* A command: argv[0] is the command name; options of the command are
 * parsed by it. Returns the exit code. */
typedef int (*ctl_cmd_fn)(ctl *c, int argc, char **argv);

int ctl_cmd_compile(ctl *c, int argc, char **argv);
int ctl_cmd_call(ctl *c, int argc, char **argv);
int ctl_cmd_inspect(ctl *c, int argc, char **argv);
int ctl_cmd_ps(ctl *c, int argc, char **argv);
int ctl_cmd_kill(ctl *c, int argc, char **argv);
int ctl_cmd_cache(ctl *c, int argc, char **argv);
int ctl_cmd_status(ctl *c, int argc, char **argv);

/* Connects (once). Returns CTL_EXIT_OK or the exit code after reporting. */
int ctl_connect(ctl *c);

/* Reports `e` (consumed) as text on stderr, or as {"error": ...} on stdout
 * with --json, and returns its exit code. `what` (may be NULL) is context
 * put in front of the message. */
int ctl_fail(ctl *c, wasmc_error *e, const char *what);

/* A usage or input error: message on stderr (and JSON error with --json);
 * returns CTL_EXIT_USAGE. */
int ctl_usage(ctl *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Any other failure found by wasmctl itself: `code` is the JSON error code
 * ("not found", ...). Returns `exit`. */
int ctl_error(ctl *c, int exit, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* The exit code of an error. */
int ctl_exit_code(const wasmc_error *e);

/* Prints `j` (consumed) as one JSON document on stdout. */
void ctl_json_out(json_t *j);

/* Parses a byte count with an optional K, M, G, T suffix (powers of 1024,
 * also KiB, MiB ...). False on anything else or overflow. */
bool ctl_parse_bytes(const char *s, uint64_t *ret);
/* Parses an unsigned decimal number. */
bool ctl_parse_u64(const char *s, uint64_t *ret);

/* "default", "fast", "optimized". */
const char *ctl_tier_name(wasmc_tier t);

/* "12.0 MiB" style. */
void ctl_format_bytes(uint64_t n, char *buf, size_t len);
/* "2026-12-03 12:40" in local time, or "-" for 0. */
void ctl_format_time(int64_t t, char *buf, size_t len);

/* Text of a function type: "func(i32, i32) -> i32". */
void ctl_format_functype(const wasmc_functype *ft, char *buf, size_t len);
/* Text of any extern type: "func(...)", "memory 1..16 pages", ... */
void ctl_format_externtype(const wasmc_externtype *t, char *buf, size_t len);
/* JSON array of value kind names. */
json_t *ctl_json_kinds(const wasmc_valkind *k, size_t n);

/* Components (ctl_comp.c). True when the file at `path` starts with the
 * header of a component binary. */
bool ctl_file_is_component(const char *path);
/* `call` of a loaded component: parses `text` ('export(args)', WAVE) by
 * the export's type, instantiates with `limits` and prints the results. */
int ctl_comp_call(ctl *c, wasmc_module *m, const char *file, const char *text,
                  const wasmc_limits *limits);
/* `inspect` of a loaded component: its WIT world (or JSON). */
int ctl_comp_inspect(ctl *c, wasmc_module *m);

/* Loads FILE (with a progress line on stderr when it takes more than a
 * second), or opens a module by digest when `arg` is a digest and no file
 * of that name exists (allow_digest). */
wasmc_error *ctl_load(ctl *c, const char *arg, wasmc_tier tier, bool allow_digest,
                      wasmc_module **ret_module, double *ret_seconds);

#endif
