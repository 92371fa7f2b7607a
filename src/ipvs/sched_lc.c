/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Least-connection, as LVS's lc: the dest with the smallest overhead,
 * where an active connection weighs 256 inactive ones (active ones cost
 * the server far more than those in TIME_WAIT). Counts are this worker's
 * own: with RSS spreading clients evenly, each worker balancing its share
 * balances the whole without sharing counters.
 */
#include "ipvs/ipvs_sched.h"

static const struct ipvs_snap_dest *lc_schedule(const struct ipvs_snap_svc *svc,
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
		if (!best || oh < best_oh) {
			best = d;
			best_oh = oh;
		}
	}
	return best;
}

const struct sched_ops sched_lc = {
	.name = "lc",
	.schedule = lc_schedule,
};
