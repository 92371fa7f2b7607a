/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * synproxy's pure parts: cookies made and checked (their layout over two
 * whole SipHash runs; every MSS table entry,
 * window scales, SACK; wrong key, tuple, ISN and bits; the previous
 * counter taken, an older one refused, counters that wrapped), the SYN's
 * options read and written, and the sequence translation of a spliced
 * conn (seq and ack across 2^32, SACK blocks wherever they sit, the
 * window between shifts) with the checksum equal to one from scratch.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <rte_byteorder.h>
#include <rte_ip.h>

#include "ipvs/synproxy.h"

static const struct ipvs_hash_key key = {0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull};
static const struct ipvs_hash_key key2 = {0x0706050403020100ull, 0x0f0e0d0c0b0a0909ull};

static struct synp_tuple tup(void)
{
	return (struct synp_tuple){.saddr = rte_cpu_to_be_32(0x0a000102),
				   .daddr = rte_cpu_to_be_32(0x0a0000fe),
				   .sport = rte_cpu_to_be_16(40000),
				   .dport = rte_cpu_to_be_16(80)};
}

/* the client's ACK for cookie c of a SYN with ISN isn: seq isn+1, ack c+1 */
static enum synp_check check_ack(const struct ipvs_hash_key *k, const struct synp_tuple *t,
				 uint32_t isn, uint32_t c, uint32_t now, struct synp_opts *o)
{
	return synp_cookie_check(k, t, isn + 1, c + 1, now, o);
}

static void test_mss_index(void **state)
{
	(void)state;
	assert_int_equal(synp_mss_index(0), 0);	  /* no MSS option: 536 */
	assert_int_equal(synp_mss_index(100), 0); /* below the table: its least */
	assert_int_equal(synp_mss_index(536), 0);
	assert_int_equal(synp_mss_index(1299), 0);
	assert_int_equal(synp_mss_index(1300), 1);
	assert_int_equal(synp_mss_index(1439), 1);
	assert_int_equal(synp_mss_index(1440), 2);
	assert_int_equal(synp_mss_index(1459), 2);
	assert_int_equal(synp_mss_index(1460), 3);
	assert_int_equal(synp_mss_index(8960), 3);
}

/* every table entry, every window scale (and none), SACK on and off */
static void test_cookie_roundtrip(void **state)
{
	struct synp_tuple t = tup();

	(void)state;
	for (unsigned mi = 0; mi < SYNP_MSS_ENTRIES; mi++)
		for (unsigned ws = 0; ws <= SYNP_WSCALE_NONE; ws++)
			for (unsigned sack = 0; sack < 2; sack++) {
				struct synp_opts in = {.mss = synp_mss_table[mi],
						       .wscale = (uint8_t)ws,
						       .sack_ok = sack},
						 kept, out;
				uint32_t isn = 0x9abcdef0u + mi * 7919 + ws;
				uint32_t c = synp_cookie_make(&key, &t, isn, 1000, &in, &kept);

				assert_int_equal(kept.mss, synp_mss_table[mi]);
				assert_int_equal(check_ack(&key, &t, isn, c, 1000, &out),
						 SYNP_COOKIE_OK);
				assert_int_equal(out.mss, synp_mss_table[mi]);
				assert_int_equal(out.wscale, ws);
				assert_int_equal(out.sack_ok, sack);
			}
}

/* The cookie is Linux's layout over two whole SipHash-1-3 runs, whatever
 * synproxy.c shares between them: H1 + ISN + count << 24 + ((H2 + data)
 * & 2^24 - 1), with data = MSS index | wscale << 2 | SACK << 6. */
