/*
 * wb_instr.c - the instruction table (from wb_ops.def) and the instruction
 * reader.
 */
#include "wb_instr.h"

#include <string.h>

#include "wb_types.h"

/* Feature column of wb_ops.def -> wb_features bit. */
#define WB_FEATBIT_CORE 0u
#define WB_FEATBIT_THREADS ((wb_features)WB_FEAT_THREADS)
#define WB_FEATBIT_LEGACY_EH ((wb_features)WB_FEAT_LEGACY_EH)
#define WB_FEATBIT_WIDE_ARITH ((wb_features)WB_FEAT_WIDE_ARITH)

const wb_op_info wb_op_infos[WB_OP_COUNT] = {
	[WB_OP_ILLEGAL] = {"illegal", 0, 0, WB_IMM_NONE, WB_SIG_sp, 0, 0},
#define WB_OP(id, name, prefix, code, imm, sig, arg, feat)                \
	[WB_OP_##id] = {name, prefix, code, WB_IMM_##imm, WB_SIG_##sig, arg, \
	                WB_FEATBIT_##feat},
#include "wb_ops.def"
#undef WB_OP
};

/* Signature type column -> rt_valtype kind. */
#define WB_SIGT_X 0
#define WB_SIGT_I32 RT_I32
#define WB_SIGT_I64 RT_I64
#define WB_SIGT_F32 RT_F32
#define WB_SIGT_F64 RT_F64
#define WB_SIGT_V128 RT_V128
#define WB_SIGT_ADDR WB_ADDR

const wb_sig_info wb_sig_infos[WB_SIG_COUNT] = {
#define WB_SIG(id, nin, i0, i1, i2, i3, nout, o0, o1)                      \
	[WB_SIG_##id] = {nin, nout,                                         \
	                 {WB_SIGT_##i0, WB_SIGT_##i1, WB_SIGT_##i2,          \
	                  WB_SIGT_##i3},                                     \
	                 {WB_SIGT_##o0, WB_SIGT_##o1}},
#include "wb_ops.def"
#undef WB_SIG
};

/* Opcode lookup: one flat table keyed by prefix slot and code. Sub-opcodes
 * after 0xFD go up to 0x113; the others stay below 0x100. */
#define KEY_FB 0x100
#define KEY_FC 0x200
#define KEY_FD 0x300
#define KEY_FE 0x500
#define KEY_END 0x600
#define OP_KEY(prefix, code)                                              \
	(((prefix) == 0x00   ? 0                                          \
	  : (prefix) == 0xFB ? KEY_FB                                     \
	  : (prefix) == 0xFC ? KEY_FC                                     \
	  : (prefix) == 0xFD ? KEY_FD                                     \
	                     : KEY_FE) +                                  \
	 (code))

static const uint16_t op_by_key[KEY_END] = {
#define WB_OP(id, name, prefix, code, imm, sig, arg, feat) \
	[OP_KEY(prefix, code)] = WB_OP_##id,
#include "wb_ops.def"
#undef WB_OP
};

/* ---------------------------------------------------------------------------
 * Immediates
 */

static bool read_blocktype(wb_reader *r, const wb_instr_cfg *cfg,
                           wb_blocktype *bt, cmn_error *err)
{
	size_t at = wb_reader_offset(r);
	int64_t v;

	if (wb_reader_done(r))
		return cmn_fail_at(err, at, "%s",
		                   r->eof_msg ? r->eof_msg : "unexpected end");
	if (*r->p == 0x40) {
		r->p++;
		bt->kind = WB_BT_EMPTY;
		return true;
	}
	if ((*r->p & 0xC0) == 0x40) {
		/* A one-byte negative s33: a value type code. */
		bt->kind = WB_BT_VAL;
		return wb_read_valtype(r, cfg->ntypes, &bt->val, err);
	}
	if (!wb_read_s33(r, &v, err))
		return false;
	if (v < 0)
		return cmn_fail_at(err, at, "malformed type index");
	bt->kind = WB_BT_TYPE;
	bt->type = (uint32_t)v;
	return true;
}

static bool read_memarg(wb_reader *r, wb_memarg *m, cmn_error *err)
{
	size_t at = wb_reader_offset(r);
	uint32_t flags;

	if (!wb_read_u32(r, &flags, err))
		return false;
	if (flags >= 0x80)
		return cmn_fail_at(err, at, "malformed memop flags");
	m->mem = 0;
	if ((flags & 0x40) && !wb_read_u32(r, &m->mem, err))
		return false;
	m->align = flags & 0x3F;
	return wb_read_u64(r, &m->offset, err);
}

static bool read_pair(wb_reader *r, wb_instr *in, cmn_error *err)
{
	return wb_read_u32(r, &in->u.pair.x, err) &&
	       wb_read_u32(r, &in->u.pair.y, err);
}

static bool read_select_t(wb_reader *r, const wb_instr_cfg *cfg,
                          wb_instr *in, cmn_error *err)
{
	uint32_t i, n;
	rt_valtype t;

	if (!wb_read_count(r, 1, &n, err))
		return false;
	in->u.select.count = n;
	in->u.select.type = rt_valtype_num(RT_BOT);
	for (i = 0; i < n; i++) {
		if (!wb_read_valtype(r, cfg->ntypes, &t, err))
			return false;
		if (i == 0)
			in->u.select.type = t;
	}
	return true;
}

static bool read_catches(wb_reader *r, wb_instr *in, cmn_error *err)
{
	uint32_t i, n, u;
	uint8_t kind;

	if (!wb_read_count(r, 2, &n, err))
		return false;
	in->u.block.ncatches = n;
	in->u.block.catches = r->p;
	for (i = 0; i < n; i++) {
		size_t at = wb_reader_offset(r);
		if (!wb_read_u8(r, &kind, err))
			return false;
		if (kind > WB_CATCH_ALL_REF)
			return cmn_fail_at(err, at, "malformed catch clause");
		if (kind <= WB_CATCH_REF && !wb_read_u32(r, &u, err))
			return false;
		if (!wb_read_u32(r, &u, err))
			return false;
	}
	return true;
}

static bool read_br_table(wb_reader *r, wb_instr *in, cmn_error *err)
{
	uint32_t i, n, u;

	if (!wb_read_count(r, 1, &n, err))
		return false;
	in->u.br_table.count = n;
	in->u.br_table.targets = r->p;
	for (i = 0; i < n; i++)
		if (!wb_read_u32(r, &u, err))
			return false;
	return wb_read_u32(r, &in->u.br_table.deflt, err);
}

static bool read_br_on_cast(wb_reader *r, const wb_instr_cfg *cfg,
                            wb_instr *in, cmn_error *err)
{
	size_t at = wb_reader_offset(r);
	uint32_t h1, h2;
	uint8_t flags;

	if (!wb_read_u8(r, &flags, err))
		return false;
	if (flags & ~3u)
		return cmn_fail_at(err, at, "malformed br_on_cast flags");
	if (!wb_read_u32(r, &in->u.cast.label, err) ||
	    !wb_read_heaptype(r, cfg->ntypes, &h1, err) ||
	    !wb_read_heaptype(r, cfg->ntypes, &h2, err))
		return false;
	in->u.cast.from = rt_valtype_ref(flags & 1, h1);
	in->u.cast.to = rt_valtype_ref(flags & 2, h2);
	return true;
}

static bool read_imm(wb_reader *r, const wb_instr_cfg *cfg, unsigned imm,
                     wb_instr *in, cmn_error *err)
{
	const uint8_t *p;
	size_t at;
	uint8_t b;

	switch (imm) {
	case WB_IMM_NONE:
		return true;
	case WB_IMM_BLOCK:
		return read_blocktype(r, cfg, &in->u.block.bt, err);
	case WB_IMM_TRY_TABLE:
		return read_blocktype(r, cfg, &in->u.block.bt, err) &&
		       read_catches(r, in, err);
	case WB_IMM_LABEL:
	case WB_IMM_FUNC:
	case WB_IMM_TYPE:
	case WB_IMM_LOCAL:
	case WB_IMM_GLOBAL:
	case WB_IMM_TABLE:
	case WB_IMM_ELEM:
	case WB_IMM_DATA:
	case WB_IMM_MEM:
	case WB_IMM_TAG:
		return wb_read_u32(r, &in->u.idx, err);
	case WB_IMM_TYPE_TABLE:
	case WB_IMM_TABLE_TABLE:
	case WB_IMM_ELEM_TABLE:
	case WB_IMM_DATA_MEM:
	case WB_IMM_MEM_MEM:
	case WB_IMM_TYPE_FIELD:
	case WB_IMM_TYPE_COUNT:
	case WB_IMM_TYPE_DATA:
	case WB_IMM_TYPE_ELEM:
	case WB_IMM_TYPE_TYPE:
		return read_pair(r, in, err);
	case WB_IMM_BR_TABLE:
		return read_br_table(r, in, err);
	case WB_IMM_MEMARG:
		return read_memarg(r, &in->u.mem, err);
	case WB_IMM_MEMARG_LANE:
		return read_memarg(r, &in->u.mem, err) &&
		       wb_read_u8(r, &in->u.mem.lane, err);
	case WB_IMM_I32:
		return wb_read_s32(r, &in->u.i32, err);
	case WB_IMM_I64:
		return wb_read_s64(r, &in->u.i64, err);
	case WB_IMM_F32:
		return wb_read_f32(r, &in->u.f32, err);
	case WB_IMM_F64:
		return wb_read_f64(r, &in->u.f64, err);
	case WB_IMM_V128:
	case WB_IMM_SHUFFLE:
		if (!wb_read_bytes(r, 16, &p, err))
			return false;
		memcpy(in->u.bytes, p, 16);
		return true;
	case WB_IMM_LANE:
		return wb_read_u8(r, &in->u.lane, err);
	case WB_IMM_SELECT_T:
		return read_select_t(r, cfg, in, err);
	case WB_IMM_HEAPTYPE:
		return wb_read_heaptype(r, cfg->ntypes, &in->u.heap, err);
	case WB_IMM_BR_ON_CAST:
		return read_br_on_cast(r, cfg, in, err);
	case WB_IMM_ZERO:
		at = wb_reader_offset(r);
		if (!wb_read_u8(r, &b, err))
			return false;
		if (b != 0)
			return cmn_fail_at(err, at, "zero byte expected");
		return true;
	default:
		return cmn_fail_at(err, wb_reader_offset(r),
		                   "internal error: immediate kind %u", imm);
	}
}

bool wb_instr_read(wb_reader *r, const wb_instr_cfg *cfg, wb_instr *ret,
                   cmn_error *err)
{
	size_t at = wb_reader_offset(r);
	const wb_op_info *info;
	uint32_t sub, key;
	unsigned op;
	uint8_t b;

	if (r->p >= r->end)
		return cmn_fail_at(err, at, "%s",
		                   r->eof_msg ? r->eof_msg : "unexpected end");
	b = *r->p++;
	ret->offset = at;
	if (b < 0xFB) {
		op = op_by_key[b];
		if (op == WB_OP_ILLEGAL)
			return cmn_fail_at(err, at, "illegal opcode %02x", b);
	} else {
		if (b == 0xFF)
			return cmn_fail_at(err, at, "illegal opcode %02x", b);
		if (!wb_read_u32(r, &sub, err))
			return false;
		switch (b) {
		case 0xFB:
			key = KEY_FB;
			break;
		case 0xFC:
			key = KEY_FC;
			break;
		case 0xFD:
			key = KEY_FD;
			break;
		default:
			key = KEY_FE;
			break;
		}
		op = WB_OP_ILLEGAL;
		if (sub < (b == 0xFD ? 0x200u : 0x100u))
			op = op_by_key[key + sub];
		if (op == WB_OP_ILLEGAL)
			return cmn_fail_at(err, at, "illegal opcode %02x %02x", b,
			                   sub);
	}
	info = &wb_op_infos[op];
	if (info->feat != 0 && !(cfg->features & info->feat)) {
		if (info->prefix == 0)
			return cmn_fail_at(err, at, "illegal opcode %02x", b);
		return cmn_fail_at(err, at, "illegal opcode %02x %02x", b,
		                   info->code);
	}
	ret->op = (uint16_t)op;
	return read_imm(r, cfg, info->imm, ret, err);
}

/* ---------------------------------------------------------------------------
 * List iterators
 */

/* Decodes a u32 LEB128 already checked by wb_instr_read. */
static uint32_t leb_u32(const uint8_t **pp)
{
	const uint8_t *p = *pp;
	uint32_t v = 0;
	unsigned shift = 0;
	uint8_t b;

	do {
		b = *p++;
		if (shift < 32)
			v |= (uint32_t)(b & 0x7F) << shift;
		shift += 7;
	} while (b & 0x80);
	*pp = p;
	return v;
}

void wb_br_table_begin(const wb_instr *in, wb_instr_iter *it)
{
	it->p = in->u.br_table.targets;
	it->left = in->u.br_table.count;
}

bool wb_br_table_next(wb_instr_iter *it, uint32_t *ret_label)
{
	if (it->left == 0)
		return false;
	it->left--;
	*ret_label = leb_u32(&it->p);
	return true;
}

void wb_catches_begin(const wb_instr *in, wb_instr_iter *it)
{
	it->p = in->u.block.catches;
	it->left = in->u.block.ncatches;
}

bool wb_catches_next(wb_instr_iter *it, wb_catch *ret)
{
	if (it->left == 0)
		return false;
	it->left--;
	ret->kind = *it->p++;
	ret->tag = 0;
	if (ret->kind <= WB_CATCH_REF)
		ret->tag = leb_u32(&it->p);
	ret->label = leb_u32(&it->p);
	return true;
}
