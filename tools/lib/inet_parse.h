/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libdpvsctl parsers for the iproute2-style words used by dpip and by the
 * daemon's config file ([addresses], [routes], [neighbours]): addresses,
 * prefixes, MACs, and whole specs. Pure functions, unit-tested, fuzzed.
 * Every error message names the word that was wrong and why.
 */
#ifndef DPVS_INET_PARSE_H
#define DPVS_INET_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "dpvs/ctl.h"

/* "192.168.1.1" (IPv6 "2001:db8::1" also parses). 0 or -EINVAL. */
int inet_parse_addr(const char *s, uint8_t *family, union inet_addr *a);
/* "10.0.0.0/8"; no "/len" means a host prefix (/32, /128); "default". */
int inet_parse_prefix(const char *s, uint8_t *family, union inet_addr *a, uint8_t *plen);
/* "ADDR:PORT", an IPv4 address and a port 1..65535 (a listening
 * address such as [global] metrics_listen); *addr and *port in network
 * order. 0 or -EINVAL. */
int inet_parse_listen(const char *s, uint32_t *addr, uint16_t *port);
/* "aa:bb:cc:dd:ee:ff" */
int mac_parse(const char *s, struct dpvs_mac *m);
/* Formats into buf (INET6_ADDRSTRLEN is enough); returns buf. */
const char *inet_fmt(uint8_t family, const union inet_addr *a, char *buf, size_t len);
const char *mac_fmt(const struct dpvs_mac *m, char *buf, size_t len);

/* Splits a line on blanks into argv (modifies line). Returns argc, or
 * -E2BIG when there are more than max words. */
int spec_split(char *line, char **argv, int max);

/* "PREFIX dev NAME" */
int spec_parse_addr(int argc, char **argv, struct dpvs_addr *a, char *err, size_t errlen);
/* "PREFIX|default [via GW] dev NAME [src ADDR] [metric N]" */
int spec_parse_route(int argc, char **argv, struct dpvs_route *r, char *err, size_t errlen);
/* "ADDR lladdr MAC dev NAME" (for del, "ADDR dev NAME" is enough:
 * pass need_mac = 0). */
int spec_parse_neigh(int argc, char **argv, int need_mac, struct dpvs_neigh *n, char *err,
		     size_t errlen);

#endif /* DPVS_INET_PARSE_H */
