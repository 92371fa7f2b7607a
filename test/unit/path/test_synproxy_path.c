/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The SYN proxy on the whole data path (path_test_env.h: the real stack
 * and IPVS on DPDK ring ports), a NAT service VIP:81 -> RIP1:8081 with
 * DPVS_SVC_F_SYNPROXY. Frames go in by eth_input; what left each port is
 * read back field by field, every checksum computed again from scratch.
 *
 *  - the handshake: the SYN answered from the VIP with a cookie (the
 *    options it offered kept: MSS, window scale, SACK), no conn; the ACK
 *    with data: the conn, the SYN to the real server with the client's
 *    ISN and options, the data held; the real server's SYN-ACK: our ACK
 *    to it and the held data, both translated; then both directions
 *    translated (seq, ack, SACK blocks, the window between the shifts)
 *    and a SYN-ACK again answered again, never shown to the client;
 *  - a forged cookie: dropped, counted, no conn;
 *  - the handshake's ACK again: the SYN again; the first segment held,
 *    a later one absorbed;
 *  - the real server's RST: the client gets one at the cookie's sequence;
 *  - no real server: no answer to the SYN;
 *  - Full-NAT (VIP:84 -> RIP1:8081 --fullnat, from LIP): the SYN-ACK from the
 *    VIP, the SYN to the real server from LIP:lport with TOA, the splice
 *    with both legs' numbers and both ends rewritten, the held data from
 *    the LIP; timestamps: the SYN-ACK's TSval 0, the SYN to the real
 *    server with the ACK's TSval, our ACK echoing the real server's,
 *    its clock reaching the client as it is;
 *  - the SYN-ACK's MSS: 8 bytes less for a Full-NAT service while
 *    fnat_toa is on (room for TOA in the client's full-sized segments);
 *  - a corrupt SYN answered with a SYN-ACK as corrupt (made in place,
 *    the checksum updated); a corrupt ACK dropped before its cookie; a
 *    SYN with data (odd length) answered without it;
 *  - the service's refusals (DR, UDP, persistence, --proxy-protocol);
 *  - a SYN answered by another worker (steer.c keeps a proxied SYN where
 *    it lands): this one, its owner, never saw it and opens the conn on
 *    its cookie's ACK, also over a conn of the same tuple that is over
 *    (refused before the splice, reset after it), whose own handshake
 *    ACK again still opens nothing;
 *  - after each test, per port, the fates of what it received add up.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dp_test_env.h"
#include "path/path_test_env.h"
#include "path/path_io.h"
#include "ipvs/synproxy.h"
#include "ipvs/ipvs_priv.h" /* ipvs_synp_key: another worker's cookie */
#include "control/control.h"
#include "ctl_test_env.h"
#include "dpvs/toa.h"

#define SYN RTE_TCP_SYN_FLAG
#define ACK RTE_TCP_ACK_FLAG
#define RST RTE_TCP_RST_FLAG
#define FIN RTE_TCP_FIN_FLAG

#define SP_PORT	 81
#define SP_RPORT 8081
#define CISN	 1000u
#define RS_ISN	 0xfffffff0u /* the real server's numbers wrap at once */
#define FN_PORT	 84	     /* the Full-NAT service */
#define LIP	 "192.168.1.100"

/* the service the client helpers talk to (SP_PORT, or FN_PORT), and
 * the MSS its SYN-ACK offers: the Ethernet MTU's, less TOA's 8 bytes
 * for a Full-NAT service while [ipvs] fnat_toa is on */
static uint16_t vport = SP_PORT;
static uint16_t synack_mss = 1460;

static char err[256];

static int setup(void **state)
{
	struct dpvs_svc s = p_svc_key(IPPROTO_TCP, VIP, SP_PORT);

	(void)state;
	nheld = 0;
	vport = SP_PORT;
	synack_mss = 1460;
	snprintf(s.sched_name, sizeof(s.sched_name), "rr");
	s.flags = DPVS_SVC_F_SYNPROXY;
	if (path_setup(&wk, 256, err, sizeof(err)) < 0 || ipvs_svc_add(&s, err, sizeof(err)) < 0 ||
	    p_dest(&s, RIP1, SP_RPORT, err, sizeof(err)) < 0) {
		fprintf(stderr, "set-up: %s\n", err);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fates_add_up();
	release_held();
	path_teardown(&wk);
	return 0;
}

static struct dpvs_worker_stats st(void)
{
	struct dpvs_worker_stats s;

	memset(&s, 0, sizeof(s));
	ipvs_synp_stats(0, &s);
	return s;
}

/* A TCP segment in fb from src to dst: its options, payload bytes of a
 * pattern, every checksum right. Returns the frame's length. */
static size_t seg(const char *src, uint16_t sport, const char *dst, uint16_t dport, uint8_t flags,
		  uint32_t seq, uint32_t ack, uint16_t win, const uint8_t *opt, unsigned optlen,
		  uint16_t payload)
{
	struct p_l4 s = {.proto = IPPROTO_TCP, .src = src, .dst = dst};
	size_t off = p_eth(fb, &p_mac[p_port_of(src)], p_src_mac(src), RTE_ETHER_TYPE_IPV4);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(fb + off);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);
	uint16_t l4len = (uint16_t)(sizeof(*th) + optlen + payload);
	uint8_t *p = (uint8_t *)(th + 1);

	p_ipv4(ip, &s, l4len);
	memset(th, 0, sizeof(*th));
	th->src_port = htons(sport);
	th->dst_port = htons(dport);
	th->sent_seq = htonl(seq);
	th->recv_ack = htonl(ack);
	th->data_off = (uint8_t)(((sizeof(*th) + optlen) / 4) << 4);
	th->tcp_flags = flags;
	th->rx_win = htons(win);
	memcpy(p, opt, optlen);
	for (uint16_t i = 0; i < payload; i++)
		p[optlen + i] = (uint8_t)(i * 7 + 1);
	th->cksum = p_l4_csum(ip);
	return off + sizeof(*ip) + l4len;
}

static void client(uint16_t cport, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t win,
		   const uint8_t *opt, unsigned optlen, uint16_t payload)
{
	feed(P_CLI, seg(CIP, cport, VIP, vport, flags, seq, ack, win, opt, optlen, payload));
}

static void server(uint16_t cport, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t win,
		   const uint8_t *opt, unsigned optlen, uint16_t payload)
{
	feed(P_SRV, seg(RIP1, SP_RPORT, CIP, cport, flags, seq, ack, win, opt, optlen, payload));
}

/* The TCP header of a frame that left, its addresses and ports as
 * expected and both checksums right; *payload: its data's length. */
static struct rte_tcp_hdr *tcp_out(struct rte_mbuf *m, uint16_t port,
				   const struct rte_ether_addr *mac, const char *src,
				   uint16_t sport, const char *dst, uint16_t dport,
				   uint32_t *payload)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)eth_to(m, port, mac);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);

	ip_ok(ip);
	l4_ok(ip);
	assert_int_equal(ip->next_proto_id, IPPROTO_TCP);
	assert_int_equal(ip->src_addr, p_ip(src));
	assert_int_equal(ip->dst_addr, p_ip(dst));
	assert_int_equal(ntohs(th->src_port), sport);
	assert_int_equal(ntohs(th->dst_port), dport);
	if (payload)
		*payload = ntohs(ip->total_length) - (uint32_t)sizeof(*ip) -
			   (uint32_t)(th->data_off >> 4) * 4u;
	return th;
}

