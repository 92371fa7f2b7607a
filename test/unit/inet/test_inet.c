/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the stack (src/inet/): frames built by hand go through
 * eth_input on a test worker, and each test checks the packet's one fate
 * (the bytes sent, the KNI queue, or the drop counter), plus the tables
 * and the control API. Links inet, dp (worker) and the ctl registry (the
 * handlers run through it, ctl_test_env.h); netif and ipvs are faked here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <pthread.h>
#include <cmocka.h>
#include <rte_cycles.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "dp_test_env.h"
#include "inet_test_env.h"
#include "ctl_test_env.h"
#include "control/control.h"

/* ---- helpers ---- */

#define W (&t_worker)

static const struct rte_ether_addr mac0 = { { 0x02, 0, 0, 0, 0, 0x01 } };
static const struct rte_ether_addr mac1 = { { 0x02, 0, 0, 0, 0, 0x02 } };
static const struct rte_ether_addr peer = { { 0x02, 0xaa, 0, 0, 0, 0x10 } };
static const struct rte_ether_addr peer2 = { { 0x02, 0xbb, 0, 0, 0, 0x20 } };
static const struct rte_ether_addr bcast = { { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };
static const struct rte_ether_addr zero_mac = { { 0 } };

static uint8_t fb[2048]; /* the frame under construction */

static uint64_t drops(uint16_t port, enum dpvs_drop_reason r)
{
	return t_worker.cnt[port].drops[r];
}

/* Every fate so far, on every port: sent, to the KNI, dropped, stolen. */
static uint64_t fates(void)
{
	uint64_t n = t_ipvs_stolen;

	for (unsigned p = 0; p < T_NPORTS; p++) {
		n += t_worker.tx[p].n + t_worker.kni_tx[p].n;
		for (unsigned r = 0; r < DPVS_DROP_MAX; r++)
			n += t_worker.cnt[p].drops[r];
	}
	return n;
}

static void feed(uint16_t port, const uint8_t *buf, size_t len)
{
	struct rte_mbuf *m = dp_test_mbuf(buf, (uint16_t)len);

	assert_non_null(m);
	m->port = t_ports[port].port_id;
	eth_input(W, port, m);
}

/* Feeds a frame that must end in exactly the drop `why` on the port. */
static void feed_expect_drop(uint16_t port, const uint8_t *buf, size_t len,
			     enum dpvs_drop_reason why)
{
	uint64_t before = drops(port, why), all = fates();

	feed(port, buf, len);
	assert_int_equal(drops(port, why), before + 1);
	assert_int_equal(fates(), all + 1);
}

/* The one packet queued in b (asserted), taken out. */
static struct rte_mbuf *take_one(struct dp_txbuf *b)
{
	assert_int_equal(b->n, 1);
	b->n = 0;
	return b->pkts[0];
}

static int setup(void **state)
{
	char err[256];

	(void)state;
	dp_test_eal();
	t_drain(W);
	memset(W, 0, sizeof(*W));
	dp_worker_unregister_all();
	assert_int_equal(dp_worker_register(W), 0);
	t_worker.now_sec = 100;
	t_ipvs_verdict = INET_ACCEPT;
	t_ipvs_seen = t_ipvs_stolen = 0;
	inet_register_l4_hook(t_l4_hook);
	if (inet_init(T_NPORTS, err, sizeof(err)) < 0) {
		fprintf(stderr, "inet_init: %s\n", err);
		return -1;
	}
	inet_timer_tick(100);
	if (t_addr("dpdk0", "10.0.0.1", 24, 0, err, sizeof(err)) < 0 ||
	    t_addr("dpdk1", "192.168.1.1", 24, 0, err, sizeof(err)) < 0 ||
	    t_addr("dpdk0", "10.0.0.100", 32, DPVS_ADDR_F_VIP, err, sizeof(err)) < 0) {
		fprintf(stderr, "address: %s\n", err);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	t_drain(W);
	inet_fini();
	/* Every mbuf a test made came back: nothing leaked, nothing freed twice. */
	unsigned avail = rte_mempool_avail_count(dp_test_eal());
	if (avail != dp_test_eal()->size) {
		fprintf(stderr, "mbuf leak: %u of %u in the pool\n", avail, dp_test_eal()->size);
		return -1;
	}
	return 0;
}

/* ---- checksums ---- */

static void test_csum_incremental(void **state)
{
	uint8_t pkt[20 + 64];
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)pkt;
	uint8_t *l4 = pkt + 20;

	(void)state;
	srand(12345);
	for (int iter = 0; iter < 2000; iter++) {
		for (size_t i = 0; i < sizeof(pkt); i++)
			pkt[i] = (uint8_t)rand();
		ip->version_ihl = RTE_IPV4_VHL_DEF;
		ip->total_length = rte_cpu_to_be_16(sizeof(pkt));
		ip->next_proto_id = IPPROTO_TCP;

		/* From scratch, two ways. */
		uint16_t mine = csum_ipv4_hdr(ip);
		ip->hdr_checksum = 0;
		uint16_t ref = rte_ipv4_cksum(ip);
		assert_int_equal(mine, ref);
		ip->hdr_checksum = ref;
		assert_true(csum_ipv4_hdr_ok(ip, 20));
		ip->hdr_checksum ^= 0x0100;
		assert_false(csum_ipv4_hdr_ok(ip, 20));
		ip->hdr_checksum = ref;
		/* a header with options: the general sum */
		ip->version_ihl = RTE_IPV4_VHL_DEF + 1;
		mine = csum_ipv4_hdr(ip);
		ip->hdr_checksum = 0;
		assert_int_equal(mine, rte_ipv4_cksum(ip));
		ip->version_ihl = RTE_IPV4_VHL_DEF;
		ip->hdr_checksum = ref;

		/* TCP checksum field at offset 16 of the segment. */
		memset(l4 + 16, 0, 2);
		uint16_t l4ck = csum_ipv4_l4(ip, l4);
		memcpy(l4 + 16, &l4ck, 2);

		/* A 16-bit change (TTL + protocol word stays TCP: change TTL). */
		uint16_t old16, new16;
		memcpy(&old16, &ip->time_to_live, 2);
		ip->time_to_live = (uint8_t)rand();
		memcpy(&new16, &ip->time_to_live, 2);
		ip->hdr_checksum = csum_update16(ip->hdr_checksum, old16, new16);
		uint16_t inc = ip->hdr_checksum;
		ip->hdr_checksum = 0;
		assert_int_equal(inc, rte_ipv4_cksum(ip));
		ip->hdr_checksum = inc;

		/* A 32-bit change: the destination address, as NAT does it,
		 * in the IP header and in the TCP pseudo header. */
		uint32_t old32 = ip->dst_addr, new32 = (uint32_t)rand() << 1 ^ (uint32_t)rand();
		ip->dst_addr = new32;
		ip->hdr_checksum = csum_update32(ip->hdr_checksum, old32, new32);
		memcpy(&l4ck, l4 + 16, 2);
		l4ck = csum_update32(l4ck, old32, new32);
		/* And a 16-bit port change inside the segment. */
		uint16_t oldp, newp = (uint16_t)rand();
		memcpy(&oldp, l4 + 2, 2);
		memcpy(l4 + 2, &newp, 2);
		l4ck = csum_update16(l4ck, oldp, newp);

		inc = ip->hdr_checksum;
		ip->hdr_checksum = 0;
		assert_int_equal(inc, rte_ipv4_cksum(ip));
		ip->hdr_checksum = inc;
		memset(l4 + 16, 0, 2);
		assert_int_equal(l4ck, csum_ipv4_l4(ip, l4));
		assert_int_equal(csum_ipv4_pseudo(ip), rte_ipv4_phdr_cksum(ip, 0));
	}
}

/* ---- Ethernet ---- */

static void test_eth_fates(void **state)
{
	(void)state;
	size_t n;

	feed_expect_drop(0, fb, 13, DPVS_DROP_L2_SHORT);

	n = t_eth(fb, &peer2, &peer, RTE_ETHER_TYPE_IPV4);
	memset(fb + n, 0, 46);
	feed_expect_drop(0, fb, n + 46, DPVS_DROP_L2_NOT_FOR_US);

	n = t_eth(fb, &mac0, &bcast, RTE_ETHER_TYPE_IPV4);
	feed_expect_drop(0, fb, n + 46, DPVS_DROP_L2_BAD_SRC);

	/* IPv6 is not forwarded: dropped with its reason, KNI or not. */
	n = t_eth(fb, &mac0, &peer, RTE_ETHER_TYPE_IPV6);
	feed_expect_drop(0, fb, n + 46, DPVS_DROP_IPV6_NOT_FORWARDED);
	assert_int_equal(t_worker.kni_tx[0].n, 0);

	n = t_eth(fb, &mac1, &peer, RTE_ETHER_TYPE_IPV6);
	feed_expect_drop(1, fb, n + 46, DPVS_DROP_IPV6_NOT_FORWARDED);

	/* IPv6 multicast (33:33:..., e.g. a sync group ff02::8848) goes to
	 * the kernel where there is a KNI, and is dropped where there is not */
	{
		static const struct rte_ether_addr v6mc = { { 0x33, 0x33, 0, 0, 0x88, 0x48 } };
		uint64_t all = fates();

		n = t_eth(fb, &v6mc, &peer, RTE_ETHER_TYPE_IPV6);
		feed(0, fb, n + 46);
		assert_int_equal(fates(), all + 1);
		rte_pktmbuf_free(take_one(&t_worker.kni_tx[0]));
		n = t_eth(fb, &v6mc, &peer, RTE_ETHER_TYPE_IPV6);
		feed_expect_drop(1, fb, n + 46, DPVS_DROP_IPV6_NOT_FORWARDED);
	}

	/* another EtherType (LLDP) to a port without a KNI: unknown */
	n = t_eth(fb, &mac1, &peer, 0x88cc);
	feed_expect_drop(1, fb, n + 46, DPVS_DROP_L2_UNKNOWN_PROTO);

	assert_int_equal(t_worker.cnt[0].rx_packets, 5);
	assert_int_equal(t_worker.cnt[0].rx_bytes, 13 + 4 * 60);
	assert_int_equal(t_worker.cnt[1].rx_packets, 3);
}

/* ---- ARP ---- */

static size_t arp_frame(const struct rte_ether_addr *edst, uint16_t op,
			const struct rte_ether_addr *sha, const char *sip, const char *tip)
{
	size_t n = t_eth(fb, edst, sha, RTE_ETHER_TYPE_ARP);

	return n + t_arp(fb + n, op, sha, sip, &zero_mac, tip);
}

static bool neigh_get(const char *ip, struct dpvs_neigh *out)
{
	struct dpvs_neigh all[64];
	unsigned n = inet_neigh_list(all, 64);

	for (unsigned i = 0; i < n && i < 64; i++)
		if (all[i].addr.in.s_addr == inet_addr(ip)) {
			*out = all[i];
			return true;
		}
	return false;
}

static void test_arp_request_answered(void **state)
{
	(void)state;
	size_t n = arp_frame(&bcast, RTE_ARP_OP_REQUEST, &peer, "10.0.0.7", "10.0.0.1");

	feed(0, fb, n);
	assert_int_equal(t_worker.cnt[0].arp_replied, 1);

	/* The reply, byte by byte. */
	struct rte_mbuf *m = take_one(&t_worker.tx[0]);
	uint8_t want[64];
	size_t wn = t_eth(want, &peer, &mac0, RTE_ETHER_TYPE_ARP);
	wn += t_arp(want + wn, RTE_ARP_OP_REPLY, &mac0, "10.0.0.1", &peer, "10.0.0.7");
	assert_int_equal(m->pkt_len, wn);
	assert_memory_equal(rte_pktmbuf_mtod(m, void *), want, wn);
	rte_pktmbuf_free(m);

	/* The kernel got the request as it came. */
	m = take_one(&t_worker.kni_tx[0]);
	assert_memory_equal(rte_pktmbuf_mtod(m, void *), fb, n);
	rte_pktmbuf_free(m);

	/* And the asker is now a neighbour. */
	struct dpvs_neigh ne;
	assert_true(neigh_get("10.0.0.7", &ne));
	assert_int_equal(ne.state, DPVS_NEIGH_REACHABLE);
	assert_memory_equal(ne.mac.b, peer.addr_bytes, 6);
	assert_string_equal(ne.ifname, "dpdk0");
}

static void test_arp_vip_and_other_port(void **state)
{
	(void)state;
	/* A VIP is answered but not copied to the kernel. */
	size_t n = arp_frame(&bcast, RTE_ARP_OP_REQUEST, &peer, "10.0.0.7", "10.0.0.100");
	feed(0, fb, n);
	struct rte_mbuf *m = take_one(&t_worker.tx[0]);
	const struct rte_arp_hdr *a = rte_pktmbuf_mtod_offset(m, void *, 14);
	assert_int_equal(a->arp_data.arp_sip, inet_addr("10.0.0.100"));
	rte_pktmbuf_free(m);
	assert_int_equal(t_worker.kni_tx[0].n, 0);

	/* An address of dpdk1 asked on dpdk0 is not answered there. */
	n = arp_frame(&bcast, RTE_ARP_OP_REQUEST, &peer, "10.0.0.7", "192.168.1.1");
	feed(0, fb, n);
	assert_int_equal(t_worker.tx[0].n, 0);
	rte_pktmbuf_free(take_one(&t_worker.kni_tx[0])); /* the kernel may own it */

	/* On dpdk1 (no KNI) a request for someone else is dropped and
	 * teaches nothing. */
	n = arp_frame(&bcast, RTE_ARP_OP_REQUEST, &peer2, "192.168.1.9", "192.168.1.50");
	feed_expect_drop(1, fb, n, DPVS_DROP_ARP_NOT_FOR_US);
	struct dpvs_neigh ne;
	assert_false(neigh_get("192.168.1.9", &ne));
}

static void test_arp_malformed(void **state)
{
	(void)state;
	size_t n = arp_frame(&bcast, RTE_ARP_OP_REQUEST, &peer, "10.0.0.7", "10.0.0.1");
	struct rte_arp_hdr *a = (struct rte_arp_hdr *)(fb + 14);

	feed_expect_drop(0, fb, n - 1, DPVS_DROP_ARP_SHORT);

	a->arp_hardware = RTE_BE16(6);
	feed_expect_drop(0, fb, n, DPVS_DROP_ARP_BAD);
	a->arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
	a->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV6);
	feed_expect_drop(0, fb, n, DPVS_DROP_ARP_BAD);
	a->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	a->arp_hlen = 8;
	feed_expect_drop(0, fb, n, DPVS_DROP_ARP_BAD);
	a->arp_hlen = 6;
	a->arp_plen = 16;
	feed_expect_drop(0, fb, n, DPVS_DROP_ARP_BAD);
	a->arp_plen = 4;
	a->arp_opcode = RTE_BE16(3);
	feed_expect_drop(0, fb, n, DPVS_DROP_ARP_BAD);
	a->arp_opcode = RTE_BE16(RTE_ARP_OP_REQUEST);
	a->arp_data.arp_sha = zero_mac;
	feed_expect_drop(0, fb, n, DPVS_DROP_ARP_BAD);

	assert_int_equal(t_worker.cnt[0].arp_replied, 0);
	struct dpvs_neigh ne;
	assert_false(neigh_get("10.0.0.7", &ne));
}

