/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ipvsadm's command-line parser: argv -> struct ipvsadm_cmd, with every
 * check, message and verdict of ipvsadm 1.31 in the same order
 * (/work/shared/reference/ipvsadm/ERRORS.md). Scripts written for LVS
 * parse ipvsadm's stderr and exit codes, so the texts are kept byte for
 * byte, quirks included; the few places where we deliberately differ say so.
 *
 * The option scanner imitates popt 1.19 as ipvsadm configures it: words
 * that are not options are kept aside as "leftover" arguments (so they may
 * appear anywhere), "--" ends the options, short options cluster ("-Lnc")
 * and take attached values ("-t10.0.0.1:80"), long options take
 * "--opt=value" or the next word, and the optional argument of -p is taken
 * only when the next word does not start with '-'.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipvsadm_parse.h"

#define DEF_SCHED "wlc"
#define DEF_MCAST_IFN "eth0"
#define PERSISTENT_TIMEOUT_DEFAULT (6 * 60) /* -p without a value */
#define MAX_TIMEOUT (86400 * 31)            /* -p and --set: 31 days */
#define SCHED_NAME_COPY 15                  /* strncpy(sched_name, arg, 15) */
#define MAX_ARGS 256                        /* leftover words we keep */

static const char *const cmdnames[] = {
	"add-service", "edit-service", "delete-service", "flush", "list",
	"add-server", "delete-server", "edit-server", "set", "start-daemon",
	"stop-daemon", "restore", "save", "zero", "add-laddr", "del-laddr", "get-laddr",
};

static const char *const optnames[IPVSADM_OPT_MAX] = {
	"numeric", "connection", "service-address", "scheduler", "persistent",
	"netmask", "real-server", "forwarding-method", "weight", "u-threshold",
	"l-threshold", "mcast-interface", "timeout", "daemon", "stats",
	"rate", "thresholds", "persistent-conn", "nosort", "syncid",
	"exact", "ops", "pe", "sched-flags", "mcast-group",
	"mcast-port", "mcast-ttl", "sync-maxlen", "tun-info", "tun-type",
	"tun-port", "tun-nocsum", "tun-csum", "tun-remcsum", "laddr", "ifname",
	"proxy-protocol",
};

/*
 * commands_v_options: '+' compulsory, 'x' illegal, '1' at most one of the
 * '1' columns, ' ' optional. One row per command, one column per option,
 * both in the orders above (copied cell by cell from ERRORS.md section 5).
 */
static const char matrix[IPVSADM_CMD_MAX_MATRIX - 1][IPVSADM_OPT_MAX + 1] = {
	/*  n c s s p M r f w x y m t d s r t p n s e o p b g p t l t t t n c r z F P */
	"xx+   xxxxxxxxxxxxxxx   xxxxxxxxxxxx ", /* add-service */
	"xx+   xxxxxxxxxxxxxxx   xxxxxxxxxxxx ", /* edit-service */
	"xx+xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", /* delete-service */
	"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", /* flush */
	" 11xxxxxxxxx11       xxxxxxx xxxxxxxx", /* list */
	"xx+xxx+    xxxxxxxxxxxxxxxxxx     xxx", /* add-server */
	"xx+xxx+xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", /* delete-server */
	"xx+xxx+    xxxxxxxxxxxxxxxxxx     xxx", /* edit-server */
	"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", /* set */
	"xxxxxxxxxxx xxxxxxx xxxx    xxxxxxxxx", /* start-daemon */
	"xxxxxxxxxxxxxxxxxxx xxxxxxxxxxxxxxxxx", /* stop-daemon */
	"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", /* restore */
	" xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", /* save */
	"xx xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", /* zero */
	/* DPVS's rows: add/del need the service and -z; get takes a service or none */
	"xx+xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx+ x", /* add-laddr */
	"xx+xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx+ x", /* del-laddr */
	" x xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", /* get-laddr */
};

/* tunnel_types_v_options: columns tun-port, tun-nocsum, tun-csum, tun-remcsum */
static const char *const tun_names[] = { "ipip", "gue", "gre" };
static const char tun_matrix[3][5] = {
	"xxxx", /* ipip */
	"+111", /* gue */
	"x11x", /* gre */
};

/* Option ids: what the scanner returns. Commands first. */
enum opt_id {
	O_END = 0,
	O_ADD, O_EDIT, O_DEL, O_FLUSH, O_LIST, O_ZERO, O_ADDDEST, O_EDITDEST,
	O_DELDEST, O_SET, O_HELP, O_VERSION, O_RESTORE, O_SAVE, O_START_DAEMON,
	O_STOP_DAEMON,
	O_TCP, O_UDP, O_SCTP, O_FWMARK, O_SCHED, O_PERSISTENT, O_NETMASK,
	O_SERVER, O_MASQ, O_IPIP, O_GATE, O_FULLNAT, O_WEIGHT, O_UTHRESH,
	O_LTHRESH, O_NUMERIC, O_CONNECTION, O_MCAST_IFN, O_SYNCID, O_TIMEOUT,
	O_DAEMON, O_STATS, O_RATE, O_THRESHOLDS, O_PERSISTENTCONN, O_NOSORT,
	O_SORT, O_EXACT, O_IPV6, O_OPS, O_PE, O_SCHED_FLAGS, O_SYNC_MAXLEN,
	O_MCAST_GROUP, O_MCAST_PORT, O_MCAST_TTL, O_TUN_INFO, O_TUN_TYPE,
	O_TUN_PORT, O_TUN_NOCSUM, O_TUN_CSUM, O_TUN_REMCSUM,
	O_ADD_LADDR, O_DEL_LADDR, O_GET_LADDR, O_LADDR, O_IFNAME, O_PROXY_PROTOCOL,
	O_SYNPROXY, /* DPVS's; outside the matrix (checked in command_checks) */
};

enum arg_kind { ARG_NONE, ARG_REQ, ARG_OPT };

struct opt_def {
	const char *lname; /* NULL: short only */
	char sname;        /* 0: long only */
	enum arg_kind arg;
	enum opt_id id;
};

