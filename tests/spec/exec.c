/*
 * exec.h - the execution half of the spec runner (included once, by
 * runner.c, after its file_run and counting helpers).
 *
 * Every module is compiled with both tiers (fast, optimized) and
 * instantiated in two parallel worlds, one store per tier, each with its own
 * spectest host module and registrations; a command passes only when it
 * passes in both worlds, and a failure names the tier(s) it failed in.
 * Modules the compiler refuses with "unsupported feature" (GC, exception
 * handling) make every command that needs them skipped with that reason.
 * Compiled modules are cached by SHA-256 of their bytes within a file.
 */
#include <openssl/sha.h>
#include <sys/stat.h>
#include <sys/time.h>

#include "wasmc_host.h"

#define NTIERS 2
static const char *const TIER_NAMES[NTIERS] = {"fast", "optimized"};
static const jit_tier TIERS[NTIERS] = {JIT_TIER_FAST, JIT_TIER_OPTIMIZED};

typedef enum xres { XR_OK, XR_FAIL, XR_SKIP } xres;

typedef struct modslot {
	char *name;                /* "$M", or NULL */
	rt_instance *inst[NTIERS]; /* NULL when instantiation failed */
	char *skip;                /* unsupported: why (every use skips) */
} modslot;

typedef struct defn {
	char *name;
	rt_loaded *l[NTIERS];
	char *skip;
} defn;

typedef struct cache_entry {
	uint8_t hash[32];
	rt_loaded *l[NTIERS];
	int status; /* 0 ok, 1 unsupported, 2 error */
	char why[300];
} cache_entry;

typedef struct exec_state {
	bool ready;
	rt_store *store[NTIERS];
	wh_spectest sp[NTIERS];
	modslot **mods;
	size_t nmods;
	modslot *current;
	char **reg_as;
	modslot **reg_mod;
	size_t nregs;
	defn **defs;
	size_t ndefs;
	cache_entry *cache;
	size_t ncache;
} exec_state;

/* Seconds one call (or one instantiation with its start function) may run
 * before it is stopped as "deadline exceeded". */
#define CALL_TIMEOUT 10

static void arm_timeout(bool on)
{
	struct itimerval it;
	memset(&it, 0, sizeof it);
	it.it_value.tv_sec = on ? CALL_TIMEOUT : 0;
	setitimer(ITIMER_REAL, &it, NULL);
}

static exec_state *es_get(void)
{
	static exec_state es;
	if (!es.ready) {
		rt_trap_on_signal(SIGALRM);
		for (int t = 0; t < NTIERS; t++) {
			es.store[t] = rt_store_new(NULL);
			if (!es.store[t] || !wh_spectest_init(&es.sp[t], es.store[t], true)) {
				fprintf(stderr, "spec-runner: cannot create a store\n");
				exit(2);
			}
		}
		es.ready = true;
	}
	return &es;
}

static void *xgrow(void *p, size_t n, size_t size)
{
	void *q = realloc(p, (n + 1) * size);
	if (!q) {
		fprintf(stderr, "spec-runner: out of memory\n");
		exit(2);
	}
	return q;
}

/* ------------------------------------------------------------------------ */
/* Compilation (cached) */

/* The optimized tier goes through an artifact file (written, then loaded
 * with the fingerprint check and the file-backed code mapping), so every
 * run also exercises the artifact path; the fast tier uses the in-memory
 * path. */
#define ARTIFACT_TIER 1

static const char *artifact_dir(void)
{
	static char dir[256];
	if (!dir[0]) {
		const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
		snprintf(dir, sizeof dir, "%s/wasmc-spec.%ld", base, (long)getpid());
		if (mkdir(dir, 0700) != 0 && errno != EEXIST)
			dir[0] = '\0';
	}
	return dir;
}

static void remove_artifact_dir(void)
{
	const char *d = artifact_dir();
	if (d[0])
		rmdir(d);
}

