/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The whole data path on real modules: Ethernet frames go through
 * eth_input -> ipv4 -> IPVS (the registered hook) -> route -> neighbour
 * -> dp_tx -> dp_tx_flush -> rte_eth_tx_burst on DPDK ring ports, and the
 * test reads what left each port from its tx ring (path_test_env.h draws
 * the balancer). Nothing between the port and the ring is faked.
 *
 * What it checks:
 *  - NAT both ways: client -> VIP packets leave by dpdk1 to the real
 *    server's MAC with the destination RIP:rport, replies leave by dpdk0 to
 *    the client gateway from VIP:vport; every checksum recomputed from
 *    scratch; TCP SYN/SYN-ACK/ACK/data/FIN with the conn's states; UDP;
 *    rr over two real servers;
 *  - ICMP errors about a conn translated, both ways;
 *  - fates add up: a mixed stream of valid and broken frames, and after it,
 *    per port, rx_packets == forwarded + arp_replied + icmp_echo_replied +
 *    to_kernel + the receive-side drops (include/dpvs/ctl.h), each frame
 *    with exactly one fate, and the reason of each broken kind;
 *  - what the data path is to do with short L4 headers (l4-short), bad L4
 *    checksums on a new flow (l4-bad-csum, no conn), replies from a real
 *    server without a conn (stray-reply), packets over the egress MTU
 *    (DF: ip-too-big and ICMP "fragmentation needed" from the VIP; no DF:
 *    fragmented and forwarded).
 *
 * Two groups (the first argument picks one, meson runs each as a test):
 * "path", what the data path does today, and "issue14", the last item,
 * which fails until issue 14's data-path change lands.
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

static struct worker wk;
static uint8_t fb[2048]; /* the frame under construction */

#define MAX_OUT 64

/* Frames a test took from the rings: freed by the teardown, so a failed
 * assertion does not show up as a leak too. */
static struct rte_mbuf *held[512];
static unsigned nheld;

static struct rte_mbuf *hold(struct rte_mbuf *m)
{
	if (nheld == RTE_DIM(held)) {
		rte_pktmbuf_free_bulk(held, nheld);
		nheld = 0;
	}
	held[nheld++] = m;
	return m;
}

static int setup(void **state)
{
	char err[256];

	(void)state;
	if (path_setup(&wk, 256, err, sizeof(err)) < 0) {
		fprintf(stderr, "set-up: %s\n", err);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	struct rte_mempool *mp = dp_test_eal();

	(void)state;
	rte_pktmbuf_free_bulk(held, nheld);
	nheld = 0;
	path_teardown(&wk);
	/* every mbuf came back: nothing leaked on any path, nothing freed twice */
	if (rte_mempool_avail_count(mp) != mp->size) {
		fprintf(stderr, "mbuf leak: %u of %u in the pool\n", rte_mempool_avail_count(mp),
			mp->size);
		return -1;
	}
	return 0;
}

/* ---- feeding and reading back ---- */

static void feed(uint16_t port, size_t len)
{
	struct rte_mbuf *m = dp_test_mbuf(fb, (uint16_t)len);

	assert_non_null(m);
	eth_input(&wk, port, m);
}

/* Flushes the worker and takes what left by the ring (a port's tx, or
 * dpdk0's KNI). */
static unsigned sent(struct rte_ring *r, struct rte_mbuf **m, unsigned max)
{
	dp_tx_flush(&wk);
	return p_take(r, m, max);
}

static void expect_nothing_sent(void)
{
	struct rte_mbuf *m[MAX_OUT];

	for (unsigned p = 0; p <= P_NPORTS; p++) {
		unsigned n = sent(p < P_NPORTS ? p_tx_ring[p] : p_kni_ring, m, MAX_OUT);

		for (unsigned i = 0; i < n; i++)
			hold(m[i]);
		assert_int_equal(n, 0);
	}
}

/* The one frame that left: by `port`, none by the other port or the KNI. */
static struct rte_mbuf *one_out(uint16_t port)
{
	struct rte_mbuf *m[MAX_OUT];
	struct rte_mbuf *got = NULL;

	for (unsigned p = 0; p < P_NPORTS; p++) {
		unsigned n = sent(p_tx_ring[p], m, MAX_OUT);

		for (unsigned i = 0; i < n; i++)
			hold(m[i]);
		if (p == port) {
			assert_int_equal(n, 1);
			got = m[0];
		} else {
			assert_int_equal(n, 0);
		}
	}
	unsigned k = sent(p_kni_ring, m, MAX_OUT);
	for (unsigned i = 0; i < k; i++)
		hold(m[i]);
	assert_int_equal(k, 0);
	return got;
}

/* The frame left by `port` from the port's MAC to dst (NULL: the MAC of
 * the real server it is addressed to), as IPv4: its IP header (the mbuf
 * is one segment). */
static struct rte_ipv4_hdr *check_eth(struct rte_mbuf *m, uint16_t port,
				      const struct rte_ether_addr *dst)
{
	const struct rte_ether_hdr *e = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, sizeof(*e));
	char a[INET_ADDRSTRLEN];

	assert_int_equal(m->nb_segs, 1);
	assert_true(rte_is_same_ether_addr(&e->src_addr, &p_mac[port]));
	if (!dst) {
		assert_int_equal(port, P_SRV);
		assert_non_null(inet_ntop(AF_INET, &ip->dst_addr, a, sizeof(a)));
		dst = p_src_mac(a);
	}
	assert_true(rte_is_same_ether_addr(&e->dst_addr, dst));
	assert_int_equal(e->ether_type, RTE_BE16(RTE_ETHER_TYPE_IPV4));
	assert_int_equal(rte_pktmbuf_data_len(m), sizeof(*e) + ntohs(ip->total_length));
	return ip;
}

/* One's complement sum of the pseudo header (with l4len) and l4: all ones
 * when the stored checksum is right. */
