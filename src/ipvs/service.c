/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * service: virtual services and their dests as the control thread keeps
 * them, and the immutable snapshot the workers read.
 *
 * Services and dests live in tables sized at start ([pool] svc_max,
 * dest_max); their index is a stable id that workers key their own state
 * by (scheduler cursors and tables, conn counts, counters), so that state
 * survives every new snapshot. Keys find their entry through a hash (the
 * control thread never scans a table per request), so a restore of
 * 100,000 lines costs 100,000 lookups, not 100,000 table scans.
 *
 * Publication: after each change (or batch of changes) a new snapshot is
 * built, published with one pointer store, and the old one is freed
 * after dp_rcu_synchronize(). A service's snapshot entry (its dests and
 * its scheduler's init_service() data: a Maglev table is 65,537 entries)
 * is built only when that service changed: every other entry, and its
 * data, is carried into the new snapshot as it is. An entry a change
 * replaced (or a removed service's) is retired and freed with the old
 * snapshot, after the grace period; what the new snapshot carries over
 * is never freed with the old one. A publication therefore costs one
 * scheduler build per changed service plus a copy of the service array.
 *
 * Per-worker state: the arrays by service and dest id of each worker
 * (struct ipvs_worker svc/dest) and the per-worker tables of schedulers
 * that have one (lblc, lblcr: sched_state.mem) are allocated here, on
 * the control thread, before the first snapshot that needs them is
 * published; they are never moved while a worker may use them.
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
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "inet/inet.h"
#include "ipvs/ipvs_priv.h"
#include "ipvs/ipvs_sched.h"

enum { ENT_FREE = 0, ENT_LIVE, ENT_TRASH };

#define IPVS_FWD_MASK 0x7 /* forwarding method bits of conn_flags */
#define IPVS_DEFAULT_SCHED "wlc"
#define ID_NONE		   UINT32_MAX

/* A connection names its service and dest by id (struct ipvs_conn):
 * the most ids it can name, keeping the all-ones value free. */
#define CONN_ID_LIMIT(f) ((uint32_t)((1ull << (8 * sizeof(((struct ipvs_conn *)0)->f))) - 1))

/* One version of a service's snapshot entry: what every snapshot shares
 * until the service changes. Retired ones wait for the grace period. */
struct svc_part {
	struct svc_part *next_retired;
	const struct sched_ops *sched;
	void *sched_data;
	uint32_t laddrs[DPVS_LADDR_MAX]; /* the service's LIPs, packed */
	uint8_t laddr_slots[DPVS_LADDR_MAX];
	struct ipvs_snap_dest dests[];
};

/* A scheduler's per-worker table (sched_state.mem points at data). */
struct wmem_blk {
	struct wmem_blk *next_retired;
	uint32_t size;
} __rte_cache_aligned;

struct svc_ent {
	uint8_t state;
	bool stale;	      /* changed since its snapshot entry was built */
	struct dpvs_svc conf; /* key and settings; replies' fields zero */
	const struct sched_ops *sched;
	uint32_t gen;	/* any change: cursors reset */
	uint32_t epoch; /* new service or scheduler: per-worker tables reset */
	uint32_t ndests, cap;
	uint32_t *dest_ids;	   /* live dests, in the order they were added */
	uint32_t ntrash;	   /* its dests in the trash (they keep it alive) */
	uint32_t hnext;		   /* key hash chain */
	struct svc_part *part;	   /* NULL until built */
	struct ipvs_snap_svc snap; /* the entry snapshots copy, over part */
	struct wmem_blk *wmem[DP_MAX_WORKERS];
	/* Full-NAT local addresses by slot (network order, 0: free slot); a
	 * slot keeps its place while the others change, so the workers'
	 * counters by slot stay its own */
	uint32_t nladdrs;
	uint32_t laddrs[DPVS_LADDR_MAX];
	uint64_t laddr_conflicts_base[DPVS_LADDR_MAX]; /* the slot's count when taken */
};

struct dest_ent {
	uint8_t state;
	uint32_t svc_id;
	uint32_t hnext; /* (service, address, port) hash chain */
	struct dpvs_dest conf;
};

/* limits, as set before ipvs_init (or the defaults); 0 in the config
 * ([pool] svc_max/dest_max) asks for them from memory (limits_resolve) */
static uint32_t svc_max = IPVS_SVC_MAX_DEFAULT, dest_max = IPVS_DEST_MAX_DEFAULT;
static uint32_t svc_max_conf = IPVS_SVC_MAX_DEFAULT, dest_max_conf = IPVS_DEST_MAX_DEFAULT;

static struct svc_ent *svc_tab;	  /* svc_max entries */
static struct dest_ent *dest_tab; /* dest_max entries */
static uint32_t *svc_hash_head, *dest_hash_head;
static uint32_t svc_hmask, dest_hmask;
static uint32_t svc_hwm, dest_hwm; /* ids handed out so far */
static uint32_t nsvcs_live, ndests_trash;
/* Ids freed by ipvs_svc_gc(), oldest first: an id is reused as late as
 * possible (never-used ids go first), and handing one out is O(1). */
struct id_fifo {
	uint32_t *ids; /* capacity: the table's size */
	uint32_t head, n, cap;
};
static struct id_fifo svc_free, dest_free;
static uint32_t timeouts[IPVS_STATE_MAX];
static bool expire_nodest;
static bool fnat_toa = true, fnat_uoa = true; /* Full-NAT client address ([ipvs]) */
static bool sloppy_tcp;
static bool laddr_float;
static uint32_t gen_counter, epoch_counter;
static uint32_t version; /* never 0 */
static int batch_depth;
static bool dirty;
static struct svc_part *retired_parts;
static struct wmem_blk *retired_wmem;
/* the per-worker arrays this file attached (it frees them) */
static struct ipvs_svc_wstate *wsvc_mem[DP_MAX_WORKERS];
static struct ipvs_dest_wstate *wdest_mem[DP_MAX_WORKERS];
static struct ipvs_laddr_wstate *wladdr_mem[DP_MAX_WORKERS];

struct ipvs_snap *ipvs_snap_current;

/* Full-NAT LIPs in use, and by how many services (see laddr below) */
struct lip_use {
	uint32_t addr; /* network order */
	uint32_t services;
};
static struct lip_use *lip_uses;
static uint32_t nlip_uses, lip_uses_cap;

/* ---- limits ---- */

int ipvs_set_limits(uint32_t nsvc, uint32_t ndest, char *err, size_t errlen)
{
	int rc = ipvs_check_limits(nsvc, ndest, err, errlen);

	if (rc < 0)
		return rc;
	svc_max = svc_max_conf = nsvc;
	dest_max = dest_max_conf = ndest;
	return 0;
}

/* Hugepage bytes a service id and a dest id hold, over every worker: the
 * per-worker arrays by id (a service's Full-NAT counters by LIP slot
 * included: they come with the first LIP of any service). */
static size_t svc_id_bytes(void)
{
	unsigned n = ipvs_worker_states() ? ipvs_worker_states() : 1;

	return n * (sizeof(struct ipvs_svc_wstate) +
		    DPVS_LADDR_MAX * sizeof(struct ipvs_laddr_wstate));
}

static size_t dest_id_bytes(void)
{
	unsigned n = ipvs_worker_states() ? ipvs_worker_states() : 1;

	return n * sizeof(struct ipvs_dest_wstate);
}

void ipvs_limits_resolve(void)
{
	struct rte_malloc_socket_stats st;
	uint64_t free_bytes = 0, budget, v;

	svc_max = svc_max_conf;
	dest_max = dest_max_conf;
	if (svc_max && dest_max)
		return;
	for (unsigned s = 0; s < rte_socket_count(); s++)
		if (rte_malloc_get_socket_stats(rte_socket_id_by_idx(s), &st) == 0)
			free_bytes += st.heap_freesz_bytes;
	/* Half of what the pools and conn tables left ([eal] memory) goes
	 * to the arrays by id, a quarter of it to services and the rest to
	 * real servers (services mostly have several); the other half stays
	 * for what services allocate as they come (scheduler tables). Never
	 * below the old fixed defaults. */
	budget = free_bytes / 2;
	if (!svc_max) {
		v = budget / 4 / svc_id_bytes();
		svc_max = (uint32_t)RTE_MIN(RTE_MAX(v, (uint64_t)IPVS_SVC_MAX_DEFAULT),
					    (uint64_t)CONN_ID_LIMIT(svc_id));
	}
	if (!dest_max) {
		v = budget * 3 / 4 / dest_id_bytes();
		dest_max = (uint32_t)RTE_MIN(RTE_MAX(v, (uint64_t)IPVS_DEST_MAX_DEFAULT),
					     (uint64_t)CONN_ID_LIMIT(dest_id));
	}
}

void ipvs_limits_get(struct dpvs_ipvs_limits *l)
{
	memset(l, 0, sizeof(*l));
	l->svc_max = svc_max;
	l->dest_max = dest_max;
	l->svcs = svc_hwm - svc_free.n;
	l->dests = dest_hwm - dest_free.n;
	l->svc_bytes = (uint32_t)svc_id_bytes();
	l->dest_bytes = (uint32_t)dest_id_bytes();
	l->from_memory = (svc_max_conf ? 0 : DPVS_LIMITS_F_SVC_MEM) |
			 (dest_max_conf ? 0 : DPVS_LIMITS_F_DEST_MEM);
}

int ipvs_check_limits(uint32_t nsvc, uint32_t ndest, char *err, size_t errlen)
{
	/* 0: from memory */
	if (nsvc > CONN_ID_LIMIT(svc_id)) {
		snprintf(err, errlen,
			 "[pool] svc_max %u out of range (0..%u: a connection names its service "
			 "in %zu bits)",
			 nsvc, CONN_ID_LIMIT(svc_id), 8 * sizeof(((struct ipvs_conn *)0)->svc_id));
		return -EINVAL;
	}
	if (ndest > CONN_ID_LIMIT(dest_id)) {
		snprintf(err, errlen,
			 "[pool] dest_max %u out of range (0..%u: a connection names its real "
			 "server in %zu bits)",
			 ndest, CONN_ID_LIMIT(dest_id),
			 8 * sizeof(((struct ipvs_conn *)0)->dest_id));
		return -EINVAL;
	}
	return 0;
}

uint32_t ipvs_svc_max(void)
{
	return svc_max;
}

uint32_t ipvs_dest_max(void)
{
	return dest_max;
}

uint32_t ipvs_svc_ids(void)
{
	return svc_hwm;
}

uint32_t ipvs_dest_ids(void)
{
	return dest_hwm;
}

uint32_t ipvs_svc_version(void)
{
	return version;
}

/* Every change to services or dests (listings by pages compare it). */
static void changed(void)
{
	if (++version == 0)
		version = 1;
}

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

/* The snapshot's arrays by dest id as the tables are now, kept at each
 * change: a publication copies them instead of walking every dest entry
 * (at 60,000 dests that walk was half of one publication). */
static uint8_t *alive_now;                  /* dest_max entries */
static struct ipvs_snap_thresh *thresh_now; /* dest_max entries */
static struct ipvs_snap_tun *tun_now;       /* dest_max entries */

static void dest_snap_set(uint32_t id)
{
	const struct dest_ent *d = &dest_tab[id];

	/* an IPv6 dest is in no snapshot service (not forwarded yet) */
	alive_now[id] = d->state == ENT_LIVE && d->conf.af != AF_INET6;
	/* a removed dest's conns go on being forwarded: its tunnel stays */
	tun_now[id] = (struct ipvs_snap_tun){
	    .type = d->conf.tun_type,
	    .flags = d->conf.tun_flags,
	    .port = d->conf.tun_port,
	};
	thresh_now[id] = (struct ipvs_snap_thresh){ 0 };
	if (alive_now[id])
		thresh_now[id] = (struct ipvs_snap_thresh){
		    .upper = thresh_share(d->conf.u_threshold),
		    .lower = thresh_share(d->conf.l_threshold),
		};
}

static void part_free(struct svc_part *p)
{
	if (p->sched && p->sched->free_service && p->sched_data)
		p->sched->free_service(p->sched_data);
	free(p);
}

/* The service's entry leaves the snapshots to come; the published one may
 * still use it until the next grace period. */
static void part_retire(struct svc_ent *e)
{
	if (!e->part)
		return;
	e->part->next_retired = retired_parts;
	retired_parts = e->part;
	e->part = NULL;
}

static void retired_free(void)
{
	while (retired_parts) {
		struct svc_part *p = retired_parts;

		retired_parts = p->next_retired;
		part_free(p);
	}
	while (retired_wmem) {
		struct wmem_blk *b = retired_wmem;

		retired_wmem = b->next_retired;
		rte_free(b);
	}
}

static void snap_free(struct ipvs_snap *s)
{
	if (!s)
		return;
	/* the services' dests and scheduler data belong to their parts */
	free(s->svcs);
	free(s->htab);
	free(s->fwm_rules);
	free(s->fwm_svcs);
	free((void *)(uintptr_t)s->dest_alive);
	free((void *)(uintptr_t)s->thresh);
	free((void *)(uintptr_t)s->tun);
	free(s->dest_keys);
	free(s->vips);
	free(s);
}

static int worker_socket(unsigned index)
{
	struct worker *w = worker_get(index);

	return w ? (int)rte_lcore_to_socket_id(w->lcore_id) : SOCKET_ID_ANY;
}

/* Each worker's arrays by service and dest id, once (zeroed: a new id's
 * counters start at 0). */
static int wstate_attach(void)
{
	for (unsigned i = 0; i < ipvs_worker_states() && i < DP_MAX_WORKERS; i++) {
		struct ipvs_worker *iw = ipvs_worker_state(i);
		struct ipvs_svc_wstate *sv;
		struct ipvs_dest_wstate *dv;

		if (iw->svc && iw->dest)
			continue;
		sv = rte_zmalloc_socket("ipvs_svc_wstate", sizeof(*sv) * svc_max,
					RTE_CACHE_LINE_SIZE, worker_socket(i));
		dv = rte_zmalloc_socket("ipvs_dest_wstate", sizeof(*dv) * dest_max,
					RTE_CACHE_LINE_SIZE, worker_socket(i));
		if (!sv || !dv) {
			rte_free(sv);
			rte_free(dv);
			return -ENOMEM;
		}
		wsvc_mem[i] = sv;
		wdest_mem[i] = dv;
		__atomic_store_n(&iw->svc, sv, __ATOMIC_RELEASE);
		__atomic_store_n(&iw->dest, dv, __ATOMIC_RELEASE);
	}
	return 0;
}

static inline void *wmem_data(struct wmem_blk *b)
{
	return b ? (void *)(b + 1) : NULL;
}

/* Each worker's table for the service's scheduler, at least its
 * wstate_size, before a snapshot with that scheduler is published. A
 * table too small for a new scheduler is replaced by a larger zeroed one;
 * a worker still on the old snapshot may then write the new one as its
 * old scheduler (it fits, and the epoch check zeroes it for the new), and
 * the old table is freed after the grace period. */
static int svc_wmem(uint32_t id, struct svc_ent *e)
{
	uint32_t need = e->sched->wstate_size;

	for (unsigned i = 0; need && i < ipvs_worker_states() && i < DP_MAX_WORKERS; i++) {
		struct ipvs_worker *iw = ipvs_worker_state(i);
		struct wmem_blk *b;

		if (e->wmem[i] && e->wmem[i]->size >= need)
			continue;
		b = rte_zmalloc_socket("ipvs_sched_wmem", sizeof(*b) + need, RTE_CACHE_LINE_SIZE,
				       worker_socket(i));
		if (!b)
			return -ENOMEM;
		b->size = need;
		__atomic_store_n(&iw->svc[id].sched.mem, wmem_data(b), __ATOMIC_RELEASE);
		if (e->wmem[i]) {
			e->wmem[i]->next_retired = retired_wmem;
			retired_wmem = e->wmem[i];
		}
		e->wmem[i] = b;
	}
	return 0;
}

/* Frees the service's tables: only when no snapshot has the service. */
static void svc_wmem_free(uint32_t id, struct svc_ent *e)
{
	for (unsigned i = 0; i < DP_MAX_WORKERS; i++) {
		struct ipvs_worker *iw = ipvs_worker_state(i);

		if (!e->wmem[i])
			continue;
		if (iw && iw->svc)
			__atomic_store_n(&iw->svc[id].sched.mem, NULL, __ATOMIC_RELEASE);
		rte_free(e->wmem[i]);
		e->wmem[i] = NULL;
	}
}

/* Builds the snapshot entry of a service that changed: its dests and its
 * scheduler's data; the entry it replaces is retired. */
static int svc_part_build(uint32_t id, struct svc_ent *e)
{
	size_t n = e->ndests ? e->ndests : 1;
	struct svc_part *p = calloc(1, sizeof(*p) + sizeof(p->dests[0]) * n);
	struct ipvs_snap_svc svc = {
	    .id = id,
	    .proto = (uint8_t)e->conf.protocol,
	    .vaddr = e->conf.addr.in.s_addr,
	    .vport = e->conf.port,
	    .fwmark = e->conf.fwmark,
	    .flags = e->conf.flags,
	    .gen = e->gen,
	    .sched_epoch = e->epoch,
	    .timeout = e->conf.timeout,
	    .netmask = e->conf.netmask,
	    .pe = strcmp(e->conf.pe_name, "sip") == 0 ? IPVS_PE_SIP : IPVS_PE_NONE,
	    .next = -1,
	    .sched = e->sched,
	    .ndests = e->ndests,
	};

	if (!p)
		return -ENOMEM;
	svc.nladdrs = 0;
	for (uint8_t k = 0; k < DPVS_LADDR_MAX; k++) {
		if (!e->laddrs[k])
			continue;
		p->laddrs[svc.nladdrs] = e->laddrs[k];
		p->laddr_slots[svc.nladdrs++] = k;
	}
	svc.laddrs = p->laddrs;
	svc.laddr_slots = p->laddr_slots;
	for (uint32_t k = 0; k < e->ndests; k++) {
		const struct dest_ent *d = &dest_tab[e->dest_ids[k]];

		p->dests[k] = (struct ipvs_snap_dest){
		    .addr = d->conf.addr.in.s_addr,
		    .port = d->conf.port,
		    .id = e->dest_ids[k],
		    .weight = d->conf.weight,
		    .fwd = (uint8_t)(d->conf.conn_flags & IPVS_FWD_MASK),
		};
	}
	svc.dests = p->dests;
	if (svc_wmem(id, e) < 0 ||
	    (e->sched->init_service && e->sched->init_service(&svc, &p->sched_data) < 0)) {
		free(p);
		return -ENOMEM;
	}
	p->sched = e->sched;
	svc.sched_data = p->sched_data;
	part_retire(e);
	e->part = p;
	e->snap = svc;
	e->stale = false;
	return 0;
}

/*
 * The dests' stray keys (stray.c), sorted, as the next snapshot needs
 * them. Sorting every key for every publication costs O(n log n) (10 ms
 * at 100,000 dests); instead the keys added and removed since the last
 * build are noted and merged in, O(n) plus the changes. Many changes at
 * once (a restore) make a full rebuild cheaper.
 */
static struct {
	uint64_t *keys; /* sorted, as of the last build */
	uint32_t n, cap;
	uint64_t *add, *del; /* since then */
	uint32_t nadd, ndel, capadd, capdel;
	bool full; /* rebuild them all */
} skeys;

static uint64_t dest_skey(const struct svc_ent *e, const struct dest_ent *d)
{
	return ipvs_snap_dest_key(e->conf.fwmark ? 0 : (uint8_t)e->conf.protocol,
				  d->conf.addr.in.s_addr, d->conf.port);
}

static void skey_note(uint64_t **v, uint32_t *n, uint32_t *cap, uint64_t key)
{
	if (skeys.full)
		return;
	if (*n == *cap) {
		uint32_t c = *cap ? 2 * *cap : 256;
		uint64_t *nv = c <= skeys.n / 8 + 4096 ? realloc(*v, sizeof(*nv) * c) : NULL;

		if (!nv) { /* many changes, or no memory to note them */
			skeys.full = true;
			return;
		}
		*v = nv;
		*cap = c;
	}
	(*v)[(*n)++] = key;
}

static void skey_add(const struct svc_ent *e, const struct dest_ent *d)
{
	if (e->conf.af == AF_INET6) /* not forwarded: no replies to expect */
		return;
	skey_note(&skeys.add, &skeys.nadd, &skeys.capadd, dest_skey(e, d));
}

static void skey_del(const struct svc_ent *e, const struct dest_ent *d)
{
	if (e->conf.af == AF_INET6)
		return;
	skey_note(&skeys.del, &skeys.ndel, &skeys.capdel, dest_skey(e, d));
}

static int key_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The keys of the live dests, brought up to date. 0 or -ENOMEM (then
 * nothing changed: the next publication tries again). */
static int skeys_update(void)
{
	uint32_t n = 0;
	uint64_t *k;

	if (!skeys.full && !skeys.nadd && !skeys.ndel)
		return 0;
	if (skeys.full) {
		for (uint32_t id = 0; id < svc_hwm; id++)
			n += svc_tab[id].state == ENT_LIVE ? svc_tab[id].ndests : 0;
		k = malloc(sizeof(*k) * (n ? n : 1));
		if (!k)
			return -ENOMEM;
		n = 0;
		for (uint32_t id = 0; id < svc_hwm; id++) {
			const struct svc_ent *e = &svc_tab[id];

			for (uint32_t j = 0; e->state == ENT_LIVE && e->conf.af != AF_INET6 &&
					     j < e->ndests;
			     j++)
				k[n++] = dest_skey(e, &dest_tab[e->dest_ids[j]]);
		}
		qsort(k, n, sizeof(*k), key_cmp);
	} else {
		uint32_t i = 0, a = 0, d = 0;

		k = malloc(sizeof(*k) * (skeys.n + skeys.nadd + 1));
		if (!k)
			return -ENOMEM;
		/* empty lists may be NULL, which qsort must not get */
		if (skeys.nadd)
			qsort(skeys.add, skeys.nadd, sizeof(*k), key_cmp);
		if (skeys.ndel)
			qsort(skeys.del, skeys.ndel, sizeof(*k), key_cmp);
		/* keys + added - removed: one removal per noted key (a key is
		 * there as often as dests have it) */
		while (i < skeys.n || a < skeys.nadd) {
			uint64_t x = a == skeys.nadd || (i < skeys.n && skeys.keys[i] <= skeys.add[a])
					 ? skeys.keys[i++]
					 : skeys.add[a++];

			while (d < skeys.ndel && skeys.del[d] < x)
				d++;
			if (d < skeys.ndel && skeys.del[d] == x) {
				d++;
				continue;
			}
			k[n++] = x;
		}
	}
	free(skeys.keys);
	skeys.keys = k;
	skeys.n = n;
	skeys.nadd = skeys.ndel = 0;
	skeys.full = false;
	return 0;
}

static void skeys_free(void)
{
	free(skeys.keys);
	free(skeys.add);
	free(skeys.del);
	memset(&skeys, 0, sizeof(skeys));
	skeys.full = true;
}

static int u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Services added or removed: the VIP set is rebuilt only then, and copied
 * from the published snapshot otherwise (a dest change costs no sort). */
static uint32_t svc_set_gen;

/* The snapshot's VIP set (ipvs_is_vip), from its services. */
static int vips_build(struct ipvs_snap *s)
{
	const struct ipvs_snap *old = ipvs_snap_current;
	uint32_t n = 0;

	s->vips_gen = svc_set_gen;
	s->vips = malloc(sizeof(*s->vips) * (s->nsvcs ? s->nsvcs : 1));
	if (!s->vips)
		return -ENOMEM;
	if (old && old->vips && old->vips_gen == svc_set_gen && old->nvips <= s->nsvcs) {
		memcpy(s->vip_filter, old->vip_filter, sizeof(s->vip_filter));
		memcpy(s->vips, old->vips, sizeof(*s->vips) * old->nvips);
		s->nvips = old->nvips;
		return 0;
	}
	memset(s->vip_filter, 0, sizeof(s->vip_filter));
	for (uint32_t i = 0; i < s->nsvcs; i++) {
		const struct ipvs_snap_svc *svc = &s->svcs[i];
		unsigned bit;

		if (svc->fwmark)
			continue;
		bit = ipvs_vip_filter_bit(svc->vaddr);
		s->vip_filter[bit / 64] |= 1ull << (bit % 64);
		s->vips[n++] = rte_be_to_cpu_32(svc->vaddr);
	}
	qsort(s->vips, n, sizeof(*s->vips), u32_cmp);
	s->nvips = 0;
	for (uint32_t i = 0; i < n; i++)
		if (i == 0 || s->vips[i] != s->vips[i - 1])
			s->vips[s->nvips++] = s->vips[i];
	return 0;
}

static struct ipvs_snap *snap_build(void)
{
	struct ipvs_snap *s = calloc(1, sizeof(*s));
	uint32_t n = nsvcs_live, buckets = 16, nd = dest_hwm ? dest_hwm : 1;
	struct ipvs_snap_thresh *thresh;
	struct ipvs_snap_tun *tun;
	uint8_t *alive;

	if (!s)
		return NULL;
	while (buckets < 2 * n)
		buckets <<= 1;
	s->svcs = calloc(n ? n : 1, sizeof(*s->svcs));
	s->htab = malloc(sizeof(*s->htab) * buckets);
	s->fwm_svcs = calloc(n ? n : 1, sizeof(*s->fwm_svcs));
	alive = malloc(sizeof(*alive) * nd);
	thresh = malloc(sizeof(*thresh) * nd);
	tun = malloc(sizeof(*tun) * nd);
	s->dest_alive = alive;
	s->thresh = thresh;
	s->tun = tun;
	if (!s->svcs || !s->htab || !s->fwm_svcs || !alive || !thresh || !tun ||
	    ipvs_fwmark_snap(s) < 0)
		goto fail;
	s->hmask = buckets - 1;
	for (uint32_t b = 0; b < buckets; b++)
		s->htab[b] = -1;
	memcpy(s->timeout, timeouts, sizeof(s->timeout));
	s->expire_nodest_conn = expire_nodest;
	s->fnat_toa = fnat_toa;
	s->fnat_uoa = fnat_uoa;
	s->sloppy_tcp = sloppy_tcp;
	s->laddr_float = laddr_float;
	s->ndest_ids = dest_hwm;
	if (dest_hwm) {
		memcpy(alive, alive_now, sizeof(*alive) * dest_hwm);
		memcpy(thresh, thresh_now, sizeof(*thresh) * dest_hwm);
		memcpy(tun, tun_now, sizeof(*tun) * dest_hwm);
	}

	for (uint32_t id = 0; id < svc_hwm && s->nsvcs < n; id++) {
		struct svc_ent *e = &svc_tab[id];
		struct ipvs_snap_svc *svc;

		/* IPv6 services are configuration only until the data path
		 * forwards IPv6 (eth.c drops IPv6 frames as ipv6-unsupported):
		 * a packet can never match one */
		if (e->state != ENT_LIVE || e->conf.af == AF_INET6)
			continue;
		/* only what changed is built again */
		if ((e->stale || !e->part) && svc_part_build(id, e) < 0)
			goto fail;
		svc = &s->svcs[s->nsvcs++];
		*svc = e->snap;
		svc->next = -1;
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
	if (vips_build(s) < 0)
		goto fail;
	if (skeys_update() < 0)
		goto fail;
	s->dest_keys = malloc(sizeof(*s->dest_keys) * (skeys.n ? skeys.n : 1));
	if (!s->dest_keys)
		goto fail;
	memcpy(s->dest_keys, skeys.keys, sizeof(*s->dest_keys) * skeys.n);
	s->ndest_keys = skeys.n;
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
	if (wstate_attach() < 0)
		return -ENOMEM; /* stays dirty: the next change retries */
	s = snap_build();
	if (!s)
		return -ENOMEM;
	old = ipvs_snap_current;
	__atomic_store_n(&ipvs_snap_current, s, __ATOMIC_RELEASE);
	dp_rcu_synchronize();
	/* no worker holds the old snapshot, nor what only it named */
	snap_free(old);
	retired_free();
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

int ipvs_batch_end(void)
{
	if (batch_depth > 0 && --batch_depth == 0 && dirty)
		return publish();
	return 0;
}

static void laddrs_release(struct svc_ent *e);

static void tables_free(void)
{
	for (uint32_t id = 0; svc_tab && id < svc_hwm; id++) {
		struct svc_ent *e = &svc_tab[id];

		laddrs_release(e); /* inet's flags go with them */
		free(e->dest_ids);
		if (e->part)
			part_free(e->part);
		for (unsigned i = 0; i < DP_MAX_WORKERS; i++)
			rte_free(e->wmem[i]);
	}
	free(svc_tab);
	free(dest_tab);
	free(svc_hash_head);
	free(dest_hash_head);
	free(svc_free.ids);
	free(dest_free.ids);
	free(alive_now);
	free(thresh_now);
	free(tun_now);
	free(lip_uses);
	lip_uses = NULL;
	nlip_uses = lip_uses_cap = 0;
	alive_now = NULL;
	thresh_now = NULL;
	tun_now = NULL;
	memset(&svc_free, 0, sizeof(svc_free));
	memset(&dest_free, 0, sizeof(dest_free));
	svc_tab = NULL;
	dest_tab = NULL;
	svc_hash_head = dest_hash_head = NULL;
	svc_hwm = dest_hwm = 0;
	nsvcs_live = ndests_trash = 0;
	skeys_free();
	for (unsigned i = 0; i < DP_MAX_WORKERS; i++) {
		rte_free(wsvc_mem[i]);
		rte_free(wdest_mem[i]);
		rte_free(wladdr_mem[i]);
		wsvc_mem[i] = NULL;
		wdest_mem[i] = NULL;
		wladdr_mem[i] = NULL;
	}
}

static uint32_t *hash_heads(uint32_t entries, uint32_t *mask)
{
	uint32_t n = 16, *h;

	while (n < entries)
		n <<= 1;
	h = malloc(sizeof(*h) * n);
	for (uint32_t i = 0; h && i < n; i++)
		h[i] = ID_NONE;
	*mask = n - 1;
	return h;
}

void ipvs_svc_init(void)
{
	tables_free();
	svc_tab = calloc(svc_max, sizeof(*svc_tab));
	dest_tab = calloc(dest_max, sizeof(*dest_tab));
	svc_hash_head = hash_heads(svc_max, &svc_hmask);
	dest_hash_head = hash_heads(dest_max, &dest_hmask);
	svc_free = (struct id_fifo){.ids = malloc(sizeof(uint32_t) * svc_max), .cap = svc_max};
	dest_free = (struct id_fifo){.ids = malloc(sizeof(uint32_t) * dest_max), .cap = dest_max};
	alive_now = calloc(dest_max, sizeof(*alive_now));
	thresh_now = calloc(dest_max, sizeof(*thresh_now));
	tun_now = calloc(dest_max, sizeof(*tun_now));
	if (!svc_tab || !dest_tab || !svc_hash_head || !dest_hash_head || !svc_free.ids ||
	    !dest_free.ids || !alive_now || !thresh_now || !tun_now)
		tables_free(); /* every request then says "no memory" */
	ipvs_fwmark_init();
	ipvs_default_timeouts(timeouts);
	expire_nodest = false;
	fnat_toa = fnat_uoa = true;
	sloppy_tcp = false;
	laddr_float = false;
	inet_set_lip_float(false);
	batch_depth = 0;
	version = 1;
	publish();
}

void ipvs_svc_fini(void)
{
	snap_free(ipvs_snap_current);
	ipvs_snap_current = NULL;
	retired_free();
	tables_free();
	ipvs_stats_fini();
	dirty = false;
}

/* ---- keys and validation ---- */

/* "1.2.3.4:80" or "[2001:db8::1]:80", as ipvsadm writes them. */
static void addrport_str(uint16_t af, const union inet_addr *a, uint16_t port, char *buf,
			 size_t len)
{
	char t[INET6_ADDRSTRLEN];

	inet_ntop(af == AF_INET6 ? AF_INET6 : AF_INET, a, t, sizeof(t));
	snprintf(buf, len, af == AF_INET6 ? "[%s]:%u" : "%s:%u", t, ntohs(port));
}

void ipvs_svc_key_str(const struct dpvs_svc *s, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN + 8];

	if (s->fwmark) {
		snprintf(buf, len, "FWM %u%s", s->fwmark, s->af == AF_INET6 ? " IPv6" : "");
		return;
	}
	addrport_str(s->af, &s->addr, s->port, a, sizeof(a));
	snprintf(buf, len, "%s %s",
		 s->protocol == IPPROTO_TCP    ? "TCP"
		 : s->protocol == IPPROTO_UDP  ? "UDP"
		 : s->protocol == IPPROTO_SCTP ? "SCTP"
					       : "?",
		 a);
}

/* An address of either family as a key: an IPv4 one in the first word,
 * the other twelve bytes zero, so that keys compare and hash as 16 bytes
 * whatever a request left there. */
static void addr_key(uint16_t af, const union inet_addr *in, union inet_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (af == AF_INET6)
		out->in6 = in->in6;
	else
		out->in.s_addr = in->in.s_addr;
}

static bool addr_zero(const union inet_addr *a)
{
	return !(a->be32[0] | a->be32[1] | a->be32[2] | a->be32[3]);
}

/* word by word: a union inet_addr is only 4-byte aligned (rte_hash_crc
 * would load it 8 bytes at a time) */
static uint32_t addr_hash(const union inet_addr *a, uint32_t init)
{
	for (unsigned i = 0; i < 4; i++)
		init = rte_hash_crc_4byte(a->be32[i], init);
	return init;
}

/* Checks the key fields of s and writes the normalized key into *key. */
static int svc_key(const struct dpvs_svc *s, struct dpvs_svc *key, char *err, size_t errlen)
{
	memset(key, 0, sizeof(*key));
	/* IPv6 services are kept, listed and saved as LVS does; the data
	 * path does not forward IPv6 yet (snap_build leaves them out) */
	if (s->af != AF_INET && s->af != AF_INET6) {
		snprintf(err, errlen, "address family %u not supported (IPv4 or IPv6)", s->af);
		return -EAFNOSUPPORT;
	}
	key->af = s->af;
	if (s->fwmark) {
		key->fwmark = s->fwmark;
		return 0;
	}
	if (s->protocol != IPPROTO_TCP && s->protocol != IPPROTO_UDP &&
	    s->protocol != IPPROTO_SCTP) {
		snprintf(err, errlen, "protocol %u not supported (TCP, UDP or SCTP, or a fwmark)",
			 s->protocol);
		return -EPROTONOSUPPORT;
	}
	addr_key(s->af, &s->addr, &key->addr);
	if (addr_zero(&key->addr)) {
		snprintf(err, errlen, "service address %s is not valid",
			 s->af == AF_INET6 ? "::" : "0.0.0.0");
		return -EINVAL;
	}
	key->protocol = s->protocol;
	key->port = s->port;
	return 0;
}

static bool svc_key_eq(const struct dpvs_svc *a, const struct dpvs_svc *b)
{
	/* the family is part of the key: a v4 and a v6 service may share
	 * a port, and -f 1 and -f 1 -6 are two services, as in LVS */
	if (a->fwmark || b->fwmark)
		return a->fwmark == b->fwmark && a->af == b->af;
	return a->af == b->af && a->protocol == b->protocol &&
	       memcmp(&a->addr, &b->addr, sizeof(a->addr)) == 0 && a->port == b->port;
}

static uint32_t svc_key_hash(const struct dpvs_svc *k)
{
	if (k->fwmark)
		return rte_hash_crc_4byte(k->fwmark, 0x46574d00u /* "FWM" */ ^ k->af) & svc_hmask;
	if (k->af == AF_INET6)
		return addr_hash(&k->addr, ((uint32_t)k->protocol << 16) | k->port) & svc_hmask;
	return svc_hash((uint8_t)k->protocol, k->addr.in.s_addr, k->port) & svc_hmask;
}

/* The entry of a key, live or in the trash (one key has one entry: a
 * removed service added again comes back from the trash). */
static uint32_t svc_find_any(const struct dpvs_svc *key)
{
	if (!svc_hash_head)
		return ID_NONE;
	for (uint32_t i = svc_hash_head[svc_key_hash(key)]; i != ID_NONE; i = svc_tab[i].hnext)
		if (svc_key_eq(&svc_tab[i].conf, key))
			return i;
	return ID_NONE;
}

static int svc_find(const struct dpvs_svc *key, uint8_t state)
{
	uint32_t id = svc_find_any(key);

	return id != ID_NONE && svc_tab[id].state == state ? (int)id : -1;
}

static void svc_hash_add(uint32_t id)
{
	uint32_t b = svc_key_hash(&svc_tab[id].conf);

	svc_tab[id].hnext = svc_hash_head[b];
	svc_hash_head[b] = id;
}

static void svc_hash_del(uint32_t id)
{
	uint32_t *pp = &svc_hash_head[svc_key_hash(&svc_tab[id].conf)];

	while (*pp != ID_NONE && *pp != id)
		pp = &svc_tab[*pp].hnext;
	if (*pp == id)
		*pp = svc_tab[id].hnext;
}

/* addr: a key (addr_key), so both families hash and compare as 16 bytes */
static uint32_t dest_key_hash(uint32_t svc_id, const union inet_addr *addr, uint16_t port)
{
	return addr_hash(addr, svc_id ^ ((uint32_t)port << 16)) & dest_hmask;
}

/* The dest (service, address, port), live or in the trash. */
static uint32_t dest_find_any(uint32_t svc_id, uint16_t af, const union inet_addr *addr,
			      uint16_t port)
{
	for (uint32_t i = dest_hash_head[dest_key_hash(svc_id, addr, port)]; i != ID_NONE;
	     i = dest_tab[i].hnext) {
		const struct dest_ent *d = &dest_tab[i];

		if (d->svc_id == svc_id && d->conf.af == af &&
		    memcmp(&d->conf.addr, addr, sizeof(*addr)) == 0 && d->conf.port == port)
			return i;
	}
	return ID_NONE;
}

static void dest_hash_add(uint32_t id)
{
	const struct dest_ent *d = &dest_tab[id];
	uint32_t b = dest_key_hash(d->svc_id, &d->conf.addr, d->conf.port);

	dest_tab[id].hnext = dest_hash_head[b];
	dest_hash_head[b] = id;
}

static void dest_hash_del(uint32_t id)
{
	const struct dest_ent *d = &dest_tab[id];
	uint32_t *pp =
	    &dest_hash_head[dest_key_hash(d->svc_id, &d->conf.addr, d->conf.port)];

	while (*pp != ID_NONE && *pp != id)
		pp = &dest_tab[*pp].hnext;
	if (*pp == id)
		*pp = dest_tab[id].hnext;
}

/* Lookup for requests: validates the key, -ESRCH when no such service. */
static int svc_lookup(const struct dpvs_svc *s, char *err, size_t errlen)
{
	struct dpvs_svc key;
	char k[64];
	int ret = svc_key(s, &key, err, errlen);

	if (ret < 0)
		return ret;
	if (!svc_tab) {
		snprintf(err, errlen, "no memory for the service tables");
		return -ENOMEM;
	}
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
	/* LVS's one engine; like LVS, any service may name it, and it
	 * reads only persistent UDP services' datagrams (pe_sip.c) */
	if (s->pe_name[0] && strcmp(s->pe_name, "sip") != 0) {
		snprintf(err, errlen, "persistence engine '%s' not found (available: sip)",
			 s->pe_name);
		return -ENOENT;
	}
	if (s->flags & ~(uint32_t)(DPVS_SVC_F_PERSISTENT | DPVS_SVC_F_HASHED |
				   DPVS_SVC_F_ONEPACKET | DPVS_SVC_F_SCHED1 | DPVS_SVC_F_SCHED2 |
				   DPVS_SVC_F_SCHED3 | DPVS_SVC_F_PP |
				   DPVS_SVC_F_SYNPROXY)) {
		snprintf(err, errlen, "unknown service flags 0x%x", s->flags);
		return -EINVAL;
	}
	if (s->flags & DPVS_SVC_F_PP) {
		int rc = ipvs_pp_check(conf->protocol, s->flags, err, errlen);

		if (rc < 0)
			return rc;
	}
	if (s->flags & DPVS_SVC_F_SYNPROXY) {
		/* the proxy answers TCP handshakes; a proxied conn keeps its
		 * sequence offset where a persistent one keeps its template */
		/* EOPNOTSUPP: ipvsadm shows these words (LVS has no text
		 * for DPVS's switch) */
		if (conf->fwmark || conf->protocol != IPPROTO_TCP) {
			snprintf(err, errlen, "synproxy: only for a TCP service (-t)");
			return -EOPNOTSUPP;
		}
		if (s->flags & DPVS_SVC_F_PERSISTENT) {
			snprintf(err, errlen, "synproxy: not with persistence (-p) yet");
			return -EOPNOTSUPP;
		}
		if (s->flags & DPVS_SVC_F_PP) {
			/* both shift the client's sequence numbers, each by
			 * its own state in the same place (synproxy_conn.c) */
			snprintf(err, errlen, "synproxy: not with --proxy-protocol (both rewrite "
					      "the client's sequence numbers; use TOA)");
			return -EOPNOTSUPP;
		}
	}
	if ((s->flags & DPVS_SVC_F_PERSISTENT) && s->timeout > IPVS_PERSIST_TIMEOUT_MAX) {
		snprintf(err, errlen, "persistence timeout %u out of range (1..%u seconds)",
			 s->timeout, IPVS_PERSIST_TIMEOUT_MAX);
		return -EINVAL;
	}
	if (!conf->fwmark && conf->port == 0 && !(s->flags & DPVS_SVC_F_PERSISTENT)) {
		char k[64];

		ipvs_svc_key_str(conf, k, sizeof(k));
		snprintf(err, errlen, "service %s: port 0 (all ports) needs persistence (-p)", k);
		return -EINVAL;
	}
	snprintf(conf->sched_name, sizeof(conf->sched_name), "%s", (*sched)->name);
	snprintf(conf->pe_name, sizeof(conf->pe_name), "%s", s->pe_name);
	conf->flags = s->flags & ~(uint32_t)DPVS_SVC_F_HASHED;
	conf->timeout = 0;
	/* as LVS: the mask is kept as given; it matters with persistence */
	conf->netmask = s->netmask;
	if (s->flags & DPVS_SVC_F_PERSISTENT)
		conf->timeout = s->timeout ? s->timeout : IPVS_PERSIST_TIMEOUT_DEFAULT;
	return 0;
}

static void fifo_push(struct id_fifo *f, uint32_t id)
{
	if (f->n < f->cap)
		f->ids[(f->head + f->n++) % f->cap] = id;
}

static uint32_t fifo_pop(struct id_fifo *f)
{
	uint32_t id;

	if (!f->n)
		return ID_NONE;
	id = f->ids[f->head];
	f->head = (f->head + 1) % f->cap;
	f->n--;
	return id;
}

/* A free id: a never-used one while there are, then the least recently
 * freed; when none is free, ids of drained trash are reclaimed first.
 * -1 when the table is full. */
static int id_alloc(struct id_fifo *f, uint32_t max, uint32_t *hwm)
{
	uint32_t id;

	if (*hwm < max)
		return (int)(*hwm)++;
	id = fifo_pop(f);
	if (id == ID_NONE && !dirty) {
		ipvs_svc_gc();
		id = fifo_pop(f);
	}
	return id == ID_NONE ? -1 : (int)id;
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
	if (!svc_tab) {
		snprintf(err, errlen, "no memory for the service tables");
		return -ENOMEM;
	}
	if (svc_find(&key, ENT_LIVE) >= 0) {
		ipvs_svc_key_str(&key, k, sizeof(k));
		snprintf(err, errlen, "service %s already exists", k);
		return -EEXIST;
	}
	ret = svc_settings(s, &key, &sched, err, errlen);
	if (ret < 0)
		return ret;
	/* the same service back from the trash keeps its id, so its old
	 * dests (and their conns) can come back too */
	id = svc_find(&key, ENT_TRASH);
	if (id < 0) {
		id = id_alloc(&svc_free, svc_max, &svc_hwm);
		if (id < 0) {
			snprintf(err, errlen, "too many services (at most %u: [pool] svc_max%s)",
				 svc_max, svc_max_conf ? "" : ", sized from [eal] memory");
			return -ENOSPC;
		}
		svc_tab[id].conf = key;
		svc_hash_add((uint32_t)id);
	}
	e = &svc_tab[id];
	e->state = ENT_LIVE;
	svc_set_gen++; /* the VIP set may change (vips_build) */
	e->conf = key;
	e->sched = sched;
	e->gen = ++gen_counter;
	e->epoch = ++epoch_counter; /* its workers' tables start afresh */
	e->ndests = 0;
	e->stale = true;
	nsvcs_live++;
	changed();
	ipvs_stats_reset_svc((uint32_t)id);
	return publish();
}

static int synproxy_check_mode(uint32_t svc_flags, uint32_t fwd, char *err, size_t errlen);

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
	/* turning the proxy on: every real server it has must allow it */
	for (uint32_t i = 0; i < svc_tab[id].ndests; i++) {
		ret = synproxy_check_mode(conf.flags, dest_tab[svc_tab[id].dest_ids[i]].conf.conn_flags &
							      IPVS_FWD_MASK,
					  err, errlen);
		if (ret < 0)
			return ret;
	}
	svc_tab[id].conf = conf;
	/* another scheduler: the workers' tables of the old one mean nothing
	 * to it; the same one keeps its locality */
	if (svc_tab[id].sched != sched)
		svc_tab[id].epoch = ++epoch_counter;
	svc_tab[id].sched = sched;
	svc_tab[id].gen = ++gen_counter;
	svc_tab[id].stale = true;
	changed();
	return publish();
}

/* ---- Full-NAT local addresses ----
 *
 * A LIP may serve several services; inet's DPVS_ADDR_F_LIP flag on it
 * (steering's rule for replies, dpip addr del's refusal) stays while one
 * service has it: lip_uses counts them. Few distinct LIPs exist (each is
 * one of the daemon's addresses), so a linear table is enough.
 */

static struct lip_use *lip_use_find(uint32_t addr)
{
	for (uint32_t i = 0; i < nlip_uses; i++)
		if (lip_uses[i].addr == addr)
			return &lip_uses[i];
	return NULL;
}

/* One more service uses addr (inet flagged it already). */
static int lip_use_get(uint32_t addr)
{
	struct lip_use *u = lip_use_find(addr);

	if (u) {
		u->services++;
		return 0;
	}
	if (nlip_uses == lip_uses_cap) {
		uint32_t cap = lip_uses_cap ? 2 * lip_uses_cap : 16;
		struct lip_use *n = realloc(lip_uses, sizeof(*n) * cap);

		if (!n)
			return -ENOMEM;
		lip_uses = n;
		lip_uses_cap = cap;
	}
	lip_uses[nlip_uses++] = (struct lip_use){ .addr = addr, .services = 1 };
	return 0;
}

/* One service less uses addr: the last one takes inet's flag away. */
static void lip_use_put(uint32_t addr)
{
	struct lip_use *u = lip_use_find(addr);
	char err[128];

	if (!u || --u->services)
		return;
	*u = lip_uses[--nlip_uses];
	/* the address may be gone already (a daemon stopping): nothing to undo */
	(void)inet_addr_set_lip(addr, NULL, false, err, sizeof(err));
}

static void laddrs_release(struct svc_ent *e)
{
	for (uint32_t k = 0; k < DPVS_LADDR_MAX; k++)
		if (e->laddrs[k])
			lip_use_put(e->laddrs[k]);
	memset(e->laddrs, 0, sizeof(e->laddrs));
	e->nladdrs = 0;
}

static int laddr_slot_of(const struct svc_ent *e, uint32_t addr)
{
	for (uint32_t k = 0; k < DPVS_LADDR_MAX; k++)
		if (e->laddrs[k] == addr)
			return (int)k;
	return -1;
}

/* The workers' counters of a slot, summed (control thread: plain loads
 * of counters each worker alone writes). */
static void laddr_sums(uint32_t svc_id, uint32_t slot, int64_t *conns, uint64_t *conflicts)
{
	*conns = 0;
	*conflicts = 0;
	for (unsigned i = 0; i < ipvs_worker_states() && i < DP_MAX_WORKERS; i++) {
		const struct ipvs_laddr_wstate *l = ipvs_worker_state(i)->laddr;

		if (!l)
			continue;
		l += (size_t)svc_id * DPVS_LADDR_MAX + slot;
		*conns += __atomic_load_n(&l->conns, __ATOMIC_RELAXED);
		*conflicts += __atomic_load_n(&l->conflicts, __ATOMIC_RELAXED);
	}
}

void ipvs_laddr_counts(uint32_t svc_id, uint32_t i, uint64_t *conns, uint64_t *conflicts)
{
	const struct svc_ent *e = &svc_tab[svc_id];
	uint32_t slot = 0;
	int64_t c;

	/* the i-th LIP as ipvs_laddr_walk gave them: the i-th used slot */
	for (uint32_t k = 0, seen = 0; k < DPVS_LADDR_MAX; k++)
		if (e->laddrs[k] && seen++ == i)
			slot = k;
	laddr_sums(svc_id, slot, &c, conflicts);
	*conns = c > 0 ? (uint64_t)c : 0;
	*conflicts -= e->laddr_conflicts_base[slot];
}

/* Each worker's counters by (service, slot), with the first LIP of any
 * service (zeroed; never moved while a worker may use them). */
static int laddr_wstate_attach(void)
{
	for (unsigned i = 0; i < ipvs_worker_states() && i < DP_MAX_WORKERS; i++) {
		struct ipvs_worker *iw = ipvs_worker_state(i);
		struct ipvs_laddr_wstate *l;

		if (iw->laddr)
			continue;
		l = rte_zmalloc_socket("ipvs_laddr_wstate",
				       sizeof(*l) * DPVS_LADDR_MAX * (size_t)svc_max,
				       RTE_CACHE_LINE_SIZE, worker_socket(i));
		if (!l)
			return -ENOMEM;
		wladdr_mem[i] = l;
		__atomic_store_n(&iw->laddr, l, __ATOMIC_RELEASE);
	}
	return 0;
}

/* A free slot of e: one no LIP holds and no conn of a removed LIP still
 * counts in (a new LIP there would inherit them). */
static int laddr_free_slot(uint32_t svc_id, const struct svc_ent *e)
{
	for (uint32_t k = 0; k < DPVS_LADDR_MAX; k++) {
		int64_t conns;
		uint64_t conflicts;

		if (e->laddrs[k])
			continue;
		laddr_sums(svc_id, k, &conns, &conflicts);
		if (conns <= 0)
			return (int)k;
	}
	return -1;
}

/* The request's service id and LIP, checked. */
static int laddr_req(const struct dpvs_laddr_req *q, uint32_t *addr, char *err, size_t errlen)
{
	int id = svc_lookup(&q->svc, err, errlen);

	if (id < 0)
		return id;
	if (svc_tab[id].conf.af == AF_INET6) {
		snprintf(err, errlen, "Full-NAT local addresses of IPv6 services are not supported "
			 "by dpvs (no IPv6 forwarding yet)");
		return -EOPNOTSUPP;
	}
	if (q->af != AF_INET && q->af != 0) {
		snprintf(err, errlen, "local address family %u not supported (only IPv4)", q->af);
		return -EAFNOSUPPORT;
	}
	if (!memchr(q->ifname, '\0', sizeof(q->ifname))) {
		snprintf(err, errlen, "local address's port name not NUL-terminated");
		return -EINVAL;
	}
	*addr = q->addr.in.s_addr;
	if (*addr == 0) {
		snprintf(err, errlen, "local address 0.0.0.0 is not valid");
		return -EINVAL;
	}
	return id;
}

int ipvs_laddr_add(const struct dpvs_laddr_req *q, char *err, size_t errlen)
{
	char a[INET_ADDRSTRLEN], k[64];
	uint32_t addr;
	int id = laddr_req(q, &addr, err, errlen);
	struct svc_ent *e;
	int64_t conns;
	int ret, slot;

	if (id < 0)
		return id;
	e = &svc_tab[id];
	inet_ntop(AF_INET, &addr, a, sizeof(a));
	ipvs_svc_key_str(&e->conf, k, sizeof(k));
	if (laddr_slot_of(e, addr) >= 0) {
		snprintf(err, errlen, "local address %s already on service %s", a, k);
		return -EEXIST;
	}
	if (addr == e->conf.addr.in.s_addr) {
		snprintf(err, errlen, "local address %s is the service's VIP: a real server's "
			 "replies to it could not be told from clients' packets", a);
		return -EINVAL;
	}
	slot = laddr_free_slot((uint32_t)id, e);
	if (slot < 0) {
		snprintf(err, errlen, "service %s has no room for local address %s: %u local "
			 "addresses at most (those removed count until their conns are gone)",
			 k, a, DPVS_LADDR_MAX);
		return -ENOSPC;
	}
	if (laddr_wstate_attach() < 0) {
		snprintf(err, errlen, "out of memory for the workers' local address counters");
		return -ENOMEM;
	}
	ret = inet_addr_set_lip(addr, q->ifname, true, err, errlen);
	if (ret < 0)
		return ret;
	if (lip_use_get(addr) < 0) {
		if (!lip_use_find(addr)) /* no other service: take the flag back */
			(void)inet_addr_set_lip(addr, NULL, false, err, errlen);
		snprintf(err, errlen, "out of memory adding local address %s", a);
		return -ENOMEM;
	}
	e->laddrs[slot] = addr;
	laddr_sums((uint32_t)id, (uint32_t)slot, &conns, &e->laddr_conflicts_base[slot]);
	e->nladdrs++;
	e->stale = true;
	changed();
	return publish();
}

int ipvs_laddr_del(const struct dpvs_laddr_req *q, char *err, size_t errlen)
{
	char a[INET_ADDRSTRLEN], k[64];
	uint32_t addr;
	int id = laddr_req(q, &addr, err, errlen);
	struct svc_ent *e;
	int slot;

	if (id < 0)
		return id;
	e = &svc_tab[id];
	slot = laddr_slot_of(e, addr);
	if (slot < 0) {
		inet_ntop(AF_INET, &addr, a, sizeof(a));
		ipvs_svc_key_str(&e->conf, k, sizeof(k));
		snprintf(err, errlen, "local address %s is not on service %s", a, k);
		return -ENOENT;
	}
	/* its conns go on (they carry their addresses); no new one takes it */
	e->laddrs[slot] = 0;
	e->nladdrs--;
	lip_use_put(addr);
	e->stale = true;
	changed();
	return publish();
}

int ipvs_laddr_walk(const struct dpvs_svc *key, ipvs_laddr_visit_fn fn, void *arg, char *err,
		    size_t errlen)
{
	int only = -1, ret;

	if (key) {
		only = svc_lookup(key, err, errlen);
		if (only < 0)
			return only;
	}
	for (uint32_t id = 0; svc_tab && id < svc_hwm; id++) {
		const struct svc_ent *e = &svc_tab[id];

		if (e->state != ENT_LIVE || (only >= 0 && id != (uint32_t)only))
			continue;
		uint32_t packed[DPVS_LADDR_MAX], n = 0;

		for (uint32_t k = 0; k < DPVS_LADDR_MAX; k++)
			if (e->laddrs[k])
				packed[n++] = e->laddrs[k];
		ret = fn(id, &e->conf, packed, n, arg);
		if (ret < 0) {
			snprintf(err, errlen, "%s", strerror(-ret));
			return ret;
		}
	}
	return 0;
}

static void dest_trash(uint32_t dest_id)
{
	skey_del(&svc_tab[dest_tab[dest_id].svc_id], &dest_tab[dest_id]);
	dest_tab[dest_id].state = ENT_TRASH;
	dest_snap_set(dest_id);
	svc_tab[dest_tab[dest_id].svc_id].ntrash++;
	ndests_trash++;
}

static void svc_remove(int id)
{
	struct svc_ent *e = &svc_tab[id];

	for (uint32_t k = 0; k < e->ndests; k++)
		dest_trash(e->dest_ids[k]);
	e->ndests = 0;
	laddrs_release(e);
	e->state = ENT_TRASH;
	svc_set_gen++;
	/* the published snapshot still has it until the next one */
	part_retire(e);
	nsvcs_live--;
	changed();
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
	for (uint32_t id = 0; svc_tab && id < svc_hwm; id++)
		if (svc_tab[id].state == ENT_LIVE)
			svc_remove((int)id);
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
		return "--fullnat (Full-NAT)";
	case DPVS_FWD_LOCAL:
		return "local";
	default:
		return "unknown";
	}
}

