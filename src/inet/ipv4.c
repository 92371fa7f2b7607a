/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ipv4: IPv4 input validation and local delivery, and IPv4 output.
 *
 * Input checks everything later layers rely on, in header order, and
 * drops with the reason of the first failure. Two policies are ours, not
 * the RFCs': fragments are dropped (no reassembly: a balancer's flows are
 * TCP/UDP with PMTU discovery, and reassembly would be a memory-exhaustion
 * target) and so are packets with IP options (nothing legitimate sends
 * them to a VIP; source routing is an attack). A valid packet goes to the
 * L4 hook (IPVS) first; what IPVS leaves is ours (ICMP echo answered here, the rest to the
 * kernel), our subnets' broadcast or multicast (kernel), or not ours at
 * all: this is no router, so it is dropped.
 *
 * Output routes, checks the MTU and hands the packet to the neighbour
 * layer, which adds the Ethernet header once the next hop's MAC is known.
 */
#include <errno.h>
#include <string.h>
#include <rte_ip.h>

#include "inet/csum.h"
#include "inet/inet.h"
#include "inet/inet_priv.h"
#include "netif/netif.h"
#include "dp/dp.h"

#define IPV4_MIN_HDR sizeof(struct rte_ipv4_hdr)

/* Set once before the workers start, read by them on every packet. */
static inet_l4_hook_fn l4_hook;

void inet_register_l4_hook(inet_l4_hook_fn fn)
{
	l4_hook = fn;
}

/* Header checks; a drop reason, or DPVS_DROP_MAX when the packet is fine. */
static enum dpvs_drop_reason ipv4_check(const struct rte_mbuf *m, const struct rte_ipv4_hdr *ip,
					uint32_t ip_len)
{
	unsigned ihl = (ip->version_ihl & RTE_IPV4_HDR_IHL_MASK) * RTE_IPV4_IHL_MULTIPLIER;
	uint16_t tot = rte_be_to_cpu_16(ip->total_length);

	if (unlikely((ip->version_ihl >> 4) != 4))
		return DPVS_DROP_IP_BAD_VERSION;
	/* The header must also be contiguous in the first segment. */
	if (unlikely(ihl < IPV4_MIN_HDR || m->l2_len + ihl > rte_pktmbuf_data_len(m)))
		return DPVS_DROP_IP_BAD_IHL;
	if (unlikely(tot > ip_len || tot < ihl))
		return DPVS_DROP_IP_BAD_LEN;

	uint64_t ck = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
	if (unlikely(ck == RTE_MBUF_F_RX_IP_CKSUM_BAD))
		return DPVS_DROP_IP_BAD_CSUM;
	if (ck != RTE_MBUF_F_RX_IP_CKSUM_GOOD && unlikely(!csum_ipv4_hdr_ok(ip, ihl)))
		return DPVS_DROP_IP_BAD_CSUM;

	if (unlikely(ihl > IPV4_MIN_HDR))
		return DPVS_DROP_IP_OPTIONS;
	if (unlikely(ip->fragment_offset &
		     RTE_BE16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)))
		return DPVS_DROP_IP_FRAG;
	/* Nobody sends from these, and a packet "from us" arriving here is a
	 * spoof or a loop. */
	if (unlikely(inet_is_martian_src(ip->src_addr) || inet_addr_is_local(ip->src_addr)))
		return DPVS_DROP_IP_BAD_SRC;
	/* TTL 1 is fine for us; IPVS decrements it when it forwards. */
	if (unlikely(ip->time_to_live == 0))
		return DPVS_DROP_IP_TTL;
	return DPVS_DROP_MAX;
}

void inet_to_kni(struct worker *w, uint16_t port_idx, struct rte_mbuf *m)
{
	/* IPVS said ACCEPT, so it left the headroom alone: the bytes before
	 * the IP header still are the frame's Ethernet header. */
	if (unlikely(!rte_pktmbuf_prepend(m, m->l2_len))) {
		dp_drop(w, port_idx, DPVS_DROP_NO_MBUF, m);
		return;
	}
	dp_to_kni(w, port_idx, m);
}

