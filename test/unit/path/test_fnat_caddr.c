/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Full-NAT's client address (src/ipvs/fnat_caddr.h): TOA, UOA and the MSS
 * clamp, first on synthetic packets (toa_insert, uoa_insert,
 * tcp_mss_clamp), then on the whole data path (path_test_env.h: the real
 * stack and IPVS on ring ports):
 *
 *  - TOA: the option's bytes (kind 254, length 8, client port, client
 *    address) after the header's options, every other byte in place, the
 *    data offset 2 words more, IPv4 and TCP checksums computed again from
 *    scratch; options full (36 and 40 bytes) or past the MTU: refused,
 *    the packet unchanged;
 *  - the MSS clamp: an MSS at an even and at an odd offset, lowered by 8
 *    and to the cap, checksum from scratch; none, or already low: no change;
 *  - UOA: IHL 5 -> 7, total length + 8, the option's bytes, the header
 *    checksum from scratch, the UDP checksum still right; an IHL of 14
 *    words, a fragment, past the MTU: refused;
 *  - the path: a client's SYN reaches the real server with TOA (the
 *    client's address and port), the real server's SYN-ACK reaches the
 *    client with its MSS lowered (1460 -> 1352: the 1400 MTU towards the
 *    real servers less 40 and 8), the handshake's ACK and two data
 *    segments carry TOA, the next one not; a UDP flow's first three
 *    datagrams carry UOA, the fourth not; the counters say so;
 *    [ipvs] fnat_toa/fnat_uoa off: nothing inserted; the fates add up;
 *  - the proxy protocol: v1's line and v2's bytes (family, STREAM or
 *    DGRAM, addresses, ports); the header put in front of a TCP payload
 *    (odd lengths too: checksum from scratch), seq lowered across 2^32;
 *    in front of a UDP payload (a zero checksum stays zero); a whole
 *    connection through v2 (ISN near 2^32 too) and v1: the SYN's seq
 *    lowered by the header, the SYN-ACK's ack back to the client's and
 *    its MSS lowered, the header on the handshake's ACK and the first
 *    data, acks inside the header mapped to the client's first byte,
 *    nothing translated once the header is acknowledged; UDP v2: every
 *    datagram; v1 on UDP and with persistence refused.
 */
#include <errno.h>
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
#include "control/control.h"
#include "ctl_test_env.h"
#include "ipvs/fnat_caddr.h"
#include "path/fnat_test_env.h"

#define LIP    "192.168.1.100"
#define FN_TCP 8800 /* TCP, Full-NAT to RIP1:8080 */
#define FN_UDP 5300 /* UDP, Full-NAT to RIP2:5353 */
#define FN_PP  8801 /* TCP, Full-NAT to RIP1:8080, --proxy-protocol v2 */
#define FN_PP1 8802 /* TCP, the same with v1 */
#define FN_PPU 5301 /* UDP, Full-NAT to RIP2:5353, v2 */

/* ---- synthetic packets ---- */

/* The one's complement sum of a TCP/UDP segment with its pseudo header:
 * 0xffff when its checksum is right. */
static uint16_t l4_sum(const struct rte_ipv4_hdr *ip)
{
	uint32_t hl = rte_ipv4_hdr_len(ip);

	return pseudo_sum(ip, ip->next_proto_id, (const uint8_t *)ip + hl,
			  ntohs(ip->total_length) - hl);
}

static bool ip_sum_ok(const struct rte_ipv4_hdr *ip)
{
	return rte_raw_cksum(ip, rte_ipv4_hdr_len(ip)) == 0xffff;
}

/* An IPv4 packet into buf: ihl words of header (options filled with
 * NOPs), TCP with `opts` (olen bytes, a multiple of 4) or UDP, payload
 * bytes of pattern; every checksum right. Its length. */
static uint16_t mk(uint8_t *buf, uint8_t proto, unsigned ihl, const uint8_t *opts, unsigned olen,
		   unsigned payload)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)buf;
	uint32_t hl = ihl * 4;
	uint8_t *l4 = buf + hl;
	uint32_t l4h =
	    proto == IPPROTO_TCP ? sizeof(struct rte_tcp_hdr) + olen : sizeof(struct rte_udp_hdr);
	uint16_t len = (uint16_t)(hl + l4h + payload);

	memset(buf, 0, len);
	ip->version_ihl = (uint8_t)(0x40 | ihl);
	ip->total_length = htons(len);
	ip->packet_id = htons(0x1234);
	ip->fragment_offset = htons(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = 64;
	ip->next_proto_id = proto;
	ip->src_addr = p_ip(CIP);
	ip->dst_addr = p_ip(VIP);
	memset(ip + 1, 1, hl - sizeof(*ip)); /* IP NOPs */
	for (unsigned i = 0; i < payload; i++)
		l4[l4h + i] = (uint8_t)(i * 13 + 5);
	if (proto == IPPROTO_TCP) {
		struct rte_tcp_hdr *t = (struct rte_tcp_hdr *)l4;

		t->src_port = htons(40000);
		t->dst_port = htons(FN_TCP);
		t->sent_seq = htonl(0xfffffff0);
		t->recv_ack = htonl(0x2000);
		t->data_off = (uint8_t)((l4h / 4) << 4);
		t->tcp_flags = RTE_TCP_ACK_FLAG;
		t->rx_win = htons(65535);
		memcpy(t + 1, opts, olen);
		t->cksum = (uint16_t)~pseudo_sum(ip, proto, l4, l4h + payload);
	} else {
		struct rte_udp_hdr *u = (struct rte_udp_hdr *)l4;

		u->src_port = htons(5000);
		u->dst_port = htons(FN_UDP);
		u->dgram_len = htons((uint16_t)(l4h + payload));
		u->dgram_cksum = (uint16_t)~pseudo_sum(ip, proto, l4, l4h + payload);
	}
	ip->hdr_checksum = (uint16_t)~rte_raw_cksum(ip, hl);
	return len;
}

