/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Full-NAT (-b) on the whole data path (path_test_env.h: the real stack
 * and IPVS on DPDK ring ports) and its local addresses as ipvsadm
 * manages them (--add-laddr, --del-laddr, --get-laddr), through the real
 * control registry (ctl_test_env.h) with the bounds the handlers
 * registered:
 *
 *  - every refusal of LADDR_ADD/DEL/GET names what is wrong: no such
 *    service, not one of the daemon's addresses, a VIP, another port, a
 *    second time, the seventeenth, a bad family, a name without its NUL,
 *    a short payload;
 *  - inet's LIP flag follows the services that use the address (two
 *    services share one; deleting a service releases its LIPs), and dpip
 *    addr del refuses an address a service uses;
 *  - the listing: per service its LIPs in order, a service without any
 *    listed with none, one service by its key;
 *  - the data path: a client's TCP and UDP packets leave from LIP:lport to
 *    RIP:rport, the real server's replies to LIP:lport leave from
 *    VIP:vport to the client, every header field checked and every
 *    checksum computed again from scratch (UDP without a checksum keeps
 *    none); each conn its own local port, the listing shows it;
 *  - the LIPs in turn; no LIP: fnat-no-laddr; every port of the share
 *    looked at in use: fnat-no-port, a conflict counted, no tuple reused;
 *  - ICMP errors about a Full-NAT flow, from either side, translated;
 *  - after each data-path test, per port, the fates add up.
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
#include "control/control.h"
#include "ctl_test_env.h"
#include "ipvs/ipvs_priv.h"
#include "path/fnat_test_env.h"

#define LIP1 "192.168.1.100"
#define LIP2 "192.168.1.101"

#define FN_TCP	8800 /* TCP, Full-NAT to RIP1:8080, LIP1 then LIP2 */
#define FN_UDP	5300 /* UDP, Full-NAT to RIP2:5353, LIP1 only */
#define FN_BARE 8900 /* TCP, Full-NAT to RIP1:8080, no LIP */

static int setup(void **state)
{
	(void)state;
	if (fnat_setup() < 0)
		return -1;
	/* the LIPs: addresses of the daemon on the servers' side */
	if (p_addr("dpdk1", LIP1, 24, 0, err, sizeof(err)) < 0 ||
	    p_addr("dpdk1", LIP2, 24, 0, err, sizeof(err)) < 0) {
		fprintf(stderr, "set-up: %s\n", err);
		return -1;
	}
	return 0;
}

static int setup_dp(void **state)
{
	if (setup(state) < 0)
		return -1;
	if (fnat_svc(IPPROTO_TCP, FN_TCP, RIP1, 8080, 0) < 0 ||
	    fnat_svc(IPPROTO_UDP, FN_UDP, RIP2, 5353, 0) < 0 ||
	    fnat_svc(IPPROTO_TCP, FN_BARE, RIP1, 8080, 0) < 0 ||
	    laddr_op(DPVS_MSG_LADDR_ADD, IPPROTO_TCP, FN_TCP, LIP1) < 0 ||
	    laddr_op(DPVS_MSG_LADDR_ADD, IPPROTO_TCP, FN_TCP, LIP2) < 0 ||
	    laddr_op(DPVS_MSG_LADDR_ADD, IPPROTO_UDP, FN_UDP, LIP1) < 0) {
		fprintf(stderr, "set-up: %s %s\n", err, rep.msg);
		return -1;
	}
	/* the rewrite alone: what TOA and UOA add is test_fnat_caddr.c's */
	ipvs_set_fnat_caddr(false, false);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fnat_teardown();
	return 0;
}

/* inet's flags of our address ip (0 when it is not ours). */
static uint16_t addr_flags(const char *ip)
{
	struct dpvs_addr a[64];
	unsigned n = inet_addr_list(a, 64);

	for (unsigned i = 0; i < n && i < 64; i++)
		if (a[i].addr.in.s_addr == p_ip(ip))
			return a[i].flags;
	return 0;
}

static void expect_refused(uint16_t type, const struct dpvs_laddr_req *q, int err_no,
			   const char *msg)
{
	assert_int_equal(ctl_test_call(type, 0, q, sizeof(*q), &rep), err_no);
	if (strcmp(rep.msg, msg)) {
		print_error("got '%s'\nwant '%s'\n", rep.msg, msg);
		fail();
	}
}

