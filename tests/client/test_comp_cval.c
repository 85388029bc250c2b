/*
 * test_comp_cval.c - component values without a daemon: wasmc_cval
 * constructors, accessors, copy and drop; conversion to the protocol's
 * CValue node list and back for every type (nested too, through a packed
 * and unpacked Response), with exact bits; hostile node lists and type
 * tables (wrong counts, kinds, case indices, payload presence, invalid
 * UTF-8, surrogate chars, flags bits, a 4 GiB declared length, types
 * deeper than the limit) refused with messages naming the node.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "comp_fixture.h"

/* Converts `v` of type `t` to nodes and back; returns the copy. */
static wasmc_cval round_trip(const wasmc_cval *v, const wasmc_ctype *t)
{
	wcl_cnodes ns = {0};
	wasmc_error *e = wcl_cval_to_nodes(v, t, "value", &ns);
	cr_assert_null(e, "to nodes: %s", wasmc_error_message(e));
	cr_assert_null(wcl_cnodes_finish(&ns));
	size_t pos = 0;
	wasmc_cval out;
	e = wcl_cval_from_nodes(ns.ptrs, ns.n, &pos, t, WASMC_ERR_PROTOCOL, "value", &out);
	cr_assert_null(e, "from nodes: %s", wasmc_error_message(e));
	cr_assert_eq(pos, ns.n, "all nodes used");
	wcl_cnodes_free(&ns);
	return out;
}

static void assert_round_trip(const wasmc_cval *v, const wasmc_ctype *t)
{
	wasmc_cval out = round_trip(v, t);
	cr_assert(wasmc_cval_equal(v, &out), "round trip of a %s changed the value",
	          wasmc_ckind_name(t->kind));
	wasmc_cval_drop(&out);
}

