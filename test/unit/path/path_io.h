/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The way path tests (test_modes, test_fnat) push frames into the
 * balancer of path_test_env.h and read back what left it: one worker wk,
 * the frame under construction fb, what left kept until the teardown
 * frees it, header and checksum checks computed from scratch, and the
 * per-port fates equation. Include once per executable, after
 * path_test_env.h.
 */
#ifndef DPVS_PATH_IO_H
#define DPVS_PATH_IO_H

#include <inttypes.h>

static struct worker wk;
static uint8_t fb[2048];
static struct rte_mbuf *held[256];
static unsigned nheld;

static inline void keep(struct rte_mbuf *m)
{
	if (nheld == RTE_DIM(held)) {
		rte_pktmbuf_free_bulk(held, nheld);
		nheld = 0;
	}
	held[nheld++] = m;
}

/* ---- in and out ---- */

static inline void feed(uint16_t port, size_t len)
{
	struct rte_mbuf *m = dp_test_mbuf(fb, (uint16_t)len);

	assert_non_null(m);
	eth_input(&wk, port, m);
}

/* Everything that left by ring r since the last look (kept for the
 * teardown to free). */
static inline unsigned take(struct rte_ring *r, struct rte_mbuf **m, unsigned max)
{
	unsigned n;

	dp_tx_flush(&wk);
	n = p_take(r, m, max);
	for (unsigned i = 0; i < n; i++)
		keep(m[i]);
	return n;
}

/* The frames that left by `port` (n expected), nothing by the others. */
static inline void out_of(uint16_t port, struct rte_mbuf **m, unsigned n)
{
	struct rte_mbuf *other[16];

	assert_int_equal(take(p_tx_ring[port], m, n + 1), n);
	assert_int_equal(take(p_tx_ring[port == P_CLI ? P_SRV : P_CLI], other, 16), 0);
	assert_int_equal(take(p_kni_ring, other, 16), 0);
}

static inline struct rte_mbuf *one_out_of(uint16_t port)
{
	struct rte_mbuf *m[2]; /* room for one too many */

	out_of(port, m, 1);
	return m[0];
}

/* The Ethernet header of m: from the port's MAC to dst, IPv4; returns
 * what follows it (the mbuf is one segment, its length the packet's). */
static inline uint8_t *eth_to(struct rte_mbuf *m, uint16_t port, const struct rte_ether_addr *dst)
{
	struct rte_ether_hdr *e = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(e + 1);

	assert_int_equal(m->nb_segs, 1);
	assert_true(rte_is_same_ether_addr(&e->dst_addr, dst));
	assert_true(rte_is_same_ether_addr(&e->src_addr, &p_mac[port]));
	assert_int_equal(e->ether_type, RTE_BE16(RTE_ETHER_TYPE_IPV4));
	assert_int_equal(rte_pktmbuf_data_len(m), sizeof(*e) + ntohs(ip->total_length));
	return (uint8_t *)(e + 1);
}

/* One's complement sum over the pseudo header of ip (proto, len) and the
 * len bytes at p: all ones when p's checksum is right. */
static inline uint16_t pseudo_sum(const struct rte_ipv4_hdr *ip, uint8_t proto, const void *p,
				  uint32_t len)
{
	uint32_t s = rte_raw_cksum(&ip->src_addr, 8) + htons(proto) + htons((uint16_t)len);

	s += rte_raw_cksum(p, len);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)((s & 0xffff) + (s >> 16));
}

/* The IPv4 header at ip is valid: version, length, checksum from scratch. */
static inline void ip_ok(const struct rte_ipv4_hdr *ip)
{
	assert_int_equal(ip->version_ihl, RTE_IPV4_VHL_DEF);
	assert_int_equal(rte_raw_cksum(ip, sizeof(*ip)), 0xffff);
}

/* The TCP/UDP checksum of the packet at ip, from scratch. */
static inline void l4_ok(const struct rte_ipv4_hdr *ip)
{
	uint32_t len = ntohs(ip->total_length) - sizeof(*ip);

	assert_int_equal(pseudo_sum(ip, ip->next_proto_id, ip + 1, len), 0xffff);
}

static inline void fates_add_up(void)
{
	dp_tx_flush(&wk);
	for (uint16_t p = 0; p < P_NPORTS; p++) {
		if (wk.cnt[p].rx_packets != p_fates(&wk.cnt[p]))
			fprintf(stderr, "port %u: rx %" PRIu64 " != fates %" PRIu64 "\n", p,
				wk.cnt[p].rx_packets, p_fates(&wk.cnt[p]));
		assert_int_equal(wk.cnt[p].rx_packets, p_fates(&wk.cnt[p]));
	}
}

/* What the tests kept, freed (teardown). */
static inline void release_held(void)
{
	rte_pktmbuf_free_bulk(held, nheld);
	nheld = 0;
}

#endif /* DPVS_PATH_IO_H */
