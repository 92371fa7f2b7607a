/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Connection sync, the workers' part (src/ipvs/sync.c) through its real
 * entry points: packets through ipvs_in on a master hand conns (and their
 * persistence templates) to the sender's ring when LVS's rules say so;
 * records given to a backup's worker are installed at its next
 * ipvs_worker_timer and carry the packets of an established flow to the
 * same real server with no SYN seen, both ways, and a template sends the
 * client's new flows there too. Records that name nothing of ours are
 * counted, not installed.
 *
 * The stack below is the real one on two fake ports (as test_ipvs_dp.c):
 * dpdk0 10.0.0.254/8 faces the clients through 10.255.255.1, dpdk1
 * 192.168.200.1/24 the real servers through 192.168.200.254, both
 * gateways static neighbours.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "dp_test_env.h"
#include "ctl_test_env.h"
#include "control/control.h"
#include "inet/inet.h"
#include "ipvs/ipvs.h"
#include "ipvs/ipvs_priv.h"
#include "ipvs/sync.h"
#include "netif/netif.h"
#include "dp/dp.h"

struct dp_port netif_ports[DP_MAX_PORTS] = {
    {.idx = 0,
     .port_id = DP_PORT_NONE,
     .kni_port_id = DP_PORT_NONE,
     .mtu = 1500,
     .mac = {{0x02, 0, 0, 0, 0, 0x01}},
     .name = "dpdk0"},
    {.idx = 1,
     .port_id = DP_PORT_NONE,
     .kni_port_id = DP_PORT_NONE,
     .mtu = 1500,
     .mac = {{0x02, 0, 0, 0, 0, 0x02}},
     .name = "dpdk1"},
};
unsigned netif_nports = 2;

#include "netif_fake.h"

#define VIP  "10.0.0.1"
#define RIP1 "192.168.1.10"
#define RIP2 "192.168.1.11"
#define CIP  "172.16.0.5"

static struct worker wk;
static struct ctl_reply rep;

