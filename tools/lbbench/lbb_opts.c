/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lbb_opts: lbbench's option parser (see lbb_opts.h). Its own small loop
 * instead of getopt_long: re-entrant (the tests parse many command lines
 * in one process) and every error names the option and the value.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lbb_opts.h"

#define MAX_FLOWS 10000000ull

static const char *const mode_names[] = {
	[LBB_MODE_UDP] = "udp",
	[LBB_MODE_TCP_CPS] = "tcp-cps",
	[LBB_MODE_LATENCY] = "latency",
};

const char *lbb_mode_name(enum lbb_mode m)
{
	return m <= LBB_MODE_LATENCY ? mode_names[m] : "?";
}

static const char *const fwd_names[] = {
	[LBB_FWD_NONE] = "none", [LBB_FWD_NAT] = "nat", [LBB_FWD_DR] = "dr",
	[LBB_FWD_TUN] = "tun",   [LBB_FWD_FNAT] = "fnat",
};

const char *lbb_fwd_name(enum lbb_fwd f)
{
	return f <= LBB_FWD_FNAT ? fwd_names[f] : "?";
}

void lbb_opts_usage(FILE *f, const char *prog)
{
	fprintf(f,
"Usage: %s [EAL options] -- [options]\n"
"Plays the clients (port 0) and the real servers (port 1) around a load\n"
"balancer (or dpdk-testpmd, for the ceiling) and measures it.\n"
"\n"
"  --mode udp|tcp-cps|latency  what to measure (default udp)\n"
"  --fwd nat|dr|tun|fnat|none  what the box does: dpvs NAT (-m), DR (-g),\n"
"                           TUN (-i, IPIP from --gw), Full-NAT (-b, from --lip),\n"
"                           or nothing (testpmd io/macswap: the ceiling)\n"
"                           (default nat; dr and tun: udp --no-reply only)\n"
"  --lip A[-B]              Full-NAT's local addresses (default 192.168.229.140)\n"
"  --loopback               one port: client frames come back on it\n"
"                           unmodified (testpmd macswap); implies --fwd none\n"
"  --duration S             measured seconds (default 10); every run ends\n"
"  --warmup S               seconds of traffic before counting (default 1)\n"
"  --flows N                udp/latency: concurrent flows, 1..10000000 (default 1024)\n"
"  --measured-flows K       udp/latency: the warm-up sends on all --flows, the\n"
"                           measured part on the first K of them only: the box's\n"
"                           connections of the others go quiet and time out\n"
"                           together while K flows go on (default: all)\n"
"  --flow-order seq|stride  udp/latency: the measured part's order of the flows:\n"
"                           as the warm-up made them (seq, the default), or a\n"
"                           stride of about 0.618 of them (a permutation): the\n"
"                           box meets its connections in no order its memory\n"
"                           layout or prefetcher can use (as real clients)\n"
"  --timeline MS            the summary also gives frames sent and delivered in\n"
"                           each MS ms of the measured part, with the wall-clock\n"
"                           time it began (to line up with the box's counters)\n"
"                           10..60000 (default 0: none)\n"
"  --size B                 frame bytes incl. FCS, 64..1500 (default 64)\n"
"  --rate R                 pps (udp, latency) or connections/s (tcp-cps);\n"
"                           0 = as fast as possible (default 0; latency 100000)\n"
"  --reply | --no-reply     servers answer (swap and send back) or only\n"
"                           count (default --reply)\n"
"  --concurrency N          tcp-cps: connections in flight (default 256)\n"
"  --attack random|collide  tcp-cps: a spoofed SYN flood at the VIP beside the\n"
"                           clients; collide: tuples of one bucket of dpvs's old\n"
"                           CRC hash (worker 0's seed)\n"
"  --attack-rate R          SYNs/s of the flood (default 0: the generator's max)\n"
"  --attack-buckets N       collide: the attacked table's buckets (default 2097152,\n"
"                           dpvs's at conn_max 1048576)\n"
"  --request B --response B tcp-cps payload bytes (default 64, 128)\n"
"  --rto MS --retries N     tcp-cps retransmission (default 200 ms, 3)\n"
"  --vip A --vport P        the virtual service (default 192.168.1.111:9)\n"
"  --clients PREFIX         client addresses (default 192.168.1.0/24)\n"
"  --rip A[,A...] --rport P real servers lbbench plays (default\n"
"                           192.168.229.11-14, port 9)\n"
"  --gw A                   the DIP on the server side (default 192.168.229.133)\n"
"  --peer-mac0 M --peer-mac1 M  the box's MACs (default: ARP for VIP / DIP with\n"
"                           --fwd nat, broadcast with --fwd none)\n"
"  --queues N               queue pairs per port, 1..64 (default 1): every RX\n"
"                           queue is polled; each frame leaves on the queue a\n"
"                           NIC's RSS at the box would give it (--spread)\n"
"  --spread client|tuple|rr how frames are spread over the queues (default\n"
"                           client): a Toeplitz hash (Microsoft's key, 128-entry\n"
"                           table, entry i = queue i %% N) of the client address\n"
"                           alone, which is dpvs's owner worker (no redirects);\n"
"                           of the 4-tuple, as a NIC's usual RSS (the box\n"
"                           hands most frames to another worker); round-robin\n"
"  --sample N               check 1 received frame in N (default 64)\n"
"  --json FILE              summary to FILE (default stdout)\n"
"  --label TEXT             copied into the summary\n"
"  --quiet                  no progress line each second\n"
"  --hold S                 after the summary, keep the links up to S s until\n"
"                           SIGUSR1, so the box can stop using them before they\n"
"                           go (dpip link set NAME down); 0 = close at once\n"
"  --help\n", prog);
}

