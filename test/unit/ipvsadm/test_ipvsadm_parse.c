/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ipvsadm's parser against ERRORS.md: each command line gives exactly the
 * stderr text and the exit code ipvsadm 1.31 gives, and valid lines give
 * the right command struct. Garbage argv never crashes and always ends in
 * 0, 2 or 255.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "ipvsadm_parse.h"

#define MAXW 64

struct run {
	int rc;   /* enum ipvsadm_parse_rc */
	int exit; /* ipvsadm's exit status */
	char msg[1024];
	struct ipvsadm_cmd cmd;
};

/* Splits "a b c" into argv with argv[0] = "ipvsadm" and parses it. */
static void run(const char *line, struct run *r)
{
	char buf[1024], *argv[MAXW], *save = NULL;
	int argc = 0;

	snprintf(buf, sizeof(buf), "%s", line);
	argv[argc++] = (char *)"ipvsadm";
	for (char *w = strtok_r(buf, " ", &save); w && argc < MAXW - 1; w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	argv[argc] = NULL;
	r->rc = ipvsadm_parse(argc, argv, 0, NULL, &r->cmd, r->msg, sizeof(r->msg));
	r->exit = ipvsadm_parse_exit_code(r->rc);
}

#define TRY "Try `ipvsadm -h' or 'ipvsadm --help' for more information.\n"

static const struct {
	const char *line;
	int exit;
	const char *msg;
} cases[] = {
	/* section 2: the first option */
	{ "", 255, TRY },
	{ "foo", 255, TRY },
	{ "--foo", 255, TRY },
	{ "-V", 255, TRY },
	{ "--add", 255, TRY },
	{ "-n -L", 255, TRY },
	{ "--stats", 255, TRY },
	{ "--start-daemon", 255, TRY },
	{ "--stop-daemon", 255, TRY },
	{ "--start-daemon X", 2, "illegal start-daemon parameter specified\n" },
	{ "--stop-daemon X", 2, "illegal start_daemon specified\n" },
	{ "-h", 0, "" },
	{ "-h --bogus junk", 0, "" },
	{ "-v", 0, "" },
	{ "--version -Lq", 0, "" },
	/* 3.1 popt errors */
	{ "-L --foo", 255, "--foo: unknown option\n" },
	{ "-Lq", 255, "-Lq: unknown option\n" },
	{ "-A -t", 255, "-t: missing argument\n" },
	{ "-A -t 10.0.0.2:80 -s", 255, "-s: missing argument\n" },
	{ "-L --stats=1", 255, "--stats=1: option does not take an argument\n" },
	{ "--set -1 2 3", 255, "-1: unknown option\n" },
	{ "-A -t 10.0.0.2:80 -p -1", 255, "-1: unknown option\n" },
	{ "-A -t 10.0.0.2:80 -w abc --foo", 2, "illegal weight specified\n" },
	/* 3.2 second command, repeated options */
	{ "-A -E", 2, "invalid option `-E'\n" },
	{ "-L -Z", 2, "invalid option `-Z'\n" },
	{ "-AE", 2, "invalid option `-AE'\n" },
	{ "-A --add-service", 2, "invalid option `--add-service'\n" },
	{ "-L -h", 2, "invalid option `-h'\n" },
	{ "-L -n -n", 2, "multiple 'numeric' options specified\n" },
	{ "-A -t 10.0.0.1:80 -t 10.0.0.2:80", 2, "multiple 'service-address' options specified\n" },
	{ "-A -t 10.0.0.1:80 -f 1", 2, "multiple 'service-address' options specified\n" },
	{ "-A -t 10.0.0.1:80 -s rr -s wlc", 2, "multiple 'scheduler' options specified\n" },
	{ "-a -t 10.0.0.1:80 -r 1.2.3.4 -m -g", 2, "multiple 'forwarding-method' options specified\n" },
	{ "-A -t 10.0.0.1:80 -p 60 -p 70", 2, "multiple 'persistent' options specified\n" },
	/* 3.3 values */
	{ "-A -t 80", 2, "illegal virtual server address[:port] specified\n" },
	{ "-A -t [2001:db8::2]", 2, "illegal virtual server address[:port] specified\n" },
	{ "-A -t [2001:db8::2]80", 2, "illegal virtual server address[:port] specified\n" },
	{ "-A -t [2001:db8::2:80", 2, "illegal virtual server address[:port] specified\n" },
	{ "-A -t 10.0.0.1:99999", 2, "illegal virtual server address[:port] specified\n" },
	{ "-A -t 10.0.0.1:65536", 2, "illegal virtual server address[:port] specified\n" },
	{ "-A -t 10.0.0.1:-1", 2, "illegal virtual server address[:port] specified\n" },
	{ "-A -t 10.0.0.1:", 2, "illegal virtual server address[:port] specified\n" },
	{ "-A -t 10.0.0.1:nosuchservice", 2, "illegal virtual server address[:port] specified\n" },
	{ "-A -t no.such.host.invalid:80", 2, "illegal virtual server address[:port] specified\n" },
	{ "-a -t 10.0.0.1:80 -r 80", 2, "illegal real server address[:port] specified\n" },
	{ "-A -f 0", 2, "invalid fwmark value `0' specified\n" },
	{ "-A -f -5", 2, "invalid fwmark value `-5' specified\n" },
	{ "-A -f abc", 2, "invalid fwmark value `abc' specified\n" },
	{ "-A -f 4294967296", 2, "invalid fwmark value `4294967296' specified\n" },
	{ "-A -t 10.0.0.1:80 -6", 2, "-6 used before -f\n\n" },
	{ "-L -6", 2, "-6 used before -f\n\n" },
	{ "-L -6 -f 1", 2, "-6 used before -f\n\n" },
	{ "-A -t 10.0.0.1:80 -p 0", 2, "invalid timeout value `0' specified\n" },
	{ "-A -t 10.0.0.1:80 -p 2678401", 2, "invalid timeout value `2678401' specified\n" },
	{ "-A -t 10.0.0.1:80 -p -M 1.2.3.4.5", 2,
	  "illegal virtual server persistent mask specified\n" },
	{ "-A -t [2001:db8::1]:80 -p -M 0", 2, "illegal ipv6 netmask specified\n" },
	{ "-A -t [2001:db8::1]:80 -p -M 129", 2, "illegal ipv6 netmask specified\n" },
	{ "-a -t 10.0.0.1:80 -r 1.2.3.4 -w 65536", 2, "illegal weight specified\n" },
	{ "-a -t 10.0.0.1:80 -r 1.2.3.4 -w -1", 2, "illegal weight specified\n" },
	{ "-a -t 10.0.0.1:80 -r 1.2.3.4 -x 2147483648", 2, "illegal u_threshold specified\n" },
	{ "-a -t 10.0.0.1:80 -r 1.2.3.4 -y x", 2, "illegal l_threshold specified\n" },
	{ "--start-daemon master --syncid 256", 2, "illegal syncid specified\n" },
	{ "--start-daemon master --mcast-group ff02::zz", 2, "invalid IPv6 mcast-group `ff02::zz'\n" },
	{ "--start-daemon master --mcast-group 2001:db8::1", 2,
	  "invalid IPv6 mcast-group `2001:db8::1'\n" },
	{ "--start-daemon master --mcast-group 10.0.0.1", 2, "invalid IPv4 mcast-group `10.0.0.1'\n" },
	{ "--start-daemon master --mcast-port 0", 2, "illegal mcast-port specified\n" },
	{ "--start-daemon master --mcast-ttl 256", 2, "illegal mcast-ttl specified\n" },
	{ "--start-daemon master --sync-maxlen 65508", 2, "illegal sync-maxlen specified\n" },
	{ "-a -t 10.0.0.1:80 -r 1.2.3.4 -i --tun-type vxlan", 2, "illegal tunnel type specified\n" },
	{ "-a -t 10.0.0.1:80 -r 1.2.3.4 -i --tun-port 0", 2, "illegal tunnel port specified\n" },
	/* 4. after the option loop */
	{ "--set", 2, "--set option requires 3 timeout values\n" },
	{ "--set 1 2", 2, "--set option requires 3 timeout values\n" },
	{ "--set a b c", 2, "invalid timeout value `a' specified\n" },
	{ "--set 2678401 1 1", 2, "invalid timeout value `2678401' specified\n" },
	{ "--set 1 2 3 4", 2, "unexpected argument 4\n" },
	{ "-L foo", 2, "unexpected argument foo\n" },
	{ "-A -t 10.0.0.1:80 extra", 2, "unexpected argument extra\n" },
	{ "-R foo", 2, "unexpected argument foo\n" },
	{ "-A -t 10.0.0.11:80 # x", 2, "unexpected argument #\n" },
	{ "-L -- -n", 2, "unexpected argument -n\n" },
	{ "-A -t 10.0.0.1:80 -b foo", 2, "invalid scheduler flag `foo'\n" },
	{ "-A -t 10.0.0.1:80 -b foo -r 1.2.3.4", 2, "invalid scheduler flag `foo'\n" },
	{ "-A -t 10.0.0.1:80 -b sh-port", 2, "incompatible scheduler flag `sh-port'\n" },
	{ "-A -t 10.0.0.1:80 -s sh -b mh-fallback", 2, "incompatible scheduler flag `mh-fallback'\n" },
	{ "-A -t 10.0.0.1:80 -b ,", 2, "invalid scheduler flag `,'\n" },
	/* 5. the matrix */
	{ "-A", 2, "You need to supply the 'service-address' option for the 'add-service' command\n" },
	{ "-a -t 10.0.0.1:80", 2,
	  "You need to supply the 'real-server' option for the 'add-server' command\n" },
	{ "-a -r 1.2.3.4", 2,
	  "You need to supply the 'service-address' option for the 'add-server' command\n" },
	{ "-A -t 10.0.0.1:80 -r 1.2.3.4", 2,
	  "Illegal 'real-server' option with the 'add-service' command\n" },
	{ "-A -t 10.0.0.1:80 -n", 2, "Illegal 'numeric' option with the 'add-service' command\n" },
	{ "-d -t 10.0.0.1:80 -r 1.2.3.4 -w 1", 2,
	  "Illegal 'weight' option with the 'delete-server' command\n" },
	{ "-D -t 10.0.0.1:80 -s rr", 2,
	  "Illegal 'scheduler' option with the 'delete-service' command\n" },
	{ "-L -s rr", 2, "Illegal 'scheduler' option with the 'list' command\n" },
	{ "-L -c -t 10.0.0.1:80", 2,
	  "The option 'service-address' conflicts with the 'connection' option in the 'list' command\n" },
	{ "-L --timeout --daemon", 2,
	  "The option 'daemon' conflicts with the 'timeout' option in the 'list' command\n" },
	{ "-L -t 10.0.0.1:80 --timeout", 2,
	  "The option 'timeout' conflicts with the 'service-address' option in the 'list' command\n" },
	{ "-C -n", 2, "Illegal 'numeric' option with the 'flush' command\n" },
	{ "-Z -n", 2, "Illegal 'numeric' option with the 'zero' command\n" },
	{ "-R -n", 2, "Illegal 'numeric' option with the 'restore' command\n" },
	{ "-S -c", 2, "Illegal 'connection' option with the 'save' command\n" },
	{ "--set 1 2 3 -n", 2, "Illegal 'numeric' option with the 'set' command\n" },
	{ "--start-daemon master -n", 2, "Illegal 'numeric' option with the 'start-daemon' command\n" },
	{ "--stop-daemon master --mcast-interface eth0", 2,
	  "Illegal 'mcast-interface' option with the 'stop-daemon' command\n" },
	{ "-A -t 10.0.0.1:80 -w abc", 2, "illegal weight specified\n" },
	{ "-S --tun-info", 2, "Illegal 'tun-info' option with the 'save' command\n" },
	/* 6. command-specific checks */
	{ "-A -t 10.0.0.2", 2, "Zero port specified for non-persistent service\n" },
	{ "-A -t 10.0.0.2:0", 2, "Zero port specified for non-persistent service\n" },
	{ "-A -t 2001:db8::2", 2, "Zero port specified for non-persistent service\n" },
	{ "-E -t 10.0.0.2:0", 2, "Zero port specified for non-persistent service\n" },
	{ "-A -t 10.0.0.2:80 -o", 2, "One-Packet Scheduling is only for UDP virtual services\n" },
	{ "-a -t 10.0.0.1:80 -r 2001:db8::5 -m", 2,
	  "Different address family is allowed only for tunneling servers\n" },
	{ "-a -t 10.0.0.1:80 -r 2001:db8::5", 2,
	  "Different address family is allowed only for tunneling servers\n" },
	{ "-a -t 10.0.0.1:80 -r 1.2.3.4 -m --tun-type ipip", 2,
	  "Tunnel options conflict with forward method\n" },
	{ "-a -t 10.0.0.1:80 -r 1.2.3.4 --tun-csum", 2,
	  "Tunnel options conflict with forward method\n" },
	{ "-a -t 10.0.0.1:80 -r 1.2.3.4 -i --tun-type gue", 2,
	  "You need to supply the 'tun-port' option for the 'gue' tunnel type\n" },
	{ "-a -t 10.0.0.1:80 -r 1.2.3.4 -i --tun-port 6080", 2,
	  "Illegal 'tun-port' option with the 'ipip' tunnel type\n" },
	{ "-a -t 10.0.0.1:80 -r 1.2.3.4 -i --tun-csum", 2,
	  "Illegal 'tun-csum' option with the 'ipip' tunnel type\n" },
	{ "-a -t 10.0.0.1:80 -r 1.2.3.4 -i --tun-type gre --tun-remcsum", 2,
	  "Illegal 'tun-remcsum' option with the 'gre' tunnel type\n" },
	{ "-a -t 10.0.0.1:80 -r 1.2.3.4 -i --tun-type gre --tun-nocsum --tun-csum", 2,
	  "The option 'tun-csum' conflicts with the 'tun-nocsum' option in the 'gre' tunnel type\n" },
	{ "-a -t 10.0.0.1:80 -r 1.2.3.4 -i --tun-type gue --tun-port 1 --tun-remcsum --tun-csum", 2,
	  "The option 'tun-remcsum' conflicts with the 'tun-csum' option in the 'gue' tunnel type\n" },
	{ "-L -c --stats", 2, "options conflicts in the list command\n" },
	{ "-L --timeout --rate", 2, "options conflicts in the list command\n" },
	{ "-L --daemon --persistent-conn", 2, "options conflicts in the list command\n" },
	/* valid lines */
	{ "-A -t 10.0.0.1:80", 0, "" },
	{ "-A -f 7 -o", 0, "" },
	{ "-A -u 10.0.0.1:53 -o", 0, "" },
	{ "-A -t 10.0.0.3 -p", 0, "" },
	{ "-A -t 10.0.0.1:80 -s sh -b sh-fallback,sh-port", 0, "" },
	{ "-A -t 10.0.0.1:80 -b flag-1,,flag-3", 0, "" },
	{ "-Lnc", 0, "" },
	{ "-L -n --stats --rate", 0, "" },
	{ "-L -n --thresholds --persistent-conn", 0, "" },
	{ "-l --exact -X", 2, "multiple 'exact' options specified\n" },
	{ "-L --sort --sort -n", 0, "" },
	{ "-L -f 1 -6 -6", 0, "" },
	{ "-S -n", 0, "" },
	{ "-R", 0, "" },
	{ "-C", 0, "" },
	{ "-Z", 0, "" },
	{ "-Z -t 10.0.0.1:80", 0, "" },
	{ "--set 900 120 300", 0, "" },
	{ "--set 0 0 0", 0, "" },
	{ "--stop-daemon backup --syncid 3", 0, "" },
	{ "--start-daemon master --mcast-interface eth1 --syncid 5 --mcast-group 224.0.0.81 "
	  "--mcast-port 8848 --mcast-ttl 1 --sync-maxlen 1472", 0, "" },
	{ "-a -t 10.0.0.1:80 -r 1.2.3.4 -i --tun-type gue --tun-port 6080 --tun-csum", 0, "" },
	{ "-a -t 10.0.0.1:80 -r 2001:db8::5 -i", 0, "" },
	{ "-L -- ", 0, "" },
};

static void test_error_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct run r;

		run(cases[i].line, &r);
		if (r.exit != cases[i].exit || strcmp(r.msg, cases[i].msg)) {
			print_error("line '%s': exit %d msg '%s', want exit %d msg '%s'\n",
				    cases[i].line, r.exit, r.msg, cases[i].exit, cases[i].msg);
			fail();
		}
	}
}

