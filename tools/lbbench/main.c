/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lbbench: plays the clients and the real servers around a layer-4 load
 * balancer and measures it: UDP packet rates at N concurrent flows, TCP
 * connections per second, round-trip latency. Port 0 is the client arm
 * (frames to VIP:vport), port 1 the server arm (the real servers answer
 * whatever reaches them); with --loopback one port sees its own frames
 * come back (testpmd macswap), which measures the link's ceiling with the
 * same code that measures the balancer.
 *
 * One lcore runs everything in one loop: client RX, server RX (and the
 * answers), generation, TCP timers, a progress line each second. With
 * --queues N every RX queue of both ports is polled and each frame leaves
 * on the TX queue that lbb_rss.c picks, as the box's NIC RSS would have
 * picked its RX queue. Frame building and checking live in lbb_frame.c,
 * the TCP ends in lbb_tcp.c; this file owns the loop, the counters and
 * the summary.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "lbb_attack.h"
#include "lbb_frame.h"
#include "lbb_hist.h"
#include "lbb_json.h"
#include "lbb_opts.h"
#include "lbb_port.h"
#include "lbb_tcp.h"

#define BURST 32
#define CLIENT 0
#define SERVER 1
#define ARP_WAIT_S 5.0
#define LINK_WAIT_S 10.0
#define TIMER_BUDGET 64          /* TCP slots looked at per loop */
#define MAX_BACKLOG_S 0.001      /* a rate generator never catches up more than this */
#define MAX_TIMELINE 100000      /* --timeline points at most (the rest is not kept) */
#define TXB_MAX (BURST * LBB_TCP_MAX_OUT) /* frames one turn of one side sends at most */

struct side_stats {
	uint64_t rx_pkts, rx_bytes;
	uint64_t tx_pkts, tx_bytes;
	uint64_t tx_full;  /* frames the TX ring refused (answers dropped) */
	uint64_t other;    /* frames of no interest (not ours, not ARP) */
	uint64_t bad;      /* malformed */
	uint64_t seen;     /* UDP/TCP frames, for the sampling */
	uint64_t check_err[LBB_CHECK_MAX]; /* outcome of each sampled frame */
	uint64_t arp_replied;
	uint64_t txq[LBB_MAX_QUEUES], rxq[LBB_MAX_QUEUES]; /* frames per queue */
};

/* Frames for one side, each with the queue it leaves on. */
struct txbatch {
	unsigned n;
	struct rte_mbuf *m[TXB_MAX];
	uint8_t q[TXB_MAX];
};

struct lbb {
	struct lbb_opts o;
	struct rte_mempool *pool;
	uint16_t port[2];                 /* client, server: equal with --loopback */
	unsigned nsides;
	struct rte_ether_addr mac[2], peer[2];
	uint64_t hz;
	bool counting;                    /* the warm-up is over */
	uint16_t nq;                      /* queue pairs per port */
	struct lbb_rss rss;               /* which one each frame leaves on */

	/* generator */
	struct lbb_udp_tmpl tmpl;
	uint64_t next_flow;
	uint64_t gen_flows;               /* flows cycled through now: --flows,
					   * then --measured-flows once counting */
	uint64_t flow_step;               /* next_flow's step: 1, or with
					   * --flow-order stride one coprime
					   * to gen_flows (a permutation) */
	uint32_t seq;
	uint64_t gen_start, gen_sent;     /* for the rate */
	uint64_t gen_skipped;             /* behind the target rate: not sent */
	struct rte_mbuf *pending[BURST];  /* built, refused by TX: sent next time */
	unsigned npending;                /* of them not sent yet */
	uint16_t q_off[LBB_MAX_QUEUES];   /* pending is sorted by queue: queue q's */
	uint16_t q_end[LBB_MAX_QUEUES];   /* are [q_off[q], q_end[q]) */

	/* --attack: the flood beside tcp-cps (lbb_attack.h) */
	struct lbb_attack atk;
	uint64_t atk_sent;                /* SYNs of the flood sent, all the run */
	uint64_t atk_budget_sent;         /* for its rate */

	/* tcp-cps */
	struct lbb_tcp_client tcp;
	struct lbb_tcp_conn *conns;
	uint64_t tx_full_seen;            /* client tx_full at the last look */

	/* counters since the warm-up ended */
	struct side_stats st[2];
	uint64_t t0_unix_us;              /* wall clock when counting began */
	struct tl_point *tl;              /* --timeline: one point per interval */
	unsigned tl_len, tl_cap;
	uint64_t tl_dropped;              /* intervals past tl_cap, not kept */
	uint64_t tl_next, tl_prev_tsc, tl_start;
	uint64_t tl_prev[3];              /* cumulative counts at the last point */
	struct lbb_hist rtt;              /* latency mode */
	struct lbb_hist conn_time;        /* tcp-cps: SYN to last ACK */
	uint64_t no_mbuf;
};

/* Frames in one --timeline interval: the client arm sent (tx), the
 * servers got (fwd_rx), the clients got back (rev_rx, or with --loopback
 * their own frames). end_s: since counting began. */
struct tl_point {
	double end_s;
	uint64_t tx, fwd_rx, rev_rx;
};

static volatile sig_atomic_t stop_requested, release_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void on_release(int sig)
{
	(void)sig;
	release_requested = 1;
}

static double tsc_to_s(const struct lbb *b, uint64_t t)
{
	return (double)t / (double)b->hz;
}

/* ---- transmit ---- */

static inline void txb_add(struct txbatch *t, struct rte_mbuf *m, unsigned q)
{
	t->m[t->n] = m;
	t->q[t->n++] = (uint8_t)q;
}

/* The queue of a frame lbbench built or answers with on `side`: the
 * client is its source on the client arm, its destination on the other. */
static inline unsigned seg_queue(struct lbb *b, unsigned side, const struct lbb_tcp_seg *seg)
{
	return lbb_rss_queue(&b->rss, seg->sip, seg->dip, seg->sport, seg->dport, side == CLIENT);
}

