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

/*
 * Cached egress. A layer above may remember where a destination's packets
 * leave (port and next hop's MAC, from inet_egress_lookup) and send by it
 * without a route or neighbour lookup while inet_egress_gen() returns the
 * generation it read before the lookup: every change of a route or of a
 * neighbour's MAC or state bumps it (control thread or, for ARP, a
 * worker), so nothing stale outlives the change that replaced it.
 */
extern uint32_t inet_gen;
static inline uint32_t inet_egress_gen(void)
{
	return __atomic_load_n(&inet_gen, __ATOMIC_ACQUIRE);
}
static inline void inet_egress_changed(void)
{
	__atomic_fetch_add(&inet_gen, 1, __ATOMIC_RELEASE);
}

struct inet_egress {
	uint16_t port_idx;
	uint16_t mtu;
	/* the source a packet of our own towards dst takes (a tunnel's outer
	 * source): the route's preferred source, else the port's address in
	 * the next hop's prefix, else the port's first address (0: none) */
	uint32_t src_be;
	uint64_t dst_mac; /* the 6 bytes of the next hop's MAC, in order */
	uint32_t nexthop_be; /* the gateway, or dst itself on-link */
};
/* Worker lcore. 0: resolved (e filled); -EAGAIN: routed (all but dst_mac
 * set) but the next hop is not resolved (send by ipv4_output or
 * inet_output_via, which ask and queue); -ENETUNREACH: no route. gen:
 * inet_egress_gen() read by the caller before the call. */
int inet_egress_lookup(struct worker *w, uint32_t dst_be, uint32_t gen, struct inet_egress *e);

/*
 * Worker lcore: sends m (data at its IPv4 header, checksum right) to the
 * next hop nexthop_be on port_idx, whatever its destination address says
 * (DR: the packet keeps the VIP, the frame goes to the real server):
 * neighbour resolution (queued while ARP is pending, bounded), Ethernet
 * header, dp_forward. No MTU check. Always consumes m.
 */
void inet_output_via(struct worker *w, uint16_t port_idx, uint32_t nexthop_be,
		     struct rte_mbuf *m);

/*
 * Worker lcore: m (data at its IPv4 header, as received on port m->port,
 * its Ethernet header still in the headroom) is too big for the next
 * link's mtu and has DF set: answers the sender with ICMP "fragmentation
 * needed" (next-hop MTU = mtu) from the address it sent to, quoting m.
 * m itself is left to the caller (who drops it: ip-too-big).
 */
void icmp_send_frag_needed(struct worker *w, const struct rte_mbuf *m, uint16_t mtu);

/*
 * Worker lcore: m (data at its IPv4 header, DF clear, longer than mtu) is
 * forwarded in fragments of at most mtu bytes by port_idx to dst_mac: its
 * one fate "forwarded" on m->port; what cannot be allocated is counted
 * local-no-mbuf on port_idx. Consumes m.
 */
void ipv4_fragment_forward(struct worker *w, uint16_t port_idx, uint64_t dst_mac,
			   struct rte_mbuf *m, uint16_t mtu);

/* True when addr is one of our addresses (any port). */
bool inet_addr_is_local(uint32_t addr_be);

/* Worker lcore: the DPVS_ADDR_F_* flags of our address addr, -1 when it
 * is not ours (one look-up for "ours?" and "which kind?"). */
int inet_addr_local_flags(uint32_t addr_be);

/* Worker lcore: addr is one of ours flagged DPVS_ADDR_F_LIP (a Full-NAT
 * local address): steering finds a reply's owner by its port. */
bool inet_addr_is_lip(uint32_t addr_be);

/* Control thread (ipvs's laddr): flags our address addr as a Full-NAT
 * local address (on) or not. -EADDRNOTAVAIL when it is not one of ours,
 * -EINVAL when ifname (optional) is not its port. dpip addr del refuses a
 * flagged address (-EBUSY). With floating LIPs (below) an address not
 * ours is held instead: inet_addr_add flags it when it comes. */
