/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * route: the IPv4 routing table: connected prefixes (from our addresses),
 * static routes through a gateway, and the default route.
 *
 * Lookups run on every forwarded packet, so they go through DPDK's LPM
 * (DIR-24-8: one or two memory reads). The LPM maps a prefix to an index
 * into routes[], which holds what the data path needs (port, gateway).
 * Depth 0 is not an LPM rule, so the default route is a separate index
 * tried when the LPM misses.
 *
 * Concurrency: the control thread is the only writer; workers read
 * without locks. A slot of routes[] is filled before its index is
 * published in the LPM and is cleared (and may be reused) only after the
 * rule is gone and dp_rcu_synchronize() returned. The LPM's own tbl8
 * groups are reclaimed through its RCU hook when dp_rcu exists.
 */
/* rte_lpm_rcu_qsbr_add() is still "experimental" in DPDK 22.11. */
#define ALLOW_EXPERIMENTAL_API
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <rte_lpm.h>

#include "inet/inet.h"
#include "inet/inet_priv.h"
#include "netif/netif.h"
#include "dp/dp.h"

#define ROUTE_MAX 1024
#define ROUTE_TBL8S 1024 /* one per prefix longer than /24 in its own /24 */

struct route_entry {
	uint32_t dst_be; /* masked */
	uint32_t gw_be;  /* 0: on-link */
	uint32_t src_be;
	uint32_t metric;
	uint32_t refs; /* connected: addresses sharing the prefix */
	uint16_t port_idx;
	uint16_t flags; /* DPVS_ROUTE_F_* */
	uint8_t plen;
	bool in_use;
};

static struct route_entry routes[ROUTE_MAX];
static struct rte_lpm *lpm;
static int32_t default_nh = -1; /* index of 0.0.0.0/0 in routes[], or -1 */

bool route_lookup(uint32_t dst_be, struct route_nh *nh)
{
	uint32_t idx;

	if (unlikely(rte_lpm_lookup(lpm, rte_be_to_cpu_32(dst_be), &idx) != 0)) {
		int32_t d = __atomic_load_n(&default_nh, __ATOMIC_ACQUIRE);

		if (d < 0)
			return false;
		idx = (uint32_t)d;
	}
	const struct route_entry *r = &routes[idx];

	nh->port_idx = r->port_idx;
	nh->nexthop_be = r->gw_be ? r->gw_be : dst_be;
	nh->src_be = r->src_be;
	return true;
}

int inet_onlink_port(uint32_t addr_be)
{
	struct route_nh nh;

	if (!lpm) /* no stack (dpvs -t): nothing is on-link */
		return -1;
	if (!route_lookup(addr_be, &nh) || nh.nexthop_be != addr_be)
		return -1;
	return nh.port_idx;
}

static struct route_entry *route_find(uint32_t dst_be, uint8_t plen)
{
	for (unsigned i = 0; i < ROUTE_MAX; i++)
		if (routes[i].in_use && routes[i].plen == plen && routes[i].dst_be == dst_be)
			return &routes[i];
	return NULL;
}

static const char *port_name(uint16_t port_idx)
{
	const struct dp_port *p = netif_port(port_idx);

	return p ? p->name : "?";
}

/* Fills a free slot with *tmpl and publishes it. 0 or -errno with err. */
static int route_insert(const struct route_entry *tmpl, char *err, size_t errlen)
{
	char ip[INET_ADDRSTRLEN];
	unsigned i;

	for (i = 0; i < ROUTE_MAX && routes[i].in_use; i++)
		;
	if (i == ROUTE_MAX) {
		snprintf(err, errlen, "routing table full (%u routes)", ROUTE_MAX);
		return -ENOSPC;
	}
	routes[i] = *tmpl;
	routes[i].in_use = true;
	/* The slot must be complete before a worker can reach it. */
	rte_atomic_thread_fence(__ATOMIC_RELEASE);
	if (tmpl->plen == 0) {
		__atomic_store_n(&default_nh, (int32_t)i, __ATOMIC_RELEASE);
		inet_egress_changed();
		return 0;
	}
	int rc = rte_lpm_add(lpm, rte_be_to_cpu_32(tmpl->dst_be), tmpl->plen, i);
	if (rc < 0) {
		routes[i].in_use = false;
		snprintf(err, errlen, "cannot add route %s/%u: %s", inet_ntoa_be(tmpl->dst_be, ip),
			 tmpl->plen, strerror(-rc));
		return rc == -ENOSPC ? -ENOSPC : -EINVAL;
	}
	/* a more specific route may take over destinations cached elsewhere */
	inet_egress_changed();
	return 0;
}

