/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * conn_scale: one worker's connection table at 1K, 1M and 10M connections
 * (issue 15 item 5), on the real ipvs code: the same steps a burst takes
 * on a worker (ipvs_prefetch_burst over 32 frames, then each frame's
 * bucket from the prefetch pass and its lookup), timed with the TSC over
 * random existing flows; then all connections expire together and the
 * timer runs as a busy worker's loop would call it, and the longest single
 * call and the time to drain are recorded. Before they expire, the whole
 * table is listed page by page as ipvsadm -Lnc asks for it (the daemon's
 * part: the walk and the copy into pages of one control message each;
 * without the socket and ipvsadm's printing), and the time recorded.
 *
 * A benchmark: it prints figures and writes JSON, it asserts nothing.
 *
 *   conn_scale [--flows N[,N...]] [--lookups N] [--json FILE] [--huge | --huge-dir DIR]
 *
 * Without --huge the EAL runs on ordinary pages (4 KiB: more TLB misses
 * than the daemon's hugepages, so the ratio is a conservative one); with
 * it, on hugepages (needs about 160 bytes per flow free); with --huge-dir,
 * on the pages of that hugetlbfs mount only (pagesize=1G: a 10M table in
 * two TLB entries).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "dp/dp.h"
#include "ipvs/ipvs_priv.h"
#include "netif/netif.h"

/* the ports: none (the table is all that runs) */
struct dp_port netif_ports[DP_MAX_PORTS];
unsigned netif_nports;

#define NETIF_FAKE_POOL() NULL
#include "netif_fake.h"

static struct worker wk;

/* Flow f: client 10.(f >> 16 & 255).(f >> 8 & 255).(f & 255) + port, VIP:9. */
static inline uint32_t flow_client(uint32_t f)
{
	return htonl(0x0a000000u | (f >> 6));
}

static inline uint16_t flow_port(uint32_t f)
{
	return htons((uint16_t)(1024 + (f & 63)));
}

#define VIP_BE RTE_BE32(0xc0a8016fu) /* 192.168.1.111 */
#define VPORT_BE RTE_BE16(9)
#define RIP_BE RTE_BE32(0xc0a8e50bu) /* 192.168.229.11 */

static void frame_set(struct rte_mbuf *m, uint32_t f)
{
	struct rte_ether_hdr *e = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(e + 1);
	struct rte_udp_hdr *u = (struct rte_udp_hdr *)(ip + 1);

	ip->src_addr = flow_client(f);
	u->src_port = flow_port(f);
}

static struct rte_mbuf *frame_new(struct rte_mempool *mp)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	uint16_t len = sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr) + 8 + 18;
	char *p = m ? rte_pktmbuf_append(m, len) : NULL;

	if (!p) {
		fprintf(stderr, "conn_scale: no mbuf\n");
		exit(1);
	}
	memset(p, 0, len);
	struct rte_ether_hdr *e = (struct rte_ether_hdr *)p;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(e + 1);
	struct rte_udp_hdr *u = (struct rte_udp_hdr *)(ip + 1);

	e->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(len - sizeof(*e));
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->dst_addr = VIP_BE;
	u->dst_port = VPORT_BE;
	return m;
}

struct result {
	uint32_t flows;
	double lookups_per_s, cycles_per_lookup;
	uint32_t slot_bytes;
	double fill_s;
	uint64_t timer_calls, max_call_cycles;
	double drain_s, max_call_us, avg_call_us, p99_call_us;
	double list_s; /* every conn, by pages (CONN_LIST, daemon side) */
	uint32_t list_pages;
};

/* entries in one CONN_LIST page, as the handler fills it */
#define LIST_PAGE                                                                         \
	((DPVS_CTL_MAX_PAYLOAD - sizeof(struct dpvs_conn_page) - sizeof(struct dpvs_list)) / \
	 sizeof(struct dpvs_conn))

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t rng = 88172645463325252ull;
static inline uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

