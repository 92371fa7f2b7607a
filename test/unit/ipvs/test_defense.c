/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The DoS defences (src/ipvs/defense.h) and the keyed connection hash
 * (src/ipvs/conn_hash.h), driven as a user would: settings through the
 * DEFENSE_SET/GET handlers of the control socket, packets through
 * ipvs_in, seconds through ipvs_worker_timer. Below IPVS the real stack
 * on two fake ports, as test_ipvs_dp.c (whose fixture this repeats in
 * short): dpdk0 faces the clients, dpdk1 the real servers.
 */
#include <rte_hash_crc.h>

#include "ipvs_test_env.h"

static void tick(uint64_t secs)
{
	for (uint64_t i = 0; i < secs; i++) {
		wk.now_sec++;
		ipvs_worker_timer(&wk);
	}
}

/* dpip defense set, as the socket carries it; the handler's status */
static int defense_set(uint32_t mask, const struct dpvs_defense *v)
{
	struct dpvs_defense d = *v;

	d.mask = mask;
	return ctl_test_call(DPVS_MSG_DEFENSE_SET, 0, &d, sizeof(d), &rep);
}

static struct dpvs_defense_info defense_get(void)
{
	struct dpvs_defense_info in;

	assert_int_equal(ctl_test_call(DPVS_MSG_DEFENSE_GET, 0, NULL, 0, &rep), 0);
	assert_int_equal(rep.len, sizeof(in));
	memcpy(&in, ctl_test_payload(&rep), sizeof(in));
	return in;
}

static void nat_svc(uint16_t proto, uint16_t port)
{
	assert_int_equal(add_svc(proto, VIP, port, "rr"), 0);
	assert_int_equal(dest_op(DPVS_MSG_DEST_ADD, proto, VIP, port, RIP1, port, 1), 0);
}

static struct rte_mbuf *syn(const char *src, uint16_t sport)
{
	return make_pkt(IPPROTO_TCP, src, sport, VIP, 80, RTE_TCP_SYN_FLAG, true);
}

/* ---- the hash ---- */

/* SipHash-c-d over bytes, straight from the paper's description: the
 * reference the packed 13-byte tuple hash must agree with */
static uint64_t siphash_ref(const struct ipvs_hash_key *k, const uint8_t *in, size_t len,
			    unsigned c, unsigned d)
{
	uint64_t m[4] = { 0 };
	size_t n = len / 8 + 1;

	assert_true(n <= 4);
	memcpy(m, in, len); /* little-endian host */
	m[n - 1] |= (uint64_t)(len & 0xff) << 56;
	return ipvs_siphash_words(k, m, (unsigned)n, c, d);
}

static void test_siphash_vectors(void **state)
{
	struct ipvs_hash_key k;
	uint8_t key[16], msg[15];

	(void)state;
	for (unsigned i = 0; i < 16; i++)
		key[i] = (uint8_t)i;
	for (unsigned i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)i;
	memcpy(&k.k0, key, 8);
	memcpy(&k.k1, key + 8, 8);
	/* the SipHash-2-4 vectors of the paper (key 00..0f, message 00..) */
	assert_true(siphash_ref(&k, msg, 0, 2, 4) == 0x726fdb47dd0e0e31ull);
	assert_true(siphash_ref(&k, msg, 15, 2, 4) == 0xa129ca6149be45e5ull);
	/* the tuple is SipHash-1-3 of its 13 bytes in wire order */
	uint8_t t[13];
	uint32_t sa = 0x0a000001, da = 0xc0a80101;
	uint16_t sp = 0x1234, dp = 0x0050;

	memcpy(t, &sa, 4);
	memcpy(t + 4, &da, 4);
	memcpy(t + 8, &sp, 2);
	memcpy(t + 10, &dp, 2);
	t[12] = IPPROTO_TCP;
	assert_true(ipvs_tuple_hash(&k, IPPROTO_TCP, sa, da, sp, dp) == siphash_ref(&k, t, 13, 1, 3));
	/* the burst form (AVX2 lanes where the CPU has them) agrees with the
	 * one-at-a-time form, whatever the count */
	uint64_t m0[IPVS_HASH_BURST_MAX + 3], m1[IPVS_HASH_BURST_MAX + 3];
	uint64_t h[IPVS_HASH_BURST_MAX + 3];

	for (unsigned n = 1; n <= IPVS_HASH_BURST_MAX; n += 5) {
		for (unsigned i = 0; i < n + 3; i++) {
			m0[i] = ipvs_tuple_m0((uint32_t)rand(), (uint32_t)rand());
			m1[i] = ipvs_tuple_m1((uint8_t)rand(), (uint16_t)rand(), (uint16_t)rand());
		}
		ipvs_tuple_hash_burst(&k, m0, m1, h, n);
		for (unsigned i = 0; i < n; i++)
			assert_true(h[i] == ipvs_siphash13_2w(&k, m0[i], m1[i]));
	}
}

