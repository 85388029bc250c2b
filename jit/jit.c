/*
 * jit.c - the compiler's driver: options and fingerprint, the target
 * machine, the passes of each tier, chunks of functions compiled on worker
 * threads (each with its own LLVM context), and the final link into one
 * rt_image.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <llvm-c/Analysis.h>
#include <llvm-c/Support.h>
#include <llvm-c/Target.h>
#include <llvm-c/Transforms/PassBuilder.h>

#include "jit_int.h"
#include "jit_link.h"
#include "wb_reader.h"
#include "wb_types.h"

void jit_options_default(jit_options *opt)
{
	memset(opt, 0, sizeof(*opt));
	opt->tier = JIT_TIER_OPTIMIZED;
	opt->guard_bytes = (uint64_t)2 << 30;
}

static pthread_once_t llvm_once = PTHREAD_ONCE_INIT;

static void llvm_init(void)
{
	/* Exact traps: X86's cmov converter turns a cmov whose operand is a
	 * volatile load into a branch around the load (the load of a `select`
	 * would then run only on one side); keep the cmov, which always
	 * loads. A process-wide LLVM option, set once. */
	const char *args[16] = {"wasmc", "-x86-cmov-converter=false"};
	const char *extra = getenv("WASMC_LLVM_ARGS");
	char *copy = extra ? strdup(extra) : NULL, *tok, *save = NULL;
	int n = 2;

	/* Diagnostics: WASMC_LLVM_ARGS adds LLVM options (space-separated,
	 * at most 14), e.g. "-fast-isel-report-on-fallback
	 * -pass-remarks-missed=sdagisel" lists what FastISel leaves to
	 * SelectionDAG. */
	for (tok = copy ? strtok_r(copy, " ", &save) : NULL; tok && n < 16;
	     tok = strtok_r(NULL, " ", &save))
		args[n++] = tok;
	LLVMParseCommandLineOptions(n, args, NULL);
	free(copy);
	LLVMInitializeNativeTarget();
	LLVMInitializeNativeAsmPrinter();
	LLVMInitializeNativeAsmParser(); /* the stack probe is module asm */
}

/* Exact traps: never AVX-512. Its masked moves suppress faults, and X86
 * instruction selection folds `select(c, load p, x)` (and a store of such
 * a select) into one, so a volatile load or store that must fault would
 * not happen when the mask bit is clear. Last in the feature string, so
 * it wins over the host's features; it clears every avx512* feature. */
#define NO_MASKED_MOVES ",-avx512f"

/* CPU name and features for `opt` (malloc'd strings). */
static void cpu_of(const jit_options *opt, char **ret_cpu, char **ret_feat)
{
	if (opt->cpu != NULL) {
		/* never below x86-64-v2 (SSE4.1 rounding, SSSE3 shuffles) */
		*ret_cpu = strdup(opt->cpu);
		*ret_feat = strdup("+sse4.2,+sse4.1,+ssse3,+popcnt,+cx16" NO_MASKED_MOVES);
		return;
	}
	{
		char *c = LLVMGetHostCPUName(), *f = LLVMGetHostCPUFeatures();
		size_t n = strlen(f) + sizeof NO_MASKED_MOVES;

		*ret_cpu = strdup(c);
		*ret_feat = malloc(n);
		if (*ret_feat != NULL)
			snprintf(*ret_feat, n, "%s%s", f, NO_MASKED_MOVES);
		LLVMDisposeMessage(c);
		LLVMDisposeMessage(f);
	}
}

char *jit_fingerprint(const jit_options *opt)
{
	char *cpu, *feat, *triple, *out;
	size_t n;

	pthread_once(&llvm_once, llvm_init);
	cpu_of(opt, &cpu, &feat);
	triple = LLVMGetDefaultTargetTriple();
	n = strlen(cpu) + strlen(feat) + strlen(triple) + 256;
	out = malloc(n);
	if (out != NULL && cpu != NULL && feat != NULL)
		snprintf(out, n,
		         "wasmc-jit %s; llvm %d; %s; cpu %s; features %s; tier %s; "
		         "fuel %d; deadline %d; guard %llu",
		         JIT_VERSION, LLVM_VERSION_MAJOR, triple, cpu, feat,
		         opt->tier == JIT_TIER_FAST ? "fast" : "optimized",
		         opt->fuel ? 1 : 0, opt->deadline ? 1 : 0,
		         (unsigned long long)opt->guard_bytes);
	else {
		free(out);
		out = NULL;
	}
	LLVMDisposeMessage(triple);
	free(cpu);
	free(feat);
	return out;
}

