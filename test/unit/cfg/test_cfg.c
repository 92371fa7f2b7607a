/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the cfg layer: defaults, a full valid file, every kind of
 * error (reported with its section and key, all of them, not only the
 * first), the whole-file cross-checks, the init-only diff, and every file
 * shipped in conf/ (they must stay valid as the schema grows).
 *
 * Files are written into a mkdtemp() directory that is removed at the end.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <cmocka.h>

#include "cfg/cfg_test_env.h"

#ifndef CFG_TEST_CONF_DIR
#error "CFG_TEST_CONF_DIR: the conf/ folder, set by meson"
#endif

/* A small valid file that the error tests break one way at a time. */
#define BASE_EAL "[eal]\nlcores = 0,1\n"
#define BASE_PORT "[port:dpdk0]\ndevice = net_af_packet0,iface=veth0\n"
#define BASE_WORKER "[worker:1]\nqueues = dpdk0:0\n"
#define BASE BASE_EAL BASE_PORT BASE_WORKER

static void expect_valid(const char *text)
{
	int rc = load(text);

	if (rc != 0)
		dump_errors();
	assert_int_equal(rc, 0);
	assert_int_equal(errs.count, 0);
}

/* The file fails with exactly one error, naming `where` and `why`. */
static void expect_one_error(const char *text, const char *where, const char *why)
{
	int rc = load(text);

	if (rc != -EINVAL || errs.count != 1 || !has_error(where, why)) {
		print_message("expected one error with '%s' and '%s'\n", where, why ? why : "");
		dump_errors();
	}
	assert_int_equal(rc, -EINVAL);
	assert_int_equal(errs.count, 1);
	assert_true(has_error(where, why));
	/* every message starts with the file name */
	assert_non_null(strstr(errs.msg[0], "t.conf: "));
}

static void test_defaults(void **state)
{
	(void)state;
	cfg_defaults(cfg);
	assert_int_equal(cfg->log_level, CFG_LOG_INFO);
	assert_string_equal(cfg->log_file, "");
	assert_string_equal(cfg->ctl_socket, "/run/dpvs/dpvs.sock");
	assert_string_equal(cfg->pid_file, "/run/dpvs/dpvs.pid");
	assert_int_equal(cfg->idle_sleep_us, 0);
	assert_int_equal(cfg->idle_polls, 64);
	assert_string_equal(cfg->lcores, "0,1");
	assert_int_equal(cfg->main_lcore, 0);
	assert_int_equal(cfg->memory_mb, 512);
	assert_string_equal(cfg->file_prefix, "dpvs");
	assert_false(cfg->in_memory);
	assert_true(cfg->no_pci);
	assert_int_equal(cfg->mbufs, 16383);
	assert_int_equal(cfg->mbuf_cache, 256);
	assert_int_equal(cfg->conn_max, 1048576);
	assert_int_equal(cfg->timeouts.tcp_timeout, 900);
	assert_int_equal(cfg->timeouts.tcp_fin_timeout, 120);
	assert_int_equal(cfg->timeouts.udp_timeout, 300);
	assert_int_equal(cfg->tcp_states.syn_recv, 60);
	assert_int_equal(cfg->tcp_states.time_wait, 120);
	assert_int_equal(cfg->tcp_states.close, 10);
	assert_int_equal(cfg->tcp_states.close_wait, 60);
	assert_int_equal(cfg->tcp_states.last_ack, 30);
	assert_false(cfg->expire_nodest_conn);
	assert_false(cfg->sloppy_tcp);
	assert_int_equal(cfg->nports, 0);
	assert_int_equal(cfg->nworkers, 0);

	/* a minimal file: the port gets its defaults too */
	expect_valid(BASE);
	assert_int_equal(cfg->nports, 1);
	assert_string_equal(cfg->ports[0].name, "dpdk0");
	assert_string_equal(cfg->ports[0].device, "net_af_packet0,iface=veth0");
	assert_int_equal(cfg->ports[0].rx_queues, 1);
	assert_int_equal(cfg->ports[0].rx_desc, 1024);
	assert_int_equal(cfg->ports[0].tx_desc, 1024);
	assert_int_equal(cfg->ports[0].mtu, 1500);
	assert_true(cfg->ports[0].promisc);
	assert_true(cfg->ports[0].kni);
	assert_string_equal(cfg->ports[0].kni_name, "dpdk0.kni");
	assert_int_equal(cfg->nworkers, 1);
	assert_int_equal(cfg->workers[0].lcore, 1);
	assert_int_equal(cfg->workers[0].nrxq, 1);
	assert_true(cfg->no_pci);
	assert_int_equal(cfg->log_level, CFG_LOG_INFO);
	assert_int_equal(cfg->timeouts.tcp_timeout, 900);
	assert_string_equal(cfg_log_level_name(CFG_LOG_DEBUG), "debug");
}

