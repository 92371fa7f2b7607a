/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * stray: "is this packet's source a real server?", for packets that
 * matched no connection and no service. A real server answering a flow we
 * do not know (its conn expired, the balancer restarted, or it never was
 * ours) sends to a client address that is not ours: without this check
 * such a reply would count as ip-not-local, hiding the real cause. The
 * snapshot carries the dests' (protocol, address, port) keys sorted
 * (ipvs_snap_dest_key(); service.c keeps them sorted as dests come and
 * go); lookups run only on that miss path (binary search, no allocation).
 *
 * And "is this address a VIP?", for the steering of several workers
 * (worker/steer.c), on every packet they steer: a 1024-bit filter says no
 * at the cost of one load for nearly every address that is not a VIP.
 */
#include <errno.h>
#include <stdlib.h>
#include <netinet/in.h>

#include "ipvs/ipvs_priv.h"

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
	return has_key(s, ipvs_snap_dest_key(proto, addr_be, port_be)) ||
	       has_key(s, ipvs_snap_dest_key(proto, addr_be, 0)) ||
	       has_key(s, ipvs_snap_dest_key(0, addr_be, port_be)) ||
	       has_key(s, ipvs_snap_dest_key(0, addr_be, 0));
}

bool ipvs_is_vip(uint32_t addr_be)
{
	const struct ipvs_snap *s = ipvs_snap_get();
	unsigned bit = ipvs_vip_filter_bit(addr_be);

	if (likely(!s || !(s->vip_filter[bit / 64] >> (bit % 64) & 1)))
		return false;
	uint32_t key = rte_be_to_cpu_32(addr_be), lo = 0, hi = s->nvips;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (s->vips[mid] < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->nvips && s->vips[lo] == key;
}
