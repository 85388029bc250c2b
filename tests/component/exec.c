/*
 * exec.c - the execution half of the component conformance runner (see
 * exec.h): components flattened with cm_plan_build, the plan round-tripped
 * through its byte form (what the exec worker reads), core modules
 * compiled with the jit in process (fast tier, cached by content), and the
 * plan run with cm_exec; script values (JSON, tests/component/README.md)
 * converted to and compared with the value node list by the functions'
 * types.
 */
#include <math.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cm_decode.h"
#include "cm_exec.h"
#include "cm_plan.h"
#include "cm_string.h"
#include "cm_validate.h"
#include "cmn_file.h"
#include "exec.h"
#include "wh_compile.h"

#define WHY 300

enum { ST_OK, ST_UNSUPPORTED, ST_FAILED };

typedef struct cx_mod {
	uint8_t hash[32];
	rt_loaded *l;
	int status;
	char why[WHY];
} cx_mod;

/* A component compiled: its plan (deserialised from the built plan's
 * bytes) and its core modules. */
typedef struct cx_def {
	char *name;
	uint8_t *bytes;
	cm_plan *plan;
	rt_loaded **mods;
	int status;
	char why[WHY];
} cx_def;

typedef struct cx_inst {
	char *name;
	rt_store *store;
	cm_exec *x;
	int status;
	char why[WHY];
	char unsupported[WHY]; /* a call trapped on an unsupported feature */
} cx_inst;

struct cx_state {
	cx_mod *mods;
	size_t nmods, capmods;
	cx_def **defs;
	size_t ndefs, capdefs;
	cx_inst **insts;
	size_t ninsts, capinsts;
	cx_inst *current;
};

static void *grow(void *p, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return p;
	size_t c = *cap ? *cap * 2 : 16;
	void *q = realloc(p, c * size);
	if (!q) {
		fprintf(stderr, "component-spec-runner: out of memory\n");
		exit(2);
	}
	*cap = c;
	return q;
}

cx_state *cx_new(void)
{
	return calloc(1, sizeof(cx_state));
}

static void inst_free(cx_inst *in)
{
	if (!in)
		return;
	cm_exec_free(in->x);
	rt_store_free(in->store);
	free(in->name);
	free(in);
}

void cx_free(cx_state *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->ninsts; i++)
		inst_free(s->insts[i]);
	for (size_t i = 0; i < s->ndefs; i++) {
		cm_plan_free(s->defs[i]->plan);
		free(s->defs[i]->mods);
		free(s->defs[i]->bytes);
		free(s->defs[i]->name);
		free(s->defs[i]);
	}
	for (size_t i = 0; i < s->nmods; i++)
		rt_loaded_free(s->mods[i].l);
	free(s->mods);
	free(s->defs);
	free(s->insts);
	free(s);
}

int cx_handles(const char *type)
{
	static const char *const kinds[] = {"module", "module_instance", "assert_return", "assert_trap",
	                                    "action", "assert_uninstantiable"};
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (strcmp(type, kinds[i]) == 0)
			return 1;
	return 0;
}

static const char *str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* ---- compiling ----------------------------------------------------------- */

static cx_mod *compile_module(cx_state *s, const uint8_t *bytes, size_t size)
{
	uint8_t h[32];
	SHA256(bytes, size, h);
	for (size_t i = 0; i < s->nmods; i++)
		if (memcmp(s->mods[i].hash, h, 32) == 0)
			return &s->mods[i];
	s->mods = grow(s->mods, &s->capmods, s->nmods, sizeof *s->mods);
	cx_mod *m = &s->mods[s->nmods++];
	memset(m, 0, sizeof *m);
	memcpy(m->hash, h, 32);
	jit_options opt;
	jit_options_default(&opt);
	opt.tier = JIT_TIER_FAST;
	opt.threads = 1;
	cmn_error err = {0};
	wh_stage st = wh_compile_load(bytes, size, WB_FEAT_ALL, &opt, &m->l, &err);
	if (st != WH_OK) {
		m->status = st == WH_UNSUPPORTED ? ST_UNSUPPORTED : ST_FAILED;
		snprintf(m->why, sizeof m->why, "core module: %s: %s", wh_stage_name(st), err.msg);
	}
	return m;
}

/* With WASMC_CPLAN_SEED_DIR set, every plan's bytes are written there
 * (named by content): the seed corpus of fuzz-cplan (mk/cexec.mk). */
