/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xmit_nat: NAT (-m), LVS's masquerading.
 *
 * Client packets (in) have their destination VIP:vport rewritten to the
 * real server's RIP:rport and leave towards it; the real server's replies
 * (out), which must route back through us, get their source rewritten to
 * VIP:vport and leave towards the client. Both rewrites read the other
 * direction's node of the conn: the out node's source is RIP:rport, the
 * in node's destination VIP:vport. SCTP's checksum is a CRC32c over the
 * packet (proto_sctp.c), not an incremental sum.
 */
#ifndef DPVS_IPVS_XMIT_NAT_H
#define DPVS_IPVS_XMIT_NAT_H

#include "ipvs/proto_sctp.h"
#include "ipvs/xmit.h"

/* m: data at the IPv4 header (l3_len set), of conn c in direction dir.
 * Consumes m. sctp: a constant at each call (xmit_nat, xmit_nat_sctp),
 * so TCP and UDP pay nothing for SCTP's other checksum. */
static inline __attribute__((always_inline)) void
xmit_nat_l4(struct worker *w, struct ipvs_conn *c, enum ipvs_dir dir, struct rte_mbuf *m,
	    const bool sctp)
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
	if (unlikely(conn_is_synproxy(c)))
		ipvs_synp_xlate(c, dir, (struct rte_tcp_hdr *)(void *)l4);

	if (sctp) {
		/* no pseudo header in SCTP's CRC32c: only a new port costs
		 * a pass over the packet (a corrupt one is dropped, not
		 * given a right CRC) */
		if (!ipvs_sctp_nat_port(m, m->l3_len,
					rte_be_to_cpu_16(ip->total_length) - m->l3_len, !in,
					port)) {
			dp_drop(w, m->port, DPVS_DROP_L4_BAD_CSUM, m);
			return;
		}
	} else {
		xmit_l4_addr_port(ip->next_proto_id, l4, l4len, !in, old, addr, port);
	}
	xmit_ip_ttl_addr(ip, !in, addr);
	xmit_send(w, eg, how, mtu, m);
}

static inline void xmit_nat(struct worker *w, struct ipvs_conn *c, enum ipvs_dir dir,
			    struct rte_mbuf *m)
{
	xmit_nat_l4(w, c, dir, m, false);
}

/* SCTP's: out of line, its conns are told apart before (conn_xmit_sctp). */
static __attribute__((noinline)) void xmit_nat_sctp(struct worker *w, struct ipvs_conn *c,
						    enum ipvs_dir dir, struct rte_mbuf *m)
{
	xmit_nat_l4(w, c, dir, m, true);
}

#endif /* DPVS_IPVS_XMIT_NAT_H */