static void test_cookie_layout(void **state)
{
	struct synp_tuple t = tup();
	struct synp_opts in = {.mss = 1440, .wscale = 9, .sack_ok = true};
	uint64_t m0 = (uint64_t)t.saddr | (uint64_t)t.daddr << 32;
	uint64_t m1 = (uint64_t)t.sport | (uint64_t)t.dport << 16;

	(void)state;
	for (uint32_t count = 0x00fffffe; count != 0x01000003; count++) {
		uint32_t isn = 0x80000000u ^ count;
		uint32_t h1 = (uint32_t)ipvs_siphash13_2w(&key, m0, m1 | 1ull << 56);
		uint32_t h2 = (uint32_t)ipvs_siphash13_2w(
		    &key, m0, m1 | (uint64_t)(count & 0xffffff) << 32 | 2ull << 56);
		uint32_t data = 2 | 9 << 2 | 1 << 6;

		assert_int_equal(synp_cookie_make(&key, &t, isn, count, &in, NULL),
				 h1 + isn + (count << 24) + ((h2 + data) & 0xffffff));
	}
}

/* an MSS between entries comes back as the entry below it */
static void test_cookie_mss_between(void **state)
{
	struct synp_tuple t = tup();
	struct synp_opts in = {.mss = 1400, .wscale = 7, .sack_ok = true}, out;
	uint32_t c = synp_cookie_make(&key, &t, 1, 5, &in, NULL);

	(void)state;
	assert_int_equal(check_ack(&key, &t, 1, c, 5, &out), SYNP_COOKIE_OK);
	assert_int_equal(out.mss, 1300);
}

static void test_cookie_wrong(void **state)
{
	struct synp_tuple t = tup(), u;
	struct synp_opts in = {.mss = 1460, .wscale = 7, .sack_ok = true}, out;
	uint32_t isn = 12345, c = synp_cookie_make(&key, &t, isn, 77, &in, NULL);

	(void)state;
	assert_int_equal(check_ack(&key, &t, isn, c, 77, &out), SYNP_COOKIE_OK);
	/* another key (another start of the daemon) */
	assert_int_not_equal(check_ack(&key2, &t, isn, c, 77, &out), SYNP_COOKIE_OK);
	/* another tuple: each field */
	u = t;
	u.saddr ^= rte_cpu_to_be_32(1);
	assert_int_not_equal(check_ack(&key, &u, isn, c, 77, &out), SYNP_COOKIE_OK);
	u = t;
	u.daddr ^= rte_cpu_to_be_32(0x100);
	assert_int_not_equal(check_ack(&key, &u, isn, c, 77, &out), SYNP_COOKIE_OK);
	u = t;
	u.sport ^= rte_cpu_to_be_16(1);
	assert_int_not_equal(check_ack(&key, &u, isn, c, 77, &out), SYNP_COOKIE_OK);
	u = t;
	u.dport ^= rte_cpu_to_be_16(1);
	assert_int_not_equal(check_ack(&key, &u, isn, c, 77, &out), SYNP_COOKIE_OK);
	/* another ISN far from this one */
	assert_int_not_equal(check_ack(&key, &t, isn + 0x10000, c, 77, &out), SYNP_COOKIE_OK);
	/* each bit above the 7 data bits flipped. (The data bits themselves
	 * are added, as Linux's: whoever holds a valid cookie could finish
	 * the handshake anyway, so a neighbour of it proves no more.) */
	for (unsigned b = 7; b < 32; b++)
		assert_int_not_equal(check_ack(&key, &t, isn, c ^ (1u << b), 77, &out),
				     SYNP_COOKIE_OK);
	/* the top byte holds the counter: far from it is stale, not forged */
	assert_int_equal(check_ack(&key, &t, isn, c ^ 0x80000000u, 77, &out), SYNP_COOKIE_STALE);
}

/* blind guesses: a flood of ACKs with random cookies creates nothing */
static void test_cookie_guesses(void **state)
{
	struct synp_tuple t = tup();
	struct synp_opts out;
	uint64_t x = 88172645463325252ull; /* xorshift64 */
	unsigned ok = 0, stale = 0;

	(void)state;
	for (unsigned i = 0; i < 200000; i++) {
		enum synp_check r;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		t.sport = (uint16_t)(x >> 40);
		r = check_ack(&key, &t, (uint32_t)(x >> 8), (uint32_t)x, 3000, &out);
		ok += r == SYNP_COOKIE_OK;
		stale += r == SYNP_COOKIE_STALE;
	}
	assert_int_equal(ok, 0);
	/* 254 of 256 counters are stale: most guesses end there */
	assert_true(stale > 190000);
}

