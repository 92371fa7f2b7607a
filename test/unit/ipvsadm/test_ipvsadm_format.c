/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ipvsadm's output against FORMATS.md: the fixture of its section 3.3 is
 * built as dpvs structs, fed unsorted through the same decode and sort
 * path as a daemon reply, and every listing mode is compared byte for
 * byte with the text the reference gives (trailing blanks included).
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
#include <netdb.h>
#include <cmocka.h>

#include "errors.h"
#include "format.h"
#include "table.h"

/* ---- capture ---- */

struct cap {
	FILE *f;
	char *buf;
	size_t len;
};

static FILE *cap_open(struct cap *c)
{
	c->buf = NULL;
	c->len = 0;
	c->f = open_memstream(&c->buf, &c->len);
	assert_non_null(c->f);
	return c->f;
}

static void cap_check(struct cap *c, const char *want)
{
	fclose(c->f);
	if (strcmp(c->buf, want)) {
		print_error("got:\n%s\nwant:\n%s\n", c->buf, want);
		fail();
	}
	free(c->buf);
}

/* ---- the fixture of FORMATS.md 3.3 ---- */

struct fix_dest {
	const char *addr;
	uint16_t port;
	uint32_t fwd;
	int32_t weight;
	uint32_t active, inactive;
};

/* The GUE and GRE dests of the fixture (the other Tunnel dests are ipip). */
static const struct {
	const char *addr;
	uint8_t type, flags;
	uint16_t port; /* host order */
} fix_tun[] = {
	{ "192.168.2.2", DPVS_TUN_GUE, 0, 6080 },
	{ "192.168.2.3", DPVS_TUN_GUE, DPVS_TUN_F_CSUM, 6080 },
	{ "192.168.2.4", DPVS_TUN_GRE, DPVS_TUN_F_REMCSUM, 0 },
};

struct fix_svc {
	uint32_t fwmark;
	int v6;
	uint16_t proto;
	const char *addr;
	uint16_t port;
	const char *sched;
	uint32_t flags, timeout, netmask;
	const char *pe;
	struct fix_dest dests[6];
};

#define M DPVS_FWD_MASQ
#define L DPVS_FWD_LOCAL
#define T DPVS_FWD_TUNNEL
#define R DPVS_FWD_DROUTE
#define P DPVS_SVC_F_PERSISTENT
#define TCP IPPROTO_TCP
#define UDP IPPROTO_UDP
#define V4ALL 0xffffffffu

/* deliberately not in sorted order (and dests shuffled) */
static const struct fix_svc fixture[] = {
	{ 200, 1, 0, NULL, 0, "rr", P, 600, 128, "", { { "2001:db8::40", 0, R, 1, 0, 0 } } },
	{ 0, 0, UDP, "10.0.0.5", 5060, "rr", P, 360, V4ALL, "sip", { { NULL } } },
	{ 0, 0, TCP, "10.0.0.1", 80, "wlc", 0, 0, V4ALL, "",
	  { { "192.168.1.12", 80, T, 0, 0, 0 }, { "192.168.1.10", 80, M, 1, 5, 12 },
	    { "127.0.0.1", 80, L, 1, 0, 1 }, { "192.168.1.11", 80, R, 3, 2, 4 } } },
	{ 0, 0, TCP, "10.0.0.3", 0, "rr", P, 360, V4ALL, "", { { NULL } } },
	{ 0, 1, TCP, "2001:db8::1", 80, "wrr", 0, 0, 128, "",
	  { { "2001:db8::1234:5678:9abc:def0", 8080, M, 65535, 4294967295u, 0 },
	    { "2001:db8::10", 8080, M, 1, 0, 0 } } },
	{ 0, 0, TCP, "10.0.0.2", 443, "sh", P | DPVS_SVC_F_SCHED1 | DPVS_SVC_F_SCHED2, 300,
	  0xffffff00u /* 255.255.255.0; host order here, see build_reply() */, "",
	  { { "192.168.1.30", 443, R, 1, 10, 20 } } },
	{ 100, 0, 0, NULL, 0, "wlc", 0, 0, V4ALL, "", { { "192.168.1.40", 0, R, 2, 1, 0 } } },
	{ 0, 0, UDP, "10.0.0.4", 53, "rr", DPVS_SVC_F_ONEPACKET, 0, V4ALL, "", { { NULL } } },
	{ 0, 0, TCP, "10.0.0.6", 80, "wlc", 0, 0, V4ALL, "",
	  { { "2001:db8::99", 80, T, 1, 0, 0 }, { "192.168.2.4", 80, T, 1, 0, 0 },
	    { "192.168.2.1", 80, T, 1, 0, 0 }, { "192.168.2.3", 80, T, 1, 0, 0 },
	    { "192.168.2.2", 80, T, 1, 0, 0 } } },
	{ 0, 0, UDP, "10.0.0.1", 53, "rr", 0, 0, V4ALL, "",
	  { { "192.168.1.20", 53, M, 1, 0, 7 } } },
};

static void set_addr(const char *s, uint16_t *af, union inet_addr *a)
{
	memset(a, 0, sizeof(*a));
	*af = strchr(s, ':') ? AF_INET6 : AF_INET;
	assert_int_equal(inet_pton(*af, s, a), 1);
}

