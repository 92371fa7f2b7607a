/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * kni: TAP ports as the kernel exception path (see kni.h).
 */
#include <stdio.h>
#include <string.h>
#include <rte_dev.h>
#include <rte_ethdev.h>

#include "kni/kni.h"
#include "log.h"
#include "netif/netif.h"

#define KNI_DESC 512

static void vdev_name(const struct dp_port *port, char *buf, size_t len)
{
	/* The TAP PMD matches on the "net_tap" prefix; the suffix keeps
	 * several daemons' names apart within one process only, which is
	 * all a vdev name must do. */
	snprintf(buf, len, "net_tap_kni%u", port->idx);
}

int kni_create(struct dp_port *port, uint16_t nq, struct rte_mempool *pool, char *err,
	       size_t errlen)
{
	char name[32], args[160], mac[RTE_ETHER_ADDR_FMT_SIZE];
	struct rte_eth_conf conf;
	uint16_t pid;
	int rc;

	vdev_name(port, name, sizeof(name));
	rte_ether_format_addr(mac, sizeof(mac), &port->mac);
	snprintf(args, sizeof(args), "iface=%s,mac=%s", port->kni_name, mac);
	rc = rte_eal_hotplug_add("vdev", name, args);
	if (rc < 0) {
		snprintf(err, errlen,
			 "port %s: cannot create KNI interface %s (%s): does an interface of "
			 "that name exist already?",
			 port->name, port->kni_name, strerror(-rc));
		return rc;
	}
	rc = rte_eth_dev_get_port_by_name(name, &pid);
	if (rc < 0)
		goto fail;
	memset(&conf, 0, sizeof(conf));
	rc = rte_eth_dev_configure(pid, nq, nq, &conf);
	for (uint16_t q = 0; rc == 0 && q < nq; q++) {
		rc = rte_eth_rx_queue_setup(pid, q, KNI_DESC, rte_eth_dev_socket_id(pid), NULL,
					    pool);
		if (rc == 0)
			rc = rte_eth_tx_queue_setup(pid, q, KNI_DESC,
						    rte_eth_dev_socket_id(pid), NULL);
	}
	if (rc == 0)
		rc = rte_eth_dev_start(pid);
	if (rc == 0 && rte_eth_dev_set_mtu(pid, (uint16_t)port->mtu) < 0)
		DPVS_LOG(WARNING, "port %s: cannot set MTU %u on %s", port->name, port->mtu,
			 port->kni_name);
	if (rc < 0) {
		rte_eth_dev_close(pid);
		goto fail;
	}
	port->kni_port_id = pid;
	DPVS_LOG(INFO, "port %s: KNI interface %s up (port id %u)", port->name, port->kni_name,
		 pid);
	return 0;
fail:
	rte_eal_hotplug_remove("vdev", name);
	snprintf(err, errlen, "port %s: cannot start KNI interface %s: %s", port->name,
		 port->kni_name, strerror(-rc));
	return rc;
}

void kni_destroy(struct dp_port *port)
{
	char name[32];

	if (port->kni_port_id == DP_PORT_NONE)
		return;
	rte_eth_dev_stop(port->kni_port_id);
	rte_eth_dev_close(port->kni_port_id);
	vdev_name(port, name, sizeof(name));
	rte_eal_hotplug_remove("vdev", name);
	port->kni_port_id = DP_PORT_NONE;
}