static struct rte_mbuf *mbuf_of(const uint8_t *buf, uint16_t len)
{
	struct rte_mbuf *m = dp_test_mbuf(buf, len);

	assert_non_null(m);
	m->l3_len = rte_ipv4_hdr_len((const struct rte_ipv4_hdr *)buf);
	return m;
}

/* Linux's SYN options: MSS 1460, SACK permitted, timestamps, NOP, window
 * scale 7 (20 bytes). */
static const uint8_t syn_opts[20] = {2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0,
				     0, 1, 0,	 0,    0, 0, 1, 3,  3, 7};
static const uint8_t ts_opts[12] = {1, 1, 8, 10, 0, 0, 0, 2, 0, 0, 0, 1};

/* toa_insert on a packet of olen bytes of options and `payload` bytes:
 * everything checked against the packet before. */
static void toa_case(const uint8_t *opts, unsigned olen, unsigned payload, uint8_t flags)
{
	uint8_t before[1600];
	uint16_t len = mk(before, IPPROTO_TCP, 5, opts, olen, payload);

	((struct rte_tcp_hdr *)(before + 20))->tcp_flags = flags;
	((struct rte_tcp_hdr *)(before + 20))->cksum = 0;
	((struct rte_tcp_hdr *)(before + 20))->cksum = (uint16_t)~pseudo_sum(
	    (struct rte_ipv4_hdr *)before, IPPROTO_TCP, before + 20, len - 20u);

	struct rte_mbuf *m = mbuf_of(before, len);
	uint32_t hdrs = 20 + 20 + olen;

	assert_int_equal(toa_insert(m, p_ip(CIP), htons(40000), 1500), 0);
	const uint8_t *a = rte_pktmbuf_mtod(m, const uint8_t *);
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)a;
	const struct rte_tcp_hdr *t = (const struct rte_tcp_hdr *)(a + 20);

	assert_int_equal(rte_pktmbuf_data_len(m), len + TOA_LEN);
	assert_int_equal(m->pkt_len, len + TOA_LEN);
	assert_int_equal(ntohs(ip->total_length), len + TOA_LEN);
	assert_true(ip_sum_ok(ip));
	assert_int_equal(l4_sum(ip), 0xffff);
	assert_int_equal(t->data_off >> 4, (20 + olen + TOA_LEN) / 4);
	/* the option: kind, length, port, address */
	assert_int_equal(a[hdrs], 254);
	assert_int_equal(a[hdrs + 1], 8);
	assert_int_equal(a[hdrs + 2] << 8 | a[hdrs + 3], 40000);
	assert_memory_equal(&a[hdrs + 4], &(uint32_t){p_ip(CIP)}, 4);
	/* the rest in place: IP header but length and checksum, TCP header
	 * but data offset and checksum, its options, the payload */
	assert_memory_equal(a, before, 2);
	assert_memory_equal(a + 4, before + 4, 6);
	assert_memory_equal(a + 12, before + 12, 8);
	assert_memory_equal(a + 20, before + 20, 12);
	assert_int_equal(a[33], before[33]); /* the flags */
	assert_memory_equal(a + 34, before + 34, 2);
	assert_memory_equal(a + 38, before + 38, 2 + olen);
	assert_memory_equal(a + hdrs + TOA_LEN, before + hdrs, payload);
	rte_pktmbuf_free(m);
}

static void test_toa_bytes(void **state)
{
	(void)state;
	toa_case(syn_opts, sizeof(syn_opts), 0, RTE_TCP_SYN_FLAG);
	toa_case(ts_opts, sizeof(ts_opts), 1000, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG);
	toa_case(NULL, 0, 1, RTE_TCP_ACK_FLAG); /* odd payload: the last word half */
	static const uint8_t o32[32] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
					1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
	toa_case(o32, 32, 10, RTE_TCP_ACK_FLAG); /* 32 + 8: exactly full */
}

/* No room: the packet leaves as it came. */
static void toa_refused(unsigned olen, unsigned payload, uint16_t mtu, int want)
{
	uint8_t b[1600], opts[40];
	uint16_t len;

	memset(opts, 1, sizeof(opts));
	len = mk(b, IPPROTO_TCP, 5, opts, olen, payload);
	struct rte_mbuf *m = mbuf_of(b, len);

	assert_int_equal(toa_insert(m, p_ip(CIP), htons(40000), mtu), want);
	assert_int_equal(rte_pktmbuf_data_len(m), len);
	assert_memory_equal(rte_pktmbuf_mtod(m, uint8_t *), b, len);
	rte_pktmbuf_free(m);
}

static void test_toa_no_room(void **state)
{
	(void)state;
	toa_refused(36, 0, 1500, -ENOSPC);
	toa_refused(40, 0, 1500, -ENOSPC);
	toa_refused(12, 1448, 1500, -EMSGSIZE); /* 1500 already */
	toa_refused(12, 1441, 1500, -EMSGSIZE); /* one byte over with it */
}