/* For us (weak host model: any of our addresses on any port). */
static void ipv4_local(struct worker *w, uint16_t port_idx, struct rte_mbuf *m,
		       const struct rte_ipv4_hdr *ip, uint16_t flags)
{
	if (ip->next_proto_id == IPPROTO_ICMP && icmp_local_input(w, port_idx, m))
		return;
	/* A VIP lives only here, the kernel would not know it: what IPVS
	 * did not take has nowhere to go. */
	if (flags & DPVS_ADDR_F_VIP)
		dp_drop(w, port_idx, DPVS_DROP_KNI_OFF, m);
	else
		inet_to_kni(w, port_idx, m);
}

void ipv4_input(struct worker *w, uint16_t port_idx, struct rte_mbuf *m)
{
	uint32_t ip_len = m->pkt_len - m->l2_len;

	if (unlikely(rte_pktmbuf_data_len(m) < m->l2_len + IPV4_MIN_HDR)) {
		dp_drop(w, port_idx, DPVS_DROP_IP_SHORT, m);
		return;
	}
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, m->l2_len);
	enum dpvs_drop_reason why = ipv4_check(m, ip, ip_len);

	if (unlikely(why != DPVS_DROP_MAX)) {
		dp_drop(w, port_idx, why, m);
		return;
	}
	uint16_t tot = rte_be_to_cpu_16(ip->total_length);

	/* Ethernet pads short frames: what follows total_length is not ours. */
	if (unlikely(tot < ip_len) && rte_pktmbuf_trim(m, (uint16_t)(ip_len - tot)) != 0) {
		dp_drop(w, port_idx, DPVS_DROP_IP_BAD_LEN, m);
		return;
	}
	rte_pktmbuf_adj(m, m->l2_len);
	m->l3_len = IPV4_MIN_HDR;

	if (l4_hook && l4_hook(w, port_idx, m) == INET_STOLEN)
		return;

	uint32_t dst = ip->dst_addr;
	uint16_t flags = 0;

	switch (ifaddr_match(port_idx, dst, &flags)) {
	case IFADDR_LOCAL:
		ipv4_local(w, port_idx, m, ip, flags);
		return;
	case IFADDR_BROADCAST:
		inet_to_kni(w, port_idx, m);
		return;
	case IFADDR_NONE:
		break;
	}
	if (inet_addr_is_local(dst)) {
		ipv4_local(w, port_idx, m, ip, 0);
	} else if (dst == RTE_BE32(RTE_IPV4_BROADCAST) || (rte_be_to_cpu_32(dst) >> 28) == 0xe) {
		/* DHCP, VRRP, routing protocols: the kernel's business. */
		inet_to_kni(w, port_idx, m);
	} else {
		dp_drop(w, port_idx, DPVS_DROP_IP_NOT_LOCAL, m);
	}
}

int inet_egress_lookup(struct worker *w, uint32_t dst_be, uint32_t gen, struct inet_egress *e)
{
	struct route_nh nh;

	if (unlikely(!route_lookup(dst_be, &nh)))
		return -ENETUNREACH;
	e->port_idx = nh.port_idx;
	e->mtu = (uint16_t)RTE_MIN(netif_port(nh.port_idx)->mtu, (uint32_t)UINT16_MAX);
	e->nexthop_be = nh.nexthop_be;
	/* as Linux picks a source on the way out: the route's, else an
	 * address of the port in the next hop's subnet */
	e->src_be = nh.src_be ? nh.src_be : ifaddr_pick_src(nh.port_idx, nh.nexthop_be);
	return neigh_resolved(w, nh.port_idx, nh.nexthop_be, gen, &e->dst_mac) ? 0 : -EAGAIN;
}

void inet_output_via(struct worker *w, uint16_t port_idx, uint32_t nexthop_be,
		     struct rte_mbuf *m)
{
	neigh_output(w, port_idx, nexthop_be, m);
}

