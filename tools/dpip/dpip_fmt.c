/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpip's output: the daemon's replies printed the way `ip` prints the
 * kernel's, so an operator's eyes (and scripts) carry over: `ip link`
 * blocks for links, `inet A/L scope global DEV` for addresses, `ip route`
 * and `ip neigh` lines. Writes to any FILE so tests can read it back.
 *
 * List entries are copied out one by one at the size the daemon says it
 * sent: a newer daemon may append fields (ignored here), and the entries
 * need not be aligned in the reply buffer.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>

#include "dpip.h"
#include "dpvs_client.h"
#include "inet_parse.h"

struct list_iter {
	const uint8_t *first;
	uint32_t count;
	uint32_t entry_size;
};

static int list_open(struct list_iter *it, const void *reply, uint32_t rlen, size_t min_entry,
		     char *err, size_t errlen)
{
	struct dpvs_list l;

	it->first = dpvs_list_entries(reply, rlen, min_entry, &it->count, err, errlen);
	if (!it->first)
		return -EBADMSG;
	memcpy(&l, reply, sizeof(l));
	it->entry_size = l.entry_size;
	return 0;
}

static void list_get(const struct list_iter *it, uint32_t i, void *dst, size_t size)
{
	size_t n = it->entry_size < size ? it->entry_size : size;

	memset(dst, 0, size);
	memcpy(dst, it->first + (size_t)i * it->entry_size, n);
}

/* A fixed-size C string from the daemon may lack its NUL: bound it. */
static int name_len(const char *s, size_t size)
{
	return (int)strnlen(s, size);
}

#define NAME(s) name_len((s), sizeof(s)), (s)

static bool name_filter_passes(const struct dpip_cmd *cmd, const char *ifname, size_t size)
{
	return !cmd->ifname[0] || strncmp(cmd->ifname, ifname, size) == 0;
}

/* ---- link ---- */

static void print_link_flags(FILE *out, uint32_t flags)
{
	const char *sep = "";

	fputc('<', out);
	if (flags & DPVS_LINK_F_UP) {
		fprintf(out, "%sUP", sep);
		sep = ",";
	}
	if (flags & DPVS_LINK_F_LOWER_UP) {
		fprintf(out, "%sLOWER_UP", sep);
		sep = ",";
	}
	if (flags & DPVS_LINK_F_PROMISC)
		fprintf(out, "%sPROMISC", sep);
	fputc('>', out);
}

static void print_link_stats(FILE *out, const struct dpvs_link *l, int level)
{
	uint64_t rx_dropped = 0, later = 0;

	for (int i = 0; i < DPVS_DROP_MAX; i++) {
		if (dpvs_drop_is_rx_fate((enum dpvs_drop_reason)i))
			rx_dropped += l->drops[i];
		else
			later += l->drops[i];
	}
	fprintf(out, "    RX: packets %" PRIu64 " bytes %" PRIu64 "\n", l->rx_packets, l->rx_bytes);
	fprintf(out, "    TX: packets %" PRIu64 " bytes %" PRIu64 "\n", l->tx_packets, l->tx_bytes);
	/* what became of each received frame: these add up to RX packets */
	fprintf(out,
		"    fates: forwarded %" PRIu64 " arp-replied %" PRIu64 " icmp-echo-replied %" PRIu64
		" to-kernel %" PRIu64 " dropped %" PRIu64 "\n",
		l->forwarded, l->arp_replied, l->icmp_echo_replied, l->to_kernel, rx_dropped);
	fprintf(out, "    KNI: tap-took %" PRIu64 " from-kernel %" PRIu64 "\n", l->kni_rx, l->kni_tx);
	fprintf(out,
		"    hw: rx-packets %" PRIu64 " tx-packets %" PRIu64 " rx-errors %" PRIu64
		" tx-errors %" PRIu64 " rx-missed %" PRIu64 " rx-nombuf %" PRIu64 "\n",
		l->hw_ipackets, l->hw_opackets, l->hw_ierrors, l->hw_oerrors, l->hw_imissed,
		l->hw_rx_nombuf);
	/* lost after their fate, on the way out of this port (tx ring or TAP
	 * full, port down), or our own packets that could not be made */
	fprintf(out, "    lost-leaving %" PRIu64 "\n", later);
	/* one reason per line, by name: grep-able; zeros only on request */
	for (int i = 0; i < DPVS_DROP_MAX; i++)
		if (l->drops[i] || level > 1)
			fprintf(out, "    drop %s %" PRIu64 "\n", dpvs_drop_names[i], l->drops[i]);
}

