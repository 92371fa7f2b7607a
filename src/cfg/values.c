/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cfg values: what a valid value of each kind looks like (booleans,
 * bounded numbers, device specs, EAL lcore lists, names and paths).
 *
 * Each check says in `why` what was wrong with the value as the operator
 * wrote it, quoting it, so the message stands on its own after the
 * "FILE: [section] key:" prefix. Nothing here knows about sections.
 */
#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/un.h>

#include "cfg/cfg_internal.h"
#include "inet_parse.h"

int cfg_parse_bool(const char *s, bool *b)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*b = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*b = false;
			return 0;
		}
	}
	return -EINVAL;
}

int cfg_parse_uint(const char *s, uint32_t min, uint32_t max, uint32_t *v, char *why,
		   size_t len)
{
	unsigned long long n = 0;
	const char *p = s;

	/* strtoul would take "-1", " 7" and "0x10"; a config wants digits. */
	if (*p == '\0') {
		snprintf(why, len, "empty value, expected a number in %u..%u", min, max);
		return -EINVAL;
	}
	for (; *p; p++) {
		if (!isdigit((unsigned char)*p)) {
			snprintf(why, len, "'%s' is not a number", s);
			return -EINVAL;
		}
		n = n * 10 + (unsigned)(*p - '0');
		if (n > UINT32_MAX)
			break;
	}
	if (n < min || n > max) {
		snprintf(why, len, "'%s' is out of range %u..%u", s, min, max);
		return -EINVAL;
	}
	*v = (uint32_t)n;
	return 0;
}

/* n hex digits exactly; returns the end or NULL. */
static const char *hex_digits(const char *p, int n)
{
	for (int i = 0; i < n; i++, p++)
		if (!isxdigit((unsigned char)*p))
			return NULL;
	return p;
}

/* PCI address "DDDD:BB:DD.F" or "BB:DD.F"; returns where it ends or NULL. */
static const char *pci_addr_end(const char *s)
{
	const char *p = s;
	const char *q = hex_digits(p, 4);

	if (q && *q == ':') /* domain present */
		p = q + 1;
	p = hex_digits(p, 2);
	if (!p || *p++ != ':')
		return NULL;
	p = hex_digits(p, 2);
	if (!p || *p++ != '.')
		return NULL;
	if (*p < '0' || *p > '7')
		return NULL;
	return p + 1;
}

bool cfg_device_is_pci(const char *s)
{
	const char *end = pci_addr_end(s);

	return end && (*end == '\0' || *end == ',');
}

/* ",key=value" pairs after the device name: DPDK's devargs syntax. */
static int check_devargs(const char *s, const char *args, char *why, size_t len)
{
	const char *p = args;

	while (*p == ',') {
		const char *kv = ++p;
		const char *eq = NULL;

		for (; *p && *p != ','; p++) {
			if (*p == '=' && !eq)
				eq = p;
			if (isspace((unsigned char)*p)) {
				snprintf(why, len, "'%s': blank inside the devargs", s);
				return -EINVAL;
			}
		}
		if (!eq || eq == kv || eq + 1 == p) {
			snprintf(why, len, "'%s': devarg '%.*s' is not key=value", s, (int)(p - kv),
				 kv);
			return -EINVAL;
		}
	}
	if (*p != '\0') {
		snprintf(why, len, "'%s': unexpected '%c' after the device name", s, *p);
		return -EINVAL;
	}
	return 0;
}

int cfg_check_device(const char *s, char *why, size_t len)
{
	/* The vdev drivers the daemon is meant to run on; DPDK names a vdev
	 * by its driver followed by any instance suffix (net_tap0). */
	static const char *const vdevs[] = {
		"net_af_packet", "net_memif", "net_tap",   "net_virtio_user",
		"net_vhost",     "net_af_xdp", "net_ring", "net_pcap",
	};
	const char *end = pci_addr_end(s);

	if (end && (*end == '\0' || *end == ','))
		return check_devargs(s, end, why, len);
	for (size_t i = 0; i < sizeof(vdevs) / sizeof(vdevs[0]); i++) {
		size_t n = strlen(vdevs[i]);
		const char *p = s + n;

		if (strncmp(s, vdevs[i], n) != 0)
			continue;
		while (isalnum((unsigned char)*p) || *p == '_')
			p++;
		return check_devargs(s, p, why, len);
	}
	snprintf(why, len,
		 "'%s' is neither a PCI address (0000:00:08.0) nor a vdev "
		 "(net_af_packet, net_memif, net_tap, net_virtio_user, net_vhost, "
		 "net_af_xdp, net_ring, net_pcap)",
		 s);
	return -EINVAL;
}