static uint32_t ip4(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

static int setup(void **state)
{
	char err[256];

	(void)state;
	dp_test_eal();
	memset(&wk, 0, sizeof(wk));
	wk.lcore_id = rte_lcore_id();
	wk.now_sec = 1000;
	dp_worker_unregister_all();
	assert_int_equal(dp_worker_register(&wk), 0);
	if (inet_init(2, err, sizeof(err)) < 0 || ipvs_init(1, 64, err, sizeof(err)) < 0) {
		fprintf(stderr, "set-up: %s\n", err);
		return -1;
	}
	ctl_registry_reset();
	inet_ctl_register();
	ipvs_ctl_register();
	const char *addrs[2][2] = {{"dpdk0", "10.0.0.254"}, {"dpdk1", "192.168.200.1"}};
	const char *routes[2][3] = {{"dpdk0", "0.0.0.0", "10.255.255.1"},
				    {"dpdk1", "192.168.0.0", "192.168.200.254"}};
	for (unsigned i = 0; i < 2; i++) {
		struct dpvs_addr a = {.family = AF_INET, .prefixlen = i ? 24 : 8};
		struct dpvs_route r = {.family = AF_INET, .prefixlen = i ? 16 : 0};
		struct dpvs_neigh ne = {.family = AF_INET, .state = DPVS_NEIGH_PERMANENT};

		snprintf(a.ifname, sizeof(a.ifname), "%s", addrs[i][0]);
		a.addr.in.s_addr = ip4(addrs[i][1]);
		assert_int_equal(inet_addr_add(&a, err, sizeof(err)), 0);
		snprintf(r.ifname, sizeof(r.ifname), "%s", routes[i][0]);
		r.dst.in.s_addr = ip4(routes[i][1]);
		r.gateway.in.s_addr = ip4(routes[i][2]);
		assert_int_equal(inet_route_add(&r, err, sizeof(err)), 0);
		snprintf(ne.ifname, sizeof(ne.ifname), "%s", routes[i][0]);
		ne.addr.in.s_addr = r.gateway.in.s_addr;
		ne.mac.b[0] = 0x02;
		ne.mac.b[5] = (uint8_t)(0xe0 + i);
		assert_int_equal(inet_neigh_add(&ne, err, sizeof(err)), 0);
	}
	return 0;
}

static void drop_sent(void)
{
	for (unsigned p = 0; p < 2; p++) {
		rte_pktmbuf_free_bulk(wk.tx[p].pkts, wk.tx[p].n);
		wk.tx[p].n = 0;
	}
}

static int teardown(void **state)
{
	(void)state;
	drop_sent();
	ipvs_fini();
	inet_fini();
	ctl_reply_free(&rep);
	return 0;
}

static struct dpvs_svc svc_key(uint16_t proto, uint16_t port)
{
	struct dpvs_svc s;

	memset(&s, 0, sizeof(s));
	s.af = AF_INET;
	s.protocol = proto;
	s.addr.in.s_addr = ip4(VIP);
	s.port = htons(port);
	snprintf(s.sched_name, sizeof(s.sched_name), "rr");
	return s;
}

/* The service VIP:port with RIP1 and RIP2 (NAT), with flags (persistent:
 * 360 s per client address). */
static void add_service_flags(uint16_t proto, uint16_t port, uint32_t flags)
{
	struct dpvs_svc s = svc_key(proto, port);
	struct dpvs_dest_req q;

	s.flags = flags;
	if (flags & DPVS_SVC_F_PERSISTENT) {
		s.timeout = 360;
		s.netmask = 0xffffffff;
	}
	assert_int_equal(ctl_test_call(DPVS_MSG_SVC_ADD, 0, &s, sizeof(s), &rep), 0);
	for (int i = 0; i < 2; i++) {
		memset(&q, 0, sizeof(q));
		q.svc = svc_key(proto, port);
		q.dest.af = AF_INET;
		q.dest.addr.in.s_addr = ip4(i ? RIP2 : RIP1);
		q.dest.port = htons(port);
		q.dest.conn_flags = DPVS_FWD_MASQ;
		q.dest.weight = 1;
		assert_int_equal(ctl_test_call(DPVS_MSG_DEST_ADD, 0, &q, sizeof(q), &rep), 0);
	}
}

static void add_service(uint16_t proto, uint16_t port, bool persistent)
{
	add_service_flags(proto, port, persistent ? DPVS_SVC_F_PERSISTENT : 0);
}

/* A Full-NAT service VIP:80 -> RIP1:80 with the local address LIP
 * (an address of dpdk1, the real servers' side). */
#define LIP "192.168.200.5"
static void add_fnat_service_lip(bool lip_ours);

static void add_fnat_service(void)
{
	add_fnat_service_lip(true);
}

/* The same, the LIP an address of ours or not (a floating one the other
 * director holds: [ipvs] floating_laddr). */
static void add_fnat_service_lip(bool lip_ours)
{
	struct dpvs_svc s = svc_key(IPPROTO_TCP, 80);
	struct dpvs_dest_req q;
	struct dpvs_laddr_req l;
	struct dpvs_addr a = {.ifname = "dpdk1", .family = AF_INET, .prefixlen = 24};
	char err[256];

	a.addr.in.s_addr = ip4(LIP);
	if (lip_ours)
		assert_int_equal(inet_addr_add(&a, err, sizeof(err)), 0);
	assert_int_equal(ctl_test_call(DPVS_MSG_SVC_ADD, 0, &s, sizeof(s), &rep), 0);
	memset(&q, 0, sizeof(q));
	q.svc = svc_key(IPPROTO_TCP, 80);
	q.dest.af = AF_INET;
	q.dest.addr.in.s_addr = ip4(RIP1);
	q.dest.port = htons(80);
	q.dest.conn_flags = DPVS_FWD_FULLNAT;
	q.dest.weight = 1;
	assert_int_equal(ctl_test_call(DPVS_MSG_DEST_ADD, 0, &q, sizeof(q), &rep), 0);
	memset(&l, 0, sizeof(l));
	l.svc = svc_key(IPPROTO_TCP, 80);
	l.af = AF_INET;
	l.addr.in.s_addr = ip4(LIP);
	assert_int_equal(ctl_test_call(DPVS_MSG_LADDR_ADD, 0, &l, sizeof(l), &rep),
			 lip_ours ? 0 : -EADDRNOTAVAIL);
}

/* A TCP segment (seq, ack, window, options, payload bytes) or a UDP
 * datagram into ipvs_in on port port_idx; what it sent (the IPv4 header,
 * Ethernet stripped), or NULL when nothing left. */
struct seg {
	uint32_t seq, ack;
	uint16_t win;
	const uint8_t *opt;
	uint8_t optlen, payload;
};

static struct rte_ipv4_hdr *send_seg(uint16_t port_idx, uint8_t proto, const char *src,
				     uint16_t sport, const char *dst, uint16_t dport,
				     uint8_t tcp_flags, const struct seg *sg)
{
	uint8_t buf[160];
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)buf;
	uint16_t l4len = proto == IPPROTO_TCP
			     ? (uint16_t)(sizeof(struct rte_tcp_hdr) + sg->optlen + sg->payload)
			     : 8;
	uint16_t tot = (uint16_t)(sizeof(*ip) + l4len);
	struct rte_mbuf *m;

	assert_true(tot <= sizeof(buf));
	memset(buf, 0, sizeof(buf));
	ip->version_ihl = 0x45;
	ip->total_length = htons(tot);
	ip->time_to_live = 64;
	ip->next_proto_id = proto;
	ip->src_addr = ip4(src);
	ip->dst_addr = ip4(dst);
	if (proto == IPPROTO_TCP) {
		struct rte_tcp_hdr *t = (struct rte_tcp_hdr *)(ip + 1);

		t->src_port = htons(sport);
		t->dst_port = htons(dport);
		t->sent_seq = htonl(sg->seq);
		t->recv_ack = htonl(sg->ack);
		t->data_off = (uint8_t)(((sizeof(*t) + sg->optlen) / 4) << 4);
		t->tcp_flags = tcp_flags;
		t->rx_win = htons(sg->win);
		if (sg->optlen)
			memcpy(t + 1, sg->opt, sg->optlen);
		memset((uint8_t *)(t + 1) + sg->optlen, 'x', sg->payload);
		t->cksum = rte_ipv4_udptcp_cksum(ip, t);
	} else {
		struct rte_udp_hdr *u = (struct rte_udp_hdr *)(ip + 1);

		u->src_port = htons(sport);
		u->dst_port = htons(dport);
		u->dgram_len = htons(l4len);
	}
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	m = dp_test_mbuf(buf, tot);
	assert_non_null(m);
	m->l3_len = sizeof(*ip);
	drop_sent();
	assert_int_equal(ipvs_in(&wk, port_idx, m), INET_STOLEN);
	for (unsigned p = 0; p < 2; p++)
		if (wk.tx[p].n == 1)
			return rte_pktmbuf_mtod_offset(wk.tx[p].pkts[0], struct rte_ipv4_hdr *,
						       sizeof(struct rte_ether_hdr));
	return NULL;
}

static struct rte_ipv4_hdr *send_pkt(uint16_t port_idx, uint8_t proto, const char *src,
				     uint16_t sport, const char *dst, uint16_t dport,
				     uint8_t tcp_flags)
{
	return send_seg(port_idx, proto, src, sport, dst, dport, tcp_flags,
			&(struct seg){.win = 1000});
}

/* The conn CIP:40000 -> VIP:80 by LIP:lport to RIP1:80 carries a packet
 * each way, rewritten. */
static void fnat_conn_passes(uint16_t lport)
{
	struct rte_ipv4_hdr *ip = send_pkt(1, IPPROTO_TCP, RIP1, 80, LIP, lport, RTE_TCP_ACK_FLAG);

	assert_non_null(ip);
	assert_int_equal(ip->src_addr, ip4(VIP));
	assert_int_equal(ip->dst_addr, ip4(CIP));
	ip = send_pkt(0, IPPROTO_TCP, CIP, 40000, VIP, 80, RTE_TCP_ACK_FLAG);
	assert_non_null(ip);
	assert_int_equal(ip->src_addr, ip4(LIP));
	assert_int_equal(ntohs(*(const uint16_t *)(ip + 1)), lport);
	assert_int_equal(ip->dst_addr, ip4(RIP1));
}

