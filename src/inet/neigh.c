/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * neigh: the neighbour (ARP) table: which MAC an on-link IPv4 next hop has
 * on a port, and the packets waiting while we ask.
 *
 * States follow Linux, trimmed: INCOMPLETE (request sent, packets queued),
 * REACHABLE (confirmed by an ARP from it within 30 s), STALE (older; still
 * used, and the next use asks again), PERMANENT (static, never ages).
 * Unlike Linux, a STALE entry in use never fails: it keeps its MAC and asks
 * once a second for as long as it is used. A balancer that drops all of a
 * busy real server's traffic because three ARP replies were lost (a
 * congested link, a switch rate-limiting ARP) does more harm than one that
 * keeps sending to the last MAC it knew: whether the server is alive is the
 * health checker's call. An answer from a new MAC moves the entry at once.
 *
 * Concurrency:
 * - Lookups on the data path are lock-free: an rte_hash built with
 *   RW_CONCURRENCY_LF maps (address, port) to an entry. The MAC is one
 *   64-bit word and the state one byte, stored MAC first then state with
 *   release order, so a reader that sees a usable state sees a whole MAC.
 * - Every writer (a worker learning from ARP or queueing for an unresolved
 *   next hop, the control thread adding static entries or aging) holds the
 *   table's spinlock. It is only taken on ARP packets, on packets to
 *   unresolved next hops and by control operations, never per forwarded
 *   packet. The wait queue of an entry is touched only under that lock.
 * - Only the control thread removes entries from the hash, and it frees a
 *   removed entry only after dp_rcu_synchronize() (never while holding the
 *   lock: a worker spinning on it could not report quiescence). A worker
 *   that gives up on an entry marks it dead; the next tick reclaims it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_spinlock.h>

#include "inet/inet.h"
#include "inet/inet_priv.h"
#include "netif/netif.h"
#include "dp/dp.h"

#define NEIGH_MAX 4096
#define NEIGH_QUEUE_MAX 8      /* packets held per unresolved next hop */
#define NEIGH_PROBES 3         /* unanswered requests before giving up */
#define NEIGH_RETRANS_SEC 1    /* between requests */
#define NEIGH_REACHABLE_SEC 30 /* REACHABLE -> STALE */
#define NEIGH_GC_SEC 300       /* STALE and unused this long -> deleted */

/* 16 bytes so rte_hash compares keys with its vector compare instead of
 * memcmp; only the first 8 are hashed, the rest is always zero. */
struct neigh_key {
	uint32_t addr_be;
	uint16_t port_idx;
	uint16_t pad;
	uint64_t zero;
};

struct neigh {
	uint64_t mac; /* the 6 MAC bytes in one word: read whole, never torn */
	struct neigh_key key;
	uint8_t state;    /* enum dpvs_neigh_state; published after mac */
	uint8_t probes;   /* INCOMPLETE: requests sent (STALE asks without count) */
	bool dead;        /* a worker gave up; the control tick reclaims it */
	bool in_use;      /* the slot holds an entry (under the lock) */
	bool unlinked;    /* out of the hash, waiting for the grace period */
	uint16_t nqueue;
	uint64_t confirmed_sec; /* last ARP from it (or static add) */
	uint64_t used_sec;      /* last packet sent through it */
	uint64_t probe_sec;     /* last request sent */
	struct rte_mbuf *queue[NEIGH_QUEUE_MAX];
} __rte_cache_aligned;

static struct rte_hash *neigh_hash;
static struct neigh *neigh_pool;
static uint32_t free_slots[NEIGH_MAX];
static unsigned nfree;
static rte_spinlock_t neigh_lock = RTE_SPINLOCK_INITIALIZER;
/* Packets the control thread dropped (queues of reclaimed entries). */
static uint64_t ctl_drops[DP_MAX_PORTS];

