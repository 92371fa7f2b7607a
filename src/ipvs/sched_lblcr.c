/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Locality-Based Least-Connection with Replication, as LVS's lblcr: like
 * lblc, but a destination maps to a set of dests. A new connection goes
 * to the least loaded member of the set (active*256 + inactive over
 * weight); when that member is overloaded (in LVS's locality sense, or
 * over -x) the weighted least-connection dest of the whole service is
 * chosen and joins the set: a hot destination is replicated over more
 * cache servers. A set that has not grown for LBLCR_EXPIRE seconds (LVS's
 * 24 h lblcr_expiration) sheds its most loaded member, so replication
 * shrinks back when the load goes.
 *
 * Per worker, direct-mapped, by stable dest id, as lblc's table (see
 * sched_lblc.c); a set holds at most LBLCR_SET_MAX dests (LVS's is
 * unbounded): a full set replaces its most loaded member. A member whose
 * dest was removed leaves the set when it is next looked at.
 */
#include "ipvs/ipvs_sched.h"

#define LBLCR_TAB_BITS 10
#define LBLCR_TAB_SIZE (1u << LBLCR_TAB_BITS)
#define LBLCR_EXPIRE   (24u * 60 * 60)
#define LBLCR_SET_MAX  8

struct lblcr_ent {
	uint32_t daddr;
	uint32_t lastuse;
	uint32_t lastmod;	     /* when the set last changed */
	uint16_t n;		     /* members; 0 = unused slot */
	uint16_t idx[LBLCR_SET_MAX]; /* places in svc->dests when last seen (hints) */
	uint32_t id[LBLCR_SET_MAX];  /* the members' stable dest ids */
};

static uint64_t overhead(const struct sched_ctx *ctx, const struct ipvs_snap_dest *d)
{
	return sched_dest_overhead(&ctx->dest_cnt[d->id]);
}

static void set_erase(struct lblcr_ent *e, int k)
{
	--e->n;
	e->idx[k] = e->idx[e->n];
	e->id[k] = e->id[e->n];
}

/* The members' dests in this snapshot (members that are gone leave). */
static void set_resolve(const struct ipvs_snap_svc *svc, struct lblcr_ent *e,
			const struct ipvs_snap_dest **d)
{
	for (int k = 0; k < e->n;) {
		d[k] = sched_dest_by_id(svc, e->id[k], &e->idx[k]);
		if (d[k]) {
			k++;
			continue;
		}
		set_erase(e, k); /* k now holds the last member: resolve it next */
	}
}

/* The set's least loaded available member (position in the set), -1. */
static int set_min(const struct lblcr_ent *e, const struct ipvs_snap_dest *const *dd,
		   const struct sched_ctx *ctx)
{
	int least = -1;
	uint64_t loh = 0;

	for (int k = 0; k < e->n; k++) {
		const struct ipvs_snap_dest *d = dd[k];
		uint64_t doh;

		if (!sched_dest_available(d, ctx))
			continue;
		doh = overhead(ctx, d);
		if (least < 0 || loh * (uint64_t)d->weight > doh * (uint64_t)dd[least]->weight) {
			least = k;
			loh = doh;
		}
	}
	return least;
}

/* The set's most loaded member with a weight (position), -1. */
static int set_max(const struct lblcr_ent *e, const struct ipvs_snap_dest *const *dd,
		   const struct sched_ctx *ctx)
{
	int most = -1;
	uint64_t moh = 0;

	for (int k = 0; k < e->n; k++) {
		const struct ipvs_snap_dest *d = dd[k];
		uint64_t doh;

		if (d->weight <= 0)
			continue;
		doh = overhead(ctx, d);
		if (most < 0 || moh * (uint64_t)d->weight < doh * (uint64_t)dd[most]->weight) {
			most = k;
			moh = doh;
		}
	}
	return most;
}

static void set_insert(const struct ipvs_snap_svc *svc, struct lblcr_ent *e,
		       const struct ipvs_snap_dest **dd, const struct sched_ctx *ctx,
		       const struct ipvs_snap_dest *dest)
{
	for (int k = 0; k < e->n; k++)
		if (e->id[k] == dest->id)
			return;
	if (e->n == LBLCR_SET_MAX) {
		int m = set_max(e, dd, ctx);

		m = m >= 0 ? m : 0;
		set_erase(e, m);
		dd[m] = dd[e->n];
	}
	e->idx[e->n] = (uint16_t)(dest - svc->dests);
	e->id[e->n] = dest->id;
	dd[e->n++] = dest;
	e->lastmod = ctx->now;
}

static const struct ipvs_snap_dest *
lblcr_schedule(const struct ipvs_snap_svc *svc, struct sched_state *st, const struct sched_ctx *ctx)
{
	struct lblcr_ent *tab = sched_wmem(st);
	const struct ipvs_snap_dest *dd[LBLCR_SET_MAX];
	const struct ipvs_snap_dest *dest = NULL;
	struct lblcr_ent *e;

	if (!tab)
		return sched_least_loaded(svc, ctx, true);
	e = &tab[sched_hash_32(ctx->daddr, LBLCR_TAB_BITS)];
	if (e->n && e->daddr == ctx->daddr && ctx->now - e->lastuse <= LBLCR_EXPIRE) {
		int k;

		set_resolve(svc, e, dd);
		k = set_min(e, dd, ctx);
		e->lastuse = ctx->now;
		dest = k >= 0 ? dd[k] : NULL;
		/* replication shrinks when the set has been stable long enough */
		if (e->n > 1 && ctx->now - e->lastmod > LBLCR_EXPIRE) {
			int m = set_max(e, dd, ctx);

			if (m >= 0) {
				set_erase(e, m);
				dd[m] = dd[e->n];
				e->lastmod = ctx->now;
			}
		}
		if (dest && !sched_locality_overloaded(svc, dest, ctx))
			return dest;
		dest = sched_least_loaded(svc, ctx, true);
		if (dest)
			set_insert(svc, e, dd, ctx, dest);
		return dest;
	}
	dest = sched_least_loaded(svc, ctx, true);
	if (!dest)
		return NULL;
	*e = (struct lblcr_ent){
	    .daddr = ctx->daddr, .lastuse = ctx->now, .lastmod = ctx->now, .n = 1};
	e->idx[0] = (uint16_t)(dest - svc->dests);
	e->id[0] = dest->id;
	return dest;
}

const struct sched_ops sched_lblcr = {
    .name = "lblcr",
    .wstate_size = sizeof(struct lblcr_ent) * LBLCR_TAB_SIZE,
    .schedule = lblcr_schedule,
};
