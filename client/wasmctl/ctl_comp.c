/*
 * ctl_comp.c - wasmctl for components: `inspect` prints the component's
 * imports and exports as a WIT world (wasmc_component_wit), `call`
 * parses 'export(args)' in WAVE by the export's type and prints each
 * result in WAVE (one per line); with --json both as JSON (values as JSON
 * with their WIT type and their WAVE text).
 *
 * JSON values: bool, numbers (u64 above 2^63-1 as a decimal string;
 * NaN and infinities as "nan", "inf", "-inf"), char and string as
 * strings, list and tuple as arrays, record as an object, variant as
 * {"case": payload or null}, enum as its name, option as null or the
 * value, result as {"ok": v} / {"err": v}, flags as an array of the set
 * names, own/borrow as {"handle": N}.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"

bool ctl_file_is_component(const char *path)
{
	static const unsigned char magic[8] = {0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00};
	unsigned char head[8];
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return false;
	size_t n = fread(head, 1, sizeof head, f);
	fclose(f);
	/* any component layer-1 binary version (0x0d, 0x0e, ...) */
	return n == 8 && memcmp(head, magic, 4) == 0 && head[6] == 0x01 && head[7] == 0x00;
}

static json_t *type_text(const wasmc_ctype *t)
{
	char *s = NULL;
	wasmc_error *e = wasmc_ctype_text(t, &s);
	wasmc_error_free(e);
	json_t *j = json_string(s ? s : "?");
	free(s);
	return j;
}

static json_t *float_json(double d)
{
	if (isnan(d))
		return json_string("nan");
	if (isinf(d))
		return json_string(d < 0 ? "-inf" : "inf");
	return json_real(d);
}

/* The value as JSON (the type is the export's: already checked). */
static json_t *value_json(const wasmc_cval *v, const wasmc_ctype *t)
{
	char buf[32];
	switch (wasmc_ctype_kind(t)) {
	case WASMC_CK_BOOL:
		return json_boolean(wasmc_cval_get_bool(v));
	case WASMC_CK_S8:
	case WASMC_CK_S16:
	case WASMC_CK_S32:
	case WASMC_CK_S64:
		return json_integer(wasmc_cval_get_s64(v));
	case WASMC_CK_U8:
	case WASMC_CK_U16:
	case WASMC_CK_U32:
	case WASMC_CK_U64: {
		uint64_t u = wasmc_cval_get_u64(v);
		if (u <= INT64_MAX)
			return json_integer((json_int_t)u);
		snprintf(buf, sizeof buf, "%llu", (unsigned long long)u);
		return json_string(buf);
	}
	case WASMC_CK_F32:
		return float_json(wasmc_cval_get_f32(v));
	case WASMC_CK_F64:
		return float_json(wasmc_cval_get_f64(v));
	case WASMC_CK_CHAR: {
		uint32_t cp = wasmc_cval_get_char(v);
		char u[5] = {0};
		if (cp < 0x80) {
			u[0] = (char)cp;
		} else if (cp < 0x800) {
			u[0] = (char)(0xC0 | cp >> 6);
			u[1] = (char)(0x80 | (cp & 0x3F));
		} else if (cp < 0x10000) {
			u[0] = (char)(0xE0 | cp >> 12);
			u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
			u[2] = (char)(0x80 | (cp & 0x3F));
		} else {
			u[0] = (char)(0xF0 | cp >> 18);
			u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
			u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
			u[3] = (char)(0x80 | (cp & 0x3F));
		}
		return json_stringn(u, cp ? strlen(u) : 1);
	}
	case WASMC_CK_STRING: {
		size_t len;
		const char *s = wasmc_cval_get_string(v, &len);
		return json_stringn(s, len);
	}
	case WASMC_CK_LIST:
	case WASMC_CK_TUPLE: {
		json_t *a = json_array();
		for (size_t i = 0; a && i < wasmc_cval_count(v); i++) {
			const wasmc_ctype *et = wasmc_ctype_kind(t) == WASMC_CK_LIST
			                            ? wasmc_ctype_elem(t)
			                            : wasmc_ctype_case_type(t, i);
			json_array_append_new(a, value_json(wasmc_cval_item(v, i), et));
		}
		return a;
	}
	case WASMC_CK_RECORD: {
		json_t *o = json_object();
		for (size_t i = 0; o && i < wasmc_cval_count(v); i++)
			json_object_set_new(o, wasmc_ctype_case_name(t, i),
			                    value_json(wasmc_cval_item(v, i), wasmc_ctype_case_type(t, i)));
		return o;
	}
	case WASMC_CK_VARIANT: {
		uint32_t k = wasmc_cval_case(v);
		const wasmc_ctype *pt = wasmc_ctype_case_type(t, k);
		return json_pack("{s:o}", wasmc_ctype_case_name(t, k),
		                 pt ? value_json(wasmc_cval_payload(v), pt) : json_null());
	}
	case WASMC_CK_ENUM:
		return json_string(wasmc_ctype_case_name(t, wasmc_cval_case(v)));
	case WASMC_CK_OPTION:
		if (wasmc_cval_case(v) == 0)
			return json_null();
		return value_json(wasmc_cval_payload(v), wasmc_ctype_elem(t));
	case WASMC_CK_RESULT: {
		bool err = wasmc_cval_case(v) == 1;
		const wasmc_ctype *pt = err ? wasmc_ctype_err(t) : wasmc_ctype_ok(t);
		return json_pack("{s:o}", err ? "err" : "ok",
		                 pt ? value_json(wasmc_cval_payload(v), pt) : json_null());
	}
	case WASMC_CK_FLAGS: {
		json_t *a = json_array();
		for (uint32_t i = 0; a && i < wasmc_cval_count(v); i++)
			if (wasmc_cval_flag(v, i))
				json_array_append_new(a, json_string(wasmc_ctype_case_name(t, i)));
		return a;
	}
	case WASMC_CK_OWN:
	case WASMC_CK_BORROW:
		return json_pack("{s:I}", "handle", (json_int_t)wasmc_cval_handle(v));
	default:
		return json_null();
	}
}

