/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * proto_tcp: the TCP connection states a balancer can infer from the
 * flags it sees in each direction, their names and default timeouts.
 *
 * The states, names and timeouts are LVS's (ipvsadm -c prints them, and
 * operators tune by them). The balancer sees both directions in NAT mode:
 * "in" is client -> real server, "out" is real server -> client. In DR
 * and TUN the replies go straight from the real server to the client, so
 * the client's packets alone move the state: LVS's INPUT-ONLY rows
 * (IP_VS_CONN_F_NOOUTPUT), where the client's FIN means the conn is
 * closing (FIN_WAIT) rather than half-closed. Each
 * packet is reduced to one event, the strongest flag it carries
 * (RST > SYN > FIN > ACK); a packet with none of them changes nothing.
 * The table is written per current state so each row reads as a story:
 * "established: a FIN from the client means it is closing (CLOSE_WAIT)".
 */
#include <string.h>
#include <netinet/in.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "inet/csum.h"
#include "ipvs/ipvs_priv.h"
#include "netif/netif.h"

enum tcp_event { EV_SYN, EV_FIN, EV_ACK, EV_RST, EV_MAX };

#define S(x) IPVS_TCP_##x

/* The third "direction": the client's packets of a conn without replies. */
#define IN_ONLY 2

/* next[state][dir or IN_ONLY][event] */
static const uint8_t tcp_next[IPVS_TCP_S_MAX][3][EV_MAX] = {
	/* nothing seen yet: the first packet decides */
	[S(NONE)] = {
		[IPVS_DIR_IN] = { S(SYN_RECV), S(CLOSE), S(ESTABLISHED), S(CLOSE) },
		[IPVS_DIR_OUT] = { S(SYN_SENT), S(TIME_WAIT), S(ESTABLISHED), S(CLOSE) },
		[IN_ONLY] = { S(SYN_RECV), S(CLOSE), S(ESTABLISHED), S(CLOSE) },
	},
	/* data flows; a FIN from the client half-closes, from the server
	 * starts the active close */
	[S(ESTABLISHED)] = {
		[IPVS_DIR_IN] = { S(ESTABLISHED), S(CLOSE_WAIT), S(ESTABLISHED), S(CLOSE) },
		[IPVS_DIR_OUT] = { S(ESTABLISHED), S(FIN_WAIT), S(ESTABLISHED), S(CLOSE) },
		[IN_ONLY] = { S(ESTABLISHED), S(FIN_WAIT), S(ESTABLISHED), S(CLOSE) },
	},
	/* the server opened: only the client's SYN moves it on */
	[S(SYN_SENT)] = {
		[IPVS_DIR_IN] = { S(ESTABLISHED), S(SYN_SENT), S(SYN_SENT), S(CLOSE) },
		[IPVS_DIR_OUT] = { S(SYN_SENT), S(SYN_SENT), S(SYN_SENT), S(SYN_SENT) },
		[IN_ONLY] = { S(ESTABLISHED), S(SYN_SENT), S(SYN_SENT), S(CLOSE) },
	},
	/* the client's SYN went to the server; its SYN-ACK keeps us here, the
	 * client's ACK establishes. A client RST here is ignored (spoofing). */
	[S(SYN_RECV)] = {
		[IPVS_DIR_IN] = { S(SYN_RECV), S(TIME_WAIT), S(ESTABLISHED), S(SYN_RECV) },
		[IPVS_DIR_OUT] = { S(SYN_RECV), S(TIME_WAIT), S(ESTABLISHED), S(CLOSE) },
		[IN_ONLY] = { S(SYN_RECV), S(TIME_WAIT), S(ESTABLISHED), S(SYN_RECV) },
	},
	/* the server closed first: the client's FIN ends it */
	[S(FIN_WAIT)] = {
		[IPVS_DIR_IN] = { S(SYN_RECV), S(TIME_WAIT), S(FIN_WAIT), S(CLOSE) },
		[IPVS_DIR_OUT] = { S(SYN_SENT), S(FIN_WAIT), S(FIN_WAIT), S(CLOSE) },
		[IN_ONLY] = { S(SYN_RECV), S(FIN_WAIT), S(FIN_WAIT), S(CLOSE) },
	},
	/* both sides closed; a new SYN reopens */
	[S(TIME_WAIT)] = {
		[IPVS_DIR_IN] = { S(SYN_RECV), S(TIME_WAIT), S(TIME_WAIT), S(CLOSE) },
		[IPVS_DIR_OUT] = { S(SYN_SENT), S(TIME_WAIT), S(TIME_WAIT), S(TIME_WAIT) },
		[IN_ONLY] = { S(SYN_RECV), S(TIME_WAIT), S(TIME_WAIT), S(CLOSE) },
	},
	/* reset or fully closed */
	[S(CLOSE)] = {
		[IPVS_DIR_IN] = { S(SYN_RECV), S(CLOSE), S(CLOSE), S(CLOSE) },
		[IPVS_DIR_OUT] = { S(SYN_SENT), S(CLOSE), S(CLOSE), S(CLOSE) },
		[IN_ONLY] = { S(SYN_RECV), S(CLOSE), S(CLOSE), S(CLOSE) },
	},
	/* the client closed first: the server's FIN ends it */
	[S(CLOSE_WAIT)] = {
		[IPVS_DIR_IN] = { S(SYN_RECV), S(CLOSE_WAIT), S(CLOSE_WAIT), S(CLOSE) },
		[IPVS_DIR_OUT] = { S(SYN_SENT), S(TIME_WAIT), S(CLOSE_WAIT), S(CLOSE) },
		[IN_ONLY] = { S(SYN_RECV), S(CLOSE_WAIT), S(CLOSE_WAIT), S(CLOSE) },
	},
	/* waiting for the last ACK of the client */
	[S(LAST_ACK)] = {
		[IPVS_DIR_IN] = { S(SYN_RECV), S(LAST_ACK), S(CLOSE), S(LAST_ACK) },
		[IPVS_DIR_OUT] = { S(SYN_SENT), S(LAST_ACK), S(LAST_ACK), S(CLOSE) },
		[IN_ONLY] = { S(SYN_RECV), S(LAST_ACK), S(CLOSE), S(LAST_ACK) },
	},
	[S(LISTEN)] = {
		[IPVS_DIR_IN] = { S(SYN_RECV), S(LISTEN), S(LISTEN), S(LISTEN) },
		[IPVS_DIR_OUT] = { S(LISTEN), S(LISTEN), S(ESTABLISHED), S(CLOSE) },
		[IN_ONLY] = { S(SYN_RECV), S(LISTEN), S(LISTEN), S(LISTEN) },
	},
	[S(SYNACK)] = {
		[IPVS_DIR_IN] = { S(SYN_RECV), S(TIME_WAIT), S(ESTABLISHED), S(SYN_RECV) },
		[IPVS_DIR_OUT] = { S(SYN_RECV), S(TIME_WAIT), S(ESTABLISHED), S(CLOSE) },
		[IN_ONLY] = { S(SYN_RECV), S(TIME_WAIT), S(ESTABLISHED), S(CLOSE) },
	},
};

