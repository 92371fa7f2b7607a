/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * LVS's sync protocol (src/ipvs/sync_proto.c) against byte sequences
 * written out by hand from the documented layout (SYNC.md section 3:
 * struct ip_vs_sync_mesg, ip_vs_sync_v4/v6, the options, version 0), not
 * from the encoder: what we send must be what a Linux backup reads, and
 * what a Linux master sends must decode to the same fields.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "ipvs/sync_proto.h"

/* Header: reserved 0, syncid 5, size 80, nr_conns 2, version 1, spare 0;
 * a TCP conn 10.0.0.1:40000 -> VIP 192.168.1.111:80 -> RS
 * 192.168.229.132:8080, NAT, ESTABLISHED, timeout 900; then its template
 * (client net 10.0.0.1, port 0, TEMPLATE | NAT, state 0, timeout 360). */
/* clang-format off */
static const uint8_t conn_and_template[80] = {
	/* header */
	0x00, 0x05, 0x00, 0x50, 0x02, 0x01, 0x00, 0x00,
	/* record 1: type 0 (IPv4), protocol 6, ver_size = 0 << 12 | 36 */
	0x00, 0x06, 0x00, 0x24,
	0x00, 0x00, 0x00, 0x00,             /* flags: MASQ */
	0x00, 0x01,                         /* state ESTABLISHED */
	0x9c, 0x40,                         /* cport 40000 */
	0x00, 0x50,                         /* vport 80 */
	0x1f, 0x90,                         /* dport 8080 */
	0x00, 0x00, 0x00, 0x00,             /* fwmark */
	0x00, 0x00, 0x03, 0x84,             /* timeout 900 */
	10, 0, 0, 1,                        /* caddr */
	192, 168, 1, 111,                   /* vaddr */
	192, 168, 229, 132,                 /* daddr */
	/* record 2: the template */
	0x00, 0x06, 0x00, 0x24,
	0x00, 0x00, 0x10, 0x00,             /* flags: TEMPLATE */
	0x00, 0x00,                         /* state 0 */
	0x00, 0x00, 0x00, 0x50, 0x1f, 0x90, /* cport 0, vport 80, dport 8080 */
	0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x01, 0x68,             /* timeout 360 */
	10, 0, 0, 1, 192, 168, 1, 111, 192, 168, 229, 132,
};
/* clang-format on */

static struct ipvs_sync_rec tcp_conn(void)
{
	struct ipvs_sync_rec r;

	memset(&r, 0, sizeof(r));
	r.af = AF_INET;
	r.protocol = IPPROTO_TCP;
	r.state = 1;
	r.cport = htons(40000);
	r.vport = htons(80);
	r.dport = htons(8080);
	r.timeout = 900;
	inet_pton(AF_INET, "10.0.0.1", &r.caddr.in);
	inet_pton(AF_INET, "192.168.1.111", &r.vaddr.in);
	inet_pton(AF_INET, "192.168.229.132", &r.daddr.in);
	return r;
}

static struct ipvs_sync_rec tcp_template(void)
{
	struct ipvs_sync_rec r = tcp_conn();

	r.flags = IPVS_SYNC_F_TEMPLATE;
	r.state = 0;
	r.cport = 0;
	r.timeout = 360;
	return r;
}

/* The decoder's records, collected. */
#define MAX_GOT 300
static struct ipvs_sync_rec got[MAX_GOT];
static unsigned ngot;

static void collect(const struct ipvs_sync_rec *r, void *arg)
{
	(void)arg;
	if (ngot < MAX_GOT)
		got[ngot] = *r;
	ngot++;
}

static enum ipvs_sync_err decode(const uint8_t *b, size_t len, uint8_t syncid,
				 struct ipvs_sync_dec *d)
{
	ngot = 0;
	return ipvs_sync_decode(b, len, syncid, collect, NULL, d);
}