static uint16_t l4_sum(const struct rte_ipv4_hdr *ip, const uint8_t *l4, uint32_t l4len)
{
	uint32_t sum = (ip->src_addr & 0xffff) + (ip->src_addr >> 16) + (ip->dst_addr & 0xffff) +
		       (ip->dst_addr >> 16) + htons(ip->next_proto_id) + htons((uint16_t)l4len);

	sum += rte_raw_cksum(l4, l4len);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* Every checksum of the packet at ip, from scratch: header, and TCP/UDP
 * (with the pseudo header) or ICMP over the whole of it. A UDP checksum
 * of 0 (none) is accepted only when udp_none. */
static void check_csums(const struct rte_ipv4_hdr *ip, bool udp_none)
{
	const uint8_t *l4 = (const uint8_t *)ip + rte_ipv4_hdr_len(ip);
	uint32_t l4len = ntohs(ip->total_length) - rte_ipv4_hdr_len(ip);

	assert_int_equal(rte_raw_cksum(ip, rte_ipv4_hdr_len(ip)), 0xffff);
	switch (ip->next_proto_id) {
	case IPPROTO_ICMP:
		assert_int_equal(rte_raw_cksum(l4, l4len), 0xffff);
		break;
	case IPPROTO_UDP:
		if (((const struct rte_udp_hdr *)l4)->dgram_cksum == 0) {
			assert_true(udp_none);
			break;
		}
		/* fall through */
	case IPPROTO_TCP:
		assert_int_equal(l4_sum(ip, l4, l4len), 0xffff);
		break;
	}
}

static uint16_t sport_of(const struct rte_ipv4_hdr *ip)
{
	return ntohs(*(const unaligned_uint16_t *)((const uint8_t *)ip + rte_ipv4_hdr_len(ip)));
}

static uint16_t dport_of(const struct rte_ipv4_hdr *ip)
{
	return ntohs(*(const unaligned_uint16_t *)((const uint8_t *)ip + rte_ipv4_hdr_len(ip) + 2));
}

/* The payload pattern p_l4_frame wrote is intact after an L4 header of hl. */
static void check_payload(const struct rte_ipv4_hdr *ip, uint16_t hl, uint16_t n)
{
	const uint8_t *d = (const uint8_t *)ip + rte_ipv4_hdr_len(ip) + hl;

	assert_int_equal(ntohs(ip->total_length), rte_ipv4_hdr_len(ip) + hl + n);
	for (uint16_t i = 0; i < n; i++)
		assert_int_equal(d[i], (uint8_t)(i * 7 + 1));
}

/* Sends the packet s from its side; returns the one frame that left by
 * the other side (checked: Ethernet header, checksums). */
static struct rte_ipv4_hdr *pass(const struct p_l4 *s, const struct rte_ether_addr *to)
{
	uint16_t in = p_port_of(s->src), out = in == P_CLI ? P_SRV : P_CLI;
	struct rte_ipv4_hdr *ip;

	feed(in, p_l4_frame(fb, s));
	ip = check_eth(one_out(out), out, to);
	check_csums(ip, s->udp_no_csum);
	assert_int_equal(ip->time_to_live, (s->ttl ? s->ttl : 64) - 1);
	return ip;
}

/* The listed state of the (non-template) conn of client port cport;
 * false when there is none. */
static bool conn_state(uint16_t cport, char *state, size_t len)
{
	static struct dpvs_conn c[256];
	struct ipvs_conn_cursor cur = { 0 };
	char err[128];
	uint32_t n = 0;

	assert_int_equal(ipvs_conn_list_page(&cur, false, c, 256, &n, err, sizeof(err)), 0);
	for (uint32_t i = 0; i < n; i++)
		if (!(c[i].flags & DPVS_CONN_F_TEMPLATE) && ntohs(c[i].cport) == cport) {
			snprintf(state, len, "%s", c[i].state);
			return true;
		}
	return false;
}

static void expect_state(uint16_t cport, const char *want)
{
	char st[16];

	assert_true(conn_state(cport, st, sizeof(st)));
	assert_string_equal(st, want);
}

/* Per port, after a flush: the fates of what it received add up, and
 * what it counted sent is what the ring PMD took. */
static void check_fates_add_up(void)
{
	struct rte_eth_stats st;

	dp_tx_flush(&wk);
	for (uint16_t p = 0; p < P_NPORTS; p++) {
		const struct dp_port_counters *c = &wk.cnt[p];

		if (c->rx_packets != p_fates(&wk.cnt[p])) {
			fprintf(stderr, "port %u: rx %" PRIu64 " != fates %" PRIu64 "\n", p,
				c->rx_packets, p_fates(&wk.cnt[p]));
			for (unsigned r = 0; r < DPVS_DROP_MAX; r++)
				if (c->drops[r])
					fprintf(stderr, "  drop %s %" PRIu64 "\n", dpvs_drop_names[r],
						c->drops[r]);
		}
		assert_int_equal(c->rx_packets, p_fates(&wk.cnt[p]));
		assert_int_equal(rte_eth_stats_get(netif_ports[p].port_id, &st), 0);
		assert_int_equal(st.opackets, c->tx_packets);
	}
	/* what dpdk0 handed its KNI is what the KNI's ring PMD took */
	assert_int_equal(rte_eth_stats_get(netif_ports[P_CLI].kni_port_id, &st), 0);
	assert_int_equal(st.opackets, wk.cnt[P_CLI].kni_rx);
}

/* ---- NAT both ways ---- */

static void test_tcp_flow(void **state)
{
	struct rte_ipv4_hdr *ip;
	struct p_l4 c2s = { .proto = IPPROTO_TCP, .src = CIP, .sport = 40000, .dst = VIP,
			    .dport = 80, .tcp_flags = RTE_TCP_SYN_FLAG };
	struct p_l4 s2c = { .proto = IPPROTO_TCP, .src = RIP1, .sport = 8080, .dst = CIP,
			    .dport = 40000, .tcp_flags = RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG };
	const struct rte_tcp_hdr *t;

	(void)state;
	/* SYN: to the first real server, its MAC, RIP:rport; the client's
	 * address, port, sequence and payload untouched */
	c2s.payload = 12;
	ip = pass(&c2s, &rs_mac[0]);
	assert_int_equal(ip->dst_addr, p_ip(RIP1));
	assert_int_equal(dport_of(ip), 8080);
	assert_int_equal(ip->src_addr, p_ip(CIP));
	assert_int_equal(sport_of(ip), 40000);
	assert_int_equal(ip->next_proto_id, IPPROTO_TCP);
	t = (const struct rte_tcp_hdr *)(ip + 1);
	assert_int_equal(t->sent_seq, htonl(0x1000));
	assert_int_equal(t->tcp_flags, RTE_TCP_SYN_FLAG);
	check_payload(ip, sizeof(*t), 12);
	expect_state(40000, "SYN_RECV");

	/* SYN-ACK: back to the client gateway, from VIP:vport */
	ip = pass(&s2c, &cgw_mac);
	assert_int_equal(ip->src_addr, p_ip(VIP));
	assert_int_equal(sport_of(ip), 80);
	assert_int_equal(ip->dst_addr, p_ip(CIP));
	assert_int_equal(dport_of(ip), 40000);

	/* ACK with data: established */
	c2s.tcp_flags = RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG;
	c2s.payload = 300;
	ip = pass(&c2s, &rs_mac[0]);
	check_payload(ip, sizeof(struct rte_tcp_hdr), 300);
	expect_state(40000, "ESTABLISHED");

	/* the server's answer, a full dpdk1 MTU of it */
	s2c.tcp_flags = RTE_TCP_ACK_FLAG;
	s2c.payload = P_MTU_SRV - 40;
	ip = pass(&s2c, &cgw_mac);
	check_payload(ip, sizeof(struct rte_tcp_hdr), P_MTU_SRV - 40);
	assert_int_equal(ip->src_addr, p_ip(VIP));

	/* client closes, then the server: CLOSE_WAIT, TIME_WAIT; last ACK */
	c2s.tcp_flags = RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG;
	c2s.payload = 0;
	pass(&c2s, &rs_mac[0]);
	expect_state(40000, "CLOSE_WAIT");
	s2c.tcp_flags = RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG;
	s2c.payload = 0;
	pass(&s2c, &cgw_mac);
	expect_state(40000, "TIME_WAIT");
	c2s.tcp_flags = RTE_TCP_ACK_FLAG;
	pass(&c2s, &rs_mac[0]);

	/* the next flow: rr's second real server */
	c2s.sport = 40001;
	c2s.tcp_flags = RTE_TCP_SYN_FLAG;
	ip = pass(&c2s, &rs_mac[1]);
	assert_int_equal(ip->dst_addr, p_ip(RIP2));
	assert_int_equal(dport_of(ip), 8080);

	/* the counters: 5 frames in and forwarded on dpdk0, 3 on dpdk1; what
	 * they sent is what the ring PMDs took */
	struct rte_eth_stats st;
	assert_int_equal(wk.cnt[P_CLI].rx_packets, 5);
	assert_int_equal(wk.cnt[P_CLI].forwarded, 5);
	assert_int_equal(wk.cnt[P_SRV].rx_packets, 3);
	assert_int_equal(wk.cnt[P_SRV].forwarded, 3);
	assert_int_equal(wk.cnt[P_SRV].tx_packets, 5);
	assert_int_equal(wk.cnt[P_CLI].tx_packets, 3);
	assert_int_equal(rte_eth_stats_get(netif_ports[P_SRV].port_id, &st), 0);
	assert_int_equal(st.opackets, 5);
	assert_int_equal(ipvs_conn_count(0), 2);
}

static void test_udp_flows(void **state)
{
	struct rte_ipv4_hdr *ip;
	struct p_l4 c2s = { .proto = IPPROTO_UDP, .src = CIP, .sport = 3000, .dst = VIP,
			    .dport = 53, .payload = 40 };
	struct p_l4 s2c = { .proto = IPPROTO_UDP, .src = RIP2, .sport = 5353, .dst = CIP,
			    .dport = 3001, .payload = 200 };

	(void)state;
	ip = pass(&c2s, &rs_mac[0]);
	assert_int_equal(ip->dst_addr, p_ip(RIP1));
	assert_int_equal(dport_of(ip), 5353);
	assert_int_equal(sport_of(ip), 3000);
	check_payload(ip, 8, 40);
	c2s.sport = 3001;
	c2s.src = CIP;
	ip = pass(&c2s, &rs_mac[1]);
	assert_int_equal(ip->dst_addr, p_ip(RIP2));
	/* the second server answers the second flow: from the VIP */
	ip = pass(&s2c, &cgw_mac);
	assert_int_equal(ip->src_addr, p_ip(VIP));
	assert_int_equal(sport_of(ip), 53);
	assert_int_equal(ip->dst_addr, p_ip(CIP));
	assert_int_equal(dport_of(ip), 3001);
	check_payload(ip, 8, 200);
	/* a UDP checksum of 0 means none: accepted, and it stays 0 */
	c2s.sport = 3002;
	c2s.src = CIP2;
	c2s.udp_no_csum = true;
	ip = pass(&c2s, &rs_mac[0]);
	assert_int_equal(((const struct rte_udp_hdr *)(ip + 1))->dgram_cksum, 0);
	assert_int_equal(ip->src_addr, p_ip(CIP2));
	expect_state(3002, "UDP");
	assert_int_equal(ipvs_conn_count(0), 3);
}

/* The IP packet (no Ethernet header) of s, into q; its length. */
static uint16_t ip_packet(const struct p_l4 *s, uint8_t *q)
{
	uint8_t f[1600];
	size_t len = p_l4_frame(f, s) - sizeof(struct rte_ether_hdr);

	memcpy(q, f + sizeof(struct rte_ether_hdr), len);
	return (uint16_t)len;
}

static void test_icmp_errors_translated(void **state)
{
	struct p_l4 udp = { .proto = IPPROTO_UDP, .src = CIP, .sport = 3000, .dst = VIP,
			    .dport = 53, .payload = 20 };
	struct p_l4 tcp = { .proto = IPPROTO_TCP, .src = CIP, .sport = 4000, .dst = VIP,
			    .dport = 80, .tcp_flags = RTE_TCP_SYN_FLAG };
	uint8_t q[256];
	uint16_t qlen;
	struct rte_mbuf *m;
	struct rte_ipv4_hdr *ip, *in;
	const struct rte_icmp_hdr *ic;

	(void)state;
	pass(&udp, &rs_mac[0]);
	pass(&tcp, &rs_mac[0]); /* each service has its own rr cursor */

	/* RIP1's port is closed: it tells the client about the datagram as
	 * it got it (CIP:3000 -> RIP1:5353, TTL 63), all of it quoted */
	struct p_l4 seen = udp;
	seen.dst = RIP1;
	seen.dport = 5353;
	seen.ttl = 63;
	qlen = ip_packet(&seen, q);
	feed(P_SRV, p_icmp_frame(fb, RIP1, CIP, 3, 3, 0, q, qlen));
	m = one_out(P_CLI);
	ip = check_eth(m, P_CLI, &cgw_mac);
	check_csums(ip, false);
	assert_int_equal(ip->src_addr, p_ip(VIP));
	assert_int_equal(ip->dst_addr, p_ip(CIP));
	ic = (const struct rte_icmp_hdr *)(ip + 1);
	assert_int_equal(ic->icmp_type, 3);
	assert_int_equal(ic->icmp_code, 3);
	in = (struct rte_ipv4_hdr *)(ic + 1);
	/* the client sees its own datagram to VIP:53 quoted, consistent */
	assert_int_equal(in->src_addr, p_ip(CIP));
	assert_int_equal(sport_of(in), 3000);
	assert_int_equal(in->dst_addr, p_ip(VIP));
	assert_int_equal(dport_of(in), 53);
	check_csums(in, false);

	/* a router on the servers' side quotes a TCP segment to RIP1 as
	 * RFC 792 asks: the header and 8 bytes */
	seen = tcp;
	seen.dst = RIP1;
	seen.dport = 8080;
	seen.ttl = 63;
	ip_packet(&seen, q);
	feed(P_SRV, p_icmp_frame(fb, "192.168.1.200", CIP, 3, 1, 0, q, 28));
	m = one_out(P_CLI);
	ip = check_eth(m, P_CLI, &cgw_mac);
	check_csums(ip, false);
	assert_int_equal(ip->dst_addr, p_ip(CIP));
	in = (struct rte_ipv4_hdr *)((const struct rte_icmp_hdr *)(ip + 1) + 1);
	assert_int_equal(rte_raw_cksum(in, sizeof(*in)), 0xffff);
	assert_int_equal(in->dst_addr, p_ip(VIP));
	assert_int_equal(dport_of(in), 80);
	assert_int_equal(sport_of(in), 4000);

	/* the client refuses a reply (VIP:53 -> CIP:3000): to RIP1, quoting
	 * the reply as RIP1 sent it */
	struct p_l4 reply = { .proto = IPPROTO_UDP, .src = VIP, .sport = 53, .dst = CIP,
			      .dport = 3000, .payload = 20, .ttl = 63 };
	qlen = ip_packet(&reply, q);
	feed(P_CLI, p_icmp_frame(fb, CIP, VIP, 3, 3, 0, q, qlen));
	m = one_out(P_SRV);
	ip = check_eth(m, P_SRV, &rs_mac[0]);
	check_csums(ip, false);
	assert_int_equal(ip->src_addr, p_ip(CIP));
	assert_int_equal(ip->dst_addr, p_ip(RIP1));
	in = (struct rte_ipv4_hdr *)((const struct rte_icmp_hdr *)(ip + 1) + 1);
	assert_int_equal(in->src_addr, p_ip(RIP1));
	assert_int_equal(sport_of(in), 5353);
	check_csums(in, false);
	assert_int_equal(wk.cnt[P_SRV].forwarded, 2);
	assert_int_equal(wk.cnt[P_CLI].forwarded, 3);
}

/* ---- the mixed stream: fates add up ---- */

enum kind { K_L4, K_ARP, K_ECHO, K_ICMP_ERR };
enum mut {
	M_NONE,
	M_OTHER_MAC,   /* unicast to another MAC */
	M_BCAST_SRC,   /* broadcast source MAC */
	M_ETHERTYPE,   /* IPv6's EtherType */
	M_L2_SHORT,    /* 10 bytes */
	M_IP_SHORT,    /* Ethernet + 10 bytes */
	M_IP_VERSION,  /* version 6 in an IPv4 frame */
	M_BAD_IP_CSUM,
	M_FRAG,        /* first fragment: MF set */
	M_IP_OPTS,     /* 4 bytes of NOP options */
	M_OWN_SRC,     /* from one of our addresses */
	M_L4_TRUNC,    /* IP payload of arg bytes */
	M_TCP_DOFF,    /* TCP data offset arg (checksum fixed) */
	M_BAD_L4_CSUM,
	M_BAD_ICMP_CSUM,
};
enum fate { F_FWD, F_ARP, F_ECHO, F_KERNEL, F_DROP };

struct scase {
	const char *name;
	enum kind kind;
	struct p_l4 l4; /* K_L4; K_ARP: src sip, dst tip; K_ECHO: src, dst; K_ICMP_ERR: quoted */
	const char *isrc, *idst; /* K_ICMP_ERR: the error's addresses */
	enum mut mut;
	int arg;
	enum fate fate;
	enum dpvs_drop_reason why;
	bool lead; /* being implemented (issue 14): may fail before that lands */
};

#define TCP4(s, sp, d, dp, fl) \
	{ .proto = IPPROTO_TCP, .src = s, .sport = sp, .dst = d, .dport = dp, .tcp_flags = fl }
#define UDP4(s, sp, d, dp) \
	{ .proto = IPPROTO_UDP, .src = s, .sport = sp, .dst = d, .dport = dp, .payload = 16 }
#define ADDRS(s, d) { .src = s, .dst = d }
#define SYN RTE_TCP_SYN_FLAG
#define ACK RTE_TCP_ACK_FLAG

static const struct scase stream[] = {
	{ .name = "ARP for the VIP", .kind = K_ARP, .l4 = ADDRS(CGW, VIP), .fate = F_ARP },
	{ .name = "ARP for dpdk0's DIP", .kind = K_ARP, .l4 = ADDRS(CGW, DIP0), .fate = F_ARP },
	{ .name = "client SYN", .kind = K_L4, .l4 = TCP4(CIP, 41000, VIP, 80, SYN), .fate = F_FWD },
	{ .name = "ARP for dpdk1's DIP", .kind = K_ARP, .l4 = ADDRS(RIP1, DIP1), .fate = F_ARP },
	{ .name = "server SYN-ACK", .kind = K_L4, .l4 = TCP4(RIP1, 8080, CIP, 41000, SYN | ACK), .fate = F_FWD },
	{ .name = "client UDP", .kind = K_L4, .l4 = UDP4(CIP, 41001, VIP, 53), .fate = F_FWD },
	{ .name = "echo to the VIP", .kind = K_ECHO, .l4 = ADDRS(CIP, VIP), .fate = F_ECHO },
	{ .name = "server UDP reply", .kind = K_L4, .l4 = UDP4(RIP1, 5353, CIP, 41001), .fate = F_FWD },
	{ .name = "to another MAC", .kind = K_L4, .l4 = TCP4(CIP, 41000, VIP, 80, ACK), .mut = M_OTHER_MAC,
	  .fate = F_DROP, .why = DPVS_DROP_L2_NOT_FOR_US },
	{ .name = "bad IP checksum", .kind = K_L4, .l4 = TCP4(CIP, 41000, VIP, 80, ACK), .mut = M_BAD_IP_CSUM,
	  .fate = F_DROP, .why = DPVS_DROP_IP_BAD_CSUM },
	{ .name = "port unreachable from RIP1", .kind = K_ICMP_ERR, .l4 =
	  { .proto = IPPROTO_UDP, .src = CIP, .sport = 41001, .dst = RIP1, .dport = 5353,
	    .payload = 16, .ttl = 63 },
	  .isrc = RIP1, .idst = CIP, .fate = F_FWD },
	{ .name = "fragment", .kind = K_L4, .l4 = UDP4(CIP, 41001, VIP, 53), .mut = M_FRAG, .fate = F_DROP,
	  .why = DPVS_DROP_IP_FRAG },
	{ .name = "IP options", .kind = K_L4, .l4 = UDP4(CIP, 41001, VIP, 53), .mut = M_IP_OPTS, .fate = F_DROP,
	  .why = DPVS_DROP_IP_OPTIONS },
	{ .name = "TTL 1 on a conn", .kind = K_L4, .l4 =
	  { .proto = IPPROTO_UDP, .src = CIP, .sport = 41001, .dst = VIP, .dport = 53, .ttl = 1 },
	  .fate = F_DROP, .why = DPVS_DROP_IP_TTL },
	{ .name = "IPv6 on dpdk0 (KNI)", .kind = K_L4, .l4 = UDP4(CIP, 1, VIP, 1), .mut = M_ETHERTYPE,
	  .fate = F_DROP, .why = DPVS_DROP_IPV6_NOT_FORWARDED },
	{ .name = "IPv6 on dpdk1 (no KNI)", .kind = K_L4, .l4 = UDP4(RIP1, 1, DIP1, 1), .mut = M_ETHERTYPE,
	  .fate = F_DROP, .why = DPVS_DROP_IPV6_NOT_FORWARDED },
	{ .name = "new TCP flow without SYN", .kind = K_L4, .l4 = TCP4(CIP, 41002, VIP, 80, ACK), .fate = F_DROP,
	  .why = DPVS_DROP_CONN_NOT_SYN },
	{ .name = "VIP, no service", .kind = K_L4, .l4 = TCP4(CIP, 41003, VIP, 22, SYN), .fate = F_DROP,
	  .why = DPVS_DROP_KNI_OFF },
	{ .name = "DIP, no service (KNI)", .kind = K_L4, .l4 = TCP4(CIP, 41003, DIP0, 22, SYN), .fate = F_KERNEL },
	{ .name = "DIP, no service (no KNI)", .kind = K_L4, .l4 = TCP4(RIP1, 41004, DIP1, 22, SYN), .fate = F_DROP,
	  .why = DPVS_DROP_KNI_OFF },
	{ .name = "short TCP to the VIP", .kind = K_L4, .l4 = TCP4(CIP, 41000, VIP, 80, ACK), .mut = M_L4_TRUNC,
	  .arg = 12, .fate = F_DROP, .why = DPVS_DROP_L4_SHORT, .lead = true },
	{ .name = "short UDP to the DIP", .kind = K_L4, .l4 = UDP4(CIP, 41009, DIP0, 53), .mut = M_L4_TRUNC,
	  .arg = 4, .fate = F_DROP, .why = DPVS_DROP_L4_SHORT, .lead = true },
	{ .name = "TCP data offset 4", .kind = K_L4, .l4 = TCP4(CIP, 41010, VIP, 80, SYN), .mut = M_TCP_DOFF,
	  .arg = 4, .fate = F_DROP, .why = DPVS_DROP_L4_SHORT, .lead = true },
	{ .name = "TCP data offset past the end", .kind = K_L4, .l4 = TCP4(CIP, 41011, VIP, 80, SYN),
	  .mut = M_TCP_DOFF, .arg = 15, .fate = F_DROP, .why = DPVS_DROP_L4_SHORT,
	  .lead = true },
	{ .name = "short UDP from RIP1", .kind = K_L4, .l4 = UDP4(RIP1, 5353, CIP, 41001), .mut = M_L4_TRUNC,
	  .arg = 6, .fate = F_DROP, .why = DPVS_DROP_L4_SHORT, .lead = true },
	{ .name = "SYN with a bad TCP checksum", .kind = K_L4, .l4 = TCP4(CIP, 41005, VIP, 80, SYN),
	  .mut = M_BAD_L4_CSUM, .fate = F_DROP, .why = DPVS_DROP_L4_BAD_CSUM, .lead = true },
	{ .name = "new UDP flow, bad checksum", .kind = K_L4, .l4 = UDP4(CIP, 41006, VIP, 53), .mut = M_BAD_L4_CSUM,
	  .fate = F_DROP, .why = DPVS_DROP_L4_BAD_CSUM, .lead = true },
	{ .name = "new UDP flow, checksum 0", .kind = K_L4, .l4 =
	  { .proto = IPPROTO_UDP, .src = CIP, .sport = 41007, .dst = VIP, .dport = 53,
	    .payload = 16, .udp_no_csum = true },
	  .fate = F_FWD },
	{ .name = "stray TCP from RIP2:8080", .kind = K_L4, .l4 = TCP4(RIP2, 8080, CIP, 49999, ACK), .fate = F_DROP,
	  .why = DPVS_DROP_CONN_STRAY_REPLY, .lead = true },
	{ .name = "stray UDP from RIP1:5353", .kind = K_L4, .l4 = UDP4(RIP1, 5353, CIP, 49998), .fate = F_DROP,
	  .why = DPVS_DROP_CONN_STRAY_REPLY, .lead = true },
	{ .name = "RIP1 from a port no service uses", .kind = K_L4, .l4 = TCP4(RIP1, 9999, CIP, 49997, ACK),
	  .fate = F_DROP, .why = DPVS_DROP_IP_NOT_LOCAL },
	{ .name = "too big, DF", .kind = K_L4, .l4 =
	  { .proto = IPPROTO_TCP, .src = CIP, .sport = 41000, .dst = VIP, .dport = 80,
	    .tcp_flags = ACK, .payload = 1440 },
	  .fate = F_DROP, .why = DPVS_DROP_IP_TOO_BIG },
	{ .name = "too big, no DF", .kind = K_L4, .l4 =
	  { .proto = IPPROTO_UDP, .src = CIP, .sport = 41001, .dst = VIP, .dport = 53,
	    .payload = 1452, .df = -1 },
	  .fate = F_FWD, .lead = true },
	{ .name = "echo with a bad checksum", .kind = K_ECHO, .l4 = ADDRS(CIP, VIP), .mut = M_BAD_ICMP_CSUM,
	  .fate = F_DROP, .why = DPVS_DROP_ICMP_BAD },
	{ .name = "10-byte frame", .kind = K_L4, .l4 = UDP4(CIP, 1, VIP, 53), .mut = M_L2_SHORT, .fate = F_DROP,
	  .why = DPVS_DROP_L2_SHORT },
	{ .name = "broadcast source MAC", .kind = K_L4, .l4 = UDP4(CIP, 1, VIP, 53), .mut = M_BCAST_SRC,
	  .fate = F_DROP, .why = DPVS_DROP_L2_BAD_SRC },
	{ .name = "IP version 6", .kind = K_L4, .l4 = UDP4(CIP, 1, VIP, 53), .mut = M_IP_VERSION, .fate = F_DROP,
	  .why = DPVS_DROP_IP_BAD_VERSION },
	{ .name = "short IP header", .kind = K_L4, .l4 = UDP4(CIP, 1, VIP, 53), .mut = M_IP_SHORT, .fate = F_DROP,
	  .why = DPVS_DROP_IP_SHORT },
	{ .name = "from our own address", .kind = K_L4, .l4 = UDP4(CIP, 1, VIP, 53), .mut = M_OWN_SRC,
	  .fate = F_DROP, .why = DPVS_DROP_IP_BAD_SRC },
	{ .name = "to somebody else", .kind = K_L4, .l4 = TCP4(CIP, 41000, "8.8.8.8", 80, SYN), .fate = F_DROP,
	  .why = DPVS_DROP_IP_NOT_LOCAL },
	{ .name = "server ACK", .kind = K_L4, .l4 = TCP4(RIP1, 8080, CIP, 41000, ACK), .fate = F_FWD },
	{ .name = "ARP for another host (KNI)", .kind = K_ARP, .l4 = ADDRS(CGW, "10.0.0.77"), .fate = F_KERNEL },
	{ .name = "ARP for another host (no KNI)", .kind = K_ARP, .l4 = ADDRS(RIP1, "192.168.1.77"), .fate = F_DROP,
	  .why = DPVS_DROP_ARP_NOT_FOR_US },
	{ .name = "client FIN", .kind = K_L4, .l4 = TCP4(CIP, 41000, VIP, 80, RTE_TCP_FIN_FLAG | ACK), .fate = F_FWD },
	{ .name = "server reply with TTL 1", .kind = K_L4, .l4 =
	  { .proto = IPPROTO_UDP, .src = RIP1, .sport = 5353, .dst = CIP, .dport = 41001,
	    .ttl = 1 },
	  .fate = F_DROP, .why = DPVS_DROP_IP_TTL },
	{ .name = "client refuses a reply", .kind = K_ICMP_ERR, .l4 =
	  { .proto = IPPROTO_UDP, .src = VIP, .sport = 53, .dst = CIP, .dport = 41001,
	    .payload = 16, .ttl = 63 },
	  .isrc = CIP, .idst = VIP, .fate = F_FWD },
};

#define NSTREAM (sizeof(stream) / sizeof(stream[0]))

/* Writes the frame of c at f; its length, and the port it arrives on. */
static size_t build(const struct scase *c, uint8_t *f, uint16_t *port)
{
	uint8_t q[1600];
	size_t len = 0;
	struct rte_ipv4_hdr *ip = p_iph(f);
	uint8_t *l4 = (uint8_t *)(ip + 1);

	*port = p_port_of(c->kind == K_ICMP_ERR ? c->isrc : c->l4.src);
	switch (c->kind) {
	case K_L4:
		len = p_l4_frame(f, &c->l4);
		break;
	case K_ARP:
		return p_arp_frame(f, p_src_mac(c->l4.src), c->l4.src, c->l4.dst);
	case K_ECHO:
		len = p_echo_frame(f, c->l4.src, c->l4.dst);
		break;
	case K_ICMP_ERR: {
		uint16_t qlen = (uint16_t)(p_l4_frame(q, &c->l4) - sizeof(struct rte_ether_hdr));

		len = p_icmp_frame(f, c->isrc, c->idst, 3, 3, 0, q + sizeof(struct rte_ether_hdr),
				   qlen);
		break;
	}
	}
	switch (c->mut) {
	case M_NONE:
		break;
	case M_OTHER_MAC:
		((struct rte_ether_hdr *)f)->dst_addr = other_mac;
		break;
	case M_BCAST_SRC:
		((struct rte_ether_hdr *)f)->src_addr = bcast_mac;
		break;
	case M_ETHERTYPE:
		((struct rte_ether_hdr *)f)->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV6);
		break;
	case M_L2_SHORT:
		len = 10;
		break;
	case M_IP_SHORT:
		len = sizeof(struct rte_ether_hdr) + 10;
		break;
	case M_IP_VERSION:
		ip->version_ihl = 0x65;
		p_fix_ip(f);
		break;
	case M_BAD_IP_CSUM:
		ip->hdr_checksum ^= RTE_BE16(0x0101);
		break;
	case M_FRAG:
		ip->fragment_offset = RTE_BE16(RTE_IPV4_HDR_MF_FLAG);
		p_fix_ip(f);
		break;
	case M_IP_OPTS:
		memmove(l4 + 4, l4, len - (size_t)(l4 - f));
		memset(l4, 1, 4); /* NOP */
		ip->version_ihl = 0x46;
		ip->total_length = htons((uint16_t)(ntohs(ip->total_length) + 4));
		p_fix_ip(f);
		len += 4;
		break;
	case M_OWN_SRC:
		ip->src_addr = p_ip(DIP0);
		p_fix_ip(f);
		break;
	case M_L4_TRUNC:
		ip->total_length = htons((uint16_t)(sizeof(*ip) + c->arg));
		p_fix_ip(f);
		len = sizeof(struct rte_ether_hdr) + sizeof(*ip) + (size_t)c->arg;
		break;
	case M_TCP_DOFF: {
		struct rte_tcp_hdr *t = (struct rte_tcp_hdr *)l4;

		t->data_off = (uint8_t)(c->arg << 4);
		t->cksum = p_l4_csum(ip);
		break;
	}
	case M_BAD_L4_CSUM:
		if (ip->next_proto_id == IPPROTO_TCP)
			((struct rte_tcp_hdr *)l4)->cksum ^= RTE_BE16(0x5555);
		else
			((struct rte_udp_hdr *)l4)->dgram_cksum ^= RTE_BE16(0x5555);
		break;
	case M_BAD_ICMP_CSUM:
		((struct rte_icmp_hdr *)l4)->icmp_cksum ^= RTE_BE16(0x00ff);
		break;
	}
	return len;
}