static void seed(const uint8_t *buf, size_t len)
{
	const char *dir = getenv("WASMC_CPLAN_SEED_DIR");
	if (!dir)
		return;
	uint8_t h[32];
	char path[4096];
	SHA256(buf, len, h);
	int n = snprintf(path, sizeof path, "%s/", dir);
	for (int i = 0; i < 16 && n > 0 && (size_t)n + 3 < sizeof path; i++)
		n += snprintf(path + n, sizeof path - (size_t)n, "%02x", h[i]);
	FILE *f = fopen(path, "wb");
	if (f) {
		fwrite(buf, 1, len, f);
		fclose(f);
	}
}

static cx_def *load_def(cx_state *s, json_t *cmd, const char *dir)
{
	cx_def *d = calloc(1, sizeof *d);
	char path[8192];
	size_t size = 0;
	cmn_error err = {0};
	cm_component *c = NULL;
	cm_validated *info = NULL;
	cm_plan *built = NULL;
	uint8_t *pbuf = NULL;
	size_t plen = 0;
	if (!d)
		exit(2);
	s->defs = grow(s->defs, &s->capdefs, s->ndefs, sizeof *s->defs);
	s->defs[s->ndefs++] = d;
	d->name = str(cmd, "name") ? strdup(str(cmd, "name")) : NULL;
	d->status = ST_FAILED;
	snprintf(path, sizeof path, "%s/%s", dir, str(cmd, "filename") ? str(cmd, "filename") : "?");
	if (!(d->bytes = cmn_read_file(path, &size, &err))) {
		snprintf(d->why, sizeof d->why, "cannot read the component: %s", err.msg);
		return d;
	}
	if (!cm_decode(d->bytes, size, &c, &err) || !cm_validate(c, &info, &err)) {
		snprintf(d->why, sizeof d->why, "invalid component: %s", err.msg);
		goto free_component;
	}
	if (!cm_plan_build(c, &built, &err)) {
		snprintf(d->why, sizeof d->why, "cannot flatten the component: %s", err.msg);
		if (strstr(err.msg, "not supported"))
			d->status = ST_UNSUPPORTED;
		goto free_component;
	}
	/* what the worker does: the plan from its bytes */
	char msg[256];
	if (!cm_plan_serialize(built, &pbuf, &plen) ||
	    !cm_plan_deserialize(pbuf, plen, &d->plan, msg, sizeof msg)) {
		snprintf(d->why, sizeof d->why, "plan round trip: %s", pbuf ? msg : "out of memory");
		goto free_component;
	}
	seed(pbuf, plen);
	d->mods = calloc(built->nmodules ? built->nmodules : 1, sizeof *d->mods);
	if (!d->mods)
		exit(2);
	for (uint32_t i = 0; i < built->nmodules; i++) {
		cx_mod *m = compile_module(s, built->modules[i].bytes, built->modules[i].size);
		if (m->status != ST_OK) {
			d->status = m->status;
			snprintf(d->why, sizeof d->why, "%s", m->why);
			goto free_component;
		}
		d->mods[i] = m->l;
	}
	d->status = ST_OK;
free_component:
	free(pbuf);
	cm_plan_free(built);
	cm_validated_free(info);
	cm_component_free(c);
	return d;
}

/* Top-level host imports: the scripts of the suite satisfy none (they
 * only check that such components are valid); a call reaching one is
 * skipped. */
static const char *host_call(void *env, cm_exec *x, uint32_t index, const cm_vals *args,
                             cm_vals *results)
{
	static char msg[200];
	const cm_plan_func_import *fi = &cm_exec_plan(x)->func_imports[index];
	(void)env;
	(void)args;
	(void)results;
	snprintf(msg, sizeof msg, "unsupported: host import `%s%s%s` is not provided by the runner",
	         fi->instance, *fi->instance ? "#" : "", fi->name);
	return msg;
}

