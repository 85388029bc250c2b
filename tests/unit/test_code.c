/*
 * test_code.c - the instruction reader (wb_instr.h) and the function body /
 * constant expression validator (wb_code.h), on small modules assembled
 * here: typing rules and their messages, local initialisation, immediates,
 * encodings that end early or run on, feature-gated opcodes.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt_module.h"
#include "wb_code.h"
#include "wb_decode.h"
#include "wb_instr.h"
#include "wb_validate.h"
#include "test_builder.h"

/* ---------------------------------------------------------------------------
 * Assembling modules
 */

#define SECTION(b, id, ...)                                        \
	do {                                                       \
		static const uint8_t s_[] = {__VA_ARGS__};         \
		put_section(b, id, s_, sizeof(s_));                \
	} while (0)

/* Types of the test module:
 *   0 [] -> []            1 [i32] -> [i32]        2 [] -> [i32]
 *   3 [i32 i32] -> [i32]  4 struct (mut i32) i8   5 array (mut i8)
 *   6 array i64           7 [i64] -> []           8 [] -> [(ref 0)]
 *   9 [i32] -> [] (tag)   10 [] -> [i64] */
static const uint8_t TYPES[] = {
	11,
	0x60, 0, 0,
	0x60, 1, 0x7F, 1, 0x7F,
	0x60, 0, 1, 0x7F,
	0x60, 2, 0x7F, 0x7F, 1, 0x7F,
	0x5F, 2, 0x7F, 1, 0x78, 0,
	0x5E, 0x78, 1,
	0x5E, 0x7E, 0,
	0x60, 1, 0x7E, 0,
	0x60, 0, 1, 0x64, 0,
	0x60, 1, 0x7F, 0,
	0x60, 0, 1, 0x7E,
};

typedef struct opts {
	uint32_t type;      /* type of function 0 */
	bool no_declare;    /* omit `elem declare func 0` */
	bool no_datacount;  /* omit the data count section */
	wb_features feat;   /* 0: WB_FEAT_DEFAULT */
} opts;

/* A module with function 0 of type o->type and body `body` (locals and
 * instructions, without the size), two tables (funcref; externref i64),
 * two memories (i32; i64), tag 0 [i32], globals 0 (mut i32) and 1 (i32),
 * one passive data segment. */
static void build(buf *m, const opts *o, const uint8_t *body, size_t n)
{
	buf code = {0};

	put(m, "\0asm\1\0\0\0", 8);
	put_section(m, 1, TYPES, sizeof(TYPES));
	put_byte(m, 3);
	put_byte(m, 2);
	put_byte(m, 1);
	put_byte(m, (uint8_t)o->type);
	SECTION(m, 4, 2, 0x70, 0x00, 1, 0x6F, 0x04, 1);
	SECTION(m, 5, 2, 0x00, 1, 0x04, 1);
	SECTION(m, 13, 1, 0, 9);
	SECTION(m, 6, 2, 0x7F, 1, 0x41, 0, 0x0B, 0x7F, 0, 0x41, 0, 0x0B);
	if (!o->no_declare)
		SECTION(m, 9, 1, 3, 0, 1, 0);
	if (!o->no_datacount)
		SECTION(m, 12, 1);
	put_byte(&code, 1);
	put_u32(&code, (uint32_t)n);
	put(&code, body, n);
	put_section(m, 10, code.p, code.n);
	free(code.p);
	SECTION(m, 11, 1, 1, 1, 'a');
}

static char last_msg[CMN_ERROR_MSG_MAX];

/* Decodes and validates; returns NULL when valid, else the message. */
static const char *check_opts(const opts *o, const uint8_t *body, size_t n)
{
	wb_features feat = o->feat ? o->feat : WB_FEAT_DEFAULT;
	rt_module *mod = NULL;
	cmn_error err;
	buf m = {0};
	bool ok;

	cmn_error_clear(&err);
	build(&m, o, body, n);
	ok = wb_decode(m.p, m.n, feat, &mod, &err) &&
	     wb_validate(mod, feat, &err);
	rt_module_free(mod);
	free(m.p);
	if (ok)
		return NULL;
	snprintf(last_msg, sizeof(last_msg), "%s", err.msg);
	return last_msg;
}

#define CHECK_T(type_, ...)                                              \
	({                                                               \
		static const uint8_t b_[] = {__VA_ARGS__};               \
		opts o_ = {type_, false, false, 0};                      \
		check_opts(&o_, b_, sizeof(b_));                         \
	})

#define CHECK(...) CHECK_T(0, __VA_ARGS__)

#define CHECK_O(o, ...)                                                  \
	({                                                               \
		static const uint8_t b_[] = {__VA_ARGS__};               \
		check_opts(&(o), b_, sizeof(b_));                        \
	})

static void expect_ok(const char *msg)
{
	cr_expect_null(msg, "unexpected error: %s", msg ? msg : "");
}

static void expect_err(const char *msg, const char *prefix)
{
	cr_expect_not_null(msg, "accepted, expected \"%s\"", prefix);
	if (msg != NULL)
		cr_expect(strncmp(msg, prefix, strlen(prefix)) == 0,
		          "got \"%s\", expected \"%s\"", msg, prefix);
}

#define V128_ZERO 0xFD, 0x0C, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0

/* ---------------------------------------------------------------------------
 * Basic typing
 */

Test(code, empty_body)
{
	expect_ok(CHECK(0, 0x0B));
}

Test(code, operand_types_in_message)
{
	expect_err(CHECK(0, 0x41, 0, 0x42, 0, 0x6A, 0x1A, 0x0B),
	           "type mismatch: instruction requires [i32 i32] but stack "
	           "has [i32 i64]");
	expect_err(CHECK(0, 0x6A, 0x0B),
	           "type mismatch: instruction requires [i32 i32] but stack "
	           "has []");
}

Test(code, results_at_end)
{
	expect_err(CHECK(0, 0x41, 0, 0x0B),
	           "type mismatch: block requires [] but stack has [i32]");
	expect_err(CHECK_T(2, 0, 0x0B),
	           "type mismatch: instruction requires [i32] but stack has []");
	expect_ok(CHECK_T(2, 0, 0x41, 7, 0x0B));
	expect_ok(CHECK_T(1, 0, 0x20, 0, 0x0B));
}

