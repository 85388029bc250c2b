/*
 * test_component.c - components end to end: a real wasmcd compiling them
 * into containers, exec workers running their plans, libwasmc calling
 * them with component values. Fixtures are built from our sources by
 * `make component-fixtures` (tests/fixtures/components/, checked there
 * against jco's own runtime in node) into $WASMC_IT_COMPONENTS.
 *
 * Covered: the seed example (examples/greet with the C and the JavaScript
 * guest); every value type in both directions (values-c echoes, the edge
 * values of run-values.mjs: extremes, NaN, empty and 100,000-byte strings
 * and lists, nested list<record{..variant{..list..}}>); flags of 0 and 33
 * labels refused as the suite says; a trap poisoning the instance; an
 * import called during post-return; client callbacks with component
 * values; hostile values.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wasmc/wasmc.h>

#include "it_check.h"
#include "it_daemon.h"

static const char *comp_path(const char *name)
{
	static char path[512];
	const char *dir = getenv("WASMC_IT_COMPONENTS");
	snprintf(path, sizeof path, "%s/%s.wasm", dir && *dir ? dir : "build/fixtures/components",
	         name);
	return path;
}

static wasmc_module *load_comp(wasmc_conn *c, const char *name)
{
	wasmc_module *m = NULL;
	it_ok(wasmc_module_load_file(c, comp_path(name), WASMC_TIER_FAST, &m), name);
	cr_assert(wasmc_module_is_component(m), "%s is not a component", name);
	return m;
}

/* Calls `text` ("echo-u8(255)") and returns its results as WAVE, joined
 * by ", " (new string), or NULL with *ret_err set. */
static char *call_wave(wasmc_instance *inst, const char *text, wasmc_error **ret_err)
{
	char *name = NULL, *out = NULL;
	wasmc_cval *args = NULL, *res = NULL;
	size_t nargs = 0, nres = 0;
	*ret_err = wasmc_cwave_call_parse(text, NULL, &name, &args, &nargs);
	if (*ret_err)
		return NULL;
	const wasmc_citem *ex = wasmc_component_instance_export_find(inst, name);
	free(name);
	name = NULL;
	cr_assert_not_null(ex, "no export for %s", text);
	*ret_err = wasmc_cwave_call_parse(text, ex->type, &name, &args, &nargs);
	if (*ret_err)
		return NULL;
	*ret_err = wasmc_component_call(inst, name, args, nargs, &res, &nres);
	if (*ret_err)
		goto free_args;
	size_t cap = 64, len = 0;
	out = calloc(1, cap);
	for (size_t i = 0; i < nres; i++) {
		char *s = NULL;
		it_ok(wasmc_cwave_format(&res[i], wasmc_ctype_result_type(ex->type, i), &s),
		      "format");
		size_t need = len + strlen(s) + 3;
		if (need > cap) {
			cap = need * 2;
			out = realloc(out, cap);
		}
		len += (size_t)sprintf(out + len, "%s%s", i ? ", " : "", s);
		free(s);
	}
	wasmc_cvals_free(res, nres);
free_args:
	wasmc_cvals_free(args, nargs);
	free(name);
	return out;
}

static void expect_call(wasmc_instance *inst, const char *text, const char *want)
{
	wasmc_error *e = NULL;
	char *got = call_wave(inst, text, &e);
	cr_expect_null(e, "%.80s: %s", text, e ? wasmc_error_message(e) : "");
	if (got)
		cr_expect_str_eq(got, want, "%.80s gave %.200s", text, got);
	wasmc_error_free(e);
	free(got);
}

/* Calls `text` and expects a trap whose message contains `msg`. */
static void expect_trap(wasmc_instance *inst, const char *text, const char *msg)
{
	wasmc_error *e = NULL;
	char *got = call_wave(inst, text, &e);
	cr_expect_null(got, "%.80s returned %s", text, got);
	cr_expect_eq(wasmc_error_outcome(e), WASMC_TRAP, "%.80s did not trap", text);
	cr_expect(e && strstr(wasmc_error_message(e), msg), "%.80s: %s", text,
	          e ? wasmc_error_message(e) : "no error");
	free(got);
	wasmc_error_free(e);
}