static LLVMTargetMachineRef target_machine(const jit_options *opt,
                                           LLVMCodeGenOptLevel level,
                                           cmn_error *err);

LLVMTargetMachineRef jit_target_machine(const jit_options *opt,
                                        cmn_error *err)
{
	return target_machine(opt,
	                      opt->tier == JIT_TIER_FAST ? LLVMCodeGenLevelNone
	                                                 : LLVMCodeGenLevelDefault,
	                      err);
}

static LLVMTargetMachineRef target_machine(const jit_options *opt,
                                           LLVMCodeGenOptLevel level,
                                           cmn_error *err)
{
	char *triple, *cpu, *feat, *msg = NULL;
	LLVMTargetRef target;
	LLVMTargetMachineRef tm = NULL;

	pthread_once(&llvm_once, llvm_init);
	triple = LLVMGetDefaultTargetTriple();
	if (LLVMGetTargetFromTriple(triple, &target, &msg)) {
		cmn_fail(err, "no LLVM target for %s: %s", triple,
		         msg ? msg : "");
		LLVMDisposeMessage(msg);
		LLVMDisposeMessage(triple);
		return NULL;
	}
	cpu_of(opt, &cpu, &feat);
	if (cpu == NULL || feat == NULL) {
		cmn_fail(err, "out of memory");
	} else {
		tm = LLVMCreateTargetMachine(target, triple, cpu, feat, level,
		                             LLVMRelocPIC, LLVMCodeModelSmall);
		if (tm == NULL)
			cmn_fail(err, "cannot create an LLVM target machine for "
			         "cpu %s", cpu);
	}
	free(cpu);
	free(feat);
	LLVMDisposeMessage(triple);
	return tm;
}

static bool env_flag(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' && strcmp(v, "0") != 0;
}

static bool emit_object(LLVMModuleRef m, LLVMTargetMachineRef tm, const jit_options *opt,
                        const char *passes, uint8_t **ret, size_t *ret_size, cmn_error *err);

/* The IR passes of a tier. */
static const char *tier_passes(const jit_options *opt)
{
	return opt->tier == JIT_TIER_FAST ? "function(mem2reg,simplifycfg)" : "default<O2>";
}

bool jit_emit_object(LLVMModuleRef m, LLVMTargetMachineRef tm,
                     const jit_options *opt, uint8_t **ret, size_t *ret_size,
                     cmn_error *err)
{
	return emit_object(m, tm, opt, tier_passes(opt), ret, ret_size, err);
}

/* The linear pipeline of large functions (jit.h, JIT_LARGE_BODY_BYTES). */
#define LINEAR_PASSES "function(mem2reg)"

static bool emit_object(LLVMModuleRef m, LLVMTargetMachineRef tm, const jit_options *opt,
                        const char *passes, uint8_t **ret, size_t *ret_size, cmn_error *err)
{
	LLVMPassBuilderOptionsRef pbo;
	LLVMErrorRef e;
	LLVMMemoryBufferRef buf = NULL;
	char *msg = NULL;
	const char *dump = getenv("WASMC_JIT_DUMP");
	size_t n;

	/* The IR verifier: always for the optimized tier (cheap next to its
	 * passes), on request (WASMC_JIT_VERIFY=1) for the fast tier. */
	if ((opt->tier == JIT_TIER_OPTIMIZED || env_flag("WASMC_JIT_VERIFY")) &&
	    LLVMVerifyModule(m, LLVMReturnStatusAction, &msg)) {
		cmn_fail(err, "internal error: invalid IR: %.160s",
		         msg ? msg : "");
		if (dump != NULL)
			LLVMPrintModuleToFile(m, dump, NULL);
		LLVMDisposeMessage(msg);
		return false;
	}
	LLVMDisposeMessage(msg);
	msg = NULL;
	pbo = LLVMCreatePassBuilderOptions();
	e = LLVMRunPasses(m, passes, tm, pbo);
	LLVMDisposePassBuilderOptions(pbo);
	if (e != NULL) {
		msg = LLVMGetErrorMessage(e);
		cmn_fail(err, "internal error: passes: %s", msg);
		LLVMDisposeErrorMessage(msg);
		return false;
	}
	if (dump != NULL)
		LLVMPrintModuleToFile(m, dump, NULL);
	if (LLVMTargetMachineEmitToMemoryBuffer(tm, m, LLVMObjectFile, &msg,
	                                        &buf)) {
		cmn_fail(err, "internal error: code generation: %s",
		         msg ? msg : "");
		LLVMDisposeMessage(msg);
		return false;
	}
	n = LLVMGetBufferSize(buf);
	*ret = malloc(n ? n : 1);
	if (*ret == NULL) {
		LLVMDisposeMemoryBuffer(buf);
		return cmn_fail(err, "out of memory");
	}
	memcpy(*ret, LLVMGetBufferStart(buf), n);
	*ret_size = n;
	LLVMDisposeMemoryBuffer(buf);
	return true;
}

