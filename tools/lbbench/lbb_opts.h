/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lbb_opts: lbbench's own command line (what follows the EAL arguments and
 * "--"), parsed into struct lbb_opts with a clear message naming the
 * option at fault. Pure: no EAL, so the tests call it directly.
 */
#ifndef LBB_OPTS_H
#define LBB_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include <rte_ether.h>

#include "lbb_frame.h"
#include "lbb_rss.h"

enum lbb_mode {
	LBB_MODE_UDP = 0,
	LBB_MODE_TCP_CPS,
	LBB_MODE_LATENCY,
};

enum lbb_attack_kind {
	LBB_ATTACK_NONE = 0,
	LBB_ATTACK_RANDOM,  /* spoofed random sources (lbb_attack.h) */
	LBB_ATTACK_COLLIDE, /* tuples of one bucket of dpvs's old hash */
};

struct lbb_opts {
	enum lbb_mode mode;
	struct lbb_net net;
	bool loopback;          /* one port; frames return on it (testpmd macswap) */
	bool reply;             /* server side answers (udp, latency) */
	double duration;        /* seconds, measured part */
	double warmup;          /* seconds before counters start */
	uint64_t flows;         /* udp/latency: concurrent flows */
	bool flow_stride;        /* udp/latency: the measured part visits the
				  * flows in a strided order, not the warm-up's
				  * (--flow-order stride) */
	uint64_t measured_flows; /* udp/latency: after the warm-up, send on the
				  * first measured_flows flows only (the others
				  * go quiet and time out in the box) */
	unsigned timeline_ms;   /* > 0: delivered frames per interval in the
				 * summary, lined up with wall-clock time */
	unsigned size;          /* frame bytes with FCS */
	double rate;            /* pps (udp, latency) or cps (tcp-cps); 0 = max */
	uint32_t concurrency;   /* tcp-cps: connections in flight at most */
	uint16_t request, response; /* tcp-cps payload bytes */
	double rto_ms;          /* tcp-cps: retransmission timeout */
	unsigned retries;       /* tcp-cps: retransmissions before "failed" */
	unsigned sample;        /* check 1 received frame in `sample` */
	bool peer_mac_set[2];
	struct rte_ether_addr peer_mac[2]; /* the box's MAC on each port */
	bool arp;               /* resolve peer MACs by ARP (default: fwd nat) */
	char json_path[256];    /* "" = stdout */
	char label[64];         /* copied into the JSON */
	bool quiet;             /* no progress lines */
	unsigned queues;        /* queue pairs per port, 1..LBB_MAX_QUEUES */
	enum lbb_spread spread; /* which queue a frame leaves on (lbb_rss.h) */
	enum lbb_attack_kind attack; /* tcp-cps: a SYN flood beside the clients */
	double attack_rate;     /* SYNs/s; 0 = as fast as the generator goes */
	uint32_t attack_buckets; /* collide: buckets of the table attacked */
	unsigned hold_s;        /* after the run, keep the ports this long at
				 * most, until SIGUSR1 (0: close at once) */
	bool help;
};

/* 0, or -1 with a message naming the option in err. argv[0] is skipped. */
int lbb_opts_parse(int argc, char **argv, struct lbb_opts *o, char *err, size_t errlen);
void lbb_opts_usage(FILE *f, const char *prog);
const char *lbb_mode_name(enum lbb_mode m);
const char *lbb_fwd_name(enum lbb_fwd f);

#endif /* LBB_OPTS_H */
