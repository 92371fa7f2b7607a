/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * netif: the port table (see netif.h). Ports are PCI devices allowed on
 * the EAL command line or vdevs created there; both are found by name
 * after rte_eal_init and configured with one rx queue per polling worker
 * and one tx queue per worker, so no two lcores share a queue.
 */
#include <stdio.h>
#include <string.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "kni/kni.h"
#include "log.h"
#include "netif/netif.h"

struct dp_port netif_ports[DP_MAX_PORTS];
unsigned netif_nports;
static struct rte_mempool *pktmbuf_pool;

const struct dp_port *netif_port_by_name(const char *name)
{
	for (unsigned i = 0; i < netif_nports; i++)
		if (strcmp(netif_ports[i].name, name) == 0)
			return &netif_ports[i];
	return NULL;
}

struct rte_mempool *netif_pktmbuf_pool(void)
{
	return pktmbuf_pool;
}

static bool is_vdev(const char *device)
{
	return strncmp(device, "net_", 4) == 0;
}

int netif_eal_args(const struct netif_port_conf *ports, unsigned nports, char **argv, int max)
{
	int n = 0;

	for (unsigned i = 0; i < nports && n + 2 <= max; i++) {
		argv[n++] = is_vdev(ports[i].device) ? "--vdev" : "-a";
		argv[n++] = (char *)ports[i].device;
	}
	return n;
}

/* The ethdev name of a device spec: a vdev's name is what precedes the
 * first comma; a PCI device is named by its address. */
static void device_name(const char *device, char *buf, size_t len)
{
	size_t n = strcspn(device, ",");

	if (n >= len)
		n = len - 1;
	memcpy(buf, device, n);
	buf[n] = '\0';
}

/*
 * Steering by one address ([port] rss = client|server). The IPv4 flow
 * types, each hashed on the source (or destination) address alone: with
 * the steering key and table, a NIC computes what worker/steer.c does in
 * software, and each packet arrives at the worker that owns it.
 */
#define RSS_IPV4_TYPES                                                               \
	(RTE_ETH_RSS_IPV4 | RTE_ETH_RSS_FRAG_IPV4 | RTE_ETH_RSS_NONFRAG_IPV4_TCP |     \
	 RTE_ETH_RSS_NONFRAG_IPV4_UDP | RTE_ETH_RSS_NONFRAG_IPV4_SCTP |                 \
	 RTE_ETH_RSS_NONFRAG_IPV4_OTHER)

static uint64_t rss_side(const struct netif_port_conf *cp)
{
	return cp->rss == NETIF_RSS_SRC ? RTE_ETH_RSS_L3_SRC_ONLY : RTE_ETH_RSS_L3_DST_ONLY;
}

/* Whether the device can hash as cp asks; says why not once, at start. */
static bool rss_by_address(const struct dp_port *p, const struct netif_port_conf *cp,
			   const struct rte_eth_dev_info *info)
{
	const char *why = NULL;

	if ((info->flow_type_rss_offloads & (rss_side(cp) | RTE_ETH_RSS_IPV4)) !=
	    (rss_side(cp) | RTE_ETH_RSS_IPV4))
		why = "it cannot hash one address alone (no L3_SRC_ONLY/L3_DST_ONLY)";
	else if (info->hash_key_size != cp->rss_key_len)
		why = "its hash key is not 40 bytes";
	else if (!cp->rss_reta_len || info->reta_size < cp->rss_reta_len ||
		 info->reta_size % cp->rss_reta_len)
		why = "its redirection table is not a multiple of the steering table";
	if (why)
		DPVS_LOG(WARNING,
			 "port %s: rss = %s: %s; packets are spread by flow and the workers "
			 "hand them to their owners in software",
			 p->name, cp->rss == NETIF_RSS_SRC ? "client" : "server", why);
	return !why;
}

static void rss_conf_address(struct rte_eth_rss_conf *rc, const struct netif_port_conf *cp)
{
	rc->rss_key = (uint8_t *)(uintptr_t)cp->rss_key;
	rc->rss_key_len = (uint8_t)cp->rss_key_len;
	rc->rss_hf = RSS_IPV4_TYPES | rss_side(cp);
}

/* Entry j of the device's table: the queue of steering entry j % len
 * (the table sizes are powers of two, so the NIC's low hash bits pick
 * the same entry as steer's). */
static void rss_reta_load(struct dp_port *p, const struct netif_port_conf *cp,
			  const struct rte_eth_dev_info *info)
{
	struct rte_eth_rss_reta_entry64 reta[RTE_ETH_RSS_RETA_SIZE_512 / RTE_ETH_RETA_GROUP_SIZE];
	unsigned size = RTE_MIN((unsigned)info->reta_size, (unsigned)RTE_ETH_RSS_RETA_SIZE_512);
	int rc;

	memset(reta, 0, sizeof(reta));
	for (unsigned j = 0; j < size; j++) {
		reta[j / RTE_ETH_RETA_GROUP_SIZE].mask |= 1ULL << (j % RTE_ETH_RETA_GROUP_SIZE);
		reta[j / RTE_ETH_RETA_GROUP_SIZE].reta[j % RTE_ETH_RETA_GROUP_SIZE] =
			cp->rss_reta[j % cp->rss_reta_len];
	}
	rc = rte_eth_dev_rss_reta_update(p->port_id, reta, (uint16_t)size);
	if (rc < 0) {
		DPVS_LOG(WARNING,
			 "port %s: the device refused the steering table (%s): packets are "
			 "spread by its own table and handed over in software",
			 p->name, rte_strerror(-rc));
		return;
	}
	p->rss = (uint8_t)cp->rss;
	DPVS_LOG(INFO, "port %s: RSS steers by the %s address (table of %u entries)", p->name,
		 cp->rss == NETIF_RSS_SRC ? "source" : "destination", size);
}

