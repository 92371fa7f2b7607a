/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpvs: the daemon's life cycle.
 *
 *   config -> signal watchers -> pid file locked (one instance) -> EAL ->
 *   ports (+KNI) -> stack, IPVS -> config applied -> control socket ->
 *   workers launched -> control loop (libev) until SIGTERM/SIGINT ->
 *   workers stopped -> ports and KNI removed -> socket and pid file
 *   unlinked -> exit 0.
 *
 * The main lcore runs the control thread; every other configured lcore
 * with a [worker:N] section runs worker_main().
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <ev.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_pdump.h>
#include <rte_rcu_qsbr.h>

#include "cfg/config.h"
#include "control/control.h"
#include "ctl/ctl.h"
#include "control/daemon_ctl.h"
#include "control/observe.h"
#include "control/instance.h"
#include "control/health.h"
#include "control/validate.h"
#include "inet/inet.h"
#include "ipvs/ipvs.h"
#include "log.h"
#include "netif/netif.h"
#include "control/reload.h"
#include "dp/dp.h"
#include "worker/steer.h"
#include "worker/worker_loop.h"

#define EAL_ARGV_MAX 64

static void usage(FILE *f, const char *prog)
{
	fprintf(f,
		"Usage: %s -c FILE [-t]\n"
		"       %s --help | --version\n"
		"\n"
		"dpvs, a DPDK Layer-4 load balancer (LVS/IPVS compatible).\n"
		"\n"
		"  -c, --config FILE   configuration file (see conf/dpvs.conf.sample)\n"
		"  -t, --test          only check the configuration: print every error, exit 0 if\n"
		"                      valid, 1 if not\n"
		"  -h, --help          this help\n"
		"  -v, --version       print the version\n"
		"\n"
		"Signals: SIGHUP reloads the configuration; SIGTERM or SIGINT stop cleanly.\n"
		"Tools: dpip (addresses, routes, neighbours, links, reload) and ipvsadm\n"
		"(services), over the control socket ([global] ctl_socket).\n",
		prog, prog);
}

static void print_errors(const struct cfg_errors *errs)
{
	unsigned shown = errs->count < CFG_ERR_MAX ? errs->count : CFG_ERR_MAX;

	for (unsigned i = 0; i < shown; i++)
		fprintf(stderr, "%s\n", errs->msg[i]);
	if (errs->count > shown)
		fprintf(stderr, "... and %u more errors\n", errs->count - shown);
}

/* Builds the EAL command line from [eal] and the ports. */
/* The config's ports as netif takes them (netif does not read the config). */
static struct netif_port_conf port_confs[DP_MAX_PORTS];
static unsigned port_nconfs;

static void port_confs_from(const struct dpvs_config *cfg)
{
	port_nconfs = RTE_MIN(cfg->nports, (unsigned)DP_MAX_PORTS);
	for (unsigned i = 0; i < port_nconfs; i++) {
		const struct cfg_port *cp = &cfg->ports[i];
		struct netif_port_conf *pc = &port_confs[i];

		*pc = (struct netif_port_conf){ .device = cp->device, .rx_queues = cp->rx_queues,
						.rx_desc = cp->rx_desc, .tx_desc = cp->tx_desc,
						.mtu = cp->mtu, .promisc = cp->promisc, .kni = cp->kni,
						.vlan = cp->vlan };
		snprintf(pc->name, sizeof(pc->name), "%s", cp->name);
		snprintf(pc->kni_name, sizeof(pc->kni_name), "%s", cp->kni_name);
	}
}

_Static_assert(STEER_RETA <= NETIF_RSS_RETA_MAX, "netif holds the steering table");

/* [port] rss = client|server: the steering key and table for the NIC. */
static int port_confs_steer(const struct dpvs_config *cfg, char *err, size_t errlen)
{
	for (unsigned i = 0; i < port_nconfs; i++) {
		struct netif_port_conf *pc = &port_confs[i];

		if (cfg->ports[i].rss == CFG_RSS_FLOWS)
			continue;
		pc->rss = cfg->ports[i].rss == CFG_RSS_CLIENT ? NETIF_RSS_SRC : NETIF_RSS_DST;
		pc->rss_key = steer_rss_key(&pc->rss_key_len);
		pc->rss_reta_len = STEER_RETA;
		if (steer_port_reta((uint16_t)i, pc->rss_reta) < 0) {
			snprintf(err, errlen,
				 "[port:%s] rss: some worker polls no queue of the port", pc->name);
			return -1;
		}
	}
	return 0;
}