/*
 * Each worker keeps the next hops it resolved (REACHABLE or PERMANENT)
 * in a small direct-mapped cache, so a forwarded packet costs one line
 * instead of an rte_hash lookup. inet_gen changes whenever any entry's
 * MAC or state changes or an entry goes away (always under neigh_lock or
 * on the control thread); a cached line of another generation is a miss,
 * so a stale MAC is never used past the change that replaced it.
 */
#define NEIGH_CACHE_SIZE 256 /* per worker, a power of two */

struct neigh_cached {
	uint32_t addr_be;
	uint16_t port_idx;
	uint16_t pad;
	uint32_t gen;
	uint32_t pad2;
	uint64_t mac;
};

static struct neigh_cached neigh_cache[DP_MAX_WORKERS][NEIGH_CACHE_SIZE] __rte_cache_aligned;
/* The egress generation (inet.h): neighbours and routes bump it. Starts
 * at 1: cache lines and conns start at 0, never valid. */
uint32_t inet_gen = 1;

static inline void neigh_changed(void)
{
	inet_egress_changed();
}

static inline struct neigh_cached *neigh_cache_slot(const struct worker *w, uint32_t addr_be)
{
	/* Fibonacci hashing on the address: next hops differ in their low
	 * bytes, which sit high in a big-endian word */
	return &neigh_cache[w->index][(addr_be * 0x9e3779b9u) >> 24 & (NEIGH_CACHE_SIZE - 1)];
}

/* Signed, so a worker's clock a second ahead of the tick's is no age. */
static inline int64_t age_of(uint64_t now, uint64_t then)
{
	return (int64_t)(now - then);
}

static inline uint64_t mac_to_word(const struct rte_ether_addr *mac)
{
	uint64_t w = 0;

	memcpy(&w, mac->addr_bytes, RTE_ETHER_ADDR_LEN);
	return w;
}

static inline struct neigh *neigh_lookup(uint32_t addr_be, uint16_t port_idx)
{
	struct neigh_key key = { .addr_be = addr_be, .port_idx = port_idx };
	void *data;

	if (rte_hash_lookup_data(neigh_hash, &key, &data) < 0)
		return NULL;
	return data;
}

/* Under the lock: a fresh INCOMPLETE entry in the hash, or NULL (full). */
static struct neigh *neigh_create(uint32_t addr_be, uint16_t port_idx, uint64_t now)
{
	if (nfree == 0)
		return NULL;
	struct neigh *n = &neigh_pool[free_slots[nfree - 1]];

	memset(n, 0, sizeof(*n));
	n->key.addr_be = addr_be;
	n->key.port_idx = port_idx;
	n->state = DPVS_NEIGH_INCOMPLETE;
	n->confirmed_sec = now;
	n->used_sec = now;
	n->probe_sec = now;
	n->in_use = true;
	if (rte_hash_add_key_data(neigh_hash, &n->key, n) < 0) {
		n->in_use = false;
		return NULL;
	}
	nfree--;
	return n;
}

/* Under the lock: moves the wait queue out to q. */
static unsigned neigh_take_queue(struct neigh *n, struct rte_mbuf **q)
{
	unsigned k = n->nqueue;

	memcpy(q, n->queue, k * sizeof(*q));
	n->nqueue = 0;
	return k;
}

/* The frame's fate is "forwarded", on the port it came from. */
static void neigh_xmit(struct worker *w, uint16_t port_idx, uint64_t mac, struct rte_mbuf *m)
{
	struct rte_ether_addr dst;

	memcpy(dst.addr_bytes, &mac, RTE_ETHER_ADDR_LEN);
	if (unlikely(!eth_output(w, port_idx, m, &dst, RTE_ETHER_TYPE_IPV4)))
		dp_drop(w, m->port, DPVS_DROP_NO_MBUF, m);
}

/* Each on the port it came from (dp.h: m->port). */
static void drop_all(struct worker *w, struct rte_mbuf **q, unsigned k, enum dpvs_drop_reason why)
{
	for (unsigned i = 0; i < k; i++)
		dp_drop(w, q[i]->port, why, q[i]);
}

