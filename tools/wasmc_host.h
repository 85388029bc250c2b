/*
 * wasmc_host.h - helpers shared by the engine tools (wasmc-run,
 * wasmc-compile) and the spec runner: compile-and-load, the `spectest`
 * host module, and value parsing / printing in `wasmtime run --invoke`
 * style. Header-only (static functions): each tool includes it once.
 */
#ifndef WASMC_HOST_H
#define WASMC_HOST_H

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmn_file.h"
#include "rt_artifact.h"
#include "rt_instance.h"
#include "rt_module.h"
#include "rt_store.h"
#include "wb_const.h"
#include "wb_decode.h"
#include "wb_validate.h"

#if WASMC_HAVE_JIT
#include "jit.h"
#else
/* A build without the compiler (jit/ absent): the same interface, and
 * every compilation fails as unsupported. */
typedef enum { JIT_TIER_FAST, JIT_TIER_OPTIMIZED } jit_tier;
typedef struct jit_options {
	jit_tier tier;
	bool fuel, deadline;
	uint64_t guard_bytes;
	const char *cpu;
	unsigned threads;
} jit_options;
static inline void jit_options_default(jit_options *opt)
{
	memset(opt, 0, sizeof *opt);
	opt->guard_bytes = 2ull << 30;
}
static inline char *jit_fingerprint(const jit_options *opt)
{
	(void)opt;
	return strdup("wasmc (no compiler)");
}
static inline bool jit_compile(const rt_module *mod, wb_features features,
                               const jit_options *opt, rt_image **ret_img,
                               cmn_error *err)
{
	(void)mod, (void)features, (void)opt, (void)ret_img;
	return cmn_fail(err, "unsupported feature: no compiler in this build");
}
#endif

/* ---------------------------------------------------------------------------
 * Compile and load
 */

/* Where a failure happened (exit codes and messages depend on it). */
typedef enum wh_stage {
	WH_OK,
	WH_DECODE,
	WH_VALIDATE,
	WH_UNSUPPORTED, /* the compiler refused an unsupported feature */
	WH_COMPILE,
	WH_LOAD,
} wh_stage;

/* Decodes, validates, lowers and compiles `bytes`; on success *ret_mod is
 * the decoded module (borrowing `bytes`), *ret_consts its lowered constant
 * expressions, *ret_img the compiled code. */
static inline wh_stage wh_compile(const uint8_t *bytes, size_t size, wb_features feat,
                           const jit_options *opt, rt_module **ret_mod,
                           rt_consts *ret_consts, rt_image **ret_img,
                           cmn_error *err)
{
	rt_module *mod = NULL;
	*ret_mod = NULL;
	*ret_img = NULL;
	if (!wb_decode(bytes, size, feat, &mod, err)) {
		rt_module_free(mod);
		return WH_DECODE;
	}
	if (!wb_validate(mod, feat, err)) {
		rt_module_free(mod);
		return WH_VALIDATE;
	}
	if (!wb_const_lower_module(mod, ret_consts, err)) {
		rt_module_free(mod);
		return strstr(err->msg, "unsupported") ? WH_UNSUPPORTED : WH_COMPILE;
	}
	if (!jit_compile(mod, feat, opt, ret_img, err)) {
		rt_module_free(mod);
		return strstr(err->msg, "unsupported feature") ? WH_UNSUPPORTED : WH_COMPILE;
	}
	*ret_mod = mod;
	return WH_OK;
}

/* wh_compile, then the in-memory load. */
static inline wh_stage wh_compile_load(const uint8_t *bytes, size_t size, wb_features feat,
                                const jit_options *opt, rt_loaded **ret,
                                cmn_error *err)
{
	rt_module *mod;
	rt_consts consts;
	rt_image *img;
	wh_stage st = wh_compile(bytes, size, feat, opt, &mod, &consts, &img, err);
	if (st != WH_OK)
		return st;
	bool ok = rt_loaded_from_image(mod, &consts, img, ret, err);
	rt_image_free(img);
	rt_module_free(mod);
	return ok ? WH_OK : WH_LOAD;
}


/* ---------------------------------------------------------------------------
 * The spec test suite's `spectest` host module
 */