/*
 * Stable counting sort of m[0..n) by q[]: queue k's frames end up in
 * sorted[start[k] .. start[k + 1]), in the order they came (a flow's
 * frames stay in order on its queue).
 */
static void sort_by_queue(struct rte_mbuf *const *m, const uint8_t *q, unsigned n, unsigned nq,
			  struct rte_mbuf **sorted, uint16_t *start)
{
	uint16_t pos[LBB_MAX_QUEUES];

	memset(start, 0, (nq + 1) * sizeof(*start));
	for (unsigned i = 0; i < n; i++)
		start[q[i] + 1]++;
	for (unsigned k = 0; k < nq; k++)
		start[k + 1] = (uint16_t)(start[k + 1] + start[k]);
	memcpy(pos, start, nq * sizeof(*pos));
	for (unsigned i = 0; i < n; i++)
		sorted[pos[q[i]]++] = m[i];
}

/* What a TX queue refuses is dropped and counted (answers, TCP segments:
 * the generator's own flood waits instead, see udp_generate). */
static void tx_queue_or_drop(struct lbb *b, unsigned side, uint16_t q, struct rte_mbuf **m,
			     unsigned n)
{
	uint16_t sent = n ? rte_eth_tx_burst(b->port[side], q, m, (uint16_t)n) : 0;
	struct side_stats *s = &b->st[side];

	for (unsigned i = 0; i < sent; i++)
		s->tx_bytes += m[i]->pkt_len;
	s->tx_pkts += sent;
	s->txq[q] += sent;
	if (sent < n) {
		s->tx_full += n - sent;
		rte_pktmbuf_free_bulk(&m[sent], n - sent);
	}
}

static void tx_or_drop(struct lbb *b, unsigned side, struct txbatch *t)
{
	struct rte_mbuf *sorted[TXB_MAX];
	uint16_t start[LBB_MAX_QUEUES + 1];

	if (b->nq == 1) {
		tx_queue_or_drop(b, side, 0, t->m, t->n);
	} else {
		sort_by_queue(t->m, t->q, t->n, b->nq, sorted, start);
		for (uint16_t q = 0; q < b->nq; q++)
			tx_queue_or_drop(b, side, q, &sorted[start[q]], start[q + 1] - start[q]);
	}
	t->n = 0;
}

static struct rte_mbuf *seg_mbuf(struct lbb *b, unsigned side, const struct lbb_tcp_seg *seg)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(b->pool);
	uint16_t len;

	if (!m) {
		b->no_mbuf++;
		return NULL;
	}
	len = lbb_tcp_build(rte_pktmbuf_mtod(m, uint8_t *), rte_pktmbuf_tailroom(m), &b->mac[side],
			    &b->peer[side], seg);
	m->data_len = len;
	m->pkt_len = len;
	return m;
}

/* ---- receive ---- */

static void sample_check(struct lbb *b, unsigned side, const struct lbb_pkt *p)
{
	struct side_stats *s = &b->st[side];
	enum lbb_check_err e;

	if (s->seen++ % b->o.sample != 0)
		return;
	if (side == SERVER)
		e = lbb_check_at_server(&b->o.net, p);
	else
		e = lbb_check_at_client(&b->o.net, p, b->o.loopback);
	s->check_err[e]++;
}

/* ARP is answered for every address lbbench plays on that side, and the
 * box's own address teaches us its MAC. True when m was consumed. */
static bool handle_arp(struct lbb *b, unsigned side, struct lbb_pkt *p, struct rte_mbuf *m,
		       struct txbatch *out)
{
	bool ours;

	if (p->kind == LBB_PKT_ARP_REPLY) {
		if (p->sip == (side == CLIENT ? b->o.net.vip : b->o.net.gw_server) &&
		    !b->o.peer_mac_set[side]) {
			rte_ether_addr_copy(&p->eth->src_addr, &b->peer[side]);
			b->o.peer_mac_set[side] = true;
		}
		return false;
	}
	ours = side == CLIENT ? lbb_is_client_ip(&b->o.net, p->dip) : lbb_is_rip(&b->o.net, p->dip);
	if (!ours || (b->o.loopback && side == CLIENT && p->sip == 0))
		return false;
	lbb_arp_reply(rte_pktmbuf_mtod(m, uint8_t *), &b->mac[side]);
	b->st[side].arp_replied++;
	txb_add(out, m, 0); /* not IP: a NIC's RSS puts it on queue 0 */
	return true;
}

static void stamp_rtt(struct lbb *b, const struct lbb_pkt *p, uint64_t now)
{
	struct lbb_stamp st;

	if (p->plen < sizeof(st))
		return;
	memcpy(&st, p->payload, sizeof(st));
	if (st.magic != LBB_STAMP_MAGIC || st.tsc > now)
		return;
	lbb_hist_add(&b->rtt, (uint64_t)((double)(now - st.tsc) * 1e9 / (double)b->hz));
}

static void tcp_client_segment(struct lbb *b, const struct lbb_pkt *p, uint64_t now,
			       struct txbatch *out)
{
	struct lbb_tcp_seg segs[LBB_TCP_MAX_OUT];
	unsigned n;
	uint64_t opened;

	switch (lbb_tcp_client_input(&b->tcp, p, now, segs, &n, &opened)) {
	case LBB_TCP_EV_COMPLETED:
		if (b->counting)
			lbb_hist_add(&b->conn_time,
				     (uint64_t)((double)(now - opened) * 1e9 / (double)b->hz));
		break;
	case LBB_TCP_EV_PROGRESS:
		for (unsigned i = 0; i < n; i++) {
			struct rte_mbuf *m = seg_mbuf(b, CLIENT, &segs[i]);

			if (m)
				txb_add(out, m, seg_queue(b, CLIENT, &segs[i]));
		}
		break;
	default:
		break;
	}
}