/* A STALE entry was used: ask again, at most once a second, however long
 * it stays unanswered (see the top of this file). */
static void neigh_stale_probe(struct worker *w, struct neigh *n)
{
	if (age_of(w->now_sec, __atomic_load_n(&n->probe_sec, __ATOMIC_RELAXED)) <
	    NEIGH_RETRANS_SEC)
		return;

	bool ask = false;

	rte_spinlock_lock(&neigh_lock);
	if (n->state == DPVS_NEIGH_STALE && !n->unlinked && !n->dead &&
	    age_of(w->now_sec, n->probe_sec) >= NEIGH_RETRANS_SEC) {
		__atomic_store_n(&n->probe_sec, w->now_sec, __ATOMIC_RELAXED);
		ask = true;
	}
	rte_spinlock_unlock(&neigh_lock);
	if (ask)
		arp_send_request(w, n->key.port_idx, n->key.addr_be);
}

/* Slow path: the next hop is unknown, unresolved or given up. */
static void neigh_resolve(struct worker *w, uint16_t port_idx, uint32_t nexthop_be,
			  struct rte_mbuf *m)
{
	struct rte_mbuf *q[NEIGH_QUEUE_MAX];
	unsigned k = 0;
	bool ask = false;

	rte_spinlock_lock(&neigh_lock);
	/* Looked up again under the lock: only this view is authoritative. */
	struct neigh *n = neigh_lookup(nexthop_be, port_idx);

	if (!n) {
		n = neigh_create(nexthop_be, port_idx, w->now_sec);
		if (!n) {
			rte_spinlock_unlock(&neigh_lock);
			dp_drop(w, m->port, DPVS_DROP_NEIGH_UNRESOLVED, m);
			return;
		}
		n->probes = 1;
		n->queue[n->nqueue++] = m;
		rte_spinlock_unlock(&neigh_lock);
		arp_send_request(w, port_idx, nexthop_be);
		return;
	}
	if (n->dead) {
		rte_spinlock_unlock(&neigh_lock);
		dp_drop(w, m->port, DPVS_DROP_NEIGH_UNRESOLVED, m);
		return;
	}
	if (n->state != DPVS_NEIGH_INCOMPLETE) {
		/* Resolved while we were on the way here. */
		uint64_t mac = n->mac;

		rte_spinlock_unlock(&neigh_lock);
		neigh_xmit(w, port_idx, mac, m);
		return;
	}
	if (age_of(w->now_sec, n->probe_sec) >= NEIGH_RETRANS_SEC) {
		if (n->probes >= NEIGH_PROBES) {
			/* Nobody answered: give up the queue and the entry. */
			k = neigh_take_queue(n, q);
			n->dead = true;
			neigh_changed();
			rte_spinlock_unlock(&neigh_lock);
			drop_all(w, q, k, DPVS_DROP_NEIGH_UNRESOLVED);
			dp_drop(w, m->port, DPVS_DROP_NEIGH_UNRESOLVED, m);
			return;
		}
		n->probes++;
		n->probe_sec = w->now_sec;
		ask = true;
	}
	if (n->nqueue < NEIGH_QUEUE_MAX) {
		n->queue[n->nqueue++] = m;
		m = NULL;
	}
	rte_spinlock_unlock(&neigh_lock);
	if (m)
		dp_drop(w, m->port, DPVS_DROP_NEIGH_QUEUE_FULL, m);
	if (ask)
		arp_send_request(w, port_idx, nexthop_be);
}