/* ---------------------------------------------------------------------------
 * The seed example
 */

static void greet_with(const it_daemon *d, const char *fixture)
{
	char cmd[1024], *out = NULL;
	snprintf(cmd, sizeof cmd, "%s --socket %s %s", it_bin("greet"), d->socket,
	         comp_path(fixture));
	cr_expect_eq(it_run(cmd, true, &out), 0, "%s: %s", cmd, out);
	cr_expect_str_eq(out, "Hello, Alice!\n", "%s", fixture);
	free(out);
	snprintf(cmd, sizeof cmd, "%s --socket %s %s 'Zoë 🦀'", it_bin("greet"), d->socket,
	         comp_path(fixture));
	cr_expect_eq(it_run(cmd, true, &out), 0, "%s: %s", cmd, out);
	cr_expect_str_eq(out, "Hello, Zoë 🦀!\n", "%s", fixture);
	free(out);
}

Test(component, greet_example_c_and_js, .timeout = 600)
{
	it_daemon d;
	cr_assert(it_daemon_start(&d, "--pool 2"));
	greet_with(&d, "greet-c");
	greet_with(&d, "greet-js");
	it_daemon_free(&d);
}

/* ---------------------------------------------------------------------------
 * Values
 */

Test(component, every_value_type_both_ways, .timeout = 240)
{
	it_daemon d;
	cr_assert(it_daemon_start(&d, "--pool 2"));
	wasmc_conn *c = NULL;
	it_ok(wasmc_conn_open(d.socket, NULL, &c), "connect");
	wasmc_module *m = load_comp(c, "values-c");
	wasmc_instance *inst = NULL;
	it_ok(wasmc_component_instance_new(m, NULL, NULL, &inst), "instantiate");

	/* Each call must give its argument back, printed the canonical way;
	 * `[want]` after a call when that differs from how it was written. */
	static const char *const same[] = {
		"echo-bool(true)", "echo-bool(false)",
		"echo-u8(0)", "echo-u8(255)", "echo-s8(-128)", "echo-s8(127)",
		"echo-u16(65535)", "echo-s16(-32768)", "echo-u32(4294967295)",
		"echo-s32(-2147483648)", "echo-u64(0)", "echo-u64(18446744073709551615)",
		"echo-s64(-9223372036854775808)", "echo-s64(9223372036854775807)",
		"echo-f32(1.5)", "echo-f32(-0)", "echo-f32(inf)", "echo-f32(nan)",
		"echo-f64(3.141592653589793)", "echo-f64(-inf)", "echo-f64(nan)",
		"echo-f64(-0.000001)",
		"echo-char('a')", "echo-char('\\u{10ffff}')[\'\xf4\x8f\xbf\xbf\']", "echo-char('🦀')",
		"echo-string(\"\")", "echo-string(\"Zoë 🦀\")",
		"echo-list-u8([])", "echo-list-u8([0, 1, 2, 255])",
		"echo-list-string([])", "echo-list-string([\"\", \"a\", \"Zoë 🦀\"])",
		"echo-record({a: 200, b: 18446744073709551615, c: \"rec\", d: 3.5})",
		"echo-tuple((-1, 2.5, \"tuple\"))",
		"echo-variant(none)[%none]", "echo-variant(circle(1.5))",
		"echo-variant(rect((4294967295, 7)))", "echo-variant(label(\"Zoë\"))",
		"echo-variant(big(18446744073709551615))", "echo-variant(measure(-2.75))",
		"echo-enum(red)", "echo-enum(blue)",
		"echo-option(none)", "echo-option(some(\"\"))", "echo-option(some(\"some\"))",
		"echo-result(ok(\"fine\"))", "echo-result(err(4294967295))",
		"echo-flags1({a})", "echo-flags1({})", "echo-flags9({b8})",
		"echo-flags32({b0, b3, b6, b9, b12, b15, b18, b21, b24, b27, b30})",
		"echo-nested([])",
	};
	wasmc_error *e = NULL;
	for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
		char text[256];
		const char *cut = strstr(same[i], ")[");
		snprintf(text, sizeof text, "%.*s", cut ? (int)(cut - same[i] + 1) : 255, same[i]);
		char *got = call_wave(inst, text, &e);
		cr_expect_null(e, "%s: %s", same[i], e ? wasmc_error_message(e) : "");
		wasmc_error_free(e);
		const char *open = strchr(same[i], '('), *alt = strstr(same[i], ")[");
		const char *want = alt ? alt + 2 : open + 1;
		size_t alen = alt ? strlen(want) - 1 : strlen(open + 1) - 1;
		if (got)
			cr_expect(strlen(got) == alen && memcmp(got, want, alen) == 0,
			          "%s gave %s", same[i], got);
		free(got);
	}
	expect_call(inst, "echo-nested([{id: 1, tags: [], value: empty}, "
	                  "{id: 2, tags: [\"a\", \"\"], value: num(-9223372036854775808)}, "
	                  "{id: 3, tags: [\"ü\"], value: text(\"Zoë 🦀\")}, "
	                  "{id: 4, tags: [], value: bytes([0, 1, 255])}, "
	                  "{id: 5, tags: [\"x\", \"y\", \"z\"], value: children([1, 2, 4294967295])}, "
	                  "{id: 6, tags: [], value: bytes([])}])",
	            "[{id: 1, tags: [], value: empty}, "
	            "{id: 2, tags: [\"a\", \"\"], value: num(-9223372036854775808)}, "
	            "{id: 3, tags: [\"ü\"], value: text(\"Zoë 🦀\")}, "
	            "{id: 4, tags: [], value: bytes([0, 1, 255])}, "
	            "{id: 5, tags: [\"x\", \"y\", \"z\"], value: children([1, 2, 4294967295])}, "
	            "{id: 6, tags: [], value: bytes([])}]");
	expect_call(inst, "upper-ascii(\"Zoë 🦀 abc\")", "(13, \"ZOë 🦀 ABC\")");

	/* 100,000 bytes each way: a string and a list<u8>. */
	size_t n = 100000;
	char *big = malloc(n + 1);
	memset(big, 'x', n);
	memcpy(big + n - strlen("Zoë 🦀!"), "Zoë 🦀!", strlen("Zoë 🦀!"));
	big[n] = 0;
	wasmc_cval arg, *res = NULL;
	size_t nres = 0;
	it_ok(wasmc_cval_string(big, n, &arg), "string");
	it_ok(wasmc_component_call(inst, "echo-string", &arg, 1, &res, &nres), "echo-string big");
	size_t len = 0;
	const char *back = nres == 1 ? wasmc_cval_get_string(&res[0], &len) : NULL;
	cr_expect(back && len == n && memcmp(back, big, n) == 0, "100,000-byte string came back");
	wasmc_cvals_free(res, nres);
	wasmc_cval_drop(&arg);
	it_ok(wasmc_cval_list(n, &arg), "list");
	for (size_t i = 0; i < n; i++) {
		wasmc_cval b = wasmc_cval_u8((uint8_t)(i * 7));
		cr_assert(wasmc_cval_set(&arg, i, &b));
	}
	it_ok(wasmc_component_call(inst, "echo-list-u8", &arg, 1, &res, &nres), "echo-list-u8 big");
	cr_expect(nres == 1 && wasmc_cval_equal(&res[0], &arg), "100,000-byte list<u8> came back");
	wasmc_cvals_free(res, nres);
	wasmc_cval_drop(&arg);
	free(big);

	/* Wrong values from this client: an error, and the instance goes on. */
	wasmc_cval wrong = wasmc_cval_s8(1);
	e = wasmc_component_call(inst, "echo-u8", &wrong, 1, &res, &nres);
	cr_expect_eq(wasmc_error_code(e), WASMC_ERR_BAD_ARGUMENT, "%s",
	             e ? wasmc_error_message(e) : "accepted");
	wasmc_error_free(e);
	expect_call(inst, "echo-u8(7)", "7");

	wasmc_instance_free(inst);
	wasmc_module_free(m);
	wasmc_conn_close(c);
	it_daemon_free(&d);
}

