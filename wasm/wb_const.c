#include "wb_const.h"

#include <string.h>

#include "wb_reader.h"

bool wb_const_lower(rt_module *mod, rt_range expr, rt_constexpr *out,
                    cmn_error *err)
{
	wb_reader r;
	uint32_t n = 0;

	memset(out, 0, sizeof *out);
	if ((size_t)expr.off + expr.len > mod->size)
		return cmn_fail(err, "constant expression out of range");
	/* At most one op per byte. */
	out->ops = cmn_arena_alloc(&mod->arena, expr.len ? expr.len : 1,
	                           sizeof(rt_ceop));
	if (!out->ops)
		return cmn_fail(err, "out of memory");
	wb_reader_init(&r, mod->bytes, mod->size);
	r.p = mod->bytes + expr.off;
	r.end = r.p + expr.len;
	while (!wb_reader_done(&r)) {
		uint8_t op;
		uint32_t u;
		int32_t s32;
		int64_t s64;
		const uint8_t *p;
		rt_ceop *o = &out->ops[n];

		memset(o, 0, sizeof *o);
		if (!wb_read_u8(&r, &op, err))
			return false;
		switch (op) {
		case 0x0B: /* end */
			out->nops = n;
			return n > 0 ? true : cmn_fail(err, "empty constant expression");
		case 0x41:
			if (!wb_read_s32(&r, &s32, err))
				return false;
			o->op = RT_CE_I32_CONST;
			o->imm.i32 = s32;
			break;
		case 0x42:
			if (!wb_read_s64(&r, &s64, err))
				return false;
			o->op = RT_CE_I64_CONST;
			o->imm.i64 = s64;
			break;
		case 0x43:
			if (!wb_read_bytes(&r, 4, &p, err))
				return false;
			o->op = RT_CE_F32_CONST;
			memcpy(&o->imm.f32_bits, p, 4);
			break;
		case 0x44:
			if (!wb_read_bytes(&r, 8, &p, err))
				return false;
			o->op = RT_CE_F64_CONST;
			memcpy(&o->imm.f64_bits, p, 8);
			break;
		case 0xD0:
			if (!wb_read_s33(&r, &s64, err))
				return false;
			o->op = RT_CE_REF_NULL;
			o->index = (uint32_t)s64;
			break;
		case 0xD2:
			if (!wb_read_u32(&r, &u, err))
				return false;
			o->op = RT_CE_REF_FUNC;
			o->index = u;
			break;
		case 0x23:
			if (!wb_read_u32(&r, &u, err))
				return false;
			o->op = RT_CE_GLOBAL_GET;
			o->index = u;
			break;
		case 0x6A: o->op = RT_CE_I32_ADD; break;
		case 0x6B: o->op = RT_CE_I32_SUB; break;
		case 0x6C: o->op = RT_CE_I32_MUL; break;
		case 0x7C: o->op = RT_CE_I64_ADD; break;
		case 0x7D: o->op = RT_CE_I64_SUB; break;
		case 0x7E: o->op = RT_CE_I64_MUL; break;
		case 0xFD:
			if (!wb_read_u32(&r, &u, err))
				return false;
			if (u != 12)
				return cmn_fail(err, "unsupported constant expression");
			if (!wb_read_bytes(&r, 16, &p, err))
				return false;
			o->op = RT_CE_V128_CONST;
			memcpy(o->imm.v128, p, 16);
			break;
		case 0xFB: /* struct.new, array.new, ref.i31, any/extern conversions */
			return cmn_fail(err, "unsupported feature: gc (constant expression)");
		default:
			return cmn_fail(err, "unsupported constant expression (opcode 0x%02x)", op);
		}
		n++;
	}
	return cmn_fail(err, "constant expression without end");
}

bool wb_const_lower_module(rt_module *mod, rt_consts *out, cmn_error *err)
{
	memset(out, 0, sizeof *out);
	out->globals = cmn_arena_alloc(&mod->arena, mod->nglobals + 1, sizeof(rt_constexpr));
	out->tables = cmn_arena_alloc(&mod->arena, mod->ntables + 1, sizeof(rt_constexpr));
	out->elem_offsets = cmn_arena_alloc(&mod->arena, mod->nelems + 1, sizeof(rt_constexpr));
	out->elem_items = cmn_arena_alloc(&mod->arena, mod->nelems + 1, sizeof(rt_constexpr *));
	out->data_offsets = cmn_arena_alloc(&mod->arena, mod->ndatas + 1, sizeof(rt_constexpr));
	if (!out->globals || !out->tables || !out->elem_offsets || !out->elem_items ||
	    !out->data_offsets)
		return cmn_fail(err, "out of memory");
	for (uint32_t i = mod->nglobals_imported; i < mod->nglobals; i++)
		if (!wb_const_lower(mod, mod->globals[i].init, &out->globals[i], err))
			return false;
	for (uint32_t i = mod->ntables_imported; i < mod->ntables; i++)
		if (mod->tables[i].has_init &&
		    !wb_const_lower(mod, mod->tables[i].init, &out->tables[i], err))
			return false;
	for (uint32_t i = 0; i < mod->nelems; i++) {
		const rt_elem *e = &mod->elems[i];
		if (e->mode == RT_SEG_ACTIVE &&
		    !wb_const_lower(mod, e->offset, &out->elem_offsets[i], err))
			return false;
		if (e->exprs) {
			out->elem_items[i] = cmn_arena_alloc(&mod->arena, e->count + 1,
			                                     sizeof(rt_constexpr));
			if (!out->elem_items[i])
				return cmn_fail(err, "out of memory");
			for (uint32_t k = 0; k < e->count; k++)
				if (!wb_const_lower(mod, e->exprs[k], &out->elem_items[i][k], err))
					return false;
		}
	}
	for (uint32_t i = 0; i < mod->ndatas; i++)
		if (mod->datas[i].mode == RT_SEG_ACTIVE &&
		    !wb_const_lower(mod, mod->datas[i].offset, &out->data_offsets[i], err))
			return false;
	return true;
}