static wh_stage compile_via_artifact(const uint8_t *bytes, size_t size, wb_features feat,
                                     const jit_options *opt, rt_loaded **ret, cmn_error *err)
{
	const char *dir = artifact_dir();
	if (!dir[0])
		return wh_compile_load(bytes, size, feat, opt, ret, err);
	rt_module *mod;
	rt_consts consts;
	rt_image *img;
	wh_stage st = wh_compile(bytes, size, feat, opt, &mod, &consts, &img, err);
	if (st != WH_OK)
		return st;
	static unsigned serial;
	char path[512];
	snprintf(path, sizeof path, "%s/m%u.cwasm", dir, serial++);
	char *fp = jit_fingerprint(opt);
	bool ok = fp && rt_artifact_write(path, mod, &consts, img, err) &&
	          rt_artifact_load(path, fp, ret, err);
	unlink(path);
	free(fp);
	rt_image_free(img);
	rt_module_free(mod);
	return ok ? WH_OK : WH_LOAD;
}

static cache_entry *compile_tiers(file_run *fr, const uint8_t *bytes, size_t size)
{
	exec_state *es = es_get();
	uint8_t h[32];
	SHA256(bytes, size, h);
	for (size_t i = 0; i < es->ncache; i++)
		if (memcmp(es->cache[i].hash, h, 32) == 0)
			return &es->cache[i];
	es->cache = xgrow(es->cache, es->ncache, sizeof *es->cache);
	cache_entry *c = &es->cache[es->ncache++];
	memset(c, 0, sizeof *c);
	memcpy(c->hash, h, 32);
	for (int t = 0; t < NTIERS; t++) {
		jit_options opt;
		jit_options_default(&opt);
		opt.tier = TIERS[t];
		opt.threads = 1;
		cmn_error err;
		cmn_error_clear(&err);
		wh_stage st = t == ARTIFACT_TIER
		                  ? compile_via_artifact(bytes, size, fr->features, &opt, &c->l[t], &err)
		                  : wh_compile_load(bytes, size, fr->features, &opt, &c->l[t], &err);
		if (st == WH_UNSUPPORTED) {
			c->status = 1;
			snprintf(c->why, sizeof c->why, "%s", err.msg);
			break;
		}
		if (st != WH_OK) {
			c->status = 2;
			snprintf(c->why, sizeof c->why, "tier %s: %s", TIER_NAMES[t], err.msg);
			break;
		}
	}
	return c;
}

/* ------------------------------------------------------------------------ */
/* Linking */

static modslot *find_mod(exec_state *es, const char *name)
{
	if (!name)
		return es->current;
	for (size_t i = es->nmods; i-- > 0;)
		if (es->mods[i]->name && strcmp(es->mods[i]->name, name) == 0)
			return es->mods[i];
	return NULL;
}

static modslot *find_registered(exec_state *es, rt_name n)
{
	for (size_t i = es->nregs; i-- > 0;)
		if (strlen(es->reg_as[i]) == n.len && memcmp(es->reg_as[i], n.ptr, n.len) == 0)
			return es->reg_mod[i];
	return NULL;
}

/* Resolves the imports of `l` in world t. XR_FAIL with a link message
 * ("unknown import") or XR_SKIP when an import comes from a skipped
 * module. */
static xres resolve(exec_state *es, int t, const rt_loaded *l, rt_extern *imps,
                    char *why, size_t whylen)
{
	const rt_module *m = l->mod;
	for (uint32_t i = 0; i < m->nimports; i++) {
		const rt_import *im = &m->imports[i];
		modslot *ms = find_registered(es, im->module);
		if (ms) {
			if (ms->skip) {
				snprintf(why, whylen, "%s", ms->skip);
				return XR_SKIP;
			}
			if (!ms->inst[t] ||
			    !rt_instance_export(ms->inst[t], im->field.ptr, im->field.len, &imps[i])) {
				snprintf(why, whylen, "unknown import %.*s::%.*s", (int)im->module.len,
				         im->module.ptr, (int)im->field.len, im->field.ptr);
				return XR_FAIL;
			}
			continue;
		}
		if (wh_name_is(im->module, "spectest") &&
		    wh_spectest_lookup(&es->sp[t], im->field, &imps[i]))
			continue;
		snprintf(why, whylen, "unknown import %.*s::%.*s", (int)im->module.len,
		         im->module.ptr, (int)im->field.len, im->field.ptr);
		return XR_FAIL;
	}
	return XR_OK;
}

/* Links and instantiates in world t. Returns XR_SKIP (why), or XR_OK with
 * *out telling what happened (RT_OK, RT_LINK, RT_TRAPPED, RT_FAILED). */
