/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The SIP persistence engine (--pe sip):
 *
 *  - the Call-ID parser on messages good and bad: long and compact
 *    names in any case, whitespace before the colon, folded values,
 *    CRLF / LF / CR line ends, the header section's end, the length
 *    limit, values not ended by a line end, a body that looks like a
 *    header, and every prefix of a good message (never a read past it);
 *  - on the whole data path (path_test_env.h): a persistent UDP service
 *    with --pe sip and rr over two real servers: the datagrams of one
 *    call from several client ports reach one server, a second call of
 *    the same client the other; a datagram without a Call-ID falls back
 *    to the client's plain template; the control plane keeps the name
 *    (listing) and refuses an unknown engine.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dp_test_env.h"
#include "path/path_test_env.h"
#include "path/path_io.h"
#include "ipvs/pe_sip.h"

#define SIP_PORT 5060

static char err[256];

/* The Call-ID of msg as a string ("" when none). */
static const char *callid(const char *msg)
{
	static char out[512];
	const uint8_t *id = NULL;
	uint32_t n = ipvs_sip_callid((const uint8_t *)msg, (uint32_t)strlen(msg), &id);

	assert_true(n < sizeof(out));
	memcpy(out, n ? (const char *)id : "", n);
	out[n] = '\0';
	return out;
}

static void test_parser(void **state)
{
	(void)state;
	assert_string_equal(callid("INVITE sip:a@b SIP/2.0\r\nVia: x\r\nCall-ID: abc@host\r\n\r\n"),
			    "abc@host");
	/* compact form, any case, whitespace before and after the colon */
	assert_string_equal(callid("BYE sip:a SIP/2.0\r\nI :\t f81d4fae-7dec \r\n\r\n"),
			    "f81d4fae-7dec");
	assert_string_equal(callid("ACK sip:a SIP/2.0\r\ncALL-iD:x1\r\n"), "x1");
	/* a folded value (RFC 3261 7.3.1) */
	assert_string_equal(callid("SIP/2.0 200 OK\r\nCall-ID:\r\n   folded@h\r\n\r\n"),
			    "folded@h");
	/* bare LF and bare CR line ends (RFC 2543, as LVS) */
	assert_string_equal(callid("OPTIONS sip:a SIP/2.0\nFrom: a\ni: lf\n\n"), "lf");
	assert_string_equal(callid("OPTIONS sip:a SIP/2.0\rFrom: a\ri: cr\r\r"), "cr");
	/* the first Call-ID counts */
	assert_string_equal(callid("X sip:a SIP/2.0\r\ni: one\r\nCall-ID: two\r\n"), "one");
	/* not a Call-ID: other names that start alike, a continuation line,
	 * the start line, the body after the empty line */
	assert_string_equal(callid("X sip:a SIP/2.0\r\nCall-Info: <x>\r\nid: y\r\n\r\n"), "");
	assert_string_equal(callid("X sip:a SIP/2.0\r\nSubject: a\r\n i: folded-in\r\n\r\n"), "");
	assert_string_equal(callid("Call-ID: startline\r\nVia: x\r\n\r\n"), "");
	assert_string_equal(callid("X sip:a SIP/2.0\r\nVia: x\r\n\r\nCall-ID: body\r\n"), "");
	/* malformed values: empty, two words, no line end, too long */
	assert_string_equal(callid("X sip:a SIP/2.0\r\nCall-ID:   \r\n\r\n"), "");
	assert_string_equal(callid("X sip:a SIP/2.0\r\nCall-ID: a b\r\n\r\n"), "");
	assert_string_equal(callid("X sip:a SIP/2.0\r\nCall-ID: unterminated"), "");
	assert_string_equal(callid("X sip:a SIP/2.0\r\nCall-ID"), "");
	assert_string_equal(callid(""), "");

	char big[600];
	int n = snprintf(big, sizeof(big), "X sip:a SIP/2.0\r\nCall-ID: ");

	memset(big + n, 'a', 255);
	strcpy(big + n + 255, "\r\n");
	assert_int_equal(strlen(callid(big)), 255);
	memset(big + n, 'a', 256);
	strcpy(big + n + 256, "\r\n");
	assert_string_equal(callid(big), "");

	/* every prefix of a good message: found only once the line end is
	 * in, and never read past (ASan/valgrind would say) */
	static const char good[] = "REGISTER sip:x SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n"
				   "Call-ID: p@q\r\nCSeq: 1 REGISTER\r\n\r\n";
	size_t at = strstr(good, "p@q") - good;

	for (size_t len = 0; len <= sizeof(good) - 1; len++) {
		uint8_t *copy = malloc(len ? len : 1);
		const uint8_t *id;

		memcpy(copy, good, len);
		uint32_t got = ipvs_sip_callid(copy, (uint32_t)len, &id);

		assert_int_equal(got, len > at + 3 ? 3 : 0);
		free(copy);
	}
}

/* ---- the data path ---- */

