/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cfg loading: reads the INI file with iniparser, walks every section and
 * key against the schema (schema.c) and fills struct dpvs_config.
 *
 * It never stops at the first problem: each bad section, key or value is
 * reported as "FILE: [section] key: reason" and loading goes on, so that
 * `dpvs -t` shows the operator everything to fix in one go. Lines that
 * other modules own the syntax of ([addresses], [routes], [neighbours],
 * [service:*]) are parsed with the same libdpvsctl parsers as dpip and
 * ipvsadm, so the file and the tools accept exactly the same words.
 *
 * iniparser keeps the last of two equal keys and merges repeated sections
 * without a word; a second `rs1 =` in a service would lose a real server
 * silently. So the file is first scanned for repeated keys (prescan()).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <iniparser.h>

#include "cfg/cfg_internal.h"
#include "inet_parse.h"
#include "ipvs_args.h"

#define LINE_WORDS 32
#define LINE_MAX_LEN 1024 /* iniparser's own line limit */

struct loader {
	struct dpvs_config *cfg;
	struct cfg_errors *errs;
	dictionary *ini;
	const char **secs; /* section names, in file order */
	const struct cfg_section **kinds; /* their schema; NULL when invalid */
	const char **names;               /* the part after ':', or NULL */
	int nsecs;
};

void cfg_error(struct cfg_errors *errs, const char *fmt, ...)
{
	va_list ap;

	if (errs->count < CFG_ERR_MAX) {
		va_start(ap, fmt);
		vsnprintf(errs->msg[errs->count], CFG_ERRLEN, fmt, ap);
		va_end(ap);
	}
	errs->count++;
}

void cfg_key_error(struct cfg_errors *errs, const char *path, const char *sec, const char *key,
		   const char *fmt, ...)
{
	char why[CFG_ERRLEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (!sec)
		cfg_error(errs, "%s: %s", path, why);
	else if (key)
		cfg_error(errs, "%s: [%s] %s: %s", path, sec, key, why);
	else
		cfg_error(errs, "%s: [%s]: %s", path, sec, why);
}

#define key_err(L, sec, key, ...) cfg_key_error((L)->errs, (L)->cfg->path, sec, key, __VA_ARGS__)

void cfg_defaults(struct dpvs_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->log_level = CFG_LOG_INFO;
	snprintf(cfg->ctl_socket, sizeof(cfg->ctl_socket), "%s", DPVS_CTL_DEFAULT_SOCK);
	snprintf(cfg->pid_file, sizeof(cfg->pid_file), "/run/dpvs/dpvs.pid");
	cfg->idle_sleep_us = 0;
	cfg->idle_polls = 64;
	snprintf(cfg->lcores, sizeof(cfg->lcores), "0,1");
	cfg->main_lcore = 0;
	cfg->memory_mb = 512;
	snprintf(cfg->file_prefix, sizeof(cfg->file_prefix), "dpvs");
	cfg->no_pci = true; /* re-derived from the ports once they are known */
	cfg->mbufs = 16383; /* 2^n - 1 is the most memory-efficient pool size */
	cfg->mbuf_cache = 256;
	cfg->conn_max = 1048576;
	cfg->svc_max = 0; /* from memory (ipvs_limits_resolve) */
	cfg->dest_max = 0;
	cfg->timeouts.tcp_timeout = 900;
	cfg->fnat_toa = cfg->fnat_uoa = true;
	cfg->timeouts.tcp_fin_timeout = 120;
	cfg->timeouts.udp_timeout = 300;
	cfg->tcp_states = (struct dpvs_tcp_state_timeouts){
		.syn_recv = 60, .time_wait = 120, .close = 10, .close_wait = 60, .last_ack = 30,
	};
	/* LVS's: every defence off, am_droprate 10; eviction only when full */
	cfg->defense = (struct dpvs_defense){
		.threshold = 90, .am_droprate = 10, .evict_threshold = 100,
		.unknown_tcp = DPVS_UNKNOWN_TCP_DROP, .mask = DPVS_DEF_F_ALL,
	};
}

static void port_defaults(struct cfg_port *p, const char *name)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->rx_queues = 1;
	p->rx_desc = 1024;
	p->tx_desc = 1024;
	p->mtu = 1500;
	p->promisc = true;
	p->kni = true;
}

