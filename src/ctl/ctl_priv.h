/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inside the ctl layer: the reply buffer and the registry's interface to
 * the connection code (ctl_server.c), plus a few knobs the unit tests turn.
 * Nothing outside src/ctl and its tests includes this.
 */
#ifndef DPVS_CTL_PRIV_H
#define DPVS_CTL_PRIV_H

#include <stdbool.h>
#include <stddef.h>

#include "ctl/ctl.h"

/*
 * One reply under construction. The buffer keeps room for the header in
 * front of the payload so a framed reply goes out as one contiguous write.
 */
struct ctl_reply {
	uint8_t *buf;   /* header room + payload */
	size_t len;     /* payload bytes */
	size_t cap;     /* payload room */
	int32_t status; /* 0 or -errno */
	bool overflow;  /* an append hit DPVS_CTL_MAX_PAYLOAD */
	char msg[DPVS_CTL_ERRMSG_MAX];
};

void ctl_reply_init(struct ctl_reply *r);
/* Forgets the payload and the status, keeps the memory for the next one. */
void ctl_reply_reset(struct ctl_reply *r);
void ctl_reply_free(struct ctl_reply *r);
/*
 * Writes the reply header for request h in front of the payload (an error
 * replaces the payload by its message) and returns the bytes to send;
 * *total gets their count. Never fails: without memory for the message
 * the reply goes out with an empty payload and the status alone.
 */
const void *ctl_reply_frame(struct ctl_reply *r, const struct dpvs_ctl_hdr *h, size_t *total);

/*
 * Before the payload is read: is there a handler for h->type and does the
 * length fit what it registered? 0, or a negative errno with the error
 * already in r (and counted in the server's stats).
 */
int ctl_request_check(const struct dpvs_ctl_hdr *h, struct ctl_reply *r);
/* Calls the handler of a request that passed ctl_request_check(). */
void ctl_request_dispatch(const struct dpvs_ctl_hdr *h, const void *payload,
			  struct ctl_reply *r);

/* The counters, written by the server and the registry (control thread). */
extern struct ctl_server_stats ctl_stats;

/* Tests: forget every handler; shorten the timeouts and limits; count
 * clients. */
void ctl_registry_reset(void);
void ctl_server_set_idle_timeout(double seconds);
void ctl_server_set_limits(double msg_deadline, unsigned max_clients, size_t rx_budget);
unsigned ctl_server_nclients(void);

/* Connections held at once; one more closes the least recently active
 * (never refused: an operator always gets in). */
#define CTL_MAX_CLIENTS 16384
/* A connection waiting between requests (or not reading its reply) this
 * long is closed. */
#define CTL_IDLE_TIMEOUT_S 30.0
/* A request must arrive whole this long after its first byte. */
#define CTL_MSG_DEADLINE_S 5.0
/* Request buffers of all clients together. */
#define CTL_RX_BUDGET (64u << 20)

/* Why the server closed a client (ctl_server_stats, the rate-limited log). */
enum ctl_close_kind {
	CTL_CLOSE_IDLE,
	CTL_CLOSE_SLOW,
	CTL_CLOSE_EVICTED,
	CTL_CLOSE_BUSY,
	CTL_CLOSE_KINDS
};

#endif /* DPVS_CTL_PRIV_H */
