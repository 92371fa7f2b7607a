/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * health_ctl: DPVS_MSG_CHECK_SHOW, the check state of every checked real
 * server (dpip check show [NAME]). The checks belong to health.c.
 */
#include <errno.h>
#include <string.h>

#include "control/control.h"
#include "control/health.h"
#include "ctl/ctl.h"
#include "dpvs/health.h"

/* what one reply can carry; a name narrows a listing that would not fit */
#define MAX_ENTRIES                                                                                \
	((DPVS_CTL_MAX_PAYLOAD - sizeof(struct dpvs_list)) / sizeof(struct dpvs_check_entry))

static int h_check_show(const struct dpvs_ctl_hdr *hdr, const void *payload, struct ctl_reply *rep)
{
	char name[DPVS_CHECK_NAME_MAX];
	const char *want = NULL;
	uint32_t n;
	struct dpvs_list l = {.entry_size = sizeof(struct dpvs_check_entry)};
	struct dpvs_check_entry *out = NULL;

	if (hdr->len) {
		if (memchr(payload, '\0', hdr->len) == NULL)
			return ctl_reply_error(rep, -EINVAL, "check name is not NUL-terminated");
		memcpy(name, payload, hdr->len);
		want = name;
	}
	n = health_list(want, NULL, 0);
	if (want && n == 0)
		return ctl_reply_error(rep, -ENOENT, "no [check:%s] in force", want);
	if (n > MAX_ENTRIES)
		return ctl_reply_error(rep, -E2BIG,
				       "%u checked servers do not fit one reply (at most %zu): "
				       "ask for one check by name",
				       n, (size_t)MAX_ENTRIES);
	l.count = n;
	if (ctl_reply_append(rep, &l, sizeof(l)) < 0 ||
	    (n && !(out = ctl_reply_alloc(rep, sizeof(*out) * n))))
		return ctl_reply_error(rep, -ENOMEM, "cannot list the checks: out of memory");
	if (n)
		health_list(want, out, n);
	return 0;
}

void health_ctl_register(void)
{
	ctl_register(DPVS_MSG_CHECK_SHOW, 0, DPVS_CHECK_NAME_MAX, h_check_show);
}
