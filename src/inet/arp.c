/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * arp: Ethernet/IPv4 ARP (RFC 826) on the data path.
 *
 * What an ARP packet does here:
 * - Learning, like Linux: the sender is added to the neighbour table when
 *   the packet is about one of our addresses, and refreshed when it is
 *   already known (which covers gratuitous ARP and replies to our
 *   requests; a reply also releases the packets that waited for it).
 * - A request for one of our addresses on this port is answered in place:
 *   the same mbuf turns into the reply (no allocation on the hot path).
 * - The kernel behind the KNI sees ARP too, so its own table stays warm
 *   and it can answer for addresses only it has (management addresses
 *   live on dpdk0.kni, not in the daemon). A request we answer is copied
 *   to it (except for VIPs, which the kernel does not know); every other
 *   valid ARP is handed over as is. Without a KNI, ARP about somebody
 *   else is dropped as ARP_NOT_FOR_US, and ARP about us that needed no
 *   answer (replies, gratuitous) ends as dp_to_kni's KNI_OFF.
 */
#include <rte_arp.h>
#include <rte_ether.h>

#include "inet/inet.h"
#include "inet/inet_priv.h"
#include "netif/netif.h"
#include "dp/dp.h"

#define ARP_FRAME_LEN (sizeof(struct rte_ether_hdr) + sizeof(struct rte_arp_hdr))
#define ETH_MIN_FRAME 60 /* without FCS: what the wire needs at least */

static bool arp_is_valid(const struct rte_arp_hdr *arp)
{
	return arp->arp_hardware == RTE_BE16(RTE_ARP_HRD_ETHER) &&
	       arp->arp_protocol == RTE_BE16(RTE_ETHER_TYPE_IPV4) &&
	       arp->arp_hlen == RTE_ETHER_ADDR_LEN && arp->arp_plen == sizeof(uint32_t) &&
	       (arp->arp_opcode == RTE_BE16(RTE_ARP_OP_REQUEST) ||
		arp->arp_opcode == RTE_BE16(RTE_ARP_OP_REPLY));
}

/* Turns the request in m into our reply and sends it back to the asker. */
static void arp_reply(struct worker *w, uint16_t port_idx, struct rte_mbuf *m)
{
	const struct rte_ether_addr *our_mac = &netif_port(port_idx)->mac;
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_arp_ipv4 *d = &((struct rte_arp_hdr *)(eth + 1))->arp_data;
	uint32_t asked = d->arp_tip;

	((struct rte_arp_hdr *)(eth + 1))->arp_opcode = RTE_BE16(RTE_ARP_OP_REPLY);
	rte_ether_addr_copy(&d->arp_sha, &d->arp_tha);
	d->arp_tip = d->arp_sip;
	rte_ether_addr_copy(our_mac, &d->arp_sha);
	d->arp_sip = asked;
	rte_ether_addr_copy(&d->arp_tha, &eth->dst_addr);
	rte_ether_addr_copy(our_mac, &eth->src_addr);
	w->cnt[port_idx].arp_replied++;
	dp_tx(w, port_idx, m);
}

void arp_input(struct worker *w, uint16_t port_idx, struct rte_mbuf *m)
{
	const struct dp_port *port = netif_port(port_idx);
	bool has_kni = port->kni_port_id != DP_PORT_NONE;

	if (unlikely(rte_pktmbuf_data_len(m) < ARP_FRAME_LEN)) {
		dp_drop(w, port_idx, DPVS_DROP_ARP_SHORT, m);
		return;
	}
	const struct rte_arp_hdr *arp = rte_pktmbuf_mtod_offset(m, const struct rte_arp_hdr *,
								 sizeof(struct rte_ether_hdr));
	const struct rte_arp_ipv4 *d = &arp->arp_data;

	/* A sender MAC of zero or multicast cannot be a neighbour. */
	if (unlikely(!arp_is_valid(arp) || !rte_is_valid_assigned_ether_addr(&d->arp_sha))) {
		dp_drop(w, port_idx, DPVS_DROP_ARP_BAD, m);
		return;
	}
	uint16_t flags = 0;
	bool for_us = ifaddr_match(port_idx, d->arp_tip, &flags) == IFADDR_LOCAL;
	bool request = arp->arp_opcode == RTE_BE16(RTE_ARP_OP_REQUEST);
	bool gratuitous = d->arp_sip == d->arp_tip;

	/* A probe (sender 0.0.0.0) or a claim on one of our own addresses
	 * teaches nothing about a neighbour. */
	if (!inet_is_martian_src(d->arp_sip) && !inet_addr_is_local(d->arp_sip))
		neigh_learn(w, port_idx, d->arp_sip, &d->arp_sha, for_us);

	if (request && for_us) {
		if (has_kni && !(flags & DPVS_ADDR_F_VIP)) {
			struct rte_mbuf *copy = rte_pktmbuf_copy(m, m->pool, 0, UINT32_MAX);

			if (copy)
				dp_kni_copy(w, port_idx, copy);
			else /* the copy only: the request itself is answered */
				w->cnt[port_idx].drops[DPVS_DROP_LOCAL_NO_MBUF]++;
		}
		arp_reply(w, port_idx, m);
		return;
	}
	if (for_us || gratuitous || has_kni)
		dp_to_kni(w, port_idx, m);
	else
		dp_drop(w, port_idx, DPVS_DROP_ARP_NOT_FOR_US, m);
}

void arp_send_request(struct worker *w, uint16_t port_idx, uint32_t target_be)
{
	const struct dp_port *port = netif_port(port_idx);
	struct rte_mbuf *m = rte_pktmbuf_alloc(netif_pktmbuf_pool());

	if (unlikely(!m)) {
		w->cnt[port_idx].drops[DPVS_DROP_LOCAL_NO_MBUF]++;
		return;
	}
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, ETH_MIN_FRAME);
	if (unlikely(!eth)) {
		dp_drop(w, port_idx, DPVS_DROP_LOCAL_NO_MBUF, m);
		return;
	}
	memset(eth, 0, ETH_MIN_FRAME);
	struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(eth + 1);

	memset(&eth->dst_addr, 0xff, sizeof(eth->dst_addr));
	rte_ether_addr_copy(&port->mac, &eth->src_addr);
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_ARP);
	arp->arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = RTE_ETHER_ADDR_LEN;
	arp->arp_plen = sizeof(uint32_t);
	arp->arp_opcode = RTE_BE16(RTE_ARP_OP_REQUEST);
	rte_ether_addr_copy(&port->mac, &arp->arp_data.arp_sha);
	arp->arp_data.arp_sip = ifaddr_pick_src(port_idx, target_be);
	arp->arp_data.arp_tip = target_be;
	m->l2_len = sizeof(struct rte_ether_hdr);
	dp_tx(w, port_idx, m);
}