static int print_links(FILE *out, const struct dpip_cmd *cmd, const void *reply, uint32_t rlen,
		       char *err, size_t errlen)
{
	struct list_iter it;
	struct dpvs_link l;
	char mac[32];
	bool found = false;

	if (list_open(&it, reply, rlen, sizeof(l), err, errlen))
		return -EBADMSG;
	for (uint32_t i = 0; i < it.count; i++) {
		list_get(&it, i, &l, sizeof(l));
		if (!name_filter_passes(cmd, l.ifname, sizeof(l.ifname)))
			continue;
		found = true;
		fprintf(out, "%u: %.*s: ", l.port_id, NAME(l.ifname));
		print_link_flags(out, l.flags);
		/* as ip's operstate: up when set up and the device has carrier */
		fprintf(out, " mtu %u state %s\n", l.mtu,
			(l.flags & DPVS_LINK_F_UP) && (l.flags & DPVS_LINK_F_LOWER_UP) ? "UP"
											 : "DOWN");
		fprintf(out, "    link/ether %s brd ff:ff:ff:ff:ff:ff\n", mac_fmt(&l.mac, mac,
										   sizeof(mac)));
		fprintf(out, "    device %.*s driver %.*s rxq %u txq %u", NAME(l.device),
			NAME(l.driver), l.rx_queues, l.tx_queues);
		if (l.vlan) /* as ip -d shows a vlan link's id */
			fprintf(out, " vlan id %u", l.vlan);
		if (l.link_speed)
			fprintf(out, " speed %uMb/s", l.link_speed);
		fputc('\n', out);
		if (l.kni_name[0])
			fprintf(out, "    kni %.*s\n", NAME(l.kni_name));
		else
			fprintf(out, "    kni off\n");
		if (cmd->stats)
			print_link_stats(out, &l, cmd->stats);
	}
	if (cmd->ifname[0] && !found) {
		snprintf(err, errlen, "no device '%s' (see dpip link show)", cmd->ifname);
		return -ENODEV;
	}
	return 0;
}

/* ---- addresses, routes, neighbours ---- */

static unsigned host_bits(uint8_t family)
{
	return family == AF_INET6 ? 128 : 32;
}

static int print_addrs(FILE *out, const struct dpip_cmd *cmd, const void *reply, uint32_t rlen,
		       char *err, size_t errlen)
{
	struct list_iter it;
	struct dpvs_addr a;
	char ip[64];

	if (list_open(&it, reply, rlen, sizeof(a), err, errlen))
		return -EBADMSG;
	for (uint32_t i = 0; i < it.count; i++) {
		list_get(&it, i, &a, sizeof(a));
		if (!name_filter_passes(cmd, a.ifname, sizeof(a.ifname)))
			continue;
		fprintf(out, "%s %s/%u scope global%s%s %.*s\n",
			a.family == AF_INET6 ? "inet6" : "inet",
			inet_fmt(a.family, &a.addr, ip, sizeof(ip)), a.prefixlen,
			(a.flags & DPVS_ADDR_F_VIP) ? " vip" : "",
			(a.flags & DPVS_ADDR_F_LIP) ? " lip" : "", NAME(a.ifname));
	}
	return 0;
}