static const char full_file[] =
	"; every key set to something other than its default\n"
	"[global]\n"
	"log_level = debug\n"
	"log_file = /var/log/dpvs.log\n"
	"ctl_socket = /tmp/dpvs-test.sock\n"
	"pid_file = /tmp/dpvs-test.pid\n"
	"idle_sleep_us = 100\n"
	"idle_polls = 10\n"
	"metrics_listen = 127.0.0.1:9108\n"
	"[EAL]\n"
	"lcores = 0@0,(1-2)@1\n"
	"main_lcore = 0\n"
	"memory = 1024\n"
	"file_prefix = lb-1\n"
	"in_memory = yes\n"
	"no_pci = no\n"
	"extra_args = --log-level=pmd.net.*:debug --huge-unlink\n"
	"[pool]\n"
	"mbufs = 32767\n"
	"mbuf_cache = 128\n"
	"conn_max = 2048\n"
	"[port:DPDK0]\n"
	"device = 0000:00:08.0\n"
	"rx_queues = 2\n"
	"rx_desc = 512\n"
	"tx_desc = 256\n"
	"mtu = 9000\n"
	"promisc = off\n"
	"kni = false\n"
	"kni_name = lan.kni\n"
	"[port:wan]\n"
	"device = net_memif0,role=server,socket=/tmp/m0.sock\n"
	"[worker:1]\n"
	"queues = dpdk0:0, dpdk0:1\n"
	"[worker:2]\n"
	"queues = wan:0\n"
	"[addresses]\n"
	"dip = 192.168.100.254/24 dev dpdk0\n"
	"wan = 10.1.0.2/30 dev WAN\n"
	"[routes]\n"
	"default = default via 10.1.0.1 dev wan\n"
	"servers = 10.10.0.0/16 via 192.168.100.1 dev dpdk0 metric 5\n"
	"[neighbours]\n"
	"gw = 10.1.0.1 lladdr 02:00:00:00:00:01 dev wan\n"
	"[ipvs]\n"
	"tcp_timeout = 600\n"
	"tcp_fin_timeout = 60\n"
	"udp_timeout = 30\n"
	"tcp_time_wait_timeout = 7\n"
	"tcp_close_timeout = 3\n"
	"expire_nodest_conn = on\n"
	"sloppy_tcp = yes\n"
	"[service:web]\n"
	"service = -t 10.1.0.2:80 -s rr\n"
	"rs1 = -r 192.168.100.1:8080 -m -w 3\n"
	"rs2 = -r 192.168.100.2 -m\n"
	"[service:dns]\n"
	"service = -u 10.1.0.2:53 -s wrr\n"
	"a = -r 192.168.100.3 -g\n";

