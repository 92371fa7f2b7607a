/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for ipvsadm's command line (tools/lib/ipvsadm_parse.c):
 * the same parser reads argv, every -R line and the daemon's config file.
 * The input is one command line, words split on blanks (the seeds in
 * corpus/ipvsadm_argv are lines of test/lab/test_17_ipvsadm.py: IPv4 and
 * IPv6 services and real servers, -f N -6, -s none, tunnels, the Full-NAT
 * local addresses). Checks more than "no crash": a verdict is one of the
 * four, a refusal has a newline-ended message, and a service that parsed
 * (IPv6 ones too) written back as ipvsadm -S writes its key parses again
 * to the same key.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ipvsadm_parse.h"

#define MAX_WORDS 32

/* "-t 10.0.0.1:80", "-u [2001:db8::1]:53", "-f 7 -6", as -S writes it */
static void key_words(const struct dpvs_svc *s, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (s->fwmark) {
		snprintf(buf, len, "-f %u%s", s->fwmark, s->af == AF_INET6 ? " -6" : "");
		return;
	}
	inet_ntop(s->af, &s->addr, a, sizeof(a));
	snprintf(buf, len, s->af == AF_INET6 ? "%s [%s]:%u" : "%s %s:%u",
		 s->protocol == IPPROTO_UDP ? "-u" : "-t", a, ntohs(s->port));
}

static int split(char *line, char **argv)
{
	int n = 1;

	argv[0] = (char *)"ipvsadm";
	for (char *w = strtok(line, " \t\n"); w && n < MAX_WORDS; w = strtok(NULL, " \t\n"))
		argv[n++] = w;
	argv[n] = NULL;
	return n;
}

static void check_key_roundtrip(const struct ipvsadm_cmd *c)
{
	char line[128], msg[1024], *argv[MAX_WORDS + 1];
	struct ipvsadm_cmd again;
	int argc;

	if (c->svc.protocol != IPPROTO_TCP && c->svc.protocol != IPPROTO_UDP && !c->svc.fwmark)
		return; /* another engineer's protocols (SCTP): not this check's */
	snprintf(line, sizeof(line), "-D ");
	key_words(&c->svc, line + 3, sizeof(line) - 3);
	argc = split(line, argv);
	if (ipvsadm_parse(argc, argv, 0, NULL, &again, msg, sizeof(msg)) != IPVSADM_PARSE_OK)
		abort();
	if (again.svc.af != c->svc.af || again.svc.fwmark != c->svc.fwmark ||
	    (!c->svc.fwmark &&
	     (again.svc.protocol != c->svc.protocol || again.svc.port != c->svc.port ||
	      memcmp(&again.svc.addr, &c->svc.addr, c->svc.af == AF_INET6 ? 16 : 4) != 0)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = malloc(size + 1), *argv[MAX_WORDS + 1], msg[1024];
	struct ipvsadm_cmd c;
	int argc, rc, ex;

	if (!line)
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';
	argc = split(line, argv);
	msg[0] = '\0';
	rc = ipvsadm_parse(argc, argv, 0, NULL, &c, msg, sizeof(msg));
	ex = ipvsadm_parse_exit_code(rc);
	if (ex != 0 && ex != 2 && ex != 255)
		abort();
	if (rc != IPVSADM_PARSE_OK) {
		size_t n = strlen(msg);

		if (n == 0 || msg[n - 1] != '\n')
			abort();
	} else if ((c.cmd == IPVSADM_CMD_ADD || c.cmd == IPVSADM_CMD_ADDDEST) &&
		   (c.options & IPVSADM_OPT(IPVSADM_OPT_SERVICE))) {
		if (c.svc.af != AF_INET && c.svc.af != AF_INET6)
			abort();
		/* a real server of the other family only for -i (ERRORS.md 6.5) */
		if (c.cmd == IPVSADM_CMD_ADDDEST && c.dest.af && c.dest.af != c.svc.af &&
		    (c.dest.conn_flags & DPVS_FWD_MASK) != DPVS_FWD_TUNNEL)
			abort();
		check_key_roundtrip(&c);
	}
	free(line);
	return 0;
}
