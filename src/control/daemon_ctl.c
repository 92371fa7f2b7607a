/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * daemon_ctl: see daemon_ctl.h. Counters are read from the workers with
 * plain loads of 64-bit values only their owner writes: a reader may see
 * a value one burst old, never a torn one (x86-64, aligned).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>

#include "cfg/config.h"
#include "control/control.h"
#include "ctl/ctl.h"
#include "inet/inet.h"
#include "log.h"
#include "ipvs/ipvs.h"
#include "control/daemon_ctl.h"
#include "control/reload.h"
#include "dp/dp.h"
#include "worker/worker_loop.h"

/* The last interval's figures per worker, computed by daemon_stats_tick. */
static struct {
	uint64_t packets, busy_cycles, tsc;
	double cpp, pps;
} sample[DP_MAX_WORKERS];

void daemon_stats_tick(void)
{
	uint64_t now = rte_rdtsc();

	for (unsigned i = 0; i < worker_count(); i++) {
		const struct worker *w = worker_get(i);
		uint64_t pkts = w->packets, busy = w->busy_cycles;
		uint64_t dp = pkts - sample[i].packets, db = busy - sample[i].busy_cycles;
		double dt = (double)(now - sample[i].tsc) / (double)rte_get_tsc_hz();

		if (sample[i].tsc) {
			sample[i].cpp = dp ? (double)db / (double)dp : 0.0;
			sample[i].pps = dt > 0 ? (double)dp / dt : 0.0;
		}
		sample[i].packets = pkts;
		sample[i].busy_cycles = busy;
		sample[i].tsc = now;
	}
}

static int h_ping(const struct dpvs_ctl_hdr *hdr, const void *req, struct ctl_reply *r)
{
	(void)hdr;
	(void)req;
	struct dpvs_info *info = ctl_reply_alloc(r, sizeof(*info));
	if (!info)
		return ctl_reply_error(r, -ENOMEM, "out of memory");
	snprintf(info->version, sizeof(info->version), "%s", DPVS_VERSION_STRING);
	info->nports = netif_port_count();
	info->nworkers = worker_count();
	info->uptime_sec = (rte_rdtsc() - worker_start_tsc()) / rte_get_tsc_hz();
	info->conn_tab_size = reload_current() ? reload_current()->conn_max : 0;
	info->pid = (uint32_t)getpid();
	return 0;
}

void daemon_link_fill(struct dpvs_link *l, const struct dp_port *p)
{
	struct rte_eth_dev_info dinfo;
	struct rte_eth_stats st;
	struct rte_eth_link link;

	snprintf(l->ifname, sizeof(l->ifname), "%s", p->name);
	snprintf(l->kni_name, sizeof(l->kni_name), "%s", p->kni_name);
	snprintf(l->device, sizeof(l->device), "%s", p->device);
	if (rte_eth_dev_info_get(p->port_id, &dinfo) == 0 && dinfo.driver_name)
		snprintf(l->driver, sizeof(l->driver), "%s", dinfo.driver_name);
	memcpy(l->mac.b, p->mac.addr_bytes, 6);
	l->port_id = p->port_id;
	l->mtu = p->mtu;
	l->vlan = p->vlan;
	l->rx_queues = p->nb_rxq;
	l->tx_queues = p->nb_txq;
	if (!dp_port_is_down(p->idx))
		l->flags |= DPVS_LINK_F_UP;
	if (rte_eth_link_get_nowait(p->port_id, &link) == 0) {
		if (link.link_status)
			l->flags |= DPVS_LINK_F_LOWER_UP;
		l->link_speed = link.link_speed == RTE_ETH_SPEED_NUM_UNKNOWN ? 0 : link.link_speed;
	}
	if (p->promisc)
		l->flags |= DPVS_LINK_F_PROMISC;
	if (p->kni_port_id != DP_PORT_NONE)
		l->flags |= DPVS_LINK_F_KNI;
	for (unsigned i = 0; i < worker_count(); i++) {
		const struct dp_port_counters *c = &worker_get(i)->cnt[p->idx];
		l->rx_packets += c->rx_packets;
		l->rx_bytes += c->rx_bytes;
		l->tx_packets += c->tx_packets;
		l->tx_bytes += c->tx_bytes;
		l->kni_rx += c->kni_rx;
		l->kni_tx += c->kni_tx;
		l->arp_replied += c->arp_replied;
		l->icmp_echo_replied += c->icmp_echo_replied;
		l->forwarded += c->forwarded;
		l->to_kernel += c->to_kernel;
		for (unsigned d = 0; d < DPVS_DROP_MAX; d++)
			l->drops[d] += c->drops[d];
	}
	/* packets the control thread freed from unresolved neighbours */
	l->drops[DPVS_DROP_NEIGH_UNRESOLVED] += inet_neigh_ctl_drops(p->idx);
	if (rte_eth_stats_get(p->port_id, &st) == 0) {
		l->hw_ipackets = st.ipackets;
		l->hw_opackets = st.opackets;
		l->hw_ierrors = st.ierrors;
		l->hw_oerrors = st.oerrors;
		l->hw_imissed = st.imissed;
		l->hw_rx_nombuf = st.rx_nombuf;
	}
}

