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
 * connection (TCP only on a SYN, SCTP only on an INIT, and only from a
 * packet whose L4 checksum is right). A reply from a real server that matches nothing is
 * a stray (dropped, counted); everything else is not IPVS traffic and goes
 * back to the stack. A packet is sent by its conn's forwarding mode: a
 * switch into the mode's static inline transmit function (conn_xmit in
 * xmit_conn.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "inet/csum.h"
#include "ipvs/ipvs_priv.h"
#include "ipvs/ipvs_sched.h"
#include "ipvs/proto_sctp.h"
#include "ipvs/sync.h"
#include "ipvs/synproxy.h"
#include "ipvs/xmit_conn.h"

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
	if (ipvs_synp_init(err, errlen) < 0)
		return -EIO;
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
		ipvs_synp_worker_init(iw);
		wstates[nwstates++] = iw;
		ret = ipvs_conn_shard_init(iw, i, conn_max, socket, err, errlen);
		if (ret < 0) {
			ipvs_fini();
			return ret;
		}
		if (w)
			w->ipvs = iw;
	}
	int sret = ipvs_sync_init(nworkers, err, errlen);

	if (sret < 0) {
		ipvs_fini();
		return sret;
	}
	/* after the conn tables: limits from memory count what they left */
	ipvs_limits_resolve();
	ipvs_stats_init();
	ipvs_svc_init();
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
	ipvs_sync_fini();
	inet_register_l4_hook(NULL);
	ipvs_svc_fini();
}

uint32_t ipvs_conn_count(unsigned worker_index)
{
	const struct ipvs_worker *iw = ipvs_worker_state(worker_index);

	return iw ? iw->nconns : 0;
}

unsigned ipvs_conn_state_kinds(void)
{
	return IPVS_STATE_MAX;
}

const char *ipvs_conn_state_name(unsigned state, const char **proto)
{
	uint8_t p = state < IPVS_UDP_STATE ? IPPROTO_TCP
		    : state == IPVS_UDP_STATE ? IPPROTO_UDP : IPPROTO_SCTP;

	*proto = p == IPPROTO_TCP ? "TCP" : p == IPPROTO_UDP ? "UDP" : "SCTP";
	return ipvs_state_name(p, (uint8_t)state);
}

uint64_t ipvs_conn_state_count(unsigned state)
{
	uint64_t n = 0;

	if (state >= IPVS_STATE_MAX)
		return 0;
	for (unsigned i = 0; i < nwstates; i++)
		n += __atomic_load_n(&wstates[i]->conns_by_state[state], __ATOMIC_RELAXED);
	return n;
}

uint32_t ipvs_conn_slot_bytes(unsigned worker_index)
{
	const struct ipvs_worker *iw = ipvs_worker_state(worker_index);

	if (!iw || !iw->conns || !iw->conn_max)
		return 0;
	/* the slot and its share of the buckets (the free list lives in free slots) */
	uint64_t buckets = (uint64_t)iw->nbuckets * sizeof(iw->htab[0]);

	return (uint32_t)(sizeof(struct ipvs_conn) +
			  (buckets + iw->conn_max - 1) / iw->conn_max);
}

/* The timer, the counters and the way out of a conn's packet; sctp: a
 * constant at each call. */
static inline __attribute__((always_inline)) void
conn_pass(struct worker *w, struct ipvs_worker *iw, struct ipvs_conn *c, enum ipvs_dir dir,
	  struct rte_mbuf *m, uint32_t timeout, const bool sctp)
{
	ipvs_conn_refresh(iw, c, w->now_sec, timeout);
	ipvs_count(iw, c, dir, m->pkt_len);
	if (sctp)
		conn_xmit_sctp(w, c, dir, m);
	else
		conn_xmit(w, c, dir, m);
}

