/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of [check:NAME] in the config file (src/cfg/health.c and the
 * schema): defaults, every key of every type, and each error a bad check
 * gets, with its section and key, all of them in one go as `dpvs -t`
 * prints them. Files go into a mkdtemp() directory removed at the end.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <cmocka.h>

#include "cfg/cfg_test_env.h"

#define BASE                                                                                       \
	"[eal]\nlcores = 0,1\n[port:dpdk0]\ndevice = net_af_packet0,iface=veth0\n"                 \
	"[worker:1]\nqueues = dpdk0:0\n"                                                           \
	"[addresses]\na = 10.1.0.1/24 dev dpdk0\n"                                                 \
	"[service:web]\nservice = -t 10.0.0.100:80 -s rr\nrs1 = -r 10.1.0.2:80 -m\n"               \
	"rs2 = -r 10.1.0.3 -m -w 2\n"

static void test_defaults(void **state)
{
	(void)state;
	if (load_into(cfg, BASE "[check:web]\ntype = tcp\n") != 0)
		dump_errors();
	assert_int_equal(errs.count, 0);
	assert_int_equal(cfg->nchecks, 1);
	const struct cfg_check *c = &cfg->checks[0];

	assert_string_equal(c->name, "web");
	assert_int_equal(c->type, CFG_CHECK_TCP);
	assert_int_equal(c->interval, 5);
	assert_int_equal(c->timeout, 3);
	assert_int_equal(c->rise, 2);
	assert_int_equal(c->fall, 3);
	assert_int_equal(c->on_fail, CFG_CHECK_QUIESCE);
	assert_int_equal(c->port, 0);
	assert_string_equal(c->http_path, "/");
	assert_int_equal(c->http_status, 200);
	assert_string_equal(cfg_check_type_name(c->type), "tcp");
	assert_string_equal(cfg_check_fail_name(CFG_CHECK_REMOVE), "remove");
}

static void test_every_type(void **state)
{
	(void)state;
	assert_int_equal(load_into(cfg, BASE "[check:web]\ntype = http\nhttp_path = /health?x=1\n"
					     "http_host = www.example.com\nhttp_status = 204\n"
					     "interval = 10\ntimeout = 10\nrise = 1\nfall = 5\n"
					     "on_fail = remove\nport = 8080\nsource = 10.1.0.1\n"),
			 0);
	const struct cfg_check *c = &cfg->checks[0];

	assert_int_equal(c->type, CFG_CHECK_HTTP);
	assert_string_equal(c->http_path, "/health?x=1");
	assert_string_equal(c->http_host, "www.example.com");
	assert_int_equal(c->http_status, 204);
	assert_int_equal(c->interval, 10);
	assert_int_equal(c->on_fail, CFG_CHECK_REMOVE);
	assert_int_equal(c->port, 8080);
	assert_string_equal(c->source, "10.1.0.1");

	assert_int_equal(load_into(cfg, BASE "[check:web]\ntype = udp\nudp_send = ping\n"
					     "udp_expect = pong\n"),
			 0);
	assert_string_equal(cfg->checks[0].udp_send, "ping");
	assert_int_equal(load_into(cfg, BASE "[check:web]\ntype = dns\ndns_name = example.com\n"
					     "dns_expect = 192.0.2.1\n"),
			 0);
	assert_int_equal(cfg->checks[0].dns_type, CFG_DNS_A);
	assert_int_equal(load_into(cfg, BASE "[check:web]\ntype = dns\ndns_name = example.com.\n"
					     "dns_type = aaaa\n"),
			 0);
	assert_int_equal(cfg->checks[0].dns_type, CFG_DNS_AAAA);
	assert_int_equal(load_into(cfg, BASE "[check:web]\ntype = exec\n"
					     "command = /bin/true --quiet\n"),
			 0);
	assert_string_equal(cfg->checks[0].command, "/bin/true --quiet");
}

