/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * conn: a worker's shard of the connection table and its timer wheel.
 *
 * Only the owning worker touches its shard. Connections come from the
 * worker's own pool: conn_max slots of 128 bytes, 128-byte aligned, and a
 * stack of free slot indexes, all sized at start-up (a full pool drops the
 * new flow, the existing ones are untouched; no mempool object header, so
 * a conn is exactly two cache lines). A NAT connection sits in the hash
 * table twice, under its in tuple (client -> VIP) and its out tuple (real
 * server -> client), so both directions find it with one lookup; modes
 * that see no replies hash the in tuple only.
 *
 * Timers: a wheel of one-second slots. A conn sits in the slot of the
 * second it expires at, or of an earlier second; refreshing it on a packet
 * only stores the new expiry. When a slot fires, each conn in it either
 * expires (its expiry has passed) or moves to the slot of its expiry: the
 * move is paid once per slot visit, not once per packet. A conn whose
 * expiry got earlier than its slot (shorter timeout after a state change)
 * moves at once. The work per ipvs_worker_timer() call is bounded by a
 * budget that adapts: it doubles while the wheel lags behind the clock
 * (up to IPVS_TIMER_BUDGET_BUSY when the loop is forwarding, so a burst
 * waits at most that many frees; up to IPVS_TIMER_BUDGET_MAX when it is
 * idle) and halves back to IPVS_TIMER_BUDGET once it has caught up. A
 * million conns expiring together drain within a second or two, and
 * forwarding goes on meanwhile at a share of its rate.
 *
 * Persistence templates (persist.c) are conns too: same pool, same
 * wheel, hashed under their in tuple only. A template does not expire
 * while conns it controls live (LVS's n_control): its timer is re-armed.
 *
 * Thresholds (-x/-y), as LVS's bind/unbind of a conn to its dest: when a
 * new conn brings the dest's conns (active + inactive) to the upper
 * threshold, the dest is overloaded and schedulers pass it by; when a
 * freed conn brings them under the lower threshold (or under 3/4 of the
 * upper one when there is no lower one) it takes conns again. Counts are
 * per worker, so each worker enforces its share of the thresholds
 * (service.c divides them by the number of workers).
 *
 * Hashing: keyed (conn_hash.h), the key drawn from getrandom at every
 * start, so which tuples share a bucket is known to nobody outside.
 * A new conn counts the nodes of the bucket it joins (the lookup that
 * missed has just walked them, so they are in the cache): the longest
 * is shown by `dpip stats` (chain-max), the long ones counted.
 *
 * Pressure (defense.h): above [defense] evict_threshold, or when the pool
 * is empty, a new conn first reclaims a slot from a conn that is over
 * or was never answered (ipvs_defense_evict); conn-table-full then means
 * nothing could be reclaimed.
 *
 * Listing (ipvsadm -Lc): the control thread must not walk a worker's
 * table. It posts a request in the worker's mailbox (struct
 * ipvs_conn_req) and waits, bounded; the worker fills the buffer a few
 * thousand buckets per loop from ipvs_worker_timer() and then publishes
 * "done" with a release store. A worker on the calling lcore itself (unit
 * tests, single-lcore runs) is walked directly.
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/random.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_ether.h>
#include <rte_prefetch.h>

#include "ipvs/ipvs_priv.h"
#include "ipvs/sync.h"

#define WHEEL_MASK (IPVS_WHEEL_SLOTS - 1)

/* two cache lines exactly, each node at the start of its own line */
_Static_assert(sizeof(struct ipvs_conn) == 128, "struct ipvs_conn must be 128 bytes");
_Static_assert(offsetof(struct ipvs_conn, in) == 0, "in node opens line 0");
_Static_assert(offsetof(struct ipvs_conn, out) == 64, "out node opens line 1");

static inline uint32_t node_hash(const struct ipvs_worker *iw, const struct ipvs_conn_node *n)
{
	return ipvs_conn_hash(iw, n->proto, n->saddr, n->daddr, n->sport, n->dport);
}


