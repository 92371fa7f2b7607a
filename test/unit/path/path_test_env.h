/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the whole-path unit test and the IPVS path fuzz target share: a
 * balancer made of the real stack and the real IPVS (inet, ipvs, dp) on
 * real DPDK ports made from rings (net_ring, rte_eth_from_rings), so the
 * worker's flush runs rte_eth_tx_burst and what left a port is read back
 * from that port's tx ring. Only the ports themselves are fake: netif is
 * not linked, this file fills its port table. Include from one file per
 * executable, after dp_test_env.h.
 *
 *   clients 172.16.0.0/16                           real servers
 *   via gw 10.0.0.253 ---- dpdk0 [dpvs] dpdk1 ---- 192.168.1.10 (RIP1)
 *                   10.0.0.254/24       192.168.1.1/24    192.168.1.11 (RIP2)
 *                   VIP 10.0.0.1/32                       192.168.1.12 (RIP3)
 *                   MTU 1500, KNI       MTU 1400, no KNI
 *
 * dpdk1's MTU is smaller than dpdk0's (a tunnel towards the servers, say),
 * so a full-size client packet does not fit it. All next hops are static
 * neighbours. Services (NAT, rr, two dests): TCP VIP:80 -> RIP1/RIP2:8080
 * and UDP VIP:53 -> RIP1/RIP2:5353; path_add_persistent() adds the
 * persistent TCP VIP:443 and a persistent port-0 UDP service on VIP2
 * with a dest without a port (RIP3).
 */
#ifndef DPVS_PATH_TEST_ENV_H
#define DPVS_PATH_TEST_ENV_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <rte_arp.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_ring.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "dpvs/ctl.h"
#include "inet/inet.h"
#include "ipvs/ipvs.h"
#include "netif/netif.h"
#include "dp/dp.h"

#define P_NPORTS 2
#define P_CLI 0 /* dpdk0: the clients' side */
#define P_SRV 1 /* dpdk1: the real servers' side */
#define P_MTU_CLI 1500
#define P_MTU_SRV 1400
#define P_RING_SIZE 1024

#define DIP0 "10.0.0.254"
#define VIP "10.0.0.1"
#define VIP2 "10.0.0.2"
#define CGW "10.0.0.253"
#define DIP1 "192.168.1.1"
#define RIP1 "192.168.1.10"
#define RIP2 "192.168.1.11"
#define RIP3 "192.168.1.12"
#define CIP "172.16.0.5"
#define CIP2 "172.16.7.9"

static const struct rte_ether_addr p_mac[P_NPORTS] = { { { 0x02, 0, 0, 0, 0, 0x01 } },
							{ { 0x02, 0, 0, 0, 0, 0x02 } } };
static const struct rte_ether_addr cgw_mac = { { 0x02, 0xcc, 0, 0, 0, 0xfd } };
static const struct rte_ether_addr rs_mac[3] = { { { 0x02, 0xaa, 0, 0, 0, 0x0a } },
						 { { 0x02, 0xaa, 0, 0, 0, 0x0b } },
						 { { 0x02, 0xaa, 0, 0, 0, 0x0c } } };
