/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpip without a daemon: command lines become the right requests (or the
 * right complaints), and replies print the way `ip` prints.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dpip.h"
#include "inet_parse.h"

/* Parses a command line given as one string. */
static int parse(const char *line, struct dpip_cmd *cmd, char *err, size_t errlen)
{
	static char buf[512];
	char *argv[32];
	int argc;

	snprintf(buf, sizeof(buf), "%s", line);
	argc = spec_split(buf, argv, 32);
	assert_true(argc >= 0);
	return dpip_parse(argc, argv, cmd, err, errlen);
}

/* Prints a reply into a string (caller frees). */
static char *print(const struct dpip_cmd *cmd, const void *reply, uint32_t rlen, int want_rc)
{
	char *out = NULL, err[256] = "";
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	assert_non_null(f);
	assert_int_equal(dpip_print(f, cmd, reply, rlen, err, sizeof(err)), want_rc);
	fclose(f);
	return out;
}

/* A list reply: header and entries. */
static void *list_reply(const void *entries, uint32_t count, uint32_t size, uint32_t *rlen)
{
	struct dpvs_list l = { .count = count, .entry_size = size };
	uint8_t *b = malloc(sizeof(l) + (size_t)count * size);

	memcpy(b, &l, sizeof(l));
	memcpy(b + sizeof(l), entries, (size_t)count * size);
	*rlen = (uint32_t)(sizeof(l) + (size_t)count * size);
	return b;
}

static void test_parse_requests(void **state)
{
	struct dpip_cmd c;
	char err[256];

	(void)state;
	assert_int_equal(parse("addr add 192.168.1.111/24 dev dpdk0", &c, err, sizeof(err)), 0);
	assert_int_equal(c.msg, DPVS_MSG_ADDR_ADD);
	assert_int_equal(c.req_len, sizeof(struct dpvs_addr));
	assert_string_equal(c.req.addr.ifname, "dpdk0");
	assert_int_equal(c.req.addr.prefixlen, 24);

	assert_int_equal(parse("a del 10.0.0.1/32 dev x", &c, err, sizeof(err)), 0);
	assert_int_equal(c.msg, DPVS_MSG_ADDR_DEL);

	assert_int_equal(parse("route add default via 10.0.0.254 dev dpdk0", &c, err,
			       sizeof(err)), 0);
	assert_int_equal(c.msg, DPVS_MSG_ROUTE_ADD);
	assert_int_equal(c.req_len, sizeof(struct dpvs_route));
	assert_int_equal(c.req.route.prefixlen, 0);

	assert_int_equal(parse("r d 10.0.0.0/8 dev x", &c, err, sizeof(err)), 0);
	assert_int_equal(c.msg, DPVS_MSG_ROUTE_DEL);

	assert_int_equal(parse("neigh add 10.0.0.2 lladdr 52:54:00:00:00:01 dev dpdk0", &c, err,
			       sizeof(err)), 0);
	assert_int_equal(c.msg, DPVS_MSG_NEIGH_ADD);
	assert_int_equal(c.req_len, sizeof(struct dpvs_neigh));
	assert_int_equal(parse("neighbor del 10.0.0.2 dev dpdk0", &c, err, sizeof(err)), 0);
	assert_int_equal(c.msg, DPVS_MSG_NEIGH_DEL);

	assert_int_equal(parse("config reload", &c, err, sizeof(err)), 0);
	assert_int_equal(c.msg, DPVS_MSG_CONFIG_RELOAD);
	assert_int_equal(c.req_len, 0);
	assert_int_equal(parse("stats", &c, err, sizeof(err)), 0);
	assert_int_equal(c.msg, DPVS_MSG_STATS);
	assert_int_equal(parse("version", &c, err, sizeof(err)), 0);
	assert_int_equal(c.msg, DPVS_MSG_PING);

	assert_int_equal(parse("link set dev dpdk1 down", &c, err, sizeof(err)), 0);
	assert_int_equal(c.msg, DPVS_MSG_LINK_SET);
	assert_int_equal(c.req_len, sizeof(struct dpvs_link_set));
	assert_string_equal(c.req.link.ifname, "dpdk1");
	assert_int_equal(c.req.link.up, 0);
	assert_int_equal(parse("link set up dpdk0", &c, err, sizeof(err)), 0);
	assert_string_equal(c.req.link.ifname, "dpdk0");
	assert_int_equal(c.req.link.up, 1);
}