void neigh_output(struct worker *w, uint16_t port_idx, uint32_t nexthop_be, struct rte_mbuf *m)
{
	uint32_t gen = inet_egress_gen();
	struct neigh_cached *c = neigh_cache_slot(w, nexthop_be);

	if (likely(c->gen == gen && c->addr_be == nexthop_be && c->port_idx == port_idx)) {
		neigh_xmit(w, port_idx, c->mac, m);
		return;
	}

	struct neigh *n = neigh_lookup(nexthop_be, port_idx);

	if (likely(n != NULL)) {
		uint8_t state = __atomic_load_n(&n->state, __ATOMIC_ACQUIRE);

		if (likely(state != DPVS_NEIGH_INCOMPLETE &&
			   !__atomic_load_n(&n->dead, __ATOMIC_RELAXED))) {
			uint64_t mac = __atomic_load_n(&n->mac, __ATOMIC_RELAXED);

			neigh_xmit(w, port_idx, mac, m);
			/* A plain store, at most once a second per worker. */
			if (n->used_sec != w->now_sec)
				__atomic_store_n(&n->used_sec, w->now_sec, __ATOMIC_RELAXED);
			if (unlikely(state == DPVS_NEIGH_STALE))
				neigh_stale_probe(w, n);
			else
				*c = (struct neigh_cached){ .addr_be = nexthop_be,
							    .port_idx = port_idx, .gen = gen,
							    .mac = mac };
			return;
		}
	}
	neigh_resolve(w, port_idx, nexthop_be, m);
}

bool neigh_resolved(struct worker *w, uint16_t port_idx, uint32_t nexthop_be, uint32_t gen,
		    uint64_t *mac)
{
	struct neigh_cached *c = neigh_cache_slot(w, nexthop_be);

	if (likely(c->gen == gen && c->addr_be == nexthop_be && c->port_idx == port_idx)) {
		*mac = c->mac;
		return true;
	}
	struct neigh *n = neigh_lookup(nexthop_be, port_idx);

	if (!n)
		return false;
	uint8_t state = __atomic_load_n(&n->state, __ATOMIC_ACQUIRE);

	/* STALE is not cached: its packets go through neigh_output, which
	 * asks again */
	if ((state != DPVS_NEIGH_REACHABLE && state != DPVS_NEIGH_PERMANENT) ||
	    __atomic_load_n(&n->dead, __ATOMIC_RELAXED))
		return false;
	*mac = __atomic_load_n(&n->mac, __ATOMIC_RELAXED);
	if (n->used_sec != w->now_sec)
		__atomic_store_n(&n->used_sec, w->now_sec, __ATOMIC_RELAXED);
	*c = (struct neigh_cached){ .addr_be = nexthop_be, .port_idx = port_idx, .gen = gen,
				    .mac = *mac };
	return true;
}

void neigh_learn(struct worker *w, uint16_t port_idx, uint32_t addr_be,
		 const struct rte_ether_addr *mac, bool create)
{
	struct rte_mbuf *q[NEIGH_QUEUE_MAX];
	unsigned k;

	/* Unknown and not about us: nothing to do, and no lock taken. */
	if (!create && !neigh_lookup(addr_be, port_idx))
		return;

	rte_spinlock_lock(&neigh_lock);
	struct neigh *n = neigh_lookup(addr_be, port_idx);

	if (!n && create)
		n = neigh_create(addr_be, port_idx, w->now_sec);
	if (!n || n->state == DPVS_NEIGH_PERMANENT) {
		/* Static entries are the operator's word, not ARP's. */
		rte_spinlock_unlock(&neigh_lock);
		return;
	}
	uint64_t word = mac_to_word(mac);
	bool changed = n->mac != word || n->state != DPVS_NEIGH_REACHABLE || n->dead;

	__atomic_store_n(&n->mac, word, __ATOMIC_RELAXED);
	n->confirmed_sec = w->now_sec;
	n->probes = 0;
	n->dead = false; /* an answer after giving up revives it */
	__atomic_store_n(&n->state, DPVS_NEIGH_REACHABLE, __ATOMIC_RELEASE);
	if (changed) /* a plain refresh keeps the workers' caches */
		neigh_changed();
	k = neigh_take_queue(n, q);
	rte_spinlock_unlock(&neigh_lock);

	/* The worker that got the answer sends what waited for it. */
	for (unsigned i = 0; i < k; i++)
		neigh_xmit(w, port_idx, word, q[i]);
}