/* The old bucket function (CRC32C, fixed seed 0x5f3759df for worker 0):
 * what an attacker could compute offline */
static uint32_t old_bucket(uint32_t saddr, uint32_t daddr, uint16_t sport, uint16_t dport,
			   uint32_t nbuckets)
{
	uint32_t h = rte_hash_crc_4byte(saddr, 0x5f3759dfu ^ IPPROTO_TCP);

	h = rte_hash_crc_4byte(daddr, h);
	h = rte_hash_crc_4byte(((uint32_t)sport << 16) | dport, h);
	return h & (nbuckets - 1);
}

static void test_keyed_hash_defeats_crc_collisions(void **state)
{
	struct ipvs_worker *iw = ipvs_worker_state(0);
	uint32_t vip = ip4(VIP), made = 0, target;

	(void)state;
	/* a key was drawn: not the zero key, not a fixed one */
	assert_false(iw->hash_key.k0 == 0 && iw->hash_key.k1 == 0);
	nat_svc(IPPROTO_TCP, 80);
	target = old_bucket(ip4(CIP), vip, htons(1024), htons(80), iw->nbuckets);
	/* 48 SYNs whose tuples all shared one bucket of the CRC table */
	for (uint32_t p = 1024; made < 48 && p < 65535; p++) {
		if (old_bucket(ip4(CIP), vip, htons((uint16_t)p), htons(80), iw->nbuckets) != target)
			continue;
		forward(syn(CIP, (uint16_t)p));
		made++;
		/* not a packet left queued: forward() took it */
		rte_pktmbuf_free(sent[--nsent]);
	}
	assert_int_equal(made, 48);
	/* under the keyed hash they spread: 96 nodes in 128 buckets */
	printf("chain-max with 48 CRC-colliding flows: %u (CRC: 49 and more)\n",
	       ipvs_conn_chain_max(0));
	assert_true(ipvs_conn_chain_max(0) < 10);
	assert_int_equal(defense_get().chain_max, ipvs_conn_chain_max(0));
}

/* ---- settings ---- */

static void test_set_get_and_bad_values(void **state)
{
	struct dpvs_defense v = { .drop_entry = 3, .threshold = 50, .evict_threshold = 0 };
	struct dpvs_defense_info in;

	(void)state;
	in = defense_get();
	assert_int_equal(in.conf.drop_entry, 0);
	assert_int_equal(in.conf.threshold, 90);
	assert_int_equal(in.conf.am_droprate, 10);
	assert_int_equal(in.conf.evict_threshold, 100);
	assert_int_equal(in.nworkers, 1);
	/* only the fields in the mask change */
	assert_int_equal(defense_set(DPVS_DEF_F_DROP_ENTRY | DPVS_DEF_F_THRESHOLD, &v), 0);
	in = defense_get();
	assert_int_equal(in.conf.drop_entry, 3);
	assert_int_equal(in.conf.threshold, 50);
	assert_int_equal(in.conf.evict_threshold, 100);
	/* a bad value anywhere changes nothing, and says which */
	v.drop_entry = 0;
	v.secure_tcp = 4;
	assert_int_equal(defense_set(DPVS_DEF_F_DROP_ENTRY | DPVS_DEF_F_SECURE_TCP, &v), -EINVAL);
	assert_non_null(strstr(rep.msg, "secure_tcp 4"));
	assert_int_equal(defense_get().conf.drop_entry, 3);
	v.threshold = 0;
	assert_int_equal(defense_set(DPVS_DEF_F_THRESHOLD, &v), -EINVAL);
	v.unknown_tcp = 2;
	assert_int_equal(defense_set(DPVS_DEF_F_UNKNOWN_TCP, &v), -EINVAL);
	assert_int_equal(defense_set(0x80, &v), -EINVAL);
	/* in force from the next second on: level 3 is always */
	tick(1);
	assert_int_equal(defense_get().drop_entry_on, 1);
}