static void test_laddr_refusals(void **state)
{
	struct dpvs_laddr_req q;
	char ip[16];

	(void)state;
	q = laddr_req(IPPROTO_TCP, 81, LIP1);
	expect_refused(DPVS_MSG_LADDR_ADD, &q, -ESRCH, "no such service TCP 10.0.0.1:81");
	q = laddr_req(IPPROTO_TCP, 80, "192.168.1.99");
	expect_refused(DPVS_MSG_LADDR_ADD, &q, -EADDRNOTAVAIL,
		       "192.168.1.99 is not an address of the daemon (add it first: dpip addr "
		       "add 192.168.1.99/PLEN dev PORT)");
	q = laddr_req(IPPROTO_TCP, 80, VIP2);
	expect_refused(DPVS_MSG_LADDR_ADD, &q, -EINVAL,
		       "10.0.0.2 is a VIP; a local address must be another of the daemon's "
		       "addresses");
	q = laddr_req(IPPROTO_TCP, 80, VIP);
	expect_refused(DPVS_MSG_LADDR_ADD, &q, -EINVAL,
		       "local address 10.0.0.1 is the service's VIP: a real server's replies "
		       "to it could not be told from clients' packets");
	q = laddr_req(IPPROTO_TCP, 80, LIP1);
	snprintf(q.ifname, sizeof(q.ifname), "dpdk0");
	expect_refused(DPVS_MSG_LADDR_ADD, &q, -EINVAL, "192.168.1.100 is on dpdk1, not on dpdk0");
	q = laddr_req(IPPROTO_TCP, 80, "0.0.0.0");
	expect_refused(DPVS_MSG_LADDR_ADD, &q, -EINVAL, "local address 0.0.0.0 is not valid");
	q = laddr_req(IPPROTO_TCP, 80, LIP1);
	q.af = AF_INET6;
	expect_refused(DPVS_MSG_LADDR_ADD, &q, -EAFNOSUPPORT,
		       "local address family 10 not supported (only IPv4)");
	q = laddr_req(IPPROTO_TCP, 80, LIP1);
	memset(q.ifname, 'x', sizeof(q.ifname));
	expect_refused(DPVS_MSG_LADDR_ADD, &q, -EINVAL,
		       "local address's port name not NUL-terminated");
	q = laddr_req(IPPROTO_TCP, 80, LIP1);
	assert_int_equal(ctl_test_call(DPVS_MSG_LADDR_ADD, 0, &q, sizeof(q) - 1, &rep), -EINVAL);
	expect_refused(DPVS_MSG_LADDR_DEL, &q, -ENOENT,
		       "local address 192.168.1.100 is not on service TCP 10.0.0.1:80");
	/* nothing refused changed a flag */
	assert_int_equal(addr_flags(LIP1), 0);
	assert_int_equal(addr_flags(VIP2), DPVS_ADDR_F_VIP);

	assert_int_equal(laddr_op(DPVS_MSG_LADDR_ADD, IPPROTO_TCP, 80, LIP1), 0);
	expect_refused(DPVS_MSG_LADDR_ADD, &q, -EEXIST,
		       "local address 192.168.1.100 already on service TCP 10.0.0.1:80");
	/* sixteen at most: LIP1 and fifteen more */
	for (unsigned i = 0; i < DPVS_LADDR_MAX; i++) {
		snprintf(ip, sizeof(ip), "192.168.1.%u", 120 + i);
		assert_int_equal(p_addr("dpdk1", ip, 24, 0, err, sizeof(err)), 0);
		if (i < DPVS_LADDR_MAX - 1) {
			assert_int_equal(laddr_op(DPVS_MSG_LADDR_ADD, IPPROTO_TCP, 80, ip), 0);
			continue;
		}
		q = laddr_req(IPPROTO_TCP, 80, ip);
		expect_refused(DPVS_MSG_LADDR_ADD, &q, -ENOSPC,
			       "service TCP 10.0.0.1:80 has no room for local address "
			       "192.168.1.135: 16 local addresses at most (those removed count "
			       "until their conns are gone)");
		assert_int_equal(addr_flags(ip), 0);
	}
}