int ipvs_conn_shard_init(struct ipvs_worker *iw, unsigned index, uint32_t conn_max, int socket,
			 char *err, size_t errlen)
{
	/* a bucket per node (both tuples of every conn) at a full table, so
	 * chains stay short: each further node is a cache miss */
	uint64_t buckets = rte_align64pow2(2 * (uint64_t)(conn_max ? conn_max : 1));

	if (buckets > (1ull << 31)) {
		snprintf(err, errlen, "ipvs: conn_max %u too big (at most %u per worker)", conn_max,
			 1u << 30);
		return -EINVAL;
	}
	iw->htab = rte_zmalloc_socket("ipvs_conn_htab", sizeof(*iw->htab) * buckets,
				      RTE_CACHE_LINE_SIZE, socket);
	iw->conns = rte_malloc_socket("ipvs_conns", sizeof(struct ipvs_conn) * (size_t)conn_max,
				      sizeof(struct ipvs_conn), socket);
	if (!iw->htab || !iw->conns) {
		snprintf(err, errlen,
			 "ipvs: no memory for worker %u's conn table (%u conns of %zu bytes, %" PRIu64
			 " buckets): raise [eal] memory or lower [pool] conn_max",
			 index, conn_max, sizeof(struct ipvs_conn), buckets);
		ipvs_conn_shard_fini(iw);
		return -ENOMEM;
	}
	iw->nbuckets = (uint32_t)buckets;
	/* a key nobody outside can know: never a fixed one (an attacker
	 * would compute colliding tuples offline) */
	if (getrandom(&iw->hash_key, sizeof(iw->hash_key), 0) != sizeof(iw->hash_key)) {
		snprintf(err, errlen, "ipvs: getrandom for worker %u's conn hash key: %s", index,
			 strerror(errno));
		ipvs_conn_shard_fini(iw);
		return -EIO;
	}
	/* the free list in slot order: a lightly used table stays in few pages */
	iw->free_head = NULL;
	for (uint32_t i = conn_max; i-- > 0;) {
		iw->conns[i].tnext = iw->free_head;
		iw->free_head = &iw->conns[i];
	}
	iw->nfree = conn_max;
	iw->conn_max = conn_max;
	iw->timer_budget = IPVS_TIMER_BUDGET;
	/* the defences' thresholds come with the first tick; till then
	 * a full pool alone reclaims (the default) */
	iw->def.evict_conns = conn_max;
	return 0;
}

void ipvs_conn_shard_fini(struct ipvs_worker *iw)
{
	rte_free(iw->conns);
	iw->conns = NULL;
	iw->free_head = NULL;
	iw->nfree = 0;
	rte_free(iw->htab);
	iw->htab = NULL;
	free(iw->req.buf);
	iw->req.buf = NULL;
	iw->req.cap = 0;
}

/* ---- hash table ---- */

struct ipvs_conn_node *ipvs_conn_lookup(struct ipvs_worker *iw, uint8_t proto, uint32_t saddr,
					uint32_t daddr, uint16_t sport, uint16_t dport)
{
	return ipvs_conn_lookup_in(iw, ipvs_conn_hash(iw, proto, saddr, daddr, sport, dport), proto,
				   saddr, daddr, sport, dport);
}


/*
 * A burst's connection lookups miss the cache once the table outgrows it:
 * the bucket, the node, and the next node of the chain when the first is
 * another flow's. Done one packet after another, those misses queue up;
 * here they are issued for the whole burst at each step, so they overlap:
 *   1. hash every packet, touch its bucket (the bucket is kept for
 *      ipvs_in, which then does not hash again);
 *   2. touch the first node's conn (its two lines);
 *   3. compare the first node (its line is arriving); when it is another
 *      flow's, touch the next one.
 * A hint only: packets this does not parse (not plain IPv4 TCP/UDP) are
 * skipped, and the real lookup checks everything again.
 */
static inline void prefetch_conn_of(const struct ipvs_conn_node *n)
{
	const char *p = (const char *)ipvs_conn_of((struct ipvs_conn_node *)(uintptr_t)n);

	rte_prefetch0(p);
	rte_prefetch0(p + 64);
}

