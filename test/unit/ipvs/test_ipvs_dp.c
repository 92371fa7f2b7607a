/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The IPVS data plane on synthetic packets, driven through its public
 * entry points (ipvs_in, ipvs_worker_timer) and its control handlers:
 * NAT rewrites in both directions with checksums verified from scratch,
 * ICMP errors translated, TCP states and timeouts, a full conn table,
 * quiesce, dest removal, listings, the config diff. The fixture (the
 * stack below, the ports, packets) is ipvs_test_env.h's:
 *
 * Below IPVS runs the real stack (inet: routes, neighbours, the Ethernet
 * header) on two fake ports without a device (netif is not linked):
 * what IPVS forwards is taken from the worker's tx buffers before any
 * flush, its Ethernet header checked and stripped. dpdk0 (10.0.0.254/8)
 * faces the clients, reached through the gateway 10.255.255.1; dpdk1
 * (192.168.200.1/24) the real servers, through 192.168.200.254; both
 * gateways are static neighbours, so nothing waits for ARP. The control handlers run through the real
 * registry (ctl_test_env.h), with the bounds they registered.
 */
#include "ipvs_test_env.h"

static uint16_t sport_of(const struct rte_ipv4_hdr *ip)
{
	return ntohs(*(const uint16_t *)((const uint8_t *)ip + rte_ipv4_hdr_len(ip)));
}

static uint16_t dport_of(const struct rte_ipv4_hdr *ip)
{
	return ntohs(*(const uint16_t *)((const uint8_t *)ip + rte_ipv4_hdr_len(ip) + 2));
}

/* The listing of one service: its entry and dests. */
static const struct dpvs_svc_entry *list_svc(uint16_t proto, const char *vip, uint16_t port,
					     const struct dpvs_dest **dests)
{
	struct dpvs_svc k = svc_key(proto, vip, port);
	const struct dpvs_list *l;
	const struct dpvs_svc_entry *e;

	assert_int_equal(ctl_test_call(DPVS_MSG_SVC_LIST, DPVS_MSG_F_SVC_KEY, &k, sizeof(k), &rep),
			 0);
	assert_true(rep.len >= sizeof(*l) + sizeof(*e));
	l = (const struct dpvs_list *)ctl_test_payload(&rep);
	assert_int_equal(l->count, 1);
	assert_int_equal(l->entry_size, sizeof(struct dpvs_svc_entry));
	e = (const struct dpvs_svc_entry *)(l + 1);
	assert_int_equal(rep.len, sizeof(*l) + sizeof(*e) + e->ndests * sizeof(struct dpvs_dest));
	*dests = (const struct dpvs_dest *)(e + 1);
	return e;
}

/* Conn listing: how many, and the first entry. */
static uint32_t list_conns(struct dpvs_conn *first)
{
	struct dpvs_conn_query q = { .max = 100 };
	const struct dpvs_list *l;

	assert_int_equal(ctl_test_call(DPVS_MSG_CONN_LIST, 0, &q, sizeof(q), &rep), 0);
	l = (const struct dpvs_list *)ctl_test_payload(&rep);
	assert_int_equal(l->entry_size, sizeof(struct dpvs_conn));
	assert_int_equal(rep.len, sizeof(*l) + l->count * sizeof(struct dpvs_conn));
	if (l->count && first)
		*first = *(const struct dpvs_conn *)(l + 1);
	return l->count;
}

static void tick(uint64_t secs)
{
	for (uint64_t i = 0; i < secs; i++) {
		wk.now_sec++;
		ipvs_worker_timer(&wk);
	}
}

/* ---- tests ---- */

static void test_conn_size(void **state)
{
	(void)state;
	/* the hot conn must stay within two cache lines */
	assert_true(sizeof(struct ipvs_conn) <= 128);
	printf("struct ipvs_conn: %zu bytes\n", sizeof(struct ipvs_conn));
}

static void test_nat_tcp_both_ways(void **state)
{
	struct rte_ipv4_hdr *ip;
	const struct dpvs_dest *d;
	struct dpvs_conn c;

	(void)state;
	assert_int_equal(add_svc(IPPROTO_TCP, VIP, 80, "rr"), 0);
	assert_int_equal(dest_op(DPVS_MSG_DEST_ADD, IPPROTO_TCP, VIP, 80, RIP1, 8080, 1), 0);

	/* client SYN to the VIP goes to the real server, port rewritten */
	ip = forward(make_pkt(IPPROTO_TCP, CIP, 40000, VIP, 80, RTE_TCP_SYN_FLAG, true));
	assert_int_equal(ip->dst_addr, ip4(RIP1));
	assert_int_equal(ip->src_addr, ip4(CIP));
	assert_int_equal(dport_of(ip), 8080);
	assert_int_equal(sport_of(ip), 40000);
	assert_int_equal(ip->time_to_live, 63);
	assert_int_equal(list_conns(&c), 1);
	assert_string_equal(c.state, "SYN_RECV");
	assert_int_equal(c.expires_sec, 60);

	/* the SYN-ACK comes back from the VIP */
	ip = forward(make_pkt(IPPROTO_TCP, RIP1, 8080, CIP, 40000,
			      RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, true));
	assert_int_equal(ip->src_addr, ip4(VIP));
	assert_int_equal(ip->dst_addr, ip4(CIP));
	assert_int_equal(sport_of(ip), 80);
	assert_int_equal(dport_of(ip), 40000);

	/* the client's ACK establishes: counted active */
	forward(make_pkt(IPPROTO_TCP, CIP, 40000, VIP, 80, RTE_TCP_ACK_FLAG, true));
	assert_int_equal(list_conns(&c), 1);
	assert_string_equal(c.state, "ESTABLISHED");
	assert_int_equal(c.expires_sec, 900);
	assert_int_equal(c.caddr.in.s_addr, ip4(CIP));
	assert_int_equal(c.vaddr.in.s_addr, ip4(VIP));
	assert_int_equal(c.daddr.in.s_addr, ip4(RIP1));
	assert_int_equal(ntohs(c.cport), 40000);
	assert_int_equal(ntohs(c.vport), 80);
	assert_int_equal(ntohs(c.dport), 8080);
	assert_int_equal(c.protocol, IPPROTO_TCP);

	const struct dpvs_svc_entry *e = list_svc(IPPROTO_TCP, VIP, 80, &d);
	assert_int_equal(e->ndests, 1);
	assert_int_equal(d[0].activeconns, 1);
	assert_int_equal(d[0].inactconns, 0);
	assert_int_equal(e->svc.stats.conns, 1);
	assert_int_equal(e->svc.stats.inpkts, 2);
	assert_int_equal(e->svc.stats.outpkts, 1);
	assert_int_equal(d[0].stats.inpkts, 2);
	assert_true(e->svc.stats.inbytes > 0);
}

static void test_nat_udp(void **state)
{
	struct rte_ipv4_hdr *ip;
	const struct rte_udp_hdr *u;

	(void)state;
	assert_int_equal(add_svc(IPPROTO_UDP, VIP, 53, "rr"), 0);
	assert_int_equal(dest_op(DPVS_MSG_DEST_ADD, IPPROTO_UDP, VIP, 53, RIP1, 5353, 1), 0);
	ip = forward(make_pkt(IPPROTO_UDP, CIP, 3000, VIP, 53, 0, true));
	assert_int_equal(ip->dst_addr, ip4(RIP1));
	assert_int_equal(dport_of(ip), 5353);
	ip = forward(make_pkt(IPPROTO_UDP, RIP1, 5353, CIP, 3000, 0, true));
	assert_int_equal(ip->src_addr, ip4(VIP));
	assert_int_equal(sport_of(ip), 53);

	/* a UDP checksum of zero means none: it stays zero */
	ip = forward(make_pkt(IPPROTO_UDP, CIP, 3001, VIP, 53, 0, false));
	u = (const struct rte_udp_hdr *)(ip + 1);
	assert_int_equal(u->dgram_cksum, 0);
	assert_int_equal(dport_of(ip), 5353);

	struct dpvs_conn c;
	assert_int_equal(list_conns(&c), 2);
	assert_string_equal(c.state, "UDP");
	assert_int_equal(c.expires_sec, 300);
}

static void test_not_ipvs_traffic(void **state)
{
	struct rte_mbuf *m;

	(void)state;
	assert_int_equal(add_svc(IPPROTO_TCP, VIP, 80, "rr"), 0);
	assert_int_equal(dest_op(DPVS_MSG_DEST_ADD, IPPROTO_TCP, VIP, 80, RIP1, 80, 1), 0);
	/* another port of the VIP, another protocol: the stack's business */
	m = make_pkt(IPPROTO_TCP, CIP, 40000, VIP, 22, RTE_TCP_SYN_FLAG, true);
	assert_int_equal(ipvs_in_collect(0, m), INET_ACCEPT);
	rte_pktmbuf_free(m);
	m = make_pkt(IPPROTO_UDP, CIP, 40000, VIP, 80, 0, true);
	assert_int_equal(ipvs_in_collect(0, m), INET_ACCEPT);
	rte_pktmbuf_free(m);
	assert_int_equal(nsent, 0);
}

static void test_tcp_needs_syn(void **state)
{
	(void)state;
	assert_int_equal(add_svc(IPPROTO_TCP, VIP, 80, "rr"), 0);
	assert_int_equal(dest_op(DPVS_MSG_DEST_ADD, IPPROTO_TCP, VIP, 80, RIP1, 80, 1), 0);
	expect_drop(make_pkt(IPPROTO_TCP, CIP, 40000, VIP, 80, RTE_TCP_ACK_FLAG, true),
		    DPVS_DROP_CONN_NOT_SYN);
	expect_drop(make_pkt(IPPROTO_TCP, CIP, 40000, VIP, 80, RTE_TCP_RST_FLAG, true),
		    DPVS_DROP_CONN_NOT_SYN);
	expect_drop(make_pkt(IPPROTO_TCP, CIP, 40000, VIP, 80,
			     RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, true),
		    DPVS_DROP_CONN_NOT_SYN);
	assert_int_equal(list_conns(NULL), 0);
}

/* sloppy_tcp: a flow that ECMP moved here mid-stream (its first segment
 * here an ACK) is scheduled, and Maglev gives it the server its SYN got */
