/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shortest Expected Delay, as LVS's sed: a new connection goes to the
 * dest where it would wait least, (active + 1) / weight, the "+ 1" being
 * the connection itself. Only active connections count: the expected
 * delay is about the work being served, not TIME_WAIT leftovers.
 * Compared as (a1 + 1) * w2 > (a2 + 1) * w1, so no division; ties go to
 * the first dest. Counts are this worker's own (see ipvs_sched.h).
 */
#include "ipvs/ipvs_sched.h"

/* The expected delay's numerator of the sed/nq pair. */
static inline uint64_t sed_overhead(const struct sched_ctx *ctx, const struct ipvs_snap_dest *d)
{
	return ctx->dest_cnt[d->id].activeconns + 1;
}

static const struct ipvs_snap_dest *
sed_schedule(const struct ipvs_snap_svc *svc, struct sched_state *st, const struct sched_ctx *ctx)
{
	const struct ipvs_snap_dest *least = NULL;
	uint64_t loh = 0;

	(void)st;
	for (uint32_t i = 0; i < svc->ndests; i++) {
		const struct ipvs_snap_dest *d = &svc->dests[i];
		uint64_t doh;

		if (!sched_dest_available(d, ctx))
			continue;
		doh = sed_overhead(ctx, d);
		/* loh/lw > doh/dw, without division */
		if (!least || loh * (uint64_t)d->weight > doh * (uint64_t)least->weight) {
			least = d;
			loh = doh;
		}
	}
	return least;
}

const struct sched_ops sched_sed = {
    .name = "sed",
    .schedule = sed_schedule,
};
