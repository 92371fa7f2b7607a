/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The connection listing (CONN_LIST) through its handler, on conns the
 * data path made from packets in two workers' tables: by pages, every
 * conn comes exactly once, pages go on from one worker's table into the
 * next, a page ends between two buckets (or inside one only when that
 * bucket alone is bigger than a page), conns made between two pages do
 * not repeat the others; without pages, a table bigger than one message
 * is refused (EMSGSIZE), never cut; bad cursors and flags are refused.
 *
 * Fakes as in test_ipvs_snap.c: one port, no route: what the conns
 * forward is dropped (ip-no-route), the conns stay.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_udp.h>

#include "dp_test_env.h"
#include "ctl_test_env.h"
#include "control/control.h"
#include "dp/dp.h"
#include "inet/inet.h"
#include "ipvs/ipvs.h"
#include "ipvs/ipvs_priv.h"
#include "netif/netif.h"

/* ---- fakes: one port, never sent to ---- */

struct dp_port netif_ports[DP_MAX_PORTS] = {
    {.idx = 0, .port_id = DP_PORT_NONE, .kni_port_id = DP_PORT_NONE, .mtu = 1500, .name = "dpdk0"},
};
unsigned netif_nports = 1;

#include "netif_fake.h"

/* ---- fixtures ---- */

#define NWORKERS 2
#define VIP	 0x0a000001u /* 10.0.0.1, UDP port 53 */
static struct worker wk[NWORKERS];
static struct ctl_reply rep;
static char err[256];

static int setup_n(uint32_t conn_max)
{
	struct dpvs_dest_req q;

	dp_test_eal();
	dp_worker_unregister_all();
	for (unsigned i = 0; i < NWORKERS; i++) {
		memset(&wk[i], 0, sizeof(wk[i]));
		wk[i].lcore_id = rte_lcore_id(); /* walked directly, no mailbox */
		wk[i].now_sec = 1000;
		assert_int_equal(dp_worker_register(&wk[i]), 0);
	}
	if (inet_init(netif_nports, err, sizeof(err)) < 0 ||
	    ipvs_init(NWORKERS, conn_max, err, sizeof(err)) < 0) {
		fprintf(stderr, "setup: %s\n", err);
		return -1;
	}
	ctl_registry_reset();
	ipvs_ctl_register();
	memset(&q, 0, sizeof(q));
	q.svc.af = AF_INET;
	q.svc.protocol = IPPROTO_UDP;
	q.svc.addr.in.s_addr = htonl(VIP);
	q.svc.port = htons(53);
	snprintf(q.svc.sched_name, sizeof(q.svc.sched_name), "rr");
	assert_int_equal(ctl_test_call(DPVS_MSG_SVC_ADD, 0, &q.svc, sizeof(q.svc), &rep), 0);
	q.dest.af = AF_INET;
	q.dest.addr.in.s_addr = htonl(0xc0a8010au);
	q.dest.port = htons(53);
	q.dest.conn_flags = DPVS_FWD_MASQ;
	q.dest.weight = 1;
	assert_int_equal(ctl_test_call(DPVS_MSG_DEST_ADD, 0, &q, sizeof(q), &rep), 0);
	return 0;
}

static int setup(void **state)
{
	(void)state;
	return setup_n(1024);
}

static int setup_big(void **state)
{
	(void)state;
	return setup_n(40000);
}

static int teardown(void **state)
{
	(void)state;
	ipvs_fini();
	inet_fini();
	ctl_reply_free(&rep);
	return 0;
}

/* A UDP datagram from caddr:cport (host order) to the VIP, handed to
 * worker w's IPVS: a new conn in w's table. */