static void test_sloppy_tcp(void **state)
{
	struct rte_ipv4_hdr *ip;
	struct dpvs_conn c;
	uint32_t first;

	(void)state;
	assert_int_equal(add_svc(IPPROTO_TCP, VIP, 80, "mh"), 0);
	assert_int_equal(dest_op(DPVS_MSG_DEST_ADD, IPPROTO_TCP, VIP, 80, RIP1, 80, 1), 0);
	assert_int_equal(dest_op(DPVS_MSG_DEST_ADD, IPPROTO_TCP, VIP, 80, RIP2, 80, 1), 0);
	ipvs_set_sloppy_tcp(true);
	/* the flow's SYN, as the director that saw it first */
	ip = forward(make_pkt(IPPROTO_TCP, CIP, 41000, VIP, 80, RTE_TCP_SYN_FLAG, true));
	first = ip->dst_addr;
	tick(60); /* its SYN_RECV conn expires: this director never saw it */
	assert_int_equal(ipvs_conn_count(0), 0);
	ip = forward(make_pkt(IPPROTO_TCP, CIP, 41000, VIP, 80, RTE_TCP_ACK_FLAG, true));
	assert_int_equal(ip->dst_addr, first);
	assert_int_equal(list_conns(&c), 1);
	assert_string_equal(c.state, "ESTABLISHED");
	/* an RST never opens a conn, sloppy or not */
	expect_drop(make_pkt(IPPROTO_TCP, CIP, 41001, VIP, 80, RTE_TCP_RST_FLAG, true),
		    DPVS_DROP_CONN_NOT_SYN);
	/* a FIN as first segment: forwarded, the conn closing */
	forward(make_pkt(IPPROTO_TCP, CIP, 41002, VIP, 80, RTE_TCP_FIN_FLAG, true));
	assert_int_equal(list_conns(NULL), 2);
	/* off again: the ACK of an unknown flow is a drop */
	ipvs_set_sloppy_tcp(false);
	expect_drop(make_pkt(IPPROTO_TCP, CIP, 41003, VIP, 80, RTE_TCP_ACK_FLAG, true),
		    DPVS_DROP_CONN_NOT_SYN);
	assert_int_equal(list_conns(NULL), 2);
}

static void test_no_dest(void **state)
{
	(void)state;
	assert_int_equal(add_svc(IPPROTO_TCP, VIP, 80, "wrr"), 0);
	expect_drop(make_pkt(IPPROTO_TCP, CIP, 40000, VIP, 80, RTE_TCP_SYN_FLAG, true),
		    DPVS_DROP_CONN_NO_DEST);
	/* all quiesced is the same */
	assert_int_equal(dest_op(DPVS_MSG_DEST_ADD, IPPROTO_TCP, VIP, 80, RIP1, 80, 0), 0);
	expect_drop(make_pkt(IPPROTO_TCP, CIP, 40000, VIP, 80, RTE_TCP_SYN_FLAG, true),
		    DPVS_DROP_CONN_NO_DEST);
}

static void test_ttl(void **state)
{
	struct rte_mbuf *m;
	struct rte_ipv4_hdr *ip;

	(void)state;
	assert_int_equal(add_svc(IPPROTO_UDP, VIP, 53, "rr"), 0);
	assert_int_equal(dest_op(DPVS_MSG_DEST_ADD, IPPROTO_UDP, VIP, 53, RIP1, 53, 1), 0);
	m = make_pkt(IPPROTO_UDP, CIP, 3000, VIP, 53, 0, true);
	ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	ip->time_to_live = 1;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	expect_drop(m, DPVS_DROP_IP_TTL);
}

static void test_conn_full(void **state)
{
	(void)state;
	/* conn_max is 4 in this test */
	assert_int_equal(add_svc(IPPROTO_UDP, VIP, 53, "rr"), 0);
	assert_int_equal(dest_op(DPVS_MSG_DEST_ADD, IPPROTO_UDP, VIP, 53, RIP1, 53, 1), 0);
	for (uint16_t p = 0; p < 4; p++)
		forward(make_pkt(IPPROTO_UDP, CIP, 1000 + p, VIP, 53, 0, true));
	assert_int_equal(ipvs_conn_count(0), 4);
	expect_drop(make_pkt(IPPROTO_UDP, CIP, 2000, VIP, 53, 0, true), DPVS_DROP_CONN_FULL);
	/* the existing flows go on, both ways */
	forward(make_pkt(IPPROTO_UDP, CIP, 1002, VIP, 53, 0, true));
	forward(make_pkt(IPPROTO_UDP, RIP1, 53, CIP, 1003, 0, true));
	/* when they expire, room comes back */
	tick(301);
	assert_int_equal(ipvs_conn_count(0), 0);
	forward(make_pkt(IPPROTO_UDP, CIP, 2000, VIP, 53, 0, true));
	assert_int_equal(ipvs_conn_count(0), 1);
}

static void test_udp_timer(void **state)
{
	(void)state;
	assert_int_equal(add_svc(IPPROTO_UDP, VIP, 53, "rr"), 0);
	assert_int_equal(dest_op(DPVS_MSG_DEST_ADD, IPPROTO_UDP, VIP, 53, RIP1, 53, 1), 0);
	forward(make_pkt(IPPROTO_UDP, CIP, 3000, VIP, 53, 0, true));
	tick(200);
	/* a packet refreshes it: 300 s from now */
	forward(make_pkt(IPPROTO_UDP, RIP1, 53, CIP, 3000, 0, true));
	tick(299);
	assert_int_equal(ipvs_conn_count(0), 1);
	tick(1);
	assert_int_equal(ipvs_conn_count(0), 0);
	const struct dpvs_dest *d;
	list_svc(IPPROTO_UDP, VIP, 53, &d);
	assert_int_equal(d[0].inactconns, 0);
	assert_int_equal(d[0].activeconns, 0);
	/* the flow is gone: the real server's reply now is a stray */
	expect_drop(make_pkt(IPPROTO_UDP, RIP1, 53, CIP, 3000, 0, true),
		    DPVS_DROP_CONN_STRAY_REPLY);
	/* from another port of that address: not a dest, not IPVS's */
	struct rte_mbuf *m = make_pkt(IPPROTO_UDP, RIP1, 54, CIP, 3000, 0, true);
	assert_int_equal(ipvs_in_collect(0, m), INET_ACCEPT);
	rte_pktmbuf_free(m);
}

static void test_tcp_states_and_timeouts(void **state)
{
	struct dpvs_conn c;
	const struct dpvs_dest *d;

	(void)state;
	assert_int_equal(add_svc(IPPROTO_TCP, VIP, 80, "rr"), 0);
	assert_int_equal(dest_op(DPVS_MSG_DEST_ADD, IPPROTO_TCP, VIP, 80, RIP1, 80, 1), 0);
	forward(make_pkt(IPPROTO_TCP, CIP, 5000, VIP, 80, RTE_TCP_SYN_FLAG, true));
	list_svc(IPPROTO_TCP, VIP, 80, &d);
	assert_int_equal(d[0].inactconns, 1);
	forward(make_pkt(IPPROTO_TCP, RIP1, 80, CIP, 5000, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG,
			 true));
	forward(make_pkt(IPPROTO_TCP, CIP, 5000, VIP, 80, RTE_TCP_ACK_FLAG, true));
	list_conns(&c);
	assert_string_equal(c.state, "ESTABLISHED");
	list_svc(IPPROTO_TCP, VIP, 80, &d);
	assert_int_equal(d[0].activeconns, 1);
	assert_int_equal(d[0].inactconns, 0);

	/* the client closes first: CLOSE_WAIT, 60 s, inactive again */
	forward(make_pkt(IPPROTO_TCP, CIP, 5000, VIP, 80, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG,
			 true));
	list_conns(&c);
	assert_string_equal(c.state, "CLOSE_WAIT");
	assert_int_equal(c.expires_sec, 60);
	list_svc(IPPROTO_TCP, VIP, 80, &d);
	assert_int_equal(d[0].activeconns, 0);
	assert_int_equal(d[0].inactconns, 1);
	/* the server's FIN: TIME_WAIT, 120 s */
	forward(make_pkt(IPPROTO_TCP, RIP1, 80, CIP, 5000, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG,
			 true));
	list_conns(&c);
	assert_string_equal(c.state, "TIME_WAIT");
	assert_int_equal(c.expires_sec, 120);
	/* the timer honours the shorter timeout although the conn first sat
	 * in the 900 s slot */
	tick(119);
	assert_int_equal(ipvs_conn_count(0), 1);
	tick(1);
	assert_int_equal(ipvs_conn_count(0), 0);

	/* server closes first: FIN_WAIT; an RST: CLOSE, 10 s */
	forward(make_pkt(IPPROTO_TCP, CIP, 5001, VIP, 80, RTE_TCP_SYN_FLAG, true));
	forward(make_pkt(IPPROTO_TCP, CIP, 5001, VIP, 80, RTE_TCP_ACK_FLAG, true));
	forward(make_pkt(IPPROTO_TCP, RIP1, 80, CIP, 5001, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG,
			 true));
	list_conns(&c);
	assert_string_equal(c.state, "FIN_WAIT");
	assert_int_equal(c.expires_sec, 120);
	forward(make_pkt(IPPROTO_TCP, CIP, 5001, VIP, 80, RTE_TCP_RST_FLAG, true));
	list_conns(&c);
	assert_string_equal(c.state, "CLOSE");
	assert_int_equal(c.expires_sec, 10);
	tick(10);
	assert_int_equal(ipvs_conn_count(0), 0);

	/* a SYN that is never answered: SYN_RECV expires after 60 s */
	forward(make_pkt(IPPROTO_TCP, CIP, 5002, VIP, 80, RTE_TCP_SYN_FLAG, true));
	tick(59);
	assert_int_equal(ipvs_conn_count(0), 1);
	tick(1);
	assert_int_equal(ipvs_conn_count(0), 0);
}

static void test_port_reuse_after_close(void **state)
{
	(void)state;
	assert_int_equal(add_svc(IPPROTO_TCP, VIP, 80, "rr"), 0);
	assert_int_equal(dest_op(DPVS_MSG_DEST_ADD, IPPROTO_TCP, VIP, 80, RIP1, 80, 1), 0);
	assert_int_equal(dest_op(DPVS_MSG_DEST_ADD, IPPROTO_TCP, VIP, 80, RIP2, 80, 1), 0);
	forward(make_pkt(IPPROTO_TCP, CIP, 6000, VIP, 80, RTE_TCP_SYN_FLAG, true));
	forward(make_pkt(IPPROTO_TCP, CIP, 6000, VIP, 80, RTE_TCP_ACK_FLAG, true));
	forward(make_pkt(IPPROTO_TCP, CIP, 6000, VIP, 80, RTE_TCP_RST_FLAG, true));
	/* the same client port opens again: a new conn, scheduled afresh */
	struct rte_ipv4_hdr *ip =
		forward(make_pkt(IPPROTO_TCP, CIP, 6000, VIP, 80, RTE_TCP_SYN_FLAG, true));
	assert_int_equal(ip->dst_addr, ip4(RIP2));
	struct dpvs_conn c;
	assert_int_equal(list_conns(&c), 1);
	assert_string_equal(c.state, "SYN_RECV");
}

