/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ipvs_config: the [ipvs] and [service:*] parts of the config file,
 * applied as a diff against the file applied before, all or nothing.
 *
 * What the previous file declared and the new one does not is removed;
 * what the new one declares is added, or edited where it changed.
 * Services added by hand (ipvsadm) and never declared by a file are left
 * alone. Every change runs in one batch: the workers see none of it until
 * the batch ends with one snapshot (the scheduler tables of the changed
 * services built before the pointer store), and established connections
 * survive (they hold their own rewrite data).
 *
 * All or nothing: each change that succeeds writes down what undoes it,
 * taken from the running tables (not from the old file: ipvsadm may have
 * edited them since). The steps that can fail (adds and edits: a full
 * [pool], a real server the running stack refuses) come first, the
 * removals (which cannot fail once the entry is found) last, so a failure
 * never has to bring a removed entry back; on a failure the steps done are
 * undone in reverse order inside the same batch, and the snapshot the
 * batch publishes is the one in force before. A later failure of the
 * caller (reload.c) undoes a successful apply with ipvs_config_undo().
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "cfg/config.h"
#include "control/control.h"
#include "ipvs/ipvs.h"

struct report {
	char *buf;
	size_t len, off;
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

/* ---- the undo journal ---- */

enum step_kind {
	STEP_SVC_ADD,	/* undo: delete it */
	STEP_SVC_EDIT,	/* undo: edit back to svc */
	STEP_SVC_DEL,	/* undo: add svc, its dests and local addresses again */
	STEP_DEST_ADD,	/* undo: delete it */
	STEP_DEST_EDIT, /* undo: edit back to dest */
	STEP_DEST_DEL,	/* undo: add dest again, where it was */
	STEP_LADDR_ADD, /* undo: delete laddrs[0] */
	STEP_LADDR_DEL, /* undo: add laddrs[0] again */
};

struct step {
	enum step_kind kind;
	struct dpvs_svc svc;   /* the key; SVC_EDIT/DEL: its settings before */
	struct dpvs_dest dest; /* DEST_*: the dest (before, for EDIT and DEL) */
	/* SVC_DEL: the dests the service had; DEST_DEL: those after it */
	uint32_t ndests;
	struct dpvs_dest *dests;
	uint32_t nladdrs;
	uint32_t laddrs[DPVS_LADDR_MAX];
};

struct ipvs_undo {
	unsigned n, cap;
	struct step *steps;
	struct dpvs_timeouts timeouts; /* as they ran before */
	bool has_old_file;	       /* the two below are known (the old file's) */
	struct dpvs_tcp_state_timeouts tcp_states;
	bool expire_nodest_conn;
	bool sloppy_tcp;
	bool floating_laddr;
	bool defense_set;	       /* the file's [defense] was applied: put back */
	struct dpvs_defense defense;   /* the defences as they ran before */
	bool fnat_toa, fnat_uoa;
};

/* A step about to be done, or NULL without memory (then it is not done). */
static struct step *journal(struct ipvs_undo *u, enum step_kind kind, const struct dpvs_svc *svc)
{
	if (u->n == u->cap) {
		unsigned cap = u->cap ? 2 * u->cap : 64;
		struct step *s = realloc(u->steps, cap * sizeof(*s));

		if (!s)
			return NULL;
		u->steps = s;
		u->cap = cap;
	}
	struct step *s = &u->steps[u->n];

