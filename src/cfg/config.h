/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cfg: the daemon's INI configuration, parsed and validated as a whole.
 *
 * Owns: struct dpvs_config (a plain value: no pointers into iniparser),
 * the key schema (which keys exist, their types, ranges and whether a
 * change needs a restart) and the validation of every key.
 *
 * cfg_load() never stops at the first problem: every error found is
 * appended to the error list with the file, section, key and reason, so
 * `dpvs -t` can report them all. It touches nothing outside the struct it
 * fills, so a reload can parse a new file and throw it away if it is bad.
 *
 * File layout (conf/dpvs.conf.sample documents every key):
 *   [global]        log_level, log_file, ctl_socket, ctl_group, pid_file,
 *                   metrics_listen,
 *                   idle_sleep_us, idle_polls
 *   [eal]           lcores, main_lcore, memory, file_prefix, in_memory,
 *                   no_pci, pdump, extra_args
 *   [pool]          mbufs, mbuf_cache, conn_max (per worker), svc_max, dest_max
 *   [port:NAME]     device, rx_queues, rx_desc, tx_desc, mtu, promisc, kni,
 *                   kni_name
 *   [worker:LCORE]  queues = NAME:QUEUE[, NAME:QUEUE...]
 *   [addresses]     any_key = PREFIX dev NAME          (one per key)
 *   [routes]        any_key = PREFIX [via GW] dev NAME [src ADDR] [metric N]
 *   [neighbours]    any_key = ADDR lladdr MAC dev NAME
 *   [ipvs]          tcp_timeout, tcp_fin_timeout, udp_timeout,
 *                   tcp_{syn_recv,time_wait,close,close_wait,last_ack}_timeout,
 *                   expire_nodest_conn, sloppy_tcp, fnat_toa, fnat_uoa,
 *                   floating_laddr
 *   [service:NAME]  service = ipvsadm service options (-t VIP:PORT -s rr)
 *                   any_key = ipvsadm real-server options (-r RIP:PORT -m -w 1)
 *   [check:NAME]    the health check of [service:NAME]'s real servers: type,
 *                   interval, timeout, rise, fall, on_fail, port, source,
 *                   http_*, udp_*, dns_*, command (struct cfg_check)
 */
#ifndef DPVS_CFG_H
#define DPVS_CFG_H

#include <stdbool.h>
#include <stdint.h>

#include "dpvs/common.h"
#include "dpvs/ctl.h"

#define CFG_MAX_PORTS 8
#define CFG_MAX_WORKERS 64
/* queues of DPDK's TAP PMD (RTE_PMD_TAP_MAX_QUEUES), the KNI of a port */
#define CFG_KNI_MAX_QUEUES 16
#define CFG_MAX_RXQ 8
#define CFG_MAX_ADDRS 256
#define CFG_MAX_ROUTES 1024
#define CFG_MAX_NEIGHS 1024
#define CFG_MAX_SERVICES 256
#define CFG_MAX_DESTS 64 /* per service in the file */
#define CFG_MAX_CHECKS CFG_MAX_SERVICES /* at most one per service */
#define CFG_PATH_MAX 256
#define CFG_ERR_MAX 64   /* errors kept; more are counted */
#define CFG_ERRLEN 256
#define CFG_KEY_MAX 32   /* key names kept for messages (longer ones cut) */

/* How a port's NIC spreads packets over its rx queues ([port] rss). */
enum cfg_rss {
	CFG_RSS_FLOWS = 0, /* by the whole flow (addresses and ports): the default */
	CFG_RSS_CLIENT,    /* by the source address alone: a port facing clients */
	CFG_RSS_SERVER,    /* by the destination address alone: facing servers */
};

enum cfg_log_level {
	CFG_LOG_ERR = 0,
	CFG_LOG_WARNING,
	CFG_LOG_NOTICE,
	CFG_LOG_INFO,
	CFG_LOG_DEBUG,
};