/* What DR and TUN ask of a dest beyond NAT's, into *out (the tunnel
 * fields stay zero for the other modes). live: also what the running
 * stack says (own addresses, on-link): not for a file being validated,
 * whose own addresses count (control/validate.c asks those). */
/* A SYN proxy splices two TCP legs through this box: both must pass it.
 * NAT's do; DR's replies go straight to the client, who would see the
 * real server's sequence numbers, not the cookie's (DPVS refuses it too);
 * Full-NAT's pass us as NAT's (synproxy_conn.c). */
static int synproxy_check_mode(uint32_t svc_flags, uint32_t fwd, char *err, size_t errlen)
{
	if (!(svc_flags & DPVS_SVC_F_SYNPROXY) || fwd == DPVS_FWD_MASQ ||
	    fwd == DPVS_FWD_FULLNAT)
		return 0;
	snprintf(err, errlen, "synproxy: a %s real server's replies bypass the balancer, "
			      "so the proxy cannot splice them (use -m or --fullnat)",
		 fwd_switch(fwd));
	return -EOPNOTSUPP; /* ipvsadm shows these words */
}

static int dest_check_mode(const struct dpvs_dest *d, struct dpvs_dest *out, uint32_t fwd,
			   bool live, char *err, size_t errlen)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(out->af, &out->addr, a, sizeof(a));
	if (live && fwd != DPVS_FWD_MASQ && inet_addr_is_local(d->addr.in.s_addr)) {
		/* it would get its own packets back, for ever */
		snprintf(err, errlen, "real server %s is an address of this balancer: %s needs "
			 "another host", a, fwd_switch(fwd));
		return -ELOOP;
	}
	if (live && fwd == DPVS_FWD_DROUTE && inet_onlink_port(d->addr.in.s_addr) < 0) {
		/* only the MAC changes: the real server must be a neighbour */
		snprintf(err, errlen, "real server %s is not on-link: DR (-g) needs it in a "
			 "connected prefix of a port (dpip addr add ADDR/LEN dev PORT); use -i "
			 "(tunnel) or -m (NAT) to reach it through a router", a);
		return -ENETUNREACH;
	}
	if (fwd != DPVS_FWD_TUNNEL)
		return 0;
	switch (d->tun_type) {
	case DPVS_TUN_IPIP:
		if (d->tun_port || d->tun_flags) {
			snprintf(err, errlen, "tunnel type ipip takes no tunnel port nor checksum "
				 "option (real server %s)", a);
			return -EINVAL;
		}
		break;
	case DPVS_TUN_GUE:
		if (!d->tun_port) {
			snprintf(err, errlen, "tunnel type gue needs a tunnel port (--tun-port, "
				 "real server %s)", a);
			return -EINVAL;
		}
		if (d->tun_flags > DPVS_TUN_F_REMCSUM) {
			snprintf(err, errlen, "tunnel flags 0x%x not valid for gue (real server %s): "
				 "one of --tun-nocsum, --tun-csum, --tun-remcsum", d->tun_flags, a);
			return -EINVAL;
		}
		break;
	case DPVS_TUN_GRE:
		if (d->tun_port || (d->tun_flags & ~DPVS_TUN_F_CSUM)) {
			snprintf(err, errlen, "tunnel type gre takes no tunnel port nor remote "
				 "checksum (real server %s): --tun-csum or --tun-nocsum", a);
			return -EINVAL;
		}
		break;
	default:
		snprintf(err, errlen, "tunnel type %u unknown (real server %s): ipip, gue or gre",
			 d->tun_type, a);
		return -EINVAL;
	}
	out->tun_type = d->tun_type;
	out->tun_flags = d->tun_flags;
	out->tun_port = d->tun_port;
	return 0;
}