static int eal_argv(const struct dpvs_config *cfg, char **argv, char *store, size_t storelen)
{
	int n = 0;
	char *s = store;
	size_t left = storelen;

#define ADD(str) (argv[n++] = (char *)(str))
#define ADDF(...)                                                       \
	do {                                                            \
		int w_ = snprintf(s, left, __VA_ARGS__);                \
		argv[n++] = s;                                          \
		s += w_ + 1;                                            \
		left -= (size_t)w_ + 1;                                 \
	} while (0)
	ADD("dpvs");
	ADD("--lcores");
	ADD(cfg->lcores);
	ADDF("--main-lcore=%u", cfg->main_lcore);
	ADD("-m");
	ADDF("%u", cfg->memory_mb);
	if (cfg->in_memory) {
		ADD("--in-memory");
	} else {
		/* unlinked at once: nothing is left in /dev/hugepages, even after a
		 * crash; kept for dpdk-dumpcap's secondary process with pdump */
		if (!cfg->pdump)
			ADD("--huge-unlink");
		ADD("--file-prefix");
		ADD(cfg->file_prefix);
	}
	if (cfg->no_pci)
		ADD("--no-pci");
	ADD("--log-level");
	ADD(cfg->log_level >= CFG_LOG_DEBUG ? "*:info" : "*:notice");
	n += netif_eal_args(port_confs, port_nconfs, argv + n, EAL_ARGV_MAX - n - 16);
	/* extra_args: split on blanks into the store */
	char *extra = s;
	int w = snprintf(s, left, "%s", cfg->extra_args);
	s += w + 1;
	left -= (size_t)w + 1;
	for (char *tok = strtok(extra, " \t"); tok && n < EAL_ARGV_MAX - 1; tok = strtok(NULL, " \t"))
		ADD(tok);
#undef ADD
#undef ADDF
	argv[n] = NULL;
	return n;
}

static struct worker *make_workers(const struct dpvs_config *cfg, char *err, size_t errlen)
{
	for (unsigned i = 0; i < cfg->nworkers; i++) {
		const struct cfg_worker *cw = &cfg->workers[i];
		if (!rte_lcore_is_enabled(cw->lcore) || cw->lcore == rte_get_main_lcore()) {
			snprintf(err, errlen,
				 "[worker:%u]: lcore %u is not a worker lcore of [eal] lcores '%s'",
				 cw->lcore, cw->lcore, cfg->lcores);
			return NULL;
		}
		struct worker *w = rte_zmalloc_socket("worker", sizeof(*w), RTE_CACHE_LINE_SIZE,
						      (int)rte_lcore_to_socket_id(cw->lcore));
		if (!w) {
			snprintf(err, errlen, "out of hugepage memory for worker %u", cw->lcore);
			return NULL;
		}
		w->lcore_id = cw->lcore;
		w->nb_rxq = (uint16_t)cw->nrxq;
		for (unsigned q = 0; q < cw->nrxq; q++) {
			w->rxq[q].port_idx = cw->rxq[q].port;
			w->rxq[q].queue_id = cw->rxq[q].queue;
		}
		dp_worker_register(w);
	}
	return worker_get(0);
}

/* DPDK's capture framework for dpdk-dumpcap ([eal] pdump). */
static bool pdump_on;

static int pdump_start(const struct dpvs_config *cfg, char *err, size_t errlen)
{
	if (!cfg->pdump)
		return 0;
	if (rte_pdump_init() < 0) {
		snprintf(err, errlen, "[eal] pdump: cannot start DPDK's capture framework: %s",
			 rte_strerror(rte_errno));
		return -1;
	}
	pdump_on = true;
	return 0;
}

static int rcu_init(unsigned nworkers)
{
	size_t sz = rte_rcu_qsbr_get_memsize(nworkers);

	dp_rcu = rte_zmalloc("dp_rcu", sz, RTE_CACHE_LINE_SIZE);
	if (!dp_rcu)
		return -ENOMEM;
	return rte_rcu_qsbr_init(dp_rcu, nworkers);
}

