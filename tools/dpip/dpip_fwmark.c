/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpip fwmark: the daemon's fwmark classifier rules, the iptables -j MARK
 * of a DPDK balancer (see src/ipvs/fwmark.c):
 *
 *   dpip fwmark add [proto tcp|udp|any] dst PREFIX [dport PORT[-PORT]] mark MARK
 *   dpip fwmark del (the same words as the rule was added with)
 *   dpip fwmark show [-s]
 *
 * One line per rule, in match order (first match wins):
 *   proto tcp dst 192.168.1.111/32 dport 80-90 mark 5 [packets N]
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "dpip.h"
#include "dpvs_client.h"
#include "inet_parse.h"

const char dpip_fwmark_usage[] =
    "Usage: dpip fwmark add [proto tcp|udp|any] dst PREFIX [dport PORT[-PORT]] mark MARK\n"
    "       dpip fwmark del [proto tcp|udp|any] dst PREFIX [dport PORT[-PORT]] mark MARK\n"
    "       dpip fwmark show [-s]\n"
    "  marks packets for fwmark services (ipvsadm -f MARK); the first matching rule,\n"
    "  in the order added, wins. proto defaults to any (tcp and udp), dport to all.\n"
    "  -s: packets marked by each rule\n";

static int parse_u32(const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	*v = strtoul(s, &end, 10);
	return (errno || *end || *v > max) ? -1 : 0;
}

/* PORT or PORT-PORT */
static int parse_ports(const char *s, struct dpvs_fwmark_rule *r, char *err, size_t errlen)
{
	char buf[16];
	const char *dash = strchr(s, '-');
	unsigned long lo, hi;

	if (strlen(s) >= sizeof(buf))
		return dpip_fail(err, errlen, "bad dport '%s': expected PORT or PORT-PORT", s);
	snprintf(buf, sizeof(buf), "%s", s);
	if (dash)
		buf[dash - s] = '\0';
	if (parse_u32(buf, 65535, &lo) || (dash && parse_u32(dash + 1, 65535, &hi)))
		return dpip_fail(err, errlen, "bad dport '%s': ports are 0..65535", s);
	if (!dash)
		hi = lo;
	if (lo > hi)
		return dpip_fail(err, errlen, "bad dport '%s': the range is empty", s);
	r->dport_min = (uint16_t)lo;
	r->dport_max = (uint16_t)hi;
	return 0;
}

static int parse_rule(int argc, char **argv, struct dpvs_fwmark_rule *r, char *err, size_t errlen)
{
	bool have_dst = false, have_mark = false;

	memset(r, 0, sizeof(*r));
	r->family = AF_INET;
	r->dport_max = 65535;
	for (int i = 0; i < argc; i += 2) {
		const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		unsigned long n;

		if (!v)
			return dpip_fail(err, errlen, "'%s' needs a value", k);
		if (strcmp(k, "proto") == 0) {
			if (strcmp(v, "tcp") == 0)
				r->protocol = IPPROTO_TCP;
			else if (strcmp(v, "udp") == 0)
				r->protocol = IPPROTO_UDP;
			else if (strcmp(v, "any") == 0)
				r->protocol = 0;
			else
				return dpip_fail(err, errlen, "bad proto '%s': expected tcp, udp or any",
					    v);
		} else if (strcmp(k, "dst") == 0) {
			uint8_t family, plen;

			if (inet_parse_prefix(v, &family, &r->daddr, &plen) || family != AF_INET)
				return dpip_fail(err, errlen, "bad dst '%s': expected an IPv4 PREFIX",
					    v);
			r->prefixlen = plen;
			if (plen < 32 && (ntohl(r->daddr.in.s_addr) & (0xffffffffu >> plen)))
				return dpip_fail(err, errlen, "bad dst '%s': host bits set for /%u", v,
					    plen);
			have_dst = true;
		} else if (strcmp(k, "dport") == 0) {
			if (parse_ports(v, r, err, errlen))
				return -EINVAL;
		} else if (strcmp(k, "mark") == 0) {
			if (parse_u32(v, UINT32_MAX, &n) || n == 0)
				return dpip_fail(err, errlen, "bad mark '%s': expected 1..4294967295",
					    v);
			r->mark = (uint32_t)n;
			have_mark = true;
		} else {
			return dpip_fail(err, errlen, "unexpected word '%s'", k);
		}
	}
	if (!have_dst)
		return dpip_fail(err, errlen, "missing dst PREFIX");
	if (!have_mark)
		return dpip_fail(err, errlen, "missing mark MARK");
	return 0;
}

int dpip_fwmark_parse(int argc, char **argv, struct dpip_cmd *cmd, char *err, size_t errlen)
{
	const char *c = argc > 0 ? argv[0] : "show";

	cmd->usage = dpip_fwmark_usage;
	if (argc > 0) {
		argc--;
		argv++;
	}
	if (dpip_is_word(c, "add") || strcmp(c, "del") == 0 || dpip_is_word(c, "delete")) {
		cmd->msg = dpip_is_word(c, "add") ? DPVS_MSG_FWMARK_ADD : DPVS_MSG_FWMARK_DEL;
		cmd->req_len = sizeof(cmd->req.fwmark);
		return parse_rule(argc, argv, &cmd->req.fwmark, err, errlen);
	}
	if (dpip_is_word(c, "show") || dpip_is_word(c, "list") || strcmp(c, "ls") == 0) {
		cmd->msg = DPVS_MSG_FWMARK_SHOW;
		for (int i = 0; i < argc; i++) {
			if (strcmp(argv[i], "-s") != 0)
				return dpip_fail(err, errlen, "unexpected word '%s'", argv[i]);
			cmd->stats++;
		}
		return 0;
	}
	return dpip_fail(err, errlen, "unknown command '%s' for fwmark (expected add, del or show)", c);
}

int dpip_fwmark_print(FILE *out, const struct dpip_cmd *cmd, const void *reply, uint32_t rlen,
		      char *err, size_t errlen)
{
	const uint8_t *first;
	struct dpvs_list l;
	uint32_t count;

	first =
	    dpvs_list_entries(reply, rlen, sizeof(struct dpvs_fwmark_rule), &count, err, errlen);
	if (!first)
		return -EBADMSG;
	memcpy(&l, reply, sizeof(l));
	for (uint32_t i = 0; i < count; i++) {
		struct dpvs_fwmark_rule r;
		char a[INET_ADDRSTRLEN];

		memcpy(&r, first + (size_t)i * l.entry_size, sizeof(r));
		inet_ntop(AF_INET, &r.daddr.in, a, sizeof(a));
		fprintf(out, "proto %s dst %s/%u",
			r.protocol == IPPROTO_TCP   ? "tcp"
			: r.protocol == IPPROTO_UDP ? "udp"
						    : "any",
			a, r.prefixlen);
		if (r.dport_min == r.dport_max)
			fprintf(out, " dport %u", r.dport_min);
		else if (r.dport_min != 0 || r.dport_max != 65535)
			fprintf(out, " dport %u-%u", r.dport_min, r.dport_max);
		fprintf(out, " mark %u", r.mark);
		if (cmd->stats)
			fprintf(out, " packets %llu", (unsigned long long)r.packets);
		fputc('\n', out);
	}
	return 0;
}
