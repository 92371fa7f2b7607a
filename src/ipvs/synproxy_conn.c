/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * synproxy_conn: the SYN proxy's state machine on the data path (the
 * cookies and the translation themselves: synproxy.c).
 *
 *   client SYN, no conn      -> SYN-ACK with the cookie, in place of the
 *                               SYN (no state kept)
 *   client ACK, no conn      -> cookie checked: bad: dropped; good: the
 *                               conn is made (SYN_RECV) and the ACK leaves
 *                               as the SYN to the real server with the
 *                               options the cookie kept; its data (if
 *                               any) is held: one mbuf per conn
 *   client, not spliced      -> the handshake's ACK again (the cookie
 *                               passes): the SYN again; first data: held;
 *                               anything else: absorbed (dropped)
 *   real server SYN-ACK      -> spliced: c->synp.seq becomes the offset,
 *                               the SYN-ACK leaves as the client's ACK to
 *                               the real server, the held data follows
 *   real server SYN-ACK again-> ACKed again, never shown to the client
 *   real server RST, not yet -> the client gets an RST (with the cookie's
 *                               sequence number), the conn closes
 *
 * Every answer is the received frame rewritten in place, so each frame
 * keeps exactly one fate (forwarded, or a drop with its reason); held
 * data is a copy, a packet of our own, sent by dp_tx (no fate).
 *
 * Full-NAT (a service whose real servers are --fullnat): the same steps. The
 * conn is made on the ACK with a LIP:lport of this worker's share
 * (ipvs_fnat_bind, so the real server's replies come back here); every
 * packet the proxy makes towards either side is built in the client's
 * or the real server's own terms (client -> VIP, RIP -> LIP) and leaves
 * through conn_xmit, whose xmit_fnat rewrites both ends, carries TOA on
 * the SYN and the ACK, and translates the sequence numbers after the
 * splice. --proxy-protocol is refused with it (service.c): the PROXY
 * header's own shift of the client's numbers would have to meet the
 * splice's in one conn whose line 1 has room for one of them.
 *
 * TCP timestamps, when the client's SYN offers them, go through without
 * state (synproxy.h, synp_write_ts): the SYN-ACK's TSval is 0, the SYN
 * to the real server carries the TSval of the client's ACK, the proxy's
 * ACK to the real server echoes its SYN-ACK; after the splice both
 * clocks pass untranslated. ECN is not offered on either leg (the
 * SYN-ACK and the SYN carry neither ECE nor CWR).
 *
 * The windows: the client is given SYNP_OUR_WS when it offered a window
 * scale (the cookie has no room for ours, so it is a constant) and the
 * real server is offered the client's own; synproxy.c rescales each
 * direction's window where the two legs' shifts differ.
 */
#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <netinet/in.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "dpvs/toa.h"
#include "inet/csum.h"
#include "ipvs/synproxy.h"
#include "ipvs/xmit_conn.h"

/* Our window scale to clients that offered one (Linux's usual). */
#define SYNP_OUR_WS 7
/* The MSS our SYN-ACK offers: the Ethernet MTU's; a real server with a
 * smaller one still takes such segments (MSS bounds what it sends). */
#define SYNP_OUR_MSS 1460
/* The window of our SYN-ACK (unscaled, as every SYN's) */
#define SYNP_SYNACK_WIN 65535

struct ipvs_hash_key ipvs_synp_key;

static inline struct rte_tcp_hdr *tcp_of(struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, m->l3_len);
}

static inline uint32_t tcp_hdr_len(const struct rte_tcp_hdr *th)
{
	return (uint32_t)(th->data_off >> 4) * 4u;
}

/* The TCP payload's length (the IPv4 layer checked total_length). */
static inline uint32_t tcp_payload_len(struct rte_mbuf *m)
{
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);

	return rte_be_to_cpu_16(ip->total_length) - m->l3_len - tcp_hdr_len(tcp_of(m));
}

/* The options of m's TCP header; a malformed list, or one not all in
 * the first segment, reads as none. */
static struct synp_opts opts_of(struct rte_mbuf *m)
{
	const struct rte_tcp_hdr *th = tcp_of(m);
	struct synp_opts o;