/* A packet of a known connection: state, timer, counters, rewrite. */
static enum inet_verdict conn_packet(struct worker *w, struct ipvs_worker *iw, uint16_t port_idx,
				     struct rte_mbuf *m, struct ipvs_conn *c, enum ipvs_dir dir,
				     uint8_t l4_event)
{
	const struct ipvs_snap *snap = ipvs_snap_get();

	if (dir == IPVS_DIR_IN && unlikely(!snap->dest_alive[c->dest_id]) &&
	    snap->expire_nodest_conn) {
		/* its dest was removed: end it on its next packet, as LVS */
		ipvs_conn_free(iw, c);
		dp_drop(w, port_idx, DPVS_DROP_CONN_NO_DEST, m);
		return INET_STOLEN;
	}
	/* the NIC's verdict is free; computing it for every packet is not:
	 * an incremental update keeps a bad checksum bad for the receiver */
	if (unlikely((m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) == RTE_MBUF_F_RX_L4_CKSUM_BAD)) {
		dp_drop(w, port_idx, DPVS_DROP_L4_BAD_CSUM, m);
		return INET_STOLEN;
	}
	if (unlikely(c->c_flags & IPVS_CONN_F_SYNCED)) {
		/* a Full-NAT copy from the other director: ours once its LIP
		 * is (it moves with the VIP); before that the real server's
		 * replies, or a client's stray packet, are not ours to pass */
		if (c->c_fwd == DPVS_FWD_FULLNAT && !inet_addr_is_lip(c->out.daddr)) {
			dp_drop(w, port_idx, DPVS_DROP_FNAT_LIP_ABSENT, m);
			return INET_STOLEN;
		}
		c->c_flags &= ~IPVS_CONN_F_SYNCED; /* its traffic is here now: ours to sync */
	}
	/* the proxy's own steps (before the splice, a SYN-ACK again): one
	 * flag test here, the rest out of line */
	if (unlikely(conn_is_synproxy(c))) {
		uint8_t before = c->c_state;

		if (ipvs_synp_conn_packet(w, iw, port_idx, m, c, dir, l4_event)) {
			/* the splice (ESTABLISHED) and the real server's
			 * refusal (CLOSE) change the state in there: a
			 * backup hears of them as of any change (sync.h) */
			if (unlikely(ipvs_sync_master_on) && c->c_state != before &&
			    ipvs_sync_tcp_state_wanted(c->c_state))
				ipvs_sync_conn(iw, c);
			return INET_STOLEN;
		}
	}
	if (c->c_state != IPVS_UDP_STATE) {
		bool noout = conn_nooutput(c);
		uint8_t next;

		if (unlikely(c->in.proto == IPPROTO_SCTP)) {
			/* told apart here, where UDP never comes, so UDP's
			 * and TCP's way out has no SCTP test */
			next = ipvs_sctp_next_state(c->c_state, dir, noout, l4_event);
			if (next != c->c_state)
				ipvs_conn_set_state(iw, c, next);
			conn_pass(w, iw, c, dir, m, ipvs_state_timeout(iw, snap, c->c_state), true);
			return INET_STOLEN;
		}
		next = likely(!(iw->def.on & IPVS_DEF_SECURE_TCP))
			       ? ipvs_tcp_next_state(c->c_state, dir, noout, l4_event)
			       : ipvs_tcp_next_state_secure(c->c_state, dir, noout, l4_event);
		if (next != c->c_state) {
			ipvs_conn_set_state(iw, c, next);
			if (unlikely(ipvs_sync_master_on) && ipvs_sync_tcp_state_wanted(next))
				ipvs_sync_conn(iw, c);
		}
	}
	conn_pass(w, iw, c, dir, m, ipvs_state_timeout(iw, snap, c->c_state), false);
	return INET_STOLEN;
}

/* The TCP/UDP checksum of m is right (UDP: or absent), or SCTP's CRC32c. */
static bool l4_csum_ok(const struct rte_mbuf *m, const struct rte_ipv4_hdr *ip)
{
	uint64_t ck = m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;
	const uint8_t *l4 = (const uint8_t *)ip + m->l3_len;
	uint32_t len = rte_be_to_cpu_16(ip->total_length) - m->l3_len;
	uint16_t sum;

	if (ck == RTE_MBUF_F_RX_L4_CKSUM_GOOD)
		return true;
	if (ck == RTE_MBUF_F_RX_L4_CKSUM_BAD)
		return false;
	if (ip->next_proto_id == IPPROTO_SCTP)
		return ipvs_sctp_csum_ok(m, m->l3_len, len);
	if (ip->next_proto_id == IPPROTO_UDP &&
	    ((const struct rte_udp_hdr *)(const void *)l4)->dgram_cksum == 0)
		return true;
	if (likely(rte_pktmbuf_data_len(m) >= m->l3_len + len))
		sum = csum_raw(l4, len); /* one segment: the usual case */
	else if (rte_raw_cksum_mbuf(m, m->l3_len, len, &sum) < 0)
		return false;
	/* the pseudo header: addresses, protocol, L4 length */
	uint64_t ph = (uint64_t)ip->src_addr + ip->dst_addr +
		      rte_cpu_to_be_16((uint16_t)ip->next_proto_id) + rte_cpu_to_be_16((uint16_t)len);

	return csum_fold64(ph + sum) == 0xffff;
}