static void test_timeout_set_get(void **state)
{
	struct dpvs_timeouts t = { .tcp_timeout = 100, .tcp_fin_timeout = 0, .udp_timeout = 20 };
	const struct dpvs_timeouts *g;

	(void)state;
	assert_int_equal(ctl_test_call(DPVS_MSG_TIMEOUT_GET, 0, NULL, 0, &rep), 0);
	g = (const struct dpvs_timeouts *)ctl_test_payload(&rep);
	assert_int_equal(rep.len, sizeof(*g));
	assert_int_equal(g->tcp_timeout, 900);
	assert_int_equal(g->tcp_fin_timeout, 120);
	assert_int_equal(g->udp_timeout, 300);
	assert_int_equal(ctl_test_call(DPVS_MSG_TIMEOUT_SET, 0, &t, sizeof(t), &rep), 0);
	assert_int_equal(ctl_test_call(DPVS_MSG_TIMEOUT_GET, 0, NULL, 0, &rep), 0);
	g = (const struct dpvs_timeouts *)ctl_test_payload(&rep);
	assert_int_equal(g->tcp_timeout, 100);
	assert_int_equal(g->tcp_fin_timeout, 120); /* 0 = unchanged */
	assert_int_equal(g->udp_timeout, 20);
	t.udp_timeout = 3000000;
	assert_int_equal(ctl_test_call(DPVS_MSG_TIMEOUT_SET, 0, &t, sizeof(t), &rep), -EINVAL);
	assert_non_null(strstr(rep.msg, "udp timeout 3000000"));

	/* the new udp timeout drives conns */
	assert_int_equal(add_svc(IPPROTO_UDP, VIP, 53, "rr"), 0);
	assert_int_equal(dest_op(DPVS_MSG_DEST_ADD, IPPROTO_UDP, VIP, 53, RIP1, 53, 1), 0);
	forward(make_pkt(IPPROTO_UDP, CIP, 3000, VIP, 53, 0, true));
	tick(19);
	assert_int_equal(ipvs_conn_count(0), 1);
	tick(1);
	assert_int_equal(ipvs_conn_count(0), 0);
}

/* [ipvs] tcp_*_timeout: the states --set does not reach */
static void test_tcp_state_timeouts(void **state)
{
	struct dpvs_tcp_state_timeouts t = { .time_wait = 3, .close_wait = 5 };
	const struct dpvs_tcp_state_timeouts lvs = { 60, 120, 10, 60, 30 };
	struct dpvs_conn c;
	char err[128] = "";

	(void)state;
	assert_int_equal(ipvs_tcp_state_timeouts_set(&t, err, sizeof(err)), 0);
	assert_int_equal(add_svc(IPPROTO_TCP, VIP, 80, "rr"), 0);
	assert_int_equal(dest_op(DPVS_MSG_DEST_ADD, IPPROTO_TCP, VIP, 80, RIP1, 80, 1), 0);
	forward(make_pkt(IPPROTO_TCP, CIP, 5000, VIP, 80, RTE_TCP_SYN_FLAG, true));
	list_conns(&c);
	assert_int_equal(c.expires_sec, 60); /* syn_recv: 0 = unchanged */
	forward(make_pkt(IPPROTO_TCP, RIP1, 80, CIP, 5000, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG,
			 true));
	forward(make_pkt(IPPROTO_TCP, CIP, 5000, VIP, 80, RTE_TCP_ACK_FLAG, true));
	forward(make_pkt(IPPROTO_TCP, CIP, 5000, VIP, 80, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG,
			 true));
	list_conns(&c);
	assert_string_equal(c.state, "CLOSE_WAIT");
	assert_int_equal(c.expires_sec, 5);
	forward(make_pkt(IPPROTO_TCP, RIP1, 80, CIP, 5000, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG,
			 true));
	list_conns(&c);
	assert_string_equal(c.state, "TIME_WAIT");
	assert_int_equal(c.expires_sec, 3);
	tick(2);
	assert_int_equal(ipvs_conn_count(0), 1);
	tick(1);
	assert_int_equal(ipvs_conn_count(0), 0);

	t.syn_recv = 3000000;
	assert_int_equal(ipvs_tcp_state_timeouts_set(&t, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "tcp syn_recv timeout 3000000 out of range"));
	assert_int_equal(ipvs_tcp_state_timeouts_set(&lvs, err, sizeof(err)), 0);
}

/* An ICMP error from src to dst quoting the whole datagram q. */
static struct rte_mbuf *make_icmp_error(const char *src, const char *dst, uint8_t type,
					uint8_t code, struct rte_mbuf *q)
{
	uint8_t buf[256];
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)buf;
	struct rte_icmp_hdr *icmp = (struct rte_icmp_hdr *)(ip + 1);
	uint16_t qlen = rte_pktmbuf_data_len(q);
	uint16_t tot = sizeof(*ip) + sizeof(*icmp) + qlen;
	struct rte_mbuf *m;

	memset(buf, 0, sizeof(buf));
	ip->version_ihl = 0x45;
	ip->total_length = htons(tot);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_ICMP;
	ip->src_addr = ip4(src);
	ip->dst_addr = ip4(dst);
	icmp->icmp_type = type;
	icmp->icmp_code = code;
	memcpy(icmp + 1, rte_pktmbuf_mtod(q, void *), qlen);
	icmp->icmp_cksum = (uint16_t)~rte_raw_cksum(icmp, sizeof(*icmp) + qlen);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	rte_pktmbuf_free(q);
	m = dp_test_mbuf(buf, tot);
	m->l3_len = sizeof(*ip);
	return m;
}

static void test_icmp_port_unreachable(void **state)
{
	struct rte_ipv4_hdr *ip, *in;
	struct rte_icmp_hdr *icmp;

	(void)state;
	assert_int_equal(add_svc(IPPROTO_UDP, VIP, 53, "rr"), 0);
	assert_int_equal(dest_op(DPVS_MSG_DEST_ADD, IPPROTO_UDP, VIP, 53, RIP1, 5353, 1), 0);
	forward(make_pkt(IPPROTO_UDP, CIP, 3000, VIP, 53, 0, true));

	/* the real server's port is closed: it answers the client (as it saw
	 * the datagram: client -> RIP:5353) */
	ip = forward(make_icmp_error(RIP1, CIP, 3, 3,
				     make_pkt(IPPROTO_UDP, CIP, 3000, RIP1, 5353, 0, true)));
	assert_int_equal(ip->src_addr, ip4(VIP));
	assert_int_equal(ip->dst_addr, ip4(CIP));
	icmp = (struct rte_icmp_hdr *)(ip + 1);
	assert_int_equal(icmp->icmp_type, 3);
	assert_int_equal(icmp->icmp_code, 3);
	in = (struct rte_ipv4_hdr *)(icmp + 1);
	/* the client sees its own datagram to the VIP quoted */
	assert_int_equal(in->src_addr, ip4(CIP));
	assert_int_equal(in->dst_addr, ip4(VIP));
	assert_int_equal(sport_of(in), 3000);
	assert_int_equal(dport_of(in), 53);
	verify_csums(in); /* the inner IP and UDP checksums too */

	/* the client refuses a reply (VIP -> client): to the real server */
	ip = forward(make_icmp_error(CIP, VIP, 3, 3,
				     make_pkt(IPPROTO_UDP, VIP, 53, CIP, 3000, 0, true)));
	assert_int_equal(ip->dst_addr, ip4(RIP1));
	assert_int_equal(ip->src_addr, ip4(CIP));
	in = (struct rte_ipv4_hdr *)((struct rte_icmp_hdr *)(ip + 1) + 1);
	assert_int_equal(in->src_addr, ip4(RIP1));
	assert_int_equal(sport_of(in), 5353);
	verify_csums(in);

	/* an error about no balanced flow is the stack's */
	struct rte_mbuf *m = make_icmp_error(RIP1, CIP, 3, 3,
					     make_pkt(IPPROTO_UDP, CIP, 3999, RIP1, 5353, 0,
						      true));
	assert_int_equal(ipvs_in_collect(0, m), INET_ACCEPT);
	rte_pktmbuf_free(m);

	/* a corrupted ICMP checksum is dropped, not "repaired" */
	m = make_icmp_error(RIP1, CIP, 3, 4, make_pkt(IPPROTO_UDP, CIP, 3000, RIP1, 5353, 0, true));
	rte_pktmbuf_mtod_offset(m, struct rte_icmp_hdr *, 20)->icmp_cksum ^= 0x1234;
	expect_drop(m, DPVS_DROP_ICMP_BAD);
}

static void test_icmp_frag_needed_tcp(void **state)
{
	struct rte_ipv4_hdr *ip, *in;

	(void)state;
	assert_int_equal(add_svc(IPPROTO_TCP, VIP, 80, "rr"), 0);
	assert_int_equal(dest_op(DPVS_MSG_DEST_ADD, IPPROTO_TCP, VIP, 80, RIP1, 8080, 1), 0);
	forward(make_pkt(IPPROTO_TCP, CIP, 7000, VIP, 80, RTE_TCP_SYN_FLAG, true));
	/* a router towards the client cannot pass a reply: frag needed */
	ip = forward(make_icmp_error("10.9.9.9", VIP, 3, 4,
				     make_pkt(IPPROTO_TCP, VIP, 80, CIP, 7000,
					      RTE_TCP_ACK_FLAG, true)));
	assert_int_equal(ip->dst_addr, ip4(RIP1));
	in = (struct rte_ipv4_hdr *)((struct rte_icmp_hdr *)(ip + 1) + 1);
	assert_int_equal(in->src_addr, ip4(RIP1));
	assert_int_equal(sport_of(in), 8080);
	verify_csums(in);
}

static void test_quiesce(void **state)
{
	struct rte_ipv4_hdr *ip;

	(void)state;
	assert_int_equal(add_svc(IPPROTO_TCP, VIP, 80, "rr"), 0);
	assert_int_equal(dest_op(DPVS_MSG_DEST_ADD, IPPROTO_TCP, VIP, 80, RIP1, 80, 1), 0);
	assert_int_equal(dest_op(DPVS_MSG_DEST_ADD, IPPROTO_TCP, VIP, 80, RIP2, 80, 1), 0);
	ip = forward(make_pkt(IPPROTO_TCP, CIP, 8000, VIP, 80, RTE_TCP_SYN_FLAG, true));
	assert_int_equal(ip->dst_addr, ip4(RIP1));
	/* weight 0: RIP1 takes no new conns, but keeps its own */
	assert_int_equal(dest_op(DPVS_MSG_DEST_EDIT, IPPROTO_TCP, VIP, 80, RIP1, 80, 0), 0);
	for (uint16_t p = 1; p <= 3; p++) {
		ip = forward(make_pkt(IPPROTO_TCP, CIP, 8000 + p, VIP, 80, RTE_TCP_SYN_FLAG, true));
		assert_int_equal(ip->dst_addr, ip4(RIP2));
	}
	ip = forward(make_pkt(IPPROTO_TCP, CIP, 8000, VIP, 80, RTE_TCP_ACK_FLAG, true));
	assert_int_equal(ip->dst_addr, ip4(RIP1));
	const struct dpvs_dest *d;
	const struct dpvs_svc_entry *e = list_svc(IPPROTO_TCP, VIP, 80, &d);
	assert_int_equal(e->ndests, 2);
	assert_int_equal(d[0].weight, 0);
	assert_int_equal(d[0].activeconns, 1);
	assert_int_equal(d[1].inactconns, 3);
}