/* ---- reading the file ---- */

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

static void lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

/* Reports keys set twice in one section (repeated sections count as one,
 * as iniparser merges them). Returns -errno when the file can't be read. */
static int prescan(struct loader *L, const char *path)
{
	char sec[LINE_MAX_LEN] = "", full[2 * LINE_MAX_LEN + 2], num[16];
	dictionary *seen = dictionary_new(0);
	bool continued = false;
	char *line = NULL;
	size_t cap = 0;
	unsigned lineno = 0;
	FILE *f = fopen(path, "r");
	int rc = 0;

	if (!f || !seen) {
		rc = -errno;
		cfg_error(L->errs, "%s: cannot read: %s", path, strerror(errno));
		goto out;
	}
	while (getline(&line, &cap, f) >= 0) {
		char *s = trim(line), *eq, *end;
		bool was_continued = continued;

		lineno++;
		continued = *s && s[strlen(s) - 1] == '\\';
		if (was_continued || *s == '\0' || *s == ';' || *s == '#')
			continue;
		if (*s == '[' && (end = strchr(s, ']'))) {
			*end = '\0';
			snprintf(sec, sizeof(sec), "%s", trim(s + 1));
			lower(sec);
			continue;
		}
		eq = strchr(s, '=');
		if (!eq)
			continue; /* iniparser reports the syntax error */
		*eq = '\0';
		s = trim(s);
		lower(s);
		snprintf(full, sizeof(full), "%s:%s", sec, s);
		const char *first = dictionary_get(seen, full, NULL);
		if (first) {
			key_err(L, sec, s, "set twice (lines %s and %u): only one would be kept",
				first, lineno);
		} else {
			snprintf(num, sizeof(num), "%u", lineno);
			dictionary_set(seen, full, num);
		}
	}
out:
	free(line);
	if (f)
		fclose(f);
	if (seen)
		dictionary_del(seen);
	return rc;
}

/* iniparser reports syntax errors through one global callback; cfg_load
 * runs on the control thread only, so a static pointer is enough. */
static struct cfg_errors *syntax_errs;

