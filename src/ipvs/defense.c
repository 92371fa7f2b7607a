/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * defense: LVS's drop_entry, drop_packet and secure_tcp, and pressure
 * eviction, for a table sized up front (what each does: defense.h).
 *
 * The settings belong to the control thread: each field is stored alone
 * (a relaxed atomic store) and a worker reads them once a second, so a
 * change takes effect on every worker within a second, as LVS's
 * defense_work timer. Each worker decides from its own occupancy, its
 * own shard being what it can run short of; what it did is counted in
 * its own struct ipvs_defense_wstate, summed by ipvs_defense_get.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>
#include <rte_random.h>

#include "ipvs/ipvs_priv.h"

/* LVS's defaults: every defence off, am_droprate 10; the threshold in
 * the place of amemthresh; eviction only when the alternative is to
 * refuse the flow */
static struct dpvs_defense conf = {
	.threshold = 90,
	.am_droprate = 10,
	.evict_threshold = 100,
	.unknown_tcp = DPVS_UNKNOWN_TCP_DROP,
};

const struct dpvs_defense *ipvs_defense_conf(void)
{
	return &conf;
}

static uint32_t rd(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static void wr(uint32_t *p, uint32_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELAXED);
}

int ipvs_defense_set(const struct dpvs_defense *d, char *err, size_t errlen)
{
	static const struct {
		uint32_t bit;
		const char *name;
		uint32_t lo, hi;
		size_t off;
	} f[] = {
		{ DPVS_DEF_F_DROP_ENTRY, "drop_entry", 0, 3, offsetof(struct dpvs_defense, drop_entry) },
		{ DPVS_DEF_F_DROP_PACKET, "drop_packet", 0, 3,
		  offsetof(struct dpvs_defense, drop_packet) },
		{ DPVS_DEF_F_SECURE_TCP, "secure_tcp", 0, 3, offsetof(struct dpvs_defense, secure_tcp) },
		{ DPVS_DEF_F_THRESHOLD, "threshold", 1, 100, offsetof(struct dpvs_defense, threshold) },
		{ DPVS_DEF_F_AM_DROPRATE, "am_droprate", 1, 1000000,
		  offsetof(struct dpvs_defense, am_droprate) },
		{ DPVS_DEF_F_EVICT_THRESHOLD, "evict_threshold", 0, 100,
		  offsetof(struct dpvs_defense, evict_threshold) },
		{ DPVS_DEF_F_UNKNOWN_TCP, "unknown_tcp", 0, 1,
		  offsetof(struct dpvs_defense, unknown_tcp) },
	};

	if (d->mask & ~(uint32_t)DPVS_DEF_F_ALL) {
		snprintf(err, errlen, "defense: unknown fields in mask 0x%x", d->mask);
		return -EINVAL;
	}
	/* all checked before any is changed: a bad request changes nothing */
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		uint32_t v = *(const uint32_t *)(const void *)((const char *)d + f[i].off);

		if ((d->mask & f[i].bit) && (v < f[i].lo || v > f[i].hi)) {
			snprintf(err, errlen, "defense: %s %u is out of range (%u..%u)", f[i].name, v,
				 f[i].lo, f[i].hi);
			return -EINVAL;
		}
	}
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (d->mask & f[i].bit)
			wr((uint32_t *)(void *)((char *)&conf + f[i].off),
			   *(const uint32_t *)(const void *)((const char *)d + f[i].off));
	return 0;
}