static const char *fate_name(enum fate f, enum dpvs_drop_reason r)
{
	switch (f) {
	case F_FWD:
		return "forwarded";
	case F_ARP:
		return "arp-replied";
	case F_ECHO:
		return "icmp-echo-replied";
	case F_KERNEL:
		return "to-kernel";
	default:
		return dpvs_drop_names[r];
	}
}

/* The fate a frame got: the one counter of the port that moved (or the
 * first of several). */
static const char *fate_of(const struct dp_port_counters *b, const struct dp_port_counters *a)
{
	if (a->forwarded != b->forwarded)
		return "forwarded";
	if (a->arp_replied != b->arp_replied)
		return "arp-replied";
	if (a->icmp_echo_replied != b->icmp_echo_replied)
		return "icmp-echo-replied";
	if (a->to_kernel != b->to_kernel)
		return "to-kernel";
	for (unsigned r = 0; r < DPVS_DROP_MAX; r++)
		if (a->drops[r] != b->drops[r] && dpvs_drop_is_rx_fate((enum dpvs_drop_reason)r))
			return dpvs_drop_names[r];
	return "none";
}

/*
 * Sends the stream, one frame at a time (flushing now and then, as the
 * worker does after a burst). Each frame must end in exactly one fate, on
 * the port it came in by; with `reasons`, the fate it is meant to get
 * (mismatches are listed, then fail the test).
 */
