/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A port on one 802.1Q VLAN (dp/vlan.h) on the whole data path: dpdk0,
 * the clients' side, is on VLAN 100. A tagged request is what the worker
 * hands the stack once dp_vlan_rx took its tag off (the test does what the
 * worker's receive does, then eth_input); it is balanced by NAT to a real
 * server on the untagged dpdk1; the reply leaves dpdk0 tagged with VLAN
 * 100 (dp.c's flush puts it on), every checksum right. Untagged frames and
 * frames of another VLAN are not the port's: received and dropped,
 * vlan-other. Frames to and from the kernel's side never carry the tag.
 * The fates add up on both ports.
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
#include "dp/vlan.h"
#include "path/path_test_env.h"
#include "path/path_io.h"

#define VID 100
#define SVC_PORT 5353

static char err[256];

static int setup(void **state)
{
	struct dpvs_svc s = p_svc_key(IPPROTO_UDP, VIP, SVC_PORT);

	(void)state;
	nheld = 0;
	snprintf(s.sched_name, sizeof(s.sched_name), "rr");
	if (path_setup(&wk, 256, err, sizeof(err)) < 0 || ipvs_svc_add(&s, err, sizeof(err)) < 0 ||
	    p_dest_fwd(&s, RIP1, SVC_PORT, DPVS_FWD_MASQ, 0, 0, 0, false, err, sizeof(err)) < 0) {
		fprintf(stderr, "set-up: %s\n", err);
		return -1;
	}
	netif_ports[P_CLI].vlan = VID;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	netif_ports[P_CLI].vlan = 0;
	release_held();
	path_teardown(&wk);
	return 0;
}

/* The frame in fb (n bytes) with an 802.1Q tag of vid after the MACs;
 * returns the new length. */
static size_t tag(size_t n, uint16_t vid)
{
	memmove(fb + 16, fb + 12, n - 12);
	fb[12] = 0x81;
	fb[13] = 0x00;
	fb[14] = (uint8_t)(vid >> 8);
	fb[15] = (uint8_t)vid;
	return n + 4;
}

/* What the worker does with a frame from dpdk0: the VLAN's receive, then
 * the stack for what it kept. */
static void rx_cli(size_t n)
{
	struct rte_mbuf *m = dp_test_mbuf(fb, (uint16_t)n);
	uint16_t k = 1;

	assert_non_null(m);
	dp_vlan_rx(&wk, P_CLI, VID, &m, &k);
	if (k)
		eth_input(&wk, P_CLI, m);
}

static struct p_l4 udp(const char *src, uint16_t sport, const char *dst, uint16_t dport)
{
	return (struct p_l4){ .proto = IPPROTO_UDP, .src = src, .sport = sport, .dst = dst,
			      .dport = dport, .payload = 20 };
}

static void test_tagged_request_balanced_reply_tagged(void **state)
{
	struct p_l4 q = udp(CIP, 40000, VIP, SVC_PORT);
	struct p_l4 r = udp(RIP1, SVC_PORT, CIP, 40000);

	(void)state;
	rx_cli(tag(p_l4_frame(fb, &q), VID));
	/* to the real server: plain Ethernet, NAT's rewrite */
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)eth_to(one_out_of(P_SRV), P_SRV,
								&rs_mac[0]);
	ip_ok(ip);
	l4_ok(ip);
	assert_int_equal(ip->dst_addr, p_ip(RIP1));
	assert_int_equal(ip->src_addr, p_ip(CIP));

	/* the reply leaves the VLAN port tagged: 0x8100, VID 100, then IPv4 */
	feed(P_SRV, p_l4_frame(fb, &r));
	struct rte_mbuf *m = one_out_of(P_CLI);
	const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
	const struct rte_ether_hdr *e = (const struct rte_ether_hdr *)f;

	assert_true(rte_is_same_ether_addr(&e->dst_addr, &cgw_mac));
	assert_true(rte_is_same_ether_addr(&e->src_addr, &p_mac[P_CLI]));
	assert_int_equal(e->ether_type, RTE_BE16(RTE_ETHER_TYPE_VLAN));
	assert_int_equal((f[14] << 8 | f[15]) & 0xfff, VID);
	assert_int_equal(f[16] << 8 | f[17], RTE_ETHER_TYPE_IPV4);
	ip = (struct rte_ipv4_hdr *)(f + 18);
	assert_int_equal(rte_pktmbuf_data_len(m), 18 + ntohs(ip->total_length));
	ip_ok(ip);
	l4_ok(ip);
	assert_int_equal(ip->src_addr, p_ip(VIP));
	assert_int_equal(ip->dst_addr, p_ip(CIP));
	fates_add_up();
}

static void test_untagged_and_other_vlans_dropped(void **state)
{
	struct p_l4 q = udp(CIP, 40001, VIP, SVC_PORT);
	struct rte_mbuf *none[2];
	uint64_t rx = wk.cnt[P_CLI].rx_packets;

	(void)state;
	rx_cli(p_l4_frame(fb, &q));		/* untagged */
	rx_cli(tag(p_l4_frame(fb, &q), 200));	/* VLAN 200 */
	rx_cli(12);				/* too short to hold a tag */
	assert_int_equal(wk.cnt[P_CLI].drops[DPVS_DROP_VLAN_OTHER], 3);
	assert_int_equal(wk.cnt[P_CLI].rx_packets, rx + 3);
	assert_int_equal(take(p_tx_ring[P_SRV], none, 2), 0);
	assert_int_equal(take(p_tx_ring[P_CLI], none, 2), 0);
	fates_add_up();
}

/* A tagged ARP request for the VIP: answered on the VLAN (tagged), and
 * the kernel's copy has no tag. */
static void test_arp_on_the_vlan(void **state)
{
	struct rte_mbuf *k[2];

	(void)state;
	size_t n = p_eth(fb, &(struct rte_ether_addr){ { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } },
			 &cgw_mac, RTE_ETHER_TYPE_ARP);
	struct rte_arp_hdr *a = (struct rte_arp_hdr *)(fb + n);

	memset(a, 0, sizeof(*a));
	a->arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
	a->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	a->arp_hlen = 6;
	a->arp_plen = 4;
	a->arp_opcode = RTE_BE16(RTE_ARP_OP_REQUEST);
	a->arp_data.arp_sha = cgw_mac;
	a->arp_data.arp_sip = p_ip(CGW);
	a->arp_data.arp_tip = p_ip(VIP);
	rx_cli(tag(n + sizeof(*a), VID));
	dp_tx_flush(&wk);
	assert_int_equal(take(p_tx_ring[P_CLI], k, 2), 1);
	const uint8_t *f = rte_pktmbuf_mtod(k[0], const uint8_t *);

	assert_int_equal(f[12] << 8 | f[13], RTE_ETHER_TYPE_VLAN);
	assert_int_equal((f[14] << 8 | f[15]) & 0xfff, VID);
	assert_int_equal(f[16] << 8 | f[17], RTE_ETHER_TYPE_ARP);
	assert_int_equal(ntohs(((const struct rte_arp_hdr *)(f + 18))->arp_opcode),
			 RTE_ARP_OP_REPLY);
	unsigned nk = take(p_kni_ring, k, 2);

	for (unsigned i = 0; i < nk; i++) {
		f = rte_pktmbuf_mtod(k[i], const uint8_t *);
		assert_int_equal(f[12] << 8 | f[13], RTE_ETHER_TYPE_ARP);
	}
	fates_add_up();
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_tagged_request_balanced_reply_tagged),
		T(test_untagged_and_other_vlans_dropped),
		T(test_arp_on_the_vlan),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