static void test_laddr_flag_follows_services(void **state)
{
	struct dpvs_addr a = {.family = AF_INET, .prefixlen = 24};
	struct dpvs_svc s = p_svc_key(IPPROTO_TCP, VIP, 80);

	(void)state;
	snprintf(a.ifname, sizeof(a.ifname), "dpdk1");
	a.addr.in.s_addr = p_ip(LIP1);
	assert_false(inet_addr_is_lip(p_ip(LIP1)));
	assert_int_equal(laddr_op(DPVS_MSG_LADDR_ADD, IPPROTO_TCP, 80, LIP1), 0);
	assert_int_equal(laddr_op(DPVS_MSG_LADDR_ADD, IPPROTO_UDP, 53, LIP1), 0);
	assert_int_equal(addr_flags(LIP1), DPVS_ADDR_F_LIP);
	assert_true(inet_addr_is_lip(p_ip(LIP1)));
	assert_false(inet_addr_is_lip(p_ip(DIP1)));
	assert_false(inet_addr_is_lip(p_ip(VIP)));
	assert_true(inet_addr_is_local(p_ip(LIP1)));

	/* in use: dpip addr del says so and by what */
	assert_int_equal(ctl_test_call(DPVS_MSG_ADDR_DEL, 0, &a, sizeof(a), &rep), -EBUSY);
	assert_string_equal(rep.msg, "address 192.168.1.100 is a Full-NAT local address of a "
				     "service (ipvsadm --del-laddr it first)");
	/* one service lets it go, the other still has it */
	assert_int_equal(laddr_op(DPVS_MSG_LADDR_DEL, IPPROTO_UDP, 53, LIP1), 0);
	assert_true(inet_addr_is_lip(p_ip(LIP1)));
	/* the last one goes with its service */
	assert_int_equal(ipvs_svc_del(&s, err, sizeof(err)), 0);
	assert_false(inet_addr_is_lip(p_ip(LIP1)));
	assert_int_equal(addr_flags(LIP1), 0);
	assert_int_equal(ctl_test_call(DPVS_MSG_ADDR_DEL, 0, &a, sizeof(a), &rep), 0);
	/* gone: the service back cannot have it */
	assert_int_equal(ipvs_svc_add(&s, err, sizeof(err)), 0);
	assert_int_equal(laddr_op(DPVS_MSG_LADDR_ADD, IPPROTO_TCP, 80, LIP1), -EADDRNOTAVAIL);
}

static const struct dpvs_laddr_entry *laddr_entries(uint32_t *n)
{
	const struct dpvs_list *l = (const void *)ctl_test_payload(&rep);

	assert_true(rep.len >= sizeof(*l));
	assert_int_equal(l->entry_size, sizeof(struct dpvs_laddr_entry));
	assert_int_equal(rep.len, sizeof(*l) + (size_t)l->count * l->entry_size);
	*n = l->count;
	return (const void *)(l + 1);
}