static void mss_case(const uint8_t *opts, unsigned olen, unsigned mss_at, uint16_t cap,
		     uint16_t want, bool changed)
{
	uint8_t b[200];
	uint16_t len = mk(b, IPPROTO_TCP, 5, opts, olen, 0);
	struct rte_tcp_hdr *t = (struct rte_tcp_hdr *)(b + 20);

	assert_int_equal(tcp_mss_clamp(t, cap, TOA_LEN), changed);
	assert_int_equal(l4_sum((struct rte_ipv4_hdr *)b), 0xffff);
	if (mss_at)
		assert_int_equal(b[40 + mss_at] << 8 | b[40 + mss_at + 1], want);
	(void)len;
}

static void test_mss_clamp(void **state)
{
	(void)state;
	/* even offset: 1460 less 8, under a 1400 cap */
	mss_case(syn_opts, sizeof(syn_opts), 2, 1400, 1452 - 52, true);
	mss_case(syn_opts, sizeof(syn_opts), 2, 1500, 1452, true);
	/* odd offset: NOP, MSS 1460, SACK-permitted, NOP */
	static const uint8_t odd[8] = {1, 2, 4, 0x05, 0xb4, 4, 2, 1};
	mss_case(odd, sizeof(odd), 3, 1500, 1452, true);
	mss_case(odd, sizeof(odd), 3, 1000, 1000, true);
	/* no MSS option; an MSS already low enough (536 - 8 = 528 < cap, but
	 * "less" always applies: 528) */
	mss_case(ts_opts, sizeof(ts_opts), 0, 1400, 0, false);
	static const uint8_t low[4] = {2, 4, 0x02, 0x18};
	mss_case(low, sizeof(low), 2, 1400, 528, true);
	/* a length running past the options: left alone */
	static const uint8_t bad[4] = {3, 9, 2, 4};
	mss_case(bad, sizeof(bad), 0, 1400, 0, false);
}

static void uoa_case(unsigned ihl, unsigned payload)
{
	uint8_t b[1600];
	uint16_t len = mk(b, IPPROTO_UDP, ihl, NULL, 0, payload);
	struct rte_mbuf *m = mbuf_of(b, len);
	uint32_t hl = ihl * 4;

	assert_int_equal(uoa_insert(m, p_ip(CIP), htons(5000), 1500), 0);
	const uint8_t *a = rte_pktmbuf_mtod(m, const uint8_t *);
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)a;

	assert_int_equal(m->l3_len, hl + UOA_LEN);
	assert_int_equal(ip->version_ihl, 0x40 | (ihl + 2));
	assert_int_equal(ntohs(ip->total_length), len + UOA_LEN);
	assert_int_equal(rte_pktmbuf_data_len(m), len + UOA_LEN);
	assert_true(ip_sum_ok(ip));
	assert_int_equal(l4_sum(ip), 0xffff);
	assert_int_equal(a[hl], 31);
	assert_int_equal(a[hl + 1], 8);
	assert_int_equal(a[hl + 2] << 8 | a[hl + 3], 5000);
	assert_memory_equal(&a[hl + 4], &(uint32_t){p_ip(CIP)}, 4);
	assert_int_equal(a[1], b[1]);
	assert_memory_equal(a + 4, b + 4, 6);
	assert_memory_equal(a + 12, b + 12, hl - 12);
	assert_memory_equal(a + hl + UOA_LEN, b + hl, len - hl);
	rte_pktmbuf_free(m);
}

static void uoa_refused(unsigned ihl, unsigned payload, bool frag, int want)
{
	uint8_t b[1600];
	uint16_t len = mk(b, IPPROTO_UDP, ihl, NULL, 0, payload);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)b;

	if (frag) {
		ip->fragment_offset = htons(RTE_IPV4_HDR_MF_FLAG);
		ip->hdr_checksum = 0;
		ip->hdr_checksum = (uint16_t)~rte_raw_cksum(ip, ihl * 4);
	}
	struct rte_mbuf *m = mbuf_of(b, len);

	assert_int_equal(uoa_insert(m, p_ip(CIP), htons(5000), 1500), want);
	assert_int_equal(rte_pktmbuf_data_len(m), len);
	assert_memory_equal(rte_pktmbuf_mtod(m, uint8_t *), b, len);
	rte_pktmbuf_free(m);
}

static void test_uoa_bytes(void **state)
{
	(void)state;
	uoa_case(5, 0);
	uoa_case(5, 333);
	uoa_case(13, 7); /* 32 bytes of options + 8: full */
	uoa_refused(14, 0, false, -ENOSPC);
	uoa_refused(5, 10, true, -ENOSPC);
	uoa_refused(5, 1465, false, -EMSGSIZE); /* 1493 + 8 */
}

/* ---- the whole path ---- */

/* A Full-NAT service (flags: the proxy protocol's) with LIP. */
static int fnat_svc_lip(uint16_t proto, uint16_t vport, const char *rip, uint16_t rport,
			uint32_t flags)
{
	int rc = fnat_svc(proto, vport, rip, rport, flags);

	return rc < 0 ? rc : laddr_op(DPVS_MSG_LADDR_ADD, proto, vport, LIP);
}