static void test_encode_conn_and_template(void **state)
{
	uint8_t buf[1472];
	struct ipvs_sync_msg m;
	struct ipvs_sync_rec c = tcp_conn(), t = tcp_template();

	(void)state;
	ipvs_sync_msg_init(&m, buf, sizeof(buf), 5);
	assert_int_equal(ipvs_sync_msg_add(&m, &c), 0);
	assert_int_equal(ipvs_sync_msg_add(&m, &t), 0);
	assert_int_equal(m.len, sizeof(conn_and_template));
	assert_memory_equal(buf, conn_and_template, sizeof(conn_and_template));
}

static void test_decode_conn_and_template(void **state)
{
	struct ipvs_sync_dec d;
	struct ipvs_sync_rec c = tcp_conn(), t = tcp_template();

	(void)state;
	assert_int_equal(decode(conn_and_template, sizeof(conn_and_template), 5, &d), IPVS_SYNC_OK);
	assert_int_equal(d.version, 1);
	assert_int_equal(d.recs, 2);
	assert_int_equal(ngot, 2);
	c.version = t.version = 1;
	assert_memory_equal(&got[0], &c, sizeof(c));
	assert_memory_equal(&got[1], &t, sizeof(t));
	/* a backup with syncid 0 takes every syncid */
	assert_int_equal(decode(conn_and_template, sizeof(conn_and_template), 0, &d), IPVS_SYNC_OK);
	assert_int_equal(ngot, 2);
}

/* A record with sequence options is 62 bytes: the next starts after 2
 * pad bytes (64), and the pad counts in the message size (8+64+36). */
/* clang-format off */
static const uint8_t seq_then_udp[108] = {
	0x00, 0x00, 0x00, 0x6c, 0x02, 0x01, 0x00, 0x00,
	0x00, 0x06, 0x00, 0x3e,             /* TCP, length 62 */
	0x00, 0x00, 0x06, 0x00,             /* IN_SEQ | OUT_SEQ, MASQ */
	0x00, 0x01, 0x9c, 0x40, 0x00, 0x50, 0x1f, 0x90,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x84,
	10, 0, 0, 1, 192, 168, 1, 111, 192, 168, 229, 132,
	0x01, 0x18,                         /* IPVS_OPT_SEQ_DATA, 24 */
	0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x03, /* in */
	0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x06, /* out */
	0x00, 0x00,                         /* pad */
	0x00, 0x11, 0x00, 0x24,             /* UDP, 36 */
	0x00, 0x00, 0x01, 0x83,             /* INACTIVE | NOOUTPUT | DROUTE */
	0x00, 0x00, 0x30, 0x39, 0x00, 0x35, 0x00, 0x35,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x2c, /* timeout 300 */
	10, 0, 0, 2, 192, 168, 1, 111, 192, 168, 229, 134,
};
/* clang-format on */

static void test_seq_options_and_padding(void **state)
{
	uint8_t buf[1472];
	struct ipvs_sync_msg m;
	struct ipvs_sync_dec d;
	struct ipvs_sync_rec s = tcp_conn(), u;

	(void)state;
	s.flags = IPVS_SYNC_F_SEQ_MASK;
	s.has_seq = 1;
	s.in_seq = (struct ipvs_sync_seq){1, 2, 3};
	s.out_seq = (struct ipvs_sync_seq){4, 5, 6};
	memset(&u, 0, sizeof(u));
	u.af = AF_INET;
	u.protocol = IPPROTO_UDP;
	u.flags = IPVS_SYNC_F_INACTIVE | IPVS_SYNC_F_NOOUTPUT | IPVS_SYNC_F_DROUTE;
	u.cport = htons(12345);
	u.vport = u.dport = htons(53);
	u.timeout = 300;
	inet_pton(AF_INET, "10.0.0.2", &u.caddr.in);
	inet_pton(AF_INET, "192.168.1.111", &u.vaddr.in);
	inet_pton(AF_INET, "192.168.229.134", &u.daddr.in);
	assert_int_equal(ipvs_sync_rec_len(&s), 62);
	ipvs_sync_msg_init(&m, buf, sizeof(buf), 0);
	assert_int_equal(ipvs_sync_msg_add(&m, &s), 0);
	assert_int_equal(ipvs_sync_msg_add(&m, &u), 0);
	assert_int_equal(m.len, sizeof(seq_then_udp));
	assert_memory_equal(buf, seq_then_udp, sizeof(seq_then_udp));

	assert_int_equal(decode(seq_then_udp, sizeof(seq_then_udp), 0, &d), IPVS_SYNC_OK);
	assert_int_equal(ngot, 2);
	assert_int_equal(got[0].has_seq, 1);
	assert_int_equal(got[0].in_seq.previous_delta, 3);
	assert_int_equal(got[0].out_seq.init_seq, 4);
	assert_int_equal(got[1].protocol, IPPROTO_UDP);
	assert_int_equal(got[1].flags, 0x183);
	assert_int_equal(ntohs(got[1].cport), 12345);
	assert_int_equal(got[1].timeout, 300);
}