static void test_cookie_age(void **state)
{
	struct synp_tuple t = tup();
	struct synp_opts in = {.mss = 1440, .wscale = 2, .sack_ok = false}, out;
	uint32_t c = synp_cookie_make(&key, &t, 7, 500, &in, NULL);

	(void)state;
	assert_int_equal(check_ack(&key, &t, 7, c, 500, &out), SYNP_COOKIE_OK);
	assert_int_equal(check_ack(&key, &t, 7, c, 501, &out), SYNP_COOKIE_OK);
	assert_int_equal(out.mss, 1440);
	assert_int_equal(check_ack(&key, &t, 7, c, 502, &out), SYNP_COOKIE_STALE);
	assert_int_equal(check_ack(&key, &t, 7, c, 500 + 256, &out), SYNP_COOKIE_FORGED);
	/* a cookie from the future (the clock never goes back): refused */
	assert_int_equal(check_ack(&key, &t, 7, c, 499, &out), SYNP_COOKIE_STALE);
	/* the counter is the clock's seconds in steps */
	assert_int_equal(synp_counter(0), 0);
	assert_int_equal(synp_counter(SYNP_COUNTER_SECONDS - 1), 0);
	assert_int_equal(synp_counter(SYNP_COUNTER_SECONDS), 1);
}

/* the top byte wraps from 255 to 0, the hash's 24 bits from 0xffffff */
static void test_cookie_wrap(void **state)
{
	struct synp_tuple t = tup();
	struct synp_opts in = {.mss = 1300, .wscale = 9, .sack_ok = true}, out;
	static const uint32_t made[] = {255, 0x1ff, 0xffffff, 0xffffffffu};

	(void)state;
	for (unsigned i = 0; i < sizeof(made) / sizeof(made[0]); i++) {
		uint32_t c = synp_cookie_make(&key, &t, 0xffffffffu, made[i], &in, NULL);

		/* ISN 0xffffffff: the ACK's seq wraps to 0 as well */
		assert_int_equal(check_ack(&key, &t, 0xffffffffu, c, made[i] + 1, &out),
				 SYNP_COOKIE_OK);
		assert_int_equal(out.wscale, 9);
		assert_int_equal(check_ack(&key, &t, 0xffffffffu, c, made[i] + 2, &out),
				 SYNP_COOKIE_STALE);
	}
}

static void test_parse_opts(void **state)
{
	/* Linux's SYN: MSS 1460, SACK-permitted, timestamps, NOP, WS 7 */
	static const uint8_t linux_syn[] = {2, 4, 0x05, 0xb4, 4, 2, 8, 10, 1, 2,
					    3, 4, 5,	6,    7, 8, 1, 3,  3, 7};
	static const uint8_t big_ws[] = {3, 3, 20, 0};
	static const uint8_t eol_first[] = {0, 2, 4, 5, 0xb4};
	static const uint8_t zero_len[] = {1, 8, 0, 1};
	static const uint8_t past_end[] = {2, 4, 0x05};
	static const uint8_t odd_mss[] = {2, 3, 9, 4, 2, 0}; /* MSS of length 3: ignored */
	struct synp_opts o;

	(void)state;
	assert_int_equal(synp_parse_opts(linux_syn, sizeof(linux_syn), &o), 0);
	assert_int_equal(o.mss, 1460);
	assert_int_equal(o.wscale, 7);
	assert_true(o.sack_ok);
	assert_true(o.ts);
	assert_int_equal(o.tsval, 0x01020304);
	assert_int_equal(o.tsecr, 0x05060708);
	assert_int_equal(synp_parse_opts(big_ws, sizeof(big_ws), &o), 0);
	assert_int_equal(o.wscale, SYNP_WSCALE_MAX);
	assert_int_equal(synp_parse_opts(eol_first, sizeof(eol_first), &o), 0);
	assert_false(o.ts);
	assert_int_equal(o.mss, 0);
	assert_int_equal(o.wscale, SYNP_WSCALE_NONE);
	assert_false(o.sack_ok);
	assert_int_equal(synp_parse_opts(zero_len, sizeof(zero_len), &o), -1);
	assert_int_equal(synp_parse_opts(past_end, sizeof(past_end), &o), -1);
	assert_int_equal(synp_parse_opts(odd_mss, sizeof(odd_mss), &o), 0);
	assert_int_equal(o.mss, 0);
	assert_true(o.sack_ok);
	assert_int_equal(synp_parse_opts(NULL, 0, &o), 0);
}