static void test_program_name_in_hint(void **state)
{
	char *argv[] = { (char *)"/usr/sbin/ipvsadm", (char *)"-n", NULL };
	struct ipvsadm_cmd c;
	char msg[256];

	(void)state;
	assert_int_equal(ipvsadm_parse(2, argv, 0, NULL, &c, msg, sizeof(msg)),
			 IPVSADM_PARSE_TRYHELP);
	assert_string_equal(msg, "Try `/usr/sbin/ipvsadm -h' or '/usr/sbin/ipvsadm --help' "
				 "for more information.\n");
}

static void test_service_fields(void **state)
{
	struct run r;

	(void)state;
	run("-A -t 10.0.0.1:80", &r);
	assert_int_equal(r.rc, IPVSADM_PARSE_OK);
	assert_int_equal(r.cmd.cmd, IPVSADM_CMD_ADD);
	assert_int_equal(r.cmd.svc.af, AF_INET);
	assert_int_equal(r.cmd.svc.protocol, IPPROTO_TCP);
	assert_int_equal(r.cmd.svc.addr.in.s_addr, inet_addr("10.0.0.1"));
	assert_int_equal(ntohs(r.cmd.svc.port), 80);
	assert_string_equal(r.cmd.svc.sched_name, "wlc"); /* the default */
	assert_int_equal(r.cmd.svc.netmask, 0xffffffff);
	assert_int_equal(r.cmd.svc.flags, 0);

	run("-A -u 10.0.0.5:sip -s rr -p -M 255.255.255.0 --pe sip", &r);
	assert_int_equal(r.rc, IPVSADM_PARSE_OK);
	assert_int_equal(r.cmd.svc.protocol, IPPROTO_UDP);
	assert_int_equal(ntohs(r.cmd.svc.port), 5060); /* getservbyname */
	assert_string_equal(r.cmd.svc.sched_name, "rr");
	assert_int_equal(r.cmd.svc.flags, DPVS_SVC_F_PERSISTENT);
	assert_int_equal(r.cmd.svc.timeout, 360); /* -p without a value */
	assert_int_equal(r.cmd.svc.netmask, inet_addr("255.255.255.0"));
	assert_string_equal(r.cmd.svc.pe_name, "sip");

	run("-A -t10.0.0.2:443 -p600 -s sh -b sh-port", &r); /* attached values */
	assert_int_equal(r.rc, IPVSADM_PARSE_OK);
	assert_int_equal(r.cmd.svc.timeout, 600);
	assert_int_equal(ntohs(r.cmd.svc.port), 443);
	assert_int_equal(r.cmd.svc.flags, DPVS_SVC_F_PERSISTENT | DPVS_SVC_F_SCHED2);

	run("--add-service --tcp-service=[2001:db8::1]:80 --scheduler=wrr --persistent=30", &r);
	assert_int_equal(r.rc, IPVSADM_PARSE_OK);
	assert_int_equal(r.cmd.svc.af, AF_INET6);
	assert_int_equal(r.cmd.svc.netmask, 128);
	assert_int_equal(r.cmd.svc.timeout, 30);
	assert_string_equal(r.cmd.svc.sched_name, "wrr");

	run("-A -t 10.0.0.1:80 -s averyveryverylongschedname", &r); /* cut to 15 */
	assert_int_equal(r.rc, IPVSADM_PARSE_OK);
	assert_string_equal(r.cmd.svc.sched_name, "averyveryverylo");

	run("-A -f 200 -6 -s rr -p 600", &r);
	assert_int_equal(r.rc, IPVSADM_PARSE_OK);
	assert_int_equal(r.cmd.svc.fwmark, 200);
	assert_int_equal(r.cmd.svc.af, AF_INET6);
	assert_int_equal(r.cmd.svc.protocol, 0); /* dpvs keys fwmark without one */
	assert_int_equal(r.cmd.svc.netmask, 128);

	run("-A -t [10.0.0.1]:80 -p", &r); /* upstream quirk: the port is lost */
	assert_int_equal(r.rc, IPVSADM_PARSE_OK);
	assert_int_equal(r.cmd.svc.port, 0);

	run("-A -t 10.1:80", &r); /* inet_aton forms */
	assert_int_equal(r.rc, IPVSADM_PARSE_OK);
	assert_int_equal(r.cmd.svc.addr.in.s_addr, inet_addr("10.0.0.1"));

	run("-A -u 10.0.0.4:53 -o", &r);
	assert_int_equal(r.cmd.svc.flags, DPVS_SVC_F_ONEPACKET);
}