int inet_addr_set_lip(uint32_t addr_be, const char *ifname, bool on, char *err, size_t errlen);

/* Control thread ([ipvs] floating_laddr): Full-NAT local addresses float
 * between two directors with the VIP, so a service may hold a LIP that is
 * not (yet) ours (the backup's) and dpip addr del may take a LIP's
 * address away (a director giving it up); the service keeps the LIP held
 * either way. Off (the default): both refused, as for one director. */
void inet_set_lip_float(bool on);
/* Control thread: addr is a LIP a service holds while it is not ours. */
bool inet_lip_is_held(uint32_t addr_be);

/* Control thread (or worker): the port whose route to addr has no
 * gateway (a connected prefix, or a static on-link route), -1 when addr
 * is not on-link or there is no route table to ask (inet not initialised:
 * a config check asks the file's own addresses instead, see
 * control/validate.c). DR real servers must be. */
int inet_onlink_port(uint32_t addr_be);

/* Packets the control thread dropped as NEIGH_UNRESOLVED on the port (the
 * queues of neighbour entries it aged out or deleted); add them to the
 * workers' drops[DPVS_DROP_NEIGH_UNRESOLVED] when showing the port. */
uint64_t inet_neigh_ctl_drops(uint16_t port_idx);

/* ---- control API (control thread), also used by config apply ---- */
/* What add would refuse in the value itself, whatever the ports and
 * tables hold (family, prefix, flags, martian addresses, MAC, state): the
 * config check (dpvs -t, start, reload) runs these before anything is
 * applied. 0 or -errno with the reason in err. */
int inet_addr_check_value(const struct dpvs_addr *a, char *err, size_t errlen);
int inet_route_check_value(const struct dpvs_route *r, char *err, size_t errlen);
int inet_neigh_check_value(const struct dpvs_neigh *n, char *err, size_t errlen);
/* Entries the routing table holds: the file's routes plus one connected
 * route per distinct (prefix, port) of its addresses must fit. */
unsigned inet_route_capacity(void);
int inet_addr_add(const struct dpvs_addr *a, char *err, size_t errlen);
int inet_addr_del(const struct dpvs_addr *a, char *err, size_t errlen);
/* What inet_addr_del would say (0: it would delete it), changing nothing:
 * a reload checks its removals before it publishes the services. */
int inet_addr_del_check(const struct dpvs_addr *a, char *err, size_t errlen);
int inet_route_add(const struct dpvs_route *r, char *err, size_t errlen);
int inet_route_del(const struct dpvs_route *r, char *err, size_t errlen);
int inet_neigh_add(const struct dpvs_neigh *n, char *err, size_t errlen);
int inet_neigh_del(const struct dpvs_neigh *n, char *err, size_t errlen);
/*
 * A savepoint, for a reload that must be all or nothing (control/reload.c):
 * inet_save() remembers the addresses (with their order and flags), the
 * routes (slot by slot) and the static neighbours as they are;
 * inet_restore() puts them back exactly, whatever add/del ran since, and
 * publishes that to the workers (each table as its own changes do);
 * inet_save_drop() forgets the savepoint (after a restore, or to keep
 * the changes). One savepoint at a time; 0 or -errno with a message.
 * Learned neighbours are not part of it (ARP's, not the operator's).
 */
int inet_save(char *err, size_t errlen);
int inet_restore(char *err, size_t errlen);
void inet_save_drop(void);
/* Snapshot copies for listing and for reload diffs: fill up to max entries,
 * return how many there are. Connected routes are flagged. */
unsigned inet_addr_list(struct dpvs_addr *out, unsigned max);
unsigned inet_route_list(struct dpvs_route *out, unsigned max);
unsigned inet_neigh_list(struct dpvs_neigh *out, unsigned max);

#endif /* DPVS_INET_H */
