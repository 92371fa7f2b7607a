/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * defense: what a worker does when its connection table runs short, as
 * LVS's drop_entry, drop_packet and secure_tcp (Documentation/networking/
 * ipvs-sysctl.rst), plus pressure eviction. The settings are the control
 * thread's (defense.c, [defense] of the config, dpip defense); each
 * worker turns them into its own state once a second (ipvs_defense_tick)
 * from its own occupancy, the role LVS's available memory plays against
 * amemthresh: this table is sized up front, so "short" is "more than
 * threshold percent of conn_max in use".
 *
 * Levels, as LVS: 0 off, 1 and 2 automatic (in force while the table is
 * short; LVS shows 2 while in force, 1 while not), 3 always.
 *   drop_entry   once a second, a random 1/32 of the buckets is scanned
 *                and its half-open conns (SYN_RECV, SYNACK) dropped, and
 *                one in IPVS_DROP_ENTRY_RATE of its ESTABLISHED TCP and
 *                UDP conns (LVS weighs those by their packet count; conn
 *                v2 keeps none, so a fixed rate);
 *   drop_packet  one new flow in drop_rate is dropped before scheduling
 *                (drop-packet): drop_rate = T / (T - free) for the T free
 *                slots that the threshold leaves (1: all when full), or
 *                am_droprate at level 3, as LVS's amemthresh arithmetic;
 *   secure_tcp   LVS's stricter state table (a NAT conn is established
 *                only once the server has answered the client's ACK) and
 *                IPVS_SECURE_SYN_TIMEOUT for the half-open states.
 * Pressure eviction (conn.c): above evict_threshold percent, a new flow
 * first reclaims a conn in TIME_WAIT, CLOSE, SYN_RECV or SYNACK.
 */
#ifndef DPVS_IPVS_DEFENSE_H
#define DPVS_IPVS_DEFENSE_H

#include <stdbool.h>
#include <stdint.h>

#include "dpvs/ctl.h"

/* the defences in force on a worker (ipvs_defense_wstate.on) */
#define IPVS_DEF_DROP_ENTRY 0x1
#define IPVS_DEF_DROP_PACKET 0x2
#define IPVS_DEF_SECURE_TCP 0x4

/* drop_entry drops one in this many ESTABLISHED TCP and UDP conns it
 * visits (half-open ones always) */
#define IPVS_DROP_ENTRY_RATE 8
/* drop_entry visits at most this many buckets per timer call, so its
 * 1/32 of the table a second is spread over the loop, never a stall */
#define IPVS_DROP_ENTRY_STEP 256
/* secure_tcp: seconds a SYN_RECV or SYNACK conn lives (a handshake not
 * done in 10 s is a flood's) */
#define IPVS_SECURE_SYN_TIMEOUT 10
/* pressure eviction: conns and wheel slots looked at per new flow */
#define IPVS_EVICT_VISITS 64
#define IPVS_EVICT_SLOTS 256
/* a new conn's bucket holding this many nodes or more is counted long */
#define IPVS_CHAIN_LONG 8

struct ipvs_defense_wstate {
	uint8_t on;            /* IPVS_DEF_* in force */
	uint8_t rst;           /* unknown_tcp rst */
	uint8_t pad[2];
	uint32_t thresh_conns; /* conns from which the table is short */
	uint32_t evict_conns;  /* conns from which new flows reclaim (UINT32_MAX: never) */
	uint32_t drop_rate;    /* drop_packet: one in this many new flows (0: none) */
	uint32_t drop_counter;
	uint32_t entry_left;   /* buckets drop_entry still visits this second */
	uint32_t entry_tick;   /* drop_entry: conns visited, for the 1 in RATE */
	uint32_t chain_max;    /* the longest bucket a new conn went into */
	uint64_t sec;          /* the second the levels were last set (0: never) */
	uint64_t evict_slot;   /* the wheel second pressure eviction looks from */
	/* counters */
	uint64_t entries_dropped; /* drop_entry */
	uint64_t packets_dropped; /* drop_packet */
	uint64_t evicted;         /* pressure eviction */
	uint64_t rst_sent;        /* unknown_tcp rst */
	uint64_t chain_long;      /* new conns into a bucket of IPVS_CHAIN_LONG nodes or more */
};

struct ipvs_worker;
struct ipvs_snap;

/* Worker: the levels for this second from the settings and the table's
 * occupancy, and drop_entry's share of the work. */
void ipvs_defense_tick(struct ipvs_worker *iw, uint64_t now);

/* Control: the settings in force (workers read them once a second). */
const struct dpvs_defense *ipvs_defense_conf(void);

#endif /* DPVS_IPVS_DEFENSE_H */
