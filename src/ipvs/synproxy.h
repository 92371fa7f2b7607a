/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * synproxy: the pure parts of a TCP SYN proxy per service (issue 21 item
 * 4, as DPVS's ip_vs_synproxy): the SYN cookie that lets the balancer
 * answer a client's SYN without keeping any state, the parsing of the
 * SYN's options that the cookie carries, the options of the SYN-ACK and
 * of the SYN to the real server, and the sequence translation of a
 * spliced connection.
 *
 * Owns no state: the caller passes the secret key, the clock's counter
 * and the packets' bytes. Called by the data path (ipvs_core.c,
 * proto_tcp.c, xmit_nat.h) and by the unit tests; calls only
 * conn_hash.h's SipHash and inet/csum.h.
 *
 * The cookie is Linux's (net/ipv4/syncookies.c, after D. J. Bernstein's
 * design) with SipHash-1-3 under the balancer's own key in place of the
 * kernel's hash:
 *
 *   cookie = H(key, tuple, 0) + client ISN + (count << 24)
 *            + ((H(key, tuple, count) + data) & 0xffffff)
 *
 * count is the clock's counter (one step per SYNP_COUNTER_SECONDS) kept
 * to 8 bits, data the 7 bits below (MSS index, window scale, SACK). The
 * check undoes the first hash and the ISN, reads count back from the top
 * byte, accepts it if it is the current counter or the previous one
 * (modulo 256, so a counter that wrapped is still the previous one), and
 * then the low 24 bits less the second hash must be a value below 2^7:
 * a forged ACK passes with a chance of about 2^-24 (2 counters of 256,
 * 2^7 data values of 2^24).
 */
#ifndef DPVS_IPVS_SYNPROXY_H
#define DPVS_IPVS_SYNPROXY_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_tcp.h>

#include "ipvs/conn_hash.h"

/* One counter step: a cookie is good for one to two of them (64 to 128
 * seconds), Linux's lifetime (MAX_SYNCOOKIE_AGE 2 of 60 s). */
#define SYNP_COUNTER_SECONDS 64u

/* The MSS values a cookie can carry (2 bits): Linux's IPv4 table. The
 * client gets the largest entry not above the MSS its SYN offered (the
 * smallest when it offered less or nothing, as RFC 9293's 536 default). */
#define SYNP_MSS_ENTRIES 4
extern const uint16_t synp_mss_table[SYNP_MSS_ENTRIES];

/* "no window scale option" (a shift is at most 14, RFC 7323) */
#define SYNP_WSCALE_NONE 15u
#define SYNP_WSCALE_MAX	 14u

/* What a client's SYN offered, as the cookie keeps it; and a segment's
 * timestamps (a parse result only: the cookie needs no bit for them, the
 * handshake's ACK carries its own, see synp_write_ts). */
struct synp_opts {
	uint16_t mss;	/* 0 in a parse result: the SYN had no MSS option */
	uint8_t wscale; /* 0..14, or SYNP_WSCALE_NONE */
	bool sack_ok;
	bool ts;	       /* a TSopt (RFC 7323) was there */
	uint32_t tsval, tsecr; /* its values, host order */
};

/* The counter of a time (seconds of the worker clock). */
static inline uint32_t synp_counter(uint64_t seconds)
{
	return (uint32_t)(seconds / SYNP_COUNTER_SECONDS);
}

/* The TCP tuple as the client sent it (network order). */
struct synp_tuple {
	uint32_t saddr, daddr;
	uint16_t sport, dport;
};

/* The MSS table's index for a client's offer (see synp_mss_table). */
static inline unsigned synp_mss_index(uint16_t mss)
{
	unsigned i = SYNP_MSS_ENTRIES - 1;

	while (i > 0 && synp_mss_table[i] > mss)
		i--;
	return i;
}

/* The cookie's layout (the top of this file) */
#define SYNP_COOKIE_BITS 24
#define SYNP_COOKIE_MASK ((1u << SYNP_COOKIE_BITS) - 1)
/* the data the cookie carries: MSS index (2 bits), window scale (4), SACK (1) */
#define SYNP_DATA_BITS	   7
#define SYNP_DATA_WS_SHIFT 2
#define SYNP_DATA_SACK	   0x40u

/* H(key, tuple, count): which = 1 is the count-free hash that hides the
 * tuple's part, which = 2 the one bound to the counter; distinct
 * messages, so one key serves both. The counter's 24 bits wrap once in
 * 34 years of 64-second steps. The message's two words: */
static inline uint64_t synp_cookie_m0(const struct synp_tuple *t)
{
	return (uint64_t)t->saddr | (uint64_t)t->daddr << 32;
}

