/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Daemon-wide logging through DPDK's log (one logtype "dpvs"), so EAL,
 * PMD and dpvs messages share one stream and one level. The stream is
 * stderr or the [global] log_file.
 */
#ifndef DPVS_LOG_H
#define DPVS_LOG_H

#include <rte_log.h>

extern int dpvs_logtype;

#define DPVS_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, dpvs_logtype, "dpvs: " fmt "\n", ##__VA_ARGS__)

#endif /* DPVS_LOG_H */
