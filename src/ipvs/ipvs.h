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
 * (config diff), stats.c (counters, rates), fnat.c (Full-NAT local
 * addresses and ports), fnat_caddr.c + toa.c + uoa.c + proxy_proto.c
 * (the client's address for Full-NAT real servers); ipvs_priv.h between
 * them.
 */
#ifndef DPVS_IPVS_H
#define DPVS_IPVS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <rte_mbuf.h>

#include "dpvs/ctl.h"
#include "inet/inet.h"

struct worker;

/* ---- life cycle ---- */
/* Control thread, before ipvs_init (or alone, to check a config): the
 * most services and real servers ([pool] svc_max, dest_max; 0, the
 * default: from memory). Per-worker state is sized by them. 0, or -EINVAL
 * with a message when a value is out of range. */
int ipvs_set_limits(uint32_t svc_max, uint32_t dest_max, char *err, size_t errlen);
/* The same check, changing nothing (the config check). */
int ipvs_check_limits(uint32_t svc_max, uint32_t dest_max, char *err, size_t errlen);
/* The limits in force: ipvs_init makes a 0 (from memory) a number from
 * the hugepage memory its pools left; dpip stats shows them. */
void ipvs_limits_get(struct dpvs_ipvs_limits *l);
/* Control thread, before workers start: pools and per-worker state for
 * nworkers workers with conn_max connections each; registers ipvs_in as
 * the stack's L4 hook. */
int ipvs_init(unsigned nworkers, uint32_t conn_max, char *err, size_t errlen);
void ipvs_fini(void);

/* Control thread, about once a second: rate estimation (every 2 s, as
 * LVS's estimator) and release of removed dests whose conns are gone. */
void ipvs_timer_tick(uint64_t now_sec);
/* Live connections in worker `worker_index`'s shard (plain load, for
 * dpvs_worker_stats). */
uint32_t ipvs_conn_count(unsigned worker_index);
/* Hugepage bytes one connection slot of the worker's shard costs. */
uint32_t ipvs_conn_slot_bytes(unsigned worker_index);
/* The most nodes a new conn's bucket held in the worker's shard. */
uint32_t ipvs_conn_chain_max(unsigned worker_index);
/* The worker's Full-NAT client-address counters into s (toa_added, ...;
 * plain loads). */
void ipvs_caddr_stats(unsigned worker_index, struct dpvs_worker_stats *s);
/* The worker's SYN-proxy counters into s (synp_*; plain loads). */
void ipvs_synp_stats(unsigned worker_index, struct dpvs_worker_stats *s);

/* ---- data path (worker lcore) ---- */
/*
 * The stack's L4 hook (inet_register_l4_hook): every valid IPv4 packet
 * (data at the IPv4 header; m->l3_len set) goes through here first. Looks up the connection in both directions; on a
 * miss and a matching service, schedules a dest and creates one.
 */
enum inet_verdict ipvs_in(struct worker *w, uint16_t port_idx, struct rte_mbuf *m);

/* Before a received burst is processed (data at the Ethernet headers):
 * prefetches the connection-table buckets and first entries the burst
 * will look up. A hint; never changes a packet's fate. */
void ipvs_prefetch_burst(struct worker *w, struct rte_mbuf **pkts, uint16_t n);

/* Worker lcore: addr (network order) is the VIP of a service (fwmark
 * services have none): for steering packets among several workers. */
bool ipvs_is_vip(uint32_t addr_be);
/* Whether a TCP SYN to vaddr:vport (network order) is answered by the
 * SYN proxy without state: a proxied service with a real server, and no
 * fwmark rule that might take the packet elsewhere. Any worker may
 * answer it (the cookie's key is one for all): steer.c keeps such SYNs
 * where they land (synproxy_conn.c). */
bool ipvs_synp_answers(uint32_t vaddr_be, uint16_t vport_be);

/* Once per worker loop iteration: expire due connections (bounded work). */
void ipvs_worker_timer(struct worker *w);


/* ---- control API (control thread only) ----
 * What the control side (src/control/: the socket handlers and the
 * config diff) calls. Each returns 0 or -errno with a message in err. */
void ipvs_svc_init(void);
void ipvs_svc_fini(void);
int ipvs_svc_add(const struct dpvs_svc *s, char *err, size_t errlen);
/* What ipvs_svc_add/edit and ipvs_dest_add/edit would refuse in the
 * request itself (family, protocol, scheduler, flags, forwarding method,
 * weight, thresholds), whatever the tables hold: the config check runs
 * these, so a file is refused for the reasons the apply step would give. */
int ipvs_svc_check(const struct dpvs_svc *s, char *err, size_t errlen);
int ipvs_dest_check(const struct dpvs_svc *s, const struct dpvs_dest *d, char *err,
		    size_t errlen);
int ipvs_svc_edit(const struct dpvs_svc *s, char *err, size_t errlen);
int ipvs_svc_del(const struct dpvs_svc *s, char *err, size_t errlen);
void ipvs_svc_flush(void);
int ipvs_dest_add(const struct dpvs_svc *s, const struct dpvs_dest *d, char *err, size_t errlen);
int ipvs_dest_edit(const struct dpvs_svc *s, const struct dpvs_dest *d, char *err,
		   size_t errlen);
int ipvs_dest_del(const struct dpvs_svc *s, const struct dpvs_dest *d, char *err, size_t errlen);
int ipvs_timeout_set(const struct dpvs_timeouts *t, char *err, size_t errlen);
/* [ipvs] tcp_*_timeout of the config: the states --set does not reach */
int ipvs_tcp_state_timeouts_set(const struct dpvs_tcp_state_timeouts *t, char *err,
				size_t errlen);
void ipvs_timeout_get(struct dpvs_timeouts *t);
void ipvs_set_expire_nodest_conn(bool on);
/* Full-NAT: whether new conns carry the client's address to the real
 * server, TCP as TOA (toa), UDP as UOA (uoa) ([ipvs] fnat_toa, fnat_uoa;
 * both on by default, as DPVS always inserts them). Conns keep what they
 * were made with. */
void ipvs_set_fnat_caddr(bool toa, bool uoa);
/* LVS's sloppy_tcp: a TCP conn may start on any segment but an RST, so a
 * flow that ECMP moves to this director mid-stream is scheduled (with
 * Maglev: to the server it had) instead of dropped as tcp-not-syn */
void ipvs_set_sloppy_tcp(bool on);
/* [ipvs] floating_laddr: Full-NAT local addresses float with the VIP
 * between two directors (inet_set_lip_float): --add-laddr takes a LIP the
 * other director holds now, new conns use only the LIPs that are ours,
 * and a synced conn whose LIP is not ours passes no packet. */
void ipvs_set_laddr_float(bool on);
/* DoS defences (src/ipvs/defense.h): sets the fields in d->mask, all
 * checked first (0, or -EINVAL and nothing changed); the workers take
 * them within a second. get: the settings and what the workers did. */
int ipvs_defense_set(const struct dpvs_defense *d, char *err, size_t errlen);
void ipvs_defense_get(struct dpvs_defense_info *out);
/* Several changes, one publication: begin ... end (nesting allowed).
 * end: 0, or -ENOMEM when the publication failed (the next change or
 * end retries it). */
void ipvs_batch_begin(void);
int ipvs_batch_end(void);
/* Listing: call fn for each live service (by id), with its dests. A
 * negative return stops the walk and is returned. */
typedef int (*ipvs_svc_visit_fn)(uint32_t svc_id, const struct dpvs_svc *svc,
				 const uint32_t *dest_ids, const struct dpvs_dest *dests,
				 uint32_t ndests, void *arg);
int ipvs_svc_walk(const struct dpvs_svc *key, ipvs_svc_visit_fn fn, void *arg, char *err,
		  size_t errlen);
/* The same from a cursor, for paged listings: services from id *svc_from
 * on, the first of them from its dest *dest_from on (the dests fn gets
 * are that tail of the service's `total`). fn returns how many of them it
 * took with the service, or -ENOSPC for none and not the service either;
 * either way, taking less than offered stops the walk with the cursor
 * where the next page starts. Returns 0 when the walk ended (the cursor
 * then points past the last service), 1 when fn stopped it, or fn's other
 * negative return. */
typedef int (*ipvs_svc_page_fn)(uint32_t svc_id, const struct dpvs_svc *svc,
				const uint32_t *dest_ids, const struct dpvs_dest *dests,
				uint32_t ndests, uint32_t total, void *arg);
int ipvs_svc_walk_page(const struct dpvs_svc *key, uint32_t *svc_from, uint32_t *dest_from,
		       ipvs_svc_page_fn fn, void *arg, char *err, size_t errlen);
/* Changes with every change to services or dests: a paged listing
 * whose pages carry different versions is not one listing. */
uint32_t ipvs_svc_version(void);
/* Frees ids of removed dests (and services) whose conns are all gone. */
void ipvs_svc_gc(void);
/* Human form of a service key: "TCP 10.0.0.1:80" / "FWM 5". */
void ipvs_svc_key_str(const struct dpvs_svc *s, char *buf, size_t len);

/* Full-NAT local addresses of a service (ipvsadm --add-laddr, --del-laddr):
 * the LIP must be one of the daemon's addresses (inet flags it
 * DPVS_ADDR_F_LIP while a service has it). 0 or -errno with a message. */
int ipvs_laddr_add(const struct dpvs_laddr_req *q, char *err, size_t errlen);
int ipvs_laddr_del(const struct dpvs_laddr_req *q, char *err, size_t errlen);
/* --get-laddr: fn for each live service (or only key's), with its LIPs. */
typedef int (*ipvs_laddr_visit_fn)(uint32_t svc_id, const struct dpvs_svc *svc,
				   const uint32_t *laddrs, uint32_t n, void *arg);
int ipvs_laddr_walk(const struct dpvs_svc *key, ipvs_laddr_visit_fn fn, void *arg, char *err,
		    size_t errlen);
/* The i-th LIP (as the walk gave them) of service svc_id: its live conns
 * and its conflicts (new conns that found no free local port) since it
 * was added, summed over the workers. */
void ipvs_laddr_counts(uint32_t svc_id, uint32_t i, uint64_t *conns, uint64_t *conflicts);

/* stats.c: control thread */
/* Estimator tables for the limits in force (without memory, counters
 * are still summed; rates and zeroing are then not available). */
void ipvs_stats_init(void);
void ipvs_stats_svc(uint32_t svc_id, struct dpvs_stats *out);
void ipvs_stats_dest(uint32_t dest_id, struct dpvs_stats *out, uint32_t *active,
		     uint32_t *inact, uint32_t *persist);
void ipvs_stats_reset_svc(uint32_t svc_id);   /* new service or ZERO */
void ipvs_stats_reset_dest(uint32_t dest_id); /* new dest or ZERO */
uint64_t ipvs_dest_conns_live(uint32_t dest_id);

/* Live connections by state, all workers summed (templates apart): the
 * states are 0..ipvs_conn_state_kinds()-1, each with its protocol's and
 * its own name as ipvsadm -Lc prints them ("TCP", "ESTABLISHED"). */
unsigned ipvs_conn_state_kinds(void);
const char *ipvs_conn_state_name(unsigned state, const char **proto);
uint64_t ipvs_conn_state_count(unsigned state);

/* Where a conn listing goes on: a worker, a bucket of its table, the
 * conns of that bucket already listed (DPVS_MSG_F_CONN_PAGE). */
struct ipvs_conn_cursor {
	uint32_t worker, bucket, skip;
};

/*
 * Control thread: conns of the workers from *cur on into out (up to max,
 * bounded wait for each worker), and *cur moved past them. whole_buckets:
 * a page ends before a bucket that does not fit (unless the page would
 * be empty), so that the next page starts there; otherwise out is filled
 * up to max. Returns 1 when conns are left after *cur, 0 when the
 * listing is complete, or -errno with a message (a cursor past the
 * tables, a worker that does not answer).
 */
int ipvs_conn_list_page(struct ipvs_conn_cursor *cur, bool whole_buckets, struct dpvs_conn *out,
			uint32_t max, uint32_t *count, char *err, size_t errlen);
/* The first max conns of all workers (tests): 0 or -errno, as a page
 * from the start that may cut a bucket. */
int ipvs_conn_list_collect(struct dpvs_conn *out, uint32_t max, uint32_t *count, char *err,
			   size_t errlen);

/* fwmark.c: the classifier's rules (dpip fwmark add|del|show) */
int ipvs_fwmark_add(const struct dpvs_fwmark_rule *r, char *err, size_t errlen);
int ipvs_fwmark_del(const struct dpvs_fwmark_rule *r, char *err, size_t errlen);
/* Copies up to max rules (with their hit counts) into out; returns how
 * many there are. */
uint32_t ipvs_fwmark_list(struct dpvs_fwmark_rule *out, uint32_t max);

/*
 * TUN and ICMP: a router between us and a real server quotes the packet
 * we tunnelled (IPIP, GRE or GUE, from one of our addresses). The offset
 * of the client's own packet inside the quoted bytes q[0..len) (the outer
 * header at q), or 0 when q is not a tunnelled packet or quotes too little
 * of the inner one (its IPv4 header and 8 bytes: the L4 ports). Pure:
 * steering (whose flow is it) and proto_icmp (relay it) both ask.
 */
static inline uint32_t ipvs_tun_quoted_inner(const uint8_t *q, uint32_t len)
{
	uint32_t hl, off;

	if (len < 20 || (q[0] >> 4) != 4 || (q[0] & 0xf) < 5)
		return 0;
	hl = (q[0] & 0xfu) * 4u;
	switch (q[9]) { /* the outer protocol */
	case IPPROTO_IPIP:
		off = hl;
		break;
	case IPPROTO_GRE: {
		/* RFC 2784/2890: flags C, K, S each add 4 bytes; IPv4 inside */
		if (len < hl + 4 || q[hl + 2] != 0x08 || q[hl + 3] != 0x00)
			return 0;
		uint8_t f = q[hl];

		off = hl + 4 + ((f & 0x80) ? 4 : 0) + ((f & 0x20) ? 4 : 0) + ((f & 0x10) ? 4 : 0);
		break;
	}
	case IPPROTO_UDP:
		/* GUE version 0 carrying IPIP: UDP, 4 bytes, hlen words */
		if (len < hl + 8 + 4 || (q[hl + 8] >> 6) != 0 || q[hl + 9] != IPPROTO_IPIP)
			return 0;
		off = hl + 8 + 4 + (q[hl + 8] & 0x1fu) * 4u;
		break;
	default:
		return 0;
	}
	if (len < off + 20 || (q[off] >> 4) != 4 || (q[off] & 0xf) < 5 ||
	    len < off + (q[off] & 0xfu) * 4u + 8)
		return 0;
	return off;
}

#endif /* DPVS_IPVS_H */
