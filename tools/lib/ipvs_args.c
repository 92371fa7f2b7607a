/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ipvsadm option lines from the daemon's config file, read by the very
 * parser ipvsadm uses (ipvsadm_parse.c), so a line that works on the
 * command line works in the file with the same meaning and the same
 * message when it is wrong. A service line is parsed as "ipvsadm -A LINE",
 * a real-server line as "ipvsadm -a <service> LINE".
 *
 * Host names are not resolved here (the daemon must not block on DNS at
 * start or reload); port names still go through getservbyname().
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "inet_parse.h"
#include "ipvs_args.h"
#include "ipvsadm_parse.h"

#define ARGS_MAX 64
#define LINE_MAX_LEN 1024

/* Runs `ipvsadm CMD LINE` through the parser; the message loses its
 * newline because the caller adds where the line came from. */
static int parse_line(const char *cmdword, const char *line, const struct dpvs_svc *preset,
		      struct ipvsadm_cmd *cmd, char *err, size_t errlen)
{
	char buf[LINE_MAX_LEN];
	char *argv[ARGS_MAX + 2];
	char msg[512];
	int n, rc;

	if (!line || strlen(line) >= sizeof(buf)) {
		snprintf(err, errlen, "ipvsadm options line missing or longer than %d bytes",
			 LINE_MAX_LEN - 1);
		return -EINVAL;
	}
	strcpy(buf, line);
	argv[0] = (char *)"ipvsadm";
	argv[1] = (char *)cmdword;
	n = spec_split(buf, argv + 2, ARGS_MAX);
	if (n < 0) {
		snprintf(err, errlen, "more than %d words in '%s'", ARGS_MAX, line);
		return -EINVAL;
	}
	rc = ipvsadm_parse(n + 2, argv, 0, preset, cmd, msg, sizeof(msg));
	if (rc == IPVSADM_PARSE_OK)
		return 0;
	msg[strcspn(msg, "\n")] = '\0';
	snprintf(err, errlen, "%s", msg);
	return -EINVAL;
}

int ipvs_args_service(const char *line, struct dpvs_svc *svc, char *err, size_t errlen)
{
	struct ipvsadm_cmd cmd;
	int rc = parse_line("-A", line, NULL, &cmd, err, errlen);

	if (rc == 0)
		*svc = cmd.svc;
	return rc;
}

int ipvs_args_dest(const char *line, const struct dpvs_svc *svc, struct dpvs_dest *dest,
		   char *err, size_t errlen)
{
	struct ipvsadm_cmd cmd;
	int rc;

	if (!svc) {
		snprintf(err, errlen, "real server '%s' without a service", line ? line : "");
		return -EINVAL;
	}
	rc = parse_line("-a", line, svc, &cmd, err, errlen);
	if (rc == 0)
		*dest = cmd.dest;
	return rc;
}