static void test_arp_gratuitous(void **state)
{
	(void)state;
	struct dpvs_neigh ne;

	/* Unknown sender: not learned (Linux's arp_accept=0), kernel informed. */
	size_t n = arp_frame(&bcast, RTE_ARP_OP_REQUEST, &peer, "10.0.0.9", "10.0.0.9");
	feed(0, fb, n);
	assert_false(neigh_get("10.0.0.9", &ne));
	rte_pktmbuf_free(take_one(&t_worker.kni_tx[0]));
	assert_int_equal(t_worker.tx[0].n, 0);

	/* Known sender with a new MAC (failover): updated. */
	n = arp_frame(&bcast, RTE_ARP_OP_REQUEST, &peer, "10.0.0.9", "10.0.0.1");
	feed(0, fb, n);
	t_drain(W);
	n = arp_frame(&bcast, RTE_ARP_OP_REPLY, &peer2, "10.0.0.9", "10.0.0.9");
	feed(0, fb, n);
	rte_pktmbuf_free(take_one(&t_worker.kni_tx[0]));
	assert_true(neigh_get("10.0.0.9", &ne));
	assert_memory_equal(ne.mac.b, peer2.addr_bytes, 6);

	/* On dpdk1 (no KNI), a gratuitous ARP is consumed: KNI_OFF. */
	n = arp_frame(&bcast, RTE_ARP_OP_REQUEST, &peer, "192.168.1.9", "192.168.1.9");
	feed_expect_drop(1, fb, n, DPVS_DROP_KNI_OFF);

	/* Somebody claiming our own address is no neighbour. */
	n = arp_frame(&bcast, RTE_ARP_OP_REQUEST, &peer, "10.0.0.1", "10.0.0.1");
	feed(0, fb, n);
	assert_false(neigh_get("10.0.0.1", &ne));
	t_drain(W);
}