/* Builds the SVC_LIST reply the daemon would send for the fixture. */
static void *build_reply(const struct fix_svc *fx, size_t n, uint32_t *len)
{
	size_t cap = sizeof(struct dpvs_list) + n * (sizeof(struct dpvs_svc_entry) +
						     6 * sizeof(struct dpvs_dest));
	uint8_t *buf = calloc(1, cap), *p = buf;
	struct dpvs_list hdr = { .count = (uint32_t)n, .entry_size = sizeof(struct dpvs_svc_entry) };

	assert_non_null(buf);
	memcpy(p, &hdr, sizeof(hdr));
	p += sizeof(hdr);
	for (size_t i = 0; i < n; i++) {
		struct dpvs_svc_entry e;

		memset(&e, 0, sizeof(e));
		e.svc.fwmark = fx[i].fwmark;
		e.svc.protocol = fx[i].proto;
		e.svc.af = fx[i].v6 ? AF_INET6 : AF_INET;
		if (fx[i].addr)
			set_addr(fx[i].addr, &e.svc.af, &e.svc.addr);
		e.svc.port = htons(fx[i].port);
		snprintf(e.svc.sched_name, sizeof(e.svc.sched_name), "%s", fx[i].sched);
		snprintf(e.svc.pe_name, sizeof(e.svc.pe_name), "%s", fx[i].pe);
		e.svc.flags = fx[i].flags;
		e.svc.timeout = fx[i].timeout;
		/* dpvs keeps an IPv4 mask in network order, an IPv6 one as a length */
		e.svc.netmask = fx[i].v6 ? fx[i].netmask : htonl(fx[i].netmask);
		for (int d = 0; d < 6 && fx[i].dests[d].addr; d++)
			e.ndests++;
		e.svc.num_dests = e.ndests;
		memcpy(p, &e, sizeof(e));
		p += sizeof(e);
		for (uint32_t d = 0; d < e.ndests; d++) {
			const struct fix_dest *fd = &fx[i].dests[d];
			struct dpvs_dest dd;

			memset(&dd, 0, sizeof(dd));
			set_addr(fd->addr, &dd.af, &dd.addr);
			dd.port = htons(fd->port);
			dd.conn_flags = fd->fwd;
			dd.weight = fd->weight;
			dd.activeconns = fd->active;
			dd.inactconns = fd->inactive;
			for (size_t k = 0; k < sizeof(fix_tun) / sizeof(fix_tun[0]); k++) {
				if (strcmp(fix_tun[k].addr, fd->addr))
					continue;
				dd.tun_type = fix_tun[k].type;
				dd.tun_flags = fix_tun[k].flags;
				dd.tun_port = htons(fix_tun[k].port);
			}
			memcpy(p, &dd, sizeof(dd));
			p += sizeof(dd);
		}
	}
	*len = (uint32_t)(p - buf);
	return buf;
}

static void load_fixture(struct ipvs_table *t, int sort)
{
	char err[256];
	uint32_t len;
	void *reply = build_reply(fixture, sizeof(fixture) / sizeof(fixture[0]), &len);

	assert_int_equal(ipvs_table_decode(reply, len, t, err, sizeof(err)), 0);
	free(reply);
	assert_int_equal(t->nrows, 10);
	if (sort)
		ipvs_table_sort(t);
}

static const char want_ln[] =
	"IP Virtual Server version 1.2.1 (size=4096)\n"
	"Prot LocalAddress:Port Scheduler Flags\n"
	"  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n"
	"TCP  10.0.0.1:80 wlc\n"
	"  -> 127.0.0.1:80                 Local   1      0          1         \n"
	"  -> 192.168.1.10:80              Masq    1      5          12        \n"
	"  -> 192.168.1.11:80              Route   3      2          4         \n"
	"  -> 192.168.1.12:80              Tunnel  0      0          0         \n"
	"TCP  10.0.0.2:443 sh (sh-fallback,sh-port) persistent 300 mask 255.255.255.0\n"
	"  -> 192.168.1.30:443             Route   1      10         20        \n"
	"TCP  10.0.0.3:0 rr persistent 360\n"
	"TCP  10.0.0.6:80 wlc\n"
	"  -> 192.168.2.1:80               Tunnel  1      0          0         \n"
	"  -> 192.168.2.2:80               Tunnel  1      0          0         \n"
	"  -> 192.168.2.3:80               Tunnel  1      0          0         \n"
	"  -> 192.168.2.4:80               Tunnel  1      0          0         \n"
	"  -> [2001:db8::99]:80            Tunnel  1      0          0         \n"
	"UDP  10.0.0.1:53 rr\n"
	"  -> 192.168.1.20:53              Masq    1      0          7         \n"
	"UDP  10.0.0.4:53 rr ops\n"
	"UDP  10.0.0.5:5060 rr persistent 360 pe sip\n"
	"TCP  [2001:db8::1]:80 wrr\n"
	"  -> [2001:db8::10]:8080          Masq    1      0          0         \n"
	"  -> [2001:db8::1234:5678:9abc:def0]:8080 Masq    65535  4294967295 0         \n"
	"FWM  100 wlc\n"
	"  -> 192.168.1.40:0               Route   2      1          0         \n"
	"FWM  200 IPv6 rr persistent 600\n"
	"  -> [2001:db8::40]:0             Route   1      0          0         \n";

static void test_list_numeric(void **state)
{
	struct ipvs_table t;
	struct cap c;

	(void)state;
	load_fixture(&t, 1);
	cap_open(&c);
	fmt_version_header(c.f, 4096);
	fmt_services(c.f, &t, IPVSADM_FMT_NUMERIC);
	cap_check(&c, want_ln);
	ipvs_table_free(&t);
}

/* One page of the fixture's reply: its entries [from, to), the first
 * from its dest `dfrom` on, the last up to `dto` dests (0: all). */