bool jit_results_in_regs(const rt_functype *ft)
{
	uint32_t i, ints = 0, fl = 0;

	for (i = 0; i < ft->nresults; i++) {
		uint8_t k = ft->results[i].kind;

		if (k == RT_F32 || k == RT_F64 || k == RT_V128)
			fl++;
		else
			ints++;
	}
	return ints <= 3 && fl <= 4;
}

/* ---------------------------------------------------------------------------
 * Module-level feature checks
 */

static bool bad_valtype(const rt_module *mod, rt_valtype t, cmn_error *err)
{
	if (t.kind != RT_REF)
		return false;
	if (!RT_HT_IS_ABS(t.heap))
		return mod->types[t.heap].comp != RT_COMP_FUNC &&
		       !cmn_fail(err, "unsupported feature: gc");
	switch (RT_HT_CODE(t.heap)) {
	case RT_HT_ANY: case RT_HT_EQ: case RT_HT_I31: case RT_HT_STRUCT:
	case RT_HT_ARRAY: case RT_HT_NONE:
		return !cmn_fail(err, "unsupported feature: gc");
	default:
		return false;
	}
}

static bool check_features(const rt_module *mod, cmn_error *err)
{
	uint32_t i, j;

	for (i = 0; i < mod->ntypes; i++) {
		const rt_subtype *st = &mod->types[i];

		if (st->comp != RT_COMP_FUNC)
			return cmn_fail(err, "unsupported feature: gc");
		for (j = 0; j < st->u.func.nparams; j++)
			if (bad_valtype(mod, st->u.func.params[j], err))
				return false;
		for (j = 0; j < st->u.func.nresults; j++)
			if (bad_valtype(mod, st->u.func.results[j], err))
				return false;
	}
	for (i = mod->nfuncs_imported; i < mod->nfuncs; i++)
		if (mod->funcs[i].body.len > JIT_MAX_BODY_BYTES)
			return cmn_fail(err,
			                "compile: function %u body too large (%u bytes; the limit is "
			                "%u)",
			                i, mod->funcs[i].body.len, JIT_MAX_BODY_BYTES);
	for (i = 0; i < mod->nglobals; i++)
		if (bad_valtype(mod, mod->globals[i].type, err))
			return false;
	for (i = 0; i < mod->ntables; i++)
		if (bad_valtype(mod, mod->tables[i].elem, err))
			return false;
	for (i = 0; i < mod->nelems; i++)
		if (bad_valtype(mod, mod->elems[i].type, err))
			return false;
	return true;
}

/* ---------------------------------------------------------------------------
 * Chunks and threads
 */

typedef struct chunk {
	uint32_t first, count; /* function indices */
	uint64_t size;         /* bytes of code, roughly */
	bool stubs;
	bool large;            /* one function over JIT_LARGE_BODY_BYTES */
	uint8_t *obj;
	size_t obj_size;
	bool ok;
	cmn_error err;
} chunk;

typedef struct job {
	const rt_module *mod;
	const jit_options *opt;
	chunk *chunks;
	uint32_t *order;   /* chunk indices, largest first */
	uint32_t nchunks;
	atomic_uint next;
	uint8_t *tail_funcs; /* fast tier: jit_unit.tail_funcs */
} job;

/* Fast tier: which defined functions have a return_call* (their bodies
 * stay tailcc; the others are split, jit.h "Fast tier calls"). A body
 * that does not decode counts as one; translating it reports why. */
