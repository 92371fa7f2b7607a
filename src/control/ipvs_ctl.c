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

static int count_svc(uint32_t svc_id, const struct dpvs_svc *svc, const uint32_t *dest_ids,
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

/* A service and ndests of its total dests, at the end of the reply.
 * -EMSGSIZE past the message bound. */
static int append_entry(struct ctl_reply *r, uint32_t svc_id, const struct dpvs_svc *svc,
			const uint32_t *dest_ids, const struct dpvs_dest *dests, uint32_t ndests,
			uint32_t total)
{
	struct dpvs_svc_entry e = {.svc = *svc, .ndests = ndests};
	int ret;

	e.svc.num_dests = total;
	ipvs_stats_svc(svc_id, &e.svc.stats);
	ret = ctl_reply_append(r, &e, sizeof(e));
	for (uint32_t k = 0; k < ndests && ret == 0; k++) {
		struct dpvs_dest d = dests[k];

		ipvs_stats_dest(dest_ids[k], &d.stats, &d.activeconns, &d.inactconns,
				&d.persistconns);
		ret = ctl_reply_append(r, &d, sizeof(d));
	}
	return ret;
}

static int append_svc(uint32_t svc_id, const struct dpvs_svc *svc, const uint32_t *dest_ids,
		      const struct dpvs_dest *dests, uint32_t ndests, void *arg)
{
	return append_entry(arg, svc_id, svc, dest_ids, dests, ndests, ndests);
}

/* A page of SVC_LIST: what fits of the services from a cursor. The
 * first walk counts what fits, the second appends it. */
struct page {
	struct ctl_reply *r;
	size_t room;   /* bytes left for entries */
	uint32_t n;    /* services in the page */
	uint32_t last; /* dests of its last one */
	uint32_t emitted;
};

static int page_fit(uint32_t svc_id, const struct dpvs_svc *svc, const uint32_t *dest_ids,
		    const struct dpvs_dest *dests, uint32_t ndests, uint32_t total, void *arg)
{
	struct page *p = arg;
	const size_t es = sizeof(struct dpvs_svc_entry), ds = sizeof(struct dpvs_dest);
	size_t take;

	(void)svc_id;
	(void)svc;
	(void)dest_ids;
	(void)dests;
	(void)total;
	/* an entry comes with at least one of its dests, so that a page
	 * never ends on an entry the next one continues from its start */
	if (p->room < es + (ndests ? ds : 0))
		return -ENOSPC;
	take = (p->room - es) / ds;
	if (take > ndests)
		take = ndests;
	p->room -= es + take * ds;
	p->n++;
	p->last = (uint32_t)take;
	return (int)take;
}

static int page_emit(uint32_t svc_id, const struct dpvs_svc *svc, const uint32_t *dest_ids,
		     const struct dpvs_dest *dests, uint32_t ndests, uint32_t total, void *arg)
{
	struct page *p = arg;

	if (p->emitted == p->n)
		return -ENOSPC;
	if (++p->emitted == p->n)
		ndests = p->last;
	return append_entry(p->r, svc_id, svc, dest_ids, dests, ndests, total) < 0 ? -ENOMEM
										   : (int)ndests;
}

static int h_svc_list_page(const struct dpvs_ctl_hdr *hdr, const struct dpvs_svc_page_req *q,
			   struct ctl_reply *r)
{
	const struct dpvs_svc *key;
	struct page p = {.r = r};
	struct dpvs_svc_page pg = {.version = ipvs_svc_version()};
	struct dpvs_list l = {.entry_size = sizeof(struct dpvs_svc_entry)};
	uint32_t sf, df;
	char err[ERRLEN] = "";
	int ret;

	/* before the first read of q: SVC_LIST takes 0 bytes and up, so a
	 * short page request would be read past its end (none: NULL) */
	if (hdr->len != sizeof(*q))
		return ctl_reply_error(r, -EINVAL,
				       "service list page request: %u bytes, "
				       "expected %zu",
				       hdr->len, sizeof(*q));
	key = (hdr->flags & DPVS_MSG_F_SVC_KEY) ? &q->key : NULL;
	sf = q->svc_from;
	df = q->dest_from;
	if (q->version && q->version != pg.version)
		return ctl_reply_error(r, -EAGAIN, "services changed during the listing");
	p.room = DPVS_CTL_MAX_PAYLOAD - sizeof(pg) - sizeof(l);
	ret = ipvs_svc_walk_page(key, &sf, &df, page_fit, &p, err, sizeof(err));
	if (ret < 0)
		return ctl_reply_error(r, ret, "%s", err);
	pg.next_svc = sf;
	pg.next_dest = df;
	pg.more = ret == 1;
	l.count = p.n;
	if (ctl_reply_append(r, &pg, sizeof(pg)) < 0 || ctl_reply_append(r, &l, sizeof(l)) < 0)
		return ctl_reply_error(r, -ENOMEM, "cannot list services: out of memory");
	sf = q->svc_from;
	df = q->dest_from;
	ret = p.n ? ipvs_svc_walk_page(key, &sf, &df, page_emit, &p, err, sizeof(err)) : 0;
	if (ret < 0)
		return ctl_reply_error(r, ret, "%s", err);
	return 0;
}

static int h_svc_list(const struct dpvs_ctl_hdr *hdr, const void *payload, struct ctl_reply *r)
{
	const struct dpvs_svc *key;
	struct dpvs_list *l;
	uint32_t count = 0;
	char err[ERRLEN] = "";
	int ret;

	if (hdr->flags & DPVS_MSG_F_SVC_PAGE)
		return h_svc_list_page(hdr, payload, r);
	ret = opt_key(hdr, payload, r, &key);
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
	if (ret == -EMSGSIZE)
		return ctl_reply_error(r, ret, "service list exceeds %u bytes: ask for it by pages",
				       DPVS_CTL_MAX_PAYLOAD);
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

static int zero_svc(uint32_t svc_id, const struct dpvs_svc *svc, const uint32_t *dest_ids,
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

/* The entries one reply holds after its headers. */
static uint32_t conn_page_cap(size_t headers)
{
	return (uint32_t)((DPVS_CTL_MAX_PAYLOAD - headers) / sizeof(struct dpvs_conn));
}

/* A dpvs_list of n conns at the end of the reply. */
static int append_conns(struct ctl_reply *r, const struct dpvs_conn *c, uint32_t n)
{
	struct dpvs_list l = {.count = n, .entry_size = sizeof(struct dpvs_conn)};

	if (ctl_reply_append(r, &l, sizeof(l)) < 0 ||
	    (n && ctl_reply_append(r, c, sizeof(*c) * n) < 0))
		return ctl_reply_error(r, -ENOMEM, "out of memory");
	return 0;
}

/* One page from the request's cursor (DPVS_MSG_F_CONN_PAGE). */
static int h_conn_page(const struct dpvs_ctl_hdr *hdr, const struct dpvs_conn_page_req *q,
		       struct ctl_reply *r)
{
	const uint32_t cap = conn_page_cap(sizeof(struct dpvs_conn_page) + sizeof(struct dpvs_list));
	struct ipvs_conn_cursor cur;
	struct dpvs_conn *buf;
	char err[ERRLEN] = "";
	uint32_t max, n = 0;
	int ret;

	/* before the first read of q: a query's 8 bytes pass the registry */
	if (hdr->len != sizeof(*q))
		return ctl_reply_error(r, -EINVAL,
				       "connection list page request: %u bytes, expected %zu",
				       hdr->len, sizeof(*q));
	cur = (struct ipvs_conn_cursor){.worker = q->worker, .bucket = q->bucket, .skip = q->skip};
	max = q->max && q->max < cap ? q->max : cap;
	buf = malloc(sizeof(*buf) * max);
	if (!buf)
		return ctl_reply_error(r, -ENOMEM, "no memory for %u connection entries", max);
	ret = ipvs_conn_list_page(&cur, true, buf, max, &n, err, sizeof(err));
	if (ret >= 0) {
		struct dpvs_conn_page pg = {.next_worker = cur.worker,
					    .next_bucket = cur.bucket,
					    .next_skip = cur.skip,
					    .more = ret == 1};

		ret = ctl_reply_append(r, &pg, sizeof(pg)) < 0
			      ? ctl_reply_error(r, -ENOMEM, "out of memory")
			      : append_conns(r, buf, n);
	} else {
		ret = ctl_reply_error(r, ret, "%s", err);
	}
	free(buf);
	return ret;
}

/* CONN_LIST: one page, or every conn in one reply (up to the asked max)
 * and EMSGSIZE when they do not fit: never a part passed off as all. */
static int h_conn_list(const struct dpvs_ctl_hdr *hdr, const void *payload, struct ctl_reply *r)
{
	const struct dpvs_conn_query *q = payload;
	const uint32_t cap = conn_page_cap(sizeof(struct dpvs_list));
	uint32_t max = q->max && q->max < cap ? q->max : cap, n = 0;
	struct ipvs_conn_cursor cur = {0};
	struct dpvs_conn *buf;
	char err[ERRLEN] = "";
	int ret;

	if (hdr->flags & ~DPVS_MSG_F_CONN_PAGE)
		return ctl_reply_error(r, -EINVAL, "connection list: unknown flags 0x%x",
				       hdr->flags & ~DPVS_MSG_F_CONN_PAGE);
	if (hdr->flags & DPVS_MSG_F_CONN_PAGE)
		return h_conn_page(hdr, payload, r);
	if (hdr->len != sizeof(*q))
		return ctl_reply_error(r, -EINVAL, "connection list request: %u bytes, expected %zu",
				       hdr->len, sizeof(*q));
	if (q->flags)
		return ctl_reply_error(r, -EINVAL, "connection list: unknown query flags 0x%x",
				       q->flags);
	buf = malloc(sizeof(*buf) * max);
	if (!buf)
		return ctl_reply_error(r, -ENOMEM, "no memory for %u connection entries", max);
	ret = ipvs_conn_list_page(&cur, false, buf, max, &n, err, sizeof(err));
	if (ret == 1 && (q->max == 0 || q->max > cap))
		ret = ctl_reply_error(r, -EMSGSIZE,
				      "connection list exceeds %u entries: ask for it by pages", cap);
	else if (ret < 0)
		ret = ctl_reply_error(r, ret, "%s", err);
	else
		ret = append_conns(r, buf, n);
	free(buf);
	return ret;
}

void ipvs_ctl_register(void)
{
	const uint32_t svc = sizeof(struct dpvs_svc);
	const uint32_t dreq = sizeof(struct dpvs_dest_req);

	ctl_register(DPVS_MSG_SVC_ADD, svc, svc, h_svc);
	ctl_register(DPVS_MSG_SVC_EDIT, svc, svc, h_svc);
	ctl_register(DPVS_MSG_SVC_DEL, svc, svc, h_svc);
	ctl_register(DPVS_MSG_SVC_FLUSH, 0, 0, h_svc_flush);
	ctl_register(DPVS_MSG_SVC_LIST, 0, sizeof(struct dpvs_svc_page_req), h_svc_list);
	ctl_register(DPVS_MSG_DEST_ADD, dreq, dreq, h_dest);
	ctl_register(DPVS_MSG_DEST_EDIT, dreq, dreq, h_dest);
	ctl_register(DPVS_MSG_DEST_DEL, dreq, dreq, h_dest);
	ctl_register(DPVS_MSG_ZERO, 0, svc, h_zero);
	ctl_register(DPVS_MSG_TIMEOUT_SET, sizeof(struct dpvs_timeouts),
		     sizeof(struct dpvs_timeouts), h_timeout_set);
	ctl_register(DPVS_MSG_TIMEOUT_GET, 0, 0, h_timeout_get);
	ctl_register(DPVS_MSG_CONN_LIST, sizeof(struct dpvs_conn_query),
		     sizeof(struct dpvs_conn_page_req), h_conn_list);
	fwmark_ctl_register();
	laddr_ctl_register();
	defense_ctl_register();
	/* ipvsadm -R: one publication per BATCH, not one per line */
	ctl_register_batch(ipvs_batch_begin, ipvs_batch_end);
}
