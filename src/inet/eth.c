/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * eth: where every received frame enters the stack, and where the stack's
 * own packets get their Ethernet header on the way out.
 *
 * Input keeps what is addressed to us (our MAC, broadcast, multicast),
 * refuses frames with an impossible source, and dispatches on the
 * EtherType: ARP and IPv4 are ours to handle; IPv6 is refused (see
 * below); anything else (LLDP, VLAN tags we do not configure...) belongs
 * to the kernel behind the KNI.
 */
#include <rte_ether.h>

#include "inet/inet.h"
#include "inet/inet_priv.h"
#include "netif/netif.h"
#include "dp/dp.h"

void eth_input(struct worker *w, uint16_t port_idx, struct rte_mbuf *m)
{
	struct dp_port_counters *c = &w->cnt[port_idx];
	const struct dp_port *port = netif_port(port_idx);

	c->rx_packets++;
	c->rx_bytes += m->pkt_len;
	m->port = port_idx; /* from here on: where it came from (dp.h) */

	if (unlikely(rte_pktmbuf_data_len(m) < sizeof(struct rte_ether_hdr))) {
		dp_drop(w, port_idx, DPVS_DROP_L2_SHORT, m);
		return;
	}
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);

	/* A promiscuous port still is no bridge: unicast to others is not ours.
	 * Broadcast is a multicast address too. */
	if (unlikely(!rte_is_same_ether_addr(&eth->dst_addr, &port->mac) &&
		     !rte_is_multicast_ether_addr(&eth->dst_addr))) {
		dp_drop(w, port_idx, DPVS_DROP_L2_NOT_FOR_US, m);
		return;
	}
	if (unlikely(rte_is_multicast_ether_addr(&eth->src_addr))) {
		dp_drop(w, port_idx, DPVS_DROP_L2_BAD_SRC, m);
		return;
	}
	m->l2_len = sizeof(struct rte_ether_hdr);

	switch (eth->ether_type) {
	case RTE_BE16(RTE_ETHER_TYPE_IPV4):
		ipv4_input(w, port_idx, m);
		break;
	case RTE_BE16(RTE_ETHER_TYPE_ARP):
		arp_input(w, port_idx, m);
		break;
	case RTE_BE16(RTE_ETHER_TYPE_IPV6):
		/* IPv6 services can be configured (ipvsadm -A -t [v6]:port) but
		 * the data path does not forward IPv6 yet: a client's packet to
		 * a v6 VIP must be counted as that, not handed to a kernel that
		 * has no such service and would answer for it */
		dp_drop(w, port_idx, DPVS_DROP_IPV6_NOT_FORWARDED, m);
		break;
	default:
		if (port->kni_port_id != DP_PORT_NONE)
			dp_to_kni(w, port_idx, m);
		else
			dp_drop(w, port_idx, DPVS_DROP_L2_UNKNOWN_PROTO, m);
		break;
	}
}

bool eth_output(struct worker *w, uint16_t port_idx, struct rte_mbuf *m,
		const struct rte_ether_addr *dst, uint16_t ether_type)
{
	struct rte_ether_hdr *eth =
		(struct rte_ether_hdr *)rte_pktmbuf_prepend(m, sizeof(struct rte_ether_hdr));

	if (unlikely(!eth))
		return false;
	rte_ether_addr_copy(dst, &eth->dst_addr);
	rte_ether_addr_copy(&netif_port(port_idx)->mac, &eth->src_addr);
	eth->ether_type = rte_cpu_to_be_16(ether_type);
	m->l2_len = sizeof(struct rte_ether_hdr);
	dp_forward(w, port_idx, m);
	return true;
}
