/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Source hashing, as LVS's sh: a static table of 256 buckets maps the
 * client's address (and port with the sh-port flag) to a dest, so a
 * client keeps its server without any per-client state. The control
 * thread fills the table when the snapshot is built, as LVS does: the
 * dests in turn, each taking `weight` consecutive buckets (a quiesced
 * one still takes one, so that quiescing a dest does not reshuffle the
 * others), round and round until the table is full.
 *
 * Key: (offset + hash_32(ntohs(port) + ntohl(saddr), 8)) mod 256 with
 * hash_32 Linux's golden-ratio hash, so the same clients land in the
 * same buckets as in LVS. When the bucket's dest is quiesced or
 * overloaded the flow gets no dest, unless sh-fallback (-b flag-1) is
 * set: then the offsets 0..255 from the bucket are tried in turn, the
 * first available dest wins.
 */
#include <errno.h>
#include <stdlib.h>
#include <arpa/inet.h>

#include "ipvs/ipvs_sched.h"

#define SH_TAB_BITS 8
#define SH_TAB_SIZE (1u << SH_TAB_BITS)

struct sh_data {
	uint16_t bucket[SH_TAB_SIZE]; /* index into svc->dests */
};

static int sh_init_service(const struct ipvs_snap_svc *svc, void **data)
{
	struct sh_data *d;
	uint32_t k = 0;
	int32_t taken = 0;

	if (!svc->ndests) {
		*data = NULL;
		return 0;
	}
	d = malloc(sizeof(*d));
	if (!d)
		return -ENOMEM;
	for (uint32_t i = 0; i < SH_TAB_SIZE; i++) {
		d->bucket[i] = (uint16_t)k;
		/* weight consecutive buckets each; weight 0 still one */
		if (++taken >= svc->dests[k].weight) {
			k = (k + 1) % svc->ndests;
			taken = 0;
		}
	}
	*data = d;
	return 0;
}

static void sh_free_service(void *data)
{
	free(data);
}

static inline uint32_t sh_hashkey(uint32_t addr, uint16_t port, uint32_t offset)
{
	uint32_t v = (uint32_t)ntohs(port) + ntohl(addr);

	return (offset + sched_hash_32(v, SH_TAB_BITS)) & (SH_TAB_SIZE - 1);
}

static const struct ipvs_snap_dest *sh_schedule(const struct ipvs_snap_svc *svc,
						struct sched_state *st, const struct sched_ctx *ctx)
{
	const struct sh_data *d = svc->sched_data;
	uint16_t port = (svc->flags & DPVS_SVC_F_SCHED2) ? ctx->cport : 0; /* sh-port */
	uint32_t ihash;
	const struct ipvs_snap_dest *dest;

	(void)st;
	if (!d)
		return NULL;
	ihash = sh_hashkey(ctx->caddr, port, 0);
	dest = &svc->dests[d->bucket[ihash]];
	if (sched_dest_available(dest, ctx))
		return dest;
	if (!(svc->flags & DPVS_SVC_F_SCHED1)) /* no sh-fallback */
		return NULL;
	for (uint32_t off = 0; off < SH_TAB_SIZE; off++) {
		uint32_t h = sh_hashkey(ctx->caddr, port, (off + ihash) % SH_TAB_SIZE);

		dest = &svc->dests[d->bucket[h]];
		if (sched_dest_available(dest, ctx))
			return dest;
	}
	return NULL;
}

const struct sched_ops sched_sh = {
    .name = "sh",
    .init_service = sh_init_service,
    .free_service = sh_free_service,
    .schedule = sh_schedule,
};