/* ---- IPv4 input and ICMP ---- */

static size_t echo_frame(const char *src, const char *dst, uint8_t ttl, uint16_t data)
{
	size_t n = t_eth(fb, &mac0, &peer, RTE_ETHER_TYPE_IPV4);
	size_t icmp_len = t_icmp_echo(fb + n + 20, data);

	t_ipv4(fb + n, src, dst, IPPROTO_ICMP, ttl, (uint16_t)icmp_len);
	return n + 20 + icmp_len;
}

static void check_echo_reply(struct rte_mbuf *m, const char *us, const char *them,
			     uint16_t data)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	const struct rte_ether_hdr *e = (const void *)p;
	const struct rte_ipv4_hdr *ip = (const void *)(p + 14);
	const struct rte_icmp_hdr *ic = (const void *)(p + 34);

	assert_int_equal(m->pkt_len, 14 + 20 + 8 + data);
	assert_memory_equal(&e->dst_addr, &peer, 6);
	assert_memory_equal(&e->src_addr, &mac0, 6);
	assert_int_equal(e->ether_type, RTE_BE16(RTE_ETHER_TYPE_IPV4));
	assert_int_equal(ip->src_addr, inet_addr(us));
	assert_int_equal(ip->dst_addr, inet_addr(them));
	assert_int_equal(ip->time_to_live, 64);
	assert_int_equal(ic->icmp_type, RTE_IP_ICMP_ECHO_REPLY);
	assert_int_equal(ic->icmp_code, 0);
	assert_int_equal(ic->icmp_ident, RTE_BE16(0x4242));
	assert_int_equal(ic->icmp_seq_nb, RTE_BE16(7));
	for (uint16_t i = 0; i < data; i++)
		assert_int_equal(p[42 + i], (uint8_t)i);

	/* Checksums recomputed from scratch. */
	struct rte_ipv4_hdr copy = *ip;
	copy.hdr_checksum = 0;
	assert_int_equal(ip->hdr_checksum, rte_ipv4_cksum(&copy));
	uint8_t icmp[2048];
	memcpy(icmp, ic, 8 + data);
	icmp[2] = icmp[3] = 0;
	assert_int_equal(ic->icmp_cksum, (uint16_t)~rte_raw_cksum(icmp, 8 + data));
}

static void test_icmp_echo(void **state)
{
	(void)state;
	size_t n = echo_frame("10.0.0.7", "10.0.0.1", 64, 56);

	feed(0, fb, n);
	struct rte_mbuf *m = take_one(&t_worker.tx[0]);
	check_echo_reply(m, "10.0.0.1", "10.0.0.7", 56);
	rte_pktmbuf_free(m);
	assert_int_equal(t_worker.cnt[0].icmp_echo_replied, 1);
	assert_int_equal(t_ipvs_seen, 1);

	/* Odd length, TTL 1 (fine for us), Ethernet padding after it, and a
	 * VIP as the destination. */
	n = echo_frame("10.0.0.7", "10.0.0.100", 1, 3);
	memset(fb + n, 0xee, 60 - n);
	feed(0, fb, 60);
	m = take_one(&t_worker.tx[0]);
	check_echo_reply(m, "10.0.0.100", "10.0.0.7", 3);
	rte_pktmbuf_free(m);

	/* A checksum the NIC vouched for is not checked again. */
	n = echo_frame("10.0.0.7", "10.0.0.1", 64, 8);
	((struct rte_ipv4_hdr *)(fb + 14))->hdr_checksum ^= 0xffff;
	m = dp_test_mbuf(fb, (uint16_t)n);
	m->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_GOOD;
	eth_input(W, 0, m);
	rte_pktmbuf_free(take_one(&t_worker.tx[0]));
	/* ...and one it condemned is dropped even if right. */
	n = echo_frame("10.0.0.7", "10.0.0.1", 64, 8);
	m = dp_test_mbuf(fb, (uint16_t)n);
	m->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_BAD;
	eth_input(W, 0, m);
	assert_int_equal(drops(0, DPVS_DROP_IP_BAD_CSUM), 1);
}

/* dpip link set NAME down: what is queued for the port is freed at the
 * flush and counted link-down, not sent; up again, it is sent. */
static void test_port_down(void **state)
{
	(void)state;
	uint64_t tx_before = t_worker.cnt[0].tx_packets;
	size_t n = echo_frame("10.0.0.7", "10.0.0.1", 64, 8);

	dp_port_set_down(0, true);
	assert_true(dp_port_is_down(0));
	feed(0, fb, n);
	assert_int_equal(t_worker.tx[0].n, 1);
	dp_tx_flush(W);
	assert_int_equal(t_worker.tx[0].n, 0);
	assert_int_equal(drops(0, DPVS_DROP_LINK_DOWN), 1);
	assert_int_equal(t_worker.cnt[0].tx_packets, tx_before);
	assert_int_equal(drops(0, DPVS_DROP_TX_FULL), 0);

	dp_port_set_down(0, false);
	assert_false(dp_port_is_down(0));
	feed(0, fb, n);
	rte_pktmbuf_free(take_one(&t_worker.tx[0]));
	assert_int_equal(drops(0, DPVS_DROP_LINK_DOWN), 1);
	dp_port_set_down(DP_MAX_PORTS, true); /* out of range: ignored */
}

static void test_icmp_bad_and_other(void **state)
{
	(void)state;
	size_t n = echo_frame("10.0.0.7", "10.0.0.1", 64, 8);

	fb[14 + 20 + 8] ^= 1; /* payload no longer matches the ICMP checksum */
	feed_expect_drop(0, fb, n, DPVS_DROP_ICMP_BAD);

	/* 4 bytes of ICMP: too short for an echo header. */
	n = t_eth(fb, &mac0, &peer, RTE_ETHER_TYPE_IPV4);
	t_ipv4(fb + n, "10.0.0.7", "10.0.0.1", IPPROTO_ICMP, 64, 4);
	memset(fb + n + 20, 0, 4);
	feed_expect_drop(0, fb, n + 24, DPVS_DROP_ICMP_BAD);

	/* A destination unreachable to us: the kernel's, with the whole frame. */
	n = echo_frame("10.0.0.7", "10.0.0.1", 64, 8);
	struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)(fb + 34);
	ic->icmp_type = 3;
	ic->icmp_cksum = 0;
	ic->icmp_cksum = (uint16_t)~rte_raw_cksum(ic, 16);
	feed(0, fb, n);
	struct rte_mbuf *m = take_one(&t_worker.kni_tx[0]);
	assert_int_equal(m->pkt_len, n);
	assert_memory_equal(rte_pktmbuf_mtod(m, void *), fb, n);
	rte_pktmbuf_free(m);

	/* TCP to the VIP that IPVS did not take: nowhere to go. */
	n = t_eth(fb, &mac0, &peer, RTE_ETHER_TYPE_IPV4);
	t_ipv4(fb + n, "10.0.0.7", "10.0.0.100", IPPROTO_TCP, 64, 20);
	memset(fb + n + 20, 0, 20);
	feed_expect_drop(0, fb, n + 40, DPVS_DROP_KNI_OFF);
}