/* ---- control thread ---- */

/*
 * Removes the entries for which doomed() is true (all under the lock),
 * waits for the grace period, then recycles their slots and drops what
 * they had queued. One synchronize for the whole batch.
 */
static unsigned neigh_reclaim(bool (*doomed)(struct neigh *n, const void *arg), const void *arg)
{
	static uint32_t victims[NEIGH_MAX];
	static int32_t positions[NEIGH_MAX];
	unsigned nv = 0;

	rte_spinlock_lock(&neigh_lock);
	for (uint32_t i = 0; i < NEIGH_MAX; i++) {
		struct neigh *n = &neigh_pool[i];

		if (!n->in_use || n->unlinked || !doomed(n, arg))
			continue;
		positions[nv] = rte_hash_del_key(neigh_hash, &n->key);
		n->unlinked = true;
		victims[nv++] = i;
	}
	if (nv)
		neigh_changed();
	rte_spinlock_unlock(&neigh_lock);
	if (nv == 0)
		return 0;

	dp_rcu_synchronize();

	rte_spinlock_lock(&neigh_lock);
	for (unsigned v = 0; v < nv; v++) {
		struct neigh *n = &neigh_pool[victims[v]];

		if (positions[v] >= 0)
			rte_hash_free_key_with_position(neigh_hash, positions[v]);
		/* Nobody can reach an unlinked entry's queue any more. */
		for (unsigned j = 0; j < n->nqueue; j++) {
			struct rte_mbuf *m = n->queue[j];

			if (m->port < DP_MAX_PORTS) /* where it came from */
				ctl_drops[m->port]++;
			rte_pktmbuf_free(m);
		}
		n->nqueue = 0;
		n->in_use = false;
		free_slots[nfree++] = victims[v];
	}
	rte_spinlock_unlock(&neigh_lock);
	return nv;
}

/* Under the lock, from the tick: ages one entry; true when it must go. */
static bool neigh_aged_out(struct neigh *n, const void *arg)
{
	uint64_t now = *(const uint64_t *)arg;
	uint64_t last;

	switch (n->state) {
	case DPVS_NEIGH_PERMANENT:
		return false;
	case DPVS_NEIGH_INCOMPLETE:
		/* Retransmission is driven by traffic; without any, the
		 * last request has had its time. */
		return n->dead ||
		       age_of(now, n->probe_sec) >= (int64_t)NEIGH_PROBES * NEIGH_RETRANS_SEC;
	case DPVS_NEIGH_REACHABLE:
		if (n->dead)
			return true;
		if (age_of(now, n->confirmed_sec) >= NEIGH_REACHABLE_SEC) {
			n->probes = 0;
			__atomic_store_n(&n->state, DPVS_NEIGH_STALE, __ATOMIC_RELEASE);
			/* cached copies must go the slow way again: a STALE
			 * neighbour is probed when it is used */
			neigh_changed();
		}
		return false;
	default: /* STALE */
		last = n->used_sec > n->confirmed_sec ? n->used_sec : n->confirmed_sec;
		return n->dead || age_of(now, last) >= NEIGH_GC_SEC;
	}
}

void neigh_tick(uint64_t now_sec)
{
	neigh_reclaim(neigh_aged_out, &now_sec);
}

uint64_t inet_neigh_ctl_drops(uint16_t port_idx)
{
	return port_idx < DP_MAX_PORTS ? ctl_drops[port_idx] : 0;
}

