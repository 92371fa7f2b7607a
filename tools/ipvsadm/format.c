/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ipvsadm's output, byte for byte: the printf formats of ipvsadm 1.31's
 * list_all/print_title/print_service_entry/list_conn/list_timeout and its
 * usage text (FORMATS.md names each one). Column widths, trailing blanks
 * and the truncation of IPv4 names to 33/28 bytes are part of what scripts
 * parse, so they are reproduced as they are, not tidied.
 *
 * Where dpvs differs from the kernel (on purpose):
 *  - dest counters are printed as full 64-bit values; libipvs cuts some of
 *    them to 32 bits on current kernels, a bug not worth copying;
 *  - Full-NAT dests (dpvs only) show as "FullNat" and save as --fullnat.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <netdb.h>
#include <stdbool.h>
#include <string.h>

#include "format.h"

#define ADDR_BUF 60 /* ipvsadm's addrport_to_anyname buffer */
#define SVC_CUT 33  /* IPv4 service column cut (listing modes) */
#define DEST_CUT 28 /* IPv4 dest column cut (listing modes) */

void fmt_largenum(FILE *f, uint64_t v, unsigned int fmt)
{
	unsigned long long i = v;

	if (fmt & IPVSADM_FMT_EXACT) {
		int len = snprintf(NULL, 0, "%llu", i);

		fprintf(f, "%*llu", len <= 8 ? 9 : len + 1, i);
	} else if (i < 100000000ULL) {
		fprintf(f, "%9llu", i);
	} else if (i < 1000000000ULL) {
		fprintf(f, "%8lluK", i / 1000ULL);
	} else if (i < 100000000000ULL) {
		fprintf(f, "%8lluM", i / 1000000ULL);
	} else if (i < 100000000000000ULL) {
		fprintf(f, "%8lluG", i / 1000000000ULL);
	} else {
		fprintf(f, "%8lluT", i / 1000000000000ULL);
	}
}

static const char *proto_lookup_name(int proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_SCTP:
		return "sctp";
	default:
		return NULL;
	}
}

const char *fmt_addrport(char *buf, uint16_t af, const union inet_addr *a, uint16_t port,
			 int proto, unsigned int fmt)
{
	char abuf[INET6_ADDRSTRLEN], pbuf[16];
	const char *host, *pname;
	const char *open = af == AF_INET ? "" : "[", *close = af == AF_INET ? "" : "]";
	unsigned int hport = ntohs(port);

	host = inet_ntop(af, a, abuf, sizeof(abuf));
	if (!host)
		host = "?";
	snprintf(pbuf, sizeof(pbuf), "%u", hport);
	pname = pbuf;
	if (!(fmt & IPVSADM_FMT_NUMERIC)) {
		struct hostent *h = gethostbyaddr(a, af == AF_INET6 ? 16 : 4, af);
		const char *pn = proto_lookup_name(proto);

		if (h && h->h_name)
			host = h->h_name;
		if (pn) {
			struct servent *se = getservbyport(port, pn);

			if (se && se->s_name)
				pname = se->s_name;
		}
	}
	snprintf(buf, ADDR_BUF, "%s%s%s:%s", open, host, close, pname);
	return buf;
}

void fmt_version_header(FILE *f, uint32_t size)
{
	/* dpvs speaks the IPVS 1.2.1 user interface */
	fprintf(f, "IP Virtual Server version %d.%d.%d (size=%d)\n", 1, 2, 1, (int)size);
}