/* ---- drop_packet ---- */

static void test_drop_packet_always(void **state)
{
	struct dpvs_defense v = { .drop_packet = 3, .am_droprate = 3 };

	(void)state;
	nat_svc(IPPROTO_UDP, 53);
	assert_int_equal(defense_set(DPVS_DEF_F_DROP_PACKET | DPVS_DEF_F_AM_DROPRATE, &v), 0);
	tick(1);
	/* one new flow in three, before scheduling: no conn for it */
	for (uint16_t p = 0; p < 9; p++) {
		struct rte_mbuf *m = make_pkt(IPPROTO_UDP, CIP, 1000 + p, VIP, 53, 0, true);

		if (p % 3 == 2)
			expect_drop(m, DPVS_DROP_DEFENSE_DROP);
		else
			forward(m);
	}
	assert_int_equal(ipvs_conn_count(0), 6);
	assert_int_equal(drops(DPVS_DROP_DEFENSE_DROP), 3);
	assert_int_equal(defense_get().packets_dropped, 3);
	/* packets of known flows are never its business */
	forward(make_pkt(IPPROTO_UDP, CIP, 1000, VIP, 53, 0, true));
	forward(make_pkt(IPPROTO_UDP, CIP, 1001, VIP, 53, 0, true));
	forward(make_pkt(IPPROTO_UDP, CIP, 1003, VIP, 53, 0, true));
	assert_int_equal(drops(DPVS_DROP_DEFENSE_DROP), 3);
}

static void test_drop_packet_automatic(void **state)
{
	/* conn_max 64, short from 32 conns: T = 32 free slots at the
	 * threshold; at 48 conns 16 are free, one flow in 32/16 = 2 goes */
	struct dpvs_defense v = { .drop_packet = 1, .threshold = 50 };

	(void)state;
	nat_svc(IPPROTO_UDP, 53);
	assert_int_equal(defense_set(DPVS_DEF_F_DROP_PACKET | DPVS_DEF_F_THRESHOLD, &v), 0);
	for (uint16_t p = 0; p < 31; p++)
		forward(make_pkt(IPPROTO_UDP, CIP, 1000 + p, VIP, 53, 0, true));
	tick(1);
	/* under the threshold: not in force */
	assert_int_equal(defense_get().drop_packet_on, 0);
	for (uint16_t p = 31; p < 48; p++)
		forward(make_pkt(IPPROTO_UDP, CIP, 1000 + p, VIP, 53, 0, true));
	tick(1);
	assert_int_equal(defense_get().drop_packet_on, 1);
	for (uint16_t p = 48; p < 58; p++) {
		struct rte_mbuf *m = make_pkt(IPPROTO_UDP, CIP, 1000 + p, VIP, 53, 0, true);

		if (p % 2)
			expect_drop(m, DPVS_DROP_DEFENSE_DROP);
		else
			forward(m);
	}
	assert_int_equal(defense_get().packets_dropped, 5);
}

/* ---- secure_tcp ---- */

