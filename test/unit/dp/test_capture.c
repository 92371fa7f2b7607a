/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The capture path of a worker (dp/capture.h) on synthetic mbufs: what
 * the filter takes (in each engine), what is copied and how much, the
 * bounds (a full ring, the count, ports and directions), and that a
 * data-plane mbuf is never held nor changed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_udp.h>
#include <rte_tcp.h>

#include "dp_test_env.h"
#include "dp/capture.h"

#define CLIENT 0x0a000001u /* 10.0.0.1 */
#define VIP    0xc0a8016fu /* 192.168.1.111 */

/* Ethernet + IPv4 + UDP/TCP to dport, total len bytes (>= 54). */
static struct rte_mbuf *frame(uint8_t proto, uint16_t dport, uint16_t len)
{
	uint8_t b[2048];
	struct rte_ether_hdr *e = (struct rte_ether_hdr *)b;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(e + 1);

	memset(b, 0, sizeof(b));
	e->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	e->dst_addr.addr_bytes[0] = 0x02;
	ip->version_ihl = 0x45;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(len - sizeof(*e)));
	ip->time_to_live = 64;
	ip->next_proto_id = proto;
	ip->src_addr = rte_cpu_to_be_32(CLIENT);
	ip->dst_addr = rte_cpu_to_be_32(VIP);
	if (proto == IPPROTO_UDP) {
		struct rte_udp_hdr *u = (struct rte_udp_hdr *)(ip + 1);
		u->src_port = rte_cpu_to_be_16(40000);
		u->dst_port = rte_cpu_to_be_16(dport);
	} else {
		struct rte_tcp_hdr *t = (struct rte_tcp_hdr *)(ip + 1);
		t->src_port = rte_cpu_to_be_16(40000);
		t->dst_port = rte_cpu_to_be_16(dport);
		t->data_off = 0x50;
	}
	for (uint16_t i = 54; i < len; i++)
		b[i] = (uint8_t)i;
	struct rte_mbuf *m = dp_test_mbuf(b, len);
	assert_non_null(m);
	return m;
}

struct got {
	unsigned n;
	struct capture_rec rec[2048];
	uint8_t data[8][256];
};

static void collect(const struct capture_rec *rec, const uint8_t *data, void *arg)
{
	struct got *g = arg;

	if (g->n < 8)
		memcpy(g->data[g->n], data, RTE_MIN(rec->cap_len, 256));
	if (g->n < 2048)
		g->rec[g->n] = *rec;
	g->n++;
}

static struct worker wk;

static struct capture_session *session(const char *filter, enum capture_engine eng, uint8_t dirs,
				       uint64_t port_mask, uint32_t snaplen, uint64_t count)
{
	struct capture_conf c = {.port_mask = port_mask,
				 .dirs = dirs,
				 .snaplen = snaplen,
				 .count = count,
				 .filter = filter,
				 .engine = eng};
	char err[256] = "";
	struct capture_session *s = capture_session_create(&c, 1, err, sizeof(err));

	if (!s)
		fail_msg("capture_session_create: %s", err);
	capture_session_attach(s);
	assert_ptr_equal(wk.capture, capture_session_ring(s, 0));
	return s;
}

static void done(struct capture_session *s)
{
	capture_session_detach(s);
	assert_null(wk.capture);
	capture_session_free(s);
}

static int setup(void **state)
{
	(void)state;
	dp_test_eal();
	dp_worker_unregister_all();
	memset(&wk, 0, sizeof(wk));
	return dp_worker_register(&wk);
}

/* Off: the hook leaves the burst alone. */
static void test_off(void **state)
{
	struct rte_mbuf *m = frame(IPPROTO_UDP, 53, 60);

	(void)state;
	assert_null(wk.capture);
	capture_burst(&wk, 0, CAPTURE_RX, &m, 1);
	assert_int_equal(rte_mbuf_refcnt_read(m), 1);
	rte_pktmbuf_free(m);
}

/* The same filter in each engine takes the same frames, and copies them
 * byte for byte without holding or changing the mbufs. */