void fmt_title(FILE *f, unsigned int fmt)
{
	if (fmt & IPVSADM_FMT_RULE)
		return;
	if (fmt & IPVSADM_FMT_STATS)
		fprintf(f, "%-33s %8s %8s %8s %8s %8s\n  -> RemoteAddress:Port\n",
			"Prot LocalAddress:Port", "Conns", "InPkts", "OutPkts", "InBytes",
			"OutBytes");
	else if (fmt & IPVSADM_FMT_RATE)
		fprintf(f, "%-33s %8s %8s %8s %8s %8s\n  -> RemoteAddress:Port\n",
			"Prot LocalAddress:Port", "CPS", "InPPS", "OutPPS", "InBPS", "OutBPS");
	else if (fmt & IPVSADM_FMT_THRESHOLDS)
		fprintf(f, "%-33s %-10s %-10s %-10s %-10s\n  -> RemoteAddress:Port\n",
			"Prot LocalAddress:Port", "Uthreshold", "Lthreshold", "ActiveConn",
			"InActConn");
	else if (fmt & IPVSADM_FMT_PERSISTENTCONN)
		fprintf(f, "%-33s %-9s %-11s %-10s %-10s\n  -> RemoteAddress:Port\n",
			"Prot LocalAddress:Port", "Weight", "PersistConn", "ActiveConn",
			"InActConn");
	else if (fmt & IPVSADM_FMT_TUN_INFO)
		fputs("Prot LocalAddress:Port Scheduler Flags\n"
		      "  -> RemoteAddress:Port           Forward TunnelInfo    "
		      "Weight ActiveConn InActConn\n",
		      f);
	else
		fputs("Prot LocalAddress:Port Scheduler Flags\n"
		      "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n",
		      f);
}

static const char *protocol_name(int proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return "TCP";
	case IPPROTO_UDP:
		return "UDP";
	case IPPROTO_SCTP:
		return "SCTP";
	default:
		return "?";
	}
}

/* Forwarding methods: the -L column and the -S switch. Full-NAT is dpvs's. */
static const struct {
	uint32_t flags;
	const char *name, *sw;
} fwd_methods[] = {
	{ DPVS_FWD_MASQ, "Masq", "-m" },
	{ DPVS_FWD_LOCAL, "Local", "-g" },
	{ DPVS_FWD_TUNNEL, "Tunnel", "-i" },
	{ DPVS_FWD_DROUTE, "Route", "-g" },
	{ DPVS_FWD_FULLNAT, "FullNat", "--fullnat" },
};

/* glibc prints "(null)" for the NULL that ipvsadm's fwd_name() and
 * fwd_switch() return for an unknown method */
static const char *fwd_text(uint32_t flags, bool sw)
{
	for (size_t i = 0; i < sizeof(fwd_methods) / sizeof(fwd_methods[0]); i++)
		if (fwd_methods[i].flags == flags)
			return sw ? fwd_methods[i].sw : fwd_methods[i].name;
	return "(null)";
}

/* ipvsadm's tunnames[], tunflags[] and tunflags_switch[], indexed by the
 * dest's tun_type and tun_flags as the kernel reports them. */
static const char *const tun_names[] = { "ipip", "gue", "gre" };
static const char *const tun_flag_names[] = { "-c", "+c", "r+c" };
static const char *const tun_flag_switches[] = { "--tun-nocsum", "--tun-csum", "--tun-remcsum" };

/* fwd_tun_info(): the TunnelInfo column into buf (16 bytes, as upstream);
 * NULL (printed "n/a") for a dest that is not a tunnel or unknown values. */
static const char *tun_info(const struct dpvs_dest *d, char buf[16])
{
	if (d->conn_flags != DPVS_FWD_TUNNEL || d->tun_type > DPVS_TUN_GRE ||
	    (d->tun_type != DPVS_TUN_IPIP && d->tun_flags > DPVS_TUN_F_REMCSUM))
		return NULL;
	if (d->tun_type == DPVS_TUN_GUE)
		snprintf(buf, 16, "%s:%d:%s", tun_names[d->tun_type], ntohs(d->tun_port),
			 tun_flag_names[d->tun_flags]);
	else if (d->tun_type == DPVS_TUN_GRE)
		snprintf(buf, 16, "%s:%s", tun_names[d->tun_type], tun_flag_names[d->tun_flags]);
	else
		snprintf(buf, 16, "%s", tun_names[d->tun_type]);
	return buf;
}

/* print_tunnel_rule(): the tunnel options after "-a ... -i -w N". */
static void print_tun_rule(FILE *f, const struct dpvs_dest *d)
{
	if (d->tun_type > DPVS_TUN_GRE ||
	    (d->tun_type != DPVS_TUN_IPIP && d->tun_flags > DPVS_TUN_F_REMCSUM))
		return;
	fprintf(f, " --tun-type %s", tun_names[d->tun_type]);
	if (d->tun_type == DPVS_TUN_GUE)
		fprintf(f, " --tun-port %d %s", ntohs(d->tun_port), tun_flag_switches[d->tun_flags]);
	else if (d->tun_type == DPVS_TUN_GRE)
		fprintf(f, " %s", tun_flag_switches[d->tun_flags]);
}

