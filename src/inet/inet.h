/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * inet: the lite IP stack of the data plane (IPv4 now; the types leave
 * room for IPv6).
 *
 * Owns: Ethernet input, ARP, the neighbour table, the interface-address
 * table, routing (DPDK LPM), IPv4 input validation and output, ICMP echo
 * replies. Files: eth.c arp.c neigh.c ifaddr.c route.c ipv4.c icmp.c,
 * with csum.h for checksum helpers shared with ipvs/.
 *
 * Data path (worker lcore): eth_input() takes every received frame and
 * gives it exactly one fate (dp_tx, dp_to_kni or dp_drop). Valid IPv4
 * packets are offered to ipvs_in() first (ipvs/ipvs.h); what IPVS does not
 * take and is addressed to one of our addresses is answered (ICMP echo) or
 * handed to the KNI.
 *
 * Control (control thread only): inet_*_add/del/list below. Readers on
 * the data path never lock; writers publish with RCU (dp_rcu) and free
 * after dp_rcu_synchronize().
 */
#ifndef DPVS_INET_H
#define DPVS_INET_H

#include <stdbool.h>
#include <stdint.h>
#include <rte_mbuf.h>

#include "dpvs/ctl.h"

struct worker;

/* ---- life cycle (control thread) ---- */
int inet_init(unsigned nports, char *err, size_t errlen); /* after netif_init */
void inet_fini(void);
/* Once a second from the control thread: neighbour aging. */
void inet_timer_tick(uint64_t now_sec);

/* ---- the L4 hook (how a layer above sees packets) ---- */
enum inet_verdict {
	INET_ACCEPT = 0, /* not the hook's traffic: the stack goes on with it */
	INET_STOLEN = 1, /* consumed: forwarded, answered or dropped (counted) */
};
/* m: a valid IPv4 packet that arrived on port_idx, data at the IPv4
 * header, m->l3_len set (no options). */
typedef enum inet_verdict (*inet_l4_hook_fn)(struct worker *w, uint16_t port_idx,
					     struct rte_mbuf *m);
/* Control thread, before the workers run: the one hook every valid IPv4
 * packet is offered to before local delivery (NULL: none). */
void inet_register_l4_hook(inet_l4_hook_fn fn);

/* ---- data path (worker lcore) ---- */
/* m: a frame as received on port_idx, data at the Ethernet header. */
void eth_input(struct worker *w, uint16_t port_idx, struct rte_mbuf *m);

/*
 * Sends an IPv4 packet (data at the IPv4 header, header checksum already
 * correct) towards its destination: route lookup, neighbour resolution
 * (queued while ARP is pending, bounded), Ethernet header, dp_tx. Used by
 * ipvs/ for every forwarded packet. Always consumes m.
 */
void ipv4_output(struct worker *w, struct rte_mbuf *m);

/* True when addr is one of our addresses (any port). */
bool inet_addr_is_local(uint32_t addr_be);

/* Packets the control thread dropped as NEIGH_UNRESOLVED on the port (the
 * queues of neighbour entries it aged out or deleted); add them to the
 * workers' drops[DPVS_DROP_NEIGH_UNRESOLVED] when showing the port. */
uint64_t inet_neigh_ctl_drops(uint16_t port_idx);

/* ---- control API (control thread), also used by config apply ---- */
int inet_addr_add(const struct dpvs_addr *a, char *err, size_t errlen);
int inet_addr_del(const struct dpvs_addr *a, char *err, size_t errlen);
int inet_route_add(const struct dpvs_route *r, char *err, size_t errlen);
int inet_route_del(const struct dpvs_route *r, char *err, size_t errlen);
int inet_neigh_add(const struct dpvs_neigh *n, char *err, size_t errlen);
int inet_neigh_del(const struct dpvs_neigh *n, char *err, size_t errlen);
/* Snapshot copies for listing and for reload diffs: fill up to max entries,
 * return how many there are. Connected routes are flagged. */
unsigned inet_addr_list(struct dpvs_addr *out, unsigned max);
unsigned inet_route_list(struct dpvs_route *out, unsigned max);
unsigned inet_neigh_list(struct dpvs_neigh *out, unsigned max);

#endif /* DPVS_INET_H */
