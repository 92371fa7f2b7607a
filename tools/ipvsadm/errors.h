/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The text ipvsadm prints for an error the kernel (here: the dpvs daemon)
 * returns, chosen by the request and the errno, as libipvs's
 * ipvs_strerror() does (ERRORS.md section 7). Pure, unit-tested.
 */
#ifndef IPVSADM_ERRORS_H
#define IPVSADM_ERRORS_H

#include <stdint.h>

/* msg_type: the DPVS_MSG_* request that failed; err: errno, either sign.
 * Returns a constant string or strerror()'s. */
const char *ipvsadm_strerror(uint16_t msg_type, int err);

/* What ipvsadm prints for a failed request: ipvsadm_strerror(), except
 * for the refusals that are dpvs's own (a DR real server that is not
 * on-link: ENETUNREACH; one of the balancer's own addresses: ELOOP; a
 * request LVS accepts that dpvs cannot serve: EOPNOTSUPP; its tables
 * full: ENOSPC) and
 * every error of DPVS's local-address commands (LADDR_*), which the kernel
 * never gives and 1.31 has no text for: then the daemon's message
 * (daemon_msg), which says what to do. */
const char *ipvsadm_error_text(uint16_t msg_type, int err, const char *daemon_msg);

#endif /* IPVSADM_ERRORS_H */
