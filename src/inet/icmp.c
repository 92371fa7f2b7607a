/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * icmp: ICMP to our own addresses. Echo requests (ping to a VIP or DIP)
 * are answered in the data plane, in place, so the answer costs no
 * allocation and needs no kernel; other ICMP goes on to local delivery.
 */
#include <string.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_memcpy.h>

#include "inet/csum.h"
#include "inet/inet.h"
#include "inet/inet_priv.h"
#include "netif/netif.h"
#include "dp/dp.h"

#define ICMP_HDR_LEN sizeof(struct rte_icmp_hdr)

bool icmp_local_input(struct worker *w, uint16_t port_idx, struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	uint32_t icmp_len = rte_be_to_cpu_16(ip->total_length) - m->l3_len;
	uint16_t sum;

	/* The echo header must be contiguous; the body may span segments. */
	if (unlikely(icmp_len < ICMP_HDR_LEN ||
		     rte_pktmbuf_data_len(m) < m->l3_len + ICMP_HDR_LEN ||
		     rte_raw_cksum_mbuf(m, m->l3_len, icmp_len, &sum) != 0 || sum != 0xffff)) {
		dp_drop(w, port_idx, DPVS_DROP_ICMP_BAD, m);
		return true;
	}
	struct rte_icmp_hdr *icmp = (struct rte_icmp_hdr *)((uint8_t *)ip + m->l3_len);

	if (icmp->icmp_type != RTE_IP_ICMP_ECHO_REQUEST)
		return false;

	/* Only the type changes in the ICMP message: the word type|code. */
	uint16_t old_word, new_word;

	memcpy(&old_word, icmp, sizeof(old_word));
	icmp->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	memcpy(&new_word, icmp, sizeof(new_word));
	icmp->icmp_cksum = csum_update16(icmp->icmp_cksum, old_word, new_word);

	uint32_t peer = ip->src_addr;
	ip->src_addr = ip->dst_addr;
	ip->dst_addr = peer;
	ip->time_to_live = INET_DEFAULT_TTL;
	ip->hdr_checksum = csum_ipv4_hdr(ip);

	/* Back to whoever handed us the request (the peer or its router):
	 * the received Ethernet header is still in front of the IP header. */
	struct rte_ether_hdr *eth =
		(struct rte_ether_hdr *)rte_pktmbuf_prepend(m, sizeof(struct rte_ether_hdr));
	if (unlikely(!eth)) {
		dp_drop(w, port_idx, DPVS_DROP_NO_MBUF, m);
		return true;
	}
	rte_ether_addr_copy(&eth->src_addr, &eth->dst_addr);
	rte_ether_addr_copy(&netif_port(port_idx)->mac, &eth->src_addr);
	m->l2_len = sizeof(struct rte_ether_hdr);
	w->cnt[port_idx].icmp_echo_replied++;
	dp_tx(w, port_idx, m);
	return true;
}

/* What an ICMP error quotes of the packet that caused it: as much as fits
 * in a 576-byte datagram (RFC 1812 4.3.2.3), as Linux does. */
#define ICMP_QUOTE_MAX (576 - sizeof(struct rte_ipv4_hdr) - ICMP_HDR_LEN)
#define ICMP_DEST_UNREACH 3
#define ICMP_FRAG_NEEDED 4

void icmp_send_frag_needed(struct worker *w, const struct rte_mbuf *m, uint16_t mtu)
{
	const struct rte_ipv4_hdr *oip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	const struct rte_ether_hdr *oeth =
		rte_pktmbuf_mtod_offset(m, const struct rte_ether_hdr *, -(int)sizeof(*oeth));
	uint16_t in_port = m->port;
	uint32_t quote = RTE_MIN((uint32_t)rte_be_to_cpu_16(oip->total_length),
				 (uint32_t)ICMP_QUOTE_MAX);
	quote = RTE_MIN(quote, (uint32_t)m->pkt_len);
	struct rte_mbuf *r = rte_pktmbuf_alloc(m->pool);
	char *p = r ? rte_pktmbuf_append(r, (uint16_t)(sizeof(struct rte_ether_hdr) +
						       sizeof(struct rte_ipv4_hdr) +
						       ICMP_HDR_LEN + quote))
		    : NULL;

	/* never answer an ICMP error with one (RFC 1122 3.2.2) */
	if (oip->next_proto_id == IPPROTO_ICMP && rte_pktmbuf_data_len(m) > m->l3_len) {
		const uint8_t type = *((const uint8_t *)oip + m->l3_len);

		if (type != RTE_IP_ICMP_ECHO_REQUEST && type != RTE_IP_ICMP_ECHO_REPLY)
			goto none;
	}
	if (unlikely(!p)) {
		w->cnt[in_port].drops[DPVS_DROP_LOCAL_NO_MBUF]++;
		goto none;
	}
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)p;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_icmp_hdr *icmp = (struct rte_icmp_hdr *)(ip + 1);

	/* back to whoever handed us the packet (the sender or its router) */
	rte_ether_addr_copy(&oeth->src_addr, &eth->dst_addr);
	rte_ether_addr_copy(&netif_port(in_port)->mac, &eth->src_addr);
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length =
		rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + ICMP_HDR_LEN + quote));
	ip->time_to_live = INET_DEFAULT_TTL;
	ip->next_proto_id = IPPROTO_ICMP;
	ip->src_addr = oip->dst_addr; /* the address it sent to (a VIP) */
	ip->dst_addr = oip->src_addr;
	ip->hdr_checksum = csum_ipv4_hdr(ip);
	memset(icmp, 0, ICMP_HDR_LEN);
	icmp->icmp_type = ICMP_DEST_UNREACH;
	icmp->icmp_code = ICMP_FRAG_NEEDED;
	icmp->icmp_seq_nb = rte_cpu_to_be_16(mtu); /* next-hop MTU (RFC 1191) */
	const void *q = rte_pktmbuf_read(m, 0, quote, icmp + 1);

	if (q != icmp + 1) /* contiguous in m: read gave a pointer into it */
		rte_memcpy(icmp + 1, q, quote);
	icmp->icmp_cksum = (uint16_t)~rte_raw_cksum(icmp, ICMP_HDR_LEN + quote);
	r->l2_len = sizeof(*eth);
	dp_tx(w, in_port, r);
	return;
none:
	rte_pktmbuf_free(r);
}