static const struct rte_ether_addr srv_host_mac = { { 0x02, 0xaa, 0, 0, 0, 0xfe } };
static const struct rte_ether_addr other_mac = { { 0x02, 0xdd, 0, 0, 0, 0x99 } };
static const struct rte_ether_addr bcast_mac = { { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };

/* Filled by path_ports_init() with the ring ports' DPDK ids. */
struct dp_port netif_ports[DP_MAX_PORTS] = {
	{ .idx = 0, .port_id = DP_PORT_NONE, .kni_port_id = DP_PORT_NONE, .mtu = P_MTU_CLI,
	  .nb_rxq = 1, .nb_txq = 1, .mac = { { 0x02, 0, 0, 0, 0, 0x01 } }, .name = "dpdk0",
	  .kni_name = "dpdk0.kni" },
	{ .idx = 1, .port_id = DP_PORT_NONE, .kni_port_id = DP_PORT_NONE, .mtu = P_MTU_SRV,
	  .nb_rxq = 1, .nb_txq = 1, .mac = { { 0x02, 0, 0, 0, 0, 0x02 } }, .name = "dpdk1" },
};
unsigned netif_nports = P_NPORTS;

#include "../netif_fake.h"

/* What left by each port (tx) and what went to dpdk0's KNI. */
static struct rte_ring *p_tx_ring[P_NPORTS];
static struct rte_ring *p_kni_ring;

/* A started ring port whose tx queue 0 fills `tx`; its DPDK port id. */
static int p_ring_port(const char *name, struct rte_ring **tx)
{
	char rn[RTE_RING_NAMESIZE];
	struct rte_ring *rx;
	struct rte_eth_conf conf;
	int port;

	snprintf(rn, sizeof(rn), "%s_rx", name);
	rx = rte_ring_create(rn, P_RING_SIZE, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(rn, sizeof(rn), "%s_tx", name);
	*tx = rte_ring_create(rn, P_RING_SIZE, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (!rx || !*tx)
		return -1;
	port = rte_eth_from_rings(name, &rx, 1, tx, 1, SOCKET_ID_ANY);
	if (port < 0)
		return -1;
	memset(&conf, 0, sizeof(conf));
	if (rte_eth_dev_configure((uint16_t)port, 1, 1, &conf) < 0 ||
	    rte_eth_rx_queue_setup((uint16_t)port, 0, P_RING_SIZE, SOCKET_ID_ANY, NULL,
				   dp_test_eal()) < 0 ||
	    rte_eth_tx_queue_setup((uint16_t)port, 0, P_RING_SIZE, SOCKET_ID_ANY, NULL) < 0 ||
	    rte_eth_dev_start((uint16_t)port) < 0)
		return -1;
	return port;
}

/* Once per process: the two ports and dpdk0's KNI, as ring ports. */
static int path_ports_init(void)
{
	static const char *names[P_NPORTS] = { "net_ring_wp0", "net_ring_wp1" };
	int id;

	dp_test_eal();
	if (netif_ports[0].port_id != DP_PORT_NONE)
		return 0;
	for (unsigned p = 0; p < P_NPORTS; p++) {
		id = p_ring_port(names[p], &p_tx_ring[p]);
		if (id < 0)
			return -1;
		netif_ports[p].port_id = (uint16_t)id;
	}
	id = p_ring_port("net_ring_wpk", &p_kni_ring);
	if (id < 0)
		return -1;
	netif_ports[P_CLI].kni_port_id = (uint16_t)id;
	return 0;
}

/* Takes up to max frames that left by ring r; returns how many. */
static inline unsigned p_take(struct rte_ring *r, struct rte_mbuf **out, unsigned max)
{
	return rte_ring_dequeue_burst(r, (void **)out, max, NULL);
}

/* Frees everything in the port rings; returns how many. */
static inline unsigned p_drain_rings(void)
{
	struct rte_mbuf *m[64];
	unsigned n, all = 0;

	for (unsigned p = 0; p <= P_NPORTS; p++) {
		struct rte_ring *r = p < P_NPORTS ? p_tx_ring[p] : p_kni_ring;

		while (r && (n = p_take(r, m, 64)) > 0) {
			rte_pktmbuf_free_bulk(m, n);
			all += n;
		}
	}
	return all;
}

/* ---- the fates (include/dpvs/ctl.h: "Fates add up") ---- */

/* All fates of the frames a port received, from its counters c. */
static inline uint64_t p_fates(const struct dp_port_counters *c)
{
	uint64_t n = c->forwarded + c->arp_replied + c->icmp_echo_replied + c->to_kernel;

	for (unsigned r = 0; r < DPVS_DROP_MAX; r++)
		if (dpvs_drop_is_rx_fate((enum dpvs_drop_reason)r))
			n += c->drops[r];
	return n;
}

/* ---- set-up through the control API ---- */

static inline uint32_t p_ip(const char *s)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return 0;
	return a.s_addr;
}

static inline struct dpvs_svc p_svc_key(uint16_t proto, const char *vip, uint16_t port)
{
	struct dpvs_svc s;

	memset(&s, 0, sizeof(s));
	s.af = AF_INET;
	s.protocol = proto;
	s.addr.in.s_addr = p_ip(vip);
	s.port = htons(port);
	return s;
}

/* A dest of weight 1 forwarding by fwd (tun_*: a -i dest's tunnel, GUE's
 * port in host order), added, or edited when edit. */
static inline int p_dest_fwd(const struct dpvs_svc *s, const char *rip, uint16_t rport,
			     uint32_t fwd, uint8_t tun_type, uint8_t tun_flags, uint16_t tun_port,
			     bool edit, char *err, size_t errlen)
{
	struct dpvs_dest d;

	memset(&d, 0, sizeof(d));
	d.af = AF_INET;
	d.addr.in.s_addr = p_ip(rip);
	d.port = htons(rport);
	d.conn_flags = fwd;
	d.weight = 1;
	d.tun_type = tun_type;
	d.tun_flags = tun_flags;
	d.tun_port = htons(tun_port);
	return edit ? ipvs_dest_edit(s, &d, err, errlen) : ipvs_dest_add(s, &d, err, errlen);
}

static inline int p_dest(const struct dpvs_svc *s, const char *rip, uint16_t rport, char *err,
			 size_t errlen)
{
	return p_dest_fwd(s, rip, rport, DPVS_FWD_MASQ, 0, 0, 0, false, err, errlen);
}

/* A NAT service with rr and two dests (RIP1, RIP2) on rport. */
static inline int p_service(uint16_t proto, uint16_t vport, uint16_t rport, char *err,
			    size_t errlen)
{
	struct dpvs_svc s = p_svc_key(proto, VIP, vport);
	int rc;

	snprintf(s.sched_name, sizeof(s.sched_name), "rr");
	if ((rc = ipvs_svc_add(&s, err, errlen)) < 0 ||
	    (rc = p_dest(&s, RIP1, rport, err, errlen)) < 0 ||
	    (rc = p_dest(&s, RIP2, rport, err, errlen)) < 0)
		return rc;
	return 0;
}

/* Persistent services: TCP VIP:443 -> RIP1/RIP2:443 (/32, 300 s) and
 * UDP VIP2:0 (every port) -> RIP3 without a port. */
static inline int path_add_persistent(char *err, size_t errlen)
{
	struct dpvs_svc s = p_svc_key(IPPROTO_TCP, VIP, 443);
	int rc;

	snprintf(s.sched_name, sizeof(s.sched_name), "rr");
	s.flags = DPVS_SVC_F_PERSISTENT;
	s.timeout = 300;
	s.netmask = 0xffffffff;
	if ((rc = ipvs_svc_add(&s, err, errlen)) < 0 ||
	    (rc = p_dest(&s, RIP1, 443, err, errlen)) < 0 ||
	    (rc = p_dest(&s, RIP2, 443, err, errlen)) < 0)
		return rc;
	s = p_svc_key(IPPROTO_UDP, VIP2, 0);
	snprintf(s.sched_name, sizeof(s.sched_name), "rr");
	s.flags = DPVS_SVC_F_PERSISTENT;
	s.timeout = 300;
	s.netmask = 0xffffffff;
	if ((rc = ipvs_svc_add(&s, err, errlen)) < 0 || (rc = p_dest(&s, RIP3, 0, err, errlen)) < 0)
		return rc;
	return 0;
}

static inline int p_addr(const char *ifname, const char *ip, uint8_t plen, uint16_t flags,
			 char *err, size_t errlen)
{
	struct dpvs_addr a = { .family = AF_INET, .prefixlen = plen, .flags = flags };

	snprintf(a.ifname, sizeof(a.ifname), "%s", ifname);
	a.addr.in.s_addr = p_ip(ip);
	return inet_addr_add(&a, err, errlen);
}

static inline int p_neigh(const char *ifname, const char *ip, const struct rte_ether_addr *mac,
			  char *err, size_t errlen)
{
	struct dpvs_neigh n = { .family = AF_INET, .state = DPVS_NEIGH_PERMANENT };

	snprintf(n.ifname, sizeof(n.ifname), "%s", ifname);
	n.addr.in.s_addr = p_ip(ip);
	memcpy(n.mac.b, mac->addr_bytes, 6);
	return inet_neigh_add(&n, err, errlen);
}

/*
 * The balancer of the picture above, on worker w (registered here as the
 * only worker, on the calling lcore): the stack, IPVS with conn_max
 * connections, addresses, routes, neighbours, the TCP and UDP services.
 * 0 or -errno with err.
 */
static inline int path_setup(struct worker *w, uint32_t conn_max, char *err, size_t errlen)
{
	struct dpvs_route r = { .family = AF_INET, .prefixlen = 0 };
	int rc;

	if (path_ports_init() < 0) {
		snprintf(err, errlen, "cannot make the ring ports");
		return -ENODEV;
	}
	p_drain_rings();
	for (unsigned p = 0; p < P_NPORTS; p++)
		rte_eth_stats_reset(netif_ports[p].port_id);
	rte_eth_stats_reset(netif_ports[P_CLI].kni_port_id);
	memset(w, 0, sizeof(*w));
	w->lcore_id = rte_lcore_id();
	w->now_sec = 1000;
	dp_worker_unregister_all();
	if ((rc = dp_worker_register(w)) < 0)
		return rc;
	if ((rc = inet_init(P_NPORTS, err, errlen)) < 0)
		return rc;
	if ((rc = ipvs_init(1, conn_max, err, errlen)) < 0) {
		inet_fini();
		return rc;
	}
	inet_timer_tick(w->now_sec);
	snprintf(r.ifname, sizeof(r.ifname), "dpdk0");
	r.gateway.in.s_addr = p_ip(CGW);
	if ((rc = p_addr("dpdk0", DIP0, 24, 0, err, errlen)) < 0 ||
	    (rc = p_addr("dpdk0", VIP, 32, DPVS_ADDR_F_VIP, err, errlen)) < 0 ||
	    (rc = p_addr("dpdk0", VIP2, 32, DPVS_ADDR_F_VIP, err, errlen)) < 0 ||
	    (rc = p_addr("dpdk1", DIP1, 24, 0, err, errlen)) < 0 ||
	    (rc = inet_route_add(&r, err, errlen)) < 0 ||
	    (rc = p_neigh("dpdk0", CGW, &cgw_mac, err, errlen)) < 0 ||
	    (rc = p_neigh("dpdk1", RIP1, &rs_mac[0], err, errlen)) < 0 ||
	    (rc = p_neigh("dpdk1", RIP2, &rs_mac[1], err, errlen)) < 0 ||
	    (rc = p_neigh("dpdk1", RIP3, &rs_mac[2], err, errlen)) < 0 ||
	    (rc = p_service(IPPROTO_TCP, 80, 8080, err, errlen)) < 0 ||
	    (rc = p_service(IPPROTO_UDP, 53, 5353, err, errlen)) < 0) {
		ipvs_fini();
		inet_fini();
		return rc;
	}
	return 0;
}

/* Frees what the worker still holds in its buffers, tears the layers
 * down and empties the rings. */
static inline void path_teardown(struct worker *w)
{
	for (unsigned p = 0; p < DP_MAX_PORTS; p++) {
		rte_pktmbuf_free_bulk(w->tx[p].pkts, w->tx[p].n);
		rte_pktmbuf_free_bulk(w->kni_tx[p].pkts, w->kni_tx[p].n);
		w->tx[p].n = w->kni_tx[p].n = 0;
	}
	w->tx_dirty = 0;
	ipvs_fini();
	inet_fini();
	p_drain_rings();
}

/* ---- frame builders: each writes a whole frame at f, returns its length ---- */

/* What a TCP or UDP packet is made of. Zero fields take defaults: TTL 64,
 * DF set (df < 0: clear). */
struct p_l4 {
	uint8_t proto;
	const char *src, *dst;
	uint16_t sport, dport;
	uint8_t tcp_flags;
	uint16_t payload; /* bytes of pattern after the L4 header */
	uint8_t ttl;
	int df;           /* 0 or 1: DF set; -1: clear */
	bool udp_no_csum; /* UDP checksum 0 ("none") */
};

static inline size_t p_eth(uint8_t *f, const struct rte_ether_addr *dst,
			   const struct rte_ether_addr *src, uint16_t type)
{
	struct rte_ether_hdr *e = (struct rte_ether_hdr *)f;

	e->dst_addr = *dst;
	e->src_addr = *src;
	e->ether_type = rte_cpu_to_be_16(type);
	return sizeof(*e);
}

/* Whether src lives on the servers' side (192.168.1.0/24). */
static inline bool p_srv_side(const char *src)
{
	return (p_ip(src) & htonl(0xffffff00)) == p_ip("192.168.1.0");
}

/* The MAC a packet from src arrives from: a real server's own, another
 * host's on the servers' side, the client gateway's on the clients' side. */
static inline const struct rte_ether_addr *p_src_mac(const char *src)
{
	uint32_t a = p_ip(src);

	for (unsigned i = 0; i < 3; i++)
		if (a == p_ip(i == 0 ? RIP1 : i == 1 ? RIP2 : RIP3))
			return &rs_mac[i];
	return p_srv_side(src) ? &srv_host_mac : &cgw_mac;
}

static inline uint16_t p_port_of(const char *src)
{
	return p_srv_side(src) ? P_SRV : P_CLI;
}

/* The IPv4 header at ip for l4len bytes of proto; checksum set. */
static inline void p_ipv4(struct rte_ipv4_hdr *ip, const struct p_l4 *s, uint16_t l4len)
{
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + l4len));
	ip->packet_id = RTE_BE16(0x3a5c);
	ip->fragment_offset = s->df < 0 ? 0 : RTE_BE16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = s->ttl ? s->ttl : 64;
	ip->next_proto_id = s->proto;
	ip->src_addr = p_ip(s->src);
	ip->dst_addr = p_ip(s->dst);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}