static struct synp_opts opts_of(const struct rte_tcp_hdr *th)
{
	struct synp_opts o;

	assert_int_equal(synp_parse_opts((const uint8_t *)(th + 1),
					 (unsigned)(th->data_off >> 4) * 4u - sizeof(*th), &o),
			 0);
	return o;
}

/* Linux's SYN options: MSS 1460, SACK-permitted, NOP, window scale 7 */
static const uint8_t syn_opts[] = {2, 4, 0x05, 0xb4, 4, 2, 1, 3, 3, 7, 1, 1};

/* Whether the options of th have one of kind (whole options only). */
static bool has_opt(const struct rte_tcp_hdr *th, uint8_t kind)
{
	const uint8_t *o = (const uint8_t *)(th + 1);
	unsigned len = (unsigned)(th->data_off >> 4) * 4u - sizeof(*th);

	for (unsigned i = 0; i < len && o[i] != 0;) {
		if (o[i] == 1) {
			i++;
			continue;
		}
		if (i + 1 >= len || o[i + 1] < 2)
			return false;
		if (o[i] == kind)
			return true;
		i += o[i + 1];
	}
	return false;
}

/* The client's SYN from cport with options opt: the cookie of the
 * SYN-ACK it gets. */
static uint32_t handshake_syn_opts(uint16_t cport, const uint8_t *opt, unsigned optlen)
{
	uint64_t sent = st().synp_cookies_sent;
	struct rte_tcp_hdr *th;
	struct synp_opts o, in;
	uint32_t len;

	assert_int_equal(synp_parse_opts(opt, optlen, &in), 0);
	client(cport, SYN, CISN, 0, 64240, opt, optlen, 0);
	th = tcp_out(one_out_of(P_CLI), P_CLI, &cgw_mac, VIP, vport, CIP, cport, &len);
	/* timestamps when the SYN had them: TSval 0 (the real server's clock
	 * follows it untranslated), the client's echoed */
	assert_int_equal(has_opt(th, 8), in.ts);
	if (in.ts) {
		assert_int_equal(opts_of(th).tsval, 0);
		assert_int_equal(opts_of(th).tsecr, in.tsval);
	}
	assert_int_equal(th->tcp_flags, SYN | ACK);
	assert_int_equal(ntohl(th->recv_ack), CISN + 1);
	assert_int_equal(len, 0);
	o = opts_of(th);
	assert_int_equal(o.mss, synack_mss);
	assert_int_equal(o.wscale, 7);
	assert_true(o.sack_ok);
	assert_int_equal(st().synp_cookies_sent, sent + 1);
	assert_int_equal(ipvs_conn_count(0), 0); /* no state for a SYN */
	return ntohl(th->sent_seq);
}

static uint32_t handshake_syn(uint16_t cport)
{
	return handshake_syn_opts(cport, syn_opts, sizeof(syn_opts));
}

