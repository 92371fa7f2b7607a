/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for Full-NAT's client-address rewrites
 * (src/ipvs/fnat_caddr.h): toa_insert, uoa_insert, tcp_mss_clamp,
 * pp_insert_tcp and pp_insert_udp on arbitrary packets, as the data path
 * would hand them over after ipvs_in's checks (IPv4 version and IHL sane,
 * total length within the frame, the L4 header's first bytes there).
 *
 * Input: one byte of choices (the rewrite, headroom, MTU, the PROXY
 * header's length), then the IPv4 packet. Checks more than "no crash":
 *  - a refused rewrite leaves every byte as it was;
 *  - a done one keeps the IPv4 header checksum right, and the TCP/UDP
 *    checksum right when it was right before (a UDP zero stays zero);
 *  - lengths follow (total length, pkt_len, data offset, IHL, UDP length)
 *    and the packet never exceeds the MTU the rewrite was given (TOA, UOA).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/dp_test_env.h"
#include "ipvs/fnat_caddr.h"

/* the rewrites use no port; the stack linked beside them wants a table */
struct dp_port netif_ports[DP_MAX_PORTS];
unsigned netif_nports;

#include "../unit/netif_fake.h"

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* The packet's TCP/UDP sum with its pseudo header: 0xffff when right. */
static uint16_t l4_sum(const uint8_t *p)
{
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)p;
	uint32_t hl = rte_ipv4_hdr_len(ip), len = rte_be_to_cpu_16(ip->total_length) - hl;
	uint32_t s = rte_raw_cksum(&ip->src_addr, 8) + rte_cpu_to_be_16(ip->next_proto_id) +
		     rte_cpu_to_be_16((uint16_t)len);

	return fold(s + rte_raw_cksum(p + hl, len));
}

static bool ip_ok(const uint8_t *p)
{
	return rte_raw_cksum(p, rte_ipv4_hdr_len((const struct rte_ipv4_hdr *)p)) == 0xffff;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t hdr[64], before[2048];
	struct rte_ipv4_hdr *ip;
	struct rte_mbuf *m;
	uint32_t hl, tl, l4h;
	uint8_t op;
	int rc = 0;

	if (size < 1 + sizeof(struct rte_ipv4_hdr) || size > 1 + 1500)
		return 0;
	op = data[0];
	data++;
	size--;
	ip = (struct rte_ipv4_hdr *)(void *)before;
	memcpy(before, data, size);
	/* what ipvs_in lets through */
	hl = (before[0] & 15) * 4u;
	tl = rte_be_to_cpu_16(ip->total_length);
	if ((before[0] >> 4) != 4 || hl < 20 || tl != size || hl > tl)
		return 0;
	ip->next_proto_id = (op & 1) ? IPPROTO_UDP : IPPROTO_TCP;
	l4h = ip->next_proto_id == IPPROTO_UDP ? 8 : 20;
	if (tl < hl + l4h)
		return 0;
	if (ip->next_proto_id == IPPROTO_TCP && ((before[hl + 12] >> 4) * 4u < 20 ||
						 (before[hl + 12] >> 4) * 4u > tl - hl))
		return 0;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = (uint16_t)~rte_raw_cksum(before, hl);
	bool l4_right = l4_sum(before) == 0xffff;
	bool udp_none = ip->next_proto_id == IPPROTO_UDP &&
			((const struct rte_udp_hdr *)(const void *)(before + hl))->dgram_cksum == 0;

	m = dp_test_mbuf(before, (uint16_t)size);
	if (!m)
		return 0;
	if (op & 0x40) {
		/* little headroom: the rewrites must refuse, not write before it */
		uint8_t *p = (uint8_t *)m->buf_addr + 10;

		memmove(p, rte_pktmbuf_mtod(m, uint8_t *), size);
		m->data_off = 10;
	}
	m->l3_len = hl;
	uint16_t mtu = (op & 0x08) ? 1500 : (uint16_t)(tl + ((op >> 4) & 3) * 4);
	unsigned plen = 2 * (1 + ((op >> 5) & 7)) + ((op & 0x80) ? 1 : 0);

	for (unsigned i = 0; i < plen; i++)
		hdr[i] = (uint8_t)(i * 31 + op);
	switch ((op >> 1) & 3) {
	case 0:
		if (ip->next_proto_id == IPPROTO_TCP)
			rc = toa_insert(m, 0x0a000001, 0x1234, mtu);
		else
			rc = uoa_insert(m, 0x0a000001, 0x1234, mtu);
		break;
	case 1:
		if (ip->next_proto_id == IPPROTO_TCP)
			rc = tcp_mss_clamp(rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, hl),
					   (uint16_t)(mtu - 48), (uint16_t)plen)
				 ? 0
				 : -EALREADY;
		else
			rc = uoa_insert(m, 0x0a000001, 0x1234, mtu);
		break;
	default:
		if (ip->next_proto_id == IPPROTO_TCP)
			rc = pp_insert_tcp(m, hdr, plen);
		else
			rc = pp_insert_udp(m, hdr, plen);
		break;
	}
	const uint8_t *a = rte_pktmbuf_mtod(m, const uint8_t *);
	const struct rte_ipv4_hdr *aip = (const struct rte_ipv4_hdr *)(const void *)a;

	if (rc != 0) {
		/* refused: nothing moved */
		if (rte_pktmbuf_data_len(m) != size || memcmp(a, before, size))
			abort();
	} else {
		uint32_t ntl = rte_be_to_cpu_16(aip->total_length);

		if (ntl != m->pkt_len || !ip_ok(a))
			abort();
		if (l4_right && !udp_none && l4_sum(a) != 0xffff)
			abort();
		if (udp_none && ((const struct rte_udp_hdr *)(const void *)(a + m->l3_len))
					->dgram_cksum != 0)
			abort();
		if (((op >> 1) & 3) == 0 && ntl > mtu)
			abort();
	}
	rte_pktmbuf_free(m);
	return 0;
}
