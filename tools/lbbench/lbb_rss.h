/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lbb_rss: which of a port's queues a frame leaves on. Over a link with
 * several queue pairs (net_memif, virtio_user), the queue a frame arrives
 * on at the box is the one lbbench sent it on: no NIC hashes anything.
 * So lbbench plays the NIC's RSS itself and picks each frame's TX queue
 * as the box's NIC would pick its RX queue:
 *
 *   client  (default) a Toeplitz hash of the client's IPv4 address alone
 *           (RTE_ETH_RSS_L3_SRC_ONLY at the client arm, L3_DST_ONLY at the
 *           server arm), with Microsoft's default RSS key, through a
 *           LBB_RSS_RETA-entry redirection table, entry i = queue i % n.
 *           This is how dpvs computes a packet's owner worker
 *           (src/worker/steer.c), so each frame lands on its owner and the
 *           box moves none between workers.
 *   tuple   the same key over (source, destination, source port,
 *           destination port): a NIC's usual RSS for UDP/TCP. The two
 *           directions of a flow and its different ports land on
 *           different workers: the box's redirect path is exercised.
 *   rr      round-robin, frame by frame, whatever it carries.
 *
 * Pure but for rr's cursor, so the unit tests check it against DPDK's
 * rte_softrss. The tables are built at load (a constructor), no EAL.
 */
#ifndef LBB_RSS_H
#define LBB_RSS_H

#include <stdbool.h>
#include <stdint.h>

#define LBB_RSS_RETA 128
#define LBB_MAX_QUEUES 64 /* dpvs has at most 64 workers */

enum lbb_spread {
	LBB_SPREAD_CLIENT = 0,
	LBB_SPREAD_TUPLE,
	LBB_SPREAD_RR,
	LBB_SPREAD_MAX,
};

struct lbb_rss {
	unsigned nq;            /* queues, 1..LBB_MAX_QUEUES */
	enum lbb_spread spread;
	unsigned rr;            /* rr: the next queue */
};

/* The 40-byte key (Microsoft's RSS specification, most drivers' default). */
extern const uint8_t lbb_rss_key[40];

const char *lbb_spread_name(enum lbb_spread s);
/* LBB_SPREAD_MAX when name is none of them. */
enum lbb_spread lbb_spread_parse(const char *name);

/* The Toeplitz hash of len bytes (at most 12: an IPv4 4-tuple) taken in
 * order, as a NIC hashes the header fields in network byte order. */
uint32_t lbb_toeplitz(const uint8_t *in, unsigned len);

/* The queue of a frame with these addresses and ports (network order).
 * client_is_src: the client is the source (frames of the client arm) or
 * the destination (the real servers' answers). Ports are 0 for frames
 * without them. */
unsigned lbb_rss_queue(struct lbb_rss *r, uint32_t sip, uint32_t dip, uint16_t sport,
		       uint16_t dport, bool client_is_src);

/* The same for a whole Ethernet frame; anything but IPv4 (ARP) goes to
 * queue 0. */
unsigned lbb_rss_queue_frame(struct lbb_rss *r, const uint8_t *frame, uint32_t len,
			     bool client_is_src);

#endif /* LBB_RSS_H */