/* Checks d for service e and writes the normalized dest into *out
 * (live: against the running stack too, see dest_check_mode). */
static int dest_check(const struct svc_ent *e, const struct dpvs_dest *d, struct dpvs_dest *out,
		      bool live, char *err, size_t errlen)
{
	uint32_t fwd = d->conn_flags & IPVS_FWD_MASK;
	/* af 0: the service's (older requests named no family) */
	uint16_t af = d->af ? d->af : (e->conf.af ? e->conf.af : AF_INET);
	char a[INET6_ADDRSTRLEN];
	int ret;

	if (af != AF_INET && af != AF_INET6) {
		snprintf(err, errlen, "real server address family %u not supported (IPv4 or IPv6)",
			 d->af);
		return -EAFNOSUPPORT;
	}
	memset(out, 0, sizeof(*out));
	out->af = af;
	addr_key(af, &d->addr, &out->addr);
	inet_ntop(af, &out->addr, a, sizeof(a));
	/* as LVS: a real server is one host (EINVAL: ipvsadm prints 1.31's
	 * "address not unicast" text) */
	if (af == AF_INET) {
		uint32_t ha = rte_be_to_cpu_32(out->addr.in.s_addr);

		if (ha == 0 || (ha >> 28) == 0xe || ha == UINT32_MAX) {
			snprintf(err, errlen, "real server address %s is not unicast (%s)", a,
				 ha == 0 ? "zero" : ha == UINT32_MAX ? "broadcast" : "multicast");
			return -EINVAL;
		}
	} else {
		const uint8_t *b = out->addr.b;

		/* the kernel's ipv6_addr_type() test: unicast, not link-local */
		if (addr_zero(&out->addr) || b[0] == 0xff || (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)) {
			snprintf(err, errlen, "real server address %s is not unicast (%s)", a,
				 addr_zero(&out->addr) ? "zero"
				 : b[0] == 0xff	       ? "multicast"
							: "link-local");
			return -EINVAL;
		}
	}
	/* LVS takes a dest of the other family for -i only (ipvsadm checks
	 * that before asking); this daemon has no such tunnel */
	if (af != (e->conf.af ? e->conf.af : AF_INET)) {
		if (fwd != DPVS_FWD_TUNNEL) {
			snprintf(err, errlen, "real server %s: another address family than the "
				 "service's is for tunnels (-i) only", a);
			return -EINVAL;
		}
		snprintf(err, errlen, "real server %s%s%s: tunnels between IPv4 and IPv6 (an %s "
			 "service) are not supported by dpvs", af == AF_INET6 ? "[" : "", a,
			 af == AF_INET6 ? "]" : "", e->conf.af == AF_INET6 ? "IPv6" : "IPv4");
		return -EOPNOTSUPP;
	}
	/* no port: the service's, as ipvsadm does */
	out->port = d->port ? d->port : e->conf.port;
	if (fwd != DPVS_FWD_MASQ && fwd != DPVS_FWD_DROUTE && fwd != DPVS_FWD_TUNNEL &&
	    fwd != DPVS_FWD_FULLNAT) {
		snprintf(err, errlen,
			 "forwarding method %s is not supported; use -m, -g, -i or --fullnat",
			 fwd_switch(fwd));
		return -EOPNOTSUPP;
	}
	if (fwd == DPVS_FWD_FULLNAT && e->conf.protocol == IPPROTO_SCTP) {
		/* an SCTP endpoint lists its addresses inside INIT and
		 * INIT-ACK: Full-NAT would have to rewrite chunks, not
		 * headers (LVS has no Full-NAT; DPVS none for SCTP) */
		snprintf(err, errlen,
			 "Full-NAT does not forward SCTP (its INIT chunks carry the "
			 "endpoints' addresses); use -m, -g or -i");
		return -EOPNOTSUPP;
	}
	ret = synproxy_check_mode(e->conf.flags, fwd, err, errlen);
	if (ret < 0)
		return ret;
	/* the running stack is IPv4: an IPv6 dest (of a service the data
	 * path does not forward yet) gets the checks of the request only */
	ret = dest_check_mode(d, out, fwd, live && af == AF_INET, err, errlen);
	if (ret < 0)
		return ret;
	if (d->weight < 0) { /* the kernel's answer too */
		snprintf(err, errlen, "weight %d out of range (0..65535)", d->weight);
		return -ERANGE;
	}
	if (d->weight > 65535) {
		/* LVS takes up to INT_MAX (Debian's ipvsadm sends it); wrr's
		 * walk per new flow grows with the largest weight, so dpvs
		 * keeps upstream ipvsadm's range */
		snprintf(err, errlen, "weight %d above 65535 is not supported by dpvs", d->weight);
		return -EOPNOTSUPP;
	}
	if (d->l_threshold > d->u_threshold) {
		/* the kernel's check too (ERANGE) */
		snprintf(err, errlen, "lower threshold %u is higher than upper threshold %u",
			 d->l_threshold, d->u_threshold);
		return -ERANGE;
	}
	/* port 0 (fwmark or all-ports services): conns keep the packet's
	 * destination port, as LVS's NAT does (DR and TUN never change it) */
	out->conn_flags = fwd;
	out->weight = d->weight;
	out->u_threshold = d->u_threshold;
	out->l_threshold = d->l_threshold;
	return 0;
}