static int setup(void **state)
{
	(void)state;
	nheld = 0;
	struct dpvs_svc s = p_svc_key(IPPROTO_UDP, VIP, SIP_PORT);

	snprintf(s.sched_name, sizeof(s.sched_name), "rr");
	snprintf(s.pe_name, sizeof(s.pe_name), "sip");
	s.flags = DPVS_SVC_F_PERSISTENT;
	s.timeout = 360;
	s.netmask = 0xffffffff;
	if (path_setup(&wk, 256, err, sizeof(err)) < 0 || ipvs_svc_add(&s, err, sizeof(err)) < 0 ||
	    p_dest(&s, RIP1, SIP_PORT, err, sizeof(err)) < 0 ||
	    p_dest(&s, RIP2, SIP_PORT, err, sizeof(err)) < 0) {
		fprintf(stderr, "set-up: %s\n", err);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fates_add_up();
	release_held();
	path_teardown(&wk);
	return 0;
}

/* A SIP datagram msg from CIP:sport to the service; the real server it
 * reached (0 or 1). */
static int send_sip(uint16_t sport, const char *msg)
{
	struct p_l4 s = { .proto = IPPROTO_UDP, .src = CIP, .dst = VIP, .sport = sport,
			  .dport = SIP_PORT, .payload = (uint16_t)strlen(msg) };
	size_t n = p_l4_frame(fb, &s);
	struct rte_ipv4_hdr *ip = p_iph(fb);
	struct rte_udp_hdr *u = (struct rte_udp_hdr *)(ip + 1);

	memcpy(u + 1, msg, strlen(msg));
	u->dgram_cksum = 0;
	u->dgram_cksum = p_l4_csum(ip);
	feed(P_CLI, n);
	struct rte_mbuf *m = one_out_of(P_SRV);
	const struct rte_ether_hdr *e = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct rte_ipv4_hdr *oip = (const struct rte_ipv4_hdr *)(e + 1);

	l4_ok(oip);
	return oip->dst_addr == p_ip(RIP1) ? 0 : 1;
}

#define CALL(id) "INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP pc33\r\n" \
		 "Call-ID: " id "\r\nCSeq: 1 INVITE\r\n\r\n"

static void test_one_call_one_server(void **state)
{
	(void)state;
	int a = send_sip(5060, CALL("call-a@pc33"));
	int b = send_sip(5061, CALL("call-b@pc33"));

	/* plain persistence would send the same client to one server:
	 * the engine spreads its calls */
	assert_int_not_equal(a, b);
	for (uint16_t port = 6000; port < 6010; port++) {
		assert_int_equal(send_sip(port, CALL("call-a@pc33")), a);
		assert_int_equal(send_sip((uint16_t)(port + 100), "BYE sip:x SIP/2.0\r\ni: call-b@pc33\r\n\r\n"), b);
	}
	/* no Call-ID: the client's plain template, then stuck to it */
	int p = send_sip(7000, "garbage without headers");

	for (uint16_t port = 7001; port < 7005; port++)
		assert_int_equal(send_sip(port, "INVITE sip:a SIP/2.0\r\nVia: x\r\n\r\n"), p);
	/* the templates: one per call, one plain */
	static struct dpvs_conn c[256];
	uint32_t n = 0, tmpl = 0;

	assert_int_equal(ipvs_conn_list_collect(c, 256, &n, err, sizeof(err)), 0);
	for (uint32_t i = 0; i < n; i++) {
		if (!(c[i].flags & DPVS_CONN_F_TEMPLATE))
			continue;
		tmpl++;
		assert_int_equal(c[i].caddr.in.s_addr, p_ip(CIP)); /* the client, not the hash */
		assert_int_equal(c[i].protocol, IPPROTO_UDP);
		assert_int_equal(ntohs(c[i].vport), SIP_PORT);
	}
	assert_int_equal(tmpl, 3);
}

static int keep_svc(uint32_t id, const struct dpvs_svc *svc, const uint32_t *dest_ids,
		    const struct dpvs_dest *dests, uint32_t ndests, void *arg)
{
	(void)id, (void)dest_ids, (void)dests, (void)ndests;
	*(struct dpvs_svc *)arg = *svc;
	return 0;
}

static void test_control(void **state)
{
	struct dpvs_svc s = p_svc_key(IPPROTO_UDP, VIP, SIP_PORT), got;

	(void)state;
	memset(&got, 0, sizeof(got));
	assert_int_equal(ipvs_svc_walk(&s, keep_svc, &got, err, sizeof(err)), 0);
	assert_string_equal(got.pe_name, "sip");
	s = p_svc_key(IPPROTO_UDP, VIP, 5070);
	snprintf(s.sched_name, sizeof(s.sched_name), "rr");
	snprintf(s.pe_name, sizeof(s.pe_name), "nosuch");
	assert_int_equal(ipvs_svc_add(&s, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "nosuch"));
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parser),
		T(test_one_call_one_server),
		T(test_control),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
