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
 * them in Full-NAT. A service with --proxy-protocol v1|v2 gets the PROXY
 * header instead (proxy_proto.c says how).
 */
#ifndef DPVS_IPVS_FNAT_CADDR_H
#define DPVS_IPVS_FNAT_CADDR_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <netinet/in.h>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "dpvs/toa.h"
#include "ipvs/ipvs_priv.h"

/* the client's segments after its SYN that carry TOA */
#define IPVS_TOA_SEGMENTS 3
#define TCP_OPT_SPACE	  40 /* the most a TCP header has for options */
#define IPV4_OPT_SPACE	  40

_Static_assert(IPVS_TOA_SEGMENTS <= IPVS_CONN_F_CADDR_N_MASK >> IPVS_CONN_F_CADDR_N_SHIFT,
	       "the conn's 2-bit count holds the TOA segments");
_Static_assert(UOA_PACKETS <= IPVS_CONN_F_CADDR_N_MASK >> IPVS_CONN_F_CADDR_N_SHIFT,
	       "the conn's 2-bit count holds the UOA datagrams");

/* What the three insertions share: a gap of `gap` bytes after the first
 * `hdrs` bytes of m (data at the IPv4 header), made by moving those
 * headers into the headroom, which keeps room for the Ethernet header
 * the way out writes back. The new start, or NULL (headroom short, or the
 * headers not in the first segment) with m unchanged. */
static inline uint8_t *caddr_open_gap(struct rte_mbuf *m, uint32_t hdrs, uint32_t gap)
{
	uint8_t *old = rte_pktmbuf_mtod(m, uint8_t *), *p;

	if (rte_pktmbuf_data_len(m) < hdrs || rte_pktmbuf_headroom(m) < gap + RTE_ETHER_HDR_LEN)
		return NULL;
	p = (uint8_t *)rte_pktmbuf_prepend(m, (uint16_t)gap);
	memmove(p, old, hdrs);
	return p;
}

/* acc plus the 16-bit words of len (even) bytes that were not there
 * before (RFC 1624: absent words count as zeros). */
static inline uint64_t csum_add_words(uint64_t acc, const void *bytes, unsigned len)
{
	const uint8_t *b = (const uint8_t *)bytes;

	for (unsigned i = 0; i + 1 < len; i += 2) {
		uint16_t w;

		memcpy(&w, b + i, sizeof(w));
		acc += w;
	}
	return acc;
}

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

/* ---- the proxy protocol (proxy_proto.c) ---- */
#define PP_V1_MAX  56 /* "PROXY TCP4 " 2 x 15 + 2 x 5 digits, 3 spaces, CRLF */
#define PP_V2_LEN4 28 /* signature 12, version/command, family, length 2, 12 */

/* The PROXY header (version 1 or 2; proto TCP or UDP) of a flow from
 * saddr:sport to daddr:dport (network order) into buf (PP_V1_MAX + 1
 * bytes): its length. */
unsigned pp_header(uint8_t *buf, unsigned version, uint8_t proto, uint32_t saddr, uint16_t sport,
		   uint32_t daddr, uint16_t dport);
/* hdr (len bytes) in front of the TCP payload of m (as toa_insert's m):
 * its seq len lower, IPv4 length and both checksums following (TCP's
 * from scratch). 0, or -ENOBUFS with m unchanged. */
int pp_insert_tcp(struct rte_mbuf *m, const uint8_t *hdr, unsigned len);
/* The same for UDP (len even: the checksum is updated incrementally, a
 * zero one stays zero). */
int pp_insert_udp(struct rte_mbuf *m, const uint8_t *hdr, unsigned len);
/* A proxy-protocol conn's packet towards the real server (seq, the
 * header): true when m was consumed (too big with DF: ICMP sent). */
bool ipvs_pp_in(struct worker *w, struct ipvs_caddr_wstats *st, struct ipvs_conn *c,
		struct rte_mbuf *m, uint16_t mtu);
/* ... and towards the client (the SYN-ACK's MSS, acks inside the header;
 * clears IPVS_CONN_F_CADDR once the header is acknowledged). */
void ipvs_pp_out(struct ipvs_caddr_wstats *st, struct ipvs_conn *c, struct rte_mbuf *m,
		 uint16_t mtu);

/* A new Full-NAT conn of service svc: marks it IPVS_CONN_F_CADDR when it
 * carries the client's address (TOA/UOA by the snapshot's switches, or
 * the service's proxy protocol, IPVS_CONN_F_PP). */
static inline void ipvs_fnat_caddr_init(const struct ipvs_snap *s, const struct ipvs_snap_svc *svc,
					struct ipvs_conn *c, uint8_t proto)
{
	if ((svc->flags & DPVS_SVC_F_PP_V2) ||
	    ((svc->flags & DPVS_SVC_F_PP_V1) && proto == IPPROTO_TCP)) {
		c->c_flags |= IPVS_CONN_F_CADDR | IPVS_CONN_F_PP |
			      ((svc->flags & DPVS_SVC_F_PP_V2) ? IPVS_CONN_F_PP_V2 : 0);
		c->pp.pp_seq = 0;
		c->pp.pp_len = 0;
	} else if (proto == IPPROTO_TCP ? s->fnat_toa : proto == IPPROTO_UDP && s->fnat_uoa) {
		c->c_flags |= IPVS_CONN_F_CADDR;
	}
}

/* Whether a packet of a conn still marked IPVS_CONN_F_CADDR needs
 * ipvs_fnat_caddr: every one towards the real server; towards the client
 * only a TCP SYN-ACK (its MSS) or a proxy-protocol conn's (its acks), so
 * a UDP flow whose client sent fewer than UOA_PACKETS datagrams does not
 * take the call on every reply. l4: the TCP/UDP header (ipvs_in checked
 * that its first 20 bytes, or the UDP header, are there). */
static inline bool ipvs_fnat_caddr_wanted(const struct ipvs_conn *c, bool in, const uint8_t *l4)
{
	if (in)
		return true;
	if (c->in.proto != IPPROTO_TCP)
		return false;
	return (c->c_flags & IPVS_CONN_F_PP) || (l4[13] & RTE_TCP_SYN_FLAG);
}

/* xmit_fnat, for a conn still marked IPVS_CONN_F_CADDR, before its
 * rewrite: TOA, UOA or the PROXY header into the client's packet, the MSS
 * clamp on the real server's SYN-ACK; counts; clears the mark once done.
 * m may move (read the headers again after). true: m was consumed (too
 * big for the header, DF: the client was told). Out of line: the first
 * packets only (and every datagram of a UDP proxy-protocol service). */
bool ipvs_fnat_caddr(struct worker *w, struct ipvs_conn *c, enum ipvs_dir dir, struct rte_mbuf *m,
		     uint16_t mtu);

#endif /* DPVS_IPVS_FNAT_CADDR_H */