static cx_inst *instantiate(cx_state *s, cx_def *d, const char *name, cm_outcome *out)
{
	cx_inst *in = calloc(1, sizeof *in);
	if (!in)
		exit(2);
	s->insts = grow(s->insts, &s->capinsts, s->ninsts, sizeof *s->insts);
	s->insts[s->ninsts++] = in;
	in->name = name ? strdup(name) : NULL;
	memset(out, 0, sizeof *out);
	if (d->status != ST_OK) {
		in->status = d->status;
		snprintf(in->why, sizeof in->why, "%s", d->why);
		out->kind = CM_EXEC_ERROR;
		snprintf(out->msg, sizeof out->msg, "%.250s", d->why);
		return in;
	}
	if (!(in->store = rt_store_new(NULL)))
		exit(2);
	cm_host host = {.call = host_call};
	if (!cm_exec_new(d->plan, in->store, d->mods, &host, &in->x, out)) {
		in->status = ST_FAILED;
		snprintf(in->why, sizeof in->why, "instantiation: %s", out->msg);
		return in;
	}
	in->status = ST_OK;
	return in;
}

static cx_def *find_def(cx_state *s, const char *name)
{
	for (size_t i = s->ndefs; name && i-- > 0;)
		if (s->defs[i]->name && strcmp(s->defs[i]->name, name) == 0)
			return s->defs[i];
	return NULL;
}

static cx_inst *find_inst(cx_state *s, const char *name)
{
	if (!name)
		return s->current;
	for (size_t i = s->ninsts; i-- > 0;)
		if (s->insts[i]->name && strcmp(s->insts[i]->name, name) == 0)
			return s->insts[i];
	return NULL;
}

/* ---- values ------------------------------------------------------------------- */

typedef struct vctx {
	const cm_types *types;
	char *why;
	size_t why_len;
} vctx;

static bool bad(vctx *c, const char *fmt, const char *a)
{
	snprintf(c->why, c->why_len, fmt, a);
	return false;
}

static const char *kind_of(json_t *j)
{
	return str(j, "type") ? str(j, "type") : "?";
}

/* The literal of an integer or float value, `_` removed. */
static void literal(json_t *j, char *buf, size_t len)
{
	const char *v = str(j, "value") ? str(j, "value") : "";
	size_t k = 0;
	for (; *v && k + 1 < len; v++)
		if (*v != '_')
			buf[k++] = *v;
	buf[k] = 0;
}

static bool float_bits(const char *t, bool f32, uint64_t *ret, bool *ret_nan)
{
	bool neg = *t == '-';
	const char *p = *t == '-' || *t == '+' ? t + 1 : t;
	*ret_nan = strncmp(p, "nan", 3) == 0;
	if (*ret_nan) {
		uint64_t payload = f32 ? 0x400000 : 0x8000000000000ull;
		if (p[3] == ':' && strncmp(p + 4, "0x", 2) == 0)
			payload = strtoull(p + 6, NULL, 16);
		*ret = f32 ? (neg ? 0x80000000u : 0) | 0x7f800000u | (payload & 0x7fffff)
		           : (neg ? 1ull << 63 : 0) | 0x7ff0000000000000ull | (payload & 0xfffffffffffffull);
		return true;
	}
	char *end;
	if (f32) {
		float f = strtof(t, &end);
		uint32_t b;
		memcpy(&b, &f, 4);
		*ret = b;
	} else {
		double d = strtod(t, &end);
		memcpy(ret, &d, 8);
	}
	return *end == 0;
}

static bool push(cm_vals *vs, const cm_val *n)
{
	if (cm_vals_push(vs, n) < 0)
		exit(2);
	return true;
}

static bool scalar(vctx *c, cm_kind k, json_t *j, uint64_t *ret)
{
	char buf[128];
	literal(j, buf, sizeof buf);
	char *end = NULL;
	switch (k) {
	case CM_BOOL:
		*ret = strcmp(buf, "true") == 0;
		return *ret || strcmp(buf, "false") == 0 || bad(c, "bad bool `%s`", buf);
	case CM_S8:
	case CM_S16:
	case CM_S32:
	case CM_S64:
		*ret = (uint64_t)strtoll(buf, &end, 10);
		return (*end == 0 && *buf) || bad(c, "bad integer `%s`", buf);
	case CM_U8:
	case CM_U16:
	case CM_U32:
	case CM_U64:
		*ret = strtoull(buf, &end, 10);
		return (*end == 0 && *buf) || bad(c, "bad integer `%s`", buf);
	case CM_F32:
	case CM_F64: {
		bool nan;
		return float_bits(buf, k == CM_F32, ret, &nan) || bad(c, "bad float `%s`", buf);
	}
	case CM_CHAR: {
		const char *s = str(j, "value");
		size_t i = 0;
		if (!s || !*s)
			return bad(c, "bad char%s", "");
		*ret = cm_utf8_next((const uint8_t *)s, &i);
		return s[i] == 0 || bad(c, "char `%s` is more than one scalar value", s);
	}
	default:
		return bad(c, "not a scalar%s", "");
	}
}