static void run_stream(bool reasons)
{
	unsigned mismatches = 0, lead_mismatches = 0;

	for (unsigned i = 0; i < NSTREAM; i++) {
		const struct scase *c = &stream[i];
		struct dp_port_counters before[P_NPORTS];
		uint16_t port;
		size_t len = build(c, fb, &port);
		uint16_t other = port == P_CLI ? P_SRV : P_CLI;

		memcpy(before, wk.cnt, sizeof(before));
		feed(port, len);
		if (i % 8 == 7)
			dp_tx_flush(&wk);
		/* one fate, on the receiving port, none on the other */
		if (p_fates(&wk.cnt[port]) != p_fates(&before[port]) + 1 ||
		    p_fates(&wk.cnt[other]) != p_fates(&before[other]))
			fprintf(stderr, "frame %u (%s): %" PRIu64 " fates on its port, %" PRIu64
				" on the other\n", i, c->name,
				p_fates(&wk.cnt[port]) - p_fates(&before[port]),
				p_fates(&wk.cnt[other]) - p_fates(&before[other]));
		assert_int_equal(p_fates(&wk.cnt[port]), p_fates(&before[port]) + 1);
		assert_int_equal(p_fates(&wk.cnt[other]), p_fates(&before[other]));
		assert_int_equal(wk.cnt[port].rx_packets, before[port].rx_packets + 1);
		if (!reasons)
			continue;
		const char *got = fate_of(&before[port], &wk.cnt[port]);
		const char *want = fate_name(c->fate, c->why);

		if (strcmp(got, want) != 0) {
			fprintf(stderr, "frame %u (%s) on dpdk%u: %s, want %s%s\n", i, c->name, port,
				got, want, c->lead ? " [issue 14, lead's change]" : "");
			mismatches++;
			lead_mismatches += c->lead;
		}
	}
	check_fates_add_up();
	if (reasons && mismatches)
		fprintf(stderr, "%u of %zu frames got another fate (%u of them issue 14's)\n",
			mismatches, NSTREAM, lead_mismatches);
	assert_int_equal(mismatches, 0);
}