static void test_ipv4_malformed(void **state)
{
	(void)state;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(fb + 14);
	size_t n;

#define FRESH() (n = echo_frame("10.0.0.7", "10.0.0.1", 64, 8))
#define RESUM() (ip->hdr_checksum = 0, ip->hdr_checksum = rte_ipv4_cksum(ip))
	FRESH();
	feed_expect_drop(0, fb, 14 + 19, DPVS_DROP_IP_SHORT);

	FRESH();
	ip->version_ihl = 0x65;
	RESUM();
	feed_expect_drop(0, fb, n, DPVS_DROP_IP_BAD_VERSION);

	FRESH();
	ip->version_ihl = 0x44;
	feed_expect_drop(0, fb, n, DPVS_DROP_IP_BAD_IHL);
	FRESH();
	ip->version_ihl = 0x4f; /* 60 bytes of header in a 36-byte packet */
	feed_expect_drop(0, fb, n, DPVS_DROP_IP_BAD_IHL);

	FRESH();
	ip->total_length = rte_cpu_to_be_16(n - 14 + 1);
	RESUM();
	feed_expect_drop(0, fb, n, DPVS_DROP_IP_BAD_LEN);
	FRESH();
	ip->total_length = rte_cpu_to_be_16(19);
	RESUM();
	feed_expect_drop(0, fb, n, DPVS_DROP_IP_BAD_LEN);

	FRESH();
	ip->hdr_checksum ^= 0x0101;
	feed_expect_drop(0, fb, n, DPVS_DROP_IP_BAD_CSUM);

	/* Options: a 24-byte header (NOP x4) in front of the ICMP. */
	FRESH();
	memmove(fb + 38, fb + 34, n - 34);
	memset(fb + 34, 1, 4);
	ip->version_ihl = 0x46;
	ip->total_length = rte_cpu_to_be_16(n - 14 + 4);
	RESUM();
	feed_expect_drop(0, fb, n + 4, DPVS_DROP_IP_OPTIONS);

	FRESH();
	ip->fragment_offset = RTE_BE16(RTE_IPV4_HDR_MF_FLAG);
	RESUM();
	feed_expect_drop(0, fb, n, DPVS_DROP_IP_FRAG);
	FRESH();
	ip->fragment_offset = RTE_BE16(185);
	RESUM();
	feed_expect_drop(0, fb, n, DPVS_DROP_IP_FRAG);

	const char *bad_src[] = { "0.0.0.0", "255.255.255.255", "224.0.0.5", "127.0.0.1",
				  "10.0.0.1", "192.168.1.1" };
	for (unsigned i = 0; i < RTE_DIM(bad_src); i++) {
		n = echo_frame(bad_src[i], "10.0.0.1", 64, 8);
		feed_expect_drop(0, fb, n, DPVS_DROP_IP_BAD_SRC);
	}

	n = echo_frame("10.0.0.7", "10.0.0.1", 0, 8);
	feed_expect_drop(0, fb, n, DPVS_DROP_IP_TTL);

	assert_int_equal(t_ipvs_seen, 0); /* none of them reached IPVS */
#undef FRESH
#undef RESUM
}

static void test_ipv4_delivery(void **state)
{
	(void)state;
	size_t n;

	/* Not ours: this is no router. */
	n = echo_frame("10.0.0.7", "10.0.0.55", 64, 8);
	feed_expect_drop(0, fb, n, DPVS_DROP_IP_NOT_LOCAL);

	/* Our subnet's broadcast and multicast: the kernel's. */
	n = echo_frame("10.0.0.7", "10.0.0.255", 64, 8);
	feed(0, fb, n);
	struct rte_mbuf *m = take_one(&t_worker.kni_tx[0]);
	assert_memory_equal(rte_pktmbuf_mtod(m, void *), fb, n);
	rte_pktmbuf_free(m);
	n = echo_frame("10.0.0.7", "224.0.0.18", 64, 8);
	feed(0, fb, n);
	rte_pktmbuf_free(take_one(&t_worker.kni_tx[0]));

	/* UDP to the DIP: the kernel's. */
	n = t_eth(fb, &mac0, &peer, RTE_ETHER_TYPE_IPV4);
	t_ipv4(fb + n, "10.0.0.7", "10.0.0.1", IPPROTO_UDP, 64, 8);
	memset(fb + n + 20, 0, 8);
	feed(0, fb, n + 28);
	m = take_one(&t_worker.kni_tx[0]);
	assert_memory_equal(rte_pktmbuf_mtod(m, void *), fb, n + 28);
	rte_pktmbuf_free(m);

	/* Local to dpdk1 (no KNI): KNI_OFF. */
	n = t_eth(fb, &mac1, &peer, RTE_ETHER_TYPE_IPV4);
	t_ipv4(fb + n, "192.168.1.7", "192.168.1.1", IPPROTO_UDP, 64, 8);
	feed_expect_drop(1, fb, n + 28, DPVS_DROP_KNI_OFF);

	/* What IPVS steals is its business only. */
	t_ipvs_verdict = INET_STOLEN;
	n = echo_frame("10.0.0.7", "10.0.0.55", 64, 8);
	uint64_t all = fates();
	feed(0, fb, n);
	assert_int_equal(t_ipvs_stolen, 1);
	assert_int_equal(fates(), all + 1);
	assert_int_equal(drops(0, DPVS_DROP_IP_NOT_LOCAL), 1);
}

/* ---- output, neighbours, routes ---- */

/* A UDP packet (data at the IPv4 header) as IPVS would hand it over. */
static struct rte_mbuf *ip_packet(const char *src, const char *dst, uint16_t payload)
{
	uint8_t p[2048];

	t_ipv4(p, src, dst, IPPROTO_UDP, 63, payload);
	memset(p + 20, 0x5a, payload);
	struct rte_mbuf *m = dp_test_mbuf(p, (uint16_t)(20 + payload));
	assert_non_null(m);
	m->port = 0;
	/* Leave the usual headroom for the Ethernet header to come. */
	return m;
}

static void check_arp_request(struct rte_mbuf *m, const struct rte_ether_addr *our_mac,
			      const char *sip, const char *tip)
{
	const struct rte_ether_hdr *e = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct rte_arp_hdr *a = (const void *)(e + 1);

	assert_true(m->pkt_len >= 42);
	assert_memory_equal(&e->dst_addr, &bcast, 6);
	assert_memory_equal(&e->src_addr, our_mac, 6);
	assert_int_equal(e->ether_type, RTE_BE16(RTE_ETHER_TYPE_ARP));
	assert_int_equal(a->arp_opcode, RTE_BE16(RTE_ARP_OP_REQUEST));
	assert_int_equal(a->arp_hardware, RTE_BE16(1));
	assert_int_equal(a->arp_protocol, RTE_BE16(0x0800));
	assert_memory_equal(&a->arp_data.arp_sha, our_mac, 6);
	assert_int_equal(a->arp_data.arp_sip, inet_addr(sip));
	assert_int_equal(a->arp_data.arp_tip, inet_addr(tip));
}

static void check_forwarded(struct rte_mbuf *m, const struct rte_ether_addr *src,
			    const struct rte_ether_addr *dst, const char *ipdst)
{
	const struct rte_ether_hdr *e = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct rte_ipv4_hdr *ip = (const void *)(e + 1);

	assert_memory_equal(&e->src_addr, src, 6);
	assert_memory_equal(&e->dst_addr, dst, 6);
	assert_int_equal(e->ether_type, RTE_BE16(RTE_ETHER_TYPE_IPV4));
	assert_int_equal(ip->dst_addr, inet_addr(ipdst));
	assert_int_equal(ip->time_to_live, 63);
}

/* Exactly one packet queued on the port, forwarded as described; freed. */
static void expect_forwarded(uint16_t port, const struct rte_ether_addr *src,
			     const struct rte_ether_addr *dst, const char *ipdst)
{
	struct rte_mbuf *m = take_one(&t_worker.tx[port]);

	check_forwarded(m, src, dst, ipdst);
	rte_pktmbuf_free(m);
}

static int t_neigh(const char *ifname, const char *ip, const struct rte_ether_addr *mac,
		   char *err, size_t errlen)
{
	struct dpvs_neigh q = { .family = AF_INET, .state = DPVS_NEIGH_PERMANENT };

	snprintf(q.ifname, sizeof(q.ifname), "%s", ifname);
	q.addr.in.s_addr = inet_addr(ip);
	memcpy(q.mac.b, mac->addr_bytes, 6);
	return inet_neigh_add(&q, err, errlen);
}

static void test_output_resolved(void **state)
{
	char err[256];

	(void)state;
	assert_int_equal(t_neigh("dpdk0", "10.0.0.7", &peer, err, sizeof(err)), 0);
	ipv4_output(W, ip_packet("10.0.0.1", "10.0.0.7", 100));
	struct rte_mbuf *m = take_one(&t_worker.tx[0]);
	check_forwarded(m, &mac0, &peer, "10.0.0.7");
	assert_int_equal(m->pkt_len, 14 + 120);
	rte_pktmbuf_free(m);
	assert_int_equal(t_worker.cnt[0].forwarded, 1);

	/* No route: 8.8.8.8 has none yet. */
	ipv4_output(W, ip_packet("10.0.0.1", "8.8.8.8", 10));
	assert_int_equal(drops(0, DPVS_DROP_IP_NO_ROUTE), 1);

	/* Bigger than the MTU, DF set: dropped, and the sender told the
	 * next-hop MTU (ICMP fragmentation needed, quoting the packet) */
	ipv4_output(W, ip_packet("10.0.0.1", "10.0.0.7", 1481));
	assert_int_equal(drops(0, DPVS_DROP_IP_TOO_BIG), 1);
	m = take_one(&t_worker.tx[0]);
	{
		const struct rte_ipv4_hdr *ip =
			rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, 14);
		const struct rte_icmp_hdr *ic = (const struct rte_icmp_hdr *)(ip + 1);
		const struct rte_ipv4_hdr *q = (const struct rte_ipv4_hdr *)(ic + 1);

		assert_int_equal(ip->next_proto_id, IPPROTO_ICMP);
		assert_int_equal(ip->dst_addr, inet_addr("10.0.0.1"));
		assert_int_equal(ip->src_addr, inet_addr("10.0.0.7"));
		assert_int_equal(rte_raw_cksum(ip, 20), 0xffff);
		assert_int_equal(ic->icmp_type, 3);
		assert_int_equal(ic->icmp_code, 4);
		assert_int_equal(rte_be_to_cpu_16(ic->icmp_seq_nb), 1500);
		assert_int_equal(rte_raw_cksum(ic, rte_be_to_cpu_16(ip->total_length) - 20), 0xffff);
		assert_int_equal(q->dst_addr, inet_addr("10.0.0.7"));
		assert_int_equal(rte_be_to_cpu_16(ip->total_length), 576);
	}
	rte_pktmbuf_free(m);
	ipv4_output(W, ip_packet("10.0.0.1", "10.0.0.7", 1480));
	rte_pktmbuf_free(take_one(&t_worker.tx[0]));
}

