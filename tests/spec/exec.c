/* exec.c - the execution commands of a script (exec.h). */
#include "exec.h"

#include <errno.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "cmn_vec.h"
#include "jit.h"
#include "rt_artifact.h"
#include "rt_instance.h"
#include "rt_store.h"
#include "values.h"
#include "wh_compile.h"
#include "wh_spectest.h"

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

/* A module registered under a name (register "as"). */
typedef struct registration {
	char *as;
	modslot *mod;
} registration;

typedef struct exec_state {
	bool ready;
	rt_store *store[NTIERS];
	wh_spectest sp[NTIERS];
	modslot **mods;
	uint32_t nmods, capmods;
	modslot *current;
	registration *regs;
	uint32_t nregs, capregs;
	defn **defs;
	uint32_t ndefs, capdefs;
	cache_entry *cache;
	uint32_t ncache, capcache;
	bool in_thread; /* the state of a `thread` command's thread */
} exec_state;

/* The script's state, and on a `thread` command's thread that thread's. */
static exec_state main_es;
static _Thread_local exec_state *cur_es;

static void arm_timeout(bool on)
{
	struct itimerval it;
	/* the timer is the process's: a thread's calls are bounded by the
	 * `wait` that joins it instead */
	if (cur_es && cur_es->in_thread)
		return;
	memset(&it, 0, sizeof it);
	it.it_value.tv_sec = on ? EXEC_CALL_TIMEOUT : 0;
	setitimer(ITIMER_REAL, &it, NULL);
}

static void es_init(exec_state *es)
{
	for (int t = 0; t < NTIERS; t++) {
		es->store[t] = rt_store_new(NULL);
		if (!es->store[t] || !wh_spectest_init(&es->sp[t], es->store[t], true)) {
			fprintf(stderr, "spec-runner: cannot create a store\n");
			exit(2);
		}
	}
	es->ready = true;
}

static exec_state *es_get(void)
{
	if (!cur_es)
		cur_es = &main_es;
	if (!cur_es->ready) {
		rt_trap_on_signal(SIGALRM);
		es_init(cur_es);
	}
	return cur_es;
}

/* Room for one more element in an array of `n` (cmn_grow); out of memory
 * ends the process (this script's child). */