static bool addr_is_zero(const union inet_addr *a)
{
	return !(a->be32[0] | a->be32[1] | a->be32[2] | a->be32[3]);
}

static int print_routes(FILE *out, const struct dpip_cmd *cmd, const void *reply, uint32_t rlen,
			char *err, size_t errlen)
{
	struct list_iter it;
	struct dpvs_route r;
	char ip[64];

	if (list_open(&it, reply, rlen, sizeof(r), err, errlen))
		return -EBADMSG;
	for (uint32_t i = 0; i < it.count; i++) {
		list_get(&it, i, &r, sizeof(r));
		if (!name_filter_passes(cmd, r.ifname, sizeof(r.ifname)))
			continue;
		/* as ip route: "default", a bare host address, or NET/LEN */
		if (r.prefixlen == 0)
			fputs("default", out);
		else if (r.prefixlen == host_bits(r.family))
			fputs(inet_fmt(r.family, &r.dst, ip, sizeof(ip)), out);
		else
			fprintf(out, "%s/%u", inet_fmt(r.family, &r.dst, ip, sizeof(ip)),
				r.prefixlen);
		if (!addr_is_zero(&r.gateway))
			fprintf(out, " via %s", inet_fmt(r.family, &r.gateway, ip, sizeof(ip)));
		fprintf(out, " dev %.*s", NAME(r.ifname));
		if (r.flags & DPVS_ROUTE_F_CONNECTED)
			fputs(" proto kernel scope link", out);
		else if (addr_is_zero(&r.gateway))
			fputs(" scope link", out);
		if (!addr_is_zero(&r.src))
			fprintf(out, " src %s", inet_fmt(r.family, &r.src, ip, sizeof(ip)));
		if (r.metric)
			fprintf(out, " metric %u", r.metric);
		fputc('\n', out);
	}
	return 0;
}

static const char *neigh_state_name(uint8_t state)
{
	switch (state) {
	case DPVS_NEIGH_INCOMPLETE:
		return "INCOMPLETE";
	case DPVS_NEIGH_REACHABLE:
		return "REACHABLE";
	case DPVS_NEIGH_STALE:
		return "STALE";
	case DPVS_NEIGH_PERMANENT:
		return "PERMANENT";
	}
	return "UNKNOWN";
}

static int print_neighs(FILE *out, const struct dpip_cmd *cmd, const void *reply, uint32_t rlen,
			char *err, size_t errlen)
{
	struct list_iter it;
	struct dpvs_neigh n;
	char ip[64], mac[32];

	if (list_open(&it, reply, rlen, sizeof(n), err, errlen))
		return -EBADMSG;
	for (uint32_t i = 0; i < it.count; i++) {
		list_get(&it, i, &n, sizeof(n));
		if (!name_filter_passes(cmd, n.ifname, sizeof(n.ifname)))
			continue;
		fprintf(out, "%s dev %.*s", inet_fmt(n.family, &n.addr, ip, sizeof(ip)),
			NAME(n.ifname));
		/* an unresolved entry has no MAC to show, as in ip neigh */
		if (n.state != DPVS_NEIGH_INCOMPLETE)
			fprintf(out, " lladdr %s", mac_fmt(&n.mac, mac, sizeof(mac)));
		fprintf(out, " %s", neigh_state_name(n.state));
		if (cmd->stats) {
			fprintf(out, " age %us", n.age_sec);
			if (n.queued)
				fprintf(out, " queued %u", n.queued);
		}
		fputc('\n', out);
	}
	return 0;
}

/* ---- daemon ---- */

/* dpip -s stats: the SYN proxy's counters, a line per worker after the
 * table (its columns stay as scripts read them). */