/* No connection: is it a new flow to a service? */
static enum inet_verdict new_flow(struct worker *w, struct ipvs_worker *iw, uint16_t port_idx,
				  struct rte_mbuf *m, const struct rte_ipv4_hdr *ip,
				  uint16_t sport, uint16_t dport, uint8_t l4_event,
				  uint32_t bucket)
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
	if (!svc) {
		/* a real server answering a flow we do not know (expired,
		 * or never ours) */
		if (unlikely(ipvs_snap_is_dest(snap, proto, ip->src_addr, sport)) &&
		    !inet_addr_is_local(ip->dst_addr)) {
			dp_drop(w, port_idx, DPVS_DROP_CONN_STRAY_REPLY, m);
			return INET_STOLEN;
		}
		return INET_ACCEPT;
	}
	/* a conn is kept for a long time: not for a corrupt packet (the
	 * NIC's word when it gave one, else computed). A SYN-proxy SYN
	 * keeps nothing, and its answer inherits a bad checksum
	 * (ipvs_synp_syn_unchecked): only the NIC's word, which is free */
	bool synp = proto == IPPROTO_TCP && (svc->flags & DPVS_SVC_F_SYNPROXY);

	if (unlikely(synp && ipvs_synp_syn_unchecked(l4_event)
			 ? (m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) == RTE_MBUF_F_RX_L4_CKSUM_BAD
			 : !l4_csum_ok(m, ip))) {
		dp_drop(w, port_idx, DPVS_DROP_L4_BAD_CSUM, m);
		return INET_STOLEN;
	}
	if (synp) {
		/* the proxy answers SYNs itself; a conn starts with the
		 * ACK that returns a good cookie. No real server: no answer
		 * either (the client would believe a conn that cannot be) */
		if (unlikely(!svc->ndests)) {
			dp_drop(w, port_idx, DPVS_DROP_CONN_NO_DEST, m);
			return INET_STOLEN;
		}
		if (ipvs_synp_new_flow(w, iw, port_idx, m, snap, svc) == IPVS_SYNP_STOLEN)
			return INET_STOLEN;
		state = IPVS_TCP_SYN_RECV;
	} else if (proto == IPPROTO_TCP) {
		/* a flow starts with a SYN; an RST or a stray segment for an
		 * unknown flow must not pick a server (unless sloppy_tcp) */
		if ((l4_event & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG | RTE_TCP_RST_FLAG)) ==
		    RTE_TCP_SYN_FLAG) {
			/* what the state table says for a SYN from the client
			 * (SYN outranks a FIN beside it) */
			state = IPVS_TCP_SYN_RECV;
		} else {
			/* sloppy_tcp (LVS's): a segment of a flow begun on
			 * another director, which ECMP moved here; the
			 * scheduler (Maglev on every director) picks the
			 * server it had. The state is where that segment
			 * leads from nothing (an ACK: established). An RST
			 * never opens one */
			state = IPVS_TCP_NONE;
			if (snap->sloppy_tcp && !(l4_event & RTE_TCP_RST_FLAG))
				state = ipvs_tcp_next_state(IPVS_TCP_NONE, IPVS_DIR_IN, false,
							    l4_event);
			if (state == IPVS_TCP_NONE) {
				/* [defense] unknown_tcp rst: the client learns at
				 * once that the flow is gone (say after a restart)
				 * instead of retransmitting into silence; never
				 * for an RST */
				if (iw->def.rst && !(l4_event & RTE_TCP_RST_FLAG) &&
				    ipvs_tcp_send_rst(w, m)) {
					iw->def.rst_sent++;
					dp_drop(w, port_idx, DPVS_DROP_TCP_RST_SENT, m);
					return INET_STOLEN;
				}
				dp_drop(w, port_idx, DPVS_DROP_CONN_NOT_SYN, m);
				return INET_STOLEN;
			}
		}
	} else if (proto == IPPROTO_SCTP) {
		/* an association starts with the client's INIT, as LVS
		 * schedules SCTP (its sloppy_sctp off): anything else of an
		 * unknown association must not pick a server */
		if (l4_event != IPVS_SCTP_EV_INIT) {
			dp_drop(w, port_idx, DPVS_DROP_SCTP_NOT_INIT, m);
			return INET_STOLEN;
		}
		state = ipvs_sctp_next_state(IPVS_SCTP_NONE, IPVS_DIR_IN, false, l4_event);
	}
	/* drop_packet (defense.h): under pressure one new flow in
	 * drop_rate goes before it costs a scheduler pick and a slot */
	if (unlikely(iw->def.drop_rate) && ipvs_defense_drop_packet(iw)) {
		dp_drop(w, port_idx, DPVS_DROP_DEFENSE_DROP, m);
		return INET_STOLEN;
	}
	ctx = (struct sched_ctx){ .dest_cnt = iw->dest, .thresh = snap->thresh, .caddr = ip->src_addr, .cport = sport,
				  .worker = (uint16_t)iw->index, .daddr = ip->dst_addr,
				  .now = (uint32_t)w->now_sec };
	if (!svc->ndests)
		dest = NULL;
	else if (svc->flags & DPVS_SVC_F_PERSISTENT)
		dest = ipvs_persist_schedule(iw, w->now_sec, svc, &ctx, m, &tmpl);
	else
		dest = sched_pick(svc, &iw->svc[svc->id].sched, &ctx);
	if (!dest) {
		dp_drop(w, port_idx, DPVS_DROP_CONN_NO_DEST, m);
		return INET_STOLEN;
	}
	/* a dest without a port (fwmark and port 0 services) keeps the
	 * packet's destination port */
	uint16_t rport = dest->port ? dest->port : dport;

	if (dest->fwd == DPVS_FWD_FULLNAT) {
		struct ipvs_fnat_local fl;

		if (unlikely(proto == IPPROTO_SCTP)) {
			/* refused for SCTP services (service.c); a fwmark
			 * rule for any protocol can still bring one */
			dp_drop(w, port_idx, DPVS_DROP_CONN_NO_DEST, m);
			return INET_STOLEN;
		}
		enum dpvs_drop_reason why =
		    ipvs_fnat_bind(iw, w->now_sec, svc, proto, dest->addr, rport, &fl);

		if (unlikely(why != DPVS_DROP_MAX)) {
			dp_drop(w, port_idx, why, m);
			return INET_STOLEN;
		}
		c = ipvs_conn_new_fnat(iw, w->now_sec, proto, ip->src_addr, sport, ip->dst_addr,
				       dport, dest->addr, rport, &fl, svc->id, dest->id, state,
				       ipvs_state_timeout(iw, snap, state), bucket);
		if (c)
			ipvs_fnat_caddr_init(snap, svc, c, proto);
	} else {
		c = ipvs_conn_new(iw, w->now_sec, proto, ip->src_addr, sport, ip->dst_addr, dport,
				  dest->addr, rport, svc->id, dest->id, state,
				  ipvs_state_timeout(iw, snap, state), (uint8_t)dest->fwd, bucket);
	}
	if (!c) {
		dp_drop(w, port_idx, DPVS_DROP_CONN_FULL, m);
		return INET_STOLEN;
	}
	if (tmpl)
		ipvs_persist_bind(c, tmpl);
	/* the dest's conns leave the same way: start from where the last
	 * one went, while no route or neighbour changed since */
	if (iw->dest[dest->id].eg.gen == inet_egress_gen())
		c->eg_in = iw->dest[dest->id].eg;
	ipvs_count(iw, c, IPVS_DIR_IN, m->pkt_len);
	if (unlikely(svc->flags & DPVS_SVC_F_SYNPROXY) && proto == IPPROTO_TCP) {
		/* the service check let only NAT and Full-NAT real
		 * servers in (Full-NAT's LIP:lport bound above) */
		ipvs_synp_open(w, iw, c, m);
		return INET_STOLEN;
	}
	if (unlikely(proto == IPPROTO_SCTP))
		conn_xmit_sctp(w, c, IPVS_DIR_IN, m);
	else
		conn_xmit(w, c, IPVS_DIR_IN, m);
	/* one-packet scheduling (-o, UDP only as in LVS): each datagram is
	 * scheduled on its own, no conn is kept */
	if ((svc->flags & DPVS_SVC_F_ONEPACKET) && proto == IPPROTO_UDP)
		ipvs_conn_free(iw, c);
	else if (unlikely(ipvs_sync_master_on) && proto == IPPROTO_UDP)
		ipvs_sync_conn(iw, c); /* UDP: a backup hears of it from its first packet */
	return INET_STOLEN;
}

