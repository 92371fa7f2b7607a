/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The dispatch table of the control socket and the replies handlers
 * build. Modules register one handler per message type with the payload
 * lengths it accepts; a request reaches its handler only when both are
 * right, so handlers can cast the payload to their struct without
 * checking its size again.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_codec.h"
#include "ctl/ctl_priv.h"

struct ctl_entry {
	ctl_handler_t fn;
	uint32_t min_len, max_len;
};

static struct ctl_entry ctl_table[DPVS_MSG_MAX];

/* Defined here, not in ctl_server.c, so code that only builds replies
 * (handlers' unit tests) links without the socket server and libev. */
struct ctl_server_stats ctl_stats;

int ctl_register(uint16_t type, uint32_t min_len, uint32_t max_len, ctl_handler_t fn)
{
	if (type == DPVS_MSG_NONE || type >= DPVS_MSG_MAX || !fn)
		return -EINVAL;
	if (max_len == 0)
		max_len = min_len;
	if (max_len < min_len || max_len > DPVS_CTL_MAX_PAYLOAD)
		return -EINVAL;
	if (ctl_table[type].fn)
		return -EEXIST; /* two modules claiming one message is a bug */
	ctl_table[type] = (struct ctl_entry){ .fn = fn, .min_len = min_len, .max_len = max_len };
	return 0;
}

void ctl_registry_reset(void)
{
	memset(ctl_table, 0, sizeof(ctl_table));
}

/* ---- replies ---- */

#define HDR_ROOM sizeof(struct dpvs_ctl_hdr)

void ctl_reply_init(struct ctl_reply *r)
{
	memset(r, 0, sizeof(*r));
}

void ctl_reply_reset(struct ctl_reply *r)
{
	r->len = 0;
	r->status = 0;
	r->overflow = false;
	r->msg[0] = '\0';
}

void ctl_reply_free(struct ctl_reply *r)
{
	free(r->buf);
	ctl_reply_init(r);
}

void *ctl_reply_alloc(struct ctl_reply *r, size_t len)
{
	uint8_t *p;

	if (len > DPVS_CTL_MAX_PAYLOAD - r->len) {
		r->overflow = true;
		return NULL;
	}
	if (!r->buf || r->len + len > r->cap) {
		size_t cap = r->cap ? r->cap : 4096;
		uint8_t *nb;

		while (cap < r->len + len)
			cap *= 2;
		nb = realloc(r->buf, HDR_ROOM + cap);
		if (!nb)
			return NULL;
		r->buf = nb;
		r->cap = cap;
	}
	p = r->buf + HDR_ROOM + r->len;
	memset(p, 0, len);
	r->len += len;
	return p;
}

/* Over DPVS_CTL_MAX_PAYLOAD this says -EMSGSIZE rather than -ENOMEM: the
 * handler can tell the user that the listing is too big, not the host. */
int ctl_reply_append(struct ctl_reply *r, const void *data, size_t len)
{
	void *p = ctl_reply_alloc(r, len);

	if (!p)
		return r->overflow ? -EMSGSIZE : -ENOMEM;
	if (len)
		memcpy(p, data, len);
	return 0;
}

int ctl_reply_error(struct ctl_reply *r, int err, const char *fmt, ...)
{
	va_list ap;

	if (err >= 0)
		err = -EIO; /* a handler bug; still an error for the user */
	r->status = err;
	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
	va_end(ap);
	return err;
}

const void *ctl_reply_frame(struct ctl_reply *r, const struct dpvs_ctl_hdr *h, size_t *total)
{
	static uint8_t bare[HDR_ROOM]; /* when there is no memory for a message */
	struct dpvs_ctl_hdr rh;
	uint8_t *out;

	if (r->status == 0 && r->overflow)
		ctl_reply_error(r, -EMSGSIZE, "%s: reply exceeds %u bytes", ctl_msg_name(h->type),
				DPVS_CTL_MAX_PAYLOAD);
	if (r->status < 0) {
		if (!r->msg[0])
			snprintf(r->msg, sizeof(r->msg), "%s: %s", ctl_msg_name(h->type),
				 strerror(-r->status));
		r->len = 0;
		if (ctl_reply_append(r, r->msg, strlen(r->msg) + 1))
			r->len = 0;
	} else if (!r->buf && !ctl_reply_alloc(r, 0)) {
		r->len = 0;
	}

	/* echo type and seq so the client can match the reply */
	ctl_hdr_init(&rh, h->type, h->seq, (uint32_t)r->len);
	rh.status = r->status;
	rh.flags = h->flags;
	out = r->buf ? r->buf : bare;
	if (!r->buf)
		rh.len = 0;
	memcpy(out, &rh, sizeof(rh));
	*total = HDR_ROOM + rh.len;
	return out;
}

/* ---- dispatch ---- */

int ctl_request_check(const struct dpvs_ctl_hdr *h, struct ctl_reply *r)
{
	const struct ctl_entry *e = h->type < DPVS_MSG_MAX ? &ctl_table[h->type] : NULL;

	if (!e || !e->fn) {
		ctl_stats.unknown_type++;
		return ctl_reply_error(r, -EOPNOTSUPP, "%s: not supported by this dpvs",
				       ctl_msg_name(h->type));
	}
	if (h->len < e->min_len || h->len > e->max_len) {
		ctl_stats.bad_len++;
		if (e->min_len == e->max_len)
			return ctl_reply_error(r, -EINVAL, "%s: payload is %u bytes, expected %u",
					       ctl_msg_name(h->type), h->len, e->min_len);
		return ctl_reply_error(r, -EINVAL, "%s: payload is %u bytes, expected %u..%u",
				       ctl_msg_name(h->type), h->len, e->min_len, e->max_len);
	}
	return 0;
}

void ctl_request_dispatch(const struct dpvs_ctl_hdr *h, const void *payload,
			  struct ctl_reply *r)
{
	int rc = ctl_table[h->type].fn(h, payload, r);

	if (rc < 0 && r->status == 0)
		ctl_reply_error(r, rc, "%s: %s", ctl_msg_name(h->type), strerror(-rc));
	else if (rc > 0 && r->status == 0)
		ctl_reply_error(r, -EIO, "%s: handler returned %d", ctl_msg_name(h->type), rc);
}
