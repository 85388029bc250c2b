/*
 * wb_instr.h - decode one WebAssembly instruction (opcode and immediates).
 *
 * The instruction set is the table in wb_ops.def: every opcode with its
 * text name, encoding, immediate kind, operand signature (for the simple
 * numeric, vector and memory instructions) and the feature it needs. This
 * header turns that table into an enum (WB_OP_*) and a per-opcode info
 * record, and offers a reader that decodes one instruction at a time from a
 * wb_reader into a wb_instr.
 *
 * The reader checks the binary format only: known opcodes (for the features
 * enabled), LEB128 limits, flag bytes, value and heap type encodings (type
 * indices in those against `ntypes`). Index spaces, alignment, lanes and
 * operand types are the validator's business (wb_code.h).
 *
 * Variable-length immediates (br_table targets, try_table catch clauses)
 * are not copied: the wb_instr points at their bytes and an iterator
 * decodes them again on demand. Nothing here allocates.
 *
 * Typical use:
 *
 *     wb_instr_cfg cfg = {features, mod->ntypes};
 *     wb_instr in;
 *     while (!wb_reader_done(&r)) {
 *             if (!wb_instr_read(&r, &cfg, &in, err))
 *                     return false;
 *             switch (in.op) { case WB_OP_I32_ADD: ... }
 *     }
 */
#ifndef WB_INSTR_H
#define WB_INSTR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmn_error.h"
#include "rt_types.h"
#include "wb_features.h"
#include "wb_reader.h"

/* Opcodes: WB_OP_UNREACHABLE ... ; 0 is "no such opcode". */
enum wb_op {
	WB_OP_ILLEGAL = 0,
#define WB_OP(id, name, prefix, code, imm, sig, arg, feat) WB_OP_##id,
#include "wb_ops.def"
#undef WB_OP
	WB_OP_COUNT
};

/* Operand signatures of wb_ops.def (WB_SIG_sp: no fixed signature). */
enum wb_sig {
#define WB_SIG(id, nin, i0, i1, i2, i3, nout, o0, o1) WB_SIG_##id,
#include "wb_ops.def"
#undef WB_SIG
	WB_SIG_COUNT
};

/* Immediate kinds: what follows the opcode, and which wb_instr.u member
 * holds it. */
enum wb_imm {
	WB_IMM_NONE,        /* nothing */
	WB_IMM_BLOCK,       /* u.block.bt: block type */
	WB_IMM_TRY_TABLE,   /* u.block: block type, then catch clauses */
	WB_IMM_LABEL,       /* u.idx: relative label depth */
	WB_IMM_BR_TABLE,    /* u.br_table: target labels and default */
	WB_IMM_FUNC,        /* u.idx: function index */
	WB_IMM_TYPE,        /* u.idx: type index */
	WB_IMM_TYPE_TABLE,  /* u.pair: x = type index, y = table index */
	WB_IMM_LOCAL,       /* u.idx: local index */
	WB_IMM_GLOBAL,      /* u.idx: global index */
	WB_IMM_TABLE,       /* u.idx: table index */
	WB_IMM_TABLE_TABLE, /* u.pair: x = destination, y = source table */
	WB_IMM_ELEM,        /* u.idx: element segment index */
	WB_IMM_ELEM_TABLE,  /* u.pair: x = element segment, y = table */
	WB_IMM_DATA,        /* u.idx: data segment index */
	WB_IMM_DATA_MEM,    /* u.pair: x = data segment, y = memory */
	WB_IMM_MEM,         /* u.idx: memory index */
	WB_IMM_MEM_MEM,     /* u.pair: x = destination, y = source memory */
	WB_IMM_MEMARG,      /* u.mem: memory, alignment, offset */
	WB_IMM_MEMARG_LANE, /* u.mem: memory, alignment, offset and lane */
	WB_IMM_I32,         /* u.i32 */
	WB_IMM_I64,         /* u.i64 */
	WB_IMM_F32,         /* u.f32: raw bits */
	WB_IMM_F64,         /* u.f64: raw bits */
	WB_IMM_V128,        /* u.bytes: 16 bytes, little-endian */
	WB_IMM_SHUFFLE,     /* u.bytes: 16 lane indices */
	WB_IMM_LANE,        /* u.lane: lane index */
	WB_IMM_SELECT_T,    /* u.select: result types of typed select */
	WB_IMM_HEAPTYPE,    /* u.heap: heap type (RT_HT_* or type index) */
	WB_IMM_TYPE_FIELD,  /* u.pair: x = struct type, y = field index */
	WB_IMM_TYPE_COUNT,  /* u.pair: x = array type, y = operand count */
	WB_IMM_TYPE_DATA,   /* u.pair: x = array type, y = data segment */
	WB_IMM_TYPE_ELEM,   /* u.pair: x = array type, y = element segment */
	WB_IMM_TYPE_TYPE,   /* u.pair: x = destination, y = source array type */
	WB_IMM_BR_ON_CAST,  /* u.cast: label and two reference types */
	WB_IMM_TAG,         /* u.idx: tag index */
	WB_IMM_ZERO,        /* a reserved zero byte, nothing stored */
	WB_IMM_COUNT
};

/* Address type placeholder in signatures: the i32 or i64 address type of
 * the memory the instruction names. Not a value type. */
#define WB_ADDR 0x01

