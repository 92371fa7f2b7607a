/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * proxy_proto: the client's address for real servers that speak
 * haproxy's PROXY protocol (proxy-protocol.txt), per service with
 * --proxy-protocol v1|v2 (DPVS's option), Full-NAT dests only. The header
 * names the client (source) and the VIP:vport it connected to
 * (destination); it replaces TOA/UOA on such a service.
 *
 * TCP (v1 or v2): the header goes once in front of the client's first
 * byte. Instead of a sequence delta added to every segment for the life
 * of the conn, the real server is shown a client ISN pp_len lower: the
 * client's SYN leaves with seq - pp_len, the header fills the pp_len
 * bytes before the client's first byte, and from the client's first
 * byte on both sides number the stream alike. So after the real server
 * has acknowledged the header nothing is translated any more, SACK
 * blocks included (they name client bytes, which keep their numbers),
 * and the conn drops its IPVS_CONN_F_CADDR mark. Until then:
 *   - client -> real server: the SYN's seq less pp_len; the segment that
 *     starts at the first byte (the handshake's ACK, its retransmission,
 *     or the first data) gets the header in front and starts pp_len
 *     earlier, so a lost header is sent again with whatever the client
 *     retransmits there;
 *   - real server -> client: an ack inside the header (the SYN-ACK's, or
 *     one before the header arrived) becomes the client's first byte; the
 *     SYN-ACK's MSS is lowered by pp_len so that the first full segment
 *     with the header fits the MTU.
 * A first segment that would exceed the MTU with the header: with DF the
 * client is told the MTU less pp_len (ICMP "fragmentation needed", for
 * the segment as it sent it); without, it is fragmented.
 *
 * UDP (v2 only: v1 has no datagram form): a v2 header (DGRAM) in front of
 * every datagram, as the real server cannot know which one came first.
 * The checksum follows incrementally (28 bytes at an even offset); too
 * big with DF: "fragmentation needed" with the MTU less 28.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "inet/csum.h"
#include "ipvs/fnat_caddr.h"
#include "ipvs/xmit.h"

static const uint8_t pp2_sig[12] = {0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d,
				    0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a};

unsigned pp_header(uint8_t *buf, unsigned version, uint8_t proto, uint32_t saddr, uint16_t sport,
		   uint32_t daddr, uint16_t dport)
{
	if (version == 1) {
		char s[INET_ADDRSTRLEN], d[INET_ADDRSTRLEN];
		int n;

		inet_ntop(AF_INET, &saddr, s, sizeof(s));
		inet_ntop(AF_INET, &daddr, d, sizeof(d));
		n = snprintf((char *)buf, PP_V1_MAX + 1, "PROXY TCP4 %s %s %u %u\r\n", s, d,
			     rte_be_to_cpu_16(sport), rte_be_to_cpu_16(dport));
		return (unsigned)n;
	}
	memcpy(buf, pp2_sig, sizeof(pp2_sig));
	buf[12] = 0x21;				      /* version 2, PROXY */
	buf[13] = proto == IPPROTO_UDP ? 0x12 : 0x11; /* AF_INET, DGRAM or STREAM */
	buf[14] = 0;
	buf[15] = 12; /* the IPv4 addresses and ports */
	memcpy(buf + 16, &saddr, 4);
	memcpy(buf + 20, &daddr, 4);
	memcpy(buf + 24, &sport, 2);
	memcpy(buf + 26, &dport, 2);
	return PP_V2_LEN4;
}

/* EPROTOTYPE: a refusal of DPVS's option, which ipvsadm shows with the
 * daemon's reason (LVS has no text for it). */
int ipvs_pp_check(uint16_t proto, uint32_t flags, char *err, size_t errlen)
{
	if ((flags & DPVS_SVC_F_PP) == DPVS_SVC_F_PP) {
		snprintf(err, errlen, "proxy protocol: v1 or v2, not both");
		return -EPROTOTYPE;
	}
	if ((flags & DPVS_SVC_F_PP_V1) && proto == IPPROTO_UDP) {
		snprintf(err, errlen,
			 "proxy protocol v1 has no UDP form: use v2 for a UDP service");
		return -EPROTOTYPE;
	}
	/* the conn keeps its proxy-protocol state where a persistent
	 * service's conns keep their template (struct ipvs_conn, line 1) */
	if (flags & DPVS_SVC_F_PERSISTENT) {
		snprintf(err, errlen,
			 "proxy protocol with persistence (-p) is not supported: a connection "
			 "has room for one of them");
		return -EPROTOTYPE;
	}
	return 0;
}

/* The TCP header's seq (ack: its ack) set to v (host order), its
 * checksum following. */
static void tcp_set32(struct rte_tcp_hdr *th, bool ack, uint32_t v)
{
	rte_be32_t nv = rte_cpu_to_be_32(v);
	rte_be32_t old = ack ? th->recv_ack : th->sent_seq;

	th->cksum = csum_update32(th->cksum, old, nv);
	if (ack)
		th->recv_ack = nv;
	else
		th->sent_seq = nv;
}

int pp_insert_tcp(struct rte_mbuf *m, const uint8_t *hdr, unsigned len)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	uint32_t hl = m->l3_len, hdrs, l4len;
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)((uint8_t *)ip + hl);
	uint16_t old_tl, new_tl, sum;
	uint8_t *p;

	if (unlikely(rte_pktmbuf_data_len(m) < hl + sizeof(*th)))
		return -ENOBUFS;
	hdrs = hl + (uint32_t)(th->data_off >> 4) * 4;
	old_tl = ip->total_length;
	p = caddr_open_gap(m, hdrs, len);
	if (!p)
		return -ENOBUFS;
	memcpy(p + hdrs, hdr, len);
	ip = (struct rte_ipv4_hdr *)p;
	th = (struct rte_tcp_hdr *)(p + hl);
	th->sent_seq = rte_cpu_to_be_32(rte_be_to_cpu_32(th->sent_seq) - len);
	new_tl = rte_cpu_to_be_16((uint16_t)(rte_be_to_cpu_16(old_tl) + len));
	ip->hdr_checksum = csum_update16(ip->hdr_checksum, old_tl, new_tl);
	ip->total_length = new_tl;
	/* from scratch: a header of odd length shifts the payload's bytes
	 * across the checksum's words (once per conn) */
	l4len = rte_be_to_cpu_16(new_tl) - hl;
	th->cksum = 0;
	if (rte_raw_cksum_mbuf(m, hl, l4len, &sum) < 0)
		return -ENOBUFS; /* cannot happen: pkt_len covers total_length */
	uint64_t ph = (uint64_t)ip->src_addr + ip->dst_addr + rte_cpu_to_be_16(IPPROTO_TCP) +
		      rte_cpu_to_be_16((uint16_t)l4len) + sum;

	th->cksum = (uint16_t)~csum_fold64(ph);
	return 0;
}