/*
 * LVS's secure_tcp table (tcp_states_dos), in force while the defence is
 * (defense.h): a client's ACK no longer establishes a conn by itself; the
 * server's SYN-ACK moves it to SYNACK and only the server's next segment
 * makes it ESTABLISHED, so spoofed SYN-then-ACK floods stay half-open
 * (and short-lived: IPVS_SECURE_SYN_TIMEOUT). Transcribed per state from
 * LVS's per-event rows.
 */
static const uint8_t tcp_next_dos[IPVS_TCP_S_MAX][3][EV_MAX] = {
	[S(NONE)] = {
		[IPVS_DIR_IN] = { S(SYN_RECV), S(CLOSE), S(CLOSE), S(CLOSE) },
		[IPVS_DIR_OUT] = { S(SYN_SENT), S(TIME_WAIT), S(ESTABLISHED), S(CLOSE) },
		[IN_ONLY] = { S(SYNACK), S(CLOSE), S(CLOSE), S(CLOSE) },
	},
	[S(ESTABLISHED)] = {
		[IPVS_DIR_IN] = { S(ESTABLISHED), S(CLOSE_WAIT), S(ESTABLISHED), S(CLOSE) },
		[IPVS_DIR_OUT] = { S(ESTABLISHED), S(FIN_WAIT), S(ESTABLISHED), S(CLOSE) },
		[IN_ONLY] = { S(ESTABLISHED), S(FIN_WAIT), S(ESTABLISHED), S(CLOSE) },
	},
	[S(SYN_SENT)] = {
		[IPVS_DIR_IN] = { S(ESTABLISHED), S(SYN_SENT), S(SYN_SENT), S(CLOSE) },
		[IPVS_DIR_OUT] = { S(SYN_SENT), S(SYN_SENT), S(SYN_SENT), S(SYN_SENT) },
		[IN_ONLY] = { S(ESTABLISHED), S(SYN_SENT), S(SYN_SENT), S(CLOSE) },
	},
	/* the client's ACK alone does not establish: the server must answer */
	[S(SYN_RECV)] = {
		[IPVS_DIR_IN] = { S(SYN_RECV), S(TIME_WAIT), S(SYN_RECV), S(SYN_RECV) },
		[IPVS_DIR_OUT] = { S(SYNACK), S(TIME_WAIT), S(ESTABLISHED), S(CLOSE) },
		[IN_ONLY] = { S(SYN_RECV), S(TIME_WAIT), S(ESTABLISHED), S(SYN_RECV) },
	},
	[S(FIN_WAIT)] = {
		[IPVS_DIR_IN] = { S(SYN_RECV), S(TIME_WAIT), S(FIN_WAIT), S(CLOSE) },
		[IPVS_DIR_OUT] = { S(SYN_SENT), S(FIN_WAIT), S(FIN_WAIT), S(CLOSE) },
		[IN_ONLY] = { S(SYNACK), S(FIN_WAIT), S(FIN_WAIT), S(CLOSE) },
	},
	[S(TIME_WAIT)] = {
		[IPVS_DIR_IN] = { S(SYN_RECV), S(TIME_WAIT), S(TIME_WAIT), S(CLOSE) },
		[IPVS_DIR_OUT] = { S(SYN_SENT), S(TIME_WAIT), S(TIME_WAIT), S(TIME_WAIT) },
		[IN_ONLY] = { S(SYNACK), S(TIME_WAIT), S(TIME_WAIT), S(CLOSE) },
	},
	[S(CLOSE)] = {
		[IPVS_DIR_IN] = { S(SYN_RECV), S(CLOSE), S(CLOSE), S(CLOSE) },
		[IPVS_DIR_OUT] = { S(SYN_SENT), S(CLOSE), S(CLOSE), S(CLOSE) },
		[IN_ONLY] = { S(SYNACK), S(CLOSE), S(CLOSE), S(CLOSE) },
	},
	[S(CLOSE_WAIT)] = {
		[IPVS_DIR_IN] = { S(SYN_RECV), S(CLOSE_WAIT), S(CLOSE_WAIT), S(CLOSE) },
		[IPVS_DIR_OUT] = { S(SYN_SENT), S(TIME_WAIT), S(CLOSE_WAIT), S(CLOSE) },
		[IN_ONLY] = { S(SYNACK), S(CLOSE_WAIT), S(CLOSE_WAIT), S(CLOSE) },
	},
	[S(LAST_ACK)] = {
		[IPVS_DIR_IN] = { S(SYN_RECV), S(LAST_ACK), S(CLOSE), S(LAST_ACK) },
		[IPVS_DIR_OUT] = { S(SYN_SENT), S(LAST_ACK), S(LAST_ACK), S(CLOSE) },
		[IN_ONLY] = { S(SYNACK), S(LAST_ACK), S(CLOSE), S(LAST_ACK) },
	},
	[S(LISTEN)] = {
		[IPVS_DIR_IN] = { S(SYN_RECV), S(LISTEN), S(LISTEN), S(LISTEN) },
		[IPVS_DIR_OUT] = { S(LISTEN), S(LISTEN), S(ESTABLISHED), S(CLOSE) },
		[IN_ONLY] = { S(SYNACK), S(LISTEN), S(LISTEN), S(LISTEN) },
	},
	/* the server answered the SYN: its next segment establishes */
	[S(SYNACK)] = {
		[IPVS_DIR_IN] = { S(SYNACK), S(SYNACK), S(SYNACK), S(CLOSE) },
		[IPVS_DIR_OUT] = { S(SYNACK), S(TIME_WAIT), S(ESTABLISHED), S(CLOSE) },
		[IN_ONLY] = { S(SYNACK), S(TIME_WAIT), S(ESTABLISHED), S(CLOSE) },
	},
};

