/*
 * cm_validate_types.c - the validator's type model: building vt nodes,
 * index spaces, defined types, component and instance types, extern
 * types, aliases, resource substitution and the visibility of types in
 * imports and exports.
 */
#include <stdlib.h>
#include <string.h>

#include "cm_validate_int.h"
#include "rt_types.h"

/* ---- allocation ---- */

vt *vt_new(cm_vstate *s, uint8_t kind)
{
	vt *t = cmn_arena_alloc(&s->arena, 1, sizeof(vt));
	if (!t) {
		cmn_fail(s->err, "out of memory");
		return NULL;
	}
	t->kind = kind;
	t->scope = s->cur_scope;
	t->in_type = s->cur_in_type;
	t->align = 1;
	return t;
}

const char *vt_strdup(cm_vstate *s, const char *p)
{
	if (!p)
		return NULL;
	size_t n = strlen(p);
	char *d = cmn_arena_alloc(&s->arena, n + 1, 1);
	if (d)
		memcpy(d, p, n + 1);
	return d;
}

#define GROW(s, l, T)                                                             \
	do {                                                                      \
		if ((l)->n == (l)->cap) {                                         \
			uint32_t nc = (l)->cap ? (l)->cap * 2 : 8;                \
			T *nv = cmn_arena_alloc(&(s)->arena, nc, sizeof(T));      \
			if (!nv)                                                  \
				return cmn_fail((s)->err, "out of memory");       \
			if ((l)->n)                                               \
				memcpy(nv, (l)->v, (l)->n * sizeof(T));           \
			(l)->v = nv;                                              \
			(l)->cap = nc;                                            \
		}                                                                 \
	} while (0)

bool vt_push(cm_vstate *s, vt_list *l, vt *t)
{
	GROW(s, l, vt *);
	l->v[l->n++] = t;
	return true;
}

bool ext_push(cm_vstate *s, vt_ext_list *l, vt_ext e)
{
	GROW(s, l, vt_ext);
	l->v[l->n++] = e;
	return true;
}

bool cext_push(cm_vstate *s, vt_cext_list *l, vt_cext e)
{
	GROW(s, l, vt_cext);
	l->v[l->n++] = e;
	return true;
}

bool u32_push(cm_vstate *s, u32_list *l, uint32_t v)
{
	GROW(s, l, uint32_t);
	l->v[l->n++] = v;
	return true;
}

vt *vt_resource(cm_vstate *s, const char *name)
{
	vt *t = vt_new(s, VT_RESOURCE);
	if (!t)
		return NULL;
	t->rid = ++s->next_rid;
	t->res_name = name;
	t->has_res = true;
	t->size = 4;
	t->align = 4;
	t->flat = 1;
	return t;
}

bool vt_is_defined(const vt *t)
{
	return t->kind <= VT_MAP;
}

const char *vt_kind_desc(const vt *t)
{
	switch (t->kind) {
	case VT_PRIM: return cm_kind_name((cm_kind)t->prim);
	case VT_RECORD: return "record";
	case VT_VARIANT: return "variant";
	case VT_LIST: return "list";
	case VT_TUPLE: return "tuple";
	case VT_FLAGS: return "flags";
	case VT_ENUM: return "enum";
	case VT_OPTION: return "option";
	case VT_RESULT: return "result";
	case VT_OWN: return "own";
	case VT_BORROW: return "borrow";
	case VT_STREAM: return "stream";
	case VT_FUTURE: return "future";
	case VT_MAP: return "map";
	case VT_FUNC: return "func";
	case VT_RESOURCE: return "resource";
	case VT_INSTANCE: return "instance";
	case VT_COMPONENT: return "component";
	case VT_CORE_FUNC: return "core func";
	case VT_CORE_MODULE: return "module";
	case VT_CORE_INSTANCE: return "core instance";
	default: return "core type";
	}
}

/* ---- sizes (Canonical ABI elem_size/alignment, flattening) ---- */

#define SIZE_CAP (1ull << 40)
#define FLAT_CAP (1u << 20)

static uint64_t align_to(uint64_t x, uint32_t a)
{
	return (x + a - 1) / a * a;
}

static uint32_t disc_size(uint64_t n)
{
	return n <= 0x100 ? 1 : n <= 0x10000 ? 2 : 4;
}

static uint32_t flat_add(uint32_t a, uint32_t b)
{
	return a + b > FLAT_CAP ? FLAT_CAP : a + b;
}

static void finish_variant(vt *t, uint64_t ncases)
{
	uint32_t ds = disc_size(ncases);
	uint32_t al = ds;
	uint64_t max = 0;
	uint32_t flat = 0;
	for (uint32_t i = 0; i < t->n; i++) {
		vt *c = t->f[i].t;
		if (!c)
			continue;
		if (c->align > al)
			al = c->align;
		if (c->size > max)
			max = c->size;
		if (c->flat > flat)
			flat = c->flat;
	}
	t->align = al;
	t->size = align_to(align_to(ds, al) + max, al);
	if (t->size > SIZE_CAP)
		t->size = SIZE_CAP;
	t->flat = flat_add(1, flat);
}

