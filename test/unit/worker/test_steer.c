/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Steering among workers (src/worker/steer.c), on synthetic frames with
 * the real stack's address table under it: the owner hash equals DPDK's
 * Toeplitz (rte_softrss) with the same key, both directions of a NAT flow
 * and the ICMP errors about it have one owner, so do those of a Full-NAT
 * flow (the reply by its local port), and the rings carry frames
 * to their owner, in order, dropping (counted, each frame once) when full.
 * A SYN to a SYN-proxy service stays on the worker it landed on (which
 * answers it with the cookie: test_synproxy_path), counted synp_local;
 * its ACK, a SYN to a plain service and a SYN-ACK still go to the owner.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>
#include <rte_thash.h>

#include "dp_test_env.h"
#include "inet/inet_test_env.h"
#include "worker/steer.h"
#include "ipvs/ipvs.h"

#define CLIENT "172.16.3.9"
#define VIP "10.0.0.100"
#define RIP "192.168.1.20"
#define LIP "192.168.1.100" /* a Full-NAT local address */

static struct worker wk[2];
/* more mbufs than a ring holds, for the ring-full case */
static struct rte_mempool *big_pool;

static int setup(void **state)
{
	char err[256];

	(void)state;
	(void)t_l4_hook; /* the stack's hook and worker of inet_test_env.h: not used here */
	(void)t_worker;
	dp_test_eal();
	memset(wk, 0, sizeof(wk));
	dp_worker_unregister_all();
	assert_int_equal(dp_worker_register(&wk[0]), 0);
	assert_int_equal(dp_worker_register(&wk[1]), 0);
	if (inet_init(T_NPORTS, err, sizeof(err)) < 0 ||
	    t_addr("dpdk0", VIP, 32, DPVS_ADDR_F_VIP, err, sizeof(err)) < 0 ||
	    t_addr("dpdk0", "10.0.0.1", 24, 0, err, sizeof(err)) < 0 ||
	    t_addr("dpdk1", "192.168.1.1", 24, 0, err, sizeof(err)) < 0 ||
	    t_addr("dpdk1", LIP, 24, 0, err, sizeof(err)) < 0 ||
	    inet_addr_set_lip(inet_addr(LIP), NULL, true, err, sizeof(err)) < 0 ||
	    steer_init(2, err, sizeof(err)) < 0) {
		fprintf(stderr, "set-up: %s\n", err);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	steer_fini();
	inet_fini();
	t_drain(&wk[0]);
	t_drain(&wk[1]);
	return 0;
}

/* An IPv4 UDP frame src:sport -> dst:dport (from big_pool when set). */
static struct rte_mbuf *udp_frame(const char *src, uint16_t sport, const char *dst, uint16_t dport)
{
	struct rte_mbuf *m;
	static const struct rte_ether_addr peer = { { 0x02, 0xaa, 0, 0, 0, 1 } };
	uint8_t b[128];
	size_t n = t_eth(b, &t_ports[0].mac, &peer, RTE_ETHER_TYPE_IPV4);
	uint16_t *u;

	n += t_ipv4(b + n, src, dst, IPPROTO_UDP, 64, 8 + 4);
	u = (uint16_t *)(b + n);
	u[0] = rte_cpu_to_be_16(sport);
	u[1] = rte_cpu_to_be_16(dport);
	u[2] = rte_cpu_to_be_16(12);
	u[3] = 0;
	n += 12;
	if (!big_pool)
		return dp_test_mbuf(b, (uint16_t)n);
	m = rte_pktmbuf_alloc(big_pool);
	assert_non_null(m);
	memcpy(rte_pktmbuf_append(m, (uint16_t)n), b, n);
	m->port = 0;
	return m;
}

/* An ICMP port unreachable from `from` to `to`, quoting src:sp -> dst:dp. */
static struct rte_mbuf *icmp_error(const char *from, const char *to, const char *src,
				   uint16_t sp, const char *dst, uint16_t dp)
{
	static const struct rte_ether_addr peer = { { 0x02, 0xaa, 0, 0, 0, 2 } };
	uint8_t b[256];
	size_t n = t_eth(b, &t_ports[0].mac, &peer, RTE_ETHER_TYPE_IPV4);
	size_t ip_at = n;

	n += t_ipv4(b + n, from, to, IPPROTO_ICMP, 64, 8 + 20 + 8);
	struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)(b + n);

	memset(ic, 0, sizeof(*ic));
	ic->icmp_type = 3;
	ic->icmp_code = 3;
	n += sizeof(*ic);
	n += t_ipv4(b + n, src, dst, IPPROTO_UDP, 63, 8);
	uint16_t *u = (uint16_t *)(b + n);
	u[0] = rte_cpu_to_be_16(sp);
	u[1] = rte_cpu_to_be_16(dp);
	u[2] = rte_cpu_to_be_16(8);
	u[3] = 0;
	n += 8;
	(void)ip_at;
	return dp_test_mbuf(b, (uint16_t)n);
}

