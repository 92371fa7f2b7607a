/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * daemon_ctl: the daemon-wide control messages (PING, LINK_SHOW, STATS,
 * CONFIG_RELOAD) and the per-second sampling behind `dpip stats`.
 */
#ifndef DPVS_DAEMON_CTL_H
#define DPVS_DAEMON_CTL_H

#include <stdint.h>

struct dpvs_link;
struct dpvs_worker_stats;
struct dp_port;

void daemon_ctl_register(void);
/* A port's entry of LINK_SHOW (counters summed over the workers), and a
 * worker's of STATS: also what telemetry and metrics report. */
void daemon_link_fill(struct dpvs_link *l, const struct dp_port *p);
void daemon_worker_fill(unsigned index, struct dpvs_worker_stats *s);
/* Once a second on the control thread: samples worker counters. */
void daemon_stats_tick(void);

#endif /* DPVS_DAEMON_CTL_H */
