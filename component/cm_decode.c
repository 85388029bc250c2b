/*
 * cm_decode.c - component binary decoder: preamble, sections, and the
 * items of each section (cm_decode.h). Types are in cm_decode_types.c.
 */
#include "cm_decode.h"

#include <stdlib.h>
#include <string.h>

#include "cm_decode_int.h"
#include "rt_module.h"

const char *cm_sort_name(cm_sort s)
{
	static const char *const names[CM_SORT_COUNT] = {
		[CM_SORT_CORE_FUNC] = "core func",     [CM_SORT_CORE_TABLE] = "core table",
		[CM_SORT_CORE_MEMORY] = "core memory", [CM_SORT_CORE_GLOBAL] = "core global",
		[CM_SORT_CORE_TAG] = "core tag",       [CM_SORT_CORE_TYPE] = "core type",
		[CM_SORT_CORE_MODULE] = "module",      [CM_SORT_CORE_INSTANCE] = "core instance",
		[CM_SORT_FUNC] = "func",               [CM_SORT_VALUE] = "value",
		[CM_SORT_TYPE] = "type",               [CM_SORT_COMPONENT] = "component",
		[CM_SORT_INSTANCE] = "instance",
	};
	return (unsigned)s < CM_SORT_COUNT ? names[s] : "?";
}

void cm_component_free(cm_component *c)
{
	if (!c)
		return;
	cmn_arena arena = c->arena;
	cmn_arena_free(&arena);
}

bool cm_is_component(const uint8_t *bytes, size_t size)
{
	return size >= 8 && memcmp(bytes, "\0asm", 4) == 0 && bytes[6] == 1 && bytes[7] == 0;
}

/* ---- sorts ---- */

bool cm_dec_core_sort(cm_dec *d, wb_reader *r, const char *what, uint8_t *ret)
{
	uint8_t b;
	size_t off = wb_reader_offset(r);
	if (!wb_read_u8(r, &b, d->err))
		return false;
	switch (b) {
	case 0x00: *ret = CM_SORT_CORE_FUNC; return true;
	case 0x01: *ret = CM_SORT_CORE_TABLE; return true;
	case 0x02: *ret = CM_SORT_CORE_MEMORY; return true;
	case 0x03: *ret = CM_SORT_CORE_GLOBAL; return true;
	case 0x04: *ret = CM_SORT_CORE_TAG; return true;
	case 0x10: *ret = CM_SORT_CORE_TYPE; return true;
	case 0x11: *ret = CM_SORT_CORE_MODULE; return true;
	case 0x12: *ret = CM_SORT_CORE_INSTANCE; return true;
	default: return cm_rd_bad_byte(d->err, off, b, what);
	}
}

bool cm_dec_sort(cm_dec *d, wb_reader *r, const char *what, uint8_t *ret)
{
	uint8_t b;
	size_t off = wb_reader_offset(r);
	if (!wb_read_u8(r, &b, d->err))
		return false;
	switch (b) {
	case 0x00: return cm_dec_core_sort(d, r, what, ret);
	case 0x01: *ret = CM_SORT_FUNC; return true;
	case 0x02: *ret = CM_SORT_VALUE; return true;
	case 0x03: *ret = CM_SORT_TYPE; return true;
	case 0x04: *ret = CM_SORT_COMPONENT; return true;
	case 0x05: *ret = CM_SORT_INSTANCE; return true;
	default: return cm_rd_bad_byte(d->err, off, b, what);
	}
}

static bool dec_sortidx(cm_dec *d, wb_reader *r, const char *what, cm_sortidx *ret)
{
	return cm_dec_sort(d, r, what, &ret->sort) && wb_read_u32(r, &ret->idx, d->err);
}

/* ---- names ---- */

