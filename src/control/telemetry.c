/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * telemetry: the daemon's own DPDK telemetry commands, read with
 * dpdk-telemetry.py (or any client of the telemetry socket,
 * /var/run/dpdk/FILE_PREFIX/dpdk_telemetry.v2):
 *
 *   /dpvs/ports     per port: state, packets, bytes, fates, drops, NIC counters
 *   /dpvs/drops     per port: every drop reason
 *   /dpvs/workers   per worker: packets, busy cycles, cycles per packet, conns,
 *                   steering, Full-NAT's client address
 *   /dpvs/services  per service and real server: conns, packets, bytes,
 *                   LVS rates (at most 255 entries: a telemetry dict's
 *                   limit; the metrics endpoint lists any number)
 *
 * Each answers a dict of dicts, one per port, worker, service or real
 * server. DPDK 22.11 takes only [A-Za-z0-9_/] in dict keys (and no dict
 * in an array), so the keys are the port's name with '_' for any other
 * character, "worker0", "svc_ID" and "dest_ID" (the daemon's ids), and
 * each inner dict names its object in full ("port", "service", "dest").
 * Drop reasons are keys with '_' for the '-' of their names. The counters
 * of ports, workers and services are those of the metrics endpoint
 * (counter_table.h), under telemetry's own keys.
 *
 * DPDK calls the commands on its telemetry thread, but the IPVS tables
 * belong to the control thread. So a command hands its request to the
 * control thread through an ev_async and waits (at most TEL_WAIT_S) for
 * the answer, which the control thread builds between two events of its
 * loop: the answer is live, and nothing is read under a writer.
 */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <ev.h>
#include <rte_cycles.h>
#include <rte_telemetry.h>

#include "control/counter_table.h"
#include "control/daemon_ctl.h"
#include "control/observe.h"
#include "dp/dp.h"
#include "ipvs/ipvs.h"
#include "netif/netif.h"

#define TEL_WAIT_S 2

typedef int (*answer_fn)(struct rte_tel_data *d);

static struct {
	pthread_mutex_t serial; /* one request at a time */
	pthread_mutex_t lock;	/* what follows */
	pthread_cond_t done;
	struct ev_loop *loop;
	ev_async async;
	bool running, pending;
	answer_fn fn;
	struct rte_tel_data *d;
	int rc;
} tel = {.serial = PTHREAD_MUTEX_INITIALIZER,
	 .lock = PTHREAD_MUTEX_INITIALIZER,
	 .done = PTHREAD_COND_INITIALIZER};

/* ---- answers (control thread) ---- */

static struct rte_tel_data *dict(void)
{
	struct rte_tel_data *c = rte_tel_data_alloc();

	if (c)
		rte_tel_data_start_dict(c);
	return c;
}

/* A dict key from any name: '_' for what telemetry refuses. */
static void key_of(const char *name, char *key, size_t len)
{
	snprintf(key, len, "%s", name);
	for (char *k = key; *k; k++)
		if (!isalnum((unsigned char)*k) && *k != '_' && *k != '/')
			*k = '_';
}

static void add_counters(struct rte_tel_data *c, const struct counter_def *defs, unsigned n,
			 const void *obj)
{
	for (unsigned k = 0; k < n; k++) {
		const struct counter_def *d = &defs[k];
		char text[32];

		if (d->tel_fmt) {
			snprintf(text, sizeof(text), d->tel_fmt, counter_f64(d, obj));
			rte_tel_data_add_dict_string(c, d->key, text);
		} else {
			rte_tel_data_add_dict_u64(c, d->key, counter_u64(d, obj));
		}
	}
}

static int ans_ports(struct rte_tel_data *d)
{
	rte_tel_data_start_dict(d);
	for (unsigned i = 0; i < netif_port_count(); i++) {
		struct dpvs_link l;
		struct rte_tel_data *c = dict();
		uint64_t drops = 0;
		char key[RTE_TEL_MAX_STRING_LEN];

		if (!c)
			return -ENOMEM;
		memset(&l, 0, sizeof(l));
		daemon_link_fill(&l, netif_port((uint16_t)i));
		for (unsigned r = 0; r < DPVS_DROP_MAX; r++)
			drops += l.drops[r];
		rte_tel_data_add_dict_string(c, "port", l.ifname);
		rte_tel_data_add_dict_string(c, "driver", l.driver);
		rte_tel_data_add_dict_u64(c, "port_id", l.port_id);
		rte_tel_data_add_dict_u64(c, "up", (l.flags & DPVS_LINK_F_UP) != 0);
		rte_tel_data_add_dict_u64(c, "carrier", (l.flags & DPVS_LINK_F_LOWER_UP) != 0);
		add_counters(c, port_counters, n_port_counters, &l);
		rte_tel_data_add_dict_u64(c, "drops", drops);
		key_of(l.ifname, key, sizeof(key));
		rte_tel_data_add_dict_container(d, key, c, 0);
	}
	return 0;
}

static int ans_drops(struct rte_tel_data *d)
{
	rte_tel_data_start_dict(d);
	for (unsigned i = 0; i < netif_port_count(); i++) {
		struct dpvs_link l;
		struct rte_tel_data *c = dict();

		if (!c)
			return -ENOMEM;
		memset(&l, 0, sizeof(l));
		daemon_link_fill(&l, netif_port((uint16_t)i));
		rte_tel_data_add_dict_string(c, "port", l.ifname);
		char key[RTE_TEL_MAX_STRING_LEN];

		for (unsigned r = 0; r < DPVS_DROP_MAX; r++) {
			key_of(dpvs_drop_names[r], key, sizeof(key));
			rte_tel_data_add_dict_u64(c, key, l.drops[r]);
		}
		key_of(l.ifname, key, sizeof(key));
		rte_tel_data_add_dict_container(d, key, c, 0);
	}
	return 0;
}

static int ans_workers(struct rte_tel_data *d)
{
	rte_tel_data_start_dict(d);
	for (unsigned i = 0; i < worker_count(); i++) {
		struct dpvs_worker_stats s;
		struct rte_tel_data *c = dict();
		char key[32];

		if (!c)
			return -ENOMEM;
		daemon_worker_fill(i, &s);
		rte_tel_data_add_dict_u64(c, "worker", i);
		rte_tel_data_add_dict_u64(c, "lcore", s.lcore_id);
		rte_tel_data_add_dict_u64(c, "tsc_hz", s.tsc_hz);
		add_counters(c, worker_counters, n_worker_counters, &s);
		snprintf(key, sizeof(key), "worker%u", i);
		rte_tel_data_add_dict_container(d, key, c, 0);
	}
	return 0;
}

static void add_stats(struct rte_tel_data *c, const struct dpvs_stats *st)
{
	for (unsigned k = 0; k < N_STATS_COUNTERS; k++)
		rte_tel_data_add_dict_u64(c, stats_counters[k].key,
					  stats_counter(&stats_counters[k], st));
}

struct svc_ans {
	struct rte_tel_data *d;
	unsigned entries, left_out;
};

/* one entry per service and per real server, while there is room (and
 * one for not_shown) */
static bool room(struct svc_ans *a)
{
	if (a->entries + 1 < RTE_TEL_MAX_DICT_ENTRIES) {
		a->entries++;
		return true;
	}
	a->left_out++;
	return false;
}

static int visit(uint32_t svc_id, const struct dpvs_svc *svc, const uint32_t *dest_ids,
		 const struct dpvs_dest *dests, uint32_t ndests, void *arg)
{
	struct svc_ans *a = arg;
	struct dpvs_stats st;
	char key[64], dest[INET6_ADDRSTRLEN + 8], id[32];
	struct rte_tel_data *c;

	ipvs_svc_key_str(svc, key, sizeof(key));
	if (room(a)) {
		if (!(c = dict()))
			return -ENOMEM;
		ipvs_stats_svc(svc_id, &st);
		rte_tel_data_add_dict_string(c, "service", key);
		rte_tel_data_add_dict_string(c, "sched", svc->sched_name);
		rte_tel_data_add_dict_u64(c, "dests", ndests);
		add_stats(c, &st);
		snprintf(id, sizeof(id), "svc_%u", svc_id);
		rte_tel_data_add_dict_container(a->d, id, c, 0);
	}
	for (uint32_t k = 0; k < ndests; k++) {
		uint32_t act = 0, inact = 0, persist = 0;
		char addr[INET6_ADDRSTRLEN] = "?";

		if (!room(a))
			continue;
		if (!(c = dict()))
			return -ENOMEM;
		inet_ntop(dests[k].af, &dests[k].addr, addr, sizeof(addr));
		snprintf(dest, sizeof(dest), "%s:%u", addr, ntohs(dests[k].port));
		ipvs_stats_dest(dest_ids[k], &st, &act, &inact, &persist);
		rte_tel_data_add_dict_string(c, "service", key);
		rte_tel_data_add_dict_string(c, "dest", dest);
		rte_tel_data_add_dict_u64(c, "weight",
					  dests[k].weight > 0 ? (uint64_t)dests[k].weight : 0);
		rte_tel_data_add_dict_u64(c, "activeconns", act);
		rte_tel_data_add_dict_u64(c, "inactconns", inact);
		rte_tel_data_add_dict_u64(c, "persistconns", persist);
		add_stats(c, &st);
		snprintf(id, sizeof(id), "dest_%u", dest_ids[k]);
		rte_tel_data_add_dict_container(a->d, id, c, 0);
	}
	return 0;
}

static int ans_services(struct rte_tel_data *d)
{
	struct svc_ans a = {.d = d};
	char err[256];
	int rc;

	rte_tel_data_start_dict(d);
	rc = ipvs_svc_walk(NULL, visit, &a, err, sizeof(err));
	if (a.left_out)
		rte_tel_data_add_dict_u64(d, "not_shown", a.left_out);
	return rc < 0 ? rc : 0;
}

static void on_async(struct ev_loop *loop, ev_async *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
	pthread_mutex_lock(&tel.lock);
	if (tel.pending) {
		tel.rc = tel.fn(tel.d);
		tel.pending = false;
		pthread_cond_broadcast(&tel.done);
	}
	pthread_mutex_unlock(&tel.lock);
}

/* ---- the telemetry thread's side ---- */

static int ask(answer_fn fn, struct rte_tel_data *d)
{
	struct timespec until;
	int rc;

	pthread_mutex_lock(&tel.serial);
	pthread_mutex_lock(&tel.lock);
	if (!tel.running) {
		pthread_mutex_unlock(&tel.lock);
		pthread_mutex_unlock(&tel.serial);
		return -ENODEV;
	}
	tel.fn = fn;
	tel.d = d;
	tel.rc = -ETIMEDOUT;
	tel.pending = true;
	ev_async_send(tel.loop, &tel.async);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += TEL_WAIT_S;
	while (tel.pending)
		if (pthread_cond_timedwait(&tel.done, &tel.lock, &until) == ETIMEDOUT)
			break;
	/* a late control thread finds nothing pending and leaves d alone */
	tel.pending = false;
	rc = tel.rc;
	pthread_mutex_unlock(&tel.lock);
	pthread_mutex_unlock(&tel.serial);
	return rc;
}

static int cmd_ports(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	return ask(ans_ports, d);
}

static int cmd_drops(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	return ask(ans_drops, d);
}

static int cmd_workers(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	return ask(ans_workers, d);
}

static int cmd_services(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	return ask(ans_services, d);
}

int telemetry_start(struct ev_loop *loop, char *err, size_t errlen)
{
	static const struct {
		const char *name;
		telemetry_cb fn;
		const char *help;
	} cmds[] = {
	    {"/dpvs/ports", cmd_ports,
	     "Ports: state, packets, bytes, fates, drops. No parameters."},
	    {"/dpvs/drops", cmd_drops, "Drops by reason, per port. No parameters."},
	    {"/dpvs/workers", cmd_workers,
	     "Workers: packets, busy cycles, cycles/packet, conns. No parameters."},
	    {"/dpvs/services", cmd_services,
	     "Services and real servers: conns, packets, bytes, rates. No parameters."},
	};
	static bool registered;

	tel.loop = loop;
	ev_async_init(&tel.async, on_async);
	ev_async_start(loop, &tel.async);
	pthread_mutex_lock(&tel.lock);
	tel.running = true;
	pthread_mutex_unlock(&tel.lock);
	/* DPDK cannot unregister a command: once per process */
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]) && !registered; i++) {
		if (rte_telemetry_register_cmd(cmds[i].name, cmds[i].fn, cmds[i].help) < 0) {
			snprintf(err, errlen, "telemetry: cannot register %s", cmds[i].name);
			return -EINVAL;
		}
	}
	registered = true;
	return 0;
}

void telemetry_stop(void)
{
	if (!tel.loop)
		return;
	pthread_mutex_lock(&tel.lock);
	tel.running = false;
	pthread_mutex_unlock(&tel.lock);
	ev_async_stop(tel.loop, &tel.async);
}
