/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libipvs's ipvs_strerror() table, keyed by the dpvs request instead of
 * the libipvs function: the first row whose request matches (or is "any")
 * and whose errno matches wins; anything else is strerror(). Scripts match
 * these exact texts ("Service already exists"), so the daemon's own
 * message is not shown in their place.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "dpvs/ctl.h"
#include "errors.h"

#define ANY_MSG 0xffff

static const struct {
	uint16_t msg;
	int err;
	const char *text;
} table[] = {
	{ DPVS_MSG_SVC_ADD, EEXIST, "Service already exists" },
	{ DPVS_MSG_SVC_ADD, ENOENT, "Scheduler or persistence engine not found" },
	{ DPVS_MSG_SVC_EDIT, ESRCH, "No such service" },
	{ DPVS_MSG_SVC_EDIT, ENOENT, "Scheduler or persistence engine not found" },
	{ DPVS_MSG_SVC_DEL, ESRCH, "No such service" },
	{ DPVS_MSG_ZERO, ESRCH, "No such service" },
	{ DPVS_MSG_DEST_ADD, ESRCH, "Service not defined" },
	{ DPVS_MSG_DEST_ADD, EEXIST, "Destination already exists" },
	{ DPVS_MSG_DEST_EDIT, ESRCH, "Service not defined" },
	{ DPVS_MSG_DEST_EDIT, ENOENT, "No such destination" },
	{ DPVS_MSG_DEST_DEL, ESRCH, "Service not defined" },
	{ DPVS_MSG_DEST_DEL, ENOENT, "No such destination" },
	{ DPVS_MSG_SVC_LIST, ESRCH, "No such service" },
	{ ANY_MSG, EPERM, "Permission denied (you must be root)" },
	{ ANY_MSG, EINVAL,
	  "Invalid operation.  Possibly wrong module version, address not unicast, ..." },
	{ ANY_MSG, ENOPROTOOPT, "Protocol not available" },
	{ ANY_MSG, ENOMEM, "Memory allocation problem" },
	{ ANY_MSG, EOPNOTSUPP, "Operation not supported with IPv6" },
	{ ANY_MSG, EAFNOSUPPORT, "Operation not supported with specified address family" },
	{ ANY_MSG, EMSGSIZE, "Module is wrong version" },
};

const char *ipvsadm_strerror(uint16_t msg_type, int err)
{
	err = abs(err);
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if ((table[i].msg == msg_type || table[i].msg == ANY_MSG) && table[i].err == err)
			return table[i].text;
	return strerror(err);
}

const char *ipvsadm_error_text(uint16_t msg_type, int err, const char *daemon_msg)
{
	err = abs(err);
	/* the local-address commands are DPVS's: no ipvsadm text to keep */
	bool laddr = msg_type == DPVS_MSG_LADDR_ADD || msg_type == DPVS_MSG_LADDR_DEL ||
		     msg_type == DPVS_MSG_LADDR_GET;

	/* EOPNOTSUPP: a request LVS would take that dpvs does not serve
	 * (include/dpvs/ctl.h): 1.31's text for it ("Operation not supported
	 * with IPv6") would mislead, the daemon's says what is missing.
	 * ENOSPC: the daemon's tables are full (the kernel has no such limit:
	 * "No space left on device" would say nothing of which or why).
	 * EPROTOTYPE: a --proxy-protocol the daemon refuses (DPVS's option) */
	if ((laddr || err == ENETUNREACH || err == ELOOP || err == EOPNOTSUPP || err == ENOSPC ||
	     err == EPROTOTYPE) &&
	    daemon_msg && daemon_msg[0])
		return daemon_msg;
	return ipvsadm_strerror(msg_type, err);
}