/* Checks a NEIGH_ADD/DEL request; the port, or -errno with err. */
static int neigh_check(const struct dpvs_neigh *q, char *err, size_t errlen)
{
	char ip[INET_ADDRSTRLEN];
	int port_idx = inet_port_of(q->ifname, err, errlen);

	if (port_idx < 0)
		return port_idx;
	int rc = inet_check_family(q->family, err, errlen);
	if (rc < 0)
		return rc;
	if (inet_is_martian_src(q->addr.in.s_addr) || inet_addr_is_local(q->addr.in.s_addr)) {
		snprintf(err, errlen, "%s cannot be a neighbour (zero, broadcast, multicast, "
			 "loopback or one of our addresses)", inet_ntoa_be(q->addr.in.s_addr, ip));
		return -EINVAL;
	}
	return port_idx;
}

int inet_neigh_check_value(const struct dpvs_neigh *q, char *err, size_t errlen)
{
	char ip[INET_ADDRSTRLEN];
	struct rte_ether_addr mac;
	int rc = inet_check_family(q->family, err, errlen);

	if (rc < 0)
		return rc;
	if (inet_is_martian_src(q->addr.in.s_addr)) {
		snprintf(err, errlen, "%s cannot be a neighbour (zero, broadcast, multicast, "
			 "loopback or one of our addresses)", inet_ntoa_be(q->addr.in.s_addr, ip));
		return -EINVAL;
	}
	memcpy(mac.addr_bytes, q->mac.b, RTE_ETHER_ADDR_LEN);
	if (!rte_is_valid_assigned_ether_addr(&mac)) {
		snprintf(err, errlen, "MAC %02x:%02x:%02x:%02x:%02x:%02x is not a unicast address",
			 mac.addr_bytes[0], mac.addr_bytes[1], mac.addr_bytes[2],
			 mac.addr_bytes[3], mac.addr_bytes[4], mac.addr_bytes[5]);
		return -EINVAL;
	}
	if (q->state != DPVS_NEIGH_PERMANENT && q->state != DPVS_NEIGH_INCOMPLETE) {
		/* INCOMPLETE is the zero value: "no state given". */
		snprintf(err, errlen, "static neighbours are permanent (state %u refused)",
			 q->state);
		return -EINVAL;
	}
	return 0;
}

int inet_neigh_add(const struct dpvs_neigh *q, char *err, size_t errlen)
{
	char ip[INET_ADDRSTRLEN];
	int port_idx = neigh_check(q, err, errlen);

	if (port_idx < 0)
		return port_idx;
	int rc = inet_neigh_check_value(q, err, errlen);
	if (rc < 0)
		return rc;
	struct rte_ether_addr mac;
	memcpy(mac.addr_bytes, q->mac.b, RTE_ETHER_ADDR_LEN);

	rte_spinlock_lock(&neigh_lock);
	struct neigh *n = neigh_lookup(q->addr.in.s_addr, (uint16_t)port_idx);

	if (n && n->state == DPVS_NEIGH_PERMANENT) {
		rte_spinlock_unlock(&neigh_lock);
		snprintf(err, errlen, "neighbour %s already exists on %s",
			 inet_ntoa_be(q->addr.in.s_addr, ip), netif_port((uint16_t)port_idx)->name);
		return -EEXIST;
	}
	if (!n)
		n = neigh_create(q->addr.in.s_addr, (uint16_t)port_idx, inet_now_sec());
	if (!n) {
		rte_spinlock_unlock(&neigh_lock);
		snprintf(err, errlen, "neighbour table full (%u entries)", NEIGH_MAX);
		return -ENOSPC;
	}
	__atomic_store_n(&n->mac, mac_to_word(&mac), __ATOMIC_RELAXED);
	n->confirmed_sec = inet_now_sec();
	n->dead = false;
	__atomic_store_n(&n->state, DPVS_NEIGH_PERMANENT, __ATOMIC_RELEASE);
	neigh_changed();
	/* Packets that waited for a learned entry cannot be sent from the
	 * control thread (it owns no tx queue); later ones go straight out. */
	for (unsigned j = 0; j < n->nqueue; j++) {
		if (n->queue[j]->port < DP_MAX_PORTS) /* where it came from */
			ctl_drops[n->queue[j]->port]++;
		rte_pktmbuf_free(n->queue[j]);
	}
	n->nqueue = 0;
	rte_spinlock_unlock(&neigh_lock);
	return 0;
}