static struct ipvs_sync_wcounts counts(void)
{
	struct ipvs_sync_wcounts c;

	ipvs_sync_counts(&c);
	return c;
}

/* ---- master ---- */

static void test_master_hands_established_conn_and_template(void **state)
{
	struct ipvs_sync_rec r[8];
	struct rte_ipv4_hdr *ip;
	uint32_t rip;

	(void)state;
	add_service(IPPROTO_TCP, 80, true);
	ipvs_sync_set_master(true);
	ip = send_pkt(0, IPPROTO_TCP, CIP, 40000, VIP, 80, RTE_TCP_SYN_FLAG);
	assert_non_null(ip);
	rip = ip->dst_addr;
	/* SYN_RECV is not a state LVS syncs */
	assert_int_equal(ipvs_sync_take(0, r, 8), 0);
	assert_non_null(send_pkt(1, IPPROTO_TCP, rip == ip4(RIP1) ? RIP1 : RIP2, 80, CIP, 40000,
				 RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG));
	assert_non_null(send_pkt(0, IPPROTO_TCP, CIP, 40000, VIP, 80, RTE_TCP_ACK_FLAG));
	/* ESTABLISHED: the conn, then its template */
	assert_int_equal(ipvs_sync_take(0, r, 8), 2);
	assert_int_equal(r[0].protocol, IPPROTO_TCP);
	assert_int_equal(r[0].state, IPVS_TCP_ESTABLISHED);
	assert_int_equal(r[0].flags, IPVS_SYNC_F_MASQ); /* active: no INACTIVE bit */
	assert_int_equal(r[0].caddr.in.s_addr, ip4(CIP));
	assert_int_equal(ntohs(r[0].cport), 40000);
	assert_int_equal(r[0].vaddr.in.s_addr, ip4(VIP));
	assert_int_equal(r[0].daddr.in.s_addr, rip);
	assert_int_equal(ntohs(r[0].dport), 80);
	assert_int_equal(r[0].timeout, 900);
	assert_int_equal(r[1].flags, IPVS_SYNC_F_TEMPLATE);
	assert_int_equal(r[1].protocol, IPPROTO_TCP);
	assert_int_equal(r[1].cport, 0);
	assert_int_equal(r[1].daddr.in.s_addr, rip);
	assert_int_equal(r[1].timeout, 360);
	/* the client's FIN (LVS's input row: CLOSE_WAIT) is synced too, at once */
	assert_non_null(
	    send_pkt(0, IPPROTO_TCP, CIP, 40000, VIP, 80, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG));
	assert_int_equal(ipvs_sync_take(0, r, 8), 2);
	assert_int_equal(r[0].state, IPVS_TCP_CLOSE_WAIT);
	assert_int_equal(r[0].timeout, 60);
	assert_int_equal(r[0].flags, IPVS_SYNC_F_INACTIVE);
	assert_int_equal(counts().queued, 4);

	/* off: nothing more is handed over */
	ipvs_sync_set_master(false);
	assert_non_null(send_pkt(0, IPPROTO_TCP, CIP, 40001, VIP, 80, RTE_TCP_SYN_FLAG));
	assert_int_equal(ipvs_sync_take(0, r, 8), 0);
}

/* A conn alive a timeout after its timer was set (the wheel comes round
 * to it) is handed over again, so the backup's copy does not run out. */
static void test_master_refreshes_live_conns(void **state)
{
	struct ipvs_sync_rec r[4];
	struct rte_ipv4_hdr *ip;

	(void)state;
	add_service(IPPROTO_TCP, 80, false);
	ipvs_sync_set_master(true);
	ip = send_pkt(0, IPPROTO_TCP, CIP, 40000, VIP, 80, RTE_TCP_SYN_FLAG);
	assert_non_null(ip);
	assert_non_null(send_pkt(1, IPPROTO_TCP, ip->dst_addr == ip4(RIP1) ? RIP1 : RIP2, 80, CIP,
				 40000, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG));
	assert_non_null(send_pkt(0, IPPROTO_TCP, CIP, 40000, VIP, 80, RTE_TCP_ACK_FLAG));
	assert_int_equal(ipvs_sync_take(0, r, 4), 1);
	/* linked at its SYN_RECV timeout (60 s): the wheel comes round then */
	for (int s = 0; s < 61; s++) {
		wk.now_sec++;
		ipvs_worker_timer(&wk);
	}
	assert_int_equal(ipvs_sync_take(0, r, 4), 1);
	assert_int_equal(r[0].state, IPVS_TCP_ESTABLISHED);
	ipvs_sync_set_master(false);
}

static void test_master_udp_on_first_packet(void **state)
{
	struct ipvs_sync_rec r[4];

	(void)state;
	add_service(IPPROTO_UDP, 53, false);
	ipvs_sync_set_master(true);
	assert_non_null(send_pkt(0, IPPROTO_UDP, CIP, 5353, VIP, 53, 0));
	assert_int_equal(ipvs_sync_take(0, r, 4), 1);
	assert_int_equal(r[0].protocol, IPPROTO_UDP);
	assert_int_equal(r[0].state, 0);
	assert_int_equal(r[0].flags, IPVS_SYNC_F_INACTIVE);
	assert_int_equal(r[0].timeout, 300);
	/* its next datagrams are not synced again */
	assert_non_null(send_pkt(0, IPPROTO_UDP, CIP, 5353, VIP, 53, 0));
	assert_int_equal(ipvs_sync_take(0, r, 4), 0);
	ipvs_sync_set_master(false);
}

/* ---- backup ---- */

static struct ipvs_sync_rec rec(uint8_t proto, const char *rip, uint16_t cport, uint16_t state,
				uint32_t timeout)
{
	struct ipvs_sync_rec r;

	memset(&r, 0, sizeof(r));
	r.af = AF_INET;
	r.protocol = proto;
	r.state = state;
	r.cport = htons(cport);
	r.vport = htons(80);
	r.dport = htons(80);
	r.timeout = timeout;
	r.caddr.in.s_addr = ip4(CIP);
	r.vaddr.in.s_addr = ip4(VIP);
	r.daddr.in.s_addr = ip4(rip);
	return r;
}

