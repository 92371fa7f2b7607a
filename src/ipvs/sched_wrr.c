/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Weighted round-robin, as LVS's wrr: a current weight cw starts at the
 * largest weight and steps down by the gcd of the weights each time the
 * walk wraps around the dest list; a dest is chosen when its weight is at
 * least cw. Dests with weight w are so picked w/gcd times per cycle, and
 * heavier dests come first and are interleaved (weights 1:2:3 give
 * C B C A B C). The gcd and the largest weight are computed once per
 * snapshot (init_service); the cursor (index, cw) is per worker.
 *
 * Each call looks at fewer than 2 * ndests dests: after a wrap cw is at
 * most the largest weight, so the heaviest dest always qualifies. Only
 * when dests are overloaded (-x) may the walk go on, as LVS's, through
 * lower cw values: at most (max/gcd + 1) turns of the list, and none
 * when every dest is overloaded.
 */
#include <errno.h>
#include <stdlib.h>

#include "ipvs/ipvs_sched.h"

struct wrr_data {
	int32_t max_weight;
	int32_t gcd;
};

static int wrr_init_service(const struct ipvs_snap_svc *svc, void **data)
{
	struct wrr_data *d = calloc(1, sizeof(*d));

	if (!d)
		return -ENOMEM;
	d->gcd = sched_weights_gcd(svc, &d->max_weight, NULL);
	*data = d;
	return 0;
}

static void wrr_free_service(void *data)
{
	free(data);
}

/* Cursor: v[0] = index of the last pick + 1 (0: none yet), v[1] = cw. */
static const struct ipvs_snap_dest *wrr_schedule(const struct ipvs_snap_svc *svc,
						 struct sched_state *st,
						 const struct sched_ctx *ctx)
{
	const struct wrr_data *d = svc->sched_data;
	int32_t n = (int32_t)svc->ndests;
	int32_t i = st->v[0] - 1;
	int32_t cw = st->v[1];
	int64_t steps;

	if (!d || d->max_weight <= 0) /* all quiesced */
		return NULL;
	if (i >= n)
		i = -1;
	steps = ((int64_t)d->max_weight / d->gcd + 1) * (n + 1);
	for (int64_t k = 0; k < steps; k++) {
		i = (i + 1) % n;
		if (i == 0) {
			cw -= d->gcd;
			if (cw <= 0)
				cw = d->max_weight;
		}
		/* weight 0 never reaches cw >= 1: quiesced dests are skipped */
		if (svc->dests[i].weight >= cw && !sched_dest_overloaded(&svc->dests[i], ctx)) {
			st->v[0] = i + 1;
			st->v[1] = cw;
			return &svc->dests[i];
		}
	}
	return NULL;
}

const struct sched_ops sched_wrr = {
	.name = "wrr",
	.init_service = wrr_init_service,
	.free_service = wrr_free_service,
	.schedule = wrr_schedule,
};