static int tcp_event_of(uint8_t flags)
{
	if (flags & RTE_TCP_RST_FLAG)
		return EV_RST;
	if (flags & RTE_TCP_SYN_FLAG)
		return EV_SYN;
	if (flags & RTE_TCP_FIN_FLAG)
		return EV_FIN;
	if (flags & RTE_TCP_ACK_FLAG)
		return EV_ACK;
	return -1;
}

uint8_t ipvs_tcp_next_state(uint8_t state, enum ipvs_dir dir, bool input_only,
			    uint8_t tcp_flags)
{
	int ev = tcp_event_of(tcp_flags);

	if (ev < 0 || state >= IPVS_TCP_S_MAX)
		return state;
	return tcp_next[state][input_only ? IN_ONLY : (int)dir][ev];
}

uint8_t ipvs_tcp_next_state_secure(uint8_t state, enum ipvs_dir dir, bool input_only,
				   uint8_t tcp_flags)
{
	int ev = tcp_event_of(tcp_flags);

	if (ev < 0 || state >= IPVS_TCP_S_MAX)
		return state;
	return tcp_next_dos[state][input_only ? IN_ONLY : (int)dir][ev];
}

static const char *const tcp_state_names[IPVS_TCP_S_MAX] = {
	[S(NONE)] = "NONE",
	[S(ESTABLISHED)] = "ESTABLISHED",
	[S(SYN_SENT)] = "SYN_SENT",
	[S(SYN_RECV)] = "SYN_RECV",
	[S(FIN_WAIT)] = "FIN_WAIT",
	[S(TIME_WAIT)] = "TIME_WAIT",
	[S(CLOSE)] = "CLOSE",
	[S(CLOSE_WAIT)] = "CLOSE_WAIT",
	[S(LAST_ACK)] = "LAST_ACK",
	[S(LISTEN)] = "LISTEN",
	[S(SYNACK)] = "SYNACK",
};

