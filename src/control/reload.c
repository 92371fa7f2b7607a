/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * reload: see reload.h. The diff is taken between the previous file and
 * the new file, never against the running state, so run-time additions
 * survive and a file's own removals take effect.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <rte_log.h>

#include "cfg/config.h"
#include "control/control.h"
#include "control/health.h"
#include "inet/inet.h"
#include "ipvs/ipvs.h"
#include "log.h"
#include "control/reload.h"
#include "control/validate.h"

/* boot: the file the daemon started with (init-only items come from it);
 * current: the last file applied. */
static struct dpvs_config *boot, *current;

const struct dpvs_config *reload_current(void)
{
	return current;
}

void reload_fini(void)
{
	free(current);
	free(boot);
	current = boot = NULL;
}

struct report {
	char *buf;
	size_t len, used;
	unsigned changes;
};

static void say(struct report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct report *r, const char *fmt, ...)
{
	va_list ap;

	if (r->used >= r->len)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(r->buf + r->used, r->len - r->used, fmt, ap);
	va_end(ap);
	if (n > 0)
		r->used += (size_t)n < r->len - r->used ? (size_t)n : r->len - r->used - 1;
}

void reload_set_log_level(const struct dpvs_config *cfg)
{
	static const uint32_t map[] = {
		[CFG_LOG_ERR] = RTE_LOG_ERR,	       [CFG_LOG_WARNING] = RTE_LOG_WARNING,
		[CFG_LOG_NOTICE] = RTE_LOG_NOTICE, [CFG_LOG_INFO] = RTE_LOG_INFO,
		[CFG_LOG_DEBUG] = RTE_LOG_DEBUG,
	};
	rte_log_set_level(dpvs_logtype, map[cfg->log_level]);
}

static bool contains(const void *arr, unsigned n, size_t size, const void *item)
{
	for (unsigned i = 0; i < n; i++)
		if (memcmp((const char *)arr + i * size, item, size) == 0)
			return true;
	return false;
}

/*
 * One table of how each kind of network item is diffed, so addresses,
 * routes and neighbours share one walk. Two items with the same key
 * cannot both be in force (one address, one route per prefix, one static
 * neighbour per address and port): a changed one is replaced.
 */
struct item_kind {
	const char *name, *section;
	size_t size;
	size_t off_n, off_arr, off_keys;
	int (*add)(const void *item, char *err, size_t errlen);
	int (*del)(const void *item, char *err, size_t errlen);
	bool (*same_key)(const void *a, const void *b);
	void (*show)(const void *item, char *buf, size_t len);
};

static int addr_add(const void *i, char *e, size_t l) { return inet_addr_add(i, e, l); }
static int addr_del(const void *i, char *e, size_t l) { return inet_addr_del(i, e, l); }
static int route_add(const void *i, char *e, size_t l) { return inet_route_add(i, e, l); }
static int route_del(const void *i, char *e, size_t l) { return inet_route_del(i, e, l); }
static int neigh_add(const void *i, char *e, size_t l) { return inet_neigh_add(i, e, l); }
static int neigh_del(const void *i, char *e, size_t l) { return inet_neigh_del(i, e, l); }

static bool addr_key_eq(const void *x, const void *y)
{
	const struct dpvs_addr *a = x, *b = y;

	return a->addr.in.s_addr == b->addr.in.s_addr;
}

static bool route_key_eq(const void *x, const void *y)
{
	const struct dpvs_route *a = x, *b = y;

	return a->dst.in.s_addr == b->dst.in.s_addr && a->prefixlen == b->prefixlen;
}

static bool neigh_key_eq(const void *x, const void *y)
{
	const struct dpvs_neigh *a = x, *b = y;

	return a->addr.in.s_addr == b->addr.in.s_addr && strcmp(a->ifname, b->ifname) == 0;
}

static void addr_show(const void *x, char *buf, size_t len)
{
	const struct dpvs_addr *a = x;
	char ip[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &a->addr.in, ip, sizeof(ip));
	snprintf(buf, len, "%s/%u dev %s", ip, a->prefixlen, a->ifname);
}

static void route_show(const void *x, char *buf, size_t len)
{
	const struct dpvs_route *r = x;
	char ip[INET_ADDRSTRLEN], gw[INET_ADDRSTRLEN + 5] = "";

	inet_ntop(AF_INET, &r->dst.in, ip, sizeof(ip));
	if (r->gateway.in.s_addr) {
		memcpy(gw, " via ", 6);
		inet_ntop(AF_INET, &r->gateway.in, gw + 5, INET_ADDRSTRLEN);
	}
	snprintf(buf, len, "%s/%u%s%s%s", ip, r->prefixlen, gw, r->ifname[0] ? " dev " : "",
		 r->ifname);
}

