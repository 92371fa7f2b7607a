/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dp_instr: the real data path (inet + ipvs + worker fates) on synthetic
 * frames, in one process without NICs, so that valgrind's callgrind can
 * count the instructions a packet costs (test/bench/instr.sh). Counting
 * instructions rather than timing them gives a figure that does not move
 * with the neighbours' load on a shared machine.
 *
 * What runs is what a worker runs per burst (src/worker/worker.c): the
 * quiescent state, header prefetch, ipvs_prefetch_burst, eth_input per
 * packet, dp_tx_flush, ipvs_worker_timer; all of it inside dp_instr_burst,
 * which instr.sh hands to callgrind's --toggle-collect so that building
 * the frames (the NIC's job) is not counted. The ports are fakes with no
 * DPDK port behind them (port_id DP_PORT_NONE), so dp_tx_flush frees what
 * is sent (counting it as TX_FULL): the count includes the tx buffering
 * and the mbuf free, not a driver's rx or tx.
 *
 * Set-up goes through the real control handlers and registry, as the
 * daemon's socket would: VIP 192.168.1.111/24 on dpdk0, DIP
 * 192.168.229.133/24 on dpdk1, static neighbours for the clients and the
 * real servers (no ARP), a NAT UDP service VIP:9 rr with 4 real servers
 * and a NAT TCP service VIP:80 rr with the same 4; a DR UDP service VIP:10
 * and a TUN (IPIP) UDP service VIP:11 with the same 4 (on-link); a
 * Full-NAT UDP service VIP:12 with the same 4 and the local address
 * 192.168.229.200 on dpdk1.
 *
 * Usage: dp_instr SCENARIO [--flows N] [--packets N] [--warmup N]
 *   nat-udp-fwd  client -> VIP:9 on established flows
 *   nat-udp-rev  real server -> client replies on established flows
 *   nat-tcp-new  a TCP SYN to VIP:80 creating a new connection each packet
 *   icmp-echo    ping to the VIP, answered by the stack
 *   dr-udp-fwd   client -> VIP:10 on established flows, DR (MAC rewrite)
 *   tun-udp-fwd  client -> VIP:11 on established flows, TUN (IPIP)
 *   fnat-udp-fwd client -> VIP:12 on established flows, Full-NAT
 *   fnat-udp-rev real server -> LIP:lport replies on established Full-NAT flows
 *   SCENARIO-capture  the same with a capture running on both ports,
 *                both directions, whose filter matches none of the frames
 *                ("tcp port 22"): what capture's filter costs when on
 *                (--capture-engine cbpf|ebpf|ebpf-jit; default: the
 *                daemon's choice). Off, every scenario pays the hook.
 *   syn-flood-random   a spoofed SYN (lbbench --attack random) to VIP:80
 *                with --prefill (60000) such half-open conns in the table
 *   syn-flood-collide  the same with lbbench --attack collide's tuples
 *   syn-flood-random-est, syn-flood-collide-est  the same tables; the
 *                packets: a legitimate client's data on --flows
 *                connections established before the flood
 *   syn-flood-chain  a SYN into one bucket already holding --chain (256)
 *                conns, tuples found against the worker's key
 *   synproxy-syn  a spoofed SYN at the SYN-proxy service VIP:81, answered
 *                with a cookie
 *   synproxy-ack  a client's ACK of its cookie: conn, SYN to the real server
 *   --old-crc-one-bucket: exit 1 unless the old CRC put the whole prefill
 *                into one bucket (the collide tuples' point; a test checks it)
 *   (the section "the flood scenarios" below says more)
 * The UDP flows are created first, one packet at a time outside
 * dp_instr_burst (so each one's real server is learnt), then --warmup
 * packets (default: one per flow) and --packets packets go in bursts of
 * DP_BURST. Prints one JSON line; exits 1 when a measured
 * packet did not leave by the expected port (the count would then be of
 * some drop path, not of forwarding).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>
#include <rte_rcu_qsbr.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "ctl_test_env.h"
#include "control/control.h"
#include "inet/inet.h"
#include "ipvs/ipvs.h"
#include "netif/netif.h"
#include "dp/capture.h"
#include "dp/dp.h"
/* the flood scenarios: the worker's key and bucket count (syn-flood-chain,
 * the old CRC's buckets), and lbbench's own flood generator and frames */
#include "ipvs/ipvs_priv.h"
#include "lbb_attack.h"
#include "lbb_frame.h"

#define VIP "192.168.1.111"
#define DIP "192.168.229.133"
#define UDP_VPORT 9
#define TCP_VPORT 80
#define DR_VPORT 10
#define TUN_VPORT 11
#define FNAT_VPORT 12
#define LIP "192.168.229.200"
#define N_RS 4
#define RS_PORT 8080
#define N_CLIENTS 16
#define CLIENT_PORT_MIN 1024
/* 64 B on the wire with the FCS: 14 + 20 + 8 + 18 + 4 */
#define UDP_PAYLOAD 18
#define ICMP_DATA 18

/* ---- the two fake ports (netif is not linked) ---- */

struct dp_port netif_ports[DP_MAX_PORTS] = {
	{ .idx = 0, .port_id = DP_PORT_NONE, .kni_port_id = DP_PORT_NONE, .mtu = 1500,
	  .mac = { { 0x02, 0, 0, 0, 0, 0x01 } }, .name = "dpdk0" },
	{ .idx = 1, .port_id = DP_PORT_NONE, .kni_port_id = DP_PORT_NONE, .mtu = 1500,
	  .mac = { { 0x02, 0, 0, 0, 0, 0x02 } }, .name = "dpdk1" },
};

static struct rte_mempool *pool;

unsigned netif_nports = 2;
#define ports netif_ports

#define NETIF_FAKE_POOL() pool
#include "netif_fake.h"

/* ---- addressing of clients and real servers ---- */

static const struct rte_ether_addr client_mac_base = { { 0x02, 0, 0, 0, 0x01, 0 } };
static const struct rte_ether_addr rs_mac_base = { { 0x02, 0, 0, 0, 0x02, 0 } };

static uint32_t ip4(const char *s)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1) {
		fprintf(stderr, "dp_instr: bad address %s\n", s);
		exit(2);
	}
	return a.s_addr;
}

/* Flow f: client 192.168.1.(10 + f % N_CLIENTS), port CLIENT_PORT_MIN + f / N_CLIENTS. */
static uint32_t client_ip(uint32_t f)
{
	return htonl(ntohl(ip4("192.168.1.10")) + f % N_CLIENTS);
}

static uint16_t client_port(uint32_t f)
{
	return (uint16_t)(CLIENT_PORT_MIN + f / N_CLIENTS);
}

static uint32_t rs_ip(unsigned i)
{
	return htonl(ntohl(ip4("192.168.229.1")) + i);
}

#define MAX_FLOWS ((uint32_t)N_CLIENTS * (65536 - CLIENT_PORT_MIN))

/* ---- set-up through the control handlers ---- */

static struct ctl_reply rep;

static void ctl(uint16_t type, const void *payload, uint32_t len, const char *what)
{
	if (ctl_test_call(type, 0, payload, len, &rep) != 0) {
		fprintf(stderr, "dp_instr: %s: %s (%d)\n", what, rep.msg, rep.status);
		exit(1);
	}
}

static void add_addr(const char *ifname, const char *ip, uint8_t plen)
{
	struct dpvs_addr a = { .family = AF_INET, .prefixlen = plen };

	snprintf(a.ifname, sizeof(a.ifname), "%s", ifname);
	a.addr.in.s_addr = ip4(ip);
	ctl(DPVS_MSG_ADDR_ADD, &a, sizeof(a), ip);
}

static void add_neigh(const char *ifname, uint32_t ip, const struct rte_ether_addr *base,
		      uint8_t last)
{
	struct dpvs_neigh n = { .family = AF_INET, .state = DPVS_NEIGH_PERMANENT };

	snprintf(n.ifname, sizeof(n.ifname), "%s", ifname);
	n.addr.in.s_addr = ip;
	memcpy(n.mac.b, base->addr_bytes, 6);
	n.mac.b[5] = last;
	ctl(DPVS_MSG_NEIGH_ADD, &n, sizeof(n), "static neighbour");
}

static struct dpvs_svc svc_key(uint16_t proto, uint16_t port)
{
	struct dpvs_svc s;

	memset(&s, 0, sizeof(s));
	s.af = AF_INET;
	s.protocol = proto;
	s.addr.in.s_addr = ip4(VIP);
	s.port = htons(port);
	return s;
}

static void add_service(uint16_t proto, uint16_t port, uint32_t fwd, uint32_t flags)
{
	struct dpvs_svc s = svc_key(proto, port);

	s.flags = flags;
	snprintf(s.sched_name, sizeof(s.sched_name), "rr");
	ctl(DPVS_MSG_SVC_ADD, &s, sizeof(s), "service");
	for (unsigned i = 0; i < N_RS; i++) {
		struct dpvs_dest_req q;

		memset(&q, 0, sizeof(q));
		q.svc = svc_key(proto, port);
		q.dest.af = AF_INET;
		q.dest.addr.in.s_addr = rs_ip(i);
		/* DR and TUN keep the VIP's port, as ipvsadm gives it */
		q.dest.port = htons(fwd == DPVS_FWD_MASQ || fwd == DPVS_FWD_FULLNAT ? RS_PORT : port);
		q.dest.conn_flags = fwd;
		q.dest.weight = 1;
		ctl(DPVS_MSG_DEST_ADD, &q, sizeof(q), "real server");
	}
}

#define SYNP_VPORT 81
#define GATEWAY "192.168.1.1"

/* synproxy: the SYN-proxy service and a default route, so that a cookie
 * reaches a spoofed source beyond the client subnet (only there: the
 * other scenarios' counts stay as they were) */
static void setup(uint32_t conn_max, bool synproxy)
{
	char err[256];

	size_t sz = rte_rcu_qsbr_get_memsize(1);
	dp_rcu = rte_zmalloc("dp_rcu", sz, RTE_CACHE_LINE_SIZE);
	if (!dp_rcu || rte_rcu_qsbr_init(dp_rcu, 1) != 0) {
		fprintf(stderr, "dp_instr: cannot create the RCU variable\n");
		exit(1);
	}
	if (inet_init(2, err, sizeof(err)) < 0) {
		fprintf(stderr, "dp_instr: inet_init: %s\n", err);
		exit(1);
	}
	if (ipvs_init(1, conn_max, err, sizeof(err)) < 0) {
		fprintf(stderr, "dp_instr: ipvs_init: %s\n", err);
		exit(1);
	}
	ctl_registry_reset();
	inet_ctl_register();
	ipvs_ctl_register();

	add_addr("dpdk0", VIP, 24);
	add_addr("dpdk1", DIP, 24);
	for (unsigned i = 0; i < N_CLIENTS; i++)
		add_neigh("dpdk0", client_ip(i), &client_mac_base, (uint8_t)(0x10 + i));
	for (unsigned i = 0; i < N_RS; i++)
		add_neigh("dpdk1", rs_ip(i), &rs_mac_base, (uint8_t)(0x10 + i));
	add_service(IPPROTO_UDP, UDP_VPORT, DPVS_FWD_MASQ, 0);
	add_service(IPPROTO_TCP, TCP_VPORT, DPVS_FWD_MASQ, 0);
	add_service(IPPROTO_UDP, DR_VPORT, DPVS_FWD_DROUTE, 0);
	add_service(IPPROTO_UDP, TUN_VPORT, DPVS_FWD_TUNNEL, 0);
	add_addr("dpdk1", LIP, 24);
	add_service(IPPROTO_UDP, FNAT_VPORT, DPVS_FWD_FULLNAT, 0);
	struct dpvs_laddr_req lq;

	memset(&lq, 0, sizeof(lq));
	lq.svc = svc_key(IPPROTO_UDP, FNAT_VPORT);
	lq.af = AF_INET;
	lq.addr.in.s_addr = ip4(LIP);
	ctl(DPVS_MSG_LADDR_ADD, &lq, sizeof(lq), "local address");
	if (!synproxy)
		return;
	add_service(IPPROTO_TCP, SYNP_VPORT, DPVS_FWD_MASQ, DPVS_SVC_F_SYNPROXY);
	add_neigh("dpdk0", ip4(GATEWAY), &client_mac_base, 0x01);
	struct dpvs_route r = { .family = AF_INET, .prefixlen = 0 };

	snprintf(r.ifname, sizeof(r.ifname), "dpdk0");
	r.gateway.in.s_addr = ip4(GATEWAY);
	ctl(DPVS_MSG_ROUTE_ADD, &r, sizeof(r), "default route");
}

/* ---- frames ---- */

enum scenario { NAT_UDP_FWD, NAT_UDP_REV, NAT_TCP_NEW, ICMP_ECHO, DR_UDP_FWD, TUN_UDP_FWD,
		FNAT_UDP_FWD, FNAT_UDP_REV, SYN_FLOOD_RANDOM, SYN_FLOOD_COLLIDE,
		SYN_FLOOD_RANDOM_EST, SYN_FLOOD_COLLIDE_EST, SYN_FLOOD_CHAIN, SYNP_SYN, SYNP_ACK,
		NSCENARIOS };
static const char *const scenario_names[] = { "nat-udp-fwd", "nat-udp-rev", "nat-tcp-new",
					      "icmp-echo", "dr-udp-fwd", "tun-udp-fwd",
					      "fnat-udp-fwd", "fnat-udp-rev", "syn-flood-random",
					      "syn-flood-collide", "syn-flood-random-est",
					      "syn-flood-collide-est", "syn-flood-chain",
					      "synproxy-syn", "synproxy-ack" };
#define N_SCENARIOS NSCENARIOS
#define CAPTURE_SUFFIX "-capture"
#define CAPTURE_FILTER "tcp port 22" /* matches none of the scenarios' frames */

/* The client -> VIP UDP scenarios and their service port. */
static uint16_t fwd_vport(enum scenario s)
{
	return s == DR_UDP_FWD ? DR_VPORT : s == TUN_UDP_FWD ? TUN_VPORT
	       : s == FNAT_UDP_FWD ? FNAT_VPORT : UDP_VPORT;
}

/* The real server each flow was scheduled to (learnt while creating it),
 * and its Full-NAT local port (host order). */
static uint8_t *flow_rs;
static uint16_t *flow_lport;

static size_t put_eth(uint8_t *b, const struct rte_ether_addr *dst,
		      const struct rte_ether_addr *src)
{
	struct rte_ether_hdr *e = (struct rte_ether_hdr *)b;

	e->dst_addr = *dst;
	e->src_addr = *src;
	e->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	return sizeof(*e);
}

static struct rte_ipv4_hdr *put_ip(uint8_t *b, uint32_t src, uint32_t dst, uint8_t proto,
				   uint16_t l4len)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)b;

	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = htons((uint16_t)(sizeof(*ip) + l4len));
	ip->time_to_live = 64;
	ip->next_proto_id = proto;
	ip->src_addr = src;
	ip->dst_addr = dst;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	return ip;
}

