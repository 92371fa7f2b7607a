/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * proto_icmp: ICMP errors about balanced connections (destination
 * unreachable, fragmentation needed, time exceeded, ...).
 *
 * An error quotes the IP header and the first bytes of the packet that
 * caused it. When that packet belongs to a connection, the error must
 * reach the other side translated, or the client never learns of a
 * closed port or a smaller path MTU:
 *   - the real server side (the RS or a router towards it) quotes a
 *     packet we sent client -> RIP: the error goes to the client, the
 *     quoted destination becomes VIP:vport again and the error comes
 *     from the VIP;
 *   - the client side quotes a reply we sent VIP -> client: the error goes
 *     to the real server, the quoted source becomes RIP:rport.
 * The quoted packet is looked up with its tuple reversed: that is the
 * tuple of a packet of the same connection in the other direction. The
 * inner IP and L4 checksums are updated incrementally, the ICMP checksum
 * is computed again over the whole message. A quoted SCTP packet gets
 * its port back but keeps its CRC32c, which covers bytes the error cut
 * off (as LVS's ip_vs_nat_icmp: SCTP matches an error by its ports and
 * verification tag).
 *
 * Full-NAT changes both ends of each packet: so does its error
 * (icmp_fnat).
 *
 * TUN: a router on the tunnel's path that finds our encapsulated packet
 * too big tells us (the outer source) the MTU; the client must learn it,
 * less the encapsulation, or its large segments vanish (icmp_tunnel, as
 * LVS's ip_vs_in_icmp does for its tunnels).
 *
 * DR and TUN: the real server sends from the VIP itself, so an error
 * about its reply (a router on the client's path telling the VIP the
 * path MTU) reaches us, the VIP's owner, and belongs to the real server:
 * it goes there unchanged, the way the conn's packets go (MAC rewrite or
 * tunnel), as LVS's ip_vs_icmp_xmit hands it to the conn's transmitter.
 */
#include <netinet/in.h>
#include <rte_icmp.h>
#include <rte_ip.h>

#include "ipvs/xmit_conn.h"

#define ICMP_DEST_UNREACH 3
#define ICMP_SOURCE_QUENCH 4
#define ICMP_TIME_EXCEEDED 11
#define ICMP_PARAMETERPROB 12
#define ICMP_FRAG_NEEDED 4 /* code of ICMP_DEST_UNREACH */

/* The quoted L4 header's port (src: the source's) and the address
 * beside it become addr:port, its checksum following where it can. */
static void quoted_addr_port(uint8_t proto, uint8_t *l4, uint32_t quoted, bool src,
			     uint32_t old_addr, uint32_t addr, uint16_t port)
{
	if (proto == IPPROTO_SCTP)
		memcpy(l4 + (src ? 0 : 2), &port, sizeof(port));
	else
		xmit_l4_addr_port(proto, l4, quoted, src, old_addr, addr, port);
}

static bool icmp_is_error(uint8_t type)
{
	return type == ICMP_DEST_UNREACH || type == ICMP_SOURCE_QUENCH ||
	       type == ICMP_TIME_EXCEEDED || type == ICMP_PARAMETERPROB;
}

/*
 * Full-NAT: both ends of the quoted packet and of the error change.
 *  - about LIP:lport -> RIP:rport (from the real server's side, to the
 *    LIP; found by the out node): the client gets it from the VIP, quoting
 *    client:cport -> VIP:vport as it sent it;
 *  - about VIP:vport -> client:cport (from the client's side, to the VIP;
 *    found by the in node): the real server gets it from the LIP, quoting
 *    RIP:rport -> LIP:lport as it sent it.
 */
static void icmp_fnat(const struct ipvs_conn *c, enum ipvs_dir dir, struct rte_ipv4_hdr *ip,
		      struct rte_ipv4_hdr *in_ip, uint8_t *in_l4, uint32_t quoted)
{
	const struct ipvs_conn_node *in = &c->in, *out = &c->out;
	bool to_client = dir == IPVS_DIR_OUT;
	/* the quoted packet as its sender sent it, and the error's ends */
	uint32_t qs = to_client ? in->saddr : out->saddr, qd = to_client ? in->daddr : out->daddr;
	uint16_t qsp = to_client ? in->sport : out->sport, qdp = to_client ? in->dport : out->dport;

