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

#define CTL_BATCH_HOOKS 4
static struct {
	void (*begin)(void);
	int (*end)(void);
} batch_hooks[CTL_BATCH_HOOKS];
static unsigned nbatch_hooks;

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
	memset(batch_hooks, 0, sizeof(batch_hooks));
	nbatch_hooks = 0;
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

/* ---- BATCH ---- */

#define SUB_HDR sizeof(struct dpvs_ctl_hdr)
/* the most a batched request's reply may take: its header and a message */
#define SUB_REPLY_MAX (SUB_HDR + DPVS_CTL_ERRMSG_MAX)

/* Walks the requests of a batch: their framing must hold end to end
 * before any of them runs. 0 or -EBADMSG with the reason in r. */
static int batch_check(const uint8_t *p, uint32_t len, struct ctl_reply *r)
{
	uint32_t off = 0, i = 0;

	while (off < len) {
		struct dpvs_ctl_hdr h;
		char why[DPVS_CTL_ERRMSG_MAX];
		int rc;

		if (len - off < SUB_HDR)
			return ctl_reply_error(r, -EBADMSG, "BATCH: request %u: %u bytes left, "
					       "a header takes %zu", i, len - off, SUB_HDR);
		memcpy(&h, p + off, SUB_HDR);
		rc = ctl_hdr_check(&h, why, sizeof(why));
		/* an unknown type is that request's own error, not the batch's */
		if (rc && rc != -EOPNOTSUPP)
			return ctl_reply_error(r, -EBADMSG, "BATCH: request %u: %s", i, why);
		if (h.len > len - off - SUB_HDR)
			return ctl_reply_error(r, -EBADMSG,
					       "BATCH: request %u (%s): payload of %u bytes runs "
					       "past the batch", i, ctl_msg_name(h.type), h.len);
		off += (uint32_t)SUB_HDR + h.len;
		i++;
	}
	return 0;
}

/* One request of a batch: checked and run as the server would, its
 * reply framed into sub. */
static void batch_run_one(const struct dpvs_ctl_hdr *h, const void *payload,
			  struct ctl_reply *sub)
{
	char why[DPVS_CTL_ERRMSG_MAX];

	ctl_reply_reset(sub);
	if (ctl_hdr_check(h, why, sizeof(why))) {
		ctl_stats.unknown_type++;
		ctl_reply_error(sub, -EOPNOTSUPP, "%s", why);
		return;
	}
	if (h->type == DPVS_MSG_BATCH) {
		ctl_reply_error(sub, -EINVAL, "BATCH: a BATCH cannot be batched");
		return;
	}
	if (ctl_request_check(h, sub) == 0)
		ctl_request_dispatch(h, h->len ? payload : NULL, sub);
	if (sub->status == 0 && sub->len > DPVS_CTL_ERRMSG_MAX)
		ctl_reply_error(sub, -E2BIG, "%s: a reply of %zu bytes cannot be batched; "
				"send the request alone", ctl_msg_name(h->type), sub->len);
}

static int h_batch(const struct dpvs_ctl_hdr *hdr, const void *payload, struct ctl_reply *r)
{
	const uint8_t *p = payload;
	struct ctl_reply sub;
	uint32_t off = 0, done = 0;
	int rc = batch_check(p, hdr->len, r);

	if (rc)
		return rc;
	if (!ctl_reply_alloc(r, sizeof(struct dpvs_batch_reply)))
		return ctl_reply_error(r, -ENOMEM, "BATCH: out of memory");
	ctl_reply_init(&sub);
	for (unsigned i = 0; i < nbatch_hooks; i++)
		batch_hooks[i].begin();
	/* each reply must fit: stop while there is room for the largest */
	while (off < hdr->len && DPVS_CTL_MAX_PAYLOAD - r->len >= SUB_REPLY_MAX) {
		struct dpvs_ctl_hdr h;
		const void *out;
		size_t total;

		memcpy(&h, p + off, SUB_HDR);
		batch_run_one(&h, p + off + SUB_HDR, &sub);
		out = ctl_reply_frame(&sub, &h, &total);
		if (ctl_reply_append(r, out, total) < 0) {
			rc = ctl_reply_error(r, -ENOMEM, "BATCH: out of memory after %u requests",
					     done + 1);
			break;
		}
		off += (uint32_t)SUB_HDR + h.len;
		done++;
	}
	ctl_reply_free(&sub);
	for (unsigned i = 0; i < nbatch_hooks; i++) {
		int e = batch_hooks[i].end();

		if (e < 0 && !rc)
			rc = ctl_reply_error(r, e, "BATCH: %u requests applied, but publishing "
					     "them failed (%s); the next change retries",
					     done, strerror(-e));
	}
	if (!rc) {
		struct dpvs_batch_reply br = { .done = done };

		memcpy(r->buf + HDR_ROOM, &br, sizeof(br));
	}
	return rc;
}

int ctl_register_batch(void (*begin)(void), int (*end)(void))
{
	int rc;

	if (!begin || !end)
		return -EINVAL;
	if (nbatch_hooks == CTL_BATCH_HOOKS)
		return -ENOSPC;
	if (!ctl_table[DPVS_MSG_BATCH].fn) {
		rc = ctl_register(DPVS_MSG_BATCH, 0, DPVS_CTL_MAX_PAYLOAD, h_batch);
		if (rc)
			return rc;
	}
	batch_hooks[nbatch_hooks].begin = begin;
	batch_hooks[nbatch_hooks].end = end;
	nbatch_hooks++;
	return 0;
}
