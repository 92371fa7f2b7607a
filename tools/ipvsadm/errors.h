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

#endif /* IPVSADM_ERRORS_H */