static void grow1(void *arr, uint32_t *cap, uint32_t n, size_t size)
{
	void *p;

	memcpy(&p, arr, sizeof p);
	if (!cmn_grow(&p, cap, (uint64_t)n + 1, size)) {
		fprintf(stderr, "spec-runner: out of memory\n");
		exit(2);
	}
	memcpy(arr, &p, sizeof p);
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

void exec_cleanup(void)
{
	const char *d = artifact_dir();
	if (d[0])
		rmdir(d);
}

static wh_stage compile_via_artifact(const uint8_t *bytes, size_t size, wb_features feat,
                                     const jit_options *opt, rt_loaded **ret, cmn_error *err)
{
	static _Atomic unsigned serial;
	const char *dir = artifact_dir();
	char path[512];

	if (!dir[0])
		return wh_compile_load(bytes, size, feat, opt, ret, err);
	snprintf(path, sizeof path, "%s/m%u.cwasm", dir, atomic_fetch_add(&serial, 1));
	return wh_compile_via_artifact(bytes, size, feat, opt, path, ret, err);
}

static cache_entry *compile_tiers(file_run *fr, const uint8_t *bytes, size_t size)
{
	exec_state *es = es_get();
	uint8_t h[32];
	SHA256(bytes, size, h);
	for (uint32_t i = 0; i < es->ncache; i++)
		if (memcmp(es->cache[i].hash, h, 32) == 0)
			return &es->cache[i];
	grow1(&es->cache, &es->capcache, es->ncache, sizeof *es->cache);
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
	for (uint32_t i = es->nmods; i-- > 0;)
		if (es->mods[i]->name && strcmp(es->mods[i]->name, name) == 0)
			return es->mods[i];
	return NULL;
}

static modslot *find_registered(exec_state *es, rt_name n)
{
	for (uint32_t i = es->nregs; i-- > 0;)
		if (strlen(es->regs[i].as) == n.len && memcmp(es->regs[i].as, n.ptr, n.len) == 0)
			return es->regs[i].mod;
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
		if (!value_from_json(json_array_get(args, i), &vals[i], why, whylen)) {
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
				skip_cmd(fr, cmd, type, tr[t].msg);
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

void exec_action(file_run *fr, json_t *cmd, const char *type)
{
	exec_state *es = es_get();
	json_t *action = json_object_get(cmd, "action");
	json_t *expected = json_object_get(cmd, "expected");
	const char *text = str_field(cmd, "text");
	bool want_trap = strcmp(type, "assert_trap") == 0 || strcmp(type, "assert_exhaustion") == 0;
	bool want_return = strcmp(type, "assert_return") == 0;
	bool want_exn = strcmp(type, "assert_exception") == 0;
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
		if (want_exn) {
			if (out.kind != RT_TRAPPED || out.trap != RT_TRAP_EXCEPTION) {
				tr[t].r = XR_FAIL;
				snprintf(tr[t].msg, sizeof tr[t].msg, "%s",
				         out.kind == RT_OK ? "returned instead of throwing" : out.msg);
			}
		} else if (want_trap) {
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
				rcheck rc = value_check(e, res[i], why, sizeof why);
				if (rc == R_SCRIPT_ERROR) {
					tr[t].r = XR_FAIL;
					snprintf(tr[t].msg, sizeof tr[t].msg, "result %u: %s", i, why);
				} else if (rc == R_MISMATCH) {
					char got[200];
					const char *et = json_string_value(json_object_get(e, "type"));
					value_describe(got, sizeof got, et && strcmp(et, "either") ? et : "i64", res[i]);
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

/* The compiled tiers of `cmd`'s module; NULL + tr filled on skip/error. */
static cache_entry *cmd_compile(file_run *fr, json_t *cmd, tier_result tr[NTIERS])
{
	size_t size;
	char why[600];
	uint8_t *bytes = cmd_module_bytes(fr, cmd, &size, why, sizeof why);
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
	grow1(&es->mods, &es->capmods, es->nmods, sizeof *es->mods);
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

void exec_module(file_run *fr, json_t *cmd)
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
		grow1(&es->defs, &es->capdefs, es->ndefs, sizeof *es->defs);
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

void exec_module_instance(file_run *fr, json_t *cmd, const char *type)
{
	exec_state *es = es_get();
	const char *mod = str_field(cmd, "module");
	const char *inst = str_field(cmd, "instance");
	defn *d = NULL;
	for (uint32_t i = es->ndefs; i-- > 0;) {
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

void exec_register(file_run *fr, json_t *cmd)
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
		grow1(&es->regs, &es->capregs, es->nregs, sizeof *es->regs);
		es->regs[es->nregs].as = strdup(as);
		es->regs[es->nregs++].mod = ms;
	}
	conclude(fr, cmd, "register", tr, false);
}

void exec_assert_instantiate(file_run *fr, json_t *cmd, const char *type, bool link)
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

void exec_module_failed(const char *name, const char *skip_reason)
{
	modslot *ms = new_slot(es_get(), name);
	if (skip_reason)
		ms->skip = strdup(skip_reason);
}

/* ------------------------------------------------------------------------ */
/* Threads (the threads proposal's `thread` and `wait` commands) */

/* Seconds a `wait` waits for its thread before failing. */
#define THREAD_JOIN_TIMEOUT 120

typedef struct script_thread {
	char *name;
	pthread_t tid;
	bool joined;
	file_run *fr;
	json_t *commands;
	exec_state *es;
	void (*run)(file_run *, json_t *);
} script_thread;

/* Every thread started so far (threads may start threads: locked). */
static script_thread **threads;
static uint32_t nthreads, capthreads;
static pthread_mutex_t threads_lock = PTHREAD_MUTEX_INITIALIZER;

static void *thread_main(void *arg)
{
	script_thread *th = arg;
	cur_es = th->es;
	th->run(th->fr, th->commands);
	return NULL;
}

void exec_thread(file_run *fr, json_t *cmd, void (*run)(file_run *, json_t *))
{
	exec_state *parent = es_get();
	const char *shared = str_field(cmd, "shared_module");
	tier_result tr[NTIERS];
	for (int t = 0; t < NTIERS; t++)
		tr[t].r = XR_OK, tr[t].msg[0] = '\0';
	modslot *ms = shared ? find_mod(parent, shared) : NULL;
	if (shared && !ms) {
		for (int t = 0; t < NTIERS; t++) {
			tr[t].r = XR_FAIL;
			snprintf(tr[t].msg, sizeof tr[t].msg, "no module %s to share", shared);
		}
		conclude(fr, cmd, "thread", tr, false);
		return;
	}
	script_thread *th = calloc(1, sizeof *th);
	exec_state *es = calloc(1, sizeof *es);
	es_init(es);
	es->in_thread = true;
	if (ms) {
		/* the thread sees the shared module under its name, and only it */
		grow1(&es->mods, &es->capmods, es->nmods, sizeof *es->mods);
		es->mods[es->nmods++] = ms;
	}
	const char *name = str_field(cmd, "name");
	th->name = name ? strdup(name) : NULL;
	th->fr = fr;
	th->commands = json_object_get(cmd, "commands");
	th->es = es;
	th->run = run;
	(void)artifact_dir(); /* created here, before any thread compiles */
	if (pthread_create(&th->tid, NULL, thread_main, th) != 0) {
		for (int t = 0; t < NTIERS; t++) {
			tr[t].r = XR_FAIL;
			snprintf(tr[t].msg, sizeof tr[t].msg, "cannot start a thread");
		}
		th->joined = true;
	}
	pthread_mutex_lock(&threads_lock);
	grow1(&threads, &capthreads, nthreads, sizeof *threads);
	threads[nthreads++] = th;
	pthread_mutex_unlock(&threads_lock);
	conclude(fr, cmd, "thread", tr, false);
}

void exec_wait(file_run *fr, json_t *cmd)
{
	const char *name = str_field(cmd, "thread");
	script_thread *th = NULL;
	pthread_mutex_lock(&threads_lock);
	for (uint32_t i = nthreads; i-- > 0;)
		if (threads[i]->name && name && strcmp(threads[i]->name, name) == 0) {
			th = threads[i];
			break;
		}
	pthread_mutex_unlock(&threads_lock);
	tier_result tr[NTIERS];
	for (int t = 0; t < NTIERS; t++)
		tr[t].r = XR_OK, tr[t].msg[0] = '\0';
	const char *why = NULL;
	if (!th || th->joined) {
		why = th ? "thread already waited for" : "no such thread";
	} else {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += THREAD_JOIN_TIMEOUT;
		if (pthread_timedjoin_np(th->tid, NULL, &ts) != 0)
			why = "the thread did not end within 120 s";
		else
			th->joined = true;
	}
	if (why)
		for (int t = 0; t < NTIERS; t++) {
			tr[t].r = XR_FAIL;
			snprintf(tr[t].msg, sizeof tr[t].msg, "%s", why);
		}
	conclude(fr, cmd, "wait", tr, false);
}