const char *ipvs_state_name(uint8_t proto, uint8_t state)
{
	if (proto == IPPROTO_UDP)
		return "UDP";
	if (proto == IPPROTO_TCP && state < IPVS_TCP_S_MAX)
		return tcp_state_names[state];
	return "ERR!";
}

/* LVS's defaults, in seconds. */
void ipvs_default_timeouts(uint32_t timeout[IPVS_STATE_MAX])
{
	timeout[S(NONE)] = 2;
	timeout[S(ESTABLISHED)] = 15 * 60;
	timeout[S(SYN_SENT)] = 2 * 60;
	timeout[S(SYN_RECV)] = 60;
	timeout[S(FIN_WAIT)] = 2 * 60;
	timeout[S(TIME_WAIT)] = 2 * 60;
	timeout[S(CLOSE)] = 10;
	timeout[S(CLOSE_WAIT)] = 60;
	timeout[S(LAST_ACK)] = 30;
	timeout[S(LISTEN)] = 2 * 60;
	timeout[S(SYNACK)] = 2 * 60;
	timeout[IPVS_UDP_STATE] = 5 * 60;
}

/*
 * RFC 793, "Reset Generation", for a segment of no known connection:
 * if it has ACK, the reset takes its sequence number from the ACK field
 * (<SEQ=SEG.ACK><CTL=RST>); otherwise SEQ is 0 and it acknowledges the
 * segment (<SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>), SEG.LEN counting
 * the data, SYN and FIN. A client's TCP accepts either and fails the
 * connection at once.
 */
bool ipvs_tcp_send_rst(struct worker *w, const struct rte_mbuf *m)
{
	const struct rte_ipv4_hdr *oip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	const struct rte_tcp_hdr *oth =
		(const struct rte_tcp_hdr *)(const void *)((const uint8_t *)oip + m->l3_len);
	const struct rte_ether_hdr *oeth =
		rte_pktmbuf_mtod_offset(m, const struct rte_ether_hdr *, -(int)sizeof(*oeth));
	uint16_t in_port = m->port;
	struct rte_mbuf *r = rte_pktmbuf_alloc(m->pool);
	char *p = r ? rte_pktmbuf_append(r, sizeof(struct rte_ether_hdr) +
						  sizeof(struct rte_ipv4_hdr) +
						  sizeof(struct rte_tcp_hdr))
		    : NULL;

	if (unlikely(!p)) {
		rte_pktmbuf_free(r);
		w->cnt[in_port].drops[DPVS_DROP_LOCAL_NO_MBUF]++;
		return false;
	}
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)p;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);
	uint32_t seg_len = rte_be_to_cpu_16(oip->total_length) - m->l3_len -
			   (uint32_t)(oth->data_off >> 4) * 4u;

	/* back to whoever handed us the segment (the client or its router) */
	rte_ether_addr_copy(&oeth->src_addr, &eth->dst_addr);
	rte_ether_addr_copy(&netif_port(in_port)->mac, &eth->src_addr);
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(sizeof(*ip) + sizeof(*th));
	ip->time_to_live = 64; /* as the stack's own packets */
	ip->next_proto_id = IPPROTO_TCP;
	ip->src_addr = oip->dst_addr; /* the VIP it was sent to */
	ip->dst_addr = oip->src_addr;
	ip->hdr_checksum = csum_ipv4_hdr(ip);
	memset(th, 0, sizeof(*th));
	th->src_port = oth->dst_port;
	th->dst_port = oth->src_port;
	th->data_off = (sizeof(*th) / 4) << 4;
	if (oth->tcp_flags & RTE_TCP_ACK_FLAG) {
		th->sent_seq = oth->recv_ack;
		th->tcp_flags = RTE_TCP_RST_FLAG;
	} else {
		seg_len += !!(oth->tcp_flags & RTE_TCP_SYN_FLAG) + !!(oth->tcp_flags & RTE_TCP_FIN_FLAG);
		th->recv_ack = rte_cpu_to_be_32(rte_be_to_cpu_32(oth->sent_seq) + seg_len);
		th->tcp_flags = RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG;
	}
	th->cksum = rte_ipv4_udptcp_cksum(ip, th);
	r->l2_len = sizeof(*eth);
	dp_tx(w, in_port, r);
	return true;
}
