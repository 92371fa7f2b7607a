/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Destination hashing, as LVS's dh: a static table of 256 buckets maps
 * the packet's destination address to a dest, so each destination (a
 * cached site, behind a fwmark service of cache servers) always goes to
 * the same server. The table is filled by the control thread when the
 * snapshot is built: bucket i holds dest i mod n (weights do not shape
 * it, as in LVS). A quiesced or overloaded dest is not replaced: its
 * destinations get no server, which is LVS's choice too (a cache miss
 * elsewhere would be worse than a refusal).
 *
 * Key: (ntohl(daddr) * 2654435761) mod 256, Knuth's multiplicative hash
 * as LVS computes it, so the same addresses land in the same buckets.
 */
#include <errno.h>
#include <stdlib.h>
#include <arpa/inet.h>

#include "ipvs/ipvs_sched.h"

#define DH_TAB_BITS 8
#define DH_TAB_SIZE (1u << DH_TAB_BITS)

struct dh_data {
	uint16_t bucket[DH_TAB_SIZE]; /* index into svc->dests */
};

static int dh_init_service(const struct ipvs_snap_svc *svc, void **data)
{
	struct dh_data *d;

	if (!svc->ndests) {
		*data = NULL; /* nothing to map to */
		return 0;
	}
	d = malloc(sizeof(*d));
	if (!d)
		return -ENOMEM;
	for (uint32_t i = 0; i < DH_TAB_SIZE; i++)
		d->bucket[i] = (uint16_t)(i % svc->ndests);
	*data = d;
	return 0;
}

static void dh_free_service(void *data)
{
	free(data);
}

static inline uint32_t dh_hashkey(uint32_t addr)
{
	return (uint32_t)(((uint64_t)ntohl(addr) * 2654435761ull) & (DH_TAB_SIZE - 1));
}

static const struct ipvs_snap_dest *dh_schedule(const struct ipvs_snap_svc *svc,
						struct sched_state *st, const struct sched_ctx *ctx)
{
	const struct dh_data *d = svc->sched_data;
	const struct ipvs_snap_dest *dest;

	(void)st;
	if (!d)
		return NULL;
	dest = &svc->dests[d->bucket[dh_hashkey(ctx->daddr)]];
	return sched_dest_available(dest, ctx) ? dest : NULL;
}

const struct sched_ops sched_dh = {
    .name = "dh",
    .init_service = dh_init_service,
    .free_service = dh_free_service,
    .schedule = dh_schedule,
};