	xmit_l4_addrs_ports(in_ip->next_proto_id, in_l4, quoted, in_ip->src_addr, in_ip->dst_addr,
			    qs, qd, qsp, qdp);
	xmit_ip_addrs(in_ip, false, qs, qd);
	xmit_ip_addrs(ip, true, qd, qs);
}

/* The ICMP message's own checksum (over len bytes from offset hl) is right. */
static inline bool icmp_sum_ok(const struct rte_mbuf *m, uint32_t hl, uint32_t len)
{
	uint16_t sum;

	return rte_raw_cksum_mbuf(m, hl, len, &sum) == 0 && sum == 0xffff;
}

/*
 * "Fragmentation needed" about a packet we tunnelled, whose client's
 * packet starts off bytes into the quote at in_ip: the message becomes
 * the client's, in place: from the VIP, quoting the client's packet (the
 * outer headers cut out), next-hop MTU less those off bytes. False when it
 * is not about a TUN conn of ours (the caller goes on).
 */
static bool icmp_tunnel(struct worker *w, struct ipvs_worker *iw, uint16_t port_idx,
			struct rte_mbuf *m, uint32_t dlen, struct rte_icmp_hdr *icmp,
			struct rte_ipv4_hdr *in_ip, uint32_t off)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	uint32_t hl = m->l3_len, quoted = dlen - hl - sizeof(*icmp);
	struct rte_ipv4_hdr *inner = (struct rte_ipv4_hdr *)(void *)((uint8_t *)in_ip + off);
	const uint8_t *il4 = (const uint8_t *)inner + rte_ipv4_hdr_len(inner);
	uint16_t mtu = rte_be_to_cpu_16(icmp->icmp_seq_nb), len;
	struct ipvs_conn_node *n;
	struct ipvs_conn *c;

	if (inner->next_proto_id != IPPROTO_TCP && inner->next_proto_id != IPPROTO_UDP &&
	    inner->next_proto_id != IPPROTO_SCTP)
		return false;
	n = ipvs_conn_lookup(iw, inner->next_proto_id, inner->src_addr, inner->dst_addr,
			     *(const uint16_t *)(const void *)il4,
			     *(const uint16_t *)(const void *)(il4 + 2));
	if (!n || ipvs_node_dir(n) != IPVS_DIR_IN)
		return false;
	c = ipvs_conn_of(n);
	if (c->c_fwd != DPVS_FWD_TUNNEL)
		return false;
	if (!icmp_sum_ok(m, hl, dlen - hl) || !rte_pktmbuf_is_contiguous(m) || mtu < off + 68) {
		/* a broken message, or an MTU no IPv4 link may have (RFC 791) */
		dp_drop(w, port_idx, DPVS_DROP_ICMP_BAD, m);
		return true;
	}
	memmove(in_ip, inner, quoted - off);
	len = (uint16_t)(dlen - off);
	m->data_len = len;
	m->pkt_len = len;
	icmp->icmp_ident = 0;
	icmp->icmp_seq_nb = rte_cpu_to_be_16((uint16_t)(mtu - off));
	icmp->icmp_cksum = 0;
	icmp->icmp_cksum = (uint16_t)~rte_raw_cksum(icmp, len - hl);
	/* ours now: from the VIP the client sent to */
	ip->total_length = rte_cpu_to_be_16(len);
	ip->src_addr = c->in.daddr;
	ip->dst_addr = c->in.saddr;
	ip->time_to_live = 64; /* a message of ours, as inet sends them */
	ip->fragment_offset = 0;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	ipvs_count(iw, c, IPVS_DIR_OUT, m->pkt_len);
	ipv4_output(w, m);
	return true;
}