	if (rte_pktmbuf_data_len(m) < m->l3_len + tcp_hdr_len(th) ||
	    synp_parse_opts((const uint8_t *)(th + 1), tcp_hdr_len(th) - (uint32_t)sizeof(*th),
			    &o) < 0)
		o = (struct synp_opts){.wscale = SYNP_WSCALE_NONE};
	return o;
}

static inline uint8_t ws_eff(uint8_t ws)
{
	return ws == SYNP_WSCALE_NONE ? 0 : ws;
}

/* The new shape of a segment the proxy turns around or answers with
 * (host order: seq, ack, win). */
struct synp_seg {
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t win;
};

/* Where a reshaped segment goes: its addresses and ports as they are,
 * swapped (an answer: no sum changes), or a conn's client -> VIP. */
enum synp_ends { SYNP_ENDS_KEEP, SYNP_ENDS_SWAP, SYNP_ENDS_CLIENT };

/*
 * m's segment reshaped in place into one of the proxy's own (its SYN-ACK,
 * the SYN to the real server, the ACK of its SYN-ACK, the client's RST):
 * the ends `ends` says (c's client -> VIP for SYNP_ENDS_CLIENT), the
 * numbers, flags and window of s, optlen bytes of options at opt (a
 * multiple of 4), no payload; the IPv4 total length to match. The TCP
 * checksum is the received one updated (RFC 1624 over the pseudo header
 * and the words that changed, the old options and payload taken out by
 * their sum, the new options put in), not a sum over the segment again:
 * a SYN-ACK's cost 207 instructions that way. So a corrupt segment
 * stays as corrupt, which is what lets the SYN go unchecked
 * (ipvs_synp_syn_unchecked); the others were checked before a conn was
 * made, or are the real server's, which conn_packet never checks either.
 * The IPv4 header's checksum from scratch (ipv4_input checked it; no
 * options). false: no room for the options (m untouched). Inlined into
 * each caller, so `ends` costs nothing.
 */
static inline __attribute__((always_inline)) bool
tcp_reshape(struct rte_mbuf *m, enum synp_ends ends, const struct ipvs_conn *c,
	    const struct synp_seg *s, const uint8_t *opt, unsigned optlen)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	struct rte_tcp_hdr *th = tcp_of(m);
	uint16_t l4_old = (uint16_t)(rte_be_to_cpu_16(ip->total_length) - m->l3_len);
	uint16_t l4_new = (uint16_t)(sizeof(*th) + optlen);
	uint32_t len = m->l3_len + l4_new, w;
	uint64_t d;

	/* ipvs_in checked l4_old against the header; the options and payload
	 * are summed where they are: in one segment */
	if (unlikely(m->nb_segs > 1)) {
		if (rte_pktmbuf_linearize(m) < 0)
			return false;
		ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
		th = tcp_of(m);
	}
	if (unlikely(len > (uint32_t)rte_pktmbuf_data_len(m) + rte_pktmbuf_tailroom(m)))
		return false;
	/* out: the old options and payload, the pseudo header's length */
	d = (uint16_t)~csum_raw(th + 1, l4_old - (uint32_t)sizeof(*th));
	d += csum_delta16(rte_cpu_to_be_16(l4_old), rte_cpu_to_be_16(l4_new));
	if (ends == SYNP_ENDS_SWAP) {
		uint32_t a = ip->src_addr;
		uint16_t p = th->src_port;

		ip->src_addr = ip->dst_addr;
		ip->dst_addr = a;
		th->src_port = th->dst_port;
		th->dst_port = p;
	} else if (ends == SYNP_ENDS_CLIENT) {
		/* the pseudo header's addresses and the ports */
		d += csum_delta32(ip->src_addr, c->in.saddr) +
		     csum_delta32(ip->dst_addr, c->in.daddr);
		d += csum_delta16(th->src_port, c->in.sport) +
		     csum_delta16(th->dst_port, c->in.dport);
		ip->src_addr = c->in.saddr;
		ip->dst_addr = c->in.daddr;
		th->src_port = c->in.sport;
		th->dst_port = c->in.dport;
	}
	w = rte_cpu_to_be_32(s->seq);
	d += csum_delta32(th->sent_seq, w);
	th->sent_seq = w;
	w = rte_cpu_to_be_32(s->ack);
	d += csum_delta32(th->recv_ack, w);
	th->recv_ack = w;
	/* data offset, flags and window: one word of the sum */
	memcpy(&w, &th->data_off, sizeof(w));
	d += (uint32_t)~w;
	th->data_off = (uint8_t)((l4_new / 4) << 4);
	th->tcp_flags = s->flags;
	th->rx_win = rte_cpu_to_be_16(s->win);
	memcpy(&w, &th->data_off, sizeof(w));
	d += w;
	d += (uint16_t)~th->tcp_urp;
	th->tcp_urp = 0;
	/* in: the new options, whole words at offset 20 */
	for (unsigned i = 0; i < optlen; i += 4) {
		memcpy(&w, opt + i, sizeof(w));
		memcpy((uint8_t *)(th + 1) + i, &w, sizeof(w));
		d += w;
	}
	th->cksum = csum_apply(th->cksum, d);

	ip->total_length = rte_cpu_to_be_16((uint16_t)len);
	ip->hdr_checksum = csum_ipv4_hdr(ip);
	/* one segment now: its length, the padding of a short frame gone */
	m->data_len = (uint16_t)len;
	m->pkt_len = len;
	/* what the NIC said of the packet we received is not of this one */
	m->ol_flags &= ~(RTE_MBUF_F_RX_L4_CKSUM_MASK | RTE_MBUF_F_RX_IP_CKSUM_MASK);
	return true;
}