/* One installed conn as the listing shows it. */
static const struct dpvs_conn *conn_listed(uint16_t cport, uint32_t *n)
{
	struct dpvs_conn_query q = {.max = 100};
	const struct dpvs_list *l;
	const struct dpvs_conn *c;

	assert_int_equal(ctl_test_call(DPVS_MSG_CONN_LIST, 0, &q, sizeof(q), &rep), 0);
	l = (const struct dpvs_list *)ctl_test_payload(&rep);
	c = (const struct dpvs_conn *)(l + 1);
	*n = l->count;
	for (uint32_t i = 0; i < l->count; i++)
		if (ntohs(c[i].cport) == cport && !(c[i].flags & DPVS_CONN_F_TEMPLATE))
			return &c[i];
	return NULL;
}

/* A conn a backup holds from records alone is not sent back when its
 * timer comes round (two directors running both daemons would keep it
 * alive between them for ever); once it carries traffic here it is. */
static void test_synced_conn_not_echoed(void **state)
{
	struct ipvs_sync_rec r = rec(IPPROTO_TCP, RIP1, 40000, IPVS_TCP_ESTABLISHED, 60);
	struct ipvs_sync_rec out[4];

	(void)state;
	add_service(IPPROTO_TCP, 80, false);
	ipvs_sync_set_master(true);
	assert_int_equal(ipvs_sync_give(0, &r), 0);
	ipvs_worker_timer(&wk); /* installed: its slot at now + 63 */
	for (int s = 0; s < 30; s++) {
		wk.now_sec++;
		ipvs_worker_timer(&wk);
	}
	assert_int_equal(ipvs_sync_give(0, &r), 0); /* the master says: still alive */
	for (int s = 0; s < 40; s++) {
		wk.now_sec++;
		ipvs_worker_timer(&wk);
	}
	assert_int_equal(counts().updated, 1);
	assert_int_equal(ipvs_sync_take(0, out, 4), 0);
	/* the VIP moved here: its packets make it ours to sync */
	assert_non_null(send_pkt(0, IPPROTO_TCP, CIP, 40000, VIP, 80, RTE_TCP_ACK_FLAG));
	for (int s = 0; s < 30; s++) {
		wk.now_sec++;
		ipvs_worker_timer(&wk);
	}
	assert_int_equal(ipvs_sync_take(0, out, 4), 1);
	assert_int_equal(ntohs(out[0].cport), 40000);
	ipvs_sync_set_master(false);
}

static void test_backup_installs_and_forwards_midstream(void **state)
{
	struct ipvs_sync_rec r = rec(IPPROTO_TCP, RIP2, 40000, IPVS_TCP_ESTABLISHED, 900);
	const struct dpvs_conn *c;
	struct rte_ipv4_hdr *ip;
	uint32_t n;

	(void)state;
	add_service(IPPROTO_TCP, 80, false);
	assert_int_equal(ipvs_sync_give(0, &r), 0);
	/* installed by the worker at its next loop, not by the giver */
	assert_null(conn_listed(40000, &n));
	ipvs_worker_timer(&wk);
	c = conn_listed(40000, &n);
	assert_non_null(c);
	assert_string_equal(c->state, "ESTABLISHED");
	assert_int_equal(c->expires_sec, 900 + IPVS_SYNC_SLACK);
	assert_int_equal(c->daddr.in.s_addr, ip4(RIP2));
	assert_int_equal(counts().installed, 1);

	/* the VIP moved here: a segment in the middle of the flow (no SYN)
	 * goes to the same real server, and its answer back to the client */
	ip = send_pkt(0, IPPROTO_TCP, CIP, 40000, VIP, 80, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG);
	assert_non_null(ip);
	assert_int_equal(ip->dst_addr, ip4(RIP2));
	ip = send_pkt(1, IPPROTO_TCP, RIP2, 80, CIP, 40000, RTE_TCP_ACK_FLAG);
	assert_non_null(ip);
	assert_int_equal(ip->src_addr, ip4(VIP));
	assert_int_equal(ip->dst_addr, ip4(CIP));
	assert_int_equal(wk.cnt[0].drops[DPVS_DROP_CONN_NOT_SYN], 0);

	/* a later record of the same conn moves its state and timer */
	r = rec(IPPROTO_TCP, RIP2, 40000, IPVS_TCP_FIN_WAIT, 120);
	assert_int_equal(ipvs_sync_give(0, &r), 0);
	ipvs_worker_timer(&wk);
	c = conn_listed(40000, &n);
	assert_string_equal(c->state, "FIN_WAIT");
	assert_int_equal(c->expires_sec, 120 + IPVS_SYNC_SLACK);
	assert_int_equal(counts().updated, 1);
	assert_int_equal(n, 1);
}

/* Full-NAT: the master's record carries LIP:lport (dpvs's option); the
 * backup makes the conn with the same ones, so the real server's answer
 * to LIP:lport finds it, and the client's next segment leaves from there. */
static void test_fullnat_conn_round_trip(void **state)
{
	struct ipvs_sync_rec r[4];
	struct rte_ipv4_hdr *ip;
	uint16_t lport;

	(void)state;
	add_fnat_service();
	ipvs_sync_set_master(true);
	ip = send_pkt(0, IPPROTO_TCP, CIP, 40000, VIP, 80, RTE_TCP_SYN_FLAG);
	assert_non_null(ip);
	assert_int_equal(ip->src_addr, ip4(LIP));
	lport = *(const uint16_t *)(ip + 1);
	assert_non_null(send_pkt(1, IPPROTO_TCP, RIP1, 80, LIP, ntohs(lport),
				 RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG));
	assert_non_null(send_pkt(0, IPPROTO_TCP, CIP, 40000, VIP, 80, RTE_TCP_ACK_FLAG));
	assert_int_equal(ipvs_sync_take(0, r, 4), 1);
	assert_int_equal(r[0].has_local, 1);
	assert_int_equal(r[0].laddr, ip4(LIP));
	assert_int_equal(r[0].lport, lport);
	assert_int_equal(r[0].flags & IPVS_SYNC_F_FWD_MASK, IPVS_SYNC_F_MASQ);
	ipvs_sync_set_master(false);

	/* the backup: a fresh table with the same service and LIP */
	teardown(NULL);
	assert_int_equal(setup(NULL), 0);
	add_fnat_service();
	r[0].lport = htons(5000);
	assert_int_equal(ipvs_sync_give(0, &r[0]), 0);
	ipvs_worker_timer(&wk);
	assert_int_equal(counts().installed, 1);
	fnat_conn_passes(5000);
	/* a LIP the service does not have here: counted, not made */
	r[0].cport = htons(40001);
	r[0].laddr = ip4("192.168.200.6");
	assert_int_equal(ipvs_sync_give(0, &r[0]), 0);
	ipvs_worker_timer(&wk);
	assert_int_equal(counts().unsupported, 1);
	assert_int_equal(counts().installed, 1);
}