void ipvs_prefetch_burst(struct worker *w, struct rte_mbuf **pkts, uint16_t n)
{
	struct ipvs_worker *iw = ipvs_w(w);
	const struct rte_ipv4_hdr *ips[DP_BURST];
	uint32_t bucket[DP_BURST];
	/* the hash's input blocks of the packets it parses, in order, and
	 * their hashes: padded to the 4 lanes of the burst hash */
	uint64_t m0[DP_BURST + 3], m1[DP_BURST + 3], h[DP_BURST + 3];
	uint16_t k = 0;

	if (unlikely(!iw))
		return;
	if (n > DP_BURST)
		n = DP_BURST;
	iw->hints.n = 0;
	iw->hints.pos = 0;
	for (uint16_t i = 0; i < n; i++) {
		const struct rte_mbuf *m = pkts[i];
		const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
		const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(eth + 1);
		const uint16_t *ports = (const uint16_t *)(ip + 1);

		ips[i] = NULL;
		/* IHL 5 only: packets with options are dropped by the stack */
		if (eth->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
		    rte_pktmbuf_data_len(m) < sizeof(*eth) + sizeof(*ip) + 4 ||
		    ip->version_ihl != RTE_IPV4_VHL_DEF ||
		    (ip->next_proto_id != IPPROTO_TCP && ip->next_proto_id != IPPROTO_UDP))
			continue;
		ips[i] = ip;
		m0[k] = ipvs_tuple_m0(ip->src_addr, ip->dst_addr);
		m1[k++] = ipvs_tuple_m1(ip->next_proto_id, ports[0], ports[1]);
	}
	/* the whole burst's hashes at once (several lanes where the CPU has
	 * them), then the buckets in the same order */
	for (uint16_t j = k; j < RTE_ALIGN_CEIL(k, 4); j++)
		m0[j] = m1[j] = 0;
	ipvs_tuple_hash_burst(&iw->hash_key, m0, m1, h, k);
	k = 0;
	for (uint16_t i = 0; i < n; i++) {
		if (!ips[i])
			continue;
		bucket[i] = (uint32_t)h[k++] & (iw->nbuckets - 1);
		rte_prefetch0(&iw->htab[bucket[i]]);
		iw->hints.m[iw->hints.n] = pkts[i];
		iw->hints.bucket[iw->hints.n++] = bucket[i];
	}
	for (uint16_t i = 0; i < n; i++) {
		const struct ipvs_conn_node *node;

		if (ips[i] && (node = iw->htab[bucket[i]]) != NULL)
			prefetch_conn_of(node);
	}
	for (uint16_t i = 0; i < n; i++) {
		const struct rte_ipv4_hdr *ip = ips[i];
		const struct ipvs_conn_node *node;

		if (!ip || (node = iw->htab[bucket[i]]) == NULL || !node->next)
			continue;
		const uint16_t *ports = (const uint16_t *)(ip + 1);

		if (!ipvs_node_is(node, ip->next_proto_id, ip->src_addr, ip->dst_addr, ports[0], ports[1]))
			prefetch_conn_of(node->next);
	}
}

/* Counts the bucket a new conn's in node joins (with it). */
static inline void chain_count(struct ipvs_worker *iw, uint32_t bucket)
{
	uint32_t len = 1;

	for (const struct ipvs_conn_node *n = iw->htab[bucket]; n; n = n->next)
		len++;
	if (unlikely(len >= IPVS_CHAIN_LONG))
		iw->def.chain_long++;
	if (unlikely(len > iw->def.chain_max))
		iw->def.chain_max = len;
}

static void node_hash_in(struct ipvs_worker *iw, struct ipvs_conn_node *n, uint32_t bucket)
{
	struct ipvs_conn_node **b = &iw->htab[bucket];

	n->next = *b;
	*b = n;
}

static void node_hash_out(struct ipvs_worker *iw, struct ipvs_conn_node *n)
{
	struct ipvs_conn_node **pp = &iw->htab[node_hash(iw, n)];

	for (; *pp; pp = &(*pp)->next) {
		if (*pp == n) {
			*pp = n->next;
			return;
		}
	}
}

/* ---- timer wheel ---- */

/* Links c at the end of the slot of its expiry, kept within [lo, lo +
 * slots - 1]: never a slot behind the wheel, never one it would visit too
 * early. At the end: a slot lists its conns oldest first, so pressure
 * eviction (defense.c), which takes the first it may, takes the oldest of
 * the soonest second, never the conn a client just opened. */
static void wheel_link(struct ipvs_worker *iw, struct ipvs_conn *c, uint64_t lo)
{
	uint64_t t = c->expires;
	struct ipvs_conn *tail;
	unsigned slot;

	if (t < lo)
		t = lo;
	if (t > lo + IPVS_WHEEL_SLOTS - 1)
		t = lo + IPVS_WHEEL_SLOTS - 1;
	c->slot_time = (uint32_t)t;
	slot = t & WHEEL_MASK;
	tail = iw->wheel_tail[slot];
	c->tnext = NULL;
	if (tail) {
		tail->tnext = c;
		c->tpprev = &tail->tnext;
	} else {
		iw->wheel[slot] = c;
		c->tpprev = &iw->wheel[slot];
	}
	iw->wheel_tail[slot] = c;
}

