/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DR (-g) and TUN (-i) on the whole data path (path_test_env.h: the real
 * stack and IPVS on DPDK ring ports; dpdk1, towards the real servers, has
 * an MTU of 1400): frames go in by eth_input, what left each port is read
 * back from its tx ring and checked field by field, every checksum
 * computed again from scratch.
 *
 *  - DR: only the Ethernet header changes (the real server's MAC, from
 *    dpdk1's), the IP packet leaves byte for byte as it came; rr over two
 *    real servers; LVS's input-only TCP states (a DR conn sees only the
 *    client); too big with DF: ICMP "fragmentation needed"; without:
 *    fragments; the on-link check when a dest is added or edited;
 *  - TUN: the outer IPv4 header of IPIP (protocol 4, DIP -> RIP, DF and
 *    TTL of the inner, id 0 with DF, a counter without, ECN), GUE (UDP
 *    to the tunnel port, the GUE header, UDP checksum none or computed)
 *    and GRE (with and without its checksum), the inner packet intact;
 *    too big with DF: frag-needed whose next-hop MTU leaves room for the
 *    encapsulation; without DF: the outer packet in fragments;
 *  - a service mixing a NAT dest and a DR dest;
 *  - an ICMP error about a DR flow goes to its real server unchanged;
 *  - a real server whose MAC is not known: the packet waits for ARP, then
 *    leaves (DR still addressed to the VIP, TUN encapsulated);
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

#define SYN RTE_TCP_SYN_FLAG
#define ACK RTE_TCP_ACK_FLAG
#define FIN RTE_TCP_FIN_FLAG
#define RST RTE_TCP_RST_FLAG

#define DR_PORT 8000  /* TCP, rr over RIP1 and RIP2, DR */
#define TUN_PORT 9000 /* TCP, RIP1 by a tunnel (type per test) */
#define TUN_UDP 9053  /* UDP, RIP2 by an ipip tunnel */
#define MIX_PORT 7000 /* TCP, rr: RIP1:7070 NAT, then RIP2 DR */
#define GUE_PORT 6080

static char err[256];

static int add_dest(uint16_t proto, uint16_t vport, const char *rip, uint16_t rport,
		    uint32_t fwd, uint8_t tun_type, uint8_t tun_flags, uint16_t tun_port, bool edit)
{
	struct dpvs_svc s = p_svc_key(proto, VIP, vport);

	return p_dest_fwd(&s, rip, rport, fwd, tun_type, tun_flags, tun_port, edit, err,
			  sizeof(err));
}

static int add_svc(uint16_t proto, uint16_t vport)
{
	struct dpvs_svc s = p_svc_key(proto, VIP, vport);

	snprintf(s.sched_name, sizeof(s.sched_name), "rr");
	return ipvs_svc_add(&s, err, sizeof(err));
}

