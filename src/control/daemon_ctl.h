/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * daemon_ctl: the daemon-wide control messages (PING, LINK_SHOW, STATS,
 * CONFIG_RELOAD) and the per-second sampling behind `dpip stats`.
 */
#ifndef DPVS_DAEMON_CTL_H
#define DPVS_DAEMON_CTL_H

#include <stdint.h>

void daemon_ctl_register(void);
/* Once a second on the control thread: samples worker counters. */
void daemon_stats_tick(void);

#endif /* DPVS_DAEMON_CTL_H */
