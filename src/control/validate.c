/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * validate: see validate.h. The checks here need the whole file, not the
 * running tables: what only the running state decides (a run-time
 * addition filling a table) is left to the apply step, which rolls the
 * whole reload back when it fails.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include "cfg/config.h"
#include "control/validate.h"
#include "inet/inet.h"
#include "ipvs/ipvs.h"

#define err_at(cfg, errs, sec, key, ...) cfg_key_error(errs, (cfg)->path, sec, key, __VA_ARGS__)

static uint32_t mask_of(uint8_t plen)
{
	return plen ? htonl(~0u << (32 - plen)) : 0;
}

static bool is_file_addr(const struct dpvs_config *cfg, uint32_t a)
{
	for (unsigned i = 0; i < cfg->naddrs; i++)
		if (cfg->addrs[i].addr.in.s_addr == a)
			return true;
	return false;
}

/* Is gw on a network one of the file's addresses connects (on dev, when
 * the route names one)? As inet_route_add asks of the running table. */
static bool gw_connected(const struct dpvs_config *cfg, const struct dpvs_route *r)
{
	for (unsigned i = 0; i < cfg->naddrs; i++) {
		const struct dpvs_addr *a = &cfg->addrs[i];
		uint32_t m = mask_of(a->prefixlen);

		if (r->ifname[0] && strcmp(r->ifname, a->ifname) != 0)
			continue;
		if ((a->addr.in.s_addr & m) == (r->gateway.in.s_addr & m))
			return true;
	}
	return false;
}

/* The routing table holds the file's routes and one connected route per
 * distinct (prefix, port) of its addresses, as inet_addr_add makes them;
 * a file that needs more would fail part-way at every start and reload. */
static void check_route_room(const struct dpvs_config *cfg, struct cfg_errors *errs)
{
	unsigned connected = 0;

	for (unsigned i = 0; i < cfg->naddrs; i++) {
		const struct dpvs_addr *a = &cfg->addrs[i];
		uint32_t m = mask_of(a->prefixlen);
		bool seen = false;

		for (unsigned j = 0; j < i && !seen; j++) {
			const struct dpvs_addr *b = &cfg->addrs[j];

			seen = b->prefixlen == a->prefixlen && strcmp(b->ifname, a->ifname) == 0 &&
			       ((b->addr.in.s_addr ^ a->addr.in.s_addr) & m) == 0;
		}
		connected += !seen;
	}
	if (cfg->nroutes + connected > inet_route_capacity())
		err_at(cfg, errs, "routes", NULL,
		       "%u routes and %u connected prefixes of [addresses] need %u entries of the "
		       "routing table, which holds %u: remove routes or merge addresses into "
		       "fewer prefixes",
		       cfg->nroutes, connected, cfg->nroutes + connected, inet_route_capacity());
}

static void check_net(const struct dpvs_config *cfg, struct cfg_errors *errs)
{
	check_route_room(cfg, errs);
	char why[CFG_ERRLEN], ip[INET6_ADDRSTRLEN];

	for (unsigned i = 0; i < cfg->naddrs; i++)
		if (inet_addr_check_value(&cfg->addrs[i], why, sizeof(why)))
			err_at(cfg, errs, "addresses", cfg->addr_key[i], "%s", why);
	for (unsigned i = 0; i < cfg->nroutes; i++) {
		const struct dpvs_route *r = &cfg->routes[i];
		const char *key = cfg->route_key[i];

		if (inet_route_check_value(r, why, sizeof(why))) {
			err_at(cfg, errs, "routes", key, "%s", why);
			continue;
		}
		inet_ntop(AF_INET, &r->gateway.in, ip, sizeof(ip));
		if (r->gateway.in.s_addr && is_file_addr(cfg, r->gateway.in.s_addr))
			err_at(cfg, errs, "routes", key, "gateway %s is not a valid neighbour address",
			       ip);
		else if (r->gateway.in.s_addr && !gw_connected(cfg, r))
			err_at(cfg, errs, "routes", key,
			       "gateway %s is not reachable on %s: no address of the file is on "
			       "its network",
			       ip, r->ifname[0] ? r->ifname : "any port");
		if (r->src.in.s_addr && !is_file_addr(cfg, r->src.in.s_addr)) {
			inet_ntop(AF_INET, &r->src.in, ip, sizeof(ip));
			err_at(cfg, errs, "routes", key, "source %s is not one of our addresses", ip);
		}
	}
	for (unsigned i = 0; i < cfg->nneighs; i++) {
		const struct dpvs_neigh *n = &cfg->neighs[i];

		if (inet_neigh_check_value(n, why, sizeof(why))) {
			err_at(cfg, errs, "neighbours", cfg->neigh_key[i], "%s", why);
		} else if (is_file_addr(cfg, n->addr.in.s_addr)) {
			inet_ntop(AF_INET, &n->addr.in, ip, sizeof(ip));
			err_at(cfg, errs, "neighbours", cfg->neigh_key[i],
			       "%s cannot be a neighbour (zero, broadcast, multicast, loopback or "
			       "one of our addresses)", ip);
		}
	}
}

/* Is a on a network one of the file's addresses connects, or covered by
 * one of its routes without a gateway? (What DR asks of a real server.) */
