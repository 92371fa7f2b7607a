/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Types shared by the daemon and the tools: addresses that can hold IPv4
 * or IPv6, and the names of the interfaces the daemon owns.
 *
 * Addresses are kept in network byte order everywhere (as on the wire), so
 * that the data path never converts them.
 */
#ifndef DPVS_COMMON_H
#define DPVS_COMMON_H

#include <stdint.h>
#include <netinet/in.h>

#define DPVS_IFNAMSIZ 16 /* as IFNAMSIZ: 15 characters and a NUL */

#ifndef DPVS_VERSION_STRING
#define DPVS_VERSION_STRING "0.1.0"
#endif

/* One address of either family. Compare with the family, never alone. */
union inet_addr {
	struct in_addr in;
	struct in6_addr in6;
	uint32_t be32[4];
	uint8_t b[16];
};

/* A MAC address, kept as six bytes (no struct padding issues on the wire). */
struct dpvs_mac {
	uint8_t b[6];
};

#endif /* DPVS_COMMON_H */