/* The MSS our SYN-ACK offers for svc: the Ethernet MTU's, less TOA's 8
 * bytes where the real server's leg may carry it (a service with local
 * addresses: Full-NAT, with [ipvs] fnat_toa): a client's full-sized
 * first segments then still have room for the client's address
 * (fnat_caddr.h; otherwise they leave without it, toa-no-room). */
static inline uint16_t synack_mss(const struct ipvs_snap *snap, const struct ipvs_snap_svc *svc)
{
	return snap->fnat_toa && svc->nladdrs ? SYNP_OUR_MSS - TOA_LEN : SYNP_OUR_MSS;
}

/* The SYN answered where it came from, in place: addresses and ports
 * swapped, the Ethernet header's too (to whoever handed it to us: client
 * or router). */
static void answer_syn(struct worker *w, uint16_t port_idx, struct rte_mbuf *m, uint32_t cookie,
		       uint32_t isn, uint16_t mss, const struct synp_opts *kept,
		       const struct synp_opts *syn)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	struct synp_seg s = {.seq = cookie,
			     .ack = isn + 1,
			     .flags = RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG,
			     .win = SYNP_SYNACK_WIN};
	uint8_t opt[SYNP_OPTS_MAX];
	unsigned optlen = synp_write_opts(opt, mss, SYNP_OUR_WS, kept->wscale, kept->sack_ok);
	struct rte_ether_hdr *eth;

	/* TSval 0: the real server's clock follows it untranslated
	 * (synp_write_ts says why) */
	if (syn->ts)
		optlen += synp_write_ts(opt + optlen, 0, syn->tsval);
	ip->time_to_live = 64; /* as the stack's own packets */
	ip->packet_id = 0;
	ip->fragment_offset = RTE_BE16(RTE_IPV4_HDR_DF_FLAG);
	if (!tcp_reshape(m, SYNP_ENDS_SWAP, NULL, &s, opt, optlen)) {
		dp_drop(w, port_idx, DPVS_DROP_NO_MBUF, m);
		return;
	}
	/* the received Ethernet header is still in the headroom */
	eth = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, sizeof(*eth));
	if (unlikely(!eth)) {
		dp_drop(w, port_idx, DPVS_DROP_NO_MBUF, m);
		return;
	}
	rte_ether_addr_copy(&eth->src_addr, &eth->dst_addr);
	rte_ether_addr_copy(&netif_port(port_idx)->mac, &eth->src_addr);
	m->l2_len = sizeof(*eth);
	dp_forward(w, port_idx, m);
}

static struct synp_tuple tuple_of(const struct rte_ipv4_hdr *ip, const struct rte_tcp_hdr *th)
{
	return (struct synp_tuple){.saddr = ip->src_addr,
				   .daddr = ip->dst_addr,
				   .sport = th->src_port,
				   .dport = th->dst_port};
}