void ipv4_fragment_forward(struct worker *w, uint16_t port_idx, uint64_t dst_mac,
			   struct rte_mbuf *m, uint16_t mtu)
{
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	const uint32_t hl = sizeof(*ip); /* no options get this far */
	const uint32_t tot = rte_be_to_cpu_16(ip->total_length);
	/* payload per fragment: a multiple of 8 (offsets count in 8 bytes) */
	const uint32_t chunk = ((uint32_t)mtu - hl) & ~7u;
	const uint16_t frag_word = rte_be_to_cpu_16(ip->fragment_offset);
	const struct dp_port *port = netif_port(port_idx);
	struct rte_mbuf *f;

	w->cnt[m->port].forwarded++; /* the received frame's one fate */
	if (unlikely(chunk == 0 || mtu <= hl)) {
		w->cnt[port_idx].drops[DPVS_DROP_LOCAL_NO_MBUF]++;
		rte_pktmbuf_free(m);
		return;
	}
	for (uint32_t off = 0; off < tot - hl; off += chunk) {
		uint32_t len = RTE_MIN(chunk, tot - hl - off);
		bool last = off + len >= tot - hl;

		f = rte_pktmbuf_alloc(m->pool);
		char *p = f ? rte_pktmbuf_append(f, (uint16_t)(sizeof(struct rte_ether_hdr) + hl + len))
			    : NULL;
		if (unlikely(!p)) {
			rte_pktmbuf_free(f);
			w->cnt[port_idx].drops[DPVS_DROP_LOCAL_NO_MBUF]++;
			break;
		}
		struct rte_ether_hdr *eth = (struct rte_ether_hdr *)p;
		struct rte_ipv4_hdr *fip = (struct rte_ipv4_hdr *)(eth + 1);

		memcpy(eth->dst_addr.addr_bytes, &dst_mac, RTE_ETHER_ADDR_LEN);
		rte_ether_addr_copy(&port->mac, &eth->src_addr);
		eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
		memcpy(fip, ip, hl);
		const void *q = rte_pktmbuf_read(m, hl + off, len, fip + 1);

		if (q != (const void *)(fip + 1)) /* contiguous in m: a pointer into it */
			memcpy(fip + 1, q, len);
		fip->total_length = rte_cpu_to_be_16((uint16_t)(hl + len));
		/* an offset within the original (itself maybe a fragment: then
		 * its MF stays on every piece) */
		uint16_t fo = (uint16_t)((frag_word & RTE_IPV4_HDR_OFFSET_MASK) + off / 8);
		if (!last || (frag_word & RTE_IPV4_HDR_MF_FLAG))
			fo |= RTE_IPV4_HDR_MF_FLAG;
		fip->fragment_offset = rte_cpu_to_be_16(fo);
		fip->hdr_checksum = csum_ipv4_hdr(fip);
		f->l2_len = sizeof(*eth);
		f->l3_len = hl;
		dp_tx(w, port_idx, f);
	}
	rte_pktmbuf_free(m);
}

void ipv4_output(struct worker *w, struct rte_mbuf *m)
{
	struct route_nh nh;

	if (unlikely(rte_pktmbuf_data_len(m) < IPV4_MIN_HDR)) {
		dp_drop(w, m->port, DPVS_DROP_IP_SHORT, m);
		return;
	}
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);

	if (unlikely(!route_lookup(ip->dst_addr, &nh))) {
		dp_drop(w, m->port, DPVS_DROP_IP_NO_ROUTE, m);
		return;
	}
	uint32_t mtu = netif_port(nh.port_idx)->mtu;

	if (unlikely(m->pkt_len > mtu)) {
		uint64_t mac;

		/* DF: the sender learns the path MTU; otherwise fragments, when
		 * the next hop is known (a packet waiting for ARP is not split) */
		if (ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_DF_FLAG)) {
			icmp_send_frag_needed(w, m, (uint16_t)RTE_MIN(mtu, (uint32_t)UINT16_MAX));
		} else if (neigh_resolved(w, nh.port_idx, nh.nexthop_be, inet_egress_gen(), &mac)) {
			ipv4_fragment_forward(w, nh.port_idx, mac, m,
					      (uint16_t)RTE_MIN(mtu, (uint32_t)UINT16_MAX));
			return;
		}
		dp_drop(w, m->port, DPVS_DROP_IP_TOO_BIG, m);
		return;
	}
	neigh_output(w, nh.port_idx, nh.nexthop_be, m);
}