static void print_sched_flags(FILE *f, const struct dpvs_svc *s)
{
	char flags[64] = "";
	bool sh = !strcmp(s->sched_name, "sh"), mh = !strcmp(s->sched_name, "mh");

	if (sh || mh) {
		if (s->flags & DPVS_SVC_F_SCHED1)
			strcat(flags, sh ? "sh-fallback," : "mh-fallback,");
		if (s->flags & DPVS_SVC_F_SCHED2)
			strcat(flags, sh ? "sh-port," : "mh-port,");
	} else {
		if (s->flags & DPVS_SVC_F_SCHED1)
			strcat(flags, "flag-1,");
		if (s->flags & DPVS_SVC_F_SCHED2)
			strcat(flags, "flag-2,");
		if (s->flags & DPVS_SVC_F_SCHED3)
			strcat(flags, "flag-3,");
	}
	if (flags[0]) {
		flags[strlen(flags) - 1] = '\0';
		fputs(flags, f);
	}
}

#define SCHED_FLAGS (DPVS_SVC_F_SCHED1 | DPVS_SVC_F_SCHED2 | DPVS_SVC_F_SCHED3)

static void print_mask(FILE *f, const struct dpvs_svc *s, const char *opt)
{
	if (s->af == AF_INET && s->netmask != 0xffffffff) {
		struct in_addr m = { .s_addr = s->netmask };

		fprintf(f, " %s %s", opt, inet_ntoa(m));
	}
	if (s->af == AF_INET6 && s->netmask != 128)
		fprintf(f, " %s %i", opt, (int)s->netmask);
}

/* -S: "-A <svc> -s sched ..." */
static void print_service_rule(FILE *f, const struct dpvs_svc *s, const char *svc_name)
{
	fprintf(f, "-A %s -s %s", svc_name, s->sched_name);
	if (s->flags & DPVS_SVC_F_PERSISTENT) {
		fprintf(f, " -p %u", s->timeout);
		print_mask(f, s, "-M");
	}
	if (s->pe_name[0])
		fprintf(f, " --pe %s", s->pe_name);
	if (s->flags & DPVS_SVC_F_ONEPACKET)
		fputs(" -o", f);
	if (s->flags & SCHED_FLAGS) {
		fputs(" -b ", f);
		print_sched_flags(f, s);
	}
	if (s->flags & DPVS_SVC_F_PP)
		fprintf(f, " --proxy-protocol %s", (s->flags & DPVS_SVC_F_PP_V2) ? "v2" : "v1");
	if (s->flags & DPVS_SVC_F_SYNPROXY)
		fputs(" --synproxy enable", f);
	fputc('\n', f);
}

static void print_service_line(FILE *f, const struct dpvs_svc *s, const char *svc_name,
			       unsigned int fmt)
{
	const struct dpvs_stats *st = &s->stats;

	if (fmt & (IPVSADM_FMT_STATS | IPVSADM_FMT_RATE)) {
		bool stats = fmt & IPVSADM_FMT_STATS;

		fprintf(f, "%-33s", svc_name);
		fmt_largenum(f, stats ? st->conns : st->cps, fmt);
		fmt_largenum(f, stats ? st->inpkts : st->inpps, fmt);
		fmt_largenum(f, stats ? st->outpkts : st->outpps, fmt);
		fmt_largenum(f, stats ? st->inbytes : st->inbps, fmt);
		fmt_largenum(f, stats ? st->outbytes : st->outbps, fmt);
		fputc('\n', f);
		return;
	}
	fprintf(f, "%s %s", svc_name, s->sched_name);
	if (s->flags & SCHED_FLAGS) {
		fputs(" (", f);
		print_sched_flags(f, s);
		fputc(')', f);
	}
	if (s->flags & DPVS_SVC_F_PERSISTENT) {
		fprintf(f, " persistent %u", s->timeout);
		print_mask(f, s, "mask");
		if (s->pe_name[0])
			fprintf(f, " pe %s", s->pe_name);
	}
	if (s->flags & DPVS_SVC_F_ONEPACKET)
		fputs(" ops", f);
	/* as DPVS's ipvsadm lists it */
	if (s->flags & DPVS_SVC_F_PP)
		fprintf(f, " pp%s", (s->flags & DPVS_SVC_F_PP_V2) ? "v2" : "v1");
	if (s->flags & DPVS_SVC_F_SYNPROXY)
		fputs(" synproxy", f);
	fputc('\n', f);
}