Test(component, flags_of_0_and_33_labels_are_refused, .timeout = 120)
{
	it_daemon d;
	cr_assert(it_daemon_start(&d, "--pool 1"));
	wasmc_conn *c = NULL;
	it_ok(wasmc_conn_open(d.socket, NULL, &c), "connect");
	static const struct {
		const char *name, *msg;
	} bad[] = {{"flags0", "flags must have at least one entry"},
	           {"flags33", "cannot have more than 32 flags"}};
	for (size_t i = 0; i < 2; i++) {
		wasmc_module *m = NULL;
		wasmc_error *e = wasmc_module_load_file(c, comp_path(bad[i].name), WASMC_TIER_FAST, &m);
		cr_expect_eq(wasmc_error_code(e), WASMC_ERR_INVALID_MODULE, "%s: %s", bad[i].name,
		             e ? wasmc_error_message(e) : "accepted");
		cr_expect(e && strstr(wasmc_error_message(e), bad[i].msg), "%s: %s", bad[i].name,
		          e ? wasmc_error_message(e) : "");
		wasmc_error_free(e);
		wasmc_module_free(m);
	}
	wasmc_conn_close(c);
	it_daemon_free(&d);
}

/* ---------------------------------------------------------------------------
 * Traps and the instance rules
 */