static void udp_conn(unsigned w, uint32_t caddr, uint16_t cport)
{
	struct {
		struct rte_ipv4_hdr ip;
		struct rte_udp_hdr udp;
		uint8_t data[4];
	} __attribute__((packed)) p;
	uint32_t before = ipvs_conn_count(w);
	struct rte_mbuf *m;

	memset(&p, 0, sizeof(p));
	p.ip.version_ihl = 0x45;
	p.ip.total_length = htons(sizeof(p));
	p.ip.time_to_live = 64;
	p.ip.next_proto_id = IPPROTO_UDP;
	p.ip.src_addr = htonl(caddr);
	p.ip.dst_addr = htonl(VIP);
	p.ip.hdr_checksum = rte_ipv4_cksum(&p.ip);
	p.udp.src_port = htons(cport);
	p.udp.dst_port = htons(53);
	p.udp.dgram_len = htons(sizeof(p.udp) + sizeof(p.data));
	m = dp_test_mbuf(&p, sizeof(p));
	assert_non_null(m);
	m->l3_len = sizeof(p.ip);
	assert_int_equal(ipvs_in(&wk[w], 0, m), INET_STOLEN);
	assert_int_equal(ipvs_conn_count(w), before + 1);
}

/* The bucket of caddr:cport's conn in worker w's table. */
static uint32_t bucket_of(unsigned w, uint32_t caddr, uint16_t cport)
{
	return ipvs_conn_hash(ipvs_worker_state(w), IPPROTO_UDP, htonl(caddr), htonl(VIP),
			      htons(cport), htons(53));
}

/* One page from q: its header in *pg, its entries returned. */
static const struct dpvs_conn *page(const struct dpvs_conn_page_req *q, struct dpvs_conn_page *pg,
				    uint32_t *n)
{
	const struct dpvs_list *l;

	assert_int_equal(
	    ctl_test_call(DPVS_MSG_CONN_LIST, DPVS_MSG_F_CONN_PAGE, q, sizeof(*q), &rep), 0);
	assert_true(rep.len >= sizeof(*pg) + sizeof(*l));
	memcpy(pg, ctl_test_payload(&rep), sizeof(*pg));
	l = (const struct dpvs_list *)(ctl_test_payload(&rep) + sizeof(*pg));
	assert_int_equal(l->entry_size, sizeof(struct dpvs_conn));
	assert_int_equal(rep.len, sizeof(*pg) + sizeof(*l) + l->count * sizeof(struct dpvs_conn));
	*n = l->count;
	return (const struct dpvs_conn *)(l + 1);
}

/* Times each client (10.w.x.y:cport) was listed: index by worker and
 * port, clients are 172.16+w.0.1 with ports from 1000. */
#define MAXPORT 4096
/* entries in a page with max 0: what one message holds */
#define PAGE_CAP                                                                                   \
	((DPVS_CTL_MAX_PAYLOAD - sizeof(struct dpvs_conn_page) - sizeof(struct dpvs_list)) /       \
	 sizeof(struct dpvs_conn))
static uint8_t seen[NWORKERS][MAXPORT];

static void see(const struct dpvs_conn *c, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		uint32_t a = ntohl(c[i].caddr.in.s_addr);
		uint16_t p = ntohs(c[i].cport);
		unsigned w = ((a >> 16) & 0xff) - 16;

		assert_true(w < NWORKERS && p >= 1000 && p - 1000 < MAXPORT);
		seen[w][p - 1000]++;
		assert_string_equal(c[i].state, "UDP");
	}
}

static uint32_t client(unsigned w)
{
	return 0xac000001u | ((16u + w) << 16); /* 172.16+w.0.1 */
}

/* Every page from the start, max entries each; returns the pages. The
 * cursor only moves forward; `between` runs after the first page. */
static uint32_t list_all(uint32_t max, uint32_t *total, void (*between)(void))
{
	struct dpvs_conn_page_req q = {.max = max};
	struct dpvs_conn_page pg;
	uint32_t pages = 0, n;

	memset(seen, 0, sizeof(seen));
	*total = 0;
	do {
		const struct dpvs_conn *c = page(&q, &pg, &n);

		assert_true(n <= (max ? max : PAGE_CAP));
		see(c, n);
		*total += n;
		pages++;
		assert_true(pg.more <= 1);
		if (pg.more)
			assert_true(pg.next_worker > q.worker ||
				    (pg.next_worker == q.worker &&
				     (pg.next_bucket > q.bucket ||
				      (pg.next_bucket == q.bucket && pg.next_skip > q.skip))));
		q.worker = pg.next_worker;
		q.bucket = pg.next_bucket;
		q.skip = pg.next_skip;
		if (pages == 1 && between)
			between();
		assert_true(pages < 10000);
	} while (pg.more);
	return pages;
}

/* ---- tests ---- */

