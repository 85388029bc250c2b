/*
 * comp_fixture.h - hand-made ComponentInfo messages for the component
 * tests of libwasmc (test_comp_*.c), as the daemon would send them: a
 * small builder over static storage, header-only (each test is one
 * binary).
 *
 *   tb b; tb_init(&b);
 *   uint32_t rec = tb_add(&b, WASMC__V1__CKIND__CK_RECORD, 0, 0, 2, "a", CK(U8), "b", CK(STRING));
 *   uint32_t f = tb_func(&b, 1, "x", rec, 1, "", rec);
 *   tb_item(&b, true, "", "echo", WASMC__V1__CITEM_KIND__CITEM_FUNC, f);
 *   wcl_component *c = tb_build(&b);
 */
#ifndef COMP_FIXTURE_H
#define COMP_FIXTURE_H

#include <stdarg.h>
#include <string.h>

#include <criterion/criterion.h>

#include "wcl_comp.h"
#include "wcl_error.h"

#define CK(k) ((uint32_t)WASMC__V1__CKIND__CK_##k)
#define TB_NONE UINT32_MAX

#define TB_TYPES 160
#define TB_CASES 1024
#define TB_ITEMS 64

typedef struct tb {
	Wasmc__V1__ComponentInfo ci;
	Wasmc__V1__CType types[TB_TYPES], *tp[TB_TYPES];
	Wasmc__V1__CCase cases[TB_CASES], *cp[TB_CASES];
	size_t ncases;
	Wasmc__V1__CItem items[TB_ITEMS];
	Wasmc__V1__CItem *ip[TB_ITEMS], *ep[TB_ITEMS];
	size_t nitems;
} tb;

static inline void tb_init(tb *b)
{
	memset(b, 0, sizeof *b);
	wasmc__v1__component_info__init(&b->ci);
	b->ci.types = b->tp;
	b->ci.imports = b->ip;
	b->ci.exports = b->ep;
}

static inline Wasmc__V1__CCase **tb_cases(tb *b, size_t n, va_list ap)
{
	cr_assert(b->ncases + n <= TB_CASES);
	Wasmc__V1__CCase **first = &b->cp[b->ncases];
	for (size_t i = 0; i < n; i++) {
		Wasmc__V1__CCase *c = &b->cases[b->ncases];
		wasmc__v1__ccase__init(c);
		c->name = va_arg(ap, char *);
		c->type = va_arg(ap, uint32_t);
		b->cp[b->ncases++] = c;
	}
	return first;
}

/* A type entry; `n` (name, tid) pairs follow for cases. Returns its tid. */
static inline uint32_t tb_add(tb *b, uint32_t kind, uint32_t elem, uint32_t err, size_t n, ...)
{
	cr_assert(b->ci.n_types < TB_TYPES);
	Wasmc__V1__CType *t = &b->types[b->ci.n_types];
	wasmc__v1__ctype__init(t);
	t->kind = (Wasmc__V1__CKind)kind;
	t->elem = elem;
	t->err = err;
	va_list ap;
	va_start(ap, n);
	t->cases = tb_cases(b, n, ap);
	va_end(ap);
	t->n_cases = n;
	b->tp[b->ci.n_types] = t;
	return 64 + (uint32_t)b->ci.n_types++;
}

/* A resource entry. */
static inline uint32_t tb_resource(tb *b, const char *name, uint32_t id)
{
	uint32_t tid = tb_add(b, CK(RESOURCE), 0, 0, 0);
	b->types[tid - 64].name = (char *)name;
	b->types[tid - 64].resource_id = id;
	return tid;
}

/* A function: `np` (name, tid) parameters, then an int `nr` and `nr`
 * (name, tid) results (name "" when unnamed). */
static inline uint32_t tb_func(tb *b, int np, ...)
{
	cr_assert(b->ci.n_types < TB_TYPES);
	Wasmc__V1__CType *t = &b->types[b->ci.n_types];
	wasmc__v1__ctype__init(t);
	t->kind = WASMC__V1__CKIND__CK_FUNC;
	va_list ap;
	va_start(ap, np);
	t->cases = tb_cases(b, (size_t)np, ap);
	t->n_cases = (size_t)np;
	int nr = va_arg(ap, int);
	t->results = tb_cases(b, (size_t)nr, ap);
	t->n_results = (size_t)nr;
	va_end(ap);
	b->tp[b->ci.n_types] = t;
	return 64 + (uint32_t)b->ci.n_types++;
}

static inline void tb_item(tb *b, bool import, const char *instance, const char *name,
                           Wasmc__V1__CItemKind kind, uint32_t tid)
{
	cr_assert(b->nitems < TB_ITEMS);
	Wasmc__V1__CItem *it = &b->items[b->nitems++];
	wasmc__v1__citem__init(it);
	it->instance = (char *)instance;
	it->name = (char *)name;
	it->kind = kind;
	it->type = tid;
	if (import)
		b->ip[b->ci.n_imports++] = it;
	else
		b->ep[b->ci.n_exports++] = it;
}

static inline wcl_component *tb_build(tb *b)
{
	wcl_component *c = NULL;
	wasmc_error *e = wcl_component_from_proto(&b->ci, &c);
	cr_assert_null(e, "component info refused: %s", wasmc_error_message(e));
	return c;
}

/* The type of tid in c. */
static inline const wasmc_ctype *tb_type(const wcl_component *c, uint32_t tid)
{
	if (tid < 64)
		return wasmc_ctype_primitive((wasmc_ckind)tid);
	cr_assert(tid - 64 < c->ntypes);
	return &c->types[tid - 64];
}

#endif
