/*
 * rt_trap.c - traps: the call entry (sigsetjmp), the trap service
 * (siglongjmp), the fault handler that turns a guard-region access by
 * compiled code into "out of bounds memory access", code-range and
 * guard-region registration, the per-thread stack limit and the trap
 * messages.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <ucontext.h>
#include <unistd.h>

#include "rt_internal.h"

static const char *const MESSAGES[RT_TRAP_COUNT] = {
	[0] = "trap",
	[RT_TRAP_UNREACHABLE] = "unreachable",
	[RT_TRAP_MEMORY_OOB] = "out of bounds memory access",
	[RT_TRAP_TABLE_OOB] = "out of bounds table access",
	[RT_TRAP_INDIRECT_TYPE] = "indirect call type mismatch",
	[RT_TRAP_UNDEFINED_ELEMENT] = "undefined element",
	[RT_TRAP_UNINITIALIZED_ELEMENT] = "uninitialized element",
	[RT_TRAP_INT_DIV_ZERO] = "integer divide by zero",
	[RT_TRAP_INT_OVERFLOW] = "integer overflow",
	[RT_TRAP_INVALID_CONVERSION] = "invalid conversion to integer",
	[RT_TRAP_STACK_EXHAUSTED] = "call stack exhausted",
	[RT_TRAP_NULL_FUNC] = "null function reference",
	[RT_TRAP_NULL_REF] = "null reference",
	[RT_TRAP_UNALIGNED_ATOMIC] = "unaligned atomic",
	[RT_TRAP_OUT_OF_FUEL] = "all fuel consumed",
	[RT_TRAP_DEADLINE] = "deadline exceeded",
	[RT_TRAP_DATA_OOB] = "out of bounds memory access",
	[RT_TRAP_HOST] = "host trap",
	[RT_TRAP_EXPECTED_SHARED] = "expected shared memory",
	[RT_TRAP_EXCEPTION] = "uncaught exception",
	[RT_TRAP_NULL_EXN] = "null exception reference",
};

const char *rt_trap_message(uint32_t code)
{
	if (code < RT_TRAP_COUNT && MESSAGES[code])
		return MESSAGES[code];
	return "trap";
}

/* ---------------------------------------------------------------------------
 * Address ranges the fault handler consults: code images (a fault's pc)
 * and the reservations of linear memories (a fault's address).
 * Registration happens outside compiled code; the handler reads the
 * arrays while compiled code runs. Slots are published with atomics so a
 * reader never sees a torn range.
 */

typedef struct addr_range {
	_Atomic uintptr_t start, end;
	const rt_loaded *_Atomic owner;
} addr_range;

#define MAX_RANGES 65536

typedef struct range_set {
	addr_range r[MAX_RANGES];
	_Atomic uint32_t n;
	pthread_mutex_t lock;
} range_set;

static range_set code_ranges = {.lock = PTHREAD_MUTEX_INITIALIZER};
static range_set guard_ranges = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* False when the set is full. */
static bool set_add(range_set *set, uintptr_t s, uintptr_t e, const rt_loaded *owner)
{
	pthread_mutex_lock(&set->lock);
	uint32_t n = atomic_load(&set->n), i;
	for (i = 0; i < n && atomic_load(&set->r[i].start) != 0; i++)
		;
	if (i < MAX_RANGES) {
		atomic_store(&set->r[i].owner, owner);
		atomic_store(&set->r[i].end, e);
		atomic_store(&set->r[i].start, s);
		if (i == n)
			atomic_store(&set->n, n + 1);
	}
	pthread_mutex_unlock(&set->lock);
	return i < MAX_RANGES;
}

static void set_remove(range_set *set, uintptr_t s)
{
	pthread_mutex_lock(&set->lock);
	uint32_t n = atomic_load(&set->n);
	for (uint32_t i = 0; i < n; i++) {
		if (atomic_load(&set->r[i].start) == s) {
			atomic_store(&set->r[i].start, 0);
			break;
		}
	}
	pthread_mutex_unlock(&set->lock);
}

