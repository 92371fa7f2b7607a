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
 * The destination -> dest table is per worker (sched_state.mem: only its
 * worker writes it; counts are the worker's own too). It is a
 * direct-mapped cache of LBLC_TAB_SIZE entries: a colliding destination
 * takes the slot, as an expired entry would in LVS's chained table;
 * entries unused for LBLC_EXPIRE seconds (LVS's 24 h lblc_expiration)
 * count as absent. An entry names its dest by stable id, so the table
 * outlives edits of the service (as LVS's, whose entries hold the dest):
 * only a dest's removal forgets the destinations that went to it.
 */
#include "ipvs/ipvs_sched.h"

#define LBLC_TAB_BITS 10
#define LBLC_TAB_SIZE (1u << LBLC_TAB_BITS)
#define LBLC_EXPIRE   (24u * 60 * 60)

struct lblc_ent {
	uint32_t daddr;
	uint32_t lastuse;
	uint32_t dest_id; /* stable id of the dest */
	uint16_t idx;	  /* its place in svc->dests when last seen (a hint) */
	uint16_t used;
};

static const struct ipvs_snap_dest *
lblc_schedule(const struct ipvs_snap_svc *svc, struct sched_state *st, const struct sched_ctx *ctx)
{
	struct lblc_ent *tab = sched_wmem(st);
	const struct ipvs_snap_dest *dest;
	struct lblc_ent *e;

	if (!tab)
		return sched_least_loaded(svc, ctx, true);
	e = &tab[sched_hash_32(ctx->daddr, LBLC_TAB_BITS)];
	if (e->used && e->daddr == ctx->daddr && ctx->now - e->lastuse <= LBLC_EXPIRE) {
		e->lastuse = ctx->now;
		dest = sched_dest_by_id(svc, e->dest_id, &e->idx);
		if (dest && sched_dest_available(dest, ctx) &&
		    !sched_locality_overloaded(svc, dest, ctx))
			return dest;
	}
	dest = sched_least_loaded(svc, ctx, true);
	if (!dest)
		return NULL;
	*e = (struct lblc_ent){.daddr = ctx->daddr,
			       .lastuse = ctx->now,
			       .dest_id = dest->id,
			       .idx = (uint16_t)(dest - svc->dests),
			       .used = 1};
	return dest;
}

const struct sched_ops sched_lblc = {
    .name = "lblc",
    .wstate_size = sizeof(struct lblc_ent) * LBLC_TAB_SIZE,
    .schedule = lblc_schedule,
};