static uint8_t *find_tail_funcs(const rt_module *mod)
{
	uint32_t n = mod->nfuncs - mod->nfuncs_imported, i, g, count;
	uint8_t *tail = calloc(n + 1, 1);
	wb_instr_cfg cfg = {WB_FEAT_ALL, mod->ntypes};
	cmn_error err;
	rt_valtype t;

	if (tail == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		const rt_func *rf = &mod->funcs[mod->nfuncs_imported + i];
		wb_reader r;
		wb_instr in;
		uint32_t ngroups;

		wb_reader_init(&r, mod->bytes, mod->size);
		r.p = mod->bytes + rf->body.off;
		r.end = r.p + rf->body.len;
		tail[i] = 1;
		if (!wb_read_u32(&r, &ngroups, &err))
			continue;
		for (g = 0; g < ngroups; g++)
			if (!wb_read_u32(&r, &count, &err) ||
			    !wb_read_valtype(&r, mod->ntypes, &t, &err))
				break;
		if (g < ngroups)
			continue;
		while (r.p < r.end && wb_instr_read(&r, &cfg, &in, &err) &&
		       in.op != WB_OP_RETURN_CALL && in.op != WB_OP_RETURN_CALL_INDIRECT &&
		       in.op != WB_OP_RETURN_CALL_REF)
			;
		tail[i] = r.p < r.end;
	}
	return tail;
}

static bool emit_stubs(jit_unit *u)
{
	const rt_module *mod = u->mod;
	char name[32];
	uint32_t i, t;
	uint8_t *done;

	/* trampolines for the types functions have (a type section can
	 * declare many more types than a module uses) */
	done = calloc(mod->ntypes + 1, 1);
	if (done == NULL)
		return jit_fail(u, "out of memory");
	for (i = 0; i < mod->nfuncs; i++) {
		t = mod->types[mod->funcs[i].type].canon;
		if (done[t])
			continue;
		done[t] = 1;
		snprintf(name, sizeof(name), "t%u", t);
		if (!jit_emit_trampoline(u, t, name)) {
			free(done);
			return false;
		}
	}
	memset(done, 0, mod->ntypes + 1);
	for (i = 0; i < mod->nfuncs_imported; i++) {
		t = mod->types[mod->funcs[i].type].canon;
		if (done[t])
			continue;
		done[t] = 1;
		snprintf(name, sizeof(name), "a%u", t);
		if (!jit_emit_adapter(u, t, name)) {
			free(done);
			return false;
		}
	}
	free(done);
	return true;
}

/* A worker's target machines: [0] the tier's; [1] (LLVM < 18, fast tier)
 * one whose code generator performs tail calls, for chunks that have
 * return_call: without `musttail` in the C API, LLVM's -O0 code generator
 * would turn them into ordinary calls; [2] (optimized tier) the -O0 one of
 * the linear pipeline. */
typedef struct tms {
	LLVMTargetMachineRef tm[3];
} tms;

static void compile_chunk(job *j, chunk *c, tms *t)
{
	jit_unit u = {0};
	LLVMTargetDataRef dl;
	LLVMTargetMachineRef tm = t->tm[0];
	char *triple;
	uint32_t i;

	if (!jit_unit_init(&u, j->mod, j->opt, &c->err))
		goto out;
	u.tail_funcs = j->tail_funcs;
	triple = LLVMGetTargetMachineTriple(tm);
	LLVMSetTarget(u.m, triple);
	LLVMDisposeMessage(triple);
	dl = LLVMCreateTargetDataLayout(tm);
	LLVMSetModuleDataLayout(u.m, dl);
	LLVMDisposeTargetData(dl);
	if (c->stubs && !emit_stubs(&u))
		goto out;
	for (i = 0; i < c->count; i++)
		if (!jit_translate_func(&u, c->first + i))
			goto out;
#if LLVM_VERSION_MAJOR < 18
	if (u.tail_calls && j->opt->tier == JIT_TIER_FAST) {
		if (t->tm[1] == NULL &&
		    !(t->tm[1] = target_machine(j->opt, LLVMCodeGenLevelLess,
		                                &c->err)))
			goto out;
		tm = t->tm[1];
	}
#endif
	const char *passes = tier_passes(j->opt);
	if (c->large && (j->mod->funcs[c->first].body.len > JIT_HUGE_BODY_BYTES ||
	                 u.max_ifs > JIT_DEEP_IFS || u.max_nesting > JIT_DEEP_NESTING ||
	                 u.max_height > JIT_DEEP_STACK ||
	                 u.max_blocks > JIT_MANY_BLOCKS)) {
		passes = LINEAR_PASSES;
		if (env_flag("WASMC_JIT_VERBOSE"))
			fprintf(stderr, "jit: function %u (%u bytes): linear pipeline (ifs nested %u, "
			        "blocks nested %u, operand stack %u, blocks %u)\n", c->first,
			        j->mod->funcs[c->first].body.len, u.max_ifs, u.max_nesting, u.max_height,
			        u.max_blocks);
		if (j->opt->tier != JIT_TIER_FAST) {
			if (t->tm[2] == NULL &&
			    !(t->tm[2] = target_machine(j->opt, LLVMCodeGenLevelNone, &c->err)))
				goto out;
			tm = t->tm[2];
		}
	}
	if (!emit_object(u.m, tm, j->opt, passes, &c->obj, &c->obj_size, &c->err))
		goto out;
	c->ok = true;
out:
	jit_unit_fini(&u);
}