static xres instantiate(exec_state *es, int t, const rt_loaded *l, rt_instance **inst,
                        rt_outcome *out, char *why, size_t whylen)
{
	rt_extern *imps = calloc(l->mod->nimports + 1, sizeof *imps);
	*inst = NULL;
	memset(out, 0, sizeof *out);
	xres r = resolve(es, t, l, imps, why, whylen);
	if (r == XR_SKIP) {
		free(imps);
		return XR_SKIP;
	}
	if (r == XR_FAIL) {
		out->kind = RT_LINK;
		snprintf(out->msg, sizeof out->msg, "%s", why);
	} else {
		arm_timeout(true);
		rt_instantiate(es->store[t], l, imps, l->mod->nimports, inst, out);
		arm_timeout(false);
	}
	free(imps);
	return XR_OK;
}

/* ------------------------------------------------------------------------ */
/* Values */

/* A number of the script: an unsigned decimal string (wast2json's shape)
 * of at most `bits` bits. false when it is anything else: the script is
 * wrong, and the command fails saying so. */
static bool num(json_t *v, int bits, uint64_t *ret)
{
	const char *s = json_string_value(v);
	if (!s || !(*s >= '0' && *s <= '9'))
		return false;
	char *end;
	errno = 0;
	unsigned long long u = strtoull(s, &end, 10);
	if (errno || *end || (bits < 64 && u >> bits))
		return false;
	*ret = u;
	return true;
}

static bool lane_info(const char *lt, int *bits)
{
	if (!lt)
		return false;
	*bits = strcmp(lt, "i8") == 0 ? 8 : strcmp(lt, "i16") == 0 ? 16
	      : strcmp(lt, "i32") == 0 || strcmp(lt, "f32") == 0 ? 32
	      : strcmp(lt, "i64") == 0 || strcmp(lt, "f64") == 0 ? 64 : 0;
	return *bits != 0;
}

static int num_bits(const char *type)
{
	return strcmp(type, "i32") == 0 || strcmp(type, "f32") == 0 ? 32
	       : strcmp(type, "i64") == 0 || strcmp(type, "f64") == 0 ? 64 : 0;
}

/* An argument. */
static bool json_to_val(json_t *j, rt_val *out, char *why, size_t whylen)
{
	const char *type = json_string_value(json_object_get(j, "type"));
	json_t *value = json_object_get(j, "value");
	const char *vs = json_string_value(value);
	uint64_t u;
	memset(out, 0, sizeof *out);
	if (!type) {
		snprintf(why, whylen, "script error: argument without type");
		return false;
	}
	int bits = num_bits(type);
	if (bits) {
		if (!num(value, bits, &u)) {
			snprintf(why, whylen, "script error: %s argument \"%s\" is not a number",
			         type, vs ? vs : "?");
			return false;
		}
		if (bits == 32)
			out->i32 = (int32_t)(uint32_t)u;
		else
			out->i64 = (int64_t)u;
		return true;
	}
	if (strcmp(type, "v128") == 0) {
		if (!lane_info(json_string_value(json_object_get(j, "lane_type")), &bits) ||
		    json_array_size(value) != (size_t)(128 / bits)) {
			snprintf(why, whylen, "script error: bad v128 argument");
			return false;
		}
		for (int i = 0; i < 128 / bits; i++) {
			if (!num(json_array_get(value, (size_t)i), bits, &u)) {
				snprintf(why, whylen, "script error: v128 argument lane %d is not a number", i);
				return false;
			}
			for (int b = 0; b < bits / 8; b++)
				out->v128[i * bits / 8 + b] = (uint8_t)(u >> (8 * b));
		}
		return true;
	}
	if (vs && strcmp(vs, "null") == 0) {
		out->ref = NULL;
		return true;
	}
	if (strcmp(type, "externref") == 0 && vs) {
		/* (ref.extern N): a non-null opaque host reference */
		if (!num(value, 63, &u)) {
			snprintf(why, whylen, "script error: externref argument \"%s\"", vs);
			return false;
		}
		out->ref = (void *)(uintptr_t)(u + 1);
		return true;
	}
	snprintf(why, whylen, "unsupported argument type %s", type);
	return false;
}