static void test_filter_engines(void **state)
{
	static const enum capture_engine engines[] = {CAPTURE_ENGINE_CBPF, CAPTURE_ENGINE_EBPF,
						      CAPTURE_ENGINE_EBPF_JIT, CAPTURE_ENGINE_AUTO};
	static const char *const names[] = {"cbpf", "ebpf", "ebpf-jit", NULL};

	(void)state;
	for (unsigned e = 0; e < 4; e++) {
		struct capture_session *s = session("udp dst port 53 and dst host 192.168.1.111",
						    engines[e], CAPTURE_RX, 1, 2048, 0);
		struct rte_mbuf *pkts[4] = {frame(IPPROTO_UDP, 53, 80), frame(IPPROTO_TCP, 53, 80),
					    frame(IPPROTO_UDP, 54, 80),
					    frame(IPPROTO_UDP, 53, 100)};
		struct capture_stats st;
		struct got g = {0};

		if (names[e])
			assert_string_equal(capture_session_engine(s), names[e]);
		capture_burst(&wk, 0, CAPTURE_RX, pkts, 4);
		capture_session_stats(s, &st);
		assert_int_equal(st.seen, 4);
		assert_int_equal(st.matched, 2);
		assert_int_equal(st.captured, 2);
		assert_int_equal(st.ring_full, 0);
		assert_int_equal(capture_drain(s, collect, &g, 100), 2);
		assert_int_equal(g.n, 2);
		assert_int_equal(g.rec[0].wire_len, 80);
		assert_int_equal(g.rec[0].cap_len, 80);
		assert_int_equal(g.rec[1].wire_len, 100);
		assert_int_equal(g.rec[0].dir, CAPTURE_RX);
		assert_int_equal(g.rec[0].port_idx, 0);
		assert_true(g.rec[0].tsc > 0);
		assert_memory_equal(g.data[0], rte_pktmbuf_mtod(pkts[0], void *), 80);
		assert_memory_equal(g.data[1], rte_pktmbuf_mtod(pkts[3], void *), 100);
		for (unsigned i = 0; i < 4; i++) {
			assert_int_equal(rte_mbuf_refcnt_read(pkts[i]), 1);
			rte_pktmbuf_free(pkts[i]);
		}
		done(s);
	}
}

/* No filter: every frame of the port and direction; snaplen cuts. */
static void test_snaplen_ports_dirs(void **state)
{
	struct capture_session *s = session(NULL, CAPTURE_ENGINE_AUTO, CAPTURE_TX, 1u << 1, 64, 0);
	struct rte_mbuf *m = frame(IPPROTO_TCP, 80, 200);
	struct got g = {0};

	(void)state;
	assert_string_equal(capture_session_engine(s), "none");
	capture_burst(&wk, 1, CAPTURE_RX, &m, 1); /* other direction */
	capture_burst(&wk, 0, CAPTURE_TX, &m, 1); /* other port */
	capture_burst(&wk, 63, CAPTURE_TX, &m, 1);
	capture_burst(&wk, 1, CAPTURE_TX, &m, 1);
	assert_int_equal(capture_drain(s, collect, &g, 100), 1);
	assert_int_equal(g.rec[0].wire_len, 200);
	assert_int_equal(g.rec[0].cap_len, 64);
	assert_int_equal(g.rec[0].port_idx, 1);
	assert_int_equal(g.rec[0].dir, CAPTURE_TX);
	assert_memory_equal(g.data[0], rte_pktmbuf_mtod(m, void *), 64);
	rte_pktmbuf_free(m);
	done(s);
}

/* A chained mbuf is copied whole (up to snaplen), across its segments. */
static void test_multi_segment(void **state)
{
	struct capture_session *s = session("udp", CAPTURE_ENGINE_EBPF_JIT, CAPTURE_RX, 1, 2048, 0);
	struct rte_mbuf *a = frame(IPPROTO_UDP, 53, 100), *b = frame(IPPROTO_UDP, 53, 60);
	uint8_t want[160];
	struct got g = {0};

	(void)state;
	memcpy(want, rte_pktmbuf_mtod(a, void *), 100);
	memcpy(want + 100, rte_pktmbuf_mtod(b, void *), 60);
	assert_int_equal(rte_pktmbuf_chain(a, b), 0);
	capture_burst(&wk, 0, CAPTURE_RX, &a, 1);
	assert_int_equal(capture_drain(s, collect, &g, 100), 1);
	assert_int_equal(g.rec[0].wire_len, 160);
	assert_int_equal(g.rec[0].cap_len, 160);
	assert_memory_equal(g.data[0], want, 160);
	rte_pktmbuf_free(a);
	done(s);
}

/* A ring the control thread does not drain loses copies, counted, and
 * takes copies again once drained; the frames are untouched. */