/* Unpublishes r, waits until no worker can hold its index, frees it. */
static void route_remove(struct route_entry *r)
{
	if (r->plen == 0)
		__atomic_store_n(&default_nh, -1, __ATOMIC_RELEASE);
	else
		rte_lpm_delete(lpm, rte_be_to_cpu_32(r->dst_be), r->plen);
	inet_egress_changed();
	dp_rcu_synchronize();
	memset(r, 0, sizeof(*r));
}

unsigned inet_route_capacity(void)
{
	return ROUTE_MAX;
}

int route_connected_add(uint16_t port_idx, uint32_t addr_be, uint8_t plen, char *err,
			size_t errlen)
{
	char ip[INET_ADDRSTRLEN];
	uint32_t dst_be = addr_be & inet_prefix_mask(plen);
	struct route_entry *r = route_find(dst_be, plen);

	if (r) {
		/* A second address in the same subnet of the same port. */
		if ((r->flags & DPVS_ROUTE_F_CONNECTED) && r->port_idx == port_idx) {
			r->refs++;
			return 0;
		}
		snprintf(err, errlen, "route %s/%u already exists on %s; delete it first",
			 inet_ntoa_be(dst_be, ip), plen, port_name(r->port_idx));
		return -EEXIST;
	}
	struct route_entry tmpl = {
		.dst_be = dst_be,
		.src_be = addr_be,
		.refs = 1,
		.port_idx = port_idx,
		.flags = DPVS_ROUTE_F_CONNECTED,
		.plen = plen,
	};
	return route_insert(&tmpl, err, errlen);
}

void route_connected_del(uint16_t port_idx, uint32_t addr_be, uint8_t plen)
{
	struct route_entry *r = route_find(addr_be & inet_prefix_mask(plen), plen);

	if (!r || !(r->flags & DPVS_ROUTE_F_CONNECTED) || r->port_idx != port_idx)
		return;
	if (--r->refs == 0)
		route_remove(r);
}

bool route_is_connected(uint16_t port_idx, uint32_t addr_be)
{
	for (unsigned i = 0; i < ROUTE_MAX; i++) {
		const struct route_entry *r = &routes[i];

		if (r->in_use && (r->flags & DPVS_ROUTE_F_CONNECTED) && r->port_idx == port_idx &&
		    ((addr_be ^ r->dst_be) & inet_prefix_mask(r->plen)) == 0)
			return true;
	}
	return false;
}

/* The port of a connected prefix holding addr, or -1. */
static int route_connected_port(uint32_t addr_be)
{
	for (uint16_t p = 0; p < netif_port_count(); p++)
		if (route_is_connected(p, addr_be))
			return p;
	return -1;
}

/* Common checks of ROUTE_ADD/DEL: family, prefix, host bits. */
static int route_check_prefix(const struct dpvs_route *q, char *err, size_t errlen)
{
	char ip[INET_ADDRSTRLEN], net[INET_ADDRSTRLEN];
	int rc = inet_check_family(q->family, err, errlen);

	if (rc < 0)
		return rc;
	if (q->prefixlen > 32) {
		snprintf(err, errlen, "prefix length %u is out of range (0..32)", q->prefixlen);
		return -EINVAL;
	}
	if (q->dst.in.s_addr & ~inet_prefix_mask(q->prefixlen)) {
		snprintf(err, errlen, "%s/%u has host bits set (the prefix is %s/%u)",
			 inet_ntoa_be(q->dst.in.s_addr, ip), q->prefixlen,
			 inet_ntoa_be(q->dst.in.s_addr & inet_prefix_mask(q->prefixlen), net),
			 q->prefixlen);
		return -EINVAL;
	}
	return 0;
}

int inet_route_check_value(const struct dpvs_route *q, char *err, size_t errlen)
{
	char gw[INET_ADDRSTRLEN];
	int rc = route_check_prefix(q, err, errlen);

	if (rc < 0)
		return rc;
	if (q->flags) {
		snprintf(err, errlen, "route flags 0x%x not accepted (connected routes come "
			 "from addresses)", q->flags);
		return -EINVAL;
	}
	if (q->gateway.in.s_addr && inet_is_martian_src(q->gateway.in.s_addr)) {
		snprintf(err, errlen, "gateway %s is not a valid neighbour address",
			 inet_ntoa_be(q->gateway.in.s_addr, gw));
		return -EINVAL;
	}
	return 0;
}

