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

#define PORT_COUNTERS(X)                                                                           \
	X(rx_packets, "dpvs_port_rx_packets_total", "Frames received (each gets one fate).")       \
	X(rx_bytes, "dpvs_port_rx_bytes_total", "Bytes received.")                                 \
	X(tx_packets, "dpvs_port_tx_packets_total", "Frames sent.")                                \
	X(tx_bytes, "dpvs_port_tx_bytes_total", "Bytes sent.")                                     \
	X(forwarded, "dpvs_port_forwarded_total", "Received frames forwarded (a fate).")           \
	X(arp_replied, "dpvs_port_arp_replied_total", "Received ARP requests answered (a fate).")  \
	X(icmp_echo_replied, "dpvs_port_icmp_echo_replied_total",                                  \
	  "Received ICMP echo requests answered (a fate).")                                        \
	X(to_kernel, "dpvs_port_to_kernel_total", "Received frames handed to the KNI (a fate).")   \
	X(kni_rx, "dpvs_port_kni_rx_total", "Frames the KNI interface took (copies included).")    \
	X(kni_tx, "dpvs_port_kni_tx_total", "Frames the kernel sent out of the port.")             \
	X(hw_ipackets, "dpvs_port_hw_rx_packets_total", "Frames the NIC received.")                \
	X(hw_opackets, "dpvs_port_hw_tx_packets_total", "Frames the NIC sent.")                    \
	X(hw_ierrors, "dpvs_port_hw_rx_errors_total", "Receive errors the NIC counted.")           \
	X(hw_oerrors, "dpvs_port_hw_tx_errors_total", "Transmit errors the NIC counted.")          \
	X(hw_imissed, "dpvs_port_hw_rx_missed_total", "Frames the NIC dropped: rx ring full.")     \
	X(hw_rx_nombuf, "dpvs_port_hw_rx_nombuf_total", "Receive failures for want of mbufs.")

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
#define PORT_FAMILY(field, name, help)                                                             \
	family(t, name, "counter", help);                                                          \
	for (unsigned i = 0; i < n; i++) {                                                         \
		snprintf(lb, sizeof(lb), "port=\"%s\"", links[i].ifname);                          \
		sample(t, name, lb, links[i].field);                                               \
	}
	PORT_COUNTERS(PORT_FAMILY)
#undef PORT_FAMILY
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
#define WORKER_FAMILY(fmt, name, type, help, expr)                                                 \
	family(t, name, type, help);                                                               \
	for (unsigned i = 0; i < n; i++) {                                                         \
		snprintf(lb, sizeof(lb), "worker=\"%u\",lcore=\"%u\"", i, ws[i].lcore_id);         \
		fmt(t, name, lb, expr);                                                            \
	}
	WORKER_FAMILY(sample, "dpvs_worker_packets_total", "counter",
		      "Frames the worker received from its queues.", ws[i].packets)
	WORKER_FAMILY(sample, "dpvs_worker_busy_cycles_total", "counter",
		      "TSC cycles of loop iterations that moved packets.", ws[i].busy_cycles)
	WORKER_FAMILY(sample, "dpvs_worker_loops_total", "counter", "Loop iterations.", ws[i].loops)
	WORKER_FAMILY(sample, "dpvs_worker_idle_loops_total", "counter",
		      "Loop iterations without packets.", ws[i].idle_loops)
	WORKER_FAMILY(sample_f, "dpvs_worker_cycles_per_packet", "gauge",
		      "Busy cycles per packet over the last second.", ws[i].cycles_per_packet)
	WORKER_FAMILY(sample_f, "dpvs_worker_packets_per_second", "gauge",
		      "Packets per second over the last second.", ws[i].pps)
	WORKER_FAMILY(sample, "dpvs_worker_connections", "gauge",
		      "Live connections (and templates) in the worker's shard.", ws[i].conns)
	WORKER_FAMILY(sample, "dpvs_worker_connections_max", "gauge",
		      "Connections the worker's shard holds at most.", ws[i].conn_max)
	WORKER_FAMILY(sample, "dpvs_worker_redirected_out_total", "counter",
		      "Frames handed to the worker that owns their connection.",
		      ws[i].redirected_out)
	WORKER_FAMILY(sample, "dpvs_worker_redirected_in_total", "counter",
		      "Frames taken over from other workers.", ws[i].redirected_in)
	WORKER_FAMILY(sample, "dpvs_worker_redirect_drops_total", "counter",
		      "Frames dropped because the owner's ring was full.", ws[i].redirect_drops)
	/* Full-NAT's client address (dpip stats: toa ... pp-noroom) */
	WORKER_FAMILY(sample, "dpvs_worker_fnat_toa_total", "counter",
		      "Full-NAT TCP segments that carried the client's address (TOA).",
		      ws[i].toa_added)
	WORKER_FAMILY(sample, "dpvs_worker_fnat_toa_no_room_total", "counter",
		      "Full-NAT TCP segments without room for TOA (options full, MTU).",
		      ws[i].toa_no_room)
	WORKER_FAMILY(sample, "dpvs_worker_fnat_uoa_total", "counter",
		      "Full-NAT UDP datagrams that carried the client's address (UOA).",
		      ws[i].uoa_added)
	WORKER_FAMILY(sample, "dpvs_worker_fnat_uoa_no_room_total", "counter",
		      "Full-NAT UDP datagrams without room for UOA (IP options full, MTU).",
		      ws[i].uoa_no_room)
	WORKER_FAMILY(sample, "dpvs_worker_fnat_mss_clamped_total", "counter",
		      "Real servers' SYN-ACKs whose MSS was lowered to leave room for the client's address.",
		      ws[i].mss_clamped)
	WORKER_FAMILY(sample, "dpvs_worker_fnat_proxy_headers_total", "counter",
		      "PROXY protocol headers put in front of a client's data.", ws[i].pp_added)
	WORKER_FAMILY(sample, "dpvs_worker_fnat_proxy_no_room_total", "counter",
		      "PROXY protocol headers that found no headroom.", ws[i].pp_no_room)
