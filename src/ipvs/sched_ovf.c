/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Overflow, as LVS's ovf: the available dest with the highest weight
 * takes new connections as long as its active connections do not exceed
 * its weight; then the next heaviest does, and so on. The weight is used
 * as a connection budget: fill the best server up to it, overflow to the
 * next. Active counts are this worker's own (see ipvs_sched.h).
 */
#include "ipvs/ipvs_sched.h"

static const struct ipvs_snap_dest *
ovf_schedule(const struct ipvs_snap_svc *svc, struct sched_state *st, const struct sched_ctx *ctx)
{
	const struct ipvs_snap_dest *best = NULL;

	(void)st;
	for (uint32_t i = 0; i < svc->ndests; i++) {
		const struct ipvs_snap_dest *d = &svc->dests[i];

		if (!sched_dest_available(d, ctx) ||
		    ctx->dest_cnt[d->id].activeconns > (uint64_t)d->weight)
			continue; /* quiesced, overloaded or over its budget */
		if (!best || d->weight > best->weight)
			best = d;
	}
	return best;
}

const struct sched_ops sched_ovf = {
    .name = "ovf",
    .schedule = ovf_schedule,
};