static uint32_t case_index(const cm_type *t, const char *name)
{
	for (uint32_t i = 0; name && i < t->n; i++)
		if (t->cases[i].name && strcmp(t->cases[i].name, name) == 0)
			return i;
	return UINT32_MAX;
}

static bool to_vals(vctx *c, cm_vals *vs, cm_tid tid, json_t *j);

static bool to_vals_at(vctx *c, cm_vals *vs, cm_tid tid, json_t *j)
{
	const cm_type *t = cm_types_get(c->types, tid);
	json_t *v = json_object_get(j, "value");
	cm_val n = {.kind = t->kind};
	size_t i;
	json_t *e;
	switch (t->kind) {
	case CM_STRING: {
		const char *s = json_string_value(v);
		if (!s)
			return bad(c, "expected a string, found %s", kind_of(j));
		size_t len = json_string_length(v);
		if (cm_vals_push_bytes(vs, &n, s, len) < 0)
			exit(2);
		return true;
	}
	case CM_LIST:
		if (!json_is_array(v))
			return bad(c, "expected a list, found %s", kind_of(j));
		n.n = (uint32_t)json_array_size(v);
		push(vs, &n);
		json_array_foreach(v, i, e) if (!to_vals(c, vs, t->elem, e)) return false;
		return true;
	case CM_RECORD:
	case CM_TUPLE:
		if (!json_is_array(v) || json_array_size(v) != t->n)
			return bad(c, "expected a %s of the type's size", cm_kind_name(t->kind));
		n.n = t->n;
		push(vs, &n);
		json_array_foreach(v, i, e) {
			json_t *fv = t->kind == CM_RECORD ? json_object_get(e, "value") : e;
			if (!to_vals(c, vs, t->cases[i].type, fv))
				return false;
		}
		return true;
	case CM_VARIANT:
	case CM_ENUM: {
		const char *name = str(j, t->kind == CM_ENUM ? "value" : "case");
		uint32_t ci = case_index(t, name);
		if (ci == UINT32_MAX)
			return bad(c, "unknown case `%s`", name ? name : "?");
		n.u = ci;
		n.n = t->kind == CM_VARIANT && t->cases[ci].type != CM_TID_NONE;
		push(vs, &n);
		if (n.n)
			return to_vals(c, vs, t->cases[ci].type, v);
		return true;
	}
	case CM_OPTION:
		n.u = v && !json_is_null(v);
		n.n = (uint32_t)n.u;
		push(vs, &n);
		return !n.u || to_vals(c, vs, t->elem, v);
	case CM_RESULT: {
		const char *cs = str(j, "case");
		n.u = cs && strcmp(cs, "err") == 0;
		cm_tid pt = n.u ? t->err : t->elem;
		n.n = pt != CM_TID_NONE;
		push(vs, &n);
		return pt == CM_TID_NONE || to_vals(c, vs, pt, v);
	}
	case CM_FLAGS: {
		uint8_t bits[1024] = {0};
		n.n = t->n;
		if (t->n > 8 * sizeof bits)
			return bad(c, "too many flags%s", "");
		json_array_foreach(v, i, e) {
			uint32_t ci = case_index(t, json_string_value(e));
			if (ci == UINT32_MAX)
				return bad(c, "unknown flag `%s`", json_string_value(e) ? json_string_value(e) : "?");
			bits[ci / 8] |= (uint8_t)(1u << (ci % 8));
		}
		if (cm_vals_push_bytes(vs, &n, bits, (t->n + 7) / 8) < 0)
			exit(2);
		return true;
	}
	default:
		if (!cm_tid_is_primitive(tid))
			return bad(c, "values of type %s are not supported by the runner", cm_kind_name(t->kind));
		if (!scalar(c, (cm_kind)tid, j, &n.u))
			return false;
		if (tid == CM_S8 || tid == CM_S16 || tid == CM_S32) {
			int bits = tid == CM_S8 ? 8 : tid == CM_S16 ? 16 : 32;
			n.u = (uint64_t)(((int64_t)(n.u << (64 - bits))) >> (64 - bits));
		} else if (tid == CM_U8 || tid == CM_U16 || tid == CM_U32) {
			n.u &= tid == CM_U8 ? 0xff : tid == CM_U16 ? 0xffff : 0xffffffffu;
		}
		push(vs, &n);
		return true;
	}
}

