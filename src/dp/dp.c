/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dp: the per-packet fates every layer ends a packet with (forward, KNI,
 * drop), tx buffering and the RCU variable of the data plane (dp.h).
 */
#include <rte_ethdev.h>

#include "log.h"
#include "dp/capture.h"
#include "dp/dp.h"
#include "dp/vlan.h"

int dpvs_logtype = RTE_LOGTYPE_USER1;

struct rte_rcu_qsbr *dp_rcu;

uint8_t dp_port_down[DP_MAX_PORTS];

static struct worker *workers[DP_MAX_WORKERS];
static unsigned nworkers;

unsigned worker_count(void)
{
	return nworkers;
}

struct worker *worker_get(unsigned index)
{
	return index < nworkers ? workers[index] : NULL;
}

/* Registration is separate from the loop so tests can make workers too. */
int dp_worker_register(struct worker *w)
{
	if (nworkers >= DP_MAX_WORKERS)
		return -ENOSPC;
	w->index = nworkers;
	workers[nworkers++] = w;
	return 0;
}

void dp_worker_unregister_all(void)
{
	nworkers = 0;
}

void dp_rcu_synchronize(void)
{
	if (dp_rcu)
		rte_rcu_qsbr_synchronize(dp_rcu, RTE_QSBR_THRID_INVALID);
}

void dp_port_set_down(uint16_t port_idx, bool down)
{
	if (port_idx >= DP_MAX_PORTS)
		return;
	__atomic_store_n(&dp_port_down[port_idx], down, __ATOMIC_RELEASE);
	/* a worker reports quiescence only between its bursts */
	dp_rcu_synchronize();
}

/* Sends a buffered burst; what the ring refuses (or a port that is down,
 * or one without a device) is freed and counted. */
static void tx_burst(struct worker *w, uint16_t port_idx, uint16_t dpdk_port, struct dp_txbuf *b,
		     bool kni)
{
	struct dp_port_counters *c = &w->cnt[port_idx];
	const struct dp_port *port = netif_port(port_idx);
	uint64_t bytes = 0;
	uint16_t sent = 0;

	/* on the wire a VLAN port's frames carry the tag (the kernel's
	 * side of the KNI never sees one) */
	if (unlikely(!kni && port && port->vlan))
		dp_vlan_tx(w, port_idx, port->vlan, b->pkts, &b->n);
	for (uint16_t i = 0; i < b->n; i++)
		bytes += b->pkts[i]->pkt_len;
	if (!kni) /* what leaves by the port; KNI frames were seen on rx */
		capture_burst(w, port_idx, CAPTURE_TX, b->pkts, b->n);
	if (likely(dpdk_port != DP_PORT_NONE))
		sent = rte_eth_tx_burst(dpdk_port, w->index, b->pkts, b->n);
	if (unlikely(sent < b->n)) {
		enum dpvs_drop_reason why = kni ? DPVS_DROP_KNI_FULL : DPVS_DROP_TX_FULL;

		if (!kni && dp_port_is_down(port_idx))
			why = DPVS_DROP_LINK_DOWN;
		for (uint16_t i = sent; i < b->n; i++)
			bytes -= b->pkts[i]->pkt_len;
		c->drops[why] += b->n - sent;
		rte_pktmbuf_free_bulk(&b->pkts[sent], b->n - sent);
	}
	if (kni) {
		c->kni_rx += sent; /* towards the kernel */
	} else {
		c->tx_packets += sent;
		c->tx_bytes += bytes;
	}
	b->n = 0;
}

void dp_tx_flush(struct worker *w)
{
	/* only the ports something was queued for: an idle loop costs a
	 * load and a test, not a walk over every port */
	uint32_t dirty = w->tx_dirty;

	w->tx_dirty = 0;
	while (dirty) {
		uint16_t p = (uint16_t)__builtin_ctz(dirty);
		const struct dp_port *port = netif_port(p);

		dirty &= dirty - 1;
		uint16_t phys = port && !dp_port_is_down(p) ? port->port_id : DP_PORT_NONE;
		uint16_t kni = port ? port->kni_port_id : DP_PORT_NONE;

		if (w->tx[p].n)
			tx_burst(w, p, phys, &w->tx[p], false);
		if (w->kni_tx[p].n)
			tx_burst(w, p, kni, &w->kni_tx[p], true);
	}
}

static void kni_enqueue(struct worker *w, uint16_t port_idx, struct rte_mbuf *m)
{
	struct dp_txbuf *b = &w->kni_tx[port_idx];
	b->pkts[b->n++] = m;
	w->tx_dirty |= 1u << port_idx;
	if (unlikely(b->n == DP_BURST))
		dp_tx_flush(w);
}

void dp_to_kni(struct worker *w, uint16_t port_idx, struct rte_mbuf *m)
{
	const struct dp_port *port = netif_port(port_idx);

	if (unlikely(!port || port->kni_port_id == DP_PORT_NONE)) {
		dp_drop(w, port_idx, DPVS_DROP_KNI_OFF, m);
		return;
	}
	w->cnt[port_idx].to_kernel++;
	kni_enqueue(w, port_idx, m);
}

void dp_kni_copy(struct worker *w, uint16_t port_idx, struct rte_mbuf *m)
{
	const struct dp_port *port = netif_port(port_idx);

	if (unlikely(!port || port->kni_port_id == DP_PORT_NONE)) {
		dp_drop(w, port_idx, DPVS_DROP_LOCAL_NO_MBUF, m);
		return;
	}
	kni_enqueue(w, port_idx, m);
}