static void wheel_unlink(struct ipvs_worker *iw, struct ipvs_conn *c)
{
	unsigned slot = c->slot_time & WHEEL_MASK;

	*c->tpprev = c->tnext;
	if (c->tnext)
		c->tnext->tpprev = c->tpprev;
	else if (c->tpprev == &iw->wheel[slot])
		iw->wheel_tail[slot] = NULL;
	else /* the one before it ends the slot now */
		iw->wheel_tail[slot] = (struct ipvs_conn *)(void *)((char *)c->tpprev -
								     offsetof(struct ipvs_conn, tnext));
	c->tnext = NULL;
	c->tpprev = NULL;
}

/* The wheel starts at the first second it sees, not at zero. */
static inline void wheel_start(struct ipvs_worker *iw, uint64_t now)
{
	if (unlikely(iw->timer_next == 0))
		iw->timer_next = now;
}

/* ---- thresholds (LVS's ip_vs_bind_dest / ip_vs_unbind_dest) ---- */

static inline uint64_t dest_totalconns(const struct ipvs_dest_wstate *d)
{
	return d->activeconns + d->inactconns;
}

static inline void dest_bound(struct ipvs_dest_wstate *d, uint32_t dest_id)
{
	const struct ipvs_snap_thresh *t = &ipvs_snap_get()->thresh[dest_id];

	if (t->upper && dest_totalconns(d) >= t->upper)
		d->overloaded = 1;
}

static inline void dest_unbound(struct ipvs_dest_wstate *d, uint32_t dest_id)
{
	const struct ipvs_snap_thresh *t;

	if (likely(!d->overloaded))
		return;
	t = &ipvs_snap_get()->thresh[dest_id];
	if (t->lower) {
		if (dest_totalconns(d) < t->lower)
			d->overloaded = 0;
	} else if (t->upper) {
		if (dest_totalconns(d) * 4 < (uint64_t)t->upper * 3)
			d->overloaded = 0;
	} else {
		d->overloaded = 0;
	}
}

/* ---- conns ---- */

/* A conn from the pool with what every kind shares: owner ids, no
 * template links, never-resolved egress, the expiry. Tuples, state,
 * flags and mode are the caller's. */
static inline struct ipvs_conn *conn_alloc(struct ipvs_worker *iw, uint64_t now, uint32_t svc_id,
					   uint32_t dest_id, uint32_t timeout)
{
	struct ipvs_conn *c;

	/* under pressure a dead or never answered conn makes room first */
	if (unlikely(iw->nconns >= iw->def.evict_conns || !iw->free_head))
		ipvs_defense_evict(iw);
	c = iw->free_head;
	if (unlikely(!c))
		return NULL;
	iw->free_head = c->tnext;
	iw->nfree--;

	wheel_start(iw, now);
	c->svc_id = svc_id;
	c->dest_id = dest_id;
	c->eg_in.gen = 0;
	c->eg_out.gen = 0;
	c->control = NULL;
	c->tmpl_timeout = 0;
	c->expires = (uint32_t)(now + timeout);
	return c;
}

static inline void conn_release(struct ipvs_worker *iw, struct ipvs_conn *c)
{
	c->tnext = iw->free_head;
	iw->free_head = c;
	iw->nfree++;
}

static inline void node_set(struct ipvs_conn_node *n, uint8_t proto, uint32_t saddr,
			    uint16_t sport, uint32_t daddr, uint16_t dport)
{
	n->saddr = saddr;
	n->daddr = daddr;
	n->sport = sport;
	n->dport = dport;
	n->proto = proto;
}

struct ipvs_conn *ipvs_conn_new(struct ipvs_worker *iw, uint64_t now, uint8_t proto,
				uint32_t caddr, uint16_t cport, uint32_t vaddr, uint16_t vport,
				uint32_t daddr, uint16_t dport, uint32_t svc_id, uint32_t dest_id,
				uint8_t state, uint32_t timeout, uint8_t fwd, uint32_t bucket_in)
{
	struct ipvs_conn *c = conn_alloc(iw, now, svc_id, dest_id, timeout);

	if (unlikely(!c))
		return NULL;
	node_set(&c->in, proto, caddr, cport, vaddr, vport);
	node_set(&c->out, proto, daddr, dport, caddr, cport);
	if (bucket_in == UINT32_MAX)
		bucket_in = node_hash(iw, &c->in);
	chain_count(iw, bucket_in);
	node_hash_in(iw, &c->in, bucket_in);
	c->c_state = state;
	iw->conns_by_state[state]++;
	c->c_fwd = fwd;
	conn_set_n_control(c, 0);
	c->c_xflags = 0; /* a slot's last conn may have left its flags */
	/* replies come back through us only in NAT (and Full-NAT) */
	if (fwd == DPVS_FWD_MASQ || fwd == DPVS_FWD_FULLNAT) {
		node_hash_in(iw, &c->out, node_hash(iw, &c->out));
		c->c_flags = IPVS_CONN_F_OUT_HASHED;
	} else {
		c->c_flags = 0; /* conn_nooutput() */
	}
	wheel_link(iw, c, iw->timer_next);

	/* a new conn is inactive until it reaches ESTABLISHED, as in LVS */
	iw->dest[dest_id].inactconns++;
	dest_bound(&iw->dest[dest_id], dest_id);
	iw->dest[dest_id].st.conns++;
	iw->svc[svc_id].st.conns++;
	iw->nconns++;
	iw->conns_created++;
	if (state == IPVS_TCP_ESTABLISHED && proto == IPPROTO_TCP)
		ipvs_conn_set_state(iw, c, state);
	return c;
}