static void print_dest_line(FILE *f, const struct dpvs_dest *d, const char *dname,
			    unsigned int fmt)
{
	const struct dpvs_stats *st = &d->stats;

	if (fmt & IPVSADM_FMT_STATS) {
		fprintf(f, "  -> %-28s", dname);
		fmt_largenum(f, st->conns, fmt);
		fmt_largenum(f, st->inpkts, fmt);
		fmt_largenum(f, st->outpkts, fmt);
		fmt_largenum(f, st->inbytes, fmt);
		fmt_largenum(f, st->outbytes, fmt);
		fputc('\n', f);
	} else if (fmt & IPVSADM_FMT_RATE) {
		/* CPS/InPPS/OutPPS are raw on dest lines, as upstream */
		fprintf(f, "  -> %-28s %8llu %8llu %8llu", dname, (unsigned long long)st->cps,
			(unsigned long long)st->inpps, (unsigned long long)st->outpps);
		fmt_largenum(f, st->inbps, fmt);
		fmt_largenum(f, st->outbps, fmt);
		fputc('\n', f);
	} else if (fmt & IPVSADM_FMT_THRESHOLDS) {
		fprintf(f, "  -> %-28s %-10u %-10u %-10u %-10u\n", dname, d->u_threshold,
			d->l_threshold, d->activeconns, d->inactconns);
	} else if (fmt & IPVSADM_FMT_PERSISTENTCONN) {
		fprintf(f, "  -> %-28s %-9u %-11u %-10u %-10u\n", dname, (unsigned int)d->weight,
			d->persistconns, d->activeconns, d->inactconns);
	} else if (fmt & IPVSADM_FMT_TUN_INFO) {
		char buf[16];
		const char *info = tun_info(d, buf);

		fprintf(f, "  -> %-28s %-7s %-13s %-6d %-10u %-10u\n", dname,
			fwd_text(d->conn_flags, false), info ? info : "n/a", d->weight,
			d->activeconns, d->inactconns);
	} else {
		fprintf(f, "  -> %-28s %-7s %-6d %-10u %-10u\n", dname,
			fwd_text(d->conn_flags, false), d->weight, d->activeconns, d->inactconns);
	}
}

void fmt_service(FILE *f, const struct ipvs_svc_row *row, unsigned int fmt)
{
	const struct dpvs_svc *s = &row->svc;
	bool rule = fmt & IPVSADM_FMT_RULE;
	char svc_name[80], vname[ADDR_BUF], dname[ADDR_BUF];

	if (s->fwmark) {
		snprintf(svc_name, sizeof(svc_name), rule ? "-f %d%s" : "FWM  %d%s", (int)s->fwmark,
			 s->af == AF_INET6 ? (rule ? " -6" : " IPv6") : "");
	} else {
		fmt_addrport(vname, s->af, &s->addr, s->port, s->protocol, fmt);
		if (rule) {
			const char *sw = s->protocol == IPPROTO_TCP ? "-t" :
					 s->protocol == IPPROTO_UDP ? "-u" :
					 s->protocol == IPPROTO_SCTP ? "--sctp-service" :
								       "--xxx-service";

			snprintf(svc_name, sizeof(svc_name), "%s %s", sw, vname);
		} else {
			snprintf(svc_name, sizeof(svc_name), "%-4s %s", protocol_name(s->protocol),
				 vname);
			if (s->af != AF_INET6)
				svc_name[SVC_CUT] = '\0';
		}
	}
	if (rule)
		print_service_rule(f, s, svc_name);
	else
		print_service_line(f, s, svc_name, fmt);

	for (uint32_t i = 0; i < row->ndests; i++) {
		const struct dpvs_dest *d = &row->dests[i];

		fmt_addrport(dname, d->af, &d->addr, d->port, s->protocol, fmt);
		if (rule) {
			fprintf(f, "-a %s -r %s %s -w %d", svc_name, dname,
				fwd_text(d->conn_flags, true), d->weight);
			if (d->conn_flags == DPVS_FWD_TUNNEL)
				print_tun_rule(f, d);
			fputc('\n', f);
			continue;
		}
		if (d->af != AF_INET6)
			dname[DEST_CUT] = '\0';
		print_dest_line(f, d, dname, fmt);
	}
}