static int bad(char *err, size_t errlen, const char *opt, const char *val, const char *why)
{
	snprintf(err, errlen, "%s '%s': %s", opt, val ? val : "", why);
	return -1;
}

static int parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	/* accept the usual scale suffixes: 10K, 1M */
	if (*end == 'k' || *end == 'K') {
		v *= 1000ull;
		end++;
	} else if (*end == 'm' || *end == 'M') {
		v *= 1000000ull;
		end++;
	}
	if (errno || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int parse_dbl(const char *s, double lo, double hi, double *out)
{
	char *end;
	double v;

	if (!s || !*s)
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (*end == 'k' || *end == 'K') {
		v *= 1e3;
		end++;
	} else if (*end == 'm' || *end == 'M') {
		v *= 1e6;
		end++;
	}
	if (errno || *end || !isfinite(v) || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int parse_ip(const char *s, uint32_t *ip)
{
	struct in_addr a;

	if (!s || inet_pton(AF_INET, s, &a) != 1)
		return -1;
	*ip = a.s_addr;
	return 0;
}

static int parse_port(const char *s, uint16_t *port)
{
	uint64_t v;

	if (parse_u64(s, 1, 65535, &v))
		return -1;
	*port = htons((uint16_t)v);
	return 0;
}

static int parse_prefix(const char *s, uint32_t *net, uint8_t *plen)
{
	char buf[64], *slash;
	uint64_t l;

	if (!s || strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	if (parse_ip(buf, net) || parse_u64(slash + 1, 0, 32, &l))
		return -1;
	*plen = (uint8_t)l;
	return 0;
}

/* "A,B,C" or "A-B" (a range of the last byte) or a mix: "10.0.0.1-4,10.0.0.9". */
static int parse_rips(const char *s, struct lbb_net *net)
{
	char buf[512], *tok, *save = NULL;

	if (!s || strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	net->nrips = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *dash = strchr(tok, '-');
		uint32_t first, n = 1;
		uint64_t last;

		if (dash)
			*dash = '\0';
		if (parse_ip(tok, &first))
			return -1;
		if (dash) {
			uint32_t lastbyte = ntohl(first) & 0xff;

			if (parse_u64(dash + 1, lastbyte, 255, &last))
				return -1;
			n = (uint32_t)(last - lastbyte + 1);
		}
		for (uint32_t i = 0; i < n; i++) {
			if (net->nrips == LBB_MAX_RIPS)
				return -1;
			net->rips[net->nrips++] = htonl(ntohl(first) + i);
		}
	}
	return net->nrips ? 0 : -1;
}

static void defaults(struct lbb_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->mode = LBB_MODE_UDP;
	o->net.fwd = LBB_FWD_NAT;
	parse_prefix("192.168.1.0/24", &o->net.client_net, &o->net.client_plen);
	parse_ip("192.168.1.111", &o->net.vip);
	o->net.vport = htons(9);
	parse_rips("192.168.229.11-14", &o->net);
	o->net.rport = htons(9);
	parse_ip("192.168.229.133", &o->net.gw_server);
	parse_ip("192.168.229.140", &o->net.lip);
	o->net.nlips = 1;
	o->reply = true;
	o->duration = 10;
	o->warmup = 1;
	o->flows = 1024;
	o->size = 64;
	o->rate = -1; /* "not given": the mode picks */
	o->concurrency = 256; /* bursts of answers stay within 1024-entry rings */
	o->attack_buckets = 2097152;
	o->request = 64;
	o->response = 128;
	o->rto_ms = 200;
	o->retries = 3;
	o->sample = 64;
	o->queues = 1;
	o->spread = LBB_SPREAD_CLIENT;
}

/* Options that take a value. */
static const char *const with_value[] = {
	"--mode", "--fwd", "--lip", "--duration", "--warmup", "--flows", "--size", "--rate",
	"--concurrency", "--request", "--response", "--rto", "--retries", "--vip",
	"--vport", "--clients", "--rip", "--rport", "--gw", "--peer-mac0", "--peer-mac1",
	"--sample", "--json", "--label", "--hold", "--measured-flows", "--timeline", "--queues",
	"--spread", "--attack", "--flow-order", "--attack-rate", "--attack-buckets", NULL,
};

static bool takes_value(const char *opt)
{
	for (unsigned i = 0; with_value[i]; i++)
		if (!strcmp(opt, with_value[i]))
			return true;
	return false;
}

static int apply(struct lbb_opts *o, const char *opt, const char *val, bool *fwd_given,
		 char *err, size_t errlen)
{
	uint64_t u;

	if (!strcmp(opt, "--mode")) {
		for (unsigned m = 0; m <= LBB_MODE_LATENCY; m++)
			if (!strcmp(val, mode_names[m])) {
				o->mode = (enum lbb_mode)m;
				return 0;
			}
		return bad(err, errlen, opt, val, "expected udp, tcp-cps or latency");
	}
	if (!strcmp(opt, "--fwd")) {
		*fwd_given = true;
		for (unsigned f = 0; f <= LBB_FWD_FNAT; f++)
			if (!strcmp(val, fwd_names[f])) {
				o->net.fwd = (enum lbb_fwd)f;
				return 0;
			}
		return bad(err, errlen, opt, val, "expected nat, dr, tun, fnat or none");
	}
	if (!strcmp(opt, "--lip")) {
		char a[32], *dash;
		uint32_t last;

		if (strlen(val) >= sizeof(a))
			return bad(err, errlen, opt, val, "expected A or A-B (IPv4)");
		strcpy(a, val);
		dash = strchr(a, '-');
		if (dash)
			*dash = '\0';
		if (parse_ip(a, &o->net.lip) || (dash && parse_ip(dash + 1, &last)) ||
		    (dash && (ntohl(last) < ntohl(o->net.lip) || ntohl(last) - ntohl(o->net.lip) > 255)))
			return bad(err, errlen, opt, val, "expected A or A-B (IPv4, at most 256)");
		o->net.nlips = dash ? ntohl(last) - ntohl(o->net.lip) + 1 : 1;
		return 0;
	}
	if (!strcmp(opt, "--duration"))
		return parse_dbl(val, 0.1, 86400, &o->duration) ?
			bad(err, errlen, opt, val, "expected seconds, 0.1..86400") : 0;
	if (!strcmp(opt, "--warmup"))
		return parse_dbl(val, 0, 3600, &o->warmup) ?
			bad(err, errlen, opt, val, "expected seconds, 0..3600") : 0;
	if (!strcmp(opt, "--flows"))
		return parse_u64(val, 1, MAX_FLOWS, &o->flows) ?
			bad(err, errlen, opt, val, "expected 1..10000000") : 0;
	if (!strcmp(opt, "--measured-flows"))
		return parse_u64(val, 1, MAX_FLOWS, &o->measured_flows) ?
			bad(err, errlen, opt, val, "expected 1..10000000") : 0;
	if (!strcmp(opt, "--flow-order")) {
		if (strcmp(val, "seq") && strcmp(val, "stride"))
			return bad(err, errlen, opt, val, "expected seq or stride");
		o->flow_stride = !strcmp(val, "stride");
		return 0;
	}
	if (!strcmp(opt, "--timeline")) {
		if (parse_u64(val, 10, 60000, &u))
			return bad(err, errlen, opt, val, "expected milliseconds, 10..60000");
		o->timeline_ms = (unsigned)u;
		return 0;
	}
	if (!strcmp(opt, "--size")) {
		if (parse_u64(val, LBB_MIN_FRAME, LBB_MAX_FRAME, &u))
			return bad(err, errlen, opt, val, "expected frame bytes, 64..1500");
		o->size = (unsigned)u;
		return 0;
	}
	if (!strcmp(opt, "--rate"))
		return parse_dbl(val, 0, 1e9, &o->rate) ?
			bad(err, errlen, opt, val, "expected a rate, 0 (max) .. 1e9") : 0;
	if (!strcmp(opt, "--attack")) {
		if (!strcmp(val, "none"))
			o->attack = LBB_ATTACK_NONE;
		else if (!strcmp(val, "random"))
			o->attack = LBB_ATTACK_RANDOM;
		else if (!strcmp(val, "collide"))
			o->attack = LBB_ATTACK_COLLIDE;
		else
			return bad(err, errlen, opt, val, "expected none, random or collide");
		return 0;
	}
	if (!strcmp(opt, "--attack-rate"))
		return parse_dbl(val, 0, 1e9, &o->attack_rate) ?
			bad(err, errlen, opt, val, "expected SYNs/s, 0 (max) .. 1e9") : 0;
	if (!strcmp(opt, "--attack-buckets")) {
		if (parse_u64(val, 2, 1u << 30, &u) || (u & (u - 1)))
			return bad(err, errlen, opt, val, "expected a power of two, 2..2^30");
		o->attack_buckets = (uint32_t)u;
		return 0;
	}
	if (!strcmp(opt, "--concurrency")) {
		if (parse_u64(val, 1, 1u << 20, &u))
			return bad(err, errlen, opt, val, "expected 1..1048576");
		o->concurrency = (uint32_t)u;
		return 0;
	}
	if (!strcmp(opt, "--request") || !strcmp(opt, "--response")) {
		if (parse_u64(val, 0, LBB_MAX_FRAME - LBB_FCS - LBB_HDRS_TCP, &u))
			return bad(err, errlen, opt, val, "expected payload bytes, 0..1442");
		if (!strcmp(opt, "--request"))
			o->request = (uint16_t)u;
		else
			o->response = (uint16_t)u;
		return 0;
	}
	if (!strcmp(opt, "--rto"))
		return parse_dbl(val, 1, 60000, &o->rto_ms) ?
			bad(err, errlen, opt, val, "expected milliseconds, 1..60000") : 0;
	if (!strcmp(opt, "--retries")) {
		if (parse_u64(val, 0, 100, &u))
			return bad(err, errlen, opt, val, "expected 0..100");
		o->retries = (unsigned)u;
		return 0;
	}
	if (!strcmp(opt, "--vip"))
		return parse_ip(val, &o->net.vip) ? bad(err, errlen, opt, val, "not an IPv4 address") : 0;
	if (!strcmp(opt, "--gw"))
		return parse_ip(val, &o->net.gw_server) ?
			bad(err, errlen, opt, val, "not an IPv4 address") : 0;
	if (!strcmp(opt, "--vport"))
		return parse_port(val, &o->net.vport) ? bad(err, errlen, opt, val, "expected 1..65535") : 0;
	if (!strcmp(opt, "--rport"))
		return parse_port(val, &o->net.rport) ? bad(err, errlen, opt, val, "expected 1..65535") : 0;
	if (!strcmp(opt, "--clients"))
		return parse_prefix(val, &o->net.client_net, &o->net.client_plen) ?
			bad(err, errlen, opt, val, "expected A.B.C.D/LEN") : 0;
	if (!strcmp(opt, "--rip"))
		return parse_rips(val, &o->net) ?
			bad(err, errlen, opt, val, "expected A[,A...] or A-LASTBYTE, at most 16") : 0;
	if (!strcmp(opt, "--peer-mac0") || !strcmp(opt, "--peer-mac1")) {
		int i = opt[10] - '0';

		if (rte_ether_unformat_addr(val, &o->peer_mac[i]))
			return bad(err, errlen, opt, val, "expected a MAC, 02:00:00:00:00:01");
		o->peer_mac_set[i] = true;
		return 0;
	}
	if (!strcmp(opt, "--queues")) {
		if (parse_u64(val, 1, LBB_MAX_QUEUES, &u))
			return bad(err, errlen, opt, val, "expected 1..64");
		o->queues = (unsigned)u;
		return 0;
	}
	if (!strcmp(opt, "--spread")) {
		o->spread = lbb_spread_parse(val);
		return o->spread == LBB_SPREAD_MAX ?
			bad(err, errlen, opt, val, "expected client, tuple or rr") : 0;
	}
	if (!strcmp(opt, "--sample")) {
		if (parse_u64(val, 1, 1u << 30, &u))
			return bad(err, errlen, opt, val, "expected 1..2^30");
		o->sample = (unsigned)u;
		return 0;
	}
	if (!strcmp(opt, "--json")) {
		if (strlen(val) >= sizeof(o->json_path))
			return bad(err, errlen, opt, val, "path too long");
		strcpy(o->json_path, val);
		return 0;
	}
	if (!strcmp(opt, "--hold")) {
		if (parse_u64(val, 0, 600, &u))
			return bad(err, errlen, opt, val, "expected seconds, 0..600");
		o->hold_s = (unsigned)u;
		return 0;
	}
	if (!strcmp(opt, "--label")) {
		if (strlen(val) >= sizeof(o->label))
			return bad(err, errlen, opt, val, "longer than 63 characters");
		strcpy(o->label, val);
		return 0;
	}
	return bad(err, errlen, opt, val, "unknown option (see --help)");
}

int lbb_opts_parse(int argc, char **argv, struct lbb_opts *o, char *err, size_t errlen)
{
	bool fwd_given = false;

	defaults(o);
	for (int i = 1; i < argc; i++) {
		char opt[32];
		const char *arg = argv[i], *val = NULL, *eq = strchr(arg, '=');

		if (strncmp(arg, "--", 2) || strlen(arg) >= sizeof(opt) + 64)
			return bad(err, errlen, "argument", arg, "not an option (see --help)");
		if (eq && (size_t)(eq - arg) < sizeof(opt)) {
			memcpy(opt, arg, (size_t)(eq - arg));
			opt[eq - arg] = '\0';
			val = eq + 1;
		} else if (strlen(arg) < sizeof(opt)) {
			strcpy(opt, arg);
		} else {
			return bad(err, errlen, "argument", arg, "unknown option (see --help)");
		}
		if (!strcmp(opt, "--help") || !strcmp(opt, "-h")) {
			o->help = true;
			return 0;
		}
		if (!takes_value(opt)) {
			if (val)
				return bad(err, errlen, opt, val, "takes no value");
			if (!strcmp(opt, "--loopback"))
				o->loopback = true;
			else if (!strcmp(opt, "--reply"))
				o->reply = true;
			else if (!strcmp(opt, "--no-reply"))
				o->reply = false;
			else if (!strcmp(opt, "--quiet"))
				o->quiet = true;
			else
				return bad(err, errlen, opt, NULL, "unknown option (see --help)");
			continue;
		}
		if (!val) {
			if (i + 1 >= argc)
				return bad(err, errlen, opt, NULL, "needs a value");
			val = argv[++i];
		}
		if (apply(o, opt, val, &fwd_given, err, errlen))
			return -1;
	}
	if (o->loopback) {
		if (fwd_given && o->net.fwd != LBB_FWD_NONE)
			return bad(err, errlen, "--loopback", NULL, "measures the ceiling: only with --fwd none");
		o->net.fwd = LBB_FWD_NONE;
		if (o->mode == LBB_MODE_TCP_CPS)
			return bad(err, errlen, "--loopback", NULL, "tcp-cps needs two ports (a server side)");
	}
	if (o->rate < 0)
		o->rate = o->mode == LBB_MODE_LATENCY ? 100000 : 0;
	/* DR and TUN: the real servers answer the client directly, around
	 * the box; the bench has no such path (and none to measure) */
	if ((o->net.fwd == LBB_FWD_DR || o->net.fwd == LBB_FWD_TUN) &&
	    (o->mode != LBB_MODE_UDP || o->reply))
		return bad(err, errlen, "--fwd", lbb_fwd_name(o->net.fwd),
			   "replies bypass the box: only --mode udp --no-reply");
	if (o->mode == LBB_MODE_LATENCY && !o->reply && !o->loopback)
		return bad(err, errlen, "--no-reply", NULL, "latency needs the servers to answer");
	if (o->mode == LBB_MODE_LATENCY && o->size < LBB_HDRS_UDP + sizeof(struct lbb_stamp) + LBB_FCS)
		return bad(err, errlen, "--size", NULL, "too small for the latency stamp");
	o->arp = o->net.fwd != LBB_FWD_NONE;
	if (lbb_net_init(&o->net, err, errlen))
		return -1;
	if (o->mode != LBB_MODE_TCP_CPS && o->flows > lbb_net_max_flows(&o->net))
		return bad(err, errlen, "--flows", NULL, "more than the client prefix holds (x 64512 ports)");
	if (o->attack != LBB_ATTACK_NONE && o->mode != LBB_MODE_TCP_CPS)
		return bad(err, errlen, "--attack", NULL, "only with tcp-cps (the clients it disturbs)");
	if (o->measured_flows && o->mode == LBB_MODE_TCP_CPS)
		return bad(err, errlen, "--measured-flows", NULL, "only with udp or latency");
	if (o->flow_stride && o->mode == LBB_MODE_TCP_CPS)
		return bad(err, errlen, "--flow-order", NULL, "only with udp or latency");
	if (o->measured_flows > o->flows)
		return bad(err, errlen, "--measured-flows", NULL, "more than --flows");
	if (!o->measured_flows)
		o->measured_flows = o->flows;
	return 0;
}