static void test_dest_fields(void **state)
{
	struct run r;

	(void)state;
	run("-a -t 10.0.0.1:80 -r 192.168.1.10:8080 -g", &r);
	assert_int_equal(r.rc, IPVSADM_PARSE_OK);
	assert_int_equal(r.cmd.cmd, IPVSADM_CMD_ADDDEST);
	assert_int_equal(r.cmd.dest.conn_flags, DPVS_FWD_DROUTE);
	assert_int_equal(ntohs(r.cmd.dest.port), 80); /* -g: the service port */
	assert_int_equal(r.cmd.dest.weight, 1);

	run("-a -t 10.0.0.1:80 -r 192.168.1.10:8080 -m -w 0 -x 100 -y 50", &r);
	assert_int_equal(r.rc, IPVSADM_PARSE_OK);
	assert_int_equal(r.cmd.dest.conn_flags, DPVS_FWD_MASQ);
	assert_int_equal(ntohs(r.cmd.dest.port), 8080);
	assert_int_equal(r.cmd.dest.weight, 0);
	assert_int_equal(r.cmd.dest.u_threshold, 100);
	assert_int_equal(r.cmd.dest.l_threshold, 50);

	run("-a -t 10.0.0.1:80 -r 192.168.1.10 -m -w 65535", &r); /* no port: the service's */
	assert_int_equal(ntohs(r.cmd.dest.port), 80);
	assert_int_equal(r.cmd.dest.weight, 65535);

	run("-a -r 192.168.1.10 -m -t 10.0.0.1:80", &r); /* -r first: port 0 as upstream */
	assert_int_equal(r.rc, IPVSADM_PARSE_OK);
	assert_int_equal(r.cmd.dest.port, 0);

	run("-e -f 100 -r 192.168.1.40 -i -w 2", &r);
	assert_int_equal(r.rc, IPVSADM_PARSE_OK);
	assert_int_equal(r.cmd.cmd, IPVSADM_CMD_EDITDEST);
	assert_int_equal(r.cmd.dest.conn_flags, DPVS_FWD_TUNNEL);
	assert_int_equal(r.cmd.dest.port, 0);

	run("-a -t 10.0.0.1:80 -r 192.168.1.10:80 --fullnat", &r);
	assert_int_equal(r.rc, IPVSADM_PARSE_OK);
	assert_int_equal(r.cmd.dest.conn_flags, DPVS_FWD_FULLNAT);

	run("-a -t 10.0.0.1:80 -r 192.168.1.10 -i --tun-type gue --tun-port 6080 --tun-nocsum", &r);
	assert_int_equal(r.rc, IPVSADM_PARSE_OK);
	assert_int_equal(r.cmd.tun_type, IPVSADM_TUN_GUE);
	assert_int_equal(r.cmd.tun_port, 6080);
	assert_int_equal(r.cmd.tun_csum, IPVSADM_TUN_NOCSUM);
	/* what goes to the daemon: the kernel's fields, port in network order */
	assert_int_equal(r.cmd.dest.tun_type, DPVS_TUN_GUE);
	assert_int_equal(r.cmd.dest.tun_port, htons(6080));
	assert_int_equal(r.cmd.dest.tun_flags, 0);

	run("-a -t 10.0.0.1:80 -r 192.168.1.10 -i --tun-type gue --tun-port 6080 --tun-remcsum", &r);
	assert_int_equal(r.rc, IPVSADM_PARSE_OK);
	assert_int_equal(r.cmd.dest.tun_flags, DPVS_TUN_F_REMCSUM);
	run("-e -t 10.0.0.1:80 -r 192.168.1.10 -i --tun-type gre --tun-csum", &r);
	assert_int_equal(r.rc, IPVSADM_PARSE_OK);
	assert_int_equal(r.cmd.dest.tun_type, DPVS_TUN_GRE);
	assert_int_equal(r.cmd.dest.tun_flags, DPVS_TUN_F_CSUM);
	assert_int_equal(r.cmd.dest.tun_port, 0);
	run("-a -t 10.0.0.1:80 -r 192.168.1.10 -i", &r);
	assert_int_equal(r.rc, IPVSADM_PARSE_OK);
	assert_int_equal(r.cmd.dest.tun_type, DPVS_TUN_IPIP);
	assert_int_equal(r.cmd.dest.tun_flags, 0);
	/* -g (the default) carries no tunnel */
	run("-a -t 10.0.0.1:80 -r 192.168.1.10", &r);
	assert_int_equal(r.cmd.dest.conn_flags, DPVS_FWD_DROUTE);
	assert_int_equal(r.cmd.dest.tun_type | r.cmd.dest.tun_flags | r.cmd.dest.tun_port, 0);

	run("-d -t 10.0.0.1:80 -r 192.168.1.10", &r);
	assert_int_equal(r.cmd.cmd, IPVSADM_CMD_DELDEST);
}