/* The worker that polls queue q of port p (-1: none). */
static int poller(uint16_t p, uint16_t q)
{
	for (int i = 0; i < 2; i++)
		for (unsigned j = 0; j < wk[i].nb_rxq; j++)
			if (wk[i].rxq[j].port_idx == p && wk[i].rxq[j].queue_id == q)
				return i;
	return -1;
}

/* A NIC loaded with the steering key and table ([port] rss = client on
 * the client side, server on the server side; a 512-entry table as many
 * NICs have, repeating steer's 128) delivers every packet of a NAT flow,
 * either direction, to the worker that owns it: steer then moves nothing.
 * The queue numbers are crossed (worker 0 polls queue 1 of dpdk0) so that
 * the table must name queues, not workers. */
static void test_nic_table_delivers_to_owner(void **state)
{
	uint16_t q_client[STEER_RETA], q_server[STEER_RETA];
	unsigned klen;
	const uint8_t *key = steer_rss_key(&klen);
	uint32_t x = 0x2468ace1;
	char client[32];

	(void)state;
	wk[0].nb_rxq = 2;
	wk[0].rxq[0] = (struct dp_rxq){ .port_idx = 0, .queue_id = 1 };
	wk[0].rxq[1] = (struct dp_rxq){ .port_idx = 1, .queue_id = 0 };
	wk[1].nb_rxq = 2;
	wk[1].rxq[0] = (struct dp_rxq){ .port_idx = 0, .queue_id = 0 };
	wk[1].rxq[1] = (struct dp_rxq){ .port_idx = 1, .queue_id = 1 };
	assert_int_equal(klen, 40);
	assert_int_equal(steer_port_reta(0, q_client), 0);
	assert_int_equal(steer_port_reta(1, q_server), 0);
	for (int i = 0; i < 4000; i++) {
		x = x * 1103515245u + 12345u;
		uint32_t host = (x & 0x00ffffffu) | 0x0a000000u; /* 10.x.y.z */
		struct in_addr a = { .s_addr = rte_cpu_to_be_32(host) };

		snprintf(client, sizeof(client), "%s", inet_ntoa(a));
		if (strcmp(client, VIP) == 0 || strncmp(client, "10.0.0.", 7) == 0)
			continue; /* ours: not a client */
		uint32_t j = rte_softrss(&host, 1, key) & 511;
		struct rte_mbuf *req = udp_frame(client, 4000, VIP, 53);
		struct rte_mbuf *rep = udp_frame(RIP, 53, client, 4000);

		assert_int_equal(poller(0, q_client[j % STEER_RETA]), steer_owner(req));
		assert_int_equal(poller(1, q_server[j % STEER_RETA]), steer_owner(rep));
		rte_pktmbuf_free(req);
		rte_pktmbuf_free(rep);
	}
	/* a worker without a queue of the port: no table to give the NIC */
	wk[1].nb_rxq = 1;
	wk[1].rxq[0] = (struct dp_rxq){ .port_idx = 1, .queue_id = 1 };
	assert_int_equal(steer_port_reta(0, q_client), -ENOENT);
}

/* A router's "fragmentation needed" about a packet we tunnelled (IPIP
 * from our 192.168.1.1 to RIP, the client's UDP packet inside). */
static struct rte_mbuf *tunnel_error(const char *client)
{
	static const struct rte_ether_addr peer = { { 0x02, 0xaa, 0, 0, 0, 3 } };
	uint8_t b[256];
	size_t n = t_eth(b, &t_ports[1].mac, &peer, RTE_ETHER_TYPE_IPV4);