static int setup_dp(void **state)
{
	(void)state;
	if (fnat_setup() < 0)
		return -1;
	if (p_addr("dpdk1", LIP, 24, 0, err, sizeof(err)) < 0 ||
	    fnat_svc_lip(IPPROTO_TCP, FN_TCP, RIP1, 8080, 0) < 0 ||
	    fnat_svc_lip(IPPROTO_UDP, FN_UDP, RIP2, 5353, 0) < 0 ||
	    fnat_svc_lip(IPPROTO_TCP, FN_PP, RIP1, 8080, DPVS_SVC_F_PP_V2) < 0 ||
	    fnat_svc_lip(IPPROTO_TCP, FN_PP1, RIP1, 8080, DPVS_SVC_F_PP_V1) < 0 ||
	    fnat_svc_lip(IPPROTO_UDP, FN_PPU, RIP2, 5353, DPVS_SVC_F_PP_V2) < 0) {
		fprintf(stderr, "set-up: %s %s\n", err, rep.msg);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ipvs_set_fnat_caddr(true, true);
	fnat_teardown();
	return 0;
}

/* A frame of s with TCP options opts (olen, a multiple of 4) from its
 * source's side; the one frame that leaves by `out`, its checksums
 * checked from scratch. */
static const struct rte_ipv4_hdr *send_tcp_seq(const struct p_l4 *s, const uint8_t *opts,
					       unsigned olen, uint16_t out, uint32_t seq,
					       uint32_t ack)
{
	size_t len = p_l4_frame(fb, s);
	struct rte_ipv4_hdr *ip = p_iph(fb);
	uint8_t *t = (uint8_t *)(ip + 1);

	((struct rte_tcp_hdr *)t)->sent_seq = htonl(seq);
	((struct rte_tcp_hdr *)t)->recv_ack = htonl(ack);
	/* the options go between the header and the payload */
	memmove(t + 20 + olen, t + 20, s->payload);
	memcpy(t + 20, opts, olen);
	((struct rte_tcp_hdr *)t)->data_off = (uint8_t)(((20 + olen) / 4) << 4);
	ip->total_length = htons((uint16_t)(ntohs(ip->total_length) + olen));
	ip->hdr_checksum = 0;
	ip->hdr_checksum = (uint16_t)~rte_raw_cksum(ip, sizeof(*ip));
	((struct rte_tcp_hdr *)t)->cksum = 0;
	((struct rte_tcp_hdr *)t)->cksum =
	    (uint16_t)~pseudo_sum(ip, IPPROTO_TCP, t, 20 + olen + s->payload);
	feed(p_port_of(s->src), len + olen);

	const uint8_t *o = eth_to(one_out_of(out), out, out == P_SRV ? &rs_mac[0] : &cgw_mac);
	const struct rte_ipv4_hdr *r = (const struct rte_ipv4_hdr *)o;

	assert_true(ip_sum_ok(r));
	assert_int_equal(l4_sum(r), 0xffff);
	return r;
}

/* As p_l4_frame numbers them: seq 0x1000, ack 0x2000 with ACK. */
static const struct rte_ipv4_hdr *send_tcp(const struct p_l4 *s, const uint8_t *opts, unsigned olen,
					   uint16_t out)
{
	return send_tcp_seq(s, opts, olen, out, 0x1000,
			    (s->tcp_flags & RTE_TCP_ACK_FLAG) ? 0x2000 : 0);
}

/* A datagram of s from the client; the one that leaves to the real
 * server, its checksums checked from scratch. */
static const struct rte_ipv4_hdr *send_udp(const struct p_l4 *s)
{
	feed(P_CLI, p_l4_frame(fb, s));

	const struct rte_ipv4_hdr *ip = left_to(P_SRV, &rs_mac[1]);

	assert_true(ip_sum_ok(ip));
	assert_int_equal(l4_sum(ip), 0xffff);
	return ip;
}

/* The TOA of the segment at ip, or false when it has none. */
static bool toa_of(const struct rte_ipv4_hdr *ip, uint16_t *port, uint32_t *addr)
{
	const uint8_t *t = (const uint8_t *)ip + rte_ipv4_hdr_len(ip);
	unsigned end = (t[12] >> 4) * 4u;

	for (unsigned i = 20; i + 1 < end;) {
		if (t[i] == 0)
			break;
		if (t[i] == 1) {
			i++;
			continue;
		}
		if (t[i] == TOA_KIND && t[i + 1] == TOA_LEN) {
			*port = (uint16_t)(t[i + 2] << 8 | t[i + 3]);
			memcpy(addr, &t[i + 4], 4);
			return true;
		}
		i += t[i + 1] ? t[i + 1] : 1;
	}
	return false;
}

static struct dpvs_worker_stats caddr_counters(void)
{
	struct dpvs_worker_stats s;

	memset(&s, 0, sizeof(s));
	ipvs_caddr_stats(0, &s);
	return s;
}

static void test_path_toa(void **state)
{
	struct p_l4 c = {.proto = IPPROTO_TCP,
			 .src = CIP,
			 .dst = VIP,
			 .sport = 40000,
			 .dport = FN_TCP,
			 .tcp_flags = RTE_TCP_SYN_FLAG};
	const struct rte_ipv4_hdr *ip;
	uint16_t port, lport;
	uint32_t addr;

	(void)state;
	ip = send_tcp(&c, syn_opts, sizeof(syn_opts), P_SRV);
	assert_int_equal(ip->src_addr, p_ip(LIP));
	assert_true(toa_of(ip, &port, &addr));
	assert_int_equal(port, 40000);
	assert_int_equal(addr, p_ip(CIP));
	assert_int_equal(ntohs(ip->total_length), 20 + 20 + 20 + 8);
	lport = sport_of(ip);

	/* the real server's SYN-ACK: MSS 1460 -> 1352 (MTU 1400 - 40 - 8) */
	struct p_l4 r = {.proto = IPPROTO_TCP,
			 .src = RIP1,
			 .dst = LIP,
			 .sport = 8080,
			 .dport = lport,
			 .tcp_flags = RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG};
	ip = send_tcp(&r, syn_opts, sizeof(syn_opts), P_CLI);
	assert_int_equal(ip->dst_addr, p_ip(CIP));
	const uint8_t *o = (const uint8_t *)(ip + 1) + 20;

	assert_int_equal(o[0], 2);
	assert_int_equal(o[2] << 8 | o[3], 1400 - 40 - 8);
	assert_false(toa_of(ip, &port, &addr));

	/* the handshake's ACK and two data segments carry it, the next not */
	c.tcp_flags = RTE_TCP_ACK_FLAG;
	for (int i = 0; i < 4; i++) {
		c.payload = i ? 40 : 0;
		ip = send_tcp(&c, ts_opts, sizeof(ts_opts), P_SRV);
		assert_int_equal(toa_of(ip, &port, &addr), i < 3);
		assert_int_equal(ntohs(ip->total_length),
				 20 + 20 + 12 + c.payload + (i < 3 ? 8 : 0));
		/* the payload as sent */
		const uint8_t *pl =
		    (const uint8_t *)(ip + 1) + ((((const uint8_t *)(ip + 1))[12] >> 4) * 4);
		for (unsigned k = 0; k < c.payload; k++)
			assert_int_equal(pl[k], (uint8_t)(k * 7 + 1));
	}
	struct dpvs_worker_stats s = caddr_counters();

	assert_int_equal(s.toa_added, 4);
	assert_int_equal(s.toa_no_room, 0);
	assert_int_equal(s.mss_clamped, 1);
	fates_add_up();
}

static void test_path_toa_no_room(void **state)
{
	/* a SYN whose options are full: it goes as it is, counted */
	uint8_t full[40];
	struct p_l4 c = {.proto = IPPROTO_TCP,
			 .src = CIP,
			 .dst = VIP,
			 .sport = 40001,
			 .dport = FN_TCP,
			 .tcp_flags = RTE_TCP_SYN_FLAG};
	uint16_t port;
	uint32_t addr;

	(void)state;
	memset(full, 1, sizeof(full));
	const struct rte_ipv4_hdr *ip = send_tcp(&c, full, sizeof(full), P_SRV);

	assert_false(toa_of(ip, &port, &addr));
	assert_int_equal(ntohs(ip->total_length), 80);
	assert_int_equal(caddr_counters().toa_no_room, 1);
	fates_add_up();
}

static void test_path_uoa(void **state)
{
	struct p_l4 c = {.proto = IPPROTO_UDP,
			 .src = CIP,
			 .dst = VIP,
			 .sport = 5000,
			 .dport = FN_UDP,
			 .payload = 21};

	(void)state;
	for (int i = 0; i < 5; i++) {
		const struct rte_ipv4_hdr *ip = send_udp(&c);
		const uint8_t *a = (const uint8_t *)ip;

		assert_int_equal(ip->src_addr, p_ip(LIP));
		if (i < UOA_PACKETS) {
			assert_int_equal(ip->version_ihl, 0x47);
			assert_int_equal(a[20], UOA_TYPE);
			assert_int_equal(a[21], UOA_LEN);
			assert_int_equal(a[22] << 8 | a[23], 5000);
			assert_memory_equal(&a[24], &(uint32_t){p_ip(CIP)}, 4);
		} else {
			assert_int_equal(ip->version_ihl, 0x45);
		}
		assert_int_equal(ntohs(ip->total_length), 20 + 8 + 21 + (i < UOA_PACKETS ? 8 : 0));
	}
	assert_int_equal(caddr_counters().uoa_added, UOA_PACKETS);

	/* a flow whose client sent one datagram: the replies go back as
	 * usual (the mark is for the client's datagrams only) */
	struct p_l4 c2 = {.proto = IPPROTO_UDP,
			  .src = CIP,
			  .dst = VIP,
			  .sport = 5009,
			  .dport = FN_UDP,
			  .payload = 4};

	const struct rte_ipv4_hdr *ip = send_udp(&c2);
	uint16_t lport = sport_of(ip);

	for (int i = 0; i < 3; i++) {
		struct p_l4 r = {.proto = IPPROTO_UDP,
				 .src = RIP2,
				 .dst = LIP,
				 .sport = 5353,
				 .dport = lport,
				 .payload = 9};

		feed(P_SRV, p_l4_frame(fb, &r));
		ip = left_to(P_CLI, &cgw_mac);
		assert_int_equal(ip->version_ihl, 0x45);
		assert_int_equal(ip->dst_addr, p_ip(CIP));
		assert_int_equal(l4_sum(ip), 0xffff);
	}
	assert_int_equal(caddr_counters().uoa_added, UOA_PACKETS + 1);
	fates_add_up();
}

static void test_path_off(void **state)
{
	struct p_l4 c = {.proto = IPPROTO_TCP,
			 .src = CIP,
			 .dst = VIP,
			 .sport = 40002,
			 .dport = FN_TCP,
			 .tcp_flags = RTE_TCP_SYN_FLAG};
	uint16_t port;
	uint32_t addr;

	(void)state;
	ipvs_set_fnat_caddr(false, false);
	const struct rte_ipv4_hdr *ip = send_tcp(&c, syn_opts, sizeof(syn_opts), P_SRV);

	assert_false(toa_of(ip, &port, &addr));
	assert_int_equal(ntohs(ip->total_length), 60);
	struct p_l4 u = {.proto = IPPROTO_UDP,
			 .src = CIP,
			 .dst = VIP,
			 .sport = 5001,
			 .dport = FN_UDP,
			 .payload = 3};

	ip = send_udp(&u);
	assert_int_equal(ip->version_ihl, 0x45);
	struct dpvs_worker_stats s = caddr_counters();

	assert_int_equal(s.toa_added + s.uoa_added + s.toa_no_room + s.uoa_no_room, 0);
	fates_add_up();
}

/* ---- the proxy protocol ---- */

static const uint8_t pp2_sig[12] = {0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d,
				    0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a};

static void test_pp_header_bytes(void **state)
{
	uint8_t b[PP_V1_MAX + 1];
	unsigned n;

	(void)state;
	n = pp_header(b, 1, IPPROTO_TCP, p_ip(CIP), htons(40000), p_ip(VIP), htons(80));
	assert_int_equal(n, strlen("PROXY TCP4 172.16.0.5 10.0.0.1 40000 80\r\n"));
	assert_memory_equal(b, "PROXY TCP4 172.16.0.5 10.0.0.1 40000 80\r\n", n);
	/* the longest IPv4 line fits */
	n = pp_header(b, 1, IPPROTO_TCP, p_ip("255.255.255.255"), htons(65535),
		      p_ip("255.255.255.254"), htons(65534));
	assert_int_equal(n, PP_V1_MAX);
	assert_memory_equal(b, "PROXY TCP4 255.255.255.255 255.255.255.254 65535 65534\r\n", n);
	for (int udp = 0; udp < 2; udp++) {
		n = pp_header(b, 2, udp ? IPPROTO_UDP : IPPROTO_TCP, p_ip(CIP), htons(40000),
			      p_ip(VIP), htons(80));
		assert_int_equal(n, 28);
		assert_memory_equal(b, pp2_sig, 12);
		assert_int_equal(b[12], 0x21);		    /* v2, PROXY */
		assert_int_equal(b[13], udp ? 0x12 : 0x11); /* AF_INET, DGRAM / STREAM */
		assert_int_equal(b[14] << 8 | b[15], 12);
		assert_memory_equal(b + 16, &(uint32_t){p_ip(CIP)}, 4);
		assert_memory_equal(b + 20, &(uint32_t){p_ip(VIP)}, 4);
		assert_int_equal(b[24] << 8 | b[25], 40000);
		assert_int_equal(b[26] << 8 | b[27], 80);
	}
}

static void pp_tcp_case(unsigned olen, unsigned payload, unsigned hlen)
{
	uint8_t b[1600], hdr[64];
	uint16_t len = mk(b, IPPROTO_TCP, 5, ts_opts, olen, payload);
	struct rte_mbuf *m = mbuf_of(b, len);
	unsigned hdrs = 40 + olen;

	for (unsigned i = 0; i < hlen; i++)
		hdr[i] = (uint8_t)(0xa0 + i);
	assert_int_equal(pp_insert_tcp(m, hdr, hlen), 0);
	const uint8_t *a = rte_pktmbuf_mtod(m, const uint8_t *);
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)a;
	const struct rte_tcp_hdr *t = (const struct rte_tcp_hdr *)(a + 20);

	assert_int_equal(ntohs(ip->total_length), len + hlen);
	assert_true(ip_sum_ok(ip));
	assert_int_equal(l4_sum(ip), 0xffff);
	/* 0xfffffff0 less the header: wraps through zero when longer */
	assert_int_equal(ntohl(t->sent_seq), (uint32_t)(0xfffffff0u - hlen));
	assert_int_equal(t->data_off, b[32]);
	assert_memory_equal(a + hdrs, hdr, hlen);
	assert_memory_equal(a + hdrs + hlen, b + hdrs, payload);
	assert_memory_equal(a + 20 + 8, b + 20 + 8, 8); /* ack, offset, flags, window */
	rte_pktmbuf_free(m);
}