static void test_dest_removal(void **state)
{
	struct rte_ipv4_hdr *ip;
	const struct dpvs_dest *d;

	(void)state;
	assert_int_equal(add_svc(IPPROTO_TCP, VIP, 80, "rr"), 0);
	assert_int_equal(dest_op(DPVS_MSG_DEST_ADD, IPPROTO_TCP, VIP, 80, RIP1, 80, 1), 0);
	assert_int_equal(dest_op(DPVS_MSG_DEST_ADD, IPPROTO_TCP, VIP, 80, RIP2, 80, 1), 0);
	forward(make_pkt(IPPROTO_TCP, CIP, 9000, VIP, 80, RTE_TCP_SYN_FLAG, true));
	forward(make_pkt(IPPROTO_TCP, CIP, 9000, VIP, 80, RTE_TCP_ACK_FLAG, true));
	assert_int_equal(dest_op(DPVS_MSG_DEST_DEL, IPPROTO_TCP, VIP, 80, RIP1, 80, 0), 0);
	/* removed: its conn still goes on, both ways */
	ip = forward(make_pkt(IPPROTO_TCP, CIP, 9000, VIP, 80, RTE_TCP_ACK_FLAG, true));
	assert_int_equal(ip->dst_addr, ip4(RIP1));
	ip = forward(make_pkt(IPPROTO_TCP, RIP1, 80, CIP, 9000, RTE_TCP_ACK_FLAG, true));
	assert_int_equal(ip->src_addr, ip4(VIP));
	/* its id is held while the conn lives: gc must not free it */
	ipvs_timer_tick(wk.now_sec);
	/* added back, it gets its conns (and counters) back */
	assert_int_equal(dest_op(DPVS_MSG_DEST_ADD, IPPROTO_TCP, VIP, 80, RIP1, 80, 1), 0);
	list_svc(IPPROTO_TCP, VIP, 80, &d);
	assert_int_equal(d[1].addr.in.s_addr, ip4(RIP1));
	assert_int_equal(d[1].activeconns, 1);
	assert_int_equal(d[1].stats.conns, 1);

	/* with expire_nodest_conn, the next packet of a removed dest's conn
	 * ends it */
	assert_int_equal(dest_op(DPVS_MSG_DEST_DEL, IPPROTO_TCP, VIP, 80, RIP1, 80, 0), 0);
	ipvs_set_expire_nodest_conn(true);
	expect_drop(make_pkt(IPPROTO_TCP, CIP, 9000, VIP, 80, RTE_TCP_ACK_FLAG, true),
		    DPVS_DROP_CONN_NO_DEST);
	assert_int_equal(ipvs_conn_count(0), 0);
	/* now nothing holds the id: it is freed and a re-add starts afresh */
	ipvs_timer_tick(wk.now_sec);
	assert_int_equal(dest_op(DPVS_MSG_DEST_ADD, IPPROTO_TCP, VIP, 80, RIP1, 80, 1), 0);
	list_svc(IPPROTO_TCP, VIP, 80, &d);
	assert_int_equal(d[1].activeconns + d[1].inactconns, 0);
	assert_int_equal(d[1].stats.conns, 0);
}

static void test_ctl_errors(void **state)
{
	struct dpvs_svc s;
	struct dpvs_dest_req q;

	(void)state;
	assert_int_equal(add_svc(IPPROTO_TCP, VIP, 80, "rr"), 0);
	assert_int_equal(add_svc(IPPROTO_TCP, VIP, 80, "rr"), -EEXIST);
	assert_int_equal(add_svc(IPPROTO_TCP, VIP, 81, "foo"), -ENOENT);
	assert_non_null(strstr(rep.msg, "scheduler 'foo' not found"));
	assert_int_equal(add_svc(IPPROTO_ICMP, VIP, 81, "rr"), -EPROTONOSUPPORT);
	assert_int_equal(add_svc(IPPROTO_TCP, "0.0.0.0", 81, "rr"), -EINVAL);
	assert_int_equal(add_svc(IPPROTO_TCP, VIP, 0, "rr"), -EINVAL);
	s = svc_key(IPPROTO_TCP, VIP, 82);
	s.af = 99; /* neither IPv4 nor IPv6 */
	assert_int_equal(ctl_test_call(DPVS_MSG_SVC_ADD, 0, &s, sizeof(s), &rep), -EAFNOSUPPORT);
	s = svc_key(IPPROTO_TCP, VIP, 82);
	memset(s.sched_name, 'x', sizeof(s.sched_name));
	assert_int_equal(ctl_test_call(DPVS_MSG_SVC_ADD, 0, &s, sizeof(s), &rep), -EINVAL);
	assert_non_null(strstr(rep.msg, "NUL"));
	s = svc_key(IPPROTO_TCP, VIP, 82);
	s.flags = 0x8000; /* no such flag */
	assert_int_equal(ctl_test_call(DPVS_MSG_SVC_ADD, 0, &s, sizeof(s), &rep), -EINVAL);
	s.flags = DPVS_SVC_F_PERSISTENT;
	s.timeout = IPVS_PERSIST_TIMEOUT_MAX + 1; /* 31 days and a second */
	assert_int_equal(ctl_test_call(DPVS_MSG_SVC_ADD, 0, &s, sizeof(s), &rep), -EINVAL);
	/* up to 31 days, as ipvsadm -p takes it (more than --set's limit) */
	s.timeout = IPVS_PERSIST_TIMEOUT_MAX;
	s.netmask = 0xffffffff;
	assert_int_equal(ctl_test_call(DPVS_MSG_SVC_ADD, 0, &s, sizeof(s), &rep), 0);
	assert_int_equal(ctl_test_call(DPVS_MSG_SVC_DEL, 0, &s, sizeof(s), &rep), 0);
	/* a short payload never reaches the handler */
	assert_int_equal(ctl_test_call(DPVS_MSG_SVC_ADD, 0, &s, sizeof(s) - 1, &rep), -EINVAL);

	s = svc_key(IPPROTO_TCP, VIP, 99);
	assert_int_equal(ctl_test_call(DPVS_MSG_SVC_EDIT, 0, &s, sizeof(s), &rep), -ESRCH);
	assert_int_equal(ctl_test_call(DPVS_MSG_SVC_DEL, 0, &s, sizeof(s), &rep), -ESRCH);
	assert_int_equal(ctl_test_call(DPVS_MSG_ZERO, DPVS_MSG_F_SVC_KEY, &s, sizeof(s), &rep),
			 -ESRCH);
	assert_int_equal(ctl_test_call(DPVS_MSG_SVC_LIST, DPVS_MSG_F_SVC_KEY, &s, sizeof(s), &rep),
			 -ESRCH);
	/* a key without the flag, the flag without a key */
	assert_int_equal(ctl_test_call(DPVS_MSG_SVC_LIST, 0, &s, sizeof(s), &rep), -EINVAL);
	assert_int_equal(ctl_test_call(DPVS_MSG_SVC_LIST, DPVS_MSG_F_SVC_KEY, NULL, 0, &rep),
			 -EINVAL);

	assert_int_equal(dest_op(DPVS_MSG_DEST_ADD, IPPROTO_TCP, VIP, 99, RIP1, 80, 1), -ESRCH);
	assert_int_equal(dest_op(DPVS_MSG_DEST_EDIT, IPPROTO_TCP, VIP, 80, RIP1, 80, 1), -ENOENT);
	assert_int_equal(dest_op(DPVS_MSG_DEST_DEL, IPPROTO_TCP, VIP, 80, RIP1, 80, 1), -ENOENT);
	/* above 65535: LVS takes it, dpvs does not (EOPNOTSUPP: ipvsadm
	 * prints this reason); below 0: the kernel's ERANGE */
	assert_int_equal(dest_op(DPVS_MSG_DEST_ADD, IPPROTO_TCP, VIP, 80, RIP1, 80, 70000),
			 -EOPNOTSUPP);
	assert_string_equal(rep.msg, "weight 70000 above 65535 is not supported by dpvs");
	assert_int_equal(dest_op(DPVS_MSG_DEST_ADD, IPPROTO_TCP, VIP, 80, RIP1, 80, -1), -ERANGE);
	/* one host, as LVS: no multicast or broadcast real server */
	assert_int_equal(dest_op(DPVS_MSG_DEST_ADD, IPPROTO_TCP, VIP, 80, "224.0.0.1", 80, 1),
			 -EINVAL);
	assert_non_null(strstr(rep.msg, "not unicast (multicast)"));
	assert_int_equal(dest_op(DPVS_MSG_DEST_ADD, IPPROTO_TCP, VIP, 80, "255.255.255.255", 80, 1),
			 -EINVAL);
	assert_non_null(strstr(rep.msg, "not unicast (broadcast)"));
	/* editing or deleting one that cannot exist finds nothing, as LVS */
	assert_int_equal(dest_op(DPVS_MSG_DEST_DEL, IPPROTO_TCP, VIP, 80, "224.0.0.1", 80, 1),
			 -ENOENT);
	q = dest_req(IPPROTO_TCP, VIP, 80, RIP1, 80, 1);
	q.dest.conn_flags = DPVS_FWD_LOCAL;
	assert_int_equal(ctl_test_call(DPVS_MSG_DEST_ADD, 0, &q, sizeof(q), &rep), -EOPNOTSUPP);
	assert_string_equal(rep.msg, "forwarding method local is not supported; use -m, -g, -i or "
				     "--fullnat");
	/* DR: RIP1 is behind the gateway 192.168.200.254, not a neighbour */
	q.dest.conn_flags = DPVS_FWD_DROUTE;
	assert_int_equal(ctl_test_call(DPVS_MSG_DEST_ADD, 0, &q, sizeof(q), &rep), -ENETUNREACH);
	assert_string_equal(rep.msg, "real server 192.168.1.10 is not on-link: DR (-g) needs it "
				     "in a connected prefix of a port (dpip addr add ADDR/LEN dev "
				     "PORT); use -i (tunnel) or -m (NAT) to reach it through a "
				     "router");
	q = dest_req(IPPROTO_TCP, VIP, 80, RIP1, 80, 1);
	q.dest.l_threshold = 10; /* above the upper one (none) */
	assert_int_equal(ctl_test_call(DPVS_MSG_DEST_ADD, 0, &q, sizeof(q), &rep), -ERANGE);
	assert_int_equal(dest_op(DPVS_MSG_DEST_ADD, IPPROTO_TCP, VIP, 80, RIP1, 80, 1), 0);
	assert_int_equal(dest_op(DPVS_MSG_DEST_ADD, IPPROTO_TCP, VIP, 80, RIP1, 80, 2), -EEXIST);
	/* no port: the service's, so this is the same dest */
	assert_int_equal(dest_op(DPVS_MSG_DEST_ADD, IPPROTO_TCP, VIP, 80, RIP1, 0, 2), -EEXIST);
	struct dpvs_conn_query cq = { 0 };
	assert_int_equal(ctl_test_call(DPVS_MSG_CONN_LIST, 0, &cq, sizeof(cq) - 1, &rep), -EINVAL);
}