	memset(s, 0, sizeof(*s));
	s->kind = kind;
	s->svc = *svc;
	return s;
}

void ipvs_undo_free(struct ipvs_undo *u)
{
	if (!u)
		return;
	for (unsigned i = 0; i < u->n; i++)
		free(u->steps[i].dests);
	free(u->steps);
	free(u);
}

/* Runs one step's undo; 0 or -errno with the reason in err. */
static int undo_step(const struct step *s, char *err, size_t errlen)
{
	int rc = 0;

	switch (s->kind) {
	case STEP_SVC_ADD:
		return ipvs_svc_del(&s->svc, err, errlen);
	case STEP_SVC_EDIT:
		return ipvs_svc_edit(&s->svc, err, errlen);
	case STEP_DEST_ADD:
		return ipvs_dest_del(&s->svc, &s->dest, err, errlen);
	case STEP_DEST_EDIT:
		return ipvs_dest_edit(&s->svc, &s->dest, err, errlen);
	case STEP_DEST_DEL:
		/* back in its place: the dests after it step out and in again
		 * (from the trash: the same ids and counters), so the list, and
		 * the order schedulers walk it in, is the one before */
		for (uint32_t i = 0; rc == 0 && i < s->ndests; i++)
			rc = ipvs_dest_del(&s->svc, &s->dests[i], err, errlen);
		if (rc == 0)
			rc = ipvs_dest_add(&s->svc, &s->dest, err, errlen);
		for (uint32_t i = 0; rc == 0 && i < s->ndests; i++)
			rc = ipvs_dest_add(&s->svc, &s->dests[i], err, errlen);
		return rc;
	case STEP_LADDR_ADD:
	case STEP_LADDR_DEL: {
		struct dpvs_laddr_req q = { .svc = s->svc, .af = AF_INET };

		q.addr.in.s_addr = s->laddrs[0];
		return s->kind == STEP_LADDR_ADD ? ipvs_laddr_del(&q, err, errlen)
						 : ipvs_laddr_add(&q, err, errlen);
	}
	case STEP_SVC_DEL:
		/* back from the trash: the same ids, so its conns and the
		 * dests' counters are its own again */
		rc = ipvs_svc_add(&s->svc, err, errlen);
		for (uint32_t i = 0; rc == 0 && i < s->ndests; i++)
			rc = ipvs_dest_add(&s->svc, &s->dests[i], err, errlen);
		for (uint32_t i = 0; rc == 0 && i < s->nladdrs; i++) {
			struct dpvs_laddr_req q = { .svc = s->svc, .af = AF_INET };

			q.addr.in.s_addr = s->laddrs[i];
			rc = ipvs_laddr_add(&q, err, errlen);
		}
		return rc;
	}
	return 0;
}

/* Undoes every step of u, last first, in the caller's batch. Returns the
 * first failure (the rest is still undone), its reason in err. */
static int undo_all(const struct ipvs_undo *u, char *err, size_t errlen)
{
	char why[256];
	int first = 0;

	for (unsigned i = u->n; i-- > 0;) {
		int rc = undo_step(&u->steps[i], why, sizeof(why));

		if (rc < 0 && !first) {
			snprintf(err, errlen, "%s", why);
			first = rc;
		}
	}
	(void)ipvs_timeout_set(&u->timeouts, why, sizeof(why));
	if (u->has_old_file) {
		(void)ipvs_tcp_state_timeouts_set(&u->tcp_states, why, sizeof(why));
		ipvs_set_expire_nodest_conn(u->expire_nodest_conn);
		ipvs_set_sloppy_tcp(u->sloppy_tcp);
		ipvs_set_laddr_float(u->floating_laddr);
		ipvs_set_fnat_caddr(u->fnat_toa, u->fnat_uoa);
	}
	if (u->defense_set)
		(void)ipvs_defense_set(&u->defense, why, sizeof(why));
	return first;
}

int ipvs_config_undo(struct ipvs_undo *u, char *err, size_t errlen)
{
	int rc, rc2;

	if (!u)
		return 0;
	ipvs_batch_begin();
	rc = undo_all(u, err, errlen);
	rc2 = ipvs_batch_end();
	if (!rc && rc2)
		snprintf(err, errlen, "out of memory publishing the services");
	return rc ? rc : rc2;
}

/* ---- what runs now ---- */

/* A live service as the tables hold it, with its dests. */
struct svc_now {
	bool live;
	struct dpvs_svc conf;
	uint32_t ndests;
	struct dpvs_dest *dests;
};

static int grab(uint32_t id, const struct dpvs_svc *svc, const uint32_t *dest_ids,
		const struct dpvs_dest *dests, uint32_t n, void *arg)
{
	struct svc_now *o = arg;

	(void)id;
	(void)dest_ids;
	o->conf = *svc;
	o->dests = n ? malloc(n * sizeof(*dests)) : NULL;
	if (n && !o->dests)
		return -ENOMEM;
	if (n)
		memcpy(o->dests, dests, n * sizeof(*dests));
	o->ndests = n;
	o->live = true;
	return 0;
}

/* 0 (o->live says whether it runs), or -ENOMEM. */
static int svc_now(const struct dpvs_svc *key, struct svc_now *o)
{
	char err[256];
	int rc;

	memset(o, 0, sizeof(*o));
	rc = ipvs_svc_walk(key, grab, o, err, sizeof(err));
	if (rc == -ENOMEM || (rc < 0 && o->live))
		return -ENOMEM;
	return 0;
}

/* IPv4 compares its word only: the parser leaves the rest as it is */
static bool same_addr(uint16_t af, const union inet_addr *a, const union inet_addr *b)
{
	return af == AF_INET6 ? memcmp(&a->in6, &b->in6, sizeof(a->in6)) == 0
			      : a->in.s_addr == b->in.s_addr;
}

/* The same real server address (a family of 0 is IPv4's) */
static bool same_dest_addr(const struct dpvs_dest *a, const struct dpvs_dest *b)
{
	bool v6 = a->af == AF_INET6;

	return v6 == (b->af == AF_INET6) && same_addr(a->af, &a->addr, &b->addr);
}

static const struct dpvs_dest *now_find_dest(const struct svc_now *o, const struct dpvs_dest *d,
					     uint16_t svc_port)
{
	uint16_t port = d->port ? d->port : svc_port;

	for (uint32_t i = 0; i < o->ndests; i++)
		if (same_dest_addr(&o->dests[i], d) && o->dests[i].port == port)
			return &o->dests[i];
	return NULL;
}

static int grab_laddrs(uint32_t id, const struct dpvs_svc *svc, const uint32_t *laddrs,
		       uint32_t n, void *arg)
{
	struct step *s = arg;

	(void)id;
	(void)svc;
	s->nladdrs = n < DPVS_LADDR_MAX ? n : DPVS_LADDR_MAX;
	memcpy(s->laddrs, laddrs, s->nladdrs * sizeof(*laddrs));
	return 0;
}

/* Whether service key holds local address a now. */
static bool laddr_live(const struct dpvs_svc *key, uint32_t a)
{
	struct step now = { 0 };
	char err[256];

	if (ipvs_laddr_walk(key, grab_laddrs, &now, err, sizeof(err)) < 0)
		return false;
	for (uint32_t i = 0; i < now.nladdrs; i++)
		if (now.laddrs[i] == a)
			return true;
	return false;
}

static bool cfg_has_laddr(const struct cfg_service *s, uint32_t a)
{
	for (unsigned i = 0; s && i < s->nladdrs; i++)
		if (s->laddrs[i] == a)
			return true;
	return false;
}

/* ---- the diff ---- */

static bool same_key(const struct dpvs_svc *a, const struct dpvs_svc *b)
{
	if (a->fwmark || b->fwmark)
		return a->fwmark == b->fwmark && a->af == b->af;
	return a->af == b->af && a->protocol == b->protocol && same_addr(a->af, &a->addr, &b->addr) &&
	       a->port == b->port;
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
		if (same_dest_addr(&in->dests[i], d) &&
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
	char a[INET6_ADDRSTRLEN], k[80];

	ipvs_svc_key_str(&s->svc, k, sizeof(k));
	inet_ntop(d->af == AF_INET6 ? AF_INET6 : AF_INET, &d->addr, a, sizeof(a));
	snprintf(buf, len, d->af == AF_INET6 ? "%s real server [%s]:%u" : "%s real server %s:%u",
		 k, a, ntohs(dest_port(s, d)));
}

/* The failure of one step: where in the file, what, why. */
struct failure {
	int rc;
	char msg[512];
};

static int fail(struct failure *f, int rc, const struct dpvs_config *c, const char *name,
		const char *key, const char *what, const char *err)
{
	snprintf(f->msg, sizeof(f->msg), "%s%s[service:%s] %s: %s: %s", c->path,
		 c->path[0] ? ": " : "", name, key, what, err);
	f->rc = rc;
	return rc;
}

/* Makes service s (and its dests) as the new file says; prev is the same
 * service in the previous file, or NULL. Removals wait (apply_removals). */
static int apply_service(struct report *rp, struct ipvs_undo *u, struct failure *f,
			 const struct dpvs_config *c, const struct cfg_service *s,
			 const struct cfg_service *prev)
{
	char what[192], k[64], err[256] = "";
	struct svc_now now;
	struct step *st;
	int ret;

	ipvs_svc_key_str(&s->svc, k, sizeof(k));
	if (svc_now(&s->svc, &now) < 0)
		return fail(f, -ENOMEM, c, s->name, "service", k, "out of memory");
	if (!now.live) {
		/* also when removed by hand since */
		snprintf(what, sizeof(what), "%s cannot be added", k);
		if (!(st = journal(u, STEP_SVC_ADD, &s->svc)))
			ret = fail(f, -ENOMEM, c, s->name, "service", what, "out of memory");
		else if ((ret = ipvs_svc_add(&s->svc, err, sizeof(err))) < 0)
			fail(f, ret, c, s->name, "service", what, err);
		else {
			u->n++;
			say(rp, "ipvs: [service:%s] %s added\n", s->name, k);
		}
	} else if (!prev || !svc_settings_eq(&prev->svc, &s->svc)) {
		/* edited where the file changed it, or it was not the file's */
		snprintf(what, sizeof(what), "%s cannot be updated", k);
		if (!(st = journal(u, STEP_SVC_EDIT, &now.conf)))
			ret = fail(f, -ENOMEM, c, s->name, "service", what, "out of memory");
		else if ((ret = ipvs_svc_edit(&s->svc, err, sizeof(err))) < 0)
			fail(f, ret, c, s->name, "service", what, err);
		else {
			u->n++;
			say(rp, "ipvs: [service:%s] %s updated\n", s->name, k);
		}
	} else {
		ret = 0;
	}
	for (unsigned i = 0; ret == 0 && i < s->ndests; i++) {
		const struct dpvs_dest *d = &s->dests[i];
		const struct dpvs_dest *old = cfg_find_dest(s, prev, d);
		const struct dpvs_dest *run = now_find_dest(&now, d, s->svc.port);
		bool add = !run;

		if (run && old && dest_settings_eq(old, d))
			continue; /* unchanged */
		dest_name(s, d, what, sizeof(what));
		st = journal(u, add ? STEP_DEST_ADD : STEP_DEST_EDIT, &s->svc);
		if (!st) {
			ret = fail(f, -ENOMEM, c, s->name, s->dest_key[i], what, "out of memory");
			break;
		}
		st->dest = add ? *d : *run;
		if (add && !st->dest.port)
			st->dest.port = s->svc.port;
		ret = add ? ipvs_dest_add(&s->svc, d, err, sizeof(err))
			  : ipvs_dest_edit(&s->svc, d, err, sizeof(err));
		if (ret < 0) {
			strncat(what, add ? " cannot be added" : " cannot be updated",
				sizeof(what) - strlen(what) - 1);
			fail(f, ret, c, s->name, s->dest_key[i], what, err);
			break;
		}
		u->n++;
		say(rp, "ipvs: [service:%s] %s %s\n", s->name, what, add ? "added" : "updated");
	}
	free(now.dests);
	for (unsigned i = 0; ret == 0 && i < s->nladdrs; i++) {
		struct dpvs_laddr_req q = { .svc = s->svc, .af = AF_INET };
		char a[INET_ADDRSTRLEN];

		if (laddr_live(&s->svc, s->laddrs[i]))
			continue;
		inet_ntop(AF_INET, &s->laddrs[i], a, sizeof(a));
		snprintf(what, sizeof(what), "local address %s cannot be added", a);
		if (!(st = journal(u, STEP_LADDR_ADD, &s->svc)))
			return fail(f, -ENOMEM, c, s->name, "laddr", what, "out of memory");
		st->laddrs[0] = s->laddrs[i];
		q.addr.in.s_addr = s->laddrs[i];
		ret = ipvs_laddr_add(&q, err, sizeof(err));
		if (ret < 0)
			return fail(f, ret, c, s->name, "laddr", what, err);
		u->n++;
		say(rp, "ipvs: [service:%s] local address %s added\n", s->name, a);
	}
	return ret;
}

/* The local addresses the previous file gave service s and the new one
 * does not (removing cannot fail once found). */
static int remove_laddrs(struct report *rp, struct ipvs_undo *u, struct failure *f,
			 const struct dpvs_config *c, const struct cfg_service *s,
			 const struct cfg_service *prev)
{
	char what[160], err[256] = "", a[INET_ADDRSTRLEN];

	for (unsigned i = 0; prev && i < prev->nladdrs; i++) {
		struct dpvs_laddr_req q = { .svc = s->svc, .af = AF_INET };
		struct step *st;
		int ret;

		if (cfg_has_laddr(s, prev->laddrs[i]) || !laddr_live(&s->svc, prev->laddrs[i]))
			continue; /* kept, or already gone by hand */
		inet_ntop(AF_INET, &prev->laddrs[i], a, sizeof(a));
		snprintf(what, sizeof(what), "local address %s cannot be removed", a);
		if (!(st = journal(u, STEP_LADDR_DEL, &s->svc)))
			return fail(f, -ENOMEM, c, s->name, "laddr", what, "out of memory");
		st->laddrs[0] = prev->laddrs[i];
		q.addr.in.s_addr = prev->laddrs[i];
		ret = ipvs_laddr_del(&q, err, sizeof(err));
		if (ret < 0)
			return fail(f, ret, c, s->name, "laddr", what, err);
		u->n++;
		say(rp, "ipvs: [service:%s] local address %s removed\n", s->name, a);
	}
	return 0;
}

/* The dests the previous file gave service s and the new one does not. */
static int remove_dests(struct report *rp, struct ipvs_undo *u, struct failure *f,
			const struct dpvs_config *c, const struct cfg_service *s,
			const struct cfg_service *prev)
{
	char what[192], err[256] = "";
	int ret = 0;

	for (unsigned i = 0; prev && i < prev->ndests; i++) {
		const struct dpvs_dest *d = &prev->dests[i];
		struct svc_now now;

		if (cfg_find_dest(prev, s, d))
			continue; /* kept */
		dest_name(prev, d, what, sizeof(what));
		if (svc_now(&s->svc, &now) < 0)
			return fail(f, -ENOMEM, c, s->name, prev->dest_key[i], what, "out of memory");
		const struct dpvs_dest *run = now_find_dest(&now, d, prev->svc.port);

		if (!run) { /* already gone by hand: nothing to say */
			free(now.dests);
			continue;
		}
		struct step *st = journal(u, STEP_DEST_DEL, &s->svc);
		uint32_t at = (uint32_t)(run - now.dests), nafter = now.ndests - at - 1;

		if (!st) {
			free(now.dests);
			return fail(f, -ENOMEM, c, s->name, prev->dest_key[i], what,
				    "out of memory");
		}
		st->dest = *run;
		/* the step keeps the dests after it (its undo puts it back
		 * before them) */
		memmove(now.dests, now.dests + at + 1, nafter * sizeof(*now.dests));
		st->dests = now.dests;
		st->ndests = nafter;
		ret = ipvs_dest_del(&s->svc, &st->dest, err, sizeof(err));
		if (ret < 0) {
			free(st->dests);
			strncat(what, " cannot be removed", sizeof(what) - strlen(what) - 1);
			return fail(f, ret, c, s->name, prev->dest_key[i], what, err);
		}
		u->n++;
		say(rp, "ipvs: [service:%s] %s removed\n", s->name, what);
	}
	return ret;
}

/* A service of the previous file the new one does not have. */
static int remove_service(struct report *rp, struct ipvs_undo *u, struct failure *f,
			  const struct dpvs_config *c, const struct cfg_service *s)
{
	char what[160], k[64], err[256] = "";
	struct svc_now now;
	int ret;

	ipvs_svc_key_str(&s->svc, k, sizeof(k));
	snprintf(what, sizeof(what), "%s cannot be removed", k);
	if (svc_now(&s->svc, &now) < 0)
		return fail(f, -ENOMEM, c, s->name, "service", what, "out of memory");
	if (!now.live)
		return 0; /* already gone by hand */
	struct step *st = journal(u, STEP_SVC_DEL, &now.conf);

	if (!st) {
		free(now.dests);
		return fail(f, -ENOMEM, c, s->name, "service", what, "out of memory");
	}
	st->ndests = now.ndests;
	st->dests = now.dests; /* the step owns them now */
	(void)ipvs_laddr_walk(&s->svc, grab_laddrs, st, err, sizeof(err));
	ret = ipvs_svc_del(&s->svc, err, sizeof(err));
	if (ret < 0) {
		free(st->dests);
		return fail(f, ret, c, s->name, "service", what, err);
	}
	u->n++;
	say(rp, "ipvs: [service:%s] %s removed\n", s->name, k);
	return 0;
}

static int apply_all(struct report *rp, struct ipvs_undo *u, struct failure *f,
		     const struct dpvs_config *old, const struct dpvs_config *new)
{
	char err[256] = "";
	int ret;

	ret = ipvs_timeout_set(&new->timeouts, err, sizeof(err));
	if (ret < 0) {
		snprintf(f->msg, sizeof(f->msg), "%s: [ipvs] timeouts: %s", new->path, err);
		return f->rc = ret;
	}
	ret = ipvs_tcp_state_timeouts_set(&new->tcp_states, err, sizeof(err));
	if (ret < 0) {
		snprintf(f->msg, sizeof(f->msg), "%s: [ipvs] tcp state timeouts: %s", new->path,
			 err);
		return f->rc = ret;
	}
	ipvs_set_expire_nodest_conn(new->expire_nodest_conn);
	ipvs_set_sloppy_tcp(new->sloppy_tcp);
	/* before the services: their LIPs may be absent only with it */
	ipvs_set_laddr_float(new->floating_laddr);
	/* only when the file changed them: what dpip defense set did
	 * survives a reload that leaves [defense] as it was */
	if (!old || memcmp(&old->defense, &new->defense, sizeof(new->defense)) != 0) {
		struct dpvs_defense_info was;

		ipvs_defense_get(&was);
		ret = ipvs_defense_set(&new->defense, err, sizeof(err));
		if (ret < 0) {
			snprintf(f->msg, sizeof(f->msg), "%s: [defense]: %s", new->path, err);
			return f->rc = ret;
		}
		u->defense = was.conf;
		u->defense.mask = DPVS_DEF_F_ALL;
		u->defense_set = true;
	}
	ipvs_set_fnat_caddr(new->fnat_toa, new->fnat_uoa);

	/* what can fail first: adds and edits */
	for (unsigned i = 0; i < new->nservices; i++) {
		ret = apply_service(rp, u, f, new, &new->services[i],
				    cfg_find_svc(old, &new->services[i].svc));
		if (ret < 0)
			return ret;
	}
	/* then what cannot, once found: removals */
	for (unsigned i = 0; i < new->nservices; i++) {
		ret = remove_dests(rp, u, f, new, &new->services[i],
				   cfg_find_svc(old, &new->services[i].svc));
		if (ret == 0)
			ret = remove_laddrs(rp, u, f, new, &new->services[i],
					    cfg_find_svc(old, &new->services[i].svc));
		if (ret < 0)
			return ret;
	}
	for (unsigned i = 0; old && i < old->nservices; i++) {
		if (cfg_find_svc(new, &old->services[i].svc))
			continue;
		ret = remove_service(rp, u, f, old, &old->services[i]);
		if (ret < 0)
			return ret;
	}
	return 0;
}

int ipvs_apply_config(const struct dpvs_config *old, const struct dpvs_config *new, char *buf,
		      size_t len, struct ipvs_undo **undo)
{
	struct report rp = { .buf = buf, .len = len };
	struct failure f = { 0 };
	struct ipvs_undo *u;
	char err[256] = "";
	int ret;

	if (undo)
		*undo = NULL;
	if (buf && len)
		buf[0] = '\0';
	if (!new)
		return -EINVAL;
	u = calloc(1, sizeof(*u));
	if (!u) {
		say(&rp, "%s: out of memory, nothing changed\n", new->path);
		return -ENOMEM;
	}
	ipvs_timeout_get(&u->timeouts);
	if (old) {
		u->has_old_file = true;
		u->tcp_states = old->tcp_states;
		u->expire_nodest_conn = old->expire_nodest_conn;
		u->sloppy_tcp = old->sloppy_tcp;
		u->floating_laddr = old->floating_laddr;
		u->fnat_toa = old->fnat_toa;
		u->fnat_uoa = old->fnat_uoa;
	}
	ipvs_batch_begin();
	ret = apply_all(&rp, u, &f, old, new);
	if (ret == 0) {
		ret = ipvs_batch_end();
		if (ret == 0) {
			if (undo)
				*undo = u;
			else
				ipvs_undo_free(u);
			return 0;
		}
		/* nothing was published: put the tables back and try again */
		snprintf(f.msg, sizeof(f.msg), "%s: out of memory publishing the services",
			 new->path);
		ipvs_batch_begin();
	}
	int urc = undo_all(u, err, sizeof(err));

	(void)ipvs_batch_end();
	ipvs_undo_free(u);
	rp.off = 0;
	if (buf && len)
		buf[0] = '\0';
	say(&rp, "%s\n", f.msg);
	if (urc < 0)
		say(&rp, "ipvs: undoing it failed too: %s\n", err);
	return ret;
}
