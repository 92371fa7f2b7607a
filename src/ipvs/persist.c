/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * persist: persistence templates, LVS's answer to "this client must come
 * back to the same real server" (ipvsadm -p [timeout] [-M netmask]).
 *
 * A template is a conn entry that records client net -> dest for a
 * persistent service: <proto, client & netmask, 0, VIP, port, dest, port>
 * for a service on one port, <proto, cnet, 0, VIP, 0, dest, 0> for a port
 * 0 (all ports) service, <IP, cnet, 0, fwmark, 0, dest, 0> for a fwmark
 * service, as LVS's ip_vs_sched_persist(). A new flow of the service
 * first looks its template up: found, the flow goes to the template's
 * dest (even a quiesced one, as LVS with expire_quiescent_template off)
 * and the template's timer restarts; not found, the scheduler picks the
 * dest and a template is made. A template whose dest left the service is
 * moved to a newly scheduled dest. Conns made under a template point to
 * it, and it outlives them (conn.c), so a client with long connections
 * is not split. Templates show in ipvsadm -Lnc (state NONE, client port
 * 0) and count in the dest's persistconns.
 *
 * A service with a persistence engine (--pe sip, pe_sip.c) keys its
 * templates by what the engine reads in the packet instead: the client
 * net and the SIP Call-ID, so one call sticks to one real server and one
 * client's calls spread. A packet the engine finds nothing in (no
 * parsable Call-ID, or not UDP) falls back to the plain template, as
 * LVS's pe_sip intends ("pe_data is only set on success, this allows
 * fallback to the default persistence logic").
 *
 * Templates live in the worker's own conn table. Flows of one client
 * that RSS spreads over several workers therefore persist per worker:
 * with one worker (or RSS on addresses only) persistence is LVS's.
 */
#include <rte_byteorder.h>

#include "ipvs/ipvs_priv.h"
#include "ipvs/ipvs_sched.h"
#include "ipvs/pe_sip.h"

/* The dest of the template, while it is still one of the service's. */
static const struct ipvs_snap_dest *template_dest(const struct ipvs_snap_svc *svc,
						  const struct ipvs_conn *t)
{
	for (uint32_t i = 0; i < svc->ndests; i++)
		if (svc->dests[i].id == t->dest_id)
			return &svc->dests[i];
	return NULL;
}

const struct ipvs_snap_dest *ipvs_persist_schedule(struct ipvs_worker *iw, uint64_t now,
						   const struct ipvs_snap_svc *svc,
						   const struct sched_ctx *ctx, const struct rte_mbuf *m,
						   struct ipvs_conn **tmpl)
{
	uint32_t cnet = ctx->caddr & svc->netmask;
	uint8_t proto = svc->fwmark ? 0 : svc->proto;
	uint32_t vaddr = svc->fwmark ? rte_cpu_to_be_32(svc->fwmark) : svc->vaddr;
	uint16_t vport = svc->fwmark ? 0 : svc->vport;
	const struct ipvs_snap_dest *dest;
	struct ipvs_conn_node *n;
	struct ipvs_conn *t = NULL;
	/* the key: no packet has IPVS_PROTO_TEMPLATE; sport tells the
	 * service's protocol apart (TCP and UDP services on one VIP:port) */
	struct ipvs_tmpl_key key = {
	    .proto = IPVS_PROTO_TEMPLATE, .saddr = cnet, .sport = proto,
	    .daddr = vaddr, .dport = vport,
	};

	if (svc->pe == IPVS_PE_SIP && !svc->fwmark)
		(void)ipvs_pe_sip_key(m, cnet, vaddr, vport, &key); /* else: plain */
	*tmpl = NULL;
	n = ipvs_conn_lookup(iw, key.proto, key.saddr, key.daddr, key.sport, key.dport);
	if (n) {
		t = ipvs_conn_of(n);
		dest = template_dest(svc, t);
		if (dest)
			goto found;
	}
	dest = sched_pick(svc, &iw->svc[svc->id].sched, ctx);
	if (!dest)
		return NULL;
	if (t) {
		/* its dest left the service: the client moves, once */
		ipvs_conn_template_rebind(iw, t, dest->addr, vport ? dest->port : 0, dest->id);
		goto found;
	}
	/* a full table: the flow goes on without persistence, the conn
	 * itself will most likely not fit either and be counted there */
	*tmpl = ipvs_conn_new_template(iw, now, &key, proto, cnet, dest->addr,
				       vport ? dest->port : 0, svc->id, dest->id, svc->timeout);
	return dest;
found:
	t->tmpl_timeout = svc->timeout;
	ipvs_conn_refresh(iw, t, now, svc->timeout);
	*tmpl = t;
	return dest;
}

void ipvs_persist_bind(struct ipvs_conn *c, struct ipvs_conn *tmpl)
{
	c->control = tmpl;
	conn_set_n_control(tmpl, (uint16_t)(conn_n_control(tmpl) + 1));
}