bool cm_dec_extname(cm_dec *d, wb_reader *r, cm_extname *ret)
{
	uint8_t b;
	ret->off = wb_reader_offset(r);
	if (!wb_read_u8(r, &b, d->err))
		return false;
	if (b > 0x02)
		return cm_rd_bad_byte(d->err, ret->off, b, "component name");
	ret->form = b;
	if (!cm_rd_name(r, &d->c->arena, &ret->name, d->err))
		return false;
	if (b != 0x02)
		return true;
	uint32_t n;
	if (!cm_rd_count(r, 2, &n, d->err))
		return false;
	for (uint32_t i = 0; i < n; i++) {
		size_t off = wb_reader_offset(r);
		uint8_t k;
		if (!wb_read_u8(r, &k, d->err))
			return false;
		switch (k) {
		case 0x00:
			if (ret->has_implements)
				return cmn_fail_at(d->err, off, "duplicate 'implements' option in name");
			ret->has_implements = true;
			if (!cm_rd_name(r, &d->c->arena, &ret->implements, d->err))
				return false;
			break;
		case 0x01:
			if (ret->has_version_suffix)
				return cmn_fail_at(d->err, off, "duplicate 'versionsuffix' option in name");
			ret->has_version_suffix = true;
			if (!cm_rd_name(r, &d->c->arena, &ret->version_suffix, d->err))
				return false;
			break;
		case 0x02:
			if (ret->has_external_id)
				return cmn_fail_at(d->err, off, "duplicate 'external-id' option in name");
			ret->has_external_id = true;
			if (!cm_rd_name(r, &d->c->arena, &ret->external_id, d->err))
				return false;
			break;
		default:
			return cm_rd_bad_byte(d->err, off, k, "name option");
		}
	}
	return true;
}

/* ---- extern types ---- */

bool cm_dec_externtype(cm_dec *d, wb_reader *r, cm_externtype *ret)
{
	uint8_t b;
	ret->off = wb_reader_offset(r);
	if (!wb_read_u8(r, &b, d->err))
		return false;
	switch (b) {
	case 0x00: {
		uint8_t k;
		size_t off = wb_reader_offset(r);
		if (!wb_read_u8(r, &k, d->err))
			return false;
		if (k != 0x11)
			return cm_rd_bad_byte(d->err, off, k, "component external kind");
		ret->sort = CM_SORT_CORE_MODULE;
		return wb_read_u32(r, &ret->idx, d->err);
	}
	case 0x01: ret->sort = CM_SORT_FUNC; return wb_read_u32(r, &ret->idx, d->err);
	case 0x04: ret->sort = CM_SORT_COMPONENT; return wb_read_u32(r, &ret->idx, d->err);
	case 0x05: ret->sort = CM_SORT_INSTANCE; return wb_read_u32(r, &ret->idx, d->err);
	case 0x02: {
		uint8_t k;
		size_t off = wb_reader_offset(r);
		ret->sort = CM_SORT_VALUE;
		if (!wb_read_u8(r, &k, d->err))
			return false;
		if (k == 0x00) {
			ret->bound = CM_BOUND_EQ;
			return wb_read_u32(r, &ret->idx, d->err);
		}
		if (k != 0x01)
			return cm_rd_bad_byte(d->err, off, k, "value bound");
		ret->bound = CM_BOUND_VALTYPE;
		return cm_dec_valtype(d, r, &ret->vt);
	}
	case 0x03: {
		uint8_t k;
		size_t off = wb_reader_offset(r);
		ret->sort = CM_SORT_TYPE;
		if (!wb_read_u8(r, &k, d->err))
			return false;
		if (k == 0x00) {
			ret->bound = CM_BOUND_EQ;
			return wb_read_u32(r, &ret->idx, d->err);
		}
		if (k != 0x01)
			return cm_rd_bad_byte(d->err, off, k, "type bound");
		ret->bound = CM_BOUND_SUB_RESOURCE;
		return true;
	}
	default:
		return cm_rd_bad_byte(d->err, ret->off, b, "component external kind");
	}
}

/* ---- aliases ---- */