static void test_secure_tcp(void **state)
{
	struct dpvs_defense v = { .secure_tcp = 3 };
	struct ipvs_worker *iw = ipvs_worker_state(0);

	(void)state;
	nat_svc(IPPROTO_TCP, 80);
	assert_int_equal(defense_set(DPVS_DEF_F_SECURE_TCP, &v), 0);
	tick(1);
	assert_int_equal(defense_get().secure_tcp_on, 1);
	/* a spoofer's SYN then ACK: established without it, not with it */
	forward(syn(CIP, 40000));
	forward(make_pkt(IPPROTO_TCP, CIP, 40000, VIP, 80, RTE_TCP_ACK_FLAG, true));
	assert_int_equal(ipvs_conn_state_count(IPVS_TCP_SYN_RECV), 1);
	assert_int_equal(ipvs_conn_state_count(IPVS_TCP_ESTABLISHED), 0);
	/* and it lives 10 s, not 60 */
	tick(11);
	assert_int_equal(ipvs_conn_count(0), 0);
	/* a real handshake: the server's SYN-ACK, then its next segment */
	forward(syn(CIP, 40001));
	forward(make_pkt(IPPROTO_TCP, RIP1, 80, CIP, 40001, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG,
			 true));
	assert_int_equal(ipvs_conn_state_count(IPVS_TCP_SYNACK), 1);
	forward(make_pkt(IPPROTO_TCP, CIP, 40001, VIP, 80, RTE_TCP_ACK_FLAG, true));
	assert_int_equal(ipvs_conn_state_count(IPVS_TCP_SYNACK), 1);
	forward(make_pkt(IPPROTO_TCP, RIP1, 80, CIP, 40001, RTE_TCP_ACK_FLAG, true));
	assert_int_equal(ipvs_conn_state_count(IPVS_TCP_ESTABLISHED), 1);
	assert_int_equal(iw->conns_by_state[IPVS_TCP_SYNACK], 0);
	/* off again: the normal table (the client's ACK establishes) */
	v.secure_tcp = 0;
	assert_int_equal(defense_set(DPVS_DEF_F_SECURE_TCP, &v), 0);
	tick(1);
	forward(syn(CIP, 40002));
	forward(make_pkt(IPPROTO_TCP, CIP, 40002, VIP, 80, RTE_TCP_ACK_FLAG, true));
	assert_int_equal(ipvs_conn_state_count(IPVS_TCP_ESTABLISHED), 2);
}

/* ---- drop_entry ---- */

static void test_drop_entry(void **state)
{
	struct dpvs_defense v = { .drop_entry = 3 };
	struct dpvs_tcp_state_timeouts t = { .syn_recv = 3600 };
	char err[256];
	uint32_t before, half_open;

	(void)state;
	nat_svc(IPPROTO_TCP, 80);
	assert_int_equal(ipvs_tcp_state_timeouts_set(&t, err, sizeof(err)), 0);
	for (uint16_t p = 0; p < 24; p++)
		forward(syn(CIP, (uint16_t)(30000 + p)));
	/* 8 established ones: the server answered, the client ACKed */
	for (uint16_t p = 0; p < 8; p++) {
		forward(make_pkt(IPPROTO_TCP, CIP, (uint16_t)(30000 + p), VIP, 80, RTE_TCP_ACK_FLAG,
				 true));
	}
	while (nsent)
		rte_pktmbuf_free(sent[--nsent]);
	before = ipvs_conn_count(0);
	assert_int_equal(before, 24);
	assert_int_equal(defense_set(DPVS_DEF_F_DROP_ENTRY, &v), 0);
	/* 1/32 of 128 buckets a second, at random: a few minutes visit
	 * every bucket many times over */
	tick(300);
	half_open = (uint32_t)ipvs_conn_state_count(IPVS_TCP_SYN_RECV);
	assert_int_equal(half_open, 0);
	assert_int_equal(defense_get().entries_dropped, before - ipvs_conn_count(0));
	printf("drop_entry: %u of 8 established kept\n", ipvs_conn_count(0));
}

/* ---- pressure eviction ---- */

