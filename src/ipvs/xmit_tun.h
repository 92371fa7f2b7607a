/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xmit_tun: TUN (-i), LVS's IP tunnelling.
 *
 * The client's packet, untouched, travels inside a new IPv4 packet from
 * the balancer to the real server, which takes the outer header off and
 * answers the client directly from the VIP it holds (no reply passes us:
 * only the in direction exists). The real server may be anywhere a route
 * reaches, across routers.
 *
 * The outer header, as Linux's ip_vs_tunnel_xmit() writes it:
 *   - source: the balancer's address on the way out (the route's
 *     preferred source, else the egress port's address in the next hop's
 *     subnet; inet_egress_lookup), destination: the real server;
 *   - DF copied from the inner header; TOS the inner's, with CE turned
 *     into ECT(0) (INET_ECN_encapsulate); TTL the inner's (Linux's
 *     ip_vs_prepare_tunneled_skb copies it: the tunnel is one hop of the
 *     client's path, not a new path);
 *   - id 0 with DF (a packet that is never fragmented needs none, as
 *     Linux's ip_select_ident), else a counter per worker and dest (Linux:
 *     one per hash of the addresses);
 *   - protocol: 4 (IPIP), or per --tun-type:
 *       gue: UDP to --tun-port from a source port hashed from the inner
 *            flow in 32768..60999 (udp_flow_src_port), then the 4-byte
 *            GUE header (version 0, no options, proto_ctype 4); UDP
 *            checksum 0 (--tun-nocsum) or computed (--tun-csum, and
 *            --tun-remcsum: Linux adds the remote-checksum option only
 *            for packets whose checksum is still to be done, never for
 *            forwarded ones, so on the wire it is --tun-csum);
 *       gre: 4-byte GRE header (version 0, protocol 0x0800), or 8 with
 *            the checksum present (C bit, --tun-csum) over the GRE header
 *            and the inner packet.
 *
 * Too big: when inner + encapsulation exceed the egress MTU, a packet
 * with DF gets the client an ICMP "fragmentation needed" whose next-hop
 * MTU is the egress MTU less the encapsulation (the path MTU through the
 * tunnel), and is dropped (ip-too-big); one without DF is encapsulated
 * with DF clear and the outer packet is fragmented (the real server's
 * stack reassembles it before taking the outer header off), as Linux
 * does. An egress MTU that leaves less than 68 bytes inside is a drop
 * (ip-too-big) either way.
 */
#ifndef DPVS_IPVS_XMIT_TUN_H
#define DPVS_IPVS_XMIT_TUN_H

#include <rte_hash_crc.h>

#include "ipvs/xmit.h"

#define TUN_GUE_HDR_LEN 4
#define TUN_GRE_HDR_LEN 4
#define TUN_GRE_CSUM_LEN 4
#define TUN_GRE_F_CSUM 0x8000 /* GRE's C bit, host order */
#define TUN_MIN_INNER_MTU 68  /* RFC 791: every link carries 68 bytes */
/* Linux's default ip_local_port_range, whence GUE's source ports */
#define TUN_GUE_SPORT_MIN 32768u
#define TUN_GUE_SPORT_MAX 60999u

#ifndef IPPROTO_GRE
#define IPPROTO_GRE 47
#endif

/* Bytes put in front of the inner packet (the outer IPv4 header included). */
static inline uint16_t tun_encap_len(const struct ipvs_snap_tun *t)
{
	switch (t->type) {
	case DPVS_TUN_GUE:
		return sizeof(struct rte_ipv4_hdr) + sizeof(struct rte_udp_hdr) + TUN_GUE_HDR_LEN;
	case DPVS_TUN_GRE:
		return sizeof(struct rte_ipv4_hdr) + TUN_GRE_HDR_LEN +
		       ((t->flags & DPVS_TUN_F_CSUM) ? TUN_GRE_CSUM_LEN : 0);
	default:
		return sizeof(struct rte_ipv4_hdr);
	}
}

