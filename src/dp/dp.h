/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dp: the bottom of the data path, under the stack (inet/), IPVS (ipvs/)
 * and the worker loop (worker/).
 *
 * Owns: the per-worker context every layer is handed (struct worker: its
 * clock, tx buffers, counters and the IPVS state it owns), the packet
 * fates, and the RCU (QSBR) variable through which the control plane
 * publishes snapshots. The loop itself lives in worker/.
 *
 * Fates (include/dpvs/ctl.h says how they add up): every frame a worker
 * receives ends in exactly one of dp_forward (forwarded), an answer the
 * stack counts itself (arp_replied, icmp_echo_replied) before dp_tx,
 * dp_to_kni (to the kernel) or dp_drop (a reason); each counts it on the
 * port the frame arrived on. Inside the data path m->port holds that
 * port's index (port_idx, set by eth_input), not the DPDK port id, so a
 * frame that waited (for ARP) is still counted where it came from.
 *
 * Callers: inet/ and ipvs/ call the inline helpers below from the
 * worker's own lcore only. The control thread reads counters (plain
 * 64-bit loads, never written by it) and calls dp_rcu_synchronize() after
 * it unpublished something workers may still hold.
 */
#ifndef DPVS_DP_H
#define DPVS_DP_H

#include <stdbool.h>
#include <stdint.h>
#include <rte_mbuf.h>
#include <rte_ethdev.h>
#include <rte_rcu_qsbr.h>

#include "dpvs/ctl.h"
#include "netif/netif.h"

#define DP_BURST 32
#define DP_MAX_WORKERS 64
#define DP_MAX_RXQ_PER_WORKER 8

struct capture_ring;

/* Per-worker, per-port counters: written by the owning worker only. The
 * fates of received frames count on the receiving port; tx_*, kni_rx and
 * the drops of !dpvs_drop_is_rx_fate() reasons on the port left by. */
struct dp_port_counters {
	uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes;
	uint64_t forwarded, to_kernel;
	uint64_t arp_replied, icmp_echo_replied;
	uint64_t kni_rx, kni_tx; /* the TAP took (copies too) / from the kernel */
	uint64_t drops[DPVS_DROP_MAX];
} __rte_cache_aligned;

struct dp_txbuf {
	uint16_t n;
	struct rte_mbuf *pkts[DP_BURST];
};

struct dp_rxq {
	uint16_t port_idx;
	uint16_t queue_id;
};

struct worker {
	unsigned lcore_id;
	unsigned index;   /* 0..nworkers-1; also its tx queue on every port */
	uint16_t nb_rxq;
	struct dp_rxq rxq[DP_MAX_RXQ_PER_WORKER];

	/* time, refreshed once per loop iteration */
	uint64_t now_tsc;
	uint64_t now_sec; /* seconds since daemon start, for timeouts */

	/* loop statistics (for cycles per packet) */
	uint64_t loops, idle_loops, packets, busy_cycles;
	uint32_t loop_packets; /* received in the current loop iteration so far */
	/* steering among workers (worker/steer.c) */
	uint64_t redirected_out, redirected_in, redirect_drops;
	uint64_t synp_local; /* SYN-proxy SYNs answered here, not redirected */

	uint32_t tx_dirty; /* bit per port with frames buffered (tx or KNI) */
	struct dp_txbuf tx[DP_MAX_PORTS];
	struct dp_txbuf kni_tx[DP_MAX_PORTS];
	struct dp_port_counters cnt[DP_MAX_PORTS];

	void *ipvs; /* this worker's IPVS state (conn shard, sched state) */
	/* dp/capture.h: the ring of a running capture, NULL when off; read
	 * once per burst (the whole cost of capture when off) */
	struct capture_ring *capture;
	volatile bool stop;
};

/* The workers, indexed 0..n-1. Valid after worker_init. */
unsigned worker_count(void);
struct worker *worker_get(unsigned index);

/* The QSBR variable every worker reports quiescence to once per loop. */
extern struct rte_rcu_qsbr *dp_rcu;
/* Control thread: wait until every worker passed a quiescent state, so
 * anything unpublished before the call is no longer referenced. */
void dp_rcu_synchronize(void);

/* Adds a worker to the table (sets w->index). 0 or -ENOSPC. Also used by
 * unit tests to make workers without lcores. */
int dp_worker_register(struct worker *w);
void dp_worker_unregister_all(void);

/*
 * Administrative state of the ports (dpip link set NAME up|down), indexed
 * by port_idx. Written by the control thread only (dp_port_set_down),
 * read by the workers with a plain load once per rx queue and per flush:
 * a port that is down is not polled, and what was queued for it is freed
 * and counted link-down instead of sent.
 */
extern uint8_t dp_port_down[DP_MAX_PORTS];

static inline bool dp_port_is_down(uint16_t port_idx)
{
	return __atomic_load_n(&dp_port_down[port_idx], __ATOMIC_RELAXED) != 0;
}

/* Control thread: sets the port down (or up) and returns once no worker
 * is still inside an rx or tx burst of it that started before the call:
 * after setting it down, the device can disappear under the workers. */
void dp_port_set_down(uint16_t port_idx, bool down);

/* Flushes all pending tx buffers of the worker (end of each burst). */
void dp_tx_flush(struct worker *w);

/* Queue m (data starting at the Ethernet header) for transmission on the
 * port. Counts tx; a full NIC ring counts TX_FULL drops at flush time. */
static inline void dp_tx(struct worker *w, uint16_t port_idx, struct rte_mbuf *m)
{
	struct dp_txbuf *b = &w->tx[port_idx];

	b->pkts[b->n++] = m;
	w->tx_dirty |= 1u << port_idx;
	if (unlikely(b->n == DP_BURST))
		dp_tx_flush(w);
}

/* The fate "forwarded": a received frame (m->port its port_idx) leaves
 * by port out_idx. */
static inline void dp_forward(struct worker *w, uint16_t out_idx, struct rte_mbuf *m)
{
	w->cnt[m->port].forwarded++;
	dp_tx(w, out_idx, m);
}

/* Drop m and count why (port_idx: where it arrived, for a receive-side
 * reason). */
static inline void dp_drop(struct worker *w, uint16_t port_idx, enum dpvs_drop_reason r,
			   struct rte_mbuf *m)
{
	w->cnt[port_idx].drops[r]++;
	rte_pktmbuf_free(m);
}

/* The fate "to the kernel": m (data at the Ethernet header), received on
 * port_idx, goes to that port's KNI interface; dropped with KNI_OFF when
 * the port has none. */
void dp_to_kni(struct worker *w, uint16_t port_idx, struct rte_mbuf *m);
/* A copy of our own for the kernel (an ARP request we also answered):
 * queued like dp_to_kni's, but it is no received frame's fate. */
void dp_kni_copy(struct worker *w, uint16_t port_idx, struct rte_mbuf *m);

#endif /* DPVS_DP_H */
