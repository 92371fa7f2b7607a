/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * stats: service and dest counters as ipvsadm --stats/--rate show them,
 * summed over the workers by the control thread, and the rate estimator.
 *
 * Workers count in their own arrays keyed by stable ids and never reset
 * them; the control thread only reads them (plain 64-bit loads). Zeroing
 * (ipvsadm -Z, or a new service on a reused id) therefore stores a
 * baseline here that is subtracted from the sums. Rates are estimated
 * every 2 s as LVS does: the per-second rate of the last interval,
 * smoothed with a moving average (weight 1/4).
 */
#include <stdlib.h>
#include <string.h>

#include "ipvs/ipvs_priv.h"

#define EST_INTERVAL 2 /* seconds */

struct est {
	struct ipvs_wstats base; /* sums at the last reset */
	struct ipvs_wstats last; /* sums at the last estimate */
	double cps, inpps, outpps, inbps, outbps;
};

/* by id, [pool] svc_max and dest_max entries (NULL without memory) */
static struct est *svc_est, *dest_est;
static uint64_t last_est_sec;

static void wstats_add(struct ipvs_wstats *sum, const struct ipvs_wstats *s)
{
	sum->conns += s->conns;
	sum->inpkts += s->inpkts;
	sum->outpkts += s->outpkts;
	sum->inbytes += s->inbytes;
	sum->outbytes += s->outbytes;
}

/* A worker's arrays, NULL before the first service (service.c). */
static const struct ipvs_svc_wstate *wsvc(unsigned i)
{
	return __atomic_load_n(&ipvs_worker_state(i)->svc, __ATOMIC_ACQUIRE);
}

static const struct ipvs_dest_wstate *wdest(unsigned i)
{
	return __atomic_load_n(&ipvs_worker_state(i)->dest, __ATOMIC_ACQUIRE);
}

static void svc_sum(uint32_t id, struct ipvs_wstats *sum)
{
	memset(sum, 0, sizeof(*sum));
	for (unsigned i = 0; i < ipvs_worker_states(); i++)
		if (wsvc(i))
			wstats_add(sum, &wsvc(i)[id].st);
}

static void dest_sum(uint32_t id, struct ipvs_wstats *sum)
{
	memset(sum, 0, sizeof(*sum));
	for (unsigned i = 0; i < ipvs_worker_states(); i++)
		if (wdest(i))
			wstats_add(sum, &wdest(i)[id].st);
}

static void est_reset(struct est *e, const struct ipvs_wstats *now)
{
	memset(e, 0, sizeof(*e));
	e->base = *now;
	e->last = *now;
}

static void est_out(const struct est *e, const struct ipvs_wstats *now, struct dpvs_stats *o)
{
	static const struct est none;

	if (!e)
		e = &none;
	o->conns = now->conns - e->base.conns;
	o->inpkts = now->inpkts - e->base.inpkts;
	o->outpkts = now->outpkts - e->base.outpkts;
	o->inbytes = now->inbytes - e->base.inbytes;
	o->outbytes = now->outbytes - e->base.outbytes;
	o->cps = (uint64_t)(e->cps + 0.5);
	o->inpps = (uint64_t)(e->inpps + 0.5);
	o->outpps = (uint64_t)(e->outpps + 0.5);
	o->inbps = (uint64_t)(e->inbps + 0.5);
	o->outbps = (uint64_t)(e->outbps + 0.5);
}

static inline void ewma(double *avg, uint64_t delta, double secs)
{
	*avg += ((double)delta / secs - *avg) / 4;
}

static void est_step(struct est *e, const struct ipvs_wstats *now, double secs)
{
	ewma(&e->cps, now->conns - e->last.conns, secs);
	ewma(&e->inpps, now->inpkts - e->last.inpkts, secs);
	ewma(&e->outpps, now->outpkts - e->last.outpkts, secs);
	/* bits per second, as ipvsadm --rate prints them */
	ewma(&e->inbps, 8 * (now->inbytes - e->last.inbytes), secs);
	ewma(&e->outbps, 8 * (now->outbytes - e->last.outbytes), secs);
	e->last = *now;
}

void ipvs_stats_svc(uint32_t svc_id, struct dpvs_stats *out)
{
	struct ipvs_wstats now;

	svc_sum(svc_id, &now);
	est_out(svc_est ? &svc_est[svc_id] : NULL, &now, out);
}

void ipvs_stats_dest(uint32_t dest_id, struct dpvs_stats *out, uint32_t *active, uint32_t *inact,
		     uint32_t *persist)
{
	struct ipvs_wstats now;
	uint64_t a = 0, i = 0, p = 0;

	dest_sum(dest_id, &now);
	est_out(dest_est ? &dest_est[dest_id] : NULL, &now, out);
	for (unsigned k = 0; k < ipvs_worker_states(); k++) {
		const struct ipvs_dest_wstate *d = wdest(k);

		if (!d)
			continue;
		a += d[dest_id].activeconns;
		i += d[dest_id].inactconns;
		p += d[dest_id].persistconns;
	}
	*active = (uint32_t)a;
	*inact = (uint32_t)i;
	*persist = (uint32_t)p;
}

uint64_t ipvs_dest_conns_live(uint32_t dest_id)
{
	uint64_t n = 0;

	for (unsigned k = 0; k < ipvs_worker_states(); k++) {
		const struct ipvs_dest_wstate *d = wdest(k);

		if (d)
			n += d[dest_id].activeconns + d[dest_id].inactconns +
			     d[dest_id].persistconns;
	}
	return n;
}

void ipvs_stats_reset_svc(uint32_t svc_id)
{
	struct ipvs_wstats now;

	if (!svc_est)
		return;
	svc_sum(svc_id, &now);
	est_reset(&svc_est[svc_id], &now);
}

void ipvs_stats_reset_dest(uint32_t dest_id)
{
	struct ipvs_wstats now;

	if (!dest_est)
		return;
	dest_sum(dest_id, &now);
	est_reset(&dest_est[dest_id], &now);
}

void ipvs_stats_fini(void)
{
	free(svc_est);
	free(dest_est);
	svc_est = dest_est = NULL;
}

void ipvs_stats_init(void)
{
	ipvs_stats_fini();
	svc_est = calloc(ipvs_svc_max(), sizeof(*svc_est));
	dest_est = calloc(ipvs_dest_max(), sizeof(*dest_est));
	last_est_sec = 0;
}

void ipvs_timer_tick(uint64_t now_sec)
{
	struct ipvs_wstats now;
	double secs;

	ipvs_svc_gc();
	if (last_est_sec == 0) {
		last_est_sec = now_sec;
		return;
	}
	if (now_sec < last_est_sec + EST_INTERVAL)
		return;
	secs = (double)(now_sec - last_est_sec);
	last_est_sec = now_sec;
	/* every id handed out so far; those not in use have counters that
	 * do not move: cheap */
	for (uint32_t id = 0; svc_est && id < ipvs_svc_ids(); id++) {
		svc_sum(id, &now);
		est_step(&svc_est[id], &now, secs);
	}
	for (uint32_t id = 0; dest_est && id < ipvs_dest_ids(); id++) {
		dest_sum(id, &now);
		est_step(&dest_est[id], &now, secs);
	}
}