/* An IPv6 record as a Linux master sends it: type 1, 72 bytes. */
static void test_decode_ipv6(void **state)
{
	uint8_t b[8 + 72] = {0x00, 0x00, 0x00, 0x50, 0x01, 0x01,
			     0x00, 0x00, 0x01, 0x06, 0x00, 0x48};
	struct ipvs_sync_dec d;
	struct in6_addr a;

	(void)state;
	b[8 + 9] = 3; /* state SYN_RECV */
	b[8 + 23] = 60;
	inet_pton(AF_INET6, "2001:db8::1", &a);
	memcpy(b + 8 + 24, &a, 16);
	inet_pton(AF_INET6, "2001:db8::80", &a);
	memcpy(b + 8 + 40, &a, 16);
	inet_pton(AF_INET6, "2001:db8:1::2", &a);
	memcpy(b + 8 + 56, &a, 16);
	assert_int_equal(decode(b, sizeof(b), 0, &d), IPVS_SYNC_OK);
	assert_int_equal(ngot, 1);
	assert_int_equal(got[0].af, AF_INET6);
	assert_int_equal(got[0].state, 3);
	assert_int_equal(got[0].timeout, 60);
	assert_memory_equal(&got[0].daddr.in6, &a, 16);
}

/* Version 0 (a Linux master with sync_version 0): 4-byte header, 24-byte
 * records, no timeout. */
static void test_decode_v0(void **state)
{
	static const uint8_t b[4 + 24] = {
	    0x01, 0x00, 0x00, 0x1c, /* nr_conns 1, syncid 0, size 28 */
	    0x00, 0x06, 0x9c, 0x40, 0x00, 0x50, 0x1f, 0x90, 10,	  0,	0,    1, 192,
	    168,  1,	111,  192,  168,  229,	132,  0x00, 0x00, 0x00, 0x01, /* flags, state
										 ESTABLISHED */
	};
	struct ipvs_sync_dec d;

	(void)state;
	assert_int_equal(decode(b, sizeof(b), 0, &d), IPVS_SYNC_OK);
	assert_int_equal(d.version, 0);
	assert_int_equal(ngot, 1);
	assert_int_equal(got[0].state, 1);
	assert_int_equal(got[0].timeout, 0);
	assert_int_equal(ntohs(got[0].dport), 8080);
}

/* A Full-NAT conn: NAT's record with dpvs's option 0x50 (the parameter
 * bit 0x40: a Linux backup skips it) holding LIP and local port. */
static void test_fullnat_local_option(void **state)
{
	/* clang-format off */
	static const uint8_t b[8 + 44] = {
		0x00, 0x00, 0x00, 0x34, 0x01, 0x01, 0x00, 0x00,
		0x00, 0x06, 0x00, 0x2c,             /* TCP, 36 + 8 */
		0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x9c, 0x40, 0x00, 0x50, 0x1f, 0x90,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x84,
		10, 0, 0, 1, 192, 168, 1, 111, 192, 168, 229, 132,
		0x50, 0x06, 192, 168, 229, 140, 0x13, 0x88, /* LIP .140, lport 5000 */
	};
	/* clang-format on */
	uint8_t buf[128];
	struct ipvs_sync_msg m;
	struct ipvs_sync_dec d;
	struct ipvs_sync_rec r = tcp_conn();
	uint8_t x[sizeof(b)];

	(void)state;
	r.has_local = 1;
	inet_pton(AF_INET, "192.168.229.140", &r.laddr);
	r.lport = htons(5000);
	ipvs_sync_msg_init(&m, buf, sizeof(buf), 0);
	assert_int_equal(ipvs_sync_msg_add(&m, &r), 0);
	assert_int_equal(m.len, sizeof(b));
	assert_memory_equal(buf, b, sizeof(b));
	assert_int_equal(decode(b, sizeof(b), 0, &d), IPVS_SYNC_OK);
	assert_int_equal(ngot, 1);
	assert_int_equal(got[0].has_local, 1);
	assert_int_equal(got[0].laddr, r.laddr);
	assert_int_equal(ntohs(got[0].lport), 5000);
	/* without the parameter bit the same option is an unknown one: the end */
	memcpy(x, b, sizeof(x));
	x[44] = 0x10;
	assert_int_equal(decode(x, sizeof(x), 0, &d), IPVS_SYNC_E_REC_OPT);
	/* a wrong length */
	memcpy(x, b, sizeof(x));
	x[45] = 0x05;
	assert_int_equal(decode(x, sizeof(x), 0, &d), IPVS_SYNC_E_REC_OPT);
}

