/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Parsers for the iproute2-style words that describe addresses, routes
 * and neighbours, shared by dpip (command line) and the daemon's config
 * file, so both accept exactly the same syntax and say the same thing
 * about a mistake: every message quotes the offending word and says what
 * was expected there.
 *
 * Specs are keyword driven as in `ip`: keywords may come in any order and
 * the one word that is not a keyword (or follows `to`) is the address or
 * prefix.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errf.h"
#include "inet_parse.h"

/* every refusal of a parser is -EINVAL with its reason */
#define parse_error(err, errlen, ...) dpvs_errf(err, errlen, -EINVAL, __VA_ARGS__)

static unsigned family_bits(uint8_t family)
{
	return family == AF_INET6 ? 128 : 32;
}

static const char *family_name(uint8_t family)
{
	return family == AF_INET6 ? "IPv6" : "IPv4";
}

int inet_parse_addr(const char *s, uint8_t *family, union inet_addr *a)
{
	union inet_addr tmp;
	uint8_t af;

	if (!s || !*s)
		return -EINVAL;
	memset(&tmp, 0, sizeof(tmp));
	if (inet_pton(AF_INET, s, &tmp.in) == 1)
		af = AF_INET;
	else if (inet_pton(AF_INET6, s, &tmp.in6) == 1)
		af = AF_INET6;
	else
		return -EINVAL;
	if (family)
		*family = af;
	if (a)
		*a = tmp;
	return 0;
}

/* Decimal 0..max with nothing else around it (no sign, no blanks). */
static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;

	if (!s || !*s)
		return -EINVAL;
	for (; *s; s++) {
		if (!isdigit((unsigned char)*s))
			return -EINVAL;
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > max)
			return -ERANGE;
	}
	*out = v;
	return 0;
}

/* The prefix parser with messages; inet_parse_prefix() is its quiet face. */
static int prefix_parse(const char *s, uint8_t *family, union inet_addr *a, uint8_t *plen,
			char *err, size_t errlen)
{
	char addr[INET6_ADDRSTRLEN + 8];
	const char *slash;
	unsigned long len;
	uint8_t af;
	size_t n;

	if (!s || !*s)
		return parse_error(err, errlen, "missing prefix");
	if (strcmp(s, "default") == 0) {
		/* IPv4 unless the caller learns otherwise (a v6 gateway) */
		*family = AF_INET;
		memset(a, 0, sizeof(*a));
		*plen = 0;
		return 0;
	}
	slash = strchr(s, '/');
	n = slash ? (size_t)(slash - s) : strlen(s);
	if (n >= sizeof(addr) || n == 0)
		return parse_error(err, errlen, "bad prefix '%s': expected ADDRESS[/LENGTH]", s);
	memcpy(addr, s, n);
	addr[n] = '\0';
	if (inet_parse_addr(addr, &af, a))
		return parse_error(err, errlen,
				   "bad prefix '%s': '%s' is not an IPv4 or IPv6 address", s, addr);
	if (!slash) {
		len = family_bits(af); /* a bare address is a host prefix, as in ip */
	} else {
		int rc = parse_uint(slash + 1, family_bits(af), &len);

		if (rc)
			return parse_error(err, errlen,
					   "bad prefix '%s': prefix length must be 0..%u", s,
					   family_bits(af));
	}
	*family = af;
	*plen = (uint8_t)len;
	return 0;
}

int inet_parse_prefix(const char *s, uint8_t *family, union inet_addr *a, uint8_t *plen)
{
	uint8_t af, l;
	union inet_addr tmp;
	int rc = prefix_parse(s, &af, &tmp, &l, NULL, 0);

	if (rc)
		return rc;
	if (family)
		*family = af;
	if (a)
		*a = tmp;
	if (plen)
		*plen = l;
	return 0;
}

