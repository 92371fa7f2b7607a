/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * reload: applying a config file to the running daemon, at start and on
 * reload (SIGHUP, `dpip config reload`).
 *
 * Owns: the config currently in force. A reload parses and validates the
 * new file whole first; an invalid file changes nothing. A valid one is
 * applied as a diff against the previous file, all or nothing:
 * addresses, routes, neighbours, log level, [ipvs] and services; a step
 * that fails rolls back every step before it (reload.c says in which
 * order, and docs/architecture.md what the workers see meanwhile). What
 * was added at run time (dpip, ipvsadm) and is not in either file is
 * left alone. Init-only items that changed are reported as "restart
 * required".
 */
#ifndef DPVS_RELOAD_H
#define DPVS_RELOAD_H

#include <stddef.h>

struct dpvs_config;

/* Room for the report of the largest file: a line for every item of it
 * (1,024 routes and neighbours, 256 services of 64 real servers) and
 * then some. Callers allocate it. */
#define RELOAD_REPORT_MAX (2u << 20)

/* Takes ownership of cfg (heap) as the config in force and applies it
 * against an empty one. 0 or -errno with the first failure in report. */
int reload_apply_initial(struct dpvs_config *cfg, char *report, size_t len);

/* Re-reads the file of the config in force. Returns 0 when applied
 * (report: a line per change, or "no change"), -EINVAL when the file is
 * invalid (every error in report), other -errno when a step failed and
 * everything was rolled back (report: "rolled back: FILE: [section] key:
 * what: reason"). */
int reload_config(char *report, size_t len);

const struct dpvs_config *reload_current(void);
void reload_fini(void);

/* Sets the DPDK log level from the config's log_level. */
void reload_set_log_level(const struct dpvs_config *cfg);

#endif /* DPVS_RELOAD_H */