static int h_link_show(const struct dpvs_ctl_hdr *hdr, const void *req, struct ctl_reply *r)
{
	(void)hdr;
	(void)req;
	unsigned n = netif_port_count();
	struct dpvs_list *list = ctl_reply_alloc(r, sizeof(*list));

	if (!list)
		return ctl_reply_error(r, -ENOMEM, "out of memory");
	list->count = n;
	list->entry_size = sizeof(struct dpvs_link);
	for (unsigned i = 0; i < n; i++) {
		struct dpvs_link *l = ctl_reply_alloc(r, sizeof(*l));
		if (!l)
			return ctl_reply_error(r, -ENOMEM, "out of memory");
		daemon_link_fill(l, netif_port((uint16_t)i));
	}
	return 0;
}

static int h_link_set(const struct dpvs_ctl_hdr *hdr, const void *req, struct ctl_reply *r)
{
	(void)hdr;
	const struct dpvs_link_set *ls = req;
	const struct dp_port *p;

	if (memchr(ls->ifname, 0, sizeof(ls->ifname)) == NULL)
		return ctl_reply_error(r, -EINVAL, "link set: device name not terminated");
	if (ls->up > 1)
		return ctl_reply_error(r, -EINVAL, "link set %s: state %u is neither up (1) nor down (0)",
				       ls->ifname, ls->up);
	p = netif_port_by_name(ls->ifname);
	if (!p)
		return ctl_reply_error(r, -ENODEV, "link set: no device '%s' (see dpip link show)",
				       ls->ifname);
	dp_port_set_down(p->idx, !ls->up);
	DPVS_LOG(NOTICE, "%s set %s", p->name, ls->up ? "up" : "down");
	return 0;
}

void daemon_worker_fill(unsigned i, struct dpvs_worker_stats *s)
{
	const struct worker *w = worker_get(i);

	memset(s, 0, sizeof(*s));
	s->lcore_id = w->lcore_id;
	s->cpu = w->lcore_id;
	s->loops = w->loops;
	s->idle_loops = w->idle_loops;
	s->packets = w->packets;
	s->busy_cycles = w->busy_cycles;
	s->tsc_hz = rte_get_tsc_hz();
	s->cycles_per_packet = sample[i].cpp;
	s->pps = sample[i].pps;
	s->conn_max = reload_current() ? reload_current()->conn_max : 0;
	s->conns = ipvs_conn_count(i);
	s->conn_bytes = ipvs_conn_slot_bytes(i);
	s->chain_max = ipvs_conn_chain_max(i);
	s->redirected_out = w->redirected_out;
	s->redirected_in = w->redirected_in;
	s->redirect_drops = w->redirect_drops;
	s->synp_local = w->synp_local;
	ipvs_caddr_stats(i, s);
	ipvs_synp_stats(i, s);
}

static int h_stats(const struct dpvs_ctl_hdr *hdr, const void *req, struct ctl_reply *r)
{
	(void)hdr;
	(void)req;
	unsigned n = worker_count();
	struct dpvs_list *list = ctl_reply_alloc(r, sizeof(*list));

	if (!list)
		return ctl_reply_error(r, -ENOMEM, "out of memory");
	list->count = n;
	list->entry_size = sizeof(struct dpvs_worker_stats);
	for (unsigned i = 0; i < n; i++) {
		struct dpvs_worker_stats *s = ctl_reply_alloc(r, sizeof(*s));
		if (!s)
			return ctl_reply_error(r, -ENOMEM, "out of memory");
		daemon_worker_fill(i, s);
	}
	struct dpvs_ipvs_limits *l = ctl_reply_alloc(r, sizeof(*l));
	if (!l)
		return ctl_reply_error(r, -ENOMEM, "out of memory");
	ipvs_limits_get(l);
	return 0;
}

static int h_reload(const struct dpvs_ctl_hdr *hdr, const void *req, struct ctl_reply *r)
{
	(void)hdr;
	(void)req;
	char *report = malloc(RELOAD_REPORT_MAX);

	if (!report)
		return ctl_reply_error(r, -ENOMEM, "out of memory for the reload's report");
	int rc = reload_config(report, RELOAD_REPORT_MAX);

	/* an error travels in at most DPVS_CTL_ERRMSG_MAX bytes: cut at a
	 * line and say so rather than end mid-sentence */
	if (rc < 0 && strlen(report) >= DPVS_CTL_ERRMSG_MAX) {
		static const char more[] = "... cut here: dpvs -t -c FILE lists every error\n";
		size_t keep = DPVS_CTL_ERRMSG_MAX - sizeof(more);

		while (keep && report[keep - 1] != '\n')
			keep--;
		memcpy(report + keep, more, sizeof(more));
	}
	if (rc < 0)
		rc = ctl_reply_error(r, rc, "%s", report);
	else
		rc = ctl_reply_append(r, report, strlen(report) + 1);
	free(report);
	return rc;
}

void daemon_ctl_register(void)
{
	ctl_register(DPVS_MSG_PING, 0, 0, h_ping);
	ctl_register(DPVS_MSG_LINK_SHOW, 0, 0, h_link_show);
	ctl_register(DPVS_MSG_LINK_SET, sizeof(struct dpvs_link_set), 0, h_link_set);
	ctl_register(DPVS_MSG_STATS, 0, 0, h_stats);
	ctl_register(DPVS_MSG_CONFIG_RELOAD, 0, 0, h_reload);
}