static void test_list_and_misc(void **state)
{
	struct run r;

	(void)state;
	run("-Lnc", &r);
	assert_int_equal(r.cmd.cmd, IPVSADM_CMD_LIST);
	assert_true(r.cmd.options & IPVSADM_OPT(IPVSADM_OPT_CONNECTION));
	assert_int_equal(r.cmd.format, IPVSADM_FMT_NUMERIC);

	run("-l -n --stats --exact --nosort --tun-info", &r);
	assert_int_equal(r.cmd.format, IPVSADM_FMT_NUMERIC | IPVSADM_FMT_STATS |
					       IPVSADM_FMT_EXACT | IPVSADM_FMT_NOSORT |
					       IPVSADM_FMT_TUN_INFO);

	run("-S -n", &r);
	assert_int_equal(r.cmd.cmd, IPVSADM_CMD_SAVE);
	assert_int_equal(r.cmd.format, IPVSADM_FMT_NUMERIC | IPVSADM_FMT_RULE);

	run("--set 900 120 300", &r);
	assert_int_equal(r.cmd.cmd, IPVSADM_CMD_TIMEOUT);
	assert_int_equal(r.cmd.timeouts.tcp_timeout, 900);
	assert_int_equal(r.cmd.timeouts.tcp_fin_timeout, 120);
	assert_int_equal(r.cmd.timeouts.udp_timeout, 300);

	run("--start-daemon backup", &r);
	assert_int_equal(r.cmd.daemon.state, IPVSADM_DAEMON_BACKUP);
	assert_string_equal(r.cmd.daemon.mcast_ifn, "eth0");
	assert_int_equal(r.cmd.daemon.syncid, 0);

	run("-h", &r);
	assert_int_equal(r.cmd.cmd, IPVSADM_CMD_HELP);
	run("--version", &r);
	assert_int_equal(r.cmd.cmd, IPVSADM_CMD_VERSION);
	assert_string_equal(ipvsadm_cmd_name(IPVSADM_CMD_ZERO), "zero");
	assert_string_equal(ipvsadm_opt_name(IPVSADM_OPT_TUN_REMCSUM), "tun-remcsum");
}