/* The slot holding address a, or NULL. Async-signal-safe. */
static const addr_range *set_find(const range_set *set, uintptr_t a)
{
	uint32_t n = atomic_load(&set->n);
	for (uint32_t i = 0; i < n; i++) {
		uintptr_t s = atomic_load(&set->r[i].start);
		if (s && a >= s && a < atomic_load(&set->r[i].end))
			return &set->r[i];
	}
	return NULL;
}

void rt_code_register(const void *start, size_t len, const rt_loaded *owner)
{
	set_add(&code_ranges, (uintptr_t)start, (uintptr_t)start + len, owner);
}

void rt_code_unregister(const void *start, size_t len)
{
	(void)len;
	set_remove(&code_ranges, (uintptr_t)start);
}

bool rt_code_contains(uintptr_t pc)
{
	return set_find(&code_ranges, pc) != NULL;
}

bool rt_guard_register(const void *start, size_t len)
{
	return set_add(&guard_ranges, (uintptr_t)start, (uintptr_t)start + len, NULL);
}

void rt_guard_unregister(const void *start)
{
	set_remove(&guard_ranges, (uintptr_t)start);
}

bool rt_code_locate(uintptr_t pc, const rt_loaded **ret_mod, uint32_t *ret_func)
{
	const addr_range *r = set_find(&code_ranges, pc);
	const rt_loaded *l = r ? atomic_load(&r->owner) : NULL;
	if (!l)
		return false;
	/* The defined function whose entry is the closest below pc. */
	uint64_t off = pc - (uintptr_t)l->text, best = 0;
	bool found = false;
	uint32_t fi = 0;
	for (uint32_t i = 0; i < l->nfuncs; i++) {
		uint64_t o = l->func_off[i];
		if (o != RT_IMAGE_NONE && o <= off && (!found || o > best)) {
			best = o;
			fi = i;
			found = true;
		}
	}
	/* Trampolines and adapters are not wasm functions. */
	for (uint32_t i = 0; found && i < l->ntypes; i++)
		if (l->tramp_off[i] != RT_IMAGE_NONE && l->tramp_off[i] > best && l->tramp_off[i] <= off)
			found = false;
	for (uint32_t i = 0; found && i < l->nimports; i++)
		if (l->adapter_off[i] != RT_IMAGE_NONE && l->adapter_off[i] > best &&
		    l->adapter_off[i] <= off)
			found = false;
	if (!found)
		return false;
	*ret_mod = l;
	*ret_func = l->mod->nfuncs_imported + fi;
	return true;
}

/* ---------------------------------------------------------------------------
 * Activations
 */

static _Thread_local rt_activation *current;

void rt_raise(uint32_t code, const char *msg)
{
	rt_raise_at(code, msg, 0);
}

void rt_raise_at(uint32_t code, const char *msg, uintptr_t pc)
{
	rt_activation *a = current;
	if (!a) {
		fprintf(stderr, "wasmc: trap outside any call: %s\n",
		        msg ? msg : rt_trap_message(code));
		abort();
	}
	a->code = code ? code : RT_TRAP_HOST;
	a->pc = pc;
	if (msg)
		snprintf(a->msg, sizeof a->msg, "%s", msg);
	else
		a->msg[0] = '\0';
	siglongjmp(a->env, 1);
}

void rt_host_trap(const char *msg)
{
	rt_raise(RT_TRAP_HOST, msg ? msg : "host trap");
}

/* ---------------------------------------------------------------------------
 * Signals
 */

static struct sigaction old_segv, old_bus, old_fpe, old_ill;
static pthread_once_t signals_once = PTHREAD_ONCE_INIT;
static _Thread_local bool have_altstack;

