/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ipvs_priv: what the files of the IPVS layer (src/ipvs/) tell each other
 * and nobody else. The public contract is ipvs.h.
 *
 * Three kinds of state, three owners:
 *   - the configuration (services, dests) belongs to the control thread
 *     (service.c); after each change it builds an immutable snapshot
 *     (struct ipvs_snap) and publishes it with one pointer store;
 *   - each worker owns a struct ipvs_worker: its conn table shard, its
 *     timer wheel, its scheduler cursors and its counters, keyed by the
 *     stable ids of services and dests so they survive new snapshots;
 *   - the control thread only reads workers' counters (plain 64-bit loads
 *     of values the worker alone writes) and asks workers for their conn
 *     list through a mailbox (conn.c).
 */
#ifndef DPVS_IPVS_PRIV_H
#define DPVS_IPVS_PRIV_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "dp/dp.h"
#include "dpvs/ctl.h"
#include "ipvs/conn_hash.h"
#include "ipvs/synproxy.h"
#include "ipvs/defense.h"
#include "ipvs/ipvs.h"

struct worker;
struct sched_ops;
struct ipvs_worker;

/*
 * Stable ids: indexes into tables sized at start ([pool] svc_max and
 * dest_max, see ipvs_set_limits()), so per-worker state is an array that
 * a worker indexes directly. A connection carries its service's and its
 * dest's ids, so their width there bounds the limits (service.c checks).
 */
#define IPVS_SVC_MAX_DEFAULT 16384
#define IPVS_DEST_MAX_DEFAULT 65535
#define IPVS_ID_NONE UINT32_MAX

/* Seconds; the wheel must span the common timeouts (900 s established). */
#define IPVS_WHEEL_SLOTS 1024
/* Work bounds per ipvs_worker_timer() call, so a worker never stalls: the
 * budget starts small and doubles while the wheel lags (conn.c). */
#define IPVS_TIMER_BUDGET 256
#define IPVS_TIMER_BUDGET_BUSY 512 /* when the loop forwarded packets: ~30 us of frees */
#define IPVS_TIMER_BUDGET_MAX 16384 /* when it was idle */
/* ... and in time: at most 1/IPVS_TIMER_BUSY_HZ s (20 us) per call when
 * the loop forwarded packets, 1/IPVS_TIMER_IDLE_HZ (1 ms) when idle */
#define IPVS_TIMER_BUSY_HZ 50000
#define IPVS_TIMER_IDLE_HZ 1000
#define IPVS_CONN_LIST_BUCKETS 4096
/* Hash buckets: one per node (2 a conn) rounded up to a power of two, so
 * 16 to 32 bytes a slot, which with the 128-byte conn makes 144 to 160.
 * Four a conn measured no better at 10M conns (test/bench/conn_scale:
 * the bigger array costs what the shorter chains save). */
/* fwmark classifier rules (fwmark.c) */
#define IPVS_FWMARK_MAX 256
/* Persistence timeout when a service asks for persistence without one
 * (ipvsadm itself sends 360 for a bare -p). */
#define IPVS_PERSIST_TIMEOUT_DEFAULT 300u
/* Node protocol of persistence templates: no packet carries it, so a
 * packet lookup never finds a template (see persist.c). */
#define IPVS_PROTO_TEMPLATE 255
/* ... and of the templates of a persistence engine (--pe sip: keyed by
 * the client net and a hash of the Call-ID, pe_sip.c). */
#define IPVS_PROTO_TEMPLATE_PE 254

/* Persistence engines (ipvsadm --pe NAME). */
enum ipvs_pe {
	IPVS_PE_NONE = 0,
	IPVS_PE_SIP, /* SIP over UDP: one call, one real server (pe_sip.c) */
};

/* Largest timeout accepted, as LVS (INT_MAX jiffies at HZ=1000). */
#define IPVS_TIMEOUT_MAX 2147483u
/* Persistence timeouts, as ipvsadm -p takes them: up to 31 days (the
 * kernel keeps them in an unsigned int of jiffies, not an int) */
#define IPVS_PERSIST_TIMEOUT_MAX 2678400u

/* ---- TCP states, numbered and named as LVS's (ipvsadm -c shows them) ---- */
enum ipvs_tcp_state {
	IPVS_TCP_NONE = 0,
	IPVS_TCP_ESTABLISHED,
	IPVS_TCP_SYN_SENT,
	IPVS_TCP_SYN_RECV,
	IPVS_TCP_FIN_WAIT,
	IPVS_TCP_TIME_WAIT,
	IPVS_TCP_CLOSE,
	IPVS_TCP_CLOSE_WAIT,
	IPVS_TCP_LAST_ACK,
	IPVS_TCP_LISTEN,
	IPVS_TCP_SYNACK,
	IPVS_TCP_S_MAX
};
/* UDP conns have one state; it follows TCP's in the timeout table. */
#define IPVS_UDP_STATE IPVS_TCP_S_MAX

/* ---- SCTP states, LVS's (ip_vs_proto_sctp), after UDP's in the one
 * state space the timeout table and the per-state counters index ---- */
enum ipvs_sctp_state {
	IPVS_SCTP_NONE = IPVS_UDP_STATE + 1,
	IPVS_SCTP_INIT1,          /* the client's first INIT: short timeout */
	IPVS_SCTP_INIT,           /* INIT again: the first was lost */
	IPVS_SCTP_COOKIE_SENT,    /* the server's INIT-ACK passed */
	IPVS_SCTP_COOKIE_REPLIED, /* the client's COOKIE-ECHO passed */
	IPVS_SCTP_COOKIE_WAIT,    /* the server opened: its INIT passed */
	IPVS_SCTP_COOKIE,         /* ... the client's INIT-ACK passed */
	IPVS_SCTP_COOKIE_ECHOED,  /* ... the server's COOKIE-ECHO passed */
	IPVS_SCTP_ESTABLISHED,
	IPVS_SCTP_SHUTDOWN_SENT,
	IPVS_SCTP_SHUTDOWN_RECEIVED,
	IPVS_SCTP_SHUTDOWN_ACK_SENT,
	IPVS_SCTP_REJECTED,       /* an INIT answered by ABORT: short timeout */
	IPVS_SCTP_CLOSED,
	IPVS_SCTP_S_END
};
#define IPVS_STATE_MAX IPVS_SCTP_S_END