typedef struct wh_spectest {
	rt_funcref *print, *print_i32, *print_i64, *print_f32, *print_f64,
		*print_i32_f32, *print_f64_f64;
	rt_globalobj *global_i32, *global_i64, *global_f32, *global_f64;
	rt_tableobj *table, *table64;
	rt_memobj *memory, *shared_memory;
	bool quiet;
} wh_spectest;

static inline void wh_print_val(FILE *f, rt_valtype t, rt_val v);

static inline const char *wh_spectest_print(void *env, rt_val *args)
{
	/* env: a static descriptor of the parameter kinds */
	const uint8_t *kinds = env;
	if (kinds[0] == 0xFF)
		return NULL; /* quiet */
	for (int i = 0; kinds[i]; i++) {
		if (i)
			printf(" ");
		wh_print_val(stdout, rt_valtype_num(kinds[i]), args[i]);
		printf(" : %s", kinds[i] == RT_I32 ? "i32" : kinds[i] == RT_I64 ? "i64"
		                : kinds[i] == RT_F32 ? "f32" : "f64");
	}
	printf("\n");
	fflush(stdout);
	return NULL;
}

static inline bool wh_spectest_init(wh_spectest *sp, rt_store *s, bool quiet)
{
	static const uint8_t K_NONE[] = {0}, K_I32[] = {RT_I32, 0}, K_I64[] = {RT_I64, 0},
	                     K_F32[] = {RT_F32, 0}, K_F64[] = {RT_F64, 0},
	                     K_I32F32[] = {RT_I32, RT_F32, 0}, K_F64F64[] = {RT_F64, RT_F64, 0},
	                     K_QUIET[] = {0xFF, 0};
	rt_valtype i32 = rt_valtype_num(RT_I32), i64 = rt_valtype_num(RT_I64),
		   f32 = rt_valtype_num(RT_F32), f64 = rt_valtype_num(RT_F64);
	rt_valtype p_i32f32[2] = {i32, f32}, p_f64f64[2] = {f64, f64};
	memset(sp, 0, sizeof *sp);
	sp->quiet = quiet;
#define ENV(k) ((void *)(quiet ? K_QUIET : (k)))
	sp->print = rt_host_func_new(s, 0, NULL, 0, NULL, wh_spectest_print, ENV(K_NONE));
	sp->print_i32 = rt_host_func_new(s, 1, &i32, 0, NULL, wh_spectest_print, ENV(K_I32));
	sp->print_i64 = rt_host_func_new(s, 1, &i64, 0, NULL, wh_spectest_print, ENV(K_I64));
	sp->print_f32 = rt_host_func_new(s, 1, &f32, 0, NULL, wh_spectest_print, ENV(K_F32));
	sp->print_f64 = rt_host_func_new(s, 1, &f64, 0, NULL, wh_spectest_print, ENV(K_F64));
	sp->print_i32_f32 = rt_host_func_new(s, 2, p_i32f32, 0, NULL, wh_spectest_print, ENV(K_I32F32));
	sp->print_f64_f64 = rt_host_func_new(s, 2, p_f64f64, 0, NULL, wh_spectest_print, ENV(K_F64F64));
#undef ENV
	rt_val v;
	memset(&v, 0, sizeof v);
	v.i32 = 666;
	sp->global_i32 = rt_global_new(s, i32, false, v);
	memset(&v, 0, sizeof v);
	v.i64 = 666;
	sp->global_i64 = rt_global_new(s, i64, false, v);
	memset(&v, 0, sizeof v);
	v.f32 = 666.6f;
	sp->global_f32 = rt_global_new(s, f32, false, v);
	memset(&v, 0, sizeof v);
	v.f64 = 666.6;
	sp->global_f64 = rt_global_new(s, f64, false, v);
	cmn_error err;
	rt_limits tl = {.min = 10, .max = 20, .has_max = true};
	rt_valtype fr = rt_valtype_ref(true, RT_HT_MAKE_ABS(RT_HT_FUNC));
	sp->table = rt_table_new(s, fr, &tl, NULL, &err);
	rt_limits tl64 = {.min = 10, .max = 20, .has_max = true, .is64 = true};
	sp->table64 = rt_table_new(s, fr, &tl64, NULL, &err);
	rt_limits ml = {.min = 1, .max = 2, .has_max = true, .page_log2 = 16};
	sp->memory = rt_memory_new(s, &ml, &err);
	rt_limits sml = {.min = 1, .max = 2, .has_max = true, .shared = true, .page_log2 = 16};
	sp->shared_memory = rt_memory_new(s, &sml, &err);
	return sp->print && sp->print_i32 && sp->print_i64 && sp->print_f32 &&
	       sp->print_f64 && sp->print_i32_f32 && sp->print_f64_f64 && sp->global_i32 &&
	       sp->global_i64 && sp->global_f32 && sp->global_f64 && sp->table &&
	       sp->table64 && sp->memory && sp->shared_memory;
}