static bool to_vals(vctx *c, cm_vals *vs, cm_tid tid, json_t *j)
{
	const cm_type *t = cm_types_get(c->types, tid);
	if (!t || !json_is_object(j))
		return bad(c, "bad value%s", "");
	return to_vals_at(c, vs, tid, j);
}

/* Compares the node subtree at *pos with the expected JSON value. */
static bool same(vctx *c, const cm_vals *vs, size_t *pos, cm_tid tid, json_t *j)
{
	const cm_type *t = cm_types_get(c->types, tid);
	if (*pos >= vs->n)
		return bad(c, "fewer results than expected%s", "");
	const cm_val *n = &vs->v[(*pos)++];
	json_t *v = json_object_get(j, "value");
	size_t i;
	json_t *e;
	char got[64];
	switch (t->kind) {
	case CM_STRING: {
		const char *s = json_string_value(v);
		if (!s || json_string_length(v) != n->len || (n->len && memcmp(s, n->bytes, n->len) != 0)) {
			snprintf(c->why, c->why_len, "expected string \"%s\", got \"%.*s\"", s ? s : "?",
			         (int)(n->len > 200 ? 200 : n->len), (const char *)n->bytes);
			return false;
		}
		return true;
	}
	case CM_LIST:
		if (!json_is_array(v) || json_array_size(v) != n->n) {
			snprintf(c->why, c->why_len, "expected a list of %zu, got %u elements",
			         json_array_size(v), n->n);
			return false;
		}
		json_array_foreach(v, i, e) if (!same(c, vs, pos, t->elem, e)) return false;
		return true;
	case CM_RECORD:
	case CM_TUPLE:
		if (!json_is_array(v) || json_array_size(v) != t->n)
			return bad(c, "expected value does not fit the %s type", cm_kind_name(t->kind));
		json_array_foreach(v, i, e) {
			json_t *fv = t->kind == CM_RECORD ? json_object_get(e, "value") : e;
			if (!same(c, vs, pos, t->cases[i].type, fv))
				return false;
		}
		return true;
	case CM_VARIANT:
	case CM_ENUM: {
		const char *name = str(j, t->kind == CM_ENUM ? "value" : "case");
		uint32_t ci = case_index(t, name);
		if (ci != n->u) {
			snprintf(c->why, c->why_len, "expected case `%s`, got `%s`", name ? name : "?",
			         n->u < t->n && t->cases[n->u].name ? t->cases[n->u].name : "?");
			return false;
		}
		if (t->kind == CM_VARIANT && t->cases[ci].type != CM_TID_NONE)
			return same(c, vs, pos, t->cases[ci].type, v);
		return true;
	}
	case CM_OPTION: {
		bool some = v && !json_is_null(v);
		if (some != (n->u == 1))
			return bad(c, "expected %s", some ? "some" : "none");
		return !some || same(c, vs, pos, t->elem, v);
	}
	case CM_RESULT: {
		const char *cs = str(j, "case");
		uint64_t want = cs && strcmp(cs, "err") == 0;
		if (want != n->u)
			return bad(c, "expected result.%s", want ? "err" : "ok");
		cm_tid pt = n->u ? t->err : t->elem;
		return pt == CM_TID_NONE || same(c, vs, pos, pt, v);
	}
	case CM_FLAGS: {
		uint8_t bits[1024] = {0};
		json_array_foreach(v, i, e) {
			uint32_t ci = case_index(t, json_string_value(e));
			if (ci == UINT32_MAX || ci >= 8 * sizeof bits)
				return bad(c, "unknown flag `%s`", json_string_value(e) ? json_string_value(e) : "?");
			bits[ci / 8] |= (uint8_t)(1u << (ci % 8));
		}
		if (n->len != (t->n + 7) / 8 || (n->len && memcmp(bits, n->bytes, n->len) != 0))
			return bad(c, "flags differ%s", "");
		return true;
	}
	default: {
		if (!cm_tid_is_primitive(tid))
			return bad(c, "results of type %s are not supported by the runner",
			           cm_kind_name(t->kind));
		uint64_t want;
		if (tid == CM_F32 || tid == CM_F64) {
			char buf[128];
			bool nan;
			literal(j, buf, sizeof buf);
			if (!float_bits(buf, tid == CM_F32, &want, &nan))
				return bad(c, "bad float `%s`", buf);
			bool got_nan = tid == CM_F32 ? ((n->u >> 23) & 0xff) == 0xff && (n->u & 0x7fffff)
			                             : ((n->u >> 52) & 0x7ff) == 0x7ff && (n->u & 0xfffffffffffffull);
			if (nan ? got_nan : want == n->u)
				return true;
			snprintf(got, sizeof got, "0x%llx", (unsigned long long)n->u);
			snprintf(c->why, c->why_len, "expected %s %s, got bits %s", cm_kind_name(t->kind), buf, got);
			return false;
		}
		cm_vals tmp;
		cm_vals_init(&tmp);
		bool ok = to_vals_at(c, &tmp, tid, j);
		want = ok ? tmp.v[0].u : 0;
		cm_vals_free(&tmp);
		if (!ok)
			return false;
		if (want == n->u)
			return true;
		snprintf(c->why, c->why_len, "expected %s %llu, got %llu", cm_kind_name(t->kind),
		         (unsigned long long)want, (unsigned long long)n->u);
		return false;
	}
	}
}