	n += t_ipv4(b + n, "192.168.1.254", "192.168.1.1", IPPROTO_ICMP, 64, 8 + 20 + 20 + 8);
	struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)(b + n);

	memset(ic, 0, sizeof(*ic));
	ic->icmp_type = 3;
	ic->icmp_code = 4;
	ic->icmp_seq_nb = rte_cpu_to_be_16(1300);
	n += sizeof(*ic);
	n += t_ipv4(b + n, "192.168.1.1", RIP, IPPROTO_IPIP, 64, 20 + 8);
	n += t_ipv4(b + n, client, VIP, IPPROTO_UDP, 64, 8);
	uint16_t *u = (uint16_t *)(b + n);
	u[0] = rte_cpu_to_be_16(4000);
	u[1] = rte_cpu_to_be_16(53);
	u[2] = rte_cpu_to_be_16(8);
	u[3] = 0;
	n += 8;
	return dp_test_mbuf(b, (uint16_t)n);
}

/* TUN: the error about the tunnelled packet belongs to the client's flow
 * inside it, not to the real server the outer header names. */
static void test_tunnel_error_owner(void **state)
{
	char client[32];
	unsigned differ = 0;

	(void)state;
	for (unsigned i = 0; i < 64; i++) {
		snprintf(client, sizeof(client), "172.16.9.%u", 1 + i);
		struct rte_mbuf *in = udp_frame(client, 4000, VIP, 53);
		struct rte_mbuf *e = tunnel_error(client);

		assert_int_equal(steer_owner(e), steer_owner(in));
		differ += steer_owner(in) != (int)(steer_hash(inet_addr(RIP)) % STEER_RETA % 2);
		rte_pktmbuf_free(in);
		rte_pktmbuf_free(e);
	}
	assert_true(differ > 0); /* the RIP's owner would have been wrong */
}

static void test_hash_is_toeplitz(void **state)
{
	static const uint8_t key[40] = {
		0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
		0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
		0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
	};
	uint32_t x = 0x12345678;

	(void)state;
	for (int i = 0; i < 10000; i++) {
		uint32_t host = x;

		x = x * 1103515245u + 12345u;
		assert_int_equal(steer_hash(rte_cpu_to_be_32(host)),
				 rte_softrss(&host, 1, key));
	}
}

/* Both directions of a flow, NAT and Full-NAT, and the ICMP errors about
 * them: one owner. */
static void test_both_directions_one_owner(void **state)
{
	unsigned seen[2] = { 0, 0 };
	char client[32];

	(void)state;
	for (unsigned i = 0; i < 200; i++) {
		snprintf(client, sizeof(client), "172.16.%u.%u", i / 50, 1 + i % 50);
		struct rte_mbuf *in = udp_frame(client, 4000, VIP, 53);
		struct rte_mbuf *out = udp_frame(RIP, 53, client, 4000);
		/* the real server's error about our packet to it, and the
		 * client's about our reply from the VIP */
		struct rte_mbuf *e_rs = icmp_error(RIP, client, client, 4000, RIP, 53);
		struct rte_mbuf *e_c = icmp_error(client, VIP, VIP, 53, client, 4000);
		int o = steer_owner(in);
		/* Full-NAT: the reply to LIP:lport (a port of worker o's share,
		 * as fnat.c picks them) and the real server's error about
		 * LIP:lport -> RIP */
		uint16_t lport = (uint16_t)(1024 + 2 * i + (unsigned)o);
		struct rte_mbuf *f_out = udp_frame(RIP, 5353, LIP, lport);
		struct rte_mbuf *f_e_rs = icmp_error(RIP, LIP, LIP, lport, RIP, 5353);

		assert_true(o == 0 || o == 1);
		assert_int_equal(steer_owner(out), o);
		assert_int_equal(steer_owner(e_rs), o);
		assert_int_equal(steer_owner(e_c), o);
		assert_int_equal(steer_owner(f_out), o);
		assert_int_equal(steer_owner(f_e_rs), o);
		seen[o]++;
		rte_pktmbuf_free(in);
		rte_pktmbuf_free(out);
		rte_pktmbuf_free(e_rs);
		rte_pktmbuf_free(e_c);
		rte_pktmbuf_free(f_out);
		rte_pktmbuf_free(f_e_rs);
	}
	/* the clients spread over both workers */
	assert_true(seen[0] > 40 && seen[1] > 40);
}