static void test_full_file(void **state)
{
	const struct cfg_service *web, *dns;

	(void)state;
	expect_valid(full_file);
	assert_int_equal(cfg->log_level, CFG_LOG_DEBUG);
	assert_string_equal(cfg->log_file, "/var/log/dpvs.log");
	assert_string_equal(cfg->ctl_socket, "/tmp/dpvs-test.sock");
	assert_string_equal(cfg->pid_file, "/tmp/dpvs-test.pid");
	assert_int_equal(cfg->idle_sleep_us, 100);
	assert_string_equal(cfg->metrics_listen, "127.0.0.1:9108");
	assert_int_equal(cfg->idle_polls, 10);
	assert_string_equal(cfg->lcores, "0@0,(1-2)@1");
	assert_int_equal(cfg->memory_mb, 1024);
	assert_string_equal(cfg->file_prefix, "lb-1");
	assert_true(cfg->in_memory);
	assert_false(cfg->no_pci);
	assert_string_equal(cfg->extra_args, "--log-level=pmd.net.*:debug --huge-unlink");
	assert_int_equal(cfg->mbufs, 32767);
	assert_int_equal(cfg->mbuf_cache, 128);
	assert_int_equal(cfg->conn_max, 2048);

	assert_int_equal(cfg->nports, 2);
	assert_string_equal(cfg->ports[0].name, "dpdk0");
	assert_string_equal(cfg->ports[0].device, "0000:00:08.0");
	assert_int_equal(cfg->ports[0].rx_queues, 2);
	assert_int_equal(cfg->ports[0].rx_desc, 512);
	assert_int_equal(cfg->ports[0].tx_desc, 256);
	assert_int_equal(cfg->ports[0].mtu, 9000);
	assert_false(cfg->ports[0].promisc);
	assert_false(cfg->ports[0].kni);
	assert_string_equal(cfg->ports[0].kni_name, "lan.kni");
	assert_string_equal(cfg->ports[1].name, "wan");
	assert_string_equal(cfg->ports[1].kni_name, "wan.kni");

	assert_int_equal(cfg->nworkers, 2);
	assert_int_equal(cfg->workers[0].lcore, 1);
	assert_int_equal(cfg->workers[0].nrxq, 2);
	assert_int_equal(cfg->workers[0].rxq[0].port, 0);
	assert_int_equal(cfg->workers[0].rxq[0].queue, 0);
	assert_int_equal(cfg->workers[0].rxq[1].port, 0);
	assert_int_equal(cfg->workers[0].rxq[1].queue, 1);
	assert_int_equal(cfg->workers[1].lcore, 2);
	assert_int_equal(cfg->workers[1].rxq[0].port, 1);
	assert_int_equal(cfg->workers[1].rxq[0].queue, 0);

	assert_int_equal(cfg->naddrs, 2);
	assert_string_equal(cfg->addrs[0].ifname, "dpdk0");
	assert_int_equal(cfg->addrs[0].prefixlen, 24);
	assert_int_equal(cfg->addrs[0].addr.in.s_addr, inet_addr("192.168.100.254"));
	/* "dev WAN" names port wan: stored in the port's spelling */
	assert_string_equal(cfg->addrs[1].ifname, "wan");
	assert_int_equal(cfg->nroutes, 2);
	assert_int_equal(cfg->routes[0].prefixlen, 0);
	assert_int_equal(cfg->routes[0].gateway.in.s_addr, inet_addr("10.1.0.1"));
	assert_int_equal(cfg->routes[1].metric, 5);
	assert_int_equal(cfg->nneighs, 1);
	assert_int_equal(cfg->neighs[0].mac.b[5], 1);
	assert_string_equal(cfg->neighs[0].ifname, "wan");

	assert_int_equal(cfg->timeouts.tcp_timeout, 600);
	assert_int_equal(cfg->timeouts.tcp_fin_timeout, 60);
	assert_int_equal(cfg->timeouts.udp_timeout, 30);
	assert_int_equal(cfg->tcp_states.time_wait, 7);
	assert_int_equal(cfg->tcp_states.close, 3);
	assert_int_equal(cfg->tcp_states.syn_recv, 60);
	assert_true(cfg->expire_nodest_conn);
	assert_true(cfg->sloppy_tcp);

	assert_int_equal(cfg->nservices, 2);
	web = &cfg->services[0];
	dns = &cfg->services[1];
	assert_string_equal(web->name, "web");
	assert_int_equal(web->svc.protocol, IPPROTO_TCP);
	assert_int_equal(web->svc.port, htons(80));
	assert_string_equal(web->svc.sched_name, "rr");
	assert_int_equal(web->ndests, 2);
	assert_int_equal(web->dests[0].port, htons(8080));
	assert_int_equal(web->dests[0].weight, 3);
	assert_int_equal(web->dests[0].conn_flags, DPVS_FWD_MASQ);
	assert_int_equal(web->dests[1].port, htons(80)); /* the service's */
	assert_int_equal(web->dests[1].addr.in.s_addr, inet_addr("192.168.100.2"));
	assert_int_equal(dns->svc.protocol, IPPROTO_UDP);
	assert_int_equal(dns->ndests, 1);
	assert_int_equal(dns->dests[0].conn_flags, DPVS_FWD_DROUTE);
}

static void test_booleans(void **state)
{
	static const char *const yes[] = { "yes", "YES", "true", "True", "on", "1" };
	static const char *const no[] = { "no", "No", "false", "FALSE", "off", "0" };
	char text[512];

	(void)state;
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		snprintf(text, sizeof(text), BASE "[ipvs]\nexpire_nodest_conn = %s\n", yes[i]);
		expect_valid(text);
		assert_true(cfg->expire_nodest_conn);
		snprintf(text, sizeof(text), BASE "[ipvs]\nexpire_nodest_conn = %s\n", no[i]);
		cfg->expire_nodest_conn = true;
		expect_valid(text);
		assert_false(cfg->expire_nodest_conn);
	}
	expect_one_error(BASE "[ipvs]\nexpire_nodest_conn = maybe\n",
			 "t.conf: [ipvs] expire_nodest_conn: ", "'maybe' is not a boolean");
	expect_one_error(BASE "[ipvs]\nexpire_nodest_conn =\n", "[ipvs] expire_nodest_conn: ",
			 "not a boolean");
	expect_one_error(BASE "[ipvs]\nsloppy_tcp = sometimes\n", "t.conf: [ipvs] sloppy_tcp: ",
			 "'sometimes' is not a boolean");
}