static int port_setup(struct dp_port *p, const struct netif_port_conf *cp, unsigned nworkers, char *err,
		      size_t errlen)
{
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf;
	uint16_t rxd = cp->rx_desc, txd = cp->tx_desc;
	int rc;

	rc = rte_eth_dev_info_get(p->port_id, &info);
	if (rc < 0)
		goto fail;
	if (p->nb_rxq > info.max_rx_queues || p->nb_txq > info.max_tx_queues) {
		snprintf(err, errlen,
			 "port %s: needs %u rx and %u tx queues (one tx queue per worker), the "
			 "device offers %u and %u (for net_af_packet add qpairs=N to the device)",
			 p->name, p->nb_rxq, p->nb_txq, info.max_rx_queues, info.max_tx_queues);
		return -EINVAL;
	}
	/* steering by one address: decided once, before configure */
	bool by_addr = p->nb_rxq > 1 && cp->rss != NETIF_RSS_FLOWS && rss_by_address(p, cp, &info);

	memset(&conf, 0, sizeof(conf));
	p->rss = NETIF_RSS_FLOWS;
	if (p->nb_rxq > 1) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf =
			(RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP) &
			info.flow_type_rss_offloads;
		if (by_addr)
			rss_conf_address(&conf.rx_adv_conf.rss_conf, cp);
	}
	rc = rte_eth_dev_configure(p->port_id, p->nb_rxq, p->nb_txq, &conf);
	if (rc < 0)
		goto fail;
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(p->port_id, &rxd, &txd);
	if (rc < 0)
		goto fail;
	int socket = rte_eth_dev_socket_id(p->port_id);
	for (uint16_t q = 0; q < p->nb_rxq; q++) {
		rc = rte_eth_rx_queue_setup(p->port_id, q, rxd, socket, NULL, pktmbuf_pool);
		if (rc < 0)
			goto fail;
	}
	for (uint16_t q = 0; q < p->nb_txq; q++) {
		rc = rte_eth_tx_queue_setup(p->port_id, q, txd, socket, NULL);
		if (rc < 0)
			goto fail;
	}
	if (p->mtu != 1500 && rte_eth_dev_set_mtu(p->port_id, (uint16_t)p->mtu) < 0)
		DPVS_LOG(WARNING, "port %s: the device refused MTU %u", p->name, p->mtu);
	rc = rte_eth_dev_start(p->port_id);
	if (rc < 0)
		goto fail;
	if (by_addr)
		rss_reta_load(p, cp, &info);
	if (p->promisc)
		rte_eth_promiscuous_enable(p->port_id);
	rte_eth_macaddr_get(p->port_id, &p->mac);
	(void)nworkers;
	return 0;
fail:
	snprintf(err, errlen, "port %s (%s): set-up failed: %s", p->name, p->device,
		 rte_strerror(-rc));
	return rc;
}

int netif_init(const struct netif_port_conf *ports, unsigned nports, unsigned mbufs,
	       unsigned mbuf_cache, unsigned nworkers, char *err, size_t errlen)
{
	unsigned n_mbufs = mbufs;

	pktmbuf_pool = rte_pktmbuf_pool_create("dpvs_pkt", n_mbufs, mbuf_cache, 0,
					       RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (!pktmbuf_pool) {
		snprintf(err, errlen,
			 "cannot allocate %u mbufs: %s (raise [eal] memory or lower [pool] mbufs)",
			 n_mbufs, rte_strerror(rte_errno));
		return -ENOMEM;
	}
	for (unsigned i = 0; i < nports; i++) {
		const struct netif_port_conf *cp = &ports[i];
		struct dp_port *p = &netif_ports[i];
		char name[128];
		int rc;

		memset(p, 0, sizeof(*p));
		p->idx = (uint16_t)i;
		p->kni_port_id = DP_PORT_NONE;
		p->nb_rxq = cp->rx_queues;
		p->nb_txq = (uint16_t)nworkers;
		p->mtu = cp->mtu;
		p->promisc = cp->promisc;
		p->vlan = cp->vlan;
		snprintf(p->name, sizeof(p->name), "%s", cp->name);
		snprintf(p->device, sizeof(p->device), "%s", cp->device);
		device_name(cp->device, name, sizeof(name));
		if (rte_eth_dev_get_port_by_name(name, &p->port_id) < 0) {
			snprintf(err, errlen,
				 "port %s: device '%s' was not found (is the PCI address bound to a "
				 "DPDK driver, or the vdev spec right?)",
				 cp->name, cp->device);
			return -ENODEV;
		}
		netif_nports = i + 1; /* from here on netif_fini stops it */
		rc = port_setup(p, cp, nworkers, err, errlen);
		if (rc < 0)
			return rc;
		if (cp->kni) {
			snprintf(p->kni_name, sizeof(p->kni_name), "%s", cp->kni_name);
			rc = kni_create(p, (uint16_t)nworkers, pktmbuf_pool, err, errlen);
			if (rc < 0)
				return rc;
		}
		char mac[RTE_ETHER_ADDR_FMT_SIZE];
		rte_ether_format_addr(mac, sizeof(mac), &p->mac);
		DPVS_LOG(INFO, "port %s: %s up, mac %s, %u rxq, %u txq", p->name, p->device, mac,
			 p->nb_rxq, p->nb_txq);
	}
	return 0;
}

void netif_fini(void)
{
	for (unsigned i = 0; i < netif_nports; i++) {
		kni_destroy(&netif_ports[i]);
		rte_eth_dev_stop(netif_ports[i].port_id);
		rte_eth_dev_close(netif_ports[i].port_id);
	}
	netif_nports = 0;
}
