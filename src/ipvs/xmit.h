/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xmit: the rewrite and checksum toolkit every forwarding mode is built
 * on, and the way out by a connection's cached egress.
 *
 * Rewrites update checksums incrementally (RFC 1624 eq. 3, with
 * inet/csum.h): a rewrite touches a few words, so its cost does not grow
 * with the payload. Each update folds once: TTL and an address together
 * in the IPv4 header, an address and a port together in TCP/UDP. A UDP
 * checksum of zero means "none" and stays zero; a computed zero is sent
 * as 0xffff.
 *
 * The way out: a conn remembers, per direction, the port, the MACs and
 * the egress generation (struct ipvs_egress). While the generation holds,
 * a packet gets its Ethernet header back in place (the received one is
 * still in the headroom: only its addresses change) and is queued: no
 * route, no neighbour lookup. Otherwise ipvs_xmit_resolve() (xmit.c)
 * looks both up once and refreshes the cache.
 *
 * One file per mode (xmit_nat.h, xmit_dr.h, xmit_tun.h, xmit_fnat.h)
 * holds a static inline transmit function; xmit_conn.h switches on the
 * conn's mode into it.
 */
#ifndef DPVS_IPVS_XMIT_H
#define DPVS_IPVS_XMIT_H

#include <stddef.h>
#include <string.h>
#include <netinet/in.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "inet/csum.h"
#include "inet/inet.h"
#include "ipvs/ipvs_priv.h"
#include "netif/netif.h"

/* ---- checksums ---- */

/* ~m + m' for a 32-bit field added to a 64-bit accumulator of RFC 1624
 * eq. 3 summands (32-bit words sum as their 16-bit halves do, once
 * folded: csum_fold64). */
static inline uint64_t csum_acc32(uint64_t acc, uint32_t old_val, uint32_t new_val)
{
	return acc + (uint32_t)~old_val + new_val;
}

/* The IPv4 header after TTL - 1 and one address (src or dst) replaced:
 * one checksum update for both. The caller checked TTL > 1. */
static inline void xmit_ip_ttl_addr(struct rte_ipv4_hdr *ip, bool src, uint32_t addr)
{
	uint32_t old = src ? ip->src_addr : ip->dst_addr;
	/* TTL shares its 16-bit word with the protocol byte: one less TTL is
	 * that word minus 0x0100 (network order), whatever the values:
	 * ~m + m' == ~0x0100 in one's complement */
	uint64_t acc = (uint64_t)(uint16_t)~ip->hdr_checksum + (uint16_t)~RTE_BE16(0x0100);

	ip->time_to_live--;
	acc = csum_acc32(acc, old, addr);
	if (src)
		ip->src_addr = addr;
	else
		ip->dst_addr = addr;
	ip->hdr_checksum = (uint16_t)~csum_fold64(acc);
}

/* One address of the IPv4 header replaced (no TTL change). */
static inline void xmit_ip_addr(struct rte_ipv4_hdr *ip, bool src, uint32_t addr)
{
	uint32_t old = src ? ip->src_addr : ip->dst_addr;

	ip->hdr_checksum = (uint16_t)~csum_fold64(csum_acc32((uint16_t)~ip->hdr_checksum, old, addr));
	if (src)
		ip->src_addr = addr;
	else
		ip->dst_addr = addr;
}

/* Both addresses of the IPv4 header replaced, and TTL - 1 when ttl (the
 * caller checked TTL > 1): one checksum update for all (Full-NAT). */
static inline void xmit_ip_addrs(struct rte_ipv4_hdr *ip, bool ttl, uint32_t saddr,
				 uint32_t daddr)
{
	uint64_t acc = (uint16_t)~ip->hdr_checksum;

	if (ttl) {
		/* as in xmit_ip_ttl_addr: the TTL's word less 0x0100 */
		acc += (uint16_t)~RTE_BE16(0x0100);
		ip->time_to_live--;
	}
	acc = csum_acc32(acc, ip->src_addr, saddr);
	acc = csum_acc32(acc, ip->dst_addr, daddr);
	ip->src_addr = saddr;
	ip->dst_addr = daddr;
	ip->hdr_checksum = (uint16_t)~csum_fold64(acc);
}

/* The TCP/UDP checksum after both addresses of the pseudo header and both
 * ports changed (Full-NAT), in one fold: the two ports are one 32-bit
 * word. l4len as in xmit_l4_addr_port (a quoted header cut short keeps
 * its checksum); the ports are rewritten here, the addresses are the
 * caller's. Ports in network order. */
static inline void xmit_l4_addrs_ports(uint8_t proto, uint8_t *l4, uint32_t l4len,
				       uint32_t old_saddr, uint32_t old_daddr, uint32_t saddr,
				       uint32_t daddr, uint16_t sport, uint16_t dport)
{
	unaligned_uint16_t *csump = NULL;
	bool udp = proto == IPPROTO_UDP;
	uint32_t old_ports, ports;
	uint16_t p[2] = { sport, dport };

	memcpy(&old_ports, l4, sizeof(old_ports));
	memcpy(&ports, p, sizeof(ports));
	if (!udp && l4len >= offsetof(struct rte_tcp_hdr, cksum) + 2)
		csump = (unaligned_uint16_t *)(l4 + offsetof(struct rte_tcp_hdr, cksum));
	else if (udp && l4len >= sizeof(struct rte_udp_hdr))
		csump = (unaligned_uint16_t *)(l4 + offsetof(struct rte_udp_hdr, dgram_cksum));
	if (csump && !(udp && *csump == 0)) {
		uint64_t acc = csum_acc32((uint16_t)~*csump, old_saddr, saddr);

		acc = csum_acc32(acc, old_daddr, daddr);
		acc = csum_acc32(acc, old_ports, ports);
		uint16_t sum = (uint16_t)~csum_fold64(acc);

		if (udp && sum == 0)
			sum = 0xffff; /* zero would mean "no checksum" */
		*csump = sum;
	}
	memcpy(l4, &ports, sizeof(ports));
}