static void test_ctl_list_edit_del_flush(void **state)
{
	struct dpvs_svc s;
	const struct dpvs_list *l;
	const struct dpvs_dest *d;

	(void)state;
	assert_int_equal(add_svc(IPPROTO_TCP, VIP, 80, ""), 0); /* ipvsadm's default */
	assert_int_equal(add_svc(IPPROTO_UDP, VIP, 53, "wrr"), 0);
	assert_int_equal(dest_op(DPVS_MSG_DEST_ADD, IPPROTO_TCP, VIP, 80, RIP1, 8080, 3), 0);
	assert_int_equal(dest_op(DPVS_MSG_DEST_ADD, IPPROTO_TCP, VIP, 80, RIP2, 8080, 1), 0);

	assert_int_equal(ctl_test_call(DPVS_MSG_SVC_LIST, 0, NULL, 0, &rep), 0);
	l = (const struct dpvs_list *)ctl_test_payload(&rep);
	assert_int_equal(l->count, 2);
	assert_int_equal(rep.len, sizeof(*l) + 2 * sizeof(struct dpvs_svc_entry) +
					  2 * sizeof(struct dpvs_dest));

	const struct dpvs_svc_entry *e = list_svc(IPPROTO_TCP, VIP, 80, &d);
	assert_string_equal(e->svc.sched_name, "wlc");
	assert_int_equal(e->svc.num_dests, 2);
	assert_int_equal(d[0].addr.in.s_addr, ip4(RIP1));
	assert_int_equal(ntohs(d[0].port), 8080);
	assert_int_equal(d[0].weight, 3);
	assert_int_equal(d[0].conn_flags, DPVS_FWD_MASQ);
	assert_int_equal(d[1].addr.in.s_addr, ip4(RIP2));

	s = svc_key(IPPROTO_TCP, VIP, 80);
	snprintf(s.sched_name, sizeof(s.sched_name), "rr");
	assert_int_equal(ctl_test_call(DPVS_MSG_SVC_EDIT, 0, &s, sizeof(s), &rep), 0);
	e = list_svc(IPPROTO_TCP, VIP, 80, &d);
	assert_string_equal(e->svc.sched_name, "rr");
	assert_int_equal(e->ndests, 2);
	assert_int_equal(dest_op(DPVS_MSG_DEST_EDIT, IPPROTO_TCP, VIP, 80, RIP2, 8080, 7), 0);
	e = list_svc(IPPROTO_TCP, VIP, 80, &d);
	assert_int_equal(d[1].weight, 7);
	assert_int_equal(dest_op(DPVS_MSG_DEST_DEL, IPPROTO_TCP, VIP, 80, RIP1, 8080, 0), 0);
	e = list_svc(IPPROTO_TCP, VIP, 80, &d);
	assert_int_equal(e->ndests, 1);
	assert_int_equal(d[0].addr.in.s_addr, ip4(RIP2));

	/* traffic, then zero */
	forward(make_pkt(IPPROTO_TCP, CIP, 1234, VIP, 80, RTE_TCP_SYN_FLAG, true));
	e = list_svc(IPPROTO_TCP, VIP, 80, &d);
	assert_int_equal(e->svc.stats.inpkts, 1);
	assert_int_equal(ctl_test_call(DPVS_MSG_ZERO, 0, NULL, 0, &rep), 0);
	e = list_svc(IPPROTO_TCP, VIP, 80, &d);
	assert_int_equal(e->svc.stats.inpkts, 0);
	assert_int_equal(e->svc.stats.conns, 0);
	assert_int_equal(d[0].stats.inpkts, 0);
	assert_int_equal(d[0].inactconns, 1); /* zero leaves live counts alone */

	s = svc_key(IPPROTO_UDP, VIP, 53);
	assert_int_equal(ctl_test_call(DPVS_MSG_SVC_DEL, 0, &s, sizeof(s), &rep), 0);
	assert_int_equal(ctl_test_call(DPVS_MSG_SVC_LIST, 0, NULL, 0, &rep), 0);
	assert_int_equal(((const struct dpvs_list *)ctl_test_payload(&rep))->count, 1);
	assert_int_equal(ctl_test_call(DPVS_MSG_SVC_FLUSH, 0, NULL, 0, &rep), 0);
	assert_int_equal(ctl_test_call(DPVS_MSG_SVC_LIST, 0, NULL, 0, &rep), 0);
	assert_int_equal(((const struct dpvs_list *)ctl_test_payload(&rep))->count, 0);
	/* flushed: new flows are no longer IPVS's, the old conn still is */
	struct rte_mbuf *m = make_pkt(IPPROTO_TCP, CIP, 1235, VIP, 80, RTE_TCP_SYN_FLAG, true);
	assert_int_equal(ipvs_in_collect(0, m), INET_ACCEPT);
	rte_pktmbuf_free(m);
	forward(make_pkt(IPPROTO_TCP, CIP, 1234, VIP, 80, RTE_TCP_ACK_FLAG, true));
}

static void test_rates(void **state)
{
	(void)state;
	assert_int_equal(add_svc(IPPROTO_UDP, VIP, 53, "rr"), 0);
	assert_int_equal(dest_op(DPVS_MSG_DEST_ADD, IPPROTO_UDP, VIP, 53, RIP1, 53, 1), 0);
	ipvs_timer_tick(wk.now_sec);
	for (uint16_t p = 0; p < 40; p++)
		forward(make_pkt(IPPROTO_UDP, CIP, 1000 + p, VIP, 53, 0, true));
	ipvs_timer_tick(wk.now_sec + 2);
	const struct dpvs_dest *d;
	const struct dpvs_svc_entry *e = list_svc(IPPROTO_UDP, VIP, 53, &d);
	/* 40 conns in 2 s = 20/s, smoothed by 1/4 on the first estimate */
	assert_int_equal(e->svc.stats.cps, 5);
	assert_int_equal(e->svc.stats.inpps, 5);
	assert_int_equal(d[0].stats.cps, 5);
}

static void test_conn_list_names(void **state)
{
	struct dpvs_conn c;

	(void)state;
	assert_int_equal(list_conns(NULL), 0);
	assert_int_equal(add_svc(IPPROTO_TCP, VIP, 80, "rr"), 0);
	assert_int_equal(dest_op(DPVS_MSG_DEST_ADD, IPPROTO_TCP, VIP, 80, RIP1, 80, 1), 0);
	for (uint16_t p = 0; p < 10; p++)
		forward(make_pkt(IPPROTO_TCP, CIP, 100 + p, VIP, 80, RTE_TCP_SYN_FLAG, true));
	assert_int_equal(list_conns(&c), 10);
	assert_string_equal(c.state, "SYN_RECV");
	assert_int_equal(c.lcore_id, wk.lcore_id);
	struct dpvs_conn_query q = { .max = 3 };
	assert_int_equal(ctl_test_call(DPVS_MSG_CONN_LIST, 0, &q, sizeof(q), &rep), 0);
	assert_int_equal(((const struct dpvs_list *)ctl_test_payload(&rep))->count, 3);
}

/* A worker on another thread: the control side must use the mailbox. */
static volatile bool worker_run;

static void *worker_thread(void *arg)
{
	(void)arg;
	while (worker_run)
		ipvs_worker_timer(&wk);
	return NULL;
}

static void test_conn_list_mailbox(void **state)
{
	struct dpvs_conn_query q = { .max = 100 };
	struct dpvs_conn c;
	pthread_t th;

	(void)state;
	assert_int_equal(add_svc(IPPROTO_UDP, VIP, 53, "rr"), 0);
	assert_int_equal(dest_op(DPVS_MSG_DEST_ADD, IPPROTO_UDP, VIP, 53, RIP1, 53, 1), 0);
	for (uint16_t p = 0; p < 10; p++)
		forward(make_pkt(IPPROTO_UDP, CIP, 100 + p, VIP, 53, 0, true));
	wk.lcore_id = rte_lcore_id() + 1; /* not us: never walk its table */

	/* nobody serves the mailbox: a bounded wait, then an error */
	assert_int_equal(ctl_test_call(DPVS_MSG_CONN_LIST, 0, &q, sizeof(q), &rep), -ETIMEDOUT);
	assert_non_null(strstr(rep.msg, "did not list its connections"));
	/* the request is still posted: the next one is refused at once */
	assert_int_equal(ctl_test_call(DPVS_MSG_CONN_LIST, 0, &q, sizeof(q), &rep), -EBUSY);

	worker_run = true;
	assert_int_equal(pthread_create(&th, NULL, worker_thread, NULL), 0);
	/* the worker closes the cancelled request, then serves a new one */
	for (int i = 0; i < 100; i++) {
		if (ctl_test_call(DPVS_MSG_CONN_LIST, 0, &q, sizeof(q), &rep) == 0)
			break;
		usleep(10000);
	}
	worker_run = false;
	pthread_join(th, NULL);
	assert_int_equal(rep.status, 0);
	assert_int_equal(((const struct dpvs_list *)ctl_test_payload(&rep))->count, 10);
	c = *(const struct dpvs_conn *)(ctl_test_payload(&rep) + sizeof(struct dpvs_list));
	assert_string_equal(c.state, "UDP");
	assert_int_equal(c.lcore_id, rte_lcore_id() + 1);
}

