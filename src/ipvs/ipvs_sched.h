/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ipvs_sched: the scheduler interface and registry (sched.c). Not named
 * sched.h: this folder is on the include path and <sched.h> is libc's.
 *
 * A scheduler picks the dest of a new connection. It is split the way the
 * data plane is: init_service() runs on the control thread when the
 * service changed (not when another one did) and may precompute
 * immutable data for it, which every snapshot shares until the service
 * changes again and which nobody writes afterwards (sched_data is const);
 * schedule() runs on a worker with that worker's own state (struct
 * sched_state: a cursor zeroed whenever the service changes, and, for a
 * scheduler that asks for wstate_size bytes, a table of its own) and the
 * worker's per-dest counters, and never writes anything shared. Weight 0
 * means quiesced: no scheduler may return such a dest; nor may one
 * return a dest over its connection threshold (-x), as LVS's
 * IP_VS_DEST_F_OVERLOAD (sched_dest_available() checks both).
 *
 * Per-worker counts: the connection-count schedulers (lc wlc sed nq lblc
 * lblcr ovf twos) read this worker's own active/inactive counts. RSS
 * spreads clients over the workers evenly, so each worker balancing its
 * share balances the whole, with no counter shared between lcores. The
 * locality tables of lblc/lblcr are per worker too (sched_state.mem),
 * and outlive edits of the service other than a change of scheduler:
 * they name dests by stable id, not by their place in the list.
 *
 * Adding a scheduler: one file sched_NAME.c defining a struct sched_ops,
 * and one line in the table of sched.c.
 */
#ifndef DPVS_IPVS_IPVS_SCHED_H
#define DPVS_IPVS_IPVS_SCHED_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <rte_branch_prediction.h>

#include "ipvs/ipvs_priv.h"

/* What a scheduler may look at for one new connection. */
struct sched_ctx {
	const struct ipvs_dest_wstate *dest_cnt; /* this worker's, by dest id */
	/* the snapshot's thresholds by dest id (NULL: the overload flags
	 * alone decide, as in tests of the schedulers alone) */
	const struct ipvs_snap_thresh *thresh;
	uint32_t caddr; /* client address and port, network order */
	uint16_t cport;
	uint16_t worker; /* index of the scheduling worker (< DP_MAX_WORKERS) */
	uint32_t daddr; /* the packet's destination address (dh, lblc, lblcr) */
	uint32_t now;   /* worker clock, seconds (lblc, lblcr) */
};

struct sched_ops {
	const char *name;
	/* Control thread, optional: build *data for svc (0 or -errno). */
	int (*init_service)(const struct ipvs_snap_svc *svc, void **data);
	void (*free_service)(void *data);
	/* Bytes of per-worker, per-service memory schedule() may write
	 * (sched_wmem()); 0 = none. Zeroed when the service is new or gets
	 * this scheduler. */
	uint32_t wstate_size;
	/* Worker: a dest of svc, or NULL when none may take a connection. */
	const struct ipvs_snap_dest *(*schedule)(const struct ipvs_snap_svc *svc,
						 struct sched_state *st,
						 const struct sched_ctx *ctx);
};

/* A dest may take a new connection: not quiesced (weight 0) and not
 * overloaded (its worker share of the -x threshold reached). */
static inline bool sched_dest_overloaded(const struct ipvs_snap_dest *d,
					 const struct sched_ctx *ctx)
{
	/* a threshold removed since the flag was set no longer holds */
	return ctx->dest_cnt[d->id].overloaded != 0 && (!ctx->thresh || ctx->thresh[d->id].upper);
}

static inline bool sched_dest_available(const struct ipvs_snap_dest *d,
					const struct sched_ctx *ctx)
{
	return d->weight > 0 && !sched_dest_overloaded(d, ctx);
}

/*
 * The hash of the hashing schedulers (mh, conhash): a 64-bit finalizer
 * (Stafford's mix13 of splitmix64) over key ^ seed. Fixed seeds, no
 * per-process secret: every worker and every balancer running the same
 * configuration computes the same values, which is what lets balancers
 * behind ECMP agree on a flow's server without talking to each other.
 */