Test(cval, scalars_round_trip_with_exact_bits)
{
	struct { wasmc_cval v; wasmc_ckind k; } cases[] = {
		{wasmc_cval_bool(true), WASMC_CK_BOOL},      {wasmc_cval_bool(false), WASMC_CK_BOOL},
		{wasmc_cval_s8(INT8_MIN), WASMC_CK_S8},      {wasmc_cval_s8(INT8_MAX), WASMC_CK_S8},
		{wasmc_cval_u8(UINT8_MAX), WASMC_CK_U8},     {wasmc_cval_s16(INT16_MIN), WASMC_CK_S16},
		{wasmc_cval_u16(UINT16_MAX), WASMC_CK_U16},  {wasmc_cval_s32(INT32_MIN), WASMC_CK_S32},
		{wasmc_cval_u32(UINT32_MAX), WASMC_CK_U32},  {wasmc_cval_s64(INT64_MIN), WASMC_CK_S64},
		{wasmc_cval_s64(INT64_MAX), WASMC_CK_S64},   {wasmc_cval_u64(UINT64_MAX), WASMC_CK_U64},
		{wasmc_cval_f32_bits(0x7fa00001u), WASMC_CK_F32},
		{wasmc_cval_f64_bits(0xfff8000000000123ull), WASMC_CK_F64},
		{wasmc_cval_f64(-0.0), WASMC_CK_F64},        {wasmc_cval_char(0x10FFFF), WASMC_CK_CHAR},
		{wasmc_cval_char(0), WASMC_CK_CHAR},         {wasmc_cval_char(0x1F980), WASMC_CK_CHAR},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		assert_round_trip(&cases[i].v, wasmc_ctype_primitive(cases[i].k));
	/* the f32 NaN payload survives */
	wasmc_cval out = round_trip(&cases[12].v, wasmc_ctype_primitive(WASMC_CK_F32));
	uint32_t bits;
	memcpy(&bits, &out.of.f32, 4);
	cr_assert_eq(bits, 0x7fa00001u);
	cr_assert_eq(wasmc_cval_get_s64(&cases[9].v), INT64_MIN);
	cr_assert_eq(wasmc_cval_get_u64(&cases[11].v), UINT64_MAX);
	cr_assert_eq(wasmc_cval_get_u64(&cases[9].v), 0, "an s64 read as unsigned is 0");
}

Test(cval, strings_empty_large_nul_and_emoji)
{
	const wasmc_ctype *st = wasmc_ctype_primitive(WASMC_CK_STRING);
	wasmc_cval v;
	cr_assert_null(wasmc_cval_string("", 0, &v));
	assert_round_trip(&v, st);
	wasmc_cval_drop(&v);
	cr_assert_null(wasmc_cval_string("a\0b Zo\xc3\xab \xf0\x9f\xa6\x80", 13, &v));
	assert_round_trip(&v, st);
	size_t len;
	cr_assert_eq(memcmp(wasmc_cval_get_string(&v, &len), "a\0b", 3), 0);
	cr_assert_eq(len, 13);
	wasmc_cval_drop(&v);
	char *big = malloc(100000);
	memset(big, 'x', 100000);
	cr_assert_null(wasmc_cval_string(big, 100000, &v));
	assert_round_trip(&v, st);
	wasmc_cval_drop(&v);
	free(big);
	wasmc_error *e = wasmc_cval_string("\xff", 1, &v);
	cr_assert_eq(wasmc_error_code(e), WASMC_ERR_BAD_ARGUMENT);
	wasmc_error_free(e);
}

/* list<record item { id: u32, tags: list<string>, value: node-value }>
 * with node-value = variant { empty, num(s64), text(string),
 * bytes(list<u8>), children(list<u32>) } - the fixture's echo-nested. */
typedef struct nested {
	tb b;
	wcl_component *c;
	uint32_t lstr, lu8, lu32, nv, item, litem;
} nested;

static void nested_types(nested *n)
{
	tb_init(&n->b);
	n->lstr = tb_add(&n->b, CK(LIST), CK(STRING), 0, 0);
	n->lu8 = tb_add(&n->b, CK(LIST), CK(U8), 0, 0);
	n->lu32 = tb_add(&n->b, CK(LIST), CK(U32), 0, 0);
	n->nv = tb_add(&n->b, CK(VARIANT), 0, 0, 5, "empty", TB_NONE, "num", CK(S64), "text",
	               CK(STRING), "bytes", n->lu8, "children", n->lu32);
	n->item = tb_add(&n->b, CK(RECORD), 0, 0, 3, "id", CK(U32), "tags", n->lstr, "value", n->nv);
	n->litem = tb_add(&n->b, CK(LIST), n->item, 0, 0);
	tb_item(&n->b, false, "", "node-value", WASMC__V1__CITEM_KIND__CITEM_TYPE, n->nv);
	tb_item(&n->b, false, "", "item", WASMC__V1__CITEM_KIND__CITEM_TYPE, n->item);
	n->c = tb_build(&n->b);
}

static wasmc_cval str(const char *s)
{
	wasmc_cval v;
	cr_assert_null(wasmc_cval_string_z(s, &v));
	return v;
}

static wasmc_cval make_items(void)
{
	wasmc_cval list, it, tags, payload, var, bytes;
	cr_assert_null(wasmc_cval_list(3, &list));
	for (size_t i = 0; i < 3; i++) {
		cr_assert_null(wasmc_cval_record(3, &it));
		wasmc_cval id = wasmc_cval_u32((uint32_t)(i * 1000000007u));
		cr_assert(wasmc_cval_set(&it, 0, &id));
		cr_assert_null(wasmc_cval_list(i, &tags));
		for (size_t k = 0; k < i; k++) {
			wasmc_cval s = str(k ? "b\xc3\xa9" : "");
			cr_assert(wasmc_cval_set(&tags, k, &s));
		}
		cr_assert(wasmc_cval_set(&it, 1, &tags));
		if (i == 0) {
			cr_assert_null(wasmc_cval_variant(0, NULL, &var));
		} else if (i == 1) {
			payload = wasmc_cval_s64(INT64_MIN);
			cr_assert_null(wasmc_cval_variant(1, &payload, &var));
		} else {
			cr_assert_null(wasmc_cval_list(2, &bytes));
			bytes.of.seq.items[0] = wasmc_cval_u8(0);
			bytes.of.seq.items[1] = wasmc_cval_u8(255);
			cr_assert_null(wasmc_cval_variant(3, &bytes, &var));
			cr_assert_eq(bytes.kind, WASMC_CK_NONE, "the payload was moved");
		}
		cr_assert(wasmc_cval_set(&it, 2, &var));
		cr_assert(wasmc_cval_set(&list, i, &it));
	}
	return list;
}

Test(cval, nested_list_of_records_of_variants_of_lists)
{
	nested n;
	nested_types(&n);
	wasmc_cval list = make_items();
	const wasmc_ctype *t = tb_type(n.c, n.litem);
	assert_round_trip(&list, t);
	/* accessors on the tree */
	const wasmc_cval *third = wasmc_cval_item(&list, 2);
	cr_assert_eq(wasmc_cval_kind(third), WASMC_CK_RECORD);
	const wasmc_cval *var = wasmc_cval_item(third, 2);
	cr_assert_eq(wasmc_cval_case(var), 3);
	cr_assert_eq(wasmc_cval_count(wasmc_cval_payload(var)), 2);
	cr_assert_eq(wasmc_cval_get_u64(wasmc_cval_item(wasmc_cval_payload(var), 1)), 255);
	cr_assert_str_eq(wasmc_ctype_name(tb_type(n.c, n.item)), "item");
	/* deep copy is independent */
	wasmc_cval copy;
	cr_assert_null(wasmc_cval_copy(&list, &copy));
	cr_assert(wasmc_cval_equal(&list, &copy));
	copy.of.seq.items[1].of.seq.items[0].of.u = 5;
	cr_assert_not(wasmc_cval_equal(&list, &copy));
	wasmc_cval_drop(&copy);
	wasmc_cval_drop(&list);
	cr_assert_eq(list.kind, WASMC_CK_NONE);
	wasmc_cval_drop(&list); /* twice is harmless */
	wasmc_cval_drop(NULL);
	wcl_component_unref(n.c);
}

Test(cval, every_composite_kind)
{
	tb b;
	tb_init(&b);
	uint32_t tup = tb_add(&b, CK(TUPLE), 0, 0, 3, "", CK(S8), "", CK(F64), "", CK(STRING));
	uint32_t en = tb_add(&b, CK(ENUM), 0, 0, 3, "red", TB_NONE, "green", TB_NONE, "blue", TB_NONE);
	uint32_t opt = tb_add(&b, CK(OPTION), CK(STRING), 0, 0);
	uint32_t res = tb_add(&b, CK(RESULT), CK(STRING), CK(U32), 0);
	uint32_t res0 = tb_add(&b, CK(RESULT), TB_NONE, TB_NONE, 0);
	uint32_t rsc = tb_resource(&b, "counter", 7);
	uint32_t own = tb_add(&b, CK(OWN), rsc, 0, 0);
	uint32_t bor = tb_add(&b, CK(BORROW), rsc, 0, 0);
	uint32_t fl0 = tb_add(&b, CK(FLAGS), 0, 0, 0);
	uint32_t fl1 = tb_add(&b, CK(FLAGS), 0, 0, 1, "a", TB_NONE);
	/* flags of 32 and 33 labels */
	uint32_t fl32 = tb_add(&b, CK(FLAGS), 0, 0, 32, "b0", TB_NONE, "b1", TB_NONE, "b2", TB_NONE,
	                       "b3", TB_NONE, "b4", TB_NONE, "b5", TB_NONE, "b6", TB_NONE, "b7",
	                       TB_NONE, "b8", TB_NONE, "b9", TB_NONE, "b10", TB_NONE, "b11", TB_NONE,
	                       "b12", TB_NONE, "b13", TB_NONE, "b14", TB_NONE, "b15", TB_NONE, "b16",
	                       TB_NONE, "b17", TB_NONE, "b18", TB_NONE, "b19", TB_NONE, "b20",
	                       TB_NONE, "b21", TB_NONE, "b22", TB_NONE, "b23", TB_NONE, "b24",
	                       TB_NONE, "b25", TB_NONE, "b26", TB_NONE, "b27", TB_NONE, "b28",
	                       TB_NONE, "b29", TB_NONE, "b30", TB_NONE, "b31", TB_NONE);
	uint32_t fl33 = tb_add(&b, CK(FLAGS), 0, 0, 33, "b0", TB_NONE, "b1", TB_NONE, "b2", TB_NONE,
	                       "b3", TB_NONE, "b4", TB_NONE, "b5", TB_NONE, "b6", TB_NONE, "b7",
	                       TB_NONE, "b8", TB_NONE, "b9", TB_NONE, "b10", TB_NONE, "b11", TB_NONE,
	                       "b12", TB_NONE, "b13", TB_NONE, "b14", TB_NONE, "b15", TB_NONE, "b16",
	                       TB_NONE, "b17", TB_NONE, "b18", TB_NONE, "b19", TB_NONE, "b20",
	                       TB_NONE, "b21", TB_NONE, "b22", TB_NONE, "b23", TB_NONE, "b24",
	                       TB_NONE, "b25", TB_NONE, "b26", TB_NONE, "b27", TB_NONE, "b28",
	                       TB_NONE, "b29", TB_NONE, "b30", TB_NONE, "b31", TB_NONE, "b32", TB_NONE);
	wcl_component *c = tb_build(&b);

	wasmc_cval v, p;
	cr_assert_null(wasmc_cval_tuple(3, &v));
	v.of.seq.items[0] = wasmc_cval_s8(-1);
	v.of.seq.items[1] = wasmc_cval_f64(INFINITY);
	v.of.seq.items[2] = str("t");
	assert_round_trip(&v, tb_type(c, tup));
	wasmc_cval_drop(&v);

	v = wasmc_cval_enum(2);
	assert_round_trip(&v, tb_type(c, en));
	v = wasmc_cval_option_none();
	assert_round_trip(&v, tb_type(c, opt));
	p = str("x");
	cr_assert_null(wasmc_cval_option_some(&p, &v));
	assert_round_trip(&v, tb_type(c, opt));
	wasmc_cval_drop(&v);
	p = str("fine");
	cr_assert_null(wasmc_cval_result_ok(&p, &v));
	assert_round_trip(&v, tb_type(c, res));
	wasmc_cval_drop(&v);
	p = wasmc_cval_u32(404);
	cr_assert_null(wasmc_cval_result_err(&p, &v));
	assert_round_trip(&v, tb_type(c, res));
	cr_assert_eq(wasmc_cval_case(&v), 1);
	wasmc_cval_drop(&v);
	cr_assert_null(wasmc_cval_result_err(NULL, &v));
	assert_round_trip(&v, tb_type(c, res0));
	v = wasmc_cval_own(0xFFFFFFFFFFull);
	assert_round_trip(&v, tb_type(c, own));
	v = wasmc_cval_borrow(3);
	assert_round_trip(&v, tb_type(c, bor));
	cr_assert_eq(wasmc_cval_handle(&v), 3);
	cr_assert_str_eq(wasmc_ctype_resource_name(tb_type(c, rsc)), "counter");
	cr_assert_eq(wasmc_ctype_elem(tb_type(c, bor)), tb_type(c, rsc));

	uint32_t fls[] = {fl0, fl1, fl32, fl33};
	uint32_t counts[] = {0, 1, 32, 33};
	for (int i = 0; i < 4; i++) {
		cr_assert_null(wasmc_cval_flags(counts[i], &v));
		for (uint32_t k = 0; k < counts[i]; k += 3)
			cr_assert(wasmc_cval_flag_set(&v, k, true));
		cr_assert_not(wasmc_cval_flag_set(&v, counts[i], true), "no label past the count");
		wasmc_cval out = round_trip(&v, tb_type(c, fls[i]));
		cr_assert(wasmc_cval_equal(&v, &out));
		if (counts[i] == 33) {
			cr_assert(wasmc_cval_flag(&out, 32 - 32 % 3 + 0));
			cr_assert(wasmc_cval_flag(&out, 30));
			cr_assert_not(wasmc_cval_flag(&out, 32));
		}
		wasmc_cval_drop(&out);
		wasmc_cval_drop(&v);
	}
	wcl_component_unref(c);
}

/* ---- values the library refuses to send ---- */

static void assert_send_fails(const wasmc_cval *v, const wasmc_ctype *t, const char *needle)
{
	wcl_cnodes ns = {0};
	wasmc_error *e = wcl_cval_to_nodes(v, t, "argument 1 (x)", &ns);
	cr_assert_not_null(e, "expected a refusal containing '%s'", needle);
	cr_assert_eq(wasmc_error_code(e), WASMC_ERR_BAD_ARGUMENT);
	cr_assert(strstr(wasmc_error_message(e), needle), "message '%s' lacks '%s'",
	          wasmc_error_message(e), needle);
	cr_assert_eq(ns.n, 0, "nothing left appended");
	wasmc_error_free(e);
	wcl_cnodes_free(&ns);
}

Test(cval, wrong_values_are_refused_with_their_place)
{
	nested n;
	nested_types(&n);
	wasmc_cval list = make_items();
	/* item 1's tags[0] replaced by a u32 */
	wasmc_cval *tag = &list.of.seq.items[1].of.seq.items[1].of.seq.items[0];
	wasmc_cval_drop(tag);
	*tag = wasmc_cval_u32(1);
	assert_send_fails(&list, tb_type(n.c, n.litem),
	                  "argument 1 (x): element 1: field tags: element 0: expected string, found u32");
	wasmc_cval_drop(&list);

	list = make_items();
	list.of.seq.items[0].of.seq.items[2].of.tag.index = 9;
	assert_send_fails(&list, tb_type(n.c, n.litem), "variant case 9 out of range (5 cases)");
	wasmc_cval_drop(&list);

	list = make_items();
	list.of.seq.items[0].of.seq.items[2].of.tag.index = 2; /* text(string) without payload */
	assert_send_fails(&list, tb_type(n.c, n.litem), "case text needs a payload");
	wasmc_cval_drop(&list);

	wasmc_cval v = wasmc_cval_char(0xD800);
	assert_send_fails(&v, wasmc_ctype_primitive(WASMC_CK_CHAR), "not a Unicode scalar value");
	v = wasmc_cval_u8(1);
	v.of.u = 256;
	assert_send_fails(&v, wasmc_ctype_primitive(WASMC_CK_U8), "u8 out of range");
	v = wasmc_cval_s8(1);
	v.of.s = -129;
	assert_send_fails(&v, wasmc_ctype_primitive(WASMC_CK_S8), "s8 out of range");
	v = str("ok");
	v.of.str.data[0] = (char)0xC0;
	assert_send_fails(&v, wasmc_ctype_primitive(WASMC_CK_STRING),
	                  "invalid UTF-8 in string at byte offset 0");
	wasmc_cval_drop(&v);
	cr_assert_null(wasmc_cval_record(2, &v));
	v.of.seq.items[0] = wasmc_cval_u32(1);
	v.of.seq.items[1] = str("x");
	assert_send_fails(&v, tb_type(n.c, n.item), "record of 3 fields, found 2");
	wasmc_cval_drop(&v);
	wcl_component_unref(n.c);

	tb b;
	tb_init(&b);
	uint32_t f9 = tb_add(&b, CK(FLAGS), 0, 0, 3, "a", TB_NONE, "b", TB_NONE, "c", TB_NONE);
	wcl_component *c = tb_build(&b);
	cr_assert_null(wasmc_cval_flags(3, &v));
	v.of.flags.bits[0] = 0x08;
	assert_send_fails(&v, tb_type(c, f9), "flags bits set beyond the 3 labels");
	wasmc_cval_drop(&v);
	cr_assert_null(wasmc_cval_flags(4, &v));
	assert_send_fails(&v, tb_type(c, f9), "flags of 3 labels, found 4");
	wasmc_cval_drop(&v);
	wcl_component_unref(c);
}

/* ---- hostile node lists ---- */

typedef struct nodes {
	Wasmc__V1__CValue v[64], *p[64];
	size_t n;
} nodes;

static void node(nodes *ns, uint32_t kind, uint64_t u, uint32_t n, const void *bytes, size_t len)
{
	Wasmc__V1__CValue *v = &ns->v[ns->n];
	wasmc__v1__cvalue__init(v);
	v->kind = (Wasmc__V1__CKind)kind;
	v->u = u;
	v->n = n;
	v->bytes.data = (uint8_t *)bytes;
	v->bytes.len = len;
	ns->p[ns->n] = v;
	ns->n++;
}

static void assert_recv_fails(const nodes *ns, const wasmc_ctype *t, const char *needle)
{
	size_t pos = 0;
	wasmc_cval out;
	wasmc_error *e = wcl_cval_from_nodes(ns->p, ns->n, &pos, t, WASMC_ERR_PROTOCOL, "result 1",
	                                     &out);
	cr_assert_not_null(e, "expected a refusal containing '%s'", needle);
	cr_assert_eq(wasmc_error_code(e), WASMC_ERR_PROTOCOL);
	cr_assert(strstr(wasmc_error_message(e), needle), "message '%s' lacks '%s'",
	          wasmc_error_message(e), needle);
	cr_assert_eq(pos, 0, "position not advanced");
	wasmc_error_free(e);
}

Test(cval, hostile_node_lists_are_refused)
{
	nested n;
	nested_types(&n);
	const wasmc_ctype *litem = tb_type(n.c, n.litem);
	nodes ns = {0};

	/* a 4 GiB (2^32 - 1 elements) list in four nodes */
	node(&ns, CK(LIST), 0, UINT32_MAX, NULL, 0);
	node(&ns, CK(RECORD), 0, 3, NULL, 0);
	assert_recv_fails(&ns, litem, "list of 4294967295 values, but only 1 nodes follow");

	/* a record of the wrong field count */
	ns.n = 0;
	node(&ns, CK(LIST), 0, 1, NULL, 0);
	node(&ns, CK(RECORD), 0, 2, NULL, 0);
	assert_recv_fails(&ns, litem, "node 1: record of 3 fields, found 2");

	/* a wrong kind deep inside */
	ns.n = 0;
	node(&ns, CK(LIST), 0, 1, NULL, 0);
	node(&ns, CK(RECORD), 0, 3, NULL, 0);
	node(&ns, CK(U32), 5, 0, NULL, 0);
	node(&ns, CK(LIST), 0, 1, NULL, 0);
	node(&ns, CK(U32), 1, 0, NULL, 0);
	assert_recv_fails(&ns, litem, "node 4: expected string, found u32");

	/* invalid UTF-8, truncated sequence, surrogate encoded */
	const wasmc_ctype *st = wasmc_ctype_primitive(WASMC_CK_STRING);
	ns.n = 0;
	node(&ns, CK(STRING), 0, 0, "ab\xff", 3);
	assert_recv_fails(&ns, st, "invalid UTF-8 in string at byte offset 2");
	ns.n = 0;
	node(&ns, CK(STRING), 0, 0, "\xe2\x82", 2);
	assert_recv_fails(&ns, st, "invalid UTF-8 in string at byte offset 0");
	ns.n = 0;
	node(&ns, CK(STRING), 0, 0, "\xed\xa0\x80", 3);
	assert_recv_fails(&ns, st, "invalid UTF-8");

	/* chars, bools, ranges */
	ns.n = 0;
	node(&ns, CK(CHAR), 0xDFFF, 0, NULL, 0);
	assert_recv_fails(&ns, wasmc_ctype_primitive(WASMC_CK_CHAR), "invalid char: 0xdfff");
	ns.n = 0;
	node(&ns, CK(CHAR), 0x110000, 0, NULL, 0);
	assert_recv_fails(&ns, wasmc_ctype_primitive(WASMC_CK_CHAR), "invalid char");
	ns.n = 0;
	node(&ns, CK(BOOL), 2, 0, NULL, 0);
	assert_recv_fails(&ns, wasmc_ctype_primitive(WASMC_CK_BOOL), "bool value out of range");
	ns.n = 0;
	node(&ns, CK(S16), 40000, 0, NULL, 0);
	assert_recv_fails(&ns, wasmc_ctype_primitive(WASMC_CK_S16), "s16 value out of range");
	ns.n = 0;
	node(&ns, CK(F32), 1ull << 32, 0, NULL, 0);
	assert_recv_fails(&ns, wasmc_ctype_primitive(WASMC_CK_F32), "f32 value out of range");

	/* variant: case out of range, payload presence that disagrees */
	const wasmc_ctype *nv = tb_type(n.c, n.nv);
	ns.n = 0;
	node(&ns, CK(VARIANT), 5, 0, NULL, 0);
	assert_recv_fails(&ns, nv, "variant case 5 out of range (5 cases)");
	ns.n = 0;
	node(&ns, CK(VARIANT), 0, 1, NULL, 0);
	node(&ns, CK(U8), 0, 0, NULL, 0);
	assert_recv_fails(&ns, nv, "variant case 0 has no payload but n = 1");
	ns.n = 0;
	node(&ns, CK(VARIANT), 1, 0, NULL, 0);
	assert_recv_fails(&ns, nv, "variant case 1 has a payload but n = 0");
	/* the list ends where a payload is due */
	ns.n = 0;
	node(&ns, CK(VARIANT), 1, 1, NULL, 0);
	assert_recv_fails(&ns, nv, "the value ends at node 1, where a s64 is expected");

	/* flags: byte count and high bits */
	tb b;
	tb_init(&b);
	uint32_t f3 = tb_add(&b, CK(FLAGS), 0, 0, 3, "a", TB_NONE, "b", TB_NONE, "c", TB_NONE);
	uint32_t en = tb_add(&b, CK(ENUM), 0, 0, 2, "x", TB_NONE, "y", TB_NONE);
	uint32_t op = tb_add(&b, CK(OPTION), CK(U8), 0, 0);
	wcl_component *c = tb_build(&b);
	ns.n = 0;
	node(&ns, CK(FLAGS), 0, 3, "\x01\x00", 2);
	assert_recv_fails(&ns, tb_type(c, f3), "flags of 3 labels need n = 3 and 1 bytes");
	ns.n = 0;
	node(&ns, CK(FLAGS), 0, 3, "\x09", 1);
	assert_recv_fails(&ns, tb_type(c, f3), "flags bits set beyond the 3 labels");
	ns.n = 0;
	node(&ns, CK(ENUM), 2, 0, NULL, 0);
	assert_recv_fails(&ns, tb_type(c, en), "enum case 2 out of range");
	ns.n = 0;
	node(&ns, CK(OPTION), 2, 1, NULL, 0);
	assert_recv_fails(&ns, tb_type(c, op), "option discriminant 2 is not 0 or 1");

	/* nodes left over after the values of a function's results */
	wcl_ccase res[1] = {{"", tb_type(c, en)}};
	ns.n = 0;
	node(&ns, CK(ENUM), 1, 0, NULL, 0);
	node(&ns, CK(ENUM), 1, 0, NULL, 0);
	wasmc_cval *vals;
	wasmc_error *e = wcl_cvals_from_nodes(ns.p, ns.n, res, 1, WASMC_ERR_PROTOCOL, "result", &vals);
	cr_assert_not_null(e);
	cr_assert(strstr(wasmc_error_message(e), "1 nodes left over"), "%s", wasmc_error_message(e));
	wasmc_error_free(e);
	ns.n = 1;
	cr_assert_null(wcl_cvals_from_nodes(ns.p, ns.n, res, 1, WASMC_ERR_PROTOCOL, "result", &vals));
	cr_assert_eq(wasmc_cval_case(&vals[0]), 1);
	wasmc_cvals_free(vals, 1);
	wcl_component_unref(c);
	wcl_component_unref(n.c);
}

/* A value at the depth limit passes; the type table refuses deeper types,
 * so no node list can lead the walk further. */
Test(cval, depth_limit)
{
	static tb b;
	tb_init(&b);
	uint32_t t = CK(U8);
	for (int i = 0; i < WASMC_CVAL_MAX_DEPTH - 1; i++)
		t = tb_add(&b, CK(OPTION), t, 0, 0);
	wcl_component *c = tb_build(&b);
	const wasmc_ctype *deep = tb_type(c, t);
	cr_assert_eq(deep->depth, WASMC_CVAL_MAX_DEPTH);
	nodes *ns = calloc(1, sizeof *ns);
	Wasmc__V1__CValue *v = calloc(WASMC_CVAL_MAX_DEPTH, sizeof *v);
	Wasmc__V1__CValue **p = calloc(WASMC_CVAL_MAX_DEPTH, sizeof *p);
	for (int i = 0; i < WASMC_CVAL_MAX_DEPTH; i++) {
		wasmc__v1__cvalue__init(&v[i]);
		v[i].kind = i < WASMC_CVAL_MAX_DEPTH - 1 ? WASMC__V1__CKIND__CK_OPTION
		                                         : WASMC__V1__CKIND__CK_U8;
		v[i].u = i < WASMC_CVAL_MAX_DEPTH - 1 ? 1 : 7;
		v[i].n = i < WASMC_CVAL_MAX_DEPTH - 1 ? 1 : 0;
		p[i] = &v[i];
	}
	size_t pos = 0;
	wasmc_cval out;
	cr_assert_null(wcl_cval_from_nodes(p, WASMC_CVAL_MAX_DEPTH, &pos, deep, WASMC_ERR_PROTOCOL,
	                                   "r", &out));
	cr_assert_eq(pos, WASMC_CVAL_MAX_DEPTH);
	assert_round_trip(&out, deep);
	wasmc_cval_drop(&out);
	wcl_component_unref(c);
	free(ns);
	free(v);
	free(p);

	/* one level more: the table is refused */
	tb_init(&b);
	t = CK(U8);
	for (int i = 0; i < WASMC_CVAL_MAX_DEPTH + 1; i++)
		t = tb_add(&b, CK(LIST), t, 0, 0);
	wcl_component *bad = NULL;
	wasmc_error *e = wcl_component_from_proto(&b.ci, &bad);
	cr_assert_not_null(e);
	cr_assert(strstr(wasmc_error_message(e), "nests deeper than 100"), "%s",
	          wasmc_error_message(e));
	wasmc_error_free(e);
}

/* ---- hostile type tables ---- */

static void assert_info_fails(tb *b, const char *needle)
{
	wcl_component *c = NULL;
	wasmc_error *e = wcl_component_from_proto(&b->ci, &c);
	cr_assert_not_null(e, "expected '%s'", needle);
	cr_assert_eq(wasmc_error_code(e), WASMC_ERR_PROTOCOL);
	cr_assert(strstr(wasmc_error_message(e), needle), "message '%s' lacks '%s'",
	          wasmc_error_message(e), needle);
	cr_assert_null(c);
	wasmc_error_free(e);
}

Test(cval, hostile_type_tables_are_refused)
{
	tb b;
	tb_init(&b);
	tb_add(&b, CK(LIST), 65, 0, 0); /* refers to itself */
	assert_info_fails(&b, "type 64: element refers to type 65");
	tb_init(&b);
	tb_add(&b, CK(OWN), CK(U32), 0, 0);
	assert_info_fails(&b, "own of a u32, not a resource");
	tb_init(&b);
	tb_add(&b, CK(ENUM), 0, 0, 1, "a", CK(U8));
	assert_info_fails(&b, "case 0 has a type");
	tb_init(&b);
	tb_add(&b, CK(RECORD), 0, 0, 0);
	assert_info_fails(&b, "a record without cases");
	tb_init(&b);
	tb_add(&b, CK(RECORD), 0, 0, 1, "", CK(U8));
	assert_info_fails(&b, "field 0 has no name");
	tb_init(&b);
	tb_add(&b, CK(BOOL), 0, 0, 0);
	assert_info_fails(&b, "kind 1 is not a type entry");
	tb_init(&b);
	uint32_t r = tb_resource(&b, "r", 1);
	tb_add(&b, CK(LIST), r, 0, 0);
	assert_info_fails(&b, "element is a resource, not a value type");
	tb_init(&b);
	tb_item(&b, true, "", "name", WASMC__V1__CITEM_KIND__CITEM_FUNC, CK(STRING));
	assert_info_fails(&b, "import 0 is a function of type string");
	tb_init(&b);
	tb_item(&b, false, "", "x", WASMC__V1__CITEM_KIND__CITEM_TYPE, 70);
	assert_info_fails(&b, "export 0: its type refers to type 70");
}

/* The whole path: results packed into a Response, unpacked with the
 * library's checks, converted. */
Test(cval, through_a_packed_reply)
{
	nested n;
	nested_types(&n);
	wasmc_cval list = make_items();
	wcl_cnodes ns = {0};
	cr_assert_null(wcl_cval_to_nodes(&list, tb_type(n.c, n.litem), "result", &ns));
	cr_assert_null(wcl_cnodes_finish(&ns));
	Wasmc__V1__Response r = WASMC__V1__RESPONSE__INIT;
	Wasmc__V1__CallReply cr = WASMC__V1__CALL_REPLY__INIT;
	Wasmc__V1__Results res = WASMC__V1__RESULTS__INIT;
	res.n_cvalues = ns.n;
	res.cvalues = ns.ptrs;
	cr.outcome_case = WASMC__V1__CALL_REPLY__OUTCOME_RESULTS;
	cr.results = &res;
	r.body_case = WASMC__V1__RESPONSE__BODY_CALL;
	r.call = &cr;
	size_t len = wasmc__v1__response__get_packed_size(&r);
	uint8_t *buf = malloc(len);
	cr_assert_eq(wasmc__v1__response__pack(&r, buf), len);
	wcl_reply *reply;
	cr_assert_null(wcl_reply_unpack(buf, len, &reply));
	wcl_ccase rc[1] = {{"", tb_type(n.c, n.litem)}};
	wasmc_cval *vals;
	const Wasmc__V1__Results *got = reply->msg->call->results;
	cr_assert_null(wcl_cvals_from_nodes(got->cvalues, got->n_cvalues, rc, 1, WASMC_ERR_PROTOCOL,
	                                    "result", &vals));
	cr_assert(wasmc_cval_equal(&vals[0], &list));
	wasmc_cvals_free(vals, 1);
	wcl_reply_free(reply);
	free(buf);
	wcl_cnodes_free(&ns);
	wasmc_cval_drop(&list);
	wcl_component_unref(n.c);
}

Test(cval, accessors_of_other_kinds_are_neutral)
{
	wasmc_cval u = wasmc_cval_u32(5);
	cr_assert_null(wasmc_cval_get_string(&u, NULL));
	cr_assert_eq(wasmc_cval_count(&u), 0);
	cr_assert_null(wasmc_cval_item(&u, 0));
	cr_assert_null(wasmc_cval_payload(&u));
	cr_assert_not(wasmc_cval_flag(&u, 0));
	cr_assert_not(wasmc_cval_set(&u, 0, &u));
	cr_assert_eq(wasmc_cval_kind(NULL), WASMC_CK_NONE);
	cr_assert_str_eq(wasmc_ckind_name(WASMC_CK_BORROW), "borrow");
	cr_assert_str_eq(wasmc_ckind_name((wasmc_ckind)99), "unknown");
	wasmc_error *e = wasmc_cval_option_some(NULL, &u);
	cr_assert_eq(wasmc_error_code(e), WASMC_ERR_BAD_ARGUMENT);
	wasmc_error_free(e);
}
