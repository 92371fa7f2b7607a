/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ipvs_test_env: the fixture of the IPVS data-plane tests (test_ipvs_dp.c,
 * test_defense.c): below IPVS the real stack (inet: routes, neighbours,
 * the Ethernet header) on two fake ports without a device (netif is not
 * linked); what IPVS forwards is taken from the worker's tx buffers
 * before any flush, its Ethernet header checked and stripped. dpdk0
 * (10.0.0.254/8) faces the clients, reached through the gateway
 * 10.255.255.1; dpdk1 (192.168.200.1/24) the real servers, through
 * 192.168.200.254; both gateways are static neighbours, so nothing waits
 * for ARP. The control handlers run through the real registry
 * (ctl_test_env.h), with the bounds they registered. Include it once, in
 * the test program's one file.
 */
#ifndef DPVS_IPVS_TEST_ENV_H
#define DPVS_IPVS_TEST_ENV_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <cmocka.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "dp_test_env.h"
#include "cfg/config.h"
#include "ctl_test_env.h"
#include "control/control.h"
#include "inet/inet.h"
#include "ipvs/ipvs.h"
#include "ipvs/ipvs_priv.h"
#include "netif/netif.h"
#include "dp/dp.h"

/* ---- the ports, and what left by them ---- */

#define MAX_SENT 64
static struct rte_mbuf *sent[MAX_SENT];
static int nsent;

struct dp_port netif_ports[DP_MAX_PORTS] = {
	{ .idx = 0, .port_id = DP_PORT_NONE, .kni_port_id = DP_PORT_NONE, .mtu = 1500,
	  .mac = { { 0x02, 0, 0, 0, 0, 0x01 } }, .name = "dpdk0" },
	{ .idx = 1, .port_id = DP_PORT_NONE, .kni_port_id = DP_PORT_NONE, .mtu = 1500,
	  .mac = { { 0x02, 0, 0, 0, 0, 0x02 } }, .name = "dpdk1" },
};
unsigned netif_nports = 2;

#include "netif_fake.h"

static const struct rte_ether_addr gw_mac[2] = { { { 0x02, 0xee, 0, 0, 0, 0x01 } },
						  { { 0x02, 0xee, 0, 0, 0, 0x02 } } };

/* ---- fixtures ---- */

static struct worker wk;
static struct ctl_reply rep;

#define VIP "10.0.0.1"
#define RIP1 "192.168.1.10"
#define RIP2 "192.168.1.11"
#define CIP "172.16.0.5"

