/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control plane at scale, through service.c and its handlers: a
 * change rebuilds the scheduler state of the service it touches only
 * (the others' entries are carried over, pointer for pointer); a
 * worker's lblc/lblcr table outlives other services' changes and edits
 * of its own service; scheduling writes nothing reachable from the
 * published snapshot (checked byte for byte, for every scheduler); the
 * limits come from [pool] svc_max/dest_max; a batch publishes once; a
 * listing too big for one message comes in pages that add up.
 *
 * Fakes as in test_ipvs_dp.c: the ports (none is sent to here).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <malloc.h>
#include <arpa/inet.h>
#include <cmocka.h>
#include <rte_lcore.h>

#include "dp_test_env.h"
#include "ctl_test_env.h"
#include "control/control.h"
#include "dp/dp.h"
#include "inet/inet.h"
#include "ipvs/ipvs.h"
#include "ipvs/ipvs_priv.h"
#include "ipvs/ipvs_sched.h"
#include "netif/netif.h"

/* ---- fakes: one port, never sent to ---- */

struct dp_port netif_ports[DP_MAX_PORTS] = {
	{ .idx = 0, .port_id = DP_PORT_NONE, .kni_port_id = DP_PORT_NONE, .mtu = 1500,
	  .name = "dpdk0" },
};
unsigned netif_nports = 1;

#include "netif_fake.h"

/* ---- fixtures ---- */

#define NWORKERS 2
static struct worker wk[NWORKERS];
static struct ctl_reply rep;
static char err[256];

static int setup_limits(uint32_t nsvc, uint32_t ndest)
{
	dp_test_eal();
	dp_worker_unregister_all();
	for (unsigned i = 0; i < NWORKERS; i++) {
		memset(&wk[i], 0, sizeof(wk[i]));
		wk[i].lcore_id = rte_lcore_id();
		wk[i].now_sec = 1000;
		assert_int_equal(dp_worker_register(&wk[i]), 0);
	}
	if (ipvs_set_limits(nsvc, ndest, err, sizeof(err)) < 0 ||
	    inet_init(netif_nports, err, sizeof(err)) < 0 ||
	    ipvs_init(NWORKERS, 1024, err, sizeof(err)) < 0) {
		fprintf(stderr, "setup: %s\n", err);
		return -1;
	}
	ctl_registry_reset();
	ipvs_ctl_register();
	return 0;
}

static int setup(void **state)
{
	(void)state;
	return setup_limits(IPVS_SVC_MAX_DEFAULT, IPVS_DEST_MAX_DEFAULT);
}

static int teardown(void **state)
{
	(void)state;
	ipvs_fini();
	inet_fini();
	ctl_reply_free(&rep);
	return ipvs_set_limits(IPVS_SVC_MAX_DEFAULT, IPVS_DEST_MAX_DEFAULT, err, sizeof(err));
}

static uint32_t ip4(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

/* service i: TCP 10.0.(i / 250).(i % 250 + 1):80 */
static struct dpvs_svc key(uint32_t i)
{
	struct dpvs_svc s;

	memset(&s, 0, sizeof(s));
	s.af = AF_INET;
	s.protocol = IPPROTO_TCP;
	s.addr.in.s_addr = htonl(0x0a000000u | ((i / 250) << 8) | (i % 250 + 1));
	s.port = htons(80);
	return s;
}

static int svc_add(uint32_t i, const char *sched, uint32_t flags)
{
	struct dpvs_svc s = key(i);

	snprintf(s.sched_name, sizeof(s.sched_name), "%s", sched);
	s.flags = flags;
	return ipvs_svc_add(&s, err, sizeof(err));
}

static int svc_edit(uint32_t i, const char *sched)
{
	struct dpvs_svc s = key(i);

	snprintf(s.sched_name, sizeof(s.sched_name), "%s", sched);
	return ipvs_svc_edit(&s, err, sizeof(err));
}

/* real server k of service i: 172.16.(i).(k + 1):8080, or an address of
 * its own for bigger k */
static struct dpvs_dest dest(uint32_t i, uint32_t k, int weight)
{
	struct dpvs_dest d;

	memset(&d, 0, sizeof(d));
	d.af = AF_INET;
	d.addr.in.s_addr = htonl(0xac100000u + (i << 16) + k + 1);
	d.port = htons(8080);
	d.conn_flags = DPVS_FWD_MASQ;
	d.weight = weight;
	return d;
}

static int dest_add(uint32_t i, uint32_t k, int weight)
{
	struct dpvs_svc s = key(i);
	struct dpvs_dest d = dest(i, k, weight);

	return ipvs_dest_add(&s, &d, err, sizeof(err));
}

static int dest_edit(uint32_t i, uint32_t k, int weight)
{
	struct dpvs_svc s = key(i);
	struct dpvs_dest d = dest(i, k, weight);

	return ipvs_dest_edit(&s, &d, err, sizeof(err));
}

static int dest_del(uint32_t i, uint32_t k)
{
	struct dpvs_svc s = key(i);
	struct dpvs_dest d = dest(i, k, 1);

	return ipvs_dest_del(&s, &d, err, sizeof(err));
}

/* The published entry of service i. */
static const struct ipvs_snap_svc *snap_svc(uint32_t i)
{
	struct dpvs_svc s = key(i);
	const struct ipvs_snap_svc *svc =
	    ipvs_snap_svc_lookup(ipvs_snap_get(), IPPROTO_TCP, s.addr.in.s_addr, s.port);

	assert_non_null(svc);
	return svc;
}

/* A new flow of service i as worker w schedules it (its own state and
 * counts), to the destination daddr from client caddr. */
static const struct ipvs_snap_dest *pick(unsigned w, uint32_t i, uint32_t caddr, uint32_t daddr)
{
	const struct ipvs_snap_svc *svc = snap_svc(i);
	struct ipvs_worker *iw = ipvs_worker_state(w);
	struct sched_ctx ctx = {
	    .dest_cnt = iw->dest,
	    .thresh = ipvs_snap_get()->thresh,
	    .caddr = caddr,
	    .cport = htons(40000),
	    .worker = (uint16_t)w,
	    .daddr = daddr,
	    .now = 1000,
	};

	return sched_pick(svc, &iw->svc[svc->id].sched, &ctx);
}

static struct ipvs_dest_wstate *counts(unsigned w, const struct ipvs_snap_dest *d)
{
	return &ipvs_worker_state(w)->dest[d->id];
}

/* ---- a change rebuilds only the service it touches ---- */

static void test_other_services_carried_over(void **state)
{
	const struct ipvs_snap *before;
	const struct ipvs_snap_svc *a, *b;
	const void *a_data, *b_data;
	const struct ipvs_snap_dest *a_dests, *b_dests;
	const uint16_t *lk;
	uint16_t copy[8];

	(void)state;
	/* Maglev: the costly table (65,537 entries) */
	assert_int_equal(svc_add(0, "mh", 0), 0);
	assert_int_equal(svc_add(1, "mh", 0), 0);
	for (uint32_t k = 0; k < 3; k++) {
		assert_int_equal(dest_add(0, k, 1), 0);
		assert_int_equal(dest_add(1, k, 1), 0);
	}
	a = snap_svc(0);
	b = snap_svc(1);
	a_data = a->sched_data;
	b_data = b->sched_data;
	a_dests = a->dests;
	b_dests = b->dests;
	assert_int_equal(sched_mh_table(b_data, &lk), 65537);
	memcpy(copy, lk, sizeof(copy));

	/* a change to A: a new snapshot, A's entry rebuilt, B's carried */
	before = ipvs_snap_get();
	assert_int_equal(dest_add(0, 3, 2), 0);
	assert_ptr_not_equal(ipvs_snap_get(), before);
	a = snap_svc(0);
	b = snap_svc(1);
	assert_ptr_not_equal(a->sched_data, a_data);
	assert_int_equal(a->ndests, 4);
	assert_ptr_equal(b->sched_data, b_data);
	assert_ptr_equal(b->dests, b_dests);
	/* and what B carried was not freed with the old snapshot */
	assert_int_equal(sched_mh_table(b->sched_data, &lk), 65537);
	assert_memory_equal(lk, copy, sizeof(copy));

	/* a service added, another edited, a timeout set: B still carried */
	assert_int_equal(svc_add(2, "rr", 0), 0);
	assert_int_equal(svc_edit(0, "wlc"), 0);
	struct dpvs_timeouts t = {.tcp_timeout = 100};
	assert_int_equal(ipvs_timeout_set(&t, err, sizeof(err)), 0);
	assert_ptr_equal(snap_svc(1)->sched_data, b_data);
	/* a change to B itself builds B again */
	assert_int_equal(dest_edit(1, 0, 5), 0);
	assert_ptr_not_equal(snap_svc(1)->sched_data, b_data);
	(void)a_dests;
}

/* ---- per-worker scheduler state ---- */

static void test_lblc_survives_changes(void **state)
{
	const uint32_t client = ip4("192.168.0.1"), x = ip4("8.8.8.8");
	const struct ipvs_snap_dest *d;
	uint32_t id;

	(void)state;
	assert_int_equal(svc_add(0, "lblc", 0), 0);
	for (uint32_t k = 0; k < 3; k++)
		assert_int_equal(dest_add(0, k, 4), 0);
	/* the first two busy: the destination goes to the third, and stays
	 * there even once it is the busiest (within its weight) */
	counts(0, &snap_svc(0)->dests[0])->activeconns = 1;
	counts(0, &snap_svc(0)->dests[1])->activeconns = 1;
	d = pick(0, 0, client, x);
	assert_ptr_equal(d, &snap_svc(0)->dests[2]);
	id = d->id;
	counts(0, &snap_svc(0)->dests[0])->activeconns = 0;
	counts(0, &snap_svc(0)->dests[1])->activeconns = 0;
	counts(0, d)->activeconns = 3;
	assert_int_equal(pick(0, 0, client, x)->id, id);

	/* another service added, with a real server */
	assert_int_equal(svc_add(1, "lblc", 0), 0);
	assert_int_equal(dest_add(1, 0, 1), 0);
	assert_int_equal(pick(0, 0, client, x)->id, id);
	/* edits of the service itself: a real server added, another one's
	 * weight changed, one in front of it removed (it moves in the list) */
	assert_int_equal(dest_add(0, 3, 4), 0);
	assert_int_equal(dest_edit(0, 1, 5), 0);
	assert_int_equal(dest_del(0, 0), 0);
	assert_int_equal(snap_svc(0)->dests[1].id, id);
	assert_int_equal(pick(0, 0, client, x)->id, id);
	/* the other worker has a table of its own, empty: least connection
	 * by its own counts (all idle: the first) */
	assert_ptr_equal(pick(1, 0, client, x), &snap_svc(0)->dests[0]);

	/* another scheduler starts afresh: lblcr's table (larger) replaces it */
	void *mem = ipvs_worker_state(0)->svc[snap_svc(0)->id].sched.mem;

	assert_non_null(mem);
	assert_int_equal(svc_edit(0, "lblcr"), 0);
	assert_ptr_not_equal(ipvs_worker_state(0)->svc[snap_svc(0)->id].sched.mem, mem);
	d = pick(0, 0, client, x);
	assert_int_not_equal(d->id, id); /* least connection now: not the busy one */
	assert_int_equal(pick(0, 0, client, x)->id, d->id);
	/* and back to lblc: the table starts empty again */
	uint32_t lblcr_id = d->id;

	assert_int_equal(svc_edit(0, "lblc"), 0);
	ipvs_worker_state(0)->dest[lblcr_id].activeconns = 2;
	assert_int_not_equal(pick(0, 0, client, x)->id, lblcr_id);
}

/* FNV-1a over n bytes */
static uint64_t fnv(const void *p, size_t n, uint64_t h)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

/* Everything a worker can reach from the service's published entry. */
static uint64_t snap_bytes(const struct ipvs_snap_svc *svc)
{
	uint64_t h = fnv(svc, sizeof(*svc), 0xcbf29ce484222325ull);

	h = fnv(svc->dests, sizeof(svc->dests[0]) * svc->ndests, h);
	if (svc->sched_data)
		h = fnv(svc->sched_data, malloc_usable_size((void *)(uintptr_t)svc->sched_data), h);
	return h;
}

static void test_scheduling_writes_no_snapshot(void **state)
{
	char names[256], *save = NULL;
	uint32_t i = 0;

	(void)state;
	sched_names(names, sizeof(names));
	for (char *n = strtok_r(names, " ", &save); n; n = strtok_r(NULL, " ", &save), i++) {
		const struct ipvs_snap_svc *svc;
		uint64_t h;

		/* flag-1 and flag-2: mh's fallback and port, sh's too */
		assert_int_equal(svc_add(i, n, DPVS_SVC_F_SCHED1 | DPVS_SVC_F_SCHED2), 0);
		for (uint32_t k = 0; k < 5; k++)
			assert_int_equal(dest_add(i, k, (int)k), 0); /* one quiesced */
		svc = snap_svc(i);
		h = snap_bytes(svc);
		for (uint32_t p = 0; p < 3000; p++) {
			const struct ipvs_snap_dest *d =
			    pick(p % NWORKERS, i, htonl(0xc0a80000u + p * 7919),
				 htonl(0x08000000u + p % 97));

			if (!d) /* a hashing scheduler's key on the quiesced one */
				continue;
			/* loads that move, so every path of the scheduler runs */
			if (p % 3)
				counts(p % NWORKERS, d)->activeconns++;
			if (p % 11 == 0)
				counts(p % NWORKERS, d)->overloaded = p % 22 == 0;
		}
		if (snap_bytes(svc) != h)
			fail_msg("scheduling with %s wrote into the published snapshot", n);
	}
	assert_true(i >= 15);
}

/* ---- the stray keys, merged as dests come and go ---- */

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The snapshot's dest keys are its dests' keys, sorted (as stray.c sorted
 * them for every snapshot before), and its dests alive by id are its
 * services' dests. */
static void check_dest_keys(void)
{
	const struct ipvs_snap *sn = ipvs_snap_get();
	uint64_t *k = malloc(sizeof(*k) * 4096);
	uint32_t n = 0;

	assert_non_null(k);
	for (uint32_t i = 0; i < sn->nsvcs; i++) {
		const struct ipvs_snap_svc *svc = &sn->svcs[i];

		for (uint32_t j = 0; j < svc->ndests; j++) {
			assert_true(n < 4096);
			k[n++] = ipvs_snap_dest_key(svc->fwmark ? 0 : svc->proto, svc->dests[j].addr,
						    svc->dests[j].port);
		}
	}
	qsort(k, n, sizeof(*k), u64_cmp);
	assert_int_equal(sn->ndest_keys, n);
	assert_memory_equal(sn->dest_keys, k, sizeof(*k) * n);
	free(k);
	/* and the dests alive by id are those of the services */
	uint32_t alive = 0;

	for (uint32_t id = 0; id < sn->ndest_ids; id++)
		alive += sn->dest_alive[id];
	assert_int_equal(alive, n);
	for (uint32_t i = 0; i < sn->nsvcs; i++)
		for (uint32_t j = 0; j < sn->svcs[i].ndests; j++)
			assert_int_equal(sn->dest_alive[sn->svcs[i].dests[j].id], 1);
}

static void test_stray_keys_follow_changes(void **state)
{
	struct dpvs_svc fwm, s1 = key(1);
	struct dpvs_dest d;
	uint32_t x = 12345;

	(void)state;
	ipvs_batch_begin();
	for (uint32_t i = 0; i < 40; i++) {
		assert_int_equal(svc_add(i, "rr", 0), 0);
		for (uint32_t k = 0; k < 8; k++)
			assert_int_equal(dest_add(i, k, 1), 0);
	}
	assert_int_equal(ipvs_batch_end(), 0);
	check_dest_keys();
	/* the same real server in two services: its key twice */
	d = dest(0, 0, 1);
	assert_int_equal(ipvs_dest_add(&s1, &d, err, sizeof(err)), 0);
	check_dest_keys();
	/* a fwmark service (any protocol) */
	memset(&fwm, 0, sizeof(fwm));
	fwm.af = AF_INET;
	fwm.fwmark = 9;
	assert_int_equal(ipvs_svc_add(&fwm, err, sizeof(err)), 0);
	d = dest(0, 1, 1);
	assert_int_equal(ipvs_dest_add(&fwm, &d, err, sizeof(err)), 0);
	check_dest_keys();
	/* one change at a time, of every kind, each published */
	for (int step = 0; step < 300; step++) {
		uint32_t i, k;

		x = x * 1103515245u + 12345u;
		i = (x >> 8) % 40;
		k = (x >> 16) % 10;
		switch ((x >> 24) % 5) {
		case 0:
			dest_add(i, k, 1);
			break;
		case 1:
			dest_del(i, k);
			break;
		case 2:
			dest_edit(i, k, 2);
			break;
		case 3:
			if (svc_add(i, "wlc", 0) == -EEXIST) {
				struct dpvs_svc s = key(i);

				assert_int_equal(ipvs_svc_del(&s, err, sizeof(err)), 0);
			}
			break;
		default: /* removed and back, in one batch */
			ipvs_batch_begin();
			dest_del(i, k);
			dest_add(i, k, 3);
			assert_int_equal(ipvs_batch_end(), 0);
			break;
		}
		check_dest_keys();
	}
	/* a flush: none left */
	ipvs_svc_flush();
	check_dest_keys();
	assert_int_equal(ipvs_snap_get()->ndest_keys, 0);
}

/* ---- limits ---- */

static void test_limits(void **state)
{
	const uint64_t ids = 1ull << (8 * sizeof(((struct ipvs_conn *)0)->dest_id));

	(void)state;
	/* the fixture set svc_max 3, dest_max 5 */
	for (uint32_t i = 0; i < 3; i++)
		assert_int_equal(svc_add(i, "rr", 0), 0);
	assert_int_equal(svc_add(3, "rr", 0), -ENOSPC);
	assert_non_null(strstr(err, "svc_max"));
	for (uint32_t k = 0; k < 5; k++)
		assert_int_equal(dest_add(k % 3, k, 1), 0);
	assert_int_equal(dest_add(0, 9, 1), -ENOSPC);
	assert_non_null(strstr(err, "dest_max"));
	/* the per-worker arrays are there, indexed by those ids */
	for (unsigned w = 0; w < NWORKERS; w++) {
		assert_non_null(ipvs_worker_state(w)->svc);
		assert_non_null(ipvs_worker_state(w)->dest);
	}
	assert_int_equal(ipvs_svc_ids(), 3);
	assert_int_equal(ipvs_dest_ids(), 5);
	/* 0 is "from memory" (test_limits_from_memory); 32-bit ids name
	 * every other value */
	assert_int_equal(ipvs_set_limits(0, 5, err, sizeof(err)), 0);
	assert_int_equal(ipvs_set_limits(3, 0, err, sizeof(err)), 0);
	assert_int_equal(ipvs_set_limits(3, (uint32_t)(ids - 1), err, sizeof(err)), 0);
}

/* [pool] svc_max = dest_max = 0: sized from the hugepage memory left,
 * never below the old defaults, and said so (dpip stats) */
static void test_limits_from_memory(void **state)
{
	struct dpvs_ipvs_limits l;

	(void)state;
	ipvs_limits_get(&l);
	assert_true(l.svc_max >= IPVS_SVC_MAX_DEFAULT);
	assert_true(l.dest_max >= IPVS_DEST_MAX_DEFAULT);
	assert_int_equal(l.from_memory, DPVS_LIMITS_F_SVC_MEM | DPVS_LIMITS_F_DEST_MEM);
	assert_int_equal(l.dest_bytes, NWORKERS * sizeof(struct ipvs_dest_wstate));
	assert_int_equal(ipvs_svc_max(), l.svc_max);
	for (uint32_t i = 0; i < 20; i++)
		assert_int_equal(svc_add(i, "rr", 0), 0);
	assert_int_equal(dest_add(0, 0, 1), 0);
	ipvs_limits_get(&l);
	assert_int_equal(l.svcs, 20);
	assert_int_equal(l.dests, 1);
}

static int setup_from_memory(void **state)
{
	(void)state;
	return setup_limits(0, 0);
}

/* ---- IPv6 in the control plane ---- */

static struct dpvs_svc key6(const char *a, uint16_t port)
{
	struct dpvs_svc s;

	memset(&s, 0, sizeof(s));
	s.af = AF_INET6;
	s.protocol = IPPROTO_TCP;
	assert_int_equal(inet_pton(AF_INET6, a, &s.addr.in6), 1);
	s.port = htons(port);
	return s;
}

static struct dpvs_dest dest6(const char *a, uint16_t port)
{
	struct dpvs_dest d;

	memset(&d, 0, sizeof(d));
	d.af = AF_INET6;
	assert_int_equal(inet_pton(AF_INET6, a, &d.addr.in6), 1);
	d.port = htons(port);
	d.conn_flags = DPVS_FWD_MASQ;
	d.weight = 1;
	return d;
}

static int count_visit(uint32_t svc_id, const struct dpvs_svc *svc, const uint32_t *dest_ids,
		       const struct dpvs_dest *dests, uint32_t ndests, void *arg)
{
	(void)svc_id;
	(void)dest_ids;
	(void)dests;
	if (svc->af == AF_INET6)
		*(uint32_t *)arg += 1000 + ndests;
	else
		*(uint32_t *)arg += 1;
	return 0;
}

/* An IPv6 service is kept with its dests (the key is the family, the
 * whole address, the port), found by its key only, and left out of the
 * snapshot: the data path does not forward IPv6, and no IPv4 packet may
 * match it (its address's first word as an IPv4 VIP, say). */
static void test_ipv6_services_stored_not_forwarded(void **state)
{
	struct dpvs_svc v6 = key6("2001:db8::1", 80), other = key6("2001:db8::2", 80);
	struct dpvs_svc v4 = key(0), fw4, fw6, probe;
	struct dpvs_dest d = dest6("2001:db8::10", 8080), ll = dest6("fe80::1", 80);
	struct dpvs_dest mc = dest6("ff02::1", 80), v4d = dest(0, 0, 1);
	uint32_t n = 0;

	(void)state;
	snprintf(v6.sched_name, sizeof(v6.sched_name), "wrr");
	assert_int_equal(ipvs_svc_add(&v6, err, sizeof(err)), 0);
	assert_int_equal(ipvs_svc_add(&v6, err, sizeof(err)), -EEXIST);
	assert_non_null(strstr(err, "TCP [2001:db8::1]:80"));
	/* a v4 service on the same port, and one whose address is the v6
	 * one's first word, live beside it */
	assert_int_equal(svc_add(0, "rr", 0), 0);
	probe = v4;
	probe.addr.in.s_addr = v6.addr.be32[0];
	assert_int_equal(ipvs_svc_add(&probe, err, sizeof(err)), 0);
	/* dests: found by the whole address; not unicast refused as LVS */
	assert_int_equal(ipvs_dest_add(&v6, &d, err, sizeof(err)), 0);
	assert_int_equal(ipvs_dest_add(&v6, &d, err, sizeof(err)), -EEXIST);
	assert_non_null(strstr(err, "[2001:db8::10]:8080"));
	assert_int_equal(ipvs_dest_add(&v6, &ll, err, sizeof(err)), -EINVAL);
	assert_int_equal(ipvs_dest_add(&v6, &mc, err, sizeof(err)), -EINVAL);
	/* across families: LVS's -i only, and this daemon has no such tunnel */
	assert_int_equal(ipvs_dest_add(&v6, &v4d, err, sizeof(err)), -EINVAL);
	v4d.conn_flags = DPVS_FWD_TUNNEL;
	assert_int_equal(ipvs_dest_add(&v6, &v4d, err, sizeof(err)), -EOPNOTSUPP);
	assert_non_null(strstr(err, "not supported by dpvs"));
	d.weight = 5;
	assert_int_equal(ipvs_dest_edit(&v6, &d, err, sizeof(err)), 0);
	d.addr.in6.s6_addr[15] ^= 1;
	assert_int_equal(ipvs_dest_edit(&v6, &d, err, sizeof(err)), -ENOENT);
	assert_int_equal(ipvs_svc_edit(&other, err, sizeof(err)), -ESRCH);
	/* fwmark: -f 7 and -f 7 -6 are two services */
	memset(&fw4, 0, sizeof(fw4));
	fw4.af = AF_INET;
	fw4.fwmark = 7;
	fw6 = fw4;
	fw6.af = AF_INET6;
	assert_int_equal(ipvs_svc_add(&fw4, err, sizeof(err)), 0);
	assert_int_equal(ipvs_svc_add(&fw6, err, sizeof(err)), 0);
	assert_int_equal(ipvs_svc_add(&fw6, err, sizeof(err)), -EEXIST);
	assert_non_null(strstr(err, "FWM 7 IPv6"));
	/* all listed; the snapshot holds the three IPv4 ones only */
	assert_int_equal(ipvs_svc_walk(NULL, count_visit, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 3 + 2 * 1000 + 1);
	assert_int_equal(ipvs_snap_get()->nsvcs, 3);
	assert_int_equal(ipvs_snap_get()->nfwm_svcs, 1);
	assert_non_null(ipvs_snap_svc_lookup(ipvs_snap_get(), IPPROTO_TCP, probe.addr.in.s_addr,
					     probe.port));
	check_dest_keys();
	assert_int_equal(ipvs_snap_get()->ndest_keys, 0);
	/* gone again */
	assert_int_equal(ipvs_dest_del(&v6, &d, err, sizeof(err)), -ENOENT);
	d.addr.in6.s6_addr[15] ^= 1;
	assert_int_equal(ipvs_dest_del(&v6, &d, err, sizeof(err)), 0);
	assert_int_equal(ipvs_svc_del(&v6, err, sizeof(err)), 0);
	assert_int_equal(ipvs_svc_del(&v6, err, sizeof(err)), -ESRCH);
}

static int setup_small(void **state)
{
	(void)state;
	return setup_limits(3, 5);
}

/* ---- batches ---- */

static void test_batch_publishes_once(void **state)
{
	const struct ipvs_snap *before = ipvs_snap_get();

	(void)state;
	ipvs_batch_begin();
	for (uint32_t i = 0; i < 100; i++) {
		assert_int_equal(svc_add(i, "wlc", 0), 0);
		for (uint32_t k = 0; k < 10; k++)
			assert_int_equal(dest_add(i, k, 1), 0);
	}
	/* nothing published yet */
	assert_ptr_equal(ipvs_snap_get(), before);
	assert_int_equal(ipvs_snap_get()->nsvcs, 0);
	assert_int_equal(ipvs_batch_end(), 0);
	assert_int_equal(ipvs_snap_get()->nsvcs, 100);
	assert_int_equal(snap_svc(99)->ndests, 10);
}

/* The BATCH message through the registry: each request's reply in
 * order, one publication for all. */
static void test_batch_message(void **state)
{
	uint8_t buf[4096];
	size_t off = 0;
	struct dpvs_dest_req q;
	struct dpvs_svc s = key(7);
	const struct ipvs_snap *before = ipvs_snap_get();
	const uint8_t *p;
	struct dpvs_batch_reply br;
	struct dpvs_ctl_hdr h;
	int32_t want[] = {0, 0, -EEXIST, 0, -ESRCH};

	(void)state;
	snprintf(s.sched_name, sizeof(s.sched_name), "rr");
	memset(&q, 0, sizeof(q));
	q.svc = s;
	q.dest = dest(7, 0, 1);
#define PUT(type, obj)                                                                             \
	do {                                                                                       \
		ctl_hdr_init(&h, type, (uint32_t)off, sizeof(obj));                                \
		memcpy(buf + off, &h, sizeof(h));                                                  \
		memcpy(buf + off + sizeof(h), &(obj), sizeof(obj));                                \
		off += sizeof(h) + sizeof(obj);                                                    \
	} while (0)
	PUT(DPVS_MSG_SVC_ADD, s);
	PUT(DPVS_MSG_DEST_ADD, q);
	PUT(DPVS_MSG_DEST_ADD, q); /* again: exists */
	q.dest = dest(7, 1, 1);
	PUT(DPVS_MSG_DEST_ADD, q);
	q.svc = key(8);
	PUT(DPVS_MSG_DEST_ADD, q); /* no such service */
#undef PUT
	assert_int_equal(ctl_test_call(DPVS_MSG_BATCH, 0, buf, (uint32_t)off, &rep), 0);
	p = ctl_test_payload(&rep);
	memcpy(&br, p, sizeof(br));
	assert_int_equal(br.done, 5);
	off = sizeof(br);
	for (int i = 0; i < 5; i++) {
		memcpy(&h, p + off, sizeof(h));
		assert_int_equal(h.status, want[i]);
		off += sizeof(h) + h.len;
	}
	assert_int_equal(off, rep.len);
	assert_ptr_not_equal(ipvs_snap_get(), before);
	assert_int_equal(snap_svc(7)->ndests, 2);
}

/* ---- listing by pages ---- */

struct listing {
	uint32_t services, dests, pages;
};

static int list_pages(struct listing *l, bool change_between)
{
	struct dpvs_svc_page_req q;
	struct dpvs_svc_page pg;
	const uint8_t *p;
	int32_t rc;

	memset(&q, 0, sizeof(q));
	memset(l, 0, sizeof(*l));
	do {
		struct dpvs_list hdr;
		size_t off;

		rc = ctl_test_call(DPVS_MSG_SVC_LIST, DPVS_MSG_F_SVC_PAGE, &q, sizeof(q), &rep);
		if (rc)
			return rc;
		assert_true(rep.len <= DPVS_CTL_MAX_PAYLOAD);
		p = ctl_test_payload(&rep);
		memcpy(&pg, p, sizeof(pg));
		memcpy(&hdr, p + sizeof(pg), sizeof(hdr));
		off = sizeof(pg) + sizeof(hdr);
		for (uint32_t i = 0; i < hdr.count; i++) {
			struct dpvs_svc_entry e;

			memcpy(&e, p + off, sizeof(e));
			/* a page that starts inside a service goes on with it */
			if (!(i == 0 && q.dest_from))
				l->services++;
			l->dests += e.ndests;
			off += sizeof(e) + e.ndests * sizeof(struct dpvs_dest);
		}
		assert_int_equal(off, rep.len);
		l->pages++;
		q.svc_from = pg.next_svc;
		q.dest_from = pg.next_dest;
		q.version = pg.version;
		if (change_between)
			assert_int_equal(dest_add(0, 60000, 1), 0);
	} while (pg.more);
	return 0;
}

static void test_listing_pages(void **state)
{
	struct listing l;

	(void)state;
	/* 40,000 real servers of one service take 5 MB: more than a message */
	ipvs_batch_begin();
	assert_int_equal(svc_add(0, "rr", 0), 0);
	for (uint32_t k = 0; k < 40000; k++)
		assert_int_equal(dest_add(0, k, 1), 0);
	for (uint32_t i = 1; i < 4; i++) {
		assert_int_equal(svc_add(i, "wlc", 0), 0);
		for (uint32_t k = 0; k < 3; k++)
			assert_int_equal(dest_add(i, k, 1), 0);
	}
	assert_int_equal(ipvs_batch_end(), 0);
	/* in one message it does not fit: an error, never a part */
	assert_int_equal(ctl_test_call(DPVS_MSG_SVC_LIST, 0, NULL, 0, &rep), -EMSGSIZE);
	assert_int_equal(list_pages(&l, false), 0);
	assert_int_equal(l.pages, 2);
	assert_int_equal(l.services, 4);
	assert_int_equal(l.dests, 40009);
	/* services changed between two pages: start over */
	assert_int_equal(list_pages(&l, true), -EAGAIN);
	/* a page of one service (-L -t ...) */
	struct dpvs_svc_page_req q;

	memset(&q, 0, sizeof(q));
	q.key = key(2);
	assert_int_equal(ctl_test_call(DPVS_MSG_SVC_LIST, DPVS_MSG_F_SVC_PAGE | DPVS_MSG_F_SVC_KEY,
				       &q, sizeof(q), &rep),
			 0);
	struct dpvs_svc_page pg;
	struct dpvs_list hdr;

	memcpy(&pg, ctl_test_payload(&rep), sizeof(pg));
	memcpy(&hdr, ctl_test_payload(&rep) + sizeof(pg), sizeof(hdr));
	assert_int_equal(pg.more, 0);
	assert_int_equal(hdr.count, 1);
}

/* A page request shorter than its struct (SVC_LIST takes 0 bytes and up)
 * is refused before it is read: with none, the handler used to read
 * through NULL and the daemon died (found by test/fuzz/fuzz_ctl). */
static void test_listing_page_request_too_short(void **state)
{
	struct dpvs_svc_page_req q = { .svc_from = 0 };

	(void)state;
	assert_int_equal(ctl_test_call(DPVS_MSG_SVC_LIST, DPVS_MSG_F_SVC_PAGE, NULL, 0, &rep),
			 -EINVAL);
	assert_non_null(strstr(rep.msg, "service list page request: 0 bytes"));
	assert_int_equal(ctl_test_call(DPVS_MSG_SVC_LIST, DPVS_MSG_F_SVC_PAGE | DPVS_MSG_F_SVC_KEY,
				       &q, 8, &rep),
			 -EINVAL);
	assert_int_equal(ctl_test_call(DPVS_MSG_SVC_LIST, DPVS_MSG_F_SVC_PAGE, &q, sizeof(q), &rep),
			 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_other_services_carried_over, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_lblc_survives_changes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_scheduling_writes_no_snapshot, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_stray_keys_follow_changes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_limits, setup_small, teardown),
	    cmocka_unit_test_setup_teardown(test_limits_from_memory, setup_from_memory, teardown),
	    cmocka_unit_test_setup_teardown(test_ipv6_services_stored_not_forwarded, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_batch_publishes_once, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_batch_message, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_listing_pages, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_listing_page_request_too_short, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
