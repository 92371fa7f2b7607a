/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cfg whole-file checks: the rules that tie sections together and that no
 * single key can check alone. Each catches a config that would start but
 * misbehave: a port queue nobody polls never delivers its packets (RSS
 * still sends flows there), two workers on one queue break DPDK's
 * one-thread-per-queue rule, a worker on the main lcore starves the
 * control thread, too few mbufs leave the RX rings empty.
 */
#include <stdio.h>
#include <string.h>

#include "cfg/cfg_internal.h"

#define NOBODY (-1)

struct checker {
	struct dpvs_config *cfg;
	struct cfg_errors *errs;
};

#define check_err(C, sec, key, ...) cfg_key_error((C)->errs, (C)->cfg->path, sec, key, __VA_ARGS__)

static void check_lcores(struct checker *C)
{
	struct dpvs_config *cfg = C->cfg;
	struct cfg_lcore_set set;
	char why[CFG_ERRLEN], sec[32];

	if (cfg_parse_lcores(cfg->lcores, &set, why, sizeof(why)))
		return; /* reported with the key */
	if (!cfg_lcore_in(&set, cfg->main_lcore))
		check_err(C, "eal", "main_lcore", "lcore %u is not in lcores '%s'", cfg->main_lcore,
			  cfg->lcores);
	/* dpdk-dumpcap is a secondary process: it maps the daemon's hugepage
	 * files, which in_memory never creates */
	if (cfg->pdump && cfg->in_memory)
		check_err(C, "eal", "pdump",
			  "yes needs the hugepage files dpdk-dumpcap maps: set in_memory = no");
	for (unsigned i = 0; i < cfg->nworkers; i++) {
		unsigned lcore = cfg->workers[i].lcore;

		snprintf(sec, sizeof(sec), "worker:%u", lcore);
		if (lcore == cfg->main_lcore)
			check_err(C, sec, NULL,
				  "lcore %u is the main lcore ([eal] main_lcore), which runs the "
				  "control thread: give the worker another lcore",
				  lcore);
		else if (!cfg_lcore_in(&set, lcore))
			check_err(C, sec, NULL, "lcore %u is not in [eal] lcores '%s'", lcore,
				  cfg->lcores);
	}
}

/* Every rx queue of every port polled by exactly one worker. */
static void check_queues(struct checker *C)
{
	struct dpvs_config *cfg = C->cfg;
	int owner[CFG_MAX_PORTS][CFG_MAX_WORKERS];
	char sec[32];

	for (unsigned p = 0; p < CFG_MAX_PORTS; p++)
		for (unsigned q = 0; q < CFG_MAX_WORKERS; q++)
			owner[p][q] = NOBODY;
	for (unsigned i = 0; i < cfg->nworkers; i++) {
		const struct cfg_worker *w = &cfg->workers[i];

		snprintf(sec, sizeof(sec), "worker:%u", w->lcore);
		for (unsigned j = 0; j < w->nrxq; j++) {
			const struct cfg_port *port = &cfg->ports[w->rxq[j].port];
			unsigned q = w->rxq[j].queue;
			int *o;

			if (q >= port->rx_queues) {
				check_err(C, sec, "queues",
					  "%s:%u: port %s has only %u rx queue%s (rx_queues)",
					  port->name, q, port->name, port->rx_queues,
					  port->rx_queues == 1 ? "" : "s");
				continue;
			}
			o = &owner[w->rxq[j].port][q];
			if (*o == NOBODY)
				*o = (int)w->lcore;
			else if (*o == (int)w->lcore)
				check_err(C, sec, "queues", "%s:%u is listed twice", port->name, q);
			else
				check_err(C, sec, "queues",
					  "%s:%u is already polled by [worker:%d]: a queue has "
					  "one poller",
					  port->name, q, *o);
		}
	}
	if (!cfg->nworkers)
		return; /* reported once, not per queue */
	for (unsigned p = 0; p < cfg->nports; p++) {
		snprintf(sec, sizeof(sec), "port:%s", cfg->ports[p].name);
		/* every worker sends to the kernel on a queue of its own */
		if (cfg->ports[p].kni && cfg->nworkers > CFG_KNI_MAX_QUEUES)
			check_err(C, sec, "kni",
				  "%u workers, but the TAP device of the exception path offers "
				  "at most %u queues (one a worker): use at most %u workers or "
				  "kni = no",
				  cfg->nworkers, CFG_KNI_MAX_QUEUES, CFG_KNI_MAX_QUEUES);
		/* hashing one address steers a packet to its owner only when
		 * every worker has a queue of this port to be steered to */
		if (cfg->ports[p].rss != CFG_RSS_FLOWS) {
			for (unsigned i = 0; i < cfg->nworkers; i++) {
				bool polls = false;

				for (unsigned j = 0; j < cfg->workers[i].nrxq; j++)
					polls |= cfg->workers[i].rxq[j].port == p;
				if (!polls)
					check_err(C, sec, "rss",
						  "[worker:%u] polls no queue of %s: steering by "
						  "address needs every worker on a queue of the "
						  "port (give it one, or rss = flows)",
						  cfg->workers[i].lcore, cfg->ports[p].name);
			}
		}
		for (unsigned q = 0; q < cfg->ports[p].rx_queues; q++)
			if (owner[p][q] == NOBODY)
				check_err(C, sec, "rx_queues",
					  "queue %u is polled by no worker: add %s:%u to a "
					  "[worker] queues line",
					  q, cfg->ports[p].name, q);
	}
}

