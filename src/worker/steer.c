/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * steer: the owner of a packet among several workers, and the rings that
 * take a packet to its owner (see steer.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_prefetch.h>
#include <rte_ring.h>

#include "dp/dp.h"
#include "inet/inet.h"
#include "ipvs/ipvs.h"
#include "worker/steer.h"

/*
 * The Toeplitz key: the one Microsoft's RSS specification gives as its
 * example, which most NIC drivers load by default. A NIC told to hash the
 * client's address alone with it (and a redirection table like ours)
 * would deliver each packet to its owner, and this code would then find
 * nothing to move.
 */
static const uint8_t steer_key[40] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
	0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
	0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

/* Toeplitz over one 32-bit word is linear in its bits: the hash of an
 * address is the XOR of one entry per byte, tabled at start. */
static uint32_t hash_tab[4][256];
static uint8_t reta[STEER_RETA];
static unsigned nworkers;
/* ring[from][to]: single producer (from), single consumer (to) */
static struct rte_ring *rings[DP_MAX_WORKERS][DP_MAX_WORKERS];

/* The key's 32 bits starting at bit `bit` (bit 0: the key's first MSB). */
static uint32_t key_window(unsigned bit)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < 32; i++) {
		unsigned b = bit + i;

		v = v << 1 | ((steer_key[b / 8] >> (7 - b % 8)) & 1);
	}
	return v;
}

/* At load: steer_hash works before (and without) steer_init. */
RTE_INIT(steer_tables_build)
{
	for (unsigned byte = 0; byte < 4; byte++) {
		for (unsigned v = 0; v < 256; v++) {
			uint32_t h = 0;

			/* input bit k (MSB first, of the address in network
			 * order) set: XOR the key window starting at bit k */
			for (unsigned b = 0; b < 8; b++)
				if (v & (0x80u >> b))
					h ^= key_window(byte * 8 + b);
			hash_tab[byte][v] = h;
		}
	}
}

uint32_t steer_hash(uint32_t addr_be)
{
	const uint8_t *b = (const uint8_t *)&addr_be;

	return hash_tab[0][b[0]] ^ hash_tab[1][b[1]] ^ hash_tab[2][b[2]] ^ hash_tab[3][b[3]];
}

const uint8_t *steer_rss_key(unsigned *len)
{
	*len = sizeof(steer_key);
	return steer_key;
}

int steer_port_reta(uint16_t port_idx, uint16_t queues[STEER_RETA])
{
	int qof[DP_MAX_WORKERS];
	unsigned n = worker_count();

	for (unsigned i = 0; i < n && i < DP_MAX_WORKERS; i++) {
		const struct worker *w = worker_get(i);

		qof[i] = -1;
		for (unsigned j = w->nb_rxq; j-- > 0;)
			if (w->rxq[j].port_idx == port_idx)
				qof[i] = w->rxq[j].queue_id;
		if (qof[i] < 0)
			return -ENOENT;
	}
	for (unsigned e = 0; e < STEER_RETA; e++)
		queues[e] = (uint16_t)qof[reta[e]];
	return 0;
}

bool steer_enabled(void)
{
	return nworkers > 1;
}

static unsigned ring_size(unsigned n)
{
	return n >= STEER_RING_MANY ? STEER_RING_SIZE_MANY : STEER_RING_SIZE;
}

unsigned steer_ring_capacity(void)
{
	return ring_size(nworkers) - 1;
}

int steer_init(unsigned n, char *err, size_t errlen)
{
	nworkers = n;
	for (unsigned i = 0; i < STEER_RETA; i++)
		reta[i] = (uint8_t)(i % (n ? n : 1));
	if (n <= 1)
		return 0;
	if (n > DP_MAX_WORKERS) {
		snprintf(err, errlen, "steering: %u workers, at most %u", n, DP_MAX_WORKERS);
		return -EINVAL;
	}
	for (unsigned f = 0; f < n; f++) {
		for (unsigned t = 0; t < n; t++) {
			char name[RTE_RING_NAMESIZE];

			if (f == t)
				continue;
			snprintf(name, sizeof(name), "steer_%u_%u", f, t);
			rings[f][t] = rte_ring_create(name, ring_size(n), SOCKET_ID_ANY,
						      RING_F_SP_ENQ | RING_F_SC_DEQ);
			if (!rings[f][t]) {
				snprintf(err, errlen,
					 "steering: cannot create the ring from worker %u to %u "
					 "(%u entries): %s",
					 f, t, ring_size(n), rte_strerror(rte_errno));
				steer_fini();
				return -ENOMEM;
			}
		}
	}
	return 0;
}