static void neigh_show(const void *x, char *buf, size_t len)
{
	const struct dpvs_neigh *n = x;
	char ip[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &n->addr.in, ip, sizeof(ip));
	snprintf(buf, len, "%s lladdr %02x:%02x:%02x:%02x:%02x:%02x dev %s", ip, n->mac.b[0],
		 n->mac.b[1], n->mac.b[2], n->mac.b[3], n->mac.b[4], n->mac.b[5], n->ifname);
}

#define KIND(nm, sec, field, n, keys, a, d, eq, sh)                                          \
	{                                                                                      \
		nm, sec, sizeof(((struct dpvs_config *)0)->field[0]),                          \
			offsetof(struct dpvs_config, n), offsetof(struct dpvs_config, field),  \
			offsetof(struct dpvs_config, keys), a, d, eq, sh                       \
	}

/* Addresses first when adding (routes and neighbours need them), last
 * when deleting. */
static const struct item_kind kinds[] = {
	KIND("address", "addresses", addrs, naddrs, addr_key, addr_add, addr_del, addr_key_eq,
	     addr_show),
	KIND("route", "routes", routes, nroutes, route_key, route_add, route_del, route_key_eq,
	     route_show),
	KIND("neighbour", "neighbours", neighs, nneighs, neigh_key, neigh_add, neigh_del,
	     neigh_key_eq, neigh_show),
};
#define NKINDS ((int)(sizeof(kinds) / sizeof(kinds[0])))

static unsigned kind_n(const struct item_kind *k, const struct dpvs_config *c)
{
	return *(const unsigned *)((const char *)c + k->off_n);
}

static const char *kind_item(const struct item_kind *k, const struct dpvs_config *c, unsigned i)
{
	return (const char *)c + k->off_arr + i * k->size;
}

static const char *kind_key(const struct item_kind *k, const struct dpvs_config *c, unsigned i)
{
	return (const char *)c + k->off_keys + (size_t)i * CFG_KEY_MAX;
}

static bool in_file(const struct item_kind *k, const struct dpvs_config *c, const void *it)
{
	return contains(kind_item(k, c, 0), kind_n(k, c), k->size, it);
}

/* The item of c with it's key that c has and other has not, or -1. */
static int replaced_in(const struct item_kind *k, const struct dpvs_config *c,
		       const struct dpvs_config *other, const void *it)
{
	for (unsigned i = 0; i < kind_n(k, c); i++) {
		const char *o = kind_item(k, c, i);

		if (k->same_key(o, it) && !in_file(k, other, o))
			return (int)i;
	}
	return -1;
}

/* Why the reload stops: where in which file, and the layer's words. */
struct failure {
	int rc;
	char msg[768];
};

static int net_fail(struct failure *f, int rc, const struct dpvs_config *c,
		    const struct item_kind *k, unsigned i, const char *verb, const char *err)
{
	char item[128];

	k->show(kind_item(k, c, i), item, sizeof(item));
	snprintf(f->msg, sizeof(f->msg), "%s: [%s] %s: cannot %s %s %s: %s", c->path, k->section,
		 kind_key(k, c, i), verb, k->name, item, err);
	f->rc = rc;
	return rc;
}

/*
 * Step 1: what the new file adds or changes on the network side (a
 * changed item is removed and added again at once). Published item by
 * item, each by its table's own RCU: an address or route without its
 * service yet behaves as one an operator added by hand.
 */
static int net_adds(const struct dpvs_config *old, const struct dpvs_config *new,
		    struct report *r, struct failure *f)
{
	char err[256], item[128];
	int rc;