Test(component, a_trap_poisons_the_instance, .timeout = 120)
{
	it_daemon d;
	cr_assert(it_daemon_start(&d, "--pool 1"));
	wasmc_conn *c = NULL;
	it_ok(wasmc_conn_open(d.socket, NULL, &c), "connect");
	wasmc_module *m = load_comp(c, "trap");
	wasmc_instance *inst = NULL;
	it_ok(wasmc_component_instance_new(m, NULL, NULL, &inst), "instantiate");
	expect_call(inst, "answer()", "42");
	wasmc_error *e = wasmc_component_call_void(inst, "boom");
	cr_expect_eq(wasmc_error_outcome(e), WASMC_TRAP);
	cr_expect(e && strstr(wasmc_error_message(e), "unreachable"), "%s",
	          e ? wasmc_error_message(e) : "no trap");
	wasmc_error_free(e);
	/* a poisoned instance refuses every call */
	expect_trap(inst, "answer()", "cannot enter component instance");
	wasmc_instance_free(inst);
	wasmc_module_free(m);
	wasmc_conn_close(c);
	it_daemon_free(&d);
}

/* Core exception handling inside a component, through wasmcd: a throw
 * caught by another core instance, then one that escapes, which is a trap
 * that poisons the instance like any other. */
Test(component, a_guest_exception_is_caught_or_traps, .timeout = 120)
{
	it_daemon d;
	cr_assert(it_daemon_start(&d, "--pool 1"));
	wasmc_conn *c = NULL;
	it_ok(wasmc_conn_open(d.socket, NULL, &c), "connect");
	wasmc_module *m = load_comp(c, "exceptions");
	wasmc_instance *inst = NULL;
	it_ok(wasmc_component_instance_new(m, NULL, NULL, &inst), "instantiate");
	expect_call(inst, "run(42)", "42");
	expect_call(inst, "run(0)", "99");
	expect_call(inst, "run(4294967295)", "4294967295");
	expect_trap(inst, "boom(7)", "uncaught exception");
	expect_trap(inst, "run(1)", "cannot enter component instance");
	wasmc_instance_free(inst);
	wasmc_module_free(m);
	wasmc_conn_close(c);
	it_daemon_free(&d);
}

static int pings;

static const char *ping_cb(void *env, const wasmc_cval *args, size_t nargs,
                           wasmc_cval *results, size_t nresults)
{
	(void)env, (void)args, (void)nargs, (void)results, (void)nresults;
	pings++;
	return NULL;
}

Test(component, import_during_post_return_traps, .timeout = 120)
{
	it_daemon d;
	cr_assert(it_daemon_start(&d, "--pool 1"));
	wasmc_conn *c = NULL;
	it_ok(wasmc_conn_open(d.socket, NULL, &c), "connect");
	wasmc_module *m = load_comp(c, "post-return-import");
	wasmc_linker *l = wasmc_linker_new();
	it_ok(wasmc_linker_define_func(l, "", "ping", ping_cb, NULL), "define");
	wasmc_instance *inst = NULL;
	it_ok(wasmc_component_instance_new(m, l, NULL, &inst), "instantiate");
	pings = 0;
	it_ok(wasmc_component_call_void(inst, "call-ping"), "call-ping");
	cr_expect_eq(pings, 1, "ping ran %d times from an ordinary export", pings);
	expect_trap(inst, "run()", "cannot leave component instance");
	cr_expect_eq(pings, 1, "ping ran during post-return");
	wasmc_instance_free(inst);
	wasmc_linker_free(l);
	wasmc_module_free(m);
	wasmc_conn_close(c);
	it_daemon_free(&d);
}