/* One error of each kind, each naming its section and key. */
static void test_value_errors(void **state)
{
	(void)state;
	expect_one_error(BASE "[bogus]\nx = 1\n", "t.conf: [bogus]: ", "unknown section");
	expect_one_error(BASE "[global]\nlog_levle = debug\n", "[global] log_levle: ",
			 "unknown key");
	expect_one_error(BASE "[global]\nlog_level = loud\n", "[global] log_level: ",
			 "'loud' is not one of err, warning, notice, info, debug");
	expect_one_error(BASE_EAL BASE_WORKER
			 "[port:dpdk0]\ndevice = net_af_packet0\nmtu = 99999\n",
			 "t.conf: [port:dpdk0] mtu: ", "'99999' is out of range 68..9600");
	expect_one_error(BASE "[pool]\nmbufs = 12k\n", "[pool] mbufs: ", "'12k' is not a number");
	expect_one_error(BASE "[pool]\nconn_max = -1\n", "[pool] conn_max: ", "not a number");
	expect_one_error(BASE "[ipvs]\ntcp_timeout = 0\n", "[ipvs] tcp_timeout: ",
			 "out of range");
	expect_one_error(BASE_EAL BASE_WORKER "[port:dpdk0]\ndevice = eth0\n",
			 "[port:dpdk0] device: ", "'eth0' is neither a PCI address");
	expect_one_error(BASE_EAL BASE_WORKER "[port:dpdk0]\ndevice = 00:08.9\n",
			 "[port:dpdk0] device: ", "neither");
	expect_one_error(BASE_EAL BASE_WORKER "[port:dpdk0]\ndevice = net_tap0,iface\n",
			 "[port:dpdk0] device: ", "'iface' is not key=value");
	expect_one_error(BASE_EAL BASE_WORKER "[port:dpdk0]\n", "[port:dpdk0]: ",
			 "no 'device' key");
	expect_one_error(BASE "[eal]\nfile_prefix = a/b\n", "[eal] file_prefix: ", "'/'");
	expect_one_error(BASE_PORT BASE_WORKER "[eal]\nlcores = 0:1\n", "[eal] lcores: ",
			 "not an EAL lcore list");
	expect_one_error(BASE_PORT BASE_WORKER "[eal]\nlcores = 0-999\n", "[eal] lcores: ",
			 "out of range");
	expect_one_error(BASE "[global]\nctl_socket = relative.sock\n", "[global] ctl_socket: ",
			 "not an absolute path");
	expect_one_error(BASE "[global]\nmetrics_listen = 127.0.0.1\n", "[global] metrics_listen: ",
			 "'127.0.0.1' is not IPV4ADDRESS:PORT (port 1..65535)");
	expect_one_error(BASE "[global]\nmetrics_listen = 127.0.0.1:0\n",
			 "[global] metrics_listen: ", "not IPV4ADDRESS:PORT");
	expect_one_error(BASE "[global]\nmetrics_listen = localhost:9108\n",
			 "[global] metrics_listen: ", "not IPV4ADDRESS:PORT");
	expect_one_error(BASE "[global]\nmetrics_listen = 127.0.0.1:65536\n",
			 "[global] metrics_listen: ", "not IPV4ADDRESS:PORT");
	expect_one_error(BASE "[global]\npid_file = /"
			 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
			 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
			 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
			 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n",
			 "[global] pid_file: ", "longer than 255 characters");
	expect_one_error(BASE "[addresses:x]\n", "[addresses:x]: ", "takes no name");
	expect_one_error(BASE "[service]\nservice = -t 1.2.3.4:80\n", "[service]: ",
			 "needs a name");
	expect_one_error(BASE "[global]\nidle_polls = 5\nidle_polls = 6\n",
			 "[global] idle_polls: ", "set twice (lines 8 and 9)");
	expect_one_error("stray = 1\n" BASE, "t.conf: key 'stray' is outside any section",
			 NULL);
}

static void test_port_names(void **state)
{
	(void)state;
	expect_one_error(BASE "[port:averyveryverylongname]\ndevice = net_tap0\n",
			 "[port:averyveryverylongname]: ", "longer than 15 characters");
	expect_one_error(BASE "[port:a/b]\ndevice = net_tap0\n", "[port:a/b]: ", "'/'");
	/* 12 characters: the default kni name would not fit */
	expect_one_error(BASE_EAL "[port:abcdefghijkl]\ndevice = net_tap0\n"
				  "[worker:1]\nqueues = abcdefghijkl:0\n",
			 "[port:abcdefghijkl] kni_name: ", "default 'abcdefghijkl.kni'");
	expect_valid(BASE_EAL "[port:abcdefghijkl]\ndevice = net_tap0\nkni_name = k0\n"
			      "[worker:1]\nqueues = abcdefghijkl:0\n");
	expect_one_error(BASE_PORT BASE_WORKER "[port:dpdk1]\ndevice = net_tap1\n"
			 "kni_name = dpdk0.kni\n[worker:2]\nqueues = dpdk1:0\n"
			 "[eal]\nlcores = 0-2\n",
			 "[port:dpdk1] kni_name: ", "also the KNI of port dpdk0");
	expect_one_error(BASE_PORT BASE_WORKER "[port:dpdk1]\ndevice = net_af_packet0,iface=veth0\n"
			 "[worker:2]\nqueues = dpdk1:0\n[eal]\nlcores = 0-2\n",
			 "[port:dpdk1] device: ", "also the device of port dpdk0");
}

