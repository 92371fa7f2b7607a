/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Maglev hashing (Eisenbud et al., "Maglev: A Fast and Reliable Software
 * Network Load Balancer", NSDI 2016), LVS's mh: a lookup table of a
 * prime number M of entries (MH_TAB_SIZE, 65537) maps a hash of the
 * client's address (and port with the mh-port flag, -b flag-2) to a
 * dest. Balancers running side by side behind ECMP build the very same
 * table from the same dests, so they pick the same server for a flow
 * without sharing any state; removing one of N dests moves little more
 * than the 1/N of keys it held.
 *
 * The control thread builds the table when the snapshot is built (the
 * paper's Populate): each dest has a permutation of the table positions,
 * offset + j * skip (mod M), with offset = h1 mod M and skip = h2 mod
 * (M - 1) + 1 from two fixed-seed hashes of its address and port, so the
 * permutation depends on the dest alone, not on its place in the list.
 * Turn after turn each dest claims its next free positions; as LVS does
 * for weights, a dest claims weight/gcd positions per turn (scaled down
 * together when the turns would be too coarse for the table), so the
 * table is filled in proportion to the weights. Quiesced dests (weight
 * 0) claim none.
 *
 * A key whose dest is overloaded (-x) gets none, unless mh-fallback (-b
 * flag-1) is set: then the key is rehashed with offsets 1, 2, ... until
 * an available dest comes up, as LVS's fallback.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ipvs/ipvs_sched.h"

#define MH_TAB_SIZE 65537u /* prime */
#define MH_EMPTY    UINT16_MAX
/* at most this many positions claimed per turn, all dests together: the
 * last, partial turn then skews the fill by a 64th of a percent at most */
#define MH_TURN_MAX (MH_TAB_SIZE / 64)

#define MH_SEED_OFFSET 0x2545f4914f6cdd1dull
#define MH_SEED_SKIP   0x9e3779b97f4a7c15ull
#define MH_SEED_KEY    0xd6e8feb86659fd93ull

struct mh_data {
	uint32_t size;
	uint16_t lookup[]; /* index into svc->dests, MH_EMPTY when none */
};

static uint64_t dest_key(const struct ipvs_snap_dest *d)
{
	return ((uint64_t)d->addr << 16) | d->port;
}

/* The paper's Populate, with weighted turns. */
static struct mh_data *mh_build(const struct ipvs_snap_svc *svc, uint32_t m)
{
	struct mh_data *t = malloc(sizeof(*t) + sizeof(t->lookup[0]) * m);
	uint32_t *next = calloc(svc->ndests ? svc->ndests : 1, sizeof(*next));
	uint32_t *skip = calloc(svc->ndests ? svc->ndests : 1, sizeof(*skip));
	uint32_t *turns = calloc(svc->ndests ? svc->ndests : 1, sizeof(*turns));
	uint64_t sum = 0;
	int32_t g = 0;
	uint32_t filled = 0, shift = 0;

	if (!t || !next || !skip || !turns) {
		free(t);
		t = NULL;
		goto out;
	}
	t->size = m;
	for (uint32_t p = 0; p < m; p++)
		t->lookup[p] = MH_EMPTY;
	g = sched_weights_gcd(svc, NULL, &sum);
	if (!g)
		goto out; /* everything quiesced: an empty table */
	while ((sum >> shift) > MH_TURN_MAX)
		shift++;
	for (uint32_t i = 0; i < svc->ndests; i++) {
		const struct ipvs_snap_dest *d = &svc->dests[i];

		if (d->weight <= 0)
			continue;
		turns[i] = (uint32_t)(d->weight / g) >> shift;
		if (!turns[i])
			turns[i] = 1;
		next[i] = (uint32_t)(sched_hash64(dest_key(d), MH_SEED_OFFSET) % m);
		skip[i] = (uint32_t)(sched_hash64(dest_key(d), MH_SEED_SKIP) % (m - 1)) + 1;
	}
	while (filled < m) {
		for (uint32_t i = 0; i < svc->ndests && filled < m; i++) {
			for (uint32_t k = 0; k < turns[i] && filled < m; k++) {
				uint32_t c = next[i];

				while (t->lookup[c] != MH_EMPTY)
					c = (c + skip[i]) % m;
				t->lookup[c] = (uint16_t)i;
				next[i] = (c + skip[i]) % m;
				filled++;
			}
		}
	}
out:
	free(next);
	free(skip);
	free(turns);
	return t;
}

uint32_t sched_mh_table(const void *sched_data, const uint16_t **lookup)
{
	const struct mh_data *t = sched_data;

	*lookup = t ? t->lookup : NULL;
	return t ? t->size : 0;
}

static int mh_init_service(const struct ipvs_snap_svc *svc, void **data)
{
	*data = mh_build(svc, MH_TAB_SIZE);
	return *data ? 0 : -ENOMEM;
}

static void mh_free_service(void *data)
{
	free(data);
}

static inline uint32_t mh_hashkey(const struct sched_ctx *ctx, uint16_t port, uint32_t offset,
				  uint32_t m)
{
	uint64_t key = ((uint64_t)ctx->caddr << 16) | port;

	return (uint32_t)(sched_hash64(key, MH_SEED_KEY + offset) % m);
}

static const struct ipvs_snap_dest *mh_schedule(const struct ipvs_snap_svc *svc,
						struct sched_state *st, const struct sched_ctx *ctx)
{
	const struct mh_data *t = svc->sched_data;
	uint16_t port = (svc->flags & DPVS_SVC_F_SCHED2) ? ctx->cport : 0; /* mh-port */
	const struct ipvs_snap_dest *dest;
	uint16_t i;
	bool any = false;

	(void)st;
	if (!t)
		return NULL;
	i = t->lookup[mh_hashkey(ctx, port, 0, t->size)];
	if (i == MH_EMPTY)
		return NULL; /* every dest quiesced */
	dest = &svc->dests[i];
	if (sched_dest_available(dest, ctx))
		return dest;
	if (!(svc->flags & DPVS_SVC_F_SCHED1)) /* no mh-fallback */
		return NULL;
	/* rehashing only ends on an available dest: is there one? */
	for (uint32_t k = 0; k < svc->ndests && !any; k++)
		any = sched_dest_available(&svc->dests[k], ctx);
	if (!any)
		return NULL;
	for (uint32_t off = 1; off < t->size; off++) {
		dest = &svc->dests[t->lookup[mh_hashkey(ctx, port, off, t->size)]];
		if (sched_dest_available(dest, ctx))
			return dest;
	}
	return NULL;
}

const struct sched_ops sched_mh = {
    .name = "mh",
    .init_service = mh_init_service,
    .free_service = mh_free_service,
    .schedule = mh_schedule,
};
