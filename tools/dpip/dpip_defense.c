/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpip defense: the DoS defences of the daemon, LVS's
 * /proc/sys/net/ipv4/vs/{drop_entry,drop_packet,secure_tcp,am_droprate}
 * with the table occupancy in amemthresh's place (src/ipvs/defense.h):
 *
 *   dpip defense show
 *   dpip defense set KEY VALUE [KEY VALUE ...]
 *
 * set changes only the keys it names (the daemon checks them all first:
 * one bad value changes nothing); [defense] of the config file says the
 * same, and a reload that leaves that section as it was keeps them.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "dpip.h"
#include "dpvs_client.h"

const char dpip_defense_usage[] =
    "Usage: dpip defense show\n"
    "       dpip defense set KEY VALUE [KEY VALUE ...]\n"
    "  KEY := drop_entry | drop_packet | secure_tcp   0 off, 1 or 2 automatic (while the\n"
    "                     conn table is above threshold), 3 always (as LVS)\n"
    "       | threshold PERCENT        occupancy from which the table is short (1..100)\n"
    "       | am_droprate N            drop_packet 3 drops one new flow in N\n"
    "       | evict_threshold PERCENT  from it new flows reclaim TIME_WAIT, CLOSE and\n"
    "                                  half-open conns (0 never, 100 only when full)\n"
    "       | unknown_tcp drop|rst     a non-SYN segment of no known flow to a service\n";

