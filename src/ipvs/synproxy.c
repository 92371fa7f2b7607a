/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * synproxy: SYN cookies, the SYN's options and the sequence translation
 * of a spliced connection (what they are and why: synproxy.h).
 */
#include <string.h>

#include <rte_byteorder.h>

#include "inet/csum.h"
#include "ipvs/synproxy.h"

/* Linux's msstab (net/ipv4/syncookies.c): the values most clients send,
 * so the MSS the real server learns is rarely below the client's. */
const uint16_t synp_mss_table[SYNP_MSS_ENTRIES] = {536, 1300, 1440, 1460};

enum {
	TCPOPT_EOL = 0,
	TCPOPT_NOP = 1,
	TCPOPT_MSS = 2,
	TCPOPT_WS = 3,
	TCPOPT_SACK_PERM = 4,
	TCPOPT_SACK = 5,
	TCPOPT_TS = 8
};

enum synp_check synp_cookie_check(const struct ipvs_hash_key *k, const struct synp_tuple *t,
				  uint32_t ack_seq, uint32_t ack_ack, uint32_t now,
				  struct synp_opts *o)
{
	struct synp_sip_state st = synp_sip_first(k, synp_cookie_m0(t));
	uint32_t isn = ack_seq - 1,
		 v = (ack_ack - 1) - synp_sip_last(st, synp_cookie_m1(t, 0, 1)) - isn;
	/* the counter's low byte came back in the top one: its age modulo
	 * 256, so counter 0 still takes a cookie of counter 255. Most
	 * forged cookies end here, after one hash */
	uint32_t age = (now - (v >> SYNP_COOKIE_BITS)) & 0xff, data;

	if (age > 1)
		return SYNP_COOKIE_STALE;
	data = (v - synp_sip_last(st, synp_cookie_m1(t, now - age, 2))) & SYNP_COOKIE_MASK;
	if (data >> SYNP_DATA_BITS)
		return SYNP_COOKIE_FORGED;
	*o = (struct synp_opts){.mss = synp_mss_table[data & 3],
				.wscale = (uint8_t)((data >> SYNP_DATA_WS_SHIFT) & 0xf),
				.sack_ok = (data & SYNP_DATA_SACK) != 0};
	return SYNP_COOKIE_OK;
}

int synp_parse_opts(const uint8_t *opt, unsigned len, struct synp_opts *o)
{
	*o = (struct synp_opts){.mss = 0, .wscale = SYNP_WSCALE_NONE};
	for (unsigned i = 0; i < len;) {
		uint8_t kind = opt[i], olen;

		if (kind == TCPOPT_EOL)
			break;
		if (kind == TCPOPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= len || (olen = opt[i + 1]) < 2 || i + olen > len)
			return -1;
		/* a known kind with a length of another: ignored, as Linux does */
		if (kind == TCPOPT_MSS && olen == 4)
			o->mss = (uint16_t)(opt[i + 2] << 8 | opt[i + 3]);
		else if (kind == TCPOPT_WS && olen == 3)
			/* RFC 7323 2.3: a shift above 14 is taken as 14 */
			o->wscale = opt[i + 2] > SYNP_WSCALE_MAX ? SYNP_WSCALE_MAX : opt[i + 2];
		else if (kind == TCPOPT_SACK_PERM && olen == 2)
			o->sack_ok = true;
		else if (kind == TCPOPT_TS && olen == 10) {
			uint32_t v[2];

			memcpy(v, opt + i + 2, sizeof(v));
			o->ts = true;
			o->tsval = rte_be_to_cpu_32(v[0]);
			o->tsecr = rte_be_to_cpu_32(v[1]);
		}
		i += olen;
	}
	return 0;
}

static void xlate_win(struct rte_tcp_hdr *th, uint8_t from, uint8_t to)
{
	uint16_t old = th->rx_win, win;

	if (from == to)
		return;
	win = rte_cpu_to_be_16(synp_rescale_win(rte_be_to_cpu_16(old), from, to));
	th->rx_win = win;
	th->cksum = csum_update16(th->cksum, old, win);
}

void synp_xlate_out(struct rte_tcp_hdr *th, uint32_t delta, uint8_t rs_ws, uint8_t our_ws)
{
	uint32_t old = th->sent_seq, seq = rte_cpu_to_be_32(rte_be_to_cpu_32(old) - delta);

	th->sent_seq = seq;
	th->cksum = csum_update32(th->cksum, old, seq);
	xlate_win(th, rs_ws, our_ws);
}

/* Adds delta to the edges of the SACK blocks among the options; returns
 * whether there were any. */
static bool xlate_sack(uint8_t *opt, unsigned len, uint32_t delta)
{
	bool changed = false;

	for (unsigned i = 0; i < len;) {
		uint8_t kind = opt[i], olen;

		if (kind == TCPOPT_EOL)
			break;
		if (kind == TCPOPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= len || (olen = opt[i + 1]) < 2 || i + olen > len)
			break;
		if (kind == TCPOPT_SACK && olen >= 10 && (olen - 2) % 8 == 0) {
			for (unsigned e = i + 2; e < i + olen; e += 4) {
				uint32_t v;

				memcpy(&v, opt + e, 4);
				v = rte_cpu_to_be_32(rte_be_to_cpu_32(v) + delta);
				memcpy(opt + e, &v, 4);
			}
			changed = true;
		}
		i += olen;
	}
	return changed;
}

void synp_xlate_in(struct rte_tcp_hdr *th, uint32_t delta, uint8_t client_ws, uint8_t rs_ws)
{
	uint32_t old = th->recv_ack, ack = rte_cpu_to_be_32(rte_be_to_cpu_32(old) + delta);
	unsigned olen = (unsigned)(th->data_off >> 4) * 4;
	uint8_t *opt = (uint8_t *)(th + 1), before[40];

	th->recv_ack = ack;
	th->cksum = csum_update32(th->cksum, old, ack);
	xlate_win(th, client_ws, rs_ws);
	if (olen <= sizeof(*th))
		return;
	olen -= sizeof(*th);
	memcpy(before, opt, olen);
	/* the options start at offset 20 and are whole 32-bit words, so
	 * their sums before and after line up with the checksum's words
	 * wherever in them a SACK block sits (RFC 1624 over a range) */
	if (xlate_sack(opt, olen, delta)) {
		uint32_t sum = (uint16_t)~th->cksum;

		sum += (uint16_t)~csum_raw(before, olen);
		sum += csum_raw(opt, olen);
		th->cksum = (uint16_t)~csum_fold(sum);
	}
}
