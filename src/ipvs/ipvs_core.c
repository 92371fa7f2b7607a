/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ipvs_core: the IPVS entry points of the data plane (ipvs_in, the
 * per-loop timer) and the layer's life cycle.
 *
 * ipvs_in() sees every valid IPv4 packet first. One lookup on the
 * packet's tuple finds a connection in either direction (client -> VIP,
 * or the real server's reply); a miss on a service (its fwmark, its
 * VIP:port, or its VIP with port 0) schedules a dest, through the
 * client's persistence template for persistent services, and creates the
 * connection (TCP only on a SYN). Everything else is not IPVS traffic and
 * goes back to the stack.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_tcp.h>

#include "ipvs/ipvs_priv.h"
#include "ipvs/ipvs_sched.h"

static struct ipvs_worker *wstates[DP_MAX_WORKERS];
static unsigned nwstates;

struct ipvs_worker *ipvs_worker_state(unsigned index)
{
	return index < nwstates ? wstates[index] : NULL;
}

unsigned ipvs_worker_states(void)
{
	return nwstates;
}

int ipvs_init(unsigned nworkers, uint32_t conn_max, char *err, size_t errlen)
{
	if (nworkers == 0 || nworkers > DP_MAX_WORKERS) {
		snprintf(err, errlen, "ipvs: %u workers (1..%u supported)", nworkers,
			 DP_MAX_WORKERS);
		return -EINVAL;
	}
	if (conn_max == 0) {
		snprintf(err, errlen, "ipvs: [pool] conn_max must be at least 1");
		return -EINVAL;
	}
	ipvs_stats_init();
	ipvs_svc_init();
	for (unsigned i = 0; i < nworkers; i++) {
		struct worker *w = worker_get(i);
		int socket = w ? (int)rte_lcore_to_socket_id(w->lcore_id) : SOCKET_ID_ANY;
		struct ipvs_worker *iw;
		int ret;

		iw = rte_zmalloc_socket("ipvs_worker", sizeof(*iw), RTE_CACHE_LINE_SIZE, socket);
		if (!iw) {
			snprintf(err, errlen, "ipvs: no memory for worker %u's state (%zu bytes)",
				 i, sizeof(*iw));
			ipvs_fini();
			return -ENOMEM;
		}
		iw->index = i;
		wstates[nwstates++] = iw;
		ret = ipvs_conn_shard_init(iw, i, conn_max, socket, err, errlen);
		if (ret < 0) {
			ipvs_fini();
			return ret;
		}
		if (w)
			w->ipvs = iw;
	}
	inet_register_l4_hook(ipvs_in);
	return 0;
}

void ipvs_fini(void)
{
	for (unsigned i = 0; i < nwstates; i++) {
		struct worker *w = worker_get(i);

		if (w && w->ipvs == wstates[i])
			w->ipvs = NULL;
		ipvs_conn_shard_fini(wstates[i]);
		rte_free(wstates[i]);
		wstates[i] = NULL;
	}
	nwstates = 0;
	inet_register_l4_hook(NULL);
	ipvs_svc_fini();
}

uint32_t ipvs_conn_count(unsigned worker_index)
{
	const struct ipvs_worker *iw = ipvs_worker_state(worker_index);

	return iw ? iw->nconns : 0;
}

uint32_t ipvs_conn_slot_bytes(unsigned worker_index)
{
	const struct ipvs_worker *iw = ipvs_worker_state(worker_index);

	if (!iw || !iw->conn_pool || !iw->conn_pool->size)
		return 0;
	const struct rte_mempool *mp = iw->conn_pool;
	uint64_t elt = (uint64_t)mp->header_size + mp->elt_size + mp->trailer_size;
	uint64_t buckets = (uint64_t)(iw->hmask + 1) * sizeof(iw->htab[0]);

	return (uint32_t)(elt + (buckets + mp->size - 1) / mp->size);
}

/* A packet of a known connection: state, timer, counters, rewrite. */
static enum inet_verdict conn_packet(struct worker *w, struct ipvs_worker *iw, uint16_t port_idx,
				     struct rte_mbuf *m, struct ipvs_conn *c, enum ipvs_dir dir,
				     uint8_t tcp_flags)
{
	const struct ipvs_snap *snap = ipvs_snap_get();

	if (dir == IPVS_DIR_IN && unlikely(!snap->dest_alive[c->dest_id]) &&
	    snap->expire_nodest_conn) {
		/* its dest was removed: end it on its next packet, as LVS */
		ipvs_conn_free(iw, c);
		dp_drop(w, port_idx, DPVS_DROP_CONN_NO_DEST, m);
		return INET_STOLEN;
	}
	if (c->state != IPVS_UDP_STATE) {
		uint8_t next = ipvs_tcp_next_state(c->state, dir, tcp_flags);

		if (next != c->state)
			ipvs_conn_set_state(iw, c, next);
	}
	ipvs_conn_refresh(iw, c, w->now_sec, snap->timeout[c->state]);
	ipvs_count(iw, c, dir, m->pkt_len);
	ipvs_nat_xmit(w, port_idx, m, c, dir);
	return INET_STOLEN;
}