/* A TSopt after the three: read back as written, the whole a multiple of
 * 4 bytes within SYNP_OPTS_MAX; a TSopt of another length is ignored. */
static void test_write_ts(void **state)
{
	static const uint8_t short_ts[] = {8, 6, 1, 2, 3, 4};
	uint8_t buf[SYNP_OPTS_MAX];
	struct synp_opts o;
	unsigned n;

	(void)state;
	n = synp_write_opts(buf, 1460, 7, 2, true);
	n += synp_write_ts(buf + n, 0, 0xfffffffeu);
	assert_int_equal(n, SYNP_OPTS_MAX);
	assert_int_equal(n % 4, 0);
	assert_int_equal(synp_parse_opts(buf, n, &o), 0);
	assert_int_equal(o.mss, 1460);
	assert_int_equal(o.wscale, 7);
	assert_true(o.sack_ok);
	assert_true(o.ts);
	assert_int_equal(o.tsval, 0);
	assert_int_equal(o.tsecr, 0xfffffffeu);
	assert_int_equal(synp_parse_opts(short_ts, sizeof(short_ts), &o), 0);
	assert_false(o.ts);
	/* a cookie never carries them: the ACK brings its own */
	{
		struct ipvs_hash_key k = {.k0 = 1, .k1 = 2};
		struct synp_tuple t = {.saddr = 1, .daddr = 2, .sport = 3, .dport = 4};
		struct synp_opts in = {.mss = 1460,
				       .wscale = 7,
				       .sack_ok = true,
				       .ts = true,
				       .tsval = 9,
				       .tsecr = 9},
				 kept, back;
		uint32_t c = synp_cookie_make(&k, &t, 100, 5, &in, &kept);

		assert_false(kept.ts);
		assert_int_equal(synp_cookie_check(&k, &t, 101, c + 1, 5, &back), SYNP_COOKIE_OK);
		assert_false(back.ts);
		assert_int_equal(back.tsval, 0);
	}
}

static void test_write_opts(void **state)
{
	uint8_t buf[SYNP_OPTS_MAX];
	struct synp_opts o;
	unsigned n;

	(void)state;
	n = synp_write_opts(buf, 1460, 7, 2, true);
	assert_int_equal(n, 12);
	assert_int_equal(synp_parse_opts(buf, n, &o), 0);
	assert_int_equal(o.mss, 1460);
	assert_int_equal(o.wscale, 7);
	assert_true(o.sack_ok);
	/* the peer offered no window scale: none in the answer */
	n = synp_write_opts(buf, 1300, 7, SYNP_WSCALE_NONE, false);
	assert_int_equal(n, 4);
	assert_int_equal(synp_parse_opts(buf, n, &o), 0);
	assert_int_equal(o.mss, 1300);
	assert_int_equal(o.wscale, SYNP_WSCALE_NONE);
	assert_false(o.sack_ok);
}

/* ---- sequence translation on a synthetic IPv4/TCP packet ---- */

struct pkt {
	struct rte_ipv4_hdr ip;
	struct rte_tcp_hdr th;
	uint8_t opt[40];
	uint8_t data[13];
} __attribute__((packed));