static int setup(void **state)
{
	(void)state;
	nheld = 0;
	if (path_setup(&wk, 256, err, sizeof(err)) < 0 || add_svc(IPPROTO_TCP, DR_PORT) < 0 ||
	    add_dest(IPPROTO_TCP, DR_PORT, RIP1, DR_PORT, DPVS_FWD_DROUTE, 0, 0, 0, false) < 0 ||
	    add_dest(IPPROTO_TCP, DR_PORT, RIP2, DR_PORT, DPVS_FWD_DROUTE, 0, 0, 0, false) < 0 ||
	    add_svc(IPPROTO_TCP, TUN_PORT) < 0 ||
	    add_dest(IPPROTO_TCP, TUN_PORT, RIP1, TUN_PORT, DPVS_FWD_TUNNEL, 0, 0, 0, false) < 0 ||
	    add_svc(IPPROTO_UDP, TUN_UDP) < 0 ||
	    add_dest(IPPROTO_UDP, TUN_UDP, RIP2, TUN_UDP, DPVS_FWD_TUNNEL, 0, 0, 0, false) < 0 ||
	    add_svc(IPPROTO_TCP, MIX_PORT) < 0 ||
	    add_dest(IPPROTO_TCP, MIX_PORT, RIP1, 7070, DPVS_FWD_MASQ, 0, 0, 0, false) < 0 ||
	    add_dest(IPPROTO_TCP, MIX_PORT, RIP2, MIX_PORT, DPVS_FWD_DROUTE, 0, 0, 0, false) < 0) {
		fprintf(stderr, "set-up: %s\n", err);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	rte_pktmbuf_free_bulk(held, nheld);
	nheld = 0;
	path_teardown(&wk);
	return 0;
}

/* The listed state and real server of the conn of client port cport. */
static void expect_conn(uint16_t cport, const char *state, const char *rip)
{
	static struct dpvs_conn c[256];
	uint32_t n = 0;

	assert_int_equal(ipvs_conn_list_collect(c, 256, &n, err, sizeof(err)), 0);
	for (uint32_t i = 0; i < n; i++) {
		if ((c[i].flags & DPVS_CONN_F_TEMPLATE) || ntohs(c[i].cport) != cport)
			continue;
		assert_string_equal(c[i].state, state);
		assert_int_equal(c[i].daddr.in.s_addr, p_ip(rip));
		return;
	}
	fail_msg("no conn of client port %u", cport);
}

static struct p_l4 tcp(uint16_t sport, uint16_t dport, uint8_t flags)
{
	return (struct p_l4){ .proto = IPPROTO_TCP, .src = CIP, .sport = sport, .dst = VIP,
			      .dport = dport, .tcp_flags = flags };
}

/* Sends s from the client; the IP packet as it was sent (its bytes at
 * sent_ip, *len of them). */
static void send_client(const struct p_l4 *s, uint8_t *sent_ip, uint16_t *len)
{
	size_t n = p_l4_frame(fb, s);

	*len = (uint16_t)(n - sizeof(struct rte_ether_hdr));
	memcpy(sent_ip, p_iph(fb), *len);
	feed(P_CLI, n);
}

/* ---- DR ---- */

/* s from the client must reach the real server with MAC mac, its IP
 * packet byte for byte as sent. */
static void dr_pass(const struct p_l4 *s, const struct rte_ether_addr *mac)
{
	uint8_t sent_ip[1600];
	uint16_t len;

	send_client(s, sent_ip, &len);
	uint8_t *ip = eth_to(one_out_of(P_SRV), P_SRV, mac);

	assert_memory_equal(ip, sent_ip, len);
	ip_ok((const struct rte_ipv4_hdr *)ip);
	l4_ok((const struct rte_ipv4_hdr *)ip);
}

static void test_dr_only_mac_changes(void **state)
{
	struct p_l4 s = tcp(41000, DR_PORT, SYN);

	(void)state;
	s.ttl = 17; /* untouched: DR is not a routed hop */
	s.payload = 100;
	dr_pass(&s, &rs_mac[0]);
	/* rr: the next client to the other real server */
	s.sport = 41001;
	dr_pass(&s, &rs_mac[1]);
	/* the first one's later packets follow its conn */
	s.sport = 41000;
	s.tcp_flags = ACK;
	dr_pass(&s, &rs_mac[0]);
	expect_conn(41000, "ESTABLISHED", RIP1);
	expect_conn(41001, "SYN_RECV", RIP2);
	/* nothing came back through us, nor is expected to */
	assert_int_equal(wk.cnt[P_SRV].rx_packets, 0);
	fates_add_up();
}

/* LVS's INPUT-ONLY rows: the client's FIN closes (FIN_WAIT), RST ends. */
static void test_dr_tcp_states_input_only(void **state)
{
	struct p_l4 s = tcp(42000, DR_PORT, SYN);

	(void)state;
	dr_pass(&s, &rs_mac[0]);
	expect_conn(42000, "SYN_RECV", RIP1);
	s.tcp_flags = ACK;
	dr_pass(&s, &rs_mac[0]);
	expect_conn(42000, "ESTABLISHED", RIP1);
	s.tcp_flags = ACK | FIN;
	dr_pass(&s, &rs_mac[0]);
	expect_conn(42000, "FIN_WAIT", RIP1); /* NAT would say CLOSE_WAIT */
	s.tcp_flags = ACK;
	dr_pass(&s, &rs_mac[0]);
	expect_conn(42000, "FIN_WAIT", RIP1);
	s.tcp_flags = RST;
	dr_pass(&s, &rs_mac[0]);
	expect_conn(42000, "CLOSE", RIP1);
	fates_add_up();
}

static void test_dr_too_big(void **state)
{
	struct p_l4 s = tcp(43000, DR_PORT, SYN);
	struct rte_mbuf *m[8];
	uint8_t sent_ip[1600];
	uint16_t len;

	(void)state;
	dr_pass(&s, &rs_mac[0]);
	/* 1480 bytes with DF for dpdk1's 1400: the client learns 1400 */
	s.tcp_flags = ACK;
	s.payload = 1440;
	send_client(&s, sent_ip, &len);
	assert_int_equal(wk.cnt[P_CLI].drops[DPVS_DROP_IP_TOO_BIG], 1);
	const struct rte_ipv4_hdr *ip = (const void *)eth_to(one_out_of(P_CLI), P_CLI, &cgw_mac);
	const struct rte_icmp_hdr *ic = (const struct rte_icmp_hdr *)(ip + 1);

	ip_ok(ip);
	assert_int_equal(ip->src_addr, p_ip(VIP));
	assert_int_equal(ip->dst_addr, p_ip(CIP));
	assert_int_equal(ic->icmp_type, 3);
	assert_int_equal(ic->icmp_code, 4);
	assert_int_equal(ntohs(ic->icmp_seq_nb), P_MTU_SRV);
	assert_memory_equal(ic + 1, sent_ip, sizeof(struct rte_ipv4_hdr) + 8);
	/* without DF: fragments to the real server, TTL as it came */
	s.df = -1;
	send_client(&s, sent_ip, &len);
	out_of(P_SRV, m, 2);
	for (unsigned i = 0; i < 2; i++) {
		const struct rte_ipv4_hdr *f = (const void *)eth_to(m[i], P_SRV, &rs_mac[0]);

		ip_ok(f);
		assert_int_equal(f->dst_addr, p_ip(VIP));
		assert_int_equal(f->time_to_live, 64);
		assert_true(ntohs(f->total_length) <= P_MTU_SRV);
	}
	fates_add_up();
}

static void test_dr_dest_must_be_onlink(void **state)
{
	(void)state;
	/* 10.9.9.9 is reached through the clients' gateway */
	assert_int_equal(add_dest(IPPROTO_TCP, DR_PORT, "10.9.9.9", DR_PORT, DPVS_FWD_DROUTE, 0, 0,
				  0, false),
			 -ENETUNREACH);
	assert_string_equal(err, "real server 10.9.9.9 is not on-link: DR (-g) needs it in a "
				 "connected prefix of a port (dpip addr add ADDR/LEN dev PORT); "
				 "use -i (tunnel) or -m (NAT) to reach it through a router");
	/* the balancer's own address */
	assert_int_equal(add_dest(IPPROTO_TCP, DR_PORT, DIP1, DR_PORT, DPVS_FWD_DROUTE, 0, 0, 0,
				  false),
			 -ELOOP);
	assert_string_equal(err, "real server 192.168.1.1 is an address of this balancer: "
				 "-g (DR) needs another host");
	/* a NAT dest far away cannot become DR; TUN reaches it */
	assert_int_equal(add_dest(IPPROTO_TCP, TUN_PORT, "10.9.9.9", TUN_PORT, DPVS_FWD_MASQ, 0, 0,
				  0, false),
			 0);
	assert_int_equal(add_dest(IPPROTO_TCP, TUN_PORT, "10.9.9.9", TUN_PORT, DPVS_FWD_DROUTE, 0,
				  0, 0, true),
			 -ENETUNREACH);
	assert_int_equal(add_dest(IPPROTO_TCP, TUN_PORT, "10.9.9.9", TUN_PORT, DPVS_FWD_TUNNEL, 0,
				  0, 0, true),
			 0);
	/* tunnel fields a dest of another type cannot have */
	assert_int_equal(add_dest(IPPROTO_TCP, TUN_PORT, RIP2, TUN_PORT, DPVS_FWD_TUNNEL,
				  DPVS_TUN_GUE, 0, 0, false),
			 -EINVAL);
	assert_string_equal(err, "tunnel type gue needs a tunnel port (--tun-port, real server "
				 "192.168.1.11)");
	assert_int_equal(add_dest(IPPROTO_TCP, TUN_PORT, RIP2, TUN_PORT, DPVS_FWD_TUNNEL,
				  DPVS_TUN_GRE, DPVS_TUN_F_REMCSUM, 0, false),
			 -EINVAL);
	assert_int_equal(add_dest(IPPROTO_TCP, TUN_PORT, RIP2, TUN_PORT, DPVS_FWD_TUNNEL, 7, 0, 0,
				  false),
			 -EINVAL);
	assert_string_equal(err, "tunnel type 7 unknown (real server 192.168.1.11): ipip, gue or "
				 "gre");
	assert_int_equal(add_dest(IPPROTO_TCP, TUN_PORT, RIP2, TUN_PORT, DPVS_FWD_TUNNEL,
				  DPVS_TUN_IPIP, DPVS_TUN_F_CSUM, 0, false),
			 -EINVAL);
}

/* ---- TUN ---- */

/* Sends s (to the TUN service) and returns the outer IPv4 header of the
 * one frame that left towards RIP1, its inner packet checked to be what
 * was sent; hlen: the encapsulation's bytes after the outer header. */
static struct rte_ipv4_hdr *tun_pass(const struct p_l4 *s, uint16_t hlen, const char *rip,
				     const struct rte_ether_addr *mac)
{
	uint8_t sent_ip[1600];
	uint16_t len;

	send_client(s, sent_ip, &len);
	struct rte_ipv4_hdr *o = (struct rte_ipv4_hdr *)eth_to(one_out_of(P_SRV), P_SRV, mac);

	ip_ok(o);
	assert_int_equal(ntohs(o->total_length), sizeof(*o) + hlen + len);
	assert_int_equal(o->src_addr, p_ip(DIP1)); /* dpdk1's address towards the RIP */
	assert_int_equal(o->dst_addr, p_ip(rip));
	assert_memory_equal((uint8_t *)(o + 1) + hlen, sent_ip, len);
	return o;
}

static void test_tun_ipip_outer_header(void **state)
{
	struct p_l4 s = tcp(44000, TUN_PORT, SYN);

	(void)state;
	s.ttl = 33;
	s.payload = 64;
	struct rte_ipv4_hdr *o = tun_pass(&s, 0, RIP1, &rs_mac[0]);

	assert_int_equal(o->next_proto_id, IPPROTO_IPIP);
	assert_int_equal(o->fragment_offset, RTE_BE16(RTE_IPV4_HDR_DF_FLAG)); /* the inner's */
	assert_int_equal(o->packet_id, 0); /* DF: never fragmented, no id */
	assert_int_equal(o->time_to_live, 33); /* the inner's, as Linux */
	assert_int_equal(o->type_of_service, 0);
	expect_conn(44000, "SYN_RECV", RIP1);

	/* ECN: CE inside is ECT(0) outside (RFC 6040), the DSCP is kept */
	s.tcp_flags = ACK;
	size_t n = p_l4_frame(fb, &s);
	p_iph(fb)->type_of_service = 0xbb; /* DSCP 46, CE */
	p_fix_ip(fb);
	feed(P_CLI, n);
	o = (struct rte_ipv4_hdr *)eth_to(one_out_of(P_SRV), P_SRV, &rs_mac[0]);
	ip_ok(o);
	assert_int_equal(o->type_of_service, 0xba);
	assert_int_equal(((struct rte_ipv4_hdr *)(o + 1))->type_of_service, 0xbb);
	expect_conn(44000, "ESTABLISHED", RIP1);

	/* without DF: an id, one more per packet */
	s.df = -1;
	o = tun_pass(&s, 0, RIP1, &rs_mac[0]);
	uint16_t id = ntohs(o->packet_id);
	assert_int_equal(o->fragment_offset, 0);
	o = tun_pass(&s, 0, RIP1, &rs_mac[0]);
	assert_int_equal(ntohs(o->packet_id), (uint16_t)(id + 1));
	assert_int_equal(wk.cnt[P_SRV].rx_packets, 0);
	fates_add_up();
}

/* Inner + 20 over dpdk1's 1400 with DF: frag-needed saying 1380. */
static void test_tun_frag_needed(void **state)
{
	struct p_l4 s = tcp(45000, TUN_PORT, SYN);
	uint8_t sent_ip[1600];
	uint16_t len;

	(void)state;
	tun_pass(&s, 0, RIP1, &rs_mac[0]);
	s.tcp_flags = ACK;
	s.payload = 1380 - 40; /* exactly fits: 1380 + 20 */
	tun_pass(&s, 0, RIP1, &rs_mac[0]);
	s.payload++;
	send_client(&s, sent_ip, &len);
	assert_int_equal(wk.cnt[P_CLI].drops[DPVS_DROP_IP_TOO_BIG], 1);
	const struct rte_ipv4_hdr *ip = (const void *)eth_to(one_out_of(P_CLI), P_CLI, &cgw_mac);
	const struct rte_icmp_hdr *ic = (const struct rte_icmp_hdr *)(ip + 1);
	uint32_t qlen = ntohs(ip->total_length) - sizeof(*ip) - sizeof(*ic);

	ip_ok(ip);
	assert_int_equal(ip->next_proto_id, IPPROTO_ICMP);
	assert_int_equal(ip->src_addr, p_ip(VIP));
	assert_int_equal(ip->dst_addr, p_ip(CIP));
	assert_int_equal(rte_raw_cksum(ic, sizeof(*ic) + qlen), 0xffff);
	assert_int_equal(ic->icmp_type, 3);
	assert_int_equal(ic->icmp_code, 4);
	assert_int_equal(ic->icmp_ident, 0);
	assert_int_equal(ntohs(ic->icmp_seq_nb), P_MTU_SRV - 20); /* room for the outer header */
	/* the client's packet as it sent it, as much as 576 bytes hold */
	assert_int_equal(qlen, 576 - sizeof(*ip) - sizeof(*ic));
	assert_memory_equal(ic + 1, sent_ip, qlen);
	fates_add_up();
}

/* Without DF the outer packet goes in fragments; put together, it is
 * the outer header's payload: the inner packet as sent. */
static void test_tun_fragments_without_df(void **state)
{
	struct p_l4 s = { .proto = IPPROTO_UDP, .src = CIP, .sport = 46000, .dst = VIP,
			  .dport = TUN_UDP, .payload = 1452, .df = -1 };
	uint8_t sent_ip[1600], whole[1600];
	struct rte_mbuf *m[8];
	uint32_t covered = 0;
	uint16_t len, id = 0;

	(void)state;
	send_client(&s, sent_ip, &len);
	assert_int_equal(wk.cnt[P_CLI].forwarded, 1);
	out_of(P_SRV, m, 2);
	for (unsigned i = 0; i < 2; i++) {
		const struct rte_ipv4_hdr *f = (const void *)eth_to(m[i], P_SRV, &rs_mac[1]);
		uint16_t fo = ntohs(f->fragment_offset);
		uint32_t plen = ntohs(f->total_length) - sizeof(*f);

		ip_ok(f);
		assert_int_equal(f->next_proto_id, IPPROTO_IPIP);
		assert_int_equal(f->src_addr, p_ip(DIP1));
		assert_int_equal(f->dst_addr, p_ip(RIP2));
		assert_true(ntohs(f->total_length) <= P_MTU_SRV);
		assert_int_equal((fo & RTE_IPV4_HDR_OFFSET_MASK) * 8u, covered);
		assert_int_equal(!!(fo & RTE_IPV4_HDR_MF_FLAG), i == 0);
		if (i == 0)
			id = f->packet_id;
		assert_int_equal(f->packet_id, id);
		memcpy(whole + covered, f + 1, plen);
		covered += plen;
	}
	assert_int_equal(covered, len);
	assert_memory_equal(whole, sent_ip, len);
	fates_add_up();
}

/* The GUE encapsulation of the first packet of a fresh flow to RIP1. */
static struct rte_udp_hdr *gue_pass(uint16_t sport, struct rte_ipv4_hdr **outer)
{
	struct p_l4 s = tcp(sport, TUN_PORT, SYN);
	const uint16_t hlen = sizeof(struct rte_udp_hdr) + 4;

	s.payload = 33; /* odd: the checksum's padding */
	struct rte_ipv4_hdr *o = tun_pass(&s, hlen, RIP1, &rs_mac[0]);
	struct rte_udp_hdr *u = (struct rte_udp_hdr *)(o + 1);
	const uint8_t *gue = (const uint8_t *)(u + 1);

	assert_int_equal(o->next_proto_id, IPPROTO_UDP);
	assert_int_equal(ntohs(u->dst_port), GUE_PORT);
	assert_true(ntohs(u->src_port) >= 32768 && ntohs(u->src_port) <= 60999);
	assert_int_equal(ntohs(u->dgram_len), ntohs(o->total_length) - sizeof(*o));
	/* version 0, no options, then IPv4 inside, no flags */
	assert_int_equal(gue[0], 0);
	assert_int_equal(gue[1], IPPROTO_IPIP);
	assert_int_equal(gue[2], 0);
	assert_int_equal(gue[3], 0);
	*outer = o;
	return u;
}

static void test_tun_gue(void **state)
{
	struct rte_ipv4_hdr *o;
	struct rte_udp_hdr *u;

	(void)state;
	assert_int_equal(add_dest(IPPROTO_TCP, TUN_PORT, RIP1, TUN_PORT, DPVS_FWD_TUNNEL,
				  DPVS_TUN_GUE, 0, GUE_PORT, true),
			 0);
	u = gue_pass(47000, &o);
	assert_int_equal(u->dgram_cksum, 0); /* --tun-nocsum */
	uint16_t sport = u->src_port;
	/* the same flow keeps its source port */
	struct p_l4 s = tcp(47000, TUN_PORT, ACK);
	o = tun_pass(&s, sizeof(*u) + 4, RIP1, &rs_mac[0]);
	assert_int_equal(((struct rte_udp_hdr *)(o + 1))->src_port, sport);

	/* --tun-csum, and --tun-remcsum (the same on the wire for packets
	 * whose checksum is complete, as Linux): the UDP checksum over the
	 * pseudo header, UDP, GUE and the inner packet */
	for (uint8_t f = DPVS_TUN_F_CSUM; f <= DPVS_TUN_F_REMCSUM; f++) {
		assert_int_equal(add_dest(IPPROTO_TCP, TUN_PORT, RIP1, TUN_PORT, DPVS_FWD_TUNNEL,
					  DPVS_TUN_GUE, f, GUE_PORT, true),
				 0);
		u = gue_pass((uint16_t)(47100 + f), &o);
		assert_int_not_equal(u->dgram_cksum, 0);
		assert_int_equal(pseudo_sum(o, IPPROTO_UDP, u, ntohs(u->dgram_len)), 0xffff);
	}
	fates_add_up();
}

static void test_tun_gre(void **state)
{
	struct p_l4 s = tcp(48000, TUN_PORT, SYN);
	struct rte_ipv4_hdr *o;
	const uint8_t *g;

	(void)state;
	assert_int_equal(add_dest(IPPROTO_TCP, TUN_PORT, RIP1, TUN_PORT, DPVS_FWD_TUNNEL,
				  DPVS_TUN_GRE, 0, 0, true),
			 0);
	s.payload = 21;
	o = tun_pass(&s, 4, RIP1, &rs_mac[0]);
	g = (const uint8_t *)(o + 1);
	assert_int_equal(o->next_proto_id, 47);
	/* no flags, version 0, EtherType IPv4 */
	assert_int_equal(g[0], 0x00);
	assert_int_equal(g[1], 0x00);
	assert_int_equal(g[2], 0x08);
	assert_int_equal(g[3], 0x00);

	/* --tun-csum: C bit, then the checksum over GRE header and payload,
	 * then 2 reserved bytes */
	assert_int_equal(add_dest(IPPROTO_TCP, TUN_PORT, RIP1, TUN_PORT, DPVS_FWD_TUNNEL,
				  DPVS_TUN_GRE, DPVS_TUN_F_CSUM, 0, true),
			 0);
	s.sport = 48001;
	o = tun_pass(&s, 8, RIP1, &rs_mac[0]);
	g = (const uint8_t *)(o + 1);
	assert_int_equal(g[0], 0x80);
	assert_int_equal(g[1], 0x00);
	assert_int_equal(g[2], 0x08);
	assert_int_equal(g[3], 0x00);
	assert_int_equal(g[6], 0);
	assert_int_equal(g[7], 0);
	assert_int_equal(rte_raw_cksum(g, ntohs(o->total_length) - sizeof(*o)), 0xffff);
	/* the conns of the dest go with its new tunnel: the first flow too */
	s.sport = 48000;
	s.tcp_flags = ACK;
	o = tun_pass(&s, 8, RIP1, &rs_mac[0]);
	assert_int_equal(((const uint8_t *)(o + 1))[0], 0x80);
	fates_add_up();
}

/* A router on the tunnel's path (on dpdk1's network) says our
 * encapsulated packet needs an MTU of 1300: the client hears it from the
 * VIP, quoting its own packet (the outer headers cut out), with the MTU
 * less the encapsulation (IPIP 20, GRE with checksum 28, GUE 32). With the
 * minimal quote RFC 792 asks (the outer header and 8 bytes) nothing can be
 * said: it goes to the kernel. */
static void tun_relay(uint16_t cport, uint8_t tun_type, uint8_t flags, uint16_t hlen)
{
	struct p_l4 s = tcp(cport, TUN_PORT, ACK);
	uint8_t sent_ip[1600], q[600];
	uint16_t len;

	assert_int_equal(add_dest(IPPROTO_TCP, TUN_PORT, RIP1, TUN_PORT, DPVS_FWD_TUNNEL,
				  tun_type, flags, tun_type == DPVS_TUN_GUE ? GUE_PORT : 0, true),
			 0);
	s.payload = 1200;
	send_client(&s, sent_ip, &len);
	struct rte_ipv4_hdr *o = (struct rte_ipv4_hdr *)eth_to(one_out_of(P_SRV), P_SRV,
							      &rs_mac[0]);
	/* what a Linux router quotes: as much as fits in 576 bytes */
	uint16_t qlen = 576 - 20 - 8;

	memcpy(q, o, qlen);
	size_t n = p_icmp_frame(fb, "192.168.1.254", DIP1, 3, 4, htonl(1300), q, qlen);

	feed(P_SRV, n);
	const struct rte_ipv4_hdr *ip = (const void *)eth_to(one_out_of(P_CLI), P_CLI, &cgw_mac);
	const struct rte_icmp_hdr *ic = (const struct rte_icmp_hdr *)(ip + 1);
	uint32_t ilen = ntohs(ip->total_length) - sizeof(*ip) - sizeof(*ic);

	ip_ok(ip);
	assert_int_equal(ip->next_proto_id, IPPROTO_ICMP);
	assert_int_equal(ip->src_addr, p_ip(VIP));
	assert_int_equal(ip->dst_addr, p_ip(CIP));
	assert_int_equal(rte_raw_cksum(ic, sizeof(*ic) + ilen), 0xffff);
	assert_int_equal(ic->icmp_type, 3);
	assert_int_equal(ic->icmp_code, 4);
	assert_int_equal(ic->icmp_ident, 0);
	assert_int_equal(ntohs(ic->icmp_seq_nb), 1300 - sizeof(*o) - hlen);
	assert_int_equal(ilen, qlen - sizeof(*o) - hlen);
	assert_memory_equal(ic + 1, sent_ip, ilen); /* the client's packet as sent */

	/* the outer header and 8 bytes only: not enough to know the flow */
	n = p_icmp_frame(fb, "192.168.1.254", DIP1, 3, 4, htonl(1300), q, sizeof(*o) + 8);
	uint64_t kni_off = wk.cnt[P_SRV].drops[DPVS_DROP_KNI_OFF];
	struct rte_mbuf *k[2];

	feed(P_SRV, n);
	assert_int_equal(take(p_tx_ring[P_CLI], k, 2), 0);
	/* the kernel's, as any other message to us (dpdk1 has no KNI here) */
	assert_int_equal(wk.cnt[P_SRV].drops[DPVS_DROP_KNI_OFF], kni_off + 1);
	fates_add_up();
}

static void test_tun_frag_needed_from_the_path(void **state)
{
	struct p_l4 syn = tcp(52000, TUN_PORT, SYN);

	(void)state;
	tun_pass(&syn, 0, RIP1, &rs_mac[0]);
	tun_relay(52000, DPVS_TUN_IPIP, 0, 0);
	syn.sport = 52001;
	assert_int_equal(add_dest(IPPROTO_TCP, TUN_PORT, RIP1, TUN_PORT, DPVS_FWD_TUNNEL,
				  DPVS_TUN_GRE, DPVS_TUN_F_CSUM, 0, true),
			 0);
	tun_pass(&syn, 8, RIP1, &rs_mac[0]);
	tun_relay(52001, DPVS_TUN_GRE, DPVS_TUN_F_CSUM, 8);
	syn.sport = 52002;
	assert_int_equal(add_dest(IPPROTO_TCP, TUN_PORT, RIP1, TUN_PORT, DPVS_FWD_TUNNEL,
				  DPVS_TUN_GUE, 0, GUE_PORT, true),
			 0);
	send_client(&syn, (uint8_t[1600]){ 0 }, &(uint16_t){ 0 });
	rte_pktmbuf_free(one_out_of(P_SRV));
	tun_relay(52002, DPVS_TUN_GUE, 0, 12);
}

/* No address on the way out to be the outer source: dropped, counted. */
static void test_tun_no_source(void **state)
{
	struct dpvs_route r = { .family = AF_INET, .prefixlen = 25 };
	struct dpvs_addr a = { .family = AF_INET, .prefixlen = 24 };
	struct p_l4 s = tcp(49000, TUN_PORT, SYN);

	(void)state;
	/* RIP1 stays on-link through a static /25 once dpdk1's address goes */
	snprintf(r.ifname, sizeof(r.ifname), "dpdk1");
	r.dst.in.s_addr = p_ip("192.168.1.0");
	assert_int_equal(inet_route_add(&r, err, sizeof(err)), 0);
	snprintf(a.ifname, sizeof(a.ifname), "dpdk1");
	a.addr.in.s_addr = p_ip(DIP1);
	assert_int_equal(inet_addr_del(&a, err, sizeof(err)), 0);
	feed(P_CLI, p_l4_frame(fb, &s));
	assert_int_equal(wk.cnt[P_CLI].drops[DPVS_DROP_NO_SRC_ADDR], 1);
	fates_add_up();
}

/* ---- NAT and DR in one service ---- */

static void test_mixed_nat_and_dr(void **state)
{
	struct p_l4 nat = tcp(50000, MIX_PORT, SYN), dr = tcp(50001, MIX_PORT, SYN);
	uint8_t sent_ip[1600];
	uint16_t len;

	(void)state;
	/* rr: the NAT dest first, rewritten to RIP1:7070, TTL one less */
	send_client(&nat, sent_ip, &len);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)eth_to(one_out_of(P_SRV), P_SRV,
								&rs_mac[0]);
	ip_ok(ip);
	l4_ok(ip);
	assert_int_equal(ip->dst_addr, p_ip(RIP1));
	assert_int_equal(ntohs(((struct rte_tcp_hdr *)(ip + 1))->dst_port), 7070);
	assert_int_equal(ip->time_to_live, 63);
	/* then the DR dest: the packet as sent, to RIP2's MAC */
	dr_pass(&dr, &rs_mac[1]);
	/* the NAT dest's reply comes back through us, from the VIP */
	struct p_l4 reply = { .proto = IPPROTO_TCP, .src = RIP1, .sport = 7070, .dst = CIP,
			      .dport = 50000, .tcp_flags = SYN | ACK };
	feed(P_SRV, p_l4_frame(fb, &reply));
	ip = (struct rte_ipv4_hdr *)eth_to(one_out_of(P_CLI), P_CLI, &cgw_mac);
	ip_ok(ip);
	l4_ok(ip);
	assert_int_equal(ip->src_addr, p_ip(VIP));
	assert_int_equal(ntohs(((struct rte_tcp_hdr *)(ip + 1))->src_port), MIX_PORT);
	expect_conn(50000, "SYN_RECV", RIP1);
	expect_conn(50001, "SYN_RECV", RIP2);
	fates_add_up();
}