/* The client's handshake ACK (or its first segment) against its cookie. */
static enum synp_check check_cookie(struct worker *w, struct rte_mbuf *m, struct synp_opts *o)
{
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	const struct rte_tcp_hdr *th = tcp_of(m);
	struct synp_tuple t = tuple_of(ip, th);

	return synp_cookie_check(&ipvs_synp_key, &t, rte_be_to_cpu_32(th->sent_seq),
				 rte_be_to_cpu_32(th->recv_ack), synp_counter(w->now_sec), o);
}

enum ipvs_synp_verdict ipvs_synp_new_flow(struct worker *w, struct ipvs_worker *iw,
					  uint16_t port_idx, struct rte_mbuf *m,
					  const struct ipvs_snap *snap,
					  const struct ipvs_snap_svc *svc)
{
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	const struct rte_tcp_hdr *th = tcp_of(m);
	uint8_t fl = th->tcp_flags &
		     (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG | RTE_TCP_RST_FLAG | RTE_TCP_FIN_FLAG);
	uint32_t hl = tcp_hdr_len(th);

	/* the options are read where they are: all of them in this segment */
	if (unlikely(rte_pktmbuf_data_len(m) < m->l3_len + hl)) {
		dp_drop(w, port_idx, DPVS_DROP_L4_SHORT, m);
		return IPVS_SYNP_STOLEN;
	}
	if (fl == RTE_TCP_SYN_FLAG) {
		struct synp_tuple t = tuple_of(ip, th);
		struct synp_opts in, kept;
		uint32_t isn = rte_be_to_cpu_32(th->sent_seq), cookie;

		if (synp_parse_opts((const uint8_t *)(th + 1), hl - (uint32_t)sizeof(*th), &in) <
		    0) {
			dp_drop(w, port_idx, DPVS_DROP_L4_SHORT, m);
			return IPVS_SYNP_STOLEN;
		}
		cookie =
		    synp_cookie_make(&ipvs_synp_key, &t, isn, synp_counter(w->now_sec), &in, &kept);
		iw->synp.cookies_sent++;
		answer_syn(w, port_idx, m, cookie, isn, synack_mss(snap, svc), &kept, &in);
		return IPVS_SYNP_STOLEN;
	}
	/* the handshake's last step, maybe with data (and a FIN) */
	if ((fl & ~RTE_TCP_FIN_FLAG) == RTE_TCP_ACK_FLAG) {
		struct synp_opts o;

		if (check_cookie(w, m, &o) == SYNP_COOKIE_OK) {
			iw->synp.cookies_valid++;
			iw->synp_ack_m = m;
			iw->synp_ack_o = o;
			return IPVS_SYNP_ACK_OK;
		}
		iw->synp.cookies_bad++;
		dp_drop(w, port_idx, DPVS_DROP_SYNP_BAD_COOKIE, m);
		return IPVS_SYNP_STOLEN;
	}
	dp_drop(w, port_idx, DPVS_DROP_CONN_NOT_SYN, m);
	return IPVS_SYNP_STOLEN;
}

/* ---- held data ---- */

static struct ipvs_synp_held *held_find(struct ipvs_worker *iw, const struct ipvs_conn *c)
{
	struct ipvs_synp_held *h;

	if (!c->synp.held)
		return NULL;
	h = &iw->synp_held[c->synp.held - 1];
	/* the client's address and port too: a slot let go and taken again
	 * holds another flow, maybe in the same conn slot */
	if (h->m && h->c == c && h->caddr == c->in.saddr && h->cport == c->in.sport)
		return h;
	return NULL;
}

/* The slot's mbuf is gone (sent or freed): the slot goes back. */
static void held_release(struct ipvs_worker *iw, struct ipvs_synp_held *h)
{
	h->m = NULL;
	iw->synp_free[iw->synp_nfree++] = (uint16_t)(h - iw->synp_held);
	iw->synp_nheld--;
}

static void held_free(struct ipvs_worker *iw, struct ipvs_synp_held *h, bool lost)
{
	rte_pktmbuf_free(h->m);
	held_release(iw, h);
	if (lost)
		iw->synp.held_lost++;
}

/* A copy of m (data at its IPv4 header) kept for conn c. */
static void held_put(struct worker *w, struct ipvs_worker *iw, struct ipvs_conn *c,
		     struct rte_mbuf *m)
{
	struct ipvs_synp_held *h;
	uint16_t slot;