Test(code, unreachable_is_polymorphic)
{
	/* unreachable; i32.add; drop; then an i64 result from nothing */
	expect_ok(CHECK(0, 0x00, 0x6A, 0x1A, 0x0B));
	expect_ok(CHECK_T(10, 0, 0x00, 0x0B));
	expect_ok(CHECK_T(2, 0, 0x00, 0x1B, 0x0B));
	/* an operand that is there must still have the right type */
	expect_err(CHECK(0, 0x00, 0x42, 0, 0x6A, 0x0B),
	           "type mismatch: instruction requires [i32 i32] but stack "
	           "has [bot i64]");
}

Test(code, locals)
{
	expect_err(CHECK(0, 0x20, 4, 0x0B), "unknown local 4");
	expect_err(CHECK(1, 2, 0x7F, 0x20, 3, 0x0B), "unknown local 3");
	expect_ok(CHECK(1, 2, 0x7E, 0x20, 1, 0x1A, 0x0B));
	expect_err(CHECK(1, 2, 0x7E, 0x41, 0, 0x21, 0, 0x0B),
	           "type mismatch");
	/* local.tee pushes the local's type */
	expect_ok(CHECK_T(2, 1, 1, 0x7F, 0x41, 1, 0x22, 0, 0x0B));
}

Test(code, non_defaultable_locals)
{
	/* (local (ref 0)) read before set */
	expect_err(CHECK(1, 1, 0x64, 0, 0x20, 0, 0x1A, 0x0B),
	           "uninitialized local");
	/* set from ref.func 0 (type 0), then read */
	expect_ok(CHECK(1, 1, 0x64, 0, 0xD2, 0, 0x21, 0, 0x20, 0, 0x1A, 0x0B));
	/* set inside a block: unset again after its end */
	expect_err(CHECK(1, 1, 0x64, 0, 0x02, 0x40, 0xD2, 0, 0x21, 0, 0x0B,
	                 0x20, 0, 0x1A, 0x0B),
	           "uninitialized local");
	/* ... but set inside the block it is readable there */
	expect_ok(CHECK(1, 1, 0x64, 0, 0x02, 0x40, 0xD2, 0, 0x21, 0, 0x20, 0,
	                0x1A, 0x0B, 0x0B));
	/* then-branch sets, else-branch reads */
	expect_err(CHECK(1, 1, 0x64, 0, 0x41, 0, 0x04, 0x40, 0xD2, 0, 0x21, 0,
	                 0x05, 0x20, 0, 0x1A, 0x0B, 0x0B),
	           "uninitialized local");
	/* nullable references are defaultable */
	expect_ok(CHECK(1, 1, 0x63, 0, 0x20, 0, 0x1A, 0x0B));
}

Test(code, too_many_locals)
{
	expect_err(CHECK(2, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x7F, 2, 0x7E, 0x0B),
	           "too many locals");
	/* 50000 is the limit, parameters included */
	expect_ok(CHECK(1, 0xD0, 0x86, 0x03, 0x7F, 0x0B));
	expect_err(CHECK(1, 0xD1, 0x86, 0x03, 0x7F, 0x0B), "too many locals");
	expect_err(CHECK_T(1, 1, 0xD0, 0x86, 0x03, 0x7F, 0x20, 0, 0x0B),
	           "too many locals");
}

Test(code, globals)
{
	expect_ok(CHECK(0, 0x41, 1, 0x24, 0, 0x0B));
	expect_err(CHECK(0, 0x41, 1, 0x24, 1, 0x0B), "immutable global");
	expect_err(CHECK(0, 0x23, 2, 0x1A, 0x0B), "unknown global 2");
}

Test(code, select)
{
	expect_ok(CHECK(0, 0x41, 1, 0x41, 2, 0x41, 0, 0x1B, 0x1A, 0x0B));
	expect_err(CHECK(0, 0xD0, 0x70, 0xD0, 0x70, 0x41, 0, 0x1B, 0x1A, 0x0B),
	           "type mismatch: instruction requires numeric or vector "
	           "type but stack has (ref null func)");
	/* typed select takes references */
	expect_ok(CHECK(0, 0xD0, 0x70, 0xD0, 0x70, 0x41, 0, 0x1C, 1, 0x70,
	                0x1A, 0x0B));
	expect_err(CHECK(0, 0x41, 1, 0x41, 2, 0x41, 0, 0x1C, 2, 0x7F, 0x7F,
	                 0x1A, 0x0B),
	           "invalid result arity");
	expect_err(CHECK(0, 0x41, 1, 0x42, 2, 0x41, 0, 0x1B, 0x1A, 0x0B),
	           "type mismatch");
}

/* ---------------------------------------------------------------------------
 * Control
 */

Test(code, labels)
{
	expect_err(CHECK(0, 0x0C, 1, 0x0B), "unknown label 1");
	expect_ok(CHECK(0, 0x02, 0x40, 0x0C, 1, 0x0B, 0x0B));
	/* br_if keeps the label's operands */
	expect_ok(CHECK_T(2, 0, 0x02, 0x7F, 0x41, 1, 0x41, 0, 0x0D, 0, 0x0B,
	                  0x0B));
	/* loop labels take the parameters: (loop (param i32) ...) via type 9 */
	expect_ok(CHECK(0, 0x41, 0, 0x03, 9, 0x0C, 0, 0x0B, 0x0B));
	expect_err(CHECK(0, 0x03, 0x40, 0x41, 0, 0x0B, 0x0B),
	           "type mismatch: block requires [] but stack has [i32]");
	/* br discards what lies below its operands */
	expect_ok(CHECK(0, 0x03, 0x40, 0x41, 0, 0x0C, 1, 0x0B, 0x0B));
}

Test(code, br_table)
{
	expect_ok(CHECK(0, 0x02, 0x40, 0x41, 0, 0x0E, 2, 0, 1, 0, 0x0B, 0x0B));
	expect_err(CHECK(0, 0x02, 0x7F, 0x41, 0, 0x41, 0, 0x0E, 1, 0, 1, 0x0B,
	                 0x1A, 0x0B),
	           "type mismatch");
	expect_err(CHECK(0, 0x41, 0, 0x0E, 1, 5, 0, 0x0B), "unknown label 5");
	/* polymorphic operands are checked against every label */
	expect_ok(CHECK(0, 0x02, 0x7F, 0x00, 0x0E, 0, 0, 0x0B, 0x1A, 0x0B));
}