#undef WORKER_FAMILY
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
 * family's samples stay together as the format wants. */
enum {
	S_CONNS,
	S_INPKTS,
	S_OUTPKTS,
	S_INBYTES,
	S_OUTBYTES,
	S_CPS,
	S_INPPS,
	S_OUTPPS,
	S_INBPS,
	S_OUTBPS,
	S_DESTS,
	S_NFAM
};
enum {
	D_CONNS,
	D_INPKTS,
	D_OUTPKTS,
	D_INBYTES,
	D_OUTBYTES,
	D_CPS,
	D_INPPS,
	D_OUTPPS,
	D_INBPS,
	D_OUTBPS,
	D_ACTIVE,
	D_INACT,
	D_PERSIST,
	D_WEIGHT,
	D_NFAM
};

static const struct fam {
	const char *name, *type, *help;
} svc_fams[S_NFAM] =
    {
	{"dpvs_service_connections_total", "counter",
	 "Connections scheduled (ipvsadm --stats Conns)."},
	{"dpvs_service_in_packets_total", "counter", "Packets from clients."},
	{"dpvs_service_out_packets_total", "counter", "Packets to clients."},
	{"dpvs_service_in_bytes_total", "counter", "Bytes from clients."},
	{"dpvs_service_out_bytes_total", "counter", "Bytes to clients."},
	{"dpvs_service_connections_per_second", "gauge",
	 "New connections per second (LVS 2 s estimator, ipvsadm --rate CPS)."},
	{"dpvs_service_in_packets_per_second", "gauge",
	 "Packets per second from clients (LVS estimator)."},
	{"dpvs_service_out_packets_per_second", "gauge",
	 "Packets per second to clients (LVS estimator)."},
	{"dpvs_service_in_bytes_per_second", "gauge",
	 "Bytes per second from clients (LVS estimator)."},
	{"dpvs_service_out_bytes_per_second", "gauge",
	 "Bytes per second to clients (LVS estimator)."},
	{"dpvs_service_dests", "gauge", "Real servers of the service."},
},
  dest_fams[D_NFAM] = {
      {"dpvs_dest_connections_total", "counter", "Connections scheduled to the real server."},
      {"dpvs_dest_in_packets_total", "counter", "Packets from clients to the real server."},
      {"dpvs_dest_out_packets_total", "counter", "Packets from the real server to clients."},
      {"dpvs_dest_in_bytes_total", "counter", "Bytes from clients to the real server."},
      {"dpvs_dest_out_bytes_total", "counter", "Bytes from the real server to clients."},
      {"dpvs_dest_connections_per_second", "gauge", "New connections per second (LVS estimator)."},
      {"dpvs_dest_in_packets_per_second", "gauge",
       "Packets per second from clients (LVS estimator)."},
      {"dpvs_dest_out_packets_per_second", "gauge",
       "Packets per second to clients (LVS estimator)."},
      {"dpvs_dest_in_bytes_per_second", "gauge", "Bytes per second from clients (LVS estimator)."},
      {"dpvs_dest_out_bytes_per_second", "gauge", "Bytes per second to clients (LVS estimator)."},
      {"dpvs_dest_active_connections", "gauge", "Active connections (ipvsadm ActiveConn)."},
      {"dpvs_dest_inactive_connections", "gauge", "Inactive connections (ipvsadm InActConn)."},
      {"dpvs_dest_persistent_connections", "gauge", "Persistence templates pointing at it."},
      {"dpvs_dest_weight", "gauge", "Weight (0: quiesced)."},
};

