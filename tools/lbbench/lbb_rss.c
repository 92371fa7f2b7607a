/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lbb_rss: lbbench's stand-in for a NIC's RSS (see lbb_rss.h). Written
 * apart from the daemon's steer.c on purpose: the bench checks that the
 * box's owner function agrees with an independent one (no redirects in
 * the aligned runs), which sharing the code would not show.
 */
#include <string.h>

#include <netinet/in.h>
#include <rte_ether.h>
#include <rte_ip.h>

#include "lbb_rss.h"

const uint8_t lbb_rss_key[40] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
	0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
	0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

#define MAX_IN 12 /* bytes hashed at most: an IPv4 4-tuple */

static const char *const spread_names[LBB_SPREAD_MAX] = {
	[LBB_SPREAD_CLIENT] = "client",
	[LBB_SPREAD_TUPLE] = "tuple",
	[LBB_SPREAD_RR] = "rr",
};

/* Toeplitz is linear in the input bits: the hash of a byte string is the
 * XOR of one entry per byte, tabled at load. 12 KB; a frame costs 4 (or
 * 12) lookups, about what a NIC's hash costs it: nothing. */
static uint32_t tab[MAX_IN][256];

const char *lbb_spread_name(enum lbb_spread s)
{
	return s < LBB_SPREAD_MAX ? spread_names[s] : "?";
}

enum lbb_spread lbb_spread_parse(const char *name)
{
	for (unsigned s = 0; s < LBB_SPREAD_MAX; s++)
		if (name && !strcmp(name, spread_names[s]))
			return (enum lbb_spread)s;
	return LBB_SPREAD_MAX;
}

/* The key's 32 bits from bit `bit` on (bit 0: the first byte's MSB): what
 * an input bit set at position `bit` XORs into the hash. */
static uint32_t key_window(unsigned bit)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < 32; i++) {
		unsigned b = bit + i;

		v = v << 1 | ((lbb_rss_key[b / 8] >> (7 - b % 8)) & 1u);
	}
	return v;
}

__attribute__((constructor)) static void tables_build(void)
{
	for (unsigned byte = 0; byte < MAX_IN; byte++)
		for (unsigned v = 0; v < 256; v++) {
			uint32_t h = 0;

			for (unsigned b = 0; b < 8; b++)
				if (v & (0x80u >> b))
					h ^= key_window(byte * 8 + b);
			tab[byte][v] = h;
		}
}

uint32_t lbb_toeplitz(const uint8_t *in, unsigned len)
{
	uint32_t h = 0;

	if (len > MAX_IN)
		len = MAX_IN;
	for (unsigned i = 0; i < len; i++)
		h ^= tab[i][in[i]];
	return h;
}

/* The redirection table: entry i sends to queue i % n, as dpvs fills its
 * own (and as testpmd or ethtool -X equal would fill a NIC's). */
static inline unsigned reta(const struct lbb_rss *r, uint32_t hash)
{
	return (hash % LBB_RSS_RETA) % r->nq;
}

unsigned lbb_rss_queue(struct lbb_rss *r, uint32_t sip, uint32_t dip, uint16_t sport,
		       uint16_t dport, bool client_is_src)
{
	uint8_t in[MAX_IN];
	uint32_t client;

	if (r->nq <= 1)
		return 0;
	switch (r->spread) {
	case LBB_SPREAD_CLIENT:
		client = client_is_src ? sip : dip;
		return reta(r, lbb_toeplitz((const uint8_t *)&client, 4));
	case LBB_SPREAD_TUPLE:
		/* the order a NIC hashes them in: addresses, then ports */
		memcpy(in, &sip, 4);
		memcpy(in + 4, &dip, 4);
		memcpy(in + 8, &sport, 2);
		memcpy(in + 10, &dport, 2);
		return reta(r, lbb_toeplitz(in, 12));
	default: {
		unsigned q = r->rr < r->nq ? r->rr : 0;

		r->rr = q + 1 < r->nq ? q + 1 : 0;
		return q;
	}
	}
}

unsigned lbb_rss_queue_frame(struct lbb_rss *r, const uint8_t *frame, uint32_t len,
			     bool client_is_src)
{
	const struct rte_ether_hdr *eth = (const struct rte_ether_hdr *)frame;
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(eth + 1);
	uint16_t ports[2] = { 0, 0 };
	uint32_t hl;

	if (r->nq <= 1)
		return 0;
	if (r->spread == LBB_SPREAD_RR)
		return lbb_rss_queue(r, 0, 0, 0, 0, client_is_src);
	if (len < sizeof(*eth) + sizeof(*ip) || eth->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4))
		return 0;
	hl = (uint32_t)(ip->version_ihl & 0x0f) * 4u;
	/* fragments hash on the addresses alone, as on a NIC: the ports
	 * are not in every fragment */
	if ((ip->next_proto_id == IPPROTO_UDP || ip->next_proto_id == IPPROTO_TCP) &&
	    !(ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_OFFSET_MASK | RTE_IPV4_HDR_MF_FLAG)) &&
	    len >= sizeof(*eth) + hl + sizeof(ports))
		memcpy(ports, (const uint8_t *)ip + hl, sizeof(ports));
	return lbb_rss_queue(r, ip->src_addr, ip->dst_addr, ports[0], ports[1], client_is_src);
}
