/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpip: iproute2-style configuration of the dpvs data plane (links,
 * addresses, routes, neighbours, worker stats).
 *
 * The tool is three pure steps and one impure one: dpip_parse() turns the
 * command line into a request (dpip_args.c), main.c sends it with
 * libdpvsctl, dpip_print() turns the reply into text (dpip_fmt.c). The
 * pure steps are unit-tested without a daemon.
 *
 * Exit status: 0 done (and for help), 1 the daemon or the socket said no,
 * 2 the command line was wrong.
 */
#ifndef DPVS_DPIP_H
#define DPVS_DPIP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "dpvs/ctl.h"
#include "dpvs/health.h"

#define DPIP_EXIT_OK 0
#define DPIP_EXIT_FAIL 1
#define DPIP_EXIT_USAGE 2

/* dpip_parse() results besides 0 and a negative errno */
#define DPIP_HELP 1

struct dpip_cmd {
	uint16_t msg;       /* request type (enum dpvs_msg_type) */
	int stats;          /* -s given this many times */
	char ifname[DPVS_IFNAMSIZ]; /* show: only this device; empty = all */
	uint32_t req_len;   /* bytes of req to send */
	union {
		struct dpvs_addr addr;
		struct dpvs_route route;
		struct dpvs_neigh neigh;
		struct dpvs_fwmark_rule fwmark;
		struct dpvs_link_set link;
		struct dpvs_capture_start capture;
		char check[DPVS_CHECK_NAME_MAX]; /* check show NAME */
		struct dpvs_defense defense;
	} req;
	const char *usage;  /* usage text of the level the parse reached */
};

/*
 * argv without the program name. Returns 0 (cmd ready to send),
 * DPIP_HELP (print cmd->usage, exit 0), or -EINVAL with the reason in
 * err (print it and cmd->usage, exit 2). -V is handled like help with the
 * version as "usage".
 */
int dpip_parse(int argc, char **argv, struct dpip_cmd *cmd, char *err, size_t errlen);

/*
 * Prints the reply to cmd (rlen payload bytes) to out. 0, or -EBADMSG
 * with a message when the reply is not what the request asks for.
 */
int dpip_print(FILE *out, const struct dpip_cmd *cmd, const void *reply, uint32_t rlen,
	       char *err, size_t errlen);

/* dpip_fwmark.c: the fwmark object (classifier rules for fwmark services) */
extern const char dpip_fwmark_usage[];
/* Shared by the sub-command parsers: the message into err, -EINVAL. */
int dpip_fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* w is a (non-empty) prefix of the keyword full, as ip abbreviates. */
bool dpip_is_word(const char *w, const char *full);

int dpip_fwmark_parse(int argc, char **argv, struct dpip_cmd *cmd, char *err, size_t errlen);
int dpip_fwmark_print(FILE *out, const struct dpip_cmd *cmd, const void *reply, uint32_t rlen,
		      char *err, size_t errlen);

/* dpip_capture.c: packet capture on the ports */
extern const char dpip_capture_usage[];
int dpip_capture_parse(int argc, char **argv, struct dpip_cmd *cmd, char *err, size_t errlen);
int dpip_capture_print(FILE *out, const struct dpip_cmd *cmd, const void *reply, uint32_t rlen,
		       char *err, size_t errlen);

/* dpip_check.c: the health checks' state */
extern const char dpip_check_usage[];
int dpip_check_parse(int argc, char **argv, struct dpip_cmd *cmd, char *err, size_t errlen);
int dpip_check_print(FILE *out, const struct dpip_cmd *cmd, const void *reply, uint32_t rlen,
		     char *err, size_t errlen);
/* dpip_defense.c: the DoS defences (LVS's drop_entry, drop_packet, secure_tcp) */
extern const char dpip_defense_usage[];
int dpip_defense_parse(int argc, char **argv, struct dpip_cmd *cmd, char *err, size_t errlen);
int dpip_defense_print(FILE *out, const struct dpip_cmd *cmd, const void *reply, uint32_t rlen,
		       char *err, size_t errlen);

#endif /* DPVS_DPIP_H */
