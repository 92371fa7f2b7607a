/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The one codec of the control protocol: how a header is built and which
 * headers are acceptable. The daemon's server checks every request with
 * ctl_hdr_check() and the client checks every reply with it, so both ends
 * refuse the same things for the same reasons.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ctl_codec.h"
#include "errf.h"

/*
 * Names indexed by type. A hole in this table is an unknown type: numbers
 * between the groups are reserved, and ctl_hdr_check() refuses them just
 * like numbers past DPVS_MSG_MAX.
 */
static const char *const ctl_msg_names[DPVS_MSG_MAX] = {
	[DPVS_MSG_PING] = "PING",
	[DPVS_MSG_CONFIG_RELOAD] = "CONFIG_RELOAD",
	[DPVS_MSG_STATS] = "STATS",
	[DPVS_MSG_BATCH] = "BATCH",
	[DPVS_MSG_LINK_SHOW] = "LINK_SHOW",
	[DPVS_MSG_LINK_SET] = "LINK_SET",
	[DPVS_MSG_ADDR_ADD] = "ADDR_ADD",
	[DPVS_MSG_ADDR_DEL] = "ADDR_DEL",
	[DPVS_MSG_ADDR_SHOW] = "ADDR_SHOW",
	[DPVS_MSG_ROUTE_ADD] = "ROUTE_ADD",
	[DPVS_MSG_ROUTE_DEL] = "ROUTE_DEL",
	[DPVS_MSG_ROUTE_SHOW] = "ROUTE_SHOW",
	[DPVS_MSG_NEIGH_ADD] = "NEIGH_ADD",
	[DPVS_MSG_NEIGH_DEL] = "NEIGH_DEL",
	[DPVS_MSG_NEIGH_SHOW] = "NEIGH_SHOW",
	[DPVS_MSG_SVC_ADD] = "SVC_ADD",
	[DPVS_MSG_SVC_EDIT] = "SVC_EDIT",
	[DPVS_MSG_SVC_DEL] = "SVC_DEL",
	[DPVS_MSG_SVC_FLUSH] = "SVC_FLUSH",
	[DPVS_MSG_SVC_LIST] = "SVC_LIST",
	[DPVS_MSG_DEST_ADD] = "DEST_ADD",
	[DPVS_MSG_DEST_EDIT] = "DEST_EDIT",
	[DPVS_MSG_DEST_DEL] = "DEST_DEL",
	[DPVS_MSG_ZERO] = "ZERO",
	[DPVS_MSG_TIMEOUT_SET] = "TIMEOUT_SET",
	[DPVS_MSG_TIMEOUT_GET] = "TIMEOUT_GET",
	[DPVS_MSG_CONN_LIST] = "CONN_LIST",
	[DPVS_MSG_LADDR_ADD] = "LADDR_ADD",
	[DPVS_MSG_LADDR_DEL] = "LADDR_DEL",
	[DPVS_MSG_LADDR_GET] = "LADDR_GET",
	[DPVS_MSG_FWMARK_ADD] = "FWMARK_ADD",
	[DPVS_MSG_FWMARK_DEL] = "FWMARK_DEL",
	[DPVS_MSG_FWMARK_SHOW] = "FWMARK_SHOW",
	[DPVS_MSG_CAPTURE_START] = "CAPTURE_START",
	[DPVS_MSG_CAPTURE_STOP] = "CAPTURE_STOP",
	[DPVS_MSG_CAPTURE_SHOW] = "CAPTURE_SHOW",
	[DPVS_MSG_CHECK_SHOW] = "CHECK_SHOW",
	[DPVS_MSG_DEFENSE_GET] = "DEFENSE_GET",
	[DPVS_MSG_DEFENSE_SET] = "DEFENSE_SET",
};

void ctl_hdr_init(struct dpvs_ctl_hdr *h, uint16_t type, uint32_t seq, uint32_t len)
{
	memset(h, 0, sizeof(*h));
	h->magic = DPVS_CTL_MAGIC;
	h->version = DPVS_CTL_VERSION;
	h->type = type;
	h->seq = seq;
	h->len = len;
}

const char *ctl_msg_name(uint16_t type)
{
	if (type < DPVS_MSG_MAX && ctl_msg_names[type])
		return ctl_msg_names[type];
	return "UNKNOWN";
}

/*
 * The order matters to the server: a bad magic or version means the rest
 * of the header cannot be trusted, and a length over the bound means the
 * framing is lost; only an unknown type leaves a stream the server can
 * skip over, so it is checked last.
 */
int ctl_hdr_check(const struct dpvs_ctl_hdr *h, char *err, size_t errlen)
{
	if (h->magic != DPVS_CTL_MAGIC)
		return dpvs_errf(err, errlen, -EBADMSG,
				 "bad magic 0x%08x (expected 0x%08x): not a dpvs control message",
				 h->magic, DPVS_CTL_MAGIC);
	if (h->version != DPVS_CTL_VERSION)
		return dpvs_errf(err, errlen, -EPROTO,
				 "control protocol version %u, this end speaks version %u: "
				 "use dpvs and its tools from the same build",
				 h->version, DPVS_CTL_VERSION);
	if (h->len > DPVS_CTL_MAX_PAYLOAD)
		return dpvs_errf(err, errlen, -EMSGSIZE,
				 "%s: payload of %u bytes exceeds the limit of %u bytes",
				 ctl_msg_name(h->type), h->len, DPVS_CTL_MAX_PAYLOAD);
	if (h->type >= DPVS_MSG_MAX || !ctl_msg_names[h->type])
		return dpvs_errf(err, errlen, -EOPNOTSUPP,
				 "unknown message type %u: dpvs and the tool are from different "
				 "versions?",
				 h->type);
	return 0;
}