	if (!iw->synp_nfree) {
		/* the client sends it again once the conn is spliced */
		iw->synp.held_lost++;
		return;
	}
	slot = iw->synp_free[iw->synp_nfree - 1];
	h = &iw->synp_held[slot];
	h->m = rte_pktmbuf_copy(m, m->pool, 0, UINT32_MAX);
	if (!h->m) {
		iw->synp.held_lost++;
		return;
	}
	iw->synp_nfree--;
	h->c = c;
	h->caddr = c->in.saddr;
	h->cport = c->in.sport;
	h->expires = (uint32_t)w->now_sec + IPVS_SYNP_HELD_SECONDS;
	c->synp.held = (uint16_t)(slot + 1);
	iw->synp_nheld++;
	iw->synp.held++;
}

void ipvs_synp_worker_init(struct ipvs_worker *iw)
{
	for (unsigned i = 0; i < IPVS_SYNP_HELD_MAX; i++)
		iw->synp_free[i] = (uint16_t)(IPVS_SYNP_HELD_MAX - 1 - i);
	iw->synp_nfree = IPVS_SYNP_HELD_MAX;
}

/* The held data of a spliced conn goes to the real server: rewritten as
 * xmit_nat or xmit_fnat would and translated, by the conn's egress (which the ACK
 * before it has just used); a packet of our own, so dp_tx. */
static void held_send(struct worker *w, struct ipvs_worker *iw, struct ipvs_conn *c)
{
	struct ipvs_synp_held *h = held_find(iw, c);
	struct rte_mbuf *m;
	struct rte_ipv4_hdr *ip;
	struct rte_ether_hdr *eth;

	if (!h)
		return;
	m = h->m;
	held_release(iw, h);
	c->synp.held = 0;
	if (c->eg_in.gen != inet_egress_gen()) {
		rte_pktmbuf_free(m);
		iw->synp.held_lost++;
		return;
	}
	ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	ipvs_synp_xlate(c, IPVS_DIR_IN, tcp_of(m));
	if (c->c_fwd == DPVS_FWD_FULLNAT) {
		/* LIP:lport -> RIP:rport, as xmit_fnat; no TOA: the SYN and
		 * the handshake's ACK before it carried the client's address */
		xmit_l4_addrs_ports(IPPROTO_TCP, (uint8_t *)tcp_of(m),
				    rte_pktmbuf_data_len(m) - m->l3_len, ip->src_addr, ip->dst_addr,
				    c->out.daddr, c->out.saddr, c->out.dport, c->out.sport);
		xmit_ip_addrs(ip, true, c->out.daddr, c->out.saddr);
	} else {
		xmit_l4_addr_port(IPPROTO_TCP, (uint8_t *)tcp_of(m),
				  rte_pktmbuf_data_len(m) - m->l3_len, false, ip->dst_addr,
				  c->out.saddr, c->out.sport);
		xmit_ip_ttl_addr(ip, false, c->out.saddr);
	}
	eth = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, sizeof(*eth));
	if (unlikely(!eth)) {
		rte_pktmbuf_free(m);
		iw->synp.held_lost++;
		return;
	}
	memcpy(eth, &c->eg_in, 2 * RTE_ETHER_ADDR_LEN);
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	m->l2_len = sizeof(*eth);
	dp_tx(w, c->eg_in.port_idx, m);
}

void ipvs_synp_tick(struct ipvs_worker *iw, uint64_t now)
{
	if (likely(!iw->synp_nheld) || now == iw->synp_tick_sec)
		return;
	iw->synp_tick_sec = now;
	for (unsigned i = 0; i < IPVS_SYNP_HELD_MAX; i++)
		if (iw->synp_held[i].m && (int32_t)(iw->synp_held[i].expires - (uint32_t)now) < 0)
			held_free(iw, &iw->synp_held[i], true);
}

/* ---- the leg to the real server ---- */

/* m (the client's handshake ACK or its first segment, client -> VIP)
 * leaves as the SYN to the real server: the client's ISN, the options
 * the cookie kept, the window unscaled (a SYN's is). */