void vt_finish(vt *t)
{
	bool res = t->kind == VT_RESOURCE, bor = t->kind == VT_BORROW;
	for (uint32_t i = 0; i < t->n; i++)
		if (t->f[i].t) {
			res |= t->f[i].t->has_res;
			bor |= t->f[i].t->has_borrow;
		}
	if (t->a) {
		res |= t->a->has_res;
		bor |= t->a->has_borrow;
	}
	if (t->b) {
		res |= t->b->has_res;
		bor |= t->b->has_borrow;
	}
	for (uint32_t i = 0; i < t->nimports; i++)
		if (t->imports[i].t)
			res |= t->imports[i].t->has_res;
	for (uint32_t i = 0; i < t->nexports; i++)
		if (t->exports[i].t)
			res |= t->exports[i].t->has_res;
	if (t->kind == VT_RESOURCE || t->nres_in || t->nres_out)
		res = true;
	t->has_res = res;
	t->has_borrow = t->kind == VT_FUNC || t->kind == VT_INSTANCE || t->kind == VT_COMPONENT ? false : bor;
	switch (t->kind) {
	case VT_PRIM:
		switch (t->prim) {
		case CM_BOOL: case CM_S8: case CM_U8: t->size = t->align = 1; break;
		case CM_S16: case CM_U16: t->size = t->align = 2; break;
		case CM_S64: case CM_U64: case CM_F64: t->size = t->align = 8; break;
		case CM_STRING: t->size = 16; t->align = 8; t->flat = 2; return;
		default: t->size = t->align = 4; break;
		}
		t->flat = 1;
		break;
	case VT_RECORD:
	case VT_TUPLE: {
		uint64_t sz = 0;
		uint32_t al = 1, flat = 0;
		for (uint32_t i = 0; i < t->n; i++) {
			vt *c = t->f[i].t;
			sz = align_to(sz, c->align) + c->size;
			if (sz > SIZE_CAP)
				sz = SIZE_CAP;
			if (c->align > al)
				al = c->align;
			flat = flat_add(flat, c->flat);
		}
		t->align = al;
		t->size = align_to(sz, al);
		t->flat = flat;
		break;
	}
	case VT_VARIANT:
		finish_variant(t, t->n);
		break;
	case VT_ENUM:
		t->size = t->align = disc_size(t->n);
		t->flat = 1;
		break;
	case VT_FLAGS:
		if (t->n <= 8)
			t->size = t->align = 1;
		else if (t->n <= 16)
			t->size = t->align = 2;
		else {
			t->align = 4;
			t->size = 4ull * ((t->n + 31) / 32);
		}
		t->flat = (t->n + 31) / 32;
		break;
	case VT_OPTION:
	case VT_RESULT: {
		/* as a variant of two cases */
		vt_field cases[2] = {{0}};
		vt tmp = *t;
		if (t->kind == VT_OPTION) {
			cases[1].t = t->a;
		} else {
			cases[0].t = t->a;
			cases[1].t = t->b;
		}
		tmp.f = cases;
		tmp.n = 2;
		finish_variant(&tmp, 2);
		t->size = tmp.size;
		t->align = tmp.align;
		t->flat = tmp.flat;
		break;
	}
	case VT_LIST:
		if (t->len) {
			t->align = t->a->align;
			uint64_t sz = (uint64_t)t->len * t->a->size;
			t->size = sz > SIZE_CAP || (t->a->size && sz / t->a->size != t->len) ? SIZE_CAP : sz;
			uint64_t fl = (uint64_t)t->len * t->a->flat;
			t->flat = fl > FLAT_CAP ? FLAT_CAP : (uint32_t)fl;
		} else {
			t->size = 16;
			t->align = 8;
			t->flat = 2;
		}
		break;
	case VT_MAP:
		t->size = 16;
		t->align = 8;
		t->flat = 2;
		break;
	case VT_OWN:
	case VT_BORROW:
	case VT_STREAM:
	case VT_FUTURE:
	case VT_RESOURCE:
		t->size = t->align = 4;
		t->flat = 1;
		break;
	default:
		break;
	}
}

/* ---- index spaces ---- */

static const char *space_noun(uint8_t sort)
{
	switch (sort) {
	case CM_SORT_CORE_FUNC: return "core function";
	case CM_SORT_CORE_TABLE: return "table";
	case CM_SORT_CORE_MEMORY: return "memory";
	case CM_SORT_CORE_GLOBAL: return "global";
	case CM_SORT_CORE_TAG: return "tag";
	case CM_SORT_CORE_TYPE: return "core type";
	case CM_SORT_CORE_MODULE: return "module";
	case CM_SORT_CORE_INSTANCE: return "core instance";
	case CM_SORT_FUNC: return "function";
	case CM_SORT_VALUE: return "value";
	case CM_SORT_TYPE: return "type";
	case CM_SORT_COMPONENT: return "component";
	default: return "instance";
	}
}

static const char *space_index(uint8_t sort)
{
	switch (sort) {
	case CM_SORT_CORE_FUNC: return "function";
	case CM_SORT_CORE_TYPE: return "type";
	case CM_SORT_CORE_INSTANCE: return "instance";
	default: return space_noun(sort);
	}
}

vt *space_get(cm_vstate *s, scope *sc, uint8_t sort, uint32_t idx, size_t off)
{
	if (idx >= sc->space[sort].n) {
		cmn_fail_at(s->err, off, "unknown %s %u: %s index out of bounds", space_noun(sort), idx,
		            space_index(sort));
		return NULL;
	}
	return sc->space[sort].v[idx];
}