enum ipvs_dir {
	IPVS_DIR_IN = 0,  /* client -> VIP */
	IPVS_DIR_OUT = 1, /* real server -> client (the reply tuple) */
};

/*
 * ---- the published snapshot (immutable once published) ----
 *
 * Nothing reachable from a published snapshot is ever written: not by the
 * workers (their cursors and locality tables live in their own struct
 * ipvs_worker, keyed by service id), not by the control thread (it builds
 * the next snapshot beside it). A service's entry (its dests and its
 * scheduler's data) is built when that service changes and shared by
 * every snapshot until it changes again (service.c), so a change rebuilds
 * only the service it touches.
 */
struct ipvs_snap_dest {
	uint32_t addr;  /* network order */
	uint32_t id;    /* stable dest id */
	int32_t weight;
	uint16_t port;  /* network order */
	uint8_t fwd;    /* enum dpvs_fwd: MASQ, DROUTE or TUNNEL */
	uint8_t pad;
};

/* The encapsulation of a tunnel dest (-i), by dest id: what xmit_tun.h
 * builds its outer headers from. Read per packet of a TUN conn, so a
 * dest edited to another tunnel type takes its conns with it, as LVS's
 * conns read cp->dest->tun_type. */
struct ipvs_snap_tun {
	uint8_t type;  /* enum dpvs_tun_type */
	uint8_t flags; /* DPVS_TUN_F_* */
	uint16_t port; /* network order: GUE's UDP destination port */
};

/* Connection thresholds of a dest (-x/-y), as each worker enforces them:
 * its share of the configured values (see conn.c); 0 = none. */
struct ipvs_snap_thresh {
	uint32_t upper, lower;
};

/* A fwmark rule as the data path matches it (fwmark.c). */
struct ipvs_fwm_rule {
	uint32_t net, mask;     /* network order */
	uint16_t dport_min, dport_max; /* host order */
	uint8_t proto;          /* 0 = TCP and UDP */
	uint8_t pad;
	uint16_t id;            /* stable rule id: the workers' hit counters */
	uint32_t mark;
};

struct ipvs_snap_svc {
	uint32_t id;   /* stable service id */
	uint8_t proto;
	uint8_t pe;    /* enum ipvs_pe: the persistence engine (--pe) */
	uint8_t pad[2];
	uint32_t vaddr; /* network order */
	uint16_t vport; /* network order */
	uint16_t pad2;
	uint32_t fwmark;
	uint32_t flags;
	uint32_t gen;  /* changes with every edit: schedulers reset their cursor */
	/* changes when the scheduler's per-worker memory must start afresh
	 * (a new service, or another scheduler): not on other edits, so
	 * lblc/lblcr locality survives them */
	uint32_t sched_epoch;
	uint32_t timeout; /* persistence timeout (s), when DPVS_SVC_F_PERSISTENT */
	uint32_t netmask; /* persistence granularity, network order */
	int32_t next;  /* hash chain, index into ipvs_snap.svcs, -1 = end */
	const struct sched_ops *sched;
	/* built by sched->init_service when the service changed; shared with
	 * the other snapshots of the same version of the service */
	const void *sched_data;
	uint32_t ndests;
	const struct ipvs_snap_dest *dests;
	/* Full-NAT local addresses (network order) and the slot each has in
	 * the per-worker counters (ipvs_worker.laddr) */
	uint32_t nladdrs;
	const uint32_t *laddrs;
	const uint8_t *laddr_slots;
};

struct ipvs_snap {
	uint32_t nsvcs;
	struct ipvs_snap_svc *svcs;
	uint32_t hmask;  /* service hash: buckets - 1 */
	int32_t *htab;   /* first service index per bucket, -1 = empty */
	uint32_t timeout[IPVS_STATE_MAX]; /* seconds, per conn state */
	bool expire_nodest_conn;
	/* Full-NAT: carry the client's address to the real servers ([ipvs]
	 * fnat_toa, fnat_uoa; on unless the config says no) */
	bool fnat_toa, fnat_uoa;
	bool sloppy_tcp;
	bool laddr_float; /* [ipvs] floating_laddr: a LIP may be absent */
	bool has_port0; /* a service on port 0 (all ports) exists */
	/* by dest id, for every id ever handed out (ndest_ids of them) */
	uint32_t ndest_ids;
	const uint8_t *dest_alive; /* dest id still configured */
	const struct ipvs_snap_thresh *thresh;
	const struct ipvs_snap_tun *tun; /* zero for dests that are not -i */
	/* fwmark: the classifier's rules, and the fwmark services (indexes
	 * into svcs) that a mark selects */
	uint32_t nfwm_rules;
	struct ipvs_fwm_rule *fwm_rules;
	uint32_t nfwm_svcs;
	uint32_t *fwm_svcs;
	/* every dest's (proto, address, port), sorted (stray.c) */
	uint32_t ndest_keys;
	uint64_t *dest_keys;
	/* the VIPs of the services that have one (not fwmark), host order,
	 * sorted and unique, behind a 1024-bit filter: "is this address a
	 * VIP?" for the steering of several workers (ipvs_is_vip) */
	uint64_t vip_filter[16];
	uint32_t nvips;
	uint32_t *vips;
	uint32_t vips_gen; /* the service set they were built from (service.c) */
};