struct cfg_port {
	char name[DPVS_IFNAMSIZ];  /* from the section name, [port:dpdk0] */
	char device[128];          /* PCI address or vdev spec with devargs */
	uint16_t rx_queues;        /* default 1 */
	uint16_t rx_desc, tx_desc; /* default 1024 */
	uint32_t mtu;              /* default 1500 */
	bool promisc;              /* default yes */
	bool kni;                  /* default yes */
	char kni_name[DPVS_IFNAMSIZ]; /* default NAME.kni */
	enum cfg_rss rss;          /* default flows */
	uint16_t vlan;             /* 802.1Q VID, 1..4094; default 0 = untagged */
};

struct cfg_rxq {
	uint16_t port;  /* index into ports[] */
	uint16_t queue;
};

struct cfg_worker {
	unsigned lcore;            /* from [worker:LCORE] */
	unsigned nrxq;
	struct cfg_rxq rxq[CFG_MAX_RXQ];
};

struct cfg_service {
	char name[64];             /* from [service:NAME] */
	struct dpvs_svc svc;
	unsigned ndests;
	struct dpvs_dest dests[CFG_MAX_DESTS];
	char dest_key[CFG_MAX_DESTS][CFG_KEY_MAX]; /* the line of each, for messages */
	/* laddr = A[, A...]: Full-NAT's local addresses, as --add-laddr
	 * gives them (network order); like real servers, those a previous
	 * file declared and this one does not are removed, hand-added ones
	 * stay */
	unsigned nladdrs;
	uint32_t laddrs[DPVS_LADDR_MAX];
};

/* [check:NAME]: how the daemon probes the real servers of [service:NAME]
 * (src/control/health.c). Reloadable. */
enum cfg_check_type { CFG_CHECK_TCP = 0, CFG_CHECK_HTTP, CFG_CHECK_UDP, CFG_CHECK_DNS, CFG_CHECK_EXEC };
/* what a failed real server becomes: weight 0 (its connections finish,
 * no new ones) or removed from the service */
enum cfg_check_fail { CFG_CHECK_QUIESCE = 0, CFG_CHECK_REMOVE };
enum cfg_dns_type { CFG_DNS_A = 0, CFG_DNS_AAAA, CFG_DNS_ANY };

struct cfg_check {
	char name[64];          /* from [check:NAME]: the service it checks */
	int type;               /* enum cfg_check_type; required */
	uint32_t interval;      /* seconds between probes of one server; default 5 */
	uint32_t timeout;       /* seconds a probe may take, <= interval; default 3 */
	uint32_t rise, fall;    /* consecutive results that change the state; 2, 3 */
	int on_fail;            /* enum cfg_check_fail; default quiesce */
	uint32_t port;          /* probe this port; 0 = the real server's */
	char source[48];        /* bind probes to this address; "" = the kernel's pick */
	char http_path[128];    /* default "/" */
	char http_host[128];    /* Host header; "" = the real server's address */
	uint32_t http_status;   /* expected status; default 200 */
	char udp_send[128];     /* udp: the datagram sent (required) */
	char udp_expect[128];   /* udp: the answer must start with it; "" = any answer */
	char dns_name[128];     /* dns: the name asked (required) */
	int dns_type;           /* enum cfg_dns_type; default a */
	char dns_expect[48];    /* dns: an A record the answer must hold; "" = NOERROR */
	char command[256];      /* exec: PROGRAM [ARGS...]; RIP PORT are appended */
};

struct dpvs_config {
	char path[CFG_PATH_MAX];

	/* [global] (log_level reloadable; the rest init-only) */
	enum cfg_log_level log_level;   /* default info */
	char log_file[CFG_PATH_MAX];    /* default "" = stderr */
	char ctl_socket[CFG_PATH_MAX];  /* default /run/dpvs/dpvs.sock */
	char ctl_group[64];             /* the socket's group; default "" = root's */
	char pid_file[CFG_PATH_MAX];    /* default /run/dpvs/dpvs.pid */
	uint32_t idle_sleep_us;         /* 0 = never sleep (benchmarks) */
	uint32_t idle_polls;            /* empty polls before sleeping */
	char metrics_listen[64];        /* Prometheus endpoint ADDR:PORT; "" = none */