static void print_synp_stats(FILE *out, const struct dpvs_worker_stats *w)
{
	fprintf(out,
		"lcore %u synproxy: cookies-sent %" PRIu64 " cookies-valid %" PRIu64
		" cookies-bad %" PRIu64 " spliced %" PRIu64 " held %" PRIu64 " held-lost %" PRIu64
		" rs-refused %" PRIu64 " syn-resent %" PRIu64 " synack-reacked %" PRIu64
		" synproxy-local %" PRIu64 "\n",
		w->lcore_id, w->synp_cookies_sent, w->synp_cookies_valid, w->synp_cookies_bad,
		w->synp_spliced, w->synp_held, w->synp_held_lost, w->synp_rs_refused,
		w->synp_syn_resent, w->synp_synack_reacked, w->synp_local);
}

static int print_stats(FILE *out, const struct dpip_cmd *cmd, const void *reply, uint32_t rlen,
		       char *err, size_t errlen)
{
	struct list_iter it;
	struct dpvs_worker_stats w;
	uint64_t packets = 0, conns = 0;
	double pps = 0;

	if (list_open(&it, reply, rlen, sizeof(w), err, errlen))
		return -EBADMSG;
	fprintf(out,
		"%5s %4s %14s %6s %14s %16s %10s %12s %10s %10s %10s %12s %12s %10s %9s %10s %11s "
		"%10s %11s %11s %10s %10s\n",
		"lcore", "cpu", "loops", "idle%", "packets", "busy-cycles", "cycles/pkt", "pps",
		"conns", "conn-max", "conn-bytes", "redir-out", "redir-in", "redir-drop", "chain-max",
		"toa", "toa-noroom", "uoa", "uoa-noroom", "mss-clamped", "pp", "pp-noroom");
	for (uint32_t i = 0; i < it.count; i++) {
		double idle;

		list_get(&it, i, &w, sizeof(w));
		idle = w.loops ? 100.0 * (double)w.idle_loops / (double)w.loops : 0.0;
		fprintf(out,
			"%5u %4u %14" PRIu64 " %5.1f%% %14" PRIu64 " %16" PRIu64
			" %10.1f %12.0f %10u %10u %10u %12" PRIu64 " %12" PRIu64 " %10" PRIu64
			" %9u %10" PRIu64 " %11" PRIu64 " %10" PRIu64 " %11" PRIu64 " %11" PRIu64
			" %10" PRIu64 " %10" PRIu64 "\n",
			w.lcore_id, w.cpu, w.loops, idle, w.packets, w.busy_cycles,
			w.cycles_per_packet, w.pps, w.conns, w.conn_max, w.conn_bytes, w.redirected_out,
			w.redirected_in, w.redirect_drops, w.chain_max, w.toa_added, w.toa_no_room,
			w.uoa_added, w.uoa_no_room, w.mss_clamped, w.pp_added, w.pp_no_room);
		packets += w.packets;
		pps += w.pps;
		conns += w.conns;
	}
	fprintf(out, "%5s %4s %14s %6s %14" PRIu64 " %16s %10s %12.0f %10" PRIu64 "\n", "total",
		"", "", "", packets, "", "", pps, conns);
	/* the IPVS tables' limits follow the list */
	size_t at = sizeof(struct dpvs_list) + (size_t)it.count * it.entry_size;
	struct dpvs_ipvs_limits l;

	if (rlen >= at + sizeof(l)) {
		memcpy(&l, (const char *)reply + at, sizeof(l));
		fprintf(out,
			"ipvs: services %u of %u%s, real servers %u of %u%s (hugepage bytes "
			"each: %u and %u)\n",
			l.svcs, l.svc_max, l.from_memory & DPVS_LIMITS_F_SVC_MEM ? " (from memory)" : "",
			l.dests, l.dest_max,
			l.from_memory & DPVS_LIMITS_F_DEST_MEM ? " (from memory)" : "", l.svc_bytes,
			l.dest_bytes);
	}
	for (uint32_t i = 0; cmd->stats && i < it.count; i++) {
		list_get(&it, i, &w, sizeof(w));
		print_synp_stats(out, &w);
	}
	return 0;
}

