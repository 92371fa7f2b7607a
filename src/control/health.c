/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * health: the engine of the health checks (see health.h).
 *
 * Each checked real server (a "target") has a repeating timer; at each
 * tick one probe starts unless its previous one is still out (a probe
 * never outlives its timeout, and the config keeps timeout <= interval)
 * or HEALTH_MAX_INFLIGHT probes are out already (then it waits for a
 * slot). A probe itself (a non-blocking socket or a child process with a
 * deadline; health_probe.c) never blocks the control loop; its verdict
 * feeds the server's rise/fall state (health_sm.c), and a change of state
 * changes the IPVS table.
 *
 * Probes leave from the director's own address: the daemon's namespace
 * holds the KNI (TAP) interfaces with the director's addresses, so the
 * kernel routes them out of a TAP, and the workers send them out of the
 * port; the answers come back to a local address and go to the kernel
 * the same way. When a real server is on-link on a port, the socket is
 * also bound to that port's KNI interface (SO_BINDTODEVICE), so a probe
 * can only leave through the data plane; `source` binds its address.
 *
 * What wins (README "Health checks"): the check acts only when a server
 * changes state. Going down it remembers the server as the table has it
 * then (with an operator's `ipvsadm -e` since the file) and sets weight 0
 * or removes it; coming up it restores what it remembered, unless an
 * operator has set a weight (or re-added the server) meanwhile, which is
 * left alone. A reload keeps a down server down.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <ev.h>

#include "cfg/config.h"
#include "dpvs/health.h"
#include "control/health.h"
#include "control/health_priv.h"
#include "inet/inet.h"
#include "ipvs/ipvs.h"
#include "log.h"
#include "netif/netif.h"

struct ev_loop *health_loop;
static struct health_check *checks;
static unsigned nchecks;
static unsigned inflight;

unsigned health_inflight(void)
{
	return inflight;
}

static void target_name(const struct health_target *t, char *buf, size_t len)
{
	char a[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &t->file.addr.in, a, sizeof(a));
	snprintf(buf, len, "[check:%s] %s real server %s:%u", t->chk->cfg.name, t->chk->svc_str, a,
		 ntohs(t->file.port));
}

/* ---- the table: what ipvsadm -e / -d / -a do ---- */

struct find {
	const struct dpvs_dest *key;
	struct dpvs_dest found;
	bool hit;
};

static int find_dest(uint32_t svc_id, const struct dpvs_svc *svc, const uint32_t *dest_ids,
		     const struct dpvs_dest *dests, uint32_t ndests, void *arg)
{
	struct find *f = arg;

	(void)svc_id;
	(void)svc;
	(void)dest_ids;
	for (uint32_t i = 0; i < ndests; i++) {
		if (dests[i].addr.in.s_addr == f->key->addr.in.s_addr &&
		    dests[i].port == f->key->port) {
			f->found = dests[i];
			f->hit = true;
			return 1; /* stop */
		}
	}
	return 0;
}

/* The server as the table has it now; false when it is not there. */
static bool live_dest(const struct health_target *t, struct dpvs_dest *out)
{
	struct find f = {.key = &t->file};
	char err[128];

	ipvs_svc_walk(&t->chk->svc, find_dest, &f, err, sizeof(err));
	if (f.hit)
		*out = f.found;
	return f.hit;
}

static void clean_dest(struct dpvs_dest *d)
{
	/* the reply-only fields do not go back into a request */
	d->activeconns = d->inactconns = d->persistconns = 0;
	memset(&d->stats, 0, sizeof(d->stats));
}

/* Takes a server out: weight 0 or removed. Says what it did in `did`. */
static void take_down(struct health_target *t, char *did, size_t len)
{
	struct dpvs_dest d;
	char err[256] = "";
	int ret;

	if (!live_dest(t, &d)) {
		snprintf(did, len, "not in the table (removed by hand?): nothing to do");
		return;
	}
	clean_dest(&d);
	t->restore = d;
	if (t->chk->cfg.on_fail == CFG_CHECK_REMOVE) {
		ret = ipvs_dest_del(&t->chk->svc, &d, err, sizeof(err));
		if (ret < 0)
			snprintf(did, len, "removing it failed: %s", err);
		else
			snprintf(did, len, "removed (weight was %d)", d.weight);
		return;
	}
	if (d.weight == 0) {
		snprintf(did, len, "weight already 0");
		return;
	}
	d.weight = 0;
	ret = ipvs_dest_edit(&t->chk->svc, &d, err, sizeof(err));
	if (ret < 0)
		snprintf(did, len, "setting weight 0 failed: %s", err);
	else
		snprintf(did, len, "weight %d -> 0", t->restore.weight);
}

/* Puts a server back as it was taken out, unless an operator did. */
static void bring_up(struct health_target *t, char *did, size_t len)
{
	struct dpvs_dest d;
	char err[256] = "";
	int ret;
	bool there = live_dest(t, &d);

	if (t->chk->cfg.on_fail == CFG_CHECK_REMOVE) {
		if (there) {
			snprintf(did, len, "already back in the table (added by hand?)");
			return;
		}
		ret = ipvs_dest_add(&t->chk->svc, &t->restore, err, sizeof(err));
		if (ret < 0)
			snprintf(did, len, "adding it back failed: %s", err);
		else
			snprintf(did, len, "added back, weight %d", t->restore.weight);
		return;
	}
	if (!there) {
		snprintf(did, len, "not in the table (removed by hand?): nothing to do");
		return;
	}
	if (d.weight != 0) {
		snprintf(did, len, "weight %d set by hand meanwhile: kept", d.weight);
		return;
	}
	clean_dest(&d);
	d.weight = t->restore.weight;
	ret = ipvs_dest_edit(&t->chk->svc, &d, err, sizeof(err));
	if (ret < 0)
		snprintf(did, len, "restoring weight %d failed: %s", d.weight, err);
	else
		snprintf(did, len, "weight 0 -> %d", d.weight);
}

/* ---- one probe ---- */

static void slot_free(void);

void health_probe_done(struct health_target *t, enum probe_result res, const char *why)
{
	bool ok = res == PROBE_OK;
	const struct cfg_check *c = &t->chk->cfg;
	char name[160], did[300];

	snprintf(t->last, sizeof(t->last), "%s", why);
	t->last_res = (uint8_t)res;
	t->probes++;
	t->last_probe = time(NULL);
	inflight--;
	if (res == PROBE_NOT_SENT) {
		t->not_sent++;
		if (!t->local_logged) {
			target_name(t, name, sizeof(name));
			DPVS_LOG(WARNING,
				 "health: %s: probe not sent (%s): the director cannot reach it; "
				 "not counted against the server (has the KNI interface its "
				 "address?)",
				 name, t->last);
			t->local_logged = true;
		}
		slot_free();
		return;
	}
	t->local_logged = false;
	t->failures += !ok;

	uint8_t was = t->sm.state;

	if (health_sm_feed(&t->sm, ok, c->rise, c->fall)) {
		target_name(t, name, sizeof(name));
		if (t->sm.state == DPVS_CHECK_DOWN) {
			take_down(t, did, sizeof(did));
		} else {
			bring_up(t, did, sizeof(did));
		}
		t->changes++;
		t->last_change = t->last_probe;
		DPVS_LOG(NOTICE, "health: %s %s -> %s (%u %s in a row, last: %s): %s", name,
			 was == DPVS_CHECK_UP ? "up" : "down",
			 t->sm.state == DPVS_CHECK_UP ? "up" : "down",
			 ok ? t->sm.ok_run : t->sm.fail_run, ok ? "successes" : "failures", t->last,
			 did);
	}
	slot_free();
}

static void probe_start(struct health_target *t)
{
	inflight++;
	health_probe_start(t);
}

/* A slot came free: waiting targets get slots in table order. Targets
 * wait rarely (HEALTH_MAX_INFLIGHT probes out at once), so a scan will
 * do. A probe that fails at once ends inside probe_start() and calls
 * back here: the outer scan goes on instead, so the stack stays flat
 * however many targets wait. */
static void slot_free(void)
{
	static bool scanning;

	if (scanning)
		return;
	scanning = true;
	for (unsigned i = 0; i < nchecks && inflight < HEALTH_MAX_INFLIGHT; i++) {
		for (unsigned j = 0; j < checks[i].ntargets && inflight < HEALTH_MAX_INFLIGHT;
		     j++) {
			struct health_target *t = &checks[i].targets[j];

			if (t->waiting && t->phase == P_IDLE) {
				t->waiting = false;
				probe_start(t);
			}
		}
	}
	scanning = false;
}

static void on_tick(struct ev_loop *l, ev_timer *w, int revents)
{
	struct health_target *t = w->data;

	(void)l;
	(void)revents;
	if (t->phase != P_IDLE)
		return; /* still out: its deadline ends it */
	if (inflight >= HEALTH_MAX_INFLIGHT) {
		t->waiting = true;
		return;
	}
	probe_start(t);
}

/* ---- checks from the config ---- */

static const struct cfg_service *cfg_service_named(const struct dpvs_config *cfg, const char *name)
{
	for (unsigned i = 0; i < cfg->nservices; i++)
		if (strcmp(cfg->services[i].name, name) == 0)
			return &cfg->services[i];
	return NULL;
}

static struct health_target *old_target(const struct health_check *nc,
					const struct health_target *nt)
{
	for (unsigned i = 0; i < nchecks; i++) {
		const struct health_check *oc = &checks[i];

		if (strcmp(oc->cfg.name, nc->cfg.name) != 0 ||
		    memcmp(&oc->svc.addr, &nc->svc.addr, sizeof(oc->svc.addr)) != 0 ||
		    oc->svc.port != nc->svc.port || oc->svc.protocol != nc->svc.protocol ||
		    oc->svc.fwmark != nc->svc.fwmark)
			continue;
		for (unsigned j = 0; j < oc->ntargets; j++)
			if (oc->targets[j].file.addr.in.s_addr == nt->file.addr.in.s_addr &&
			    oc->targets[j].file.port == nt->file.port)
				return &oc->targets[j];
	}
	return NULL;
}

static const struct health_check *old_check(const char *name)
{
	for (unsigned i = 0; i < nchecks; i++)
		if (strcmp(checks[i].cfg.name, name) == 0)
			return &checks[i];
	return NULL;
}

static void target_stop(struct health_target *t)
{
	ev_timer_stop(health_loop, &t->tick);
	if (t->phase != P_IDLE)
		inflight--;
	health_probe_cancel(t);
}

static void target_init(struct health_check *k, struct health_target *t,
			const struct cfg_service *s, const struct dpvs_dest *d, unsigned idx)
{
	memset(t, 0, sizeof(*t));
	t->chk = k;
	t->file = *d;
	if (!t->file.port)
		t->file.port = s->svc.port;
	t->restore = t->file;
	t->probe_be = d->addr.in.s_addr;
	t->probe_port_be = k->cfg.port ? htons((uint16_t)k->cfg.port) : t->file.port;
	snprintf(t->last, sizeof(t->last), "not probed yet");
	int p = inet_onlink_port(t->probe_be);

	if (p >= 0 && netif_port((uint16_t)p)->kni_name[0])
		snprintf(t->dev, sizeof(t->dev), "%s", netif_port((uint16_t)p)->kni_name);
	health_probe_init(t);
	/* the first probe one interval after the start: the KNI interfaces
	 * get their addresses once the daemon runs (scripts/lab.sh, an
	 * operator's own scripts), and a probe before that says nothing about
	 * the server; then spread over an interval rather than all at once */
	ev_timer_init(&t->tick, on_tick, (double)k->cfg.interval * (1.0 + (idx % 16) / 16.0),
		      k->cfg.interval);
	t->tick.data = t;
}

static void report(char **buf, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void report(char **buf, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!*buf || *len < 2)
		return;
	va_start(ap, fmt);
	n = vsnprintf(*buf, *len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	n = (size_t)n < *len ? n : (int)*len - 1;
	*buf += n;
	*len -= (size_t)n;
}

void health_apply(const struct dpvs_config *cfg, char *rbuf, size_t rlen)
{
	struct health_check *nk = calloc(cfg->nchecks ? cfg->nchecks : 1, sizeof(*nk));
	char name[160], did[300];
	unsigned idx = 0;

	if (rbuf && rlen)
		rbuf[0] = '\0';
	if (!nk) {
		report(&rbuf, &rlen, "health: out of memory: checks unchanged\n");
		return;
	}
	for (unsigned i = 0; i < cfg->nchecks; i++) {
		struct health_check *k = &nk[i];
		const struct cfg_service *s = cfg_service_named(cfg, cfg->checks[i].name);

		k->cfg = cfg->checks[i];
		if (!s)
			continue; /* the config check refused it already */
		k->svc = s->svc;
		ipvs_svc_key_str(&s->svc, k->svc_str, sizeof(k->svc_str));
		inet_pton(AF_INET, k->cfg.dns_expect, &k->expect_be);
		inet_pton(AF_INET, k->cfg.source, &k->source_be);
		k->targets = calloc(s->ndests ? s->ndests : 1, sizeof(*k->targets));
		if (!k->targets) {
			report(&rbuf, &rlen, "health: [check:%s]: out of memory, not checked\n",
			       k->cfg.name);
			continue;
		}
		k->ntargets = s->ndests;
		for (unsigned j = 0; j < s->ndests; j++) {
			struct health_target *t = &k->targets[j];
			struct health_target *o;

			target_init(k, t, s, &s->dests[j], idx++);
			o = old_target(k, t);
			if (!o)
				continue;
			/* the same server of the same check: its state goes on */
			t->sm = o->sm;
			t->last_res = o->last_res;
			t->not_sent = o->not_sent;
			memcpy(t->last, o->last, sizeof(t->last));
			t->probes = o->probes;
			t->failures = o->failures;
			t->changes = o->changes;
			t->last_probe = o->last_probe;
			t->last_change = o->last_change;
			t->sm.ok_run = t->sm.fail_run = 0; /* a new run under new settings */
			o->chk = NULL;			   /* taken over */
			if (t->sm.state == DPVS_CHECK_DOWN) {
				/* the reload may have put it back (its line is in the
				 * file): down it stays, and it comes back as the file
				 * now says */
				take_down(t, did, sizeof(did));
				t->restore = t->file;
				target_name(t, name, sizeof(name));
				DPVS_LOG(NOTICE,
					 "health: %s is down and stays down over the reload: %s",
					 name, did);
			}
		}
		const struct health_check *oc = old_check(k->cfg.name);

		/* a reload reports only what it changed */
		if (!oc || memcmp(&oc->cfg, &k->cfg, sizeof(k->cfg)) != 0 ||
		    oc->ntargets != k->ntargets)
			report(&rbuf, &rlen,
			       "health: [check:%s] %s %s: %s every %u s, %u server%s\n",
			       k->cfg.name, k->svc_str, oc ? "updated" : "started",
			       cfg_check_type_name(k->cfg.type), k->cfg.interval, k->ntargets,
			       k->ntargets == 1 ? "" : "s");
	}
	for (unsigned i = 0; i < nchecks; i++) {
		bool kept = false;

		for (unsigned j = 0; j < cfg->nchecks; j++)
			kept |= strcmp(cfg->checks[j].name, checks[i].cfg.name) == 0;
		if (!kept)
			report(&rbuf, &rlen, "health: [check:%s] stopped\n", checks[i].cfg.name);
	}
	/* what the old checks had down and nobody took over comes back */
	for (unsigned i = 0; i < nchecks; i++) {
		for (unsigned j = 0; j < checks[i].ntargets; j++) {
			struct health_target *t = &checks[i].targets[j];

			target_stop(t);
			if (!t->chk || t->sm.state != DPVS_CHECK_DOWN)
				continue;
			if (cfg_service_named(cfg, t->chk->cfg.name) == NULL)
				continue; /* its service is gone with the check */
			target_name(t, name, sizeof(name));
			bring_up(t, did, sizeof(did));
			DPVS_LOG(NOTICE,
				 "health: %s down -> unchecked (its check left the file): %s", name,
				 did);
			report(&rbuf, &rlen, "health: %s no longer checked: %s\n", name, did);
		}
		free(checks[i].targets);
	}
	free(checks);
	checks = nk;
	nchecks = cfg->nchecks;
	for (unsigned i = 0; i < nchecks; i++)
		for (unsigned j = 0; j < checks[i].ntargets; j++)
			ev_timer_start(health_loop, &checks[i].targets[j].tick);
}

void health_start(struct ev_loop *l)
{
	health_loop = l;
	srandom((unsigned)time(NULL) ^ (unsigned)getpid());
}

void health_stop(void)
{
	for (unsigned i = 0; i < nchecks; i++) {
		for (unsigned j = 0; j < checks[i].ntargets; j++)
			target_stop(&checks[i].targets[j]);
		free(checks[i].targets);
	}
	free(checks);
	checks = NULL;
	nchecks = 0;
	inflight = 0;
}

/* ---- listing ---- */

static uint32_t ago(time_t now, time_t then)
{
	if (!then)
		return DPVS_CHECK_NEVER;
	return now >= then ? (uint32_t)(now - then) : 0;
}

static void fill_entry(const struct health_target *t, time_t now, struct dpvs_check_entry *e)
{
	const struct health_check *k = t->chk;
	struct dpvs_dest d;

	memset(e, 0, sizeof(*e));
	snprintf(e->check, sizeof(e->check), "%s", k->cfg.name);
	snprintf(e->service, sizeof(e->service), "%s", k->svc_str);
	snprintf(e->type, sizeof(e->type), "%s", cfg_check_type_name(k->cfg.type));
	snprintf(e->on_fail, sizeof(e->on_fail), "%s", cfg_check_fail_name(k->cfg.on_fail));
	e->interval = k->cfg.interval;
	e->timeout = k->cfg.timeout;
	e->rise = k->cfg.rise;
	e->fall = k->cfg.fall;
	e->af = AF_INET;
	e->port = t->file.port;
	e->addr = t->file.addr;
	e->probe_port = t->probe_port_be;
	e->state = t->sm.state;
	e->last_ok = t->last_res;
	e->not_sent = t->not_sent;
	e->weight = live_dest(t, &d) ? d.weight : -1;
	e->restore_weight = t->restore.weight;
	e->ok_run = t->sm.ok_run;
	e->fail_run = t->sm.fail_run;
	e->probes = t->probes;
	e->failures = t->failures;
	e->changes = t->changes;
	e->since_probe = ago(now, t->last_probe);
	e->since_change = ago(now, t->last_change);
	snprintf(e->last, sizeof(e->last), "%s", t->last);
}

uint32_t health_list(const char *name, struct dpvs_check_entry *out, uint32_t max)
{
	time_t now = time(NULL);
	uint32_t n = 0;

	for (unsigned i = 0; i < nchecks; i++) {
		if (name && strcmp(checks[i].cfg.name, name) != 0)
			continue;
		for (unsigned j = 0; j < checks[i].ntargets; j++, n++)
			if (n < max)
				fill_entry(&checks[i].targets[j], now, &out[n]);
	}
	return n;
}