bool space_add(cm_vstate *s, scope *sc, uint8_t sort, vt *t)
{
	if (sc->space[sort].n >= 1000000)
		return cmn_fail(s->err, "%s count exceeds limit of 1000000", space_noun(sort));
	return vt_push(s, &sc->space[sort], t);
}

vt *type_get(cm_vstate *s, scope *sc, uint32_t idx, size_t off)
{
	return space_get(s, sc, CM_SORT_TYPE, idx, off);
}

static vt *prim_vt(cm_vstate *s, uint32_t prim)
{
	vt *t = vt_new(s, VT_PRIM);
	if (!t)
		return NULL;
	t->prim = prim;
	vt_finish(t);
	return t;
}

vt *valtype_get(cm_vstate *s, scope *sc, const cm_valtype *v, size_t off)
{
	if (!v->is_index) {
		vt *p = prim_vt(s, v->v);
		if (p)
			p->inline_prim = true;
		return p;
	}
	vt *t = type_get(s, sc, v->v, off);
	if (!t)
		return NULL;
	if (!vt_is_defined(t)) {
		cmn_fail_at(s->err, off, "type index %u is not a defined type", v->v);
		return NULL;
	}
	return t;
}

bool cm_v_scope_init(cm_vstate *s, scope *sc, scope *parent, uint8_t kind)
{
	memset(sc, 0, sizeof *sc);
	sc->parent = parent;
	sc->kind = kind;
	sc->id = ++s->next_scope;
	return true;
}

/* ---- defined types ---- */

typedef struct label_words {
	const char *name, *prev;
} label_words;

static bool label_lower_eq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char x = *a >= 'A' && *a <= 'Z' ? *a + 32 : *a;
		char y = *b >= 'A' && *b <= 'Z' ? *b + 32 : *b;
		if (x != y)
			return false;
	}
	return *a == *b;
}

static bool check_labels(cm_vstate *s, const cm_deftype *d, label_words w)
{
	for (uint32_t i = 0; i < d->n; i++) {
		const char *nm = d->cases[i].name.s;
		if (!nm || !*nm)
			return cmn_fail_at(s->err, d->cases[i].off, "%s cannot be empty", w.name);
		if (!cm_v_label(s, w.name, nm, d->cases[i].off))
			return false;
		for (uint32_t j = 0; j < i; j++)
			if (label_lower_eq(d->cases[j].name.s, nm))
				return cmn_fail_at(s->err, d->cases[i].off, "%s `%s` conflicts with previous %s `%s`",
				                   w.name, nm, w.prev, d->cases[j].name.s);
	}
	return true;
}

static bool fields(cm_vstate *s, scope *sc, const cm_deftype *d, vt *t, bool named)
{
	t->n = d->n;
	t->f = cmn_arena_alloc(&s->arena, d->n ? d->n : 1, sizeof(vt_field));
	if (!t->f)
		return cmn_fail(s->err, "out of memory");
	for (uint32_t i = 0; i < d->n; i++) {
		t->f[i].name = named ? d->cases[i].name.s : NULL;
		if (d->cases[i].has_type) {
			t->f[i].t = valtype_get(s, sc, &d->cases[i].type, d->cases[i].off);
			if (!t->f[i].t)
				return false;
		}
	}
	return true;
}

static vt *resource_of(cm_vstate *s, scope *sc, uint32_t idx, size_t off)
{
	vt *r = type_get(s, sc, idx, off);
	if (!r)
		return NULL;
	if (r->kind != VT_RESOURCE) {
		cmn_fail_at(s->err, off, "type index %u is not a resource type", idx);
		return NULL;
	}
	return r;
}