Test(code, if_else)
{
	expect_ok(CHECK_T(2, 0, 0x41, 1, 0x04, 0x7F, 0x41, 2, 0x05, 0x41, 3,
	                  0x0B, 0x0B));
	expect_err(CHECK(0, 0x41, 0, 0x04, 0x7F, 0x41, 1, 0x0B, 0x1A, 0x0B),
	           "type mismatch: instruction requires [i32] but stack has []");
	/* if with parameters and no else passes them through */
	expect_ok(CHECK_T(1, 0, 0x20, 0, 0x20, 0, 0x04, 1, 0x0B, 0x0B));
	expect_err(CHECK(0, 0x05, 0x0B), "END opcode expected");
	expect_err(CHECK(0, 0x02, 0x40, 0x05, 0x0B, 0x0B),
	           "END opcode expected");
}

Test(code, block_types)
{
	expect_err(CHECK(0, 0x02, 0x20, 0x0B, 0x0B), "unknown type 32");
	expect_err(CHECK(0, 0x02, 4, 0x0B, 0x0B), "non-function type 4");
	expect_err(CHECK(0, 0x02, 0x50, 0x0B, 0x0B), "malformed value type");
	/* block (param i32) (result i32) via type 1 */
	expect_ok(CHECK(0, 0x41, 0, 0x02, 1, 0x0B, 0x1A, 0x0B));
}

Test(code, body_extent)
{
	/* bytes after the final end */
	expect_err(CHECK(0, 0x0B, 0x01), "section size mismatch");
	/* no final end: the data section's id 0x0B follows the code */
	expect_err(CHECK(0, 0x01), "section size mismatch");
	expect_err(CHECK(0, 0x02, 0x40, 0x01), "unexpected end");
	/* truncated immediate */
	expect_err(CHECK(0, 0x41), "unexpected end");
}

Test(code, malformed_beats_invalid)
{
	/* a type error, then an illegal opcode: the encoding error wins */
	expect_err(CHECK(0, 0x42, 0, 0x45, 0x1A, 0xFF, 0x0B),
	           "illegal opcode ff");
	expect_err(CHECK(0, 0x42, 0, 0x45, 0x1A, 0x0B, 0x01),
	           "section size mismatch");
	expect_err(CHECK(0, 0x42, 0, 0x45, 0x1A, 0x0B), "type mismatch");
}

Test(code, return_and_calls)
{
	expect_ok(CHECK_T(2, 0, 0x41, 0, 0x0F, 0x0B));
	expect_err(CHECK_T(2, 0, 0x42, 0, 0x0F, 0x0B), "type mismatch");
	expect_err(CHECK(0, 0x10, 1, 0x0B), "unknown function 1");
	/* recursive call of [i32] -> [i32] */
	expect_ok(CHECK_T(1, 0, 0x20, 0, 0x10, 0, 0x0B));
	expect_err(CHECK_T(1, 0, 0x10, 0, 0x0B), "type mismatch");
	/* call_indirect type 1 through table 0 (funcref) */
	expect_ok(CHECK_T(1, 0, 0x20, 0, 0x41, 0, 0x11, 1, 0, 0x0B));
	/* table 1 holds externref */
	expect_err(CHECK_T(1, 0, 0x20, 0, 0x42, 0, 0x11, 1, 1, 0x0B),
	           "type mismatch: instruction requires table of function "
	           "type");
	expect_err(CHECK_T(1, 0, 0x20, 0, 0x41, 0, 0x11, 1, 2, 0x0B),
	           "unknown table 2");
}

Test(code, tail_calls)
{
	expect_ok(CHECK_T(1, 0, 0x20, 0, 0x12, 0, 0x0B));
	/* callee returns [i32], caller returns [] */
	expect_err(CHECK(0, 0x41, 0, 0x13, 1, 0, 0x0B),
	           "type mismatch: current function requires result type [] "
	           "but callee returns [i32]");
	/* return_call_ref of type 0 in a function of type 0 */
	expect_ok(CHECK(0, 0xD2, 0, 0x15, 0, 0x0B));
	expect_ok(CHECK(0, 0xD2, 0, 0x14, 0, 0x0B));
	expect_err(CHECK(0, 0xD2, 0, 0x14, 4, 0x0B), "non-function type 4");
}

Test(code, exceptions)
{
	expect_ok(CHECK(0, 0x41, 0, 0x08, 0, 0x0B));
	expect_err(CHECK(0, 0x08, 0, 0x0B),
	           "type mismatch: instruction requires [i32] but stack has []");
	expect_err(CHECK(0, 0x08, 1, 0x0B), "unknown tag 1");
	/* try_table (catch 0 0): tag 0 gives [i32], the block wants [i32] */
	expect_ok(CHECK(0, 0x02, 0x7F, 0x1F, 0x40, 1, 0, 0, 0, 0x0B, 0x00,
	                0x0B, 0x1A, 0x0B));
	expect_err(CHECK(0, 0x1F, 0x40, 1, 0, 0, 0, 0x0B, 0x0B),
	           "type mismatch: catch handler requires [] but label has "
	           "[i32]");
	/* catch_all_ref 0 into a block of exnref */
	expect_ok(CHECK(0, 0x02, 0x64, 0x69, 0x1F, 0x40, 1, 3, 0, 0x0B, 0x00,
	                0x0B, 0x0A, 0x0B));
	expect_err(CHECK(0, 0x1F, 0x40, 1, 4, 0, 0x0B, 0x0B),
	           "malformed catch clause");
}

Test(code, legacy_exceptions)
{
	opts legacy = {0, false, false, WB_FEAT_DEFAULT | WB_FEAT_LEGACY_EH};

	expect_err(CHECK(0, 0x06, 0x40, 0x0B, 0x0B), "illegal opcode 06");
	expect_ok(CHECK_O(legacy, 0, 0x06, 0x40, 0x07, 0, 0x1A, 0x19, 0x0B,
	                  0x0B));
	expect_ok(CHECK_O(legacy, 0, 0x06, 0x40, 0x07, 0, 0x09, 0, 0x0B,
	                  0x0B));
	expect_err(CHECK_O(legacy, 0, 0x06, 0x40, 0x09, 0, 0x0B, 0x0B),
	           "invalid rethrow label");
	expect_ok(CHECK_O(legacy, 0, 0x02, 0x40, 0x06, 0x40, 0x18, 0, 0x0B,
	                  0x0B));
	expect_err(CHECK_O(legacy, 0, 0x06, 0x40, 0x18, 1, 0x0B),
	           "unknown label 1");
	expect_err(CHECK_O(legacy, 0, 0x06, 0x40, 0x07, 0, 0x0B, 0x0B),
	           "type mismatch: block requires [] but stack has [i32]");
	expect_err(CHECK_O(legacy, 0, 0x19, 0x0B), "END opcode expected");
}