void fmt_services(FILE *f, const struct ipvs_table *t, unsigned int fmt)
{
	fmt_title(f, fmt);
	for (uint32_t i = 0; i < t->nrows; i++)
		fmt_service(f, &t->rows[i], fmt);
}

/* the kernel's ip_vs_proto_name() */
static const char *conn_proto_name(int proto, char *buf, size_t len)
{
	switch (proto) {
	case 0:
		return "IP";
	case IPPROTO_TCP:
		return "TCP";
	case IPPROTO_UDP:
		return "UDP";
	case IPPROTO_SCTP:
		return "SCTP";
	case IPPROTO_ICMP:
		return "ICMP";
	case IPPROTO_ICMPV6:
		return "ICMPv6";
	default:
		snprintf(buf, len, "IP_%d", proto);
		return buf;
	}
}

void fmt_conns_title(FILE *f, unsigned int fmt)
{
	fputs("IPVS connection entries\n", f);
	if (fmt & IPVSADM_FMT_PERSISTENTCONN)
		fprintf(f, "pro expire %-11s %-18s %-18s %-18s %-16s %s\n", "state", "source",
			"virtual", "destination", "pe name", "pe_data");
	else
		fprintf(f, "pro expire %-11s %-18s %-18s %s\n", "state", "source", "virtual",
			"destination");
}

void fmt_conn_rows(FILE *f, const struct dpvs_conn *c, uint32_t n, unsigned int fmt)
{
	for (uint32_t i = 0; i < n; i++) {
		char pbuf[16], ebuf[32], state[sizeof(c[i].state) + 1];
		char cname[ADDR_BUF], vname[ADDR_BUF], dname[ADDR_BUF];
		int expires = (int)c[i].expires_sec;

		/* the daemon's string, defended against a missing NUL */
		memcpy(state, c[i].state, sizeof(c[i].state));
		state[sizeof(c[i].state)] = '\0';
		snprintf(ebuf, sizeof(ebuf), "%02d:%02d", expires / 60, expires % 60);
		fmt_addrport(cname, c[i].af, &c[i].caddr, c[i].cport, c[i].protocol, fmt);
		fmt_addrport(vname, c[i].af, &c[i].vaddr, c[i].vport, c[i].protocol, fmt);
		fmt_addrport(dname, c[i].af, &c[i].daddr, c[i].dport, c[i].protocol, fmt);
		fprintf(f, "%-3s %-6s %-11s %-18s %-18s %s\n",
			conn_proto_name(c[i].protocol, pbuf, sizeof(pbuf)), ebuf,
			state[0] ? state : "NONE", cname, vname, dname);
	}
}

void fmt_conns(FILE *f, const struct dpvs_conn *c, uint32_t n, unsigned int fmt)
{
	fmt_conns_title(f, fmt);
	fmt_conn_rows(f, c, n, fmt);
}

void fmt_timeout(FILE *f, const struct dpvs_timeouts *t)
{
	fprintf(f, "Timeout (tcp tcpfin udp): %d %d %d\n", (int)t->tcp_timeout,
		(int)t->tcp_fin_timeout, (int)t->udp_timeout);
}

void fmt_daemon(FILE *f, const struct dpvs_sync_daemon *d)
{
	char group[INET6_ADDRSTRLEN] = "";

	fprintf(f, "%s sync daemon (mcast=%.*s, syncid=%d",
		d->state == DPVS_SYNC_MASTER ? "master" : "backup", DPVS_IFNAMSIZ,
		d->mcast_ifn, (int)d->syncid);
	if (d->sync_maxlen)
		fprintf(f, ", maxlen=%u", d->sync_maxlen);
	if (d->mcast_af == AF_INET || d->mcast_af == AF_INET6) {
		inet_ntop(d->mcast_af, &d->mcast_group, group, sizeof(group));
		fprintf(f, ", group=%s", group);
	}
	if (d->mcast_port)
		fprintf(f, ", port=%u", d->mcast_port);
	if (d->mcast_ttl)
		fprintf(f, ", ttl=%u", d->mcast_ttl);
	fputs(")\n", f);
}

#define VERSION_LINE "ipvsadm v1.31 2019/12/24 (compiled with popt and IPVS v1.2.1)"