/* A router on the client's path tells the VIP that a reply of a DR flow
 * (sent by the real server from the VIP) was too big: the error is the
 * real server's, and goes to it unchanged. */
static void test_icmp_error_of_dr_flow_to_real_server(void **state)
{
	struct p_l4 s = tcp(51000, DR_PORT, SYN);
	struct p_l4 reply = { .proto = IPPROTO_TCP, .src = VIP, .sport = DR_PORT, .dst = CIP,
			      .dport = 51000, .tcp_flags = ACK, .payload = 8 };
	uint8_t q[64];
	uint16_t qlen;

	(void)state;
	dr_pass(&s, &rs_mac[0]);
	p_l4_frame(fb, &reply);
	qlen = sizeof(struct rte_ipv4_hdr) + 20 + 8;
	memcpy(q, p_iph(fb), qlen);
	size_t n = p_icmp_frame(fb, "172.16.99.1", VIP, 3, 4, htonl(1200), q, qlen);
	uint8_t sent_ip[256];

	memcpy(sent_ip, p_iph(fb), n - sizeof(struct rte_ether_hdr));
	feed(P_CLI, n);
	uint8_t *ip = eth_to(one_out_of(P_SRV), P_SRV, &rs_mac[0]);

	assert_memory_equal(ip, sent_ip, n - sizeof(struct rte_ether_hdr));
	fates_add_up();
}