/* The L4 checksum of the packet at ip, computed from scratch (the field
 * itself counted as zero). */
static inline uint16_t p_l4_csum(struct rte_ipv4_hdr *ip)
{
	uint8_t *l4 = (uint8_t *)ip + rte_ipv4_hdr_len(ip);
	unaligned_uint16_t *field = (unaligned_uint16_t *)(l4 + (ip->next_proto_id == IPPROTO_TCP
					? offsetof(struct rte_tcp_hdr, cksum)
					: offsetof(struct rte_udp_hdr, dgram_cksum)));
	uint16_t saved = *field, sum;

	*field = 0;
	sum = rte_ipv4_udptcp_cksum(ip, l4);
	*field = saved;
	return sum;
}

/* A TCP or UDP packet from s->src to s->dst in a frame to the port the
 * source is on, every checksum right. */
static inline size_t p_l4_frame(uint8_t *f, const struct p_l4 *s)
{
	uint16_t port = p_port_of(s->src);
	size_t off = p_eth(f, &p_mac[port], p_src_mac(s->src), RTE_ETHER_TYPE_IPV4);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f + off);
	uint8_t *l4 = (uint8_t *)(ip + 1);
	uint16_t hl = s->proto == IPPROTO_TCP ? sizeof(struct rte_tcp_hdr)
					      : sizeof(struct rte_udp_hdr);
	uint16_t l4len = (uint16_t)(hl + s->payload);

	p_ipv4(ip, s, l4len);
	memset(l4, 0, hl);
	for (uint16_t i = 0; i < s->payload; i++)
		l4[hl + i] = (uint8_t)(i * 7 + 1);
	if (s->proto == IPPROTO_TCP) {
		struct rte_tcp_hdr *t = (struct rte_tcp_hdr *)l4;

		t->src_port = htons(s->sport);
		t->dst_port = htons(s->dport);
		t->sent_seq = htonl(0x1000);
		t->recv_ack = (s->tcp_flags & RTE_TCP_ACK_FLAG) ? htonl(0x2000) : 0;
		t->data_off = 5 << 4;
		t->tcp_flags = s->tcp_flags;
		t->rx_win = htons(65535);
		t->cksum = p_l4_csum(ip);
	} else {
		struct rte_udp_hdr *u = (struct rte_udp_hdr *)l4;

		u->src_port = htons(s->sport);
		u->dst_port = htons(s->dport);
		u->dgram_len = htons(l4len);
		if (!s->udp_no_csum)
			u->dgram_cksum = p_l4_csum(ip);
	}
	return off + sizeof(*ip) + l4len;
}