static void test_laddr_listing(void **state)
{
	const struct dpvs_laddr_entry *e;
	struct dpvs_svc key = p_svc_key(IPPROTO_TCP, VIP, 80);
	uint32_t n;

	(void)state;
	assert_int_equal(laddr_op(DPVS_MSG_LADDR_ADD, IPPROTO_TCP, 80, LIP2), 0);
	assert_int_equal(laddr_op(DPVS_MSG_LADDR_ADD, IPPROTO_TCP, 80, LIP1), 0);

	assert_int_equal(ctl_test_call(DPVS_MSG_LADDR_GET, 0, NULL, 0, &rep), 0);
	e = laddr_entries(&n);
	assert_int_equal(n, 3); /* TCP:80's two, UDP:53 with none */
	assert_int_equal(e[0].svc.protocol, IPPROTO_TCP);
	assert_int_equal(e[0].total, 2);
	assert_int_equal(e[0].af, AF_INET);
	assert_int_equal(e[0].addr.in.s_addr, p_ip(LIP2)); /* in the order added */
	assert_int_equal(e[1].addr.in.s_addr, p_ip(LIP1));
	assert_int_equal(e[0].conns, 0);
	assert_int_equal(e[0].conflicts, 0);
	assert_int_equal(e[2].svc.protocol, IPPROTO_UDP);
	assert_int_equal(e[2].total, 0);
	assert_int_equal(e[2].af, 0);

	/* one service by its key; a key without the flag is refused */
	assert_int_equal(
	    ctl_test_call(DPVS_MSG_LADDR_GET, DPVS_MSG_F_SVC_KEY, &key, sizeof(key), &rep), 0);
	e = laddr_entries(&n);
	assert_int_equal(n, 2);
	assert_int_equal(ctl_test_call(DPVS_MSG_LADDR_GET, 0, &key, sizeof(key), &rep), -EINVAL);
	key.port = htons(81);
	assert_int_equal(
	    ctl_test_call(DPVS_MSG_LADDR_GET, DPVS_MSG_F_SVC_KEY, &key, sizeof(key), &rep), -ESRCH);

	/* a removed LIP leaves the others where they were */
	assert_int_equal(laddr_op(DPVS_MSG_LADDR_DEL, IPPROTO_TCP, 80, LIP2), 0);
	assert_int_equal(ctl_test_call(DPVS_MSG_LADDR_GET, 0, NULL, 0, &rep), 0);
	e = laddr_entries(&n);
	assert_int_equal(n, 2);
	assert_int_equal(e[0].total, 1);
	assert_int_equal(e[0].addr.in.s_addr, p_ip(LIP1));
}

/* ---- the data path ---- */

/* s goes in by the port its source is on; the one frame that left by
 * `out` to `mac`, its IPv4 header checked (version, checksum, L4 checksum
 * from scratch, TTL one less, the payload as sent). */
static struct rte_ipv4_hdr *pass(const struct p_l4 *s, uint16_t out,
				 const struct rte_ether_addr *mac)
{
	size_t len = p_l4_frame(fb, s);
	struct rte_ipv4_hdr sent = *p_iph(fb);
	uint16_t hl =
	    s->proto == IPPROTO_TCP ? sizeof(struct rte_tcp_hdr) : sizeof(struct rte_udp_hdr);
	uint8_t payload[64];

	assert_true(s->payload <= sizeof(payload));
	memcpy(payload, (uint8_t *)(p_iph(fb) + 1) + hl, s->payload);
	feed(p_port_of(s->src), len);
	struct rte_ipv4_hdr *ip = left_to(out, mac);

	ip_ok(ip);
	l4_ok(ip);
	assert_int_equal(ip->time_to_live, sent.time_to_live - 1);
	assert_int_equal(ip->total_length, sent.total_length);
	assert_int_equal(ip->packet_id, sent.packet_id);
	assert_int_equal(ip->fragment_offset, sent.fragment_offset);
	assert_int_equal(ip->next_proto_id, s->proto);
	assert_memory_equal((uint8_t *)(ip + 1) + hl, payload, s->payload);
	return ip;
}

/* The conn of client port cport as listed: its local address and port. */
static void listed_local(uint16_t cport, uint32_t *laddr, uint16_t *lport)
{
	static struct dpvs_conn c[256];
	uint32_t n = 0;

	assert_int_equal(ipvs_conn_list_collect(c, 256, &n, err, sizeof(err)), 0);
	for (uint32_t i = 0; i < n; i++) {
		if (ntohs(c[i].cport) != cport)
			continue;
		*laddr = c[i].laddr.in.s_addr;
		*lport = ntohs(c[i].lport);
		return;
	}
	fail_msg("no conn of client port %u", cport);
}

