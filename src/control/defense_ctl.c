/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * defense_ctl: the control messages of the DoS defences (dpip defense
 * show|set). The settings and the workers' counters belong to
 * ipvs/defense.c.
 */
#include <errno.h>

#include "control/control.h"
#include "ctl/ctl.h"
#include "ipvs/ipvs.h"

static int h_defense_set(const struct dpvs_ctl_hdr *hdr, const void *payload,
			 struct ctl_reply *rep)
{
	char err[256];
	int ret = ipvs_defense_set(payload, err, sizeof(err));

	(void)hdr;
	return ret < 0 ? ctl_reply_error(rep, ret, "%s", err) : 0;
}

static int h_defense_get(const struct dpvs_ctl_hdr *hdr, const void *payload,
			 struct ctl_reply *rep)
{
	struct dpvs_defense_info *out = ctl_reply_alloc(rep, sizeof(*out));

	(void)hdr;
	(void)payload;
	if (!out)
		return ctl_reply_error(rep, -ENOMEM, "defense: out of memory");
	ipvs_defense_get(out);
	return 0;
}

void defense_ctl_register(void)
{
	const uint32_t len = sizeof(struct dpvs_defense);

	ctl_register(DPVS_MSG_DEFENSE_SET, len, len, h_defense_set);
	ctl_register(DPVS_MSG_DEFENSE_GET, 0, 0, h_defense_get);
}