/* CRC32c from scratch, bit by bit (reflected polynomial 0x82F63B78): the
 * tests' own, not the daemon's (which uses DPDK's). */
static inline uint32_t p_crc32c(uint32_t crc, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		crc ^= p[i];
		for (int b = 0; b < 8; b++)
			crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1)));
	}
	return crc;
}

/* The checksum of the n-byte SCTP packet at sh (n >= 12) into out, as
 * RFC 9260 appendix B stores it: the CRC32c with the field as zero,
 * least significant byte first. */
static inline void p_sctp_crc(const uint8_t *sh, size_t n, uint8_t out[4])
{
	static const uint8_t zero[4];
	uint32_t c = p_crc32c(0xffffffffu, sh, 8);

	c = ~p_crc32c(p_crc32c(c, zero, 4), sh + 12, n - 12);
	for (int i = 0; i < 4; i++)
		out[i] = (uint8_t)(c >> (8 * i));
}

/* An SCTP packet src:sport -> dst:dport (verification tag 0x11223344)
 * with a chunk of type (and a second of type2 unless it is 0xff), each
 * with a body of blen pattern bytes, in a frame to the port the source
 * is on; its CRC32c right unless bad. */
static inline size_t p_sctp_frame(uint8_t *f, const char *src, uint16_t sport, const char *dst,
				  uint16_t dport, uint8_t type, uint8_t type2, uint16_t blen,
				  bool bad)
{
	struct p_l4 s = { .proto = IPPROTO_SCTP, .src = src, .dst = dst };
	uint16_t port = p_port_of(src);
	size_t off = p_eth(f, &p_mac[port], p_src_mac(src), RTE_ETHER_TYPE_IPV4);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f + off);
	uint8_t *sh = (uint8_t *)(ip + 1);
	uint16_t clen = (uint16_t)(4 + blen), padded = (uint16_t)((clen + 3) & ~3);
	uint16_t len = (uint16_t)(12 + padded + (type2 != 0xff ? padded : 0));
	uint8_t *ch = sh + 12;

	p_ipv4(ip, &s, len);
	memset(sh, 0, len);
	sh[0] = (uint8_t)(sport >> 8), sh[1] = (uint8_t)sport;
	sh[2] = (uint8_t)(dport >> 8), sh[3] = (uint8_t)dport;
	sh[4] = 0x11, sh[5] = 0x22, sh[6] = 0x33, sh[7] = 0x44;
	for (int k = 0; k < (type2 != 0xff ? 2 : 1); k++, ch += padded) {
		ch[0] = k ? type2 : type;
		ch[2] = (uint8_t)(clen >> 8), ch[3] = (uint8_t)clen;
		for (uint16_t i = 0; i < blen; i++)
			ch[4 + i] = (uint8_t)(i * 13 + 5);
	}
	p_sctp_crc(sh, len, sh + 8);
	if (bad)
		sh[8] ^= 0x01;
	return off + sizeof(*ip) + len;
}

