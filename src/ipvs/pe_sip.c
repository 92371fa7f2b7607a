/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pe_sip: the Call-ID of a SIP message, and the persistence template key
 * made of it (see pe_sip.h).
 *
 * The parser walks the header lines of the message once: a header line
 * starts after a line end and not with whitespace (that would continue
 * the previous header: RFC 3261 7.3.1 folding). It never reads past len
 * and needs no terminating NUL: the datagram is parsed in place.
 *
 * The key: a template has no room for the Call-ID itself (a conn is 128
 * bytes), so its lookup key holds 48 bits of two CRC32c hashes of the
 * client net and the Call-ID, in the places a plain template keeps the
 * client net and the protocol. Two live calls of one client net to one
 * service whose hashes agree would share a real server: at 10,000
 * concurrent calls of one client net that happens with a chance of about
 * 1 in 3 million, and costs balance, not correctness.
 */
#include <rte_hash_crc.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "ipvs/ipvs_priv.h"
#include "ipvs/pe_sip.h"

static bool is_ws(uint8_t c)
{
	return c == ' ' || c == '\t';
}

static bool is_eol(uint8_t c)
{
	return c == '\r' || c == '\n';
}

/* The offset after the line end at p (CRLF, LF or CR). */
static uint32_t skip_eol(const uint8_t *msg, uint32_t len, uint32_t p)
{
	if (p < len && msg[p] == '\r')
		p++;
	if (p < len && msg[p] == '\n')
		p++;
	return p;
}

/* The offset of the next line's start after the line at p. */
static uint32_t next_line(const uint8_t *msg, uint32_t len, uint32_t p)
{
	while (p < len && !is_eol(msg[p]))
		p++;
	return skip_eol(msg, len, p);
}

/* The header name at p (n bytes) is name, without case. */
static bool name_is(const uint8_t *p, uint32_t n, const char *name)
{
	uint32_t i;

	for (i = 0; i < n && name[i]; i++) {
		uint8_t c = p[i];

		if (c >= 'A' && c <= 'Z')
			c = (uint8_t)(c - 'A' + 'a');
		if (c != (uint8_t)name[i])
			return false;
	}
	return i == n && name[i] == '\0';
}

/* The value of the header whose colon is at p - 1: 0 if malformed. */
static uint32_t header_value(const uint8_t *msg, uint32_t len, uint32_t p, const uint8_t **id)
{
	uint32_t start, end;

	/* LWS = [*WSP CRLF] 1*WSP: a line end here must be a fold */
	for (;;) {
		while (p < len && is_ws(msg[p]))
			p++;
		if (p < len && is_eol(msg[p])) {
			uint32_t q = skip_eol(msg, len, p);

			if (q < len && is_ws(msg[q])) {
				p = q;
				continue;
			}
			return 0; /* an empty value */
		}
		break;
	}
	start = p;
	while (p < len && !is_ws(msg[p]) && !is_eol(msg[p]))
		p++;
	end = p;
	while (p < len && is_ws(msg[p]))
		p++;
	/* one word, then the end of the line: a header always has one */
	if (end == start || p >= len || !is_eol(msg[p]) || end - start > IPVS_SIP_CALLID_MAX)
		return 0;
	*id = msg + start;
	return end - start;
}

uint32_t ipvs_sip_callid(const uint8_t *msg, uint32_t len, const uint8_t **id)
{
	/* the start line (request or status) is no header */
	uint32_t p = next_line(msg, len, 0);

	while (p < len) {
		uint32_t name = p, n;

		if (is_eol(msg[p]))
			return 0; /* the empty line: the body follows */
		if (is_ws(msg[p])) {
			p = next_line(msg, len, p); /* a folded continuation */
			continue;
		}
		while (p < len && msg[p] != ':' && !is_ws(msg[p]) && !is_eol(msg[p]))
			p++;
		n = p - name;
		while (p < len && is_ws(msg[p]))
			p++;
		if (p < len && msg[p] == ':' &&
		    (name_is(msg + name, n, "call-id") || name_is(msg + name, n, "i")))
			return header_value(msg, len, p + 1, id);
		p = next_line(msg, len, p);
	}
	return 0;
}

bool ipvs_pe_sip_key(const struct rte_mbuf *m, uint32_t cnet, uint32_t vaddr, uint16_t vport,
		     struct ipvs_tmpl_key *key)
{
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	uint32_t off = m->l3_len + (uint32_t)sizeof(struct rte_udp_hdr);
	uint32_t end = RTE_MIN((uint32_t)rte_be_to_cpu_16(ip->total_length),
			       (uint32_t)rte_pktmbuf_data_len(m));
	const uint8_t *id;
	uint32_t n, h1, h2;

	if (ip->next_proto_id != IPPROTO_UDP || end <= off)
		return false;
	n = ipvs_sip_callid(rte_pktmbuf_mtod_offset(m, const uint8_t *, off), end - off, &id);
	if (!n)
		return false;
	/* two seeds: independent enough for 48 bits of key */
	h1 = rte_hash_crc(id, n, rte_hash_crc_4byte(cnet, 0x5349500au));
	h2 = rte_hash_crc(id, n, rte_hash_crc_4byte(cnet, 0x43414c4cu));
	*key = (struct ipvs_tmpl_key){
	    .proto = IPVS_PROTO_TEMPLATE_PE,
	    .saddr = h1,
	    .sport = (uint16_t)(h2 ^ (h2 >> 16)),
	    .daddr = vaddr,
	    .dport = vport,
	};
	return true;
}