bool cm_v_deftype(cm_vstate *s, scope *sc, const cm_deftype *d, vt **ret)
{
	vt *t;
	size_t off = d->off;
	switch (d->kind) {
	case CM_DT_PRIM:
		t = prim_vt(s, d->prim);
		if (!t)
			return false;
		*ret = t;
		return true;
	case CM_DT_RECORD:
		if (!d->n)
			return cmn_fail_at(s->err, off, "record type must have at least one field");
		if (!check_labels(s, d, (label_words){"record field name", "field name"}))
			return false;
		if (!(t = vt_new(s, VT_RECORD)) || !fields(s, sc, d, t, true))
			return false;
		break;
	case CM_DT_VARIANT:
		if (!d->n)
			return cmn_fail_at(s->err, off, "variant type must have at least one case");
		if (d->n > UINT32_MAX / 2)
			return cmn_fail_at(s->err, off, "variant type has too many cases");
		if (!check_labels(s, d, (label_words){"variant case name", "case name"}))
			return false;
		if (!(t = vt_new(s, VT_VARIANT)) || !fields(s, sc, d, t, true))
			return false;
		break;
	case CM_DT_TUPLE:
		if (!d->n)
			return cmn_fail_at(s->err, off, "tuple type must have at least one type");
		if (!(t = vt_new(s, VT_TUPLE)) || !fields(s, sc, d, t, false))
			return false;
		break;
	case CM_DT_FLAGS:
		if (!d->n)
			return cmn_fail_at(s->err, off, "flags must have at least one entry");
		if (d->n > 32)
			return cmn_fail_at(s->err, off, "cannot have more than 32 flags");
		if (!check_labels(s, d, (label_words){"flag name", "flag name"}))
			return false;
		if (!(t = vt_new(s, VT_FLAGS)) || !fields(s, sc, d, t, true))
			return false;
		break;
	case CM_DT_ENUM:
		if (!d->n)
			return cmn_fail_at(s->err, off, "enum type must have at least one variant");
		if (!check_labels(s, d, (label_words){"enum tag name", "tag name"}))
			return false;
		if (!(t = vt_new(s, VT_ENUM)) || !fields(s, sc, d, t, true))
			return false;
		break;
	case CM_DT_LIST:
	case CM_DT_OPTION:
		if (!(t = vt_new(s, d->kind == CM_DT_LIST ? VT_LIST : VT_OPTION)))
			return false;
		if (!(t->a = valtype_get(s, sc, &d->a, off)))
			return false;
		t->len = d->len;
		break;
	case CM_DT_RESULT:
		if (!(t = vt_new(s, VT_RESULT)))
			return false;
		if (d->has_a && !(t->a = valtype_get(s, sc, &d->a, off)))
			return false;
		if (d->has_b && !(t->b = valtype_get(s, sc, &d->b, off)))
			return false;
		break;
	case CM_DT_OWN:
	case CM_DT_BORROW:
		if (!(t = vt_new(s, d->kind == CM_DT_OWN ? VT_OWN : VT_BORROW)))
			return false;
		if (!(t->a = resource_of(s, sc, d->idx, off)))
			return false;
		break;
	case CM_DT_STREAM:
	case CM_DT_FUTURE:
		if (!(t = vt_new(s, d->kind == CM_DT_STREAM ? VT_STREAM : VT_FUTURE)))
			return false;
		if (d->has_a && !(t->a = valtype_get(s, sc, &d->a, off)))
			return false;
		if (t->a && t->a->has_borrow)
			return cmn_fail_at(s->err, off, "%s element type cannot contain a `borrow` type",
			                   d->kind == CM_DT_STREAM ? "stream" : "future");
		if (d->kind == CM_DT_STREAM && t->a && t->a->kind == VT_PRIM && t->a->prim == CM_CHAR)
			return cmn_fail_at(s->err, off, "`stream<char>` is not valid at this time");
		break;
	case CM_DT_MAP:
		if (!(t = vt_new(s, VT_MAP)))
			return false;
		if (!(t->a = valtype_get(s, sc, &d->a, off)) || !(t->b = valtype_get(s, sc, &d->b, off)))
			return false;
		if (t->a->kind != VT_PRIM || t->a->prim == CM_F32 || t->a->prim == CM_F64 ||
		    t->a->prim == CM_VT_ERROR_CONTEXT)
			return cmn_fail_at(s->err, off, "map key type must be a boolean, integer, char or string");
		break;
	case CM_DT_FUNC: {
		if (!(t = vt_new(s, VT_FUNC)))
			return false;
		t->async = d->async;
		if (!check_labels(s, d, (label_words){"function parameter name", "parameter name"}))
			return false;
		if (!fields(s, sc, d, t, true))
			return false;
		if (d->has_a) {
			if (!(t->a = valtype_get(s, sc, &d->a, off)))
				return false;
			if (t->a->has_borrow)
				return cmn_fail_at(s->err, off, "function result cannot contain a `borrow` type");
		}
		break;
	}
	case CM_DT_RESOURCE: {
		if (sc->kind != SCOPE_COMPONENT)
			return cmn_fail_at(s->err, off, "resources can only be defined within a concrete component");
		if (d->rep != RT_I32)
			return cmn_fail_at(s->err, off, "resources can only be represented by `i32`");
		if (!(t = vt_resource(s, NULL)))
			return false;
		t->local = true;
		t->rep = d->rep;
		if (d->has_dtor) {
			vt *f = space_get(s, sc, CM_SORT_CORE_FUNC, d->dtor, off);
			if (!f)
				return false;
			if (f->kind != VT_CORE_FUNC || f->nparams != 1 || f->params[0].kind != RT_I32 || f->nresults)
				return cmn_fail_at(s->err, off, "wrong signature for a destructor");
		}
		if (!u32_push(s, &sc->local_rids, t->rid))
			return false;
		*ret = t;
		return true;
	}
	case CM_DT_COMPONENT:
	case CM_DT_INSTANCE: {
		bool comp = d->kind == CM_DT_COMPONENT;
		scope inner;
		cm_v_scope_init(s, &inner, sc, comp ? SCOPE_COMPONENT_TYPE : SCOPE_INSTANCE_TYPE);
		uint32_t saved = s->cur_scope;
		bool saved_in_type = s->cur_in_type;
		s->cur_scope = inner.id;
		s->cur_in_type = true;
		if (++s->depth > 4 * CM_MAX_NESTING) {
			s->depth--;
			s->cur_scope = saved;
			s->cur_in_type = saved_in_type;
			return cmn_fail_at(s->err, off, "nesting too deep");
		}
		bool ok = true;
		for (uint32_t i = 0; ok && i < d->ndecls; i++) {
			const cm_decl *dc = &d->decls[i];
			switch (dc->kind) {
			case CM_DECL_CORE_TYPE: {
				vt *ct;
				ok = cm_v_core_type(s, &inner, dc->core_type, &ct) &&
				     space_add(s, &inner, CM_SORT_CORE_TYPE, ct);
				break;
			}
			case CM_DECL_TYPE: {
				vt *tt;
				ok = cm_v_deftype(s, &inner, dc->type, &tt) && space_add(s, &inner, CM_SORT_TYPE, tt);
				break;
			}
			case CM_DECL_ALIAS:
				ok = cm_v_alias(s, &inner, &dc->alias, true);
				break;
			case CM_DECL_IMPORT:
			case CM_DECL_EXPORT: {
				bool imp = dc->kind == CM_DECL_IMPORT;
				parsed_name pn;
				vt_ext e;
				ok = cm_v_extname(s, &dc->name, imp, &pn) &&
				     name_set_add(s, imp ? &inner.import_names : &inner.export_names, dc->name.name.s,
				                  imp ? "import" : "export", dc->name.off) &&
				     cm_v_externtype(s, &inner, &dc->ext, dc->name.name.s, &e, imp) &&
				     cm_v_implements_sort(s, &dc->name, e.sort) &&
				     cm_v_name_func_rules(s, imp ? &inner.imports : &inner.exports, &pn, e.sort, e.t, dc->name.off) &&
				     /* instance types defer this to their use */
				     (inner.kind == SCOPE_INSTANCE_TYPE || cm_v_visible(s, &inner, e.sort, e.t, imp, dc->off)) &&
				     ext_push(s, imp ? &inner.imports : &inner.exports, e) &&
				     space_add(s, &inner, e.sort, e.t);
				if (ok && dc->ext.sort == CM_SORT_TYPE && dc->ext.bound == CM_BOUND_SUB_RESOURCE)
					ok = u32_push(s, imp ? &inner.res_in : &inner.res_out, e.t->rid);
				if (ok && imp && e.sort == CM_SORT_INSTANCE)
					for (uint32_t k = 0; ok && k < e.t->nres_out; k++)
						ok = u32_push(s, &inner.res_in, e.t->res_out[k]);
				if (ok && !imp && (e.sort == CM_SORT_INSTANCE))
					for (uint32_t k = 0; ok && k < e.t->nres_out; k++)
						ok = u32_push(s, &inner.res_out, e.t->res_out[k]);
				break;
			}
			}
		}
		s->depth--;
		s->cur_scope = saved;
		s->cur_in_type = saved_in_type;
		if (!ok)
			return false;
		if (!(t = vt_new(s, comp ? VT_COMPONENT : VT_INSTANCE)))
			return false;
		t->inner_scope = inner.id;
		t->nimports = inner.imports.n;
		t->imports = inner.imports.v;
		t->nexports = inner.exports.n;
		t->exports = inner.exports.v;
		t->nres_in = inner.res_in.n;
		t->res_in = inner.res_in.v;
		t->nres_out = inner.res_out.n;
		t->res_out = inner.res_out.v;
		break;
	}
	default:
		return cmn_fail_at(s->err, off, "unknown type definition");
	}
	vt_finish(t);
	if (vt_is_defined(t) && t->size >= (1ull << 28))
		return cmn_fail_at(s->err, off, "type exceeds maximum byte size of 2^28 bytes");
	*ret = t;
	return true;
}