/* ctl's dpip addr add/del of LIP/24 on dpdk1: its status. */
static int lip_addr(uint16_t type)
{
	struct dpvs_addr a = {.ifname = "dpdk1", .family = AF_INET, .prefixlen = 24};

	a.addr.in.s_addr = ip4(LIP);
	return ctl_test_call(type, 0, &a, sizeof(a), &rep);
}

/* Two directors, Full-NAT ([ipvs] floating_laddr): the backup holds the
 * service's LIP before the address is its own, installs the master's
 * conn with its LIP:lport, passes none of its packets (either way) until
 * dpip addr add brings the LIP (flagged at once), and new conns take no
 * absent LIP; dpip addr del gives it up again. Without floating LIPs both
 * stay refused. */
static void test_backup_fnat_floating_lip(void **state)
{
	struct dpvs_laddr_req l;
	struct ipvs_sync_rec r = rec(IPPROTO_TCP, RIP1, 40000, IPVS_TCP_ESTABLISHED, 900);
	struct rte_ipv4_hdr *ip;

	(void)state;
	add_fnat_service_lip(false); /* its LIP refused: not ours, one director */
	memset(&l, 0, sizeof(l));
	l.svc = svc_key(IPPROTO_TCP, 80);
	l.af = AF_INET;
	l.addr.in.s_addr = ip4(LIP);
	ipvs_set_laddr_float(true);
	snprintf(l.ifname, sizeof(l.ifname), "nosuch0");
	assert_int_equal(ctl_test_call(DPVS_MSG_LADDR_ADD, 0, &l, sizeof(l), &rep), -ENODEV);
	snprintf(l.ifname, sizeof(l.ifname), "dpdk1");
	assert_int_equal(ctl_test_call(DPVS_MSG_LADDR_ADD, 0, &l, sizeof(l), &rep), 0);
	assert_true(inet_lip_is_held(ip4(LIP)));
	assert_false(inet_addr_is_local(ip4(LIP)));

	/* the master's conn, CIP:40000 -> VIP:80 by LIP:5000 */
	r.has_local = 1;
	r.laddr = ip4(LIP);
	r.lport = htons(5000);
	assert_int_equal(ipvs_sync_give(0, &r), 0);
	ipvs_worker_timer(&wk);
	assert_int_equal(counts().installed, 1);

	/* not ours yet: counted, not passed, either way */
	assert_null(send_pkt(1, IPPROTO_TCP, RIP1, 80, LIP, 5000, RTE_TCP_ACK_FLAG));
	assert_int_equal(wk.cnt[1].drops[DPVS_DROP_FNAT_LIP_ABSENT], 1);
	assert_null(send_pkt(0, IPPROTO_TCP, CIP, 40000, VIP, 80, RTE_TCP_ACK_FLAG));
	assert_int_equal(wk.cnt[0].drops[DPVS_DROP_FNAT_LIP_ABSENT], 1);
	/* and a new conn has no LIP of ours to leave from */
	assert_null(send_pkt(0, IPPROTO_TCP, CIP, 40001, VIP, 80, RTE_TCP_SYN_FLAG));
	assert_int_equal(wk.cnt[0].drops[DPVS_DROP_FNAT_NO_LADDR], 1);

	/* the takeover: dpip addr add flags it as it comes */
	assert_int_equal(lip_addr(DPVS_MSG_ADDR_ADD), 0);
	assert_true(inet_addr_is_lip(ip4(LIP)));
	assert_false(inet_lip_is_held(ip4(LIP)));
	fnat_conn_passes(5000);
	ip = send_pkt(0, IPPROTO_TCP, CIP, 40001, VIP, 80, RTE_TCP_SYN_FLAG);
	assert_non_null(ip);
	assert_int_equal(ip->src_addr, ip4(LIP));

	/* giving it up (a director turned backup): allowed, held again */
	assert_int_equal(lip_addr(DPVS_MSG_ADDR_DEL), 0);
	assert_true(inet_lip_is_held(ip4(LIP)));
	assert_false(inet_addr_is_lip(ip4(LIP)));
	/* one director again: the address back, and no longer deletable */
	ipvs_set_laddr_float(false);
	assert_int_equal(lip_addr(DPVS_MSG_ADDR_ADD), 0);
	assert_true(inet_addr_is_lip(ip4(LIP)));
	assert_int_equal(lip_addr(DPVS_MSG_ADDR_DEL), -EBUSY);
	/* the service lets it go: neither flagged nor held */
	assert_int_equal(ctl_test_call(DPVS_MSG_LADDR_DEL, 0, &l, sizeof(l), &rep), 0);
	assert_false(inet_addr_is_lip(ip4(LIP)));
	assert_false(inet_lip_is_held(ip4(LIP)));
}

static void test_backup_template_steers_new_flows(void **state)
{
	struct ipvs_sync_rec t = rec(IPPROTO_TCP, RIP2, 0, 0, 360);
	struct rte_ipv4_hdr *ip;

	(void)state;
	add_service(IPPROTO_TCP, 80, true);
	t.flags = IPVS_SYNC_F_TEMPLATE;
	t.cport = 0;
	assert_int_equal(ipvs_sync_give(0, &t), 0);
	ipvs_worker_timer(&wk);
	assert_int_equal(counts().templates, 1);
	/* rr would pick RIP1 first; the synced template says RIP2 */
	for (uint16_t p = 0; p < 3; p++) {
		ip =
		    send_pkt(0, IPPROTO_TCP, CIP, (uint16_t)(41000 + p), VIP, 80, RTE_TCP_SYN_FLAG);
		assert_non_null(ip);
		assert_int_equal(ip->dst_addr, ip4(RIP2));
	}
}