static struct sigaction *old_action(int sig)
{
	switch (sig) {
	case SIGSEGV: return &old_segv;
	case SIGBUS: return &old_bus;
	case SIGFPE: return &old_fpe;
	default: return &old_ill;
	}
}

/* The interrupted program counter of a signal's context. */
static uintptr_t context_pc(void *ctx)
{
	ucontext_t *uc = ctx;
#if defined(__x86_64__)
	return (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
#elif defined(__aarch64__)
	return (uintptr_t)uc->uc_mcontext.pc;
#else
	(void)uc;
	return 0;
#endif
}

/* The trap a signal stands for, or 0 when it is no guest trap: only a
 * fault the kernel raised (si_code > 0; kill, tgkill and sigqueue give
 * si_code <= 0) while compiled code ran, at its pc: a SIGSEGV/SIGBUS at an
 * address inside a linear memory's reservation, a SIGSEGV in the 64 KiB
 * below this thread's stack (its guard page), an integer division fault,
 * an undefined instruction. */
static _Thread_local uintptr_t stack_low;
#define STACK_GUARD_SPAN (64 * 1024)

static uint32_t trap_of(int sig, const siginfo_t *info, uintptr_t pc)
{
	if (info->si_code <= 0 || !rt_code_contains(pc))
		return 0;
	uintptr_t addr = (uintptr_t)info->si_addr;
	switch (sig) {
	case SIGSEGV:
		/* a stub's page-by-page frame probe reached the guard page
		 * below this thread's stack (nothing below was written) */
		if (stack_low && addr < stack_low && addr >= stack_low - STACK_GUARD_SPAN)
			return RT_TRAP_STACK_EXHAUSTED;
		/* fall through */
	case SIGBUS:
		return set_find(&guard_ranges, addr) ? RT_TRAP_MEMORY_OOB : 0;
	case SIGFPE:
		if (info->si_code == FPE_INTOVF)
			return RT_TRAP_INT_OVERFLOW;
		return info->si_code == FPE_INTDIV ? RT_TRAP_INT_DIV_ZERO : 0;
	case SIGILL:
		return RT_TRAP_UNREACHABLE;
	default:
		return 0;
	}
}

/* Async-signal-safe formatting: s, or v in hex, at b[at]. */
static size_t put_str(char *b, size_t at, size_t cap, const char *s)
{
	while (*s && at < cap)
		b[at++] = *s++;
	return at;
}

static size_t put_hex(char *b, size_t at, size_t cap, const char *s, uintptr_t v)
{
	at = put_str(b, at, cap, s);
	char d[2 * sizeof v];
	int n = 0;
	do {
		d[n++] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	if (at + 2 < cap) {
		b[at++] = '0';
		b[at++] = 'x';
	}
	while (n > 0 && at < cap)
		b[at++] = d[--n];
	return at;
}

/* One line on stderr before a fatal signal takes its default action. */
static void report_crash(int sig, const siginfo_t *info, uintptr_t pc)
{
	char b[200];
	char num[4] = {(char)('0' + sig / 10 % 10), (char)('0' + sig % 10), 0};
	size_t n = put_str(b, 0, sizeof b, "wasmc: fatal signal ");
	n = put_str(b, n, sizeof b, sig >= 10 ? num : num + 1);
	n = put_hex(b, n, sizeof b, " at pc ", pc);
	if ((sig == SIGSEGV || sig == SIGBUS) && info->si_code > 0)
		n = put_hex(b, n, sizeof b, ", address ", (uintptr_t)info->si_addr);
	if (info->si_code <= 0)
		n = put_str(b, n, sizeof b, " (sent by a process)");
	if (rt_code_contains(pc))
		n = put_str(b, n, sizeof b, " in compiled code");
	n = put_str(b, n, sizeof b, ": not a guest trap\n");
	ssize_t w = write(STDERR_FILENO, b, n);
	(void)w;
}

static void handler(int sig, siginfo_t *info, void *ctx)
{
	uintptr_t pc = context_pc(ctx);
	rt_activation *a = current;
	uint32_t code = a ? trap_of(sig, info, pc) : 0;
	if (code) {
		a->code = code;
		a->msg[0] = '\0';
		a->pc = pc;
		siglongjmp(a->env, 1);
	}
	/* Not ours: the previous disposition. */
	struct sigaction *old = old_action(sig);
	if (old->sa_flags & SA_SIGINFO) {
		if (old->sa_sigaction) {
			old->sa_sigaction(sig, info, ctx);
			return;
		}
	} else if (old->sa_handler == SIG_IGN && info->si_code <= 0) {
		return;
	} else if (old->sa_handler != SIG_DFL && old->sa_handler != SIG_IGN) {
		old->sa_handler(sig);
		return;
	}
	/* Default action: reinstall it; a fault returns, so the faulting
	 * instruction runs again and the kernel applies it; a signal sent by
	 * a process is raised again (it is not blocked: SA_NODEFER). */
	report_crash(sig, info, pc);
	signal(sig, SIG_DFL);
	if (info->si_code <= 0)
		raise(sig);
}

static void install(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = handler;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, &old_segv);
	sigaction(SIGBUS, &sa, &old_bus);
	sigaction(SIGFPE, &sa, &old_fpe);
	sigaction(SIGILL, &sa, &old_ill);
}

void rt_signals_init(void)
{
	pthread_once(&signals_once, install);
	if (!have_altstack) {
		stack_t cur;
		if (sigaltstack(NULL, &cur) == 0 && !(cur.ss_flags & SS_DISABLE) &&
		    cur.ss_size >= 32768) {
			have_altstack = true;
			return;
		}
		size_t sz = 65536;
		stack_t st;
		st.ss_sp = malloc(sz);
		st.ss_size = sz;
		st.ss_flags = 0;
		if (st.ss_sp && sigaltstack(&st, NULL) == 0)
			have_altstack = true;
	}
}

/* ---------------------------------------------------------------------------
 * Asynchronous interruption: a timer signal that stops compiled code.
 */

static void interrupt_handler(int sig, siginfo_t *info, void *ctx)
{
	(void)sig;
	(void)info;
	uintptr_t pc = context_pc(ctx);
	rt_activation *a = current;
	if (!a)
		return;
	if (rt_code_contains(pc)) {
		/* Compiled code holds no locks: leaving it is safe. */
		a->code = RT_TRAP_DEADLINE;
		a->msg[0] = '\0';
		a->pc = pc;
		siglongjmp(a->env, 1);
	}
	/* In the runtime, libc or a host function: try again shortly. */
	struct itimerval it;
	memset(&it, 0, sizeof it);
	it.it_value.tv_usec = 20000;
	setitimer(ITIMER_REAL, &it, NULL);
}

bool rt_trap_on_signal(int signo)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = interrupt_handler;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	if (sigaction(signo, &sa, NULL) != 0)
		return false;
	return true;
}