	for (int ki = 0; ki < NKINDS; ki++) {
		const struct item_kind *k = &kinds[ki];

		for (unsigned i = 0; i < kind_n(k, new); i++) {
			const char *it = kind_item(k, new, i);
			bool changed;

			if (in_file(k, old, it))
				continue;
			int was = replaced_in(k, old, new, it);

			changed = was >= 0;
			if (changed) {
				rc = k->del(kind_item(k, old, (unsigned)was), err, sizeof(err));
				if (rc < 0 && rc != -ENOENT && rc != -ESRCH)
					return net_fail(f, rc, old, k, (unsigned)was, "replace", err);
			}
			k->show(it, item, sizeof(item));
			rc = k->add(it, err, sizeof(err));
			if (rc == -EEXIST && !changed) {
				/* added by hand since: the file takes it as it is */
				say(r, "[%s] %s: %s already in force, kept\n", k->section,
				    kind_key(k, new, i), item);
				continue;
			}
			if (rc < 0)
				return net_fail(f, rc, new, k, i, "add", err);
			say(r, "[%s] %s: %s %s\n", k->section, kind_key(k, new, i), item,
			    changed ? "changed" : "added");
			r->changes++;
		}
	}
	return 0;
}

/* Step 3: what the previous file had and the new one has not. */
static int net_removals(const struct dpvs_config *old, const struct dpvs_config *new,
			struct report *r, struct failure *f)
{
	char err[256], item[128];
	int rc;

	for (int ki = NKINDS - 1; ki >= 0; ki--) {
		const struct item_kind *k = &kinds[ki];

		for (unsigned i = 0; i < kind_n(k, old); i++) {
			const char *it = kind_item(k, old, i);

			if (in_file(k, new, it) || replaced_in(k, new, old, it) >= 0)
				continue; /* kept, or replaced in step 1 */
			rc = k->del(it, err, sizeof(err));
			if (rc == -ENOENT || rc == -ESRCH)
				continue; /* already gone (removed at run time) */
			if (rc < 0)
				return net_fail(f, rc, old, k, i, "remove", err);
			k->show(it, item, sizeof(item));
			say(r, "[%s] %s: %s removed\n", k->section, kind_key(k, old, i), item);
			r->changes++;
		}
	}
	return 0;
}

/* Before the services are published: would step 3 go through? Only an
 * address can be refused by what runs (a Full-NAT local address of a
 * service added by hand); routes and neighbours are found or already
 * gone. */
static int net_removals_check(const struct dpvs_config *old, const struct dpvs_config *new,
			      struct failure *f)
{
	const struct item_kind *k = &kinds[0];
	char err[256];

	for (unsigned i = 0; i < old->naddrs; i++) {
		const struct dpvs_addr *a = &old->addrs[i];

		if (in_file(k, new, a) || replaced_in(k, new, old, a) >= 0)
			continue;
		int rc = inet_addr_del_check(a, err, sizeof(err));

		if (rc < 0 && rc != -ENOENT)
			return net_fail(f, rc, old, k, i, "remove", err);
	}
	return 0;
}

/* Counts the lines ipvs_apply_config wrote from `from` on: each is a
 * service or real server added, updated or removed. */
static void count_lines(struct report *r, const char *from)
{
	for (const char *p = from; *p; p++)
		if (*p == '\n')
			r->changes++;
	r->used += strlen(r->buf + r->used);
}

/*
 * The whole diff, all or nothing. Order, so that the workers never see a
 * service without the addresses and routes it needs (docs/architecture.md,
 * "A reload, all or nothing"):
 *   1. network adds and changes (inet, each table publishing its own);
 *   2. log level, [ipvs], services and real servers in one batch: built
 *      and checked (with step 3's refusals) before the one snapshot that
 *      publishes them (ipvs_apply_config undoes its own steps on a
 *      failure before anything of it is published);
 *   3. network removals.
 * A failure at any step puts back what the steps before did, in reverse:
 * the services (ipvs_config_undo), then the network tables as they were
 * at the savepoint (inet_restore: addresses with their order and flags,
 * route slots, static neighbours), and the log level.
 */
