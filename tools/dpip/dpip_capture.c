/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpip capture: tcpdump for the DPDK ports (see src/dp/capture.h):
 *
 *   dpip capture start dev NAME|any [rx|tx|both] [filter "EXPR"] [count N]
 *                      [snaplen N] file PATH
 *   dpip capture stop
 *   dpip capture show
 *
 * The daemon writes PATH (a pcap file, `tcpdump -r PATH`); a relative
 * PATH is taken from dpip's working directory. The filter is tcpdump's
 * language, checked by the daemon (libpcap's own error comes back).
 * start, stop and show print the capture's state:
 *
 *   capture running: dev dpdk0 both filter "tcp port 80" snaplen 2048 file /tmp/a.pcap
 *     engine ebpf-jit seen 120 matched 40 captured 40 written 38 ring-full 0
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dpip.h"

const char dpip_capture_usage[] =
    "Usage: dpip capture start dev NAME|any [rx|tx|both] [filter \"EXPR\"] [count N]\n"
    "                          [snaplen N] file PATH\n"
    "       dpip capture stop\n"
    "       dpip capture show\n"
    "  copies of the frames a port receives (rx), sends (tx) or both (default),\n"
    "  those matching EXPR (tcpdump's filter language; default: all), written by the\n"
    "  daemon into the pcap file PATH (read it with tcpdump -r PATH). count: stop\n"
    "  after N frames (default: at stop). snaplen: bytes kept per frame, 64..10240\n"
    "  (default 2048). One capture at a time; `dev any` captures every port.\n";

static int parse_num(const char *what, const char *v, unsigned long long lo, unsigned long long hi,
		     unsigned long long *out, char *err, size_t errlen)
{
	char *end;

	errno = 0;
	*out = strtoull(v, &end, 10);
	if (!*v || *v == '-' || *v == '+' || errno || *end || *out < lo || *out > hi)
		return dpip_fail(err, errlen, "bad %s '%s': expected %llu..%llu", what, v, lo, hi);
	return 0;
}

/* PATH as the daemon must see it: absolute. */
static int set_file(struct dpvs_capture_start *s, const char *v, char *err, size_t errlen)
{
	char cwd[DPVS_CAPTURE_PATH_MAX];
	int n;

	if (!*v)
		return dpip_fail(err, errlen, "empty file name");
	if (v[0] == '/')
		n = snprintf(s->file, sizeof(s->file), "%s", v);
	else if (getcwd(cwd, sizeof(cwd)))
		n = snprintf(s->file, sizeof(s->file), "%s/%s", cwd, v);
	else
		return dpip_fail(err, errlen, "file '%s': cannot make it absolute: %s", v,
			    strerror(errno));
	if (n < 0 || (size_t)n >= sizeof(s->file))
		return dpip_fail(err, errlen, "file: the path is longer than %d characters ('%.32s...')",
			    DPVS_CAPTURE_PATH_MAX - 1, v);
	return 0;
}

static int parse_start(int argc, char **argv, struct dpvs_capture_start *s, char *err,
		       size_t errlen)
{
	bool dir = false, have_filter = false, have_count = false, have_snap = false;

	memset(s, 0, sizeof(*s));
	s->dirs = DPVS_CAPTURE_RX | DPVS_CAPTURE_TX;
	for (int i = 0; i < argc; i++) {
		const char *k = argv[i];
		unsigned long long n;

		if (!strcmp(k, "rx") || !strcmp(k, "tx") || !strcmp(k, "both")) {
			if (dir)
				return dpip_fail(err, errlen, "'%s': the direction was given already",
					    k);
			dir = true;
			s->dirs = !strcmp(k, "rx")   ? DPVS_CAPTURE_RX
				  : !strcmp(k, "tx") ? DPVS_CAPTURE_TX
						     : DPVS_CAPTURE_RX | DPVS_CAPTURE_TX;
			continue;
		}
		if (strcmp(k, "dev") && strcmp(k, "filter") && strcmp(k, "count") &&
		    strcmp(k, "snaplen") && strcmp(k, "file"))
			return dpip_fail(err, errlen, "unexpected word '%s'", k);
		if (i + 1 >= argc)
			return dpip_fail(err, errlen, "'%s' needs a value", k);
		const char *v = argv[++i];

		if (!strcmp(k, "dev")) {
			if (s->ifname[0])
				return dpip_fail(err, errlen, "'dev' given twice");
			if (!*v || strlen(v) >= sizeof(s->ifname))
				return dpip_fail(err, errlen,
					    "bad device name '%s': 1..%d characters expected", v,
					    DPVS_IFNAMSIZ - 1);
			snprintf(s->ifname, sizeof(s->ifname), "%s", v);
		} else if (!strcmp(k, "filter")) {
			if (have_filter)
				return dpip_fail(err, errlen, "'filter' given twice");
			have_filter = true;
			if (strlen(v) >= sizeof(s->filter))
				return dpip_fail(err, errlen, "filter: longer than %d characters",
					    DPVS_CAPTURE_FILTER_MAX - 1);
			snprintf(s->filter, sizeof(s->filter), "%s", v);
		} else if (!strcmp(k, "count")) {
			if (have_count)
				return dpip_fail(err, errlen, "'count' given twice");
			have_count = true;
			if (parse_num("count", v, 1, UINT64_MAX, &n, err, errlen))
				return -EINVAL;
			s->count = n;
		} else if (!strcmp(k, "snaplen")) {
			if (have_snap)
				return dpip_fail(err, errlen, "'snaplen' given twice");
			have_snap = true;
			if (parse_num("snaplen", v, 64, 10240, &n, err, errlen))
				return -EINVAL;
			s->snaplen = (uint32_t)n;
		} else {
			if (s->file[0])
				return dpip_fail(err, errlen, "'file' given twice");
			if (set_file(s, v, err, errlen))
				return -EINVAL;
		}
	}
	if (!s->ifname[0])
		return dpip_fail(err, errlen, "which device? (dev NAME, or dev any)");
	if (!s->file[0])
		return dpip_fail(err, errlen, "missing file PATH (where the daemon writes the pcap)");
	return 0;
}

int dpip_capture_parse(int argc, char **argv, struct dpip_cmd *cmd, char *err, size_t errlen)
{
	const char *c = argc > 0 ? argv[0] : "show";

	cmd->usage = dpip_capture_usage;
	if (argc > 0) {
		argc--;
		argv++;
	}
	/* "s" is show, as in ip; start and stop need three letters */
	if (dpip_is_word(c, "start") && strlen(c) >= 3) {
		cmd->msg = DPVS_MSG_CAPTURE_START;
		cmd->req_len = sizeof(cmd->req.capture);
		return parse_start(argc, argv, &cmd->req.capture, err, errlen);
	}
	bool stop = dpip_is_word(c, "stop") && strlen(c) >= 3;

	if (stop || dpip_is_word(c, "show") || dpip_is_word(c, "list")) {
		cmd->msg = stop ? DPVS_MSG_CAPTURE_STOP : DPVS_MSG_CAPTURE_SHOW;
		if (argc > 0)
			return dpip_fail(err, errlen, "unexpected word '%s'", argv[0]);
		return 0;
	}
	return dpip_fail(err, errlen, "unknown command '%s' for capture (expected start, stop or show)",
		    c);
}

int dpip_capture_print(FILE *out, const struct dpip_cmd *cmd, const void *reply, uint32_t rlen,
		       char *err, size_t errlen)
{
	struct dpvs_capture_info ci;
	static const char *const dirs[] = {"none", "rx", "tx", "both"};

	(void)cmd;
	if (rlen != sizeof(ci)) {
		snprintf(err, errlen,
			 "capture: reply of %u bytes, expected %zu (dpip and dpvs of "
			 "different versions?)",
			 rlen, sizeof(ci));
		return -EBADMSG;
	}
	memcpy(&ci, reply, sizeof(ci));
	ci.ifname[sizeof(ci.ifname) - 1] = '\0';
	ci.engine[sizeof(ci.engine) - 1] = '\0';
	ci.stop_reason[sizeof(ci.stop_reason) - 1] = '\0';
	ci.filter[sizeof(ci.filter) - 1] = '\0';
	ci.file[sizeof(ci.file) - 1] = '\0';
	if (ci.state == DPVS_CAPTURE_NONE) {
		fprintf(out, "capture: none since dpvs started (refused %llu)\n",
			(unsigned long long)ci.refused);
		return 0;
	}
	if (ci.state == DPVS_CAPTURE_RUNNING)
		fprintf(out, "capture running:");
	else
		fprintf(out, "capture stopped (%s):", ci.stop_reason);
	fprintf(out, " dev %s %s filter \"%s\" snaplen %u", ci.ifname, dirs[ci.dirs & 3], ci.filter,
		ci.snaplen);
	if (ci.count)
		fprintf(out, " count %llu", (unsigned long long)ci.count);
	fprintf(out, " file %s\n", ci.file);
	fprintf(out,
		"  engine %s seen %llu matched %llu captured %llu written %llu ring-full %llu "
		"refused %llu\n",
		ci.engine, (unsigned long long)ci.seen, (unsigned long long)ci.matched,
		(unsigned long long)ci.captured, (unsigned long long)ci.written,
		(unsigned long long)ci.ring_full, (unsigned long long)ci.refused);
	return 0;
}