static bool nan_ok(uint64_t bits, int width, const char *pat)
{
	if (width == 32) {
		uint32_t b = (uint32_t)bits;
		if (strcmp(pat, "nan:canonical") == 0)
			return (b & 0x7FFFFFFFu) == 0x7FC00000u;
		return (b & 0x7FC00000u) == 0x7FC00000u;
	}
	if (strcmp(pat, "nan:canonical") == 0)
		return (bits & 0x7FFFFFFFFFFFFFFFull) == 0x7FF8000000000000ull;
	return (bits & 0x7FF8000000000000ull) == 0x7FF8000000000000ull;
}

static bool is_nan_pattern(const char *s)
{
	return s && (strcmp(s, "nan:canonical") == 0 || strcmp(s, "nan:arithmetic") == 0);
}

static void describe(char *buf, size_t len, const char *type, rt_val v)
{
	if (strcmp(type, "i32") == 0 || strcmp(type, "f32") == 0)
		snprintf(buf, len, "%s:%u", type, (uint32_t)v.i32);
	else if (strcmp(type, "i64") == 0 || strcmp(type, "f64") == 0)
		snprintf(buf, len, "%s:%llu", type, (unsigned long long)v.i64);
	else if (strcmp(type, "v128") == 0) {
		size_t o = (size_t)snprintf(buf, len, "v128:");
		for (int i = 15; i >= 0 && o + 3 < len; i--)
			o += (size_t)snprintf(buf + o, len - o, "%02x", v.v128[i]);
	} else
		snprintf(buf, len, "%s:%p", type, v.ref);
}

/* Reference result types of the script (wast-split.mjs): without a value
 * any non-null reference of the type, with "null" a null one. */
static const char *const REF_TYPES[] = {
	"funcref", "externref", "anyref", "eqref", "i31ref", "structref", "arrayref",
	"exnref", "contref", "i31refshared",
};
/* The bottom types: every value of them is null. */
static const char *const NULL_REF_TYPES[] = {
	"refnull", "nullref", "nullfuncref", "nullexternref", "nullexnref", "nullcontref",
};

static bool in_list(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return true;
	return false;
}

typedef enum rcheck { R_MATCH, R_MISMATCH, R_SCRIPT_ERROR } rcheck;

/* Compares one result with the expected value `e`; R_SCRIPT_ERROR (why)
 * when `e` cannot be read or names a type this runner cannot check. */
static rcheck result_check(json_t *e, rt_val got, char *why, size_t whylen)
{
	const char *type = json_string_value(json_object_get(e, "type"));
	json_t *value = json_object_get(e, "value");
	const char *vs = json_string_value(value);
	uint64_t u;
	if (!type) {
		snprintf(why, whylen, "script error: expected value without type");
		return R_SCRIPT_ERROR;
	}
	if (strcmp(type, "either") == 0) {
		size_t i;
		json_t *alt;
		rcheck r = R_MISMATCH;
		json_array_foreach(json_object_get(e, "values"), i, alt)
		{
			rcheck a = result_check(alt, got, why, whylen);
			if (a == R_MATCH)
				return R_MATCH;
			if (a == R_SCRIPT_ERROR)
				r = R_SCRIPT_ERROR;
		}
		return r;
	}
	int bits = num_bits(type);
	if (bits) {
		uint64_t g = bits == 32 ? (uint32_t)got.i32 : (uint64_t)got.i64;
		if (type[0] == 'f' && is_nan_pattern(vs))
			return nan_ok(g, bits, vs) ? R_MATCH : R_MISMATCH;
		if (!num(value, bits, &u)) {
			snprintf(why, whylen, "script error: expected %s \"%s\" is not a number", type,
			         vs ? vs : "?");
			return R_SCRIPT_ERROR;
		}
		return g == u ? R_MATCH : R_MISMATCH;
	}
	if (strcmp(type, "v128") == 0) {
		const char *lt = json_string_value(json_object_get(e, "lane_type"));
		if (!lane_info(lt, &bits) || json_array_size(value) != (size_t)(128 / bits)) {
			snprintf(why, whylen, "script error: bad expected v128");
			return R_SCRIPT_ERROR;
		}
		rcheck r = R_MATCH;
		for (int i = 0; i < 128 / bits; i++) {
			uint64_t lane = 0;
			for (int b = 0; b < bits / 8; b++)
				lane |= (uint64_t)got.v128[i * bits / 8 + b] << (8 * b);
			json_t *lv = json_array_get(value, (size_t)i);
			const char *ls = json_string_value(lv);
			if (lt[0] == 'f' && is_nan_pattern(ls)) {
				if (!nan_ok(lane, bits, ls))
					r = R_MISMATCH;
			} else if (!num(lv, bits, &u)) {
				snprintf(why, whylen, "script error: expected v128 lane %d \"%s\"", i,
				         ls ? ls : "?");
				return R_SCRIPT_ERROR;
			} else if (lane != u) {
				r = R_MISMATCH;
			}
		}
		return r;
	}
	/* References. */
	bool bottom = in_list(type, NULL_REF_TYPES, sizeof NULL_REF_TYPES / sizeof NULL_REF_TYPES[0]);
	if (!bottom && !in_list(type, REF_TYPES, sizeof REF_TYPES / sizeof REF_TYPES[0])) {
		snprintf(why, whylen, "script error: unknown result type %s", type);
		return R_SCRIPT_ERROR;
	}
	if (bottom || (vs && strcmp(vs, "null") == 0))
		return got.ref == NULL ? R_MATCH : R_MISMATCH;
	if (!value) /* (ref.func), (ref.extern), ...: any non-null */
		return got.ref != NULL ? R_MATCH : R_MISMATCH;
	if (strcmp(type, "externref") == 0) {
		if (!num(value, 63, &u)) {
			snprintf(why, whylen, "script error: expected externref \"%s\"", vs ? vs : "?");
			return R_SCRIPT_ERROR;
		}
		return got.ref == (void *)(uintptr_t)(u + 1) ? R_MATCH : R_MISMATCH;
	}
	/* (ref.host N), (ref.func N): no way to compare here. */
	snprintf(why, whylen, "cannot check an expected %s with value \"%s\"", type, vs ? vs : "?");
	return R_SCRIPT_ERROR;
}