static void *build_page(const uint8_t *full, uint32_t from, uint32_t dfrom, uint32_t to,
			uint32_t dto, uint32_t *len)
{
	uint8_t *buf = calloc(1, 1 << 16), *p = buf + sizeof(struct dpvs_list);
	struct dpvs_list hdr = { .count = to - from, .entry_size = sizeof(struct dpvs_svc_entry) };
	size_t off = sizeof(struct dpvs_list);

	assert_non_null(buf);
	for (uint32_t i = 0; i < to; i++) {
		struct dpvs_svc_entry e;
		uint32_t d0 = 0, d1;

		memcpy(&e, full + off, sizeof(e));
		off += sizeof(e);
		d1 = e.ndests;
		if (i == from)
			d0 = dfrom;
		if (i == to - 1 && dto)
			d1 = dto;
		if (i >= from) {
			struct dpvs_svc_entry pe = e;

			pe.ndests = d1 - d0;
			memcpy(p, &pe, sizeof(pe));
			p += sizeof(pe);
			memcpy(p, full + off + d0 * sizeof(struct dpvs_dest),
			       (d1 - d0) * sizeof(struct dpvs_dest));
			p += (d1 - d0) * sizeof(struct dpvs_dest);
		}
		off += e.ndests * sizeof(struct dpvs_dest);
	}
	memcpy(buf, &hdr, sizeof(hdr));
	*len = (uint32_t)(p - buf);
	return buf;
}

/* A listing in pages (the daemon's SVC_LIST by pages), one of them ending
 * inside a service's dests: the same table, the same output. */
static void test_list_pages(void **state)
{
	const size_t n = sizeof(fixture) / sizeof(fixture[0]);
	struct ipvs_table_page pages[3];
	struct ipvs_table t;
	struct cap c;
	uint32_t len, plen[3];
	uint8_t *full = build_reply(fixture, n, &len);
	void *pb[3];
	char err[256];

	(void)state;
	/* 10.0.0.6 (entry 8) has 5 dests: 2 in the first page, 3 in the second */
	pb[0] = build_page(full, 0, 0, 9, 2, &plen[0]);
	pb[1] = build_page(full, 8, 2, 9, 0, &plen[1]);
	pb[2] = build_page(full, 9, 0, (uint32_t)n, 0, &plen[2]);
	for (int i = 0; i < 3; i++)
		pages[i] = (struct ipvs_table_page){ .list = pb[i], .len = plen[i],
						     .continues = i == 1 };
	assert_int_equal(ipvs_table_decode_pages(pages, 3, &t, err, sizeof(err)), 0);
	assert_int_equal(t.nrows, n);
	ipvs_table_sort(&t);
	cap_open(&c);
	fmt_version_header(c.f, 4096);
	fmt_services(c.f, &t, IPVSADM_FMT_NUMERIC);
	cap_check(&c, want_ln);
	ipvs_table_free(&t);
	/* a first page cannot continue anything */
	pages[0].continues = true;
	assert_int_equal(ipvs_table_decode_pages(pages, 3, &t, err, sizeof(err)), -EBADMSG);
	for (int i = 0; i < 3; i++)
		free(pb[i]);
	free(full);
}

/* FORMATS.md 6, byte for byte. */
static const char want_sn[] =
	"-A -t 10.0.0.1:80 -s wlc\n"
	"-a -t 10.0.0.1:80 -r 127.0.0.1:80 -g -w 1\n"
	"-a -t 10.0.0.1:80 -r 192.168.1.10:80 -m -w 1\n"
	"-a -t 10.0.0.1:80 -r 192.168.1.11:80 -g -w 3\n"
	"-a -t 10.0.0.1:80 -r 192.168.1.12:80 -i -w 0 --tun-type ipip\n"
	"-A -t 10.0.0.2:443 -s sh -p 300 -M 255.255.255.0 -b sh-fallback,sh-port\n"
	"-a -t 10.0.0.2:443 -r 192.168.1.30:443 -g -w 1\n"
	"-A -t 10.0.0.3:0 -s rr -p 360\n"
	"-A -t 10.0.0.6:80 -s wlc\n"
	"-a -t 10.0.0.6:80 -r 192.168.2.1:80 -i -w 1 --tun-type ipip\n"
	"-a -t 10.0.0.6:80 -r 192.168.2.2:80 -i -w 1 --tun-type gue --tun-port 6080 --tun-nocsum\n"
	"-a -t 10.0.0.6:80 -r 192.168.2.3:80 -i -w 1 --tun-type gue --tun-port 6080 --tun-csum\n"
	"-a -t 10.0.0.6:80 -r 192.168.2.4:80 -i -w 1 --tun-type gre --tun-remcsum\n"
	"-a -t 10.0.0.6:80 -r [2001:db8::99]:80 -i -w 1 --tun-type ipip\n"
	"-A -u 10.0.0.1:53 -s rr\n"
	"-a -u 10.0.0.1:53 -r 192.168.1.20:53 -m -w 1\n"
	"-A -u 10.0.0.4:53 -s rr -o\n"
	"-A -u 10.0.0.5:5060 -s rr -p 360 --pe sip\n"
	"-A -t [2001:db8::1]:80 -s wrr\n"
	"-a -t [2001:db8::1]:80 -r [2001:db8::10]:8080 -m -w 1\n"
	"-a -t [2001:db8::1]:80 -r [2001:db8::1234:5678:9abc:def0]:8080 -m -w 65535\n"
	"-A -f 100 -s wlc\n"
	"-a -f 100 -r 192.168.1.40:0 -g -w 2\n"
	"-A -f 200 -6 -s rr -p 600\n"
	"-a -f 200 -6 -r [2001:db8::40]:0 -g -w 1\n";