static inline bool wh_name_is(rt_name n, const char *s)
{
	return n.len == strlen(s) && memcmp(n.ptr, s, n.len) == 0;
}

/* Resolves spectest.<field>; false when there is no such export. */
static inline bool wh_spectest_lookup(const wh_spectest *sp, rt_name field, rt_extern *ret)
{
	static const struct {
		const char *name;
		uint8_t kind;
		size_t off;
	} T[] = {
		{"print", RT_EXTERN_FUNC, offsetof(wh_spectest, print)},
		{"print_i32", RT_EXTERN_FUNC, offsetof(wh_spectest, print_i32)},
		{"print_i64", RT_EXTERN_FUNC, offsetof(wh_spectest, print_i64)},
		{"print_f32", RT_EXTERN_FUNC, offsetof(wh_spectest, print_f32)},
		{"print_f64", RT_EXTERN_FUNC, offsetof(wh_spectest, print_f64)},
		{"print_i32_f32", RT_EXTERN_FUNC, offsetof(wh_spectest, print_i32_f32)},
		{"print_f64_f64", RT_EXTERN_FUNC, offsetof(wh_spectest, print_f64_f64)},
		{"global_i32", RT_EXTERN_GLOBAL, offsetof(wh_spectest, global_i32)},
		{"global_i64", RT_EXTERN_GLOBAL, offsetof(wh_spectest, global_i64)},
		{"global_f32", RT_EXTERN_GLOBAL, offsetof(wh_spectest, global_f32)},
		{"global_f64", RT_EXTERN_GLOBAL, offsetof(wh_spectest, global_f64)},
		{"table", RT_EXTERN_TABLE, offsetof(wh_spectest, table)},
		{"table64", RT_EXTERN_TABLE, offsetof(wh_spectest, table64)},
		{"memory", RT_EXTERN_MEMORY, offsetof(wh_spectest, memory)},
		{"shared_memory", RT_EXTERN_MEMORY, offsetof(wh_spectest, shared_memory)},
	};
	for (size_t i = 0; i < sizeof T / sizeof T[0]; i++) {
		if (!wh_name_is(field, T[i].name))
			continue;
		void *p = *(void *const *)((const char *)sp + T[i].off);
		ret->kind = T[i].kind;
		switch (T[i].kind) {
		case RT_EXTERN_FUNC: ret->u.func = p; break;
		case RT_EXTERN_GLOBAL: ret->u.global = p; break;
		case RT_EXTERN_TABLE: ret->u.table = p; break;
		default: ret->u.memory = p; break;
		}
		return true;
	}
	return false;
}

/* Prints where a trap happened ("    at wasm function 3 $name"), when the
 * runtime knows. */
static inline void wh_print_trap_location(FILE *f, const rt_outcome *out)
{
	const rt_loaded *l;
	uint32_t fi;
	if (out->kind != RT_TRAPPED || !out->pc || !rt_code_locate(out->pc, &l, &fi))
		return;
	fprintf(f, "    at wasm function %u", fi);
	const rt_names *n = &l->mod->names;
	for (uint32_t i = 0; i < n->nfuncs; i++)
		if (n->funcs[i].index == fi)
			fprintf(f, " $%.*s", (int)n->funcs[i].name.len, n->funcs[i].name.ptr);
	fprintf(f, "\n");
}

/* ---------------------------------------------------------------------------
 * Values
 */