struct svc_walk {
	struct text fam_svc[S_NFAM], fam_dest[D_NFAM];
};

static void stats_samples(struct text *fams, const char *const *names, const char *lb,
			  const struct dpvs_stats *st)
{
	const uint64_t v[10] = {st->conns, st->inpkts, st->outpkts, st->inbytes, st->outbytes,
				st->cps,   st->inpps,  st->outpps,  st->inbps,	 st->outbps};

	for (unsigned k = 0; k < 10; k++)
		sample(&fams[k], names[k], lb, v[k]);
}

static int visit(uint32_t svc_id, const struct dpvs_svc *svc, const uint32_t *dest_ids,
		 const struct dpvs_dest *dests, uint32_t ndests, void *arg)
{
	struct svc_walk *sw = arg;
	const char *sn[S_NFAM], *dn[D_NFAM];
	struct dpvs_stats st;
	char key[96], lb[256];

	for (unsigned k = 0; k < S_NFAM; k++)
		sn[k] = svc_fams[k].name;
	for (unsigned k = 0; k < D_NFAM; k++)
		dn[k] = dest_fams[k].name;
	ipvs_svc_key_str(svc, key, sizeof(key));
	snprintf(lb, sizeof(lb), "service=\"%s\"", key);
	ipvs_stats_svc(svc_id, &st);
	stats_samples(sw->fam_svc, sn, lb, &st);
	sample(&sw->fam_svc[S_DESTS], sn[S_DESTS], lb, ndests);
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
		stats_samples(sw->fam_dest, dn, lb, &st);
		sample(&sw->fam_dest[D_ACTIVE], dn[D_ACTIVE], lb, act);
		sample(&sw->fam_dest[D_INACT], dn[D_INACT], lb, inact);
		sample(&sw->fam_dest[D_PERSIST], dn[D_PERSIST], lb, persist);
		sample(&sw->fam_dest[D_WEIGHT], dn[D_WEIGHT], lb,
		       d->weight > 0 ? (uint64_t)d->weight : 0);
	}
	return 0;
}

static void services(struct text *t)
{
	struct svc_walk sw;
	char err[256];

	memset(&sw, 0, sizeof(sw));
	ipvs_svc_walk(NULL, visit, &sw, err, sizeof(err));
	for (unsigned k = 0; k < S_NFAM; k++) {
		family(t, svc_fams[k].name, svc_fams[k].type, svc_fams[k].help);
		if (sw.fam_svc[k].oom)
			t->oom = true;
		else if (sw.fam_svc[k].len)
			put(t, "%s", sw.fam_svc[k].buf);
		free(sw.fam_svc[k].buf);
	}
	for (unsigned k = 0; k < D_NFAM; k++) {
		family(t, dest_fams[k].name, dest_fams[k].type, dest_fams[k].help);
		if (sw.fam_dest[k].oom)
			t->oom = true;
		else if (sw.fam_dest[k].len)
			put(t, "%s", sw.fam_dest[k].buf);
		free(sw.fam_dest[k].buf);
	}
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