int inet_route_add(const struct dpvs_route *q, char *err, size_t errlen)
{
	char ip[INET_ADDRSTRLEN], gw[INET_ADDRSTRLEN];
	uint32_t gw_be = q->gateway.in.s_addr;
	int port_idx = -1;
	int rc = inet_route_check_value(q, err, errlen);

	if (rc < 0)
		return rc;
	if (q->ifname[0] || !gw_be) {
		port_idx = inet_port_of(q->ifname, err, errlen);
		if (port_idx < 0)
			return port_idx;
	}
	if (gw_be) {
		if (inet_addr_is_local(gw_be)) {
			snprintf(err, errlen, "gateway %s is not a valid neighbour address",
				 inet_ntoa_be(gw_be, gw));
			return -EINVAL;
		}
		if (port_idx < 0)
			port_idx = route_connected_port(gw_be);
		if (port_idx < 0 || !route_is_connected((uint16_t)port_idx, gw_be)) {
			snprintf(err, errlen, "gateway %s is not reachable on %s",
				 inet_ntoa_be(gw_be, gw),
				 port_idx < 0 ? "any port" : port_name((uint16_t)port_idx));
			return -ENETUNREACH;
		}
	}
	if (q->src.in.s_addr && !inet_addr_is_local(q->src.in.s_addr)) {
		snprintf(err, errlen, "source %s is not one of our addresses",
			 inet_ntoa_be(q->src.in.s_addr, ip));
		return -EADDRNOTAVAIL;
	}
	if (route_find(q->dst.in.s_addr, q->prefixlen)) {
		snprintf(err, errlen, "route %s/%u already exists",
			 inet_ntoa_be(q->dst.in.s_addr, ip), q->prefixlen);
		return -EEXIST;
	}
	struct route_entry tmpl = {
		.dst_be = q->dst.in.s_addr,
		.gw_be = gw_be,
		.src_be = q->src.in.s_addr,
		.metric = q->metric,
		.port_idx = (uint16_t)port_idx,
		.plen = q->prefixlen,
	};
	return route_insert(&tmpl, err, errlen);
}

int inet_route_del(const struct dpvs_route *q, char *err, size_t errlen)
{
	char ip[INET_ADDRSTRLEN];
	int rc = route_check_prefix(q, err, errlen);

	if (rc < 0)
		return rc;
	struct route_entry *r = route_find(q->dst.in.s_addr, q->prefixlen);
	int port_idx = -1;

	if (r && q->ifname[0]) {
		port_idx = inet_port_of(q->ifname, err, errlen);
		if (port_idx < 0)
			return port_idx;
	}
	/* Optional fields narrow the match, as `ip route del ... via ... dev` does. */
	if (!r || (port_idx >= 0 && r->port_idx != port_idx) ||
	    (q->gateway.in.s_addr && r->gw_be != q->gateway.in.s_addr)) {
		snprintf(err, errlen, "route %s/%u not found", inet_ntoa_be(q->dst.in.s_addr, ip),
			 q->prefixlen);
		return -ESRCH;
	}
	if (r->flags & DPVS_ROUTE_F_CONNECTED) {
		snprintf(err, errlen, "route %s/%u is connected to an address on %s; delete "
			 "the address instead", inet_ntoa_be(r->dst_be, ip), r->plen,
			 port_name(r->port_idx));
		return -EPERM;
	}
	route_remove(r);
	return 0;
}

unsigned inet_route_list(struct dpvs_route *out, unsigned max)
{
	unsigned n = 0;

	for (unsigned i = 0; i < ROUTE_MAX; i++) {
		const struct route_entry *r = &routes[i];

		if (!r->in_use)
			continue;
		if (n < max) {
			struct dpvs_route *o = &out[n];

			memset(o, 0, sizeof(*o));
			snprintf(o->ifname, sizeof(o->ifname), "%s", port_name(r->port_idx));
			o->family = AF_INET;
			o->prefixlen = r->plen;
			o->flags = r->flags;
			o->dst.in.s_addr = r->dst_be;
			o->gateway.in.s_addr = r->gw_be;
			o->src.in.s_addr = r->src_be;
			o->metric = r->metric;
		}
		n++;
	}
	return n;
}

/* ---- savepoint (inet_save): the table as it was, slot by slot ---- */

static struct route_entry *saved_routes; /* ROUTE_MAX entries, or NULL */