bool cm_dec_alias(cm_dec *d, wb_reader *r, cm_alias *ret)
{
	ret->off = wb_reader_offset(r);
	size_t sort_off = ret->off;
	uint8_t s0 = r->p < r->end ? *r->p : 0;
	uint8_t s1 = r->p + 1 < r->end ? r->p[1] : 0;
	/* The sort is read first; an outer alias refuses sorts that cannot be
	 * aliased from outside with its own wording, so look ahead. */
	const uint8_t *save = r->p;
	uint8_t sort;
	if (!cm_dec_sort(d, r, "component external kind", &sort)) {
		/* Re-read to tell an outer alias (its own wording) apart. */
		size_t tag_pos = (s0 == 0x00) ? 2 : 1;
		if (save + tag_pos < r->end && save[tag_pos] == 0x02)
			return cm_rd_bad_byte(d->err, s0 == 0x00 ? sort_off + 1 : sort_off,
			                      s0 == 0x00 ? s1 : s0, "component outer alias kind");
		return false;
	}
	ret->sort = sort;
	uint8_t tag;
	size_t tag_off = wb_reader_offset(r);
	if (!wb_read_u8(r, &tag, d->err))
		return false;
	switch (tag) {
	case 0x00:
		ret->kind = CM_ALIAS_EXPORT;
		return wb_read_u32(r, &ret->instance, d->err) &&
		       cm_rd_name(r, &d->c->arena, &ret->name, d->err);
	case 0x01:
		ret->kind = CM_ALIAS_CORE_EXPORT;
		return wb_read_u32(r, &ret->instance, d->err) &&
		       cm_rd_name(r, &d->c->arena, &ret->name, d->err);
	case 0x02:
		ret->kind = CM_ALIAS_OUTER;
		switch (sort) {
		case CM_SORT_CORE_MODULE:
		case CM_SORT_CORE_TYPE:
		case CM_SORT_TYPE:
		case CM_SORT_COMPONENT:
			break;
		default:
			return cm_rd_bad_byte(d->err, s0 == 0x00 ? sort_off + 1 : sort_off,
			                      s0 == 0x00 ? s1 : s0, "component outer alias kind");
		}
		return wb_read_u32(r, &ret->count, d->err) && wb_read_u32(r, &ret->idx, d->err);
	default:
		return cm_rd_bad_byte(d->err, tag_off, tag, "alias");
	}
}

/* ---- sections ---- */

static bool dec_instance_args(cm_dec *d, wb_reader *r, cm_instance_def *in, bool core)
{
	uint32_t n;
	if (!cm_rd_count(r, core ? 3 : 3, &n, d->err))
		return false;
	in->args = cm_rd_alloc(&d->c->arena, n, sizeof(cm_instarg), r, d->err);
	if (!in->args)
		return false;
	in->n = n;
	for (uint32_t i = 0; i < n; i++) {
		cm_instarg *a = &in->args[i];
		a->off = wb_reader_offset(r);
		if (!cm_rd_name(r, &d->c->arena, &a->name, d->err))
			return false;
		if (core) {
			uint8_t k;
			size_t off = wb_reader_offset(r);
			if (!wb_read_u8(r, &k, d->err))
				return false;
			if (k != 0x12)
				return cm_rd_bad_byte(d->err, off, k, "instantiation arg kind");
			a->item.sort = CM_SORT_CORE_INSTANCE;
			if (!wb_read_u32(r, &a->item.idx, d->err))
				return false;
		} else if (!dec_sortidx(d, r, "component external kind", &a->item)) {
			return false;
		}
	}
	return true;
}

static bool dec_inline_exports(cm_dec *d, wb_reader *r, cm_instance_def *in, bool core)
{
	uint32_t n;
	if (!cm_rd_count(r, 3, &n, d->err))
		return false;
	in->exports = cm_rd_alloc(&d->c->arena, n, sizeof(cm_inline_export), r, d->err);
	if (!in->exports)
		return false;
	in->n = n;
	for (uint32_t i = 0; i < n; i++) {
		cm_inline_export *e = &in->exports[i];
		e->off = wb_reader_offset(r);
		if (core) {
			e->name.off = e->off;
			if (!cm_rd_name(r, &d->c->arena, &e->name.name, d->err) ||
			    !cm_dec_core_sort(d, r, "core external kind", &e->item.sort) ||
			    !wb_read_u32(r, &e->item.idx, d->err))
				return false;
		} else if (!cm_dec_extname(d, r, &e->name) ||
		           !dec_sortidx(d, r, "component external kind", &e->item)) {
			return false;
		}
	}
	return true;
}