static void test_fnat_tcp_both_ways(void **state)
{
	struct p_l4 s = {.proto = IPPROTO_TCP,
			 .src = CIP,
			 .dst = VIP,
			 .sport = 40000,
			 .dport = FN_TCP,
			 .tcp_flags = RTE_TCP_SYN_FLAG};
	struct rte_ipv4_hdr *ip;
	const struct rte_tcp_hdr *t;
	uint16_t lport, lport2;
	uint32_t laddr;

	(void)state;
	/* client -> VIP:8800 leaves as LIP1:lport -> RIP1:8080 */
	ip = pass(&s, P_SRV, &rs_mac[0]);
	assert_int_equal(ip->src_addr, p_ip(LIP1));
	assert_int_equal(ip->dst_addr, p_ip(RIP1));
	lport = sport_of(ip);
	assert_true(lport >= 1024);
	assert_int_equal(dport_of(ip), 8080);
	t = (const struct rte_tcp_hdr *)(ip + 1);
	/* no sequence change (TOA adds an option, not data) */
	assert_int_equal(t->sent_seq, htonl(0x1000));
	assert_int_equal(t->tcp_flags, RTE_TCP_SYN_FLAG);
	assert_int_equal(t->data_off, 5 << 4);
	listed_local(40000, &laddr, &lport2);
	assert_int_equal(laddr, p_ip(LIP1));
	assert_int_equal(lport2, lport);

	/* the real server answers LIP1:lport; the client gets VIP:8800 */
	s = (struct p_l4){.proto = IPPROTO_TCP,
			  .src = RIP1,
			  .dst = LIP1,
			  .sport = 8080,
			  .dport = lport,
			  .tcp_flags = RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG};
	ip = pass(&s, P_CLI, &cgw_mac);
	assert_int_equal(ip->src_addr, p_ip(VIP));
	assert_int_equal(ip->dst_addr, p_ip(CIP));
	assert_int_equal(sport_of(ip), FN_TCP);
	assert_int_equal(dport_of(ip), 40000);
	t = (const struct rte_tcp_hdr *)(ip + 1);
	assert_int_equal(t->recv_ack, htonl(0x2000));

	/* data both ways, established */
	s = (struct p_l4){.proto = IPPROTO_TCP,
			  .src = CIP,
			  .dst = VIP,
			  .sport = 40000,
			  .dport = FN_TCP,
			  .tcp_flags = RTE_TCP_ACK_FLAG,
			  .payload = 40};
	ip = pass(&s, P_SRV, &rs_mac[0]);
	assert_int_equal(sport_of(ip), lport);
	s = (struct p_l4){.proto = IPPROTO_TCP,
			  .src = RIP1,
			  .dst = LIP1,
			  .sport = 8080,
			  .dport = lport,
			  .tcp_flags = RTE_TCP_ACK_FLAG,
			  .payload = 33};
	ip = pass(&s, P_CLI, &cgw_mac);
	assert_int_equal(ip->src_addr, p_ip(VIP));

	/* the next conn: the next LIP, its own port */
	s = (struct p_l4){.proto = IPPROTO_TCP,
			  .src = CIP,
			  .dst = VIP,
			  .sport = 40001,
			  .dport = FN_TCP,
			  .tcp_flags = RTE_TCP_SYN_FLAG};
	ip = pass(&s, P_SRV, &rs_mac[0]);
	assert_int_equal(ip->src_addr, p_ip(LIP2));
	/* and the one after: LIP1 again, another port than the first conn's */
	s.sport = 40002;
	ip = pass(&s, P_SRV, &rs_mac[0]);
	assert_int_equal(ip->src_addr, p_ip(LIP1));
	assert_int_not_equal(sport_of(ip), lport);

	/* --get-laddr counts them */
	struct dpvs_svc key = p_svc_key(IPPROTO_TCP, VIP, FN_TCP);

	assert_int_equal(
	    ctl_test_call(DPVS_MSG_LADDR_GET, DPVS_MSG_F_SVC_KEY, &key, sizeof(key), &rep), 0);
	{
		uint32_t n;
		const struct dpvs_laddr_entry *e = laddr_entries(&n);

		assert_int_equal(e[0].addr.in.s_addr, p_ip(LIP1));
		assert_int_equal(e[0].conns, 2);
		assert_int_equal(e[1].conns, 1);
		assert_int_equal(e[0].conflicts, 0);
	}
	fates_add_up();
}