static void make_pkt(struct pkt *p, uint32_t seq, uint32_t ack, uint16_t win, const uint8_t *opt,
		     unsigned olen)
{
	memset(p, 0, sizeof(*p));
	p->ip.version_ihl = 0x45;
	p->ip.next_proto_id = IPPROTO_TCP;
	p->ip.time_to_live = 64;
	p->ip.src_addr = rte_cpu_to_be_32(0x0a000102);
	p->ip.dst_addr = rte_cpu_to_be_32(0x0a010002);
	p->th.sent_seq = rte_cpu_to_be_32(seq);
	p->th.recv_ack = rte_cpu_to_be_32(ack);
	p->th.rx_win = rte_cpu_to_be_16(win);
	p->th.tcp_flags = RTE_TCP_ACK_FLAG;
	p->th.data_off = (uint8_t)(((sizeof(p->th) + olen) / 4) << 4);
	memcpy(p->opt, opt, olen);
	/* a few payload bytes right after the options */
	memcpy((uint8_t *)&p->th + sizeof(p->th) + olen, "hello, world", 13);
	p->ip.total_length =
	    rte_cpu_to_be_16((uint16_t)(sizeof(p->ip) + sizeof(p->th) + olen + 13));
	p->th.cksum = 0;
	p->th.cksum = rte_ipv4_udptcp_cksum(&p->ip, &p->th);
}

static void assert_cksum_fresh(struct pkt *p)
{
	uint16_t got = p->th.cksum;

	p->th.cksum = 0;
	assert_int_equal(got, rte_ipv4_udptcp_cksum(&p->ip, &p->th));
	p->th.cksum = got;
}

static uint32_t be32_at(const uint8_t *b)
{
	uint32_t v;

	memcpy(&v, b, 4);
	return rte_be_to_cpu_32(v);
}

static void test_xlate_out_wrap(void **state)
{
	struct pkt p;
	uint32_t cookie = 0xfffffff0u, rs_isn = 0x00000020u, delta = synp_delta(cookie, rs_isn);

	(void)state;
	assert_int_equal(delta, 0x30);
	/* the real server's first byte (rs_isn + 1) is the cookie's + 1 */
	make_pkt(&p, rs_isn + 1, 0x11111111u, 1000, NULL, 0);
	synp_xlate_out(&p.th, delta, 7, 7);
	assert_int_equal(rte_be_to_cpu_32(p.th.sent_seq), cookie + 1);
	assert_int_equal(rte_be_to_cpu_32(p.th.recv_ack), 0x11111111u); /* untouched */
	assert_int_equal(rte_be_to_cpu_16(p.th.rx_win), 1000);
	assert_cksum_fresh(&p);
	/* many deltas, many sequence numbers across the wrap */
	for (uint32_t i = 0; i < 4096; i++) {
		uint32_t seq = 0xfffff000u + i * 3, d = i * 0x9e3779b9u;

		make_pkt(&p, seq, i, 100, NULL, 0);
		synp_xlate_out(&p.th, d, 0, 0);
		assert_int_equal(rte_be_to_cpu_32(p.th.sent_seq), seq - d);
		assert_cksum_fresh(&p);
	}
}

static void test_xlate_in_ack_sack(void **state)
{
	/* NOP, SACK with one block at an odd offset (from the options' start:
	 * the edges straddle the checksum's 16-bit words), EOL */
	uint8_t one[12] = {1, 5, 10};
	/* NOP, NOP, timestamps (10), NOP, NOP, SACK with three blocks (26) */
	uint8_t three[40] = {1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 1, 1, 5, 26};
	uint32_t delta = 0x80000010u;
	struct pkt p;

	(void)state;
	memcpy(one + 3, (uint8_t[]){0xff, 0xff, 0xff, 0xf0, 0x00, 0x00, 0x00, 0x10}, 8);
	make_pkt(&p, 1, 0x7ffffff5u, 500, one, sizeof(one));
	synp_xlate_in(&p.th, delta, 7, 7);
	assert_int_equal(rte_be_to_cpu_32(p.th.recv_ack), 0x7ffffff5u + delta);
	assert_int_equal(rte_be_to_cpu_32(p.th.sent_seq), 1); /* the client's own */
	assert_int_equal(be32_at(p.opt + 3), 0xfffffff0u + delta);
	assert_int_equal(be32_at(p.opt + 7), 0x10u + delta);
	assert_int_equal(p.opt[11], 0);
	assert_cksum_fresh(&p);

	for (unsigned b = 0; b < 6; b++) {
		uint32_t v = rte_cpu_to_be_32(0xfffffff8u + b * 0x01000001u);

		memcpy(three + 16 + b * 4, &v, 4);
	}
	make_pkt(&p, 9, 0xfffffffeu, 500, three, 16 + 26 - 2); /* 40 bytes, whole */
	synp_xlate_in(&p.th, 5, 7, 7);
	assert_int_equal(rte_be_to_cpu_32(p.th.recv_ack), 3); /* wrapped */
	for (unsigned b = 0; b < 6; b++)
		assert_int_equal(be32_at(p.opt + 16 + b * 4), 0xfffffff8u + b * 0x01000001u + 5);
	/* the timestamps are the peers' own clocks: untouched */
	assert_int_equal(be32_at(p.opt + 4), 1);
	assert_int_equal(be32_at(p.opt + 8), 2);
	assert_cksum_fresh(&p);
}

