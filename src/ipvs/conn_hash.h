/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * conn_hash: the bucket of a tuple in a worker's connection table, from
 * a keyed pseudo-random function (SipHash-1-3, Aumasson and Bernstein,
 * "SipHash: a fast short-input PRF", 2012) with a secret key drawn from
 * getrandom at every start.
 *
 * Why keyed: the tuple is the attacker's to choose (any source address
 * and port of a spoofed SYN). With a public function (the CRC32C with a
 * fixed seed this replaced) colliding tuples are computed offline and a
 * few thousand of them a second turn one bucket into a list the worker
 * walks for every packet of it (issue 21: 8K -> 380K cycles a packet).
 * A random seed does not help a CRC: it is linear, so tuples that
 * collide under one seed collide under every seed. Without the key a
 * PRF's output tells nothing, so collisions cannot be aimed.
 *
 * Why 1-3 and not 2-4: the input is 13 bytes, two SipHash blocks, so 1-3
 * costs 5 rounds and 2-4 costs 8 (dp_instr: docs/dos.md has the counts).
 * 1-3 is what the Linux kernel uses as its hsiphash on 64-bit machines
 * for tables that remote peers can reach, with the same argument: the
 * output never leaves the box (only a bucket index, of which an attacker
 * sees at most timing), so the margin of 2-4 buys nothing here.
 *
 * The tuple is packed as the 13-byte message saddr, daddr, sport, dport,
 * proto (network order as on the wire), the length byte in the last
 * block as the specification says; so this is SipHash-1-3 of those
 * bytes exactly (test_conn_hash checks the reference vectors).
 */
#ifndef DPVS_IPVS_CONN_HASH_H
#define DPVS_IPVS_CONN_HASH_H

#include <stdint.h>

struct ipvs_hash_key {
	uint64_t k0, k1;
};

#define IPVS_SIP_ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

#define IPVS_SIPROUND(v0, v1, v2, v3)                                                         \
	do {                                                                                   \
		v0 += v1;                                                                      \
		v1 = IPVS_SIP_ROTL(v1, 13);                                                    \
		v1 ^= v0;                                                                      \
		v0 = IPVS_SIP_ROTL(v0, 32);                                                    \
		v2 += v3;                                                                      \
		v3 = IPVS_SIP_ROTL(v3, 16);                                                    \
		v3 ^= v2;                                                                      \
		v0 += v3;                                                                      \
		v3 = IPVS_SIP_ROTL(v3, 21);                                                    \
		v3 ^= v0;                                                                      \
		v2 += v1;                                                                      \
		v1 = IPVS_SIP_ROTL(v1, 17);                                                    \
		v1 ^= v2;                                                                      \
		v2 = IPVS_SIP_ROTL(v2, 32);                                                    \
	} while (0)

/* SipHash-c-d of a message of whole 64-bit words m[0..n-1], the last of
 * which carries the length byte (the caller packs it). */
static inline uint64_t ipvs_siphash_words(const struct ipvs_hash_key *k, const uint64_t *m,
					  unsigned n, unsigned c, unsigned d)
{
	uint64_t v0 = 0x736f6d6570736575ull ^ k->k0;
	uint64_t v1 = 0x646f72616e646f6dull ^ k->k1;
	uint64_t v2 = 0x6c7967656e657261ull ^ k->k0;
	uint64_t v3 = 0x7465646279746573ull ^ k->k1;

	for (unsigned i = 0; i < n; i++) {
		v3 ^= m[i];
		for (unsigned r = 0; r < c; r++)
			IPVS_SIPROUND(v0, v1, v2, v3);
		v0 ^= m[i];
	}
	v2 ^= 0xff;
	for (unsigned r = 0; r < d; r++)
		IPVS_SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

/* SipHash-1-3 of a 13-byte message in two blocks (m1 carries the length
 * byte), the rounds written out: the general loop above costs its
 * counters per round. */
static inline __attribute__((always_inline)) uint64_t
ipvs_siphash13_2w(const struct ipvs_hash_key *k, uint64_t m0, uint64_t m1)
{
	uint64_t v0 = 0x736f6d6570736575ull ^ k->k0;
	uint64_t v1 = 0x646f72616e646f6dull ^ k->k1;
	uint64_t v2 = 0x6c7967656e657261ull ^ k->k0;
	uint64_t v3 = 0x7465646279746573ull ^ k->k1;

	v3 ^= m0;
	IPVS_SIPROUND(v0, v1, v2, v3);
	v0 ^= m0;
	v3 ^= m1;
	IPVS_SIPROUND(v0, v1, v2, v3);
	v0 ^= m1;
	v2 ^= 0xff;
	IPVS_SIPROUND(v0, v1, v2, v3);
	IPVS_SIPROUND(v0, v1, v2, v3);
	IPVS_SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

/* The 13-byte tuple as SipHash's two blocks (on a little-endian host, as
 * this one, the words hold the packet's bytes in wire order). */
static inline uint64_t ipvs_tuple_m0(uint32_t saddr, uint32_t daddr)
{
	return (uint64_t)saddr | (uint64_t)daddr << 32;
}

static inline uint64_t ipvs_tuple_m1(uint8_t proto, uint16_t sport, uint16_t dport)
{
	return (uint64_t)sport | (uint64_t)dport << 16 | (uint64_t)proto << 32 | 13ull << 56;
}

static inline __attribute__((always_inline)) uint64_t
ipvs_tuple_hash(const struct ipvs_hash_key *k, uint8_t proto, uint32_t saddr, uint32_t daddr,
		uint16_t sport, uint16_t dport)
{
	return ipvs_siphash13_2w(k, ipvs_tuple_m0(saddr, daddr), ipvs_tuple_m1(proto, sport, dport));
}

/*
 * A burst's tuples at once (conn_hash.c): out[i] = the hash of (m0[i],
 * m1[i]) for i < n, n <= IPVS_HASH_BURST_MAX; m0, m1 and out hold n
 * rounded up to 4 entries (the extra lanes are computed and ignored).
 * Four lanes of AVX2 where the CPU has it (about a quarter of the
 * instructions of one hash after another), else one after another.
 */
#define IPVS_HASH_BURST_MAX 32
void ipvs_tuple_hash_burst(const struct ipvs_hash_key *k, const uint64_t *m0, const uint64_t *m1,
			   uint64_t *out, unsigned n);

#endif /* DPVS_IPVS_CONN_HASH_H */
