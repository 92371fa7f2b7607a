/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpip capture without a daemon: command lines (the filter one argument,
 * as a shell passes "tcp port 80") become the right CAPTURE_* request or
 * the right complaint, and a capture's state prints as documented.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "dpip.h"

#define ARGS(...) ((char *[]){__VA_ARGS__, NULL})

static int argc_of(char **argv)
{
	int n = 0;

	while (argv[n])
		n++;
	return n;
}

static int parse(char **argv, struct dpip_cmd *c, char *err, size_t errlen)
{
	return dpip_parse(argc_of(argv), argv, c, err, errlen);
}

static void test_start_full(void **state)
{
	struct dpip_cmd c;
	char err[256] = "";

	(void)state;
	assert_int_equal(parse(ARGS("capture", "start", "dev", "dpdk0", "rx", "filter",
				    "tcp port 80 and host 192.168.1.10", "count", "100", "snaplen",
				    "128", "file", "/tmp/x.pcap"),
			       &c, err, sizeof(err)),
			 0);
	assert_int_equal(c.msg, DPVS_MSG_CAPTURE_START);
	assert_int_equal(c.req_len, sizeof(struct dpvs_capture_start));
	assert_string_equal(c.req.capture.ifname, "dpdk0");
	assert_int_equal(c.req.capture.dirs, DPVS_CAPTURE_RX);
	assert_string_equal(c.req.capture.filter, "tcp port 80 and host 192.168.1.10");
	assert_int_equal(c.req.capture.count, 100);
	assert_int_equal(c.req.capture.snaplen, 128);
	assert_string_equal(c.req.capture.file, "/tmp/x.pcap");
}

static void test_start_defaults_and_relative_file(void **state)
{
	struct dpip_cmd c;
	char err[256] = "", cwd[200], want[256];

	(void)state;
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	snprintf(want, sizeof(want), "%s/cap.pcap", cwd);
	assert_int_equal(
	    parse(ARGS("cap", "start", "file", "cap.pcap", "dev", "any"), &c, err, sizeof(err)), 0);
	assert_int_equal(c.req.capture.dirs, DPVS_CAPTURE_RX | DPVS_CAPTURE_TX);
	assert_string_equal(c.req.capture.ifname, "any");
	assert_string_equal(c.req.capture.filter, "");
	assert_int_equal(c.req.capture.count, 0);
	assert_int_equal(c.req.capture.snaplen, 0); /* the daemon's default */
	assert_string_equal(c.req.capture.file, want);
	assert_int_equal(parse(ARGS("capture", "start", "dev", "dpdk1", "tx", "file", "/a"), &c,
			       err, sizeof(err)),
			 0);
	assert_int_equal(c.req.capture.dirs, DPVS_CAPTURE_TX);
	assert_int_equal(parse(ARGS("capture", "start", "dev", "dpdk1", "both", "file", "/a"), &c,
			       err, sizeof(err)),
			 0);
	assert_int_equal(c.req.capture.dirs, DPVS_CAPTURE_RX | DPVS_CAPTURE_TX);
}

static void test_stop_show(void **state)
{
	struct dpip_cmd c;
	char err[256] = "";

	(void)state;
	assert_int_equal(parse(ARGS("capture", "stop"), &c, err, sizeof(err)), 0);
	assert_int_equal(c.msg, DPVS_MSG_CAPTURE_STOP);
	assert_int_equal(c.req_len, 0);
	assert_int_equal(parse(ARGS("capture", "sto"), &c, err, sizeof(err)), 0);
	assert_int_equal(c.msg, DPVS_MSG_CAPTURE_STOP);
	assert_int_equal(
	    parse(ARGS("capture", "sta", "dev", "a", "file", "/a"), &c, err, sizeof(err)), 0);
	assert_int_equal(c.msg, DPVS_MSG_CAPTURE_START);
	/* "st" could be either: neither is guessed */
	assert_int_equal(parse(ARGS("capture", "st"), &c, err, sizeof(err)), -EINVAL);
	assert_int_equal(parse(ARGS("capture", "show"), &c, err, sizeof(err)), 0);
	assert_int_equal(c.msg, DPVS_MSG_CAPTURE_SHOW);
	assert_int_equal(parse(ARGS("capture", "s"), &c, err, sizeof(err)), 0);
	assert_int_equal(c.msg, DPVS_MSG_CAPTURE_SHOW);
	assert_int_equal(parse(ARGS("capture"), &c, err, sizeof(err)), 0);
	assert_int_equal(c.msg, DPVS_MSG_CAPTURE_SHOW);
	assert_int_equal(parse(ARGS("capture", "help"), &c, err, sizeof(err)), DPIP_HELP);
	assert_non_null(strstr(c.usage, "dpip capture start dev NAME|any"));
}