/* What add/edit would refuse in the request itself, with the same words:
 * for the config check (dpvs -t, start, reload). */
int ipvs_svc_check(const struct dpvs_svc *s, char *err, size_t errlen)
{
	const struct sched_ops *sched;
	struct dpvs_svc key;
	int ret = svc_key(s, &key, err, errlen);

	return ret < 0 ? ret : svc_settings(s, &key, &sched, err, errlen);
}

int ipvs_dest_check(const struct dpvs_svc *s, const struct dpvs_dest *d, char *err,
		    size_t errlen)
{
	struct svc_ent e = { .conf = *s };
	struct dpvs_dest out;

	return dest_check(&e, d, &out, false, err, errlen);
}

/* The place of d among e's live dests, -1. */
static int dest_find(uint32_t sid, const struct svc_ent *e, const struct dpvs_dest *d)
{
	union inet_addr a;
	uint32_t id;

	addr_key(d->af, &d->addr, &a);
	id = dest_find_any(sid, d->af, &a, d->port);

	if (id == ID_NONE || dest_tab[id].state != ENT_LIVE)
		return -1;
	for (uint32_t k = 0; k < e->ndests; k++)
		if (e->dest_ids[k] == id)
			return (int)k;
	return -1;
}

static void dest_str(const struct dpvs_dest *d, char *buf, size_t len)
{
	addrport_str(d->af, &d->addr, d->port, buf, len);
}

