/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sync: conns into LVS's sync records on the master's workers, records
 * into conns on the backup's (see sync.h for the rules and the rings).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <rte_ring.h>

#include "ipvs/ipvs_priv.h"
#include "ipvs/sync.h"

/* Timeout of a template that came without one (v0), as LVS: 3 minutes. */
#define TEMPLATE_TIMEOUT_V0 180

bool ipvs_sync_master_on;

static struct rte_ring *out_ring[DP_MAX_WORKERS]; /* worker -> sender */
static struct rte_ring *in_ring[DP_MAX_WORKERS];  /* receiver -> worker */
static struct ipvs_sync_wcounts wcounts[DP_MAX_WORKERS];
static unsigned nrings;

_Static_assert(sizeof(struct ipvs_sync_rec) % 4 == 0, "ring elements are 4-byte multiples");

int ipvs_sync_init(unsigned nworkers, char *err, size_t errlen)
{
	char name[RTE_RING_NAMESIZE];

	for (unsigned i = 0; i < nworkers && i < DP_MAX_WORKERS; i++) {
		snprintf(name, sizeof(name), "sync_out_%u", i);
		out_ring[i] =
		    rte_ring_create_elem(name, sizeof(struct ipvs_sync_rec), IPVS_SYNC_RING_SIZE,
					 SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(name, sizeof(name), "sync_in_%u", i);
		in_ring[i] =
		    rte_ring_create_elem(name, sizeof(struct ipvs_sync_rec), IPVS_SYNC_RING_SIZE,
					 SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
		nrings = i + 1;
		if (!out_ring[i] || !in_ring[i]) {
			snprintf(err, errlen,
				 "ipvs: no memory for worker %u's sync rings (%u records)", i,
				 IPVS_SYNC_RING_SIZE);
			ipvs_sync_fini();
			return -ENOMEM;
		}
		memset(&wcounts[i], 0, sizeof(wcounts[i]));
	}
	return 0;
}

void ipvs_sync_fini(void)
{
	ipvs_sync_master_on = false;
	for (unsigned i = 0; i < nrings; i++) {
		rte_ring_free(out_ring[i]);
		rte_ring_free(in_ring[i]);
		out_ring[i] = in_ring[i] = NULL;
	}
	nrings = 0;
}

void ipvs_sync_set_master(bool on)
{
	__atomic_store_n(&ipvs_sync_master_on, on, __ATOMIC_RELEASE);
}

unsigned ipvs_sync_take(unsigned worker, struct ipvs_sync_rec *out, unsigned max)
{
	if (worker >= nrings)
		return 0;
	return rte_ring_sc_dequeue_burst_elem(out_ring[worker], out, sizeof(*out), max, NULL);
}

int ipvs_sync_give(unsigned worker, const struct ipvs_sync_rec *r)
{
	if (worker >= nrings)
		return -EINVAL;
	return rte_ring_sp_enqueue_elem(in_ring[worker], (void *)(uintptr_t)r, sizeof(*r));
}

unsigned ipvs_sync_workers(void)
{
	return nrings;
}

void ipvs_sync_counts(struct ipvs_sync_wcounts *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < nrings; i++) {
		const uint64_t *s = (const uint64_t *)&wcounts[i];
		uint64_t *d = (uint64_t *)out;

		for (size_t k = 0; k < sizeof(*out) / sizeof(uint64_t); k++)
			d[k] += __atomic_load_n(&s[k], __ATOMIC_RELAXED);
	}
}

/* ---- master: a conn into a record ---- */

/* LVS's forwarding bits for a mode of ours (Full-NAT has none). */
static uint32_t wire_fwd(uint8_t fwd)
{
	switch (fwd) {
	case DPVS_FWD_TUNNEL:
		return IPVS_SYNC_F_TUNNEL;
	case DPVS_FWD_DROUTE:
		return IPVS_SYNC_F_DROUTE;
	case DPVS_FWD_LOCAL:
		return IPVS_SYNC_F_LOCALNODE;
	default:
		return IPVS_SYNC_F_MASQ;
	}
}

/* The fwmark of a conn's service (0 unless it is a fwmark service): a
 * backup finds fwmark services by it, not by the VIP the client used. */
static uint32_t svc_fwmark(const struct ipvs_snap *s, uint32_t svc_id)
{
	for (uint32_t i = 0; i < s->nfwm_svcs; i++)
		if (s->svcs[s->fwm_svcs[i]].id == svc_id)
			return s->svcs[s->fwm_svcs[i]].fwmark;
	return 0;
}

static void hand_over(struct ipvs_worker *iw, const struct ipvs_sync_rec *r)
{
	struct ipvs_sync_wcounts *wc = &wcounts[iw->index];

	if (rte_ring_sp_enqueue_elem(out_ring[iw->index], (void *)(uintptr_t)r, sizeof(*r)) < 0)
		wc->ring_full++;
	else
		wc->queued++;
}

void ipvs_sync_conn(struct ipvs_worker *iw, const struct ipvs_conn *c)
{
	const struct ipvs_snap *s = ipvs_snap_get();
	/* conn_control(): a SYN-proxy or PROXY-header conn keeps other
	 * things where a persistent one keeps its template */
	const struct ipvs_conn *t = conn_control(c);
	struct ipvs_sync_rec r;

	if (iw->index >= nrings)
		return;
	memset(&r, 0, sizeof(r));
	r.af = AF_INET;
	r.protocol = c->in.proto;
	r.state = c->c_state == IPVS_UDP_STATE ? 0 : c->c_state;
	r.flags = wire_fwd(c->c_fwd);
	if (conn_nooutput(c))
		r.flags |= IPVS_SYNC_F_NOOUTPUT;
	if (!(c->c_flags & IPVS_CONN_F_ACTIVE))
		r.flags |= IPVS_SYNC_F_INACTIVE;
	r.cport = c->in.sport;
	r.vport = c->in.dport;
	r.dport = c->out.sport;
	r.caddr.in.s_addr = c->in.saddr;
	r.vaddr.in.s_addr = c->in.daddr;
	r.daddr.in.s_addr = c->out.saddr;
	r.fwmark = svc_fwmark(s, c->svc_id);
	r.timeout = s->timeout[c->c_state];
	if (c->c_fwd == DPVS_FWD_FULLNAT) {
		/* LVS has no Full-NAT: its forwarding bits say NAT, and the
		 * local address and port ride in an option Linux skips */
		r.has_local = 1;
		r.laddr = c->out.daddr;
		r.lport = c->out.dport;
	}
	if (conn_is_synproxy(c))
		ipvs_sync_synp_put(c, &r);
	hand_over(iw, &r);
	if (!t)
		return;
	/* the template after its conn, as ip_vs_sync_conn() sends it: the
	 * backup's new flows of this client go to the same real server */
	memset(&r, 0, sizeof(r));
	r.af = AF_INET;
	r.protocol = (uint8_t)t->in.sport; /* the service's protocol (persist.c's key) */
	r.flags = IPVS_SYNC_F_TEMPLATE | wire_fwd(c->c_fwd);
	r.caddr.in.s_addr = t->in.saddr;
	r.vaddr.in.s_addr = t->in.daddr;
	r.vport = t->in.dport;
	r.daddr.in.s_addr = t->out.saddr;
	r.dport = t->out.sport;
	r.fwmark = r.protocol ? 0 : rte_be_to_cpu_32(t->in.daddr);
	r.timeout = t->tmpl_timeout;
	hand_over(iw, &r);
}

void ipvs_sync_refresh(struct ipvs_worker *iw, const struct ipvs_conn *c)
{
	/* a template goes with its conns; a conn a record keeps alive with
	 * no packet of its own is the other director's news, not ours:
	 * sending it back would keep it alive between two directors that
	 * both run a master and a backup, long after it ended */
	if (c->c_flags & (IPVS_CONN_F_TEMPLATE | IPVS_CONN_F_SYNCED))
		return;
	if (c->c_state == IPVS_UDP_STATE ||
	    (c->in.proto == IPPROTO_TCP && ipvs_sync_tcp_state_wanted(c->c_state)))
		ipvs_sync_conn(iw, c);
}

/* ---- backup: a record into a conn ---- */

static const struct ipvs_snap_svc *rec_service(const struct ipvs_snap *s,
					       const struct ipvs_sync_rec *r)
{
	const struct ipvs_snap_svc *svc;

	if (r->fwmark)
		for (uint32_t i = 0; i < s->nfwm_svcs; i++)
			if (s->svcs[s->fwm_svcs[i]].fwmark == r->fwmark)
				return &s->svcs[s->fwm_svcs[i]];
	if (r->protocol == 0)
		return NULL; /* a fwmark template whose service we lack */
	svc = ipvs_snap_svc_lookup(s, r->protocol, r->vaddr.in.s_addr, r->vport);
	if (!svc && s->has_port0)
		svc = ipvs_snap_svc_lookup(s, r->protocol, r->vaddr.in.s_addr, 0);
	return svc;
}

/* The service's real server the record names (a dest without a port
 * takes any: fwmark and port-0 services). */
static const struct ipvs_snap_dest *rec_dest(const struct ipvs_snap_svc *svc,
					     const struct ipvs_sync_rec *r)
{
	for (uint32_t i = 0; i < svc->ndests; i++) {
		const struct ipvs_snap_dest *d = &svc->dests[i];

		if (d->addr == r->daddr.in.s_addr &&
		    (d->port == r->dport || d->port == 0 || r->dport == 0))
			return d;
	}
	return NULL;
}

static void install_template(struct ipvs_worker *iw, uint64_t now, const struct ipvs_sync_rec *r,
			     const struct ipvs_snap_svc *svc, const struct ipvs_snap_dest *d)
{
	struct ipvs_sync_wcounts *wc = &wcounts[iw->index];
	uint32_t timeout = (r->timeout ? r->timeout : TEMPLATE_TIMEOUT_V0) + IPVS_SYNC_SLACK;
	struct ipvs_conn_node *n;
	struct ipvs_conn *t;

	n = ipvs_conn_lookup(iw, IPVS_PROTO_TEMPLATE, r->caddr.in.s_addr, r->vaddr.in.s_addr,
			     r->protocol, r->vport);
	if (n) {
		t = ipvs_conn_of(n);
		if (t->dest_id != d->id)
			ipvs_conn_template_rebind(iw, t, d->addr, r->dport, d->id);
		t->tmpl_timeout = timeout;
		ipvs_conn_refresh(iw, t, now, timeout);
	} else if (!ipvs_conn_new_template(iw, now,
					   &(struct ipvs_tmpl_key){ .proto = IPVS_PROTO_TEMPLATE,
								    .saddr = r->caddr.in.s_addr,
								    .sport = r->protocol,
								    .daddr = r->vaddr.in.s_addr,
								    .dport = r->vport },
					   r->protocol, r->caddr.in.s_addr, d->addr, r->dport,
					   svc->id, d->id, timeout)) {
		wc->table_full++;
		return;
	}
	wc->templates++;
}

/* A Full-NAT conn with the master's LIP:lport: the LIP must be one of the
 * service's here too, the port in this worker's share (the same number of
 * workers on both directors: replies are steered by it, fnat.c), and the
 * reply tuple free. NULL: counted (unsupported, or table-full). */
static struct ipvs_conn *install_fnat(struct ipvs_worker *iw, uint64_t now,
				      const struct ipvs_sync_rec *r,
				      const struct ipvs_snap_svc *svc,
				      const struct ipvs_snap_dest *d, uint8_t state,
				      uint32_t timeout)
{
	uint16_t rport = d->port ? d->port : r->dport;
	struct ipvs_fnat_local fl = {.laddr = r->laddr, .lport = r->lport};
	uint32_t i;

	for (i = 0; i < svc->nladdrs && svc->laddrs[i] != r->laddr; i++)
		;
	if (i == svc->nladdrs || !iw->laddr ||
	    rte_be_to_cpu_16(r->lport) % ipvs_worker_states() != iw->index ||
	    ipvs_conn_lookup(iw, r->protocol, d->addr, r->laddr, rport, r->lport)) {
		wcounts[iw->index].unsupported++;
		return NULL;
	}
	fl.slot = svc->laddr_slots[i];
	struct ipvs_conn *c = ipvs_conn_new_fnat(iw, now, r->protocol, r->caddr.in.s_addr, r->cport,
						 r->vaddr.in.s_addr, r->vport, d->addr, rport, &fl,
						 svc->id, d->id, state, timeout, UINT32_MAX);

	if (!c)
		wcounts[iw->index].table_full++;
	return c;
}

static void install(struct ipvs_worker *iw, uint64_t now, const struct ipvs_sync_rec *r)
{
	struct ipvs_sync_wcounts *wc = &wcounts[iw->index];
	const struct ipvs_snap *s = ipvs_snap_get();
	const struct ipvs_snap_svc *svc;
	const struct ipvs_snap_dest *d;
	struct ipvs_conn_node *n;
	struct ipvs_conn *c;
	uint8_t state;
	uint32_t timeout;

	if (r->af != AF_INET || (r->protocol != IPPROTO_TCP && r->protocol != IPPROTO_UDP &&
				 !(r->flags & IPVS_SYNC_F_TEMPLATE))) {
		wc->unsupported++;
		return;
	}
	svc = rec_service(s, r);
	if (!svc) {
		wc->no_service++;
		return;
	}
	d = rec_dest(svc, r);
	if (!d) {
		wc->no_dest++;
		return;
	}
	/* a Full-NAT conn needs its local address and port, and only a
	 * Full-NAT dest can use them */
	if (!(r->flags & IPVS_SYNC_F_TEMPLATE) && (d->fwd == DPVS_FWD_FULLNAT) != !!r->has_local) {
		wc->unsupported++;
		return;
	}
	/* a SYN-proxy conn needs a dest whose mode translates (NAT,
	 * Full-NAT): through DR or TUN its every packet would go wrong */
	if (r->has_synp && d->fwd != DPVS_FWD_MASQ && d->fwd != DPVS_FWD_FULLNAT) {
		wc->unsupported++;
		return;
	}
	if (r->flags & IPVS_SYNC_F_TEMPLATE) {
		install_template(iw, now, r, svc, d);
		return;
	}
	state = r->protocol == IPPROTO_UDP ? IPVS_UDP_STATE : (uint8_t)r->state;
	timeout = (r->timeout ? r->timeout : s->timeout[state]) + IPVS_SYNC_SLACK;
	n = ipvs_conn_lookup(iw, r->protocol, r->caddr.in.s_addr, r->vaddr.in.s_addr, r->cport,
			     r->vport);
	if (n && ipvs_node_dir(n) == IPVS_DIR_IN) {
		c = ipvs_conn_of(n);

		/* what LVS updates on a known conn: its state (and with it
		 * the active/inactive count), its timer and its sequence
		 * offsets; the last only on a copy (a conn with packets of its
		 * own here since the last record keeps its own splice) */
		if (r->has_synp && (c->c_flags & IPVS_CONN_F_SYNCED)) {
			if (!ipvs_sync_synp_fits(c)) {
				wc->unsupported++;
				return;
			}
			ipvs_sync_synp_apply(c, r);
			wc->synproxy++;
		}
		if (c->c_state != state && state != IPVS_UDP_STATE)
			ipvs_conn_set_state(iw, c, state);
		ipvs_conn_refresh(iw, c, now, timeout);
		c->c_flags |= IPVS_CONN_F_SYNCED;
		wc->updated++;
		return;
	}
	if (r->has_local)
		c = install_fnat(iw, now, r, svc, d, state, timeout);
	else if (!(c = ipvs_conn_new(iw, now, r->protocol, r->caddr.in.s_addr, r->cport,
				     r->vaddr.in.s_addr, r->vport, d->addr,
				     d->port ? d->port : r->dport, svc->id, d->id, state, timeout,
				     d->fwd, UINT32_MAX)))
		wc->table_full++;
	if (!c)
		return;
	if (r->has_synp) { /* a proxied conn, with its splice */
		ipvs_sync_synp_apply(c, r);
		wc->synproxy++;
	}
	c->c_flags |= IPVS_CONN_F_SYNCED;
	wc->installed++;
}

void ipvs_sync_poll(struct ipvs_worker *iw, uint64_t now)
{
	struct ipvs_sync_rec recs[IPVS_SYNC_INSTALL_BURST];
	unsigned n;

	if (iw->index >= nrings || rte_ring_empty(in_ring[iw->index]))
		return;
	n = rte_ring_sc_dequeue_burst_elem(in_ring[iw->index], recs, sizeof(recs[0]),
					   IPVS_SYNC_INSTALL_BURST, NULL);
	/* no snapshot with services yet: nothing a record could belong to */
	if (!iw->svc || !iw->dest) {
		wcounts[iw->index].no_service += n;
		return;
	}
	for (unsigned i = 0; i < n; i++)
		install(iw, now, &recs[i]);
}
