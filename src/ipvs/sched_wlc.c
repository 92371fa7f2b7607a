/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Weighted least-connection, as LVS's wlc (ipvsadm's default): the dest
 * with the smallest overhead/weight, where an active connection weighs
 * 256 inactive ones. Counts are this worker's own (see sched_lc.c).
 */
#include "ipvs/ipvs_sched.h"

static const struct ipvs_snap_dest *wlc_schedule(const struct ipvs_snap_svc *svc,
						 struct sched_state *st,
						 const struct sched_ctx *ctx)
{
	const struct ipvs_snap_dest *best = NULL;
	uint64_t best_oh = 0;

	(void)st;
	for (uint32_t i = 0; i < svc->ndests; i++) {
		const struct ipvs_snap_dest *d = &svc->dests[i];
		uint64_t oh;

		if (d->weight <= 0) /* quiesced */
			continue;
		oh = sched_dest_overhead(&ctx->dest_cnt[d->id]);
		/* oh/w < best_oh/best_w, as oh*best_w < best_oh*w: no division */
		if (!best || oh * (uint64_t)best->weight < best_oh * (uint64_t)d->weight) {
			best = d;
			best_oh = oh;
		}
	}
	return best;
}

const struct sched_ops sched_wlc = {
	.name = "wlc",
	.schedule = wlc_schedule,
};