	/* [eal] (init-only) */
	char lcores[128];               /* EAL --lcores; default "0,1" */
	unsigned main_lcore;            /* default 0 */
	uint32_t memory_mb;             /* -m; default 512 */
	char file_prefix[64];           /* default "dpvs" */
	bool in_memory;
	bool pdump; /* DPDK's packet capture framework for dpdk-dumpcap */
	bool no_pci;                    /* default yes when no port is PCI */
	char extra_args[256];           /* split on spaces */

	/* [pool] (init-only) */
	uint32_t mbufs;                 /* default 16383 */
	uint32_t mbuf_cache;            /* default 256 */
	uint32_t conn_max;              /* per worker; default 1048576 */
	uint32_t svc_max;               /* services; default 0: from memory */
	uint32_t dest_max;              /* real servers, all services; default 0: from memory */

	unsigned nports;
	struct cfg_port ports[CFG_MAX_PORTS];
	unsigned nworkers;
	struct cfg_worker workers[CFG_MAX_WORKERS];

	/* reloadable network state */
	unsigned naddrs;
	struct dpvs_addr addrs[CFG_MAX_ADDRS];
	unsigned nroutes;
	struct dpvs_route routes[CFG_MAX_ROUTES];
	unsigned nneighs;
	struct dpvs_neigh neighs[CFG_MAX_NEIGHS];
	/* the key of each line above, for messages */
	char addr_key[CFG_MAX_ADDRS][CFG_KEY_MAX];
	char route_key[CFG_MAX_ROUTES][CFG_KEY_MAX];
	char neigh_key[CFG_MAX_NEIGHS][CFG_KEY_MAX];

	/* [ipvs] (reloadable) */
	struct dpvs_timeouts timeouts;  /* 900 / 120 / 300 */
	struct dpvs_tcp_state_timeouts tcp_states; /* 60 / 120 / 10 / 60 / 30 */
	bool expire_nodest_conn;
	bool fnat_toa, fnat_uoa; /* yes / yes */
	bool sloppy_tcp; /* a TCP conn may start on any segment but an RST */
	/* two directors: a service's laddr may be the other director's now
	 * (it floats with the VIP: docs/ha-fnat.md) */
	bool floating_laddr;

	/* [defense] (reloadable; mask is always DPVS_DEF_F_ALL) */
	struct dpvs_defense defense;

	unsigned nservices;
	struct cfg_service services[CFG_MAX_SERVICES];

	unsigned nchecks;
	struct cfg_check checks[CFG_MAX_CHECKS];
};

struct cfg_errors {
	unsigned count;   /* all errors found (may exceed CFG_ERR_MAX) */
	char msg[CFG_ERR_MAX][CFG_ERRLEN];
};

/* Fills *cfg with defaults, then parses and validates `path`. Returns 0
 * when the file is valid, else -EINVAL with every problem in *errs
 * ("FILE: [section] key: reason"). *cfg is heap-sized (~1 MiB): allocate
 * it, don't put it on the stack. */
int cfg_load(const char *path, struct dpvs_config *cfg, struct cfg_errors *errs);

/* Appends "FILE: [section] key: why" (without key "FILE: [section]: why",
 * without section "FILE: why"); past CFG_ERR_MAX it is only counted. For
 * checks outside the parser that report as it does. */
void cfg_key_error(struct cfg_errors *errs, const char *path, const char *sec, const char *key,
		   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Defaults only, no file. */
void cfg_defaults(struct dpvs_config *cfg);

/* Lists the init-only items that differ between two valid configs, one
 * per line ("[eal] lcores: restart required"), into buf. Returns how many
 * differ. */
int cfg_diff_init_only(const struct dpvs_config *old, const struct dpvs_config *new,
		       char *buf, size_t len);

const char *cfg_log_level_name(enum cfg_log_level l);
/* "tcp", "http", ... and "quiesce", "remove": the words of the file */
const char *cfg_check_type_name(int type);
const char *cfg_check_fail_name(int on_fail);
/* "err", "warning", "notice", "info", "debug" -> level. 0 or -EINVAL. */
int cfg_log_level_parse(const char *s, enum cfg_log_level *l);

#endif /* DPVS_CFG_H */