/* ------------------------------------------------------------------------ */
/* Actions */

/* Runs `action` in world t. XR_SKIP / XR_FAIL (setup problems: why), or
 * XR_OK with the call's outcome in *out and results in res[0..*nres). */
static xres run_action(exec_state *es, int t, json_t *action, rt_val **res,
                       uint32_t *nres, rt_outcome *out, char *why, size_t whylen)
{
	const char *type = json_string_value(json_object_get(action, "type"));
	const char *mname = json_string_value(json_object_get(action, "module"));
	const char *field = json_string_value(json_object_get(action, "field"));
	modslot *ms = find_mod(es, mname);
	memset(out, 0, sizeof *out);
	*res = NULL;
	*nres = 0;
	if (!ms) {
		snprintf(why, whylen, "no module %s", mname ? mname : "(current)");
		return XR_FAIL;
	}
	if (ms->skip) {
		snprintf(why, whylen, "%s", ms->skip);
		return XR_SKIP;
	}
	if (!ms->inst[t]) {
		snprintf(why, whylen, "module %s was not instantiated", mname ? mname : "(current)");
		return XR_FAIL;
	}
	if (!field)
		field = "";
	/* Export names may contain NUL: use the JSON string's length. */
	size_t flen = json_string_length(json_object_get(action, "field"));
	rt_extern ex;
	if (!rt_instance_export(ms->inst[t], field, flen, &ex)) {
		snprintf(why, whylen, "no export \"%s\"", field);
		return XR_FAIL;
	}
	if (type && strcmp(type, "get") == 0) {
		if (ex.kind != RT_EXTERN_GLOBAL) {
			snprintf(why, whylen, "export \"%s\" is not a global", field);
			return XR_FAIL;
		}
		*res = calloc(1, sizeof **res);
		(*res)[0] = rt_globalobj_global(ex.u.global)->val;
		*nres = 1;
		out->kind = RT_OK;
		return XR_OK;
	}
	if (ex.kind != RT_EXTERN_FUNC) {
		snprintf(why, whylen, "export \"%s\" is not a function", field);
		return XR_FAIL;
	}
	const rt_functype *ft = rt_types_functype(ex.u.func->type_id);
	json_t *args = json_object_get(action, "args");
	if (!ft || json_array_size(args) != ft->nparams) {
		snprintf(why, whylen, "wrong number of arguments for \"%s\"", field);
		return XR_FAIL;
	}
	uint32_t slots = ft->nparams > ft->nresults ? ft->nparams : ft->nresults;
	rt_val *vals = calloc(slots + 1, sizeof *vals);
	for (uint32_t i = 0; i < ft->nparams; i++) {
		if (!json_to_val(json_array_get(args, i), &vals[i], why, whylen)) {
			free(vals);
			return XR_FAIL;
		}
	}
	arm_timeout(true);
	rt_call(ex.u.func, vals, out);
	arm_timeout(false);
	*res = vals;
	*nres = ft->nresults;
	return XR_OK;
}

