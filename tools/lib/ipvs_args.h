/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libdpvsctl: ipvsadm's option syntax for one service or one real server,
 * as used in the daemon's config file ([service:NAME] sections):
 *
 *   service = -t 192.168.1.111:80 -s rr [-p [T]] [-M MASK] [-b FLAGS]
 *   rs1     = -r 192.168.229.132:80 -m [-w W] [-x U] [-y L]
 *
 * Same parsing rules and messages as ipvsadm itself (tools/ipvsadm), which
 * uses the same code. Pure functions, unit-tested.
 */
#ifndef DPVS_IPVS_ARGS_H
#define DPVS_IPVS_ARGS_H

#include <stddef.h>

#include "dpvs/ctl.h"

/* Fills svc (defaults: wlc, as ipvsadm). 0 or -EINVAL with a message. */
int ipvs_args_service(const char *line, struct dpvs_svc *svc, char *err, size_t errlen);
/* Fills dest for the given service (no port = the service port;
 * defaults: -g, weight 1, as ipvsadm). 0 or -EINVAL with a message. */
int ipvs_args_dest(const char *line, const struct dpvs_svc *svc, struct dpvs_dest *dest,
		   char *err, size_t errlen);

#endif /* DPVS_IPVS_ARGS_H */
