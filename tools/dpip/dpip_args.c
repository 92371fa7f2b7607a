/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpip's command line, iproute2 style: `dpip [-s] OBJECT COMMAND ARGS`,
 * objects and commands abbreviable as in `ip` (`dpip r s` is `dpip route
 * show`), `help` or `-h` at every level. The argument words of add/del
 * are parsed by libdpvsctl's spec parsers, the same code that reads the
 * daemon's config file, so both accept and refuse the same things.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "dpip.h"
#include "inet_parse.h"

#define DPIP_MAX_WORDS 64

static const char usage_top[] =
	"Usage: dpip [-s] [-h] [-V] OBJECT COMMAND ...\n"
	"  OBJECT := link | addr | route | neigh | fwmark | capture | check | defense | config |\n"
	"            stats | version\n"
	"  -s   show statistics (-s -s: every drop counter, zero or not)\n"
	"  -h   help; `dpip OBJECT help` for one object\n"
	"  -V   print dpip's version\n"
	"Objects and commands may be abbreviated (dpip r s = dpip route show).\n"
	"The daemon's socket is $DPVS_SOCK or " DPVS_CTL_DEFAULT_SOCK ".\n"
	"Exit status: 0 done, 1 dpvs reported an error, 2 bad usage.\n";
static const char usage_link[] =
	"Usage: dpip [-s] link show [[dev] NAME] [-s]\n"
	"       dpip link set [dev] NAME up|down\n"
	"  -s: packets, bytes, KNI, replies, hardware counters and non-zero drops\n"
	"  -s -s: every drop reason\n"
	"  set down: the workers stop polling and sending on the port (frames routed\n"
	"  out of it count link-down) once the command returns; the device stays as\n"
	"  it is, so a virtual peer (memif, vhost) may then disconnect safely.\n";
static const char usage_addr[] =
	"Usage: dpip addr add PREFIX dev NAME\n"
	"       dpip addr del PREFIX dev NAME\n"
	"       dpip addr show [[dev] NAME]\n"
	"  PREFIX := ADDRESS[/LENGTH], e.g. 192.168.1.111/24 (no /LENGTH: a host address)\n";
static const char usage_route[] =
	"Usage: dpip route add PREFIX|default [via GATEWAY] dev NAME [src ADDRESS] [metric N]\n"
	"       dpip route del PREFIX|default [via GATEWAY] dev NAME [src ADDRESS] [metric N]\n"
	"       dpip route show\n"
	"  PREFIX := NETWORK/LENGTH, e.g. 10.0.0.0/24\n";
static const char usage_neigh[] =
	"Usage: dpip neigh add ADDRESS lladdr MAC dev NAME [nud permanent|reachable|stale]\n"
	"       dpip neigh del ADDRESS dev NAME\n"
	"       dpip neigh show [[dev] NAME]\n"
	"  MAC := aa:bb:cc:dd:ee:ff\n";
static const char usage_config[] =
	"Usage: dpip config reload\n"
	"  re-reads the daemon's config file; a file with errors changes nothing\n";
static const char usage_stats[] =
	"Usage: dpip stats\n"
	"  per worker: loops, packets, busy cycles, cycles/packet, packets/s, connections\n";
static const char usage_version[] =
	"Usage: dpip version\n"
	"  versions of dpip and of the running dpvs\n";
static const char version_text[] = "dpip " DPVS_VERSION_STRING "\n";

struct parse {
	struct dpip_cmd *cmd;
	char *err;
	size_t errlen;
};

