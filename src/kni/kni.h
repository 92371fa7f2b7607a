/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * kni: the exception path. DPDK 22.11 here has no KNI library and the
 * kernel no vhost-net, so each port with kni=on gets a TAP device made
 * through the TAP PMD ("dpdk0.kni"), carrying the port's MAC, in the
 * daemon's network namespace. Workers hand it what the balancer does not
 * consume (dp_to_kni) and poll it for what the kernel sends (ARP, TCP of
 * management services), which leaves by the port.
 *
 * Owns: creating, starting and removing the TAP ports.
 */
#ifndef DPVS_KNI_H
#define DPVS_KNI_H

#include <stddef.h>
#include <stdint.h>

struct dp_port;
struct rte_mempool;

/* Creates and starts the TAP for port (nq rx and tx queues, one per
 * worker); sets port->kni_port_id. 0 or -errno with a message. */
int kni_create(struct dp_port *port, uint16_t nq, struct rte_mempool *pool, char *err,
	       size_t errlen);
/* Stops and closes the TAP: its kernel interface disappears. */
void kni_destroy(struct dp_port *port);

#endif /* DPVS_KNI_H */