enum inet_verdict ipvs_icmp_in(struct worker *w, struct ipvs_worker *iw, uint16_t port_idx,
			       struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	uint32_t hl = m->l3_len;
	uint32_t tot = rte_be_to_cpu_16(ip->total_length);
	/* what the first segment holds of the datagram (not link padding) */
	uint32_t dlen = RTE_MIN((uint32_t)rte_pktmbuf_data_len(m), tot);
	uint32_t icmp_len = tot - hl;
	struct rte_icmp_hdr *icmp;
	struct rte_ipv4_hdr *in_ip;
	uint32_t in_hl, quoted;
	uint8_t *in_l4;
	struct ipvs_conn_node *n;
	struct ipvs_conn *c;
	enum ipvs_dir dir;
	uint16_t sum;

	/* ICMP header, quoted IPv4 header, 8 quoted bytes: all in one segment */
	if (dlen < hl + sizeof(*icmp) + sizeof(*in_ip) + 8)
		return INET_ACCEPT;
	icmp = (struct rte_icmp_hdr *)(void *)((uint8_t *)ip + hl);
	if (!icmp_is_error(icmp->icmp_type))
		return INET_ACCEPT;
	in_ip = (struct rte_ipv4_hdr *)(void *)(icmp + 1);
	in_hl = rte_ipv4_hdr_len(in_ip);
	if ((in_ip->version_ihl >> 4) != 4 || in_hl < sizeof(*in_ip) ||
	    dlen < hl + sizeof(*icmp) + in_hl + 8)
		return INET_ACCEPT;
	if (icmp->icmp_type == ICMP_DEST_UNREACH && icmp->icmp_code == ICMP_FRAG_NEEDED &&
	    inet_addr_local_flags(in_ip->src_addr) >= 0) {
		uint32_t off = ipvs_tun_quoted_inner((const uint8_t *)in_ip,
						     dlen - hl - (uint32_t)sizeof(*icmp));

		if (off && icmp_tunnel(w, iw, port_idx, m, dlen, icmp, in_ip, off))
			return INET_STOLEN;
	}
	if (in_ip->next_proto_id != IPPROTO_TCP && in_ip->next_proto_id != IPPROTO_UDP &&
	    in_ip->next_proto_id != IPPROTO_SCTP)
		return INET_ACCEPT;
	in_l4 = (uint8_t *)in_ip + in_hl;
	quoted = dlen - (hl + sizeof(*icmp) + in_hl);

	/* reversed: the quoted packet's tuple seen from the other side */
	n = ipvs_conn_lookup(iw, in_ip->next_proto_id, in_ip->dst_addr, in_ip->src_addr,
			     *(uint16_t *)(void *)(in_l4 + 2), *(uint16_t *)(void *)in_l4);
	if (!n)
		return INET_ACCEPT;
	c = ipvs_conn_of(n);
	dir = ipvs_node_dir(n);

	if (!icmp_sum_ok(m, hl, icmp_len)) {
		dp_drop(w, port_idx, DPVS_DROP_ICMP_BAD, m);
		return INET_STOLEN;
	}
	if (conn_nooutput(c)) {
		ipvs_count(iw, c, dir, m->pkt_len);
		conn_xmit(w, c, dir, m);
		return INET_STOLEN;
	}
	if (ip->time_to_live <= 1) {
		dp_drop(w, port_idx, DPVS_DROP_IP_TTL, m);
		return INET_STOLEN;
	}
	if (c->c_fwd == DPVS_FWD_FULLNAT) {
		icmp_fnat(c, dir, ip, in_ip, in_l4, quoted);
	} else if (dir == IPVS_DIR_OUT) {
		/* about client -> RIP: to the client, as if from the VIP */
		const struct ipvs_conn_node *in = &c->in;

		quoted_addr_port(in_ip->next_proto_id, in_l4, quoted, false, in_ip->dst_addr,
				 in->daddr, in->dport);
		xmit_ip_addr(in_ip, false, in->daddr);
		xmit_ip_ttl_addr(ip, true, in->daddr);
	} else {
		/* about VIP -> client: to the real server */
		const struct ipvs_conn_node *out = &c->out;

		quoted_addr_port(in_ip->next_proto_id, in_l4, quoted, true, in_ip->src_addr,
				 out->saddr, out->sport);
		xmit_ip_addr(in_ip, true, out->saddr);
		xmit_ip_ttl_addr(ip, false, out->saddr);
	}
	icmp->icmp_cksum = 0;
	if (rte_raw_cksum_mbuf(m, hl, icmp_len, &sum) < 0)
		sum = 0;
	icmp->icmp_cksum = (uint16_t)~sum;
	/* counted against the conn, in the direction it travels */
	ipvs_count(iw, c, dir, m->pkt_len);
	ipv4_output(w, m);
	return INET_STOLEN;
}