static bool dec_instance(cm_dec *d, wb_reader *r, cm_def *def, bool core)
{
	uint8_t b;
	size_t off = wb_reader_offset(r);
	if (!wb_read_u8(r, &b, d->err))
		return false;
	cm_instance_def *in = &def->u.inst;
	if (b == 0x00) {
		in->instantiate = true;
		return wb_read_u32(r, &in->target, d->err) && dec_instance_args(d, r, in, core);
	}
	if (b == 0x01)
		return dec_inline_exports(d, r, in, core);
	return cm_rd_bad_byte(d->err, off, b, core ? "core instance" : "instance");
}

static bool dec_opts(cm_dec *d, wb_reader *r, cm_canon_opts *o)
{
	uint32_t n;
	if (!cm_rd_count(r, 1, &n, d->err))
		return false;
	for (uint32_t i = 0; i < n; i++) {
		uint8_t b;
		size_t off = wb_reader_offset(r);
		if (!wb_read_u8(r, &b, d->err))
			return false;
		switch (b) {
		case 0x00:
		case 0x01:
		case 0x02:
			if (o->has_encoding)
				return cmn_fail_at(d->err, off, "canonical encoding option `%s` conflicts with option `%s`",
				                   o->encoding == 0 ? "utf8" : o->encoding == 1 ? "utf16" : "latin1-utf16",
				                   b == 0 ? "utf8" : b == 1 ? "utf16" : "latin1-utf16");
			o->has_encoding = true;
			o->encoding = b;
			break;
		case 0x03:
			if (o->has_memory)
				return cmn_fail_at(d->err, off, "canonical option `memory` is specified more than once");
			o->has_memory = true;
			if (!wb_read_u32(r, &o->memory, d->err))
				return false;
			break;
		case 0x04:
			if (o->has_realloc)
				return cmn_fail_at(d->err, off, "canonical option `realloc` is specified more than once");
			o->has_realloc = true;
			if (!wb_read_u32(r, &o->realloc, d->err))
				return false;
			break;
		case 0x05:
			if (o->has_post_return)
				return cmn_fail_at(d->err, off, "canonical option `post-return` is specified more than once");
			o->has_post_return = true;
			if (!wb_read_u32(r, &o->post_return, d->err))
				return false;
			break;
		case 0x06:
			if (o->async)
				return cmn_fail_at(d->err, off, "canonical option `async` is specified more than once");
			o->async = true;
			break;
		case 0x07:
			if (o->has_callback)
				return cmn_fail_at(d->err, off, "canonical option `callback` is specified more than once");
			o->has_callback = true;
			if (!wb_read_u32(r, &o->callback, d->err))
				return false;
			break;
		default:
			return cm_rd_bad_byte(d->err, off, b, "canonical option");
		}
	}
	return true;
}

static bool dec_flag(cm_dec *d, wb_reader *r, bool *ret)
{
	uint8_t b;
	size_t off = wb_reader_offset(r);
	if (!wb_read_u8(r, &b, d->err))
		return false;
	if (b > 1)
		return cmn_fail_at(d->err, off, "invalid boolean value");
	*ret = b == 1;
	return true;
}