static void test_fates_add_up(void **state)
{
	(void)state;
	run_stream(false);
	/* and both ways of every kind of fate were seen */
	for (uint16_t p = 0; p < P_NPORTS; p++) {
		assert_true(wk.cnt[p].forwarded > 0);
		assert_true(wk.cnt[p].arp_replied > 0);
	}
	assert_true(wk.cnt[P_CLI].icmp_echo_replied > 0);
	assert_true(wk.cnt[P_CLI].to_kernel > 0);
}

static void test_fates_reasons(void **state)
{
	(void)state;
	run_stream(true);
}

/* ---- issue 14: what the lead's change makes of these ---- */

/* Feeds the frame of c and expects its one fate to be the drop `why`,
 * nothing sent and no conn made. */
static void expect_drop(const struct scase *c, enum dpvs_drop_reason why)
{
	uint16_t port;
	size_t len = build(c, fb, &port);
	uint64_t before = wk.cnt[port].drops[why], fates = p_fates(&wk.cnt[port]);
	uint32_t conns = ipvs_conn_count(0);

	feed(port, len);
	if (wk.cnt[port].drops[why] != before + 1)
		fprintf(stderr, "%s: not dropped %s\n", c->name, dpvs_drop_names[why]);
	assert_int_equal(wk.cnt[port].drops[why], before + 1);
	assert_int_equal(p_fates(&wk.cnt[port]), fates + 1);
	expect_nothing_sent();
	assert_int_equal(ipvs_conn_count(0), conns);
}

