/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xmit_nat: NAT (-m), LVS's masquerading.
 *
 * Client packets (in) have their destination VIP:vport rewritten to the
 * real server's RIP:rport and leave towards it; the real server's replies
 * (out), which must route back through us, get their source rewritten to
 * VIP:vport and leave towards the client. Both rewrites read the other
 * direction's node of the conn: the out node's source is RIP:rport, the
 * in node's destination VIP:vport.
 */
#ifndef DPVS_IPVS_XMIT_NAT_H
#define DPVS_IPVS_XMIT_NAT_H

#include "ipvs/xmit.h"

/* m: data at the IPv4 header (l3_len set), of conn c in direction dir.
 * Consumes m. */
static inline void xmit_nat(struct worker *w, struct ipvs_conn *c, enum ipvs_dir dir,
			    struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	uint8_t *l4 = (uint8_t *)ip + m->l3_len;
	uint32_t l4len = rte_pktmbuf_data_len(m) - m->l3_len;
	bool in = dir == IPVS_DIR_IN;
	struct ipvs_egress *eg = in ? &c->eg_in : &c->eg_out;
	/* in: to the real server; out: back to the client, from the VIP */
	uint32_t addr = in ? c->out.saddr : c->in.daddr;
	uint16_t port = in ? c->out.sport : c->in.dport;
	struct inet_egress e;
	uint16_t mtu;
	int how;

	if (unlikely(ip->time_to_live <= 1)) {
		dp_drop(w, m->port, DPVS_DROP_IP_TTL, m);
		return;
	}
	how = xmit_egress(w, c, dir, eg, in ? addr : ip->dst_addr, m, &e, &mtu);
	if (how < 0)
		return;
	if (unlikely(m->pkt_len > mtu) && ipvs_xmit_too_big(w, m, mtu))
		return;

	uint32_t old = in ? ip->dst_addr : ip->src_addr;

	/* a SYN proxy's conn: the two legs' sequence numbers (one flag
	 * test for every other NAT packet) */
	if (unlikely(c->c_flags & IPVS_CONN_F_SYNPROXY))
		ipvs_synp_xlate(c, dir, (struct rte_tcp_hdr *)(void *)l4);

	xmit_l4_addr_port(ip->next_proto_id, l4, l4len, !in, old, addr, port);
	xmit_ip_ttl_addr(ip, !in, addr);
	xmit_send(w, eg, how, mtu, m);
}

#endif /* DPVS_IPVS_XMIT_NAT_H */
