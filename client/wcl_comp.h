/*
 * wcl_comp.h - libwasmc's side of components: the checked type table and
 * item lists of a component (from a Module reply's ComponentInfo), the
 * conversion of wasmc_cval trees to and from the protocol's flat CValue
 * node list, the linker's definitions.
 *
 * A wcl_component is immutable once built and reference-counted: the
 * module holds one reference and every instance made from it another, so
 * the module may be freed while instances still use its types. All its
 * memory (types, cases, strings, items) is in one arena.
 *
 * Nothing here does I/O; the unit tests drive it with hand-made messages.
 */
#ifndef WCL_COMP_H
#define WCL_COMP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <wasmc/component.h>
#include <wasmc/ctype.h>
#include <wasmc/cval.h>

#include "cmn_arena.h"
#include "wcl_proto.h"

/* The protocol's "no type" (CCase.type of a case without payload). */
#define WCL_TID_NONE UINT32_MAX
#define WCL_TID_FIRST 64u

typedef struct wcl_ccase {
	const char *name;          /* never NULL ("" for tuple elements) */
	const wasmc_ctype *type;   /* NULL: no payload */
} wcl_ccase;

struct wasmc_ctype {
	wasmc_ckind kind;
	uint32_t tid;
	uint32_t ncases;
	const wcl_ccase *cases;
	const wasmc_ctype *elem;   /* list/option element, result ok, own/borrow resource */
	const wasmc_ctype *err;    /* result err */
	uint32_t fixed_len;
	uint32_t nresults;
	const wcl_ccase *results;
	uint32_t resource_id;
	const char *resource_name; /* "" when unknown */
	const char *name;          /* the name a CITEM_TYPE (or resource item) gives it, or NULL */
	const char *name_instance; /* the interface of that item ("" root) */
	uint32_t depth;            /* 1 for a primitive */
};

typedef struct wcl_component {
	atomic_uint refs;
	cmn_arena arena;
	uint32_t ntypes;
	wasmc_ctype *types;        /* tid WCL_TID_FIRST + i */
	size_t nimports, nexports;
	wasmc_citem *imports, *exports;
} wcl_component;

/* Checks and converts a ComponentInfo: every type id refers to an earlier
 * entry or a primitive, kinds fit their place (own/borrow of a resource,
 * payloads of value types, enum and flags labels without types, items of
 * the kind they claim), nesting at most WASMC_CVAL_MAX_DEPTH + 1.
 * WASMC_ERR_PROTOCOL naming the entry otherwise. *ret holds one
 * reference. */
wasmc_error *wcl_component_from_proto(const Wasmc__V1__ComponentInfo *ci,
                                      wcl_component **ret);
void wcl_component_ref(wcl_component *c);
/* Accepts NULL. */
void wcl_component_unref(wcl_component *c);

/* The export "item" or "instance#item" (split at the first '#'), or NULL. */
const wasmc_citem *wcl_component_export_find(const wcl_component *c, const char *name);

/* The static primitive type of a kind 1..13, or NULL. */
const wasmc_ctype *wcl_ctype_primitive(uint32_t kind);

/* WIT text of a type: a named type by its name, else its structure.
 * Appends to *buf (malloc'd, grown as needed). False when out of memory. */
typedef struct wcl_buf {
	char *s;
	size_t len, cap;
	bool failed;   /* an append ran out of memory */
} wcl_buf;
void wcl_buf_add(wcl_buf *b, const char *s);
void wcl_buf_addn(wcl_buf *b, const char *s, size_t n);
void wcl_buf_printf(wcl_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The text (NUL-terminated, owned by the caller) or NULL after a failure;
 * the buffer is empty afterwards. */
char *wcl_buf_take(wcl_buf *b);
void wcl_buf_free(wcl_buf *b);

/* Appends the WIT spelling of `t`; named types by name unless `expand`. */
void wcl_ctype_wit(wcl_buf *b, const wasmc_ctype *t, bool expand);
/* A WIT identifier: as is when it is one and no keyword, else with '%'. */
void wcl_wit_ident(wcl_buf *b, const char *name);

/* The WIT world of a component (wcl_wit.c; wasmc_component_wit).
 * *ret_text is new. */
wasmc_error *wcl_wit_format(const wcl_component *c, char **ret_text);

/* ---- values <-> CValue nodes ---- */

/* Protocol nodes to send; node bytes point into the values converted
 * (which must outlive the nodes). */
typedef struct wcl_cnodes {
	size_t n, cap;
	Wasmc__V1__CValue *nodes;
	Wasmc__V1__CValue **ptrs;  /* filled by wcl_cnodes_finish */
} wcl_cnodes;

void wcl_cnodes_free(wcl_cnodes *ns);
/* Makes `ptrs` point at each node (after the last append). */
wasmc_error *wcl_cnodes_finish(wcl_cnodes *ns);

/* Appends `v` checked against `t`. The message of an error names the
 * place inside the value after `what` ("argument 1 (x): field b: expected
 * u32, found string"). Errors are WASMC_ERR_BAD_ARGUMENT. */
wasmc_error *wcl_cval_to_nodes(const wasmc_cval *v, const wasmc_ctype *t, const char *what,
                               wcl_cnodes *ns);

/* Converts the subtree starting at node *pos into a value of type `t`,
 * checking everything (kinds, counts, case indices, payload presence,
 * UTF-8, char values, flags bits, depth <= WASMC_CVAL_MAX_DEPTH) before
 * allocating by what a node declares; advances *pos past it. Errors are
 * `code` (WASMC_ERR_PROTOCOL for replies, BAD_ARGUMENT ...) with "what:
 * node N: ..." messages. The walk follows the type, whose depth was
 * checked on receipt: the node list cannot make it recurse deeper. */
wasmc_error *wcl_cval_from_nodes(Wasmc__V1__CValue *const *nodes, size_t nnodes, size_t *pos,
                                 const wasmc_ctype *t, wasmc_errcode code, const char *what,
                                 wasmc_cval *ret);

/* Converts a whole list of `n` values of the types `cases[i].type` (a
 * function's params or results); every node must be used. *ret_vals is a
 * new array (NULL when n is 0). */
wasmc_error *wcl_cvals_from_nodes(Wasmc__V1__CValue *const *nodes, size_t nnodes,
                                  const wcl_ccase *cases, size_t n, wasmc_errcode code,
                                  const char *what, wasmc_cval **ret_vals);

/* UTF-8 check with the offset of the first bad byte (*ret_off). */
bool wcl_utf8_check(const uint8_t *s, size_t len, size_t *ret_off);

/* ---- the linker ---- */

typedef struct wcl_cdef {
	char *instance;            /* "" for the root */
	char *name;
	bool resource;
	wasmc_cfunc_callback callback;
	wasmc_resource_dtor dtor;
	void *env;
} wcl_cdef;

struct wasmc_linker {
	size_t count, cap;
	wcl_cdef *defs;
};

/* The definition for an import of `instance`.`name` (resource or not),
 * with semver-compatible interface versions; NULL when none. */
const wcl_cdef *wcl_linker_find(const wasmc_linker *l, const char *instance, const char *name,
                                bool resource);

/* True when interface `def` (as defined) satisfies an import of `want`:
 * equal, or the same name with versions semver-compatible (def >= want,
 * same major, or same minor for 0.x, exact for 0.0.x). */
bool wcl_iface_compatible(const char *def, const char *want);

#endif