static const struct opt_def opts[] = {
	{ "add-service", 'A', ARG_NONE, O_ADD },
	{ "edit-service", 'E', ARG_NONE, O_EDIT },
	{ "delete-service", 'D', ARG_NONE, O_DEL },
	{ "clear", 'C', ARG_NONE, O_FLUSH },
	{ "list", 'L', ARG_NONE, O_LIST },
	{ NULL, 'l', ARG_NONE, O_LIST },
	{ "zero", 'Z', ARG_NONE, O_ZERO },
	{ "add-server", 'a', ARG_NONE, O_ADDDEST },
	{ "edit-server", 'e', ARG_NONE, O_EDITDEST },
	{ "delete-server", 'd', ARG_NONE, O_DELDEST },
	{ "set", 0, ARG_NONE, O_SET },
	{ "help", 'h', ARG_NONE, O_HELP },
	{ "version", 'v', ARG_NONE, O_VERSION },
	{ "restore", 'R', ARG_NONE, O_RESTORE },
	{ "save", 'S', ARG_NONE, O_SAVE },
	{ "start-daemon", 0, ARG_REQ, O_START_DAEMON },
	{ "stop-daemon", 0, ARG_REQ, O_STOP_DAEMON },
	{ "tcp-service", 't', ARG_REQ, O_TCP },
	{ "udp-service", 'u', ARG_REQ, O_UDP },
	{ "sctp-service", 0, ARG_REQ, O_SCTP },
	{ "fwmark-service", 'f', ARG_REQ, O_FWMARK },
	{ "scheduler", 's', ARG_REQ, O_SCHED },
	{ "persistent", 'p', ARG_OPT, O_PERSISTENT },
	{ "netmask", 'M', ARG_REQ, O_NETMASK },
	{ "real-server", 'r', ARG_REQ, O_SERVER },
	{ "masquerading", 'm', ARG_NONE, O_MASQ },
	{ "ipip", 'i', ARG_NONE, O_IPIP },
	{ "gatewaying", 'g', ARG_NONE, O_GATE },
	/* dpvs addition: Full-NAT has no short switch (-b is --sched-flags) */
	{ "fullnat", 0, ARG_NONE, O_FULLNAT },
	{ "weight", 'w', ARG_REQ, O_WEIGHT },
	{ "u-threshold", 'x', ARG_REQ, O_UTHRESH },
	{ "l-threshold", 'y', ARG_REQ, O_LTHRESH },
	{ "numeric", 'n', ARG_NONE, O_NUMERIC },
	{ "connection", 'c', ARG_NONE, O_CONNECTION },
	{ "mcast-interface", 0, ARG_REQ, O_MCAST_IFN },
	{ "syncid", 0, ARG_REQ, O_SYNCID },
	{ "timeout", 0, ARG_NONE, O_TIMEOUT },
	{ "daemon", 0, ARG_NONE, O_DAEMON },
	{ "stats", 0, ARG_NONE, O_STATS },
	{ "rate", 0, ARG_NONE, O_RATE },
	{ "thresholds", 0, ARG_NONE, O_THRESHOLDS },
	{ "persistent-conn", 0, ARG_NONE, O_PERSISTENTCONN },
	{ "nosort", 0, ARG_NONE, O_NOSORT },
	{ "sort", 0, ARG_NONE, O_SORT },
	{ "exact", 'X', ARG_NONE, O_EXACT },
	{ "ipv6", '6', ARG_NONE, O_IPV6 },
	{ "ops", 'o', ARG_NONE, O_OPS },
	{ "pe", 0, ARG_REQ, O_PE },
	{ "sched-flags", 'b', ARG_REQ, O_SCHED_FLAGS },
	{ "sync-maxlen", 0, ARG_REQ, O_SYNC_MAXLEN },
	{ "mcast-group", 0, ARG_REQ, O_MCAST_GROUP },
	{ "mcast-port", 0, ARG_REQ, O_MCAST_PORT },
	{ "mcast-ttl", 0, ARG_REQ, O_MCAST_TTL },
	{ "tun-info", 0, ARG_NONE, O_TUN_INFO },
	{ "tun-type", 0, ARG_REQ, O_TUN_TYPE },
	{ "tun-port", 0, ARG_REQ, O_TUN_PORT },
	{ "tun-nocsum", 0, ARG_NONE, O_TUN_NOCSUM },
	{ "tun-csum", 0, ARG_NONE, O_TUN_CSUM },
	{ "tun-remcsum", 0, ARG_NONE, O_TUN_REMCSUM },
	/* DPVS's Full-NAT local addresses, with its ipvsadm's letters */
	{ "add-laddr", 'P', ARG_NONE, O_ADD_LADDR },
	{ "del-laddr", 'Q', ARG_NONE, O_DEL_LADDR },
	{ "get-laddr", 'G', ARG_NONE, O_GET_LADDR },
	{ "laddr", 'z', ARG_REQ, O_LADDR },
	{ "ifname", 'F', ARG_REQ, O_IFNAME },
	/* DPVS's: the PROXY header to Full-NAT real servers */
	{ "proxy-protocol", 0, ARG_REQ, O_PROXY_PROTOCOL },
	/* DPVS's SYN proxy switch, with its ipvsadm's letter */
	{ "synproxy", 'j', ARG_REQ, O_SYNPROXY },
};

/* popt's error codes and their poptStrerror() texts. */
#define POPT_ERR_NOARG (-10)
#define POPT_ERR_BADOPT (-11)
#define POPT_ERR_UNWANTEDARG (-12)

static const char *popt_strerror(int err)
{
	switch (err) {
	case POPT_ERR_NOARG:
		return "missing argument";
	case POPT_ERR_UNWANTEDARG:
		return "option does not take an argument";
	default:
		return "unknown option";
	}
}

/* The scanner's state: popt's context reduced to what ipvsadm uses. */
struct scanner {
	int argc;
	char *const *argv;
	int next;             /* next word to look at */
	const char *cluster;  /* rest of a short-option cluster, or NULL */
	const char *word;     /* the word being scanned (poptBadOption) */
	bool rest_leftover;   /* after "--" */
	const char *left[MAX_ARGS];
	int nleft, leftpos;
	const char *arg;      /* value of the option just returned */
};

