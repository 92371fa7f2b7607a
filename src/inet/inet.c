/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * inet: life cycle of the stack (tables created in order, freed in
 * reverse), its once-a-second tick, and the checks every control request
 * of the stack shares (port name, family).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "inet/inet.h"
#include "inet/inet_priv.h"
#include "netif/netif.h"

static uint64_t ctl_now_sec;

int inet_init(unsigned nports, char *err, size_t errlen)
{
	int rc;

	if (nports > DP_MAX_PORTS) {
		snprintf(err, errlen, "%u ports, at most %u supported", nports, DP_MAX_PORTS);
		return -EINVAL;
	}
	ctl_now_sec = 0;
	rc = route_init(err, errlen);
	if (rc < 0)
		return rc;
	rc = neigh_init(err, errlen);
	if (rc < 0) {
		route_fini();
		return rc;
	}
	return ifaddr_init(err, errlen);
}

void inet_fini(void)
{
	ifaddr_fini();
	neigh_fini();
	route_fini();
}

int inet_save(char *err, size_t errlen)
{
	int rc = route_save(err, errlen);

	if (rc == 0)
		rc = neigh_save(err, errlen);
	if (rc < 0) {
		inet_save_drop();
		return rc;
	}
	ifaddr_save();
	return 0;
}

/* Addresses first: the neighbours put back are checked against them
 * (none of ours), and the routes they restore are slots, not requests. */
int inet_restore(char *err, size_t errlen)
{
	char why[256] = "";
	int rc, first;

	ifaddr_restore();
	first = route_restore(err, errlen);
	rc = neigh_restore(first ? why : err, first ? sizeof(why) : errlen);
	return first ? first : rc;
}

void inet_save_drop(void)
{
	ifaddr_save_drop();
	route_save_drop();
	neigh_save_drop();
}

void inet_timer_tick(uint64_t now_sec)
{
	ctl_now_sec = now_sec;
	neigh_tick(now_sec);
}

uint64_t inet_now_sec(void)
{
	return ctl_now_sec;
}

const char *inet_ntoa_be(uint32_t addr_be, char *buf)
{
	struct in_addr a = { .s_addr = addr_be };

	return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

int inet_port_of(const char *ifname, char *err, size_t errlen)
{
	if (!memchr(ifname, '\0', DPVS_IFNAMSIZ)) {
		snprintf(err, errlen, "interface name is not NUL-terminated within %d bytes",
			 DPVS_IFNAMSIZ);
		return -EINVAL;
	}
	if (!ifname[0]) {
		snprintf(err, errlen, "no interface given");
		return -EINVAL;
	}
	const struct dp_port *p = netif_port_by_name(ifname);
	if (!p) {
		snprintf(err, errlen, "no such port: %s", ifname);
		return -ENODEV;
	}
	return p->idx;
}

int inet_check_family(uint8_t family, char *err, size_t errlen)
{
	if (family == AF_INET)
		return 0;
	snprintf(err, errlen, "address family %u not supported (only AF_INET)", family);
	return -EAFNOSUPPORT;
}