static inline uint64_t synp_cookie_m1(const struct synp_tuple *t, uint32_t count, uint8_t which)
{
	return (uint64_t)t->sport | (uint64_t)t->dport << 16 | (uint64_t)(count & 0xffffff) << 32 |
	       (uint64_t)which << 56;
}

/*
 * The two hashes are SipHash-1-3 of two 13-byte messages that share
 * their first block (the addresses): the key's set-up and that block's
 * round are done once (synp_sip_first) and each hash goes on from a copy of
 * the state (synp_sip_last): 9 rounds for the pair, not 10, and the very
 * values of two whole runs (test_synproxy checks them against
 * ipvs_siphash13_2w).
 */
struct synp_sip_state {
	uint64_t v0, v1, v2, v3;
};

static inline struct synp_sip_state synp_sip_first(const struct ipvs_hash_key *k, uint64_t m0)
{
	struct synp_sip_state s = {0x736f6d6570736575ull ^ k->k0, 0x646f72616e646f6dull ^ k->k1,
				   0x6c7967656e657261ull ^ k->k0,
				   0x7465646279746573ull ^ k->k1 ^ m0};

	IPVS_SIPROUND(s.v0, s.v1, s.v2, s.v3);
	s.v0 ^= m0;
	return s;
}

static inline uint32_t synp_sip_last(struct synp_sip_state s, uint64_t m1)
{
	s.v3 ^= m1;
	IPVS_SIPROUND(s.v0, s.v1, s.v2, s.v3);
	s.v0 ^= m1;
	s.v2 ^= 0xff;
	IPVS_SIPROUND(s.v0, s.v1, s.v2, s.v3);
	IPVS_SIPROUND(s.v0, s.v1, s.v2, s.v3);
	IPVS_SIPROUND(s.v0, s.v1, s.v2, s.v3);
	return (uint32_t)(s.v0 ^ s.v1 ^ s.v2 ^ s.v3);
}

/* The cookie (our ISN in the SYN-ACK) for the client's SYN of ISN isn
 * at counter count; the opts kept are those the MSS table and 4 bits of
 * window scale can say (*kept, when not NULL, receives them). Inline:
 * the flood's every SYN makes one. */
static inline uint32_t synp_cookie_make(const struct ipvs_hash_key *k, const struct synp_tuple *t,
					uint32_t isn, uint32_t count, const struct synp_opts *o,
					struct synp_opts *kept)
{
	unsigned mi = synp_mss_index(o->mss);
	uint32_t ws = o->wscale > SYNP_WSCALE_MAX ? SYNP_WSCALE_NONE : o->wscale;
	uint32_t data = mi | ws << SYNP_DATA_WS_SHIFT | (o->sack_ok ? SYNP_DATA_SACK : 0);
	struct synp_sip_state st;

	if (kept)
		*kept = (struct synp_opts){
		    .mss = synp_mss_table[mi], .wscale = (uint8_t)ws, .sack_ok = o->sack_ok};
	st = synp_sip_first(k, synp_cookie_m0(t));
	return synp_sip_last(st, synp_cookie_m1(t, 0, 1)) + isn + (count << SYNP_COOKIE_BITS) +
	       ((synp_sip_last(st, synp_cookie_m1(t, count, 2)) + data) & SYNP_COOKIE_MASK);
}

enum synp_check {
	SYNP_COOKIE_OK = 0,
	SYNP_COOKIE_STALE,  /* a counter neither current nor previous */
	SYNP_COOKIE_FORGED, /* the hash does not match */
};

/* Checks the client's ACK (its seq = its ISN + 1, its ack = cookie + 1)
 * at counter now; on SYNP_COOKIE_OK fills *o with what the SYN offered
 * (mss from the table, never 0). */
enum synp_check synp_cookie_check(const struct ipvs_hash_key *k, const struct synp_tuple *t,
				  uint32_t ack_seq, uint32_t ack_ack, uint32_t now,
				  struct synp_opts *o);

/* Reads the options of a segment (len bytes at opt). Returns 0, or -1
 * when an option runs past the end or has a length below 2 (a SYN is
 * then dropped, as Linux's tcp_parse_options stops). Unknown options
 * are skipped. */
int synp_parse_opts(const uint8_t *opt, unsigned len, struct synp_opts *o);

/* Writes the options of the proxy's SYN-ACK (or of its SYN to the real
 * server, with the client's opts) into buf (room for SYNP_OPTS_MAX
 * bytes): MSS mss; window scale ws only when the peer offered one
 * (peer_ws != SYNP_WSCALE_NONE); SACK-permitted when the peer offered
 * it. Returns the length written, a multiple of 4. */
