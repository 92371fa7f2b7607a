/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * service: virtual services and their dests as the control thread keeps
 * them, and the immutable snapshot the workers read.
 *
 * Services and dests live in fixed tables; their index is a stable id
 * that workers key their own state by (scheduler cursors, conn counts,
 * counters), so that state survives every new snapshot. After each change
 * (or batch of changes) a new snapshot is built, published with one
 * pointer store, and the old one is freed after dp_rcu_synchronize().
 *
 * Removal, as LVS's "trash": a removed dest (or service) keeps its id
 * while connections still use it; its conns go on being forwarded (they
 * carry their rewrite data) and keep counting in its counters. The same
 * dest added again while in the trash gets its id back, with its
 * counters. Once no worker counts a conn for it any more (the control
 * thread sums the workers' counters), ipvs_svc_gc() frees the id.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <rte_hash_crc.h>

#include "ipvs/ipvs_priv.h"
#include "ipvs/ipvs_sched.h"

enum { ENT_FREE = 0, ENT_LIVE, ENT_TRASH };

#define IPVS_FWD_MASK 0x7 /* forwarding method bits of conn_flags */
#define IPVS_DEFAULT_SCHED "wlc"

struct svc_ent {
	uint8_t state;
	struct dpvs_svc conf; /* key and settings; replies' fields zero */
	const struct sched_ops *sched;
	uint32_t gen;
	uint32_t ndests, cap;
	uint16_t *dest_ids; /* live dests, in the order they were added */
};

struct dest_ent {
	uint8_t state;
	uint16_t svc_id;
	struct dpvs_dest conf;
};

static struct svc_ent svc_tab[IPVS_SVC_MAX];
static struct dest_ent dest_tab[IPVS_DEST_MAX];
static uint32_t svc_cursor, dest_cursor; /* next id to try: reuse late */
static uint32_t timeouts[IPVS_STATE_MAX];
static bool expire_nodest;
static uint32_t gen_counter;
static int batch_depth;
static bool dirty;

struct ipvs_snap *ipvs_snap_current;

/* ---- snapshot ---- */

static inline uint32_t svc_hash(uint8_t proto, uint32_t vaddr, uint16_t vport)
{
	return rte_hash_crc_4byte(vaddr, ((uint32_t)proto << 16) | vport);
}

const struct ipvs_snap_svc *ipvs_snap_svc_lookup(const struct ipvs_snap *s, uint8_t proto,
						 uint32_t vaddr, uint16_t vport)
{
	int32_t i = s->htab[svc_hash(proto, vaddr, vport) & s->hmask];

	while (i >= 0) {
		const struct ipvs_snap_svc *svc = &s->svcs[i];

		if (svc->vaddr == vaddr && svc->vport == vport && svc->proto == proto)
			return svc;
		i = svc->next;
	}
	return NULL;
}

const struct ipvs_snap_svc *ipvs_snap_svc_match(const struct ipvs_snap *s,
						struct ipvs_worker *iw, uint8_t proto,
						uint32_t vaddr, uint16_t vport)
{
	const struct ipvs_snap_svc *svc;

	if (s->nfwm_rules) {
		uint32_t mark = ipvs_fwmark_classify(s, iw, proto, vaddr, vport);

		for (uint32_t i = 0; mark && i < s->nfwm_svcs; i++)
			if (s->svcs[s->fwm_svcs[i]].fwmark == mark)
				return &s->svcs[s->fwm_svcs[i]];
	}
	svc = ipvs_snap_svc_lookup(s, proto, vaddr, vport);
	/* a persistent port 0 service takes every port of its VIP */
	if (!svc && s->has_port0)
		svc = ipvs_snap_svc_lookup(s, proto, vaddr, 0);
	return svc;
}

/* A worker's share of a dest's connection threshold: the workers count
 * their own conns, so together they stay within the configured value
 * (rounded up, so that a threshold never becomes 0 = none). */
static uint32_t thresh_share(uint32_t v)
{
	uint32_t n = ipvs_worker_states();

	if (n <= 1 || !v)
		return v;
	return (v + n - 1) / n;
}

static void snap_free(struct ipvs_snap *s)
{
	if (!s)
		return;
	for (uint32_t i = 0; i < s->nsvcs; i++) {
		struct ipvs_snap_svc *svc = &s->svcs[i];

		if (svc->sched && svc->sched->free_service && svc->sched_data)
			svc->sched->free_service(svc->sched_data);
		free(svc->dests);
	}
	free(s->svcs);
	free(s->htab);
	free(s->fwm_rules);
	free(s->fwm_svcs);
	free(s->dest_keys);
	free(s);
}

static struct ipvs_snap *snap_build(void)
{
	struct ipvs_snap *s = calloc(1, sizeof(*s));
	uint32_t n = 0, buckets = 16;

	if (!s)
		return NULL;
	for (uint32_t i = 0; i < IPVS_SVC_MAX; i++)
		n += svc_tab[i].state == ENT_LIVE;
	while (buckets < 2 * n)
		buckets <<= 1;
	s->svcs = calloc(n ? n : 1, sizeof(*s->svcs));
	s->htab = malloc(sizeof(*s->htab) * buckets);
	s->fwm_svcs = calloc(n ? n : 1, sizeof(*s->fwm_svcs));
	if (!s->svcs || !s->htab || !s->fwm_svcs || ipvs_fwmark_snap(s) < 0)
		goto fail;
	s->hmask = buckets - 1;
	for (uint32_t b = 0; b < buckets; b++)
		s->htab[b] = -1;
	memcpy(s->timeout, timeouts, sizeof(s->timeout));
	s->expire_nodest_conn = expire_nodest;
	for (uint32_t i = 0; i < IPVS_DEST_MAX; i++) {
		s->dest_alive[i] = dest_tab[i].state == ENT_LIVE;
		if (s->dest_alive[i])
			s->thresh[i] = (struct ipvs_snap_thresh){
				.upper = thresh_share(dest_tab[i].conf.u_threshold),
				.lower = thresh_share(dest_tab[i].conf.l_threshold),
			};
	}

	for (uint32_t id = 0; id < IPVS_SVC_MAX; id++) {
		const struct svc_ent *e = &svc_tab[id];
		struct ipvs_snap_svc *svc;

		if (e->state != ENT_LIVE)
			continue;
		svc = &s->svcs[s->nsvcs++];
		svc->id = (uint16_t)id;
		svc->proto = (uint8_t)e->conf.protocol;
		svc->vaddr = e->conf.addr.in.s_addr;
		svc->vport = e->conf.port;
		svc->fwmark = e->conf.fwmark;
		svc->flags = e->conf.flags;
		svc->gen = e->gen;
		svc->timeout = e->conf.timeout;
		svc->netmask = e->conf.netmask;
		svc->sched = e->sched;
		svc->next = -1;
		svc->dests = calloc(e->ndests ? e->ndests : 1, sizeof(*svc->dests));
		if (!svc->dests)
			goto fail;
		svc->ndests = e->ndests;
		for (uint32_t k = 0; k < e->ndests; k++) {
			const struct dest_ent *d = &dest_tab[e->dest_ids[k]];

			svc->dests[k] = (struct ipvs_snap_dest){
				.addr = d->conf.addr.in.s_addr,
				.port = d->conf.port,
				.id = e->dest_ids[k],
				.weight = d->conf.weight,
				.fwd = d->conf.conn_flags & IPVS_FWD_MASK,
			};
		}
		if (svc->sched->init_service && svc->sched->init_service(svc, &svc->sched_data) < 0)
			goto fail;
		/* fwmark services are found by the mark the classifier gives */
		if (svc->fwmark) {
			s->fwm_svcs[s->nfwm_svcs++] = s->nsvcs - 1;
		} else {
			uint32_t b = svc_hash(svc->proto, svc->vaddr, svc->vport) & s->hmask;

			svc->next = s->htab[b];
			s->htab[b] = (int32_t)(s->nsvcs - 1);
			s->has_port0 |= svc->vport == 0;
		}
	}
	if (ipvs_stray_build(s) < 0)
		goto fail;
	return s;
fail:
	snap_free(s);
	return NULL;
}

/* Publishes the tables as they are now (or later, at the end of a batch). */
static int publish(void)
{
	struct ipvs_snap *s, *old;

	dirty = true;
	if (batch_depth)
		return 0;
	s = snap_build();
	if (!s)
		return -ENOMEM; /* stays dirty: the next change retries */
	old = ipvs_snap_current;
	__atomic_store_n(&ipvs_snap_current, s, __ATOMIC_RELEASE);
	dp_rcu_synchronize();
	snap_free(old);
	dirty = false;
	return 0;
}

int ipvs_publish(void)
{
	return publish();
}

void ipvs_batch_begin(void)
{
	batch_depth++;
}

void ipvs_batch_end(void)
{
	if (batch_depth > 0 && --batch_depth == 0 && dirty)
		publish();
}

void ipvs_svc_init(void)
{
	memset(svc_tab, 0, sizeof(svc_tab));
	memset(dest_tab, 0, sizeof(dest_tab));
	ipvs_fwmark_init();
	svc_cursor = dest_cursor = 0;
	ipvs_default_timeouts(timeouts);
	expire_nodest = false;
	batch_depth = 0;
	publish();
}

void ipvs_svc_fini(void)
{
	for (uint32_t i = 0; i < IPVS_SVC_MAX; i++) {
		free(svc_tab[i].dest_ids);
		svc_tab[i].dest_ids = NULL;
	}
	memset(svc_tab, 0, sizeof(svc_tab));
	memset(dest_tab, 0, sizeof(dest_tab));
	snap_free(ipvs_snap_current);
	ipvs_snap_current = NULL;
}

/* ---- keys and validation ---- */

void ipvs_svc_key_str(const struct dpvs_svc *s, char *buf, size_t len)
{
	char a[INET_ADDRSTRLEN];

	if (s->fwmark) {
		snprintf(buf, len, "FWM %u", s->fwmark);
		return;
	}
	inet_ntop(AF_INET, &s->addr.in, a, sizeof(a));
	snprintf(buf, len, "%s %s:%u",
		 s->protocol == IPPROTO_TCP ? "TCP" : s->protocol == IPPROTO_UDP ? "UDP" : "?", a,
		 ntohs(s->port));
}

/* Checks the key fields of s and writes the normalized key into *key. */
static int svc_key(const struct dpvs_svc *s, struct dpvs_svc *key, char *err, size_t errlen)
{
	memset(key, 0, sizeof(*key));
	if (s->af != AF_INET) {
		snprintf(err, errlen, "address family %u not supported (only IPv4)", s->af);
		return -EAFNOSUPPORT;
	}
	key->af = AF_INET;
	if (s->fwmark) {
		key->fwmark = s->fwmark;
		return 0;
	}
	if (s->protocol != IPPROTO_TCP && s->protocol != IPPROTO_UDP) {
		snprintf(err, errlen, "protocol %u not supported (TCP or UDP, or a fwmark)",
			 s->protocol);
		return -EPROTONOSUPPORT;
	}
	if (s->addr.in.s_addr == 0) {
		snprintf(err, errlen, "service address 0.0.0.0 is not valid");
		return -EINVAL;
	}
	key->protocol = s->protocol;
	key->addr.in.s_addr = s->addr.in.s_addr;
	key->port = s->port;
	return 0;
}

static bool svc_key_eq(const struct dpvs_svc *a, const struct dpvs_svc *b)
{
	if (a->fwmark || b->fwmark)
		return a->fwmark == b->fwmark && a->af == b->af;
	return a->protocol == b->protocol && a->addr.in.s_addr == b->addr.in.s_addr &&
	       a->port == b->port;
}

static int svc_find(const struct dpvs_svc *key, uint8_t state)
{
	for (int i = 0; i < IPVS_SVC_MAX; i++)
		if (svc_tab[i].state == state && svc_key_eq(&svc_tab[i].conf, key))
			return i;
	return -1;
}

/* Lookup for requests: validates the key, -ESRCH when no such service. */
static int svc_lookup(const struct dpvs_svc *s, char *err, size_t errlen)
{
	struct dpvs_svc key;
	char k[64];
	int ret = svc_key(s, &key, err, errlen);

	if (ret < 0)
		return ret;
	ret = svc_find(&key, ENT_LIVE);
	if (ret < 0) {
		ipvs_svc_key_str(&key, k, sizeof(k));
		snprintf(err, errlen, "no such service %s", k);
		return -ESRCH;
	}
	return ret;
}

/* Settings of SVC_ADD/EDIT: scheduler, persistence engine, flags. */
static int svc_settings(const struct dpvs_svc *s, struct dpvs_svc *conf,
			const struct sched_ops **sched, char *err, size_t errlen)
{
	const char *name;

	if (!memchr(s->sched_name, '\0', sizeof(s->sched_name)) ||
	    !memchr(s->pe_name, '\0', sizeof(s->pe_name))) {
		snprintf(err, errlen, "scheduler or persistence engine name not NUL-terminated");
		return -EINVAL;
	}
	name = s->sched_name[0] ? s->sched_name : IPVS_DEFAULT_SCHED;
	*sched = sched_find(name);
	if (!*sched) {
		char names[128];

		sched_names(names, sizeof(names));
		snprintf(err, errlen, "scheduler '%s' not found (available: %s)", name, names);
		return -ENOENT;
	}
	if (s->pe_name[0]) {
		snprintf(err, errlen, "persistence engine '%s' not found", s->pe_name);
		return -ENOENT;
	}
	if (s->flags & ~(uint32_t)(DPVS_SVC_F_PERSISTENT | DPVS_SVC_F_HASHED |
				   DPVS_SVC_F_ONEPACKET | DPVS_SVC_F_SCHED1 | DPVS_SVC_F_SCHED2 |
				   DPVS_SVC_F_SCHED3)) {
		snprintf(err, errlen, "unknown service flags 0x%x", s->flags);
		return -EINVAL;
	}
	if ((s->flags & DPVS_SVC_F_PERSISTENT) && s->timeout > IPVS_TIMEOUT_MAX) {
		snprintf(err, errlen, "persistence timeout %u out of range (1..%u seconds)",
			 s->timeout, IPVS_TIMEOUT_MAX);
		return -EINVAL;
	}
	if (!conf->fwmark && conf->port == 0 && !(s->flags & DPVS_SVC_F_PERSISTENT)) {
		char k[64];

		ipvs_svc_key_str(conf, k, sizeof(k));
		snprintf(err, errlen, "service %s: port 0 (all ports) needs persistence (-p)", k);
		return -EINVAL;
	}
	snprintf(conf->sched_name, sizeof(conf->sched_name), "%s", (*sched)->name);
	conf->pe_name[0] = '\0';
	conf->flags = s->flags & ~(uint32_t)DPVS_SVC_F_HASHED;
	conf->timeout = 0;
	/* as LVS: the mask is kept as given; it matters with persistence */
	conf->netmask = s->netmask;
	if (s->flags & DPVS_SVC_F_PERSISTENT)
		conf->timeout = s->timeout ? s->timeout : IPVS_PERSIST_TIMEOUT_DEFAULT;
	return 0;
}

static int id_scan(uint32_t *cursor, uint32_t max, bool (*is_free)(uint32_t))
{
	for (uint32_t k = 0; k < max; k++) {
		uint32_t id = (*cursor + k) % max;

		if (is_free(id)) {
			*cursor = (id + 1) % max;
			return (int)id;
		}
	}
	return -1;
}

/* A free id, reusing the least recently freed first; when none is free,
 * ids of drained trash are reclaimed first. -1 when the table is full. */
static int id_alloc(uint32_t *cursor, uint32_t max, bool (*is_free)(uint32_t))
{
	int id = id_scan(cursor, max, is_free);

	if (id < 0 && !dirty) {
		ipvs_svc_gc();
		id = id_scan(cursor, max, is_free);
	}
	return id;
}

static bool svc_id_free(uint32_t id)
{
	return svc_tab[id].state == ENT_FREE;
}

static bool dest_id_free(uint32_t id)
{
	return dest_tab[id].state == ENT_FREE;
}

/* ---- services ---- */

int ipvs_svc_add(const struct dpvs_svc *s, char *err, size_t errlen)
{
	const struct sched_ops *sched;
	struct dpvs_svc key;
	struct svc_ent *e;
	char k[64];
	int ret, id;

	ret = svc_key(s, &key, err, errlen);
	if (ret < 0)
		return ret;
	ipvs_svc_key_str(&key, k, sizeof(k));
	if (svc_find(&key, ENT_LIVE) >= 0) {
		snprintf(err, errlen, "service %s already exists", k);
		return -EEXIST;
	}
	ret = svc_settings(s, &key, &sched, err, errlen);
	if (ret < 0)
		return ret;
	/* the same service back from the trash keeps its id, so its old
	 * dests (and their conns) can come back too */
	id = svc_find(&key, ENT_TRASH);
	if (id < 0)
		id = id_alloc(&svc_cursor, IPVS_SVC_MAX, svc_id_free);
	if (id < 0) {
		snprintf(err, errlen, "too many services (at most %u)", IPVS_SVC_MAX);
		return -ENOSPC;
	}
	e = &svc_tab[id];
	e->state = ENT_LIVE;
	e->conf = key;
	e->sched = sched;
	e->gen = ++gen_counter;
	e->ndests = 0;
	ipvs_stats_reset_svc((uint16_t)id);
	return publish();
}

int ipvs_svc_edit(const struct dpvs_svc *s, char *err, size_t errlen)
{
	const struct sched_ops *sched;
	struct dpvs_svc conf;
	int id = svc_lookup(s, err, errlen);
	int ret;

	if (id < 0)
		return id;
	conf = svc_tab[id].conf;
	ret = svc_settings(s, &conf, &sched, err, errlen);
	if (ret < 0)
		return ret;
	svc_tab[id].conf = conf;
	svc_tab[id].sched = sched;
	svc_tab[id].gen = ++gen_counter;
	return publish();
}

static void dest_trash(uint16_t dest_id)
{
	dest_tab[dest_id].state = ENT_TRASH;
}

static void svc_remove(int id)
{
	struct svc_ent *e = &svc_tab[id];

	for (uint32_t k = 0; k < e->ndests; k++)
		dest_trash(e->dest_ids[k]);
	e->ndests = 0;
	e->state = ENT_TRASH;
}

int ipvs_svc_del(const struct dpvs_svc *s, char *err, size_t errlen)
{
	int id = svc_lookup(s, err, errlen);

	if (id < 0)
		return id;
	svc_remove(id);
	return publish();
}

void ipvs_svc_flush(void)
{
	for (int id = 0; id < IPVS_SVC_MAX; id++)
		if (svc_tab[id].state == ENT_LIVE)
			svc_remove(id);
	publish();
}

/* ---- dests ---- */

static const char *fwd_switch(uint32_t fwd)
{
	switch (fwd) {
	case DPVS_FWD_DROUTE:
		return "-g (DR)";
	case DPVS_FWD_TUNNEL:
		return "-i (tunnel)";
	case DPVS_FWD_FULLNAT:
		return "-b (FULLNAT)";
	case DPVS_FWD_LOCAL:
		return "local";
	default:
		return "unknown";
	}
}

/* Checks d for service e and writes the normalized dest into *out. */
static int dest_check(const struct svc_ent *e, const struct dpvs_dest *d, struct dpvs_dest *out,
		      char *err, size_t errlen)
{
	uint32_t fwd = d->conn_flags & IPVS_FWD_MASK;

	if (d->af != AF_INET && d->af != 0) {
		snprintf(err, errlen, "real server address family %u not supported (only IPv4)",
			 d->af);
		return -EAFNOSUPPORT;
	}
	if (d->addr.in.s_addr == 0) {
		snprintf(err, errlen, "real server address 0.0.0.0 is not valid");
		return -EINVAL;
	}
	memset(out, 0, sizeof(*out));
	out->af = AF_INET;
	out->addr.in.s_addr = d->addr.in.s_addr;
	/* no port: the service's, as ipvsadm does */
	out->port = d->port ? d->port : e->conf.port;
	if (fwd != DPVS_FWD_MASQ) {
		snprintf(err, errlen, "forwarding method %s is not supported yet; use -m",
			 fwd_switch(fwd));
		return -EOPNOTSUPP;
	}
	if (d->weight < 0 || d->weight > 65535) {
		snprintf(err, errlen, "weight %d out of range (0..65535)", d->weight);
		return -EINVAL;
	}
	if (d->l_threshold > d->u_threshold) {
		/* the kernel's check too (ERANGE) */
		snprintf(err, errlen, "lower threshold %u is higher than upper threshold %u",
			 d->l_threshold, d->u_threshold);
		return -ERANGE;
	}
	/* port 0 (fwmark or all-ports services): conns keep the packet's
	 * destination port, as LVS's NAT does */
	out->conn_flags = fwd;
	out->weight = d->weight;
	out->u_threshold = d->u_threshold;
	out->l_threshold = d->l_threshold;
	return 0;
}

static int dest_find(const struct svc_ent *e, const struct dpvs_dest *d)
{
	for (uint32_t k = 0; k < e->ndests; k++) {
		const struct dest_ent *x = &dest_tab[e->dest_ids[k]];

		if (x->conf.addr.in.s_addr == d->addr.in.s_addr && x->conf.port == d->port)
			return (int)k;
	}
	return -1;
}

static void dest_str(const struct dpvs_dest *d, char *buf, size_t len)
{
	char a[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &d->addr.in, a, sizeof(a));
	snprintf(buf, len, "%s:%u", a, ntohs(d->port));
}

int ipvs_dest_add(const struct dpvs_svc *s, const struct dpvs_dest *d, char *err, size_t errlen)
{
	struct dpvs_dest conf;
	struct svc_ent *e;
	char ds[32];
	int sid, id = -1, ret;

	sid = svc_lookup(s, err, errlen);
	if (sid < 0)
		return sid;
	e = &svc_tab[sid];
	ret = dest_check(e, d, &conf, err, errlen);
	if (ret < 0)
		return ret;
	dest_str(&conf, ds, sizeof(ds));
	if (dest_find(e, &conf) >= 0) {
		snprintf(err, errlen, "real server %s already exists", ds);
		return -EEXIST;
	}
	if (e->ndests == e->cap) {
		uint32_t cap = e->cap ? 2 * e->cap : 8;
		uint16_t *ids = realloc(e->dest_ids, sizeof(*ids) * cap);

		if (!ids) {
			snprintf(err, errlen, "no memory for real server %s", ds);
			return -ENOMEM;
		}
		e->dest_ids = ids;
		e->cap = cap;
	}
	/* back from the trash: same id, its conns and counters with it */
	for (uint32_t i = 0; i < IPVS_DEST_MAX && id < 0; i++) {
		const struct dest_ent *x = &dest_tab[i];

		if (x->state == ENT_TRASH && x->svc_id == sid &&
		    x->conf.addr.in.s_addr == conf.addr.in.s_addr && x->conf.port == conf.port)
			id = (int)i;
	}
	if (id < 0) {
		id = id_alloc(&dest_cursor, IPVS_DEST_MAX, dest_id_free);
		if (id < 0) {
			snprintf(err, errlen, "too many real servers (at most %u)", IPVS_DEST_MAX);
			return -ENOSPC;
		}
		ipvs_stats_reset_dest((uint16_t)id);
	}
	dest_tab[id].state = ENT_LIVE;
	dest_tab[id].svc_id = (uint16_t)sid;
	dest_tab[id].conf = conf;
	e->dest_ids[e->ndests++] = (uint16_t)id;
	e->gen = ++gen_counter;
	return publish();
}

/* Finds the dest of a request; its index in the service's list. */
static int dest_lookup(const struct dpvs_svc *s, const struct dpvs_dest *d, int *sid, char *err,
		       size_t errlen)
{
	struct dpvs_dest probe = *d;
	char ds[32];
	int k;

	*sid = svc_lookup(s, err, errlen);
	if (*sid < 0)
		return *sid;
	if (d->addr.in.s_addr == 0) {
		snprintf(err, errlen, "real server address 0.0.0.0 is not valid");
		return -EINVAL;
	}
	if (!probe.port)
		probe.port = svc_tab[*sid].conf.port;
	k = dest_find(&svc_tab[*sid], &probe);
	if (k < 0) {
		dest_str(&probe, ds, sizeof(ds));
		snprintf(err, errlen, "no such real server %s", ds);
		return -ENOENT;
	}
	return k;
}

int ipvs_dest_edit(const struct dpvs_svc *s, const struct dpvs_dest *d, char *err,
		   size_t errlen)
{
	struct dpvs_dest conf;
	struct svc_ent *e;
	int sid, k, ret;

	k = dest_lookup(s, d, &sid, err, errlen);
	if (k < 0)
		return k;
	e = &svc_tab[sid];
	ret = dest_check(e, d, &conf, err, errlen);
	if (ret < 0)
		return ret;
	dest_tab[e->dest_ids[k]].conf = conf;
	e->gen = ++gen_counter;
	return publish();
}

int ipvs_dest_del(const struct dpvs_svc *s, const struct dpvs_dest *d, char *err, size_t errlen)
{
	struct svc_ent *e;
	int sid, k;

	k = dest_lookup(s, d, &sid, err, errlen);
	if (k < 0)
		return k;
	e = &svc_tab[sid];
	dest_trash(e->dest_ids[k]);
	memmove(&e->dest_ids[k], &e->dest_ids[k + 1],
		sizeof(*e->dest_ids) * (e->ndests - (uint32_t)k - 1));
	e->ndests--;
	e->gen = ++gen_counter;
	return publish();
}

/* ---- timeouts, options ---- */

int ipvs_timeout_set(const struct dpvs_timeouts *t, char *err, size_t errlen)
{
	const uint32_t v[3] = { t->tcp_timeout, t->tcp_fin_timeout, t->udp_timeout };
	const char *names[3] = { "tcp", "tcpfin", "udp" };
	const int slots[3] = { IPVS_TCP_ESTABLISHED, IPVS_TCP_FIN_WAIT, IPVS_UDP_STATE };

	for (int i = 0; i < 3; i++) {
		if (v[i] > IPVS_TIMEOUT_MAX) {
			snprintf(err, errlen, "%s timeout %u out of range (0..%u seconds)",
				 names[i], v[i], IPVS_TIMEOUT_MAX);
			return -EINVAL;
		}
	}
	/* 0 means "leave unchanged", as ipvsadm --set */
	for (int i = 0; i < 3; i++)
		if (v[i])
			timeouts[slots[i]] = v[i];
	return publish();
}

int ipvs_tcp_state_timeouts_set(const struct dpvs_tcp_state_timeouts *t, char *err,
				size_t errlen)
{
	const struct {
		uint32_t v;
		int slot;
		const char *name;
	} s[] = {
		{ t->syn_recv, IPVS_TCP_SYN_RECV, "syn_recv" },
		{ t->time_wait, IPVS_TCP_TIME_WAIT, "time_wait" },
		{ t->close, IPVS_TCP_CLOSE, "close" },
		{ t->close_wait, IPVS_TCP_CLOSE_WAIT, "close_wait" },
		{ t->last_ack, IPVS_TCP_LAST_ACK, "last_ack" },
	};
	bool changed = false;

	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		if (s[i].v > IPVS_TIMEOUT_MAX) {
			snprintf(err, errlen, "tcp %s timeout %u out of range (0..%u seconds)",
				 s[i].name, s[i].v, IPVS_TIMEOUT_MAX);
			return -EINVAL;
		}
	}
	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		if (s[i].v && timeouts[s[i].slot] != s[i].v) {
			timeouts[s[i].slot] = s[i].v;
			changed = true;
		}
	}
	return changed ? publish() : 0;
}

