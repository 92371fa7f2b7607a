/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ipvs_config: the [ipvs] and [service:*] parts of the config file,
 * applied as a diff against the file applied before.
 *
 * What the previous file declared and the new one does not is removed;
 * what the new one declares is added, or edited where it changed.
 * Services added by hand (ipvsadm) and never declared by a file are left
 * alone. All changes are published as one snapshot, and established
 * connections survive (they hold their own rewrite data). Each change is
 * reported on a line of its own.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include "cfg/config.h"
#include "control/control.h"
#include "ipvs/ipvs.h"

struct report {
	char *buf;
	size_t len, off;
	int err; /* first error */
};

static void say(struct report *rp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void say(struct report *rp, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!rp->buf || rp->off >= rp->len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(rp->buf + rp->off, rp->len - rp->off, fmt, ap);
	va_end(ap);
	if (n > 0)
		rp->off += (size_t)n < rp->len - rp->off ? (size_t)n : rp->len - rp->off - 1;
}

static void check(struct report *rp, int ret, const char *what, const char *err)
{
	if (ret < 0) {
		say(rp, "ipvs: %s: %s\n", what, err);
		if (!rp->err)
			rp->err = ret;
	} else {
		say(rp, "ipvs: %s\n", what);
	}
}

static bool same_key(const struct dpvs_svc *a, const struct dpvs_svc *b)
{
	if (a->fwmark || b->fwmark)
		return a->fwmark == b->fwmark && a->af == b->af;
	return a->af == b->af && a->protocol == b->protocol &&
	       a->addr.in.s_addr == b->addr.in.s_addr && a->port == b->port;
}

static const struct cfg_service *cfg_find_svc(const struct dpvs_config *c,
					      const struct dpvs_svc *key)
{
	for (unsigned i = 0; c && i < c->nservices; i++)
		if (same_key(&c->services[i].svc, key))
			return &c->services[i];
	return NULL;
}

static uint16_t dest_port(const struct cfg_service *s, const struct dpvs_dest *d)
{
	return d->port ? d->port : s->svc.port;
}

static const struct dpvs_dest *cfg_find_dest(const struct cfg_service *s,
					     const struct cfg_service *in, const struct dpvs_dest *d)
{
	for (unsigned i = 0; in && i < in->ndests; i++)
		if (in->dests[i].addr.in.s_addr == d->addr.in.s_addr &&
		    dest_port(in, &in->dests[i]) == dest_port(s, d))
			return &in->dests[i];
	return NULL;
}

static bool svc_settings_eq(const struct dpvs_svc *a, const struct dpvs_svc *b)
{
	return strncmp(a->sched_name, b->sched_name, sizeof(a->sched_name)) == 0 &&
	       strncmp(a->pe_name, b->pe_name, sizeof(a->pe_name)) == 0 &&
	       a->flags == b->flags && a->timeout == b->timeout && a->netmask == b->netmask;
}

static bool dest_settings_eq(const struct dpvs_dest *a, const struct dpvs_dest *b)
{
	return a->conn_flags == b->conn_flags && a->weight == b->weight &&
	       a->u_threshold == b->u_threshold && a->l_threshold == b->l_threshold &&
	       a->tun_type == b->tun_type && a->tun_flags == b->tun_flags &&
	       a->tun_port == b->tun_port;
}

static void dest_name(const struct cfg_service *s, const struct dpvs_dest *d, char *buf,
		      size_t len)
{
	char a[INET_ADDRSTRLEN], k[64];

	ipvs_svc_key_str(&s->svc, k, sizeof(k));
	inet_ntop(AF_INET, &d->addr.in, a, sizeof(a));
	snprintf(buf, len, "[service:%s] %s real server %s:%u", s->name, k, a,
		 ntohs(dest_port(s, d)));
}

/* Makes service s (and its dests) as the new file says; prev is the
 * same service in the previous file, or NULL. */
static void apply_service(struct report *rp, const struct cfg_service *s,
			  const struct cfg_service *prev)
{
	char what[192], k[64], err[256] = "";
	int ret;

	ipvs_svc_key_str(&s->svc, k, sizeof(k));
	/* add it (also when removed by hand since); edit it where it exists
	 * and the file changed it, or it was not the file's before */
	ret = ipvs_svc_add(&s->svc, err, sizeof(err));
	snprintf(what, sizeof(what), "[service:%s] %s added", s->name, k);
	if (ret == -EEXIST) {
		ret = 0;
		if (!prev || !svc_settings_eq(&prev->svc, &s->svc)) {
			ret = ipvs_svc_edit(&s->svc, err, sizeof(err));
			snprintf(what, sizeof(what), "[service:%s] %s updated", s->name, k);
			check(rp, ret, what, err);
		}
	} else {
		check(rp, ret, what, err);
	}
	if (ret < 0)
		return;
	/* dests the previous file had and this one has not */
	for (unsigned i = 0; prev && i < prev->ndests; i++) {
		const struct dpvs_dest *d = &prev->dests[i];

		if (cfg_find_dest(prev, s, d))
			continue;
		struct dpvs_dest probe = *d;

		probe.port = dest_port(prev, d);
		ret = ipvs_dest_del(&s->svc, &probe, err, sizeof(err));
		dest_name(prev, d, what, sizeof(what));
		strncat(what, " removed", sizeof(what) - strlen(what) - 1);
		if (ret != -ENOENT) /* already gone by hand: nothing to say */
			check(rp, ret, what, err);
	}
	for (unsigned i = 0; i < s->ndests; i++) {
		const struct dpvs_dest *d = &s->dests[i];
		const struct dpvs_dest *old = cfg_find_dest(s, prev, d);

		dest_name(s, d, what, sizeof(what));
		ret = ipvs_dest_add(&s->svc, d, err, sizeof(err));
		if (ret == -EEXIST) {
			if (old && dest_settings_eq(old, d))
				continue; /* unchanged */
			ret = ipvs_dest_edit(&s->svc, d, err, sizeof(err));
			strncat(what, " updated", sizeof(what) - strlen(what) - 1);
		} else {
			strncat(what, " added", sizeof(what) - strlen(what) - 1);
		}
		check(rp, ret, what, err);
	}
}

int ipvs_apply_config(const struct dpvs_config *old, const struct dpvs_config *new, char *buf,
		      size_t len)
{
	struct report rp = { .buf = buf, .len = len };
	char what[160], k[64], err[256] = "";
	int ret;

	if (buf && len)
		buf[0] = '\0';
	if (!new)
		return -EINVAL;
	ipvs_batch_begin();
	ret = ipvs_timeout_set(&new->timeouts, err, sizeof(err));
	if (ret < 0)
		check(&rp, ret, "[ipvs] timeouts", err);
	ret = ipvs_tcp_state_timeouts_set(&new->tcp_states, err, sizeof(err));
	if (ret < 0)
		check(&rp, ret, "[ipvs] tcp state timeouts", err);
	ipvs_set_expire_nodest_conn(new->expire_nodest_conn);
	ipvs_set_fnat_caddr(new->fnat_toa, new->fnat_uoa);

	for (unsigned i = 0; old && i < old->nservices; i++) {
		const struct cfg_service *s = &old->services[i];

		if (cfg_find_svc(new, &s->svc))
			continue;
		ipvs_svc_key_str(&s->svc, k, sizeof(k));
		snprintf(what, sizeof(what), "[service:%s] %s removed", s->name, k);
		ret = ipvs_svc_del(&s->svc, err, sizeof(err));
		if (ret != -ESRCH)
			check(&rp, ret, what, err);
	}
	for (unsigned i = 0; i < new->nservices; i++)
		apply_service(&rp, &new->services[i], cfg_find_svc(old, &new->services[i].svc));
	ret = ipvs_batch_end();
	if (ret < 0)
		check(&rp, ret, "publishing the services", "out of memory");
	return rp.err;
}