static void test_evict_when_full(void **state)
{
	(void)state;
	/* conn_max 4 */
	nat_svc(IPPROTO_TCP, 80);
	nat_svc(IPPROTO_UDP, 53);
	for (uint16_t p = 0; p < 4; p++)
		forward(make_pkt(IPPROTO_UDP, CIP, 1000 + p, VIP, 53, 0, true));
	/* nothing reclaimable: refused */
	expect_drop(syn(CIP, 40000), DPVS_DROP_CONN_FULL);
	assert_int_equal(defense_get().evicted, 0);
	tick(301); /* the UDP flows go */
	forward(make_pkt(IPPROTO_UDP, CIP, 1000, VIP, 53, 0, true));
	forward(make_pkt(IPPROTO_UDP, CIP, 1001, VIP, 53, 0, true));
	forward(syn("172.16.9.1", 40000)); /* half-open, the oldest */
	tick(1);
	forward(syn("172.16.9.2", 40000));
	/* full: a new SYN takes the slot of the oldest half-open conn */
	forward(syn(CIP, 40001));
	assert_int_equal(defense_get().evicted, 1);
	assert_int_equal(ipvs_conn_count(0), 4);
	assert_int_equal(drops(DPVS_DROP_CONN_FULL), 1);
	/* which was 172.16.9.1's: its next packet is an unknown flow now */
	expect_drop(make_pkt(IPPROTO_TCP, "172.16.9.1", 40000, VIP, 80, RTE_TCP_ACK_FLAG, true),
		    DPVS_DROP_CONN_NOT_SYN);
	forward(make_pkt(IPPROTO_TCP, "172.16.9.2", 40000, VIP, 80, RTE_TCP_ACK_FLAG, true));
	/* eviction off: refused again */
	struct dpvs_defense v = { .evict_threshold = 0 };

	assert_int_equal(defense_set(DPVS_DEF_F_EVICT_THRESHOLD, &v), 0);
	tick(1);
	expect_drop(syn(CIP, 40002), DPVS_DROP_CONN_FULL);
	assert_int_equal(defense_get().evicted, 1);
}

static void test_evict_threshold(void **state)
{
	/* conn_max 64; from 50% on, each new flow reclaims first */
	struct dpvs_defense v = { .evict_threshold = 50 };

	(void)state;
	nat_svc(IPPROTO_TCP, 80);
	assert_int_equal(defense_set(DPVS_DEF_F_EVICT_THRESHOLD, &v), 0);
	tick(1);
	for (uint16_t p = 0; p < 60; p++) {
		forward(syn(CIP, (uint16_t)(20000 + p)));
		rte_pktmbuf_free(sent[--nsent]);
	}
	/* the table stays at the threshold: a flood recycles its own slots */
	assert_int_equal(ipvs_conn_count(0), 32);
	assert_int_equal(defense_get().evicted, 28);
	assert_int_equal(drops(DPVS_DROP_CONN_FULL), 0);
}

/* Within one second the oldest goes first: a client's SYN just let in is
 * not the next flood SYN's victim (the flood's older ones are) */
static void test_evict_oldest_in_second(void **state)
{
	(void)state;
	/* conn_max 4, all in one second */
	nat_svc(IPPROTO_TCP, 80);
	for (uint16_t p = 0; p < 4; p++)
		forward(syn("172.16.9.1", (uint16_t)(30000 + p)));
	forward(syn(CIP, 40000)); /* takes 30000's slot */
	forward(syn("172.16.9.1", 30010)); /* takes 30001's */
	forward(syn("172.16.9.1", 30011)); /* takes 30002's */
	assert_int_equal(defense_get().evicted, 3);
	/* the client's conn is still there: its ACK is a known flow's */
	forward(make_pkt(IPPROTO_TCP, CIP, 40000, VIP, 80, RTE_TCP_ACK_FLAG, true));
	assert_int_equal(ipvs_conn_state_count(IPVS_TCP_ESTABLISHED), 1);
	expect_drop(make_pkt(IPPROTO_TCP, "172.16.9.1", 30000, VIP, 80, RTE_TCP_ACK_FLAG, true),
		    DPVS_DROP_CONN_NOT_SYN);
	forward(make_pkt(IPPROTO_TCP, "172.16.9.1", 30003, VIP, 80, RTE_TCP_ACK_FLAG, true));
}

