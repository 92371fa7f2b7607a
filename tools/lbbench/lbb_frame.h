/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lbb_frame: the frames lbbench sends and the checks on the frames it
 * receives, as pure functions on byte buffers (no mbufs, no EAL), so the
 * unit tests can drive them directly.
 *
 * Owns: the address plan of the bench (which client addresses and ports a
 * flow index stands for, the VIP, the real servers), the UDP template with
 * its precomputed partial checksums, the generic TCP frame builder, ARP
 * replies, the parser, and the per-forwarding-mode expectations: what a
 * frame must look like when it reaches the real servers and when it comes
 * back to the clients. A new forwarding mode adds one value to enum
 * lbb_fwd and its two expectations in lbb_frame.c; nothing else changes.
 *
 * Addresses are kept in network byte order, as they sit in the frames.
 */
#ifndef LBB_FRAME_H
#define LBB_FRAME_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#define LBB_MAX_RIPS 16
#define LBB_PORT_LO 1024u          /* client source ports 1024..65535 */
#define LBB_PORTS_PER_HOST 64512u
#define LBB_MIN_FRAME 64u          /* sizes count the 4-byte FCS, as in RFC 2544 */
#define LBB_MAX_FRAME 1500u
#define LBB_FCS 4u
#define LBB_HDRS_UDP (RTE_ETHER_HDR_LEN + sizeof(struct rte_ipv4_hdr) + sizeof(struct rte_udp_hdr))
#define LBB_HDRS_TCP (RTE_ETHER_HDR_LEN + sizeof(struct rte_ipv4_hdr) + sizeof(struct rte_tcp_hdr))

/* Latency stamp at the start of a UDP payload (18 bytes fit in a 64 B frame). */
#define LBB_STAMP_MAGIC 0x4c424231u /* "LBB1" */
struct lbb_stamp {
	uint32_t magic;
	uint32_t seq;
	uint64_t tsc;
} __attribute__((packed));

/* What the box between lbbench's ports does to a client frame. */
enum lbb_fwd {
	LBB_FWD_NONE = 0, /* the ceiling: testpmd io/macswap, frames unmodified */
	LBB_FWD_NAT,      /* dpvs -m: destination VIP:vport -> RIP:rport and back */
	LBB_FWD_DR,       /* dpvs -g: only the MACs change; replies bypass the box */
	LBB_FWD_TUN,      /* dpvs -i: IPIP from the DIP to the RIP; replies bypass it */
	LBB_FWD_FNAT,     /* dpvs -b: CIP:cport -> VIP:vport becomes LIP:lport ->
			   * RIP:rport, and the reply the other way */
};

/* The address plan shared by the client and the server side. */
struct lbb_net {
	uint32_t client_net;   /* network order; the /prefix holding the clients */
	uint8_t client_plen;   /* 8..30 */
	uint32_t vip;          /* network order; inside client_net or not */
	uint16_t vport;        /* network order */
	uint32_t rips[LBB_MAX_RIPS];
	unsigned nrips;
	uint16_t rport;        /* network order */
	uint32_t gw_server;    /* the DIP: what the server side ARPs for */
	uint32_t lip;          /* Full-NAT's first local address (the servers' peer) */
	uint32_t nlips;        /* ... and how many consecutive ones (--lip A-B) */
	enum lbb_fwd fwd;
	uint32_t nhosts;       /* derived by lbb_net_init: usable client addresses */
	uint32_t vip_off;      /* derived: the VIP's host offset, UINT32_MAX outside */
};

/* Fills the derived fields; -1 with a message in err when the plan is unusable. */
int lbb_net_init(struct lbb_net *net, char *err, size_t errlen);

/* Number of distinct client (address, port) pairs of the plan. */
uint64_t lbb_net_max_flows(const struct lbb_net *net);

/* --flow-order stride's step over n flows: about 0.618 n (consecutive
 * frames meet connections made far apart in the warm-up), moved up to
 * the next value coprime to n, so a cycle of n steps visits every flow
 * once; 1 for n <= 2. */
uint64_t lbb_flow_stride(uint64_t n);

/* Flow index -> client address and port (network order). Address-major:
 * consecutive flows use consecutive client addresses, so even a small flow
 * count spreads over many clients (the daemon resolves each of them). */
void lbb_flow_tuple(const struct lbb_net *net, uint64_t flow, uint32_t *ip, uint16_t *port);

/* The inverse; false when (ip, port) is not a client of the plan. */
bool lbb_flow_index(const struct lbb_net *net, uint32_t ip, uint16_t port, uint64_t *flow);

/* True when ip is one of the addresses lbbench plays on that side. */
bool lbb_is_client_ip(const struct lbb_net *net, uint32_t ip);
bool lbb_is_rip(const struct lbb_net *net, uint32_t ip);

/* ---- UDP ---- */

struct lbb_udp_tmpl {
	uint8_t frame[LBB_MAX_FRAME];
	uint16_t len;          /* bytes in the buffer (frame size minus FCS) */
	uint32_t ip_sum0;      /* partial sums with the per-flow fields zero */
	uint32_t udp_sum0;
};