Test(component, missing_import_is_a_link_error, .timeout = 120)
{
	it_daemon d;
	cr_assert(it_daemon_start(&d, "--pool 1"));
	wasmc_conn *c = NULL;
	it_ok(wasmc_conn_open(d.socket, NULL, &c), "connect");
	wasmc_module *m = load_comp(c, "greet-c");
	wasmc_instance *inst = NULL;
	wasmc_error *e = wasmc_component_instance_new(m, NULL, NULL, &inst);
	cr_expect_eq(wasmc_error_code(e), WASMC_ERR_LINK_FAILED, "%s",
	             e ? wasmc_error_message(e) : "instantiated");
	cr_expect(e && strstr(wasmc_error_message(e), "name"), "%s",
	          e ? wasmc_error_message(e) : "");
	wasmc_error_free(e);
	wasmc_module_free(m);
	wasmc_conn_close(c);
	it_daemon_free(&d);
}

/* ---------------------------------------------------------------------------
 * Resources both ways (resources-c): the guest's `counter` used through
 * its constructor and methods; the client's `logger` lent to the guest
 * (borrow) and given to it (own: the guest drops it, the client's
 * destructor runs).
 */

typedef struct logger_tab {
	int lines[4];
	char last[4][64];
	int dropped[4];
} logger_tab;

static const char *logger_log(void *env, const wasmc_cval *args, size_t nargs,
                              wasmc_cval *results, size_t nresults)
{
	logger_tab *t = env;
	(void)results, (void)nresults;
	if (nargs != 2 || wasmc_cval_kind(&args[0]) != WASMC_CK_BORROW)
		return "logger.log: wrong arguments";
	uint64_t rep = wasmc_cval_handle(&args[0]);
	if (rep >= 4)
		return "logger.log: unknown logger";
	size_t len = 0;
	const char *s = wasmc_cval_get_string(&args[1], &len);
	t->lines[rep]++;
	snprintf(t->last[rep], sizeof t->last[rep], "%.*s", (int)len, s);
	return NULL;
}

static void logger_drop(void *env, uint64_t rep)
{
	logger_tab *t = env;
	if (rep < 4)
		t->dropped[rep]++;
}

static int64_t call_u32(wasmc_instance *inst, const char *name, const wasmc_cval *args, size_t n)
{
	wasmc_cval *res = NULL;
	size_t nres = 0;
	it_ok(wasmc_component_call(inst, name, args, n, &res, &nres), name);
	cr_assert_eq(nres, 1, "%s: %zu results", name, nres);
	int64_t v = (int64_t)wasmc_cval_get_u64(&res[0]);
	wasmc_cvals_free(res, nres);
	return v;
}

#define COUNTERS "example:resources/counters#"

