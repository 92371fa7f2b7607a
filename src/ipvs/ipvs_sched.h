/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ipvs_sched: the scheduler interface and registry (sched.c). Not named
 * sched.h: this folder is on the include path and <sched.h> is libc's.
 *
 * A scheduler picks the dest of a new connection. It is split the way the
 * data plane is: init_service() runs on the control thread when a
 * snapshot is built and may precompute immutable data for the service
 * (freed with the snapshot); schedule() runs on a worker with that
 * worker's own cursor (struct sched_state, zeroed whenever the service
 * changes) and the worker's per-dest counters, and never writes anything
 * shared. Weight 0 means quiesced: no scheduler may return such a dest.
 *
 * Adding a scheduler: one file sched_NAME.c defining a struct sched_ops,
 * and one line in the table of sched.c.
 */
#ifndef DPVS_IPVS_IPVS_SCHED_H
#define DPVS_IPVS_IPVS_SCHED_H

#include <stdbool.h>
#include <stdint.h>

#include "ipvs/ipvs_priv.h"

/* What a scheduler may look at for one new connection. */
struct sched_ctx {
	const struct ipvs_dest_wstate *dest_cnt; /* this worker's, by dest id */
	uint32_t caddr; /* client address and port, network order */
	uint16_t cport;
};

struct sched_ops {
	const char *name;
	/* Control thread, optional: build *data for svc (0 or -errno). */
	int (*init_service)(const struct ipvs_snap_svc *svc, void **data);
	void (*free_service)(void *data);
	/* Worker: a dest of svc, or NULL when none may take a connection. */
	const struct ipvs_snap_dest *(*schedule)(const struct ipvs_snap_svc *svc,
						 struct sched_state *st,
						 const struct sched_ctx *ctx);
};

/* Load of a dest for the least-connection family, as LVS: an active
 * connection costs the server about 256 inactive ones (TIME_WAIT...). */
static inline uint64_t sched_dest_overhead(const struct ipvs_dest_wstate *c)
{
	return (c->activeconns << 8) + c->inactconns;
}

/*
 * The least-connection family: the dest with the smallest overhead, or
 * overhead/weight when weighted (compared as oh1*w2 < oh2*w1: no
 * division). Quiesced dests (weight 0) are skipped; ties go to the first.
 */
static inline const struct ipvs_snap_dest *sched_least_loaded(const struct ipvs_snap_svc *svc,
							     const struct sched_ctx *ctx,
							     bool weighted)
{
	const struct ipvs_snap_dest *best = NULL;
	uint64_t best_oh = 0;

	for (uint32_t i = 0; i < svc->ndests; i++) {
		const struct ipvs_snap_dest *d = &svc->dests[i];
		uint64_t oh;

		if (d->weight <= 0) /* quiesced */
			continue;
		oh = sched_dest_overhead(&ctx->dest_cnt[d->id]);
		if (!best || (weighted ? oh * (uint64_t)best->weight < best_oh * (uint64_t)d->weight
				       : oh < best_oh)) {
			best = d;
			best_oh = oh;
		}
	}
	return best;
}

/* NULL when no scheduler has that name. */
const struct sched_ops *sched_find(const char *name);
/* Registered scheduler names, for messages: "rr wrr ...". */
void sched_names(char *buf, size_t len);

/* Worker: resets the cursor when the service changed, then schedules. */
static inline const struct ipvs_snap_dest *sched_pick(const struct ipvs_snap_svc *svc,
						      struct sched_state *st,
						      const struct sched_ctx *ctx)
{
	if (st->gen != svc->gen) {
		st->gen = svc->gen;
		st->v[0] = st->v[1] = st->v[2] = 0;
	}
	return svc->sched->schedule(svc, st, ctx);
}

#endif /* DPVS_IPVS_IPVS_SCHED_H */