/* A spliced SYN-proxy conn (cookie 0x12345678, real server's ISN
 * 0xfffffff0): LVS's SEQ_DATA with OUT_SEQ holding delta = cookie -
 * rs_isn = 0x12345688 as init_seq 0, delta, previous_delta (vs_fix_seq
 * adds it to the real server's seq, vs_fix_ack_seq takes it from the
 * client's acks), then dpvs's option 0x51 (parameter bit: a Linux backup
 * skips it): window scales 7 and 5, spliced, no cookie. 36 + 26 + 8 = 70
 * bytes; after it a Full-NAT conn not yet spliced (state CLOSE): LOCAL,
 * then 0x51 with the cookie, no SEQ_DATA; 2 bytes of pad between. */
/* clang-format off */
static const uint8_t synp_spliced_then_fnat[8 + 72 + 52] = {
	0x00, 0x00, 0x00, 0x84, 0x02, 0x01, 0x00, 0x00,   /* size 132, 2 records */
	0x00, 0x06, 0x00, 0x46,                           /* TCP, 70 */
	0x00, 0x00, 0x02, 0x00,                           /* OUT_SEQ, MASQ */
	0x00, 0x01, 0x9c, 0x40, 0x00, 0x50, 0x1f, 0x90,   /* ESTABLISHED, ports */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x84,   /* fwmark, timeout 900 */
	10, 0, 0, 1, 192, 168, 1, 111, 192, 168, 229, 132,
	0x01, 0x18,                                       /* IPVS_OPT_SEQ_DATA, 24 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,               /* in_seq: none */
	0x00, 0x00, 0x00, 0x00,                           /* out_seq.init_seq */
	0x12, 0x34, 0x56, 0x88,                           /* out_seq.delta */
	0x12, 0x34, 0x56, 0x88,                           /* out_seq.previous_delta */
	0x51, 0x06, 0x75, 0x01, 0x00, 0x00, 0x00, 0x00,   /* SYNP: ws 7|5, spliced */
	0x00, 0x00,                                       /* pad */
	0x00, 0x06, 0x00, 0x34,                           /* TCP, 36 + 8 + 8 */
	0x00, 0x00, 0x01, 0x00,                           /* INACTIVE, MASQ */
	0x00, 0x06, 0x9c, 0x41, 0x00, 0x50, 0x1f, 0x90,   /* CLOSE, cport 40001 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a,   /* timeout 10 */
	10, 0, 0, 1, 192, 168, 1, 111, 192, 168, 229, 132,
	0x50, 0x06, 192, 168, 229, 140, 0x13, 0x88,       /* LOCAL: .140:5000 */
	0x51, 0x06, 0x7f, 0x00, 0x12, 0x34, 0x56, 0x78,   /* SYNP: ws 7|none, cookie */
};
/* clang-format on */