static void test_pages_cover_both_workers(void **state)
{
	uint32_t total, pages;

	(void)state;
	for (uint16_t p = 0; p < 300; p++)
		udp_conn(0, client(0), (uint16_t)(1000 + p));
	for (uint16_t p = 0; p < 200; p++)
		udp_conn(1, client(1), (uint16_t)(1000 + p));
	pages = list_all(37, &total, NULL);
	assert_int_equal(total, 500);
	/* whole buckets per page: a page may end short of 37, never over */
	assert_true(pages >= 500 / 37 + 1);
	for (unsigned w = 0; w < NWORKERS; w++)
		for (unsigned p = 0; p < (w ? 200u : 300u); p++)
			assert_int_equal(seen[w][p], 1);

	/* one page that holds everything: both tables, and no more */
	pages = list_all(0, &total, NULL);
	assert_int_equal(pages, 1);
	assert_int_equal(total, 500);
}

/* conns made after the first page: the others are still listed once */
static void add_more(void)
{
	for (uint16_t p = 300; p < 400; p++)
		udp_conn(0, client(0), (uint16_t)(1000 + p));
}

static void test_conns_made_between_pages(void **state)
{
	uint32_t total;

	(void)state;
	for (uint16_t p = 0; p < 300; p++)
		udp_conn(0, client(0), (uint16_t)(1000 + p));
	list_all(20, &total, add_more);
	for (unsigned p = 0; p < 300; p++)
		assert_int_equal(seen[0][p], 1);
	for (unsigned p = 300; p < 400; p++)
		assert_true(seen[0][p] <= 1);
	assert_true(total >= 300 && total <= 400);
}

static void test_page_ends_between_buckets(void **state)
{
	struct dpvs_conn_page_req q = {.max = 0};
	struct dpvs_conn_page pg;
	const struct dpvs_conn *c;
	uint32_t same_a[3], b, n, prev = UINT32_MAX;
	uint16_t same_p[3];
	unsigned ns = 0;

	(void)state;
	/* three clients (distinct ports) whose conns share one bucket of
	 * worker 0: 2,048 buckets, 65,536 candidates */
	b = bucket_of(0, client(0), 1000);
	for (uint32_t k = 0; ns < 3 && k < 16 * MAXPORT; k++) {
		uint32_t a = client(0) + k / MAXPORT;
		uint16_t p = (uint16_t)(1000 + k % MAXPORT);
		bool dup = false;

		for (unsigned i = 0; i < ns; i++)
			dup |= same_p[i] == p;
		if (!dup && bucket_of(0, a, p) == b) {
			same_a[ns] = a;
			same_p[ns++] = p;
		}
	}
	assert_int_equal(ns, 3);
	for (unsigned i = 0; i < 3; i++)
		udp_conn(0, same_a[i], same_p[i]);
	/* one conn in a bucket before it, if there is one */
	for (uint16_t p = 1000; p < 1000 + MAXPORT && b > 0; p++)
		if (bucket_of(0, client(0), p) < b && p != same_p[0] && p != same_p[1] &&
		    p != same_p[2]) {
			udp_conn(0, client(0), p);
			prev = bucket_of(0, client(0), p);
			break;
		}

	if (prev != UINT32_MAX) {
		/* room for two: the earlier conn fits, the bucket of three
		 * does not, and the page ends before it */
		q.max = 2;
		page(&q, &pg, &n);
		assert_int_equal(n, 1);
		assert_int_equal(pg.more, 1);
		assert_int_equal(pg.next_worker, 0);
		assert_int_equal(pg.next_bucket, b);
		assert_int_equal(pg.next_skip, 0);
	}
	/* from the bucket of three with room for two: the bucket alone is
	 * bigger than a page, so it is cut, and the next page goes on */
	memset(seen, 0, sizeof(seen));
	q = (struct dpvs_conn_page_req){.max = 2, .worker = 0, .bucket = b};
	c = page(&q, &pg, &n);
	see(c, n);
	assert_int_equal(n, 2);
	assert_int_equal(pg.more, 1);
	assert_int_equal(pg.next_bucket, b);
	assert_int_equal(pg.next_skip, 2);
	q.skip = 2;
	c = page(&q, &pg, &n);
	see(c, n);
	assert_int_equal(n, 1);
	assert_int_equal(pg.more, 0); /* nothing after it, in either table */
	assert_int_equal(pg.next_worker, NWORKERS);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(seen[0][same_p[i] - 1000], 1);
	/* room for three: the bucket whole */
	q.skip = 0;
	q.max = 3;
	page(&q, &pg, &n);
	assert_int_equal(n, 3);
	assert_int_equal(pg.more, 0);
}

