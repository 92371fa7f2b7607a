/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpip check: the daemon's health checks ([check:NAME] in the config
 * file, src/control/health.c), as they stand:
 *
 *   dpip check [show [NAME]]
 *
 * A line per check, then one per real server it covers:
 *   check web: http every 1 s, timeout 1 s, rise 2, fall 3, on fail quiesce (TCP 192.168.1.111:80)
 *     192.168.229.132:80 up weight 1 restore 1 last ok 0 s ago "http: status 200"
 *         consecutive ok 5 fail 0 probes 9 failures 0 not-sent 0 changes 0 changed never
 * (the server's line is one line; shown wrapped here). weight is what the
 * table holds now ("-" when the server is not in it: removed), restore
 * what coming back up gives it; a last result "not-sent" is the
 * director's own error (no route or address on its side), never held
 * against the server.
 */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "dpip.h"
#include "dpvs_client.h"
#include "dpvs/health.h"

const char dpip_check_usage[] =
    "Usage: dpip check [show [NAME]]\n"
    "  the health checks of the config file ([check:NAME]) and the state of each real\n"
    "  server they probe: up/down, weight now and to restore, the last result, the\n"
    "  consecutive successes and failures, probes, failures, state changes and when\n"
    "  the last change happened\n";

int dpip_check_parse(int argc, char **argv, struct dpip_cmd *cmd, char *err, size_t errlen)
{
	cmd->usage = dpip_check_usage;
	cmd->msg = DPVS_MSG_CHECK_SHOW;
	if (argc == 0)
		return 0;
	if (!dpip_is_word(argv[0], "show") && !dpip_is_word(argv[0], "list") &&
	    strcmp(argv[0], "ls") != 0)
		return dpip_fail(err, errlen, "unknown command '%s' for check (expected show)",
				 argv[0]);
	if (argc > 2)
		return dpip_fail(err, errlen, "unexpected word '%s'", argv[2]);
	if (argc == 2) {
		if (strlen(argv[1]) >= sizeof(cmd->req.check))
			return dpip_fail(err, errlen,
					 "check name '%s' is longer than %zu characters", argv[1],
					 sizeof(cmd->req.check) - 1);
		snprintf(cmd->req.check, sizeof(cmd->req.check), "%s", argv[1]);
		cmd->req_len = (uint32_t)strlen(argv[1]) + 1;
	}
	return 0;
}

static void print_ago(FILE *out, uint32_t s)
{
	if (s == DPVS_CHECK_NEVER)
		fputs("never", out);
	else
		fprintf(out, "%u s ago", s);
}

int dpip_check_print(FILE *out, const struct dpip_cmd *cmd, const void *reply, uint32_t rlen,
		     char *err, size_t errlen)
{
	const uint8_t *first;
	struct dpvs_list l;
	uint32_t count;
	char prev[DPVS_CHECK_NAME_MAX] = "";

	(void)cmd;
	first =
	    dpvs_list_entries(reply, rlen, sizeof(struct dpvs_check_entry), &count, err, errlen);
	if (!first)
		return -EBADMSG;
	memcpy(&l, reply, sizeof(l));
	if (count == 0)
		fputs("no health checks (add a [check:NAME] section to the config file)\n", out);
	for (uint32_t i = 0; i < count; i++) {
		struct dpvs_check_entry e;
		char a[INET_ADDRSTRLEN];

		memcpy(&e, first + (size_t)i * l.entry_size, sizeof(e));
		e.check[sizeof(e.check) - 1] = e.service[sizeof(e.service) - 1] = '\0';
		e.type[sizeof(e.type) - 1] = e.on_fail[sizeof(e.on_fail) - 1] = '\0';
		e.last[sizeof(e.last) - 1] = '\0';
		if (strcmp(prev, e.check) != 0) {
			fprintf(
			    out,
			    "check %s: %s every %u s, timeout %u s, rise %u, fall %u, on fail %s "
			    "(%s)\n",
			    e.check, e.type, e.interval, e.timeout, e.rise, e.fall, e.on_fail,
			    e.service);
			memcpy(prev, e.check, sizeof(prev));
		}
		inet_ntop(AF_INET, &e.addr.in, a, sizeof(a));
		fprintf(out, "  %s:%u %s weight ", a, ntohs(e.port),
			e.state == DPVS_CHECK_DOWN ? "down" : "up");
		if (e.weight < 0)
			fputs("-", out);
		else
			fprintf(out, "%d", e.weight);
		fprintf(out, " restore %d", e.restore_weight);
		if (e.since_probe == DPVS_CHECK_NEVER)
			fputs(" last none", out);
		else
			fprintf(out, " last %s %u s ago \"%s\"",
				e.last_ok == 1	 ? "ok"
				: e.last_ok == 2 ? "not-sent"
						 : "fail",
				e.since_probe, e.last);
		fprintf(out,
			" consecutive ok %u fail %u probes %llu failures %llu not-sent %llu "
			"changes %llu "
			"changed ",
			e.ok_run, e.fail_run, (unsigned long long)e.probes,
			(unsigned long long)e.failures, (unsigned long long)e.not_sent,
			(unsigned long long)e.changes);
		print_ago(out, e.since_change);
		fputc('\n', out);
	}
	return 0;
}