static int run_one(uint32_t flows, uint64_t lookups, struct rte_mempool *mp, struct result *r)
{
	char err[256];
	struct rte_mbuf *burst[DP_BURST];
	const double hz = (double)rte_get_tsc_hz();
	uint64_t found = 0, t0, t1;

	memset(r, 0, sizeof(*r));
	r->flows = flows;
	dp_worker_unregister_all();
	memset(&wk, 0, sizeof(wk));
	wk.lcore_id = rte_lcore_id();
	dp_worker_register(&wk);
	if (ipvs_init(1, flows, err, sizeof(err)) < 0) {
		fprintf(stderr, "conn_scale: %u flows: %s\n", flows, err);
		return -1;
	}
	struct ipvs_worker *iw = ipvs_w(&wk);
	/* one NAT service with one dest (ids 0 and 0: the first handed out),
	 * so the per-worker state and a snapshot exist as in the daemon */
	struct dpvs_svc svc = { .af = AF_INET, .protocol = IPPROTO_UDP, .port = VPORT_BE };
	struct dpvs_dest dest = { .af = AF_INET, .port = VPORT_BE, .weight = 1,
				  .conn_flags = DPVS_FWD_MASQ };

	svc.addr.in.s_addr = VIP_BE;
	snprintf(svc.sched_name, sizeof(svc.sched_name), "rr");
	dest.addr.in.s_addr = RIP_BE;
	if (ipvs_svc_add(&svc, err, sizeof(err)) < 0 ||
	    ipvs_dest_add(&svc, &dest, err, sizeof(err)) < 0) {
		fprintf(stderr, "conn_scale: service: %s\n", err);
		ipvs_fini();
		return -1;
	}

	/* the table, full: every flow a NAT conn (both tuples hashed) */
	t0 = rte_rdtsc();
	for (uint32_t f = 0; f < flows; f++) {
		if (!ipvs_conn_new(iw, 1, IPPROTO_UDP, flow_client(f), flow_port(f), VIP_BE,
				   VPORT_BE, RIP_BE, VPORT_BE, 0, 0, IPVS_UDP_STATE, 60,
				   DPVS_FWD_MASQ, UINT32_MAX)) {
			fprintf(stderr, "conn_scale: conn %u of %u not created\n", f, flows);
			ipvs_fini();
			return -1;
		}
	}
	r->fill_s = (double)(rte_rdtsc() - t0) / hz;
	r->slot_bytes = ipvs_conn_slot_bytes(0);

	for (unsigned i = 0; i < DP_BURST; i++)
		burst[i] = frame_new(mp);
	/* lookups of random live flows, a burst at a time, as a worker */
	t0 = rte_rdtsc();
	for (uint64_t done = 0; done < lookups; done += DP_BURST) {
		for (unsigned i = 0; i < DP_BURST; i++)
			frame_set(burst[i], rnd() % flows);
		ipvs_prefetch_burst(&wk, burst, DP_BURST);
		for (unsigned i = 0; i < DP_BURST; i++) {
			const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(
				burst[i], const struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));
			const uint16_t *ports = (const uint16_t *)(ip + 1);
			uint32_t b = ipvs_conn_bucket_of(iw, burst[i], IPPROTO_UDP, ip->src_addr,
							 ip->dst_addr, ports[0], ports[1]);

			found += ipvs_conn_lookup_in(iw, b, IPPROTO_UDP, ip->src_addr, ip->dst_addr,
						     ports[0], ports[1]) != NULL;
		}
	}
	t1 = rte_rdtsc();
	if (found != (lookups + DP_BURST - 1) / DP_BURST * DP_BURST) {
		fprintf(stderr, "conn_scale: %" PRIu64 " of the lookups missed\n",
			(lookups + DP_BURST - 1) / DP_BURST * DP_BURST - found);
		ipvs_fini();
		return -1;
	}
	r->cycles_per_lookup = (double)(t1 - t0) / (double)found;
	r->lookups_per_s = hz / r->cycles_per_lookup;
	rte_pktmbuf_free_bulk(burst, DP_BURST);

	/* the listing, page by page from the start, as ipvsadm -Lnc */
	static struct dpvs_conn page[LIST_PAGE];
	struct ipvs_conn_cursor cur = { 0 };
	uint64_t listed = 0;
	uint32_t n;
	int more;

	t0 = rte_rdtsc();
	do {
		more = ipvs_conn_list_page(&cur, true, page, LIST_PAGE, &n, err, sizeof(err));
		listed += n;
		r->list_pages++;
	} while (more == 1);
	r->list_s = (double)(rte_rdtsc() - t0) / hz;
	if (more < 0 || listed != flows) {
		fprintf(stderr, "conn_scale: listed %" PRIu64 " of %u conns: %s\n", listed, flows,
			more < 0 ? err : "");
		ipvs_fini();
		return -1;
	}

	/* all of them expire at once (timeout 60 s from second 1): the timer
	 * as a forwarding worker calls it, once per loop */
	uint64_t now = 1 + 60 + 1, start = rte_rdtsc();
	static uint64_t calls[1 << 20];

	while (iw->nconns) {
		uint64_t c0 = rte_rdtsc();

		ipvs_conn_timer(iw, now, true);
		uint64_t c = rte_rdtsc() - c0;

		if (r->timer_calls < RTE_DIM(calls))
			calls[r->timer_calls] = c;
		r->timer_calls++;
		if (c > r->max_call_cycles)
			r->max_call_cycles = c;
		if (r->timer_calls > 100000000ull) {
			fprintf(stderr, "conn_scale: the table did not drain\n");
			break;
		}
	}
	r->drain_s = (double)(rte_rdtsc() - start) / hz;
	r->max_call_us = (double)r->max_call_cycles / hz * 1e6;
	r->avg_call_us = r->timer_calls ? r->drain_s * 1e6 / (double)r->timer_calls : 0;
	/* the max is whatever the machine did to us once (a preemption on a
	 * shared box); the 99th percentile is the timer's */
	uint64_t nc = RTE_MIN(r->timer_calls, (uint64_t)RTE_DIM(calls));

	qsort(calls, nc, sizeof(calls[0]), u64_cmp);
	r->p99_call_us = nc ? (double)calls[nc * 99 / 100] / hz * 1e6 : 0;
	ipvs_fini();
	return 0;
}

