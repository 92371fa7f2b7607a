/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xmit_fnat: Full-NAT (-b), DPVS's mode for real servers that cannot (or
 * must not) route their replies back through the balancer.
 *
 * Both ends of a client's packet change: it leaves from one of the
 * service's local addresses and a local port (LIP:lport, chosen when the
 * conn was made: fnat.c) towards RIP:rport, so the real server answers
 * LIP:lport, an address of ours, whatever its routes. The reply
 * (RIP:rport -> LIP:lport, the conn's out tuple) leaves as VIP:vport ->
 * client. Every address and port of the conn is in its two nodes: the in
 * node is client:cport -> VIP:vport, the out node RIP:rport -> LIP:lport.
 *
 * One checksum update per header: the IPv4 header's for TTL and both
 * addresses, the L4 header's for both addresses and both ports
 * (xmit_ip_addrs, xmit_l4_addrs_ports). The client's address rides in
 * its first packets (TOA, UOA: fnat_caddr.h) while the conn is marked
 * IPVS_CONN_F_CADDR: one flag test for every other packet. A service
 * with the SYN proxy adds its sequence translation (synproxy.h), a second
 * flag test, as NAT's.
 */
#ifndef DPVS_IPVS_XMIT_FNAT_H
#define DPVS_IPVS_XMIT_FNAT_H

#include "ipvs/fnat_caddr.h"
#include "ipvs/xmit.h"

/* m: data at the IPv4 header (l3_len set), of Full-NAT conn c in
 * direction dir. Consumes m. */
static inline void xmit_fnat(struct worker *w, struct ipvs_conn *c, enum ipvs_dir dir,
			     struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	uint8_t *l4;
	uint32_t l4len;
	bool in = dir == IPVS_DIR_IN;
	struct ipvs_egress *eg = in ? &c->eg_in : &c->eg_out;
	/* in: LIP:lport -> RIP:rport; out: VIP:vport -> client:cport */
	uint32_t saddr = in ? c->out.daddr : c->in.daddr;
	uint32_t daddr = in ? c->out.saddr : c->in.saddr;
	uint16_t sport = in ? c->out.dport : c->in.dport;
	uint16_t dport = in ? c->out.sport : c->in.sport;
	struct inet_egress e;
	uint16_t mtu;
	int how;

	if (unlikely(ip->time_to_live <= 1)) {
		dp_drop(w, m->port, DPVS_DROP_IP_TTL, m);
		return;
	}
	how = xmit_egress(w, c, dir, eg, daddr, m, &e, &mtu);
	if (how < 0)
		return;
	if (unlikely(c->c_flags & IPVS_CONN_F_CADDR) &&
	    ipvs_fnat_caddr_wanted(c, in, (uint8_t *)ip + m->l3_len)) {
		if (ipvs_fnat_caddr(w, c, dir, m, mtu))
			return;
		ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *); /* it may have moved */
	}
	l4 = (uint8_t *)ip + m->l3_len;
	l4len = rte_pktmbuf_data_len(m) - m->l3_len;
	if (unlikely(m->pkt_len > mtu) && ipvs_xmit_too_big(w, m, mtu))
		return;
	/* behind the SYN proxy: the two legs' sequence numbers, on top of
	 * the addresses (one test of a byte of the out node, read above) */
	if (unlikely(conn_is_synproxy(c)))
		ipvs_synp_xlate(c, dir, (struct rte_tcp_hdr *)(void *)l4);
	xmit_l4_addrs_ports(ip->next_proto_id, l4, l4len, ip->src_addr, ip->dst_addr, saddr, daddr,
			    sport, dport);
	xmit_ip_addrs(ip, true, saddr, daddr);
	xmit_send(w, eg, how, mtu, m);
}

#endif /* DPVS_IPVS_XMIT_FNAT_H */