static int apply(const struct dpvs_config *old, const struct dpvs_config *new, struct report *r)
{
	struct failure f = { 0 };
	struct ipvs_undo *undo = NULL;
	char err[256] = "", why[256] = "";
	size_t mark = r->used;
	int rc = inet_save(err, sizeof(err)), urc = 0;

	if (rc < 0) {
		say(r, "rolled back: %s: %s\nnothing changed\n", new->path, err);
		return rc;
	}
	rc = net_adds(old, new, r, &f);
	if (rc == 0) {
		if (old->log_level != new->log_level) {
			reload_set_log_level(new);
			say(r, "[global] log_level: %s\n", cfg_log_level_name(new->log_level));
			r->changes++;
		}
		const char *ipvs_lines = r->buf + r->used;

		ipvs_batch_begin(); /* published at its end, after the checks */
		rc = ipvs_apply_config(old, new, r->buf + r->used, r->len - r->used, &undo);
		if (rc == 0) {
			count_lines(r, ipvs_lines);
			rc = net_removals_check(old, new, &f);
			if (rc < 0) {
				/* nothing of it published yet */
				urc = ipvs_config_undo(undo, err, sizeof(err));
				ipvs_undo_free(undo);
				undo = NULL;
			}
		} else {
			snprintf(f.msg, sizeof(f.msg), "%s", ipvs_lines);
			f.msg[strcspn(f.msg, "\n")] = '\0';
			f.rc = rc;
		}
		if (ipvs_batch_end() < 0 && rc == 0) {
			/* still the old snapshot; the tables go back below */
			snprintf(f.msg, sizeof(f.msg), "%s: out of memory publishing the services",
				 new->path);
			rc = f.rc = -ENOMEM;
		}
		if (rc == 0)
			rc = net_removals(old, new, r, &f);
	}
	if (rc == 0) {
		ipvs_undo_free(undo);
		inet_save_drop();
		/* the checks follow the file now in force; a server they have
		 * down stays down (health.h) */
		const char *health_lines = r->buf + r->used;

		health_apply(new, r->buf + r->used, r->len - r->used);
		count_lines(r, health_lines);
		return 0;
	}

	/* put back what was done, last first */
	if (undo) {
		urc = ipvs_config_undo(undo, err, sizeof(err));
		ipvs_undo_free(undo);
	}
	int irc = inet_restore(urc ? why : err, urc ? sizeof(why) : sizeof(err));

	inet_save_drop();
	if (old->log_level != new->log_level)
		reload_set_log_level(old);
	r->used = mark;
	r->buf[mark] = '\0';
	r->changes = 0;
	say(r, "rolled back: %s\n", f.msg);
	if (urc < 0 || irc < 0)
		say(r, "and putting it back failed too: %s\n", err);
	else
		say(r, "nothing changed: %s is still in force\n",
		    old->path[0] ? old->path : "the previous configuration");
	return rc;
}

int reload_apply_initial(struct dpvs_config *cfg, char *buf, size_t len)
{
	struct report r = { buf, len, 0, 0 };
	struct dpvs_config *empty = calloc(1, sizeof(*empty));

	if (!empty)
		return -ENOMEM;
	buf[0] = '\0';
	cfg_defaults(empty);
	empty->log_level = cfg->log_level;
	int rc = apply(empty, cfg, &r);
	free(empty);
	boot = cfg;
	current = malloc(sizeof(*current));
	if (!current)
		return -ENOMEM;
	memcpy(current, cfg, sizeof(*current));
	return rc;
}

int reload_config(char *buf, size_t len)
{
	struct report r = { buf, len, 0, 0 };
	struct dpvs_config *next = calloc(1, sizeof(*next));
	struct cfg_errors *errs = calloc(1, sizeof(*errs));
	int rc;

	buf[0] = '\0';
	if (!next || !errs) {
		free(next);
		free(errs);
		say(&r, "out of memory\n");
		return -ENOMEM;
	}
	rc = config_validate(current->path, next, errs);
	if (rc < 0) {
		say(&r, "%s is invalid, nothing changed (%u error%s):\n", current->path,
		    errs->count, errs->count == 1 ? "" : "s");
		for (unsigned i = 0; i < errs->count && i < CFG_ERR_MAX; i++)
			say(&r, "%s\n", errs->msg[i]);
		free(next);
		free(errs);
		return -EINVAL;
	}
	free(errs);
	char restart[2048];
	if (cfg_diff_init_only(boot, next, restart, sizeof(restart)) > 0)
		say(&r, "%s", restart);
	rc = apply(current, next, &r);
	if (rc < 0) {
		/* all or nothing: the previous file stays the base, so
		 * reloading again retries the whole diff */
		free(next);
		DPVS_LOG(NOTICE, "config reload from %s rolled back: %s", current->path, r.buf);
		return rc;
	}
	free(current);
	current = next;
	if (r.changes == 0)
		say(&r, "no change\n");
	if (strlen(buf) + 2 >= len) {
		/* full: end at a whole line, and say so */
		static const char cut[] = "... report cut here: the changes after it were applied "
					  "too\n";
		size_t at = len > sizeof(cut) ? len - sizeof(cut) : 0;

		while (at && buf[at - 1] != '\n')
			at--;
		if (len >= sizeof(cut))
			memcpy(buf + at, cut, sizeof(cut));
	}
	DPVS_LOG(NOTICE, "config reloaded from %s: ok", current->path);
	return 0;
}