static void send_syn(struct worker *w, struct ipvs_conn *c, struct rte_mbuf *m,
		     const struct synp_opts *o)
{
	struct rte_tcp_hdr *th = tcp_of(m);
	struct synp_seg s = {
	    .seq = rte_be_to_cpu_32(th->sent_seq) - 1,
	    .ack = 0,
	    .flags = RTE_TCP_SYN_FLAG,
	    .win = synp_rescale_win(rte_be_to_cpu_16(th->rx_win), ws_eff(o->wscale), 0)};
	uint8_t opt[SYNP_OPTS_MAX];
	unsigned optlen = synp_write_opts(opt, o->mss, o->wscale, o->wscale, o->sack_ok);
	struct synp_opts ack = opts_of(m);

	/* the client's clock as its ACK had it: the real server's TS.Recent */
	if (ack.ts)
		optlen += synp_write_ts(opt + optlen, ack.tsval, 0);

	if (!tcp_reshape(m, SYNP_ENDS_KEEP, c, &s, opt, optlen)) {
		dp_drop(w, m->port, DPVS_DROP_NO_MBUF, m);
		return;
	}
	conn_xmit(w, c, IPVS_DIR_IN, m);
}

void ipvs_synp_open(struct worker *w, struct ipvs_worker *iw, struct ipvs_conn *c,
		    struct rte_mbuf *m)
{
	struct rte_tcp_hdr *th = tcp_of(m);
	struct synp_opts o;

	/* what ipvs_synp_new_flow's check of this very packet kept; any
	 * other packet (none comes here) is checked again */
	if (likely(iw->synp_ack_m == m)) {
		o = iw->synp_ack_o;
	} else if (check_cookie(w, m, &o) != SYNP_COOKIE_OK) {
		ipvs_conn_free(iw, c);
		iw->synp.cookies_bad++;
		dp_drop(w, m->port, DPVS_DROP_SYNP_BAD_COOKIE, m);
		return;
	}
	iw->synp_ack_m = NULL;

	c->c_xflags |= IPVS_CONN_X_SYNPROXY;
	c->synp.seq = rte_be_to_cpu_32(th->recv_ack) - 1; /* the cookie */
	c->synp.ws = (uint8_t)(o.wscale << 4 | SYNP_WSCALE_NONE);
	c->synp.spliced = 0;
	c->synp.held = 0;
	if (tcp_payload_len(m))
		held_put(w, iw, c, m);
	send_syn(w, c, m, &o);
}

/* The real server's SYN-ACK m leaves as the client's ACK of it: turned
 * around into the client -> VIP direction with the numbers the client
 * would use (its ISN + 1, the cookie + 1), so that xmit_nat rewrites and
 * translates it as every later client packet. */
static void ack_rs(struct worker *w, struct ipvs_conn *c, struct rte_mbuf *m, uint32_t cookie)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	struct rte_tcp_hdr *th = tcp_of(m);
	uint8_t cws = ws_eff((uint8_t)(c->synp.ws >> 4));
	/* the client's next window is the real one: 64 KB until then */
	uint16_t win = synp_rescale_win(65535, 0, cws);
	struct synp_opts sa = opts_of(m);
	uint8_t opt[SYNP_TS_LEN];
	unsigned optlen = 0;

	/* as the client would: its own clock (which the SYN-ACK echoes),
	 * the real server's echoed */
	if (sa.ts)
		optlen = synp_write_ts(opt, sa.tsecr, sa.tsval);

	/* its ack is the client's ISN + 1: the client's next sequence */
	struct synp_seg s = {.seq = rte_be_to_cpu_32(th->recv_ack),
			     .ack = cookie + 1,
			     .flags = RTE_TCP_ACK_FLAG,
			     .win = win};

	ip->time_to_live = 64;
	ip->packet_id = 0;
	if (!tcp_reshape(m, SYNP_ENDS_CLIENT, c, &s, opt, optlen)) {
		dp_drop(w, m->port, DPVS_DROP_NO_MBUF, m);
		return;
	}
	conn_xmit(w, c, IPVS_DIR_IN, m);
}

/* The real server refused (RST before its SYN-ACK): the client, which
 * believes the conn open, gets an RST at the sequence it expects from the
 * "server" (the cookie + 1), from the VIP as every reply. */
