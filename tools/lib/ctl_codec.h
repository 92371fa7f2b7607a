/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libdpvsctl codec: building and checking message headers. Used by the
 * daemon's server and by the client, so both ends agree on one set of
 * rules. Pure functions, unit-tested.
 */
#ifndef DPVS_CTL_CODEC_H
#define DPVS_CTL_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "dpvs/ctl.h"

void ctl_hdr_init(struct dpvs_ctl_hdr *h, uint16_t type, uint32_t seq, uint32_t len);

/* Checks magic, version, type range and length bound of a received header.
 * Returns 0 or a negative errno (-EBADMSG bad magic, -EPROTO version,
 * -EMSGSIZE too long, -EOPNOTSUPP unknown type) with a message in err. */
int ctl_hdr_check(const struct dpvs_ctl_hdr *h, char *err, size_t errlen);

/* A name for a message type ("ADDR_ADD"), "UNKNOWN" otherwise. */
const char *ctl_msg_name(uint16_t type);

#endif /* DPVS_CTL_CODEC_H */
