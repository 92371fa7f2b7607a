/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * steer: several workers, share-nothing. Each worker owns the connections
 * of its clients: the owner of a packet is computed from the client's
 * address, the same way for both directions of a flow, by arithmetic (no
 * shared table): a Toeplitz hash of the client address with the key a NIC
 * would use for RSS (RTE_ETH_RSS_L3_SRC_ONLY at a client-facing port,
 * L3_DST_ONLY at a server-facing one), then a redirection table of
 * STEER_RETA entries, entry i = worker i % nworkers.
 *
 * Which address is the client's: for a packet to one of our addresses (a
 * VIP, or the balancer itself) the source; for anything else (a real
 * server's reply, to the client) the destination. ICMP errors are owned
 * by the flow they quote: the quoted packet's destination when it was
 * sent from one of our addresses (a reply we forwarded), else its source.
 * ARP and non-IPv4 frames stay with the worker that received them (the
 * neighbour table is shared).
 *
 * A packet that reaches a worker that does not own it goes to the owner
 * through a single-producer single-consumer ring for that pair of workers
 * (enqueued in a burst per owner; a full ring is a counted drop,
 * redirect-full, never a wait), and the owner drains its rings at the top
 * of its loop and gives those packets their fate as if it had received
 * them: each frame is counted received (rx_packets) once, by the worker
 * that gives it its fate.
 *
 * Worker lcores only, except steer_init/steer_fini (control thread,
 * before the workers start / after they stopped).
 */
#ifndef DPVS_WORKER_STEER_H
#define DPVS_WORKER_STEER_H

#include <stdbool.h>
#include <stdint.h>
#include <rte_mbuf.h>

struct worker;

#define STEER_RETA 128
/* Per ordered pair of workers: deep enough to ride out the owner being
 * descheduled for a while (a shared CPU), without n^2 rings of that depth
 * for many workers. */
#define STEER_RING_SIZE 4096
#define STEER_RING_SIZE_MANY 1024 /* from STEER_RING_MANY workers on */
#define STEER_RING_MANY 17

/* Control thread, after the workers are registered: the rings between
 * every pair (none with one worker). 0 or -errno with a message. */
int steer_init(unsigned nworkers, char *err, size_t errlen);
/* Frames a ring between two workers holds (its size less one). */
unsigned steer_ring_capacity(void);
void steer_fini(void);
/* True when there is more than one worker (packets may move). */
bool steer_enabled(void);

/* The worker index owning m (data at the Ethernet header), or -1 when
 * the receiving worker keeps it (not IPv4, too short to tell). Pure: a
 * unit test checks both directions of every mode agree. */
int steer_owner(const struct rte_mbuf *m);
/* The Toeplitz hash of a client address (network order) with the
 * steering key, as rte_softrss() computes it for one 32-bit word. */
uint32_t steer_hash(uint32_t addr_be);

/* For a NIC that can hash one address (RSS with L3_SRC_ONLY or
 * L3_DST_ONLY): the steering key (*len bytes), and, for port_idx, the rx
 * queue of each of the STEER_RETA table entries (the queue of that port
 * the entry's worker polls; its first if several). A NIC loaded with both
 * delivers each packet of a client's flows to the worker that owns them.
 * 0, or -ENOENT when some worker polls no queue of the port. After
 * steer_init, with the workers registered. */
const uint8_t *steer_rss_key(unsigned *len);
int steer_port_reta(uint16_t port_idx, uint16_t queues[STEER_RETA]);

/* Worker w received pkts[0..*n) on port_idx: those another worker owns
 * are sent to it (or dropped, counted, when its ring is full); the ones
 * w keeps are compacted into pkts and *n updated. */
void steer_burst(struct worker *w, uint16_t port_idx, struct rte_mbuf **pkts, uint16_t *n);
/* Up to max packets other workers handed to w (their m->port: the
 * receiving port's index). */
uint16_t steer_drain(struct worker *w, struct rte_mbuf **pkts, uint16_t max);

#endif /* DPVS_WORKER_STEER_H */