static size_t put_udp(uint8_t *b, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport)
{
	const uint16_t l4len = sizeof(struct rte_udp_hdr) + UDP_PAYLOAD;
	struct rte_ipv4_hdr *ip = put_ip(b, src, dst, IPPROTO_UDP, l4len);
	struct rte_udp_hdr *u = (struct rte_udp_hdr *)(ip + 1);

	u->src_port = htons(sport);
	u->dst_port = htons(dport);
	u->dgram_len = htons(l4len);
	u->dgram_cksum = 0;
	memset(u + 1, 'x', UDP_PAYLOAD);
	u->dgram_cksum = rte_ipv4_udptcp_cksum(ip, u);
	return sizeof(*ip) + l4len;
}

/* ---- the flood scenarios: issue 21's two bench targets, by instructions ----
 *
 * syn-flood-random|collide: the table (FLOOD_CONN_MAX conns) pre-filled
 * with --prefill spoofed half-open conns, made by real SYNs to the NAT
 * service VIP:80 from lbbench's own flood generator (lbb_attack.c, linked
 * here): random sources, or tuples that all share one bucket of the CRC32C
 * table dpvs had before the keyed hash, computed for this table's bucket
 * count; the measured packets are more SYNs of the same flood.
 * -est: the same table, and the measured packets are legitimate data
 * segments on --flows connections established before the flood (SYN, the
 * real server's SYN-ACK, ACK).
 * syn-flood-chain: what the flood costs when its tuples do share a bucket
 * of the table, as the old CRC let an attacker arrange: --chain tuples
 * found by brute force against the worker's secret key (which only this
 * harness can read) fill one bucket, and every measured SYN joins it.
 * synproxy-syn: lbbench's random flood at the SYN-proxy service VIP:81,
 * each SYN answered with a cookie through the default gateway, no conn.
 * synproxy-ack: a legitimate client's ACK of its cookie, one client per
 * packet (its SYN answered before the count): the cookie checked, the
 * conn made, the SYN sent to the real server.
 */
