/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The iproute2-style parsers shared by dpip and the config file: good
 * input parses to the right values, and bad input is refused with a
 * message that quotes the offending word, never a crash (garbage included).
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

#include "inet_parse.h"

#define MAXW 16

/* Splits a spec given as one string (a writable copy) into words. */
struct words {
	char buf[512];
	char *argv[MAXW];
	int argc;
};

static struct words *split(struct words *w, const char *s)
{
	snprintf(w->buf, sizeof(w->buf), "%s", s);
	w->argc = spec_split(w->buf, w->argv, MAXW);
	assert_true(w->argc >= 0);
	return w;
}

static void assert_v4(const union inet_addr *a, const char *dotted)
{
	struct in_addr want;

	assert_int_equal(inet_pton(AF_INET, dotted, &want), 1);
	assert_memory_equal(&a->in, &want, sizeof(want));
}

static void test_addr(void **state)
{
	union inet_addr a;
	uint8_t af = 0;
	const char *bad[] = { "", "1.2.3", "1.2.3.256", "abc", "1.2.3.4 ", " 1.2.3.4",
			      "1.2.3.4/24", "::g", "1:2:3:4:5:6:7:8:9", "default" };

	(void)state;
	assert_int_equal(inet_parse_addr("192.168.1.1", &af, &a), 0);
	assert_int_equal(af, AF_INET);
	assert_v4(&a, "192.168.1.1");
	assert_int_equal(inet_parse_addr("2001:db8::1", &af, &a), 0);
	assert_int_equal(af, AF_INET6);
	assert_int_equal(a.b[0], 0x20);
	assert_int_equal(a.b[15], 1);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(inet_parse_addr(bad[i], &af, &a), -EINVAL);
	assert_int_equal(inet_parse_addr(NULL, &af, &a), -EINVAL);
}

static void test_prefix(void **state)
{
	union inet_addr a;
	uint8_t af = 0, plen = 0;
	const char *bad[] = { "", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/+8",
			      "10.0.0.0/8/8", "/8", "10.0.0.0/ 8", "2001:db8::/129",
			      "10.0.0.0/08x", "10.0.0.0/99999999999999999999", "x/24",
			      "defaults", "10.0.0.0//8" };

	(void)state;
	assert_int_equal(inet_parse_prefix("10.0.0.0/8", &af, &a, &plen), 0);
	assert_int_equal(af, AF_INET);
	assert_int_equal(plen, 8);
	assert_v4(&a, "10.0.0.0");
	assert_int_equal(inet_parse_prefix("1.2.3.4", &af, &a, &plen), 0);
	assert_int_equal(plen, 32);
	assert_int_equal(inet_parse_prefix("0.0.0.0/0", &af, &a, &plen), 0);
	assert_int_equal(plen, 0);
	assert_int_equal(inet_parse_prefix("2001:db8::/32", &af, &a, &plen), 0);
	assert_int_equal(af, AF_INET6);
	assert_int_equal(plen, 32);
	assert_int_equal(inet_parse_prefix("::1", &af, &a, &plen), 0);
	assert_int_equal(plen, 128);
	assert_int_equal(inet_parse_prefix("default", &af, &a, &plen), 0);
	assert_int_equal(af, AF_INET);
	assert_int_equal(plen, 0);
	assert_v4(&a, "0.0.0.0");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		plen = 77;
		assert_int_equal(inet_parse_prefix(bad[i], &af, &a, &plen), -EINVAL);
		assert_int_equal(plen, 77); /* outputs untouched on error */
	}
	char longword[300];

	memset(longword, '1', sizeof(longword) - 1);
	longword[sizeof(longword) - 1] = '\0';
	assert_int_equal(inet_parse_prefix(longword, &af, &a, &plen), -EINVAL);
}