struct ipvs_conn *ipvs_conn_new_fnat(struct ipvs_worker *iw, uint64_t now, uint8_t proto,
				     uint32_t caddr, uint16_t cport, uint32_t vaddr,
				     uint16_t vport, uint32_t daddr, uint16_t dport,
				     const struct ipvs_fnat_local *fl, uint32_t svc_id,
				     uint32_t dest_id, uint8_t state, uint32_t timeout,
				     uint32_t bucket_in)
{
	struct ipvs_conn *c = ipvs_conn_new(iw, now, proto, caddr, cport, vaddr, vport, daddr,
					    dport, svc_id, dest_id, state, timeout,
					    DPVS_FWD_FULLNAT, bucket_in);

	if (likely(c)) {
		/* made as NAT's, its reply addressed to the client: re-keyed
		 * to LIP:lport here, so NAT's new conns pay nothing for it */
		node_hash_out(iw, &c->out);
		c->out.daddr = fl->laddr;
		c->out.dport = fl->lport;
		node_hash_in(iw, &c->out, node_hash(iw, &c->out));
		c->c_xflags = fl->slot;
		iw->laddr[(size_t)svc_id * DPVS_LADDR_MAX + fl->slot].conns++;
	}
	return c;
}

struct ipvs_conn *ipvs_conn_new_template(struct ipvs_worker *iw, uint64_t now,
					 const struct ipvs_tmpl_key *key, uint8_t proto,
					 uint32_t cnet, uint32_t daddr, uint16_t dport,
					 uint32_t svc_id, uint32_t dest_id, uint32_t timeout)
{
	struct ipvs_conn *c = conn_alloc(iw, now, svc_id, dest_id, timeout);

	if (unlikely(!c))
		return NULL;
	/* the key (persist.c): no packet has IPVS_PROTO_TEMPLATE(_PE) */
	node_set(&c->in, key->proto, key->saddr, key->sport, key->daddr, key->dport);
	/* not hashed: where the template points, for the listing */
	node_set(&c->out, proto, daddr, dport, cnet, 0);
	node_hash_in(iw, &c->in, node_hash(iw, &c->in));
	c->c_state = IPVS_TCP_NONE;
	c->c_flags = IPVS_CONN_F_TEMPLATE;
	c->c_fwd = DPVS_FWD_MASQ;
	conn_set_n_control(c, 0);
	c->c_xflags = 0; /* a slot's last conn may have left its flags */
	c->tmpl_timeout = timeout;
	wheel_link(iw, c, iw->timer_next);
	iw->dest[dest_id].persistconns++;
	iw->nconns++;
	return c;
}

void ipvs_conn_template_rebind(struct ipvs_worker *iw, struct ipvs_conn *t, uint32_t daddr,
			       uint16_t dport, uint32_t dest_id)
{
	iw->dest[t->dest_id].persistconns--;
	t->dest_id = dest_id;
	t->out.saddr = daddr;
	t->out.sport = dport;
	iw->dest[dest_id].persistconns++;
}

void ipvs_conn_refresh(struct ipvs_worker *iw, struct ipvs_conn *c, uint64_t now,
		       uint32_t timeout)
{
	c->expires = (uint32_t)(now + timeout);
	if (unlikely(c->expires < c->slot_time)) {
		wheel_unlink(iw, c);
		wheel_link(iw, c, iw->timer_next);
	}
}

void ipvs_conn_set_state(struct ipvs_worker *iw, struct ipvs_conn *c, uint8_t state)
{
	struct ipvs_dest_wstate *d = &iw->dest[c->dest_id];
	bool active = ipvs_state_is_active(c->in.proto, state);

	iw->conns_by_state[c->c_state]--;
	iw->conns_by_state[state]++;
	c->c_state = state;
	if (active && !(c->c_flags & IPVS_CONN_F_ACTIVE)) {
		c->c_flags |= IPVS_CONN_F_ACTIVE;
		d->inactconns--;
		d->activeconns++;
	} else if (!active && (c->c_flags & IPVS_CONN_F_ACTIVE)) {
		c->c_flags &= ~IPVS_CONN_F_ACTIVE;
		d->activeconns--;
		d->inactconns++;
	}
}