/* Static facts about one opcode (indexed by enum wb_op). */
typedef struct wb_op_info {
	const char *name;   /* text mnemonic, "illegal" for WB_OP_ILLEGAL */
	uint8_t prefix;     /* 0, 0xFB, 0xFC, 0xFD or 0xFE */
	uint16_t code;      /* opcode byte or sub-opcode */
	uint8_t imm;        /* enum wb_imm */
	uint8_t sig;        /* enum wb_sig */
	uint8_t arg;        /* see ARG in wb_ops.def */
	wb_features feat;   /* feature flag required, 0 for Wasm 3.0 core */
} wb_op_info;

extern const wb_op_info wb_op_infos[WB_OP_COUNT];

/* An operand signature: types are rt_valtype kinds (RT_I32 ...) or
 * WB_ADDR. */
typedef struct wb_sig_info {
	uint8_t nin, nout;
	uint8_t in[4];
	uint8_t out[2];
} wb_sig_info;

extern const wb_sig_info wb_sig_infos[WB_SIG_COUNT];

static inline const wb_op_info *wb_op_get(unsigned op)
{
	return &wb_op_infos[op < WB_OP_COUNT ? op : WB_OP_ILLEGAL];
}

/* Block types. */
enum {
	WB_BT_EMPTY = 0, /* 0x40: [] -> [] */
	WB_BT_VAL = 1,   /* a single value type: [] -> [t] */
	WB_BT_TYPE = 2,  /* a type index (of a function type, checked later) */
};

typedef struct wb_blocktype {
	uint8_t kind;   /* WB_BT_* */
	rt_valtype val; /* WB_BT_VAL */
	uint32_t type;  /* WB_BT_TYPE */
} wb_blocktype;

typedef struct wb_memarg {
	uint32_t mem;    /* memory index (0 unless flag bit 6 was set) */
	uint32_t align;  /* log2 of the alignment hint, 0..63 */
	uint64_t offset; /* u64 in the binary; the validator checks it fits
	                    a 32-bit memory */
	uint8_t lane;    /* MEMARG_LANE only */
} wb_memarg;

/* try_table catch clause kinds (the binary codes). */
enum {
	WB_CATCH = 0,
	WB_CATCH_REF = 1,
	WB_CATCH_ALL = 2,
	WB_CATCH_ALL_REF = 3,
};

typedef struct wb_catch {
	uint8_t kind;   /* WB_CATCH* */
	uint32_t tag;   /* WB_CATCH and WB_CATCH_REF */
	uint32_t label;
} wb_catch;

/* One decoded instruction. Only the member named by the opcode's immediate
 * kind is set. Pointers point into the reader's input. */
typedef struct wb_instr {
	uint16_t op;   /* enum wb_op, never WB_OP_ILLEGAL after a read */
	size_t offset; /* absolute offset of the first opcode byte */
	union {
		uint32_t idx;
		struct {
			uint32_t x, y;
		} pair;
		wb_memarg mem;
		int32_t i32;
		int64_t i64;
		uint32_t f32;
		uint64_t f64;
		uint8_t bytes[16];
		uint8_t lane;
		uint32_t heap;
		struct {
			uint32_t count;  /* number of types; valid code has 1 */
			rt_valtype type; /* the first one, if count >= 1 */
		} select;
		struct {
			wb_blocktype bt;
			uint32_t ncatches;      /* TRY_TABLE */
			const uint8_t *catches; /* TRY_TABLE: first clause */
		} block;
		struct {
			uint32_t count;         /* targets before the default */
			uint32_t deflt;         /* default label */
			const uint8_t *targets; /* first target's LEB128 */
		} br_table;
		struct {
			uint32_t label;
			rt_valtype from; /* rt1: the operand's type */
			rt_valtype to;   /* rt2: the type cast to */
		} cast;
	} u;
} wb_instr;

typedef struct wb_instr_cfg {
	wb_features features; /* opcodes of disabled features are illegal */
	uint32_t ntypes;      /* type indices inside value/heap types must be
	                         below this ("unknown type"); UINT32_MAX when
	                         unknown */
} wb_instr_cfg;

/* Decodes the instruction at r's position and advances r past it.
 * Fails with "illegal opcode XX" (XX in hex; "illegal opcode fd 9a" for a
 * prefixed one), "unexpected end" (or r's eof_msg), the LEB128 messages,
 * "malformed memop flags", "malformed catch clause", "malformed br_on_cast
 * flags", "zero byte expected", "malformed value type" / "malformed heap
 * type" and "unknown type N", each at the offset of the offending bytes. */
bool wb_instr_read(wb_reader *r, const wb_instr_cfg *cfg, wb_instr *ret,
                   cmn_error *err);

/* Iterates over the list immediates of an instruction already read (their
 * encoding was checked then, so iteration cannot fail). */
typedef struct wb_instr_iter {
	const uint8_t *p;
	uint32_t left;
} wb_instr_iter;

/* br_table: the `count` targets, then stops (the default is in
 * u.br_table.deflt). */
void wb_br_table_begin(const wb_instr *in, wb_instr_iter *it);
bool wb_br_table_next(wb_instr_iter *it, uint32_t *ret_label);

/* try_table: the catch clauses in order. */
void wb_catches_begin(const wb_instr *in, wb_instr_iter *it);
bool wb_catches_next(wb_instr_iter *it, wb_catch *ret);

/* The text name of an opcode ("i32.add"). */
static inline const char *wb_op_name(unsigned op)
{
	return wb_op_get(op)->name;
}

#endif
