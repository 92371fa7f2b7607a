/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * metrics_text: the daemon's figures as Prometheus series (text format
 * 0.0.4), built on the control thread for each scrape:
 *
 *   dpvs_port_*      per port: packets, bytes, each fate, drops by reason,
 *                    the NIC's own counters, up/carrier
 *   dpvs_worker_*    per worker: packets, busy cycles, loops, cycles per
 *                    packet and packets per second of the last second,
 *                    connections, steering
 *   dpvs_service_*   per virtual service, and dpvs_dest_* per real server:
 *                    connections, packets, bytes (counters, as ipvsadm
 *                    --stats) and the LVS 2-second-smoothed rates (gauges,
 *                    as ipvsadm --rate; src/ipvs/stats.c)
 *   dpvs_capture_*   the running (or last) packet capture
 *
 * Counters are never reset by the daemon except by ipvsadm -Z for the
 * service and dest ones, which Prometheus's rate() treats as a restart.
 * Connections by TCP state are not exported: they live in the workers'
 * shards and would need a walk of every connection per scrape.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <rte_cycles.h>

#include "control/counter_table.h"
#include "control/daemon_ctl.h"
#include "control/observe.h"
#include "dp/dp.h"
#include "ipvs/ipvs.h"
#include "netif/netif.h"
#include "worker/worker_loop.h"

struct text {
	char *buf;
	size_t len, cap;
	bool oom;
};

static void put(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct text *t, const char *fmt, ...)
{
	for (;;) {
		va_list ap;
		size_t room = t->cap - t->len;

		if (t->oom)
			return;
		va_start(ap, fmt);
		int n = vsnprintf(t->buf + t->len, room, fmt, ap);
		va_end(ap);
		if (n < 0) {
			t->oom = true;
			return;
		}
		if ((size_t)n < room) {
			t->len += (size_t)n;
			return;
		}
		size_t cap = t->cap * 2 + (size_t)n;
		char *b = realloc(t->buf, cap);

		if (!b) {
			t->oom = true;
			return;
		}
		t->buf = b;
		t->cap = cap;
	}
}