void ipvs_conn_free(struct ipvs_worker *iw, struct ipvs_conn *c)
{
	struct ipvs_dest_wstate *d = &iw->dest[c->dest_id];

	wheel_unlink(iw, c);
	node_hash_out(iw, &c->in);
	iw->nconns--;
	if (c->c_flags & IPVS_CONN_F_TEMPLATE) {
		d->persistconns--;
		conn_release(iw, c);
		return;
	}
	iw->conns_by_state[c->c_state]--;
	if (c->c_flags & IPVS_CONN_F_OUT_HASHED)
		node_hash_out(iw, &c->out);
	if (c->c_fwd == DPVS_FWD_FULLNAT)
		iw->laddr[(size_t)c->svc_id * DPVS_LADDR_MAX + conn_lslot(c)].conns--;
	if (conn_control(c))
		conn_set_n_control(c->control, (uint16_t)(conn_n_control(c->control) - 1));
	if (c->c_flags & IPVS_CONN_F_ACTIVE)
		d->activeconns--;
	else
		d->inactconns--;
	dest_unbound(d, c->dest_id);
	conn_release(iw, c);
}

void ipvs_conn_timer(struct ipvs_worker *iw, uint64_t now, bool busy)
{
	unsigned budget = iw->timer_budget;
	/* and a bound in time whatever the conns cost (cache misses: a
	 * freed conn's buckets and neighbours are cold), checked every 32 */
	const uint64_t deadline = rte_get_tsc_cycles() +
				  rte_get_tsc_hz() / (busy ? IPVS_TIMER_BUSY_HZ : IPVS_TIMER_IDLE_HZ);

	wheel_start(iw, now);
	/* far behind: every slot is due, one more turn visits them all */
	if (iw->timer_next + IPVS_WHEEL_SLOTS <= now)
		iw->timer_next = now - IPVS_WHEEL_SLOTS + 1;
	while (iw->timer_next <= now && budget) {
		uint64_t t = iw->timer_next;
		struct ipvs_conn **head = &iw->wheel[t & WHEEL_MASK];

		while (*head && budget) {
			struct ipvs_conn *c = *head;

			if (unlikely((--budget & 31) == 0) && rte_get_tsc_cycles() > deadline) {
				budget = 0;
				break;
			}
			if (c->expires <= now && unlikely(conn_n_control(c))) {
				/* a template lives while it controls conns */
				c->expires = (uint32_t)(now + c->tmpl_timeout);
				wheel_unlink(iw, c);
				wheel_link(iw, c, t + 1);
			} else if (c->expires <= now) {
				iw->conns_expired++;
				ipvs_conn_free(iw, c);
			} else {
				wheel_unlink(iw, c);
				wheel_link(iw, c, t + 1);
				/* alive a whole timeout since it was linked: the
				 * backup's copy needs its timer moved too (sync.h) */
				if (unlikely(ipvs_sync_master_on))
					ipvs_sync_refresh(iw, c);
			}
		}
		if (*head)
			break; /* out of budget: go on with this slot next time */
		iw->timer_next++;
		budget--;
	}
	/* Behind the clock (a slot left unfinished, or seconds not yet
	 * visited): more work next time, so a million conns that expire
	 * together drain in a few seconds, not minutes; caught up: back
	 * towards the small budget, so forwarding keeps the loop. */
	uint32_t max = busy ? IPVS_TIMER_BUDGET_BUSY : IPVS_TIMER_BUDGET_MAX;

	if (iw->timer_next <= now) {
		if (iw->timer_budget < max)
			iw->timer_budget *= 2;
	} else if (iw->timer_budget > IPVS_TIMER_BUDGET) {
		iw->timer_budget /= 2;
	}
	if (iw->timer_budget > max)
		iw->timer_budget = max;
}

/* ---- listing ---- */

static void conn_fill(const struct ipvs_conn *c, uint64_t now, unsigned lcore_id,
		      struct dpvs_conn *o)
{
	const struct ipvs_conn_node *in = &c->in;
	const struct ipvs_conn_node *out = &c->out;
	const char *state = ipvs_state_name(in->proto, c->c_state);