static int syntax_error(const char *fmt, ...)
{
	char msg[CFG_ERRLEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* "iniparser: syntax error in F (N):\n-> LINE\n" on one line */
	for (char *p = msg; *p; p++)
		if (*p == '\n')
			*p = ' ';
	cfg_error(syntax_errs, "%s", trim(msg));
	return 0;
}

/* ---- walking sections and keys ---- */

/* iniparser stores a section as an entry without a value, and a key as
 * "section:key"; section names may hold ':' ([port:dpdk0]), so a key
 * belongs to the longest section name it starts with. */
static int key_owner(const struct loader *L, const char *full)
{
	int best = -1;
	size_t best_len = 0;

	for (int i = 0; i < L->nsecs; i++) {
		size_t n = strlen(L->secs[i]);

		if (n >= best_len && strncmp(full, L->secs[i], n) == 0 && full[n] == ':') {
			best = i;
			best_len = n;
		}
	}
	return best;
}

static int collect_sections(struct loader *L)
{
	const dictionary *d = L->ini;

	L->secs = calloc((size_t)d->size + 1, sizeof(*L->secs));
	L->kinds = calloc((size_t)d->size + 1, sizeof(*L->kinds));
	L->names = calloc((size_t)d->size + 1, sizeof(*L->names));
	if (!L->secs || !L->kinds || !L->names)
		return -ENOMEM;
	for (ssize_t i = 0; i < d->size; i++)
		if (d->key[i] && !d->val[i])
			L->secs[L->nsecs++] = d->key[i];
	/* keys before the first section land in a section iniparser never
	 * declares: they would be ignored without this */
	for (ssize_t i = 0; i < d->size; i++)
		if (d->key[i] && d->val[i] && key_owner(L, d->key[i]) < 0)
			cfg_error(L->errs, "%s: key '%s' is outside any section", L->cfg->path,
				  d->key[i][0] == ':' ? d->key[i] + 1 : d->key[i]);
	return 0;
}

typedef void (*key_fn)(struct loader *L, const char *sec, const char *key, const char *val,
		       void *ctx);

/* Calls fn for every key of section `sec`, in file order. */
static void for_each_key(struct loader *L, const char *sec, key_fn fn, void *ctx)
{
	int n = iniparser_getsecnkeys(L->ini, sec);
	const char **keys;
	size_t plen = strlen(sec) + 1;

	if (n <= 0)
		return;
	keys = calloc((size_t)n, sizeof(*keys));
	if (!keys) {
		key_err(L, sec, NULL, "out of memory");
		return;
	}
	iniparser_getseckeys(L->ini, sec, keys);
	for (int i = 0; i < n; i++) {
		const char *val = iniparser_getstring(L->ini, keys[i], NULL);
		int owner = key_owner(L, keys[i]);

		/* skip nested sections ([port:a:b]) and their keys */
		if (!val || owner < 0 || strcmp(L->secs[owner], sec) != 0)
			continue;
		fn(L, sec, keys[i] + plen, val, ctx);
	}
	free(keys);
}

struct fixed_ctx {
	const struct cfg_section *schema;
	void *base;
};

/* Keys with a stored value (schema types other than CFG_T_LINE). */
static void fixed_key(struct loader *L, const char *sec, const char *key, const char *val,
		      void *ctx)
{
	const struct fixed_ctx *fc = ctx;
	const struct cfg_key *k = cfg_key_find(fc->schema, key);
	char why[CFG_ERRLEN], known[160];
	size_t n = 0;

	if (!k) {
		if (fc->schema->any_key)
			return; /* a line the section's code parses */
		known[0] = '\0';
		for (unsigned i = 0; i < fc->schema->nkeys && n < sizeof(known); i++)
			n += (size_t)snprintf(known + n, sizeof(known) - n, "%s%s", i ? ", " : "",
					      fc->schema->keys[i].name);
		key_err(L, sec, key, "unknown key (known: %s)", known);
		return;
	}
	if (k->type == CFG_T_LINE)
		return;
	if (cfg_key_set(k, val, fc->base, why, sizeof(why)))
		key_err(L, sec, key, "%s", why);
}

static void parse_fixed(struct loader *L, const char *sec, const struct cfg_section *s, void *base)
{
	struct fixed_ctx fc = { .schema = s, .base = base };

	for_each_key(L, sec, fixed_key, &fc);
}

static int port_index(const struct dpvs_config *cfg, const char *name)
{
	/* port names come lowercased from section names; values don't */
	for (unsigned i = 0; i < cfg->nports; i++)
		if (strcasecmp(cfg->ports[i].name, name) == 0)
			return (int)i;
	return -1;
}

static const char *has_key(struct loader *L, const char *sec, const char *key)
{
	char full[LINE_MAX_LEN];

	snprintf(full, sizeof(full), "%s:%s", sec, key);
	return iniparser_getstring(L->ini, full, NULL);
}

/* ---- [port:NAME] ---- */

static void parse_port(struct loader *L, const char *sec, const char *name)
{
	const struct cfg_section *s = cfg_section_of(CFG_SEC_PORT);
	struct dpvs_config *cfg = L->cfg;
	struct cfg_port scratch, *p = &scratch;
	char why[CFG_ERRLEN];
	bool name_ok = cfg_check_ifname(name, why, sizeof(why)) == 0;

	if (!name_ok)
		key_err(L, sec, NULL, "port %s", why);
	if (name_ok && cfg->nports >= CFG_MAX_PORTS) {
		key_err(L, sec, NULL, "too many ports (at most %d)", CFG_MAX_PORTS);
		name_ok = false;
	}
	/* a bad port still gets its keys checked, into a scratch struct */
	if (name_ok)
		p = &cfg->ports[cfg->nports++];
	port_defaults(p, name);
	parse_fixed(L, sec, s, p);
	if (!has_key(L, sec, "device"))
		key_err(L, sec, NULL, "no 'device' key (PCI address or net_* vdev)");
	if (name_ok && !has_key(L, sec, "kni_name")) {
		if (strlen(name) + strlen(".kni") >= DPVS_IFNAMSIZ)
			key_err(L, sec, "kni_name",
				"default '%s.kni' is longer than %d characters: set kni_name",
				name, DPVS_IFNAMSIZ - 1);
		else
			snprintf(p->kni_name, sizeof(p->kni_name), "%s.kni", name);
	}
}

/* ---- [worker:LCORE] ---- */

static void parse_queues(struct loader *L, const char *sec, struct cfg_worker *w,
			 const char *val)
{
	char buf[LINE_MAX_LEN], why[CFG_ERRLEN];
	char *save = NULL;
	unsigned seen = 0;

	snprintf(buf, sizeof(buf), "%s", val);
	for (char *tok = strtok_r(buf, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save)) {
		char *colon = strrchr(tok, ':');
		uint32_t q;
		int port;

		seen++;
		if (!colon) {
			key_err(L, sec, "queues", "'%s' is not PORT:QUEUE", tok);
			continue;
		}
		*colon = '\0';
		port = port_index(L->cfg, tok);
		if (port < 0) {
			key_err(L, sec, "queues", "'%s:%s': no port '%s' is configured", tok,
				colon + 1, tok);
			continue;
		}
		if (cfg_parse_uint(colon + 1, 0, UINT16_MAX, &q, why, sizeof(why))) {
			key_err(L, sec, "queues", "queue of port %s: %s", tok, why);
			continue;
		}
		if (w->nrxq >= CFG_MAX_RXQ) {
			key_err(L, sec, "queues", "more than %d rx queues for one worker",
				CFG_MAX_RXQ);
			return;
		}
		w->rxq[w->nrxq].port = (uint16_t)port;
		w->rxq[w->nrxq].queue = (uint16_t)q;
		w->nrxq++;
	}
	if (!seen)
		key_err(L, sec, "queues", "empty: list PORT:QUEUE pairs, e.g. dpdk0:0");
}

static void parse_worker(struct loader *L, const char *sec, const char *name)
{
	struct dpvs_config *cfg = L->cfg;
	struct cfg_worker scratch, *w = &scratch;
	char why[CFG_ERRLEN];
	const char *queues;
	uint32_t lcore = 0;
	bool ok = true;

	if (cfg_parse_uint(name, 0, RTE_MAX_LCORE - 1, &lcore, why, sizeof(why))) {
		key_err(L, sec, NULL, "lcore %s", why);
		ok = false;
	}
	for (unsigned i = 0; ok && i < cfg->nworkers; i++) {
		if (cfg->workers[i].lcore == lcore) {
			key_err(L, sec, NULL, "lcore %u already has a [worker] section", lcore);
			ok = false;
		}
	}
	if (ok && cfg->nworkers >= CFG_MAX_WORKERS) {
		key_err(L, sec, NULL, "too many workers (at most %d)", CFG_MAX_WORKERS);
		ok = false;
	}
	if (ok)
		w = &cfg->workers[cfg->nworkers++];
	memset(w, 0, sizeof(*w));
	w->lcore = lcore;
	parse_fixed(L, sec, cfg_section_of(CFG_SEC_WORKER), w);
	queues = has_key(L, sec, "queues");
	if (!queues)
		key_err(L, sec, NULL, "no 'queues' key: a worker polls at least one rx queue");
	else
		parse_queues(L, sec, w, queues);
}

/* ---- [addresses], [routes], [neighbours] ---- */

/* Splits a value into words the libdpvsctl spec parsers take. */
static int split_value(struct loader *L, const char *sec, const char *key, const char *val,
		       char *buf, size_t len, char **argv)
{
	int argc;

	snprintf(buf, len, "%s", val);
	argc = spec_split(buf, argv, LINE_WORDS);
	if (argc < 0)
		key_err(L, sec, key, "too many words (at most %d)", LINE_WORDS);
	else if (argc == 0)
		key_err(L, sec, key, "empty value");
	return argc > 0 ? argc : -EINVAL;
}

/* The dev of an address/route/neighbour must be one of our ports; the
 * stored name is the port's own spelling. */
static int check_dev(struct loader *L, const char *sec, const char *key, char *ifname)
{
	int port = port_index(L->cfg, ifname);

	if (port < 0) {
		key_err(L, sec, key, "dev '%s' is not a configured port", ifname);
		return -ENODEV;
	}
	memcpy(ifname, L->cfg->ports[port].name, DPVS_IFNAMSIZ);
	return 0;
}

static void addr_line(struct loader *L, const char *sec, const char *key, const char *val,
		      void *ctx)
{
	struct dpvs_config *cfg = L->cfg;
	char buf[LINE_MAX_LEN], why[CFG_ERRLEN], *argv[LINE_WORDS];
	struct dpvs_addr a;
	int argc = split_value(L, sec, key, val, buf, sizeof(buf), argv);

	(void)ctx;
	if (argc < 0)
		return;
	memset(&a, 0, sizeof(a));
	if (spec_parse_addr(argc, argv, &a, why, sizeof(why))) {
		key_err(L, sec, key, "%s", why);
		return;
	}
	if (check_dev(L, sec, key, a.ifname))
		return;
	for (unsigned i = 0; i < cfg->naddrs; i++) {
		if (cfg->addrs[i].family == a.family &&
		    memcmp(&cfg->addrs[i].addr, &a.addr, sizeof(a.addr)) == 0) {
			key_err(L, sec, key, "address '%s' is configured twice", argv[0]);
			return;
		}
	}
	if (cfg->naddrs >= CFG_MAX_ADDRS) {
		key_err(L, sec, key, "too many addresses (at most %d)", CFG_MAX_ADDRS);
		return;
	}
	snprintf(cfg->addr_key[cfg->naddrs], CFG_KEY_MAX, "%s", key);
	cfg->addrs[cfg->naddrs++] = a;
}

static void route_line(struct loader *L, const char *sec, const char *key, const char *val,
		       void *ctx)
{
	struct dpvs_config *cfg = L->cfg;
	char buf[LINE_MAX_LEN], why[CFG_ERRLEN], *argv[LINE_WORDS];
	struct dpvs_route r;
	int argc = split_value(L, sec, key, val, buf, sizeof(buf), argv);

	(void)ctx;
	if (argc < 0)
		return;
	memset(&r, 0, sizeof(r));
	if (spec_parse_route(argc, argv, &r, why, sizeof(why))) {
		key_err(L, sec, key, "%s", why);
		return;
	}
	if (check_dev(L, sec, key, r.ifname))
		return;
	for (unsigned i = 0; i < cfg->nroutes; i++) {
		const struct dpvs_route *o = &cfg->routes[i];

		/* same prefix and metric: the route table could hold only one */
		if (o->family == r.family && o->prefixlen == r.prefixlen &&
		    o->metric == r.metric && memcmp(&o->dst, &r.dst, sizeof(r.dst)) == 0) {
			key_err(L, sec, key, "route '%s' is configured twice", argv[0]);
			return;
		}
	}
	if (cfg->nroutes >= CFG_MAX_ROUTES) {
		key_err(L, sec, key, "too many routes (at most %d)", CFG_MAX_ROUTES);
		return;
	}
	snprintf(cfg->route_key[cfg->nroutes], CFG_KEY_MAX, "%s", key);
	cfg->routes[cfg->nroutes++] = r;
}

static void neigh_line(struct loader *L, const char *sec, const char *key, const char *val,
		       void *ctx)
{
	struct dpvs_config *cfg = L->cfg;
	char buf[LINE_MAX_LEN], why[CFG_ERRLEN], *argv[LINE_WORDS];
	struct dpvs_neigh n;
	int argc = split_value(L, sec, key, val, buf, sizeof(buf), argv);

	(void)ctx;
	if (argc < 0)
		return;
	memset(&n, 0, sizeof(n));
	if (spec_parse_neigh(argc, argv, 1, &n, why, sizeof(why))) {
		key_err(L, sec, key, "%s", why);
		return;
	}
	if (check_dev(L, sec, key, n.ifname))
		return;
	for (unsigned i = 0; i < cfg->nneighs; i++) {
		const struct dpvs_neigh *o = &cfg->neighs[i];

		if (o->family == n.family && strcmp(o->ifname, n.ifname) == 0 &&
		    memcmp(&o->addr, &n.addr, sizeof(n.addr)) == 0) {
			key_err(L, sec, key, "neighbour '%s' on %s is configured twice", argv[0],
				n.ifname);
			return;
		}
	}
	if (cfg->nneighs >= CFG_MAX_NEIGHS) {
		key_err(L, sec, key, "too many neighbours (at most %d)", CFG_MAX_NEIGHS);
		return;
	}
	snprintf(cfg->neigh_key[cfg->nneighs], CFG_KEY_MAX, "%s", key);
	cfg->neighs[cfg->nneighs++] = n;
}

/* ---- [service:NAME] ---- */

/* laddr = A[, A...]: Full-NAT local addresses (IPv4) of the service. */
static void laddr_line(struct loader *L, const char *sec, const char *val,
		       struct cfg_service *s)
{
	char buf[512], *save = NULL;

	if (strlen(val) >= sizeof(buf)) {
		key_err(L, sec, "laddr", "list too long");
		return;
	}
	snprintf(buf, sizeof(buf), "%s", val);
	for (char *tok = strtok_r(buf, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save)) {
		union inet_addr a;
		uint8_t fam;
		bool dup = false;

		if (inet_parse_addr(tok, &fam, &a) || fam != AF_INET) {
			key_err(L, sec, "laddr", "'%s' is not an IPv4 address", tok);
			return;
		}
		for (unsigned i = 0; i < s->nladdrs; i++)
			dup |= s->laddrs[i] == a.in.s_addr;
		if (dup) {
			key_err(L, sec, "laddr", "%s is listed twice", tok);
			return;
		}
		if (s->nladdrs == DPVS_LADDR_MAX) {
			key_err(L, sec, "laddr", "more than %d local addresses", DPVS_LADDR_MAX);
			return;
		}
		s->laddrs[s->nladdrs++] = a.in.s_addr;
	}
	if (!s->nladdrs)
		key_err(L, sec, "laddr", "no address (e.g. laddr = 192.168.229.140)");
}

/* synproxy = yes|no: the SYN proxy (ipvsadm's --synproxy enable|disable,
 * which the service line may carry too: the two must agree). */
static void synproxy_line(struct loader *L, const char *sec, const char *val,
			  struct cfg_service *s)
{
	bool on;

	if (cfg_parse_bool(val, &on)) {
		key_err(L, sec, "synproxy", "'%s' is not yes or no", val);
		return;
	}
	if (!on && (s->svc.flags & DPVS_SVC_F_SYNPROXY)) {
		key_err(L, sec, "synproxy",
			"no, but the service line says --synproxy enable: keep one of them");
		return;
	}
	if (on)
		s->svc.flags |= DPVS_SVC_F_SYNPROXY;
}

static void dest_line(struct loader *L, const char *sec, const char *key, const char *val,
		      void *ctx)
{
	struct cfg_service *s = ctx;
	char why[CFG_ERRLEN];
	struct dpvs_dest d;

	if (strcmp(key, "service") == 0)
		return;
	if (strcmp(key, "laddr") == 0) {
		laddr_line(L, sec, val, s);
		return;
	}
	if (strcmp(key, "synproxy") == 0) {
		synproxy_line(L, sec, val, s);
		return;
	}
	memset(&d, 0, sizeof(d));
	if (ipvs_args_dest(val, &s->svc, &d, why, sizeof(why))) {
		key_err(L, sec, key, "%s", why);
		return;
	}
	for (unsigned i = 0; i < s->ndests; i++) {
		if (s->dests[i].af == d.af && s->dests[i].port == d.port &&
		    memcmp(&s->dests[i].addr, &d.addr, sizeof(d.addr)) == 0) {
			key_err(L, sec, key, "'%s': same real server as an earlier line", val);
			return;
		}
	}
	if (s->ndests >= CFG_MAX_DESTS) {
		key_err(L, sec, key, "too many real servers (at most %d per service)",
			CFG_MAX_DESTS);
		return;
	}
	snprintf(s->dest_key[s->ndests], CFG_KEY_MAX, "%s", key);
	s->dests[s->ndests++] = d;
}

static void parse_service(struct loader *L, const char *sec, const char *name)
{
	struct dpvs_config *cfg = L->cfg;
	static struct cfg_service scratch; /* control thread only; too big for the stack */
	struct cfg_service *s = &scratch;
	const char *line = has_key(L, sec, "service");
	char why[CFG_ERRLEN];
	bool ok = true;

	if (strlen(name) >= sizeof(s->name)) {
		key_err(L, sec, NULL, "service name is longer than %zu characters",
			sizeof(s->name) - 1);
		ok = false;
	}
	if (ok && cfg->nservices >= CFG_MAX_SERVICES) {
		key_err(L, sec, NULL, "too many services (at most %d)", CFG_MAX_SERVICES);
		ok = false;
	}
	if (ok)
		s = &cfg->services[cfg->nservices];
	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", name);
	if (!line) {
		key_err(L, sec, NULL, "no 'service' key (e.g. service = -t VIP:PORT -s rr)");
		return;
	}
	if (ipvs_args_service(line, &s->svc, why, sizeof(why))) {
		/* dest lines are read against the service (its port, its
		 * family): without one they can't be checked */
		key_err(L, sec, "service", "%s", why);
		return;
	}
	for_each_key(L, sec, dest_line, s);
	if (ok)
		cfg->nservices++;
}

/* ---- [check:NAME] ---- */

static void parse_check(struct loader *L, const char *sec, const char *name)
{
	struct dpvs_config *cfg = L->cfg;
	struct cfg_check scratch, *c = &scratch;
	bool ok = true;

	if (strlen(name) >= sizeof(c->name)) {
		key_err(L, sec, NULL, "check name is longer than %zu characters",
			sizeof(c->name) - 1);
		ok = false;
	}
	if (ok && cfg->nchecks >= CFG_MAX_CHECKS) {
		key_err(L, sec, NULL, "too many checks (at most %d)", CFG_MAX_CHECKS);
		ok = false;
	}
	/* a bad check still gets its keys checked, into a scratch struct */
	if (ok)
		c = &cfg->checks[cfg->nchecks++];
	cfg_check_defaults(c, name);
	parse_fixed(L, sec, cfg_section_of(CFG_SEC_CHECK), c);
	if (!has_key(L, sec, "type"))
		key_err(L, sec, NULL, "no 'type' key (tcp, http, udp, dns or exec)");
}

/* ---- the sections ---- */

/* Splits "port:dpdk0" into its schema and name; reports what is wrong. */
static const struct cfg_section *section_kind(struct loader *L, const char *sec,
					      const char **name)
{
	char kind[64];
	const char *colon = strchr(sec, ':');
	size_t n = colon ? (size_t)(colon - sec) : strlen(sec);
	const struct cfg_section *s;

	snprintf(kind, sizeof(kind), "%.*s", (int)n, sec);
	*name = colon ? colon + 1 : NULL;
	s = n < sizeof(kind) ? cfg_section_find(kind) : NULL;
	if (!s) {
		char known[200];
		size_t k = 0;

		for (unsigned i = 0; i < cfg_nsections && k < sizeof(known); i++)
			k += (size_t)snprintf(known + k, sizeof(known) - k, "%s%s%s", i ? ", " : "",
					      cfg_sections[i].name,
					      !cfg_sections[i].named ? ""
					      : cfg_sections[i].kind == CFG_SEC_WORKER ? ":LCORE"
										 : ":NAME");
		key_err(L, sec, NULL, "unknown section (known: %s)", known);
		return NULL;
	}
	if (s->named && (!*name || !**name)) {
		key_err(L, sec, NULL, "needs a name: [%s:NAME]", s->name);
		return NULL;
	}
	if (!s->named && *name) {
		key_err(L, sec, NULL, "takes no name: [%s]", s->name);
		return NULL;
	}
	return s;
}

/* Ports first: workers and every dev/queue reference need them. */
static void parse_sections(struct loader *L, int pass)
{
	for (int i = 0; i < L->nsecs; i++) {
		const char *sec = L->secs[i], *name = L->names[i];
		const struct cfg_section *s = L->kinds[i];

		if (!s)
			continue;
		switch (s->kind) {
		case CFG_SEC_GLOBAL:
		case CFG_SEC_EAL:
		case CFG_SEC_POOL:
		case CFG_SEC_IPVS:
		case CFG_SEC_DEFENSE:
			if (pass == 0)
				parse_fixed(L, sec, s, L->cfg);
			break;
		case CFG_SEC_PORT:
			if (pass == 0)
				parse_port(L, sec, name);
			break;
		case CFG_SEC_WORKER:
			if (pass == 1)
				parse_worker(L, sec, name);
			break;
		case CFG_SEC_ADDRESSES:
			if (pass == 1)
				for_each_key(L, sec, addr_line, NULL);
			break;
		case CFG_SEC_ROUTES:
			if (pass == 1)
				for_each_key(L, sec, route_line, NULL);
			break;
		case CFG_SEC_NEIGHBOURS:
			if (pass == 1)
				for_each_key(L, sec, neigh_line, NULL);
			break;
		case CFG_SEC_SERVICE:
			if (pass == 1)
				parse_service(L, sec, name);
			break;
		case CFG_SEC_CHECK:
			if (pass == 1)
				parse_check(L, sec, name);
			break;
		}
	}
}

int cfg_load(const char *path, struct dpvs_config *cfg, struct cfg_errors *errs)
{
	struct loader L = { .cfg = cfg, .errs = errs };

	cfg_defaults(cfg);
	memset(errs, 0, sizeof(*errs));
	snprintf(cfg->path, sizeof(cfg->path), "%s", path);
	if (prescan(&L, path))
		return -EINVAL;

	syntax_errs = errs;
	iniparser_set_error_callback(syntax_error);
	L.ini = iniparser_load(path);
	iniparser_set_error_callback(NULL); /* back to iniparser's default */
	syntax_errs = NULL;
	if (!L.ini) {
		if (!errs->count)
			cfg_error(errs, "%s: cannot be parsed as an INI file", path);
		return -EINVAL;
	}
	if (collect_sections(&L)) {
		cfg_error(errs, "%s: out of memory", path);
	} else {
		for (int i = 0; i < L.nsecs; i++)
			L.kinds[i] = section_kind(&L, L.secs[i], &L.names[i]);
		parse_sections(&L, 0);
		parse_sections(&L, 1);
		cfg_check_all(cfg, has_key(&L, "eal", "no_pci") != NULL, errs);
	}
	free(L.secs);
	free(L.kinds);
	free(L.names);
	iniparser_freedict(L.ini);
	return errs->count ? -EINVAL : 0;
}
