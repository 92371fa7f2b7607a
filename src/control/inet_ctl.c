/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * inet_ctl: the control messages of the stack (dpip addr/route/neigh),
 * mapped onto the inet_* control API. The server (ctl/) has already
 * checked the header and the payload length; each inet_* call checks the
 * fields and says what was wrong.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "control/control.h"
#include "ctl/ctl.h"
#include "inet/inet.h"

/* ADD/DEL of addresses, routes, neighbours: one struct in, a status out. */
static int inet_ctl_change(const struct dpvs_ctl_hdr *hdr, const void *payload,
			   struct ctl_reply *reply)
{
	union {
		struct dpvs_addr addr;
		struct dpvs_route route;
		struct dpvs_neigh neigh;
	} req;
	char err[DPVS_CTL_ERRMSG_MAX] = "";
	int rc;

	/* An aligned copy; the server checked the length against ours. */
	memset(&req, 0, sizeof(req));
	memcpy(&req, payload, hdr->len < sizeof(req) ? hdr->len : sizeof(req));
	switch (hdr->type) {
	case DPVS_MSG_ADDR_ADD:
		rc = inet_addr_add(&req.addr, err, sizeof(err));
		if (rc == 0 && req.addr.family == AF_INET) /* a moved VIP: tell the neighbours */
			garp_announce(req.addr.ifname, req.addr.addr.in.s_addr);
		break;
	case DPVS_MSG_ADDR_DEL:
		rc = inet_addr_del(&req.addr, err, sizeof(err));
		break;
	case DPVS_MSG_ROUTE_ADD:
		rc = inet_route_add(&req.route, err, sizeof(err));
		break;
	case DPVS_MSG_ROUTE_DEL:
		rc = inet_route_del(&req.route, err, sizeof(err));
		break;
	case DPVS_MSG_NEIGH_ADD:
		rc = inet_neigh_add(&req.neigh, err, sizeof(err));
		break;
	case DPVS_MSG_NEIGH_DEL:
		rc = inet_neigh_del(&req.neigh, err, sizeof(err));
		break;
	default:
		return ctl_reply_error(reply, -EOPNOTSUPP, "message type %u is not the stack's",
				       hdr->type);
	}
	return rc < 0 ? ctl_reply_error(reply, rc, "%s", err) : 0;
}

/*
 * A listing: dpvs_list + entries. The table may grow between counting
 * and copying (not from the control thread, but workers learn neighbours),
 * so copy into a buffer with some room and report what was copied.
 */
static int reply_list(struct ctl_reply *reply, size_t entry_size,
		      unsigned (*list)(void *out, unsigned max))
{
	unsigned n = list(NULL, 0);
	unsigned room = n + 16;
	void *buf = calloc(room, entry_size);

	if (!buf)
		return ctl_reply_error(reply, -ENOMEM, "out of memory listing %u entries", n);
	n = list(buf, room);
	if (n > room)
		n = room;

	struct dpvs_list head = { .count = n, .entry_size = (uint32_t)entry_size };
	int rc = ctl_reply_append(reply, &head, sizeof(head));

	if (rc == 0)
		rc = ctl_reply_append(reply, buf, n * entry_size);
	free(buf);
	if (rc < 0)
		return ctl_reply_error(reply, rc, "out of memory replying %u entries", n);
	return 0;
}

static unsigned list_addrs(void *out, unsigned max)
{
	return inet_addr_list(out, max);
}

static unsigned list_routes(void *out, unsigned max)
{
	return inet_route_list(out, max);
}

static unsigned list_neighs(void *out, unsigned max)
{
	return inet_neigh_list(out, max);
}

static int addr_show(const struct dpvs_ctl_hdr *hdr, const void *payload, struct ctl_reply *reply)
{
	(void)hdr;
	(void)payload;
	return reply_list(reply, sizeof(struct dpvs_addr), list_addrs);
}

static int route_show(const struct dpvs_ctl_hdr *hdr, const void *payload, struct ctl_reply *reply)
{
	(void)hdr;
	(void)payload;
	return reply_list(reply, sizeof(struct dpvs_route), list_routes);
}

static int neigh_show(const struct dpvs_ctl_hdr *hdr, const void *payload, struct ctl_reply *reply)
{
	(void)hdr;
	(void)payload;
	return reply_list(reply, sizeof(struct dpvs_neigh), list_neighs);
}

void inet_ctl_register(void)
{
	ctl_register(DPVS_MSG_ADDR_ADD, sizeof(struct dpvs_addr), 0, inet_ctl_change);
	ctl_register(DPVS_MSG_ADDR_DEL, sizeof(struct dpvs_addr), 0, inet_ctl_change);
	ctl_register(DPVS_MSG_ADDR_SHOW, 0, 0, addr_show);
	ctl_register(DPVS_MSG_ROUTE_ADD, sizeof(struct dpvs_route), 0, inet_ctl_change);
	ctl_register(DPVS_MSG_ROUTE_DEL, sizeof(struct dpvs_route), 0, inet_ctl_change);
	ctl_register(DPVS_MSG_ROUTE_SHOW, 0, 0, route_show);
	ctl_register(DPVS_MSG_NEIGH_ADD, sizeof(struct dpvs_neigh), 0, inet_ctl_change);
	ctl_register(DPVS_MSG_NEIGH_DEL, sizeof(struct dpvs_neigh), 0, inet_ctl_change);
	ctl_register(DPVS_MSG_NEIGH_SHOW, 0, 0, neigh_show);
}