#define SYNP_OPTS_MAX 24 /* the three, and a TSopt (synp_write_ts) */

/* One 32-bit word of options, host order in, network order out: each
 * option the proxy writes is a word of its own (kind, length and value,
 * NOPs in front), so writing them is a store or two from a template. */
static inline void synp_put_word(uint8_t *buf, uint32_t word)
{
	uint32_t v = rte_cpu_to_be_32(word);

	memcpy(buf, &v, sizeof(v));
}

#define SYNP_OPT_MSS	 0x02040000u /* kind 2, length 4, the MSS below */
#define SYNP_OPT_WS	 0x01030300u /* NOP, kind 3, length 3, the shift below */
#define SYNP_OPT_SACK_OK 0x01010402u /* NOP, NOP, kind 4, length 2 */
#define SYNP_OPT_TS	 0x0101080au /* NOP, NOP, kind 8, length 10; TSval, TSecr follow */

static inline unsigned synp_write_opts(uint8_t *buf, uint16_t mss, uint8_t ws, uint8_t peer_ws,
				       bool sack)
{
	unsigned n = 4;

	synp_put_word(buf, SYNP_OPT_MSS | mss);
	/* RFC 7323: a SYN-ACK carries a window scale only if the SYN did */
	if (peer_ws != SYNP_WSCALE_NONE) {
		synp_put_word(buf + n, SYNP_OPT_WS | ws);
		n += 4;
	}
	if (sack) {
		synp_put_word(buf + n, SYNP_OPT_SACK_OK);
		n += 4;
	}
	return n;
}

/*
 * Timestamps through the proxy without a byte of state: the SYN-ACK's
 * TSval is 0 (its TSecr the client's TSval). A client then holds
 * TS.Recent = 0, and Linux and the BSDs take any TSval after a zero one
 * (tcp_paws_check: "some OSes send SYN and SYNACK messages with tsval=0"),
 * so the real server's own clock reaches the client untranslated from
 * its first segment on, and the client's reaches the real server as it
 * is: nothing to translate after the splice. The SYN to the real server
 * carries the TSval of the client's handshake ACK; the proxy's ACK of
 * the real server's SYN-ACK echoes it (TSval = its TSecr, TSecr = its
 * TSval). A cookie with timestamps needs no bits for them (Linux's
 * cookie_init_timestamp hides wscale and SACK in the TSval because its
 * MSS-only cookie has no room; this one keeps them itself).
 * Writes NOP, NOP, TSopt at buf (12 bytes): its length.
 */
#define SYNP_TS_LEN 12
static inline unsigned synp_write_ts(uint8_t *buf, uint32_t tsval, uint32_t tsecr)
{
	synp_put_word(buf, SYNP_OPT_TS);
	synp_put_word(buf + 4, tsval);
	synp_put_word(buf + 8, tsecr);
	return SYNP_TS_LEN;
}

/*
 * Sequence translation of a spliced connection. The client knows our
 * cookie as the server's ISN, the real server its own ISN; delta is
 * their difference (rs_isn - cookie, modulo 2^32). Every field stays in
 * network order; the TCP checksum is updated in place (no recompute).
 */
static inline uint32_t synp_delta(uint32_t cookie, uint32_t rs_isn)
{
	return rs_isn - cookie;
}

/* Real server -> client: seq -= delta; the window, read at the real
 * server's shift rs_ws, is rewritten at the shift the client was given
 * (our_ws), saturated at 0xffff. Its acks and SACK blocks are about the
 * client's own numbers and stay. */
void synp_xlate_out(struct rte_tcp_hdr *th, uint32_t delta, uint8_t rs_ws, uint8_t our_ws);

/* Client -> real server: ack += delta, and the edges of every SACK block
 * (they name the real server's bytes); the window from the client's
 * shift to the one the real server accepted (0 when its SYN-ACK had no
 * window scale: then the two legs scale differently). Malformed options
 * are left as they are (the real server judges them). */
void synp_xlate_in(struct rte_tcp_hdr *th, uint32_t delta, uint8_t client_ws, uint8_t rs_ws);

/* A window field (host order) read at shift from, as the same number of
 * bytes at shift to, saturated: the one rule of both directions. */
static inline uint16_t synp_rescale_win(uint16_t win, uint8_t from, uint8_t to)
{
	uint64_t bytes = (uint64_t)win << from;

	bytes >>= to;
	return bytes > 0xffff ? 0xffff : (uint16_t)bytes;
}

#endif /* DPVS_IPVS_SYNPROXY_H */
