/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * health internals, shared by health.c (the engine: targets, timers, the
 * state and the table) and health_probe.c (one probe, start to verdict)
 * only.
 */
#ifndef DPVS_HEALTH_PRIV_H
#define DPVS_HEALTH_PRIV_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>
#include <ev.h>

#include "cfg/config.h"
#include "dpvs/ctl.h"
#include "control/health.h"

#define RBUF 512
#define WHY  80

enum phase { P_IDLE, P_CONNECT, P_SEND, P_READ, P_EXEC };

/* A probe's result. PROBE_NOT_SENT: the director could not send it (no
 * route or address on its side, out of sockets, the check program gone):
 * that says nothing about the server, so it never takes one down; a
 * director whose KNI lost its address would otherwise quiesce every
 * server at once. */
enum probe_result { PROBE_FAIL = 0, PROBE_OK = 1, PROBE_NOT_SENT = 2 };

struct health_check;

struct health_target {
	struct health_check *chk;
	struct dpvs_dest file;	  /* the file's line, port filled in */
	struct dpvs_dest restore; /* what coming back up restores */
	uint32_t probe_be;	  /* address probed (network order) */
	uint16_t probe_port_be;
	char dev[DPVS_IFNAMSIZ]; /* the KNI the probe is bound to, or "" */
	struct health_sm sm;

	ev_timer tick, deadline;
	ev_io io;
	ev_child child;
	int fd;
	pid_t pid;
	enum phase phase;
	bool waiting; /* its tick came while every slot was taken */
	bool timed_out;
	uint16_t dns_id;
	char out[600];
	size_t out_len, sent;
	char in[RBUF];
	size_t in_len;

	uint8_t last_res;  /* enum probe_result */
	bool local_logged; /* said once that probes cannot be sent */
	char last[WHY];
	uint64_t probes, failures, changes, not_sent;
	time_t last_probe, last_change; /* 0 = never */
};

struct health_check {
	struct cfg_check cfg;
	struct dpvs_svc svc;
	char svc_str[48];
	uint32_t expect_be; /* dns_expect */
	uint32_t source_be; /* source; 0 = the kernel's choice */
	unsigned ntargets;
	struct health_target *targets;
};

extern struct ev_loop *health_loop;

/* health_probe.c */
void health_probe_init(struct health_target *t); /* its watchers, once */
/* Starts a probe (the caller counted it in flight); it ends in
 * health_probe_done(), maybe before this returns. */
void health_probe_start(struct health_target *t);
/* Ends a probe without a verdict: watchers stopped, socket closed, child
 * killed and reaped. */
void health_probe_cancel(struct health_target *t);

/* health.c: a probe's verdict and why, in words */
void health_probe_done(struct health_target *t, enum probe_result res, const char *why);

#endif /* DPVS_HEALTH_PRIV_H */