static void test_parse_show(void **state)
{
	struct dpip_cmd c;
	char err[256];

	(void)state;
	assert_int_equal(parse("link show", &c, err, sizeof(err)), 0);
	assert_int_equal(c.msg, DPVS_MSG_LINK_SHOW);
	assert_int_equal(c.stats, 0);
	assert_int_equal(parse("-s link show", &c, err, sizeof(err)), 0);
	assert_int_equal(c.stats, 1);
	assert_int_equal(parse("link show -s -s", &c, err, sizeof(err)), 0);
	assert_int_equal(c.stats, 2);
	assert_int_equal(parse("-s l", &c, err, sizeof(err)), 0);
	assert_int_equal(c.msg, DPVS_MSG_LINK_SHOW);
	assert_int_equal(parse("link -s", &c, err, sizeof(err)), 0);
	assert_int_equal(c.stats, 1);
	assert_int_equal(parse("link show dpdk1", &c, err, sizeof(err)), 0);
	assert_string_equal(c.ifname, "dpdk1");
	assert_int_equal(parse("addr show dev dpdk0", &c, err, sizeof(err)), 0);
	assert_int_equal(c.msg, DPVS_MSG_ADDR_SHOW);
	assert_string_equal(c.ifname, "dpdk0");
	assert_int_equal(c.req_len, 0);
	assert_int_equal(parse("addr", &c, err, sizeof(err)), 0);
	assert_int_equal(c.msg, DPVS_MSG_ADDR_SHOW);
	assert_int_equal(parse("r s", &c, err, sizeof(err)), 0);
	assert_int_equal(c.msg, DPVS_MSG_ROUTE_SHOW);
	assert_int_equal(parse("n ls", &c, err, sizeof(err)), 0);
	assert_int_equal(c.msg, DPVS_MSG_NEIGH_SHOW);
}

static void test_parse_help(void **state)
{
	struct dpip_cmd c;
	char err[256];

	(void)state;
	assert_int_equal(parse("-h", &c, err, sizeof(err)), DPIP_HELP);
	assert_non_null(strstr(c.usage, "OBJECT :="));
	assert_int_equal(parse("help", &c, err, sizeof(err)), DPIP_HELP);
	assert_int_equal(parse("route help", &c, err, sizeof(err)), DPIP_HELP);
	assert_non_null(strstr(c.usage, "dpip route add"));
	assert_int_equal(parse("addr add help", &c, err, sizeof(err)), DPIP_HELP);
	assert_non_null(strstr(c.usage, "dpip addr add"));
	assert_int_equal(parse("neigh -h", &c, err, sizeof(err)), DPIP_HELP);
	assert_non_null(strstr(c.usage, "lladdr"));
	assert_int_equal(parse("-V", &c, err, sizeof(err)), DPIP_HELP);
	assert_non_null(strstr(c.usage, DPVS_VERSION_STRING));
}

static void test_parse_errors(void **state)
{
	static const struct {
		const char *line, *msg, *usage;
	} bad[] = {
		{ "", "missing OBJECT", "OBJECT :=" },
		{ "-x link", "unknown option '-x'", "OBJECT :=" },
		{ "bogus", "unknown object 'bogus'", "OBJECT :=" },
		{ "addr frob", "unknown command 'frob' for addr", "dpip addr add" },
		{ "addr add 10.0.0.1/99 dev d",
		  "bad prefix '10.0.0.1/99': prefix length must be 0..32", "dpip addr add" },
		{ "addr add 10.0.0.1/24", "missing 'dev NAME'", "dpip addr add" },
		{ "route add 10.0.0.1/24 dev d", "has bits set beyond /24", "dpip route add" },
		{ "neigh add 10.0.0.2 lladdr zz dev d", "bad MAC 'zz'", "dpip neigh add" },
		{ "neigh add 10.0.0.2 dev d", "missing 'lladdr MAC'", "dpip neigh add" },
		{ "link show a b", "unexpected word 'b'", "link show" },
		{ "link show abcdefghijklmnopq", "bad device name", "link show" },
		{ "link up", "unknown command 'up' for link", "link show" },
		{ "link set dpdk0", "link set dpdk0: up or down?", "link set" },
		{ "link set up", "which device?", "link set" },
		{ "link set dpdk0 up down", "'down' after 'up'", "link set" },
		{ "link set dpdk0 dpdk1 up", "unexpected word 'dpdk1'", "link set" },
		{ "link set dev", "'dev' needs a value", "link set" },
		{ "config", "missing command for config", "config reload" },
		{ "config reload now", "unexpected word 'now'", "config reload" },
		{ "stats x", "unexpected word 'x'", "dpip stats" },
		{ "version 2", "unexpected word '2'", "dpip version" },
	};
	struct dpip_cmd c;
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(parse(bad[i].line, &c, err, sizeof(err)), -EINVAL);
		if (!strstr(err, bad[i].msg))
			fail_msg("'%s': got '%s', want '%s'", bad[i].line, err, bad[i].msg);
		if (!strstr(c.usage, bad[i].usage))
			fail_msg("'%s': usage '%s' lacks '%s'", bad[i].line, c.usage, bad[i].usage);
	}
}

