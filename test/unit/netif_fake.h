/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The rest of netif's interface for programs that define the port table
 * (netif_ports, netif_nports) themselves because netif.c, which opens
 * real devices, is not linked: a port by name, and the mbuf pool the
 * stack allocates its own packets from. The pool is NETIF_FAKE_POOL(),
 * dp_test_eal()'s unless the includer defines another before the include.
 * Include once per executable, after dp_test_env.h (or the pool's
 * definition).
 */
#ifndef DPVS_NETIF_FAKE_H
#define DPVS_NETIF_FAKE_H

#include <string.h>

#include "netif/netif.h"

#ifndef NETIF_FAKE_POOL
#define NETIF_FAKE_POOL() dp_test_eal()
#endif

const struct dp_port *netif_port_by_name(const char *name)
{
	for (unsigned i = 0; i < netif_nports; i++)
		if (strcmp(netif_ports[i].name, name) == 0)
			return &netif_ports[i];
	return NULL;
}

struct rte_mempool *netif_pktmbuf_pool(void)
{
	return NETIF_FAKE_POOL();
}

#endif /* DPVS_NETIF_FAKE_H */