static inline bool wh_parse_int(const char *s, int bits, uint64_t *out)
{
	bool neg = false;
	const char *p = s;
	if (*p == '-' || *p == '+') {
		neg = *p == '-';
		p++;
	}
	/* strtoull would take a second sign or leading blanks ("+-5", "- 5"). */
	if (!(*p >= '0' && *p <= '9'))
		return false;
	char *end;
	errno = 0;
	uint64_t v;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		v = strtoull(p + 2, &end, 16);
	else
		v = strtoull(p, &end, 10);
	if (errno || *end || end == p)
		return false;
	if (bits == 32) {
		if (neg ? v > 0x80000000ull : v > 0xFFFFFFFFull)
			return false;
		v &= 0xFFFFFFFFull;
	} else if (neg && v > 0x8000000000000000ull) {
		return false;
	}
	*out = neg ? (uint64_t)0 - v : v;
	if (bits == 32)
		*out &= 0xFFFFFFFFull;
	return true;
}

/* "nan", "inf" and "infinity" with an optional sign, in any case. */
static inline bool wh_parse_nan_inf(const char *s, double *out)
{
	const char *p = s;
	bool neg = false;
	if (*p == '-' || *p == '+') {
		neg = *p == '-';
		p++;
	}
	if (strcasecmp(p, "nan") == 0) {
		*out = neg ? -NAN : NAN;
		return true;
	}
	if (strcasecmp(p, "inf") == 0 || strcasecmp(p, "infinity") == 0) {
		*out = neg ? -INFINITY : INFINITY;
		return true;
	}
	return false;
}

/* An f32 read directly (strtof): reading a double and then rounding it to
 * float can round twice ("1.0000000596046447753906250000000001" must be
 * 0x1.000002p+0, not 1). */
static inline bool wh_parse_float32(const char *s, float *out)
{
	double special;
	if (wh_parse_nan_inf(s, &special)) {
		*out = (float)special;
		return true;
	}
	char *end;
	float f = strtof(s, &end);
	if (*end || end == s)
		return false;
	*out = f;
	return true;
}

static inline bool wh_parse_float(const char *s, double *out)
{
	if (wh_parse_nan_inf(s, out))
		return true;
	char *end;
	errno = 0;
	double d = strtod(s, &end);
	if (*end || end == s)
		return false;
	*out = d;
	return true;
}

/* A v128 as "i32x4:a,b,c,d" (i8x16, i16x8, i32x4, i64x2, f32x4, f64x2) or
 * a 128-bit hex number "0x..." (little-endian value). */
static inline bool wh_parse_v128(const char *s, uint8_t out[16])
{
	memset(out, 0, 16);
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		const char *h = s + 2;
		size_t n = strlen(h);
		if (n == 0 || n > 32)
			return false;
		for (size_t i = 0; i < n; i++) {
			char c = h[n - 1 - i];
			int d = c >= '0' && c <= '9' ? c - '0'
			        : c >= 'a' && c <= 'f' ? c - 'a' + 10
			        : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
			if (d < 0)
				return false;
			out[i / 2] |= (uint8_t)(d << (4 * (i % 2)));
		}
		return true;
	}
	static const struct { const char *p; int bits; bool fl; } S[] = {
		{"i8x16:", 8, false}, {"i16x8:", 16, false}, {"i32x4:", 32, false},
		{"i64x2:", 64, false}, {"f32x4:", 32, true}, {"f64x2:", 64, true},
	};
	for (size_t k = 0; k < sizeof S / sizeof S[0]; k++) {
		size_t pl = strlen(S[k].p);
		if (strncmp(s, S[k].p, pl) != 0)
			continue;
		int lanes = 128 / S[k].bits, bytes = S[k].bits / 8;
		char *copy = strdup(s + pl), *save = NULL;
		char *tok = strtok_r(copy, ",", &save);
		int i = 0;
		bool ok = true;
		for (; tok && ok; tok = strtok_r(NULL, ",", &save), i++) {
			if (i >= lanes) {
				ok = false;
				break;
			}
			uint64_t bitsv = 0;
			if (S[k].fl) {
				if (S[k].bits == 32) {
					float f = 0;
					ok = wh_parse_float32(tok, &f);
					uint32_t b;
					memcpy(&b, &f, 4);
					bitsv = b;
				} else {
					double d = 0;
					ok = wh_parse_float(tok, &d);
					memcpy(&bitsv, &d, 8);
				}
			} else {
				ok = wh_parse_int(tok, S[k].bits == 64 ? 64 : 32, &bitsv);
			}
			for (int b = 0; b < bytes; b++)
				out[i * bytes + b] = (uint8_t)(bitsv >> (8 * b));
		}
		free(copy);
		return ok && i == lanes;
	}
	return false;
}