int pp_insert_udp(struct rte_mbuf *m, const uint8_t *hdr, unsigned len)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	uint32_t hl = m->l3_len, hdrs = hl + sizeof(struct rte_udp_hdr);
	struct rte_udp_hdr *uh;
	uint16_t old_tl, new_tl, old_ul, new_ul;
	uint8_t *p;

	if (len & 1)
		return -EINVAL; /* the incremental update below needs whole words */
	old_tl = ip->total_length;
	p = caddr_open_gap(m, hdrs, len);
	if (!p)
		return -ENOBUFS;
	memcpy(p + hdrs, hdr, len);
	ip = (struct rte_ipv4_hdr *)p;
	uh = (struct rte_udp_hdr *)(p + hl);
	new_tl = rte_cpu_to_be_16((uint16_t)(rte_be_to_cpu_16(old_tl) + len));
	ip->hdr_checksum = csum_update16(ip->hdr_checksum, old_tl, new_tl);
	ip->total_length = new_tl;
	old_ul = uh->dgram_len;
	new_ul = rte_cpu_to_be_16((uint16_t)(rte_be_to_cpu_16(old_ul) + len));
	uh->dgram_len = new_ul;
	if (uh->dgram_cksum) {
		/* the length twice (header and pseudo header), the new words */
		uint64_t acc = (uint16_t)~uh->dgram_cksum;

		acc += 2 * ((uint32_t)(uint16_t)~old_ul + new_ul);
		uint16_t s = (uint16_t)~csum_fold64(csum_add_words(acc, hdr, len));

		uh->dgram_cksum = s ? s : 0xffff; /* zero would mean "none" */
	}
	return 0;
}

/* The header of conn c, in buf (PP_V1_MAX + 1 bytes): its length. */
static unsigned conn_header(const struct ipvs_conn *c, uint8_t proto, uint8_t *buf)
{
	return pp_header(buf, (c->c_flags & IPVS_CONN_F_PP_V2) ? 2 : 1, proto, c->in.saddr,
			 c->in.sport, c->in.daddr, c->in.dport);
}