	memset(o, 0, sizeof(*o));
	o->af = AF_INET;
	o->expires_sec = c->expires > now ? (uint32_t)(c->expires - now) : 0;
	o->lcore_id = lcore_id;
	if (c->c_flags & IPVS_CONN_F_TEMPLATE) {
		/* as LVS shows them: client port 0, state NONE; fwmark
		 * templates have protocol IP (0) and the mark as address */
		o->flags = DPVS_CONN_F_TEMPLATE;
		o->protocol = out->proto;
		o->caddr.in.s_addr = out->daddr; /* the client net (the key may hash it) */
		o->vaddr.in.s_addr = in->daddr;
		o->vport = in->dport;
		o->daddr.in.s_addr = out->saddr;
		o->dport = out->sport;
		if (out->proto == 0)
			o->fwmark = rte_be_to_cpu_32(in->daddr);
		snprintf(o->state, sizeof(o->state), "%s", ipvs_state_name(IPPROTO_TCP, c->c_state));
		return;
	}
	o->protocol = in->proto;
	o->caddr.in.s_addr = in->saddr;
	o->vaddr.in.s_addr = in->daddr;
	o->daddr.in.s_addr = out->saddr;
	o->cport = in->sport;
	o->vport = in->dport;
	o->dport = out->sport;
	if (c->c_fwd == DPVS_FWD_FULLNAT) {
		o->laddr.in.s_addr = out->daddr;
		o->lport = out->dport;
	}
	snprintf(o->state, sizeof(o->state), "%s", state);
}

/* Fills k conns of a chain, after the first `skip` of its in-nodes. */
static void conn_list_fill(struct ipvs_conn_req *r, struct ipvs_conn_node *n, uint32_t skip,
			   uint32_t k, uint64_t now, unsigned lcore_id)
{
	for (; n && k; n = n->next) {
		if (ipvs_node_dir(n) != IPVS_DIR_IN)
			continue;
		if (skip) {
			skip--;
			continue;
		}
		conn_fill(ipvs_conn_of(n), now, lcore_id, &r->buf[r->n++]);
		k--;
	}
}

/*
 * Walks up to `buckets` buckets from r->bucket; true when the request is
 * finished (the table's end, or a bucket that does not fit: r->more).
 * A bucket is counted before it is copied, so that a page can end
 * before it: the next page then starts with that bucket whole, and a
 * conn that stays in its bucket is listed once, whatever came and went
 * in the buckets around it. Positions inside a chain move as conns come
 * and go, so a bucket is cut only when it must be (r->split).
 */
static bool conn_list_step(struct ipvs_worker *iw, struct ipvs_conn_req *r, uint64_t now,
			   unsigned lcore_id, uint32_t buckets)
{
	while (buckets-- && r->bucket < iw->nbuckets) {
		struct ipvs_conn_node *head = iw->htab[r->bucket];
		uint32_t k = 0, room = r->max - r->n;

		for (struct ipvs_conn_node *n = head; n; n = n->next)
			k += ipvs_node_dir(n) == IPVS_DIR_IN;
		if (k <= r->skip) {
			/* listed, or shorter now than when the last page ended */
			r->bucket++;
			r->skip = 0;
			continue;
		}
		k -= r->skip;
		if (k > room) {
			bool cut = r->split == IPVS_SPLIT_ANY ||
				   (r->split == IPVS_SPLIT_EMPTY && r->n == 0);

			if (cut && room) {
				conn_list_fill(r, head, r->skip, room, now, lcore_id);
				r->skip += room;
			}
			r->more = 1;
			return true;
		}
		conn_list_fill(r, head, r->skip, k, now, lcore_id);
		r->bucket++;
		r->skip = 0;
	}
	return r->bucket >= iw->nbuckets;
}

void ipvs_conn_req_serve(struct ipvs_worker *iw, uint64_t now, unsigned lcore_id)
{
	struct ipvs_conn_req *r = &iw->req;

	if (likely(__atomic_load_n(&r->state, __ATOMIC_ACQUIRE) != IPVS_REQ_ASKED))
		return;
	if (__atomic_load_n(&r->cancel, __ATOMIC_RELAXED) ||
	    conn_list_step(iw, r, now, lcore_id, IPVS_CONN_LIST_BUCKETS))
		__atomic_store_n(&r->state, IPVS_REQ_DONE, __ATOMIC_RELEASE);
}

/* Control thread: asks worker w for up to max conns from bucket/skip;
 * 0 or -errno. */
