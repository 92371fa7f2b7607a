/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Consistent hashing on a ring (Karger et al., 1997), DPVS's conhash: each
 * dest owns points on a 64-bit ring, a flow's key is hashed onto the ring
 * and goes to the owner of the first point at or after it. Adding or
 * removing a dest only moves the keys next to its points. Dests get
 * virtual nodes in proportion to their weight: CONHASH_REPLICAS points
 * per weight/gcd unit, scaled down together so the ring holds at most
 * CONHASH_POINTS_MAX points. Quiesced dests (weight 0) own no point.
 *
 * Key: the client's address, or its address and port with -b flag-2
 * (the sh-port/mh-port flag). A key whose dest is overloaded (-x) walks
 * on along the ring to the next available dest, the ring's own fallback.
 *
 * The ring is built by the control thread with the snapshot, from fixed
 * seeds: every worker and every balancer builds the same ring.
 */
#include <errno.h>
#include <stdlib.h>

#include "ipvs/ipvs_sched.h"

#define CONHASH_REPLICAS   160
#define CONHASH_POINTS_MAX 65536u
#define CONHASH_SEED_NODE  0x6a09e667f3bcc909ull
#define CONHASH_SEED_KEY   0xbb67ae8584caa73bull

struct ring_point {
	uint64_t hash;
	uint32_t idx; /* index into svc->dests */
};

struct conhash_data {
	uint32_t npoints;
	struct ring_point point[]; /* sorted by hash */
};

static int point_cmp(const void *a, const void *b)
{
	const struct ring_point *x = a, *y = b;

	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx; /* same on every build */
}

static int conhash_init_service(const struct ipvs_snap_svc *svc, void **data)
{
	struct conhash_data *r;
	uint64_t units = 0, per = CONHASH_REPLICAS;
	uint32_t n = 0, shift = 0;
	int32_t g = 0;

	g = sched_weights_gcd(svc, NULL, &units);
	/* fewer replicas per unit first, then coarser units */
	while (per > 1 && units * per > CONHASH_POINTS_MAX)
		per /= 2;
	while ((units >> shift) * per > CONHASH_POINTS_MAX)
		shift++;
	r = malloc(sizeof(*r) + sizeof(r->point[0]) * (CONHASH_POINTS_MAX + svc->ndests));
	if (!r)
		return -ENOMEM;
	for (uint32_t i = 0; g && i < svc->ndests; i++) {
		const struct ipvs_snap_dest *d = &svc->dests[i];
		uint64_t vnodes;

		if (d->weight <= 0)
			continue;
		vnodes = ((uint64_t)(d->weight / g) >> shift) * per;
		if (!vnodes)
			vnodes = 1;
		for (uint64_t v = 0; v < vnodes; v++) {
			uint64_t node = ((uint64_t)d->addr << 32) | ((uint64_t)d->port << 16) | v;

			r->point[n].hash = sched_hash64(node, CONHASH_SEED_NODE);
			r->point[n].idx = i;
			n++;
		}
	}
	qsort(r->point, n, sizeof(r->point[0]), point_cmp);
	r->npoints = n;
	*data = r;
	return 0;
}

static void conhash_free_service(void *data)
{
	free(data);
}

/* The first point at or after h (wrapping to 0). */
static uint32_t ring_find(const struct conhash_data *r, uint64_t h)
{
	uint32_t lo = 0, hi = r->npoints;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (r->point[mid].hash < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo == r->npoints ? 0 : lo;
}

static const struct ipvs_snap_dest *conhash_schedule(const struct ipvs_snap_svc *svc,
						     struct sched_state *st,
						     const struct sched_ctx *ctx)
{
	const struct conhash_data *r = svc->sched_data;
	uint16_t port = (svc->flags & DPVS_SVC_F_SCHED2) ? ctx->cport : 0;
	uint64_t key = ((uint64_t)ctx->caddr << 16) | port;
	uint32_t p;

	(void)st;
	if (!r || !r->npoints)
		return NULL;
	p = ring_find(r, sched_hash64(key, CONHASH_SEED_KEY));
	/* at most one lap: every point may belong to an overloaded dest */
	for (uint32_t k = 0; k < r->npoints; k++) {
		const struct ipvs_snap_dest *d = &svc->dests[r->point[p].idx];

		if (sched_dest_available(d, ctx))
			return d;
		p = p + 1 == r->npoints ? 0 : p + 1;
	}
	return NULL;
}

const struct sched_ops sched_conhash = {
    .name = "conhash",
    .init_service = conhash_init_service,
    .free_service = conhash_free_service,
    .schedule = conhash_schedule,
};