/* m too big with the header: true when DF sent the client "fragmentation
 * needed" with room for it (m consumed). */
static bool too_big(struct worker *w, struct rte_mbuf *m, uint16_t mtu, unsigned len)
{
	if (m->pkt_len + len <= mtu)
		return false;
	return ipvs_xmit_too_big(w, m, (uint16_t)(mtu > len + 68 ? mtu - len : 68));
}

/* Conn c's header in front of m's payload (TCP or UDP), counted: true
 * when m was consumed instead (too big for it, DF). */
static bool put_header(struct worker *w, struct ipvs_caddr_wstats *st, const struct ipvs_conn *c,
		       struct rte_mbuf *m, uint16_t mtu, uint8_t proto)
{
	uint8_t buf[PP_V1_MAX + 1];
	unsigned len = conn_header(c, proto, buf);

	if (too_big(w, m, mtu, len))
		return true;
	if ((proto == IPPROTO_UDP ? pp_insert_udp(m, buf, len) : pp_insert_tcp(m, buf, len)) == 0)
		st->pp_added++;
	else
		st->pp_no_room++;
	return false;
}

bool ipvs_pp_in(struct worker *w, struct ipvs_caddr_wstats *st, struct ipvs_conn *c,
		struct rte_mbuf *m, uint16_t mtu)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	uint8_t buf[PP_V1_MAX + 1];
	struct rte_tcp_hdr *th;
	unsigned len;
	uint32_t seq;

	if (ip->next_proto_id == IPPROTO_UDP)
		return (c->c_flags & IPVS_CONN_F_PP_V2) &&
		       put_header(w, st, c, m, mtu, IPPROTO_UDP);
	th = (struct rte_tcp_hdr *)((uint8_t *)ip + m->l3_len);
	seq = rte_be_to_cpu_32(th->sent_seq);
	if (th->tcp_flags & RTE_TCP_SYN_FLAG) {
		/* the real server's view of the client's ISN: pp_len lower */
		len = conn_header(c, IPPROTO_TCP, buf);
		c->pp.pp_seq = seq + 1;
		c->pp.pp_len = (uint8_t)len;
		tcp_set32(th, false, seq - len);
		return false;
	}
	if (unlikely(!c->pp.pp_len)) {
		/* made on a segment past the SYN ([ipvs] sloppy_tcp: a flow
		 * moved here mid-stream): its first byte is long gone, the
		 * real server has (or never gets) the header elsewhere */
		c->c_flags &= (uint8_t)~IPVS_CONN_F_CADDR;
		return false;
	}
	if (seq != c->pp.pp_seq)
		return false; /* past the first byte: numbered alike */
	if (th->tcp_flags & RTE_TCP_RST_FLAG) {
		tcp_set32(th, false, seq - c->pp.pp_len);
		return false;
	}
	return put_header(w, st, c, m, mtu, IPPROTO_TCP);
}

void ipvs_pp_out(struct ipvs_caddr_wstats *st, struct ipvs_conn *c, struct rte_mbuf *m,
		 uint16_t mtu)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)((uint8_t *)ip + m->l3_len);
	uint32_t first = c->pp.pp_seq, ack;

	if (ip->next_proto_id != IPPROTO_TCP)
		return;
	if (th->tcp_flags & RTE_TCP_SYN_FLAG) {
		uint16_t rs_mtu = c->eg_in.mtu ? c->eg_in.mtu : mtu;
		uint32_t max = rs_mtu > 576 ? rs_mtu - 40u - c->pp.pp_len : 536u - c->pp.pp_len;

		if (rte_pktmbuf_data_len(m) >= m->l3_len + (th->data_off >> 4) * 4u &&
		    tcp_mss_clamp(th, (uint16_t)max, c->pp.pp_len))
			st->mss_clamped++;
	}
	if (!(th->tcp_flags & RTE_TCP_ACK_FLAG) || !c->pp.pp_len)
		return;
	ack = rte_be_to_cpu_32(th->recv_ack);
	if ((int32_t)(ack - first) >= 0) {
		/* the header is in: both sides number alike from now on */
		c->c_flags &= (uint8_t)~IPVS_CONN_F_CADDR;
		return;
	}
	if ((int32_t)(ack - (first - c->pp.pp_len)) >= 0)
		tcp_set32(th, true, first); /* inside the header: nothing of the client's */
}