static void client_rx(struct lbb *b, uint16_t q, uint64_t now)
{
	struct rte_mbuf *pkts[BURST];
	struct txbatch out;
	uint16_t n = rte_eth_rx_burst(b->port[CLIENT], q, pkts, BURST);
	struct side_stats *s = &b->st[CLIENT];
	struct lbb_pkt p;

	if (n == 0)
		return;
	out.n = 0;
	s->rxq[q] += n;
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];

		switch (lbb_parse(rte_pktmbuf_mtod(m, uint8_t *), m->data_len, &p)) {
		case LBB_PKT_UDP:
			s->rx_pkts++;
			s->rx_bytes += m->pkt_len;
			sample_check(b, CLIENT, &p);
			if (b->o.mode == LBB_MODE_LATENCY && b->counting)
				stamp_rtt(b, &p, now);
			break;
		case LBB_PKT_TCP:
			s->rx_pkts++;
			s->rx_bytes += m->pkt_len;
			sample_check(b, CLIENT, &p);
			if (b->o.mode == LBB_MODE_TCP_CPS)
				tcp_client_segment(b, &p, now, &out);
			break;
		case LBB_PKT_ARP_REQUEST:
		case LBB_PKT_ARP_REPLY:
			if (handle_arp(b, CLIENT, &p, m, &out))
				continue;
			break;
		case LBB_PKT_BAD:
			s->bad++;
			break;
		default:
			s->other++;
			break;
		}
		rte_pktmbuf_free(m);
	}
	tx_or_drop(b, CLIENT, &out);
}

/* The real servers: a UDP echo (or a sink) and the stateless TCP responder. */
static void server_rx(struct lbb *b, uint16_t q)
{
	struct rte_mbuf *pkts[BURST];
	struct txbatch out;
	uint16_t n = rte_eth_rx_burst(b->port[SERVER], q, pkts, BURST);
	struct side_stats *s = &b->st[SERVER];
	struct lbb_pkt p;

	if (n == 0)
		return;
	out.n = 0;
	s->rxq[q] += n;
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct lbb_tcp_seg seg;
		struct rte_ether_addr to;
		uint16_t len;

		switch (lbb_parse(rte_pktmbuf_mtod(m, uint8_t *), m->data_len, &p)) {
		case LBB_PKT_UDP:
			s->rx_pkts++;
			s->rx_bytes += m->pkt_len;
			sample_check(b, SERVER, &p);
			if (!b->o.reply)
				break;
			/* UOA (an IP option) is the box's note to the server,
			 * which answers without it, as a real stack does */
			uint16_t cut = lbb_strip_ip_options(&p);

			if (cut)
				rte_pktmbuf_adj(m, cut);
			lbb_swap_addrs(&p);
			txb_add(&out, m,
				lbb_rss_queue(&b->rss, p.sip, p.dip, p.sport, p.dport, false));
			continue;
		case LBB_PKT_TCP:
			s->rx_pkts++;
			s->rx_bytes += m->pkt_len;
			sample_check(b, SERVER, &p);
			if (!lbb_tcp_respond(&p, b->o.response, &seg))
				break;
			/* answer in the same mbuf, to whoever sent it (the box) */
			rte_ether_addr_copy(&p.eth->src_addr, &to);
			len = lbb_tcp_build(rte_pktmbuf_mtod(m, uint8_t *),
					    (uint16_t)(m->buf_len - m->data_off), &b->mac[SERVER], &to,
					    &seg);
			if (!len)
				break;
			m->data_len = len;
			m->pkt_len = len;
			txb_add(&out, m, seg_queue(b, SERVER, &seg));
			continue;
		case LBB_PKT_ARP_REQUEST:
		case LBB_PKT_ARP_REPLY:
			if (handle_arp(b, SERVER, &p, m, &out))
				continue;
			break;
		case LBB_PKT_BAD:
			s->bad++;
			break;
		default:
			s->other++;
			break;
		}
		rte_pktmbuf_free(m);
	}
	tx_or_drop(b, SERVER, &out);
}

/* ---- generation ---- */

/* How many frames (or connections) the target rate allows now. */
static unsigned gen_budget(struct lbb *b, uint64_t now)
{
	double due;
	uint64_t allowed;

	if (b->o.rate <= 0)
		return BURST;
	due = tsc_to_s(b, now - b->gen_start) * b->o.rate;
	allowed = (uint64_t)due;
	if (allowed <= b->gen_sent)
		return 0;
	if (allowed - b->gen_sent > BURST + b->o.rate * MAX_BACKLOG_S) {
		/* we fell behind (the loop was busy): don't burst to catch up */
		uint64_t skip = allowed - b->gen_sent - BURST;

		b->gen_skipped += skip;
		b->gen_sent += skip;
	}
	return (unsigned)RTE_MIN(allowed - b->gen_sent, (uint64_t)BURST);
}

/*
 * The flood waits for the link instead of losing frames (backpressure): a
 * burst is built, sorted by queue, and the next one only once every queue
 * took its share; a queue whose worker is behind holds the others back,
 * as the slowest worker would pace a sender that waits for each answer.
 */
