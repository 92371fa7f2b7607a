/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPVS's SYN proxy switch in ipvsadm's parser: -j/--synproxy enable|disable
 * on -A and -E sets or clears DPVS_SVC_F_SYNPROXY (what -S writes parses
 * back), and is refused with its reason anywhere else, twice, or with
 * another word.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "ipvsadm_parse.h"

struct run {
	int rc, exit;
	char msg[512];
	struct ipvsadm_cmd cmd;
};

static void run(const char *line, struct run *r)
{
	char buf[512], *argv[32], *save = NULL;
	int argc = 0;

	snprintf(buf, sizeof(buf), "%s", line);
	argv[argc++] = (char *)"ipvsadm";
	for (char *w = strtok_r(buf, " ", &save); w && argc < 31; w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	argv[argc] = NULL;
	memset(r, 0, sizeof(*r));
	r->rc = ipvsadm_parse(argc, argv, 0, NULL, &r->cmd, r->msg, sizeof(r->msg));
	r->exit = ipvsadm_parse_exit_code(r->rc);
}

static void test_enable_disable(void **state)
{
	struct run r;

	(void)state;
	run("-A -t 10.0.0.1:80 -s rr --synproxy enable", &r);
	assert_int_equal(r.exit, 0);
	assert_int_equal(r.cmd.cmd, IPVSADM_CMD_ADD);
	assert_true(r.cmd.svc.flags & DPVS_SVC_F_SYNPROXY);
	run("-E -t 10.0.0.1:80 -s wlc -j enable", &r);
	assert_int_equal(r.exit, 0);
	assert_true(r.cmd.svc.flags & DPVS_SVC_F_SYNPROXY);
	run("-E -t 10.0.0.1:80 -s rr -j disable", &r);
	assert_int_equal(r.exit, 0);
	assert_false(r.cmd.svc.flags & DPVS_SVC_F_SYNPROXY);
	/* -E without it: off, as every flag of -E */
	run("-E -t 10.0.0.1:80 -s rr", &r);
	assert_int_equal(r.exit, 0);
	assert_false(r.cmd.svc.flags & DPVS_SVC_F_SYNPROXY);
	/* with the other flags, in any order */
	run("-A -t 10.0.0.1:81 -j enable -s sh -b sh-port", &r);
	assert_int_equal(r.exit, 0);
	assert_true(r.cmd.svc.flags & DPVS_SVC_F_SYNPROXY);
	assert_true(r.cmd.svc.flags & DPVS_SVC_F_SCHED2);
}

static void test_refused(void **state)
{
	static const struct {
		const char *line, *msg;
	} bad[] = {
	    {"-A -t 10.0.0.1:80 -j yes", "synproxy switch must be enable or disable\n"},
	    {"-A -t 10.0.0.1:80 -j", NULL},
	    {"-A -t 10.0.0.1:80 -j enable -j disable", "multiple '--synproxy' options specified\n"},
	    {"-a -t 10.0.0.1:80 -r 10.0.0.2 -m -j enable",
	     "Illegal 'synproxy' option with the 'add-server' command\n"},
	    {"-L -n -j enable", "Illegal 'synproxy' option with the 'list' command\n"},
	    {"-D -t 10.0.0.1:80 -j disable",
	     "Illegal 'synproxy' option with the 'delete-service' command\n"},
	};
	struct run r;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		run(bad[i].line, &r);
		assert_int_not_equal(r.exit, 0);
		if (bad[i].msg)
			assert_string_equal(r.msg, bad[i].msg);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_enable_disable),
	    cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