static const struct opt_def *find_long(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		if (opts[i].lname && strlen(opts[i].lname) == len &&
		    !strncmp(opts[i].lname, name, len))
			return &opts[i];
	return NULL;
}

static const struct opt_def *find_short(char c)
{
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		if (opts[i].sname && opts[i].sname == c)
			return &opts[i];
	return NULL;
}

/* A value from the next word: always for a required argument, only when
 * it does not look like an option for an optional one (popt's rule). */
static int take_next_word(struct scanner *s, const struct opt_def *o)
{
	if (s->next >= s->argc) {
		if (o->arg == ARG_OPT)
			return o->id;
		return POPT_ERR_NOARG;
	}
	if (o->arg == ARG_OPT && s->argv[s->next][0] == '-')
		return o->id;
	s->arg = s->argv[s->next++];
	return o->id;
}

/* Returns the next option id, O_END, or a negative popt error. */
static int scan_next(struct scanner *s)
{
	s->arg = NULL;
	for (;;) {
		if (s->cluster && *s->cluster) {
			const struct opt_def *o = find_short(*s->cluster++);

			if (!o)
				return POPT_ERR_BADOPT;
			if (o->arg == ARG_NONE)
				return o->id;
			if (*s->cluster) {
				s->arg = s->cluster;
				s->cluster = NULL;
				return o->id;
			}
			s->cluster = NULL;
			return take_next_word(s, o);
		}
		s->cluster = NULL;
		if (s->next >= s->argc)
			return O_END;
		const char *w = s->argv[s->next++];

		s->word = w;
		if (s->rest_leftover || w[0] != '-' || w[1] == '\0') {
			if (s->nleft < MAX_ARGS)
				s->left[s->nleft++] = w;
			continue;
		}
		if (w[1] == '-') {
			if (w[2] == '\0') { /* "--": the rest are arguments */
				s->rest_leftover = true;
				continue;
			}
			const char *name = w + 2;
			const char *eq = strchr(name, '=');
			size_t len = eq ? (size_t)(eq - name) : strlen(name);
			const struct opt_def *o = find_long(name, len);

			if (!o)
				return POPT_ERR_BADOPT;
			if (o->arg == ARG_NONE)
				return eq ? POPT_ERR_UNWANTEDARG : (int)o->id;
			if (eq) {
				s->arg = eq + 1;
				return o->id;
			}
			return take_next_word(s, o);
		}
		s->cluster = w + 1;
	}
}

/* ---- the parse itself ---- */

struct parse_ctx {
	struct ipvsadm_cmd *c;
	unsigned int flags;
	char *msg;
	size_t msglen;
	const char *prog;
	char sched_flags[64]; /* -b value, checked after the option loop */
	bool have_sched_flags;
	bool have_synproxy; /* -j given (only -A and -E take it) */
};

__attribute__((format(printf, 2, 3))) static int fail(struct parse_ctx *p, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(p->msg, p->msglen, fmt, ap);
	va_end(ap);
	n = strlen(p->msg);
	if (n + 1 < p->msglen) {
		p->msg[n] = '\n';
		p->msg[n + 1] = '\0';
	}
	return IPVSADM_PARSE_FAIL;
}

static int tryhelp(struct parse_ctx *p)
{
	snprintf(p->msg, p->msglen, "Try `%s -h' or '%s --help' for more information.\n",
		 p->prog, p->prog);
	return IPVSADM_PARSE_TRYHELP;
}

/* ipvsadm's string_to_number(): strtol, whole string, in [min, max]. */
static long string_to_number(const char *s, long min, long max)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (*end == '\0' && end != s && errno != ERANGE && min <= n && n <= max)
		return n;
	return -1;
}