static void test_backup_counts_what_it_cannot_install(void **state)
{
	struct ipvs_sync_rec r;
	struct ipvs_sync_wcounts w;
	uint32_t n;

	(void)state;
	add_service(IPPROTO_TCP, 80, false);
	r = rec(IPPROTO_TCP, RIP1, 1, 1, 900);
	r.vport = htons(81); /* no such service */
	assert_int_equal(ipvs_sync_give(0, &r), 0);
	r = rec(IPPROTO_TCP, "192.168.1.99", 2, 1, 900); /* no such real server */
	assert_int_equal(ipvs_sync_give(0, &r), 0);
	r = rec(IPPROTO_TCP, RIP1, 3, 1, 900);
	r.af = AF_INET6;
	assert_int_equal(ipvs_sync_give(0, &r), 0);
	r = rec(IPPROTO_SCTP, RIP1, 4, 1, 900);
	assert_int_equal(ipvs_sync_give(0, &r), 0);
	ipvs_worker_timer(&wk);
	w = counts();
	assert_int_equal(w.no_service, 1);
	assert_int_equal(w.no_dest, 1);
	assert_int_equal(w.unsupported, 2);
	assert_int_equal(w.installed, 0);
	assert_null(conn_listed(1, &n));
	assert_int_equal(n, 0);
}

/* A full install ring is a refusal the giver counts, never a wait; the
 * worker installs a bounded number per loop. */
static void test_backup_ring_bounds(void **state)
{
	struct ipvs_sync_rec r = rec(IPPROTO_TCP, RIP1, 1, 1, 900);
	unsigned given = 0;

	(void)state;
	add_service(IPPROTO_TCP, 80, false);
	while (ipvs_sync_give(0, &r) == 0 && given < 2 * IPVS_SYNC_RING_SIZE)
		given++;
	assert_true(given < IPVS_SYNC_RING_SIZE);
	ipvs_worker_timer(&wk);
	assert_int_equal(counts().installed + counts().updated, IPVS_SYNC_INSTALL_BURST);
	assert_int_equal(ipvs_sync_give(0, &r), 0);
}

/* ---- SYN-proxy conns (sync_synp.c) ---- */

#define CISN   1000u
#define RS_ISN 0xfffffff0u /* the real server's numbers wrap at once */
/* Linux's SYN options: MSS 1460, SACK-permitted, NOP, window scale 7 */
static const uint8_t syn_opts[] = {2, 4, 0x05, 0xb4, 4, 2, 1, 3, 3, 7, 1, 1};
/* the real server's SYN-ACK: MSS 1360, NOP, window scale 5 */
static const uint8_t rs_opts[] = {2, 4, 0x05, 0x50, 1, 3, 3, 5};

static const struct rte_tcp_hdr *tcp_of_ip(struct rte_ipv4_hdr *ip)
{
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);
	uint16_t was = th->cksum, ip_was = ip->hdr_checksum;

	/* whatever was rewritten, both checksums are the ones computed
	 * from scratch */
	ip->hdr_checksum = 0;
	assert_int_equal(rte_ipv4_cksum(ip), ip_was);
	ip->hdr_checksum = ip_was;
	th->cksum = 0;
	assert_int_equal(rte_ipv4_udptcp_cksum(ip, th), was);
	th->cksum = was;
	return th;
}

/* The client's handshake with a proxied VIP:80 from cport, through to
 * the real server's SYN-ACK (from RIP1): the cookie the client holds. */
static uint32_t proxied_handshake(uint16_t cport)
{
	struct rte_ipv4_hdr *ip;
	uint32_t cookie;

	ip = send_seg(
	    0, IPPROTO_TCP, CIP, cport, VIP, 80, RTE_TCP_SYN_FLAG,
	    &(struct seg){.seq = CISN, .win = 64240, .opt = syn_opts, .optlen = sizeof(syn_opts)});
	assert_non_null(ip); /* the SYN-ACK, from the proxy */
	assert_int_equal(ip->dst_addr, ip4(CIP));
	cookie = ntohl(tcp_of_ip(ip)->sent_seq);
	ip = send_seg(0, IPPROTO_TCP, CIP, cport, VIP, 80, RTE_TCP_ACK_FLAG,
		      &(struct seg){.seq = CISN + 1, .ack = cookie + 1, .win = 1000});
	assert_non_null(ip); /* the SYN to the real server */
	assert_int_equal(ip->dst_addr, ip4(RIP1));
	assert_int_equal(tcp_of_ip(ip)->tcp_flags, RTE_TCP_SYN_FLAG);
	ip = send_seg(1, IPPROTO_TCP, RIP1, 80, CIP, cport, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG,
		      &(struct seg){.seq = RS_ISN,
				    .ack = CISN + 1,
				    .win = 29200,
				    .opt = rs_opts,
				    .optlen = sizeof(rs_opts)});
	assert_non_null(ip); /* our ACK of it, for the client */
	assert_int_equal(ip->dst_addr, ip4(RIP1));
	assert_int_equal(ntohl(tcp_of_ip(ip)->recv_ack), RS_ISN + 1);
	return cookie;
}

/* A segment of the spliced conn each way, translated: the real server's
 * seq to the cookie's numbers and its window (shift 5) to the client's
 * shift 7; the client's ack to the real server's numbers, its window at
 * the shift the real server accepted (the client's own). */
