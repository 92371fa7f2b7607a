/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * icmp: ICMP to our own addresses. Echo requests (ping to a VIP or DIP)
 * are answered in the data plane, in place, so the answer costs no
 * allocation and needs no kernel; other ICMP goes on to local delivery.
 */
#include <string.h>
#include <rte_icmp.h>
#include <rte_ip.h>

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