int main(int argc, char **argv)
{
	uint32_t flows[8] = { 1000, 1000000, 10000000 };
	unsigned nflows = 3;
	uint64_t lookups = 20000000;
	const char *json = NULL;
	bool huge = false;
	const char *huge_dir = NULL;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--flows") && i + 1 < argc) {
			char *s = argv[++i], *tok;

			nflows = 0;
			for (tok = strtok(s, ","); tok && nflows < 8; tok = strtok(NULL, ","))
				flows[nflows++] = (uint32_t)strtoul(tok, NULL, 10);
		} else if (!strcmp(argv[i], "--lookups") && i + 1 < argc) {
			lookups = strtoull(argv[++i], NULL, 10);
		} else if (!strcmp(argv[i], "--json") && i + 1 < argc) {
			json = argv[++i];
		} else if (!strcmp(argv[i], "--huge")) {
			huge = true;
		} else if (!strcmp(argv[i], "--huge-dir") && i + 1 < argc) {
			/* a hugetlbfs mount of one page size (e.g. pagesize=1G):
			 * the table on those pages alone */
			huge = true;
			huge_dir = argv[++i];
		} else {
			fprintf(stderr, "usage: conn_scale [--flows N[,N...]] [--lookups N] "
					"[--json FILE] [--huge | --huge-dir DIR]\n");
			return 2;
		}
	}
	uint32_t maxf = 0;

	for (unsigned i = 0; i < nflows; i++)
		maxf = flows[i] > maxf ? flows[i] : maxf;
	char mem[32];

	/* about 160 bytes per flow, plus room */
	snprintf(mem, sizeof(mem), "%" PRIu64, (uint64_t)maxf * 170 / (1 << 20) + 256);
	char *eal_nohuge[] = { "conn_scale", "--no-huge", "-m", mem, "--no-pci", "--no-shconf",
			       "--log-level", "*:error", "-l", "0", NULL };
	char *eal_huge[] = { "conn_scale", "--in-memory", "-m", mem, "--no-pci",
			     "--log-level", "*:error", "-l", "0", NULL };
	char prefix[32];

	snprintf(prefix, sizeof(prefix), "conn_scale%d", (int)getpid());
	char *eal_dir[] = { "conn_scale", "--huge-dir", (char *)(uintptr_t)huge_dir, "--file-prefix",
			    prefix, "-m", mem, "--no-pci", "--log-level", "*:error", "-l", "0", NULL };
	char **eal = huge_dir ? eal_dir : huge ? eal_huge : eal_nohuge;
	int eargc = 0;

	while (eal[eargc])
		eargc++;
	if (rte_eal_init(eargc, eal) < 0) {
		fprintf(stderr, "conn_scale: rte_eal_init failed (memory %s MiB)\n", mem);
		return 1;
	}
	struct rte_mempool *mp = rte_pktmbuf_pool_create("cs_pool", 255, 0, 0,
							 RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	struct result res[8];
	FILE *out = json ? fopen(json, "w") : NULL;

	if (!mp) {
		fprintf(stderr, "conn_scale: no mbuf pool\n");
		return 1;
	}
	printf("%10s %14s %12s %10s %10s %10s %14s %14s %14s %10s %10s\n", "flows", "lookups/s",
	       "cycles/lkp", "vs-first", "B/slot", "fill s", "timer avg us", "timer p99 us",
	       "timer max us", "drain s", "list s");
	for (unsigned i = 0; i < nflows; i++) {
		if (run_one(flows[i], lookups, mp, &res[i]) < 0)
			return 1;
		printf("%10u %14.0f %12.1f %10.2f %10u %10.2f %14.1f %14.1f %14.1f %10.2f %10.2f\n",
		       res[i].flows, res[i].lookups_per_s, res[i].cycles_per_lookup,
		       res[i].lookups_per_s / res[0].lookups_per_s, res[i].slot_bytes,
		       res[i].fill_s, res[i].avg_call_us, res[i].p99_call_us, res[i].max_call_us,
		       res[i].drain_s, res[i].list_s);
		fflush(stdout);
	}
	if (out) {
		fprintf(out, "{\"tool\": \"conn_scale\", \"hugepages\": %s, \"lookups\": %" PRIu64
			     ", \"tsc_hz\": %" PRIu64 ", \"runs\": [",
			huge ? "true" : "false", lookups, rte_get_tsc_hz());
		for (unsigned i = 0; i < nflows; i++)
			fprintf(out,
				"%s{\"flows\": %u, \"lookups_per_s\": %.0f, \"cycles_per_lookup\": "
				"%.1f, \"vs_first\": %.3f, \"slot_bytes\": %u, \"fill_s\": %.3f, "
				"\"timer_calls\": %" PRIu64 ", \"timer_avg_call_us\": %.1f, "
				"\"timer_p99_call_us\": %.1f, \"timer_max_call_us\": %.1f, "
				"\"drain_s\": %.3f, \"list_s\": %.3f, \"list_pages\": %u}",
				i ? ", " : "", res[i].flows, res[i].lookups_per_s,
				res[i].cycles_per_lookup, res[i].lookups_per_s / res[0].lookups_per_s,
				res[i].slot_bytes, res[i].fill_s, res[i].timer_calls,
				res[i].avg_call_us, res[i].p99_call_us, res[i].max_call_us,
				res[i].drain_s, res[i].list_s, res[i].list_pages);
		fprintf(out, "]}\n");
		fclose(out);
	}
	rte_eal_cleanup();
	return 0;
}
