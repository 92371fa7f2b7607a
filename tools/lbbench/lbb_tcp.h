/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lbb_tcp: the two ends of tcp-cps, as pure logic on parsed segments.
 *
 * Owns the client's connection table (one slot per connection in flight,
 * found from the reply's destination without a hash: the client tuple is
 * a flow index of the address plan, and its low bits are the slot) and the
 * real servers' stateless responder, which derives every answer from the
 * segment it answers, as a SYN cookie does, so it needs no memory at all.
 *
 * One connection, 7 segments (client: SYN, ACK, request, FIN; server:
 * SYN-ACK, response+FIN, ACK):
 *   C SYN seq=c                 -> S SYN|ACK seq=s ack=c+1
 *   C ACK seq=c+1 ack=s+1, C PSH|ACK seq=c+1 ack=s+1 len=Q
 *                               -> S PSH|ACK|FIN seq=s+1 ack=c+1+Q len=R
 *   C FIN|ACK seq=c+1+Q ack=s+R+2 -> S ACK seq=s+R+2 ack=c+Q+2: completed
 * The client retransmits its last segments after `rto` and gives up after
 * `retries`; a RST or running out of retries counts as failed.
 */
#ifndef LBB_TCP_H
#define LBB_TCP_H

#include <stdbool.h>
#include <stdint.h>

#include "lbb_frame.h"

enum lbb_tcp_state {
	LBB_TCP_FREE = 0,
	LBB_TCP_SYN_SENT,
	LBB_TCP_REQ_SENT,  /* handshake done, request sent, waiting for the response */
	LBB_TCP_FIN_SENT,  /* response received, our FIN sent, waiting for its ACK */
};

struct lbb_tcp_conn {
	uint32_t flow;     /* index in the address plan: the client tuple */
	uint32_t isn;      /* client */
	uint32_t srv_isn;
	uint8_t state;
	uint8_t retries;
	uint64_t open_tsc;
	uint64_t deadline; /* retransmit when now passes it */
};

struct lbb_tcp_client {
	const struct lbb_net *net;
	struct lbb_tcp_conn *conn;  /* caller-allocated, size entries */
	uint32_t mask;              /* size - 1, size a power of two */
	uint32_t inflight, max_inflight;
	uint64_t next_flow, max_flows;
	uint32_t scan;              /* retransmission scan cursor */
	uint64_t rto;               /* in the caller's time unit */
	unsigned max_retries;
	uint16_t request, response;
	/* counters */
	uint64_t opened, completed, failed, retransmitted, unexpected, stalled;
};

/* At most this many segments come out of one call. */
#define LBB_TCP_MAX_OUT 2

/* size: a power of two of at least max_inflight entries in conn. */
int lbb_tcp_client_init(struct lbb_tcp_client *c, const struct lbb_net *net,
			struct lbb_tcp_conn *conn, uint32_t size, uint32_t max_inflight,
			uint64_t rto, unsigned retries, uint16_t request, uint16_t response);

/* Opens the next connection: its SYN in *out. False when the in-flight
 * limit is reached or the next slot is still busy. */
bool lbb_tcp_open(struct lbb_tcp_client *c, uint64_t now, struct lbb_tcp_seg *out);

enum lbb_tcp_event {
	LBB_TCP_EV_NONE = 0,
	LBB_TCP_EV_PROGRESS,   /* segments to send in out[] */
	LBB_TCP_EV_COMPLETED,  /* *open_tsc says when it started */
	LBB_TCP_EV_FAILED,     /* reset by the peer */
	LBB_TCP_EV_UNEXPECTED, /* not a segment of a connection in flight */
};

/* A segment from the VIP to a client. */
enum lbb_tcp_event lbb_tcp_client_input(struct lbb_tcp_client *c, const struct lbb_pkt *p,
					uint64_t now, struct lbb_tcp_seg out[LBB_TCP_MAX_OUT],
					unsigned *nout, uint64_t *open_tsc);

/* Looks at up to `budget` slots for expired timers: fills out[] with the
 * segments to resend (at most max_out), counts failures. Returns how many. */
unsigned lbb_tcp_client_timers(struct lbb_tcp_client *c, uint64_t now, unsigned budget,
			       struct lbb_tcp_seg *out, unsigned max_out);

/* The real server's answer to segment p (addresses already as the server
 * sees them). False when nothing is to be sent (a pure ACK, a RST). */
bool lbb_tcp_respond(const struct lbb_pkt *p, uint16_t response, struct lbb_tcp_seg *out);

#endif /* LBB_TCP_H */
