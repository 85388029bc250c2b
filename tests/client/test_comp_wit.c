/*
 * test_comp_wit.c - the WIT text of hand-made ComponentInfo messages
 * (wasmctl inspect prints it): the greet world exactly as `jco wit` prints
 * the fixture, client and guest resources with their methods, interfaces
 * grouped by package, named types; type text of single types; the
 * linker's semver matching.
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "comp_fixture.h"

static char *wit(const wcl_component *c)
{
	char *s;
	wasmc_error *e = wcl_wit_format(c, &s);
	cr_assert_null(e, "%s", wasmc_error_message(e));
	return s;
}

Test(wit, greet_world_as_jco_prints_it)
{
	tb b;
	tb_init(&b);
	uint32_t f = tb_func(&b, 0, 1, "", CK(STRING));
	tb_item(&b, true, "", "name", WASMC__V1__CITEM_KIND__CITEM_FUNC, f);
	tb_item(&b, false, "", "greet", WASMC__V1__CITEM_KIND__CITEM_FUNC, f);
	wcl_component *c = tb_build(&b);
	char *s = wit(c);
	cr_assert_str_eq(s, "package root:component;\n"
	                    "\n"
	                    "world root {\n"
	                    "  import name: func() -> string;\n"
	                    "\n"
	                    "  export greet: func() -> string;\n"
	                    "}\n");
	free(s);
	wcl_component_unref(c);
}

Test(wit, resources_and_interfaces)
{
	tb b;
	tb_init(&b);
	uint32_t logger = tb_resource(&b, "logger", 1);
	uint32_t blog = tb_add(&b, CK(BORROW), logger, 0, 0);
	uint32_t olog = tb_add(&b, CK(OWN), logger, 0, 0);
	uint32_t log = tb_func(&b, 2, "self", blog, "msg", CK(STRING), 0);
	uint32_t counter = tb_resource(&b, "counter", 2);
	uint32_t bc = tb_add(&b, CK(BORROW), counter, 0, 0);
	uint32_t oc = tb_add(&b, CK(OWN), counter, 0, 0);
	uint32_t ctor = tb_func(&b, 1, "start", CK(U32), 1, "", oc);
	uint32_t inc = tb_func(&b, 1, "self", bc, 0);
	uint32_t get = tb_func(&b, 1, "self", bc, 1, "", CK(U32));
	uint32_t open = tb_func(&b, 0, 1, "", oc);
	uint32_t peek = tb_func(&b, 1, "c", bc, 1, "", CK(U32));
	uint32_t logw = tb_func(&b, 3, "log", blog, "msg", CK(STRING), "times", CK(U32), 1, "",
	                        CK(U32));
	uint32_t cons = tb_func(&b, 2, "log", olog, "msg", CK(STRING), 0);
	uint32_t lu8 = tb_add(&b, CK(LIST), CK(U8), 0, 0);
	uint32_t stats = tb_add(&b, CK(TUPLE), 0, 0, 2, "", CK(U32), "", lu8);
	uint32_t fstats = tb_func(&b, 0, 2, "count", CK(U32), "data", stats);
	const char *ci = "example:resources/counters";
	tb_item(&b, true, "", "logger", WASMC__V1__CITEM_KIND__CITEM_RESOURCE, logger);
	tb_item(&b, true, "", "[method]logger.log", WASMC__V1__CITEM_KIND__CITEM_FUNC, log);
	tb_item(&b, true, "wasi:cli/environment@0.2.0", "get-arguments",
	        WASMC__V1__CITEM_KIND__CITEM_FUNC, fstats);
	tb_item(&b, false, "", "log-with", WASMC__V1__CITEM_KIND__CITEM_FUNC, logw);
	tb_item(&b, false, "", "consume-logger", WASMC__V1__CITEM_KIND__CITEM_FUNC, cons);
	tb_item(&b, false, ci, "counter", WASMC__V1__CITEM_KIND__CITEM_RESOURCE, counter);
	tb_item(&b, false, ci, "[constructor]counter", WASMC__V1__CITEM_KIND__CITEM_FUNC, ctor);
	tb_item(&b, false, ci, "[method]counter.inc", WASMC__V1__CITEM_KIND__CITEM_FUNC, inc);
	tb_item(&b, false, ci, "[method]counter.get", WASMC__V1__CITEM_KIND__CITEM_FUNC, get);
	tb_item(&b, false, ci, "[static]counter.open", WASMC__V1__CITEM_KIND__CITEM_FUNC, open);
	tb_item(&b, false, ci, "peek", WASMC__V1__CITEM_KIND__CITEM_FUNC, peek);
	tb_item(&b, false, "example:resources/stats", "stats", WASMC__V1__CITEM_KIND__CITEM_FUNC,
	        fstats);
	wcl_component *c = tb_build(&b);
	char *s = wit(c);
	cr_assert_str_eq(s, "package root:component;\n"
	                    "\n"
	                    "world root {\n"
	                    "  resource logger {\n"
	                    "    log: func(msg: string);\n"
	                    "  }\n"
	                    "  import wasi:cli/environment@0.2.0;\n"
	                    "\n"
	                    "  export log-with: func(log: borrow<logger>, msg: string, times: u32) -> u32;\n"
	                    "  export consume-logger: func(log: logger, msg: string);\n"
	                    "  export example:resources/counters;\n"
	                    "  export example:resources/stats;\n"
	                    "}\n"
	                    "\n"
	                    "package wasi:cli@0.2.0 {\n"
	                    "  interface environment {\n"
	                    "    get-arguments: func() -> (count: u32, data: tuple<u32, list<u8>>);\n"
	                    "  }\n"
	                    "}\n"
	                    "\n"
	                    "package example:resources {\n"
	                    "  interface counters {\n"
	                    "    resource counter {\n"
	                    "      constructor(start: u32);\n"
	                    "      inc: func();\n"
	                    "      get: func() -> u32;\n"
	                    "      open: static func() -> counter;\n"
	                    "    }\n"
	                    "    peek: func(c: borrow<counter>) -> u32;\n"
	                    "  }\n"
	                    "  interface stats {\n"
	                    "    stats: func() -> (count: u32, data: tuple<u32, list<u8>>);\n"
	                    "  }\n"
	                    "}\n");
	free(s);

	/* the items through the public accessors */
	const wasmc_citem *it = wcl_component_export_find(c, "example:resources/counters#[method]counter.get");
	cr_assert_not_null(it);
	cr_assert_eq(it->kind, WASMC_CITEM_FUNC);
	cr_assert_eq(wasmc_ctype_kind(it->type), WASMC_CK_FUNC);
	cr_assert_eq(wasmc_ctype_case_count(it->type), 1);
	cr_assert_str_eq(wasmc_ctype_case_name(it->type, 0), "self");
	const wasmc_ctype *self = wasmc_ctype_case_type(it->type, 0);
	cr_assert_eq(wasmc_ctype_kind(self), WASMC_CK_BORROW);
	cr_assert_str_eq(wasmc_ctype_resource_name(wasmc_ctype_elem(self)), "counter");
	cr_assert_eq(wasmc_ctype_resource_id(wasmc_ctype_elem(self)), 2);
	cr_assert_eq(wasmc_ctype_result_count(it->type), 1);
	cr_assert_eq(wasmc_ctype_kind(wasmc_ctype_result_type(it->type, 0)), WASMC_CK_U32);
	cr_assert_null(wcl_component_export_find(c, "counters#peek"));
	cr_assert_not_null(wcl_component_export_find(c, "log-with"));
	cr_assert_not_null(wcl_component_export_find(c, "#log-with"), "'#x' is the root item x");
	wcl_component_unref(c);
}