/* Several problems in one file: every one is reported, and counted. */
static void test_many_errors(void **state)
{
	(void)state;
	assert_int_equal(load("[global]\n"
			      "log_level = loud\n"           /* 1 */
			      "idle_polls = 0\n"             /* 2 */
			      "colour = blue\n"              /* 3 */
			      "[eal]\nlcores = 0,1\nin_memory = perhaps\n" /* 4 */
			      "[pool]\nmbufs = 99999999999\n" /* 5 */
			      "[port:dpdk0]\ndevice = net_af_packet0,iface=v0\nmtu = 20\n" /* 6 */
			      "rx_desc = lots\n"             /* 7 */
			      "[worker:1]\nqueues = dpdk0:0, dpdk9:0\n" /* 8 */
			      "[nonsense]\n"                 /* 9 */
			      "[addresses]\nx = 10.0.0.1/24 dev eth7\n" /* 10 */
			      "[service:bad]\nservice = -t 1.2.3.4\n" /* 11 */
			      "[ipvs]\ntcp_time_wait_timeout = 0\n"), /* 12 */
			 -EINVAL);
	if (errs.count != 12)
		dump_errors();
	assert_int_equal(errs.count, 12);
	assert_true(has_error("[ipvs] tcp_time_wait_timeout: ", "out of range 1..2678400"));
	assert_true(has_error("[global] log_level: ", "loud"));
	assert_true(has_error("[global] idle_polls: ", "out of range 1..1000000"));
	assert_true(has_error("[global] colour: ", "unknown key"));
	assert_true(has_error("[eal] in_memory: ", "perhaps"));
	assert_true(has_error("[pool] mbufs: ", "out of range"));
	assert_true(has_error("[port:dpdk0] mtu: ", "'20' is out of range 68..9600"));
	assert_true(has_error("[port:dpdk0] rx_desc: ", "'lots'"));
	assert_true(has_error("[worker:1] queues: ", "no port 'dpdk9'"));
	assert_true(has_error("[nonsense]: ", "unknown section"));
	assert_true(has_error("[addresses] x: ", "dev 'eth7' is not a configured port"));
	assert_true(has_error("[service:bad] service: ", NULL));

	/* more errors than are kept: all are still counted */
	{
		char text[8192];
		size_t n = (size_t)snprintf(text, sizeof(text), "%s[global]\n", BASE);

		for (int i = 0; i < CFG_ERR_MAX + 10; i++)
			n += (size_t)snprintf(text + n, sizeof(text) - n, "bad%d = 1\n", i);
		assert_int_equal(load(text), -EINVAL);
		assert_int_equal(errs.count, CFG_ERR_MAX + 10);
	}
}