static void test_synproxy_splice(void **state)
{
	uint8_t buf[256], x[sizeof(synp_spliced_then_fnat)];
	struct ipvs_sync_msg m;
	struct ipvs_sync_dec d;
	struct ipvs_sync_rec s = tcp_conn(), u = tcp_conn();

	(void)state;
	s.flags = IPVS_SYNC_F_OUT_SEQ;
	s.has_seq = 1;
	s.out_seq = (struct ipvs_sync_seq){0, 0x12345678u - 0xfffffff0u, 0x12345688u};
	s.has_synp = 1;
	s.synp_ws = 0x75;
	s.synp_flags = IPVS_SYNC_SYNP_SPLICED;
	u.flags = IPVS_SYNC_F_INACTIVE;
	u.state = 6;
	u.cport = htons(40001);
	u.timeout = 10;
	u.has_local = 1;
	inet_pton(AF_INET, "192.168.229.140", &u.laddr);
	u.lport = htons(5000);
	u.has_synp = 1;
	u.synp_ws = 0x7f;
	u.synp_cookie = 0x12345678u;
	assert_int_equal(ipvs_sync_rec_len(&s), 70);
	assert_int_equal(ipvs_sync_rec_len(&u), 52);
	assert_true(ipvs_sync_rec_len(&u) <= IPVS_SYNC_REC_MAX);
	ipvs_sync_msg_init(&m, buf, sizeof(buf), 0);
	assert_int_equal(ipvs_sync_msg_add(&m, &s), 0);
	assert_int_equal(ipvs_sync_msg_add(&m, &u), 0);
	assert_int_equal(m.len, sizeof(synp_spliced_then_fnat));
	assert_memory_equal(buf, synp_spliced_then_fnat, sizeof(synp_spliced_then_fnat));

	assert_int_equal(decode(synp_spliced_then_fnat, sizeof(synp_spliced_then_fnat), 0, &d),
			 IPVS_SYNC_OK);
	assert_int_equal(ngot, 2);
	s.version = u.version = 1;
	assert_memory_equal(&got[0], &s, sizeof(s));
	assert_memory_equal(&got[1], &u, sizeof(u));

	/* spliced without LVS's offset (no OUT_SEQ): that record alone is
	 * skipped, rec-flags */
	memcpy(x, synp_spliced_then_fnat, sizeof(x));
	x[8 + 6] = 0x00;
	assert_int_equal(decode(x, sizeof(x), 0, &d), IPVS_SYNC_OK);
	assert_int_equal(d.errs[IPVS_SYNC_E_REC_FLAGS], 1);
	assert_int_equal(ngot, 1);
	assert_int_equal(ntohs(got[0].cport), 40001);
	/* an offset without the splice: the same */
	memcpy(x, synp_spliced_then_fnat, sizeof(x));
	x[8 + 62 + 3] = 0x00;
	assert_int_equal(decode(x, sizeof(x), 0, &d), IPVS_SYNC_OK);
	assert_int_equal(d.errs[IPVS_SYNC_E_REC_FLAGS], 1);
	/* the option without the parameter bit, or of another length: the
	 * message ends there */
	memcpy(x, synp_spliced_then_fnat, sizeof(x));
	x[8 + 62] = 0x11;
	assert_int_equal(decode(x, sizeof(x), 0, &d), IPVS_SYNC_E_REC_OPT);
	assert_int_equal(ngot, 0);
	memcpy(x, synp_spliced_then_fnat, sizeof(x));
	x[8 + 63] = 0x05;
	assert_int_equal(decode(x, sizeof(x), 0, &d), IPVS_SYNC_E_REC_OPT);
	/* twice in one record (in the LOCAL option's place) */
	memcpy(x, synp_spliced_then_fnat, sizeof(x));
	memcpy(x + 8 + 72 + 36, x + 8 + 62, 8);
	assert_int_equal(decode(x, sizeof(x), 0, &d), IPVS_SYNC_E_REC_OPT);
}