static void udp_generate(struct lbb *b, uint64_t now)
{
	struct side_stats *s = &b->st[CLIENT];
	struct rte_mbuf *built[BURST];
	uint8_t qs[BURST];
	uint16_t start[LBB_MAX_QUEUES + 1];
	unsigned want;

	if (b->npending == 0) {
		want = gen_budget(b, now);
		if (want == 0)
			return;
		/* one queue: built in place, nothing to sort */
		if (rte_pktmbuf_alloc_bulk(b->pool, b->nq == 1 ? b->pending : built, want)) {
			b->no_mbuf++;
			return;
		}
		for (unsigned i = 0; i < want; i++) {
			struct rte_mbuf *m = b->nq == 1 ? b->pending[i] : built[i];
			struct lbb_stamp st, *stp = NULL;

			if (b->o.mode == LBB_MODE_LATENCY) {
				st.magic = LBB_STAMP_MAGIC;
				st.seq = b->seq++;
				st.tsc = rte_rdtsc();
				stp = &st;
			}
			lbb_udp_build(&b->tmpl, &b->o.net, b->next_flow, stp,
				      rte_pktmbuf_mtod(m, uint8_t *));
			m->data_len = b->tmpl.len;
			m->pkt_len = b->tmpl.len;
			if (b->nq > 1)
				qs[i] = (uint8_t)lbb_rss_queue_frame(
					&b->rss, rte_pktmbuf_mtod(m, uint8_t *), b->tmpl.len, true);
			b->next_flow += b->flow_step;
			if (b->next_flow >= b->gen_flows)
				b->next_flow -= b->gen_flows;
		}
		if (b->nq == 1) {
			b->q_off[0] = 0;
			b->q_end[0] = (uint16_t)want;
		} else {
			sort_by_queue(built, qs, want, b->nq, b->pending, start);
			for (uint16_t q = 0; q < b->nq; q++) {
				b->q_off[q] = start[q];
				b->q_end[q] = start[q + 1];
			}
		}
		b->npending = want;
		b->gen_sent += want;
	}
	for (uint16_t q = 0; q < b->nq; q++) {
		unsigned left = b->q_end[q] - b->q_off[q], sent;

		if (left == 0)
			continue;
		sent = rte_eth_tx_burst(b->port[CLIENT], q, &b->pending[b->q_off[q]], (uint16_t)left);
		s->tx_pkts += sent;
		s->txq[q] += sent;
		s->tx_bytes += (uint64_t)sent * b->tmpl.len;
		b->q_off[q] = (uint16_t)(b->q_off[q] + sent);
		b->npending -= sent;
	}
	/* what a queue refused is kept for the next turn (backpressure, not loss) */
}

/*
 * The flood: spoofed SYNs at its own rate (0: a burst every turn, as fast
 * as the link takes them; what the link refuses is lost, as a flood's
 * packets are). Never counted in the clients' figures. noinline: so that
 * callgrind can count the generator's instructions per SYN on its own
 * (test/bench/instr.sh, --toggle-collect=attack_generate).
 */
static __attribute__((noinline)) void attack_generate(struct lbb *b, uint64_t now)
{
	struct txbatch out;
	struct lbb_tcp_seg seg;
	unsigned want = BURST;

	if (b->o.attack_rate > 0) {
		uint64_t due = (uint64_t)(tsc_to_s(b, now - b->gen_start) * b->o.attack_rate);

		want = due > b->atk_budget_sent ? (unsigned)RTE_MIN(due - b->atk_budget_sent,
								   (uint64_t)BURST)
						: 0;
	}
	out.n = 0;
	for (unsigned i = 0; i < want; i++) {
		struct rte_mbuf *m;

		lbb_attack_next(&b->atk, &seg);
		m = seg_mbuf(b, CLIENT, &seg);
		if (!m)
			break;
		txb_add(&out, m, seg_queue(b, CLIENT, &seg));
	}
	b->atk_budget_sent += want;
	b->atk_sent += out.n;
	tx_or_drop(b, CLIENT, &out);
}

static void tcp_generate(struct lbb *b, uint64_t now)
{
	struct txbatch out;
	struct lbb_tcp_seg segs[TXB_MAX];
	unsigned want = gen_budget(b, now), nseg;
	struct rte_mbuf *m;

	/* backpressure: while the link refuses segments, open nothing new
	 * (a lost SYN costs a whole RTO, which would measure the generator) */
	if (b->st[CLIENT].tx_full != b->tx_full_seen) {
		b->tx_full_seen = b->st[CLIENT].tx_full;
		want = 0;
	}
	out.n = 0;
	for (unsigned i = 0; i < want; i++) {
		if (!lbb_tcp_open(&b->tcp, now, &segs[0]))
			break;
		b->gen_sent++;
		m = seg_mbuf(b, CLIENT, &segs[0]);
		if (m)
			txb_add(&out, m, seg_queue(b, CLIENT, &segs[0]));
	}
	tx_or_drop(b, CLIENT, &out);
	nseg = lbb_tcp_client_timers(&b->tcp, now, TIMER_BUDGET, segs, RTE_DIM(segs));
	for (unsigned i = 0; i < nseg; i++) {
		m = seg_mbuf(b, CLIENT, &segs[i]);
		if (m)
			txb_add(&out, m, seg_queue(b, CLIENT, &segs[i]));
	}
	tx_or_drop(b, CLIENT, &out);
}

/* ---- start-up ---- */

static void poll_once(struct lbb *b, uint64_t now)
{
	for (uint16_t q = 0; q < b->nq; q++) {
		client_rx(b, q, now);
		if (b->nsides == 2)
			server_rx(b, q);
	}
}

/* Learns the box's MAC on each side from its ARP reply (VIP on the client
 * side, the DIP on the server side), answering its own requests meanwhile. */
static int resolve_peers(struct lbb *b)
{
	uint32_t ask[2] = { b->o.net.vip, b->o.net.gw_server };
	uint32_t from[2];
	uint64_t deadline = rte_rdtsc() + (uint64_t)(ARP_WAIT_S * (double)b->hz), next = 0;
	uint64_t f;

	/* the request needs a sender: the first client, the first real server */
	lbb_flow_tuple(&b->o.net, 0, &from[CLIENT], &(uint16_t){ 0 });
	from[SERVER] = b->o.net.rips[0];
	while (!stop_requested) {
		uint64_t now = rte_rdtsc();
		bool all = true;

		for (unsigned side = 0; side < b->nsides; side++) {
			struct txbatch t = { .n = 0 };
			struct rte_mbuf *m;

			if (b->o.peer_mac_set[side])
				continue;
			all = false;
			if (now < next)
				continue;
			m = rte_pktmbuf_alloc(b->pool);
			if (!m)
				continue;
			m->data_len = m->pkt_len = lbb_arp_request(rte_pktmbuf_mtod(m, uint8_t *),
								   &b->mac[side], from[side], ask[side]);
			txb_add(&t, m, 0);
			tx_or_drop(b, side, &t);
		}
		if (all)
			return 0;
		if (now >= next)
			next = now + b->hz / 5;
		if (now > deadline)
			break;
		poll_once(b, now);
	}
	for (unsigned side = 0; side < b->nsides; side++) {
		char a[INET_ADDRSTRLEN];

		if (b->o.peer_mac_set[side])
			continue;
		f = ask[side];
		inet_ntop(AF_INET, &f, a, sizeof(a));
		fprintf(stderr, "lbbench: port %u: no ARP reply for %s within %.0f s: is the "
			"box up with that address? (or give --peer-mac%u)\n", b->port[side], a,
			ARP_WAIT_S, side);
	}
	return -1;
}

