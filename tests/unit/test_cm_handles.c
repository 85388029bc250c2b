/*
 * test_cm_handles.c - resource handle tables (component/cm_handles.h):
 * index allocation and LIFO reuse as resources/handle-table.wast asserts
 * them, unknown and wrong-typed indices with the reference messages,
 * lends and the "cannot remove owned resource while borrowed" trap, borrow
 * scopes of calls, destructor reports, host-defined resources.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "cm_handles.h"

static cm_handles *h;
static cm_trap trap;

static void setup(void)
{
	h = cm_handles_new(false);
	cr_assert(h);
	memset(&trap, 0, sizeof trap);
}

static void teardown(void)
{
	cm_handles_free(h);
	h = NULL;
}

TestSuite(cm_handles, .init = setup, .fini = teardown);

static uint32_t new_own(uint32_t rtype, uint64_t rep)
{
	uint32_t i;
	cr_assert(cm_handles_new_own(h, rtype, rep, &i, &trap), "%s", trap.msg);
	return i;
}

static void drop_ok(uint32_t i, uint32_t rtype, bool own, uint64_t rep)
{
	cm_dropped d;
	cr_assert(cm_handles_drop(h, i, rtype, &d, &trap), "drop %u: %s", i, trap.msg);
	cr_assert_eq(d.own, own);
	cr_assert_eq(d.rep, rep);
	cr_assert_eq(d.rtype, rtype);
}

static void expect_trap(bool ok, const char *msg)
{
	cr_assert_not(ok, "expected the trap '%s'", msg);
	cr_assert_str_eq(trap.msg, msg);
}

static uint64_t rep_of(uint32_t i, uint32_t rtype)
{
	uint64_t r;
	cr_assert(cm_handles_rep(h, i, rtype, &r, &trap), "%s", trap.msg);
	return r;
}

Test(cm_handles, sequential_and_lifo_reuse)
{
	cr_assert_eq(new_own(1, 100), 1);
	cr_assert_eq(new_own(1, 200), 2);
	cr_assert_eq(new_own(1, 300), 3);
	drop_ok(2, 1, true, 200);
	cr_assert_eq(new_own(1, 400), 2);
	cr_assert_eq(rep_of(1, 1), 100);
	cr_assert_eq(rep_of(2, 1), 400);
	cr_assert_eq(rep_of(3, 1), 300);
	drop_ok(1, 1, true, 100);
	drop_ok(2, 1, true, 400);
	drop_ok(3, 1, true, 300);
	cr_assert_eq(cm_handles_count(h), 0);
	cr_assert_eq(new_own(1, 500), 3);
	cr_assert_eq(new_own(1, 600), 2);
	cr_assert_eq(new_own(1, 700), 1);
	cr_assert_eq(new_own(1, 800), 4);
	cr_assert_eq(rep_of(3, 1), 500);
	cr_assert_eq(cm_handles_count(h), 4);
}

Test(cm_handles, unknown_indices)
{
	cm_dropped d;
	uint64_t r;
	expect_trap(cm_handles_drop(h, 5, 1, &d, &trap), "unknown handle index 5");
	expect_trap(cm_handles_rep(h, 5, 1, &r, &trap), "unknown handle index 5");
	expect_trap(cm_handles_drop(h, 0, 1, &d, &trap), "unknown handle index 0");
	expect_trap(cm_handles_drop(h, 0xFFFFFFFF, 1, &d, &trap),
	            "unknown handle index 4294967295");
	cr_assert_eq(new_own(1, 100), 1);
	drop_ok(1, 1, true, 100);
	expect_trap(cm_handles_drop(h, 1, 1, &d, &trap), "unknown handle index 1");
	expect_trap(cm_handles_lift_own(h, 1, 1, &r, &trap), "unknown handle index 1");
	expect_trap(cm_handles_lift_borrow(h, 3, 1, NULL, &r, &trap), "unknown handle index 3");
	/* tables are per instance: another table does not know index 1 */
	cr_assert_eq(new_own(1, 100), 1);
	cm_handles *other = cm_handles_new(false);
	expect_trap(cm_handles_drop(other, 1, 1, &d, &trap), "unknown handle index 1");
	cm_handles_free(other);
}

Test(cm_handles, wrong_type)
{
	cm_dropped d;
	uint64_t r;
	cr_assert_eq(new_own(1, 100), 1);
	expect_trap(cm_handles_drop(h, 1, 2, &d, &trap),
	            "handle index 1 used with the wrong type, expected guest-defined resource but "
	            "found a different guest-defined resource");
	expect_trap(cm_handles_lift_own(h, 1, 2, &r, &trap),
	            "handle index 1 used with the wrong type, expected guest-defined resource but "
	            "found a different guest-defined resource");
	expect_trap(cm_handles_rep(h, 1, CM_RTYPE_HOST | 1, &r, &trap),
	            "handle index 1 used with the wrong type, expected host-defined resource but "
	            "found guest-defined resource");
	/* the handle is still there after the failed attempts */
	cr_assert_eq(rep_of(1, 1), 100);
}

