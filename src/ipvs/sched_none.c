/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * none: a service without a scheduler, as LVS's `-s none` (ip_vs_ctl.c
 * binds no scheduler when the name is "none", and ip_vs_schedule() then
 * finds no dest). New flows get no real server and are dropped (no-dest);
 * conns that exist go on, and a persistent service still sends a client
 * that has a template to its dest (persist.c asks the template first), as
 * LVS's ip_vs_sched_persist() does. Listings and -S show "none".
 */
#include "ipvs/ipvs_sched.h"

static const struct ipvs_snap_dest *
none_schedule(const struct ipvs_snap_svc *svc, struct sched_state *st, const struct sched_ctx *ctx)
{
	(void)svc;
	(void)st;
	(void)ctx;
	return NULL;
}

const struct sched_ops sched_none = {
    .name = "none",
    .schedule = none_schedule,
};