/* An ICMP message (type, code, 4 bytes of rest) from src to dst quoting
 * the IP packet q of qlen bytes, in a frame to the port src is on. */
static inline size_t p_icmp_frame(uint8_t *f, const char *src, const char *dst, uint8_t type,
				  uint8_t code, uint32_t rest_be, const uint8_t *q, uint16_t qlen)
{
	uint16_t port = p_port_of(src);
	size_t off = p_eth(f, &p_mac[port], p_src_mac(src), RTE_ETHER_TYPE_IPV4);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f + off);
	struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)(ip + 1);
	struct p_l4 s = { .proto = IPPROTO_ICMP, .src = src, .dst = dst, .df = -1 };

	p_ipv4(ip, &s, (uint16_t)(sizeof(*ic) + qlen));
	memset(ic, 0, sizeof(*ic));
	ic->icmp_type = type;
	ic->icmp_code = code;
	memcpy(&ic->icmp_ident, &rest_be, 4);
	memcpy(ic + 1, q, qlen);
	ic->icmp_cksum = (uint16_t)~rte_raw_cksum(ic, sizeof(*ic) + qlen);
	return off + sizeof(*ip) + sizeof(*ic) + qlen;
}

/* An echo request from src to dst (data: 16 bytes). */
static inline size_t p_echo_frame(uint8_t *f, const char *src, const char *dst)
{
	uint8_t data[16];

	for (unsigned i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)i;
	return p_icmp_frame(f, src, dst, RTE_IP_ICMP_ECHO_REQUEST, 0, htonl(0x42420001), data,
			    sizeof(data));
}