static void test_output_unresolved(void **state)
{
	struct dpvs_neigh ne;

	(void)state;
	ipv4_output(W, ip_packet("192.168.1.1", "192.168.1.20", 10));
	/* An ARP request went out of dpdk1, the packet waits. */
	struct rte_mbuf *m = take_one(&t_worker.tx[1]);
	check_arp_request(m, &mac1, "192.168.1.1", "192.168.1.20");
	rte_pktmbuf_free(m);
	assert_true(neigh_get("192.168.1.20", &ne));
	assert_int_equal(ne.state, DPVS_NEIGH_INCOMPLETE);
	assert_int_equal(ne.queued, 1);

	/* Seven more fit, the ninth is refused; no new request in the same second. */
	for (int i = 0; i < 8; i++)
		ipv4_output(W, ip_packet("192.168.1.1", "192.168.1.20", 10));
	assert_int_equal(t_worker.tx[1].n, 0);
	assert_int_equal(drops(0, DPVS_DROP_NEIGH_QUEUE_FULL), 1);
	assert_true(neigh_get("192.168.1.20", &ne));
	assert_int_equal(ne.queued, 8);

	/* The reply releases all eight, from the worker that got it. */
	size_t n = t_eth(fb, &mac1, &peer2, RTE_ETHER_TYPE_ARP);
	n += t_arp(fb + n, RTE_ARP_OP_REPLY, &peer2, "192.168.1.20", &mac1, "192.168.1.1");
	feed(1, fb, n);
	assert_int_equal(t_worker.tx[1].n, 8);
	for (int i = 0; i < 8; i++)
		check_forwarded(t_worker.tx[1].pkts[i], &mac1, &peer2, "192.168.1.20");
	assert_int_equal(t_worker.cnt[0].forwarded, 8);
	assert_true(neigh_get("192.168.1.20", &ne));
	assert_int_equal(ne.state, DPVS_NEIGH_REACHABLE);
	assert_int_equal(ne.queued, 0);
	/* The reply itself was consumed; dpdk1 has no KNI. */
	assert_int_equal(drops(1, DPVS_DROP_KNI_OFF), 1);
	t_drain(W);

	/* Then straight through. */
	ipv4_output(W, ip_packet("192.168.1.1", "192.168.1.20", 10));
	m = take_one(&t_worker.tx[1]);
	check_forwarded(m, &mac1, &peer2, "192.168.1.20");
	rte_pktmbuf_free(m);
}

static void test_output_gives_up(void **state)
{
	struct dpvs_neigh ne;

	(void)state;
	ipv4_output(W, ip_packet("10.0.0.1", "10.0.0.30", 10));
	assert_int_equal(t_worker.tx[0].n, 1); /* request 1 */
	t_worker.now_sec++;
	ipv4_output(W, ip_packet("10.0.0.1", "10.0.0.30", 10));
	assert_int_equal(t_worker.tx[0].n, 2); /* request 2 */
	ipv4_output(W, ip_packet("10.0.0.1", "10.0.0.30", 10));
	assert_int_equal(t_worker.tx[0].n, 2); /* same second: none */
	t_worker.now_sec++;
	ipv4_output(W, ip_packet("10.0.0.1", "10.0.0.30", 10));
	assert_int_equal(t_worker.tx[0].n, 3); /* request 3 */
	for (unsigned i = 0; i < 3; i++)
		check_arp_request(t_worker.tx[0].pkts[i], &mac0, "10.0.0.1", "10.0.0.30");
	t_drain(W);
	assert_true(neigh_get("10.0.0.30", &ne));
	assert_int_equal(ne.queued, 4);

	/* Three unanswered: the queue and the new packet are dropped. */
	t_worker.now_sec++;
	ipv4_output(W, ip_packet("10.0.0.1", "10.0.0.30", 10));
	assert_int_equal(drops(0, DPVS_DROP_NEIGH_UNRESOLVED), 5);
	ipv4_output(W, ip_packet("10.0.0.1", "10.0.0.30", 10));
	assert_int_equal(drops(0, DPVS_DROP_NEIGH_UNRESOLVED), 6);
	assert_int_equal(t_worker.tx[0].n, 0);

	/* The control tick reclaims the entry; a new attempt starts afresh. */
	inet_timer_tick(t_worker.now_sec);
	assert_false(neigh_get("10.0.0.30", &ne));
	ipv4_output(W, ip_packet("10.0.0.1", "10.0.0.30", 10));
	assert_int_equal(t_worker.tx[0].n, 1);
	t_drain(W);

	/* Without traffic, the tick gives up on its own and counts the queue. */
	inet_timer_tick(t_worker.now_sec + 3);
	assert_false(neigh_get("10.0.0.30", &ne));
	assert_int_equal(inet_neigh_ctl_drops(0), 1);
}

static void test_neigh_aging(void **state)
{
	char err[256];
	struct dpvs_neigh ne;

	(void)state;
	/* Learned at 100 (the request for us), static added at 100. */
	size_t n = arp_frame(&bcast, RTE_ARP_OP_REQUEST, &peer, "10.0.0.7", "10.0.0.1");
	feed(0, fb, n);
	t_drain(W);
	assert_int_equal(t_neigh("dpdk0", "10.0.0.8", &peer2, err, sizeof(err)), 0);

	inet_timer_tick(129);
	assert_true(neigh_get("10.0.0.7", &ne));
	assert_int_equal(ne.state, DPVS_NEIGH_REACHABLE);
	inet_timer_tick(130);
	assert_true(neigh_get("10.0.0.7", &ne));
	assert_int_equal(ne.state, DPVS_NEIGH_STALE);
	assert_int_equal(ne.age_sec, 30);

	/* STALE is still used, and the use asks again. */
	t_worker.now_sec = 131;
	ipv4_output(W, ip_packet("10.0.0.1", "10.0.0.7", 10));
	assert_int_equal(t_worker.tx[0].n, 2);
	check_forwarded(t_worker.tx[0].pkts[0], &mac0, &peer, "10.0.0.7");
	check_arp_request(t_worker.tx[0].pkts[1], &mac0, "10.0.0.1", "10.0.0.7");
	t_drain(W);
	ipv4_output(W, ip_packet("10.0.0.1", "10.0.0.7", 10));
	assert_int_equal(t_worker.tx[0].n, 1); /* same second: no second request */
	t_drain(W);

	/* Nobody answers for ten seconds: still sent to the MAC we knew, one
	 * request a second, never dropped (the health checker decides). */
	for (uint64_t s = 132; s < 142; s++) {
		t_worker.now_sec = s;
		inet_timer_tick(s);
		ipv4_output(W, ip_packet("10.0.0.1", "10.0.0.7", 10));
		assert_int_equal(t_worker.tx[0].n, 2);
		check_forwarded(t_worker.tx[0].pkts[0], &mac0, &peer, "10.0.0.7");
		check_arp_request(t_worker.tx[0].pkts[1], &mac0, "10.0.0.1", "10.0.0.7");
		t_drain(W);
	}
	assert_true(neigh_get("10.0.0.7", &ne));
	assert_int_equal(ne.state, DPVS_NEIGH_STALE);
	assert_int_equal(drops(0, DPVS_DROP_NEIGH_UNRESOLVED), 0);

	/* Unused for 300 s (last used at 141): gone. The static one never ages. */
	inet_timer_tick(440);
	assert_true(neigh_get("10.0.0.7", &ne));
	inet_timer_tick(441);
	assert_false(neigh_get("10.0.0.7", &ne));
	inet_timer_tick(100000);
	assert_true(neigh_get("10.0.0.8", &ne));
	assert_int_equal(ne.state, DPVS_NEIGH_PERMANENT);

	/* ARP does not override a static entry. */
	n = arp_frame(&bcast, RTE_ARP_OP_REQUEST, &peer, "10.0.0.8", "10.0.0.1");
	feed(0, fb, n);
	t_drain(W);
	assert_true(neigh_get("10.0.0.8", &ne));
	assert_memory_equal(ne.mac.b, peer2.addr_bytes, 6);
}