static void test_fnat_udp(void **state)
{
	struct p_l4 s = {.proto = IPPROTO_UDP,
			 .src = CIP,
			 .dst = VIP,
			 .sport = 5000,
			 .dport = FN_UDP,
			 .payload = 21};
	struct rte_ipv4_hdr *ip;
	uint16_t lport;

	(void)state;
	ip = pass(&s, P_SRV, &rs_mac[1]);
	assert_int_equal(ip->src_addr, p_ip(LIP1));
	assert_int_equal(ip->dst_addr, p_ip(RIP2));
	lport = sport_of(ip);
	assert_int_equal(dport_of(ip), 5353);
	s = (struct p_l4){.proto = IPPROTO_UDP,
			  .src = RIP2,
			  .dst = LIP1,
			  .sport = 5353,
			  .dport = lport,
			  .payload = 7};
	ip = pass(&s, P_CLI, &cgw_mac);
	assert_int_equal(ip->src_addr, p_ip(VIP));
	assert_int_equal(ip->dst_addr, p_ip(CIP));
	assert_int_equal(sport_of(ip), FN_UDP);
	assert_int_equal(dport_of(ip), 5000);
	/* no checksum stays none */
	s = (struct p_l4){.proto = IPPROTO_UDP,
			  .src = CIP,
			  .dst = VIP,
			  .sport = 5001,
			  .dport = FN_UDP,
			  .payload = 9,
			  .udp_no_csum = true};
	size_t len = p_l4_frame(fb, &s);

	feed(P_CLI, len);
	ip = left_to(P_SRV, &rs_mac[1]);
	ip_ok(ip);
	assert_int_equal(((const struct rte_udp_hdr *)(ip + 1))->dgram_cksum, 0);
	assert_int_equal(ip->src_addr, p_ip(LIP1));
	fates_add_up();
}

/* Every port the search would look at in use: the new conn is dropped,
 * never given a live tuple. */
static void test_fnat_no_port_no_laddr(void **state)
{
	struct p_l4 s = {.proto = IPPROTO_UDP, .src = CIP, .dst = VIP, .dport = FN_UDP};
	struct ipvs_worker *iw = ipvs_worker_state(0);
	struct dpvs_svc key = p_svc_key(IPPROTO_UDP, VIP, FN_UDP);
	uint16_t used[64];
	uint32_t before = iw->nconns;

	(void)state;
	for (unsigned i = 0; i < 64; i++) {
		s.sport = (uint16_t)(6000 + i);
		used[i] = sport_of(pass(&s, P_SRV, &rs_mac[1]));
	}
	for (unsigned i = 1; i < 64; i++)
		assert_int_not_equal(used[i], used[0]);
	assert_int_equal(iw->nconns, before + 64);
	/* back to where the search started: the 64 ports it looks at are taken */
	const struct ipvs_snap_svc *sv =
	    ipvs_snap_svc_lookup(ipvs_snap_get(), IPPROTO_UDP, p_ip(VIP), htons(FN_UDP));

	assert_non_null(sv);
	for (unsigned k = 0; k < DPVS_LADDR_MAX; k++)
		iw->laddr[k + (size_t)DPVS_LADDR_MAX * sv->id].cursor = 0;
	s.sport = 7000;
	feed(P_CLI, p_l4_frame(fb, &s));
	assert_int_equal(take(p_tx_ring[P_SRV], (struct rte_mbuf *[2]){0}, 2), 0);
	assert_int_equal(wk.cnt[P_CLI].drops[DPVS_DROP_FNAT_NO_PORT], 1);
	assert_int_equal(iw->nconns, before + 64);
	assert_int_equal(
	    ctl_test_call(DPVS_MSG_LADDR_GET, DPVS_MSG_F_SVC_KEY, &key, sizeof(key), &rep), 0);
	{
		uint32_t n;
		const struct dpvs_laddr_entry *e = laddr_entries(&n);

		assert_int_equal(n, 1);
		assert_int_equal(e[0].conflicts, 1);
		assert_int_equal(e[0].conns, 64);
	}
	/* the next try goes on from there, to free ports */
	s.sport = 7001;
	assert_int_equal(pass(&s, P_SRV, &rs_mac[1])->src_addr, p_ip(LIP1));

	/* a Full-NAT service without a LIP */
	s = (struct p_l4){.proto = IPPROTO_TCP,
			  .src = CIP,
			  .dst = VIP,
			  .sport = 41000,
			  .dport = FN_BARE,
			  .tcp_flags = RTE_TCP_SYN_FLAG};
	feed(P_CLI, p_l4_frame(fb, &s));
	assert_int_equal(take(p_tx_ring[P_SRV], (struct rte_mbuf *[2]){0}, 2), 0);
	assert_int_equal(wk.cnt[P_CLI].drops[DPVS_DROP_FNAT_NO_LADDR], 1);
	fates_add_up();
}

