/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ipvs_args: the config file's service and real-server lines, read by
 * ipvsadm's own parser (same defaults, same messages, no DNS).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "ipvs_args.h"

static void test_service_lines(void **state)
{
	struct dpvs_svc svc;
	char err[256];

	(void)state;
	assert_int_equal(ipvs_args_service("-t 192.168.1.111:80 -s rr", &svc, err, sizeof(err)), 0);
	assert_int_equal(svc.af, AF_INET);
	assert_int_equal(svc.protocol, IPPROTO_TCP);
	assert_int_equal(svc.addr.in.s_addr, inet_addr("192.168.1.111"));
	assert_int_equal(ntohs(svc.port), 80);
	assert_string_equal(svc.sched_name, "rr");
	assert_int_equal(svc.flags, 0);

	assert_int_equal(ipvs_args_service("-u 10.0.0.1:domain", &svc, err, sizeof(err)), 0);
	assert_int_equal(svc.protocol, IPPROTO_UDP);
	assert_int_equal(ntohs(svc.port), 53);
	assert_string_equal(svc.sched_name, "wlc"); /* ipvsadm's default */

	assert_int_equal(ipvs_args_service("  -t 10.0.0.1:0\t-p  -M 255.255.0.0 -s sh -b sh-port ",
					   &svc, err, sizeof(err)), 0);
	assert_int_equal(svc.flags, DPVS_SVC_F_PERSISTENT | DPVS_SVC_F_SCHED2);
	assert_int_equal(svc.timeout, 360);
	assert_int_equal(svc.netmask, inet_addr("255.255.0.0"));

	assert_int_equal(ipvs_args_service("-f 5 -6 -s rr", &svc, err, sizeof(err)), 0);
	assert_int_equal(svc.fwmark, 5);
	assert_int_equal(svc.af, AF_INET6);
	assert_int_equal(svc.protocol, 0);

	assert_int_equal(ipvs_args_service("-t [2001:db8::1]:443", &svc, err, sizeof(err)), 0);
	assert_int_equal(svc.af, AF_INET6);
	assert_int_equal(svc.netmask, 128);
}

static void test_service_errors(void **state)
{
	static const struct {
		const char *line, *msg;
	} bad[] = {
		{ "", "You need to supply the 'service-address' option for the 'add-service' command" },
		{ "-t www.example.com:80", "illegal virtual server address[:port] specified" },
		{ "-t 10.0.0.1:80 -w 3", "Illegal 'weight' option with the 'add-service' command" },
		{ "-t 10.0.0.1", "Zero port specified for non-persistent service" },
		{ "-t 10.0.0.1:80 --foo", "--foo: unknown option" },
		{ "-t 10.0.0.1:80 -A", "invalid option `-A'" },
		{ "-t 10.0.0.1:80 -s rr -s wrr", "multiple 'scheduler' options specified" },
		{ "-t 10.0.0.1:80 -b sh-port", "incompatible scheduler flag `sh-port'" },
		{ "-t 10.0.0.1:80 rr", "unexpected argument rr" },
	};
	struct dpvs_svc svc;
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(ipvs_args_service(bad[i].line, &svc, err, sizeof(err)), -EINVAL);
		assert_string_equal(err, bad[i].msg);
	}
	assert_int_equal(ipvs_args_service(NULL, &svc, err, sizeof(err)), -EINVAL);
}

static void test_dest_lines(void **state)
{
	struct dpvs_svc svc, fw;
	struct dpvs_dest d;
	char err[256];

	(void)state;
	assert_int_equal(ipvs_args_service("-t 192.168.1.111:80 -s rr", &svc, err, sizeof(err)), 0);
	assert_int_equal(ipvs_args_dest("-r 192.168.229.132:80 -m -w 1", &svc, &d, err, sizeof(err)),
			 0);
	assert_int_equal(d.af, AF_INET);
	assert_int_equal(d.addr.in.s_addr, inet_addr("192.168.229.132"));
	assert_int_equal(ntohs(d.port), 80);
	assert_int_equal(d.conn_flags, DPVS_FWD_MASQ);
	assert_int_equal(d.weight, 1);

	assert_int_equal(ipvs_args_dest("-r 192.168.229.133:8080", &svc, &d, err, sizeof(err)), 0);
	assert_int_equal(d.conn_flags, DPVS_FWD_DROUTE); /* -g default */
	assert_int_equal(ntohs(d.port), 80);             /* DR keeps the service port */
	assert_int_equal(d.weight, 1);

	assert_int_equal(ipvs_args_dest("-r 192.168.229.134 -m -w 0 -x 10 -y 5", &svc, &d, err,
					sizeof(err)), 0);
	assert_int_equal(ntohs(d.port), 80);
	assert_int_equal(d.weight, 0);
	assert_int_equal(d.u_threshold, 10);
	assert_int_equal(d.l_threshold, 5);

	/* a tunnel in the config file: the fields ipvsadm would send */
	assert_int_equal(ipvs_args_dest("-r 10.9.0.5 -i --tun-type gue --tun-port 6080 --tun-csum",
					&svc, &d, err, sizeof(err)), 0);
	assert_int_equal(d.conn_flags, DPVS_FWD_TUNNEL);
	assert_int_equal(d.tun_type, DPVS_TUN_GUE);
	assert_int_equal(ntohs(d.tun_port), 6080);
	assert_int_equal(d.tun_flags, DPVS_TUN_F_CSUM);

	assert_int_equal(ipvs_args_service("-f 7", &fw, err, sizeof(err)), 0);
	assert_int_equal(ipvs_args_dest("-r 10.1.1.1:http -m", &fw, &d, err, sizeof(err)), 0);
	assert_int_equal(ntohs(d.port), 80); /* fwmark: tcp names */
	assert_int_equal(ipvs_args_dest("-r 10.1.1.1:8080", &fw, &d, err, sizeof(err)), 0);
	assert_int_equal(ntohs(d.port), 8080); /* fwmark: no port forcing */
}

static void test_dest_errors(void **state)
{
	static const struct {
		const char *line, *msg;
	} bad[] = {
		{ "", "You need to supply the 'real-server' option for the 'add-server' command" },
		{ "-m", "You need to supply the 'real-server' option for the 'add-server' command" },
		{ "-r 1.2.3.4 -w 70000", "illegal weight specified" },
		{ "-r 1.2.3.4 -t 10.0.0.1:80", "multiple 'service-address' options specified" },
		{ "-r 1.2.3.4 -s rr", "Illegal 'scheduler' option with the 'add-server' command" },
		{ "-r 2001:db8::1 -m", "Different address family is allowed only for tunneling servers" },
		{ "-r rs1.example.com", "illegal real server address[:port] specified" },
		{ "-r 1.2.3.4 -m -g", "multiple 'forwarding-method' options specified" },
	};
	struct dpvs_svc svc;
	struct dpvs_dest d;
	char err[256];

	(void)state;
	assert_int_equal(ipvs_args_service("-t 10.0.0.1:80", &svc, err, sizeof(err)), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(ipvs_args_dest(bad[i].line, &svc, &d, err, sizeof(err)), -EINVAL);
		assert_string_equal(err, bad[i].msg);
	}
	assert_int_equal(ipvs_args_dest("-r 1.2.3.4", NULL, &d, err, sizeof(err)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_service_lines),
		cmocka_unit_test(test_service_errors),
		cmocka_unit_test(test_dest_lines),
		cmocka_unit_test(test_dest_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