/* ---- commands -------------------------------------------------------------------- */

static int from_status(int status, const char *msg, char *why, size_t why_len)
{
	snprintf(why, why_len, "%s", msg);
	return status == ST_UNSUPPORTED ? CX_SKIPPED : CX_FAILED;
}

/* Invokes the action; *ret_out is the outcome, results appended to res.
 * Returns CX_PASSED when the call ran (whatever its outcome), else what
 * the command is. */
#define UNSUPPORTED "unsupported: "
#define ENTER_TRAP "cannot enter component instance"

/* A call that met a feature this runtime does not run is skipped; so are
 * later calls refused because that trap poisoned the instance. */
static int unsupported(cx_inst *in, const cm_outcome *out, char *why, size_t why_len)
{
	if (out->kind == CM_EXEC_OK)
		return CX_PASSED;
	if (strncmp(out->msg, UNSUPPORTED, strlen(UNSUPPORTED)) == 0) {
		snprintf(in->unsupported, sizeof in->unsupported, "%s", out->msg + strlen(UNSUPPORTED));
		snprintf(why, why_len, "%s", in->unsupported);
		return CX_SKIPPED;
	}
	if (in->unsupported[0] && strstr(out->msg, ENTER_TRAP)) {
		snprintf(why, why_len, "the instance was poisoned by an earlier call: %s", in->unsupported);
		return CX_SKIPPED;
	}
	return CX_PASSED;
}

static int invoke(cx_state *s, json_t *cmd, cm_vals *res, cm_outcome *ret_out, const cm_plan **ret_plan,
                  uint32_t *ret_lift, char *why, size_t why_len)
{
	json_t *a = json_object_get(cmd, "action");
	const char *mod = str(a, "module"), *field = str(a, "field");
	cx_inst *in = find_inst(s, mod);
	if (!in) {
		snprintf(why, why_len, "no component instance %s", mod ? mod : "(none yet)");
		return CX_FAILED;
	}
	if (in->status != ST_OK)
		return from_status(in->status, in->why, why, why_len);
	const cm_plan *p = cm_exec_plan(in->x);
	uint32_t e = field ? cm_plan_find_export(p, "", field) : CM_PLAN_NONE;
	if (e == CM_PLAN_NONE) {
		snprintf(why, why_len, "no export `%s`", field ? field : "?");
		return CX_FAILED;
	}
	uint32_t lift = p->exports[e].lift;
	const cm_type *ft = cm_types_get(p->types, p->lifts[lift].type);
	json_t *args = json_object_get(a, "args");
	if (json_array_size(args) != ft->n) {
		snprintf(why, why_len, "%zu arguments for %u parameters", json_array_size(args), ft->n);
		return CX_FAILED;
	}
	vctx c = {p->types, why, why_len};
	cm_vals vs;
	cm_vals_init(&vs);
	size_t i;
	json_t *v;
	json_array_foreach(args, i, v) {
		if (!to_vals(&c, &vs, ft->cases[i].type, v)) {
			cm_vals_free(&vs);
			return CX_FAILED;
		}
	}
	cm_exec_call(in->x, e, &vs, res, ret_out);
	cm_vals_free(&vs);
	*ret_plan = p;
	*ret_lift = lift;
	return unsupported(in, ret_out, why, why_len);
}