Test(cm_handles, lends_block_removal_until_the_call_ends)
{
	uint64_t r;
	cm_dropped d;
	uint32_t i = new_own(1, 0x41);
	cm_call call;
	cm_call_init(&call);
	cr_assert(cm_handles_lift_borrow(h, i, 1, &call, &r, &trap));
	cr_assert_eq(r, 0x41);
	/* lent twice in one call (get-rep-pair) */
	cr_assert(cm_handles_lift_borrow(h, i, 1, &call, &r, &trap));
	expect_trap(cm_handles_lift_own(h, i, 1, &r, &trap),
	            "cannot remove owned resource while borrowed");
	expect_trap(cm_handles_drop(h, i, 1, &d, &trap),
	            "cannot remove owned resource while borrowed");
	cr_assert(cm_call_end(&call, h, &trap));
	cr_assert(cm_handles_lift_own(h, i, 1, &r, &trap), "%s", trap.msg);
	cr_assert_eq(r, 0x41);
	cr_assert_eq(cm_handles_count(h), 0);
}

Test(cm_handles, borrow_handles_are_scoped_to_their_call)
{
	cm_call call;
	cm_call_init(&call);
	uint32_t b1, b2;
	cr_assert(cm_handles_lower_borrow(h, 7, 0x99, &call, &b1, &trap));
	cr_assert(cm_handles_lower_borrow(h, 7, 0x98, &call, &b2, &trap));
	cr_assert_eq(b1, 1);
	cr_assert_eq(b2, 2);
	cr_assert_eq(call.num_borrows, 2);
	cr_assert_eq(rep_of(b1, 7), 0x99);
	/* a borrow handle cannot be lifted as own */
	uint64_t r;
	expect_trap(cm_handles_lift_own(h, b1, 7, &r, &trap),
	            "handle index 1 is a borrow handle, an own handle was expected");
	/* dropping a borrow reports no destructor */
	drop_ok(b1, 7, false, 0x99);
	cr_assert_eq(call.num_borrows, 1);
	/* returning with one borrow left traps, and the borrow is gone */
	expect_trap(cm_call_end(&call, h, &trap),
	            "borrow handles still remain at the end of the call");
	cr_assert_eq(cm_handles_count(h), 0);
	expect_trap(cm_handles_drop(h, b2, 7, &(cm_dropped){0}, &trap), "unknown handle index 2");
	/* after a trap in the callee, abort removes the scope's handles */
	cm_call_init(&call);
	cr_assert(cm_handles_lower_borrow(h, 7, 0x97, &call, &b1, &trap));
	cr_assert_eq(cm_handles_count(h), 1);
	cm_call_abort(&call, h);
	cr_assert_eq(cm_handles_count(h), 0);
	/* a clean call: borrow dropped before the end */
	cm_call_init(&call);
	cr_assert(cm_handles_lower_borrow(h, 7, 0x96, &call, &b1, &trap));
	drop_ok(b1, 7, false, 0x96);
	cr_assert(cm_call_end(&call, h, &trap), "%s", trap.msg);
}

Test(cm_handles, implementer_gets_the_rep)
{
	cr_assert_not(cm_handles_implements(h, 3));
	cr_assert(cm_handles_implement(h, 3));
	cr_assert(cm_handles_implement(h, 3));
	cr_assert(cm_handles_implements(h, 3));
	cm_call call;
	cm_call_init(&call);
	uint32_t v;
	cr_assert(cm_handles_lower_borrow(h, 3, 0x1234, &call, &v, &trap));
	cr_assert_eq(v, 0x1234);
	cr_assert_eq(cm_handles_count(h), 0);
	cr_assert_eq(call.num_borrows, 0);
	cr_assert(cm_call_end(&call, h, &trap));
	/* an own handle is always a table entry, even for the implementer */
	cr_assert(cm_handles_lower_own(h, 3, 0x1234, &v, &trap));
	cr_assert_eq(v, 1);
}

Test(cm_handles, host_table_and_host_resources)
{
	cm_handles *host = cm_handles_new(true);
	cr_assert(cm_handles_implements(host, CM_RTYPE_HOST | 5));
	cr_assert_not(cm_handles_implements(host, 5));
	/* a guest table holding a client token as rep: drop reports it */
	uint32_t i = new_own(CM_RTYPE_HOST | 5, 0xFEEDFACECAFEull);
	drop_ok(i, CM_RTYPE_HOST | 5, true, 0xFEEDFACECAFEull);
	/* borrows of guest resources held by the host end with the host call */
	cm_call call;
	cm_call_init(&call);
	uint32_t b;
	cr_assert(cm_handles_lower_borrow(host, 9, 0x41, &call, &b, &trap));
	cr_assert_eq(cm_handles_count(host), 1);
	cm_handles_end_host_borrows(host, &call);
	cr_assert_eq(cm_handles_count(host), 0);
	cr_assert(cm_call_end(&call, host, &trap), "%s", trap.msg);
	cm_handles_free(host);
	cm_handles_free(NULL);
}

Test(cm_handles, many_handles)
{
	for (uint32_t k = 1; k <= 100000; k++)
		cr_assert_eq(new_own(1, k), k);
	for (uint32_t k = 1; k <= 100000; k += 2)
		drop_ok(k, 1, true, k);
	cr_assert_eq(cm_handles_count(h), 50000);
	/* the last freed index comes back first */
	cr_assert_eq(new_own(1, 1), 99999);
}

Test(cm_handles, trap_set_formats_and_truncates)
{
	char big[600];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = 0;
	cr_assert_not(cm_trap_set(&trap, "%s", big));
	cr_assert_eq(strlen(trap.msg), CM_TRAP_MAX - 1);
	cr_assert_not(cm_trap_set(NULL, "ignored"));
}
