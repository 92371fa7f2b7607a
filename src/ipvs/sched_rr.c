/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Round-robin: new connections go to the dests in turn, skipping quiesced
 * (weight 0) and overloaded ones. As LVS's rr, but the cursor is per worker: each worker
 * rotates through the dests on its own, so over all workers the load still
 * spreads evenly without any shared write.
 */
#include "ipvs/ipvs_sched.h"

static const struct ipvs_snap_dest *rr_schedule(const struct ipvs_snap_svc *svc,
						struct sched_state *st,
						const struct sched_ctx *ctx)
{
	uint32_t n = svc->ndests;
	uint32_t start = (uint32_t)st->v[0];

	for (uint32_t k = 0; k < n; k++) {
		uint32_t i = (start + k) % n;

		/* weight 0 means quiesced: no new connections */
		if (sched_dest_available(&svc->dests[i], ctx)) {
			st->v[0] = (int32_t)((i + 1) % n);
			return &svc->dests[i];
		}
	}
	return NULL;
}

const struct sched_ops sched_rr = {
	.name = "rr",
	.schedule = rr_schedule,
};
