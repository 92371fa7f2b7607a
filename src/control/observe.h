/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * observe: what an operator debugs and graphs the daemon with, on the
 * control thread: packet capture (capture_ctl.c), DPDK telemetry
 * commands (telemetry.c) and the Prometheus endpoint (metrics.c, with
 * its series in metrics_text.c). observe.c starts and stops them.
 */
#ifndef DPVS_OBSERVE_H
#define DPVS_OBSERVE_H

#include <stddef.h>
#include <stdint.h>

#include "dpvs/ctl.h"

struct ev_loop;

/* main.c: after the control socket; metrics_listen "" = no endpoint.
 * 0, or -errno with a message (a bad address, a port in use). */
int observe_start(struct ev_loop *loop, const char *metrics_listen, char *err, size_t errlen);
/* main.c, before the workers stop: ends a capture (its file complete),
 * closes the endpoint, answers telemetry no more. */
void observe_stop(void);

/* capture_ctl.c: CAPTURE_START/STOP/SHOW */
void capture_ctl_register(struct ev_loop *loop);
void capture_ctl_fini(void);
void capture_ctl_info(struct dpvs_capture_info *out);

/* metrics_text.c: every series in the Prometheus text format (0.0.4),
 * in a malloc'd buffer (*len bytes); NULL without memory. */
char *metrics_render(size_t *len);

/* metrics.c: the HTTP endpoint (libmicrohttpd on the libev loop) */
int metrics_start(struct ev_loop *loop, const char *listen, char *err, size_t errlen);
void metrics_stop(void);
/* Scrapes served, and requests refused (a wrong method, path or a body). */
void metrics_counters(uint64_t *scrapes, uint64_t *refused);

/* telemetry.c: /dpvs/ports, /dpvs/workers, /dpvs/services, /dpvs/drops */
int telemetry_start(struct ev_loop *loop, char *err, size_t errlen);
void telemetry_stop(void);

#endif /* DPVS_OBSERVE_H */