/* ---- extern types ---- */

static vt *vt_copy_named(cm_vstate *s, vt *t, uint8_t named)
{
	vt *c = vt_new(s, t->kind);
	if (!c)
		return NULL;
	uint32_t scope_id = c->scope;
	*c = *t;
	c->scope = scope_id;
	c->named = named;
	return c;
}

bool cm_v_externtype(cm_vstate *s, scope *sc, const cm_externtype *e, const char *name, vt_ext *ret,
                     bool is_import)
{
	vt *t = NULL;
	ret->name = name;
	ret->sort = e->sort;
	switch (e->sort) {
	case CM_SORT_CORE_MODULE:
		if (!(t = space_get(s, sc, CM_SORT_CORE_TYPE, e->idx, e->off)))
			return false;
		if (t->kind != VT_CORE_MODULE)
			return cmn_fail_at(s->err, e->off, "core type index %u is not a module type", e->idx);
		break;
	case CM_SORT_FUNC:
		if (!(t = type_get(s, sc, e->idx, e->off)))
			return false;
		if (t->kind != VT_FUNC)
			return cmn_fail_at(s->err, e->off, "type index %u is not a function type", e->idx);
		break;
	case CM_SORT_COMPONENT:
		if (!(t = type_get(s, sc, e->idx, e->off)))
			return false;
		if (t->kind != VT_COMPONENT)
			return cmn_fail_at(s->err, e->off, "type index %u is not a component type", e->idx);
		break;
	case CM_SORT_INSTANCE:
		if (!(t = type_get(s, sc, e->idx, e->off)))
			return false;
		if (t->kind != VT_INSTANCE)
			return cmn_fail_at(s->err, e->off, "type index %u is not an instance type", e->idx);
		if (t->nres_out) {
			/* each import (or export in a type) of an instance type
			 * has resources of its own */
			rid_map m = {0};
			if (!rid_map_fresh(s, &m, t->res_out, t->nres_out, t))
				return false;
			vt *nt = vt_subst(s, t, &m);
			if (!nt)
				return false;
			if (nt == t && !(nt = vt_copy_named(s, t, 0)))
				return false;
			uint32_t *rids = cmn_arena_alloc(&s->arena, t->nres_out, sizeof(uint32_t));
			if (!rids)
				return cmn_fail(s->err, "out of memory");
			for (uint32_t i = 0; i < t->nres_out; i++)
				rids[i] = m.to[i]->rid;
			nt->res_out = rids;
			t = nt;
		}
		break;
	case CM_SORT_TYPE:
		if (e->bound == CM_BOUND_SUB_RESOURCE) {
			if (!(t = vt_resource(s, name)))
				return false;
		} else {
			vt *src = type_get(s, sc, e->idx, e->off);
			if (!src)
				return false;
			if (!(t = vt_copy_named(s, src, 0)))
				return false;
		}
		t->named = is_import ? NAMED_IMPORT : NAMED_EXPORT;
		if (t->kind == VT_RESOURCE && !t->res_name)
			t->res_name = name;
		break;
	case CM_SORT_VALUE:
		if (e->bound == CM_BOUND_VALTYPE) {
			if (!(t = valtype_get(s, sc, &e->vt, e->off)))
				return false;
		} else {
			if (!(t = space_get(s, sc, CM_SORT_VALUE, e->idx, e->off)))
				return false;
		}
		break;
	default:
		return cmn_fail_at(s->err, e->off, "invalid extern type");
	}
	ret->t = t;
	return true;
}