static bool str_is_digit(const char *s)
{
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static int service_to_port(const char *name, int proto)
{
	const char *pname = proto == IPPROTO_TCP ? "tcp" :
			    proto == IPPROTO_UDP ? "udp" :
			    proto == IPPROTO_SCTP ? "sctp" : NULL;
	struct servent *se = getservbyname(name, pname);

	return se ? ntohs((uint16_t)se->s_port) : -1;
}

static bool host_to_addr(const struct parse_ctx *p, const char *name, struct in_addr *a)
{
	struct hostent *h;

	if (!(p->flags & IPVSADM_PARSE_RESOLVE))
		return false;
	h = gethostbyname(name);
	if (!h || h->h_addrtype != AF_INET || h->h_length != (int)sizeof(*a))
		return false;
	memcpy(a, h->h_addr_list[0], sizeof(*a));
	return true;
}

#define SERVICE_ADDR 0x1
#define SERVICE_PORT 0x2

/* An address, what parse_service() fills. */
struct svc_addr {
	uint16_t af;
	union inet_addr addr;
	uint16_t port; /* network order */
	bool v6_netmask; /* IPv6: the service's netmask becomes 128 */
};

/*
 * ipvsadm's parse_service(): "host[:port]", "[v6]:port" or a bare IPv6
 * address. Quirks kept: a bracketed IPv4 address loses its port, and an
 * unbracketed IPv6 address never has one.
 */
static int parse_service(const struct parse_ctx *p, const char *arg, int proto,
			 struct svc_addr *out)
{
	char buf[256];
	char *b = buf, *portp = NULL;
	struct in_addr in4;
	struct in6_addr in6;
	long port;

	if (str_is_digit(arg) || strlen(arg) >= sizeof(buf))
		return 0;
	strcpy(buf, arg);
	if (b[0] == '[') {
		b++;
		portp = strchr(b, ']');
		if (!portp)
			return 0;
		*portp++ = '\0';
		if (*portp != ':')
			return 0;
		*portp = '\0';
	}
	if (inet_pton(AF_INET6, b, &in6) > 0) {
		out->af = AF_INET6;
		memset(&out->addr, 0, sizeof(out->addr));
		out->addr.in6 = in6;
		out->v6_netmask = true;
	} else {
		portp = strrchr(b, ':');
		if (portp)
			*portp = '\0';
		if (inet_aton(b, &in4) == 0 && !host_to_addr(p, b, &in4))
			return 0;
		out->af = AF_INET;
		memset(&out->addr, 0, sizeof(out->addr));
		out->addr.in = in4;
	}
	if (!portp)
		return SERVICE_ADDR;
	port = string_to_number(portp + 1, 0, 65535);
	if (port == -1)
		port = service_to_port(portp + 1, proto);
	if (port == -1)
		return 0;
	out->port = htons((uint16_t)port);
	return SERVICE_ADDR | SERVICE_PORT;
}

/* The protocol ipvsadm keeps while parsing: fwmark services carry TCP
 * ("a sane value") for port-name look-ups; dpvs wants 0 (set at the end). */
static int lookup_proto(const struct ipvsadm_cmd *c)
{
	return c->svc.fwmark ? IPPROTO_TCP : c->svc.protocol;
}

static int set_option(struct parse_ctx *p, int col)
{
	if (p->c->options & IPVSADM_OPT(col))
		return fail(p, "multiple '%s' options specified", optnames[col]);
	p->c->options |= IPVSADM_OPT(col);
	return 0;
}

static int opt_service(struct parse_ctx *p, int proto, const char *arg)
{
	struct ipvsadm_cmd *c = p->c;
	struct svc_addr a = { .af = c->svc.af, .addr = c->svc.addr, .port = c->svc.port };
	int rc = set_option(p, IPVSADM_OPT_SERVICE);

	if (rc)
		return rc;
	c->svc.protocol = (uint16_t)proto;
	rc = parse_service(p, arg, proto, &a);
	/* ipvsadm writes the parts it parsed even when the rest fails */
	c->svc.af = a.af;
	c->svc.addr = a.addr;
	c->svc.port = a.port;
	if (a.v6_netmask)
		c->svc.netmask = 128;
	if (!(rc & SERVICE_ADDR))
		return fail(p, "illegal virtual server address[:port] specified");
	return 0;
}

static int opt_fwmark(struct parse_ctx *p, const char *arg)
{
	struct ipvsadm_cmd *c = p->c;
	unsigned long v;
	char *end;
	int rc = set_option(p, IPVSADM_OPT_SERVICE);

	if (rc)
		return rc;
	c->svc.af = AF_INET;
	c->svc.protocol = IPPROTO_TCP;
	c->svc.netmask = 0xffffffff;
	errno = 0;
	v = strtoul(arg, &end, 10);
	if (*end != '\0' || end == arg || errno == ERANGE || v == 0 || v > UINT32_MAX)
		return fail(p, "invalid fwmark value `%s' specified", arg);
	c->svc.fwmark = (uint32_t)v;
	return 0;
}

static int opt_server(struct parse_ctx *p, const char *arg)
{
	struct ipvsadm_cmd *c = p->c;
	/* parse into a copy of the service, as ipvsadm does */
	struct svc_addr a = { .af = c->svc.af, .addr = c->svc.addr, .port = c->svc.port };
	int rc = set_option(p, IPVSADM_OPT_SERVER);

	if (rc)
		return rc;
	rc = parse_service(p, arg, lookup_proto(c), &a);
	c->dest.af = a.af;
	c->dest.addr = a.addr;
	c->dest.port = a.port;
	if (!(rc & SERVICE_ADDR))
		return fail(p, "illegal real server address[:port] specified");
	if (!(rc & SERVICE_PORT))
		c->dest.port = c->svc.port; /* no port: the service's */
	return 0;
}

static int opt_timeout(struct parse_ctx *p, const char *arg, long min, uint32_t *out)
{
	long v;

	if (!arg) {
		*out = PERSISTENT_TIMEOUT_DEFAULT;
		return 0;
	}
	v = string_to_number(arg, min, MAX_TIMEOUT);
	if (v == -1)
		return fail(p, "invalid timeout value `%s' specified", arg);
	*out = (uint32_t)v;
	return 0;
}

static int opt_netmask(struct parse_ctx *p, const char *arg)
{
	struct ipvsadm_cmd *c = p->c;
	struct in_addr m;
	int rc = set_option(p, IPVSADM_OPT_NETMASK);

	if (rc)
		return rc;
	if (c->svc.af != AF_INET6) {
		if (inet_aton(arg, &m) == 0 && !host_to_addr(p, arg, &m))
			return fail(p, "illegal virtual server persistent mask specified");
		c->svc.netmask = m.s_addr;
		return 0;
	}
	int n = atoi(arg);

	c->svc.netmask = (uint32_t)n;
	if (n < 1 || n > 128)
		return fail(p, "illegal ipv6 netmask specified");
	return 0;
}

static int opt_number(struct parse_ctx *p, int col, const char *arg, long min, long max,
		      const char *what, long *out)
{
	int rc = set_option(p, col);

	if (rc)
		return rc;
	*out = string_to_number(arg, min, max);
	if (*out == -1)
		return fail(p, "illegal %s specified", what);
	return 0;
}

static int opt_mcast_group(struct parse_ctx *p, const char *arg)
{
	struct ipvsadm_daemon *d = &p->c->daemon;
	int rc = set_option(p, IPVSADM_OPT_MCAST_GROUP);

	if (rc)
		return rc;
	memset(&d->mcast_group, 0, sizeof(d->mcast_group));
	if (strchr(arg, ':')) {
		if (inet_pton(AF_INET6, arg, &d->mcast_group.in6) <= 0 ||
		    !IN6_IS_ADDR_MULTICAST(&d->mcast_group.in6))
			return fail(p, "invalid IPv6 mcast-group `%s'", arg);
		d->mcast_af = AF_INET6;
	} else {
		if (inet_pton(AF_INET, arg, &d->mcast_group.in) <= 0 ||
		    !IN_MULTICAST(ntohl(d->mcast_group.in.s_addr)))
			return fail(p, "invalid IPv4 mcast-group `%s'", arg);
		d->mcast_af = AF_INET;
	}
	return 0;
}

static int opt_tun_type(struct parse_ctx *p, const char *arg)
{
	int rc = set_option(p, IPVSADM_OPT_TUN_TYPE);

	if (rc)
		return rc;
	for (int i = 0; i < 3; i++) {
		if (!strcmp(arg, tun_names[i])) {
			p->c->tun_type = i;
			return 0;
		}
	}
	return fail(p, "illegal tunnel type specified");
}

/* -z LIP: an IPv4 address (DPVS's local addresses), no port. */
static int opt_laddr(struct parse_ctx *p, const char *arg)
{
	struct ipvsadm_cmd *c = p->c;
	struct in_addr in4;
	int rc = set_option(p, IPVSADM_OPT_LADDR);

	if (rc)
		return rc;
	if (inet_pton(AF_INET, arg, &in4) != 1 || in4.s_addr == 0)
		return fail(p, "illegal local address `%s' specified (an IPv4 address)", arg);
	c->laddr.af = AF_INET;
	c->laddr.addr.in = in4;
	return 0;
}

/* The handlers of the options after the command, in ipvsadm's switch. */
static int handle_option(struct parse_ctx *p, int id, const char *arg, const char *word)
{
	struct ipvsadm_cmd *c = p->c;
	long v;
	int rc;

	switch (id) {
	case O_TCP:
		return opt_service(p, IPPROTO_TCP, arg);
	case O_UDP:
		return opt_service(p, IPPROTO_UDP, arg);
	case O_SCTP:
		return opt_service(p, IPPROTO_SCTP, arg);
	case O_FWMARK:
		return opt_fwmark(p, arg);
	case O_SCHED:
		if ((rc = set_option(p, IPVSADM_OPT_SCHEDULER)))
			return rc;
		memset(c->svc.sched_name, 0, sizeof(c->svc.sched_name));
		strncpy(c->svc.sched_name, arg, SCHED_NAME_COPY);
		return 0;
	case O_PERSISTENT:
		if ((rc = set_option(p, IPVSADM_OPT_PERSISTENT)))
			return rc;
		c->svc.flags |= DPVS_SVC_F_PERSISTENT;
		return opt_timeout(p, arg, 1, &c->svc.timeout);
	case O_NETMASK:
		return opt_netmask(p, arg);
	case O_SERVER:
		return opt_server(p, arg);
	case O_MASQ:
	case O_IPIP:
	case O_GATE:
	case O_FULLNAT:
		if ((rc = set_option(p, IPVSADM_OPT_FORWARD)))
			return rc;
		c->dest.conn_flags = id == O_MASQ ? DPVS_FWD_MASQ :
				     id == O_IPIP ? DPVS_FWD_TUNNEL :
				     id == O_GATE ? DPVS_FWD_DROUTE : DPVS_FWD_FULLNAT;
		return 0;
	case O_WEIGHT:
		/* upstream range; Debian's patch allows up to INT_MAX */
		if ((rc = opt_number(p, IPVSADM_OPT_WEIGHT, arg, 0, 65535, "weight", &v)))
			return rc;
		c->dest.weight = (int32_t)v;
		return 0;
	case O_UTHRESH:
		rc = opt_number(p, IPVSADM_OPT_UTHRESHOLD, arg, 0, INT_MAX, "u_threshold", &v);
		if (rc)
			return rc;
		c->dest.u_threshold = (uint32_t)v;
		return 0;
	case O_LTHRESH:
		rc = opt_number(p, IPVSADM_OPT_LTHRESHOLD, arg, 0, INT_MAX, "l_threshold", &v);
		if (rc)
			return rc;
		c->dest.l_threshold = (uint32_t)v;
		return 0;
	case O_NUMERIC:
		c->format |= IPVSADM_FMT_NUMERIC;
		return set_option(p, IPVSADM_OPT_NUMERIC);
	case O_CONNECTION:
		return set_option(p, IPVSADM_OPT_CONNECTION);
	case O_MCAST_IFN:
		if ((rc = set_option(p, IPVSADM_OPT_MCAST)))
			return rc;
		memset(c->daemon.mcast_ifn, 0, sizeof(c->daemon.mcast_ifn));
		strncpy(c->daemon.mcast_ifn, arg, DPVS_IFNAMSIZ - 1);
		return 0;
	case O_SYNCID:
		if ((rc = opt_number(p, IPVSADM_OPT_SYNCID, arg, 0, 255, "syncid", &v)))
			return rc;
		c->daemon.syncid = (uint32_t)v;
		return 0;
	case O_SYNC_MAXLEN:
		if ((rc = opt_number(p, IPVSADM_OPT_SYNC_MAXLEN, arg, 1, 65535 - 20 - 8,
				     "sync-maxlen", &v)))
			return rc;
		c->daemon.sync_maxlen = (uint32_t)v;
		return 0;
	case O_MCAST_GROUP:
		return opt_mcast_group(p, arg);
	case O_MCAST_PORT:
		if ((rc = opt_number(p, IPVSADM_OPT_MCAST_PORT, arg, 1, 65535, "mcast-port", &v)))
			return rc;
		c->daemon.mcast_port = (uint16_t)v;
		return 0;
	case O_MCAST_TTL:
		if ((rc = opt_number(p, IPVSADM_OPT_MCAST_TTL, arg, 1, 255, "mcast-ttl", &v)))
			return rc;
		c->daemon.mcast_ttl = (uint8_t)v;
		return 0;
	case O_TIMEOUT:
		return set_option(p, IPVSADM_OPT_TIMEOUT);
	case O_DAEMON:
		return set_option(p, IPVSADM_OPT_DAEMON);
	case O_STATS:
		c->format |= IPVSADM_FMT_STATS;
		return set_option(p, IPVSADM_OPT_STATS);
	case O_RATE:
		c->format |= IPVSADM_FMT_RATE;
		return set_option(p, IPVSADM_OPT_RATE);
	case O_THRESHOLDS:
		c->format |= IPVSADM_FMT_THRESHOLDS;
		return set_option(p, IPVSADM_OPT_THRESHOLDS);
	case O_PERSISTENTCONN:
		c->format |= IPVSADM_FMT_PERSISTENTCONN;
		return set_option(p, IPVSADM_OPT_PERSISTENTCONN);
	case O_NOSORT:
		c->format |= IPVSADM_FMT_NOSORT;
		return set_option(p, IPVSADM_OPT_NOSORT);
	case O_SORT:
		return 0; /* sorting is the default: a no-op, and may repeat */
	case O_EXACT:
		c->format |= IPVSADM_FMT_EXACT;
		return set_option(p, IPVSADM_OPT_EXACT);
	case O_IPV6:
		if (!c->svc.fwmark) /* the format ends in \n and fail() adds one */
			return fail(p, "-6 used before -f\n");
		c->svc.af = AF_INET6;
		c->svc.netmask = 128;
		return 0;
	case O_OPS:
		if ((rc = set_option(p, IPVSADM_OPT_ONEPACKET)))
			return rc;
		c->svc.flags |= DPVS_SVC_F_ONEPACKET;
		return 0;
	case O_SYNPROXY:
		/* DPVS's words: -j enable|disable */
		if (p->have_synproxy)
			return fail(p, "multiple '--synproxy' options specified");
		p->have_synproxy = true;
		if (!strcmp(arg, "enable"))
			c->svc.flags |= DPVS_SVC_F_SYNPROXY;
		else if (!strcmp(arg, "disable"))
			c->svc.flags &= ~(uint32_t)DPVS_SVC_F_SYNPROXY;
		else
			return fail(p, "synproxy switch must be enable or disable");
		return 0;
	case O_PE:
		if ((rc = set_option(p, IPVSADM_OPT_PE)))
			return rc;
		memset(c->svc.pe_name, 0, sizeof(c->svc.pe_name));
		strncpy(c->svc.pe_name, arg, DPVS_PE_NAME_MAX - 1);
		return 0;
	case O_SCHED_FLAGS:
		if ((rc = set_option(p, IPVSADM_OPT_SCHED_FLAGS)))
			return rc;
		snprintf(p->sched_flags, sizeof(p->sched_flags), "%s", arg);
		p->have_sched_flags = true;
		return 0;
	case O_TUN_INFO:
		c->format |= IPVSADM_FMT_TUN_INFO;
		return set_option(p, IPVSADM_OPT_TUN_INFO);
	case O_TUN_TYPE:
		return opt_tun_type(p, arg);
	case O_TUN_PORT:
		if ((rc = opt_number(p, IPVSADM_OPT_TUN_PORT, arg, 1, 65535, "tunnel port", &v)))
			return rc;
		c->tun_port = (uint16_t)v;
		return 0;
	case O_TUN_NOCSUM:
		c->tun_csum = IPVSADM_TUN_NOCSUM;
		return set_option(p, IPVSADM_OPT_TUN_NOCSUM);
	case O_TUN_CSUM:
		c->tun_csum = IPVSADM_TUN_CSUM;
		return set_option(p, IPVSADM_OPT_TUN_CSUM);
	case O_TUN_REMCSUM:
		c->tun_csum = IPVSADM_TUN_REMCSUM;
		return set_option(p, IPVSADM_OPT_TUN_REMCSUM);
	case O_LADDR:
		return opt_laddr(p, arg);
	case O_IFNAME:
		if ((rc = set_option(p, IPVSADM_OPT_IFNAME)))
			return rc;
		if (!arg[0] || strlen(arg) >= sizeof(c->laddr.ifname))
			return fail(p, "illegal ifname `%s' specified (1 to %zu characters)", arg,
				    sizeof(c->laddr.ifname) - 1);
		strcpy(c->laddr.ifname, arg);
		return 0;
	case O_PROXY_PROTOCOL:
		if ((rc = set_option(p, IPVSADM_OPT_PROXY_PROTOCOL)))
			return rc;
		c->svc.flags &= ~(uint32_t)DPVS_SVC_F_PP;
		if (!strcmp(arg, "v1"))
			c->svc.flags |= DPVS_SVC_F_PP_V1;
		else if (!strcmp(arg, "v2"))
			c->svc.flags |= DPVS_SVC_F_PP_V2;
		else if (strcmp(arg, "disable"))
			return fail(p, "illegal proxy protocol `%s' specified (v1, v2 or disable)",
				    arg);
		return 0;
	default:
		/* a second command, or -h/-v after the command */
		return fail(p, "invalid option `%s'", word);
	}
}

/* The first option must be a command. */
static int first_option(struct parse_ctx *p, int id, const char *arg)
{
	static const struct { enum opt_id id; int cmd; } map[] = {
		{ O_ADD, IPVSADM_CMD_ADD }, { O_EDIT, IPVSADM_CMD_EDIT },
		{ O_DEL, IPVSADM_CMD_DEL }, { O_FLUSH, IPVSADM_CMD_FLUSH },
		{ O_LIST, IPVSADM_CMD_LIST }, { O_ZERO, IPVSADM_CMD_ZERO },
		{ O_ADDDEST, IPVSADM_CMD_ADDDEST }, { O_EDITDEST, IPVSADM_CMD_EDITDEST },
		{ O_DELDEST, IPVSADM_CMD_DELDEST }, { O_SET, IPVSADM_CMD_TIMEOUT },
		{ O_HELP, IPVSADM_CMD_HELP }, { O_VERSION, IPVSADM_CMD_VERSION },
		{ O_RESTORE, IPVSADM_CMD_RESTORE }, { O_SAVE, IPVSADM_CMD_SAVE },
		{ O_START_DAEMON, IPVSADM_CMD_STARTDAEMON },
		{ O_STOP_DAEMON, IPVSADM_CMD_STOPDAEMON },
		{ O_ADD_LADDR, IPVSADM_CMD_ADDLADDR }, { O_DEL_LADDR, IPVSADM_CMD_DELLADDR },
		{ O_GET_LADDR, IPVSADM_CMD_GETLADDR },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if ((int)map[i].id != id)
			continue;
		p->c->cmd = map[i].cmd;
		if (id == O_START_DAEMON || id == O_STOP_DAEMON) {
			if (!strcmp(arg, "master"))
				p->c->daemon.state = IPVSADM_DAEMON_MASTER;
			else if (!strcmp(arg, "backup"))
				p->c->daemon.state = IPVSADM_DAEMON_BACKUP;
			else if (id == O_START_DAEMON)
				return fail(p, "illegal start-daemon parameter specified");
			else
				return fail(p, "illegal start_daemon specified"); /* sic */
		}
		return 0;
	}
	return tryhelp(p);
}

/* generic_opt_check(): the matrix, column by column. */
static int matrix_check(struct parse_ctx *p)
{
	int row = p->c->cmd - 1, last = -1;
	const char *cmd = cmdnames[row];

	for (int j = 0; j < IPVSADM_OPT_MAX; j++) {
		char cell = matrix[row][j];

		if (!(p->c->options & IPVSADM_OPT(j))) {
			if (cell == '+')
				return fail(p, "You need to supply the '%s' option for the "
					    "'%s' command", optnames[j], cmd);
			continue;
		}
		if (cell == 'x')
			return fail(p, "Illegal '%s' option with the '%s' command", optnames[j],
				    cmd);
		if (cell == '1') {
			if (last < 0) {
				last = j;
				continue;
			}
			return fail(p, "The option '%s' conflicts with the '%s' option in "
				    "the '%s' command", optnames[j], optnames[last], cmd);
		}
	}
	return 0;
}

/* tunnel_opt_check(): the same walk over the tunnel options. */
static int tunnel_check(struct parse_ctx *p)
{
	static const int cols[4] = { IPVSADM_OPT_TUN_PORT, IPVSADM_OPT_TUN_NOCSUM,
				     IPVSADM_OPT_TUN_CSUM, IPVSADM_OPT_TUN_REMCSUM };
	const char *type = tun_names[p->c->tun_type];
	int last = -1;

	for (int j = 0; j < 4; j++) {
		char cell = tun_matrix[p->c->tun_type][j];
		const char *name = optnames[cols[j]];

		if (!(p->c->options & IPVSADM_OPT(cols[j]))) {
			if (cell == '+')
				return fail(p, "You need to supply the '%s' option for the "
					    "'%s' tunnel type", name, type);
			continue;
		}
		if (cell == 'x')
			return fail(p, "Illegal '%s' option with the '%s' tunnel type", name, type);
		if (cell == '1') {
			if (last < 0) {
				last = j;
				continue;
			}
			return fail(p, "The option '%s' conflicts with the '%s' option in "
				    "the '%s' tunnel type", name, optnames[cols[last]], type);
		}
	}
	return 0;
}

/*
 * parse_sched_flags(). Upstream crashes (strtok returns NULL) on a value
 * without any flag ("-b ,"); we report it as an invalid flag instead.
 */
static int check_sched_flags(struct parse_ctx *p)
{
	const char *sched = p->c->svc.sched_name[0] ? p->c->svc.sched_name : DEF_SCHED;
	char buf[sizeof(p->sched_flags)], *save = NULL;
	char *flag;

	snprintf(buf, sizeof(buf), "%s", p->sched_flags);
	flag = strtok_r(buf, ",", &save);
	if (!flag)
		return fail(p, "invalid scheduler flag `%s'", p->sched_flags);
	for (; flag; flag = strtok_r(NULL, ",", &save)) {
		const char *need = NULL;

		if (!strcmp(flag, "flag-1")) {
			p->c->svc.flags |= DPVS_SVC_F_SCHED1;
		} else if (!strcmp(flag, "flag-2")) {
			p->c->svc.flags |= DPVS_SVC_F_SCHED2;
		} else if (!strcmp(flag, "flag-3")) {
			p->c->svc.flags |= DPVS_SVC_F_SCHED3;
		} else if (!strcmp(flag, "sh-fallback") || !strcmp(flag, "mh-fallback")) {
			p->c->svc.flags |= DPVS_SVC_F_SCHED1;
			need = flag[0] == 's' ? "sh" : "mh";
		} else if (!strcmp(flag, "sh-port") || !strcmp(flag, "mh-port")) {
			p->c->svc.flags |= DPVS_SVC_F_SCHED2;
			need = flag[0] == 's' ? "sh" : "mh";
		} else {
			return fail(p, "invalid scheduler flag `%s'", flag);
		}
		if (need && strcmp(sched, need))
			return fail(p, "incompatible scheduler flag `%s'", flag);
	}
	return 0;
}

/* process_options(): the checks after the matrix, in ipvsadm's order. */
static int command_checks(struct parse_ctx *p)
{
	struct ipvsadm_cmd *c = p->c;
	uint64_t o = c->options;
	const uint64_t tun_opts = IPVSADM_OPT(IPVSADM_OPT_TUN_TYPE) |
				  IPVSADM_OPT(IPVSADM_OPT_TUN_PORT) |
				  IPVSADM_OPT(IPVSADM_OPT_TUN_NOCSUM) |
				  IPVSADM_OPT(IPVSADM_OPT_TUN_CSUM) |
				  IPVSADM_OPT(IPVSADM_OPT_TUN_REMCSUM);

	if (p->have_synproxy && c->cmd != IPVSADM_CMD_ADD && c->cmd != IPVSADM_CMD_EDIT)
		return fail(p, "Illegal 'synproxy' option with the '%s' command",
			    ipvsadm_cmd_name(c->cmd));
	if (c->cmd == IPVSADM_CMD_ADD || c->cmd == IPVSADM_CMD_EDIT) {
		/* port 0 matches every port: only sensible with persistence */
		if (!c->svc.fwmark && !c->svc.port && !(c->svc.flags & DPVS_SVC_F_PERSISTENT))
			return fail(p, "Zero port specified for non-persistent service");
		if ((c->svc.flags & DPVS_SVC_F_ONEPACKET) && !c->svc.fwmark &&
		    c->svc.protocol != IPPROTO_UDP)
			return fail(p, "One-Packet Scheduling is only for UDP virtual services");
		if (!c->svc.sched_name[0])
			strcpy(c->svc.sched_name, DEF_SCHED);
	}
	if (c->cmd == IPVSADM_CMD_STARTDAEMON && !c->daemon.mcast_ifn[0])
		strcpy(c->daemon.mcast_ifn, DEF_MCAST_IFN);
	if (c->cmd == IPVSADM_CMD_ADDDEST || c->cmd == IPVSADM_CMD_EDITDEST) {
		/* DR and TUN cannot change the port: the packet keeps the VIP's */
		if (!c->svc.fwmark && (c->dest.conn_flags == DPVS_FWD_TUNNEL ||
				       c->dest.conn_flags == DPVS_FWD_DROUTE))
			c->dest.port = c->svc.port;
		if (c->dest.af != c->svc.af && c->dest.conn_flags != DPVS_FWD_TUNNEL)
			return fail(p, "Different address family is allowed only for "
				       "tunneling servers");
		if ((o & tun_opts) && c->dest.conn_flags != DPVS_FWD_TUNNEL)
			return fail(p, "Tunnel options conflict with forward method");
		int rc = tunnel_check(p);

		if (rc)
			return rc;
		/* what ipvsadm sends the kernel with a tunnel dest */
		if (c->dest.conn_flags == DPVS_FWD_TUNNEL) {
			c->dest.tun_type = (uint8_t)c->tun_type;
			c->dest.tun_port = htons(c->tun_port);
			c->dest.tun_flags = (uint8_t)c->tun_csum;
		}
	}
	if (c->cmd == IPVSADM_CMD_LIST) {
		uint64_t cto = IPVSADM_OPT(IPVSADM_OPT_CONNECTION) |
			       IPVSADM_OPT(IPVSADM_OPT_TIMEOUT) | IPVSADM_OPT(IPVSADM_OPT_DAEMON);
		uint64_t to = IPVSADM_OPT(IPVSADM_OPT_TIMEOUT) | IPVSADM_OPT(IPVSADM_OPT_DAEMON);
		uint64_t srt = IPVSADM_OPT(IPVSADM_OPT_STATS) | IPVSADM_OPT(IPVSADM_OPT_RATE) |
			       IPVSADM_OPT(IPVSADM_OPT_THRESHOLDS);

		if (((o & cto) && (o & srt)) ||
		    ((o & to) && (o & IPVSADM_OPT(IPVSADM_OPT_PERSISTENTCONN))))
			return fail(p, "options conflicts in the list command");
	}
	if (c->cmd == IPVSADM_CMD_SAVE)
		c->format |= IPVSADM_FMT_RULE;
	return 0;
}

static void cmd_init(struct ipvsadm_cmd *c, const struct dpvs_svc *preset)
{
	memset(c, 0, sizeof(*c));
	c->cmd = IPVSADM_CMD_NONE;
	c->dest.weight = 1;
	c->dest.conn_flags = DPVS_FWD_DROUTE; /* -g is ipvsadm's default */
	c->svc.netmask = 0xffffffff;        /* persistence granularity /32 */
	c->tun_type = IPVSADM_TUN_IPIP;
	if (preset) {
		c->svc = *preset;
		if (c->svc.fwmark)
			c->svc.protocol = IPPROTO_TCP; /* see lookup_proto() */
		c->options |= IPVSADM_OPT(IPVSADM_OPT_SERVICE);
	}
}

int ipvsadm_parse(int argc, char *const argv[], unsigned int flags,
		  const struct dpvs_svc *preset, struct ipvsadm_cmd *cmd, char *msg, size_t msglen)
{
	struct scanner s = { .argc = argc, .argv = argv, .next = 1 };
	struct parse_ctx p = {
		.c = cmd, .flags = flags, .msg = msg, .msglen = msglen,
		.prog = argc > 0 && argv[0] ? argv[0] : "ipvsadm",
	};
	int id, rc;

	if (msglen)
		msg[0] = '\0';
	cmd_init(cmd, preset);

	id = scan_next(&s);
	if (id <= O_END)
		return tryhelp(&p);
	if ((rc = first_option(&p, id, s.arg)))
		return rc;
	if (cmd->cmd == IPVSADM_CMD_HELP || cmd->cmd == IPVSADM_CMD_VERSION)
		return IPVSADM_PARSE_OK; /* nothing after them is parsed */

	while ((id = scan_next(&s)) > O_END) {
		if ((rc = handle_option(&p, id, s.arg, s.word)))
			return rc;
	}
	if (id < 0) {
		snprintf(msg, msglen, "%s: %s\n", s.word, popt_strerror(id));
		return IPVSADM_PARSE_POPT;
	}

	if (cmd->cmd == IPVSADM_CMD_TIMEOUT) {
		uint32_t *t[3] = { &cmd->timeouts.tcp_timeout, &cmd->timeouts.tcp_fin_timeout,
				   &cmd->timeouts.udp_timeout };

		if (s.nleft - s.leftpos < 3)
			return fail(&p, "--set option requires 3 timeout values");
		for (int i = 0; i < 3; i++)
			if ((rc = opt_timeout(&p, s.left[s.leftpos++], 0, t[i])))
				return rc;
	}
	if (s.leftpos < s.nleft)
		return fail(&p, "unexpected argument %s", s.left[s.leftpos]);
	if (p.have_sched_flags && (rc = check_sched_flags(&p)))
		return rc;
	if ((rc = matrix_check(&p)) || (rc = command_checks(&p)))
		return rc;
	if (cmd->svc.fwmark)
		cmd->svc.protocol = 0; /* dpvs keys fwmark services without one */
	cmd->laddr.svc = cmd->svc;
	return IPVSADM_PARSE_OK;
}

int ipvsadm_parse_exit_code(int rc)
{
	switch (rc) {
	case IPVSADM_PARSE_OK:
		return 0;
	case IPVSADM_PARSE_FAIL:
		return 2;
	default:
		return 255;
	}
}

const char *ipvsadm_opt_name(int col)
{
	return col >= 0 && col < IPVSADM_OPT_MAX ? optnames[col] : "?";
}

const char *ipvsadm_cmd_name(int cmd)
{
	return cmd >= 1 && cmd < IPVSADM_CMD_MAX_MATRIX ? cmdnames[cmd - 1] : "?";
}