static struct worker wk; /* the one worker, counted or not */

#define FLOOD_CONN_MAX (1u << 18) /* the prefill and a long run fit: never full */
#define CHAIN_CONN_MAX 2048u	  /* 4096 buckets: the brute force stays short */
#define FLOOD_SEED 1		  /* the same flood in every run */
#define EST_PAYLOAD 6		  /* 64 B on the wire with the FCS */

static struct lbb_attack atk;
static struct lbb_tcp_seg *chain_segs; /* syn-flood-chain: SYNs of one bucket */
static uint32_t chain_next;
static uint32_t *synp_cookie; /* synproxy-ack: the cookie client k got */
static uint32_t old_crc_chain_max; /* the prefill's longest chain under the old CRC */

static bool is_flood(enum scenario s)
{
	return s >= SYN_FLOOD_RANDOM && s <= SYN_FLOOD_CHAIN;
}

static bool is_est(enum scenario s)
{
	return s == SYN_FLOOD_RANDOM_EST || s == SYN_FLOOD_COLLIDE_EST;
}

static bool is_collide(enum scenario s)
{
	return s == SYN_FLOOD_COLLIDE || s == SYN_FLOOD_COLLIDE_EST;
}

/* the ISNs of legitimate flow f: the client's and its real server's */
static uint32_t legit_isn(uint32_t f)
{
	return f * 2654435761u;
}

