/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of lbbench's pure parts. The rewrites a load balancer would
 * do are simulated here with DPDK's own checksum functions, so the frame
 * checks are verified against an independent implementation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include <rte_arp.h>
#include <rte_thash.h>

#include "lbb_frame.h"
#include "lbb_hist.h"
#include "lbb_json.h"
#include "lbb_opts.h"
#include "lbb_rss.h"
#include "lbb_tcp.h"

static const struct rte_ether_addr MAC_A = { .addr_bytes = { 2, 0, 0, 0, 0, 1 } };
static const struct rte_ether_addr MAC_B = { .addr_bytes = { 2, 0, 0, 0, 0, 2 } };

static uint32_t ip4(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

static struct lbb_net default_net(enum lbb_fwd fwd)
{
	struct lbb_opts o;
	char err[256];
	char *argv[] = { "lbbench", "--fwd", (char *)lbb_fwd_name(fwd), "--no-reply" };

	assert_int_equal(lbb_opts_parse(4, argv, &o, err, sizeof(err)), 0);
	return o.net;
}

/* What a NAT box does to a client frame, checksums recomputed from scratch. */
static void simulate_nat(uint8_t *frame, uint32_t rip, uint16_t rport)
{
	struct lbb_pkt p;

	enum lbb_pkt_kind k = lbb_parse(frame, 1514, &p);

	assert_true(k == LBB_PKT_UDP || k == LBB_PKT_TCP);
	p.ip->dst_addr = rip;
	((uint16_t *)p.l4)[1] = rport;
	p.ip->time_to_live--;
	p.ip->hdr_checksum = 0;
	p.ip->hdr_checksum = rte_ipv4_cksum(p.ip);
	if (p.kind == LBB_PKT_UDP) {
		struct rte_udp_hdr *u = p.l4;

		u->dgram_cksum = 0;
		u->dgram_cksum = rte_ipv4_udptcp_cksum(p.ip, u);
	} else {
		struct rte_tcp_hdr *t = p.l4;

		t->cksum = 0;
		t->cksum = rte_ipv4_udptcp_cksum(p.ip, t);
	}
}

/* 0 when DPDK's own functions compute the checksums the frame carries. */
static int dpdk_csums_ok(const struct lbb_pkt *p)
{
	/* both checksum fields sit at a 2-byte aligned offset of the L4 header */
	uint16_t *l4sum = (uint16_t *)((uint8_t *)p->l4 + (p->kind == LBB_PKT_UDP ?
		offsetof(struct rte_udp_hdr, dgram_cksum) : offsetof(struct rte_tcp_hdr, cksum)));
	uint16_t ip_had = p->ip->hdr_checksum, l4_had = *l4sum, ip_want, l4_want;

	p->ip->hdr_checksum = 0;
	ip_want = rte_ipv4_cksum(p->ip);
	p->ip->hdr_checksum = ip_had;
	*l4sum = 0;
	l4_want = rte_ipv4_udptcp_cksum(p->ip, p->l4);
	*l4sum = l4_had;
	return (ip_want == ip_had && l4_want == l4_had) ? 0 : -1;
}

/* ---- address plan ---- */

static void test_flow_plan(void **state)
{
	struct lbb_net net = default_net(LBB_FWD_NAT);
	uint32_t ip;
	uint16_t port;
	uint64_t idx;

	(void)state;
	assert_int_equal(net.nhosts, 253); /* /24 without .0, .255 and the VIP */
	assert_true(lbb_net_max_flows(&net) >= 10000000ull);
	for (uint64_t f = 0; f < 2000000; f += 997) {
		lbb_flow_tuple(&net, f, &ip, &port);
		assert_int_not_equal(ip, net.vip);
		assert_true(lbb_is_client_ip(&net, ip));
		assert_true(lbb_flow_index(&net, ip, port, &idx));
		assert_int_equal(idx, f);
	}
	/* flow 110 is the 111th host: .111 is the VIP, so it becomes .112 */
	lbb_flow_tuple(&net, 110, &ip, &port);
	assert_int_equal(ip, ip4("192.168.1.112"));
	assert_false(lbb_flow_index(&net, net.vip, htons(2000), &idx));
	assert_false(lbb_flow_index(&net, ip4("192.168.1.255"), htons(2000), &idx));
	assert_false(lbb_flow_index(&net, ip4("192.168.2.1"), htons(2000), &idx));
	assert_false(lbb_flow_index(&net, ip4("192.168.1.1"), htons(80), &idx));
	assert_true(lbb_is_rip(&net, ip4("192.168.229.14")));
	assert_false(lbb_is_rip(&net, ip4("192.168.229.15")));
}

/* ---- queue choice (lbb_rss): lbbench's stand-in for a NIC's RSS ---- */

/* DPDK's own software Toeplitz, the reference: words in host order. */
static uint32_t softrss(const uint32_t *words_be, unsigned n)
{
	uint32_t w[3];

	for (unsigned i = 0; i < n; i++)
		w[i] = ntohl(words_be[i]);
	return rte_softrss(w, n, lbb_rss_key);
}

/* The owner worker dpvs computes for a client address (src/worker/
 * steer.c): its Toeplitz hash through 128 entries, entry i = i % n. */
static unsigned dpvs_owner(uint32_t client, unsigned nworkers)
{
	return (softrss(&client, 1) % 128) % nworkers;
}

static void test_rss_vectors(void **state)
{
	/* Microsoft's RSS verification suite: 66.9.149.187:2794 ->
	 * 161.142.100.80:1766, IPv4 alone and with TCP ports */
	uint8_t in[12];
	uint32_t s = ip4("66.9.149.187"), d = ip4("161.142.100.80");
	uint16_t sp = htons(2794), dp = htons(1766);

	(void)state;
	memcpy(in, &s, 4);
	memcpy(in + 4, &d, 4);
	memcpy(in + 8, &sp, 2);
	memcpy(in + 10, &dp, 2);
	assert_int_equal(lbb_toeplitz(in, 8), 0x323e8fc2);
	assert_int_equal(lbb_toeplitz(in, 12), 0x51ccc178);
	/* one address alone, as dpvs hashes a client: rte_softrss's values */
	assert_int_equal(lbb_toeplitz((uint8_t *)&s, 4), 0x0e48b9de);
	assert_int_equal(softrss(&s, 1), 0x0e48b9de);
}

static void test_rss_client_is_dpvs_owner(void **state)
{
	/* the bench's first clients and their owners among 2 and 3 workers,
	 * written out from rte_softrss: a change in the hash shows here */
	static const struct {
		const char *addr;
		uint32_t hash;
		unsigned q2, q3;
	} table[] = {
		{ "192.168.1.1", 0x5e31c16d, 1, 1 },   { "192.168.1.2", 0xc5ca85bc, 0, 0 },
		{ "192.168.1.3", 0xd76702dd, 1, 0 },   { "192.168.1.10", 0x679f3550, 0, 2 },
		{ "192.168.1.200", 0x80a61bf3, 1, 1 }, { "10.0.0.1", 0x919d5c4a, 0, 2 },
	};
	static const unsigned nqs[] = { 1, 2, 3, 4, 7, 8, 16, 64 };
	struct lbb_net net = default_net(LBB_FWD_NAT);
	unsigned per_q[64];

	(void)state;
	for (unsigned i = 0; i < RTE_DIM(table); i++) {
		uint32_t a = ip4(table[i].addr);
		struct lbb_rss r2 = { .nq = 2, .spread = LBB_SPREAD_CLIENT };
		struct lbb_rss r3 = { .nq = 3, .spread = LBB_SPREAD_CLIENT };

		assert_int_equal(lbb_toeplitz((uint8_t *)&a, 4), table[i].hash);
		assert_int_equal(softrss(&a, 1), table[i].hash);
		assert_int_equal(lbb_rss_queue(&r2, a, net.vip, htons(1024), net.vport, true),
				 table[i].q2);
		assert_int_equal(lbb_rss_queue(&r3, a, net.vip, htons(1024), net.vport, true),
				 table[i].q3);
	}
	/* every client of the bench's plan, every worker count: the queue
	 * is dpvs's owner, from either direction and whatever the ports */
	for (unsigned k = 0; k < RTE_DIM(nqs); k++) {
		struct lbb_rss r = { .nq = nqs[k], .spread = LBB_SPREAD_CLIENT };

		memset(per_q, 0, sizeof(per_q));
		for (uint64_t f = 0; f < net.nhosts; f++) {
			uint32_t c, rip = net.rips[f % net.nrips];
			uint16_t port;
			unsigned q;

			lbb_flow_tuple(&net, f, &c, &port);
			q = lbb_rss_queue(&r, c, net.vip, port, net.vport, true);
			assert_int_equal(q, dpvs_owner(c, nqs[k]));
			/* the same client: another port, and the server's answer */
			assert_int_equal(lbb_rss_queue(&r, c, net.vip, htons(65535), net.vport, true), q);
			assert_int_equal(lbb_rss_queue(&r, rip, c, net.rport, port, false), q);
			per_q[q]++;
		}
		/* 253 clients reach every queue (64 queues: 4 clients each on average) */
		for (unsigned q = 0; q < nqs[k] && nqs[k] <= 16; q++)
			assert_true(per_q[q] > 0);
	}
}

static void test_rss_tuple_and_rr(void **state)
{
	struct lbb_net net = default_net(LBB_FWD_NAT);
	struct lbb_rss t = { .nq = 2, .spread = LBB_SPREAD_TUPLE };
	struct lbb_rss rr = { .nq = 3, .spread = LBB_SPREAD_RR };
	unsigned moved = 0, per_q[2] = { 0, 0 };

	(void)state;
	for (uint64_t f = 0; f < 1000; f++) {
		uint32_t c, w[3];
		uint16_t port;
		unsigned q;

		lbb_flow_tuple(&net, f, &c, &port);
		w[0] = c;
		w[1] = net.vip;
		w[2] = htonl((uint32_t)ntohs(port) << 16 | ntohs(net.vport));
		q = lbb_rss_queue(&t, c, net.vip, port, net.vport, true);
		assert_int_equal(q, (softrss(w, 3) % 128) % 2);
		per_q[q]++;
		moved += q != dpvs_owner(c, 2);
	}
	/* a NIC's usual 4-tuple RSS spreads well, but about half the frames
	 * land away from their owner: the box's redirect path has work */
	assert_true(per_q[0] > 400 && per_q[1] > 400);
	assert_true(moved > 350 && moved < 650);
	for (unsigned i = 0; i < 9; i++)
		assert_int_equal(lbb_rss_queue(&rr, 0, 0, 0, 0, true), i % 3);
	/* one queue: always 0, whatever the spread */
	t.nq = 1;
	assert_int_equal(lbb_rss_queue(&t, ip4("192.168.1.1"), net.vip, 1, 2, true), 0);
	assert_int_equal(lbb_spread_parse("tuple"), LBB_SPREAD_TUPLE);
	assert_int_equal(lbb_spread_parse("rss"), LBB_SPREAD_MAX);
	assert_string_equal(lbb_spread_name(LBB_SPREAD_CLIENT), "client");
}

static void test_rss_frames(void **state)
{
	struct lbb_net net = default_net(LBB_FWD_NAT);
	struct lbb_rss r = { .nq = 4, .spread = LBB_SPREAD_CLIENT };
	struct lbb_udp_tmpl t;
	uint8_t buf[LBB_MAX_FRAME];
	struct lbb_pkt p;
	struct lbb_tcp_seg seg = { .sip = ip4("192.168.229.12"), .dip = ip4("192.168.1.77"),
				   .sport = htons(9), .dport = htons(4000), .flags = RTE_TCP_SYN_FLAG };
	uint16_t len;

	(void)state;
	assert_int_equal(lbb_udp_tmpl_init(&t, &net, &MAC_A, &MAC_B, 64), 0);
	for (uint64_t f = 0; f < 3000; f += 13) {
		uint32_t c;
		uint16_t port;

		lbb_flow_tuple(&net, f, &c, &port);
		lbb_udp_build(&t, &net, f, NULL, buf);
		assert_int_equal(lbb_rss_queue_frame(&r, buf, t.len, true), dpvs_owner(c, 4));
		/* the echo server's answer goes back on the client's queue */
		assert_int_equal(lbb_parse(buf, t.len, &p), LBB_PKT_UDP);
		lbb_swap_addrs(&p);
		assert_int_equal(lbb_rss_queue_frame(&r, buf, t.len, false), dpvs_owner(c, 4));
	}
	len = lbb_tcp_build(buf, sizeof(buf), &MAC_A, &MAC_B, &seg);
	assert_true(len > 0);
	assert_int_equal(lbb_rss_queue_frame(&r, buf, len, false),
			 dpvs_owner(ip4("192.168.1.77"), 4));
	/* ARP, and frames too short to tell: queue 0 */
	len = lbb_arp_request(buf, &MAC_A, ip4("192.168.1.1"), net.vip);
	assert_int_equal(lbb_rss_queue_frame(&r, buf, len, true), 0);
	lbb_udp_build(&t, &net, 5, NULL, buf);
	assert_int_equal(lbb_rss_queue_frame(&r, buf, 20, true), 0);
}

/* ---- UDP frames and checks ---- */

static void test_udp_build_and_checks(void **state)
{
	struct lbb_net none = default_net(LBB_FWD_NONE), nat = default_net(LBB_FWD_NAT);
	struct lbb_udp_tmpl t;
	uint8_t buf[LBB_MAX_FRAME];
	struct lbb_pkt p;

	(void)state;
	for (unsigned size = 64; size <= 1500; size += 101) {
		assert_int_equal(lbb_udp_tmpl_init(&t, &none, &MAC_A, &MAC_B, size), 0);
		assert_int_equal(t.len, size - 4);
		for (uint64_t f = 0; f < 5000; f += 7) {
			lbb_udp_build(&t, &none, f, NULL, buf);
			assert_int_equal(lbb_parse(buf, t.len, &p), LBB_PKT_UDP);
			/* the checksums agree with DPDK's own */
			assert_int_equal(dpdk_csums_ok(&p), 0);
			assert_int_equal(lbb_check_at_server(&none, &p), LBB_CHECK_OK);
			/* unmodified, it is not what NAT must deliver */
			assert_int_equal(lbb_check_at_server(&nat, &p), LBB_CHECK_BAD_DST);
		}
	}
	assert_int_not_equal(lbb_udp_tmpl_init(&t, &none, &MAC_A, &MAC_B, 63), 0);
	assert_int_not_equal(lbb_udp_tmpl_init(&t, &none, &MAC_A, &MAC_B, 1501), 0);
}

static void test_udp_nat_rewrite_checked(void **state)
{
	struct lbb_net nat = default_net(LBB_FWD_NAT);
	struct lbb_udp_tmpl t;
	uint8_t buf[LBB_MAX_FRAME];
	struct lbb_pkt p;

	(void)state;
	assert_int_equal(lbb_udp_tmpl_init(&t, &nat, &MAC_A, &MAC_B, 64), 0);
	lbb_udp_build(&t, &nat, 12345, NULL, buf);
	simulate_nat(buf, nat.rips[2], nat.rport);
	lbb_parse(buf, t.len, &p);
	assert_int_equal(lbb_check_at_server(&nat, &p), LBB_CHECK_OK);

	/* wrong port, unknown RIP, stale checksums: each caught */
	simulate_nat(buf, nat.rips[2], htons(10));
	lbb_parse(buf, t.len, &p);
	assert_int_equal(lbb_check_at_server(&nat, &p), LBB_CHECK_BAD_DST);
	simulate_nat(buf, ip4("192.168.229.99"), nat.rport);
	lbb_parse(buf, t.len, &p);
	assert_int_equal(lbb_check_at_server(&nat, &p), LBB_CHECK_BAD_DST);
	simulate_nat(buf, nat.rips[0], nat.rport);
	lbb_parse(buf, t.len, &p);
	p.ip->dst_addr = nat.rips[1]; /* rewritten without fixing the checksums */
	assert_int_equal(lbb_check_at_server(&nat, &p), LBB_CHECK_IP_CSUM);
	simulate_nat(buf, nat.rips[0], nat.rport);
	lbb_parse(buf, t.len, &p);
	p.payload[3] ^= 0x40;
	assert_int_equal(lbb_check_at_server(&nat, &p), LBB_CHECK_L4_CSUM);

	/* the server's answer, reverse-NATed, as the client must see it */
	simulate_nat(buf, nat.rips[0], nat.rport);
	lbb_parse(buf, t.len, &p);
	lbb_swap_addrs(&p);
	assert_int_equal(lbb_check_csums(&p), LBB_CHECK_OK); /* swapping keeps sums valid */
	assert_int_equal(lbb_check_at_client(&nat, &p, false), LBB_CHECK_BAD_SRC); /* RIP leaks */
	p.ip->src_addr = nat.vip;
	((uint16_t *)p.l4)[0] = nat.vport;
	p.ip->hdr_checksum = 0;
	p.ip->hdr_checksum = rte_ipv4_cksum(p.ip);
	((struct rte_udp_hdr *)p.l4)->dgram_cksum = 0;
	((struct rte_udp_hdr *)p.l4)->dgram_cksum = rte_ipv4_udptcp_cksum(p.ip, p.l4);
	lbb_parse(buf, t.len, &p);
	assert_int_equal(lbb_check_at_client(&nat, &p, false), LBB_CHECK_OK);
}

/* Recomputes a packet's IPv4 and UDP checksums from scratch. */
static void resum(struct lbb_pkt *p)
{
	p->ip->hdr_checksum = 0;
	p->ip->hdr_checksum = rte_ipv4_cksum(p->ip);
	((struct rte_udp_hdr *)p->l4)->dgram_cksum = 0;
	((struct rte_udp_hdr *)p->l4)->dgram_cksum = rte_ipv4_udptcp_cksum(p->ip, p->l4);
}

/* The other modes' expectations: DR leaves the IP packet alone, TUN wraps
 * it in IPIP from the DIP to a real server, Full-NAT puts the LIP in the
 * client's place (and its answer must come back as NAT's does). */
static void test_udp_dr_tun_fnat_checked(void **state)
{
	struct lbb_net dr = default_net(LBB_FWD_DR), tun = default_net(LBB_FWD_TUN),
		       fnat = default_net(LBB_FWD_FNAT), nat = default_net(LBB_FWD_NAT);
	struct lbb_udp_tmpl t;
	uint8_t buf[LBB_MAX_FRAME], enc[LBB_MAX_FRAME];
	struct lbb_pkt p;

	(void)state;
	assert_int_equal(lbb_udp_tmpl_init(&t, &dr, &MAC_A, &MAC_B, 128), 0);
	lbb_udp_build(&t, &dr, 777, NULL, buf);
	assert_int_equal(lbb_parse(buf, t.len, &p), LBB_PKT_UDP);
	assert_int_equal(lbb_check_at_server(&dr, &p), LBB_CHECK_OK);
	assert_int_equal(lbb_check_at_server(&nat, &p), LBB_CHECK_BAD_DST);
	/* unwrapped, it is not what TUN delivers */
	assert_int_equal(lbb_check_at_server(&tun, &p), LBB_CHECK_UNEXPECTED);

	/* IPIP: outer header DIP -> RIP, protocol 4, then the client's packet */
	struct rte_ipv4_hdr *o = (struct rte_ipv4_hdr *)(enc + RTE_ETHER_HDR_LEN);
	memcpy(enc, buf, RTE_ETHER_HDR_LEN);
	memcpy(o + 1, buf + RTE_ETHER_HDR_LEN, t.len - RTE_ETHER_HDR_LEN);
	memset(o, 0, sizeof(*o));
	o->version_ihl = 0x45;
	o->time_to_live = 64;
	o->next_proto_id = IPPROTO_IPIP;
	o->total_length = htons((uint16_t)(t.len - RTE_ETHER_HDR_LEN + sizeof(*o)));
	o->src_addr = tun.gw_server;
	o->dst_addr = tun.rips[1];
	o->hdr_checksum = rte_ipv4_cksum(o);
	uint32_t elen = t.len + (uint32_t)sizeof(*o);
	assert_int_equal(lbb_parse(enc, elen, &p), LBB_PKT_UDP);
	assert_ptr_equal(p.outer, o);
	assert_int_equal(lbb_check_at_server(&tun, &p), LBB_CHECK_OK);
	assert_int_equal(lbb_check_at_server(&dr, &p), LBB_CHECK_UNEXPECTED);
	o->dst_addr = ip4("192.168.229.99"); /* not a real server */
	o->hdr_checksum = 0;
	o->hdr_checksum = rte_ipv4_cksum(o);
	lbb_parse(enc, elen, &p);
	assert_int_equal(lbb_check_at_server(&tun, &p), LBB_CHECK_BAD_DST);
	o->dst_addr = tun.rips[0];
	o->src_addr = ip4("192.168.229.1"); /* not the DIP */
	o->hdr_checksum = 0;
	o->hdr_checksum = rte_ipv4_cksum(o);
	lbb_parse(enc, elen, &p);
	assert_int_equal(lbb_check_at_server(&tun, &p), LBB_CHECK_BAD_SRC);
	o->src_addr = tun.gw_server; /* stale outer checksum */
	lbb_parse(enc, elen, &p);
	assert_int_equal(lbb_check_at_server(&tun, &p), LBB_CHECK_IP_CSUM);

	/* Full-NAT: LIP:lport -> RIP:rport */
	lbb_parse(buf, t.len, &p);
	p.ip->src_addr = fnat.lip;
	((uint16_t *)p.l4)[0] = htons(40001);
	p.ip->dst_addr = fnat.rips[3];
	((uint16_t *)p.l4)[1] = fnat.rport;
	p.ip->time_to_live--;
	resum(&p);
	lbb_parse(buf, t.len, &p);
	assert_int_equal(lbb_check_at_server(&fnat, &p), LBB_CHECK_OK);
	assert_int_equal(lbb_check_at_server(&nat, &p), LBB_CHECK_BAD_SRC); /* not a client */
	p.ip->src_addr = ip4("192.168.229.141");
	resum(&p);
	lbb_parse(buf, t.len, &p);
	assert_int_equal(lbb_check_at_server(&fnat, &p), LBB_CHECK_BAD_SRC);

	/* a range of LIPs (--lip A-B): any of them, none outside */
	char *ar[] = { "lbbench", "--fwd", "fnat", "--lip", "192.168.229.140-192.168.229.155" };
	struct lbb_opts orr;
	char e2[256];

	assert_int_equal(lbb_opts_parse(5, ar, &orr, e2, sizeof(e2)), 0);
	assert_int_equal(orr.net.nlips, 16);
	lbb_parse(buf, t.len, &p);
	p.ip->src_addr = ip4("192.168.229.155");
	resum(&p);
	lbb_parse(buf, t.len, &p);
	assert_int_equal(lbb_check_at_server(&orr.net, &p), LBB_CHECK_OK);
	p.ip->src_addr = ip4("192.168.229.156");
	resum(&p);
	lbb_parse(buf, t.len, &p);
	assert_int_equal(lbb_check_at_server(&orr.net, &p), LBB_CHECK_BAD_SRC);

	/* UOA: an 8-byte IP option the server's answer must not echo */
	uint8_t opt[LBB_MAX_FRAME];
	lbb_parse(buf, t.len, &p);
	memcpy(opt, buf, RTE_ETHER_HDR_LEN + 20);
	opt[RTE_ETHER_HDR_LEN + 20] = 31;
	opt[RTE_ETHER_HDR_LEN + 21] = 8;
	memset(opt + RTE_ETHER_HDR_LEN + 22, 7, 6);
	memcpy(opt + RTE_ETHER_HDR_LEN + 28, buf + RTE_ETHER_HDR_LEN + 20,
	       t.len - RTE_ETHER_HDR_LEN - 20);
	struct rte_ipv4_hdr *oip = (struct rte_ipv4_hdr *)(opt + RTE_ETHER_HDR_LEN);
	oip->version_ihl = 0x47;
	oip->total_length = htons((uint16_t)(ntohs(oip->total_length) + 8));
	oip->hdr_checksum = 0;
	oip->hdr_checksum = rte_ipv4_cksum(oip);
	assert_int_equal(lbb_parse(opt, t.len + 8, &p), LBB_PKT_UDP);
	assert_int_equal(lbb_check_csums(&p), LBB_CHECK_OK);
	assert_int_equal(lbb_strip_ip_options(&p), 8);
	assert_ptr_equal(p.eth, opt + 8);
	assert_int_equal(lbb_parse(opt + 8, t.len, &p), LBB_PKT_UDP);
	assert_int_equal(p.ip->version_ihl, 0x45);
	assert_int_equal(lbb_check_csums(&p), LBB_CHECK_OK);
	assert_memory_equal(opt + 8, buf, RTE_ETHER_HDR_LEN + 2); /* MACs moved with it */
	assert_int_equal(lbb_strip_ip_options(&p), 0);

	/* DR and TUN: the servers answer around the box: no reply runs */
	struct lbb_opts op;
	char err[256];
	char *a1[] = { "lbbench", "--fwd", "dr", "--reply" };
	char *a2[] = { "lbbench", "--fwd", "tun", "--mode", "tcp-cps" };
	char *a3[] = { "lbbench", "--fwd", "fnat", "--lip", "10.9.8.7" };
	char *a4[] = { "lbbench", "--fwd", "ipip" };
	assert_int_equal(lbb_opts_parse(4, a1, &op, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "replies bypass the box"));
	assert_int_equal(lbb_opts_parse(5, a2, &op, err, sizeof(err)), -1);
	assert_int_equal(lbb_opts_parse(5, a3, &op, err, sizeof(err)), 0);
	assert_int_equal(op.net.lip, ip4("10.9.8.7"));
	assert_int_equal(op.reply, true);
	assert_int_equal(lbb_opts_parse(3, a4, &op, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "expected nat, dr, tun, fnat or none"));
}

static void test_udp_stamp_and_loopback(void **state)
{
	struct lbb_net none = default_net(LBB_FWD_NONE);
	struct lbb_udp_tmpl t;
	uint8_t buf[LBB_MAX_FRAME];
	struct lbb_stamp st = { LBB_STAMP_MAGIC, 77, 0x0123456789abcdefull }, got;
	struct lbb_pkt p;

	(void)state;
	assert_int_equal(lbb_udp_tmpl_init(&t, &none, &MAC_A, &MAC_B, 64), 0);
	lbb_udp_build(&t, &none, 99, &st, buf);
	assert_int_equal(lbb_parse(buf, t.len, &p), LBB_PKT_UDP);
	assert_int_equal(dpdk_csums_ok(&p), 0);
	memcpy(&got, p.payload, sizeof(got));
	assert_memory_equal(&got, &st, sizeof(st));
	/* a frame bounced back unmodified passes only the loopback check */
	assert_int_equal(lbb_check_at_client(&none, &p, true), LBB_CHECK_OK);
	assert_int_equal(lbb_check_at_client(&none, &p, false), LBB_CHECK_BAD_SRC);
	p.ip->time_to_live = 0;
	assert_int_equal(lbb_check_at_client(&none, &p, true), LBB_CHECK_BAD_TTL);
}

static void test_parse_rejects(void **state)
{
	struct lbb_net none = default_net(LBB_FWD_NONE);
	struct lbb_udp_tmpl t;
	uint8_t buf[LBB_MAX_FRAME];
	struct lbb_pkt p;

	(void)state;
	lbb_udp_tmpl_init(&t, &none, &MAC_A, &MAC_B, 64);
	lbb_udp_build(&t, &none, 1, NULL, buf);
	assert_int_equal(lbb_parse(buf, 10, &p), LBB_PKT_BAD);
	assert_int_equal(lbb_parse(buf, 30, &p), LBB_PKT_BAD);
	buf[14 + 3] = 200; /* total length beyond the frame */
	assert_int_equal(lbb_parse(buf, t.len, &p), LBB_PKT_BAD);
	lbb_udp_build(&t, &none, 1, NULL, buf);
	buf[12] = 0x86; /* IPv6 ethertype: not ours */
	buf[13] = 0xdd;
	assert_int_equal(lbb_parse(buf, t.len, &p), LBB_PKT_OTHER);
	lbb_udp_build(&t, &none, 1, NULL, buf);
	buf[14] = 0x44; /* IHL 4 */
	assert_int_equal(lbb_parse(buf, t.len, &p), LBB_PKT_BAD);
}

/* ---- ARP ---- */

static void test_arp(void **state)
{
	uint8_t buf[64];
	struct lbb_pkt p;
	uint16_t len = lbb_arp_request(buf, &MAC_A, ip4("192.168.1.111"), ip4("192.168.1.7"));

	(void)state;
	assert_int_equal(len, 60);
	assert_int_equal(lbb_parse(buf, len, &p), LBB_PKT_ARP_REQUEST);
	assert_int_equal(p.dip, ip4("192.168.1.7"));
	lbb_arp_reply(buf, &MAC_B);
	assert_int_equal(lbb_parse(buf, len, &p), LBB_PKT_ARP_REPLY);
	assert_int_equal(p.sip, ip4("192.168.1.7"));
	assert_int_equal(p.dip, ip4("192.168.1.111"));
	assert_memory_equal(&p.eth->src_addr, &MAC_B, 6);
	assert_memory_equal(&p.eth->dst_addr, &MAC_A, 6);
}

/* ---- TCP ---- */

/* Carries a segment across a box that does nothing, as frames. */
static void seg_to_frame(const struct lbb_tcp_seg *s, uint8_t *buf, struct lbb_pkt *p)
{
	uint16_t len = lbb_tcp_build(buf, LBB_MAX_FRAME, &MAC_A, &MAC_B, s);

	assert_true(len >= 60);
	assert_int_equal(lbb_parse(buf, len, p), LBB_PKT_TCP);
	assert_int_equal(dpdk_csums_ok(p), 0);
	assert_int_equal(lbb_check_csums(p), LBB_CHECK_OK);
}

static void test_tcp_connection(void **state)
{
	static struct lbb_tcp_conn conns[64];
	struct lbb_net none = default_net(LBB_FWD_NONE);
	struct lbb_tcp_client c;
	struct lbb_tcp_seg seg, out[LBB_TCP_MAX_OUT], ans;
	uint8_t buf[LBB_MAX_FRAME], buf2[LBB_MAX_FRAME];
	struct lbb_pkt p, q;
	unsigned n, sent_client = 1, sent_server = 0;
	uint64_t opened = 0, now = 1000;

	(void)state;
	assert_int_equal(lbb_tcp_client_init(&c, &none, conns, 64, 16, 100, 2, 64, 128), 0);
	assert_true(lbb_tcp_open(&c, now, &seg));
	assert_int_equal(seg.flags, RTE_TCP_SYN_FLAG);
	seg_to_frame(&seg, buf, &p);
	assert_int_equal(lbb_check_at_server(&none, &p), LBB_CHECK_OK);
	/* ping-pong until the client says it completed */
	for (int round = 0; round < 10; round++) {
		enum lbb_tcp_event ev = LBB_TCP_EV_NONE;

		assert_true(lbb_tcp_respond(&p, 128, &ans));
		sent_server++;
		seg_to_frame(&ans, buf2, &q);
		assert_int_equal(lbb_check_at_client(&none, &q, false), LBB_CHECK_OK);
		ev = lbb_tcp_client_input(&c, &q, ++now, out, &n, &opened);
		if (ev == LBB_TCP_EV_COMPLETED)
			break;
		assert_int_equal(ev, LBB_TCP_EV_PROGRESS);
		sent_client += n;
		/* the last segment carries what needs an answer; a pure ACK gets none */
		if (n == 2) {
			seg_to_frame(&out[0], buf, &p);
			assert_false(lbb_tcp_respond(&p, 128, &ans));
		}
		seg_to_frame(&out[n - 1], buf, &p);
	}
	assert_int_equal(c.completed, 1);
	assert_int_equal(c.inflight, 0);
	assert_int_equal(opened, 1000);
	assert_int_equal(sent_client, 4); /* SYN, ACK, request, FIN */
	assert_int_equal(sent_server, 3); /* SYN-ACK, response+FIN, last ACK */
	assert_int_equal(c.failed + c.unexpected + c.retransmitted, 0);
	/* a late duplicate of the last ACK belongs to no connection */
	assert_int_equal(lbb_tcp_client_input(&c, &q, now, out, &n, &opened), LBB_TCP_EV_UNEXPECTED);
}

static void test_tcp_retransmit_and_fail(void **state)
{
	static struct lbb_tcp_conn conns[16];
	struct lbb_net none = default_net(LBB_FWD_NONE);
	struct lbb_tcp_client c;
	struct lbb_tcp_seg seg, out[32];

	(void)state;
	assert_int_equal(lbb_tcp_client_init(&c, &none, conns, 16, 4, 100, 2, 10, 10), 0);
	assert_int_not_equal(lbb_tcp_client_init(&c, &none, conns, 12, 4, 100, 2, 10, 10), 0);
	assert_int_equal(lbb_tcp_client_init(&c, &none, conns, 16, 4, 100, 2, 10, 10), 0);
	for (int i = 0; i < 4; i++)
		assert_true(lbb_tcp_open(&c, 0, &seg));
	assert_false(lbb_tcp_open(&c, 0, &seg)); /* in-flight limit */
	assert_int_equal(lbb_tcp_client_timers(&c, 50, 16, out, 32), 0);
	assert_int_equal(lbb_tcp_client_timers(&c, 101, 16, out, 32), 4); /* 4 SYNs again */
	assert_int_equal(out[0].flags, RTE_TCP_SYN_FLAG);
	assert_int_equal(c.retransmitted, 4);
	assert_int_equal(lbb_tcp_client_timers(&c, 150, 16, out, 32), 0); /* backed off: 101+200 */
	assert_int_equal(lbb_tcp_client_timers(&c, 302, 16, out, 32), 4);
	assert_int_equal(lbb_tcp_client_timers(&c, 100000, 16, out, 32), 0);
	assert_int_equal(c.failed, 4);
	assert_int_equal(c.inflight, 0);
}

static void test_tcp_rst_fails(void **state)
{
	static struct lbb_tcp_conn conns[16];
	struct lbb_net none = default_net(LBB_FWD_NONE);
	struct lbb_tcp_client c;
	struct lbb_tcp_seg seg, out[2];
	uint8_t buf[LBB_MAX_FRAME];
	struct lbb_pkt p;
	unsigned n;
	uint64_t o;

	(void)state;
	lbb_tcp_client_init(&c, &none, conns, 16, 4, 100, 2, 10, 10);
	assert_true(lbb_tcp_open(&c, 0, &seg));
	/* the box answers with a RST from the VIP */
	seg = (struct lbb_tcp_seg){ .sip = seg.dip, .dip = seg.sip, .sport = seg.dport,
				    .dport = seg.sport, .flags = RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG,
				    .ack = seg.seq + 1 };
	seg_to_frame(&seg, buf, &p);
	assert_false(lbb_tcp_respond(&p, 10, &seg)); /* servers never answer a RST */
	assert_int_equal(lbb_tcp_client_input(&c, &p, 1, out, &n, &o), LBB_TCP_EV_FAILED);
	assert_int_equal(c.failed, 1);
	assert_int_equal(c.inflight, 0);
}

/* ---- histogram ---- */

static void test_hist_buckets(void **state)
{
	(void)state;
	for (uint64_t v = 0; v < (1ull << 36); v = v * 3 / 2 + 1) {
		unsigned i = lbb_hist_index(v);

		assert_true(i < LBB_HIST_BUCKETS);
		assert_true(lbb_hist_lower(i) <= v);
		assert_true(v < lbb_hist_upper(i));
		/* relative width stays under 1/64 above the linear part */
		if (v >= LBB_HIST_LINEAR)
			assert_true((lbb_hist_upper(i) - lbb_hist_lower(i)) * 64 <= lbb_hist_lower(i));
	}
	assert_int_equal(lbb_hist_index(~0ull), LBB_HIST_BUCKETS - 1);
}

static void test_hist_percentiles(void **state)
{
	static struct lbb_hist h;

	(void)state;
	lbb_hist_reset(&h);
	assert_int_equal(lbb_hist_percentile(&h, 50), 0);
	for (uint64_t v = 1; v <= 100000; v++)
		lbb_hist_add(&h, v * 10); /* 10 ns .. 1 ms, uniform */
	assert_int_equal(h.count, 100000);
	assert_int_equal(h.min, 10);
	assert_int_equal(h.max, 1000000);
	assert_true(lbb_hist_percentile(&h, 50) >= 500000 * 0.98);
	assert_true(lbb_hist_percentile(&h, 50) <= 500000 * 1.02);
	assert_true(lbb_hist_percentile(&h, 99) >= 990000 * 0.98);
	assert_true(lbb_hist_percentile(&h, 99) <= 1000000);
	assert_true(lbb_hist_percentile(&h, 99.9) >= 999000 * 0.98);
	assert_int_equal(lbb_hist_percentile(&h, 100), 1000000);
	assert_true(lbb_hist_mean(&h) > 500004 && lbb_hist_mean(&h) < 500006);

	/* a tail: 999 fast, 1 slow: p99 fast, p999 slow */
	lbb_hist_reset(&h);
	for (int i = 0; i < 999; i++)
		lbb_hist_add(&h, 2000);
	lbb_hist_add(&h, 5000000);
	assert_true(lbb_hist_percentile(&h, 99) <= 2050);
	assert_true(lbb_hist_percentile(&h, 99.9) <= 2050);
	assert_true(lbb_hist_percentile(&h, 99.95) >= 4900000);
	/* small exact values */
	lbb_hist_reset(&h);
	lbb_hist_add(&h, 7);
	assert_int_equal(lbb_hist_percentile(&h, 50), 7);
}

/* ---- JSON ---- */

static void test_json(void **state)
{
	char buf[256];
	struct lbb_json j;
	long len;

	(void)state;
	lbb_json_init(&j, buf, sizeof(buf));
	lbb_json_str(&j, "a", "x\"y\\z\n\x01");
	lbb_json_obj(&j, "o");
	lbb_json_u64(&j, "n", 18446744073709551615ull);
	lbb_json_i64(&j, "m", -5);
	lbb_json_end(&j);
	lbb_json_arr(&j, "l");
	lbb_json_dbl(&j, NULL, 1.5);
	lbb_json_dbl(&j, NULL, 0.0 / 0.0);
	lbb_json_bool(&j, NULL, true);
	lbb_json_null(&j, NULL);
	lbb_json_end(&j);
	len = lbb_json_finish(&j);
	assert_int_equal(len, (long)strlen(buf));
	assert_string_equal(buf, "{\"a\":\"x\\\"y\\\\z\\n\\u0001\",\"o\":{\"n\":18446744073709551615,"
				 "\"m\":-5},\"l\":[1.5,null,true,null]}\n");

	/* finish closes what is open */
	lbb_json_init(&j, buf, sizeof(buf));
	lbb_json_obj(&j, "a");
	lbb_json_arr(&j, "b");
	assert_true(lbb_json_finish(&j) > 0);
	assert_string_equal(buf, "{\"a\":{\"b\":[]}}\n");

	/* too small: reported, never a half document presented as whole */
	lbb_json_init(&j, buf, 16);
	lbb_json_str(&j, "key", "a value longer than the buffer");
	assert_false(lbb_json_ok(&j));
	assert_int_equal(lbb_json_finish(&j), -1);
	assert_true(strlen(buf) < 16);

	/* unbalanced end */
	lbb_json_init(&j, buf, sizeof(buf));
	lbb_json_end(&j);
	assert_int_equal(lbb_json_finish(&j), -1);
}

/* ---- options ---- */

static int parse(struct lbb_opts *o, char *err, const char *line)
{
	char copy[512], *argv[32], *save = NULL;
	int argc = 0;

	snprintf(copy, sizeof(copy), "lbbench %s", line);
	for (char *t = strtok_r(copy, " ", &save); t; t = strtok_r(NULL, " ", &save))
		argv[argc++] = t;
	return lbb_opts_parse(argc, argv, o, err, 256);
}

/* --flow-order stride: a permutation (each flow once a cycle), and far
 * from sequential */
static void test_flow_stride(void **state)
{
	static const uint64_t ns[] = { 1, 2, 3, 4, 10, 1000, 1024, 65536, 99991, 1000000 };
	static uint8_t seen[1000000];
	(void)state;

	for (unsigned k = 0; k < sizeof(ns) / sizeof(ns[0]); k++) {
		uint64_t n = ns[k], s = lbb_flow_stride(n), f = 0;

		assert_true(s >= 1 && s < (n > 1 ? n : 2));
		if (n > 10)
			assert_true(s > n / 2 && s < n * 7 / 10);
		memset(seen, 0, n);
		for (uint64_t i = 0; i < n; i++) {
			assert_int_equal(seen[f], 0);
			seen[f] = 1;
			f += s;
			if (f >= n)
				f -= n;
		}
		assert_int_equal(f, 0); /* back at the start after n steps */
	}
	assert_int_equal(lbb_flow_stride(10000000) % 2, 1); /* coprime to 10^7 */
	assert_int_not_equal(lbb_flow_stride(10000000) % 5, 0);
}

static void test_opts(void **state)
{
	struct lbb_opts o;
	char err[256];

	(void)state;
	assert_int_equal(parse(&o, err, ""), 0);
	assert_int_equal(o.mode, LBB_MODE_UDP);
	assert_int_equal(o.net.fwd, LBB_FWD_NAT);
	assert_true(o.arp);
	assert_true(o.reply);
	assert_int_equal(o.net.nrips, 4);
	assert_true(o.rate == 0);

	assert_int_equal(parse(&o, err, "--mode latency --flows 1M --size=128 --no-reply --loopback"), 0);
	assert_int_equal(o.flows, 1000000);
	assert_int_equal(o.size, 128);
	assert_int_equal(o.net.fwd, LBB_FWD_NONE);
	assert_false(o.arp);
	assert_true(o.rate == 100000); /* latency's default */

	assert_int_equal(parse(&o, err, "--rip 10.0.0.1-3,10.0.0.9 --rport 8080 --rate 2.5M"), 0);
	assert_int_equal(o.net.nrips, 4);
	assert_int_equal(o.net.rips[2], ip4("10.0.0.3"));
	assert_int_equal(o.net.rips[3], ip4("10.0.0.9"));
	assert_int_equal(o.net.rport, htons(8080));
	assert_true(o.rate == 2.5e6);

	assert_int_equal(parse(&o, err, "--peer-mac1 02:00:00:00:00:09 --mode tcp-cps"), 0);
	assert_true(o.peer_mac_set[1]);
	assert_false(o.peer_mac_set[0]);
	assert_int_equal(o.peer_mac[1].addr_bytes[5], 9);

	assert_int_equal(parse(&o, err, "--hold 30"), 0);
	assert_int_equal(o.hold_s, 30);
	assert_int_equal(parse(&o, err, "--mode udp"), 0);
	assert_int_equal(o.hold_s, 0); /* closes at once unless asked */

	assert_int_equal(parse(&o, err, "--help"), 0);
	assert_true(o.help);

	/* several queues: one per worker of the box */
	assert_int_equal(parse(&o, err, ""), 0);
	assert_int_equal(o.queues, 1);
	assert_int_equal(o.spread, LBB_SPREAD_CLIENT);
	assert_int_equal(parse(&o, err, "--queues 16 --spread tuple"), 0);
	assert_int_equal(o.queues, 16);
	assert_int_equal(o.spread, LBB_SPREAD_TUPLE);
	assert_int_equal(parse(&o, err, "--queues=2 --spread=rr"), 0);
	assert_int_equal(o.spread, LBB_SPREAD_RR);
	assert_int_equal(parse(&o, err, "--queues 0"), -1);
	assert_non_null(strstr(err, "--queues '0'"));
	assert_int_equal(parse(&o, err, "--queues 65"), -1);
	assert_int_equal(parse(&o, err, "--spread rss"), -1);
	assert_non_null(strstr(err, "--spread 'rss': expected client, tuple or rr"));

	/* the expiry scenario: 1M flows in the warm-up, 1K measured */
	assert_int_equal(parse(&o, err, "--flows 1M --measured-flows 1K --timeline 100"), 0);
	assert_int_equal(o.flows, 1000000);
	assert_int_equal(o.measured_flows, 1000);
	assert_int_equal(o.timeline_ms, 100);
	assert_int_equal(parse(&o, err, "--flows 5000"), 0);
	assert_int_equal(o.measured_flows, 5000); /* default: all of them */
	assert_int_equal(o.timeline_ms, 0);
	assert_int_equal(parse(&o, err, "--flows 1000 --measured-flows 1001"), -1);
	assert_non_null(strstr(err, "more than --flows"));
	assert_int_equal(parse(&o, err, "--measured-flows 0"), -1);
	assert_non_null(strstr(err, "--measured-flows '0'"));
	assert_int_equal(parse(&o, err, "--mode tcp-cps --measured-flows 10"), -1);
	assert_int_equal(parse(&o, err, "--flows 10M --flow-order stride"), 0);
	assert_true(o.flow_stride);
	assert_int_equal(parse(&o, err, "--flow-order seq"), 0);
	assert_false(o.flow_stride);
	assert_int_equal(parse(&o, err, "--flow-order random"), -1);
	assert_non_null(strstr(err, "--flow-order 'random': expected seq or stride"));
	assert_int_equal(parse(&o, err, "--mode tcp-cps --flow-order stride"), -1);
	assert_int_equal(parse(&o, err, "--timeline 9"), -1);
	assert_non_null(strstr(err, "--timeline '9'"));
	assert_int_equal(parse(&o, err, "--timeline 60001"), -1);

	/* errors name the option and the value */
	assert_int_equal(parse(&o, err, "--flows 0"), -1);
	assert_non_null(strstr(err, "--flows '0'"));
	assert_int_equal(parse(&o, err, "--flows 10000001"), -1);
	assert_int_equal(parse(&o, err, "--size 63"), -1);
	assert_non_null(strstr(err, "--size"));
	assert_int_equal(parse(&o, err, "--mode bogus"), -1);
	assert_non_null(strstr(err, "bogus"));
	assert_int_equal(parse(&o, err, "--vip 1.2.3"), -1);
	assert_int_equal(parse(&o, err, "--duration"), -1);
	assert_non_null(strstr(err, "needs a value"));
	assert_int_equal(parse(&o, err, "--frobnicate"), -1);
	assert_non_null(strstr(err, "unknown option"));
	assert_int_equal(parse(&o, err, "--quiet=yes"), -1);
	assert_int_equal(parse(&o, err, "--hold 601"), -1);
	assert_non_null(strstr(err, "--hold '601'"));
	assert_int_equal(parse(&o, err, "--loopback --fwd nat"), -1);
	assert_int_equal(parse(&o, err, "--loopback --mode tcp-cps"), -1);
	assert_int_equal(parse(&o, err, "--mode latency --no-reply"), -1);
	assert_int_equal(parse(&o, err, "--clients 10.0.0.0/31"), -1);
	assert_int_equal(parse(&o, err, "--clients 192.168.229.0/24"), -1); /* RIPs inside */
	assert_int_equal(parse(&o, err, "--clients 10.0.0.0/28 --flows 1000000"), -1);
	assert_int_equal(parse(&o, err, "plain"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flow_plan),
		cmocka_unit_test(test_rss_vectors),
		cmocka_unit_test(test_rss_client_is_dpvs_owner),
		cmocka_unit_test(test_rss_tuple_and_rr),
		cmocka_unit_test(test_rss_frames),
		cmocka_unit_test(test_udp_build_and_checks),
		cmocka_unit_test(test_udp_nat_rewrite_checked),
		cmocka_unit_test(test_udp_dr_tun_fnat_checked),
		cmocka_unit_test(test_udp_stamp_and_loopback),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_arp),
		cmocka_unit_test(test_tcp_connection),
		cmocka_unit_test(test_tcp_retransmit_and_fail),
		cmocka_unit_test(test_tcp_rst_fails),
		cmocka_unit_test(test_hist_buckets),
		cmocka_unit_test(test_hist_percentiles),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_flow_stride),
		cmocka_unit_test(test_opts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
