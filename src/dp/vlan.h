/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vlan: a port on one 802.1Q VLAN ([port] vlan = VID). On the wire its
 * frames carry the VLAN's tag; inside the daemon they are plain Ethernet
 * (the stack, steering, the KNI interface never see a tag).
 *
 * Receive (before steering: an owner is read from the IPv4 header): the
 * tag of the port's VLAN is taken off in place (a NIC that stripped it
 * already says so in the mbuf); an untagged frame or one of another VLAN
 * is not the port's: received and dropped, vlan-other. Send (when a
 * burst leaves): the tag goes in front of the EtherType; a frame with no
 * headroom for it (or shared) is dropped, vlan-tx.
 *
 * Only ports with a VLAN pay: callers test port->vlan first.
 */
#ifndef DPVS_DP_VLAN_H
#define DPVS_DP_VLAN_H

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "dp/dp.h"

/* pkts[0..*n) received on port_idx (VLAN vid): tags off, others dropped
 * (counted received and dropped here); the kept ones compacted. */
static inline void dp_vlan_rx(struct worker *w, uint16_t port_idx, uint16_t vid,
			      struct rte_mbuf **pkts, uint16_t *n)
{
	uint16_t keep = 0;

	for (uint16_t i = 0; i < *n; i++) {
		struct rte_mbuf *m = pkts[i];
		const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
		bool ours;

		if (m->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED)
			ours = (m->vlan_tci & 0xfff) == vid;
		else
			ours = rte_pktmbuf_data_len(m) >= sizeof(*eh) + sizeof(struct rte_vlan_hdr) &&
			       eh->ether_type == RTE_BE16(RTE_ETHER_TYPE_VLAN) &&
			       (rte_be_to_cpu_16(((const struct rte_vlan_hdr *)(eh + 1))->vlan_tci) &
				0xfff) == vid &&
			       rte_vlan_strip(m) == 0;
		if (likely(ours)) {
			pkts[keep++] = m;
			continue;
		}
		w->cnt[port_idx].rx_packets++;
		w->cnt[port_idx].rx_bytes += m->pkt_len;
		dp_drop(w, port_idx, DPVS_DROP_VLAN_OTHER, m);
	}
	*n = keep;
}

/* The burst b->pkts[0..b->n) about to leave by port_idx (VLAN vid): each
 * gets the tag; those that cannot are dropped (vlan-tx), the rest
 * compacted. */
static inline void dp_vlan_tx(struct worker *w, uint16_t port_idx, uint16_t vid,
			      struct rte_mbuf **pkts, uint16_t *n)
{
	uint16_t keep = 0;

	for (uint16_t i = 0; i < *n; i++) {
		struct rte_mbuf *m = pkts[i];

		m->vlan_tci = vid;
		if (unlikely(rte_vlan_insert(&m) < 0)) {
			dp_drop(w, port_idx, DPVS_DROP_VLAN_TX, m);
			continue;
		}
		pkts[keep++] = m;
	}
	*n = keep;
}

#endif /* DPVS_DP_VLAN_H */