/* A real server whose MAC is not known yet: the packet waits for ARP
 * (asked on dpdk1), then leaves to the MAC the answer gave: DR with the
 * IP packet as it came, TUN inside its outer header. */
static void wait_for_arp(uint16_t vport, const char *rip, uint32_t fwd, uint16_t hlen)
{
	static const struct rte_ether_addr mac = { { 0x02, 0xaa, 0, 0, 0, 0x44 } };
	struct p_l4 s = tcp(52000, vport, SYN);
	uint8_t sent_ip[256];
	struct rte_mbuf *m[4];
	uint16_t len;

	assert_int_equal(add_svc(IPPROTO_TCP, vport), 0);
	assert_int_equal(add_dest(IPPROTO_TCP, vport, rip, vport, fwd, 0, 0, 0, false), 0);
	send_client(&s, sent_ip, &len);
	struct rte_mbuf *req = one_out_of(P_SRV); /* rte_pktmbuf_mtod reads its argument twice */
	const struct rte_ether_hdr *e = rte_pktmbuf_mtod(req, const void *);
	const struct rte_arp_hdr *a = (const struct rte_arp_hdr *)(e + 1);

	assert_int_equal(e->ether_type, RTE_BE16(RTE_ETHER_TYPE_ARP));
	assert_int_equal(a->arp_opcode, RTE_BE16(RTE_ARP_OP_REQUEST));
	assert_int_equal(a->arp_data.arp_tip, p_ip(rip));
	assert_int_equal(a->arp_data.arp_sip, p_ip(DIP1));
	/* the real server asks for us: we learn its MAC, answer, and send */
	feed(P_SRV, p_arp_frame(fb, &mac, rip, DIP1));
	out_of(P_SRV, m, 2);
	/* the queued packet and our ARP reply, in either order */
	unsigned k = rte_pktmbuf_mtod(m[0], const struct rte_ether_hdr *)->ether_type ==
		     RTE_BE16(RTE_ETHER_TYPE_ARP);
	e = rte_pktmbuf_mtod(m[1 - k], const void *);
	assert_int_equal(e->ether_type, RTE_BE16(RTE_ETHER_TYPE_ARP));
	uint8_t *ip = eth_to(m[k], P_SRV, &mac);
	const struct rte_ipv4_hdr *o = (const struct rte_ipv4_hdr *)ip;

	if (fwd == DPVS_FWD_TUNNEL) {
		ip_ok(o);
		assert_int_equal(o->next_proto_id, IPPROTO_IPIP);
		assert_int_equal(o->src_addr, p_ip(DIP1));
		assert_int_equal(o->dst_addr, p_ip(rip));
	}
	assert_memory_equal(ip + hlen, sent_ip, len);
	/* the next packet goes at once */
	s.tcp_flags = ACK;
	send_client(&s, sent_ip, &len);
	ip = eth_to(one_out_of(P_SRV), P_SRV, &mac);
	assert_memory_equal(ip + hlen, sent_ip, len);
	fates_add_up();
}

static void test_dr_waits_for_arp(void **state)
{
	(void)state;
	wait_for_arp(8100, "192.168.1.20", DPVS_FWD_DROUTE, 0);
}

static void test_tun_waits_for_arp(void **state)
{
	(void)state;
	wait_for_arp(9100, "192.168.1.21", DPVS_FWD_TUNNEL, sizeof(struct rte_ipv4_hdr));
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_dr_only_mac_changes),
		T(test_dr_tcp_states_input_only),
		T(test_dr_too_big),
		T(test_dr_dest_must_be_onlink),
		T(test_tun_ipip_outer_header),
		T(test_tun_frag_needed),
		T(test_tun_fragments_without_df),
		T(test_tun_gue),
		T(test_tun_gre),
		T(test_tun_frag_needed_from_the_path),
		T(test_tun_no_source),
		T(test_mixed_nat_and_dr),
		T(test_icmp_error_of_dr_flow_to_real_server),
		T(test_dr_waits_for_arp),
		T(test_tun_waits_for_arp),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