void ipvs_timeout_get(struct dpvs_timeouts *t)
{
	t->tcp_timeout = timeouts[IPVS_TCP_ESTABLISHED];
	t->tcp_fin_timeout = timeouts[IPVS_TCP_FIN_WAIT];
	t->udp_timeout = timeouts[IPVS_UDP_STATE];
}

void ipvs_set_expire_nodest_conn(bool on)
{
	if (expire_nodest != on) {
		expire_nodest = on;
		publish();
	}
}

/* ---- listing and garbage collection ---- */

int ipvs_svc_walk(const struct dpvs_svc *key, ipvs_svc_visit_fn fn, void *arg, char *err,
		  size_t errlen)
{
	struct dpvs_dest *dests = NULL;
	int only = -1, ret = 0;

	if (key) {
		only = svc_lookup(key, err, errlen);
		if (only < 0)
			return only;
	}
	for (int id = 0; id < IPVS_SVC_MAX && ret == 0; id++) {
		const struct svc_ent *e = &svc_tab[id];
		struct dpvs_dest *nd;

		if (e->state != ENT_LIVE || (only >= 0 && id != only))
			continue;
		nd = realloc(dests, sizeof(*dests) * (e->ndests ? e->ndests : 1));
		if (!nd) {
			snprintf(err, errlen, "out of memory");
			ret = -ENOMEM;
			break;
		}
		dests = nd;
		for (uint32_t k = 0; k < e->ndests; k++)
			dests[k] = dest_tab[e->dest_ids[k]].conf;
		ret = fn((uint16_t)id, &e->conf, e->dest_ids, dests, e->ndests, arg);
		if (ret < 0)
			snprintf(err, errlen, "out of memory");
	}
	free(dests);
	return ret;
}

void ipvs_svc_gc(void)
{
	/* a snapshot not yet published may still name trashed ids */
	if (dirty)
		return;
	for (uint32_t id = 0; id < IPVS_DEST_MAX; id++)
		if (dest_tab[id].state == ENT_TRASH && ipvs_dest_conns_live((uint16_t)id) == 0)
			dest_tab[id].state = ENT_FREE;
	/* a trashed service lives as long as one of its trashed dests */
	static bool used[IPVS_SVC_MAX];

	memset(used, 0, sizeof(used));
	for (uint32_t id = 0; id < IPVS_DEST_MAX; id++)
		if (dest_tab[id].state == ENT_TRASH)
			used[dest_tab[id].svc_id] = true;
	for (uint32_t id = 0; id < IPVS_SVC_MAX; id++)
		if (svc_tab[id].state == ENT_TRASH && !used[id])
			svc_tab[id].state = ENT_FREE;
}