void steer_fini(void)
{
	for (unsigned f = 0; f < DP_MAX_WORKERS; f++) {
		for (unsigned t = 0; t < DP_MAX_WORKERS; t++) {
			struct rte_ring *r = rings[f][t];
			void *m;

			if (!r)
				continue;
			while (rte_ring_dequeue(r, &m) == 0)
				rte_pktmbuf_free(m);
			rte_ring_free(r);
			rings[f][t] = NULL;
		}
	}
	nworkers = 0;
}

/* One of ours: an address of the balancer or a service's VIP. */
static inline bool ours(int flags, uint32_t addr_be)
{
	return flags >= 0 || ipvs_is_vip(addr_be);
}

static inline int owner_of(uint32_t client_be)
{
	return reta[steer_hash(client_be) % STEER_RETA];
}

int steer_owner_of_client(uint32_t client_be)
{
	return nworkers > 1 ? owner_of(client_be) : 0;
}

/* A Full-NAT local port belongs to the worker whose share holds it
 * (ipvs/fnat.c: lport % nworkers == the worker's index), so the real
 * server's reply to LIP:lport goes where its conn was made. */
static inline int owner_of_lport(uint16_t lport_be)
{
	return (int)(rte_be_to_cpu_16(lport_be) % nworkers);
}

/* The owner of a packet src -> dst whose L4 ports (when l4 is not NULL)
 * are at l4: the client's address decides, but a packet to a LIP (a
 * Full-NAT reply) goes by its destination port. */
static inline int owner_ip(uint8_t proto, uint32_t src, uint32_t dst, const uint8_t *l4)
{
	int f = inet_addr_local_flags(dst);

	if (unlikely(f >= 0 && (f & DPVS_ADDR_F_LIP)) && l4 &&
	    (proto == IPPROTO_TCP || proto == IPPROTO_UDP)) {
		uint16_t dport;

		memcpy(&dport, l4 + 2, sizeof(dport));
		return owner_of_lport(dport);
	}
	return owner_of(ours(f, dst) ? src : dst);
}

int steer_owner(const struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	uint32_t len = rte_pktmbuf_data_len(m);

	if (len < sizeof(*eth) + sizeof(struct rte_ipv4_hdr) ||
	    eth->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4))
		return -1;
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(eth + 1);
	uint32_t hl = rte_ipv4_hdr_len(ip);

	/* an ICMP error belongs to the flow it quotes */
	if (ip->next_proto_id == IPPROTO_ICMP &&
	    len >= sizeof(*eth) + hl + sizeof(struct rte_icmp_hdr) + sizeof(struct rte_ipv4_hdr)) {
		const struct rte_icmp_hdr *ic =
			(const struct rte_icmp_hdr *)((const uint8_t *)ip + hl);
		uint8_t t = ic->icmp_type;

		if (t == 3 || t == 4 || t == 11 || t == 12) {
			const struct rte_ipv4_hdr *q = (const struct rte_ipv4_hdr *)(ic + 1);
			uint32_t qoff = sizeof(*eth) + hl + sizeof(*ic) + rte_ipv4_hdr_len(q);
			const uint8_t *ql4 = len >= qoff + 4 ? (const uint8_t *)eth + qoff : NULL;
			/* about a packet we tunnelled to a real server: the
			 * client's packet inside is the flow's */
			uint32_t tin = ipvs_tun_quoted_inner(
				(const uint8_t *)q, len - (uint32_t)(sizeof(*eth) + hl + sizeof(*ic)));

			if (tin) {
				const struct rte_ipv4_hdr *t =
					(const struct rte_ipv4_hdr *)((const uint8_t *)q + tin);

				return owner_ip(t->next_proto_id, t->src_addr, t->dst_addr,
						(const uint8_t *)t + rte_ipv4_hdr_len(t));
			}

			/* the quoted packet went the other way: its owner is
			 * that of a packet from its destination to its source
			 * (a Full-NAT one, LIP:lport -> RIP, by its lport) */
			if (ql4 && (q->next_proto_id == IPPROTO_TCP ||
				    q->next_proto_id == IPPROTO_UDP)) {
				uint8_t rev[4];

				memcpy(rev, ql4 + 2, 2);
				memcpy(rev + 2, ql4, 2);
				return owner_ip(q->next_proto_id, q->dst_addr, q->src_addr, rev);
			}
			return owner_ip(q->next_proto_id, q->dst_addr, q->src_addr, NULL);
		}
	}
	uint32_t l4off = sizeof(*eth) + hl;

	return owner_ip(ip->next_proto_id, ip->src_addr, ip->dst_addr,
			len >= l4off + 4 ? (const uint8_t *)eth + l4off : NULL);
}

