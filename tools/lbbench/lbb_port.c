/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lbb_port: port bring-up for lbbench (see lbb_port.h).
 */
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "lbb_port.h"

struct rte_mempool *lbb_pool_create(unsigned nports, unsigned nq)
{
	unsigned n = LBB_POOL_SIZE + (nq > 1 ? (nq - 1) * nports * (LBB_RX_DESC + LBB_TX_DESC) : 0);
	struct rte_mempool *mp;

	mp = rte_pktmbuf_pool_create("lbb_pool", n, LBB_POOL_CACHE, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				     (int)rte_socket_id());
	if (!mp)
		fprintf(stderr, "lbbench: mbuf pool of %u: %s (raise EAL -m?)\n", n,
			rte_strerror(rte_errno));
	return mp;
}

int lbb_port_start(uint16_t port_id, struct rte_mempool *pool, uint16_t nq, double wait_s,
		   struct rte_ether_addr *mac)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	struct rte_eth_link link;
	uint16_t nrx = LBB_RX_DESC, ntx = LBB_TX_DESC;
	uint64_t deadline;
	int rc;

	memset(&conf, 0, sizeof(conf));
	rc = rte_eth_dev_info_get(port_id, &info);
	if (rc == 0 && (nq > info.max_rx_queues || nq > info.max_tx_queues)) {
		fprintf(stderr, "lbbench: port %u (%s): %u queue pairs asked, it has at most %u RX "
			"and %u TX (queues= in the vdev arguments?)\n", port_id, info.driver_name,
			nq, info.max_rx_queues, info.max_tx_queues);
		return -1;
	}
	if (rc == 0)
		rc = rte_eth_dev_configure(port_id, nq, nq, &conf);
	if (rc == 0)
		rc = rte_eth_dev_adjust_nb_rx_tx_desc(port_id, &nrx, &ntx);
	for (uint16_t q = 0; rc == 0 && q < nq; q++) {
		rc = rte_eth_rx_queue_setup(port_id, q, nrx, rte_eth_dev_socket_id(port_id), NULL,
					    pool);
		if (rc == 0)
			rc = rte_eth_tx_queue_setup(port_id, q, ntx, rte_eth_dev_socket_id(port_id),
						    NULL);
	}
	if (rc == 0)
		rc = rte_eth_dev_start(port_id);
	if (rc != 0) {
		fprintf(stderr, "lbbench: port %u (%s): setup failed: %s\n", port_id,
			info.driver_name ? info.driver_name : "?", rte_strerror(-rc));
		return -1;
	}
	/* not every vdev filters by MAC, but af_packet/tap do */
	rte_eth_promiscuous_enable(port_id);
	rte_eth_macaddr_get(port_id, mac);
	deadline = rte_get_tsc_cycles() + (uint64_t)(wait_s * (double)rte_get_tsc_hz());
	do {
		if (rte_eth_link_get_nowait(port_id, &link) == 0 && link.link_status)
			return 0;
		rte_delay_ms(10);
	} while (rte_get_tsc_cycles() < deadline);
	fprintf(stderr, "lbbench: port %u (%s): link still down after %.0f s (is the peer "
		"running and is its memif role the opposite of ours?)\n", port_id,
		info.driver_name, wait_s);
	return -1;
}

void lbb_port_stop(uint16_t port_id)
{
	rte_eth_dev_stop(port_id);
	rte_eth_dev_close(port_id);
}