static void test_mac(void **state)
{
	struct dpvs_mac m;
	char buf[32];
	const char *bad[] = { "", "aa:bb:cc:dd:ee", "aa:bb:cc:dd:ee:ff:00", "aaa:bb:cc:dd:ee:ff",
			      "gg:bb:cc:dd:ee:ff", "aa-bb-cc-dd-ee-ff", "aa:bb:cc:dd:ee:ff ",
			      "aa::cc:dd:ee:ff", ":aa:bb:cc:dd:ee", "aa:bb:cc:dd:ee:" };

	(void)state;
	assert_int_equal(mac_parse("aa:bb:cc:dd:ee:ff", &m), 0);
	assert_string_equal(mac_fmt(&m, buf, sizeof(buf)), "aa:bb:cc:dd:ee:ff");
	assert_int_equal(mac_parse("0:1:2:A:B:Cf", &m), 0);
	assert_string_equal(mac_fmt(&m, buf, sizeof(buf)), "00:01:02:0a:0b:cf");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(mac_parse(bad[i], &m), -EINVAL);
	assert_int_equal(mac_parse(NULL, &m), -EINVAL);
}

static void test_fmt_roundtrip(void **state)
{
	const char *good[] = { "10.1.2.3", "255.255.255.255", "0.0.0.0", "2001:db8::1", "::" };
	union inet_addr a;
	uint8_t af;
	char buf[64];

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(inet_parse_addr(good[i], &af, &a), 0);
		assert_string_equal(inet_fmt(af, &a, buf, sizeof(buf)), good[i]);
	}
	assert_string_equal(inet_fmt(99, &a, buf, sizeof(buf)), "?");
}

static void test_split(void **state)
{
	char line[] = "  a  bb\tccc \r\n";
	char many[] = "1 2 3 4 5";
	char empty[] = " \t ";
	char *argv[4];

	(void)state;
	assert_int_equal(spec_split(line, argv, 4), 3);
	assert_string_equal(argv[0], "a");
	assert_string_equal(argv[1], "bb");
	assert_string_equal(argv[2], "ccc");
	assert_null(argv[3]);
	assert_int_equal(spec_split(many, argv, 4), -E2BIG);
	assert_int_equal(spec_split(empty, argv, 4), 0);
}

