/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * control: the control side of the daemon, on the control thread only.
 *
 * Owns: start-up and shutdown (main.c), the config reload (reload.c), the
 * daemon-wide messages (daemon_ctl.c) and the socket handlers of each
 * data-plane layer (inet_ctl.c, ipvs_ctl.c, fwmark_ctl.c) with the config
 * diff of IPVS (ipvs_config.c). It calls down into the layers' control
 * APIs (inet.h, ipvs.h, netif.h); no layer of the data path includes it,
 * the control server (ctl/) or the config parser (cfg/).
 */
#ifndef DPVS_CONTROL_H
#define DPVS_CONTROL_H

#include <stddef.h>

struct dpvs_config;

/* Register the layers' message handlers with the control server. */
void inet_ctl_register(void);  /* ADDR_*, ROUTE_*, NEIGH_* */
void ipvs_ctl_register(void);  /* SVC_*, DEST_*, ZERO, TIMEOUT_*, CONN_LIST */
void fwmark_ctl_register(void); /* FWMARK_* */
void defense_ctl_register(void); /* DEFENSE_* */
void laddr_ctl_register(void);  /* LADDR_* (Full-NAT local addresses) */
void health_ctl_register(void); /* CHECK_SHOW (health checks, health.h) */

/* Applies the [ipvs] and [service:*] parts of a validated config as a
 * diff against what runs (services not in the file but added by ipvsadm
 * are kept unless they were declared by the previous file), all or
 * nothing, in one publication. Established connections survive.
 * 0: applied, a report line per change in buf, and (undo not NULL) *undo
 * what puts it back. -errno: nothing changed (what was done is undone
 * before anything is published), buf says where and why
 * ("FILE: [service:NAME] KEY: what: reason"), *undo NULL. */
struct ipvs_undo;
int ipvs_apply_config(const struct dpvs_config *old, const struct dpvs_config *new, char *buf,
		      size_t len, struct ipvs_undo **undo);
/* Puts back what a successful ipvs_apply_config changed (a later step of
 * the reload failed), last change first, in one publication. 0 or the
 * first failure, its reason in err (the rest is still undone). */
int ipvs_config_undo(struct ipvs_undo *u, char *err, size_t errlen);
void ipvs_undo_free(struct ipvs_undo *u);

#endif /* DPVS_CONTROL_H */