static uint32_t rs_isn(uint32_t f)
{
	return f * 40503u + 7u;
}

static struct lbb_tcp_seg legit_seg(uint32_t f, uint16_t vport, uint8_t flags, uint32_t seq,
				    uint32_t ack, uint16_t plen)
{
	struct lbb_tcp_seg g = { .sip = client_ip(f), .dip = ip4(VIP),
				 .sport = htons(client_port(f)), .dport = htons(vport),
				 .seq = seq, .ack = ack, .flags = flags, .plen = plen };
	return g;
}

/* Flood or legitimate segment k of a flood scenario, from the client side. */
static struct lbb_tcp_seg flood_seg(enum scenario s, uint64_t k, uint32_t flows)
{
	struct lbb_tcp_seg g;
	uint32_t f;

	switch (s) {
	case SYN_FLOOD_CHAIN:
		return chain_segs[chain_next++];
	case SYN_FLOOD_RANDOM_EST:
	case SYN_FLOOD_COLLIDE_EST:
		f = (uint32_t)(k % flows);
		return legit_seg(f, TCP_VPORT, RTE_TCP_PSH_FLAG | RTE_TCP_ACK_FLAG,
				 legit_isn(f) + 1, rs_isn(f) + 1, EST_PAYLOAD);
	case SYNP_ACK:
		f = (uint32_t)(k % MAX_FLOWS);
		return legit_seg(f, SYNP_VPORT, RTE_TCP_ACK_FLAG, legit_isn(f) + 1,
				 synp_cookie[k] + 1, 0);
	default: /* syn-flood-random|collide, synproxy-syn */
		lbb_attack_next(&atk, &g);
		return g;
	}
}

static struct rte_mbuf *seg_frame(uint16_t port_idx, const struct rte_ether_addr *src,
				  const struct lbb_tcp_seg *g)
{
	uint8_t buf[128];
	uint16_t len = lbb_tcp_build(buf, sizeof(buf), src, &ports[port_idx].mac, g);
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

	if (!m || !len) {
		fprintf(stderr, "dp_instr: no mbuf or no frame for a TCP segment\n");
		exit(1);
	}
	memcpy(rte_pktmbuf_append(m, len), buf, len);
	return m;
}

/* One segment through the data path outside the count; it must leave by
 * port out (the one frame queued there is returned, freed by the next
 * dp_tx_flush). */
static struct rte_mbuf *feed_one(uint16_t port_idx, const struct rte_ether_addr *src,
				 const struct lbb_tcp_seg *g, uint16_t out, const char *what)
{
	eth_input(&wk, port_idx, seg_frame(port_idx, src, g));
	if (wk.tx[out].n != 1) {
		fprintf(stderr, "dp_instr: %s did not leave by %s\n", what, ports[out].name);
		exit(1);
	}
	return wk.tx[out].pkts[0];
}

static const struct rte_tcp_hdr *tcp_of(const struct rte_mbuf *m, uint32_t *daddr)
{
	const struct rte_ipv4_hdr *ip =
		(const struct rte_ipv4_hdr *)(rte_pktmbuf_mtod(m, const struct rte_ether_hdr *) + 1);

	*daddr = ip->dst_addr;
	return (const struct rte_tcp_hdr *)((const uint8_t *)ip + rte_ipv4_hdr_len(ip));
}

/* -est: flows legitimate connections through VIP:80, the handshake of
 * lbbench's tcp-cps (lbb_tcp.h) */
static void establish_legit(uint32_t flows)
{
	for (uint32_t f = 0; f < flows; f++) {
		struct lbb_tcp_seg g = legit_seg(f, TCP_VPORT, RTE_TCP_SYN_FLAG, legit_isn(f), 0, 0);
		uint32_t rip;

		tcp_of(feed_one(0, &client_mac_base, &g, 1, "a legitimate SYN"), &rip);
		dp_tx_flush(&wk);
		unsigned r = ntohl(rip) - ntohl(rs_ip(0));
		if (r >= N_RS) {
			fprintf(stderr, "dp_instr: flow %u went to an unknown address\n", f);
			exit(1);
		}
		struct rte_ether_addr rs_mac = rs_mac_base;
		struct lbb_tcp_seg sa = { .sip = rip, .dip = client_ip(f), .sport = htons(RS_PORT),
					  .dport = htons(client_port(f)),
					  .seq = rs_isn(f), .ack = legit_isn(f) + 1,
					  .flags = RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG };

		rs_mac.addr_bytes[5] = (uint8_t)(0x10 + r);
		feed_one(1, &rs_mac, &sa, 0, "the real server's SYN-ACK");
		dp_tx_flush(&wk);
		g = legit_seg(f, TCP_VPORT, RTE_TCP_ACK_FLAG, legit_isn(f) + 1, rs_isn(f) + 1, 0);
		feed_one(0, &client_mac_base, &g, 1, "a legitimate ACK");
		dp_tx_flush(&wk);
	}
}

