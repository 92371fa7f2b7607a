/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pe_sip: the SIP persistence engine (ipvsadm --pe sip), LVS's
 * ip_vs_pe_sip: a persistent UDP service keys its templates by the
 * Call-ID of the SIP message in each datagram, so every datagram of one
 * call reaches the same real server, whatever the client port, while the
 * calls of one client (a SIP proxy) are spread.
 */
#ifndef DPVS_IPVS_PE_SIP_H
#define DPVS_IPVS_PE_SIP_H

#include <stdbool.h>
#include <stdint.h>

/* LVS's limit on persistence-engine data (IP_VS_PEDATA_MAXLEN). */
#define IPVS_SIP_CALLID_MAX 255u

/*
 * The Call-ID of the SIP message msg (len bytes): the value of the first
 * "Call-ID" header, or its compact form "i", in the header section (the
 * lines after the start line, up to the empty line), names compared
 * without case. RFC 3261's whitespace: SP or HTAB before the colon, and
 * linear whitespace (folding included) after it; the value is one word,
 * which trailing whitespace and then the end of the line must follow
 * (CRLF, or a bare LF or CR as RFC 2543 and LVS allow). Returns its length
 * (1..IPVS_SIP_CALLID_MAX) with *id at it; 0 when there is none, it is
 * empty, too long, or not ended by a line end (LVS too then falls back).
 */
uint32_t ipvs_sip_callid(const uint8_t *msg, uint32_t len, const uint8_t **id);

struct rte_mbuf;
struct ipvs_tmpl_key;

/* The template key of the UDP datagram m (data at its IPv4 header,
 * l3_len set) for client net cnet of the service at vaddr:vport
 * (network order): proto IPVS_PROTO_TEMPLATE_PE and 48 bits of a hash of
 * the client net and the Call-ID. false: no Call-ID in the part of the
 * message in the first segment. */
bool ipvs_pe_sip_key(const struct rte_mbuf *m, uint32_t cnet, uint32_t vaddr, uint16_t vport,
		     struct ipvs_tmpl_key *key);

#endif /* DPVS_IPVS_PE_SIP_H */