/* ---------------------------------------------------------------------------
 * Memory
 */

Test(code, memory_access)
{
	expect_ok(CHECK(0, 0x41, 0, 0x28, 2, 0, 0x1A, 0x0B));
	expect_err(CHECK(0, 0x41, 0, 0x28, 3, 0, 0x1A, 0x0B),
	           "alignment must not be larger than natural");
	expect_err(CHECK(0, 0x41, 0, 0x28, 0x80, 1, 0, 0x1A, 0x0B),
	           "malformed memop flags");
	/* memory 1 is 64-bit: i64 address */
	expect_ok(CHECK(0, 0x42, 0, 0x28, 0x42, 1, 0, 0x1A, 0x0B));
	expect_err(CHECK(0, 0x41, 0, 0x28, 0x42, 1, 0, 0x1A, 0x0B),
	           "type mismatch");
	expect_err(CHECK(0, 0x41, 0, 0x28, 0x42, 5, 0, 0x1A, 0x0B),
	           "unknown memory 5");
	/* offsets beyond 32 bits only for 64-bit memories */
	expect_err(CHECK(0, 0x41, 0, 0x28, 2, 0x80, 0x80, 0x80, 0x80, 0x10,
	                 0x1A, 0x0B),
	           "offset out of range");
	expect_ok(CHECK(0, 0x42, 0, 0x28, 0x42, 1, 0x80, 0x80, 0x80, 0x80,
	                0x10, 0x1A, 0x0B));
	expect_ok(CHECK(0, 0x42, 0, 0x40, 1, 0x1A, 0x0B));
	expect_ok(CHECK(0, 0x3F, 1, 0x42, 0, 0x41, 0, 0x42, 0, 0xFC, 0x0B, 1,
	                0x1A, 0x0B));
	/* memory.copy from the 64-bit to the 32-bit memory: n is i32 */
	expect_ok(CHECK(0, 0x41, 0, 0x42, 0, 0x41, 0, 0xFC, 0x0A, 0, 1, 0x0B));
	expect_err(CHECK(0, 0x41, 0, 0x42, 0, 0x42, 0, 0xFC, 0x0A, 0, 1, 0x0B),
	           "type mismatch");
}

Test(code, data_segments)
{
	opts nodc = {0, false, true, 0};

	expect_ok(CHECK(0, 0x41, 0, 0x41, 0, 0x41, 0, 0xFC, 8, 0, 0, 0xFC, 9,
	                0, 0x0B));
	expect_err(CHECK(0, 0xFC, 9, 1, 0x0B), "unknown data segment 1");
	expect_err(CHECK_O(nodc, 0, 0xFC, 9, 0, 0x0B),
	           "data count section required");
	expect_err(CHECK_O(nodc, 0, 0xFC, 9, 1, 0x0B),
	           "unknown data segment 1");
	/* memory.init: memory is checked before the segment */
	expect_err(CHECK(0, 0x41, 0, 0x41, 0, 0x41, 0, 0xFC, 8, 3, 2, 0x0B),
	           "unknown memory 2");
	/* an invalid body that names a segment later still lacks the
	 * section: the encoding error wins */
	expect_err(CHECK_O(nodc, 0, 0x6A, 0xFC, 9, 0, 0x0B),
	           "data count section required");
}

Test(code, atomics)
{
	expect_ok(CHECK(0, 0x41, 0, 0xFE, 0x10, 2, 0, 0x1A, 0x0B));
	expect_err(CHECK(0, 0x41, 0, 0xFE, 0x10, 1, 0, 0x1A, 0x0B),
	           "atomic alignment must be natural");
	expect_ok(CHECK(0, 0xFE, 0x03, 0, 0x0B));
	expect_err(CHECK(0, 0xFE, 0x03, 1, 0x0B), "zero byte expected");
	/* wait32 on the 64-bit memory */
	expect_ok(CHECK(0, 0x42, 0, 0x41, 0, 0x42, 0, 0xFE, 0x01, 0x42, 1, 0,
	                0x1A, 0x0B));
	{
		opts nothreads = {0, false, false, WB_FEAT_WASM3};
		expect_err(CHECK_O(nothreads, 0, 0xFE, 0x03, 0, 0x0B),
		           "illegal opcode fe 03");
	}
}

/* ---------------------------------------------------------------------------
 * SIMD, numeric extensions
 */

Test(code, simd)
{
	expect_ok(CHECK(0, V128_ZERO, 0xFD, 0x15, 15, 0x1A, 0x0B));
	expect_err(CHECK(0, V128_ZERO, 0xFD, 0x15, 16, 0x1A, 0x0B),
	           "invalid lane index");
	expect_err(CHECK(0, V128_ZERO, 0xFD, 0x21, 2, 0x1A, 0x0B),
	           "invalid lane index");
	/* shuffle lanes < 32 */
	expect_ok(CHECK(0, V128_ZERO, V128_ZERO, 0xFD, 0x0D, 0, 1, 2, 3, 4, 5,
	                6, 7, 8, 9, 10, 11, 12, 13, 14, 31, 0x1A, 0x0B));
	expect_err(CHECK(0, V128_ZERO, V128_ZERO, 0xFD, 0x0D, 0, 1, 2, 3, 4, 5,
	                 6, 7, 8, 9, 10, 11, 12, 13, 14, 32, 0x1A, 0x0B),
	           "invalid lane index");
	/* v128.load64_lane 1 / lane 2 */
	expect_ok(CHECK(0, 0x41, 0, V128_ZERO, 0xFD, 0x57, 3, 0, 1, 0x1A,
	                0x0B));
	expect_err(CHECK(0, 0x41, 0, V128_ZERO, 0xFD, 0x57, 3, 0, 2, 0x1A,
	                 0x0B),
	           "invalid lane index");
	expect_err(CHECK(0, 0x41, 0, V128_ZERO, 0xFD, 0x57, 4, 0, 0, 0x1A,
	                 0x0B),
	           "alignment must not be larger than natural");
	/* relaxed madd: three v128 operands */
	expect_ok(CHECK(0, V128_ZERO, V128_ZERO, V128_ZERO, 0xFD, 0x85, 0x02,
	                0x1A, 0x0B));
	expect_err(CHECK(0, 0xFD, 0x9A, 0x01, 0x0B), "illegal opcode fd 9a");
	expect_err(CHECK(0, 0xFD, 0x14, 0x1A, 0x0B), "type mismatch");
}