static int print_results(ctl *c, const wasmc_ctype *ft, const wasmc_cval *res, size_t n,
                         double secs)
{
	json_t *arr = c->json ? json_array() : NULL;
	for (size_t i = 0; i < n; i++) {
		const wasmc_ctype *rt = wasmc_ctype_result_type(ft, i);
		char *text = NULL;
		wasmc_error *e = wasmc_cwave_format(&res[i], rt, &text);
		if (e) {
			json_decref(arr);
			return ctl_fail(c, e, "result");
		}
		if (arr) {
			json_t *o = json_pack("{s:o,s:o,s:s}", "type", type_text(rt), "value",
			                      value_json(&res[i], rt), "wave", text);
			const char *rn = wasmc_ctype_result_name(ft, i);
			if (o && rn && rn[0])
				json_object_set_new(o, "name", json_string(rn));
			json_array_append_new(arr, o);
		} else {
			puts(text);
		}
		free(text);
	}
	if (arr)
		ctl_json_out(json_pack("{s:o,s:f}", "results", arr, "seconds", secs));
	else
		fflush(stdout);
	return CTL_EXIT_OK;
}

int ctl_comp_call(ctl *c, wasmc_module *m, const char *file, const char *text,
                  const wasmc_limits *limits)
{
	char *name = NULL;
	wasmc_cval *args = NULL, *res = NULL;
	size_t nargs = 0, nres = 0;
	wasmc_instance *inst = NULL;
	int rc;
	wasmc_error *e = wasmc_cwave_call_parse(text, NULL, &name, &args, &nargs);
	if (e)
		return ctl_fail(c, e, NULL);
	const wasmc_citem *it = wasmc_component_export_find(m, name);
	if (it == NULL) {
		rc = ctl_error(c, CTL_EXIT_NOT_FOUND, "not found", "%s has no export named '%s'", file,
		               name);
		goto out;
	}
	if (it->kind != WASMC_CITEM_FUNC) {
		rc = ctl_usage(c, "export '%s' of %s is not a function", name, file);
		goto out;
	}
	free(name);
	name = NULL;
	e = wasmc_cwave_call_parse(text, it->type, &name, &args, &nargs);
	if (e) {
		rc = ctl_fail(c, e, NULL);
		goto out;
	}
	e = wasmc_component_instance_new(m, NULL, limits, &inst);
	if (e) {
		rc = ctl_fail(c, e, "instantiate");
		goto out;
	}
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	e = wasmc_component_call(inst, name, args, nargs, &res, &nres);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (e) {
		rc = ctl_fail(c, e, NULL);
		goto out;
	}
	rc = print_results(c, it->type, res, nres,
	                   (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9);
out:
	wasmc_cvals_free(res, nres);
	wasmc_cvals_free(args, nargs);
	wasmc_instance_free(inst);
	free(name);
	return rc;
}

static const char *citem_kind_name(wasmc_citem_kind k)
{
	switch (k) {
	case WASMC_CITEM_FUNC: return "func";
	case WASMC_CITEM_RESOURCE: return "resource";
	case WASMC_CITEM_TYPE: return "type";
	case WASMC_CITEM_OTHER: break;
	}
	return "other";
}

static json_t *items_json(const wasmc_module *m, bool imports)
{
	json_t *a = json_array();
	size_t n = imports ? wasmc_component_import_count(m) : wasmc_component_export_count(m);
	for (size_t i = 0; a && i < n; i++) {
		const wasmc_citem *it =
			imports ? wasmc_component_import_get(m, i) : wasmc_component_export_get(m, i);
		json_t *o = json_pack("{s:s,s:s,s:s}", "instance", it->instance, "name", it->name,
		                      "kind", citem_kind_name(it->kind));
		if (o && it->type)
			json_object_set_new(o, "type", it->kind == WASMC_CITEM_RESOURCE
			                                   ? json_string(wasmc_ctype_resource_name(it->type))
			                                   : type_text(it->type));
		json_array_append_new(a, o);
	}
	return a;
}

int ctl_comp_inspect(ctl *c, wasmc_module *m)
{
	char *wit = NULL;
	wasmc_error *e = wasmc_component_wit(m, &wit);
	if (e)
		return ctl_fail(c, e, NULL);
	if (c->json) {
		ctl_json_out(json_pack("{s:s,s:b,s:s,s:o,s:o,s:s}", "digest", wasmc_module_digest_hex(m),
		                       "component", 1, "tier", ctl_tier_name(wasmc_module_tier(m)),
		                       "imports", items_json(m, true), "exports", items_json(m, false),
		                       "wit", wit));
	} else {
		printf("// component sha256:%s\n%s", wasmc_module_digest_hex(m), wit);
		fflush(stdout);
	}
	free(wit);
	return CTL_EXIT_OK;
}