/* ---- reporting ---- */

struct snapshot {
	uint64_t tsc;
	struct side_stats st[2];
	uint64_t completed, failed;
};

static void take(const struct lbb *b, struct snapshot *sn, uint64_t now)
{
	sn->tsc = now;
	memcpy(sn->st, b->st, sizeof(sn->st));
	sn->completed = b->tcp.completed;
	sn->failed = b->tcp.failed;
}

static uint64_t check_errors(const struct side_stats *s)
{
	uint64_t n = 0;

	for (unsigned e = 1; e < LBB_CHECK_MAX; e++)
		n += s->check_err[e];
	return n;
}

static void progress(const struct lbb *b, const struct snapshot *prev, const struct snapshot *cur,
		     double t)
{
	double dt = tsc_to_s(b, cur->tsc - prev->tsc);
	const struct side_stats *c0 = &prev->st[CLIENT], *c1 = &cur->st[CLIENT];
	const struct side_stats *s0 = &prev->st[SERVER], *s1 = &cur->st[SERVER];

	if (dt <= 0)
		return;
	fprintf(stderr, "lbbench: %5.1fs %s c->s tx %.3f rx %.3f Mpps | s->c tx %.3f rx %.3f Mpps",
		t, b->counting ? "   " : "(w)", (c1->tx_pkts - c0->tx_pkts) / dt / 1e6,
		b->o.loopback ? 0.0 : (s1->rx_pkts - s0->rx_pkts) / dt / 1e6,
		(s1->tx_pkts - s0->tx_pkts) / dt / 1e6,
		(c1->rx_pkts - c0->rx_pkts) / dt / 1e6);
	if (b->o.mode == LBB_MODE_TCP_CPS)
		fprintf(stderr, " | cps %.0f failed %" PRIu64 " inflight %u",
			(cur->completed - prev->completed) / dt, cur->failed - prev->failed,
			b->tcp.inflight);
	fprintf(stderr, " | check errors %" PRIu64 "\n",
		check_errors(&cur->st[CLIENT]) + check_errors(&cur->st[SERVER]));
}

static void json_dir(struct lbb_json *j, const char *key, const char *what,
		     const struct side_stats *tx, const struct side_stats *rx, double secs,
		     bool counted)
{
	lbb_json_obj(j, key);
	lbb_json_str(j, "what", what);
	if (!counted) {
		lbb_json_bool(j, "measured", false);
		lbb_json_end(j);
		return;
	}
	lbb_json_u64(j, "tx_packets", tx->tx_pkts);
	lbb_json_u64(j, "rx_packets", rx->rx_pkts);
	lbb_json_dbl(j, "tx_pps", tx->tx_pkts / secs);
	lbb_json_dbl(j, "rx_pps", rx->rx_pkts / secs);
	/* bits of whole frames with their FCS, as the frame size counts it */
	lbb_json_dbl(j, "tx_bps", (tx->tx_bytes + LBB_FCS * tx->tx_pkts) * 8.0 / secs);
	lbb_json_dbl(j, "rx_bps", (rx->rx_bytes + LBB_FCS * rx->rx_pkts) * 8.0 / secs);
	lbb_json_i64(j, "lost", (int64_t)tx->tx_pkts - (int64_t)rx->rx_pkts);
	lbb_json_end(j);
}

static void json_queues(struct lbb_json *j, const char *key, const uint64_t *v, unsigned nq)
{
	lbb_json_arr(j, key);
	for (unsigned q = 0; q < nq; q++)
		lbb_json_u64(j, NULL, v[q]);
	lbb_json_end(j);
}

static void json_side(struct lbb_json *j, const char *key, const struct side_stats *s,
		      unsigned nq)
{
	uint64_t sampled = 0;

	for (unsigned e = 0; e < LBB_CHECK_MAX; e++)
		sampled += s->check_err[e];
	lbb_json_obj(j, key);
	lbb_json_u64(j, "tx_ring_full", s->tx_full);
	lbb_json_u64(j, "arp_replied", s->arp_replied);
	lbb_json_u64(j, "rx_other", s->other);
	lbb_json_u64(j, "rx_malformed", s->bad);
	json_queues(j, "tx_per_queue", s->txq, nq);
	json_queues(j, "rx_per_queue", s->rxq, nq);
	lbb_json_obj(j, "check");
	lbb_json_u64(j, "sampled", sampled);
	lbb_json_u64(j, "ok", s->check_err[LBB_CHECK_OK]);
	for (unsigned e = 1; e < LBB_CHECK_MAX; e++)
		lbb_json_u64(j, lbb_check_names[e], s->check_err[e]);
	lbb_json_end(j);
	lbb_json_end(j);
}

static void json_hist(struct lbb_json *j, const char *key, const struct lbb_hist *h)
{
	lbb_json_obj(j, key);
	lbb_json_u64(j, "count", h->count);
	lbb_json_u64(j, "min", h->count ? h->min : 0);
	lbb_json_dbl(j, "mean", lbb_hist_mean(h));
	lbb_json_u64(j, "p50", lbb_hist_percentile(h, 50));
	lbb_json_u64(j, "p90", lbb_hist_percentile(h, 90));
	lbb_json_u64(j, "p99", lbb_hist_percentile(h, 99));
	lbb_json_u64(j, "p999", lbb_hist_percentile(h, 99.9));
	lbb_json_u64(j, "max", h->max);
	lbb_json_end(j);
}

static void mac_str(const struct rte_ether_addr *m, char *buf)
{
	rte_ether_format_addr(buf, RTE_ETHER_ADDR_FMT_SIZE, m);
}