static const struct {
	const char *name;
	uint32_t bit;
	size_t off;
	uint32_t max;
} keys[] = {
	{ "drop_entry", DPVS_DEF_F_DROP_ENTRY, offsetof(struct dpvs_defense, drop_entry), 3 },
	{ "drop_packet", DPVS_DEF_F_DROP_PACKET, offsetof(struct dpvs_defense, drop_packet), 3 },
	{ "secure_tcp", DPVS_DEF_F_SECURE_TCP, offsetof(struct dpvs_defense, secure_tcp), 3 },
	{ "threshold", DPVS_DEF_F_THRESHOLD, offsetof(struct dpvs_defense, threshold), 100 },
	{ "am_droprate", DPVS_DEF_F_AM_DROPRATE, offsetof(struct dpvs_defense, am_droprate),
	  1000000 },
	{ "evict_threshold", DPVS_DEF_F_EVICT_THRESHOLD,
	  offsetof(struct dpvs_defense, evict_threshold), 100 },
	{ "unknown_tcp", DPVS_DEF_F_UNKNOWN_TCP, offsetof(struct dpvs_defense, unknown_tcp), 1 },
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static int parse_value(unsigned k, const char *v, uint32_t *out, char *err, size_t errlen)
{
	char *end;
	unsigned long n;

	if (keys[k].bit == DPVS_DEF_F_UNKNOWN_TCP) {
		if (strcmp(v, "drop") == 0)
			*out = DPVS_UNKNOWN_TCP_DROP;
		else if (strcmp(v, "rst") == 0)
			*out = DPVS_UNKNOWN_TCP_RST;
		else
			return dpip_fail(err, errlen, "bad unknown_tcp '%s': expected drop or rst", v);
		return 0;
	}
	errno = 0;
	n = strtoul(v, &end, 10);
	if (!*v || *v == '-' || *v == '+' || *end || errno || n > keys[k].max ||
	    (n == 0 && (keys[k].bit == DPVS_DEF_F_THRESHOLD ||
			keys[k].bit == DPVS_DEF_F_AM_DROPRATE)))
		return dpip_fail(err, errlen, "bad %s '%s': expected %u..%u", keys[k].name, v,
				 keys[k].bit == DPVS_DEF_F_THRESHOLD ||
					 keys[k].bit == DPVS_DEF_F_AM_DROPRATE,
				 keys[k].max);
	*out = (uint32_t)n;
	return 0;
}

int dpip_defense_parse(int argc, char **argv, struct dpip_cmd *cmd, char *err, size_t errlen)
{
	const char *c = argc > 0 ? argv[0] : "show";
	struct dpvs_defense *d = &cmd->req.defense;

	cmd->usage = dpip_defense_usage;
	if (argc > 0) {
		argc--;
		argv++;
	}
	if (dpip_is_word(c, "show") || dpip_is_word(c, "list") || strcmp(c, "ls") == 0) {
		if (argc > 0)
			return dpip_fail(err, errlen, "unexpected word '%s'", argv[0]);
		cmd->msg = DPVS_MSG_DEFENSE_GET;
		return 0;
	}
	if (!dpip_is_word(c, "set"))
		return dpip_fail(err, errlen, "unknown command '%s' for defense (expected show or set)",
				 c);
	cmd->msg = DPVS_MSG_DEFENSE_SET;
	cmd->req_len = sizeof(*d);
	memset(d, 0, sizeof(*d));
	if (argc == 0)
		return dpip_fail(err, errlen, "set needs KEY VALUE");
	for (int i = 0; i < argc; i += 2) {
		unsigned k;

		for (k = 0; k < NKEYS && strcmp(argv[i], keys[k].name) != 0; k++)
			;
		if (k == NKEYS)
			return dpip_fail(err, errlen, "unknown key '%s'", argv[i]);
		if (i + 1 >= argc)
			return dpip_fail(err, errlen, "'%s' needs a value", argv[i]);
		if (d->mask & keys[k].bit)
			return dpip_fail(err, errlen, "'%s' given twice", argv[i]);
		if (parse_value(k, argv[i + 1], (uint32_t *)(void *)((char *)d + keys[k].off), err,
				errlen))
			return -EINVAL;
		d->mask |= keys[k].bit;
	}
	return 0;
}

static const char *level_name(uint32_t level)
{
	static const char *const names[] = { "off", "automatic", "automatic", "always" };

	return level < 4 ? names[level] : "?";
}

int dpip_defense_print(FILE *out, const struct dpip_cmd *cmd, const void *reply, uint32_t rlen,
		       char *err, size_t errlen)
{
	struct dpvs_defense_info in;

	if (cmd->msg == DPVS_MSG_DEFENSE_SET)
		return 0; /* silence is success, as with ip */
	if (rlen != sizeof(in)) {
		snprintf(err, errlen, "defense: reply of %u bytes, expected %zu", rlen, sizeof(in));
		return -EBADMSG;
	}
	memcpy(&in, reply, sizeof(in));
	/* LVS shows 2 for an automatic defence while it is in force */
	fprintf(out, "drop_entry %u (%s, in force on %u of %u workers) entries-dropped %" PRIu64 "\n",
		in.conf.drop_entry && in.conf.drop_entry < 3 && in.drop_entry_on ? 2 : in.conf.drop_entry,
		level_name(in.conf.drop_entry), in.drop_entry_on, in.nworkers, in.entries_dropped);
	fprintf(out, "drop_packet %u (%s, in force on %u of %u workers) packets-dropped %" PRIu64
		"\n",
		in.conf.drop_packet && in.conf.drop_packet < 3 && in.drop_packet_on
			? 2
			: in.conf.drop_packet,
		level_name(in.conf.drop_packet), in.drop_packet_on, in.nworkers, in.packets_dropped);
	fprintf(out, "secure_tcp %u (%s, in force on %u of %u workers)\n",
		in.conf.secure_tcp && in.conf.secure_tcp < 3 && in.secure_tcp_on ? 2
										 : in.conf.secure_tcp,
		level_name(in.conf.secure_tcp), in.secure_tcp_on, in.nworkers);
	fprintf(out, "threshold %u%% am_droprate %u\n", in.conf.threshold, in.conf.am_droprate);
	fprintf(out, "evict_threshold %u%% evicted %" PRIu64 "\n", in.conf.evict_threshold,
		in.evicted);
	fprintf(out, "unknown_tcp %s rst-sent %" PRIu64 "\n",
		in.conf.unknown_tcp == DPVS_UNKNOWN_TCP_RST ? "rst" : "drop", in.rst_sent);
	fprintf(out, "chain-max %u chain-long %" PRIu64 "\n", in.chain_max, in.chain_long);
	return 0;
}
