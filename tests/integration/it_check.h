/*
 * it_check.h - what the integration tests assert about libwasmc results.
 */
#ifndef IT_CHECK_H
#define IT_CHECK_H

#include <wasmc/wasmc.h>

/* Fails the running test (criterion) with `what`, the error's message and
 * its code name when `e` is an error or trap; frees `e`. Returns when e is
 * NULL. */
void it_ok(wasmc_error *e, const char *what);

#endif
