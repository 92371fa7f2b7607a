/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Weighted failover, as LVS's fo: every new connection goes to the
 * available dest with the highest weight (the first of equals); the
 * others are standbys that take over when it is quiesced, overloaded or
 * removed. Stateless.
 */
#include "ipvs/ipvs_sched.h"

static const struct ipvs_snap_dest *fo_schedule(const struct ipvs_snap_svc *svc,
						struct sched_state *st, const struct sched_ctx *ctx)
{
	const struct ipvs_snap_dest *best = NULL;

	(void)st;
	for (uint32_t i = 0; i < svc->ndests; i++) {
		const struct ipvs_snap_dest *d = &svc->dests[i];

		/* strictly heavier: weight 0 never wins, ties keep the first */
		if (!sched_dest_overloaded(d, ctx) && d->weight > (best ? best->weight : 0))
			best = d;
	}
	return best;
}

const struct sched_ops sched_fo = {
    .name = "fo",
    .schedule = fo_schedule,
};