Test(component, resources_both_ways, .timeout = 120)
{
	it_daemon d;
	cr_assert(it_daemon_start(&d, "--pool 1"));
	wasmc_conn *c = NULL;
	it_ok(wasmc_conn_open(d.socket, NULL, &c), "connect");
	wasmc_module *m = load_comp(c, "resources-c");
	logger_tab t;
	memset(&t, 0, sizeof t);
	wasmc_linker *l = wasmc_linker_new();
	it_ok(wasmc_linker_define_resource(l, "", "logger", logger_drop, &t), "define logger");
	it_ok(wasmc_linker_define_func(l, "", "[method]logger.log", logger_log, &t), "define log");
	wasmc_instance *inst = NULL;
	it_ok(wasmc_component_instance_new(m, l, NULL, &inst), "instantiate");

	/* The guest's counter. */
	cr_expect_eq(call_u32(inst, COUNTERS "live", NULL, 0), 0);
	wasmc_cval a = wasmc_cval_u32(5), *res = NULL;
	size_t nres = 0;
	it_ok(wasmc_component_call(inst, COUNTERS "[constructor]counter", &a, 1, &res, &nres),
	      "constructor");
	cr_assert(nres == 1 && wasmc_cval_kind(&res[0]) == WASMC_CK_OWN, "an own handle back");
	uint64_t h = wasmc_cval_handle(&res[0]);
	wasmc_cvals_free(res, nres);
	wasmc_cval b = wasmc_cval_borrow(h);
	it_ok(wasmc_component_call(inst, COUNTERS "[method]counter.inc", &b, 1, &res, &nres), "inc");
	it_ok(wasmc_component_call(inst, COUNTERS "[method]counter.inc", &b, 1, &res, &nres), "inc");
	cr_expect_eq(call_u32(inst, COUNTERS "[method]counter.get", &b, 1), 7);
	cr_expect_eq(call_u32(inst, COUNTERS "peek", &b, 1), 7);
	a = wasmc_cval_u32(4294967295u);
	it_ok(wasmc_component_call(inst, COUNTERS "[constructor]counter", &a, 1, &res, &nres),
	      "second constructor");
	uint64_t h2 = wasmc_cval_handle(&res[0]);
	wasmc_cvals_free(res, nres);
	cr_expect_neq(h, h2);
	cr_expect_eq(call_u32(inst, COUNTERS "live", NULL, 0), 2);
	b = wasmc_cval_borrow(h2);
	cr_expect_eq(call_u32(inst, COUNTERS "[method]counter.get", &b, 1), 4294967295u);

	/* Dropping the first counter runs its destructor in the guest. */
	it_ok(wasmc_component_resource_drop(inst, COUNTERS "counter", h), "drop");
	cr_expect_eq(call_u32(inst, COUNTERS "live", NULL, 0), 1);
	wasmc_error *e = wasmc_component_resource_drop(inst, COUNTERS "counter", h);
	cr_expect_not_null(e, "a handle dropped twice");
	wasmc_error_free(e);

	/* The client's logger, lent: three calls back, not dropped. */
	wasmc_cval args[3] = {wasmc_cval_borrow(1), {0}, wasmc_cval_u32(3)};
	it_ok(wasmc_cval_string_z("hi", &args[1]), "string");
	cr_expect_eq(call_u32(inst, "log-with", args, 3), 3);
	cr_expect_eq(t.lines[1], 3);
	cr_expect_str_eq(t.last[1], "hi");
	cr_expect_eq(t.dropped[1], 0, "a lent logger was dropped");
	wasmc_cval_drop(&args[1]);

	/* Given (own): the guest logs once and drops it: the destructor runs. */
	wasmc_cval own[2] = {wasmc_cval_own(2), {0}};
	it_ok(wasmc_cval_string_z("Zoë 🦀", &own[1]), "string");
	it_ok(wasmc_component_call(inst, "consume-logger", own, 2, &res, &nres), "consume-logger");
	wasmc_cvals_free(res, nres);
	cr_expect_eq(t.lines[2], 1);
	cr_expect_str_eq(t.last[2], "Zoë 🦀");
	cr_expect_eq(t.dropped[2], 1, "the given logger's destructor ran %d times", t.dropped[2]);
	wasmc_cval_drop(&own[1]);


	/* A handle this client never got is refused: an error, not a trap
	 * that would poison the instance. */
	b = wasmc_cval_borrow(h2 + 100);
	e = wasmc_component_call(inst, COUNTERS "[method]counter.get", &b, 1, &res,
	                                      &nres);
	cr_expect_not_null(e, "an unknown handle was accepted");
	cr_expect_eq(wasmc_error_outcome(e), WASMC_ERROR, "%s", e ? wasmc_error_message(e) : "");
	wasmc_error_free(e);
	b = wasmc_cval_borrow(h2);
	cr_expect_eq(call_u32(inst, COUNTERS "[method]counter.get", &b, 1), 4294967295u);
	wasmc_instance_free(inst);
	wasmc_linker_free(l);
	wasmc_module_free(m);
	wasmc_conn_close(c);
	it_daemon_free(&d);
}