/* True when traffic went through in every direction this run asked for. */
static bool passed(const struct lbb *b)
{
	if (b->o.loopback)
		return b->st[CLIENT].rx_pkts > 0;
	if (b->st[SERVER].rx_pkts == 0)
		return false;
	return !b->o.reply || b->st[CLIENT].rx_pkts > 0;
}

static void json_timeline(struct lbb_json *j, const struct lbb *b)
{
	lbb_json_obj(j, "timeline");
	lbb_json_dbl(j, "interval_s", b->o.timeline_ms / 1e3);
	/* microseconds in an integer: a double printed to 10 digits would
	 * lose the fraction of the second */
	lbb_json_u64(j, "t0_unix_us", b->t0_unix_us);
	lbb_json_str(j, "what", "per interval of the measured part: end (s since t0_unix_us), "
		     "frames the clients sent, the servers got, the clients got back");
	lbb_json_arr(j, "columns");
	lbb_json_str(j, NULL, "end_s");
	lbb_json_str(j, NULL, "tx");
	lbb_json_str(j, NULL, "fwd_rx");
	lbb_json_str(j, NULL, "rev_rx");
	lbb_json_end(j);
	lbb_json_u64(j, "dropped_points", b->tl_dropped);
	lbb_json_arr(j, "points");
	for (unsigned i = 0; i < b->tl_len; i++) {
		const struct tl_point *p = &b->tl[i];

		lbb_json_arr(j, NULL);
		lbb_json_dbl(j, NULL, p->end_s);
		lbb_json_u64(j, NULL, p->tx);
		lbb_json_u64(j, NULL, p->fwd_rx);
		lbb_json_u64(j, NULL, p->rev_rx);
		lbb_json_end(j);
	}
	lbb_json_end(j);
	lbb_json_end(j);
}

static int summary(const struct lbb *b, double secs)
{
	/* room for the fixed part, about 80 bytes per timeline point and 4
	 * counts of up to 21 bytes per queue */
	size_t cap = 16384 + (size_t)b->tl_len * 96 + (size_t)b->nq * 4 * 24;
	char *buf = malloc(cap);
	const struct side_stats *c = &b->st[CLIENT], *s = &b->st[SERVER];
	char mac[RTE_ETHER_ADDR_FMT_SIZE];
	struct lbb_json j;
	FILE *f = stdout;
	long len;

	if (!buf) {
		fprintf(stderr, "lbbench: no memory for the summary\n");
		return -1;
	}
	lbb_json_init(&j, buf, cap);
	lbb_json_str(&j, "tool", "lbbench");
	lbb_json_str(&j, "label", b->o.label);
	lbb_json_str(&j, "mode", lbb_mode_name(b->o.mode));
	lbb_json_str(&j, "fwd", lbb_fwd_name(b->o.net.fwd));
	lbb_json_bool(&j, "loopback", b->o.loopback);
	lbb_json_bool(&j, "reply", b->o.reply);
	lbb_json_dbl(&j, "duration_s", secs);
	lbb_json_dbl(&j, "warmup_s", b->o.warmup);
	lbb_json_u64(&j, "flows", b->o.mode == LBB_MODE_TCP_CPS ? 0 : b->o.flows);
	lbb_json_u64(&j, "measured_flows", b->o.mode == LBB_MODE_TCP_CPS ? 0 : b->o.measured_flows);
	lbb_json_u64(&j, "frame_size", b->o.size);
	lbb_json_dbl(&j, "rate_target", b->o.rate);
	lbb_json_u64(&j, "tsc_hz", b->hz);
	lbb_json_u64(&j, "queues", b->nq);
	lbb_json_str(&j, "spread", lbb_spread_name(b->o.spread));
	if (b->o.loopback) {
		json_dir(&j, "forward", "clients -> box -> clients (own frames back)", c, c, secs, true);
		json_dir(&j, "reverse", "none (loopback)", s, s, secs, false);
	} else {
		json_dir(&j, "forward", "clients -> box -> servers", c, s, secs, true);
		json_dir(&j, "reverse", "servers -> box -> clients", s, c, secs, b->o.reply ||
			 b->o.mode == LBB_MODE_TCP_CPS);
	}
	lbb_json_obj(&j, "total");
	lbb_json_dbl(&j, "rx_pps", (c->rx_pkts + (b->o.loopback ? 0 : s->rx_pkts)) / secs);
	lbb_json_str(&j, "what", "frames delivered through the box, both directions summed");
	lbb_json_end(&j);
	json_side(&j, "client_side", c, b->nq);
	if (!b->o.loopback)
		json_side(&j, "server_side", s, b->nq);
	lbb_json_u64(&j, "no_mbuf", b->no_mbuf);
	lbb_json_u64(&j, "rate_shortfall", b->gen_skipped);
	if (b->o.mode == LBB_MODE_LATENCY)
		json_hist(&j, "rtt_ns", &b->rtt);
	if (b->o.mode == LBB_MODE_TCP_CPS) {
		lbb_json_obj(&j, "tcp");
		lbb_json_u64(&j, "opened", b->tcp.opened);
		lbb_json_u64(&j, "completed", b->tcp.completed);
		lbb_json_u64(&j, "failed", b->tcp.failed);
		lbb_json_u64(&j, "retransmitted", b->tcp.retransmitted);
		lbb_json_u64(&j, "unexpected", b->tcp.unexpected);
		lbb_json_u64(&j, "inflight_at_end", b->tcp.inflight);
		lbb_json_dbl(&j, "cps", b->tcp.completed / secs);
		json_hist(&j, "conn_time_ns", &b->conn_time);
		lbb_json_end(&j);
	}
	if (b->o.attack != LBB_ATTACK_NONE) {
		lbb_json_obj(&j, "attack");
		lbb_json_str(&j, "kind", b->o.attack == LBB_ATTACK_COLLIDE ? "collide" : "random");
		lbb_json_dbl(&j, "rate_asked", b->o.attack_rate);
		lbb_json_u64(&j, "buckets", b->o.attack_buckets);
		lbb_json_u64(&j, "sent", b->atk_sent);
		lbb_json_end(&j);
	}
	lbb_json_obj(&j, "peer_mac");
	mac_str(&b->peer[CLIENT], mac);
	lbb_json_str(&j, "port0", mac);
	if (b->nsides == 2) {
		mac_str(&b->peer[SERVER], mac);
		lbb_json_str(&j, "port1", mac);
	}
	lbb_json_end(&j);
	lbb_json_bool(&j, "passed_both_ways", passed(b));
	lbb_json_bool(&j, "checks_clean",
		      check_errors(c) + (b->o.loopback ? 0 : check_errors(s)) == 0);
	if (b->tl)
		json_timeline(&j, b);
	len = lbb_json_finish(&j);
	if (len < 0) {
		fprintf(stderr, "lbbench: summary does not fit its buffer\n");
		free(buf);
		return -1;
	}
	if (b->o.json_path[0]) {
		f = fopen(b->o.json_path, "w");
		if (!f) {
			fprintf(stderr, "lbbench: %s: %s\n", b->o.json_path, strerror(errno));
			free(buf);
			return -1;
		}
	}
	fwrite(buf, 1, (size_t)len, f);
	free(buf);
	if (f != stdout && fclose(f) != 0) {
		fprintf(stderr, "lbbench: %s: %s\n", b->o.json_path, strerror(errno));
		return -1;
	}
	fflush(stdout);
	return 0;
}