static bool file_onlink(const struct dpvs_config *cfg, uint32_t a)
{
	for (unsigned i = 0; i < cfg->naddrs; i++) {
		uint32_t m = mask_of(cfg->addrs[i].prefixlen);

		if ((cfg->addrs[i].addr.in.s_addr & m) == (a & m))
			return true;
	}
	for (unsigned i = 0; i < cfg->nroutes; i++) {
		const struct dpvs_route *r = &cfg->routes[i];
		uint32_t m = mask_of(r->prefixlen);

		if (!r->gateway.in.s_addr && (r->dst.in.s_addr & m) == (a & m))
			return true;
	}
	return false;
}

/* What the running stack would say of a DR/TUN real server at the add,
 * asked of the file's own addresses and routes (the same words). */
static void check_dest_env(const struct dpvs_config *cfg, const char *sec, const char *key,
			   const struct dpvs_dest *d, struct cfg_errors *errs)
{
	uint32_t fwd = d->conn_flags & DPVS_FWD_MASK;
	char a[INET_ADDRSTRLEN];

	if (d->af == AF_INET6) /* the file's stack is IPv4: nothing to ask */
		return;
	inet_ntop(AF_INET, &d->addr.in, a, sizeof(a));
	if (fwd != DPVS_FWD_MASQ && is_file_addr(cfg, d->addr.in.s_addr))
		err_at(cfg, errs, sec, key,
		       "real server %s is an address of this balancer: %s needs another host", a,
		       fwd == DPVS_FWD_DROUTE ? "-g (DR)" : "-i (tunnel)");
	else if (fwd == DPVS_FWD_DROUTE && !file_onlink(cfg, d->addr.in.s_addr))
		err_at(cfg, errs, sec, key,
		       "real server %s is not on-link: DR (-g) needs it in a connected prefix of a "
		       "port (dpip addr add ADDR/LEN dev PORT); use -i (tunnel) or -m (NAT) to "
		       "reach it through a router",
		       a);
}

/* laddr: each an address of the file's own, not a VIP (what --add-laddr
 * asks of the running stack, in the same words); with floating_laddr one
 * may be absent (the other director holds it until the VIP moves). */
static void check_laddrs(const struct dpvs_config *cfg, const char *sec,
			 const struct cfg_service *s, struct cfg_errors *errs)
{
	char a[INET_ADDRSTRLEN];

	for (unsigned i = 0; i < s->nladdrs; i++) {
		const struct dpvs_addr *fa = NULL;

		for (unsigned j = 0; j < cfg->naddrs && !fa; j++)
			if (cfg->addrs[j].addr.in.s_addr == s->laddrs[i])
				fa = &cfg->addrs[j];
		inet_ntop(AF_INET, &s->laddrs[i], a, sizeof(a));
		if (s->svc.af == AF_INET && s->laddrs[i] == s->svc.addr.in.s_addr)
			err_at(cfg, errs, sec, "laddr",
			       "local address %s is the service's VIP: a real server's replies to "
			       "it could not be told from clients' packets", a);
		else if (!fa && !cfg->floating_laddr)
			err_at(cfg, errs, sec, "laddr",
			       "%s is not an address of the daemon (add it to [addresses])", a);
		else if (fa && (fa->flags & DPVS_ADDR_F_VIP))
			err_at(cfg, errs, sec, "laddr",
			       "%s is a VIP; a local address must be another of the daemon's "
			       "addresses", a);
	}
}

static void check_services(const struct dpvs_config *cfg, struct cfg_errors *errs)
{
	char why[CFG_ERRLEN], sec[80];
	uint64_t ndests = 0;

	for (unsigned i = 0; i < cfg->nservices; i++) {
		const struct cfg_service *s = &cfg->services[i];

		snprintf(sec, sizeof(sec), "service:%s", s->name);
		if (ipvs_svc_check(&s->svc, why, sizeof(why))) {
			err_at(cfg, errs, sec, "service", "%s", why);
			continue;
		}
		for (unsigned j = 0; j < s->ndests; j++) {
			if (ipvs_dest_check(&s->svc, &s->dests[j], why, sizeof(why)))
				err_at(cfg, errs, sec, s->dest_key[j], "%s", why);
			else
				check_dest_env(cfg, sec, s->dest_key[j], &s->dests[j], errs);
		}
		ndests += s->ndests;
		check_laddrs(cfg, sec, s, errs);
	}
	/* 0: from memory, known only at start (a file past it fails there) */
	if (cfg->svc_max && cfg->nservices > cfg->svc_max)
		err_at(cfg, errs, "pool", "svc_max",
		       "%u, but the file declares %u services", cfg->svc_max, cfg->nservices);
	if (cfg->dest_max && ndests > cfg->dest_max)
		err_at(cfg, errs, "pool", "dest_max",
		       "%u, but the file declares %llu real servers", cfg->dest_max,
		       (unsigned long long)ndests);
}

int config_validate(const char *path, struct dpvs_config *cfg, struct cfg_errors *errs)
{
	char why[CFG_ERRLEN];

	/* the parser's errors first; the items it kept are checked whatever
	 * else is wrong, so one run shows everything to fix */
	cfg_load(path, cfg, errs);
	if (ipvs_check_limits(cfg->svc_max, cfg->dest_max, why, sizeof(why)))
		cfg_key_error(errs, cfg->path, NULL, NULL, "%s", why);
	check_net(cfg, errs);
	check_services(cfg, errs);
	return errs->count ? -EINVAL : 0;
}