Test(code, numeric_extensions)
{
	/* sign extension, saturating truncation */
	expect_ok(CHECK(0, 0x41, 0, 0xC0, 0x1A, 0x0B));
	expect_ok(CHECK(0, 0x43, 0, 0, 0, 0, 0xFC, 0, 0x1A, 0x0B));
	expect_err(CHECK(0, 0x41, 0, 0xFC, 0, 0x1A, 0x0B), "type mismatch");
	/* wide arithmetic only with its feature */
	expect_err(CHECK(0, 0x42, 0, 0x42, 0, 0xFC, 21, 0x1A, 0x1A, 0x0B),
	           "illegal opcode fc 15");
	{
		opts wide = {0, false, false,
		             WB_FEAT_DEFAULT | WB_FEAT_WIDE_ARITH};
		expect_ok(CHECK_O(wide, 0, 0x42, 0, 0x42, 0, 0xFC, 21, 0x1A,
		                  0x1A, 0x0B));
		expect_ok(CHECK_O(wide, 0, 0x42, 0, 0x42, 0, 0x42, 0, 0x42, 0,
		                  0xFC, 19, 0x1A, 0x1A, 0x0B));
		expect_err(CHECK_O(wide, 0, 0x42, 0, 0x42, 0, 0x42, 0, 0xFC, 19,
		                   0x1A, 0x1A, 0x0B),
		           "type mismatch");
	}
}

/* ---------------------------------------------------------------------------
 * References and GC
 */

Test(code, references)
{
	opts undeclared = {0, true, false, 0};

	expect_ok(CHECK(0, 0xD2, 0, 0x1A, 0x0B));
	expect_err(CHECK_O(undeclared, 0, 0xD2, 0, 0x1A, 0x0B),
	           "undeclared function reference");
	expect_err(CHECK(0, 0xD2, 1, 0x1A, 0x0B), "unknown function 1");
	expect_ok(CHECK(0, 0xD0, 0x6F, 0xD1, 0x1A, 0x0B));
	expect_err(CHECK(0, 0x41, 0, 0xD1, 0x1A, 0x0B),
	           "type mismatch: instruction requires reference type but "
	           "stack has i32");
	expect_err(CHECK(0, 0xD0, 0x30, 0x1A, 0x0B), "unknown type 48");
	/* ref.as_non_null gives (ref 0), which type 8 returns */
	expect_ok(CHECK_T(8, 0, 0xD0, 0, 0xD4, 0x0B));
	expect_err(CHECK_T(8, 0, 0xD0, 0, 0x0B), "type mismatch");
	/* br_on_null 0 in a function returning (ref 0)... wrong arity */
	expect_ok(CHECK_T(8, 0, 0x02, 0x40, 0xD0, 0, 0xD5, 0, 0x0F, 0x0B,
	                  0x00, 0x0B));
	expect_ok(CHECK(0, 0x02, 0x64, 0, 0xD0, 0, 0xD6, 0, 0x00, 0x0B, 0x1A,
	                0x0B));
	expect_err(CHECK(0, 0xD0, 0, 0xD6, 0, 0x0B),
	           "type mismatch: instruction requires reference type but "
	           "label has []");
	/* tables */
	expect_ok(CHECK(0, 0x42, 0, 0x25, 1, 0x1A, 0x0B));
	expect_err(CHECK(0, 0x41, 0, 0x25, 1, 0x1A, 0x0B), "type mismatch");
	expect_err(CHECK(0, 0x41, 0, 0x41, 0, 0x41, 0, 0xFC, 12, 0, 1, 0x0B),
	           "type mismatch");
	expect_err(CHECK(0, 0x41, 0, 0x41, 0, 0x41, 0, 0xFC, 12, 0, 4, 0x0B),
	           "unknown table 4");
	expect_err(CHECK(0, 0xFC, 13, 1, 0x0B), "unknown elem segment 1");
	expect_ok(CHECK(0, 0xD0, 0x70, 0x41, 1, 0xFC, 15, 0, 0x1A, 0x0B));
}

Test(code, gc_structs)
{
	/* struct.new_default 4; i32.const 0; struct.set 4 1 (immutable) */
	expect_err(CHECK(0, 0xFB, 1, 4, 0x41, 0, 0xFB, 5, 4, 1, 0x0B),
	           "immutable field");
	expect_ok(CHECK(0, 0xFB, 1, 4, 0x41, 0, 0xFB, 5, 4, 0, 0x0B));
	expect_ok(CHECK(0, 0x41, 1, 0x41, 2, 0xFB, 0, 4, 0xFB, 3, 4, 1, 0x1A,
	                0x0B));
	expect_err(CHECK(0, 0xFB, 1, 4, 0xFB, 2, 4, 1, 0x1A, 0x0B),
	           "field is packed");
	expect_err(CHECK(0, 0xFB, 1, 4, 0xFB, 3, 4, 0, 0x1A, 0x0B),
	           "field is unpacked");
	expect_err(CHECK(0, 0xFB, 1, 4, 0xFB, 2, 4, 2, 0x1A, 0x0B),
	           "unknown field 2");
	expect_err(CHECK(0, 0xFB, 1, 5, 0x1A, 0x0B), "non-structure type 5");
}

