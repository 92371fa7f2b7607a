/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * garp: a gratuitous ARP when an address is added (dpip addr add), so the
 * neighbours update their ARP caches at once: what moves a VIP from a
 * failed director to this one (keepalived's notify script, the sync lab)
 * without waiting for their entries to go stale.
 *
 * The frame is written into the port's KNI (TAP) interface through a
 * packet socket, with the port's MAC as its source: what the kernel sends
 * on the KNI leaves by the port (the workers' kni_queue), so no control-
 * to-worker path is needed and no worker waits. A port without a KNI
 * sends none (logged).
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <sys/socket.h>

#include "control/control.h"
#include "log.h"
#include "netif/netif.h"

#define ARP_FRAME_LEN 60 /* the Ethernet minimum, padded */

/* A request (opcode 1) and a reply (2), sender = target = addr, as
 * arping -U and -A send them: hosts that ignore one take the other. */
static void build(uint8_t *f, const uint8_t mac[6], uint32_t addr_be, uint16_t op)
{
	memset(f, 0, ARP_FRAME_LEN);
	memset(f, 0xff, 6); /* broadcast */
	memcpy(f + 6, mac, 6);
	f[12] = 0x08, f[13] = 0x06; /* ARP */
	f[14] = 0x00, f[15] = 0x01; /* Ethernet */
	f[16] = 0x08, f[17] = 0x00; /* IPv4 */
	f[18] = 6, f[19] = 4;
	f[20] = 0, f[21] = (uint8_t)op;
	memcpy(f + 22, mac, 6);
	memcpy(f + 28, &addr_be, 4);
	if (op == 2)
		memset(f + 32, 0xff, 6);
	memcpy(f + 38, &addr_be, 4);
}

int garp_announce(const char *ifname, uint32_t addr_be)
{
	const struct dp_port *p = netif_port_by_name(ifname);
	struct sockaddr_ll to;
	uint8_t f[ARP_FRAME_LEN];
	char a[INET_ADDRSTRLEN];
	unsigned idx;
	int fd, ret = 0;

	inet_ntop(AF_INET, &addr_be, a, sizeof(a));
	if (!p || !p->kni_name[0] || !(idx = if_nametoindex(p->kni_name))) {
		DPVS_LOG(INFO, "no gratuitous ARP for %s: port %s has no KNI", a, ifname);
		return -ENODEV;
	}
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		DPVS_LOG(WARNING, "gratuitous ARP for %s: packet socket: %s", a, strerror(errno));
		return -errno;
	}
	memset(&to, 0, sizeof(to));
	to.sll_family = AF_PACKET;
	to.sll_ifindex = (int)idx;
	to.sll_halen = 6;
	memset(to.sll_addr, 0xff, 6);
	for (uint16_t op = 1; op <= 2; op++) {
		build(f, p->mac.addr_bytes, addr_be, op);
		if (sendto(fd, f, sizeof(f), 0, (struct sockaddr *)&to, sizeof(to)) < 0)
			ret = -errno;
	}
	close(fd);
	if (ret < 0)
		DPVS_LOG(WARNING, "gratuitous ARP for %s on %s: %s", a, p->kni_name,
			 strerror(-ret));
	return ret;
}