static void test_print_links(void **state)
{
	struct dpvs_link l[2];
	struct dpip_cmd c = { .msg = DPVS_MSG_LINK_SHOW };
	uint32_t rlen;
	void *reply;
	char *out;

	(void)state;
	memset(l, 0, sizeof(l));
	snprintf(l[0].ifname, sizeof(l[0].ifname), "dpdk0");
	snprintf(l[0].kni_name, sizeof(l[0].kni_name), "dpdk0.kni");
	snprintf(l[0].device, sizeof(l[0].device), "net_af_packet0,iface=vB");
	snprintf(l[0].driver, sizeof(l[0].driver), "net_af_packet");
	l[0].mac = (struct dpvs_mac){ { 0x52, 0x54, 0, 0x12, 0x34, 0x56 } };
	l[0].flags = DPVS_LINK_F_UP | DPVS_LINK_F_LOWER_UP | DPVS_LINK_F_PROMISC | DPVS_LINK_F_KNI;
	l[0].mtu = 1500;
	l[0].rx_queues = l[0].tx_queues = 1;
	l[0].rx_packets = 10;
	l[0].drops[DPVS_DROP_IP_BAD_CSUM] = 3;
	l[0].drops[DPVS_DROP_L2_SHORT] = 2;
	l[0].drops[DPVS_DROP_TX_FULL] = 4;
	l[0].forwarded = 4;
	l[0].to_kernel = 1;
	snprintf(l[1].ifname, sizeof(l[1].ifname), "dpdk1");
	l[1].port_id = 1;
	l[1].mtu = 9000;
	reply = list_reply(l, 2, sizeof(l[0]), &rlen);

	out = print(&c, reply, rlen, 0);
	assert_non_null(strstr(out, "0: dpdk0: <UP,LOWER_UP,PROMISC> mtu 1500 state UP\n"));
	assert_non_null(strstr(out, "    link/ether 52:54:00:12:34:56 brd ff:ff:ff:ff:ff:ff\n"));
	assert_non_null(strstr(out, "device net_af_packet0,iface=vB driver net_af_packet"));
	assert_non_null(strstr(out, "    kni dpdk0.kni\n"));
	assert_non_null(strstr(out, "1: dpdk1: <> mtu 9000 state DOWN\n"));
	free(out);
	/* set down by the operator, the device still has carrier */
	l[0].flags = DPVS_LINK_F_LOWER_UP;
	l[1].flags = DPVS_LINK_F_UP;
	free(reply);
	reply = list_reply(l, 2, sizeof(l[0]), &rlen);
	out = print(&c, reply, rlen, 0);
	assert_non_null(strstr(out, "0: dpdk0: <LOWER_UP> mtu 1500 state DOWN\n"));
	assert_non_null(strstr(out, "1: dpdk1: <UP> mtu 9000 state DOWN\n"));
	assert_null(strstr(out, "RX:")); /* no counters without -s */
	free(out);

	c.stats = 1;
	out = print(&c, reply, rlen, 0);
	assert_non_null(strstr(out, "    RX: packets 10 bytes 0\n"));
	assert_non_null(strstr(out, "    drop ip-bad-csum 3\n"));
	assert_non_null(strstr(out, "    drop l2-short 2\n"));
	/* the fates add up to RX packets; losses on the way out apart */
	assert_non_null(strstr(out, "    fates: forwarded 4 arp-replied 0 icmp-echo-replied 0 "
				    "to-kernel 1 dropped 5\n"));
	assert_non_null(strstr(out, "    lost-leaving 4\n"));
	assert_non_null(strstr(out, "    drop tx-full 4\n"));
	assert_null(strstr(out, "drop ip-short ")); /* zero reasons hidden */
	free(out);

	c.stats = 2;
	out = print(&c, reply, rlen, 0);
	assert_non_null(strstr(out, "    drop ip-short 0\n"));
	free(out);

	/* name filter; an unknown name is an error */
	c.stats = 0;
	snprintf(c.ifname, sizeof(c.ifname), "dpdk1");
	out = print(&c, reply, rlen, 0);
	assert_null(strstr(out, "dpdk0"));
	assert_non_null(strstr(out, "dpdk1"));
	free(out);
	snprintf(c.ifname, sizeof(c.ifname), "nope");
	free(print(&c, reply, rlen, -ENODEV));
	free(reply);
}