static void refuse_client(struct worker *w, struct ipvs_conn *c, struct rte_mbuf *m)
{
	struct synp_seg s = {.seq = c->synp.seq + 1, .ack = 0, .flags = RTE_TCP_RST_FLAG, .win = 0};

	if (!tcp_reshape(m, SYNP_ENDS_KEEP, c, &s, NULL, 0)) {
		dp_drop(w, m->port, DPVS_DROP_NO_MBUF, m);
		return;
	}
	conn_xmit(w, c, IPVS_DIR_OUT, m);
}

bool ipvs_synp_conn_packet(struct worker *w, struct ipvs_worker *iw, uint16_t port_idx,
			   struct rte_mbuf *m, struct ipvs_conn *c, enum ipvs_dir dir,
			   uint8_t tcp_flags)
{
	const struct ipvs_snap *snap = ipvs_snap_get();
	struct rte_tcp_hdr *th = tcp_of(m);
	bool synack = (tcp_flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG | RTE_TCP_RST_FLAG)) ==
		      (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG);
	struct synp_opts o;

	if (c->synp.spliced) {
		/* the real server did not see our ACK: it hears it again,
		 * the client never sees a second SYN-ACK */
		if (likely(dir != IPVS_DIR_OUT || !synack))
			return false;
		iw->synp.synack_reacked++;
		ipvs_conn_refresh(iw, c, w->now_sec, ipvs_state_timeout(iw, snap, c->c_state));
		ack_rs(w, c, m, rte_be_to_cpu_32(th->sent_seq) - c->synp.seq);
		return true;
	}
	if (rte_pktmbuf_data_len(m) < m->l3_len + tcp_hdr_len(th)) {
		dp_drop(w, port_idx, DPVS_DROP_L4_SHORT, m);
		return true;
	}
	if (dir == IPVS_DIR_OUT) {
		if (synack) {
			uint32_t cookie = c->synp.seq;
			struct synp_opts rs;

			if (synp_parse_opts((const uint8_t *)(th + 1),
					    tcp_hdr_len(th) - (uint32_t)sizeof(*th), &rs) < 0)
				rs.wscale = SYNP_WSCALE_NONE;
			c->synp.seq = synp_delta(cookie, rte_be_to_cpu_32(th->sent_seq));
			c->synp.ws = (uint8_t)((c->synp.ws & 0xf0) | (rs.wscale & 0xf));
			c->synp.spliced = 1;
			iw->synp.spliced++;
			ipvs_conn_set_state(iw, c, IPVS_TCP_ESTABLISHED);
			ipvs_conn_refresh(iw, c, w->now_sec,
					  ipvs_state_timeout(iw, snap, c->c_state));
			ack_rs(w, c, m, cookie);
			held_send(w, iw, c);
			return true;
		}
		if (tcp_flags & RTE_TCP_RST_FLAG) {
			struct ipvs_synp_held *h = held_find(iw, c);

			if (h)
				held_free(iw, h, false);
			iw->synp.rs_refused++;
			ipvs_conn_set_state(iw, c, IPVS_TCP_CLOSE);
			ipvs_conn_refresh(iw, c, w->now_sec,
					  ipvs_state_timeout(iw, snap, c->c_state));
			refuse_client(w, c, m);
			return true;
		}
		/* nothing else of the real server's means anything yet */
		dp_drop(w, port_idx, DPVS_DROP_SYNP_ABSORBED, m);
		return true;
	}
	/* the client, before the real server answered: its RST ends the
	 * conn as usual (the real server takes the client's sequence) */
	if (tcp_flags & RTE_TCP_RST_FLAG)
		return false;
	if (c->c_state == IPVS_TCP_CLOSE) { /* refused: the client was told */
		dp_drop(w, port_idx, DPVS_DROP_SYNP_ABSORBED, m);
		return true;
	}
	if (!(tcp_flags & RTE_TCP_SYN_FLAG) && check_cookie(w, m, &o) == SYNP_COOKIE_OK) {
		/* the handshake's ACK or first segment, again or late */
		if (tcp_payload_len(m) && !held_find(iw, c)) {
			held_put(w, iw, c, m);
			dp_drop(w, port_idx, DPVS_DROP_SYNP_ABSORBED, m);
			return true;
		}
		iw->synp.syn_resent++;
		send_syn(w, c, m, &o);
		return true;
	}
	dp_drop(w, port_idx, DPVS_DROP_SYNP_ABSORBED, m);
	return true;
}