static bool dec_canon(cm_dec *d, wb_reader *r, cm_canon *c)
{
	uint8_t op;
	c->off = wb_reader_offset(r);
	if (!wb_read_u8(r, &op, d->err))
		return false;
	c->op = op;
	c->kind = CM_CANON_BUILTIN;
	switch (op) {
	case 0x00:
	case 0x01: {
		uint8_t k;
		size_t off = wb_reader_offset(r);
		if (!wb_read_u8(r, &k, d->err))
			return false;
		if (k != 0x00)
			return cm_rd_bad_byte(d->err, off, k,
			                      op == 0 ? "canonical function lift" : "canonical function lower");
		c->kind = op == 0 ? CM_CANON_LIFT : CM_CANON_LOWER;
		if (!wb_read_u32(r, &c->func, d->err) || !dec_opts(d, r, &c->opts))
			return false;
		return op == 0x01 || wb_read_u32(r, &c->type, d->err);
	}
	case 0x02:
	case 0x03:
	case 0x04:
		c->kind = op == 2 ? CM_CANON_RESOURCE_NEW : op == 3 ? CM_CANON_RESOURCE_DROP : CM_CANON_RESOURCE_REP;
		return wb_read_u32(r, &c->type, d->err);
	case 0x05: /* task.cancel */
	case 0x0d: /* subtask.drop */
	case 0x1e: /* error-context.drop */
	case 0x1f: /* waitable-set.new */
	case 0x22: /* waitable-set.drop */
	case 0x23: /* waitable.join */
	case 0x24: /* backpressure.inc */
	case 0x25: /* backpressure.dec */
	case 0x26: /* thread.index */
	case 0x28: /* thread.resume-later */
		return true;
	case 0x06: /* subtask.cancel async? */
	case 0x0c: /* thread.yield cancel? */
	case 0x29: /* thread.suspend cancel? */
	case 0x2a:
	case 0x2b:
	case 0x2c:
	case 0x2d:
	case 0x42: /* thread.available-parallelism shared? */
		return dec_flag(d, r, &c->flag);
	case 0x09: { /* task.return resultlist opts */
		uint8_t b;
		size_t off = wb_reader_offset(r);
		if (!wb_read_u8(r, &b, d->err))
			return false;
		if (b == 0x00) {
			c->has_result = true;
			if (!cm_dec_valtype(d, r, &c->result))
				return false;
		} else if (b == 0x01) {
			uint8_t z;
			size_t zoff = wb_reader_offset(r);
			if (!wb_read_u8(r, &z, d->err))
				return false;
			if (z != 0x00)
				return cm_rd_bad_byte(d->err, zoff, z, "number of results");
		} else {
			return cm_rd_bad_byte(d->err, off, b, "component function results");
		}
		return dec_opts(d, r, &c->opts);
	}
	case 0x0a: /* context.get/set t i */
	case 0x0b: {
		size_t off = wb_reader_offset(r);
		if (!wb_read_u8(r, &c->core_valtype, d->err))
			return false;
		if (c->core_valtype != RT_I32 && c->core_valtype != RT_I64)
			return cm_rd_bad_byte(d->err, off, c->core_valtype, "context type");
		return wb_read_u32(r, &c->index, d->err);
	}
	case 0x0e: /* stream.new t */
	case 0x13:
	case 0x14:
	case 0x15:
	case 0x1a:
	case 0x1b:
		return wb_read_u32(r, &c->type, d->err);
	case 0x0f: /* stream.read t opts */
	case 0x10:
	case 0x16:
	case 0x17:
		return wb_read_u32(r, &c->type, d->err) && dec_opts(d, r, &c->opts);
	case 0x11: /* cancel-read/write t async? */
	case 0x12:
	case 0x18:
	case 0x19:
		return wb_read_u32(r, &c->type, d->err) && dec_flag(d, r, &c->flag);
	case 0x1c: /* error-context.new opts */
	case 0x1d:
		return dec_opts(d, r, &c->opts);
	case 0x20: /* waitable-set.wait/poll cancel? memory */
	case 0x21:
		return dec_flag(d, r, &c->flag) && wb_read_u32(r, &c->index, d->err);
	case 0x27: /* thread.new-indirect ft tbl */
		return wb_read_u32(r, &c->type, d->err) && wb_read_u32(r, &c->index, d->err);
	case 0x40: /* thread.spawn-ref shared? ft */
		return dec_flag(d, r, &c->flag) && wb_read_u32(r, &c->type, d->err);
	case 0x41:
		return dec_flag(d, r, &c->flag) && wb_read_u32(r, &c->type, d->err) &&
		       wb_read_u32(r, &c->index, d->err);
	default:
		return cm_rd_bad_byte(d->err, c->off, op, "canonical function");
	}
}

static bool dec_start(cm_dec *d, wb_reader *r, cm_start *s)
{
	if (!wb_read_u32(r, &s->func, d->err) || !cm_rd_count(r, 1, &s->nargs, d->err))
		return false;
	s->args = cm_rd_alloc(&d->c->arena, s->nargs, sizeof(uint32_t), r, d->err);
	if (!s->args)
		return false;
	for (uint32_t i = 0; i < s->nargs; i++)
		if (!wb_read_u32(r, &s->args[i], d->err))
			return false;
	return wb_read_u32(r, &s->nresults, d->err);
}

