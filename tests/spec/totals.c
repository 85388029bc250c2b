/* totals.c - sums over scripts, and the closing lines (totals.h). */
#include "totals.h"

#include <stdio.h>

/* Adds every number of `from` ({"kind": {"outcome": n}}) into `into`. */
void add_commands(json_t *into, json_t *from)
{
	const char *type;
	json_t *c;
	json_object_foreach(from, type, c)
	{
		json_t *dst = kind_entry(into, type);
		const char *key;
		json_t *v;
		json_object_foreach(c, key, v)
		{
			if (!json_object_get(dst, key))
				json_object_set_new(dst, key, json_integer(0));
			add_to(dst, key, json_integer_value(v));
		}
	}
}

/* Sums one outcome over all command kinds. */
static long sum_outcome(json_t *commands, const char *key)
{
	const char *type;
	json_t *c;
	long n = 0;
	json_object_foreach(commands, type, c)
	{
		n += (long)json_integer_value(json_object_get(c, key));
	}
	return n;
}

/* {"passed": n, "failed": n, ...} summed over the kinds of `commands`. */
json_t *outcome_totals(json_t *commands)
{
	json_t *t = json_object();
	for (int k = 0; k < NOUTCOMES; k++)
		json_object_set_new(t, OUTCOME_KEYS[k],
		                    json_integer(sum_outcome(commands, OUTCOME_KEYS[k])));
	return t;
}

/* "N passed, M failed, K skipped, C converter_rejected, R not_run,
 * F known_failure" from outcome totals. */
void format_totals(json_t *t, char *out, size_t outlen)
{
	size_t o = 0;
	out[0] = '\0';
	for (int k = 0; k < NOUTCOMES && o < outlen; k++)
		o += (size_t)snprintf(out + o, outlen - o, "%s%lld %s", k ? ", " : "",
		                      (long long)json_integer_value(json_object_get(t, OUTCOME_KEYS[k])),
		                      OUTCOME_KEYS[k]);
}

/* The command kinds whose passes carry a message to compare. */
static const char *const MESSAGE_KINDS[] = {
	"assert_malformed", "assert_invalid", "assert_trap", "assert_exhaustion",
	"assert_unlinkable", "assert_uninstantiable", "assert_malformed_custom",
	"assert_invalid_custom",
};

/* Prints "messages matched: KIND m/p, ..." (m of the p passed) and
 * returns them as {"KIND": {"matched": m, "passed": p}}. */
json_t *message_agreement(json_t *commands)
{
	json_t *ret = json_object();
	printf("messages matched:");
	bool first = true;
	for (size_t i = 0; i < sizeof MESSAGE_KINDS / sizeof MESSAGE_KINDS[0]; i++) {
		json_t *c = json_object_get(commands, MESSAGE_KINDS[i]);
		if (!c)
			continue;
		json_int_t m = json_integer_value(json_object_get(c, MATCHED_KEY));
		json_int_t p = json_integer_value(json_object_get(c, "passed"));
		printf("%s %s %lld/%lld", first ? "" : ",", MESSAGE_KINDS[i], (long long)m,
		       (long long)p);
		first = false;
		json_object_set_new(ret, MESSAGE_KINDS[i],
		                    json_pack("{s:I, s:I}", "matched", m, "passed", p));
	}
	printf("%s\n", first ? " (no assertions with messages)" : "");
	return ret;
}