static void test_cross_checks(void **state)
{
	(void)state;
	/* (the worker's queue names a port that isn't there either) */
	expect_error(BASE_EAL BASE_WORKER, "t.conf: no [port:NAME] section", NULL);
	expect_one_error(BASE_EAL BASE_PORT, "t.conf: no [worker:LCORE] section", NULL);
	expect_one_error(BASE_PORT "[worker:0]\nqueues = dpdk0:0\n", "[worker:0]: ",
			 "lcore 0 is the main lcore");
	expect_one_error(BASE_PORT "[eal]\nlcores = 0-3\nmain_lcore = 2\n[worker:2]\n"
				   "queues = dpdk0:0\n",
			 "[worker:2]: ", "main lcore");
	expect_one_error(BASE_PORT BASE_WORKER "[eal]\nlcores = 1-3\n", "[eal] main_lcore: ",
			 "lcore 0 is not in lcores '1-3'");
	expect_one_error(BASE_EAL BASE_PORT "[worker:5]\nqueues = dpdk0:0\n", "[worker:5]: ",
			 "lcore 5 is not in [eal] lcores '0,1'");
	expect_error(BASE_EAL BASE_PORT "[worker:1]\n", "[worker:1]: ", "no 'queues' key");
	assert_true(has_error("[port:dpdk0] rx_queues: ", "queue 0 is polled by no worker"));
	/* dpdk-dumpcap maps hugepage files that in_memory never makes */
	expect_one_error(BASE "[eal]\npdump = yes\nin_memory = yes\n", "[eal] pdump: ",
			 "in_memory = no");
	expect_valid(BASE "[eal]\npdump = yes\n");
	/* 17 workers and a KNI: the TAP has 16 queues */
	{
		char buf[4096];
		int n = snprintf(buf, sizeof(buf), "[eal]\nlcores = 0-17\n[port:dpdk0]\n"
					      "device = net_tap0\nrx_queues = 17\nrx_desc = 64\ntx_desc = 64\n");

		for (unsigned w = 1; w <= 17; w++)
			n += snprintf(buf + n, sizeof(buf) - (size_t)n,
				      "[worker:%u]\nqueues = dpdk0:%u\n", w, w - 1);
		expect_one_error(buf, "[port:dpdk0] kni: ", "at most 16 queues");
	}
	/* one port's queues on two workers: fine, replies are steered to
	 * the worker that owns their connection (worker/steer.c) */
	expect_valid("[eal]\nlcores = 0-2\n[port:dpdk0]\ndevice = net_tap0\nrx_queues = 2\n"
		     "[worker:1]\nqueues = dpdk0:0\n[worker:2]\nqueues = dpdk0:1\n");
	/* rss = client|server: the NIC steers by one address, so every worker
	 * needs a queue of the port to be steered to */
	expect_valid("[eal]\nlcores = 0-2\n[port:dpdk0]\ndevice = net_tap0\nrx_queues = 2\n"
		     "rss = client\n[worker:1]\nqueues = dpdk0:0\n[worker:2]\nqueues = dpdk0:1\n");
	expect_one_error("[eal]\nlcores = 0-2\n[port:dpdk0]\ndevice = net_tap0\nrx_queues = 2\n"
			 "rss = server\n[port:dpdk1]\ndevice = net_tap1\n[worker:1]\n"
			 "queues = dpdk0:0, dpdk0:1\n[worker:2]\nqueues = dpdk1:0\n",
			 "[port:dpdk0] rss: ", "[worker:2] polls no queue of dpdk0");
	expect_one_error(BASE_EAL BASE_PORT "rss = source\n" BASE_WORKER, "[port:dpdk0] rss: ",
			 "'source' is not one of flows, client, server");
	expect_one_error(BASE_EAL BASE_PORT "[worker:1]\nqueues = dpdk0:0\nthreads = 2\n",
			 "[worker:1] threads: ", "unknown key");
	expect_one_error(BASE "[worker:x]\nqueues = dpdk0:0\n", "[worker:x]: ",
			 "not a number");

	/* queues: beyond rx_queues, polled twice, polled by nobody */
	expect_one_error(BASE_EAL BASE_PORT "[worker:1]\nqueues = dpdk0:0, dpdk0:1\n",
			 "[worker:1] queues: ", "dpdk0:1: port dpdk0 has only 1 rx queue");
	expect_one_error(BASE_EAL BASE_PORT "[worker:1]\nqueues = dpdk0:0, dpdk0.0\n",
			 "[worker:1] queues: ", "is not PORT:QUEUE");
	expect_one_error("[eal]\nlcores = 0-2\n" BASE_PORT BASE_WORKER
			 "[worker:2]\nqueues = dpdk0:0\n",
			 "[worker:2] queues: ", "dpdk0:0 is already polled by [worker:1]");
	expect_one_error(BASE_EAL BASE_PORT "[worker:1]\nqueues = dpdk0:0,dpdk0:0\n",
			 "[worker:1] queues: ", "listed twice");
	expect_one_error(BASE_EAL BASE_PORT "rx_queues = 3\n[worker:1]\nqueues = dpdk0:0,dpdk0:2\n",
			 "[port:dpdk0] rx_queues: ", "queue 1 is polled by no worker");

	/* dev of addresses, routes and neighbours */
	expect_one_error(BASE "[addresses]\na = 10.0.0.1/24 dev dpdk1\n", "[addresses] a: ",
			 "dev 'dpdk1' is not a configured port");
	expect_one_error(BASE "[routes]\nr = 10.2.0.0/16 via 10.0.0.1 dev nic\n", "[routes] r: ",
			 "dev 'nic' is not a configured port");
	expect_one_error(BASE "[neighbours]\nn = 10.0.0.1 lladdr 02:00:00:00:00:01 dev eth0\n",
			 "[neighbours] n: ", "dev 'eth0' is not a configured port");
	/* and their own syntax, from libdpvsctl's parsers */
	expect_one_error(BASE "[addresses]\na = 10.0.0.300/24 dev dpdk0\n", "[addresses] a: ",
			 "10.0.0.300");
	expect_one_error(BASE "[addresses]\na = 10.0.0.1/24\n", "[addresses] a: ", "dev");
	expect_one_error(BASE "[addresses]\na = 10.0.0.1/24 dev dpdk0\nb = 10.0.0.1/16 dev dpdk0\n",
			 "[addresses] b: ", "configured twice");
	expect_one_error(BASE "[neighbours]\nn = 10.0.0.1 lladdr zz dev dpdk0\n",
			 "[neighbours] n: ", "zz");

	/* EAL and pools */
	expect_one_error(BASE_EAL BASE_WORKER "[port:dpdk0]\ndevice = 0000:00:08.0\n"
			 "[eal]\nno_pci = yes\n",
			 "[eal] no_pci: ", "port dpdk0 uses the PCI device 0000:00:08.0");
	expect_error(BASE "[pool]\nmbufs = 511\nmbuf_cache = 512\n", "[pool] mbuf_cache: ",
		     "512 is too big for 511 mbufs");
	expect_one_error(BASE "[pool]\nmbufs = 2047\nmbuf_cache = 0\n"
			      "[port:dpdk0]\nrx_desc = 4096\n",
			 "[pool] mbufs: ", "fewer than");
}