static inline unsigned ipvs_vip_filter_bit(uint32_t addr_be)
{
	return (addr_be * 0x9e3779b1u) >> 22; /* 10 bits */
}

/* A dest's key in dest_keys. proto 0 = any (fwmark services); port 0 =
 * any (fwmark and port-0 services keep the packet's port). */
static inline uint64_t ipvs_snap_dest_key(uint8_t proto, uint32_t addr_be, uint16_t port_be)
{
	return (uint64_t)proto << 48 | (uint64_t)rte_be_to_cpu_32(addr_be) << 16 |
	       rte_be_to_cpu_16(port_be);
}

/* Worker lcore: the snapshot in force (stable until the next quiescent
 * state the worker reports). */
extern struct ipvs_snap *ipvs_snap_current;
static inline const struct ipvs_snap *ipvs_snap_get(void)
{
	return __atomic_load_n(&ipvs_snap_current, __ATOMIC_ACQUIRE);
}
const struct ipvs_snap_svc *ipvs_snap_svc_lookup(const struct ipvs_snap *s, uint8_t proto,
						 uint32_t vaddr, uint16_t vport);
/* The service of a new flow, as LVS looks it up: the fwmark service of
 * the packet's mark (fwmark.c classifies it), then proto/VIP/port, then
 * proto/VIP/port 0 (all ports). NULL: not IPVS traffic. */
const struct ipvs_snap_svc *ipvs_snap_svc_match(const struct ipvs_snap *s,
						struct ipvs_worker *iw, uint8_t proto,
						uint32_t vaddr, uint16_t vport);

/* stray.c: whether a packet's source is a dest of the snapshot. */
bool ipvs_snap_is_dest(const struct ipvs_snap *s, uint8_t proto, uint32_t addr_be,
		       uint16_t port_be);

/* ---- connections (conn.c) ---- */

/*
 * Connection v2: 128 bytes, two cache lines, 128-byte aligned in the
 * worker's own pool (conn.c), so no connection straddles a third line and
 * the node a lookup lands on tells its direction by its offset.
 *
 *   line 0: the in node (client -> VIP) with the state bytes, the timer,
 *           the dest id, the cached egress towards the real server, the
 *           wheel's forward link;
 *   line 1: the out node (real server -> client) with the template count,
 *           the cached egress towards the client (a template's timeout in
 *           its place: templates send nothing), the service id, the
 *           wheel's back link and the template pointer.
 * A packet of an established conn reads its own node, the other node (the
 * rewrite data: NAT puts RIP:rport, or VIP:vport, from there) and its
 * direction's egress: these two lines, nothing else of the conn.
 */

/* Where a direction's packets leave: written on the first packet after a
 * route or neighbour change, valid while gen equals inet_egress_gen(). */
struct ipvs_egress {
	struct rte_ether_addr dst, src; /* the Ethernet header's first 12 bytes */
	uint32_t gen;                   /* 0: never resolved */
	uint16_t port_idx;
	uint16_t mtu;                   /* the port's, for the DF check */
};

/* One direction's lookup key, chained in its hash bucket. */
struct ipvs_conn_node {
	struct ipvs_conn_node *next;
	uint32_t saddr, daddr; /* network order */
	uint16_t sport, dport; /* network order */
	uint8_t proto;
	uint8_t b[3]; /* the conn's bytes that share the line (see below) */
};

struct ipvs_conn {
	/* line 0 */
	struct ipvs_conn_node in;  /* b: state, flags, fwd */
	uint32_t expires;          /* second (worker clock) it expires at */
	uint32_t slot_time;        /* second its wheel slot fires */
	uint32_t dest_id;
	struct ipvs_egress eg_in;  /* client -> real server */
	struct ipvs_conn *tnext;   /* timer wheel slot list */
	/* line 1 */
	struct ipvs_conn_node out; /* b[0..1]: n_control */
	union {
		struct ipvs_egress eg_out; /* real server -> client */
		uint32_t tmpl_timeout;     /* templates (never sent): persistence timeout (s) */
	};
	uint32_t svc_id;
	struct ipvs_conn **tpprev;
	/* line 1's cold part: read when a conn is made and freed, and by a
	 * proxy-protocol or SYN-proxy conn's packets; a service is never
	 * two of persistent, --proxy-protocol and --synproxy (service.c
	 * refuses the pairs), so one union serves all three. TOA needs
	 * nothing here (flag bits only): Full-NAT with the SYN proxy keeps
	 * both its TOA count and its splice */
	union {
		struct ipvs_conn *control; /* conns of a persistent service: their template */
		struct {
			/* the client's first data byte (its ISN + 1, host
			 * order); the real server sees its ISN pp_len lower
			 * and the header in between (proxy_proto.c) */
			uint32_t pp_seq;
			uint8_t pp_len;
		} pp; /* Full-NAT conns with IPVS_CONN_F_PP */
		/* NAT and Full-NAT conns of a SYN-proxy service
		 * (IPVS_CONN_X_SYNPROXY): synproxy.h */
		struct {
			/* before the splice: the cookie (our ISN to the client);
			 * after: the real server's ISN less it */
			uint32_t seq;
			uint8_t ws;      /* the client's shift << 4 | the real server's */
			uint8_t spliced; /* the real server answered */
			uint16_t held;   /* its held data's slot + 1 (0: none) */
		} synp;
	};
} __rte_aligned(128);

#define c_state in.b[0] /* enum ipvs_tcp_state, IPVS_UDP_STATE or enum ipvs_sctp_state */
#define c_flags in.b[1] /* IPVS_CONN_F_* */
#define c_fwd in.b[2]   /* enum dpvs_fwd: the forwarding mode */
/* line 1's last byte: Full-NAT's LIP slot in the service (low 4 bits:
 * DPVS_LADDR_MAX is 16) and, above it, flags of any mode that did not
 * fit in c_flags (IPVS_CONN_X_*). Read with every packet with the out
 * node, so a flag here costs no line more than one in c_flags. */