static void test_l4_short(void **state)
{
	const struct scase cases[] = {
		{ .name = "TCP, 12 bytes, to a service", .kind = K_L4, .l4 = TCP4(CIP, 5000, VIP, 80, SYN),
		  .mut = M_L4_TRUNC, .arg = 12 },
		{ .name = "TCP, 19 bytes, to a service", .kind = K_L4, .l4 = TCP4(CIP, 5000, VIP, 80, SYN),
		  .mut = M_L4_TRUNC, .arg = 19 },
		{ .name = "UDP, 7 bytes, to a service", .kind = K_L4, .l4 = UDP4(CIP, 5000, VIP, 53),
		  .mut = M_L4_TRUNC, .arg = 7 },
		{ .name = "UDP, 0 bytes, to the VIP, no service", .kind = K_L4, .l4 = UDP4(CIP, 5000, VIP, 99),
		  .mut = M_L4_TRUNC, .arg = 0 },
		{ .name = "TCP, 4 bytes, to the DIP (KNI)", .kind = K_L4, .l4 = TCP4(CIP, 5000, DIP0, 22, SYN),
		  .mut = M_L4_TRUNC, .arg = 4 },
		{ .name = "UDP, 4 bytes, to somebody else", .kind = K_L4, .l4 = UDP4(CIP, 5000, "8.8.8.8", 53),
		  .mut = M_L4_TRUNC, .arg = 4 },
		{ .name = "TCP data offset 4", .kind = K_L4, .l4 = TCP4(CIP, 5001, VIP, 80, SYN), .mut = M_TCP_DOFF,
		  .arg = 4 },
		{ .name = "TCP data offset 6, 20-byte segment", .kind = K_L4, .l4 = TCP4(CIP, 5002, VIP, 80, SYN),
		  .mut = M_TCP_DOFF, .arg = 6 },
		{ .name = "TCP data offset 15", .kind = K_L4, .l4 = TCP4(CIP, 5003, DIP0, 22, SYN), .mut = M_TCP_DOFF,
		  .arg = 15 },
		{ .name = "UDP, 6 bytes, from a real server", .kind = K_L4, .l4 = UDP4(RIP1, 5353, CIP, 5000),
		  .mut = M_L4_TRUNC, .arg = 6 },
	};

	(void)state;
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_drop(&cases[i], DPVS_DROP_L4_SHORT);
	assert_int_equal(ipvs_conn_count(0), 0);
}