/* ---- aliases ---- */

static const vt_ext *find_export(const vt *inst, const char *name)
{
	for (uint32_t i = 0; i < inst->nexports; i++)
		if (strcmp(inst->exports[i].name, name) == 0)
			return &inst->exports[i];
	return NULL;
}

static const char *sort_word(uint8_t sort)
{
	switch (sort) {
	case CM_SORT_CORE_MODULE: return "module";
	case CM_SORT_FUNC: return "func";
	case CM_SORT_CORE_FUNC: return "func";
	case CM_SORT_CORE_TABLE: return "table";
	case CM_SORT_CORE_MEMORY: return "memory";
	case CM_SORT_CORE_GLOBAL: return "global";
	case CM_SORT_CORE_TAG: return "tag";
	default: return cm_sort_name((cm_sort)sort);
	}
}

static uint8_t cext_sort(uint8_t kind)
{
	switch (kind) {
	case RT_EXTERN_FUNC: return CM_SORT_CORE_FUNC;
	case RT_EXTERN_TABLE: return CM_SORT_CORE_TABLE;
	case RT_EXTERN_MEMORY: return CM_SORT_CORE_MEMORY;
	case RT_EXTERN_GLOBAL: return CM_SORT_CORE_GLOBAL;
	default: return CM_SORT_CORE_TAG;
	}
}

bool cm_v_alias(cm_vstate *s, scope *sc, const cm_alias *a, bool in_type)
{
	size_t off = a->off;
	if (in_type) {
		bool ok = a->kind == CM_ALIAS_EXPORT ? (a->sort == CM_SORT_INSTANCE || a->sort == CM_SORT_TYPE)
		          : a->kind == CM_ALIAS_OUTER ? (a->sort == CM_SORT_CORE_TYPE || a->sort == CM_SORT_TYPE)
		                                      : false;
		if (!ok)
			return cmn_fail_at(s->err, off, "alias in a type declaration may only refer to types or instances");
	}
	switch (a->kind) {
	case CM_ALIAS_EXPORT: {
		vt *inst = space_get(s, sc, CM_SORT_INSTANCE, a->instance, off);
		if (!inst)
			return false;
		const vt_ext *e = find_export(inst, a->name.s);
		if (!e)
			return cmn_fail_at(s->err, off, "instance %u has no export named `%s`", a->instance, a->name.s);
		if (e->sort != a->sort)
			return cmn_fail_at(s->err, off, "export `%s` for instance %u is not a %s", a->name.s, a->instance,
			                   sort_word(a->sort));
		return space_add(s, sc, a->sort, e->t);
	}
	case CM_ALIAS_CORE_EXPORT: {
		vt *inst = space_get(s, sc, CM_SORT_CORE_INSTANCE, a->instance, off);
		if (!inst)
			return false;
		for (uint32_t i = 0; i < inst->ncexports; i++) {
			vt_cext *ce = &inst->cexports[i];
			if (strcmp(ce->name, a->name.s) != 0)
				continue;
			if (cext_sort(ce->kind) != a->sort)
				return cmn_fail_at(s->err, off, "export `%s` for core instance %u is not a %s", a->name.s,
				                   a->instance, sort_word(a->sort));
			vt *t;
			if (ce->kind == RT_EXTERN_FUNC) {
				t = ce->func;
			} else {
				if (!(t = vt_new(s, VT_CORE_OTHER)))
					return false;
				t->ce = ce;
			}
			return space_add(s, sc, a->sort, t);
		}
		return cmn_fail_at(s->err, off, "core instance %u has no export named `%s`", a->instance, a->name.s);
	}
	default: {
		scope *target = sc;
		bool crosses = false;
		for (uint32_t i = 0; i < a->count; i++) {
			if (!target->parent)
				return cmn_fail_at(s->err, off, "invalid outer alias count of %u", a->count);
			if (target->kind == SCOPE_COMPONENT)
				crosses = true;
			target = target->parent;
		}
		vt *t = space_get(s, target, a->sort, a->idx, off);
		if (!t)
			return false;
		if (crosses && a->sort == CM_SORT_TYPE && t->has_res)
			return cmn_fail_at(s->err, off,
			                   "cannot alias outer type which transitively refers to resources not defined in the current component");
		return space_add(s, sc, a->sort, t);
	}
	}
}