/* ---- the loop ---- */

static void timeline_point(struct lbb *b, uint64_t now)
{
	uint64_t cum[3] = { b->st[CLIENT].tx_pkts,
			    b->o.loopback ? b->st[CLIENT].rx_pkts : b->st[SERVER].rx_pkts,
			    b->o.loopback ? 0 : b->st[CLIENT].rx_pkts };
	struct tl_point *p;

	if (b->tl_len == b->tl_cap) {
		b->tl_dropped++;
		return;
	}
	p = &b->tl[b->tl_len++];
	p->end_s = tsc_to_s(b, now - b->tl_start);
	p->tx = cum[0] - b->tl_prev[0];
	p->fwd_rx = cum[1] - b->tl_prev[1];
	p->rev_rx = cum[2] - b->tl_prev[2];
	memcpy(b->tl_prev, cum, sizeof(cum));
	b->tl_prev_tsc = now;
}

static void start_counting(struct lbb *b, uint64_t now)
{
	struct timespec ts;

	memset(b->st, 0, sizeof(b->st));
	b->tx_full_seen = 0;
	lbb_hist_reset(&b->rtt);
	lbb_hist_reset(&b->conn_time);
	b->no_mbuf = 0;
	b->gen_skipped = 0;
	b->tcp.opened = b->tcp.completed = b->tcp.failed = 0;
	b->tcp.retransmitted = b->tcp.unexpected = b->tcp.stalled = 0;
	b->counting = true;
	/* --measured-flows: the others go quiet from here on */
	if (b->gen_flows != b->o.measured_flows) {
		b->gen_flows = b->o.measured_flows;
		b->next_flow = 0;
	}
	if (b->o.flow_stride)
		b->flow_step = lbb_flow_stride(b->gen_flows);
	clock_gettime(CLOCK_REALTIME, &ts);
	b->t0_unix_us = (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
	b->tl_start = b->tl_prev_tsc = now;
	b->tl_next = now + (uint64_t)b->o.timeline_ms * b->hz / 1000;
	memset(b->tl_prev, 0, sizeof(b->tl_prev));
	b->tl_len = 0;
	b->tl_dropped = 0;
	/* the bench waits for this line to read the box's counters */
	fprintf(stderr, "lbbench: warm-up over: measuring %.1f s on %" PRIu64 " flows\n",
		b->o.duration, b->o.mode == LBB_MODE_TCP_CPS ? 0 : b->gen_flows);
}

/*
 * After the last frame is sent, keep receiving (and dropping) a moment
 * before the ports close, so the box under test is not transmitting
 * towards us when our links go away: DPDK 22.11's memif unmaps the rings
 * of a disconnecting peer while the other side's tx may still be inside
 * them, which crashed dpvs during early bench runs.
 */
static void drain(struct lbb *b, double seconds)
{
	uint64_t end = rte_get_tsc_cycles() + (uint64_t)(seconds * (double)b->hz);
	struct rte_mbuf *pkts[BURST];

	while (rte_get_tsc_cycles() < end)
		for (unsigned side = 0; side < b->nsides; side++)
			for (uint16_t q = 0; q < b->nq; q++) {
				uint16_t n = rte_eth_rx_burst(b->port[side], q, pkts, BURST);

				rte_pktmbuf_free_bulk(pkts, n);
			}
}

/*
 * --hold: the links stay until SIGUSR1 (or the limit, or SIGINT/TERM).
 * The bench sets the box's ports down in between, so no poller is inside
 * the shared rings when they are unmapped (see drain()). Nothing is polled
 * meanwhile: what the box still sends waits in the rings or is refused.
 */
static void hold(const struct lbb *b)
{
	uint64_t end = rte_get_tsc_cycles() + (uint64_t)b->o.hold_s * b->hz;

	fflush(stdout);
	fprintf(stderr, "lbbench: holding the links for up to %u s: SIGUSR1 releases them\n",
		b->o.hold_s);
	fflush(stderr);
	while (!release_requested && !stop_requested && rte_get_tsc_cycles() < end)
		usleep(10000);
}

static double run(struct lbb *b)
{
	uint64_t t0 = rte_rdtsc(), now = t0;
	uint64_t t_count = t0 + (uint64_t)(b->o.warmup * (double)b->hz);
	uint64_t t_end = t_count + (uint64_t)(b->o.duration * (double)b->hz);
	uint64_t t_report = t0 + b->hz;
	struct snapshot prev, cur;

	b->gen_start = t0;
	b->gen_sent = 0;
	b->gen_flows = b->o.flows;
	b->flow_step = 1;
	if (b->o.warmup <= 0)
		start_counting(b, t0);
	take(b, &prev, t0);
	while (!stop_requested && now < t_end) {
		poll_once(b, now);
		if (b->o.mode == LBB_MODE_TCP_CPS) {
			tcp_generate(b, now);
			if (b->o.attack != LBB_ATTACK_NONE)
				attack_generate(b, now);
		} else {
			udp_generate(b, now);
		}
		now = rte_rdtsc();
		if (!b->counting && now >= t_count) {
			start_counting(b, now);
			take(b, &prev, now);
		}
		if (b->tl && b->counting && now >= b->tl_next) {
			timeline_point(b, now);
			b->tl_next += (uint64_t)b->o.timeline_ms * b->hz / 1000;
		}
		if (now >= t_report) {
			take(b, &cur, now);
			if (!b->o.quiet)
				progress(b, &prev, &cur, tsc_to_s(b, now - t0));
			prev = cur;
			t_report += b->hz;
		}
	}
	if (!b->counting)
		return 0;
	if (b->tl && now > b->tl_prev_tsc) /* the last, partial interval */
		timeline_point(b, now);
	return tsc_to_s(b, now - t_count);
}

/* ---- main ---- */

static int find_dashdash(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--"))
			return i;
	return -1;
}

static int setup(struct lbb *b)
{
	uint16_t nports = rte_eth_dev_count_avail(), pid, i = 0;

	if (nports == 0 || nports > 2 || (b->o.loopback && nports != 1) ||
	    (!b->o.loopback && nports != 2)) {
		fprintf(stderr, "lbbench: %u ports from the EAL arguments: need 2 (client arm, "
			"server arm), or 1 with --loopback\n", nports);
		return -1;
	}
	RTE_ETH_FOREACH_DEV(pid)
		b->port[i++] = pid;
	b->nsides = nports;
	if (b->o.loopback)
		b->port[SERVER] = b->port[CLIENT];
	b->nq = (uint16_t)b->o.queues;
	b->rss.nq = b->nq;
	b->rss.spread = b->o.spread;
	b->pool = lbb_pool_create(nports, b->nq);
	if (!b->pool)
		return -1;
	for (unsigned side = 0; side < b->nsides; side++)
		if (lbb_port_start(b->port[side], b->pool, b->nq, LINK_WAIT_S, &b->mac[side]))
			return -1;
	for (unsigned side = 0; side < 2; side++)
		if (!b->o.peer_mac_set[side])
			memset(&b->peer[side], 0xff, sizeof(b->peer[side]));
		else
			b->peer[side] = b->o.peer_mac[side];
	if (b->o.arp && resolve_peers(b))
		return -1;
	if (lbb_udp_tmpl_init(&b->tmpl, &b->o.net, &b->mac[CLIENT], &b->peer[CLIENT], b->o.size))
		return -1;
	if (b->o.timeline_ms) {
		double n = b->o.duration * 1000.0 / b->o.timeline_ms + 2;

		b->tl_cap = n < MAX_TIMELINE ? (unsigned)n : MAX_TIMELINE;
		b->tl = calloc(b->tl_cap, sizeof(*b->tl));
		if (!b->tl) {
			fprintf(stderr, "lbbench: no memory for %u timeline points\n", b->tl_cap);
			return -1;
		}
	}
	if (b->o.attack != LBB_ATTACK_NONE &&
	    lbb_attack_init(&b->atk, b->o.attack == LBB_ATTACK_COLLIDE, b->o.net.vip,
			    b->o.net.vport, b->o.attack_buckets, rte_rdtsc()) < 0) {
		fprintf(stderr, "lbbench: --attack-buckets %u: not a power of two\n",
			b->o.attack_buckets);
		return -1;
	}
	if (b->o.mode == LBB_MODE_TCP_CPS) {
		uint32_t size = rte_align32pow2(b->o.concurrency * 4u);

		b->conns = calloc(size, sizeof(*b->conns));
		if (!b->conns ||
		    lbb_tcp_client_init(&b->tcp, &b->o.net, b->conns, size, b->o.concurrency,
					(uint64_t)(b->o.rto_ms / 1e3 * (double)b->hz), b->o.retries,
					b->o.request, b->o.response)) {
			fprintf(stderr, "lbbench: tcp-cps: cannot set up %u connection slots\n", size);
			return -1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct lbb b;
	int dd = find_dashdash(argc, argv), rc, own_argc;
	char **own_argv, err[256];
	double secs;

	/* our options first, so --help and mistakes need no EAL */
	own_argc = dd < 0 ? 1 : argc - dd;
	own_argv = dd < 0 ? argv : argv + dd;
	if (dd < 0 && argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		lbb_opts_usage(stdout, argv[0]);
		return 0;
	}
	if (lbb_opts_parse(own_argc, own_argv, &b.o, err, sizeof(err))) {
		fprintf(stderr, "lbbench: %s\n", err);
		return 1;
	}
	if (b.o.help) {
		lbb_opts_usage(stdout, argv[0]);
		return 0;
	}
	rc = rte_eal_init(dd < 0 ? argc : dd, argv);
	if (rc < 0) {
		fprintf(stderr, "lbbench: EAL init failed: %s\n", rte_strerror(rte_errno));
		return 2;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGUSR1, on_release);
	b.hz = rte_get_tsc_hz();
	lbb_hist_reset(&b.rtt);
	lbb_hist_reset(&b.conn_time);
	rc = 2;
	if (setup(&b) == 0) {
		secs = run(&b);
		if (secs <= 0)
			fprintf(stderr, "lbbench: stopped during the warm-up: nothing measured\n");
		else if (summary(&b, secs) == 0)
			rc = 0;
	}
	if (b.nsides)
		drain(&b, 0.2);
	if (b.nsides && b.o.hold_s)
		hold(&b);
	for (unsigned side = 0; side < b.nsides; side++)
		if (b.port[side] != b.port[CLIENT] || side == CLIENT)
			lbb_port_stop(b.port[side]);
	rte_eal_cleanup();
	free(b.conns);
	free(b.tl);
	return rc;
}