static void test_save_numeric(void **state)
{
	struct ipvs_table t;
	struct cap c;

	(void)state;
	load_fixture(&t, 1);
	cap_open(&c);
	fmt_services(c.f, &t, IPVSADM_FMT_NUMERIC | IPVSADM_FMT_RULE);
	cap_check(&c, want_sn);
	ipvs_table_free(&t);
}

/* Name mode needs addresses without reverse names (as in FORMATS.md). */
static int has_reverse_name(const char *const *addrs)
{
	for (; *addrs; addrs++) {
		struct in_addr a;

		inet_pton(AF_INET, *addrs, &a);
		if (gethostbyaddr(&a, sizeof(a), AF_INET))
			return 1;
	}
	return 0;
}

static const char *const named_addrs[] = { "10.0.0.1", "192.168.1.20", "192.168.1.40",
					   "192.168.1.10", "192.168.1.11", "192.168.1.12",
					   "10.0.0.99", "10.0.0.5", "192.168.1.50", NULL };

static void test_list_named(void **state)
{
	struct ipvs_table t;
	struct cap c;

	(void)state;
	if (has_reverse_name(named_addrs))
		skip();
	load_fixture(&t, 1);
	/* UDP 10.0.0.1:53 (row 4), FWM 100 (row 8): the fwmark keeps numeric ports */
	cap_open(&c);
	fmt_service(c.f, &t.rows[4], 0);
	fmt_service(c.f, &t.rows[8], 0);
	cap_check(&c, "UDP  10.0.0.1:domain rr\n"
		      "  -> 192.168.1.20:domain          Masq    1      0          7         \n"
		      "FWM  100 wlc\n"
		      "  -> 192.168.1.40:0               Route   2      1          0         \n");
	t.rows[0].ndests = 0; /* 127.0.0.1 would be "localhost" */
	cap_open(&c);
	fmt_service(c.f, &t.rows[0], IPVSADM_FMT_RULE);
	fmt_service(c.f, &t.rows[4], IPVSADM_FMT_RULE);
	cap_check(&c, "-A -t 10.0.0.1:http -s wlc\n"
		      "-A -u 10.0.0.1:domain -s rr\n"
		      "-a -u 10.0.0.1:domain -r 192.168.1.20:domain -m -w 1\n");
	ipvs_table_free(&t);
}

static void test_list_nosort(void **state)
{
	struct ipvs_table t;
	struct cap c;

	(void)state;
	load_fixture(&t, 0); /* --nosort: daemon order */
	cap_open(&c);
	fmt_service(c.f, &t.rows[0], IPVSADM_FMT_NUMERIC);
	cap_check(&c, "FWM  200 IPv6 rr persistent 600\n"
		      "  -> [2001:db8::40]:0             Route   1      0          0         \n");
	ipvs_table_free(&t);
}

static void test_titles(void **state)
{
	struct cap c;

	(void)state;
	cap_open(&c);
	fmt_title(c.f, IPVSADM_FMT_STATS | IPVSADM_FMT_RATE);
	fmt_title(c.f, IPVSADM_FMT_RATE);
	fmt_title(c.f, IPVSADM_FMT_THRESHOLDS | IPVSADM_FMT_PERSISTENTCONN);
	fmt_title(c.f, IPVSADM_FMT_PERSISTENTCONN);
	fmt_title(c.f, IPVSADM_FMT_TUN_INFO);
	fmt_title(c.f, IPVSADM_FMT_RULE);
	cap_check(&c,
		  "Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes\n"
		  "  -> RemoteAddress:Port\n"
		  "Prot LocalAddress:Port                 CPS    InPPS   OutPPS    InBPS   OutBPS\n"
		  "  -> RemoteAddress:Port\n"
		  "Prot LocalAddress:Port            Uthreshold Lthreshold ActiveConn InActConn \n"
		  "  -> RemoteAddress:Port\n"
		  "Prot LocalAddress:Port            Weight    PersistConn ActiveConn InActConn \n"
		  "  -> RemoteAddress:Port\n"
		  "Prot LocalAddress:Port Scheduler Flags\n"
		  "  -> RemoteAddress:Port           Forward TunnelInfo    Weight ActiveConn InActConn\n");
}