static void test_spec_addr(void **state)
{
	struct words w;
	struct dpvs_addr a;
	char err[256];

	(void)state;
	split(&w, "192.168.1.111/24 dev dpdk0");
	assert_int_equal(spec_parse_addr(w.argc, w.argv, &a, err, sizeof(err)), 0);
	assert_string_equal(a.ifname, "dpdk0");
	assert_int_equal(a.family, AF_INET);
	assert_int_equal(a.prefixlen, 24);
	assert_v4(&a.addr, "192.168.1.111");

	split(&w, "dev dpdk1 local 10.0.0.1");
	assert_int_equal(spec_parse_addr(w.argc, w.argv, &a, err, sizeof(err)), 0);
	assert_string_equal(a.ifname, "dpdk1");
	assert_int_equal(a.prefixlen, 32);

	static const struct {
		const char *spec, *msg;
	} bad[] = {
		{ "10.0.0.1/99 dev d", "bad prefix '10.0.0.1/99': prefix length must be 0..32" },
		{ "x/99 dev d", "bad prefix 'x/99': 'x' is not an IPv4 or IPv6 address" },
		{ "10.0.0.1/24", "missing 'dev NAME' for address 10.0.0.1/24" },
		{ "dev d", "missing the address (PREFIX dev NAME)" },
		{ "", "missing the address (PREFIX dev NAME)" },
		{ "default dev d", "bad address 'default'" },
		{ "10.0.0.1 dev", "'dev' needs a value (dev NAME)" },
		{ "10.0.0.1 dev a dev b", "'dev' given twice" },
		{ "10.0.0.1 10.0.0.2 dev a", "unexpected word '10.0.0.2'" },
		{ "10.0.0.1 dev abcdefghijklmnop", "bad device name 'abcdefghijklmnop'" },
		{ "10.0.0.1 dev a/b", "bad device name 'a/b'" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		split(&w, bad[i].spec);
		err[0] = '\0';
		assert_int_equal(spec_parse_addr(w.argc, w.argv, &a, err, sizeof(err)), -EINVAL);
		if (!strstr(err, bad[i].msg))
			fail_msg("spec '%s': got '%s', want '%s'", bad[i].spec, err, bad[i].msg);
	}
}

static void test_spec_route(void **state)
{
	struct words w;
	struct dpvs_route r;
	char err[256];

	(void)state;
	split(&w, "default via 10.0.0.254 dev dpdk0");
	assert_int_equal(spec_parse_route(w.argc, w.argv, &r, err, sizeof(err)), 0);
	assert_int_equal(r.family, AF_INET);
	assert_int_equal(r.prefixlen, 0);
	assert_v4(&r.gateway, "10.0.0.254");
	assert_string_equal(r.ifname, "dpdk0");

	split(&w, "10.1.0.0/16 dev dpdk1 src 10.1.0.1 metric 5");
	assert_int_equal(spec_parse_route(w.argc, w.argv, &r, err, sizeof(err)), 0);
	assert_int_equal(r.prefixlen, 16);
	assert_v4(&r.dst, "10.1.0.0");
	assert_v4(&r.src, "10.1.0.1");
	assert_int_equal(r.metric, 5);
	assert_v4(&r.gateway, "0.0.0.0");

	split(&w, "default via 2001:db8::1 dev d");
	assert_int_equal(spec_parse_route(w.argc, w.argv, &r, err, sizeof(err)), 0);
	assert_int_equal(r.family, AF_INET6);

	split(&w, "to 10.0.0.0/8 metric 4294967295 dev d");
	assert_int_equal(spec_parse_route(w.argc, w.argv, &r, err, sizeof(err)), 0);
	assert_int_equal(r.metric, 4294967295u);

	static const struct {
		const char *spec, *msg;
	} bad[] = {
		{ "10.0.0.1/24 dev d",
		  "bad prefix '10.0.0.1/24': address has bits set beyond /24" },
		{ "10.0.0.0/33 dev d", "bad prefix '10.0.0.0/33': prefix length must be 0..32" },
		{ "10.0.0.0/8 via 2001:db8::1 dev d", "gateway is IPv6 but the destination" },
		{ "10.0.0.0/8 src ::1 dev d", "source is IPv6" },
		{ "10.0.0.0/8 metric abc dev d", "bad metric 'abc'" },
		{ "10.0.0.0/8 metric 4294967296 dev d", "bad metric '4294967296'" },
		{ "10.0.0.0/8 metric -1 dev d", "bad metric '-1'" },
		{ "10.0.0.0/8 via dev d", "bad address 'dev' after 'via'" },
		{ "10.0.0.0/8 via", "'via' needs a value" },
		{ "10.0.0.0/8 via 10.0.0.1", "missing 'dev NAME' for route 10.0.0.0/8" },
		{ "via 10.0.0.1 dev d", "missing the destination" },
		{ "10.0.0.0/8 dev d bogus", "unexpected word 'bogus'" },
		{ "10.0.0.0/8 dev d metric 1 metric 2", "'metric' given twice" },
		{ "to", "'to' needs a value" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		split(&w, bad[i].spec);
		err[0] = '\0';
		assert_int_equal(spec_parse_route(w.argc, w.argv, &r, err, sizeof(err)), -EINVAL);
		if (!strstr(err, bad[i].msg))
			fail_msg("spec '%s': got '%s', want '%s'", bad[i].spec, err, bad[i].msg);
	}
}

static void test_spec_neigh(void **state)
{
	struct words w;
	struct dpvs_neigh n;
	char err[256], mac[32];

	(void)state;
	split(&w, "10.0.0.2 lladdr 52:54:00:aa:bb:cc dev dpdk0");
	assert_int_equal(spec_parse_neigh(w.argc, w.argv, 1, &n, err, sizeof(err)), 0);
	assert_v4(&n.addr, "10.0.0.2");
	assert_string_equal(mac_fmt(&n.mac, mac, sizeof(mac)), "52:54:00:aa:bb:cc");
	assert_int_equal(n.state, DPVS_NEIGH_PERMANENT);
	assert_string_equal(n.ifname, "dpdk0");

	split(&w, "10.0.0.2 dev dpdk0");
	assert_int_equal(spec_parse_neigh(w.argc, w.argv, 0, &n, err, sizeof(err)), 0);

	split(&w, "dev d nud stale lladdr 0:1:2:3:4:5 2001:db8::2");
	assert_int_equal(spec_parse_neigh(w.argc, w.argv, 1, &n, err, sizeof(err)), 0);
	assert_int_equal(n.state, DPVS_NEIGH_STALE);
	assert_int_equal(n.family, AF_INET6);

	static const struct {
		const char *spec, *msg;
	} bad[] = {
		{ "10.0.0.2 dev d", "missing 'lladdr MAC' for neighbour 10.0.0.2" },
		{ "10.0.0.2 lladdr zz dev d", "bad MAC 'zz'" },
		{ "10.0.0.2/24 lladdr 0:1:2:3:4:5 dev d", "bad address '10.0.0.2/24'" },
		{ "10.0.0.2 lladdr 0:1:2:3:4:5", "missing 'dev NAME'" },
		{ "lladdr 0:1:2:3:4:5 dev d", "missing the neighbour's address" },
		{ "10.0.0.2 lladdr 0:1:2:3:4:5 dev d nud bogus", "bad state 'bogus'" },
		{ "10.0.0.2 lladdr 0:1:2:3:4:5 dev d 10.0.0.3", "unexpected word '10.0.0.3'" },
		{ "10.0.0.2 lladdr", "'lladdr' needs a value" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		split(&w, bad[i].spec);
		err[0] = '\0';
		assert_int_equal(spec_parse_neigh(w.argc, w.argv, 1, &n, err, sizeof(err)),
				 -EINVAL);
		if (!strstr(err, bad[i].msg))
			fail_msg("spec '%s': got '%s', want '%s'", bad[i].spec, err, bad[i].msg);
	}
}

/* Random words from a small alphabet that hits the parsers' edge cases. */
static void test_garbage(void **state)
{
	static const char alphabet[] = "0123456789abcdefx:./ -\t\xff";
	static const char *const keywords[] = { "dev", "via", "src", "metric", "lladdr",
						"nud", "to", "local", "default" };
	unsigned seed = 12345;

	(void)state;
	for (int iter = 0; iter < 20000; iter++) {
		char line[128], copy[128];
		char *argv[MAXW];
		size_t len = 0;
		int argc;

		seed = seed * 1103515245u + 12345u;
		int n = (int)(seed >> 16) % 12;

		for (int k = 0; k < n && len < sizeof(line) - 20; k++) {
			seed = seed * 1103515245u + 12345u;
			if ((seed >> 16) % 3 == 0) {
				len += (size_t)snprintf(line + len, sizeof(line) - len, "%s ",
							keywords[(seed >> 8) % 9]);
			} else {
				int wl = (int)((seed >> 20) % 16);

				for (int c = 0; c < wl && len < sizeof(line) - 2; c++) {
					seed = seed * 1103515245u + 12345u;
					line[len++] =
						alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
				}
				line[len++] = ' ';
			}
		}
		line[len] = '\0';

		struct dpvs_addr a;
		struct dpvs_route r;
		struct dpvs_neigh nb;
		struct dpvs_mac m;
		union inet_addr ia;
		uint8_t af, plen;
		char err[128];

		memcpy(copy, line, sizeof(copy));
		argc = spec_split(copy, argv, MAXW);
		if (argc < 0)
			continue;
		err[0] = '\0';
		if (spec_parse_addr(argc, argv, &a, err, sizeof(err)))
			assert_true(err[0] != '\0'); /* an error always says why */
		err[0] = '\0';
		if (spec_parse_route(argc, argv, &r, err, sizeof(err)))
			assert_true(err[0] != '\0');
		err[0] = '\0';
		if (spec_parse_neigh(argc, argv, iter & 1, &nb, err, sizeof(err)))
			assert_true(err[0] != '\0');
		for (int k = 0; k < argc; k++) {
			inet_parse_addr(argv[k], &af, &ia);
			if (inet_parse_prefix(argv[k], &af, &ia, &plen) == 0)
				assert_true(plen <= (af == AF_INET6 ? 128 : 32));
			mac_parse(argv[k], &m);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addr),
		cmocka_unit_test(test_prefix),
		cmocka_unit_test(test_mac),
		cmocka_unit_test(test_fmt_roundtrip),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_spec_addr),
		cmocka_unit_test(test_spec_route),
		cmocka_unit_test(test_spec_neigh),
		cmocka_unit_test(test_garbage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