static void test_pp_insert_tcp(void **state)
{
	(void)state;
	pp_tcp_case(12, 0, 28); /* the handshake's ACK becomes the header */
	pp_tcp_case(12, 100, 28);
	pp_tcp_case(0, 101, 43); /* odd: the payload's bytes change words */
	pp_tcp_case(12, 1, 15);
	pp_tcp_case(0, 7, 56);
}

static void test_pp_insert_udp(void **state)
{
	uint8_t b[600], hdr[28];

	(void)state;
	pp_header(hdr, 2, IPPROTO_UDP, p_ip(CIP), htons(5000), p_ip(VIP), htons(FN_PPU));
	for (int nocsum = 0; nocsum < 2; nocsum++) {
		uint16_t len = mk(b, IPPROTO_UDP, 5, NULL, 0, 33);

		if (nocsum)
			((struct rte_udp_hdr *)(b + 20))->dgram_cksum = 0;
		struct rte_mbuf *m = mbuf_of(b, len);

		assert_int_equal(pp_insert_udp(m, hdr, 28), 0);
		const uint8_t *a = rte_pktmbuf_mtod(m, const uint8_t *);
		const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)a;
		const struct rte_udp_hdr *u = (const struct rte_udp_hdr *)(a + 20);

		assert_int_equal(ntohs(ip->total_length), len + 28);
		assert_int_equal(ntohs(u->dgram_len), 8 + 28 + 33);
		assert_true(ip_sum_ok(ip));
		if (nocsum)
			assert_int_equal(u->dgram_cksum, 0);
		else
			assert_int_equal(l4_sum(ip), 0xffff);
		assert_memory_equal(a + 28, hdr, 28);
		assert_memory_equal(a + 56, b + 28, 33);
		rte_pktmbuf_free(m);
	}
}