static inline uint32_t ip4(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

static inline int setup_n(uint32_t conn_max)
{
	char err[256];

	dp_test_eal();
	memset(&wk, 0, sizeof(wk));
	wk.lcore_id = rte_lcore_id();
	wk.now_sec = 1000;
	dp_worker_unregister_all();
	assert_int_equal(dp_worker_register(&wk), 0);
	if (inet_init(2, err, sizeof(err)) < 0 || ipvs_init(1, conn_max, err, sizeof(err)) < 0) {
		fprintf(stderr, "set-up: %s\n", err);
		return -1;
	}
	ctl_registry_reset();
	inet_ctl_register();
	ipvs_ctl_register();
	static const struct {
		const char *ifname, *addr;
		uint8_t plen;
	} addrs[] = { { "dpdk0", "10.0.0.254", 8 }, { "dpdk1", "192.168.200.1", 24 } };
	for (unsigned i = 0; i < 2; i++) {
		struct dpvs_addr a = { .family = AF_INET, .prefixlen = addrs[i].plen };

		snprintf(a.ifname, sizeof(a.ifname), "%s", addrs[i].ifname);
		a.addr.in.s_addr = ip4(addrs[i].addr);
		assert_int_equal(inet_addr_add(&a, err, sizeof(err)), 0);
	}
	static const struct {
		const char *ifname, *dst, *gw;
		uint8_t plen;
	} routes[] = { { "dpdk0", "0.0.0.0", "10.255.255.1", 0 },
		       { "dpdk1", "192.168.0.0", "192.168.200.254", 16 } };
	for (unsigned i = 0; i < 2; i++) {
		struct dpvs_route r = { .family = AF_INET, .prefixlen = routes[i].plen };
		struct dpvs_neigh ne = { .family = AF_INET, .state = DPVS_NEIGH_PERMANENT };

		snprintf(r.ifname, sizeof(r.ifname), "%s", routes[i].ifname);
		r.dst.in.s_addr = ip4(routes[i].dst);
		r.gateway.in.s_addr = ip4(routes[i].gw);
		assert_int_equal(inet_route_add(&r, err, sizeof(err)), 0);
		snprintf(ne.ifname, sizeof(ne.ifname), "%s", routes[i].ifname);
		ne.addr.in.s_addr = r.gateway.in.s_addr;
		memcpy(ne.mac.b, gw_mac[i].addr_bytes, 6);
		assert_int_equal(inet_neigh_add(&ne, err, sizeof(err)), 0);
	}
	nsent = 0;
	/* the settings outlive ipvs_fini (they are the control thread's):
	 * every test starts from the defaults */
	struct dpvs_defense d = { .threshold = 90, .am_droprate = 10, .evict_threshold = 100,
				  .mask = DPVS_DEF_F_ALL };
	assert_int_equal(ipvs_defense_set(&d, err, sizeof(err)), 0);
	return 0;
}

static inline int setup(void **state)
{
	(void)state;
	return setup_n(64);
}

static inline int setup_small(void **state)
{
	(void)state;
	return setup_n(4);
}

static inline int teardown(void **state)
{
	(void)state;
	for (int i = 0; i < nsent; i++)
		rte_pktmbuf_free(sent[i]);
	nsent = 0;
	for (unsigned p = 0; p < 2; p++) {
		rte_pktmbuf_free_bulk(wk.tx[p].pkts, wk.tx[p].n);
		wk.tx[p].n = 0;
	}
	ipvs_fini();
	inet_fini();
	ctl_reply_free(&rep);
	return 0;
}

static inline struct dpvs_svc svc_key(uint16_t proto, const char *vip, uint16_t port)
{
	struct dpvs_svc s;

	memset(&s, 0, sizeof(s));
	s.af = AF_INET;
	s.protocol = proto;
	s.addr.in.s_addr = ip4(vip);
	s.port = htons(port);
	return s;
}

static inline int add_svc(uint16_t proto, const char *vip, uint16_t port, const char *sched)
{
	struct dpvs_svc s = svc_key(proto, vip, port);

	snprintf(s.sched_name, sizeof(s.sched_name), "%s", sched);
	return ctl_test_call(DPVS_MSG_SVC_ADD, 0, &s, sizeof(s), &rep);
}

static inline struct dpvs_dest_req dest_req(uint16_t proto, const char *vip, uint16_t port,
				     const char *rip, uint16_t rport, int weight)
{
	struct dpvs_dest_req q;

	memset(&q, 0, sizeof(q));
	q.svc = svc_key(proto, vip, port);
	q.dest.af = AF_INET;
	q.dest.addr.in.s_addr = ip4(rip);
	q.dest.port = htons(rport);
	q.dest.conn_flags = DPVS_FWD_MASQ;
	q.dest.weight = weight;
	return q;
}

static inline int dest_op(uint16_t type, uint16_t proto, const char *vip, uint16_t port,
		   const char *rip, uint16_t rport, int weight)
{
	struct dpvs_dest_req q = dest_req(proto, vip, port, rip, rport, weight);

	return ctl_test_call(type, 0, &q, sizeof(q), &rep);
}

/* ---- packets ---- */

struct pkt {
	struct rte_ipv4_hdr ip;
	union {
		struct rte_tcp_hdr tcp;
		struct rte_udp_hdr udp;
	};
	uint8_t payload[64];
} __attribute__((packed));

static inline struct rte_mbuf *make_pkt(uint8_t proto, const char *src, uint16_t sport,
				 const char *dst, uint16_t dport, uint8_t tcp_flags, bool udp_csum)
{
	uint8_t buf[128];
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)buf;
	uint8_t *l4 = buf + sizeof(*ip);
	uint16_t l4len = proto == IPPROTO_TCP ? sizeof(struct rte_tcp_hdr) + 10 : 8 + 10;
	uint16_t tot = sizeof(*ip) + l4len;
	struct rte_mbuf *m;

	memset(buf, 0, sizeof(buf));
	ip->version_ihl = 0x45;
	ip->total_length = htons(tot);
	ip->time_to_live = 64;
	ip->next_proto_id = proto;
	ip->src_addr = ip4(src);
	ip->dst_addr = ip4(dst);
	memcpy(l4 + l4len - 10, "0123456789", 10);
	if (proto == IPPROTO_TCP) {
		struct rte_tcp_hdr *t = (struct rte_tcp_hdr *)l4;

		t->src_port = htons(sport);
		t->dst_port = htons(dport);
		t->sent_seq = htonl(12345);
		t->data_off = 5 << 4;
		t->tcp_flags = tcp_flags;
		t->rx_win = htons(65535);
		t->cksum = rte_ipv4_udptcp_cksum(ip, t);
	} else {
		struct rte_udp_hdr *u = (struct rte_udp_hdr *)l4;

		u->src_port = htons(sport);
		u->dst_port = htons(dport);
		u->dgram_len = htons(l4len);
		if (udp_csum)
			u->dgram_cksum = rte_ipv4_udptcp_cksum(ip, u);
	}
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	m = dp_test_mbuf(buf, tot);
	assert_non_null(m);
	m->l3_len = sizeof(*ip);
	return m;
}

