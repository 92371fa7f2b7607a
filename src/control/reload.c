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
 * routes and neighbours share one walk.
 */
struct item_kind {
	const char *name;
	size_t size;
	size_t off_n, off_arr;
	int (*add)(const void *item, char *err, size_t errlen);
	int (*del)(const void *item, char *err, size_t errlen);
};

static int addr_add(const void *i, char *e, size_t l) { return inet_addr_add(i, e, l); }
static int addr_del(const void *i, char *e, size_t l) { return inet_addr_del(i, e, l); }
static int route_add(const void *i, char *e, size_t l) { return inet_route_add(i, e, l); }
static int route_del(const void *i, char *e, size_t l) { return inet_route_del(i, e, l); }
static int neigh_add(const void *i, char *e, size_t l) { return inet_neigh_add(i, e, l); }
static int neigh_del(const void *i, char *e, size_t l) { return inet_neigh_del(i, e, l); }

#define KIND(nm, field, n, a, d)                                                  \
	{                                                                         \
		nm, sizeof(((struct dpvs_config *)0)->field[0]),                  \
			offsetof(struct dpvs_config, n), offsetof(struct dpvs_config, field), a, d \
	}

/* Addresses first when adding (routes and neighbours need them), last
 * when deleting. */
static const struct item_kind kinds[] = {
	KIND("address", addrs, naddrs, addr_add, addr_del),
	KIND("route", routes, nroutes, route_add, route_del),
	KIND("neighbour", neighs, nneighs, neigh_add, neigh_del),
};

static unsigned kind_n(const struct item_kind *k, const struct dpvs_config *c)
{
	return *(const unsigned *)((const char *)c + k->off_n);
}

static const char *kind_item(const struct item_kind *k, const struct dpvs_config *c, unsigned i)
{
	return (const char *)c + k->off_arr + i * k->size;
}

static int apply_net(const struct dpvs_config *old, const struct dpvs_config *new,
		     struct report *r)
{
	char err[256];
	int rc, first = 0;
	int nk = (int)(sizeof(kinds) / sizeof(kinds[0]));

	for (int ki = nk - 1; ki >= 0; ki--) {
		const struct item_kind *k = &kinds[ki];
		for (unsigned i = 0; i < kind_n(k, old); i++) {
			const char *it = kind_item(k, old, i);
			if (contains(kind_item(k, new, 0), kind_n(k, new), k->size, it))
				continue;
			rc = k->del(it, err, sizeof(err));
			/* already gone (removed at run time) is fine */
			if (rc < 0 && rc != -ENOENT && rc != -ESRCH) {
				say(r, "cannot remove %s: %s\n", k->name, err);
				first = first ? first : rc;
			} else {
				say(r, "removed %s\n", k->name);
				r->changes++;
			}
		}
	}
	for (int ki = 0; ki < nk; ki++) {
		const struct item_kind *k = &kinds[ki];
		for (unsigned i = 0; i < kind_n(k, new); i++) {
			const char *it = kind_item(k, new, i);
			if (contains(kind_item(k, old, 0), kind_n(k, old), k->size, it))
				continue;
			rc = k->add(it, err, sizeof(err));
			if (rc < 0 && rc != -EEXIST) {
				say(r, "cannot add %s: %s\n", k->name, err);
				first = first ? first : rc;
			} else {
				say(r, "added %s\n", k->name);
				r->changes++;
			}
		}
	}
	return first;
}

static int apply(const struct dpvs_config *old, const struct dpvs_config *new, struct report *r)
{
	int rc = apply_net(old, new, r);

	if (old->log_level != new->log_level) {
		reload_set_log_level(new);
		say(r, "log_level: %s\n", cfg_log_level_name(new->log_level));
		r->changes++;
	}
	const char *ipvs_lines = r->buf + r->used;
	/* one publication for the services and the checks' verdicts: a server
	 * the file re-adds while its check has it down is never seen live */
	ipvs_batch_begin();
	int rc2 = ipvs_apply_config(old, new, r->buf + r->used, r->len - r->used);

	/* each line ipvs_apply_config writes is a service or real server
	 * added, updated or removed: they are changes too ("no change" after
	 * a reload that added services was a lie) */
	for (const char *p = ipvs_lines; *p; p++)
		if (*p == '\n')
			r->changes++;
	r->used += strlen(r->buf + r->used);
	/* after the services: a server the checks have down stays down */
	const char *health_lines = r->buf + r->used;
	health_apply(new, r->buf + r->used, r->len - r->used);
	for (const char *p = health_lines; *p; p++)
		r->changes += *p == '\n';
	r->used += strlen(r->buf + r->used);
	if (ipvs_batch_end() < 0 && !rc2) {
		say(r, "publishing the services: out of memory\n");
		rc2 = -ENOMEM;
	}
	return rc ? rc : rc2;
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
		/* not all-or-nothing yet (issue 19 item 2): say what is in force
		 * and keep the previous file as the base, so reloading again
		 * retries what failed instead of reporting "no change" */
		say(&r, "reload failed part-way: the changes listed above it are in force, "
			"the rest of %s is not; fix and reload again\n", next->path);
		free(next);
		DPVS_LOG(NOTICE, "config reload from %s failed part-way", current->path);
		return rc;
	}
	free(current);
	current = next;
	if (r.changes == 0)
		say(&r, "no change\n");
	DPVS_LOG(NOTICE, "config reloaded from %s: %s", current->path, rc ? "with errors" : "ok");
	return rc;
}
