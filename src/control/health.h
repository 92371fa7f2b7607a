/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * health: the daemon's own health checks of real servers ([check:NAME]
 * in the config file, one per [service:NAME] of the same name).
 *
 * Owns: the probes and the up/down state of every real server a check
 * covers. Probes are ordinary kernel sockets (or a child process for
 * exec) of the control thread, non-blocking, driven by its libev loop,
 * at most HEALTH_MAX_INFLIGHT at a time; they leave from the director's
 * own address through its KNI interface, i.e. through the data plane.
 * A server that fails `fall` probes in a row goes down: weight 0 or
 * removed (on_fail), through ipvs_dest_edit/del as `ipvsadm -e/-d` does;
 * `rise` successes bring it back. Every change is logged on one line and
 * counted.
 *
 * Files: health.c (the engine: timers, state, the table, reloads),
 * health_probe.c (one probe, start to verdict),
 * health_sm.c and health_proto.c (pure: the rise/fall state machine, the
 * HTTP status line, the DNS query and answer; unit-tested alone),
 * health_ctl.c (DPVS_MSG_CHECK_SHOW).
 */
#ifndef DPVS_HEALTH_H
#define DPVS_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dpvs_config;
struct ev_loop;
struct dpvs_check_entry;

#define HEALTH_MAX_INFLIGHT 32 /* probes at a time, all checks together */

/* ---- the engine (health.c), control thread only ---- */

/* Remembers the loop the probes run on; nothing is probed before
 * health_apply(). */
void health_start(struct ev_loop *loop);
/* Makes the checks what cfg says, at start and after each reload (after
 * the services were applied). A server keeps its state and counters
 * across a reload while its check and its line stay in the file; a
 * server the reload put back (its weight, or re-added) while the check
 * has it down is taken down again; servers of a check that is gone are
 * restored. Writes one report line per check started or stopped. */
void health_apply(const struct dpvs_config *cfg, char *report, size_t len);
/* Stops every probe (children killed and reaped) and forgets the checks;
 * real servers keep the weight they have. */
void health_stop(void);

/* Probes out now (sockets open, children running): at most
 * HEALTH_MAX_INFLIGHT. */
unsigned health_inflight(void);

/* Entries of every checked server (or of check `name` when not NULL),
 * at most max; returns how many there are in all. */
uint32_t health_list(const char *name, struct dpvs_check_entry *out, uint32_t max);

/* ---- the state machine (health_sm.c) ---- */

struct health_sm {
	uint8_t state;	   /* enum dpvs_check_state */
	uint32_t ok_run;   /* consecutive successes */
	uint32_t fail_run; /* consecutive failures */
};

/* Feeds one probe result. Returns true when the state changed: up ->
 * down after `fall` failures in a row, down -> up after `rise` successes
 * in a row. A server starts up (the file put it in rotation). */
bool health_sm_feed(struct health_sm *sm, bool ok, uint32_t rise, uint32_t fall);

/* ---- wire formats (health_proto.c) ---- */

/* The status of an HTTP response whose first bytes are buf[0..len):
 * 100..599; 0 when the status line is not complete yet; -EBADMSG when
 * the bytes are not an HTTP/1.x status line. */
int health_http_status(const char *buf, size_t len);
/* "GET path HTTP/1.0" with Host and Connection: close. Returns the
 * length, or -ENOSPC when buf is too small. */
int health_http_request(char *buf, size_t len, const char *path, const char *host);

/* A DNS query (recursion desired) for name with qtype (1 A, 28 AAAA,
 * 255 ANY) and id. Returns its length, -EINVAL for a bad name, -ENOSPC. */
int health_dns_query(uint8_t *buf, size_t len, uint16_t id, const char *name, uint16_t qtype);
/* Whether buf is a good answer to that query: the id, a response,
 * NOERROR, at least one answer record; with expect_be (IPv4, network
 * order; 0 = none) one A record must hold that address. 0, or -EBADMSG
 * (malformed) / -ENOENT (a valid answer, not the expected one) with why. */
int health_dns_check(const uint8_t *buf, size_t len, uint16_t id, uint32_t expect_be, char *why,
		     size_t wlen);

#endif /* DPVS_HEALTH_H */
