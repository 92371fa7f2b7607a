/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small expiring table from a connection's 4-tuple (as the real server
 * sees it: the balancer's local address and port, the server's own) to
 * the client address the balancer carried in an option. Both modules need
 * one: toa keeps the SYN's TOA until the handshake completes, uoa keeps a
 * UDP flow's UOA until the application asks.
 *
 * Bounded: at most `max` entries (a full table refuses and the caller
 * counts it), each lives `ttl` jiffies after its last update, a sweep
 * every few seconds removes the expired. One spinlock per bucket, taken
 * with bottom halves off (entries come from softirq, lookups also from
 * process context). Header-only: each module is built on its own and
 * carries its own copy.
 */
#ifndef DPVS_KMOD_TUPLE_TABLE_H
#define DPVS_KMOD_TUPLE_TABLE_H

#include <linux/jhash.h>
#include <linux/jiffies.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>

#define TT_GC_INTERVAL (5 * HZ)

struct tt_key {
	const struct net *net;
	__be32 saddr; /* the peer as the server sees it: LIP */
	__be32 daddr; /* the server's own address */
	__be16 sport;
	__be16 dport;
	u32 pad; /* zeroed: keys compare with memcmp */
};

struct tt_entry {
	struct hlist_node node;
	struct tt_key key;
	unsigned long expires;
	__be32 caddr; /* the client, from the option */
	__be16 cport;
};

struct tt_bucket {
	spinlock_t lock;
	struct hlist_head head;
};

struct tuple_table {
	struct tt_bucket *buckets;
	unsigned int mask;
	unsigned int max;
	unsigned long ttl;
	u32 seed;
	atomic_t count;
	struct delayed_work gc;
};

static inline void tt_key_set(struct tt_key *k, const struct net *net, __be32 saddr, __be16 sport,
			      __be32 daddr, __be16 dport)
{
	memset(k, 0, sizeof(*k));
	k->net = net;
	k->saddr = saddr;
	k->sport = sport;
	k->daddr = daddr;
	k->dport = dport;
}

static inline struct tt_bucket *tt_bucket_of(struct tuple_table *t, const struct tt_key *k)
{
	u32 h = jhash_3words(
	    (__force u32)k->saddr, (__force u32)k->daddr,
	    ((__force u32)k->sport << 16 | (__force u32)k->dport) ^ net_hash_mix(k->net), t->seed);

	return &t->buckets[h & t->mask];
}

/* under b->lock: drop what expired */
static inline void tt_expire_bucket(struct tuple_table *t, struct tt_bucket *b)
{
	struct tt_entry *e;
	struct hlist_node *tmp;

	hlist_for_each_entry_safe(e, tmp, &b->head, node) if (time_after(jiffies, e->expires))
	{
		hlist_del(&e->node);
		kfree(e);
		atomic_dec(&t->count);
	}
}

static inline void tt_gc(struct work_struct *w)
{
	struct tuple_table *t = container_of(to_delayed_work(w), struct tuple_table, gc);
	unsigned int i;

	for (i = 0; i <= t->mask; i++) {
		spin_lock_bh(&t->buckets[i].lock);
		tt_expire_bucket(t, &t->buckets[i]);
		spin_unlock_bh(&t->buckets[i].lock);
		cond_resched();
	}
	schedule_delayed_work(&t->gc, TT_GC_INTERVAL);
}

static inline int tt_init(struct tuple_table *t, unsigned int bits, unsigned int max,
			  unsigned long ttl)
{
	unsigned int i, n = 1U << bits;

	t->buckets = kvcalloc(n, sizeof(*t->buckets), GFP_KERNEL);
	if (!t->buckets)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		spin_lock_init(&t->buckets[i].lock);
		INIT_HLIST_HEAD(&t->buckets[i].head);
	}
	t->mask = n - 1;
	t->max = max;
	t->ttl = ttl;
	t->seed = get_random_u32();
	atomic_set(&t->count, 0);
	INIT_DELAYED_WORK(&t->gc, tt_gc);
	schedule_delayed_work(&t->gc, TT_GC_INTERVAL);
	return 0;
}

/* Callers have stopped adding (hooks gone) before this. */
static inline void tt_destroy(struct tuple_table *t)
{
	struct tt_entry *e;
	struct hlist_node *tmp;
	unsigned int i;

	cancel_delayed_work_sync(&t->gc);
	for (i = 0; i <= t->mask; i++)
		hlist_for_each_entry_safe(e, tmp, &t->buckets[i].head, node)
		{
			hlist_del(&e->node);
			kfree(e);
		}
	kvfree(t->buckets);
}

/* Adds or refreshes. 0, or -ENOSPC (table full), -ENOMEM. */
static inline int tt_put(struct tuple_table *t, const struct tt_key *k, __be32 caddr, __be16 cport)
{
	struct tt_bucket *b = tt_bucket_of(t, k);
	struct tt_entry *e;
	int rc = 0;

	spin_lock_bh(&b->lock);
	tt_expire_bucket(t, b);
	hlist_for_each_entry(e, &b->head, node) if (!memcmp(&e->key, k, sizeof(*k))) goto set;
	if (atomic_read(&t->count) >= t->max) {
		rc = -ENOSPC;
		goto out;
	}
	e = kmalloc(sizeof(*e), GFP_ATOMIC);
	if (!e) {
		rc = -ENOMEM;
		goto out;
	}
	e->key = *k;
	hlist_add_head(&e->node, &b->head);
	atomic_inc(&t->count);
set:
	e->caddr = caddr;
	e->cport = cport;
	e->expires = jiffies + t->ttl;
out:
	spin_unlock_bh(&b->lock);
	return rc;
}

/* Finds k (and removes it when take): true and the client address, or
 * false. */
static inline bool tt_get(struct tuple_table *t, const struct tt_key *k, bool take, __be32 *caddr,
			  __be16 *cport)
{
	struct tt_bucket *b = tt_bucket_of(t, k);
	struct tt_entry *e;
	bool found = false;

	spin_lock_bh(&b->lock);
	hlist_for_each_entry(e, &b->head, node)
	{
		if (memcmp(&e->key, k, sizeof(*k)) || time_after(jiffies, e->expires))
			continue;
		*caddr = e->caddr;
		*cport = e->cport;
		found = true;
		if (take) {
			hlist_del(&e->node);
			kfree(e);
			atomic_dec(&t->count);
		}
		break;
	}
	spin_unlock_bh(&b->lock);
	return found;
}

#endif /* DPVS_KMOD_TUPLE_TABLE_H */