Test(code, gc_arrays)
{
	/* array.new 6 (i64 immutable), array.set: immutable */
	expect_err(CHECK(0, 0x42, 0, 0x41, 1, 0xFB, 6, 6, 0x41, 0, 0x42, 0,
	                 0xFB, 14, 6, 0x0B),
	           "immutable array");
	expect_ok(CHECK(0, 0x42, 0, 0x41, 1, 0xFB, 6, 6, 0x41, 0, 0xFB, 11,
	                6, 0x1A, 0x0B));
	/* array.new_fixed 5 3 */
	expect_ok(CHECK(0, 0x41, 1, 0x41, 2, 0x41, 3, 0xFB, 8, 5, 3, 0xFB, 15,
	                0x1A, 0x0B));
	expect_err(CHECK(0, 0x41, 1, 0x41, 2, 0xFB, 8, 5, 3, 0x1A, 0x0B),
	           "type mismatch: instruction requires [i32 i32 i32] but "
	           "stack has [i32 i32]");
	/* huge counts in unreachable code cost nothing */
	expect_ok(CHECK(0, 0x00, 0xFB, 8, 5, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F,
	                0x1A, 0x0B));
	/* array.copy 5 6: i8 from i64 */
	expect_err(CHECK(0, 0x00, 0xFB, 17, 5, 6, 0x0B),
	           "array types do not match");
	/* array.new_data 5 0 / array.new_data 6 0 */
	expect_ok(CHECK(0, 0x41, 0, 0x41, 1, 0xFB, 9, 5, 0, 0x1A, 0x0B));
	expect_err(CHECK(0, 0x41, 0, 0x41, 1, 0xFB, 9, 5, 1, 0x1A, 0x0B),
	           "unknown data segment 1");
	expect_err(CHECK(0, 0x00, 0xFB, 9, 4, 0, 0x1A, 0x0B),
	           "non-array type 4");
}

Test(code, gc_casts)
{
	/* ref.i31 / i31.get_s */
	expect_ok(CHECK(0, 0x41, 0, 0xFB, 28, 0xFB, 29, 0x1A, 0x0B));
	/* ref.test (ref 4) of anyref; ref.cast of funcref to (ref 4) fails */
	expect_ok(CHECK(0, 0xD0, 0x6E, 0xFB, 20, 4, 0x1A, 0x0B));
	expect_err(CHECK(0, 0xD0, 0x70, 0xFB, 22, 4, 0x1A, 0x0B),
	           "type mismatch");
	/* br_on_cast 0 anyref (ref 4) in a block of (ref null 4) */
	expect_ok(CHECK(0, 0x02, 0x63, 4, 0xD0, 0x6E, 0xFB, 24, 1, 0, 0x6E, 4,
	                0x1A, 0xD0, 4, 0x0B, 0x1A, 0x0B));
	expect_err(CHECK(0, 0x02, 0x63, 4, 0xD0, 0x6E, 0xFB, 24, 1, 0, 0x6E,
	                 0x70, 0x1A, 0xD0, 4, 0x0B, 0x1A, 0x0B),
	           "type mismatch on cast");
	expect_err(CHECK(0, 0xD0, 0x6E, 0xFB, 24, 4, 0, 0x6E, 4, 0x1A, 0x0B),
	           "malformed br_on_cast flags");
	/* extern conversions keep nullability */
	expect_ok(CHECK(0, 0xD0, 0x6F, 0xFB, 26, 0xFB, 27, 0x1A, 0x0B));
	expect_err(CHECK(0, 0xD0, 0x6E, 0xFB, 26, 0x1A, 0x0B), "type mismatch");
}

/* wb_code_decode_func on function 0 of a module that decodes. */
static const char *decode_only(const opts *o, const uint8_t *body, size_t n)
{
	static const uint8_t refs[1] = {1};
	rt_module *mod = NULL;
	wb_code_ctx *ctx;
	cmn_error err;
	buf m = {0};
	bool ok;

	build(&m, o, body, n);
	cr_assert(wb_decode(m.p, m.n, WB_FEAT_DEFAULT, &mod, &err), "%s",
	          err.msg);
	ctx = wb_code_ctx_new(mod, WB_FEAT_DEFAULT, refs);
	cr_assert_not_null(ctx);
	ok = wb_code_decode_func(ctx, 0, &err);
	wb_code_ctx_free(ctx);
	rt_module_free(mod);
	free(m.p);
	if (ok)
		return NULL;
	snprintf(last_msg, sizeof(last_msg), "%s", err.msg);
	return last_msg;
}

#define DECODE_O(o, ...)                                                 \
	({                                                               \
		static const uint8_t b_[] = {__VA_ARGS__};               \
		decode_only(&(o), b_, sizeof(b_));                       \
	})

Test(code, decode_only)
{
	opts o = {0, false, false, 0};
	opts nodc = {0, false, true, 0};

	/* invalid but well encoded */
	expect_ok(DECODE_O(o, 0, 0x42, 0, 0x45, 0x20, 9, 0x10, 7, 0x0B));
	expect_err(DECODE_O(o, 0, 0x41, 0, 0xFF, 0x0B), "illegal opcode ff");
	expect_err(DECODE_O(o, 0, 0x0B, 0x0B), "section size mismatch");
	expect_err(DECODE_O(o, 0, 0x02, 0x40, 0x02, 0x40, 0x0B),
	           "unexpected end");
	expect_err(DECODE_O(o, 1, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x7F, 0x0B),
	           "too many locals");
	expect_err(DECODE_O(nodc, 0, 0xFC, 9, 0, 0x0B),
	           "data count section required");
}

/* ---------------------------------------------------------------------------
 * Constant expressions (through the module validator) and skip_const
 */

static const char *check_global(const uint8_t *g, size_t n)
{
	rt_module *mod = NULL;
	cmn_error err;
	buf m = {0}, sec = {0};
	bool ok;

	put(&m, "\0asm\1\0\0\0", 8);
	put_section(&m, 1, TYPES, sizeof(TYPES));
	/* imported mutable i32, imported i32, then ours */
	{
		static const uint8_t imp[] = {2, 1, 'm', 1, 'a', 3, 0x7F, 1,
		                              1, 'm', 1, 'b', 3, 0x7F, 0};
		put_section(&m, 2, imp, sizeof(imp));
	}
	SECTION(&m, 3, 1, 0);
	put_byte(&sec, 1);
	put(&sec, g, n);
	put_section(&m, 6, sec.p, sec.n);
	SECTION(&m, 10, 1, 2, 0, 0x0B);
	cmn_error_clear(&err);
	ok = wb_decode(m.p, m.n, WB_FEAT_DEFAULT, &mod, &err) &&
	     wb_validate(mod, WB_FEAT_DEFAULT, &err);
	rt_module_free(mod);
	free(m.p);
	free(sec.p);
	if (ok)
		return NULL;
	snprintf(last_msg, sizeof(last_msg), "%s", err.msg);
	return last_msg;
}

