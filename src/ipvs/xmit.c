/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xmit: the out-of-line part of the way out (xmit.h): resolving a conn's
 * egress after a route or neighbour change, and packets too big for it.
 */
#include <errno.h>

#include "ipvs/xmit.h"

int ipvs_xmit_resolve(struct worker *w, struct ipvs_conn *c, enum ipvs_dir dir, uint32_t gen,
		      uint32_t dst_be, struct rte_mbuf *m, struct inet_egress *e)
{
	struct ipvs_egress *eg = ipvs_conn_egress(c, dir);
	/* towards a real server: every conn of the dest leaves the same way,
	 * so a new one starts from where the last one went (same generation) */
	struct ipvs_dest_wstate *d = dir == IPVS_DIR_IN ? &ipvs_w(w)->dest[c->dest_id] : NULL;

	if (d && d->eg.gen == gen) {
		*eg = d->eg;
		return 1;
	}
	int rc = inet_egress_lookup(w, dst_be, gen, e);

	if (rc == -ENETUNREACH) {
		dp_drop(w, m->port, DPVS_DROP_IP_NO_ROUTE, m);
		return -1;
	}
	if (rc < 0)
		return 0; /* by ipv4_output, until the neighbour answers */
	memcpy(eg->dst.addr_bytes, &e->dst_mac, RTE_ETHER_ADDR_LEN);
	rte_ether_addr_copy(&netif_port(e->port_idx)->mac, &eg->src);
	eg->port_idx = e->port_idx;
	eg->mtu = e->mtu;
	eg->gen = gen;
	if (d) {
		d->eg = *eg;
		d->src = e->src_be;
	}
	return 1;
}

bool ipvs_xmit_too_big(struct worker *w, struct rte_mbuf *m, uint16_t mtu)
{
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);

	if (!(ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_DF_FLAG)))
		return false;
	/* path MTU discovery: the client (or the real server) learns it */
	icmp_send_frag_needed(w, m, mtu);
	dp_drop(w, m->port, DPVS_DROP_IP_TOO_BIG, m);
	return true;
}