/* ---- control loop ---- */

static void on_stop(struct ev_loop *loop, ev_signal *w, int revents)
{
	(void)revents;
	DPVS_LOG(NOTICE, "signal %d: stopping", w->signum);
	ev_break(loop, EVBREAK_ALL);
}

static void on_hup(struct ev_loop *loop, ev_signal *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
	char *report = malloc(RELOAD_REPORT_MAX);

	if (!report) {
		DPVS_LOG(ERR, "SIGHUP reload: out of memory for its report; nothing changed");
		return;
	}
	int rc = reload_config(report, RELOAD_REPORT_MAX);
	DPVS_LOG(NOTICE, "SIGHUP reload %s:\n%s", rc ? "failed" : "done", report);
	free(report);
}

static void on_tick(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
	uint64_t now = (rte_rdtsc() - worker_start_tsc()) / rte_get_tsc_hz();
	inet_timer_tick(now);
	ipvs_timer_tick(now);
	daemon_stats_tick();
}

static void stop_workers(void)
{
	for (unsigned i = 0; i < worker_count(); i++)
		worker_get(i)->stop = true;
	rte_eal_mp_wait_lcore();
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' }, { "test", no_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },	    { "version", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL;
	bool only_test = false;
	int c;

	while ((c = getopt_long(argc, argv, "c:thv", opts, NULL)) != -1) {
		switch (c) {
		case 'c': path = optarg; break;
		case 't': only_test = true; break;
		case 'h': usage(stdout, argv[0]); return 0;
		case 'v': printf("dpvs %s\n", DPVS_VERSION_STRING); return 0;
		default: usage(stderr, argv[0]); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "dpvs: unexpected argument '%s'\n", argv[optind]);
		usage(stderr, argv[0]);
		return 2;
	}
	if (!path) {
		fprintf(stderr, "dpvs: no configuration file: use -c FILE (see conf/dpvs.conf.sample)\n");
		return 2;
	}

	struct dpvs_config *cfg = calloc(1, sizeof(*cfg));
	struct cfg_errors *errs = calloc(1, sizeof(*errs));
	if (!cfg || !errs) {
		fprintf(stderr, "dpvs: out of memory\n");
		free(cfg);
		free(errs);
		return 1;
	}
	if (config_validate(path, cfg, errs) < 0) {
		print_errors(errs);
		fprintf(stderr, "dpvs: %s: %u error%s, %s\n", path, errs->count,
			errs->count == 1 ? "" : "s", only_test ? "invalid" : "not started");
		free(errs);
		free(cfg);
		return 1;
	}
	free(errs);
	if (only_test) {
		printf("dpvs: %s: configuration is valid\n", path);
		free(cfg);
		return 0;
	}

	/*
	 * Signals first: start-up takes seconds (EAL, ports), and a SIGHUP
	 * or SIGTERM meanwhile must neither kill the daemon nor be lost.
	 * libev's handlers only note the signal; the callbacks run in
	 * ev_run(), once the configuration is live.
	 */
	signal(SIGPIPE, SIG_IGN);
	struct ev_loop *loop = ev_default_loop(EVFLAG_AUTO);
	ev_signal sig_term, sig_int, sig_hup;
	ev_signal_init(&sig_term, on_stop, SIGTERM);
	ev_signal_init(&sig_int, on_stop, SIGINT);
	ev_signal_init(&sig_hup, on_hup, SIGHUP);
	ev_signal_start(loop, &sig_term);
	ev_signal_start(loop, &sig_int);
	ev_signal_start(loop, &sig_hup);

	/* one daemon per config, decided before any port or TAP is touched */
	char err[1024] = "";
	if (instance_lock(cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "dpvs: %s\n", err);
		fprintf(stderr, "dpvs: %s: not started\n", path);
		free(cfg);
		return 1;
	}

	if (cfg->log_file[0]) {
		FILE *lf = fopen(cfg->log_file, "a");
		if (!lf) {
			fprintf(stderr, "dpvs: cannot open log_file %s: %s\n", cfg->log_file,
				strerror(errno));
			instance_unlock();
			return 1;
		}
		setvbuf(lf, NULL, _IOLBF, 0);
		rte_openlog_stream(lf);
	}

	char *eargv[EAL_ARGV_MAX];
	static char estore[4096];
	port_confs_from(cfg);
	int eargc = eal_argv(cfg, eargv, estore, sizeof(estore));
	char lim_err[256];
	ipvs_set_limits(cfg->svc_max, cfg->dest_max, lim_err, sizeof(lim_err)); /* checked */
	if (rte_eal_init(eargc, eargv) < 0) {
		/* some EAL failures leave rte_errno at 0: "Success" helps nobody */
		if (rte_errno)
			fprintf(stderr, "dpvs: EAL initialisation failed: %s (hugepages set up? "
					"see scripts/setup.sh)\n",
				rte_strerror(rte_errno));
		else
			fprintf(stderr, "dpvs: EAL initialisation failed (no reason given; see the "
					"EAL lines above: hugepages set up? another DPDK process "
					"with [eal] file_prefix '%s'?)\n",
				cfg->file_prefix);
		instance_unlock();
		return 1;
	}
	int lt = rte_log_register("dpvs");
	if (lt >= 0)
		dpvs_logtype = lt;
	reload_set_log_level(cfg);
	worker_set_start_tsc(rte_rdtsc());

	int rc = 0;
	if (!make_workers(cfg, err, sizeof(err)) || rcu_init(worker_count()) < 0 ||
	    steer_init(worker_count(), err, sizeof(err)) < 0 ||
	    port_confs_steer(cfg, err, sizeof(err)) < 0 ||
	    netif_init(port_confs, port_nconfs, cfg->mbufs, cfg->mbuf_cache, worker_count(), err,
		       sizeof(err)) < 0 ||
	    inet_init(netif_port_count(), err, sizeof(err)) < 0 ||
	    ipvs_init(worker_count(), cfg->conn_max, err, sizeof(err)) < 0 ||
	    pdump_start(cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "dpvs: %s\n", err[0] ? err : "initialisation failed");
		rc = 1;
		goto out;
	}
	worker_loop_params(cfg->idle_sleep_us, cfg->idle_polls);

	static char report[RELOAD_REPORT_MAX];
	health_start(loop); /* the config's checks start with it */
	if (reload_apply_initial(cfg, report, sizeof(report)) < 0) {
		fprintf(stderr, "dpvs: %s: cannot apply:\n%s", path, report);
		rc = 1;
		goto out;
	}
	daemon_ctl_register();
	inet_ctl_register();
	ipvs_ctl_register();
	health_ctl_register();

	if (ctl_server_start(loop, cfg->ctl_socket, err, sizeof(err)) < 0 ||
	    ctl_server_set_group(cfg->ctl_group, err, sizeof(err)) < 0) {
		fprintf(stderr, "dpvs: %s\n", err);
		rc = 1;
		goto out;
	}
	if (observe_start(loop, cfg->metrics_listen, err, sizeof(err)) < 0) {
		fprintf(stderr, "dpvs: %s\n", err);
		ctl_server_stop();
		rc = 1;
		goto out;
	}
	for (unsigned i = 0; i < worker_count(); i++) {
		struct worker *w = worker_get(i);
		rte_eal_remote_launch(worker_main, w, w->lcore_id);
	}

	ev_timer tick;
	ev_timer_init(&tick, on_tick, 1.0, 1.0);
	ev_timer_start(loop, &tick);

	DPVS_LOG(NOTICE, "dpvs %s started: %u ports, %u workers, control socket %s",
		 DPVS_VERSION_STRING, netif_port_count(), worker_count(), cfg->ctl_socket);
	printf("dpvs: running (pid %d), control socket %s\n", (int)getpid(), cfg->ctl_socket);
	fflush(stdout);
	ev_run(loop, 0);

	observe_stop();
	ctl_server_stop();
out:
	health_stop(); /* no probe child outlives the daemon */
	stop_workers(); /* the one place workers stop, on success and failure */
	if (pdump_on)
		rte_pdump_uninit();
	steer_fini();
	ipvs_fini();
	inet_fini();
	netif_fini();
	reload_fini();
	rte_eal_cleanup();
	instance_unlock();
	DPVS_LOG(NOTICE, "stopped");
	return rc;
}
