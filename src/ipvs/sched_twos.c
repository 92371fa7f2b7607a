/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Weighted random two choices, as LVS's twos (Mitzenmacher's "power of
 * two choices"): two dests are drawn at random, each with a probability
 * in proportion to its weight, and the less loaded of the two (overhead
 * active*256 + inactive over weight) takes the connection. Nearly as
 * good as least-connection, without looking at every dest's load, and
 * with no herd behaviour when many balancers see stale counts.
 *
 * As LVS: the two draws are r mod (total weight + 1), walked down the
 * dest list subtracting weights until r <= 0 (so the first available
 * dest also takes r = 0); choice 1 wins ties. The random numbers come
 * from a per-worker xorshift32 kept in the worker's cursor (seeded from
 * the worker's index): no shared state, no system call.
 */
#include "ipvs/ipvs_sched.h"

static uint32_t rnd(struct sched_state *st, const struct sched_ctx *ctx)
{
	uint32_t x = (uint32_t)st->v[0];

	if (!x) /* fresh cursor: seed it, differently on each worker */
		x = 0x9e3779b9u ^ ((uint32_t)ctx->worker * 0x85ebca6bu + 1);
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	st->v[0] = (int32_t)x;
	return x;
}

static const struct ipvs_snap_dest *
twos_schedule(const struct ipvs_snap_svc *svc, struct sched_state *st, const struct sched_ctx *ctx)
{
	const struct ipvs_snap_dest *c1 = NULL, *c2 = NULL;
	int64_t total = 0, r1, r2;

	for (uint32_t i = 0; i < svc->ndests; i++)
		if (sched_dest_available(&svc->dests[i], ctx))
			total += svc->dests[i].weight;
	if (!total)
		return NULL;
	total += 1; /* LVS: draws inclusive of the total */
	r1 = rnd(st, ctx) % total;
	r2 = rnd(st, ctx) % total;
	for (uint32_t i = 0; i < svc->ndests && !(c1 && c2); i++) {
		const struct ipvs_snap_dest *d = &svc->dests[i];

		if (!sched_dest_available(d, ctx))
			continue;
		r1 -= d->weight;
		r2 -= d->weight;
		if (r1 <= 0 && !c1)
			c1 = d;
		if (r2 <= 0 && !c2)
			c2 = d;
	}
	/* the less loaded by overhead/weight: oh1 * w2 > oh2 * w1 */
	if (c2 && sched_dest_overhead(&ctx->dest_cnt[c1->id]) * (uint64_t)c2->weight >
		      sched_dest_overhead(&ctx->dest_cnt[c2->id]) * (uint64_t)c1->weight)
		c1 = c2;
	return c1;
}

const struct sched_ops sched_twos = {
    .name = "twos",
    .init_service = NULL,
    .schedule = twos_schedule,
};