/* GUE's UDP source port: the inner flow's hash, so a flow keeps one port
 * and the flows spread over the real server's receive queues. */
static inline uint16_t tun_gue_sport(const struct ipvs_conn *c)
{
	const struct ipvs_conn_node *n = &c->in;
	uint32_t h = rte_hash_crc_4byte(n->saddr, n->proto);

	h = rte_hash_crc_4byte(n->daddr, h);
	h = rte_hash_crc_4byte(((uint32_t)n->sport << 16) | n->dport, h);
	h ^= h << 16;
	return (uint16_t)(TUN_GUE_SPORT_MIN +
			  (((uint64_t)h * (TUN_GUE_SPORT_MAX - TUN_GUE_SPORT_MIN + 1)) >> 32));
}

/* The outer header's checksum (its field zero): five 32-bit words, no
 * options, instead of rte_raw_cksum's loop (about 50 instructions less a
 * packet, test/bench/instr.sh). */
static inline uint16_t tun_outer_csum(const struct rte_ipv4_hdr *oip)
{
	uint32_t w[5];

	memcpy(w, oip, sizeof(w));
	return (uint16_t)~csum_fold64((uint64_t)w[0] + w[1] + w[2] + w[3] + w[4]);
}

/* The one's complement sum (folded) of m's bytes from off to the end. */
static inline uint16_t tun_sum_from(const struct rte_mbuf *m, uint32_t off)
{
	uint16_t sum = 0;

	if (rte_raw_cksum_mbuf(m, off, m->pkt_len - off, &sum) < 0)
		return 0;
	return sum;
}

/* The headers between the outer IPv4 header and the inner packet (at hdr,
 * len bytes in all from the outer header's end); the outer protocol. */
static inline uint8_t tun_write_inner_hdrs(const struct ipvs_conn *c, const struct ipvs_snap_tun *t,
					   uint8_t *hdr, uint32_t len)
{
	if (t->type == DPVS_TUN_GUE) {
		struct rte_udp_hdr *u = (struct rte_udp_hdr *)hdr;
		uint8_t *gue = hdr + sizeof(*u);

		u->src_port = rte_cpu_to_be_16(tun_gue_sport(c));
		u->dst_port = t->port;
		u->dgram_len = rte_cpu_to_be_16((uint16_t)len);
		u->dgram_cksum = 0;
		gue[0] = 0;            /* version 0, C 0, hlen 0: no options */
		gue[1] = IPPROTO_IPIP; /* proto_ctype: what follows */
		gue[2] = gue[3] = 0;   /* flags */
		return IPPROTO_UDP;
	}
	if (t->type == DPVS_TUN_GRE) {
		unaligned_uint16_t *g = (unaligned_uint16_t *)hdr;

		g[0] = rte_cpu_to_be_16((t->flags & DPVS_TUN_F_CSUM) ? TUN_GRE_F_CSUM : 0);
		g[1] = RTE_BE16(RTE_ETHER_TYPE_IPV4);
		if (t->flags & DPVS_TUN_F_CSUM)
			g[2] = g[3] = 0; /* checksum (filled later), reserved1 */
		return IPPROTO_GRE;
	}
	return IPPROTO_IPIP;
}

/* The checksums over the encapsulation and the inner packet, when the
 * tunnel type asks for one (the outer header is complete). */