/* The payload of the TCP segment at ip, and its length. */
static const uint8_t *tcp_payload(const struct rte_ipv4_hdr *ip, unsigned *len)
{
	const uint8_t *t = (const uint8_t *)(ip + 1);
	unsigned doff = (t[12] >> 4) * 4u;

	*len = ntohs(ip->total_length) - 20u - doff;
	return t + doff;
}

static uint32_t seq_of(const struct rte_ipv4_hdr *ip)
{
	return ntohl(((const struct rte_tcp_hdr *)(const void *)(ip + 1))->sent_seq);
}

static uint32_t ack_of(const struct rte_ipv4_hdr *ip)
{
	return ntohl(((const struct rte_tcp_hdr *)(const void *)(ip + 1))->recv_ack);
}

/* A whole connection through a v1 or v2 service: the real server sees the
 * client's ISN len lower and the header before the first byte; the
 * client sees its own numbers; after the header is acknowledged nothing
 * is translated. isn near 2^32: the numbers wrap on the way. */
static void pp_conn(uint16_t vport, uint16_t cport, uint32_t isn, const char *v1)
{
	struct p_l4 c = {.proto = IPPROTO_TCP,
			 .src = CIP,
			 .dst = VIP,
			 .sport = cport,
			 .dport = vport,
			 .tcp_flags = RTE_TCP_SYN_FLAG};
	const struct rte_ipv4_hdr *ip;
	uint8_t want[PP_V1_MAX + 1];
	unsigned n, len = v1 ? strlen(v1) : 28;
	uint16_t port, lport;
	uint32_t addr, first = isn + 1, rs_isn = 0x70000000;
	const uint8_t *pl;

	if (v1)
		memcpy(want, v1, len);
	else
		pp_header(want, 2, IPPROTO_TCP, p_ip(CIP), htons(cport), p_ip(VIP), htons(vport));
	ip = send_tcp_seq(&c, syn_opts, sizeof(syn_opts), P_SRV, isn, 0);
	assert_int_equal(seq_of(ip), isn - len);
	assert_false(toa_of(ip, &port, &addr)); /* the header instead */
	lport = sport_of(ip);

	/* the SYN-ACK acks the shifted ISN; the client gets its own */
	struct p_l4 r = {.proto = IPPROTO_TCP,
			 .src = RIP1,
			 .dst = LIP,
			 .sport = 8080,
			 .dport = lport,
			 .tcp_flags = RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG};
	ip = send_tcp_seq(&r, syn_opts, sizeof(syn_opts), P_CLI, rs_isn, isn - len + 1);
	assert_int_equal(ack_of(ip), first);
	const uint8_t *o = (const uint8_t *)(ip + 1) + 20;

	assert_int_equal(o[2] << 8 | o[3], 1400 - 40 - len); /* room for the header */

	/* the handshake's ACK carries the header */
	c.tcp_flags = RTE_TCP_ACK_FLAG;
	ip = send_tcp_seq(&c, ts_opts, sizeof(ts_opts), P_SRV, first, rs_isn + 1);
	assert_int_equal(seq_of(ip), first - len);
	pl = tcp_payload(ip, &n);
	assert_int_equal(n, len);
	assert_memory_equal(pl, want, len);
	/* the first data also starts at the first byte: the header again in
	 * front (the real server trims what it has) */
	c.payload = 40;
	ip = send_tcp_seq(&c, ts_opts, sizeof(ts_opts), P_SRV, first, rs_isn + 1);
	assert_int_equal(seq_of(ip), first - len);
	pl = tcp_payload(ip, &n);
	assert_int_equal(n, len + 40);
	assert_memory_equal(pl, want, len);
	for (unsigned k = 0; k < 40; k++)
		assert_int_equal(pl[len + k], (uint8_t)(k * 7 + 1));
	/* an ack inside the header (before it arrived): the first byte */
	r.tcp_flags = RTE_TCP_ACK_FLAG;
	ip = send_tcp_seq(&r, ts_opts, sizeof(ts_opts), P_CLI, rs_isn + 1, first - len + 5);
	assert_int_equal(ack_of(ip), first);
	/* the header and the data acknowledged: numbers alike from now on */
	ip = send_tcp_seq(&r, ts_opts, sizeof(ts_opts), P_CLI, rs_isn + 1, first + 40);
	assert_int_equal(ack_of(ip), first + 40);
	c.payload = 10;
	ip = send_tcp_seq(&c, ts_opts, sizeof(ts_opts), P_SRV, first + 40, rs_isn + 1);
	assert_int_equal(seq_of(ip), first + 40);
	tcp_payload(ip, &n);
	assert_int_equal(n, 10);
	/* and a late copy of the first segment goes as it is */
	ip = send_tcp_seq(&c, ts_opts, sizeof(ts_opts), P_SRV, first, rs_isn + 1);
	assert_int_equal(seq_of(ip), first);
	ip = send_tcp_seq(&r, ts_opts, sizeof(ts_opts), P_CLI, rs_isn + 1, first + 50);
	assert_int_equal(ack_of(ip), first + 50);
	fates_add_up();
}