#define c_xflags out.b[2]
#define IPVS_CONN_LSLOT_MASK 0x0f
_Static_assert(DPVS_LADDR_MAX <= IPVS_CONN_LSLOT_MASK + 1, "a LIP slot fits c_xflags' low bits");

static inline uint8_t conn_lslot(const struct ipvs_conn *c)
{
	return c->c_xflags & IPVS_CONN_LSLOT_MASK;
}

static inline uint16_t conn_n_control(const struct ipvs_conn *c)
{
	uint16_t n;

	memcpy(&n, c->out.b, sizeof(n));
	return n;
}

static inline void conn_set_n_control(struct ipvs_conn *c, uint16_t n)
{
	memcpy(c->out.b, &n, sizeof(n));
}

/* The direction of a node: the in node opens the conn, the out node its
 * second line. */
static inline enum ipvs_dir ipvs_node_dir(const struct ipvs_conn_node *n)
{
	return ((uintptr_t)n & 64) ? IPVS_DIR_OUT : IPVS_DIR_IN;
}

static inline struct ipvs_conn *ipvs_conn_of(struct ipvs_conn_node *n)
{
	return (struct ipvs_conn *)(void *)((uintptr_t)n & ~(uintptr_t)127);
}

static inline struct ipvs_egress *ipvs_conn_egress(struct ipvs_conn *c, enum ipvs_dir dir)
{
	return dir == IPVS_DIR_IN ? &c->eg_in : &c->eg_out;
}

#define IPVS_CONN_F_ACTIVE 0x1     /* counted in activeconns (else inactconns) */
#define IPVS_CONN_F_TEMPLATE 0x2   /* a persistence template (persist.c) */
#define IPVS_CONN_F_OUT_HASHED 0x4 /* the out node is in the table (NAT and
				    * Full-NAT; DR and TUN see no replies) */
/* DR, TUN: no reply passes us, the TCP states follow the client alone
 * (LVS's IP_VS_CONN_F_NOOUTPUT, proto_tcp.c): a conn whose out node is not
 * hashed (no bit of its own: the flags byte is full) */
static inline bool conn_nooutput(const struct ipvs_conn *c)
{
	return !(c->c_flags & (IPVS_CONN_F_OUT_HASHED | IPVS_CONN_F_TEMPLATE));
}
#define IPVS_CONN_F_SYNCED 0x8 /* made or moved by a sync record and no
				* packet since: not sent back (sync.c) */
/* Full-NAT: the client's address is still to be carried to the real
 * server (TOA on the SYN and the first segments, UOA on the first
 * datagrams; fnat_caddr.c). The one bit xmit_fnat tests per packet: a
 * conn past its first packets pays nothing more. Set when the conn is
 * made (ipvs_fnat_caddr_init), cleared after IPVS_CADDR_PACKETS. */
#define IPVS_CONN_F_CADDR 0x10
/* ... and how many of the client's packets after the SYN carried it:
 * a 2-bit count in the flags' top bits (no byte of the conn is free) */
#define IPVS_CONN_F_CADDR_N_SHIFT 5
#define IPVS_CONN_F_CADDR_N_MASK 0x60
/* Full-NAT with the proxy protocol (--proxy-protocol): the PROXY header
 * goes in front of the client's data (TCP: once, UDP v2: every
 * datagram) instead of TOA/UOA; IPVS_CONN_F_CADDR stays set while
 * sequence numbers still need a look (proxy_proto.c). The union in line
 * 1 holds c->pp, not a template (conn_control()). */
#define IPVS_CONN_F_PP 0x80
#define IPVS_CONN_F_PP_V2 0x40 /* version 2 (else 1); in place of the count */

/* A conn of a SYN-proxy service, NAT or Full-NAT: c->synp holds its
 * sequence offset in the template pointer's place (synproxy_conn.c). In
 * c_xflags, not c_flags: c_flags' 0x10 is Full-NAT's IPVS_CONN_F_CADDR,
 * which a Full-NAT conn behind the proxy needs as well (its TOA). */
#define IPVS_CONN_X_SYNPROXY 0x80

static inline bool conn_is_synproxy(const struct ipvs_conn *c)
{
	return (c->c_xflags & IPVS_CONN_X_SYNPROXY) != 0;
}

/* The template of a conn of a persistent service, or NULL (the union in
 * line 1 holds a proxy protocol's or a SYN proxy's state instead). */
static inline struct ipvs_conn *conn_control(const struct ipvs_conn *c)
{
	return (c->c_flags & IPVS_CONN_F_PP) || conn_is_synproxy(c) ? NULL : c->control;
}

/* ---- per-worker state ---- */
struct ipvs_wstats {
	uint64_t conns, inpkts, outpkts, inbytes, outbytes;
};

struct ipvs_dest_wstate {
	uint64_t activeconns, inactconns, persistconns;
	/* LVS's IP_VS_DEST_F_OVERLOAD for this worker's share of the
	 * thresholds: set when its conns reach the upper one, cleared below
	 * the lower one (conn.c) */
	uint32_t overloaded;
	/* the source address of eg's way out (TUN's outer source), valid
	 * with eg: a conn's egress towards the dest is never newer than it */
	uint32_t src;
	struct ipvs_wstats st;
	/* where this worker last sent to the dest: a new conn starts with it
	 * instead of a route and neighbour lookup (xmit_nat.h) */
	struct ipvs_egress eg;
	/* the outer IPv4 id of TUN packets without DF (xmit_tun.h) */
	uint16_t ip_id;
};

/*
 * A scheduler's per-worker state for one service: a cursor (meaning is
 * the scheduler's own), and for schedulers with a per-worker table
 * (sched_ops.wstate_size: lblc, lblcr) that table. The worker writes
 * everything but mem, which the control thread allocates (zeroed, before
 * it publishes a snapshot that needs it) and frees once no snapshot that
 * knows the service is left; the worker zeroes the table itself when the
 * service's sched_epoch moves (sched_pick()).
 */
