/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Least-connection, as LVS's lc: the dest with the smallest overhead,
 * where an active connection weighs 256 inactive ones (active ones cost
 * the server far more than those in TIME_WAIT); weights only matter as
 * quiesce. Counts are this worker's own: with RSS spreading clients
 * evenly, each worker balancing its share balances the whole without
 * sharing counters.
 */
#include "ipvs/ipvs_sched.h"

static const struct ipvs_snap_dest *lc_schedule(const struct ipvs_snap_svc *svc,
						struct sched_state *st,
						const struct sched_ctx *ctx)
{
	(void)st;
	return sched_least_loaded(svc, ctx, false);
}

const struct sched_ops sched_lc = {
	.name = "lc",
	.schedule = lc_schedule,
};