/* ---- resource substitution ---- */

bool rid_map_add(cm_vstate *s, rid_map *m, uint32_t from, vt *to)
{
	uint32_t *nf = cmn_arena_alloc(&s->arena, m->n + 1, sizeof(uint32_t));
	vt **nt = cmn_arena_alloc(&s->arena, m->n + 1, sizeof(vt *));
	if (!nf || !nt)
		return cmn_fail(s->err, "out of memory");
	if (m->n) {
		memcpy(nf, m->from, m->n * sizeof(uint32_t));
		memcpy(nt, m->to, m->n * sizeof(vt *));
	}
	nf[m->n] = from;
	nt[m->n] = to;
	m->from = nf;
	m->to = nt;
	m->n++;
	return true;
}

bool ptr_map_add(cm_vstate *s, rid_map *m, const vt *from, vt *to)
{
	const vt **nf = cmn_arena_alloc(&s->arena, m->nptr + 1, sizeof(vt *));
	vt **nt = cmn_arena_alloc(&s->arena, m->nptr + 1, sizeof(vt *));
	if (!nf || !nt)
		return cmn_fail(s->err, "out of memory");
	if (m->nptr) {
		memcpy(nf, m->pfrom, m->nptr * sizeof(vt *));
		memcpy(nt, m->pto, m->nptr * sizeof(vt *));
	}
	nf[m->nptr] = from;
	nt[m->nptr] = to;
	m->pfrom = nf;
	m->pto = nt;
	m->nptr++;
	return true;
}

static const vt *find_resource(const vt *t, uint32_t rid, unsigned depth)
{
	if (!t || !t->has_res || depth > 200)
		return NULL;
	if (t->kind == VT_RESOURCE)
		return t->rid == rid ? t : NULL;
	const vt *r;
	for (uint32_t i = 0; i < t->n; i++)
		if ((r = find_resource(t->f[i].t, rid, depth + 1)))
			return r;
	if ((r = find_resource(t->a, rid, depth + 1)) || (r = find_resource(t->b, rid, depth + 1)))
		return r;
	for (uint32_t i = 0; i < t->nimports; i++)
		if ((r = find_resource(t->imports[i].t, rid, depth + 1)))
			return r;
	for (uint32_t i = 0; i < t->nexports; i++)
		if ((r = find_resource(t->exports[i].t, rid, depth + 1)))
			return r;
	return NULL;
}

bool rid_map_fresh(cm_vstate *s, rid_map *m, const uint32_t *rids, uint32_t n, const vt *within)
{
	for (uint32_t i = 0; i < n; i++) {
		const vt *old = find_resource(within, rids[i], 0);
		vt *r = vt_resource(s, old ? old->res_name : NULL);
		if (!r)
			return false;
		if (old) {
			r->named = old->named;
			r->scope = old->scope;
			r->in_type = old->in_type;
		}
		if (!rid_map_add(s, m, rids[i], r))
			return false;
	}
	return true;
}

static vt *subst(cm_vstate *s, vt *t, const rid_map *m, unsigned depth)
{
	if (!t)
		return t;
	for (uint32_t i = 0; i < m->nptr; i++)
		if (m->pfrom[i] == t)
			return m->pto[i];
	if ((!t->has_res || !m->n) && !m->nptr)
		return t;
	if (t->kind == VT_PRIM || t->kind >= VT_CORE_FUNC)
		return t;
	if (depth > 400) {
		cmn_fail(s->err, "type nesting too deep");
		return NULL;
	}
	if (t->kind == VT_RESOURCE) {
		for (uint32_t i = 0; i < m->n; i++)
			if (m->from[i] == t->rid)
				return m->to[i];
		return t;
	}
	vt *c = vt_new(s, t->kind);
	if (!c)
		return NULL;
	*c = *t;
	bool changed = false;
	if (t->n) {
		c->f = cmn_arena_alloc(&s->arena, t->n, sizeof(vt_field));
		if (!c->f) {
			cmn_fail(s->err, "out of memory");
			return NULL;
		}
		for (uint32_t i = 0; i < t->n; i++) {
			c->f[i] = t->f[i];
			if (t->f[i].t) {
				c->f[i].t = subst(s, t->f[i].t, m, depth + 1);
				if (!c->f[i].t)
					return NULL;
				changed |= c->f[i].t != t->f[i].t;
			}
		}
	}
	if (t->a) {
		if (!(c->a = subst(s, t->a, m, depth + 1)))
			return NULL;
		changed |= c->a != t->a;
	}
	if (t->b) {
		if (!(c->b = subst(s, t->b, m, depth + 1)))
			return NULL;
		changed |= c->b != t->b;
	}
	for (int pass = 0; pass < 2; pass++) {
		uint32_t n = pass ? t->nexports : t->nimports;
		vt_ext *src = pass ? t->exports : t->imports;
		if (!n)
			continue;
		vt_ext *dst = cmn_arena_alloc(&s->arena, n, sizeof(vt_ext));
		if (!dst) {
			cmn_fail(s->err, "out of memory");
			return NULL;
		}
		for (uint32_t i = 0; i < n; i++) {
			dst[i] = src[i];
			if (!(dst[i].t = subst(s, src[i].t, m, depth + 1)))
				return NULL;
			changed |= dst[i].t != src[i].t;
		}
		if (pass)
			c->exports = dst;
		else
			c->imports = dst;
	}
	if (!changed)
		return t;
	return c;
}

