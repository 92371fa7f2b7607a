/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * netif: the ports the daemon owns (PCI NICs or vdevs) and their KNI (TAP)
 * companions.
 *
 * Owns: the port table, device start/stop, the KNI TAP ports. Ports are
 * set up once at start-up from the config and never change afterwards, so
 * workers read `struct dp_port` without any synchronisation. Counters do
 * not live here: each worker keeps its own (dp/dp.h) and the control
 * thread sums them.
 *
 * Ports are named by their index in this table ("port_idx", 0..n-1), which
 * is what every other module stores; the DPDK port id is an implementation
 * detail of this module and of the worker's rx/tx calls.
 */
#ifndef DPVS_NETIF_H
#define DPVS_NETIF_H

#include <stdbool.h>
#include <stdint.h>
#include <rte_ether.h>

#include "dpvs/common.h"

#define DP_MAX_PORTS 8
#define DP_PORT_NONE UINT16_MAX

/* How the control side asks for a port (from the config's [port:NAME]). */
/* How the NIC spreads packets over the rx queues (several queues only). */
enum netif_rss {
	NETIF_RSS_FLOWS = 0, /* the usual hash of addresses and ports */
	NETIF_RSS_SRC,       /* the source address alone, with rss_key/rss_reta */
	NETIF_RSS_DST,       /* the destination address alone, likewise */
};

#define NETIF_RSS_RETA_MAX 128

struct netif_port_conf {
	char name[DPVS_IFNAMSIZ];     /* dpdk0 */
	const char *device;           /* PCI address or vdev spec with devargs */
	uint16_t rx_queues;
	uint16_t rx_desc, tx_desc;
	uint32_t mtu;
	bool promisc;
	bool kni;
	char kni_name[DPVS_IFNAMSIZ]; /* when kni */
	/* NETIF_RSS_SRC/DST: the Toeplitz key, and the queue of the entries
	 * of a table of rss_reta_len (a power of two): the device's table
	 * repeats it (entry j = rss_reta[j % rss_reta_len]). A device that
	 * cannot hash that way gets the usual hash, with a warning. */
	uint16_t vlan; /* 802.1Q VID of the port's frames, 0: untagged */
	enum netif_rss rss;
	const uint8_t *rss_key;
	unsigned rss_key_len;
	unsigned rss_reta_len;
	uint16_t rss_reta[NETIF_RSS_RETA_MAX];
};

struct dp_port {
	uint16_t idx;         /* index in the port table */
	uint16_t port_id;     /* DPDK port id */
	uint16_t kni_port_id; /* DPDK port id of the TAP, DP_PORT_NONE if off */
	uint16_t nb_rxq, nb_txq;
	uint32_t mtu;
	bool promisc;
	uint8_t rss; /* enum netif_rss the device was set to */
	uint16_t vlan; /* 802.1Q VID: frames carry its tag on the wire (dp/vlan.h) */
	struct rte_ether_addr mac;
	char name[DPVS_IFNAMSIZ];     /* "dpdk0" */
	char kni_name[DPVS_IFNAMSIZ]; /* "dpdk0.kni" or "" */
	char device[128];
};

/* Appends the EAL arguments that create/allow the ports' devices
 * ("--vdev SPEC" or "-a PCI") to argv; returns how many were added. The
 * strings point into ports[].device, which must outlive rte_eal_init. */
int netif_eal_args(const struct netif_port_conf *ports, unsigned nports, char **argv, int max);

/* Creates the mbuf pool (mbufs, per-lcore cache mbuf_cache), then
 * configures and starts every port. Needs the number of workers (tx
 * queues per port). 0 or -errno, with a message in err. */
int netif_init(const struct netif_port_conf *ports, unsigned nports, unsigned mbufs,
	       unsigned mbuf_cache, unsigned nworkers, char *err, size_t errlen);
/* Stops and closes every port, the TAPs first (their kernel interfaces go). */
void netif_fini(void);

/* The port table, filled by netif_init and read-only afterwards: workers
 * index it on every packet, so the accessors below are inline. (Unit tests
 * that do not link netif.c define these two symbols themselves.) */
extern struct dp_port netif_ports[DP_MAX_PORTS];
extern unsigned netif_nports;

static inline unsigned netif_port_count(void)
{
	return netif_nports;
}

/* NULL when out of range */
static inline const struct dp_port *netif_port(uint16_t idx)
{
	return idx < netif_nports ? &netif_ports[idx] : NULL;
}

const struct dp_port *netif_port_by_name(const char *name);
/* The mbuf pool of the socket the ports sit on. */
struct rte_mempool *netif_pktmbuf_pool(void);

#endif /* DPVS_NETIF_H */