static void test_ring_full(void **state)
{
	struct capture_session *s = session("udp", CAPTURE_ENGINE_AUTO, CAPTURE_RX, 1, 128, 0);
	struct rte_mbuf *pkts[DP_BURST];
	struct capture_stats st;
	struct got *g = calloc(1, sizeof(*g));
	const unsigned bursts = CAPTURE_RING_SLOTS / DP_BURST + 3;

	(void)state;
	assert_non_null(g);
	for (unsigned i = 0; i < DP_BURST; i++)
		pkts[i] = frame(IPPROTO_UDP, (uint16_t)(1000 + i), 60);
	for (unsigned b = 0; b < bursts; b++)
		capture_burst(&wk, 0, CAPTURE_RX, pkts, DP_BURST);
	capture_session_stats(s, &st);
	assert_int_equal(st.matched, bursts * DP_BURST);
	assert_int_equal(st.captured, CAPTURE_RING_SLOTS);
	assert_int_equal(st.ring_full, bursts * DP_BURST - CAPTURE_RING_SLOTS);
	/* drained in two turns: the bound of one turn holds */
	assert_int_equal(capture_drain(s, collect, g, 1000), 1000);
	assert_int_equal(capture_drain(s, collect, g, 1000), CAPTURE_RING_SLOTS - 1000);
	/* order kept: the first copies are the first burst's */
	for (unsigned i = 0; i < DP_BURST; i++)
		assert_memory_equal(&g->rec[i].wire_len, &(uint32_t){60}, 4);
	capture_burst(&wk, 0, CAPTURE_RX, pkts, DP_BURST);
	capture_session_stats(s, &st);
	assert_int_equal(st.captured, CAPTURE_RING_SLOTS + DP_BURST);
	for (unsigned i = 0; i < DP_BURST; i++) {
		assert_int_equal(rte_mbuf_refcnt_read(pkts[i]), 1);
		rte_pktmbuf_free(pkts[i]);
	}
	free(g);
	done(s);
}

/* count: a worker stops copying after count frames. */
static void test_count(void **state)
{
	struct capture_session *s = session("", CAPTURE_ENGINE_AUTO, CAPTURE_RX, 1, 128, 3);
	struct rte_mbuf *pkts[5];
	struct capture_stats st;
	struct got g = {0};

	(void)state;
	for (unsigned i = 0; i < 5; i++)
		pkts[i] = frame(IPPROTO_UDP, 53, 60);
	capture_burst(&wk, 0, CAPTURE_RX, pkts, 5);
	capture_session_stats(s, &st);
	assert_int_equal(st.matched, 5);
	assert_int_equal(st.captured, 3);
	assert_int_equal(st.ring_full, 0);
	assert_int_equal(capture_drain(s, collect, &g, 100), 3);
	for (unsigned i = 0; i < 5; i++)
		rte_pktmbuf_free(pkts[i]);
	done(s);
}

static void test_bad_sessions(void **state)
{
	static const struct {
		const char *filter;
		uint32_t snaplen;
		uint8_t dirs;
		uint64_t mask;
		const char *msg;
	} bad[] = {
	    {"tcp port", 2048, CAPTURE_RX, 1, "bad filter \"tcp port\": "},
	    {"host 999.1.1.1", 2048, CAPTURE_RX, 1, "bad filter"},
	    {"udp", 63, CAPTURE_RX, 1, "snaplen 63 is out of range 64..10240"},
	    {"udp", 10241, CAPTURE_RX, 1, "snaplen 10241"},
	    {"udp", 2048, 0, 1, "direction 0x0"},
	    {"udp", 2048, 4, 1, "direction 0x4"},
	    {"udp", 2048, CAPTURE_RX, 0, "no port"},
	};

	(void)state;
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct capture_conf c = {.port_mask = bad[i].mask,
					 .dirs = bad[i].dirs,
					 .snaplen = bad[i].snaplen,
					 .filter = bad[i].filter};
		char err[256] = "";

		assert_null(capture_session_create(&c, 1, err, sizeof(err)));
		if (!strstr(err, bad[i].msg))
			fail_msg("case %u: got '%s', want '%s'", i, err, bad[i].msg);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_off),
	    cmocka_unit_test(test_filter_engines),
	    cmocka_unit_test(test_snaplen_ports_dirs),
	    cmocka_unit_test(test_multi_segment),
	    cmocka_unit_test(test_ring_full),
	    cmocka_unit_test(test_count),
	    cmocka_unit_test(test_bad_sessions),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
