/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ipvs_ctl: the control messages of ipvsadm (SVC_*, DEST_*, ZERO,
 * TIMEOUT_*, CONN_LIST), decoded and answered on the control thread.
 *
 * The control server has already checked the header and the payload
 * length bounds registered here; each handler checks what only it can
 * (flags, NUL-terminated names, value ranges, through service.c) and
 * answers an errno plus a message naming what was wrong. The errno values
 * are the kernel's, so ipvsadm prints the messages users know
 * ("Service already exists" for EEXIST, ...).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl.h"
#include "control/control.h"
#include "ipvs/ipvs.h"

#define ERRLEN 256

/* SVC_LIST/ZERO: an optional service key, announced by a flag. */
static int opt_key(const struct dpvs_ctl_hdr *hdr, const void *payload, struct ctl_reply *r,
		   const struct dpvs_svc **key)
{
	*key = NULL;
	if (hdr->flags & DPVS_MSG_F_SVC_KEY) {
		if (hdr->len != sizeof(struct dpvs_svc))
			return ctl_reply_error(r, -EINVAL,
					       "service key: %u bytes, expected %zu", hdr->len,
					       sizeof(struct dpvs_svc));
		*key = payload;
	} else if (hdr->len != 0) {
		return ctl_reply_error(r, -EINVAL, "payload without the service-key flag");
	}
	return 0;
}

/* SVC_ADD/EDIT/DEL: a struct dpvs_svc each. */
static int h_svc(const struct dpvs_ctl_hdr *hdr, const void *payload, struct ctl_reply *r)
{
	char err[ERRLEN] = "";
	int ret;

	switch (hdr->type) {
	case DPVS_MSG_SVC_ADD:
		ret = ipvs_svc_add(payload, err, sizeof(err));
		break;
	case DPVS_MSG_SVC_EDIT:
		ret = ipvs_svc_edit(payload, err, sizeof(err));
		break;
	default:
		ret = ipvs_svc_del(payload, err, sizeof(err));
		break;
	}
	return ret < 0 ? ctl_reply_error(r, ret, "%s", err) : 0;
}

static int h_svc_flush(const struct dpvs_ctl_hdr *hdr, const void *payload, struct ctl_reply *r)
{
	(void)hdr;
	(void)payload;
	(void)r;
	ipvs_svc_flush();
	return 0;
}

static int count_svc(uint16_t svc_id, const struct dpvs_svc *svc, const uint16_t *dest_ids,
		     const struct dpvs_dest *dests, uint32_t ndests, void *arg)
{
	(void)svc_id;
	(void)svc;
	(void)dest_ids;
	(void)dests;
	(void)ndests;
	(*(uint32_t *)arg)++;
	return 0;
}

static int append_svc(uint16_t svc_id, const struct dpvs_svc *svc, const uint16_t *dest_ids,
		      const struct dpvs_dest *dests, uint32_t ndests, void *arg)
{
	struct ctl_reply *r = arg;
	struct dpvs_svc_entry *e = ctl_reply_alloc(r, sizeof(*e));
	struct dpvs_dest *out;

	if (!e)
		return -ENOMEM;
	e->svc = *svc;
	e->svc.num_dests = ndests;
	e->ndests = ndests;
	ipvs_stats_svc(svc_id, &e->svc.stats);
	if (!ndests)
		return 0;
	out = ctl_reply_alloc(r, sizeof(*out) * ndests);
	if (!out)
		return -ENOMEM;
	for (uint32_t k = 0; k < ndests; k++) {
		out[k] = dests[k];
		ipvs_stats_dest(dest_ids[k], &out[k].stats, &out[k].activeconns,
				&out[k].inactconns, &out[k].persistconns);
	}
	return 0;
}

static int h_svc_list(const struct dpvs_ctl_hdr *hdr, const void *payload, struct ctl_reply *r)
{
	const struct dpvs_svc *key;
	struct dpvs_list *l;
	uint32_t count = 0;
	char err[ERRLEN] = "";
	int ret = opt_key(hdr, payload, r, &key);

	if (ret < 0)
		return ret;
	ret = ipvs_svc_walk(key, count_svc, &count, err, sizeof(err));
	if (ret < 0)
		return ctl_reply_error(r, ret, "%s", err);
	l = ctl_reply_alloc(r, sizeof(*l));
	if (!l)
		return ctl_reply_error(r, -ENOMEM, "cannot list services: out of memory");
	l->count = count;
	l->entry_size = sizeof(struct dpvs_svc_entry);
	ret = ipvs_svc_walk(key, append_svc, r, err, sizeof(err));
	if (ret < 0)
		return ctl_reply_error(r, ret, "%s", err);
	return 0;
}