static void *worker(void *arg)
{
	job *j = arg;
	tms t = {{NULL, NULL, NULL}};
	unsigned k;

	while ((k = atomic_fetch_add(&j->next, 1)) < j->nchunks) {
		chunk *c = &j->chunks[j->order[k]];

		if (t.tm[0] == NULL &&
		    !(t.tm[0] = jit_target_machine(j->opt, &c->err)))
			continue;
		compile_chunk(j, c, &t);
	}
	for (k = 0; k < 3; k++)
		if (t.tm[k] != NULL)
			LLVMDisposeTargetMachine(t.tm[k]);
	return NULL;
}

static __thread const chunk *sort_chunks;

static int by_size(const void *a, const void *b)
{
	uint64_t x = sort_chunks[*(const uint32_t *)a].size;
	uint64_t y = sort_chunks[*(const uint32_t *)b].size;

	return x < y ? 1 : x > y ? -1 : 0;
}

static uint32_t make_chunks(const rt_module *mod, unsigned threads,
                            chunk **ret)
{
	uint64_t total = 0, target, acc = 0;
	uint32_t i, n = 0, cap = 16;
	chunk *cs = calloc(cap, sizeof(*cs));

	if (cs == NULL)
		return 0;
	for (i = mod->nfuncs_imported; i < mod->nfuncs; i++)
		total += mod->funcs[i].body.len;
	target = total / ((uint64_t)threads * 4);
	if (target < 64 * 1024)
		target = 64 * 1024;
	if (target > 1024 * 1024)
		target = 1024 * 1024;
	cs[0].first = mod->nfuncs_imported;
	cs[0].stubs = true;
	n = 1;
	for (i = mod->nfuncs_imported; i < mod->nfuncs; i++) {
		chunk *c = &cs[n - 1];
		bool large = mod->funcs[i].body.len > JIT_LARGE_BODY_BYTES;

		/* a large function alone: its chunk may get the linear pipeline */
		if (c->count > 0 && (large || c->large || acc + mod->funcs[i].body.len > target)) {
			if (n == cap) {
				chunk *nc = realloc(cs, cap * 2 * sizeof(*cs));

				if (nc == NULL) {
					free(cs);
					return 0;
				}
				cs = nc;
				memset(cs + cap, 0, cap * sizeof(*cs));
				cap *= 2;
			}
			c = &cs[n++];
			c->first = i;
			acc = 0;
		}
		c->large = large;
		c->count++;
		acc += mod->funcs[i].body.len + 64;
		c->size = acc;
	}
	*ret = cs;
	return n;
}