struct sched_state {
	uint32_t gen;   /* the service gen the cursor belongs to */
	int32_t v[3];
	uint32_t epoch; /* the service sched_epoch the table belongs to */
	uint32_t pad;
	void *mem;      /* NULL, or at least sched->wstate_size bytes */
};

struct ipvs_svc_wstate {
	struct sched_state sched;
	struct ipvs_wstats st;
	uint32_t laddr_next; /* Full-NAT: the LIP the next conn tries first */
};

/* Full-NAT's client address, per worker: packets that carried it and
 * packets that had no room for it (options full, or the MTU), and MSS
 * options lowered so that it fits. */
struct ipvs_caddr_wstats {
	uint64_t toa_added, toa_no_room;
	uint64_t uoa_added, uoa_no_room;
	uint64_t mss_clamped;
	uint64_t pp_added, pp_no_room; /* PROXY headers (proxy_proto.c) */
};

/* The SYN proxy's counters, per worker (synproxy_conn.c; dpip stats). */
struct ipvs_synp_wstats {
	uint64_t cookies_sent;  /* SYN-ACKs with a cookie */
	uint64_t cookies_valid; /* ACKs whose cookie passed: a conn made */
	uint64_t cookies_bad;   /* ACKs whose cookie failed (stale or forged) */
	uint64_t spliced;       /* real servers' SYN-ACKs: conns joined */
	uint64_t held;          /* client data kept until the splice */
	uint64_t held_lost;     /* ... not kept (table full, no mbuf) or expired */
	uint64_t rs_refused;    /* real servers' RSTs: the client got one */
	uint64_t syn_resent;    /* SYNs sent again on a client's retransmission */
	uint64_t synack_reacked; /* real servers' SYN-ACKs answered again */
};

/* Client data that came before the real server answered: one mbuf per
 * conn, in a worker's slots (a stack of the free ones; the conn names its
 * slot, the slot its conn by pointer and client: either may go first).
 * As many as tcp-cps's 256 connections in flight, four times over: with
 * 32 the bench lost 1 % of the data to a 200 ms retransmission. */
#define IPVS_SYNP_HELD_MAX 1024
#define IPVS_SYNP_HELD_SECONDS 3 /* the client retransmits after that */
struct ipvs_synp_held {
	struct rte_mbuf *m; /* NULL: free */
	struct ipvs_conn *c;
	uint32_t caddr;
	uint16_t cport;
	uint32_t expires; /* worker second */
};

/* Conn listing request from the control thread (see conn.c). */
enum { IPVS_REQ_IDLE = 0, IPVS_REQ_ASKED, IPVS_REQ_DONE };
struct ipvs_conn_req {
	uint32_t state;  /* IPVS_REQ_*, written with release, read with acquire */
	uint32_t cancel; /* control thread gave up waiting */
	struct dpvs_conn *buf;
	uint32_t cap;    /* entries buf holds */
	uint32_t max, n;
	uint32_t bucket, skip; /* walk position: in-nodes of bucket already listed */
	uint32_t split;  /* IPVS_SPLIT_*: may a bucket be cut between two pages */
	uint32_t more;   /* worker: stopped before the end of its table */
};

enum {
	IPVS_SPLIT_NEVER, /* whole buckets only: the page ends before one that does not fit */
	IPVS_SPLIT_EMPTY, /* ... unless the page is empty (a bucket bigger than a page) */
	IPVS_SPLIT_ANY,   /* fill up to max (no next page follows) */
};

/* The buckets ipvs_prefetch_burst computed, for ipvs_in to reuse: the
 * packets of a burst reach ipvs_in in order, each at most once. */
struct ipvs_hints {
	uint16_t n, pos;
	const struct rte_mbuf *m[DP_BURST];
	uint32_t bucket[DP_BURST];
};

/* A worker's counters of one LIP slot of a service (--get-laddr's
 * CONFLICTS and CONNS, summed over workers by the control thread). */
struct ipvs_laddr_wstate {
	int64_t conns;      /* made minus freed by this worker */
	uint64_t conflicts; /* new conns that found no free local port here */
	uint32_t cursor;    /* where the next search of a local port starts */
	uint32_t pad;
};

struct ipvs_worker {
	struct ipvs_conn *conns;   /* the pool: conn_max slots */
	struct ipvs_conn *free_head; /* free slots, linked through tnext */
	uint32_t nfree;
	struct ipvs_conn_node **htab;
	uint32_t nbuckets;         /* a power of two */
	struct ipvs_hash_key hash_key; /* secret, drawn at start (conn_hash.h) */
	uint32_t nconns;
	uint32_t conn_max;
	uint64_t timer_next; /* next wheel second to process */
	struct ipvs_conn *wheel[IPVS_WHEEL_SLOTS];      /* each slot's first (oldest linked) */
	struct ipvs_conn *wheel_tail[IPVS_WHEEL_SLOTS]; /* and last: new ones go after it */
	/* counters beyond the drop reasons */
	uint64_t conns_created, conns_expired;
	/* live conns by state (templates apart): moved on state changes,
	 * never per packet; the control thread reads them (metrics) */
	uint64_t conns_by_state[IPVS_STATE_MAX];
	struct ipvs_conn_req req;
	/* by service id and by dest id ([pool] svc_max, dest_max entries):
	 * allocated and attached by the control thread (service.c) before it
	 * publishes the first snapshot that has a service; NULL until then */
	struct ipvs_svc_wstate *svc;
	struct ipvs_dest_wstate *dest;
	uint64_t fwm_hits[IPVS_FWMARK_MAX]; /* packets marked, by rule id */
	/* Full-NAT: by service id * DPVS_LADDR_MAX + LIP slot; attached by
	 * the control thread with a service's first LIP, NULL until then */
	struct ipvs_laddr_wstate *laddr;
	uint64_t fnat_log_sec; /* the last second fnat-no-port was logged */
	struct ipvs_caddr_wstats caddr; /* Full-NAT client address (fnat_caddr.c) */
	unsigned index; /* the worker's index */
	uint32_t timer_budget; /* conns the next timer run may visit (adapts) */
	struct ipvs_hints hints;
	struct ipvs_defense_wstate def; /* defense.h */
	struct ipvs_synp_wstats synp;
	struct ipvs_synp_held synp_held[IPVS_SYNP_HELD_MAX];
	uint16_t synp_free[IPVS_SYNP_HELD_MAX]; /* free slots, a stack */
	uint32_t synp_nfree;
	uint32_t synp_nheld;    /* slots in use: the timer looks only then */
	uint64_t synp_tick_sec; /* ... and once a second */
	/* The handshake ACK whose cookie ipvs_synp_new_flow passed
	 * (IPVS_SYNP_ACK_OK) and what its cookie kept, for ipvs_synp_open
	 * of the same packet once new_flow has made its conn: checked once,
	 * and nothing carried through new_flow's scheduling, which every
	 * new flow of every service runs */
	const struct rte_mbuf *synp_ack_m;
	struct synp_opts synp_ack_o;
};