/* ------------------------------------------------------------------------ */
/* Combining the tiers */

typedef struct tier_result {
	xres r;
	char msg[700];
} tier_result;

/* Counts one command from its per-tier results: a failure in either tier
 * fails it (a skip in the other tier does not hide it), else a skip in
 * either tier skips it. */
static void conclude(file_run *fr, json_t *cmd, const char *type, tier_result tr[NTIERS],
                     bool matched)
{
	bool f0 = tr[0].r == XR_FAIL, f1 = tr[1].r == XR_FAIL;
	if (!f0 && !f1) {
		for (int t = 0; t < NTIERS; t++) {
			if (tr[t].r == XR_SKIP) {
				skip(fr, cmd, type, tr[t].msg);
				return;
			}
		}
		pass_cmd(fr, cmd, type, matched, NULL);
		return;
	}
	char what[1600];
	if (f0 && f1 && strcmp(tr[0].msg, tr[1].msg) == 0)
		snprintf(what, sizeof what, "%s", tr[0].msg);
	else if (f0 && f1)
		snprintf(what, sizeof what, "tier fast: %s; tier optimized: %s", tr[0].msg, tr[1].msg);
	else
		snprintf(what, sizeof what, "tier %s only: %s%s", TIER_NAMES[f0 ? 0 : 1],
		         tr[f0 ? 0 : 1].msg,
		         tr[f0 ? 1 : 0].r == XR_SKIP ? " (the other tier skipped)" : "");
	fail_cmd(fr, cmd, type, what);
}

/* assert_return, assert_trap, assert_exhaustion, action. */
static void exec_action_cmd(file_run *fr, json_t *cmd, const char *type)
{
	exec_state *es = es_get();
	json_t *action = json_object_get(cmd, "action");
	json_t *expected = json_object_get(cmd, "expected");
	const char *text = str_field(cmd, "text");
	bool want_trap = strcmp(type, "assert_trap") == 0 || strcmp(type, "assert_exhaustion") == 0;
	bool want_return = strcmp(type, "assert_return") == 0;
	tier_result tr[NTIERS];
	bool matched = false;
	for (int t = 0; t < NTIERS; t++) {
		rt_val *res;
		uint32_t nres;
		rt_outcome out;
		tr[t].msg[0] = '\0';
		tr[t].r = run_action(es, t, action, &res, &nres, &out, tr[t].msg, sizeof tr[t].msg);
		if (tr[t].r != XR_OK)
			continue;
		if (want_trap) {
			if (out.kind != RT_TRAPPED) {
				tr[t].r = XR_FAIL;
				snprintf(tr[t].msg, sizeof tr[t].msg, "%s",
				         out.kind == RT_OK ? "returned instead of trapping" : out.msg);
			} else if (text && !message_matches(out.msg, text)) {
				tr[t].r = XR_FAIL;
				snprintf(tr[t].msg, sizeof tr[t].msg, "trapped with \"%s\"", out.msg);
			} else {
				matched = text != NULL;
			}
		} else if (out.kind != RT_OK) {
			tr[t].r = XR_FAIL;
			snprintf(tr[t].msg, sizeof tr[t].msg, "%s: %s",
			         out.kind == RT_TRAPPED ? "trapped" : "failed", out.msg);
		} else if (want_return) {
			if (json_array_size(expected) != nres) {
				tr[t].r = XR_FAIL;
				snprintf(tr[t].msg, sizeof tr[t].msg, "%u results, expected %zu", nres,
				         json_array_size(expected));
			}
			for (uint32_t i = 0; tr[t].r == XR_OK && i < nres; i++) {
				json_t *e = json_array_get(expected, i);
				char why[300];
				rcheck rc = result_check(e, res[i], why, sizeof why);
				if (rc == R_SCRIPT_ERROR) {
					tr[t].r = XR_FAIL;
					snprintf(tr[t].msg, sizeof tr[t].msg, "result %u: %s", i, why);
				} else if (rc == R_MISMATCH) {
					char got[200];
					const char *et = json_string_value(json_object_get(e, "type"));
					describe(got, sizeof got, et && strcmp(et, "either") ? et : "i64", res[i]);
					char *es_ = json_dumps(e, JSON_COMPACT);
					tr[t].r = XR_FAIL;
					snprintf(tr[t].msg, sizeof tr[t].msg, "result %u: got %s, expected %s",
					         i, got, es_ ? es_ : "?");
					free(es_);
				}
			}
		}
		free(res);
	}
	conclude(fr, cmd, type, tr, matched);
}