static int conn_req_post(struct worker *w, uint32_t bucket, uint32_t skip, uint32_t max,
			 uint32_t split)
{
	struct ipvs_worker *iw = ipvs_w(w);
	struct ipvs_conn_req *r = &iw->req;
	struct dpvs_conn *buf;

	if (__atomic_load_n(&r->state, __ATOMIC_ACQUIRE) == IPVS_REQ_ASKED)
		return -EBUSY; /* an earlier request the worker never answered */
	/* the buffer only grows: the worker may still be writing to it
	 * when a timed-out request is cancelled, so it is never freed
	 * while asked, and a page-sized one is reused page after page */
	if (max > r->cap) {
		buf = realloc(r->buf, sizeof(*buf) * max);
		if (!buf)
			return -ENOMEM;
		r->buf = buf;
		r->cap = max;
	}
	r->max = max;
	r->n = 0;
	r->bucket = bucket;
	r->skip = skip;
	r->split = split;
	r->more = 0;
	r->cancel = 0;
	if (w->lcore_id == rte_lcore_id()) {
		/* our own lcore: nobody else walks this table right now */
		conn_list_step(iw, r, w->now_sec, w->lcore_id, UINT32_MAX);
		r->state = IPVS_REQ_DONE;
		return 0;
	}
	__atomic_store_n(&r->state, IPVS_REQ_ASKED, __ATOMIC_RELEASE);
	return 0;
}

/* Control thread: waits (bounded) for worker i's answer; 0 or -errno. */
static int conn_req_wait(unsigned i, struct worker *w, char *err, size_t errlen)
{
	struct ipvs_conn_req *r = &ipvs_w(w)->req;
	uint64_t deadline = rte_get_timer_cycles() + rte_get_timer_hz() * 2;

	while (__atomic_load_n(&r->state, __ATOMIC_ACQUIRE) == IPVS_REQ_ASKED) {
		if (rte_get_timer_cycles() > deadline) {
			/* the worker closes it (unfilled) when it comes back */
			__atomic_store_n(&r->cancel, 1, __ATOMIC_RELAXED);
			snprintf(err, errlen,
				 "worker %u (lcore %u) did not list its connections within 2 s", i,
				 w->lcore_id);
			return -ETIMEDOUT;
		}
		usleep(50);
	}
	return 0;
}

int ipvs_conn_list_page(struct ipvs_conn_cursor *cur, bool whole_buckets, struct dpvs_conn *out,
			uint32_t max, uint32_t *count, char *err, size_t errlen)
{
	unsigned nw = RTE_MIN(worker_count(), (unsigned)DP_MAX_WORKERS);

	*count = 0;
	if (cur->worker > nw || (cur->worker == nw && (cur->bucket || cur->skip))) {
		snprintf(err, errlen, "connection list cursor: worker %u of %u", cur->worker, nw);
		return -EINVAL;
	}
	/* worker by worker, each from where the last one ended: a page goes
	 * on into the next worker's table while it has room, and even with
	 * none left it asks for nothing, so that `more` is exact */
	for (; cur->worker < nw; cur->worker++, cur->bucket = 0, cur->skip = 0) {
		struct worker *w = worker_get(cur->worker);
		struct ipvs_conn_req *r = &ipvs_w(w)->req;
		uint32_t split = !whole_buckets ? IPVS_SPLIT_ANY
			       : *count == 0    ? IPVS_SPLIT_EMPTY
						: IPVS_SPLIT_NEVER;
		int ret;

		if (cur->bucket >= ipvs_w(w)->nbuckets) {
			snprintf(err, errlen,
				 "connection list cursor: bucket %u of worker %u's %u", cur->bucket,
				 cur->worker, ipvs_w(w)->nbuckets);
			return -EINVAL;
		}
		ret = conn_req_post(w, cur->bucket, cur->skip, max - *count, split);
		if (ret < 0) {
			snprintf(err, errlen, "worker %u cannot list its connections: %s",
				 cur->worker,
				 ret == -EBUSY ? "an earlier listing is still pending" : "no memory");
			return ret;
		}
		ret = conn_req_wait(cur->worker, w, err, errlen);
		if (ret < 0)
			return ret;
		memcpy(out + *count, r->buf, sizeof(*out) * r->n);
		*count += r->n;
		__atomic_store_n(&r->state, IPVS_REQ_IDLE, __ATOMIC_RELEASE);
		if (r->more) {
			cur->bucket = r->bucket;
			cur->skip = r->skip;
			return 1;
		}
	}
	return 0;
}

int ipvs_conn_list_collect(struct dpvs_conn *out, uint32_t max, uint32_t *count, char *err,
			   size_t errlen)
{
	struct ipvs_conn_cursor cur = {0};
	int ret = ipvs_conn_list_page(&cur, false, out, max, count, err, errlen);

	return ret < 0 ? ret : 0;
}
