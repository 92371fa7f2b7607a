/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * worker: the run-to-completion loop of a worker lcore.
 *
 *   for (;;) {
 *       quiescent state (RCU)          - snapshots may be swapped
 *       packets other workers handed over (steer.c) -> eth_input()
 *       for each rx queue of a port that is up: rx burst -> those another
 *           worker owns go to it -> eth_input() for the rest,
 *           then flush the tx buffers
 *       KNI: rx burst from the TAP -> out of the port; flush
 *       ipvs timers (bounded work)
 *       idle back-off when nothing came for a while (lab machines)
 *   }
 */
#include <unistd.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_prefetch.h>

#include "inet/inet.h"
#include "ipvs/ipvs.h"
#include "log.h"
#include "dp/capture.h"
#include "dp/dp.h"
#include "dp/vlan.h"
#include "worker/steer.h"
#include "worker/worker_loop.h"

static uint32_t idle_sleep_us;
static uint32_t idle_polls;
static uint64_t start_tsc;

void worker_loop_params(uint32_t sleep_us, uint32_t polls)
{
	idle_sleep_us = sleep_us;
	idle_polls = polls ? polls : 1;
}

/* A burst this worker gives its fate to. */
static inline void process(struct worker *w, uint16_t port_idx, struct rte_mbuf **pkts, uint16_t n)
{
	/* headers first, then the connection buckets they hash to: the
	 * misses of the whole burst overlap before the first packet runs */
	for (uint16_t i = 0; i < n; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
	ipvs_prefetch_burst(w, pkts, n);
	for (uint16_t i = 0; i < n; i++)
		eth_input(w, port_idx, pkts[i]);
}

static inline void rx_queue(struct worker *w, const struct dp_rxq *q, const struct dp_port *port,
			    bool steer, uint64_t *got)
{
	struct rte_mbuf *pkts[DP_BURST];

	if (unlikely(dp_port_is_down(q->port_idx)))
		return;
	uint16_t n = rte_eth_rx_burst(port->port_id, q->queue_id, pkts, DP_BURST);

	if (n == 0)
		return;
	*got += n;
	capture_burst(w, q->port_idx, CAPTURE_RX, pkts, n);
	if (unlikely(port->vlan))
		dp_vlan_rx(w, q->port_idx, port->vlan, pkts, &n);
	if (steer) {
		/* the header lines are needed to find each packet's owner */
		for (uint16_t i = 0; i < n; i++)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
		steer_burst(w, q->port_idx, pkts, &n);
	}
	process(w, q->port_idx, pkts, n);
}

/* What other workers handed over: each with its receiving port in
 * m->port, in runs of one port so a burst keeps one port's fates. */
static inline void drain_redirected(struct worker *w, uint64_t *busy)
{
	struct rte_mbuf *pkts[DP_BURST];
	uint16_t n = steer_drain(w, pkts, DP_BURST);

	if (n == 0)
		return;
	*busy += n;
	for (uint16_t i = 0; i < n;) {
		uint16_t j = i + 1;

		while (j < n && pkts[j]->port == pkts[i]->port)
			j++;
		process(w, pkts[i]->port, &pkts[i], (uint16_t)(j - i));
		i = j;
	}
	dp_tx_flush(w);
}

/* What the kernel sends on a port's KNI interface leaves by the port. */
static inline void kni_queue(struct worker *w, const struct dp_port *port, uint64_t *got)
{
	struct rte_mbuf *pkts[DP_BURST];
	uint16_t n = rte_eth_rx_burst(port->kni_port_id, (uint16_t)w->index, pkts, DP_BURST);

	if (n == 0)
		return;
	*got += n;
	w->cnt[port->idx].kni_tx += n;
	for (uint16_t i = 0; i < n; i++)
		dp_tx(w, port->idx, pkts[i]);
}

int worker_main(void *arg)
{
	struct worker *w = arg;
	unsigned nports = netif_port_count();
	const uint64_t hz = rte_get_tsc_hz();
	const bool steer = steer_enabled();
	unsigned empty = 0;

	rte_rcu_qsbr_thread_register(dp_rcu, w->index);
	rte_rcu_qsbr_thread_online(dp_rcu, w->index);
	DPVS_LOG(INFO, "worker %u on lcore %u: %u rx queues", w->index, w->lcore_id, w->nb_rxq);

	while (!w->stop) {
		uint64_t t0 = rte_rdtsc();
		uint64_t got = 0, handed = 0;

		w->now_tsc = t0;
		w->now_sec = (t0 - start_tsc) / hz;
		rte_rcu_qsbr_quiescent(dp_rcu, w->index);
		if (steer)
			drain_redirected(w, &handed);

		/* each burst leaves before the next queue is polled, as a
		 * forwarding loop does: a frame does not wait for the other
		 * queues' bursts (latency); batches stay whole, since one rx
		 * burst is what fills them */
		for (uint16_t i = 0; i < w->nb_rxq; i++) {
			rx_queue(w, &w->rxq[i], netif_port(w->rxq[i].port_idx), steer, &got);
			dp_tx_flush(w);
		}
		for (uint16_t p = 0; p < nports; p++) {
			const struct dp_port *port = netif_port(p);
			if (port->kni_port_id != DP_PORT_NONE)
				kni_queue(w, port, &got);
		}
		dp_tx_flush(w);
		w->loop_packets = (uint32_t)(got + handed);
		ipvs_worker_timer(w);

		w->loops++;
		/* packets: what this worker received from its queues (a
		 * frame handed over is counted once, where it arrived); busy
		 * time: every loop that moved any */
		if (got || handed) {
			w->packets += got;
			w->busy_cycles += rte_rdtsc() - t0;
			empty = 0;
			continue;
		}
		w->idle_loops++;
		/* On a machine shared with the lab's clients and servers a
		 * spinning worker starves them: after a run of empty polls,
		 * sleep briefly. Off (0) for benchmarks. */
		if (idle_sleep_us && ++empty >= idle_polls) {
			rte_rcu_qsbr_thread_offline(dp_rcu, w->index);
			usleep(idle_sleep_us);
			rte_rcu_qsbr_thread_online(dp_rcu, w->index);
		}
	}
	dp_tx_flush(w);
	rte_rcu_qsbr_thread_offline(dp_rcu, w->index);
	rte_rcu_qsbr_thread_unregister(dp_rcu, w->index);
	return 0;
}

uint64_t worker_start_tsc(void)
{
	return start_tsc;
}

void worker_set_start_tsc(uint64_t tsc)
{
	start_tsc = tsc;
}
