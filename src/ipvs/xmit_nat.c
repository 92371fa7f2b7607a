/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xmit_nat: the rewrite toolkit of the forwarding modes and NAT (-m)
 * transmission.
 *
 * NAT rewrites the destination of client packets (VIP:vport becomes
 * RIP:rport) and the source of the real server's replies (back to
 * VIP:vport). Checksums are updated incrementally (RFC 1624, inet/csum.h):
 * a rewrite touches a few words, so the cost does not grow with the
 * payload. A UDP checksum of zero means "none" and stays zero; a computed
 * zero is sent as 0xffff.
 */
#include <stddef.h>
#include <string.h>
#include <netinet/in.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "inet/csum.h"
#include "inet/inet.h"
#include "ipvs/ipvs_priv.h"

bool ipvs_ttl_dec(struct rte_ipv4_hdr *ip)
{
	uint16_t old_word, new_word;

	if (ip->time_to_live <= 1)
		return false;
	/* TTL shares its 16-bit checksum word with the protocol byte */
	memcpy(&old_word, &ip->time_to_live, sizeof(old_word));
	ip->time_to_live--;
	memcpy(&new_word, &ip->time_to_live, sizeof(new_word));
	ip->hdr_checksum = csum_update16(ip->hdr_checksum, old_word, new_word);
	return true;
}

void ipvs_rewrite_addr(struct rte_ipv4_hdr *ip, bool src, uint32_t addr)
{
	uint32_t old;

	if (src) {
		old = ip->src_addr;
		ip->src_addr = addr;
	} else {
		old = ip->dst_addr;
		ip->dst_addr = addr;
	}
	ip->hdr_checksum = csum_update32(ip->hdr_checksum, old, addr);
}

void ipvs_rewrite_l4(struct rte_ipv4_hdr *ip, uint8_t *l4, uint32_t l4len, bool src,
		     uint32_t addr, uint16_t port)
{
	uint32_t old_addr = src ? ip->src_addr : ip->dst_addr;
	unaligned_uint16_t *portp = (unaligned_uint16_t *)(l4 + (src ? 0 : 2));
	unaligned_uint16_t *csump = NULL;
	uint16_t old_port = *portp;
	bool udp = ip->next_proto_id == IPPROTO_UDP;

	/* the L4 checksum covers the addresses (pseudo header) and ports */
	if (!udp && l4len >= offsetof(struct rte_tcp_hdr, cksum) + 2)
		csump = (unaligned_uint16_t *)(l4 + offsetof(struct rte_tcp_hdr, cksum));
	else if (udp && l4len >= sizeof(struct rte_udp_hdr))
		csump = (unaligned_uint16_t *)(l4 + offsetof(struct rte_udp_hdr, dgram_cksum));
	if (csump && !(udp && *csump == 0)) {
		uint16_t sum = csum_update32(*csump, old_addr, addr);

		sum = csum_update16(sum, old_port, port);
		if (udp && sum == 0)
			sum = 0xffff; /* zero would mean "no checksum" */
		*csump = sum;
	}
	*portp = port;
	ipvs_rewrite_addr(ip, src, addr);
}

void ipvs_nat_xmit(struct worker *w, uint16_t port_idx, struct rte_mbuf *m,
		   const struct ipvs_conn *c, enum ipvs_dir dir)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	uint8_t *l4 = (uint8_t *)ip + m->l3_len;
	uint32_t l4len = rte_pktmbuf_data_len(m) - m->l3_len;

	if (unlikely(!ipvs_ttl_dec(ip))) {
		dp_drop(w, port_idx, DPVS_DROP_IP_TTL, m);
		return;
	}
	if (dir == IPVS_DIR_IN) /* to the real server */
		ipvs_rewrite_l4(ip, l4, l4len, false, c->node[IPVS_DIR_OUT].saddr,
				c->node[IPVS_DIR_OUT].sport);
	else /* back to the client, from the VIP */
		ipvs_rewrite_l4(ip, l4, l4len, true, c->node[IPVS_DIR_IN].daddr,
				c->node[IPVS_DIR_IN].dport);
	ipv4_output(w, m);
}