/* Random argv: no crash, no hang, a verdict with a message. */
static void test_garbage(void **state)
{
	static const char *const words[] = {
		"-A", "-E", "-D", "-C", "-R", "-S", "-a", "-e", "-d", "-L", "-l", "-Z", "--set",
		"-t", "-u", "-f", "-s", "-p", "-M", "-r", "-g", "-i", "-m", "-w", "-x", "-y",
		"-c", "-n", "-6", "-o", "-b", "-X", "--stats", "--rate", "--thresholds",
		"--persistent-conn", "--timeout", "--daemon", "--exact", "--sort", "--nosort",
		"--start-daemon", "--stop-daemon", "--mcast-group", "--syncid", "--tun-type",
		"--tun-port", "--tun-csum", "--pe", "--fullnat", "-h", "-v", "--", "-", "",
		"10.0.0.1:80", "[2001:db8::1]:80", "2001:db8::1", "1.2.3.4", "80", "rr", "sh",
		"sh-port,flag-1", ",", "master", "backup", "0", "-1", "65536", "abc", "=",
		"--weight=3", "-Lnc", "-t10.0.0.1", "-pX", "--tcp-service=", "[", "]:", ":",
		"ipip", "gue", "gre", "255.255.255.0", "4294967295", "\xff\xfe", "%s%n",
		"--add-laddr", "-P", "-Q", "-G", "-z", "-F", "dpdk0", "--ifname=",
		/* issue 17: IPv6 keys and real servers, -6, -s none, v6 masks */
		"none", "[2001:db8::10]:8080", "[fe80::1]:80", "[::]:0", "2001:db8::", "64",
		"128", "129", "-6", "--ipv6", "[::ffff:10.0.0.9]:80",
	};
	const size_t nw = sizeof(words) / sizeof(words[0]);
	char rnd[8][24];
	unsigned int seed = 12345;

	(void)state;
	for (int iter = 0; iter < 50000; iter++) {
		char *argv[16];
		int argc = 1 + rand_r(&seed) % 14;
		struct ipvsadm_cmd c;
		char msg[1024];
		int rc, ex;

		argv[0] = (char *)"ipvsadm";
		for (int i = 1; i < argc; i++) {
			if (rand_r(&seed) % 8 == 0) { /* a random word */
				char *w = rnd[i % 8];
				int len = rand_r(&seed) % 20;

				for (int k = 0; k < len; k++)
					w[k] = (char)(1 + rand_r(&seed) % 255);
				w[len] = '\0';
				argv[i] = w;
			} else {
				argv[i] = (char *)words[rand_r(&seed) % nw];
			}
		}
		argv[argc] = NULL;
		rc = ipvsadm_parse(argc, argv, 0, NULL, &c, msg, sizeof(msg));
		ex = ipvsadm_parse_exit_code(rc);
		assert_true(ex == 0 || ex == 2 || ex == 255);
		if (rc != IPVSADM_PARSE_OK) {
			size_t n = strlen(msg);

			assert_true(n > 0 && msg[n - 1] == '\n');
		} else {
			assert_true(c.cmd > IPVSADM_CMD_NONE && c.cmd <= IPVSADM_CMD_VERSION);
			if (c.cmd == IPVSADM_CMD_ADDLADDR || c.cmd == IPVSADM_CMD_DELLADDR)
				assert_int_equal(c.laddr.af, AF_INET);
		}
	}
}