static void spliced_conn_passes(uint16_t cport, uint32_t cookie)
{
	uint64_t absorbed = wk.cnt[0].drops[DPVS_DROP_SYNP_ABSORBED];
	const struct rte_tcp_hdr *th;
	struct rte_ipv4_hdr *ip;

	ip =
	    send_seg(1, IPPROTO_TCP, RIP1, 80, CIP, cport, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG,
		     &(struct seg){.seq = RS_ISN + 1, .ack = CISN + 11, .win = 100, .payload = 20});
	assert_non_null(ip);
	assert_int_equal(ip->src_addr, ip4(VIP));
	assert_int_equal(ip->dst_addr, ip4(CIP));
	th = tcp_of_ip(ip);
	assert_int_equal(ntohl(th->sent_seq), cookie + 1);
	assert_int_equal(ntohl(th->recv_ack), CISN + 11);
	assert_int_equal(ntohs(th->rx_win), 100 << 5 >> 7);
	ip = send_seg(0, IPPROTO_TCP, CIP, cport, VIP, 80, RTE_TCP_ACK_FLAG,
		      &(struct seg){.seq = CISN + 11, .ack = cookie + 21, .win = 1000});
	assert_non_null(ip);
	assert_int_equal(ip->dst_addr, ip4(RIP1));
	th = tcp_of_ip(ip);
	assert_int_equal(ntohl(th->sent_seq), CISN + 11);
	assert_int_equal(ntohl(th->recv_ack), RS_ISN + 21);
	assert_int_equal(ntohs(th->rx_win), 1000);
	assert_int_equal(wk.cnt[0].drops[DPVS_DROP_SYNP_ABSORBED], absorbed);
}

static void rec_collect(const struct ipvs_sync_rec *r, void *arg)
{
	*(struct ipvs_sync_rec *)arg = *r;
}

/* r through the wire and back, as the backup's control thread has it */
static struct ipvs_sync_rec wire(const struct ipvs_sync_rec *r)
{
	uint8_t buf[IPVS_SYNC_HDR_LEN + IPVS_SYNC_REC_MAX];
	struct ipvs_sync_msg m;
	struct ipvs_sync_dec d;
	struct ipvs_sync_rec out;

	ipvs_sync_msg_init(&m, buf, sizeof(buf), 1);
	assert_int_equal(ipvs_sync_msg_add(&m, r), 0);
	memset(&out, 0, sizeof(out));
	assert_int_equal(ipvs_sync_decode(buf, m.len, 1, rec_collect, &out, &d), IPVS_SYNC_OK);
	assert_int_equal(d.recs, 1);
	return out;
}

/* The master hands a proxied conn over when the splice makes it
 * ESTABLISHED (inside the proxy) with the offset as LVS's out_seq and the
 * window scales in dpvs's option, and again on its next changes; the
 * backup, from the record through the wire alone, installs it spliced
 * and translates the next segments both ways as the master would. */
static void test_synproxy_splice_master_to_backup(void **state)
{
	struct ipvs_sync_rec r[4], est;
	uint32_t cookie;

	(void)state;
	add_service_flags(IPPROTO_TCP, 80, DPVS_SVC_F_SYNPROXY);
	ipvs_sync_set_master(true);
	cookie = proxied_handshake(40000);
	assert_int_equal(ipvs_sync_take(0, r, 4), 1); /* the splice alone: no SYN_RECV */
	assert_int_equal(r[0].state, IPVS_TCP_ESTABLISHED);
	assert_int_equal(r[0].flags, IPVS_SYNC_F_MASQ | IPVS_SYNC_F_OUT_SEQ);
	assert_int_equal(r[0].has_seq, 1);
	assert_int_equal(r[0].out_seq.delta, cookie - RS_ISN);
	assert_int_equal(r[0].out_seq.previous_delta, cookie - RS_ISN);
	assert_int_equal(r[0].in_seq.delta, 0);
	assert_int_equal(r[0].has_synp, 1);
	assert_int_equal(r[0].synp_ws, 7 << 4 | 5);
	assert_int_equal(r[0].synp_flags, IPVS_SYNC_SYNP_SPLICED);
	assert_int_equal(r[0].daddr.in.s_addr, ip4(RIP1));
	est = r[0];
	spliced_conn_passes(40000, cookie);
	/* the client's FIN: once more, with the splice, and no template
	 * (the union that holds a persistent conn's holds the splice) */
	assert_non_null(send_seg(0, IPPROTO_TCP, CIP, 40000, VIP, 80,
				 RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG,
				 &(struct seg){.seq = CISN + 11, .ack = cookie + 21, .win = 1000}));
	assert_int_equal(ipvs_sync_take(0, r, 4), 1);
	assert_int_equal(r[0].state, IPVS_TCP_CLOSE_WAIT);
	assert_int_equal(r[0].out_seq.delta, cookie - RS_ISN);
	assert_int_equal(r[0].synp_flags, IPVS_SYNC_SYNP_SPLICED);
	ipvs_sync_set_master(false);

	/* the backup: a fresh table with the same service */
	teardown(NULL);
	assert_int_equal(setup(NULL), 0);
	add_service_flags(IPPROTO_TCP, 80, DPVS_SVC_F_SYNPROXY);
	est = wire(&est);
	assert_int_equal(ipvs_sync_give(0, &est), 0);
	ipvs_worker_timer(&wk);
	assert_int_equal(counts().installed, 1);
	assert_int_equal(counts().synproxy, 1);
	/* the VIP moved here: the flow goes on with the master's splice */
	spliced_conn_passes(40000, cookie);
}

/* A record of the proxied conn CIP:40000 -> VIP:80 -> RIP1 whose client
 * holds cookie: spliced to a real server of ISN RS_ISN and shift 5 (the
 * offset as LVS's out_seq), or not yet (the cookie in dpvs's option). */
static struct ipvs_sync_rec synp_rec(uint32_t cookie, bool spliced)
{
	struct ipvs_sync_rec r =
	    rec(IPPROTO_TCP, RIP1, 40000, spliced ? IPVS_TCP_ESTABLISHED : IPVS_TCP_SYN_RECV,
		spliced ? 900 : 30);

	r.has_synp = 1;
	if (!spliced) {
		r.synp_ws = 7 << 4 | 15; /* the client's 7; the real server's unknown */
		r.synp_cookie = cookie;
		return r;
	}
	r.synp_ws = 7 << 4 | 5;
	r.synp_flags = IPVS_SYNC_SYNP_SPLICED;
	r.flags = IPVS_SYNC_F_OUT_SEQ;
	r.has_seq = 1;
	r.out_seq.delta = r.out_seq.previous_delta = cookie - RS_ISN;
	return r;
}

