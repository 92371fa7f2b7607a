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
	memset(&conf, 0, sizeof(conf));
	if (p->nb_rxq > 1) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf =
			(RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP) &
			info.flow_type_rss_offloads;
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
