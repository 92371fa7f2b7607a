/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * csum: the Internet checksum toolkit of the data plane, shared by the
 * stack (IPv4 header, ICMP) and ipvs/ (NAT/FNAT rewrites).
 *
 * Every value here is taken and returned exactly as it sits in the packet
 * (network byte order): the one's complement sum does not care about byte
 * order as long as all operands use the same one, so callers pass raw
 * header fields and store the result back without any conversion.
 *
 * Incremental updates follow RFC 1624 equation 3, HC' = ~(~HC + ~m + m'),
 * which (unlike RFC 1071's HC' = HC - ~m - m') never produces the -0
 * (0xffff) that a from-scratch computation cannot give.
 */
#ifndef DPVS_INET_CSUM_H
#define DPVS_INET_CSUM_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <rte_ip.h>

/* Folds a 32-bit accumulator to 16 bits with end-around carry. */
static inline uint16_t csum_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* New checksum after one 16-bit word of the covered data changed. */
static inline uint16_t csum_update16(uint16_t csum, uint16_t old_val, uint16_t new_val)
{
	uint32_t sum = (uint16_t)~csum;

	sum += (uint16_t)~old_val;
	sum += new_val;
	return (uint16_t)~csum_fold(sum);
}

/* New checksum after a 32-bit field (an address) changed: two words. */
static inline uint16_t csum_update32(uint16_t csum, uint32_t old_val, uint32_t new_val)
{
	uint32_t sum = (uint16_t)~csum;

	sum += (uint16_t)~(old_val >> 16);
	sum += (uint16_t)~(old_val & 0xffff);
	sum += new_val >> 16;
	sum += new_val & 0xffff;
	return (uint16_t)~csum_fold(sum);
}

/* Folds a 64-bit accumulator of 32-bit words to 16 bits (the one's
 * complement sum of 32-bit words folds to that of their 16-bit halves). */
static inline uint16_t csum_fold64(uint64_t sum)
{
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffffffff) + (sum >> 32);
	return csum_fold((uint32_t)sum);
}

/*
 * The IPv4 header checksum to store, computed from scratch over the
 * header and its options. The checksum field is treated as zero, so the
 * caller need not clear it first. The usual 20-byte header as five
 * 32-bit words (no loop); one with options by the general sum.
 */
static inline uint16_t csum_ipv4_hdr(const struct rte_ipv4_hdr *ip)
{
	if (likely(ip->version_ihl == RTE_IPV4_VHL_DEF)) {
		uint32_t w[5];

		memcpy(w, ip, sizeof(w));
		return (uint16_t)~csum_fold64((uint64_t)w[0] + w[1] + w[2] + w[3] + w[4] +
					      (uint16_t)~ip->hdr_checksum);
	}
	uint32_t sum = rte_raw_cksum(ip, rte_ipv4_hdr_len(ip));

	sum += (uint16_t)~ip->hdr_checksum; /* take the stored field back out */
	return (uint16_t)~csum_fold(sum);
}

/* True when the header's stored checksum is right (sums to all ones). The
 * common 20-byte header is summed as five 32-bit words. */
static inline bool csum_ipv4_hdr_ok(const struct rte_ipv4_hdr *ip, unsigned hdr_len)
{
	if (likely(hdr_len == sizeof(*ip))) {
		uint32_t w[5];

		memcpy(w, ip, sizeof(w)); /* five loads: the header may be unaligned */
		return csum_fold64((uint64_t)w[0] + w[1] + w[2] + w[3] + w[4]) == 0xffff;
	}
	return rte_raw_cksum(ip, hdr_len) == 0xffff;
}

/* The one's complement sum (folded, not complemented) of len contiguous
 * bytes, summed as 32-bit words on a 64-bit accumulator. */
static inline uint16_t csum_raw(const void *buf, uint32_t len)
{
	const uint8_t *p = (const uint8_t *)buf;
	uint64_t sum = 0, d;
	uint32_t w;

	/* 8 bytes a step, as two 32-bit words (no carry lost) */
	for (; len >= 8; len -= 8, p += 8) {
		memcpy(&d, p, 8);
		sum += (d & 0xffffffff) + (d >> 32);
	}
	if (len >= 4) {
		memcpy(&w, p, 4);
		sum += w;
		len -= 4;
		p += 4;
	}
	if (len) { /* the tail, zero-padded on the right as RFC 1071 pads */
		w = 0;
		memcpy(&w, p, len);
		sum += w;
	}
	return csum_fold64(sum);
}

/*
 * RFC 1624 over many fields at once, for a packet rewritten more than a
 * field or two (the SYN proxy turns a SYN into its SYN-ACK in place):
 * a 64-bit delta collects, for each field that changed, ~old + new
 * (csum_delta32 for a 32-bit word, csum_delta16 for a 16-bit one; the
 * sum of bytes removed as ~csum_raw, of bytes added as csum_raw), and
 * csum_apply folds it into the stored checksum once. In one's
 * complement ~x is -x, 0xffffffff and 0xffff are both zero, so 32- and
 * 16-bit terms share the accumulator; every field must sit at an even
 * offset of the covered data, as all of TCP's and IPv4's do. A checksum
 * that was wrong stays wrong by as much: the receiver still drops it.
 */
static inline uint64_t csum_delta32(uint32_t old_val, uint32_t new_val)
{
	return (uint64_t)(uint32_t)~old_val + new_val;
}

static inline uint64_t csum_delta16(uint16_t old_val, uint16_t new_val)
{
	return (uint64_t)(uint16_t)~old_val + new_val;
}

static inline uint16_t csum_apply(uint16_t csum, uint64_t delta)
{
	return (uint16_t)~csum_fold64((uint64_t)(uint16_t)~csum + delta);
}

/*
 * Folded (not complemented) pseudo-header sum for a TCP/UDP checksum:
 * source, destination, protocol and the L4 length derived from the IPv4
 * total length. Used as the seed for checksum offload and below.
 */
static inline uint16_t csum_ipv4_pseudo(const struct rte_ipv4_hdr *ip)
{
	return rte_ipv4_phdr_cksum(ip, 0);
}

/*
 * Full TCP/UDP checksum to store, over the pseudo header and the
 * contiguous L4 segment at l4 (its checksum field is included in the sum,
 * so the caller zeroes it first). For UDP a zero result is sent as 0xffff
 * (zero means "no checksum" there); DPDK's helper already does that.
 */
static inline uint16_t csum_ipv4_l4(const struct rte_ipv4_hdr *ip, const void *l4)
{
	return rte_ipv4_udptcp_cksum(ip, l4);
}

#endif /* DPVS_INET_CSUM_H */