void ipvs_synp_xlate(const struct ipvs_conn *c, enum ipvs_dir dir, struct rte_tcp_hdr *th)
{
	uint8_t cw = (uint8_t)(c->synp.ws >> 4), rw = c->synp.ws & 0xf;
	/* each leg scales only when both of its SYNs offered it: the
	 * client's when it offered (we always answer), the real server's
	 * when it answered our offer of the client's shift */
	bool client_leg = cw != SYNP_WSCALE_NONE;
	bool rs_leg = client_leg && rw != SYNP_WSCALE_NONE;

	/* the proxy's own packets before the splice are in both legs'
	 * terms already */
	if (!c->synp.spliced)
		return;

	if (dir == IPVS_DIR_OUT)
		synp_xlate_out(th, c->synp.seq, rs_leg ? rw : 0, client_leg ? SYNP_OUR_WS : 0);
	else
		synp_xlate_in(th, c->synp.seq, client_leg ? cw : 0, rs_leg ? cw : 0);
}

bool ipvs_synp_reuse_ack(struct worker *w, const struct ipvs_conn *c, struct rte_mbuf *m,
			 uint8_t tcp_flags)
{
	struct synp_opts o;

	/* no FIN: the old conn's own FIN again, sent before any data either
	 * way, carries its handshake's numbers and would pass */
	if (!conn_is_synproxy(c) ||
	    (tcp_flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG | RTE_TCP_RST_FLAG |
			  RTE_TCP_FIN_FLAG)) != RTE_TCP_ACK_FLAG ||
	    (c->c_state != IPVS_TCP_TIME_WAIT && c->c_state != IPVS_TCP_CLOSE))
		return false;
	/* before the splice c keeps its cookie: its own handshake's ACK
	 * again (after a refusal) is not a new conn */
	if (!c->synp.spliced && rte_be_to_cpu_32(tcp_of(m)->recv_ack) - 1 == c->synp.seq)
		return false;
	/* the old conn's own last ACKs fail it (their numbers are past its
	 * handshake's) but for the cookie's 2^-24 */
	return check_cookie(w, m, &o) == SYNP_COOKIE_OK;
}

bool ipvs_synp_answers(uint32_t vaddr_be, uint16_t vport_be)
{
	const struct ipvs_snap *s = ipvs_snap_get();
	const struct ipvs_snap_svc *svc;

	/* a fwmark rule may give the SYN to another service: the owner
	 * decides then, as before */
	if (!s || s->nfwm_rules)
		return false;
	/* port 0 services are persistent, which the proxy refuses
	 * (service.c): the exact VIP:port is the only match */
	svc = ipvs_snap_svc_lookup(s, IPPROTO_TCP, vaddr_be, vport_be);
	return svc && (svc->flags & DPVS_SVC_F_SYNPROXY) && svc->ndests;
}

void ipvs_synp_stats(unsigned worker_index, struct dpvs_worker_stats *s)
{
	const struct ipvs_worker *iw = ipvs_worker_state(worker_index);

	if (!iw)
		return;
	s->synp_cookies_sent = iw->synp.cookies_sent;
	s->synp_cookies_valid = iw->synp.cookies_valid;
	s->synp_cookies_bad = iw->synp.cookies_bad;
	s->synp_spliced = iw->synp.spliced;
	s->synp_held = iw->synp.held;
	s->synp_held_lost = iw->synp.held_lost;
	s->synp_rs_refused = iw->synp.rs_refused;
	s->synp_syn_resent = iw->synp.syn_resent;
	s->synp_synack_reacked = iw->synp.synack_reacked;
}

int ipvs_synp_init(char *err, size_t errlen)
{
	/* a key nobody outside can know, new at every start: cookies of
	 * an earlier run fail, as their counters would within minutes */
	if (getrandom(&ipvs_synp_key, sizeof(ipvs_synp_key), 0) != sizeof(ipvs_synp_key)) {
		snprintf(err, errlen, "ipvs: getrandom for the SYN cookie key: %s",
			 strerror(errno));
		return -EIO;
	}
	return 0;
}
