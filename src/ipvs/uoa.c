/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * uoa: the IPv4 option that carries the client's address (UOA, type 31,
 * include/dpvs/toa.h) into a Full-NAT datagram, as DPVS's uoa module
 * reads it ("ipo" mode).
 *
 * The option goes after the IPv4 header's own options: the header moves
 * 8 bytes into the headroom, IHL grows by 2 words, the total length by 8,
 * and the header checksum follows (RFC 1624: the version/IHL word, the
 * total length, the option's four words). The UDP checksum does not
 * cover IP options, so it stays. Copy flag 0: were the datagram
 * fragmented later, only the first fragment would carry it; the data
 * path does not let it come to that (no insertion past the MTU).
 */
#include <errno.h>
#include <string.h>
#include <rte_byteorder.h>
#include <rte_ip.h>

#include "inet/csum.h"
#include "ipvs/fnat_caddr.h"

int uoa_insert(struct rte_mbuf *m, uint32_t caddr, uint16_t cport, uint16_t mtu)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	uint32_t hl = m->l3_len;
	struct toa_opt opt = {.kind = UOA_TYPE, .len = UOA_LEN, .port = cport, .addr = caddr};
	uint16_t old_w, new_w, old_tl, new_tl;
	uint64_t acc;
	uint8_t *p;

	if (hl - sizeof(*ip) + UOA_LEN > IPV4_OPT_SPACE)
		return -ENOSPC;
	/* a fragment: its header is not the datagram's (the first one's
	 * would need the option and the others not); never one here */
	if (ip->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_OFFSET_MASK | RTE_IPV4_HDR_MF_FLAG))
		return -ENOSPC;
	if (m->pkt_len + UOA_LEN > mtu)
		return -EMSGSIZE;
	memcpy(&old_w, ip, sizeof(old_w)); /* version, IHL and TOS */
	old_tl = ip->total_length;
	p = caddr_open_gap(m, hl, UOA_LEN);
	if (!p)
		return -ENOBUFS;
	ip = (struct rte_ipv4_hdr *)p;
	memcpy(p + hl, &opt, UOA_LEN);
	ip->version_ihl = (uint8_t)(ip->version_ihl + UOA_LEN / 4);
	memcpy(&new_w, ip, sizeof(new_w));
	new_tl = rte_cpu_to_be_16((uint16_t)(rte_be_to_cpu_16(old_tl) + UOA_LEN));
	ip->total_length = new_tl;
	m->l3_len = hl + UOA_LEN;

	acc = (uint16_t)~ip->hdr_checksum;
	acc += (uint16_t)~old_w + (uint32_t)new_w;
	acc += (uint16_t)~old_tl + (uint32_t)new_tl;
	ip->hdr_checksum = (uint16_t)~csum_fold64(csum_add_words(acc, &opt, UOA_LEN));
	return 0;
}
