/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * laddr_ctl: the control messages of Full-NAT local addresses (ipvsadm
 * --add-laddr, --del-laddr, --get-laddr as DPVS's ipvsadm has them). The
 * LIPs themselves belong to ipvs/service.c, their flag to inet.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "control/control.h"
#include "ctl/ctl.h"
#include "ipvs/ipvs.h"

#define ERRLEN 256

static int h_laddr(const struct dpvs_ctl_hdr *hdr, const void *payload, struct ctl_reply *r)
{
	char err[ERRLEN] = "";
	int ret = hdr->type == DPVS_MSG_LADDR_ADD ? ipvs_laddr_add(payload, err, sizeof(err))
						  : ipvs_laddr_del(payload, err, sizeof(err));

	return ret < 0 ? ctl_reply_error(r, ret, "%s", err) : 0;
}

struct laddr_list {
	struct dpvs_laddr_entry *v;
	uint32_t n, cap;
};

static int laddr_push(struct laddr_list *l, const struct dpvs_laddr_entry *e)
{
	if (l->n == l->cap) {
		uint32_t cap = l->cap ? 2 * l->cap : 64;
		struct dpvs_laddr_entry *v = realloc(l->v, sizeof(*v) * cap);

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = *e;
	return 0;
}

/* One entry per LIP; a service without any still gets one (TOTAL 0). */
static int laddr_visit(uint32_t svc_id, const struct dpvs_svc *svc, const uint32_t *laddrs,
		       uint32_t n, void *arg)
{
	struct dpvs_laddr_entry e;

	memset(&e, 0, sizeof(e));
	e.svc = *svc;
	e.total = n;
	if (n == 0)
		return laddr_push(arg, &e);
	for (uint32_t k = 0; k < n; k++) {
		e.af = AF_INET;
		e.addr.in.s_addr = laddrs[k];
		ipvs_laddr_counts(svc_id, k, &e.conns, &e.conflicts);
		if (laddr_push(arg, &e) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int h_laddr_get(const struct dpvs_ctl_hdr *hdr, const void *payload, struct ctl_reply *r)
{
	const struct dpvs_svc *key = NULL;
	struct laddr_list l = {0};
	struct dpvs_list head;
	char err[ERRLEN] = "";
	int ret;

	if (hdr->flags & DPVS_MSG_F_SVC_KEY) {
		if (hdr->len != sizeof(struct dpvs_svc))
			return ctl_reply_error(r, -EINVAL, "service key: %u bytes, expected %zu",
					       hdr->len, sizeof(struct dpvs_svc));
		key = payload;
	} else if (hdr->len != 0) {
		return ctl_reply_error(r, -EINVAL, "payload without the service-key flag");
	}
	ret = ipvs_laddr_walk(key, laddr_visit, &l, err, sizeof(err));
	if (ret < 0) {
		free(l.v);
		return ctl_reply_error(r, ret, "%s", err);
	}
	head.count = l.n;
	head.entry_size = sizeof(struct dpvs_laddr_entry);
	ret = ctl_reply_append(r, &head, sizeof(head));
	if (ret == 0 && l.n)
		ret = ctl_reply_append(r, l.v, sizeof(*l.v) * l.n);
	free(l.v);
	return ret < 0 ? ctl_reply_error(r, -ENOMEM, "cannot list local addresses: out of memory")
		       : 0;
}

void laddr_ctl_register(void)
{
	const uint32_t len = sizeof(struct dpvs_laddr_req);

	ctl_register(DPVS_MSG_LADDR_ADD, len, len, h_laddr);
	ctl_register(DPVS_MSG_LADDR_DEL, len, len, h_laddr);
	ctl_register(DPVS_MSG_LADDR_GET, 0, sizeof(struct dpvs_svc), h_laddr_get);
}