/* The SYN that must have left towards the real server for cport. */
static void syn_to_rs(uint16_t cport)
{
	uint32_t len;
	struct rte_tcp_hdr *th =
	    tcp_out(one_out_of(P_SRV), P_SRV, &rs_mac[0], CIP, cport, RIP1, SP_RPORT, &len);
	struct synp_opts o = opts_of(th);

	assert_int_equal(th->tcp_flags, SYN);
	assert_int_equal(ntohl(th->sent_seq), CISN);
	assert_int_equal(len, 0);
	assert_int_equal(o.mss, 1460);
	assert_int_equal(o.wscale, 7);
	assert_true(o.sack_ok);
}

static void test_handshake_splice_translate(void **state)
{
	const uint16_t cport = 40001;
	/* the real server answers with MSS 1360 and a shift of 5 */
	static const uint8_t rs_opts[] = {2, 4, 0x05, 0x50, 1, 3, 3, 5};
	struct rte_mbuf *m[3];
	struct rte_tcp_hdr *th;
	uint32_t cookie, len;
	uint8_t sack[12] = {1, 1, 5, 10};

	(void)state;
	cookie = handshake_syn(cport);
	/* the ACK with 10 bytes of data: the SYN to the real server, the
	 * data held */
	client(cport, ACK, CISN + 1, cookie + 1, 1000, NULL, 0, 10);
	syn_to_rs(cport);
	assert_int_equal(ipvs_conn_count(0), 1);
	assert_int_equal(st().synp_cookies_valid, 1);
	assert_int_equal(st().synp_held, 1);
	/* the real server's SYN-ACK: our ACK to it and the held data, both
	 * with its numbers; nothing to the client */
	server(cport, SYN | ACK, RS_ISN, CISN + 1, 29200, rs_opts, sizeof(rs_opts), 0);
	out_of(P_SRV, m, 2);
	th = tcp_out(m[0], P_SRV, &rs_mac[0], CIP, cport, RIP1, SP_RPORT, &len);
	assert_int_equal(th->tcp_flags, ACK);
	assert_int_equal(ntohl(th->sent_seq), CISN + 1);
	assert_int_equal(ntohl(th->recv_ack), RS_ISN + 1);
	assert_int_equal(len, 0);
	th = tcp_out(m[1], P_SRV, &rs_mac[0], CIP, cport, RIP1, SP_RPORT, &len);
	assert_int_equal(ntohl(th->sent_seq), CISN + 1);
	assert_int_equal(ntohl(th->recv_ack), RS_ISN + 1);
	assert_int_equal(len, 10);
	assert_int_equal(((uint8_t *)(th + 1))[9], (uint8_t)(9 * 7 + 1));
	/* the client's window (1000 at its shift 7) reaches the real server
	 * at the same shift: it accepted the client's */
	assert_int_equal(ntohs(th->rx_win), 1000);
	assert_int_equal(st().synp_spliced, 1);

	/* real server -> client: its sequence as the cookie's, its window
	 * (100 at shift 5) at our shift 7 */
	server(cport, ACK, RS_ISN + 1, CISN + 11, 100, NULL, 0, 20);
	th = tcp_out(one_out_of(P_CLI), P_CLI, &cgw_mac, VIP, SP_PORT, CIP, cport, &len);
	assert_int_equal(ntohl(th->sent_seq), cookie + 1);
	assert_int_equal(ntohl(th->recv_ack), CISN + 11);
	assert_int_equal(ntohs(th->rx_win), 100 << 5 >> 7);
	assert_int_equal(len, 20);
	/* client -> real server: its ack and a SACK block as the real
	 * server's numbers */
	memcpy(sack + 4, (uint8_t[]){0, 0, 0, 0, 0, 0, 0, 0}, 8);
	{
		uint32_t l = htonl(cookie + 100), r = htonl(cookie + 200);

		memcpy(sack + 4, &l, 4);
		memcpy(sack + 8, &r, 4);
	}
	client(cport, ACK, CISN + 11, cookie + 21, 1000, sack, sizeof(sack), 0);
	th = tcp_out(one_out_of(P_SRV), P_SRV, &rs_mac[0], CIP, cport, RIP1, SP_RPORT, &len);
	assert_int_equal(ntohl(th->recv_ack), RS_ISN + 21);
	{
		uint32_t l, r;

		memcpy(&l, (uint8_t *)(th + 1) + 4, 4);
		memcpy(&r, (uint8_t *)(th + 1) + 8, 4);
		assert_int_equal(ntohl(l), RS_ISN + 100);
		assert_int_equal(ntohl(r), RS_ISN + 200);
	}
	/* the real server's SYN-ACK again: ACKed again, not for the client */
	server(cport, SYN | ACK, RS_ISN, CISN + 1, 29200, rs_opts, sizeof(rs_opts), 0);
	th = tcp_out(one_out_of(P_SRV), P_SRV, &rs_mac[0], CIP, cport, RIP1, SP_RPORT, &len);
	assert_int_equal(th->tcp_flags, ACK);
	assert_int_equal(ntohl(th->recv_ack), RS_ISN + 1);
	assert_int_equal(st().synp_synack_reacked, 1);
}