struct neigh_match {
	uint32_t addr_be;
	uint16_t port_idx;
};

static bool neigh_is(struct neigh *n, const void *arg)
{
	const struct neigh_match *k = arg;

	return n->key.addr_be == k->addr_be && n->key.port_idx == k->port_idx;
}

int inet_neigh_del(const struct dpvs_neigh *q, char *err, size_t errlen)
{
	char ip[INET_ADDRSTRLEN];
	int port_idx = neigh_check(q, err, errlen);

	if (port_idx < 0)
		return port_idx;
	struct neigh_match k = { .addr_be = q->addr.in.s_addr, .port_idx = (uint16_t)port_idx };

	if (neigh_reclaim(neigh_is, &k) == 0) {
		snprintf(err, errlen, "neighbour %s not found on %s",
			 inet_ntoa_be(q->addr.in.s_addr, ip), netif_port((uint16_t)port_idx)->name);
		return -ENOENT;
	}
	return 0;
}

unsigned inet_neigh_list(struct dpvs_neigh *out, unsigned max)
{
	uint64_t now = inet_now_sec();
	unsigned cnt = 0;

	rte_spinlock_lock(&neigh_lock);
	for (uint32_t i = 0; neigh_pool && i < NEIGH_MAX; i++) {
		const struct neigh *n = &neigh_pool[i];

		if (!n->in_use || n->unlinked)
			continue;
		if (cnt < max) {
			struct dpvs_neigh *o = &out[cnt];
			const struct dp_port *p = netif_port(n->key.port_idx);
			int64_t age = age_of(now, n->confirmed_sec);

			memset(o, 0, sizeof(*o));
			if (p)
				snprintf(o->ifname, sizeof(o->ifname), "%s", p->name);
			o->family = AF_INET;
			o->state = n->state;
			o->queued = n->nqueue;
			o->addr.in.s_addr = n->key.addr_be;
			memcpy(o->mac.b, &n->mac, RTE_ETHER_ADDR_LEN);
			o->age_sec = age > 0 ? (uint32_t)age : 0;
		}
		cnt++;
	}
	rte_spinlock_unlock(&neigh_lock);
	return cnt;
}

/* ---- savepoint (inet_save): the static entries as they were ----
 *
 * Only PERMANENT entries are the operator's (a file or dpip); learned
 * ones come and go with ARP. A restore withdraws the static entries the
 * savepoint did not have (or had with another MAC) and adds back those
 * it had: a learned entry a rolled-back static one had replaced is not
 * brought back (the next packet to it asks ARP again).
 */
struct neigh_saved {
	uint32_t addr_be;
	uint16_t port_idx;
	uint64_t mac;
};

static struct neigh_saved *saved_neighs;
static unsigned nsaved_neighs;

int neigh_save(char *err, size_t errlen)
{
	neigh_save_drop();
	saved_neighs = malloc(NEIGH_MAX * sizeof(*saved_neighs));
	if (!saved_neighs) {
		snprintf(err, errlen, "out of memory saving the neighbour table");
		return -ENOMEM;
	}
	rte_spinlock_lock(&neigh_lock);
	for (uint32_t i = 0; neigh_pool && i < NEIGH_MAX; i++) {
		const struct neigh *n = &neigh_pool[i];

		if (n->in_use && !n->unlinked && n->state == DPVS_NEIGH_PERMANENT)
			saved_neighs[nsaved_neighs++] = (struct neigh_saved){
				.addr_be = n->key.addr_be, .port_idx = n->key.port_idx,
				.mac = n->mac };
	}
	rte_spinlock_unlock(&neigh_lock);
	return 0;
}