/* syn-flood-chain: n SYNs to VIP:80 whose in-tuples share one bucket of
 * worker 0's table, by trying random sources against its key (about
 * nbuckets tries a tuple). */
static void find_chain(uint32_t n)
{
	const struct ipvs_worker *iw = ipvs_w(&wk);
	uint64_t r = 0x9e3779b97f4a7c15ull;
	uint32_t vip = ip4(VIP), target = UINT32_MAX, got = 0;
	uint16_t vport = htons(TCP_VPORT);

	chain_segs = calloc(n, sizeof(*chain_segs));
	if (!chain_segs) {
		fprintf(stderr, "dp_instr: out of memory\n");
		exit(1);
	}
	while (got < n) {
		r ^= r << 13;
		r ^= r >> 7;
		r ^= r << 17;
		uint32_t sip = htonl(0x0a800000u | (uint32_t)(r & 0x7fffff));
		uint16_t sport = htons((uint16_t)(1024 + (r >> 23) % 64512));
		uint32_t b = ipvs_conn_hash(iw, IPPROTO_TCP, sip, vip, sport, vport);

		if (target == UINT32_MAX)
			target = b;
		if (b != target)
			continue;
		struct lbb_tcp_seg g = { .sip = sip, .dip = vip, .sport = sport, .dport = vport,
					 .seq = (uint32_t)(r >> 32), .flags = RTE_TCP_SYN_FLAG };
		chain_segs[got++] = g;
	}
}

/* The flood scenarios' state before the count: legitimate connections,
 * the flood's half-open conns, the chain's tuples, the cookies. */
static void prepare_flood(enum scenario s, uint32_t flows, uint32_t prefill, uint32_t chain,
			  uint64_t total)
{
	uint32_t nb = ipvs_w(&wk)->nbuckets;

	if (lbb_attack_init(&atk, is_collide(s), ip4(VIP),
			    htons(s == SYNP_SYN ? SYNP_VPORT : TCP_VPORT), nb, FLOOD_SEED) < 0) {
		fprintf(stderr, "dp_instr: lbb_attack_init with %u buckets failed\n", nb);
		exit(1);
	}
	if (s == SYNP_ACK) {
		synp_cookie = calloc(total, sizeof(*synp_cookie));
		if (!synp_cookie) {
			fprintf(stderr, "dp_instr: out of memory\n");
			exit(1);
		}
		for (uint64_t k = 0; k < total; k++) {
			uint32_t f = (uint32_t)(k % MAX_FLOWS), cip;
			struct lbb_tcp_seg g =
				legit_seg(f, SYNP_VPORT, RTE_TCP_SYN_FLAG, legit_isn(f), 0, 0);
			const struct rte_tcp_hdr *t =
				tcp_of(feed_one(0, &client_mac_base, &g, 0, "a SYN to the SYN proxy"),
				       &cip);

			if (t->tcp_flags != (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG) ||
			    ntohl(t->recv_ack) != legit_isn(f) + 1) {
				fprintf(stderr, "dp_instr: the SYN proxy's answer is no SYN-ACK\n");
				exit(1);
			}
			synp_cookie[k] = ntohl(t->sent_seq);
			dp_tx_flush(&wk);
		}
		return;
	}
	if (!is_flood(s))
		return;
	if (is_est(s))
		establish_legit(flows);
	if (s == SYN_FLOOD_CHAIN)
		find_chain((uint32_t)(chain + total));
	uint32_t *old = calloc(nb, sizeof(*old));

	if (!old) {
		fprintf(stderr, "dp_instr: out of memory\n");
		exit(1);
	}
	uint32_t n = s == SYN_FLOOD_CHAIN ? chain : prefill;
	for (uint32_t i = 0; i < n; i++) {
		/* the chain's tuples, or the next of the generator (random or collide) */
		struct lbb_tcp_seg g = flood_seg(s == SYN_FLOOD_CHAIN ? s : SYN_FLOOD_RANDOM, i, 1);
		uint32_t b = lbb_old_bucket(g.sip, g.dip, g.sport, g.dport, nb - 1);

		if (++old[b] > old_crc_chain_max)
			old_crc_chain_max = old[b];
		feed_one(0, &client_mac_base, &g, 1, "a flood SYN");
		dp_tx_flush(&wk);
	}
	free(old);
	/* the chain must have formed (else the brute force aimed at another bucket) */
	if (s == SYN_FLOOD_CHAIN && ipvs_conn_chain_max(0) < chain) {
		fprintf(stderr, "dp_instr: the longest chain is %u, not %u\n",
			ipvs_conn_chain_max(0), chain);
		exit(1);
	}
}

