/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * proto_sctp: what the balancer knows of SCTP (RFC 9260): the event a
 * packet's first chunk means, LVS's association states that follow from
 * those events in each direction, their names and timeouts, and the
 * CRC32c that guards every SCTP packet.
 *
 * SCTP's ports sit where TCP's and UDP's do (the first two 16-bit words),
 * so lookups, scheduling and NAT's port rewrite are the TCP/UDP code's.
 * What differs: a new association starts with an INIT chunk only, and
 * the checksum is a CRC32c over the whole SCTP packet without a pseudo
 * header (so NAT's address change leaves it alone, a port change does
 * not: it is then recomputed over the packet).
 */
#ifndef DPVS_IPVS_PROTO_SCTP_H
#define DPVS_IPVS_PROTO_SCTP_H

#include <stdbool.h>
#include <stdint.h>
#include <rte_mbuf.h>

#include "ipvs/ipvs_priv.h"

/* The SCTP common header: ports, verification tag, checksum. */
#define IPVS_SCTP_HDR_LEN 12u
#define IPVS_SCTP_CSUM_OFF 8u

/* The event of a packet, from its first chunk (LVS's reduction). */
enum ipvs_sctp_event {
	IPVS_SCTP_EV_DATA = 0, /* DATA, SACK, HEARTBEATs, anything unknown */
	IPVS_SCTP_EV_INIT,
	IPVS_SCTP_EV_INIT_ACK,
	IPVS_SCTP_EV_COOKIE_ECHO,
	IPVS_SCTP_EV_COOKIE_ACK,
	IPVS_SCTP_EV_SHUTDOWN,
	IPVS_SCTP_EV_SHUTDOWN_ACK,
	IPVS_SCTP_EV_SHUTDOWN_COMPLETE,
	IPVS_SCTP_EV_ERROR,
	IPVS_SCTP_EV_ABORT,
	IPVS_SCTP_EV_MAX,
	IPVS_SCTP_EV_NONE = 0xff /* no chunk header: no state change */
};

/* The event of the SCTP packet whose common header is at sh, with len
 * bytes of it in the first segment. */
uint8_t ipvs_sctp_event(const uint8_t *sh, uint32_t len);

/* The state after an event in direction dir; input_only: a conn whose
 * replies do not pass us (DR, TUN). States outside SCTP's are kept. */
uint8_t ipvs_sctp_next_state(uint8_t state, enum ipvs_dir dir, bool input_only, uint8_t event);

/* LVS's name of an SCTP state ("ERR!" when out of range). */
const char *ipvs_sctp_state_name(uint8_t state);

/* LVS's default timeouts of the SCTP states, in seconds. */
void ipvs_sctp_default_timeouts(uint32_t timeout[IPVS_STATE_MAX]);

/* The CRC32c of len bytes of m from offset off (an SCTP packet), its
 * checksum field (off + 8) taken as zero: the value that field must hold,
 * as it is stored (little-endian, as the kernel's sctp_compute_cksum).
 * Segmented mbufs are walked. */
uint32_t ipvs_sctp_crc(const struct rte_mbuf *m, uint32_t off, uint32_t len);

/* The SCTP packet at offset off (len bytes) of m carries a right
 * CRC32c. */
bool ipvs_sctp_csum_ok(const struct rte_mbuf *m, uint32_t off, uint32_t len);

/* NAT: the port at sh (its source when src, else its destination) set to
 * port (network order) and the CRC32c recomputed, which only a port
 * change needs. The received CRC is checked first unless the NIC did:
 * false (nothing written) when it is wrong, so a corrupt packet is not
 * given a right checksum. off/len: the SCTP packet in m. */
bool ipvs_sctp_nat_port(struct rte_mbuf *m, uint32_t off, uint32_t len, bool src,
			uint16_t port);

#endif /* DPVS_IPVS_PROTO_SCTP_H */