/* The TCP/UDP checksum after an address of the pseudo header and the
 * port beside it changed (src: source address and port, else the
 * destination's). l4len: bytes of the L4 header present (a header quoted
 * in an ICMP error may be cut short: its checksum is then left alone).
 * Ports are rewritten here; the IPv4 address is the caller's. */
static inline void xmit_l4_addr_port(uint8_t proto, uint8_t *l4, uint32_t l4len, bool src,
				     uint32_t old_addr, uint32_t addr, uint16_t port)
{
	unaligned_uint16_t *portp = (unaligned_uint16_t *)(l4 + (src ? 0 : 2));
	unaligned_uint16_t *csump = NULL;
	bool udp = proto == IPPROTO_UDP;

	if (!udp && l4len >= offsetof(struct rte_tcp_hdr, cksum) + 2)
		csump = (unaligned_uint16_t *)(l4 + offsetof(struct rte_tcp_hdr, cksum));
	else if (udp && l4len >= sizeof(struct rte_udp_hdr))
		csump = (unaligned_uint16_t *)(l4 + offsetof(struct rte_udp_hdr, dgram_cksum));
	if (csump && !(udp && *csump == 0)) {
		uint64_t acc = csum_acc32((uint16_t)~*csump, old_addr, addr);

		acc += (uint16_t)~*portp;
		acc += port;
		uint16_t sum = (uint16_t)~csum_fold64(acc);

		if (udp && sum == 0)
			sum = 0xffff; /* zero would mean "no checksum" */
		*csump = sum;
	}
	*portp = port;
}

/* ---- the way out ---- */

/* c's egress in direction dir, towards dst_be, is stale (a new conn, or a
 * route or neighbour changed). 1: it is valid now (towards the real
 * server, the dest's src is too); 0: the next hop is not resolved (send
 * the rewritten packet by ipv4_output or inet_output_via, which ask and
 * queue), *e set but for its MAC; -1: m was dropped (no route). Out of
 * line: once per conn and change (xmit.c). */
int ipvs_xmit_resolve(struct worker *w, struct ipvs_conn *c, enum ipvs_dir dir, uint32_t gen,
		      uint32_t dst_be, struct rte_mbuf *m, struct inet_egress *e);

/* m exceeds the egress mtu: with DF the sender gets ICMP "fragmentation
 * needed" and m is dropped (ip-too-big): true. Without DF: false, the
 * caller rewrites and sends it by ipv4_fragment_forward. Checked before
 * the rewrite, so the ICMP quotes the packet as the sender sent it. */
bool ipvs_xmit_too_big(struct worker *w, struct rte_mbuf *m, uint16_t mtu);

/* The next hop's MAC as inet passes it (6 bytes in order in a word). */
static inline uint64_t egress_dst_mac(const struct ipvs_egress *eg)
{
	uint64_t mac = 0;

	memcpy(&mac, eg->dst.addr_bytes, RTE_ETHER_ADDR_LEN);
	return mac;
}

/* Queues m (data at its rewritten IPv4 header) by the cached egress: the
 * Ethernet header goes back into the headroom it came from. */
static inline void xmit_by_egress(struct worker *w, const struct ipvs_egress *eg,
				  struct rte_mbuf *m)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, sizeof(*eth));

	if (unlikely(!eth)) {
		dp_drop(w, m->port, DPVS_DROP_NO_MBUF, m);
		return;
	}
	memcpy(eth, eg, 2 * RTE_ETHER_ADDR_LEN); /* dst, src */
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	m->l2_len = sizeof(*eth);
	dp_forward(w, eg->port_idx, m);
}

/* The way of c's packets in direction dir (towards dst_be), from the
 * conn's cache eg (its egress of that direction) or resolved now: 1: by
 * eg; 0: not resolved yet, *e says the port and next hop; -1: m was
 * dropped (no route). *mtu: the egress's. */
static inline int xmit_egress(struct worker *w, struct ipvs_conn *c, enum ipvs_dir dir,
			      const struct ipvs_egress *eg, uint32_t dst_be, struct rte_mbuf *m,
			      struct inet_egress *e, uint16_t *mtu)
{
	uint32_t gen = inet_egress_gen();
	int how = 1;

	if (unlikely(eg->gen != gen)) {
		how = ipvs_xmit_resolve(w, c, dir, gen, dst_be, m, e);
		if (how < 0)
			return how;
	}
	*mtu = how ? eg->mtu : e->mtu;
	return how;
}

/* Sends m (its IPv4 header final) by egress eg when how (xmit_egress's
 * 1), in fragments when it exceeds mtu (DF clear: checked before), else
 * through the stack, which resolves the next hop and queues. */
static inline void xmit_send(struct worker *w, const struct ipvs_egress *eg, int how,
			     uint16_t mtu, struct rte_mbuf *m)
{
	if (likely(how && m->pkt_len <= mtu))
		xmit_by_egress(w, eg, m);
	else if (how)
		ipv4_fragment_forward(w, eg->port_idx, egress_dst_mac(eg), m, mtu);
	else
		ipv4_output(w, m);
}

#endif /* DPVS_IPVS_XMIT_H */