static void test_apply_config(void **state)
{
	struct dpvs_config *a = calloc(1, sizeof(*a));
	struct dpvs_config *b = calloc(1, sizeof(*b));
	char report[2048];
	const struct dpvs_dest *d;
	struct dpvs_timeouts *t;

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	/* by hand, before any file: must survive reloads */
	assert_int_equal(add_svc(IPPROTO_UDP, VIP, 53, "rr"), 0);

	a->timeouts = (struct dpvs_timeouts){ 900, 120, 300 };
	a->nservices = 1;
	snprintf(a->services[0].name, sizeof(a->services[0].name), "web");
	a->services[0].svc = svc_key(IPPROTO_TCP, VIP, 80);
	snprintf(a->services[0].svc.sched_name, DPVS_SCHED_NAME_MAX, "rr");
	a->services[0].ndests = 2;
	a->services[0].dests[0] = dest_req(IPPROTO_TCP, VIP, 80, RIP1, 80, 1).dest;
	a->services[0].dests[1] = dest_req(IPPROTO_TCP, VIP, 80, RIP2, 80, 1).dest;
	assert_int_equal(ipvs_apply_config(NULL, a, report, sizeof(report), NULL), 0);
	assert_non_null(strstr(report, "[service:web] TCP 10.0.0.1:80 added"));
	assert_non_null(strstr(report, "real server 192.168.1.11:80 added"));
	list_svc(IPPROTO_TCP, VIP, 80, &d);
	forward(make_pkt(IPPROTO_TCP, CIP, 4000, VIP, 80, RTE_TCP_SYN_FLAG, true));

	/* new file: RIP1 reweighted, RIP2 gone, udp timeout 60, wrr */
	*b = *a;
	snprintf(b->services[0].svc.sched_name, DPVS_SCHED_NAME_MAX, "wrr");
	b->services[0].ndests = 1;
	b->services[0].dests[0].weight = 5;
	b->timeouts.udp_timeout = 60;
	b->expire_nodest_conn = true;
	b->sloppy_tcp = true;
	assert_int_equal(ipvs_apply_config(a, b, report, sizeof(report), NULL), 0);
	assert_non_null(strstr(report, "TCP 10.0.0.1:80 updated"));
	assert_non_null(strstr(report, "real server 192.168.1.11:80 removed"));
	assert_non_null(strstr(report, "real server 192.168.1.10:80 updated"));
	const struct dpvs_svc_entry *e = list_svc(IPPROTO_TCP, VIP, 80, &d);
	assert_string_equal(e->svc.sched_name, "wrr");
	assert_int_equal(e->ndests, 1);
	assert_int_equal(d[0].weight, 5);
	assert_int_equal(d[0].inactconns, 1); /* the conn survived */
	assert_int_equal(ctl_test_call(DPVS_MSG_TIMEOUT_GET, 0, NULL, 0, &rep), 0);
	t = (struct dpvs_timeouts *)ctl_test_payload(&rep);
	assert_int_equal(t->udp_timeout, 60);
	/* sloppy_tcp from the file: an ACK may open a conn */
	forward(make_pkt(IPPROTO_TCP, CIP, 4001, VIP, 80, RTE_TCP_ACK_FLAG, true));

	/* same file again: nothing to do, nothing said */
	assert_int_equal(ipvs_apply_config(b, b, report, sizeof(report), NULL), 0);
	assert_string_equal(report, "");

	/* the service leaves the file: removed; the hand-made one stays */
	b->nservices = 0;
	assert_int_equal(ipvs_apply_config(a, b, report, sizeof(report), NULL), 0);
	assert_non_null(strstr(report, "[service:web] TCP 10.0.0.1:80 removed"));
	assert_int_equal(ctl_test_call(DPVS_MSG_SVC_LIST, 0, NULL, 0, &rep), 0);
	assert_int_equal(((const struct dpvs_list *)ctl_test_payload(&rep))->count, 1);
	list_svc(IPPROTO_UDP, VIP, 53, &d);

	/* a bad service in a file: all or nothing (issue 19 item 2): web,
	 * added before it, is taken back and the report names the culprit */
	b->nservices = 2;
	b->services[0] = a->services[0];
	b->services[1] = a->services[0];
	snprintf(b->services[1].name, sizeof(b->services[1].name), "bad");
	b->services[1].svc.port = htons(81);
	snprintf(b->services[1].svc.sched_name, DPVS_SCHED_NAME_MAX, "nope");
	assert_int_equal(ipvs_apply_config(NULL, b, report, sizeof(report), NULL), -ENOENT);
	assert_non_null(strstr(report, "[service:bad] service: TCP 10.0.0.1:81 cannot be added: "
				       "scheduler 'nope'"));
	assert_null(strstr(report, "added\n"));
	assert_int_equal(ctl_test_call(DPVS_MSG_SVC_LIST, 0, NULL, 0, &rep), 0);
	assert_int_equal(((const struct dpvs_list *)ctl_test_payload(&rep))->count, 1);
	list_svc(IPPROTO_UDP, VIP, 53, &d);
	free(a);
	free(b);
}

/* A reload whose later step failed undoes a successful apply
 * (ipvs_config_undo): the services as before, the real servers in their
 * order, a conn's dest with its counters. */
static void test_apply_config_undo(void **state)
{
	struct dpvs_config *a = calloc(1, sizeof(*a));
	struct dpvs_config *b = calloc(1, sizeof(*b));
	static const char *rips[3] = { RIP1, "192.168.1.12", RIP2 };
	char report[4096], err[256];
	struct ipvs_undo *undo;
	const struct dpvs_dest *d;

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	a->timeouts = (struct dpvs_timeouts){ 900, 120, 300 };
	a->nservices = 1;
	snprintf(a->services[0].name, sizeof(a->services[0].name), "web");
	a->services[0].svc = svc_key(IPPROTO_TCP, VIP, 80);
	snprintf(a->services[0].svc.sched_name, DPVS_SCHED_NAME_MAX, "rr");
	a->services[0].ndests = 3;
	for (unsigned i = 0; i < 3; i++)
		a->services[0].dests[i] = dest_req(IPPROTO_TCP, VIP, 80, rips[i], 80, 1).dest;
	assert_int_equal(ipvs_apply_config(NULL, a, report, sizeof(report), NULL), 0);
	/* a conn on the middle one (rr: the second new conn) */
	forward(make_pkt(IPPROTO_TCP, CIP, 4000, VIP, 80, RTE_TCP_SYN_FLAG, true));
	forward(make_pkt(IPPROTO_TCP, CIP, 4001, VIP, 80, RTE_TCP_SYN_FLAG, true));
	list_svc(IPPROTO_TCP, VIP, 80, &d);
	assert_int_equal(d[1].inactconns, 1);

	/* the middle one removed, the first reweighted, wrr, a new service,
	 * the udp timeout */
	*b = *a;
	snprintf(b->services[0].svc.sched_name, DPVS_SCHED_NAME_MAX, "wrr");
	b->services[0].dests[0].weight = 5;
	b->services[0].dests[1] = a->services[0].dests[2];
	b->services[0].ndests = 2;
	b->nservices = 2;
	b->services[1] = a->services[0];
	snprintf(b->services[1].name, sizeof(b->services[1].name), "more");
	b->services[1].svc.port = htons(81);
	b->services[1].ndests = 1;
	b->timeouts.udp_timeout = 60;
	assert_int_equal(ipvs_apply_config(a, b, report, sizeof(report), &undo), 0);
	assert_non_null(undo);
	assert_non_null(strstr(report, "real server 192.168.1.12:80 removed"));
	assert_non_null(strstr(report, "[service:more] TCP 10.0.0.1:81 added"));

	assert_int_equal(ipvs_config_undo(undo, err, sizeof(err)), 0);
	ipvs_undo_free(undo);
	const struct dpvs_svc_entry *e = list_svc(IPPROTO_TCP, VIP, 80, &d);
	assert_string_equal(e->svc.sched_name, "rr");
	assert_int_equal(e->ndests, 3);
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(d[i].addr.in.s_addr, ip4(rips[i]));
		assert_int_equal(d[i].weight, 1);
	}
	assert_int_equal(d[1].inactconns, 1); /* its conn is its own again */
	assert_int_equal(ctl_test_call(DPVS_MSG_SVC_LIST, 0, NULL, 0, &rep), 0);
	assert_int_equal(((const struct dpvs_list *)ctl_test_payload(&rep))->count, 1);
	assert_int_equal(ctl_test_call(DPVS_MSG_TIMEOUT_GET, 0, NULL, 0, &rep), 0);
	assert_int_equal(((struct dpvs_timeouts *)ctl_test_payload(&rep))->udp_timeout, 300);
	free(a);
	free(b);
}

/* ---- persistence, thresholds, fwmark, one-packet (issue 5) ---- */

static void sent_free(void)
{
	for (int i = 0; i < nsent; i++)
		rte_pktmbuf_free(sent[i]);
	nsent = 0;
}

static int add_persistent(uint16_t proto, const char *vip, uint16_t port, const char *sched,
			  uint32_t timeout, const char *mask)
{
	struct dpvs_svc s = svc_key(proto, vip, port);

	snprintf(s.sched_name, sizeof(s.sched_name), "%s", sched);
	s.flags = DPVS_SVC_F_PERSISTENT;
	s.timeout = timeout;
	s.netmask = ip4(mask);
	return ctl_test_call(DPVS_MSG_SVC_ADD, 0, &s, sizeof(s), &rep);
}

/* The dest a new TCP flow from src:sport to vip:vport is sent to. */
static uint32_t syn_to(const char *src, uint16_t sport, const char *vip, uint16_t vport)
{
	struct rte_ipv4_hdr *ip = forward(make_pkt(IPPROTO_TCP, src, sport, vip, vport,
						   RTE_TCP_SYN_FLAG, true));
	uint32_t d = ip->dst_addr;

	sent_free();
	return d;
}

/* Templates in the conn listing (and the number of all entries). */
static uint32_t list_templates(struct dpvs_conn *t, uint32_t max, uint32_t *all)
{
	struct dpvs_conn_query q = { .max = 100 };
	const struct dpvs_list *l;
	const struct dpvs_conn *c;
	uint32_t n = 0;

	assert_int_equal(ctl_test_call(DPVS_MSG_CONN_LIST, 0, &q, sizeof(q), &rep), 0);
	l = (const struct dpvs_list *)ctl_test_payload(&rep);
	c = (const struct dpvs_conn *)(l + 1);
	for (uint32_t i = 0; i < l->count; i++)
		if ((c[i].flags & DPVS_CONN_F_TEMPLATE) && n < max)
			t[n++] = c[i];
	if (all)
		*all = l->count;
	return n;
}