int inet_parse_listen(const char *s, uint32_t *addr, uint16_t *port)
{
	char host[INET_ADDRSTRLEN];
	const char *colon = strrchr(s, ':');
	struct in_addr in;
	char *end;
	unsigned long p;

	if (!colon || colon == s || (size_t)(colon - s) >= sizeof(host) ||
	    !isdigit((unsigned char)colon[1]))
		return -EINVAL;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	errno = 0;
	p = strtoul(colon + 1, &end, 10);
	if (errno || *end || p == 0 || p > 65535 || inet_pton(AF_INET, host, &in) != 1)
		return -EINVAL;
	*addr = in.s_addr;
	*port = htons((uint16_t)p);
	return 0;
}

int mac_parse(const char *s, struct dpvs_mac *m)
{
	struct dpvs_mac tmp;

	if (!s)
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		unsigned v = 0;
		int digits = 0;

		while (isxdigit((unsigned char)*s) && digits < 3) {
			char c = (char)tolower((unsigned char)*s++);

			v = v * 16 + (unsigned)(isdigit((unsigned char)c) ? c - '0' : c - 'a' + 10);
			digits++;
		}
		if (digits == 0 || digits > 2)
			return -EINVAL;
		tmp.b[i] = (uint8_t)v;
		if (i < 5 && *s++ != ':')
			return -EINVAL;
	}
	if (*s)
		return -EINVAL;
	if (m)
		*m = tmp;
	return 0;
}