void fmt_version(FILE *f)
{
	fputs(VERSION_LINE "\n", f);
}

void fmt_usage(FILE *f, const char *prog)
{
	static const char *const synopsis[] = {
		("-A|E virtual-service [-s scheduler] [-p [timeout]] [-M netmask] "
		 "[--pe persistence_engine] [-b sched-flags]"),
		"-D virtual-service",
		"-C",
		"-R",
		"-S [-n]",
		"-a|e virtual-service -r server-address [options]",
		"-d virtual-service -r server-address",
		"-L|l [virtual-service] [options]",
		"-Z [virtual-service]",
		"--set tcp tcpfin udp",
		"--start-daemon {master|backup} [daemon-options]",
		"--stop-daemon {master|backup}",
		"-h",
	};

	fputs(VERSION_LINE "\nUsage:\n", f);
	for (size_t i = 0; i < sizeof(synopsis) / sizeof(synopsis[0]); i++)
		fprintf(f, "  %s %s\n", prog, synopsis[i]);
	fputs("\n"
	      "Commands:\n"
	      "Either long or short options are allowed.\n"
	      "  --add-service     -A        add virtual service with options\n"
	      "  --edit-service    -E        edit virtual service with options\n"
	      "  --delete-service  -D        delete virtual service\n"
	      "  --clear           -C        clear the whole table\n"
	      "  --restore         -R        restore rules from stdin\n"
	      "  --save            -S        save rules to stdout\n"
	      "  --add-server      -a        add real server with options\n"
	      "  --edit-server     -e        edit real server with options\n"
	      "  --delete-server   -d        delete real server\n"
	      "  --list            -L|-l     list the table\n"
	      "  --zero            -Z        zero counters in a service or all services\n"
	      "  --set tcp tcpfin udp        set connection timeout values\n"
	      "  --start-daemon              start connection sync daemon\n"
	      "  --stop-daemon               stop connection sync daemon\n"
	      "  --help            -h        display this help message\n"
	      "\n"
	      "virtual-service:\n"
	      "  --tcp-service|-t  service-address   service-address is host[:port]\n"
	      "  --udp-service|-u  service-address   service-address is host[:port]\n"
	      "  --sctp-service    service-address   service-address is host[:port]\n"
	      "  --fwmark-service|-f fwmark          fwmark is an integer greater than zero\n"
	      "\n"
	      "Options:\n"
	      "  --ipv6         -6                   fwmark entry uses IPv6\n"
	      "  --scheduler    -s scheduler         "
	      "one of rr|wrr|lc|wlc|lblc|lblcr|dh|sh|sed|nq|fo|ovf|mh,\n"
	      "                                      the default scheduler is wlc.\n"
	      "  --pe            engine              alternate persistence engine may be sip,\n"
	      "                                      not set by default.\n"
	      "  --persistent   -p [timeout]         persistent service\n"
	      "  --netmask      -M netmask           persistent granularity mask\n"
	      "  --real-server  -r server-address    server-address is host (and port)\n"
	      "  --gatewaying   -g                   gatewaying (direct routing) (default)\n"
	      "  --ipip         -i                   ipip encapsulation (tunneling)\n"
	      "  --masquerading -m                   masquerading (NAT)\n"
	      "  --tun-type      type                one of ipip|gue|gre,\n"
	      "                                      the default tunnel type is ipip.\n"
	      "  --tun-port      port                tunnel destination port\n"
	      "  --tun-nocsum                        tunnel encapsulation without checksum\n"
	      "  --tun-csum                          tunnel encapsulation with checksum\n"
	      "  --tun-remcsum                       tunnel encapsulation with remote checksum\n"
	      "  --weight       -w weight            capacity of real server\n"
	      "  --u-threshold  -x uthreshold        upper threshold of connections\n"
	      "  --l-threshold  -y lthreshold        lower threshold of connections\n"
	      "  --connection   -c                   output of current IPVS connections\n"
	      "  --timeout                           output of timeout (tcp tcpfin udp)\n"
	      "  --daemon                            output of daemon information\n"
	      "  --stats                             output of statistics information\n"
	      "  --rate                              output of rate information\n"
	      "  --exact                             expand numbers (display exact values)\n"
	      "  --thresholds                        output of thresholds information\n"
	      "  --persistent-conn                   output of persistent connection info\n"
	      "  --tun-info                          output of tunnel information\n"
	      "  --nosort                            "
	      "disable sorting output of service/server entries\n"
	      "  --sort                              does nothing, for backwards compatibility\n"
	      "  --ops          -o                   one-packet scheduling\n"
	      "  --numeric      -n                   numeric output of addresses and ports\n"
	      "  --sched-flags  -b flags             scheduler flags (comma-separated)\n"
	      "Daemon Options:\n"
	      "  --syncid sid                        syncid for connection sync (default=255)\n"
	      "  --sync-maxlen length                Max sync message length (default=1472)\n"
	      "  --mcast-interface interface         multicast interface for connection sync\n"
	      "  --mcast-group address               IPv4/IPv6 group (default=224.0.0.81)\n"
	      "  --mcast-port port                   UDP port (default=8848)\n"
	      "  --mcast-ttl ttl                     Multicast TTL (default=1)\n",
	      f);
}