/* Eviction looks past a crowd of conns it may not take: 100 established
 * ones expire before the flood's half-open ones, more than one new flow
 * may visit; the cursor moves on, so the next new flow finds room. */
static void test_evict_past_established(void **state)
{
	struct dpvs_timeouts t = { .tcp_timeout = 30 };
	char err[256];
	uint16_t p;

	(void)state;
	/* conn_max 128 */
	nat_svc(IPPROTO_TCP, 80);
	assert_int_equal(ipvs_timeout_set(&t, err, sizeof(err)), 0);
	for (p = 0; p < 100; p++) {
		forward(syn(CIP, (uint16_t)(10000 + p)));
		forward(make_pkt(IPPROTO_TCP, CIP, (uint16_t)(10000 + p), VIP, 80, RTE_TCP_ACK_FLAG,
				 true));
		while (nsent)
			rte_pktmbuf_free(sent[--nsent]);
	}
	for (p = 0; p < 28; p++) {
		forward(syn("172.16.9.9", (uint16_t)(20000 + p)));
		rte_pktmbuf_free(sent[--nsent]);
	}
	assert_int_equal(ipvs_conn_count(0), 128);
	assert_int_equal(ipvs_conn_state_count(IPVS_TCP_ESTABLISHED), 100);
	/* the first look may end in the crowd (bounded work), the second
	 * goes on from there and takes a half-open slot */
	struct rte_mbuf *m = syn(CIP, 40000);

	if (ipvs_in_collect(0, m) == INET_STOLEN && nsent == 0)
		assert_int_equal(drops(DPVS_DROP_CONN_FULL), 1);
	while (nsent)
		rte_pktmbuf_free(sent[--nsent]);
	forward(syn(CIP, 40001));
	assert_int_equal(defense_get().evicted, 1);
	assert_int_equal(ipvs_conn_state_count(IPVS_TCP_ESTABLISHED), 100);
}

static int setup_128(void **state)
{
	(void)state;
	return setup_n(128);
}

/* ---- unknown non-SYN TCP ---- */

/* ipvs_in as eth_input leaves a frame: the client's Ethernet header in
 * the headroom (the RST goes back to its source MAC) */
static struct rte_mbuf *from_client(struct rte_mbuf *m)
{
	struct rte_ether_hdr *e = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, sizeof(*e));

	e->src_addr = gw_mac[0];
	e->dst_addr = netif_ports[0].mac;
	e->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	rte_pktmbuf_adj(m, sizeof(*e));
	return m;
}

static const struct rte_tcp_hdr *rst_of(const struct rte_ipv4_hdr *ip)
{
	assert_int_equal(ip->next_proto_id, IPPROTO_TCP);
	assert_int_equal(ip->src_addr, ip4(VIP));
	assert_int_equal(ip->dst_addr, ip4(CIP));
	verify_csums(ip);
	return (const struct rte_tcp_hdr *)(ip + 1);
}