static inline void tun_finish_csum(struct rte_mbuf *m, const struct ipvs_snap_tun *t,
				   const struct rte_ipv4_hdr *oip)
{
	const uint32_t off = sizeof(*oip);
	uint8_t *hdr = (uint8_t *)(uintptr_t)(oip + 1);

	if (!(t->flags & (DPVS_TUN_F_CSUM | DPVS_TUN_F_REMCSUM)))
		return;
	if (t->type == DPVS_TUN_GUE) {
		struct rte_udp_hdr *u = (struct rte_udp_hdr *)hdr;
		uint32_t sum = (uint32_t)csum_ipv4_pseudo(oip) + tun_sum_from(m, off);
		uint16_t ck = (uint16_t)~csum_fold(sum);

		u->dgram_cksum = ck ? ck : 0xffff; /* zero would mean "none" */
	} else if (t->type == DPVS_TUN_GRE && (t->flags & DPVS_TUN_F_CSUM)) {
		unaligned_uint16_t *g = (unaligned_uint16_t *)hdr;

		g[2] = (uint16_t)~tun_sum_from(m, off);
	}
}

/* m: a client's packet (data at the IPv4 header) of TUN conn c, or an
 * ICMP error about its flow. Consumes m. */
static inline void xmit_tun(struct worker *w, struct ipvs_conn *c, struct rte_mbuf *m)
{
	const struct ipvs_snap_tun *t = &ipvs_snap_get()->tun[c->dest_id];
	struct ipvs_worker *iw = ipvs_w(w);
	struct ipvs_dest_wstate *d = &iw->dest[c->dest_id];
	struct ipvs_egress *eg = &c->eg_in;
	uint16_t hlen = tun_encap_len(t);
	struct rte_ipv4_hdr *ip, *oip;
	struct inet_egress e;
	uint32_t src, inner_len;
	uint16_t mtu;
	uint8_t tos;
	int how = xmit_egress(w, c, IPVS_DIR_IN, &c->eg_in, c->out.saddr, m, &e, &mtu);

	if (how < 0)
		return;
	src = how ? d->src : e.src_be;
	if (unlikely(!src)) {
		dp_drop(w, m->port, DPVS_DROP_NO_SRC_ADDR, m);
		return;
	}
	inner_len = m->pkt_len;
	if (unlikely(inner_len + hlen > mtu)) {
		if (unlikely(mtu < hlen + TUN_MIN_INNER_MTU)) {
			dp_drop(w, m->port, DPVS_DROP_IP_TOO_BIG, m);
			return;
		}
		/* the path MTU through the tunnel */
		if (ipvs_xmit_too_big(w, m, (uint16_t)(mtu - hlen)))
			return;
	}
	ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	tos = ip->type_of_service;
	if ((tos & 0x3) == 0x3) /* CE: the outer says ECT(0) (RFC 6040) */
		tos = (uint8_t)((tos & ~0x3) | 0x2);
	oip = (struct rte_ipv4_hdr *)rte_pktmbuf_prepend(m, hlen);
	if (unlikely(!oip)) {
		dp_drop(w, m->port, DPVS_DROP_NO_MBUF, m);
		return;
	}
	oip->version_ihl = RTE_IPV4_VHL_DEF;
	oip->type_of_service = tos;
	oip->total_length = rte_cpu_to_be_16((uint16_t)(inner_len + hlen));
	oip->fragment_offset = ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_DF_FLAG);
	/* without DF: each worker counts from its own point of the 16-bit
	 * space, so two workers' packets to one real server rarely share an
	 * id while their fragments are in flight */
	oip->packet_id = oip->fragment_offset ? 0 :
			 rte_cpu_to_be_16((uint16_t)(d->ip_id++ + iw->index * 0x2000u));
	oip->time_to_live = ip->time_to_live;
	oip->src_addr = src;
	oip->dst_addr = c->out.saddr;
	oip->next_proto_id = tun_write_inner_hdrs(c, t, (uint8_t *)(oip + 1),
						  inner_len + hlen - (uint32_t)sizeof(*oip));
	oip->hdr_checksum = 0;
	oip->hdr_checksum = tun_outer_csum(oip);
	tun_finish_csum(m, t, oip);
	m->l3_len = sizeof(*oip);
	xmit_send(w, eg, how, mtu, m);
}

#endif /* DPVS_IPVS_XMIT_TUN_H */
