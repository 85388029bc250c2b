/*
 * it_check.c - assertions on libwasmc results (it_check.h).
 */
#include "it_check.h"

#include <criterion/criterion.h>
#include <stdio.h>

void it_ok(wasmc_error *e, const char *what)
{
	if (!e)
		return;
	char msg[512];
	snprintf(msg, sizeof msg, "%s: %s (%s)", what, wasmc_error_message(e),
	         wasmc_errcode_name(wasmc_error_code(e)));
	wasmc_error_free(e);
	cr_assert_fail("%s", msg);
}
