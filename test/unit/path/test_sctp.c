/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SCTP services on the whole data path (path_test_env.h: the real stack
 * and IPVS on DPDK ring ports), every CRC32c checked by a from-scratch
 * bitwise CRC32c (path_test_env.h's, not the daemon's, which uses
 * DPDK's):
 *
 *  - the CRC32c itself: RFC 3720's vectors, a packet scapy built, a
 *    packet split over two mbuf segments;
 *  - NAT with a port change (VIP:3868 -> RIP:3869): the real server gets
 *    its packet with the new port and a right CRC32c, the client the
 *    reply from VIP:3868 with a right one; LVS's states through a whole
 *    association (INIT1, C-SENT, C-REPLIED, ESTABLISHED, S-RECEIVED,
 *    S-ACK-SENT, CLOSED) and their timeouts, the dest's active count;
 *  - NAT without a port change: the SCTP bytes leave untouched;
 *  - a new association only on INIT (sctp-not-init), only with a right
 *    CRC (l4-bad-csum), also for a corrupt packet of a known one whose
 *    port NAT changes; an ABORT after a COOKIE-ECHO is the ABORT;
 *  - an ICMP error about a NAT association translated back to VIP:port;
 *  - DR: the IP packet leaves byte for byte, LVS's input-only states;
 *  - TUN: inside IPIP untouched; a router's "fragmentation needed" about
 *    the tunnelled packet reaches the client from the VIP;
 *  - Full-NAT refused for an SCTP service with a reason;
 *  - rr spreads associations over the real servers;
 *  - after each test, per port, the fates of what it received add up.
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
#include "ipvs/ipvs_priv.h"
#include "ipvs/proto_sctp.h"

#define NAT_VPORT 3868 /* rr over RIP1, RIP2 on 3869: NAT changes the port */
#define SAME_VPORT 2905 /* NAT to RIP1:2905: no port change */
#define DR_VPORT 9899   /* DR over RIP1, RIP2 */
#define TUN_VPORT 9900  /* TUN (IPIP) to RIP1 */

/* chunk types */
enum { DATA = 0, INIT = 1, INIT_ACK = 2, SACK = 3, ABORT = 6, SHUTDOWN = 7,
       SHUTDOWN_ACK = 8, ERROR = 9, COOKIE_ECHO = 10, COOKIE_ACK = 11,
       SHUTDOWN_COMPLETE = 14 };

static char err[256];

/* The SCTP packet in the IPv4 packet at ip has a right CRC32c. */
static void crc_ok(const struct rte_ipv4_hdr *ip)
{
	const uint8_t *sh = (const uint8_t *)ip + rte_ipv4_hdr_len(ip);
	uint8_t want[4];

	p_sctp_crc(sh, ntohs(ip->total_length) - rte_ipv4_hdr_len(ip), want);
	assert_memory_equal(sh + 8, want, 4);
}

/* ---- frames (path_test_env.h's, its CRC32c from scratch) ---- */

static size_t sctp_frame2(uint8_t *f, const char *src, uint16_t sport, const char *dst,
			  uint16_t dport, uint8_t type, uint8_t type2, uint16_t blen, bool bad)
{
	return p_sctp_frame(f, src, sport, dst, dport, type, type2, blen, bad);
}

static size_t sctp_frame(uint8_t *f, const char *src, uint16_t sport, const char *dst,
			 uint16_t dport, uint8_t type)
{
	return p_sctp_frame(f, src, sport, dst, dport, type, 0xff, 16, false);
}

/* ---- conns ---- */

static struct ipvs_conn *conn_of(uint16_t cport, uint16_t vport)
{
	struct ipvs_conn_node *n = ipvs_conn_lookup(ipvs_worker_state(0), IPPROTO_SCTP, p_ip(CIP),
						    p_ip(VIP), htons(cport), htons(vport));

	return n ? ipvs_conn_of(n) : NULL;
}

/* The listed state of the conn of client port cport, its time left and
 * its real server. */
static void expect_conn(uint16_t cport, const char *state, uint32_t expires, const char *rip)
{
	static struct dpvs_conn c[256];
	uint32_t n = 0;

	assert_int_equal(ipvs_conn_list_collect(c, 256, &n, err, sizeof(err)), 0);
	for (uint32_t i = 0; i < n; i++) {
		if ((c[i].flags & DPVS_CONN_F_TEMPLATE) || ntohs(c[i].cport) != cport)
			continue;
		assert_int_equal(c[i].protocol, IPPROTO_SCTP);
		assert_string_equal(c[i].state, state);
		assert_int_equal(c[i].expires_sec, expires);
		if (rip)
			assert_int_equal(c[i].daddr.in.s_addr, p_ip(rip));
		return;
	}
	fail_msg("no conn of client port %u", cport);
}

/* ---- set-up ---- */

static int add_svc(uint16_t vport)
{
	struct dpvs_svc s = p_svc_key(IPPROTO_SCTP, VIP, vport);

	snprintf(s.sched_name, sizeof(s.sched_name), "rr");
	return ipvs_svc_add(&s, err, sizeof(err));
}

static int add_dest(uint16_t vport, const char *rip, uint16_t rport, uint32_t fwd)
{
	struct dpvs_svc s = p_svc_key(IPPROTO_SCTP, VIP, vport);

	return p_dest_fwd(&s, rip, rport, fwd, 0, 0, 0, false, err, sizeof(err));
}

static int setup(void **state)
{
	(void)state;
	nheld = 0;
	if (path_setup(&wk, 256, err, sizeof(err)) < 0 || add_svc(NAT_VPORT) < 0 ||
	    add_dest(NAT_VPORT, RIP1, NAT_VPORT + 1, DPVS_FWD_MASQ) < 0 ||
	    add_dest(NAT_VPORT, RIP2, NAT_VPORT + 1, DPVS_FWD_MASQ) < 0 ||
	    add_svc(SAME_VPORT) < 0 || add_dest(SAME_VPORT, RIP1, SAME_VPORT, DPVS_FWD_MASQ) < 0 ||
	    add_svc(DR_VPORT) < 0 || add_dest(DR_VPORT, RIP1, DR_VPORT, DPVS_FWD_DROUTE) < 0 ||
	    add_dest(DR_VPORT, RIP2, DR_VPORT, DPVS_FWD_DROUTE) < 0 || add_svc(TUN_VPORT) < 0 ||
	    add_dest(TUN_VPORT, RIP1, TUN_VPORT, DPVS_FWD_TUNNEL) < 0) {
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

/* ---- the CRC32c ---- */

static void test_crc32c_vectors(void **state)
{
	/* scapy's INIT (172.16.0.5:40000 -> 10.0.0.1:3868), CRC 7c 2e f4 f0 */
	static const uint8_t scapy_init[32] = {
		0x9c, 0x40, 0x0f, 0x1c, 0x00, 0x00, 0x00, 0x00, 0x7c, 0x2e, 0xf4,
		0xf0, 0x01, 0x00, 0x00, 0x14, 0x11, 0x22, 0x33, 0x44, 0x00, 0x00,
		0xff, 0xff, 0x00, 0x0a, 0x00, 0x0a, 0x01, 0x02, 0x03, 0x04
	};
	uint8_t zeros[32] = { 0 }, want[4];
	uint32_t got;

	(void)state;
	/* RFC 3720 B.4: 32 bytes of zeros -> aa 36 91 8a; "123456789" ->
	 * 0xe3069283 (the check value): the bitwise CRC is right */
	assert_int_equal(~p_crc32c(0xffffffffu, zeros, 32), 0x8a9136aau);
	assert_int_equal(~p_crc32c(0xffffffffu, (const uint8_t *)"123456789", 9), 0xe3069283u);
	/* the daemon's agrees with scapy's on a real packet */
	p_sctp_crc(scapy_init, sizeof(scapy_init), want);
	assert_memory_equal(want, scapy_init + 8, 4);
	struct rte_mbuf *m = dp_test_mbuf(scapy_init, sizeof(scapy_init));

	assert_non_null(m);
	got = ipvs_sctp_crc(m, 0, sizeof(scapy_init));
	assert_memory_equal(&got, scapy_init + 8, 4);
	assert_true(ipvs_sctp_csum_ok(m, 0, sizeof(scapy_init)));
	rte_pktmbuf_free(m);

	/* a packet over two segments, cut inside the checksum field and at
	 * an odd offset, from an odd offset in the first */
	uint8_t pkt[301];

	for (unsigned i = 0; i < sizeof(pkt); i++)
		pkt[i] = (uint8_t)(i * 31 + 7);
	p_sctp_crc(pkt + 1, 300, want);
	struct rte_mbuf *a = dp_test_mbuf(pkt, 11), *b = dp_test_mbuf(pkt + 11, 290);

	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(rte_pktmbuf_chain(a, b), 0);
	got = ipvs_sctp_crc(a, 1, 300);
	assert_memory_equal(&got, want, 4);
	rte_pktmbuf_free(a);
}

static void test_events(void **state)
{
	uint8_t p[64] = { 0 };

	(void)state;
	assert_int_equal(ipvs_sctp_event(p, 12), IPVS_SCTP_EV_NONE); /* no chunk */
	p[12] = INIT;
	assert_int_equal(ipvs_sctp_event(p, 32), IPVS_SCTP_EV_INIT);
	p[12] = 200; /* unknown: as DATA */
	assert_int_equal(ipvs_sctp_event(p, 32), IPVS_SCTP_EV_DATA);
	/* COOKIE-ECHO (length 6, padded to 8) then ABORT: the ABORT */
	p[12] = COOKIE_ECHO, p[15] = 6, p[20] = ABORT, p[23] = 4;
	assert_int_equal(ipvs_sctp_event(p, 24), IPVS_SCTP_EV_ABORT);
	assert_int_equal(ipvs_sctp_event(p, 23), IPVS_SCTP_EV_COOKIE_ECHO); /* cut short */
	p[20] = DATA;
	assert_int_equal(ipvs_sctp_event(p, 24), IPVS_SCTP_EV_COOKIE_ECHO);
	/* the table, in a few of LVS's rows */
	assert_int_equal(ipvs_sctp_next_state(IPVS_SCTP_INIT1, IPVS_DIR_OUT, false,
					      IPVS_SCTP_EV_ABORT), IPVS_SCTP_REJECTED);
	assert_int_equal(ipvs_sctp_next_state(IPVS_SCTP_INIT1, IPVS_DIR_IN, false,
					      IPVS_SCTP_EV_INIT), IPVS_SCTP_INIT);
	assert_int_equal(ipvs_sctp_next_state(IPVS_SCTP_CLOSED, IPVS_DIR_IN, true,
					      IPVS_SCTP_EV_INIT), IPVS_SCTP_INIT);
	assert_int_equal(ipvs_sctp_next_state(IPVS_SCTP_ESTABLISHED, IPVS_DIR_OUT, false,
					      IPVS_SCTP_EV_SHUTDOWN), IPVS_SCTP_SHUTDOWN_SENT);
	assert_int_equal(ipvs_sctp_next_state(IPVS_SCTP_COOKIE_WAIT, IPVS_DIR_IN, false,
					      IPVS_SCTP_EV_INIT_ACK), IPVS_SCTP_COOKIE);
	/* not an SCTP state, not an event: unchanged */
	assert_int_equal(ipvs_sctp_next_state(IPVS_TCP_ESTABLISHED, IPVS_DIR_IN, false,
					      IPVS_SCTP_EV_ABORT), IPVS_TCP_ESTABLISHED);
	assert_int_equal(ipvs_sctp_next_state(IPVS_SCTP_INIT1, IPVS_DIR_IN, false,
					      IPVS_SCTP_EV_NONE), IPVS_SCTP_INIT1);
	assert_string_equal(ipvs_state_name(IPPROTO_SCTP, IPVS_SCTP_COOKIE_REPLIED), "C-REPLIED");
	assert_string_equal(ipvs_state_name(IPPROTO_SCTP, IPVS_TCP_CLOSE), "ERR!");
}

/* ---- NAT ---- */

/* The client's packet of `type` on client port cport to vport reaches
 * rip:rport with a right CRC; returns nothing (checks only). */
static void client_to_rs(uint16_t cport, uint16_t vport, uint8_t type, const char *rip,
			 uint16_t rport)
{
	feed(P_CLI, sctp_frame(fb, CIP, cport, VIP, vport, type));
	struct rte_mbuf *m = one_out_of(P_SRV);
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)eth_to(
	    m, P_SRV, &rs_mac[strcmp(rip, RIP1) == 0 ? 0 : 1]);
	const uint8_t *sh = (const uint8_t *)(ip + 1);

	ip_ok(ip);
	assert_int_equal(ip->next_proto_id, IPPROTO_SCTP);
	assert_int_equal(ip->src_addr, p_ip(CIP));
	assert_int_equal(ip->dst_addr, p_ip(rip));
	assert_int_equal((sh[0] << 8) | sh[1], cport);
	assert_int_equal((sh[2] << 8) | sh[3], rport);
	assert_int_equal(sh[12], type);
	crc_ok(ip);
}

/* The real server's reply of `type` reaches the client from VIP:vport. */
static void rs_to_client(const char *rip, uint16_t rport, uint16_t cport, uint16_t vport,
			 uint8_t type)
{
	feed(P_SRV, sctp_frame(fb, rip, rport, CIP, cport, type));
	struct rte_mbuf *m = one_out_of(P_CLI);
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)eth_to(m, P_CLI, &cgw_mac);
	const uint8_t *sh = (const uint8_t *)(ip + 1);

	ip_ok(ip);
	assert_int_equal(ip->src_addr, p_ip(VIP));
	assert_int_equal(ip->dst_addr, p_ip(CIP));
	assert_int_equal((sh[0] << 8) | sh[1], vport);
	assert_int_equal((sh[2] << 8) | sh[3], cport);
	crc_ok(ip);
}

static void test_nat_association(void **state)
{
	const uint16_t cp = 40000, rp = NAT_VPORT + 1;

	(void)state;
	client_to_rs(cp, NAT_VPORT, INIT, RIP1, rp);
	expect_conn(cp, "INIT1", 4, RIP1);
	rs_to_client(RIP1, rp, cp, NAT_VPORT, INIT_ACK);
	expect_conn(cp, "C-SENT", 61, RIP1);
	client_to_rs(cp, NAT_VPORT, COOKIE_ECHO, RIP1, rp);
	expect_conn(cp, "C-REPLIED", 61, RIP1);
	struct ipvs_conn *c = conn_of(cp, NAT_VPORT);

	assert_non_null(c);
	assert_int_equal(ipvs_worker_state(0)->dest[c->dest_id].activeconns, 0);
	rs_to_client(RIP1, rp, cp, NAT_VPORT, COOKIE_ACK);
	expect_conn(cp, "ESTABLISHED", 900, RIP1);
	assert_int_equal(ipvs_worker_state(0)->dest[c->dest_id].activeconns, 1);
	client_to_rs(cp, NAT_VPORT, DATA, RIP1, rp);
	rs_to_client(RIP1, rp, cp, NAT_VPORT, SACK);
	expect_conn(cp, "ESTABLISHED", 900, RIP1);
	client_to_rs(cp, NAT_VPORT, SHUTDOWN, RIP1, rp);
	expect_conn(cp, "S-RECEIVED", 61, RIP1);
	assert_int_equal(ipvs_worker_state(0)->dest[c->dest_id].activeconns, 0);
	rs_to_client(RIP1, rp, cp, NAT_VPORT, SHUTDOWN_ACK);
	expect_conn(cp, "S-ACK-SENT", 61, RIP1);
	client_to_rs(cp, NAT_VPORT, SHUTDOWN_COMPLETE, RIP1, rp);
	expect_conn(cp, "CLOSED", 61, RIP1);
	/* the client port again: a new INIT reopens it, same server */
	client_to_rs(cp, NAT_VPORT, INIT, RIP1, rp);
	expect_conn(cp, "INIT", 61, RIP1);
}

static void test_nat_rr_and_reject(void **state)
{
	(void)state;
	client_to_rs(41000, NAT_VPORT, INIT, RIP1, NAT_VPORT + 1);
	client_to_rs(41001, NAT_VPORT, INIT, RIP2, NAT_VPORT + 1);
	client_to_rs(41002, NAT_VPORT, INIT, RIP1, NAT_VPORT + 1);
	/* the server refuses the association */
	rs_to_client(RIP2, NAT_VPORT + 1, 41001, NAT_VPORT, ABORT);
	expect_conn(41001, "REJECTED", 4, RIP2);
}

static void test_nat_same_port_untouched(void **state)
{
	size_t n = sctp_frame(fb, CIP, 42000, VIP, SAME_VPORT, INIT);
	uint8_t sent[64];

	(void)state;
	memcpy(sent, p_iph(fb) + 1, 12 + 20);
	feed(P_CLI, n);
	const struct rte_ipv4_hdr *ip =
	    (const struct rte_ipv4_hdr *)eth_to(one_out_of(P_SRV), P_SRV, &rs_mac[0]);

	/* the address is no part of the CRC: the SCTP bytes are as sent */
	assert_int_equal(ip->dst_addr, p_ip(RIP1));
	assert_memory_equal(ip + 1, sent, 12 + 20);
	crc_ok(ip);
}

static void test_new_needs_init_and_crc(void **state)
{
	(void)state;
	feed(P_CLI, sctp_frame(fb, CIP, 43000, VIP, NAT_VPORT, DATA));
	feed(P_CLI, sctp_frame(fb, CIP, 43000, VIP, NAT_VPORT, COOKIE_ECHO));
	assert_int_equal(wk.cnt[P_CLI].drops[DPVS_DROP_SCTP_NOT_INIT], 2);
	feed(P_CLI, sctp_frame2(fb, CIP, 43000, VIP, NAT_VPORT, INIT, 0xff, 16, true));
	assert_int_equal(wk.cnt[P_CLI].drops[DPVS_DROP_L4_BAD_CSUM], 1);
	assert_null(conn_of(43000, NAT_VPORT));
	/* a header cut short */
	size_t n = sctp_frame(fb, CIP, 43000, VIP, NAT_VPORT, INIT);
	struct rte_ipv4_hdr *ip = p_iph(fb);

	ip->total_length = htons(20 + 8);
	p_fix_ip(fb);
	(void)n;
	feed(P_CLI, sizeof(struct rte_ether_hdr) + 20 + 8);
	assert_int_equal(wk.cnt[P_CLI].drops[DPVS_DROP_L4_SHORT], 1);
	/* a known association, corrupt, its port changed by NAT: dropped,
	 * not given a right CRC */
	client_to_rs(43001, NAT_VPORT, INIT, RIP1, NAT_VPORT + 1);
	feed(P_CLI, sctp_frame2(fb, CIP, 43001, VIP, NAT_VPORT, DATA, 0xff, 100, true));
	assert_int_equal(wk.cnt[P_CLI].drops[DPVS_DROP_L4_BAD_CSUM], 2);
	/* COOKIE-ECHO bundled with an ABORT: the association is aborted */
	feed(P_CLI, sctp_frame2(fb, CIP, 43001, VIP, NAT_VPORT, COOKIE_ECHO, ABORT, 8, false));
	(void)one_out_of(P_SRV);
	expect_conn(43001, "CLOSED", 61, RIP1);
}

/* An ICMP error from the real server about the client's packet (as it
 * reached the server: to RIP:3869) reaches the client from the VIP,
 * quoting VIP:3868; the quoted CRC32c (over bytes the error cut off) is
 * left as it was. */
static void test_icmp_error_translated(void **state)
{
	uint8_t q[64];

	(void)state;
	client_to_rs(45000, NAT_VPORT, INIT, RIP1, NAT_VPORT + 1);
	/* the packet as the server got it: 20 + 28 bytes quoted */
	size_t n = sctp_frame(fb, CIP, 45000, RIP1, NAT_VPORT + 1, INIT);

	(void)n;
	memcpy(q, p_iph(fb), 48);
	feed(P_SRV, p_icmp_frame(fb, RIP1, CIP, 3, 2, 0, q, 48));
	const struct rte_ipv4_hdr *ip =
	    (const struct rte_ipv4_hdr *)eth_to(one_out_of(P_CLI), P_CLI, &cgw_mac);
	const struct rte_icmp_hdr *ic = (const struct rte_icmp_hdr *)(ip + 1);
	const struct rte_ipv4_hdr *in = (const struct rte_ipv4_hdr *)(ic + 1);
	const uint8_t *sh = (const uint8_t *)(in + 1);

	ip_ok(ip);
	assert_int_equal(ip->src_addr, p_ip(VIP));
	assert_int_equal(ip->dst_addr, p_ip(CIP));
	assert_int_equal(rte_raw_cksum(ic, ntohs(ip->total_length) - 20), 0xffff);
	ip_ok(in);
	assert_int_equal(in->dst_addr, p_ip(VIP));
	assert_int_equal((sh[2] << 8) | sh[3], NAT_VPORT);
	assert_memory_equal(sh + 4, q + 24, 24); /* tag, CRC, chunk: as quoted */
}

/* ---- DR ---- */

static void test_dr_untouched_input_only(void **state)
{
	static const uint8_t types[] = { INIT, COOKIE_ECHO, DATA, SHUTDOWN, SHUTDOWN_COMPLETE };
	static const char *const states[] = { "INIT1", "ESTABLISHED", "ESTABLISHED",
					      "S-RECEIVED", "CLOSED" };

	(void)state;
	for (unsigned i = 0; i < RTE_DIM(types); i++) {
		size_t n = sctp_frame(fb, CIP, 44000, VIP, DR_VPORT, types[i]);
		uint16_t len = (uint16_t)(n - sizeof(struct rte_ether_hdr));
		uint8_t sent[128];

		memcpy(sent, p_iph(fb), len);
		feed(P_CLI, n);
		uint8_t *ip = eth_to(one_out_of(P_SRV), P_SRV, &rs_mac[0]);

		assert_memory_equal(ip, sent, len); /* byte for byte: VIP, ports, CRC */
		crc_ok((const struct rte_ipv4_hdr *)ip);
		expect_conn(44000, states[i], i == 1 || i == 2 ? 900 : i == 0 ? 4 : 61, RIP1);
	}
	/* the next association goes to the other server */
	feed(P_CLI, sctp_frame(fb, CIP, 44001, VIP, DR_VPORT, INIT));
	(void)eth_to(one_out_of(P_SRV), P_SRV, &rs_mac[1]);
}

/* TUN: the client's packet inside IPIP, untouched; a router on the
 * tunnel's path says it needs 1300 bytes: the client hears 1280 from the
 * VIP, quoting its own packet. */
static void test_tun_and_frag_needed(void **state)
{
	uint8_t sent[1600], q[600];
	size_t n;
	uint16_t len;

	(void)state;
	feed(P_CLI, sctp_frame(fb, CIP, 46000, VIP, TUN_VPORT, INIT));
	(void)one_out_of(P_SRV);
	n = sctp_frame2(fb, CIP, 46000, VIP, TUN_VPORT, DATA, 0xff, 1200, false);
	len = (uint16_t)(n - sizeof(struct rte_ether_hdr));
	memcpy(sent, p_iph(fb), len);
	feed(P_CLI, n);
	const struct rte_ipv4_hdr *o =
	    (const struct rte_ipv4_hdr *)eth_to(one_out_of(P_SRV), P_SRV, &rs_mac[0]);

	assert_int_equal(o->next_proto_id, IPPROTO_IPIP);
	assert_memory_equal(o + 1, sent, len); /* the SCTP packet as sent */
	crc_ok((const struct rte_ipv4_hdr *)(o + 1));
	memcpy(q, o, 548);
	feed(P_SRV, p_icmp_frame(fb, "192.168.1.254", DIP1, 3, 4, htonl(1300), q, 548));
	const struct rte_ipv4_hdr *ip =
	    (const struct rte_ipv4_hdr *)eth_to(one_out_of(P_CLI), P_CLI, &cgw_mac);
	const struct rte_icmp_hdr *ic = (const struct rte_icmp_hdr *)(ip + 1);

	assert_int_equal(ip->src_addr, p_ip(VIP));
	assert_int_equal(ntohs(ic->icmp_seq_nb), 1280);
	assert_memory_equal(ic + 1, sent, 548 - 20);
}

static void test_fullnat_refused(void **state)
{
	(void)state;
	assert_int_equal(add_dest(NAT_VPORT, RIP3, 3868, DPVS_FWD_FULLNAT), -EOPNOTSUPP);
	assert_non_null(strstr(err, "SCTP"));
	/* TUN takes SCTP as any IP payload */
	assert_int_equal(add_dest(NAT_VPORT, RIP3, NAT_VPORT, DPVS_FWD_TUNNEL), 0);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc32c_vectors),
		cmocka_unit_test(test_events),
		T(test_nat_association),
		T(test_nat_rr_and_reject),
		T(test_nat_same_port_untouched),
		T(test_new_needs_init_and_crc),
		T(test_icmp_error_translated),
		T(test_dr_untouched_input_only),
		T(test_tun_and_frag_needed),
		T(test_fullnat_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