/* A record of a proxied conn not yet spliced (the cookie answered, the
 * real server not yet): the backup keeps the cookie, absorbs the client's
 * segments (it cannot verify another director's cookie) and splices when
 * the real server's SYN-ACK comes again, with the offset the client's
 * numbers need; then a spliced record of it changes nothing that packets
 * here made (the conn is this director's now). */
static void test_synproxy_unspliced_record(void **state)
{
	const uint32_t cookie = 0x5000u;
	struct ipvs_sync_rec r = synp_rec(cookie, false);
	struct rte_ipv4_hdr *ip;

	(void)state;
	add_service_flags(IPPROTO_TCP, 80, DPVS_SVC_F_SYNPROXY);
	r = wire(&r);
	assert_int_equal(ipvs_sync_give(0, &r), 0);
	ipvs_worker_timer(&wk);
	assert_int_equal(counts().installed, 1);
	assert_int_equal(counts().synproxy, 1);
	/* the client's data before the splice: absorbed, nothing sent */
	assert_null(send_seg(
	    0, IPPROTO_TCP, CIP, 40000, VIP, 80, RTE_TCP_ACK_FLAG,
	    &(struct seg){.seq = CISN + 1, .ack = cookie + 1, .win = 1000, .payload = 10}));
	assert_int_equal(wk.cnt[0].drops[DPVS_DROP_SYNP_ABSORBED], 1);
	/* the real server's SYN-ACK again: the backup's ACK, in its numbers */
	ip = send_seg(1, IPPROTO_TCP, RIP1, 80, CIP, 40000, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG,
		      &(struct seg){.seq = RS_ISN,
				    .ack = CISN + 1,
				    .win = 29200,
				    .opt = rs_opts,
				    .optlen = sizeof(rs_opts)});
	assert_non_null(ip);
	assert_int_equal(ip->dst_addr, ip4(RIP1));
	assert_int_equal(tcp_of_ip(ip)->tcp_flags, RTE_TCP_ACK_FLAG);
	assert_int_equal(ntohl(tcp_of_ip(ip)->sent_seq), CISN + 1);
	assert_int_equal(ntohl(tcp_of_ip(ip)->recv_ack), RS_ISN + 1);
	spliced_conn_passes(40000, cookie);

	/* a spliced record of the same conn, of another cookie on purpose:
	 * the conn carries traffic here, its own splice stays */
	r = synp_rec(cookie + 777, true);
	assert_int_equal(ipvs_sync_give(0, &r), 0);
	ipvs_worker_timer(&wk);
	assert_int_equal(counts().updated, 1);
	assert_int_equal(counts().synproxy, 1);
	spliced_conn_passes(40000, cookie);
}

/* A spliced copy (no packet of its own yet) takes the master's later
 * record's splice over the older unspliced one, never the other way. */
static void test_synproxy_copy_follows_master(void **state)
{
	const uint32_t cookie = 0x5000u;
	struct ipvs_sync_rec u = synp_rec(cookie, false), s = synp_rec(cookie, true);

	(void)state;
	add_service_flags(IPPROTO_TCP, 80, DPVS_SVC_F_SYNPROXY);
	assert_int_equal(ipvs_sync_give(0, &u), 0);
	assert_int_equal(ipvs_sync_give(0, &s), 0);
	assert_int_equal(ipvs_sync_give(0, &u), 0); /* late: changes nothing */
	ipvs_worker_timer(&wk);
	assert_int_equal(counts().installed, 1);
	assert_int_equal(counts().updated, 2);
	spliced_conn_passes(40000, cookie);
}

/* Through a DR real server a proxied conn's packets cannot be
 * translated: such a record is counted, not installed. */
static void test_synproxy_record_needs_nat(void **state)
{
	struct ipvs_sync_rec r = rec(IPPROTO_TCP, RIP1, 40000, IPVS_TCP_ESTABLISHED, 900);
	struct dpvs_svc s = svc_key(IPPROTO_TCP, 80);
	struct dpvs_dest_req q;
	uint32_t n;

	(void)state;
	assert_int_equal(ctl_test_call(DPVS_MSG_SVC_ADD, 0, &s, sizeof(s), &rep), 0);
	memset(&q, 0, sizeof(q));
	q.svc = s;
	q.dest.af = AF_INET;
	q.dest.addr.in.s_addr = ip4("192.168.200.10"); /* DR: on-link, dpdk1's side */
	q.dest.port = htons(80);
	q.dest.conn_flags = DPVS_FWD_DROUTE;
	q.dest.weight = 1;
	assert_int_equal(ctl_test_call(DPVS_MSG_DEST_ADD, 0, &q, sizeof(q), &rep), 0);
	r.daddr.in.s_addr = ip4("192.168.200.10");
	r.flags = IPVS_SYNC_F_DROUTE | IPVS_SYNC_F_OUT_SEQ;
	r.has_seq = 1;
	r.has_synp = 1;
	r.synp_flags = IPVS_SYNC_SYNP_SPLICED;
	assert_int_equal(ipvs_sync_give(0, &r), 0);
	ipvs_worker_timer(&wk);
	assert_int_equal(counts().unsupported, 1);
	assert_int_equal(counts().installed, 0);
	assert_null(conn_listed(40000, &n));
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_master_hands_established_conn_and_template),
	    T(test_master_refreshes_live_conns),
	    T(test_synced_conn_not_echoed),
	    T(test_master_udp_on_first_packet),
	    T(test_backup_installs_and_forwards_midstream),
	    T(test_fullnat_conn_round_trip),
	    T(test_backup_fnat_floating_lip),
	    T(test_backup_template_steers_new_flows),
	    T(test_backup_counts_what_it_cannot_install),
	    T(test_backup_ring_bounds),
	    T(test_synproxy_splice_master_to_backup),
	    T(test_synproxy_unspliced_record),
	    T(test_synproxy_copy_follows_master),
	    T(test_synproxy_record_needs_nat),
	};

	dp_test_eal();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
