/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ifaddr: our IPv4 addresses (DIPs, VIPs, local addresses), per port.
 *
 * Workers ask two questions per packet: "is this address ours?" (source
 * and destination checks) and "is it ours, or our subnet's broadcast, on
 * this port?" (ARP, local delivery). They read an immutable snapshot: the
 * addresses in the order they were added (for listing and source
 * selection) and a sorted index of (address, port) keys searched in
 * O(log n), since a balancer may carry hundreds of VIPs. The control
 * thread, the only writer, builds a new snapshot per change, publishes it
 * with one pointer store and frees the old one after dp_rcu_synchronize().
 *
 * An address is unique across ports (one owner answers its ARP). Adding
 * one adds its connected route; deleting it deletes the route.
 *
 * Floating Full-NAT local addresses (two directors, inet_set_lip_float):
 * a LIP a service holds while the address is not ours waits in `held`
 * (the control thread's alone; workers never read it), so the director
 * that takes the address over (dpip addr add, by keepalived's notify)
 * flags it at once, in the same snapshot: its replies are steered by
 * local port from their first packet. Not ours, it answers no ARP, and
 * ipvs gives its synced conns no packet (fnat-lip-absent).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "inet/inet.h"
#include "inet/inet_priv.h"
#include "netif/netif.h"
#include "dp/dp.h"

#define IFADDR_MAX   4096
#define LIP_HELD_MAX 256 /* distinct LIPs held while not ours */

struct ifaddr {
	uint32_t addr_be;
	uint16_t port_idx;
	uint16_t flags; /* DPVS_ADDR_F_* */
	uint8_t plen;
};

/* One index entry: key = host-order address << 16 | port, so entries of
 * one address sit together and sort by port. */
struct ifaddr_key {
	uint64_t key;
	uint8_t match; /* enum ifaddr_match */
	uint16_t flags;
};

/* A bit per hash of every local address: most packets' sources are not
 * ours, and one test of this filter says so without the binary search
 * (a set bit may be another address's: then the search decides). */
#define IFADDR_FILTER_BITS 1024

struct ifaddr_snap {
	unsigned naddr, nkeys;
	struct ifaddr *addrs;
	struct ifaddr_key *keys;
	uint64_t filter[IFADDR_FILTER_BITS / 64];
};

static struct ifaddr_snap empty_snap;
static struct ifaddr_snap *cur_snap = &empty_snap;
/* The snapshot in force at inet_save(): kept (snap_publish does not free
 * it) so that a rolled-back reload publishes it again as it was, with
 * the same addresses in the same order (source selection takes the
 * first) and the same flags. NULL: no savepoint. */
static struct ifaddr_snap *saved_snap;

static bool lip_float;
static uint32_t held[LIP_HELD_MAX];
static unsigned nheld;

static int held_find(uint32_t addr_be)
{
	for (unsigned i = 0; i < nheld; i++)
		if (held[i] == addr_be)
			return (int)i;
	return -1;
}

static void held_remove(uint32_t addr_be)
{
	int i = held_find(addr_be);

	if (i >= 0)
		held[i] = held[--nheld];
}

void inet_set_lip_float(bool on)
{
	lip_float = on;
}

bool inet_lip_is_held(uint32_t addr_be)
{
	return held_find(addr_be) >= 0;
}

static inline const struct ifaddr_snap *snap_get(void)
{
	return __atomic_load_n(&cur_snap, __ATOMIC_ACQUIRE);
}

static inline uint64_t ifaddr_key_of(uint32_t addr_be, uint16_t port_idx)
{
	return (uint64_t)rte_be_to_cpu_32(addr_be) << 16 | port_idx;
}

static inline unsigned filter_bit(uint32_t addr_be)
{
	return (uint32_t)(addr_be * 0x9e3779b1u) >> (32 - 10); /* 10 = log2(bits) */
}

_Static_assert(IFADDR_FILTER_BITS == 1u << 10, "filter_bit() takes 10 bits");

/* First index entry whose key is >= key. */
static unsigned keys_lower_bound(const struct ifaddr_snap *s, uint64_t key)
{
	unsigned lo = 0, hi = s->nkeys;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;

		if (s->keys[mid].key < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

enum ifaddr_match ifaddr_match(uint16_t port_idx, uint32_t addr_be, uint16_t *flags)
{
	const struct ifaddr_snap *s = snap_get();
	uint64_t key = ifaddr_key_of(addr_be, port_idx);
	unsigned i = keys_lower_bound(s, key);
	enum ifaddr_match best = IFADDR_NONE;

	/* An address may be both ours and a subnet's broadcast: ours wins. */
	for (; i < s->nkeys && s->keys[i].key == key; i++) {
		if (s->keys[i].match == IFADDR_LOCAL) {
			if (flags)
				*flags = s->keys[i].flags;
			return IFADDR_LOCAL;
		}
		best = IFADDR_BROADCAST;
	}
	return best;
}

bool inet_addr_is_local(uint32_t addr_be)
{
	const struct ifaddr_snap *s = snap_get();
	unsigned bit = filter_bit(addr_be);

	if (likely(!(s->filter[bit / 64] >> (bit % 64) & 1)))
		return false;
	uint64_t key = ifaddr_key_of(addr_be, 0);
	unsigned i = keys_lower_bound(s, key);

	for (; i < s->nkeys && (s->keys[i].key >> 16) == (key >> 16); i++)
		if (s->keys[i].match == IFADDR_LOCAL)
			return true;
	return false;
}

int inet_addr_local_flags(uint32_t addr_be)
{
	const struct ifaddr_snap *s = snap_get();
	unsigned bit = filter_bit(addr_be);

	if (likely(!(s->filter[bit / 64] >> (bit % 64) & 1)))
		return -1;
	uint64_t key = ifaddr_key_of(addr_be, 0);
	unsigned i = keys_lower_bound(s, key);

	for (; i < s->nkeys && (s->keys[i].key >> 16) == (key >> 16); i++)
		if (s->keys[i].match == IFADDR_LOCAL)
			return s->keys[i].flags;
	return -1;
}

bool inet_addr_is_lip(uint32_t addr_be)
{
	int f = inet_addr_local_flags(addr_be);

	return f >= 0 && (f & DPVS_ADDR_F_LIP);
}

uint32_t ifaddr_pick_src(uint16_t port_idx, uint32_t target_be)
{
	const struct ifaddr_snap *s = snap_get();
	uint32_t first = 0;

	for (unsigned i = 0; i < s->naddr; i++) {
		const struct ifaddr *a = &s->addrs[i];
		uint32_t mask = inet_prefix_mask(a->plen);

		if (a->port_idx != port_idx)
			continue;
		if (((a->addr_be ^ target_be) & mask) == 0)
			return a->addr_be;
		if (!first)
			first = a->addr_be;
	}
	return first;
}

static int key_cmp(const void *a, const void *b)
{
	const struct ifaddr_key *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return (int)x->match - (int)y->match;
}

/* Builds the snapshot holding addrs[0..n) (copied). NULL without memory. */
static struct ifaddr_snap *snap_build(const struct ifaddr *addrs, unsigned n)
{
	size_t sz = sizeof(struct ifaddr_snap) + 2 * n * sizeof(struct ifaddr_key) +
		    n * sizeof(struct ifaddr);
	struct ifaddr_snap *s = calloc(1, sz);

	if (!s)
		return NULL;
	/* The 8-byte aligned keys first, then the 12-byte addresses. */
	s->keys = (struct ifaddr_key *)(s + 1);
	s->addrs = (struct ifaddr *)(s->keys + 2 * n);
	if (n)
		memcpy(s->addrs, addrs, n * sizeof(*addrs));
	s->naddr = n;
	for (unsigned i = 0; i < n; i++) {
		const struct ifaddr *a = &addrs[i];
		uint32_t mask = inet_prefix_mask(a->plen);

		unsigned bit = filter_bit(a->addr_be);

		s->filter[bit / 64] |= 1ull << (bit % 64);
		s->keys[s->nkeys++] = (struct ifaddr_key){
			.key = ifaddr_key_of(a->addr_be, a->port_idx),
			.match = IFADDR_LOCAL,
			.flags = a->flags,
		};
		/* /31 and /32 have no broadcast address (RFC 3021). */
		if (a->plen < 31)
			s->keys[s->nkeys++] = (struct ifaddr_key){
				.key = ifaddr_key_of(a->addr_be | ~mask, a->port_idx),
				.match = IFADDR_BROADCAST,
			};
	}
	qsort(s->keys, s->nkeys, sizeof(*s->keys), key_cmp);
	return s;
}

/* Publishes s and frees the snapshot it replaces once no worker holds it. */
static void snap_publish(struct ifaddr_snap *s)
{
	struct ifaddr_snap *old = cur_snap;

	__atomic_store_n(&cur_snap, s, __ATOMIC_RELEASE);
	dp_rcu_synchronize();
	if (old != &empty_snap && old != saved_snap)
		free(old);
}

void ifaddr_save(void)
{
	ifaddr_save_drop();
	saved_snap = cur_snap;
}

void ifaddr_restore(void)
{
	if (!saved_snap || saved_snap == cur_snap)
		return;
	/* a floating LIP whose address a rolled-back add brought: held again */
	for (unsigned i = 0; i < cur_snap->naddr; i++) {
		const struct ifaddr *a = &cur_snap->addrs[i];
		bool kept = false;

		for (unsigned j = 0; j < saved_snap->naddr && !kept; j++)
			kept = saved_snap->addrs[j].addr_be == a->addr_be;
		if (!kept && (a->flags & DPVS_ADDR_F_LIP) && held_find(a->addr_be) < 0 &&
		    nheld < LIP_HELD_MAX)
			held[nheld++] = a->addr_be;
	}
	snap_publish(saved_snap);
	/* a LIP whose address a rolled-back removal took is flagged again */
	for (unsigned i = 0; i < saved_snap->naddr; i++)
		held_remove(saved_snap->addrs[i].addr_be);
	/* the sources cached egresses took may have been the rolled-back ones */
	inet_egress_changed();
}

void ifaddr_save_drop(void)
{
	/* no longer published (its replacement waited for the grace period) */
	if (saved_snap && saved_snap != cur_snap && saved_snap != &empty_snap)
		free(saved_snap);
	saved_snap = NULL;
}

int inet_addr_check_value(const struct dpvs_addr *a, char *err, size_t errlen)
{
	char ip[INET_ADDRSTRLEN];
	int rc = inet_check_family(a->family, err, errlen);

	if (rc < 0)
		return rc;
	if (a->prefixlen < 1 || a->prefixlen > 32) {
		snprintf(err, errlen, "prefix length %u is out of range (1..32)", a->prefixlen);
		return -EINVAL;
	}
	if (a->flags & ~DPVS_ADDR_F_VIP) {
		snprintf(err, errlen, "unknown address flags 0x%x", a->flags);
		return -EINVAL;
	}
	if (inet_is_martian_src(a->addr.in.s_addr)) {
		snprintf(err, errlen,
			 "%s cannot be an interface address "
			 "(zero, broadcast, multicast or loopback)",
			 inet_ntoa_be(a->addr.in.s_addr, ip));
		return -EINVAL;
	}
	return 0;
}

/* Checks a request and returns its port, or a negative errno with err. */
static int addr_check(const struct dpvs_addr *a, char *err, size_t errlen)
{
	int port_idx = inet_port_of(a->ifname, err, errlen);

	if (port_idx < 0)
		return port_idx;
	int rc = inet_addr_check_value(a, err, errlen);
	return rc < 0 ? rc : port_idx;
}

int inet_addr_add(const struct dpvs_addr *a, char *err, size_t errlen)
{
	const struct ifaddr_snap *s = cur_snap;
	char ip[INET_ADDRSTRLEN];
	int port_idx = addr_check(a, err, errlen);

	if (port_idx < 0)
		return port_idx;
	for (unsigned i = 0; i < s->naddr; i++) {
		if (s->addrs[i].addr_be != a->addr.in.s_addr)
			continue;
		snprintf(err, errlen, "address %s/%u already exists on %s",
			 inet_ntoa_be(a->addr.in.s_addr, ip), s->addrs[i].plen,
			 netif_port(s->addrs[i].port_idx)->name);
		return -EEXIST;
	}
	if (s->naddr >= IFADDR_MAX) {
		snprintf(err, errlen, "too many addresses (at most %u)", IFADDR_MAX);
		return -ENOSPC;
	}
	bool lip = held_find(a->addr.in.s_addr) >= 0;

	if (lip && (a->flags & DPVS_ADDR_F_VIP)) {
		snprintf(err, errlen,
			 "%s is a Full-NAT local address a service holds; it cannot "
			 "be a VIP",
			 inet_ntoa_be(a->addr.in.s_addr, ip));
		return -EINVAL;
	}

	struct ifaddr *addrs = malloc((s->naddr + 1) * sizeof(*addrs));
	if (!addrs) {
		snprintf(err, errlen, "out of memory adding an address");
		return -ENOMEM;
	}
	if (s->naddr)
		memcpy(addrs, s->addrs, s->naddr * sizeof(*addrs));
	addrs[s->naddr] = (struct ifaddr){
		.addr_be = a->addr.in.s_addr,
		.port_idx = (uint16_t)port_idx,
		/* a floating LIP coming to this director: flagged at once */
		.flags = (uint16_t)(a->flags | (lip ? DPVS_ADDR_F_LIP : 0)),
		.plen = a->prefixlen,
	};
	struct ifaddr_snap *ns = snap_build(addrs, s->naddr + 1);
	free(addrs);
	if (!ns) {
		snprintf(err, errlen, "out of memory adding an address");
		return -ENOMEM;
	}
	int rc = route_connected_add((uint16_t)port_idx, a->addr.in.s_addr, a->prefixlen, err,
				     errlen);
	if (rc < 0) {
		free(ns);
		return rc;
	}
	snap_publish(ns);
	if (lip)
		held_remove(a->addr.in.s_addr);
	/* the source a cached egress took (a tunnel's outer source) may change */
	inet_egress_changed();
	return 0;
}

/* The index of the address a request deletes, or -errno with err: what
 * inet_addr_del would refuse. */
static int addr_del_find(const struct ifaddr_snap *s, const struct dpvs_addr *a, char *err,
			 size_t errlen)
{
	char ip[INET_ADDRSTRLEN];
	int port_idx = addr_check(a, err, errlen);
	unsigned i;

	if (port_idx < 0)
		return port_idx;
	for (i = 0; i < s->naddr; i++)
		if (s->addrs[i].addr_be == a->addr.in.s_addr && s->addrs[i].port_idx == port_idx &&
		    s->addrs[i].plen == a->prefixlen)
			break;
	if (i == s->naddr) {
		snprintf(err, errlen, "address %s/%u not found on %s",
			 inet_ntoa_be(a->addr.in.s_addr, ip), a->prefixlen,
			 netif_port((uint16_t)port_idx)->name);
		return -ENOENT;
	}
	/* Full-NAT conns leave from it: their replies would have nowhere to
	 * go, unless it floats (the other director takes it over; the
	 * service holds it meanwhile) */
	if ((s->addrs[i].flags & DPVS_ADDR_F_LIP) && lip_float && nheld >= LIP_HELD_MAX) {
		snprintf(err, errlen,
			 "address %s: too many Full-NAT local addresses held while "
			 "not ours (at most %u)",
			 inet_ntoa_be(a->addr.in.s_addr, ip), LIP_HELD_MAX);
		return -ENOSPC;
	}
	if ((s->addrs[i].flags & DPVS_ADDR_F_LIP) && !lip_float) {
		snprintf(err, errlen,
			 "address %s is a Full-NAT local address of a service "
			 "(ipvsadm --del-laddr it first)",
			 inet_ntoa_be(a->addr.in.s_addr, ip));
		return -EBUSY;
	}
	return (int)i;
}

int inet_addr_del_check(const struct dpvs_addr *a, char *err, size_t errlen)
{
	int i = addr_del_find(cur_snap, a, err, errlen);

	return i < 0 ? i : 0;
}

int inet_addr_del(const struct dpvs_addr *a, char *err, size_t errlen)
{
	const struct ifaddr_snap *s = cur_snap;
	int found = addr_del_find(s, a, err, errlen);

	if (found < 0)
		return found;
	unsigned i = (unsigned)found;

	struct ifaddr removed = s->addrs[i];
	struct ifaddr *addrs = malloc(s->naddr * sizeof(*addrs));
	if (!addrs) {
		snprintf(err, errlen, "out of memory deleting an address");
		return -ENOMEM;
	}
	memcpy(addrs, s->addrs, i * sizeof(*addrs)); /* s->addrs is not NULL: i exists */
	memcpy(addrs + i, s->addrs + i + 1, (s->naddr - i - 1) * sizeof(*addrs));
	struct ifaddr_snap *ns = snap_build(addrs, s->naddr - 1);
	free(addrs);
	if (!ns) {
		snprintf(err, errlen, "out of memory deleting an address");
		return -ENOMEM;
	}
	snap_publish(ns);
	if (removed.flags & DPVS_ADDR_F_LIP)
		held[nheld++] = removed.addr_be; /* room checked by addr_del_find */
	route_connected_del(removed.port_idx, removed.addr_be, removed.plen);
	inet_egress_changed();
	return 0;
}

int inet_addr_set_lip(uint32_t addr_be, const char *ifname, bool on, char *err, size_t errlen)
{
	const struct ifaddr_snap *s = cur_snap;
	char ip[INET_ADDRSTRLEN];
	unsigned i;

	for (i = 0; i < s->naddr; i++)
		if (s->addrs[i].addr_be == addr_be)
			break;
	if (i == s->naddr && !on) {
		held_remove(addr_be);
		return 0;
	}
	if (i == s->naddr && lip_float) {
		/* the other director's for now: held until dpip addr add */
		int pi = ifname && ifname[0] ? inet_port_of(ifname, err, errlen) : 0;

		if (pi < 0)
			return pi;
		if (held_find(addr_be) >= 0)
			return 0;
		if (nheld >= LIP_HELD_MAX) {
			snprintf(err, errlen,
				 "%s: too many Full-NAT local addresses held while "
				 "not ours (at most %u)",
				 inet_ntoa_be(addr_be, ip), LIP_HELD_MAX);
			return -ENOSPC;
		}
		held[nheld++] = addr_be;
		return 0;
	}
	if (i == s->naddr) {
		snprintf(err, errlen,
			 "%s is not an address of the daemon (add it first: "
			 "dpip addr add %s/PLEN dev PORT)",
			 inet_ntoa_be(addr_be, ip), ip);
		return -EADDRNOTAVAIL;
	}
	if (ifname && ifname[0]) {
		const struct dp_port *p = netif_port(s->addrs[i].port_idx);

		if (!p || strcmp(p->name, ifname) != 0) {
			snprintf(err, errlen, "%s is on %s, not on %s", inet_ntoa_be(addr_be, ip),
				 p ? p->name : "?", ifname);
			return -EINVAL;
		}
	}
	if (on && (s->addrs[i].flags & DPVS_ADDR_F_VIP)) {
		/* a VIP's packets are the clients': replies could not be told apart */
		snprintf(err, errlen, "%s is a VIP; a local address must be another of the "
			 "daemon's addresses", inet_ntoa_be(addr_be, ip));
		return -EINVAL;
	}
	if (!!(s->addrs[i].flags & DPVS_ADDR_F_LIP) == on)
		return 0;

	struct ifaddr *addrs = malloc(s->naddr * sizeof(*addrs));
	if (!addrs) {
		snprintf(err, errlen, "out of memory flagging a local address");
		return -ENOMEM;
	}
	memcpy(addrs, s->addrs, s->naddr * sizeof(*addrs));
	if (on)
		addrs[i].flags |= DPVS_ADDR_F_LIP;
	else
		addrs[i].flags &= (uint16_t)~DPVS_ADDR_F_LIP;
	struct ifaddr_snap *ns = snap_build(addrs, s->naddr);
	free(addrs);
	if (!ns) {
		snprintf(err, errlen, "out of memory flagging a local address");
		return -ENOMEM;
	}
	snap_publish(ns);
	return 0;
}

unsigned inet_addr_list(struct dpvs_addr *out, unsigned max)
{
	const struct ifaddr_snap *s = cur_snap;

	for (unsigned i = 0; i < s->naddr && i < max; i++) {
		const struct ifaddr *a = &s->addrs[i];
		const struct dp_port *p = netif_port(a->port_idx);

		memset(&out[i], 0, sizeof(out[i]));
		if (p)
			snprintf(out[i].ifname, sizeof(out[i].ifname), "%s", p->name);
		out[i].family = AF_INET;
		out[i].prefixlen = a->plen;
		out[i].flags = a->flags;
		out[i].addr.in.s_addr = a->addr_be;
	}
	return s->naddr;
}

int ifaddr_init(char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	cur_snap = &empty_snap;
	return 0;
}

void ifaddr_fini(void)
{
	nheld = 0;
	lip_float = false;
	ifaddr_save_drop();
	snap_publish(&empty_snap);
}