enum inet_verdict ipvs_in(struct worker *w, uint16_t port_idx, struct rte_mbuf *m)
{
	struct ipvs_worker *iw = ipvs_w(w);
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	uint8_t proto = ip->next_proto_id;
	struct ipvs_conn_node *n;
	uint8_t l4_event = 0; /* TCP: its flags; SCTP: its first chunk's event */
	uint16_t sport, dport;
	uint32_t l4_hdr, bucket;
	uint8_t *l4;

	if (unlikely(!iw))
		return INET_ACCEPT;
	if (!m->l3_len)
		m->l3_len = rte_ipv4_hdr_len(ip);
	if (proto == IPPROTO_ICMP)
		return ipvs_icmp_in(w, iw, port_idx, m);
	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP && proto != IPPROTO_SCTP)
		return INET_ACCEPT;
	/* fragments carry no (or partial) ports: the stack's policy decides */
	if (unlikely(ip->fragment_offset &
		     rte_cpu_to_be_16(RTE_IPV4_HDR_OFFSET_MASK | RTE_IPV4_HDR_MF_FLAG)))
		return INET_ACCEPT;
	l4 = (uint8_t *)ip + m->l3_len;
	/* a header cut short, or a TCP header claiming less (or more) than
	 * there is, is nobody's traffic: not the kernel's either. The IPv4
	 * layer checked total_length against the frame, and the first
	 * segment must hold the minimal header. */
	l4_hdr = proto == IPPROTO_SCTP ? IPVS_SCTP_HDR_LEN : sizeof(struct rte_udp_hdr);
	if (proto == IPPROTO_TCP) {
		/* the header's own length; under 5 words it is none (short) */
		uint32_t doff = 0;

		if (likely(rte_pktmbuf_data_len(m) >= m->l3_len + sizeof(struct rte_tcp_hdr)))
			doff = (((struct rte_tcp_hdr *)(void *)l4)->data_off >> 4) * 4u;
		l4_hdr = doff >= sizeof(struct rte_tcp_hdr) ? doff : UINT16_MAX;
	}
	if (unlikely(rte_be_to_cpu_16(ip->total_length) < m->l3_len + l4_hdr ||
		     rte_pktmbuf_data_len(m) < m->l3_len + RTE_MIN(l4_hdr, 20u))) {
		dp_drop(w, port_idx, DPVS_DROP_L4_SHORT, m);
		return INET_STOLEN;
	}
	sport = *(uint16_t *)(void *)l4;
	dport = *(uint16_t *)(void *)(l4 + 2);
	if (proto == IPPROTO_TCP)
		l4_event = ((struct rte_tcp_hdr *)(void *)l4)->tcp_flags;
	else if (proto == IPPROTO_SCTP)
		l4_event = ipvs_sctp_event(l4, RTE_MIN(rte_pktmbuf_data_len(m) - m->l3_len,
						       rte_be_to_cpu_16(ip->total_length) -
							       m->l3_len));

	bucket = ipvs_conn_bucket_of(iw, m, proto, ip->src_addr, ip->dst_addr, sport, dport);
	n = ipvs_conn_lookup_in(iw, bucket, proto, ip->src_addr, ip->dst_addr, sport, dport);
	if (n) {
		struct ipvs_conn *c = ipvs_conn_of(n);
		enum ipvs_dir dir = ipvs_node_dir(n);

		/* a new SYN on a closed conn's tuple (client port reuse): the
		 * old conn is over, schedule the new flow afresh */
		if (dir == IPVS_DIR_IN && proto == IPPROTO_TCP &&
		    (c->c_state == IPVS_TCP_TIME_WAIT || c->c_state == IPVS_TCP_CLOSE) &&
		    ((l4_event & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG)) == RTE_TCP_SYN_FLAG ||
		     /* or its SYN-proxy SYN was answered by another
		      * worker, which cannot end c: its cookie's ACK */
		     unlikely(ipvs_synp_reuse_ack(w, c, m, l4_event)))) {
			ipvs_conn_free(iw, c);
		} else {
			return conn_packet(w, iw, port_idx, m, c, dir, l4_event);
		}
	}
	return new_flow(w, iw, port_idx, m, ip, sport, dport, l4_event, bucket);
}

void ipvs_worker_timer(struct worker *w)
{
	struct ipvs_worker *iw = ipvs_w(w);

	if (unlikely(!iw))
		return;
	ipvs_conn_timer(iw, w->now_sec, w->loop_packets != 0);
	ipvs_defense_tick(iw, w->now_sec);
	ipvs_synp_tick(iw, w->now_sec);
	ipvs_conn_req_serve(iw, w->now_sec, w->lcore_id);
	ipvs_sync_poll(iw, w->now_sec);
}