/* Packet k of the scenario (k counts from 0 over the whole run). */
static size_t build(enum scenario s, uint64_t k, uint32_t flows, uint8_t *b, uint16_t *port_idx)
{
	uint32_t f = (uint32_t)(k % flows);
	size_t len;

	switch (s) {
	case NAT_UDP_FWD:
	case DR_UDP_FWD:
	case TUN_UDP_FWD:
	case FNAT_UDP_FWD:
		*port_idx = 0;
		len = put_eth(b, &ports[0].mac, &client_mac_base);
		return len + put_udp(b + len, client_ip(f), client_port(f), ip4(VIP), fwd_vport(s));
	case NAT_UDP_REV: {
		struct rte_ether_addr rs_mac = rs_mac_base;

		rs_mac.addr_bytes[5] = (uint8_t)(0x10 + flow_rs[f]);
		*port_idx = 1;
		len = put_eth(b, &ports[1].mac, &rs_mac);
		return len + put_udp(b + len, rs_ip(flow_rs[f]), RS_PORT, client_ip(f),
				     client_port(f));
	}
	case FNAT_UDP_REV: {
		struct rte_ether_addr rs_mac = rs_mac_base;

		rs_mac.addr_bytes[5] = (uint8_t)(0x10 + flow_rs[f]);
		*port_idx = 1;
		len = put_eth(b, &ports[1].mac, &rs_mac);
		return len + put_udp(b + len, rs_ip(flow_rs[f]), RS_PORT, ip4(LIP), flow_lport[f]);
	}
	case NAT_TCP_NEW: {
		/* every packet a new 4-tuple: k itself names the client */
		f = (uint32_t)(k % MAX_FLOWS);
		*port_idx = 0;
		len = put_eth(b, &ports[0].mac, &client_mac_base);
		struct rte_ipv4_hdr *ip = put_ip(b + len, client_ip(f), ip4(VIP), IPPROTO_TCP,
						 sizeof(struct rte_tcp_hdr));
		struct rte_tcp_hdr *t = (struct rte_tcp_hdr *)(ip + 1);

		memset(t, 0, sizeof(*t));
		t->src_port = htons(client_port(f));
		t->dst_port = htons(TCP_VPORT);
		t->sent_seq = htonl((uint32_t)k * 2654435761u);
		t->data_off = 5 << 4;
		t->tcp_flags = RTE_TCP_SYN_FLAG;
		t->rx_win = htons(65535);
		t->cksum = rte_ipv4_udptcp_cksum(ip, t);
		return len + sizeof(*ip) + sizeof(*t);
	}
	case ICMP_ECHO: {
		*port_idx = 0;
		len = put_eth(b, &ports[0].mac, &client_mac_base);
		const uint16_t l4len = sizeof(struct rte_icmp_hdr) + ICMP_DATA;
		struct rte_ipv4_hdr *ip = put_ip(b + len, client_ip(f), ip4(VIP), IPPROTO_ICMP,
						 l4len);
		struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)(ip + 1);

		memset(ic, 0, sizeof(*ic));
		ic->icmp_type = RTE_IP_ICMP_ECHO_REQUEST;
		ic->icmp_ident = htons(0x4242);
		ic->icmp_seq_nb = htons((uint16_t)k);
		memset(ic + 1, 'p', ICMP_DATA);
		ic->icmp_cksum = (uint16_t)~rte_raw_cksum(ic, l4len);
		return len + sizeof(*ip) + l4len;
	}
	case SYN_FLOOD_RANDOM:
	case SYN_FLOOD_COLLIDE:
	case SYN_FLOOD_RANDOM_EST:
	case SYN_FLOOD_COLLIDE_EST:
	case SYN_FLOOD_CHAIN:
	case SYNP_SYN:
	case SYNP_ACK: {
		struct lbb_tcp_seg g = flood_seg(s, k, flows);

		*port_idx = 0;
		return lbb_tcp_build(b, 128, &client_mac_base, &ports[0].mac, &g);
	}
	case NSCENARIOS:
		break;
	}
	return 0;
}

/* ---- the counted part: one worker loop iteration with one rx burst ---- */

/* noinline and named: instr.sh counts only inside this function. */
__attribute__((noinline)) void dp_instr_burst(struct worker *w, uint16_t port_idx,
					     struct rte_mbuf **pkts, uint16_t n);

__attribute__((noinline)) void dp_instr_burst(struct worker *w, uint16_t port_idx,
					     struct rte_mbuf **pkts, uint16_t n)
{
	rte_rcu_qsbr_quiescent(dp_rcu, w->index);
	capture_burst(w, port_idx, CAPTURE_RX, pkts, n); /* as worker.c after rx */
	for (uint16_t i = 0; i < n; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
	ipvs_prefetch_burst(w, pkts, n);
	for (uint16_t i = 0; i < n; i++)
		eth_input(w, port_idx, pkts[i]);
	dp_tx_flush(w);
	ipvs_worker_timer(w);
	w->loops++;
	w->packets += n;
}

static struct rte_mbuf *frame(enum scenario s, uint64_t k, uint32_t flows, uint16_t *port_idx)
{
	uint8_t buf[128];
	size_t len = build(s, k, flows, buf, port_idx);
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