static int run_return(cx_state *s, json_t *cmd, char *why, size_t why_len)
{
	cm_vals res;
	cm_outcome out;
	const cm_plan *p;
	uint32_t lift;
	cm_vals_init(&res);
	int r = invoke(s, cmd, &res, &out, &p, &lift, why, why_len);
	if (r != CX_PASSED)
		goto free_res;
	if (out.kind != CM_EXEC_OK) {
		snprintf(why, why_len, "%s: %s", out.kind == CM_EXEC_TRAP ? "trapped" : "error", out.msg);
		r = CX_FAILED;
		goto free_res;
	}
	json_t *expected = json_object_get(cmd, "expected");
	const cm_type *ft = cm_types_get(p->types, p->lifts[lift].type);
	if (expected && json_array_size(expected) != ft->nresults) {
		snprintf(why, why_len, "%zu expected values for %u results", json_array_size(expected),
		         ft->nresults);
		r = CX_FAILED;
		goto free_res;
	}
	vctx c = {p->types, why, why_len};
	size_t pos = 0, i;
	json_t *v;
	json_array_foreach(expected, i, v) {
		if (!same(&c, &res, &pos, ft->results[i].type, v)) {
			r = CX_FAILED;
			goto free_res;
		}
	}
free_res:
	cm_vals_free(&res);
	return r;
}

static int run_trap(cx_state *s, json_t *cmd, char *why, size_t why_len)
{
	cm_vals res;
	cm_outcome out;
	const cm_plan *p;
	uint32_t lift;
	cm_vals_init(&res);
	int r = invoke(s, cmd, &res, &out, &p, &lift, why, why_len);
	cm_vals_free(&res);
	if (r != CX_PASSED)
		return r;
	const char *expect = str(cmd, "text") ? str(cmd, "text") : "";
	if (out.kind == CM_EXEC_TRAP && strstr(out.msg, expect))
		return CX_PASSED;
	if (out.kind == CM_EXEC_OK)
		snprintf(why, why_len, "expected a trap \"%s\", the call returned", expect);
	else
		snprintf(why, why_len, "expected a trap \"%s\", got %s \"%s\"", expect,
		         out.kind == CM_EXEC_TRAP ? "trap" : "error", out.msg);
	return CX_FAILED;
}

int cx_run(cx_state *s, json_t *cmd, const char *dir, char *why, size_t why_len)
{
	const char *type = str(cmd, "type");
	cm_outcome out;
	if (strcmp(type, "module") == 0) {
		/* a component this runtime cannot run (an unsupported feature)
		 * still passes on validation (runner.c); the commands that use it
		 * are skipped */
		cx_def *d = load_def(s, cmd, dir);
		if (json_is_true(json_object_get(cmd, "definition")))
			return d->status == ST_FAILED ? from_status(d->status, d->why, why, why_len) : CX_PASSED;
		cx_inst *in = instantiate(s, d, d->name, &out);
		s->current = in;
		return in->status == ST_FAILED ? from_status(in->status, in->why, why, why_len) : CX_PASSED;
	}
	if (strcmp(type, "module_instance") == 0) {
		cx_def *d = find_def(s, str(cmd, "module"));
		if (!d) {
			snprintf(why, why_len, "no component definition %s", str(cmd, "module") ? str(cmd, "module") : "?");
			return CX_FAILED;
		}
		cx_inst *in = instantiate(s, d, str(cmd, "instance"), &out);
		s->current = in;
		return in->status == ST_OK ? CX_PASSED : from_status(in->status, in->why, why, why_len);
	}
	if (strcmp(type, "assert_uninstantiable") == 0) {
		cx_def *d = load_def(s, cmd, dir);
		cx_inst *in = instantiate(s, d, NULL, &out);
		const char *expect = str(cmd, "text") ? str(cmd, "text") : "";
		if (d->status != ST_OK)
			return from_status(d->status, d->why, why, why_len);
		if (out.kind == CM_EXEC_TRAP && strstr(out.msg, expect))
			return CX_PASSED;
		snprintf(why, why_len, "expected instantiation to trap \"%s\", got %s", expect,
		         in->status == ST_OK ? "an instance" : in->why);
		return CX_FAILED;
	}
	if (strcmp(type, "assert_return") == 0 || strcmp(type, "action") == 0)
		return run_return(s, cmd, why, why_len);
	if (strcmp(type, "assert_trap") == 0)
		return run_trap(s, cmd, why, why_len);
	snprintf(why, why_len, "%s is not run by the component runner", type);
	return CX_NOT_RUN;
}
