/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * counter_table: the per-port, per-worker and per-service counters named
 * once, for the two places that list them: the Prometheus text
 * (metrics_text.c) and the DPDK telemetry commands (telemetry.c). A
 * counter added to a struct the daemon fills (struct dpvs_link,
 * dpvs_worker_stats, dpvs_stats) and to its table here shows in both.
 *
 * What only one of them shows stays with it: a port's up/carrier and its
 * drops by reason, a worker's lcore and TSC rate, a real server's weight
 * and conns by state.
 */
#ifndef DPVS_CONTROL_COUNTER_TABLE_H
#define DPVS_CONTROL_COUNTER_TABLE_H

#include <stddef.h>
#include <stdint.h>

enum counter_kind { COUNTER_U64, COUNTER_U32, COUNTER_F64 };

/* One field of a struct, at off, of kind. */
struct counter_def {
	const char *key;    /* telemetry's dict key */
	const char *metric; /* the Prometheus series */
	const char *type;   /* Prometheus: "counter" or "gauge" */
	const char *help;
	size_t off;
	enum counter_kind kind;
	/* telemetry has no floating-point values in DPDK 22.11: NULL gives
	 * a whole number, a format gives text */
	const char *tel_fmt;
};

/* struct dpvs_link: a port's packets, bytes, fates, NIC counters */
extern const struct counter_def port_counters[];
extern const unsigned n_port_counters;

/* struct dpvs_worker_stats: a worker's loop, conns, steering, Full-NAT */
extern const struct counter_def worker_counters[];
extern const unsigned n_worker_counters;

/* struct dpvs_stats of a service and of a real server, as ipvsadm
 * --stats and --rate: the series are dpvs_service_SUFFIX and
 * dpvs_dest_SUFFIX, each with its own help */
struct stats_counter_def {
	const char *key, *suffix, *type, *svc_help, *dest_help;
	size_t off;
};
#define N_STATS_COUNTERS 10
extern const struct stats_counter_def stats_counters[N_STATS_COUNTERS];

static inline double counter_f64(const struct counter_def *c, const void *obj);

/* A whole number (a double's integer part, as telemetry showed pps). */
static inline uint64_t counter_u64(const struct counter_def *c, const void *obj)
{
	const void *p = (const char *)obj + c->off;

	switch (c->kind) {
	case COUNTER_U32:
		return *(const uint32_t *)p;
	case COUNTER_F64:
		return (uint64_t)counter_f64(c, obj);
	default:
		return *(const uint64_t *)p;
	}
}

static inline double counter_f64(const struct counter_def *c, const void *obj)
{
	const void *p = (const char *)obj + c->off;

	return c->kind == COUNTER_F64 ? *(const double *)p : (double)counter_u64(c, obj);
}

static inline uint64_t stats_counter(const struct stats_counter_def *c, const void *st)
{
	const void *p = (const char *)st + c->off;

	return *(const uint64_t *)p;
}

#endif
