/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ctl: the daemon's control-socket server, on the control thread's libev
 * loop.
 *
 * Owns: the listening socket (mode 0660), client connections, message
 * framing and the dispatch table. Modules register one handler per message
 * type at start-up; the server checks every header (ctl_codec) and the
 * payload length before a handler sees it, and answers anything malformed,
 * truncated, oversized or unknown with an error (and a counter) instead of
 * calling a handler. Handlers run on the control thread only.
 */
#ifndef DPVS_CTL_SERVER_H
#define DPVS_CTL_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "dpvs/ctl.h"

struct ev_loop;
struct ctl_reply;

/*
 * A handler gets the request header and its payload (hdr->len bytes, at
 * least the min_len it registered with). It fills the reply with
 * ctl_reply_append()/ctl_reply_alloc() and returns 0, or returns
 * ctl_reply_error(...)'s value.
 */
typedef int (*ctl_handler_t)(const struct dpvs_ctl_hdr *hdr, const void *payload,
			     struct ctl_reply *reply);

/* min_len: shortest valid payload; max_len: longest (0 = same as min). */
int ctl_register(uint16_t type, uint32_t min_len, uint32_t max_len, ctl_handler_t fn);

/*
 * BATCH (see DPVS_MSG_BATCH): a module whose changes are published (the
 * IPVS snapshot) registers what starts and ends a batch; the requests of
 * one BATCH message run between begin and end, so their changes are
 * published once. end returns 0 or a negative errno (the publication
 * failed: the BATCH reply then says so). Registering the first pair makes
 * the daemon accept BATCH. At most CTL_BATCH_HOOKS pairs.
 */
int ctl_register_batch(void (*begin)(void), int (*end)(void));

/* Appends bytes to the reply payload. 0 or -ENOMEM. */
int ctl_reply_append(struct ctl_reply *r, const void *data, size_t len);
/* Reserves len zeroed bytes at the end of the reply payload; NULL if no
 * memory. The pointer is valid until the next append/alloc. */
void *ctl_reply_alloc(struct ctl_reply *r, size_t len);
/* Sets an error status (negative errno) and message; returns err. */
int ctl_reply_error(struct ctl_reply *r, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

int ctl_server_start(struct ev_loop *loop, const char *path, char *err, size_t errlen);
/* After start: the socket's group becomes `group` (mode stays 0660), so
 * its members may talk to the daemon without root. "" leaves it. */
int ctl_server_set_group(const char *group, char *err, size_t errlen);
/* Before start-up: -EADDRINUSE (with err) when a server answers on path
 * (another dpvs), else 0. Changes nothing. */
int ctl_server_in_use(const char *path, char *err, size_t errlen);
/* Closes every connection and unlinks the socket. */
void ctl_server_stop(void);

/* Counters of the server (bad messages by kind), for `dpip link show -s`. */
struct ctl_server_stats {
	uint64_t requests, bad_magic, bad_version, too_big, truncated, unknown_type, bad_len;
	/* clients closed: silent between requests (or not reading a reply),
	 * a message not whole within its deadline, the least recently
	 * active to make room for a new one, over the request memory budget */
	uint64_t idle_closed, slow_closed, evicted, busy_closed;
};
const struct ctl_server_stats *ctl_server_stats(void);

#endif /* DPVS_CTL_SERVER_H */