static void print_uptime(FILE *out, uint64_t s)
{
	if (s >= 86400)
		fprintf(out, "%" PRIu64 "d ", s / 86400);
	fprintf(out, "%02" PRIu64 ":%02" PRIu64 ":%02" PRIu64, s % 86400 / 3600, s % 3600 / 60,
		s % 60);
}

static int print_version(FILE *out, const void *reply, uint32_t rlen, char *err, size_t errlen)
{
	struct dpvs_info info;

	if (rlen < sizeof(info)) {
		snprintf(err, errlen, "PING reply is %u bytes, expected %zu", rlen, sizeof(info));
		return -EBADMSG;
	}
	memcpy(&info, reply, sizeof(info));
	fprintf(out, "dpip %s\n", DPVS_VERSION_STRING);
	fprintf(out, "dpvs %.*s pid %u up ", NAME(info.version), info.pid);
	print_uptime(out, info.uptime_sec);
	fprintf(out, ", %u ports, %u workers, %u connections per worker\n", info.nports,
		info.nworkers, info.conn_tab_size);
	return 0;
}

static int print_text(FILE *out, const void *reply, uint32_t rlen, const char *empty)
{
	int n = reply ? name_len(reply, rlen) : 0;

	if (n == 0) {
		fputs(empty, out);
		return 0;
	}
	fprintf(out, "%.*s", n, (const char *)reply);
	if (((const char *)reply)[n - 1] != '\n')
		fputc('\n', out);
	return 0;
}

/* dpip sync: one "name value" line per counter, in the daemon's order. */
static int print_sync(FILE *out, const void *reply, uint32_t rlen, char *err, size_t errlen)
{
	struct list_iter it;
	struct dpvs_sync_counter c;

	if (list_open(&it, reply, rlen, sizeof(c), err, errlen))
		return -EBADMSG;
	for (uint32_t i = 0; i < it.count; i++) {
		list_get(&it, i, &c, sizeof(c));
		fprintf(out, "%-20.*s %" PRIu64 "\n", (int)sizeof(c.name), c.name, c.value);
	}
	return 0;
}

int dpip_print(FILE *out, const struct dpip_cmd *cmd, const void *reply, uint32_t rlen,
	       char *err, size_t errlen)
{
	switch (cmd->msg) {
	case DPVS_MSG_PING:
		return print_version(out, reply, rlen, err, errlen);
	case DPVS_MSG_CONFIG_RELOAD:
		return print_text(out, reply, rlen, "config reloaded\n");
	case DPVS_MSG_STATS:
		return print_stats(out, cmd, reply, rlen, err, errlen);
	case DPVS_MSG_SYNC_STATS:
		return print_sync(out, reply, rlen, err, errlen);
	case DPVS_MSG_LINK_SHOW:
		return print_links(out, cmd, reply, rlen, err, errlen);
	case DPVS_MSG_ADDR_SHOW:
		return print_addrs(out, cmd, reply, rlen, err, errlen);
	case DPVS_MSG_ROUTE_SHOW:
		return print_routes(out, cmd, reply, rlen, err, errlen);
	case DPVS_MSG_NEIGH_SHOW:
		return print_neighs(out, cmd, reply, rlen, err, errlen);
	case DPVS_MSG_FWMARK_SHOW:
		return dpip_fwmark_print(out, cmd, reply, rlen, err, errlen);
	case DPVS_MSG_DEFENSE_GET:
	case DPVS_MSG_DEFENSE_SET:
		return dpip_defense_print(out, cmd, reply, rlen, err, errlen);
	case DPVS_MSG_CAPTURE_START:
	case DPVS_MSG_CAPTURE_STOP:
	case DPVS_MSG_CAPTURE_SHOW:
		return dpip_capture_print(out, cmd, reply, rlen, err, errlen);
	case DPVS_MSG_CHECK_SHOW:
		return dpip_check_print(out, cmd, reply, rlen, err, errlen);
	default:
		return 0; /* add/del: silence is success, as with ip */
	}
}
