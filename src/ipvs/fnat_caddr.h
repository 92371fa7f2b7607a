/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fnat_caddr: the client's address carried to the real server in
 * Full-NAT, which otherwise sees only the local address (LIP) as its
 * peer. The wire layouts are include/dpvs/toa.h's, so real servers
 * prepared for DPVS (its toa/uoa modules, or the eBPF reader) work
 * unchanged.
 *
 *  - TCP: the TOA option (kind 254, 8 bytes: client port and address) on
 *    the SYN and on the client's first IPVS_TOA_SEGMENTS segments after
 *    it (the handshake's ACK, which DPVS's toa module reads, and the first
 *    data). A kernel reads it on the SYN (saved SYN, eBPF) or on the ACK
 *    that completes the handshake (the module), never later, so the
 *    established flow pays one flag test per packet and nothing more.
 *    Room: the option space is 40 bytes (SYNs use at most 20), and the
 *    real server's SYN-ACK has its MSS lowered by the option's 8 bytes
 *    (and to the MTU towards the real server), so the client's
 *    full-sized segments still fit the MTU with it. The client's own SYN
 *    keeps its MSS: it sizes the real server's segments, which carry no
 *    option. No room (options full, MTU, headroom): the segment goes
 *    without it, counted toa-no-room.
 *  - UDP: the UOA IPv4 option on the client's first UOA_PACKETS datagrams
 *    of a flow when the IPv4 header has room (IHL grows by 2 words) and
 *    the datagram stays within the MTU (never fragmented for it).
 *
 * Both are on by default ([ipvs] fnat_toa, fnat_uoa): DPVS always inserts
 * them in Full-NAT.
 */
#ifndef DPVS_IPVS_FNAT_CADDR_H
#define DPVS_IPVS_FNAT_CADDR_H

#include <stdbool.h>
#include <stdint.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "dpvs/toa.h"
#include "ipvs/ipvs_priv.h"

/* the client's segments after its SYN that carry TOA */
#define IPVS_TOA_SEGMENTS 3
#define TCP_OPT_SPACE 40 /* the most a TCP header has for options */
#define IPV4_OPT_SPACE 40

_Static_assert(IPVS_TOA_SEGMENTS <= IPVS_CONN_F_CADDR_N_MASK >> IPVS_CONN_F_CADDR_N_SHIFT,
	       "the conn's 2-bit count holds the TOA segments");
_Static_assert(UOA_PACKETS <= IPVS_CONN_F_CADDR_N_MASK >> IPVS_CONN_F_CADDR_N_SHIFT,
	       "the conn's 2-bit count holds the UOA datagrams");

/*
 * The rewrites, on one packet, checksums updated incrementally (unit
 * tests recompute them from scratch). m: data at the IPv4 header, l3_len
 * set, headers in the first segment. caddr, cport: network order; mtu:
 * of the way out. 0: inserted; -ENOSPC: the header has no room for it;
 * -EMSGSIZE: it would exceed mtu; -ENOBUFS: no headroom, or the headers
 * are not all in the first segment. Nothing changes unless 0.
 */
/* TOA after the TCP header's options (TCP length, data offset, both
 * checksums follow). */
int toa_insert(struct rte_mbuf *m, uint32_t caddr, uint16_t cport, uint16_t mtu);
/* UOA after the IPv4 header's options (IHL, total length, header
 * checksum, l3_len follow; the UDP checksum does not cover IP options). */
int uoa_insert(struct rte_mbuf *m, uint32_t caddr, uint16_t cport, uint16_t mtu);
/* The MSS option of TCP header th (whole in memory) lowered by `less`
 * and to at most mss, its checksum updated: true when it changed. */
bool tcp_mss_clamp(struct rte_tcp_hdr *th, uint16_t mss, uint16_t less);

/* A new Full-NAT conn: marks it IPVS_CONN_F_CADDR when the snapshot says
 * its protocol carries the client's address. */
static inline void ipvs_fnat_caddr_init(const struct ipvs_snap *s, struct ipvs_conn *c,
					uint8_t proto)
{
	if (proto == IPPROTO_TCP ? s->fnat_toa : proto == IPPROTO_UDP && s->fnat_uoa)
		c->c_flags |= IPVS_CONN_F_CADDR;
}

/* xmit_fnat, for a conn still marked IPVS_CONN_F_CADDR, before its
 * rewrite: TOA or UOA into the client's packet, the MSS clamp on the real
 * server's SYN-ACK; counts; clears the mark once done. m may move (read
 * the headers again after). Out of line: the first packets only. */
void ipvs_fnat_caddr(struct ipvs_worker *iw, struct ipvs_conn *c, enum ipvs_dir dir,
		     struct rte_mbuf *m, uint16_t mtu);

#endif /* DPVS_IPVS_FNAT_CADDR_H */