static void test_errors(void **state)
{
	(void)state;
	expect_error(BASE "[check:nosuch]\ntype = tcp\n", "[check:nosuch]",
		     "no [service:nosuch] to check");
	expect_error(BASE "[check:web]\ninterval = 2\n", "[check:web]", "no 'type' key");
	expect_error(BASE "[check:web]\ntype = ping\n", "[check:web] type", "'ping' is not one of");
	expect_error(BASE "[check:web]\ntype = tcp\ninterval = 2\ntimeout = 3\n",
		     "[check:web] timeout", "longer than the interval");
	expect_error(BASE "[check:web]\ntype = tcp\ninterval = 0\n", "[check:web] interval",
		     "out of range");
	expect_error(BASE "[check:web]\ntype = tcp\nrise = 101\n", "[check:web] rise", "range");
	expect_error(BASE "[check:web]\ntype = tcp\nhttp_path = /x\n", "[check:web] http_path",
		     "is for type = http, not tcp");
	expect_error(BASE "[check:web]\ntype = tcp\ncommand = /bin/true\n", "[check:web] command",
		     "is for type = exec");
	expect_error(BASE "[check:web]\ntype = http\nhttp_path = x\n", "[check:web] http_path",
		     "not a path");
	expect_error(BASE "[check:web]\ntype = http\nhttp_status = 99\n", "[check:web] http_status",
		     "range");
	expect_error(BASE "[check:web]\ntype = udp\n", "[check:web]", "needs 'udp_send'");
	expect_error(BASE "[check:web]\ntype = dns\n", "[check:web]", "needs 'dns_name'");
	expect_error(BASE "[check:web]\ntype = dns\ndns_name = a..b\n", "[check:web] dns_name",
		     "not a DNS name");
	expect_error(BASE "[check:web]\ntype = dns\ndns_name = a.b\ndns_expect = nope\n",
		     "[check:web] dns_expect", "not an IPv4 address");
	expect_error(BASE "[check:web]\ntype = dns\ndns_name = a.b\ndns_type = any\n"
			  "dns_expect = 192.0.2.1\n",
		     "[check:web] dns_expect", "needs dns_type = a");
	expect_error(BASE "[check:web]\ntype = exec\n", "[check:web]", "needs 'command'");
	expect_error(BASE "[check:web]\ntype = exec\ncommand = true\n", "[check:web] command",
		     "absolute path");
	expect_error(BASE "[check:web]\ntype = exec\ncommand = /nonexistent/check\n",
		     "[check:web] command", "not an executable file");
	expect_error(BASE "[check:web]\ntype = tcp\nsource = 10.1.0.300\n", "[check:web] source",
		     "not an IPv4 address");
	expect_error(BASE "[check:web]\ntype = tcp\nweight = 3\n", "[check:web] weight",
		     "unknown key");
	/* a port-0 service's servers have no port: the check must name one */
	expect_error(BASE "[service:all]\nservice = -t 10.0.0.101:0 -s rr -p\nrs = -r 10.1.0.4 -m\n"
			  "[check:all]\ntype = tcp\n",
		     "[check:all]", "has no port to probe: set 'port'");
	assert_int_equal(load_into(cfg, BASE
				   "[service:all]\nservice = -t 10.0.0.101:0 -s rr -p\n"
				   "rs = -r 10.1.0.4 -m\n[check:all]\ntype = tcp\nport = 22\n"),
			 0);
	/* every error of a file at once */
	assert_int_equal(load_into(cfg, BASE "[check:web]\ntype = udp\ntimeout = 9\n"
					     "[check:x]\ntype = tcp\n"),
			 -EINVAL);
	assert_true(has_error("[check:web]", "needs 'udp_send'"));
	assert_true(has_error("[check:web] timeout", NULL));
	assert_true(has_error("[check:x]", "no [service:x]"));
}

/* Checks reload: changing one is never "restart required". */
static void test_reloadable(void **state)
{
	char buf[512];

	(void)state;
	assert_int_equal(load_into(cfg, BASE "[check:web]\ntype = tcp\n"), 0);
	assert_int_equal(load_into(cfg2, BASE "[check:web]\ntype = http\ninterval = 9\n"), 0);
	assert_int_equal(cfg_diff_init_only(cfg, cfg2, buf, sizeof(buf)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_every_type),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_reloadable),
	};
	return cmocka_run_group_tests(tests, cfg_test_setup, cfg_test_teardown);
}