#define GLOBAL(...)                                                      \
	({                                                               \
		static const uint8_t g_[] = {__VA_ARGS__};               \
		check_global(g_, sizeof(g_));                            \
	})

Test(const_expr, allowed)
{
	expect_ok(GLOBAL(0x7F, 0, 0x41, 5, 0x0B));
	expect_ok(GLOBAL(0x7F, 0, 0x23, 1, 0x41, 2, 0x6A, 0x0B));
	expect_ok(GLOBAL(0x7E, 0, 0x42, 1, 0x42, 2, 0x7E, 0x0B));
	expect_ok(GLOBAL(0x70, 0, 0xD2, 0, 0x0B));
	expect_ok(GLOBAL(0x64, 0x6C, 0, 0x41, 1, 0xFB, 28, 0x0B));
	expect_ok(GLOBAL(0x64, 5, 0, 0x41, 1, 0x41, 2, 0xFB, 8, 5, 2, 0x0B));
	expect_ok(GLOBAL(0x7B, 0, V128_ZERO, 0x0B));
}

Test(const_expr, rejected)
{
	expect_err(GLOBAL(0x7F, 0, 0x23, 0, 0x0B),
	           "constant expression required");
	expect_err(GLOBAL(0x7F, 0, 0x23, 2, 0x0B), "unknown global 2");
	expect_err(GLOBAL(0x7F, 0, 0x41, 1, 0x41, 2, 0x6D, 0x0B),
	           "constant expression required");
	expect_err(GLOBAL(0x7F, 0, 0x41, 1, 0x01, 0x0B),
	           "constant expression required");
	expect_err(GLOBAL(0x7F, 0, 0x42, 1, 0x0B), "type mismatch");
	expect_err(GLOBAL(0x7F, 0, 0x0B), "type mismatch");
	expect_err(GLOBAL(0x7F, 0, 0x41, 1, 0x41, 1, 0x0B), "type mismatch");
	expect_err(GLOBAL(0x64, 5, 0, 0x41, 1, 0x41, 2, 0xFB, 9, 5, 0, 0x0B),
	           "constant expression required");
}

static const char *skip(const uint8_t *p, size_t n, rt_range *ret,
                        size_t *ret_pos)
{
	wb_reader r;
	cmn_error err;

	wb_reader_init(&r, p, n);
	if (!wb_code_skip_const(&r, ret, &err)) {
		snprintf(last_msg, sizeof(last_msg), "%s", err.msg);
		return last_msg;
	}
	*ret_pos = wb_reader_offset(&r);
	return NULL;
}

Test(const_expr, skip)
{
	static const uint8_t a[] = {0x41, 0x7F, 0x0B, 0x99};
	static const uint8_t b[] = {0x02, 0x40, 0x0B, 0x0B, 0x00};
	static const uint8_t c[] = {0xF3, 0x00, 0x0B};
	static const uint8_t d[] = {0x41, 0x80};
	static const uint8_t e[] = {0xFD, 0x0C, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
	                            11, 12, 13, 14, 15, 0x0B, 0x0B};
	static const uint8_t f[] = {0x05, 0x0B};
	rt_range rg;
	size_t pos;

	expect_ok(skip(a, sizeof(a), &rg, &pos));
	cr_expect_eq(rg.off, 0);
	cr_expect_eq(rg.len, 3);
	cr_expect_eq(pos, 3);
	expect_ok(skip(b, sizeof(b), &rg, &pos));
	cr_expect_eq(rg.len, 4);
	expect_err(skip(c, sizeof(c), &rg, &pos), "illegal opcode f3");
	expect_err(skip(d, sizeof(d), &rg, &pos), "unexpected end");
	/* v128.const whose bytes contain 0x0B */
	expect_ok(skip(e, sizeof(e), &rg, &pos));
	cr_expect_eq(rg.len, 19);
	expect_err(skip(e, 12, &rg, &pos), "unexpected end");
	expect_err(skip(f, sizeof(f), &rg, &pos), "END opcode expected");
}

/* ---------------------------------------------------------------------------
 * The instruction reader on its own
 */

static bool read1(const uint8_t *p, size_t n, wb_features feat,
                  wb_instr *in, cmn_error *err, size_t *used)
{
	wb_instr_cfg cfg = {feat, 10};
	wb_reader r;

	wb_reader_init(&r, p, n);
	if (!wb_instr_read(&r, &cfg, in, err))
		return false;
	*used = wb_reader_offset(&r);
	return true;
}

Test(instr, table_is_consistent)
{
	unsigned op;

	for (op = 1; op < WB_OP_COUNT; op++) {
		const wb_op_info *oi = wb_op_get(op);
		cr_assert_not_null(oi->name);
		cr_assert(oi->imm < WB_IMM_COUNT);
		cr_assert(oi->sig < WB_SIG_COUNT);
	}
	cr_expect_str_eq(wb_op_name(WB_OP_I32_ADD), "i32.add");
	cr_expect_eq(wb_op_get(WB_OP_I32_ADD)->code, 0x6A);
	cr_expect_eq(wb_op_get(WB_OP_I32X4_RELAXED_DOT_I8X16_I7X16_ADD_S)->code,
	             0x113);
	cr_expect_eq(wb_op_get(WB_OP_I64_ATOMIC_RMW32_CMPXCHG_U)->code, 0x4E);
	cr_expect_eq(wb_op_get(WB_OP_MEMORY_ATOMIC_WAIT64)->arg, 3);
	cr_expect_str_eq(wb_op_name(9999), "illegal");
}