Test(wit, named_types_of_the_world)
{
	tb b;
	tb_init(&b);
	uint32_t rec = tb_add(&b, CK(RECORD), 0, 0, 2, "a", CK(U8), "type", CK(STRING));
	uint32_t t2 = tb_add(&b, CK(TUPLE), 0, 0, 2, "", CK(U32), "", CK(U32));
	uint32_t shape = tb_add(&b, CK(VARIANT), 0, 0, 2, "none", TB_NONE, "rect", t2);
	uint32_t color = tb_add(&b, CK(ENUM), 0, 0, 2, "red", TB_NONE, "green", TB_NONE);
	uint32_t fl = tb_add(&b, CK(FLAGS), 0, 0, 1, "a", TB_NONE);
	uint32_t bytes = tb_add(&b, CK(LIST), CK(U8), 0, 0);
	uint32_t res = tb_add(&b, CK(RESULT), TB_NONE, CK(STRING), 0);
	uint32_t opt = tb_add(&b, CK(OPTION), rec, 0, 0);
	uint32_t f = tb_func(&b, 3, "x", rec, "s", shape, "c", color, 1, "", res);
	uint32_t g = tb_func(&b, 2, "f", fl, "b", bytes, 1, "", opt);
	tb_item(&b, true, "", "rec", WASMC__V1__CITEM_KIND__CITEM_TYPE, rec);
	tb_item(&b, true, "", "shape", WASMC__V1__CITEM_KIND__CITEM_TYPE, shape);
	tb_item(&b, true, "", "color", WASMC__V1__CITEM_KIND__CITEM_TYPE, color);
	tb_item(&b, true, "", "flags1", WASMC__V1__CITEM_KIND__CITEM_TYPE, fl);
	tb_item(&b, true, "", "bytes", WASMC__V1__CITEM_KIND__CITEM_TYPE, bytes);
	tb_item(&b, false, "", "run", WASMC__V1__CITEM_KIND__CITEM_FUNC, f);
	tb_item(&b, false, "", "other", WASMC__V1__CITEM_KIND__CITEM_FUNC, g);
	tb_item(&b, false, "", "a-module", WASMC__V1__CITEM_KIND__CITEM_OTHER, 0);
	wcl_component *c = tb_build(&b);
	char *s = wit(c);
	cr_assert_str_eq(s, "package root:component;\n"
	                    "\n"
	                    "world root {\n"
	                    "  record rec {\n"
	                    "    a: u8,\n"
	                    "    %type: string,\n"
	                    "  }\n"
	                    "  variant shape {\n"
	                    "    none,\n"
	                    "    rect(tuple<u32, u32>),\n"
	                    "  }\n"
	                    "  enum color {\n"
	                    "    red,\n"
	                    "    green,\n"
	                    "  }\n"
	                    "  flags flags1 {\n"
	                    "    a,\n"
	                    "  }\n"
	                    "  type bytes = list<u8>;\n"
	                    "\n"
	                    "  export run: func(x: rec, s: shape, c: color) -> result<_, string>;\n"
	                    "  export other: func(f: flags1, b: bytes) -> option<rec>;\n"
	                    "}\n");
	free(s);
	char *t;
	cr_assert_null(wasmc_ctype_text(tb_type(c, opt), &t));
	cr_assert_str_eq(t, "option<rec>");
	free(t);
	cr_assert_null(wasmc_ctype_text(tb_type(c, t2), &t));
	cr_assert_str_eq(t, "tuple<u32, u32>");
	free(t);
	cr_assert_null(wasmc_ctype_text(tb_type(c, f), &t));
	cr_assert_str_eq(t, "func(x: rec, s: shape, c: color) -> result<_, string>");
	free(t);
	cr_assert_eq(wasmc_ctype_case_find(tb_type(c, shape), "rect"), 1);
	cr_assert_eq(wasmc_ctype_case_find(tb_type(c, shape), "circle"), -1);
	cr_assert_null(wasmc_ctype_case_type(tb_type(c, shape), 0));
	cr_assert_eq(wasmc_ctype_err(tb_type(c, res)), wasmc_ctype_primitive(WASMC_CK_STRING));
	cr_assert_null(wasmc_ctype_ok(tb_type(c, res)));
	cr_assert_eq(c->exports[2].kind, WASMC_CITEM_OTHER);
	cr_assert_null(c->exports[2].type);
	wcl_component_unref(c);
}

