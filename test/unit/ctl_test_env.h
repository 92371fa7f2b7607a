/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Calling control handlers from a unit test through the real registry
 * (src/ctl/ctl_registry.c, in ctl_libs) instead of a fake of it: a
 * request goes through the same length check and dispatch as on the
 * socket, so a handler is tested against the bounds it registered and the
 * replies it builds are the ones the server would frame. Only the socket
 * is left out (no libev, no client).
 *
 * Use: link with ctl_libs; call ctl_registry_reset() before a module
 * registers its handlers again (ctl_register refuses a type twice); keep
 * the reply zeroed (static, or ctl_reply_init) before its first call and
 * ctl_reply_free() it at the end.
 */
#ifndef DPVS_CTL_TEST_ENV_H
#define DPVS_CTL_TEST_ENV_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "ctl_codec.h"
#include "ctl/ctl_priv.h"

/*
 * Sends one request (type, flags, len payload bytes) as the server does
 * once the bytes are in: the registry's check, then the handler. r is
 * emptied first and keeps its memory between calls. Returns r->status:
 * 0, or the -errno the client would get (message in r->msg).
 */
static inline int32_t ctl_test_call(uint16_t type, uint32_t flags, const void *payload,
				    uint32_t len, struct ctl_reply *r)
{
	struct dpvs_ctl_hdr h;

	ctl_hdr_init(&h, type, 1, len);
	h.flags = flags;
	if (!r->buf)
		ctl_reply_init(r);
	else
		ctl_reply_reset(r);
	if (ctl_request_check(&h, r) == 0)
		ctl_request_dispatch(&h, len ? payload : NULL, r);
	return r->status;
}

/* The reply's payload (r->len bytes): the registry keeps the header's room
 * in front of it. NULL while nothing was ever added to r. */
static inline uint8_t *ctl_test_payload(const struct ctl_reply *r)
{
	return r->buf ? r->buf + sizeof(struct dpvs_ctl_hdr) : NULL;
}

/* Whether a module registered a handler for type (the registry answers
 * -EOPNOTSUPP only for a type nobody handles, whatever the length). */
static inline bool ctl_test_has_handler(uint16_t type)
{
	struct ctl_reply scratch;
	struct dpvs_ctl_hdr h;

	ctl_reply_init(&scratch);
	ctl_hdr_init(&h, type, 1, 0);
	return ctl_request_check(&h, &scratch) != -EOPNOTSUPP;
}

#endif /* DPVS_CTL_TEST_ENV_H */