static void check_ports(struct checker *C, bool no_pci_set)
{
	struct dpvs_config *cfg = C->cfg;
	const struct cfg_port *pci = NULL;
	char sec[32];

	for (unsigned i = 0; i < cfg->nports; i++) {
		const struct cfg_port *p = &cfg->ports[i];

		snprintf(sec, sizeof(sec), "port:%s", p->name);
		if (!pci && cfg_device_is_pci(p->device))
			pci = p;
		for (unsigned j = 0; j < i; j++) {
			const struct cfg_port *o = &cfg->ports[j];

			if (p->device[0] && strcmp(p->device, o->device) == 0)
				check_err(C, sec, "device", "'%s' is also the device of port %s",
					  p->device, o->name);
			if (p->kni && o->kni && p->kni_name[0] &&
			    strcmp(p->kni_name, o->kni_name) == 0)
				check_err(C, sec, "kni_name", "'%s' is also the KNI of port %s",
					  p->kni_name, o->name);
		}
		for (unsigned j = 0; j < cfg->nports; j++)
			if (p->kni && strcmp(p->kni_name, cfg->ports[j].name) == 0)
				check_err(C, sec, "kni_name", "'%s' is the name of a port",
					  p->kni_name);
	}
	/* PCI scanning costs start-up time and grabs NICs the operator did
	 * not list: skip it unless a port needs it */
	if (!no_pci_set)
		cfg->no_pci = pci == NULL;
	else if (cfg->no_pci && pci)
		check_err(C, "eal", "no_pci", "yes, but port %s uses the PCI device %s", pci->name,
			  pci->device);
}

static void check_pool(struct checker *C)
{
	struct dpvs_config *cfg = C->cfg;
	uint64_t need = 0;

	/* rte_mempool_create() refuses a cache bigger than n / 1.5 */
	if ((uint64_t)cfg->mbuf_cache * 3 > (uint64_t)cfg->mbufs * 2)
		check_err(C, "pool", "mbuf_cache",
			  "%u is too big for %u mbufs (at most mbufs / 1.5)", cfg->mbuf_cache,
			  cfg->mbufs);
	/* filled RX rings and TX rings (one per worker) pin that many mbufs;
	 * with fewer the RX rings run dry and the ports go silent */
	for (unsigned i = 0; i < cfg->nports; i++)
		need += (uint64_t)cfg->ports[i].rx_queues * cfg->ports[i].rx_desc +
			(uint64_t)cfg->nworkers * cfg->ports[i].tx_desc;
	if (need > cfg->mbufs)
		check_err(C, "pool", "mbufs",
			  "%u is fewer than the ports' rx and tx rings hold (%llu): raise mbufs or "
			  "lower rx_desc/tx_desc",
			  cfg->mbufs, (unsigned long long)need);
}

static bool same_service(const struct dpvs_svc *a, const struct dpvs_svc *b)
{
	if (a->fwmark || b->fwmark)
		return a->af == b->af && a->fwmark == b->fwmark;
	return a->af == b->af && a->protocol == b->protocol && a->port == b->port &&
	       memcmp(&a->addr, &b->addr, sizeof(a->addr)) == 0;
}

static void check_services(struct checker *C)
{
	struct dpvs_config *cfg = C->cfg;
	char sec[80];

	for (unsigned i = 0; i < cfg->nservices; i++) {
		snprintf(sec, sizeof(sec), "service:%s", cfg->services[i].name);
		for (unsigned j = 0; j < i; j++) {
			if (same_service(&cfg->services[i].svc, &cfg->services[j].svc)) {
				check_err(C, sec, "service", "same virtual service as [service:%s]",
					  cfg->services[j].name);
				break;
			}
		}
	}
}

void cfg_check_all(struct dpvs_config *cfg, bool no_pci_set, struct cfg_errors *errs)
{
	struct checker C = { .cfg = cfg, .errs = errs };

	if (!cfg->nports)
		check_err(&C, NULL, NULL, "no [port:NAME] section: at least one port is needed");
	if (!cfg->nworkers)
		check_err(&C, NULL, NULL,
			  "no [worker:LCORE] section: at least one worker is needed");
	check_ports(&C, no_pci_set);
	check_lcores(&C);
	check_queues(&C);
	check_pool(&C);
	check_services(&C);
	cfg_check_checks(cfg, errs);
}