/* Builds the client -> VIP template for frames of `size` bytes (FCS
 * included, 64..1500). */
int lbb_udp_tmpl_init(struct lbb_udp_tmpl *t, const struct lbb_net *net,
		      const struct rte_ether_addr *src, const struct rte_ether_addr *dst,
		      unsigned size);

/* Writes the frame of one flow into buf (t->len bytes), with correct IPv4
 * and UDP checksums; stamp, when not NULL, goes at the start of the payload. */
void lbb_udp_build(const struct lbb_udp_tmpl *t, const struct lbb_net *net, uint64_t flow,
		   const struct lbb_stamp *stamp, uint8_t *buf);

/* ---- TCP ---- */

struct lbb_tcp_seg {
	uint32_t sip, dip;     /* network order */
	uint16_t sport, dport; /* network order */
	uint32_t seq, ack;     /* host order */
	uint8_t flags;         /* RTE_TCP_*_FLAG */
	uint16_t plen;         /* payload bytes (filled with a pattern) */
};

/* Writes one complete frame; returns its length, 0 when room is too small. */
uint16_t lbb_tcp_build(uint8_t *buf, uint16_t room, const struct rte_ether_addr *src,
		       const struct rte_ether_addr *dst, const struct lbb_tcp_seg *s);

/* ---- ARP ---- */

/* Turns an ARP request in place into the reply from `mac`. */
void lbb_arp_reply(uint8_t *frame, const struct rte_ether_addr *mac);

/* Writes a broadcast ARP request for `target`; returns its length (60). */
uint16_t lbb_arp_request(uint8_t *buf, const struct rte_ether_addr *mac, uint32_t sip,
			 uint32_t target);

/* ---- parsing and checks ---- */

enum lbb_pkt_kind {
	LBB_PKT_OTHER = 0,
	LBB_PKT_ARP_REQUEST,
	LBB_PKT_ARP_REPLY,
	LBB_PKT_UDP,
	LBB_PKT_TCP,
	LBB_PKT_BAD,           /* truncated or inconsistent headers */
};

struct lbb_pkt {
	enum lbb_pkt_kind kind;
	struct rte_ether_hdr *eth;
	struct rte_ipv4_hdr *ip;     /* UDP/TCP (inside the tunnel, for IPIP) */
	struct rte_ipv4_hdr *outer;  /* IPIP: the tunnel's header; else NULL */
	void *l4;
	uint32_t sip, dip;           /* network order (ARP: sender / target) */
	uint16_t sport, dport;       /* network order */
	uint8_t *payload;
	uint16_t plen;
	uint16_t l3len;              /* IPv4 total length */
};

enum lbb_pkt_kind lbb_parse(uint8_t *frame, uint32_t len, struct lbb_pkt *p);

/* Why a sampled frame failed its check. */
#define LBB_CHECK_ERRORS(X)                                 \
	X(IP_CSUM, "ip_csum")                               \
	X(L4_CSUM, "l4_csum")                               \
	X(BAD_DST, "bad_dst")   /* address or port not the expected one */ \
	X(BAD_SRC, "bad_src")                               \
	X(BAD_TTL, "bad_ttl")                               \
	X(UNEXPECTED, "unexpected") /* not a frame of this run at all */

enum lbb_check_err {
	LBB_CHECK_OK = 0,
#define LBB_CHECK_ENUM(id, name) LBB_CHECK_##id,
	LBB_CHECK_ERRORS(LBB_CHECK_ENUM)
#undef LBB_CHECK_ENUM
	LBB_CHECK_MAX
};

extern const char *const lbb_check_names[LBB_CHECK_MAX];

/* IPv4 header and UDP/TCP checksums of a parsed frame (a UDP checksum of
 * zero means "none" and passes). */
enum lbb_check_err lbb_check_csums(const struct lbb_pkt *p);

/* A client frame as the real servers must see it after the box:
 * NAT: destination one of the RIPs and rport, source the client unchanged;
 * none: the frame exactly as sent (VIP:vport). Checksums included. */
enum lbb_check_err lbb_check_at_server(const struct lbb_net *net, const struct lbb_pkt *p);

/* A frame arriving on the client side: a server's answer with the VIP:vport
 * as its source (every mode hides the RIP from the client), or, with
 * `loopback`, the client's own frame bounced back unmodified. */
enum lbb_check_err lbb_check_at_client(const struct lbb_net *net, const struct lbb_pkt *p,
				       bool loopback);

/* Swaps the Ethernet, IPv4 and L4 addresses in place: the answer of a
 * UDP echo server. Checksums stay valid (the sums are commutative). */
void lbb_swap_addrs(struct lbb_pkt *p);

/* IPv4 options in p's header (Full-NAT's UOA): moved out of the way the
 * way a real server's stack never echoes them: the Ethernet and IPv4
 * headers slide forward over them, lengths and the header checksum
 * follow. Returns the bytes removed from the frame's start (0: none). */
uint16_t lbb_strip_ip_options(struct lbb_pkt *p);

#endif /* LBB_FRAME_H */