/* An ARP request from (sha, sip) for tip, broadcast. */
static inline size_t p_arp_frame(uint8_t *f, const struct rte_ether_addr *sha, const char *sip,
				 const char *tip)
{
	size_t off = p_eth(f, &bcast_mac, sha, RTE_ETHER_TYPE_ARP);
	struct rte_arp_hdr *a = (struct rte_arp_hdr *)(f + off);

	memset(a, 0, sizeof(*a));
	a->arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
	a->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	a->arp_hlen = 6;
	a->arp_plen = 4;
	a->arp_opcode = RTE_BE16(RTE_ARP_OP_REQUEST);
	a->arp_data.arp_sha = *sha;
	a->arp_data.arp_sip = p_ip(sip);
	a->arp_data.arp_tip = p_ip(tip);
	/* padded to the Ethernet minimum, as on the wire */
	memset(f + off + sizeof(*a), 0, 60 - off - sizeof(*a));
	return 60;
}

/* The IP header of the frame at f. */
static inline struct rte_ipv4_hdr *p_iph(uint8_t *f)
{
	return (struct rte_ipv4_hdr *)(f + sizeof(struct rte_ether_hdr));
}

/* After a change to the header at f: its checksum again. */
static inline void p_fix_ip(uint8_t *f)
{
	struct rte_ipv4_hdr *ip = p_iph(f);

	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}

#endif /* DPVS_PATH_TEST_ENV_H */