/* No connection: is it a new flow to a service? */
static enum inet_verdict new_flow(struct worker *w, struct ipvs_worker *iw, uint16_t port_idx,
				  struct rte_mbuf *m, const struct rte_ipv4_hdr *ip,
				  uint16_t sport, uint16_t dport, uint8_t tcp_flags)
{
	const struct ipvs_snap *snap = ipvs_snap_get();
	const struct ipvs_snap_svc *svc;
	const struct ipvs_snap_dest *dest;
	struct ipvs_conn *tmpl = NULL;
	struct sched_ctx ctx;
	struct ipvs_conn *c;
	uint8_t proto = ip->next_proto_id;
	uint8_t state = IPVS_UDP_STATE;

	svc = ipvs_snap_svc_match(snap, iw, proto, ip->dst_addr, dport);
	if (!svc)
		return INET_ACCEPT;
	if (proto == IPPROTO_TCP) {
		/* a flow starts with a SYN; an RST or a stray segment for an
		 * unknown flow must not pick a server */
		if ((tcp_flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG | RTE_TCP_RST_FLAG)) !=
		    RTE_TCP_SYN_FLAG) {
			dp_drop(w, port_idx, DPVS_DROP_CONN_NOT_SYN, m);
			return INET_STOLEN;
		}
		state = ipvs_tcp_next_state(IPVS_TCP_NONE, IPVS_DIR_IN, tcp_flags);
	}
	ctx = (struct sched_ctx){ .dest_cnt = iw->dest, .thresh = snap->thresh, .caddr = ip->src_addr, .cport = sport,
				  .worker = (uint16_t)iw->index, .daddr = ip->dst_addr,
				  .now = (uint32_t)w->now_sec };
	if (!svc->ndests)
		dest = NULL;
	else if (svc->flags & DPVS_SVC_F_PERSISTENT)
		dest = ipvs_persist_schedule(iw, w->now_sec, svc, &ctx, &tmpl);
	else
		dest = sched_pick(svc, &iw->svc[svc->id].sched, &ctx);
	if (!dest) {
		dp_drop(w, port_idx, DPVS_DROP_CONN_NO_DEST, m);
		return INET_STOLEN;
	}
	/* a dest without a port (fwmark and port 0 services) keeps the
	 * packet's destination port */
	c = ipvs_conn_new(iw, w->now_sec, proto, ip->src_addr, sport, ip->dst_addr, dport,
			  dest->addr, dest->port ? dest->port : dport, svc->id, dest->id, state,
			  snap->timeout[state]);
	if (!c) {
		dp_drop(w, port_idx, DPVS_DROP_CONN_FULL, m);
		return INET_STOLEN;
	}
	if (tmpl)
		ipvs_persist_bind(c, tmpl);
	ipvs_count(iw, c, IPVS_DIR_IN, m->pkt_len);
	ipvs_nat_xmit(w, port_idx, m, c, IPVS_DIR_IN);
	/* one-packet scheduling (-o, UDP only as in LVS): each datagram is
	 * scheduled on its own, no conn is kept */
	if ((svc->flags & DPVS_SVC_F_ONEPACKET) && proto == IPPROTO_UDP)
		ipvs_conn_free(iw, c);
	return INET_STOLEN;
}

enum inet_verdict ipvs_in(struct worker *w, uint16_t port_idx, struct rte_mbuf *m)
{
	struct ipvs_worker *iw = ipvs_w(w);
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	uint8_t proto = ip->next_proto_id;
	struct ipvs_conn_node *n;
	uint8_t tcp_flags = 0;
	uint16_t sport, dport;
	uint8_t *l4;

	if (unlikely(!iw))
		return INET_ACCEPT;
	if (!m->l3_len)
		m->l3_len = rte_ipv4_hdr_len(ip);
	if (proto == IPPROTO_ICMP)
		return ipvs_icmp_in(w, iw, port_idx, m);
	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
		return INET_ACCEPT;
	/* fragments carry no (or partial) ports: the stack's policy decides */
	if (unlikely(ip->fragment_offset &
		     rte_cpu_to_be_16(RTE_IPV4_HDR_OFFSET_MASK | RTE_IPV4_HDR_MF_FLAG)))
		return INET_ACCEPT;
	if (unlikely(rte_pktmbuf_data_len(m) <
		     m->l3_len + (proto == IPPROTO_TCP ? sizeof(struct rte_tcp_hdr) : 8)))
		return INET_ACCEPT;
	l4 = (uint8_t *)ip + m->l3_len;
	sport = *(uint16_t *)(void *)l4;
	dport = *(uint16_t *)(void *)(l4 + 2);
	if (proto == IPPROTO_TCP)
		tcp_flags = ((struct rte_tcp_hdr *)(void *)l4)->tcp_flags;

	n = ipvs_conn_lookup(iw, proto, ip->src_addr, ip->dst_addr, sport, dport);
	if (n) {
		struct ipvs_conn *c = ipvs_conn_of(n);

		/* a new SYN on a closed conn's tuple (client port reuse): the
		 * old conn is over, schedule the new flow afresh */
		if (n->dir == IPVS_DIR_IN && proto == IPPROTO_TCP &&
		    (tcp_flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG)) == RTE_TCP_SYN_FLAG &&
		    (c->state == IPVS_TCP_TIME_WAIT || c->state == IPVS_TCP_CLOSE)) {
			ipvs_conn_free(iw, c);
		} else {
			return conn_packet(w, iw, port_idx, m, c, n->dir, tcp_flags);
		}
	}
	return new_flow(w, iw, port_idx, m, ip, sport, dport, tcp_flags);
}

void ipvs_worker_timer(struct worker *w)
{
	struct ipvs_worker *iw = ipvs_w(w);

	if (unlikely(!iw))
		return;
	ipvs_conn_timer(iw, w->now_sec);
	ipvs_conn_req_serve(iw, w->now_sec, w->lcore_id);
}