static void test_path_pp_v2(void **state)
{
	(void)state;
	pp_conn(FN_PP, 41000, 0x1000, NULL);
	pp_conn(FN_PP, 41001, 0xfffffff0, NULL); /* the ISN's shift and the data wrap */
	assert_int_equal(caddr_counters().pp_added, 4);
	assert_int_equal(caddr_counters().toa_added, 0);
}

static void test_path_pp_v1(void **state)
{
	(void)state;
	pp_conn(FN_PP1, 41002, 0x5, "PROXY TCP4 172.16.0.5 10.0.0.1 41002 8802\r\n");
}

static void test_path_pp_udp(void **state)
{
	struct p_l4 c = {.proto = IPPROTO_UDP,
			 .src = CIP,
			 .dst = VIP,
			 .sport = 5002,
			 .dport = FN_PPU,
			 .payload = 21};
	uint8_t want[28];

	(void)state;
	pp_header(want, 2, IPPROTO_UDP, p_ip(CIP), htons(5002), p_ip(VIP), htons(FN_PPU));
	for (int i = 0; i < 5; i++) {
		const struct rte_ipv4_hdr *ip = send_udp(&c);
		const uint8_t *u = (const uint8_t *)(ip + 1);

		assert_int_equal(ip->version_ihl, 0x45); /* no UOA beside it */
		assert_int_equal(u[4] << 8 | u[5], 8 + 28 + 21);
		assert_memory_equal(u + 8, want, 28);
		for (unsigned k = 0; k < 21; k++)
			assert_int_equal(u[36 + k], (uint8_t)(k * 7 + 1));
	}
	assert_int_equal(caddr_counters().pp_added, 5);
	fates_add_up();
}