void ipvs_defense_get(struct dpvs_defense_info *out)
{
	memset(out, 0, sizeof(*out));
	out->conf.drop_entry = rd(&conf.drop_entry);
	out->conf.drop_packet = rd(&conf.drop_packet);
	out->conf.secure_tcp = rd(&conf.secure_tcp);
	out->conf.threshold = rd(&conf.threshold);
	out->conf.am_droprate = rd(&conf.am_droprate);
	out->conf.evict_threshold = rd(&conf.evict_threshold);
	out->conf.unknown_tcp = rd(&conf.unknown_tcp);
	out->nworkers = ipvs_worker_states();
	for (unsigned i = 0; i < out->nworkers; i++) {
		const struct ipvs_defense_wstate *d = &ipvs_worker_state(i)->def;
		uint8_t on = __atomic_load_n(&d->on, __ATOMIC_RELAXED);

		out->drop_entry_on += !!(on & IPVS_DEF_DROP_ENTRY);
		out->drop_packet_on += !!(on & IPVS_DEF_DROP_PACKET);
		out->secure_tcp_on += !!(on & IPVS_DEF_SECURE_TCP);
		out->entries_dropped += d->entries_dropped;
		out->packets_dropped += d->packets_dropped;
		out->evicted += d->evicted;
		out->rst_sent += d->rst_sent;
		out->chain_long += d->chain_long;
		if (d->chain_max > out->chain_max)
			out->chain_max = d->chain_max;
	}
}

uint32_t ipvs_conn_chain_max(unsigned worker_index)
{
	const struct ipvs_worker *iw = ipvs_worker_state(worker_index);

	return iw ? iw->def.chain_max : 0;
}

/* ---- the worker's side ---- */

/* LVS's levels: 3 always, 1 and 2 while short. */
static inline bool in_force(uint32_t level, bool shortage)
{
	return level == 3 || (level && shortage);
}

static void levels_update(struct ipvs_worker *iw)
{
	struct ipvs_defense_wstate *d = &iw->def;
	uint64_t max = iw->conn_max;
	uint32_t evict = rd(&conf.evict_threshold);
	uint8_t on = 0;
	bool shortage;

	d->thresh_conns = (uint32_t)(max * rd(&conf.threshold) / 100);
	d->evict_conns = evict ? (uint32_t)(max * evict / 100) : UINT32_MAX;
	shortage = iw->nconns >= d->thresh_conns;
	if (in_force(rd(&conf.drop_entry), shortage))
		on |= IPVS_DEF_DROP_ENTRY;
	if (in_force(rd(&conf.secure_tcp), shortage))
		on |= IPVS_DEF_SECURE_TCP;
	if (rd(&conf.drop_packet) == 3) {
		on |= IPVS_DEF_DROP_PACKET;
		d->drop_rate = rd(&conf.am_droprate);
	} else if (in_force(rd(&conf.drop_packet), shortage)) {
		/* LVS: amemthresh / (amemthresh - availmem), in slots: one
		 * new flow in T/(T - free) dropped, all of them when full */
		uint32_t t = iw->conn_max - d->thresh_conns;
		uint32_t free_slots = iw->conn_max - iw->nconns;

		on |= IPVS_DEF_DROP_PACKET;
		d->drop_rate = t > free_slots ? t / (t - free_slots) : 1;
	} else {
		d->drop_rate = 0;
	}
	if (d->drop_counter == 0 || d->drop_counter > d->drop_rate)
		d->drop_counter = d->drop_rate;
	if ((on & IPVS_DEF_DROP_ENTRY) && iw->nbuckets)
		d->entry_left = iw->nbuckets / 32 ? iw->nbuckets / 32 : 1; /* LVS: 1/32 a second */
	else
		d->entry_left = 0;
	d->rst = rd(&conf.unknown_tcp) == DPVS_UNKNOWN_TCP_RST;
	__atomic_store_n(&d->on, on, __ATOMIC_RELAXED);
}

bool ipvs_defense_drop_packet(struct ipvs_worker *iw)
{
	struct ipvs_defense_wstate *d = &iw->def;

	/* LVS's ip_vs_todrop: every drop_rate-th new flow */
	if (--d->drop_counter > 0)
		return false;
	d->drop_counter = d->drop_rate;
	d->packets_dropped++;
	return true;
}

