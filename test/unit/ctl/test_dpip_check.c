/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of `dpip check` (tools/dpip/dpip_check.c): the words it
 * takes, the complaints about others, and the listing printed from a
 * reply as the daemon builds it (DPVS_MSG_CHECK_SHOW).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "dpip.h"

static int parse(const char *line, struct dpip_cmd *c, char *err, size_t errlen)
{
	static char buf[256];
	char *argv[16];
	int argc = 0;

	snprintf(buf, sizeof(buf), "%s", line);
	for (char *s = NULL, *t = strtok_r(buf, " ", &s); t; t = strtok_r(NULL, " ", &s))
		argv[argc++] = t;
	return dpip_parse(argc, argv, c, err, errlen);
}

static void test_parse(void **state)
{
	struct dpip_cmd c;
	char err[256];

	(void)state;
	assert_int_equal(parse("check", &c, err, sizeof(err)), 0);
	assert_int_equal(c.msg, DPVS_MSG_CHECK_SHOW);
	assert_int_equal(c.req_len, 0);
	assert_int_equal(parse("ch show", &c, err, sizeof(err)), 0);
	assert_int_equal(c.msg, DPVS_MSG_CHECK_SHOW);
	assert_int_equal(parse("check show web", &c, err, sizeof(err)), 0);
	assert_string_equal(c.req.check, "web");
	assert_int_equal(c.req_len, 4);
	assert_int_equal(parse("check ls web", &c, err, sizeof(err)), 0);
	assert_int_equal(parse("check add web", &c, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "unknown command 'add' for check (expected show)");
	assert_int_equal(parse("check show web more", &c, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "unexpected word 'more'");
	assert_int_equal(parse("check show "
			       "a234567890123456789012345678901234567890123456789012345678901234",
			       &c, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "is longer than 63 characters"));
	assert_int_equal(parse("check help", &c, err, sizeof(err)), DPIP_HELP);
	assert_non_null(strstr(c.usage, "dpip check [show [NAME]]"));
}

static char *print(const void *reply, uint32_t len, int *rc)
{
	static char out[4096];
	static char err[256];
	struct dpip_cmd c = {.msg = DPVS_MSG_CHECK_SHOW};
	FILE *f = fmemopen(out, sizeof(out), "w");

	assert_non_null(f);
	*rc = dpip_print(f, &c, reply, len, err, sizeof(err));
	fclose(f);
	return *rc ? err : out;
}

static void test_print(void **state)
{
	struct {
		struct dpvs_list l;
		struct dpvs_check_entry e[2];
	} r;
	int rc;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.l.count = 2;
	r.l.entry_size = sizeof(struct dpvs_check_entry);
	for (int i = 0; i < 2; i++) {
		struct dpvs_check_entry *e = &r.e[i];

		snprintf(e->check, sizeof(e->check), "web");
		snprintf(e->service, sizeof(e->service), "TCP 192.168.1.111:80");
		snprintf(e->type, sizeof(e->type), "http");
		snprintf(e->on_fail, sizeof(e->on_fail), "quiesce");
		e->interval = e->timeout = 1;
		e->rise = e->fall = 2;
		e->port = htons(80);
		e->restore_weight = 1;
	}
	inet_pton(AF_INET, "192.168.229.132", &r.e[0].addr.in);
	r.e[0].state = DPVS_CHECK_DOWN;
	r.e[0].weight = 0;
	r.e[0].fail_run = 4;
	r.e[0].probes = 31;
	r.e[0].failures = 4;
	r.e[0].changes = 1;
	r.e[0].since_probe = 0;
	r.e[0].since_change = 2;
	snprintf(r.e[0].last, sizeof(r.e[0].last), "connect: Connection refused");
	inet_pton(AF_INET, "192.168.229.134", &r.e[1].addr.in);
	r.e[1].weight = -1;
	r.e[1].since_probe = r.e[1].since_change = DPVS_CHECK_NEVER;
	assert_string_equal(
	    print(&r, sizeof(r), &rc),
	    "check web: http every 1 s, timeout 1 s, rise 2, fall 2, on fail quiesce (TCP "
	    "192.168.1.111:80)\n"
	    "  192.168.229.132:80 down weight 0 restore 1 last fail 0 s ago \"connect: Connection "
	    "refused\" consecutive ok 0 fail 4 probes 31 failures 4 not-sent 0 changes 1 changed 2 "
	    "s ago\n"
	    "  192.168.229.134:80 up weight - restore 1 last none consecutive ok 0 fail 0 probes 0 "
	    "failures 0 not-sent 0 changes 0 changed never\n");
	r.l.count = 0;
	assert_string_equal(print(&r, sizeof(r.l), &rc),
			    "no health checks (add a [check:NAME] section to the config file)\n");
	/* a reply that does not hold what it says */
	r.l.count = 3;
	print(&r, sizeof(r), &rc);
	assert_int_equal(rc, -EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse),
	    cmocka_unit_test(test_print),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