static void test_l4_csum_checked_before_conn(void **state)
{
	const struct scase bad_syn = { .name = "SYN, bad TCP checksum", .kind = K_L4, .l4 =
				       TCP4(CIP, 6000, VIP, 80, SYN), .mut = M_BAD_L4_CSUM };
	const struct scase bad_udp = { .name = "UDP, bad checksum", .kind = K_L4, .l4 = UDP4(CIP, 6001, VIP, 53),
				       .mut = M_BAD_L4_CSUM };
	struct p_l4 good = TCP4(CIP, 6000, VIP, 80, SYN);
	struct p_l4 none = UDP4(CIP, 6001, VIP, 53);
	char st[16];

	(void)state;
	expect_drop(&bad_syn, DPVS_DROP_L4_BAD_CSUM);
	expect_drop(&bad_udp, DPVS_DROP_L4_BAD_CSUM);
	assert_false(conn_state(6000, st, sizeof(st)));
	assert_false(conn_state(6001, st, sizeof(st)));
	/* the retransmitted SYN, right this time, makes the conn */
	pass(&good, NULL);
	expect_state(6000, "SYN_RECV");
	/* UDP without a checksum has nothing to check */
	none.udp_no_csum = true;
	pass(&none, NULL);
	expect_state(6001, "UDP");
}

static void test_stray_reply(void **state)
{
	char err[256];
	const struct scase stray[] = {
		{ .name = "TCP from RIP1:8080", .kind = K_L4, .l4 = TCP4(RIP1, 8080, CIP, 7000, ACK) },
		{ .name = "TCP SYN-ACK from RIP2:8080", .kind = K_L4, .l4 = TCP4(RIP2, 8080, CIP, 7001, SYN | ACK) },
		{ .name = "UDP from RIP2:5353", .kind = K_L4, .l4 = UDP4(RIP2, 5353, CIP, 7002) },
		{ .name = "UDP from RIP3 (a dest without a port)", .kind = K_L4, .l4 = UDP4(RIP3, 7777, CIP, 7003) },
	};
	const struct scase not_stray = { .name = "TCP from RIP1:9999", .kind = K_L4, .l4 =
					 TCP4(RIP1, 9999, CIP, 7004, ACK) };
	struct p_l4 syn = TCP4(CIP, 7005, VIP, 80, SYN);
	struct p_l4 synack = TCP4(RIP1, 8080, CIP, 7005, SYN | ACK);

	(void)state;
	assert_int_equal(path_add_persistent(err, sizeof(err)), 0);
	for (unsigned i = 0; i < sizeof(stray) / sizeof(stray[0]); i++)
		expect_drop(&stray[i], DPVS_DROP_CONN_STRAY_REPLY);
	/* not a real server's address:port: not ours at all */
	expect_drop(&not_stray, DPVS_DROP_IP_NOT_LOCAL);
	/* with a conn, the same reply is forwarded */
	pass(&syn, &rs_mac[0]);
	pass(&synack, &cgw_mac);
}