Test(wit, linker_matches_semver_compatible_interfaces)
{
	cr_assert(wcl_iface_compatible("x:y/z@0.2.3", "x:y/z@0.2.0"));
	cr_assert(wcl_iface_compatible("x:y/z@0.2.0", "x:y/z@0.2.0"));
	cr_assert_not(wcl_iface_compatible("x:y/z@0.2.0", "x:y/z@0.2.3"), "older does not satisfy");
	cr_assert_not(wcl_iface_compatible("x:y/z@0.3.0", "x:y/z@0.2.0"));
	cr_assert(wcl_iface_compatible("x:y/z@1.4.0", "x:y/z@1.2.9"));
	cr_assert_not(wcl_iface_compatible("x:y/z@2.0.0", "x:y/z@1.2.9"));
	cr_assert_not(wcl_iface_compatible("x:y/z@0.0.2", "x:y/z@0.0.1"));
	cr_assert_not(wcl_iface_compatible("x:y/w@0.2.3", "x:y/z@0.2.0"));
	cr_assert_not(wcl_iface_compatible("x:y/z@0.2.3-rc1", "x:y/z@0.2.0"));
	cr_assert_not(wcl_iface_compatible("x:y/z", "x:y/z@0.2.0"));

	wasmc_linker *l = wasmc_linker_new();
	cr_assert_not_null(l);
	static int env;
	cr_assert_null(wasmc_linker_define_func(l, "x:y/z@0.2.3", "f", (wasmc_cfunc_callback)1, &env));
	cr_assert_null(wasmc_linker_define_func(l, NULL, "name", (wasmc_cfunc_callback)2, NULL));
	cr_assert_null(wasmc_linker_define_resource(l, "", "logger", NULL, NULL));
	const wcl_cdef *d = wcl_linker_find(l, "x:y/z@0.2.1", "f", false);
	cr_assert_not_null(d);
	cr_assert_eq(d->env, &env);
	cr_assert_null(wcl_linker_find(l, "x:y/z@0.3.0", "f", false));
	cr_assert_not_null(wcl_linker_find(l, "", "name", false));
	cr_assert_null(wcl_linker_find(l, "", "name", true), "a function is not a resource");
	cr_assert_not_null(wcl_linker_find(l, "", "logger", true));
	/* redefining replaces */
	cr_assert_null(wasmc_linker_define_func(l, "", "name", (wasmc_cfunc_callback)3, NULL));
	cr_assert_eq(l->count, 3);
	wasmc_error *e = wasmc_linker_define_func(l, "", "bad\xff", (wasmc_cfunc_callback)3, NULL);
	cr_assert_eq(wasmc_error_code(e), WASMC_ERR_BAD_ARGUMENT);
	wasmc_error_free(e);
	e = wasmc_linker_define_func(l, "", "f", NULL, NULL);
	cr_assert_eq(wasmc_error_code(e), WASMC_ERR_BAD_ARGUMENT);
	wasmc_error_free(e);
	wasmc_linker_free(l);
	wasmc_linker_free(NULL);
}
