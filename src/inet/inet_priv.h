/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * inet_priv: what the files of the stack (src/inet/) tell each other and
 * nobody else. The public contract is inet.h.
 */
#ifndef DPVS_INET_PRIV_H
#define DPVS_INET_PRIV_H

#include <stdbool.h>
#include <stdint.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#include "dpvs/ctl.h"

struct worker;

#define INET_DEFAULT_TTL 64

/* ---- eth.c: frames leaving through the stack ---- */
/* Prepends an Ethernet header (our port MAC -> dst) and forwards m by the
 * port (dp_forward: the fate of a received frame); false (m untouched)
 * when there is no headroom. */
bool eth_output(struct worker *w, uint16_t port_idx, struct rte_mbuf *m,
		const struct rte_ether_addr *dst, uint16_t ether_type);

/* ---- arp.c ---- */
void arp_input(struct worker *w, uint16_t port_idx, struct rte_mbuf *m);
/* Broadcasts a request for target on the port (worker lcore). */
void arp_send_request(struct worker *w, uint16_t port_idx, uint32_t target_be);

/* ---- ipv4.c ---- */
void ipv4_input(struct worker *w, uint16_t port_idx, struct rte_mbuf *m);

/* ---- icmp.c ---- */
/* m: at the IPv4 header (no options) of an ICMP packet to one of our
 * addresses. Answers an echo request in place, drops a short or corrupt
 * message (ICMP_BAD): true, m consumed. Anything else: false, m intact. */
bool icmp_local_input(struct worker *w, uint16_t port_idx, struct rte_mbuf *m);

/* ---- ipv4.c ---- */
/* Puts the Ethernet header back (its bytes are still in the headroom) so
 * the kernel gets the whole frame, and hands m to the KNI. */
void inet_to_kni(struct worker *w, uint16_t port_idx, struct rte_mbuf *m);

/* ---- ifaddr.c ---- */
enum ifaddr_match {
	IFADDR_NONE = 0,
	IFADDR_LOCAL,     /* one of our addresses */
	IFADDR_BROADCAST, /* directed broadcast of one of our subnets */
};
/* Worker lcore and control thread: what addr is to port_idx. */
enum ifaddr_match ifaddr_match(uint16_t port_idx, uint32_t addr_be, uint16_t *flags);
/* Source address for talking to target on the port: an address of the
 * port whose prefix holds target, else the port's first one, else 0. */
uint32_t ifaddr_pick_src(uint16_t port_idx, uint32_t target_be);
int ifaddr_init(char *err, size_t errlen);
void ifaddr_fini(void);
/* inet_save() / inet_restore() / inet_save_drop() of each table */
void ifaddr_save(void);
void ifaddr_restore(void);
void ifaddr_save_drop(void);

/* ---- route.c ---- */
struct route_nh {
	uint16_t port_idx;
	uint32_t nexthop_be; /* gateway, or the destination itself on-link */
	uint32_t src_be;     /* the route's preferred source, 0: none */
};
/* Worker lcore: false when there is no route. */
bool route_lookup(uint32_t dst_be, struct route_nh *nh);
/* Control thread: connected routes follow addresses (reference counted
 * when several addresses share a prefix). */
int route_connected_add(uint16_t port_idx, uint32_t addr_be, uint8_t plen, char *err,
			size_t errlen);
void route_connected_del(uint16_t port_idx, uint32_t addr_be, uint8_t plen);
/* Control thread: true when addr is inside a connected prefix of port. */
bool route_is_connected(uint16_t port_idx, uint32_t addr_be);
int route_init(char *err, size_t errlen);
void route_fini(void);
int route_save(char *err, size_t errlen);
int route_restore(char *err, size_t errlen);
void route_save_drop(void);

/* ---- neigh.c ---- */
/* Worker lcore: sends m (data at the IPv4 header) to nexthop on port,
 * resolving it first when needed. Always consumes m. */
void neigh_output(struct worker *w, uint16_t port_idx, uint32_t nexthop_be, struct rte_mbuf *m);
/* Worker lcore: the MAC of a resolved (REACHABLE or PERMANENT) next hop,
 * from the worker's cache or the table (then cached under gen); false when
 * it is unknown, unresolved or STALE (neigh_output's business). */
bool neigh_resolved(struct worker *w, uint16_t port_idx, uint32_t nexthop_be, uint32_t gen,
		    uint64_t *mac);
/* Worker lcore: what an ARP packet taught us. create: add the sender when
 * unknown (the ARP was about one of our addresses). */
void neigh_learn(struct worker *w, uint16_t port_idx, uint32_t addr_be,
		 const struct rte_ether_addr *mac, bool create);
int neigh_init(char *err, size_t errlen);
void neigh_fini(void);
int neigh_save(char *err, size_t errlen);
int neigh_restore(char *err, size_t errlen);
void neigh_save_drop(void);
void neigh_tick(uint64_t now_sec);

/* ---- shared helpers ---- */
static inline bool inet_is_martian_src(uint32_t addr_be)
{
	uint32_t a = rte_be_to_cpu_32(addr_be);

	return a == 0 || a == UINT32_MAX || (a >> 28) == 0xe || (a >> 24) == 127;
}

static inline uint32_t inet_prefix_mask(uint8_t plen)
{
	return plen ? rte_cpu_to_be_32(~0u << (32 - plen)) : 0;
}

/* ---- inet.c: control-thread helpers ---- */
/* Formats "a.b.c.d" into buf (at least INET_ADDRSTRLEN) and returns it. */
const char *inet_ntoa_be(uint32_t addr_be, char *buf);
/* The port named by a request's ifname field (checked for a NUL and for
 * existence): its port_idx, or -ENODEV / -EINVAL with a message. */
int inet_port_of(const char *ifname, char *err, size_t errlen);
/* Checks the family field of a request: 0 or -EAFNOSUPPORT with a message. */
int inet_check_family(uint8_t family, char *err, size_t errlen);
/* The last now_sec the control thread's tick saw (for control-side ages). */
uint64_t inet_now_sec(void);

#endif /* DPVS_INET_PRIV_H */