int route_save(char *err, size_t errlen)
{
	route_save_drop();
	saved_routes = malloc(sizeof(routes));
	if (!saved_routes) {
		snprintf(err, errlen, "out of memory saving the route table");
		return -ENOMEM;
	}
	memcpy(saved_routes, routes, sizeof(routes));
	return 0;
}

void route_save_drop(void)
{
	free(saved_routes);
	saved_routes = NULL;
}

/* What a worker reads of a slot (refs is the control thread's alone). */
static bool route_same(const struct route_entry *a, const struct route_entry *b)
{
	if (!a->in_use || !b->in_use)
		return a->in_use == b->in_use;
	return a->dst_be == b->dst_be && a->plen == b->plen && a->gw_be == b->gw_be &&
	       a->src_be == b->src_be && a->metric == b->metric && a->port_idx == b->port_idx &&
	       a->flags == b->flags;
}

/*
 * Puts every slot back as it was at route_save(): the rules of slots
 * that changed are withdrawn first and, after one grace period, the
 * saved ones written and published again under their own index. The
 * LPM gives back the tbl8 groups of withdrawn rules (RCU SYNC mode), and
 * the saved set of prefixes fitted before, so the adds fit again.
 */
int route_restore(char *err, size_t errlen)
{
	static bool changed[ROUTE_MAX];
	char ip[INET_ADDRSTRLEN];
	bool any = false;
	int first = 0;

	if (!saved_routes)
		return 0;
	for (unsigned i = 0; i < ROUTE_MAX; i++) {
		changed[i] = !route_same(&routes[i], &saved_routes[i]);
		if (!changed[i] || !routes[i].in_use)
			continue;
		if (routes[i].plen == 0)
			__atomic_store_n(&default_nh, -1, __ATOMIC_RELEASE);
		else
			rte_lpm_delete(lpm, rte_be_to_cpu_32(routes[i].dst_be), routes[i].plen);
		any = true;
	}
	if (any) {
		inet_egress_changed();
		dp_rcu_synchronize(); /* no worker holds a withdrawn slot's index */
	}
	for (unsigned i = 0; i < ROUTE_MAX; i++) {
		const struct route_entry *r = &saved_routes[i];

		if (!changed[i]) {
			routes[i].refs = r->refs;
			continue;
		}
		memset(&routes[i], 0, sizeof(routes[i]));
		if (!r->in_use)
			continue;
		routes[i] = *r;
		rte_atomic_thread_fence(__ATOMIC_RELEASE);
		if (r->plen == 0) {
			__atomic_store_n(&default_nh, (int32_t)i, __ATOMIC_RELEASE);
			continue;
		}
		int rc = rte_lpm_add(lpm, rte_be_to_cpu_32(r->dst_be), r->plen, i);
		if (rc < 0) {
			routes[i].in_use = false;
			if (!first)
				snprintf(err, errlen, "cannot put route %s/%u back: %s",
					 inet_ntoa_be(r->dst_be, ip), r->plen, strerror(-rc));
			first = first ? first : rc;
		}
	}
	inet_egress_changed();
	return first;
}

int route_init(char *err, size_t errlen)
{
	struct rte_lpm_config cfg = {
		.max_rules = ROUTE_MAX,
		.number_tbl8s = ROUTE_TBL8S,
	};

	memset(routes, 0, sizeof(routes));
	default_nh = -1;
	lpm = rte_lpm_create("inet_route", SOCKET_ID_ANY, &cfg);
	if (!lpm) {
		snprintf(err, errlen, "cannot create the route table (LPM): %s",
			 rte_strerror(rte_errno));
		return -ENOMEM;
	}
	if (dp_rcu) {
		/* tbl8 groups freed by a delete are reused only after the
		 * workers' grace period; SYNC mode waits right there. */
		struct rte_lpm_rcu_config rcfg = {
			.v = dp_rcu,
			.mode = RTE_LPM_QSBR_MODE_SYNC,
		};
		if (rte_lpm_rcu_qsbr_add(lpm, &rcfg) != 0) {
			snprintf(err, errlen, "cannot attach RCU to the route table: %s",
				 rte_strerror(rte_errno));
			rte_lpm_free(lpm);
			lpm = NULL;
			return -EINVAL;
		}
	}
	return 0;
}

void route_fini(void)
{
	route_save_drop();
	default_nh = -1;
	rte_lpm_free(lpm);
	lpm = NULL;
	memset(routes, 0, sizeof(routes));
}