/* ICMP errors about a Full-NAT flow reach the other side translated. */
static void test_fnat_icmp(void **state)
{
	struct p_l4 s = {.proto = IPPROTO_UDP,
			 .src = CIP,
			 .dst = VIP,
			 .sport = 5100,
			 .dport = FN_UDP,
			 .payload = 4};
	uint8_t q[64];
	struct rte_ipv4_hdr *ip, *in;
	const struct rte_icmp_hdr *ic;
	uint16_t lport;
	size_t len;

	(void)state;
	ip = pass(&s, P_SRV, &rs_mac[1]);
	lport = sport_of(ip);
	/* the real server: port unreachable about LIP1:lport -> RIP2:5353 */
	memcpy(q, ip, sizeof(*ip) + 8);
	len = p_icmp_frame(fb, RIP2, LIP1, 3, 3, 0, q, sizeof(*ip) + 8);
	feed(P_SRV, len);
	ip = left_to(P_CLI, &cgw_mac);
	ip_ok(ip);
	assert_int_equal(ip->src_addr, p_ip(VIP));
	assert_int_equal(ip->dst_addr, p_ip(CIP));
	assert_int_equal(ip->time_to_live, 63);
	ic = (const struct rte_icmp_hdr *)(ip + 1);
	assert_int_equal(rte_raw_cksum(ic, ntohs(ip->total_length) - sizeof(*ip)), 0xffff);
	in = (struct rte_ipv4_hdr *)(ic + 1);
	ip_ok(in);
	assert_int_equal(in->src_addr, p_ip(CIP));
	assert_int_equal(in->dst_addr, p_ip(VIP));
	assert_int_equal(sport_of(in), 5100);
	assert_int_equal(dport_of(in), FN_UDP);
	/* the quoted UDP checksum is the client's packet's again */
	{
		const struct rte_udp_hdr *u = (const void *)(in + 1);
		struct p_l4 orig = s;
		size_t olen = p_l4_frame(fb, &orig);

		(void)olen;
		assert_int_equal(u->dgram_cksum,
				 ((const struct rte_udp_hdr *)(p_iph(fb) + 1))->dgram_cksum);
	}

	/* the client: port unreachable about VIP:5300 -> CIP:5100 (a reply) */
	s = (struct p_l4){.proto = IPPROTO_UDP,
			  .src = RIP2,
			  .dst = LIP1,
			  .sport = 5353,
			  .dport = lport,
			  .payload = 4};
	ip = pass(&s, P_CLI, &cgw_mac);
	memcpy(q, ip, sizeof(*ip) + 8);
	len = p_icmp_frame(fb, CIP, VIP, 3, 3, 0, q, sizeof(*ip) + 8);
	feed(P_CLI, len);
	ip = left_to(P_SRV, &rs_mac[1]);
	ip_ok(ip);
	assert_int_equal(ip->src_addr, p_ip(LIP1));
	assert_int_equal(ip->dst_addr, p_ip(RIP2));
	ic = (const struct rte_icmp_hdr *)(ip + 1);
	assert_int_equal(rte_raw_cksum(ic, ntohs(ip->total_length) - sizeof(*ip)), 0xffff);
	in = (struct rte_ipv4_hdr *)(ic + 1);
	ip_ok(in);
	assert_int_equal(in->src_addr, p_ip(RIP2));
	assert_int_equal(in->dst_addr, p_ip(LIP1));
	assert_int_equal(sport_of(in), 5353);
	assert_int_equal(dport_of(in), lport);
	fates_add_up();
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_laddr_refusals),
	    T(test_laddr_flag_follows_services),
	    T(test_laddr_listing),
	    cmocka_unit_test_setup_teardown(test_fnat_tcp_both_ways, setup_dp, teardown),
	    cmocka_unit_test_setup_teardown(test_fnat_udp, setup_dp, teardown),
	    cmocka_unit_test_setup_teardown(test_fnat_no_port_no_laddr, setup_dp, teardown),
	    cmocka_unit_test_setup_teardown(test_fnat_icmp, setup_dp, teardown),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
