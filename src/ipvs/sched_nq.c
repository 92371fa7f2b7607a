/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Never Queue, as LVS's nq: a dest with no active connection takes the
 * new one at once (the first such dest in the list, whatever its
 * weight): nobody waits while a server idles. Otherwise it is Shortest
 * Expected Delay, (active + 1) / weight, smallest wins, first on a tie.
 * Counts are this worker's own (see ipvs_sched.h).
 */
#include "ipvs/ipvs_sched.h"

static const struct ipvs_snap_dest *nq_schedule(const struct ipvs_snap_svc *svc,
						struct sched_state *st, const struct sched_ctx *ctx)
{
	const struct ipvs_snap_dest *least = NULL;
	uint64_t loh = 0;

	(void)st;
	for (uint32_t i = 0; i < svc->ndests; i++) {
		const struct ipvs_snap_dest *d = &svc->dests[i];
		uint64_t active, doh;

		if (!sched_dest_available(d, ctx))
			continue;
		active = ctx->dest_cnt[d->id].activeconns;
		if (active == 0) /* idle: never queue */
			return d;
		doh = active + 1;
		if (!least || loh * (uint64_t)d->weight > doh * (uint64_t)least->weight) {
			least = d;
			loh = doh;
		}
	}
	return least;
}

const struct sched_ops sched_nq = {
    .name = "nq",
    .schedule = nq_schedule,
};