static void test_print_addrs_routes_neighs(void **state)
{
	struct dpip_cmd c = { .msg = DPVS_MSG_ADDR_SHOW };
	struct dpvs_addr a[2] = {
		{ .ifname = "dpdk0", .family = AF_INET, .prefixlen = 24 },
		{ .ifname = "dpdk1", .family = AF_INET, .prefixlen = 32,
		  .flags = DPVS_ADDR_F_VIP },
	};
	struct dpvs_route r[3] = {
		{ .ifname = "dpdk0", .family = AF_INET, .prefixlen = 0 },
		{ .ifname = "dpdk0", .family = AF_INET, .prefixlen = 24,
		  .flags = DPVS_ROUTE_F_CONNECTED },
		{ .ifname = "dpdk1", .family = AF_INET, .prefixlen = 32, .metric = 7 },
	};
	struct dpvs_neigh n[2] = {
		{ .ifname = "dpdk0", .family = AF_INET, .state = DPVS_NEIGH_REACHABLE,
		  .mac = { { 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff } } },
		{ .ifname = "dpdk0", .family = AF_INET, .state = DPVS_NEIGH_INCOMPLETE,
		  .queued = 2 },
	};
	uint32_t rlen;
	void *reply;
	char *out;

	(void)state;
	inet_parse_addr("192.168.1.111", NULL, &a[0].addr);
	inet_parse_addr("10.0.0.100", NULL, &a[1].addr);
	reply = list_reply(a, 2, sizeof(a[0]), &rlen);
	out = print(&c, reply, rlen, 0);
	assert_string_equal(out, "inet 192.168.1.111/24 scope global dpdk0\n"
				 "inet 10.0.0.100/32 scope global vip dpdk1\n");
	free(out);
	snprintf(c.ifname, sizeof(c.ifname), "dpdk1");
	out = print(&c, reply, rlen, 0);
	assert_string_equal(out, "inet 10.0.0.100/32 scope global vip dpdk1\n");
	free(out);
	free(reply);

	c = (struct dpip_cmd){ .msg = DPVS_MSG_ROUTE_SHOW };
	inet_parse_addr("192.168.1.254", NULL, &r[0].gateway);
	inet_parse_addr("192.168.1.0", NULL, &r[1].dst);
	inet_parse_addr("192.168.1.111", NULL, &r[1].src);
	inet_parse_addr("10.9.9.9", NULL, &r[2].dst);
	reply = list_reply(r, 3, sizeof(r[0]), &rlen);
	out = print(&c, reply, rlen, 0);
	assert_string_equal(out,
			    "default via 192.168.1.254 dev dpdk0\n"
			    "192.168.1.0/24 dev dpdk0 proto kernel scope link src 192.168.1.111\n"
			    "10.9.9.9 dev dpdk1 scope link metric 7\n");
	free(out);
	free(reply);

	c = (struct dpip_cmd){ .msg = DPVS_MSG_NEIGH_SHOW };
	inet_parse_addr("192.168.1.1", NULL, &n[0].addr);
	inet_parse_addr("192.168.1.2", NULL, &n[1].addr);
	reply = list_reply(n, 2, sizeof(n[0]), &rlen);
	out = print(&c, reply, rlen, 0);
	assert_string_equal(out, "192.168.1.1 dev dpdk0 lladdr aa:bb:cc:dd:ee:ff REACHABLE\n"
				 "192.168.1.2 dev dpdk0 INCOMPLETE\n");
	free(out);
	c.stats = 1;
	out = print(&c, reply, rlen, 0);
	assert_non_null(strstr(out, "INCOMPLETE age 0s queued 2\n"));
	free(out);
	free(reply);
}

