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
 * A batch of requests sent as one BATCH message (DPVS_MSG_BATCH): ipvsadm
 * -R's lines, published by the daemon once per message instead of once
 * per request. Zero it (or dpvs_batch_init) before the first add.
 */
struct dpvs_batch {
	uint8_t *buf; /* the requests, framed as on the socket */
	size_t len, cap;
	uint32_t n;
	uint32_t seq;
};

void dpvs_batch_init(struct dpvs_batch *b);
void dpvs_batch_free(struct dpvs_batch *b);
/* Appends a request. -EMSGSIZE when it would not fit in one message
 * (send the batch first), -ENOMEM. */
int dpvs_batch_add(struct dpvs_batch *b, uint16_t type, uint32_t flags, const void *req,
		   uint32_t len);
/* Called for each request of a batch, in order: its index, type, status
 * (0 or -errno) and the daemon's message ("" when status is 0). */
typedef void (*dpvs_batch_fn)(uint32_t index, uint16_t type, int status, const char *msg,
			      void *arg);
/*
 * Sends the batch (several messages when the daemon's reply fills up
 * before the last request ran) and calls fn for every request; empties
 * the batch. 0, or a negative errno with a message when the exchange
 * itself failed (requests not reported to fn may or may not have run).
 */
int dpvs_batch_send(struct dpvs_batch *b, dpvs_batch_fn fn, void *arg, char *err, size_t errlen);

/*
 * Checks that a list reply holds a struct dpvs_list header and `count`
 * entries of entry_size bytes (entry_size must be at least min_entry).
 * Returns a pointer to the first entry or NULL with a message in err.
 */
const void *dpvs_list_entries(const void *reply, uint32_t rlen, size_t min_entry,
			      uint32_t *count, char *err, size_t errlen);

#endif /* DPVS_CLIENT_H */