/* A family's header; its samples follow with sample(). */
static void family(struct text *t, const char *name, const char *type, const char *help)
{
	put(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Label values are ours (port names, addresses, reasons): none holds a
 * quote, a backslash or a newline, which the format would need escaped. */
static void sample(struct text *t, const char *name, const char *labels, uint64_t v)
{
	put(t, "%s%s%s%s %llu\n", name, labels[0] ? "{" : "", labels, labels[0] ? "}" : "",
	    (unsigned long long)v);
}

static void sample_f(struct text *t, const char *name, const char *labels, double v)
{
	put(t, "%s%s%s%s %.6g\n", name, labels[0] ? "{" : "", labels, labels[0] ? "}" : "", v);
}

/* ---- ports ---- */

static void ports(struct text *t)
{
	unsigned n = netif_port_count();
	struct dpvs_link *links = calloc(n ? n : 1, sizeof(*links));
	char lb[128];

	if (!links) {
		t->oom = true;
		return;
	}
	for (unsigned i = 0; i < n; i++)
		daemon_link_fill(&links[i], netif_port((uint16_t)i));

	family(t, "dpvs_port_up", "gauge", "1 when the port is administratively up.");
	for (unsigned i = 0; i < n; i++) {
		snprintf(lb, sizeof(lb), "port=\"%s\"", links[i].ifname);
		sample(t, "dpvs_port_up", lb, (links[i].flags & DPVS_LINK_F_UP) != 0);
	}
	family(t, "dpvs_port_carrier", "gauge", "1 when the device reports carrier.");
	for (unsigned i = 0; i < n; i++) {
		snprintf(lb, sizeof(lb), "port=\"%s\"", links[i].ifname);
		sample(t, "dpvs_port_carrier", lb, (links[i].flags & DPVS_LINK_F_LOWER_UP) != 0);
	}
	for (unsigned c = 0; c < n_port_counters; c++) {
		const struct counter_def *d = &port_counters[c];

		family(t, d->metric, d->type, d->help);
		for (unsigned i = 0; i < n; i++) {
			snprintf(lb, sizeof(lb), "port=\"%s\"", links[i].ifname);
			sample(t, d->metric, lb, counter_u64(d, &links[i]));
		}
	}
	family(t, "dpvs_port_drops_total", "counter",
	       "Frames dropped, by reason (dpip -s -s link show); receive-side reasons are "
	       "fates.");
	for (unsigned i = 0; i < n; i++)
		for (unsigned r = 0; r < DPVS_DROP_MAX; r++) {
			snprintf(lb, sizeof(lb), "port=\"%s\",reason=\"%s\",fate=\"%s\"",
				 links[i].ifname, dpvs_drop_names[r],
				 dpvs_drop_is_rx_fate(r) ? "yes" : "no");
			sample(t, "dpvs_port_drops_total", lb, links[i].drops[r]);
		}
	free(links);
}

/* ---- workers ---- */

static void workers(struct text *t)
{
	unsigned n = worker_count();
	struct dpvs_worker_stats *ws = calloc(n ? n : 1, sizeof(*ws));
	uint64_t conns = 0;
	char lb[64];

	if (!ws) {
		t->oom = true;
		return;
	}
	for (unsigned i = 0; i < n; i++) {
		daemon_worker_fill(i, &ws[i]);
		conns += ws[i].conns;
	}
	for (unsigned c = 0; c < n_worker_counters; c++) {
		const struct counter_def *d = &worker_counters[c];

		family(t, d->metric, d->type, d->help);
		for (unsigned i = 0; i < n; i++) {
			snprintf(lb, sizeof(lb), "worker=\"%u\",lcore=\"%u\"", i, ws[i].lcore_id);
			if (d->kind == COUNTER_F64)
				sample_f(t, d->metric, lb, counter_f64(d, &ws[i]));
			else
				sample(t, d->metric, lb, counter_u64(d, &ws[i]));
		}
	}
	family(t, "dpvs_connections", "gauge", "Live connections of all workers.");
	sample(t, "dpvs_connections", "", conns);
	family(t, "dpvs_connections_by_state", "gauge",
	       "Live connections of all workers by protocol and state (as ipvsadm -Lnc names them).");
	for (unsigned st = 0; st < ipvs_conn_state_kinds(); st++) {
		const char *proto, *name = ipvs_conn_state_name(st, &proto);
		char labels[64];

		snprintf(labels, sizeof(labels), "proto=\"%s\",state=\"%s\"", proto, name);
		sample(t, "dpvs_connections_by_state", labels, ipvs_conn_state_count(st));
	}
	family(t, "dpvs_tsc_hz", "gauge", "TSC cycles per second (for the cycle counters).");
	sample(t, "dpvs_tsc_hz", "", rte_get_tsc_hz());
	family(t, "dpvs_uptime_seconds", "gauge", "Seconds since the daemon started.");
	sample(t, "dpvs_uptime_seconds", "", (rte_rdtsc() - worker_start_tsc()) / rte_get_tsc_hz());
	free(ws);
}

/* ---- services and real servers ---- */

/* The walk writes each family into its own buffer, so that one
 * family's samples stay together as the format wants. A group is the
 * families of the services, or of the real servers: those of ipvsadm
 * --stats and --rate (stats_counters), then the group's own. */
enum { S_DESTS, S_NOWN };
enum { D_ACTIVE, D_INACT, D_PERSIST, D_WEIGHT, D_NOWN };

struct fam {
	const char *name, *type, *help;
};

static const struct fam svc_own[S_NOWN] = {
    {"dpvs_service_dests", "gauge", "Real servers of the service."},
};

static const struct fam dest_own[D_NOWN] = {
    {"dpvs_dest_active_connections", "gauge", "Active connections (ipvsadm ActiveConn)."},
    {"dpvs_dest_inactive_connections", "gauge", "Inactive connections (ipvsadm InActConn)."},
    {"dpvs_dest_persistent_connections", "gauge", "Persistence templates pointing at it."},
    {"dpvs_dest_weight", "gauge", "Weight (0: quiesced)."},
};

#define GROUP_MAX (N_STATS_COUNTERS + D_NOWN)

struct group {
	unsigned n;
	struct fam fam[GROUP_MAX];
	struct text text[GROUP_MAX];
	char stats_name[N_STATS_COUNTERS][64];
};

/* what: "service" or "dest" */
static void group_init(struct group *g, const char *what, bool dest, const struct fam *own,
		       unsigned nown)
{
	memset(g, 0, sizeof(*g));
	for (unsigned k = 0; k < N_STATS_COUNTERS; k++) {
		const struct stats_counter_def *c = &stats_counters[k];

		snprintf(g->stats_name[k], sizeof(g->stats_name[k]), "dpvs_%s_%s", what, c->suffix);
		g->fam[k] =
		    (struct fam){g->stats_name[k], c->type, dest ? c->dest_help : c->svc_help};
	}
	memcpy(&g->fam[N_STATS_COUNTERS], own, nown * sizeof(*own));
	g->n = N_STATS_COUNTERS + nown;
}

static void stats_samples(struct group *g, const char *lb, const struct dpvs_stats *st)
{
	for (unsigned k = 0; k < N_STATS_COUNTERS; k++)
		sample(&g->text[k], g->fam[k].name, lb, stats_counter(&stats_counters[k], st));
}

/* own: one of the group's own families (S_*, D_*) */
static void own_sample(struct group *g, unsigned own, const char *lb, uint64_t v)
{
	unsigned k = N_STATS_COUNTERS + own;

	sample(&g->text[k], g->fam[k].name, lb, v);
}

static void group_put(struct text *t, struct group *g)
{
	for (unsigned k = 0; k < g->n; k++) {
		family(t, g->fam[k].name, g->fam[k].type, g->fam[k].help);
		if (g->text[k].oom)
			t->oom = true;
		else if (g->text[k].len)
			put(t, "%s", g->text[k].buf);
		free(g->text[k].buf);
	}
}

struct svc_walk {
	struct group svc, dest;
};

static int visit(uint32_t svc_id, const struct dpvs_svc *svc, const uint32_t *dest_ids,
		 const struct dpvs_dest *dests, uint32_t ndests, void *arg)
{
	struct svc_walk *sw = arg;
	struct dpvs_stats st;
	char key[96], lb[256];

	ipvs_svc_key_str(svc, key, sizeof(key));
	snprintf(lb, sizeof(lb), "service=\"%s\"", key);
	ipvs_stats_svc(svc_id, &st);
	stats_samples(&sw->svc, lb, &st);
	own_sample(&sw->svc, S_DESTS, lb, ndests);
	for (uint32_t k = 0; k < ndests; k++) {
		const struct dpvs_dest *d = &dests[k];
		char a[INET6_ADDRSTRLEN] = "?";
		uint32_t act = 0, inact = 0, persist = 0;

		inet_ntop(d->af, &d->addr, a, sizeof(a));
		snprintf(lb, sizeof(lb),
			 d->af == AF_INET6 ? "service=\"%s\",dest=\"[%s]:%u\""
					   : "service=\"%s\",dest=\"%s:%u\"",
			 key, a, ntohs(d->port));
		ipvs_stats_dest(dest_ids[k], &st, &act, &inact, &persist);
		stats_samples(&sw->dest, lb, &st);
		own_sample(&sw->dest, D_ACTIVE, lb, act);
		own_sample(&sw->dest, D_INACT, lb, inact);
		own_sample(&sw->dest, D_PERSIST, lb, persist);
		own_sample(&sw->dest, D_WEIGHT, lb, d->weight > 0 ? (uint64_t)d->weight : 0);
	}
	return 0;
}

static void services(struct text *t)
{
	struct svc_walk sw;
	char err[256];

	group_init(&sw.svc, "service", false, svc_own, S_NOWN);
	group_init(&sw.dest, "dest", true, dest_own, D_NOWN);
	ipvs_svc_walk(NULL, visit, &sw, err, sizeof(err));
	group_put(t, &sw.svc);
	group_put(t, &sw.dest);
}

/* ---- capture ---- */

static void capture(struct text *t)
{
	struct dpvs_capture_info ci;

	capture_ctl_info(&ci);
	family(t, "dpvs_capture_running", "gauge", "1 while a packet capture runs.");
	sample(t, "dpvs_capture_running", "", ci.state == DPVS_CAPTURE_RUNNING);
	family(t, "dpvs_capture_written_total", "counter",
	       "Frames the running (or last) capture wrote into its file.");
	sample(t, "dpvs_capture_written_total", "", ci.written);
	family(t, "dpvs_capture_ring_full_total", "counter",
	       "Copies the running (or last) capture lost to a full ring (never frames).");
	sample(t, "dpvs_capture_ring_full_total", "", ci.ring_full);
}

static void endpoint(struct text *t)
{
	uint64_t scrapes, refused;

	metrics_counters(&scrapes, &refused);
	family(t, "dpvs_metrics_scrapes_total", "counter", "Scrapes of /metrics served.");
	sample(t, "dpvs_metrics_scrapes_total", "", scrapes);
	family(t, "dpvs_metrics_refused_total", "counter",
	       "Requests refused by the endpoint (method, path or body).");
	sample(t, "dpvs_metrics_refused_total", "", refused);
}

char *metrics_render(size_t *len)
{
	struct text t = {.cap = 65536};

	t.buf = malloc(t.cap);
	if (!t.buf)
		return NULL;
	t.buf[0] = '\0';
	ports(&t);
	workers(&t);
	services(&t);
	capture(&t);
	endpoint(&t);
	if (t.oom) {
		free(t.buf);
		return NULL;
	}
	*len = t.len;
	return t.buf;
}