/* a malformed SACK (length not 2 + 8n) or an option running past the
 * header: the ack is translated, the options left as they came */
static void test_xlate_in_malformed(void **state)
{
	uint8_t bad_len[12] = {5, 6, 1, 2, 3, 4, 0, 0, 0, 0, 0, 0};
	uint8_t past[12] = {1, 1, 5, 18, 0, 0, 0, 1, 0, 0, 0, 2};
	struct pkt p;

	(void)state;
	make_pkt(&p, 1, 100, 10, bad_len, sizeof(bad_len));
	synp_xlate_in(&p.th, 1000, 0, 0);
	assert_int_equal(rte_be_to_cpu_32(p.th.recv_ack), 1100);
	assert_memory_equal(p.opt, bad_len, sizeof(bad_len));
	assert_cksum_fresh(&p);
	make_pkt(&p, 1, 100, 10, past, sizeof(past));
	synp_xlate_in(&p.th, 1000, 0, 0);
	assert_memory_equal(p.opt, past, sizeof(past));
	assert_cksum_fresh(&p);
}

static void test_rescale_win(void **state)
{
	struct pkt p;

	(void)state;
	assert_int_equal(synp_rescale_win(1000, 7, 7), 1000);
	assert_int_equal(synp_rescale_win(1000, 0, 7), 7);	/* 1000 bytes at 2^7 */
	assert_int_equal(synp_rescale_win(1000, 7, 0), 0xffff); /* saturated */
	assert_int_equal(synp_rescale_win(0xffff, 14, 14), 0xffff);
	assert_int_equal(synp_rescale_win(512, 9, 7), 2048);
	/* the real server took no window scale, the client was given 7 */
	make_pkt(&p, 100, 200, 29200, NULL, 0);
	synp_xlate_out(&p.th, 0, 0, 7);
	assert_int_equal(rte_be_to_cpu_16(p.th.rx_win), 29200 >> 7);
	assert_cksum_fresh(&p);
	/* ... and the client's windows reach it unscaled */
	make_pkt(&p, 100, 200, 1000, NULL, 0);
	synp_xlate_in(&p.th, 0, 7, 0);
	assert_int_equal(rte_be_to_cpu_16(p.th.rx_win), 0xffff);
	assert_cksum_fresh(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mss_index),	      cmocka_unit_test(test_cookie_roundtrip),
	    cmocka_unit_test(test_cookie_layout),     cmocka_unit_test(test_cookie_mss_between),
	    cmocka_unit_test(test_cookie_wrong),      cmocka_unit_test(test_cookie_guesses),
	    cmocka_unit_test(test_cookie_age),	      cmocka_unit_test(test_cookie_wrap),
	    cmocka_unit_test(test_parse_opts),	      cmocka_unit_test(test_write_opts),
	    cmocka_unit_test(test_write_ts),	      cmocka_unit_test(test_xlate_out_wrap),
	    cmocka_unit_test(test_xlate_in_ack_sack), cmocka_unit_test(test_xlate_in_malformed),
	    cmocka_unit_test(test_rescale_win),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