/* conn.c */
int ipvs_conn_shard_init(struct ipvs_worker *iw, unsigned index, uint32_t conn_max, int socket,
			 char *err, size_t errlen);
void ipvs_conn_shard_fini(struct ipvs_worker *iw);
/* The bucket of a tuple: keyed (conn_hash.h), so an attacker cannot aim
 * tuples at one bucket. */
static inline uint32_t ipvs_conn_hash(const struct ipvs_worker *iw, uint8_t proto, uint32_t saddr,
				      uint32_t daddr, uint16_t sport, uint16_t dport)
{
	return (uint32_t)ipvs_tuple_hash(&iw->hash_key, proto, saddr, daddr, sport, dport) &
	       (iw->nbuckets - 1);
}

static inline bool ipvs_node_is(const struct ipvs_conn_node *n, uint8_t proto, uint32_t saddr,
				uint32_t daddr, uint16_t sport, uint16_t dport)
{
	return n->saddr == saddr && n->daddr == daddr && n->sport == sport && n->dport == dport &&
	       n->proto == proto;
}

/* The node of a tuple in its bucket, or NULL. */
static inline struct ipvs_conn_node *ipvs_conn_lookup_in(struct ipvs_worker *iw, uint32_t bucket,
							 uint8_t proto, uint32_t saddr,
							 uint32_t daddr, uint16_t sport,
							 uint16_t dport)
{
	struct ipvs_conn_node *n = iw->htab[bucket];

	for (; n; n = n->next)
		if (ipvs_node_is(n, proto, saddr, daddr, sport, dport))
			return n;
	return NULL;
}

struct ipvs_conn_node *ipvs_conn_lookup(struct ipvs_worker *iw, uint8_t proto, uint32_t saddr,
					uint32_t daddr, uint16_t sport, uint16_t dport);

/* The bucket the prefetch pass found for m, or its hash computed now.
 * The packets of a burst reach here in order: m is the next hint, or one
 * after hints of packets the stack kept or dropped. */
static inline uint32_t ipvs_conn_bucket_of(struct ipvs_worker *iw, const struct rte_mbuf *m,
					   uint8_t proto, uint32_t saddr, uint32_t daddr,
					   uint16_t sport, uint16_t dport)
{
	struct ipvs_hints *h = &iw->hints;

	for (uint16_t i = h->pos; i < h->n; i++) {
		if (h->m[i] == m) {
			h->pos = i + 1;
			h->m[i] = NULL; /* once: the mbuf may come back recycled */
			return h->bucket[i];
		}
	}
	return ipvs_conn_hash(iw, proto, saddr, daddr, sport, dport);
}
/* NULL when the worker's table is full. fwd: the forwarding mode; the out
 * tuple is hashed only for the modes that see replies (NAT, Full-NAT).
 * bucket_in: the in tuple's bucket when known, else UINT32_MAX. */
struct ipvs_conn *ipvs_conn_new(struct ipvs_worker *iw, uint64_t now, uint8_t proto,
				uint32_t caddr, uint16_t cport, uint32_t vaddr, uint16_t vport,
				uint32_t daddr, uint16_t dport, uint32_t svc_id, uint32_t dest_id,
				uint8_t state, uint32_t timeout, uint8_t fwd, uint32_t bucket_in);
/* The same for a Full-NAT conn: its out tuple is RIP:rport -> LIP:lport
 * (fl: ipvs_fnat_bind's choice), not RIP:rport -> client. */
struct ipvs_fnat_local {
	uint32_t laddr; /* network order */
	uint16_t lport; /* network order */
	uint8_t slot;   /* the LIP's slot in the service (ipvs_worker.laddr) */
};
struct ipvs_conn *ipvs_conn_new_fnat(struct ipvs_worker *iw, uint64_t now, uint8_t proto,
				     uint32_t caddr, uint16_t cport, uint32_t vaddr,
				     uint16_t vport, uint32_t daddr, uint16_t dport,
				     const struct ipvs_fnat_local *fl, uint32_t svc_id,
				     uint32_t dest_id, uint8_t state, uint32_t timeout,
				     uint32_t bucket_in);

/* fnat.c: the local address and port of a new Full-NAT conn of service
 * svc towards daddr:dport: a LIP of the service and a port of this
 * worker's share (lport % nworkers == the worker's index, so steering
 * finds the owner of a reply by its port) that no live conn of the same
 * (protocol, RIP:rport, LIP) uses. DPVS_DROP_MAX and *fl, or the drop
 * reason: fnat-no-laddr (the service has none), fnat-no-port (none free:
 * counted as the LIPs' conflicts, logged at most once a second). */