static void test_largenum(void **state)
{
	static const struct {
		uint64_t v;
		const char *def, *exact;
	} tab[] = {
		{ 0, "        0", "        0" },
		{ 99999999ULL, " 99999999", " 99999999" },
		{ 100000000ULL, "  100000K", " 100000000" },
		{ 999999999ULL, "  999999K", " 999999999" },
		{ 1000000000ULL, "    1000M", " 1000000000" },
		{ 99999999999ULL, "   99999M", " 99999999999" },
		{ 100000000000ULL, "     100G", " 100000000000" },
		{ 99999999999999ULL, "   99999G", " 99999999999999" },
		{ 100000000000000ULL, "     100T", " 100000000000000" },
		{ 18446744073709551615ULL, "18446744T", " 18446744073709551615" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		struct cap c;

		cap_open(&c);
		fmt_largenum(c.f, tab[i].v, 0);
		cap_check(&c, tab[i].def);
		cap_open(&c);
		fmt_largenum(c.f, tab[i].v, IPVSADM_FMT_EXACT);
		cap_check(&c, tab[i].exact);
	}
}

static void set_stats(struct dpvs_stats *s, uint64_t a, uint64_t b, uint64_t c, uint64_t d,
		      uint64_t e)
{
	s->conns = a, s->inpkts = b, s->outpkts = c, s->inbytes = d, s->outbytes = e;
	/* rates mirror the counters divided by 10, checked separately */
}

static void test_stats_and_rate(void **state)
{
	struct dpvs_dest dests[3];
	struct ipvs_svc_row row;
	struct cap c;

	(void)state;
	memset(&row, 0, sizeof(row));
	memset(dests, 0, sizeof(dests));
	row.svc.af = AF_INET;
	row.svc.protocol = IPPROTO_TCP;
	set_addr("10.0.0.1", &row.svc.af, &row.svc.addr);
	row.svc.port = htons(80);
	strcpy(row.svc.sched_name, "wlc");
	set_stats(&row.svc.stats, 12345, 99999999, 100000000, 999999999, 1000000000);
	set_addr("127.0.0.1", &dests[0].af, &dests[0].addr);
	set_addr("192.168.1.10", &dests[1].af, &dests[1].addr);
	set_addr("192.168.1.11", &dests[2].af, &dests[2].addr);
	for (int i = 0; i < 3; i++)
		dests[i].port = htons(80);
	set_stats(&dests[0].stats, 1, 2, 3, 4, 5);
	set_stats(&dests[1].stats, 6000, 50000000, 60000000, 7000000000ULL, 99999999999ULL);
	set_stats(&dests[2].stats, 6345, 49999999, 40000000, 2999999999ULL, 100000000000ULL);
	row.dests = dests;
	row.ndests = 3;

	cap_open(&c);
	fmt_service(c.f, &row, IPVSADM_FMT_NUMERIC | IPVSADM_FMT_STATS);
	cap_check(&c,
		  "TCP  10.0.0.1:80                     12345 99999999  100000K  999999K    1000M\n"
		  "  -> 127.0.0.1:80                        1        2        3        4        5\n"
		  "  -> 192.168.1.10:80                  6000 50000000 60000000    7000M   99999M\n"
		  "  -> 192.168.1.11:80                  6345 49999999 40000000    2999M     100G\n");
	row.ndests = 2;
	cap_open(&c);
	fmt_service(c.f, &row, IPVSADM_FMT_NUMERIC | IPVSADM_FMT_STATS | IPVSADM_FMT_EXACT);
	cap_check(&c,
		  "TCP  10.0.0.1:80                     12345 99999999 100000000 999999999 1000000000\n"
		  "  -> 127.0.0.1:80                        1        2        3        4        5\n"
		  "  -> 192.168.1.10:80                  6000 50000000 60000000 7000000000 99999999999\n");

	/* --rate: dest CPS/InPPS/OutPPS are raw %8llu */
	row.svc.stats.cps = 5, row.svc.stats.inpps = 123, row.svc.stats.outpps = 4567;
	row.svc.stats.inbps = 89012, row.svc.stats.outbps = 3456789;
	dests[0].stats.cps = 2, dests[0].stats.inpps = 60, dests[0].stats.outpps = 2000;
	dests[0].stats.inbps = 40000, dests[0].stats.outbps = 1500000;
	set_addr("192.168.1.10", &dests[0].af, &dests[0].addr);
	dests[1].stats = (struct dpvs_stats){ .cps = 123456789 };
	set_addr("10.0.0.2", &dests[1].af, &dests[1].addr);
	cap_open(&c);
	fmt_service(c.f, &row, IPVSADM_FMT_NUMERIC | IPVSADM_FMT_RATE);
	cap_check(&c,
		  "TCP  10.0.0.1:80                         5      123     4567    89012  3456789\n"
		  "  -> 192.168.1.10:80                     2       60     2000    40000  1500000\n"
		  "  -> 10.0.0.2:80                  123456789        0        0        0        0\n");
}

static void test_thresholds_persist_tuninfo(void **state)
{
	struct ipvs_table t;
	struct cap c;
	struct dpvs_dest *d;

	(void)state;
	load_fixture(&t, 1);
	d = &t.rows[0].dests[2]; /* 192.168.1.11:80 */
	d->u_threshold = 100;
	d->l_threshold = 50;
	t.rows[1].dests[0].persistconns = 3;
	cap_open(&c);
	fmt_service(c.f, &t.rows[0], IPVSADM_FMT_NUMERIC | IPVSADM_FMT_THRESHOLDS);
	fmt_service(c.f, &t.rows[1], IPVSADM_FMT_NUMERIC | IPVSADM_FMT_PERSISTENTCONN);
	fmt_service(c.f, &t.rows[0], IPVSADM_FMT_NUMERIC | IPVSADM_FMT_TUN_INFO);
	cap_check(&c,
		  "TCP  10.0.0.1:80 wlc\n"
		  "  -> 127.0.0.1:80                 0          0          0          1         \n"
		  "  -> 192.168.1.10:80              0          0          5          12        \n"
		  "  -> 192.168.1.11:80              100        50         2          4         \n"
		  "  -> 192.168.1.12:80              0          0          0          0         \n"
		  "TCP  10.0.0.2:443 sh (sh-fallback,sh-port) persistent 300 mask 255.255.255.0\n"
		  "  -> 192.168.1.30:443             1         3           10         20        \n"
		  "TCP  10.0.0.1:80 wlc\n"
		  "  -> 127.0.0.1:80                 Local   n/a           1      0          1         \n"
		  "  -> 192.168.1.10:80              Masq    n/a           1      5          12        \n"
		  "  -> 192.168.1.11:80              Route   n/a           3      2          4         \n"
		  "  -> 192.168.1.12:80              Tunnel  ipip          0      0          0         \n");
	/* FORMATS.md 5: the GUE and GRE dests of 10.0.0.6 */
	cap_open(&c);
	for (uint32_t i = 0; i < t.nrows; i++)
		if (t.rows[i].svc.port == htons(80) && t.rows[i].svc.addr.in.s_addr == htonl(0x0a000006))
			fmt_service(c.f, &t.rows[i], IPVSADM_FMT_NUMERIC | IPVSADM_FMT_TUN_INFO);
	cap_check(&c,
		  "TCP  10.0.0.6:80 wlc\n"
		  "  -> 192.168.2.1:80               Tunnel  ipip          1      0          0         \n"
		  "  -> 192.168.2.2:80               Tunnel  gue:6080:-c   1      0          0         \n"
		  "  -> 192.168.2.3:80               Tunnel  gue:6080:+c   1      0          0         \n"
		  "  -> 192.168.2.4:80               Tunnel  gre:r+c       1      0          0         \n"
		  "  -> [2001:db8::99]:80            Tunnel  ipip          1      0          0         \n");
	ipvs_table_free(&t);
}

static void test_sched_flags_and_fwmark(void **state)
{
	struct ipvs_svc_row row;
	struct cap c;

	(void)state;
	memset(&row, 0, sizeof(row));
	row.svc.af = AF_INET;
	row.svc.fwmark = 3000000000u; /* printed with %d, as upstream */
	row.svc.netmask = 0xffffffff;
	strcpy(row.svc.sched_name, "sh");
	row.svc.flags = DPVS_SVC_F_SCHED3;
	cap_open(&c);
	fmt_service(c.f, &row, IPVSADM_FMT_NUMERIC);
	strcpy(row.svc.sched_name, "rr");
	row.svc.flags = DPVS_SVC_F_SCHED1 | DPVS_SVC_F_SCHED3;
	fmt_service(c.f, &row, IPVSADM_FMT_NUMERIC);
	fmt_service(c.f, &row, IPVSADM_FMT_RULE);
	cap_check(&c, "FWM  -1294967296 sh ()\n"
		      "FWM  -1294967296 rr (flag-1,flag-3)\n"
		      "-A -f -1294967296 -s rr -b flag-1,flag-3\n");
}

static void test_sort_quirk(void **state)
{
	struct dpvs_svc a, b;

	(void)state;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.af = b.af = AF_INET;
	a.protocol = b.protocol = IPPROTO_TCP;
	set_addr("200.0.0.1", &a.af, &a.addr);
	set_addr("10.0.0.1", &b.af, &b.addr);
	assert_true(ipvs_cmp_services(&a, &b) < 0); /* u32 difference as int */
	set_addr("100.0.0.1", &a.af, &a.addr);
	assert_true(ipvs_cmp_services(&a, &b) > 0);
	a.fwmark = 3000000000u;
	assert_true(ipvs_cmp_services(&a, &b) < 0);
	a.fwmark = 5;
	assert_true(ipvs_cmp_services(&a, &b) > 0);
}

static void test_decode_rejects(void **state)
{
	struct ipvs_table t;
	char err[256];
	uint32_t len;
	uint8_t *reply = build_reply(fixture, 3, &len);
	struct dpvs_list bad = { .count = 1, .entry_size = 12 };

	(void)state;
	assert_int_equal(ipvs_table_decode(reply, len - 1, &t, err, sizeof(err)), -EBADMSG);
	assert_int_equal(ipvs_table_decode(reply, 4, &t, err, sizeof(err)), -EBADMSG);
	memcpy(reply, &bad, sizeof(bad));
	assert_int_equal(ipvs_table_decode(reply, len, &t, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "entry size"));
	bad.count = 0xffffffffu;
	bad.entry_size = sizeof(struct dpvs_svc_entry);
	memcpy(reply, &bad, sizeof(bad));
	assert_int_equal(ipvs_table_decode(reply, len, &t, err, sizeof(err)), -EBADMSG);
	bad.count = 0;
	memcpy(reply, &bad, sizeof(bad));
	assert_int_equal(ipvs_table_decode(reply, sizeof(bad), &t, err, sizeof(err)), 0);
	assert_int_equal(t.nrows, 0);
	ipvs_table_free(&t);
	free(reply);
}

static void conn(struct dpvs_conn *c, uint16_t proto, const char *ca, uint16_t cp,
		 const char *va, uint16_t vp, const char *da, uint16_t dp, const char *state,
		 uint32_t expires)
{
	memset(c, 0, sizeof(*c));
	c->protocol = proto;
	set_addr(ca, &c->af, &c->caddr);
	set_addr(va, &c->af, &c->vaddr);
	set_addr(da, &c->af, &c->daddr);
	c->cport = htons(cp);
	c->vport = htons(vp);
	c->dport = htons(dp);
	snprintf(c->state, sizeof(c->state), "%s", state);
	c->expires_sec = expires;
}

static void test_conns(void **state)
{
	struct dpvs_conn cs[6];
	struct cap c;

	(void)state;
	conn(&cs[0], TCP, "192.168.1.100", 54321, "10.0.0.1", 80, "192.168.1.10", 80,
	     "ESTABLISHED", 899);
	conn(&cs[1], UDP, "192.168.1.101", 35553, "10.0.0.1", 53, "192.168.1.20", 53, "UDP", 299);
	conn(&cs[2], 0, "192.168.1.100", 0, "0.0.0.0", 0, "192.168.1.40", 0, "NONE", 7200);
	conn(&cs[3], TCP, "192.168.1.102", 40000, "10.0.0.1", 80, "192.168.1.11", 80, "FIN_WAIT",
	     5);
	conn(&cs[4], TCP, "2001:db8::64", 50000, "2001:db8::1", 80, "2001:db8::10", 8080,
	     "CLOSE_WAIT", 60);
	conn(&cs[5], UDP, "10.0.0.99", 5060, "10.0.0.5", 5060, "192.168.1.50", 5060, "UDP", 179);
	cap_open(&c);
	fmt_conns(c.f, cs, 6, IPVSADM_FMT_NUMERIC);
	cap_check(&c,
		  "IPVS connection entries\n"
		  "pro expire state       source             virtual            destination\n"
		  "TCP 14:59  ESTABLISHED 192.168.1.100:54321 10.0.0.1:80        192.168.1.10:80\n"
		  "UDP 04:59  UDP         192.168.1.101:35553 10.0.0.1:53        192.168.1.20:53\n"
		  "IP  120:00 NONE        192.168.1.100:0    0.0.0.0:0          192.168.1.40:0\n"
		  "TCP 00:05  FIN_WAIT    192.168.1.102:40000 10.0.0.1:80        192.168.1.11:80\n"
		  "TCP 01:00  CLOSE_WAIT  [2001:db8::64]:50000 [2001:db8::1]:80   [2001:db8::10]:8080\n"
		  "UDP 02:59  UDP         10.0.0.99:5060     10.0.0.5:5060      192.168.1.50:5060\n");
	cap_open(&c);
	fmt_conns(c.f, cs, 1, IPVSADM_FMT_NUMERIC | IPVSADM_FMT_PERSISTENTCONN);
	cap_check(&c,
		  "IPVS connection entries\n"
		  "pro expire state       source             virtual            destination        "
		  "pe name          pe_data\n"
		  "TCP 14:59  ESTABLISHED 192.168.1.100:54321 10.0.0.1:80        192.168.1.10:80\n");
	if (has_reverse_name(named_addrs))
		return;
	cap_open(&c);
	fmt_conns(c.f, &cs[5], 1, 0);
	cap_check(&c,
		  "IPVS connection entries\n"
		  "pro expire state       source             virtual            destination\n"
		  "UDP 02:59  UDP         10.0.0.99:sip      10.0.0.5:sip       192.168.1.50:sip\n");
}

static void test_timeout_version_usage(void **state)
{
	struct dpvs_timeouts to = { 900, 120, 300 };
	struct cap c;

	(void)state;
	cap_open(&c);
	fmt_timeout(c.f, &to);
	fmt_version(c.f);
	cap_check(&c, "Timeout (tcp tcpfin udp): 900 120 300\n"
		      "ipvsadm v1.31 2019/12/24 (compiled with popt and IPVS v1.2.1)\n");

	cap_open(&c);
	fmt_usage(c.f, "/sbin/ipvsadm");
	fclose(c.f);
	{
		int lines = 0;

		for (char *p = c.buf; *p; p++)
			lines += *p == '\n';
		assert_int_equal(lines, 82);
	}
	assert_non_null(strstr(c.buf, "Usage:\n  /sbin/ipvsadm -A|E virtual-service [-s "));
	assert_non_null(strstr(c.buf, "  /sbin/ipvsadm -h\n\nCommands:\n"));
	assert_non_null(strstr(c.buf, "(comma-separated)\nDaemon Options:\n"));
	assert_non_null(strstr(c.buf, "  --mcast-ttl ttl                     Multicast TTL (default=1)\n"));
	free(c.buf);

	/* what -h adds after 1.31's text: the deliberate differences */
	cap_open(&c);
	fmt_dpvs_notes(c.f);
	fclose(c.f);
	assert_true(strncmp(c.buf, "\ndpvs: ", 7) == 0);
	assert_non_null(strstr(c.buf, "batches"));
	assert_non_null(strstr(c.buf, "--add-laddr    -P -z LIP [-F PORT]"));
	assert_non_null(strstr(c.buf, "ipv6-not-forwarded"));
	assert_non_null(strstr(c.buf, "expire_nodest_conn"));
	free(c.buf);
}

static void test_errors(void **state)
{
	(void)state;
	assert_string_equal(ipvsadm_strerror(DPVS_MSG_SVC_ADD, -EEXIST), "Service already exists");
	assert_string_equal(ipvsadm_strerror(DPVS_MSG_SVC_ADD, -ENOENT),
			    "Scheduler or persistence engine not found");
	assert_string_equal(ipvsadm_strerror(DPVS_MSG_SVC_EDIT, -ESRCH), "No such service");
	assert_string_equal(ipvsadm_strerror(DPVS_MSG_SVC_DEL, -ESRCH), "No such service");
	assert_string_equal(ipvsadm_strerror(DPVS_MSG_ZERO, -ESRCH), "No such service");
	assert_string_equal(ipvsadm_strerror(DPVS_MSG_DEST_ADD, -ESRCH), "Service not defined");
	assert_string_equal(ipvsadm_strerror(DPVS_MSG_DEST_ADD, -EEXIST),
			    "Destination already exists");
	assert_string_equal(ipvsadm_strerror(DPVS_MSG_DEST_EDIT, -ENOENT), "No such destination");
	assert_string_equal(ipvsadm_strerror(DPVS_MSG_DEST_DEL, ENOENT), "No such destination");
	assert_string_equal(ipvsadm_strerror(DPVS_MSG_SVC_LIST, -ESRCH), "No such service");
	assert_string_equal(ipvsadm_strerror(DPVS_MSG_DEST_ADD, -EINVAL),
			    "Invalid operation.  Possibly wrong module version, address not "
			    "unicast, ...");
	assert_string_equal(ipvsadm_strerror(DPVS_MSG_SVC_ADD, -EPERM),
			    "Permission denied (you must be root)");
	assert_string_equal(ipvsadm_strerror(DPVS_MSG_SVC_ADD, -ENOMEM), "Memory allocation problem");
	assert_string_equal(ipvsadm_strerror(DPVS_MSG_DEST_ADD, -ERANGE),
			    "Numerical result out of range");
	/* an errno that means something else for another request */
	assert_string_equal(ipvsadm_strerror(DPVS_MSG_SVC_DEL, -EEXIST), "File exists");
	/* the kernel's texts win over the daemon's message... */
	assert_string_equal(ipvsadm_error_text(DPVS_MSG_DEST_ADD, -EEXIST, "real server exists"),
			    "Destination already exists");
	assert_string_equal(ipvsadm_error_text(DPVS_MSG_DEST_ADD, -ERANGE, "lower > upper"),
			    "Numerical result out of range");
	/* ...but dpvs's own refusals say what the daemon says */
	assert_string_equal(ipvsadm_error_text(DPVS_MSG_DEST_ADD, -ENETUNREACH, "not on-link"),
			    "not on-link");
	assert_string_equal(ipvsadm_error_text(DPVS_MSG_DEST_EDIT, -ELOOP, "our own address"),
			    "our own address");
	assert_string_equal(ipvsadm_error_text(DPVS_MSG_DEST_ADD, -ENETUNREACH, ""),
			    "Network is unreachable");
	/* LVS would take it, dpvs cannot serve it; dpvs's tables full */
	assert_string_equal(ipvsadm_error_text(DPVS_MSG_DEST_ADD, -EOPNOTSUPP,
					       "tunnels between IPv4 and IPv6"),
			    "tunnels between IPv4 and IPv6");
	assert_string_equal(ipvsadm_error_text(DPVS_MSG_SVC_ADD, -ENOSPC, "too many services"),
			    "too many services");
	/* without a message, 1.31's text */
	assert_string_equal(ipvsadm_error_text(DPVS_MSG_SVC_ADD, -EOPNOTSUPP, NULL),
			    "Operation not supported with IPv6");
}

/* --get-laddr as DPVS's ipvsadm prints it */
static void laddr_ent(struct dpvs_laddr_entry *e, uint16_t proto, const char *vip, uint16_t port,
		      uint32_t total, const char *lip, uint64_t conflicts, uint64_t conns)
{
	memset(e, 0, sizeof(*e));
	e->svc.af = AF_INET;
	e->svc.protocol = proto;
	inet_pton(AF_INET, vip, &e->svc.addr.in);
	e->svc.port = htons(port);
	e->total = total;
	if (lip) {
		e->af = AF_INET;
		inet_pton(AF_INET, lip, &e->addr.in);
	}
	e->conflicts = conflicts;
	e->conns = conns;
}

static void test_laddrs(void **state)
{
	struct dpvs_laddr_entry e[4];
	struct cap c;

	(void)state;
	laddr_ent(&e[0], TCP, "10.0.0.1", 80, 2, "192.168.1.100", 0, 12);
	laddr_ent(&e[1], TCP, "10.0.0.1", 80, 2, "192.168.1.101", 3, 1234567);
	laddr_ent(&e[2], UDP, "10.0.0.2", 53, 0, NULL, 0, 0);
	laddr_ent(&e[3], TCP, "10.0.0.3", 443, 1, "192.168.1.102", 0, 0);
	cap_open(&c);
	fmt_laddrs(c.f, e, 4);
	cap_check(&c,
		  "VIP:VPORT            TOTAL    SNAT_IP              CONFLICTS  CONNS     \n"
		  "10.0.0.1:80          2        \n"
		  "                              192.168.1.100        0          12        \n"
		  "                              192.168.1.101        3          1234567   \n"
		  "10.0.0.2:53          0        \n"
		  "10.0.0.3:443         1        \n"
		  "                              192.168.1.102        0          0         \n");
	cap_open(&c);
	fmt_laddrs(c.f, e, 0);
	cap_check(&c, "VIP:VPORT            TOTAL    SNAT_IP              CONFLICTS  CONNS     \n");
	/* the laddr commands' errors are dpvs's own: the daemon's words */
	assert_string_equal(ipvsadm_error_text(DPVS_MSG_LADDR_ADD, -EADDRNOTAVAIL,
					       "10.9.9.9 is not an address of the daemon"),
			    "10.9.9.9 is not an address of the daemon");
	assert_string_equal(ipvsadm_error_text(DPVS_MSG_LADDR_DEL, -ESRCH, "no such service"),
			    "no such service");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list_numeric),
		cmocka_unit_test(test_list_pages),
		cmocka_unit_test(test_save_numeric),
		cmocka_unit_test(test_list_named),
		cmocka_unit_test(test_list_nosort),
		cmocka_unit_test(test_titles),
		cmocka_unit_test(test_largenum),
		cmocka_unit_test(test_stats_and_rate),
		cmocka_unit_test(test_thresholds_persist_tuninfo),
		cmocka_unit_test(test_sched_flags_and_fwmark),
		cmocka_unit_test(test_sort_quirk),
		cmocka_unit_test(test_decode_rejects),
		cmocka_unit_test(test_conns),
		cmocka_unit_test(test_timeout_version_usage),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_laddrs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