/* Header and L4 checksums recomputed from scratch: the one's complement
 * sum over a covered region with its checksum in it is all ones. */
static inline void verify_csums(const struct rte_ipv4_hdr *ip)
{
	const uint8_t *l4 = (const uint8_t *)ip + rte_ipv4_hdr_len(ip);
	uint16_t l4len = ntohs(ip->total_length) - rte_ipv4_hdr_len(ip);
	uint32_t sum;

	assert_int_equal(rte_raw_cksum(ip, rte_ipv4_hdr_len(ip)), 0xffff);
	if (ip->next_proto_id == IPPROTO_ICMP) {
		assert_int_equal(rte_raw_cksum(l4, l4len), 0xffff);
		return;
	}
	if (ip->next_proto_id == IPPROTO_UDP && ((const struct rte_udp_hdr *)l4)->dgram_cksum == 0)
		return;
	sum = rte_ipv4_phdr_cksum(ip, 0);
	sum += rte_raw_cksum(l4, l4len);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	assert_int_equal(sum, 0xffff);
}

/* Moves what the worker queued on the ports into sent[], each checked to
 * leave from its port's MAC to that side's gateway, Ethernet header
 * stripped (the checks below read IPv4). */
static inline void collect(void)
{
	for (unsigned p = 0; p < 2; p++) {
		struct dp_txbuf *b = &wk.tx[p];

		for (unsigned i = 0; i < b->n; i++) {
			struct rte_mbuf *m = b->pkts[i];
			const struct rte_ether_hdr *e = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);

			assert_true(rte_is_same_ether_addr(&e->src_addr, &netif_ports[p].mac));
			assert_true(rte_is_same_ether_addr(&e->dst_addr, &gw_mac[p]));
			assert_int_equal(e->ether_type, RTE_BE16(RTE_ETHER_TYPE_IPV4));
			rte_pktmbuf_adj(m, sizeof(*e));
			assert_true(nsent < MAX_SENT);
			sent[nsent++] = m;
		}
		b->n = 0;
	}
}

/* ipvs_in, then what it sent collected. */
static inline enum inet_verdict ipvs_in_collect(uint16_t port, struct rte_mbuf *m)
{
	enum inet_verdict v = ipvs_in(&wk, port, m);

	collect();
	return v;
}

/* Feeds m to IPVS; expects it forwarded and returns what went out. */
static inline struct rte_ipv4_hdr *forward(struct rte_mbuf *m)
{
	int before = nsent;

	assert_int_equal(ipvs_in_collect(0, m), INET_STOLEN);
	assert_int_equal(nsent, before + 1);
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(sent[nsent - 1], struct rte_ipv4_hdr *);
	verify_csums(ip);
	return ip;
}

static inline uint64_t drops(enum dpvs_drop_reason r)
{
	return wk.cnt[0].drops[r];
}

static inline void expect_drop(struct rte_mbuf *m, enum dpvs_drop_reason r)
{
	uint64_t before = drops(r);
	int sent_before = nsent;

	assert_int_equal(ipvs_in_collect(0, m), INET_STOLEN);
	assert_int_equal(nsent, sent_before);
	assert_int_equal(drops(r), before + 1);
}

#endif /* DPVS_IPVS_TEST_ENV_H */