static void test_forged_cookie(void **state)
{
	struct rte_mbuf *m[4];
	uint32_t cookie;

	(void)state;
	cookie = handshake_syn(40002);
	client(40002, ACK, CISN + 1, cookie + 1 + 0x01000000u, 1000, NULL, 0, 0);
	client(40003, ACK, CISN + 1, cookie + 1, 1000, NULL, 0, 0); /* another client port */
	assert_int_equal(take(p_tx_ring[P_SRV], m, 4), 0);
	assert_int_equal(take(p_tx_ring[P_CLI], m, 4), 0);
	assert_int_equal(ipvs_conn_count(0), 0);
	assert_int_equal(st().synp_cookies_bad, 2);
	assert_int_equal(wk.cnt[P_CLI].drops[DPVS_DROP_SYNP_BAD_COOKIE], 2);
}

static void test_retransmissions_before_the_splice(void **state)
{
	const uint16_t cport = 40004;
	struct rte_mbuf *m[4];
	uint32_t cookie;

	(void)state;
	cookie = handshake_syn(cport);
	client(cport, ACK, CISN + 1, cookie + 1, 1000, NULL, 0, 0);
	syn_to_rs(cport);
	/* the handshake's ACK again: the SYN again */
	client(cport, ACK, CISN + 1, cookie + 1, 1000, NULL, 0, 0);
	syn_to_rs(cport);
	assert_int_equal(st().synp_syn_resent, 1);
	/* the first segment: held, nothing sent */
	client(cport, ACK, CISN + 1, cookie + 1, 1000, NULL, 0, 100);
	assert_int_equal(take(p_tx_ring[P_SRV], m, 4), 0);
	assert_int_equal(st().synp_held, 1);
	/* a later one: absorbed */
	client(cport, ACK, CISN + 101, cookie + 1, 1000, NULL, 0, 100);
	assert_int_equal(take(p_tx_ring[P_SRV], m, 4), 0);
	assert_int_equal(wk.cnt[P_CLI].drops[DPVS_DROP_SYNP_ABSORBED], 2);
	/* held data past its time is let go (the client sends it again) */
	wk.now_sec += 60; /* well past IPVS_SYNP_HELD_SECONDS */
	ipvs_worker_timer(&wk);
	assert_int_equal(st().synp_held_lost, 1);
}

static void test_real_server_refuses(void **state)
{
	const uint16_t cport = 40005;
	struct rte_tcp_hdr *th;
	uint32_t cookie;

	(void)state;
	cookie = handshake_syn(cport);
	client(cport, ACK, CISN + 1, cookie + 1, 1000, NULL, 0, 0);
	syn_to_rs(cport);
	server(cport, RST | ACK, 0, CISN + 1, 0, NULL, 0, 0);
	th = tcp_out(one_out_of(P_CLI), P_CLI, &cgw_mac, VIP, SP_PORT, CIP, cport, NULL);
	assert_int_equal(th->tcp_flags, RST);
	assert_int_equal(ntohl(th->sent_seq), cookie + 1);
	assert_int_equal(st().synp_rs_refused, 1);
	/* the client's segments after it: nothing more is sent */
	client(cport, ACK, CISN + 1, cookie + 1, 1000, NULL, 0, 0);
	assert_int_equal(take(p_tx_ring[P_SRV], (struct rte_mbuf *[2]){0}, 2), 0);
}

/* The cookie another worker's SYN-ACK carried to the client for its SYN
 * of ISN isn from cport with syn_opts: the same key, the same clock. */
static uint32_t cookie_elsewhere(uint16_t cport, uint32_t isn)
{
	struct synp_tuple t = {.saddr = p_ip(CIP),
			       .daddr = p_ip(VIP),
			       .sport = htons(cport),
			       .dport = htons(vport)};
	struct synp_opts in;

	assert_int_equal(synp_parse_opts(syn_opts, sizeof(syn_opts), &in), 0);
	return synp_cookie_make(&ipvs_synp_key, &t, isn, synp_counter(wk.now_sec), &in, NULL);
}

/* The SYN to the real server for cport's handshake of ISN isn. */
static void syn_to_rs_isn(uint16_t cport, uint32_t isn)
{
	struct rte_tcp_hdr *th =
	    tcp_out(one_out_of(P_SRV), P_SRV, &rs_mac[0], CIP, cport, RIP1, SP_RPORT, NULL);

	assert_int_equal(th->tcp_flags, SYN);
	assert_int_equal(ntohl(th->sent_seq), isn);
	assert_int_equal(opts_of(th).mss, 1460);
}

static void test_cookie_of_another_worker(void **state)
{
	const uint16_t cport = 40010;
	uint32_t cookie = cookie_elsewhere(cport, CISN);

	(void)state;
	client(cport, ACK, CISN + 1, cookie + 1, 1000, NULL, 0, 0);
	syn_to_rs(cport);
	assert_int_equal(ipvs_conn_count(0), 1);
	assert_int_equal(st().synp_cookies_sent, 0);
	assert_int_equal(st().synp_cookies_valid, 1);
}

/* The client's port again after a refusal (CLOSE before the splice), its
 * new SYN answered elsewhere: the new handshake's ACK ends the old conn
 * and opens its own; the old handshake's ACK again opens nothing. */