/* Loads the module file of `cmd`. */
static uint8_t *cmd_bytes(file_run *fr, json_t *cmd, size_t *size, char *why, size_t whylen)
{
	const char *name = str_field(cmd, "filename");
	if (!name) {
		snprintf(why, whylen, "no module file");
		return NULL;
	}
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", fr->dir, name);
	return read_file(path, size, why, whylen);
}

/* The compiled tiers of `cmd`'s module; NULL + tr filled on skip/error. */
static cache_entry *cmd_compile(file_run *fr, json_t *cmd, tier_result tr[NTIERS])
{
	size_t size;
	char why[600];
	uint8_t *bytes = cmd_bytes(fr, cmd, &size, why, sizeof why);
	for (int t = 0; t < NTIERS; t++)
		tr[t].r = XR_OK, tr[t].msg[0] = '\0';
	if (!bytes) {
		for (int t = 0; t < NTIERS; t++) {
			tr[t].r = XR_FAIL;
			snprintf(tr[t].msg, sizeof tr[t].msg, "%s", why);
		}
		return NULL;
	}
	cache_entry *c = compile_tiers(fr, bytes, size);
	free(bytes);
	if (c->status != 0) {
		for (int t = 0; t < NTIERS; t++) {
			tr[t].r = c->status == 1 ? XR_SKIP : XR_FAIL;
			snprintf(tr[t].msg, sizeof tr[t].msg, "%s", c->why);
		}
		return NULL;
	}
	return c;
}

static modslot *new_slot(exec_state *es, const char *name)
{
	modslot *ms = calloc(1, sizeof *ms);
	ms->name = name ? strdup(name) : NULL;
	es->mods = xgrow(es->mods, es->nmods, sizeof *es->mods);
	es->mods[es->nmods++] = ms;
	es->current = ms;
	return ms;
}

/* Instantiates compiled tiers into a new slot named `name` (module,
 * module_instance). */
static void instantiate_slot(file_run *fr, json_t *cmd, const char *type, const char *name,
                             rt_loaded *const l[NTIERS], const char *skip_why,
                             tier_result tr[NTIERS])
{
	exec_state *es = es_get();
	modslot *ms = new_slot(es, name);
	if (skip_why) {
		ms->skip = strdup(skip_why);
		conclude(fr, cmd, type, tr, false);
		return;
	}
	for (int t = 0; t < NTIERS; t++) {
		rt_outcome out;
		tr[t].r = instantiate(es, t, l[t], &ms->inst[t], &out, tr[t].msg, sizeof tr[t].msg);
		if (tr[t].r == XR_SKIP) {
			ms->skip = strdup(tr[t].msg);
			break;
		}
		if (out.kind != RT_OK) {
			tr[t].r = XR_FAIL;
			snprintf(tr[t].msg, sizeof tr[t].msg, "instantiation failed: %s", out.msg);
		}
	}
	conclude(fr, cmd, type, tr, false);
}

/* A `module` command whose binary decoded and validated. */
static void exec_module(file_run *fr, json_t *cmd)
{
	exec_state *es = es_get();
	tier_result tr[NTIERS];
	cache_entry *c = cmd_compile(fr, cmd, tr);
	const char *name = str_field(cmd, "name");
	bool definition = json_is_true(json_object_get(cmd, "definition"));
	if (definition) {
		defn *d = calloc(1, sizeof *d);
		d->name = name ? strdup(name) : NULL;
		if (c)
			for (int t = 0; t < NTIERS; t++)
				d->l[t] = c->l[t];
		else if (tr[0].r == XR_SKIP)
			d->skip = strdup(tr[0].msg);
		es->defs = xgrow(es->defs, es->ndefs, sizeof *es->defs);
		es->defs[es->ndefs++] = d;
		conclude(fr, cmd, "module", tr, false);
		return;
	}
	if (!c) {
		if (tr[0].r == XR_SKIP) {
			modslot *ms = new_slot(es, name);
			ms->skip = strdup(tr[0].msg);
		} else {
			new_slot(es, name); /* a failed module: later uses fail */
		}
		conclude(fr, cmd, "module", tr, false);
		return;
	}
	instantiate_slot(fr, cmd, "module", name, c->l, NULL, tr);
}