enum dpvs_drop_reason ipvs_fnat_bind(struct ipvs_worker *iw, uint64_t now,
				     const struct ipvs_snap_svc *svc, uint8_t proto,
				     uint32_t daddr, uint16_t dport, struct ipvs_fnat_local *fl);
/* proxy_proto.c: whether a service's --proxy-protocol (flags) suits its
 * protocol and its other flags: 0, or -EPROTOTYPE with the reason. */
int ipvs_pp_check(uint16_t proto, uint32_t flags, char *err, size_t errlen);
/* Refreshes the timer to now + timeout (cheap: moves slots only when the
 * expiry got earlier than the slot it sits in). */
void ipvs_conn_refresh(struct ipvs_worker *iw, struct ipvs_conn *c, uint64_t now,
		       uint32_t timeout);
void ipvs_conn_free(struct ipvs_worker *iw, struct ipvs_conn *c);
/* defense.c: pressure eviction, one conn in TIME_WAIT, CLOSE, SYN_RECV
 * or SYNACK freed, the soonest to expire found within bounded work;
 * true when one was. */
bool ipvs_defense_evict(struct ipvs_worker *iw);
/* drop_packet: whether this new flow is the one in drop_rate to drop
 * (counted); call only while iw->def.drop_rate is not 0. */
bool ipvs_defense_drop_packet(struct ipvs_worker *iw);
/* The timeout of a conn in state now (secure_tcp shortens half-open). */
static inline uint32_t ipvs_state_timeout(const struct ipvs_worker *iw,
					  const struct ipvs_snap *snap, uint8_t state)
{
	uint32_t t = snap->timeout[state];

	if (unlikely(iw->def.on & IPVS_DEF_SECURE_TCP) &&
	    (state == IPVS_TCP_SYN_RECV || state == IPVS_TCP_SYNACK) && t > IPVS_SECURE_SYN_TIMEOUT)
		t = IPVS_SECURE_SYN_TIMEOUT;
	return t;
}
/* The lookup key of a persistence template (persist.c builds it): proto
 * IPVS_PROTO_TEMPLATE, the client net, the service's protocol in sport,
 * the VIP (or fwmark) and port; or a persistence engine's own. */
struct ipvs_tmpl_key {
	uint8_t proto;
	uint32_t saddr, daddr;
	uint16_t sport, dport;
};
/* A persistence template: hashed under key only (its in node), pointing
 * at daddr:dport for the listing, which shows proto and cnet; counted in
 * the dest's persistconns. NULL when full. */
struct ipvs_conn *ipvs_conn_new_template(struct ipvs_worker *iw, uint64_t now,
					 const struct ipvs_tmpl_key *key, uint8_t proto,
					 uint32_t cnet, uint32_t daddr, uint16_t dport,
					 uint32_t svc_id, uint32_t dest_id, uint32_t timeout);
/* Moves a template to another dest (its old one is gone). */
void ipvs_conn_template_rebind(struct ipvs_worker *iw, struct ipvs_conn *t, uint32_t daddr,
			       uint16_t dport, uint32_t dest_id);
/* Moves state, keeping the dest's active/inactive counters right. */
void ipvs_conn_set_state(struct ipvs_worker *iw, struct ipvs_conn *c, uint8_t state);
void ipvs_conn_timer(struct ipvs_worker *iw, uint64_t now, bool busy);
void ipvs_conn_req_serve(struct ipvs_worker *iw, uint64_t now, unsigned lcore_id);
/* persist.c: the dest of a new flow of a persistent service, from the
 * client's template or, failing that, the scheduler (which then gets a
 * template); *tmpl is the template the new conn must be bound to with
 * ipvs_persist_bind(). m: the packet (data at its IPv4 header), which a
 * persistence engine reads its key from. NULL: no dest. */
struct sched_ctx;
const struct ipvs_snap_dest *ipvs_persist_schedule(struct ipvs_worker *iw, uint64_t now,
						   const struct ipvs_snap_svc *svc,
						   const struct sched_ctx *ctx, const struct rte_mbuf *m,
						   struct ipvs_conn **tmpl);
void ipvs_persist_bind(struct ipvs_conn *c, struct ipvs_conn *tmpl);

/* fwmark.c */
/* Worker: the mark of a packet (0: no rule matches). */
uint32_t ipvs_fwmark_classify(const struct ipvs_snap *s, struct ipvs_worker *iw, uint8_t proto,
			      uint32_t daddr, uint16_t dport);
/* Control thread: the rules into a snapshot being built (0 or -ENOMEM). */
int ipvs_fwmark_snap(struct ipvs_snap *s);
void ipvs_fwmark_init(void);
/* service.c: republish after a rule change */
int ipvs_publish(void);

/* proto_tcp.c: the state after a packet of direction dir with tcp_flags;
 * input_only: a conn whose replies do not pass us (DR, TUN) */
uint8_t ipvs_tcp_next_state(uint8_t state, enum ipvs_dir dir, bool input_only,
			    uint8_t tcp_flags);
/* the same by LVS's secure_tcp table (defense.h) */
uint8_t ipvs_tcp_next_state_secure(uint8_t state, enum ipvs_dir dir, bool input_only,
				   uint8_t tcp_flags);
const char *ipvs_state_name(uint8_t proto, uint8_t state);
/* Answers m (a TCP segment as received, data at its IPv4 header, its
 * Ethernet header in the headroom) with an RST from the address and port
 * it was sent to, back to the frame's sender (RFC 793's reset
 * generation); m is left to the caller. false: no mbuf for it (counted
 * local-no-mbuf). */
bool ipvs_tcp_send_rst(struct worker *w, const struct rte_mbuf *m);
void ipvs_default_timeouts(uint32_t timeout[IPVS_STATE_MAX]);
/* A conn counts as active (activeconns, not inactconns) in this state:
 * TCP's and SCTP's ESTABLISHED, as LVS. */