static void test_neigh_ctl_errors(void **state)
{
	char err[256];
	struct dpvs_neigh q = { .family = AF_INET };

	(void)state;
	assert_int_equal(t_neigh("dpdk0", "10.0.0.7", &peer, err, sizeof(err)), 0);
	assert_int_equal(t_neigh("dpdk0", "10.0.0.7", &peer, err, sizeof(err)), -EEXIST);
	assert_string_equal(err, "neighbour 10.0.0.7 already exists on dpdk0");
	assert_int_equal(t_neigh("dpdk0", "10.0.0.1", &peer, err, sizeof(err)), -EINVAL);
	assert_int_equal(t_neigh("dpdk0", "10.0.0.9", &bcast, err, sizeof(err)), -EINVAL);
	assert_int_equal(t_neigh("dpdk7", "10.0.0.9", &peer, err, sizeof(err)), -ENODEV);

	snprintf(q.ifname, sizeof(q.ifname), "dpdk0");
	q.addr.in.s_addr = inet_addr("10.0.0.7");
	assert_int_equal(inet_neigh_del(&q, err, sizeof(err)), 0);
	assert_int_equal(inet_neigh_del(&q, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "neighbour 10.0.0.7 not found on dpdk0");
}

static void test_routes(void **state)
{
	char err[256];
	struct dpvs_neigh ne;

	(void)state;
	/* Via a gateway: the ARP is for the gateway, the packet keeps its
	 * destination. */
	assert_int_equal(t_route("", "172.16.0.0", 16, "10.0.0.254", err, sizeof(err)), 0);
	ipv4_output(W, ip_packet("10.0.0.1", "172.16.5.5", 10));
	struct rte_mbuf *m = take_one(&t_worker.tx[0]);
	check_arp_request(m, &mac0, "10.0.0.1", "10.0.0.254");
	rte_pktmbuf_free(m);
	assert_true(neigh_get("10.0.0.254", &ne));
	assert_int_equal(ne.queued, 1);

	/* Longest match: a /24 inside it through dpdk1's gateway. */
	assert_int_equal(t_neigh("dpdk0", "10.0.0.254", &peer, err, sizeof(err)), 0);
	assert_int_equal(t_neigh("dpdk1", "192.168.1.254", &peer2, err, sizeof(err)), 0);
	assert_int_equal(t_route("dpdk1", "172.16.9.0", 24, "192.168.1.254", err, sizeof(err)), 0);
	ipv4_output(W, ip_packet("10.0.0.1", "172.16.9.1", 10));
	expect_forwarded(1, &mac1, &peer2, "172.16.9.1");
	ipv4_output(W, ip_packet("10.0.0.1", "172.16.8.1", 10));
	expect_forwarded(0, &mac0, &peer, "172.16.8.1");

	/* Default route. */
	ipv4_output(W, ip_packet("10.0.0.1", "8.8.8.8", 10));
	assert_int_equal(drops(0, DPVS_DROP_IP_NO_ROUTE), 1);
	assert_int_equal(t_route("dpdk1", "0.0.0.0", 0, "192.168.1.254", err, sizeof(err)), 0);
	ipv4_output(W, ip_packet("10.0.0.1", "8.8.8.8", 10));
	expect_forwarded(1, &mac1, &peer2, "8.8.8.8");

	/* Errors. */
	assert_int_equal(t_route("dpdk1", "0.0.0.0", 0, "192.168.1.253", err, sizeof(err)),
			 -EEXIST);
	assert_int_equal(t_route("dpdk1", "172.17.0.0", 16, "10.0.0.254", err, sizeof(err)),
			 -ENETUNREACH);
	assert_string_equal(err, "gateway 10.0.0.254 is not reachable on dpdk1");
	assert_int_equal(t_route("", "172.17.0.0", 16, "10.9.0.254", err, sizeof(err)),
			 -ENETUNREACH);
	assert_int_equal(t_route("dpdk0", "172.17.0.1", 16, NULL, err, sizeof(err)), -EINVAL);
	assert_int_equal(t_route("", "172.17.0.0", 16, NULL, err, sizeof(err)), -EINVAL);
	assert_int_equal(t_route("dpdk0", "172.17.0.0", 33, NULL, err, sizeof(err)), -EINVAL);

	struct dpvs_route r = { .family = AF_INET, .prefixlen = 24 };
	r.dst.in.s_addr = inet_addr("172.18.0.0");
	assert_int_equal(inet_route_del(&r, err, sizeof(err)), -ESRCH);
	assert_string_equal(err, "route 172.18.0.0/24 not found");
	r.dst.in.s_addr = inet_addr("10.0.0.0");
	assert_int_equal(inet_route_del(&r, err, sizeof(err)), -EPERM);
	r.family = AF_INET6;
	assert_int_equal(inet_route_del(&r, err, sizeof(err)), -EAFNOSUPPORT);

	/* Listing: 3 connected + 3 static; the default one goes away. */
	struct dpvs_route all[16];
	assert_int_equal(inet_route_list(all, 16), 6);
	unsigned connected = 0;
	for (unsigned i = 0; i < 6; i++)
		connected += !!(all[i].flags & DPVS_ROUTE_F_CONNECTED);
	assert_int_equal(connected, 3);
	r.family = AF_INET;
	r.prefixlen = 0;
	r.dst.in.s_addr = 0;
	assert_int_equal(inet_route_del(&r, err, sizeof(err)), 0);
	assert_int_equal(inet_route_list(all, 16), 5);
	ipv4_output(W, ip_packet("10.0.0.1", "8.8.8.8", 10));
	assert_int_equal(drops(0, DPVS_DROP_IP_NO_ROUTE), 2);
}

static void test_addr_ctl(void **state)
{
	char err[256];
	struct dpvs_addr a = { .family = AF_INET, .prefixlen = 24 };

	(void)state;
	assert_int_equal(t_addr("dpdk0", "10.0.0.1", 24, 0, err, sizeof(err)), -EEXIST);
	assert_string_equal(err, "address 10.0.0.1/24 already exists on dpdk0");
	assert_int_equal(t_addr("dpdk1", "10.0.0.1", 24, 0, err, sizeof(err)), -EEXIST);
	assert_int_equal(t_addr("dpdk9", "10.0.0.2", 24, 0, err, sizeof(err)), -ENODEV);
	assert_string_equal(err, "no such port: dpdk9");
	assert_int_equal(t_addr("dpdk0", "10.0.0.2", 33, 0, err, sizeof(err)), -EINVAL);
	assert_int_equal(t_addr("dpdk0", "10.0.0.2", 0, 0, err, sizeof(err)), -EINVAL);
	assert_int_equal(t_addr("dpdk0", "224.0.0.1", 24, 0, err, sizeof(err)), -EINVAL);
	assert_int_equal(t_addr("dpdk0", "10.0.0.2", 24, 0x80, err, sizeof(err)), -EINVAL);
	memset(a.ifname, 'x', sizeof(a.ifname));
	a.addr.in.s_addr = inet_addr("10.0.0.2");
	assert_int_equal(inet_addr_add(&a, err, sizeof(err)), -EINVAL);
	snprintf(a.ifname, sizeof(a.ifname), "dpdk0");
	a.family = AF_INET6;
	assert_int_equal(inet_addr_add(&a, err, sizeof(err)), -EAFNOSUPPORT);
	a.family = AF_INET;

	/* A second address in the subnet shares the connected route. */
	assert_true(inet_addr_is_local(inet_addr("10.0.0.1")));
	assert_false(inet_addr_is_local(inet_addr("10.0.0.2")));
	assert_int_equal(inet_addr_add(&a, err, sizeof(err)), 0);
	assert_true(inet_addr_is_local(inet_addr("10.0.0.2")));
	struct dpvs_route routes[8];
	assert_int_equal(inet_route_list(routes, 8), 3);
	struct dpvs_addr addrs[8];
	assert_int_equal(inet_addr_list(addrs, 8), 4);
	assert_string_equal(addrs[3].ifname, "dpdk0");
	assert_int_equal(addrs[3].addr.in.s_addr, inet_addr("10.0.0.2"));
	assert_int_equal(addrs[2].flags, DPVS_ADDR_F_VIP);

	assert_int_equal(inet_addr_del(&a, err, sizeof(err)), 0);
	assert_int_equal(inet_addr_del(&a, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "address 10.0.0.2/24 not found on dpdk0");
	assert_int_equal(inet_route_list(routes, 8), 3); /* 10.0.0.1 still holds it */

	/* The last address of the subnet takes the route with it. */
	a.addr.in.s_addr = inet_addr("10.0.0.1");
	assert_int_equal(inet_addr_del(&a, err, sizeof(err)), 0);
	assert_int_equal(inet_route_list(routes, 8), 2);
	assert_false(inet_addr_is_local(inet_addr("10.0.0.1")));

	/* Many VIPs (/32, more than the filter has bits / 4): every one is
	 * local, every neighbour of theirs is not, whatever the filter says. */
	for (unsigned i = 0; i < 300; i++) {
		char ip[32];

		snprintf(ip, sizeof(ip), "172.16.%u.%u", i / 200, 1 + (i % 200));
		assert_int_equal(t_addr("dpdk1", ip, 32, DPVS_ADDR_F_VIP, err, sizeof(err)), 0);
	}
	for (unsigned i = 0; i < 300; i++) {
		uint32_t vip = rte_cpu_to_be_32(0xac100000u | (i / 200) << 8 | (1 + (i % 200)));
		uint32_t other = rte_cpu_to_be_32(0xac110000u | i); /* 172.17.x.y: none ours */

		assert_true(inet_addr_is_local(vip));
		assert_false(inet_addr_is_local(other));
	}
	ipv4_output(W, ip_packet("10.0.0.100", "10.0.0.7", 10));
	assert_int_equal(drops(0, DPVS_DROP_IP_NO_ROUTE), 1);
	/* ... and ARP for it is no longer answered (only the kernel hears it). */
	size_t n = arp_frame(&bcast, RTE_ARP_OP_REQUEST, &peer, "10.0.0.7", "10.0.0.1");
	feed(0, fb, n);
	assert_int_equal(t_worker.tx[0].n, 0);
	rte_pktmbuf_free(take_one(&t_worker.kni_tx[0]));
}

/* The reload's savepoint (issue 19 item 2): whatever add/del ran after
 * inet_save(), inet_restore() gives back the same addresses (in the same
 * order: source selection takes the first), routes and static neighbours,
 * and the workers forward by them again. */
struct inet_state {
	unsigned na, nr, nn;
	struct dpvs_addr a[16];
	struct dpvs_route r[16];
	struct dpvs_neigh n[16];
};

static void inet_state_get(struct inet_state *s)
{
	memset(s, 0, sizeof(*s));
	s->na = inet_addr_list(s->a, 16);
	s->nr = inet_route_list(s->r, 16);
	s->nn = inet_neigh_list(s->n, 16);
	for (unsigned i = 0; i < s->nn && i < 16; i++)
		s->n[i].age_sec = 0; /* the clock's, not the table's */
}

static void test_savepoint(void **state)
{
	struct inet_state before, after;
	struct dpvs_addr a = { .family = AF_INET, .prefixlen = 24 };
	struct dpvs_route r = { .family = AF_INET, .prefixlen = 16 };
	struct dpvs_neigh ne = { .family = AF_INET };
	char err[256];

	(void)state;
	assert_int_equal(t_addr("dpdk0", "10.0.5.1", 24, 0, err, sizeof(err)), 0);
	assert_int_equal(t_neigh("dpdk0", "10.0.0.254", &peer, err, sizeof(err)), 0);
	assert_int_equal(t_route("", "172.16.0.0", 16, "10.0.0.254", err, sizeof(err)), 0);
	assert_int_equal(t_route("dpdk0", "0.0.0.0", 0, "10.0.0.254", err, sizeof(err)), 0);
	inet_state_get(&before);
	assert_int_equal(inet_save(err, sizeof(err)), 0);

	/* what a reload might do before its last step fails */
	snprintf(a.ifname, sizeof(a.ifname), "dpdk0");
	a.addr.in.s_addr = inet_addr("10.0.5.1");
	assert_int_equal(inet_addr_del(&a, err, sizeof(err)), 0);
	assert_int_equal(t_addr("dpdk1", "10.9.0.1", 24, 0, err, sizeof(err)), 0);
	assert_int_equal(t_addr("dpdk0", "10.0.5.1", 24, DPVS_ADDR_F_VIP, err, sizeof(err)), 0);
	assert_int_equal(t_neigh("dpdk1", "10.9.0.254", &peer2, err, sizeof(err)), 0);
	assert_int_equal(t_route("dpdk1", "172.20.0.0", 16, "10.9.0.254", err, sizeof(err)), 0);
	r.dst.in.s_addr = inet_addr("172.16.0.0");
	assert_int_equal(inet_route_del(&r, err, sizeof(err)), 0);
	assert_int_equal(t_route("", "172.16.0.0", 16, "10.9.0.254", err, sizeof(err)), 0);
	r.prefixlen = 0;
	r.dst.in.s_addr = 0;
	assert_int_equal(inet_route_del(&r, err, sizeof(err)), 0);
	snprintf(ne.ifname, sizeof(ne.ifname), "dpdk0");
	ne.addr.in.s_addr = inet_addr("10.0.0.254");
	assert_int_equal(inet_neigh_del(&ne, err, sizeof(err)), 0);
	ipv4_output(W, ip_packet("10.0.0.1", "172.20.1.1", 10));
	expect_forwarded(1, &mac1, &peer2, "172.20.1.1");

	assert_int_equal(inet_restore(err, sizeof(err)), 0);
	inet_save_drop();
	inet_state_get(&after);
	assert_int_equal(after.na, before.na);
	assert_int_equal(after.nr, before.nr);
	assert_int_equal(after.nn, before.nn);
	assert_memory_equal(after.a, before.a, sizeof(before.a));
	assert_memory_equal(after.r, before.r, sizeof(before.r));
	assert_memory_equal(after.n, before.n, sizeof(before.n));
	/* the workers see it: the new route is gone, the old ones lead to
	 * the old gateway by its static MAC again */
	ipv4_output(W, ip_packet("10.0.0.1", "172.20.1.1", 10));
	expect_forwarded(0, &mac0, &peer, "172.20.1.1"); /* the default route */
	ipv4_output(W, ip_packet("10.0.0.1", "172.16.5.5", 10));
	expect_forwarded(0, &mac0, &peer, "172.16.5.5");
	assert_false(inet_addr_is_local(inet_addr("10.9.0.1")));
	assert_int_equal(inet_addr_local_flags(inet_addr("10.0.5.1")), 0);

	/* a savepoint dropped without a restore keeps the changes */
	assert_int_equal(inet_save(err, sizeof(err)), 0);
	assert_int_equal(t_addr("dpdk1", "10.9.0.1", 24, 0, err, sizeof(err)), 0);
	inet_save_drop();
	assert_true(inet_addr_is_local(inet_addr("10.9.0.1")));
}

static void test_ctl_handlers(void **state)
{
	static struct ctl_reply reply;
	struct dpvs_addr a = { .family = AF_INET, .prefixlen = 24 };

	(void)state;
	ctl_registry_reset();
	inet_ctl_register();
	for (unsigned t = DPVS_MSG_ADDR_ADD; t <= DPVS_MSG_NEIGH_SHOW; t++)
		if (t % 10 <= 2 && t >= 20 && t < 50)
			assert_true(ctl_test_has_handler((uint16_t)t));

	snprintf(a.ifname, sizeof(a.ifname), "dpdk0");
	a.addr.in.s_addr = inet_addr("10.0.0.1");
	assert_int_equal(ctl_test_call(DPVS_MSG_ADDR_ADD, 0, &a, sizeof(a), &reply), -EEXIST);
	assert_string_equal(reply.msg, "address 10.0.0.1/24 already exists on dpdk0");

	a.addr.in.s_addr = inet_addr("10.0.0.3");
	assert_int_equal(ctl_test_call(DPVS_MSG_ADDR_ADD, 0, &a, sizeof(a), &reply), 0);
	assert_int_equal(reply.status, 0);

	assert_int_equal(ctl_test_call(DPVS_MSG_ADDR_SHOW, 0, NULL, 0, &reply), 0);
	struct dpvs_list head;
	memcpy(&head, ctl_test_payload(&reply), sizeof(head));
	assert_int_equal(head.count, 4);
	assert_int_equal(head.entry_size, sizeof(struct dpvs_addr));
	assert_int_equal(reply.len, sizeof(head) + 4 * sizeof(struct dpvs_addr));

	assert_int_equal(ctl_test_call(DPVS_MSG_ROUTE_SHOW, 0, NULL, 0, &reply), 0);
	memcpy(&head, ctl_test_payload(&reply), sizeof(head));
	assert_int_equal(head.count, 3);

	struct dpvs_route r = { .family = AF_INET, .prefixlen = 8 };
	snprintf(r.ifname, sizeof(r.ifname), "dpdk1");
	r.dst.in.s_addr = inet_addr("11.0.0.0");
	r.gateway.in.s_addr = inet_addr("10.0.0.9");
	assert_int_equal(ctl_test_call(DPVS_MSG_ROUTE_ADD, 0, &r, sizeof(r), &reply),
			 -ENETUNREACH);
	assert_string_equal(reply.msg, "gateway 10.0.0.9 is not reachable on dpdk1");

	assert_int_equal(ctl_test_call(DPVS_MSG_NEIGH_SHOW, 0, NULL, 0, &reply), 0);
	memcpy(&head, ctl_test_payload(&reply), sizeof(head));
	assert_int_equal(head.count, 0);
	assert_int_equal(head.entry_size, sizeof(struct dpvs_neigh));
	ctl_reply_free(&reply);
}

/* ---- concurrency: two worker threads, the control thread changing things ---- */

#define MT_WORKERS 2

static struct worker mt_w[MT_WORKERS];
static volatile bool mt_stop;
static volatile uint64_t mt_clock = 100;
static uint64_t mt_made[MT_WORKERS];

/* A frame into a fresh mbuf, or NULL when the pool is (briefly) empty. */
static struct rte_mbuf *mt_mbuf(const uint8_t *buf, size_t len)
{
	return dp_test_mbuf(buf, (uint16_t)len);
}

static void *mt_worker(void *arg)
{
	unsigned id = (unsigned)(uintptr_t)arg;
	struct worker *w = &mt_w[id];
	uint8_t f[128];
	unsigned seed = id + 1;
	char ip[32];

	/* Threads inherit the EAL main thread's CPU: spread them out. */
	cpu_set_t all;
	CPU_ZERO(&all);
	for (int c = 0; c < CPU_SETSIZE; c++)
		CPU_SET(c, &all);
	pthread_setaffinity_np(pthread_self(), sizeof(all), &all);

	rte_rcu_qsbr_thread_register(dp_rcu, id);
	rte_rcu_qsbr_thread_online(dp_rcu, id);
	while (!mt_stop) {
		w->now_sec = mt_clock;
		snprintf(ip, sizeof(ip), "10.0.0.%u", 2 + rand_r(&seed) % 40);

		/* Forward towards a neighbour that may or may not be known. */
		size_t n = t_ipv4(f, "10.0.0.1", ip, IPPROTO_UDP, 63, 8);
		struct rte_mbuf *m = mt_mbuf(f, n + 8);
		if (m) {
			mt_made[id]++;
			ipv4_output(w, m);
		}
		/* An ARP from it, now and then (learning, releasing queues). */
		if (rand_r(&seed) % 4 == 0) {
			n = t_eth(f, &mac0, &peer, RTE_ETHER_TYPE_ARP);
			n += t_arp(f + n, rand_r(&seed) % 2 ? RTE_ARP_OP_REPLY : RTE_ARP_OP_REQUEST,
				   &peer, ip, &mac0, "10.0.0.1");
			m = mt_mbuf(f, n);
			if (m) {
				mt_made[id]++;
				eth_input(w, 0, m);
			}
		}
		/* A ping to an address that comes and goes. */
		n = t_eth(f, &mac0, &peer, RTE_ETHER_TYPE_IPV4);
		n += t_ipv4(f + n, "10.0.0.7", "10.0.0.200", IPPROTO_ICMP, 64, 8);
		t_icmp_echo(f + n, 0);
		m = mt_mbuf(f, n + 8);
		if (m) {
			mt_made[id]++;
			eth_input(w, 0, m);
		}
		t_drain(w);
		rte_rcu_qsbr_quiescent(dp_rcu, id);
	}
	rte_rcu_qsbr_thread_offline(dp_rcu, id);
	rte_rcu_qsbr_thread_unregister(dp_rcu, id);
	return NULL;
}

static void test_concurrent(void **state)
{
	char err[256];
	pthread_t th[MT_WORKERS];
	size_t sz = rte_rcu_qsbr_get_memsize(MT_WORKERS);
	struct rte_rcu_qsbr *v = rte_zmalloc("t_rcu", sz, RTE_CACHE_LINE_SIZE);

	(void)state;
	assert_non_null(v);
	assert_int_equal(rte_rcu_qsbr_init(v, MT_WORKERS), 0);
	/* Fresh tables with RCU attached (the LPM's too). */
	inet_fini();
	dp_rcu = v;
	assert_int_equal(inet_init(T_NPORTS, err, sizeof(err)), 0);
	assert_int_equal(t_addr("dpdk0", "10.0.0.1", 24, 0, err, sizeof(err)), 0);
	memset(mt_w, 0, sizeof(mt_w));
	mt_stop = false;
	for (unsigned i = 0; i < MT_WORKERS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, mt_worker, (void *)(uintptr_t)i), 0);

	/* The control thread: a clock, aging, addresses and routes changing. */
	unsigned changes = 0;
	for (int round = 0; round < 200; round++) {
		mt_clock++;
		inet_timer_tick(mt_clock);
		if (round % 2 == 0)
			changes += t_addr("dpdk0", "10.0.0.200", 32, 0, err, sizeof(err)) == 0;
		else {
			struct dpvs_addr a = { .ifname = "dpdk0", .family = AF_INET,
					       .prefixlen = 32 };
			a.addr.in.s_addr = inet_addr("10.0.0.200");
			changes += inet_addr_del(&a, err, sizeof(err)) == 0;
		}
		struct dpvs_neigh list[64];
		inet_neigh_list(list, 64);
		rte_delay_us_sleep(1000);
	}
	mt_stop = true;
	for (unsigned i = 0; i < MT_WORKERS; i++)
		pthread_join(th[i], NULL);
	assert_int_equal(changes, 200);

	/* Both workers did real work, and every packet had a fate or is queued. */
	uint64_t made = 0, ended = 0, replied = 0;
	for (unsigned i = 0; i < MT_WORKERS; i++) {
		assert_true(mt_made[i] > 100);
		made += mt_made[i];
		replied += mt_w[i].cnt[0].icmp_echo_replied;
		for (unsigned r = 0; r < DPVS_DROP_MAX; r++)
			ended += mt_w[i].cnt[0].drops[r];
		ended += mt_w[i].cnt[0].forwarded + mt_w[i].cnt[0].arp_replied +
			 mt_w[i].cnt[0].icmp_echo_replied;
	}
	assert_true(replied > 0);
	struct dpvs_neigh list[64];
	unsigned nn = inet_neigh_list(list, 64);
	uint64_t queued = 0;
	for (unsigned i = 0; i < nn && i < 64; i++)
		queued += list[i].queued;
	/* ARP that was not answered went to the KNI: not in `ended`, so
	 * ended + queued + ctl drops can only be at most what was made. */
	assert_true(ended + queued + inet_neigh_ctl_drops(0) <= made);

	inet_fini();
	dp_rcu = NULL;
	rte_free(v);
	/* setup's tables are gone; teardown's inet_fini must find nothing. */
	char err2[256];
	assert_int_equal(inet_init(T_NPORTS, err2, sizeof(err2)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csum_incremental),
		cmocka_unit_test_setup_teardown(test_eth_fates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_arp_request_answered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_arp_vip_and_other_port, setup, teardown),
		cmocka_unit_test_setup_teardown(test_arp_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_arp_gratuitous, setup, teardown),
		cmocka_unit_test_setup_teardown(test_icmp_echo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_port_down, setup, teardown),
		cmocka_unit_test_setup_teardown(test_icmp_bad_and_other, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ipv4_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ipv4_delivery, setup, teardown),
		cmocka_unit_test_setup_teardown(test_output_resolved, setup, teardown),
		cmocka_unit_test_setup_teardown(test_output_unresolved, setup, teardown),
		cmocka_unit_test_setup_teardown(test_output_gives_up, setup, teardown),
		cmocka_unit_test_setup_teardown(test_neigh_aging, setup, teardown),
		cmocka_unit_test_setup_teardown(test_neigh_ctl_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_routes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_addr_ctl, setup, teardown),
		cmocka_unit_test_setup_teardown(test_savepoint, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ctl_handlers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent, setup, teardown),
	};

	dp_test_eal();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
