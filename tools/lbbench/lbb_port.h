/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lbb_port: bringing up lbbench's ports (whatever vdevs the EAL arguments
 * created: net_memif, net_virtio_user, net_af_packet, net_tap...): nq RX
 * and nq TX queues each, started, link up, promiscuous. Owns the packet
 * pool.
 */
#ifndef LBB_PORT_H
#define LBB_PORT_H

#include <stdint.h>

#include <rte_ether.h>
#include <rte_mempool.h>

#define LBB_RX_DESC 1024
#define LBB_TX_DESC 1024
#define LBB_POOL_SIZE 16383 /* with one queue pair per port */
#define LBB_POOL_CACHE 256

/* The pool for nports ports of nq queue pairs: rings that keep mbufs
 * (virtio_user's RX) grow with the queues. */
struct rte_mempool *lbb_pool_create(unsigned nports, unsigned nq);

/* Configures nq RX and nq TX queues of port_id and starts it; waits up to
 * wait_s for the link (a memif or vhost peer may come up later). 0, or -1
 * with the reason printed. */
int lbb_port_start(uint16_t port_id, struct rte_mempool *pool, uint16_t nq, double wait_s,
		   struct rte_ether_addr *mac);

void lbb_port_stop(uint16_t port_id);

#endif /* LBB_PORT_H */