	if (!m) {
		fprintf(stderr, "dp_instr: mbuf pool empty (a leak in the data path?)\n");
		exit(1);
	}
	memcpy(rte_pktmbuf_append(m, (uint16_t)len), buf, len);
	return m;
}

/* Packets k0 .. k0+count-1 in bursts; returns the next k. */
static uint64_t run(enum scenario s, uint64_t k0, uint64_t count, uint32_t flows)
{
	struct rte_mbuf *pkts[DP_BURST];
	uint64_t k = k0;

	while (k < k0 + count) {
		uint16_t n = 0, port_idx = 0;

		while (n < DP_BURST && k < k0 + count)
			pkts[n++] = frame(s, k++, flows, &port_idx);
		dp_instr_burst(&wk, port_idx, pkts, n);
	}
	return k;
}

/* Creates the flows one packet at a time, learning each one's real server
 * from the frame queued on dpdk1 before the flush frees it (NAT: its
 * destination address; the replies of nat-udp-rev come from there). */
static void create_flows(enum scenario s, uint32_t flows)
{
	flow_rs = calloc(flows, 1);
	flow_lport = calloc(flows, sizeof(*flow_lport));
	if (!flow_rs || !flow_lport) {
		fprintf(stderr, "dp_instr: out of memory\n");
		exit(1);
	}
	for (uint32_t f = 0; f < flows; f++) {
		uint16_t port_idx;
		struct rte_mbuf *m = frame(s == NAT_UDP_REV ? NAT_UDP_FWD
					   : s == FNAT_UDP_REV ? FNAT_UDP_FWD : s,
					   f, flows, &port_idx);

		eth_input(&wk, port_idx, m);
		if (wk.tx[1].n != 1) {
			fprintf(stderr, "dp_instr: flow %u was not forwarded to a real server\n",
				f);
			exit(1);
		}
		if (s != NAT_UDP_FWD && s != NAT_UDP_REV && s != FNAT_UDP_FWD && s != FNAT_UDP_REV) {
			dp_tx_flush(&wk);
			continue;
		}
		const struct rte_ether_hdr *e =
			rte_pktmbuf_mtod(wk.tx[1].pkts[0], const struct rte_ether_hdr *);
		const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(e + 1);
		flow_rs[f] = (uint8_t)(ntohl(ip->dst_addr) - ntohl(rs_ip(0)));
		/* past the IPv4 options: a Full-NAT flow's first datagram carries UOA */
		flow_lport[f] = ntohs(((const struct rte_udp_hdr *)(const void *)((const uint8_t *)ip +
			rte_ipv4_hdr_len(ip)))->src_port);
		if (flow_rs[f] >= N_RS) {
			fprintf(stderr, "dp_instr: flow %u went to an unknown address\n", f);
			exit(1);
		}
		dp_tx_flush(&wk);
	}
}

static uint64_t parse_count(const char *opt, const char *v, uint64_t min, uint64_t max)
{
	char *end;
	unsigned long long x;

	errno = 0;
	x = v ? strtoull(v, &end, 10) : 0;
	if (!v || errno || *end || end == v || x < min || x > max || v[0] == '-') {
		fprintf(stderr, "dp_instr: %s wants a number from %llu to %llu, got '%s'\n", opt,
			(unsigned long long)min, (unsigned long long)max, v ? v : "");
		exit(2);
	}
	return x;
}

static void usage(void)
{
	fprintf(stderr, "usage: dp_instr nat-udp-fwd|nat-udp-rev|nat-tcp-new|icmp-echo|"
			"dr-udp-fwd|tun-udp-fwd|fnat-udp-fwd|fnat-udp-rev[-capture]|"
			"syn-flood-random|syn-flood-collide[-est]|syn-flood-chain|"
			"synproxy-syn|synproxy-ack [--flows N] [--packets N] [--warmup N] "
			"[--prefill N] [--chain N] [--old-crc-one-bucket] "
			"[--capture-engine cbpf|ebpf|ebpf-jit]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	uint32_t flows = 1000, prefill = 60000, chain = 256;
	uint64_t packets = 100000, warmup = UINT64_MAX;
	enum capture_engine engine = CAPTURE_ENGINE_AUTO;
	bool capture = false, old_crc_one_bucket = false;
	int sc = -1;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--flows") == 0 && i + 1 < argc)
			flows = (uint32_t)parse_count("--flows", argv[++i], 1, MAX_FLOWS);
		else if (strcmp(argv[i], "--packets") == 0 && i + 1 < argc)
			packets = parse_count("--packets", argv[++i], 1, 1000000000);
		else if (strcmp(argv[i], "--prefill") == 0 && i + 1 < argc)
			prefill = (uint32_t)parse_count("--prefill", argv[++i], 0, FLOOD_CONN_MAX);
		else if (strcmp(argv[i], "--chain") == 0 && i + 1 < argc)
			chain = (uint32_t)parse_count("--chain", argv[++i], 1, CHAIN_CONN_MAX);
		else if (strcmp(argv[i], "--old-crc-one-bucket") == 0)
			old_crc_one_bucket = true;
		else if (strcmp(argv[i], "--warmup") == 0 && i + 1 < argc)
			warmup = parse_count("--warmup", argv[++i], 0, 1000000000);
		else if (strcmp(argv[i], "--capture-engine") == 0 && i + 1 < argc) {
			const char *e = argv[++i];

			engine = !strcmp(e, "cbpf")	  ? CAPTURE_ENGINE_CBPF
				 : !strcmp(e, "ebpf")	  ? CAPTURE_ENGINE_EBPF
				 : !strcmp(e, "ebpf-jit") ? CAPTURE_ENGINE_EBPF_JIT
							  : (enum capture_engine)-1;
			if ((int)engine < 0) {
				fprintf(stderr, "dp_instr: unknown engine '%s'\n", e);
				usage();
			}
		} else if (argv[i][0] != '-' && sc < 0) {
			size_t len = strlen(argv[i]), sl = strlen(CAPTURE_SUFFIX);

			for (int s = 0; s < N_SCENARIOS; s++) {
				size_t nl = strlen(scenario_names[s]);

				if (strcmp(argv[i], scenario_names[s]) == 0)
					sc = s;
				else if (len == nl + sl && !strncmp(argv[i], scenario_names[s], nl) &&
					 !strcmp(argv[i] + nl, CAPTURE_SUFFIX))
					sc = s, capture = true;
			}
			if (sc < 0) {
				fprintf(stderr, "dp_instr: unknown scenario '%s'\n", argv[i]);
				usage();
			}
		} else {
			fprintf(stderr, "dp_instr: unexpected argument '%s'\n", argv[i]);
			usage();
		}
	}
	if (sc < 0)
		usage();
	enum scenario s = (enum scenario)sc;
	if (warmup == UINT64_MAX)
		warmup = flows;
	if ((s == NAT_TCP_NEW || s == SYNP_ACK) && warmup + packets > MAX_FLOWS) {
		fprintf(stderr, "dp_instr: %s has %u distinct clients, not %llu\n",
			scenario_names[s], MAX_FLOWS, (unsigned long long)(warmup + packets));
		exit(2);
	}
	/* the flood's table never fills: eviction would be measured, not the flood */
	uint64_t conns_made = s == SYN_FLOOD_CHAIN ? chain + warmup + packets
			      : is_est(s)	   ? (uint64_t)prefill + flows
			      : is_flood(s)	   ? (uint64_t)prefill + warmup + packets
						   : 0;
	uint32_t table = s == SYN_FLOOD_CHAIN ? CHAIN_CONN_MAX : FLOOD_CONN_MAX;
	if (is_flood(s) && conns_made > table) {
		fprintf(stderr, "dp_instr: %s would make %llu conns in a table of %u\n",
			scenario_names[s], (unsigned long long)conns_made, table);
		exit(2);
	}

	/* No hugepages (so it runs under valgrind and anywhere); --in-memory
	 * does not go with --no-huge. */
	char *eal[] = { "dp_instr", "--no-huge", "-m", "1024", "--no-pci", "--no-shconf",
			"--log-level", "*:error", "-l", "0", NULL };
	if (rte_eal_init((int)(sizeof(eal) / sizeof(eal[0])) - 1, eal) < 0) {
		fprintf(stderr, "dp_instr: rte_eal_init failed\n");
		return 1;
	}
	pool = rte_pktmbuf_pool_create("dp_instr", 4095, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	if (!pool) {
		fprintf(stderr, "dp_instr: cannot create the mbuf pool\n");
		return 1;
	}

	uint32_t conn_max = s == NAT_TCP_NEW || s == SYNP_ACK ? (uint32_t)(warmup + packets + 1024)
			    : is_flood(s)			  ? table
								  : flows + 1024;
	setup(conn_max, s == SYNP_SYN || s == SYNP_ACK);
	wk.lcore_id = rte_lcore_id();
	wk.now_sec = 1; /* the clock stands still: nothing expires during the run */
	if (dp_worker_register(&wk) != 0) {
		fprintf(stderr, "dp_instr: cannot register the worker\n");
		return 1;
	}
	/* online only now: the set-up above waited for grace periods */
	rte_rcu_qsbr_thread_register(dp_rcu, wk.index);
	rte_rcu_qsbr_thread_online(dp_rcu, wk.index);

	if (s == NAT_UDP_FWD || s == NAT_UDP_REV || s == DR_UDP_FWD || s == TUN_UDP_FWD ||
	    s == FNAT_UDP_FWD || s == FNAT_UDP_REV)
		create_flows(s, flows);
	prepare_flood(s, flows, prefill, chain, warmup + packets);
	struct capture_session *cs = NULL;
	if (capture) {
		struct capture_conf cc = { .port_mask = 3, .dirs = CAPTURE_RX | CAPTURE_TX,
					   .snaplen = CAPTURE_SNAPLEN_DEFAULT,
					   .filter = CAPTURE_FILTER, .engine = engine };
		char err[256];

		cs = capture_session_create(&cc, 1, err, sizeof(err));
		if (!cs) {
			fprintf(stderr, "dp_instr: %s\n", err);
			return 1;
		}
		capture_session_attach(cs);
	}
	uint64_t k = run(s, 0, warmup, flows);

	/* The measured packets must all leave by the scenario's way out. With
	 * no DPDK port behind it, dp_tx_flush counts them as TX_FULL there. */
	uint16_t out = s == NAT_UDP_REV || s == FNAT_UDP_REV || s == ICMP_ECHO || s == SYNP_SYN ? 0 : 1;
	uint64_t sent = wk.cnt[out].drops[DPVS_DROP_TX_FULL], other = 0;
	for (unsigned p = 0; p < 2; p++)
		for (unsigned r = 0; r < DPVS_DROP_MAX; r++)
			other -= wk.cnt[p].drops[r];
	/* TSC cycles of the measured part, frame building included: a rough
	 * figure beside the instruction count (noisy on a shared machine) */
	uint64_t t0 = rte_rdtsc();
	run(s, k, packets, flows);
	uint64_t cycles = rte_rdtsc() - t0;
	sent = wk.cnt[out].drops[DPVS_DROP_TX_FULL] - sent;
	for (unsigned p = 0; p < 2; p++)
		for (unsigned r = 0; r < DPVS_DROP_MAX; r++)
			other += wk.cnt[p].drops[r];
	other -= sent;

	struct capture_stats cst = { 0 };
	if (cs)
		capture_session_stats(cs, &cst);
	printf("{\"scenario\":\"%s%s\",\"packets\":%llu,\"flows\":%u,\"warmup\":%llu,"
	       "\"sent\":%llu,\"dropped\":%llu,\"conns\":%u,\"capture_engine\":\"%s\","
	       "\"capture_seen\":%llu,\"capture_matched\":%llu,\"tsc_per_packet\":%.1f,"
	       "\"prefill\":%u,\"chain_max\":%u,\"old_crc_chain_max\":%u}\n",
	       scenario_names[s], capture ? CAPTURE_SUFFIX : "", (unsigned long long)packets,
	       s == NAT_TCP_NEW ? (unsigned)(warmup + packets) : flows,
	       (unsigned long long)warmup, (unsigned long long)sent, (unsigned long long)other,
	       ipvs_conn_count(0), cs ? capture_session_engine(cs) : "off",
	       (unsigned long long)cst.seen, (unsigned long long)cst.matched,
	       (double)cycles / (double)packets,
	       s == SYN_FLOOD_CHAIN ? chain : is_flood(s) ? prefill : 0, ipvs_conn_chain_max(0),
	       old_crc_chain_max);
	if (cs && (cst.matched || cst.seen < 2 * (warmup + packets))) {
		fprintf(stderr, "dp_instr: the capture saw %llu frames and matched %llu\n",
			(unsigned long long)cst.seen, (unsigned long long)cst.matched);
		return 1;
	}
	if (old_crc_one_bucket && old_crc_chain_max != prefill) {
		fprintf(stderr, "dp_instr: the old CRC put %u of the %u flood tuples into one bucket\n",
			old_crc_chain_max, prefill);
		return 1;
	}
	if (sent != packets || other) {
		fprintf(stderr, "dp_instr: %llu of %llu packets left by %s (%llu dropped)\n",
			(unsigned long long)sent, (unsigned long long)packets, ports[out].name,
			(unsigned long long)other);
		return 1;
	}
	return 0;
}
