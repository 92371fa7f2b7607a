/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Everything ipvsadm prints on stdout, byte for byte as ipvsadm 1.31
 * (/work/shared/reference/ipvsadm/FORMATS.md): the listing in all its
 * modes (-L/-l with -n, --stats, --rate, --thresholds, --persistent-conn,
 * --tun-info, --exact), -S rules, -c connections, --timeout, -h and -v.
 * Writes to a FILE so that tests can capture it; no daemon, no state.
 * Only the non-numeric mode looks names up (gethostbyaddr, getservbyport).
 */
#ifndef IPVSADM_FORMAT_H
#define IPVSADM_FORMAT_H

#include <stdint.h>
#include <stdio.h>

#include "dpvs/ctl.h"
#include "ipvsadm_parse.h" /* IPVSADM_FMT_* */
#include "table.h"

/* "IP Virtual Server version 1.2.1 (size=N)" */
void fmt_version_header(FILE *f, uint32_t size);
/* The two title lines of the listing mode (nothing for -S). */
void fmt_title(FILE *f, unsigned int fmt);
/* One service line and its dests' lines. */
void fmt_service(FILE *f, const struct ipvs_svc_row *row, unsigned int fmt);
/* Title, then every service in table order (sort first if wanted). */
void fmt_services(FILE *f, const struct ipvs_table *t, unsigned int fmt);
/* -c: "IPVS connection entries", the header and one row per conn. */
void fmt_conns(FILE *f, const struct dpvs_conn *c, uint32_t n, unsigned int fmt);
/* ... its two parts, for a listing printed page by page as it comes */
void fmt_conns_title(FILE *f, unsigned int fmt);
void fmt_conn_rows(FILE *f, const struct dpvs_conn *c, uint32_t n, unsigned int fmt);
/* --get-laddr, as DPVS's ipvsadm prints it: a title, then per service
 * "VIP:PORT  TOTAL" and one line per local address with its CONFLICTS and
 * CONNS. Entries as LADDR_GET answers them (a service's in a row). */
void fmt_laddrs(FILE *f, const struct dpvs_laddr_entry *e, uint32_t n);
/* --timeout */
void fmt_timeout(FILE *f, const struct dpvs_timeouts *t);
/* -h (prog is argv[0]) and -v */
void fmt_usage(FILE *f, const char *prog);
/* What -h adds after the usage: dpvs's deliberate differences. */
void fmt_dpvs_notes(FILE *f);
void fmt_version(FILE *f);

/* ipvsadm's print_largenum(): K/M/G/T scaling, or --exact. */
void fmt_largenum(FILE *f, uint64_t v, unsigned int fmt);
/* addrport_to_anyname(): "a.b.c.d:port" / "[v6]:port", names unless
 * IPVSADM_FMT_NUMERIC. port in network order. Returns buf (60 bytes). */
const char *fmt_addrport(char *buf, uint16_t af, const union inet_addr *a, uint16_t port,
			 int proto, unsigned int fmt);

#endif /* IPVSADM_FORMAT_H */