static void test_unknown_tcp_rst(void **state)
{
	struct dpvs_defense v = { .unknown_tcp = DPVS_UNKNOWN_TCP_RST };
	struct rte_ipv4_hdr *ip;
	const struct rte_tcp_hdr *th;
	struct rte_mbuf *m;

	(void)state;
	nat_svc(IPPROTO_TCP, 80);
	/* the default: dropped, nothing sent */
	expect_drop(from_client(make_pkt(IPPROTO_TCP, CIP, 40000, VIP, 80, RTE_TCP_ACK_FLAG, true)),
		    DPVS_DROP_CONN_NOT_SYN);
	assert_int_equal(defense_set(DPVS_DEF_F_UNKNOWN_TCP, &v), 0);
	tick(1);
	/* an ACK (say, after a restart): <SEQ=SEG.ACK><CTL=RST> */
	m = make_pkt(IPPROTO_TCP, CIP, 40000, VIP, 80, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, true);
	ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	((struct rte_tcp_hdr *)(ip + 1))->recv_ack = htonl(777);
	((struct rte_tcp_hdr *)(ip + 1))->cksum = 0;
	((struct rte_tcp_hdr *)(ip + 1))->cksum = rte_ipv4_udptcp_cksum(ip, ip + 1);
	ip = forward(from_client(m));
	th = rst_of(ip);
	assert_int_equal(th->tcp_flags, RTE_TCP_RST_FLAG);
	assert_int_equal(ntohl(th->sent_seq), 777);
	assert_int_equal(ntohs(th->src_port), 80);
	assert_int_equal(ntohs(th->dst_port), 40000);
	assert_int_equal(drops(DPVS_DROP_TCP_RST_SENT), 1);
	/* a FIN without ACK and 10 bytes: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK> */
	ip = forward(from_client(make_pkt(IPPROTO_TCP, CIP, 40001, VIP, 80, RTE_TCP_FIN_FLAG, true)));
	th = rst_of(ip);
	assert_int_equal(th->tcp_flags, RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG);
	assert_int_equal(ntohl(th->sent_seq), 0);
	assert_int_equal(ntohl(th->recv_ack), 12345 + 10 + 1);
	/* never an RST for an RST */
	expect_drop(from_client(make_pkt(IPPROTO_TCP, CIP, 40002, VIP, 80, RTE_TCP_RST_FLAG, true)),
		    DPVS_DROP_CONN_NOT_SYN);
	assert_int_equal(defense_get().rst_sent, 2);
	/* and a SYN still makes a conn */
	forward(syn(CIP, 40003));
	assert_int_equal(ipvs_conn_count(0), 1);
}

/* [defense] of the config: applied at start and by a reload that changed
 * it; a reload that did not keeps what dpip set since */
static void test_config_apply(void **state)
{
	struct dpvs_config *a = calloc(1, sizeof(*a));
	struct dpvs_config *b = calloc(1, sizeof(*b));
	char report[1024];
	struct dpvs_defense v = { .secure_tcp = 3 };

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	a->timeouts = (struct dpvs_timeouts){ 900, 120, 300 };
	a->defense = (struct dpvs_defense){ .drop_entry = 1, .threshold = 80, .am_droprate = 10,
					    .evict_threshold = 95, .mask = DPVS_DEF_F_ALL };
	assert_int_equal(ipvs_apply_config(NULL, a, report, sizeof(report), NULL), 0);
	assert_int_equal(defense_get().conf.drop_entry, 1);
	assert_int_equal(defense_get().conf.evict_threshold, 95);
	/* dpip defense set, then a reload of a file with the same [defense] */
	assert_int_equal(defense_set(DPVS_DEF_F_SECURE_TCP, &v), 0);
	*b = *a;
	assert_int_equal(ipvs_apply_config(a, b, report, sizeof(report), NULL), 0);
	assert_int_equal(defense_get().conf.secure_tcp, 3);
	/* a file that changed it: the file's values, all of them */
	b->defense.drop_packet = 2;
	assert_int_equal(ipvs_apply_config(a, b, report, sizeof(report), NULL), 0);
	assert_int_equal(defense_get().conf.drop_packet, 2);
	assert_int_equal(defense_get().conf.secure_tcp, 0);
	/* a bad value (a file the parser would refuse) is reported, nothing set */
	*a = *b;
	b->defense.threshold = 0;
	assert_true(ipvs_apply_config(a, b, report, sizeof(report), NULL) < 0);
	assert_non_null(strstr(report, "[defense]"));
	assert_int_equal(defense_get().conf.threshold, 80);
	free(a);
	free(b);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_siphash_vectors),
		T(test_keyed_hash_defeats_crc_collisions),
		T(test_set_get_and_bad_values),
		T(test_drop_packet_always),
		T(test_drop_packet_automatic),
		T(test_secure_tcp),
		T(test_drop_entry),
		cmocka_unit_test_setup_teardown(test_evict_when_full, setup_small, teardown),
		T(test_evict_threshold),
		cmocka_unit_test_setup_teardown(test_evict_oldest_in_second, setup_small, teardown),
		cmocka_unit_test_setup_teardown(test_evict_past_established, setup_128, teardown),
		T(test_unknown_tcp_rst),
		T(test_config_apply),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