static void exec_module_instance(file_run *fr, json_t *cmd, const char *type)
{
	exec_state *es = es_get();
	const char *mod = str_field(cmd, "module");
	const char *inst = str_field(cmd, "instance");
	defn *d = NULL;
	for (size_t i = es->ndefs; i-- > 0;) {
		if (!mod || (es->defs[i]->name && strcmp(es->defs[i]->name, mod) == 0)) {
			d = es->defs[i];
			break;
		}
	}
	tier_result tr[NTIERS];
	for (int t = 0; t < NTIERS; t++)
		tr[t].r = XR_OK, tr[t].msg[0] = '\0';
	if (!d || (!d->skip && !d->l[0])) {
		for (int t = 0; t < NTIERS; t++) {
			tr[t].r = XR_FAIL;
			snprintf(tr[t].msg, sizeof tr[t].msg, "no module definition %s", mod ? mod : "");
		}
		new_slot(es, inst);
		conclude(fr, cmd, type, tr, false);
		return;
	}
	if (d->skip)
		for (int t = 0; t < NTIERS; t++) {
			tr[t].r = XR_SKIP;
			snprintf(tr[t].msg, sizeof tr[t].msg, "%s", d->skip);
		}
	instantiate_slot(fr, cmd, type, inst, d->l, d->skip, tr);
}

static void exec_register(file_run *fr, json_t *cmd)
{
	exec_state *es = es_get();
	const char *as = str_field(cmd, "as");
	modslot *ms = find_mod(es, str_field(cmd, "name"));
	tier_result tr[NTIERS];
	for (int t = 0; t < NTIERS; t++) {
		tr[t].r = XR_OK;
		tr[t].msg[0] = '\0';
		if (!ms || !as) {
			tr[t].r = XR_FAIL;
			snprintf(tr[t].msg, sizeof tr[t].msg, "nothing to register");
		} else if (ms->skip) {
			tr[t].r = XR_SKIP;
			snprintf(tr[t].msg, sizeof tr[t].msg, "%s", ms->skip);
		}
	}
	if (ms && as) {
		es->reg_as = xgrow(es->reg_as, es->nregs, sizeof *es->reg_as);
		es->reg_mod = xgrow(es->reg_mod, es->nregs, sizeof *es->reg_mod);
		es->reg_as[es->nregs] = strdup(as);
		es->reg_mod[es->nregs++] = ms;
	}
	conclude(fr, cmd, "register", tr, false);
}

/* assert_unlinkable, assert_uninstantiable. */
static void exec_assert_instantiate(file_run *fr, json_t *cmd, const char *type, bool link)
{
	exec_state *es = es_get();
	const char *text = str_field(cmd, "text");
	tier_result tr[NTIERS];
	cache_entry *c = cmd_compile(fr, cmd, tr);
	bool matched = false;
	if (c) {
		for (int t = 0; t < NTIERS; t++) {
			rt_outcome out;
			rt_instance *inst;
			tr[t].r = instantiate(es, t, c->l[t], &inst, &out, tr[t].msg, sizeof tr[t].msg);
			if (tr[t].r != XR_OK)
				continue;
			int want = link ? RT_LINK : RT_TRAPPED;
			if (out.kind == RT_OK) {
				tr[t].r = XR_FAIL;
				snprintf(tr[t].msg, sizeof tr[t].msg, "the module instantiated");
			} else if (out.kind != want) {
				tr[t].r = XR_FAIL;
				snprintf(tr[t].msg, sizeof tr[t].msg, "%s instead: %s",
				         out.kind == RT_LINK ? "link error" : out.kind == RT_TRAPPED
				         ? "trap" : "failure", out.msg);
			} else if (text && !message_matches(out.msg, text)) {
				tr[t].r = XR_FAIL;
				snprintf(tr[t].msg, sizeof tr[t].msg, "%s with \"%s\"",
				         link ? "link error" : "trap", out.msg);
			} else {
				matched = text != NULL;
			}
		}
	}
	conclude(fr, cmd, type, tr, matched);
}
