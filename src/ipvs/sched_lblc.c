/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Locality-Based Least-Connection, as LVS's lblc: for cache clusters,
 * where the packet's destination address names the content. A
 * destination keeps going to the dest it went to last, so that server's
 * cache stays hot, unless that dest is quiesced, overloaded (-x), or
 * "overloaded" in LVS's locality sense (more active connections than its
 * weight while another dest runs under half its weight). Then, and for
 * a destination seen for the first time, the dest is chosen by weighted
 * least-connection (overhead active*256 + inactive over weight) and
 * remembered.
 *
 * The destination -> dest table is per worker (a slice of sched_data
 * that only its worker writes; counts are the worker's own too). It is a
 * direct-mapped cache of LBLC_TAB_SIZE entries per worker: a colliding
 * destination takes the slot, as an expired entry would in LVS's chained
 * table; entries unused for LBLC_EXPIRE seconds (LVS's 24 h
 * lblc_expiration) count as absent. The table lives with the snapshot: a
 * configuration change of the service starts it afresh.
 */
#include <errno.h>
#include <stdlib.h>

#include "ipvs/ipvs_sched.h"

#define LBLC_TAB_BITS 10
#define LBLC_TAB_SIZE (1u << LBLC_TAB_BITS)
#define LBLC_EXPIRE   (24u * 60 * 60)

struct lblc_ent {
	uint32_t daddr;
	uint32_t lastuse;
	uint16_t idx; /* index into svc->dests */
	uint16_t used;
};

struct lblc_data {
	struct lblc_ent tab[DP_MAX_WORKERS][LBLC_TAB_SIZE];
};

static int lblc_init_service(const struct ipvs_snap_svc *svc, void **data)
{
	(void)svc;
	*data = calloc(1, sizeof(struct lblc_data));
	return *data ? 0 : -ENOMEM;
}

static void lblc_free_service(void *data)
{
	free(data);
}

static const struct ipvs_snap_dest *
lblc_schedule(const struct ipvs_snap_svc *svc, struct sched_state *st, const struct sched_ctx *ctx)
{
	struct lblc_data *data = svc->sched_data;
	const struct ipvs_snap_dest *dest;
	struct lblc_ent *e;

	(void)st;
	if (!data || ctx->worker >= DP_MAX_WORKERS)
		return sched_least_loaded(svc, ctx, true);
	e = &data->tab[ctx->worker][sched_hash_32(ctx->daddr, LBLC_TAB_BITS)];
	if (e->used && e->daddr == ctx->daddr && ctx->now - e->lastuse <= LBLC_EXPIRE &&
	    e->idx < svc->ndests) {
		e->lastuse = ctx->now;
		dest = &svc->dests[e->idx];
		if (sched_dest_available(dest, ctx) && !sched_locality_overloaded(svc, dest, ctx))
			return dest;
	}
	dest = sched_least_loaded(svc, ctx, true);
	if (!dest)
		return NULL;
	*e = (struct lblc_ent){.daddr = ctx->daddr,
			       .lastuse = ctx->now,
			       .idx = (uint16_t)(dest - svc->dests),
			       .used = 1};
	return dest;
}

const struct sched_ops sched_lblc = {
    .name = "lblc",
    .init_service = lblc_init_service,
    .free_service = lblc_free_service,
    .schedule = lblc_schedule,
};
