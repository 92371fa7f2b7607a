/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lbb_tcp: tcp-cps client table and stateless server (see lbb_tcp.h).
 */
#include <string.h>

#include <rte_byteorder.h>

#include "lbb_tcp.h"

#define F_FIN RTE_TCP_FIN_FLAG
#define F_SYN RTE_TCP_SYN_FLAG
#define F_RST RTE_TCP_RST_FLAG
#define F_PSH RTE_TCP_PSH_FLAG
#define F_ACK RTE_TCP_ACK_FLAG

int lbb_tcp_client_init(struct lbb_tcp_client *c, const struct lbb_net *net,
			struct lbb_tcp_conn *conn, uint32_t size, uint32_t max_inflight,
			uint64_t rto, unsigned retries, uint16_t request, uint16_t response)
{
	if (size == 0 || (size & (size - 1)) || max_inflight == 0 || max_inflight > size)
		return -1;
	memset(c, 0, sizeof(*c));
	memset(conn, 0, sizeof(*conn) * size);
	c->net = net;
	c->conn = conn;
	c->mask = size - 1;
	c->max_inflight = max_inflight;
	c->max_flows = lbb_net_max_flows(net);
	/* a slot is the flow's low bits: the tuple space must be a multiple
	 * of the table, or wrapping would map two live flows to one slot */
	c->max_flows -= c->max_flows % size;
	if (c->max_flows == 0 || c->max_flows > UINT32_MAX)
		return -1;
	c->rto = rto;
	c->max_retries = retries;
	c->request = request;
	c->response = response;
	return 0;
}

static void seg_from(const struct lbb_tcp_client *c, const struct lbb_tcp_conn *k,
		     struct lbb_tcp_seg *s, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t plen)
{
	lbb_flow_tuple(c->net, k->flow, &s->sip, &s->sport);
	s->dip = c->net->vip;
	s->dport = c->net->vport;
	s->flags = flags;
	s->seq = seq;
	s->ack = ack;
	s->plen = plen;
}

/* The client's segments of the current state: what goes out first, and
 * again on a retransmission. */
static unsigned emit(const struct lbb_tcp_client *c, const struct lbb_tcp_conn *k,
		     struct lbb_tcp_seg *out)
{
	switch (k->state) {
	case LBB_TCP_SYN_SENT:
		seg_from(c, k, &out[0], F_SYN, k->isn, 0, 0);
		return 1;
	case LBB_TCP_REQ_SENT:
		seg_from(c, k, &out[0], F_ACK, k->isn + 1, k->srv_isn + 1, 0);
		seg_from(c, k, &out[1], F_PSH | F_ACK, k->isn + 1, k->srv_isn + 1, c->request);
		return 2;
	case LBB_TCP_FIN_SENT:
		seg_from(c, k, &out[0], F_FIN | F_ACK, k->isn + 1 + c->request,
			 k->srv_isn + 2 + c->response, 0);
		return 1;
	}
	return 0;
}

bool lbb_tcp_open(struct lbb_tcp_client *c, uint64_t now, struct lbb_tcp_seg *out)
{
	struct lbb_tcp_conn *k = &c->conn[c->next_flow & c->mask];

	if (c->inflight >= c->max_inflight || k->state != LBB_TCP_FREE) {
		c->stalled++;
		return false;
	}
	k->flow = (uint32_t)c->next_flow;
	k->isn = (uint32_t)(c->next_flow * 2654435761u); /* spread, not secret */
	k->state = LBB_TCP_SYN_SENT;
	k->retries = 0;
	k->open_tsc = now;
	k->deadline = now + c->rto;
	c->next_flow = (c->next_flow + 1) % c->max_flows;
	c->inflight++;
	c->opened++;
	emit(c, k, out);
	return true;
}

static void release(struct lbb_tcp_client *c, struct lbb_tcp_conn *k)
{
	k->state = LBB_TCP_FREE;
	c->inflight--;
}