const char *inet_fmt(uint8_t family, const union inet_addr *a, char *buf, size_t len)
{
	if (!buf || !len)
		return buf;
	if ((family != AF_INET && family != AF_INET6) || !inet_ntop(family, a, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

const char *mac_fmt(const struct dpvs_mac *m, char *buf, size_t len)
{
	if (buf && len)
		snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", m->b[0], m->b[1], m->b[2],
			 m->b[3], m->b[4], m->b[5]);
	return buf;
}

int spec_split(char *line, char **argv, int max)
{
	static const char blanks[] = " \t\r\n\v\f";
	int argc = 0;
	char *p = line;

	if (!line)
		return 0;
	for (;;) {
		p += strspn(p, blanks);
		if (!*p)
			break;
		if (argc >= max)
			return -E2BIG;
		argv[argc++] = p;
		p += strcspn(p, blanks);
		if (*p)
			*p++ = '\0';
	}
	if (argc < max)
		argv[argc] = NULL;
	return argc;
}

/* ---- whole specs ---- */

/* One walk over a spec's words: the current word and its keyword's value. */
struct spec_walk {
	int argc;
	char **argv;
	int i;
	char *err;
	size_t errlen;
};

/* Takes the value after keyword argv[i]; NULL (with a message) if none. */
static const char *spec_value(struct spec_walk *w, const char *usage)
{
	const char *kw = w->argv[w->i];

	if (w->i + 1 >= w->argc || !w->argv[w->i + 1]) {
		parse_error(w->err, w->errlen, "'%s' needs a value (%s)", kw, usage);
		return NULL;
	}
	return w->argv[++w->i];
}

static int once(struct spec_walk *w, bool *seen)
{
	if (*seen)
		return parse_error(w->err, w->errlen, "'%s' given twice", w->argv[w->i]);
	*seen = true;
	return 0;
}

static int parse_ifname(struct spec_walk *w, char *ifname)
{
	const char *v = spec_value(w, "dev NAME");

	if (!v)
		return -EINVAL;
	if (!*v || strlen(v) >= DPVS_IFNAMSIZ)
		return parse_error(w->err, w->errlen,
				   "bad device name '%s': 1..%d characters expected", v,
				   DPVS_IFNAMSIZ - 1);
	if (strchr(v, '/') || strpbrk(v, " \t"))
		return parse_error(w->err, w->errlen,
				   "bad device name '%s': no '/' or blanks allowed", v);
	strcpy(ifname, v);
	return 0;
}

static int parse_host(struct spec_walk *w, const char *what, uint8_t *family,
		      union inet_addr *a)
{
	const char *v = spec_value(w, what);

	if (!v)
		return -EINVAL;
	if (inet_parse_addr(v, family, a))
		return parse_error(w->err, w->errlen, "bad address '%s' after '%s': "
				   "not an IPv4 or IPv6 address", v, w->argv[w->i - 1]);
	return 0;
}

static bool host_bits_clear(uint8_t family, const union inet_addr *a, uint8_t plen)
{
	for (unsigned bit = plen; bit < family_bits(family); bit++)
		if (a->b[bit / 8] & (0x80u >> (bit % 8)))
			return false;
	return true;
}

int spec_parse_addr(int argc, char **argv, struct dpvs_addr *a, char *err, size_t errlen)
{
	struct spec_walk w = { .argc = argc, .argv = argv, .err = err, .errlen = errlen };
	bool have_prefix = false, have_dev = false;

	memset(a, 0, sizeof(*a));
	for (; w.i < argc; w.i++) {
		const char *word = argv[w.i];

		if (!word)
			break;
		if (strcmp(word, "dev") == 0) {
			if (once(&w, &have_dev) || parse_ifname(&w, a->ifname))
				return -EINVAL;
			continue;
		}
		if (strcmp(word, "local") == 0) {
			word = spec_value(&w, "local PREFIX");
			if (!word)
				return -EINVAL;
		}
		if (have_prefix)
			return parse_error(err, errlen, "unexpected word '%s' (expected dev NAME)",
					   word);
		if (strcmp(word, "default") == 0)
			return parse_error(err, errlen, "bad address 'default': an address needs "
					   "a PREFIX such as 192.168.1.1/24");
		have_prefix = true;
		if (prefix_parse(word, &a->family, &a->addr, &a->prefixlen, err, errlen))
			return -EINVAL;
	}
	if (!have_prefix)
		return parse_error(err, errlen, "missing the address (PREFIX dev NAME)");
	if (!have_dev)
		return parse_error(err, errlen, "missing 'dev NAME' for address %s",
				   argv[0] ? argv[0] : "");
	return 0;
}

int spec_parse_route(int argc, char **argv, struct dpvs_route *r, char *err, size_t errlen)
{
	struct spec_walk w = { .argc = argc, .argv = argv, .err = err, .errlen = errlen };
	bool have_dst = false, have_dev = false, have_via = false, have_src = false;
	bool have_metric = false, is_default = false;
	const char *dst_word = NULL;
	uint8_t via_af = 0, src_af = 0;

	memset(r, 0, sizeof(*r));
	for (; w.i < argc; w.i++) {
		const char *word = argv[w.i];

		if (!word)
			break;
		if (strcmp(word, "dev") == 0 || strcmp(word, "oif") == 0) {
			if (once(&w, &have_dev) || parse_ifname(&w, r->ifname))
				return -EINVAL;
		} else if (strcmp(word, "via") == 0) {
			if (once(&w, &have_via) ||
			    parse_host(&w, "via GATEWAY", &via_af, &r->gateway))
				return -EINVAL;
		} else if (strcmp(word, "src") == 0) {
			if (once(&w, &have_src) || parse_host(&w, "src ADDRESS", &src_af, &r->src))
				return -EINVAL;
		} else if (strcmp(word, "metric") == 0 || strcmp(word, "preference") == 0 ||
			   strcmp(word, "priority") == 0) {
			unsigned long v;
			const char *s;

			if (once(&w, &have_metric))
				return -EINVAL;
			s = spec_value(&w, "metric NUMBER");
			if (!s)
				return -EINVAL;
			if (parse_uint(s, UINT32_MAX, &v))
				return parse_error(err, errlen,
						   "bad metric '%s': expected a number 0..%u", s,
						   UINT32_MAX);
			r->metric = (uint32_t)v;
		} else {
			if (strcmp(word, "to") == 0) {
				word = spec_value(&w, "to PREFIX");
				if (!word)
					return -EINVAL;
			}
			if (have_dst)
				return parse_error(err, errlen, "unexpected word '%s' "
						   "(expected via, dev, src or metric)", word);
			have_dst = true;
			dst_word = word;
			is_default = strcmp(word, "default") == 0;
			if (prefix_parse(word, &r->family, &r->dst, &r->prefixlen, err, errlen))
				return -EINVAL;
		}
	}
	if (!have_dst)
		return parse_error(err, errlen, "missing the destination (PREFIX or default)");
	if (!have_dev)
		return parse_error(err, errlen, "missing 'dev NAME' for route %s", dst_word);
	/* "default" has no family of its own: it takes the gateway's */
	if (is_default && have_via)
		r->family = via_af;
	if (have_via && via_af != r->family)
		return parse_error(err, errlen, "gateway is %s but the destination '%s' is %s",
				   family_name(via_af), dst_word, family_name(r->family));
	if (have_src && src_af != r->family)
		return parse_error(err, errlen, "source is %s but the destination '%s' is %s",
				   family_name(src_af), dst_word, family_name(r->family));
	if (!host_bits_clear(r->family, &r->dst, r->prefixlen))
		return parse_error(err, errlen,
				   "bad prefix '%s': address has bits set beyond /%u "
				   "(use the network address)",
				   dst_word, r->prefixlen);
	return 0;
}

static const struct {
	const char *name;
	enum dpvs_neigh_state state;
} nud_names[] = {
	{ "permanent", DPVS_NEIGH_PERMANENT },
	{ "reachable", DPVS_NEIGH_REACHABLE },
	{ "stale", DPVS_NEIGH_STALE },
};

int spec_parse_neigh(int argc, char **argv, int need_mac, struct dpvs_neigh *n, char *err,
		     size_t errlen)
{
	struct spec_walk w = { .argc = argc, .argv = argv, .err = err, .errlen = errlen };
	bool have_addr = false, have_dev = false, have_mac = false, have_nud = false;
	const char *addr_word = NULL;

	memset(n, 0, sizeof(*n));
	/* a neighbour added by hand is static, as `ip neigh add` makes it */
	n->state = DPVS_NEIGH_PERMANENT;
	for (; w.i < argc; w.i++) {
		const char *word = argv[w.i];

		if (!word)
			break;
		if (strcmp(word, "dev") == 0) {
			if (once(&w, &have_dev) || parse_ifname(&w, n->ifname))
				return -EINVAL;
		} else if (strcmp(word, "lladdr") == 0) {
			const char *s;

			if (once(&w, &have_mac))
				return -EINVAL;
			s = spec_value(&w, "lladdr MAC");
			if (!s)
				return -EINVAL;
			if (mac_parse(s, &n->mac))
				return parse_error(err, errlen, "bad MAC '%s': expected "
						   "six hex bytes like aa:bb:cc:dd:ee:ff", s);
		} else if (strcmp(word, "nud") == 0) {
			const char *s;
			size_t k;

			if (once(&w, &have_nud))
				return -EINVAL;
			s = spec_value(&w, "nud permanent|reachable|stale");
			if (!s)
				return -EINVAL;
			for (k = 0; k < sizeof(nud_names) / sizeof(nud_names[0]); k++)
				if (strcmp(s, nud_names[k].name) == 0)
					break;
			if (k == sizeof(nud_names) / sizeof(nud_names[0]))
				return parse_error(err, errlen, "bad state '%s' after 'nud' "
						   "(expected permanent, reachable or stale)", s);
			n->state = (uint8_t)nud_names[k].state;
		} else {
			if (strcmp(word, "to") == 0) {
				word = spec_value(&w, "to ADDRESS");
				if (!word)
					return -EINVAL;
			}
			if (have_addr)
				return parse_error(err, errlen, "unexpected word '%s' "
						   "(expected lladdr, dev or nud)", word);
			have_addr = true;
			addr_word = word;
			if (inet_parse_addr(word, &n->family, &n->addr))
				return parse_error(err, errlen, "bad address '%s': "
						   "not an IPv4 or IPv6 address", word);
		}
	}
	if (!have_addr)
		return parse_error(err, errlen, "missing the neighbour's address");
	if (need_mac && !have_mac)
		return parse_error(err, errlen, "missing 'lladdr MAC' for neighbour %s", addr_word);
	if (!have_dev)
		return parse_error(err, errlen, "missing 'dev NAME' for neighbour %s", addr_word);
	return 0;
}
