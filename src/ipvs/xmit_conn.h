/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xmit_conn: the way a conn's packet leaves, by its forwarding mode: a
 * switch into the mode's static inline transmit function (xmit_*.h), as
 * VPP specialises its node per encapsulation instead of calling through
 * a pointer. NAT is tested first and the other modes' switch is out of
 * line: with all of them inline the compiler's register and branch layout
 * cost NAT 8 instructions a packet. Used by ipvs_in for the conn's
 * packets and by proto_icmp for the ICMP errors about a DR or TUN flow,
 * which travel to the real server the same way.
 */
#ifndef DPVS_IPVS_XMIT_CONN_H
#define DPVS_IPVS_XMIT_CONN_H

#include "ipvs/xmit_dr.h"
#include "ipvs/xmit_fnat.h"
#include "ipvs/xmit_nat.h"
#include "ipvs/xmit_tun.h"

/* The modes but NAT (DR, TUN, Full-NAT), out of line: NAT's packets pay
 * one compare for them and nothing more (test/bench/instr.sh counts). */
static __attribute__((noinline)) void conn_xmit_other(struct worker *w, struct ipvs_conn *c,
						      enum ipvs_dir dir, struct rte_mbuf *m)
{
	switch (c->c_fwd) {
	case DPVS_FWD_FULLNAT:
		xmit_fnat(w, c, dir, m);
		break;
	case DPVS_FWD_DROUTE:
		xmit_dr(w, c, m);
		break;
	case DPVS_FWD_TUNNEL:
		xmit_tun(w, c, m);
		break;
	default:
		/* the control plane refuses the modes not built yet */
		dp_drop(w, m->port, DPVS_DROP_CONN_NO_DEST, m);
		break;
	}
}

/* m: data at the IPv4 header, of conn c in direction dir (DR and TUN
 * conns have only IPVS_DIR_IN). Consumes m. */
static inline void conn_xmit(struct worker *w, struct ipvs_conn *c, enum ipvs_dir dir,
			     struct rte_mbuf *m)
{
	if (c->c_fwd == DPVS_FWD_MASQ)
		xmit_nat(w, c, dir, m);
	else
		conn_xmit_other(w, c, dir, m);
}

/* The same for an SCTP conn (its NAT recomputes a CRC32c): callers tell
 * SCTP apart where they already branch on the protocol. */
static inline void conn_xmit_sctp(struct worker *w, struct ipvs_conn *c, enum ipvs_dir dir,
				  struct rte_mbuf *m)
{
	if (c->c_fwd == DPVS_FWD_MASQ)
		xmit_nat_sctp(w, c, dir, m);
	else
		conn_xmit_other(w, c, dir, m);
}

#endif /* DPVS_IPVS_XMIT_CONN_H */
