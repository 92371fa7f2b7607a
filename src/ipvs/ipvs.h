/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ipvs: virtual services, real servers (dests), schedulers, the
 * connection table and the forwarding modes.
 *
 * Owns: the service/dest configuration (control thread) published to the
 * workers as an immutable snapshot through RCU (dp_rcu); each worker's
 * shard of the connection table, its timers and its per-dest counters
 * (struct worker.ipvs), never touched by another lcore.
 *
 * Files: service.c (services, dests, snapshot), conn.c (table, timers,
 * listing), ipvs_core.c (ipvs_in, life cycle), proto_tcp.c (states),
 * proto_icmp.c (ICMP errors), xmit_nat.c (rewrite toolkit, NAT),
 * ipvs_sched.h + sched.c (interface and registry), one sched_NAME.c per
 * scheduler, persist.c (persistence templates), fwmark.c (the fwmark
 * classifier), ipvs_ctl.c (control handlers), ipvs_config.c
 * (config diff), stats.c (counters, rates); ipvs_priv.h between them.
 */
#ifndef DPVS_IPVS_H
#define DPVS_IPVS_H

#include <stdint.h>
#include <rte_mbuf.h>

#include "dpvs/ctl.h"

struct worker;
struct dpvs_config;

enum ipvs_verdict {
	IPVS_ACCEPT = 0, /* not IPVS traffic: the stack goes on with it */
	IPVS_STOLEN = 1, /* consumed: forwarded, answered or dropped (counted) */
};

/* ---- life cycle ---- */
/* Control thread, before ipvs_init (or alone, to check a config): the
 * most services and real servers ([pool] svc_max, dest_max; defaults
 * 16384 and 65535). Per-worker state is sized by them. 0, or -EINVAL
 * with a message when a value is out of range. */
int ipvs_set_limits(uint32_t svc_max, uint32_t dest_max, char *err, size_t errlen);
/* Control thread, before workers start: pools and per-worker state for
 * nworkers workers with conn_max connections each. */
int ipvs_init(unsigned nworkers, uint32_t conn_max, char *err, size_t errlen);
void ipvs_fini(void);
void ipvs_ctl_register(void);
/* Applies the [ipvs] and [service:*] parts of a validated config as a
 * diff against what runs (services not in the file but added by ipvsadm
 * are kept unless they were declared by the previous file). Established
 * connections survive. Writes a report line per change into buf. */
int ipvs_apply_config(const struct dpvs_config *old, const struct dpvs_config *new, char *buf,
		      size_t len);

/* Control thread, about once a second: rate estimation (every 2 s, as
 * LVS's estimator) and release of removed dests whose conns are gone. */
void ipvs_timer_tick(uint64_t now_sec);
/* Live connections in worker `worker_index`'s shard (plain load, for
 * dpvs_worker_stats). */
uint32_t ipvs_conn_count(unsigned worker_index);
/* Hugepage bytes one connection slot of the worker's shard costs. */
uint32_t ipvs_conn_slot_bytes(unsigned worker_index);

/* ---- data path (worker lcore) ---- */
/*
 * Every valid IPv4 packet (data at the IPv4 header; m->l3_len set) goes
 * through here first. Looks up the connection in both directions; on a
 * miss and a matching service, schedules a dest and creates one.
 */
enum ipvs_verdict ipvs_in(struct worker *w, uint16_t port_idx, struct rte_mbuf *m);

/* Before a received burst is processed (data at the Ethernet headers):
 * prefetches the connection-table buckets and first entries the burst
 * will look up. A hint; never changes a packet's fate. */
void ipvs_prefetch_burst(struct worker *w, struct rte_mbuf **pkts, uint16_t n);

/* Once per worker loop iteration: expire due connections (bounded work). */
void ipvs_worker_timer(struct worker *w);

#endif /* DPVS_IPVS_H */