static void test_no_pci_derived(void **state)
{
	(void)state;
	expect_valid(BASE);
	assert_true(cfg->no_pci);
	expect_valid(BASE_EAL BASE_WORKER "[port:dpdk0]\ndevice = 00:08.0\n");
	assert_false(cfg->no_pci);
	expect_valid(BASE_EAL BASE_WORKER "[port:dpdk0]\ndevice = 0000:3b:00.1,rxq_pkt_fill=16\n");
	assert_false(cfg->no_pci);
	expect_valid(BASE "[eal]\nno_pci = no\n");
	assert_false(cfg->no_pci);
}

static void test_services(void **state)
{
	(void)state;
	expect_valid(BASE "[service:fw]\nservice = -f 7 -s sh\nrs = -r 10.0.0.5 -g\n");
	assert_int_equal(cfg->nservices, 1);
	assert_int_equal(cfg->services[0].svc.fwmark, 7);
	assert_int_equal(cfg->services[0].ndests, 1);

	expect_one_error(BASE "[service:web]\nrs1 = -r 10.0.0.2 -m\n", "[service:web]: ",
			 "no 'service' key");
	expect_one_error(BASE "[service:web]\nservice = -t 10.0.0.1:99999 -s rr\n",
			 "[service:web] service: ", NULL);
	expect_one_error(BASE "[service:web]\nservice = -t 10.0.0.1:80 --bogus\n",
			 "[service:web] service: ", NULL);
	expect_one_error(BASE "[service:web]\nservice = -t 10.0.0.1:80\nrs1 = -r 10.0.0.2 -w x\n",
			 "[service:web] rs1: ", NULL);
	expect_one_error(BASE "[service:web]\nservice = -t 10.0.0.1:80\nrs1 = -r 10.0.0.2\n"
			      "rs2 = -r 10.0.0.2:80 -m\n",
			 "[service:web] rs2: ", "same real server");
	expect_one_error(BASE "[service:a]\nservice = -t 10.0.0.1:80 -s rr\n"
			      "[service:b]\nservice = -t 10.0.0.1:80 -s wrr\n",
			 "[service:b] service: ", "same virtual service as [service:a]");
	/* same VIP and port, other protocol: two services */
	expect_valid(BASE "[service:a]\nservice = -t 10.0.0.1:53\n"
			  "[service:b]\nservice = -u 10.0.0.1:53\n");
	assert_int_equal(cfg->nservices, 2);
	expect_one_error(BASE "[service:web]\nservice = -t 10.0.0.1:80\nrs1 = -r 10.0.0.2\n"
			      "rs1 = -r 10.0.0.3\n",
			 "[service:web] rs1: ", "set twice");
}

/* synproxy = yes|no: the service's flag, as --synproxy sets it */
static void test_service_synproxy(void **state)
{
	(void)state;
	expect_valid(BASE "[service:web]\nservice = -t 10.0.0.1:80 -s rr\nsynproxy = yes\n"
			  "rs1 = -r 10.0.0.2 --fullnat\n");
	assert_true(cfg->services[0].svc.flags & DPVS_SVC_F_SYNPROXY);
	assert_int_equal(cfg->services[0].ndests, 1); /* not taken for a real server */
	expect_valid(BASE "[service:web]\nservice = -t 10.0.0.1:80 -s rr\nsynproxy = no\n");
	assert_false(cfg->services[0].svc.flags & DPVS_SVC_F_SYNPROXY);
	/* the service line's switch alone, and both saying the same */
	expect_valid(BASE "[service:web]\nservice = -t 10.0.0.1:80 -s rr --synproxy enable\n");
	assert_true(cfg->services[0].svc.flags & DPVS_SVC_F_SYNPROXY);
	expect_valid(BASE "[service:web]\nservice = -t 10.0.0.1:80 --synproxy enable\n"
			  "synproxy = on\n");
	assert_true(cfg->services[0].svc.flags & DPVS_SVC_F_SYNPROXY);
	expect_one_error(BASE "[service:web]\nservice = -t 10.0.0.1:80 --synproxy enable\n"
			      "synproxy = no\n",
			 "[service:web] synproxy: ", "keep one of them");
	expect_one_error(BASE "[service:web]\nservice = -t 10.0.0.1:80\nsynproxy = maybe\n",
			 "[service:web] synproxy: ", "'maybe' is not yes or no");
}

static void test_file_errors(void **state)
{
	char path[128];

	(void)state;
	snprintf(path, sizeof(path), "%s/missing.conf", tmpdir);
	assert_int_equal(cfg_load(path, cfg, &errs), -EINVAL);
	assert_int_equal(errs.count, 1);
	assert_non_null(strstr(errs.msg[0], "missing.conf: cannot read"));

	assert_int_equal(load(BASE "[global]\nthis line has no equals sign\n"), -EINVAL);
	assert_true(errs.count >= 1);
	assert_true(has_error("t.conf", "syntax error"));
}

