/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * toa: the TCP option that carries the client's address (TOA, kind 254,
 * include/dpvs/toa.h) into a Full-NAT segment, and the MSS clamp that
 * keeps room for it in the client's full-sized segments.
 *
 * The option goes after the header's own options, so the payload and the
 * sequence numbers stay as they are: the IPv4 and TCP headers move 8
 * bytes into the headroom (the Ethernet header is written again on the
 * way out) and the option fills the gap they leave. Checksums by RFC
 * 1624: the data offset's word, the TCP length of the pseudo header and
 * the option's four words in the TCP checksum; the total length in the
 * IPv4 header's.
 */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include <rte_byteorder.h>
#include <rte_ip.h>

#include "inet/csum.h"
#include "ipvs/fnat_caddr.h"

#define TCP_OPT_EOL  0
#define TCP_OPT_NOP  1
#define TCP_OPT_MSS  2
#define TCP_OLEN_MSS 4

int toa_insert(struct rte_mbuf *m, uint32_t caddr, uint16_t cport, uint16_t mtu)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	uint32_t hl = m->l3_len;
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)((uint8_t *)ip + hl);
	uint32_t doff, hdrs;
	uint16_t old_w, new_w, old_tl, new_tl, old_len, new_len;
	struct toa_opt opt = {.kind = TOA_KIND, .len = TOA_LEN, .port = cport, .addr = caddr};
	uint64_t acc;
	uint8_t *p;

	if (unlikely(rte_pktmbuf_data_len(m) < hl + sizeof(*th)))
		return -ENOBUFS;
	doff = (uint32_t)(th->data_off >> 4) * 4;
	hdrs = hl + doff;
	if (doff - sizeof(*th) + TOA_LEN > TCP_OPT_SPACE)
		return -ENOSPC;
	if (m->pkt_len + TOA_LEN > mtu)
		return -EMSGSIZE;
	memcpy(&old_w, (uint8_t *)th + 12, sizeof(old_w)); /* data offset and flags */
	old_tl = ip->total_length;
	old_len = rte_cpu_to_be_16((uint16_t)(rte_be_to_cpu_16(old_tl) - hl));
	p = caddr_open_gap(m, hdrs, TOA_LEN);
	if (!p)
		return -ENOBUFS;
	ip = (struct rte_ipv4_hdr *)p;
	th = (struct rte_tcp_hdr *)(p + hl);
	memcpy(p + hdrs, &opt, TOA_LEN);
	th->data_off = (uint8_t)(th->data_off + ((TOA_LEN / 4) << 4));
	memcpy(&new_w, (uint8_t *)th + 12, sizeof(new_w));
	new_tl = rte_cpu_to_be_16((uint16_t)(rte_be_to_cpu_16(old_tl) + TOA_LEN));
	new_len = rte_cpu_to_be_16((uint16_t)(rte_be_to_cpu_16(old_len) + TOA_LEN));

	ip->hdr_checksum = csum_update16(ip->hdr_checksum, old_tl, new_tl);
	ip->total_length = new_tl;

	acc = (uint16_t)~th->cksum;
	acc += (uint16_t)~old_w + (uint32_t)new_w;
	acc += (uint16_t)~old_len + (uint32_t)new_len;
	th->cksum = (uint16_t)~csum_fold64(csum_add_words(acc, &opt, TOA_LEN));
	return 0;
}

bool tcp_mss_clamp(struct rte_tcp_hdr *th, uint16_t mss, uint16_t less)
{
	uint8_t *o = (uint8_t *)(th + 1);
	uint32_t len = (uint32_t)(th->data_off >> 4) * 4;

	len = len > sizeof(*th) ? len - sizeof(*th) : 0;
	for (uint32_t i = 0; i < len;) {
		uint8_t kind = o[i];

		if (kind == TCP_OPT_EOL)
			break;
		if (kind == TCP_OPT_NOP) {
			i++;
			continue;
		}
		/* a length that runs past the options, or under 2: not ours to fix */
		if (i + 1 >= len || o[i + 1] < 2 || i + o[i + 1] > len)
			break;
		if (kind == TCP_OPT_MSS && o[i + 1] == TCP_OLEN_MSS) {
			uint16_t old, new, v;
			/* offset of the value in the header: an odd one puts its
			 * bytes in two checksum words, which sum as if swapped */
			bool odd = (sizeof(*th) + i + 2) & 1;

			memcpy(&old, &o[i + 2], sizeof(old));
			v = rte_be_to_cpu_16(old);
			v = v > less ? (uint16_t)(v - less) : v;
			if (v > mss)
				v = mss;
			if (v == rte_be_to_cpu_16(old))
				return false;
			new = rte_cpu_to_be_16(v);
			memcpy(&o[i + 2], &new, sizeof(new));
			th->cksum =
			    odd ? csum_update16(th->cksum, rte_bswap16(old), rte_bswap16(new))
				: csum_update16(th->cksum, old, new);
			return true;
		}
		i += o[i + 1];
	}
	return false;
}
