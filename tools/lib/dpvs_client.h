/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libdpvsctl client side: one request, one reply, over the daemon's UNIX
 * socket. Shared by dpip and ipvsadm (and by the tests).
 *
 * The socket is DPVS_CTL_DEFAULT_SOCK unless the environment variable
 * DPVS_SOCK names another path.
 */
#ifndef DPVS_CLIENT_H
#define DPVS_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "dpvs/ctl.h"

/* The socket path the tools use (DPVS_SOCK or the default). */
const char *dpvs_sock_path(void);

/*
 * Sends one request and waits for its reply (bounded: 30 s).
 * On success returns 0 and, when reply is not NULL, *reply points to a
 * malloc'ed payload of *rlen bytes (free it). On a daemon error returns
 * its negative errno with the daemon's message in err. On a local problem
 * (cannot connect, short read, bad reply) returns a negative errno with a
 * message that says what to check ("cannot connect to /run/dpvs/dpvs.sock:
 * No such file or directory (is dpvs running? set DPVS_SOCK)").
 */
int dpvs_request(uint16_t type, uint32_t flags, const void *req, uint32_t len, void **reply,
		 uint32_t *rlen, char *err, size_t errlen);

/*
 * Checks that a list reply holds a struct dpvs_list header and `count`
 * entries of entry_size bytes (entry_size must be at least min_entry).
 * Returns a pointer to the first entry or NULL with a message in err.
 */
const void *dpvs_list_entries(const void *reply, uint32_t rlen, size_t min_entry,
			      uint32_t *count, char *err, size_t errlen);

#endif /* DPVS_CLIENT_H */