static void test_capacity(void **state)
{
	uint8_t buf[65507];
	struct ipvs_sync_msg m;
	struct ipvs_sync_rec c = tcp_conn();
	struct ipvs_sync_dec d;
	unsigned n = 0;

	(void)state;
	/* (1472 - 8) / 36 = 40 plain IPv4 records in a default message */
	ipvs_sync_msg_init(&m, buf, 1472, 1);
	while (ipvs_sync_msg_add(&m, &c) == 0)
		n++;
	assert_int_equal(n, 40);
	assert_int_equal(m.len, 8 + 40 * 36);
	/* nr_conns is a byte: 255 at most whatever the room */
	ipvs_sync_msg_init(&m, buf, sizeof(buf), 1);
	for (n = 0; ipvs_sync_msg_add(&m, &c) == 0; n++)
		;
	assert_int_equal(n, 255);
	assert_int_equal(decode(buf, m.len, 1, &d), IPVS_SYNC_OK);
	assert_int_equal(ngot, 255);
	/* a master's sync-maxlen may be 1: each record then goes alone */
	assert_true(ipvs_sync_buf_size(1) >= 8 + 36);
	ipvs_sync_msg_init(&m, buf, 1, 1);
	assert_int_equal(ipvs_sync_msg_add(&m, &c), 0);
	assert_int_equal(ipvs_sync_msg_add(&m, &c), -ENOSPC);
	assert_int_equal(m.len, 8 + 36);
}

/* Bad datagrams: each refused for its own reason, nothing past the bad
 * field trusted. */
static void test_bad_messages(void **state)
{
	uint8_t b[sizeof(conn_and_template)];
	struct ipvs_sync_dec d;

	(void)state;
	assert_int_equal(decode(conn_and_template, 3, 0, &d), IPVS_SYNC_E_SHORT);
	/* a datagram shorter than its header's size (cut in transit) */
	assert_int_equal(decode(conn_and_template, 79, 0, &d), IPVS_SYNC_E_BAD_SIZE);
	assert_int_equal(d.errs[IPVS_SYNC_E_BAD_SIZE], 1);
	/* another cluster's syncid */
	assert_int_equal(decode(conn_and_template, 80, 6, &d), IPVS_SYNC_E_SYNCID);
	assert_int_equal(ngot, 0);

	/* nr_conns says 3: the third record would run past the end */
	memcpy(b, conn_and_template, sizeof(b));
	b[4] = 3;
	assert_int_equal(decode(b, sizeof(b), 0, &d), IPVS_SYNC_E_REC_SHORT);
	assert_int_equal(ngot, 2);

	/* record version 1 (top 4 bits of ver_size): the rest is dropped */
	memcpy(b, conn_and_template, sizeof(b));
	b[8 + 2] = 0x10;
	assert_int_equal(decode(b, sizeof(b), 0, &d), IPVS_SYNC_E_REC_VERSION);
	assert_int_equal(ngot, 0);

	/* type 2: neither IPv4 (0) nor IPv6 (bit 0) */
	memcpy(b, conn_and_template, sizeof(b));
	b[8] = 2;
	assert_int_equal(decode(b, sizeof(b), 0, &d), IPVS_SYNC_E_REC_TYPE);

	/* a length below the fixed part */
	memcpy(b, conn_and_template, sizeof(b));
	b[8 + 3] = 20;
	assert_int_equal(decode(b, sizeof(b), 0, &d), IPVS_SYNC_E_REC_LEN);

	/* an IPv6 type in a record that has no room for IPv6 addresses */
	memcpy(b, conn_and_template, sizeof(b));
	b[8] = 1;
	assert_int_equal(decode(b, sizeof(b), 0, &d), IPVS_SYNC_E_REC_LEN);

	/* a record length past the datagram */
	memcpy(b, conn_and_template, sizeof(b));
	b[44 + 2] = 0x0f;
	b[44 + 3] = 0xff;
	assert_int_equal(decode(b, sizeof(b), 0, &d), IPVS_SYNC_E_REC_SHORT);
	assert_int_equal(ngot, 1); /* the first record was good */
}

