/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lbb_attack: the tuples of lbbench's attack mode (issue 21), a SYN flood
 * from spoofed sources at the VIP beside the legitimate tcp-cps clients:
 *
 *   random   a fresh source address (10.128.0.0/9) and port per SYN: every
 *            one a new flow, as a spoofed flood fills a conn table;
 *   collide  tuples that all share one bucket of the connection table as
 *            dpvs hashed it before the keyed hash (CRC32C, the fixed seed
 *            0x5f3759df of worker 0, masked to --attack-buckets buckets):
 *            what an attacker computed offline against that table, to show
 *            the keyed hash defeats it.
 *
 * Collisions come from linear algebra, not search: CRC with a fixed
 * initial value is affine over GF(2), h(x ^ v) = h(x) ^ L(v), so the tuples
 * that keep the low bits of h are x0 ^ v for v in the kernel of L's low
 * rows. The free bits are the source address and port (48), the bucket
 * takes log2(buckets) of them: 2^(48 - k) tuples per bucket, walked in
 * Gray-code order (one XOR per tuple), martian sources skipped.
 */
#ifndef LBB_ATTACK_H
#define LBB_ATTACK_H

#include <stdbool.h>
#include <stdint.h>

#include "lbb_frame.h"

#define LBB_OLD_HASH_SEED 0x5f3759dfu /* dpvs's CRC seed of worker 0 before the keyed hash */

struct lbb_attack {
	bool collide;
	uint32_t vip;        /* network order */
	uint16_t vport;      /* network order */
	uint32_t mask;       /* buckets - 1 */
	uint64_t rng;        /* random: xorshift state */
	/* collide: the tuple x (src << 16 | port), the kernel basis, the
	 * Gray-code counter */
	uint64_t x;
	uint64_t basis[48];
	unsigned nbasis;
	uint64_t gray;
};

/* The bucket dpvs's old hash put a TCP tuple in (addresses and ports in
 * network order, as on the wire). */
uint32_t lbb_old_bucket(uint32_t saddr, uint32_t daddr, uint16_t sport, uint16_t dport,
			uint32_t mask);

/* buckets: a power of two (2..2^30), used by collide. 0, or -1 (bad
 * buckets). */
int lbb_attack_init(struct lbb_attack *a, bool collide, uint32_t vip, uint16_t vport,
		    uint32_t buckets, uint64_t seed);

/* The next SYN of the flood (sip, sport, seq vary; to VIP:vport). */
void lbb_attack_next(struct lbb_attack *a, struct lbb_tcp_seg *s);

#endif /* LBB_ATTACK_H */