/* drop_entry's verdict on a conn (LVS's ip_vs_random_dropentry). */
static bool entry_to_drop(struct ipvs_defense_wstate *d, const struct ipvs_conn *c)
{
	if (c->c_flags & IPVS_CONN_F_TEMPLATE)
		return false; /* LVS keeps them (but in one-packet mode) */
	if (c->in.proto == IPPROTO_TCP) {
		if (c->c_state == IPVS_TCP_SYN_RECV || c->c_state == IPVS_TCP_SYNACK)
			return true;
		if (c->c_state != IPVS_TCP_ESTABLISHED)
			return false;
	}
	return ++d->entry_tick % IPVS_DROP_ENTRY_RATE == 0;
}

/* Visits up to n random buckets, dropping what entry_to_drop says. */
static void drop_entries(struct ipvs_worker *iw, uint32_t n)
{
	struct ipvs_defense_wstate *d = &iw->def;

	while (n--) {
		uint32_t b = (uint32_t)rte_rand() & (iw->nbuckets - 1);
		struct ipvs_conn_node *node = iw->htab[b];
		unsigned visits = 0;

		/* a freed conn takes its nodes out of the chain, maybe the
		 * next one too: start the bucket again after each drop */
		while (node && visits++ < IPVS_EVICT_VISITS) {
			struct ipvs_conn *c = ipvs_conn_of(node);

			if (ipvs_node_dir(node) == IPVS_DIR_IN && entry_to_drop(d, c)) {
				ipvs_conn_free(iw, c);
				d->entries_dropped++;
				node = iw->htab[b];
				continue;
			}
			node = node->next;
		}
	}
}

void ipvs_defense_tick(struct ipvs_worker *iw, uint64_t now)
{
	struct ipvs_defense_wstate *d = &iw->def;

	if (unlikely(now != d->sec)) {
		d->sec = now;
		levels_update(iw);
	}
	if (unlikely(d->entry_left)) {
		uint32_t n = RTE_MIN(d->entry_left, (uint32_t)IPVS_DROP_ENTRY_STEP);

		d->entry_left -= n;
		drop_entries(iw, n);
	}
}

static inline bool reclaimable(const struct ipvs_conn *c)
{
	if (c->in.proto != IPPROTO_TCP || (c->c_flags & IPVS_CONN_F_TEMPLATE))
		return false;
	switch (c->c_state) {
	case IPVS_TCP_TIME_WAIT:
	case IPVS_TCP_CLOSE:
	case IPVS_TCP_SYN_RECV: /* the client never completed the handshake */
	case IPVS_TCP_SYNACK:
		return true;
	default:
		return false;
	}
}

/*
 * Looks from a cursor, not always from the wheel's next second: under a
 * flood the slots just ahead fill with conns that are not reclaimable
 * (established clients), and the flood's half-open ones sit further on.
 * The cursor stays where the last one was found; a slot that yields
 * nothing within the bounds is passed (the rest of a crowded slot too),
 * and past a full turn the search starts again from the next second.
 */
bool ipvs_defense_evict(struct ipvs_worker *iw)
{
	struct ipvs_defense_wstate *d = &iw->def;
	unsigned visits = 0;
	uint64_t t;

	if (d->evict_conns == UINT32_MAX || !iw->timer_next)
		return false;
	if (d->evict_slot < iw->timer_next || d->evict_slot >= iw->timer_next + IPVS_WHEEL_SLOTS)
		d->evict_slot = iw->timer_next;
	/* the soonest to expire first, which among conns of one state is the
	 * oldest */
	for (t = d->evict_slot; t < d->evict_slot + IPVS_EVICT_SLOTS; t++) {
		for (struct ipvs_conn *c = iw->wheel[t & (IPVS_WHEEL_SLOTS - 1)]; c; c = c->tnext) {
			if (reclaimable(c)) {
				d->evict_slot = t;
				ipvs_conn_free(iw, c);
				d->evicted++;
				return true;
			}
			if (++visits >= IPVS_EVICT_VISITS) {
				d->evict_slot = t + 1;
				return false;
			}
		}
	}
	d->evict_slot = t;
	return false;
}