/* A record whose protocol or state we do not know is skipped alone. */
static void test_bad_records_skipped(void **state)
{
	uint8_t b[sizeof(conn_and_template)];
	struct ipvs_sync_dec d;

	(void)state;
	memcpy(b, conn_and_template, sizeof(b));
	b[8 + 1] = 47; /* GRE */
	assert_int_equal(decode(b, sizeof(b), 0, &d), IPVS_SYNC_OK);
	assert_int_equal(ngot, 1);
	assert_int_equal(d.rec_drops, 1);
	assert_int_equal(d.errs[IPVS_SYNC_E_REC_PROTO], 1);
	assert_int_equal(got[0].flags, IPVS_SYNC_F_TEMPLATE);

	memcpy(b, conn_and_template, sizeof(b));
	b[8 + 9] = 11; /* TCP has states 0..10 */
	assert_int_equal(decode(b, sizeof(b), 0, &d), IPVS_SYNC_OK);
	assert_int_equal(d.errs[IPVS_SYNC_E_REC_STATE], 1);
	assert_int_equal(ngot, 1);

	memcpy(b, conn_and_template, sizeof(b));
	b[44 + 9] = 2; /* templates: NONE or ASSURED */
	assert_int_equal(decode(b, sizeof(b), 0, &d), IPVS_SYNC_OK);
	assert_int_equal(d.errs[IPVS_SYNC_E_REC_STATE], 1);

	/* seq flags without the seq option */
	memcpy(b, conn_and_template, sizeof(b));
	b[8 + 6] = 0x02;
	assert_int_equal(decode(b, sizeof(b), 0, &d), IPVS_SYNC_OK);
	assert_int_equal(d.errs[IPVS_SYNC_E_REC_FLAGS], 1);
}

/* Options: unknown with IPVS_OPT_F_PARAM skipped, without it the end;
 * PE data and name (a SIP conn from a Linux master) read over. */
static void test_options(void **state)
{
	uint8_t b[8 + 48];
	struct ipvs_sync_dec d;

	(void)state;
	memcpy(b, conn_and_template, 44);
	b[3] = sizeof(b);
	b[4] = 1;
	/* 36 + PE_DATA (2+4) + PE_NAME (2+3), and one byte more */
	b[8 + 3] = 36 + 6 + 5 + 1;
	memcpy(b + 44,
	       (const uint8_t[]){0x02, 0x04, 'c', 'a', 'l', 'l', 0x03, 0x03, 's', 'i', 'p', 0x00},
	       12);
	/* 36 + 6 + 5 = 47; the last byte 0x00 starts an option with no length */
	assert_int_equal(decode(b, sizeof(b), 0, &d), IPVS_SYNC_E_REC_OPT);

	b[8 + 3] = 36 + 6 + 5; /* without the stray byte: fine (padded to 48) */
	assert_int_equal(decode(b, sizeof(b), 0, &d), IPVS_SYNC_OK);
	assert_int_equal(ngot, 1);

	/* an unknown option: 0x45 (param bit) is skipped, 0x05 is not */
	memcpy(b + 44,
	       (const uint8_t[]){0x45, 0x02, 0xaa, 0xbb, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
				 0x00},
	       12);
	b[8 + 3] = 36 + 4;
	assert_int_equal(decode(b, sizeof(b), 0, &d), IPVS_SYNC_OK);
	assert_int_equal(ngot, 1);
	b[44] = 0x05;
	assert_int_equal(decode(b, sizeof(b), 0, &d), IPVS_SYNC_E_REC_OPT);
	assert_int_equal(ngot, 0);

	/* the seq option twice */
	uint8_t s[8 + 88];

	memset(s, 0, sizeof(s));
	memcpy(s, conn_and_template, 44);
	s[3] = sizeof(s);
	s[4] = 1;
	s[8 + 3] = 36 + 26 + 26;
	s[8 + 6] = 0x06;
	s[44] = 0x01;
	s[45] = 24;
	s[70] = 0x01;
	s[71] = 24;
	assert_int_equal(decode(s, sizeof(s), 0, &d), IPVS_SYNC_E_REC_OPT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_encode_conn_and_template),
	    cmocka_unit_test(test_decode_conn_and_template),
	    cmocka_unit_test(test_seq_options_and_padding),
	    cmocka_unit_test(test_decode_ipv6),
	    cmocka_unit_test(test_decode_v0),
	    cmocka_unit_test(test_fullnat_local_option),
	    cmocka_unit_test(test_synproxy_splice),
	    cmocka_unit_test(test_capacity),
	    cmocka_unit_test(test_bad_messages),
	    cmocka_unit_test(test_bad_records_skipped),
	    cmocka_unit_test(test_options),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