static void test_persistence_sticks(void **state)
{
	struct dpvs_conn t[4];
	const struct dpvs_dest *d;
	const struct dpvs_svc_entry *e;
	uint32_t first, all;

	(void)state;
	assert_int_equal(add_persistent(IPPROTO_TCP, VIP, 80, "rr", 0, "255.255.255.255"), 0);
	assert_int_equal(dest_op(DPVS_MSG_DEST_ADD, IPPROTO_TCP, VIP, 80, RIP1, 80, 1), 0);
	assert_int_equal(dest_op(DPVS_MSG_DEST_ADD, IPPROTO_TCP, VIP, 80, RIP2, 80, 1), 0);
	e = list_svc(IPPROTO_TCP, VIP, 80, &d);
	assert_int_equal(e->svc.timeout, 300); /* the default */
	assert_true(e->svc.flags & DPVS_SVC_F_PERSISTENT);
	/* rr would alternate; persistence keeps the client on one dest */
	first = syn_to(CIP, 40000, VIP, 80);
	for (uint16_t p = 1; p < 6; p++)
		assert_int_equal(syn_to(CIP, (uint16_t)(40000 + p), VIP, 80), first);
	/* another client is scheduled: rr's next dest */
	assert_int_not_equal(syn_to("172.16.0.6", 40000, VIP, 80), first);
	/* the templates, as ipvsadm -Lnc shows them: client port 0, NONE */
	assert_int_equal(list_templates(t, 4, &all), 2);
	assert_int_equal(all, 9); /* 7 conns, 2 templates */
	for (int i = 0; i < 2; i++) {
		assert_string_equal(t[i].state, "NONE");
		assert_int_equal(t[i].protocol, IPPROTO_TCP);
		assert_int_equal(t[i].cport, 0);
		assert_int_equal(ntohs(t[i].vport), 80);
		assert_int_equal(ntohs(t[i].dport), 80);
		assert_int_equal(t[i].expires_sec, 300);
	}
	e = list_svc(IPPROTO_TCP, VIP, 80, &d);
	assert_int_equal(d[0].persistconns + d[1].persistconns, 2);
	assert_int_equal(d[0].inactconns + d[1].inactconns, 7);
}

/* -s none, as LVS: no scheduler, so no new connection (no-dest); the
 * connections there are go on, and a client with a persistence template
 * still reaches its dest (the template is asked before the scheduler). */
static void test_sched_none(void **state)
{
	struct dpvs_svc s = svc_key(IPPROTO_TCP, VIP, 80);
	const struct dpvs_dest *d;
	const struct dpvs_svc_entry *e;
	uint32_t first;

	(void)state;
	assert_int_equal(add_persistent(IPPROTO_TCP, VIP, 80, "rr", 0, "255.255.255.255"), 0);
	assert_int_equal(dest_op(DPVS_MSG_DEST_ADD, IPPROTO_TCP, VIP, 80, RIP1, 80, 1), 0);
	assert_int_equal(dest_op(DPVS_MSG_DEST_ADD, IPPROTO_TCP, VIP, 80, RIP2, 80, 1), 0);
	first = syn_to(CIP, 40000, VIP, 80);
	snprintf(s.sched_name, sizeof(s.sched_name), "none");
	s.flags = DPVS_SVC_F_PERSISTENT;
	s.netmask = ip4("255.255.255.255");
	assert_int_equal(ctl_test_call(DPVS_MSG_SVC_EDIT, 0, &s, sizeof(s), &rep), 0);
	e = list_svc(IPPROTO_TCP, VIP, 80, &d);
	assert_string_equal(e->svc.sched_name, "none");
	/* the client with a template: its dest, a new conn */
	assert_int_equal(syn_to(CIP, 40001, VIP, 80), first);
	/* a new client: no scheduler, no dest */
	expect_drop(make_pkt(IPPROTO_TCP, "172.16.0.6", 40000, VIP, 80, RTE_TCP_SYN_FLAG, true),
		    DPVS_DROP_CONN_NO_DEST);
	/* a service made with none, without persistence: nothing new */
	assert_int_equal(add_svc(IPPROTO_UDP, VIP, 53, "none"), 0);
	assert_int_equal(dest_op(DPVS_MSG_DEST_ADD, IPPROTO_UDP, VIP, 53, RIP1, 53, 1), 0);
	expect_drop(make_pkt(IPPROTO_UDP, CIP, 40000, VIP, 53, 0, true), DPVS_DROP_CONN_NO_DEST);
}

static void test_persistence_template_lifetime(void **state)
{
	struct dpvs_conn t[2];
	uint32_t first, all;

	(void)state;
	assert_int_equal(add_persistent(IPPROTO_UDP, VIP, 53, "rr", 10, "255.255.255.255"), 0);
	assert_int_equal(dest_op(DPVS_MSG_DEST_ADD, IPPROTO_UDP, VIP, 53, RIP1, 53, 1), 0);
	assert_int_equal(dest_op(DPVS_MSG_DEST_ADD, IPPROTO_UDP, VIP, 53, RIP2, 53, 1), 0);
	first = forward(make_pkt(IPPROTO_UDP, CIP, 3000, VIP, 53, 0, true))->dst_addr;
	sent_free();
	/* the UDP conn (300 s) outlives the 10 s template's timeout: the
	 * template stays while it controls a conn */
	tick(20);
	assert_int_equal(list_templates(t, 2, &all), 1);
	assert_int_equal(all, 2);
	/* a new flow of the client still goes to the same dest */
	assert_int_equal(forward(make_pkt(IPPROTO_UDP, CIP, 3001, VIP, 53, 0, true))->dst_addr,
			 first);
	sent_free();
	/* once its conns are gone, the template expires after its timeout */
	tick(300 + 15);
	assert_int_equal(list_templates(t, 2, &all), 0);
	assert_int_equal(all, 0);
}

static void test_persistence_netmask_port0_and_rebind(void **state)
{
	uint32_t a, b;

	(void)state;
	/* port 0: needs -p; then every port of the VIP, one template per
	 * /24 of clients */
	assert_int_equal(add_svc(IPPROTO_TCP, VIP, 0, "rr"), -EINVAL);
	assert_int_equal(add_persistent(IPPROTO_TCP, VIP, 0, "rr", 0, "255.255.255.0"), 0);
	assert_int_equal(dest_op(DPVS_MSG_DEST_ADD, IPPROTO_TCP, VIP, 0, RIP1, 0, 1), 0);
	assert_int_equal(dest_op(DPVS_MSG_DEST_ADD, IPPROTO_TCP, VIP, 0, RIP2, 0, 1), 0);
	struct rte_ipv4_hdr *ip = forward(make_pkt(IPPROTO_TCP, "172.16.0.5", 40000, VIP, 443,
						   RTE_TCP_SYN_FLAG, true));
	a = ip->dst_addr;
	assert_int_equal(dport_of(ip), 443); /* a dest without port keeps it */
	sent_free();
	assert_int_equal(syn_to("172.16.0.77", 40000, VIP, 22), a); /* same /24 */
	b = syn_to("172.16.1.5", 40000, VIP, 80); /* another /24: rr's next */
	assert_int_not_equal(a, b);
	/* the template's dest leaves: the client is moved to another one */
	assert_int_equal(dest_op(DPVS_MSG_DEST_DEL, IPPROTO_TCP, VIP, 0,
				 a == ip4(RIP1) ? RIP1 : RIP2, 0, 1), 0);
	assert_int_equal(syn_to("172.16.0.5", 40001, VIP, 80), b);
	assert_int_equal(syn_to("172.16.0.9", 40001, VIP, 81), b);
}

static void test_thresholds(void **state)
{
	struct dpvs_dest_req q;
	const struct dpvs_dest *d;

	(void)state;
	assert_int_equal(add_svc(IPPROTO_UDP, VIP, 53, "wrr"), 0);
	q = dest_req(IPPROTO_UDP, VIP, 53, RIP1, 53, 100);
	q.dest.u_threshold = 4;
	q.dest.l_threshold = 2;
	assert_int_equal(ctl_test_call(DPVS_MSG_DEST_ADD, 0, &q, sizeof(q), &rep), 0);
	assert_int_equal(dest_op(DPVS_MSG_DEST_ADD, IPPROTO_UDP, VIP, 53, RIP2, 53, 1), 0);
	list_svc(IPPROTO_UDP, VIP, 53, &d);
	assert_int_equal(d[0].u_threshold, 4);
	assert_int_equal(d[0].l_threshold, 2);
	/* RIP1 (weight 100) takes conns until it has 4: then it is
	 * overloaded and RIP2 takes the rest */
	for (uint16_t p = 0; p < 8; p++) {
		uint32_t to = forward(make_pkt(IPPROTO_UDP, CIP, (uint16_t)(5000 + p), VIP, 53, 0,
					       true))->dst_addr;

		assert_int_equal(to, p < 4 ? ip4(RIP1) : ip4(RIP2));
		sent_free();
	}
	/* edit: no threshold any more -> RIP1 takes conns again */
	q.dest.u_threshold = 0;
	q.dest.l_threshold = 0;
	assert_int_equal(ctl_test_call(DPVS_MSG_DEST_EDIT, 0, &q, sizeof(q), &rep), 0);
	assert_int_equal(forward(make_pkt(IPPROTO_UDP, CIP, 6000, VIP, 53, 0, true))->dst_addr,
			 ip4(RIP1));
	sent_free();
}

static void test_thresholds_hysteresis(void **state)
{
	struct dpvs_dest_req q;

	(void)state;
	assert_int_equal(add_svc(IPPROTO_UDP, VIP, 53, "fo"), 0);
	q = dest_req(IPPROTO_UDP, VIP, 53, RIP1, 53, 10);
	q.dest.u_threshold = 4; /* no lower: accepted again under 3/4 of 4 */
	assert_int_equal(ctl_test_call(DPVS_MSG_DEST_ADD, 0, &q, sizeof(q), &rep), 0);
	assert_int_equal(dest_op(DPVS_MSG_DEST_ADD, IPPROTO_UDP, VIP, 53, RIP2, 53, 1), 0);
	/* 4 conns at 1 s apart on RIP1, so they expire one by one */
	for (uint16_t p = 0; p < 4; p++) {
		assert_int_equal(forward(make_pkt(IPPROTO_UDP, CIP, (uint16_t)(7000 + p), VIP, 53,
						  0, true))->dst_addr, ip4(RIP1));
		sent_free();
		tick(1);
	}
	/* overloaded at 4: RIP2 */
	assert_int_equal(forward(make_pkt(IPPROTO_UDP, CIP, 7100, VIP, 53, 0, true))->dst_addr,
			 ip4(RIP2));
	sent_free();
	/* the first RIP1 conn expires (300 s after it began): 3 left, not
	 * under 3/4 * 4 = 3, still overloaded */
	tick(300 - 4);
	assert_int_equal(forward(make_pkt(IPPROTO_UDP, CIP, 7101, VIP, 53, 0, true))->dst_addr,
			 ip4(RIP2));
	sent_free();
	/* the second one expires: 2 < 3, RIP1 takes conns again */
	tick(1);
	assert_int_equal(forward(make_pkt(IPPROTO_UDP, CIP, 7102, VIP, 53, 0, true))->dst_addr,
			 ip4(RIP1));
	sent_free();
}