/* Full-NAT: the worker that owns a client takes local ports of its share
 * (lport % 2 == its index, ipvs/fnat.c; test_both_directions_one_owner
 * checks a flow's packets); a packet to the LIP goes by its port whoever
 * sent it, and by the address rule again once the LIP is not one. */
static void test_fnat_reply_by_port(void **state)
{
	(void)state;
	/* the port decides, whoever the real server is */
	for (uint16_t p = 1024; p < 1100; p++) {
		struct rte_mbuf *a = udp_frame(RIP, 80, LIP, p);
		struct rte_mbuf *b = udp_frame("192.168.1.21", 443, LIP, p);

		assert_int_equal(steer_owner(a), p % 2);
		assert_int_equal(steer_owner(b), p % 2);
		rte_pktmbuf_free(a);
		rte_pktmbuf_free(b);
	}
	/* not a local address any more: the address rule again */
	char err[256];
	struct rte_mbuf *m = udp_frame(RIP, 80, LIP, 1025);
	struct rte_mbuf *ref = udp_frame("10.0.0.1", 80, RIP, 1025); /* ours -> RIP: RIP's owner */

	assert_int_equal(inet_addr_set_lip(inet_addr(LIP), NULL, false, err, sizeof(err)), 0);
	assert_int_equal(steer_owner(m), steer_owner(ref));
	rte_pktmbuf_free(m);
	rte_pktmbuf_free(ref);
}

/* A client whose flows worker `o` owns. */
static void client_of(int o, char *buf, size_t len)
{
	for (unsigned i = 1; i < 250; i++) {
		snprintf(buf, len, "172.16.9.%u", i);
		struct rte_mbuf *m = udp_frame(buf, 1, VIP, 53);
		int got = steer_owner(m);

		rte_pktmbuf_free(m);
		if (got == o)
			return;
	}
	fail_msg("no client owned by worker %d", o);
}

static void test_rings_carry_and_drop(void **state)
{
	char c0[32], c1[32];
	struct rte_mbuf *pkts[DP_BURST], *got[DP_BURST];
	uint16_t n;

	(void)state;
	client_of(0, c0, sizeof(c0));
	client_of(1, c1, sizeof(c1));
	/* worker 0 receives 4 of its own and 6 of worker 1's, on dpdk1 */
	for (unsigned i = 0; i < 10; i++)
		pkts[i] = udp_frame(i < 4 ? c0 : c1, (uint16_t)(1000 + i), VIP, 53);
	n = 10;
	steer_burst(&wk[0], 1, pkts, &n);
	assert_int_equal(n, 4);
	assert_int_equal(wk[0].redirected_out, 6);
	for (unsigned i = 0; i < 4; i++)
		rte_pktmbuf_free(pkts[i]);
	/* worker 1 gets them in order, marked with the port they came by */
	n = steer_drain(&wk[1], got, DP_BURST);
	assert_int_equal(n, 6);
	assert_int_equal(wk[1].redirected_in, 6);
	for (unsigned i = 0; i < n; i++) {
		const struct rte_udp_hdr *u = rte_pktmbuf_mtod_offset(
			got[i], const struct rte_udp_hdr *, 14 + 20);

		assert_int_equal(got[i]->port, 1);
		assert_int_equal(rte_be_to_cpu_16(u->src_port), 1004 + i);
		rte_pktmbuf_free(got[i]);
	}
	assert_int_equal(steer_drain(&wk[1], got, DP_BURST), 0);
	/* worker 0's own queue stays empty: nothing was for it */
	assert_int_equal(steer_drain(&wk[0], got, DP_BURST), 0);

	/* fill the ring (it holds its size less one): the overflow is
	 * dropped as redirect-full, each dropped frame counted received once */
	unsigned total = 0, dropped = 0;

	big_pool = rte_pktmbuf_pool_create("steer_big", 8191, 0, 0, 256, SOCKET_ID_ANY);
	assert_non_null(big_pool);
	const unsigned cap = steer_ring_capacity();

	for (unsigned burst = 0; burst < (cap + 1) / DP_BURST + 2; burst++) {
		for (unsigned i = 0; i < DP_BURST; i++)
			pkts[i] = udp_frame(c1, (uint16_t)i, VIP, 53);
		n = DP_BURST;
		steer_burst(&wk[0], 0, pkts, &n);
		assert_int_equal(n, 0);
		total += DP_BURST;
	}
	dropped = (unsigned)wk[0].redirect_drops;
	assert_int_equal(dropped, total - cap);
	assert_int_equal(wk[0].cnt[0].drops[DPVS_DROP_REDIRECT_FULL], dropped);
	assert_int_equal(wk[0].cnt[0].rx_packets, dropped);
	/* and all of the rest arrive, across the ring's wrap */
	unsigned drained = 0;

	while ((n = steer_drain(&wk[1], got, DP_BURST)) > 0) {
		drained += n;
		rte_pktmbuf_free_bulk(got, n);
	}
	assert_int_equal(drained, cap);
	/* room again */
	pkts[0] = udp_frame(c1, 7, VIP, 53);
	n = 1;
	steer_burst(&wk[0], 0, pkts, &n);
	assert_int_equal(steer_drain(&wk[1], got, DP_BURST), 1);
	rte_pktmbuf_free(got[0]);
	big_pool = NULL; /* its mbufs are all back; the pool stays (no hugepages) */
}

