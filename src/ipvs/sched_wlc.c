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
	(void)st;
	return sched_least_loaded(svc, ctx, true);
}

const struct sched_ops sched_wlc = {
	.name = "wlc",
	.schedule = wlc_schedule,
};