Test(instr, every_opcode_round_trips)
{
	unsigned op;

	/* Encode each opcode with zero-filled immediates and read it back. */
	for (op = 1; op < WB_OP_COUNT; op++) {
		const wb_op_info *oi = wb_op_get(op);
		uint8_t b[64] = {0};
		size_t n = 0, used;
		wb_instr in;
		cmn_error err;

		if (oi->prefix) {
			b[n++] = oi->prefix;
			if (oi->code >= 0x80) {
				b[n++] = (uint8_t)(0x80 | (oi->code & 0x7F));
				b[n++] = (uint8_t)(oi->code >> 7);
			} else {
				b[n++] = (uint8_t)oi->code;
			}
		} else {
			b[n++] = (uint8_t)oi->code;
		}
		if (oi->imm == WB_IMM_BLOCK || oi->imm == WB_IMM_TRY_TABLE)
			b[n] = 0x40; /* empty block type; 0 catches follow */
		if (oi->imm == WB_IMM_HEAPTYPE || oi->imm == WB_IMM_BR_ON_CAST)
			memset(b + n, 0x70, 8), b[n] = 0, b[n + 1] = 0;
		if (oi->imm == WB_IMM_SELECT_T)
			b[n] = 1, b[n + 1] = 0x7F;
		cr_assert(read1(b, sizeof(b), WB_FEAT_ALL, &in, &err, &used),
		          "%s: %s", oi->name, err.msg);
		cr_expect_eq(in.op, op, "%s read as %s", oi->name,
		             wb_op_name(in.op));
		cr_expect_eq(in.offset, 0);
	}
}

Test(instr, immediates)
{
	static const uint8_t memarg[] = {0xFD, 0x55, 0x41, 3, 0x90, 0x03, 7};
	static const uint8_t brt[] = {0x0E, 3, 1, 0x80, 0x01, 2, 9};
	static const uint8_t tt[] = {0x1F, 0x7F, 2, 0, 5, 1, 3, 2, 4};
	static const uint8_t cast[] = {0xFB, 0x19, 3, 2, 0x6E, 4};
	size_t used;
	wb_instr in;
	wb_instr_iter it;
	wb_catch cc;
	uint32_t l;
	cmn_error err;

	cr_assert(read1(memarg, sizeof(memarg), 0, &in, &err, &used));
	cr_expect_eq(in.op, WB_OP_V128_LOAD16_LANE);
	cr_expect_eq(in.u.mem.align, 1);
	cr_expect_eq(in.u.mem.mem, 3);
	cr_expect_eq(in.u.mem.offset, 400);
	cr_expect_eq(in.u.mem.lane, 7);
	cr_expect_eq(used, sizeof(memarg));

	cr_assert(read1(brt, sizeof(brt), 0, &in, &err, &used));
	cr_expect_eq(in.u.br_table.count, 3);
	cr_expect_eq(in.u.br_table.deflt, 9);
	wb_br_table_begin(&in, &it);
	cr_assert(wb_br_table_next(&it, &l));
	cr_expect_eq(l, 1);
	cr_assert(wb_br_table_next(&it, &l));
	cr_expect_eq(l, 128);
	cr_assert(wb_br_table_next(&it, &l));
	cr_expect_eq(l, 2);
	cr_expect_not(wb_br_table_next(&it, &l));

	cr_assert(read1(tt, sizeof(tt), 0, &in, &err, &used));
	cr_expect_eq(in.u.block.bt.kind, WB_BT_VAL);
	cr_expect_eq(in.u.block.bt.val.kind, RT_I32);
	cr_expect_eq(in.u.block.ncatches, 2);
	wb_catches_begin(&in, &it);
	cr_assert(wb_catches_next(&it, &cc));
	cr_expect(cc.kind == WB_CATCH && cc.tag == 5 && cc.label == 1);
	cr_assert(wb_catches_next(&it, &cc));
	cr_expect(cc.kind == WB_CATCH_ALL_REF && cc.label == 2);
	cr_expect_not(wb_catches_next(&it, &cc));
	cr_expect_eq(used, sizeof(tt) - 1);

	cr_assert(read1(cast, sizeof(cast), 0, &in, &err, &used));
	cr_expect_eq(in.op, WB_OP_BR_ON_CAST_FAIL);
	cr_expect_eq(in.u.cast.label, 2);
	cr_expect(in.u.cast.from.nullable);
	cr_expect_eq(in.u.cast.from.heap, RT_HT_MAKE_ABS(RT_HT_ANY));
	cr_expect(in.u.cast.to.nullable);
	cr_expect_eq(in.u.cast.to.heap, 4);
}

Test(instr, errors)
{
	static const uint8_t unknown_type[] = {0xD0, 10};
	static const uint8_t long_leb[] = {0x20, 0x80, 0x80, 0x80, 0x80, 0x80,
	                                   0x00};
	static const uint8_t big_sub[] = {0xFC, 0x80, 0x80, 0x04};
	static const uint8_t neg_bt[] = {0x02, 0x80, 0x7F};
	size_t used;
	wb_instr in;
	cmn_error err;

	cr_expect_not(read1(unknown_type, 2, 0, &in, &err, &used));
	cr_expect_str_eq(err.msg, "unknown type 10");
	cr_expect_not(read1(long_leb, sizeof(long_leb), 0, &in, &err, &used));
	cr_expect_str_eq(err.msg, "integer representation too long");
	cr_expect_eq(err.offset, 1);
	cr_expect_not(read1(big_sub, sizeof(big_sub), 0, &in, &err, &used));
	cr_expect_str_eq(err.msg, "illegal opcode fc 10000");
	cr_expect_not(read1(neg_bt, sizeof(neg_bt), 0, &in, &err, &used));
	cr_expect_str_eq(err.msg, "malformed type index");
}

/* ---------------------------------------------------------------------------
 * A large body (its validation time is measured by bench/run.mjs, suite
 * validate, "large-body")
 */

Test(code, large_body_validates)
{
	const size_t reps = 500000;
	buf body = {0};
	opts o = {2, false, false, 0};
	size_t i;

	/* (local i32) ; repeated: local.get 0; i32.const 1; i32.add;
	 * local.set 0; block; br_if 0 on a comparison; end */
	put_byte(&body, 1);
	put_byte(&body, 1);
	put_byte(&body, 0x7F);
	for (i = 0; i < reps; i++) {
		static const uint8_t chunk[] = {0x20, 0, 0x41, 1, 0x6A, 0x21, 0,
		                                0x02, 0x40, 0x20, 0, 0x41, 9,
		                                0x4A, 0x0D, 0, 0x0B};
		put(&body, chunk, sizeof(chunk));
	}
	put_byte(&body, 0x20);
	put_byte(&body, 0);
	put_byte(&body, 0x0B);
	expect_ok(check_opts(&o, body.p, body.n));
	free(body.p);
}