static inline bool ipvs_state_is_active(uint8_t proto, uint8_t state)
{
	return (proto == IPPROTO_TCP && state == IPVS_TCP_ESTABLISHED) ||
	       (proto == IPPROTO_SCTP && state == IPVS_SCTP_ESTABLISHED);
}

/* proto_icmp.c: ICMP errors quoting a balanced flow. */
enum inet_verdict ipvs_icmp_in(struct worker *w, struct ipvs_worker *iw, uint16_t port_idx,
			       struct rte_mbuf *m);

/* synproxy_conn.c: the SYN proxy on the data path (what and why:
 * synproxy.h). The key of the cookies, drawn at ipvs_init. */
extern struct ipvs_hash_key ipvs_synp_key;
enum ipvs_synp_verdict {
	IPVS_SYNP_STOLEN, /* m answered, dropped or kept */
	IPVS_SYNP_ACK_OK, /* a handshake ACK with a good cookie: make the conn */
};
/* A packet of no conn to SYN-proxy service svc (TCP; its checksum
 * checked unless it is a SYN: ipvs_synp_syn_unchecked): a SYN is
 * answered with a cookie, an ACK's cookie checked. */
enum ipvs_synp_verdict ipvs_synp_new_flow(struct worker *w, struct ipvs_worker *iw,
					  uint16_t port_idx, struct rte_mbuf *m,
					  const struct ipvs_snap *snap,
					  const struct ipvs_snap_svc *svc);
/* The one segment of no conn whose checksum the proxy need not check
 * (tcp_flags: SYN alone): its SYN-ACK is made from it in place with the
 * checksum updated, not computed, so a corrupt SYN gets a SYN-ACK as
 * corrupt, which the client drops; no state is kept for it either way. */
static inline bool ipvs_synp_syn_unchecked(uint8_t tcp_flags)
{
	return (tcp_flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG | RTE_TCP_RST_FLAG |
			     RTE_TCP_FIN_FLAG)) == RTE_TCP_SYN_FLAG;
}
/* The conn c just made for that ACK: m leaves as the SYN to the real
 * server (its data kept for the splice). Consumes m. */
void ipvs_synp_open(struct worker *w, struct ipvs_worker *iw, struct ipvs_conn *c,
		    struct rte_mbuf *m);
/* A packet of a proxied conn the proxy must see (not yet spliced, or a
 * SYN-ACK again): true when it took m; false: the usual path goes on. */
bool ipvs_synp_conn_packet(struct worker *w, struct ipvs_worker *iw, uint16_t port_idx,
			   struct rte_mbuf *m, struct ipvs_conn *c, enum ipvs_dir dir,
			   uint8_t tcp_flags);
/* A client's ACK (no SYN, RST or FIN) on the tuple of proxied conn c that is
 * over (TIME_WAIT, CLOSE) whose cookie passes: the handshake of a new
 * conn on a reused port, whose SYN another worker answered (steer.c),
 * so this one never saw it to end c. The caller ends c and takes the
 * ACK as a new flow's. */
bool ipvs_synp_reuse_ack(struct worker *w, const struct ipvs_conn *c, struct rte_mbuf *m,
			 uint8_t tcp_flags);
/* Once a second: held data past its time is freed. */
void ipvs_synp_tick(struct ipvs_worker *iw, uint64_t now);
/* A proxied conn's packet (TCP header and options in the first segment):
 * once spliced, sequence, acks, SACK blocks and window between the two
 * legs; before, nothing. */
void ipvs_synp_xlate(const struct ipvs_conn *c, enum ipvs_dir dir, struct rte_tcp_hdr *th);
/* ipvs_init: the cookies' key; each worker's held-data slots */
int ipvs_synp_init(char *err, size_t errlen);
void ipvs_synp_worker_init(struct ipvs_worker *iw);

/* ipvs_core.c: the per-worker states (NULL past the last one) */
struct ipvs_worker *ipvs_worker_state(unsigned index);
unsigned ipvs_worker_states(void);

/* Counts a packet of conn c in its service's and dest's counters. */
static inline void ipvs_count(struct ipvs_worker *iw, const struct ipvs_conn *c,
			      enum ipvs_dir dir, uint32_t bytes)
{
	struct ipvs_wstats *s = &iw->svc[c->svc_id].st;
	struct ipvs_wstats *d = &iw->dest[c->dest_id].st;

	if (dir == IPVS_DIR_IN) {
		s->inpkts++;
		s->inbytes += bytes;
		d->inpkts++;
		d->inbytes += bytes;
	} else {
		s->outpkts++;
		s->outbytes += bytes;
		d->outpkts++;
		d->outbytes += bytes;
	}
}

/* service.c: what stats.c needs (the control API is in ipvs.h) */
/* Ids handed out so far (every id in use is below): what per-id loops
 * over the tables need to visit. */
uint32_t ipvs_svc_ids(void);
/* ipvs_init, once the conn tables are made: limits of 0 become numbers
 * from the hugepage memory left (service.c). */
void ipvs_limits_resolve(void);
uint32_t ipvs_dest_ids(void);
/* The limits in force ([pool] svc_max, dest_max). */
uint32_t ipvs_svc_max(void);
uint32_t ipvs_dest_max(void);
/* stats.c: its tables go with the service tables */
void ipvs_stats_fini(void);

/* ---- per-worker accessor ---- */

/* The worker's IPVS state; attached lazily for workers registered after
 * ipvs_init (tests make workers by hand). */
static inline struct ipvs_worker *ipvs_w(struct worker *w)
{
	if (unlikely(!w->ipvs))
		w->ipvs = ipvs_worker_state(w->index);
	return w->ipvs;
}

#endif /* DPVS_IPVS_PRIV_H */
