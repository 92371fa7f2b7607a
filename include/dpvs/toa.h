/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The client address as Full-NAT carries it to the real servers: the wire
 * formats shared by the daemon (which writes them), the real server's
 * kernel modules in kmod/ and the eBPF reader (which read them).
 *
 * Full-NAT replaces the client's address by a local address (LIP), so a
 * real server sees the LIP as its peer. These options put the client's
 * address back into the packets, in the layouts DPVS's real-server modules
 * read, so that a server farm prepared for DPVS works unchanged:
 *
 * TOA (TCP): a TCP option, kind 254, length 8: the client's port, then its
 *   IPv4 address, both in network order. Written on the SYN and on the
 *   first data segments while there is room in the options (the data path
 *   clamps the MSS it forwards so the option always fits).
 *
 * UOA (UDP): an IPv4 header option, type 31, length 8: type, length,
 *   the client's port, its IPv4 address (two 32-bit words, so no padding).
 *   Written on the first UOA_PACKETS datagrams of a flow when the IPv4
 *   header has room for it (IHL at most 13 words before).
 *
 * Only this header defines the layouts; every reader and writer includes it.
 */
#ifndef DPVS_TOA_H
#define DPVS_TOA_H

#include <stdint.h>

#define TOA_KIND 254   /* TCP option kind (RFC 6994's experimental range) */
#define TOA_LEN 8      /* kind, length, port (2), IPv4 address (4) */

#define UOA_TYPE 31    /* IPv4 option type (copy flag 0, class 0, number 31) */
#define UOA_LEN 8      /* type, length, port (2), IPv4 address (4) */
#define UOA_PACKETS 3  /* datagrams of a flow that carry it */

/* Both options have the same body after their two-byte head. */
struct toa_opt {
	uint8_t kind;  /* TOA_KIND or UOA_TYPE */
	uint8_t len;   /* TOA_LEN or UOA_LEN */
	uint16_t port; /* the client's port, network order */
	uint32_t addr; /* the client's IPv4 address, network order */
} __attribute__((packed));

_Static_assert(sizeof(struct toa_opt) == TOA_LEN, "TOA is 8 bytes on the wire");
_Static_assert(TOA_LEN == UOA_LEN, "TOA and UOA share one layout");

#endif /* DPVS_TOA_H */