static int fwmark_op(uint16_t type, uint8_t proto, const char *net, uint8_t plen,
		     uint16_t lo, uint16_t hi, uint32_t mark)
{
	struct dpvs_fwmark_rule r = { .family = AF_INET, .protocol = proto, .prefixlen = plen,
				      .dport_min = lo, .dport_max = hi, .mark = mark };

	r.daddr.in.s_addr = ip4(net);
	return ctl_test_call(type, 0, &r, sizeof(r), &rep);
}

static const struct dpvs_fwmark_rule *fwmark_show(uint32_t *n)
{
	const struct dpvs_list *l;

	assert_int_equal(ctl_test_call(DPVS_MSG_FWMARK_SHOW, 0, NULL, 0, &rep), 0);
	l = (const struct dpvs_list *)ctl_test_payload(&rep);
	assert_int_equal(l->entry_size, sizeof(struct dpvs_fwmark_rule));
	assert_int_equal(rep.len, sizeof(*l) + l->count * sizeof(struct dpvs_fwmark_rule));
	*n = l->count;
	return (const struct dpvs_fwmark_rule *)(l + 1);
}

static void test_fwmark_service(void **state)
{
	struct dpvs_svc s;
	struct dpvs_dest_req q;
	struct rte_ipv4_hdr *ip;
	const struct dpvs_fwmark_rule *r;
	uint32_t n;

	(void)state;
	/* rules: TCP 10.0.0.0/24 ports 80-90 -> 5, UDP 10.0.0.1 -> 5,
	 * and an earlier, narrower rule that wins for port 85 -> 6 */
	assert_int_equal(fwmark_op(DPVS_MSG_FWMARK_ADD, IPPROTO_TCP, "10.0.0.0", 24, 85, 85, 6), 0);
	assert_int_equal(fwmark_op(DPVS_MSG_FWMARK_ADD, IPPROTO_TCP, "10.0.0.0", 24, 80, 90, 5), 0);
	assert_int_equal(fwmark_op(DPVS_MSG_FWMARK_ADD, IPPROTO_UDP, VIP, 32, 0, 65535, 5), 0);
	assert_int_equal(fwmark_op(DPVS_MSG_FWMARK_ADD, IPPROTO_UDP, VIP, 32, 0, 65535, 5),
			 -EEXIST);
	/* bad rules say what is wrong */
	assert_int_equal(fwmark_op(DPVS_MSG_FWMARK_ADD, 0, "10.0.0.1", 24, 0, 1, 5), -EINVAL);
	assert_non_null(strstr(rep.msg, "host bits"));
	assert_int_equal(fwmark_op(DPVS_MSG_FWMARK_ADD, 0, "10.0.0.0", 33, 0, 1, 5), -EINVAL);
	assert_int_equal(fwmark_op(DPVS_MSG_FWMARK_ADD, 0, "10.0.0.0", 24, 9, 1, 5), -EINVAL);
	assert_int_equal(fwmark_op(DPVS_MSG_FWMARK_ADD, 0, "10.0.0.0", 24, 0, 1, 0), -EINVAL);
	assert_int_equal(fwmark_op(DPVS_MSG_FWMARK_ADD, IPPROTO_ICMP, "10.0.0.0", 24, 0, 1, 5),
			 -EPROTONOSUPPORT);
	assert_int_equal(fwmark_op(DPVS_MSG_FWMARK_DEL, 0, "10.0.0.0", 24, 0, 1, 5), -ENOENT);

	memset(&s, 0, sizeof(s));
	s.af = AF_INET;
	s.fwmark = 5;
	snprintf(s.sched_name, sizeof(s.sched_name), "rr");
	assert_int_equal(ctl_test_call(DPVS_MSG_SVC_ADD, 0, &s, sizeof(s), &rep), 0);
	memset(&q, 0, sizeof(q));
	q.svc = s;
	q.dest.af = AF_INET;
	q.dest.addr.in.s_addr = ip4(RIP1);
	q.dest.weight = 1; /* no port: the packet's */
	assert_int_equal(ctl_test_call(DPVS_MSG_DEST_ADD, 0, &q, sizeof(q), &rep), 0);

	/* two VIPs and ports, TCP and UDP: one service */
	ip = forward(make_pkt(IPPROTO_TCP, CIP, 40000, "10.0.0.7", 88, RTE_TCP_SYN_FLAG, true));
	assert_int_equal(ip->dst_addr, ip4(RIP1));
	assert_int_equal(dport_of(ip), 88);
	ip = forward(make_pkt(IPPROTO_UDP, CIP, 40000, VIP, 7, 0, true));
	assert_int_equal(ip->dst_addr, ip4(RIP1));
	assert_int_equal(dport_of(ip), 7);
	/* the reply is translated back to the VIP it came for */
	ip = forward(make_pkt(IPPROTO_TCP, RIP1, 88, CIP, 40000,
			      RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, true));
	assert_int_equal(ip->src_addr, ip4("10.0.0.7"));
	sent_free();
	/* port 85 has mark 6 (no service), port 91 no mark: not IPVS */
	assert_int_equal(ipvs_in_collect(0, make_pkt(IPPROTO_TCP, CIP, 40001, "10.0.0.7", 85,
						  RTE_TCP_SYN_FLAG, true)), INET_ACCEPT);
	assert_int_equal(ipvs_in_collect(0, make_pkt(IPPROTO_TCP, CIP, 40001, "10.0.0.7", 91,
						  RTE_TCP_SYN_FLAG, true)), INET_ACCEPT);
	/* hits per rule, in order */
	r = fwmark_show(&n);
	assert_int_equal(n, 3);
	assert_int_equal(r[0].mark, 6);
	assert_int_equal(r[0].packets, 1);
	assert_int_equal(r[1].packets, 1);
	assert_int_equal(r[2].packets, 1);
	assert_int_equal(r[1].dport_min, 80);
	assert_int_equal(r[1].dport_max, 90);
	/* delete the UDP rule: UDP to the VIP is not IPVS any more */
	assert_int_equal(fwmark_op(DPVS_MSG_FWMARK_DEL, IPPROTO_UDP, VIP, 32, 0, 65535, 5), 0);
	fwmark_show(&n);
	assert_int_equal(n, 2);
	assert_int_equal(ipvs_in_collect(0, make_pkt(IPPROTO_UDP, CIP, 40009, VIP, 7, 0, true)),
			 INET_ACCEPT);
}

static void test_fwmark_persistence(void **state)
{
	struct dpvs_svc s;
	struct dpvs_dest_req q;
	struct dpvs_conn t[2];
	uint32_t a;

	(void)state;
	assert_int_equal(fwmark_op(DPVS_MSG_FWMARK_ADD, 0, "10.0.0.0", 24, 0, 65535, 9), 0);
	memset(&s, 0, sizeof(s));
	s.af = AF_INET;
	s.fwmark = 9;
	s.flags = DPVS_SVC_F_PERSISTENT;
	s.timeout = 60;
	s.netmask = 0xffffffff;
	snprintf(s.sched_name, sizeof(s.sched_name), "rr");
	assert_int_equal(ctl_test_call(DPVS_MSG_SVC_ADD, 0, &s, sizeof(s), &rep), 0);
	memset(&q, 0, sizeof(q));
	q.svc = s;
	q.dest.af = AF_INET;
	q.dest.weight = 1;
	q.dest.addr.in.s_addr = ip4(RIP1);
	assert_int_equal(ctl_test_call(DPVS_MSG_DEST_ADD, 0, &q, sizeof(q), &rep), 0);
	q.dest.addr.in.s_addr = ip4(RIP2);
	assert_int_equal(ctl_test_call(DPVS_MSG_DEST_ADD, 0, &q, sizeof(q), &rep), 0);
	/* one client, several VIPs and ports: one dest */
	a = syn_to(CIP, 40000, "10.0.0.1", 80);
	assert_int_equal(syn_to(CIP, 40001, "10.0.0.2", 443), a);
	assert_int_equal(syn_to(CIP, 40002, "10.0.0.3", 22), a);
	/* LVS's fwmark template: <IP, client, 0, fwmark, 0, dest, 0> */
	assert_int_equal(list_templates(t, 2, NULL), 1);
	assert_int_equal(t[0].protocol, 0);
	assert_int_equal(t[0].vaddr.in.s_addr, htonl(9));
	assert_int_equal(t[0].fwmark, 9);
	assert_int_equal(t[0].vport, 0);
	assert_int_equal(t[0].dport, 0);
	assert_int_equal(t[0].daddr.in.s_addr, a);
}

static void test_one_packet(void **state)
{
	struct dpvs_svc s = svc_key(IPPROTO_UDP, VIP, 53);
	struct dpvs_conn c;

	(void)state;
	snprintf(s.sched_name, sizeof(s.sched_name), "rr");
	s.flags = DPVS_SVC_F_ONEPACKET;
	assert_int_equal(ctl_test_call(DPVS_MSG_SVC_ADD, 0, &s, sizeof(s), &rep), 0);
	assert_int_equal(dest_op(DPVS_MSG_DEST_ADD, IPPROTO_UDP, VIP, 53, RIP1, 53, 1), 0);
	assert_int_equal(dest_op(DPVS_MSG_DEST_ADD, IPPROTO_UDP, VIP, 53, RIP2, 53, 1), 0);
	/* each datagram of one flow is scheduled on its own: rr alternates */
	assert_int_equal(forward(make_pkt(IPPROTO_UDP, CIP, 3000, VIP, 53, 0, true))->dst_addr,
			 ip4(RIP1));
	assert_int_equal(forward(make_pkt(IPPROTO_UDP, CIP, 3000, VIP, 53, 0, true))->dst_addr,
			 ip4(RIP2));
	assert_int_equal(list_conns(&c), 0);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_conn_size),
		T(test_nat_tcp_both_ways),
		T(test_nat_udp),
		T(test_not_ipvs_traffic),
		T(test_tcp_needs_syn),
		T(test_sloppy_tcp),
		T(test_no_dest),
		T(test_ttl),
		cmocka_unit_test_setup_teardown(test_conn_full, setup_small, teardown),
		T(test_udp_timer),
		T(test_tcp_states_and_timeouts),
		T(test_port_reuse_after_close),
		T(test_timeout_set_get),
		T(test_tcp_state_timeouts),
		T(test_icmp_port_unreachable),
		T(test_icmp_frag_needed_tcp),
		T(test_quiesce),
		T(test_dest_removal),
		T(test_ctl_errors),
		T(test_ctl_list_edit_del_flush),
		T(test_rates),
		T(test_conn_list_names),
		T(test_conn_list_mailbox),
		T(test_apply_config),
		T(test_apply_config_undo),
		T(test_persistence_sticks),
		T(test_sched_none),
		T(test_persistence_template_lifetime),
		T(test_persistence_netmask_port0_and_rebind),
		T(test_thresholds),
		T(test_thresholds_hysteresis),
		T(test_fwmark_service),
		T(test_fwmark_persistence),
		T(test_one_packet),
	};

	dp_test_eal();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
