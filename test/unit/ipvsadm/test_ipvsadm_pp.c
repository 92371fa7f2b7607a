/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPVS's --proxy-protocol v1|v2|disable on ipvsadm -A/-E: what the parser
 * makes of it (the service's DPVS_SVC_F_PP_* flags), what it refuses
 * (another value, twice, another command), the same option in a config
 * file's service line (ipvs_args), and how -Ln (DPVS's " ppv2") and -S
 * ("--proxy-protocol v2", which -R takes back) show it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "format.h"
#include "ipvs_args.h"
#include "ipvsadm_parse.h"
#include "table.h"

#define MAXW 32

static int parse(const char *line, struct ipvsadm_cmd *cmd, char *msg, size_t len)
{
	char buf[512], *argv[MAXW], *save = NULL;
	int argc = 0;

	snprintf(buf, sizeof(buf), "%s", line);
	argv[argc++] = (char *)"ipvsadm";
	for (char *w = strtok_r(buf, " ", &save); w && argc < MAXW - 1;
	     w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	argv[argc] = NULL;
	msg[0] = '\0';
	return ipvsadm_parse(argc, argv, 0, NULL, cmd, msg, len);
}

static void test_parse(void **state)
{
	struct ipvsadm_cmd c;
	char msg[512];

	(void)state;
	assert_int_equal(parse("-A -t 10.0.0.1:80 -s rr --proxy-protocol v2", &c, msg, sizeof(msg)),
			 IPVSADM_PARSE_OK);
	assert_int_equal(c.svc.flags & DPVS_SVC_F_PP, DPVS_SVC_F_PP_V2);
	assert_int_equal(parse("-E -t 10.0.0.1:80 --proxy-protocol v1", &c, msg, sizeof(msg)),
			 IPVSADM_PARSE_OK);
	assert_int_equal(c.svc.flags & DPVS_SVC_F_PP, DPVS_SVC_F_PP_V1);
	assert_int_equal(parse("-E -t 10.0.0.1:80 --proxy-protocol disable", &c, msg, sizeof(msg)),
			 IPVSADM_PARSE_OK);
	assert_int_equal(c.svc.flags & DPVS_SVC_F_PP, 0);
	assert_int_equal(parse("-A -u 10.0.0.1:53 --proxy-protocol v2 -o", &c, msg, sizeof(msg)),
			 IPVSADM_PARSE_OK);
	assert_int_equal(c.svc.flags, DPVS_SVC_F_PP_V2 | DPVS_SVC_F_ONEPACKET);

	assert_int_not_equal(parse("-A -t 10.0.0.1:80 --proxy-protocol v3", &c, msg, sizeof(msg)),
			     IPVSADM_PARSE_OK);
	assert_string_equal(msg, "illegal proxy protocol `v3' specified (v1, v2 or disable)\n");
	assert_int_not_equal(parse("-A -t 10.0.0.1:80 --proxy-protocol v1 --proxy-protocol v2", &c,
				   msg, sizeof(msg)),
			     IPVSADM_PARSE_OK);
	assert_string_equal(msg, "multiple 'proxy-protocol' options specified\n");
	assert_int_not_equal(parse("-a -t 10.0.0.1:80 -r 1.2.3.4 --fullnat --proxy-protocol v2", &c,
				   msg, sizeof(msg)),
			     IPVSADM_PARSE_OK);
	assert_string_equal(msg, "Illegal 'proxy-protocol' option with the 'add-server' command\n");
	assert_int_not_equal(parse("-A -t 10.0.0.1:80 --proxy-protocol", &c, msg, sizeof(msg)),
			     IPVSADM_PARSE_OK);
}

static void test_config_line(void **state)
{
	struct dpvs_svc s;
	char err[256];

	(void)state;
	memset(&s, 0, sizeof(s));
	assert_int_equal(
	    ipvs_args_service("-t 10.0.0.1:80 -s rr --proxy-protocol v2", &s, err, sizeof(err)), 0);
	assert_int_equal(s.flags & DPVS_SVC_F_PP, DPVS_SVC_F_PP_V2);
	assert_int_not_equal(
	    ipvs_args_service("-t 10.0.0.1:80 --proxy-protocol 2", &s, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "illegal proxy protocol `2'"));
}

/* An SVC_LIST reply of services without dests. */
static void *reply_of(const struct dpvs_svc *svcs, unsigned n, uint32_t *len)
{
	size_t cap = sizeof(struct dpvs_list) + n * sizeof(struct dpvs_svc_entry);
	uint8_t *buf = calloc(1, cap);
	struct dpvs_list hdr = {.count = n, .entry_size = sizeof(struct dpvs_svc_entry)};

	assert_non_null(buf);
	memcpy(buf, &hdr, sizeof(hdr));
	for (unsigned i = 0; i < n; i++) {
		struct dpvs_svc_entry e;

		memset(&e, 0, sizeof(e));
		e.svc = svcs[i];
		memcpy(buf + sizeof(hdr) + i * sizeof(e), &e, sizeof(e));
	}
	*len = (uint32_t)cap;
	return buf;
}

static char *formatted(const struct ipvs_table *t, unsigned fmt)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	assert_non_null(f);
	fmt_services(f, t, fmt);
	fclose(f);
	return out;
}

static void test_listing(void **state)
{
	struct dpvs_svc s[3];
	struct ipvs_table t;
	uint32_t len;
	char err[256], *out;

	(void)state;
	memset(s, 0, sizeof(s));
	for (int i = 0; i < 3; i++) {
		s[i].af = AF_INET;
		s[i].addr.in.s_addr = inet_addr("10.0.0.1");
		snprintf(s[i].sched_name, sizeof(s[i].sched_name), "rr");
	}
	s[0].protocol = IPPROTO_TCP;
	s[0].port = htons(80);
	s[0].flags = DPVS_SVC_F_PP_V2;
	s[1].protocol = IPPROTO_TCP;
	s[1].port = htons(81);
	s[1].flags = DPVS_SVC_F_PP_V1;
	s[2].protocol = IPPROTO_UDP;
	s[2].port = htons(53);
	s[2].flags = DPVS_SVC_F_PP_V2 | DPVS_SVC_F_ONEPACKET;
	void *r = reply_of(s, 3, &len);

	assert_int_equal(ipvs_table_decode(r, len, &t, err, sizeof(err)), 0);
	free(r);
	ipvs_table_sort(&t);
	out = formatted(&t, IPVSADM_FMT_NUMERIC);
	assert_string_equal(out, "Prot LocalAddress:Port Scheduler Flags\n"
				 "  -> RemoteAddress:Port           Forward Weight ActiveConn "
				 "InActConn\n"
				 "TCP  10.0.0.1:80 rr ppv2\n"
				 "TCP  10.0.0.1:81 rr ppv1\n"
				 "UDP  10.0.0.1:53 rr ops ppv2\n");
	free(out);
	out = formatted(&t, IPVSADM_FMT_NUMERIC | IPVSADM_FMT_RULE);
	assert_string_equal(out, "-A -t 10.0.0.1:80 -s rr --proxy-protocol v2\n"
				 "-A -t 10.0.0.1:81 -s rr --proxy-protocol v1\n"
				 "-A -u 10.0.0.1:53 -s rr -o --proxy-protocol v2\n");
	free(out);
	ipvs_table_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse),
	    cmocka_unit_test(test_config_line),
	    cmocka_unit_test(test_listing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
