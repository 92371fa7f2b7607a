/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the pure parts of the health checks: the rise/fall state
 * machine (health_sm.c), the HTTP status line and request, the DNS query
 * (against bytes written out from RFC 1035's layout) and the checks of a
 * DNS answer, good and malformed (health_proto.c).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>

#include <cmocka.h>

#include "dpvs/health.h"
#include "control/health.h"

static void test_sm_fall_rise(void **state)
{
	struct health_sm sm = {0};

	(void)state;
	assert_int_equal(sm.state, DPVS_CHECK_UP);
	/* fall 3: two failures keep it up, a success starts the run again */
	assert_false(health_sm_feed(&sm, false, 2, 3));
	assert_false(health_sm_feed(&sm, false, 2, 3));
	assert_int_equal(sm.fail_run, 2);
	assert_false(health_sm_feed(&sm, true, 2, 3));
	assert_int_equal(sm.fail_run, 0);
	assert_int_equal(sm.ok_run, 1);
	assert_false(health_sm_feed(&sm, false, 2, 3));
	assert_false(health_sm_feed(&sm, false, 2, 3));
	assert_true(health_sm_feed(&sm, false, 2, 3));
	assert_int_equal(sm.state, DPVS_CHECK_DOWN);
	/* more failures: no new change */
	assert_false(health_sm_feed(&sm, false, 2, 3));
	assert_int_equal(sm.fail_run, 4);
	/* rise 2 */
	assert_false(health_sm_feed(&sm, true, 2, 3));
	assert_false(health_sm_feed(&sm, false, 2, 3));
	assert_false(health_sm_feed(&sm, true, 2, 3));
	assert_true(health_sm_feed(&sm, true, 2, 3));
	assert_int_equal(sm.state, DPVS_CHECK_UP);
	assert_false(health_sm_feed(&sm, true, 2, 3));
	assert_int_equal(sm.ok_run, 3);
}

static void test_sm_one_and_saturation(void **state)
{
	struct health_sm sm = {0};

	(void)state;
	/* rise = fall = 1: every result of the other kind changes it */
	assert_true(health_sm_feed(&sm, false, 1, 1));
	assert_true(health_sm_feed(&sm, true, 1, 1));
	assert_true(health_sm_feed(&sm, false, 1, 1));
	sm.fail_run = UINT32_MAX;
	assert_false(health_sm_feed(&sm, false, 1, 1));
	assert_int_equal(sm.fail_run, UINT32_MAX);
}

static int status(const char *s)
{
	return health_http_status(s, strlen(s));
}

static void test_http_status(void **state)
{
	(void)state;
	assert_int_equal(status("HTTP/1.1 200 OK\r\n"), 200);
	assert_int_equal(status("HTTP/1.0 503 Service Unavailable\r\n"), 503);
	assert_int_equal(status("HTTP/1.1 204\r\n"), 204);
	assert_int_equal(status("HTTP/1.1 301 "), 301);
	/* not complete yet: more bytes may make it one */
	assert_int_equal(status(""), 0);
	assert_int_equal(status("HT"), 0);
	assert_int_equal(status("HTTP/1.1 20"), 0);
	assert_int_equal(status("HTTP/1.1 200"), 0);
	/* never a status line */
	assert_int_equal(status("SSH-2.0-OpenSSH\r\n"), -EBADMSG);
	assert_int_equal(status("http/1.1 200 OK\r\n"), -EBADMSG);
	assert_int_equal(status("HTTP/1.1 2x0 OK\r\n"), -EBADMSG);
	assert_int_equal(status("HTTP/1.1 2x"), -EBADMSG);
	assert_int_equal(status("HTTP/1.1  200 OK\r\n"), -EBADMSG);
	assert_int_equal(status("HTTP/1.1 2000 OK\r\n"), -EBADMSG);
	assert_int_equal(status("HTTP/1.1 099 Low\r\n"), -EBADMSG);
	assert_int_equal(status("HTTP/1.1 600 High\r\n"), -EBADMSG);
	assert_int_equal(status("HTTP/x.1 200 OK\r\n"), -EBADMSG);
}

static void test_http_request(void **state)
{
	char buf[128];
	const char *want = "GET /health HTTP/1.0\r\nHost: 10.0.0.1\r\nUser-Agent: dpvs-health\r\n"
			   "Connection: close\r\n\r\n";

	(void)state;
	assert_int_equal(health_http_request(buf, sizeof(buf), "/health", "10.0.0.1"),
			 (int)strlen(want));
	assert_string_equal(buf, want);
	assert_int_equal(health_http_request(buf, 20, "/health", "10.0.0.1"), -ENOSPC);
}

static void test_dns_query(void **state)
{
	/* RFC 1035 4.1: id, flags RD, QDCOUNT 1, then www.example.com A IN */
	static const uint8_t want[] = {0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
				       0x00, 0x00, 0x00, 3,    'w',  'w',  'w',	 7,    'e',
				       'x',  'a',  'm',	 'p',  'l',  'e',  3,	 'c',  'o',
				       'm',  0,	   0x00, 0x01, 0x00, 0x01};
	uint8_t buf[512];

	(void)state;
	assert_int_equal(health_dns_query(buf, sizeof(buf), 0x1234, "www.example.com", 1),
			 (int)sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
	/* a trailing dot is the same name */
	assert_int_equal(health_dns_query(buf, sizeof(buf), 0x1234, "www.example.com.", 1),
			 (int)sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
	assert_int_equal(health_dns_query(buf, sizeof(buf), 1, "a..b", 1), -EINVAL);
	assert_int_equal(health_dns_query(buf, sizeof(buf), 1, "", 1), -EINVAL);
	assert_int_equal(health_dns_query(buf, 20, 1, "www.example.com", 1), -ENOSPC);
}

/* An answer to the query of test_dns_query: the question, then A records
 * named by a pointer to it (offset 12). */
static size_t answer(uint8_t *b, uint16_t id, uint16_t flags, const uint8_t (*addrs)[4], unsigned n)
{
	size_t off = (size_t)health_dns_query(b, 512, id, "www.example.com", 1);

	b[2] = (uint8_t)(flags >> 8);
	b[3] = (uint8_t)flags;
	b[7] = (uint8_t)n;
	for (unsigned i = 0; i < n; i++) {
		const uint8_t rr[] = {0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4};

		memcpy(b + off, rr, sizeof(rr));
		memcpy(b + off + sizeof(rr), addrs[i], 4);
		off += sizeof(rr) + 4;
	}
	return off;
}

static void test_dns_check(void **state)
{
	static const uint8_t two[2][4] = {{192, 0, 2, 1}, {192, 0, 2, 7}};
	uint8_t b[512];
	char why[80];
	uint32_t want, other;
	size_t n;

	(void)state;
	inet_pton(AF_INET, "192.0.2.7", &want);
	inet_pton(AF_INET, "192.0.2.9", &other);
	n = answer(b, 7, 0x8180, two, 2);
	assert_int_equal(health_dns_check(b, n, 7, 0, why, sizeof(why)), 0);
	assert_int_equal(health_dns_check(b, n, 7, want, why, sizeof(why)), 0);
	assert_int_equal(health_dns_check(b, n, 7, other, why, sizeof(why)), -ENOENT);
	assert_string_equal(why, "dns: 2 answers, none is 192.0.2.9");
	/* another query's answer, a query, NXDOMAIN, no answer */
	assert_int_equal(health_dns_check(b, n, 8, 0, why, sizeof(why)), -EBADMSG);
	n = answer(b, 7, 0x0100, two, 2);
	assert_int_equal(health_dns_check(b, n, 7, 0, why, sizeof(why)), -EBADMSG);
	n = answer(b, 7, 0x8183, NULL, 0);
	assert_int_equal(health_dns_check(b, n, 7, 0, why, sizeof(why)), -ENOENT);
	assert_string_equal(why, "dns: NXDOMAIN");
	n = answer(b, 7, 0x8180, NULL, 0);
	assert_int_equal(health_dns_check(b, n, 7, 0, why, sizeof(why)), -ENOENT);
	assert_string_equal(why, "dns: no answer record");
	/* cut anywhere: a clear failure, never a read past the end */
	n = answer(b, 7, 0x8180, two, 2);
	for (size_t cut = 0; cut < n; cut++)
		assert_int_not_equal(health_dns_check(b, cut, 7, want, why, sizeof(why)), 0);
	/* a label of a reserved type (neither a length nor a pointer) */
	n = answer(b, 7, 0x8180, two, 1);
	b[12] = 0x80;
	assert_int_equal(health_dns_check(b, n, 7, want, why, sizeof(why)), -EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sm_fall_rise), cmocka_unit_test(test_sm_one_and_saturation),
	    cmocka_unit_test(test_http_status),	 cmocka_unit_test(test_http_request),
	    cmocka_unit_test(test_dns_query),	 cmocka_unit_test(test_dns_check),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