static void test_reuse_after_refusal_cookie_elsewhere(void **state)
{
	const uint16_t cport = 40011;
	const uint32_t isn2 = CISN + 500000;
	uint32_t cookie = handshake_syn(cport), cookie2;

	(void)state;
	client(cport, ACK, CISN + 1, cookie + 1, 1000, NULL, 0, 0);
	syn_to_rs(cport);
	server(cport, RST | ACK, 0, CISN + 1, 0, NULL, 0, 0);
	assert_int_equal(tcp_out(one_out_of(P_CLI), P_CLI, &cgw_mac, VIP, SP_PORT, CIP, cport,
				 NULL)->tcp_flags,
			 RST);
	client(cport, ACK, CISN + 1, cookie + 1, 1000, NULL, 0, 0);
	assert_int_equal(take(p_tx_ring[P_SRV], (struct rte_mbuf *[2]){0}, 2), 0);
	cookie2 = cookie_elsewhere(cport, isn2);
	client(cport, ACK, isn2 + 1, cookie2 + 1, 1000, NULL, 0, 0);
	syn_to_rs_isn(cport, isn2);
	assert_int_equal(ipvs_conn_count(0), 1);
	assert_int_equal(st().synp_cookies_valid, 2);
}

/* The same after a spliced conn the client reset (CLOSE): the new
 * handshake's ACK is not passed into the old conn's translation. */
static void test_reuse_after_splice_cookie_elsewhere(void **state)
{
	const uint16_t cport = 40012;
	const uint32_t isn2 = CISN + 700000;
	struct rte_mbuf *m[2];
	uint32_t cookie = handshake_syn(cport), cookie2;

	(void)state;
	client(cport, ACK, CISN + 1, cookie + 1, 1000, NULL, 0, 0);
	syn_to_rs(cport);
	server(cport, SYN | ACK, RS_ISN, CISN + 1, 29200, NULL, 0, 0);
	assert_int_equal(take(p_tx_ring[P_SRV], m, 2), 1); /* our ACK to it */
	rte_pktmbuf_free(m[0]);
	assert_int_equal(st().synp_spliced, 1);
	client(cport, RST | ACK, CISN + 1, cookie + 1, 0, NULL, 0, 0);
	assert_int_equal(take(p_tx_ring[P_SRV], m, 2), 1); /* the RST passed */
	rte_pktmbuf_free(m[0]);
	/* its own FIN again, with the handshake's numbers: the old conn's,
	 * never a new one */
	client(cport, FIN | ACK, CISN + 1, cookie + 1, 1000, NULL, 0, 0);
	assert_int_equal(take(p_tx_ring[P_SRV], m, 2), 1);
	assert_int_equal(rte_pktmbuf_mtod_offset(m[0], struct rte_tcp_hdr *,
						 sizeof(struct rte_ether_hdr) +
						     sizeof(struct rte_ipv4_hdr))
			     ->tcp_flags,
			 FIN | ACK);
	rte_pktmbuf_free(m[0]);
	assert_int_equal(st().synp_cookies_valid, 1);
	cookie2 = cookie_elsewhere(cport, isn2);
	client(cport, ACK, isn2 + 1, cookie2 + 1, 1000, NULL, 0, 0);
	syn_to_rs_isn(cport, isn2);
	assert_int_equal(ipvs_conn_count(0), 1);
	assert_int_equal(st().synp_cookies_valid, 2);
}

/* a proxied service without a real server does not answer: the client
 * would believe in a conn that cannot be made */
static void test_no_dest_no_answer(void **state)
{
	struct dpvs_svc s = p_svc_key(IPPROTO_TCP, VIP, 83);
	struct rte_mbuf *m[2];

	(void)state;
	snprintf(s.sched_name, sizeof(s.sched_name), "rr");
	s.flags = DPVS_SVC_F_SYNPROXY;
	assert_int_equal(ipvs_svc_add(&s, err, sizeof(err)), 0);
	feed(P_CLI, seg(CIP, 40006, VIP, 83, SYN, CISN, 0, 64240, syn_opts, sizeof(syn_opts), 0));
	assert_int_equal(take(p_tx_ring[P_CLI], m, 2), 0);
	assert_int_equal(wk.cnt[P_CLI].drops[DPVS_DROP_CONN_NO_DEST], 1);
	assert_int_equal(st().synp_cookies_sent, 0);
}

static int setup_fnat(void **state)
{
	struct dpvs_svc s = p_svc_key(IPPROTO_TCP, VIP, FN_PORT);
	struct dpvs_laddr_req q;

	if (setup(state) < 0)
		return -1;
	vport = FN_PORT;
	synack_mss = 1460 - TOA_LEN;
	ctl_registry_reset();
	inet_ctl_register();
	ipvs_ctl_register();
	snprintf(s.sched_name, sizeof(s.sched_name), "rr");
	s.flags = DPVS_SVC_F_SYNPROXY;
	memset(&q, 0, sizeof(q));
	q.svc = s;
	q.af = AF_INET;
	q.addr.in.s_addr = p_ip(LIP);
	if (p_addr("dpdk1", LIP, 24, 0, err, sizeof(err)) < 0 ||
	    ipvs_svc_add(&s, err, sizeof(err)) < 0 ||
	    p_dest_fwd(&s, RIP1, SP_RPORT, DPVS_FWD_FULLNAT, 0, 0, 0, false, err, sizeof(err)) <
		0 ||
	    ipvs_laddr_add(&q, err, sizeof(err)) < 0) {
		fprintf(stderr, "set-up: %s\n", err);
		return -1;
	}
	return 0;
}