enum lbb_tcp_event lbb_tcp_client_input(struct lbb_tcp_client *c, const struct lbb_pkt *p,
					uint64_t now, struct lbb_tcp_seg out[LBB_TCP_MAX_OUT],
					unsigned *nout, uint64_t *open_tsc)
{
	const struct rte_tcp_hdr *tcp = p->l4;
	uint8_t fl = tcp->tcp_flags;
	uint32_t seq = rte_be_to_cpu_32(tcp->sent_seq), ack = rte_be_to_cpu_32(tcp->recv_ack);
	struct lbb_tcp_conn *k;
	uint64_t flow;

	*nout = 0;
	if (p->kind != LBB_PKT_TCP || p->sip != c->net->vip || p->sport != c->net->vport ||
	    !lbb_flow_index(c->net, p->dip, p->dport, &flow))
		goto unexpected;
	k = &c->conn[flow & c->mask];
	if (k->state == LBB_TCP_FREE || k->flow != flow)
		goto unexpected; /* late duplicate of a finished connection */
	if (fl & F_RST) {
		release(c, k);
		c->failed++;
		return LBB_TCP_EV_FAILED;
	}
	switch (k->state) {
	case LBB_TCP_SYN_SENT:
		if ((fl & (F_SYN | F_ACK)) != (F_SYN | F_ACK) || ack != k->isn + 1)
			goto unexpected;
		k->srv_isn = seq;
		k->state = LBB_TCP_REQ_SENT;
		break;
	case LBB_TCP_REQ_SENT:
		if ((fl & (F_SYN | F_ACK)) == (F_SYN | F_ACK) && ack == k->isn + 1) {
			/* our ACK was lost: the server repeats itself, so do we */
			c->retransmitted++;
			break;
		}
		if (!(fl & F_FIN) || seq != k->srv_isn + 1 || p->plen != c->response ||
		    ack != k->isn + 1 + c->request)
			goto unexpected;
		k->state = LBB_TCP_FIN_SENT;
		break;
	case LBB_TCP_FIN_SENT:
		if ((fl & F_FIN) && seq == k->srv_isn + 1) {
			c->retransmitted++; /* the response again: our FIN was lost */
			break;
		}
		if (!(fl & F_ACK) || ack != k->isn + 2 + c->request)
			goto unexpected;
		*open_tsc = k->open_tsc;
		release(c, k);
		c->completed++;
		return LBB_TCP_EV_COMPLETED;
	}
	k->retries = 0;
	k->deadline = now + c->rto;
	*nout = emit(c, k, out);
	return LBB_TCP_EV_PROGRESS;
unexpected:
	c->unexpected++;
	return LBB_TCP_EV_UNEXPECTED;
}

unsigned lbb_tcp_client_timers(struct lbb_tcp_client *c, uint64_t now, unsigned budget,
			       struct lbb_tcp_seg *out, unsigned max_out)
{
	unsigned n = 0;

	for (; budget > 0 && n + LBB_TCP_MAX_OUT <= max_out; budget--) {
		struct lbb_tcp_conn *k = &c->conn[c->scan];

		c->scan = (c->scan + 1) & c->mask;
		if (k->state == LBB_TCP_FREE || now < k->deadline)
			continue;
		if (k->retries >= c->max_retries) {
			release(c, k);
			c->failed++;
			continue;
		}
		k->retries++;
		/* back off as TCP does, so a slow box is not buried */
		k->deadline = now + (c->rto << k->retries);
		c->retransmitted++;
		n += emit(c, k, &out[n]);
	}
	return n;
}

/* The server's sequence number for a connection: a function of the tuple,
 * so every answer can be recomputed without state. */
static uint32_t server_isn(const struct lbb_pkt *p)
{
	uint32_t h = p->sip * 0x9e3779b1u ^ p->dip;

	h = (h ^ ((uint32_t)p->sport << 16 | p->dport)) * 0x85ebca6bu;
	return h ^ (h >> 13);
}

bool lbb_tcp_respond(const struct lbb_pkt *p, uint16_t response, struct lbb_tcp_seg *out)
{
	const struct rte_tcp_hdr *tcp = p->l4;
	uint8_t fl = tcp->tcp_flags;
	uint32_t seq = rte_be_to_cpu_32(tcp->sent_seq), ack = rte_be_to_cpu_32(tcp->recv_ack);

	if (fl & F_RST)
		return false;
	out->sip = p->dip;
	out->dip = p->sip;
	out->sport = p->dport;
	out->dport = p->sport;
	out->plen = 0;
	if ((fl & (F_SYN | F_ACK)) == F_SYN) {
		out->flags = F_SYN | F_ACK;
		out->seq = server_isn(p);
		out->ack = seq + 1;
		return true;
	}
	if (!(fl & F_ACK))
		return false;
	if (p->plen > 0) { /* the request: answer and close our side */
		out->flags = F_PSH | F_ACK | F_FIN;
		out->seq = ack;
		out->ack = seq + p->plen;
		out->plen = response;
		return true;
	}
	if (fl & F_FIN) { /* the client's FIN: the last ACK */
		out->flags = F_ACK;
		out->seq = ack;
		out->ack = seq + 1;
		return true;
	}
	return false; /* a pure ACK needs no answer */
}