static void test_diff_init_only(void **state)
{
	char buf[2048];

	(void)state;
	assert_int_equal(load_into(cfg, full_file), 0);
	assert_int_equal(load_into(cfg2, full_file), 0);
	assert_int_equal(cfg_diff_init_only(cfg, cfg2, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");

	/* reloadable items differ: nothing to restart for */
	cfg2->log_level = CFG_LOG_ERR;
	cfg2->timeouts.tcp_timeout = 1;
	cfg2->expire_nodest_conn = false;
	cfg2->naddrs = 0;
	cfg2->nservices = 0;
	assert_int_equal(cfg_diff_init_only(cfg, cfg2, buf, sizeof(buf)), 0);

	snprintf(cfg2->lcores, sizeof(cfg2->lcores), "0-3");
	cfg2->mbufs = 8191;
	cfg2->idle_polls = 1;
	cfg2->ports[0].mtu = 1500;
	cfg2->workers[1].rxq[0].queue = 1;
	assert_int_equal(cfg_diff_init_only(cfg, cfg2, buf, sizeof(buf)), 5);
	assert_non_null(strstr(buf, "[global] idle_polls: changed, restart required\n"));
	assert_non_null(strstr(buf, "[eal] lcores: changed, restart required\n"));
	assert_non_null(strstr(buf, "[pool] mbufs: changed, restart required\n"));
	assert_non_null(strstr(buf, "[port:dpdk0] mtu: changed, restart required\n"));
	assert_non_null(strstr(buf, "[worker:2] queues: changed, restart required\n"));

	/* ports and workers that come or go */
	assert_int_equal(load_into(cfg2, BASE_PORT "[worker:1]\nqueues = dpdk0:0\n"
			 "[port:lan]\ndevice = net_tap0\n[eal]\nlcores = 0-2\n"
			 "[worker:2]\nqueues = lan:0\n"), 0);
	assert_int_equal(load_into(cfg, BASE), 0);
	assert_int_equal(cfg_diff_init_only(cfg, cfg2, buf, sizeof(buf)), 3);
	assert_non_null(strstr(buf, "[eal] lcores: changed"));
	assert_non_null(strstr(buf, "[port:lan]: added, restart required\n"));
	assert_non_null(strstr(buf, "[worker:2]: added, restart required\n"));
	assert_int_equal(cfg_diff_init_only(cfg2, cfg, buf, sizeof(buf)), 3);
	assert_non_null(strstr(buf, "[port:lan]: removed, restart required\n"));
	assert_non_null(strstr(buf, "[worker:2]: removed"));

	/* a small buffer: truncated but terminated, the count still right */
	assert_int_equal(cfg_diff_init_only(cfg2, cfg, buf, 10), 3);
	assert_int_equal(strlen(buf), 9);
}

static void test_log_level_parse(void **state)
{
	enum cfg_log_level l;

	(void)state;
	assert_int_equal(cfg_log_level_parse("warning", &l), 0);
	assert_int_equal(l, CFG_LOG_WARNING);
	assert_int_equal(cfg_log_level_parse("verbose", &l), -EINVAL);
	assert_string_equal(cfg_log_level_name(CFG_LOG_ERR), "err");
	assert_string_equal(cfg_log_level_name((enum cfg_log_level)42), "unknown");
}

/* Every file shipped in conf/ is a valid config. */
static void test_conf_dir(void **state)
{
	DIR *d = opendir(CFG_TEST_CONF_DIR);
	struct dirent *e;
	char path[512];
	int loaded = 0;
	bool sample = false;

	(void)state;
	assert_non_null(d);
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' ||
		    (!strstr(e->d_name, ".conf") && !strstr(e->d_name, ".sample")))
			continue;
		snprintf(path, sizeof(path), "%s/%s", CFG_TEST_CONF_DIR, e->d_name);
		if (cfg_load(path, cfg, &errs) != 0) {
			print_message("%s is not valid:\n", path);
			dump_errors();
			fail();
		}
		sample |= strcmp(e->d_name, "dpvs.conf.sample") == 0;
		loaded++;
	}
	closedir(d);
	assert_true(sample);
	assert_true(loaded >= 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_full_file),
		cmocka_unit_test(test_booleans),
		cmocka_unit_test(test_value_errors),
		cmocka_unit_test(test_port_names),
		cmocka_unit_test(test_many_errors),
		cmocka_unit_test(test_cross_checks),
		cmocka_unit_test(test_no_pci_derived),
		cmocka_unit_test(test_services),
	    cmocka_unit_test(test_service_synproxy),
		cmocka_unit_test(test_file_errors),
		cmocka_unit_test(test_diff_init_only),
		cmocka_unit_test(test_log_level_parse),
		cmocka_unit_test(test_conf_dir),
	};

	return cmocka_run_group_tests(tests, cfg_test_setup, cfg_test_teardown);
}