/* After 1.31's usage (-h): what this ipvsadm does otherwise on purpose.
 * The usage above stays 1.31's text, line for line, for whoever parses
 * it; the same list is in ipvsadm.8 and the README. */
void fmt_dpvs_notes(FILE *f)
{
	fputs("\n"
	      "dpvs: this ipvsadm drives the dpvs daemon (socket $DPVS_SOCK, default\n"
	      DPVS_CTL_DEFAULT_SOCK ") and differs from ipvsadm 1.31 on purpose:\n"
	      "  --restore      -R   lines are applied in batches of thousands: the data\n"
	      "                      path takes each batch's changes at once (one snapshot),\n"
	      "                      never a part of one; messages and exit status are 1.31's\n"
	      "  --delete-server -d  a removed real server's connections go on until they\n"
	      "                      end (LVS drops their packets); expire_nodest_conn = yes\n"
	      "                      in dpvs.conf ends them as LVS's sysctl does\n"
	      "  --fullnat            Full-NAT real server (DPVS's -b; -b stays --sched-flags)\n"
	      "  --add-laddr    -P -z LIP [-F PORT]   add a Full-NAT local address to a service\n"
	      "  --del-laddr    -Q -z LIP [-F PORT]   remove one\n"
	      "  --get-laddr    -G [service]          list them (DPVS's format)\n"
	      "  IPv6 services and real servers are kept, listed, saved and restored as\n"
	      "                      1.31 does, but not forwarded yet (dpip -s link:\n"
	      "                      ipv6-not-forwarded)\n"
	      "  errors              where LVS would take a request that dpvs cannot serve,\n"
	      "                      the daemon's reason is printed (exit 255)\n"
	      "  --weight       -w   0..65535 (upstream's range, not Debian's)\n"
	      "  --start-daemon, --stop-daemon   checked as 1.31 checks them, then refused:\n"
	      "                      no connection sync yet\n"
	      "  -h, -v              work without the daemon\n",
	      f);
}

/* DPVS's list_laddrs_print_*(): addresses always numeric. */
void fmt_laddrs(FILE *f, const struct dpvs_laddr_entry *e, uint32_t n)
{
	fprintf(f, "%-20s %-8s %-20s %-10s %-10s\n", "VIP:VPORT", "TOTAL", "SNAT_IP", "CONFLICTS",
		"CONNS");
	for (uint32_t i = 0; i < n; i++) {
		char vname[64], lip[INET6_ADDRSTRLEN];

		if (i == 0 || memcmp(&e[i].svc, &e[i - 1].svc, sizeof(e[i].svc)) != 0) {
			if (e[i].svc.fwmark)
				snprintf(vname, sizeof(vname), "FWM %u", e[i].svc.fwmark);
			else
				fmt_addrport(vname, e[i].svc.af, &e[i].svc.addr, e[i].svc.port,
					     e[i].svc.protocol, IPVSADM_FMT_NUMERIC);
			fprintf(f, "%-20s %-8u \n", vname, e[i].total);
		}
		if (!e[i].af)
			continue; /* a service without local addresses */
		inet_ntop(e[i].af, &e[i].addr, lip, sizeof(lip));
		fprintf(f, "%-20s %-8s %-20s %-10" PRIu64 " %-10" PRIu64 "\n", "", "", lip,
			e[i].conflicts, e[i].conns);
	}
}