static void test_errors(void **state)
{
	static const char long_name[] = "abcdefghijklmnopq";
	char long_filter[DPVS_CAPTURE_FILTER_MAX + 8], long_file[DPVS_CAPTURE_PATH_MAX + 8];
	struct {
		char **argv;
		const char *msg;
	} bad[] = {
	    {ARGS("capture", "start", "file", "/a"), "which device?"},
	    {ARGS("capture", "start", "dev", "dpdk0"), "missing file PATH"},
	    {ARGS("capture", "start", "dev", "dpdk0", "file"), "'file' needs a value"},
	    {ARGS("capture", "start", "dev", (char *)long_name, "file", "/a"), "bad device name"},
	    {ARGS("capture", "start", "dev", "a", "dev", "b", "file", "/a"), "'dev' given twice"},
	    {ARGS("capture", "start", "dev", "a", "rx", "tx", "file", "/a"),
	     "'tx': the direction was given already"},
	    {ARGS("capture", "start", "dev", "a", "count", "0", "file", "/a"), "bad count '0'"},
	    {ARGS("capture", "start", "dev", "a", "count", "-1", "file", "/a"), "bad count '-1'"},
	    {ARGS("capture", "start", "dev", "a", "count", "1x", "file", "/a"), "bad count '1x'"},
	    {ARGS("capture", "start", "dev", "a", "snaplen", "63", "file", "/a"),
	     "bad snaplen '63': expected 64..10240"},
	    {ARGS("capture", "start", "dev", "a", "snaplen", "10241", "file", "/a"),
	     "bad snaplen '10241'"},
	    {ARGS("capture", "start", "dev", "a", "file", ""), "empty file name"},
	    {ARGS("capture", "start", "dev", "a", "file", "/a", "file", "/b"),
	     "'file' given twice"},
	    {ARGS("capture", "start", "dev", "a", "filter", "x", "filter", "y", "file", "/a"),
	     "'filter' given twice"},
	    {ARGS("capture", "start", "dev", "a", "bogus", "file", "/a"),
	     "unexpected word 'bogus'"},
	    {ARGS("capture", "start", "dev", "a", "filter", long_filter, "file", "/a"),
	     "filter: longer than"},
	    {ARGS("capture", "start", "dev", "a", "file", long_file), "the path is longer"},
	    {ARGS("capture", "stop", "now"), "unexpected word 'now'"},
	    {ARGS("capture", "frob"), "unknown command 'frob' for capture"},
	};
	struct dpip_cmd c;
	char err[256];

	(void)state;
	memset(long_filter, 'x', sizeof(long_filter) - 1);
	long_filter[sizeof(long_filter) - 1] = '\0';
	memset(long_file, 'f', sizeof(long_file) - 1);
	long_file[0] = '/';
	long_file[sizeof(long_file) - 1] = '\0';
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(parse(bad[i].argv, &c, err, sizeof(err)), -EINVAL);
		if (!strstr(err, bad[i].msg))
			fail_msg("case %zu: got '%s', want '%s'", i, err, bad[i].msg);
		if (!strstr(c.usage, "dpip capture start"))
			fail_msg("case %zu: usage is not capture's", i);
	}
}

static char *print(const struct dpip_cmd *cmd, const void *reply, uint32_t rlen, int want_rc)
{
	char *out = NULL, err[256] = "";
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	assert_non_null(f);
	assert_int_equal(dpip_print(f, cmd, reply, rlen, err, sizeof(err)), want_rc);
	fclose(f);
	return out;
}

static void test_print(void **state)
{
	struct dpip_cmd c = {.msg = DPVS_MSG_CAPTURE_SHOW};
	struct dpvs_capture_info ci = {0};
	char *out;

	(void)state;
	ci.refused = 2;
	out = print(&c, &ci, sizeof(ci), 0);
	assert_string_equal(out, "capture: none since dpvs started (refused 2)\n");
	free(out);

	ci.state = DPVS_CAPTURE_RUNNING;
	ci.dirs = DPVS_CAPTURE_RX | DPVS_CAPTURE_TX;
	ci.snaplen = 2048;
	snprintf(ci.ifname, sizeof(ci.ifname), "dpdk0");
	snprintf(ci.engine, sizeof(ci.engine), "ebpf-jit");
	snprintf(ci.filter, sizeof(ci.filter), "tcp port 80");
	snprintf(ci.file, sizeof(ci.file), "/tmp/a.pcap");
	ci.seen = 120;
	ci.matched = 40;
	ci.captured = 40;
	ci.written = 38;
	out = print(&c, &ci, sizeof(ci), 0);
	assert_string_equal(out, "capture running: dev dpdk0 both filter \"tcp port 80\" snaplen "
				 "2048 file /tmp/a.pcap\n"
				 "  engine ebpf-jit seen 120 matched 40 captured 40 written 38 "
				 "ring-full 0 refused 2\n");
	free(out);

	ci.state = DPVS_CAPTURE_STOPPED;
	ci.dirs = DPVS_CAPTURE_RX;
	ci.count = 10;
	snprintf(ci.stop_reason, sizeof(ci.stop_reason), "count reached");
	c.msg = DPVS_MSG_CAPTURE_STOP;
	out = print(&c, &ci, sizeof(ci), 0);
	assert_non_null(strstr(out, "capture stopped (count reached): dev dpdk0 rx filter "
				    "\"tcp port 80\" snaplen 2048 count 10 file /tmp/a.pcap\n"));
	free(out);

	/* a reply of another size is another version's struct */
	out = print(&c, &ci, sizeof(ci) - 8, -EBADMSG);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_start_full),
	    cmocka_unit_test(test_start_defaults_and_relative_file),
	    cmocka_unit_test(test_stop_show),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_print),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