int ipvs_dest_add(const struct dpvs_svc *s, const struct dpvs_dest *d, char *err, size_t errlen)
{
	struct dpvs_dest conf;
	struct svc_ent *e;
	char ds[INET6_ADDRSTRLEN + 8];
	int sid, ret;
	uint32_t id;

	sid = svc_lookup(s, err, errlen);
	if (sid < 0)
		return sid;
	e = &svc_tab[sid];
	ret = dest_check(e, d, &conf, true, err, errlen);
	if (ret < 0)
		return ret;
	id = dest_find_any((uint32_t)sid, conf.af, &conf.addr, conf.port);
	if (id != ID_NONE && dest_tab[id].state == ENT_LIVE) {
		dest_str(&conf, ds, sizeof(ds));
		snprintf(err, errlen, "real server %s already exists", ds);
		return -EEXIST;
	}
	if (e->ndests == e->cap) {
		uint32_t cap = e->cap ? 2 * e->cap : 8;
		uint32_t *ids = realloc(e->dest_ids, sizeof(*ids) * cap);

		if (!ids) {
			dest_str(&conf, ds, sizeof(ds));
			snprintf(err, errlen, "no memory for real server %s", ds);
			return -ENOMEM;
		}
		e->dest_ids = ids;
		e->cap = cap;
	}
	if (id != ID_NONE) {
		/* back from the trash: same id, its conns and counters with it */
		e->ntrash--;
		ndests_trash--;
	} else {
		int nid = id_alloc(&dest_free, dest_max, &dest_hwm);

		if (nid < 0) {
			snprintf(err, errlen, "too many real servers (at most %u: [pool] dest_max%s)",
				 dest_max, dest_max_conf ? "" : ", sized from [eal] memory");
			return -ENOSPC;
		}
		id = (uint32_t)nid;
		dest_tab[id].svc_id = (uint32_t)sid;
		dest_tab[id].conf = conf;
		dest_hash_add(id);
		ipvs_stats_reset_dest(id);
	}
	dest_tab[id].state = ENT_LIVE;
	dest_tab[id].conf = conf;
	dest_snap_set(id);
	skey_add(e, &dest_tab[id]);
	e->dest_ids[e->ndests++] = id;
	e->gen = ++gen_counter;
	e->stale = true;
	changed();
	return publish();
}