static int bad(struct parse *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int bad(struct parse *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->err, p->errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* `ip` abbreviations: a non-empty prefix of the full word. */
static bool matches(const char *word, const char *full)
{
	size_t n = strlen(word);

	return n > 0 && strncmp(word, full, n) == 0;
}

static bool is_help(const char *w)
{
	return strcmp(w, "help") == 0 || strcmp(w, "-h") == 0 || strcmp(w, "--help") == 0 ||
	       strcmp(w, "-help") == 0;
}

static bool is_stats_flag(const char *w)
{
	return strcmp(w, "-s") == 0 || strcmp(w, "-stats") == 0 ||
	       strcmp(w, "-statistics") == 0;
}

static bool is_show(const char *w)
{
	return matches(w, "show") || matches(w, "list") || strcmp(w, "ls") == 0 ||
	       strcmp(w, "lst") == 0;
}

static bool is_del(const char *w)
{
	return matches(w, "delete") || strcmp(w, "del") == 0;
}

/* Removes the -s flags of a show command, counting them. */
static int take_stats_flags(struct parse *p, int *argc, char **argv)
{
	int n = 0;

	for (int i = 0; i < *argc; i++) {
		if (is_stats_flag(argv[i]))
			p->cmd->stats++;
		else
			argv[n++] = argv[i];
	}
	*argc = n;
	return 0;
}

/* The word at argv[*i], or the one after it when it is the keyword "dev"
 * (as in ip, "dev" may be left out); *i is left on the word taken. */
static int dev_word(struct parse *p, int argc, char **argv, int *i, const char **w)
{
	*w = argv[*i];
	if (strcmp(*w, "dev") != 0)
		return 0;
	if (*i + 1 >= argc)
		return bad(p, "'dev' needs a value (dev NAME)");
	*w = argv[++*i];
	return 0;
}

static int check_dev_name(struct parse *p, const char *w)
{
	if (!*w || strlen(w) >= DPVS_IFNAMSIZ)
		return bad(p, "bad device name '%s': 1..%d characters expected", w,
			   DPVS_IFNAMSIZ - 1);
	return 0;
}

/* show [[dev] NAME] */
static int parse_show_filter(struct parse *p, int argc, char **argv)
{
	const char *name = NULL;

	for (int i = 0; i < argc; i++) {
		const char *w;

		if (dev_word(p, argc, argv, &i, &w))
			return -EINVAL;
		if (name)
			return bad(p, "unexpected word '%s'", w);
		if (check_dev_name(p, w))
			return -EINVAL;
		name = w;
	}
	if (name)
		snprintf(p->cmd->ifname, sizeof(p->cmd->ifname), "%s", name);
	return 0;
}

static int no_more_words(struct parse *p, int argc, char **argv)
{
	if (argc > 0)
		return bad(p, "unexpected word '%s'", argv[0]);
	return 0;
}

/* Shared by every object: the COMMAND word, "show" when omitted as in ip. */
static const char *command_word(int argc, char **argv)
{
	return argc > 0 ? argv[0] : "show";
}

/* link set [dev] NAME up|down */
static int parse_link_set(struct parse *p, int argc, char **argv)
{
	struct dpvs_link_set *ls = &p->cmd->req.link;
	const char *name = NULL;
	int state = -1;

	for (int i = 0; i < argc; i++) {
		const char *w = argv[i];

		if (strcmp(w, "up") == 0 || strcmp(w, "down") == 0) {
			if (state >= 0)
				return bad(p, "link set: '%s' after '%s'", w, state ? "up" : "down");
			state = strcmp(w, "up") == 0;
			continue;
		}
		if (dev_word(p, argc, argv, &i, &w))
			return -EINVAL;
		if (name)
			return bad(p, "link set: unexpected word '%s' (expected up or down)", w);
		if (check_dev_name(p, w))
			return -EINVAL;
		name = w;
	}
	if (!name)
		return bad(p, "link set: which device? (dpip link set dev NAME up|down)");
	if (state < 0)
		return bad(p, "link set %s: up or down?", name);
	snprintf(ls->ifname, sizeof(ls->ifname), "%s", name);
	ls->up = (uint32_t)state;
	p->cmd->msg = DPVS_MSG_LINK_SET;
	p->cmd->req_len = sizeof(*ls);
	return 0;
}

static int parse_link(struct parse *p, int argc, char **argv)
{
	const char *c = command_word(argc, argv);

	if (argc > 0 && strcmp(c, "set") == 0)
		return parse_link_set(p, argc - 1, argv + 1);
	if (!is_show(c) && !is_stats_flag(c))
		return bad(p, "unknown command '%s' for link (expected show or set)", c);
	if (argc > 0 && !is_stats_flag(c)) {
		argc--;
		argv++;
	}
	take_stats_flags(p, &argc, argv);
	p->cmd->msg = DPVS_MSG_LINK_SHOW;
	return parse_show_filter(p, argc, argv);
}

/*
 * addr, route and neigh share one grammar: add|del SPEC, or show [[dev] NAME].
 * What differs is the messages and the libdpvsctl spec parser.
 */
struct spec_object {
	const char *name;
	uint16_t add_msg, del_msg, show_msg;
	uint32_t req_len;
	int (*parse_spec)(int argc, char **argv, int add, struct dpip_cmd *cmd, char *err,
			  size_t errlen);
};

static int addr_spec(int argc, char **argv, int add, struct dpip_cmd *cmd, char *err,
		     size_t errlen)
{
	(void)add;
	return spec_parse_addr(argc, argv, &cmd->req.addr, err, errlen);
}

static int route_spec(int argc, char **argv, int add, struct dpip_cmd *cmd, char *err,
		      size_t errlen)
{
	(void)add;
	return spec_parse_route(argc, argv, &cmd->req.route, err, errlen);
}

/* del needs no MAC: the address and device name the entry */
static int neigh_spec(int argc, char **argv, int add, struct dpip_cmd *cmd, char *err,
		      size_t errlen)
{
	return spec_parse_neigh(argc, argv, add, &cmd->req.neigh, err, errlen);
}

static const struct spec_object addr_object = {
	"addr", DPVS_MSG_ADDR_ADD, DPVS_MSG_ADDR_DEL, DPVS_MSG_ADDR_SHOW,
	sizeof(struct dpvs_addr), addr_spec,
};
static const struct spec_object route_object = {
	"route", DPVS_MSG_ROUTE_ADD, DPVS_MSG_ROUTE_DEL, DPVS_MSG_ROUTE_SHOW,
	sizeof(struct dpvs_route), route_spec,
};
static const struct spec_object neigh_object = {
	"neigh", DPVS_MSG_NEIGH_ADD, DPVS_MSG_NEIGH_DEL, DPVS_MSG_NEIGH_SHOW,
	sizeof(struct dpvs_neigh), neigh_spec,
};

static int parse_spec_object(struct parse *p, const struct spec_object *o, int argc,
			     char **argv)
{
	const char *c = command_word(argc, argv);
	struct dpip_cmd *cmd = p->cmd;

	if (argc > 0) {
		argc--;
		argv++;
	}
	if (matches(c, "add") || is_del(c)) {
		int add = matches(c, "add");

		cmd->msg = add ? o->add_msg : o->del_msg;
		cmd->req_len = o->req_len;
		return o->parse_spec(argc, argv, add, cmd, p->err, p->errlen);
	}
	if (is_show(c)) {
		take_stats_flags(p, &argc, argv);
		cmd->msg = o->show_msg;
		return parse_show_filter(p, argc, argv);
	}
	return bad(p, "unknown command '%s' for %s (expected add, del or show)", c, o->name);
}

static int parse_addr(struct parse *p, int argc, char **argv)
{
	return parse_spec_object(p, &addr_object, argc, argv);
}

static int parse_route(struct parse *p, int argc, char **argv)
{
	return parse_spec_object(p, &route_object, argc, argv);
}

static int parse_neigh(struct parse *p, int argc, char **argv)
{
	return parse_spec_object(p, &neigh_object, argc, argv);
}

static int parse_config(struct parse *p, int argc, char **argv)
{
	if (argc == 0)
		return bad(p, "missing command for config (expected reload)");
	if (!matches(argv[0], "reload"))
		return bad(p, "unknown command '%s' for config (expected reload)", argv[0]);
	p->cmd->msg = DPVS_MSG_CONFIG_RELOAD;
	return no_more_words(p, argc - 1, argv + 1);
}

static int parse_stats(struct parse *p, int argc, char **argv)
{
	if (argc > 0 && is_show(argv[0])) {
		argc--;
		argv++;
	}
	take_stats_flags(p, &argc, argv);
	p->cmd->msg = DPVS_MSG_STATS;
	return no_more_words(p, argc, argv);
}

static int parse_version(struct parse *p, int argc, char **argv)
{
	p->cmd->msg = DPVS_MSG_PING;
	return no_more_words(p, argc, argv);
}

static int parse_fwmark(struct parse *p, int argc, char **argv)
{
	return dpip_fwmark_parse(argc, argv, p->cmd, p->err, p->errlen);
}

static int parse_defense(struct parse *p, int argc, char **argv)
{
	return dpip_defense_parse(argc, argv, p->cmd, p->err, p->errlen);
}

static int parse_capture(struct parse *p, int argc, char **argv)
{
	return dpip_capture_parse(argc, argv, p->cmd, p->err, p->errlen);
}

static int parse_check(struct parse *p, int argc, char **argv)
{
	return dpip_check_parse(argc, argv, p->cmd, p->err, p->errlen);
}

static const struct dpip_object {
	const char *name; /* in abbreviation priority order, as in ip */
	const char *usage;
	int (*parse)(struct parse *p, int argc, char **argv);
} objects[] = {
	{ "link", usage_link, parse_link },
	{ "address", usage_addr, parse_addr },
	{ "route", usage_route, parse_route },
	{ "neighbour", usage_neigh, parse_neigh },
	{ "neighbor", usage_neigh, parse_neigh },
	{ "fwmark", dpip_fwmark_usage, parse_fwmark },
	{ "capture", dpip_capture_usage, parse_capture },
	{ "defense", dpip_defense_usage, parse_defense },
	{ "config", usage_config, parse_config },
	{ "check", dpip_check_usage, parse_check },
	{ "stats", usage_stats, parse_stats },
	{ "version", usage_version, parse_version },
};

int dpip_parse(int argc, char **argv, struct dpip_cmd *cmd, char *err, size_t errlen)
{
	struct parse p = { .cmd = cmd, .err = err, .errlen = errlen };
	char *words[DPIP_MAX_WORDS];
	int i = 0;

	memset(cmd, 0, sizeof(*cmd));
	cmd->usage = usage_top;
	if (err && errlen)
		err[0] = '\0';

	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *o = argv[i];

		if (is_stats_flag(o))
			cmd->stats++;
		else if (is_help(o))
			return DPIP_HELP;
		else if (strcmp(o, "-V") == 0 || strcmp(o, "-Version") == 0 ||
			 strcmp(o, "--version") == 0) {
			cmd->usage = version_text;
			return DPIP_HELP;
		} else
			return bad(&p, "unknown option '%s'", o);
	}
	if (i == argc)
		return bad(&p, "missing OBJECT");
	if (is_help(argv[i]))
		return DPIP_HELP;

	const char *word = argv[i++];

	for (size_t k = 0; k < sizeof(objects) / sizeof(objects[0]); k++) {
		const struct dpip_object *o = &objects[k];
		int n = argc - i;

		if (!matches(word, o->name))
			continue;
		cmd->usage = o->usage;
		if (n > DPIP_MAX_WORDS)
			return bad(&p, "too many words (at most %d after the object)",
				   DPIP_MAX_WORDS);
		/* help anywhere in an object's words asks for that object's usage */
		for (int j = 0; j < n; j++)
			if (is_help(argv[i + j]))
				return DPIP_HELP;
		/* a copy: the parsers drop -s words in place */
		memcpy(words, argv + i, (size_t)n * sizeof(words[0]));
		return o->parse(&p, n, words);
	}
	return bad(&p, "unknown object '%s' (expected link, addr, route, neigh, fwmark, capture, "
		   "config, check, defense, stats or version)", word);
}

int dpip_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

bool dpip_is_word(const char *w, const char *full)
{
	size_t n = strlen(w);

	return n > 0 && strncmp(w, full, n) == 0;
}