static bool dec_export(cm_dec *d, wb_reader *r, cm_export *e)
{
	if (!cm_dec_extname(d, r, &e->name) || !dec_sortidx(d, r, "component external kind", &e->item))
		return false;
	uint8_t b;
	size_t off = wb_reader_offset(r);
	if (!wb_read_u8(r, &b, d->err))
		return false;
	if (b == 0x00)
		return true;
	if (b != 0x01)
		return cm_rd_bad_byte(d->err, off, b, "optional component export type");
	e->has_ext = true;
	return cm_dec_externtype(d, r, &e->ext);
}

/* Appends room for `n` more definitions. */
static cm_def *grow(cm_dec *d, cm_component *c, uint32_t *cap, uint32_t n, wb_reader *r)
{
	if (c->ndefs + (uint64_t)n > *cap) {
		uint64_t want = (uint64_t)*cap * 2 + n + 8;
		if (want > UINT32_MAX / 2) {
			cmn_fail_at(d->err, wb_reader_offset(r), "too many definitions");
			return NULL;
		}
		cm_def *nd = cm_rd_alloc(&d->c->arena, want, sizeof(cm_def), r, d->err);
		if (!nd)
			return NULL;
		if (c->ndefs)
			memcpy(nd, c->defs, c->ndefs * sizeof(cm_def));
		c->defs = nd;
		*cap = (uint32_t)want;
	}
	cm_def *out = &c->defs[c->ndefs];
	c->ndefs += n;
	return out;
}

static bool dec_preamble(cm_dec *d, wb_reader *r, bool nested)
{
	const uint8_t *p;
	size_t off = wb_reader_offset(r);
	if (wb_reader_left(r) < 4 || memcmp(r->p, "\0asm", 4) != 0) {
		if (wb_reader_left(r) < 4)
			return cmn_fail_at(d->err, off, CM_EOF_MSG);
		return cmn_fail_at(d->err, off, "magic header not detected");
	}
	r->p += 4;
	if (!wb_read_bytes(r, 4, &p, d->err))
		return false;
	if (p[2] == 0x00 && p[3] == 0x00 && p[0] == 0x01 && p[1] == 0x00)
		return cmn_fail_at(d->err, off + 4, "expected a version header for a component");
	if (p[2] != 0x01 || p[3] != 0x00)
		return cmn_fail_at(d->err, off + 4, "unknown binary version and encoding combination: 0x%x, 0x%x",
		                   p[0] | p[1] << 8, p[2] | p[3] << 8);
	if (p[0] != 0x0d || p[1] != 0x00)
		return cmn_fail_at(d->err, off + 4, "unknown binary version: 0x%x", p[0] | p[1] << 8);
	(void)nested;
	return true;
}

/* Checks a nested core module's preamble (its contents are the core
 * validator's). */
static bool check_core_preamble(cm_dec *d, const uint8_t *p, size_t n, size_t off)
{
	if (n < 8)
		return cmn_fail_at(d->err, off, CM_EOF_MSG);
	if (memcmp(p, "\0asm", 4) != 0)
		return cmn_fail_at(d->err, off, "magic header not detected");
	if (p[6] == 0x01 && p[7] == 0x00)
		return cmn_fail_at(d->err, off + 4, "expected a version header for a module");
	if (p[4] != 1 || p[5] != 0 || p[6] != 0 || p[7] != 0)
		return cmn_fail_at(d->err, off + 4, "unknown binary version");
	return true;
}