/* The TOA of th names the client at cport. */
static void toa_is(const struct rte_tcp_hdr *th, uint16_t cport)
{
	const uint8_t *o = (const uint8_t *)(th + 1);
	unsigned len = (unsigned)(th->data_off >> 4) * 4u - sizeof(*th);
	uint32_t a;

	for (unsigned i = 0; i + 1 < len && o[i] != 0;) {
		if (o[i] == 1) {
			i++;
			continue;
		}
		if (o[i] == TOA_KIND && o[i + 1] == TOA_LEN) {
			memcpy(&a, o + i + 4, 4);
			assert_int_equal(o[i + 2] << 8 | o[i + 3], cport);
			assert_int_equal(a, p_ip(CIP));
			return;
		}
		assert_true(o[i + 1] >= 2);
		i += o[i + 1];
	}
	fail_msg("no TOA");
}

/* A segment of the real server's to LIP:lport. */
static void fn_server(uint16_t lport, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t win,
		      const uint8_t *opt, unsigned optlen, uint16_t payload)
{
	feed(P_SRV, seg(RIP1, SP_RPORT, LIP, lport, flags, seq, ack, win, opt, optlen, payload));
}

/* Full-NAT behind the proxy: both legs' numbers and both ends rewritten,
 * the client's address in TOA, timestamps through untranslated. */
static void test_fullnat_splice(void **state)
{
	const uint16_t cport = 40011;
	/* Linux's SYN with timestamps: MSS 1460, SACK-permitted, TS, NOP, WS 7 */
	static const uint8_t ts_syn[] = {2,    4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0,
					 0x10, 0, 0,	0,    0, 0, 1, 3,  3, 7};
	/* the client's clock 0x1005 in its ACK, echoing our 0 */
	static const uint8_t ack_ts[] = {1, 1, 8, 10, 0, 0, 0x10, 5, 0, 0, 0, 0};
	/* the real server's: MSS 1360, WS 5, TS 0xfffffff0 (it wraps) echoing 0x1005 */
	static const uint8_t rs_ts_opts[] = {2, 4,  0x05, 0x50, 1,    3,    3, 5, 1,	1,
					     8, 10, 0xff, 0xff, 0xff, 0xf0, 0, 0, 0x10, 5};
	/* its data segment's: 0xfffffff7, echoing 0x1005 */
	static const uint8_t rs_data_ts[] = {1, 1, 8, 10, 0xff, 0xff, 0xff, 0xf7, 0, 0, 0x10, 5};
	struct rte_mbuf *m[3];
	struct rte_tcp_hdr *th;
	struct synp_opts o;
	uint32_t cookie, len;
	uint16_t lport;
	uint8_t sack[12] = {1, 1, 5, 10};

	(void)state;
	cookie = handshake_syn_opts(cport, ts_syn, sizeof(ts_syn));
	/* the ACK with 10 bytes: the SYN to the real server from LIP:lport
	 * (the conn's out node: the replies below find it), the client
	 * in its TOA, the options the cookie kept, the ACK's TSval */
	client(cport, ACK, CISN + 1, cookie + 1, 1000, ack_ts, sizeof(ack_ts), 10);
	m[0] = one_out_of(P_SRV);
	th = (struct rte_tcp_hdr *)(eth_to(m[0], P_SRV, &rs_mac[0]) + sizeof(struct rte_ipv4_hdr));
	lport = ntohs(th->src_port);
	th = tcp_out(m[0], P_SRV, &rs_mac[0], LIP, lport, RIP1, SP_RPORT, &len);
	assert_int_equal(th->tcp_flags, SYN);
	assert_int_equal(ntohl(th->sent_seq), CISN);
	assert_int_equal(len, 0);
	toa_is(th, cport);
	assert_int_equal(synp_parse_opts((const uint8_t *)(th + 1),
					 (unsigned)(th->data_off >> 4) * 4u - sizeof(*th), &o),
			 0);
	assert_true(o.ts);
	assert_int_equal(o.tsval, 0x1005);
	assert_int_equal(o.tsecr, 0);
	assert_int_equal(o.mss, 1460);
	assert_int_equal(o.wscale, 7);
	assert_true(o.sack_ok);
	assert_int_equal(ipvs_conn_count(0), 1);
	assert_int_equal(st().synp_held, 1);

	/* the real server's SYN-ACK to LIP:lport: our ACK (TOA again) and the
	 * held data, both from the LIP with the real server's numbers */
	fn_server(lport, SYN | ACK, RS_ISN, CISN + 1, 29200, rs_ts_opts, sizeof(rs_ts_opts), 0);
	out_of(P_SRV, m, 2);
	th = tcp_out(m[0], P_SRV, &rs_mac[0], LIP, lport, RIP1, SP_RPORT, &len);
	assert_int_equal(th->tcp_flags, ACK);
	assert_int_equal(ntohl(th->sent_seq), CISN + 1);
	assert_int_equal(ntohl(th->recv_ack), RS_ISN + 1);
	assert_int_equal(len, 0);
	toa_is(th, cport);
	/* our ACK echoes the real server's clock with the client's */
	o = opts_of(th);
	assert_true(o.ts);
	assert_int_equal(o.tsval, 0x1005);
	assert_int_equal(o.tsecr, 0xfffffff0u);
	th = tcp_out(m[1], P_SRV, &rs_mac[0], LIP, lport, RIP1, SP_RPORT, &len);
	assert_int_equal(ntohl(th->sent_seq), CISN + 1);
	assert_int_equal(ntohl(th->recv_ack), RS_ISN + 1);
	assert_int_equal(len, 10);
	assert_int_equal(((uint8_t *)(th + 1))[(th->data_off >> 4) * 4 - 20 + 9],
			 (uint8_t)(9 * 7 + 1));
	assert_int_equal(st().synp_spliced, 1);

	/* real server -> client: from the VIP, the cookie's numbers, its
	 * clock as it is (the client's TS.Recent is 0: it takes any) */
	fn_server(lport, ACK, RS_ISN + 1, CISN + 11, 100, rs_data_ts, sizeof(rs_data_ts), 20);
	th = tcp_out(one_out_of(P_CLI), P_CLI, &cgw_mac, VIP, FN_PORT, CIP, cport, &len);
	o = opts_of(th);
	assert_true(o.ts);
	assert_int_equal(o.tsval, 0xfffffff7u);
	assert_int_equal(o.tsecr, 0x1005);
	assert_int_equal(ntohl(th->sent_seq), cookie + 1);
	assert_int_equal(ntohl(th->recv_ack), CISN + 11);
	assert_int_equal(ntohs(th->rx_win), 100 << 5 >> 7);
	assert_int_equal(len, 20);
	/* client -> real server: ack and SACK block as the real server's */
	{
		uint32_t l = htonl(cookie + 100), r = htonl(cookie + 200);

		memcpy(sack + 4, &l, 4);
		memcpy(sack + 8, &r, 4);
	}
	client(cport, ACK, CISN + 11, cookie + 21, 1000, sack, sizeof(sack), 0);
	th = tcp_out(one_out_of(P_SRV), P_SRV, &rs_mac[0], LIP, lport, RIP1, SP_RPORT, &len);
	assert_int_equal(ntohl(th->recv_ack), RS_ISN + 21);
	{
		const uint8_t *op = (const uint8_t *)(th + 1);
		unsigned ol = (unsigned)(th->data_off >> 4) * 4u - sizeof(*th);
		uint32_t l, r;
		unsigned i = 0;

		while (i < ol && op[i] != 5)
			i += op[i] == 1 ? 1 : op[i + 1];
		assert_true(i + 10 <= ol);
		memcpy(&l, op + i + 2, 4);
		memcpy(&r, op + i + 6, 4);
		assert_int_equal(ntohl(l), RS_ISN + 100);
		assert_int_equal(ntohl(r), RS_ISN + 200);
	}
	/* the real server's RST after the splice reaches the client at the
	 * cookie's numbers (else the client would ignore it) */
	fn_server(lport, RST | ACK, RS_ISN + 21, CISN + 11, 0, NULL, 0, 0);
	th = tcp_out(one_out_of(P_CLI), P_CLI, &cgw_mac, VIP, FN_PORT, CIP, cport, NULL);
	assert_int_equal(ntohl(th->sent_seq), cookie + 21);
}

