/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * instance: one dpvs per configuration, decided before anything is
 * touched.
 *
 * Owns: the lock on the pid file. The daemon takes it before EAL, before
 * any port, TAP or socket, so a second dpvs started on the same config
 * (even with another [eal] file_prefix) stops without touching what the
 * running one holds. flock() ends with the process, so a daemon that
 * crashed never blocks the next start, and the pid written is only
 * believed while the lock is held.
 */
#ifndef DPVS_INSTANCE_H
#define DPVS_INSTANCE_H

#include <stddef.h>

struct dpvs_config;

/*
 * Takes the lock on cfg's pid_file (or, with no pid_file, on
 * "<ctl_socket>.lock") and writes our pid into it. Also refuses when a
 * dpvs answers on ctl_socket or a KNI interface of the config already
 * exists: another daemon, with another pid file, holds them. Returns 0,
 * or -errno with the reason (naming the running pid when known) in err.
 */
int instance_lock(const struct dpvs_config *cfg, char *err, size_t errlen);
/* Unlinks the pid file (if it is still ours) and drops the lock. */
void instance_unlock(void);

#endif /* DPVS_INSTANCE_H */
