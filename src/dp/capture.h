/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * capture: copies of the frames the ports receive and send, for
 * `dpip capture` (tcpdump for a kernel-bypass data plane).
 *
 * Owns: a capture session (which ports, which direction, a tcpdump filter
 * compiled with libpcap, a snap length and a count) and one bounded SPSC
 * ring of frame copies per worker. The control thread creates a session,
 * attaches it (one pointer store per worker), drains the rings into its
 * pcap file from a timer, and detaches it (store NULL, then an RCU grace
 * period) before freeing it.
 *
 * Cost: off, a worker pays one load and one predictable branch per burst
 * (capture_burst below, in the worker's rx loop and in dp.c's tx burst).
 * On, it runs the filter on each frame of a captured port and copies the
 * matching ones (at most snaplen bytes) into its ring: a data-plane mbuf
 * is never held, and a full ring drops the copy (counted ring_full),
 * never the frame.
 *
 * The filter runs as DPDK's eBPF (rte_bpf_convert of libpcap's classic
 * program, JIT-compiled where DPDK can) or as classic BPF through
 * libpcap's bpf_filter(); CAPTURE_ENGINE_AUTO picks the JIT, which
 * test/bench/instr.sh measured as the cheaper (docs/instructions.md).
 */
#ifndef DPVS_CAPTURE_H
#define DPVS_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <rte_common.h>
#include <rte_mbuf.h>

#include "dp/dp.h"

#define CAPTURE_RX		0x1
#define CAPTURE_TX		0x2
#define CAPTURE_SNAPLEN_MIN	64
#define CAPTURE_SNAPLEN_MAX	10240 /* a 9600-byte MTU frame with its headers */
#define CAPTURE_SNAPLEN_DEFAULT 2048
#define CAPTURE_RING_SLOTS	1024 /* per worker; a power of two */

enum capture_engine {
	CAPTURE_ENGINE_AUTO = 0, /* eBPF JIT if DPDK has one here, else classic */
	CAPTURE_ENGINE_CBPF,	 /* libpcap's bpf_filter() interpreter */
	CAPTURE_ENGINE_EBPF,	 /* rte_bpf_convert + rte_bpf_exec (interpreter) */
	CAPTURE_ENGINE_EBPF_JIT, /* rte_bpf_convert + rte_bpf_get_jit */
};

/* One captured frame in a ring slot; cap_len bytes of it follow. */
struct capture_rec {
	uint64_t tsc;	   /* rte_rdtsc() when the burst was seen */
	uint32_t wire_len; /* pkt_len of the frame */
	uint16_t cap_len;  /* bytes copied: min(wire_len, snaplen) */
	uint8_t port_idx;
	uint8_t dir; /* CAPTURE_RX or CAPTURE_TX */
};

struct capture_conf {
	uint64_t port_mask; /* bit per port_idx */
	uint8_t dirs;	    /* CAPTURE_RX | CAPTURE_TX */
	uint32_t snaplen;   /* CAPTURE_SNAPLEN_MIN..MAX */
	uint64_t count;	    /* frames to capture in all; 0 = until stopped */
	const char *filter; /* tcpdump's language; NULL or "" = every frame */
	enum capture_engine engine;
};

/* A worker's ring: the producer's line, then the consumer's. */
struct capture_ring {
	/* written by the worker */
	uint32_t head;
	uint32_t tail_cache;
	uint64_t left;	    /* copies this worker may still make (the count) */
	uint64_t seen;	    /* frames of a captured port and direction */
	uint64_t matched;   /* of those, the filter took */
	uint64_t captured;  /* copied into the ring */
	uint64_t ring_full; /* matched but the ring was full: copy dropped */
	/* read-only while attached */
	const struct capture_session *s;
	uint64_t port_mask;
	uint8_t dirs;
	uint32_t snaplen, slot_size, mask;
	uint8_t *slots;
	/* written by the control thread */
	uint32_t tail __rte_cache_aligned;
};

struct capture_session;

/* Counters of a session summed over its workers. */
struct capture_stats {
	uint64_t seen, matched, captured, ring_full;
};

/* Worker lcore, once per burst, rx (after rte_eth_rx_burst) or tx
 * (before rte_eth_tx_burst): copies what a session wants. */
void capture_copy_burst(struct capture_ring *r, uint16_t port_idx, uint8_t dir,
			struct rte_mbuf *const *pkts, uint16_t n);

static inline void capture_burst(struct worker *w, uint16_t port_idx, uint8_t dir,
				 struct rte_mbuf *const *pkts, uint16_t n)
{
	struct capture_ring *r = __atomic_load_n(&w->capture, __ATOMIC_ACQUIRE);

	if (likely(r == NULL))
		return;
	capture_copy_burst(r, port_idx, dir, pkts, n);
}

/* ---- control thread ---- */

/* Compiles the filter and sizes one ring per worker (nworkers rings).
 * NULL with a message naming what is wrong (the filter's syntax error
 * as libpcap words it, a snaplen out of range, no memory). */
struct capture_session *capture_session_create(const struct capture_conf *c, unsigned nworkers,
					       char *err, size_t errlen);
/* Publishes ring i to worker i (worker_get). */
void capture_session_attach(struct capture_session *s);
/* Unpublishes, then waits until no worker can still be inside a copy. */
void capture_session_detach(struct capture_session *s);
void capture_session_free(struct capture_session *s);
/* The engine the filter runs in: "ebpf-jit", "ebpf", "cbpf" or "none"
 * (no filter). */
const char *capture_session_engine(const struct capture_session *s);
void capture_session_stats(const struct capture_session *s, struct capture_stats *out);

/* Hands up to max captured frames to fn in ring order, worker by worker,
 * and frees their slots; returns how many. data: rec->cap_len bytes. */
typedef void (*capture_drain_fn)(const struct capture_rec *rec, const uint8_t *data, void *arg);
unsigned capture_drain(struct capture_session *s, capture_drain_fn fn, void *arg, unsigned max);

/* For tests and dp_instr: the session's ring of worker i. */
struct capture_ring *capture_session_ring(struct capture_session *s, unsigned i);

#endif /* DPVS_CAPTURE_H */