void neigh_save_drop(void)
{
	free(saved_neighs);
	saved_neighs = NULL;
	nsaved_neighs = 0;
}

static const struct neigh_saved *neigh_saved_find(uint32_t addr_be, uint16_t port_idx)
{
	for (unsigned i = 0; i < nsaved_neighs; i++)
		if (saved_neighs[i].addr_be == addr_be && saved_neighs[i].port_idx == port_idx)
			return &saved_neighs[i];
	return NULL;
}

/* Under the lock: a static entry the savepoint had not, as it is. */
static bool neigh_not_saved(struct neigh *n, const void *arg)
{
	(void)arg;
	if (n->state != DPVS_NEIGH_PERMANENT)
		return false;
	const struct neigh_saved *s = neigh_saved_find(n->key.addr_be, n->key.port_idx);

	return !s || s->mac != n->mac;
}

int neigh_restore(char *err, size_t errlen)
{
	int first = 0;

	if (!saved_neighs)
		return 0;
	neigh_reclaim(neigh_not_saved, NULL);
	for (unsigned i = 0; i < nsaved_neighs; i++) {
		const struct neigh_saved *s = &saved_neighs[i];
		const struct dp_port *p = netif_port(s->port_idx);
		struct neigh *n = neigh_lookup(s->addr_be, s->port_idx);

		if (n && n->state == DPVS_NEIGH_PERMANENT)
			continue; /* never changed */
		struct dpvs_neigh q = { .family = AF_INET, .state = DPVS_NEIGH_PERMANENT };

		q.addr.in.s_addr = s->addr_be;
		memcpy(q.mac.b, &s->mac, RTE_ETHER_ADDR_LEN);
		snprintf(q.ifname, sizeof(q.ifname), "%s", p ? p->name : "");
		char why[192];
		int rc = inet_neigh_add(&q, why, sizeof(why));

		if (rc < 0 && !first) {
			snprintf(err, errlen, "%s", why);
			first = rc;
		}
	}
	return first;
}

/* One CRC instruction over the meaningful 8 bytes (the generic
 * rte_hash_crc loops over the length on every lookup). */
static uint32_t neigh_key_hash(const void *key, uint32_t len, uint32_t init)
{
	uint64_t k;

	(void)len;
	memcpy(&k, key, sizeof(k));
	return rte_hash_crc_8byte(k, init);
}

int neigh_init(char *err, size_t errlen)
{
	struct rte_hash_parameters hp = {
		.name = "inet_neigh",
		.entries = NEIGH_MAX,
		.key_len = sizeof(struct neigh_key),
		.hash_func = neigh_key_hash,
		.socket_id = SOCKET_ID_ANY,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF,
	};

	neigh_pool = rte_zmalloc("inet_neigh_pool", NEIGH_MAX * sizeof(*neigh_pool),
				 RTE_CACHE_LINE_SIZE);
	neigh_hash = rte_hash_create(&hp);
	if (!neigh_pool || !neigh_hash) {
		snprintf(err, errlen, "cannot allocate the neighbour table (%u entries): %s",
			 NEIGH_MAX, rte_strerror(rte_errno));
		neigh_fini();
		return -ENOMEM;
	}
	for (nfree = 0; nfree < NEIGH_MAX; nfree++)
		free_slots[nfree] = NEIGH_MAX - 1 - nfree; /* slot 0 handed out first */
	memset(ctl_drops, 0, sizeof(ctl_drops));
	return 0;
}

void neigh_fini(void)
{
	neigh_save_drop();
	for (uint32_t i = 0; neigh_pool && i < NEIGH_MAX; i++)
		for (unsigned j = 0; j < neigh_pool[i].nqueue; j++)
			rte_pktmbuf_free(neigh_pool[i].queue[j]);
	rte_hash_free(neigh_hash);
	rte_free(neigh_pool);
	neigh_hash = NULL;
	neigh_pool = NULL;
	nfree = 0;
}