static void test_print_stats_version_text(void **state)
{
	struct dpvs_worker_stats w[2] = {
		{ .lcore_id = 1, .cpu = 1, .loops = 100, .idle_loops = 50, .packets = 1000,
		  .pps = 10.0, .conns = 3, .conn_max = 100 },
		{ .lcore_id = 2, .cpu = 2, .packets = 500, .pps = 5.0, .conns = 4 },
	};
	struct dpvs_info info = { .version = "0.1.0", .nports = 2, .nworkers = 2,
				  .uptime_sec = 90061, .conn_tab_size = 1024, .pid = 42 };
	struct dpip_cmd c = { .msg = DPVS_MSG_STATS };
	uint32_t rlen;
	void *reply;
	char *out;

	(void)state;
	reply = list_reply(w, 2, sizeof(w[0]), &rlen);
	out = print(&c, reply, rlen, 0);
	assert_non_null(strstr(out, "cycles/pkt"));
	assert_non_null(strstr(out, " 50.0%"));
	assert_non_null(strstr(out, "total"));
	assert_non_null(strstr(out, "1500")); /* packets summed */
	free(out);
	free(reply);

	c.msg = DPVS_MSG_PING;
	out = print(&c, &info, sizeof(info), 0);
	assert_non_null(strstr(out, "dpvs 0.1.0 pid 42 up 1d 01:01:01, 2 ports, 2 workers"));
	free(out);
	free(print(&c, &info, sizeof(info) - 1, -EBADMSG));

	c.msg = DPVS_MSG_CONFIG_RELOAD;
	out = print(&c, "2 routes added", 15, 0);
	assert_string_equal(out, "2 routes added\n");
	free(out);
	out = print(&c, "", 0, 0);
	assert_string_equal(out, "config reloaded\n");
	free(out);

	c.msg = DPVS_MSG_ADDR_ADD;
	out = print(&c, NULL, 0, 0);
	assert_string_equal(out, "");
	free(out);
}

static void test_print_bad_replies(void **state)
{
	struct dpip_cmd c = { .msg = DPVS_MSG_ROUTE_SHOW };
	struct dpvs_list l = { .count = 5, .entry_size = sizeof(struct dpvs_route) };
	uint8_t big[sizeof(struct dpvs_list) + 2 * (sizeof(struct dpvs_neigh) + 8)];
	uint32_t rlen;
	char *out;

	(void)state;
	/* announces 5 routes, holds none */
	free(print(&c, &l, sizeof(l), -EBADMSG));
	free(print(&c, &l, 3, -EBADMSG));
	/* entries smaller than the tool's struct */
	l.entry_size = 4;
	l.count = 1;
	free(print(&c, &l, sizeof(l), -EBADMSG));

	/* a newer daemon's larger entries are read at their own stride */
	struct dpvs_neigh n = { .ifname = "dpdk0", .family = AF_INET, .state = 3 };

	inet_parse_addr("1.2.3.4", NULL, &n.addr);
	l.count = 2;
	l.entry_size = sizeof(n) + 8;
	memset(big, 0xee, sizeof(big));
	memcpy(big, &l, sizeof(l));
	memcpy(big + sizeof(l), &n, sizeof(n));
	memcpy(big + sizeof(l) + l.entry_size, &n, sizeof(n));
	rlen = sizeof(big);
	c.msg = DPVS_MSG_NEIGH_SHOW;
	out = print(&c, big, rlen, 0);
	assert_string_equal(out, "1.2.3.4 dev dpdk0 lladdr 00:00:00:00:00:00 PERMANENT\n"
				 "1.2.3.4 dev dpdk0 lladdr 00:00:00:00:00:00 PERMANENT\n");
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_requests),
		cmocka_unit_test(test_parse_show),
		cmocka_unit_test(test_parse_help),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_print_links),
		cmocka_unit_test(test_print_addrs_routes_neighs),
		cmocka_unit_test(test_print_stats_version_text),
		cmocka_unit_test(test_print_bad_replies),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