/* DPVS's local-address commands: what they take, and the matrix's words
 * for what they do not. */
static void test_laddr(void **state)
{
	static const struct {
		const char *line;
		int exit;
		const char *msg;
	} bad[] = {
		{ "-P -z 192.168.1.100", 2,
		  "You need to supply the 'service-address' option for the 'add-laddr' command\n" },
		{ "-P -t 10.0.0.1:80", 2,
		  "You need to supply the 'laddr' option for the 'add-laddr' command\n" },
		{ "--del-laddr -t 10.0.0.1:80", 2,
		  "You need to supply the 'laddr' option for the 'del-laddr' command\n" },
		{ "-P -t 10.0.0.1:80 -z 192.168.1.100 -w 3", 2,
		  "Illegal 'weight' option with the 'add-laddr' command\n" },
		{ "-G -z 192.168.1.100", 2, "Illegal 'laddr' option with the 'get-laddr' command\n" },
		{ "-A -t 10.0.0.1:80 -z 192.168.1.100", 2,
		  "Illegal 'laddr' option with the 'add-service' command\n" },
		{ "-a -t 10.0.0.1:80 -r 1.2.3.4 -F dpdk0", 2,
		  "Illegal 'ifname' option with the 'add-server' command\n" },
		{ "-P -t 10.0.0.1:80 -z 192.168.1", 2,
		  "illegal local address `192.168.1' specified (an IPv4 address)\n" },
		{ "-P -t 10.0.0.1:80 -z 0.0.0.0", 2,
		  "illegal local address `0.0.0.0' specified (an IPv4 address)\n" },
		{ "-P -t 10.0.0.1:80 -z 2001:db8::1", 2,
		  "illegal local address `2001:db8::1' specified (an IPv4 address)\n" },
		{ "-P -t 10.0.0.1:80 -z 192.168.1.100 -z 192.168.1.101", 2,
		  "multiple 'laddr' options specified\n" },
		{ "-P -t 10.0.0.1:80 -z 192.168.1.100 -F 0123456789abcdefXYZ", 2,
		  "illegal ifname `0123456789abcdefXYZ' specified (1 to 15 characters)\n" },
		{ "-P -t 10.0.0.1:80 -z", 255, "-z: missing argument\n" },
		{ "-P -Q", 2, "invalid option `-Q'\n" },
	};
	struct run r;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		run(bad[i].line, &r);
		if (r.exit != bad[i].exit || strcmp(r.msg, bad[i].msg)) {
			print_error("line '%s': exit %d msg '%s', want exit %d msg '%s'\n",
				    bad[i].line, r.exit, r.msg, bad[i].exit, bad[i].msg);
			fail();
		}
	}

	run("--add-laddr -z 192.168.1.100 -t 10.0.0.1:80 -F dpdk1", &r);
	assert_int_equal(r.rc, IPVSADM_PARSE_OK);
	assert_int_equal(r.cmd.cmd, IPVSADM_CMD_ADDLADDR);
	assert_int_equal(r.cmd.laddr.af, AF_INET);
	assert_int_equal(r.cmd.laddr.addr.in.s_addr, inet_addr("192.168.1.100"));
	assert_string_equal(r.cmd.laddr.ifname, "dpdk1");
	/* the request names the service as -t gave it */
	assert_int_equal(r.cmd.laddr.svc.protocol, IPPROTO_TCP);
	assert_int_equal(r.cmd.laddr.svc.addr.in.s_addr, inet_addr("10.0.0.1"));
	assert_int_equal(ntohs(r.cmd.laddr.svc.port), 80);

	run("-Q -u 10.0.0.1:53 -z 192.168.1.101", &r);
	assert_int_equal(r.rc, IPVSADM_PARSE_OK);
	assert_int_equal(r.cmd.cmd, IPVSADM_CMD_DELLADDR);
	assert_int_equal(r.cmd.laddr.svc.protocol, IPPROTO_UDP);
	assert_string_equal(r.cmd.laddr.ifname, "");

	run("-G", &r);
	assert_int_equal(r.rc, IPVSADM_PARSE_OK);
	assert_int_equal(r.cmd.cmd, IPVSADM_CMD_GETLADDR);
	assert_false(r.cmd.options & IPVSADM_OPT(IPVSADM_OPT_SERVICE));
	run("--get-laddr -t 10.0.0.1:80", &r);
	assert_int_equal(r.rc, IPVSADM_PARSE_OK);
	assert_true(r.cmd.options & IPVSADM_OPT(IPVSADM_OPT_SERVICE));
	assert_string_equal(ipvsadm_cmd_name(IPVSADM_CMD_GETLADDR), "get-laddr");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_error_table),
		cmocka_unit_test(test_program_name_in_hint),
		cmocka_unit_test(test_service_fields),
		cmocka_unit_test(test_dest_fields),
		cmocka_unit_test(test_list_and_misc),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_laddr),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