/*
 * A client's SYN to a SYN-proxy service (issue 21 with issue 15): the
 * proxy answers it with a cookie and keeps nothing, under a key all
 * workers share, so the worker it landed on answers it exactly as its
 * owner would and the SYN crosses no ring; the client's ACK then goes to
 * the owner, which checks the cookie and opens the conn. With a NIC that
 * spreads by 4-tuple a spoofed flood would otherwise cross rings (N-1)/N
 * of the time and fill them for legitimate packets too. A SYN is what
 * the proxy answers (synproxy_conn.c): SYN without ACK, RST or FIN, with
 * or without payload. Asked only for a packet about to be redirected.
 */
static inline bool synp_answer_here(const struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(eth + 1);
	uint32_t l4off;
	const struct rte_tcp_hdr *th;

	/* steer_owner read the IPv4 header: the frame holds it */
	if (ip->next_proto_id != IPPROTO_TCP)
		return false;
	l4off = sizeof(*eth) + rte_ipv4_hdr_len(ip);
	if (rte_pktmbuf_data_len(m) < l4off + sizeof(*th))
		return false;
	th = (const struct rte_tcp_hdr *)((const uint8_t *)eth + l4off);
	if ((th->tcp_flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG | RTE_TCP_RST_FLAG |
			      RTE_TCP_FIN_FLAG)) != RTE_TCP_SYN_FLAG)
		return false;
	return ipvs_synp_answers(ip->dst_addr, th->dst_port);
}

void steer_burst(struct worker *w, uint16_t port_idx, struct rte_mbuf **pkts, uint16_t *n)
{
	struct rte_mbuf *out[DP_MAX_WORKERS][DP_BURST];
	uint16_t nout[DP_MAX_WORKERS] = { 0 };
	uint64_t to_mask = 0;
	uint16_t keep = 0;

	for (uint16_t i = 0; i < *n; i++) {
		struct rte_mbuf *m = pkts[i];
		int o = steer_owner(m);

		if (o < 0 || (unsigned)o == w->index) {
			pkts[keep++] = m;
			continue;
		}
		if (unlikely(synp_answer_here(m))) {
			w->synp_local++;
			pkts[keep++] = m;
			continue;
		}
		m->port = port_idx; /* where it came from, for its fate (dp.h) */
		out[o][nout[o]++] = m;
		to_mask |= 1ull << o;
	}
	*n = keep;
	while (to_mask) {
		unsigned o = (unsigned)__builtin_ctzll(to_mask);
		unsigned sent;

		to_mask &= to_mask - 1;
		sent = rte_ring_sp_enqueue_burst(rings[w->index][o], (void **)out[o], nout[o], NULL);
		w->redirected_out += sent;
		if (unlikely(sent < nout[o])) {
			/* the owner is behind: these frames end here, received
			 * and dropped by this worker */
			struct dp_port_counters *c = &w->cnt[port_idx];

			for (unsigned k = sent; k < nout[o]; k++) {
				c->rx_packets++;
				c->rx_bytes += out[o][k]->pkt_len;
				dp_drop(w, port_idx, DPVS_DROP_REDIRECT_FULL, out[o][k]);
			}
			w->redirect_drops += nout[o] - sent;
		}
	}
}

uint16_t steer_drain(struct worker *w, struct rte_mbuf **pkts, uint16_t max)
{
	uint16_t got = 0;

	for (unsigned f = 0; f < nworkers && got < max; f++) {
		if (f == w->index)
			continue;
		got += (uint16_t)rte_ring_sc_dequeue_burst(rings[f][w->index], (void **)&pkts[got],
							  max - got, NULL);
	}
	w->redirected_in += got;
	return got;
}
