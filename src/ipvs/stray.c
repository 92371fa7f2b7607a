/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * stray: "is this packet's source a real server?", for packets that
 * matched no connection and no service. A real server answering a flow we
 * do not know (its conn expired, the balancer restarted, or it never was
 * ours) sends to a client address that is not ours: without this check
 * such a reply would count as ip-not-local, hiding the real cause. The
 * snapshot carries the dests' (protocol, address, port) keys sorted;
 * lookups run only on that miss path (binary search, no allocation).
 */
#include <errno.h>
#include <stdlib.h>
#include <netinet/in.h>

#include "ipvs/ipvs_priv.h"

/* proto 0 = any (fwmark services); port 0 = any (fwmark and port-0
 * services keep the packet's port) */
static inline uint64_t dest_key(uint8_t proto, uint32_t addr_be, uint16_t port_be)
{
	return (uint64_t)proto << 48 | (uint64_t)rte_be_to_cpu_32(addr_be) << 16 |
	       rte_be_to_cpu_16(port_be);
}

static int key_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int ipvs_stray_build(struct ipvs_snap *s)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < s->nsvcs; i++)
		n += s->svcs[i].ndests;
	s->dest_keys = malloc(sizeof(*s->dest_keys) * (n ? n : 1));
	if (!s->dest_keys)
		return -ENOMEM;
	n = 0;
	for (uint32_t i = 0; i < s->nsvcs; i++) {
		const struct ipvs_snap_svc *svc = &s->svcs[i];
		uint8_t proto = svc->fwmark ? 0 : svc->proto;

		for (uint32_t k = 0; k < svc->ndests; k++)
			s->dest_keys[n++] = dest_key(proto, svc->dests[k].addr, svc->dests[k].port);
	}
	qsort(s->dest_keys, n, sizeof(*s->dest_keys), key_cmp);
	s->ndest_keys = n;
	return 0;
}

static bool has_key(const struct ipvs_snap *s, uint64_t key)
{
	uint32_t lo = 0, hi = s->ndest_keys;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (s->dest_keys[mid] < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->ndest_keys && s->dest_keys[lo] == key;
}

bool ipvs_snap_is_dest(const struct ipvs_snap *s, uint8_t proto, uint32_t addr_be,
		       uint16_t port_be)
{
	if (!s->ndest_keys)
		return false;
	return has_key(s, dest_key(proto, addr_be, port_be)) || has_key(s, dest_key(proto, addr_be, 0)) ||
	       has_key(s, dest_key(0, addr_be, port_be)) || has_key(s, dest_key(0, addr_be, 0));
}