/* [ipvs] sloppy_tcp: a conn made on a segment past the SYN (a flow moved
 * to this director mid-stream) has no first byte to put the header
 * before: its segments go as they are. */
static void test_path_pp_sloppy(void **state)
{
	struct p_l4 c = {.proto = IPPROTO_TCP,
			 .src = CIP,
			 .dst = VIP,
			 .sport = 41009,
			 .dport = FN_PP,
			 .tcp_flags = RTE_TCP_ACK_FLAG,
			 .payload = 20};
	const struct rte_ipv4_hdr *ip;
	unsigned n;

	(void)state;
	ipvs_set_sloppy_tcp(true);
	for (int i = 0; i < 2; i++) {
		ip = send_tcp_seq(&c, ts_opts, sizeof(ts_opts), P_SRV, 20 * i,
				  0x9000); /* 0: the unset first byte */
		assert_int_equal(seq_of(ip), 20 * i);
		tcp_payload(ip, &n);
		assert_int_equal(n, 20);
	}
	ipvs_set_sloppy_tcp(false);
	assert_int_equal(caddr_counters().pp_added, 0);
	fates_add_up();
}

/* v1 has no UDP form; a conn has no room for both a template and the
 * header's state: both refused with the reason. */
static void test_pp_refused(void **state)
{
	struct dpvs_svc s = p_svc_key(IPPROTO_UDP, VIP, 5400);

	(void)state;
	snprintf(s.sched_name, sizeof(s.sched_name), "rr");
	s.flags = DPVS_SVC_F_PP_V1;
	assert_int_equal(ipvs_svc_add(&s, err, sizeof(err)), -EPROTOTYPE);
	assert_non_null(strstr(err, "v1 has no UDP form"));
	s = p_svc_key(IPPROTO_TCP, VIP, 5400);
	snprintf(s.sched_name, sizeof(s.sched_name), "rr");
	s.flags = DPVS_SVC_F_PP_V2 | DPVS_SVC_F_PERSISTENT;
	s.timeout = 300;
	s.netmask = 0xffffffff;
	assert_int_equal(ipvs_svc_add(&s, err, sizeof(err)), -EPROTOTYPE);
	assert_non_null(strstr(err, "persistence"));
	s.flags = DPVS_SVC_F_PP;
	assert_int_equal(ipvs_svc_add(&s, err, sizeof(err)), -EPROTOTYPE);
	/* and an edit that would make a v2 service persistent */
	s = p_svc_key(IPPROTO_TCP, VIP, FN_PP);
	snprintf(s.sched_name, sizeof(s.sched_name), "rr");
	s.flags = DPVS_SVC_F_PP_V2 | DPVS_SVC_F_PERSISTENT;
	s.timeout = 300;
	s.netmask = 0xffffffff;
	assert_int_equal(ipvs_svc_edit(&s, err, sizeof(err)), -EPROTOTYPE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_toa_bytes),
	    cmocka_unit_test(test_toa_no_room),
	    cmocka_unit_test(test_mss_clamp),
	    cmocka_unit_test(test_uoa_bytes),
	    cmocka_unit_test_setup_teardown(test_path_toa, setup_dp, teardown),
	    cmocka_unit_test_setup_teardown(test_path_toa_no_room, setup_dp, teardown),
	    cmocka_unit_test_setup_teardown(test_path_uoa, setup_dp, teardown),
	    cmocka_unit_test_setup_teardown(test_path_off, setup_dp, teardown),
	    cmocka_unit_test(test_pp_header_bytes),
	    cmocka_unit_test(test_pp_insert_tcp),
	    cmocka_unit_test(test_pp_insert_udp),
	    cmocka_unit_test_setup_teardown(test_path_pp_v2, setup_dp, teardown),
	    cmocka_unit_test_setup_teardown(test_path_pp_v1, setup_dp, teardown),
	    cmocka_unit_test_setup_teardown(test_path_pp_udp, setup_dp, teardown),
	    cmocka_unit_test_setup_teardown(test_path_pp_sloppy, setup_dp, teardown),
	    cmocka_unit_test_setup_teardown(test_pp_refused, setup_dp, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
