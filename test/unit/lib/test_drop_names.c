/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Drop reason names: one per reason, none missing, all distinct, and in
 * the lower-case-with-dashes form `dpip -s link show` prints.
 */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "dpvs/ctl.h"

static void test_every_reason_named(void **state)
{
	(void)state;
	assert_true(DPVS_DROP_MAX > 0);
	for (int i = 0; i < DPVS_DROP_MAX; i++) {
		assert_non_null(dpvs_drop_names[i]);
		assert_true(strlen(dpvs_drop_names[i]) > 0);
	}
	/* spot checks that the X-macro kept index and name together */
	assert_string_equal(dpvs_drop_names[DPVS_DROP_L2_SHORT], "l2-short");
	assert_string_equal(dpvs_drop_names[DPVS_DROP_IP_BAD_CSUM], "ip-bad-csum");
	assert_string_equal(dpvs_drop_names[DPVS_DROP_CONN_STRAY_REPLY], "stray-reply");
}

static void test_names_unique(void **state)
{
	(void)state;
	for (int i = 0; i < DPVS_DROP_MAX; i++)
		for (int j = i + 1; j < DPVS_DROP_MAX; j++)
			assert_string_not_equal(dpvs_drop_names[i], dpvs_drop_names[j]);
}

static void test_names_printable(void **state)
{
	(void)state;
	for (int i = 0; i < DPVS_DROP_MAX; i++)
		for (const char *p = dpvs_drop_names[i]; *p; p++)
			assert_true(islower((unsigned char)*p) || isdigit((unsigned char)*p) ||
				    *p == '-');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_reason_named),
		cmocka_unit_test(test_names_unique),
		cmocka_unit_test(test_names_printable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