bool cm_dec_component(cm_dec *d, wb_reader *r, cm_component *c, unsigned depth)
{
	uint32_t cap = 0;
	c->bytes = d->bytes;
	c->size = d->size;
	c->off = wb_reader_offset(r);
	if (depth > CM_MAX_NESTING)
		return cmn_fail_at(d->err, c->off, "nesting too deep: components nested more than %d deep",
		                   CM_MAX_NESTING);
	if (!dec_preamble(d, r, depth > 0))
		return false;
	while (!wb_reader_done(r)) {
		uint8_t id;
		uint32_t size;
		size_t id_off = wb_reader_offset(r);
		if (!wb_read_u8(r, &id, d->err))
			return false;
		if (id > 12)
			return cmn_fail_at(d->err, id_off, "malformed section id");
		if (!wb_read_u32(r, &size, d->err))
			return false;
		wb_reader s;
		size_t body_off = wb_reader_offset(r);
		if (size > wb_reader_left(r))
			return cmn_fail_at(d->err, body_off, CM_EOF_MSG);
		if (!wb_reader_sub(r, size, &s, CM_EOF_MSG, d->err))
			return false;
		uint32_t n;
		cm_def *defs;
		switch (id) {
		case 0: {
			cm_str name;
			if (!cm_rd_name(&s, &d->c->arena, &name, d->err))
				return false;
			s.p = s.end;
			continue;
		}
		case 1:
			if (!check_core_preamble(d, s.p, size, body_off))
				return false;
			if (!(defs = grow(d, c, &cap, 1, &s)))
				return false;
			defs->kind = CM_DEF_CORE_MODULE;
			defs->off = body_off;
			defs->u.module.off = (uint32_t)body_off;
			defs->u.module.len = size;
			s.p = s.end;
			break;
		case 4: {
			if (!(defs = grow(d, c, &cap, 1, &s)))
				return false;
			defs->kind = CM_DEF_COMPONENT;
			defs->off = body_off;
			cm_component *sub = cm_rd_alloc(&d->c->arena, 1, sizeof(cm_component), &s, d->err);
			if (!sub)
				return false;
			defs->u.component = sub;
			if (!cm_dec_component(d, &s, sub, depth + 1))
				return false;
			sub->len = size;
			break;
		}
		case 9:
			if (!(defs = grow(d, c, &cap, 1, &s)))
				return false;
			defs->kind = CM_DEF_START;
			defs->off = body_off;
			if (!dec_start(d, &s, &defs->u.start))
				return false;
			break;
		case 12:
			return cmn_fail_at(d->err, id_off, "value definitions are not supported");
		default: {
			if (!cm_rd_count(&s, 1, &n, d->err))
				return false;
			if (n && !(defs = grow(d, c, &cap, n, &s)))
				return false;
			for (uint32_t i = 0; i < n; i++) {
				cm_def *def = &defs[i];
				def->off = wb_reader_offset(&s);
				bool ok = false;
				switch (id) {
				case 2:
					def->kind = CM_DEF_CORE_INSTANCE;
					ok = dec_instance(d, &s, def, true);
					break;
				case 3:
					def->kind = CM_DEF_CORE_TYPE;
					ok = cm_dec_core_type(d, &s, &def->u.core_type, true, depth);
					break;
				case 5:
					def->kind = CM_DEF_INSTANCE;
					ok = dec_instance(d, &s, def, false);
					break;
				case 6:
					def->kind = CM_DEF_ALIAS;
					ok = cm_dec_alias(d, &s, &def->u.alias);
					break;
				case 7:
					def->kind = CM_DEF_TYPE;
					ok = cm_dec_deftype(d, &s, &def->u.type, depth);
					break;
				case 8:
					def->kind = CM_DEF_CANON;
					ok = dec_canon(d, &s, &def->u.canon);
					break;
				case 10:
					def->kind = CM_DEF_IMPORT;
					ok = cm_dec_extname(d, &s, &def->u.import.name) &&
					     cm_dec_externtype(d, &s, &def->u.import.ext);
					break;
				case 11:
					def->kind = CM_DEF_EXPORT;
					ok = dec_export(d, &s, &def->u.export);
					break;
				}
				if (!ok)
					return false;
			}
			break;
		}
		}
		if (!wb_reader_done(&s))
			return cmn_fail_at(d->err, wb_reader_offset(&s),
			                   "unexpected content in the component section (section size mismatch)");
	}
	c->len = wb_reader_offset(r) - c->off;
	return true;
}

bool cm_decode(const uint8_t *bytes, size_t size, cm_component **ret, cmn_error *err)
{
	cmn_arena arena = {0};
	cm_component *c = cmn_arena_alloc(&arena, 1, sizeof(cm_component));
	if (!c) {
		cmn_arena_free(&arena);
		return cmn_fail(err, "out of memory");
	}
	c->arena = arena;
	cm_dec d = {.c = c, .bytes = bytes, .size = size, .err = err};
	wb_reader r;
	cm_rd_init(&r, bytes, size);
	if (!cm_dec_component(&d, &r, c, 0)) {
		cm_component_free(c);
		return false;
	}
	*ret = c;
	return true;
}
