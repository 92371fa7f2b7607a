/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fwmark_ctl: the control messages of the fwmark classifier (dpip fwmark
 * add|del|show). The rules themselves belong to ipvs/fwmark.c.
 */
#include <errno.h>
#include <stdlib.h>

#include "control/control.h"
#include "ctl/ctl.h"
#include "ipvs/ipvs.h"

static int h_fwmark_add(const struct dpvs_ctl_hdr *hdr, const void *payload, struct ctl_reply *rep)
{
	char err[256];
	int ret = ipvs_fwmark_add(payload, err, sizeof(err));

	(void)hdr;
	return ret < 0 ? ctl_reply_error(rep, ret, "%s", err) : 0;
}

static int h_fwmark_del(const struct dpvs_ctl_hdr *hdr, const void *payload, struct ctl_reply *rep)
{
	char err[256];
	int ret = ipvs_fwmark_del(payload, err, sizeof(err));

	(void)hdr;
	return ret < 0 ? ctl_reply_error(rep, ret, "%s", err) : 0;
}

static int h_fwmark_show(const struct dpvs_ctl_hdr *hdr, const void *payload, struct ctl_reply *rep)
{
	uint32_t n = ipvs_fwmark_list(NULL, 0);
	struct dpvs_list l = { .count = n, .entry_size = sizeof(struct dpvs_fwmark_rule) };
	struct dpvs_fwmark_rule *out = NULL;

	(void)hdr;
	(void)payload;
	if (ctl_reply_append(rep, &l, sizeof(l)) < 0 ||
	    (n && !(out = ctl_reply_alloc(rep, sizeof(*out) * n))))
		return ctl_reply_error(rep, -ENOMEM, "cannot list fwmark rules: out of memory");
	if (n)
		ipvs_fwmark_list(out, n);
	return 0;
}

void fwmark_ctl_register(void)
{
	const uint32_t len = sizeof(struct dpvs_fwmark_rule);

	ctl_register(DPVS_MSG_FWMARK_ADD, len, len, h_fwmark_add);
	ctl_register(DPVS_MSG_FWMARK_DEL, len, len, h_fwmark_del);
	ctl_register(DPVS_MSG_FWMARK_SHOW, 0, 0, h_fwmark_show);
}