/* Finds the dest of a request; its index in the service's list. */
static int dest_lookup(const struct dpvs_svc *s, const struct dpvs_dest *d, int *sid, char *err,
		       size_t errlen)
{
	struct dpvs_dest probe = *d;
	char ds[INET6_ADDRSTRLEN + 8];
	int k;

	*sid = svc_lookup(s, err, errlen);
	if (*sid < 0)
		return *sid;
	/* af 0: the service's (older requests named no family) */
	if (!probe.af)
		probe.af = svc_tab[*sid].conf.af;
	addr_key(probe.af, &d->addr, &probe.addr);
	if (addr_zero(&probe.addr)) {
		snprintf(err, errlen, "real server address %s is not valid",
			 probe.af == AF_INET6 ? "::" : "0.0.0.0");
		return -EINVAL;
	}
	if (!probe.port)
		probe.port = svc_tab[*sid].conf.port;
	k = dest_find((uint32_t)*sid, &svc_tab[*sid], &probe);
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
	ret = dest_check(e, d, &conf, true, err, errlen);
	if (ret < 0)
		return ret;
	dest_tab[e->dest_ids[k]].conf = conf;
	dest_snap_set(e->dest_ids[k]);
	e->gen = ++gen_counter;
	e->stale = true;
	changed();
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
	e->stale = true;
	changed();
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

void ipvs_set_fnat_caddr(bool toa, bool uoa)
{
	if (fnat_toa != toa || fnat_uoa != uoa) {
		fnat_toa = toa;
		fnat_uoa = uoa;
		publish();
	}
}

void ipvs_set_sloppy_tcp(bool on)
{
	if (sloppy_tcp != on) {
		sloppy_tcp = on;
		publish();
	}
}

void ipvs_set_laddr_float(bool on)
{
	/* inet first: a service may hold an absent LIP only once it may */
	inet_set_lip_float(on);
	if (laddr_float != on) {
		laddr_float = on;
		publish();
	}
}

/* ---- listing and garbage collection ---- */

/* The walk behind both listings: from (*svc_from, *dest_from); fn's
 * return as ipvs_svc_page_fn's. */
static int walk(const struct dpvs_svc *key, uint32_t *svc_from, uint32_t *dest_from,
		ipvs_svc_page_fn fn, void *arg, char *err, size_t errlen)
{
	struct dpvs_dest *dests = NULL;
	uint32_t cap = 0;
	int only = -1, ret = 0;

	if (key) {
		only = svc_lookup(key, err, errlen);
		if (only < 0)
			return only;
	}
	for (uint32_t id = *svc_from; id < svc_hwm; id++) {
		const struct svc_ent *e = &svc_tab[id];
		uint32_t from = id == *svc_from ? *dest_from : 0, n;

		if (e->state != ENT_LIVE || (only >= 0 && id != (uint32_t)only))
			continue;
		if (from > e->ndests)
			from = e->ndests;
		n = e->ndests - from;
		if (n > cap) {
			struct dpvs_dest *nd = realloc(dests, sizeof(*dests) * n);

			if (!nd) {
				snprintf(err, errlen, "out of memory");
				ret = -ENOMEM;
				break;
			}
			dests = nd;
			cap = n;
		}
		for (uint32_t k = 0; k < n; k++)
			dests[k] = dest_tab[e->dest_ids[from + k]].conf;
		/* a service without dests has no dest_ids (NULL + 0 is UB) */
		ret = fn(id, &e->conf, e->dest_ids ? e->dest_ids + from : NULL, dests, n, e->ndests,
			 arg);
		if (ret == -ENOSPC || (ret >= 0 && (uint32_t)ret < n)) {
			/* a page is full: the next one starts here */
			*svc_from = id;
			*dest_from = from + (ret > 0 ? (uint32_t)ret : 0);
			ret = 1;
			break;
		}
		if (ret < 0) {
			snprintf(err, errlen, "%s", strerror(-ret));
			break;
		}
		ret = 0;
	}
	if (ret == 0) {
		*svc_from = svc_hwm;
		*dest_from = 0;
	}
	free(dests);
	return ret;
}

struct walk_all {
	ipvs_svc_visit_fn fn;
	void *arg;
};

static int visit_all(uint32_t svc_id, const struct dpvs_svc *svc, const uint32_t *dest_ids,
		     const struct dpvs_dest *dests, uint32_t ndests, uint32_t total, void *arg)
{
	const struct walk_all *w = arg;
	int ret = w->fn(svc_id, svc, dest_ids, dests, ndests, w->arg);

	(void)total;
	return ret < 0 ? (ret == -ENOSPC ? -ENOMEM : ret) : (int)ndests;
}

int ipvs_svc_walk(const struct dpvs_svc *key, ipvs_svc_visit_fn fn, void *arg, char *err,
		  size_t errlen)
{
	struct walk_all w = {.fn = fn, .arg = arg};
	uint32_t svc_from = 0, dest_from = 0;

	return walk(key, &svc_from, &dest_from, visit_all, &w, err, errlen);
}

int ipvs_svc_walk_page(const struct dpvs_svc *key, uint32_t *svc_from, uint32_t *dest_from,
		       ipvs_svc_page_fn fn, void *arg, char *err, size_t errlen)
{
	return walk(key, svc_from, dest_from, fn, arg, err, errlen);
}

void ipvs_svc_gc(void)
{
	/* a snapshot not yet published may still name trashed ids */
	if (dirty || !ndests_trash)
		goto services;
	for (uint32_t id = 0; id < dest_hwm; id++) {
		struct dest_ent *d = &dest_tab[id];

		if (d->state != ENT_TRASH || ipvs_dest_conns_live(id) != 0)
			continue;
		dest_hash_del(id);
		d->state = ENT_FREE;
		svc_tab[d->svc_id].ntrash--;
		ndests_trash--;
		fifo_push(&dest_free, id);
	}
services:
	if (dirty)
		return;
	/* a trashed service lives as long as one of its trashed dests */
	for (uint32_t id = 0; id < svc_hwm; id++) {
		struct svc_ent *e = &svc_tab[id];

		if (e->state != ENT_TRASH || e->ntrash)
			continue;
		svc_hash_del(id);
		svc_wmem_free(id, e);
		e->state = ENT_FREE;
		fifo_push(&svc_free, id);
	}
}
