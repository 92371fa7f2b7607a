/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cfg init-only diff: on reload, which items of the new file the running
 * daemon cannot apply (EAL, pools, ports, workers and most of [global]
 * are fixed at start-up). The reload applies the rest and tells the
 * operator, line by line, what waits for a restart.
 *
 * The list of init-only keys is the schema's (reloadable = false), so a
 * new key is covered here the day it is added there.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cfg/cfg_internal.h"

struct diff_out {
	char *buf;
	size_t len, used;
	int count;
};

static void __attribute__((format(printf, 2, 3))) emit(struct diff_out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	o->count++;
	if (!o->buf || o->used >= o->len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->used, o->len - o->used, fmt, ap);
	va_end(ap);
	/* a truncated report still ends with a NUL (vsnprintf made sure) */
	o->used = n < 0 ? o->len : o->used + (size_t)n;
}

/* The init-only keys of one section whose values differ. */
static void diff_keys(struct diff_out *o, enum cfg_sec_kind kind, const char *sec,
		      const void *a, const void *b)
{
	const struct cfg_section *s = cfg_section_of(kind);

	for (unsigned i = 0; i < s->nkeys; i++) {
		const struct cfg_key *k = &s->keys[i];

		if (!k->reloadable && k->type != CFG_T_LINE && !cfg_key_equal(k, a, b))
			emit(o, "[%s] %s: changed, restart required\n", sec, k->name);
	}
}

static const struct cfg_port *find_port(const struct dpvs_config *c, const char *name)
{
	for (unsigned i = 0; i < c->nports; i++)
		if (strcmp(c->ports[i].name, name) == 0)
			return &c->ports[i];
	return NULL;
}

static void diff_ports(struct diff_out *o, const struct dpvs_config *old,
		       const struct dpvs_config *new)
{
	char sec[32];

	for (unsigned i = 0; i < new->nports; i++) {
		const struct cfg_port *np = &new->ports[i];
		const struct cfg_port *op = find_port(old, np->name);

		snprintf(sec, sizeof(sec), "port:%s", np->name);
		if (!op)
			emit(o, "[%s]: added, restart required\n", sec);
		else
			diff_keys(o, CFG_SEC_PORT, sec, op, np);
	}
	for (unsigned i = 0; i < old->nports; i++)
		if (!find_port(new, old->ports[i].name))
			emit(o, "[port:%s]: removed, restart required\n", old->ports[i].name);
}

static const struct cfg_worker *find_worker(const struct dpvs_config *c, unsigned lcore)
{
	for (unsigned i = 0; i < c->nworkers; i++)
		if (c->workers[i].lcore == lcore)
			return &c->workers[i];
	return NULL;
}

/* Queues name ports by index: compare names, as ports may be reordered. */
static bool same_queues(const struct dpvs_config *old, const struct cfg_worker *ow,
			const struct dpvs_config *new, const struct cfg_worker *nw)
{
	if (ow->nrxq != nw->nrxq)
		return false;
	for (unsigned i = 0; i < nw->nrxq; i++)
		if (ow->rxq[i].queue != nw->rxq[i].queue ||
		    strcmp(old->ports[ow->rxq[i].port].name, new->ports[nw->rxq[i].port].name))
			return false;
	return true;
}

static void diff_workers(struct diff_out *o, const struct dpvs_config *old,
			 const struct dpvs_config *new)
{
	for (unsigned i = 0; i < new->nworkers; i++) {
		const struct cfg_worker *nw = &new->workers[i];
		const struct cfg_worker *ow = find_worker(old, nw->lcore);

		if (!ow)
			emit(o, "[worker:%u]: added, restart required\n", nw->lcore);
		else if (!same_queues(old, ow, new, nw))
			emit(o, "[worker:%u] queues: changed, restart required\n", nw->lcore);
	}
	for (unsigned i = 0; i < old->nworkers; i++)
		if (!find_worker(new, old->workers[i].lcore))
			emit(o, "[worker:%u]: removed, restart required\n", old->workers[i].lcore);
}

int cfg_diff_init_only(const struct dpvs_config *old, const struct dpvs_config *new, char *buf,
		       size_t len)
{
	struct diff_out o = { .buf = len ? buf : NULL, .len = len };

	if (o.buf)
		buf[0] = '\0';
	diff_keys(&o, CFG_SEC_GLOBAL, "global", old, new);
	diff_keys(&o, CFG_SEC_EAL, "eal", old, new);
	diff_keys(&o, CFG_SEC_POOL, "pool", old, new);
	diff_ports(&o, old, new);
	diff_workers(&o, old, new);
	return o.count;
}