static void test_too_big_df(void **state)
{
	struct p_l4 c2s = TCP4(CIP, 8000, VIP, 80, SYN);
	struct p_l4 s2c = TCP4(RIP1, 8080, CIP, 8000, SYN | ACK);
	struct rte_mbuf *m;
	uint8_t sent_ip[64];

	(void)state;
	pass(&c2s, &rs_mac[0]);
	pass(&s2c, &cgw_mac);

	/* 1480 bytes with DF for dpdk1's 1400 */
	c2s.tcp_flags = ACK;
	c2s.payload = 1440;
	size_t len = p_l4_frame(fb, &c2s);
	memcpy(sent_ip, p_iph(fb), sizeof(sent_ip));
	uint64_t big = wk.cnt[P_CLI].drops[DPVS_DROP_IP_TOO_BIG];
	uint64_t fwd = wk.cnt[P_CLI].forwarded;

	feed(P_CLI, len);
	assert_int_equal(wk.cnt[P_CLI].drops[DPVS_DROP_IP_TOO_BIG], big + 1);
	assert_int_equal(wk.cnt[P_CLI].forwarded, fwd);

	/* the sender learns the MTU: from the address it sent to, about
	 * the packet as it sent it */
	m = one_out(P_CLI);
	struct rte_ipv4_hdr *ip = check_eth(m, P_CLI, &cgw_mac);
	check_csums(ip, false);
	assert_int_equal(ip->next_proto_id, IPPROTO_ICMP);
	assert_int_equal(ip->src_addr, p_ip(VIP));
	assert_int_equal(ip->dst_addr, p_ip(CIP));
	assert_true(ip->time_to_live > 1);
	const struct rte_icmp_hdr *ic = (const struct rte_icmp_hdr *)(ip + 1);
	assert_int_equal(ic->icmp_type, 3);
	assert_int_equal(ic->icmp_code, 4);
	assert_int_equal(ic->icmp_ident, 0);
	assert_int_equal(ntohs(ic->icmp_seq_nb), P_MTU_SRV); /* next-hop MTU */
	const uint8_t *q = (const uint8_t *)(ic + 1);
	uint32_t qlen = ntohs(ip->total_length) - sizeof(*ip) - sizeof(*ic);
	assert_true(qlen >= sizeof(struct rte_ipv4_hdr) + 8);
	const struct rte_ipv4_hdr *in = (const struct rte_ipv4_hdr *)q;
	/* the quoted header is the client's (TTL aside), checksum right;
	 * then its first 8 L4 bytes: ports and sequence as sent */
	assert_int_equal(rte_raw_cksum(in, sizeof(*in)), 0xffff);
	assert_int_equal(in->src_addr, p_ip(CIP));
	assert_int_equal(in->dst_addr, p_ip(VIP));
	assert_int_equal(in->total_length, htons(1480));
	assert_int_equal(in->packet_id, ((const struct rte_ipv4_hdr *)sent_ip)->packet_id);
	assert_int_equal(in->fragment_offset, RTE_BE16(RTE_IPV4_HDR_DF_FLAG));
	assert_int_equal(in->next_proto_id, IPPROTO_TCP);
	assert_memory_equal(q + sizeof(*in), sent_ip + sizeof(*in), 8);
	assert_int_equal(sport_of(in), 8000);
	assert_int_equal(dport_of(in), 80);
	check_fates_add_up();
}

static void test_too_big_fragmented(void **state)
{
	struct p_l4 c2s = { .proto = IPPROTO_UDP, .src = CIP, .sport = 9000, .dst = VIP,
			    .dport = 53, .payload = 1452, .df = -1 };
	struct rte_mbuf *m[MAX_OUT];
	uint8_t whole[2048];
	uint32_t covered = 0, total = 0;
	uint16_t id;

	(void)state;
	feed(P_CLI, p_l4_frame(fb, &c2s));
	id = p_iph(fb)->packet_id;
	/* the received frame was forwarded, once */
	assert_int_equal(wk.cnt[P_CLI].forwarded, 1);
	assert_int_equal(wk.cnt[P_CLI].drops[DPVS_DROP_IP_TOO_BIG], 0);
	dp_tx_flush(&wk);
	unsigned n = p_take(p_tx_ring[P_SRV], m, MAX_OUT);
	for (unsigned i = 0; i < n; i++)
		hold(m[i]);
	assert_true(n >= 2);
	assert_int_equal(wk.cnt[P_SRV].tx_packets, n);
	memset(whole, 0, sizeof(whole));
	for (unsigned i = 0; i < n; i++) {
		struct rte_ipv4_hdr *ip = check_eth(m[i], P_SRV, &rs_mac[0]);
		uint16_t fo = ntohs(ip->fragment_offset);
		uint32_t off = (uint32_t)(fo & RTE_IPV4_HDR_OFFSET_MASK) * 8;
		uint32_t plen = ntohs(ip->total_length) - rte_ipv4_hdr_len(ip);

		assert_true(ntohs(ip->total_length) <= P_MTU_SRV);
		assert_int_equal(rte_raw_cksum(ip, rte_ipv4_hdr_len(ip)), 0xffff);
		assert_int_equal(ip->packet_id, id);
		assert_int_equal(ip->src_addr, p_ip(CIP));
		assert_int_equal(ip->dst_addr, p_ip(RIP1));
		assert_int_equal(ip->next_proto_id, IPPROTO_UDP);
		assert_int_equal(ip->time_to_live, 63);
		assert_false(fo & RTE_IPV4_HDR_DF_FLAG);
		/* in order; all but the last carry MF and a multiple of 8 */
		assert_int_equal(off, covered);
		if (i + 1 < n) {
			assert_true(fo & RTE_IPV4_HDR_MF_FLAG);
			assert_int_equal(plen % 8, 0);
		} else {
			assert_false(fo & RTE_IPV4_HDR_MF_FLAG);
		}
		assert_true(off + plen <= sizeof(whole));
		memcpy(whole + off, (uint8_t *)ip + rte_ipv4_hdr_len(ip), plen);
		covered += plen;
		total = covered;
	}
	/* put together: the NATed datagram, its UDP checksum right */
	assert_int_equal(total, 8 + 1452);
	struct rte_ipv4_hdr ph = { .src_addr = p_ip(CIP), .dst_addr = p_ip(RIP1),
				   .next_proto_id = IPPROTO_UDP };
	const struct rte_udp_hdr *u = (const struct rte_udp_hdr *)whole;
	assert_int_equal(ntohs(u->src_port), 9000);
	assert_int_equal(ntohs(u->dst_port), 5353);
	assert_int_equal(ntohs(u->dgram_len), total);
	assert_int_equal(l4_sum(&ph, whole, total), 0xffff);
	for (uint32_t i = 0; i < 1452; i++)
		assert_int_equal(whole[8 + i], (uint8_t)(i * 7 + 1));
	check_fates_add_up();
}

/* Argument "path": what the data path does today; "issue14": what it is
 * to do once issue 14 lands (fails until then); none: both. */
int main(int argc, char **argv)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest path[] = {
		T(test_tcp_flow),
		T(test_udp_flows),
		T(test_icmp_errors_translated),
		T(test_fates_add_up),
	};
	const struct CMUnitTest issue14[] = {
		T(test_fates_reasons),
		T(test_l4_short),
		T(test_l4_csum_checked_before_conn),
		T(test_stray_reply),
		T(test_too_big_df),
		T(test_too_big_fragmented),
	};
	const char *which = argc > 1 ? argv[1] : "";
	int failed = 0;

	dp_test_eal();
	if (path_ports_init() < 0) {
		fprintf(stderr, "whole_path: cannot make the ring ports\n");
		return 1;
	}
	if (strcmp(which, "issue14") != 0)
		failed += cmocka_run_group_tests_name("whole path", path, NULL, NULL);
	if (strcmp(which, "path") != 0)
		failed += cmocka_run_group_tests_name("whole path, issue 14", issue14, NULL, NULL);
	return failed;
}
