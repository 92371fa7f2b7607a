/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fnat_caddr: which packets of a Full-NAT conn carry the client's address
 * (fnat_caddr.h says why these), and its counters. The rewrites
 * themselves are toa.c and uoa.c.
 */
#include <errno.h>
#include <netinet/in.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "ipvs/fnat_caddr.h"

/* One more packet carried it: the mark goes after `limit` of them. */
static void caddr_count(struct ipvs_conn *c, unsigned limit)
{
	unsigned n = ((c->c_flags & IPVS_CONN_F_CADDR_N_MASK) >> IPVS_CONN_F_CADDR_N_SHIFT) + 1;

	c->c_flags &= (uint8_t)~IPVS_CONN_F_CADDR_N_MASK;
	if (n >= limit)
		c->c_flags &= (uint8_t)~IPVS_CONN_F_CADDR;
	else
		c->c_flags |= (uint8_t)(n << IPVS_CONN_F_CADDR_N_SHIFT);
}

static void count_rc(uint64_t *added, uint64_t *no_room, int rc)
{
	if (rc == 0)
		(*added)++;
	else
		(*no_room)++;
}

bool ipvs_fnat_caddr(struct worker *w, struct ipvs_conn *c, enum ipvs_dir dir, struct rte_mbuf *m,
		     uint16_t mtu)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	struct ipvs_caddr_wstats *st = &ipvs_w(w)->caddr;
	struct rte_tcp_hdr *th;
	uint8_t flags;

	if (unlikely(ip->next_proto_id == IPPROTO_TCP &&
		     rte_pktmbuf_data_len(m) < m->l3_len + sizeof(struct rte_tcp_hdr)))
		return false;
	if (c->c_flags & IPVS_CONN_F_PP) {
		if (dir == IPVS_DIR_IN)
			return ipvs_pp_in(w, st, c, m, mtu);
		ipvs_pp_out(st, c, m, mtu);
		return false;
	}
	if (ip->next_proto_id == IPPROTO_UDP) {
		if (dir != IPVS_DIR_IN)
			return false;
		count_rc(&st->uoa_added, &st->uoa_no_room,
			 uoa_insert(m, c->in.saddr, c->in.sport, mtu));
		caddr_count(c, UOA_PACKETS);
		return false;
	}
	if (ip->next_proto_id != IPPROTO_TCP)
		return false;
	th = (struct rte_tcp_hdr *)((uint8_t *)ip + m->l3_len);
	flags = th->tcp_flags;
	if (dir == IPVS_DIR_OUT) {
		/* the real server's SYN-ACK sizes the client's segments,
		 * which grow by the option: its MSS less the option, and no
		 * more than the MTU towards the real server allows */
		if (flags & RTE_TCP_SYN_FLAG) {
			uint16_t rs_mtu = c->eg_in.mtu ? c->eg_in.mtu : mtu;
			uint32_t max = rs_mtu > 576 ? rs_mtu - 40u - TOA_LEN : 536u - TOA_LEN;

			if (rte_pktmbuf_data_len(m) >= m->l3_len + (th->data_off >> 4) * 4u &&
			    tcp_mss_clamp(th, (uint16_t)max, TOA_LEN))
				st->mss_clamped++;
		}
		return false;
	}
	if (flags & RTE_TCP_RST_FLAG)
		return false;
	count_rc(&st->toa_added, &st->toa_no_room, toa_insert(m, c->in.saddr, c->in.sport, mtu));
	/* every SYN (a retransmitted one too) carries it; then the
	 * handshake's ACK and the first data */
	if (!(flags & RTE_TCP_SYN_FLAG))
		caddr_count(c, IPVS_TOA_SEGMENTS);
	return false;
}

void ipvs_caddr_stats(unsigned worker_index, struct dpvs_worker_stats *s)
{
	const struct ipvs_worker *iw = ipvs_worker_state(worker_index);

	if (!iw)
		return;
	s->toa_added = iw->caddr.toa_added;
	s->toa_no_room = iw->caddr.toa_no_room;
	s->uoa_added = iw->caddr.uoa_added;
	s->uoa_no_room = iw->caddr.uoa_no_room;
	s->mss_clamped = iw->caddr.mss_clamped;
	s->pp_added = iw->caddr.pp_added;
	s->pp_no_room = iw->caddr.pp_no_room;
}