static bool build_image(const rt_module *mod, const jit_options *opt,
                        jit_linked *l, rt_image **ret_img, cmn_error *err)
{
	rt_image *img = calloc(1, sizeof(*img));
	uint32_t ndef = mod->nfuncs - mod->nfuncs_imported, i;
	char name[32];

	if (img == NULL)
		return cmn_fail(err, "out of memory");
	img->nfuncs = ndef;
	img->ntypes = mod->ntypes;
	img->nimports = mod->nfuncs_imported;
	img->func_off = calloc(ndef + 1, sizeof(uint64_t));
	img->tramp_off = calloc(mod->ntypes + 1, sizeof(uint64_t));
	img->adapter_off = calloc(mod->nfuncs_imported + 1, sizeof(uint64_t));
	img->fingerprint = jit_fingerprint(opt);
	if (!img->func_off || !img->tramp_off || !img->adapter_off ||
	    !img->fingerprint) {
		rt_image_free(img);
		return cmn_fail(err, "out of memory");
	}
	for (i = 0; i < ndef; i++) {
		snprintf(name, sizeof(name), "f%u", mod->nfuncs_imported + i);
		if (!jit_linked_lookup(l, name, &img->func_off[i]))
			goto missing;
	}
	for (i = 0; i < mod->ntypes; i++) {
		img->tramp_off[i] = RT_IMAGE_NONE;
		if (mod->types[i].comp != RT_COMP_FUNC)
			continue;
		snprintf(name, sizeof(name), "t%u", mod->types[i].canon);
		/* absent when no function has this type */
		jit_linked_lookup(l, name, &img->tramp_off[i]);
	}
	for (i = 0; i < mod->nfuncs; i++)
		if (img->tramp_off[mod->funcs[i].type] == RT_IMAGE_NONE) {
			snprintf(name, sizeof(name), "t%u",
			         mod->types[mod->funcs[i].type].canon);
			goto missing;
		}
	for (i = 0; i < mod->nfuncs_imported; i++) {
		snprintf(name, sizeof(name), "a%u",
		         mod->types[mod->funcs[i].type].canon);
		if (!jit_linked_lookup(l, name, &img->adapter_off[i]))
			goto missing;
	}
	img->text = l->text;
	img->text_size = l->size;
	l->text = NULL;
	*ret_img = img;
	return true;
missing:
	rt_image_free(img);
	return cmn_fail(err, "internal error: symbol %s missing", name);
}

bool jit_compile(const rt_module *mod, wb_features features,
                 const jit_options *opt, rt_image **ret_img, cmn_error *err)
{
	job j = {0};
	chunk *cs = NULL;
	uint32_t n, i, nthreads;
	unsigned threads = opt->threads;
	pthread_t *tids = NULL;
	jit_object *objs = NULL;
	jit_linked l = {0};
	uint32_t *order = NULL;
	bool ok = false;

	(void)features;
	if (!check_features(mod, err))
		return false;
	if (threads == 0) {
		long c = sysconf(_SC_NPROCESSORS_ONLN);

		threads = c > 0 ? (unsigned)c : 1;
	}
	n = make_chunks(mod, threads, &cs);
	if (n == 0)
		return cmn_fail(err, "out of memory");
	j.mod = mod;
	j.opt = opt;
	j.chunks = cs;
	j.nchunks = n;
	/* largest chunks first, so that no big one is left for the end */
	order = malloc(n * sizeof(*order));
	if (order == NULL) {
		cmn_fail(err, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++)
		order[i] = i;
	sort_chunks = cs;
	qsort(order, n, sizeof(*order), by_size);
	j.order = order;
	if (opt->tier == JIT_TIER_FAST && (j.tail_funcs = find_tail_funcs(mod)) == NULL) {
		cmn_fail(err, "out of memory");
		goto out;
	}
	atomic_init(&j.next, 0);
	nthreads = threads < n ? threads : n;
	if (nthreads <= 1) {
		worker(&j);
	} else {
		pthread_attr_t attr;

		tids = calloc(nthreads, sizeof(*tids));
		if (tids == NULL) {
			cmn_fail(err, "out of memory");
			goto out;
		}
		pthread_attr_init(&attr);
		pthread_attr_setstacksize(&attr, 16u << 20);
		for (i = 0; i < nthreads; i++)
			if (pthread_create(&tids[i], &attr, worker, &j) != 0)
				break;
		pthread_attr_destroy(&attr);
		if (i == 0)
			worker(&j);
		nthreads = i;
		for (i = 0; i < nthreads; i++)
			pthread_join(tids[i], NULL);
	}
	for (i = 0; i < n; i++) {
		if (!cs[i].ok) {
			if (err != NULL) {
				*err = cs[i].err;
				if (err->msg[0] == '\0')
					cmn_fail(err, "internal error: chunk %u "
					         "failed", i);
			}
			goto out;
		}
	}
	objs = calloc(n, sizeof(*objs));
	if (objs == NULL) {
		cmn_fail(err, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		objs[i].data = cs[i].obj;
		objs[i].size = cs[i].obj_size;
	}
	if (!jit_link(objs, n, &l, err))
		goto out;
	ok = build_image(mod, opt, &l, ret_img, err);
out:
	jit_linked_free(&l);
	free(objs);
	free(tids);
	free(order);
	free(j.tail_funcs);
	for (i = 0; i < n; i++)
		free(cs[i].obj);
	free(cs);
	return ok;
}
