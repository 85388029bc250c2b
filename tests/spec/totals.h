/*
 * totals.h - sums of the per-kind outcome counts ({"kind": {"passed": n,
 * ..., "messages_matched": n}}, see script.h) over scripts, and the lines
 * that print them. The caller owns every json_t it passes and those
 * returned. Single-threaded.
 */
#ifndef SPEC_TOTALS_H
#define SPEC_TOTALS_H

#include <stddef.h>

#include <jansson.h>

#include "script.h"

/* Adds every number of `from` into `into` (same shape). */
void add_commands(json_t *into, json_t *from);

/* {"passed": n, "failed": n, ...} summed over the kinds of `commands`. */
json_t *outcome_totals(json_t *commands);

/* "N passed, M failed, K skipped, C converter_rejected, R not_run,
 * F known_failure" from outcome totals, into `out`. */
void format_totals(json_t *t, char *out, size_t outlen);

/* Prints "messages matched: KIND m/p, ..." (m of the p passed, for the
 * kinds whose passes carry a message) and returns them as {"KIND":
 * {"matched": m, "passed": p}}. */
json_t *message_agreement(json_t *commands);

#endif