static inline bool wh_parse_val(const char *s, rt_valtype t, rt_val *v)
{
	uint64_t u;
	double d;
	float f;
	memset(v, 0, sizeof *v);
	switch (t.kind) {
	case RT_I32:
		if (!wh_parse_int(s, 32, &u))
			return false;
		v->i32 = (int32_t)(uint32_t)u;
		return true;
	case RT_I64:
		if (!wh_parse_int(s, 64, &u))
			return false;
		v->i64 = (int64_t)u;
		return true;
	case RT_F32:
		if (!wh_parse_float32(s, &f))
			return false;
		v->f32 = f;
		return true;
	case RT_F64:
		if (!wh_parse_float(s, &d))
			return false;
		v->f64 = d;
		return true;
	case RT_V128:
		return wh_parse_v128(s, v->v128);
	case RT_REF:
		if (strcmp(s, "null") == 0) {
			v->ref = NULL;
			return true;
		}
		return false;
	}
	return false;
}

/* Shortest decimal that reads back as the same value, written without an
 * exponent (as Rust's Display, which `wasmtime run --invoke` uses). */
static inline void wh_format_float(char *buf, size_t len, double d, bool single)
{
	if (isnan(d)) {
		snprintf(buf, len, "%sNaN", signbit(d) ? "-" : "");
		return;
	}
	if (isinf(d)) {
		snprintf(buf, len, "%sinf", d < 0 ? "-" : "");
		return;
	}
	char e[64];
	int prec;
	for (prec = 1; prec <= 17; prec++) {
		snprintf(e, sizeof e, "%.*e", prec - 1, d);
		if (single ? strtof(e, NULL) == (float)d : strtod(e, NULL) == d)
			break;
	}
	/* e = [-]D.DDDDe[+-]XX -> positional */
	char digits[32];
	int nd = 0;
	const char *p = e;
	bool neg = *p == '-';
	if (neg)
		p++;
	for (; *p && *p != 'e'; p++)
		if (*p >= '0' && *p <= '9')
			digits[nd++] = *p;
	int exp = atoi(p + 1);
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	char out[400];
	size_t o = 0;
	if (neg)
		out[o++] = '-';
	int point = exp + 1; /* digits before the decimal point */
	if (point <= 0) {
		out[o++] = '0';
		out[o++] = '.';
		for (int i = 0; i < -point; i++)
			out[o++] = '0';
		for (int i = 0; i < nd; i++)
			out[o++] = digits[i];
	} else {
		for (int i = 0; i < point || i < nd; i++) {
			if (i == point)
				out[o++] = '.';
			out[o++] = i < nd ? digits[i] : '0';
		}
	}
	out[o] = '\0';
	snprintf(buf, len, "%s", out);
}

static inline void wh_print_val(FILE *f, rt_valtype t, rt_val v)
{
	char buf[400];
	switch (t.kind) {
	case RT_I32:
		fprintf(f, "%" PRId32, v.i32);
		break;
	case RT_I64:
		fprintf(f, "%" PRId64, v.i64);
		break;
	case RT_F32:
		wh_format_float(buf, sizeof buf, v.f32, true);
		fputs(buf, f);
		break;
	case RT_F64:
		wh_format_float(buf, sizeof buf, v.f64, false);
		fputs(buf, f);
		break;
	case RT_V128:
		fputs("0x", f);
		for (int i = 15; i >= 0; i--)
			fprintf(f, "%02x", v.v128[i]);
		break;
	default:
		fputs(v.ref ? "ref" : "null", f);
		break;
	}
}

#endif
