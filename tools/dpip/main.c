/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpip's entry point: parse, ask the daemon, print. Everything that can
 * be tested without a daemon lives in dpip_args.c and dpip_fmt.c.
 */
#include <stdio.h>
#include <stdlib.h>

#include "dpip.h"
#include "dpvs_client.h"

int main(int argc, char **argv)
{
	struct dpip_cmd cmd;
	char err[DPVS_CTL_ERRMSG_MAX];
	void *reply = NULL;
	uint32_t rlen = 0;
	int rc;

	rc = dpip_parse(argc - 1, argv + 1, &cmd, err, sizeof(err));
	if (rc == DPIP_HELP) {
		fputs(cmd.usage, stdout);
		return DPIP_EXIT_OK;
	}
	if (rc) {
		fprintf(stderr, "dpip: %s\n%s", err, cmd.usage);
		return DPIP_EXIT_USAGE;
	}
	rc = dpvs_request(cmd.msg, 0, cmd.req_len ? &cmd.req : NULL, cmd.req_len, &reply, &rlen,
			  err, sizeof(err));
	if (rc) {
		fprintf(stderr, "dpip: %s\n", err);
		return DPIP_EXIT_FAIL;
	}
	rc = dpip_print(stdout, &cmd, reply, rlen, err, sizeof(err));
	free(reply);
	if (rc) {
		fprintf(stderr, "dpip: %s\n", err);
		return DPIP_EXIT_FAIL;
	}
	if (fflush(stdout)) {
		perror("dpip: stdout");
		return DPIP_EXIT_FAIL;
	}
	return DPIP_EXIT_OK;
}