/* A TCP frame src:sport -> dst:dport with flags (and payload bytes). */
static struct rte_mbuf *tcp_frame(const char *src, uint16_t sport, const char *dst, uint16_t dport,
				  uint8_t flags, uint16_t payload)
{
	static const struct rte_ether_addr peer = { { 0x02, 0xaa, 0, 0, 0, 4 } };
	uint8_t b[160] = { 0 };
	size_t n = t_eth(b, &t_ports[0].mac, &peer, RTE_ETHER_TYPE_IPV4);
	struct rte_tcp_hdr *th;

	n += t_ipv4(b + n, src, dst, IPPROTO_TCP, 64, (uint16_t)(sizeof(*th) + payload));
	th = (struct rte_tcp_hdr *)(b + n);
	th->src_port = rte_cpu_to_be_16(sport);
	th->dst_port = rte_cpu_to_be_16(dport);
	th->sent_seq = rte_cpu_to_be_32(1000);
	th->data_off = 5 << 4;
	th->tcp_flags = flags;
	return dp_test_mbuf(b, (uint16_t)(n + sizeof(*th) + payload));
}

static struct dpvs_svc tcp_svc(uint16_t port, uint32_t flags)
{
	struct dpvs_svc s;

	memset(&s, 0, sizeof(s));
	s.af = AF_INET;
	s.protocol = IPPROTO_TCP;
	s.addr.in.s_addr = inet_addr(VIP);
	s.port = rte_cpu_to_be_16(port);
	s.flags = flags;
	snprintf(s.sched_name, sizeof(s.sched_name), "rr");
	return s;
}

static int add_svc(uint16_t port, uint32_t flags, bool with_dest, char *err, size_t errlen)
{
	struct dpvs_svc s = tcp_svc(port, flags);
	struct dpvs_dest d;
	int rc = ipvs_svc_add(&s, err, errlen);

	if (rc < 0 || !with_dest)
		return rc;
	memset(&d, 0, sizeof(d));
	d.af = AF_INET;
	d.addr.in.s_addr = inet_addr(RIP);
	d.port = rte_cpu_to_be_16(8080);
	d.conn_flags = DPVS_FWD_MASQ;
	d.weight = 1;
	return ipvs_dest_add(&s, &d, err, errlen);
}

/* VIP:81 SYN-proxied, VIP:80 plain, VIP:82 SYN-proxied without a real
 * server (the proxy does not answer it: its owner decides, as before) */
static int setup_synp(void **state)
{
	char err[256];

	if (setup(state) < 0)
		return -1;
	if (ipvs_init(2, 1024, err, sizeof(err)) < 0 ||
	    add_svc(81, DPVS_SVC_F_SYNPROXY, true, err, sizeof(err)) < 0 ||
	    add_svc(80, 0, true, err, sizeof(err)) < 0 ||
	    add_svc(82, DPVS_SVC_F_SYNPROXY, false, err, sizeof(err)) < 0) {
		fprintf(stderr, "set-up: %s\n", err);
		return -1;
	}
	return 0;
}