int cfg_check_ifname(const char *s, char *why, size_t len)
{
	size_t n = strlen(s);

	if (n == 0) {
		snprintf(why, len, "empty name");
		return -EINVAL;
	}
	if (n >= DPVS_IFNAMSIZ) {
		snprintf(why, len, "name '%s' is longer than %d characters", s, DPVS_IFNAMSIZ - 1);
		return -EINVAL;
	}
	for (const char *p = s; *p; p++) {
		if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) && *p != '.' &&
		    *p != '-' && *p != '_') {
			snprintf(why, len, "name '%s' has '%c': use a-z, 0-9, '.', '-', '_'", s,
				 *p);
			return -EINVAL;
		}
	}
	return 0;
}

int cfg_check_file_prefix(const char *s, char *why, size_t len)
{
	if (*s == '\0') {
		snprintf(why, len, "empty file prefix");
		return -EINVAL;
	}
	for (const char *p = s; *p; p++) {
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_') {
			snprintf(why, len, "'%s' has '%c': use letters, digits, '-', '_'", s, *p);
			return -EINVAL;
		}
	}
	return 0;
}

int cfg_check_socket_path(const char *s, char *why, size_t len)
{
	if (s[0] != '/') {
		snprintf(why, len, "'%s' is not an absolute path", s);
		return -EINVAL;
	}
	if (strlen(s) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
		snprintf(why, len, "'%s' is longer than a UNIX socket path can be (%zu)", s,
			 sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
		return -EINVAL;
	}
	return 0;
}

int cfg_check_listen(const char *s, char *why, size_t len)
{
	uint32_t addr;
	uint16_t port;

	if (s[0] && inet_parse_listen(s, &addr, &port) < 0) {
		snprintf(why, len, "'%s' is not IPV4ADDRESS:PORT (port 1..65535)", s);
		return -EINVAL;
	}
	return 0;
}

/* One number or "a-b"; marks them in set when set is given. */
static int lcore_range(const char **pp, unsigned limit, struct cfg_lcore_set *set)
{
	const char *p = *pp;
	unsigned a = 0, b;

	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	while (isdigit((unsigned char)*p) && a < limit)
		a = a * 10 + (unsigned)(*p++ - '0');
	b = a;
	if (*p == '-') {
		p++;
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		b = 0;
		while (isdigit((unsigned char)*p) && b < limit)
			b = b * 10 + (unsigned)(*p++ - '0');
	}
	if (a >= limit || b >= limit || a > b)
		return -ERANGE;
	for (unsigned i = a; set && i <= b; i++)
		set->bits[i / 64] |= 1ull << (i % 64);
	*pp = p;
	return 0;
}

/* "N", "a-b" or "(x,y-z,...)". */
static int lcore_group(const char **pp, unsigned limit, struct cfg_lcore_set *set)
{
	const char *p = *pp;
	int rc;

	if (*p != '(') {
		rc = lcore_range(&p, limit, set);
	} else {
		p++;
		do {
			rc = lcore_range(&p, limit, set);
		} while (rc == 0 && *p == ',' && p++);
		if (rc == 0 && *p++ != ')')
			rc = -EINVAL;
	}
	*pp = p;
	return rc;
}

int cfg_parse_lcores(const char *s, struct cfg_lcore_set *set, char *why, size_t len)
{
	const char *p = s;
	int rc;

	memset(set, 0, sizeof(*set));
	do {
		rc = lcore_group(&p, RTE_MAX_LCORE, set);
		/* "@cpus" pins the lcores; CPUs may go beyond the lcore limit. */
		if (rc == 0 && *p == '@') {
			p++;
			rc = lcore_group(&p, 1u << 16, NULL);
		}
	} while (rc == 0 && *p == ',' && p++);
	if (rc == 0 && *p != '\0')
		rc = -EINVAL;
	if (rc == -ERANGE)
		snprintf(why, len, "'%s': lcore or CPU out of range (lcores are 0..%d)", s,
			 RTE_MAX_LCORE - 1);
	else if (rc)
		snprintf(why, len, "'%s' is not an EAL lcore list (e.g. 0,1 or 0-3 or 0@0,1@1)",
			 s);
	return rc ? -EINVAL : 0;
}

int cfg_check_lcores(const char *s, char *why, size_t len)
{
	struct cfg_lcore_set set;

	return cfg_parse_lcores(s, &set, why, len);
}

int cfg_check_group(const char *s, char *why, size_t len)
{
	if (!*s || getgrnam(s))
		return 0;
	snprintf(why, len, "no group '%s' on this host (see /etc/group)", s);
	return -EINVAL;
}
