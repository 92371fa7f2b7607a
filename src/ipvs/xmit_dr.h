/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xmit_dr: DR (-g), LVS's direct routing and ipvsadm's default mode.
 *
 * The real server holds the VIP itself (on lo, not answering ARP for it)
 * on a network the balancer is on, so the client's packet reaches it as
 * it came: only the Ethernet header changes, to the real server's MAC
 * from the port's. The IP header (TTL too: like LVS, the director sends
 * the packet as its own output, not as a routed hop), the L4 header and
 * the payload are untouched: no checksum changes. The real server answers
 * the client directly, from the VIP: no reply passes us, and the conn
 * has only its in direction.
 *
 * The next hop is the real server: the route to it is on-link (the dest
 * is refused otherwise, service.c), so the route lookup towards the RIP
 * gives the RIP itself, and the neighbour's MAC is cached in the conn's
 * egress like NAT's.
 */
#ifndef DPVS_IPVS_XMIT_DR_H
#define DPVS_IPVS_XMIT_DR_H

#include "ipvs/xmit.h"

/* m: a client's packet (data at the IPv4 header) of DR conn c. Consumes m. */
static inline void xmit_dr(struct worker *w, struct ipvs_conn *c, struct rte_mbuf *m)
{
	struct ipvs_egress *eg = &c->eg_in;
	struct inet_egress e;
	uint16_t mtu;
	int how = xmit_egress(w, c, IPVS_DIR_IN, &c->eg_in, c->out.saddr, m, &e, &mtu);

	if (how < 0)
		return;
	if (unlikely(m->pkt_len > mtu)) {
		/* DF: the client learns the path MTU; otherwise fragments,
		 * once the real server's MAC is known (as ipv4_output) */
		if (ipvs_xmit_too_big(w, m, mtu))
			return;
		if (how)
			ipv4_fragment_forward(w, eg->port_idx, egress_dst_mac(eg), m, mtu);
		else
			dp_drop(w, m->port, DPVS_DROP_IP_TOO_BIG, m);
		return;
	}
	if (likely(how))
		xmit_by_egress(w, eg, m);
	else
		inet_output_via(w, e.port_idx, e.nexthop_be, m); /* still the VIP's packet */
}

#endif /* DPVS_IPVS_XMIT_DR_H */