vt *vt_subst(cm_vstate *s, vt *t, const rid_map *m)
{
	return subst(s, t, m, 0);
}

/* ---- visibility of types in imports and exports ---- */

static bool nominal(const vt *t)
{
	return t->kind == VT_RECORD || t->kind == VT_VARIANT || t->kind == VT_ENUM || t->kind == VT_FLAGS ||
	       t->kind == VT_RESOURCE;
}

/* True when instance type `by` exports `t` as a type (under a name): the
 * instance's type exports name the types its other exports use. An
 * exported type is a copy of the type it exports (a new type index), so
 * the same resource identity, or the same fields, count too. */
static bool named_by(const vt *by, const vt *t)
{
	for (uint32_t i = 0; by && i < by->nexports; i++) {
		const vt *x = by->exports[i].t;
		if (by->exports[i].sort != CM_SORT_TYPE || !x)
			continue;
		if (x == t || (t->kind == VT_RESOURCE && x->kind == VT_RESOURCE && x->rid == t->rid) ||
		    (x->kind == t->kind && t->n && x->f == t->f))
			return true;
	}
	return false;
}

/* A nominal type created in scope `id` must have been given a name there;
 * `inner` is the declaration scope of an instance type being used, whose
 * exports name its types; `by` (may be NULL) an instance type whose type
 * exports name types too. */
static bool visible(uint32_t id, uint32_t inner, const vt *by, const vt *t, bool is_import,
                    unsigned depth)
{
	if (!t || depth > 200)
		return true;
	if (nominal(t) && named_by(by, t)) {
		/* named by the instance that uses it */
	} else if (nominal(t) && (t->scope == id || (inner && t->scope == inner))) {
		if (!t->named)
			return false;
		if (is_import && t->scope == id && t->named != NAMED_IMPORT)
			return false;
	} else if (nominal(t) && !t->in_type) {
		/* a type of another component (a child's instance, an outer
		 * alias) has no name here */
		return false;
	}
	if (t->kind == VT_INSTANCE || t->kind == VT_COMPONENT)
		return true; /* checked when the type was built or used */
	for (uint32_t i = 0; i < t->n; i++)
		if (!visible(id, inner, by, t->f[i].t, is_import, depth + 1))
			return false;
	if (t->kind == VT_RESOURCE)
		return true;
	return visible(id, inner, by, t->a, is_import, depth + 1) &&
	       visible(id, inner, by, t->b, is_import, depth + 1);
}

/* The exports of an instance type, whose check was deferred to its use. */
static bool instance_visible(uint32_t id, const vt *t, bool is_import, unsigned depth)
{
	for (uint32_t i = 0; i < t->nexports; i++) {
		const vt *x = t->exports[i].t;
		if (t->exports[i].sort == CM_SORT_INSTANCE) {
			if (depth < 50 && !instance_visible(id, x, is_import, depth + 1))
				return false;
			continue;
		}
		bool ok = true;
		if (t->exports[i].sort == CM_SORT_TYPE) {
			for (uint32_t k = 0; ok && k < x->n; k++)
				ok = visible(id, t->inner_scope, t, x->f[k].t, is_import, 1);
			if (ok && x->kind != VT_RESOURCE)
				ok = visible(id, t->inner_scope, t, x->a, is_import, 1) &&
				     visible(id, t->inner_scope, t, x->b, is_import, 1);
		} else {
			ok = visible(id, t->inner_scope, t, x, is_import, 0);
		}
		if (!ok)
			return false;
	}
	return true;
}

bool cm_v_visible(cm_vstate *s, scope *sc, uint8_t sort, const vt *t, bool is_import, size_t off)
{
	const char *what;
	switch (sort) {
	case CM_SORT_FUNC: what = "func"; break;
	case CM_SORT_TYPE: what = "type"; break;
	case CM_SORT_INSTANCE: what = "instance"; break;
	case CM_SORT_COMPONENT: what = "component"; break;
	case CM_SORT_VALUE: what = "value"; break;
	default: return true;
	}
	bool ok = true;
	(void)s;
	if (t->kind == VT_INSTANCE) {
		ok = instance_visible(sc->id, t, is_import, 0);
	} else if (sort == CM_SORT_TYPE) {
		/* the type itself is being named; its contents must be */
		for (uint32_t i = 0; ok && i < t->n; i++)
			ok = visible(sc->id, 0, NULL, t->f[i].t, is_import, 1);
		if (ok && t->kind != VT_RESOURCE)
			ok = visible(sc->id, 0, NULL, t->a, is_import, 1) && visible(sc->id, 0, NULL, t->b, is_import, 1);
	} else if (sort == CM_SORT_COMPONENT) {
		for (uint32_t i = 0; ok && i < t->nexports; i++)
			if (t->exports[i].sort != CM_SORT_TYPE)
				ok = visible(sc->id, 0, NULL, t->exports[i].t, is_import, 1);
	} else {
		ok = visible(sc->id, 0, NULL, t, is_import, 0);
	}
	if (!ok)
		return cmn_fail_at(s->err, off, "%s not valid to be used as %s", what, is_import ? "import" : "export");
	return true;
}