/* ---------------------------------------------------------------------------
 * Stack limit
 */

/* Room kept between the limit and the lowest address of the thread's
 * stack, for runtime services, host callbacks and libc called from
 * compiled code, and for a frame below 4 KiB, which compiled code checks
 * after allocating it (a larger frame is checked before it is allocated:
 * jit.h, "Native stack"): 256 KiB, or half of a smaller stack, but never
 * less than MIN_RESERVE (a stack smaller than that runs no wasm call). */
#define STACK_RESERVE (256 * 1024)
#define MIN_RESERVE (32 * 1024)
#define STACK_MAX_USE (64ull * 1024 * 1024)

static _Thread_local uintptr_t stack_limit;

/* The lowest address of this thread's stack, or 0 when unknown. */
static uintptr_t thread_stack_low(size_t *ret_size)
{
	pthread_attr_t attr;
	void *addr;
	size_t size;
	uintptr_t low = 0;

	if (pthread_getattr_np(pthread_self(), &attr) != 0)
		return 0;
	if (pthread_attr_getstack(&attr, &addr, &size) == 0 && size > 0) {
		low = (uintptr_t)addr;
		*ret_size = size;
	}
	pthread_attr_destroy(&attr);
	return low;
}

uintptr_t rt_thread_stack_limit(void)
{
	if (stack_limit)
		return stack_limit;
	char here;
	uintptr_t sp = (uintptr_t)&here, limit;
	size_t size = 0;
	uintptr_t low = thread_stack_low(&size);
	stack_low = low;
	if (low) {
		size_t reserve = size / 2 < STACK_RESERVE ? size / 2 : STACK_RESERVE;
		if (reserve < MIN_RESERVE)
			reserve = MIN_RESERVE;
		limit = low + reserve;
	} else {
		/* Without the thread's bounds (pthread_getattr_np reads
		 * /proc/self/maps for the main thread, which a sandbox may
		 * forbid): half the stack rlimit below here, at most 64 MiB,
		 * at least 1 MiB. */
		uint64_t use = 1024 * 1024;
		struct rlimit rl;
		if (getrlimit(RLIMIT_STACK, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
		    rl.rlim_cur / 2 > use)
			use = rl.rlim_cur / 2 > STACK_MAX_USE ? STACK_MAX_USE : rl.rlim_cur / 2;
		limit = sp > use ? sp - use : 0;
	}
	/* No room at all: the limit is here, so every wasm function traps. */
	if (limit > sp)
		limit = sp;
	if (sp - limit > STACK_MAX_USE)
		limit = sp - STACK_MAX_USE;
	stack_limit = limit;
	return limit;
}

/* ---------------------------------------------------------------------------
 * Calls
 */

static void host_direct(rt_hostobj *h, rt_val *args_results)
{
	h->hf.invoke(&h->hf, args_results);
}

bool rt_call(rt_funcref *f, rt_val *args_results, rt_outcome *out)
{
	memset(out, 0, sizeof *out);
	if (!f) {
		out->kind = RT_TRAPPED;
		out->trap = RT_TRAP_NULL_FUNC;
		snprintf(out->msg, sizeof out->msg, "%s", rt_trap_message(RT_TRAP_NULL_FUNC));
		return false;
	}
	rt_signals_init();
	bool host = (f->reserved & RT_FUNCREF_HOST) != 0;
	if (!host && (!f->tramp || !f->code)) {
		out->kind = RT_FAILED;
		snprintf(out->msg, sizeof out->msg, "function has no entry trampoline");
		return false;
	}
	rt_activation act;
	act.prev = current;
	act.code = 0;
	act.pc = 0;
	act.msg[0] = '\0';
	if (!(f->reserved & (RT_FUNCREF_HOST | RT_FUNCREF_BOUND)))
		((rt_vmctx *)f->vmctx)->stack_limit = rt_thread_stack_limit();
	/* volatile: read after a siglongjmp */
	rt_activation *volatile pa = &act;
	/* a throw never leaves this call: it starts with no handler */
	rt_eh_frame *volatile eh_outer = rt_eh_swap(NULL);
	current = &act;
	if (sigsetjmp(act.env, 0) == 0) {
		if (host)
			host_direct((rt_hostobj *)f->vmctx, args_results);
		else
			f->tramp(f->vmctx, f->code, args_results);
		current = pa->prev;
		rt_eh_swap(eh_outer);
		out->kind = RT_OK;
		return true;
	}
	current = pa->prev;
	rt_eh_swap(eh_outer);
	out->kind = RT_TRAPPED;
	out->trap = pa->code;
	out->pc = pa->pc;
	snprintf(out->msg, sizeof out->msg, "%s",
	         pa->msg[0] ? pa->msg : rt_trap_message(pa->code));
	return false;
}