/* A Full-NAT SYN-proxy conn the real server refuses: the client gets the
 * RST from the VIP. */
static void test_fullnat_refused(void **state)
{
	const uint16_t cport = 40012;
	struct rte_tcp_hdr *th;
	uint32_t cookie;
	uint16_t lport;

	(void)state;
	cookie = handshake_syn(cport);
	client(cport, ACK, CISN + 1, cookie + 1, 1000, NULL, 0, 0);
	th = (struct rte_tcp_hdr *)(eth_to(one_out_of(P_SRV), P_SRV, &rs_mac[0]) +
				    sizeof(struct rte_ipv4_hdr));
	lport = ntohs(th->src_port);
	fn_server(lport, RST | ACK, 0, CISN + 1, 0, NULL, 0, 0);
	th = tcp_out(one_out_of(P_CLI), P_CLI, &cgw_mac, VIP, FN_PORT, CIP, cport, NULL);
	assert_int_equal(th->tcp_flags, RST);
	assert_int_equal(ntohl(th->sent_seq), cookie + 1);
	assert_int_equal(st().synp_rs_refused, 1);
}

/* A client's full-sized segment must have room for TOA towards the
 * real server: the SYN-ACK of a Full-NAT service offers 8 bytes less
 * while fnat_toa is on (handshake_syn checks synack_mss), the whole
 * MSS once it is off; a NAT service always the whole. */
static void test_fullnat_mss_and_toa(void **state)
{
	(void)state;
	handshake_syn(40013); /* 1452 */
	ipvs_set_fnat_caddr(false, true);
	synack_mss = 1460;
	handshake_syn(40014);
	ipvs_set_fnat_caddr(true, true);
	vport = SP_PORT;
	handshake_syn(40015);
}

/* A SYN is answered unchecked: the SYN-ACK made from it in place keeps
 * its checksum's error, so the client drops it (and nothing was kept);
 * an ACK with a bad checksum is checked and dropped before its cookie. */