/* More conns than one message holds (38,836 entries of 108 bytes). */
static void test_bigger_than_a_message(void **state)
{
	struct dpvs_conn_query q0 = {.max = 0}, q100 = {.max = 100};
	const uint32_t cap =
	    (DPVS_CTL_MAX_PAYLOAD - sizeof(struct dpvs_list)) / sizeof(struct dpvs_conn);
	uint32_t total, pages, want = cap + 1000;

	(void)state;
	for (uint32_t i = 0; i < want; i++)
		udp_conn(i & 1, client(i & 1) + (i >> 12), (uint16_t)(1000 + (i >> 1) % MAXPORT));
	/* at once: all or EMSGSIZE, never the first 38,836 as if all */
	assert_int_equal(ctl_test_call(DPVS_MSG_CONN_LIST, 0, &q0, sizeof(q0), &rep), -EMSGSIZE);
	assert_non_null(strstr(rep.msg, "ask for it by pages"));
	/* a limit the client asked for is not a cut */
	assert_int_equal(ctl_test_call(DPVS_MSG_CONN_LIST, 0, &q100, sizeof(q100), &rep), 0);
	assert_int_equal(((const struct dpvs_list *)ctl_test_payload(&rep))->count, 100);
	/* by pages, everything */
	pages = list_all(0, &total, NULL);
	assert_int_equal(total, want);
	assert_int_equal(pages, 2);
}

static void test_bad_requests(void **state)
{
	struct dpvs_conn_page_req q = {.max = 10};
	struct dpvs_conn_query cq = {.max = 10};
	struct dpvs_conn_page pg;
	uint32_t n;

	(void)state;
	q.worker = NWORKERS + 1;
	assert_int_equal(
	    ctl_test_call(DPVS_MSG_CONN_LIST, DPVS_MSG_F_CONN_PAGE, &q, sizeof(q), &rep), -EINVAL);
	assert_non_null(strstr(rep.msg, "cursor: worker 3 of 2"));
	q.worker = 0;
	q.bucket = ipvs_worker_state(0)->nbuckets;
	assert_int_equal(
	    ctl_test_call(DPVS_MSG_CONN_LIST, DPVS_MSG_F_CONN_PAGE, &q, sizeof(q), &rep), -EINVAL);
	assert_non_null(strstr(rep.msg, "cursor: bucket"));
	q.worker = NWORKERS;
	q.bucket = 1;
	assert_int_equal(
	    ctl_test_call(DPVS_MSG_CONN_LIST, DPVS_MSG_F_CONN_PAGE, &q, sizeof(q), &rep), -EINVAL);
	/* the end of the tables: an empty last page */
	q.bucket = 0;
	page(&q, &pg, &n);
	assert_int_equal(n, 0);
	assert_int_equal(pg.more, 0);
	/* a page request of a query's size, a query of a page's size */
	assert_int_equal(
	    ctl_test_call(DPVS_MSG_CONN_LIST, DPVS_MSG_F_CONN_PAGE, &cq, sizeof(cq), &rep),
	    -EINVAL);
	assert_non_null(strstr(rep.msg, "page request: 8 bytes"));
	assert_int_equal(ctl_test_call(DPVS_MSG_CONN_LIST, 0, &q, sizeof(q), &rep), -EINVAL);
	/* flags nobody defined */
	assert_int_equal(ctl_test_call(DPVS_MSG_CONN_LIST, 0x8, &cq, sizeof(cq), &rep), -EINVAL);
	assert_non_null(strstr(rep.msg, "unknown flags 0x8"));
	cq.flags = 1;
	assert_int_equal(ctl_test_call(DPVS_MSG_CONN_LIST, 0, &cq, sizeof(cq), &rep), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_pages_cover_both_workers, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_conns_made_between_pages, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_page_ends_between_buckets, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bigger_than_a_message, setup_big, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_requests, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