static int teardown_synp(void **state)
{
	ipvs_fini();
	return teardown(state);
}

static void test_synproxy_syn_stays(void **state)
{
	char c1[32];
	struct rte_mbuf *pkts[DP_BURST], *got[DP_BURST];
	uint16_t n;

	(void)state;
	client_of(1, c1, sizeof(c1));
	/* worker 0 receives, all of them worker 1's */
	pkts[0] = tcp_frame(c1, 40000, VIP, 81, RTE_TCP_SYN_FLAG, 0);	  /* stays */
	pkts[1] = tcp_frame(c1, 40001, VIP, 81, RTE_TCP_SYN_FLAG, 10);	  /* with data: stays */
	pkts[2] = tcp_frame(c1, 40000, VIP, 81, RTE_TCP_ACK_FLAG, 0);	  /* the ACK: owner */
	pkts[3] = tcp_frame(c1, 40002, VIP, 80, RTE_TCP_SYN_FLAG, 0);	  /* plain svc: owner */
	pkts[4] = tcp_frame(c1, 40003, VIP, 81,
			    RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, 0);	  /* owner */
	pkts[5] = tcp_frame(c1, 40004, VIP, 81,
			    RTE_TCP_SYN_FLAG | RTE_TCP_RST_FLAG, 0);	  /* owner */
	pkts[6] = tcp_frame(c1, 40005, VIP, 82, RTE_TCP_SYN_FLAG, 0);	  /* no dest: owner */
	pkts[7] = udp_frame(c1, 40006, VIP, 81);			  /* UDP: owner */
	pkts[8] = tcp_frame(c1, 40007, VIP, 81,
			    RTE_TCP_SYN_FLAG | RTE_TCP_FIN_FLAG, 0);	  /* owner */
	n = 9;
	steer_burst(&wk[0], 0, pkts, &n);
	assert_int_equal(n, 2);
	assert_int_equal(wk[0].synp_local, 2);
	assert_int_equal(wk[0].redirected_out, 7);
	for (unsigned i = 0; i < n; i++) {
		const struct rte_tcp_hdr *th = rte_pktmbuf_mtod_offset(
			pkts[i], const struct rte_tcp_hdr *, 14 + 20);

		assert_int_equal(rte_be_to_cpu_16(th->src_port), 40000 + i);
		rte_pktmbuf_free(pkts[i]);
	}
	n = steer_drain(&wk[1], got, DP_BURST);
	assert_int_equal(n, 7);
	rte_pktmbuf_free_bulk(got, n);
	/* on its owner a proxied SYN is its own: nothing counted */
	pkts[0] = tcp_frame(c1, 40008, VIP, 81, RTE_TCP_SYN_FLAG, 0);
	n = 1;
	steer_burst(&wk[1], 0, pkts, &n);
	assert_int_equal(n, 1);
	assert_int_equal(wk[1].synp_local, 0);
	rte_pktmbuf_free(pkts[0]);
}

static void test_not_ipv4_stays(void **state)
{
	static const struct rte_ether_addr peer = { { 0x02, 0xaa, 0, 0, 0, 3 } };
	uint8_t b[64] = { 0 };
	size_t n = t_eth(b, &t_ports[0].mac, &peer, RTE_ETHER_TYPE_ARP);
	struct rte_mbuf *m = dp_test_mbuf(b, (uint16_t)(n + 28));

	(void)state;
	assert_int_equal(steer_owner(m), -1);
	rte_pktmbuf_free(m);
	m = dp_test_mbuf(b, 10); /* shorter than Ethernet */
	assert_int_equal(steer_owner(m), -1);
	rte_pktmbuf_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_is_toeplitz),
		cmocka_unit_test_setup_teardown(test_both_directions_one_owner, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fnat_reply_by_port, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nic_table_delivers_to_owner, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tunnel_error_owner, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rings_carry_and_drop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_ipv4_stays, setup, teardown),
		cmocka_unit_test_setup_teardown(test_synproxy_syn_stays, setup_synp,
						teardown_synp),
	};

	dp_test_eal();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