static inline uint64_t sched_hash64(uint64_t key, uint64_t seed)
{
	uint64_t z = key ^ seed;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Greatest common divisor of two positive weights (wrr's step, the
 * weight units of mh and conhash). */
static inline int32_t sched_gcd(int32_t a, int32_t b)
{
	while (b) {
		int32_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/*
 * The gcd of the service's positive weights (0 when every dest is
 * quiesced). Optionally the largest weight, and the sum of weight/gcd:
 * the number of turns weighted tables (wrr, mh, conhash) hand out.
 */
static inline int32_t sched_weights_gcd(const struct ipvs_snap_svc *svc, int32_t *max,
					uint64_t *units)
{
	int32_t g = 0, hi = 0;
	uint64_t sum = 0;

	for (uint32_t i = 0; i < svc->ndests; i++) {
		int32_t w = svc->dests[i].weight;

		if (w <= 0)
			continue;
		g = g ? sched_gcd(g, w) : w;
		if (w > hi)
			hi = w;
	}
	for (uint32_t i = 0; g && units && i < svc->ndests; i++)
		if (svc->dests[i].weight > 0)
			sum += (uint64_t)(svc->dests[i].weight / g);
	if (max)
		*max = hi;
	if (units)
		*units = sum;
	return g;
}

/* Linux's hash_32(): the golden-ratio multiplicative hash, top `bits`
 * bits (sh, lblc and lblcr bucket their keys as LVS does). */
static inline uint32_t sched_hash_32(uint32_t v, unsigned bits)
{
	return (v * 0x61C88647u) >> (32 - bits);
}

/*
 * lblc/lblcr's "is the cached dest overloaded": more active connections
 * than its weight while some other dest runs at under half its weight,
 * as LVS's is_overloaded() of those schedulers. A busy cache server
 * keeps its locality until somebody else is clearly idle.
 */
static inline bool sched_locality_overloaded(const struct ipvs_snap_svc *svc,
					     const struct ipvs_snap_dest *dest,
					     const struct sched_ctx *ctx)
{
	if (ctx->dest_cnt[dest->id].activeconns <= (uint64_t)(dest->weight > 0 ? dest->weight : 0))
		return false;
	for (uint32_t i = 0; i < svc->ndests; i++) {
		const struct ipvs_snap_dest *d = &svc->dests[i];

		if (d->weight > 0 && ctx->dest_cnt[d->id].activeconns * 2 < (uint64_t)d->weight)
			return true;
	}
	return false;
}

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

		if (!sched_dest_available(d, ctx)) /* quiesced or overloaded */
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

/* mh's lookup table in a service's sched_data (indexes into the
 * service's dests, UINT16_MAX for none): its size. For tests and tools. */
uint32_t sched_mh_table(const void *sched_data, const uint16_t **lookup);

/* NULL when no scheduler has that name. */
const struct sched_ops *sched_find(const char *name);
/* Registered scheduler names, for messages: "rr wrr ...". */
void sched_names(char *buf, size_t len);

/* The scheduler's per-worker table of this service (wstate_size bytes),
 * or NULL. The control thread may replace the pointer (by a zeroed one at
 * least as large) while the worker runs: load it once per schedule(). */
static inline void *sched_wmem(const struct sched_state *st)
{
	return __atomic_load_n(&st->mem, __ATOMIC_ACQUIRE);
}

/*
 * The dest with stable id `id` in svc, looked for at *hint first (its
 * place when it was remembered) and then in the whole list (dests before
 * it were removed since), *hint then updated; NULL when it is gone. What
 * lets a remembered dest survive edits of the service.
 */
static inline const struct ipvs_snap_dest *sched_dest_by_id(const struct ipvs_snap_svc *svc,
							    uint32_t id, uint16_t *hint)
{
	if (*hint < svc->ndests && svc->dests[*hint].id == id)
		return &svc->dests[*hint];
	for (uint32_t i = 0; i < svc->ndests; i++) {
		if (svc->dests[i].id == id) {
			*hint = (uint16_t)i;
			return &svc->dests[i];
		}
	}
	return NULL;
}

/* Worker: resets the cursor when the service changed (and the table when
 * its scheduler state starts afresh), then schedules. */
static inline const struct ipvs_snap_dest *sched_pick(const struct ipvs_snap_svc *svc,
						      struct sched_state *st,
						      const struct sched_ctx *ctx)
{
	if (unlikely(st->gen != svc->gen)) {
		st->gen = svc->gen;
		st->v[0] = st->v[1] = st->v[2] = 0;
		/* an epoch moves only with gen: one compare per packet */
		if (st->epoch != svc->sched_epoch) {
			void *mem = sched_wmem(st);

			st->epoch = svc->sched_epoch;
			if (mem && svc->sched->wstate_size)
				memset(mem, 0, svc->sched->wstate_size);
		}
	}
	return svc->sched->schedule(svc, st, ctx);
}

#endif /* DPVS_IPVS_IPVS_SCHED_H */