static void test_corrupt_syn_and_ack(void **state)
{
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *th;
	struct rte_mbuf *m[2];
	size_t len =
	    seg(CIP, 40016, VIP, SP_PORT, SYN, CISN, 0, 64240, syn_opts, sizeof(syn_opts), 0);
	uint16_t bad;

	(void)state;
	ip = (struct rte_ipv4_hdr *)(fb + sizeof(struct rte_ether_hdr));
	th = (struct rte_tcp_hdr *)(ip + 1);
	th->cksum = htons((uint16_t)(ntohs(th->cksum) + 0x100));
	bad = pseudo_sum(ip, IPPROTO_TCP, th, ntohs(ip->total_length) - sizeof(*ip));
	assert_int_not_equal(bad, 0xffff);
	feed(P_CLI, len);
	ip = (struct rte_ipv4_hdr *)eth_to(one_out_of(P_CLI), P_CLI, &cgw_mac);
	ip_ok(ip);
	th = (struct rte_tcp_hdr *)(ip + 1);
	assert_int_equal(th->tcp_flags, SYN | ACK);
	assert_int_equal(pseudo_sum(ip, IPPROTO_TCP, th, ntohs(ip->total_length) - sizeof(*ip)),
			 bad);
	assert_int_equal(ipvs_conn_count(0), 0);

	/* the ACK of a good cookie, one bit of its checksum off */
	uint32_t cookie = handshake_syn(40017);

	len = seg(CIP, 40017, VIP, SP_PORT, ACK, CISN + 1, cookie + 1, 1000, NULL, 0, 0);
	th =
	    (struct rte_tcp_hdr *)(fb + sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr));
	th->cksum ^= htons(1);
	feed(P_CLI, len);
	assert_int_equal(take(p_tx_ring[P_SRV], m, 2), 0);
	assert_int_equal(wk.cnt[P_CLI].drops[DPVS_DROP_L4_BAD_CSUM], 1);
	assert_int_equal(st().synp_cookies_valid, 0);
	assert_int_equal(ipvs_conn_count(0), 0);
}

/* A SYN with data (TCP Fast Open's, say; an odd length) is answered as
 * any: the SYN-ACK without it, its checksum right (the data's sum taken
 * out), no conn. */
static void test_syn_with_data(void **state)
{
	uint32_t len;
	struct rte_tcp_hdr *th;

	(void)state;
	client(40018, SYN, CISN, 0, 64240, syn_opts, sizeof(syn_opts), 11);
	th = tcp_out(one_out_of(P_CLI), P_CLI, &cgw_mac, VIP, SP_PORT, CIP, 40018, &len);
	assert_int_equal(th->tcp_flags, SYN | ACK);
	assert_int_equal(ntohl(th->recv_ack), CISN + 1);
	assert_int_equal(len, 0);
	assert_int_equal(opts_of(th).mss, 1460);
	assert_int_equal(ipvs_conn_count(0), 0);
}

static void test_refusals(void **state)
{
	struct dpvs_svc s = p_svc_key(IPPROTO_TCP, VIP, SP_PORT), u;

	(void)state;
	assert_int_equal(
	    p_dest_fwd(&s, RIP2, SP_PORT, DPVS_FWD_DROUTE, 0, 0, 0, false, err, sizeof(err)),
	    -EOPNOTSUPP);
	assert_non_null(strstr(err, "cannot splice"));
	/* with the proxy protocol: refused, with the reason */
	u = p_svc_key(IPPROTO_TCP, VIP, 85);
	snprintf(u.sched_name, sizeof(u.sched_name), "rr");
	u.flags = DPVS_SVC_F_SYNPROXY | DPVS_SVC_F_PP_V2;
	assert_int_equal(ipvs_svc_add(&u, err, sizeof(err)), -EOPNOTSUPP);
	assert_non_null(strstr(err, "--proxy-protocol"));
	u = p_svc_key(IPPROTO_UDP, VIP, 82);
	snprintf(u.sched_name, sizeof(u.sched_name), "rr");
	u.flags = DPVS_SVC_F_SYNPROXY;
	assert_int_equal(ipvs_svc_add(&u, err, sizeof(err)), -EOPNOTSUPP);
	u = p_svc_key(IPPROTO_TCP, VIP, 82);
	snprintf(u.sched_name, sizeof(u.sched_name), "rr");
	u.flags = DPVS_SVC_F_SYNPROXY | DPVS_SVC_F_PERSISTENT;
	u.timeout = 60;
	assert_int_equal(ipvs_svc_add(&u, err, sizeof(err)), -EOPNOTSUPP);
	/* the switch on a service with a DR real server: refused as well */
	u.flags = 0;
	assert_int_equal(ipvs_svc_add(&u, err, sizeof(err)), 0);
	assert_int_equal(
	    p_dest_fwd(&u, RIP2, 82, DPVS_FWD_DROUTE, 0, 0, 0, false, err, sizeof(err)), 0);
	u.flags = DPVS_SVC_F_SYNPROXY;
	assert_int_equal(ipvs_svc_edit(&u, err, sizeof(err)), -EOPNOTSUPP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_handshake_splice_translate, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_forged_cookie, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_retransmissions_before_the_splice, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_real_server_refuses, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_no_dest_no_answer, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cookie_of_another_worker, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reuse_after_refusal_cookie_elsewhere, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_reuse_after_splice_cookie_elsewhere, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_fullnat_splice, setup_fnat, teardown),
	    cmocka_unit_test_setup_teardown(test_fullnat_refused, setup_fnat, teardown),
	    cmocka_unit_test_setup_teardown(test_fullnat_mss_and_toa, setup_fnat, teardown),
	    cmocka_unit_test_setup_teardown(test_corrupt_syn_and_ack, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_syn_with_data, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
