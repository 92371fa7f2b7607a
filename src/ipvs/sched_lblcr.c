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
 * Per worker, direct-mapped, reset with the snapshot, as lblc's table
 * (see sched_lblc.c); a set holds at most LBLCR_SET_MAX dests (LVS's is
 * unbounded): a full set replaces its most loaded member.
 */
#include <errno.h>
#include <stdlib.h>

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
	uint16_t idx[LBLCR_SET_MAX]; /* indexes into svc->dests */
};

struct lblcr_data {
	struct lblcr_ent tab[DP_MAX_WORKERS][LBLCR_TAB_SIZE];
};

static int lblcr_init_service(const struct ipvs_snap_svc *svc, void **data)
{
	(void)svc;
	*data = calloc(1, sizeof(struct lblcr_data));
	return *data ? 0 : -ENOMEM;
}

static void lblcr_free_service(void *data)
{
	free(data);
}

static uint64_t overhead(const struct sched_ctx *ctx, const struct ipvs_snap_dest *d)
{
	return sched_dest_overhead(&ctx->dest_cnt[d->id]);
}

/* The set's least loaded available member (position in the set), -1. */
static int set_min(const struct ipvs_snap_svc *svc, const struct lblcr_ent *e,
		   const struct sched_ctx *ctx)
{
	int least = -1;
	uint64_t loh = 0;

	for (int k = 0; k < e->n; k++) {
		const struct ipvs_snap_dest *d = &svc->dests[e->idx[k]];
		uint64_t doh;

		if (!sched_dest_available(d, ctx))
			continue;
		doh = overhead(ctx, d);
		if (least < 0 ||
		    loh * (uint64_t)d->weight > doh * (uint64_t)svc->dests[e->idx[least]].weight) {
			least = k;
			loh = doh;
		}
	}
	return least;
}

/* The set's most loaded member with a weight (position), -1. */
static int set_max(const struct ipvs_snap_svc *svc, const struct lblcr_ent *e,
		   const struct sched_ctx *ctx)
{
	int most = -1;
	uint64_t moh = 0;

	for (int k = 0; k < e->n; k++) {
		const struct ipvs_snap_dest *d = &svc->dests[e->idx[k]];
		uint64_t doh;

		if (d->weight <= 0)
			continue;
		doh = overhead(ctx, d);
		if (most < 0 ||
		    moh * (uint64_t)d->weight < doh * (uint64_t)svc->dests[e->idx[most]].weight) {
			most = k;
			moh = doh;
		}
	}
	return most;
}

static void set_erase(struct lblcr_ent *e, int k)
{
	e->idx[k] = e->idx[--e->n];
}

static void set_insert(const struct ipvs_snap_svc *svc, struct lblcr_ent *e,
		       const struct sched_ctx *ctx, uint16_t idx)
{
	for (int k = 0; k < e->n; k++)
		if (e->idx[k] == idx)
			return;
	if (e->n == LBLCR_SET_MAX) {
		int m = set_max(svc, e, ctx);

		set_erase(e, m >= 0 ? m : 0);
	}
	e->idx[e->n++] = idx;
	e->lastmod = ctx->now;
}

static const struct ipvs_snap_dest *
lblcr_schedule(const struct ipvs_snap_svc *svc, struct sched_state *st, const struct sched_ctx *ctx)
{
	struct lblcr_data *data = svc->sched_data;
	const struct ipvs_snap_dest *dest = NULL;
	struct lblcr_ent *e;

	(void)st;
	if (!data || ctx->worker >= DP_MAX_WORKERS)
		return sched_least_loaded(svc, ctx, true);
	e = &data->tab[ctx->worker][sched_hash_32(ctx->daddr, LBLCR_TAB_BITS)];
	if (e->n && e->daddr == ctx->daddr && ctx->now - e->lastuse <= LBLCR_EXPIRE) {
		int k = set_min(svc, e, ctx);

		e->lastuse = ctx->now;
		dest = k >= 0 ? &svc->dests[e->idx[k]] : NULL;
		/* replication shrinks when the set has been stable long enough */
		if (e->n > 1 && ctx->now - e->lastmod > LBLCR_EXPIRE) {
			int m = set_max(svc, e, ctx);

			if (m >= 0) {
				set_erase(e, m);
				e->lastmod = ctx->now;
			}
		}
		if (dest && !sched_locality_overloaded(svc, dest, ctx))
			return dest;
		dest = sched_least_loaded(svc, ctx, true);
		if (dest)
			set_insert(svc, e, ctx, (uint16_t)(dest - svc->dests));
		return dest;
	}
	dest = sched_least_loaded(svc, ctx, true);
	if (!dest)
		return NULL;
	*e = (struct lblcr_ent){
	    .daddr = ctx->daddr, .lastuse = ctx->now, .lastmod = ctx->now, .n = 1};
	e->idx[0] = (uint16_t)(dest - svc->dests);
	return dest;
}

const struct sched_ops sched_lblcr = {
    .name = "lblcr",
    .init_service = lblcr_init_service,
    .free_service = lblcr_free_service,
    .schedule = lblcr_schedule,
};
