/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The health-check listing of the control protocol (DPVS_MSG_CHECK_SHOW,
 * `dpip check show`), shared by the daemon and dpip: one entry per real
 * server of each [check:NAME].
 */
#ifndef DPVS_HEALTH_PROTO_H
#define DPVS_HEALTH_PROTO_H

#include <stdint.h>

#include "dpvs/common.h"

#define DPVS_CHECK_NAME_MAX 64
#define DPVS_CHECK_NEVER    UINT32_MAX /* since_*: it has not happened yet */

enum dpvs_check_state {
	DPVS_CHECK_UP = 0,  /* in rotation (the state a server starts in) */
	DPVS_CHECK_DOWN = 1 /* quiesced (weight 0) or removed by the check */
};

struct dpvs_check_entry {
	char check[DPVS_CHECK_NAME_MAX];	/* [check:NAME] = [service:NAME] */
	char service[48];			/* "TCP 192.168.1.111:80", "FWM 7" */
	char type[8];				/* tcp, http, udp, dns, exec */
	char on_fail[8];			/* quiesce, remove */
	uint32_t interval, timeout, rise, fall; /* seconds; counts */
	uint16_t af;
	uint16_t port; /* the real server's, network order */
	union inet_addr addr;
	uint16_t probe_port; /* network order: the port probed */
	uint8_t state;	     /* enum dpvs_check_state */
	/* the last probe: 1 succeeded, 0 failed, 2 not sent (the director's
	 * own error: counted in not_sent, never against the server) */
	uint8_t last_ok;
	int32_t weight;		   /* in the table now; -1 when not in it */
	int32_t restore_weight;	   /* what coming back up restores */
	uint32_t ok_run, fail_run; /* consecutive successes, failures */
	uint64_t probes, failures, changes, not_sent;
	uint32_t since_probe, since_change; /* seconds ago, or DPVS_CHECK_NEVER */
	char last[80];			    /* the last result in words */
};

#endif /* DPVS_HEALTH_PROTO_H */