static int h_dest(const struct dpvs_ctl_hdr *hdr, const void *payload, struct ctl_reply *r)
{
	const struct dpvs_dest_req *q = payload;
	char err[ERRLEN] = "";
	int ret;

	switch (hdr->type) {
	case DPVS_MSG_DEST_ADD:
		ret = ipvs_dest_add(&q->svc, &q->dest, err, sizeof(err));
		break;
	case DPVS_MSG_DEST_EDIT:
		ret = ipvs_dest_edit(&q->svc, &q->dest, err, sizeof(err));
		break;
	default:
		ret = ipvs_dest_del(&q->svc, &q->dest, err, sizeof(err));
		break;
	}
	return ret < 0 ? ctl_reply_error(r, ret, "%s", err) : 0;
}

static int zero_svc(uint16_t svc_id, const struct dpvs_svc *svc, const uint16_t *dest_ids,
		    const struct dpvs_dest *dests, uint32_t ndests, void *arg)
{
	(void)svc;
	(void)dests;
	(void)arg;
	ipvs_stats_reset_svc(svc_id);
	for (uint32_t k = 0; k < ndests; k++)
		ipvs_stats_reset_dest(dest_ids[k]);
	return 0;
}

static int h_zero(const struct dpvs_ctl_hdr *hdr, const void *payload, struct ctl_reply *r)
{
	const struct dpvs_svc *key;
	char err[ERRLEN] = "";
	int ret = opt_key(hdr, payload, r, &key);

	if (ret < 0)
		return ret;
	ret = ipvs_svc_walk(key, zero_svc, NULL, err, sizeof(err));
	return ret < 0 ? ctl_reply_error(r, ret, "%s", err) : 0;
}

static int h_timeout_set(const struct dpvs_ctl_hdr *hdr, const void *payload,
			 struct ctl_reply *r)
{
	char err[ERRLEN] = "";
	int ret = ipvs_timeout_set(payload, err, sizeof(err));

	(void)hdr;
	return ret < 0 ? ctl_reply_error(r, ret, "%s", err) : 0;
}

static int h_timeout_get(const struct dpvs_ctl_hdr *hdr, const void *payload,
			 struct ctl_reply *r)
{
	struct dpvs_timeouts t;

	(void)hdr;
	(void)payload;
	ipvs_timeout_get(&t);
	if (ctl_reply_append(r, &t, sizeof(t)) < 0)
		return ctl_reply_error(r, -ENOMEM, "out of memory");
	return 0;
}

static int h_conn_list(const struct dpvs_ctl_hdr *hdr, const void *payload, struct ctl_reply *r)
{
	const struct dpvs_conn_query *q = payload;
	const uint32_t cap = (DPVS_CTL_MAX_PAYLOAD - sizeof(struct dpvs_list)) /
			     sizeof(struct dpvs_conn);
	uint32_t max = q->max && q->max < cap ? q->max : cap;
	struct dpvs_conn *buf;
	struct dpvs_list *l;
	uint32_t n = 0;
	char err[ERRLEN] = "";
	int ret;

	(void)hdr;
	buf = malloc(sizeof(*buf) * max);
	if (!buf)
		return ctl_reply_error(r, -ENOMEM, "no memory for %u connection entries", max);
	ret = ipvs_conn_list_collect(buf, max, &n, err, sizeof(err));
	if (ret < 0) {
		free(buf);
		return ctl_reply_error(r, ret, "%s", err);
	}
	l = ctl_reply_alloc(r, sizeof(*l));
	if (!l) {
		free(buf);
		return ctl_reply_error(r, -ENOMEM, "out of memory");
	}
	l->count = n;
	l->entry_size = sizeof(struct dpvs_conn);
	ret = n ? ctl_reply_append(r, buf, sizeof(*buf) * n) : 0;
	free(buf);
	if (ret < 0)
		return ctl_reply_error(r, -ENOMEM, "out of memory");
	return 0;
}

void ipvs_ctl_register(void)
{
	const uint32_t svc = sizeof(struct dpvs_svc);
	const uint32_t dreq = sizeof(struct dpvs_dest_req);

	ctl_register(DPVS_MSG_SVC_ADD, svc, svc, h_svc);
	ctl_register(DPVS_MSG_SVC_EDIT, svc, svc, h_svc);
	ctl_register(DPVS_MSG_SVC_DEL, svc, svc, h_svc);
	ctl_register(DPVS_MSG_SVC_FLUSH, 0, 0, h_svc_flush);
	ctl_register(DPVS_MSG_SVC_LIST, 0, svc, h_svc_list);
	ctl_register(DPVS_MSG_DEST_ADD, dreq, dreq, h_dest);
	ctl_register(DPVS_MSG_DEST_EDIT, dreq, dreq, h_dest);
	ctl_register(DPVS_MSG_DEST_DEL, dreq, dreq, h_dest);
	ctl_register(DPVS_MSG_ZERO, 0, svc, h_zero);
	ctl_register(DPVS_MSG_TIMEOUT_SET, sizeof(struct dpvs_timeouts),
		     sizeof(struct dpvs_timeouts), h_timeout_set);
	ctl_register(DPVS_MSG_TIMEOUT_GET, 0, 0, h_timeout_get);
	ctl_register(DPVS_MSG_CONN_LIST, sizeof(struct dpvs_conn_query),
		     sizeof(struct dpvs_conn_query), h_conn_list);
	fwmark_ctl_register();
}
